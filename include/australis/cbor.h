/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR subset for BPv7 / BPSec (RFC 8949), on the cursor (DESIGN.md §3).
 *
 * Decoding reads from an aus_rd and yields views into the input (no copies, no allocation);
 * every length is checked against what remains before it is used. Errors are sticky in the
 * reader and also returned. Encoding writes through an aus_wr (works in sizer mode).
 *
 * Supported: unsigned / negative integers (major 0/1), byte and text strings (2/3, definite;
 * indefinite strings are walked and skipped, but aus_cbor_rd_bstr/tstr refuse them),
 * definite and indefinite arrays (4) and maps (5), tags (6, walked/skipped), simple values
 * (false, true, null, undefined, other simple values), floats (skipped as opaque bits), break.
 *
 * Strictness (flags argument, AUS_CBOR_*):
 *   0                  well-formedness only (RFC 8949 §3), any head length accepted.
 *   AUS_CBOR_STRICT    additionally the preferred serialization of RFC 8949 §4.2.1 for heads:
 *                      a non-shortest integer/length argument is AUS_E_NONCANONICAL. BPv7
 *                      decodes with this by default (RFC 9171 §4.1 / RFC 9172 need a single
 *                      encoding of each value so that CRCs and BPSec signatures are stable).
 *   AUS_CBOR_NO_INDEF  indefinite-length items are AUS_E_NONCANONICAL (deterministic encoding,
 *                      RFC 8949 §4.2.1); use for items inside blocks, not for the bundle array.
 *
 * Errors (all functions): AUS_E_TRUNC (input ends inside the item), AUS_E_MALFORMED (reserved
 * additional info 28..30, indefinite length where not allowed, break outside an indefinite item,
 * two-byte simple value < 32, wrong major type for the function), AUS_E_NONCANONICAL (strict
 * modes above; AUS_E_NONPREFERRED / AUS_E_INDEF instead with AUS_CBOR_NAMED), AUS_E_LIMIT (nesting
 * deeper than AUS_CBOR_MAX_DEPTH, or a count that cannot fit the remaining input or size_t),
 * AUS_E_UNSUPPORTED (indefinite string where a view is asked).
 */
#ifndef AUSTRALIS_CBOR_H
#define AUSTRALIS_CBOR_H

#include <stddef.h>
#include <stdint.h>

#include "australis/config.h"
#include "australis/cursor.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decoder flags. */
#define AUS_CBOR_STRICT 0x1u   /* shortest-form heads required (RFC 8949 §4.2.1) */
#define AUS_CBOR_NO_INDEF 0x2u /* indefinite lengths refused (deterministic encoding) */
/* With STRICT / NO_INDEF: report a non-shortest head as AUS_E_NONPREFERRED and an indefinite
 * length as AUS_E_INDEF instead of AUS_E_NONCANONICAL, so a caller can name the form refused. */
#define AUS_CBOR_NAMED 0x4u

/* Major types (RFC 8949 §3.1). */
typedef enum aus_cbor_major {
    AUS_CBOR_UINT = 0,
    AUS_CBOR_NINT = 1,
    AUS_CBOR_BSTR = 2,
    AUS_CBOR_TSTR = 3,
    AUS_CBOR_ARRAY = 4,
    AUS_CBOR_MAP = 5,
    AUS_CBOR_TAG = 6,
    AUS_CBOR_SIMPLE = 7, /* simple values, floats and break */
} aus_cbor_major;

/* Simple values (RFC 8949 §3.3). */
#define AUS_CBOR_FALSE 20u
#define AUS_CBOR_TRUE 21u
#define AUS_CBOR_NULL 22u
#define AUS_CBOR_UNDEFINED 23u

/* "Indefinite" count returned by aus_cbor_rd_array / aus_cbor_rd_map. */
#define AUS_CBOR_INDEF SIZE_MAX

/* One decoded head (initial byte + argument). */
typedef struct aus_cbor_head {
    uint8_t major; /* aus_cbor_major */
    uint8_t ai;    /* additional information, 0..31 */
    uint8_t indef; /* 1: indefinite length (ai 31) on major 2..5 */
    uint8_t brk;   /* 1: the "break" stop code (0xFF) */
    uint64_t val;  /* the argument: value, length, count, tag, simple value or float bits */
} aus_cbor_head;

/* ---- decoding ---- */

/* Read one head. Errors: TRUNC, MALFORMED, NONCANONICAL (STRICT / NO_INDEF). */
AUS_MUST_USE aus_err aus_cbor_rd_head(aus_rd *r, unsigned flags, aus_cbor_head *h);
/* Decode the next n consecutive heads without consuming anything (a fast path for runs of small
 * items such as [7, flags, crc]); *len gets their encoded length: aus_rd_skip(r, *len) once the
 * caller accepts them. A string's head is decoded without its content. It is aus_cbor_rd_head
 * n times on a copy of r (the same parser and bounds check). Errors (only returned, never
 * recorded in r, so a caller can re-read item by item for a precise report): TRUNC, MALFORMED,
 * NONCANONICAL (NONPREFERRED, INDEF with AUS_CBOR_NAMED). */
AUS_MUST_USE aus_err aus_cbor_peek_heads(const aus_rd *r, unsigned flags, aus_cbor_head *h,
                                         size_t n, size_t *len);
/* Unsigned integer (major 0). MALFORMED on another major type. */
AUS_MUST_USE aus_err aus_cbor_rd_uint(aus_rd *r, unsigned flags, uint64_t *v);
/* Signed integer (major 0 or 1) that fits int64_t; LIMIT if it does not. */
AUS_MUST_USE aus_err aus_cbor_rd_int(aus_rd *r, unsigned flags, int64_t *v);
/* Definite byte / text string as a view into the input. UNSUPPORTED if indefinite. */
AUS_MUST_USE aus_err aus_cbor_rd_bstr(aus_rd *r, unsigned flags, const uint8_t **p, size_t *n);
AUS_MUST_USE aus_err aus_cbor_rd_tstr(aus_rd *r, unsigned flags, const uint8_t **p, size_t *n);
/* Array / map head: *n is the item / pair count, or AUS_CBOR_INDEF. A definite count larger
 * than the remaining bytes (each item needs >= 1 byte) is TRUNC before anything is read. */
AUS_MUST_USE aus_err aus_cbor_rd_array(aus_rd *r, unsigned flags, size_t *n);
AUS_MUST_USE aus_err aus_cbor_rd_map(aus_rd *r, unsigned flags, size_t *n);
/* Boolean (simple 20/21). MALFORMED otherwise. */
AUS_MUST_USE aus_err aus_cbor_rd_bool(aus_rd *r, unsigned flags, int *v);
/* Any simple value (major 7, not a float, not break): *v = 0..255. */
AUS_MUST_USE aus_err aus_cbor_rd_simple(aus_rd *r, unsigned flags, uint8_t *v);
/* Consume the break (0xFF). MALFORMED if the next byte is not a break. */
AUS_MUST_USE aus_err aus_cbor_rd_break(aus_rd *r);
/* 1 if the next byte is the break code (does not consume; 0 on error / end of input). */
int aus_cbor_at_break(const aus_rd *r);
/* Major type of the next item without consuming (-1 at end of input or on error). */
int aus_cbor_peek_major(const aus_rd *r);
/* Skip one complete item (nested up to AUS_CBOR_MAX_DEPTH). */
AUS_MUST_USE aus_err aus_cbor_skip(aus_rd *r, unsigned flags);
/* Skip one complete item and return a view of its encoded bytes (head included). */
AUS_MUST_USE aus_err aus_cbor_rd_raw(aus_rd *r, unsigned flags, const uint8_t **p, size_t *n);

/* Generic walk: visits every head of one complete item, depth-first, in encoding order.
 * For definite strings, data/len give the content; indefinite strings visit each chunk at
 * depth + 1 and then the break; indefinite arrays/maps visit their break (h->brk = 1) at
 * depth + 1. A visitor returning < 0 stops the walk with that error. */
typedef struct aus_cbor_item {
    aus_cbor_head h;
    unsigned depth;
    size_t off;          /* offset of the head in the reader's buffer */
    const uint8_t *data; /* definite string content, else NULL */
    size_t len;
} aus_cbor_item;
typedef int (*aus_cbor_visit_fn)(void *ctx, const aus_cbor_item *it);
AUS_MUST_USE aus_err aus_cbor_walk(aus_rd *r, unsigned flags, aus_cbor_visit_fn fn, void *ctx);

/* ---- encoding (always the shortest form, RFC 8949 §4.2.1) ---- */

/* Length of the shortest head for argument v (1, 2, 3, 5 or 9). */
size_t aus_cbor_head_len(uint64_t v);
void aus_cbor_wr_head(aus_wr *w, unsigned major, uint64_t v);
void aus_cbor_wr_uint(aus_wr *w, uint64_t v);
void aus_cbor_wr_int(aus_wr *w, int64_t v);
void aus_cbor_wr_bstr(aus_wr *w, const void *p, size_t n);
void aus_cbor_wr_tstr(aus_wr *w, const char *p, size_t n);
/* Null-terminated text string convenience. */
void aus_cbor_wr_cstr(aus_wr *w, const char *s);
void aus_cbor_wr_array(aus_wr *w, size_t n);
void aus_cbor_wr_array_indef(aus_wr *w);
void aus_cbor_wr_map(aus_wr *w, size_t n);
void aus_cbor_wr_map_indef(aus_wr *w);
void aus_cbor_wr_tag(aus_wr *w, uint64_t tag);
void aus_cbor_wr_bool(aus_wr *w, int v);
void aus_cbor_wr_null(aus_wr *w);
void aus_cbor_wr_undefined(aus_wr *w);
/* Simple value 0..23 or 32..255 (24..31 cannot be encoded: AUS_E_ARG). */
void aus_cbor_wr_simple(aus_wr *w, uint8_t v);
void aus_cbor_wr_break(aus_wr *w);

#ifdef __cplusplus
}
#endif
#endif
