/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer, downlink: sat (packets, TM frames with the CLCW, SDLS, RS, CADU)
 * -> ground (ASM sync, RS, TM frames, SDLS, CLCW to FOP-1, packet extraction).
 *
 * Sat, one pass (clc_down_out): the CLCW of FARM-1 goes in the OCF of every frame (232.0
 * §4.2.1, 132.0 §4.1.5); queued bundles become Space Packets (APID apid_bundle, 133.0
 * segmentation only above 65536 octets), EP replies Space Packets on apid_ep; packets span
 * frames of tm_vcid (132.0 §4.1.2.7 first header pointer); the last frame is completed with an
 * idle packet so that the file ends on a packet boundary; frames of tm_vcid holding one idle
 * packet bring the pass up to tm_min_frames. Frames of tm_vcid are SDLS-protected in place (355.0
 * §3.3); then RS(255,223) with the interleave implied by the frame length, pseudo-randomizer and
 * ASM (131.0 §9-10). Units are taken only while their frames are sure to fit in the caller's
 * buffer.
 *
 * Ground, one pass (clc_down_in): CADUs are fixed length and back to back; the ASM is
 * accepted with up to ASM_TOLERANCE bit errors (frame synchroniser practice, 131.0 §9 leaves
 * the search strategy open), else the next position that matches is searched (a slip).
 * Then de-randomize + RS (corrected symbols counted), frame decode (FECF, SCID), SDLS process
 * for tm_vcid, CLCW (of authentic frames only) -> FOP-1, packet extraction with loss detection
 * by the frame counters. Idle frames on VC 7 (from another sender) are counted and skipped.
 */
#include <string.h>

#include "australis/base.h"
#include "cl/cl_ccsds_int.h"

#define ASM_TOLERANCE 4u

static aus_err emit_tm(aus_cl_ccsds *c, uint8_t *frame, unsigned vcid, aus_wr *w, uint64_t now)
{
    if (vcid == c->cfg.tm_vcid) {
        AUS_TRY(aus_sdls_tm_apply(c->sdls, &c->tm_link_tx, c->cfg.tm_spi, frame,
                                  c->cfg.tm_frame_len, now));
        aus_tm_frame_set_fecf(&c->tm, frame);
    } else {
        c->st.tm_idle_tx++;
    }
    uint8_t *dst = aus_wr_reserve(w, c->cadu_len);
    AUS_ENSURE(dst != NULL, AUS_E_NOBUFS);
    AUS_TRY(aus_tm_cadu_encode(&c->coding, frame, c->cfg.tm_frame_len, dst, c->cadu_len));
    c->st.tm_tx++;
    c->st.down_bytes_tx += c->cadu_len;
    return AUS_OK;
}

static aus_err pull(aus_cl_ccsds *c, bool flush, aus_wr *w, uint64_t now, size_t *frames)
{
    uint8_t frame[AUS_TM_FRAME_MAX];
    unsigned v;
    AUS_TRY(aus_tm_tx_pull(&c->tm_tx, flush, frame, sizeof frame, &v));
    (*frames)++;
    return emit_tm(c, frame, v, w, now);
}

/* Put one complete packet (in c->work) on the VC, emitting frames as they fill. */
static aus_err put_packet(aus_cl_ccsds *c, size_t n, aus_wr *w, uint64_t now, size_t *frames)
{
    size_t off = 0;
    for (;;) {
        aus_err e = aus_tm_tx_put(&c->tm_tx, c->cfg.tm_vcid, c->work, n, &off);
        if (e == AUS_OK)
            return AUS_OK;
        AUS_ENSURE(e == AUS_E_AGAIN, e);
        AUS_TRY(pull(c, false, w, now, frames));
    }
}

/* A frame of tm_vcid holding one idle packet (133.0 §4.1.2.3.3) rather than an idle frame on
 * VC 7: it is SDLS-protected like any other, so the CLCW it carries reaches FOP-1 only if it
 * is authentic and fresh (the ground ignores the OCF of frames that fail SDLS, which makes a
 * replayed or reordered old downlink file harmless to COP-1). */
static aus_err fill_frame(aus_cl_ccsds *c, aus_wr *w, uint64_t now, size_t *frames)
{
    aus_wr pw;
    aus_wr_init(&pw, c->work, sizeof c->work);
    AUS_TRY(aus_spp_encode_idle(&pw, aus_tm_data_len(&c->tm, c->cfg.tm_vcid), 0));
    AUS_TRY(put_packet(c, aus_wr_len(&pw), w, now, frames));
    while (aus_tm_tx_pending(&c->tm_tx) > 0)
        AUS_TRY(pull(c, true, w, now, frames));
    c->st.tm_idle_tx++;
    return AUS_OK;
}

/* Frames a unit of n octets needs, worst case, on top of what is pending. */
static size_t frames_for(const aus_cl_ccsds *c, size_t n)
{
    size_t dl = aus_tm_data_len(&c->tm, c->cfg.tm_vcid);
    size_t bytes = aus_tm_tx_pending(&c->tm_tx) + n + 2u * AUS_SPP_HDR_LEN;
    return (bytes + dl - 1u) / dl + 1u;
}

static aus_err put_unit(aus_cl_ccsds *c, uint8_t kind, const uint8_t *p, size_t n, aus_wr *w,
                        uint64_t now, size_t *frames)
{
    aus_wr pw;
    if (kind == CLC_EP) {
        aus_spp_hdr h = {AUS_SPP_TM, 0, c->cfg.apid_ep, AUS_SPP_SEQ_UNSEG, c->ep_seq};
        aus_wr_init(&pw, c->work, sizeof c->work);
        AUS_TRY(aus_spp_encode(&pw, &h, p, n));
        c->ep_seq = (uint16_t)((c->ep_seq + 1u) % AUS_SPP_SEQ_MOD);
        return put_packet(c, aus_wr_len(&pw), w, now, frames);
    }
    size_t off = 0;
    c->spp.max_data = AUS_SPP_MAX_DATA;
    while (off < n) {
        aus_wr_init(&pw, c->work, sizeof c->work);
        AUS_TRY(aus_spp_tx_segment(&c->spp, p, n, &off, &pw));
        AUS_TRY(put_packet(c, aus_wr_len(&pw), w, now, frames));
    }
    return AUS_OK;
}

aus_err clc_down_out(aus_cl_ccsds *c, uint8_t *out, size_t cap, uint64_t now, size_t *len)
{
    aus_clcw cw;
    uint8_t b[AUS_CLCW_LEN];
    aus_farm_clcw(&c->farm, &cw);
    AUS_TRY(aus_clcw_encode(&cw, b));
    c->tm_tx.ocf = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    aus_wr w;
    aus_wr_init(&w, out, cap);
    size_t frames = 0;
    aus_err e = AUS_OK;
    uint8_t kind;
    const uint8_t *p;
    size_t n;
    while (e == AUS_OK && clc_q_head(c, &kind, &p, &n)) {
        if ((frames + frames_for(c, n)) * c->cadu_len > cap)
            break; /* the rest waits for the next pass */
        e = put_unit(c, kind, p, n, &w, now, &frames);
        if (e == AUS_OK)
            clc_q_pop(c);
    }
    /* complete the last frame (idle packet), then fill frames up to the minimum */
    while (e == AUS_OK && aus_tm_tx_pending(&c->tm_tx) > 0)
        e = pull(c, true, &w, now, &frames);
    while (e == AUS_OK && frames < c->cfg.tm_min_frames)
        e = fill_frame(c, &w, now, &frames);
    if (e != AUS_OK) {
        /* SDLS refused a frame: drop what is half framed (the unit stays queued and starts
         * afresh next pass; the ground sees the gap in the frame counters) */
        uint8_t mc = c->tm_tx.mc_count;
        if (aus_tm_tx_init(&c->tm_tx, &c->tm) == AUS_OK &&
            aus_tm_tx_open(&c->tm_tx, c->cfg.tm_vcid, 1) == AUS_OK)
            c->tm_tx.mc_count = mc;
    }
    *len = aus_wr_len(&w);
    return e;
}

/* ---- ground ---- */

void clc_tm_on_packet(void *user, unsigned vcid, const uint8_t *pkt, size_t len)
{
    (void)vcid;
    aus_cl_ccsds *c = user;
    clc_deliver_packet(c, pkt, len, c->cfg.tm_spi);
}

static unsigned asm_distance(const uint8_t *p)
{
    unsigned d = 0;
    for (size_t i = 0; i < AUS_ASM_LEN; i++)
        for (unsigned v = (unsigned)(p[i] ^ aus_tm_asm[i]); v; v &= v - 1u)
            d++;
    return d;
}

static void tm_one(aus_cl_ccsds *c, uint8_t *cadu, uint64_t now)
{
    uint8_t *frame = NULL;
    size_t fl = 0;
    unsigned fixed = 0;
    c->st.cadu_rx++;
    aus_err e = aus_tm_cadu_decode(&c->coding, cadu, c->cadu_len, &frame, &fl, &fixed);
    if (e != AUS_OK) {
        c->st.cadu_fec += e == AUS_E_FEC;
        c->st.tm_bad += e != AUS_E_FEC;
        return;
    }
    c->st.rs_corrected += fixed;
    aus_tm_frame f;
    if (aus_tm_frame_decode(&c->tm, frame, fl, &f) != AUS_OK) {
        c->st.tm_bad++;
        return;
    }
    c->st.tm_rx++;
    bool authentic = false;
    if (f.hdr.vcid == c->cfg.tm_vcid) {
        aus_sdls_rx srx;
        e = aus_sdls_tm_process(c->sdls, &c->tm_link_rx, frame, fl, now, &srx);
        clc_count_sdls(c, e);
        if (e != AUS_OK)
            return;
        authentic = true;
    } else if (f.hdr.vcid != AUS_TM_IDLE_VCID || f.hdr.fhp != AUS_TM_FHP_IDLE) {
        c->st.tm_bad++;
        return;
    } else {
        c->st.tm_idle_rx++;
    }
    /* Only the CLCW of a frame that passed SDLS (fresh: anti-replay) drives FOP-1; an old
     * CLCW from a replayed or reordered pass file would make FOP-1 resend acknowledged frames. */
    if (authentic && f.hdr.ocf_flag) {
        uint8_t b[AUS_CLCW_LEN] = {(uint8_t)(f.ocf >> 24), (uint8_t)(f.ocf >> 16),
                                   (uint8_t)(f.ocf >> 8), (uint8_t)f.ocf};
        aus_clcw w;
        if (aus_clcw_decode(b, &w) == AUS_OK)
            clc_on_clcw(c, &w, now);
    }
    aus_tm_rx_info info;
    if (aus_tm_rx_extract(&c->tm_rx, &f, &info) == AUS_OK) {
        c->st.mc_lost += info.mc_lost;
        c->st.vc_lost += info.vc_lost;
        c->st.partial_dropped += info.partial_dropped;
    }
}

void clc_down_in(aus_cl_ccsds *c, uint8_t *in, size_t n, uint64_t now)
{
    size_t pos = 0;
    while (pos + c->cadu_len <= n) {
        if (asm_distance(in + pos) > ASM_TOLERANCE) {
            size_t p = pos + 1;
            while (p + c->cadu_len <= n && asm_distance(in + p) > ASM_TOLERANCE)
                p++;
            if (p + c->cadu_len > n)
                break;
            c->st.cadu_sync_slips++;
            pos = p;
        }
        memcpy(in + pos, aus_tm_asm, AUS_ASM_LEN);
        tm_one(c, in + pos, now);
        pos += c->cadu_len;
    }
}
