/* SPDX-License-Identifier: Apache-2.0 */
/* The folder link's group commit (port/posix/folder_link.c, aus_fl_write_batch): every file of
 * a batch is visible with its bytes after 0; after -1 nothing of the batch is left behind that
 * was not renamed (no temporaries), so the caller keeps the whole batch queued and writes it
 * again under the same names. */
#include "aus_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/cl.h"
#include "folder_link.h"

static char dir[128], out[200];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/aus_flb_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(out, sizeof out, "%s/out", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Every entry of the folder (temporaries included), except . and .. */
static int entries(const char *d, int *tmp)
{
    DIR *h = opendir(d);
    struct dirent *e;
    int n = 0;
    *tmp = 0;
    while (h && (e = readdir(h)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        *tmp += aus_cl_folder_classify(e->d_name) == AUS_CL_TMP;
    }
    if (h)
        closedir(h);
    return n;
}

static void check_file(const char *name, const uint8_t *p, size_t n)
{
    char path[600];
    uint8_t buf[64];
    snprintf(path, sizeof path, "%s/%s", out, name);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(read(fd, buf, sizeof buf), (ssize_t)n);
    assert_memory_equal(buf, p, n);
    close(fd);
}

static void names3(char nm[3][AUS_CL_NAME_MAX], const char *np[3], uint64_t first)
{
    for (int i = 0; i < 3; i++) {
        assert_int_equal(aus_cl_folder_name(nm[i], AUS_CL_NAME_MAX, 7, first + (uint64_t)i),
                         AUS_OK);
        np[i] = nm[i];
    }
}

static void test_batch_visible(void **st)
{
    (void)st;
    for (int fs = 0; fs < 2; fs++) {
        aus_fl w;
        assert_int_equal(aus_fl_open(&w, NULL, out, NULL, fs, 0), 0);
        char nm[3][AUS_CL_NAME_MAX];
        const char *np[3];
        names3(nm, np, 1 + 10 * (uint64_t)fs);
        const uint8_t a[3] = {1, 2, 3}, b[1] = {4}, c[5] = {5, 6, 7, 8, 9};
        const uint8_t *bufs[3] = {a, b, c};
        const size_t lens[3] = {3, 1, 5};
        assert_int_equal(aus_fl_write_batch(&w, np, bufs, lens, 3), 0);
        for (int i = 0; i < 3; i++)
            check_file(nm[i], bufs[i], lens[i]);
        /* a batch of one (fdatasync of that file instead of syncfs) */
        char one[AUS_CL_NAME_MAX];
        assert_int_equal(aus_cl_folder_name(one, sizeof one, 7, 5 + 10 * (uint64_t)fs), AUS_OK);
        const char *op[1] = {one};
        assert_int_equal(aus_fl_write_batch(&w, op, bufs + 2, lens + 2, 1), 0);
        check_file(one, c, 5);
        /* the same batch again (a crash before the store released it): same names, same bytes */
        assert_int_equal(aus_fl_write_batch(&w, np, bufs, lens, 3), 0);
        for (int i = 0; i < 3; i++)
            check_file(nm[i], bufs[i], lens[i]);
        int tmp;
        assert_int_equal(entries(out, &tmp), 4 * (fs + 1));
        assert_int_equal(tmp, 0);
        aus_fl_close(&w);
    }
}

static void test_batch_failure_leaves_nothing(void **st)
{
    (void)st;
    aus_fl w;
    assert_int_equal(aus_fl_open(&w, NULL, out, NULL, 1, 0), 0);
    char nm[3][AUS_CL_NAME_MAX];
    const char *np[3];
    names3(nm, np, 100);
    const uint8_t a[1] = {1};
    const uint8_t *bufs[3] = {a, a, a};
    const size_t lens[3] = {1, 1, 1};
    /* the third name cannot be written (too long for NAME.tmp): the two written before it
     * are not renamed and their temporaries are removed */
    char longname[AUS_CL_NAME_MAX + 20];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    np[2] = longname;
    errno = 0;
    assert_int_equal(aus_fl_write_batch(&w, np, bufs, lens, 3), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    int tmp;
    assert_int_equal(entries(out, &tmp), 0);
    /* something planted under the second temporary's name that cannot be removed (a non-empty
     * directory): the batch fails, nothing is renamed, the first temporary is gone, the
     * planted entry is left alone */
    np[2] = nm[2];
    char p[600], q[700];
    snprintf(p, sizeof p, "%s/%s%s", out, nm[1], AUS_CL_TMP_SUFFIX);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(q, sizeof q, "%s/inside", p);
    close(open(q, O_CREAT | O_WRONLY, 0600));
    assert_int_equal(aus_fl_write_batch(&w, np, bufs, lens, 3), -1);
    assert_int_equal(entries(out, &tmp), 1);
    assert_int_equal(tmp, 1); /* the planted directory only */
    assert_int_equal(aus_fl_count(out), 0);
    aus_fl_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_visible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_failure_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
