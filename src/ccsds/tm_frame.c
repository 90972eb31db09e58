/* SPDX-License-Identifier: Apache-2.0 */
/* TM Transfer Frame codec (CCSDS 132.0-B-3 §4.1). */
#include <string.h>

#include "australis/base.h"
#include "australis/tm.h"

static size_t trailer_len(const aus_tm_cfg *cfg)
{
    return (cfg->ocf ? AUS_TM_OCF_LEN : 0u) + (cfg->fecf ? AUS_TM_FECF_LEN : 0u);
}

static size_t overhead(const aus_tm_cfg *cfg, unsigned vcid)
{
    return AUS_TM_HDR_LEN + cfg->sec_hdr_len + cfg->vc[vcid].sdls_hdr_len +
           cfg->vc[vcid].sdls_trl_len + trailer_len(cfg);
}

aus_err aus_tm_cfg_check(const aus_tm_cfg *cfg)
{
    AUS_ENSURE(cfg != NULL && cfg->scid <= 0x3FFu, AUS_E_ARG);
    AUS_ENSURE(cfg->frame_len >= AUS_TM_HDR_LEN + 1u && cfg->frame_len <= AUS_TM_FRAME_MAX,
               AUS_E_ARG);
    /* 132.0 §4.1.3.2.3: secondary header length field is 6 bits (total 2..64 octets). */
    AUS_ENSURE(cfg->sec_hdr_len == 0 || (cfg->sec_hdr_len >= 2 && cfg->sec_hdr_len <= 64),
               AUS_E_ARG);
    for (unsigned v = 0; v < AUS_TM_VCS; v++)
        AUS_ENSURE(overhead(cfg, v) < cfg->frame_len, AUS_E_ARG);
    return AUS_OK;
}

size_t aus_tm_data_len(const aus_tm_cfg *cfg, unsigned vcid)
{
    if (vcid >= AUS_TM_VCS || aus_tm_cfg_check(cfg) != AUS_OK)
        return 0;
    return cfg->frame_len - overhead(cfg, vcid);
}

static bool hdr_ok(const aus_tm_hdr *h)
{
    return h->scid <= 0x3FFu && h->vcid < AUS_TM_VCS && h->sync_flag <= 1 && h->pkt_order <= 1 &&
           h->seg_len_id <= 3 && h->fhp <= 0x7FFu;
}

aus_err aus_tm_frame_encode(const aus_tm_cfg *cfg, const aus_tm_hdr *h, const uint8_t *data,
                            size_t data_len, uint32_t ocf, uint8_t *out, size_t cap)
{
    AUS_ENSURE(h != NULL && hdr_ok(h) && data != NULL && out != NULL, AUS_E_ARG);
    size_t dl = aus_tm_data_len(cfg, h->vcid);
    AUS_ENSURE(dl != 0 && dl == data_len && h->scid == cfg->scid, AUS_E_ARG);
    AUS_ENSURE(cap >= cfg->frame_len, AUS_E_NOBUFS);
    aus_wr w;
    aus_wr_init(&w, out, cfg->frame_len);
    /* 132.0 §4.1.2: version 00 | SCID | VCID | OCF flag, MC count, VC count, data field status */
    aus_wr_be16(&w,
                (uint16_t)((unsigned)h->scid << 4 | (unsigned)h->vcid << 1 | (cfg->ocf ? 1u : 0u)));
    aus_wr_u8(&w, h->mc_count);
    aus_wr_u8(&w, h->vc_count);
    unsigned sec = cfg->sec_hdr_len ? 1u : 0u;
    aus_wr_be16(&w,
                (uint16_t)(sec << 15 | (unsigned)h->sync_flag << 14 | (unsigned)h->pkt_order << 13 |
                           (unsigned)h->seg_len_id << 11 | h->fhp));
    if (sec) {
        /* 132.0 §4.1.3.2: version 00, length = total secondary header octets - 1. */
        aus_wr_u8(&w, (uint8_t)(cfg->sec_hdr_len - 1u));
        aus_wr_fill(&w, 0, cfg->sec_hdr_len - 1u);
    }
    aus_wr_fill(&w, 0, cfg->vc[h->vcid].sdls_hdr_len);
    aus_wr_bytes(&w, data, data_len);
    aus_wr_fill(&w, 0, cfg->vc[h->vcid].sdls_trl_len);
    if (cfg->ocf)
        aus_wr_be32(&w, ocf);
    if (cfg->fecf)
        aus_wr_be16(&w, 0); /* placeholder, set below */
    AUS_TRY(w.err);
    aus_tm_frame_set_fecf(cfg, out);
    return AUS_OK;
}

void aus_tm_frame_set_fecf(const aus_tm_cfg *cfg, uint8_t *frame)
{
    if (!cfg->fecf)
        return;
    /* 132.0 §4.1.6: CRC over every preceding octet of the frame. */
    size_t n = cfg->frame_len - AUS_TM_FECF_LEN;
    uint16_t crc = aus_crc16_ccitt(frame, n);
    frame[n] = (uint8_t)(crc >> 8);
    frame[n + 1] = (uint8_t)crc;
}

void aus_tm_hdr_parse(const uint8_t p[AUS_TM_HDR_LEN], aus_tm_hdr *h, uint8_t *version)
{
    unsigned id = (unsigned)p[0] << 8 | p[1], st = (unsigned)p[4] << 8 | p[5];
    *version = (uint8_t)(id >> 14);
    h->scid = (uint16_t)((id >> 4) & 0x3FFu);
    h->vcid = (uint8_t)((id >> 1) & 7u);
    h->ocf_flag = (uint8_t)(id & 1u);
    h->mc_count = p[2];
    h->vc_count = p[3];
    h->sec_hdr_flag = (uint8_t)(st >> 15);
    h->sync_flag = (uint8_t)((st >> 14) & 1u);
    h->pkt_order = (uint8_t)((st >> 13) & 1u);
    h->seg_len_id = (uint8_t)((st >> 11) & 3u);
    h->fhp = (uint16_t)(st & 0x7FFu);
}

static aus_err check_status(const aus_tm_cfg *cfg, const aus_tm_hdr *h, aus_rd *r, size_t *sh)
{
    *sh = 0;
    AUS_ENSURE(h->sec_hdr_flag == (cfg->sec_hdr_len ? 1u : 0u), AUS_E_MALFORMED);
    AUS_ENSURE(h->ocf_flag == (cfg->ocf ? 1u : 0u), AUS_E_MALFORMED);
    /* 132.0 §4.1.2.7.4-5: with the sync flag 0 the packet order flag is 0 and the segment
     * length id is 11. */
    if (h->sync_flag == 0)
        AUS_ENSURE(h->pkt_order == 0 && h->seg_len_id == 3, AUS_E_MALFORMED);
    if (h->sec_hdr_flag) {
        uint8_t id = aus_rd_u8(r);
        AUS_TRY(r->err);
        AUS_ENSURE((id >> 6) == 0 && (size_t)(id & 0x3Fu) + 1u == cfg->sec_hdr_len,
                   AUS_E_MALFORMED);
        *sh = cfg->sec_hdr_len;
    }
    return AUS_OK;
}

aus_err aus_tm_frame_decode(const aus_tm_cfg *cfg, uint8_t *frame, size_t n, aus_tm_frame *out)
{
    AUS_TRY(aus_tm_cfg_check(cfg));
    AUS_ENSURE(frame != NULL && out != NULL, AUS_E_ARG);
    AUS_ENSURE(n >= cfg->frame_len, AUS_E_TRUNC);
    AUS_ENSURE(n == cfg->frame_len, AUS_E_TRAILING);
    if (cfg->fecf) {
        size_t m = n - AUS_TM_FECF_LEN;
        uint16_t got = (uint16_t)((unsigned)frame[m] << 8 | frame[m + 1]);
        AUS_ENSURE(aus_crc16_ccitt(frame, m) == got, AUS_E_CRC);
    }
    aus_rd r;
    aus_rd_init(&r, frame, n);
    aus_rd_skip(&r, AUS_TM_HDR_LEN);
    AUS_TRY(r.err);
    aus_tm_frame f;
    memset(&f, 0, sizeof f);
    uint8_t version;
    aus_tm_hdr_parse(frame, &f.hdr, &version);
    AUS_ENSURE(version == 0, AUS_E_UNSUPPORTED); /* 132.0 §4.1.2.2.2: version 00 */
    AUS_ENSURE(f.hdr.scid == cfg->scid, AUS_E_NOTFOUND);
    size_t sh = 0;
    AUS_TRY(check_status(cfg, &f.hdr, &r, &sh));
    if (sh) {
        f.sec_hdr = frame;
        f.sec_hdr_len = sh;
        f.sec_hdr += AUS_TM_HDR_LEN;
        aus_rd_skip(&r, sh - 1u);
    }
    const aus_tm_vc_cfg *vc = &cfg->vc[f.hdr.vcid];
    size_t dl = aus_tm_data_len(cfg, f.hdr.vcid);
    size_t off = AUS_TM_HDR_LEN + sh;
    f.sdls_hdr = frame + off;
    f.sdls_hdr_len = vc->sdls_hdr_len;
    f.data = frame + off + vc->sdls_hdr_len;
    f.data_len = dl;
    f.sdls_trl = f.data + dl;
    f.sdls_trl_len = vc->sdls_trl_len;
    aus_rd_skip(&r, vc->sdls_hdr_len + dl + vc->sdls_trl_len);
    if (cfg->ocf)
        f.ocf = aus_rd_be32(&r);
    AUS_TRY(r.err);
    /* 132.0 §4.1.2.7.6: the FHP points inside the data field (or is one of 7FE / 7FF). */
    if (f.hdr.sync_flag == 0 && f.hdr.fhp < AUS_TM_FHP_IDLE)
        AUS_ENSURE(f.hdr.fhp < dl, AUS_E_MALFORMED);
    *out = f;
    return AUS_OK;
}
