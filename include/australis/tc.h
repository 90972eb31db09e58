/* SPDX-License-Identifier: Apache-2.0 */
/* CCSDS TC Space Data Link Protocol (232.0-B-4): transfer frames, segment header with MAP IDs,
 * segmentation and reassembly of SDUs larger than one frame.
 *
 * Sans-I/O, no allocation. Layout (232.0-B-4 §4.1):
 *
 *   | primary header 5 | [segment header 1] | [SDLS header] | data | [SDLS trailer] | [FECF 2] |
 *
 *   header: version(2)=00 | bypass(1) | control command(1) | spare(2) | SCID(10) | VCID(6) |
 *           frame length(10) = total octets - 1 | frame sequence number N(S) (8)
 *   segment header: sequence flags(2) | MAP ID(6)
 *
 * SDLS (sdls.h aus_sdls_tc_apply) inserts its header after the segment header and its trailer
 * before the FECF, growing the frame; so this codec builds and parses frames *without* SDLS
 * areas, and the SDLS layer is called between encode and CLTU coding (and between CLTU
 * decoding and aus_tc_frame_decode on receive, which then sees the frame as sdls processed it).
 */
#ifndef AUSTRALIS_TC_H
#define AUSTRALIS_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "australis/cursor.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_TC_HDR_LEN 5u
#define AUS_TC_FECF_LEN 2u
#define AUS_TC_MAX_LEN 1024u /* 232.0 §4.1.2.7: frame length field 10 bits, total <= 1024 */

/* Segment header sequence flags (232.0 §4.1.3.2.2). */
#define AUS_TC_SEG_CONT 0u
#define AUS_TC_SEG_FIRST 1u
#define AUS_TC_SEG_LAST 2u
#define AUS_TC_SEG_UNSEG 3u

typedef struct aus_tc_cfg {
    uint16_t scid;          /* 0..1023 */
    bool fecf;              /* frames carry CRC-16/CCITT-FALSE */
    bool seg_hdr;           /* data frames (not BC) carry the 1-octet segment header: a managed
                             * parameter of the VC (232.0 §4.1.3.1, §5); false = the VC has no
                             * MAP service, a frame's data field is one whole unit */
    uint16_t max_len;       /* maximum frame length on this VC (<= 1024) */
    uint16_t sdls_overhead; /* octets the SDLS layer will add (header + trailer); 0 = none */
} aus_tc_cfg;

typedef struct aus_tc_hdr {
    uint8_t bypass; /* 1 = Type-B */
    uint8_t ctrl;   /* 1 = control command (Type-C) */
    uint16_t scid;
    uint8_t vcid; /* 0..63 */
    uint8_t fsn;  /* N(S) */
} aus_tc_hdr;

typedef struct aus_tc_frame {
    aus_tc_hdr hdr;
    size_t len; /* total frame octets (length field + 1) */
    bool has_seg;
    uint8_t seg_flags; /* valid when has_seg */
    uint8_t map_id;
    const uint8_t *data; /* after the segment header, before the FECF (SDLS areas included) */
    size_t data_len;
} aus_tc_frame;

/* Errors: AUS_E_ARG (SCID, max_len below header + segment header + FECF + SDLS + 1, or > 1024). */
AUS_MUST_USE aus_err aus_tc_cfg_check(const aus_tc_cfg *cfg);
/* Largest user-data octets per frame (after SDLS is applied, the frame is still <= max_len). */
size_t aus_tc_max_data(const aus_tc_cfg *cfg);

/* Encode one frame. seg_flags/map_id are used when cfg->seg_hdr and !h->ctrl (a BC frame never
 * carries a segment header, 232.0 §4.1.3.1.2). The FECF (if any) is computed.
 * Errors: AUS_E_ARG (field range, empty data), AUS_E_LIMIT (frame longer than max_len - SDLS
 * overhead), AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_tc_frame_encode(aus_wr *w, const aus_tc_cfg *cfg, const aus_tc_hdr *h,
                                         uint8_t seg_flags, uint8_t map_id, const uint8_t *data,
                                         size_t data_len);
/* Extract the primary header fields without validating them (diagnostics); *version gets the
 * 2-bit version number and *len_field the frame length field (total octets - 1). */
void aus_tc_hdr_parse(const uint8_t p[AUS_TC_HDR_LEN], aus_tc_hdr *h, uint8_t *version,
                      uint16_t *len_field);

/* Decode a frame from the start of p[0..n): the length field says how long it is; trailing
 * octets (CLTU fill) are ignored and *used tells how many belong to the frame (may be NULL).
 * Errors: AUS_E_TRUNC (n shorter than the length field), AUS_E_UNSUPPORTED (version != 00),
 * AUS_E_MALFORMED (spare bits set, control command flag without bypass (reserved type),
 * frame with no data), AUS_E_CRC (FECF), AUS_E_NOTFOUND (SCID not cfg->scid). */
AUS_MUST_USE aus_err aus_tc_frame_decode(const aus_tc_cfg *cfg, const uint8_t *p, size_t n,
                                         aus_tc_frame *out, size_t *used);
/* Recompute the FECF of a frame of len octets (after SDLS changed it). */
void aus_tc_frame_set_fecf(uint8_t *frame, size_t len);

/* ---- segmentation (232.0 §4.2.2 / §4.3.2: MAP packet segments) ---- */
/* Write the frame carrying sdu[*off..] and advance *off; a SDU that fits one frame gets
 * UNSEG, larger ones FIRST / CONT... / LAST. The caller sets h->fsn for each frame.
 * On a VC without segment header (cfg->seg_hdr false) there is no segmentation (232.0
 * §4.1.3.1): each frame carries the next aus_tc_max_data octets and nothing says where a unit
 * ends, so a sender keeps units within one frame. Errors: AUS_E_ARG, AUS_E_NOBUFS (nothing
 * consumed). */
AUS_MUST_USE aus_err aus_tc_segment(aus_wr *w, const aus_tc_cfg *cfg, const aus_tc_hdr *h,
                                    uint8_t map_id, const uint8_t *sdu, size_t n, size_t *off);

/* ---- frame types and control commands (232.0 §4.1.2.3, §4.1.3.3; 232.1 §3) ---- */
/* "AD" (bypass 0, control 0: sequence-controlled data), "BD" (bypass 1, control 0: expedited
 * data), "BC" (bypass 1, control 1: control command), "reserved" (bypass 0, control 1). */
const char *aus_tc_frame_type_str(const aus_tc_hdr *h);

#define AUS_TC_CMD_UNLOCK 1u /* data field 00 */
#define AUS_TC_CMD_SET_VR 2u /* data field 82 00 VR */
typedef struct aus_tc_ctrl {
    uint8_t cmd; /* AUS_TC_CMD_* */
    uint8_t vr;  /* Set V(R): the new V(R) */
} aus_tc_ctrl;
/* Decode a BC frame's data field (the control command, 232.0 §4.1.3.3.2: "Unlock" one octet 00,
 * "Set V(R)" three octets 82 00 VR). Errors: AUS_E_MALFORMED (any other content: an invalid
 * directive, which FARM-1 rejects, 232.1 event E9), AUS_E_ARG. */
AUS_MUST_USE aus_err aus_tc_ctrl_decode(const uint8_t *d, size_t n, aus_tc_ctrl *out);
/* Write a control command's data field. Errors via w->err; AUS_E_ARG (unknown cmd). */
AUS_MUST_USE aus_err aus_tc_ctrl_encode(aus_wr *w, const aus_tc_ctrl *c);
/* The command's name: "unlock", "set_vr", "invalid". */
const char *aus_tc_ctrl_str(uint8_t cmd);

#ifndef AUS_TC_MAPS
#define AUS_TC_MAPS 64u
#endif
/* Reassembly of one VC's MAPs into caller buffers. */
typedef struct aus_tc_reasm_slot {
    uint8_t *buf;
    size_t cap, have;
    bool active;
} aus_tc_reasm_slot;

typedef struct aus_tc_reasm {
    aus_tc_reasm_slot map[AUS_TC_MAPS];
    uint32_t lost; /* SDUs abandoned (a new first/unsegmented segment while one was open) */
} aus_tc_reasm;

void aus_tc_reasm_init(aus_tc_reasm *r);
/* Errors: AUS_E_ARG (map_id > 63, NULL buffer). */
AUS_MUST_USE aus_err aus_tc_reasm_set_map(aus_tc_reasm *r, uint8_t map_id, uint8_t *buf,
                                          size_t cap);
/* Feed a decoded frame's user data (after SDLS). AUS_OK with *sdu set when complete.
 * Errors: AUS_E_AGAIN (segment stored), AUS_E_NOTFOUND (MAP has no buffer), AUS_E_MALFORMED
 * (continuation without first, or a frame without segment header), AUS_E_LIMIT (SDU larger
 * than the buffer: discarded). */
AUS_MUST_USE aus_err aus_tc_reasm_push(aus_tc_reasm *r, uint8_t seg_flags, uint8_t map_id,
                                       const uint8_t *data, size_t n, const uint8_t **sdu,
                                       size_t *sdu_len);

#ifdef __cplusplus
}
#endif
#endif
