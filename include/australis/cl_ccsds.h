/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer: bundles (and SDLS-EP PDUs) over the radio path, one pass at a time.
 *
 * Sans-I/O (DESIGN.md §2): the caller allocates the context (large: see sizeof), gives bytes and
 * time, and gets bytes back. One context is one end of the link:
 *
 *   ground  pass_out: queued bundles -> Space Packets (APID apid_bundle, segmented by 133.0
 *           sequence flags to fit a frame, several blocked per frame) -> TC AD frame data units
 *           on MAP map_bundle of tc_vcid -> FOP-1 (sliding window, retransmission) -> TC frame ->
 *           SDLS apply with tc_spi (EP PDUs: MAP map_ep, SPI ep_spi) -> randomize -> CLTU; the
 *           output is one uplink "pass file" of concatenated CLTUs.
 *           pass_in: CADUs -> ASM sync (error tolerant) -> de-randomize -> RS decode -> TM frame
 *           decode (FECF, counters) -> SDLS process with tm_spi -> CLCW (OCF) to FOP-1 ->
 *           packet extraction -> reassembly -> bundles / EP replies through the callbacks.
 *   sat     pass_in: CLTUs -> BCH -> de-randomize -> TC frame decode -> SDLS process (anti-replay:
 *           a frame from an earlier pass is rejected here, before FARM-1) -> FARM-1 -> packets ->
 *           bundles / EP PDUs through the callbacks.
 *           pass_out: queued bundles -> Space Packets on tm_vcid, EP replies on APID apid_ep ->
 *           fixed-length TM frames (CLCW of FARM-1 in the OCF; fill frames — one idle packet
 *           each, SDLS-protected like data — up to tm_min_frames)
 *           -> SDLS apply with tm_spi -> RS(255,223) (interleave implied by tm_frame_len) ->
 *           randomize -> ASM: one downlink pass file of CADUs.
 *
 * Every pass file is self-contained: a downlink file ends on a packet boundary, an uplink file
 * carries whole packets in every frame (no TC segmentation), so `australis ccsds tc-decode` and
 * `tm-decode` decode each file alone. docs/cl_ccsds.md has the details and the persisted state.
 */
#ifndef AUSTRALIS_CL_CCSDS_H
#define AUSTRALIS_CL_CCSDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "australis/coding.h"
#include "australis/cop1.h"
#include "australis/err.h"
#include "australis/sdls.h"
#include "australis/spp.h"
#include "australis/store.h"
#include "australis/tc.h"
#include "australis/tm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest bundle carried (reassembly buffer); the agent's own limit is AUS_AGENT_BUNDLE_MAX. */
#ifndef AUS_CL_CCSDS_BUNDLE_MAX
#define AUS_CL_CCSDS_BUNDLE_MAX 70000u
#endif
/* Bytes of bundles / EP PDUs queued and not yet framed (send returns AUS_E_FULL beyond it). */
#ifndef AUS_CL_CCSDS_QUEUE_BYTES
#define AUS_CL_CCSDS_QUEUE_BYTES (256u * 1024u)
#endif
/* Largest EP PDU on the uplink: one TC frame data field (it is never segmented); replies on the
 * downlink may be up to AUS_SPP_MAX_DATA octets (one Space Packet). */
#define AUS_CL_CCSDS_EP_MAX 1018u
/* Largest CLTU of one TC frame (1024 octets): start + 147 codeblocks + tail. */
#define AUS_CL_CCSDS_CLTU_MAX (AUS_CLTU_START_LEN + 147u * AUS_BCH_BLOCK + AUS_CLTU_TAIL_LEN)

#define AUS_CL_CCSDS_GROUND 0
#define AUS_CL_CCSDS_SAT 1

typedef struct aus_cl_ccsds_cfg {
    uint8_t role;           /* AUS_CL_CCSDS_GROUND / AUS_CL_CCSDS_SAT */
    uint16_t scid;          /* 0..1023 */
    uint8_t tm_vcid;        /* 0..6 (VC 7 carries idle frames) */
    uint8_t tc_vcid;        /* 0..63 */
    uint16_t tm_spi;        /* SDLS SA protecting tm_vcid frames */
    uint16_t tc_spi;        /* SDLS SA protecting TC frames carrying bundles */
    uint16_t ep_spi;        /* SDLS SA protecting TC frames carrying EP PDUs */
    uint16_t tm_frame_len;  /* fixed TM frame length; RS interleave I = len / 223 etc. */
    uint16_t apid_bundle;   /* Space Packet APID of bundles (both directions) */
    uint16_t apid_ep;       /* APID of EP replies on the downlink (CryptoLib: 128) */
    uint8_t map_bundle;     /* TC MAP ID of bundle packets */
    uint8_t map_ep;         /* TC MAP ID of EP PDUs (bare, no packet layer) */
    uint8_t fop_window;     /* FOP-1 K, 1..AUS_FOP_MAX_WINDOW, <= farm_window / 2 */
    uint8_t farm_window;    /* FARM-1 W, even, 2..254 */
    uint8_t tx_limit;       /* FOP-1 Transmission_Limit */
    uint64_t t1;            /* FOP-1 timer in the caller's ticks: unacknowledged frames older
                               than t1 are sent again on the next pass */
    uint16_t tm_min_frames; /* a downlink pass carries at least this many frames (>= 1) */
    bool randomize;         /* TM and TC randomizers (131.0 §10, 231.0 §6) */
    bool accept_set_vr;     /* sat: honour BC Set V(R) (unauthenticated; default off) */
    bool tc_no_seg_hdr;     /* the TC VC has no segment header (232.0 §4.1.3.1, a managed
                             * parameter): no MAPs; EP PDUs then go in Space Packets on
                             * apid_ep under tc_spi ([link] tc_segment_header = no) */
} aus_cl_ccsds_cfg;

/* Delivery callbacks. spi: the SDLS SA that carried the unit (0 when none). */
typedef struct aus_cl_ccsds_ops {
    void (*on_bundle)(void *user, const uint8_t *bundle, size_t len);
    void (*on_ep)(void *user, const uint8_t *pdu, size_t len, uint16_t spi);
} aus_cl_ccsds_ops;

typedef struct aus_cl_ccsds_stats {
    /* uplink (TC) */
    uint64_t cltu_tx, tc_ad_tx, tc_ad_retx, tc_bc_tx, up_bytes_tx;
    uint64_t cltu_rx, cltu_bad, bch_corrected, tc_rx, tc_bad, tc_other_vc;
    uint64_t farm_accept, farm_discard, bc_rx, bd_rx;
    /* downlink (TM) */
    uint64_t tm_tx, tm_idle_tx, down_bytes_tx;
    uint64_t cadu_rx, cadu_sync_slips, cadu_fec, rs_corrected, tm_rx, tm_bad, tm_idle_rx;
    uint64_t mc_lost, vc_lost, partial_dropped;
    /* SDLS (frames refused on process) */
    uint64_t sdls_ok, sdls_auth, sdls_replay, sdls_spi, sdls_other;
    /* units */
    uint64_t bundles_tx, bundles_rx, ep_tx, ep_rx, pkt_bad, sdu_lost;
    uint64_t queued_items, queued_bytes;
    /* COP-1 */
    uint8_t fop_state, farm_state; /* aus_fop_state / aus_farm_state (0 = not this role) */
    uint8_t vs, nnr, vr;           /* V(S), NN(R) (ground), V(R) (sat) */
    uint8_t outstanding;           /* AD frames sent and not acknowledged (ground) */
    uint32_t clcw;                 /* last CLCW sent (sat) or received (ground) */
    uint32_t fop_alerts, fop_resyncs, unlocks;
    aus_fop_alert last_alert;
} aus_cl_ccsds_stats;

/* One unacknowledged (or not yet handed to FOP-1) AD frame data unit. */
typedef struct aus_cl_ccsds_fdu {
    uint16_t len;
    uint8_t data[AUS_TC_MAX_LEN];
} aus_cl_ccsds_fdu;

typedef struct aus_cl_ccsds {
    aus_cl_ccsds_cfg cfg;
    aus_sdls_table *sdls;
    const aus_store *store; /* NULL: nothing persisted */
    char prefix[48];
    aus_cl_ccsds_ops ops;
    void *user;
    aus_cl_ccsds_stats st;
    /* channel configuration derived from cfg */
    aus_tc_cfg tc;
    aus_sdls_link tc_link;
    aus_tm_cfg tm;
    aus_tm_coding coding;
    aus_sdls_link tm_link_tx, tm_link_rx;
    size_t cadu_len, fdu_max;
    /* queue of units not yet framed: [kind 1][len 4][bytes] back to back */
    size_t q_head, q_len;     /* live units in q[q_head..q_len) (compacted when room is needed) */
    size_t q_items, q_off;    /* q_off: octets of the head unit already framed */
    uint64_t q_first, q_next; /* store sequence of the head unit / of the next one */
    uint8_t q[AUS_CL_CCSDS_QUEUE_BYTES];
    aus_spp_tx spp; /* bundle packets: sequence count */
    /* ground: FOP-1 and its own copy of every FDU not yet acknowledged */
    aus_fop fop;
    uint8_t fop_buf[(AUS_FOP_MAX_WINDOW + 2) * 1019];
    aus_cl_ccsds_fdu mir[AUS_FOP_MAX_WINDOW + 1];
    uint8_t mir_head, mir_count, mir_sub; /* ring; mir_sub: entries handed to FOP-1 */
    uint8_t mir_base;                     /* N(S) of the oldest entry */
    uint32_t fop_acked;                   /* aus_fop.acked already reflected in the ring */
    bool have_clcw;
    aus_clcw last_clcw;
    aus_tm_rx tm_rx;
    uint8_t tm_pkt[AUS_SPP_MAX_LEN];
    /* sat: FARM-1 and the TM transmitter */
    aus_farm farm;
    aus_tm_tx tm_tx;
    /* both: bundle reassembly from segmented Space Packets */
    aus_spp_reasm reasm;
    uint8_t reasm_buf[AUS_CL_CCSDS_BUNDLE_MAX];
    uint8_t work[AUS_CL_CCSDS_BUNDLE_MAX + 2048]; /* a packet, a record being built */
    uint8_t ns_hi; /* ground: N(S) after the newest AD frame sent (retransmission count) */
    bool ns_any;
    uint16_t ep_seq; /* sat: sequence count of EP reply packets */
    bool dirty;      /* state to save at the end of the pass */
} aus_cl_ccsds;

/* Defaults (the flown profile): scid 100, tm_vcid 0, tc_vcid 4, tm_spi 1, tc_spi 2, ep_spi 2,
 * tm_frame_len 1115 (RS I = 5), apid_bundle 0x0C8, apid_ep 128, map_bundle 0, map_ep 1,
 * K = 64, W = 254, tx_limit 255, t1 = 1 tick, tm_min_frames 1, randomize on. */
void aus_cl_ccsds_cfg_default(aus_cl_ccsds_cfg *cfg, uint8_t role);

/* Set up one end. sdls: the node's SA table, whose SAs tc_spi / ep_spi (TC) and tm_spi (TM) must
 * be OPERATIONAL (the keystore / EP handler owns the table; this layer only applies and
 * processes). store (may be NULL) persists, under prefix: the queue, FOP-1 (V(S), unacknowledged
 * FDUs, the last CLCW), FARM-1 (state, V(R)), the packet reassembly in progress and the receive
 * counters (last accepted IV / ARSN) of the SDLS SAs this end processes; a restart resumes
 * from them. Errors: AUS_E_ARG (configuration, NULL table, prefix too long), AUS_E_SPI (an SA
 * is missing: its lengths are needed), AUS_E_MALFORMED (a persisted record does not parse),
 * store errors. */
AUS_MUST_USE aus_err aus_cl_ccsds_init(aus_cl_ccsds *c, const aus_cl_ccsds_cfg *cfg,
                                       aus_sdls_table *sdls, const aus_store *store,
                                       const char *prefix, const aus_cl_ccsds_ops *ops, void *user,
                                       uint64_t now);

/* Queue a bundle for the peer (durable when this returns, with a store).
 * Errors: AUS_E_ARG (empty, or larger than AUS_CL_CCSDS_BUNDLE_MAX), AUS_E_FULL (queue full:
 * keep it and offer it again after the next pass), store errors (nothing queued). */
AUS_MUST_USE aus_err aus_cl_ccsds_send(aus_cl_ccsds *c, const uint8_t *bundle, size_t len,
                                       uint64_t now);
/* Queue an SDLS-EP PDU: ground = a command (own TC frame on map_ep, SPI ep_spi), sat = a reply
 * (Space Packet on apid_ep). May be called from the callbacks (e.g. on_ep answering a command).
 * Errors: AUS_E_ARG (empty; ground: longer than one frame's user data, fdu_max - 1 = 986 octets
 * with a 30-octet SDLS overhead; sat: > AUS_SPP_MAX_DATA), AUS_E_FULL, store errors. */
AUS_MUST_USE aus_err aus_cl_ccsds_ep_send(aus_cl_ccsds *c, const uint8_t *pdu, size_t len,
                                          uint64_t now);

/* Build this end's pass file into out[0..cap): ground = CLTUs (BC directive if COP-1 must be
 * re-synchronised, then retransmissions, then new AD frames while the FOP-1 window allows);
 * sat = CADUs (every queued unit whose frames surely fit in cap, then fill frames — one idle
 * packet each, on tm_vcid — up to tm_min_frames). *len gets the octets written: on success
 * never 0 for the sat; 0 for the ground means nothing to send (write no file). State is saved
 * before returning. Call it once per pass (see cfg.t1).
 * cap >= aus_cl_ccsds_pass_min_cap() guarantees progress.
 * Errors: AUS_E_NOBUFS (cap below the minimum), AUS_E_SPI / AUS_E_LIMIT / AUS_E_KEY* (SDLS apply
 * refused: the file so far is returned in *len and is valid), store errors. */
AUS_MUST_USE aus_err aus_cl_ccsds_pass_out(aus_cl_ccsds *c, uint8_t *out, size_t cap, uint64_t now,
                                           size_t *len);
/* Smallest cap for pass_out: ground (K + 2) CLTUs; sat tm_min_frames CADUs. */
size_t aus_cl_ccsds_pass_min_cap(const aus_cl_ccsds *c);

/* Process a pass file from the peer, in place (in[] is modified: de-randomized, decrypted).
 * Damaged units are counted in the stats and skipped; never fails on hostile input.
 * Errors: AUS_E_ARG (NULL), store errors (the effects were delivered but not recorded). */
AUS_MUST_USE aus_err aus_cl_ccsds_pass_in(aus_cl_ccsds *c, uint8_t *in, size_t len, uint64_t now);

/* Counters and COP-1 state (for the telemetry report and `australis status`). */
void aus_cl_ccsds_stats_get(const aus_cl_ccsds *c, aus_cl_ccsds_stats *out);

/* The radio channel of `australis pass --bit-errors RATE`: flip each bit of buf independently
 * with probability rate (0..1), from the caller's PRNG state (splitmix64). Returns the number
 * of bits flipped. */
size_t aus_cl_ccsds_flip_bits(uint8_t *buf, size_t len, double rate, uint64_t *rng_state);

#ifdef __cplusplus
}
#endif
#endif
