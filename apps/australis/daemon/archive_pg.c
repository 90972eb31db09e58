/* SPDX-License-Identifier: Apache-2.0 */
/* The archive on PostgreSQL (libpq): `[archive] url = postgresql://...`, so several ground
 * daemons (stations) write one archive. Same statements as SQLite (archive.c); parameters are
 * sent as text; a statement is prepared once per connection under its own name; a pass's points
 * go in one COPY (p_copy). Every
 * session runs with synchronous_commit = off: a commit that returned survives this process's
 * crash, and the server's own crash loses at most its last ~0.6 s of commits (3 x
 * wal_writer_delay), which the ground re-archives from its store at the next start
 * (dmn_ground_rearchive); every ARC_SYNC_EVERY-th commit waits for the disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_db.h"

#ifndef AUS_HAVE_PQ
int arc_pg_open(const char *url, void **db, const arc_db_ops **ops, char *why, size_t cap)
{
    (void)url;
    (void)db;
    (void)ops;
    snprintf(why, cap,
             "archive: this build has no PostgreSQL support (libpq-dev was missing when "
             "it was built)");
    return -1;
}
#else
#include <libpq-fe.h>

#define PG_PARAMS 16

struct arc_stmt {
    PGconn *db;
    char name[32];
    int nparams;
    char *val[PG_PARAMS];
    PGresult *res;
    int row, rows;
    long changes;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS series(id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT NULL, name TEXT NOT NULL, UNIQUE(tenant, sat, name));"
    "CREATE TABLE IF NOT EXISTS points(sid BIGINT NOT NULL, t BIGINT NOT NULL, v DOUBLE "
    "PRECISION, txt TEXT);"
    "CREATE INDEX IF NOT EXISTS points_sid_t ON points(sid, t);"
    "CREATE TABLE IF NOT EXISTS sources(tenant TEXT NOT NULL, sat TEXT NOT NULL, station TEXT "
    "NOT NULL, src BIGINT NOT NULL, t BIGINT NOT NULL, PRIMARY KEY(tenant, sat, station, src));"
    "CREATE TABLE IF NOT EXISTS events(id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT NULL, station TEXT NOT NULL, t BIGINT NOT NULL, kind TEXT NOT NULL, text TEXT);"
    "CREATE INDEX IF NOT EXISTS events_t ON events(t);"
    "CREATE TABLE IF NOT EXISTS commands(tenant TEXT NOT NULL, sat TEXT NOT NULL, station TEXT "
    "NOT NULL, id BIGINT NOT NULL, type TEXT, name TEXT, args TEXT, queued BIGINT, sent BIGINT, "
    "answered BIGINT, status TEXT, exit_code BIGINT, output TEXT, PRIMARY KEY(tenant, station, "
    "id));"
    "CREATE TABLE IF NOT EXISTS images(tenant TEXT NOT NULL, sat TEXT NOT NULL, station TEXT NOT "
    "NULL, id BIGINT NOT NULL, remote TEXT, local TEXT, have BIGINT, total BIGINT, size BIGINT, "
    "state TEXT, t0 BIGINT, t1 BIGINT, PRIMARY KEY(tenant, station, id));"
    "CREATE TABLE IF NOT EXISTS passes(id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT NULL, station TEXT NOT NULL, t0 BIGINT, t1 BIGINT, files BIGINT, frames BIGINT, "
    "corrections BIGINT, refusals BIGINT, cop1 TEXT);"
    "CREATE TABLE IF NOT EXISTS rollup(sid BIGINT NOT NULL, w BIGINT NOT NULL, t BIGINT NOT "
    "NULL, tf BIGINT NOT NULL, n BIGINT NOT NULL, nt BIGINT NOT NULL, vsum DOUBLE PRECISION NOT "
    "NULL, vmin DOUBLE PRECISION, vmax DOUBLE PRECISION, PRIMARY KEY(sid, w, t));"
    /* rekey history (OTAR, PQ rekey, SDLS-EP procedures) and the ground keystore's key states */
    "CREATE TABLE IF NOT EXISTS rekeys(id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT "
    "NULL, station TEXT NOT NULL, request BIGINT NOT NULL, kind TEXT NOT NULL, t0 BIGINT, t1 "
    "BIGINT, old_ek BIGINT, new_ek BIGINT, outcome TEXT, text TEXT, UNIQUE(tenant, station, "
    "request));"
    "CREATE TABLE IF NOT EXISTS keystates(tenant TEXT NOT NULL, station TEXT NOT NULL, id BIGINT "
    "NOT NULL, type TEXT, state TEXT, created BIGINT, activated BIGINT, deactivated BIGINT, "
    "deadline BIGINT, role TEXT, t BIGINT, PRIMARY KEY(tenant, station, id))";

static int p_exec(void *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

static arc_stmt *p_prepare(void *db, const char *sql)
{
    static unsigned counter;
    arc_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->db = db;
    snprintf(s->name, sizeof s->name, "aus_q%u", ++counter);
    /* the highest $N is the parameter count */
    for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$')) {
        int k = atoi(p + 1);
        if (k > s->nparams)
            s->nparams = k;
    }
    PGresult *r = s->nparams <= PG_PARAMS ? PQprepare(db, s->name, sql, s->nparams, NULL) : NULL;
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        free(s);
        return NULL;
    }
    return s;
}

static void set(arc_stmt *s, int i, char *v)
{
    if (i < 1 || i > PG_PARAMS) {
        free(v);
        return;
    }
    free(s->val[i - 1]);
    s->val[i - 1] = v;
}

static void p_bind_i64(arc_stmt *s, int i, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    set(s, i, strdup(b));
}
static void p_bind_dbl(arc_stmt *s, int i, double v)
{
    char b[40];
    snprintf(b, sizeof b, "%.17g", v);
    set(s, i, strdup(b));
}
static void p_bind_text(arc_stmt *s, int i, const char *v) { set(s, i, v ? strdup(v) : NULL); }

static int p_step(arc_stmt *s)
{
    if (!s->res) {
        const char *vals[PG_PARAMS];
        for (int i = 0; i < s->nparams; i++)
            vals[i] = s->val[i];
        s->res = PQexecPrepared(s->db, s->name, s->nparams, vals, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(s->res);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
            return -1;
        s->rows = PQntuples(s->res);
        s->row = -1;
        const char *ch = PQcmdTuples(s->res);
        s->changes = ch && *ch ? atol(ch) : 0;
    }
    if (PQresultStatus(s->res) != PGRES_TUPLES_OK && PQresultStatus(s->res) != PGRES_COMMAND_OK)
        return -1;
    return ++s->row < s->rows ? 1 : 0;
}

static int64_t p_col_i64(arc_stmt *s, int c) { return atoll(PQgetvalue(s->res, s->row, c)); }
static double p_col_dbl(arc_stmt *s, int c) { return strtod(PQgetvalue(s->res, s->row, c), NULL); }
static const char *p_col_text(arc_stmt *s, int c) { return PQgetvalue(s->res, s->row, c); }
static int p_col_null(arc_stmt *s, int c) { return PQgetisnull(s->res, s->row, c); }
static long p_changes(arc_stmt *s) { return s->changes; }

static void p_reset(arc_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    for (int i = 0; i < PG_PARAMS; i++) {
        free(s->val[i]);
        s->val[i] = NULL;
    }
}

static void p_finalize(arc_stmt *s)
{
    if (!s)
        return;
    p_reset(s);
    char sql[64];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
    (void)p_exec(s->db, sql);
    free(s);
}

/* COPY ... FROM STDIN: the rows in PostgreSQL's text format, sent in pieces of 1 MiB. */
static int p_copy(void *db, const char *sql, const char *data, size_t len)
{
    PGresult *r = PQexec(db, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok)
        return -1;
    for (size_t off = 0; ok && off < len;) {
        size_t k = len - off < (1u << 20) ? len - off : (1u << 20);
        ok = PQputCopyData(db, data + off, (int)k) == 1;
        off += k;
    }
    if (PQputCopyEnd(db, ok ? NULL : "aborted by the archive") != 1)
        ok = 0;
    while ((r = PQgetResult(db)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            ok = 0;
        PQclear(r);
    }
    return ok ? 0 : -1;
}

static void p_close(void *db) { PQfinish(db); }
static const char *p_errmsg(void *db) { return PQerrorMessage(db); }

static const arc_db_ops pg_ops = {
    "postgresql",
    schema,
    p_exec,
    p_prepare,
    p_bind_i64,
    p_bind_dbl,
    p_bind_text,
    p_step,
    p_col_i64,
    p_col_dbl,
    p_col_text,
    p_col_null,
    p_changes,
    p_reset,
    p_finalize,
    p_close,
    p_errmsg,
    p_copy,
    "SET synchronous_commit = on",
    "SET synchronous_commit = off",
};

int arc_pg_open(const char *url, void **dbp, const arc_db_ops **ops, char *why, size_t cap)
{
    PGconn *db = PQconnectdb(url);
    if (PQstatus(db) != CONNECTION_OK) {
        /* the URL may hold a password: never echoed */
        snprintf(why, cap, "archive (PostgreSQL): %s", PQerrorMessage(db));
        PQfinish(db);
        return -1;
    }
    /* several stations create the schema at once: serialised by an advisory lock */
    (void)p_exec(db, "SET client_min_messages = warning");
    if (p_exec(db, "SELECT pg_advisory_lock(7202612)") != 0 || p_exec(db, schema) != 0) {
        snprintf(why, cap, "archive (PostgreSQL): %s", PQerrorMessage(db));
        PQfinish(db);
        return -1;
    }
    (void)p_exec(db, "SELECT pg_advisory_unlock(7202612)");
    (void)p_exec(db, "SET synchronous_commit = off");
    *dbp = db;
    *ops = &pg_ops;
    return 0;
}
#endif
