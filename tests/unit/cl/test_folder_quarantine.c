/* SPDX-License-Identifier: Apache-2.0 */
/* The folder link's quarantine (port/posix/folder_quarantine.c): names bounded by construction,
 * files and bytes bounded (oldest dropped first), a record of every refusal in INDEX with its
 * own bound, counters that survive a restart, and entries that can be neither moved nor removed
 * never offered again. */
#include "aus_test.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folder_link.h"

typedef struct world {
    char dir[64], in[128], quar[128];
} world;

static void mkworld(world *w)
{
    snprintf(w->dir, sizeof w->dir, "/tmp/aus_flq_XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->in, sizeof w->in, "%s/in", w->dir);
    snprintf(w->quar, sizeof w->quar, "%s/q", w->dir);
}

static void rmworld(world *w)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
}

static void put(const world *w, const char *name, size_t len)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", w->in, name);
    int fd = open(p, O_CREAT | O_WRONLY | O_EXCL, 0600);
    assert_true(fd >= 0);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(write(fd, "j", 1), 1);
    close(fd);
}

/* Lines of quarantine/FILE holding " WHAT size=" (0 if absent). */
static int records(const world *w, const char *file, const char *what)
{
    char p[200], line[4096], pat[32];
    snprintf(p, sizeof p, "%s/%s", w->quar, file);
    snprintf(pat, sizeof pat, " %s size=", what);
    FILE *f = fopen(p, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, pat) != NULL;
    if (f)
        fclose(f);
    return n;
}

static int contains(const world *w, const char *file, const char *text)
{
    char p[200];
    static char buf[1 << 16];
    snprintf(p, sizeof p, "%s/%s", w->quar, file);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

static long fsize(const world *w, const char *file)
{
    char p[200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", w->quar, file);
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void test_long_name(void **st)
{
    (void)st;
    world w;
    mkworld(&w);
    aus_fl fl;
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), 0);
    char name[NAME_MAX + 1];
    memset(name, 'L', NAME_MAX);
    name[NAME_MAX] = '\0';
    name[10] = '\n'; /* a newline and a quote cannot add a record or end the name */
    name[11] = '"';
    put(&w, name, 7);
    aus_flq_out q;
    assert_int_equal(aus_fl_refuse(&fl, name, "junk", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_KEPT);
    assert_int_equal(q.size, 7);
    assert_true(strlen(q.as) <= 1 + 20 + 1 + 9 + 1 + 20 + 1 + AUS_FL_QPREFIX_MAX);
    assert_non_null(strstr(q.as, "-LLLLLLLLLL__LLL")); /* sanitised prefix */
    assert_int_equal(aus_fl_count(w.in), 0);
    assert_int_equal(fl.qs.files, 1);
    assert_int_equal(fl.qs.bytes, 7);
    assert_int_equal(records(&w, "INDEX", "kept"), 1);
    assert_true(contains(&w, "INDEX", "name=\"LLLLLLLLLL\\n\\x22LLL"));
    assert_true(contains(&w, "INDEX", "reason=\"junk\""));
    /* the whole name is there: 243 more L before the closing quote */
    char tail[NAME_MAX + 8];
    memset(tail, 'L', NAME_MAX - 12);
    snprintf(tail + NAME_MAX - 12, 8, "\" #ref");
    assert_true(contains(&w, "INDEX", tail));
    /* gone from the folder: a second refusal of the same name records nothing */
    assert_int_equal(aus_fl_refuse(&fl, name, "junk", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_GONE);
    assert_int_equal(fl.qs.refused, 1);
    aus_fl_close(&fl);
    rmworld(&w);
}

static void test_bounds_and_restart(void **st)
{
    (void)st;
    world w;
    mkworld(&w);
    aus_fl fl;
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), 0);
    assert_int_equal(aus_fl_quar_bounds(&fl, 5, 1 << 20), 0);
    char name[32];
    uint64_t dropped = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "junk-%02d", i);
        put(&w, name, 10);
        aus_flq_out q;
        assert_int_equal(aus_fl_refuse(&fl, name, "junk", &q), 0);
        assert_int_equal(q.what, AUS_FLQ_KEPT);
        assert_int_equal(q.dropped, i >= 5);
        dropped += q.dropped;
    }
    assert_int_equal(dropped, 15);
    assert_int_equal(fl.qs.files, 5);
    assert_int_equal(fl.qs.bytes, 50);
    assert_int_equal(fl.qs.refused, 20);
    assert_int_equal(fl.qs.dropped, 15);
    assert_int_equal(fl.qs.dropped_bytes, 150);
    assert_int_equal(aus_fl_count(w.quar), 5 + 1); /* + INDEX */
    assert_int_equal(records(&w, "INDEX", "kept"), 20);
    assert_int_equal(records(&w, "INDEX", "dropped"), 15);
    aus_fl_close(&fl);

    /* restart: the folder is scanned (oldest first by the names' time), the totals read back */
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), 0);
    assert_int_equal(fl.qs.files, 5);
    assert_int_equal(fl.qs.bytes, 50);
    assert_int_equal(fl.qs.refused, 20);
    assert_int_equal(fl.qs.dropped, 15);
    /* a lowered bound drops the oldest at once: junk-15..17 go, junk-18 and -19 stay */
    assert_int_equal(aus_fl_quar_bounds(&fl, 100, 25), 3);
    assert_int_equal(fl.qs.files, 2);
    assert_int_equal(fl.qs.dropped, 18);
    assert_non_null(strstr(fl.q[fl.qhead].name, "-junk-18"));
    assert_non_null(strstr(fl.q[fl.qhead + 1].name, "-junk-19"));
    /* larger than the whole byte bound: removed unread, recorded, counted */
    put(&w, "big", 26);
    aus_flq_out q;
    assert_int_equal(aus_fl_refuse(&fl, "big", "too big", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_REMOVED);
    assert_int_equal(fl.qs.unkept, 1);
    assert_int_equal(fl.qs.files, 2);
    assert_true(contains(&w, "INDEX", "larger than the quarantine's bounds"));
    /* max_files 0: nothing kept, every refusal still recorded */
    assert_int_equal(aus_fl_quar_bounds(&fl, 0, 25), 2);
    put(&w, "small", 1);
    assert_int_equal(aus_fl_refuse(&fl, "small", "junk", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_REMOVED);
    assert_int_equal(aus_fl_count(w.quar), 1); /* INDEX only */
    assert_int_equal(fl.qs.refused, 22);
    aus_fl_close(&fl);
    rmworld(&w);
}

static void test_index_rotation(void **st)
{
    (void)st;
    world w;
    mkworld(&w);
    aus_fl fl;
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), 0);
    fl.index_max = 600;
    char name[32];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "r-%02d", i);
        put(&w, name, 3);
        assert_int_equal(aus_fl_refuse(&fl, name, "junk", NULL), 0);
    }
    assert_true(fsize(&w, "INDEX") > 0 && fsize(&w, "INDEX") <= 600);
    assert_true(fsize(&w, "INDEX.1") > 0 && fsize(&w, "INDEX.1") <= 600);
    assert_true(contains(&w, "INDEX", "name=\"r-29\""));
    aus_fl_close(&fl);
    /* the totals come back from the last record, also when INDEX was just rotated away */
    char p[200], p1[200];
    snprintf(p, sizeof p, "%s/INDEX", w.quar);
    snprintf(p1, sizeof p1, "%s/INDEX.1", w.quar);
    assert_int_equal(rename(p, p1), 0);
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), 0);
    assert_int_equal(fl.qs.refused, 30);
    aus_fl_close(&fl);
    /* a torn last line (a crash mid-write) is skipped; a forged total inside a name is not
     * taken: only the last " #refused=" of a line is ours */
    FILE *f = fopen(p1, "a");
    assert_non_null(f);
    fputs("2026-01-01T00:00:00.000000000Z kept size=1 as=x reason=\"x\" name=\"a #refused=999 "
          "dropped=9 dropped_bytes=9 unkept=9\" #refused=31 dropped=0 dropped_bytes=0 unkept=0\n"
          "2026-01-01T00:00:00.000000000Z kept size=1 as=x reason=\"x\" name=\"torn #refused=77",
          f);
    fclose(f);
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), 0);
    assert_int_equal(fl.qs.refused, 31);
    assert_int_equal(fl.qs.unkept, 0);
    aus_fl_close(&fl);
    rmworld(&w);
}

static void test_left_and_not_regular(void **st)
{
    (void)st;
    world w;
    mkworld(&w);
    aus_fl fl;
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 64), 0);
    char p[300];
    snprintf(p, sizeof p, "%s/full-dir", w.in);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/full-dir/inner", w.in);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/fifo", w.in);
    assert_int_equal(mkfifo(p, 0600), 0);
    snprintf(p, sizeof p, "%s/link", w.in);
    assert_int_equal(symlink("/etc/passwd", p), 0);
    put(&w, "regular", 3);
    /* a FIFO is refused without blocking; a link is not followed */
    uint8_t *buf;
    size_t len;
    assert_int_equal(aus_fl_read(&fl, "fifo", &buf, &len), AUS_FL_NOT_REGULAR);
    assert_int_equal(aus_fl_read(&fl, "link", &buf, &len), AUS_FL_NOT_REGULAR);
    assert_int_equal(aus_fl_read(&fl, "full-dir", &buf, &len), AUS_FL_NOT_REGULAR);
    aus_flq_out q;
    assert_int_equal(aus_fl_refuse(&fl, "fifo", "not regular", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_REMOVED);
    assert_int_equal(aus_fl_refuse(&fl, "link", "not regular", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_REMOVED);
    assert_int_equal(aus_fl_refuse(&fl, "full-dir", "not regular", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_LEFT);
    assert_int_equal(q.err, ENOTEMPTY);
    assert_int_equal(fl.qs.unkept, 3);
    assert_true(contains(&w, "INDEX", "not kept: a FIFO"));
    assert_true(contains(&w, "INDEX", "not kept: a symbolic link"));
    assert_true(contains(&w, "INDEX", " left size="));
    /* a second name of a file that lives elsewhere: only the incoming name goes */
    char other[200];
    put(&w, "linked", 4);
    snprintf(p, sizeof p, "%s/linked", w.in);
    snprintf(other, sizeof other, "%s/elsewhere", w.dir);
    assert_int_equal(link(p, other), 0);
    assert_int_equal(aus_fl_refuse(&fl, "linked", "junk", &q), 0);
    assert_int_equal(q.what, AUS_FLQ_REMOVED);
    assert_true(contains(&w, "INDEX", "not kept: a file with 2 hard links"));
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(fl.qs.files, 0);
    /* the directory stays, but is no longer offered to this process */
    char **names;
    long n = aus_fl_list(&fl, &names, 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "regular");
    aus_fl_free_list(names, n);
    aus_fl_close(&fl);
    /* the link's target is untouched */
    struct stat sb;
    assert_int_equal(lstat("/etc/passwd", &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    rmworld(&w);
}

static void test_planted_index(void **st)
{
    (void)st;
    world w;
    mkworld(&w);
    assert_int_equal(mkdir(w.quar, 0700), 0);
    char p[200];
    snprintf(p, sizeof p, "%s/INDEX", w.quar);
    assert_int_equal(symlink("/etc/passwd", p), 0);
    aus_fl fl;
    /* a link planted as INDEX is never written through: the folders do not open */
    assert_int_equal(aus_fl_open(&fl, w.in, NULL, w.quar, 0, 0), -1);
    assert_int_equal(errno, ELOOP);
    rmworld(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_name),      cmocka_unit_test(test_bounds_and_restart),
        cmocka_unit_test(test_index_rotation), cmocka_unit_test(test_left_and_not_regular),
        cmocka_unit_test(test_planted_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
