/* SPDX-License-Identifier: Apache-2.0 */
/* aus_pq_platform() for the POSIX port (include/australis/pq.h): with the build option
 * AUS_OPENSSL_PQ (CMake refuses it with OpenSSL < 3.5) the public ML-KEM-768 / ML-DSA-65
 * functions run OpenSSL's implementations (pq_openssl_mlkem.c, pq_openssl_mldsa.c); without it
 * this returns NULL and src/pq's portable C11 code runs. docs/pq.md: which build uses which. */
#include <openssl/opensslv.h>

#include "australis/pq.h"

#if defined(AUS_OPENSSL_PQ) && OPENSSL_VERSION_NUMBER < 0x30500000L
#error "AUS_OPENSSL_PQ needs OpenSSL >= 3.5 (ML-KEM/ML-DSA in EVP): use -DAUS_OPENSSL_PQ=OFF"
#endif

#if defined(AUS_OPENSSL_PQ)

aus_err aus_mlkem768_ossl_keygen_derand(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                        const uint8_t z[32]);
aus_err aus_mlkem768_ossl_encaps_derand(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                        const uint8_t m[32]);
aus_err aus_mlkem768_ossl_decaps(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400]);
aus_err aus_mldsa65_ossl_keygen_derand(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32]);
aus_err aus_mldsa65_ossl_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                     const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                     const uint8_t rnd[32]);
aus_err aus_mldsa65_ossl_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952]);

static const aus_pq_ops ossl_pq = {
    "OpenSSL " OPENSSL_FULL_VERSION_STR " (EVP ML-KEM-768 / ML-DSA-65)",
    aus_mlkem768_ossl_keygen_derand,
    aus_mlkem768_ossl_encaps_derand,
    aus_mlkem768_ossl_decaps,
    aus_mldsa65_ossl_keygen_derand,
    aus_mldsa65_ossl_sign_derand,
    aus_mldsa65_ossl_verify,
};

const aus_pq_ops *aus_pq_platform(void) { return &ossl_pq; }

#else

const aus_pq_ops *aus_pq_platform(void) { return NULL; }

#endif
