/* SPDX-License-Identifier: Apache-2.0 */
/* CCSDS TM Space Data Link Protocol (132.0-B-3): transfer frames, virtual-channel multiplexing,
 * packet extraction.
 *
 * Sans-I/O, no allocation; contexts are caller-allocated. Layout (132.0-B-3 §4.1):
 *
 *   | primary header 6 | [secondary header] | [SDLS header] | data field | [SDLS trailer] |
 *   | [OCF 4] | [FECF 2] |
 *
 *   header: version(2)=00 | SCID(10) | VCID(3) | OCF flag(1) | MC count(8) | VC count(8) |
 *           sec-hdr flag(1) | sync(1) | packet order(1) | segment length id(2) | FHP(11)
 *
 * SDLS hook: each virtual channel may reserve a security header and trailer of configured lengths
 * (aus_tm_vc_cfg). The encoder leaves them zero; the SDLS layer (sdls.h) fills them and encrypts
 * the data field in place, then aus_tm_frame_set_fecf() recomputes the FECF. On receive,
 * aus_tm_frame_decode() returns views of both areas so the SDLS layer can verify and decrypt
 * before aus_tm_rx_extract() pulls packets out.
 */
#ifndef AUSTRALIS_TM_H
#define AUSTRALIS_TM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef AUS_TM_FRAME_MAX
#define AUS_TM_FRAME_MAX 2048u /* 132.0-B §4.1.1: a TM frame is at most 2048 octets */
#endif
#define AUS_TM_HDR_LEN 6u
#define AUS_TM_OCF_LEN 4u
#define AUS_TM_FECF_LEN 2u
#define AUS_TM_VCS 8u
#define AUS_TM_FHP_NO_START 0x7FFu /* no packet starts in this frame */
#define AUS_TM_FHP_IDLE 0x7FEu     /* only idle data (an OID frame) */
#define AUS_TM_IDLE_VCID 7u        /* VC used for idle frames [assumption, docs/standards.md] */

typedef struct aus_tm_vc_cfg {
    uint8_t sdls_hdr_len; /* security header octets reserved on this VC (0 = none) */
    uint8_t sdls_trl_len; /* security trailer octets reserved on this VC (0 = none) */
} aus_tm_vc_cfg;

typedef struct aus_tm_cfg {
    uint16_t scid;       /* 0..1023 */
    uint16_t frame_len;  /* fixed per physical channel, 7..2048 */
    bool ocf;            /* every frame carries an OCF (the CLCW) */
    bool fecf;           /* every frame ends with CRC-16/CCITT-FALSE */
    uint8_t sec_hdr_len; /* total secondary header octets incl. its id octet (0 = none, 2..64) */
    aus_tm_vc_cfg vc[AUS_TM_VCS];
} aus_tm_cfg;

typedef struct aus_tm_hdr {
    uint16_t scid;
    uint8_t vcid;
    uint8_t ocf_flag;
    uint8_t mc_count;
    uint8_t vc_count;
    uint8_t sec_hdr_flag;
    uint8_t sync_flag;
    uint8_t pkt_order;
    uint8_t seg_len_id;
    uint16_t fhp;
} aus_tm_hdr;

typedef struct aus_tm_frame {
    aus_tm_hdr hdr;
    const uint8_t *sec_hdr; /* secondary header incl. its id octet (NULL if absent) */
    size_t sec_hdr_len;
    uint8_t *sdls_hdr; /* views into the caller's frame (mutable: SDLS decrypts in place) */
    size_t sdls_hdr_len;
    uint8_t *data;
    size_t data_len;
    uint8_t *sdls_trl;
    size_t sdls_trl_len;
    uint32_t ocf; /* valid when hdr.ocf_flag */
} aus_tm_frame;

/* Validate a configuration. Errors: AUS_E_ARG (SCID, length, secondary header, or a VC whose
 * overheads leave no data field). */
AUS_MUST_USE aus_err aus_tm_cfg_check(const aus_tm_cfg *cfg);
/* Data field octets available on a VC (0 on a bad config / vcid). */
size_t aus_tm_data_len(const aus_tm_cfg *cfg, unsigned vcid);

/* Write a whole frame (cfg->frame_len octets) into out. data_len must equal aus_tm_data_len().
 * The SDLS areas are zeroed; the FECF is computed when configured. h->ocf_flag is taken from
 * cfg; ocf is used when cfg->ocf. Errors: AUS_E_ARG (field out of range, wrong data length),
 * AUS_E_NOBUFS (cap < frame_len). */
AUS_MUST_USE aus_err aus_tm_frame_encode(const aus_tm_cfg *cfg, const aus_tm_hdr *h,
                                         const uint8_t *data, size_t data_len, uint32_t ocf,
                                         uint8_t *out, size_t cap);
/* Recompute the FECF of an encoded frame after the SDLS layer changed it (no-op without FECF). */
void aus_tm_frame_set_fecf(const aus_tm_cfg *cfg, uint8_t *frame);

/* Extract the primary header fields without validating them (diagnostics); *version gets the
 * 2-bit transfer frame version number. */
void aus_tm_hdr_parse(const uint8_t p[AUS_TM_HDR_LEN], aus_tm_hdr *h, uint8_t *version);

/* Decode one frame of exactly cfg->frame_len octets (views into frame).
 * Errors: AUS_E_TRUNC / AUS_E_TRAILING (length), AUS_E_CRC (FECF mismatch, checked first),
 * AUS_E_UNSUPPORTED (version != 00), AUS_E_NOTFOUND (SCID is not cfg->scid),
 * AUS_E_MALFORMED (OCF or secondary-header flag disagrees with cfg, secondary-header length or
 * version wrong, sync flag 0 with packet order 1 or segment length id != 11, FHP beyond the
 * data field). */
AUS_MUST_USE aus_err aus_tm_frame_decode(const aus_tm_cfg *cfg, uint8_t *frame, size_t n,
                                         aus_tm_frame *out);

/* ---- sending side: packets -> frames, virtual channels multiplexed by priority ---- */
typedef struct aus_tm_vc_tx {
    bool open;
    uint8_t priority; /* higher value wins; ties go to the lower VCID */
    uint8_t vc_count;
    uint16_t fhp; /* AUS_TM_FHP_NO_START until a packet starts in the pending frame */
    size_t fill;  /* octets in data[] */
    size_t cap;   /* data field length of this VC */
    uint8_t data[AUS_TM_FRAME_MAX];
    /* an idle packet being written across frames by a flush */
    size_t idle_len, idle_off;
    uint16_t idle_seq;
} aus_tm_vc_tx;

typedef struct aus_tm_tx {
    const aus_tm_cfg *cfg;
    uint8_t mc_count;
    uint32_t ocf; /* CLCW (or other OCF) put in every frame when cfg->ocf */
    aus_tm_vc_tx vc[AUS_TM_VCS];
} aus_tm_tx;

/* Errors: those of aus_tm_cfg_check. */
AUS_MUST_USE aus_err aus_tm_tx_init(aus_tm_tx *tx, const aus_tm_cfg *cfg);
/* Errors: AUS_E_ARG (vcid > 7, or the idle VC 7 when idle frames are generated). */
AUS_MUST_USE aus_err aus_tm_tx_open(aus_tm_tx *tx, unsigned vcid, uint8_t priority);
/* Copy packet octets pkt[*off..n) into the VC's pending frame; *off == 0 marks the start of a
 * packet (sets the first header pointer if none is set yet). Returns AUS_OK when *off == n, or
 * AUS_E_AGAIN when the VC's pending frame is full: take it with aus_tm_tx_pull() and call again.
 * Errors: AUS_E_ARG (VC not open, n == 0, *off > n), AUS_E_AGAIN. */
AUS_MUST_USE aus_err aus_tm_tx_put(aus_tm_tx *tx, unsigned vcid, const uint8_t *pkt, size_t n,
                                   size_t *off);
/* Is there a full frame waiting on some VC? */
bool aus_tm_tx_ready(const aus_tm_tx *tx);
/* Emit the next frame (cfg->frame_len octets) into out: the highest-priority VC with a full
 * frame; else, when flush, the highest-priority VC with a partial frame, completed with an idle
 * Space Packet (which may continue into that VC's next frame); else an idle frame (VC 7, FHP
 * 0x7FE, 0x55 idle data). *vcid_out receives the VC used. Errors: AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_tm_tx_pull(aus_tm_tx *tx, bool flush, uint8_t *out, size_t cap,
                                    unsigned *vcid_out);
/* Octets pending (partial frames and idle continuations) on all VCs. */
size_t aus_tm_tx_pending(const aus_tm_tx *tx);

/* ---- receiving side: counters, loss detection, packet extraction ---- */
typedef void (*aus_tm_packet_fn)(void *user, unsigned vcid, const uint8_t *pkt, size_t len);

typedef struct aus_tm_vc_rx {
    uint8_t *buf; /* caller buffer for a packet that spans frames */
    size_t cap;
    size_t have; /* octets of the current packet collected */
    size_t need; /* its total length once known (0 = header not complete yet) */
    bool open;
    bool in_pkt;   /* a packet is being collected */
    bool skipping; /* discarding the rest of an oversized packet */
    bool synced;   /* the packet boundary is known (false after loss until the next FHP) */
    bool seen;     /* next_vc is valid */
    uint8_t next_vc;
} aus_tm_vc_rx;

typedef struct aus_tm_rx {
    const aus_tm_cfg *cfg;
    aus_tm_packet_fn on_packet;
    void *user;
    bool mc_seen;
    uint8_t next_mc;
    aus_tm_vc_rx vc[AUS_TM_VCS];
    /* totals */
    uint64_t frames, idle_frames, packets, idle_packets, mc_lost, vc_lost, partial_dropped,
        oversize, bad_packets;
} aus_tm_rx;

typedef struct aus_tm_rx_info {
    unsigned mc_lost;         /* frames missing on the master channel before this one */
    unsigned vc_lost;         /* frames missing on this VC before this one */
    unsigned packets;         /* packets delivered from this frame */
    unsigned partial_dropped; /* partly received packets discarded (loss or inconsistency) */
    bool idle;                /* only idle data */
    aus_err err;              /* first packet-level problem in this frame (AUS_OK if none) */
} aus_tm_rx_info;

/* Errors: those of aus_tm_cfg_check. */
AUS_MUST_USE aus_err aus_tm_rx_init(aus_tm_rx *rx, const aus_tm_cfg *cfg, aus_tm_packet_fn fn,
                                    void *user);
/* Accept frames of vcid; packets up to cap octets are reassembled across frames in buf.
 * Errors: AUS_E_ARG. */
AUS_MUST_USE aus_err aus_tm_rx_open(aus_tm_rx *rx, unsigned vcid, uint8_t *buf, size_t cap);
/* Process one decoded (and, with SDLS, verified) frame: count, detect loss, deliver every packet
 * completed in it through on_packet (idle packets are dropped). Frames must be given in order.
 * Errors: AUS_E_NOTFOUND (VC not open; the frame still counts on the master channel). Packet-level
 * problems (a packet longer than the buffer, an unknown packet version, an FHP that contradicts the
 * packet in progress) do not fail the frame: they are reported in info->err and counted. */
AUS_MUST_USE aus_err aus_tm_rx_extract(aus_tm_rx *rx, const aus_tm_frame *f, aus_tm_rx_info *info);

#ifdef __cplusplus
}
#endif
#endif
