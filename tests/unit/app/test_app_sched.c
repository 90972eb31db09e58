/* SPDX-License-Identifier: Apache-2.0 */
/* Time-tagged commands on board (src/app/app_sat.c, "time-tagged commands"): stored durably,
 * run once at their time in time order, refused when reached later than their tolerance,
 * listed, cancelled; a re-sent copy never schedules twice; a restart loses nothing; a store
 * failure at any write leaves each command run at most once and answered exactly once. */
#include "aus_test.h"

#include "australis/app.h"

typedef struct world {
    tst_store *mem;
    aus_store st;
    aus_app_sat sat;
    aus_app_msg ans[32]; /* decoded answers; views into raw */
    uint8_t raw[32][2048];
    int nans;
    int runs[2];
    char order[64];
} world;

/* Answers are queued in the store (as the agent's out-queue is): a rolled-back transaction
 * takes its answers with it. */
static aus_err emit(void *ctx, const uint8_t *adu, size_t len)
{
    world *w = ctx;
    char key[32];
    uint64_t seq = 0;
    aus_err e = aus_store_get_u64(&w->st, "outseq", &seq);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
    snprintf(key, sizeof key, "out/%08llu", (unsigned long long)seq);
    AUS_TRY(aus_store_put_u64(&w->st, "outseq", seq + 1));
    return w->st.ops->put(w->st.self, key, adu, len);
}

/* Take the queued answers out of the store into w->ans. */
static void collect(world *w)
{
    char key[AUS_STORE_KEY_MAX];
    while (w->st.ops->next(w->st.self, "out/", "", key, sizeof key) == AUS_OK) {
        size_t len = 0;
        assert_true(w->nans < 32);
        assert_int_equal(w->st.ops->get(w->st.self, key, w->raw[w->nans], sizeof w->raw[0], &len),
                         AUS_OK);
        assert_int_equal(aus_app_decode(&w->ans[w->nans], w->raw[w->nans], len), AUS_OK);
        w->nans++;
        assert_int_equal(w->st.ops->del(w->st.self, key), AUS_OK);
    }
}

/* "mark X": store-only; its effect (the order of runs) in the store, in the transaction. */
static aus_err mark(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                    int64_t *code)
{
    world *w = ctx;
    char order[64] = "";
    size_t n = 0;
    (void)cap;
    (void)out;
    aus_err e = w->st.ops->get(w->st.self, "order", (uint8_t *)order, sizeof order - 1, &n);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
    assert_true(req->nargs == 1 && n + req->args[0].n < sizeof order);
    memcpy(order + n, req->args[0].p, req->args[0].n);
    AUS_TRY(w->st.ops->put(w->st.self, "order", (const uint8_t *)order, n + req->args[0].n));
    *outlen = 0;
    *code = 0;
    return AUS_OK;
}

static const char *order(world *w)
{
    size_t n = 0;
    memset(w->order, 0, sizeof w->order);
    aus_err e = w->st.ops->get(w->st.self, "order", (uint8_t *)w->order, sizeof w->order - 1, &n);
    assert_true(e == AUS_OK || e == AUS_E_NOTFOUND);
    return w->order;
}

static aus_err ext(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                   int64_t *code)
{
    world *w = ctx;
    (void)req;
    (void)cap;
    w->runs[1]++;
    memcpy(out, "ext ran", 7);
    *outlen = 7;
    *code = 0;
    return AUS_OK;
}

static void init(world *w)
{
    aus_app_sat_ops ops = {NULL, NULL, NULL, NULL, emit, w, NULL, NULL, NULL, NULL};
    assert_int_equal(aus_app_sat_init(&w->sat, &w->st, &ops, "tenA", 4096), AUS_OK);
    aus_app_cmd c1 = {"mark", mark, w, 0}, c2 = {"ext", ext, w, AUS_APP_CMD_EXTERNAL};
    assert_int_equal(aus_app_sat_register(&w->sat, &c1), AUS_OK);
    assert_int_equal(aus_app_sat_register(&w->sat, &c2), AUS_OK);
}

static world *mk(void)
{
    world *w = calloc(1, sizeof *w);
    w->mem = tst_store_new();
    w->st = tst_store_iface(w->mem);
    init(w);
    return w;
}

static void done(world *w)
{
    tst_store_free(w->mem);
    free(w);
}

static size_t enc_at(uint8_t *buf, size_t cap, uint64_t id, const char *name, const char *arg,
                     uint64_t at, uint64_t tol)
{
    aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_CMD_AT;
    m.id = id;
    m.name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    if (arg) {
        m.nargs = 1;
        m.args[0] = (aus_app_view){(const uint8_t *)arg, strlen(arg)};
    }
    m.at = at;
    m.tolerance = tol;
    size_t n = 0;
    assert_int_equal(aus_app_encode(&m, buf, cap, &n), AUS_OK);
    return n;
}

/* Handle one request in a transaction (the daemon's receive transaction). */
static aus_err handle(world *w, const uint8_t *adu, size_t len)
{
    int pending = 0;
    AUS_TRY(w->st.ops->begin(w->st.self));
    aus_err e = aus_app_sat_handle(&w->sat, adu, len, 0, &pending);
    if (e != AUS_OK) {
        assert_int_equal(w->st.ops->rollback(w->st.self), AUS_OK);
        return e;
    }
    assert_int_equal(pending, 0);
    return w->st.ops->commit(w->st.self);
}

static aus_err sched(world *w, uint64_t id, const char *name, const char *arg, uint64_t at,
                     uint64_t tol)
{
    uint8_t b[512];
    return handle(w, b, enc_at(b, sizeof b, id, name, arg, at, tol));
}

/* Run everything due at now the way the daemon does; returns how many were taken, or an
 * error (that transaction rolled back). */
static long due(world *w, uint64_t now)
{
    long n = 0;
    for (;;) {
        uint8_t adu[1024];
        size_t len = 0;
        int pending = 0;
        AUS_TRY(w->st.ops->begin(w->st.self));
        long r = aus_app_sat_due(&w->sat, now, adu, sizeof adu, &len, &pending);
        if (r <= 0) {
            assert_int_equal(w->st.ops->rollback(w->st.self), AUS_OK);
            return r < 0 ? r : n;
        }
        AUS_TRY(w->st.ops->commit(w->st.self));
        n++;
        if (pending) {
            AUS_TRY(w->st.ops->begin(w->st.self));
            aus_err e = aus_app_sat_finish(&w->sat, adu, len);
            if (e != AUS_OK) {
                assert_int_equal(w->st.ops->rollback(w->st.self), AUS_OK);
                return e;
            }
            AUS_TRY(w->st.ops->commit(w->st.self));
        }
    }
}

static const aus_app_msg *answer_of(world *w, uint64_t id)
{
    const aus_app_msg *found = NULL;
    collect(w);
    for (int i = 0; i < w->nans; i++)
        if (w->ans[i].id == id) {
            assert_null(found); /* exactly once */
            found = &w->ans[i];
        }
    return found;
}

static void assert_text(const aus_app_msg *m, const char *t)
{
    assert_non_null(m);
    assert_int_equal(m->data.n, strlen(t));
    assert_memory_equal(m->data.p, t, m->data.n);
}

static void test_order_time_and_tolerance(void **st)
{
    (void)st;
    world *w = mk();
    assert_int_equal(sched(w, 1, "mark", "C", 3000, 500), AUS_OK);
    assert_int_equal(sched(w, 2, "mark", "A", 1000, 500), AUS_OK);
    assert_int_equal(sched(w, 3, "mark", "B", 2000, 5000), AUS_OK);
    assert_int_equal(sched(w, 4, "ext", NULL, 2500, 500), AUS_OK);
    assert_int_equal(sched(w, 5, "nosuch", NULL, 2500, 500), AUS_OK);
    collect(w);
    assert_int_equal(w->nans, 1); /* only the unknown command, at once */
    assert_int_equal(answer_of(w, 5)->status, AUS_APP_ST_UNKNOWN);
    /* a re-sent copy of a scheduled command changes nothing and is not answered */
    assert_int_equal(sched(w, 2, "mark", "A", 1000, 500), AUS_OK);
    collect(w);
    assert_int_equal(w->nans, 1);
    assert_int_equal(due(w, 999), 0);
    assert_int_equal(due(w, 1000), 1);
    assert_string_equal(order(w), "A");
    /* a restart in between: the schedule is in the store */
    memset(&w->sat, 0xa5, sizeof w->sat);
    init(w);
    assert_int_equal(due(w, 2600), 2);
    assert_string_equal(order(w), "AB");
    assert_int_equal(w->runs[1], 1);
    assert_text(answer_of(w, 4), "ext ran");
    /* reached 1.5 s late with a tolerance of 0.5 s: not run */
    assert_int_equal(due(w, 4500), 1);
    assert_string_equal(order(w), "AB");
    assert_int_equal(answer_of(w, 1)->status, AUS_APP_ST_EXPIRED);
    assert_text(answer_of(w, 1),
                "not run: the satellite reached its time later than its tolerance");
    assert_int_equal(answer_of(w, 2)->status, AUS_APP_ST_OK);
    assert_int_equal(due(w, 99999), 0);
    /* a copy arriving after it ran gets the cached answer again, and never runs */
    int before = w->nans;
    assert_int_equal(sched(w, 2, "mark", "A", 1000, 500), AUS_OK);
    collect(w);
    assert_int_equal(w->nans, before + 1);
    assert_int_equal(w->ans[before].status, AUS_APP_ST_OK);
    assert_int_equal(due(w, 99999), 0);
    assert_string_equal(order(w), "AB");
    done(w);
}

static void test_list_and_cancel(void **st)
{
    (void)st;
    world *w = mk();
    uint8_t b[256];
    aus_app_msg m;
    size_t n = 0;
    assert_int_equal(sched(w, 7, "mark", "X", 5000, 100), AUS_OK);
    assert_int_equal(sched(w, 8, "mark", "Y", 6000, 100), AUS_OK);
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_TT_LIST;
    m.id = 9;
    assert_int_equal(aus_app_encode(&m, b, sizeof b, &n), AUS_OK);
    assert_int_equal(handle(w, b, n), AUS_OK);
    assert_text(answer_of(w, 9), "7 5000 100 mark X\n8 6000 100 mark Y\n");
    m.type = AUS_APP_TT_CANCEL;
    m.id = 10;
    m.offset = 7;
    assert_int_equal(aus_app_encode(&m, b, sizeof b, &n), AUS_OK);
    assert_int_equal(handle(w, b, n), AUS_OK);
    assert_text(answer_of(w, 10), "cancelled");
    assert_int_equal(answer_of(w, 7)->status, AUS_APP_ST_ERROR);
    assert_text(answer_of(w, 7), "cancelled before it ran");
    /* the cancel re-sent: its cached answer, nothing else */
    int before = w->nans;
    assert_int_equal(handle(w, b, n), AUS_OK);
    collect(w);
    assert_int_equal(w->nans, before + 1);
    assert_text(&w->ans[before], "cancelled");
    /* cancelling one that ran already */
    assert_int_equal(due(w, 6000), 1);
    m.id = 11;
    m.offset = 8;
    assert_int_equal(aus_app_encode(&m, b, sizeof b, &n), AUS_OK);
    assert_int_equal(handle(w, b, n), AUS_OK);
    assert_int_equal(answer_of(w, 11)->exit_code, 1);
    assert_text(answer_of(w, 11),
                "not waiting on board (it ran already, or no such timed command)");
    assert_string_equal(order(w), "Y");
    done(w);
}

/* Every write failed in turn, then the restart and the run again: each command ran at most
 * once (store-only: exactly once, with its effect in the same transaction) and was answered. */
static void test_store_failure_every_write(void **st)
{
    (void)st;
    for (long k = 0; k < 40; k++) {
        world *w = mk();
        assert_int_equal(sched(w, 1, "mark", "A", 1000, 10000), AUS_OK);
        assert_int_equal(sched(w, 2, "ext", NULL, 1000, 10000), AUS_OK);
        assert_int_equal(sched(w, 3, "mark", "B", 1000, 10000), AUS_OK);
        tst_store_count_tx_writes(w->mem, 1);
        tst_store_fail_after(w->mem, k, 0);
        long r = due(w, 2000);
        tst_store_fail_after(w->mem, -1, 0);
        tst_store_count_tx_writes(w->mem, 0);
        /* the restart: interrupted externals answered, then the rest of the schedule */
        memset(&w->sat, 0xa5, sizeof w->sat);
        init(w);
        assert_int_equal(w->st.ops->begin(w->st.self), AUS_OK);
        assert_true(aus_app_sat_recover(&w->sat) >= 0);
        assert_int_equal(w->st.ops->commit(w->st.self), AUS_OK);
        assert_true(due(w, 3000) >= 0);
        assert_true(r >= 0 || r == AUS_E_IO);
        for (uint64_t id = 1; id <= 3; id++)
            assert_non_null(answer_of(w, id)); /* each answered, exactly once */
        assert_string_equal(order(w), "AB");   /* store-only: each ran exactly once */
        assert_true(w->runs[1] <= 1);
        if (w->runs[1] == 0) /* the external never ran: it was not reached or not started */
            assert_true(answer_of(w, 2)->status == AUS_APP_ST_OK ||
                        answer_of(w, 2)->status == AUS_APP_ST_INTERRUPTED);
        done(w);
    }
}

static void test_codec(void **st)
{
    (void)st;
    uint8_t b[256];
    size_t n = enc_at(b, sizeof b, 0x42, "mark", "Z", 0x1122334455ull, 60000);
    aus_app_msg m;
    assert_int_equal(aus_app_decode(&m, b, n), AUS_OK);
    assert_int_equal(m.type, AUS_APP_CMD_AT);
    assert_int_equal(m.at, 0x1122334455ull);
    assert_int_equal(m.tolerance, 60000);
    assert_true(aus_app_is_request(AUS_APP_CMD_AT) && aus_app_is_request(AUS_APP_TT_LIST) &&
                aus_app_is_request(AUS_APP_TT_CANCEL));
    assert_string_equal(aus_app_type_name(AUS_APP_CMD_AT), "timed-command");
    /* truncated: the time fields are required */
    for (size_t k = 0; k < n; k++)
        assert_int_not_equal(aus_app_decode(&m, b, k), AUS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_time_and_tolerance),
        cmocka_unit_test(test_list_and_cancel),
        cmocka_unit_test(test_store_failure_every_write),
        cmocka_unit_test(test_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
