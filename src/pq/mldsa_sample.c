/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 pseudorandom sampling (FIPS 204 §7.3, Alg. 29-34) over the crypto provider.
 *
 * H = SHAKE256 and G = SHAKE128 (§3.7) go through aus_crypto_default()'s one-shot hash op:
 * OpenSSL 3.0's EVP cannot squeeze a SHAKE incrementally, so the op returns a prefix of the
 * output stream of a length chosen up front. Each rejection sampler therefore squeezes a
 * generous prefix first and, in the rare case that it holds too few accepted candidates, asks
 * again for a longer output. An XOF's output is prefix-consistent, so the longer output
 * begins with the bytes already seen and the result is exactly what the streaming algorithm of
 * the standard produces. The second length bounds the loop (FIPS 204 Appendix C allows bounded
 * loops); running past it has probability far below 2^-200 and returns AUS_E_CRYPTO.
 */
#include "australis/base.h"
#include "pq/mldsa_internal.h"

#define SHAKE128_RATE 168
#define SHAKE256_RATE 136

aus_err aus_mldsa_xof(aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out, size_t outlen)
{
    const aus_crypto *c = aus_crypto_default();
    if (!c || !c->ops || !c->ops->hash)
        return AUS_E_CRYPTO;
    return c->ops->hash(c->self, alg, in, nin, out, outlen) == AUS_OK ? AUS_OK : AUS_E_CRYPTO;
}

/* RejNTTPoly body: CoeffFromThreeBytes (Alg. 14) over buf; returns coefficients filled.
 * Public data (rho), so it may branch. */
static unsigned rej_ntt(mldsa_poly *a, const uint8_t *buf, size_t len)
{
    unsigned ctr = 0;
    for (size_t i = 0; i + 3 <= len && ctr < MLDSA_N; i += 3) {
        uint32_t t =
            (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 | (uint32_t)(buf[i + 2] & 0x7f) << 16;
        if (t < MLDSA_Q)
            a->c[ctr++] = (int32_t)t;
    }
    return ctr;
}

/* Alg. 32 / 30: A[r][s] = RejNTTPoly(rho || IntegerToBytes(s, 1) || IntegerToBytes(r, 1)).
 * 5 blocks (280 candidates, 256 needed, each accepted with probability 1 - 2^-10) nearly always
 * suffice; the bound is 12 blocks. */
aus_err aus_mldsa_expand_a(mldsa_poly *a, const uint8_t rho[32], unsigned r, unsigned s)
{
    uint8_t idx[2] = {(uint8_t)s, (uint8_t)r};
    aus_iov in[2] = {{rho, 32}, {idx, 2}};
    uint8_t buf[12 * SHAKE128_RATE];
    size_t len = 5 * SHAKE128_RATE;
    for (;;) {
        AUS_TRY(aus_mldsa_xof(AUS_HASH_SHAKE128, in, 2, buf, len));
        if (rej_ntt(a, buf, len) == MLDSA_N)
            return AUS_OK;
        if (len == sizeof buf)
            return AUS_E_CRYPTO;
        len = sizeof buf;
    }
}

/* RejBoundedPoly body for eta = 4 (Alg. 31 with CoeffFromHalfByte, Alg. 15): each byte gives
 * two candidates, low nibble first; a nibble b < 9 yields 4 - b. Key generation's rho' is
 * secret: no branch depends on the bytes; every candidate is written to tmp[ctr] (tmp has a
 * spare slot) and ctr advances by the acceptance bit, so only the store address depends on the
 * running count, as in every published implementation. Returns 1 when 256 were accepted. */
static uint32_t rej_eta(mldsa_poly *a, const uint8_t *buf, size_t len)
{
    int32_t tmp[MLDSA_N + 1] = {0};
    uint32_t ctr = 0;
    for (size_t i = 0; i < len; i++) {
        for (unsigned half = 0; half < 2; half++) {
            uint32_t b = (uint32_t)(buf[i] >> (4 * half)) & 15u;
            uint32_t ok = (b - 9u) >> 31; /* b < 9 */
            ok &= (ctr - MLDSA_N) >> 31;  /* ctr < 256 */
            tmp[ctr] = MLDSA_ETA - (int32_t)b;
            ctr += ok;
        }
    }
    for (unsigned j = 0; j < MLDSA_N; j++)
        a->c[j] = tmp[j];
    aus_wipe(tmp, sizeof tmp);
    return ((ctr ^ MLDSA_N) - 1u) >> 31;
}

/* Alg. 33: s1[r] uses nonce r, s2[r] nonce l + r: RejBoundedPoly(rho' || IntegerToBytes(n, 2)).
 * 2 blocks (544 candidates, accept rate 9/16, 256 needed) fail about once in 10^5; the bound
 * is 5 blocks. */
aus_err aus_mldsa_expand_s(mldsa_poly *s, const uint8_t rhop[64], unsigned nonce)
{
    uint8_t n2[2] = {(uint8_t)nonce, (uint8_t)(nonce >> 8)};
    aus_iov in[2] = {{rhop, 64}, {n2, 2}};
    uint8_t buf[5 * SHAKE256_RATE];
    size_t len = 2 * SHAKE256_RATE;
    aus_err rc = AUS_E_CRYPTO;
    for (;;) {
        rc = aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, buf, len);
        if (rc != AUS_OK)
            break;
        uint32_t done = rej_eta(s, buf, len);
        if (done) /* keygen: whether a prefix sufficed is not protected (see rej_eta) */
            break;
        rc = AUS_E_CRYPTO;
        if (len == sizeof buf)
            break;
        len = sizeof buf;
    }
    aus_wipe(buf, sizeof buf);
    return rc;
}

/* Alg. 34: y[r] = BitUnpack(H(rho'' || IntegerToBytes(kappa + r, 2), 640), gamma1 - 1, gamma1).
 * FIPS 204 final takes the first 32c bytes (the 2023 draft used an offset). */
aus_err aus_mldsa_expand_mask(mldsa_poly *y, const uint8_t rhopp[64], unsigned kappa_r)
{
    uint8_t n2[2] = {(uint8_t)kappa_r, (uint8_t)(kappa_r >> 8)};
    aus_iov in[2] = {{rhopp, 64}, {n2, 2}};
    uint8_t buf[MLDSA_Z_POLY_BYTES];
    aus_err rc = aus_mldsa_xof(AUS_HASH_SHAKE256, in, 2, buf, sizeof buf);
    if (rc == AUS_OK)
        aus_mldsa_unpack_bits(y, buf, 20, MLDSA_GAMMA1);
    aus_wipe(buf, sizeof buf);
    return rc;
}

/* 0xFF iff a == b, for a, b < 256; no branch. */
static uint8_t eq8(uint32_t a, uint32_t b) { return (uint8_t)(((a ^ b) - 1u) >> 8); }

#define BALL_SLOTS 64 /* tau = 49 slots, padded so the slot loop has a fixed, even length */

/* One pass of SampleInBall over buf (8 sign bytes, then candidates). In signing c~ is derived
 * from secret data, so this is constant time. Phase 1 reads every candidate byte and records
 * the accepted j for each i = 256 - tau + t in slot t, with masks (cnt, the number accepted so
 * far, never selects a branch or an address). Phase 2 applies c_i <- c_j, c_j <- (-1)^h[t] for
 * t = 0..tau-1 with a masked scan over all 256 positions: before step t every position >= i
 * is still 0, so one pass reads the old c_j and writes the sign, and c_i is set afterwards.
 * Returns 1 when all tau positions were found. */
static uint32_t ball_pass(mldsa_poly *c, const uint8_t *buf, size_t len)
{
    uint8_t js[BALL_SLOTS] = {0};
    int8_t cc[MLDSA_N] = {0};
    uint32_t cnt = 0;
    for (size_t p = 8; p < len; p++) {
        uint32_t b = buf[p];
        uint32_t i = MLDSA_N - MLDSA_TAU + cnt;
        uint32_t ok = ((i - b) >> 31) ^ 1u; /* j <= i (Alg. 29 line 7 rejects j > i) */
        ok &= (cnt - MLDSA_TAU) >> 31;      /* still sampling */
        uint8_t okm = (uint8_t)(0u - ok);
        for (uint32_t t = 0; t < BALL_SLOTS; t++) {
            uint8_t m = eq8(t, cnt) & okm;
            js[t] = (uint8_t)((js[t] & ~m) | (b & m));
        }
        cnt += ok;
    }
    for (uint32_t t = 0; t < MLDSA_TAU; t++) {
        uint32_t i = MLDSA_N - MLDSA_TAU + t;
        uint8_t sign =
            (uint8_t)(1u - 2u * (((uint32_t)buf[t / 8] >> (t % 8)) & 1u)); /* 0x01 or 0xFF */
        uint8_t cj = 0;
        for (uint32_t u = 0; u < MLDSA_N; u++) {
            uint8_t m = eq8(u, js[t]), old = (uint8_t)cc[u];
            cj |= old & m;
            cc[u] = (int8_t)((old & ~m) | (sign & m));
        }
        uint8_t mi = eq8(i, js[t]); /* j == i: c_i is the sign itself */
        cc[i] = (int8_t)((cj & ~mi) | (sign & mi));
    }
    for (unsigned j = 0; j < MLDSA_N; j++)
        c->c[j] = cc[j];
    aus_wipe(js, sizeof js);
    aus_wipe(cc, sizeof cc);
    return ((cnt ^ MLDSA_TAU) - 1u) >> 31;
}

/* Alg. 29 over the whole 48-byte c~ (the 2023 draft used 32 bytes). One block gives 128
 * candidates for 49 positions (each accepted with probability >= 208/256): failing needs more
 * than 79 rejections, probability < 2^-80; the retry squeezes 4 blocks. */
aus_err aus_mldsa_sample_in_ball(mldsa_poly *c, const uint8_t ctilde[MLDSA_CTILDE_BYTES])
{
    aus_iov in = {ctilde, MLDSA_CTILDE_BYTES};
    uint8_t buf[4 * SHAKE256_RATE];
    size_t len = SHAKE256_RATE;
    aus_err rc;
    for (;;) {
        rc = aus_mldsa_xof(AUS_HASH_SHAKE256, &in, 1, buf, len);
        if (rc != AUS_OK)
            break;
        uint32_t done = ball_pass(c, buf, len);
        MLDSA_DECLASSIFY(&done, sizeof done); /* leaks only "one block was not enough" */
        if (done)
            break;
        rc = AUS_E_CRYPTO;
        if (len == sizeof buf)
            break;
        len = sizeof buf;
    }
    aus_wipe(buf, sizeof buf);
    return rc;
}
