/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR subset on the cursor (RFC 8949): heads, scalars, string views, containers, walk.
 *
 * Every read goes through aus_rd, so the one bounds check lives in src/base/cursor.c; here we
 * only check that declared lengths and counts fit what remains before using them. */
#include <string.h>

#include "australis/cbor.h"

/* RFC 8949 §3: the initial byte splits into a 3-bit major type and 5-bit additional info. */
#define AI_1BYTE 24u
#define AI_8BYTE 27u
#define AI_INDEF 31u

static aus_err fail(aus_rd *r, aus_err e) { return aus_rd_fail(r, e); }

/* RFC 8949 §4.2.1 (preferred serialization): the argument must use the shortest head. */
static int is_shortest(uint8_t ai, uint64_t v)
{
    switch (ai) {
    case 24: return v >= 24;
    case 25: return v > 0xFFu;
    case 26: return v > 0xFFFFu;
    case 27: return v > 0xFFFFFFFFu;
    default: return 1;
    }
}

/* Store major/ai/indef/brk as one 32-bit word: callers test several of these bytes with one
 * wider load, which stalls on separate byte stores (no store-to-load forwarding). */
static inline void set_bytes(aus_cbor_head *h, uint8_t major, uint8_t ai, uint8_t indef,
                             uint8_t brk)
{
    const uint8_t four[4] = {major, ai, indef, brk};
    uint32_t word;
    memcpy(&word, four, sizeof word);
    memcpy(h, &word, sizeof word);
}

/* Rules on an argument carried in 1, 2, 4 or 8 bytes (ai 24..27). */
static aus_err arg_rules(unsigned flags, const aus_cbor_head *h)
{
    if (h->major == AUS_CBOR_SIMPLE) {
        /* RFC 8949 §3.3: a two-byte simple value below 32 is not well formed. Floats
         * (ai 25..27) are opaque bits here; no shortest-form rule is applied to them. */
        return h->ai == AI_1BYTE && h->val < 32 ? AUS_E_MALFORMED : AUS_OK;
    }
    if ((flags & AUS_CBOR_STRICT) && !is_shortest(h->ai, h->val))
        return (flags & AUS_CBOR_NAMED) ? AUS_E_NONPREFERRED : AUS_E_NONCANONICAL;
    return AUS_OK;
}

/* Additional information 28..31: reserved, indefinite length or break. */
static aus_err special_rules(unsigned flags, aus_cbor_head *h)
{
    if (h->ai < AI_INDEF)
        return AUS_E_MALFORMED; /* RFC 8949 §3: ai 28..30 are reserved */
    switch (h->major) {
    case AUS_CBOR_UINT:
    case AUS_CBOR_NINT:
    case AUS_CBOR_TAG: return AUS_E_MALFORMED; /* RFC 8949 §3: no indefinite form */
    case AUS_CBOR_SIMPLE: set_bytes(h, h->major, h->ai, 0, 1); return AUS_OK;
    default:
        if (flags & AUS_CBOR_NO_INDEF) /* RFC 8949 §4.2.1: definite only */
            return (flags & AUS_CBOR_NAMED) ? AUS_E_INDEF : AUS_E_NONCANONICAL;
        set_bytes(h, h->major, h->ai, 1, 0);
        return AUS_OK;
    }
}

/* Big-endian argument of n bytes at q[at..at+n) (a view the caller bounds-checked). */
static uint64_t be(const uint8_t *q, size_t at, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | q[at + i];
    return v;
}

/* The argument bytes and the rules on them (the slow path: ai >= 24). */
static aus_err head_tail(aus_rd *r, unsigned flags, aus_cbor_head *h)
{
    if (h->ai <= AI_8BYTE) {
        size_t n = (size_t)1 << (h->ai - AI_1BYTE);
        const uint8_t *q = aus_rd_view(r, n);
        if (!q)
            return r->err;
        h->val = be(q, 0, n);
        aus_err e = arg_rules(flags, h);
        return e ? fail(r, e) : AUS_OK;
    }
    aus_err e = special_rules(flags, h);
    return e ? fail(r, e) : AUS_OK;
}

/* One view of the initial byte; most heads (arguments < 24) end there. */
static inline aus_err head(aus_rd *r, unsigned flags, aus_cbor_head *h)
{
    const uint8_t *p = aus_rd_view(r, 1);
    uint8_t ib = p ? p[0] : 0;
    uint8_t ai = (uint8_t)(ib & 31u);
    set_bytes(h, (uint8_t)(ib >> 5), ai, 0, 0);
    h->val = ai < AI_1BYTE ? ai : 0;
    if (!p)
        return r->err;
    if (ai < AI_1BYTE)
        return AUS_OK;
    return head_tail(r, flags, h);
}

/* Big-endian value of the 1, 2, 4 or 8 argument bytes at q (bounds already checked). Written
 * as shifts of whole-width expressions, which compilers turn into one load and a byte swap on
 * either byte order. */
static inline uint64_t be_arg(const uint8_t *q, size_t n)
{
    switch (n) {
    case 1: return q[0];
    case 2: return (uint64_t)q[0] << 8 | q[1];
    case 4:
        return (uint64_t)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 |
                          (uint32_t)q[3]);
    default:
        return (uint64_t)q[0] << 56 | (uint64_t)q[1] << 48 | (uint64_t)q[2] << 40 |
               (uint64_t)q[3] << 32 | (uint64_t)q[4] << 24 | (uint64_t)q[5] << 16 |
               (uint64_t)q[6] << 8 | (uint64_t)q[7];
    }
}

/* The common case of aus_cbor_peek_heads: n well-formed heads of major 0..6 with a definite
 * argument (ai 0..27) that pass the flags' shortest-form rule. It decodes them exactly as
 * head() does and returns 1; on anything else (truncation, ai 28..31, major 7, a sticky error,
 * a non-shortest head under STRICT) it returns 0 having decided nothing, and the caller runs
 * the general reader from the start, which alone reports errors. Why hand-written: this is the
 * hottest loop of the BPv7 and BPSec decoders (one byte per head, one branch per head). */
static inline int peek_fast(const aus_rd *r, unsigned flags, aus_cbor_head *h, size_t n,
                            size_t *len)
{
    if (r->err || r->off >= r->len)
        return 0; /* (also never forms base + off over an empty reader, whose base may be NULL) */
    const uint8_t *p = r->base + r->off;
    size_t left = r->len - r->off, at = 0;
    for (size_t k = 0; k < n; k++) {
        if (at >= left)
            return 0;
        uint8_t ib = p[at];
        uint8_t ai = (uint8_t)(ib & 31u), major = (uint8_t)(ib >> 5);
        if (ai < AI_1BYTE) {
            set_bytes(&h[k], major, ai, 0, 0);
            h[k].val = ai;
            at++;
            continue;
        }
        if (ai > AI_8BYTE || major == AUS_CBOR_SIMPLE)
            return 0;
        size_t m = (size_t)1 << (ai - AI_1BYTE);
        if (m >= left - at)
            return 0; /* the head needs 1 + m bytes */
        uint64_t v = be_arg(p + at + 1, m);
        if ((flags & AUS_CBOR_STRICT) && !is_shortest(ai, v))
            return 0;
        set_bytes(&h[k], major, ai, 0, 0);
        h[k].val = v;
        at += 1 + m;
    }
    *len = at;
    return 1;
}

aus_err aus_cbor_peek_heads(const aus_rd *r, unsigned flags, aus_cbor_head *h, size_t n,
                            size_t *len)
{
    if (peek_fast(r, flags, h, n, len))
        return AUS_OK;
    /* The same head reader as every other read, on a copy of the cursor: one parser, one
     * bounds check (DESIGN.md §3), and r itself never moves. */
    aus_rd t = *r;
    *len = 0;
    for (size_t k = 0; k < n; k++)
        AUS_TRY(head(&t, flags, &h[k]));
    *len = t.off - r->off;
    return AUS_OK;
}

aus_err aus_cbor_rd_head(aus_rd *r, unsigned flags, aus_cbor_head *h) { return head(r, flags, h); }

/* Read a head and insist on a major type (a break is never what a typed read wants). */
static inline aus_err rd_typed(aus_rd *r, unsigned flags, unsigned major, aus_cbor_head *h)
{
    AUS_TRY(head(r, flags, h));
    if (h->major != major || h->brk)
        return fail(r, AUS_E_MALFORMED);
    return AUS_OK;
}

aus_err aus_cbor_rd_uint(aus_rd *r, unsigned flags, uint64_t *v)
{
    aus_cbor_head h;
    *v = 0;
    AUS_TRY(rd_typed(r, flags, AUS_CBOR_UINT, &h));
    *v = h.val;
    return AUS_OK;
}

aus_err aus_cbor_rd_int(aus_rd *r, unsigned flags, int64_t *v)
{
    aus_cbor_head h;
    *v = 0;
    AUS_TRY(head(r, flags, &h));
    if (h.major != AUS_CBOR_UINT && h.major != AUS_CBOR_NINT)
        return fail(r, AUS_E_MALFORMED);
    if (h.val > (uint64_t)INT64_MAX)
        return fail(r, AUS_E_LIMIT);
    /* RFC 8949 §3.1: major 1 encodes -1 - argument. */
    *v = h.major == AUS_CBOR_UINT ? (int64_t)h.val : -1 - (int64_t)h.val;
    return AUS_OK;
}

static aus_err rd_string(aus_rd *r, unsigned flags, unsigned major, const uint8_t **p, size_t *n)
{
    aus_cbor_head h;
    *p = NULL;
    *n = 0;
    AUS_TRY(rd_typed(r, flags, major, &h));
    if (h.indef)
        return fail(r, AUS_E_UNSUPPORTED); /* no single view of a chunked string */
    if (h.val > aus_rd_left(r))
        return fail(r, AUS_E_TRUNC);
    *p = aus_rd_view(r, (size_t)h.val);
    if (!*p)
        return r->err;
    *n = (size_t)h.val;
    return AUS_OK;
}

aus_err aus_cbor_rd_bstr(aus_rd *r, unsigned flags, const uint8_t **p, size_t *n)
{
    return rd_string(r, flags, AUS_CBOR_BSTR, p, n);
}

aus_err aus_cbor_rd_tstr(aus_rd *r, unsigned flags, const uint8_t **p, size_t *n)
{
    return rd_string(r, flags, AUS_CBOR_TSTR, p, n);
}

static aus_err rd_container(aus_rd *r, unsigned flags, unsigned major, size_t *n)
{
    aus_cbor_head h;
    *n = 0;
    AUS_TRY(rd_typed(r, flags, major, &h));
    if (h.indef) {
        *n = AUS_CBOR_INDEF;
        return AUS_OK;
    }
    /* Every item takes at least one byte: a count beyond what remains cannot be honest. */
    uint64_t per = major == AUS_CBOR_MAP ? 2u : 1u;
    if (h.val > aus_rd_left(r) / per)
        return fail(r, AUS_E_TRUNC);
    *n = (size_t)h.val;
    return AUS_OK;
}

aus_err aus_cbor_rd_array(aus_rd *r, unsigned flags, size_t *n)
{
    return rd_container(r, flags, AUS_CBOR_ARRAY, n);
}

aus_err aus_cbor_rd_map(aus_rd *r, unsigned flags, size_t *n)
{
    return rd_container(r, flags, AUS_CBOR_MAP, n);
}

aus_err aus_cbor_rd_simple(aus_rd *r, unsigned flags, uint8_t *v)
{
    aus_cbor_head h;
    *v = 0;
    AUS_TRY(rd_typed(r, flags, AUS_CBOR_SIMPLE, &h));
    if (h.ai > AI_1BYTE)
        return fail(r, AUS_E_MALFORMED); /* a float, not a simple value */
    *v = (uint8_t)h.val;
    return AUS_OK;
}

aus_err aus_cbor_rd_bool(aus_rd *r, unsigned flags, int *v)
{
    uint8_t s;
    *v = 0;
    AUS_TRY(aus_cbor_rd_simple(r, flags, &s));
    if (s != AUS_CBOR_FALSE && s != AUS_CBOR_TRUE)
        return fail(r, AUS_E_MALFORMED);
    *v = s == AUS_CBOR_TRUE;
    return AUS_OK;
}

int aus_cbor_at_break(const aus_rd *r)
{
    aus_rd probe = *r; /* peek through the cursor on a copy: r stays untouched */
    uint8_t b = aus_rd_peek(&probe);
    return probe.err == AUS_OK && b == 0xFF;
}

int aus_cbor_peek_major(const aus_rd *r)
{
    aus_rd probe = *r;
    uint8_t b = aus_rd_peek(&probe);
    return probe.err == AUS_OK ? b >> 5 : -1;
}

aus_err aus_cbor_rd_break(aus_rd *r)
{
    uint8_t b = aus_rd_u8(r);
    if (r->err)
        return r->err;
    return b == 0xFF ? AUS_OK : fail(r, AUS_E_MALFORMED);
}

/* ---- the generic walker: an explicit stack, no recursion ---- */

typedef struct walk_frame {
    uint64_t left;  /* definite containers and tags: items still expected; indefinite: items seen */
    uint8_t indef;  /* 1: ends at a break */
    uint8_t strmaj; /* indefinite string: the major type every chunk must have, else 0 */
    uint8_t map;    /* indefinite map: the break must follow a whole number of pairs */
} walk_frame;

typedef struct walk_state {
    walk_frame f[AUS_CBOR_MAX_DEPTH];
    unsigned depth;
} walk_state;

static aus_err push(aus_rd *r, walk_state *s, uint64_t left, uint8_t indef, uint8_t strmaj,
                    uint8_t map)
{
    if (s->depth >= AUS_CBOR_MAX_DEPTH)
        return fail(r, AUS_E_LIMIT);
    s->f[s->depth].left = left;
    s->f[s->depth].indef = indef;
    s->f[s->depth].strmaj = strmaj;
    s->f[s->depth].map = map;
    s->depth++;
    return AUS_OK;
}

/* One item finished at the current depth: count it in the enclosing definite containers. */
static void complete(walk_state *s)
{
    while (s->depth > 0) {
        walk_frame *f = &s->f[s->depth - 1];
        if (f->indef) {
            f->left++;
            return;
        }
        if (--f->left > 0)
            return;
        s->depth--;
    }
}

/* Handle one head; returns 1 when an item was completed (leaf or closed container). */
static aus_err walk_head(aus_rd *r, walk_state *s, aus_cbor_item *it, int *done)
{
    const aus_cbor_head *h = &it->h;
    walk_frame *top = s->depth ? &s->f[s->depth - 1] : NULL;
    *done = 0;
    if (h->brk) {
        /* RFC 8949 §3.2.1: a break is only valid as the end of an indefinite item. */
        if (!top || !top->indef)
            return fail(r, AUS_E_MALFORMED);
        if (top->map && (top->left & 1u))
            return fail(r, AUS_E_MALFORMED); /* RFC 8949 §3.2.2: a key without its value */
        s->depth--;
        *done = 1;
        return AUS_OK;
    }
    if (top && top->strmaj && (h->major != top->strmaj || h->indef))
        return fail(r, AUS_E_MALFORMED); /* RFC 8949 §3.2.3: chunks are definite, same type */
    switch (h->major) {
    case AUS_CBOR_BSTR:
    case AUS_CBOR_TSTR:
        if (h->indef)
            return push(r, s, 0, 1, h->major, 0);
        if (h->val > aus_rd_left(r))
            return fail(r, AUS_E_TRUNC);
        it->len = (size_t)h->val;
        it->data = aus_rd_view(r, it->len);
        *done = 1;
        return r->err;
    case AUS_CBOR_ARRAY:
    case AUS_CBOR_MAP: {
        if (h->indef)
            return push(r, s, 0, 1, 0, h->major == AUS_CBOR_MAP);
        uint64_t per = h->major == AUS_CBOR_MAP ? 2u : 1u;
        if (h->val > aus_rd_left(r) / per)
            return fail(r, AUS_E_TRUNC);
        if (h->val == 0) {
            *done = 1;
            return AUS_OK;
        }
        return push(r, s, h->val * per, 0, 0, 0);
    }
    case AUS_CBOR_TAG: return push(r, s, 1, 0, 0, 0);
    default: *done = 1; return AUS_OK;
    }
}

aus_err aus_cbor_walk(aus_rd *r, unsigned flags, aus_cbor_visit_fn fn, void *ctx)
{
    walk_state s;
    s.depth = 0;
    do {
        aus_cbor_item it;
        int done;
        it.off = r->off;
        it.depth = s.depth;
        it.data = NULL;
        it.len = 0;
        AUS_TRY(head(r, flags, &it.h));
        if (it.h.brk && s.depth == 0)
            return fail(r, AUS_E_MALFORMED);
        AUS_TRY(walk_head(r, &s, &it, &done));
        if (fn) {
            int rc = fn(ctx, &it);
            if (rc < 0)
                return fail(r, (aus_err)rc);
        }
        if (done)
            complete(&s);
    } while (s.depth > 0);
    return AUS_OK;
}

aus_err aus_cbor_skip(aus_rd *r, unsigned flags) { return aus_cbor_walk(r, flags, NULL, NULL); }

aus_err aus_cbor_rd_raw(aus_rd *r, unsigned flags, const uint8_t **p, size_t *n)
{
    aus_rd probe = *r;
    *p = NULL;
    *n = 0;
    aus_err e = aus_cbor_skip(&probe, flags);
    if (e)
        return fail(r, e);
    *n = probe.off - r->off;
    *p = aus_rd_view(r, *n);
    return r->err;
}

/* ---- encoding: always the shortest head (RFC 8949 §4.2.1) ---- */

size_t aus_cbor_head_len(uint64_t v)
{
    if (v < 24)
        return 1;
    if (v <= 0xFFu)
        return 2;
    if (v <= 0xFFFFu)
        return 3;
    if (v <= 0xFFFFFFFFu)
        return 5;
    return 9;
}

/* The head writer, inlined into the writers of this file (their hot path is one store). */
static inline void wr_head(aus_wr *w, unsigned major, uint64_t v)
{
    uint8_t mt = (uint8_t)((major & 7u) << 5);
    /* Fast path: a 1-byte head into a real buffer with room, written with one store. Anything
     * else (sizer mode, a sticky error, a head that does not fit, a longer head) takes the
     * general path below, so the bytes, w->off and w->err are exactly as before. */
    if (v < 24 && w->base && !w->err && w->off < w->cap) {
        w->base[w->off++] = (uint8_t)(mt | v);
        return;
    }
    size_t n = aus_cbor_head_len(v);
    if (n > 1 && w->base && !w->err && n <= w->cap - w->off) {
        static const uint8_t ai_of[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
        uint8_t *q = w->base + w->off;
        q[0] = (uint8_t)(mt | ai_of[n]);
        for (size_t i = n - 1; i > 0; i--, v >>= 8)
            q[i] = (uint8_t)v;
        w->off += n;
        return;
    }
    if (n == 1) {
        aus_wr_u8(w, (uint8_t)(mt | v));
        return;
    }
    static const uint8_t ai_for_len[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    aus_wr_u8(w, (uint8_t)(mt | ai_for_len[n]));
    aus_wr_ben(w, v, n - 1);
}

void aus_cbor_wr_head(aus_wr *w, unsigned major, uint64_t v) { wr_head(w, major, v); }

void aus_cbor_wr_uint(aus_wr *w, uint64_t v) { wr_head(w, AUS_CBOR_UINT, v); }

void aus_cbor_wr_int(aus_wr *w, int64_t v)
{
    if (v >= 0)
        wr_head(w, AUS_CBOR_UINT, (uint64_t)v);
    else
        wr_head(w, AUS_CBOR_NINT, (uint64_t)(-(v + 1)));
}

void aus_cbor_wr_bstr(aus_wr *w, const void *p, size_t n)
{
    wr_head(w, AUS_CBOR_BSTR, n);
    aus_wr_bytes(w, p, n);
}

void aus_cbor_wr_tstr(aus_wr *w, const char *p, size_t n)
{
    wr_head(w, AUS_CBOR_TSTR, n);
    aus_wr_bytes(w, p, n);
}

void aus_cbor_wr_cstr(aus_wr *w, const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    aus_cbor_wr_tstr(w, s, n);
}

void aus_cbor_wr_array(aus_wr *w, size_t n) { wr_head(w, AUS_CBOR_ARRAY, n); }
void aus_cbor_wr_array_indef(aus_wr *w) { aus_wr_u8(w, 0x9F); }
void aus_cbor_wr_map(aus_wr *w, size_t n) { wr_head(w, AUS_CBOR_MAP, n); }
void aus_cbor_wr_map_indef(aus_wr *w) { aus_wr_u8(w, 0xBF); }
void aus_cbor_wr_tag(aus_wr *w, uint64_t tag) { wr_head(w, AUS_CBOR_TAG, tag); }
void aus_cbor_wr_bool(aus_wr *w, int v) { aus_wr_u8(w, v ? 0xF5 : 0xF4); }
void aus_cbor_wr_null(aus_wr *w) { aus_wr_u8(w, 0xF6); }
void aus_cbor_wr_undefined(aus_wr *w) { aus_wr_u8(w, 0xF7); }
void aus_cbor_wr_break(aus_wr *w) { aus_wr_u8(w, 0xFF); }

void aus_cbor_wr_simple(aus_wr *w, uint8_t v)
{
    if (v >= 24 && v < 32) {
        aus_wr_fail(w, AUS_E_ARG); /* RFC 8949 §3.3: not encodable */
        return;
    }
    wr_head(w, AUS_CBOR_SIMPLE, v);
}
