/* SPDX-License-Identifier: Apache-2.0 */
/* Space Packet codec, segmentation and reassembly (CCSDS 133.0-B-2). */
#include <string.h>

#include "australis/spp.h"
#include "spp_internal.h"

aus_err aus_ccsds_packet_len(const uint8_t *p, size_t avail, size_t *total)
{
    AUS_ENSURE(p != NULL || avail == 0, AUS_E_ARG);
    AUS_ENSURE(avail >= 1, AUS_E_TRUNC);
    unsigned pvn = (unsigned)(p[0] >> 5);
    if (pvn == AUS_PVN_SPACE_PACKET) {
        AUS_ENSURE(avail >= AUS_SPP_HDR_LEN, AUS_E_TRUNC);
        /* CCSDS 133.0-B-2 §4.1.3.5.3: the length field is (data octets - 1). */
        *total = AUS_SPP_HDR_LEN + 1u + (((size_t)p[4] << 8) | p[5]);
        return AUS_OK;
    }
    AUS_ENSURE(pvn == AUS_PVN_ENCAP, AUS_E_UNSUPPORTED);
    /* CCSDS 133.1-B-3 §4.1.2: header of 1, 2, 4 or 8 octets by the Length of Length. */
    static const uint8_t hdr_len[4] = {1, 2, 4, 8};
    unsigned lol = p[0] & 3u;
    size_t hl = hdr_len[lol];
    if (lol == 0) {
        *total = 1; /* idle; a non-idle pid with LoL 0 is rejected by aus_encap_decode */
        return AUS_OK;
    }
    AUS_ENSURE(avail >= hl, AUS_E_TRUNC);
    uint64_t len = 0;
    size_t lo = (lol == 1) ? 1 : (lol == 2) ? 2 : 4;
    for (size_t i = lo; i < hl; i++)
        len = (len << 8) | p[i];
    /* 133.1 Packet Length counts the whole packet, header included (§4.1.2.5). */
    AUS_ENSURE(len >= hl, AUS_E_MALFORMED);
    AUS_ENSURE(len <= (uint64_t)SIZE_MAX, AUS_E_LIMIT);
    *total = (size_t)len;
    return AUS_OK;
}

aus_err aus_spp_decode(const uint8_t *p, size_t n, aus_spp_pkt *out)
{
    aus_spp_pkt pkt;
    AUS_TRY(spp_decode_inline(p, n, &pkt));
    *out = pkt; /* written only on success */
    return AUS_OK;
}

static aus_err put_header(aus_wr *w, const aus_spp_hdr *h, size_t data_len)
{
    AUS_ENSURE(h->type <= 1 && h->sec_hdr <= 1 && h->apid <= AUS_SPP_APID_MAX, AUS_E_ARG);
    AUS_ENSURE(h->seq_flags <= 3 && h->seq_count < AUS_SPP_SEQ_MOD, AUS_E_ARG);
    AUS_ENSURE(data_len >= 1 && data_len <= AUS_SPP_MAX_DATA, AUS_E_ARG);
    AUS_ENSURE(aus_wr_left(w) >= AUS_SPP_HDR_LEN + data_len || w->base == NULL, AUS_E_NOBUFS);
    aus_wr_be16(w, (uint16_t)((unsigned)h->type << 12 | (unsigned)h->sec_hdr << 11 | h->apid));
    aus_wr_be16(w, (uint16_t)((unsigned)h->seq_flags << 14 | h->seq_count));
    aus_wr_be16(w, (uint16_t)(data_len - 1u));
    return w->err;
}

aus_err aus_spp_encode(aus_wr *w, const aus_spp_hdr *h, const uint8_t *data, size_t data_len)
{
    AUS_ENSURE(data != NULL, AUS_E_ARG);
    AUS_TRY(put_header(w, h, data_len));
    aus_wr_bytes(w, data, data_len);
    return w->err;
}

aus_err aus_spp_encode_idle(aus_wr *w, size_t total_len, uint16_t seq_count)
{
    AUS_ENSURE(total_len >= AUS_SPP_HDR_LEN + 1u && total_len <= AUS_SPP_MAX_LEN, AUS_E_ARG);
    aus_spp_hdr h = {AUS_SPP_TM, 0, AUS_SPP_APID_IDLE, AUS_SPP_SEQ_UNSEG,
                     (uint16_t)(seq_count % AUS_SPP_SEQ_MOD)};
    AUS_TRY(put_header(w, &h, total_len - AUS_SPP_HDR_LEN));
    aus_wr_fill(w, 0x55, total_len - AUS_SPP_HDR_LEN);
    return w->err;
}

aus_err aus_spp_tx_init(aus_spp_tx *tx, uint8_t type, uint16_t apid, size_t max_data)
{
    AUS_ENSURE(type <= 1 && apid < AUS_SPP_APID_IDLE, AUS_E_ARG);
    AUS_ENSURE(max_data >= 1 && max_data <= AUS_SPP_MAX_DATA, AUS_E_ARG);
    memset(tx, 0, sizeof *tx);
    tx->tmpl.type = type;
    tx->tmpl.apid = apid;
    tx->max_data = max_data;
    return AUS_OK;
}

aus_err aus_spp_tx_segment(aus_spp_tx *tx, const uint8_t *sdu, size_t n, size_t *off, aus_wr *w)
{
    AUS_ENSURE(sdu != NULL && n > 0 && *off < n, AUS_E_ARG);
    size_t left = n - *off;
    size_t take = left < tx->max_data ? left : tx->max_data;
    aus_spp_hdr h = tx->tmpl;
    /* 133.0 §4.1.3.4.2.2: 01 first, 00 continuation, 10 last, 11 unsegmented. */
    bool first = (*off == 0), last = (take == left);
    h.seq_flags = first ? (last ? AUS_SPP_SEQ_UNSEG : AUS_SPP_SEQ_FIRST)
                        : (last ? AUS_SPP_SEQ_LAST : AUS_SPP_SEQ_CONT);
    h.seq_count = tx->next_seq;
    AUS_TRY(aus_spp_encode(w, &h, sdu + *off, take));
    tx->next_seq = (uint16_t)((tx->next_seq + 1u) % AUS_SPP_SEQ_MOD);
    *off += take;
    return AUS_OK;
}

void aus_spp_reasm_init(aus_spp_reasm *r, uint8_t *buf, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->cap = cap;
}

static aus_err reasm_append(aus_spp_reasm *r, const aus_spp_pkt *pkt)
{
    if (pkt->data_len > r->cap - r->have) {
        r->active = false;
        r->have = 0;
        return AUS_E_LIMIT;
    }
    memcpy(r->buf + r->have, pkt->data, pkt->data_len);
    r->have += pkt->data_len;
    r->next_seq = (uint16_t)((pkt->hdr.seq_count + 1u) % AUS_SPP_SEQ_MOD);
    return AUS_OK;
}

aus_err aus_spp_reasm_push(aus_spp_reasm *r, const aus_spp_pkt *pkt, const uint8_t **sdu,
                           size_t *sdu_len)
{
    unsigned fl = pkt->hdr.seq_flags;
    if (r->active && (fl == AUS_SPP_SEQ_FIRST || fl == AUS_SPP_SEQ_UNSEG)) {
        r->lost++; /* the open SDU never got its last segment */
        r->active = false;
    }
    if (fl == AUS_SPP_SEQ_UNSEG) {
        *sdu = pkt->data;
        *sdu_len = pkt->data_len;
        return AUS_OK;
    }
    if (fl == AUS_SPP_SEQ_FIRST) {
        r->active = true;
        r->have = 0;
        AUS_TRY(reasm_append(r, pkt));
        return AUS_E_AGAIN;
    }
    AUS_ENSURE(r->active, AUS_E_MALFORMED);
    if (pkt->hdr.seq_count != r->next_seq) {
        /* 133.0 §4.1.3.4.3: a count gap means a lost segment; the SDU cannot be rebuilt. */
        r->active = false;
        r->have = 0;
        r->lost++;
        return AUS_E_TRUNC;
    }
    AUS_TRY(reasm_append(r, pkt));
    if (fl == AUS_SPP_SEQ_CONT)
        return AUS_E_AGAIN;
    r->active = false;
    *sdu = r->buf;
    *sdu_len = r->have;
    return AUS_OK;
}

bool aus_ccsds_packet_is_idle(const uint8_t *p, size_t n)
{
    if (n < 1)
        return false;
    unsigned pvn = (unsigned)(p[0] >> 5);
    if (pvn == AUS_PVN_ENCAP)
        return ((p[0] >> 2) & 7u) == AUS_ENCAP_PID_IDLE;
    if (pvn == AUS_PVN_SPACE_PACKET && n >= 2)
        return ((((unsigned)p[0] << 8) | p[1]) & 0x7FFu) == AUS_SPP_APID_IDLE;
    return false;
}
