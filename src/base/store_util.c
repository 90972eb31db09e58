/* SPDX-License-Identifier: Apache-2.0 */
/* Counters reserved before use, and the anti-replay window (shared by BPSec and SDLS). */
#include <string.h>

#include "australis/base.h"
#include "australis/store.h"

aus_err aus_store_get_u64(const aus_store *s, const char *key, uint64_t *v)
{
    uint8_t b[8];
    size_t n = 0;
    AUS_TRY(s->ops->get(s->self, key, b, sizeof b, &n));
    AUS_ENSURE(n == 8, AUS_E_MALFORMED);
    aus_rd r;
    aus_rd_init(&r, b, 8);
    *v = aus_rd_be64(&r);
    return AUS_OK;
}

aus_err aus_store_put_u64(const aus_store *s, const char *key, uint64_t v)
{
    uint8_t b[8];
    aus_wr w;
    aus_wr_init(&w, b, sizeof b);
    aus_wr_be64(&w, v);
    return s->ops->put(s->self, key, b, 8);
}

aus_err aus_store_txn_enter(const aus_store *s, int *own)
{
    aus_err e = s->ops->begin(s->self);
    if (e == AUS_E_STATE) { /* the caller's transaction: our writes commit with its own */
        *own = 0;
        return AUS_OK;
    }
    AUS_TRY(e);
    *own = 1;
    return AUS_OK;
}

aus_err aus_store_txn_leave(const aus_store *s, int own, aus_err e)
{
    if (!own)
        return e;
    if (e == AUS_OK)
        return s->ops->commit(s->self);
    (void)s->ops->rollback(s->self);
    return e;
}

aus_err aus_ctr_open(aus_ctr *c, const aus_store *s, const char *key, uint64_t max, uint32_t block)
{
    size_t kl = strlen(key);
    AUS_ENSURE(kl < sizeof c->key && block > 0 && max > 0 && max < UINT64_MAX, AUS_E_ARG);
    uint64_t bound = 1;
    aus_err e = aus_store_get_u64(s, key, &bound);
    if (e == AUS_E_NOTFOUND)
        bound = 1;
    else if (e != AUS_OK)
        return e;
    memcpy(c->key, key, kl + 1);
    /* Everything below the persisted bound may have been used before a crash: skip it. */
    c->next = bound;
    c->limit = bound;
    c->max = max;
    c->block = block;
    c->tentative = 0;
    return AUS_OK;
}

/* Compare-and-advance (DESIGN.md §5): in one write transaction, re-read the stored bound and
 * compare it with the one this counter last wrote (c->limit).
 *  - stored > c->limit: someone else reserved values; never hand out anything below it.
 *  - stored == c->limit and next < limit: our reservation stands (a reservation made inside a
 *    caller's transaction is confirmed this way once that transaction committed).
 *  - otherwise (block used up, or our reservation was rolled back with the caller's
 *    transaction): write a new bound above every value we may have handed out.
 * The new bound is durable before any value under it is returned (or commits atomically with
 * the caller's transaction, together with whatever used the values). */
static aus_err ctr_reserve(aus_ctr *c, const aus_store *s)
{
    int own = 0;
    AUS_TRY(aus_store_txn_enter(s, &own));
    uint64_t b = 1;
    aus_err e = aus_store_get_u64(s, c->key, &b);
    if (e == AUS_E_NOTFOUND) {
        b = 1;
        e = AUS_OK;
    }
    if (e == AUS_OK && b > c->limit && b > c->next)
        c->next = b;
    if (e == AUS_OK && !(b == c->limit && c->next < c->limit)) {
        uint64_t nl = c->max + 1;
        if (c->next <= c->max && c->max - c->next >= c->block)
            nl = c->next + c->block;
        e = c->next <= c->max ? aus_store_put_u64(s, c->key, nl) : AUS_E_LIMIT;
        if (e == AUS_OK)
            c->limit = nl;
    }
    e = aus_store_txn_leave(s, own, e);
    if (e != AUS_OK) {
        c->limit = c->next; /* nothing more is handed out before a successful reservation */
        return e;
    }
    c->tentative = (uint8_t)!own;
    return AUS_OK;
}

aus_err aus_ctr_take(aus_ctr *c, const aus_store *s, uint64_t *out)
{
    AUS_ENSURE(c->next <= c->max && c->next != 0, AUS_E_LIMIT);
    if (c->next >= c->limit || c->tentative)
        AUS_TRY(ctr_reserve(c, s));
    AUS_ENSURE(c->next <= c->max && c->next < c->limit, AUS_E_LIMIT);
    *out = c->next++;
    return AUS_OK;
}

aus_err aus_replay_init(aus_replay *w, uint32_t size)
{
    AUS_ENSURE(size > 0 && size <= AUS_REPLAY_MAX_WINDOW, AUS_E_ARG);
    memset(w, 0, sizeof *w);
    w->size = size;
    return AUS_OK;
}

static int bit_get(const aus_replay *w, uint64_t i)
{
    return (int)((w->bits[i / 64] >> (i % 64)) & 1u);
}
static void bit_set(aus_replay *w, uint64_t i) { w->bits[i / 64] |= (uint64_t)1 << (i % 64); }

aus_err aus_replay_check(const aus_replay *w, uint64_t seq)
{
    AUS_ENSURE(seq != 0, AUS_E_REPLAY);
    if (seq > w->top)
        return AUS_OK;
    uint64_t age = w->top - seq;
    AUS_ENSURE(age < w->size, AUS_E_REPLAY);
    return bit_get(w, age) ? AUS_E_REPLAY : AUS_OK;
}

/* Shift the bitmap towards older by `d` positions. */
static void shift(aus_replay *w, uint64_t d)
{
    /* only the words the window uses: the ones above stay zero (init, decode and this) */
    const size_t nw = (w->size + 63u) / 64u;
    if (d >= w->size) {
        memset(w->bits, 0, sizeof w->bits);
        return;
    }
    size_t ws = (size_t)(d / 64), bs = (size_t)(d % 64);
    for (size_t i = nw; i-- > 0;) {
        uint64_t v = 0;
        if (i >= ws) {
            v = w->bits[i - ws] << bs;
            if (bs && i > ws)
                v |= w->bits[i - ws - 1] >> (64 - bs);
        }
        w->bits[i] = v;
    }
    /* clear bits beyond the window size so the encoding is canonical */
    if (w->size % 64)
        w->bits[nw - 1] &= ((uint64_t)1 << (w->size % 64)) - 1;
}

aus_err aus_replay_accept(aus_replay *w, uint64_t seq)
{
    AUS_TRY(aus_replay_check(w, seq));
    if (seq > w->top) {
        if (w->top != 0)
            shift(w, seq - w->top);
        else
            memset(w->bits, 0, sizeof w->bits);
        w->top = seq;
        bit_set(w, 0);
    } else {
        bit_set(w, w->top - seq);
    }
    return AUS_OK;
}

size_t aus_replay_encoded_len(const aus_replay *w) { return 12 + ((w->size + 63u) / 64u) * 8u; }

aus_err aus_replay_encode(const aus_replay *w, uint8_t *out, size_t cap, size_t *len)
{
    aus_wr wr;
    aus_wr_init(&wr, out, cap);
    aus_wr_be64(&wr, w->top);
    aus_wr_be32(&wr, w->size);
    for (size_t i = 0; i < (w->size + 63u) / 64u; i++)
        aus_wr_be64(&wr, w->bits[i]);
    AUS_TRY(aus_wr_finish(&wr));
    *len = aus_wr_len(&wr);
    return AUS_OK;
}

aus_err aus_replay_decode(aus_replay *w, const uint8_t *in, size_t len)
{
    aus_rd r;
    aus_replay t;
    aus_rd_init(&r, in, len);
    memset(&t, 0, sizeof t);
    t.top = aus_rd_be64(&r);
    t.size = aus_rd_be32(&r);
    AUS_TRY(r.err);
    AUS_ENSURE(t.size > 0 && t.size <= AUS_REPLAY_MAX_WINDOW, AUS_E_MALFORMED);
    for (size_t i = 0; i < (t.size + 63u) / 64u; i++)
        t.bits[i] = aus_rd_be64(&r);
    AUS_TRY(aus_rd_finish(&r));
    *w = t; /* no partial state change on error */
    return AUS_OK;
}

aus_err aus_replay_save(const aus_replay *w, const aus_store *s, const char *key)
{
    uint8_t buf[12 + AUS_REPLAY_MAX_WINDOW / 8];
    size_t n = 0;
    AUS_TRY(aus_replay_encode(w, buf, sizeof buf, &n));
    return s->ops->put(s->self, key, buf, n);
}

aus_err aus_replay_load(aus_replay *w, const aus_store *s, const char *key, uint32_t size)
{
    uint8_t buf[12 + AUS_REPLAY_MAX_WINDOW / 8];
    size_t n = 0;
    aus_err e = s->ops->get(s->self, key, buf, sizeof buf, &n);
    if (e == AUS_E_NOTFOUND)
        return aus_replay_init(w, size);
    AUS_TRY(e);
    return aus_replay_decode(w, buf, n);
}

/* ---- store keys ---- */
void aus_hex_put(char *out, uint64_t v, unsigned digits)
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < digits; i++)
        out[i] = hx[(v >> (4u * (digits - 1u - i))) & 0xFu];
}

const char *aus_key_init(aus_key *k, const char *text)
{
    k->n = 0;
    k->s[0] = '\0';
    aus_key_str(k, text);
    return k->s;
}

void aus_key_add(aus_key *k, const void *p, size_t n)
{
    const char *c = p;
    for (size_t i = 0; i < n && k->n + 1 < sizeof k->s; i++)
        k->s[k->n++] = c[i];
    k->s[k->n] = '\0';
}

void aus_key_str(aus_key *k, const char *text) { aus_key_add(k, text, strlen(text)); }

void aus_key_hex(aus_key *k, uint64_t v, unsigned digits)
{
    char h[16];
    digits = digits > 16u ? 16u : digits;
    aus_hex_put(h, v, digits);
    aus_key_add(k, h, digits);
}
