/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time check of ML-KEM-768 (ctgrind style), run under valgrind memcheck:
 *   valgrind --error-exitcode=1 test_mlkem_ct
 * The secret inputs (keygen d, z; encaps m; decaps dk_PKE and z) are marked undefined with
 * VALGRIND_MAKE_MEM_UNDEFINED; memcheck then reports any conditional branch or memory index
 * that depends on them. src/pq/mlkem*.c are compiled into this program with -DAUS_CTGRIND so
 * that rho (derived from d but public, published in ek) is declassified where the code says
 * so. Outputs are marked defined before they are compared.
 *
 * `test_mlkem_ct --leak` deliberately branches on a secret: run under valgrind it must fail
 * (CTest checks that memcheck reports it), which shows that the harness really detects
 * secret-dependent branches. Without valgrind the client requests are no-ops and the functional
 * asserts still run. */
#include <valgrind/memcheck.h>

#include "aus_test.h"
#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/pq.h"

#define EKB AUS_MLKEM768_EK_BYTES
#define DKB AUS_MLKEM768_DK_BYTES
#define CTB AUS_MLKEM768_CT_BYTES

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static void test_ct(void **st)
{
    (void)st;
    uint64_t seed = 0x6d6c6b656dULL;
    for (int rep = 0; rep < 4; rep++) {
        uint8_t d[32], z[32], m[32], ek[EKB], dk[DKB], ct[CTB], ss[32], ss2[32], want[32];
        for (int i = 0; i < 32; i++) {
            d[i] = (uint8_t)tst_rand(&seed);
            z[i] = (uint8_t)tst_rand(&seed);
            m[i] = (uint8_t)tst_rand(&seed);
        }
        /* KeyGen: d and z secret */
        SECRET(d, 32);
        SECRET(z, 32);
        assert_int_equal(aus_mlkem768_keygen_derand(ek, dk, d, z), AUS_OK);
        PUBLIC(ek, EKB);
        PUBLIC(dk, DKB);

        /* Encaps: m secret (ek public) */
        SECRET(m, 32);
        assert_int_equal(aus_mlkem768_encaps_derand(ct, ss, ek, m), AUS_OK);
        PUBLIC(ct, CTB);
        PUBLIC(ss, 32);

        /* Decaps: dk_PKE (s-hat) and z secret; ek, H(ek) in dk and ct public */
        SECRET(dk, 1152);
        SECRET(dk + DKB - 32, 32);
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        PUBLIC(ss2, 32);
        tst_assert_bytes(ss2, 32, ss, 32);

        /* Implicit rejection path: a tampered ciphertext, same secrets */
        ct[(size_t)rep * 271 % CTB] ^= 0x04;
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        PUBLIC(ss2, 32);
        PUBLIC(dk, DKB);
        const aus_crypto *c = aus_crypto_default();
        aus_iov in[2] = {{dk + DKB - 32, 32}, {ct, CTB}};
        assert_int_equal(c->ops->hash(c->self, AUS_HASH_SHAKE256, in, 2, want, 32), AUS_OK);
        tst_assert_bytes(ss2, 32, want, 32);
    }
}

static volatile int g_sink;

/* Harness self-test: a branch on a secret byte, which memcheck must report. */
static void test_leak_detected(void **st)
{
    (void)st;
    uint8_t secret[1] = {1};
    SECRET(secret, 1);
    if (secret[0] & 1)
        g_sink = 1;
    else
        g_sink = 2;
    assert_true(g_sink != 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--leak")) {
        const struct CMUnitTest leak[] = {cmocka_unit_test(test_leak_detected)};
        return cmocka_run_group_tests(leak, NULL, NULL);
    }
    if (!RUNNING_ON_VALGRIND)
        print_message("note: not running under valgrind; functional checks only\n");
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ct)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
