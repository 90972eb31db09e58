/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 through a fault-injecting provider wrapper (aus_crypto_set_default):
 * - the rare "squeeze more" paths of the one-shot XOF: the wrapper spoils (all 0xFF, which
 *   every sampler rejects) the short first output of ExpandA (840 B), ExpandS (272 B) or
 *   SampleInBall (136 B), so each sampler must fall back to the longer output and parse it
 *   from the start: keys and signatures must be unchanged;
 * - both lengths spoiled: the loop bound ends with AUS_E_CRYPTO and zeroed secret outputs;
 * - every hash call of keygen / sign / verify failing in turn, and the RNG failing:
 *   AUS_E_CRYPTO, sk / sig zeroed. */
#include "aus_test.h"

#include "australis/crypto.h"
#include "australis/pq.h"

#define PKB AUS_MLDSA65_PK_BYTES
#define SKB AUS_MLDSA65_SK_BYTES
#define SIGB AUS_MLDSA65_SIG_BYTES

static const aus_crypto *g_inner;
static aus_crypto_ops g_ops;
static aus_crypto g_wrap;
static size_t g_poison[4];
static long g_calls, g_fail_at = -1, g_poisoned;
static int g_rng_fail;

static aus_err w_hash(void *self, aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                      size_t outlen)
{
    (void)self;
    if (g_calls++ == g_fail_at)
        return AUS_E_CRYPTO;
    aus_err rc = g_inner->ops->hash(g_inner->self, alg, in, nin, out, outlen);
    for (int i = 0; i < 4; i++)
        if (g_poison[i] && outlen == g_poison[i]) {
            memset(out, 0xFF, outlen);
            g_poisoned++;
        }
    return rc;
}

static aus_err w_random(void *self, uint8_t *out, size_t n)
{
    (void)self;
    if (g_rng_fail)
        return AUS_E_CRYPTO;
    return g_inner->ops->random(g_inner->self, out, n);
}

static void reset(void)
{
    memset(g_poison, 0, sizeof g_poison);
    g_calls = 0, g_fail_at = -1, g_poisoned = 0, g_rng_fail = 0;
}

static int setup(void **state)
{
    (void)state;
    g_inner = aus_crypto_default();
    g_ops = *g_inner->ops;
    g_ops.hash = w_hash;
    g_ops.random = w_random;
    g_wrap.ops = &g_ops;
    g_wrap.self = NULL;
    aus_crypto_set_default(&g_wrap);
    reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    aus_crypto_set_default(NULL);
    return 0;
}

static const uint8_t xi[32] = {9, 8, 7}, rnd[32] = {1}, msg[] = "m", ctx[] = "c";
static uint8_t pk0[PKB], sk0[SKB], sig0[SIGB];

static void reference(void)
{
    reset();
    assert_int_equal(aus_mldsa65_keygen_derand(pk0, sk0, xi), AUS_OK);
    assert_int_equal(aus_mldsa65_sign_derand(sig0, msg, 1, ctx, 1, sk0, rnd), AUS_OK);
}

static void same_with_poison(size_t len)
{
    static uint8_t pk[PKB], sk[SKB], sig[SIGB];
    reset();
    g_poison[0] = len;
    assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_OK);
    assert_int_equal(aus_mldsa65_sign_derand(sig, msg, 1, ctx, 1, sk, rnd), AUS_OK);
    assert_int_equal(aus_mldsa65_verify(sig, msg, 1, ctx, 1, pk), AUS_OK);
    assert_true(g_poisoned > 0); /* the short output really was spoiled */
    tst_assert_bytes(pk, PKB, pk0, PKB);
    tst_assert_bytes(sk, SKB, sk0, SKB);
    tst_assert_bytes(sig, SIGB, sig0, SIGB);
}

static void test_retry_paths(void **state)
{
    (void)state;
    reference();
    same_with_poison(5 * 168); /* ExpandA: 5 SHAKE128 blocks first */
    same_with_poison(2 * 136); /* ExpandS: 2 SHAKE256 blocks first */
    same_with_poison(136);     /* SampleInBall: 1 SHAKE256 block first */
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void test_loop_bounds(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], sig[SIGB];
    reference();
    /* ExpandS exhausted (keygen) */
    reset();
    g_poison[0] = 2 * 136, g_poison[1] = 5 * 136;
    memset(sk, 0xAA, sizeof sk);
    assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_E_CRYPTO);
    assert_true(all_zero(sk, SKB));
    /* ExpandA exhausted (keygen, sign, verify) */
    reset();
    g_poison[0] = 5 * 168, g_poison[1] = 12 * 168;
    assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_E_CRYPTO);
    memset(sig, 0xAA, sizeof sig);
    assert_int_equal(aus_mldsa65_sign_derand(sig, msg, 1, ctx, 1, sk0, rnd), AUS_E_CRYPTO);
    assert_true(all_zero(sig, SIGB));
    assert_int_equal(aus_mldsa65_verify(sig0, msg, 1, ctx, 1, pk0), AUS_E_CRYPTO);
    /* SampleInBall exhausted (sign, verify) */
    reset();
    g_poison[0] = 136, g_poison[1] = 4 * 136;
    memset(sig, 0xAA, sizeof sig);
    assert_int_equal(aus_mldsa65_sign_derand(sig, msg, 1, ctx, 1, sk0, rnd), AUS_E_CRYPTO);
    assert_true(all_zero(sig, SIGB));
    assert_int_equal(aus_mldsa65_verify(sig0, msg, 1, ctx, 1, pk0), AUS_E_CRYPTO);
}

static void test_each_call_fails(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], sig[SIGB];
    reference();
    reset();
    assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_OK);
    long nk = g_calls;
    reset();
    assert_int_equal(aus_mldsa65_sign_derand(sig, msg, 1, ctx, 1, sk0, rnd), AUS_OK);
    long ns = g_calls;
    reset();
    assert_int_equal(aus_mldsa65_verify(sig0, msg, 1, ctx, 1, pk0), AUS_OK);
    long nv = g_calls;
    assert_true(nk == 43 && nv == 34 && ns >= 39); /* 32 + 7 per rejection iteration */
    for (long i = 0; i < nk; i++) {
        reset();
        g_fail_at = i;
        memset(sk, 0xAA, sizeof sk);
        assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_E_CRYPTO);
        assert_true(all_zero(sk, SKB));
    }
    for (long i = 0; i < ns; i++) {
        reset();
        g_fail_at = i;
        memset(sig, 0xAA, sizeof sig);
        assert_int_equal(aus_mldsa65_sign_derand(sig, msg, 1, ctx, 1, sk0, rnd), AUS_E_CRYPTO);
        assert_true(all_zero(sig, SIGB));
    }
    for (long i = 0; i < nv; i++) {
        reset();
        g_fail_at = i;
        assert_int_equal(aus_mldsa65_verify(sig0, msg, 1, ctx, 1, pk0), AUS_E_CRYPTO);
    }
    reset();
    g_rng_fail = 1;
    assert_int_equal(aus_mldsa65_keygen(pk, sk), AUS_E_CRYPTO);
    assert_int_equal(aus_mldsa65_sign(sig, msg, 1, ctx, 1, sk0), AUS_E_CRYPTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_paths),
        cmocka_unit_test(test_loop_bounds),
        cmocka_unit_test(test_each_call_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
