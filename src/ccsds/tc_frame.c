/* SPDX-License-Identifier: Apache-2.0 */
/* TC Transfer Frame codec, MAP segmentation and reassembly (CCSDS 232.0-B-4 §4). */
#include <string.h>

#include "australis/base.h"
#include "australis/tc.h"

static size_t fixed_overhead(const aus_tc_cfg *cfg)
{
    return AUS_TC_HDR_LEN + (cfg->seg_hdr ? 1u : 0u) + (cfg->fecf ? AUS_TC_FECF_LEN : 0u) +
           cfg->sdls_overhead;
}

aus_err aus_tc_cfg_check(const aus_tc_cfg *cfg)
{
    AUS_ENSURE(cfg != NULL && cfg->scid <= 0x3FFu, AUS_E_ARG);
    AUS_ENSURE(cfg->max_len <= AUS_TC_MAX_LEN && fixed_overhead(cfg) < cfg->max_len, AUS_E_ARG);
    return AUS_OK;
}

size_t aus_tc_max_data(const aus_tc_cfg *cfg)
{
    if (aus_tc_cfg_check(cfg) != AUS_OK)
        return 0;
    return cfg->max_len - fixed_overhead(cfg);
}

void aus_tc_frame_set_fecf(uint8_t *frame, size_t len)
{
    /* 232.0 §4.1.4: CRC-16/CCITT-FALSE over every preceding octet of the frame. */
    uint16_t crc = aus_crc16_ccitt(frame, len - AUS_TC_FECF_LEN);
    frame[len - 2] = (uint8_t)(crc >> 8);
    frame[len - 1] = (uint8_t)crc;
}

aus_err aus_tc_frame_encode(aus_wr *w, const aus_tc_cfg *cfg, const aus_tc_hdr *h,
                            uint8_t seg_flags, uint8_t map_id, const uint8_t *data, size_t data_len)
{
    AUS_TRY(aus_tc_cfg_check(cfg));
    AUS_ENSURE(h != NULL && data != NULL && data_len > 0, AUS_E_ARG);
    AUS_ENSURE(h->bypass <= 1 && h->ctrl <= 1 && h->scid == cfg->scid && h->vcid <= 63, AUS_E_ARG);
    /* 232.0 §4.1.2.3: control command flag 1 with bypass 0 is reserved. */
    AUS_ENSURE(!(h->ctrl && !h->bypass), AUS_E_ARG);
    AUS_ENSURE(seg_flags <= 3 && map_id <= 63, AUS_E_ARG);
    bool seg = cfg->seg_hdr && !h->ctrl;
    size_t len = AUS_TC_HDR_LEN + (seg ? 1u : 0u) + data_len + (cfg->fecf ? AUS_TC_FECF_LEN : 0u);
    AUS_ENSURE(len + cfg->sdls_overhead <= cfg->max_len, AUS_E_LIMIT);
    AUS_ENSURE(w->base == NULL || aus_wr_left(w) >= len, AUS_E_NOBUFS);
    size_t start = w->off;
    aus_wr_be16(w, (uint16_t)((unsigned)h->bypass << 13 | (unsigned)h->ctrl << 12 | h->scid));
    aus_wr_be16(w, (uint16_t)((unsigned)h->vcid << 10 | (unsigned)(len - 1u)));
    aus_wr_u8(w, h->fsn);
    if (seg)
        aus_wr_u8(w, (uint8_t)((unsigned)seg_flags << 6 | map_id));
    aus_wr_bytes(w, data, data_len);
    if (cfg->fecf)
        aus_wr_be16(w, 0);
    AUS_TRY(w->err);
    if (cfg->fecf && w->base != NULL)
        aus_tc_frame_set_fecf(w->base + start, len);
    return AUS_OK;
}

void aus_tc_hdr_parse(const uint8_t p[AUS_TC_HDR_LEN], aus_tc_hdr *h, uint8_t *version,
                      uint16_t *len_field)
{
    unsigned a = (unsigned)p[0] << 8 | p[1], b = (unsigned)p[2] << 8 | p[3];
    *version = (uint8_t)(a >> 14);
    h->bypass = (uint8_t)((a >> 13) & 1u);
    h->ctrl = (uint8_t)((a >> 12) & 1u);
    h->scid = (uint16_t)(a & 0x3FFu);
    h->vcid = (uint8_t)(b >> 10);
    *len_field = (uint16_t)(b & 0x3FFu);
    h->fsn = p[4];
}

aus_err aus_tc_frame_decode(const aus_tc_cfg *cfg, const uint8_t *p, size_t n, aus_tc_frame *out,
                            size_t *used)
{
    AUS_TRY(aus_tc_cfg_check(cfg));
    AUS_ENSURE(p != NULL && out != NULL, AUS_E_ARG);
    aus_rd r;
    aus_rd_init(&r, p, n);
    uint16_t a = aus_rd_be16(&r);
    uint16_t b = aus_rd_be16(&r);
    aus_tc_frame f;
    memset(&f, 0, sizeof f);
    f.hdr.fsn = aus_rd_u8(&r);
    AUS_TRY(r.err);
    AUS_ENSURE((a >> 14) == 0, AUS_E_UNSUPPORTED);      /* 232.0 §4.1.2.2.2: version 00 */
    AUS_ENSURE(((a >> 10) & 3u) == 0, AUS_E_MALFORMED); /* §4.1.2.4: spare bits 00 */
    f.hdr.bypass = (uint8_t)((a >> 13) & 1u);
    f.hdr.ctrl = (uint8_t)((a >> 12) & 1u);
    AUS_ENSURE(!(f.hdr.ctrl && !f.hdr.bypass), AUS_E_MALFORMED);
    f.hdr.scid = (uint16_t)(a & 0x3FFu);
    f.hdr.vcid = (uint8_t)(b >> 10);
    f.len = (size_t)(b & 0x3FFu) + 1u;
    AUS_ENSURE(f.len <= n, AUS_E_TRUNC);
    bool seg = cfg->seg_hdr && !f.hdr.ctrl;
    size_t min = AUS_TC_HDR_LEN + (seg ? 1u : 0u) + (cfg->fecf ? AUS_TC_FECF_LEN : 0u) + 1u;
    AUS_ENSURE(f.len >= min, AUS_E_MALFORMED);
    if (cfg->fecf) {
        uint16_t got = (uint16_t)((unsigned)p[f.len - 2] << 8 | p[f.len - 1]);
        AUS_ENSURE(aus_crc16_ccitt(p, f.len - AUS_TC_FECF_LEN) == got, AUS_E_CRC);
    }
    AUS_ENSURE(f.hdr.scid == cfg->scid, AUS_E_NOTFOUND);
    if (seg) {
        uint8_t s = aus_rd_u8(&r);
        f.has_seg = true;
        f.seg_flags = (uint8_t)(s >> 6);
        f.map_id = (uint8_t)(s & 0x3Fu);
    }
    f.data_len = f.len - r.off - (cfg->fecf ? AUS_TC_FECF_LEN : 0u);
    f.data = aus_rd_view(&r, f.data_len);
    AUS_TRY(r.err);
    *out = f;
    if (used)
        *used = f.len;
    return AUS_OK;
}

aus_err aus_tc_segment(aus_wr *w, const aus_tc_cfg *cfg, const aus_tc_hdr *h, uint8_t map_id,
                       const uint8_t *sdu, size_t n, size_t *off)
{
    AUS_ENSURE(cfg != NULL && h != NULL && !h->ctrl, AUS_E_ARG);
    AUS_ENSURE(sdu != NULL && off != NULL && n > 0 && *off < n, AUS_E_ARG);
    size_t max = aus_tc_max_data(cfg);
    AUS_ENSURE(max > 0, AUS_E_ARG);
    size_t left = n - *off, take = left < max ? left : max;
    bool first = (*off == 0), last = (take == left);
    /* 232.0 §4.1.3.2.2: 01 first, 00 continuing, 10 last, 11 no segmentation. (Without a
     * segment header, aus_tc_frame_encode writes none of this.) */
    uint8_t fl = first ? (last ? AUS_TC_SEG_UNSEG : AUS_TC_SEG_FIRST)
                       : (last ? AUS_TC_SEG_LAST : AUS_TC_SEG_CONT);
    AUS_TRY(aus_tc_frame_encode(w, cfg, h, fl, map_id, sdu + *off, take));
    *off += take;
    return AUS_OK;
}

const char *aus_tc_frame_type_str(const aus_tc_hdr *h)
{
    /* 232.0 §4.1.2.3: bypass flag and control command flag give the frame type */
    if (!h->ctrl)
        return h->bypass ? "BD" : "AD";
    return h->bypass ? "BC" : "reserved";
}

aus_err aus_tc_ctrl_decode(const uint8_t *d, size_t n, aus_tc_ctrl *out)
{
    AUS_ENSURE(out != NULL && (d != NULL || n == 0), AUS_E_ARG);
    /* 232.0 §4.1.3.3.2 / 232.1 §3: Unlock = 00, Set V(R) = 82 00 VR; nothing else */
    if (n == 1 && d[0] == 0x00) {
        out->cmd = AUS_TC_CMD_UNLOCK;
        out->vr = 0;
        return AUS_OK;
    }
    if (n == 3 && d[0] == 0x82 && d[1] == 0x00) {
        out->cmd = AUS_TC_CMD_SET_VR;
        out->vr = d[2];
        return AUS_OK;
    }
    return AUS_E_MALFORMED;
}

aus_err aus_tc_ctrl_encode(aus_wr *w, const aus_tc_ctrl *c)
{
    AUS_ENSURE(w != NULL && c != NULL, AUS_E_ARG);
    if (c->cmd == AUS_TC_CMD_UNLOCK) {
        aus_wr_u8(w, 0x00);
    } else if (c->cmd == AUS_TC_CMD_SET_VR) {
        aus_wr_u8(w, 0x82);
        aus_wr_u8(w, 0x00);
        aus_wr_u8(w, c->vr);
    } else {
        return AUS_E_ARG;
    }
    return w->err;
}

const char *aus_tc_ctrl_str(uint8_t cmd)
{
    return cmd == AUS_TC_CMD_UNLOCK ? "unlock" : cmd == AUS_TC_CMD_SET_VR ? "set_vr" : "invalid";
}

void aus_tc_reasm_init(aus_tc_reasm *r) { memset(r, 0, sizeof *r); }

aus_err aus_tc_reasm_set_map(aus_tc_reasm *r, uint8_t map_id, uint8_t *buf, size_t cap)
{
    AUS_ENSURE(map_id < AUS_TC_MAPS && buf != NULL && cap > 0, AUS_E_ARG);
    r->map[map_id].buf = buf;
    r->map[map_id].cap = cap;
    r->map[map_id].have = 0;
    r->map[map_id].active = false;
    return AUS_OK;
}

aus_err aus_tc_reasm_push(aus_tc_reasm *r, uint8_t seg_flags, uint8_t map_id, const uint8_t *data,
                          size_t n, const uint8_t **sdu, size_t *sdu_len)
{
    AUS_ENSURE(seg_flags <= 3, AUS_E_MALFORMED);
    AUS_ENSURE(map_id < AUS_TC_MAPS && r->map[map_id].buf != NULL, AUS_E_NOTFOUND);
    aus_tc_reasm_slot *m = &r->map[map_id];
    if (seg_flags == AUS_TC_SEG_FIRST || seg_flags == AUS_TC_SEG_UNSEG) {
        if (m->active)
            r->lost++;
        m->active = false;
        m->have = 0;
        if (seg_flags == AUS_TC_SEG_UNSEG) {
            *sdu = data;
            *sdu_len = n;
            return AUS_OK;
        }
    } else {
        AUS_ENSURE(m->active, AUS_E_MALFORMED);
    }
    if (n > m->cap - m->have) {
        m->active = false;
        m->have = 0;
        return AUS_E_LIMIT;
    }
    memcpy(m->buf + m->have, data, n);
    m->have += n;
    m->active = true;
    if (seg_flags != AUS_TC_SEG_LAST)
        return AUS_E_AGAIN;
    m->active = false;
    *sdu = m->buf;
    *sdu_len = m->have;
    return AUS_OK;
}
