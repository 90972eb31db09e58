/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz UDPCL datagram handling (port/posix/udpcl_posix.c): the input is a sequence of
 * datagrams (2-byte big-endian length, then the bytes); each is a whole bundle, a fragment
 * kept for reassembly, or junk. Never a crash or leak; a bundle handed up decodes and is at
 * most max_bundle octets; junk is counted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "udpcl_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_udpcl_rx rx;
    static aus_bpv7_bundle b;
    aus_udpcl_rx_init(&rx, 4096);
    size_t at = 0;
    uint64_t now = 0;
    while (at + 2 <= size) {
        size_t n = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (n > size - at)
            n = size - at;
        uint8_t *out = NULL;
        size_t len = 0;
        uint64_t junk = rx.junk;
        int r = aus_udpcl_rx_datagram(&rx, data + at, n, now += 1000, &out, &len);
        if (r > 0 && (!out || len > 4096 || aus_bpv7_decode(&b, out, len, 0) != AUS_OK))
            abort();
        if (r < 0 && rx.junk != junk + 1)
            abort();
        free(out);
        at += n;
    }
    aus_udpcl_rx_free(&rx);
    return 0;
}
