/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM (FIPS 203) polynomial arithmetic over R_q = Z_q[X]/(X^256 + 1), q = 3329.
 * Private to src/pq (and the unit tests).
 *
 * Representation: int16_t coefficients, not always fully reduced. The functions below state
 * their input and output bounds. Multiplication uses Montgomery reduction with R = 2^16;
 * the NTT zetas are stored premultiplied by R so that a Montgomery product by a zeta is an
 * ordinary product by the zeta. None of these functions branches on or indexes by
 * coefficient values (constant time), except aus_mlkem_rej_uniform, which only sees public
 * XOF output (the matrix A is derived from the public seed rho).
 */
#ifndef AUS_PQ_MLKEM_POLY_H
#define AUS_PQ_MLKEM_POLY_H

#include <stddef.h>
#include <stdint.h>

#define AUS_MLKEM_N 256
#define AUS_MLKEM_Q 3329
#define AUS_MLKEM_K 3               /* ML-KEM-768 (FIPS 203 §8, Table 2) */
#define AUS_MLKEM_POLY_BYTES 384    /* ByteEncode_12 of one polynomial */
#define AUS_MLKEM_POLYC10_BYTES 320 /* ByteEncode_10 (d_u = 10) */
#define AUS_MLKEM_POLYC4_BYTES 128  /* ByteEncode_4 (d_v = 4) */

/* ctgrind-style constant-time checking: a test build (-DAUS_CTGRIND) marks the secret inputs
 * undefined under valgrind memcheck; values that are public by design (rho, derived from the
 * secret seed d but published in ek) are declassified here. No effect in normal builds. */
#ifdef AUS_CTGRIND
#include <valgrind/memcheck.h>
#define AUS_MLKEM_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define AUS_MLKEM_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

typedef struct aus_mlkem_poly {
    int16_t c[AUS_MLKEM_N];
} aus_mlkem_poly;

/* zeta^BitRev7(i) * 2^16 mod q (centred), zeta = 17 (FIPS 203 Appendix A, Montgomery form). */
extern const int16_t aus_mlkem_zetas[128];

/* Montgomery reduction: for |a| < q * 2^15 returns r = a * 2^-16 mod q with |r| < q. */
static inline int16_t aus_mlkem_mont_reduce(int32_t a)
{
    /* -3327 = q^-1 mod 2^16, so t * q agrees with a in the low 16 bits. */
    int16_t t = (int16_t)(uint16_t)((uint32_t)a * (uint32_t)(uint16_t)(int16_t)-3327);
    /* Exact division by 2^16 (the low half is zero); arithmetic shift assumed (gcc, clang). */
    return (int16_t)((a - (int32_t)t * AUS_MLKEM_Q) >> 16);
}

/* Barrett reduction of any int16: the representative of a mod q in [-(q-1)/2, (q-1)/2]. */
static inline int16_t aus_mlkem_barrett(int16_t a)
{
    /* 20159 = round(2^26 / q); t = round(a / q). */
    int32_t t = ((int32_t)20159 * a + (1 << 25)) >> 26;
    return (int16_t)(a - t * AUS_MLKEM_Q);
}

/* Montgomery product a * b * 2^-16 mod q, |result| < q, for |a * b| < q * 2^15. */
static inline int16_t aus_mlkem_fqmul(int16_t a, int16_t b)
{
    return aus_mlkem_mont_reduce((int32_t)a * b);
}

/* Map a value in (-q, q) to [0, q) without a branch. */
static inline int16_t aus_mlkem_canon(int16_t a)
{
    return (int16_t)(a + ((a >> 15) & AUS_MLKEM_Q));
}

/* FIPS 203 Algorithm 9 (NTT): input |c| < q, output |c| <= (q-1)/2 (Barrett-reduced). */
void aus_mlkem_ntt(aus_mlkem_poly *p);
/* FIPS 203 Algorithm 10 (NTT^-1), also multiplying by 2^16: input |c| < q (typically the
 * output of basemul, which carries a factor 2^-16), output |c| < q in the normal domain. */
void aus_mlkem_invntt(aus_mlkem_poly *p);
/* r += a o b (FIPS 203 Algorithms 11/12, MultiplyNTTs) as unreduced int32 sums, times 2^-16
 * (gamma's Montgomery factor). Inputs |c| < q. Up to 4 calls may be accumulated before
 * aus_mlkem_acc_reduce, which writes the sums Montgomery-reduced (times 2^-16, |c| < q) to p
 * and zeroes r for the next use. */
void aus_mlkem_basemul_acc(int32_t r[AUS_MLKEM_N], const aus_mlkem_poly *a,
                           const aus_mlkem_poly *b);
void aus_mlkem_acc_reduce(aus_mlkem_poly *p, int32_t r[AUS_MLKEM_N]);
void aus_mlkem_poly_reduce(aus_mlkem_poly *p);                       /* Barrett every coeff */
void aus_mlkem_poly_tomont(aus_mlkem_poly *p);                       /* times 2^16 mod q */
void aus_mlkem_poly_add(aus_mlkem_poly *r, const aus_mlkem_poly *a); /* r += a */
void aus_mlkem_poly_sub(aus_mlkem_poly *r, const aus_mlkem_poly *a); /* r = a - r */
void aus_mlkem_poly_zero(aus_mlkem_poly *p);

/* FIPS 203 Algorithm 8, SamplePolyCBD_2 from 128 bytes of PRF output: coefficients in [-2, 2]. */
void aus_mlkem_cbd2(aus_mlkem_poly *p, const uint8_t buf[128]);
/* The loop body of FIPS 203 Algorithm 7 (SampleNTT): parses 3-byte groups of buf (len a
 * multiple of 3) into 12-bit candidates, keeps those < q, writes out[*n..need). Public data. */
void aus_mlkem_rej_uniform(int16_t *out, size_t need, size_t *n, const uint8_t *buf, size_t len);

/* ByteEncode_12 (Algorithm 5); input |c| < q, encoded as the representative in [0, q). */
void aus_mlkem_encode12(uint8_t out[AUS_MLKEM_POLY_BYTES], const aus_mlkem_poly *p);
/* ByteDecode_12 (Algorithm 6, m = q): 12-bit values reduced mod q to [0, q). */
void aus_mlkem_decode12(aus_mlkem_poly *p, const uint8_t in[AUS_MLKEM_POLY_BYTES]);
/* 1 if every 12-bit value in `in` is < q (the FIPS 203 §7.2 modulus check), else 0. */
int aus_mlkem_check12(const uint8_t in[AUS_MLKEM_POLY_BYTES]);
/* ByteEncode_10(Compress_10(p)) and Decompress_10(ByteDecode_10(in)); input |c| < q. */
void aus_mlkem_compress10(uint8_t out[AUS_MLKEM_POLYC10_BYTES], const aus_mlkem_poly *p);
void aus_mlkem_decompress10(aus_mlkem_poly *p, const uint8_t in[AUS_MLKEM_POLYC10_BYTES]);
/* ByteEncode_4(Compress_4(p)) and Decompress_4(ByteDecode_4(in)); input |c| < q. */
void aus_mlkem_compress4(uint8_t out[AUS_MLKEM_POLYC4_BYTES], const aus_mlkem_poly *p);
void aus_mlkem_decompress4(aus_mlkem_poly *p, const uint8_t in[AUS_MLKEM_POLYC4_BYTES]);
/* Decompress_1(ByteDecode_1(m)) and ByteEncode_1(Compress_1(p)); input |c| < q. */
void aus_mlkem_frommsg(aus_mlkem_poly *p, const uint8_t m[32]);
void aus_mlkem_tomsg(uint8_t m[32], const aus_mlkem_poly *p);

/* Compress_d(x) for x in [0, q): round(2^d * x / q) mod 2^d via a multiply-shift (no division,
 * whose latency may depend on its operands). Exact for d <= 11 (checked exhaustively in tests). */
static inline uint32_t aus_mlkem_compress(int16_t x, unsigned d)
{
    uint64_t n = ((uint64_t)(uint16_t)x << d) + (AUS_MLKEM_Q / 2);
    /* 1290168 = ceil(2^32 / q): floor(n * M / 2^32) = floor(n / q) for n < 2^23. */
    return (uint32_t)((n * 1290168u) >> 32) & ((1u << d) - 1u);
}

/* Decompress_d(y) = round(q * y / 2^d). */
static inline int16_t aus_mlkem_decompress(uint32_t y, unsigned d)
{
    return (int16_t)((y * AUS_MLKEM_Q + (1u << (d - 1))) >> d);
}

#endif
