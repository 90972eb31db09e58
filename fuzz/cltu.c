/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: CLTU decoding (BCH(63,56) in error-correcting mode) and the TC frame inside. */
#include <stdint.h>

#include "australis/coding.h"
#include "australis/tc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[AUS_TC_FRAME_MAX + AUS_BCH_INFO];
    if (size < 1)
        return 0;
    bool rnd = data[0] & 1;
    aus_tc_cfg c = {123, (data[0] & 2) != 0, (data[0] & 4) != 0, 1024, 0};
    size_t pos = 1;
    while (pos < size) {
        aus_cltu_result r;
        aus_err e = aus_cltu_decode(data + pos, size - pos, rnd, out, sizeof out, &r);
        if (e != AUS_OK)
            break;
        aus_tc_frame f;
        size_t used;
        if (aus_tc_frame_decode(&c, out, r.data_len, &f, &used) == AUS_OK && used > r.data_len)
            __builtin_trap();
        pos += r.consumed;
    }
    return 0;
}
