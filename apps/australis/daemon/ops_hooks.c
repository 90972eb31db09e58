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

#include "daemon.h"
#include "ops.h"
#include "ops_hooks.h"

static struct {
    ops_archive *arc;
    ops_http *http;
    int tried;
    char sat[32], station[64];
    uint64_t failures;
    int64_t last_prune;
    int group; /* an archive transaction is open for a group (dmn_ops_group) */
} st;

/* The archive's URL: [archive] url, else STORE.archive (SQLite) next to the store. */
static void archive_url(const dmn_config *cfg, char *out, size_t cap)
{
    if (cfg->ops.archive_url[0])
        snprintf(out, cap, "%s", cfg->ops.archive_url);
    else
        snprintf(out, cap, "sqlite:%s.archive", cfg->store);
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
    ops_http_stop(st.http);
    st.http = NULL;
    ops_archive_close(st.arc);
    st.arc = NULL;
    st.tried = 0;
}

void dmn_ops_tick(dmn_node *n)
{
    int64_t now = ops_now_ms();
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
    if (ops_archive_commit(a) != 0) {
        ops_archive_rollback(a);
        failed("a group of records");
    }
}

/* A report's records all or none: its own transaction, or a savepoint inside a group. */
static int rec_begin(ops_archive *a)
{
    return st.group ? ops_archive_savepoint(a) : ops_archive_begin(a);
}
static int rec_commit(ops_archive *a)
{
    return st.group ? ops_archive_release(a) : ops_archive_commit(a);
}
static void rec_rollback(ops_archive *a)
{
    if (st.group)
        ops_archive_rollback_to(a);
    else
        ops_archive_rollback(a);
}

static void on_report(dmn_node *n, ops_archive *a, const aus_app_msg *m, int64_t t)
{
    if (rec_begin(a) != 0)
        return failed("a telemetry report");
    int fresh = store_report(n, a, m, t);
    if (fresh < 0 || rec_commit(a) != 0) {
        rec_rollback(a);
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

void dmn_ops_on_answer(dmn_node *n, const uint8_t *adu, size_t len, const aus_app_ground_event *ev)
{
    ops_archive *a = arc(n);
    static aus_app_msg m;
    if (!a || aus_app_decode(&m, adu, len) != AUS_OK)
        return;
    int64_t t = ops_now_ms();
    if (m.type == AUS_APP_TM_REPORT)
        on_report(n, a, &m, t);
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
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)ev->id);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddNumberToObject(o, "exit_code", (double)m.exit_code);
    cJSON_AddStringToObject(o, "output", out ? out : "");
    cJSON_AddNumberToObject(o, "t", (double)t);
    publish(ev->req_type == AUS_APP_IMG_REQ ? "image" : "answer", o);
    free(out);
}

void dmn_ops_on_pass(dmn_node *n, long files, int64_t t0)
{
    ops_archive *a = files > 0 ? arc(n) : NULL;
    if (!a)
        return;
    int64_t t1 = ops_now_ms();
    if (ops_archive_pass(a, n->cfg.tenant, st.sat, st.station, t0, t1, (uint64_t)files, 0, 0,
                         n->quarantined, "") != 0)
        return failed("a pass");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "files", (double)files);
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
