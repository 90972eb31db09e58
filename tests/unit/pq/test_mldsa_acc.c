/* SPDX-License-Identifier: Apache-2.0 */
/* The C2SP/CCTV ML-DSA-65 "accumulated" stream (see ../shared/vectors/mldsa65/README.md):
 * seeds = SHAKE128("") read 32 bytes at a time; per seed KeyGen_internal, deterministic Sign of
 * the empty message with the empty context, Verify; absorb pk || sig into a second SHAKE128 and
 * squeeze 32 bytes. Published values (CCTV ML-DSA/accumulated/README.md):
 *   100 iterations   -> 8358a1843220194417cadbc2651295cd8fc65125b5a5c1a239a16dc8b57ca199
 *   10 000 iterations -> 5ff5e196f0b830c3b10a9eb5358e7c98a3a20136cb677f3ae3b90175c3ace329
 * Usage: test_mldsa_acc [iterations=100] (10 000 is the `slow` test). */
#include "aus_test.h"

#include "australis/crypto.h"
#include "australis/pq.h"
#include "pq/mldsa_internal.h"

static long g_n = 100;

static void test_accumulated(void **state)
{
    (void)state;
    const char *want =
        g_n == 100     ? "8358a1843220194417cadbc2651295cd8fc65125b5a5c1a239a16dc8b57ca199"
        : g_n == 10000 ? "5ff5e196f0b830c3b10a9eb5358e7c98a3a20136cb677f3ae3b90175c3ace329"
                       : NULL;
    assert_non_null(want);
    size_t n = (size_t)g_n;
    uint8_t *seeds = malloc(32 * n);
    size_t rec = AUS_MLDSA65_PK_BYTES + AUS_MLDSA65_SIG_BYTES;
    uint8_t *acc = malloc(rec * n); /* the provider's hash is one-shot: absorb everything at once */
    assert_non_null(seeds);
    assert_non_null(acc);
    aus_iov empty = {NULL, 0};
    assert_int_equal(aus_mldsa_xof(AUS_HASH_SHAKE128, &empty, 0, seeds, 32 * n), AUS_OK);
    uint8_t sk[AUS_MLDSA65_SK_BYTES], rnd[32] = {0};
    for (size_t i = 0; i < n; i++) {
        uint8_t *pk = acc + i * rec, *sig = pk + AUS_MLDSA65_PK_BYTES;
        assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, seeds + 32 * i), AUS_OK);
        assert_int_equal(aus_mldsa65_sign_derand(sig, NULL, 0, NULL, 0, sk, rnd), AUS_OK);
        assert_int_equal(aus_mldsa65_verify(sig, NULL, 0, NULL, 0, pk), AUS_OK);
    }
    uint8_t out[32];
    aus_iov all = {acc, rec * n};
    assert_int_equal(aus_mldsa_xof(AUS_HASH_SHAKE128, &all, 1, out, 32), AUS_OK);
    size_t wl;
    uint8_t *w = tst_hex(want, &wl);
    tst_assert_bytes(out, 32, w, wl);
    free(w), free(seeds), free(acc);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        g_n = strtol(argv[1], NULL, 10);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_accumulated)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
