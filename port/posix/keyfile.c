/* SPDX-License-Identifier: Apache-2.0 */
/* Device key-encryption-key files: refuse anything but an owner-only regular file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/base.h"
#include "keyfile.h"
#include "posix_io.h"

static aus_err parse(const uint8_t *b, size_t n, uint8_t *key, size_t cap, size_t *len)
{
    AUS_ENSURE(cap >= 32, AUS_E_NOBUFS);
    if (n == 32) {
        memcpy(key, b, 32);
        *len = 32;
        return AUS_OK;
    }
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
        n--;
    AUS_ENSURE(n == 64 && aus_posix_hex_decode((const char *)b, n, key, 32) == 32, AUS_E_MALFORMED);
    *len = 32;
    return AUS_OK;
}

aus_err aus_keyfile_read(const char *path, uint8_t *key, size_t cap, size_t *len)
{
    AUS_ENSURE(path && key && len, AUS_E_ARG);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? AUS_E_PERM : AUS_E_IO;
    struct stat st;
    aus_err e = AUS_OK;
    if (fstat(fd, &st) != 0)
        e = AUS_E_IO;
    else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
        e = AUS_E_PERM; /* the daemon refuses a key file others could read or replace */
    uint8_t b[130];
    size_t n = 0;
    while (e == AUS_OK) {
        ssize_t r = read(fd, b + n, sizeof b - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = AUS_E_IO;
        else if (r == 0)
            break;
        else if ((n += (size_t)r) == sizeof b)
            e = AUS_E_MALFORMED;
    }
    close(fd);
    if (e == AUS_OK)
        e = parse(b, n, key, cap, len);
    aus_wipe(b, sizeof b);
    if (e != AUS_OK)
        aus_wipe(key, cap);
    return e;
}

aus_err aus_keyfile_write(const char *path, const uint8_t *key, size_t len)
{
    AUS_ENSURE(path && key && len > 0 && len <= 64, AUS_E_ARG);
    static const char hx[] = "0123456789abcdef";
    char b[130];
    for (size_t i = 0; i < len; i++) {
        b[2 * i] = hx[key[i] >> 4];
        b[2 * i + 1] = hx[key[i] & 15];
    }
    b[2 * len] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        aus_wipe(b, sizeof b);
        return AUS_E_IO;
    }
    aus_err e = aus_posix_write_all(fd, (const uint8_t *)b, 2 * len + 1);
    if (close(fd) != 0)
        e = AUS_E_IO;
    aus_wipe(b, sizeof b);
    if (e != AUS_OK)
        (void)unlink(path);
    return e;
}
