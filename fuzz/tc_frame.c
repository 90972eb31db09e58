/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: TC frame decoding, MAP reassembly (with or without segment header: config bit 1)
 * and BC control commands (a decoded command re-encodes to the same octets). Input: 1 config
 * octet, then frames. */
#include <stdint.h>
#include <string.h>

#include "australis/tc.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_tc_reasm r;
    static uint8_t bufs[4][512];
    if (size < 1)
        return 0;
    aus_tc_cfg c = {123, (data[0] & 1) != 0, (data[0] & 2) != 0, 1024, 0};
    aus_tc_reasm_init(&r);
    for (uint8_t m = 0; m < 4; m++)
        if (aus_tc_reasm_set_map(&r, m, bufs[m], sizeof bufs[m] - 100u * m) != AUS_OK)
            return 0;
    size_t pos = 1;
    while (pos < size) {
        aus_tc_frame f;
        size_t used = 0;
        aus_err e = aus_tc_frame_decode(&c, data + pos, size - pos, &f, &used);
        if (e != AUS_OK)
            break;
        if (f.hdr.ctrl) {
            aus_tc_ctrl cc;
            if (aus_tc_ctrl_decode(f.data, f.data_len, &cc) == AUS_OK) {
                uint8_t back[4];
                aus_wr w;
                aus_wr_init(&w, back, sizeof back);
                if (aus_tc_ctrl_encode(&w, &cc) != AUS_OK || w.off != f.data_len ||
                    memcmp(back, f.data, w.off) != 0)
                    abort();
            }
        } else if (f.has_seg) {
            const uint8_t *sdu;
            size_t sl;
            if (aus_tc_reasm_push(&r, f.seg_flags, f.map_id, f.data, f.data_len, &sdu, &sl) ==
                    AUS_OK &&
                sl > 0 && sdu[sl - 1] == 0x42)
                pos++;
        }
        pos += used;
    }
    return 0;
}
