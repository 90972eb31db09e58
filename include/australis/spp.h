/* SPDX-License-Identifier: Apache-2.0 */
/* CCSDS Space Packets (133.0-B-2) and Encapsulation Packets (133.1-B-3).
 *
 * Sans-I/O, no allocation. Decoders return views into the caller's bytes. Layouts: 133.0-B-2
 * §4.1 and 133.1-B-3 §4.1. Bit 0 = MSB, big-endian.
 *
 *   Space Packet primary header (6 octets): version(3)=000 | type(1) | sec-hdr flag(1) | APID(11) |
 *   sequence flags(2) | sequence count(14) | data length(16) = octets in the data field - 1.
 *   Encapsulation Packet (133.1 §4.1.2): version(3)=111 | protocol id(3) | len-of-len(2) | ...
 */
#ifndef AUSTRALIS_SPP_H
#define AUSTRALIS_SPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "australis/cursor.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_SPP_HDR_LEN 6u
#define AUS_SPP_MAX_DATA 65536u /* data field 1..65536 octets (133.0 §4.1.3.5) */
#define AUS_SPP_MAX_LEN (AUS_SPP_HDR_LEN + AUS_SPP_MAX_DATA)
#define AUS_SPP_APID_IDLE 0x7FFu /* 133.0 §4.1.2.3.3: all ones = idle packet */
#define AUS_SPP_APID_MAX 0x7FFu
#define AUS_SPP_SEQ_MOD 16384u

/* Packet Version Numbers in the first 3 bits (135.0-B Table 7-6). */
#define AUS_PVN_SPACE_PACKET 0u
#define AUS_PVN_ENCAP 7u

typedef enum aus_spp_seq {
    AUS_SPP_SEQ_CONT = 0,  /* continuation segment */
    AUS_SPP_SEQ_FIRST = 1, /* first segment */
    AUS_SPP_SEQ_LAST = 2,  /* last segment */
    AUS_SPP_SEQ_UNSEG = 3, /* unsegmented user data */
} aus_spp_seq;

typedef enum aus_spp_type {
    AUS_SPP_TM = 0,
    AUS_SPP_TC = 1,
} aus_spp_type;

typedef struct aus_spp_hdr {
    uint8_t type;       /* aus_spp_type */
    uint8_t sec_hdr;    /* 1 = a packet secondary header starts the data field */
    uint16_t apid;      /* 0..0x7FF */
    uint8_t seq_flags;  /* aus_spp_seq */
    uint16_t seq_count; /* 0..16383 */
} aus_spp_hdr;

typedef struct aus_spp_pkt {
    aus_spp_hdr hdr;
    const uint8_t *data; /* the packet data field (secondary header + user data) */
    size_t data_len;     /* 1..65536 */
} aus_spp_pkt;

/* Total length of the CCSDS packet (Space or Encapsulation) starting at p, from its header.
 * Errors: AUS_E_TRUNC (header incomplete: *need is set to the header octets required),
 * AUS_E_UNSUPPORTED (version neither 000 nor 111), AUS_E_MALFORMED (encapsulation length
 * shorter than its own header), AUS_E_LIMIT (length does not fit a size_t). */
AUS_MUST_USE aus_err aus_ccsds_packet_len(const uint8_t *p, size_t avail, size_t *total);

/* Decode exactly one Space Packet occupying all n octets.
 * Errors: AUS_E_TRUNC (n < header + length field says), AUS_E_TRAILING (n larger),
 * AUS_E_UNSUPPORTED (version != 000). The output is written only on success. */
AUS_MUST_USE aus_err aus_spp_decode(const uint8_t *p, size_t n, aus_spp_pkt *out);

/* Encode a Space Packet. data_len must be 1..65536.
 * Errors: AUS_E_ARG (field out of range, empty or oversized data), AUS_E_NOBUFS (writer full). */
AUS_MUST_USE aus_err aus_spp_encode(aus_wr *w, const aus_spp_hdr *h, const uint8_t *data,
                                    size_t data_len);

/* An idle packet (APID 0x7FF, unsegmented, type TM) of total_len octets (7..65542); the data
 * field is filled with 0x55 (the idle pattern is mission-defined, 133.0 §4.1.3.2.3).
 * Errors: AUS_E_ARG, AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_spp_encode_idle(aus_wr *w, size_t total_len, uint16_t seq_count);

/* ---- segmentation of an SDU larger than one packet (133.0 §4.1.2.4.2) ---- */
typedef struct aus_spp_tx {
    aus_spp_hdr tmpl;  /* type, sec_hdr, apid used for every packet */
    uint16_t next_seq; /* packet sequence count of the next packet */
    size_t max_data;   /* data octets per packet (1..65536) */
} aus_spp_tx;

/* Errors: AUS_E_ARG (apid > 0x7FF or apid = idle, max_data out of range). */
AUS_MUST_USE aus_err aus_spp_tx_init(aus_spp_tx *tx, uint8_t type, uint16_t apid, size_t max_data);
/* Write the next packet of sdu[*off..n) and advance *off. n <= max_data gives one unsegmented
 * packet; larger SDUs give first / continuation... / last. Call while *off < n.
 * Errors: AUS_E_ARG (n == 0, *off >= n), AUS_E_NOBUFS (nothing is consumed then). */
AUS_MUST_USE aus_err aus_spp_tx_segment(aus_spp_tx *tx, const uint8_t *sdu, size_t n, size_t *off,
                                        aus_wr *w);

/* ---- reassembly (one APID) into a caller buffer ---- */
typedef struct aus_spp_reasm {
    uint8_t *buf;
    size_t cap;
    size_t have;
    uint16_t next_seq;
    bool active;
    uint32_t lost; /* SDUs abandoned because a segment was missing */
} aus_spp_reasm;

void aus_spp_reasm_init(aus_spp_reasm *r, uint8_t *buf, size_t cap);
/* Feed one decoded packet. AUS_OK with *sdu and *sdu_len set when an SDU is complete (a view into
 * the reassembly buffer, or into the packet for an unsegmented one; valid until the next call).
 * A first or unsegmented packet while an SDU is open abandons that SDU (counted in lost) and
 * is processed normally.
 * Errors: AUS_E_AGAIN (segment stored, SDU not complete), AUS_E_TRUNC (sequence-count gap: the
 * open SDU and this packet are discarded, counted in lost), AUS_E_MALFORMED (continuation/last
 * segment without a first), AUS_E_LIMIT (SDU larger than the buffer: discarded). */
AUS_MUST_USE aus_err aus_spp_reasm_push(aus_spp_reasm *r, const aus_spp_pkt *pkt,
                                        const uint8_t **sdu, size_t *sdu_len);

/* ---- APID demultiplexer: a 2048-entry table, constant time per packet ---- */
#ifndef AUS_SPP_DEMUX_ROUTES
#define AUS_SPP_DEMUX_ROUTES 16 /* distinct handlers one demultiplexer can hold */
#endif

typedef void (*aus_spp_handler)(void *user, const aus_spp_pkt *pkt);

typedef struct aus_spp_route {
    aus_spp_handler fn;
    void *user;
} aus_spp_route;

typedef struct aus_spp_demux {
    uint8_t slot[AUS_SPP_APID_MAX + 1]; /* 0 = unrouted, else index + 1 into routes */
    aus_spp_route routes[AUS_SPP_DEMUX_ROUTES];
    uint8_t nroutes;
    uint64_t delivered, idle, unrouted, malformed;
} aus_spp_demux;

void aus_spp_demux_init(aus_spp_demux *d);
/* Route APIDs [lo, hi] to fn. Errors: AUS_E_ARG (range, idle APID, NULL fn), AUS_E_FULL. */
AUS_MUST_USE aus_err aus_spp_demux_route(aus_spp_demux *d, uint16_t lo, uint16_t hi,
                                         aus_spp_handler fn, void *user);
/* Decode one packet and hand it to its APID's handler. Idle packets are counted and dropped.
 * Errors: those of aus_spp_decode, AUS_E_NOTFOUND (no route for the APID). */
AUS_MUST_USE aus_err aus_spp_demux_dispatch(aus_spp_demux *d, const uint8_t *p, size_t n);

/* ---- Encapsulation Packets (133.1-B-3) ---- */
#define AUS_ENCAP_PID_IDLE 0u
#define AUS_ENCAP_PID_LTP 1u
#define AUS_ENCAP_PID_BP 4u /* SANA protocol id 100 = Bundle Protocol */
#define AUS_ENCAP_IDLE_OCTET 0xE0u

typedef struct aus_encap_pkt {
    uint8_t pid;            /* protocol id 0..7 */
    uint8_t lol;            /* length of length 0..3 (header 1, 2, 4 or 8 octets) */
    uint8_t udf;            /* user defined field (LoL >= 2) */
    uint8_t pid_ext;        /* protocol id extension (LoL >= 2) */
    uint16_t ccsds_defined; /* LoL 3 only */
    const uint8_t *data;
    size_t data_len;
} aus_encap_pkt;

/* Encode with the smallest header that fits (HDTN's rule: <= 253 data octets -> 2-octet header,
 * <= 65531 -> 4, else 8). pid 0 (idle) is refused here: use AUS_ENCAP_IDLE_OCTET.
 * Errors: AUS_E_ARG (pid > 7 or 0, data_len 0), AUS_E_LIMIT, AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_encap_encode(aus_wr *w, uint8_t pid, const uint8_t *data, size_t data_len);
/* Decode exactly one Encapsulation Packet occupying all n octets (a 1-octet idle packet gives
 * pid 0, data_len 0). Errors: AUS_E_TRUNC, AUS_E_TRAILING, AUS_E_UNSUPPORTED (not PVN 111),
 * AUS_E_MALFORMED (LoL 0 with pid != 0, length below the header size). */
AUS_MUST_USE aus_err aus_encap_decode(const uint8_t *p, size_t n, aus_encap_pkt *out);

/* Is this complete packet (Space or Encapsulation) idle fill? */
bool aus_ccsds_packet_is_idle(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
