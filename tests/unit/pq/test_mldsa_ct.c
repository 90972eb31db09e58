/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time check of ML-DSA-65 signing, ctgrind style (docs/pq.md).
 *
 * This executable compiles src/pq/mldsa*.c itself with AUS_MLDSA_CTGRIND, which turns
 * MLDSA_DECLASSIFY into VALGRIND_MAKE_MEM_DEFINED. It marks the secret parts of sk (K, s1, s2,
 * t0; rho and tr are public: rho is in pk and tr = H(pk)) and the hedging randomness rnd as
 * undefined, signs, and CTest runs it under `valgrind --error-exitcode=1`: memcheck then
 * reports any branch or memory address that depends on them. The only declassified values
 * are the rejection loop's accept/reject decisions (public per FIPS 204).
 * `test_mldsa_ct control` branches on a secret byte on purpose: that run must fail
 * (WILL_FAIL), which shows the harness detects a leak. Outside valgrind the client requests are
 * no-ops and the test only checks the signatures. */
#include "aus_test.h"

#include <valgrind/memcheck.h>

#include "australis/pq.h"

static int g_control;

static void test_sign_secret_undefined(void **state)
{
    (void)state;
    static uint8_t pk[AUS_MLDSA65_PK_BYTES], sk[AUS_MLDSA65_SK_BYTES], sig[AUS_MLDSA65_SIG_BYTES];
    const uint8_t msg[] = "rotate key 7", ctx[] = "australis";
    for (int k = 0; k < 3; k++) {
        uint8_t xi[32], rnd[32];
        for (int i = 0; i < 32; i++)
            xi[i] = (uint8_t)(i * 13 + k), rnd[i] = (uint8_t)(i ^ (k * 0x3c));
        assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_OK);
        VALGRIND_MAKE_MEM_UNDEFINED(sk + 32, 32);                          /* K */
        VALGRIND_MAKE_MEM_UNDEFINED(sk + 128, AUS_MLDSA65_SK_BYTES - 128); /* s1, s2, t0 */
        VALGRIND_MAKE_MEM_UNDEFINED(rnd, sizeof rnd);
        if (g_control) {
            volatile int leak = 0;
            if (sk[200] & 1) /* deliberate secret-dependent branch */
                leak = 1;
            (void)leak;
        }
        aus_err rc = aus_mldsa65_sign_derand(sig, msg, sizeof msg, ctx, sizeof ctx, sk, rnd);
        VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
        assert_int_equal(rc, AUS_OK);
        /* the released signature is public */
        VALGRIND_MAKE_MEM_DEFINED(sig, sizeof sig);
        VALGRIND_MAKE_MEM_DEFINED(sk, sizeof sk);
        assert_int_equal(aus_mldsa65_verify(sig, msg, sizeof msg, ctx, sizeof ctx, pk), AUS_OK);
    }
}

int main(int argc, char **argv)
{
    g_control = argc > 1 && strcmp(argv[1], "control") == 0;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sign_secret_undefined)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
