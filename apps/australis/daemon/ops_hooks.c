/* SPDX-License-Identifier: Apache-2.0 */
/* The ground role's hooks into the archive and the live stream (docs/http-api.md): requests
 * submitted, answers received, downloads progressing, passes. Each hook commits its archive
 * rows before it returns, so a point the ground acknowledged (its bundle's effect committed
 * after the hook) is on disk; a hook that runs again for the same answer after a crash finds
 * its source and writes nothing twice. A failing archive never fails the ground: the hook logs
 * it and counts it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app_api_srv.h"
#include "australis/cop1.h"
#include "daemon.h"
#include "dict_node.h"
#include "link.h"
#include "link_ccsds.h"
#include "ops.h"
#include "ops_hooks.h"

/* A link's counters at the end of a pass (the pass record is the difference). */
typedef struct link_ctr {
    uint64_t frames, corrections, sdls, quarantined;
    uint64_t auth, replay, spi, other;
} link_ctr;

static struct {
    ops_archive *arc;
    ops_http *http;
    int tried;
    char sat[32], station[64];
    uint64_t failures;
    int64_t last_prune;
    int group;     /* an archive transaction is open for a group (dmn_ops_group) */
    link_ctr prev; /* the counters after the previous pass (zero at start, as the link's) */
    int pt_open;   /* an app-points batch's archive transaction is open */
    int pt_fresh;  /* ... and the batch is new to the archive */
} st;

/* The archive's URL: [archive] url, else STORE.archive (SQLite) next to the store. */
static void archive_url(const dmn_config *cfg, char *out, size_t cap)
{
    if (cfg->ops.archive_url[0])
        snprintf(out, cap, "%s", cfg->ops.archive_url);
    else
        snprintf(out, cap, "sqlite:%s.archive", cfg->store);
}

/* Limit events (dict_node.c) come before the point or report that carries them is archived:
 * they wait here and are written with it, or dropped when it was archived before (handled
 * again after a crash), so they too are stored once. */
#define LIMIT_PEND 64
static struct {
    int n;
    char point[LIMIT_PEND][OPS_NAME], level[LIMIT_PEND][8], why[LIMIT_PEND][480];
} lim;

static void limits_flush(dmn_node *n, int fresh);

/* A points batch's archive transaction left open (its store transaction failed half-way and
 * rolled back: the batch comes again): rolled back before any other write. */
static void pt_abandon(void)
{
    if (st.pt_open)
        ops_archive_rollback(st.arc);
    st.pt_open = 0;
}

/* ... and limit events still waiting belong to a handling that rolled back (they come again) */
static void drop_pending(void)
{
    pt_abandon();
    lim.n = 0;
}

static ops_archive *arc(dmn_node *n)
{
    if (st.arc || st.tried || n->cfg.role_sat || n->cfg.ops.archive_on < 0 || n->readonly)
        return st.arc;
    st.tried = 1;
    char url[OPS_PATH + 16], why[512];
    archive_url(&n->cfg, url, sizeof url);
    snprintf(st.sat, sizeof st.sat, "ipn:%llu", (unsigned long long)n->cfg.peer);
    if (n->cfg.ops.station[0])
        snprintf(st.station, sizeof st.station, "%s", n->cfg.ops.station);
    else
        snprintf(st.station, sizeof st.station, "ipn:%llu", (unsigned long long)n->cfg.node);
    if (ops_archive_open(&st.arc, url, why, sizeof why) != 0)
        dmn_log("archive: %s", why);
    return st.arc;
}

static void failed(const char *what)
{
    st.failures++;
    dmn_log("archive: cannot record %s (%llu failure(s)); the ground goes on", what,
            (unsigned long long)st.failures);
}

static void publish(const char *event, cJSON *o)
{
    char *s = st.http ? cJSON_PrintUnformatted(o) : NULL;
    if (s)
        ops_http_publish(st.http, event, s);
    free(s);
    cJSON_Delete(o);
}

static char *vstr(const aus_app_view *v)
{
    char *s = malloc(v->n + 1);
    if (s) {
        if (v->n) /* an empty view may have no pointer (memcpy from NULL is undefined) */
            memcpy(s, v->p, v->n);
        s[v->n] = '\0';
    }
    return s;
}

/* ---- the keys view: key states and rekey history ---- */

static const char *rekey_kind(uint64_t kind)
{
    return kind == 2 ? "pq" : kind == 3 ? "sdls-ep" : "otar";
}

/* The ground keystore's keys into the archive (after start and after every rekey answer): the
 * HTTP threads never touch the keystore, they read this table. */
static void key_states(dmn_node *n)
{
    static ops_keystate k[AUS_KEYS_MAX];
    uint16_t ek = 0, pend = 0, prev = 0, ids[8];
    dmn_rekey_ids(n, 1, &ek, &pend);
    size_t nr = dmn_rekey_recv_ids(n, ids, 8), nk = 0;
    (void)prev;
    aus_key_info ki;
    for (size_t i = 0; nk < AUS_KEYS_MAX && aus_keys_at(&n->keys, i, &ki) == AUS_OK; i++) {
        const char *role = "";
        if (ki.id == ek || ki.id == ek + 1)
            role = "sending";
        else if (ki.id == 0x0001)
            role = "master (OTAR)";
        else if (ki.id == DMN_SDLS_KEY_ID)
            role = "frame-layer SDLS";
        else
            for (size_t j = 0; j < nr; j++)
                if (ki.id == ids[j] || ki.id == ids[j] + 1)
                    role = "receivable";
        k[nk++] = (ops_keystate){ki.id,
                                 aus_key_type_name((aus_key_type)ki.type),
                                 aus_key_state_name((aus_key_state)ki.state),
                                 role,
                                 (int64_t)ki.created,
                                 (int64_t)ki.activated,
                                 (int64_t)ki.deactivated,
                                 (int64_t)ki.deadline};
    }
    if (ops_archive_keystates(st.arc, n->cfg.tenant, st.station, k, nk, ops_now_ms()) != 0)
        failed("the key states");
}

/* ---- points published by tenant programs on board (app_points.c), with their on-board time.
 * One archive transaction per batch; its points are stored under the source (station
 * "<station>/points", batch id), so a batch handled again after a crash stores nothing twice. */
#define DTN_EPOCH_MS 946684800000LL /* 2000-01-01T00:00:00Z in unix ms (RFC 9171 §4.2.6) */

static void on_app_point(void *ctx, const char *tenant, uint64_t batch, size_t index, size_t count,
                         const aus_api_point *pt)
{
    dmn_node *n = ctx;
    ops_archive *a = arc(n);
    if (!a)
        return;
    if (index == 0) {
        pt_abandon(); /* the previous batch stopped half-way (its store rolled back) */
        char src[80];
        snprintf(src, sizeof src, "%s/points", st.station);
        st.pt_open = ops_archive_begin(a) == 0;
        st.pt_fresh =
            st.pt_open ? ops_archive_source(a, tenant, st.sat, src, batch, ops_now_ms()) : -1;
        if (st.pt_fresh < 0) {
            if (st.pt_open)
                ops_archive_rollback(a);
            st.pt_open = 0;
            return failed("a points batch");
        }
    }
    if (!st.pt_open)
        return limits_flush(n, 1);
    limits_flush(n, st.pt_fresh); /* this point's limit events, in the batch's transaction */
    char name[OPS_NAME], txt[OPS_NAME];
    snprintf(name, sizeof name, "%.*s", (int)pt->name.n, (const char *)pt->name.p);
    snprintf(txt, sizeof txt, "%.*s", (int)pt->text.n, (const char *)pt->text.p);
    int64_t t = (int64_t)pt->time_ms + DTN_EPOCH_MS;
    double v = pt->kind == AUS_API_V_FLOAT ? pt->f : (double)pt->i;
    const char *tv = pt->kind == AUS_API_V_TEXT ? txt : NULL;
    if (st.pt_fresh == 1 && ops_archive_point(a, tenant, st.sat, name, t, v, tv) != 0) {
        ops_archive_rollback(a);
        st.pt_open = 0;
        return failed("a points batch");
    }
    if (st.pt_fresh == 1) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "sat", st.sat);
        cJSON_AddNumberToObject(o, "t", (double)t);
        if (tv)
            cJSON_AddStringToObject(o, "value", txt);
        else
            cJSON_AddNumberToObject(o, "value", v);
        publish("point", o);
    }
    if (index + 1 == count) {
        st.pt_open = 0;
        if (ops_archive_commit(a) != 0) {
            ops_archive_rollback(a);
            failed("a points batch");
        }
    }
}

static void limits_flush(dmn_node *n, int fresh)
{
    for (int i = 0; fresh == 1 && i < lim.n; i++) {
        char text[600];
        snprintf(text, sizeof text, "%s: %s", lim.level[i], lim.why[i]);
        dmn_ops_event(n, "limit", text);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", "limit");
        cJSON_AddStringToObject(o, "point", lim.point[i]);
        cJSON_AddStringToObject(o, "level", lim.level[i]);
        cJSON_AddStringToObject(o, "text", lim.why[i]);
        publish("event", o);
    }
    lim.n = 0;
}

/* A value outside its dictionary limits: an event "limit", written with its point/report. */
static void on_limit(void *ctx, const dmn_dict_event *ev)
{
    if (lim.n == LIMIT_PEND)
        limits_flush(ctx, 1); /* more than a report's worth: written now */
    snprintf(lim.point[lim.n], sizeof lim.point[0], "%s", ev->point);
    snprintf(lim.level[lim.n], sizeof lim.level[0], "%s",
             ev->level == AUS_DICT_RED ? "red" : "yellow");
    snprintf(lim.why[lim.n], sizeof lim.why[0], "%s", ev->why);
    lim.n++;
}

int dmn_ops_start(dmn_node *n, int watch, char *why, size_t cap)
{
    if (n->cfg.role_sat)
        return 0;
    char url[OPS_PATH + 16];
    archive_url(&n->cfg, url, sizeof url);
    if (n->cfg.ops.archive_on >= 0 && !arc(n)) {
        snprintf(why, cap, "cannot open the archive %s (see the line above)", url);
        return -1;
    }
    if (st.arc) {
        dmn_log("Archive: %s (%s), station %s, retention %s", url, ops_archive_kind(st.arc),
                st.station, n->cfg.ops.retention_days ? "set" : "forever");
        dmn_ops_tick(n);
        dmn_app_points_hook = on_app_point;
        dmn_app_points_hook_ctx = n;
        dmn_dict_set_event_hook(on_limit, n);
        key_states(n);
    }
    if (!watch || !n->cfg.ops.http_listen[0])
        return 0;
    ops_http_cfg hc = {&n->cfg.ops, url,           n->cfg.tenant,   st.station,
                       st.sat,      n->cfg.socket, n->cfg.downloads};
    if (ops_http_start(&st.http, &hc, why, cap) != 0)
        return -1;
    dmn_log("Dashboard: %s (HTTP API under /api/, bearer token from %s)", ops_http_url(st.http),
            n->cfg.ops.http_token_file);
    return 0;
}

void dmn_ops_stop(dmn_node *n)
{
    (void)n;
    pt_abandon();
    if (dmn_app_points_hook == on_app_point)
        dmn_app_points_hook = NULL;
    dmn_dict_set_event_hook(NULL, NULL);
    ops_http_stop(st.http);
    st.http = NULL;
    ops_archive_close(st.arc);
    st.arc = NULL;
    st.tried = 0;
}

void dmn_ops_tick(dmn_node *n)
{
    int64_t now = ops_now_ms();
    drop_pending();
    if (!st.arc || !n->cfg.ops.retention_days || now - st.last_prune < 3600 * 1000)
        return;
    st.last_prune = now;
    long k = ops_archive_prune(st.arc, now - (int64_t)n->cfg.ops.retention_days * 86400000);
    if (k > 0)
        dmn_log("archive: %ld record(s) older than %llu day(s) deleted", k,
                (unsigned long long)n->cfg.ops.retention_days);
}

void dmn_ops_on_submit(dmn_node *n, const aus_app_msg *req, const char *local, uint64_t id)
{
    drop_pending();
    ops_archive *a = arc(n);
    if (!a)
        return;
    cJSON *args = cJSON_CreateArray();
    for (size_t i = 0; i < req->nargs; i++) {
        char *s = vstr(&req->args[i]);
        cJSON_AddItemToArray(args, cJSON_CreateString(s ? s : ""));
        free(s);
    }
    char *as = cJSON_PrintUnformatted(args), *name = vstr(&req->name);
    int64_t t = ops_now_ms();
    const char *type = aus_app_type_name(req->type);
    int rc = ops_archive_command(a, n->cfg.tenant, st.sat, st.station, id, type, name ? name : "",
                                 as ? as : "[]", t);
    if (rc == 0 && req->type == AUS_APP_IMG_REQ)
        rc = ops_archive_image(a, n->cfg.tenant, st.sat, st.station, id, name, local, 0, 0, 0,
                               "requested", t);
    if (rc == 0 && req->type == AUS_APP_REKEY_REQ) {
        uint16_t ek = 0, pend = 0;
        dmn_rekey_ids(n, (uint32_t)req->kind, &ek, &pend);
        rc = ops_archive_rekey(a, n->cfg.tenant, st.sat, st.station, id, rekey_kind(req->kind), t,
                               req->kind == 3 ? -1 : ek, req->kind == 3 || !pend ? -1 : pend,
                               "requested", name ? name : "");
    }
    if (rc != 0)
        failed("a request");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddStringToObject(o, "name", name ? name : "");
    cJSON_AddItemToObject(o, "args", args);
    cJSON_AddNumberToObject(o, "t", (double)t);
    publish("command", o);
    free(as);
    free(name);
}

/* A report's points under its source, in the caller's transaction: 1 stored, 0 stored
 * before, -1 error. */
static int store_report(dmn_node *n, ops_archive *a, const aus_app_msg *m, int64_t t)
{
    int fresh = ops_archive_source(a, n->cfg.tenant, st.sat, st.station, m->id, t);
    char name[OPS_NAME], txt[OPS_NAME];
    for (size_t i = 0; fresh == 1 && i < m->nkv; i++) {
        snprintf(name, sizeof name, "%.*s", (int)m->kv[i].name.n, (const char *)m->kv[i].name.p);
        snprintf(txt, sizeof txt, "%.*s", (int)m->kv[i].text.n, (const char *)m->kv[i].text.p);
        if (ops_archive_point(a, n->cfg.tenant, st.sat, name, t, (double)m->kv[i].num,
                              m->kv[i].is_text ? txt : NULL) != 0)
            return -1;
    }
    return fresh;
}

/* Re-archiving at start (docs/http-api.md "Durability"). The archive commits without waiting
 * for the disk (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off; every 256th commit
 * waits): a crash of this process loses nothing (the commit is in the kernel or the server), but
 * a crash of the machine may lose the archive's last commits while the ground's store (which
 * does wait for the disk) kept the answers those points came in. So every start
 * (dmn_ground_rearchive, role_ground.c, walking the answers the ground keeps) stores each report
 * whose source the archive lacks, in one transaction: a point acknowledged is archived again,
 * never lost, and never twice (its source). */
int dmn_ops_rearchive_begin(dmn_node *n)
{
    if (!st.arc || n->cfg.role_sat)
        return -1;
    if (ops_archive_begin(st.arc) != 0) {
        failed("the re-archiving of kept answers");
        return -1;
    }
    return 0;
}

int dmn_ops_rearchive_one(dmn_node *n, uint64_t ms, const uint8_t *adu, size_t len)
{
    static aus_app_msg m;
    if (aus_app_decode(&m, adu, len) != AUS_OK || m.type != AUS_APP_TM_REPORT)
        return 0;
    return store_report(n, st.arc, &m, (int64_t)ms);
}

void dmn_ops_rearchive_end(dmn_node *n, long k)
{
    (void)n;
    if (k < 0 || ops_archive_commit(st.arc) != 0) {
        ops_archive_rollback(st.arc);
        return failed("the re-archiving of kept answers");
    }
    if (k > 0)
        dmn_log("archive: %ld report(s) the ground had answered were missing and are archived "
                "again",
                k);
}

void dmn_ops_group(dmn_node *n, int on)
{
    ops_archive *a = on ? arc(n) : st.arc;
    if (!a || on == st.group)
        return;
    if (on) {
        if (ops_archive_begin(a) != 0)
            return failed("a group of records");
        st.group = 1;
        return;
    }
    st.group = 0;
    pt_abandon(); /* a points batch never spans groups: one still open stopped half-way */
    if (ops_archive_commit(a) != 0) {
        ops_archive_rollback(a);
        failed("a group of records");
    }
}

static void on_report(dmn_node *n, ops_archive *a, const aus_app_msg *m, int64_t t)
{
    if (ops_archive_begin(a) != 0) /* inside a group: a savepoint (all or none) */
        return failed("a telemetry report");
    int fresh = store_report(n, a, m, t);
    limits_flush(n, fresh); /* the report's limit events, with its points */
    if (fresh < 0 || ops_archive_commit(a) != 0) {
        ops_archive_rollback(a);
        return failed("a telemetry report");
    }
    char name[OPS_NAME], txt[OPS_NAME];
    if (fresh != 1)
        return;
    for (size_t i = 0; i < m->nkv; i++) {
        cJSON *o = cJSON_CreateObject();
        snprintf(name, sizeof name, "%.*s", (int)m->kv[i].name.n, (const char *)m->kv[i].name.p);
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "sat", st.sat);
        cJSON_AddNumberToObject(o, "t", (double)t);
        if (m->kv[i].is_text) {
            snprintf(txt, sizeof txt, "%.*s", (int)m->kv[i].text.n, (const char *)m->kv[i].text.p);
            cJSON_AddStringToObject(o, "value", txt);
        } else
            cJSON_AddNumberToObject(o, "value", (double)m->kv[i].num);
        publish("point", o);
    }
}

/* A rekey's answer: its outcome as the ground decided it (a response the ground refused is an
 * error there although the satellite said ok), the pair now sending, the key states. */
static void on_rekey_answer(dmn_node *n, ops_archive *a, const aus_app_msg *m,
                            const aus_app_ground_event *ev, int64_t t)
{
    aus_app_ground_answer_view av;
    const char *outcome = ev->kind == AUS_APP_GR_EV_FAILED ? "failed" : "ok";
    char note[256] = "";
    if (aus_app_ground_answer(&n->ground, ev->id, &av) == AUS_OK) {
        if (av.status != AUS_APP_ST_OK)
            outcome = ev->kind == AUS_APP_GR_EV_FAILED ? "failed" : "refused";
        snprintf(note, sizeof note, "%.*s", (int)av.note.n, (const char *)av.note.p);
    }
    uint16_t ek = 0, pend = 0;
    dmn_rekey_ids(n, (uint32_t)m->kind, &ek, &pend);
    int64_t now_ek = m->kind == 3 || strcmp(outcome, "ok") ? -1 : ek;
    if (ops_archive_rekey(a, n->cfg.tenant, st.sat, st.station, ev->id, rekey_kind(m->kind), t, -1,
                          now_ek, outcome, note) != 0)
        failed("a rekey");
    key_states(n);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "request", (double)ev->id);
    cJSON_AddStringToObject(o, "kind", rekey_kind(m->kind));
    cJSON_AddStringToObject(o, "outcome", outcome);
    cJSON_AddNumberToObject(o, "new_ek", (double)now_ek);
    publish("rekey", o);
}

void dmn_ops_on_answer(dmn_node *n, const uint8_t *adu, size_t len, const aus_app_ground_event *ev)
{
    pt_abandon();
    ops_archive *a = arc(n);
    static aus_app_msg m;
    if (!a || aus_app_decode(&m, adu, len) != AUS_OK)
        return;
    int64_t t = ops_now_ms();
    if (m.type == AUS_APP_TM_REPORT)
        on_report(n, a, &m, t);
    limits_flush(n, 1);
    const char *state = NULL;
    if (ev->req_type == AUS_APP_IMG_REQ)
        state = ev->kind == AUS_APP_GR_EV_ANSWERED ? "complete"
                : ev->kind == AUS_APP_GR_EV_FAILED ? "failed"
                                                   : "downloading";
    if (state && ev->kind != AUS_APP_GR_EV_IGNORED &&
        ops_archive_image(a, n->cfg.tenant, st.sat, st.station, ev->id, NULL, NULL, ev->have,
                          ev->total, m.size, state, t) != 0)
        failed("a download's progress");
    if (ev->kind != AUS_APP_GR_EV_ANSWERED && ev->kind != AUS_APP_GR_EV_FAILED) {
        if (state) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "id", (double)ev->id);
            cJSON_AddNumberToObject(o, "have", (double)ev->have);
            cJSON_AddNumberToObject(o, "total", (double)ev->total);
            cJSON_AddStringToObject(o, "state", state);
            publish("image", o);
        }
        return;
    }
    const char *status = ev->kind == AUS_APP_GR_EV_FAILED ? "failed"
                         : m.type == AUS_APP_TM_REPORT    ? "ok"
                         : m.type == AUS_APP_IMG_CHUNK    ? "ok"
                                                          : aus_app_status_name(m.status);
    char *out = m.type == AUS_APP_CMD_RESP ? vstr(&m.data) : NULL;
    if (ev->kind == AUS_APP_GR_EV_FAILED && n->ground.note[0]) {
        free(out);
        out = strdup(n->ground.note);
    }
    if (ops_archive_answer(a, n->cfg.tenant, st.station, ev->id, t, status, m.exit_code,
                           out ? out : "") != 0)
        failed("an answer");
    if (m.type == AUS_APP_REKEY_RESP &&
        ops_archive_event(a, n->cfg.tenant, st.sat, st.station, t, "rekey",
                          m.kind == 2   ? "pq rekey answered"
                          : m.kind == 3 ? "sdls-ep answered"
                                        : "otar answered") != 0)
        failed("a rekey event");
    if (ev->req_type == AUS_APP_REKEY_REQ)
        on_rekey_answer(n, a, &m, ev, t);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)ev->id);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddNumberToObject(o, "exit_code", (double)m.exit_code);
    cJSON_AddStringToObject(o, "output", out ? out : "");
    cJSON_AddNumberToObject(o, "t", (double)t);
    publish(ev->req_type == AUS_APP_IMG_REQ ? "image" : "answer", o);
    free(out);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
}

/* The link's counters now (the CCSDS link's status object; the folder link has none) and its
 * COP-1 state in words (CCSDS 232.1 §5 FOP-1 states, §6 FARM-1 states). */
static void link_counters(dmn_node *n, link_ctr *c, char *cop1, size_t cap)
{
    static const char *const fop[] = {"",
                                      "S1 Active",
                                      "S2 Retransmit without wait",
                                      "S3 Retransmit with wait",
                                      "S4 Initialising without BC",
                                      "S5 Initialising with BC",
                                      "S6 Initial"};
    static const char *const farm[] = {"", "S1 Open", "S2 Wait", "S3 Lockout"};
    memset(c, 0, sizeof *c);
    c->quarantined = n->quarantined;
    cop1[0] = '\0';
    if (!n->link || !n->link->status)
        return;
    cJSON *o = cJSON_CreateObject();
    n->link->status(n, o);
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(o, "ccsds");
    if (cc) {
        c->frames = (uint64_t)(num(cc, "tm_rx") + num(cc, "tc_rx"));
        c->corrections = (uint64_t)(num(cc, "rs_corrected") + num(cc, "bch_corrected"));
        c->auth = (uint64_t)num(cc, "sdls_auth");
        c->replay = (uint64_t)num(cc, "sdls_replay");
        c->spi = (uint64_t)num(cc, "sdls_spi");
        c->other = (uint64_t)num(cc, "sdls_other");
        c->sdls = c->auth + c->replay + c->spi + c->other;
        int fs = (int)num(cc, "fop_state"), rs = (int)num(cc, "farm_state");
        uint32_t cw = (uint32_t)num(cc, "clcw");
        uint8_t wb[4] = {(uint8_t)(cw >> 24), (uint8_t)(cw >> 16), (uint8_t)(cw >> 8), (uint8_t)cw};
        aus_clcw w;
        char clcw[96] = "no CLCW yet";
        if (cw && aus_clcw_decode(wb, &w) == AUS_OK) /* the CLCW: CCSDS 232.0 §4.2 */
            snprintf(clcw, sizeof clcw, "CLCW N(R) %u%s%s%s", w.report,
                     w.lockout ? ", lockout" : "", w.wait ? ", wait" : "",
                     w.retransmit ? ", retransmit" : "");
        if (fs >= 1 && fs <= 6)
            snprintf(cop1, cap, "FOP-1 %s, V(S) %.0f, NN(R) %.0f, %.0f unacknowledged; %s", fop[fs],
                     num(cc, "vs"), num(cc, "nnr"), num(cc, "outstanding"), clcw);
        else if (rs >= 1 && rs <= 3)
            snprintf(cop1, cap, "FARM-1 %s, V(R) %.0f", farm[rs], num(cc, "vr"));
    }
    cJSON_Delete(o);
}

void dmn_ops_on_pass(dmn_node *n, long files, int64_t t0)
{
    drop_pending();
    link_ctr now, p = st.prev;
    char cop1[256];
    ops_archive *a = files > 0 ? arc(n) : NULL;
    if (!a)
        return;
    link_counters(n, &now, cop1, sizeof cop1);
    st.prev = now;
#define D(f) (now.f >= p.f ? now.f - p.f : now.f) /* a link re-read after a failure restarts */
    uint64_t frames = D(frames), corr = D(corrections), sdls = D(sdls), quar = D(quarantined);
    int64_t t1 = ops_now_ms();
    if (ops_archive_pass(a, n->cfg.tenant, st.sat, st.station, t0, t1, (uint64_t)files, frames,
                         corr, sdls + quar, cop1) != 0)
        return failed("a pass");
    if (sdls) {
        char text[200];
        snprintf(text, sizeof text,
                 "%llu frame(s) refused by SDLS in a pass: %llu MAC failure(s), %llu replay(s), "
                 "%llu unknown SA, %llu other",
                 (unsigned long long)sdls, (unsigned long long)D(auth),
                 (unsigned long long)D(replay), (unsigned long long)D(spi),
                 (unsigned long long)D(other));
        dmn_ops_event(n, "security", text);
    }
#undef D
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "files", (double)files);
    cJSON_AddNumberToObject(o, "frames", (double)frames);
    cJSON_AddNumberToObject(o, "corrections", (double)corr);
    cJSON_AddNumberToObject(o, "refusals", (double)(sdls + quar));
    cJSON_AddStringToObject(o, "cop1", cop1);
    cJSON_AddNumberToObject(o, "t0", (double)t0);
    cJSON_AddNumberToObject(o, "t1", (double)t1);
    publish("pass", o);
}

void dmn_ops_event(dmn_node *n, const char *kind, const char *text)
{
    ops_archive *a = arc(n);
    if (a && ops_archive_event(a, n->cfg.tenant, st.sat, st.station, ops_now_ms(), kind, text))
        failed("an event");
}
