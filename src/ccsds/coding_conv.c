/* SPDX-License-Identifier: Apache-2.0 */
/* Convolutional code r = 1/2, k = 7 (CCSDS 131.0-B §3): encoder only.
 *
 * G1 = 171 (octal), G2 = 133 (octal), G2's output inverted, symbols sent G1 first. With the
 * register holding the newest input bit in its least significant position the taps read
 * bit-reversed: G1 -> 0x4F, G2 -> 0x6D (libfec's V27POLYB / V27POLYA, "CCSDS/NASA-GSFC
 * convention: V27POLYB, then V27POLYA inverted"). Decoding (Viterbi) needs libfec's
 * create_viterbi27, which allocates: it lives in the CLI (apps/australis/cli/cmd_ccsds.c). */
#include <string.h>

#include "australis/coding.h"

#define CONV_G1 0x4Fu
#define CONV_G2 0x6Du

static unsigned parity7(unsigned x)
{
    x &= 0x7Fu;
    x ^= x >> 4;
    x ^= x >> 2;
    x ^= x >> 1;
    return x & 1u;
}

size_t aus_conv_encoded_bits(size_t n, bool terminate)
{
    return 2u * (8u * n + (terminate ? AUS_CONV_TAIL_BITS : 0u));
}

aus_err aus_conv_encode(const uint8_t *in, size_t n, bool terminate, uint8_t *out, size_t cap)
{
    AUS_ENSURE(in != NULL || n == 0, AUS_E_ARG);
    AUS_ENSURE(out != NULL, AUS_E_ARG);
    size_t nbits = aus_conv_encoded_bits(n, terminate);
    AUS_ENSURE(cap >= (nbits + 7u) / 8u, AUS_E_NOBUFS);
    memset(out, 0, (nbits + 7u) / 8u);
    unsigned reg = 0;
    size_t o = 0, total_in = 8u * n + (terminate ? AUS_CONV_TAIL_BITS : 0u);
    for (size_t i = 0; i < total_in; i++) {
        /* information bits MSB first, then the zero tail that returns the encoder to state 0 */
        unsigned b = i < 8u * n ? ((unsigned)in[i / 8u] >> (7u - i % 8u)) & 1u : 0u;
        reg = ((reg << 1) | b) & 0x7Fu;
        unsigned s1 = parity7(reg & CONV_G1), s2 = parity7(reg & CONV_G2) ^ 1u; /* G2 inverted */
        out[o / 8u] |= (uint8_t)(s1 << (7u - o % 8u));
        o++;
        out[o / 8u] |= (uint8_t)(s2 << (7u - o % 8u));
        o++;
    }
    return AUS_OK;
}
