/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer: configuration, the queue of units, counters, persistence.
 *
 * The chains themselves are in cl_ccsds_up.c (TC: ground FOP-1 -> sat FARM-1) and
 * cl_ccsds_down.c (TM: sat -> ground). docs/cl_ccsds.md describes the whole layer.
 *
 * Persisted records (under the caller's prefix), all written in one store transaction:
 *   "st"            version, role, queue sequence numbers and head progress, Space Packet count,
 *                   ground: N(S) of the oldest unacknowledged FDU and the last CLCW,
 *                   sat: FARM-1 state, V(R), Retransmit flag, FARM-B counter,
 *                   reassembly in progress (flags, count, length), the receive counters (IV,
 *                   ARSN) of the SDLS SAs this end processes.
 *   "mir"           ground: every FDU handed to FOP-1 and not yet acknowledged, in N(S) order.
 *   "rs"            the octets of a bundle being reassembled.
 *   "q/<16 hex>"    one queued unit each (kind, bytes), deleted once framed.
 */
#include <string.h>

#include "australis/base.h"
#include "cl/cl_ccsds_int.h"

#define ST_VERSION 1u

void aus_cl_ccsds_cfg_default(aus_cl_ccsds_cfg *cfg, uint8_t role)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role = role;
    cfg->scid = 100;
    cfg->tm_vcid = 0;
    cfg->tc_vcid = 4;
    cfg->tm_spi = 1;
    cfg->tc_spi = 2;
    cfg->ep_spi = 2;
    cfg->tm_frame_len = 1115;
    cfg->apid_bundle = 0x0C8;
    cfg->apid_ep = 128;
    cfg->map_bundle = 0;
    cfg->map_ep = 1;
    cfg->fop_window = 64;
    cfg->farm_window = 254;
    cfg->tx_limit = 255;
    cfg->t1 = 1;
    cfg->tm_min_frames = 1;
    cfg->randomize = true;
}

static aus_err cfg_check(const aus_cl_ccsds_cfg *g)
{
    AUS_ENSURE(g->role <= AUS_CL_CCSDS_SAT && g->scid <= 1023, AUS_E_ARG);
    AUS_ENSURE(g->tm_vcid < AUS_TM_IDLE_VCID && g->tc_vcid <= 63, AUS_E_ARG);
    AUS_ENSURE(g->apid_bundle < AUS_SPP_APID_IDLE && g->apid_ep < AUS_SPP_APID_IDLE &&
                   g->apid_bundle != g->apid_ep,
               AUS_E_ARG);
    AUS_ENSURE(g->map_bundle <= 63 && g->map_ep <= 63 && g->map_bundle != g->map_ep, AUS_E_ARG);
    AUS_ENSURE(g->farm_window >= 2 && g->farm_window <= 254 && g->farm_window % 2 == 0, AUS_E_ARG);
    /* 232.1 §5.1.8.3 / §6.1.8.2: the FOP window K must not exceed the FARM positive window. */
    AUS_ENSURE(g->fop_window >= 1 && g->fop_window <= AUS_FOP_MAX_WINDOW &&
                   g->fop_window <= g->farm_window / 2,
               AUS_E_ARG);
    AUS_ENSURE(g->tx_limit >= 1 && g->t1 > 0 && g->tm_min_frames >= 1, AUS_E_ARG);
    return AUS_OK;
}

/* RS geometry implied by the frame length (docs/ccsds.md, the same rule as the CLI): I =
 * len / 223 when whole and 1..8, else the smallest I with len = I * (223 - q). */
static aus_err rs_geometry(size_t fl, aus_tm_coding *c)
{
    unsigned lo = 1, hi = AUS_RS_MAX_INTERLEAVE;
    if (fl % AUS_RS_K == 0 && fl / AUS_RS_K >= 1 && fl / AUS_RS_K <= AUS_RS_MAX_INTERLEAVE)
        lo = hi = (unsigned)(fl / AUS_RS_K);
    for (unsigned i = lo; i <= hi; i++) {
        if (fl % i == 0 && fl / i >= 1 && fl / i <= AUS_RS_K) {
            c->rs_interleave = (uint8_t)i;
            c->rs_pad = (uint8_t)(AUS_RS_K - fl / i);
            return AUS_OK;
        }
    }
    return AUS_E_ARG;
}

static aus_err sa_overhead(const aus_sdls_table *t, uint16_t spi, int *hl, int *tl)
{
    *hl = aus_sdls_header_len(t, spi);
    *tl = aus_sdls_trailer_len(t, spi);
    AUS_ENSURE(*hl >= 0 && *tl >= 0, AUS_E_SPI);
    return AUS_OK;
}

static aus_err setup_tc(aus_cl_ccsds *c)
{
    int h1, t1, h2, t2;
    AUS_TRY(sa_overhead(c->sdls, c->cfg.tc_spi, &h1, &t1));
    AUS_TRY(sa_overhead(c->sdls, c->cfg.ep_spi, &h2, &t2));
    int ovh = h1 + t1 > h2 + t2 ? h1 + t1 : h2 + t2;
    bool seg = !c->cfg.tc_no_seg_hdr;
    c->tc = (aus_tc_cfg){c->cfg.scid, true, seg, AUS_TC_MAX_LEN, (uint16_t)ovh};
    AUS_TRY(aus_tc_cfg_check(&c->tc));
    /* FDU = segment header + user data; the frame adds 5 + FECF 2 + SDLS. */
    size_t fdu = AUS_TC_MAX_LEN - AUS_TC_HDR_LEN - AUS_TC_FECF_LEN - (size_t)ovh;
    AUS_ENSURE(fdu >= 2 + AUS_SPP_HDR_LEN && fdu <= 1019, AUS_E_ARG);
    c->fdu_max = fdu;
    c->tc_link = (aus_sdls_link){AUS_TC_MAX_LEN, AUS_SDLS_FECF_YES, 0, seg, 0, 0};
    return AUS_OK;
}

static aus_err setup_tm(aus_cl_ccsds *c)
{
    int hl, tl;
    AUS_TRY(sa_overhead(c->sdls, c->cfg.tm_spi, &hl, &tl));
    memset(&c->tm, 0, sizeof c->tm);
    c->tm.scid = c->cfg.scid;
    c->tm.frame_len = c->cfg.tm_frame_len;
    c->tm.ocf = true;
    c->tm.fecf = true;
    c->tm.vc[c->cfg.tm_vcid] = (aus_tm_vc_cfg){(uint8_t)hl, (uint8_t)tl};
    AUS_TRY(aus_tm_cfg_check(&c->tm));
    c->coding.randomize = c->cfg.randomize;
    AUS_TRY(rs_geometry(c->cfg.tm_frame_len, &c->coding));
    c->cadu_len = aus_tm_cadu_len(&c->coding, c->cfg.tm_frame_len);
    AUS_ENSURE(c->cadu_len > 0, AUS_E_ARG);
    c->tm_link_tx = (aus_sdls_link){c->cfg.tm_frame_len, AUS_SDLS_FECF_YES, 1, 0, 0, 0};
    /* the FECF is checked by aus_tm_frame_decode before SDLS sees the frame */
    c->tm_link_rx = (aus_sdls_link){c->cfg.tm_frame_len, AUS_SDLS_FECF_BLANK, 1, 0, 0, 0};
    return AUS_OK;
}

static aus_err setup_role(aus_cl_ccsds *c)
{
    const aus_cl_ccsds_cfg *g = &c->cfg;
    if (g->role == AUS_CL_CCSDS_GROUND) {
        aus_fop_cfg fc = {g->tc_vcid, g->fop_window, g->tx_limit, 0, g->t1};
        AUS_TRY(aus_fop_init(&c->fop, &fc, c->fop_buf, sizeof c->fop_buf, c->fdu_max));
        AUS_TRY(aus_tm_rx_init(&c->tm_rx, &c->tm, clc_tm_on_packet, c));
        AUS_TRY(aus_tm_rx_open(&c->tm_rx, g->tm_vcid, c->tm_pkt, sizeof c->tm_pkt));
        AUS_TRY(aus_spp_tx_init(&c->spp, AUS_SPP_TC, g->apid_bundle, AUS_SPP_MAX_DATA));
    } else {
        AUS_TRY(aus_farm_init(&c->farm, g->tc_vcid, g->farm_window));
        /* Mission choice (docs/cl_ccsds.md): at first boot FARM-1 is opened with V(R) = 0, as
         * if an Unlock had been received, so that the first pass needs no BC frame. A restart
         * restores the persisted state instead (clc_load). */
        static const uint8_t unlock[AUS_COP1_UNLOCK_LEN] = {0x00};
        AUS_TRY(aus_farm_on_frame(&c->farm, AUS_COP1_BC, 0, unlock, sizeof unlock, 1));
        AUS_TRY(aus_tm_tx_init(&c->tm_tx, &c->tm));
        AUS_TRY(aus_tm_tx_open(&c->tm_tx, g->tm_vcid, 1));
        AUS_TRY(aus_spp_tx_init(&c->spp, AUS_SPP_TM, g->apid_bundle, AUS_SPP_MAX_DATA));
    }
    aus_spp_reasm_init(&c->reasm, c->reasm_buf, sizeof c->reasm_buf);
    return AUS_OK;
}

aus_err aus_cl_ccsds_init(aus_cl_ccsds *c, const aus_cl_ccsds_cfg *cfg, aus_sdls_table *sdls,
                          const aus_store *store, const char *prefix, const aus_cl_ccsds_ops *ops,
                          void *user, uint64_t now)
{
    (void)now;
    AUS_ENSURE(c != NULL && cfg != NULL && sdls != NULL, AUS_E_ARG);
    AUS_TRY(cfg_check(cfg));
    size_t pl = prefix != NULL ? strlen(prefix) : 0;
    AUS_ENSURE(pl + 24 <= sizeof c->prefix, AUS_E_ARG);
    memset(c, 0, offsetof(aus_cl_ccsds, q));
    c->cfg = *cfg;
    c->sdls = sdls;
    c->store = store;
    if (pl)
        memcpy(c->prefix, prefix, pl);
    c->prefix[pl] = '\0';
    if (ops != NULL)
        c->ops = *ops;
    c->user = user;
    c->q_first = c->q_next = 1;
    c->q_head = 0;
    memset(&c->fop, 0, sizeof c->fop);
    c->mir_head = c->mir_count = c->mir_sub = c->mir_base = 0;
    c->fop_acked = 0;
    c->have_clcw = false;
    c->dirty = false;
    c->ns_hi = 0;
    c->ns_any = false;
    c->ep_seq = 0;
    memset(&c->tm_rx, 0, sizeof c->tm_rx);
    memset(&c->tm_tx, 0, sizeof c->tm_tx);
    memset(&c->farm, 0, sizeof c->farm);
    AUS_TRY(setup_tc(c));
    AUS_TRY(setup_tm(c));
    AUS_TRY(setup_role(c));
    if (store != NULL)
        AUS_TRY(clc_load(c));
    return AUS_OK;
}

/* ---- the queue ---- */

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool clc_q_head(const aus_cl_ccsds *c, uint8_t *kind, const uint8_t **p, size_t *n)
{
    if (c->q_items == 0)
        return false;
    *kind = c->q[c->q_head];
    *n = get_be32(c->q + c->q_head + 1);
    *p = c->q + c->q_head + CLC_UNIT_HDR;
    return true;
}

static void q_key(const aus_cl_ccsds *c, uint64_t seq, char *key)
{
    size_t pl = strlen(c->prefix);
    memcpy(key, c->prefix, pl);
    memcpy(key + pl, "q/", 2);
    aus_hex_put(key + pl + 2, seq, 16);
    key[pl + 18] = '\0';
}

void clc_q_pop(aus_cl_ccsds *c)
{
    c->q_head += CLC_UNIT_HDR + get_be32(c->q + c->q_head + 1);
    c->q_items--;
    if (c->q_items == 0)
        c->q_head = c->q_len = 0;
    c->q_off = 0;
    c->q_first++;
    c->dirty = true;
}

static void q_append(aus_cl_ccsds *c, uint8_t kind, const uint8_t *p, size_t n)
{
    uint8_t *d = c->q + c->q_len;
    d[0] = kind;
    d[1] = (uint8_t)(n >> 24);
    d[2] = (uint8_t)(n >> 16);
    d[3] = (uint8_t)(n >> 8);
    d[4] = (uint8_t)n;
    memcpy(d + CLC_UNIT_HDR, p, n);
    c->q_len += CLC_UNIT_HDR + n;
    c->q_items++;
}

static aus_err enqueue(aus_cl_ccsds *c, uint8_t kind, const uint8_t *p, size_t n)
{
    AUS_ENSURE(c->q_len - c->q_head + CLC_UNIT_HDR + n <= sizeof c->q, AUS_E_FULL);
    if (c->q_len + CLC_UNIT_HDR + n > sizeof c->q) { /* compact: once per queue's worth */
        memmove(c->q, c->q + c->q_head, c->q_len - c->q_head);
        c->q_len -= c->q_head;
        c->q_head = 0;
    }
    if (c->store != NULL) {
        /* Durable before we say yes: the caller may forget the unit once this returns. */
        char key[AUS_STORE_KEY_MAX];
        q_key(c, c->q_next, key);
        uint8_t *rec = c->work; /* kind + bytes; work is free between calls */
        rec[0] = kind;
        memcpy(rec + 1, p, n);
        AUS_TRY(c->store->ops->put(c->store->self, key, rec, n + 1));
    }
    q_append(c, kind, p, n);
    c->q_next++;
    return AUS_OK;
}

aus_err aus_cl_ccsds_send(aus_cl_ccsds *c, const uint8_t *bundle, size_t len, uint64_t now)
{
    (void)now;
    AUS_ENSURE(c != NULL && bundle != NULL && len > 0 && len <= AUS_CL_CCSDS_BUNDLE_MAX, AUS_E_ARG);
    AUS_TRY(enqueue(c, CLC_BUNDLE, bundle, len));
    c->st.bundles_tx++;
    return AUS_OK;
}

aus_err aus_cl_ccsds_ep_send(aus_cl_ccsds *c, const uint8_t *pdu, size_t len, uint64_t now)
{
    (void)now;
    AUS_ENSURE(c != NULL && pdu != NULL && len > 0, AUS_E_ARG);
    /* uplink: one FDU after the segment header; downlink: one unsegmented Space Packet */
    if (c->cfg.role == AUS_CL_CCSDS_GROUND)
        AUS_ENSURE(len <= AUS_CL_CCSDS_EP_MAX &&
                       len + (c->cfg.tc_no_seg_hdr ? AUS_SPP_HDR_LEN : 1u) <= c->fdu_max,
                   AUS_E_ARG); /* without segment header an EP PDU rides in a Space Packet */
    else
        AUS_ENSURE(len <= AUS_SPP_MAX_DATA, AUS_E_ARG);
    AUS_TRY(enqueue(c, CLC_EP, pdu, len));
    c->st.ep_tx++;
    return AUS_OK;
}

/* ---- passes ---- */

size_t aus_cl_ccsds_pass_min_cap(const aus_cl_ccsds *c)
{
    if (c->cfg.role == AUS_CL_CCSDS_GROUND)
        return ((size_t)c->cfg.fop_window + 2u) * AUS_CL_CCSDS_CLTU_MAX;
    return (size_t)c->cfg.tm_min_frames * c->cadu_len;
}

aus_err aus_cl_ccsds_pass_out(aus_cl_ccsds *c, uint8_t *out, size_t cap, uint64_t now, size_t *len)
{
    AUS_ENSURE(c != NULL && out != NULL && len != NULL, AUS_E_ARG);
    *len = 0;
    AUS_ENSURE(cap >= aus_cl_ccsds_pass_min_cap(c), AUS_E_NOBUFS);
    aus_err e = c->cfg.role == AUS_CL_CCSDS_GROUND ? clc_up_out(c, out, cap, now, len)
                                                   : clc_down_out(c, out, cap, now, len);
    aus_err s = clc_save(c);
    return e != AUS_OK ? e : s;
}

aus_err aus_cl_ccsds_pass_in(aus_cl_ccsds *c, uint8_t *in, size_t len, uint64_t now)
{
    AUS_ENSURE(c != NULL && (in != NULL || len == 0), AUS_E_ARG);
    if (c->cfg.role == AUS_CL_CCSDS_GROUND)
        clc_down_in(c, in, len, now);
    else
        clc_up_in(c, in, len, now);
    c->dirty = true;
    return clc_save(c);
}

void clc_count_sdls(aus_cl_ccsds *c, aus_err e)
{
    switch (e) {
    case AUS_OK: c->st.sdls_ok++; break;
    case AUS_E_AUTH: c->st.sdls_auth++; break;
    case AUS_E_REPLAY: c->st.sdls_replay++; break;
    case AUS_E_SPI: c->st.sdls_spi++; break;
    default: c->st.sdls_other++; break;
    }
}

void aus_cl_ccsds_stats_get(const aus_cl_ccsds *c, aus_cl_ccsds_stats *out)
{
    *out = c->st;
    out->queued_items = c->q_items;
    out->queued_bytes = c->q_len - c->q_head;
    out->sdu_lost = c->reasm.lost;
    if (c->cfg.role == AUS_CL_CCSDS_GROUND) {
        out->fop_state = (uint8_t)c->fop.state;
        out->vs = c->fop.vs;
        out->nnr = c->fop.nnr;
        out->outstanding = c->mir_count;
        out->clcw = 0;
        if (c->have_clcw) {
            uint8_t w[AUS_CLCW_LEN];
            if (aus_clcw_encode(&c->last_clcw, w) == AUS_OK)
                out->clcw = get_be32(w);
        }
    } else {
        out->farm_state = (uint8_t)c->farm.state;
        out->vr = c->farm.vr;
        aus_clcw w;
        uint8_t b[AUS_CLCW_LEN];
        aus_farm_clcw(&c->farm, &w);
        if (aus_clcw_encode(&w, b) == AUS_OK)
            out->clcw = get_be32(b);
    }
}

size_t aus_cl_ccsds_flip_bits(uint8_t *buf, size_t len, double rate, uint64_t *rng_state)
{
    if (buf == NULL || rng_state == NULL || !(rate > 0.0))
        return 0;
    /* P(flip) = threshold / 2^64, compared against 64 fresh bits per channel bit. */
    uint64_t thr = rate >= 1.0 ? UINT64_MAX : (uint64_t)(rate * 18446744073709551616.0);
    size_t flipped = 0;
    for (size_t i = 0; i < len; i++) {
        for (unsigned b = 0; b < 8; b++) {
            uint64_t z = (*rng_state += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            z ^= z >> 31;
            if (z < thr) {
                buf[i] ^= (uint8_t)(1u << b);
                flipped++;
            }
        }
    }
    return flipped;
}
