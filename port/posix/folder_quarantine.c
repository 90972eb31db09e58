/* SPDX-License-Identifier: Apache-2.0 */
/* The folder link's quarantine (port/posix/folder_link.h, docs/daemon.md "Quarantine").
 *
 * A peer or the operator's pipeline decides what lands in the incoming folder, so the
 * quarantine must never be where that input takes control (DESIGN.md §5a):
 *  - names: a quarantined file is named by us, "q<sec>.<nsec>-<counter>-<prefix>", the prefix
 *    being at most AUS_FL_QPREFIX_MAX bytes of the original name with every byte outside
 *    [A-Za-z0-9._-] replaced by '_': at most 1+20+1+9+1+20+1+48 = 101 bytes, far below
 *    NAME_MAX, so no incoming name can make the move fail (a 255-byte name used to, and was
 *    then read again on every scan). The full original name is kept, escaped, in INDEX.
 *  - never retried forever: if the move still fails (another file system, EIO, ...), the entry
 *    is removed unread; if even that fails (a non-empty directory, a read-only folder), it is
 *    left in place and remembered by (dev, ino) in a bounded ring that aus_fl_list consults,
 *    so this process judges it once. Each of these is counted (unkept) and recorded.
 *  - space: at most qmax_files files and qmax_bytes bytes are kept, the oldest deleted first
 *    (counted as dropped, each one an INDEX record). Only regular files are kept: a symbolic
 *    link, FIFO, device or socket has no content worth keeping, and a directory's content would
 *    escape the bounds, so they are removed (a non-empty directory is left, see above); a file
 *    with more than one hard link loses only its incoming name (we do not keep alive a file
 *    that is also elsewhere).
 *  - the record: quarantine/INDEX, one line per event, rotated to INDEX.1 beyond index_max
 *    bytes (so at most twice that on disk):
 *      2026-12-05T17:05:44.123456789Z kept size=41 as=q1764954344.123456789-3-junk
 *          reason="authentication failed (AUS_E_AUTH)" name="junk\x0aname"
 *          #refused=12 dropped=3 dropped_bytes=4096 unkept=0
 *    (one line). Events: kept, removed, left (refusals) and dropped (deleted by a bound, with
 *    the bound as reason). Strings are escaped: control bytes, '"', '\\', DEL and non-ASCII
 *    bytes as \xNN (\\ , \n, \t for the common ones). The trailing totals are cumulative, and
 *    read back from the last record at start, so the counts survive restarts.
 * No fsync: a move or record lost in a crash brings the junk back into the incoming folder,
 * where it is judged again; nothing is lost or repeated, and a flood of junk stays cheap.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2(2), RENAME_NOREPLACE */
#endif
#include "folder_link.h"
#include "posix_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INDEX_NAME "INDEX"
#define INDEX_OLD "INDEX.1"
#define TOTALS " #refused="

/* ---- escaping for INDEX records: aus_posix_escape with '"' escaped too ---- */
static size_t esc(char *out, size_t cap, const char *in)
{
    return aus_posix_escape(out, cap, in, strlen(in), 1);
}

/* ---- INDEX ---- */
static int index_reopen(aus_fl *fl)
{
    int fd = openat(fl->quar_fd, INDEX_NAME,
                    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EINVAL; /* something planted as INDEX: refused, never written through */
        fd = -1;
    }
    if (fd < 0)
        return -1;
    fl->index_fd = fd;
    fl->index_size = (uint64_t)st.st_size;
    return 0;
}

static void index_rotate(aus_fl *fl)
{
    close(fl->index_fd);
    fl->index_fd = -1;
    if (renameat(fl->quar_fd, INDEX_NAME, fl->quar_fd, INDEX_OLD) != 0)
        (void)unlinkat(fl->quar_fd, INDEX_NAME, 0); /* keep the bound even so */
    (void)index_reopen(fl);
}

/* One record; a failed write loses the record, never the daemon's progress. */
static void record(aus_fl *fl, const char *what, uint64_t size, const char *as, const char *reason,
                   const char *name)
{
    if (fl->index_fd < 0)
        return;
    char ts[40], er[4 * 160 + 1], en[4 * 256 + 1], line[sizeof er + sizeof en + 384];
    struct timespec t;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &t);
    gmtime_r(&t.tv_sec, &tm);
    size_t k = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + k, sizeof ts - k, ".%09ldZ", t.tv_nsec);
    esc(er, sizeof er, reason ? reason : "-");
    esc(en, sizeof en, name ? name : "-");
    int n = snprintf(line, sizeof line,
                     "%s %s size=%llu as=%s reason=\"%s\" name=\"%s\"" TOTALS
                     "%llu dropped=%llu dropped_bytes=%llu unkept=%llu\n",
                     ts, what, (unsigned long long)size, as && *as ? as : "-", er, en,
                     (unsigned long long)fl->qs.refused, (unsigned long long)fl->qs.dropped,
                     (unsigned long long)fl->qs.dropped_bytes, (unsigned long long)fl->qs.unkept);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    if (fl->index_size > 0 && fl->index_size + (uint64_t)n > fl->index_max)
        index_rotate(fl);
    if (fl->index_fd >= 0 && write(fl->index_fd, line, (size_t)n) == n)
        fl->index_size += (uint64_t)n;
}

/* The totals of the last complete record of INDEX (or of INDEX.1 when INDEX is empty). */
static int read_totals(aus_fl *fl, const char *file)
{
    int fd = openat(fl->quar_fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    char buf[4096 + 1];
    ssize_t r = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        off_t off = st.st_size > 4096 ? st.st_size - 4096 : 0;
        r = pread(fd, buf, 4096, off);
    }
    close(fd);
    if (r <= 0)
        return -1;
    buf[r] = '\0';
    while (r > 0 && buf[r - 1] != '\n') /* a torn last line: use the one before */
        buf[--r] = '\0';
    if (r > 0)
        buf[--r] = '\0';
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    char *t = NULL;
    for (char *p = line; (p = strstr(p, TOTALS)) != NULL; p++)
        t = p; /* the last one: a name before it is escaped text, ours comes at the end */
    unsigned long long a, b, c, d;
    if (!t ||
        sscanf(t, TOTALS "%llu dropped=%llu dropped_bytes=%llu unkept=%llu", &a, &b, &c, &d) != 4)
        return -1;
    fl->qs.refused = a;
    fl->qs.dropped = b;
    fl->qs.dropped_bytes = c;
    fl->qs.unkept = d;
    return 0;
}

/* ---- the files held, oldest first ---- */
static int push(aus_fl *fl, const char *name, uint64_t size)
{
    if (fl->qn == fl->qcap && fl->qhead > 0) {
        memmove(fl->q, fl->q + fl->qhead, (fl->qn - fl->qhead) * sizeof *fl->q);
        fl->qn -= fl->qhead;
        fl->qhead = 0;
    }
    if (fl->qn == fl->qcap) {
        size_t cap = fl->qcap ? 2 * fl->qcap : 64;
        aus_fl_qfile *v = realloc(fl->q, cap * sizeof *v);
        if (!v)
            return -1;
        fl->q = v;
        fl->qcap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    fl->q[fl->qn].name = copy;
    fl->q[fl->qn].size = size;
    fl->qn++;
    fl->qs.files++;
    fl->qs.bytes += size;
    return 0;
}

/* Delete the oldest files until both bounds hold. Returns the count; *bytes gets their size. */
static uint64_t enforce(aus_fl *fl, uint64_t *bytes)
{
    uint64_t n = 0, b = 0;
    while (fl->qhead < fl->qn && (fl->qs.files > fl->qmax_files || fl->qs.bytes > fl->qmax_bytes)) {
        aus_fl_qfile *e = &fl->q[fl->qhead++];
        const char *bound = fl->qs.files > fl->qmax_files ? "bound: files" : "bound: bytes";
        fl->qs.files--;
        fl->qs.bytes -= e->size;
        if (unlinkat(fl->quar_fd, e->name, 0) == 0 || errno == ENOENT) {
            fl->qs.dropped++;
            fl->qs.dropped_bytes += e->size;
            n++;
            b += e->size;
            record(fl, "dropped", e->size, e->name, bound, NULL);
        } else {
            record(fl, "lost-track", e->size, e->name, strerror(errno), NULL);
        }
        free(e->name);
        e->name = NULL;
    }
    if (fl->qhead == fl->qn)
        fl->qhead = fl->qn = 0;
    if (bytes)
        *bytes = b;
    return n;
}

uint64_t aus_fl_quar_bounds(aus_fl *fl, uint64_t max_files, uint64_t max_bytes)
{
    fl->qmax_files = max_files;
    fl->qmax_bytes = max_bytes;
    return fl->quar_fd >= 0 ? enforce(fl, NULL) : 0;
}

/* ---- start: what the folder holds, oldest first ---- */
typedef struct scan_ent {
    long long sec;
    long nsec;
    unsigned long ctr;
    uint64_t size;
    char *name;
} scan_ent;

static int cmp_age(const void *a, const void *b)
{
    const scan_ent *x = a, *y = b;
    if (x->sec != y->sec)
        return x->sec < y->sec ? -1 : 1;
    if (x->nsec != y->nsec)
        return x->nsec < y->nsec ? -1 : 1;
    if (x->ctr != y->ctr)
        return x->ctr < y->ctr ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Our names carry the time of the move; anything else is aged by its mtime. */
static void age_of(scan_ent *e, const char *name, const struct stat *st)
{
    long long sec;
    long nsec;
    unsigned long ctr;
    int used = 0;
    if (sscanf(name, "q%lld.%9ld-%lu-%n", &sec, &nsec, &ctr, &used) == 3 && used > 0) {
        e->sec = sec;
        e->nsec = nsec;
        e->ctr = ctr;
    } else {
        e->sec = (long long)st->st_mtim.tv_sec;
        e->nsec = st->st_mtim.tv_nsec;
        e->ctr = 0;
    }
}

static int scan(aus_fl *fl)
{
    int fd = dup(fl->quar_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d);
    size_t n = 0, cap = 0;
    scan_ent *v = NULL;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        struct stat st;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, INDEX_NAME) ||
            !strcmp(nm, INDEX_OLD))
            continue;
        if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue; /* only regular files are ever kept; older leftovers are not ours */
        if (n == cap) {
            size_t c2 = cap ? 2 * cap : 64;
            scan_ent *w = realloc(v, c2 * sizeof *w);
            if (!w) {
                rc = -1;
                break;
            }
            v = w;
            cap = c2;
        }
        age_of(&v[n], nm, &st);
        v[n].size = (uint64_t)st.st_size;
        if (!(v[n].name = strdup(nm))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, cmp_age);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && push(fl, v[i].name, v[i].size) != 0)
            rc = -1;
        free(v[i].name);
    }
    free(v);
    if (rc != 0)
        errno = ENOMEM;
    return rc;
}

int aus_fl_quar_open(aus_fl *fl)
{
    if (scan(fl) != 0)
        return -1;
    if (read_totals(fl, INDEX_NAME) != 0)
        (void)read_totals(fl, INDEX_OLD);
    if (index_reopen(fl) != 0)
        return -1;
    (void)enforce(fl, NULL);
    return 0;
}

void aus_fl_quar_close(aus_fl *fl)
{
    for (size_t i = fl->qhead; i < fl->qn; i++)
        free(fl->q[i].name);
    free(fl->q);
    fl->q = NULL;
    fl->qhead = fl->qn = fl->qcap = 0;
    fl->qs.files = fl->qs.bytes = 0;
    if (fl->index_fd >= 0)
        close(fl->index_fd);
    fl->index_fd = -1;
}

/* ---- entries that can be neither moved nor removed ---- */
int aus_fl_ignored(const aus_fl *fl, uint64_t dev, uint64_t ino)
{
    for (size_t i = 0; i < fl->nign; i++)
        if (fl->ign[i].dev == dev && fl->ign[i].ino == ino)
            return 1;
    return 0;
}

static void ignore(aus_fl *fl, const struct stat *st)
{
    if (aus_fl_ignored(fl, (uint64_t)st->st_dev, (uint64_t)st->st_ino))
        return;
    size_t i = fl->nign < AUS_FL_IGNORE_MAX ? fl->nign++ : fl->ign_next;
    fl->ign_next = (i + 1) % AUS_FL_IGNORE_MAX;
    fl->ign[i].dev = (uint64_t)st->st_dev;
    fl->ign[i].ino = (uint64_t)st->st_ino;
}

/* ---- refusal ---- */
static void qname(aus_fl *fl, const char *name, char *out, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char prefix[AUS_FL_QPREFIX_MAX + 1];
    size_t i = 0;
    for (; name[i] && i < AUS_FL_QPREFIX_MAX; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        prefix[i] = ok ? c : '_';
    }
    prefix[i] = '\0';
    snprintf(out, cap, "q%lld.%09ld-%lu-%s", (long long)ts.tv_sec, ts.tv_nsec, fl->qctr++, prefix);
}

/* Move name into the quarantine under a fresh name of ours (never replacing anything).
 * 0, or -1 with errno. */
static int move_in(aus_fl *fl, const char *name, char *as, size_t cap)
{
    for (int tries = 0; tries < 64; tries++) {
        qname(fl, name, as, cap);
        if (renameat2(fl->in_fd, name, fl->quar_fd, as, RENAME_NOREPLACE) == 0)
            return 0;
        if (errno == EEXIST)
            continue;
        if (errno != EINVAL && errno != ENOSYS)
            return -1;
        /* a file system without RENAME_NOREPLACE: our names are unique by construction
         * (time + counter); check anyway, the folder is ours */
        struct stat st;
        if (fstatat(fl->quar_fd, as, &st, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        return renameat(fl->in_fd, name, fl->quar_fd, as);
    }
    errno = EEXIST;
    return -1;
}

/* After the move: what arrived is what we judged (a regular file), else it goes. */
static int settle(aus_fl *fl, const char *name, const char *as, uint64_t *size)
{
    struct stat st;
    if (fstatat(fl->quar_fd, as, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
    /* swapped for something else between our look and the move: removed, or (a directory
     * with content, which would escape the bounds) put back, to be judged and left there */
    if (unlinkat(fl->quar_fd, as, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
        (void)renameat2(fl->quar_fd, as, fl->in_fd, name, RENAME_NOREPLACE);
    return -1;
}

static const char *kind(mode_t m)
{
    return S_ISLNK(m)                 ? "symbolic link"
           : S_ISDIR(m)               ? "directory"
           : S_ISFIFO(m)              ? "FIFO"
           : S_ISSOCK(m)              ? "socket"
           : S_ISCHR(m) || S_ISBLK(m) ? "device"
                                      : "regular file";
}

static void remove_unread(aus_fl *fl, const char *name, const char *reason, const struct stat *st,
                          const char *why_not, aus_flq_out *out)
{
    char full[512];
    int rm = unlinkat(fl->in_fd, name, S_ISDIR(st->st_mode) ? AT_REMOVEDIR : 0);
    if (rm != 0 && errno == ENOENT) {
        out->what = AUS_FLQ_GONE;
        return;
    }
    if (rm != 0 && !out->err)
        out->err = errno;
    out->what = rm == 0 ? AUS_FLQ_REMOVED : AUS_FLQ_LEFT;
    if (rm != 0)
        ignore(fl, st);
    fl->qs.refused++;
    fl->qs.unkept++;
    snprintf(full, sizeof full, "%s; not kept: %s%s%s", reason, why_not,
             rm == 0 ? "" : "; left in place: ", rm == 0 ? "" : strerror(out->err));
    record(fl, rm == 0 ? "removed" : "left", out->size, NULL, full, name);
}

int aus_fl_refuse(aus_fl *fl, const char *name, const char *reason, aus_flq_out *out)
{
    aus_flq_out spare;
    if (!out)
        out = &spare;
    memset(out, 0, sizeof *out);
    if (!reason)
        reason = "refused";
    struct stat st;
    if (fstatat(fl->in_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            return -1;
        out->what = AUS_FLQ_GONE;
        return 0;
    }
    out->size = (uint64_t)st.st_size;
    if (fl->quar_fd < 0) {
        remove_unread(fl, name, reason, &st, "no quarantine folder", out);
        return 0;
    }
    char why_not[160];
    if (!S_ISREG(st.st_mode)) {
        snprintf(why_not, sizeof why_not, "a %s", kind(st.st_mode));
    } else if ((uint64_t)st.st_size > fl->qmax_bytes || fl->qmax_files == 0) {
        snprintf(why_not, sizeof why_not, "larger than the quarantine's bounds");
    } else if (st.st_nlink != 1) {
        /* a second name of a file kept elsewhere (perhaps not ours to keep alive): only the
         * incoming name goes */
        snprintf(why_not, sizeof why_not, "a file with %llu hard links",
                 (unsigned long long)st.st_nlink);
    } else if (move_in(fl, name, out->as, sizeof out->as) != 0) {
        if (errno == ENOENT) {
            out->what = AUS_FLQ_GONE;
            return 0;
        }
        out->err = errno;
        snprintf(why_not, sizeof why_not, "cannot move it: %s", strerror(errno));
        out->as[0] = '\0';
    } else {
        fl->qs.refused++;
        if (settle(fl, name, out->as, &out->size) != 0) {
            fl->qs.unkept++;
            out->what = AUS_FLQ_REMOVED;
            record(fl, "removed", out->size, NULL, "replaced by something else meanwhile", name);
            out->as[0] = '\0';
            return 0;
        }
        out->what = AUS_FLQ_KEPT;
        if (push(fl, out->as, out->size) != 0) { /* cannot track it: do not keep it */
            (void)unlinkat(fl->quar_fd, out->as, 0);
            fl->qs.unkept++;
            out->what = AUS_FLQ_REMOVED;
            record(fl, "removed", out->size, NULL, "out of memory", name);
            out->as[0] = '\0';
            return 0;
        }
        record(fl, "kept", out->size, out->as, reason, name);
        out->dropped = enforce(fl, &out->dropped_bytes);
        return 0;
    }
    remove_unread(fl, name, reason, &st, why_not, out);
    return 0;
}

int aus_fl_quarantine(aus_fl *fl, const char *name)
{
    return aus_fl_refuse(fl, name, "refused", NULL);
}
