/* SPDX-License-Identifier: Apache-2.0 */
/* CLTU encoding and decoding with the BCH(63,56) code (CCSDS 231.0-B §3 and §5).
 *
 * g(x) = x^7 + x^6 + x^2 + 1 = (x + 1)(x^6 + x + 1): an expurgated Hamming code, minimum
 * distance 4, so every single-bit error has a distinct non-zero syndrome and no double-bit error
 * shares one with a single-bit error (single-error correction, double-error detection). */
#include <string.h>

#include "australis/coding.h"

#define G_LOW 0x45u /* g(x) without its x^7 term: x^6 + x^2 + 1 */

static const uint8_t cltu_start[AUS_CLTU_START_LEN] = {0xEB, 0x90};
/* 231.0-B §5.2.4: the tail sequence, built so that decoding it fails. */
static const uint8_t cltu_tail[AUS_CLTU_TAIL_LEN] = {0xC5, 0xC5, 0xC5, 0xC5,
                                                     0xC5, 0xC5, 0xC5, 0x79};

/* Byte-wise remainder table: the 7-bit register is kept left-aligned in an octet (bit 0 unused)
 * so that one octet of input is one lookup. bch_tab[x] = x shifted through the register of
 * Fig. 3-2 eight times with the feedback (x^6 + x^2 + 1) << 1 = 0x8A, i.e.
 *     for 8 times: fb = R >> 7; R = (R << 1) & 0xFF; if (fb) R ^= 0x8A;
 * test_coding checks it against the shared BCH examples and every single-bit syndrome. */
static const uint8_t bch_tab[256] = {
    0x00, 0x8a, 0x9e, 0x14, 0xb6, 0x3c, 0x28, 0xa2, 0xe6, 0x6c, 0x78, 0xf2, 0x50, 0xda, 0xce, 0x44,
    0x46, 0xcc, 0xd8, 0x52, 0xf0, 0x7a, 0x6e, 0xe4, 0xa0, 0x2a, 0x3e, 0xb4, 0x16, 0x9c, 0x88, 0x02,
    0x8c, 0x06, 0x12, 0x98, 0x3a, 0xb0, 0xa4, 0x2e, 0x6a, 0xe0, 0xf4, 0x7e, 0xdc, 0x56, 0x42, 0xc8,
    0xca, 0x40, 0x54, 0xde, 0x7c, 0xf6, 0xe2, 0x68, 0x2c, 0xa6, 0xb2, 0x38, 0x9a, 0x10, 0x04, 0x8e,
    0x92, 0x18, 0x0c, 0x86, 0x24, 0xae, 0xba, 0x30, 0x74, 0xfe, 0xea, 0x60, 0xc2, 0x48, 0x5c, 0xd6,
    0xd4, 0x5e, 0x4a, 0xc0, 0x62, 0xe8, 0xfc, 0x76, 0x32, 0xb8, 0xac, 0x26, 0x84, 0x0e, 0x1a, 0x90,
    0x1e, 0x94, 0x80, 0x0a, 0xa8, 0x22, 0x36, 0xbc, 0xf8, 0x72, 0x66, 0xec, 0x4e, 0xc4, 0xd0, 0x5a,
    0x58, 0xd2, 0xc6, 0x4c, 0xee, 0x64, 0x70, 0xfa, 0xbe, 0x34, 0x20, 0xaa, 0x08, 0x82, 0x96, 0x1c,
    0xae, 0x24, 0x30, 0xba, 0x18, 0x92, 0x86, 0x0c, 0x48, 0xc2, 0xd6, 0x5c, 0xfe, 0x74, 0x60, 0xea,
    0xe8, 0x62, 0x76, 0xfc, 0x5e, 0xd4, 0xc0, 0x4a, 0x0e, 0x84, 0x90, 0x1a, 0xb8, 0x32, 0x26, 0xac,
    0x22, 0xa8, 0xbc, 0x36, 0x94, 0x1e, 0x0a, 0x80, 0xc4, 0x4e, 0x5a, 0xd0, 0x72, 0xf8, 0xec, 0x66,
    0x64, 0xee, 0xfa, 0x70, 0xd2, 0x58, 0x4c, 0xc6, 0x82, 0x08, 0x1c, 0x96, 0x34, 0xbe, 0xaa, 0x20,
    0x3c, 0xb6, 0xa2, 0x28, 0x8a, 0x00, 0x14, 0x9e, 0xda, 0x50, 0x44, 0xce, 0x6c, 0xe6, 0xf2, 0x78,
    0x7a, 0xf0, 0xe4, 0x6e, 0xcc, 0x46, 0x52, 0xd8, 0x9c, 0x16, 0x02, 0x88, 0x2a, 0xa0, 0xb4, 0x3e,
    0xb0, 0x3a, 0x2e, 0xa4, 0x06, 0x8c, 0x98, 0x12, 0x56, 0xdc, 0xc8, 0x42, 0xe0, 0x6a, 0x7e, 0xf4,
    0xf6, 0x7c, 0x68, 0xe2, 0x40, 0xca, 0xde, 0x54, 0x10, 0x9a, 0x8e, 0x04, 0xa6, 0x2c, 0x38, 0xb2,
};

/* info(x) * x^7 mod g(x), 56 information bits MSB first. */
static unsigned bch_rem(const uint8_t info[AUS_BCH_INFO])
{
    unsigned r = 0; /* left-aligned */
    for (size_t i = 0; i < AUS_BCH_INFO; i++)
        r = bch_tab[r ^ info[i]];
    return r >> 1;
}

uint8_t aus_bch_parity(const uint8_t info[AUS_BCH_INFO])
{
    /* 231.0-B §3.2.3: the parity bits are complemented; the eighth bit is a filler 0. */
    return (uint8_t)(((~bch_rem(info)) & 0x7Fu) << 1);
}

size_t aus_cltu_len(size_t frame_len)
{
    return AUS_CLTU_START_LEN + (frame_len + AUS_BCH_INFO - 1u) / AUS_BCH_INFO * AUS_BCH_BLOCK +
           AUS_CLTU_TAIL_LEN;
}

aus_err aus_cltu_encode(aus_wr *w, const uint8_t *frame, size_t frame_len, bool randomize)
{
    AUS_ENSURE(frame != NULL && frame_len >= 1 && frame_len <= AUS_TC_FRAME_MAX, AUS_E_ARG);
    AUS_ENSURE(w->base == NULL || aus_wr_left(w) >= aus_cltu_len(frame_len), AUS_E_NOBUFS);
    uint8_t tmp[AUS_TC_FRAME_MAX];
    memcpy(tmp, frame, frame_len);
    /* 231.0-B §6: the randomizer covers the frame only, restarting with each frame. */
    if (randomize)
        aus_tc_randomize(tmp, frame_len);
    aus_wr_bytes(w, cltu_start, sizeof cltu_start);
    for (size_t off = 0; off < frame_len; off += AUS_BCH_INFO) {
        uint8_t blk[AUS_BCH_INFO];
        size_t take = frame_len - off < AUS_BCH_INFO ? frame_len - off : AUS_BCH_INFO;
        memcpy(blk, tmp + off, take);
        /* 231.0-B §5.2.3: the last codeblock is completed with 0x55 fill octets. */
        memset(blk + take, 0x55, AUS_BCH_INFO - take);
        aus_wr_bytes(w, blk, AUS_BCH_INFO);
        aus_wr_u8(w, aus_bch_parity(blk));
    }
    aus_wr_bytes(w, cltu_tail, sizeof cltu_tail);
    return w->err;
}

/* Syndrome of one received codeblock (0 = valid codeword; the filler bit is not coded). */
static unsigned bch_syndrome(const uint8_t blk[AUS_BCH_BLOCK])
{
    return bch_rem(blk) ^ ((~(unsigned)blk[7] >> 1) & 0x7Fu);
}

/* Degree of x whose remainder mod g(x) equals s (the single-bit error position), or -1. */
static int bch_locate(unsigned s)
{
    unsigned r = 1; /* x^0 mod g */
    for (int deg = 0; deg < 63; deg++) {
        if (r == s)
            return deg;
        unsigned fb = (r >> 6) & 1u;
        r = (r << 1) & 0x7Fu;
        if (fb)
            r ^= G_LOW;
    }
    return -1;
}

static unsigned popcount8(unsigned v)
{
    unsigned c = 0;
    for (; v; v &= v - 1u)
        c++;
    return c;
}

/* Uncorrectable block: is it the tail sequence (allowing 2 bit errors, which no codeword of a
 * frame can mimic without also being uncorrectable)? */
static bool is_tail(const uint8_t blk[AUS_BCH_BLOCK])
{
    unsigned d = 0;
    for (size_t i = 0; i < AUS_BCH_BLOCK; i++)
        d += popcount8((unsigned)(blk[i] ^ cltu_tail[i]));
    return d <= 2;
}

/* Decode one codeblock in error-correcting mode: 0 valid, 1 corrected, -1 uncorrectable. */
static int bch_correct(uint8_t blk[AUS_BCH_BLOCK])
{
    unsigned s = bch_syndrome(blk);
    if (s == 0)
        return 0;
    int deg = bch_locate(s);
    if (deg < 0)
        return -1;
    if (deg >= 7) { /* an information bit: x^62 is bit 7 of octet 0 */
        unsigned pos = 62u - (unsigned)deg;
        blk[pos / 8u] ^= (uint8_t)(0x80u >> (pos % 8u));
    } else { /* a parity bit: the information is already right */
        blk[7] ^= (uint8_t)(1u << ((unsigned)deg + 1u));
    }
    return 1;
}

aus_err aus_cltu_decode(const uint8_t *in, size_t n, bool randomize, uint8_t *out, size_t cap,
                        aus_cltu_result *res)
{
    AUS_ENSURE(in != NULL && out != NULL && res != NULL, AUS_E_ARG);
    aus_rd r;
    aus_rd_init(&r, in, n);
    /* 231.0-B §5.3.1: search the start sequence (exact match; octet-aligned input). */
    size_t s = 0;
    while (s + 1 < n && !(in[s] == cltu_start[0] && in[s + 1] == cltu_start[1]))
        s++;
    AUS_ENSURE(s + 1 < n, AUS_E_NOTFOUND);
    aus_rd_skip(&r, s + AUS_CLTU_START_LEN);
    aus_cltu_result out_res = {0};
    size_t len = 0;
    for (;;) {
        uint8_t blk[AUS_BCH_BLOCK];
        aus_rd_copy(&r, blk, AUS_BCH_BLOCK);
        AUS_TRY(r.err);
        int rc = bch_correct(blk);
        if (rc < 0) {
            AUS_ENSURE(is_tail(blk), AUS_E_FEC);
            AUS_ENSURE(out_res.blocks > 0, AUS_E_MALFORMED);
            break;
        }
        AUS_ENSURE(len + AUS_BCH_INFO <= cap, AUS_E_LIMIT);
        AUS_ENSURE(len + AUS_BCH_INFO < AUS_TC_FRAME_MAX + AUS_BCH_INFO, AUS_E_LIMIT);
        memcpy(out + len, blk, AUS_BCH_INFO);
        len += AUS_BCH_INFO;
        out_res.blocks++;
        out_res.corrected += (unsigned)rc;
    }
    if (randomize)
        aus_tc_randomize(out, len);
    out_res.consumed = r.off;
    out_res.data_len = len;
    *res = out_res;
    return AUS_OK;
}
