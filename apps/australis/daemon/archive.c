/* SPDX-License-Identifier: Apache-2.0 */
/* The ground's archive (docs/http-api.md "The archive"): every telemetry point, event,
 * command with its answer, download and pass, with times, per tenant, satellite and station.
 * Every statement is here, written once for both backends ($N parameters, ON CONFLICT DO
 * NOTHING, no dialect beyond the schema, which each backend carries).
 *
 * Exactly once: a report's points are stored under its source (tenant, sat, station, request
 * id); a report processed again after a crash (its bundle comes back) finds its source and
 * stores nothing.
 *
 * Ingest: ops_archive_point only queues the point; the transaction's points are written when
 * it commits (or before any query on the same connection): sorted by (series, time), inserted
 * with one prepared statement (SQLite) or one COPY (PostgreSQL), and folded into the rollup
 * table (per series: count, first time, sum, min, max per bucket of 1 s, 10 s, 100 s, 1 000 s
 * and 10 000 s) with multi-row upserts of up to 500 rows. A downsampled history reads rollup rows,
 * not points: at most ~10 rows per returned sample (ops_archive_history). */
#include <math.h>
#include <stdarg.h>
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
    Q_ROLL,
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
    [Q_ROLL] = "SELECT t, tf, n, nt, vsum, vmin, vmax FROM rollup WHERE sid = $1 AND w = $2 AND t "
               ">= $3 AND t <= $4 ORDER BY t",
};

/* Rollup widths (ms), finest first: a history bucket of width w reads the widest level <= w,
 * so at most ~10 rollup rows per sample. */
static const int64_t levels[] = {1000, 10000, 100000, 1000000, 10000000};
#define NLEVELS (int)(sizeof levels / sizeof levels[0])
#define PEND_MAX 65536 /* points queued before they are written anyway */

#define SID_CACHE 4096

typedef struct sid_ent {
    uint64_t h;
    int64_t id;
} sid_ent;

/* A point queued until the transaction commits. */
typedef struct pend {
    int64_t sid, t;
    double v;
    long txt; /* offset in the text pool, -1: numeric */
} pend;

struct ops_archive {
    void *db;
    const arc_db_ops *ops;
    arc_stmt *q[Q_COUNT];
    sid_ent sid[SID_CACHE];
    int in_tx;             /* open transactions: 1 = BEGIN, more = savepoints inside it */
    int baseline;          /* ops_archive_baseline */
    unsigned long commits; /* transactions begun: every ARC_SYNC_EVERY-th waits for the disk */
    pend *pend;
    size_t npend, cap;
    char *pool; /* the queued points' text values */
    size_t npool, cappool;
    char *buf; /* COPY data / upsert statement being built */
    size_t nbuf, capbuf;
    int oom;
};

int64_t ops_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An archive written before the rollup table existed gets its rollups from its points, once
 * (two stations doing it at once: the second's rows collide with the first's primary keys and
 * its transaction fails and rolls back, so nothing is counted twice). */
static int rollup_rebuild(ops_archive *a)
{
    arc_stmt *r = a->ops->prepare(a->db, "SELECT (SELECT count(*) FROM (SELECT 1 FROM rollup "
                                         "LIMIT 1) x), (SELECT count(*) FROM (SELECT 1 FROM "
                                         "points LIMIT 1) y)");
    if (!r)
        return -1;
    int st = a->ops->step(r);
    int need = st == 1 && a->ops->col_i64(r, 0) == 0 && a->ops->col_i64(r, 1) == 1;
    a->ops->finalize(r);
    if (st != 1)
        return -1;
    if (!need)
        return 0;
    if (a->ops->exec(a->db, "BEGIN") != 0)
        return -1;
    for (int l = 0; l < NLEVELS; l++) {
        char sqlt[512];
        long long W = (long long)levels[l];
        snprintf(sqlt, sizeof sqlt,
                 "INSERT INTO rollup(sid, w, t, tf, n, nt, vsum, vmin, vmax) SELECT sid, %lld, "
                 "t - ((t %% %lld) + %lld) %% %lld AS b, min(t), count(*), count(*) - count(v), "
                 "COALESCE(sum(v), 0), min(v), max(v) FROM points GROUP BY sid, b",
                 W, W, W, W);
        if (a->ops->exec(a->db, sqlt) != 0) {
            (void)a->ops->exec(a->db, "ROLLBACK");
            return 0; /* another station built it (or will): reads fall back to nothing new */
        }
    }
    return a->ops->exec(a->db, "COMMIT");
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
    if (rollup_rebuild(a) != 0) {
        snprintf(why, cap, "archive: cannot build the rollup table: %s", a->ops->errmsg(a->db));
        ops_archive_close(a);
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
    free(a->pend);
    free(a->pool);
    free(a->buf);
    free(a);
}

const char *ops_archive_kind(const ops_archive *a) { return a->ops->kind; }

static int flush(ops_archive *a);
static void discard(ops_archive *a)
{
    a->npend = a->npool = 0;
    a->oom = 0;
}

/* Transactions nest: inside an open one (a group of records, ops_hooks.c) begin is a savepoint,
 * commit releases it, rollback returns to it. The queued points are written before a savepoint
 * is taken, so the queue then holds only what came after it and a rollback drops exactly those. */
int ops_archive_begin(ops_archive *a)
{
    if (a->in_tx > 0) {
        int rc = flush(a) == 0 ? a->ops->exec(a->db, "SAVEPOINT rec") : -1;
        a->in_tx += rc == 0;
        return rc;
    }
    discard(a);
    if (++a->commits % ARC_SYNC_EVERY == 0 && !a->baseline)
        (void)a->ops->exec(a->db, a->ops->sync_on);
    int rc = a->ops->exec(a->db, "BEGIN");
    a->in_tx = rc == 0;
    return rc;
}

/* Back to commits that do not wait for the disk after a synchronous one. */
static void sync_back(ops_archive *a)
{
    if (a->commits % ARC_SYNC_EVERY == 0 && !a->baseline)
        (void)a->ops->exec(a->db, a->ops->sync_off);
}

int ops_archive_commit(ops_archive *a)
{
    if (a->in_tx > 1) {
        a->in_tx--;
        return flush(a) == 0 ? a->ops->exec(a->db, "RELEASE SAVEPOINT rec") : -1;
    }
    a->in_tx = 0;
    int rc = flush(a) == 0 ? a->ops->exec(a->db, "COMMIT") : -1;
    if (rc != 0)
        (void)a->ops->exec(a->db, "ROLLBACK");
    sync_back(a);
    return rc;
}

void ops_archive_rollback(ops_archive *a)
{
    discard(a);
    if (a->in_tx > 1) {
        a->in_tx--;
        (void)a->ops->exec(a->db, "ROLLBACK TO SAVEPOINT rec; RELEASE SAVEPOINT rec");
        return;
    }
    a->in_tx = 0;
    (void)a->ops->exec(a->db, "ROLLBACK");
    sync_back(a);
}

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

/* Grow *p (of *cap elements of size sz) to hold need; 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * sz);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

void ops_archive_baseline(ops_archive *a, int on)
{
    a->baseline = on;
    (void)a->ops->exec(a->db, on ? a->ops->sync_on : a->ops->sync_off);
}

int ops_archive_point(ops_archive *a, const char *tenant, const char *sat, const char *name,
                      int64_t t, double v, const char *txt)
{
    int64_t sid = series(a, tenant, sat, name, 1);
    if (sid <= 0)
        return -1;
    if (a->baseline) {
        arc_stmt *s = q(a, Q_POINT);
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
    size_t tl = txt ? strlen(txt) + 1 : 0;
    if (grow((void **)&a->pend, &a->cap, a->npend + 1, sizeof *a->pend) != 0 ||
        grow((void **)&a->pool, &a->cappool, a->npool + tl, 1) != 0) {
        a->oom = 1; /* the commit fails: never a transaction with points missing */
        return -1;
    }
    pend *p = &a->pend[a->npend++];
    p->sid = sid;
    p->t = t;
    p->v = txt ? 0 : v;
    p->txt = txt ? (long)a->npool : -1;
    if (txt) {
        memcpy(a->pool + a->npool, txt, tl);
        a->npool += tl;
    }
    /* outside a transaction a point is written at once, as a statement would be */
    return !a->in_tx || a->npend >= PEND_MAX ? flush(a) : 0;
}

static int cmp_pend(const void *x, const void *y)
{
    const pend *p = x, *q = y;
    if (p->sid != q->sid)
        return p->sid < q->sid ? -1 : 1;
    return p->t < q->t ? -1 : p->t > q->t;
}

/* Append to the statement/COPY buffer (a->oom on failure). */
static void put(ops_archive *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(ops_archive *a, const char *fmt, ...)
{
    for (int round = 0; round < 2 && !a->oom; round++) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = a->capbuf - a->nbuf;
        int k = vsnprintf(a->buf ? a->buf + a->nbuf : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0) {
            a->oom = 1;
            return;
        }
        if ((size_t)k < room) {
            a->nbuf += (size_t)k;
            return;
        }
        if (grow((void **)&a->buf, &a->capbuf, a->nbuf + (size_t)k + 1, 1) != 0)
            a->oom = 1;
    }
}

/* One text value in COPY's text format: backslash, tab, newline and CR escaped. */
static void put_copy_text(ops_archive *a, const char *s)
{
    char tmp[512];
    size_t k = 0;
    for (; *s; s++) {
        char c = *s;
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            tmp[k++] = '\\';
            c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        }
        tmp[k++] = c;
        if (k + 3 >= sizeof tmp) {
            put(a, "%.*s", (int)k, tmp);
            k = 0;
        }
    }
    put(a, "%.*s", (int)k, tmp);
}

/* Folds the queued points (sorted by series and time) into every level of the rollup table:
 * one row per (series, bucket), merged with what an earlier transaction left there. Every
 * value in the statement is a number this code formatted, never client text. */
#define ROLL_ROWS 500
static int rollup_all(ops_archive *a)
{
    static const char head[] = "INSERT INTO rollup(sid, w, t, tf, n, nt, vsum, vmin, vmax) VALUES ";
    static const char tail[] =
        " ON CONFLICT(sid, w, t) DO UPDATE SET tf = CASE WHEN excluded.tf < rollup.tf THEN "
        "excluded.tf ELSE rollup.tf END, n = rollup.n + excluded.n, nt = rollup.nt + "
        "excluded.nt, vsum = rollup.vsum + excluded.vsum, vmin = CASE WHEN rollup.vmin IS NULL "
        "OR excluded.vmin < rollup.vmin THEN excluded.vmin ELSE rollup.vmin END, vmax = CASE "
        "WHEN rollup.vmax IS NULL OR excluded.vmax > rollup.vmax THEN excluded.vmax ELSE "
        "rollup.vmax END";
    int rows = 0;
    a->nbuf = 0;
    /* every level in one statement (PostgreSQL: one round trip), rows in (width, series,
     * bucket) order, so two stations' transactions lock shared rows in the same order */
    for (int l = 0; l < NLEVELS; l++) {
        const int64_t w = levels[l];
        for (size_t i = 0; i < a->npend;) {
            const pend *p = &a->pend[i];
            int64_t b = p->t - ((p->t % w) + w) % w; /* floor, negative times too */
            int64_t n = 0, nt = 0;
            double sum = 0, mn = 0, mx = 0;
            size_t j = i;
            for (; j < a->npend && a->pend[j].sid == p->sid && a->pend[j].t < b + w; j++) {
                const pend *r = &a->pend[j];
                n++;
                if (r->txt >= 0 || !isfinite(r->v)) { /* text (or no number): counted, no value */
                    nt++;
                    continue;
                }
                if (n - nt == 1 || r->v < mn)
                    mn = r->v;
                if (n - nt == 1 || r->v > mx)
                    mx = r->v;
                sum += r->v;
            }
            if (rows == 0)
                put(a, "%s", head);
            if (n > nt)
                put(a, "%s(%lld,%lld,%lld,%lld,%lld,%lld,%.17g,%.17g,%.17g)", rows ? "," : "",
                    (long long)p->sid, (long long)w, (long long)b, (long long)p->t, (long long)n,
                    (long long)nt, sum, mn, mx);
            else
                put(a, "%s(%lld,%lld,%lld,%lld,%lld,%lld,0,NULL,NULL)", rows ? "," : "",
                    (long long)p->sid, (long long)w, (long long)b, (long long)p->t, (long long)n,
                    (long long)nt);
            i = j;
            if (++rows == ROLL_ROWS || (i == a->npend && l == NLEVELS - 1)) {
                put(a, "%s", tail);
                if (a->oom || a->ops->exec(a->db, a->buf) != 0)
                    return -1;
                rows = 0;
                a->nbuf = 0;
            }
        }
    }
    return 0;
}

/* Writes the queued points and their rollups (inside the caller's transaction, if any). */
static int flush(ops_archive *a)
{
    if (a->oom) {
        discard(a);
        return -1;
    }
    if (a->npend == 0)
        return 0;
    qsort(a->pend, a->npend, sizeof *a->pend, cmp_pend);
    int rc = 0;
    if (a->ops->copy) {
        a->nbuf = 0;
        for (size_t i = 0; i < a->npend; i++) {
            const pend *p = &a->pend[i];
            put(a, "%lld\t%lld\t", (long long)p->sid, (long long)p->t);
            if (p->txt >= 0) {
                put(a, "\\N\t");
                put_copy_text(a, a->pool + p->txt);
                put(a, "\n");
            } else
                put(a, "%.17g\t\\N\n", p->v);
        }
        rc = a->oom
                 ? -1
                 : a->ops->copy(a->db, "COPY points(sid, t, v, txt) FROM STDIN", a->buf, a->nbuf);
    } else {
        arc_stmt *s = q(a, Q_POINT);
        for (size_t i = 0; s && rc == 0 && i < a->npend; i++) {
            const pend *p = &a->pend[i];
            a->ops->bind_i64(s, 1, p->sid);
            a->ops->bind_i64(s, 2, p->t);
            if (p->txt >= 0)
                a->ops->bind_text(s, 3, NULL);
            else
                a->ops->bind_dbl(s, 3, p->v);
            a->ops->bind_text(s, 4, p->txt >= 0 ? a->pool + p->txt : NULL);
            rc = run(a, s) < 0 ? -1 : 0;
        }
        if (!s)
            rc = -1;
    }
    if (rc == 0)
        rc = rollup_all(a);
    discard(a);
    return rc;
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
    if (flush(a) != 0)
        return -1;
    static const char *const del[] = {
        "DELETE FROM points WHERE t < $1", "DELETE FROM events WHERE t < $1",
        "DELETE FROM passes WHERE t1 < $1", "DELETE FROM sources WHERE t < $1",
        "DELETE FROM commands WHERE queued < $1 AND answered IS NOT NULL",
        "DELETE FROM images WHERE t1 < $1",
        /* a rollup row goes when its whole width is older (one straddling the cutoff keeps
         * the pruned points' share until its width has passed) */
        "DELETE FROM rollup WHERE t + w <= $1"};
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
        if (strncmp(del[i], "DELETE FROM rollup", 18) != 0) /* records, not their summaries */
            total += ch;
    }
    return total;
}

int ops_archive_clear(ops_archive *a)
{
    static const char *const t[] = {"points", "series", "sources", "events", "commands",
                                    "images", "passes", "rollup",  "rekeys", "keystates"};
    discard(a);
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

/* One history bucket being summed from rollup rows and edge points. */
typedef struct acc {
    int64_t tf, n, nt; /* first time, points, points without a number */
    double sum, mn, mx;
} acc;

static void acc_add(acc *b, int64_t tf, int64_t n, int64_t nt, double sum, double mn, double mx)
{
    if (b->n == 0 || tf < b->tf)
        b->tf = tf;
    if (n > nt) {
        int first = b->n == b->nt;
        if (first || mn < b->mn)
            b->mn = mn;
        if (first || mx > b->mx)
            b->mx = mx;
        b->sum += sum;
    }
    b->n += n;
    b->nt += nt;
}

/* Bucket i of max over [start, start + span) begins at start + floor(w * i). */
static int64_t bound(int64_t start, double w, long i) { return start + (int64_t)(w * (double)i); }
static long bucket_of(int64_t start, double w, long max, int64_t t)
{
    long i = (long)((double)(t - start) / w);
    if (i < 0)
        i = 0;
    if (i > max - 1)
        i = max - 1;
    while (i + 1 < max && t >= bound(start, w, i + 1))
        i++;
    while (i > 0 && t < bound(start, w, i))
        i--;
    return i;
}

/* The first point of [b0, b1), or 0 when there is none (1 found, -1 error). */
static int first_in(ops_archive *a, int64_t sid, int64_t b0, int64_t b1, ops_sample *o)
{
    arc_stmt *b = q(a, Q_BUCKET);
    if (!b)
        return -1;
    a->ops->bind_i64(b, 1, sid);
    a->ops->bind_i64(b, 2, b0);
    a->ops->bind_i64(b, 3, b1);
    int r = a->ops->step(b);
    if (r == 1)
        sample_of(a, b, o);
    a->ops->reset(b);
    return r;
}

/* Every point of [t0, t1] into the buckets. */
static int add_points(ops_archive *a, int64_t sid, int64_t t0, int64_t t1, int64_t start, double w,
                      long max, acc *bk)
{
    if (t1 < t0)
        return 0;
    arc_stmt *s = q(a, Q_FIRST);
    if (!s)
        return -1;
    a->ops->bind_i64(s, 1, sid);
    a->ops->bind_i64(s, 2, t0);
    a->ops->bind_i64(s, 3, t1);
    a->ops->bind_i64(s, 4, INT64_MAX);
    int r;
    while ((r = a->ops->step(s)) == 1) {
        int64_t t = a->ops->col_i64(s, 0);
        int txt = a->ops->col_null(s, 1);
        double v = txt ? 0 : a->ops->col_dbl(s, 1);
        int nt = txt || !isfinite(v);
        acc_add(&bk[bucket_of(start, w, max, t)], t, 1, nt, v, v, v);
    }
    a->ops->reset(s);
    return r < 0 ? -1 : 0;
}

/* Downsampling: when the range holds more than max points, it is cut into max buckets of
 * equal time w. Each bucket gives the mean of its numbers (with min, max and the count) and
 * the time of its first point, summed from the widest rollup level W <= w (at most ~10 rows
 * per bucket: the cost grows with max, not with the points in the range: 1 M points to 1 000
 * samples read ~1 000-10 000 rows). A rollup row counts in the bucket where it begins, so a
 * sample's edges are exact to W; the range's own edges, where a rollup row would reach
 * outside it, are summed from the points there. A bucket of text only gives its first point.
 * Buckets narrower than 1 s: each gives its first point, found by one index seek. Fewer points
 * than max: every point. */
long ops_archive_history(ops_archive *a, const char *tenant, const char *sat, const char *name,
                         int64_t start, int64_t end, long max, ops_sample *out, long cap,
                         int *found)
{
    *found = 0;
    if (flush(a) != 0)
        return -1;
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
    double span = (double)(end - start) + 1.0, w = span / (double)max;
    int lv = -1;
    for (int l = 0; !a->baseline && l < NLEVELS; l++)
        if ((double)levels[l] <= w)
            lv = l;
    n = 0;
    if (lv < 0) {
        for (long i = 0; i < max; i++) {
            int64_t b0 = bound(start, w, i), b1 = bound(start, w, i + 1);
            if (i == max - 1 || b1 > end)
                b1 = end + 1;
            if (b1 <= b0)
                continue;
            r = first_in(a, sid, b0, b1, &out[n]);
            if (r < 0)
                return -1;
            n += r;
        }
        return n;
    }
    int64_t W = levels[lv];
    int64_t a0 = start + ((W - ((start % W) + W) % W) % W); /* first rollup row inside */
    int64_t a1 = end + 1 - (((end + 1) % W) + W) % W;       /* end of the last one inside */
    acc *bk = calloc((size_t)max, sizeof *bk);
    if (!bk)
        return -1;
    int rc = 0;
    if (a0 >= a1)
        rc = add_points(a, sid, start, end, start, w, max, bk);
    else {
        rc = add_points(a, sid, start, a0 - 1, start, w, max, bk);
        arc_stmt *g = rc == 0 ? q(a, Q_ROLL) : NULL;
        if (g) {
            a->ops->bind_i64(g, 1, sid);
            a->ops->bind_i64(g, 2, W);
            a->ops->bind_i64(g, 3, a0);
            a->ops->bind_i64(g, 4, a1 - W);
            while ((r = a->ops->step(g)) == 1) {
                int64_t t = a->ops->col_i64(g, 0), rn = a->ops->col_i64(g, 2),
                        rnt = a->ops->col_i64(g, 3);
                int hasv = !a->ops->col_null(g, 5);
                acc_add(&bk[bucket_of(start, w, max, t)], a->ops->col_i64(g, 1), rn,
                        hasv ? rnt : rn, a->ops->col_dbl(g, 4), hasv ? a->ops->col_dbl(g, 5) : 0,
                        hasv ? a->ops->col_dbl(g, 6) : 0);
            }
            a->ops->reset(g);
            rc = r < 0 ? -1 : 0;
        } else
            rc = -1;
        if (rc == 0)
            rc = add_points(a, sid, a1, end, start, w, max, bk);
    }
    for (long i = 0; rc == 0 && i < max; i++) {
        const acc *b = &bk[i];
        if (b->n == 0)
            continue;
        ops_sample *o = &out[n];
        if (b->n > b->nt) {
            memset(o, 0, sizeof *o);
            o->t = b->tf;
            o->v = b->sum / (double)(b->n - b->nt);
            o->n = b->n;
            o->min = b->mn;
            o->max = b->mx;
        } else {
            int64_t b1 = i == max - 1 ? end + 1 : bound(start, w, i + 1);
            r = first_in(a, sid, bound(start, w, i), b1, o);
            if (r <= 0) {
                rc = r;
                continue;
            }
        }
        if (n == 0 || o->t > out[n - 1].t) /* time order, never two samples at one time */
            n++;
    }
    free(bk);
    return rc < 0 ? -1 : n;
}

static void add_sample(cJSON *arr, const ops_sample *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "t", (double)s->t);
    if (s->is_text)
        cJSON_AddStringToObject(o, "value", s->txt);
    else
        cJSON_AddNumberToObject(o, "value", s->v);
    if (s->n > 1) { /* a downsampled bucket: the mean above, its range and count */
        cJSON_AddNumberToObject(o, "min", s->min);
        cJSON_AddNumberToObject(o, "max", s->max);
        cJSON_AddNumberToObject(o, "n", (double)s->n);
    }
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
    *found = 0;
    int64_t sid = flush(a) == 0 ? series(a, tenant, sat, name, 0) : -1;
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
    arc_stmt *s = flush(a) == 0 ? q(a, Q_POINTS) : NULL;
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
