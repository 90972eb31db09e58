/* SPDX-License-Identifier: Apache-2.0 */
/* Small POSIX helpers shared by the port and the CLI (see posix_io.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "posix_io.h"

aus_err aus_posix_write_full(int fd, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return AUS_E_IO;
        off += (size_t)w;
    }
    return AUS_OK;
}

aus_err aus_posix_write_all(int fd, const uint8_t *p, size_t n)
{
    if (aus_posix_write_full(fd, p, n) != AUS_OK)
        return AUS_E_IO;
    return fsync(fd) == 0 ? AUS_OK : AUS_E_IO;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long aus_posix_hex_decode(const char *hex, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int h = hex_digit(hex[2 * i]), l = hex_digit(hex[2 * i + 1]);
        if (h < 0 || l < 0)
            return -1;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return (long)(n / 2);
}

size_t aus_posix_escape(char *out, size_t cap, const char *in, size_t len, int quote)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && cap > 0; i++) {
        unsigned char c = (unsigned char)in[i];
        char e[4] = {(char)c, 0, 0, 0};
        size_t n = 1;
        if (c == '\\' || c == '\n' || c == '\t') {
            e[0] = '\\';
            e[1] = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
            n = 2;
        } else if (c < 0x20 || c >= 0x7f || (quote && c == '"')) {
            e[0] = '\\';
            e[1] = 'x';
            e[2] = hex[c >> 4];
            e[3] = hex[c & 15];
            n = 4;
        }
        if (o + n >= cap)
            break;
        memcpy(out + o, e, n);
        o += n;
    }
    if (cap > 0)
        out[o] = '\0';
    return o;
}
