/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM-768 (FIPS 203, August 2024): K-PKE and the ML-KEM internal algorithms.
 *
 * Parameters (FIPS 203 §8, Table 2): k = 3, eta1 = eta2 = 2, d_u = 10, d_v = 4.
 * Hash functions (§4.1) go through the crypto provider (aus_crypto_default()):
 *   G = SHA3-512, H = SHA3-256, J = SHAKE256(., 32), PRF_eta = SHAKE256(s || N, 64 eta),
 *   XOF = SHAKE128.
 *
 * Memory: no allocation; every secret temporary lives in one workspace struct on the stack,
 * wiped (aus_wipe) on every exit. The matrix A is never stored: each entry is sampled when
 * it is used (one polynomial at a time), which keeps the stack small. Stack use measured with
 * gcc 12 -O2 -fstack-usage on x86-64: frames of 5392 B (keygen_derand), 5296 B (encaps_derand)
 * and 6512 B (decaps); the deepest path (decaps -> pke_encrypt -> sample_ntt -> hash) is
 * about 6.9 KiB of our own frames. With the OpenSSL provider, stack painting measured a
 * total depth of about 6.2 KiB (keygen), 6.3 KiB (encaps) and 7.4 KiB (decaps).
 *
 * Constant time: keygen, encaps and decaps have no branch or memory index that depends on
 * d, z, m, s or the decrypted message. Branches on public data only: rho and the XOF output
 * of SampleNTT, the encapsulation key (modulus check) and the stored H(ek) (hash check).
 * Decaps compares c with c' and selects K' or K-bar with masks (FIPS 203 §6.3, implicit
 * rejection). Checked under valgrind (tests/unit/pq/test_mlkem_ct.c, ctgrind style).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/pq.h"
#include "pq/mlkem_poly.h"

#define K AUS_MLKEM_K
#define PKE_EK_BYTES (K * AUS_MLKEM_POLY_BYTES + 32) /* 1184 */
#define PKE_DK_BYTES (K * AUS_MLKEM_POLY_BYTES)      /* 1152 */
#define C1_BYTES (K * AUS_MLKEM_POLYC10_BYTES)       /* 960 */
#define XOF_BLOCK 168                                /* SHAKE128 rate */
#define XOF_FIRST (3 * XOF_BLOCK)                    /* 504 bytes = 336 candidates */
#define XOF_MAX (5 * XOF_BLOCK)                      /* 840 bytes = 280 iterations of Algorithm 7 */

_Static_assert(PKE_EK_BYTES == AUS_MLKEM768_EK_BYTES, "ek size");
_Static_assert(PKE_DK_BYTES + PKE_EK_BYTES + 64 == AUS_MLKEM768_DK_BYTES, "dk size");
_Static_assert(C1_BYTES + AUS_MLKEM_POLYC4_BYTES == AUS_MLKEM768_CT_BYTES, "ct size");

static aus_err hash(aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out, size_t len)
{
    const aus_crypto *c = aus_crypto_default();
    if (!c || !c->ops || !c->ops->hash)
        return AUS_E_CRYPTO;
    return c->ops->hash(c->self, alg, in, nin, out, len) == AUS_OK ? AUS_OK : AUS_E_CRYPTO;
}

/* PRF_2(s, N) = SHAKE256(s || N, 128) (FIPS 203 §4.1, eq. 4.3), then SamplePolyCBD_2. */
static aus_err sample_cbd(aus_mlkem_poly *p, uint8_t buf[128], const uint8_t s[32], uint8_t n)
{
    const aus_iov in[2] = {{s, 32}, {&n, 1}};
    AUS_TRY(hash(AUS_HASH_SHAKE256, in, 2, buf, 128));
    aus_mlkem_cbd2(p, buf);
    return AUS_OK;
}

/* SampleNTT(rho || b0 || b1) (FIPS 203 Algorithm 7) into p; buf is scratch of XOF_MAX bytes.
 * The provider's hash op is one-shot (OpenSSL 3.0's EVP cannot squeeze a SHAKE in steps), so
 * we ask for 3 blocks, which suffice with probability about 99%; otherwise we ask again for
 * 5 blocks and continue parsing after the first 504 bytes (an XOF output is a prefix of any
 * longer output of the same input). FIPS 203 Appendix B allows bounding the loop at 280
 * iterations (840 bytes); failing then has probability below 2^-261 and is reported as a
 * crypto failure. Everything here is public (rho is part of ek). */
static aus_err sample_ntt(aus_mlkem_poly *p, uint8_t buf[XOF_MAX], const uint8_t rho[32],
                          uint8_t b0, uint8_t b1)
{
    const uint8_t ij[2] = {b0, b1};
    const aus_iov in[2] = {{rho, 32}, {ij, 2}};
    size_t n = 0;
    AUS_TRY(hash(AUS_HASH_SHAKE128, in, 2, buf, XOF_FIRST));
    aus_mlkem_rej_uniform(p->c, AUS_MLKEM_N, &n, buf, XOF_FIRST);
    if (n < AUS_MLKEM_N) {
        AUS_TRY(hash(AUS_HASH_SHAKE128, in, 2, buf, XOF_MAX));
        aus_mlkem_rej_uniform(p->c, AUS_MLKEM_N, &n, buf + XOF_FIRST, XOF_MAX - XOF_FIRST);
    }
    return n == AUS_MLKEM_N ? AUS_OK : AUS_E_CRYPTO;
}

/* ---- K-PKE (FIPS 203 §5) ---- */

typedef struct pke_ws {
    aus_mlkem_poly v[K]; /* s-hat (keygen) or y-hat (encrypt) */
    aus_mlkem_poly acc, a, e;
    int32_t sum[AUS_MLKEM_N]; /* lazy base-multiplication sums; zero between uses */
    uint8_t prf[128];
    uint8_t xof[XOF_MAX];
} pke_ws;

/* K-PKE.KeyGen (Algorithm 13) from rho, sigma = G(d || k): writes ek_PKE and dk_PKE. */
static aus_err pke_keygen(pke_ws *w, uint8_t ek[PKE_EK_BYTES], uint8_t dk[PKE_DK_BYTES],
                          const uint8_t rho[32], const uint8_t sigma[32])
{
    uint8_t n = 0;
    memset(w->sum, 0, sizeof w->sum);
    for (unsigned i = 0; i < K; i++) { /* lines 8-11: s[i] = CBD(PRF(sigma, N)) */
        AUS_TRY(sample_cbd(&w->v[i], w->prf, sigma, n++));
        aus_mlkem_ntt(&w->v[i]);
        aus_mlkem_encode12(dk + i * AUS_MLKEM_POLY_BYTES, &w->v[i]); /* line 20 */
    }
    for (unsigned i = 0; i < K; i++) {
        for (unsigned j = 0; j < K; j++) { /* line 6: A[i,j] = SampleNTT(rho || j || i) */
            AUS_TRY(sample_ntt(&w->a, w->xof, rho, (uint8_t)j, (uint8_t)i));
            aus_mlkem_basemul_acc(w->sum, &w->a, &w->v[j]);
        }
        aus_mlkem_acc_reduce(&w->acc, w->sum);
        aus_mlkem_poly_tomont(&w->acc);                              /* cancel basemul's 2^-16 */
        AUS_TRY(sample_cbd(&w->e, w->prf, sigma, (uint8_t)(n + i))); /* lines 12-15 */
        aus_mlkem_ntt(&w->e);
        aus_mlkem_poly_add(&w->acc, &w->e); /* line 18: t-hat = A s-hat + e-hat */
        aus_mlkem_poly_reduce(&w->acc);
        aus_mlkem_encode12(ek + i * AUS_MLKEM_POLY_BYTES, &w->acc); /* line 19 */
    }
    memcpy(ek + PKE_DK_BYTES, rho, 32);
    return AUS_OK;
}

/* K-PKE.Encrypt (Algorithm 14). ek must have passed the modulus check (or come from dk). */
static aus_err pke_encrypt(pke_ws *w, uint8_t ct[AUS_MLKEM768_CT_BYTES],
                           const uint8_t ek[PKE_EK_BYTES], const uint8_t m[32], const uint8_t r[32])
{
    const uint8_t *rho = ek + PKE_DK_BYTES;
    memset(w->sum, 0, sizeof w->sum);
    for (unsigned i = 0; i < K; i++) { /* lines 9-12 and 18: y-hat = NTT(CBD(PRF(r, i))) */
        AUS_TRY(sample_cbd(&w->v[i], w->prf, r, (uint8_t)i));
        aus_mlkem_ntt(&w->v[i]);
    }
    for (unsigned i = 0; i < K; i++) {     /* line 19: u = NTT^-1(A^T o y-hat) + e1 */
        for (unsigned j = 0; j < K; j++) { /* A^T[i,j] = A[j,i] = SampleNTT(rho || i || j) */
            AUS_TRY(sample_ntt(&w->a, w->xof, rho, (uint8_t)i, (uint8_t)j));
            aus_mlkem_basemul_acc(w->sum, &w->a, &w->v[j]);
        }
        aus_mlkem_acc_reduce(&w->acc, w->sum);
        aus_mlkem_invntt(&w->acc);
        AUS_TRY(sample_cbd(&w->e, w->prf, r, (uint8_t)(K + i))); /* lines 13-16: e1 */
        aus_mlkem_poly_add(&w->acc, &w->e);
        aus_mlkem_poly_reduce(&w->acc);
        aus_mlkem_compress10(ct + i * AUS_MLKEM_POLYC10_BYTES, &w->acc); /* line 22 */
    }
    /* line 21: v = NTT^-1(t-hat^T o y-hat) + e2 + mu */
    for (unsigned i = 0; i < K; i++) {
        aus_mlkem_decode12(&w->a, ek + i * AUS_MLKEM_POLY_BYTES); /* line 2 */
        aus_mlkem_basemul_acc(w->sum, &w->a, &w->v[i]);
    }
    aus_mlkem_acc_reduce(&w->acc, w->sum);
    aus_mlkem_invntt(&w->acc);
    AUS_TRY(sample_cbd(&w->e, w->prf, r, (uint8_t)(2 * K))); /* line 17: e2 */
    aus_mlkem_poly_add(&w->acc, &w->e);
    aus_mlkem_frommsg(&w->e, m); /* line 20: mu = Decompress_1(ByteDecode_1(m)) */
    aus_mlkem_poly_add(&w->acc, &w->e);
    aus_mlkem_poly_reduce(&w->acc);
    aus_mlkem_compress4(ct + C1_BYTES, &w->acc); /* line 23 */
    return AUS_OK;
}

/* K-PKE.Decrypt (Algorithm 15): m = ByteEncode_1(Compress_1(v' - NTT^-1(s-hat^T o NTT(u')))). */
static void pke_decrypt(pke_ws *w, uint8_t m[32], const uint8_t dk[PKE_DK_BYTES],
                        const uint8_t ct[AUS_MLKEM768_CT_BYTES])
{
    memset(w->sum, 0, sizeof w->sum);
    for (unsigned i = 0; i < K; i++) {
        aus_mlkem_decompress10(&w->a, ct + i * AUS_MLKEM_POLYC10_BYTES); /* line 3 */
        aus_mlkem_ntt(&w->a);
        aus_mlkem_decode12(&w->e, dk + i * AUS_MLKEM_POLY_BYTES); /* line 5 */
        aus_mlkem_basemul_acc(w->sum, &w->e, &w->a);
    }
    aus_mlkem_acc_reduce(&w->acc, w->sum);
    aus_mlkem_invntt(&w->acc);
    aus_mlkem_decompress4(&w->a, ct + C1_BYTES); /* line 4 */
    aus_mlkem_poly_sub(&w->acc, &w->a);          /* line 6: w = v' - ... */
    aus_mlkem_poly_reduce(&w->acc);
    aus_mlkem_tomsg(m, &w->acc); /* line 7 */
}

/* ---- ML-KEM (FIPS 203 §6) ---- */

static aus_err keygen_derand_c(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                               const uint8_t z[32])
{
    struct {
        pke_ws pke;
        uint8_t rs[64]; /* rho || sigma */
    } w;
    static const uint8_t kbyte = K;
    const aus_iov gin[2] = {{d, 32}, {&kbyte, 1}};
    aus_err rc = hash(AUS_HASH_SHA3_512, gin, 2, w.rs, 64); /* Alg. 13 line 1: G(d || k) */
    if (rc != AUS_OK)
        goto out;
    AUS_MLKEM_DECLASSIFY(w.rs, 32); /* rho is public: it is published in ek */
    rc = pke_keygen(&w.pke, ek, dk, w.rs, w.rs + 32);
    if (rc != AUS_OK)
        goto out;
    /* Algorithm 16 line 3: dk = dk_PKE || ek || H(ek) || z */
    memcpy(dk + PKE_DK_BYTES, ek, PKE_EK_BYTES);
    const aus_iov hin[1] = {{ek, PKE_EK_BYTES}};
    rc = hash(AUS_HASH_SHA3_256, hin, 1, dk + PKE_DK_BYTES + PKE_EK_BYTES, 32);
    if (rc != AUS_OK)
        goto out;
    memcpy(dk + PKE_DK_BYTES + PKE_EK_BYTES + 32, z, 32);
out:
    aus_wipe(&w, sizeof w);
    if (rc != AUS_OK) {
        aus_wipe(ek, AUS_MLKEM768_EK_BYTES);
        aus_wipe(dk, AUS_MLKEM768_DK_BYTES);
    }
    return rc;
}

static aus_err encaps_check(const uint8_t ek[PKE_EK_BYTES])
{
    /* FIPS 203 §7.2 (modulus check): ByteEncode_12(ByteDecode_12(ek[0:384k])) == ek[0:384k],
     * i.e. every 12-bit value is already reduced mod q. ek is public. */
    for (unsigned i = 0; i < K; i++)
        if (!aus_mlkem_check12(ek + i * AUS_MLKEM_POLY_BYTES))
            return AUS_E_MALFORMED;
    return AUS_OK;
}

static aus_err encaps_derand_c(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                               const uint8_t m[32])
{
    struct {
        pke_ws pke;
        uint8_t h[32];
        uint8_t kr[64]; /* K || r */
    } w;
    aus_err rc = encaps_check(ek);
    if (rc != AUS_OK) {
        aus_wipe(ss, AUS_MLKEM768_SS_BYTES);
        return rc;
    }
    const aus_iov hin[1] = {{ek, PKE_EK_BYTES}};
    rc = hash(AUS_HASH_SHA3_256, hin, 1, w.h, 32);
    if (rc != AUS_OK)
        goto out;
    const aus_iov gin[2] = {{m, 32}, {w.h, 32}};
    rc = hash(AUS_HASH_SHA3_512, gin, 2, w.kr, 64); /* Algorithm 17 line 1: G(m || H(ek)) */
    if (rc != AUS_OK)
        goto out;
    rc = pke_encrypt(&w.pke, ct, ek, m, w.kr + 32); /* line 2 */
    if (rc != AUS_OK)
        goto out;
    memcpy(ss, w.kr, 32);
out:
    aus_wipe(&w, sizeof w);
    if (rc != AUS_OK) {
        aus_wipe(ss, AUS_MLKEM768_SS_BYTES);
        aus_wipe(ct, AUS_MLKEM768_CT_BYTES);
    }
    return rc;
}

static aus_err decaps_c(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400])
{
    const uint8_t *dk_pke = dk;                               /* Algorithm 18 line 1 */
    const uint8_t *ek_pke = dk + PKE_DK_BYTES;                /* line 2 */
    const uint8_t *h = dk + PKE_DK_BYTES + PKE_EK_BYTES;      /* line 3 */
    const uint8_t *z = dk + PKE_DK_BYTES + PKE_EK_BYTES + 32; /* line 4 */
    struct {
        pke_ws pke;
        uint8_t hek[32];
        uint8_t m[32];
        uint8_t kr[64];   /* K' || r' */
        uint8_t kbar[32]; /* J(z || c) */
        uint8_t ct2[AUS_MLKEM768_CT_BYTES];
    } w;
    /* FIPS 203 §7.3 (hash check): H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64]. Both are
     * public (the ek and its hash), so the branch leaks nothing. */
    const aus_iov hin[1] = {{ek_pke, PKE_EK_BYTES}};
    aus_err rc = hash(AUS_HASH_SHA3_256, hin, 1, w.hek, 32);
    if (rc == AUS_OK && !aus_ct_eq(w.hek, h, 32))
        rc = AUS_E_MALFORMED;
    if (rc != AUS_OK)
        goto out;
    pke_decrypt(&w.pke, w.m, dk_pke, ct); /* line 5 */
    const aus_iov gin[2] = {{w.m, 32}, {h, 32}};
    rc = hash(AUS_HASH_SHA3_512, gin, 2, w.kr, 64); /* line 6: (K', r') = G(m' || h) */
    if (rc != AUS_OK)
        goto out;
    const aus_iov jin[2] = {{z, 32}, {ct, AUS_MLKEM768_CT_BYTES}};
    rc = hash(AUS_HASH_SHAKE256, jin, 2, w.kbar, 32); /* line 7: K-bar = J(z || c) */
    if (rc != AUS_OK)
        goto out;
    rc = pke_encrypt(&w.pke, w.ct2, ek_pke, w.m, w.kr + 32); /* line 8 */
    if (rc != AUS_OK)
        goto out;
    /* Lines 9-11: if c != c' then K' = K-bar. Constant time: the whole of c and c' is
     * compared (no early exit, no stop at a zero byte), and the result only forms a mask. */
    uint8_t keep = (uint8_t)(0u - (unsigned)aus_ct_eq(ct, w.ct2, AUS_MLKEM768_CT_BYTES));
    for (unsigned i = 0; i < 32; i++)
        ss[i] = (uint8_t)(w.kbar[i] ^ (keep & (w.kr[i] ^ w.kbar[i])));
out:
    aus_wipe(&w, sizeof w);
    if (rc != AUS_OK)
        aus_wipe(ss, AUS_MLKEM768_SS_BYTES);
    return rc;
}

/* ---- randomized wrappers (FIPS 203 Algorithms 19 and 20) ---- */

/* ---- the public functions: the platform's implementation if it offers one (pq_select.c,
 * build option AUS_OPENSSL_PQ), else the code above. The constant-time harness (AUS_CTGRIND)
 * always checks the code above. ---- */

aus_err aus_mlkem768_keygen_derand(uint8_t ek[1184], uint8_t dk[2400], const uint8_t d[32],
                                   const uint8_t z[32])
{
#ifndef AUS_CTGRIND
    const aus_pq_ops *o = aus_pq_active();
    if (o)
        return o->mlkem768_keygen_derand(ek, dk, d, z);
#endif
    return keygen_derand_c(ek, dk, d, z);
}

aus_err aus_mlkem768_encaps_derand(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184],
                                   const uint8_t m[32])
{
#ifndef AUS_CTGRIND
    const aus_pq_ops *o = aus_pq_active();
    if (o)
        return o->mlkem768_encaps_derand(ct, ss, ek, m);
#endif
    return encaps_derand_c(ct, ss, ek, m);
}

aus_err aus_mlkem768_decaps(uint8_t ss[32], const uint8_t ct[1088], const uint8_t dk[2400])
{
#ifndef AUS_CTGRIND
    const aus_pq_ops *o = aus_pq_active();
    if (o)
        return o->mlkem768_decaps(ss, ct, dk);
#endif
    return decaps_c(ss, ct, dk);
}

static aus_err rng(uint8_t *out, size_t n)
{
    const aus_crypto *c = aus_crypto_default();
    if (!c || !c->ops || !c->ops->random)
        return AUS_E_CRYPTO;
    return c->ops->random(c->self, out, n) == AUS_OK ? AUS_OK : AUS_E_CRYPTO;
}

aus_err aus_mlkem768_keygen(uint8_t ek[1184], uint8_t dk[2400])
{
    uint8_t dz[64];
    /* Algorithm 19 lines 3-5: an RBG failure returns an error, never a key. */
    aus_err rc = rng(dz, sizeof dz);
    if (rc == AUS_OK)
        rc = aus_mlkem768_keygen_derand(ek, dk, dz, dz + 32);
    else {
        aus_wipe(ek, AUS_MLKEM768_EK_BYTES);
        aus_wipe(dk, AUS_MLKEM768_DK_BYTES);
    }
    aus_wipe(dz, sizeof dz);
    return rc;
}

aus_err aus_mlkem768_encaps(uint8_t ct[1088], uint8_t ss[32], const uint8_t ek[1184])
{
    uint8_t m[32];
    aus_err rc = rng(m, sizeof m); /* Algorithm 20 lines 2-4 */
    if (rc == AUS_OK)
        rc = aus_mlkem768_encaps_derand(ct, ss, ek, m);
    else {
        aus_wipe(ct, AUS_MLKEM768_CT_BYTES);
        aus_wipe(ss, AUS_MLKEM768_SS_BYTES);
    }
    aus_wipe(m, sizeof m);
    return rc;
}
