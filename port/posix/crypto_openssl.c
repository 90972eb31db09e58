/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenSSL 3 crypto backend (DESIGN.md §1, src/crypto): AES-GCM, HMAC-SHA2, SHA-2/SHA-3/SHAKE,
 * AES key wrap (RFC 3394), HKDF (RFC 5869) and RAND_bytes. Only port/ includes OpenSSL.
 *
 * Message digests and ciphers are fetched once (EVP_*_fetch) and cached: fetching is the
 * dominant per-call cost in OpenSSL 3. The unkeyed HMAC and AES-GCM run on one context per
 * thread (re-entrant across threads), re-keyed on every call and left holding no key material
 * when the call returns; the other operations use a context per call. The keyed operations
 * (aead_seal_k, aead_open_k, hmac_k) keep a context per (domain, key id, use) until the key is
 * retired: see "keyed contexts" below for where that memory lives. */
/* The keyed HMAC keeps the SHA-2 states after K ^ ipad and K ^ opad (RFC 2104 §4's
 * precomputation) in our locked table; OpenSSL 3 offers no EVP way to snapshot a digest state
 * without allocating (EVP_MD_CTX_copy_ex duplicates the provider context), so that one path
 * uses the low-level SHA-2 functions, deprecated in 3.0 but still the same SHA-NI/AVX code. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "australis/base.h"
#include "australis/crypto.h"
#include "crypto_openssl.h"

/* AES-GCM as the provider implements it, reached through its dispatch table (provider-base(7):
 * OSSL_PROVIDER_query_operation), for the keyed contexts only. Why not EVP there: in OpenSSL 3.0
 * a new IV goes in only through a parameter request (EVP_CIPHER_CTX_set_params: the GCM
 * provider looks up five names in it, one strcmp per name and entry) or EVP_CipherInit_ex2
 * (which also asks for the IV length); the provider's own init takes the IV as an argument and
 * looks nothing up when given no parameters. The functions are the same ones EVP calls
 * (provider-cipher(7)); EVP adds no check on this path that the calls below do not make. */
typedef struct gcm_prov {
    void *provctx;
    OSSL_FUNC_cipher_newctx_fn *newctx;
    OSSL_FUNC_cipher_freectx_fn *freectx;
    OSSL_FUNC_cipher_encrypt_init_fn *einit;
    OSSL_FUNC_cipher_decrypt_init_fn *dinit;
    OSSL_FUNC_cipher_update_fn *update;
    OSSL_FUNC_cipher_final_fn *final;
    OSSL_FUNC_cipher_get_ctx_params_fn *get;
} gcm_prov;

typedef struct ossl_cache {
    EVP_MD *md[8];
    EVP_CIPHER *gcm128, *gcm256, *wrap128, *wrap192, *wrap256;
    EVP_MAC *hmac;
    /* HMAC contexts with the digest already set and no key: duplicated per call, so the
     * digest is never looked up by name on the hot path (a string search in OpenSSL 3) and no
     * cached context ever holds key material. */
    EVP_MAC_CTX *hmac_tpl[3];
    EVP_KDF *hkdf;
    gcm_prov gcm128_p, gcm256_p; /* newctx NULL: not found, the keyed contexts use EVP */
    int ready;
} ossl_cache;

static ossl_cache cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* Is want one of the colon-separated names (OpenSSL compares algorithm names ignoring case)? */
static int name_in(const char *names, const char *want)
{
    size_t wl = strlen(want);
    for (const char *p = names; p && *p;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == wl && OPENSSL_strncasecmp(p, want, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The dispatch table of the provider that EVP fetched c from, for the one algorithm named name
 * (none if the provider offers it twice: then it is not known which one EVP took). */
static void gcm_prov_find(const EVP_CIPHER *c, const char *name, gcm_prov *g)
{
    const OSSL_PROVIDER *prov = c ? EVP_CIPHER_get0_provider(c) : NULL;
    int no_store = 0;
    const OSSL_ALGORITHM *all =
        prov ? OSSL_PROVIDER_query_operation(prov, OSSL_OP_CIPHER, &no_store) : NULL;
    const OSSL_ALGORITHM *hit = NULL;
    size_t hits = 0;
    for (const OSSL_ALGORITHM *a = all; a && a->algorithm_names; a++)
        if (name_in(a->algorithm_names, name)) {
            hit = a;
            hits++;
        }
    gcm_prov t;
    memset(&t, 0, sizeof t);
    for (const OSSL_DISPATCH *d = hits == 1 ? hit->implementation : NULL; d && d->function_id;
         d++) {
        switch (d->function_id) {
        case OSSL_FUNC_CIPHER_NEWCTX: t.newctx = OSSL_FUNC_cipher_newctx(d); break;
        case OSSL_FUNC_CIPHER_FREECTX: t.freectx = OSSL_FUNC_cipher_freectx(d); break;
        case OSSL_FUNC_CIPHER_ENCRYPT_INIT: t.einit = OSSL_FUNC_cipher_encrypt_init(d); break;
        case OSSL_FUNC_CIPHER_DECRYPT_INIT: t.dinit = OSSL_FUNC_cipher_decrypt_init(d); break;
        case OSSL_FUNC_CIPHER_UPDATE: t.update = OSSL_FUNC_cipher_update(d); break;
        case OSSL_FUNC_CIPHER_FINAL: t.final = OSSL_FUNC_cipher_final(d); break;
        case OSSL_FUNC_CIPHER_GET_CTX_PARAMS: t.get = OSSL_FUNC_cipher_get_ctx_params(d); break;
        default: break;
        }
    }
    if (all)
        OSSL_PROVIDER_unquery_operation(prov, OSSL_OP_CIPHER, all);
    t.provctx = prov ? OSSL_PROVIDER_get0_provider_ctx(prov) : NULL;
    if (t.newctx && t.freectx && t.einit && t.dinit && t.update && t.final && t.get)
        *g = t;
}

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
    gcm_prov_find(cache.gcm128, "AES-128-GCM", &cache.gcm128_p);
    gcm_prov_find(cache.gcm256, "AES-256-GCM", &cache.gcm256_p);
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

/* ---- AES-GCM ---- */

/* Largest additional data gathered into one update: the RFC 9173 AAD pieces (scope, primary
 * block, headers) are a few bytes each, and every EVP update is a trip through the provider. */
#define AAD_GATHER 512

/* One piece of AAD into a context: an EVP one (g NULL) or the provider's own (keyed slots). */
static int gcm_feed(void *x, const gcm_prov *g, const uint8_t *p, size_t n)
{
    if (!len_ok(n))
        return 0;
    if (g) {
        size_t l = 0;
        return g->update(x, NULL, &l, n, p, n) == 1;
    }
    int l = 0;
    return EVP_CipherUpdate((EVP_CIPHER_CTX *)x, NULL, &l, p, (int)n) == 1;
}

static int gcm_aad(void *x, const gcm_prov *g, const aus_iov *aad, size_t naad)
{
    uint8_t buf[AAD_GATHER];
    size_t fill = 0, live = 0, one = 0;
    for (size_t i = 0; i < naad; i++)
        if (aad[i].n) {
            live++;
            one = i;
        }
    if (live == 1) /* one piece: straight to OpenSSL, no copy */
        return gcm_feed(x, g, aad[one].p, aad[one].n);
    for (size_t i = 0; i < naad; i++) {
        if (!aad[i].n)
            continue;
        if (aad[i].n <= sizeof buf - fill) {
            memcpy(buf + fill, aad[i].p, aad[i].n);
            fill += aad[i].n;
            continue;
        }
        if (fill && !gcm_feed(x, g, buf, fill))
            return 0;
        fill = 0;
        if (!gcm_feed(x, g, aad[i].p, aad[i].n))
            return 0;
    }
    return !fill || gcm_feed(x, g, buf, fill);
}

/* OSSL_PARAM entries written out: the OSSL_PARAM_construct_* calls build the same structs */
#define GCM_OCTETS(name, ptr, n)                                                                   \
    ((OSSL_PARAM){(name), OSSL_PARAM_OCTET_STRING, (void *)(uintptr_t)(ptr), (n),                  \
                  OSSL_PARAM_UNMODIFIED})

/* One seal on a context that has its key and IV: AAD, plaintext, tag. The tag is read with one
 * parameter request (EVP_CIPHER_CTX_ctrl(GET_TAG) builds the same request after a switch). */
static aus_err gcm_seal_run(EVP_CIPHER_CTX *x, const aus_iov *aad, size_t naad, const uint8_t *pt,
                            size_t ptlen, uint8_t *ct, uint8_t *tag, size_t taglen)
{
    int l = 0;
    uint8_t fin[16]; /* GCM final emits no bytes; never form ct + ptlen when ct is NULL */
    OSSL_PARAM p[2] = {GCM_OCTETS(OSSL_CIPHER_PARAM_AEAD_TAG, tag, taglen), OSSL_PARAM_END};
    if (!gcm_aad(x, NULL, aad, naad) ||
        (ptlen && EVP_EncryptUpdate(x, ct, &l, pt, (int)ptlen) != 1) ||
        EVP_EncryptFinal_ex(x, fin, &l) != 1 || EVP_CIPHER_CTX_get_params(x, p) != 1 ||
        p[0].return_size != taglen)
        return AUS_E_CRYPTO;
    return AUS_OK;
}

/* One open: AAD, ciphertext, tag check. The expected tag is set here (tag != NULL) or was set
 * with the IV (tag == NULL, the keyed path); OpenSSL keeps it until the final. The plaintext is
 * wiped on every failure path, not only a tag mismatch: DecryptUpdate has already written
 * plaintext that nothing authenticated, and the caller must never see it. OpenSSL compares the
 * tag in constant time (CRYPTO_memcmp). */
static aus_err gcm_open_run(EVP_CIPHER_CTX *x, const aus_iov *aad, size_t naad, const uint8_t *ct,
                            size_t ctlen, const uint8_t *tag, size_t taglen, uint8_t *pt)
{
    int l = 0;
    uint8_t fin[16];
    aus_err rc = AUS_E_CRYPTO;
    OSSL_PARAM p[2] = {GCM_OCTETS(OSSL_CIPHER_PARAM_AEAD_TAG, tag, taglen), OSSL_PARAM_END};
    if (!gcm_aad(x, NULL, aad, naad) ||
        (ctlen && EVP_DecryptUpdate(x, pt, &l, ct, (int)ctlen) != 1) ||
        (tag && EVP_CIPHER_CTX_set_params(x, p) != 1))
        goto out;
    rc = EVP_DecryptFinal_ex(x, fin, &l) == 1 ? AUS_OK : AUS_E_AUTH;
out:
    if (rc != AUS_OK && ctlen)
        aus_wipe(pt, ctlen);
    return rc;
}

static aus_err gcm_args(aus_aead_alg alg, size_t keylen, size_t ivlen, size_t len, size_t taglen,
                        const EVP_CIPHER **c)
{
    *c = gcm_for(alg, keylen);
    if (!*c)
        return AUS_E_KEY;
    if (ivlen == 0 || !len_ok(ivlen) || !len_ok(len) || taglen < 4 || taglen > 16)
        return AUS_E_ARG;
    return AUS_OK;
}

/* The IV length is a parameter only when it changes (96 bits is the usual case, and asking
 * OpenSSL is a parameter lookup): *cur is what the context is set to. */
static int gcm_set_ivlen(EVP_CIPHER_CTX *x, size_t *cur, size_t ivlen, int enc)
{
    if (*cur == ivlen)
        return 1;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
                       OSSL_PARAM_END};
    *cur = 0;
    if (EVP_CipherInit_ex2(x, NULL, NULL, NULL, enc, p) != 1)
        return 0;
    *cur = ivlen;
    return 1;
}

/* A keyed context: only the IV changes per call, and (open) the expected tag. All of it goes in
 * one parameter request, which the provider applies in this order:
 *   - AEAD_TAG (open only): the expected tag, kept for the final;
 *   - AEAD_IVLEN, only when this call's IV length differs from the context's (*cur: read from
 *     the provider when the slot is made, kept after every request that succeeded);
 *   - AEAD_TLS1_IV_FIXED with length -1: the provider's "restore the whole IV" case (the one
 *     OpenSSH uses to load its GCM IVs), which copies IV-length bytes and marks the IV fresh.
 * The IV used is exactly the caller's: the provider applies it at the first update and marks it
 * finished at the final, so a context whose IV was not set again refuses to run. The same
 * parameter also lets the provider count the IV up on request (EVP_CTRL_GCM_IV_GEN); nothing
 * here asks for it, and these contexts never leave this file. Why not EVP_CipherInit_ex2 with an
 * IV: in OpenSSL 3.0 it also asks the provider for the IV length (a parameter lookup of nine
 * names) and takes and drops a reference on the cipher; with the tag requests below this
 * request takes a keyed GCM seal + open of 100 bytes from ~640 to ~460 ns. */
static int gcm_k_iv(EVP_CIPHER_CTX *x, size_t *cur, const uint8_t *iv, size_t ivlen,
                    const uint8_t *tag, size_t taglen)
{
    OSSL_PARAM p[4], *q = p;
    if (tag)
        *q++ = GCM_OCTETS(OSSL_CIPHER_PARAM_AEAD_TAG, tag, taglen);
    if (*cur != ivlen) /* a lookup fewer per name when the length stays (96 bits, as a rule) */
        *q++ = (OSSL_PARAM){OSSL_CIPHER_PARAM_AEAD_IVLEN, OSSL_PARAM_UNSIGNED_INTEGER, &ivlen,
                            sizeof ivlen, OSSL_PARAM_UNMODIFIED};
    *q++ = GCM_OCTETS(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, iv, (size_t)-1);
    *q = (OSSL_PARAM)OSSL_PARAM_END;
    *cur = 0; /* unknown until the provider took it; a failed call drops the slot */
    if (EVP_CIPHER_CTX_set_params(x, p) != 1)
        return 0;
    *cur = ivlen;
    return 1;
}

/* A seal on a keyed provider context (gcm_prov): the IV goes in through the provider's init
 * with no parameters (no lookup), then AAD, plaintext, final, and the tag in one request. */
static aus_err gcmp_seal(const gcm_prov *g, void *pc, const uint8_t *iv, size_t ivlen,
                         const aus_iov *aad, size_t naad, const uint8_t *pt, size_t ptlen,
                         uint8_t *ct, uint8_t *tag, size_t taglen)
{
    size_t l = 0;
    uint8_t fin[16];
    OSSL_PARAM p[2] = {GCM_OCTETS(OSSL_CIPHER_PARAM_AEAD_TAG, tag, taglen), OSSL_PARAM_END};
    if (g->einit(pc, NULL, 0, iv, ivlen, NULL) != 1 || !gcm_aad(pc, g, aad, naad) ||
        (ptlen && (g->update(pc, ct, &l, ptlen, pt, ptlen) != 1 || l != ptlen)) ||
        g->final(pc, fin, &l, sizeof fin) != 1 || g->get(pc, p) != 1 || p[0].return_size != taglen)
        return AUS_E_CRYPTO;
    return AUS_OK;
}

/* An open on a keyed provider context: IV and expected tag in the init (the tag is its one
 * parameter), AAD, ciphertext, final (the provider compares the tag with CRYPTO_memcmp). The
 * plaintext is wiped on every failure, as gcm_open_run does. */
static aus_err gcmp_open(const gcm_prov *g, void *pc, const uint8_t *iv, size_t ivlen,
                         const aus_iov *aad, size_t naad, const uint8_t *ct, size_t ctlen,
                         const uint8_t *tag, size_t taglen, uint8_t *pt)
{
    size_t l = 0;
    uint8_t fin[16];
    aus_err rc = AUS_E_CRYPTO;
    OSSL_PARAM p[2] = {GCM_OCTETS(OSSL_CIPHER_PARAM_AEAD_TAG, tag, taglen), OSSL_PARAM_END};
    if (g->dinit(pc, NULL, 0, iv, ivlen, p) != 1 || !gcm_aad(pc, g, aad, naad) ||
        (ctlen && (g->update(pc, pt, &l, ctlen, ct, ctlen) != 1 || l != ctlen)))
        goto out;
    rc = g->final(pc, fin, &l, sizeof fin) == 1 ? AUS_OK : AUS_E_AUTH;
out:
    if (rc != AUS_OK && ctlen)
        aus_wipe(pt, ctlen);
    return rc;
}

/* Unkeyed AES-GCM on one cipher context per thread, reused: allocating a context and the
 * provider's GCM state per call (and clear-freeing them) cost more than the cryptography for
 * small blocks. The context is bound to a cipher once and re-keyed on every call; when the call
 * ends it is re-keyed with an all-zero key and IV, so no key schedule or GHASH key of a real key
 * stays in memory between calls (the wipe rule), at the cost of one key expansion. */
static _Thread_local EVP_CIPHER_CTX *tl_gcm;
static _Thread_local const EVP_CIPHER *tl_gcm_cipher;
static _Thread_local size_t tl_gcm_ivlen;

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
    if (!gcm_set_ivlen(tl_gcm, &tl_gcm_ivlen, ivlen, enc) ||
        EVP_CipherInit_ex2(tl_gcm, NULL, key, iv, enc, NULL) != 1)
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
    const EVP_CIPHER *c;
    AUS_TRY(gcm_args(alg, keylen, ivlen, ptlen, taglen, &c));
    EVP_CIPHER_CTX *x = gcm_begin(c, key, iv, ivlen, 1);
    aus_err rc = x ? gcm_seal_run(x, aad, naad, pt, ptlen, ct, tag, taglen) : AUS_E_CRYPTO;
    gcm_end(tl_gcm, 1);
    return rc;
}

static aus_err o_aead_open(void *self, aus_aead_alg alg, const uint8_t *key, size_t keylen,
                           const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                           const uint8_t *ct, size_t ctlen, const uint8_t *tag, size_t taglen,
                           uint8_t *pt)
{
    (void)self;
    const EVP_CIPHER *c;
    AUS_TRY(gcm_args(alg, keylen, ivlen, ctlen, taglen, &c));
    EVP_CIPHER_CTX *x = gcm_begin(c, key, iv, ivlen, 0);
    aus_err rc = x ? gcm_open_run(x, aad, naad, ct, ctlen, tag, taglen, pt) : AUS_E_CRYPTO;
    if (!x && ctlen)
        aus_wipe(pt, ctlen);
    gcm_end(tl_gcm, 0);
    return rc;
}

/* ---- HMAC ---- */

/* HMAC (RFC 2104) over the cached digest with one digest context per thread, reused:
 * H((K ^ opad) || H((K ^ ipad) || m)). OpenSSL 3's EVP_MAC path costs ~0.6 us per call in
 * context duplication and teardown; this one reuses a context whose state after the outer
 * final is only the (public) MAC. */
static _Thread_local EVP_MD_CTX *tl_md;

static size_t hmac_block(aus_hash_alg alg)
{
    return alg == AUS_HASH_SHA256                               ? 64
           : (alg == AUS_HASH_SHA384 || alg == AUS_HASH_SHA512) ? 128
                                                                : 0;
}

/* K ^ ipad and K ^ opad (RFC 2104 §2; a key longer than the block is hashed first). */
static int hmac_pads(const EVP_MD *md, size_t bs, const uint8_t *key, size_t keylen, uint8_t *ipad,
                     uint8_t *opad)
{
    uint8_t k[128];
    int ok = 1;
    memset(k, 0, sizeof k);
    if (keylen > bs)
        ok = EVP_DigestInit_ex2(tl_md, md, NULL) == 1 &&
             EVP_DigestUpdate(tl_md, key, keylen) == 1 && EVP_DigestFinal_ex(tl_md, k, NULL) == 1;
    else if (keylen)
        memcpy(k, key, keylen);
    for (size_t i = 0; i < bs; i++) {
        ipad[i] = (uint8_t)(k[i] ^ 0x36);
        opad[i] = (uint8_t)(k[i] ^ 0x5c);
    }
    OPENSSL_cleanse(k, sizeof k); /* a word-wide wipe the compiler cannot drop */
    return ok;
}

/* The MAC from the padded key blocks. The inner pad and the first small pieces of the message
 * go to the digest in one update (each update is a trip through the provider); the stack copy
 * of the pad is wiped. */
static int hmac_run(const EVP_MD *md, size_t bs, size_t hl, const uint8_t *ipad,
                    const uint8_t *opad, const aus_iov *in, size_t nin, uint8_t *out)
{
    uint8_t buf[512], ih[AUS_MAX_HASH_BYTES];
    size_t fill = bs, i = 0;
    memcpy(buf, ipad, bs);
    for (; i < nin && in[i].n <= sizeof buf - fill; i++) {
        if (in[i].n)
            memcpy(buf + fill, in[i].p, in[i].n);
        fill += in[i].n;
    }
    int ok = EVP_DigestInit_ex2(tl_md, md, NULL) == 1 && EVP_DigestUpdate(tl_md, buf, fill) == 1;
    for (; ok && i < nin; i++)
        ok = !in[i].n || EVP_DigestUpdate(tl_md, in[i].p, in[i].n) == 1;
    ok = ok && EVP_DigestFinal_ex(tl_md, ih, NULL) == 1;
    memcpy(buf, opad, bs);
    memcpy(buf + bs, ih, hl);
    ok = ok && EVP_DigestInit_ex2(tl_md, md, NULL) == 1 &&
         EVP_DigestUpdate(tl_md, buf, bs + hl) == 1 && EVP_DigestFinal_ex(tl_md, out, NULL) == 1;
    OPENSSL_cleanse(buf, bs + hl > fill ? bs + hl : fill);
    OPENSSL_cleanse(ih, sizeof ih);
    if (!ok)
        EVP_MD_CTX_reset(tl_md);
    return ok;
}

static aus_err hmac_args(aus_hash_alg alg, const EVP_MD **md, size_t *bs)
{
    *bs = hmac_block(alg);
    if (!*bs)
        return AUS_E_UNSUPPORTED;
    *md = md_for(alg);
    if (!*md || (!tl_md && !(tl_md = EVP_MD_CTX_new())))
        return AUS_E_CRYPTO;
    return AUS_OK;
}

static aus_err o_hmac(void *self, aus_hash_alg alg, const uint8_t *key, size_t keylen,
                      const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen)
{
    (void)self;
    const EVP_MD *md;
    size_t bs;
    AUS_TRY(hmac_args(alg, &md, &bs));
    uint8_t ipad[128], opad[128];
    size_t hl = aus_hash_len(alg);
    int ok = hmac_pads(md, bs, key, keylen, ipad, opad) &&
             hmac_run(md, bs, hl, ipad, opad, in, nin, out);
    OPENSSL_cleanse(ipad, bs);
    OPENSSL_cleanse(opad, bs);
    if (!ok)
        return AUS_E_CRYPTO;
    *outlen = hl;
    return AUS_OK;
}

/* ---- keyed contexts (DESIGN.md §5) ----
 *
 * One slot per (domain, key id, use) in a fixed table: the key bytes it was made from (compared
 * in constant time on every call, so a key replaced under the same id is never used through its
 * old schedule), and
 *   AES-GCM seal / open: the provider's GCM context keyed once (gcm_prov; an EVP cipher
 *   context if the provider's table was not found); a call only sets the IV;
 *   HMAC: the SHA-2 states after the padded key blocks K ^ ipad and K ^ opad (RFC 2104 §4:
 *   the HMAC "key schedule"); a call copies them to the stack, hashes, and wipes the copy.
 * A slot lives until key_retire names its key, another key needs the room (least recently used
 * first), or an OpenSSL call on it fails; it is then wiped and its context freed.
 *
 * Where the secrets live:
 *   - the table (key copies, HMAC pads, bookkeeping) is one mmap'd region, mlock'ed (never
 *     swapped), madvise(MADV_DONTDUMP) (left out of core dumps) and MADV_WIPEONFORK (a forked
 *     child sees an empty table). If it cannot be locked, no slot is ever kept: the keyed
 *     operations then run as the unkeyed ones (per-call schedule, wiped);
 *   - NOT covered: the provider's GCM state (and the EVP_CIPHER_CTX, when used), which hold the AES round keys
 *     and the GHASH key H. OpenSSL 3.0 allocates them with OPENSSL_zalloc on its ordinary heap
 *     (aes_gcm_newctx) and gives no way to place them; CRYPTO_secure_malloc_init does not help,
 *     because the secure heap is used only where OpenSSL calls OPENSSL_secure_malloc (bignums,
 *     some private keys), never for cipher contexts. OpenSSL clears them on free
 *     (OPENSSL_clear_free in the provider's freectx), which retire and eviction call. A process
 *     that must keep them out of swap and core files locks all its memory (mlockall) and
 *     disables dumps (RLIMIT_CORE 0 / PR_SET_DUMPABLE 0); that is the daemon's decision;
 *   - HMAC keeps nothing keyed on OpenSSL's heap: its inner and outer states live in the slot
 *     (locked); a call works on a stack copy that it wipes before returning.
 * One mutex serialises the keyed operations (an EVP context is not safe for concurrent use);
 * the unkeyed operations stay per thread. */

#define KC_SLOTS 32

typedef union kc_mid {
    SHA256_CTX s256;
    SHA512_CTX s512; /* SHA-384 too (same state, other IV and length) */
} kc_mid;
#define KC_KEY_MAX 128 /* longest key kept (HMAC block size); longer keys run unkeyed */

enum { KC_FREE = 0, KC_SEAL = 1, KC_OPEN = 2, KC_HMAC = 3 };

typedef struct kc_slot {
    uint32_t domain, id;
    uint8_t use;
    int alg;
    size_t len, ivlen; /* ivlen: the IV length the GCM context is set to */
    uint64_t last;
    EVP_CIPHER_CTX *gcm; /* AES-GCM through EVP, when the provider's table was not found */
    void *pc;            /* AES-GCM: the provider's own context (gp's functions) */
    const gcm_prov *gp;
    uint8_t key[KC_KEY_MAX];
    kc_mid in, out; /* HMAC: states after K ^ ipad and K ^ opad */
} kc_slot;

static kc_slot *kc_tab; /* NULL: keyed contexts unavailable (see above) */
static uint64_t kc_tick;
static size_t kc_hint[4]; /* per use: index of the slot last used (a hint, checked) */
static pthread_mutex_t kc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t kc_once = PTHREAD_ONCE_INIT;

static void kc_drop(kc_slot *s);

/* Constant-time equality of two key copies, a word at a time: CRYPTO_memcmp goes byte by byte
 * (~230 instructions for a 32-byte key, on every keyed call). Time depends only on n. */
static int kc_key_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t d = 0, x, y;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        d |= x ^ y;
    }
    for (; i < n; i++)
        d |= (uint64_t)(a[i] ^ b[i]);
    /* d == 0 -> 1, else 0, without a branch on the key bytes */
    return (int)(1 & ((((d | (0 - d)) >> 63) ^ 1)));
}

/* The inner and outer states: SHA-2 after absorbing K ^ ipad, and after K ^ opad. */
static int hmac_mid_init(const EVP_MD *md, size_t bs, aus_hash_alg alg, const uint8_t *key,
                         size_t keylen, kc_mid *in, kc_mid *out)
{
    uint8_t ipad[128], opad[128];
    int ok = hmac_pads(md, bs, key, keylen, ipad, opad);
    if (ok && alg == AUS_HASH_SHA256)
        ok = SHA256_Init(&in->s256) && SHA256_Update(&in->s256, ipad, bs) &&
             SHA256_Init(&out->s256) && SHA256_Update(&out->s256, opad, bs);
    else if (ok && alg == AUS_HASH_SHA384)
        ok = SHA384_Init(&in->s512) && SHA384_Update(&in->s512, ipad, bs) &&
             SHA384_Init(&out->s512) && SHA384_Update(&out->s512, opad, bs);
    else if (ok)
        ok = SHA512_Init(&in->s512) && SHA512_Update(&in->s512, ipad, bs) &&
             SHA512_Init(&out->s512) && SHA512_Update(&out->s512, opad, bs);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    return ok;
}

/* HMAC-SHA-256 from the stored states for a short message (the BIB's IPPT: tens of bytes),
 * straight on the compression function (SHA256_Transform: the same SHA-NI / AVX block code
 * SHA256_Update runs): the message and its padding (FIPS 180-4 §5.1.1: 0x80, zeros, the bit
 * length of ipad block + message) are gathered into whole blocks on the stack, and the outer
 * hash is the one block opad state + inner hash + padding. SHA256_Update / SHA256_Final did the
 * same with a buffer copy per piece and per call. 0: the message is too long for this path. */
#define HMAC_SHORT_MAX (4 * 64 - 9) /* longest message whose padded form fits in 4 blocks */

static void be32_out(uint8_t *out, const unsigned int *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v = h[i];
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap32(v); /* one instruction; the byte stores below otherwise */
        memcpy(out + 4 * i, &v, 4);
#else
        out[4 * i] = (uint8_t)(v >> 24);
        out[4 * i + 1] = (uint8_t)(v >> 16);
        out[4 * i + 2] = (uint8_t)(v >> 8);
        out[4 * i + 3] = (uint8_t)v;
#endif
    }
}

static int hmac256_short(const kc_slot *s, const aus_iov *in, size_t nin, size_t mlen, uint8_t *out)
{
    uint8_t blk[4 * 64];
    SHA256_CTX x;
    size_t fill = 0;
    if (mlen > HMAC_SHORT_MAX || s->in.s256.num != 0 || s->out.s256.num != 0)
        return 0;
    for (size_t i = 0; i < nin; i++)
        if (in[i].n) {
            memcpy(blk + fill, in[i].p, in[i].n);
            fill += in[i].n;
        }
    size_t nb = (mlen + 9 + 63) / 64, end = nb * 64;
    uint64_t bits = ((uint64_t)s->in.s256.Nh << 32 | s->in.s256.Nl) + (uint64_t)mlen * 8;
    blk[fill] = 0x80;
    memset(blk + fill + 1, 0, end - 8 - fill - 1);
    for (size_t i = 0; i < 8; i++)
        blk[end - 1 - i] = (uint8_t)(bits >> (8 * i));
    x = s->in.s256;
    for (size_t b = 0; b < nb; b++)
        SHA256_Transform(&x, blk + 64 * b);
    /* outer: opad state, then one block: the inner hash, 0x80, zeros, (64 + 32) * 8 bits */
    be32_out(blk, x.h, 8);
    blk[32] = 0x80;
    memset(blk + 33, 0, 64 - 8 - 33);
    bits = ((uint64_t)s->out.s256.Nh << 32 | s->out.s256.Nl) + 32 * 8;
    for (size_t i = 0; i < 8; i++)
        blk[63 - i] = (uint8_t)(bits >> (8 * i));
    x = s->out.s256;
    SHA256_Transform(&x, blk);
    be32_out(out, x.h, 8);
    aus_wipe(&x, sizeof x);
    aus_wipe(blk, end);
    return 1;
}

/* H((K ^ opad) || H((K ^ ipad) || m)) from the stored states: two state copies on the stack
 * (wiped) and no trip through the provider. */
static int hmac_mid_run(aus_hash_alg alg, const kc_slot *s, const aus_iov *in, size_t nin,
                        uint8_t *out)
{
    kc_mid x;
    uint8_t ih[AUS_MAX_HASH_BYTES];
    int ok = 1;
    size_t used = sizeof x.s512, hl = alg == AUS_HASH_SHA384 ? 48 : 64;
    if (alg == AUS_HASH_SHA256) {
        size_t mlen = 0; /* summed without wrapping: a piece longer than what is left ends it */
        for (size_t i = 0; i < nin && mlen <= HMAC_SHORT_MAX; i++)
            mlen = in[i].n > HMAC_SHORT_MAX - mlen ? HMAC_SHORT_MAX + 1 : mlen + in[i].n;
        if (hmac256_short(s, in, nin, mlen, out))
            return 1;
        used = sizeof x.s256;
        hl = 32;
        x.s256 = s->in.s256;
        for (size_t i = 0; ok && i < nin; i++)
            ok = !in[i].n || SHA256_Update(&x.s256, in[i].p, in[i].n);
        ok = ok && SHA256_Final(ih, &x.s256);
        x.s256 = s->out.s256;
        ok = ok && SHA256_Update(&x.s256, ih, 32) && SHA256_Final(out, &x.s256);
    } else {
        x.s512 = s->in.s512;
        for (size_t i = 0; ok && i < nin; i++)
            ok = !in[i].n || SHA512_Update(&x.s512, in[i].p, in[i].n);
        ok = ok && SHA512_Final(ih, &x.s512); /* md_len from the state: 48 for SHA-384 */
        x.s512 = s->out.s512;
        ok = ok && SHA512_Update(&x.s512, ih, hl) && SHA512_Final(out, &x.s512);
    }
    /* what the call used, no more: for SHA-256 the state is half the union, the inner hash 32
     * bytes (aus_wipe: memset plus a barrier the compiler cannot drop, as OPENSSL_cleanse) */
    aus_wipe(&x, used);
    aus_wipe(ih, hl);
    return ok;
}

/* At exit every cached schedule is freed and every key copy wiped: a key outlives neither its
 * retirement nor the process (and leak checkers, which cannot see into the locked mapping, find
 * nothing left behind). */
static void kc_exit(void)
{
    pthread_mutex_lock(&kc_lock);
    for (size_t i = 0; kc_tab && i < KC_SLOTS; i++)
        kc_drop(&kc_tab[i]);
    pthread_mutex_unlock(&kc_lock);
}

static void kc_map(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t ps = pg > 0 ? (size_t)pg : 4096u;
    size_t sz = (KC_SLOTS * sizeof(kc_slot) + ps - 1) / ps * ps;
    void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    if (mlock(p, sz) != 0 || madvise(p, sz, MADV_DONTDUMP) != 0) {
        (void)munmap(p, sz);
        return;
    }
#ifdef MADV_WIPEONFORK
    (void)madvise(p, sz,
                  MADV_WIPEONFORK); /* Linux >= 4.14; older kernels: the child keeps a copy */
#endif
    memset(p, 0, sz);
    kc_tab = p;
    (void)atexit(kc_exit);
}

static void kc_drop(kc_slot *s)
{
    if (s->gcm)
        EVP_CIPHER_CTX_free(s->gcm); /* the provider clear-frees the key schedule and H */
    if (s->pc)
        s->gp->freectx(s->pc);     /* the same provider free: OPENSSL_clear_free */
    OPENSSL_cleanse(s, sizeof *s); /* use = KC_FREE */
}

/* The slot of (k, use, alg) holding k's bytes, made when absent or stale; NULL when the table
 * is unavailable or OpenSSL fails (the caller then runs unkeyed). Called under kc_lock. */
static kc_slot *kc_get(const aus_crypto_key *k, uint8_t use, int alg, const EVP_CIPHER *c,
                       const EVP_MD *md, size_t bs)
{
    kc_slot *s = NULL, *victim = NULL;
    const gcm_prov *g;
    if (!kc_tab || k->len == 0 || k->len > KC_KEY_MAX)
        return NULL;
    /* the slot this use found last time first: a node sends and receives under one pair */
    kc_slot *h = &kc_tab[kc_hint[use]];
    if (h->use == use && h->domain == k->domain && h->id == k->id)
        s = h;
    for (size_t i = 0; i < KC_SLOTS && !s; i++) {
        kc_slot *t = &kc_tab[i];
        if (t->use == use && t->domain == k->domain && t->id == k->id)
            s = t;
        else if (!victim || t->use == KC_FREE || (victim->use != KC_FREE && t->last < victim->last))
            victim = t;
    }
    if (s && s->alg == alg && s->len == k->len && kc_key_eq(s->key, k->key, k->len)) {
        s->last = ++kc_tick;
        kc_hint[use] = (size_t)(s - kc_tab);
        return s;
    }
    if (s) /* another key under this id (replaced without a retire) or another algorithm */
        victim = s;
    kc_drop(victim);
    s = victim;
    s->domain = k->domain;
    s->id = k->id;
    s->alg = alg;
    s->len = k->len;
    memcpy(s->key, k->key, k->len);
    int ok;
    if (use == KC_HMAC) {
        ok = hmac_mid_init(md, bs, (aus_hash_alg)alg, k->key, k->len, &s->in, &s->out);
    } else if ((g = c == cache.gcm128 ? &cache.gcm128_p : &cache.gcm256_p)->newctx) {
        /* keyed once through the provider's init (no IV yet: each call brings its own) */
        s->gp = g;
        ok = (s->pc = g->newctx(g->provctx)) != NULL &&
             (use == KC_SEAL ? g->einit(s->pc, k->key, k->len, NULL, 0, NULL)
                             : g->dinit(s->pc, k->key, k->len, NULL, 0, NULL)) == 1;
    } else {
        int il = 0;
        ok = (s->gcm = EVP_CIPHER_CTX_new()) != NULL &&
             EVP_CipherInit_ex2(s->gcm, c, k->key, NULL, use == KC_SEAL, NULL) == 1 &&
             (il = EVP_CIPHER_CTX_get_iv_length(s->gcm)) > 0; /* asked once, never assumed */
        s->ivlen = (size_t)(il > 0 ? il : 0);
    }
    if (!ok) {
        kc_drop(s);
        return NULL;
    }
    s->use = use;
    s->last = ++kc_tick;
    kc_hint[use] = (size_t)(s - kc_tab);
    return s;
}

static aus_err o_aead_seal_k(void *self, aus_aead_alg alg, const aus_crypto_key *k,
                             const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                             const uint8_t *pt, size_t ptlen, uint8_t *ct, uint8_t *tag,
                             size_t taglen)
{
    const EVP_CIPHER *c;
    AUS_TRY(gcm_args(alg, k->len, ivlen, ptlen, taglen, &c));
    (void)pthread_once(&kc_once, kc_map);
    (void)pthread_mutex_lock(&kc_lock);
    kc_slot *s = kc_get(k, KC_SEAL, (int)alg, c, NULL, 0);
    aus_err rc = AUS_E_CRYPTO;
    if (s && s->pc)
        rc = gcmp_seal(s->gp, s->pc, iv, ivlen, aad, naad, pt, ptlen, ct, tag, taglen);
    else if (s && gcm_k_iv(s->gcm, &s->ivlen, iv, ivlen, NULL, 0))
        rc = gcm_seal_run(s->gcm, aad, naad, pt, ptlen, ct, tag, taglen);
    if (s && rc != AUS_OK)
        kc_drop(s); /* on any doubt, drop it */
    (void)pthread_mutex_unlock(&kc_lock);
    if (!s)
        return o_aead_seal(self, alg, k->key, k->len, iv, ivlen, aad, naad, pt, ptlen, ct, tag,
                           taglen);
    return rc;
}

static aus_err o_aead_open_k(void *self, aus_aead_alg alg, const aus_crypto_key *k,
                             const uint8_t *iv, size_t ivlen, const aus_iov *aad, size_t naad,
                             const uint8_t *ct, size_t ctlen, const uint8_t *tag, size_t taglen,
                             uint8_t *pt)
{
    const EVP_CIPHER *c;
    AUS_TRY(gcm_args(alg, k->len, ivlen, ctlen, taglen, &c));
    (void)pthread_once(&kc_once, kc_map);
    (void)pthread_mutex_lock(&kc_lock);
    kc_slot *s = kc_get(k, KC_OPEN, (int)alg, c, NULL, 0);
    aus_err rc = AUS_E_CRYPTO;
    if (s && s->pc)
        rc = gcmp_open(s->gp, s->pc, iv, ivlen, aad, naad, ct, ctlen, tag, taglen, pt);
    else if (s && gcm_k_iv(s->gcm, &s->ivlen, iv, ivlen, tag, taglen))
        rc = gcm_open_run(s->gcm, aad, naad, ct, ctlen, NULL, taglen, pt);
    else if (s && ctlen)
        aus_wipe(pt, ctlen);
    /* a failed tag check leaves the context sound (the next call sets a new IV); any other
     * failure drops it */
    if (s && rc != AUS_OK && rc != AUS_E_AUTH)
        kc_drop(s);
    (void)pthread_mutex_unlock(&kc_lock);
    if (!s)
        return o_aead_open(self, alg, k->key, k->len, iv, ivlen, aad, naad, ct, ctlen, tag, taglen,
                           pt);
    return rc;
}

static aus_err o_hmac_k(void *self, aus_hash_alg alg, const aus_crypto_key *k, const aus_iov *in,
                        size_t nin, uint8_t *out, size_t *outlen)
{
    const EVP_MD *md;
    size_t bs;
    AUS_TRY(hmac_args(alg, &md, &bs));
    (void)pthread_once(&kc_once, kc_map);
    (void)pthread_mutex_lock(&kc_lock);
    kc_slot *s = kc_get(k, KC_HMAC, (int)alg, NULL, md, bs);
    size_t hl = aus_hash_len(alg);
    int ok = s && hmac_mid_run((aus_hash_alg)alg, s, in, nin, out);
    if (s && !ok)
        kc_drop(s);
    (void)pthread_mutex_unlock(&kc_lock);
    if (!s)
        return o_hmac(self, alg, k->key, k->len, in, nin, out, outlen);
    if (!ok)
        return AUS_E_CRYPTO;
    *outlen = hl;
    return AUS_OK;
}

static void o_key_retire(void *self, uint32_t domain, uint32_t id)
{
    (void)self;
    (void)pthread_mutex_lock(&kc_lock);
    for (size_t i = 0; kc_tab && i < KC_SLOTS; i++) {
        kc_slot *s = &kc_tab[i];
        if (s->use != KC_FREE && s->id == id &&
            (domain == AUS_CRYPTO_DOMAIN_ANY || s->domain == domain))
            kc_drop(s);
    }
    (void)pthread_mutex_unlock(&kc_lock);
}

static size_t o_key_count(void *self)
{
    (void)self;
    size_t n = 0;
    (void)pthread_mutex_lock(&kc_lock);
    for (size_t i = 0; kc_tab && i < KC_SLOTS; i++)
        n += kc_tab[i].use != KC_FREE;
    (void)pthread_mutex_unlock(&kc_lock);
    return n;
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
    o_aead_seal, o_aead_open,   o_hmac,        o_hash,   o_key_wrap,   o_key_unwrap, o_hkdf,
    o_random,    o_aead_seal_k, o_aead_open_k, o_hmac_k, o_key_retire, o_key_count,
};

static const aus_crypto ossl = {&ossl_ops, NULL};

const aus_crypto *aus_crypto_openssl(void) { return &ossl; }

const aus_crypto *aus_crypto_platform(void) { return &ossl; }
