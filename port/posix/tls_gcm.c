/* SPDX-License-Identifier: Apache-2.0 */
/* AES-GCM for TCPCL's TLS records from Intel's ipsec-mb library (Debian: libipsec-mb1), offered
 * to OpenSSL as a provider in a library context of its own (docs/tcpcl.md, "TLS").
 *
 * Why: OpenSSL 3.0 (Debian 12) has no VAES/AVX-512 path for AES-GCM; on this CPU it seals about
 * 4.5 GB/s, ipsec-mb about 20 GB/s (the same AES-NI + PCLMULQDQ algorithm, 4 blocks per
 * instruction). At 1 MB bundles the cipher was most of what TLS added to plain TCPCL. OpenSSL
 * stays the TLS implementation (handshake, key schedule, record layer, certificates): this file
 * only supplies the AEAD primitive through OpenSSL's provider interface (provider-base(7),
 * provider-cipher(7)), the way a hardware engine would. Nothing here is cryptography of our
 * own: ipsec-mb computes the AES-GCM, and the tag is compared with CRYPTO_memcmp.
 *
 * The provider answers the calls TLS 1.3's record layer makes (RFC 8446 §5.2): a 12-byte nonce
 * per record through the init, the record header as AAD (one update with no output), the
 * record, final, and the tag as a context parameter. Other uses are refused rather than guessed:
 * IV lengths other than 12, AAD after data, a tag length other than 16 on open. The library
 * context prefers this provider's AES-128-GCM / AES-256-GCM ("?provider=aus-ipsecmb") and takes
 * everything else from OpenSSL's default provider. AUS_TLS_GCM=openssl in the environment, or a
 * CPU without AVX2, leaves TLS on OpenSSL's own GCM. */
#include "tls_gcm.h"

#include <stddef.h>

#ifdef AUS_HAVE_IPSECMB
#include <intel-ipsec-mb.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define GCM_IV 12u
#define GCM_TAG 16u
#define AAD_MAX 64u /* TLS 1.3's AAD is the 5-byte record header */

static IMB_MGR *mgr;

typedef struct gctx {
    struct gcm_key_data kd; /* first: the library wants it 64-byte aligned */
    struct gcm_context_data cd;
    size_t keylen; /* 16 or 32 */
    int enc, keyed, have_iv, started, tag_set, tag_ready;
    uint8_t iv[GCM_IV], aad[AAD_MAX], tag[GCM_TAG];
    size_t aadlen;
} gctx;

static void *g_new(void *provctx, size_t keylen)
{
    (void)provctx;
    gctx *g = aligned_alloc(64, (sizeof(gctx) + 63) / 64 * 64);
    if (g) {
        memset(g, 0, sizeof *g);
        g->keylen = keylen;
    }
    return g;
}
static void *g_new128(void *provctx) { return g_new(provctx, 16); }
static void *g_new256(void *provctx) { return g_new(provctx, 32); }

static void g_free(void *vctx)
{
    if (vctx) {
        OPENSSL_cleanse(vctx, sizeof(gctx)); /* the round keys and the hash key powers */
        free(vctx);
    }
}

static void *g_dup(void *vctx)
{
    gctx *s = vctx, *d = g_new(NULL, s->keylen);
    if (d)
        memcpy(d, s, sizeof *d);
    return d;
}

/* The GCM state starts once the AAD is known: at the first data update, or at final. */
static void g_start(gctx *g)
{
    if (g->started)
        return;
    if (g->keylen == 16)
        IMB_AES128_GCM_INIT(mgr, &g->kd, &g->cd, g->iv, g->aad, g->aadlen);
    else
        IMB_AES256_GCM_INIT(mgr, &g->kd, &g->cd, g->iv, g->aad, g->aadlen);
    g->started = 1;
}

static int g_set_params(void *vctx, const OSSL_PARAM params[]);

static int g_init(gctx *g, int enc, const unsigned char *key, size_t keylen,
                  const unsigned char *iv, size_t ivlen, const OSSL_PARAM params[])
{
    g->enc = enc;
    if (key) {
        if (keylen != g->keylen)
            return 0;
        if (g->keylen == 16)
            IMB_AES128_GCM_PRE(mgr, key, &g->kd);
        else
            IMB_AES256_GCM_PRE(mgr, key, &g->kd);
        g->keyed = 1;
    }
    if (iv) {
        if (ivlen != GCM_IV)
            return 0;
        memcpy(g->iv, iv, GCM_IV);
        g->have_iv = 1;
    }
    /* a new message: nothing of the last one carries over */
    g->started = g->tag_set = g->tag_ready = 0;
    g->aadlen = 0;
    return g_set_params(g, params);
}

static int g_einit(void *vctx, const unsigned char *key, size_t keylen, const unsigned char *iv,
                   size_t ivlen, const OSSL_PARAM params[])
{
    return g_init(vctx, 1, key, keylen, iv, ivlen, params);
}

static int g_dinit(void *vctx, const unsigned char *key, size_t keylen, const unsigned char *iv,
                   size_t ivlen, const OSSL_PARAM params[])
{
    return g_init(vctx, 0, key, keylen, iv, ivlen, params);
}

static int g_update(void *vctx, unsigned char *out, size_t *outl, size_t outsize,
                    const unsigned char *in, size_t inl)
{
    gctx *g = vctx;
    *outl = 0;
    if (!g->keyed || !g->have_iv || g->tag_ready)
        return 0;
    if (!out) { /* AAD: only before any data (the library takes it at the start) */
        if (g->started || inl > AAD_MAX - g->aadlen)
            return 0;
        if (inl)
            memcpy(g->aad + g->aadlen, in, inl);
        g->aadlen += inl;
        return 1;
    }
    if (outsize < inl)
        return 0;
    g_start(g);
    if (inl) {
        if (g->enc && g->keylen == 16)
            IMB_AES128_GCM_ENC_UPDATE(mgr, &g->kd, &g->cd, out, in, inl);
        else if (g->enc)
            IMB_AES256_GCM_ENC_UPDATE(mgr, &g->kd, &g->cd, out, in, inl);
        else if (g->keylen == 16)
            IMB_AES128_GCM_DEC_UPDATE(mgr, &g->kd, &g->cd, out, in, inl);
        else
            IMB_AES256_GCM_DEC_UPDATE(mgr, &g->kd, &g->cd, out, in, inl);
    }
    *outl = inl;
    return 1;
}

static int g_final(void *vctx, unsigned char *out, size_t *outl, size_t outsize)
{
    gctx *g = vctx;
    uint8_t t[GCM_TAG];
    (void)out;
    (void)outsize;
    *outl = 0;
    if (!g->keyed || !g->have_iv || g->tag_ready || (!g->enc && !g->tag_set))
        return 0;
    g_start(g);
    if (g->enc && g->keylen == 16)
        IMB_AES128_GCM_ENC_FINALIZE(mgr, &g->kd, &g->cd, t, GCM_TAG);
    else if (g->enc)
        IMB_AES256_GCM_ENC_FINALIZE(mgr, &g->kd, &g->cd, t, GCM_TAG);
    else if (g->keylen == 16)
        IMB_AES128_GCM_DEC_FINALIZE(mgr, &g->kd, &g->cd, t, GCM_TAG);
    else
        IMB_AES256_GCM_DEC_FINALIZE(mgr, &g->kd, &g->cd, t, GCM_TAG);
    g->tag_ready = 1;
    g->have_iv = 0; /* a nonce is used once: the next message brings its own (RFC 8446 §5.3) */
    int ok = 1;
    if (g->enc)
        memcpy(g->tag, t, GCM_TAG);
    else
        ok = CRYPTO_memcmp(t, g->tag, GCM_TAG) == 0; /* constant time */
    OPENSSL_cleanse(t, sizeof t);
    OPENSSL_cleanse(&g->cd, sizeof g->cd);
    return ok;
}

/* Answer one asked-for parameter: 1 when it is not asked for or was set. */
static int put_size(OSSL_PARAM params[], const char *name, size_t v)
{
    OSSL_PARAM *p = OSSL_PARAM_locate(params, name);
    return !p || OSSL_PARAM_set_size_t(p, v);
}

static int put_int(OSSL_PARAM params[], const char *name, int v)
{
    OSSL_PARAM *p = OSSL_PARAM_locate(params, name);
    return !p || OSSL_PARAM_set_int(p, v);
}

static int g_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    gctx *g = vctx;
    OSSL_PARAM *p;
    if (!put_size(params, OSSL_CIPHER_PARAM_KEYLEN, g->keylen) ||
        !put_size(params, OSSL_CIPHER_PARAM_IVLEN, GCM_IV) ||
        !put_size(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN, GCM_TAG))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG))) {
        /* the tag of the message just sealed, whole (TLS 1.3 sends all 16 bytes) */
        if (!g->enc || !g->tag_ready || p->data_type != OSSL_PARAM_OCTET_STRING ||
            p->data_size != GCM_TAG)
            return 0;
        memcpy(p->data, g->tag, GCM_TAG);
        p->return_size = GCM_TAG;
    }
    return 1;
}

static int g_set_params(void *vctx, const OSSL_PARAM params[])
{
    gctx *g = vctx;
    const OSSL_PARAM *p;
    size_t n;
    if (!params)
        return 1;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_IVLEN)) &&
        (!OSSL_PARAM_get_size_t(p, &n) || n != GCM_IV))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG))) {
        /* the expected tag of a message to open; a length alone (sealing) is 16 or refused */
        if (p->data_type != OSSL_PARAM_OCTET_STRING || p->data_size != GCM_TAG)
            return 0;
        if (p->data) {
            if (g->enc)
                return 0;
            memcpy(g->tag, p->data, GCM_TAG);
            g->tag_set = 1;
        }
    }
    return 1;
}

static const OSSL_PARAM *g_gettable_ctx(void *cctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TAGLEN, NULL),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
        OSSL_PARAM_END,
    };
    (void)cctx;
    (void)provctx;
    return t;
}

static const OSSL_PARAM *g_settable_ctx(void *cctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, NULL),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
        OSSL_PARAM_END,
    };
    (void)cctx;
    (void)provctx;
    return t;
}

/* The algorithm's constants, as OpenSSL's own GCM reports them (EVP caches them at fetch). */
static int g_get_params(OSSL_PARAM params[], size_t keylen)
{
    OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_MODE);
    return (!p || OSSL_PARAM_set_uint(p, EVP_CIPH_GCM_MODE)) &&
           put_size(params, OSSL_CIPHER_PARAM_KEYLEN, keylen) &&
           put_size(params, OSSL_CIPHER_PARAM_IVLEN, GCM_IV) &&
           put_size(params, OSSL_CIPHER_PARAM_BLOCK_SIZE, 1) &&
           put_int(params, OSSL_CIPHER_PARAM_AEAD, 1) &&
           put_int(params, OSSL_CIPHER_PARAM_CUSTOM_IV, 1) &&
           put_int(params, OSSL_CIPHER_PARAM_CTS, 0) &&
           put_int(params, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, 0) &&
           put_int(params, OSSL_CIPHER_PARAM_HAS_RAND_KEY, 0);
}
static int g_get_params128(OSSL_PARAM params[]) { return g_get_params(params, 16); }
static int g_get_params256(OSSL_PARAM params[]) { return g_get_params(params, 32); }

static const OSSL_PARAM *g_gettable(void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, NULL),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, NULL),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, NULL),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, NULL),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, NULL),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, NULL),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, NULL),
        OSSL_PARAM_END,
    };
    (void)provctx;
    return t;
}

#define GCM_DISPATCH(bits)                                                                         \
    static const OSSL_DISPATCH gcm##bits[] = {                                                     \
        {OSSL_FUNC_CIPHER_NEWCTX, (void (*)(void))g_new##bits},                                    \
        {OSSL_FUNC_CIPHER_FREECTX, (void (*)(void))g_free},                                        \
        {OSSL_FUNC_CIPHER_DUPCTX, (void (*)(void))g_dup},                                          \
        {OSSL_FUNC_CIPHER_ENCRYPT_INIT, (void (*)(void))g_einit},                                  \
        {OSSL_FUNC_CIPHER_DECRYPT_INIT, (void (*)(void))g_dinit},                                  \
        {OSSL_FUNC_CIPHER_UPDATE, (void (*)(void))g_update},                                       \
        {OSSL_FUNC_CIPHER_FINAL, (void (*)(void))g_final},                                         \
        {OSSL_FUNC_CIPHER_GET_PARAMS, (void (*)(void))g_get_params##bits},                         \
        {OSSL_FUNC_CIPHER_GETTABLE_PARAMS, (void (*)(void))g_gettable},                            \
        {OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (void (*)(void))g_get_ctx_params},                       \
        {OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (void (*)(void))g_set_params},                           \
        {OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))g_gettable_ctx},                    \
        {OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))g_settable_ctx},                    \
        {0, NULL},                                                                                 \
    }
GCM_DISPATCH(128);
GCM_DISPATCH(256);

static const OSSL_ALGORITHM ciphers[] = {
    {"AES-128-GCM:id-aes128-GCM:2.16.840.1.101.3.4.1.6", "provider=" AUS_TLS_GCM_PROVIDER, gcm128,
     "AES-128-GCM on Intel ipsec-mb"},
    {"AES-256-GCM:id-aes256-GCM:2.16.840.1.101.3.4.1.46", "provider=" AUS_TLS_GCM_PROVIDER, gcm256,
     "AES-256-GCM on Intel ipsec-mb"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *p_query(void *provctx, int op, int *no_store)
{
    (void)provctx;
    *no_store = 0;
    return op == OSSL_OP_CIPHER ? ciphers : NULL;
}

static void p_teardown(void *provctx) { (void)provctx; }

static const OSSL_DISPATCH prov_fns[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))p_query},
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))p_teardown},
    {0, NULL},
};

static int p_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                  const OSSL_DISPATCH **out, void **provctx)
{
    (void)handle;
    (void)in;
    *out = prov_fns;
    *provctx = &mgr; /* any non-NULL value: the provider keeps no state of its own */
    return 1;
}

static OSSL_LIB_CTX *libctx;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void setup(void)
{
    const char *env = getenv("AUS_TLS_GCM");
    if (env && !strcmp(env, "openssl"))
        return;
    IMB_ARCH arch = IMB_ARCH_NONE;
    IMB_MGR *m = alloc_mb_mgr(0);
    if (!m)
        return;
    init_mb_mgr_auto(m, &arch);
    if (arch != IMB_ARCH_AVX2 && arch != IMB_ARCH_AVX512) { /* SSE paths: no faster than OpenSSL */
        free_mb_mgr(m);
        return;
    }
    mgr = m;
    OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
    if (lc && OSSL_PROVIDER_add_builtin(lc, AUS_TLS_GCM_PROVIDER, p_init) == 1 &&
        OSSL_PROVIDER_load(lc, "default") && OSSL_PROVIDER_load(lc, AUS_TLS_GCM_PROVIDER)) {
        libctx = lc; /* lives as long as the process (the TLS contexts refer to it) */
        return;
    }
    OSSL_LIB_CTX_free(lc);
    free_mb_mgr(m);
    mgr = NULL;
}

OSSL_LIB_CTX *aus_tls_gcm_libctx(void)
{
    (void)pthread_once(&once, setup);
    return libctx;
}

#else /* no ipsec-mb: TLS uses OpenSSL's own AES-GCM */

OSSL_LIB_CTX *aus_tls_gcm_libctx(void) { return NULL; }

#endif

const char *aus_tls_gcm_propq(void) { return aus_tls_gcm_libctx() ? AUS_TLS_GCM_PROPQ : NULL; }

const char *aus_tls_gcm_name(void)
{
    return aus_tls_gcm_libctx() ? "Intel ipsec-mb (provider " AUS_TLS_GCM_PROVIDER ")"
                                : "OpenSSL's own";
}
