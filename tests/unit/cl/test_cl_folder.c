/* SPDX-License-Identifier: Apache-2.0 */
/* Folder link naming/ordering (src/cl) and its POSIX file I/O (port/posix/folder_link.c). */
#include "aus_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/cl.h"
#include "folder_link.h"

static void test_name_roundtrip(void **st)
{
    (void)st;
    char name[AUS_CL_NAME_MAX];
    uint64_t node, seq;
    assert_int_equal(aus_cl_folder_name(name, sizeof name, 100, 0x1234), AUS_OK);
    assert_string_equal(name, "b0000000000000064-0000000000001234.bundle");
    assert_int_equal(aus_cl_folder_parse(name, &node, &seq), AUS_OK);
    assert_int_equal(node, 100);
    assert_int_equal(seq, 0x1234);
    assert_int_equal(aus_cl_folder_name(name, sizeof name, 1, 0), AUS_E_ARG);
    assert_int_equal(aus_cl_folder_name(name, 20, 1, 1), AUS_E_NOBUFS);
}

static void test_parse_rejects(void **st)
{
    (void)st;
    uint64_t n, s;
    static const char *bad[] = {
        "",
        "b0000000000000064-0000000000001234.bundl",
        "b0000000000000064-0000000000001234.bundlex",
        "B0000000000000064-0000000000001234.bundle",
        "b000000000000006A-0000000000001234.bundle",
        "b0000000000000064_0000000000001234.bundle",
        "b0000000000000064-0000000000000000.bundle",
        "b0000000000000064-0000000000001234.bundle.tmp",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(aus_cl_folder_parse(bad[i], &n, &s), AUS_E_MALFORMED);
}

static void test_classify_and_order(void **st)
{
    (void)st;
    assert_int_equal(aus_cl_folder_classify("."), AUS_CL_SKIP);
    assert_int_equal(aus_cl_folder_classify(".hidden"), AUS_CL_SKIP);
    assert_int_equal(aus_cl_folder_classify("x.tmp"), AUS_CL_TMP);
    assert_int_equal(aus_cl_folder_classify("junk"), AUS_CL_OTHER);
    assert_int_equal(aus_cl_folder_classify("b0000000000000001-0000000000000002.bundle"),
                     AUS_CL_BUNDLE);
    char a[AUS_CL_NAME_MAX], b[AUS_CL_NAME_MAX];
    /* creation order = name order for every pair of sequence numbers tried */
    uint64_t rs = 7;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = tst_rand(&rs) | 1, y = tst_rand(&rs) | 1;
        assert_int_equal(aus_cl_folder_name(a, sizeof a, 5, x), AUS_OK);
        assert_int_equal(aus_cl_folder_name(b, sizeof b, 5, y), AUS_OK);
        int c = aus_cl_folder_cmp(a, b);
        assert_true(x < y ? c < 0 : (x > y ? c > 0 : c == 0));
    }
    /* odd names come after every well-formed one */
    assert_true(aus_cl_folder_cmp("a-junk", a) > 0);
    assert_true(aus_cl_folder_cmp(a, "zzz") < 0);
}

static void test_folder_io(void **st)
{
    (void)st;
    char dir[] = "/tmp/aus_cl_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in[300], quar[300];
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(quar, sizeof quar, "%s/q", dir);
    aus_fl w, r;
    assert_int_equal(aus_fl_open(&w, NULL, in, NULL, 1, 0), 0);
    assert_int_equal(aus_fl_open(&r, in, NULL, quar, 1, 64), 0);
    char name[AUS_CL_NAME_MAX];
    for (uint64_t s = 3; s >= 1; s--) {
        assert_int_equal(aus_cl_folder_name(name, sizeof name, 9, s), AUS_OK);
        uint8_t body[4] = {1, 2, 3, (uint8_t)s};
        assert_int_equal(aus_fl_write(&w, name, body, sizeof body), 0);
    }
    const char *nm[2] = {"b0000000000000009-0000000000000004.bundle",
                         "b0000000000000009-0000000000000005.bundle"};
    const uint8_t b1[1] = {4}, b2[1] = {5};
    const uint8_t *bufs[2] = {b1, b2};
    size_t lens[2] = {1, 1};
    assert_int_equal(aus_fl_write_batch(&w, nm, bufs, lens, 2), 0);
    /* junk: a symlink, an empty file, a big file, a partial .tmp (never listed) */
    char p[400];
    snprintf(p, sizeof p, "%s/evil link", in);
    assert_int_equal(symlink("/etc/passwd", p), 0);
    snprintf(p, sizeof p, "%s/empty", in);
    close(open(p, O_CREAT | O_WRONLY, 0600));
    snprintf(p, sizeof p, "%s/big", in);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < 100; i++)
        fputc('x', f);
    fclose(f);
    snprintf(p, sizeof p, "%s/partial.tmp", in);
    close(open(p, O_CREAT | O_WRONLY, 0600));

    char **names;
    long n = aus_fl_list(&r, &names, 0);
    assert_int_equal(n, 8);
    uint8_t *buf;
    size_t len;
    for (long i = 0; i < 5; i++) {
        assert_int_equal(aus_fl_read(&r, names[i], &buf, &len), AUS_FL_OK);
        assert_int_equal(len, i < 3 ? 4 : 1);
        assert_int_equal(buf[len - 1], (uint8_t)(i + 1)); /* creation order */
        free(buf);
        assert_int_equal(aus_fl_remove(&r, names[i]), 0);
    }
    int quarantined = 0;
    for (long i = 5; i < n; i++) {
        aus_fl_why why = aus_fl_read(&r, names[i], &buf, &len);
        assert_int_not_equal(why, AUS_FL_OK);
        assert_int_equal(aus_fl_quarantine(&r, names[i]), 0);
        quarantined++;
    }
    assert_int_equal(quarantined, 3);
    aus_fl_free_list(names, n);
    assert_int_equal(aus_fl_count(in), 0);
    /* the empty and the big file are kept, the link removed unread; INDEX records all three
     * (tests/unit/cl/test_folder_quarantine.c) */
    assert_int_equal(aus_fl_count(quar), 2 + 1);
    /* the symlink's target was not touched */
    struct stat sb;
    assert_int_equal(stat("/etc/passwd", &sb), 0);
    aus_fl_close(&w);
    aus_fl_close(&r);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_roundtrip),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_classify_and_order),
        cmocka_unit_test(test_folder_io),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
