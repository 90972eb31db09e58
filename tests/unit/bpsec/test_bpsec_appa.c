/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9173 Appendix A, all four examples, byte-exact in both directions (A.4: opened only; its
 * two-target BCB reuses one AES-GCM key and IV, which aus_bpsec_add refuses to produce).
 * Expected bytes: ../shared/vectors/rfc9173/rfc9173_appendix_a.json (RFC 9173 App. A, see the
 * vectors README for provenance); nothing here is our own output. */
#include "bpsec_test_util.h"

static const aus_crypto *C;

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    return 0;
}

typedef struct ex {
    uint8_t buf[1024];
    size_t len;
    uint8_t *orig, *fin;
    size_t olen, flen;
} ex;

static void ex_load(ex *e, const cJSON *o)
{
    e->orig = tst_hex(jstr(o, "original_bundle"), &e->olen);
    e->fin = tst_hex(jstr(o, "final_bundle"), &e->flen);
    memcpy(e->buf, e->orig, e->olen);
    e->len = e->olen;
}

static void ex_reverse(ex *e, tkeys *k)
{
    aus_bpsec_report rep;
    memcpy(e->buf, e->fin, e->flen);
    e->len = e->flen;
    assert_int_equal(aus_bpsec_open(C, tkeys_fn, k, e->buf, &e->len, &rep), AUS_OK);
    tst_assert_bytes(e->buf, e->len, e->orig, e->olen);
    free(e->orig);
    free(e->fin);
}

static void set_key(aus_bpsec_op *op, const char *hex, uint8_t *store)
{
    size_t n;
    uint8_t *k = tst_hex(hex, &n);
    memcpy(store, k, n);
    op->key = store;
    op->key_len = n;
    free(k);
}

static void test_a1_simple_integrity(void **st)
{
    (void)st;
    cJSON *j = appa_json();
    const cJSON *a = jget(j, "A.1_simple_integrity");
    ex e;
    uint8_t key[64];
    ex_load(&e, a);
    aus_bpsec_op op = {.kind = AUS_BPSEC_BIB,
                       .source = "ipn:2.1",
                       .ntargets = 1,
                       .targets = {1},
                       .variant = AUS_HASH_SHA512,
                       .scope = 0};
    set_key(&op, jstr(a, "key"), key);
    assert_int_equal(aus_bpsec_add(C, &op, e.buf, &e.len, sizeof e.buf), AUS_OK);
    tst_assert_bytes(e.buf, e.len, e.fin, e.flen);
    tkeys k = {0};
    tkeys_add(&k, "ipn:2.1", 1, jstr(a, "key"));
    ex_reverse(&e, &k);
    cJSON_Delete(j);
}

static void test_a2_confidentiality_key_wrap(void **st)
{
    (void)st;
    cJSON *j = appa_json();
    const cJSON *a = jget(j, "A.2_simple_confidentiality_with_key_wrap");
    ex e;
    uint8_t kek[64], cek[64];
    size_t n, ivn;
    ex_load(&e, a);
    uint8_t *iv = tst_hex(jstr(a, "iv"), &ivn);
    uint8_t *c = tst_hex(jstr(a, "content_encryption_key"), &n);
    memcpy(cek, c, n);
    aus_bpsec_op op = {.kind = AUS_BPSEC_BCB,
                       .source = "ipn:2.1",
                       .ntargets = 1,
                       .targets = {1},
                       .variant = AUS_AEAD_AES128_GCM,
                       .scope = 0,
                       .session_key = cek,
                       .session_key_len = n,
                       .iv = iv,
                       .iv_len = ivn};
    set_key(&op, jstr(a, "key_encryption_key"), kek);
    assert_int_equal(aus_bpsec_add(C, &op, e.buf, &e.len, sizeof e.buf), AUS_OK);
    tst_assert_bytes(e.buf, e.len, e.fin, e.flen);
    tkeys k = {0};
    tkeys_add(&k, "ipn:2.1", 2, jstr(a, "key_encryption_key"));
    ex_reverse(&e, &k);
    free(iv);
    free(c);
    cJSON_Delete(j);
}

static void test_a3_multiple_sources(void **st)
{
    (void)st;
    cJSON *j = appa_json();
    const cJSON *a = jget(j, "A.3_security_blocks_from_multiple_sources");
    const cJSON *bib = jget(a, "bib"), *bcb = jget(a, "bcb");
    ex e;
    uint8_t k1[64], k2[64];
    size_t ivn;
    ex_load(&e, a);
    uint8_t *iv = tst_hex(jstr(bcb, "iv"), &ivn);
    aus_bpsec_op b1 = {.kind = AUS_BPSEC_BIB,
                       .source = "ipn:3.0",
                       .ntargets = 2,
                       .targets = {0, 2},
                       .variant = AUS_HASH_SHA256,
                       .scope = 0};
    set_key(&b1, jstr(bib, "key"), k1);
    assert_int_equal(aus_bpsec_add(C, &b1, e.buf, &e.len, sizeof e.buf), AUS_OK);
    aus_bpsec_op b2 = {.kind = AUS_BPSEC_BCB,
                       .source = "ipn:2.1",
                       .ntargets = 1,
                       .targets = {1},
                       .variant = AUS_AEAD_AES128_GCM,
                       .scope = 0,
                       .iv = iv,
                       .iv_len = ivn};
    set_key(&b2, jstr(bcb, "key"), k2);
    assert_int_equal(aus_bpsec_add(C, &b2, e.buf, &e.len, sizeof e.buf), AUS_OK);
    tst_assert_bytes(e.buf, e.len, e.fin, e.flen);
    tkeys k = {0};
    tkeys_add(&k, "ipn:3.0", 1, jstr(bib, "key"));
    tkeys_add(&k, "ipn:2.1", 2, jstr(bcb, "key"));
    ex_reverse(&e, &k);
    free(iv);
    cJSON_Delete(j);
}

static void test_a4_full_scope(void **st)
{
    (void)st;
    cJSON *j = appa_json();
    const cJSON *a = jget(j, "A.4_security_blocks_with_full_scope");
    const cJSON *bib = jget(a, "bib"), *bcb = jget(a, "bcb");
    ex e;
    uint8_t k1[64], k2[64];
    size_t ivn;
    ex_load(&e, a);
    uint8_t *iv = tst_hex(jstr(bcb, "iv"), &ivn);
    /* App. A.4: BIB is block 3, the BCB block 2 and targets the BIB first, then the payload */
    aus_bpsec_op b1 = {.kind = AUS_BPSEC_BIB,
                       .source = "ipn:2.1",
                       .block_number = 3,
                       .ntargets = 1,
                       .targets = {1},
                       .variant = AUS_HASH_SHA384,
                       .scope = 7};
    set_key(&b1, jstr(bib, "key"), k1);
    assert_int_equal(aus_bpsec_add(C, &b1, e.buf, &e.len, sizeof e.buf), AUS_OK);
    aus_bpsec_op b2 = {.kind = AUS_BPSEC_BCB,
                       .source = "ipn:2.1",
                       .block_number = 2,
                       .ntargets = 2,
                       .targets = {3, 1},
                       .variant = AUS_AEAD_AES256_GCM,
                       .scope = 7,
                       .iv = iv,
                       .iv_len = ivn};
    set_key(&b2, jstr(bcb, "key"), k2);
    /* A.4's BCB has two targets under one key and IV: we refuse to produce it (docs/bpsec.md,
     * "One target per BCB"), and the refusal leaves the bundle as it was */
    uint8_t before[sizeof e.buf];
    size_t blen = e.len;
    memcpy(before, e.buf, e.len);
    assert_int_equal(aus_bpsec_add(C, &b2, e.buf, &e.len, sizeof e.buf), AUS_E_POLICY);
    tst_assert_bytes(e.buf, e.len, before, blen);
    /* one target alone breaks RFC 9172 §3.9 here (the payload has a BIB the BCB must cover) */
    b2.ntargets = 1;
    b2.targets[0] = 1;
    assert_int_equal(aus_bpsec_add(C, &b2, e.buf, &e.len, sizeof e.buf), AUS_E_BLOCK);
    /* Why: the RFC's own bytes share the keystream. The BIB's ciphertext XOR its plaintext XOR
     * the payload's ciphertext is the payload's plaintext. */
    size_t npc, nbc, nbp, npt;
    uint8_t *pc = tst_hex(jstr(bcb, "payload_ciphertext"), &npc);
    uint8_t *bc = tst_hex(jstr(bcb, "bib_ciphertext"), &nbc);
    uint8_t *bp = tst_hex(jstr(bib, "asb_plaintext"), &nbp);
    uint8_t *pt = tst_hex(jstr(jget(j, "common"), "payload_data"), &npt);
    assert_true(npc == npt && nbc == nbp && nbc >= npc);
    for (size_t i = 0; i < npc; i++)
        assert_int_equal(bc[i] ^ bp[i] ^ pc[i], pt[i]);
    free(pc), free(bc), free(bp), free(pt);
    tkeys k = {0};
    tkeys_add(&k, "ipn:2.1", 1, jstr(bib, "key"));
    tkeys_add(&k, "ipn:2.1", 2, jstr(bcb, "key"));
    ex_reverse(&e, &k);
    free(iv);
    cJSON_Delete(j);
}

/* The .cbor files in vectors/rfc9173 are the same bundles: check they agree with the JSON. */
static void test_cbor_files_match(void **st)
{
    (void)st;
    static const char *names[] = {"A1", "A2", "A3", "A4"};
    static const char *keys[] = {"A.1_simple_integrity", "A.2_simple_confidentiality_with_key_wrap",
                                 "A.3_security_blocks_from_multiple_sources",
                                 "A.4_security_blocks_with_full_scope"};
    cJSON *j = appa_json();
    for (int i = 0; i < 4; i++) {
        char rel[64];
        size_t n, m;
        snprintf(rel, sizeof rel, "vectors/rfc9173/%s_final.cbor", names[i]);
        uint8_t *f = tst_read_file(tst_shared(rel), &n);
        uint8_t *h = tst_hex(jstr(jget(j, keys[i]), "final_bundle"), &m);
        tst_assert_bytes(f, n, h, m);
        free(f);
        free(h);
    }
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_a1_simple_integrity),
        cmocka_unit_test(test_a2_confidentiality_key_wrap),
        cmocka_unit_test(test_a3_multiple_sources),
        cmocka_unit_test(test_a4_full_scope),
        cmocka_unit_test(test_cbor_files_match),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
