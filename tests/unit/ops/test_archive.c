/* SPDX-License-Identifier: Apache-2.0 */
/* The ground's archive (apps/australis/daemon/archive*.c), one suite run on both backends:
 * SQLite (a temporary file) and PostgreSQL (AUS_TEST_PG_URL; with AUS_TEST_PG_REQUIRED=1, as
 * .ci/run sets it, a missing URL or an unreachable server FAILS the test, never skips it).
 * Exactly-once sources, downsampling, latest, commands and answers, images, passes, events,
 * rekey history and key states, retention, and two writers (stations) into one archive. */
#include "aus_test.h"

#include <math.h>
#include <unistd.h>

#include "ops.h"

static char url[512];
static int pg; /* this run is on PostgreSQL */

/* A fresh archive: SQLite in a new temporary file; PostgreSQL with its tables emptied. */
static ops_archive *fresh(void)
{
    ops_archive *a = NULL;
    char why[512] = "";
    if (!pg) {
        static int k;
        snprintf(url, sizeof url, "sqlite:/tmp/aus_test_archive_%d_%d.db", (int)getpid(), ++k);
        unlink(url + 7);
        char wal[600];
        snprintf(wal, sizeof wal, "%s-wal", url + 7);
        unlink(wal);
    }
    int rc = ops_archive_open(&a, url, why, sizeof why);
    if (rc != 0)
        fail_msg("open %s: %s", pg ? "PostgreSQL" : url, why);
    if (pg) {
        /* every table emptied: the suite's checks count rows */
        assert_int_equal(ops_archive_clear(a), 0);
    }
    return a;
}

static void done(ops_archive *a)
{
    ops_archive_close(a);
    if (!pg)
        unlink(url + 7);
}

static void test_points_exactly_once(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    assert_int_equal(ops_archive_begin(a), 0);
    assert_int_equal(ops_archive_source(a, "t1", "ipn:100", "ipn:200", 7, 1000), 1);
    assert_int_equal(ops_archive_point(a, "t1", "ipn:100", "battery_mv", 1000, 7400, NULL), 0);
    assert_int_equal(ops_archive_point(a, "t1", "ipn:100", "mode", 1000, 0, "safe"), 0);
    assert_int_equal(ops_archive_commit(a), 0);
    /* the same report again (after a crash): its source is known, nothing stored twice */
    assert_int_equal(ops_archive_source(a, "t1", "ipn:100", "ipn:200", 7, 2000), 0);
    /* another station's report with the same id is its own */
    assert_int_equal(ops_archive_source(a, "t1", "ipn:100", "ipn:201", 7, 2000), 1);
    int found = 0;
    char *s = ops_archive_latest_json(a, "t1", "ipn:100", "battery_mv", &found);
    assert_int_equal(found, 1);
    assert_string_equal(s,
                        "{\"name\":\"battery_mv\",\"sat\":\"ipn:100\",\"t\":1000,\"value\":7400}");
    free(s);
    s = ops_archive_latest_json(a, "t1", "ipn:100", "mode", &found);
    assert_string_equal(s, "{\"name\":\"mode\",\"sat\":\"ipn:100\",\"t\":1000,\"value\":\"safe\"}");
    free(s);
    s = ops_archive_latest_json(a, "t1", "ipn:100", "nosuch", &found);
    assert_null(s);
    assert_int_equal(found, 0);
    /* another tenant sees nothing of t1's */
    s = ops_archive_latest_json(a, "t2", "ipn:100", "battery_mv", &found);
    assert_int_equal(found, 0);
    s = ops_archive_points_json(a, "t1");
    assert_string_equal(s, "[{\"name\":\"battery_mv\",\"sat\":\"ipn:100\",\"tenant\":\"t1\"},"
                           "{\"name\":\"mode\",\"sat\":\"ipn:100\",\"tenant\":\"t1\"}]");
    free(s);
    s = ops_archive_points_json(a, "t2");
    assert_string_equal(s, "[]");
    free(s);
    done(a);
}

static void test_history_downsampled(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    assert_int_equal(ops_archive_begin(a), 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(ops_archive_point(a, "t1", "s", "v", 10000 + i * 10, i, NULL), 0);
    assert_int_equal(ops_archive_commit(a), 0);
    static ops_sample out[6000];
    int found = 0;
    /* every point when there are fewer than max */
    long n =
        ops_archive_history(a, "t1", "s", "v", 10000, 10000 + 99 * 10, 1000, out, 6000, &found);
    assert_int_equal(found, 1);
    assert_int_equal(n, 100);
    assert_int_equal(out[0].t, 10000);
    assert_int_equal(out[99].t, 10990);
    /* 5000 points to at most 100: one per bucket, in time order, inside the range */
    n = ops_archive_history(a, "t1", "s", "v", 10000, 10000 + 4999 * 10, 100, out, 6000, &found);
    assert_int_equal(n, 100);
    for (long i = 1; i < n; i++)
        assert_true(out[i].t > out[i - 1].t);
    assert_int_equal(out[0].t, 10000);
    assert_true(out[n - 1].t <= 10000 + 4999 * 10);
    assert_true(out[n - 1].t >= 10000 + 4950 * 10);
    /* an empty range, a range before any point */
    n = ops_archive_history(a, "t1", "s", "v", 0, 9999, 100, out, 6000, &found);
    assert_int_equal(n, 0);
    assert_int_equal(found, 1);
    n = ops_archive_history(a, "t1", "s", "nosuch", 0, 99999, 100, out, 6000, &found);
    assert_int_equal(n, 0);
    assert_int_equal(found, 0);
    char *s = ops_archive_history_json(a, "t1", "s", "v", 10000, 10020, 10, &found);
    assert_string_equal(s, "{\"samples\":[{\"t\":10000,\"value\":0},{\"t\":10010,\"value\":1},"
                           "{\"t\":10020,\"value\":2}],\"name\":\"v\",\"sat\":\"s\"}");
    free(s);
    done(a);
}

/* Downsampling from the rollup table: a bucket is the mean of its points with their min, max
 * and count, summed over rollup rows written by several transactions (merged by the upsert),
 * and exact at the range's own edges (which cut rollup rows: read from the points). */
static void test_history_rollup(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    /* 20 000 points 100 ms apart (2 000 s), values 0..999 repeating, in two transactions
     * that split a rollup row of every level */
    for (int part = 0; part < 2; part++) {
        assert_int_equal(ops_archive_begin(a), 0);
        for (int i = part ? 12345 : 0; i < (part ? 20000 : 12345); i++)
            assert_int_equal(ops_archive_point(a, "t1", "s", "v", 100000 + i * 100, i % 1000, NULL),
                             0);
        assert_int_equal(ops_archive_commit(a), 0);
    }
    static ops_sample out[200];
    int found = 0;
    /* the whole range to 100 samples (buckets of 20 s: the 10 s rollups) */
    long n =
        ops_archive_history(a, "t1", "s", "v", 100000, 100000 + 19999 * 100, 100, out, 200, &found);
    assert_int_equal(found, 1);
    assert_int_equal(n, 100);
    int64_t total = 0;
    double sum = 0, mn = 1e9, mx = -1e9;
    for (long i = 0; i < n; i++) {
        total += out[i].n;
        sum += out[i].v * (double)out[i].n;
        assert_true(out[i].min <= out[i].v && out[i].v <= out[i].max);
        mn = out[i].min < mn ? out[i].min : mn;
        mx = out[i].max > mx ? out[i].max : mx;
        if (i)
            assert_true(out[i].t > out[i - 1].t);
    }
    assert_int_equal(total, 20000);
    assert_true(sum / 20000.0 > 499.49 && sum / 20000.0 < 499.51); /* the mean of 0..999 */
    assert_true(mn == 0 && mx == 999);
    assert_int_equal(out[0].t, 100000);
    /* a range whose edges cut rollup rows: every point inside counted once, none outside */
    int64_t s0 = 100000 + 555 * 100 + 7, s1 = 100000 + 17777 * 100 + 3;
    n = ops_archive_history(a, "t1", "s", "v", s0, s1, 50, out, 200, &found);
    total = 0;
    for (long i = 0; i < n; i++)
        total += out[i].n;
    assert_int_equal(total, 17777 - 556 + 1);
    assert_true(out[0].t == 100000 + 556 * 100);
    /* JSON: a summarised sample carries its min, max and count */
    char *js = ops_archive_history_json(a, "t1", "s", "v", 100000, 100000 + 19999 * 100, 2, &found);
    assert_string_equal(js, "{\"samples\":[{\"t\":100000,\"value\":499.5,\"min\":0,\"max\":999,"
                            "\"n\":10000},{\"t\":1100000,\"value\":499.5,\"min\":0,"
                            "\"max\":999,\"n\":10000}],\"name\":\"v\",\"sat\":\"s\"}");
    free(js);
    /* a text series: each bucket gives its first value */
    assert_int_equal(ops_archive_begin(a), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(
            ops_archive_point(a, "t1", "s", "mode", i * 1000, 0, i < 1500 ? "safe" : "nominal"), 0);
    assert_int_equal(ops_archive_commit(a), 0);
    n = ops_archive_history(a, "t1", "s", "mode", 0, 2999999, 10, out, 200, &found);
    assert_int_equal(n, 10);
    assert_true(out[0].is_text && !strcmp(out[0].txt, "safe") && out[0].t == 0);
    assert_true(out[9].is_text && !strcmp(out[9].txt, "nominal") && out[9].t == 2700000);
    /* a transaction rolled back leaves no point and no rollup */
    assert_int_equal(ops_archive_begin(a), 0);
    assert_int_equal(ops_archive_point(a, "t1", "s", "v", 100000, 1e6, NULL), 0);
    ops_archive_rollback(a);
    n = ops_archive_history(a, "t1", "s", "v", 100000, 100000 + 19999 * 100, 100, out, 200, &found);
    assert_int_equal(n, 100);
    assert_true(out[0].max == 199 && out[0].n == 200);
    done(a);
}

/* Hostile values through the bulk path (PostgreSQL COPY's text format escapes): tabs,
 * newlines, backslashes and a long text come back as sent; non-finite numbers are stored
 * without poisoning the rollups. */
static void test_hostile_values(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    static char longtxt[3000];
    for (size_t i = 0; i < sizeof longtxt - 1; i++)
        longtxt[i] = "a\\\t\n\rb"[i % 6];
    assert_int_equal(ops_archive_begin(a), 0);
    assert_int_equal(ops_archive_point(a, "t1", "s", "txt", 1000, 0, "x\ty\nz\\N\r"), 0);
    assert_int_equal(ops_archive_point(a, "t1", "s", "txt", 2000, 0, longtxt), 0);
    assert_int_equal(ops_archive_point(a, "t1", "s", "txt", 3000, 0, "\\."), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(ops_archive_point(a, "t1", "s", "num", i * 1000,
                                           i == 7   ? INFINITY
                                           : i == 8 ? -INFINITY
                                                    : i,
                                           NULL),
                         0);
    assert_int_equal(ops_archive_commit(a), 0);
    static ops_sample out[20];
    int found = 0;
    assert_int_equal(ops_archive_history(a, "t1", "s", "txt", 0, 5000, 10, out, 20, &found), 3);
    assert_string_equal(out[0].txt, "x\ty\nz\\N\r");
    assert_memory_equal(out[1].txt, longtxt, sizeof out[1].txt - 1);
    assert_string_equal(out[2].txt, "\\.");
    long n = ops_archive_history(a, "t1", "s", "num", 0, 2999999, 10, out, 20, &found);
    assert_int_equal(n, 10);
    assert_true(out[0].min == 0 && out[9].max == 2999 && isfinite(out[0].v));
    done(a);
}

static void test_commands_images_passes_events(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    assert_int_equal(
        ops_archive_command(a, "t1", "ipn:100", "ipn:200", 5, "cmd", "mark", "[\"x\"]", 100), 0);
    /* queued twice (a replayed hook): one row */
    assert_int_equal(
        ops_archive_command(a, "t1", "ipn:100", "ipn:200", 5, "cmd", "mark", "[\"x\"]", 100), 0);
    int found = 0;
    char *s = ops_archive_command_json(a, "t1", "ipn:200", 5, &found);
    assert_int_equal(found, 1);
    assert_string_equal(s, "{\"id\":5,\"type\":\"cmd\",\"name\":\"mark\",\"args\":[\"x\"],"
                           "\"queued\":100,\"sent\":100,\"answered\":null,\"status\":\"queued\","
                           "\"exit_code\":null,\"output\":null,\"sat\":\"ipn:100\",\"station\":"
                           "\"ipn:200\"}");
    free(s);
    assert_int_equal(ops_archive_answer(a, "t1", "ipn:200", 5, 300, "ok", 0, "marked x\n"), 0);
    s = ops_archive_command_json(a, "t1", "ipn:200", 5, &found);
    assert_non_null(strstr(s, "\"answered\":300,\"status\":\"ok\",\"exit_code\":0,\"output\":"
                              "\"marked x\\n\""));
    free(s);
    s = ops_archive_command_json(a, "t1", "ipn:201", 5, &found);
    assert_null(s);
    assert_int_equal(found, 0);
    assert_int_equal(ops_archive_image(a, "t1", "ipn:100", "ipn:200", 6, "img.bin",
                                       "/tmp/x/img.bin", 0, 0, 0, "requested", 100),
                     0);
    assert_int_equal(ops_archive_image(a, "t1", "ipn:100", "ipn:200", 6, NULL, NULL, 3, 25, 100000,
                                       "downloading", 200),
                     0);
    s = ops_archive_list_json(a, "images", "t1", "", 10);
    assert_string_equal(s, "[{\"id\":6,\"remote\":\"img.bin\",\"local\":\"/tmp/x/img.bin\","
                           "\"have\":3,\"total\":25,\"size\":100000,\"state\":\"downloading\","
                           "\"t0\":100,\"t1\":200,\"sat\":\"ipn:100\",\"station\":\"ipn:200\"}]");
    free(s);
    assert_int_equal(ops_archive_pass(a, "t1", "ipn:100", "ipn:200", 10, 20, 3, 40, 2, 1, "S1"), 0);
    s = ops_archive_list_json(a, "passes", "t1", "", 10);
    assert_non_null(strstr(s, "\"t0\":10,\"t1\":20,\"files\":3,\"frames\":40,\"corrections\":2,"
                              "\"refusals\":1,\"cop1\":\"S1\""));
    free(s);
    assert_int_equal(ops_archive_event(a, "t1", "ipn:100", "ipn:200", 50, "rekey", "otar"), 0);
    assert_int_equal(ops_archive_event(a, "t1", "ipn:100", "ipn:200", 60, "security", "mac"), 0);
    s = ops_archive_list_json(a, "events", "t1", "rekey", 10);
    assert_non_null(strstr(s, "\"t\":50,\"kind\":\"rekey\",\"text\":\"otar\""));
    assert_null(strstr(s, "security"));
    free(s);
    s = ops_archive_list_json(a, "commands", "t1", "", 10);
    assert_non_null(strstr(s, "\"name\":\"mark\""));
    free(s);
    assert_null(ops_archive_list_json(a, "nosuch", "t1", "", 10));
    done(a);
}

/* The keys view: a rekey's request then its answer (the answer handled twice: one row), the
 * key states replaced as a whole, both in one object. */
static void test_rekeys_keystates(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    assert_int_equal(ops_archive_rekey(a, "t1", "ipn:100", "ipn:200", 9, "otar", 100, 0x0102,
                                       0x4000, "requested", ""),
                     0);
    /* the same request again (a replayed hook) changes nothing */
    assert_int_equal(ops_archive_rekey(a, "t1", "ipn:100", "ipn:200", 9, "otar", 150, 0x0102,
                                       0x4000, "requested", ""),
                     0);
    char *s = ops_archive_keys_json(a, "t1", 10);
    assert_string_equal(s, "{\"states\":[],\"history\":[{\"request\":9,\"kind\":\"otar\",\"t0\""
                           ":100,\"t1\":null,\"old_ek\":258,\"new_ek\":16384,\"outcome\":"
                           "\"requested\",\"text\":\"\",\"sat\":\"ipn:100\",\"station\":"
                           "\"ipn:200\"}]}");
    free(s);
    for (int k = 0; k < 2; k++) /* the answer, twice (after a crash) */
        assert_int_equal(
            ops_archive_rekey(a, "t1", "ipn:100", "ipn:200", 9, "otar", 300, -1, 0x4000, "ok", ""),
            0);
    assert_int_equal(ops_archive_rekey(a, "t1", "ipn:100", "ipn:200", 11, "pq", 400, 0x4000, -1,
                                       "requested", ""),
                     0);
    assert_int_equal(ops_archive_rekey(a, "t1", "ipn:100", "ipn:200", 11, "pq", 500, -1, -1,
                                       "refused", "AUS_E_AUTH"),
                     0);
    ops_keystate k1[] = {{1, "master", "active", "master (OTAR)", 10, 10, 0, 0},
                         {0x0102, "session", "active", "sending", 10, 10, 0, 0}};
    ops_keystate k2[] = {{0x0102, "session", "deactivated", "receivable", 10, 10, 30, 630},
                         {0x4000, "session", "active", "sending", 29, 30, 0, 0}};
    assert_int_equal(ops_archive_keystates(a, "t1", "ipn:200", k1, 2, 1000), 0);
    assert_int_equal(ops_archive_keystates(a, "t1", "ipn:200", k2, 2, 2000), 0);
    s = ops_archive_keys_json(a, "t1", 10);
    assert_string_equal(
        s, "{\"states\":[{\"id\":258,\"type\":\"session\",\"state\":\"deactivated\",\"role\":"
           "\"receivable\",\"created\":10,\"activated\":10,\"deactivated\":30,\"deadline\":630,"
           "\"t\":2000,\"station\":\"ipn:200\"},{\"id\":16384,\"type\":\"session\",\"state\":"
           "\"active\",\"role\":\"sending\",\"created\":29,\"activated\":30,\"deactivated\":0,"
           "\"deadline\":0,\"t\":2000,\"station\":\"ipn:200\"}],\"history\":[{\"request\":11,"
           "\"kind\":\"pq\",\"t0\":400,\"t1\":500,\"old_ek\":16384,\"new_ek\":-1,\"outcome\":"
           "\"refused\",\"text\":\"AUS_E_AUTH\",\"sat\":\"ipn:100\",\"station\":\"ipn:200\"},{"
           "\"request\":9,\"kind\":\"otar\",\"t0\":100,\"t1\":300,\"old_ek\":258,\"new_ek\":"
           "16384,\"outcome\":\"ok\",\"text\":\"\",\"sat\":\"ipn:100\",\"station\":\"ipn:200\"}]}");
    free(s);
    /* another tenant sees none of it */
    s = ops_archive_keys_json(a, "t2", 10);
    assert_string_equal(s, "{\"states\":[],\"history\":[]}");
    free(s);
    done(a);
}

static void test_retention(void **state)
{
    (void)state;
    ops_archive *a = fresh();
    assert_int_equal(ops_archive_point(a, "t1", "s", "v", 100, 1, NULL), 0);
    assert_int_equal(ops_archive_point(a, "t1", "s", "v", 5000, 2, NULL), 0);
    assert_int_equal(ops_archive_event(a, "t1", "s", "g", 100, "pass", "old"), 0);
    assert_int_equal(ops_archive_prune(a, 1000), 2);
    static ops_sample out[10];
    int found = 0;
    assert_int_equal(ops_archive_history(a, "t1", "s", "v", 0, 10000, 10, out, 10, &found), 1);
    assert_int_equal(out[0].t, 5000);
    done(a);
}

/* Two stations write one archive at once (two connections): every point of both is there. */
static void test_two_writers(void **state)
{
    (void)state;
    ops_archive *a = fresh(), *b = NULL;
    char why[512];
    assert_int_equal(ops_archive_open(&b, url, why, sizeof why), 0);
    for (int r = 0; r < 20; r++) {
        ops_archive *w = r % 2 ? b : a;
        assert_int_equal(ops_archive_begin(w), 0);
        assert_int_equal(ops_archive_source(w, "t1", "s", r % 2 ? "g2" : "g1", (uint64_t)r, r), 1);
        for (int i = 0; i < 50; i++)
            assert_int_equal(ops_archive_point(w, "t1", "s", "v", r * 1000 + i, i, NULL), 0);
        assert_int_equal(ops_archive_commit(w), 0);
    }
    static ops_sample out[2000];
    int found = 0;
    assert_int_equal(ops_archive_history(b, "t1", "s", "v", 0, 100000, 2000, out, 2000, &found),
                     1000);
    ops_archive_close(b);
    done(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_exactly_once),
        cmocka_unit_test(test_history_downsampled),
        cmocka_unit_test(test_history_rollup),
        cmocka_unit_test(test_hostile_values),
        cmocka_unit_test(test_commands_images_passes_events),
        cmocka_unit_test(test_retention),
        cmocka_unit_test(test_rekeys_keystates),
        cmocka_unit_test(test_two_writers),
    };
    int rc = cmocka_run_group_tests_name("archive (SQLite)", tests, NULL, NULL);
    const char *pgurl = getenv("AUS_TEST_PG_URL"), *req = getenv("AUS_TEST_PG_REQUIRED");
    if (!pgurl || !*pgurl) {
        if (req && !strcmp(req, "1")) {
            printf("FAIL: AUS_TEST_PG_REQUIRED=1 but AUS_TEST_PG_URL is not set: the PostgreSQL "
                   "half of the archive suite cannot run\n");
            return 1;
        }
        printf("archive (PostgreSQL): not run (set AUS_TEST_PG_URL=postgresql://...)\n");
        return rc;
    }
    pg = 1;
    snprintf(url, sizeof url, "%s", pgurl);
    return rc | cmocka_run_group_tests_name("archive (PostgreSQL)", tests, NULL, NULL);
}
