/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite backend of the durable store (see store_sqlite.h).
 *
 * Durability: journal_mode=WAL + synchronous=FULL, so every commit (and every autocommitted put)
 * is fsynced before it returns (SQLite docs, "PRAGMA synchronous": FULL syncs the WAL on each
 * commit). Statements are prepared once at open. Keys are checked against AUS_STORE_KEY_MAX so
 * that the in-memory test store and this one accept exactly the same keys.
 *
 * One owner per store (DESIGN.md §5): opening takes an exclusive flock(2) on "<path>.lock" and
 * holds it until close. The kernel drops it when the process dies (kill -9 included), so a
 * stale lock cannot outlive its owner; a second opener gets AUS_E_LOCKED and the owner's pid is
 * readable with aus_store_sqlite_holder(). SQLite's own file locks only serialise single
 * transactions; counters held in memory between transactions need an owner for life. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "australis/store.h"
#include "store_sqlite.h"

enum { Q_GET, Q_PUT, Q_DEL, Q_NEXT, Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_COUNT };

static const char *const q_sql[Q_COUNT] = {
    "SELECT v FROM kv WHERE k = ?1",
    /* REPLACE (delete + insert of the one row) rather than an UPSERT: the same outcome on this
     * table (no triggers, no other columns), 15-20 % less work per put in SQLite's VM (a replay
     * window is saved per accepted bundle) */
    "INSERT OR REPLACE INTO kv(k, v) VALUES(?1, ?2)",
    "DELETE FROM kv WHERE k = ?1",
    /* smallest key > after that starts with prefix (BINARY collation = byte order) */
    "SELECT k FROM kv WHERE k > ?1 AND k >= ?2 AND substr(k, 1, ?3) = ?2 ORDER BY k LIMIT 1",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
};

typedef struct sq {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    int lock_fd; /* -1 for ":memory:" */
} sq;

static int key_ok(const char *k) { return k && strlen(k) < AUS_STORE_KEY_MAX; }

static aus_err map(int rc)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return AUS_OK;
    case SQLITE_NOMEM: return AUS_E_NOBUFS;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return AUS_E_AGAIN;
    case SQLITE_MISUSE:
    case SQLITE_READONLY: return AUS_E_STATE; /* a write through a read-only view */
    default: return AUS_E_IO;
    }
}

static sqlite3_stmt *stmt(sq *s, int i)
{
    sqlite3_stmt *q = s->q[i];
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return q;
}

static aus_err q_get(void *self, const char *key, uint8_t *val, size_t cap, size_t *len)
{
    sq *s = self;
    if (!key_ok(key))
        return AUS_E_ARG;
    sqlite3_stmt *q = stmt(s, Q_GET);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    aus_err e = AUS_E_NOTFOUND;
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        *len = n;
        e = AUS_OK;
        if (n > cap)
            e = AUS_E_NOBUFS;
        else if (n)
            memcpy(val, p, n);
    } else if (rc != SQLITE_DONE) {
        e = map(rc);
    }
    sqlite3_reset(q);
    return e;
}

static aus_err q_put(void *self, const char *key, const uint8_t *val, size_t len)
{
    sq *s = self;
    if (!key_ok(key) || len > 0x7FFFFFFF || (len && !val))
        return AUS_E_ARG;
    static const uint8_t empty[1] = {0};
    sqlite3_stmt *q = stmt(s, Q_PUT);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, len ? val : empty, (int)len, SQLITE_STATIC);
    aus_err e = map(sqlite3_step(q));
    sqlite3_reset(q);
    return e;
}

static aus_err q_del(void *self, const char *key)
{
    sq *s = self;
    if (!key_ok(key))
        return AUS_E_ARG;
    sqlite3_stmt *q = stmt(s, Q_DEL);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    aus_err e = map(sqlite3_step(q));
    sqlite3_reset(q);
    return e;
}

static aus_err q_next(void *self, const char *prefix, const char *after, char *key, size_t keycap)
{
    sq *s = self;
    if (!prefix || !after || !key_ok(prefix) || !key_ok(after) || !key)
        return AUS_E_ARG;
    sqlite3_stmt *q = stmt(s, Q_NEXT);
    sqlite3_bind_text(q, 1, after, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, (int)strlen(prefix));
    int rc = sqlite3_step(q);
    aus_err e = AUS_E_NOTFOUND;
    if (rc == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        size_t n = k ? strlen(k) : 0;
        e = AUS_OK;
        if (n + 1 > keycap)
            e = AUS_E_NOBUFS;
        else
            memcpy(key, k ? k : "", n + 1);
    } else if (rc != SQLITE_DONE) {
        e = map(rc);
    }
    sqlite3_reset(q);
    return e;
}

static aus_err q_simple(sq *s, int i)
{
    sqlite3_stmt *q = stmt(s, i);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return map(rc);
}

static aus_err q_begin(void *self)
{
    sq *s = self;
    if (!sqlite3_get_autocommit(s->db))
        return AUS_E_STATE; /* no nested transactions */
    return q_simple(s, Q_BEGIN);
}

static aus_err q_commit(void *self)
{
    sq *s = self;
    if (sqlite3_get_autocommit(s->db))
        return AUS_E_STATE;
    aus_err e = q_simple(s, Q_COMMIT);
    if (e != AUS_OK && !sqlite3_get_autocommit(s->db))
        (void)q_simple(s, Q_ROLLBACK); /* a failed commit leaves nothing half-applied */
    return e;
}

static aus_err q_rollback(void *self)
{
    sq *s = self;
    if (sqlite3_get_autocommit(s->db))
        return AUS_OK;
    return q_simple(s, Q_ROLLBACK);
}

static const aus_store_ops sqlite_ops = {q_get,   q_put,    q_del,     q_next,
                                         q_begin, q_commit, q_rollback};

static void sq_free(sq *s)
{
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    if (s->db) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(s->db);
    }
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s);
}

static int lock_path(const char *path, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s.lock", path);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The owner lock: a regular file of ours, opened without following a planted symlink. */
static aus_err take_lock(const char *path, unsigned wait_ms, int *fd_out)
{
    char lp[PATH_MAX];
    *fd_out = -1;
    if (!strcmp(path, ":memory:"))
        return AUS_OK;
    if (lock_path(path, lp, sizeof lp) != 0)
        return AUS_E_ARG;
    int fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0)
        return errno == ELOOP ? AUS_E_PERM : AUS_E_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(fd);
        return AUS_E_PERM;
    }
    for (unsigned waited = 0;; waited += 20) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= wait_ms) {
            int busy = errno == EWOULDBLOCK;
            close(fd);
            return busy ? AUS_E_LOCKED : AUS_E_IO;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* the owner's pid, for the sentence a second opener prints: written over the old one and
     * cut only when the old one was longer. Truncating to zero first waited 2-6 ms per store at
     * each start on a busy ext4 disk (strace -T: the filesystem's journal), a write over it
     * 0.02-0.2 ms; nothing needs this file durable. */
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (pwrite(fd, pid, (size_t)n, 0) != n || (st.st_size > n && ftruncate(fd, n) != 0)) {
        close(fd);
        return AUS_E_IO;
    }
    *fd_out = fd;
    return AUS_OK;
}

long aus_store_sqlite_holder(const char *path)
{
    char lp[PATH_MAX], b[24];
    if (!path || lock_path(path, lp, sizeof lp) != 0)
        return 0;
    int fd = open(lp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    if (r <= 0)
        return 0;
    b[r] = '\0';
    char *end = NULL;
    long pid = strtol(b, &end, 10);
    return end != b && pid > 0 ? pid : 0;
}

static aus_err open_db(aus_store *out, const char *path, unsigned wait_ms, int readonly);

aus_err aus_store_sqlite_open(aus_store *out, const char *path)
{
    return aus_store_sqlite_open_wait(out, path, 0);
}

aus_err aus_store_sqlite_open_wait(aus_store *out, const char *path, unsigned wait_ms)
{
    return open_db(out, path, wait_ms, 0);
}

aus_err aus_store_sqlite_open_readonly(aus_store *out, const char *path)
{
    return open_db(out, path, 0, 1);
}

static aus_err open_db(aus_store *out, const char *path, unsigned wait_ms, int readonly)
{
    if (!out || !path)
        return AUS_E_ARG;
    sq *s = calloc(1, sizeof *s);
    if (!s)
        return AUS_E_NOBUFS;
    s->lock_fd = -1;
    aus_err le = readonly ? AUS_OK : take_lock(path, wait_ms, &s->lock_fd);
    if (le != AUS_OK) {
        free(s);
        return le;
    }
    /* Memory (the flight computer's 8 MB budget, docs/flight.md): a store is a small key-value
     * table, so no up-front page-cache block per connection (SQLite docs, "Configuration
     * Options": SQLITE_CONFIG_PAGECACHE with no buffer and N = 0; only possible before SQLite
     * initialises, later calls answer SQLITE_MISUSE and change nothing) and no lookaside
     * pool (SQLITE_DBCONFIG_LOOKASIDE with size 0): pages and small objects come from malloc
     * as needed. The cache stays bounded by PRAGMA cache_size below. */
    (void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(s->db, 5000);
    if (rc == SQLITE_OK && !readonly)
        rc = sqlite3_exec(s->db,
                          "PRAGMA journal_mode=WAL;"
                          "PRAGMA synchronous=FULL;"
                          "PRAGMA cache_size=-128;" /* KiB of pages (docs/flight.md) */
                          "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v BLOB NOT NULL) "
                          "WITHOUT ROWID;",
                          NULL, NULL, NULL);
    for (int i = 0; rc == SQLITE_OK && i < Q_COUNT; i++)
        rc = sqlite3_prepare_v3(s->db, q_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL);
    if (rc != SQLITE_OK) {
        aus_err e = rc == SQLITE_NOMEM ? AUS_E_NOBUFS : AUS_E_IO;
        sq_free(s);
        return e;
    }
    out->ops = &sqlite_ops;
    out->self = s;
    return AUS_OK;
}

aus_err aus_store_sqlite_defer_sync(aus_store *s, int deferred)
{
    if (!s || !s->self || s->ops != &sqlite_ops)
        return AUS_E_ARG;
    sq *q = s->self;
    if (!sqlite3_get_autocommit(q->db))
        return AUS_E_STATE; /* SQLite ignores the pragma inside a transaction */
    return sqlite3_exec(q->db, deferred ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
                        NULL, NULL, NULL) == SQLITE_OK
               ? AUS_OK
               : AUS_E_IO;
}

/* The log is one file written in commit order, so syncing it makes every commit so far durable
 * at once: the same sync SQLite itself does at each commit with synchronous=FULL, through the
 * log's own file object (SQLITE_FCNTL_JOURNAL_POINTER), which also syncs the folder the first
 * time after the log was created. No log open: every commit is already in the checkpointed
 * database file, which SQLite syncs after each checkpoint. */
aus_err aus_store_sqlite_sync(aus_store *s)
{
    if (!s || !s->self || s->ops != &sqlite_ops)
        return AUS_E_ARG;
    sq *q = s->self;
    sqlite3_file *wal = NULL;
    if (sqlite3_file_control(q->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK)
        return AUS_E_IO;
    if (!wal || !wal->pMethods)
        return AUS_OK;
    return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) == SQLITE_OK ? AUS_OK : AUS_E_IO;
}

void aus_store_sqlite_close(aus_store *s)
{
    if (!s || !s->self)
        return;
    sq_free(s->self);
    s->ops = NULL;
    s->self = NULL;
}
