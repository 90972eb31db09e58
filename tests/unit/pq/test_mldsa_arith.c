/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 building blocks against literal (slow, variable-time) transcriptions of FIPS 204:
 * Decompose and Power2Round exhaustively, NTT products against schoolbook multiplication,
 * the constant-time SampleInBall and RejBoundedPoly against straightforward loops, and the
 * hint encoding round trip. */
#include "aus_test.h"

#include "pq/mldsa_internal.h"

#define Q MLDSA_Q
#define G2 MLDSA_GAMMA2

static int32_t mod_pm(int32_t r, int32_t a) /* r mod+- a, in (-a/2, a/2] (FIPS 204 §2.3) */
{
    int32_t m = ((r % a) + a) % a;
    return m > a / 2 ? m - a : m;
}

static void test_decompose_exhaustive(void **state)
{
    (void)state;
    for (int32_t r = 0; r < Q; r++) {
        /* Alg. 36 literally */
        int32_t r0 = mod_pm(r, 2 * G2), r1;
        if (r - r0 == Q - 1) {
            r1 = 0;
            r0 = r0 - 1;
        } else {
            r1 = (r - r0) / (2 * G2);
        }
        int32_t g1, g0;
        aus_mldsa_decompose(r, &g1, &g0);
        if (g1 != r1 || g0 != r0)
            fail_msg("decompose(%d): got (%d,%d) want (%d,%d)", r, g1, g0, r1, r0);
    }
}

static void test_power2round_exhaustive(void **state)
{
    (void)state;
    static mldsa_poly in, hi, lo;
    for (int32_t base = 0; base < Q; base += MLDSA_N) {
        for (int j = 0; j < MLDSA_N; j++)
            in.c[j] = base + j < Q ? base + j : 0;
        aus_mldsa_power2round(&hi, &lo, &in);
        for (int j = 0; j < MLDSA_N; j++) {
            int32_t r = in.c[j], r0 = mod_pm(r, 1 << 13);
            if (lo.c[j] != r0 || hi.c[j] != (r - r0) >> 13)
                fail_msg("power2round(%d)", r);
        }
    }
}

static int32_t rnd_mod(uint64_t *s, int32_t bound)
{
    return (int32_t)(tst_rand(s) % (uint64_t)bound);
}

static void test_ntt_product(void **state)
{
    (void)state;
    uint64_t s = 42;
    static mldsa_poly a, b, ah, bh, p;
    for (int iter = 0; iter < 50; iter++) {
        /* a in [-gamma1, gamma1], b small or full range, like the products signing forms */
        for (int j = 0; j < MLDSA_N; j++) {
            a.c[j] = rnd_mod(&s, 2 * MLDSA_GAMMA1 + 1) - MLDSA_GAMMA1;
            b.c[j] = iter & 1 ? rnd_mod(&s, Q) : rnd_mod(&s, 9) - 4;
        }
        ah = a, bh = b;
        aus_mldsa_ntt(&ah);
        aus_mldsa_ntt(&bh);
        aus_mldsa_pointwise_acc(&p, &ah, 0, &bh, 1);
        aus_mldsa_intt(&p);
        aus_mldsa_poly_canon(&p);
        int64_t want[MLDSA_N] = {0}; /* negacyclic schoolbook: X^256 = -1 */
        for (int i = 0; i < MLDSA_N; i++)
            for (int j = 0; j < MLDSA_N; j++) {
                int64_t t = (int64_t)a.c[i] * b.c[j] % Q;
                if (i + j < MLDSA_N)
                    want[i + j] = (want[i + j] + t) % Q;
                else
                    want[i + j - MLDSA_N] = (want[i + j - MLDSA_N] - t) % Q;
            }
        for (int j = 0; j < MLDSA_N; j++) {
            int64_t w = (want[j] % Q + Q) % Q;
            if (p.c[j] != w)
                fail_msg("iter %d coeff %d: %d != %lld", iter, j, p.c[j], (long long)w);
        }
    }
}

static void test_center_exceeds(void **state)
{
    (void)state;
    static mldsa_poly p;
    for (int j = 0; j < MLDSA_N; j++)
        p.c[j] = 0;
    p.c[17] = -(Q - 1); /* -> 1 */
    p.c[18] = Q - 5;    /* -> -5 */
    p.c[19] = (Q - 1) / 2;
    p.c[20] = (Q + 1) / 2; /* -> -(q-1)/2 */
    aus_mldsa_poly_center(&p);
    assert_int_equal(p.c[17], 1);
    assert_int_equal(p.c[18], -5);
    assert_int_equal(p.c[19], (Q - 1) / 2);
    assert_int_equal(p.c[20], -(Q - 1) / 2);
    assert_int_equal(aus_mldsa_poly_exceeds(&p, (Q - 1) / 2), 1);
    assert_int_equal(aus_mldsa_poly_exceeds(&p, (Q + 1) / 2), 0);
    for (int j = 0; j < MLDSA_N; j++)
        p.c[j] = 0;
    p.c[200] = -100;
    assert_int_equal(aus_mldsa_poly_exceeds(&p, 100), 1);
    assert_int_equal(aus_mldsa_poly_exceeds(&p, 101), 0);
}

/* Alg. 29 written as in the standard, on a long prefix of H(c~). */
static void ball_literal(int32_t c[MLDSA_N], const uint8_t ct[48])
{
    uint8_t buf[1024];
    aus_iov in = {ct, 48};
    assert_int_equal(aus_mldsa_xof(AUS_HASH_SHAKE256, &in, 1, buf, sizeof buf), AUS_OK);
    memset(c, 0, MLDSA_N * sizeof c[0]);
    size_t pos = 8;
    for (int i = MLDSA_N - MLDSA_TAU; i < MLDSA_N; i++) {
        int j;
        do {
            j = buf[pos++];
        } while (j > i);
        c[i] = c[j];
        int bit = (buf[(i + MLDSA_TAU - MLDSA_N) / 8] >> ((i + MLDSA_TAU - MLDSA_N) % 8)) & 1;
        c[j] = bit ? -1 : 1;
    }
}

static void test_sample_in_ball(void **state)
{
    (void)state;
    uint64_t s = 7;
    static mldsa_poly c;
    int32_t want[MLDSA_N];
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t ct[48];
        for (int i = 0; i < 48; i++)
            ct[i] = (uint8_t)tst_rand(&s);
        assert_int_equal(aus_mldsa_sample_in_ball(&c, ct), AUS_OK);
        ball_literal(want, ct);
        assert_memory_equal(c.c, want, sizeof want);
        int w = 0;
        for (int j = 0; j < MLDSA_N; j++)
            w += c.c[j] != 0;
        assert_int_equal(w, MLDSA_TAU);
    }
}

static void test_expand_s_literal(void **state)
{
    (void)state;
    uint64_t s = 99;
    static mldsa_poly p;
    uint8_t rhop[64], buf[4096];
    for (int iter = 0; iter < 1000; iter++) {
        for (int i = 0; i < 64; i++)
            rhop[i] = (uint8_t)tst_rand(&s);
        unsigned nonce = (unsigned)(tst_rand(&s) % 11);
        assert_int_equal(aus_mldsa_expand_s(&p, rhop, nonce), AUS_OK);
        uint8_t n2[2] = {(uint8_t)nonce, 0};
        aus_iov in[2] = {{rhop, 64}, {n2, 2}};
        assert_int_equal(aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, buf, sizeof buf), AUS_OK);
        int ctr = 0;
        for (size_t i = 0; ctr < MLDSA_N; i++) {
            int z0 = buf[i] & 15, z1 = buf[i] >> 4;
            if (z0 < 9)
                assert_int_equal(p.c[ctr++], 4 - z0);
            if (z1 < 9 && ctr < MLDSA_N)
                assert_int_equal(p.c[ctr++], 4 - z1);
        }
    }
}

static void test_hint_roundtrip(void **state)
{
    (void)state;
    uint64_t s = 5;
    static uint8_t h[MLDSA_K][MLDSA_N], g[MLDSA_K][MLDSA_N];
    uint8_t enc[MLDSA_HINT_BYTES];
    for (int iter = 0; iter < 300; iter++) {
        memset(h, 0, sizeof h);
        int n = (int)(tst_rand(&s) % (MLDSA_OMEGA + 1));
        for (int k = 0; k < n; k++)
            h[tst_rand(&s) % MLDSA_K][tst_rand(&s) % MLDSA_N] = 1;
        aus_mldsa_hint_pack(enc, (const uint8_t(*)[MLDSA_N])h);
        assert_int_equal(aus_mldsa_hint_unpack(g, enc), AUS_OK);
        assert_memory_equal(h, g, sizeof h);
        int ones = 0;
        for (int i = 0; i < MLDSA_K; i++)
            for (int j = 0; j < MLDSA_N; j++)
                ones += h[i][j];
        assert_int_equal(enc[MLDSA_OMEGA + MLDSA_K - 1], ones);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decompose_exhaustive), cmocka_unit_test(test_power2round_exhaustive),
        cmocka_unit_test(test_ntt_product),          cmocka_unit_test(test_center_exceeds),
        cmocka_unit_test(test_sample_in_ball),       cmocka_unit_test(test_expand_s_literal),
        cmocka_unit_test(test_hint_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
