/* SPDX-License-Identifier: Apache-2.0 */
/* The archive on SQLite (the embedded default): its own database file next to the ground's
 * store (the store has one owner per process, docs/store.md; the archive is shared by the
 * daemon's writer and the HTTP server's readers). WAL, synchronous=NORMAL: a commit that
 * returned survives kill -9 of this process (it is in the kernel's page cache); a crash of
 * the machine may lose the last ones, which the ground re-archives from its store at the next
 * start (dmn_ground_rearchive); every ARC_SYNC_EVERY-th commit is synchronous=FULL. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "archive_db.h"

struct arc_stmt {
    sqlite3_stmt *st;
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT NULL, name TEXT NOT NULL, UNIQUE(tenant, sat, name));"
    "CREATE TABLE IF NOT EXISTS points(sid INTEGER NOT NULL, t BIGINT NOT NULL, v DOUBLE "
    "PRECISION, txt TEXT);"
    "CREATE INDEX IF NOT EXISTS points_sid_t ON points(sid, t);"
    "CREATE TABLE IF NOT EXISTS sources(tenant TEXT NOT NULL, sat TEXT NOT NULL, station TEXT "
    "NOT NULL, src BIGINT NOT NULL, t BIGINT NOT NULL, PRIMARY KEY(tenant, sat, station, src));"
    "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT NULL, station TEXT NOT NULL, t BIGINT NOT NULL, kind TEXT NOT NULL, text TEXT);"
    "CREATE INDEX IF NOT EXISTS events_t ON events(t);"
    "CREATE TABLE IF NOT EXISTS commands(tenant TEXT NOT NULL, sat TEXT NOT NULL, station TEXT "
    "NOT NULL, id BIGINT NOT NULL, type TEXT, name TEXT, args TEXT, queued BIGINT, sent BIGINT, "
    "answered BIGINT, status TEXT, exit_code BIGINT, output TEXT, PRIMARY KEY(tenant, station, "
    "id));"
    "CREATE TABLE IF NOT EXISTS images(tenant TEXT NOT NULL, sat TEXT NOT NULL, station TEXT NOT "
    "NULL, id BIGINT NOT NULL, remote TEXT, local TEXT, have BIGINT, total BIGINT, size BIGINT, "
    "state TEXT, t0 BIGINT, t1 BIGINT, PRIMARY KEY(tenant, station, id));"
    "CREATE TABLE IF NOT EXISTS passes(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT "
    "NOT NULL, station TEXT NOT NULL, t0 BIGINT, t1 BIGINT, files BIGINT, frames BIGINT, "
    "corrections BIGINT, refusals BIGINT, cop1 TEXT);"
    "CREATE TABLE IF NOT EXISTS rollup(sid BIGINT NOT NULL, w BIGINT NOT NULL, t BIGINT NOT "
    "NULL, tf BIGINT NOT NULL, n BIGINT NOT NULL, nt BIGINT NOT NULL, vsum DOUBLE PRECISION NOT "
    "NULL, vmin DOUBLE PRECISION, vmax DOUBLE PRECISION, PRIMARY KEY(sid, w, t)) WITHOUT ROWID;"
    /* rekey history (OTAR, PQ rekey, SDLS-EP procedures) and the ground keystore's key states */
    "CREATE TABLE IF NOT EXISTS rekeys(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, sat TEXT NOT "
    "NULL, station TEXT NOT NULL, request BIGINT NOT NULL, kind TEXT NOT NULL, t0 BIGINT, t1 "
    "BIGINT, old_ek BIGINT, new_ek BIGINT, outcome TEXT, text TEXT, UNIQUE(tenant, station, "
    "request));"
    "CREATE TABLE IF NOT EXISTS keystates(tenant TEXT NOT NULL, station TEXT NOT NULL, id BIGINT "
    "NOT NULL, type TEXT, state TEXT, created BIGINT, activated BIGINT, deactivated BIGINT, "
    "deadline BIGINT, role TEXT, t BIGINT, PRIMARY KEY(tenant, station, id))";

static int s_exec(void *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static arc_stmt *s_prepare(void *db, const char *sql)
{
    /* $N -> ?N (the statements are written for both backends) */
    size_t n = strlen(sql);
    char *q = malloc(n + 1);
    arc_stmt *s = calloc(1, sizeof *s);
    if (!q || !s) {
        free(q);
        free(s);
        return NULL;
    }
    for (size_t i = 0; i <= n; i++)
        q[i] = sql[i] == '$' ? '?' : sql[i];
    int rc = sqlite3_prepare_v3(db, q, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
    free(q);
    if (rc != SQLITE_OK) {
        free(s);
        return NULL;
    }
    s->db = db;
    return s;
}

static void s_bind_i64(arc_stmt *s, int i, int64_t v) { sqlite3_bind_int64(s->st, i, v); }
static void s_bind_dbl(arc_stmt *s, int i, double v) { sqlite3_bind_double(s->st, i, v); }
static void s_bind_text(arc_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s->st, i);
}

static int s_step(arc_stmt *s)
{
    int rc = sqlite3_step(s->st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int64_t s_col_i64(arc_stmt *s, int c) { return sqlite3_column_int64(s->st, c); }
static double s_col_dbl(arc_stmt *s, int c) { return sqlite3_column_double(s->st, c); }
static const char *s_col_text(arc_stmt *s, int c)
{
    const unsigned char *t = sqlite3_column_text(s->st, c);
    return t ? (const char *)t : "";
}
static int s_col_null(arc_stmt *s, int c) { return sqlite3_column_type(s->st, c) == SQLITE_NULL; }
static long s_changes(arc_stmt *s) { return (long)sqlite3_changes(s->db); }
static void s_reset(arc_stmt *s)
{
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}
static void s_finalize(arc_stmt *s)
{
    if (s) {
        sqlite3_finalize(s->st);
        free(s);
    }
}
static void s_close(void *db) { sqlite3_close(db); }
static const char *s_errmsg(void *db) { return sqlite3_errmsg(db); }

static const arc_db_ops sqlite_ops = {
    "sqlite",
    schema,
    s_exec,
    s_prepare,
    s_bind_i64,
    s_bind_dbl,
    s_bind_text,
    s_step,
    s_col_i64,
    s_col_dbl,
    s_col_text,
    s_col_null,
    s_changes,
    s_reset,
    s_finalize,
    s_close,
    s_errmsg,
    NULL,
    "PRAGMA synchronous=FULL",
    "PRAGMA synchronous=NORMAL",
};

int arc_sqlite_open(const char *path, void **dbp, const arc_db_ops **ops, char *why, size_t cap)
{
    /* DESIGN.md §5a: the archive file is ours: created 0600 without following a link */
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        snprintf(why, cap, "archive %s: %s", path,
                 fd < 0 ? (errno == ELOOP ? "is a symbolic link" : strerror(errno))
                        : "not a regular file of ours");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(why, cap, "archive %s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    if (s_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL") != 0 ||
        s_exec(db, schema) != 0) {
        snprintf(why, cap, "archive %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    *dbp = db;
    *ops = &sqlite_ops;
    return 0;
}
