/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 (FIPS 204, August 2024) — private definitions shared by src/pq/mldsa*.c.
 *
 * Layout of the implementation:
 *   mldsa_arith.c   Z_q arithmetic, NTT (§7.5), Power2Round / Decompose / hints (§7.4)
 *   mldsa_pack.c    bit packing and the pk / sk / sig / w1 encodings (§7.1, §7.2)
 *   mldsa_sample.c  H / G through the crypto provider, ExpandA / ExpandS / ExpandMask,
 *                   SampleInBall (§7.3)
 *   mldsa.c         KeyGen_internal, Sign_internal, Verify_internal and the public API (§6, §5)
 *
 * Representation: a polynomial is 256 int32 coefficients. Unless a comment says otherwise,
 * "canonical" means in [0, q) and "centered" means in [-(q-1)/2, (q-1)/2]. NTT-domain values
 * are plain residues (not Montgomery form): ExpandA samples them directly (FIPS 204 Alg. 30).
 */
#ifndef AUS_PQ_MLDSA_INTERNAL_H
#define AUS_PQ_MLDSA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "australis/crypto.h"
#include "australis/err.h"

/* FIPS 204 Table 1, ML-DSA-65. */
#define MLDSA_N 256
#define MLDSA_Q 8380417
#define MLDSA_D 13
#define MLDSA_TAU 49
#define MLDSA_LAMBDA 192
#define MLDSA_GAMMA1 (1 << 19)
#define MLDSA_GAMMA2 ((MLDSA_Q - 1) / 32)
#define MLDSA_K 6
#define MLDSA_L 5
#define MLDSA_ETA 4
#define MLDSA_BETA (MLDSA_TAU * MLDSA_ETA) /* 196 */
#define MLDSA_OMEGA 55

#define MLDSA_CTILDE_BYTES (MLDSA_LAMBDA / 4)          /* 48 */
#define MLDSA_T1_POLY_BYTES 320                        /* 10 bits x 256 */
#define MLDSA_ETA_POLY_BYTES 128                       /* 4 bits x 256 */
#define MLDSA_T0_POLY_BYTES 416                        /* 13 bits x 256 */
#define MLDSA_Z_POLY_BYTES 640                         /* 20 bits x 256 */
#define MLDSA_W1_POLY_BYTES 128                        /* 4 bits x 256 */
#define MLDSA_W1_BYTES (MLDSA_K * MLDSA_W1_POLY_BYTES) /* 768 */
#define MLDSA_HINT_BYTES (MLDSA_OMEGA + MLDSA_K)       /* 61 */

/* Offsets inside the encodings (FIPS 204 Alg. 22, 24, 26). */
#define MLDSA_PK_T1_OFF 32
#define MLDSA_SK_K_OFF 32
#define MLDSA_SK_TR_OFF 64
#define MLDSA_SK_S1_OFF 128
#define MLDSA_SK_S2_OFF (MLDSA_SK_S1_OFF + MLDSA_L * MLDSA_ETA_POLY_BYTES) /* 768 */
#define MLDSA_SK_T0_OFF (MLDSA_SK_S2_OFF + MLDSA_K * MLDSA_ETA_POLY_BYTES) /* 1536 */
#define MLDSA_SIG_Z_OFF MLDSA_CTILDE_BYTES
#define MLDSA_SIG_H_OFF (MLDSA_SIG_Z_OFF + MLDSA_L * MLDSA_Z_POLY_BYTES) /* 3248 */

/* Constant-time test hook. The ctgrind test (tests/unit/pq/test_mldsa_ct.c) compiles
 * these sources with AUS_MLDSA_CTGRIND and marks the secret key undefined; the only values it
 * then needs to declassify are the rejection loop's accept/reject decisions, which FIPS 204
 * treats as public (and the astronomically unlikely "SampleInBall needs more bytes" flag).
 * In a normal build the macro compiles to nothing. */
#ifdef AUS_MLDSA_CTGRIND
#include <valgrind/memcheck.h>
#define MLDSA_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define MLDSA_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

typedef struct mldsa_poly {
    int32_t c[MLDSA_N];
} mldsa_poly;

/* ---- mldsa_arith.c ---- */
/* Forward NTT in place (FIPS 204 Alg. 41). Input |c| < 2^23; output |c| < input + 8q. */
void aus_mldsa_ntt(mldsa_poly *p);
/* Inverse NTT in place (Alg. 42) of a value produced by aus_mldsa_pointwise_acc (which leaves
 * a factor 2^-32 that this function removes). Output in (-q, q). */
void aus_mldsa_intt(mldsa_poly *p);
/* out = sum_i a[i] o b[i] over n terms (NTT domain), with the Montgomery factor 2^-32 that
 * aus_mldsa_intt cancels. Also handles n == 1 (a plain product). */
void aus_mldsa_pointwise_acc(mldsa_poly *out, const mldsa_poly *a, size_t astride,
                             const mldsa_poly *b, size_t n);
/* (-q, q) -> [0, q), and (-q, q) -> centered. Constant time. */
void aus_mldsa_poly_canon(mldsa_poly *p);
void aus_mldsa_poly_center(mldsa_poly *p);
/* 1 if some |c| >= bound (centered input), else 0; constant time: only the verdict may become
 * public, never a coefficient or its sign (Dilithium round-3 specification §5.5). */
uint32_t aus_mldsa_poly_exceeds(const mldsa_poly *p, int32_t bound);
/* Power2Round (Alg. 35) on canonical r: r1 into hi, r0 into lo. */
void aus_mldsa_power2round(mldsa_poly *hi, mldsa_poly *lo, const mldsa_poly *r);
/* Decompose (Alg. 36) of one canonical coefficient; constant time. */
void aus_mldsa_decompose(int32_t r, int32_t *r1, int32_t *r0);
/* UseHint (Alg. 40) in place: canonical r -> w1' given hint bits h (0/1). Verify only. */
void aus_mldsa_use_hint(mldsa_poly *r, const uint8_t h[MLDSA_N]);

/* ---- mldsa_pack.c ---- */
/* Pack 256 values v (each in [0, 2^bits)) little-endian (FIPS 204 Alg. 16 SimpleBitPack). For
 * BitPack(w, a, b) (Alg. 17) the caller passes the mapped values b - w (see pack_signed). */
void aus_mldsa_pack_bits(uint8_t *out, const mldsa_poly *p, unsigned bits);
/* Pack b - c[i] (Alg. 17 BitPack with upper bound b). */
void aus_mldsa_pack_signed(uint8_t *out, const mldsa_poly *p, unsigned bits, int32_t b);
/* Unpack 256 values of `bits` bits; with `b` != 0, stores b - value (Alg. 18/19). */
void aus_mldsa_unpack_bits(mldsa_poly *p, const uint8_t *in, unsigned bits, int32_t b);
/* HintBitPack (Alg. 20), constant time in h; count <= omega must already hold. */
void aus_mldsa_hint_pack(uint8_t out[MLDSA_HINT_BYTES], const uint8_t h[MLDSA_K][MLDSA_N]);
/* HintBitUnpack (Alg. 21): AUS_E_AUTH on a malformed hint (public data, may branch). */
AUS_MUST_USE aus_err aus_mldsa_hint_unpack(uint8_t h[MLDSA_K][MLDSA_N],
                                           const uint8_t in[MLDSA_HINT_BYTES]);

/* ---- mldsa_sample.c ---- */
/* H = SHAKE256 or G = SHAKE128 over the iovs through the default provider, one shot. */
AUS_MUST_USE aus_err aus_mldsa_xof(aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                                   size_t outlen);
/* RejNTTPoly (Alg. 30) for A[r][s] of ExpandA (Alg. 32). */
AUS_MUST_USE aus_err aus_mldsa_expand_a(mldsa_poly *a, const uint8_t rho[32], unsigned r,
                                        unsigned s);
/* RejBoundedPoly (Alg. 31) with nonce (ExpandS, Alg. 33: s1 nonces 0..l-1, s2 l..l+k-1). */
AUS_MUST_USE aus_err aus_mldsa_expand_s(mldsa_poly *s, const uint8_t rhop[64], unsigned nonce);
/* ExpandMask (Alg. 34) row r: y = BitUnpack(H(rho'' || IntegerToBytes(kappa + r, 2), 640)). */
AUS_MUST_USE aus_err aus_mldsa_expand_mask(mldsa_poly *y, const uint8_t rhopp[64],
                                           unsigned kappa_r);
/* SampleInBall (Alg. 29) over the whole c~ (48 bytes); constant time in c~. */
AUS_MUST_USE aus_err aus_mldsa_sample_in_ball(mldsa_poly *c,
                                              const uint8_t ctilde[MLDSA_CTILDE_BYTES]);

/* ---- mldsa.c ---- */
/* aus_mldsa65_verify with an explicit signature length (FIPS 204 Alg. 3 rejects any length but
 * 3309 with AUS_E_AUTH); the fixed-size public API calls it with 3309. Errors as verify. */
AUS_MUST_USE aus_err aus_mldsa65_verify_n(const uint8_t *sig, size_t siglen, const uint8_t *msg,
                                          size_t msglen, const uint8_t *ctx, size_t ctxlen,
                                          const uint8_t pk[1952]);

#endif
