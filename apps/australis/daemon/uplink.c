/* SPDX-License-Identifier: Apache-2.0 */
/* The file uplink's file work (docs/daemon.md, "File uplink"); the protocol and its state are
 * the application core's (src/app/app_sat.c and app_ground.c, "file uplink").
 *
 * Satellite: an upload's temporary is "<uploads>/.up-<id, 16 hex>.part" (opened O_NOFOLLOW, a
 * regular file of ours, mode 0600); when every chunk is in and the SHA-256 agrees it is synced
 * and renamed to its name in the uploads folder ([sat] uploads, default data_dir) in one step,
 * then the folder is synced: a reader sees the old file or the whole new one, never a part.
 * Ground: the local file is read chunk by chunk when each is sent. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/crypto.h"
#include "daemon.h"
#include "uplink.h"

static const char *up_folder(const dmn_node *n)
{
    return n->cfg.uploads[0] ? n->cfg.uploads : n->cfg.data_dir;
}

static void part_name(char *out, size_t cap, uint64_t id)
{
    snprintf(out, cap, ".up-%016llx.part", (unsigned long long)id);
}

int dmn_sha256_fd(int fd, uint64_t size, uint8_t sha[32])
{
    void *p = size ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (p == MAP_FAILED)
        return -1;
    aus_iov iov = {p, (size_t)size};
    const aus_crypto *c = aus_crypto_default();
    aus_err e = c->ops->hash(c->self, AUS_HASH_SHA256, &iov, 1, sha, 32);
    if (p)
        munmap(p, (size_t)size);
    return e == AUS_OK ? 0 : -1;
}

/* The temporary of upload id; -1 with errno. fresh: a new one (whatever stands at its name, a
 * planted symlink, FIFO or hard link included, is unlinked, never followed, then the name is
 * created O_EXCL, mode 0600); else the existing one, only if it is a regular file of ours with
 * one link (O_NOFOLLOW, and O_NONBLOCK so that a FIFO cannot hang the daemon). */
static int part_open(dmn_node *n, uint64_t id, int flags, int fresh, int *dfd)
{
    char name[40];
    struct stat st;
    part_name(name, sizeof name, id);
    *dfd = open(up_folder(n), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dfd < 0 && errno == ENOENT && n->cfg.uploads[0] && mkdir(n->cfg.uploads, 0700) == 0)
        *dfd = open(up_folder(n), O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* made like the others */
    if (*dfd < 0)
        return -1;
    if (fresh && unlinkat(*dfd, name, 0) != 0 && errno != ENOENT) {
        int err = errno;
        close(*dfd);
        errno = err;
        return -1;
    }
    int fd =
        openat(*dfd, name,
               flags | (fresh ? O_CREAT | O_EXCL : 0) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
                    st.st_nlink != 1)) {
        close(fd);
        errno = EPERM;
        fd = -1;
    }
    if (fd < 0) {
        int err = errno;
        close(*dfd);
        errno = err;
    }
    return fd;
}

aus_err dmn_up_write(void *ctx, uint64_t id, int first, uint64_t off, const uint8_t *p, size_t len)
{
    dmn_node *n = ctx;
    int dfd = -1, fd = part_open(n, id, O_WRONLY, first, &dfd);
    if (fd < 0) {
        dmn_log("upload id=%llu: cannot open its temporary in %s: %s", (unsigned long long)id,
                up_folder(n), strerror(errno));
        return AUS_E_IO;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t k = pwrite(fd, p + done, len - done, (off_t)(off + done));
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    int ok = done == len;
    close(fd);
    close(dfd);
    return ok ? AUS_OK : AUS_E_IO;
}

aus_err dmn_up_hash(void *ctx, uint64_t id, uint64_t size, uint8_t sha256[32])
{
    dmn_node *n = ctx;
    int dfd = -1, fd = part_open(n, id, O_RDWR, 0, &dfd);
    if (fd < 0)
        return AUS_E_IO;
    int ok = ftruncate(fd, (off_t)size) == 0 && dmn_sha256_fd(fd, size, sha256) == 0;
    close(fd);
    close(dfd);
    return ok ? AUS_OK : AUS_E_IO;
}

aus_err dmn_up_place(void *ctx, uint64_t id, const aus_app_view *name)
{
    dmn_node *n = ctx;
    char part[40], to[256];
    int dfd = -1, fd = part_open(n, id, O_RDONLY, 0, &dfd);
    if (fd < 0 || name->n >= sizeof to) {
        if (fd >= 0) {
            close(fd);
            close(dfd);
        }
        return AUS_E_IO;
    }
    memcpy(to, name->p, name->n); /* a plain name: the core checked it (app_sat.c up_name_ok) */
    to[name->n] = '\0';
    part_name(part, sizeof part, id);
    int ok = fsync(fd) == 0 && renameat(dfd, part, dfd, to) == 0 && fsync(dfd) == 0;
    int err = errno;
    close(fd);
    close(dfd);
    if (!ok) {
        dmn_log("upload id=%llu: cannot place %s in %s: %s", (unsigned long long)id, to,
                up_folder(n), strerror(err));
        return AUS_E_IO;
    }
    dmn_log("upload id=%llu: %s/%s written (SHA-256 verified)", (unsigned long long)id,
            up_folder(n), to);
    return AUS_OK;
}

void dmn_up_discard(void *ctx, uint64_t id)
{
    dmn_node *n = ctx;
    char part[40];
    int dfd = open(up_folder(n), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    part_name(part, sizeof part, id);
    if (dfd >= 0) {
        (void)unlinkat(dfd, part, 0);
        close(dfd);
    }
}

aus_err dmn_up_read(void *ctx, const aus_app_view *local, uint64_t off, uint8_t *buf, size_t len,
                    char *why, size_t cap)
{
    char path[DMN_PATH];
    (void)ctx;
    snprintf(path, sizeof path, "%.*s", (int)local->n, (const char *)local->p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t done = 0;
    while (fd >= 0 && done < len) {
        ssize_t k = pread(fd, buf + done, len - done, (off_t)(off + done));
        if (k <= 0) {
            errno = k == 0 ? ESPIPE : errno; /* shorter than when it was submitted */
            break;
        }
        done += (size_t)k;
    }
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (done == len)
        return AUS_OK;
    snprintf(why, cap, "cannot read %s: %s", path,
             err == ESPIPE ? "the file is shorter than when it was submitted" : strerror(err));
    return AUS_E_IO;
}

int dmn_up_local(const char *path, uint64_t *size, uint8_t sha256[32], char *why, size_t cap)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "cannot upload %s: %s", path,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    int ok = dmn_sha256_fd(fd, *size, sha256) == 0;
    close(fd);
    if (!ok)
        snprintf(why, cap, "cannot read %s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}
