/* SPDX-License-Identifier: Apache-2.0 */
/* Differential target: the CRCs this CPU runs (src/base/crc.c: SSE4.2 / PCLMULQDQ /
 * VPCLMULQDQ on x86-64, Armv8 CRC32C on aarch64) against the portable slicing-by-8 reference,
 * over the input at an offset and in two pieces chosen by its first octets (so every
 * alignment, length and split point of the hardware paths is reached). Aborts on a mismatch. */
#include <stdint.h>
#include <stdlib.h>

#include "australis/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    size_t off = data[0] % 64u, body = size - 6;
    uint32_t reg = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                   (uint32_t)data[4] << 24;
    if (off > body)
        off = body;
    const uint8_t *p = data + 6 + off;
    size_t n = body - off;
    size_t split = n ? (size_t)data[5] * n / 255u : 0;
    uint32_t a = aus_crc32c_update(aus_crc32c_update(reg, p, split), p + split, n - split);
    if (a != aus_crc32c_update_portable(reg, p, n))
        abort();
    uint16_t h = (uint16_t)reg;
    uint16_t x = aus_crc16_x25_update(aus_crc16_x25_update(h, p, split), p + split, n - split);
    if (x != aus_crc16_x25_update_portable(h, p, n))
        abort();
    return 0;
}
