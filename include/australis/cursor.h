/* SPDX-License-Identifier: Apache-2.0 */
/* The one bounds-checked reader and writer (DESIGN.md §3).
 *
 * All parsing of untrusted bytes goes through aus_rd; all encoding through aus_wr.
 * Errors are sticky: the first one wins, later calls return 0 and move nothing.
 * Invariant: off <= len at all times.
 */
#ifndef AUSTRALIS_CURSOR_H
#define AUSTRALIS_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aus_rd {
    const uint8_t *base;
    size_t len; /* invariant: off <= len */
    size_t off;
    aus_err err; /* sticky: first error wins */
} aus_rd;

typedef struct aus_wr {
    uint8_t *base; /* NULL: size-only mode (counts bytes, writes nothing) */
    size_t cap;
    size_t off;
    aus_err err; /* sticky; AUS_E_NOBUFS when cap is exceeded */
} aus_wr;

/* ---- reader ---- */
void aus_rd_init(aus_rd *r, const uint8_t *p, size_t len);
static inline size_t aus_rd_left(const aus_rd *r) { return r->err ? 0 : r->len - r->off; }
static inline int aus_rd_ok(const aus_rd *r) { return r->err == AUS_OK; }
/* Record an error (first one wins); returns the reader's error. */
aus_err aus_rd_fail(aus_rd *r, aus_err e);
uint8_t aus_rd_u8(aus_rd *r);
uint16_t aus_rd_be16(aus_rd *r);
uint32_t aus_rd_be32(aus_rd *r);
uint64_t aus_rd_be64(aus_rd *r);
/* Big-endian unsigned of n (1..8) bytes. */
uint64_t aus_rd_ben(aus_rd *r, size_t n);
/* Peek the next byte without consuming (0 with AUS_E_TRUNC set if none). */
uint8_t aus_rd_peek(aus_rd *r);
/* Zero-copy slice of n bytes (NULL on error, AUS_E_TRUNC if fewer than n remain).
 * This is the reader's one bounds check; every other read goes through it. Inline because
 * it is on every decoder's hot path. */
static inline const uint8_t *aus_rd_view(aus_rd *r, size_t n)
{
    if (r->err)
        return NULL;
    if (n > r->len - r->off) {
        r->err = AUS_E_TRUNC;
        return NULL;
    }
    const uint8_t *p = r->base + r->off;
    r->off += n;
    return p;
}
/* Copy n bytes out. */
void aus_rd_copy(aus_rd *r, void *dst, size_t n);
void aus_rd_skip(aus_rd *r, size_t n);
/* Bounded child reader over the next n bytes; the parent advances past them. */
aus_rd aus_rd_sub(aus_rd *r, size_t n);
/* AUS_OK only with no error and all bytes consumed (else the error, or AUS_E_TRAILING). */
AUS_MUST_USE aus_err aus_rd_finish(const aus_rd *r);

/* ---- writer ---- */
void aus_wr_init(aus_wr *w, uint8_t *p, size_t cap);
/* Size-only writer: counts what would be written. */
void aus_wr_init_sizer(aus_wr *w);
aus_err aus_wr_fail(aus_wr *w, aus_err e);
void aus_wr_u8(aus_wr *w, uint8_t v);
void aus_wr_be16(aus_wr *w, uint16_t v);
void aus_wr_be32(aus_wr *w, uint32_t v);
void aus_wr_be64(aus_wr *w, uint64_t v);
void aus_wr_ben(aus_wr *w, uint64_t v, size_t n);
void aus_wr_bytes(aus_wr *w, const void *src, size_t n);
void aus_wr_fill(aus_wr *w, uint8_t v, size_t n);
/* Reserve n bytes to be filled later; returns a pointer (NULL in sizer mode or on error). */
uint8_t *aus_wr_reserve(aus_wr *w, size_t n);
static inline size_t aus_wr_len(const aus_wr *w) { return w->off; }
static inline size_t aus_wr_left(const aus_wr *w) { return w->err ? 0 : w->cap - w->off; }
/* The writer's sticky error, nothing else: AUS_OK when every write fitted (the length written is
 * aus_wr_len), else the first error (AUS_E_NOBUFS: a write did not fit; AUS_E_ARG: initialised
 * over NULL; or what aus_wr_fail set). Unlike aus_rd_finish it does not require the buffer to
 * be full. */
AUS_MUST_USE aus_err aus_wr_finish(const aus_wr *w);

#ifdef __cplusplus
}
#endif
#endif
