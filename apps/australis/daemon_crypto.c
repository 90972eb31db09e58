/* The daemons' crypto provider: the platform's (OpenSSL 3), except that AES key wrap
 * (RFC 3394) also accepts the long-term PQ secrets (ML-KEM dk 2400 bytes, ML-DSA sk 4032
 * bytes) that the keystore wraps at rest; the port's backend stops at 1024 bytes.
 * Same algorithm (RFC 3394 §2.2.1 / §2.2.2 through OpenSSL's AES-WRAP), only the bound differs.
 * TODO(coordinator): lift the bound in port/posix/crypto_openssl.c and drop this file. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "australis/base.h"
#include "daemon.h"

#define WRAP_MAX (64u * 1024u)

static const aus_crypto *base(void) { return aus_crypto_platform(); }

static const char *wrap_name(size_t keklen)
{
    return keklen == 16   ? "AES-128-WRAP"
           : keklen == 24 ? "AES-192-WRAP"
           : keklen == 32 ? "AES-256-WRAP"
                          : NULL;
}

static aus_err big_wrap(int enc, const uint8_t *kek, size_t keklen, const uint8_t *in, size_t n,
                        uint8_t *out, size_t outlen)
{
    const char *name = wrap_name(keklen);
    if (!name)
        return AUS_E_KEY;
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    uint8_t *tmp = malloc(n + 16);
    aus_err rc = enc ? AUS_E_CRYPTO : AUS_E_AUTH;
    int l1 = 0, l2 = 0;
    if (c && x && tmp &&
        (enc ? EVP_EncryptInit_ex2(x, c, kek, NULL, NULL)
             : EVP_DecryptInit_ex2(x, c, kek, NULL, NULL)) == 1 &&
        (enc ? EVP_EncryptUpdate(x, tmp, &l1, in, (int)n)
             : EVP_DecryptUpdate(x, tmp, &l1, in, (int)n)) == 1 &&
        (enc ? EVP_EncryptFinal_ex(x, tmp + l1, &l2) : EVP_DecryptFinal_ex(x, tmp + l1, &l2)) ==
            1 &&
        (size_t)(l1 + l2) == outlen) {
        memcpy(out, tmp, outlen);
        rc = AUS_OK;
    }
    if (tmp) {
        aus_wipe(tmp, n + 16);
        free(tmp);
    }
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return rc;
}

static aus_err d_aead_seal(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                           const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                           const uint8_t *pt, size_t ptlen, uint8_t *ct, uint8_t *tag,
                           size_t taglen)
{
    (void)self;
    return base()->ops->aead_seal(base()->self, alg, key, keylen, iv, ivlen, aad, naad, pt, ptlen,
                                  ct, tag, taglen);
}
static aus_err d_aead_open(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                           const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                           const uint8_t *ct, size_t ctlen, const uint8_t *tag, size_t taglen,
                           uint8_t *pt)
{
    (void)self;
    return base()->ops->aead_open(base()->self, alg, key, keylen, iv, ivlen, aad, naad, ct, ctlen,
                                  tag, taglen, pt);
}
static aus_err d_hmac(void *self, aus_hash_alg alg, const uint8_t *key, size_t keylen,
                      const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen)
{
    (void)self;
    return base()->ops->hmac(base()->self, alg, key, keylen, in, nin, out, outlen);
}
static aus_err d_hash(void *self, aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                      size_t outlen)
{
    (void)self;
    return base()->ops->hash(base()->self, alg, in, nin, out, outlen);
}
static aus_err d_key_wrap(void *self, const uint8_t *kek, size_t keklen, const uint8_t *key,
                          size_t keylen, uint8_t *out)
{
    (void)self;
    if (keylen <= 1024)
        return base()->ops->key_wrap(base()->self, kek, keklen, key, keylen, out);
    if (keylen % 8 || keylen > WRAP_MAX)
        return AUS_E_ARG;
    return big_wrap(1, kek, keklen, key, keylen, out, keylen + 8);
}
static aus_err d_key_unwrap(void *self, const uint8_t *kek, size_t keklen, const uint8_t *w,
                            size_t wlen, uint8_t *out)
{
    (void)self;
    if (wlen <= 1032)
        return base()->ops->key_unwrap(base()->self, kek, keklen, w, wlen, out);
    if (wlen % 8 || wlen > WRAP_MAX + 8)
        return AUS_E_MALFORMED;
    return big_wrap(0, kek, keklen, w, wlen, out, wlen - 8);
}
static aus_err d_hkdf(void *self, aus_hash_alg alg, const uint8_t *salt, size_t saltlen,
                      const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen,
                      uint8_t *out, size_t outlen)
{
    (void)self;
    return base()->ops->hkdf(base()->self, alg, salt, saltlen, ikm, ikmlen, info, infolen, out,
                             outlen);
}
static aus_err d_random(void *self, uint8_t *out, size_t n)
{
    (void)self;
    return base()->ops->random(base()->self, out, n);
}

static const aus_crypto_ops dmn_ops = {d_aead_seal, d_aead_open,  d_hmac, d_hash,
                                       d_key_wrap,  d_key_unwrap, d_hkdf, d_random};
static const aus_crypto dmn_crypto = {&dmn_ops, NULL};

void dmn_crypto_install(void) { aus_crypto_set_default(&dmn_crypto); }
