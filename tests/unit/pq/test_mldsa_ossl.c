/* SPDX-License-Identifier: Apache-2.0 */
/* AUS_OPENSSL_PQ: OpenSSL's ML-DSA-65 (port/posix/pq_openssl_mldsa.c, OpenSSL >= 3.5) and src/pq
 * must agree byte for byte: keygen from xi, deterministic and hedged signatures (the vectors of
 * ../shared/vectors/mldsa65 and 100 random cases), and every verify verdict.
 * Skipped (with a message) when the build has no OpenSSL ML-DSA (e.g. OpenSSL 3.0); the stubs'
 * contract (AUS_E_UNSUPPORTED) is checked then. */
#include "aus_test.h"

#include "australis/pq.h"

#define PKB AUS_MLDSA65_PK_BYTES
#define SKB AUS_MLDSA65_SK_BYTES
#define SIGB AUS_MLDSA65_SIG_BYTES

/* port/posix/pq_openssl_mldsa.c */
int aus_mldsa65_ossl_available(void);
aus_err aus_mldsa65_ossl_keygen_derand(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32]);
aus_err aus_mldsa65_ossl_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                     const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                     const uint8_t rnd[32]);
aus_err aus_mldsa65_ossl_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952]);

static void one_case(const uint8_t xi[32], const uint8_t rnd[32], const uint8_t *msg, size_t msglen,
                     const uint8_t *ctx, size_t ctxlen, size_t flip)
{
    static uint8_t pk[PKB], sk[SKB], sig[SIGB], pk2[PKB], sk2[SKB], sig2[SIGB];
    assert_int_equal(aus_mldsa65_keygen_derand(pk, sk, xi), AUS_OK);
    assert_int_equal(aus_mldsa65_ossl_keygen_derand(pk2, sk2, xi), AUS_OK);
    tst_assert_bytes(pk2, PKB, pk, PKB);
    tst_assert_bytes(sk2, SKB, sk, SKB);
    assert_int_equal(aus_mldsa65_sign_derand(sig, msg, msglen, ctx, ctxlen, sk, rnd), AUS_OK);
    assert_int_equal(aus_mldsa65_ossl_sign_derand(sig2, msg, msglen, ctx, ctxlen, sk, rnd), AUS_OK);
    tst_assert_bytes(sig2, SIGB, sig, SIGB);
    assert_int_equal(aus_mldsa65_ossl_verify(sig, msg, msglen, ctx, ctxlen, pk), AUS_OK);
    sig[flip % SIGB] ^= 0x04;
    assert_int_equal(aus_mldsa65_verify(sig, msg, msglen, ctx, ctxlen, pk), AUS_E_AUTH);
    assert_int_equal(aus_mldsa65_ossl_verify(sig, msg, msglen, ctx, ctxlen, pk), AUS_E_AUTH);
}

static void test_agree(void **state)
{
    (void)state;
    if (!aus_mldsa65_ossl_available()) {
        uint8_t pk[PKB], sk[SKB], xi[32] = {0};
        assert_int_equal(aus_mldsa65_ossl_keygen_derand(pk, sk, xi), AUS_E_UNSUPPORTED);
        print_message("SKIP: no OpenSSL ML-DSA-65 in this build (needs OpenSSL >= 3.5 and "
                      "-DAUS_OPENSSL_PQ=ON)\n");
        skip();
    }
    cJSON *j = tst_read_json(tst_shared("vectors/mldsa65/mldsa65_kat.json"));
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "sign"))
    {
        size_t skl, ml, cl, rl;
        uint8_t *sk = tst_json_hex(c, "sk", &skl), *msg = tst_json_hex(c, "message", &ml);
        uint8_t *ctx = tst_json_hex(c, "context", &cl), *rnd = tst_json_hex(c, "rnd", &rl);
        static uint8_t sig[SIGB], sig2[SIGB];
        assert_int_equal(aus_mldsa65_sign_derand(sig, msg, ml, ctx, cl, sk, rnd), AUS_OK);
        assert_int_equal(aus_mldsa65_ossl_sign_derand(sig2, msg, ml, ctx, cl, sk, rnd), AUS_OK);
        tst_assert_bytes(sig2, SIGB, sig, SIGB);
        free(sk), free(msg), free(ctx), free(rnd);
        n++;
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "verify"))
    {
        size_t pkl, ml, cl, sgl;
        uint8_t *pk = tst_json_hex(c, "pk", &pkl), *msg = tst_json_hex(c, "message", &ml);
        uint8_t *ctx = tst_json_hex(c, "context", &cl), *sig = tst_json_hex(c, "signature", &sgl);
        if (sgl == SIGB) {
            aus_err want = cJSON_IsTrue(cJSON_GetObjectItem(c, "expected")) ? AUS_OK : AUS_E_AUTH;
            assert_int_equal(aus_mldsa65_ossl_verify(sig, msg, ml, ctx, cl, pk), want);
            n++;
        }
        free(pk), free(msg), free(ctx), free(sig);
    }
    cJSON_Delete(j);
    assert_int_equal(n, 8 + 9);
    uint64_t s = 0x055Lu;
    for (int i = 0; i < 100; i++) {
        uint8_t xi[32], rnd[32], msg[200], ctx[255];
        for (int k = 0; k < 32; k++)
            xi[k] = (uint8_t)tst_rand(&s), rnd[k] = i % 3 ? (uint8_t)tst_rand(&s) : 0;
        size_t ml = (size_t)(tst_rand(&s) % sizeof msg), cl = (size_t)(tst_rand(&s) % 256);
        for (size_t k = 0; k < ml; k++)
            msg[k] = (uint8_t)tst_rand(&s);
        for (size_t k = 0; k < cl; k++)
            ctx[k] = (uint8_t)tst_rand(&s);
        one_case(xi, rnd, msg, ml, ctx, cl, (size_t)tst_rand(&s));
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
