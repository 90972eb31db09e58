/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer's durable state (record layouts in cl_ccsds.c's header comment).
 *
 * Everything is written in one store transaction (our own, or the caller's when one is open:
 * the store refuses nested transactions with AUS_E_STATE), so a crash leaves either the state
 * before the pass or after it. Parsing of the records goes through aus_rd and rejects
 * anything malformed with AUS_E_MALFORMED before changing the context.
 */
#include <string.h>

#include "australis/base.h"
#include "cl/cl_ccsds_int.h"

#define ST_VERSION 1u
#define RX_SA_MAX 2u

static void key_of(const aus_cl_ccsds *c, const char *name, char *key)
{
    size_t pl = strlen(c->prefix), nl = strlen(name);
    memcpy(key, c->prefix, pl);
    memcpy(key + pl, name, nl + 1);
}

/* SPIs whose receive counters this end keeps (the SAs it processes). */
static size_t rx_spis(const aus_cl_ccsds *c, uint16_t spi[RX_SA_MAX])
{
    if (c->cfg.role == AUS_CL_CCSDS_GROUND) {
        spi[0] = c->cfg.tm_spi;
        return 1;
    }
    spi[0] = c->cfg.tc_spi;
    spi[1] = c->cfg.ep_spi;
    return spi[0] == spi[1] ? 1u : 2u;
}

static aus_sdls_sa *sa_mut(aus_sdls_table *t, uint16_t spi)
{
    for (size_t i = 0; i < AUS_SDLS_MAX_SA; i++)
        if (t->sa[i].state != AUS_SDLS_SA_NONE && t->sa[i].spi == spi)
            return &t->sa[i];
    return NULL;
}

static void put_rx_sa(aus_wr *w, const aus_cl_ccsds *c, uint16_t spi)
{
    aus_sdls_sa *sa = sa_mut(c->sdls, spi);
    aus_wr_be16(w, spi);
    aus_wr_be16(w, sa != NULL ? sa->ekid : 0);
    aus_wr_u8(w, sa != NULL ? sa->iv_len : 0);
    if (sa != NULL)
        aus_wr_bytes(w, sa->iv, sa->iv_len);
    aus_wr_u8(w, sa != NULL ? sa->arsn_len : 0);
    if (sa != NULL)
        aus_wr_bytes(w, sa->arsn, sa->arsn_len);
    aus_wr_u8(w, sa != NULL ? sa->rx_seen : 0);
}

static aus_err encode_st(const aus_cl_ccsds *c, uint8_t *buf, size_t cap, size_t *len)
{
    aus_wr w;
    aus_wr_init(&w, buf, cap);
    aus_wr_u8(&w, ST_VERSION);
    aus_wr_u8(&w, c->cfg.role);
    aus_wr_be64(&w, c->q_first);
    aus_wr_be64(&w, c->q_next);
    aus_wr_be32(&w, (uint32_t)c->q_off);
    aus_wr_be16(&w, c->spp.next_seq);
    aus_wr_u8(&w, c->mir_base);
    aus_wr_u8(&w, c->have_clcw);
    uint8_t clcw[AUS_CLCW_LEN] = {0};
    if (c->have_clcw)
        AUS_TRY(aus_clcw_encode(&c->last_clcw, clcw));
    aus_wr_bytes(&w, clcw, sizeof clcw);
    aus_wr_u8(&w, (uint8_t)c->farm.state);
    aus_wr_u8(&w, c->farm.vr);
    aus_wr_u8(&w, c->farm.retransmit);
    aus_wr_u8(&w, c->farm.farm_b);
    aus_wr_u8(&w, c->reasm.active);
    aus_wr_be16(&w, c->reasm.next_seq);
    aus_wr_be32(&w, (uint32_t)c->reasm.have);
    uint16_t spi[RX_SA_MAX];
    size_t n = rx_spis(c, spi);
    aus_wr_u8(&w, (uint8_t)n);
    for (size_t i = 0; i < n; i++)
        put_rx_sa(&w, c, spi[i]);
    AUS_TRY(aus_wr_finish(&w));
    *len = aus_wr_len(&w);
    return AUS_OK;
}

static aus_err save_records(aus_cl_ccsds *c)
{
    const aus_store *s = c->store;
    char key[AUS_STORE_KEY_MAX];
    uint8_t st[256];
    size_t n;
    AUS_TRY(encode_st(c, st, sizeof st, &n));
    key_of(c, "st", key);
    AUS_TRY(s->ops->put(s->self, key, st, n));
    /* mir: count, then len(2) + bytes per FDU (reuses the packet work buffer) */
    aus_wr w;
    aus_wr_init(&w, c->work, sizeof c->work);
    aus_wr_u8(&w, c->mir_count);
    for (size_t i = 0; i < c->mir_count; i++) {
        const aus_cl_ccsds_fdu *f = &c->mir[(c->mir_head + i) % (AUS_FOP_MAX_WINDOW + 1u)];
        aus_wr_be16(&w, f->len);
        aus_wr_bytes(&w, f->data, f->len);
    }
    AUS_TRY(aus_wr_finish(&w));
    key_of(c, "mir", key);
    AUS_TRY(s->ops->put(s->self, key, c->work, aus_wr_len(&w)));
    key_of(c, "rs", key);
    if (c->reasm.active)
        AUS_TRY(s->ops->put(s->self, key, c->reasm_buf, c->reasm.have));
    else
        AUS_TRY(s->ops->del(s->self, key));
    /* units framed since the last save: q/<seq> below q_first */
    char after[AUS_STORE_KEY_MAX], qp[AUS_STORE_KEY_MAX], first[AUS_STORE_KEY_MAX];
    key_of(c, "q/", qp);
    after[0] = '\0';
    char *bound = first;
    size_t pl = strlen(c->prefix);
    {
        /* the key of q_first: every smaller key is gone from the queue */
        memcpy(bound, qp, pl + 2);
        aus_hex_put(bound + pl + 2, c->q_first, 16);
        bound[pl + 18] = '\0';
    }
    for (;;) {
        aus_err e = s->ops->next(s->self, qp, after, key, sizeof key);
        if (e == AUS_E_NOTFOUND)
            break;
        AUS_TRY(e);
        if (strcmp(key, bound) >= 0)
            break;
        AUS_TRY(s->ops->del(s->self, key));
        memcpy(after, key, strlen(key) + 1);
    }
    return AUS_OK;
}

aus_err clc_save(aus_cl_ccsds *c)
{
    if (c->store == NULL || !c->dirty)
        return AUS_OK; /* e.g. a ground pass with nothing to send or resend */
    const aus_store *s = c->store;
    int own = 0;
    AUS_TRY(aus_store_txn_enter(s, &own));
    aus_err e = aus_store_txn_leave(s, own, save_records(c));
    if (e == AUS_OK)
        c->dirty = false;
    return e;
}

/* ---- load ---- */

typedef struct st_rec {
    uint64_t q_first, q_next;
    uint32_t q_off;
    uint16_t spp_seq;
    uint8_t mir_base, have_clcw;
    uint8_t clcw[AUS_CLCW_LEN];
    uint8_t farm_state, vr, rt, fb;
    uint8_t rs_active;
    uint16_t rs_seq;
    uint32_t rs_have;
} st_rec;

static aus_err load_rx_sa(aus_cl_ccsds *c, aus_rd *r, int apply)
{
    uint16_t spi = aus_rd_be16(r);
    uint16_t ekid = aus_rd_be16(r);
    uint8_t ivl = aus_rd_u8(r);
    AUS_ENSURE(ivl <= AUS_SDLS_IV_MAX, AUS_E_MALFORMED);
    const uint8_t *iv = aus_rd_view(r, ivl);
    uint8_t al = aus_rd_u8(r);
    AUS_ENSURE(al <= AUS_SDLS_ARSN_MAX, AUS_E_MALFORMED);
    const uint8_t *arsn = aus_rd_view(r, al);
    uint8_t seen = aus_rd_u8(r);
    AUS_TRY(r->err);
    aus_sdls_sa *sa = sa_mut(c->sdls, spi);
    /* counters recorded under another key (the SA was rekeyed since) say nothing about this one */
    if (!apply || sa == NULL || !seen || sa->ekid != ekid || sa->iv_len != ivl ||
        sa->arsn_len != al)
        return AUS_OK;
    /* Monotonic: keep whichever counter is further ahead (355.0 §4.2.2.3 anti-replay must
     * survive a restart; the SA table may already hold a newer value). */
    if (ivl > 0 && memcmp(iv, sa->iv, ivl) > 0)
        memcpy(sa->iv, iv, ivl);
    if (al > 0 && memcmp(arsn, sa->arsn, al) > 0)
        memcpy(sa->arsn, arsn, al);
    sa->rx_seen = 1;
    return AUS_OK;
}

static aus_err parse_st(aus_cl_ccsds *c, const uint8_t *p, size_t n, st_rec *s, int apply)
{
    aus_rd r;
    aus_rd_init(&r, p, n);
    AUS_ENSURE(aus_rd_u8(&r) == ST_VERSION, AUS_E_MALFORMED);
    AUS_ENSURE(aus_rd_u8(&r) == c->cfg.role, AUS_E_MALFORMED);
    s->q_first = aus_rd_be64(&r);
    s->q_next = aus_rd_be64(&r);
    s->q_off = aus_rd_be32(&r);
    s->spp_seq = aus_rd_be16(&r);
    s->mir_base = aus_rd_u8(&r);
    s->have_clcw = aus_rd_u8(&r);
    aus_rd_copy(&r, s->clcw, sizeof s->clcw);
    s->farm_state = aus_rd_u8(&r);
    s->vr = aus_rd_u8(&r);
    s->rt = aus_rd_u8(&r);
    s->fb = aus_rd_u8(&r);
    s->rs_active = aus_rd_u8(&r);
    s->rs_seq = aus_rd_be16(&r);
    s->rs_have = aus_rd_be32(&r);
    uint8_t nsa = aus_rd_u8(&r);
    AUS_TRY(r.err);
    AUS_ENSURE(nsa <= RX_SA_MAX && s->q_first >= 1 && s->q_first <= s->q_next &&
                   s->have_clcw <= 1 && s->spp_seq < AUS_SPP_SEQ_MOD && s->rs_active <= 1 &&
                   s->rs_seq < AUS_SPP_SEQ_MOD && s->rs_have <= AUS_CL_CCSDS_BUNDLE_MAX &&
                   s->rt <= 1,
               AUS_E_MALFORMED);
    if (c->cfg.role == AUS_CL_CCSDS_SAT)
        AUS_ENSURE(s->farm_state >= AUS_FARM_OPEN && s->farm_state <= AUS_FARM_LOCKOUT,
                   AUS_E_MALFORMED);
    for (uint8_t i = 0; i < nsa; i++)
        AUS_TRY(load_rx_sa(c, &r, apply));
    return aus_rd_finish(&r);
}

static aus_err load_mir(aus_cl_ccsds *c)
{
    char key[AUS_STORE_KEY_MAX];
    size_t n = 0;
    key_of(c, "mir", key);
    aus_err e = c->store->ops->get(c->store->self, key, c->work, sizeof c->work, &n);
    if (e == AUS_E_NOTFOUND)
        return AUS_OK;
    AUS_TRY(e);
    aus_rd r;
    aus_rd_init(&r, c->work, n);
    uint8_t cnt = aus_rd_u8(&r);
    AUS_ENSURE(cnt <= AUS_FOP_MAX_WINDOW + 1u, AUS_E_MALFORMED);
    for (uint8_t i = 0; i < cnt; i++) {
        uint16_t l = aus_rd_be16(&r);
        AUS_ENSURE(r.err != AUS_OK || (l >= 1 && l <= c->fdu_max), AUS_E_MALFORMED);
        aus_rd_copy(&r, c->mir[i].data, l);
        c->mir[i].len = l;
    }
    AUS_TRY(aus_rd_finish(&r));
    c->mir_head = 0;
    c->mir_count = cnt;
    c->mir_sub = 0; /* re-handed to FOP-1 by the resynchronisation of the next pass */
    return AUS_OK;
}

/* Sequence number of a "q/<16 hex>" key. */
static aus_err key_seq(const aus_cl_ccsds *c, const char *key, uint64_t *seq)
{
    size_t pl = strlen(c->prefix) + 2;
    AUS_ENSURE(strlen(key) == pl + 16, AUS_E_MALFORMED);
    uint64_t v = 0;
    for (size_t i = pl; i < pl + 16; i++) {
        char ch = key[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else
            return AUS_E_MALFORMED;
        v = v << 4 | d;
    }
    *seq = v;
    return AUS_OK;
}

static aus_err load_queue(aus_cl_ccsds *c, uint64_t *first)
{
    const aus_store *s = c->store;
    char qp[AUS_STORE_KEY_MAX], after[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    key_of(c, "q/", qp);
    after[0] = '\0';
    c->q_head = c->q_len = c->q_items = 0;
    for (;;) {
        aus_err e = s->ops->next(s->self, qp, after, key, sizeof key);
        if (e == AUS_E_NOTFOUND)
            break;
        AUS_TRY(e);
        uint64_t seq;
        AUS_TRY(key_seq(c, key, &seq));
        if (c->q_items == 0)
            *first = seq;
        size_t n = 0;
        AUS_TRY(s->ops->get(s->self, key, c->work, sizeof c->work, &n));
        AUS_ENSURE(n >= 2 && (c->work[0] == CLC_BUNDLE || c->work[0] == CLC_EP), AUS_E_MALFORMED);
        AUS_ENSURE(c->q_len + CLC_UNIT_HDR + n - 1 <= sizeof c->q, AUS_E_MALFORMED);
        uint8_t *d = c->q + c->q_len;
        d[0] = c->work[0];
        size_t l = n - 1;
        d[1] = (uint8_t)(l >> 24);
        d[2] = (uint8_t)(l >> 16);
        d[3] = (uint8_t)(l >> 8);
        d[4] = (uint8_t)l;
        memcpy(d + CLC_UNIT_HDR, c->work + 1, l);
        c->q_len += CLC_UNIT_HDR + l;
        c->q_items++;
        memcpy(after, key, strlen(key) + 1);
    }
    return AUS_OK;
}

static aus_err load_all(aus_cl_ccsds *c);

/* A record that does not parse, whatever the reason (short, long, out of range). */
aus_err clc_load(aus_cl_ccsds *c)
{
    aus_err e = load_all(c);
    return (e == AUS_E_TRUNC || e == AUS_E_TRAILING) ? AUS_E_MALFORMED : e;
}

static aus_err load_all(aus_cl_ccsds *c)
{
    const aus_store *s = c->store;
    char key[AUS_STORE_KEY_MAX];
    uint8_t buf[256];
    size_t n = 0;
    key_of(c, "st", key);
    uint64_t first = 1;
    aus_err e = s->ops->get(s->self, key, buf, sizeof buf, &n);
    if (e == AUS_E_NOTFOUND) {
        /* no pass yet: only units queued by send (a restart before the first pass) */
        AUS_TRY(load_queue(c, &first));
        c->q_first = first;
        c->q_next = first + c->q_items;
        return AUS_OK;
    }
    AUS_TRY(e);
    st_rec r;
    AUS_TRY(parse_st(c, buf, n, &r, 0)); /* validate everything first */
    AUS_TRY(load_queue(c, &first));
    /* keys below q_first are deleted in the same transaction that records q_first */
    AUS_ENSURE(c->q_items == 0 || first == r.q_first, AUS_E_MALFORMED);
    AUS_ENSURE(r.q_off == 0 || (c->q_items > 0 &&
                                r.q_off < (((uint32_t)c->q[1] << 24) | ((uint32_t)c->q[2] << 16) |
                                           ((uint32_t)c->q[3] << 8) | c->q[4])),
               AUS_E_MALFORMED);
    AUS_TRY(load_mir(c));
    if (r.rs_active) {
        size_t have = 0;
        key_of(c, "rs", key);
        AUS_TRY(s->ops->get(s->self, key, c->reasm_buf, sizeof c->reasm_buf, &have));
        AUS_ENSURE(have == r.rs_have, AUS_E_MALFORMED);
    }
    AUS_TRY(parse_st(c, buf, n, &r, 1));
    c->q_first = r.q_first;
    /* units are numbered q_first.. without gaps (a send after the last save may have added
     * keys beyond the recorded q_next) */
    c->q_next = r.q_first + c->q_items;
    c->q_off = r.q_off;
    c->spp.next_seq = r.spp_seq;
    c->mir_base = r.mir_base;
    if (r.have_clcw && aus_clcw_decode(r.clcw, &c->last_clcw) == AUS_OK)
        c->have_clcw = true;
    if (c->cfg.role == AUS_CL_CCSDS_SAT) {
        c->farm.state = (aus_farm_state)r.farm_state;
        c->farm.vr = r.vr;
        c->farm.retransmit = r.rt;
        c->farm.farm_b = r.fb;
    }
    c->reasm.active = r.rs_active != 0;
    c->reasm.next_seq = r.rs_seq;
    c->reasm.have = r.rs_active ? r.rs_have : 0;
    return AUS_OK;
}
