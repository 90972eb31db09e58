/* SPDX-License-Identifier: Apache-2.0 */
/* Reed-Solomon (255,223) E=16 with interleaving and virtual fill (CCSDS 131.0-B §4), and the
 * TM CADU (ASM + randomized codeblock). The arithmetic is Debian's libfec (Phil Karn):
 * encode_rs_ccsds / decode_rs_ccsds work on one dual-basis codeword with `pad` virtual zeros.
 * They use static const tables and no allocation; their prototypes are not const-correct.
 *
 * Fast path: most received codewords are error-free, and libfec's decoder spends ~15 us per
 * codeword computing syndromes symbol by symbol. A codeword is error-free exactly when its
 * polynomial is divisible by g(x), so we first compute c(x) * x^32 mod g(x) with a table-driven
 * shift register (32-octet table rows, four input symbols per step) and call decode_rs_ccsds
 * only when that remainder is not zero. The table row for a symbol d is the parity libfec's own
 * encoder gives the one-symbol message d (pad 222): d * x^32 mod g(x), in the dual basis. Because
 * the dual-basis map is GF(2)-linear, the register can run on the dual-basis symbols as received.
 */
#include <fec.h>
#include <string.h>

#include "australis/coding.h"
#include "ccsds/coding_rs_tab.h"

/* The register update is GF(2)-linear, so four symbols can be fed at once CRC-style ("slicing
 * by 4"): R' = (R << 4 symbols) ^ T3[top0 ^ s0] ^ T2[top1 ^ s1] ^ T1[top2 ^ s2] ^ T0[top3 ^ s3],
 * with T = aus_rs_rem_tab (coding_rs_tab.h: static const, generated from libfec's encoder by
 * tools/gen_tables.c and recomputed by the unit test; nothing is built at run time). */
static void feed1(uint64_t q[4], unsigned s)
{
    const uint64_t *t = aus_rs_rem_tab[0][(unsigned)(q[0] >> 56) ^ s];
    q[0] = ((q[0] << 8) | (q[1] >> 56)) ^ t[0];
    q[1] = ((q[1] << 8) | (q[2] >> 56)) ^ t[1];
    q[2] = ((q[2] << 8) | (q[3] >> 56)) ^ t[2];
    q[3] = (q[3] << 8) ^ t[3];
}

static void feed4(uint64_t q[4], unsigned s0, unsigned s1, unsigned s2, unsigned s3)
{
    const uint64_t *a = aus_rs_rem_tab[3][(unsigned)(q[0] >> 56) ^ s0];
    const uint64_t *b = aus_rs_rem_tab[2][(unsigned)((q[0] >> 48) & 0xFFu) ^ s1];
    const uint64_t *c = aus_rs_rem_tab[1][(unsigned)((q[0] >> 40) & 0xFFu) ^ s2];
    const uint64_t *d = aus_rs_rem_tab[0][(unsigned)((q[0] >> 32) & 0xFFu) ^ s3];
    q[0] = ((q[0] << 32) | (q[1] >> 32)) ^ a[0] ^ b[0] ^ c[0] ^ d[0];
    q[1] = ((q[1] << 32) | (q[2] >> 32)) ^ a[1] ^ b[1] ^ c[1] ^ d[1];
    q[2] = ((q[2] << 32) | (q[3] >> 32)) ^ a[2] ^ b[2] ^ c[2] ^ d[2];
    q[3] = (q[3] << 32) ^ a[3] ^ b[3] ^ c[3] ^ d[3];
}

/* Bit j set when codeword j of the interleaved block (n symbols each) is not divisible by
 * g(x). The I registers advance together, so their dependency chains overlap. */
static unsigned dirty_codewords(const uint8_t *block, size_t I, size_t n)
{
    uint64_t r[AUS_RS_MAX_INTERLEAVE][4] = {{0}};
    size_t i = 0;
    for (; i < n % 4u; i++)
        for (size_t j = 0; j < I; j++)
            feed1(r[j], block[i * I + j]);
    for (; i < n; i += 4)
        for (size_t j = 0; j < I; j++)
            feed4(r[j], block[i * I + j], block[(i + 1) * I + j], block[(i + 2) * I + j],
                  block[(i + 3) * I + j]);
    unsigned mask = 0;
    for (size_t j = 0; j < I; j++)
        if ((r[j][0] | r[j][1] | r[j][2] | r[j][3]) != 0)
            mask |= 1u << j;
    return mask;
}

unsigned aus_rs_dirty(const uint8_t *block, unsigned interleave, unsigned pad)
{
    if (block == NULL || aus_rs_block_len(interleave, pad) == 0)
        return 0;
    return dirty_codewords(block, interleave, AUS_RS_N - pad);
}

size_t aus_rs_data_len(unsigned interleave, unsigned pad)
{
    if (interleave < 1 || interleave > AUS_RS_MAX_INTERLEAVE || pad >= AUS_RS_K)
        return 0;
    return (AUS_RS_K - pad) * interleave;
}

size_t aus_rs_block_len(unsigned interleave, unsigned pad)
{
    if (interleave < 1 || interleave > AUS_RS_MAX_INTERLEAVE || pad >= AUS_RS_K)
        return 0;
    return (AUS_RS_N - pad) * interleave;
}

aus_err aus_rs_encode(uint8_t *block, unsigned interleave, unsigned pad)
{
    AUS_ENSURE(block != NULL && aus_rs_data_len(interleave, pad) != 0, AUS_E_ARG);
    size_t k = AUS_RS_K - pad, I = interleave;
    uint8_t cw[AUS_RS_K], par[AUS_RS_PARITY];
    for (size_t j = 0; j < I; j++) {
        /* 131.0-B §4.3.6: symbol-by-symbol interleave, octet m belongs to codeword m mod I. */
        for (size_t i = 0; i < k; i++)
            cw[i] = block[i * I + j];
        encode_rs_ccsds(cw, par, (int)pad);
        for (size_t i = 0; i < AUS_RS_PARITY; i++)
            block[(k + i) * I + j] = par[i];
    }
    return AUS_OK;
}

aus_err aus_rs_decode(uint8_t *block, unsigned interleave, unsigned pad, unsigned *corrected)
{
    AUS_ENSURE(block != NULL && corrected != NULL, AUS_E_ARG);
    AUS_ENSURE(aus_rs_block_len(interleave, pad) != 0, AUS_E_ARG);
    size_t n = AUS_RS_N - pad, I = interleave;
    uint8_t cw[AUS_RS_MAX_INTERLEAVE][AUS_RS_N];
    unsigned fixed[AUS_RS_MAX_INTERLEAVE];
    unsigned total = 0;
    unsigned dirty = dirty_codewords(block, I, n);
    /* Decode every codeword into scratch first, so that an uncorrectable one leaves the whole
     * block untouched (no partial state change on error). */
    for (size_t j = 0; j < I; j++) {
        fixed[j] = 0;
        if (!(dirty & (1u << j)))
            continue;
        for (size_t i = 0; i < n; i++)
            cw[j][i] = block[i * I + j];
        int rc = decode_rs_ccsds(cw[j], NULL, 0, (int)pad);
        if (rc < 0 || rc > (int)(AUS_RS_PARITY / 2))
            return AUS_E_FEC;
        fixed[j] = (unsigned)rc;
        total += (unsigned)rc;
    }
    for (size_t j = 0; j < I; j++) {
        if (fixed[j] == 0)
            continue;
        for (size_t i = 0; i < n; i++)
            block[i * I + j] = cw[j][i];
    }
    *corrected = total;
    return AUS_OK;
}

size_t aus_tm_cadu_len(const aus_tm_coding *c, size_t frame_len)
{
    if (frame_len == 0)
        return 0;
    if (c->rs_interleave == 0)
        return AUS_ASM_LEN + frame_len;
    if (aus_rs_data_len(c->rs_interleave, c->rs_pad) != frame_len)
        return 0;
    return AUS_ASM_LEN + aus_rs_block_len(c->rs_interleave, c->rs_pad);
}

aus_err aus_tm_cadu_encode(const aus_tm_coding *c, const uint8_t *frame, size_t frame_len,
                           uint8_t *cadu, size_t cap)
{
    size_t len = aus_tm_cadu_len(c, frame_len);
    AUS_ENSURE(len != 0 && frame != NULL && cadu != NULL, AUS_E_ARG);
    AUS_ENSURE(cap >= len, AUS_E_NOBUFS);
    memcpy(cadu, aus_tm_asm, AUS_ASM_LEN);
    memmove(cadu + AUS_ASM_LEN, frame, frame_len);
    if (c->rs_interleave != 0)
        AUS_TRY(aus_rs_encode(cadu + AUS_ASM_LEN, c->rs_interleave, c->rs_pad));
    /* 131.0-B §10.4.2: randomize after RS encoding, everything but the ASM. */
    if (c->randomize)
        aus_tm_randomize(cadu + AUS_ASM_LEN, len - AUS_ASM_LEN);
    return AUS_OK;
}

aus_err aus_tm_cadu_decode(const aus_tm_coding *c, uint8_t *cadu, size_t len, uint8_t **frame,
                           size_t *frame_len, unsigned *corrected)
{
    AUS_ENSURE(cadu != NULL && frame != NULL && frame_len != NULL && corrected != NULL, AUS_E_ARG);
    size_t flen = c->rs_interleave ? aus_rs_data_len(c->rs_interleave, c->rs_pad)
                                   : (len > AUS_ASM_LEN ? len - AUS_ASM_LEN : 0);
    AUS_ENSURE(flen != 0 && aus_tm_cadu_len(c, flen) == len, AUS_E_ARG);
    /* The ASM is matched exactly: frame synchronisation with bit-error tolerance belongs to
     * the physical layer that cut the CADU out of the bit stream. */
    AUS_ENSURE(memcmp(cadu, aus_tm_asm, AUS_ASM_LEN) == 0, AUS_E_MALFORMED);
    uint8_t *body = cadu + AUS_ASM_LEN;
    if (c->randomize)
        aus_tm_randomize(body, len - AUS_ASM_LEN);
    unsigned fixed = 0;
    if (c->rs_interleave != 0)
        AUS_TRY(aus_rs_decode(body, c->rs_interleave, c->rs_pad, &fixed));
    *frame = body;
    *frame_len = flen;
    *corrected = fixed;
    return AUS_OK;
}
