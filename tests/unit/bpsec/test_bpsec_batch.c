/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit of the receiving node (aus_bpsec_batch_*): one replay-window write per batch,
 * with the crash semantics of one aus_bpsec_accept at a time: nothing of a batch is recorded
 * before its commit (a kill -9 before it leaves every bundle acceptable again), everything is
 * after it (a kill -9 after it leaves every bundle a replay), and a failed commit or an abort
 * puts the windows back to what the store holds. */
#include "bpsec_test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_sqlite.h"

static const aus_crypto *C;
static const char *ORIG =
    "9f88070000820282010282028202018202820201820018281a000f424085010100005823526561647920746f20"
    "67656e657261746520612033322d62797465207061796c6f6164ff";

static tkeys K;

enum { NB = 12 }; /* bundles per test; tenants 0..NB-1 give more windows than a ctx caches */

static uint8_t B[NB][1024];
static size_t BL[NB];

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    K.n = 0;
    tkeys_add(&K, "ipn:2.1", 1, "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b");
    tkeys_add(&K, "ipn:2.1", 2, "71776572747975696f7061736466676871776572747975696f70617364666768");
    return 0;
}

/* NB protected bundles from one sender; with tenants, bundle i has tenant i (its own window) */
static void make_bundles(int tenants)
{
    tst_store *mem = tst_store_new();
    aus_store s = tst_store_iface(mem);
    aus_bpsec_ctx ctx;
    assert_int_equal(aus_bpsec_ctx_init(&ctx, C, &s, tkeys_fn, &K, 0x11223344), AUS_OK);
    size_t il = 0;
    uint8_t *in = tst_hex(ORIG, &il);
    for (int i = 0; i < NB; i++) {
        aus_bpsec_protect_opts o;
        aus_bpsec_protect_opts_default(&o);
        o.tenant = tenants ? (uint32_t)i : 0;
        assert_int_equal(aus_bpsec_protect(&ctx, &o, in, il, B[i], sizeof B[i], &BL[i]), AUS_OK);
    }
    free(in);
    tst_store_free(mem);
}

static aus_err acc(aus_bpsec_ctx *ctx, int i)
{
    uint8_t out[1024];
    size_t ol = 0;
    aus_bpsec_report rep;
    return aus_bpsec_accept(ctx, B[i], BL[i], out, sizeof out, &ol, &rep, NULL);
}

static void rx_init(aus_bpsec_ctx *ctx, aus_store *s)
{
    assert_int_equal(aus_bpsec_ctx_init(ctx, C, s, tkeys_fn, &K, 2), AUS_OK);
}

/* a batch writes each changed window once, at its commit; a duplicate inside the batch is a
 * replay; after the commit a fresh context (a restart) sees every number */
static void test_batch_commit(void **st)
{
    (void)st;
    make_bundles(0);
    tst_store *mem = tst_store_new();
    aus_store s = tst_store_iface(mem);
    aus_bpsec_ctx rx;
    rx_init(&rx, &s);
    tst_store_count_tx_writes(mem, 1);
    tst_store_fail_after(mem, -1, 0); /* counts writes from here */
    assert_int_equal(aus_bpsec_batch_begin(&rx), AUS_OK);
    for (int i = 0; i < NB; i++)
        assert_int_equal(acc(&rx, i), AUS_OK);
    assert_int_equal(acc(&rx, 3), AUS_E_REPLAY);
    assert_int_equal(tst_store_writes(mem), 0); /* nothing written before the commit */
    assert_int_equal(aus_bpsec_batch_commit(&rx), AUS_OK);
    assert_int_equal(tst_store_writes(mem), 2); /* one window put + the commit */
    aus_bpsec_ctx r2;
    rx_init(&r2, &s);
    for (int i = 0; i < NB; i++)
        assert_int_equal(acc(&r2, i), AUS_E_REPLAY);
    tst_store_free(mem);
}

/* a commit that fails, or an abort, leaves nothing recorded, in the store or in the context */
static void test_batch_fail_and_abort(void **st)
{
    (void)st;
    make_bundles(0); /* one window */
    tst_store *m0 = tst_store_new();
    aus_store s0 = tst_store_iface(m0);
    aus_bpsec_ctx r0;
    rx_init(&r0, &s0);
    assert_int_equal(aus_bpsec_batch_begin(&r0), AUS_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(acc(&r0, i), AUS_OK);
    tst_store_fail_after(m0, 0, 0);
    assert_int_equal(aus_bpsec_batch_commit(&r0), AUS_E_IO);
    for (int i = 0; i < 4; i++)
        assert_int_equal(acc(&r0, i), AUS_OK);
    tst_store_free(m0);
    make_bundles(1); /* 12 windows: evicted ones are written into the batch's transaction */
    tst_store *mem = tst_store_new();
    aus_store s = tst_store_iface(mem);
    aus_bpsec_ctx rx;
    rx_init(&rx, &s);
    assert_int_equal(aus_bpsec_batch_begin(&rx), AUS_OK);
    for (int i = 0; i < NB; i++)
        assert_int_equal(acc(&rx, i), AUS_OK);
    tst_store_fail_after(mem, 0, 0); /* the commit fails */
    assert_int_equal(aus_bpsec_batch_commit(&rx), AUS_E_IO);
    for (int i = 0; i < NB; i++) /* not recorded: each one is accepted (once) */
        assert_int_equal(acc(&rx, i), AUS_OK);
    assert_int_equal(acc(&rx, 0), AUS_E_REPLAY);
    aus_bpsec_ctx r2;
    rx_init(&r2, &s);
    assert_int_equal(aus_bpsec_batch_begin(&r2), AUS_OK);
    for (int i = 0; i < NB; i++) /* the unbatched accepts above are durable */
        assert_int_equal(acc(&r2, i), AUS_E_REPLAY);
    aus_bpsec_batch_abort(&r2);

    /* abort: the same, on a receiver that has seen none of them */
    tst_store *m2 = tst_store_new();
    aus_store s2 = tst_store_iface(m2);
    aus_bpsec_ctx r3;
    rx_init(&r3, &s2);
    assert_int_equal(aus_bpsec_batch_begin(&r3), AUS_OK);
    for (int i = 0; i < NB; i++)
        assert_int_equal(acc(&r3, i), AUS_OK);
    aus_bpsec_batch_abort(&r3);
    aus_bpsec_batch_abort(&r3); /* no batch: nothing */
    for (int i = 0; i < NB; i++)
        assert_int_equal(acc(&r3, i), AUS_OK);
    /* a failed put of an evicted window inside the batch fails that bundle, not silently */
    tst_store *m3 = tst_store_new();
    aus_store s3 = tst_store_iface(m3);
    aus_bpsec_ctx r4;
    rx_init(&r4, &s3);
    tst_store_count_tx_writes(m3, 1);
    assert_int_equal(aus_bpsec_batch_begin(&r4), AUS_OK);
    for (int i = 0; i < AUS_BPSEC_MAX_PEERS; i++)
        assert_int_equal(acc(&r4, i), AUS_OK);
    tst_store_fail_after(m3, 0, 1);
    assert_int_equal(acc(&r4, AUS_BPSEC_MAX_PEERS), AUS_E_IO);
    assert_int_equal(aus_bpsec_batch_commit(&r4), AUS_E_IO);
    tst_store_fail_after(m3, -1, 0);
    for (int i = 0; i < NB; i++)
        assert_int_equal(acc(&r4, i), AUS_OK);
    tst_store_free(mem);
    tst_store_free(m2);
    tst_store_free(m3);
}

static void test_batch_state(void **st)
{
    (void)st;
    make_bundles(0);
    tst_store *mem = tst_store_new();
    aus_store s = tst_store_iface(mem);
    aus_bpsec_ctx ctx, nostore;
    rx_init(&ctx, &s);
    rx_init(&nostore, NULL);
    assert_int_equal(aus_bpsec_batch_begin(&nostore), AUS_E_STATE);
    assert_int_equal(aus_bpsec_batch_commit(&ctx), AUS_E_STATE);
    /* the caller's transaction is open: the batch would not own its commit */
    assert_int_equal(s.ops->begin(s.self), AUS_OK);
    assert_int_equal(aus_bpsec_batch_begin(&ctx), AUS_E_STATE);
    assert_int_equal(s.ops->rollback(s.self), AUS_OK);
    assert_int_equal(aus_bpsec_batch_begin(&ctx), AUS_OK);
    assert_int_equal(aus_bpsec_batch_begin(&ctx), AUS_E_STATE);
    /* no counter is reserved inside the batch's transaction */
    uint8_t iv[AUS_BPSEC_IV_LEN], out[1024];
    size_t il = 0, ol = 0;
    uint8_t *in = tst_hex(ORIG, &il);
    aus_bpsec_protect_opts o;
    aus_bpsec_protect_opts_default(&o);
    assert_int_equal(aus_bpsec_next_iv(&ctx, "ipn:2.1", iv), AUS_E_STATE);
    assert_int_equal(aus_bpsec_protect(&ctx, &o, in, il, out, sizeof out, &ol), AUS_E_STATE);
    assert_int_equal(aus_bpsec_batch_commit(&ctx), AUS_OK);
    assert_int_equal(aus_bpsec_next_iv(&ctx, "ipn:2.1", iv), AUS_OK);
    assert_int_equal(aus_bpsec_protect(&ctx, &o, in, il, out, sizeof out, &ol), AUS_OK);
    free(in);
    tst_store_free(mem);
}

/* A child accepts bundles [from, to) in a batch over the SQLite store at path, commits when
 * asked, tells the parent through fd and waits to be killed. */
static pid_t child_batch(const char *path, int from, int to, int commit, int *fd)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        aus_store s;
        aus_bpsec_ctx rx;
        int ok = aus_store_sqlite_open(&s, path) == AUS_OK &&
                 aus_bpsec_ctx_init(&rx, C, &s, tkeys_fn, &K, 2) == AUS_OK &&
                 aus_bpsec_batch_begin(&rx) == AUS_OK;
        for (int i = from; ok && i < to; i++)
            ok = acc(&rx, i) == AUS_OK;
        if (ok && commit)
            ok = aus_bpsec_batch_commit(&rx) == AUS_OK;
        char c = ok ? 'y' : 'n';
        if (write(p[1], &c, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

static void kill_child(pid_t pid, int fd)
{
    char c = 0;
    assert_int_equal(read(fd, &c, 1), 1);
    assert_int_equal(c, 'y');
    close(fd);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFSIGNALED(ws));
}

static void test_batch_kill9(void **st)
{
    (void)st;
    make_bundles(0);
    char dir[] = "/tmp/aus_bpsec_batch_XXXXXX", path[200];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/rx.db", dir);
    int fd = -1;
    /* killed after accepting 0..5 in a batch, before its commit: none recorded */
    pid_t pid = child_batch(path, 0, 6, 0, &fd);
    kill_child(pid, fd);
    /* killed after the commit of 0..5 (accepted again here: nothing was recorded before) */
    pid = child_batch(path, 0, 6, 1, &fd);
    kill_child(pid, fd);
    aus_store s;
    aus_bpsec_ctx rx;
    assert_int_equal(aus_store_sqlite_open(&s, path), AUS_OK);
    rx_init(&rx, &s);
    for (int i = 0; i < 6; i++)
        assert_int_equal(acc(&rx, i), AUS_E_REPLAY);
    for (int i = 6; i < NB; i++)
        assert_int_equal(acc(&rx, i), AUS_OK);
    aus_store_sqlite_close(&s);
    char cmd[240];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_commit),
        cmocka_unit_test(test_batch_fail_and_abort),
        cmocka_unit_test(test_batch_state),
        cmocka_unit_test(test_batch_kill9),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
