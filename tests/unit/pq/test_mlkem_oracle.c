/* SPDX-License-Identifier: Apache-2.0 */
/* Randomized cross-check of ML-KEM-768 against an independent implementation: 200 random
 * (d, z, m) cases run through keygen, encaps, decaps and decaps of a tampered ciphertext, here
 * and in @noble/post-quantum 0.7.1 (../shared/tools/xcheck, via mlkem_xcheck_batch.mjs, one
 * Node process for all cases). Every output must agree byte for byte.
 * Seed: AUS_TEST_SEED (decimal) or a fixed default; printed on failure. Skipped when Node or
 * the oracle's node_modules are missing. Label: oracle. */

#include "aus_test.h"
#include "australis/pq.h"

#define EKB AUS_MLKEM768_EK_BYTES
#define DKB AUS_MLKEM768_DK_BYTES
#define CTB AUS_MLKEM768_CT_BYTES
#define NCASES 200

static void hexout(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

static void test_oracle(void **st)
{
    (void)st;
    char in_path[] = "/tmp/aus_mlkem_xcheck_XXXXXX";
    tst_need_node("@noble/post-quantum");
    uint64_t seed = tst_seed(0x5EED0203ULL);

    static uint8_t d[NCASES][32], z[NCASES][32], m[NCASES][32];
    static size_t off[NCASES];
    static unsigned mask[NCASES];
    FILE *f = tst_tmp_open(in_path);
    for (int i = 0; i < NCASES; i++) {
        for (int j = 0; j < 32; j++) {
            d[i][j] = (uint8_t)tst_rand(&seed);
            z[i][j] = (uint8_t)tst_rand(&seed);
            m[i][j] = (uint8_t)tst_rand(&seed);
        }
        off[i] = (size_t)(tst_rand(&seed) % CTB);
        mask[i] = 1u + (unsigned)(tst_rand(&seed) % 255);
        hexout(f, d[i], 32), fputc(' ', f), hexout(f, z[i], 32), fputc(' ', f);
        hexout(f, m[i], 32), fprintf(f, " %zu %u\n", off[i], mask[i]);
    }
    fclose(f);
    FILE *p = tst_node_run("tests/unit/pq/mlkem_xcheck_batch.mjs", in_path);
    static char line[2 * (EKB + DKB + CTB + 64) + 64];
    int n = 0;
    while (n < NCASES && fgets(line, sizeof line, p)) {
        uint8_t ek[EKB], dk[DKB], ct[CTB], ss[32], ss2[32];
        char *tok[5];
        tst_split(line, tok, 5);
        size_t l;
        uint8_t *want;
        assert_int_equal(aus_mlkem768_keygen_derand(ek, dk, d[n], z[n]), AUS_OK);
        want = tst_hex(tok[0], &l), tst_assert_bytes(ek, EKB, want, l), free(want);
        want = tst_hex(tok[1], &l), tst_assert_bytes(dk, DKB, want, l), free(want);
        assert_int_equal(aus_mlkem768_encaps_derand(ct, ss, ek, m[n]), AUS_OK);
        want = tst_hex(tok[2], &l), tst_assert_bytes(ct, CTB, want, l), free(want);
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        tst_assert_bytes(ss2, 32, ss, 32);
        want = tst_hex(tok[3], &l), tst_assert_bytes(ss, 32, want, l), free(want);
        ct[off[n]] ^= (uint8_t)mask[n];
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        want = tst_hex(tok[4], &l), tst_assert_bytes(ss2, 32, want, l), free(want);
        n++;
    }
    tst_node_end(p, in_path);
    assert_int_equal(n, NCASES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_oracle)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
