/* SPDX-License-Identifier: Apache-2.0 */
/* Post-quantum primitives: ML-KEM-768 (FIPS 203) and ML-DSA-65 (FIPS 204).
 *
 * This API is stable: outside conformance checks link against it via pkg-config.
 * The _derand functions follow FIPS 203/204's internal algorithms exactly
 * (ML-KEM.KeyGen_internal / Encaps_internal; ML-DSA.KeyGen_internal and the pure-mode
 * Sign/Verify with M' = 0 || len(ctx) || ctx || M, ctx <= 255 bytes). The randomized wrappers
 * draw from the default crypto provider's RNG (aus_crypto_default()).
 */
#ifndef AUSTRALIS_PQ_H
#define AUSTRALIS_PQ_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_MLKEM768_EK_BYTES 1184
#define AUS_MLKEM768_DK_BYTES 2400
#define AUS_MLKEM768_CT_BYTES 1088
#define AUS_MLKEM768_SS_BYTES 32

/* Errors: AUS_E_CRYPTO (provider failure). */
AUS_MUST_USE aus_err aus_mlkem768_keygen_derand(uint8_t ek[1184], uint8_t dk[2400],
                                                const uint8_t d[32], const uint8_t z[32]);
/* Errors: AUS_E_MALFORMED (ek fails the FIPS 203 §7.2 modulus check), AUS_E_CRYPTO. */
AUS_MUST_USE aus_err aus_mlkem768_encaps_derand(uint8_t ct[1088], uint8_t ss[32],
                                                const uint8_t ek[1184], const uint8_t m[32]);
/* Errors: AUS_E_MALFORMED (dk fails the FIPS 203 §7.3 hash check), AUS_E_CRYPTO.
 * A bad ciphertext is not an error: implicit rejection yields the pseudo-random K. */
AUS_MUST_USE aus_err aus_mlkem768_decaps(uint8_t ss[32], const uint8_t ct[1088],
                                         const uint8_t dk[2400]);
AUS_MUST_USE aus_err aus_mlkem768_keygen(uint8_t ek[1184], uint8_t dk[2400]);
AUS_MUST_USE aus_err aus_mlkem768_encaps(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184]);

#define AUS_MLDSA65_PK_BYTES 1952
#define AUS_MLDSA65_SK_BYTES 4032
#define AUS_MLDSA65_SIG_BYTES 3309

AUS_MUST_USE aus_err aus_mldsa65_keygen_derand(uint8_t pk[1952], uint8_t sk[4032],
                                               const uint8_t xi[32]);
/* Errors: AUS_E_ARG (ctxlen > 255), AUS_E_CRYPTO. */
AUS_MUST_USE aus_err aus_mldsa65_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                             const uint8_t *ctx, size_t ctxlen,
                                             const uint8_t sk[4032], const uint8_t rnd[32]);
/* AUS_OK if valid; AUS_E_AUTH if the signature does not verify; AUS_E_ARG (ctxlen > 255). */
AUS_MUST_USE aus_err aus_mldsa65_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                        const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952]);
AUS_MUST_USE aus_err aus_mldsa65_keygen(uint8_t pk[1952], uint8_t sk[4032]);
/* Hedged signing (rnd drawn from the RNG). */
AUS_MUST_USE aus_err aus_mldsa65_sign(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                      const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032]);

/* ---- which implementation runs (build option AUS_OPENSSL_PQ, docs/pq.md) ----
 *
 * The functions above run the portable C11 implementation in src/pq unless the platform port
 * supplies another one through aus_pq_platform(), in the style of aus_crypto_platform(): the
 * POSIX port returns OpenSSL's ML-KEM-768 / ML-DSA-65 (EVP, OpenSSL >= 3.5) when built with
 * -DAUS_OPENSSL_PQ=ON, and NULL otherwise. The core never includes an OpenSSL header. The
 * randomized wrappers draw their seeds from aus_crypto_default() either way. */
typedef struct aus_pq_ops {
    const char *name; /* e.g. "OpenSSL 3.5.0 (EVP ML-KEM-768 / ML-DSA-65)" */
    aus_err (*mlkem768_keygen_derand)(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                      const uint8_t z[32]);
    aus_err (*mlkem768_encaps_derand)(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                      const uint8_t m[32]);
    aus_err (*mlkem768_decaps)(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400]);
    aus_err (*mldsa65_keygen_derand)(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32]);
    aus_err (*mldsa65_sign_derand)(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                   const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                   const uint8_t rnd[32]);
    aus_err (*mldsa65_verify)(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                              const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952]);
} aus_pq_ops;

/* Supplied by the platform port (like aus_crypto_platform): another implementation of the
 * functions above, every member set, or NULL for src/pq's own. */
const aus_pq_ops *aus_pq_platform(void);
/* 1: run src/pq's implementation even when the port offers another (agreement tests compare
 * the two); 0 (default): the port's choice. Process-wide, not synchronised: set it at start. */
void aus_pq_use_portable(int on);
/* The implementation the functions above run now: "src/pq (portable C11)" or the port's name. */
const char *aus_pq_impl(void);
/* Internal: the port's table unless aus_pq_use_portable(1) or none; NULL = src/pq. */
const aus_pq_ops *aus_pq_active(void);

#ifdef __cplusplus
}
#endif
#endif
