/* SPDX-License-Identifier: Apache-2.0 */
/* Library-internal CBOR head writer for the encoders of other layers (not installed, not
 * exported). */
#ifndef AUS_CBOR_WR_H
#define AUS_CBOR_WR_H

#include "australis/cbor.h"
#include "australis/cursor.h"

/* aus_cbor_wr_head(w, major, v) with its commonest case inlined at the call site: a 1-byte
 * head (v < 24, RFC 8949 §3) into a real buffer with room is one store. Anything else (sizer
 * mode, a sticky error, no room, a longer head) calls aus_cbor_wr_head, so the bytes, w->off
 * and w->err are exactly what aus_cbor_wr_head / wr_uint / wr_array leave. Why not the
 * exported functions: a call per head was ~1k instructions of every BPSec wrap. */
static inline void aus_cbor_wr_head_i(aus_wr *w, unsigned major, uint64_t v)
{
    if (v < 24 && w->base && !w->err && w->off < w->cap) {
        w->base[w->off++] = (uint8_t)(((major & 7u) << 5) | v);
        return;
    }
    aus_cbor_wr_head(w, major, v);
}

static inline void aus_cbor_wr_uint_i(aus_wr *w, uint64_t v)
{
    aus_cbor_wr_head_i(w, AUS_CBOR_UINT, v);
}

static inline void aus_cbor_wr_array_i(aus_wr *w, size_t n)
{
    aus_cbor_wr_head_i(w, AUS_CBOR_ARRAY, n);
}

#endif
