/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer, uplink: ground (FOP-1, TC frames, SDLS, CLTU) -> sat (BCH, TC
 * frames, SDLS, FARM-1, packets).
 *
 * Ground, one pass (clc_up_out):
 *   1. FOP-1 timer (232.1 §5.2.6): frames unacknowledged for t1 ticks are marked for
 *      retransmission. An alert (lockout, limit, ...) purged FOP-1's queues: we keep our own
 *      copy of every unacknowledged FDU (the "mirror", in N(S) order) and re-synchronise:
 *      V(S) := N(R) of the last CLCW (the FDUs below it were delivered), Initiate AD with Unlock
 *      when the CLCW showed Lockout (a BC frame, 232.1 §5.1.9.4), else without CLCW check, and
 *      hand the remaining FDUs to FOP-1 again — they get the same N(S) as before.
 *   2. Hand FDUs to FOP-1 (mirror first, then new ones built from the queue) while it accepts,
 *      and poll it for frames: BC, retransmissions, new AD frames within the window K.
 *   3. Each frame: TC header (232.0 §4.1.2), SDLS applied when the frame is sent (355.0 §3: a
 *      retransmitted frame gets a fresh IV, so the receiver's anti-replay window never blocks
 *      a retransmission, and an old copy is still refused), randomize, CLTU.
 *   An FDU is one segment header (unsegmented, 232.0 §4.1.3.2) and whole Space Packets, blocked;
 *   a bundle larger than the room left is cut into 133.0 §4.1.3.4.2.2 segments (first /
 *   continuation / last), so no frame depends on another for decoding.
 *
 * Sat, one pass (clc_up_in): CLTU (start sequence tolerant to one bit error) -> BCH ->
 * de-randomize -> TC frame decode (FECF) -> SDLS process (355.0 §4.2: before FARM-1) -> FARM-1
 * -> packets -> reassembly -> callbacks. BC frames are never SDLS-protected (232.0 §6.3.1 as
 * CryptoLib applies it); Set V(R) is refused unless cfg.accept_set_vr.
 */
#include <string.h>

#include "australis/base.h"
#include "cl/cl_ccsds_int.h"

#define MIR_SLOTS (AUS_FOP_MAX_WINDOW + 1u)
#define MIN_SEGMENT 64u /* do not start a bundle segment with less room than this */

static aus_cl_ccsds_fdu *mir_at(aus_cl_ccsds *c, size_t i)
{
    return &c->mir[(c->mir_head + i) % MIR_SLOTS];
}

static void mir_pop(aus_cl_ccsds *c, size_t n)
{
    for (size_t i = 0; i < n && c->mir_count > 0; i++) {
        c->mir_head = (uint8_t)((c->mir_head + 1u) % MIR_SLOTS);
        c->mir_count--;
        if (c->mir_sub > 0)
            c->mir_sub--;
        c->mir_base++;
        c->dirty = true;
    }
}

/* Reflect FOP-1's acknowledgements (aus_fop.acked) in the mirror. */
static void sync_acks(aus_cl_ccsds *c)
{
    uint32_t d = c->fop.acked - c->fop_acked;
    c->fop_acked = c->fop.acked;
    mir_pop(c, d);
}

static void take_alert(aus_cl_ccsds *c)
{
    aus_fop_alert a = aus_fop_take_alert(&c->fop);
    if (a != AUS_FOP_ALERT_NONE) {
        c->st.fop_alerts++;
        c->st.last_alert = a;
    }
}

void clc_on_clcw(aus_cl_ccsds *c, const aus_clcw *w, uint64_t now)
{
    if (w->cop != AUS_CLCW_COP1 || w->vcid != c->cfg.tc_vcid)
        return;
    c->last_clcw = *w;
    c->have_clcw = true;
    if (aus_fop_on_clcw(&c->fop, w, now) != AUS_OK)
        return;
    sync_acks(c);
    take_alert(c);
    c->dirty = true;
}

/* FOP-1 is in S6 (start, restart, or after an alert): bring it back to S1 / S5. */
static void resync(aus_cl_ccsds *c, uint64_t now)
{
    uint8_t target = c->mir_base;
    if (c->have_clcw) {
        uint8_t nr = c->last_clcw.report;
        uint8_t d = (uint8_t)(nr - c->mir_base);
        /* FDUs below N(R) were accepted by FARM-1; outside the mirror's range nothing can be
         * inferred and everything is sent again (the bundle layer removes duplicates). */
        if (d <= c->mir_count)
            mir_pop(c, d);
        target = nr;
    }
    c->mir_base = target;
    c->mir_sub = 0;
    c->fop_acked = c->fop.acked;
    if (aus_fop_set_vs(&c->fop, target) != AUS_OK)
        return;
    aus_err e;
    if (c->have_clcw && c->last_clcw.lockout) {
        e = aus_fop_initiate(&c->fop, AUS_FOP_INIT_UNLOCK, 0, now);
        c->st.unlocks += e == AUS_OK;
    } else {
        e = aus_fop_initiate(&c->fop, AUS_FOP_INIT_NO_CLCW, 0, now);
    }
    c->st.fop_resyncs += e == AUS_OK;
    c->dirty = true;
}

/* Build the next FDU from the queue into d; returns its length (0: queue empty). */
static size_t build_fdu(aus_cl_ccsds *c, uint8_t *d)
{
    uint8_t kind;
    const uint8_t *p;
    size_t n, start = c->cfg.tc_no_seg_hdr ? 0u : 1u, pos = start;
    if (!clc_q_head(c, &kind, &p, &n))
        return 0;
    if (kind == CLC_EP && c->cfg.tc_no_seg_hdr) {
        /* no segment header, so no MAP to tell EP PDUs apart: one Space Packet on apid_ep */
        aus_spp_hdr h = {AUS_SPP_TC, 0, c->cfg.apid_ep, AUS_SPP_SEQ_UNSEG, 0};
        aus_wr w;
        aus_wr_init(&w, d, c->fdu_max);
        aus_err e = aus_spp_encode(&w, &h, p, n);
        clc_q_pop(c);
        if (e != AUS_OK) {
            c->st.pkt_bad++; /* larger than one frame's data field less the packet header */
            return 0;
        }
        return aus_wr_len(&w);
    }
    if (kind == CLC_EP) {
        /* 355.1 EP PDUs: the whole frame data field on their own MAP, no packet layer */
        d[0] = (uint8_t)(AUS_TC_SEG_UNSEG << 6 | c->cfg.map_ep);
        memcpy(d + 1, p, n);
        clc_q_pop(c);
        return n + 1;
    }
    if (start)
        d[0] = (uint8_t)(AUS_TC_SEG_UNSEG << 6 | c->cfg.map_bundle);
    while (clc_q_head(c, &kind, &p, &n) && kind == CLC_BUNDLE) {
        size_t avail = c->fdu_max - pos, left = n - c->q_off;
        if (avail < AUS_SPP_HDR_LEN + 1u)
            break;
        if (left + AUS_SPP_HDR_LEN > avail && avail < AUS_SPP_HDR_LEN + MIN_SEGMENT && pos > start)
            break;
        size_t md = avail - AUS_SPP_HDR_LEN;
        c->spp.max_data = md < AUS_SPP_MAX_DATA ? md : AUS_SPP_MAX_DATA;
        aus_wr w;
        aus_wr_init(&w, d + pos, avail);
        if (aus_spp_tx_segment(&c->spp, p, n, &c->q_off, &w) != AUS_OK)
            break;
        pos += aus_wr_len(&w);
        if (c->q_off == n)
            clc_q_pop(c);
        c->dirty = true;
    }
    return pos > start ? pos : 0;
}

static int fop_accepting(const aus_fop *f)
{
    return f->state == AUS_FOP_ACTIVE || f->state == AUS_FOP_RT_NOWAIT ||
           f->state == AUS_FOP_RT_WAIT;
}

/* Hand FDUs to FOP-1 while its Wait_Queue is free. */
static void feed(aus_cl_ccsds *c, uint64_t now)
{
    while (fop_accepting(&c->fop) && c->fop.wait_len == 0) {
        if (c->mir_sub == c->mir_count) {
            if (c->mir_count == MIR_SLOTS)
                return;
            aus_cl_ccsds_fdu *f = mir_at(c, c->mir_count);
            size_t n = build_fdu(c, f->data);
            if (n == 0)
                return;
            f->len = (uint16_t)n;
            c->mir_count++;
        }
        aus_cl_ccsds_fdu *f = mir_at(c, c->mir_sub);
        if (aus_fop_send_ad(&c->fop, f->data, f->len, now) != AUS_OK)
            return;
        c->mir_sub++;
        c->dirty = true;
    }
}

/* One FOP-1 frame -> TC frame -> SDLS -> CLTU appended to w. */
static aus_err emit(aus_cl_ccsds *c, const aus_fop_frame *fr, aus_wr *w, uint64_t now)
{
    uint8_t frame[AUS_TC_MAX_LEN];
    aus_tc_hdr h = {fr->type != AUS_COP1_AD, fr->type == AUS_COP1_BC, c->cfg.scid, c->cfg.tc_vcid,
                    fr->ns};
    aus_wr fw;
    aus_wr_init(&fw, frame, sizeof frame);
    int len;
    if (fr->type == AUS_COP1_BC) {
        AUS_TRY(aus_tc_frame_encode(&fw, &c->tc, &h, 0, 0, fr->data, fr->len));
        len = (int)aus_wr_len(&fw);
        c->st.tc_bc_tx++;
    } else {
        size_t sh = c->cfg.tc_no_seg_hdr ? 0u : 1u; /* the FDU starts with its segment header */
        AUS_ENSURE(fr->len >= sh + 1u, AUS_E_INTERNAL);
        uint8_t seg = sh ? fr->data[0] : (uint8_t)(AUS_TC_SEG_UNSEG << 6 | c->cfg.map_bundle);
        uint8_t map = seg & 0x3Fu;
        AUS_TRY(aus_tc_frame_encode(&fw, &c->tc, &h, (uint8_t)(seg >> 6), map, fr->data + sh,
                                    fr->len - sh));
        uint16_t spi = map == c->cfg.map_ep ? c->cfg.ep_spi : c->cfg.tc_spi;
        len =
            aus_sdls_tc_apply(c->sdls, &c->tc_link, spi, frame, aus_wr_len(&fw), sizeof frame, now);
        if (len < 0)
            return (aus_err)len;
        if (fr->type == AUS_COP1_AD) {
            if (!c->ns_any || (uint8_t)(fr->ns - c->ns_hi) < 128u) {
                c->ns_hi = (uint8_t)(fr->ns + 1u);
                c->ns_any = true;
            } else {
                c->st.tc_ad_retx++;
            }
            c->st.tc_ad_tx++;
        }
    }
    size_t before = aus_wr_len(w);
    AUS_TRY(aus_cltu_encode(w, frame, (size_t)len, c->cfg.randomize));
    c->st.cltu_tx++;
    c->st.up_bytes_tx += aus_wr_len(w) - before;
    return AUS_OK;
}

aus_err clc_up_out(aus_cl_ccsds *c, uint8_t *out, size_t cap, uint64_t now, size_t *len)
{
    aus_fop_on_timer(&c->fop, now);
    sync_acks(c);
    take_alert(c);
    if (c->fop.state == AUS_FOP_INITIAL)
        resync(c, now);
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_err e = AUS_OK;
    for (;;) {
        feed(c, now);
        if (aus_wr_left(&w) < AUS_CL_CCSDS_CLTU_MAX)
            break;
        aus_fop_frame fr;
        if (aus_fop_poll(&c->fop, now, &fr) != AUS_OK)
            break;
        c->dirty = true;
        e = emit(c, &fr, &w, now);
        if (e != AUS_OK)
            break; /* the frame stays in FOP-1's queue: the timer sends it again */
    }
    *len = aus_wr_len(&w);
    return e;
}

/* ---- sat ---- */

static void on_unit(aus_cl_ccsds *c, const uint8_t *p, size_t n, uint16_t spi, int ep)
{
    if (ep) {
        c->st.ep_rx++;
        if (c->ops.on_ep != NULL)
            c->ops.on_ep(c->user, p, n, spi);
        return;
    }
    c->st.bundles_rx++;
    if (c->ops.on_bundle != NULL)
        c->ops.on_bundle(c->user, p, n);
}

void clc_deliver_packet(aus_cl_ccsds *c, const uint8_t *p, size_t n, uint16_t spi)
{
    if (aus_ccsds_packet_is_idle(p, n))
        return;
    aus_spp_pkt pkt;
    if (aus_spp_decode(p, n, &pkt) != AUS_OK) {
        c->st.pkt_bad++;
        return;
    }
    if (pkt.hdr.apid == c->cfg.apid_bundle) {
        const uint8_t *sdu;
        size_t sl;
        aus_err e = aus_spp_reasm_push(&c->reasm, &pkt, &sdu, &sl);
        if (e == AUS_OK)
            on_unit(c, sdu, sl, spi, 0);
        else if (e != AUS_E_AGAIN)
            c->st.pkt_bad++;
    } else if (pkt.hdr.apid == c->cfg.apid_ep && pkt.hdr.seq_flags == AUS_SPP_SEQ_UNSEG) {
        on_unit(c, pkt.data, pkt.data_len, spi, 1);
    } else {
        c->st.pkt_bad++;
    }
}

/* An accepted FDU's user data: an EP PDU, or whole Space Packets back to back. */
static void deliver_fdu(aus_cl_ccsds *c, const aus_tc_frame *f, const uint8_t *d, size_t n,
                        uint16_t spi)
{
    if (c->cfg.tc_no_seg_hdr) {
        /* no segment header: whole Space Packets (EP PDUs among them on apid_ep) */
    } else if (!f->has_seg || f->seg_flags != AUS_TC_SEG_UNSEG) {
        c->st.pkt_bad++;
        return;
    } else if (f->map_id == c->cfg.map_ep) {
        on_unit(c, d, n, spi, 1);
        return;
    } else if (f->map_id != c->cfg.map_bundle) {
        c->st.pkt_bad++;
        return;
    }
    size_t off = 0;
    while (off < n) {
        size_t tot = 0;
        if (aus_ccsds_packet_len(d + off, n - off, &tot) != AUS_OK || tot == 0 || tot > n - off) {
            c->st.pkt_bad++;
            return;
        }
        clc_deliver_packet(c, d + off, tot, spi);
        off += tot;
    }
}

static void tc_bc(aus_cl_ccsds *c, const aus_tc_frame *f)
{
    c->st.bc_rx++;
    /* Set V(R) is unauthenticated and this ground never sends it: refused by default. */
    if (!c->cfg.accept_set_vr && f->data_len == AUS_COP1_SETVR_LEN && f->data[0] == 0x82) {
        c->st.farm_discard++;
        return;
    }
    if (aus_farm_on_frame(&c->farm, AUS_COP1_BC, 0, f->data, f->data_len, 1) == AUS_FARM_ACCEPT)
        c->st.farm_accept++;
}

static void tc_one(aus_cl_ccsds *c, uint8_t *data, size_t n, uint64_t now)
{
    aus_tc_frame f;
    size_t used = 0;
    if (aus_tc_frame_decode(&c->tc, data, n, &f, &used) != AUS_OK) {
        c->st.tc_bad++;
        return;
    }
    c->st.tc_rx++;
    if (f.hdr.vcid != c->cfg.tc_vcid) {
        c->st.tc_other_vc++;
        return;
    }
    if (f.hdr.ctrl) {
        tc_bc(c, &f);
        return;
    }
    aus_sdls_rx srx;
    aus_err e = aus_sdls_tc_process(c->sdls, &c->tc_link, data, used, now, &srx);
    clc_count_sdls(c, e);
    if (e != AUS_OK)
        return;
    const uint8_t *ud = data + srx.data_off;
    aus_cop1_type t = f.hdr.bypass ? AUS_COP1_BD : AUS_COP1_AD;
    int r = aus_farm_on_frame(&c->farm, t, f.hdr.fsn, ud, srx.data_len, 1);
    if (r != AUS_FARM_ACCEPT) {
        c->st.farm_discard++;
        return;
    }
    c->st.farm_accept++;
    c->st.bd_rx += t == AUS_COP1_BD;
    deliver_fdu(c, &f, ud, srx.data_len, srx.spi);
}

static const uint8_t start_seq[AUS_CLTU_START_LEN] = {0xEB, 0x90};

static unsigned bits(unsigned v)
{
    unsigned k = 0;
    for (; v; v &= v - 1u)
        k++;
    return k;
}

void clc_up_in(aus_cl_ccsds *c, uint8_t *in, size_t n, uint64_t now)
{
    uint8_t data[AUS_TC_MAX_LEN + AUS_BCH_INFO];
    size_t pos = 0;
    while (pos + AUS_CLTU_START_LEN < n) {
        /* CLTUs are back to back: a start sequence with one bit error where the previous
         * CLTU ended is taken as one (231.0 §5.3 leaves the search tolerance to the mission). */
        if (bits((unsigned)(in[pos] ^ start_seq[0])) +
                bits((unsigned)(in[pos + 1] ^ start_seq[1])) <=
            1u)
            memcpy(in + pos, start_seq, sizeof start_seq);
        size_t s = pos;
        while (s + 1 < n && !(in[s] == start_seq[0] && in[s + 1] == start_seq[1]))
            s++;
        if (s + 1 >= n)
            break;
        aus_cltu_result res;
        aus_err e = aus_cltu_decode(in + s, n - s, c->cfg.randomize, data, sizeof data, &res);
        if (e != AUS_OK) {
            c->st.cltu_bad++;
            pos = s + AUS_CLTU_START_LEN;
            continue;
        }
        c->st.cltu_rx++;
        c->st.bch_corrected += res.corrected;
        pos = s + res.consumed;
        tc_one(c, data, res.data_len, now);
    }
}
