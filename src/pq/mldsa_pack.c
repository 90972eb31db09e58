/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA-65 bit packing and hint encoding (FIPS 204 §7.1, Alg. 16-21).
 *
 * The packers run on secret values (s1, s2, t0, z before release), so they are branch-free in
 * the data: the only branches test public counts. Bits are laid out little-endian: bit b of
 * coefficient i is bit (i * bits + b) of the byte string (Alg. 16 via BitsToBytes, Alg. 12).
 */
#include "australis/base.h"
#include "pq/mldsa_internal.h"

void aus_mldsa_pack_bits(uint8_t *out, const mldsa_poly *p, unsigned bits)
{
    uint32_t mask = (1u << bits) - 1;
    uint64_t acc = 0;
    unsigned nacc = 0;
    size_t o = 0;
    for (unsigned j = 0; j < MLDSA_N; j++) {
        acc |= (uint64_t)((uint32_t)p->c[j] & mask) << nacc;
        nacc += bits;
        while (nacc >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            nacc -= 8;
        }
    }
}

/* Alg. 17 BitPack(w, a, b): the stored value is b - w, in [0, a + b]. */
void aus_mldsa_pack_signed(uint8_t *out, const mldsa_poly *p, unsigned bits, int32_t b)
{
    mldsa_poly t;
    for (unsigned j = 0; j < MLDSA_N; j++)
        t.c[j] = b - p->c[j];
    aus_mldsa_pack_bits(out, &t, bits);
    aus_wipe(&t, sizeof t); /* secret-derived when packing s1, s2, t0 */
}

/* Alg. 18 SimpleBitUnpack (b == 0) and Alg. 19 BitUnpack (stores b - value). */
void aus_mldsa_unpack_bits(mldsa_poly *p, const uint8_t *in, unsigned bits, int32_t b)
{
    uint32_t mask = (1u << bits) - 1;
    uint64_t acc = 0;
    unsigned nacc = 0;
    size_t i = 0;
    for (unsigned j = 0; j < MLDSA_N; j++) {
        while (nacc < bits) {
            acc |= (uint64_t)in[i++] << nacc;
            nacc += 8;
        }
        int32_t v = (int32_t)(acc & mask);
        acc >>= bits;
        nacc -= bits;
        p->c[j] = b ? b - v : v;
    }
}

/* 0xFF iff a == b, for a, b < 256; no branch (vectorizes as a byte compare). */
static uint8_t eq8(uint32_t a, uint32_t b) { return (uint8_t)(((a ^ b) - 1u) >> 8); }

/* Alg. 20 HintBitPack, constant time in h. First every coefficient gets a key: its slot number
 * plus one if its hint bit is set, else 0 (a running count, no branch). Then each of the omega
 * slots ORs together the indices of the coefficients whose key selects it: a fixed scan of
 * all 1536 keys per slot, byte-wide so that it vectorizes. The caller has checked (and
 * declassified) that h has at most omega ones, so keys stay below 256. */
void aus_mldsa_hint_pack(uint8_t out[MLDSA_HINT_BYTES], const uint8_t h[MLDSA_K][MLDSA_N])
{
    uint8_t key[MLDSA_K * MLDSA_N];
    uint32_t idx = 0;
    for (unsigned i = 0; i < MLDSA_K; i++) {
        for (unsigned j = 0; j < MLDSA_N; j++) {
            uint32_t bit = h[i][j] & 1u;
            key[i * MLDSA_N + j] = (uint8_t)((idx + 1) & (0u - bit));
            idx += bit;
        }
        out[MLDSA_OMEGA + i] = (uint8_t)idx;
    }
    for (uint32_t t = 0; t < MLDSA_OMEGA; t++) {
        uint8_t acc = 0;
        for (uint32_t k = 0; k < MLDSA_K * MLDSA_N; k++)
            acc |= (uint8_t)(k & 0xFF) & eq8(key[k], t + 1);
        out[t] = acc;
    }
    aus_wipe(key, sizeof key);
}

/* Alg. 21 HintBitUnpack on public signature bytes. FIPS 204 returns ⊥ (reject) when a row's
 * running count goes backwards or past omega, when indices within a row are not strictly
 * increasing (this makes the encoding unique: strong unforgeability), or when an unused slot
 * is not zero. */
aus_err aus_mldsa_hint_unpack(uint8_t h[MLDSA_K][MLDSA_N], const uint8_t in[MLDSA_HINT_BYTES])
{
    unsigned idx = 0;
    for (unsigned i = 0; i < MLDSA_K; i++) {
        for (unsigned j = 0; j < MLDSA_N; j++)
            h[i][j] = 0;
        unsigned lim = in[MLDSA_OMEGA + i];
        if (lim < idx || lim > MLDSA_OMEGA)
            return AUS_E_AUTH; /* Alg. 21 line 4 */
        unsigned first = idx;
        while (idx < lim) {
            if (idx > first && in[idx - 1] >= in[idx])
                return AUS_E_AUTH; /* Alg. 21 line 8: not strictly increasing */
            h[i][in[idx]] = 1;
            idx++;
        }
    }
    for (unsigned t = idx; t < MLDSA_OMEGA; t++)
        if (in[t] != 0)
            return AUS_E_AUTH; /* Alg. 21 line 17: leftover slots must be zero */
    return AUS_OK;
}
