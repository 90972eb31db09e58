/* SPDX-License-Identifier: Apache-2.0 */
/* The application interface's telemetry points (app_api_srv.h, docs/app-api.md): the bounded
 * durable buffer on board, the batches down (AUS_APP_TM_POINTS ADUs), and the ground's store
 * record, dictionary check and archive hook.
 *
 * Store keys (tenant t): app/t/pt/<seq 16 hex> one point [name, value, time];
 * app/t/ptmeta head, next, dropped (3 x u64 BE); app/t/ptbatch last batch id (u64 BE).
 * Ground: gr/t/pt/<batch 16 hex> the points ADU as received; gr/t/ptdrop the latest drop count.
 */
#include <stdio.h>
#include <string.h>

#include "app_api_srv.h"
#include "australis/base.h"
#include "dict_node.h"
#include "store_keys.h"

#define APP_ADU_MAX 32768u

dmn_app_points_fn dmn_app_points_hook;
void *dmn_app_points_hook_ctx;

/* ---- store keys ---- */
static void key_of(const dmn_node *n, char *key, const char *what, uint64_t num, int with_num)
{
    dmn_key k;
    memcpy(key, dmn_key_app(&k, n->cfg.tenant, what, num, with_num), sizeof k.s);
}

aus_err dmn_app_points_meta(const dmn_node *n, dmn_app_ptmeta *m)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t b[24];
    size_t len = 0;
    key_of(n, key, "ptmeta", 0, 0);
    memset(m, 0, sizeof *m);
    m->head = m->next = 1;
    aus_err e = n->store.ops->get(n->store.self, key, b, sizeof b, &len);
    if (e == AUS_E_NOTFOUND)
        return AUS_OK;
    AUS_TRY(e);
    AUS_ENSURE(len == sizeof b, AUS_E_MALFORMED);
    aus_rd r;
    aus_rd_init(&r, b, len);
    m->head = aus_rd_be64(&r);
    m->next = aus_rd_be64(&r);
    m->dropped = aus_rd_be64(&r);
    AUS_ENSURE(m->head <= m->next, AUS_E_MALFORMED);
    return aus_rd_finish(&r);
}

static aus_err meta_put(dmn_node *n, const dmn_app_ptmeta *m)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t b[24];
    aus_wr w;
    key_of(n, key, "ptmeta", 0, 0);
    aus_wr_init(&w, b, sizeof b);
    aus_wr_be64(&w, m->head);
    aus_wr_be64(&w, m->next);
    aus_wr_be64(&w, m->dropped);
    AUS_TRY(aus_wr_finish(&w));
    return n->store.ops->put(n->store.self, key, b, sizeof b);
}

static uint64_t points_max(const dmn_node *n)
{
    return n->cfg.app_points_max ? n->cfg.app_points_max : DMN_APP_POINTS_MAX_DEFAULT;
}

aus_err dmn_app_points_add(dmn_node *n, const aus_api_point *pts, size_t npts, uint64_t now_ms,
                           uint64_t *last_seq)
{
    dmn_app_ptmeta m;
    char key[AUS_STORE_KEY_MAX];
    uint8_t rec[AUS_APP_API_NAME_MAX + AUS_APP_API_TEXT_MAX + 32];
    AUS_TRY(dmn_app_points_meta(n, &m));
    uint64_t dropped0 = m.dropped;
    for (size_t i = 0; i < npts; i++) {
        aus_api_point p = pts[i];
        size_t len = 0;
        if (!p.time_ms)
            p.time_ms = now_ms;
        AUS_TRY(aus_api_point_encode(&p, rec, sizeof rec, &len));
        while (m.next - m.head >= points_max(n)) { /* full: the oldest goes, counted */
            key_of(n, key, "pt", m.head++, 1);
            AUS_TRY(n->store.ops->del(n->store.self, key));
            m.dropped++;
        }
        key_of(n, key, "pt", m.next++, 1);
        AUS_TRY(n->store.ops->put(n->store.self, key, rec, len));
    }
    AUS_TRY(meta_put(n, &m));
    if (m.dropped != dropped0 && (m.dropped - dropped0) == m.dropped)
        dmn_log("points buffer full (%llu kept): the oldest are dropped and counted",
                (unsigned long long)points_max(n));
    *last_seq = m.next - 1;
    return AUS_OK;
}

long dmn_app_points_flush(dmn_node *n, size_t max_adus)
{
    static aus_api_point pts[AUS_APP_API_MAX_POINTS];
    static uint8_t recs[AUS_APP_API_MAX_POINTS][AUS_APP_API_NAME_MAX + AUS_APP_API_TEXT_MAX + 32];
    static uint8_t adu[APP_ADU_MAX + 1024];
    dmn_app_ptmeta m;
    char key[AUS_STORE_KEY_MAX];
    long sent = 0;
    AUS_TRY(dmn_app_points_meta(n, &m));
    size_t limit = n->cfg.max_bundle > 2048 && n->cfg.max_bundle - 1024 < APP_ADU_MAX
                       ? (size_t)n->cfg.max_bundle - 1024
                       : APP_ADU_MAX;
    for (size_t a = 0; a < max_adus && m.head < m.next; a++) {
        size_t np = 0, total = 16;
        uint64_t seq = m.head;
        while (np < AUS_APP_API_MAX_POINTS && seq < m.next) {
            size_t len = 0;
            key_of(n, key, "pt", seq, 1);
            aus_err e = n->store.ops->get(n->store.self, key, recs[np], sizeof recs[np], &len);
            if (e == AUS_E_NOTFOUND) { /* cannot happen (one writer); skip, never wedge */
                seq++;
                continue;
            }
            AUS_TRY(e);
            if (aus_api_point_decode(&pts[np], recs[np], len) != AUS_OK) {
                dmn_log("points buffer: record %llu does not decode: dropped",
                        (unsigned long long)seq);
                AUS_TRY(n->store.ops->del(n->store.self, key));
                m.dropped++;
                seq++;
                continue;
            }
            if (total + len > limit && np > 0)
                break;
            total += len;
            np++;
            seq++;
        }
        uint64_t batch = 0;
        char bkey[AUS_STORE_KEY_MAX];
        key_of(n, bkey, "ptbatch", 0, 0);
        aus_err e = aus_store_get_u64(&n->store, bkey, &batch);
        AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
        batch++;
        size_t alen = 0;
        if (np > 0) {
            AUS_TRY(aus_app_points_encode(batch, m.dropped, pts, np, adu, sizeof adu, &alen));
            AUS_TRY(aus_store_put_u64(&n->store, bkey, batch));
            AUS_TRY(dmn_agent_send(n, adu, alen, dmn_now_ms()));
        }
        for (uint64_t s = m.head; s < seq; s++) {
            key_of(n, key, "pt", s, 1);
            AUS_TRY(n->store.ops->del(n->store.self, key));
        }
        m.head = seq;
        sent += (long)np;
        if (np > 0)
            dmn_log("points: batch %llu with %zu point(s) queued for the ground (%llu dropped "
                    "on board in all)",
                    (unsigned long long)batch, np, (unsigned long long)m.dropped);
    }
    AUS_TRY(meta_put(n, &m));
    return sent;
}

/* ---- ground ---- */
aus_err dmn_app_ground_points(dmn_node *n, const aus_agent_rx *rx)
{
    static aus_api_point pts[AUS_APP_API_MAX_POINTS];
    uint64_t batch = 0, dropped = 0;
    size_t np = 0;
    AUS_TRY(aus_app_points_decode(rx->adu, rx->len, &batch, &dropped, pts, AUS_APP_API_MAX_POINTS,
                                  &np));
    dmn_key kb, db;
    const char *key = dmn_key_gr_pt(&kb, n->cfg.tenant, batch, 0);
    size_t have = 0;
    uint8_t one[1];
    aus_err e = n->store.ops->get(n->store.self, key, one, sizeof one, &have);
    if (e == AUS_OK || e == AUS_E_NOBUFS) {
        dmn_log("points batch %llu again: already stored", (unsigned long long)batch);
        return AUS_OK;
    }
    AUS_ENSURE(e == AUS_E_NOTFOUND, e);
    AUS_TRY(n->store.ops->put(n->store.self, key, rx->adu, rx->len));
    const char *dkey = dmn_key_gr(&db, n->cfg.tenant, "ptdrop");
    uint64_t prev = 0;
    e = aus_store_get_u64(&n->store, dkey, &prev);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
    if (dropped > prev)
        AUS_TRY(aus_store_put_u64(&n->store, dkey, dropped));
    for (size_t i = 0; i < np; i++) {
        /* a point outside its dictionary limits is an event on the ground (dict_node.c) */
        char num[40];
        aus_app_kv kv = {pts[i].name, pts[i].kind != AUS_API_V_INT, pts[i].i, pts[i].text};
        if (pts[i].kind == AUS_API_V_FLOAT) {
            int k = snprintf(num, sizeof num, "%.17g", pts[i].f);
            kv.text = (aus_app_view){(const uint8_t *)num, k > 0 ? (size_t)k : 0};
        }
        long ev = dmn_dict_point(n, 0, &kv);
        if (ev < 0)
            return (aus_err)ev;
        if (dmn_app_points_hook)
            dmn_app_points_hook(dmn_app_points_hook_ctx, n->cfg.tenant, batch, i, np, &pts[i]);
    }
    dmn_log("rx tm-points batch %llu: %zu point(s) stored (the satellite dropped %llu in all)",
            (unsigned long long)batch, np, (unsigned long long)dropped);
    return AUS_OK;
}

/* Re-archiving at start (docs/http-api.md "Durability"): every batch the ground's store keeps
 * goes through the archive hook again. The hook stores a batch under its source (station
 * "<station>/points", batch id), so a batch the archive has is skipped and one it lost in a crash
 * of the machine is stored once. Inside the re-archiving's transaction (the hook's own begins
 * are savepoints). Returns the batches walked, or -1 (a store error). */
long dmn_app_ground_rearchive_points(dmn_node *n)
{
    static aus_api_point pts[AUS_APP_API_MAX_POINTS];
    static uint8_t adu[APP_ADU_MAX + 1024]; /* as the satellite encodes it above */
    if (!dmn_app_points_hook)
        return 0;
    dmn_key pk;
    const char *prefix = dmn_key_gr_pt(&pk, n->cfg.tenant, 0, 1);
    char key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    long k = 0;
    aus_err e;
    while ((e = n->store.ops->next(n->store.self, prefix, key, next, sizeof next)) == AUS_OK) {
        memcpy(key, next, sizeof key);
        size_t len = 0, np = 0;
        uint64_t batch = 0, dropped = 0;
        if (n->store.ops->get(n->store.self, key, adu, sizeof adu, &len) != AUS_OK ||
            aus_app_points_decode(adu, len, &batch, &dropped, pts, AUS_APP_API_MAX_POINTS, &np) !=
                AUS_OK)
            continue; /* stored by this code, so never expected: that batch is skipped */
        for (size_t i = 0; i < np; i++)
            dmn_app_points_hook(dmn_app_points_hook_ctx, n->cfg.tenant, batch, i, np, &pts[i]);
        k++;
    }
    return e == AUS_E_NOTFOUND ? k : -1;
}
