/* SPDX-License-Identifier: Apache-2.0 */
/* TM sending side: packets into virtual-channel frames, master-channel multiplexing by
 * priority, idle data and idle frames (CCSDS 132.0-B-3 §4.2, §4.3).
 *
 * Each open VC holds one pending data field. Packets are copied in as they come; a packet that
 * does not fit continues in the VC's next frame, and the first header pointer records where the
 * first packet starts (0x7FF when none starts). aus_tm_tx_pull() emits full frames by VC
 * priority; with flush it completes a partial frame with an idle packet; with nothing to send it
 * emits an idle (OID) frame. */
#include <string.h>

#include "australis/spp.h"
#include "australis/tm.h"

aus_err aus_tm_tx_init(aus_tm_tx *tx, const aus_tm_cfg *cfg)
{
    AUS_TRY(aus_tm_cfg_check(cfg));
    memset(tx, 0, sizeof *tx);
    tx->cfg = cfg;
    for (unsigned v = 0; v < AUS_TM_VCS; v++) {
        tx->vc[v].cap = aus_tm_data_len(cfg, v);
        tx->vc[v].fhp = AUS_TM_FHP_NO_START;
    }
    return AUS_OK;
}

aus_err aus_tm_tx_open(aus_tm_tx *tx, unsigned vcid, uint8_t priority)
{
    AUS_ENSURE(vcid < AUS_TM_VCS, AUS_E_ARG);
    tx->vc[vcid].open = true;
    tx->vc[vcid].priority = priority;
    return AUS_OK;
}

/* Octet i of an idle Space Packet of total length len (header, then 0x55 idle pattern). */
static uint8_t idle_octet(const aus_tm_vc_tx *vc, size_t i)
{
    size_t dl = vc->idle_len - AUS_SPP_HDR_LEN - 1u;
    switch (i) {
    case 0: return (uint8_t)(AUS_SPP_APID_IDLE >> 8);
    case 1: return (uint8_t)AUS_SPP_APID_IDLE;
    case 2: return (uint8_t)(0xC0u | (vc->idle_seq >> 8));
    case 3: return (uint8_t)vc->idle_seq;
    case 4: return (uint8_t)(dl >> 8);
    case 5: return (uint8_t)dl;
    default: return 0x55;
    }
}

/* Continue writing a pending idle packet; true when it is complete. */
static bool write_idle(aus_tm_vc_tx *vc)
{
    while (vc->idle_off < vc->idle_len && vc->fill < vc->cap)
        vc->data[vc->fill++] = idle_octet(vc, vc->idle_off++);
    return vc->idle_off == vc->idle_len;
}

aus_err aus_tm_tx_put(aus_tm_tx *tx, unsigned vcid, const uint8_t *pkt, size_t n, size_t *off)
{
    AUS_ENSURE(vcid < AUS_TM_VCS && tx->vc[vcid].open, AUS_E_ARG);
    AUS_ENSURE(pkt != NULL && off != NULL && n > 0 && *off <= n, AUS_E_ARG);
    aus_tm_vc_tx *vc = &tx->vc[vcid];
    if (!write_idle(vc))
        return AUS_E_AGAIN;
    if (*off == n)
        return AUS_OK;
    if (vc->fill == vc->cap)
        return AUS_E_AGAIN;
    /* 132.0 §4.1.2.7.6: the FHP locates the first packet that starts in the frame. */
    if (*off == 0 && vc->fhp == AUS_TM_FHP_NO_START)
        vc->fhp = (uint16_t)vc->fill;
    size_t take = n - *off;
    if (take > vc->cap - vc->fill)
        take = vc->cap - vc->fill;
    memcpy(vc->data + vc->fill, pkt + *off, take);
    vc->fill += take;
    *off += take;
    return *off == n ? AUS_OK : AUS_E_AGAIN;
}

bool aus_tm_tx_ready(const aus_tm_tx *tx)
{
    for (unsigned v = 0; v < AUS_TM_VCS; v++)
        if (tx->vc[v].open && tx->vc[v].fill == tx->vc[v].cap)
            return true;
    return false;
}

size_t aus_tm_tx_pending(const aus_tm_tx *tx)
{
    size_t n = 0;
    for (unsigned v = 0; v < AUS_TM_VCS; v++)
        n += tx->vc[v].fill + (tx->vc[v].idle_len - tx->vc[v].idle_off);
    return n;
}

static int pick(const aus_tm_tx *tx, bool partial)
{
    int best = -1;
    for (unsigned v = 0; v < AUS_TM_VCS; v++) {
        const aus_tm_vc_tx *vc = &tx->vc[v];
        bool want = partial ? (vc->fill > 0 || vc->idle_off < vc->idle_len) : vc->fill == vc->cap;
        if (!vc->open || !want)
            continue;
        if (best < 0 || vc->priority > tx->vc[best].priority)
            best = (int)v;
    }
    return best;
}

/* Complete a partial data field with idle packets (133.0 §4.1.2.3.3). An idle packet needs at
 * least 7 octets; when fewer remain it continues into the VC's next frame. */
static void pad_idle(aus_tm_vc_tx *vc)
{
    while (!write_idle(vc) || vc->fill < vc->cap) {
        if (vc->fill == vc->cap)
            return;
        size_t room = vc->cap - vc->fill;
        if (vc->fhp == AUS_TM_FHP_NO_START)
            vc->fhp = (uint16_t)vc->fill;
        vc->idle_len = room >= AUS_SPP_HDR_LEN + 1u ? room : AUS_SPP_HDR_LEN + 1u;
        vc->idle_off = 0;
        vc->idle_seq = (uint16_t)((vc->idle_seq + 1u) % AUS_SPP_SEQ_MOD);
    }
}

aus_err aus_tm_tx_pull(aus_tm_tx *tx, bool flush, uint8_t *out, size_t cap, unsigned *vcid_out)
{
    const aus_tm_cfg *cfg = tx->cfg;
    AUS_ENSURE(out != NULL && vcid_out != NULL, AUS_E_ARG);
    AUS_ENSURE(cap >= cfg->frame_len, AUS_E_NOBUFS);
    int v = pick(tx, false);
    if (v < 0 && flush) {
        v = pick(tx, true);
        if (v >= 0)
            pad_idle(&tx->vc[v]);
    }
    aus_tm_hdr h = {cfg->scid, 0, cfg->ocf, tx->mc_count, 0, 0, 0, 0, 3, 0};
    if (v < 0) {
        /* 132.0 §4.2.4: an idle frame carries only idle data (FHP 0x7FE). */
        aus_tm_vc_tx *iv = &tx->vc[AUS_TM_IDLE_VCID];
        uint8_t idle[AUS_TM_FRAME_MAX];
        memset(idle, 0x55, iv->cap);
        h.vcid = AUS_TM_IDLE_VCID;
        h.vc_count = iv->vc_count;
        h.fhp = AUS_TM_FHP_IDLE;
        AUS_TRY(aus_tm_frame_encode(cfg, &h, idle, iv->cap, tx->ocf, out, cap));
        iv->vc_count++;
        tx->mc_count++;
        *vcid_out = AUS_TM_IDLE_VCID;
        return AUS_OK;
    }
    aus_tm_vc_tx *vc = &tx->vc[v];
    h.vcid = (uint8_t)v;
    h.vc_count = vc->vc_count;
    h.fhp = vc->fhp;
    AUS_TRY(aus_tm_frame_encode(cfg, &h, vc->data, vc->cap, tx->ocf, out, cap));
    vc->vc_count++;
    tx->mc_count++;
    vc->fill = 0;
    vc->fhp = AUS_TM_FHP_NO_START;
    *vcid_out = (unsigned)v;
    return AUS_OK;
}
