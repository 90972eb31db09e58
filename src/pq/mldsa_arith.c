/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 arithmetic in Z_q[X]/(X^256 + 1), q = 8380417 (FIPS 204 §7.4, §7.5).
 *
 * Everything here is constant time: no branch and no memory index depends on a coefficient
 * (the signer feeds it secret-derived values). Montgomery reduction with R = 2^32 keeps the
 * products exact without division; the zeta table below holds zeta^BitRev8(k) * R mod q,
 * centered, for zeta = 1753 (the 512th root of unity of §7.5), generated from that formula.
 */
#include "pq/mldsa_internal.h"

#define Q MLDSA_Q
/* q^-1 mod 2^32 */
#define QINV 58728449u
/* 2^64 / 256 mod q: the INTT's final scale 256^-1 times R^2 (see aus_mldsa_intt). */
#define INTT_F 41978

/* zeta^BitRev8(k) * 2^32 mod q, centered, k = 0..255 (index 0 unused by the transforms). */
static const int32_t zetas[MLDSA_N] = {
    -4186625, 25847,    -2608894, -518909,  237124,   -777960,  -876248,  466468,   1826347,
    2353451,  -359251,  -2091905, 3119733,  -2884855, 3111497,  2680103,  2725464,  1024112,
    -1079900, 3585928,  -549488,  -1119584, 2619752,  -2108549, -2118186, -3859737, -1399561,
    -3277672, 1757237,  -19422,   4010497,  280005,   2706023,  95776,    3077325,  3530437,
    -1661693, -3592148, -2537516, 3915439,  -3861115, -3043716, 3574422,  -2867647, 3539968,
    -300467,  2348700,  -539299,  -1699267, -1643818, 3505694,  -3821735, 3507263,  -2140649,
    -1600420, 3699596,  811944,   531354,   954230,   3881043,  3900724,  -2556880, 2071892,
    -2797779, -3930395, -1528703, -3677745, -3041255, -1452451, 3475950,  2176455,  -1585221,
    -1257611, 1939314,  -4083598, -1000202, -3190144, -3157330, -3632928, 126922,   3412210,
    -983419,  2147896,  2715295,  -2967645, -3693493, -411027,  -2477047, -671102,  -1228525,
    -22981,   -1308169, -381987,  1349076,  1852771,  -1430430, -3343383, 264944,   508951,
    3097992,  44288,    -1100098, 904516,   3958618,  -3724342, -8578,    1653064,  -3249728,
    2389356,  -210977,  759969,   -1316856, 189548,   -3553272, 3159746,  -1851402, -2409325,
    -177440,  1315589,  1341330,  1285669,  -1584928, -812732,  -1439742, -3019102, -3881060,
    -3628969, 3839961,  2091667,  3407706,  2316500,  3817976,  -3342478, 2244091,  -2446433,
    -3562462, 266997,   2434439,  -1235728, 3513181,  -3520352, -3759364, -1197226, -3193378,
    900702,   1859098,  909542,   819034,   495491,   -1613174, -43260,   -522500,  -655327,
    -3122442, 2031748,  3207046,  -3556995, -525098,  -768622,  -3595838, 342297,   286988,
    -2437823, 4108315,  3437287,  -3342277, 1735879,  203044,   2842341,  2691481,  -2590150,
    1265009,  4055324,  1247620,  2486353,  1595974,  -3767016, 1250494,  2635921,  -3548272,
    -2994039, 1869119,  1903435,  -1050970, -1333058, 1237275,  -3318210, -1430225, -451100,
    1312455,  3306115,  -1962642, -1279661, 1917081,  -2546312, -1374803, 1500165,  777191,
    2235880,  3406031,  -542412,  -2831860, -1671176, -1846953, -2584293, -3724270, 594136,
    -3776993, -2013608, 2432395,  2454455,  -164721,  1957272,  3369112,  185531,   -1207385,
    -3183426, 162844,   1616392,  3014001,  810149,   1652634,  -3694233, -1799107, -3038916,
    3523897,  3866901,  269760,   2213111,  -975884,  1717735,  472078,   -426683,  1723600,
    -1803090, 1910376,  -1667432, -1104333, -260646,  -3833893, -2939036, -2235985, -420899,
    -2286327, 183443,   -976891,  1612842,  -3545687, -554416,  3919660,  -48306,   -1362209,
    3937738,  1400424,  -846154,  1976782,
};

/* a * 2^-32 mod q, for |a| < q * 2^31; result in (-q, q). */
static int32_t mont_reduce(int64_t a)
{
    int32_t t = (int32_t)((uint32_t)(uint64_t)a * QINV); /* a * q^-1 mod 2^32 */
    return (int32_t)((a - (int64_t)t * Q) >> 32);        /* exact division by 2^32 */
}

/* FIPS 204 Alg. 41. Each layer adds less than q to the bound (|t| < q after reduction). */
void aus_mldsa_ntt(mldsa_poly *p)
{
    unsigned m = 0;
    for (unsigned len = 128; len >= 1; len >>= 1) {
        for (unsigned start = 0; start < MLDSA_N; start += 2 * len) {
            int64_t z = zetas[++m];
            for (unsigned j = start; j < start + len; j++) {
                int32_t t = mont_reduce(z * p->c[j + len]);
                p->c[j + len] = p->c[j] - t;
                p->c[j] = p->c[j] + t;
            }
        }
    }
}

/* FIPS 204 Alg. 42 (Gentleman-Sande). Input |c| < q. The sums grow by a factor 2 per layer for
 * the entries that stay in the lower half, so after 8 layers |c| < 256 q = 2145386752 < 2^31:
 * it fits an int32 without intermediate reduction. The final factor INTT_F = R^2 / 256 turns
 * the pointwise product's R^-1 into the exact result. */
void aus_mldsa_intt(mldsa_poly *p)
{
    unsigned m = MLDSA_N;
    for (unsigned len = 1; len < MLDSA_N; len <<= 1) {
        for (unsigned start = 0; start < MLDSA_N; start += 2 * len) {
            int64_t z = -(int64_t)zetas[--m];
            for (unsigned j = start; j < start + len; j++) {
                int32_t t = p->c[j];
                p->c[j] = t + p->c[j + len];
                p->c[j + len] = mont_reduce(z * (int64_t)(t - p->c[j + len]));
            }
        }
    }
    for (unsigned j = 0; j < MLDSA_N; j++)
        p->c[j] = mont_reduce((int64_t)INTT_F * p->c[j]);
}

/* Accumulating in 64 bits and reducing once keeps the sum exact: each |a b| < 9 q * 9 q and
 * n <= 5, far below the q * 2^31 that mont_reduce accepts. */
void aus_mldsa_pointwise_acc(mldsa_poly *out, const mldsa_poly *a, size_t astride,
                             const mldsa_poly *b, size_t n)
{
    for (unsigned j = 0; j < MLDSA_N; j++) {
        int64_t acc = 0;
        for (size_t i = 0; i < n; i++)
            acc += (int64_t)a[i * astride].c[j] * b[i].c[j];
        out->c[j] = mont_reduce(acc);
    }
}

/* (-q, q) -> [0, q): add q when negative, with the sign as a mask. */
static int32_t canon(int32_t x) { return x + ((x >> 31) & Q); }

void aus_mldsa_poly_canon(mldsa_poly *p)
{
    for (unsigned j = 0; j < MLDSA_N; j++)
        p->c[j] = canon(p->c[j]);
}

void aus_mldsa_poly_center(mldsa_poly *p)
{
    for (unsigned j = 0; j < MLDSA_N; j++) {
        int32_t x = canon(p->c[j]);
        p->c[j] = x - (((((Q - 1) / 2) - x) >> 31) & Q); /* subtract q when x > (q-1)/2 */
    }
}

/* FIPS 204 Alg. 7 lines 23, 28: only whether the bound is hit may leak. */
uint32_t aus_mldsa_poly_exceeds(const mldsa_poly *p, int32_t bound)
{
    uint32_t bad = 0;
    for (unsigned j = 0; j < MLDSA_N; j++) {
        int32_t x = p->c[j];
        int32_t sgn = x >> 31;
        int32_t ax = (x ^ sgn) - sgn;              /* |x| */
        bad |= (uint32_t)((bound - 1) - ax) >> 31; /* 1 when |x| >= bound */
    }
    return bad;
}

/* FIPS 204 Alg. 35: r0 = r mod+- 2^d in (-2^12, 2^12], r1 = (r - r0) / 2^d. */
void aus_mldsa_power2round(mldsa_poly *hi, mldsa_poly *lo, const mldsa_poly *r)
{
    for (unsigned j = 0; j < MLDSA_N; j++) {
        int32_t x = r->c[j];
        int32_t r1 = (x + (1 << (MLDSA_D - 1)) - 1) >> MLDSA_D;
        lo->c[j] = x - (r1 << MLDSA_D);
        hi->c[j] = r1;
    }
}

/* FIPS 204 Alg. 36 with gamma2 = (q-1)/32, for canonical r.
 * r0 = r mod+- 2gamma2 lies in (-gamma2, gamma2] exactly when r1 = floor((r + gamma2 - 1) /
 * 2gamma2). 2gamma2 = 512 * 1023, so r1 = floor(floor(x / 512) / 1023), and for u < 2^15 the
 * division by 1023 equals (u * ceil(2^32 / 1023)) >> 32 (error < u / 2^32 < 1 / 1023; checked
 * exhaustively by test_mldsa_arith). No hardware division: its timing can depend on the
 * operands. The r - r0 = q - 1 case of line 3 is r1 = 16: then r1 = 0, r0 = r0 - 1. */
void aus_mldsa_decompose(int32_t r, int32_t *r1, int32_t *r0)
{
    uint32_t u = (uint32_t)(r + MLDSA_GAMMA2 - 1) >> 9;
    int32_t hi = (int32_t)(((uint64_t)u * 4198405u) >> 32);
    int32_t lo = r - hi * 2 * MLDSA_GAMMA2;
    int32_t wrap = -(int32_t)((uint32_t)((hi ^ 16) - 1) >> 31); /* all ones iff hi == 16 */
    *r1 = hi & ~wrap;
    *r0 = lo + wrap; /* wrap is -1 or 0 */
}

/* FIPS 204 Alg. 40 (m = 16). Verify only: inputs are public. */
void aus_mldsa_use_hint(mldsa_poly *r, const uint8_t h[MLDSA_N])
{
    for (unsigned j = 0; j < MLDSA_N; j++) {
        int32_t r1, r0;
        aus_mldsa_decompose(r->c[j], &r1, &r0);
        if (h[j])
            r1 = (r0 > 0) ? ((r1 + 1) & 15) : ((r1 - 1) & 15);
        r->c[j] = r1;
    }
}
