/* SPDX-License-Identifier: Apache-2.0 */
/* Space Packet header decoding shared by spp_packet.c and spp_demux.c (inlined into the APID
 * demultiplexer's hot path). Private to src/ccsds. */
#ifndef AUS_SPP_INTERNAL_H
#define AUS_SPP_INTERNAL_H

#include "australis/spp.h"

/* Decode exactly one Space Packet occupying all n octets (see aus_spp_decode). Two bounded
 * views from the cursor; the remaining-length check is the cursor's inline aus_rd_left. */
static inline aus_err spp_decode_inline(const uint8_t *p, size_t n, aus_spp_pkt *out)
{
    aus_rd r = {p, n, 0, AUS_OK};
    if (p == NULL)
        r.len = 0;
    const uint8_t *h = aus_rd_view(&r, AUS_SPP_HDR_LEN);
    if (h == NULL)
        return AUS_E_TRUNC;
    /* 133.0 §4.1.3.2: packet version number 000. */
    if ((h[0] >> 5) != AUS_PVN_SPACE_PACKET)
        return AUS_E_UNSUPPORTED;
    /* 133.0 §4.1.3.5.3: the length field is (data octets - 1). */
    size_t data_len = (((size_t)h[4] << 8) | h[5]) + 1u;
    size_t left = aus_rd_left(&r);
    if (left != data_len)
        return left < data_len ? AUS_E_TRUNC : AUS_E_TRAILING;
    out->data = aus_rd_view(&r, data_len);
    out->data_len = data_len;
    out->hdr.type = (uint8_t)((h[0] >> 4) & 1u);
    out->hdr.sec_hdr = (uint8_t)((h[0] >> 3) & 1u);
    out->hdr.apid = (uint16_t)(((unsigned)(h[0] & 7u) << 8) | h[1]);
    out->hdr.seq_flags = (uint8_t)(h[2] >> 6);
    out->hdr.seq_count = (uint16_t)(((unsigned)(h[2] & 0x3Fu) << 8) | h[3]);
    return AUS_OK;
}

#endif
