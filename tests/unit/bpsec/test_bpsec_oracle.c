/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-check against an independent implementation (@noble/ciphers + @noble/hashes through
 * ../shared/tools/xcheck): for a sample of bundles produced by aus_bpsec_protect (wrapped
 * session keys, every SHA / AES variant, full and partial scopes), the oracle unwraps the
 * session keys, decrypts every BCB target with the AAD rebuilt here by hand from RFC 9173
 * §4.7.1, and recomputes every BIB HMAC over the IPPT of RFC 9173 §3.7. Labelled `oracle`;
 * skipped with a message when node or the xcheck node_modules are missing. */
#include "bpsec_test_util.h"

#include <sys/stat.h>

#include "australis/bpv7.h"
#include "australis/cbor.h"

static const aus_crypto *C;
static tkeys K;
static int have_node;

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    tkeys_add(&K, "ipn:2.1", 1, "000102030405060708090a0b0c0d0e0f");
    tkeys_add(&K, "ipn:2.1", 2, "101112131415161718191a1b1c1d1e1f");
    struct stat sb;
    have_node = stat(AUS_XCHECK_DIR "/node_modules", &sb) == 0 &&
                system("node --version >/dev/null 2>&1") == 0;
    return 0;
}

/* Run the oracle; returns the parsed JSON (NULL when it exits non-zero). */
static cJSON *xcheck(const char *args)
{
    static char cmd[16384];
    snprintf(cmd, sizeof cmd, "node %s/xcheck.mjs %s 2>/dev/null", AUS_XCHECK_DIR, args);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    static char out[16384];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    int rc = pclose(f);
    return rc == 0 ? cJSON_Parse(out) : NULL;
}

static char *hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", p[i]);
    if (n == 0)
        strcpy(s, "");
    return s;
}

/* Hand-written CBOR unsigned integer head (test-side, independent of src/cbor). */
static size_t cb_uint(uint8_t *o, uint64_t v, uint8_t major)
{
    major = (uint8_t)(major << 5);
    if (v < 24) {
        o[0] = (uint8_t)(major | v);
        return 1;
    }
    if (v < 256) {
        o[0] = major | 24;
        o[1] = (uint8_t)v;
        return 2;
    }
    o[0] = major | 25;
    o[1] = (uint8_t)(v >> 8);
    o[2] = (uint8_t)v;
    return 3;
}

static size_t hdr(uint8_t *o, const aus_bpv7_block *k)
{
    size_t n = cb_uint(o, k->type, 0);
    n += cb_uint(o + n, k->number, 0);
    return n + cb_uint(o + n, k->flags, 0);
}

static uint64_t param_uint(const aus_bpsec_asb *a, uint64_t id, uint64_t dflt)
{
    for (size_t i = 0; i < a->nparams; i++)
        if (a->params[i].id == id) {
            aus_rd r;
            uint64_t v;
            aus_rd_init(&r, a->params[i].val, a->params[i].val_len);
            assert_int_equal(aus_cbor_rd_uint(&r, 0, &v), AUS_OK);
            return v;
        }
    return dflt;
}

static const uint8_t *param_bstr(const aus_bpsec_asb *a, uint64_t id, size_t *n)
{
    for (size_t i = 0; i < a->nparams; i++)
        if (a->params[i].id == id) {
            aus_rd r;
            const uint8_t *p;
            aus_rd_init(&r, a->params[i].val, a->params[i].val_len);
            assert_int_equal(aus_cbor_rd_bstr(&r, 0, &p, n), AUS_OK);
            return p;
        }
    return NULL;
}

static const uint8_t *result(const aus_bpsec_asb *a, size_t i, size_t *n)
{
    aus_rd r;
    const uint8_t *p;
    aus_rd_init(&r, a->results[i][0].val, a->results[i][0].val_len);
    assert_int_equal(aus_cbor_rd_bstr(&r, 0, &p, n), AUS_OK);
    return p;
}

/* oracle AES-KW unwrap of a session key under the keyring key of context ctx */
static size_t unwrap(const uint8_t *w, size_t wl, int64_t ctx, uint8_t *out)
{
    char args[1024];
    char *k = hex(K.k[ctx - 1].key, K.k[ctx - 1].len), *wh = hex(w, wl);
    snprintf(args, sizeof args, "aes-kw-unwrap %s %s", k, wh);
    cJSON *j = xcheck(args);
    assert_non_null(j);
    size_t n;
    uint8_t *p = tst_json_hex(j, "keydata", &n);
    memcpy(out, p, n);
    free(p), free(k), free(wh);
    cJSON_Delete(j);
    return n;
}

static const char *sha_name(uint64_t v) { return v == 5 ? "sha256" : v == 6 ? "sha384" : "sha512"; }

/* Check one BIB (plaintext ASB a, block bk) with the oracle's HMAC. */
static void check_bib(const aus_bpv7_bundle *b, const aus_bpsec_asb *a, const aus_bpv7_block *bk,
                      const uint8_t *payload_pt, size_t payload_len)
{
    size_t wl;
    const uint8_t *w = param_bstr(a, 2, &wl);
    assert_non_null(w); /* protect was asked for wrapped keys */
    uint8_t key[64];
    size_t kl = unwrap(w, wl, 1, key);
    uint64_t scope = param_uint(a, 3, 7), sha = param_uint(a, 1, 6);
    for (size_t i = 0; i < a->ntargets; i++) {
        uint8_t ippt[2048];
        size_t n = cb_uint(ippt, scope, 0);
        long ix = -1;
        for (size_t k = 0; k < b->nblocks; k++)
            if (b->blk[k].number == a->targets[i])
                ix = (long)k;
        if (scope & 1)
            memcpy(ippt + n, b->pri_raw, b->pri_len), n += b->pri_len;
        if ((scope & 2) && ix >= 0)
            n += hdr(ippt + n, &b->blk[ix]);
        if (scope & 4)
            n += hdr(ippt + n, bk);
        const uint8_t *d = ix < 0                 ? b->pri_raw
                           : b->blk[ix].type == 1 ? payload_pt
                                                  : b->blk[ix].data;
        size_t dl = ix < 0 ? b->pri_len : b->blk[ix].type == 1 ? payload_len : b->blk[ix].data_len;
        n += cb_uint(ippt + n, dl, 2);
        memcpy(ippt + n, d, dl), n += dl;
        char *kh = hex(key, kl), *mh = hex(ippt, n);
        char *args = malloc(strlen(mh) + 256);
        sprintf(args, "hmac %s %s %s", sha_name(sha), kh, mh);
        cJSON *j = xcheck(args);
        assert_non_null(j);
        size_t ml, rl;
        uint8_t *mac = tst_json_hex(j, "mac", &ml);
        const uint8_t *r = result(a, i, &rl);
        tst_assert_bytes(mac, ml, r, rl);
        free(mac), free(kh), free(mh), free(args);
        cJSON_Delete(j);
    }
}

static void one_sample(const aus_bpsec_protect_opts *o, aus_bpsec_ctx *ctx, int *checked)
{
    size_t il;
    uint8_t *in =
        tst_hex("9f88070000820282010282028202018202820201820018281a000f424085010100005823"
                "526561647920746f2067656e657261746520612033322d62797465207061796c6f6164ff",
                &il);
    uint8_t out[2048];
    size_t ol;
    assert_int_equal(aus_bpsec_protect(ctx, o, in, il, out, sizeof out, &ol), AUS_OK);
    aus_bpv7_bundle b;
    assert_int_equal(aus_bpv7_decode(&b, out, ol, 0), AUS_OK);
    const uint8_t *payload_pt = in + il - 1 - 35; /* "Ready to generate a 32-byte payload" */
    for (size_t k = 0; k < b.nblocks; k++) {
        aus_bpsec_asb a;
        const aus_bpv7_block *bk = &b.blk[k];
        if (bk->type != AUS_BPSEC_BT_BCB)
            continue;
        assert_int_equal(aus_bpsec_asb_decode(&a, bk->data, bk->data_len), AUS_OK);
        assert_int_equal(a.ntargets, 1); /* never two plaintexts under one (key, IV) */
        size_t ivl, wl;
        const uint8_t *iv = param_bstr(&a, 1, &ivl), *w = param_bstr(&a, 3, &wl);
        uint64_t scope = param_uint(&a, 4, 7);
        uint8_t cek[32];
        size_t cl = unwrap(w, wl, 2, cek);
        assert_int_equal(cl, param_uint(&a, 2, 3) == 1 ? 16 : 32);
        for (size_t i = 0; i < a.ntargets; i++) {
            const aus_bpv7_block *t = NULL;
            for (size_t m = 0; m < b.nblocks; m++)
                if (b.blk[m].number == a.targets[i])
                    t = &b.blk[m];
            assert_non_null(t);
            uint8_t aad[512];
            size_t n = cb_uint(aad, scope, 0);
            if (scope & 1)
                memcpy(aad + n, b.pri_raw, b.pri_len), n += b.pri_len;
            if (scope & 2)
                n += hdr(aad + n, t);
            if (scope & 4)
                n += hdr(aad + n, bk);
            size_t tl;
            const uint8_t *tag = result(&a, i, &tl);
            char *kh = hex(cek, cl), *ivh = hex(iv, ivl), *ah = hex(aad, n),
                 *ch = hex(t->data, t->data_len), *th = hex(tag, tl);
            char args[8192];
            snprintf(args, sizeof args, "aes-gcm-dec %s %s %s %s %s", kh, ivh, ah, ch, th);
            cJSON *j = xcheck(args);
            if (!j)
                fail_msg("the oracle rejects our AES-GCM output: %s", args);
            size_t pl;
            uint8_t *pt = tst_json_hex(j, "pt", &pl);
            assert_int_equal(t->type, AUS_BPV7_BT_PAYLOAD);
            tst_assert_bytes(pt, pl, payload_pt, 35);
            free(pt), free(kh), free(ivh), free(ah), free(ch), free(th);
            cJSON_Delete(j);
            (*checked)++;
        }
    }
    for (size_t k = 0; k < b.nblocks; k++) { /* the BIB in clear (primary + seq block) */
        aus_bpsec_asb a;
        if (b.blk[k].type == AUS_BPSEC_BT_BIB &&
            aus_bpsec_asb_decode(&a, b.blk[k].data, b.blk[k].data_len) == AUS_OK) {
            check_bib(&b, &a, &b.blk[k], payload_pt, 35);
            (*checked)++;
        }
    }
    free(in);
}

static void test_oracle_sample(void **st)
{
    (void)st;
    if (!have_node) {
        print_message("SKIP: node or %s/node_modules missing (run tools/xcheck-deps.sh)\n",
                      AUS_XCHECK_DIR);
        skip();
    }
    tst_store *mem = tst_store_new();
    aus_store s = tst_store_iface(mem);
    aus_bpsec_ctx ctx;
    assert_int_equal(aus_bpsec_ctx_init(&ctx, C, &s, tkeys_fn, &K, 7), AUS_OK);
    static const int sha[] = {AUS_HASH_SHA256, AUS_HASH_SHA384, AUS_HASH_SHA512};
    int checked = 0;
    for (int i = 0; i < 6; i++) {
        aus_bpsec_protect_opts o;
        aus_bpsec_protect_opts_default(&o);
        o.wrap_key = 1;
        o.sha = sha[i % 3];
        o.aes = (i & 1) ? AUS_AEAD_AES128_GCM : AUS_AEAD_AES256_GCM;
        o.bib_scope = (uint8_t)(7 - i % 4);
        o.bcb_scope = (uint8_t)(i % 8);
        one_sample(&o, &ctx, &checked);
    }
    assert_int_equal(checked, 6 * 2); /* per sample: the payload's BCB, the BIB in clear */
    tst_store_free(mem);
}

/* The backend's HMAC (RFC 2104 on EVP digests) against @noble, with short, block-size and
 * longer-than-block keys, for the three SHA-2 variants. */
static void test_oracle_hmac_keys(void **st)
{
    (void)st;
    if (!have_node) {
        print_message("SKIP: node or %s/node_modules missing\n", AUS_XCHECK_DIR);
        skip();
    }
    static const aus_hash_alg algs[] = {AUS_HASH_SHA256, AUS_HASH_SHA384, AUS_HASH_SHA512};
    static const size_t klens[] = {1, 16, 64, 128, 129, 200};
    uint8_t key[200], msg[300], mac[64];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 11 + 1);
    for (size_t a = 0; a < 3; a++)
        for (size_t k = 0; k < AUS_ARRAY_LEN(klens); k++) {
            size_t ml;
            aus_iov v[2] = {{msg, 100}, {msg + 100, 200}};
            assert_int_equal(C->ops->hmac(C->self, algs[a], key, klens[k], v, 2, mac, &ml), AUS_OK);
            char *kh = hex(key, klens[k]), *mh = hex(msg, sizeof msg), args[2048];
            snprintf(args, sizeof args, "hmac %s %s %s", sha_name((uint64_t)algs[a]), kh, mh);
            cJSON *j = xcheck(args);
            assert_non_null(j);
            size_t wl;
            uint8_t *want = tst_json_hex(j, "mac", &wl);
            tst_assert_bytes(mac, ml, want, wl);
            free(want), free(kh), free(mh);
            cJSON_Delete(j);
        }
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_oracle_sample),
                                   cmocka_unit_test(test_oracle_hmac_keys)};
    return cmocka_run_group_tests(t, setup, NULL);
}
