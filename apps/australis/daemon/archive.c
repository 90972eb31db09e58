/* SPDX-License-Identifier: Apache-2.0 */
/* The ground's archive (docs/http-api.md "The archive"): every telemetry point, event,
 * command with its answer, download and pass, with times, per tenant, satellite and station.
 * Every statement is here, written once for both backends ($N parameters, ON CONFLICT DO
 * NOTHING, no dialect beyond the schema, which each backend carries).
 *
 * Exactly once: a report's points are stored under its source (tenant, sat, station, request
 * id); a report processed again after a crash (its bundle comes back) finds its source and
 * stores nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "archive_db.h"
#include "ops.h"

enum {
    Q_SERIES_INS,
    Q_SERIES_GET,
    Q_POINT,
    Q_SOURCE,
    Q_EVENT,
    Q_CMD,
    Q_ANSWER,
    Q_IMAGE,
    Q_PASS,
    Q_FIRST,
    Q_BUCKET,
    Q_LATEST,
    Q_POINTS,
    Q_CMD_GET,
    Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    [Q_SERIES_INS] = "INSERT INTO series(tenant, sat, name) VALUES($1, $2, $3) ON CONFLICT DO "
                     "NOTHING",
    [Q_SERIES_GET] = "SELECT id FROM series WHERE tenant = $1 AND sat = $2 AND name = $3",
    [Q_POINT] = "INSERT INTO points(sid, t, v, txt) VALUES($1, $2, $3, $4)",
    [Q_SOURCE] = "INSERT INTO sources(tenant, sat, station, src, t) VALUES($1, $2, $3, $4, $5) "
                 "ON CONFLICT DO NOTHING",
    [Q_EVENT] = "INSERT INTO events(tenant, sat, station, t, kind, text) VALUES($1, $2, $3, $4, "
                "$5, $6)",
    [Q_CMD] = "INSERT INTO commands(tenant, sat, station, id, type, name, args, queued, sent, "
              "status) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $8, 'queued') ON CONFLICT DO "
              "NOTHING",
    [Q_ANSWER] = "UPDATE commands SET answered = $4, status = $5, exit_code = $6, output = $7 "
                 "WHERE tenant = $1 AND station = $2 AND id = $3",
    [Q_IMAGE] = "INSERT INTO images(tenant, sat, station, id, remote, local, have, total, size, "
                "state, t0, t1) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON "
                "CONFLICT(tenant, station, id) DO UPDATE SET have = $7, total = $8, size = $9, "
                "state = $10, t1 = $11, remote = COALESCE(NULLIF($5, ''), images.remote), "
                "local = COALESCE(NULLIF($6, ''), images.local)",
    [Q_PASS] = "INSERT INTO passes(tenant, sat, station, t0, t1, files, frames, corrections, "
               "refusals, cop1) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    [Q_FIRST] = "SELECT t, v, txt FROM points WHERE sid = $1 AND t >= $2 AND t <= $3 ORDER BY t "
                "LIMIT $4",
    [Q_BUCKET] = "SELECT t, v, txt FROM points WHERE sid = $1 AND t >= $2 AND t < $3 ORDER BY t "
                 "LIMIT 1",
    [Q_LATEST] = "SELECT t, v, txt FROM points WHERE sid = $1 ORDER BY t DESC LIMIT 1",
    [Q_POINTS] = "SELECT id, sat, name, tenant FROM series WHERE ($1 = '' OR tenant = $1) ORDER "
                 "BY name, sat",
    [Q_CMD_GET] = "SELECT id, type, name, args, queued, sent, answered, status, exit_code, "
                  "output, sat, station FROM commands WHERE tenant = $1 AND station = $2 AND "
                  "id = $3",
};

#define SID_CACHE 4096

typedef struct sid_ent {
    uint64_t h;
    int64_t id;
} sid_ent;

struct ops_archive {
    void *db;
    const arc_db_ops *ops;
    arc_stmt *q[Q_COUNT];
    sid_ent sid[SID_CACHE];
};

int64_t ops_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ops_archive_open(ops_archive **ap, const char *url, char *why, size_t cap)
{
    ops_archive *a = calloc(1, sizeof *a);
    *ap = NULL;
    if (!a) {
        snprintf(why, cap, "archive: out of memory");
        return -1;
    }
    int rc;
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        rc = arc_pg_open(url, &a->db, &a->ops, why, cap);
    else
        rc =
            arc_sqlite_open(!strncmp(url, "sqlite:", 7) ? url + 7 : url, &a->db, &a->ops, why, cap);
    if (rc != 0) {
        free(a);
        return -1;
    }
    *ap = a;
    return 0;
}

void ops_archive_close(ops_archive *a)
{
    if (!a)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        if (a->q[i])
            a->ops->finalize(a->q[i]);
    a->ops->close(a->db);
    free(a);
}

const char *ops_archive_kind(const ops_archive *a) { return a->ops->kind; }
int ops_archive_begin(ops_archive *a) { return a->ops->exec(a->db, "BEGIN"); }
int ops_archive_commit(ops_archive *a) { return a->ops->exec(a->db, "COMMIT"); }
void ops_archive_rollback(ops_archive *a) { (void)a->ops->exec(a->db, "ROLLBACK"); }

static arc_stmt *q(ops_archive *a, int i)
{
    if (!a->q[i])
        a->q[i] = a->ops->prepare(a->db, sql[i]);
    return a->q[i];
}

/* Run a statement that returns no row; its text parameters then numbers. Returns rows changed
 * or -1. */
static long run(ops_archive *a, arc_stmt *s)
{
    int r = a->ops->step(s);
    long ch = r == 0 ? a->ops->changes(s) : -1;
    a->ops->reset(s);
    return ch;
}

static uint64_t fnv(const char *t, const char *s, const char *n)
{
    uint64_t h = 1469598103934665603u;
    const char *parts[3] = {t, s, n};
    for (int k = 0; k < 3; k++) {
        for (const char *p = parts[k]; *p; p++)
            h = (h ^ (uint8_t)*p) * 1099511628211u;
        h = (h ^ 0xff) * 1099511628211u;
    }
    return h | 1;
}

/* The series id of (tenant, sat, name): 0 when absent and !create, -1 on error. */
static int64_t series(ops_archive *a, const char *tenant, const char *sat, const char *name,
                      int create)
{
    uint64_t h = fnv(tenant, sat, name);
    sid_ent *e = &a->sid[h % SID_CACHE];
    if (e->h == h)
        return e->id;
    arc_stmt *g = q(a, Q_SERIES_GET);
    if (!g)
        return -1;
    for (int round = 0; round < 2; round++) {
        a->ops->bind_text(g, 1, tenant);
        a->ops->bind_text(g, 2, sat);
        a->ops->bind_text(g, 3, name);
        int r = a->ops->step(g);
        int64_t id = r == 1 ? a->ops->col_i64(g, 0) : 0;
        a->ops->reset(g);
        if (r < 0)
            return -1;
        if (id) {
            e->h = h;
            e->id = id;
            return id;
        }
        if (!create || round)
            return 0;
        arc_stmt *s = q(a, Q_SERIES_INS);
        if (!s)
            return -1;
        a->ops->bind_text(s, 1, tenant);
        a->ops->bind_text(s, 2, sat);
        a->ops->bind_text(s, 3, name);
        if (run(a, s) < 0)
            return -1;
    }
    return -1;
}

int ops_archive_source(ops_archive *a, const char *tenant, const char *sat, const char *station,
                       uint64_t src, int64_t t)
{
    arc_stmt *s = q(a, Q_SOURCE);
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, sat);
    a->ops->bind_text(s, 3, station);
    a->ops->bind_i64(s, 4, (int64_t)src);
    a->ops->bind_i64(s, 5, t);
    long ch = run(a, s);
    return ch < 0 ? -1 : ch > 0;
}

int ops_archive_point(ops_archive *a, const char *tenant, const char *sat, const char *name,
                      int64_t t, double v, const char *txt)
{
    int64_t sid = series(a, tenant, sat, name, 1);
    arc_stmt *s = sid > 0 ? q(a, Q_POINT) : NULL;
    if (!s)
        return -1;
    a->ops->bind_i64(s, 1, sid);
    a->ops->bind_i64(s, 2, t);
    if (txt)
        a->ops->bind_text(s, 3, NULL);
    else
        a->ops->bind_dbl(s, 3, v);
    a->ops->bind_text(s, 4, txt);
    return run(a, s) < 0 ? -1 : 0;
}

int ops_archive_event(ops_archive *a, const char *tenant, const char *sat, const char *station,
                      int64_t t, const char *kind, const char *text)
{
    arc_stmt *s = q(a, Q_EVENT);
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, sat);
    a->ops->bind_text(s, 3, station);
    a->ops->bind_i64(s, 4, t);
    a->ops->bind_text(s, 5, kind);
    a->ops->bind_text(s, 6, text);
    return run(a, s) < 0 ? -1 : 0;
}

int ops_archive_command(ops_archive *a, const char *tenant, const char *sat, const char *station,
                        uint64_t id, const char *type, const char *name, const char *args_json,
                        int64_t queued)
{
    arc_stmt *s = q(a, Q_CMD);
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, sat);
    a->ops->bind_text(s, 3, station);
    a->ops->bind_i64(s, 4, (int64_t)id);
    a->ops->bind_text(s, 5, type);
    a->ops->bind_text(s, 6, name);
    a->ops->bind_text(s, 7, args_json);
    a->ops->bind_i64(s, 8, queued);
    return run(a, s) < 0 ? -1 : 0;
}

int ops_archive_answer(ops_archive *a, const char *tenant, const char *station, uint64_t id,
                       int64_t t, const char *status, int64_t exit_code, const char *output)
{
    arc_stmt *s = q(a, Q_ANSWER);
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, station);
    a->ops->bind_i64(s, 3, (int64_t)id);
    a->ops->bind_i64(s, 4, t);
    a->ops->bind_text(s, 5, status);
    a->ops->bind_i64(s, 6, exit_code);
    a->ops->bind_text(s, 7, output);
    return run(a, s) < 0 ? -1 : 0;
}

int ops_archive_image(ops_archive *a, const char *tenant, const char *sat, const char *station,
                      uint64_t id, const char *remote, const char *local, uint64_t have,
                      uint64_t total, uint64_t size, const char *state, int64_t t)
{
    arc_stmt *s = q(a, Q_IMAGE);
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, sat);
    a->ops->bind_text(s, 3, station);
    a->ops->bind_i64(s, 4, (int64_t)id);
    a->ops->bind_text(s, 5, remote ? remote : "");
    a->ops->bind_text(s, 6, local ? local : "");
    a->ops->bind_i64(s, 7, (int64_t)have);
    a->ops->bind_i64(s, 8, (int64_t)total);
    a->ops->bind_i64(s, 9, (int64_t)size);
    a->ops->bind_text(s, 10, state);
    a->ops->bind_i64(s, 11, t);
    return run(a, s) < 0 ? -1 : 0;
}

int ops_archive_pass(ops_archive *a, const char *tenant, const char *sat, const char *station,
                     int64_t t0, int64_t t1, uint64_t files, uint64_t frames, uint64_t corrections,
                     uint64_t refusals, const char *cop1)
{
    arc_stmt *s = q(a, Q_PASS);
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, sat);
    a->ops->bind_text(s, 3, station);
    a->ops->bind_i64(s, 4, t0);
    a->ops->bind_i64(s, 5, t1);
    a->ops->bind_i64(s, 6, (int64_t)files);
    a->ops->bind_i64(s, 7, (int64_t)frames);
    a->ops->bind_i64(s, 8, (int64_t)corrections);
    a->ops->bind_i64(s, 9, (int64_t)refusals);
    a->ops->bind_text(s, 10, cop1);
    return run(a, s) < 0 ? -1 : 0;
}

long ops_archive_prune(ops_archive *a, int64_t cutoff)
{
    static const char *const del[] = {
        "DELETE FROM points WHERE t < $1",
        "DELETE FROM events WHERE t < $1",
        "DELETE FROM passes WHERE t1 < $1",
        "DELETE FROM sources WHERE t < $1",
        "DELETE FROM commands WHERE queued < $1 AND answered IS NOT NULL",
        "DELETE FROM images WHERE t1 < $1"};
    long total = 0;
    for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
        arc_stmt *s = a->ops->prepare(a->db, del[i]);
        if (!s)
            return -1;
        a->ops->bind_i64(s, 1, cutoff);
        long ch = run(a, s);
        a->ops->finalize(s);
        if (ch < 0)
            return -1;
        total += ch;
    }
    return total;
}

int ops_archive_clear(ops_archive *a)
{
    static const char *const t[] = {"points", "series", "sources", "events",   "commands",
                                    "images", "passes", "rekeys",  "keystates"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char q[64];
        snprintf(q, sizeof q, "DELETE FROM %s", t[i]);
        if (a->ops->exec(a->db, q) != 0)
            return -1;
    }
    memset(a->sid, 0, sizeof a->sid);
    return 0;
}

/* ---- queries ---- */

static void sample_of(ops_archive *a, arc_stmt *s, ops_sample *o)
{
    memset(o, 0, sizeof *o);
    o->t = a->ops->col_i64(s, 0);
    o->is_text = a->ops->col_null(s, 1);
    o->v = o->is_text ? 0 : a->ops->col_dbl(s, 1);
    snprintf(o->txt, sizeof o->txt, "%s", o->is_text ? a->ops->col_text(s, 2) : "");
    o->n = 1;
}

/* Downsampling: when the range holds more than max points, it is cut into max buckets of
 * equal time and each bucket gives its first point, found by one index seek (points are
 * indexed by (series, time)): the cost grows with max, not with the points in the range (1 M
 * points to 1 000 samples: 1 000 seeks). Fewer points than max: every point. */
long ops_archive_history(ops_archive *a, const char *tenant, const char *sat, const char *name,
                         int64_t start, int64_t end, long max, ops_sample *out, long cap,
                         int *found)
{
    int64_t sid = series(a, tenant, sat, name, 0);
    *found = sid > 0;
    if (sid <= 0)
        return sid < 0 ? -1 : 0;
    if (max <= 0 || max > cap)
        max = cap;
    arc_stmt *s = q(a, Q_FIRST);
    if (!s)
        return -1;
    a->ops->bind_i64(s, 1, sid);
    a->ops->bind_i64(s, 2, start);
    a->ops->bind_i64(s, 3, end);
    a->ops->bind_i64(s, 4, max + 1);
    long n = 0;
    int r;
    while ((r = a->ops->step(s)) == 1 && n < cap)
        sample_of(a, s, &out[n++]);
    a->ops->reset(s);
    if (r < 0)
        return -1;
    if (n <= max)
        return n;
    /* more than max: one sample per bucket */
    arc_stmt *b = q(a, Q_BUCKET);
    if (!b)
        return -1;
    double span = (double)(end - start) + 1.0, w = span / (double)max;
    n = 0;
    for (long i = 0; i < max; i++) {
        int64_t b0 = start + (int64_t)(w * (double)i), b1 = start + (int64_t)(w * (double)(i + 1));
        if (i == max - 1 || b1 > end)
            b1 = end + 1;
        if (b1 <= b0)
            continue;
        a->ops->bind_i64(b, 1, sid);
        a->ops->bind_i64(b, 2, b0);
        a->ops->bind_i64(b, 3, b1);
        r = a->ops->step(b);
        if (r == 1)
            sample_of(a, b, &out[n++]);
        a->ops->reset(b);
        if (r < 0)
            return -1;
    }
    return n;
}

static void add_sample(cJSON *arr, const ops_sample *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "t", (double)s->t);
    if (s->is_text)
        cJSON_AddStringToObject(o, "value", s->txt);
    else
        cJSON_AddNumberToObject(o, "value", s->v);
    cJSON_AddItemToArray(arr, o);
}

static char *print(cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

#define HISTORY_MAX 100000L

char *ops_archive_history_json(ops_archive *a, const char *tenant, const char *sat,
                               const char *name, int64_t start, int64_t end, long max, int *found)
{
    long cap = max > 0 && max < HISTORY_MAX ? max : HISTORY_MAX;
    ops_sample *buf = malloc((size_t)(cap + 1) * sizeof *buf);
    if (!buf)
        return NULL;
    long n = ops_archive_history(a, tenant, sat, name, start, end, cap, buf, cap + 1, found);
    if (n < 0 || !*found) {
        free(buf);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "samples");
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "sat", sat);
    for (long i = 0; i < n; i++)
        add_sample(arr, &buf[i]);
    free(buf);
    return print(o);
}

char *ops_archive_latest_json(ops_archive *a, const char *tenant, const char *sat, const char *name,
                              int *found)
{
    int64_t sid = series(a, tenant, sat, name, 0);
    *found = 0;
    arc_stmt *s = sid > 0 ? q(a, Q_LATEST) : NULL;
    if (!s)
        return NULL;
    a->ops->bind_i64(s, 1, sid);
    ops_sample sm;
    int r = a->ops->step(s);
    if (r == 1)
        sample_of(a, s, &sm);
    a->ops->reset(s);
    if (r != 1)
        return NULL;
    *found = 1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "sat", sat);
    cJSON_AddNumberToObject(o, "t", (double)sm.t);
    if (sm.is_text)
        cJSON_AddStringToObject(o, "value", sm.txt);
    else
        cJSON_AddNumberToObject(o, "value", sm.v);
    return print(o);
}

char *ops_archive_points_json(ops_archive *a, const char *tenant)
{
    arc_stmt *s = q(a, Q_POINTS);
    if (!s)
        return NULL;
    a->ops->bind_text(s, 1, tenant);
    cJSON *arr = cJSON_CreateArray();
    int r;
    while ((r = a->ops->step(s)) == 1) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", a->ops->col_text(s, 2));
        cJSON_AddStringToObject(o, "sat", a->ops->col_text(s, 1));
        cJSON_AddStringToObject(o, "tenant", a->ops->col_text(s, 3));
        cJSON_AddItemToArray(arr, o);
    }
    a->ops->reset(s);
    if (r < 0) {
        cJSON_Delete(arr);
        return NULL;
    }
    return print(arr);
}

static void add_col(cJSON *o, ops_archive *a, arc_stmt *s, int c, const char *k, int num)
{
    if (a->ops->col_null(s, c))
        cJSON_AddNullToObject(o, k);
    else if (num)
        cJSON_AddNumberToObject(o, k, (double)a->ops->col_i64(s, c));
    else
        cJSON_AddStringToObject(o, k, a->ops->col_text(s, c));
}

static cJSON *command_obj(ops_archive *a, arc_stmt *s)
{
    cJSON *o = cJSON_CreateObject();
    add_col(o, a, s, 0, "id", 1);
    add_col(o, a, s, 1, "type", 0);
    add_col(o, a, s, 2, "name", 0);
    cJSON *args = cJSON_Parse(a->ops->col_text(s, 3));
    cJSON_AddItemToObject(o, "args", args ? args : cJSON_CreateArray());
    add_col(o, a, s, 4, "queued", 1);
    add_col(o, a, s, 5, "sent", 1);
    add_col(o, a, s, 6, "answered", 1);
    add_col(o, a, s, 7, "status", 0);
    add_col(o, a, s, 8, "exit_code", 1);
    add_col(o, a, s, 9, "output", 0);
    add_col(o, a, s, 10, "sat", 0);
    add_col(o, a, s, 11, "station", 0);
    return o;
}

char *ops_archive_command_json(ops_archive *a, const char *tenant, const char *station, uint64_t id,
                               int *found)
{
    arc_stmt *s = q(a, Q_CMD_GET);
    *found = 0;
    if (!s)
        return NULL;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, station);
    a->ops->bind_i64(s, 3, (int64_t)id);
    cJSON *o = NULL;
    if (a->ops->step(s) == 1)
        o = command_obj(a, s);
    a->ops->reset(s);
    *found = o != NULL;
    return o ? print(o) : NULL;
}

typedef struct list_def {
    const char *table, *sql;
    const char *cols[13];
    const char *num; /* 'n' per numeric column */
} list_def;

static const list_def lists[] = {
    {"commands",
     "SELECT id, type, name, args, queued, sent, answered, status, exit_code, output, sat, "
     "station FROM commands WHERE ($1 = '' OR tenant = $1) AND $2 = $2 ORDER BY queued DESC "
     "LIMIT $3",
     {0},
     ""},
    {"images",
     "SELECT id, remote, local, have, total, size, state, t0, t1, sat, station FROM images "
     "WHERE ($1 = '' OR tenant = $1) AND $2 = $2 ORDER BY t1 DESC LIMIT $3",
     {"id", "remote", "local", "have", "total", "size", "state", "t0", "t1", "sat", "station"},
     "n..nnn.nn.."},
    {"passes",
     "SELECT id, t0, t1, files, frames, corrections, refusals, cop1, sat, station FROM passes "
     "WHERE ($1 = '' OR tenant = $1) AND $2 = $2 ORDER BY t1 DESC LIMIT $3",
     {"id", "t0", "t1", "files", "frames", "corrections", "refusals", "cop1", "sat", "station"},
     "nnnnnnn..."},
    {"events",
     "SELECT id, t, kind, text, sat, station FROM events WHERE ($1 = '' OR tenant = $1) AND ($2 "
     "= '' OR kind = $2) ORDER BY t DESC, id DESC LIMIT $3",
     {"id", "t", "kind", "text", "sat", "station"},
     "nn...."},
    {"rekeys",
     "SELECT request, kind, t0, t1, old_ek, new_ek, outcome, text, sat, station FROM rekeys "
     "WHERE ($1 = '' OR tenant = $1) AND $2 = $2 ORDER BY t0 DESC, id DESC LIMIT $3",
     {"request", "kind", "t0", "t1", "old_ek", "new_ek", "outcome", "text", "sat", "station"},
     "n.nnnn...."},
    {"keystates",
     "SELECT id, type, state, role, created, activated, deactivated, deadline, t, station FROM "
     "keystates WHERE ($1 = '' OR tenant = $1) AND $2 = $2 ORDER BY station, id LIMIT $3",
     {"id", "type", "state", "role", "created", "activated", "deactivated", "deadline", "t",
      "station"},
     "n...nnnnn."},
};

char *ops_archive_list_json(ops_archive *a, const char *table, const char *tenant, const char *kind,
                            long limit)
{
    const list_def *d = NULL;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (!strcmp(lists[i].table, table))
            d = &lists[i];
    arc_stmt *s = d ? a->ops->prepare(a->db, d->sql) : NULL;
    if (!s)
        return NULL;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, kind);
    a->ops->bind_i64(s, 3, limit > 0 ? limit : 100);
    cJSON *arr = cJSON_CreateArray();
    int r;
    while ((r = a->ops->step(s)) == 1) {
        if (!d->cols[0]) {
            cJSON_AddItemToArray(arr, command_obj(a, s));
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        for (int c = 0; d->cols[c]; c++)
            add_col(o, a, s, c, d->cols[c], d->num[c] == 'n');
        cJSON_AddItemToArray(arr, o);
    }
    a->ops->finalize(s);
    if (r < 0) {
        cJSON_Delete(arr);
        return NULL;
    }
    return print(arr);
}

/* ---- the keys view: rekey history and key states (statements prepared per call: rare) ---- */

static long run_sql(ops_archive *a, arc_stmt *s)
{
    long ch = s ? run(a, s) : -1;
    if (s)
        a->ops->finalize(s);
    return ch;
}

int ops_archive_rekey(ops_archive *a, const char *tenant, const char *sat, const char *station,
                      uint64_t request, const char *kind, int64_t t, int64_t old_ek, int64_t new_ek,
                      const char *outcome, const char *text)
{
    /* the request's row first (t0); its answer fills t1, the new key and the outcome (an
     * answer handled again after a crash writes the same values again) */
    int answered = strcmp(outcome, "requested") != 0;
    arc_stmt *s = a->ops->prepare(
        a->db, answered
                   ? "INSERT INTO rekeys(tenant, sat, station, request, kind, t0, t1, old_ek, "
                     "new_ek, outcome, text) VALUES($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10) "
                     "ON CONFLICT(tenant, station, request) DO UPDATE SET t1 = $6, new_ek = $8, "
                     "outcome = $9, text = $10"
                   : "INSERT INTO rekeys(tenant, sat, station, request, kind, t0, old_ek, new_ek, "
                     "outcome, text) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON "
                     "CONFLICT(tenant, station, request) DO NOTHING");
    if (!s)
        return -1;
    a->ops->bind_text(s, 1, tenant);
    a->ops->bind_text(s, 2, sat);
    a->ops->bind_text(s, 3, station);
    a->ops->bind_i64(s, 4, (int64_t)request);
    a->ops->bind_text(s, 5, kind);
    a->ops->bind_i64(s, 6, t);
    a->ops->bind_i64(s, 7, old_ek);
    a->ops->bind_i64(s, 8, new_ek);
    a->ops->bind_text(s, 9, outcome);
    a->ops->bind_text(s, 10, text);
    return run_sql(a, s) < 0 ? -1 : 0;
}

int ops_archive_keystates(ops_archive *a, const char *tenant, const char *station,
                          const ops_keystate *k, size_t nk, int64_t t)
{
    if (ops_archive_begin(a) != 0)
        return -1;
    arc_stmt *d =
        a->ops->prepare(a->db, "DELETE FROM keystates WHERE tenant = $1 AND station = $2");
    if (d) {
        a->ops->bind_text(d, 1, tenant);
        a->ops->bind_text(d, 2, station);
    }
    int rc = run_sql(a, d) < 0 ? -1 : 0;
    arc_stmt *s = rc ? NULL
                     : a->ops->prepare(a->db, "INSERT INTO keystates(tenant, station, id, type, "
                                              "state, role, created, activated, deactivated, "
                                              "deadline, t) VALUES($1, $2, $3, $4, $5, $6, $7, "
                                              "$8, $9, $10, $11)");
    for (size_t i = 0; s && rc == 0 && i < nk; i++) {
        a->ops->bind_text(s, 1, tenant);
        a->ops->bind_text(s, 2, station);
        a->ops->bind_i64(s, 3, k[i].id);
        a->ops->bind_text(s, 4, k[i].type);
        a->ops->bind_text(s, 5, k[i].state);
        a->ops->bind_text(s, 6, k[i].role);
        a->ops->bind_i64(s, 7, k[i].created);
        a->ops->bind_i64(s, 8, k[i].activated);
        a->ops->bind_i64(s, 9, k[i].deactivated);
        a->ops->bind_i64(s, 10, k[i].deadline);
        a->ops->bind_i64(s, 11, t);
        rc = run(a, s) < 0 ? -1 : 0;
    }
    if (s)
        a->ops->finalize(s);
    else
        rc = -1;
    if (rc != 0 || ops_archive_commit(a) != 0) {
        ops_archive_rollback(a);
        return -1;
    }
    return 0;
}

char *ops_archive_keys_json(ops_archive *a, const char *tenant, long limit)
{
    char *st = ops_archive_list_json(a, "keystates", tenant, "", 1000);
    char *hi = st ? ops_archive_list_json(a, "rekeys", tenant, "", limit) : NULL;
    cJSON *o = NULL, *sj = st ? cJSON_Parse(st) : NULL, *hj = hi ? cJSON_Parse(hi) : NULL;
    if (sj && hj && (o = cJSON_CreateObject()) != NULL) {
        cJSON_AddItemToObject(o, "states", sj);
        cJSON_AddItemToObject(o, "history", hj);
        sj = hj = NULL;
    }
    cJSON_Delete(sj);
    cJSON_Delete(hj);
    free(st);
    free(hi);
    return o ? print(o) : NULL;
}
