/* SPDX-License-Identifier: Apache-2.0 */
/* Counters reserved before use (crash safety) and the anti-replay window. */
#include <string.h>

#include "aus_test.h"
#include "australis/store.h"

static void test_ctr_no_reuse_across_crash(void **st)
{
    (void)st;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    aus_ctr c;
    uint64_t v, last = 0;
    assert_int_equal(aus_ctr_open(&c, &s, "ctr/x", 1000000, 16), AUS_OK);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
        assert_true(v > last);
        last = v;
    }
    /* "crash": reopen from the store; the next value is above everything handed out */
    assert_int_equal(aus_ctr_open(&c, &s, "ctr/x", 1000000, 16), AUS_OK);
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
    assert_true(v > last);
    /* a failing store write hands out nothing */
    last = v;
    for (int i = 0; i < 15; i++)
        assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
    tst_store_fail_after(m, 0, 1);
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_E_IO);
    tst_store_fail_after(m, -1, 0);
    assert_int_equal(aus_ctr_open(&c, &s, "ctr/x", 1000000, 16), AUS_OK);
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
    assert_true(v > last + 15);
    tst_store_free(m);
}

/* Two counters on one key (two writers, which the owner lock excludes in the daemons): with
 * compare-and-advance every reservation re-reads the stored bound, so their values never
 * overlap, however the takes interleave. Fails with a reservation that trusts its memory. */
static void test_ctr_two_writers_never_overlap(void **st)
{
    (void)st;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    aus_ctr a, b;
    static uint8_t seen[4096];
    memset(seen, 0, sizeof seen);
    assert_int_equal(aus_ctr_open(&a, &s, "ctr/iv", 4000, 16), AUS_OK);
    assert_int_equal(aus_ctr_open(&b, &s, "ctr/iv", 4000, 16), AUS_OK);
    uint64_t rs = 7;
    for (int i = 0; i < 1500; i++) {
        rs = rs * 6364136223846793005u + 1442695040888963407u;
        uint64_t v = 0;
        assert_int_equal(aus_ctr_take((rs >> 33) & 1 ? &a : &b, &s, &v), AUS_OK);
        assert_true(v > 0 && v < sizeof seen);
        assert_int_equal(seen[v], 0); /* never handed out twice */
        seen[v] = 1;
    }
    tst_store_free(m);
}

/* A reservation made inside the caller's transaction is rolled back with it: the next take
 * writes a fresh bound above every value handed out, so a crash after that rollback (reopen
 * from the store) never repeats a value that may have left in between. */
static void test_ctr_rollback_of_callers_transaction(void **st)
{
    (void)st;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    aus_ctr c;
    uint64_t v = 0, high = 0;
    assert_int_equal(aus_ctr_open(&c, &s, "ctr/seq", 1000000, 16), AUS_OK);
    assert_int_equal(s.ops->begin(s.self), AUS_OK);
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK); /* reserves [1, 17) in the txn */
    assert_int_equal(v, 1);
    assert_int_equal(s.ops->rollback(s.self), AUS_OK); /* ... and loses it */
    for (int i = 0; i < 3; i++) {                      /* outside any transaction */
        assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
        high = v;
    }
    assert_int_equal(high, 4);
    assert_int_equal(aus_ctr_open(&c, &s, "ctr/seq", 1000000, 16), AUS_OK); /* crash */
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
    assert_true(v > high);
    /* a reservation the caller commits is confirmed, not re-written: no block is skipped */
    assert_int_equal(aus_ctr_open(&c, &s, "ctr/t", 1000000, 16), AUS_OK);
    for (uint64_t i = 1; i <= 20; i++) {
        assert_int_equal(s.ops->begin(s.self), AUS_OK);
        assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
        assert_int_equal(s.ops->commit(s.self), AUS_OK);
        assert_int_equal(v, i);
    }
    tst_store_free(m);
}

static void test_ctr_exhaustion(void **st)
{
    (void)st;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    aus_ctr c;
    uint64_t v;
    assert_int_equal(aus_ctr_open(&c, &s, "c", 5, 3), AUS_OK);
    for (uint64_t i = 1; i <= 5; i++) {
        assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_OK);
        assert_int_equal(v, i);
    }
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_E_LIMIT);
    assert_int_equal(aus_ctr_open(&c, &s, "c", 5, 3), AUS_OK);
    assert_int_equal(aus_ctr_take(&c, &s, &v), AUS_E_LIMIT);
    assert_int_equal(aus_ctr_open(&c, &s, "c", UINT64_MAX, 3), AUS_E_ARG);
    tst_store_free(m);
}

static void test_replay_window(void **st)
{
    (void)st;
    aus_replay w;
    assert_int_equal(aus_replay_init(&w, 0), AUS_E_ARG);
    assert_int_equal(aus_replay_init(&w, 64), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 0), AUS_E_REPLAY);
    assert_int_equal(aus_replay_accept(&w, 5), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 5), AUS_E_REPLAY);
    assert_int_equal(aus_replay_accept(&w, 3), AUS_OK); /* reordered, inside window */
    assert_int_equal(aus_replay_accept(&w, 3), AUS_E_REPLAY);
    assert_int_equal(aus_replay_accept(&w, 100), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 36), AUS_E_REPLAY); /* 100-36 = 64: too old */
    assert_int_equal(aus_replay_accept(&w, 37), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 37), AUS_E_REPLAY);
    assert_int_equal(aus_replay_accept(&w, 99), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 101), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 99), AUS_E_REPLAY); /* bit moved with the shift */
    assert_int_equal(aus_replay_accept(&w, 100), AUS_E_REPLAY);
}

static void test_replay_against_model(void **st)
{
    (void)st;
    /* A brute-force model: the set of accepted numbers and the top. */
    static uint8_t seen[5000];
    uint64_t rs = 42;
    for (uint32_t size = 1; size <= 1024; size = size * 3 + 1) {
        aus_replay w;
        assert_int_equal(aus_replay_init(&w, size), AUS_OK);
        memset(seen, 0, sizeof seen);
        uint64_t top = 0;
        for (int i = 0; i < 3000; i++) {
            uint64_t seq = 1 + tst_rand(&rs) % 4000;
            int want_ok = !seen[seq] && !(seq <= top && top - seq >= size);
            aus_err e = aus_replay_accept(&w, seq);
            assert_int_equal(e, want_ok ? AUS_OK : AUS_E_REPLAY);
            if (want_ok) {
                seen[seq] = 1;
                if (seq > top)
                    top = seq;
            }
        }
    }
}

static void test_replay_persist(void **st)
{
    (void)st;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    aus_replay w, r;
    assert_int_equal(aus_replay_load(&w, &s, "rw", 128), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 10), AUS_OK);
    assert_int_equal(aus_replay_accept(&w, 7), AUS_OK);
    assert_int_equal(aus_replay_save(&w, &s, "rw"), AUS_OK);
    assert_int_equal(aus_replay_load(&r, &s, "rw", 128), AUS_OK);
    assert_int_equal(aus_replay_accept(&r, 7), AUS_E_REPLAY);
    assert_int_equal(aus_replay_accept(&r, 10), AUS_E_REPLAY);
    assert_int_equal(aus_replay_accept(&r, 8), AUS_OK);
    /* malformed / truncated encodings change nothing */
    uint8_t buf[64];
    size_t n;
    assert_int_equal(aus_replay_encode(&r, buf, sizeof buf, &n), AUS_OK);
    aus_replay before = r;
    assert_int_equal(aus_replay_decode(&r, buf, n - 1), AUS_E_TRUNC);
    buf[11] = 0;
    buf[10] = 0;
    buf[9] = 0;
    buf[8] = 0; /* size 0 */
    assert_int_equal(aus_replay_decode(&r, buf, n), AUS_E_MALFORMED);
    assert_memory_equal(&before, &r, sizeof r);
    tst_store_free(m);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_ctr_no_reuse_across_crash),
        cmocka_unit_test(test_ctr_exhaustion),
        cmocka_unit_test(test_ctr_two_writers_never_overlap),
        cmocka_unit_test(test_ctr_rollback_of_callers_transaction),
        cmocka_unit_test(test_replay_window),
        cmocka_unit_test(test_replay_against_model),
        cmocka_unit_test(test_replay_persist),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
