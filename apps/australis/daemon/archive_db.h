/* SPDX-License-Identifier: Apache-2.0 */
/* The archive's database backends (archive_sqlite.c, archive_pg.c) behind one small table of
 * operations: prepared statements with numbered parameters ($1, $2, ...), rows read by
 * column. archive.c holds every SQL statement; only the schema differs per backend. */
#ifndef AUS_DMN_ARCHIVE_DB_H
#define AUS_DMN_ARCHIVE_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct arc_stmt arc_stmt;
typedef struct arc_db_ops {
    const char *kind;
    const char *schema;                              /* statements separated by ';' */
    int (*exec)(void *db, const char *sql);          /* 0 or -1 */
    arc_stmt *(*prepare)(void *db, const char *sql); /* kept by the caller; NULL on error */
    void (*bind_i64)(arc_stmt *s, int i, int64_t v); /* i from 1 */
    void (*bind_dbl)(arc_stmt *s, int i, double v);
    void (*bind_text)(arc_stmt *s, int i, const char *v); /* copied; NULL: SQL NULL */
    int (*step)(arc_stmt *s);                             /* 1 row, 0 done, -1 error */
    int64_t (*col_i64)(arc_stmt *s, int c);               /* c from 0 */
    double (*col_dbl)(arc_stmt *s, int c);
    const char *(*col_text)(arc_stmt *s, int c); /* "" for NULL */
    int (*col_null)(arc_stmt *s, int c);
    long (*changes)(arc_stmt *s); /* rows changed by the last step of an INSERT/DELETE */
    void (*reset)(arc_stmt *s);   /* done with this execution (bindings cleared) */
    void (*finalize)(arc_stmt *s);
    void (*close)(void *db);
    const char *(*errmsg)(void *db);
    /* Bulk load (PostgreSQL COPY ... FROM STDIN, text format): one round trip for a pass's
     * points. NULL: the caller inserts row by row with a prepared statement (SQLite, where a
     * prepared insert in one transaction is already the fast path). 0 or -1. */
    int (*copy)(void *db, const char *sql, const char *data, size_t len);
    /* Commits do not wait for the disk (sync_off, set at open); every ARC_SYNC_EVERY-th
     * transaction runs under sync_on and so makes every earlier one durable too. */
    const char *sync_on, *sync_off;
} arc_db_ops;

#define ARC_SYNC_EVERY 256

/* Open: 0 and *db, or -1 with a sentence in why. */
int arc_sqlite_open(const char *path, void **db, const arc_db_ops **ops, char *why, size_t cap);
int arc_pg_open(const char *url, void **db, const arc_db_ops **ops, char *why, size_t cap);

#endif
