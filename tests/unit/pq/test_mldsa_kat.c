/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 known answers and negative cases.
 * Vectors: ../shared/vectors/mldsa65/mldsa65_kat.json (generated with @noble/post-quantum 0.7.1,
 * cross-checked with OpenSSL 4.0 and an independent Python implementation; see its README). */
#include "aus_test.h"

#include "australis/crypto.h"
#include "australis/pq.h"
#include "pq/mldsa_internal.h"

#define PKB AUS_MLDSA65_PK_BYTES
#define SKB AUS_MLDSA65_SK_BYTES
#define SIGB AUS_MLDSA65_SIG_BYTES

static cJSON *g_json;

static int setup(void **state)
{
    (void)state;
    g_json = tst_read_json(tst_shared("vectors/mldsa65/mldsa65_kat.json"));
    return g_json ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(g_json);
    return 0;
}

static void test_keygen(void **state)
{
    (void)state;
    const cJSON *arr = cJSON_GetObjectItem(g_json, "keygen"), *c;
    int n = 0;
    cJSON_ArrayForEach(c, arr)
    {
        size_t xl, pl, sl, tl;
        uint8_t *xi = tst_json_hex(c, "xi", &xl), *pk = tst_json_hex(c, "pk", &pl);
        uint8_t *sk = tst_json_hex(c, "sk", &sl), *tr = tst_json_hex(c, "tr", &tl);
        assert_int_equal(xl, 32);
        uint8_t gpk[PKB], gsk[SKB];
        assert_int_equal(aus_mldsa65_keygen_derand(gpk, gsk, xi), AUS_OK);
        tst_assert_bytes(gpk, PKB, pk, pl);
        tst_assert_bytes(gsk, SKB, sk, sl);
        tst_assert_bytes(gsk + 64, 64, tr, tl);
        free(xi), free(pk), free(sk), free(tr);
        n++;
    }
    assert_int_equal(n, 5);
}

static void test_sign(void **state)
{
    (void)state;
    const cJSON *arr = cJSON_GetObjectItem(g_json, "sign"), *c;
    int n = 0;
    cJSON_ArrayForEach(c, arr)
    {
        size_t skl, pkl, ml, cl, rl, mpl, mul, sgl;
        uint8_t *sk = tst_json_hex(c, "sk", &skl), *pk = tst_json_hex(c, "pk", &pkl);
        uint8_t *msg = tst_json_hex(c, "message", &ml), *ctx = tst_json_hex(c, "context", &cl);
        uint8_t *rnd = tst_json_hex(c, "rnd", &rl), *mp = tst_json_hex(c, "mprime", &mpl);
        uint8_t *mu = tst_json_hex(c, "mu", &mul), *sig = tst_json_hex(c, "signature", &sgl);
        assert_int_equal(skl, SKB);
        assert_int_equal(rl, 32);
        /* M' = 0 || |ctx| || ctx || M, as the vector states */
        assert_int_equal(mpl, 2 + cl + ml);
        assert_int_equal(mp[0], 0);
        assert_int_equal(mp[1], cl);
        assert_memory_equal(mp + 2, ctx, cl);
        /* mu = H(tr || M') through the provider matches the vector's mu */
        uint8_t gmu[64];
        aus_iov in[2] = {{sk + 64, 64}, {mp, mpl}};
        assert_int_equal(aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, gmu, 64), AUS_OK);
        tst_assert_bytes(gmu, 64, mu, mul);
        uint8_t gsig[SIGB];
        assert_int_equal(aus_mldsa65_sign_derand(gsig, msg, ml, ctx, cl, sk, rnd), AUS_OK);
        tst_assert_bytes(gsig, SIGB, sig, sgl);
        assert_int_equal(aus_mldsa65_verify(gsig, msg, ml, ctx, cl, pk), AUS_OK);
        free(sk), free(pk), free(msg), free(ctx), free(rnd), free(mp), free(mu), free(sig);
        n++;
    }
    assert_int_equal(n, 8);
}

static void test_verify(void **state)
{
    (void)state;
    const cJSON *arr = cJSON_GetObjectItem(g_json, "verify"), *c;
    int n = 0, valid = 0;
    cJSON_ArrayForEach(c, arr)
    {
        size_t pkl, ml, cl, sgl;
        uint8_t *pk = tst_json_hex(c, "pk", &pkl), *msg = tst_json_hex(c, "message", &ml);
        uint8_t *ctx = tst_json_hex(c, "context", &cl);
        uint8_t *sig = tst_json_hex(c, "signature", &sgl);
        int expected = cJSON_IsTrue(cJSON_GetObjectItem(c, "expected"));
        const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
        aus_err want = expected ? AUS_OK : AUS_E_AUTH;
        aus_err got = aus_mldsa65_verify_n(sig, sgl, msg, ml, ctx, cl, pk);
        if (got != want)
            fail_msg("%s: got %d want %d", id, got, want);
        if (sgl == SIGB) {
            assert_int_equal(aus_mldsa65_verify(sig, msg, ml, ctx, cl, pk), want);
        } else {
            /* the fixed-size API: the short signature padded with a zero byte is still bad */
            uint8_t pad[SIGB] = {0};
            memcpy(pad, sig, sgl < SIGB ? sgl : SIGB);
            assert_int_equal(aus_mldsa65_verify(pad, msg, ml, ctx, cl, pk), AUS_E_AUTH);
        }
        valid += expected;
        free(pk), free(msg), free(ctx), free(sig);
        n++;
    }
    assert_int_equal(n, 10);
    assert_int_equal(valid, 2);
}

/* A fresh signature over a fixed key for the negative tests. */
typedef struct fixture {
    uint8_t pk[PKB], sk[SKB], sig[SIGB];
    uint8_t msg[40], ctx[20];
} fixture;

static void make_fixture(fixture *f, uint8_t seed)
{
    uint8_t xi[32], rnd[32];
    memset(xi, seed, sizeof xi);
    memset(rnd, seed ^ 0x5a, sizeof rnd);
    for (size_t i = 0; i < sizeof f->msg; i++)
        f->msg[i] = (uint8_t)(i * 7 + seed);
    for (size_t i = 0; i < sizeof f->ctx; i++)
        f->ctx[i] = (uint8_t)(i + 100);
    assert_int_equal(aus_mldsa65_keygen_derand(f->pk, f->sk, xi), AUS_OK);
    assert_int_equal(
        aus_mldsa65_sign_derand(f->sig, f->msg, sizeof f->msg, f->ctx, sizeof f->ctx, f->sk, rnd),
        AUS_OK);
    assert_int_equal(
        aus_mldsa65_verify(f->sig, f->msg, sizeof f->msg, f->ctx, sizeof f->ctx, f->pk), AUS_OK);
}

static aus_err vf(const fixture *f) /* verify the fixture as it stands */
{
    return aus_mldsa65_verify(f->sig, f->msg, sizeof f->msg, f->ctx, sizeof f->ctx, f->pk);
}

static void test_ctx_too_long(void **state)
{
    (void)state;
    static fixture f;
    make_fixture(&f, 1);
    uint8_t ctx[256] = {0}, rnd[32] = {0}, sig[SIGB];
    memset(sig, 0xAA, sizeof sig);
    assert_int_equal(aus_mldsa65_sign_derand(sig, f.msg, 1, ctx, 256, f.sk, rnd), AUS_E_ARG);
    assert_int_equal(aus_mldsa65_sign(sig, f.msg, 1, ctx, 256, f.sk), AUS_E_ARG);
    assert_int_equal(aus_mldsa65_verify(f.sig, f.msg, 1, ctx, 256, f.pk), AUS_E_ARG);
    /* 255 is the maximum and works */
    assert_int_equal(aus_mldsa65_sign_derand(sig, f.msg, 1, ctx, 255, f.sk, rnd), AUS_OK);
    assert_int_equal(aus_mldsa65_verify(sig, f.msg, 1, ctx, 255, f.pk), AUS_OK);
    /* NULL with a nonzero length is caller misuse */
    assert_int_equal(aus_mldsa65_sign_derand(sig, NULL, 1, NULL, 0, f.sk, rnd), AUS_E_ARG);
    assert_int_equal(aus_mldsa65_verify(sig, f.msg, 1, NULL, 3, f.pk), AUS_E_ARG);
}

static void test_bit_flips(void **state)
{
    (void)state;
    static fixture f;
    make_fixture(&f, 2);
    /* every 7th byte of the signature (c~, z and hint areas), one bit each */
    for (size_t i = 0; i < SIGB; i += 7) {
        f.sig[i] ^= (uint8_t)(1u << (i % 8));
        if (vf(&f) != AUS_E_AUTH)
            fail_msg("flip in sig byte %zu accepted", i);
        f.sig[i] ^= (uint8_t)(1u << (i % 8));
    }
    for (size_t i = 0; i < sizeof f.msg; i++) {
        f.msg[i] ^= 0x80;
        assert_int_equal(vf(&f), AUS_E_AUTH);
        f.msg[i] ^= 0x80;
    }
    for (size_t i = 0; i < sizeof f.ctx; i++) {
        f.ctx[i] ^= 0x01;
        assert_int_equal(vf(&f), AUS_E_AUTH);
        f.ctx[i] ^= 0x01;
    }
    for (size_t i = 0; i < PKB; i += 13) {
        f.pk[i] ^= 0x10;
        if (vf(&f) != AUS_E_AUTH)
            fail_msg("flip in pk byte %zu accepted", i);
        f.pk[i] ^= 0x10;
    }
    /* shorter message / context (same prefix) */
    assert_int_equal(aus_mldsa65_verify(f.sig, f.msg, sizeof f.msg - 1, f.ctx, sizeof f.ctx, f.pk),
                     AUS_E_AUTH);
    assert_int_equal(aus_mldsa65_verify(f.sig, f.msg, sizeof f.msg, f.ctx, sizeof f.ctx - 1, f.pk),
                     AUS_E_AUTH);
    assert_int_equal(vf(&f), AUS_OK);
    /* wrong lengths */
    assert_int_equal(
        aus_mldsa65_verify_n(f.sig, SIGB - 1, f.msg, sizeof f.msg, f.ctx, sizeof f.ctx, f.pk),
        AUS_E_AUTH);
    assert_int_equal(
        aus_mldsa65_verify_n(f.sig, SIGB + 1, f.msg, sizeof f.msg, f.ctx, sizeof f.ctx, f.pk),
        AUS_E_AUTH);
    assert_int_equal(aus_mldsa65_verify_n(NULL, 0, f.msg, sizeof f.msg, f.ctx, sizeof f.ctx, f.pk),
                     AUS_E_AUTH);
}

/* Malformed hints (FIPS 204 Alg. 21) and z out of range (Alg. 8 line 13). */
static void test_malformed(void **state)
{
    (void)state;
    static fixture f;
    uint8_t *h = f.sig + MLDSA_SIG_H_OFF;
    /* find a key/signature whose hint has a row with two or more entries */
    int row = -1;
    for (uint8_t seed = 3; seed < 40 && row < 0; seed++) {
        make_fixture(&f, seed);
        unsigned prev = 0;
        for (int i = 0; i < MLDSA_K && row < 0; i++) {
            if (h[MLDSA_OMEGA + i] - prev >= 2)
                row = i;
            prev = h[MLDSA_OMEGA + i];
        }
    }
    assert_true(row >= 0);
    unsigned first = row ? h[MLDSA_OMEGA + row - 1] : 0;
    unsigned total = h[MLDSA_OMEGA + MLDSA_K - 1];
    uint8_t save[MLDSA_HINT_BYTES];
    memcpy(save, h, sizeof save);

    /* indices not strictly increasing: swap two of the row */
    uint8_t t = h[first];
    h[first] = h[first + 1];
    h[first + 1] = t;
    assert_int_equal(vf(&f), AUS_E_AUTH);
    memcpy(h, save, sizeof save);
    /* a repeated index */
    h[first + 1] = h[first];
    assert_int_equal(vf(&f), AUS_E_AUTH);
    memcpy(h, save, sizeof save);
    /* a count above omega */
    h[MLDSA_OMEGA + MLDSA_K - 1] = MLDSA_OMEGA + 1;
    assert_int_equal(vf(&f), AUS_E_AUTH);
    memcpy(h, save, sizeof save);
    /* counts going backwards */
    if (row > 0 || MLDSA_K > 1) {
        h[MLDSA_OMEGA] = (uint8_t)(total + 1 <= MLDSA_OMEGA ? total + 1 : MLDSA_OMEGA);
        if (h[MLDSA_OMEGA] > h[MLDSA_OMEGA + 1])
            assert_int_equal(vf(&f), AUS_E_AUTH);
        memcpy(h, save, sizeof save);
    }
    /* a nonzero unused slot */
    if (total < MLDSA_OMEGA) {
        h[MLDSA_OMEGA - 1] = 1;
        assert_int_equal(vf(&f), AUS_E_AUTH);
        memcpy(h, save, sizeof save);
    }
    assert_int_equal(vf(&f), AUS_OK);

    /* z coefficient 0 of row 0 set to gamma1 (stored value 0) and to -(gamma1 - 1) */
    uint8_t zs[3];
    uint8_t *z = f.sig + MLDSA_SIG_Z_OFF;
    memcpy(zs, z, 3);
    z[0] = 0, z[1] = 0, z[2] = (uint8_t)(z[2] & 0xF0); /* value 0 -> z = gamma1 */
    assert_int_equal(vf(&f), AUS_E_AUTH);
    z[0] = 0xFF, z[1] = 0xFF, z[2] = (uint8_t)((zs[2] & 0xF0) | 0x0F); /* -> -(gamma1 - 1) */
    assert_int_equal(vf(&f), AUS_E_AUTH);
    memcpy(z, zs, 3);
    assert_int_equal(vf(&f), AUS_OK);
}

static void test_randomized(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], s1[SIGB], s2[SIGB];
    const uint8_t msg[] = "telecommand";
    assert_int_equal(aus_mldsa65_keygen(pk, sk), AUS_OK);
    assert_int_equal(aus_mldsa65_sign(s1, msg, sizeof msg, NULL, 0, sk), AUS_OK);
    assert_int_equal(aus_mldsa65_sign(s2, msg, sizeof msg, NULL, 0, sk), AUS_OK);
    assert_memory_not_equal(s1, s2, SIGB); /* hedged: fresh rnd each time */
    assert_int_equal(aus_mldsa65_verify(s1, msg, sizeof msg, NULL, 0, pk), AUS_OK);
    assert_int_equal(aus_mldsa65_verify(s2, msg, sizeof msg, NULL, 0, pk), AUS_OK);
    assert_int_equal(aus_mldsa65_verify(s2, msg, sizeof msg - 1, NULL, 0, pk), AUS_E_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen),     cmocka_unit_test(test_sign),
        cmocka_unit_test(test_verify),     cmocka_unit_test(test_ctx_too_long),
        cmocka_unit_test(test_bit_flips),  cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_randomized),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
