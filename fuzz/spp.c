/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: Space / Encapsulation Packet decoders, APID demux, reassembly (CCSDS 133.0/133.1). */
#include <stddef.h>
#include <stdint.h>

#include "australis/spp.h"

static void sink(void *u, const aus_spp_pkt *p)
{
    size_t *n = u;
    *n += p->data_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_spp_demux d;
    static uint8_t rbuf[4096];
    size_t seen = 0;
    aus_spp_demux_init(&d);
    if (aus_spp_demux_route(&d, 0, 0x3FF, sink, &seen) != AUS_OK)
        return 0;
    aus_spp_reasm r;
    aus_spp_reasm_init(&r, rbuf, sizeof rbuf);
    /* walk the input as a stream of concatenated packets */
    size_t pos = 0;
    while (pos < size) {
        size_t total = 0;
        if (aus_ccsds_packet_len(data + pos, size - pos, &total) != AUS_OK || total == 0 ||
            total > size - pos)
            break;
        const uint8_t *p = data + pos;
        aus_spp_pkt pkt;
        if (aus_spp_decode(p, total, &pkt) == AUS_OK) {
            const uint8_t *sdu;
            size_t sl;
            (void)aus_spp_demux_dispatch(&d, p, total);
            if (aus_spp_reasm_push(&r, &pkt, &sdu, &sl) == AUS_OK && sl > 0 && sdu[0] == 0xFF)
                seen++;
        }
        aus_encap_pkt e;
        if (aus_encap_decode(p, total, &e) == AUS_OK && e.data_len > 0 && e.data[0] == 0)
            seen++;
        (void)aus_ccsds_packet_is_idle(p, total);
        pos += total;
    }
    return 0;
}
