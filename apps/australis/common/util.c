/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../port/posix/posix_io.h" /* apps see include/ and src/ only */
#include "util.h"

int cli_is_help(const char *s) { return s && (!strcmp(s, "-h") || !strcmp(s, "--help")); }

uint8_t *cli_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    uint8_t *p = malloc(cap);
    while (p) {
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            if (ferror(f)) {
                free(p);
                p = NULL;
            }
            break;
        }
        uint8_t *q = realloc(p, cap * 2);
        if (!q) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    if (f != stdin)
        fclose(f);
    if (p)
        *len = n;
    return p;
}

/* A target that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written in
 * place: renaming over it would replace a device node with a file (as root, /dev/null itself).
 * Otherwise a temporary of our own (O_EXCL|O_NOFOLLOW: never a planted file or link) is
 * written, synced and renamed over the target, so a reader never sees a partial file. */
int cli_write_file(const char *path, const uint8_t *p, size_t n)
{
    if (!strcmp(path, "-"))
        return fwrite(p, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : -1;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        size_t off = 0; /* no fsync: a FIFO or device has nothing to sync (EINVAL) */
        while (off < n) {
            ssize_t w = write(fd, p + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        return close(fd) == 0 && off == n ? 0 : -1;
    }
    static unsigned seq;
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 48);
    if (!tmp)
        return -1;
    snprintf(tmp, pl + 48, "%s.%ld.%u.tmp", path, (long)getpid(), seq++);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    int rc = -1;
    if (fd >= 0) {
        if (aus_posix_write_all(fd, p, n) == AUS_OK) /* written and fsynced */
            rc = 0;
        if (close(fd) != 0)
            rc = -1;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = -1;
        if (rc != 0)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}

long cli_hex(const char *hex, uint8_t *out, size_t cap)
{
    return aus_posix_hex_decode(hex, strlen(hex), out, cap);
}

int cli_u64(const char *s, uint64_t max, uint64_t *v)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end || x > max)
        return -1;
    *v = x;
    return 0;
}

char *cli_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fputs("australis: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
