/* SPDX-License-Identifier: Apache-2.0 */
/* The crypto provider (DESIGN.md §2): a const ops table installed at init.
 *
 * The core never includes OpenSSL headers: it calls these ops. The POSIX build installs the
 * OpenSSL 3 backend (port/posix/crypto_openssl.c, aus_crypto_openssl()); a flight build can
 * install another backend without touching the core.
 *
 * Inputs are given as scatter lists (aus_iov) so that protocol code can MAC or encrypt
 * non-contiguous pieces (e.g. the RFC 9173 IPPT / AAD) without copying into a buffer.
 */
#ifndef AUSTRALIS_CRYPTO_H
#define AUSTRALIS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aus_iov {
    const uint8_t *p;
    size_t n;
} aus_iov;

typedef enum aus_aead_alg {
    AUS_AEAD_AES128_GCM = 1, /* same numbering as RFC 9173 §4.3.2 (COSE A128GCM) */
    AUS_AEAD_AES256_GCM = 3, /* COSE A256GCM */
} aus_aead_alg;

typedef enum aus_hash_alg {
    AUS_HASH_SHA256 = 5, /* same numbering as RFC 9173 §3.3.1 (COSE HMAC 256/256) */
    AUS_HASH_SHA384 = 6,
    AUS_HASH_SHA512 = 7,
    AUS_HASH_SHA3_256 = 20,
    AUS_HASH_SHA3_512 = 21,
    AUS_HASH_SHAKE128 = 30, /* XOF */
    AUS_HASH_SHAKE256 = 31, /* XOF */
} aus_hash_alg;

#define AUS_GCM_TAG_BYTES 16
#define AUS_MAX_HASH_BYTES 64

/* A key handed to the keyed operations (DESIGN.md §5: a key schedule lives as long as its key is
 * active). (domain, id) names the key at the provider, which keeps one keyed context per
 * (domain, id, use) until the key is retired: AES-GCM seal and open each have one (the key
 * schedule and the GHASH key), HMAC has one (the padded key blocks). The key bytes come with
 * every call and are compared (in constant time) with the bytes the context was made from: a
 * context whose key was replaced under the same id without a retire (an OTAR upload over a
 * destroyed id) is wiped and made again, never used. id 0 names no key: the call then runs on a
 * per-call schedule wiped before it returns, exactly as the unkeyed operations do. */
typedef struct aus_crypto_key {
    const uint8_t *key;
    size_t len;
    uint32_t domain; /* who numbers the ids: a keystore, a tenant; any number the caller keeps */
    uint32_t id;     /* the key's id in domain (0: no keyed context) */
} aus_crypto_key;

/* key_retire's domain meaning "every domain" (a keystore that retires an id cannot know which
 * domain each user of the key named it in; retiring too much only costs a key setup). */
#define AUS_CRYPTO_DOMAIN_ANY 0u

typedef struct aus_crypto_ops {
    /* AES-GCM seal: ct (ptlen bytes) and tag (taglen, 4..16). ct may alias pt. */
    aus_err (*aead_seal)(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                         const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                         const uint8_t *pt, size_t ptlen, uint8_t *ct, uint8_t *tag, size_t taglen);
    /* AES-GCM open: AUS_E_AUTH on tag mismatch (pt is then wiped). pt may alias ct. */
    aus_err (*aead_open)(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                         const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                         const uint8_t *ct, size_t ctlen, const uint8_t *tag, size_t taglen,
                         uint8_t *pt);
    /* HMAC over the concatenation of the iovs; out gets the full digest length. */
    aus_err (*hmac)(void *self, aus_hash_alg alg, const uint8_t *key, size_t keylen,
                    const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen);
    /* Hash (fixed-length) or XOF (SHAKE: outlen chosen by the caller). */
    aus_err (*hash)(void *self, aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                    size_t outlen);
    /* AES key wrap (RFC 3394): out is keylen + 8 bytes. */
    aus_err (*key_wrap)(void *self, const uint8_t *kek, size_t keklen, const uint8_t *key,
                        size_t keylen, uint8_t *out);
    /* AES key unwrap: AUS_E_AUTH when the integrity check fails; out is wrappedlen - 8. */
    aus_err (*key_unwrap)(void *self, const uint8_t *kek, size_t keklen, const uint8_t *wrapped,
                          size_t wrappedlen, uint8_t *out);
    /* HKDF (RFC 5869) extract-and-expand. */
    aus_err (*hkdf)(void *self, aus_hash_alg alg, const uint8_t *salt, size_t saltlen,
                    const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen,
                    uint8_t *out, size_t outlen);
    /* Cryptographically secure random bytes. */
    aus_err (*random)(void *self, uint8_t *out, size_t n);
    /* ---- keyed contexts (optional: NULL in a provider without them; call them through
     * aus_crypto_seal_k / _open_k / _hmac_k below, which fall back to the unkeyed ops) ---- */
    /* aead_seal / aead_open / hmac on the keyed context of k (made on first use). Errors as the
     * unkeyed operation. */
    aus_err (*aead_seal_k)(void *self, aus_aead_alg alg, const aus_crypto_key *k, const uint8_t *iv,
                           size_t ivlen, const aus_iov *aad, size_t naad, const uint8_t *pt,
                           size_t ptlen, uint8_t *ct, uint8_t *tag, size_t taglen);
    aus_err (*aead_open_k)(void *self, aus_aead_alg alg, const aus_crypto_key *k, const uint8_t *iv,
                           size_t ivlen, const aus_iov *aad, size_t naad, const uint8_t *ct,
                           size_t ctlen, const uint8_t *tag, size_t taglen, uint8_t *pt);
    aus_err (*hmac_k)(void *self, aus_hash_alg alg, const aus_crypto_key *k, const aus_iov *in,
                      size_t nin, uint8_t *out, size_t *outlen);
    /* Wipe and free every keyed context of key `id` in `domain` (AUS_CRYPTO_DOMAIN_ANY: in every
     * domain). The key's owner calls it when the key is deactivated, destroyed or replaced. */
    void (*key_retire)(void *self, uint32_t domain, uint32_t id);
    /* Keyed contexts held now (tests, status pages). */
    size_t (*key_count)(void *self);
} aus_crypto_ops;

typedef struct aus_crypto {
    const aus_crypto_ops *ops;
    void *self;
} aus_crypto;

/* Keyed operations through a provider: the keyed op when the provider has one and k->id != 0,
 * else the unkeyed op on k->key (so a provider without keyed contexts still works). */
AUS_MUST_USE aus_err aus_crypto_seal_k(const aus_crypto *c, aus_aead_alg alg,
                                       const aus_crypto_key *k, const uint8_t *iv, size_t ivlen,
                                       const aus_iov *aad, size_t naad, const uint8_t *pt,
                                       size_t ptlen, uint8_t *ct, uint8_t *tag, size_t taglen);
AUS_MUST_USE aus_err aus_crypto_open_k(const aus_crypto *c, aus_aead_alg alg,
                                       const aus_crypto_key *k, const uint8_t *iv, size_t ivlen,
                                       const aus_iov *aad, size_t naad, const uint8_t *ct,
                                       size_t ctlen, const uint8_t *tag, size_t taglen,
                                       uint8_t *pt);
AUS_MUST_USE aus_err aus_crypto_hmac_k(const aus_crypto *c, aus_hash_alg alg,
                                       const aus_crypto_key *k, const aus_iov *in, size_t nin,
                                       uint8_t *out, size_t *outlen);
/* key_retire / key_count when the provider has them (else nothing / 0). */
void aus_crypto_key_retire(const aus_crypto *c, uint32_t domain, uint32_t id);
size_t aus_crypto_key_count(const aus_crypto *c);
/* A domain number from a name (FNV-1a, never AUS_CRYPTO_DOMAIN_ANY): for callers that name
 * their key space by text, e.g. a tenant. */
uint32_t aus_crypto_domain(const char *name);

/* Digest length of a fixed-length hash (0 for XOFs / unknown). */
size_t aus_hash_len(aus_hash_alg alg);

/* The platform's provider, supplied by the port (port/posix: OpenSSL 3). */
const aus_crypto *aus_crypto_platform(void);
/* The process-wide default: the override if set, else the platform's. */
const aus_crypto *aus_crypto_default(void);
/* Override the default (NULL restores the platform's). Not thread-safe: call at start-up. */
void aus_crypto_set_default(const aus_crypto *c);

#ifdef __cplusplus
}
#endif
#endif
