/* SPDX-License-Identifier: Apache-2.0 */
/* Keyed operations through a provider (include/australis/crypto.h, DESIGN.md §5).
 *
 * A provider may keep a keyed context per (domain, key id, use); these wrappers call the keyed
 * op when it exists and the key has an id, and the unkeyed op on the same bytes otherwise, so
 * the protocol code has one call and a provider without keyed contexts (a test double, a flight
 * backend) keeps working unchanged. */
#include "australis/crypto.h"

/* A keyed op is used only with an id and only from a provider that can also retire it. */
static int keyed(const aus_crypto *c, const aus_crypto_key *k, int has_op)
{
    return has_op && k->id != 0 && c->ops->key_retire != NULL;
}

aus_err aus_crypto_seal_k(const aus_crypto *c, aus_aead_alg alg, const aus_crypto_key *k,
                          const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                          const uint8_t *pt, size_t ptlen, uint8_t *ct, uint8_t *tag, size_t taglen)
{
    AUS_ENSURE(c && k && k->key, AUS_E_ARG);
    if (keyed(c, k, c->ops->aead_seal_k != NULL))
        return c->ops->aead_seal_k(c->self, alg, k, iv, ivlen, aad, naad, pt, ptlen, ct, tag,
                                   taglen);
    return c->ops->aead_seal(c->self, alg, k->key, k->len, iv, ivlen, aad, naad, pt, ptlen, ct, tag,
                             taglen);
}

aus_err aus_crypto_open_k(const aus_crypto *c, aus_aead_alg alg, const aus_crypto_key *k,
                          const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                          const uint8_t *ct, size_t ctlen, const uint8_t *tag, size_t taglen,
                          uint8_t *pt)
{
    AUS_ENSURE(c && k && k->key, AUS_E_ARG);
    if (keyed(c, k, c->ops->aead_open_k != NULL))
        return c->ops->aead_open_k(c->self, alg, k, iv, ivlen, aad, naad, ct, ctlen, tag, taglen,
                                   pt);
    return c->ops->aead_open(c->self, alg, k->key, k->len, iv, ivlen, aad, naad, ct, ctlen, tag,
                             taglen, pt);
}

aus_err aus_crypto_hmac_k(const aus_crypto *c, aus_hash_alg alg, const aus_crypto_key *k,
                          const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen)
{
    AUS_ENSURE(c && k && k->key, AUS_E_ARG);
    if (keyed(c, k, c->ops->hmac_k != NULL))
        return c->ops->hmac_k(c->self, alg, k, in, nin, out, outlen);
    return c->ops->hmac(c->self, alg, k->key, k->len, in, nin, out, outlen);
}

void aus_crypto_key_retire(const aus_crypto *c, uint32_t domain, uint32_t id)
{
    if (c && c->ops->key_retire)
        c->ops->key_retire(c->self, domain, id);
}

size_t aus_crypto_key_count(const aus_crypto *c)
{
    return c && c->ops->key_count ? c->ops->key_count(c->self) : 0;
}

uint32_t aus_crypto_domain(const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
    while (name && *name) {
        h ^= (uint8_t)*name++;
        h *= 16777619u;
    }
    return h == AUS_CRYPTO_DOMAIN_ANY ? 1u : h;
}
