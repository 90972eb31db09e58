/* SPDX-License-Identifier: Apache-2.0 */
/* The cursor: the only bounds check on untrusted input (DESIGN.md §3). */
#include <string.h>

#include "australis/cursor.h"

void aus_rd_init(aus_rd *r, const uint8_t *p, size_t len)
{
    r->base = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->err = AUS_OK;
}

aus_err aus_rd_fail(aus_rd *r, aus_err e)
{
    if (r->err == AUS_OK && e != AUS_OK)
        r->err = e;
    return r->err;
}

/* All reads go through the single bounds check, aus_rd_view (cursor.h). */
static const uint8_t *take(aus_rd *r, size_t n) { return aus_rd_view(r, n); }

uint8_t aus_rd_u8(aus_rd *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint64_t aus_rd_ben(aus_rd *r, size_t n)
{
    if (n > 8) {
        aus_rd_fail(r, AUS_E_ARG);
        return 0;
    }
    const uint8_t *p = take(r, n);
    uint64_t v = 0;
    if (!p)
        return 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

uint16_t aus_rd_be16(aus_rd *r) { return (uint16_t)aus_rd_ben(r, 2); }
uint32_t aus_rd_be32(aus_rd *r) { return (uint32_t)aus_rd_ben(r, 4); }
uint64_t aus_rd_be64(aus_rd *r) { return aus_rd_ben(r, 8); }

uint8_t aus_rd_peek(aus_rd *r)
{
    if (r->err)
        return 0;
    if (r->off >= r->len) {
        r->err = AUS_E_TRUNC;
        return 0;
    }
    return r->base[r->off];
}

void aus_rd_copy(aus_rd *r, void *dst, size_t n)
{
    const uint8_t *p = take(r, n);
    if (p && n)
        memcpy(dst, p, n);
}

void aus_rd_skip(aus_rd *r, size_t n) { (void)take(r, n); }

aus_rd aus_rd_sub(aus_rd *r, size_t n)
{
    aus_rd c;
    const uint8_t *p = take(r, n);
    aus_rd_init(&c, p, p ? n : 0);
    if (!p)
        c.err = r->err;
    return c;
}

aus_err aus_rd_finish(const aus_rd *r)
{
    if (r->err)
        return r->err;
    return r->off == r->len ? AUS_OK : AUS_E_TRAILING;
}

void aus_wr_init(aus_wr *w, uint8_t *p, size_t cap)
{
    w->base = p;
    w->cap = p ? cap : 0;
    w->off = 0;
    w->err = p ? AUS_OK : AUS_E_ARG;
}

void aus_wr_init_sizer(aus_wr *w)
{
    w->base = NULL;
    w->cap = SIZE_MAX;
    w->off = 0;
    w->err = AUS_OK;
}

aus_err aus_wr_fail(aus_wr *w, aus_err e)
{
    if (w->err == AUS_OK && e != AUS_OK)
        w->err = e;
    return w->err;
}

/* The writer's single bounds check; returns NULL in sizer mode (after counting). */
static uint8_t *put(aus_wr *w, size_t n)
{
    if (w->err)
        return NULL;
    if (n > w->cap - w->off) {
        w->err = AUS_E_NOBUFS;
        return NULL;
    }
    uint8_t *p = w->base ? w->base + w->off : NULL;
    w->off += n;
    return p;
}

void aus_wr_u8(aus_wr *w, uint8_t v)
{
    uint8_t *p = put(w, 1);
    if (p)
        p[0] = v;
}

void aus_wr_ben(aus_wr *w, uint64_t v, size_t n)
{
    if (n > 8) {
        aus_wr_fail(w, AUS_E_ARG);
        return;
    }
    uint8_t *p = put(w, n);
    if (!p)
        return;
    for (size_t i = n; i > 0; i--) {
        p[i - 1] = (uint8_t)v;
        v >>= 8;
    }
}

void aus_wr_be16(aus_wr *w, uint16_t v) { aus_wr_ben(w, v, 2); }
void aus_wr_be32(aus_wr *w, uint32_t v) { aus_wr_ben(w, v, 4); }
void aus_wr_be64(aus_wr *w, uint64_t v) { aus_wr_ben(w, v, 8); }

void aus_wr_bytes(aus_wr *w, const void *src, size_t n)
{
    uint8_t *p = put(w, n);
    if (p && n)
        memcpy(p, src, n);
}

void aus_wr_fill(aus_wr *w, uint8_t v, size_t n)
{
    uint8_t *p = put(w, n);
    if (p && n)
        memset(p, v, n);
}

uint8_t *aus_wr_reserve(aus_wr *w, size_t n) { return put(w, n); }

aus_err aus_wr_finish(const aus_wr *w) { return w->err; }
