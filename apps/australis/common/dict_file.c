/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a dictionary file (DESIGN.md §5a: opened without following a link, fstat'ed, a
 * regular file of bounded size) and parsing it with src/app/dict.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dict_file.h"
#include "util.h"

static char *read_bounded(const char *path, size_t *len, int *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    char *p = NULL;
    *err = 0;
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    } else if (st.st_size > AUS_DICT_FILE_MAX) {
        *err = EFBIG;
    } else if ((p = malloc((size_t)st.st_size + 1)) != NULL) {
        size_t at = 0;
        ssize_t r;
        while (at <= (size_t)st.st_size &&
               (r = read(fd, p + at, (size_t)st.st_size + 1 - at)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                *err = errno;
                break;
            }
            at += (size_t)r;
        }
        if (at > (size_t)st.st_size) /* grew while we read */
            *err = EFBIG;
        *len = at;
    } else
        *err = ENOMEM;
    close(fd);
    if (*err) {
        free(p);
        return NULL;
    }
    return p;
}

dict_file *dict_file_load(const char *path, int *exit_code)
{
    int err;
    dict_file *f = calloc(1, sizeof *f);
    if (!f) {
        cli_err("%s: out of memory", path);
        *exit_code = AUS_EXIT_ENV;
        return NULL;
    }
    f->text = read_bounded(path, &f->len, &err);
    if (!f->text) {
        if (err == EFBIG)
            cli_err("%s: a dictionary is at most %d bytes", path, AUS_DICT_FILE_MAX);
        else if (err == EINVAL || err == EISDIR)
            cli_err("%s: not a regular file (a dictionary is a text file, see "
                    "docs/dictionary.md)",
                    path);
        else if (err == ELOOP)
            cli_err("%s: is a symbolic link (refused: name the file itself)", path);
        else
            cli_err("%s: cannot read the dictionary: %s", path, strerror(err));
        *exit_code = AUS_EXIT_ENV;
        free(f);
        return NULL;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    f->d.pts = f->pts;
    f->d.cap_pts = DICT_MAX_POINTS;
    f->d.cmds = f->cmds;
    f->d.cap_cmds = DICT_MAX_CMDS;
    aus_dict_diag dg;
    aus_err e = aus_dict_parse(&f->d, f->text, f->len, &dg);
    if (e != AUS_OK) {
        char key[68];
        size_t kn = dg.key.n > 64 ? 64 : dg.key.n;
        for (size_t i = 0; i < kn; i++) /* the file's text: printable only */
            key[i] = dg.key.p[i] > 0x20 && dg.key.p[i] < 0x7f ? dg.key.p[i] : '?';
        key[kn] = '\0';
        if (kn)
            cli_err("%s:%u: '%s': %s", path, dg.line, key, aus_dict_perr_str(dg.rule));
        else
            cli_err("%s:%u: %s", path, dg.line, aus_dict_perr_str(dg.rule));
        *exit_code = AUS_EXIT_FAIL;
        dict_file_free(f);
        return NULL;
    }
    *exit_code = AUS_EXIT_OK;
    return f;
}

void dict_file_free(dict_file *f)
{
    if (!f)
        return;
    free(f->text);
    free(f);
}

void dict_version_hex(const aus_dict *d, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)d->version);
}
