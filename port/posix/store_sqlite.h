/* SPDX-License-Identifier: Apache-2.0 */
/* The durable store over SQLite (port/posix): implements aus_store_ops (include/australis/store.h).
 *
 * One table `kv(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID`, WAL journal, synchronous=FULL: a put
 * outside a transaction, or a commit, is on stable storage when it returns, so counters reserved
 * with aus_ctr survive a power cut. begin/commit/rollback map to BEGIN IMMEDIATE / COMMIT /
 * ROLLBACK. One handle per thread (SQLITE_OPEN_NOMUTEX; the caller serialises use).
 */
#ifndef AUS_STORE_SQLITE_H
#define AUS_STORE_SQLITE_H

#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Open (creating if needed) the database at path and fill *out, as its one owner: an exclusive
 * lock on "<path>.lock" is held until close (DESIGN.md §5; ":memory:" takes none). Errors:
 * AUS_E_ARG, AUS_E_LOCKED (another process owns the store), AUS_E_PERM (the lock file is a
 * symlink, not a regular file, or not ours), AUS_E_IO (cannot open / not a database /
 * schema), AUS_E_NOBUFS (out of memory). */
AUS_MUST_USE aus_err aus_store_sqlite_open(aus_store *out, const char *path);
/* The same, waiting up to wait_ms for the owner lock before AUS_E_LOCKED. */
AUS_MUST_USE aus_err aus_store_sqlite_open_wait(aus_store *out, const char *path, unsigned wait_ms);
/* A read-only view that takes no lock, for inspection beside a running owner (status): every
 * write, begin and so every counter reservation fails with AUS_E_STATE. Errors: AUS_E_ARG,
 * AUS_E_IO (absent or not a database), AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_store_sqlite_open_readonly(aus_store *out, const char *path);
/* The pid recorded by the store's current or last owner (0 when unknown). */
long aus_store_sqlite_holder(const char *path);
/* Group commit (docs/daemon.md, "Group commit"): with deferred on, commits stop syncing the
 * write-ahead log (PRAGMA synchronous=NORMAL: each commit is atomic and survives the process
 * being killed, but the last ones may roll back after a power cut); aus_store_sqlite_sync then
 * makes every commit so far durable with one sync of the log. The caller must sync before
 * anything that depends on those commits leaves the process (an answer, a file, a bundle).
 * Off restores synchronous=FULL. Not inside a transaction. Errors: AUS_E_ARG, AUS_E_STATE
 * (a transaction is open), AUS_E_IO. */
AUS_MUST_USE aus_err aus_store_sqlite_defer_sync(aus_store *s, int deferred);
AUS_MUST_USE aus_err aus_store_sqlite_sync(aus_store *s);
/* Close (rolls back an open transaction). *s is cleared; NULL-safe. */
void aus_store_sqlite_close(aus_store *s);

#ifdef __cplusplus
}
#endif
#endif
