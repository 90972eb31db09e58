/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: TM CADU decoding (RS + randomizer), frame decoding and packet extraction.
 * Input: 2 octets of configuration, then frames / CADUs back to back. */
#include <stdint.h>
#include <string.h>

#include "australis/coding.h"
#include "australis/tm.h"

static void on_pkt(void *u, unsigned vcid, const uint8_t *p, size_t n)
{
    (void)vcid;
    size_t *s = u;
    *s += n + p[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_tm_rx rx;
    static uint8_t bufs[8][300];
    static uint8_t work[AUS_ASM_LEN + 255 * 8];
    if (size < 2)
        return 0;
    aus_tm_cfg c;
    memset(&c, 0, sizeof c);
    c.scid = 0x2A5;
    c.ocf = data[0] & 1;
    c.fecf = (data[0] >> 1) & 1;
    c.sec_hdr_len = (data[0] & 4) ? 3 : 0;
    c.vc[1].sdls_hdr_len = (data[0] & 8) ? 6 : 0;
    aus_tm_coding cod = {0, 0, (data[0] & 16) != 0};
    if (data[0] & 32) { /* RS with interleave 1..2 and virtual fill */
        cod.rs_interleave = (uint8_t)(1 + (data[1] & 1));
        cod.rs_pad = (uint8_t)(120 + (data[1] >> 1));
        c.frame_len = (uint16_t)aus_rs_data_len(cod.rs_interleave, cod.rs_pad);
    } else {
        c.frame_len = (uint16_t)(40 + data[1]);
    }
    size_t seen = 0;
    if (aus_tm_rx_init(&rx, &c, on_pkt, &seen) != AUS_OK)
        return 0;
    for (unsigned v = 0; v < 8; v++)
        if (aus_tm_rx_open(&rx, v, bufs[v], 8 + 40 * v) != AUS_OK)
            return 0;
    size_t cl = aus_tm_cadu_len(&cod, c.frame_len);
    if (cl == 0 || cl > sizeof work)
        return 0;
    for (size_t pos = 2; pos + cl <= size; pos += cl) {
        memcpy(work, data + pos, cl);
        if (!(data[0] & 64))
            memcpy(work, aus_tm_asm, AUS_ASM_LEN);
        uint8_t *fr;
        size_t fl;
        unsigned fixed;
        if (aus_tm_cadu_decode(&cod, work, cl, &fr, &fl, &fixed) != AUS_OK)
            continue;
        aus_tm_frame f;
        if (aus_tm_frame_decode(&c, fr, fl, &f) != AUS_OK)
            continue;
        aus_tm_rx_info info;
        (void)aus_tm_rx_extract(&rx, &f, &info);
    }
    return 0;
}
