/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM-768 through OpenSSL's EVP_PKEY "ML-KEM-768" (OpenSSL >= 3.5), for the AUS_OPENSSL_PQ
 * build option (docs/pq.md): the same operations as include/australis/pq.h, under the names
 * aus_mlkem768_ossl_*, so that a test can prove the two implementations agree byte for byte.
 *
 * Compiled only when AUS_OPENSSL_PQ is set and the OpenSSL headers are 3.5 or later; otherwise
 * only aus_mlkem768_ossl_available() (returning 0) is built, so the file never breaks a build
 * on Debian 12's OpenSSL 3.0. Not compiled or tested on this machine (OpenSSL 3.0): see
 * docs/pq.md.
 *
 * Deterministic inputs use OpenSSL's documented test hooks: the keygen "seed" parameter
 * (d || z, EVP_PKEY-ML-KEM(7)) and the encapsulation "ikme" parameter (m, EVP_KEM-ML-KEM(7)).
 * OpenSSL checks an imported public key (FIPS 203 §7.2 modulus check) and an imported private
 * key (§7.3 hash check); an import failure is reported as AUS_E_MALFORMED. */
#include <stddef.h>
#include <stdint.h>

#include <openssl/opensslv.h>

#include "australis/err.h"

int aus_mlkem768_ossl_available(void);
aus_err aus_mlkem768_ossl_keygen_derand(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                        const uint8_t z[32]);
aus_err aus_mlkem768_ossl_encaps_derand(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                        const uint8_t m[32]);
aus_err aus_mlkem768_ossl_decaps(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400]);

#if defined(AUS_OPENSSL_PQ) && OPENSSL_VERSION_NUMBER >= 0x30500000L

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "australis/base.h"

#define ALG "ML-KEM-768"

int aus_mlkem768_ossl_available(void) { return 1; }

aus_err aus_mlkem768_ossl_keygen_derand(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                        const uint8_t z[32])
{
    uint8_t seed[64];
    size_t ekl = 1184, dkl = 2400;
    EVP_PKEY *pk = NULL;
    aus_err rc = AUS_E_CRYPTO;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, ALG, NULL);
    memcpy(seed, d, 32);
    memcpy(seed + 32, z, 32);
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ML_KEM_SEED, seed, sizeof seed),
        OSSL_PARAM_END};
    if (x && EVP_PKEY_keygen_init(x) == 1 && EVP_PKEY_CTX_set_params(x, p) == 1 &&
        EVP_PKEY_keygen(x, &pk) == 1 && EVP_PKEY_get_raw_public_key(pk, ek, &ekl) == 1 &&
        EVP_PKEY_get_raw_private_key(pk, dk, &dkl) == 1 && ekl == 1184 && dkl == 2400)
        rc = AUS_OK;
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(x);
    aus_wipe(seed, sizeof seed);
    if (rc != AUS_OK) {
        aus_wipe(ek, 1184);
        aus_wipe(dk, 2400);
    }
    return rc;
}

aus_err aus_mlkem768_ossl_encaps_derand(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                        const uint8_t m[32])
{
    size_t ctl = 1088, ssl = 32;
    EVP_PKEY_CTX *x = NULL;
    aus_err rc = AUS_E_CRYPTO;
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, ALG, NULL, ek, 1184);
    if (!pk) {
        aus_wipe(ss, 32);
        return AUS_E_MALFORMED; /* FIPS 203 §7.2 modulus check (done by OpenSSL on import) */
    }
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_KEM_PARAM_IKME, (void *)(uintptr_t)m, 32),
        OSSL_PARAM_END};
    x = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (x && EVP_PKEY_encapsulate_init(x, p) == 1 &&
        EVP_PKEY_encapsulate(x, ct, &ctl, ss, &ssl) == 1 && ctl == 1088 && ssl == 32)
        rc = AUS_OK;
    EVP_PKEY_CTX_free(x);
    EVP_PKEY_free(pk);
    if (rc != AUS_OK)
        aus_wipe(ss, 32);
    return rc;
}

aus_err aus_mlkem768_ossl_decaps(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400])
{
    size_t ssl = 32;
    EVP_PKEY_CTX *x = NULL;
    aus_err rc = AUS_E_CRYPTO;
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key_ex(NULL, ALG, NULL, dk, 2400);
    if (!pk) {
        aus_wipe(ss, 32);
        return AUS_E_MALFORMED; /* FIPS 203 §7.3 hash check (done by OpenSSL on import) */
    }
    x = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (x && EVP_PKEY_decapsulate_init(x, NULL) == 1 &&
        EVP_PKEY_decapsulate(x, ss, &ssl, ct, 1088) == 1 && ssl == 32)
        rc = AUS_OK;
    EVP_PKEY_CTX_free(x);
    EVP_PKEY_free(pk); /* frees (and cleanses) the imported key */
    if (rc != AUS_OK)
        aus_wipe(ss, 32);
    return rc;
}

#else /* OpenSSL < 3.5 or option off: stubs, so that callers link and can test availability */

int aus_mlkem768_ossl_available(void) { return 0; }

aus_err aus_mlkem768_ossl_keygen_derand(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                        const uint8_t z[32])
{
    (void)ek, (void)dk, (void)d, (void)z;
    return AUS_E_UNSUPPORTED;
}

aus_err aus_mlkem768_ossl_encaps_derand(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                        const uint8_t m[32])
{
    (void)ct, (void)ss, (void)ek, (void)m;
    return AUS_E_UNSUPPORTED;
}

aus_err aus_mlkem768_ossl_decaps(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400])
{
    (void)ss, (void)ct, (void)dk;
    return AUS_E_UNSUPPORTED;
}

#endif
