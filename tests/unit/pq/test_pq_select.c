/* SPDX-License-Identifier: Apache-2.0 */
/* Which ML-KEM / ML-DSA implementation pq.h's functions run (build option AUS_OPENSSL_PQ,
 * docs/pq.md): src/pq unless the port's aus_pq_platform() offers one; aus_pq_use_portable(1)
 * forces src/pq. With a platform implementation (OpenSSL >= 3.5) both paths must give the same
 * bytes for the same derandomized inputs; without one (OpenSSL 3.0 here) the portable path is
 * the only one and is named as such. */
#include <string.h>

#include "aus_test.h"
#include "australis/pq.h"

static const char *PORTABLE = "src/pq (portable C11)";

typedef struct outs {
    uint8_t ek[AUS_MLKEM768_EK_BYTES], dk[AUS_MLKEM768_DK_BYTES], ct[AUS_MLKEM768_CT_BYTES];
    uint8_t ss[32], ss2[32];
    uint8_t pk[AUS_MLDSA65_PK_BYTES], sk[AUS_MLDSA65_SK_BYTES], sig[AUS_MLDSA65_SIG_BYTES];
} outs;

static void run(outs *o)
{
    uint8_t seed[32], m[32], rnd[32];
    static const uint8_t msg[] = "rekey request 7", ctx[] = "australis";
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i, m[i] = (uint8_t)(0xA0 + i), rnd[i] = (uint8_t)(3 * i);
    assert_int_equal(aus_mlkem768_keygen_derand(o->ek, o->dk, seed, m), AUS_OK);
    assert_int_equal(aus_mlkem768_encaps_derand(o->ct, o->ss, o->ek, m), AUS_OK);
    assert_int_equal(aus_mlkem768_decaps(o->ss2, o->ct, o->dk), AUS_OK);
    tst_assert_bytes(o->ss2, 32, o->ss, 32);
    assert_int_equal(aus_mldsa65_keygen_derand(o->pk, o->sk, seed), AUS_OK);
    assert_int_equal(aus_mldsa65_sign_derand(o->sig, msg, sizeof msg, ctx, sizeof ctx, o->sk, rnd),
                     AUS_OK);
    assert_int_equal(aus_mldsa65_verify(o->sig, msg, sizeof msg, ctx, sizeof ctx, o->pk), AUS_OK);
    o->sig[100] ^= 1;
    assert_int_equal(aus_mldsa65_verify(o->sig, msg, sizeof msg, ctx, sizeof ctx, o->pk),
                     AUS_E_AUTH);
    o->sig[100] ^= 1;
    /* ctx longer than 255 bytes: FIPS 204 Alg. 2/3 line 1, on either path */
    static const uint8_t big[256];
    assert_int_equal(aus_mldsa65_verify(o->sig, msg, sizeof msg, big, sizeof big, o->pk),
                     AUS_E_ARG);
}

static void test_select(void **st)
{
    (void)st;
    static outs a, b;
    const aus_pq_ops *plat = aus_pq_platform();
    aus_pq_use_portable(0);
    if (plat) {
        assert_ptr_equal(aus_pq_active(), plat);
        assert_string_equal(aus_pq_impl(), plat->name);
        assert_true(strstr(plat->name, "OpenSSL") != NULL);
        assert_non_null(plat->mlkem768_keygen_derand);
        assert_non_null(plat->mldsa65_verify);
    } else {
        assert_null(aus_pq_active());
        assert_string_equal(aus_pq_impl(), PORTABLE);
    }
    run(&a);
    aus_pq_use_portable(1);
    assert_null(aus_pq_active());
    assert_string_equal(aus_pq_impl(), PORTABLE);
    run(&b);
    aus_pq_use_portable(0);
    /* the same derandomized inputs give the same bytes on both paths */
    tst_assert_bytes(a.ek, sizeof a.ek, b.ek, sizeof b.ek);
    tst_assert_bytes(a.dk, sizeof a.dk, b.dk, sizeof b.dk);
    tst_assert_bytes(a.ct, sizeof a.ct, b.ct, sizeof b.ct);
    tst_assert_bytes(a.ss, 32, b.ss, 32);
    tst_assert_bytes(a.pk, sizeof a.pk, b.pk, sizeof b.pk);
    tst_assert_bytes(a.sig, sizeof a.sig, b.sig, sizeof b.sig);
    printf("pq implementation of this build: %s\n", plat ? plat->name : PORTABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_select)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
