/* The OpenSSL 3 crypto backend (DESIGN.md §1, src/crypto): AES-GCM, HMAC-SHA2, SHA-2/SHA-3/SHAKE,
 * AES key wrap (RFC 3394), HKDF (RFC 5869) and RAND_bytes. Only port/ includes OpenSSL.
 *
 * Message digests and ciphers are fetched once (EVP_*_fetch) and cached: fetching is the
 * dominant per-call cost in OpenSSL 3. HMAC and AES-GCM run on one context per thread
 * (re-entrant across threads), re-keyed on every call and left holding no key material when
 * the call returns; the other operations use a context per call. */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "australis/base.h"
#include "australis/crypto.h"
#include "crypto_openssl.h"

typedef struct ossl_cache {
    EVP_MD *md[8];
    EVP_CIPHER *gcm128, *gcm256, *wrap128, *wrap192, *wrap256;
    EVP_MAC *hmac;
    /* HMAC contexts with the digest already set and no key: duplicated per call, so the
     * digest is never looked up by name on the hot path (a string search in OpenSSL 3) and no
     * cached context ever holds key material. */
    EVP_MAC_CTX *hmac_tpl[3];
    EVP_KDF *hkdf;
    int ready;
} ossl_cache;

static ossl_cache cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* Fetched once per process under pthread_once: a plain "if (!ready)" lets two threads that make
 * their first call at the same moment fetch twice and overwrite each other's pointers. */
static void cache_fill(void)
{
    static const char *const names[8] = {"SHA256",   "SHA384",   "SHA512",   "SHA3-256",
                                         "SHA3-512", "SHAKE128", "SHAKE256", NULL};
    for (int i = 0; i < 7; i++)
        cache.md[i] = EVP_MD_fetch(NULL, names[i], NULL);
    cache.gcm128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    cache.gcm256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    cache.wrap128 = EVP_CIPHER_fetch(NULL, "AES-128-WRAP", NULL);
    cache.wrap192 = EVP_CIPHER_fetch(NULL, "AES-192-WRAP", NULL);
    cache.wrap256 = EVP_CIPHER_fetch(NULL, "AES-256-WRAP", NULL);
    cache.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    static const char *const dn[3] = {"SHA256", "SHA384", "SHA512"};
    for (int i = 0; i < 3 && cache.hmac; i++) {
        OSSL_PARAM p[2] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)dn[i], 0),
            OSSL_PARAM_END};
        cache.hmac_tpl[i] = EVP_MAC_CTX_new(cache.hmac);
        if (cache.hmac_tpl[i] && EVP_MAC_CTX_set_params(cache.hmac_tpl[i], p) != 1) {
            EVP_MAC_CTX_free(cache.hmac_tpl[i]);
            cache.hmac_tpl[i] = NULL;
        }
    }
    cache.hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    cache.ready = 1;
}

static void cache_init(void) { (void)pthread_once(&cache_once, cache_fill); }

static const EVP_MD *md_for(aus_hash_alg alg)
{
    cache_init();
    switch (alg) {
    case AUS_HASH_SHA256: return cache.md[0];
    case AUS_HASH_SHA384: return cache.md[1];
    case AUS_HASH_SHA512: return cache.md[2];
    case AUS_HASH_SHA3_256: return cache.md[3];
    case AUS_HASH_SHA3_512: return cache.md[4];
    case AUS_HASH_SHAKE128: return cache.md[5];
    case AUS_HASH_SHAKE256: return cache.md[6];
    default: return NULL;
    }
}

static const char *md_name(aus_hash_alg alg)
{
    switch (alg) {
    case AUS_HASH_SHA256: return "SHA256";
    case AUS_HASH_SHA384: return "SHA384";
    case AUS_HASH_SHA512: return "SHA512";
    default: return NULL;
    }
}

static const EVP_CIPHER *gcm_for(aus_aead_alg alg, size_t keylen)
{
    cache_init();
    if (alg == AUS_AEAD_AES128_GCM && keylen == 16)
        return cache.gcm128;
    if (alg == AUS_AEAD_AES256_GCM && keylen == 32)
        return cache.gcm256;
    return NULL;
}

static int len_ok(size_t n) { return n <= (size_t)0x7FFFFFFF; }

/* AES-GCM on one cipher context per thread, reused: allocating a context and the provider's
 * GCM state per call (and clear-freeing them) cost more than the cryptography for small
 * blocks. The context is bound to a cipher once and re-keyed on every call; when the call ends
 * it is re-keyed with an all-zero key and IV, so no key schedule or GHASH key of a real key
 * stays in memory between calls (the wipe rule), at the cost of one key expansion. */
static _Thread_local EVP_CIPHER_CTX *tl_gcm;
static _Thread_local const EVP_CIPHER *tl_gcm_cipher;
static _Thread_local size_t tl_gcm_ivlen; /* kept here: asking OpenSSL is a parameter lookup */

static EVP_CIPHER_CTX *gcm_begin(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv,
                                 size_t ivlen, int enc)
{
    if (!tl_gcm && !(tl_gcm = EVP_CIPHER_CTX_new()))
        return NULL;
    if (tl_gcm_cipher != c) { /* bind (again) to this cipher: 12-byte IV by default */
        tl_gcm_cipher = NULL;
        if (EVP_CipherInit_ex2(tl_gcm, c, NULL, NULL, enc, NULL) != 1)
            return NULL;
        tl_gcm_cipher = c;
        tl_gcm_ivlen = 12;
    }
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
                       OSSL_PARAM_END};
    /* the IV length is a parameter only when it changes (96 bits is the usual case) */
    if (tl_gcm_ivlen != ivlen) {
        tl_gcm_ivlen = 0;
        if (EVP_CipherInit_ex2(tl_gcm, NULL, NULL, NULL, enc, p) != 1)
            return NULL;
        tl_gcm_ivlen = ivlen;
    }
    if (EVP_CipherInit_ex2(tl_gcm, NULL, key, iv, enc, NULL) != 1)
        return NULL;
    return tl_gcm;
}

/* Scrub the context after use: re-key with zeros (see above); on any doubt, drop it. */
static void gcm_end(EVP_CIPHER_CTX *x, int enc)
{
    static const uint8_t zero[32];
    /* a key without an IV: the key schedule and the GHASH key are recomputed from zeros */
    if (!x || EVP_CipherInit_ex2(x, NULL, zero, NULL, enc, NULL) == 1)
        return;
    EVP_CIPHER_CTX_free(x); /* clears the key schedule */
    tl_gcm = NULL;
    tl_gcm_cipher = NULL;
}

static aus_err o_aead_seal(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                           const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                           const uint8_t *pt, size_t ptlen, uint8_t *ct, uint8_t *tag,
                           size_t taglen)
{
    (void)self;
    const EVP_CIPHER *c = gcm_for(alg, keylen);
    if (!c)
        return AUS_E_KEY;
    if (ivlen == 0 || !len_ok(ivlen) || !len_ok(ptlen) || taglen < 4 || taglen > 16)
        return AUS_E_ARG;
    aus_err rc = AUS_E_CRYPTO;
    int l = 0;
    EVP_CIPHER_CTX *x = gcm_begin(c, key, iv, ivlen, 1);
    if (!x)
        goto out;
    for (size_t i = 0; i < naad; i++)
        if (aad[i].n &&
            (!len_ok(aad[i].n) || EVP_EncryptUpdate(x, NULL, &l, aad[i].p, (int)aad[i].n) != 1))
            goto out;
    if (ptlen && EVP_EncryptUpdate(x, ct, &l, pt, (int)ptlen) != 1)
        goto out;
    uint8_t fin[16]; /* GCM final emits no bytes; never form ct + ptlen when ct is NULL */
    if (EVP_EncryptFinal_ex(x, fin, &l) != 1 ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, (int)taglen, tag) != 1)
        goto out;
    rc = AUS_OK;
out:
    gcm_end(tl_gcm, 1);
    return rc;
}

static aus_err o_aead_open(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                           const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                           const uint8_t *ct, size_t ctlen, const uint8_t *tag, size_t taglen,
                           uint8_t *pt)
{
    (void)self;
    const EVP_CIPHER *c = gcm_for(alg, keylen);
    if (!c)
        return AUS_E_KEY;
    if (ivlen == 0 || !len_ok(ivlen) || !len_ok(ctlen) || taglen < 4 || taglen > 16)
        return AUS_E_ARG;
    aus_err rc = AUS_E_CRYPTO;
    int l = 0;
    uint8_t t[16];
    memcpy(t, tag, taglen);
    EVP_CIPHER_CTX *x = gcm_begin(c, key, iv, ivlen, 0);
    if (!x)
        goto out;
    for (size_t i = 0; i < naad; i++)
        if (aad[i].n &&
            (!len_ok(aad[i].n) || EVP_DecryptUpdate(x, NULL, &l, aad[i].p, (int)aad[i].n) != 1))
            goto out;
    if (ctlen && EVP_DecryptUpdate(x, pt, &l, ct, (int)ctlen) != 1)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, (int)taglen, t) != 1)
        goto out;
    /* OpenSSL compares the tag in constant time (CRYPTO_memcmp). */
    uint8_t fin[16];
    if (EVP_DecryptFinal_ex(x, fin, &l) != 1) {
        rc = AUS_E_AUTH;
        goto out;
    }
    rc = AUS_OK;
out:
    /* Wipe on every failure path, not only a tag mismatch: DecryptUpdate has already written
     * plaintext that nothing authenticated, and the caller must never see it. */
    if (rc != AUS_OK && ctlen)
        aus_wipe(pt, ctlen);
    gcm_end(tl_gcm, 0);
    return rc;
}

/* HMAC (RFC 2104) over the cached digest with one digest context per thread, reused:
 * H((K ^ opad) || H((K ^ ipad) || m)). OpenSSL 3's EVP_MAC path costs ~0.6 us per call in
 * context duplication and teardown; this one reuses a context whose state after the outer
 * final is only the (public) MAC. The padded key blocks live on our stack and are wiped. */
static _Thread_local EVP_MD_CTX *tl_md;

static aus_err o_hmac(void *self, aus_hash_alg alg, const uint8_t *key, size_t keylen,
                      const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen)
{
    (void)self;
    size_t bs = alg == AUS_HASH_SHA256                               ? 64
                : (alg == AUS_HASH_SHA384 || alg == AUS_HASH_SHA512) ? 128
                                                                     : 0;
    if (!bs)
        return AUS_E_UNSUPPORTED;
    const EVP_MD *md = md_for(alg);
    size_t hl = aus_hash_len(alg);
    if (!md || (!tl_md && !(tl_md = EVP_MD_CTX_new())))
        return AUS_E_CRYPTO;
    uint8_t k[128], pad[128], ih[AUS_MAX_HASH_BYTES];
    aus_err rc = AUS_E_CRYPTO;
    memset(k, 0, sizeof k);
    if (keylen > bs) { /* RFC 2104 §2: longer keys are hashed first */
        if (EVP_DigestInit_ex2(tl_md, md, NULL) != 1 || EVP_DigestUpdate(tl_md, key, keylen) != 1 ||
            EVP_DigestFinal_ex(tl_md, k, NULL) != 1)
            goto out;
    } else if (keylen) {
        memcpy(k, key, keylen);
    }
    for (size_t i = 0; i < bs; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x36);
    if (EVP_DigestInit_ex2(tl_md, md, NULL) != 1 || EVP_DigestUpdate(tl_md, pad, bs) != 1)
        goto out;
    for (size_t i = 0; i < nin; i++)
        if (in[i].n && EVP_DigestUpdate(tl_md, in[i].p, in[i].n) != 1)
            goto out;
    if (EVP_DigestFinal_ex(tl_md, ih, NULL) != 1)
        goto out;
    for (size_t i = 0; i < bs; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x5c);
    if (EVP_DigestInit_ex2(tl_md, md, NULL) != 1 || EVP_DigestUpdate(tl_md, pad, bs) != 1 ||
        EVP_DigestUpdate(tl_md, ih, hl) != 1 || EVP_DigestFinal_ex(tl_md, out, NULL) != 1)
        goto out;
    *outlen = hl;
    rc = AUS_OK;
out:
    /* only the bytes this digest's block used (k was zeroed beyond keylen already);
     * OPENSSL_cleanse is a word-wide wipe the compiler cannot drop */
    OPENSSL_cleanse(k, bs);
    OPENSSL_cleanse(pad, bs);
    OPENSSL_cleanse(ih, sizeof ih);
    if (rc != AUS_OK)
        EVP_MD_CTX_reset(tl_md);
    return rc;
}

static aus_err o_hash(void *self, aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                      size_t outlen)
{
    (void)self;
    const EVP_MD *md = md_for(alg);
    if (!md)
        return AUS_E_UNSUPPORTED;
    int xof = (alg == AUS_HASH_SHAKE128 || alg == AUS_HASH_SHAKE256);
    if (!xof && outlen != aus_hash_len(alg))
        return AUS_E_ARG;
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    aus_err rc = AUS_E_CRYPTO;
    if (!x)
        return rc;
    if (EVP_DigestInit_ex2(x, md, NULL) != 1)
        goto out;
    for (size_t i = 0; i < nin; i++)
        if (in[i].n && EVP_DigestUpdate(x, in[i].p, in[i].n) != 1)
            goto out;
    if (xof ? EVP_DigestFinalXOF(x, out, outlen) != 1 : EVP_DigestFinal_ex(x, out, NULL) != 1)
        goto out;
    rc = AUS_OK;
out:
    EVP_MD_CTX_free(x);
    return rc;
}

/* Longest key data wrapped (RFC 3394 allows any multiple of 64 bits): the keystore wraps the
 * long-term ML-KEM / ML-DSA secrets (2400 / 4032 bytes) at rest. */
#define KW_MAX (64u * 1024u)

static const EVP_CIPHER *wrap_for(size_t keklen)
{
    cache_init();
    return keklen == 16   ? cache.wrap128
           : keklen == 24 ? cache.wrap192
           : keklen == 32 ? cache.wrap256
                          : NULL;
}

static aus_err o_key_wrap(void *self, const uint8_t *kek, size_t keklen, const uint8_t *key,
                          size_t keylen, uint8_t *out)
{
    (void)self;
    const EVP_CIPHER *c = wrap_for(keklen);
    if (!c)
        return AUS_E_KEY;
    if (keylen < 16 || keylen % 8 || keylen > KW_MAX)
        return AUS_E_ARG;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    aus_err rc = AUS_E_CRYPTO;
    int l1 = 0, l2 = 0;
    if (!x)
        return rc;
    if (EVP_EncryptInit_ex2(x, c, kek, NULL, NULL) == 1 &&
        EVP_EncryptUpdate(x, out, &l1, key, (int)keylen) == 1 &&
        EVP_EncryptFinal_ex(x, out + l1, &l2) == 1 && (size_t)(l1 + l2) == keylen + 8)
        rc = AUS_OK;
    EVP_CIPHER_CTX_free(x);
    return rc;
}

static aus_err o_key_unwrap(void *self, const uint8_t *kek, size_t keklen, const uint8_t *wrapped,
                            size_t wrappedlen, uint8_t *out)
{
    (void)self;
    const EVP_CIPHER *c = wrap_for(keklen);
    if (!c)
        return AUS_E_KEY;
    if (wrappedlen < 24 || wrappedlen % 8 || wrappedlen > KW_MAX + 8)
        return AUS_E_MALFORMED;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    aus_err rc = AUS_E_AUTH;
    int l1 = 0, l2 = 0;
    uint8_t fin[16];
    if (!x)
        return AUS_E_CRYPTO;
    /* RFC 3394 §2.2.3: the integrity check value failing is an authentication failure. The key
     * data is unwrapped straight into out (wrappedlen - 8 bytes) and wiped there on failure. */
    if (EVP_DecryptInit_ex2(x, c, kek, NULL, NULL) == 1 &&
        EVP_DecryptUpdate(x, out, &l1, wrapped, (int)wrappedlen) == 1 &&
        EVP_DecryptFinal_ex(x, fin, &l2) == 1 && l2 == 0 && (size_t)l1 == wrappedlen - 8)
        rc = AUS_OK;
    if (rc != AUS_OK)
        aus_wipe(out, wrappedlen - 8);
    EVP_CIPHER_CTX_free(x);
    return rc;
}

static aus_err o_hkdf(void *self, aus_hash_alg alg, const uint8_t *salt, size_t saltlen,
                      const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen,
                      uint8_t *out, size_t outlen)
{
    (void)self;
    const char *name = md_name(alg);
    if (!name)
        return AUS_E_UNSUPPORTED;
    /* RFC 5869 §2.3: L <= 255 * HashLen. */
    if (outlen == 0 || outlen > 255 * aus_hash_len(alg))
        return AUS_E_ARG;
    cache_init();
    EVP_KDF_CTX *x = EVP_KDF_CTX_new(cache.hkdf);
    aus_err rc = AUS_E_CRYPTO;
    if (!x)
        return rc;
    uint8_t z = 0;
    OSSL_PARAM p[5], *q = p;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)name, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                             (void *)(uintptr_t)(ikmlen ? ikm : &z), ikmlen);
    if (saltlen)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt,
                                                 saltlen);
    if (infolen)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info,
                                                 infolen);
    *q = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(x, out, outlen, p) == 1)
        rc = AUS_OK;
    EVP_KDF_CTX_free(x);
    return rc;
}

static aus_err o_random(void *self, uint8_t *out, size_t n)
{
    (void)self;
    if (n > (size_t)0x7FFFFFFF)
        return AUS_E_ARG;
    return RAND_bytes(out, (int)n) == 1 ? AUS_OK : AUS_E_CRYPTO;
}

static const aus_crypto_ops ossl_ops = {
    o_aead_seal, o_aead_open, o_hmac, o_hash, o_key_wrap, o_key_unwrap, o_hkdf, o_random,
};

static const aus_crypto ossl = {&ossl_ops, NULL};

const aus_crypto *aus_crypto_openssl(void) { return &ossl; }

const aus_crypto *aus_crypto_platform(void) { return &ossl; }
