/* SPDX-License-Identifier: Apache-2.0 */
/* Binding of the EP handler to the SDLS SA table (src/ccsds/sdls_sa.c), SA persistence, and
 * the keystore-backed key lookup that SDLS uses for traffic.
 *
 * SA record under "<prefix>sa/<spi as 4 hex>" (version 1, big-endian):
 *   ver spi(2) state lpid ekid(2) akid(2) est ast ecs acs shivf shsnf shplf stmacf iv_len
 *   arsn_len flags bound arsnw(2) tfvn scid(2) vcid mapid has_mapid iv(16) arsn(20)
 *   abm_len(2) abm_tail abm(64)
 * The apply-side counter reservations stay with SDLS (aus_sdls_sa_resume after a load).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/sdls_ep.h"

#define SA_REC_LEN (32 + AUS_SDLS_IV_MAX + AUS_SDLS_ARSN_MAX + 3 + AUS_SDLS_ABM_PREFIX)

aus_err aus_ep_sdls_init(aus_ep_sdls *a, aus_sdls_table *t, const aus_store *store,
                         const char *prefix)
{
    AUS_ENSURE(a && t && prefix, AUS_E_ARG);
    size_t pl = strlen(prefix);
    AUS_ENSURE(pl + 8 < sizeof a->prefix, AUS_E_ARG);
    memset(a, 0, sizeof *a);
    a->t = t;
    a->store = store;
    memcpy(a->prefix, prefix, pl + 1);
    return AUS_OK;
}

static aus_sdls_sa *sa_get(aus_ep_sdls *a, uint16_t spi)
{
    for (size_t i = 0; i < AUS_SDLS_MAX_SA; i++)
        if (a->t->sa[i].state != AUS_SDLS_SA_NONE && a->t->sa[i].spi == spi)
            return &a->t->sa[i];
    return NULL;
}

static void set_lpid(aus_ep_sdls *a, uint16_t spi, uint8_t tag)
{
    aus_sdls_sa *sa = sa_get(a, spi);
    if (sa)
        sa->lpid = tag;
}

static aus_err one_octet(const uint8_t *p, uint8_t n, uint8_t *v)
{
    /* CryptoLib carries ECS / ACS as a length-prefixed field holding one suite id. */
    AUS_ENSURE(n <= 1, AUS_E_UNSUPPORTED);
    *v = n ? p[0] : 0;
    return AUS_OK;
}

static aus_err op_create(void *self, const aus_ep_sa_create *p)
{
    aus_ep_sdls *a = self;
    aus_sdls_sa_cfg c;
    memset(&c, 0, sizeof c);
    c.spi = p->spi;
    c.est = p->est;
    c.ast = p->ast;
    AUS_TRY(one_octet(p->ecs, p->ecs_len, &c.ecs));
    AUS_TRY(one_octet(p->acs, p->acs_len, &c.acs));
    c.shivf_len = p->shivf_len;
    c.shsnf_len = p->shsnf_len;
    c.shplf_len = p->shplf_len;
    c.stmacf_len = p->stmacf_len;
    AUS_ENSURE(p->iv_len <= AUS_SDLS_IV_MAX && p->arsn_len <= AUS_SDLS_ARSN_MAX, AUS_E_ARG);
    AUS_ENSURE(p->arsnw_len <= 2, AUS_E_ARG);
    c.iv_len = p->iv_len;
    if (p->iv_len)
        memcpy(c.iv, p->iv, p->iv_len);
    c.arsn_len = p->arsn_len;
    if (p->arsn_len)
        memcpy(c.arsn, p->arsn, p->arsn_len);
    for (size_t i = 0; i < p->arsnw_len; i++)
        c.arsnw = (uint16_t)(c.arsnw << 8 | p->arsnw[i]);
    c.abm = p->abm;
    c.abm_len = p->abm_len;
    AUS_TRY(aus_sdls_sa_create(a->t, &c));
    set_lpid(a, p->spi, AUS_EP_SA_CREATE);
    return AUS_OK;
}

static aus_err op_del(void *self, uint16_t spi)
{
    aus_ep_sdls *a = self;
    return aus_sdls_sa_delete(a->t, spi);
}

static aus_err op_set_arsn(void *self, uint16_t spi, const uint8_t *arsn, size_t n)
{
    aus_ep_sdls *a = self;
    AUS_TRY(aus_sdls_sa_set_arsn(a->t, spi, arsn, n));
    set_lpid(a, spi, AUS_EP_SA_SET_ARSN);
    return AUS_OK;
}

static aus_err op_set_arsnw(void *self, uint16_t spi, uint64_t w)
{
    aus_ep_sdls *a = self;
    AUS_ENSURE(w <= 0xFFFFu, AUS_E_ARG);
    AUS_TRY(aus_sdls_sa_set_arsnw(a->t, spi, (uint16_t)w));
    set_lpid(a, spi, AUS_EP_SA_SET_ARSNW);
    return AUS_OK;
}

static aus_err op_rekey(void *self, uint16_t spi, uint16_t ekid, const uint8_t *iv, size_t ivlen)
{
    aus_ep_sdls *a = self;
    AUS_TRY(aus_sdls_sa_rekey(a->t, spi, ekid, ekid, ivlen ? iv : NULL, ivlen));
    set_lpid(a, spi, AUS_EP_SA_REKEY);
    return AUS_OK;
}

static aus_err op_start(void *self, uint16_t spi, const aus_ep_gvcid *g, size_t n)
{
    aus_ep_sdls *a = self;
    AUS_ENSURE(n == 1, AUS_E_UNSUPPORTED);
    aus_sdls_gvcid v;
    memset(&v, 0, sizeof v);
    v.tfvn = g->tfvn;
    v.scid = g->scid;
    v.vcid = g->vcid;
    v.mapid = g->mapid;
    v.has_mapid = g->mapid != 0;
    AUS_TRY(aus_sdls_sa_start(a->t, spi, &v));
    set_lpid(a, spi, AUS_EP_SA_START);
    return AUS_OK;
}

static aus_err op_stop(void *self, uint16_t spi)
{
    aus_ep_sdls *a = self;
    AUS_TRY(aus_sdls_sa_stop(a->t, spi));
    set_lpid(a, spi, AUS_EP_SA_STOP);
    return AUS_OK;
}

static aus_err op_expire(void *self, uint16_t spi)
{
    aus_ep_sdls *a = self;
    AUS_TRY(aus_sdls_sa_expire(a->t, spi));
    set_lpid(a, spi, AUS_EP_SA_EXPIRE);
    return AUS_OK;
}

static aus_err op_status(void *self, uint16_t spi, uint8_t *lpid)
{
    aus_ep_sdls *a = self;
    uint8_t st = 0;
    return aus_sdls_sa_status(a->t, spi, &st, lpid);
}

static aus_err op_read_arsn(void *self, uint16_t spi, uint8_t *arsn, size_t cap, size_t *n)
{
    aus_ep_sdls *a = self;
    return aus_sdls_sa_read_arsn(a->t, spi, arsn, cap, n);
}

static void op_alarm_reset(void *self)
{
    aus_ep_sdls *a = self;
    aus_sdls_fsr_reset(a->t);
}

static void rec_name(const aus_ep_sdls *a, uint16_t spi, char *out)
{
    size_t pl = strlen(a->prefix);
    memcpy(out, a->prefix, pl);
    memcpy(out + pl, "sa/", 3);
    aus_hex_put(out + pl + 3, spi, 4);
    out[pl + 7] = '\0';
}

static void enc_sa(aus_wr *w, const aus_sdls_sa *s)
{
    aus_wr_u8(w, 1);
    aus_wr_be16(w, s->spi);
    const uint8_t a[] = {s->state,
                         s->lpid,
                         0,
                         0,
                         0,
                         0,
                         s->est,
                         s->ast,
                         s->ecs,
                         s->acs,
                         s->shivf_len,
                         s->shsnf_len,
                         s->shplf_len,
                         s->stmacf_len,
                         s->iv_len,
                         s->arsn_len,
                         s->flags,
                         s->bound};
    aus_wr_bytes(w, a, 2);
    aus_wr_be16(w, s->ekid);
    aus_wr_be16(w, s->akid);
    aus_wr_bytes(w, a + 6, sizeof a - 6);
    aus_wr_be16(w, s->arsnw);
    aus_wr_u8(w, s->gvcid.tfvn);
    aus_wr_be16(w, s->gvcid.scid);
    aus_wr_u8(w, s->gvcid.vcid);
    aus_wr_u8(w, s->gvcid.mapid);
    aus_wr_u8(w, s->gvcid.has_mapid);
    aus_wr_bytes(w, s->iv, AUS_SDLS_IV_MAX);
    aus_wr_bytes(w, s->arsn, AUS_SDLS_ARSN_MAX);
    aus_wr_be16(w, s->abm_len);
    aus_wr_u8(w, s->abm_tail);
    aus_wr_bytes(w, s->abm, AUS_SDLS_ABM_PREFIX);
}

static aus_err dec_sa(aus_rd *r, aus_sdls_sa *s)
{
    memset(s, 0, sizeof *s);
    AUS_ENSURE(aus_rd_u8(r) == 1, AUS_E_MALFORMED);
    s->spi = aus_rd_be16(r);
    s->state = aus_rd_u8(r);
    s->lpid = aus_rd_u8(r);
    s->ekid = aus_rd_be16(r);
    s->akid = aus_rd_be16(r);
    uint8_t *f[] = {&s->est,       &s->ast,       &s->ecs,       &s->acs,
                    &s->shivf_len, &s->shsnf_len, &s->shplf_len, &s->stmacf_len,
                    &s->iv_len,    &s->arsn_len,  &s->flags,     &s->bound};
    for (size_t i = 0; i < AUS_ARRAY_LEN(f); i++)
        *f[i] = aus_rd_u8(r);
    s->arsnw = aus_rd_be16(r);
    s->gvcid.tfvn = aus_rd_u8(r);
    s->gvcid.scid = aus_rd_be16(r);
    s->gvcid.vcid = aus_rd_u8(r);
    s->gvcid.mapid = aus_rd_u8(r);
    s->gvcid.has_mapid = aus_rd_u8(r);
    aus_rd_copy(r, s->iv, AUS_SDLS_IV_MAX);
    aus_rd_copy(r, s->arsn, AUS_SDLS_ARSN_MAX);
    s->abm_len = aus_rd_be16(r);
    s->abm_tail = aus_rd_u8(r);
    aus_rd_copy(r, s->abm, AUS_SDLS_ABM_PREFIX);
    AUS_TRY(aus_rd_finish(r));
    AUS_ENSURE(s->state >= AUS_SDLS_SA_UNKEYED && s->state <= AUS_SDLS_SA_OPERATIONAL,
               AUS_E_MALFORMED);
    AUS_ENSURE(s->iv_len <= AUS_SDLS_IV_MAX && s->arsn_len <= AUS_SDLS_ARSN_MAX &&
                   s->shivf_len <= s->iv_len && s->shsnf_len <= s->arsn_len,
               AUS_E_MALFORMED);
    return AUS_OK;
}

/* Write every SA (and delete the records of SAs that no longer exist). */
static aus_err op_persist(void *self)
{
    aus_ep_sdls *a = self;
    if (!a->store)
        return AUS_OK;
    char name[AUS_STORE_KEY_MAX];
    uint8_t buf[SA_REC_LEN];
    for (size_t i = 0; i < AUS_SDLS_MAX_SA; i++) {
        const aus_sdls_sa *s = &a->t->sa[i], *o = &a->snap[i];
        if (s->state == AUS_SDLS_SA_NONE) {
            if (o->state != AUS_SDLS_SA_NONE) {
                rec_name(a, o->spi, name);
                AUS_TRY(a->store->ops->del(a->store->self, name));
            }
            continue;
        }
        if (o->state != AUS_SDLS_SA_NONE && o->spi != s->spi) {
            rec_name(a, o->spi, name);
            AUS_TRY(a->store->ops->del(a->store->self, name));
        }
        aus_wr w;
        aus_wr_init(&w, buf, sizeof buf);
        enc_sa(&w, s);
        AUS_TRY(aus_wr_finish(&w));
        rec_name(a, s->spi, name);
        AUS_TRY(a->store->ops->put(a->store->self, name, buf, aus_wr_len(&w)));
    }
    return AUS_OK;
}

aus_err aus_ep_sdls_load(aus_ep_sdls *a)
{
    AUS_ENSURE(a, AUS_E_ARG);
    if (!a->store)
        return AUS_OK;
    char pfx[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    size_t pl = strlen(a->prefix);
    memcpy(pfx, a->prefix, pl);
    memcpy(pfx + pl, "sa/", 4);
    key[0] = '\0';
    size_t slot = 0;
    for (;;) {
        char after[AUS_STORE_KEY_MAX]; /* never alias the backend's input and output */
        memcpy(after, key, strlen(key) + 1);
        aus_err e = a->store->ops->next(a->store->self, pfx, after, key, sizeof key);
        if (e == AUS_E_NOTFOUND)
            return AUS_OK;
        AUS_TRY(e);
        uint8_t buf[SA_REC_LEN];
        size_t n = 0;
        AUS_TRY(a->store->ops->get(a->store->self, key, buf, sizeof buf, &n));
        aus_rd r;
        aus_rd_init(&r, buf, n);
        aus_sdls_sa s;
        AUS_TRY(dec_sa(&r, &s));
        aus_sdls_sa *dst = sa_get(a, s.spi);
        while (!dst && slot < AUS_SDLS_MAX_SA && a->t->sa[slot].state != AUS_SDLS_SA_NONE)
            slot++;
        if (!dst) {
            AUS_ENSURE(slot < AUS_SDLS_MAX_SA, AUS_E_FULL);
            dst = &a->t->sa[slot];
        }
        *dst = s;
        AUS_TRY(aus_sdls_sa_resume(a->t, s.spi));
    }
}

static void op_snapshot(void *self)
{
    aus_ep_sdls *a = self;
    memcpy(a->snap, a->t->sa, sizeof a->snap);
    a->fsnap = a->t->fsr;
}

static void op_restore(void *self)
{
    aus_ep_sdls *a = self;
    memcpy(a->t->sa, a->snap, sizeof a->snap);
    a->t->fsr = a->fsnap;
}

const aus_ep_sa_ops aus_ep_sdls_ops = {
    op_create, op_del,    op_set_arsn,  op_set_arsnw,   op_rekey,   op_start,    op_stop,
    op_expire, op_status, op_read_arsn, op_alarm_reset, op_persist, op_snapshot, op_restore,
};

/* ---- key lookup for SDLS traffic ---- */

static aus_err keys_get(void *self, uint16_t kid, int use, uint64_t now, uint8_t *key, size_t cap,
                        size_t *len)
{
    AUS_ENSURE(use == AUS_SDLS_KEY_SEND || use == AUS_SDLS_KEY_RECV, AUS_E_ARG);
    return aus_keys_get((aus_keys *)self, kid, (aus_key_use)use, now, key, cap, len);
}

const aus_sdls_key_ops aus_keys_sdls_ops = {keys_get};
