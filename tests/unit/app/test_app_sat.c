/* SPDX-License-Identifier: Apache-2.0 */
/* The satellite's exactly-once request handling (src/app/app_sat.c) over the in-memory store. */
#include "aus_test.h"

#include "australis/app.h"

typedef struct world {
    tst_store *mem;
    aus_store st;
    aus_app_sat sat;
    uint8_t emitted[64][8192];
    size_t elen[64];
    int nemit;
    int ext_runs;
    uint8_t file[10000];
} world;

static int emit_count_only;

static aus_err emit(void *ctx, const uint8_t *adu, size_t len)
{
    world *w = ctx;
    if (emit_count_only) {
        w->nemit++;
        return AUS_OK;
    }
    assert_true(w->nemit < 64 && len <= sizeof w->emitted[0]);
    memcpy(w->emitted[w->nemit], adu, len);
    w->elen[w->nemit++] = len;
    return AUS_OK;
}

static size_t health(void *ctx, aus_app_kv *kv, size_t cap)
{
    (void)ctx;
    assert_true(cap >= 1);
    kv[0].name = (aus_app_view){(const uint8_t *)"uptime_s", 8};
    kv[0].num = 42;
    return 1;
}

static aus_err finfo(void *ctx, const aus_app_view *path, uint64_t *size, uint8_t sha[32])
{
    world *w = ctx;
    if (path->n != 3 || memcmp(path->p, "img", 3))
        return AUS_E_NOTFOUND;
    *size = sizeof w->file;
    memset(sha, 0x5a, 32);
    return AUS_OK;
}

static aus_err fread_(void *ctx, const aus_app_view *path, uint64_t off, uint8_t *buf, size_t len)
{
    world *w = ctx;
    (void)path;
    assert_true(off + len <= sizeof w->file);
    memcpy(buf, w->file + off, len);
    return AUS_OK;
}

static aus_err ext_cmd(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                       int64_t *code)
{
    world *w = ctx;
    (void)req;
    (void)cap;
    w->ext_runs++;
    memcpy(out, "ran", 3);
    *outlen = 3;
    *code = 7;
    return AUS_OK;
}

static world *mk(void)
{
    world *w = calloc(1, sizeof *w);
    w->mem = tst_store_new();
    w->st = tst_store_iface(w->mem);
    for (size_t i = 0; i < sizeof w->file; i++)
        w->file[i] = (uint8_t)(i * 7);
    aus_app_sat_ops ops = {health, finfo, fread_, NULL, emit, w, NULL, NULL, NULL, NULL};
    assert_int_equal(aus_app_sat_init(&w->sat, &w->st, &ops, "tenA", 4096), AUS_OK);
    aus_app_cmd ext = {"exec", ext_cmd, w, AUS_APP_CMD_EXTERNAL};
    assert_int_equal(aus_app_sat_register(&w->sat, &ext), AUS_OK);
    assert_int_equal(aus_app_sat_register(&w->sat, &ext), AUS_E_ARG); /* duplicate name */
    return w;
}

static void done(world *w)
{
    tst_store_free(w->mem);
    free(w);
}

static size_t mkcmd(uint8_t *buf, uint64_t id, const char *name, int nargs, const char **args)
{
    aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_CMD;
    m.id = id;
    m.name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    m.nargs = (size_t)nargs;
    for (int i = 0; i < nargs; i++)
        m.args[i] = (aus_app_view){(const uint8_t *)args[i], strlen(args[i])};
    size_t n;
    assert_int_equal(aus_app_encode(&m, buf, 512, &n), AUS_OK);
    return n;
}

/* Run one request the way the daemon does: begin, handle, commit; then the external phase. */
static aus_err deliver(world *w, const uint8_t *adu, size_t n, int expired)
{
    int pending = 0;
    assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
    aus_err e = aus_app_sat_handle(&w->sat, adu, n, expired, &pending);
    if (e != AUS_OK) {
        assert_int_equal(w->st.ops->rollback(w->st.self), AUS_OK);
        return e;
    }
    AUS_TRY(w->st.ops->commit(w->st.self));
    if (pending) {
        assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
        assert_int_equal(aus_app_sat_finish(&w->sat, adu, n), AUS_OK);
        assert_int_equal(w->st.ops->commit(w->st.self), AUS_OK);
    }
    return AUS_OK;
}

static aus_app_msg last(world *w)
{
    aus_app_msg m;
    assert_true(w->nemit > 0);
    assert_int_equal(aus_app_decode(&m, w->emitted[w->nemit - 1], w->elen[w->nemit - 1]), AUS_OK);
    return m;
}

static void test_set_get_exactly_once(void **st)
{
    (void)st;
    world *w = mk();
    uint8_t a[512], b[512];
    const char *sv[] = {"mode", "science"};
    size_t na = mkcmd(a, 10, "set", 2, sv);
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    aus_app_msg r = last(w);
    assert_int_equal(r.type, AUS_APP_CMD_RESP);
    assert_int_equal(r.id, 10);
    assert_int_equal(r.status, AUS_APP_ST_OK);
    assert_int_equal(w->sat.executed, 1);
    /* the same request again (a duplicate bundle or a retry): same answer, not run again */
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    assert_int_equal(w->nemit, 2);
    tst_assert_bytes(w->emitted[0], w->elen[0], w->emitted[1], w->elen[1]);
    assert_int_equal(w->sat.executed, 1);
    assert_int_equal(w->sat.duplicates, 1);
    const char *gv[] = {"mode"};
    size_t nb = mkcmd(b, 11, "get", 1, gv);
    assert_int_equal(deliver(w, b, nb, 0), AUS_OK);
    r = last(w);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.data.n, 7);
    assert_memory_equal(r.data.p, "science", 7);
    /* bad parameter name: refused before running */
    const char *bad[] = {"../x"};
    nb = mkcmd(b, 12, "get", 1, bad);
    assert_int_equal(deliver(w, b, nb, 0), AUS_OK);
    assert_int_equal(last(w).status, AUS_APP_ST_ERROR);
    nb = mkcmd(b, 13, "nosuch", 0, NULL);
    assert_int_equal(deliver(w, b, nb, 0), AUS_OK);
    assert_int_equal(last(w).status, AUS_APP_ST_UNKNOWN);
    done(w);
}

/* deliver() without its asserts: every store error comes back (the failure tests). */
static aus_err deliver_try(world *w, const uint8_t *adu, size_t n)
{
    int pending = 0;
    AUS_TRY(w->st.ops->begin(w->st.self));
    aus_err e = aus_app_sat_handle(&w->sat, adu, n, 0, &pending);
    if (e != AUS_OK) {
        assert_int_equal(w->st.ops->rollback(w->st.self), AUS_OK);
        return e;
    }
    AUS_TRY(w->st.ops->commit(w->st.self)); /* a failed commit rolls back */
    if (!pending)
        return AUS_OK;
    AUS_TRY(w->st.ops->begin(w->st.self));
    e = aus_app_sat_finish(&w->sat, adu, n);
    if (e != AUS_OK) {
        assert_int_equal(w->st.ops->rollback(w->st.self), AUS_OK);
        return e;
    }
    return w->st.ops->commit(w->st.self);
}

/* A restart: the RAM state is gone (a fresh aus_app_sat over the same store), and the daemon
 * runs recovery in its own transaction before taking requests. */
static long restart(world *w)
{
    aus_app_sat_ops ops = {health, finfo, fread_, NULL, emit, w, NULL, NULL, NULL, NULL};
    memset(&w->sat, 0, sizeof w->sat);
    assert_int_equal(aus_app_sat_init(&w->sat, &w->st, &ops, "tenA", 4096), AUS_OK);
    aus_app_cmd ext = {"exec", ext_cmd, w, AUS_APP_CMD_EXTERNAL};
    assert_int_equal(aus_app_sat_register(&w->sat, &ext), AUS_OK);
    assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
    long n = aus_app_sat_recover(&w->sat);
    assert_true(n >= 0);
    assert_int_equal(w->st.ops->commit(w->st.self), AUS_OK);
    return n;
}

/* Store writes (put, del, commit) that one delivery of adu makes on a fresh world. */
static long count_writes(const uint8_t *adu, size_t n)
{
    world *w = mk();
    tst_store_count_tx_writes(w->mem, 1);
    tst_store_fail_after(w->mem, -1, 0); /* resets the write counter */
    assert_int_equal(deliver_try(w, adu, n), AUS_OK);
    long writes = tst_store_writes(w->mem);
    done(w);
    return writes;
}

static void test_store_failure_rolls_back(void **st)
{
    (void)st;
    /* Exactly once under store failures: count the writes one "set" makes, then fail each one
     * in turn. The failed delivery must report the store error and leave nothing durable, so
     * after a restart the re-sent request runs exactly once and a further copy is a duplicate
     * answered from the cache. */
    uint8_t a[512], g[512];
    const char *sv[] = {"p", "v"}, *gv[] = {"p"};
    size_t na = mkcmd(a, 20, "set", 2, sv), ng = mkcmd(g, 21, "get", 1, gv);
    long writes = count_writes(a, na);
    assert_true(writes >= 2); /* at least the parameter, the response record and the commit */
    for (long k = 0; k < writes; k++) {
        world *w = mk();
        tst_store_count_tx_writes(w->mem, 1);
        tst_store_fail_after(w->mem, k, 0);
        assert_int_equal(deliver_try(w, a, na), AUS_E_IO);
        assert_int_equal(tst_store_writes(w->mem), k + 1); /* stopped at the failed write */
        tst_store_fail_after(w->mem, -1, 0);
        assert_int_equal(restart(w), 0);
        assert_int_equal(deliver_try(w, a, na), AUS_OK);
        assert_int_equal(deliver_try(w, a, na), AUS_OK);
        assert_int_equal(w->sat.executed, 1);
        assert_int_equal(w->sat.duplicates, 1);
        aus_app_msg r = last(w);
        assert_int_equal(r.id, 20);
        assert_int_equal(r.status, AUS_APP_ST_OK);
        tst_assert_bytes(w->emitted[w->nemit - 2], w->elen[w->nemit - 2], w->emitted[w->nemit - 1],
                         w->elen[w->nemit - 1]);
        /* the parameter write went in with the response record */
        assert_int_equal(deliver_try(w, g, ng), AUS_OK);
        r = last(w);
        assert_int_equal(r.status, AUS_APP_ST_OK);
        assert_int_equal(r.data.n, 1);
        assert_memory_equal(r.data.p, "v", 1);
        done(w);
    }
}

static void test_store_failure_external(void **st)
{
    (void)st;
    /* The same for an external command (two transactions: "started", then the result). A
     * failure in the first leaves nothing: the re-sent request runs after the restart. A
     * failure in the second happens after the program ran: recovery answers INTERRUPTED and
     * the program never runs again. Either way it ran exactly once. */
    uint8_t a[512];
    size_t na = mkcmd(a, 22, "exec", 0, NULL);
    long writes = count_writes(a, na);
    assert_true(writes >= 4); /* two transactions, each with at least one write and a commit */
    int interrupted = 0;
    for (long k = 0; k < writes; k++) {
        world *w = mk();
        tst_store_count_tx_writes(w->mem, 1);
        tst_store_fail_after(w->mem, k, 0);
        assert_int_equal(deliver_try(w, a, na), AUS_E_IO);
        tst_store_fail_after(w->mem, -1, 0);
        int ran = w->ext_runs;
        long rec = restart(w);
        assert_int_equal(rec, ran); /* started and ran, but no result: answered by recovery */
        if (rec == 1) {
            aus_app_msg r = last(w);
            assert_int_equal(r.id, 22);
            assert_int_equal(r.status, AUS_APP_ST_INTERRUPTED);
            interrupted++;
        }
        assert_int_equal(deliver_try(w, a, na), AUS_OK);
        assert_int_equal(deliver_try(w, a, na), AUS_OK);
        assert_int_equal(w->ext_runs, 1);
        aus_app_msg r = last(w);
        assert_int_equal(r.id, 22);
        if (rec == 1) {
            assert_int_equal(r.status, AUS_APP_ST_INTERRUPTED);
        } else {
            assert_int_equal(r.status, AUS_APP_ST_OK);
            assert_int_equal(r.exit_code, 7);
        }
        done(w);
    }
    assert_true(interrupted > 0 && interrupted < writes); /* both phases were hit */
}

static void test_external_two_phase_and_recover(void **st)
{
    (void)st;
    world *w = mk();
    uint8_t a[512];
    size_t na = mkcmd(a, 30, "exec", 0, NULL);
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    assert_int_equal(w->ext_runs, 1);
    aus_app_msg r = last(w);
    assert_int_equal(r.exit_code, 7);
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    assert_int_equal(w->ext_runs, 1);
    /* a crash after "started" was committed and before the result: never run again */
    size_t nb = mkcmd(a, 31, "exec", 0, NULL);
    int pending = 0;
    assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
    assert_int_equal(aus_app_sat_handle(&w->sat, a, nb, 0, &pending), AUS_OK);
    assert_int_equal(w->st.ops->commit(w->st.self), AUS_OK);
    assert_int_equal(pending, 1);
    /* "restart": duplicates are silent until recovery answers INTERRUPTED */
    int before = w->nemit;
    assert_int_equal(deliver(w, a, nb, 0), AUS_OK);
    assert_int_equal(w->nemit, before);
    assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
    assert_int_equal(aus_app_sat_recover(&w->sat), 1);
    assert_int_equal(w->st.ops->commit(w->st.self), AUS_OK);
    r = last(w);
    assert_int_equal(r.id, 31);
    assert_int_equal(r.status, AUS_APP_ST_INTERRUPTED);
    assert_int_equal(w->ext_runs, 1);
    assert_int_equal(aus_app_sat_recover(&w->sat), 0);
    done(w);
}

static void test_forget(void **st)
{
    (void)st;
    world *w = mk();
    uint8_t a[512];
    for (uint64_t id = 100; id < 110; id++) {
        const char *sv[] = {"p", "v"};
        size_t na = mkcmd(a, id, "set", 2, sv);
        assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    }
    assert_int_equal(w->sat.executed, 10);
    aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_FORGET;
    m.id = 500;
    m.offset = 105;
    size_t n;
    assert_int_equal(aus_app_encode(&m, a, sizeof a, &n), AUS_OK);
    int before = w->nemit;
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    assert_int_equal(w->nemit, before); /* no answer to FORGET */
    /* ids 100..104 forgotten, 105..109 still answered from the cache */
    const char *sv[] = {"p", "v"};
    size_t na = mkcmd(a, 107, "set", 2, sv);
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    assert_int_equal(w->sat.executed, 10);
    /* a late copy of a forgotten request (a second re-send) never runs again */
    before = w->nemit;
    na = mkcmd(a, 102, "set", 2, sv);
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    assert_int_equal(w->sat.executed, 10);
    assert_int_equal(w->nemit, before);
    /* the mark never moves down */
    m.id = 501;
    m.offset = 50;
    assert_int_equal(aus_app_encode(&m, a, sizeof a, &n), AUS_OK);
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    na = mkcmd(a, 103, "set", 2, sv);
    assert_int_equal(deliver(w, a, na, 0), AUS_OK);
    assert_int_equal(w->sat.executed, 10);
    assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
    assert_int_equal(aus_app_sat_forget(&w->sat, 105), 0); /* nothing left below 105 */
    assert_int_equal(aus_app_sat_forget(&w->sat, 1000), 5);
    assert_int_equal(w->st.ops->commit(w->st.self), AUS_OK);
    done(w);
}

static void test_expired_not_run(void **st)
{
    (void)st;
    world *w = mk();
    uint8_t a[512];
    size_t na = mkcmd(a, 40, "exec", 0, NULL);
    assert_int_equal(deliver(w, a, na, 1), AUS_OK);
    assert_int_equal(last(w).status, AUS_APP_ST_EXPIRED);
    assert_int_equal(w->ext_runs, 0);
    /* an expired telemetry query is answered "expired", not with a report */
    aus_app_msg q;
    memset(&q, 0, sizeof q);
    q.type = AUS_APP_TM_QUERY;
    q.id = 41;
    size_t n;
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    assert_int_equal(deliver(w, a, n, 1), AUS_OK);
    aus_app_msg r = last(w);
    assert_int_equal(r.type, AUS_APP_CMD_RESP);
    assert_int_equal(r.id, 41);
    assert_int_equal(r.status, AUS_APP_ST_EXPIRED);
    done(w);
}

static void test_tm_and_image(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_msg q;
    memset(&q, 0, sizeof q);
    q.type = AUS_APP_TM_QUERY;
    q.id = 50;
    uint8_t a[512];
    size_t n;
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    aus_app_msg r = last(w);
    assert_int_equal(r.type, AUS_APP_TM_REPORT);
    assert_int_equal(r.nkv, 1);
    assert_int_equal(r.kv[0].num, 42);
    /* whole image in 4096-byte chunks: info + 3 chunks that reassemble the file */
    q.type = AUS_APP_IMG_REQ;
    q.id = 51;
    q.name = (aus_app_view){(const uint8_t *)"img", 3};
    q.chunk = 4096;
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    w->nemit = 0;
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    assert_int_equal(w->nemit, 4);
    uint8_t got[10000];
    for (int i = 1; i < 4; i++) {
        aus_app_msg c;
        assert_int_equal(aus_app_decode(&c, w->emitted[i], w->elen[i]), AUS_OK);
        assert_int_equal(c.type, AUS_APP_IMG_CHUNK);
        memcpy(got + c.offset, c.data.p, c.data.n);
    }
    assert_memory_equal(got, w->file, sizeof got);
    /* a resumed range: only the chunk holding bytes 5000..5100 */
    q.id = 52;
    q.nranges = 1;
    q.ranges[0] = (aus_app_range){5000, 100};
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    w->nemit = 0;
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    assert_int_equal(w->nemit, 2);
    aus_app_msg c;
    assert_int_equal(aus_app_decode(&c, w->emitted[1], w->elen[1]), AUS_OK);
    assert_int_equal(c.offset, 4096);
    /* a file larger than AUS_APP_MAX_CHUNKS_PER_REQ chunks: one bounded burst per request */
    q.id = 60;
    q.nranges = 0;
    q.chunk = 16; /* 10000 bytes / 16 = 625 chunks */
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    w->nemit = 0;
    emit_count_only = 1;
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    emit_count_only = 0;
    assert_int_equal(w->nemit, 1 + AUS_APP_MAX_CHUNKS_PER_REQ);
    /* missing file */
    q.id = 53;
    q.name = (aus_app_view){(const uint8_t *)"nope", 4};
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    w->nemit = 0;
    assert_int_equal(deliver(w, a, n, 0), AUS_OK);
    assert_int_equal(last(w).status, AUS_APP_ST_UNKNOWN);
    /* a response type is not a request */
    q.type = AUS_APP_TM_REPORT;
    q.id = 54;
    assert_int_equal(aus_app_encode(&q, a, sizeof a, &n), AUS_OK);
    assert_int_equal(deliver(w, a, n, 0), AUS_E_UNSUPPORTED);
    done(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_get_exactly_once),
        cmocka_unit_test(test_store_failure_rolls_back),
        cmocka_unit_test(test_store_failure_external),
        cmocka_unit_test(test_external_two_phase_and_recover),
        cmocka_unit_test(test_expired_not_run),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_tm_and_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
