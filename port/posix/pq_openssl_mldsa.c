/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 through OpenSSL's EVP_PKEY "ML-DSA-65" (OpenSSL >= 3.5), for the AUS_OPENSSL_PQ build
 * option (docs/pq.md): the same operations as include/australis/pq.h, under the names
 * aus_mldsa65_ossl_*, so that test_mldsa_ossl can prove the two implementations agree byte for
 * byte.
 *
 * Compiled only when AUS_OPENSSL_PQ is set and the OpenSSL headers are 3.5 or later; otherwise
 * only stubs are built (aus_mldsa65_ossl_available() returns 0, the others AUS_E_UNSUPPORTED), so
 * the file never breaks a build on Debian 12's OpenSSL 3.0. Not run on this machine (OpenSSL
 * 3.0); only syntax-checked against 3.0 headers plus declarations of the 3.5 names.
 *
 * Deterministic inputs use OpenSSL's documented parameters: the keygen "seed" (xi,
 * EVP_PKEY-ML-DSA(7)), and for signing "test-entropy" (rnd) or "deterministic" = 1 (rnd = 0^32)
 * plus "context-string" (EVP_SIGNATURE-ML-DSA(7)); OpenSSL applies the pure-mode encoding
 * M' = 0 || |ctx| || ctx || M itself. The expanded 4032-byte sk and the 1952-byte pk are the
 * raw private / public keys ("priv" / "pub"). */
#include <stddef.h>
#include <stdint.h>

#include <openssl/opensslv.h>

#include "australis/err.h"

int aus_mldsa65_ossl_available(void);
aus_err aus_mldsa65_ossl_keygen_derand(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32]);
aus_err aus_mldsa65_ossl_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                     const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                     const uint8_t rnd[32]);
aus_err aus_mldsa65_ossl_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952]);

#if defined(AUS_OPENSSL_PQ) && OPENSSL_VERSION_NUMBER >= 0x30500000L

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "australis/base.h"

#define ALG "ML-DSA-65"

int aus_mldsa65_ossl_available(void) { return 1; }

aus_err aus_mldsa65_ossl_keygen_derand(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32])
{
    uint8_t seed[32];
    size_t pkl = 0, skl = 0;
    EVP_PKEY *key = NULL;
    aus_err rc = AUS_E_CRYPTO;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, ALG, NULL);
    for (int i = 0; i < 32; i++)
        seed[i] = xi[i];
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ML_DSA_SEED, seed, sizeof seed),
        OSSL_PARAM_END};
    if (x && EVP_PKEY_keygen_init(x) == 1 && EVP_PKEY_CTX_set_params(x, p) == 1 &&
        EVP_PKEY_generate(x, &key) == 1 &&
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pk, 1952, &pkl) == 1 &&
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PRIV_KEY, sk, 4032, &skl) == 1 &&
        pkl == 1952 && skl == 4032)
        rc = AUS_OK;
    if (rc != AUS_OK)
        aus_wipe(sk, 4032);
    aus_wipe(seed, sizeof seed);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(x);
    return rc;
}

aus_err aus_mldsa65_ossl_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                     const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                     const uint8_t rnd[32])
{
    if (ctxlen > 255)
        return AUS_E_ARG;
    uint8_t r[32], c[255];
    for (size_t i = 0; i < 32; i++)
        r[i] = rnd[i];
    for (size_t i = 0; i < ctxlen; i++)
        c[i] = ctx[i];
    aus_err rc = AUS_E_CRYPTO;
    size_t sl = 3309;
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key_ex(NULL, ALG, NULL, sk, 4032);
    EVP_PKEY_CTX *x = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    EVP_SIGNATURE *alg = EVP_SIGNATURE_fetch(NULL, ALG, NULL);
    OSSL_PARAM p[3] = {
        OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING, c, ctxlen),
        OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_TEST_ENTROPY, r, sizeof r),
        OSSL_PARAM_END};
    if (x && alg && EVP_PKEY_sign_message_init(x, alg, p) == 1 &&
        EVP_PKEY_sign(x, sig, &sl, msg, msglen) == 1 && sl == 3309)
        rc = AUS_OK;
    if (rc != AUS_OK)
        aus_wipe(sig, 3309);
    aus_wipe(r, sizeof r);
    EVP_SIGNATURE_free(alg);
    EVP_PKEY_CTX_free(x);
    EVP_PKEY_free(key);
    return rc;
}

aus_err aus_mldsa65_ossl_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952])
{
    if (ctxlen > 255)
        return AUS_E_ARG;
    uint8_t c[255];
    for (size_t i = 0; i < ctxlen; i++)
        c[i] = ctx[i];
    aus_err rc = AUS_E_CRYPTO;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key_ex(NULL, ALG, NULL, pk, 1952);
    EVP_PKEY_CTX *x = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    EVP_SIGNATURE *alg = EVP_SIGNATURE_fetch(NULL, ALG, NULL);
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING, c, ctxlen),
        OSSL_PARAM_END};
    if (x && alg && EVP_PKEY_verify_message_init(x, alg, p) == 1)
        rc = EVP_PKEY_verify(x, sig, 3309, msg, msglen) == 1 ? AUS_OK : AUS_E_AUTH;
    EVP_SIGNATURE_free(alg);
    EVP_PKEY_CTX_free(x);
    EVP_PKEY_free(key);
    return rc;
}

#else /* OpenSSL < 3.5 or option off: stubs, so that callers link and can test availability */

int aus_mldsa65_ossl_available(void) { return 0; }

aus_err aus_mldsa65_ossl_keygen_derand(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32])
{
    (void)pk, (void)sk, (void)xi;
    return AUS_E_UNSUPPORTED;
}

aus_err aus_mldsa65_ossl_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                     const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                     const uint8_t rnd[32])
{
    (void)sig, (void)msg, (void)msglen, (void)ctx, (void)ctxlen, (void)sk, (void)rnd;
    return AUS_E_UNSUPPORTED;
}

aus_err aus_mldsa65_ossl_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952])
{
    (void)sig, (void)msg, (void)msglen, (void)ctx, (void)ctxlen, (void)pk;
    return AUS_E_UNSUPPORTED;
}

#endif
