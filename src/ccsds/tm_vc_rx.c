/* SPDX-License-Identifier: Apache-2.0 */
/* TM receiving side: frame counters, loss detection and packet extraction with the first
 * header pointer (CCSDS 132.0-B-3 §4.1.2.4-5, §4.1.2.7.6, §4.3.7).
 *
 * Per VC the extractor is in one of three situations, kept in (synced, in_pkt):
 *   synced && in_pkt   a packet is being collected across frames in the caller's buffer
 *   synced && !in_pkt  the next octet starts a packet
 *   !synced            boundary unknown (start, after a loss or an inconsistency): octets are
 *                      discarded up to the next first header pointer
 * A VC counter gap discards the packet in progress (it can no longer be complete) and loses
 * sync; the next frame with a packet start resynchronises at its FHP. */
#include <string.h>

#include "australis/spp.h"
#include "australis/tm.h"

aus_err aus_tm_rx_init(aus_tm_rx *rx, const aus_tm_cfg *cfg, aus_tm_packet_fn fn, void *user)
{
    AUS_TRY(aus_tm_cfg_check(cfg));
    AUS_ENSURE(fn != NULL, AUS_E_ARG);
    memset(rx, 0, sizeof *rx);
    rx->cfg = cfg;
    rx->on_packet = fn;
    rx->user = user;
    return AUS_OK;
}

aus_err aus_tm_rx_open(aus_tm_rx *rx, unsigned vcid, uint8_t *buf, size_t cap)
{
    /* The buffer must at least hold the longest packet header (8 octets, 133.1 LoL 11). */
    AUS_ENSURE(vcid < AUS_TM_VCS && buf != NULL && cap >= 8, AUS_E_ARG);
    aus_tm_vc_rx *vc = &rx->vc[vcid];
    memset(vc, 0, sizeof *vc);
    vc->buf = buf;
    vc->cap = cap;
    vc->open = true;
    return AUS_OK;
}

static void note(aus_tm_rx_info *info, aus_err e)
{
    if (info->err == AUS_OK)
        info->err = e;
}

static void drop_partial(aus_tm_rx *rx, aus_tm_vc_rx *vc, aus_tm_rx_info *info)
{
    if (vc->in_pkt) {
        info->partial_dropped++;
        rx->partial_dropped++;
    }
    vc->in_pkt = false;
    vc->skipping = false;
    vc->have = vc->need = 0;
}

static void deliver(aus_tm_rx *rx, unsigned v, const uint8_t *p, size_t n, aus_tm_rx_info *info)
{
    if (aus_ccsds_packet_is_idle(p, n)) {
        rx->idle_packets++;
        return;
    }
    rx->on_packet(rx->user, v, p, n);
    rx->packets++;
    info->packets++;
}

/* Feed octets of the packet in progress; returns octets consumed (stops at the packet's end). */
static size_t feed(aus_tm_rx *rx, unsigned v, const uint8_t *p, size_t n, aus_tm_rx_info *info)
{
    aus_tm_vc_rx *vc = &rx->vc[v];
    size_t used = 0;
    while (vc->need == 0 && used < n) {
        vc->buf[vc->have++] = p[used++];
        size_t total = 0;
        aus_err e = aus_ccsds_packet_len(vc->buf, vc->have, &total);
        if (e == AUS_E_TRUNC)
            continue;
        if (e != AUS_OK) { /* unknown packet version: the boundary is lost */
            rx->bad_packets++;
            note(info, e);
            drop_partial(rx, vc, info);
            vc->synced = false;
            return n;
        }
        vc->need = total;
        if (total > vc->cap) {
            rx->oversize++;
            note(info, AUS_E_LIMIT);
            vc->skipping = true;
        }
    }
    size_t take = vc->need - vc->have;
    if (take > n - used)
        take = n - used;
    if (!vc->skipping && take > 0)
        memcpy(vc->buf + vc->have, p + used, take);
    vc->have += take;
    used += take;
    if (vc->need != 0 && vc->have == vc->need) {
        if (!vc->skipping)
            deliver(rx, v, vc->buf, vc->have, info);
        vc->in_pkt = vc->skipping = false;
        vc->have = vc->need = 0;
    }
    return used;
}

/* Packets starting at data[pos..n): zero-copy for those wholly inside the frame. */
static void extract_from(aus_tm_rx *rx, unsigned v, const uint8_t *d, size_t n, size_t pos,
                         aus_tm_rx_info *info)
{
    aus_tm_vc_rx *vc = &rx->vc[v];
    while (pos < n && vc->synced) {
        size_t total = 0;
        if (aus_ccsds_packet_len(d + pos, n - pos, &total) == AUS_OK && total <= n - pos) {
            deliver(rx, v, d + pos, total, info);
            pos += total;
            continue;
        }
        vc->in_pkt = true;
        vc->have = vc->need = 0;
        pos += feed(rx, v, d + pos, n - pos, info);
    }
}

/* Counters: 132.0 §4.1.2.4-5, master and virtual channel frame counts modulo 256. */
static void count(aus_tm_rx *rx, const aus_tm_frame *f, aus_tm_rx_info *info)
{
    if (rx->mc_seen && f->hdr.mc_count != rx->next_mc) {
        info->mc_lost = (uint8_t)(f->hdr.mc_count - rx->next_mc);
        rx->mc_lost += info->mc_lost;
    }
    rx->mc_seen = true;
    rx->next_mc = (uint8_t)(f->hdr.mc_count + 1u);
    aus_tm_vc_rx *vc = &rx->vc[f->hdr.vcid];
    if (!vc->open)
        return;
    if (vc->seen && f->hdr.vc_count != vc->next_vc) {
        info->vc_lost = (uint8_t)(f->hdr.vc_count - vc->next_vc);
        rx->vc_lost += info->vc_lost;
        drop_partial(rx, vc, info);
        vc->synced = false;
    }
    vc->seen = true;
    vc->next_vc = (uint8_t)(f->hdr.vc_count + 1u);
}

aus_err aus_tm_rx_extract(aus_tm_rx *rx, const aus_tm_frame *f, aus_tm_rx_info *info)
{
    AUS_ENSURE(f != NULL && info != NULL && f->hdr.vcid < AUS_TM_VCS, AUS_E_ARG);
    memset(info, 0, sizeof *info);
    unsigned v = f->hdr.vcid;
    aus_tm_vc_rx *vc = &rx->vc[v];
    /* every frame counts on the master channel, even one for a VC we do not extract */
    rx->frames++;
    count(rx, f, info);
    if (!vc->open && f->hdr.fhp != AUS_TM_FHP_IDLE)
        return AUS_E_NOTFOUND;
    if (f->hdr.fhp == AUS_TM_FHP_IDLE) { /* OID frame: no packet data at all */
        info->idle = true;
        rx->idle_frames++;
        return AUS_OK;
    }
    if (f->hdr.sync_flag) { /* VCA SDUs are not packets: not handled on this path */
        note(info, AUS_E_UNSUPPORTED);
        drop_partial(rx, vc, info);
        vc->synced = false;
        return AUS_OK;
    }
    const uint8_t *d = f->data;
    size_t n = f->data_len, fhp = f->hdr.fhp;
    size_t lim = (fhp == AUS_TM_FHP_NO_START) ? n : fhp;
    if (vc->synced && vc->in_pkt) {
        size_t used = feed(rx, v, d, lim, info);
        /* The packet in progress must end exactly where the FHP says the next one starts. */
        if (vc->in_pkt ? fhp != AUS_TM_FHP_NO_START : used != lim) {
            rx->bad_packets++;
            note(info, AUS_E_MALFORMED);
            drop_partial(rx, vc, info);
            vc->synced = false;
        }
    } else if (vc->synced && lim != 0) { /* a boundary was expected at octet 0 */
        rx->bad_packets++;
        note(info, AUS_E_MALFORMED);
        vc->synced = false;
    }
    if (fhp == AUS_TM_FHP_NO_START)
        return AUS_OK;
    vc->synced = true;
    extract_from(rx, v, d, n, fhp, info);
    return AUS_OK;
}
