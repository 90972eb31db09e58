/* SPDX-License-Identifier: Apache-2.0 */
/* AUS_OPENSSL_PQ: OpenSSL's ML-KEM-768 (port/posix/pq_openssl_mlkem.c, OpenSSL >= 3.5) and
 * src/pq must agree byte for byte: the 5 KAT cases of ../shared/vectors/mlkem768 and 100
 * random cases (keygen, encaps, decaps, implicit rejection, both input checks).
 * Skipped (with a message) when the build has no OpenSSL ML-KEM (e.g. OpenSSL 3.0). */
#include "aus_test.h"
#include "australis/pq.h"

#define EKB AUS_MLKEM768_EK_BYTES
#define DKB AUS_MLKEM768_DK_BYTES
#define CTB AUS_MLKEM768_CT_BYTES

/* port/posix/pq_openssl_mlkem.c */
int aus_mlkem768_ossl_available(void);
aus_err aus_mlkem768_ossl_keygen_derand(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                        const uint8_t z[32]);
aus_err aus_mlkem768_ossl_encaps_derand(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                        const uint8_t m[32]);
aus_err aus_mlkem768_ossl_decaps(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400]);

static void one_case(const uint8_t d[32], const uint8_t z[32], const uint8_t m[32], size_t flip)
{
    uint8_t ek[EKB], dk[DKB], ct[CTB], ss[32], ek2[EKB], dk2[DKB], ct2[CTB], ss2[32];
    assert_int_equal(aus_mlkem768_keygen_derand(ek, dk, d, z), AUS_OK);
    assert_int_equal(aus_mlkem768_ossl_keygen_derand(ek2, dk2, d, z), AUS_OK);
    tst_assert_bytes(ek2, EKB, ek, EKB);
    tst_assert_bytes(dk2, DKB, dk, DKB);
    assert_int_equal(aus_mlkem768_encaps_derand(ct, ss, ek, m), AUS_OK);
    assert_int_equal(aus_mlkem768_ossl_encaps_derand(ct2, ss2, ek, m), AUS_OK);
    tst_assert_bytes(ct2, CTB, ct, CTB);
    tst_assert_bytes(ss2, 32, ss, 32);
    assert_int_equal(aus_mlkem768_ossl_decaps(ss2, ct, dk), AUS_OK);
    tst_assert_bytes(ss2, 32, ss, 32);
    ct[flip % CTB] ^= 0x10;
    assert_int_equal(aus_mlkem768_decaps(ss, ct, dk), AUS_OK);
    assert_int_equal(aus_mlkem768_ossl_decaps(ss2, ct, dk), AUS_OK);
    tst_assert_bytes(ss2, 32, ss, 32);
    ek[0] = 0xFF, ek[1] |= 0x0F; /* first coefficient 4095 >= q */
    assert_int_equal(aus_mlkem768_ossl_encaps_derand(ct2, ss2, ek, m), AUS_E_MALFORMED);
    dk[DKB - 40] ^= 1; /* inside H(ek) */
    assert_int_equal(aus_mlkem768_ossl_decaps(ss2, ct, dk), AUS_E_MALFORMED);
}

static void test_agree(void **st)
{
    (void)st;
    if (!aus_mlkem768_ossl_available()) {
        print_message("SKIP: this build has no OpenSSL ML-KEM (needs -DAUS_OPENSSL_PQ=ON and "
                      "OpenSSL >= 3.5)\n");
        skip();
    }
    cJSON *j = tst_read_json(tst_shared("vectors/mlkem768/kat_accumulated_first5.json"));
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "cases"))
    {
        size_t l;
        uint8_t *d = tst_json_hex(c, "d", &l), *z = tst_json_hex(c, "z", &l);
        uint8_t *m = tst_json_hex(c, "m", &l);
        one_case(d, z, m, 17);
        free(d), free(z), free(m);
    }
    cJSON_Delete(j);
    uint64_t s = 35;
    for (int i = 0; i < 100; i++) {
        uint8_t d[32], z[32], m[32];
        for (int k = 0; k < 32; k++)
            d[k] = (uint8_t)tst_rand(&s), z[k] = (uint8_t)tst_rand(&s),
            m[k] = (uint8_t)tst_rand(&s);
        one_case(d, z, m, (size_t)tst_rand(&s));
    }
}

int main(void)
{
    /* pq.h's functions must run src/pq here even in an AUS_OPENSSL_PQ build, where they
     * would otherwise run OpenSSL's and the comparison would be with itself */
    aus_pq_use_portable(1);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_agree)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
