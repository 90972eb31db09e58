/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 (FIPS 204, August 2024): KeyGen_internal (Alg. 6), the pure-mode Sign (Alg. 2) over
 * Sign_internal (Alg. 7), Verify (Alg. 3) over Verify_internal (Alg. 8), and the randomized
 * wrappers of include/australis/pq.h.
 *
 * Memory: no allocation; each operation keeps its working set in one stack struct that is
 * wiped on every exit. -fstack-usage (gcc 12, -O2, x86-64), frame of the entry point + the
 * deepest helper chain below it (expand_a 2128 B + aus_mldsa_xof 48 B), not counting the
 * crypto provider's own stack:
 *   aus_mldsa65_sign_derand    70352 B  -> worst case ~72.5 KB
 *   aus_mldsa65_verify_n       16032 B  -> ~18.2 KB
 *   aus_mldsa65_keygen_derand  14656 B  -> ~16.8 KB
 * Signing keeps the expanded matrix A (30 polynomials, 30 KB) across rejection iterations,
 * because re-deriving it costs ~30 SHAKE128 calls per iteration (~5 iterations on average);
 * verify and keygen stream A row by row (each entry is used once there).
 *
 * Constant time: signing has no branch or memory index that depends on sk, rnd or values
 * derived from them, except the rejection loop's accept/reject decisions: the number of
 * iterations is observable by design in Fiat-Shamir with aborts, and the security analysis
 * allows revealing that (and which) bound failed, not the coefficient values (Dilithium round-3
 * specification §5.5). Each decision is passed through MLDSA_DECLASSIFY, and test_mldsa_ct runs
 * sign under valgrind with the secrets undefined. Intermediate values are wiped on every exit
 * (FIPS 204 §3.6.3).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/pq.h"
#include "pq/mldsa_internal.h"

#define SK_BYTES AUS_MLDSA65_SK_BYTES
#define PK_BYTES AUS_MLDSA65_PK_BYTES
#define SIG_BYTES AUS_MLDSA65_SIG_BYTES

/* x in (-q, 2q) -> [0, q), constant time. */
static int32_t modq(int32_t x)
{
    x += (x >> 31) & MLDSA_Q;
    return x - (((MLDSA_Q - 1 - x) >> 31) & MLDSA_Q);
}

/* ---------------------------------------------------------------- KeyGen (Alg. 6) -------- */

typedef struct keygen_ws {
    uint8_t seeds[128]; /* rho || rho' || K */
    mldsa_poly s1h[MLDSA_L];
    mldsa_poly arow[MLDSA_L];
    mldsa_poly s2, t, t1, t0;
} keygen_ws;

/* One row i of t = NTT^-1(A o NTT(s1)) + s2 -> Power2Round -> pk (t1) and sk (s2, t0). */
static aus_err keygen_row(keygen_ws *ws, unsigned i, uint8_t *pk, uint8_t *sk)
{
    const uint8_t *rho = ws->seeds, *rhop = ws->seeds + 32;
    for (unsigned s = 0; s < MLDSA_L; s++)
        AUS_TRY(aus_mldsa_expand_a(&ws->arow[s], rho, i, s));
    aus_mldsa_pointwise_acc(&ws->t, ws->arow, 1, ws->s1h, MLDSA_L);
    aus_mldsa_intt(&ws->t);
    AUS_TRY(aus_mldsa_expand_s(&ws->s2, rhop, MLDSA_L + i)); /* Alg. 33: s2 nonces l.. */
    aus_mldsa_pack_signed(sk + MLDSA_SK_S2_OFF + i * MLDSA_ETA_POLY_BYTES, &ws->s2, 4, MLDSA_ETA);
    aus_mldsa_poly_canon(&ws->t);
    for (unsigned j = 0; j < MLDSA_N; j++)
        ws->t.c[j] = modq(ws->t.c[j] + ws->s2.c[j]);
    aus_mldsa_power2round(&ws->t1, &ws->t0, &ws->t);
    aus_mldsa_pack_bits(pk + MLDSA_PK_T1_OFF + i * MLDSA_T1_POLY_BYTES, &ws->t1, 10);
    aus_mldsa_pack_signed(sk + MLDSA_SK_T0_OFF + i * MLDSA_T0_POLY_BYTES, &ws->t0, 13,
                          1 << (MLDSA_D - 1));
    return AUS_OK;
}

static aus_err keygen(keygen_ws *ws, uint8_t *pk, uint8_t *sk, const uint8_t xi[32])
{
    /* Alg. 6 line 1: (rho, rho', K) = H(xi || IntegerToBytes(k, 1) || IntegerToBytes(l, 1), 128) */
    const uint8_t kl[2] = {MLDSA_K, MLDSA_L};
    aus_iov in[2] = {{xi, 32}, {kl, 2}};
    AUS_TRY(aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, ws->seeds, sizeof ws->seeds));
    const uint8_t *rho = ws->seeds, *rhop = ws->seeds + 32, *key = ws->seeds + 96;
    for (unsigned r = 0; r < MLDSA_L; r++) {
        AUS_TRY(aus_mldsa_expand_s(&ws->s1h[r], rhop, r));
        aus_mldsa_pack_signed(sk + MLDSA_SK_S1_OFF + r * MLDSA_ETA_POLY_BYTES, &ws->s1h[r], 4,
                              MLDSA_ETA);
        aus_mldsa_ntt(&ws->s1h[r]);
    }
    for (unsigned i = 0; i < MLDSA_K; i++)
        AUS_TRY(keygen_row(ws, i, pk, sk));
    /* Alg. 22 pkEncode, Alg. 24 skEncode: rho || K || tr || s1 || s2 || t0 */
    memcpy(pk, rho, 32);
    memcpy(sk, rho, 32);
    memcpy(sk + MLDSA_SK_K_OFF, key, 32);
    aus_iov pin = {pk, PK_BYTES};
    return aus_mldsa_xof(AUS_HASH_SHAKE256, &pin, 1, sk + MLDSA_SK_TR_OFF, 64); /* tr */
}

aus_err aus_mldsa65_keygen_derand(uint8_t pk[1952], uint8_t sk[4032], const uint8_t xi[32])
{
    if (!pk || !sk || !xi)
        return AUS_E_ARG;
#if !defined(AUS_CTGRIND) && !defined(AUS_MLDSA_CTGRIND)
    const aus_pq_ops *o = aus_pq_active(); /* build option AUS_OPENSSL_PQ (pq_select.c) */
    if (o)
        return o->mldsa65_keygen_derand(pk, sk, xi);
#endif
    keygen_ws ws;
    aus_err rc = keygen(&ws, pk, sk, xi);
    aus_wipe(&ws, sizeof ws);
    if (rc != AUS_OK)
        aus_wipe(sk, SK_BYTES);
    return rc;
}

/* ---------------------------------------------------------------- Sign (Alg. 2, 7) ------- */

typedef struct sign_ws {
    mldsa_poly a[MLDSA_K][MLDSA_L]; /* A-hat, NTT domain (Alg. 7 line 5) */
    mldsa_poly s1h[MLDSA_L], s2h[MLDSA_K], t0h[MLDSA_K];
    mldsa_poly y[MLDSA_L], z[MLDSA_L]; /* z holds NTT(y) until z = y + c s1 is formed */
    mldsa_poly w[MLDSA_K];             /* w, then w - c s2 */
    mldsa_poly c, t1, t2;
    uint8_t h[MLDSA_K][MLDSA_N];
    uint8_t w1[MLDSA_W1_BYTES];
    uint8_t mu[64], rhopp[64], ctilde[MLDSA_CTILDE_BYTES];
} sign_ws;

/* M' = IntegerToBytes(0, 1) || IntegerToBytes(|ctx|, 1) || ctx || M (Alg. 2 line 10, Alg. 3
 * line 5): mu = H(tr || M', 64) (Alg. 7 line 6, Alg. 8 line 7), without copying M. */
static aus_err compute_mu(uint8_t mu[64], const uint8_t tr[64], const uint8_t *msg, size_t msglen,
                          const uint8_t *ctx, size_t ctxlen)
{
    const uint8_t hdr[2] = {0, (uint8_t)ctxlen};
    aus_iov in[4] = {{tr, 64}, {hdr, 2}, {ctx, ctxlen}, {msg, msglen}};
    return aus_mldsa_xof(AUS_HASH_SHAKE256, in, 4, mu, 64);
}

/* Alg. 7 lines 1-7: skDecode (Alg. 25), NTTs, mu, rho'' and A-hat. */
static aus_err sign_setup(sign_ws *ws, const uint8_t *sk, const uint8_t *msg, size_t msglen,
                          const uint8_t *ctx, size_t ctxlen, const uint8_t rnd[32])
{
    for (unsigned r = 0; r < MLDSA_L; r++) {
        aus_mldsa_unpack_bits(&ws->s1h[r], sk + MLDSA_SK_S1_OFF + r * MLDSA_ETA_POLY_BYTES, 4,
                              MLDSA_ETA);
        aus_mldsa_ntt(&ws->s1h[r]);
    }
    for (unsigned i = 0; i < MLDSA_K; i++) {
        aus_mldsa_unpack_bits(&ws->s2h[i], sk + MLDSA_SK_S2_OFF + i * MLDSA_ETA_POLY_BYTES, 4,
                              MLDSA_ETA);
        aus_mldsa_ntt(&ws->s2h[i]);
        aus_mldsa_unpack_bits(&ws->t0h[i], sk + MLDSA_SK_T0_OFF + i * MLDSA_T0_POLY_BYTES, 13,
                              1 << (MLDSA_D - 1));
        aus_mldsa_ntt(&ws->t0h[i]);
    }
    AUS_TRY(compute_mu(ws->mu, sk + MLDSA_SK_TR_OFF, msg, msglen, ctx, ctxlen));
    aus_iov in[3] = {{sk + MLDSA_SK_K_OFF, 32}, {rnd, 32}, {ws->mu, 64}};
    AUS_TRY(aus_mldsa_xof(AUS_HASH_SHAKE256, in, 3, ws->rhopp, 64)); /* rho'' (line 7) */
    for (unsigned i = 0; i < MLDSA_K; i++)
        for (unsigned s = 0; s < MLDSA_L; s++)
            AUS_TRY(aus_mldsa_expand_a(&ws->a[i][s], sk, i, s));
    return AUS_OK;
}

/* Alg. 7 lines 11-16: y, w = NTT^-1(A-hat o NTT(y)), w1 = HighBits(w), c~, c-hat. */
static aus_err sign_commit(sign_ws *ws, unsigned kappa)
{
    for (unsigned r = 0; r < MLDSA_L; r++) {
        AUS_TRY(aus_mldsa_expand_mask(&ws->y[r], ws->rhopp, kappa + r));
        ws->z[r] = ws->y[r];
        aus_mldsa_ntt(&ws->z[r]);
    }
    for (unsigned i = 0; i < MLDSA_K; i++) {
        aus_mldsa_pointwise_acc(&ws->w[i], ws->a[i], 1, ws->z, MLDSA_L);
        aus_mldsa_intt(&ws->w[i]);
        aus_mldsa_poly_canon(&ws->w[i]);
        for (unsigned j = 0; j < MLDSA_N; j++) {
            int32_t r0;
            aus_mldsa_decompose(ws->w[i].c[j], &ws->t1.c[j], &r0);
        }
        aus_mldsa_pack_bits(ws->w1 + i * MLDSA_W1_POLY_BYTES, &ws->t1, 4); /* w1Encode, Alg. 28 */
    }
    aus_iov in[2] = {{ws->mu, 64}, {ws->w1, MLDSA_W1_BYTES}};
    AUS_TRY(aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, ws->ctilde, MLDSA_CTILDE_BYTES));
    AUS_TRY(aus_mldsa_sample_in_ball(&ws->c, ws->ctilde));
    aus_mldsa_ntt(&ws->c);
    return AUS_OK;
}

/* Alg. 7 lines 17-23: z = y + c s1, r0 = LowBits(w - c s2); w becomes w - c s2.
 * Returns 1 (reject) if ||z|| >= gamma1 - beta or ||r0|| >= gamma2 - beta. */
static uint32_t sign_check_z_r0(sign_ws *ws)
{
    uint32_t bad = 0;
    for (unsigned r = 0; r < MLDSA_L; r++) {
        aus_mldsa_pointwise_acc(&ws->t1, &ws->c, 0, &ws->s1h[r], 1);
        aus_mldsa_intt(&ws->t1);
        aus_mldsa_poly_center(&ws->t1);
        for (unsigned j = 0; j < MLDSA_N; j++)
            ws->z[r].c[j] = ws->y[r].c[j] + ws->t1.c[j];
        bad |= aus_mldsa_poly_exceeds(&ws->z[r], MLDSA_GAMMA1 - MLDSA_BETA);
    }
    for (unsigned i = 0; i < MLDSA_K; i++) {
        aus_mldsa_pointwise_acc(&ws->t1, &ws->c, 0, &ws->s2h[i], 1);
        aus_mldsa_intt(&ws->t1);
        aus_mldsa_poly_center(&ws->t1);
        for (unsigned j = 0; j < MLDSA_N; j++) {
            int32_t r1;
            ws->w[i].c[j] = modq(ws->w[i].c[j] - ws->t1.c[j]);
            aus_mldsa_decompose(ws->w[i].c[j], &r1, &ws->t2.c[j]);
        }
        bad |= aus_mldsa_poly_exceeds(&ws->t2, MLDSA_GAMMA2 - MLDSA_BETA);
    }
    return bad;
}

/* Alg. 7 lines 25-28: h = MakeHint(-c t0, w - c s2 + c t0) (Alg. 39: HighBits(r) != HighBits(r
 * + z)). Returns 1 (reject) if ||c t0|| >= gamma2 or h has more than omega ones. */
static uint32_t sign_hint(sign_ws *ws)
{
    uint32_t bad = 0, ones = 0;
    for (unsigned i = 0; i < MLDSA_K; i++) {
        aus_mldsa_pointwise_acc(&ws->t1, &ws->c, 0, &ws->t0h[i], 1);
        aus_mldsa_intt(&ws->t1);
        aus_mldsa_poly_center(&ws->t1); /* c t0 */
        bad |= aus_mldsa_poly_exceeds(&ws->t1, MLDSA_GAMMA2);
        for (unsigned j = 0; j < MLDSA_N; j++) {
            int32_t v = ws->w[i].c[j], a1, b1, r0;
            aus_mldsa_decompose(modq(v + ws->t1.c[j]), &a1, &r0); /* HighBits(r) */
            aus_mldsa_decompose(v, &b1, &r0);                     /* HighBits(r + z) */
            uint32_t ne = (0u - (uint32_t)(a1 ^ b1)) >> 31;
            ws->h[i][j] = (uint8_t)ne;
            ones += ne;
        }
    }
    bad |= (uint32_t)(MLDSA_OMEGA - (int32_t)ones) >> 31; /* ones > omega */
    return bad;
}

/* Alg. 7 lines 10-33: the rejection loop, then sigEncode (Alg. 26). */
static aus_err sign_internal(sign_ws *ws, uint8_t *sig, const uint8_t *sk, const uint8_t *msg,
                             size_t msglen, const uint8_t *ctx, size_t ctxlen,
                             const uint8_t rnd[32])
{
    AUS_TRY(sign_setup(ws, sk, msg, msglen, ctx, ctxlen, rnd));
    /* kappa feeds IntegerToBytes(kappa + r, 2): the loop stops before it wraps (13 107
     * iterations; each is accepted with probability ~0.2 for ML-DSA-65, so never in practice;
     * FIPS 204 Appendix C allows bounded loops). */
    for (unsigned kappa = 0; kappa + MLDSA_L <= 0xFFFFu; kappa += MLDSA_L) {
        AUS_TRY(sign_commit(ws, kappa));
        uint32_t reject = sign_check_z_r0(ws);
        MLDSA_DECLASSIFY(&reject, sizeof reject); /* a public decision (file comment) */
        if (reject)
            continue;
        reject = sign_hint(ws);
        MLDSA_DECLASSIFY(&reject, sizeof reject); /* a public decision (file comment) */
        if (reject)
            continue;
        memcpy(sig, ws->ctilde, MLDSA_CTILDE_BYTES);
        for (unsigned r = 0; r < MLDSA_L; r++)
            aus_mldsa_pack_signed(sig + MLDSA_SIG_Z_OFF + r * MLDSA_Z_POLY_BYTES, &ws->z[r], 20,
                                  MLDSA_GAMMA1);
        aus_mldsa_hint_pack(sig + MLDSA_SIG_H_OFF, (const uint8_t(*)[MLDSA_N])ws->h);
        return AUS_OK;
    }
    return AUS_E_CRYPTO;
}

aus_err aus_mldsa65_sign_derand(uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                                const uint8_t *ctx, size_t ctxlen, const uint8_t sk[4032],
                                const uint8_t rnd[32])
{
    if (!sig || !sk || !rnd || (msglen && !msg) || (ctxlen && !ctx))
        return AUS_E_ARG;
    if (ctxlen > 255)
        return AUS_E_ARG; /* FIPS 204 Alg. 2 line 1 */
#if !defined(AUS_CTGRIND) && !defined(AUS_MLDSA_CTGRIND)
    const aus_pq_ops *o = aus_pq_active(); /* build option AUS_OPENSSL_PQ (pq_select.c) */
    if (o)
        return o->mldsa65_sign_derand(sig, msg, msglen, ctx, ctxlen, sk, rnd);
#endif
    sign_ws ws;
    aus_err rc = sign_internal(&ws, sig, sk, msg, msglen, ctx, ctxlen, rnd);
    aus_wipe(&ws, sizeof ws);
    if (rc != AUS_OK)
        aus_wipe(sig, SIG_BYTES);
    return rc;
}

/* ---------------------------------------------------------------- Verify (Alg. 3, 8) ----- */

typedef struct verify_ws {
    mldsa_poly a[MLDSA_L + 1]; /* row i of A-hat, then c-hat */
    mldsa_poly b[MLDSA_L + 1]; /* NTT(z), then -NTT(t1 * 2^d) of row i */
    mldsa_poly w;
    uint8_t h[MLDSA_K][MLDSA_N];
    uint8_t w1[MLDSA_W1_BYTES];
    uint8_t tr[64], mu[64], ctilde[MLDSA_CTILDE_BYTES];
} verify_ws;

/* Row i of w'Approx = NTT^-1(A-hat o NTT(z) - NTT(c) o NTT(t1 * 2^d)), then UseHint and
 * w1Encode (Alg. 8 lines 9-12). */
static aus_err verify_row(verify_ws *ws, unsigned i, const uint8_t *pk)
{
    for (unsigned s = 0; s < MLDSA_L; s++)
        AUS_TRY(aus_mldsa_expand_a(&ws->a[s], pk, i, s));
    mldsa_poly *t1 = &ws->b[MLDSA_L];
    aus_mldsa_unpack_bits(t1, pk + MLDSA_PK_T1_OFF + i * MLDSA_T1_POLY_BYTES, 10, 0);
    for (unsigned j = 0; j < MLDSA_N; j++)
        t1->c[j] = -(t1->c[j] * (1 << MLDSA_D)); /* -t1 * 2^d, in (-q, 0] */
    aus_mldsa_ntt(t1);
    aus_mldsa_pointwise_acc(&ws->w, ws->a, 1, ws->b, MLDSA_L + 1);
    aus_mldsa_intt(&ws->w);
    aus_mldsa_poly_canon(&ws->w);
    aus_mldsa_use_hint(&ws->w, ws->h[i]);
    aus_mldsa_pack_bits(ws->w1 + i * MLDSA_W1_POLY_BYTES, &ws->w, 4);
    return AUS_OK;
}

static aus_err verify_internal(verify_ws *ws, const uint8_t *sig, const uint8_t *msg, size_t msglen,
                               const uint8_t *ctx, size_t ctxlen, const uint8_t *pk)
{
    /* sigDecode (Alg. 27); Alg. 8 line 4: a malformed hint is a rejection */
    AUS_TRY(aus_mldsa_hint_unpack(ws->h, sig + MLDSA_SIG_H_OFF));
    uint32_t bad = 0;
    for (unsigned r = 0; r < MLDSA_L; r++) {
        aus_mldsa_unpack_bits(&ws->b[r], sig + MLDSA_SIG_Z_OFF + r * MLDSA_Z_POLY_BYTES, 20,
                              MLDSA_GAMMA1);
        bad |= aus_mldsa_poly_exceeds(&ws->b[r], MLDSA_GAMMA1 - MLDSA_BETA);
        aus_mldsa_ntt(&ws->b[r]);
    }
    if (bad)
        return AUS_E_AUTH; /* Alg. 8 line 13: ||z|| >= gamma1 - beta */
    aus_iov pin = {pk, PK_BYTES};
    AUS_TRY(aus_mldsa_xof(AUS_HASH_SHAKE256, &pin, 1, ws->tr, 64)); /* tr = H(pk, 64) */
    AUS_TRY(compute_mu(ws->mu, ws->tr, msg, msglen, ctx, ctxlen));
    AUS_TRY(aus_mldsa_sample_in_ball(&ws->a[MLDSA_L], sig));
    aus_mldsa_ntt(&ws->a[MLDSA_L]);
    for (unsigned i = 0; i < MLDSA_K; i++)
        AUS_TRY(verify_row(ws, i, pk));
    aus_iov in[2] = {{ws->mu, 64}, {ws->w1, MLDSA_W1_BYTES}};
    AUS_TRY(aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, ws->ctilde, MLDSA_CTILDE_BYTES));
    return aus_ct_eq(ws->ctilde, sig, MLDSA_CTILDE_BYTES) ? AUS_OK : AUS_E_AUTH;
}

aus_err aus_mldsa65_verify_n(const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t msglen,
                             const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952])
{
    if (!pk || (msglen && !msg) || (ctxlen && !ctx))
        return AUS_E_ARG;
    if (ctxlen > 255)
        return AUS_E_ARG; /* FIPS 204 Alg. 3 line 1 */
    if (!sig || siglen != SIG_BYTES)
        return AUS_E_AUTH; /* a signature of the wrong length does not verify */
    verify_ws ws;
    aus_err rc = verify_internal(&ws, sig, msg, msglen, ctx, ctxlen, pk);
    aus_wipe(&ws, sizeof ws); /* public data only; wiped for hygiene */
    return rc;
}

aus_err aus_mldsa65_verify(const uint8_t sig[3309], const uint8_t *msg, size_t msglen,
                           const uint8_t *ctx, size_t ctxlen, const uint8_t pk[1952])
{
#if !defined(AUS_CTGRIND) && !defined(AUS_MLDSA_CTGRIND)
    const aus_pq_ops *o = aus_pq_active(); /* build option AUS_OPENSSL_PQ (pq_select.c) */
    if (o) {
        if (!sig || !pk || (msglen && !msg) || (ctxlen && !ctx) || ctxlen > 255)
            return AUS_E_ARG; /* FIPS 204 Alg. 3 line 1, as below */
        return o->mldsa65_verify(sig, msg, msglen, ctx, ctxlen, pk);
    }
#endif
    return aus_mldsa65_verify_n(sig, SIG_BYTES, msg, msglen, ctx, ctxlen, pk);
}

/* ---------------------------------------------------------------- randomized wrappers ---- */

static aus_err draw(uint8_t *out, size_t n)
{
    const aus_crypto *c = aus_crypto_default();
    if (!c || !c->ops || !c->ops->random)
        return AUS_E_CRYPTO;
    return c->ops->random(c->self, out, n) == AUS_OK ? AUS_OK : AUS_E_CRYPTO;
}

aus_err aus_mldsa65_keygen(uint8_t pk[1952], uint8_t sk[4032])
{
    uint8_t xi[32];
    aus_err rc = draw(xi, sizeof xi); /* FIPS 204 Alg. 1 line 1 */
    if (rc == AUS_OK)
        rc = aus_mldsa65_keygen_derand(pk, sk, xi);
    aus_wipe(xi, sizeof xi);
    return rc;
}

aus_err aus_mldsa65_sign(uint8_t sig[3309], const uint8_t *msg, size_t msglen, const uint8_t *ctx,
                         size_t ctxlen, const uint8_t sk[4032])
{
    if (ctxlen > 255)
        return AUS_E_ARG;
    uint8_t rnd[32];
    aus_err rc = draw(rnd, sizeof rnd); /* FIPS 204 Alg. 2 line 5: hedged variant */
    if (rc == AUS_OK)
        rc = aus_mldsa65_sign_derand(sig, msg, msglen, ctx, ctxlen, sk, rnd);
    aus_wipe(rnd, sizeof rnd);
    return rc;
}
