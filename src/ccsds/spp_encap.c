/* SPDX-License-Identifier: Apache-2.0 */
/* Encapsulation Packets (CCSDS 133.1-B-3), used to carry bundles (protocol id 100 = BP). */
#include "australis/spp.h"

aus_err aus_encap_encode(aus_wr *w, uint8_t pid, const uint8_t *data, size_t data_len)
{
    AUS_ENSURE(pid >= 1 && pid <= 7 && data != NULL && data_len > 0, AUS_E_ARG);
    /* 133.1 §4.1.2.5: Packet Length = the whole packet including its header. */
    uint8_t lol;
    size_t hl;
    if (data_len <= 255u - 2u) {
        lol = 1, hl = 2;
    } else if (data_len <= 65535u - 4u) {
        lol = 2, hl = 4;
    } else {
        AUS_ENSURE(data_len <= 0xFFFFFFFFu - 8u, AUS_E_LIMIT);
        lol = 3, hl = 8;
    }
    size_t total = hl + data_len;
    aus_wr_u8(w, (uint8_t)(AUS_PVN_ENCAP << 5 | (unsigned)pid << 2 | lol));
    if (lol == 1) {
        aus_wr_u8(w, (uint8_t)total);
    } else if (lol == 2) {
        aus_wr_u8(w, 0); /* user defined field and protocol id extension: 0 (as HDTN) */
        aus_wr_be16(w, (uint16_t)total);
    } else {
        aus_wr_u8(w, 0);
        aus_wr_be16(w, 0); /* CCSDS defined field */
        aus_wr_be32(w, (uint32_t)total);
    }
    aus_wr_bytes(w, data, data_len);
    return w->err;
}

aus_err aus_encap_decode(const uint8_t *p, size_t n, aus_encap_pkt *out)
{
    aus_rd r;
    aus_rd_init(&r, p, n);
    uint8_t b0 = aus_rd_u8(&r);
    AUS_TRY(r.err);
    AUS_ENSURE((b0 >> 5) == AUS_PVN_ENCAP, AUS_E_UNSUPPORTED);
    aus_encap_pkt e = {0};
    e.pid = (uint8_t)((b0 >> 2) & 7u);
    e.lol = (uint8_t)(b0 & 3u);
    uint64_t total = 1;
    size_t hl = 1;
    if (e.lol == 0) {
        /* 133.1 §4.1.2.4.4: a 1-octet packet is only allowed for idle (protocol id 000). */
        AUS_ENSURE(e.pid == AUS_ENCAP_PID_IDLE, AUS_E_MALFORMED);
    } else if (e.lol == 1) {
        total = aus_rd_u8(&r), hl = 2;
    } else {
        uint8_t b1 = aus_rd_u8(&r);
        e.udf = (uint8_t)(b1 >> 4);
        e.pid_ext = (uint8_t)(b1 & 15u);
        if (e.lol == 2) {
            total = aus_rd_be16(&r), hl = 4;
        } else {
            e.ccsds_defined = aus_rd_be16(&r);
            total = aus_rd_be32(&r), hl = 8;
        }
    }
    AUS_TRY(r.err);
    AUS_ENSURE(total >= hl, AUS_E_MALFORMED);
    size_t dl = (size_t)(total - hl);
    e.data = aus_rd_view(&r, dl);
    e.data_len = dl;
    AUS_TRY(r.err);
    AUS_TRY(aus_rd_finish(&r));
    *out = e;
    return AUS_OK;
}
