/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite store (port/posix/store_sqlite.c): the ops contract of include/australis/store.h,
 * durability across a reopen and across a process killed mid-transaction (crash simulation),
 * and the aus_ctr / aus_replay helpers on top of it. */
#include "aus_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "australis/base.h"
#include "store_sqlite.h"

static char dir[256], path[300];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/aus_store_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/s.db", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void fresh(aus_store *s)
{
    unlink(path);
    char p[320];
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    assert_int_equal(aus_store_sqlite_open(s, path), AUS_OK);
}

static void test_basic_ops(void **st)
{
    (void)st;
    aus_store s;
    fresh(&s);
    const aus_store_ops *o = s.ops;
    uint8_t v[8];
    size_t n = 0;
    assert_int_equal(o->get(s.self, "a", v, sizeof v, &n), AUS_E_NOTFOUND);
    assert_int_equal(o->put(s.self, "a", (const uint8_t *)"hello", 5), AUS_OK);
    assert_int_equal(o->get(s.self, "a", v, sizeof v, &n), AUS_OK);
    tst_assert_bytes(v, n, (const uint8_t *)"hello", 5);
    assert_int_equal(o->get(s.self, "a", v, 3, &n), AUS_E_NOBUFS);
    assert_int_equal(n, 5);
    assert_int_equal(o->put(s.self, "a", (const uint8_t *)"xy", 2), AUS_OK); /* overwrite */
    assert_int_equal(o->get(s.self, "a", v, sizeof v, &n), AUS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(o->put(s.self, "e", NULL, 0), AUS_OK); /* empty value */
    assert_int_equal(o->get(s.self, "e", v, sizeof v, &n), AUS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(o->del(s.self, "a"), AUS_OK);
    assert_int_equal(o->del(s.self, "a"), AUS_OK); /* absent is fine */
    assert_int_equal(o->get(s.self, "a", v, sizeof v, &n), AUS_E_NOTFOUND);
    char big[AUS_STORE_KEY_MAX + 1];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(o->put(s.self, big, v, 1), AUS_E_ARG);
    aus_store_sqlite_close(&s);
    assert_null(s.self);
}

static void test_next_scan(void **st)
{
    (void)st;
    aus_store s;
    fresh(&s);
    const aus_store_ops *o = s.ops;
    const char *keys[] = {"rp/b", "rp/a", "rq/a", "r", "rp/c/1", "rp"};
    for (size_t i = 0; i < AUS_ARRAY_LEN(keys); i++)
        assert_int_equal(o->put(s.self, keys[i], (const uint8_t *)"1", 1), AUS_OK);
    const char *want[] = {"rp/a", "rp/b", "rp/c/1"};
    char k[AUS_STORE_KEY_MAX] = "";
    char after[AUS_STORE_KEY_MAX] = "";
    for (size_t i = 0; i < AUS_ARRAY_LEN(want); i++) {
        assert_int_equal(o->next(s.self, "rp/", after, k, sizeof k), AUS_OK);
        assert_string_equal(k, want[i]);
        strcpy(after, k);
    }
    assert_int_equal(o->next(s.self, "rp/", after, k, sizeof k), AUS_E_NOTFOUND);
    assert_int_equal(o->next(s.self, "rp/", "", k, 3), AUS_E_NOBUFS);
    /* a prefix with LIKE/GLOB metacharacters is matched literally */
    assert_int_equal(o->put(s.self, "x%_/1", (const uint8_t *)"1", 1), AUS_OK);
    assert_int_equal(o->next(s.self, "x%", "", k, sizeof k), AUS_OK);
    assert_string_equal(k, "x%_/1");
    assert_int_equal(o->next(s.self, "x_", "", k, sizeof k), AUS_E_NOTFOUND);
    aus_store_sqlite_close(&s);
}

static void test_transactions(void **st)
{
    (void)st;
    aus_store s;
    fresh(&s);
    const aus_store_ops *o = s.ops;
    uint8_t v[8];
    size_t n;
    assert_int_equal(o->commit(s.self), AUS_E_STATE);
    assert_int_equal(o->begin(s.self), AUS_OK);
    assert_int_equal(o->begin(s.self), AUS_E_STATE);
    assert_int_equal(o->put(s.self, "t1", (const uint8_t *)"a", 1), AUS_OK);
    assert_int_equal(o->get(s.self, "t1", v, sizeof v, &n), AUS_OK); /* read your writes */
    assert_int_equal(o->rollback(s.self), AUS_OK);
    assert_int_equal(o->get(s.self, "t1", v, sizeof v, &n), AUS_E_NOTFOUND);
    assert_int_equal(o->begin(s.self), AUS_OK);
    assert_int_equal(o->put(s.self, "t1", (const uint8_t *)"a", 1), AUS_OK);
    assert_int_equal(o->put(s.self, "t2", (const uint8_t *)"b", 1), AUS_OK);
    assert_int_equal(o->commit(s.self), AUS_OK);
    aus_store_sqlite_close(&s);
    assert_int_equal(aus_store_sqlite_open(&s, path), AUS_OK);
    assert_int_equal(s.ops->get(s.self, "t2", v, sizeof v, &n), AUS_OK);
    assert_int_equal(v[0], 'b');
    aus_store_sqlite_close(&s);
}

/* A child process writes, opens a transaction, writes more and dies without closing anything:
 * after reopening, every committed write is there and nothing of the open transaction is. */
static void test_crash_mid_transaction(void **st)
{
    (void)st;
    aus_store s;
    fresh(&s);
    aus_store_sqlite_close(&s);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        aus_store c;
        if (aus_store_sqlite_open(&c, path) != AUS_OK)
            _exit(3);
        aus_ctr ctr;
        uint64_t x = 0;
        if (aus_ctr_open(&ctr, &c, "ctr/x", 1000000, 16) != AUS_OK)
            _exit(4);
        for (int i = 0; i < 20; i++)
            if (aus_ctr_take(&ctr, &c, &x) != AUS_OK)
                _exit(5);
        if (c.ops->put(c.self, "done", (const uint8_t *)"y", 1) != AUS_OK ||
            c.ops->begin(c.self) != AUS_OK ||
            c.ops->put(c.self, "pending", (const uint8_t *)"n", 1) != AUS_OK)
            _exit(6);
        _exit(0); /* no commit, no close: as if the power failed */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(aus_store_sqlite_open(&s, path), AUS_OK);
    uint8_t v[8];
    size_t n;
    assert_int_equal(s.ops->get(s.self, "done", v, sizeof v, &n), AUS_OK);
    assert_int_equal(s.ops->get(s.self, "pending", v, sizeof v, &n), AUS_E_NOTFOUND);
    /* the child handed out 1..20 under reservations of 16: the bound is 33, so the counter
     * resumes above everything that may have been used */
    aus_ctr ctr;
    uint64_t x = 0;
    assert_int_equal(aus_ctr_open(&ctr, &s, "ctr/x", 1000000, 16), AUS_OK);
    assert_int_equal(aus_ctr_take(&ctr, &s, &x), AUS_OK);
    assert_int_equal(x, 33);
    aus_store_sqlite_close(&s);
}

/* Group commit: commits with the log's sync deferred survive the process being killed (they
 * are in the OS cache), one sync makes them durable, and the mode is refused inside a
 * transaction or on a store that is not SQLite. */
static void test_deferred_sync(void **st)
{
    (void)st;
    aus_store s;
    fresh(&s);
    assert_int_equal(aus_store_sqlite_sync(&s), AUS_OK); /* nothing written yet: no-op */
    aus_store_sqlite_close(&s);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        aus_store c;
        if (aus_store_sqlite_open(&c, path) != AUS_OK ||
            aus_store_sqlite_defer_sync(&c, 1) != AUS_OK)
            _exit(3);
        for (int i = 0; i < 10; i++) {
            char k[16];
            snprintf(k, sizeof k, "g/%d", i);
            if (c.ops->begin(c.self) != AUS_OK ||
                c.ops->put(c.self, k, (const uint8_t *)"v", 1) != AUS_OK ||
                c.ops->commit(c.self) != AUS_OK)
                _exit(4);
        }
        if (aus_store_sqlite_sync(&c) != AUS_OK || c.ops->begin(c.self) != AUS_OK)
            _exit(5);
        if (aus_store_sqlite_defer_sync(&c, 0) != AUS_E_STATE) /* inside a transaction */
            _exit(6);
        if (c.ops->put(c.self, "g/open", (const uint8_t *)"n", 1) != AUS_OK)
            _exit(7);
        _exit(0); /* killed: no commit of the open one, no close */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(aus_store_sqlite_open(&s, path), AUS_OK);
    uint8_t v[8];
    size_t n;
    assert_int_equal(s.ops->get(s.self, "g/0", v, sizeof v, &n), AUS_OK);
    assert_int_equal(s.ops->get(s.self, "g/9", v, sizeof v, &n), AUS_OK);
    assert_int_equal(s.ops->get(s.self, "g/open", v, sizeof v, &n), AUS_E_NOTFOUND);
    assert_int_equal(aus_store_sqlite_defer_sync(&s, 1), AUS_OK);
    assert_int_equal(s.ops->put(s.self, "g/x", (const uint8_t *)"v", 1), AUS_OK);
    assert_int_equal(aus_store_sqlite_sync(&s), AUS_OK);
    assert_int_equal(aus_store_sqlite_defer_sync(&s, 0), AUS_OK);
    aus_store other = {NULL, NULL};
    assert_int_equal(aus_store_sqlite_defer_sync(&other, 1), AUS_E_ARG);
    assert_int_equal(aus_store_sqlite_sync(NULL), AUS_E_ARG);
    aus_store_sqlite_close(&s);
}

static void test_replay_window_persists(void **st)
{
    (void)st;
    aus_store s;
    fresh(&s);
    aus_replay w;
    assert_int_equal(aus_replay_load(&w, &s, "rp/ipn:2.1", 64), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 5), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 7), AUS_OK);
    assert_int_equal(aus_replay_save(&w, &s, "rp/ipn:2.1"), AUS_OK);
    aus_store_sqlite_close(&s);
    assert_int_equal(aus_store_sqlite_open(&s, path), AUS_OK);
    aus_replay r;
    assert_int_equal(aus_replay_load(&r, &s, "rp/ipn:2.1", 64), AUS_OK);
    assert_int_equal(aus_replay_check(&r, 5), AUS_E_REPLAY);
    assert_int_equal(aus_replay_check(&r, 7), AUS_E_REPLAY);
    assert_int_equal(aus_replay_check(&r, 6), AUS_OK);
    aus_store_sqlite_close(&s);
}

/* One owner per store (DESIGN.md §5): a second opener, in this process or another, gets
 * AUS_E_LOCKED and the owner's pid; the lock goes with its owner (close, or kill -9). */
static void test_owner_lock(void **st)
{
    (void)st;
    aus_store a, b;
    fresh(&a);
    assert_int_equal(aus_store_sqlite_open(&b, path), AUS_E_LOCKED);
    assert_int_equal(aus_store_sqlite_holder(path), (long)getpid());
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        aus_store c;
        _exit(aus_store_sqlite_open_wait(&c, path, 100) == AUS_E_LOCKED ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    aus_store_sqlite_close(&a);
    assert_int_equal(aus_store_sqlite_open(&b, path), AUS_OK);
    aus_store_sqlite_close(&b);
    /* an owner killed with SIGKILL leaves no lock behind */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        aus_store c;
        char ok = aus_store_sqlite_open(&c, path) == AUS_OK ? 'y' : 'n';
        if (write(fds[1], &ok, 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char got = 0;
    assert_int_equal(read(fds[0], &got, 1), 1);
    assert_int_equal(got, 'y');
    assert_int_equal(aus_store_sqlite_open(&b, path), AUS_E_LOCKED);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(aus_store_sqlite_open(&b, path), AUS_OK);
    aus_store_sqlite_close(&b);
    close(fds[0]);
    close(fds[1]);
}

/* The read-only view beside the owner reads, and can write (so reserve) nothing. */
static void test_readonly_view(void **st)
{
    (void)st;
    aus_store a, r;
    fresh(&a);
    assert_int_equal(aus_store_put_u64(&a, "ctr/x", 9), AUS_OK);
    assert_int_equal(aus_store_sqlite_open_readonly(&r, path), AUS_OK);
    uint64_t v = 0;
    assert_int_equal(aus_store_get_u64(&r, "ctr/x", &v), AUS_OK);
    assert_int_equal(v, 9);
    assert_int_equal(aus_store_put_u64(&r, "ctr/x", 10), AUS_E_STATE);
    aus_ctr c;
    assert_int_equal(aus_ctr_open(&c, &r, "ctr/x", 1000, 4), AUS_OK);
    assert_int_equal(aus_ctr_take(&c, &r, &v), AUS_E_STATE);
    aus_store_sqlite_close(&r);
    aus_store_sqlite_close(&a);
}

/* A symlink planted at the lock's path is not followed (nor is its target touched). */
static void test_lock_symlink_refused(void **st)
{
    (void)st;
    char lp[320], target[320];
    snprintf(lp, sizeof lp, "%s/t.db.lock", dir);
    snprintf(target, sizeof target, "%s/victim", dir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    assert_int_equal(symlink(target, lp), 0);
    char db[320];
    snprintf(db, sizeof db, "%s/t.db", dir);
    aus_store s;
    assert_int_equal(aus_store_sqlite_open(&s, db), AUS_E_PERM);
    char buf[16] = {0};
    f = fopen(target, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "precious");
}

static void test_open_errors(void **st)
{
    (void)st;
    aus_store s;
    assert_int_equal(aus_store_sqlite_open(&s, "/nonexistent-dir/x/y.db"), AUS_E_IO);
    char p[320];
    snprintf(p, sizeof p, "%s/garbage.db", dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++)
        fputc(0x5a, f);
    fclose(f);
    assert_int_equal(aus_store_sqlite_open(&s, p), AUS_E_IO);
    assert_int_equal(aus_store_sqlite_open(NULL, path), AUS_E_ARG);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_basic_ops),
        cmocka_unit_test(test_next_scan),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_crash_mid_transaction),
        cmocka_unit_test(test_replay_window_persists),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_owner_lock),
        cmocka_unit_test(test_readonly_view),
        cmocka_unit_test(test_lock_symlink_refused),
        cmocka_unit_test(test_deferred_sync),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
