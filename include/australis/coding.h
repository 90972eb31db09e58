/* SPDX-License-Identifier: Apache-2.0 */
/* CCSDS synchronisation and channel coding: TM (131.0-B) and TC (231.0-B).
 *
 * Sans-I/O, no allocation. Constants and procedures: 131.0-B and 231.0-B (sections per rule in
 * docs/standards.md).
 *   - ASM 1ACFFC1D before every TM codeblock / frame (never randomized, never RS-coded).
 *   - TM pseudo-randomizer h(x) = x^8+x^7+x^5+x^3+1, TC randomizer h(x) = x^8+x^6+x^4+x^3+x^2+x+1,
 *     both seeded all ones at the start of each CADU / TC frame.
 *   - Reed-Solomon (255,223) E=16, Berlekamp dual basis, interleave depth I = 1..8, virtual fill
 *     (shortening) q = 0..222, through Debian's libfec (encode_rs_ccsds / decode_rs_ccsds).
 *   - CLTU: start sequence EB90, BCH(63,56) codeblocks (7 octets + complemented parity + filler
 *     bit 0), fill 0x55, tail sequence C5C5C5C5C5C5C579.
 */
#ifndef AUSTRALIS_CODING_H
#define AUSTRALIS_CODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "australis/cursor.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_ASM_LEN 4u
extern const uint8_t aus_tm_asm[AUS_ASM_LEN]; /* 1A CF FC 1D */

/* ---- randomizers (XOR in place; the same call de-randomizes) ---- */
void aus_tm_randomize(uint8_t *p, size_t n);
void aus_tc_randomize(uint8_t *p, size_t n);

/* ---- Reed-Solomon (255,223), E = 16 ---- */
#define AUS_RS_N 255u
#define AUS_RS_K 223u
#define AUS_RS_PARITY 32u
#define AUS_RS_MAX_INTERLEAVE 8u

/* Octets of frame data one codeblock protects: (223 - pad) * I; 0 when I or pad is invalid. */
size_t aus_rs_data_len(unsigned interleave, unsigned pad);
/* Octets of one codeblock: (255 - pad) * I; 0 when I or pad is invalid. */
size_t aus_rs_block_len(unsigned interleave, unsigned pad);

/* Encode in place: block holds aus_rs_data_len() data octets; the 32*I parity octets are written
 * after them, interleaved symbol by symbol (131.0-B §4.3.6: octet k belongs to codeword k mod I).
 * Errors: AUS_E_ARG (interleave not 1..8, pad > 222). */
AUS_MUST_USE aus_err aus_rs_encode(uint8_t *block, unsigned interleave, unsigned pad);
/* Bit j set when codeword j of the codeblock is not a valid codeword (some symbol is wrong); 0
 * when all are valid (or the arguments are invalid). No correction is attempted. */
unsigned aus_rs_dirty(const uint8_t *block, unsigned interleave, unsigned pad);
/* Decode in place a codeblock of aus_rs_block_len() octets; *corrected = symbols corrected over
 * all codewords. On AUS_E_FEC (some codeword has more than 16 symbol errors) block is unchanged.
 * Errors: AUS_E_ARG, AUS_E_FEC. */
AUS_MUST_USE aus_err aus_rs_decode(uint8_t *block, unsigned interleave, unsigned pad,
                                   unsigned *corrected);

/* ---- TM CADU = ASM | codeblock (frame + RS check symbols) randomized ---- */
typedef struct aus_tm_coding {
    uint8_t rs_interleave; /* 0 = no Reed-Solomon; else 1..8 */
    uint8_t rs_pad;        /* virtual fill q (shortening), 0..222 */
    bool randomize;        /* 131.0-B §10: pseudo-randomizer on */
} aus_tm_coding;

/* CADU length for a frame of frame_len octets; 0 when the frame length does not match the
 * RS data space (frame_len must equal (223 - pad) * I when RS is on). */
size_t aus_tm_cadu_len(const aus_tm_coding *c, size_t frame_len);
/* Build the CADU in cadu[0..aus_tm_cadu_len()). Errors: AUS_E_ARG (length mismatch),
 * AUS_E_NOBUFS (cap too small). */
AUS_MUST_USE aus_err aus_tm_cadu_encode(const aus_tm_coding *c, const uint8_t *frame,
                                        size_t frame_len, uint8_t *cadu, size_t cap);
/* Decode a CADU in place: check the ASM, de-randomize, RS-decode. *frame points into cadu.
 * Errors: AUS_E_ARG (len is not a CADU length for this coding), AUS_E_MALFORMED (ASM
 * mismatch), AUS_E_FEC (uncorrectable codeblock; cadu is left de-randomized). */
AUS_MUST_USE aus_err aus_tm_cadu_decode(const aus_tm_coding *c, uint8_t *cadu, size_t len,
                                        uint8_t **frame, size_t *frame_len, unsigned *corrected);

/* ---- CLTU (231.0-B §5) ---- */
#define AUS_CLTU_START_LEN 2u
#define AUS_CLTU_TAIL_LEN 8u
#define AUS_BCH_INFO 7u
#define AUS_BCH_BLOCK 8u
#ifndef AUS_TC_FRAME_MAX
#define AUS_TC_FRAME_MAX 1024u /* 232.0-B §4.1.2.7: the frame length field allows 1024 */
#endif

/* The parity octet of one BCH(63,56) codeblock: 7 complemented parity bits, filler bit 0. */
uint8_t aus_bch_parity(const uint8_t info[AUS_BCH_INFO]);
/* CLTU length for a TC frame of n octets. */
size_t aus_cltu_len(size_t frame_len);
/* Encode a TC frame (1..1024 octets) as one CLTU; randomize = TC randomizer on the frame
 * (not on the fill). Errors: AUS_E_ARG (length), AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_cltu_encode(aus_wr *w, const uint8_t *frame, size_t frame_len,
                                     bool randomize);

typedef struct aus_cltu_result {
    size_t consumed;    /* octets of input used: leading junk, start, codeblocks, tail */
    size_t data_len;    /* codeblock data octets recovered (frame + fill) */
    unsigned corrected; /* single-bit errors corrected */
    unsigned blocks;    /* codeblocks accepted */
} aus_cltu_result;

/* Decode the first CLTU found in in[0..n): search the start sequence (leading octets are
 * skipped), decode codeblocks in error-correcting mode until the tail sequence, then
 * de-randomize (when asked) and write the codeblock data (frame followed by any fill) to out.
 * The frame's own length field tells the caller where the fill starts (aus_tc_frame_decode).
 * Errors: AUS_E_NOTFOUND (no start sequence), AUS_E_TRUNC (input ends before the tail),
 * AUS_E_FEC (a codeblock other than the tail has two or more bit errors: the CLTU is rejected,
 * 231.0-B §4.2.3 [assumption, see docs/standards.md]), AUS_E_LIMIT (more data than out holds or
 * than a 1024-octet frame needs), AUS_E_MALFORMED (tail directly after the start). */
AUS_MUST_USE aus_err aus_cltu_decode(const uint8_t *in, size_t n, bool randomize, uint8_t *out,
                                     size_t cap, aus_cltu_result *res);

/* ---- convolutional code r = 1/2, k = 7 (131.0-B §3), encoder ---- */
#define AUS_CONV_TAIL_BITS 6u /* zero bits that return the encoder to state 0 */

/* Channel symbols (bits) for n octets, with or without the 6-bit zero tail. */
size_t aus_conv_encoded_bits(size_t n, bool terminate);
/* Encode n octets (MSB first) into hard-decision symbols packed MSB first (G1, then inverted
 * G2, per input bit); the last octet is zero-padded. Errors: AUS_E_ARG, AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_conv_encode(const uint8_t *in, size_t n, bool terminate, uint8_t *out,
                                     size_t cap);

#ifdef __cplusplus
}
#endif
#endif
