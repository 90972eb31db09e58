/* SPDX-License-Identifier: Apache-2.0 */
/* BPv7 bundle codec (RFC 9171): primary and canonical blocks, CRCs, EIDs, extension blocks,
 * fragmentation and reassembly, administrative records (bundle status reports).
 *
 * Decoding is zero-copy: aus_bpv7_decode() fills a caller-owned aus_bpv7_bundle whose EID SSPs
 * and block data are views into the input, which must outlive the struct. RFC 9171 sets no limit
 * on the number of canonical blocks; the caller chooses the capacity: the struct's own array of
 * AUS_BPV7_MAX_BLOCKS (config.h; aus_bpv7_init, aus_bpv7_decode) or an array of its own
 * (aus_bpv7_init_blocks, aus_bpv7_decode_blocks). A bundle with more blocks than that is refused
 * with AUS_E_BLOCKS, a resource bound, never a silent cap. Nothing here allocates.
 *
 * Encoding works from the same struct ("bundle builder"): aus_bpv7_init(), set the primary
 * fields, add blocks, aus_bpv7_encode(). The encoder computes every CRC and always writes
 * preferred (shortest) heads and definite-length arrays, except the bundle's own outer array,
 * which RFC 9171 §4.1 makes indefinite. A decoded bundle re-encodes to identical bytes when its
 * input used those forms (AUS_BPV7_STRICT_CBOR accepts it), and to a bundle that decodes to the
 * same fields otherwise (the previous-node, age and hop-count data are generated from their
 * fields; any other block's data, a byte string BPSec may sign, is carried as received);
 * unknown blocks the decoder marked for discard (RFC 9171 §4.2.4) are left out.
 *
 * Well-formedness and what a node does on receipt are two answers (RFC 9171 §4 vs. §5.6):
 * aus_bpv7_decode() says whether the bytes are a bundle (structure, CRCs, EIDs, block numbers,
 * the extension blocks' own shapes); aus_bpv7_decide_receipt() decides, from the decoded bundle and
 * the node's facts (DTN time, the block types it processes), whether the node accepts it or deletes
 * it with a status-report reason code (§6.1.1), and which blocks it discards or reports.
 *
 * CBOR forms (RFC 9171 §4.1 requires CBOR arrays, not a deterministic profile): by default the
 * decoder accepts indefinite-length arrays for the primary block, canonical blocks, EIDs, the
 * creation timestamp and the hop-count data, and integer / length heads longer than needed; CRCs
 * are checked over the bytes as received, break bytes included (§4.2.1). AUS_BPV7_STRICT_CBOR
 * refuses them: AUS_E_INDEF ("indefinite-length array"), AUS_E_NONPREFERRED ("non-preferred
 * integer encoding"). Indefinite-length byte and text strings are well formed CBOR but cannot
 * be returned as one view: AUS_E_UNSUPPORTED.
 *
 * Position on the primary-block CRC (RFC 9171 §4.3.1 "A CRC SHALL be present in the primary
 * block unless the bundle includes a BPSec BIB whose target is the primary block"): by default
 * a primary block without a CRC is ACCEPTED (the RFC 9173 Appendix A bundles and most deployed
 * agents do this) and noted in b->notes (AUS_BPV7_NOTE_NO_PRIMARY_CRC); with
 * AUS_BPV7_STRICT_CRC it is rejected with AUS_E_NOCRC unless a BIB (block type 11) lists block 0
 * among its security targets. Likewise a creation time of 0 without a bundle age block
 * (RFC 9171 §4.2.6 / §4.4.2) is accepted and noted by default, AUS_E_AGE with
 * AUS_BPV7_STRICT_AGE. Our encoder / CLI never produce either deviation unless asked.
 */
#ifndef AUSTRALIS_BPV7_H
#define AUSTRALIS_BPV7_H

#include <stddef.h>
#include <stdint.h>

#include "australis/config.h"
#include "australis/cursor.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants (RFC 9171) ---- */

#define AUS_BPV7_VERSION 7u

/* CRC types (§4.2.1). */
#define AUS_BPV7_CRC_NONE 0u
#define AUS_BPV7_CRC_16 1u  /* CRC-16 X.25 */
#define AUS_BPV7_CRC_32C 2u /* CRC-32C Castagnoli */

/* Bundle processing control flags (§4.2.3). */
#define AUS_BPV7_BF_FRAGMENT 0x000001u
#define AUS_BPV7_BF_ADMIN 0x000002u /* payload is an administrative record */
#define AUS_BPV7_BF_NO_FRAGMENT 0x000004u
#define AUS_BPV7_BF_ACK_REQ 0x000020u     /* user application acknowledgement requested */
#define AUS_BPV7_BF_STATUS_TIME 0x000040u /* status time requested in reports */
#define AUS_BPV7_BF_RPT_RECEPTION 0x004000u
#define AUS_BPV7_BF_RPT_FORWARD 0x010000u
#define AUS_BPV7_BF_RPT_DELIVERY 0x020000u
#define AUS_BPV7_BF_RPT_DELETION 0x040000u
#define AUS_BPV7_BF_RPT_ALL                                                                        \
    (AUS_BPV7_BF_RPT_RECEPTION | AUS_BPV7_BF_RPT_FORWARD | AUS_BPV7_BF_RPT_DELIVERY |              \
     AUS_BPV7_BF_RPT_DELETION)

/* Block processing control flags (§4.2.4). */
#define AUS_BPV7_BLK_REPLICATE 0x01u   /* block must be replicated in every fragment */
#define AUS_BPV7_BLK_RPT_UNPROC 0x02u  /* transmit status report if block can't be processed */
#define AUS_BPV7_BLK_DEL_UNPROC 0x04u  /* delete bundle if block can't be processed */
#define AUS_BPV7_BLK_DISC_UNPROC 0x10u /* discard block if block can't be processed */

/* Block type codes (§9.1; 11/12 are BPSec, RFC 9172 §11.1). */
#define AUS_BPV7_BT_PAYLOAD 1u
#define AUS_BPV7_BT_PREV_NODE 6u
#define AUS_BPV7_BT_AGE 7u
#define AUS_BPV7_BT_HOP_COUNT 10u
#define AUS_BPV7_BT_BIB 11u
#define AUS_BPV7_BT_BCB 12u

/* EID schemes (§4.2.5.1). */
#define AUS_EID_SCHEME_DTN 1u
#define AUS_EID_SCHEME_IPN 2u

/* Administrative record types (§6.1) and status report reason codes (§6.1.1). */
#define AUS_BPV7_ADMIN_STATUS_REPORT 1u
typedef enum aus_bpv7_reason {
    AUS_BPV7_RC_NONE = 0, /* no additional information */
    AUS_BPV7_RC_LIFETIME_EXPIRED = 1,
    AUS_BPV7_RC_UNIDIRECTIONAL = 2, /* forwarded over unidirectional link */
    AUS_BPV7_RC_CANCELED = 3,       /* transmission canceled */
    AUS_BPV7_RC_DEPLETED_STORAGE = 4,
    AUS_BPV7_RC_DEST_UNAVAILABLE = 5, /* destination endpoint ID unavailable */
    AUS_BPV7_RC_NO_ROUTE = 6,         /* no known route to destination from here */
    AUS_BPV7_RC_NO_CONTACT = 7,       /* no timely contact with next node on route */
    AUS_BPV7_RC_BLOCK_UNINTELLIGIBLE = 8,
    AUS_BPV7_RC_HOP_LIMIT = 9, /* hop limit exceeded */
    AUS_BPV7_RC_TRAFFIC_PARED = 10,
    AUS_BPV7_RC_BLOCK_UNSUPPORTED = 11,
} aus_bpv7_reason;

/* ---- decoder flags ---- */
#define AUS_BPV7_STRICT_CRC 0x01u /* primary CRC required unless a BIB targets block 0 */
#define AUS_BPV7_STRICT_AGE 0x02u /* creation time 0 requires a bundle age block */
#define AUS_BPV7_STRICT (AUS_BPV7_STRICT_CRC | AUS_BPV7_STRICT_AGE)
#define AUS_BPV7_LAX_CBOR                                                                          \
    0x04u /* also accept a definite-length outer bundle array (§4.1 wants                         \
           * indefinite; lax CBOR heads and arrays are the default) */
#define AUS_BPV7_NO_CRC_CHECK 0x08u /* skip CRC verification (e.g. already checked by the CL) */
#define AUS_BPV7_STRICT_CBOR                                                                       \
    0x10u /* preferred heads and definite arrays only: INDEF, NONPREFERRED */

/* ---- notes the decoder leaves in b->notes (accepted deviations and requested actions) ---- */
#define AUS_BPV7_NOTE_NO_PRIMARY_CRC 0x01u /* no primary CRC and no BIB over block 0 */
#define AUS_BPV7_NOTE_NO_AGE 0x02u         /* creation time 0 and no bundle age block */
#define AUS_BPV7_NOTE_UNKNOWN_BLOCK 0x04u  /* at least one block of an unknown type */
#define AUS_BPV7_NOTE_REPORT_UNPROC 0x08u  /* an unknown block asks for a status report (RC 11) */
#define AUS_BPV7_NOTE_DISCARDED 0x10u      /* an unknown block was marked discard */
#define AUS_BPV7_NOTE_ENCRYPTED                                                                    \
    0x20u /* a previous-node / age / hop-count block is the                                        \
           * target of a BCB: its data was left opaque                                             \
           * (blk[i].encrypted); decode again after BPSec */

/* ---- types ---- */

/* Endpoint ID (§4.2.5.1). dtn:none is scheme DTN with ssp == NULL. For dtn the SSP is the text
 * after "dtn:" (e.g. "//node/svc"), a view (decode) or caller memory (encode). */
typedef struct aus_eid {
    uint8_t scheme; /* AUS_EID_SCHEME_DTN or AUS_EID_SCHEME_IPN */
    uint64_t node;  /* ipn: node number */
    uint64_t service;
    const uint8_t *ssp; /* dtn: SSP text, not NUL-terminated; NULL = dtn:none */
    size_t ssp_len;
} aus_eid;

typedef struct aus_bpv7_primary {
    uint8_t version;  /* 7 */
    uint8_t crc_type; /* AUS_BPV7_CRC_* */
    uint64_t flags;   /* AUS_BPV7_BF_* */
    aus_eid dst;
    aus_eid src;
    aus_eid report_to;
    uint64_t ctime;    /* creation time: ms since 2000-01-01T00:00:00Z (DTN epoch); 0 = no clock */
    uint64_t seq;      /* creation timestamp sequence number */
    uint64_t lifetime; /* ms */
    uint64_t frag_offset;   /* valid if flags & AUS_BPV7_BF_FRAGMENT */
    uint64_t total_adu_len; /* valid if flags & AUS_BPV7_BF_FRAGMENT */
    uint32_t crc;           /* decode: CRC value as received */
} aus_bpv7_primary;

typedef struct aus_bpv7_block {
    uint64_t type;     /* AUS_BPV7_BT_* or any other code */
    uint64_t number;   /* unique in the bundle; payload is 1 */
    uint64_t flags;    /* AUS_BPV7_BLK_* */
    uint8_t crc_type;  /* AUS_BPV7_CRC_* */
    uint8_t unknown;   /* decode: type not processed by this stack */
    uint8_t discard;   /* 1: left out by the encoder (decode sets it for unknown+DISC_UNPROC) */
    uint8_t encrypted; /* decode: a BCB (type 12) of this bundle targets this block, so its data
                        * is ciphertext: kept as an opaque view, not interpreted (RFC 9172 §3.8)*/
    /* Block-type-specific data. NULL for types 6/7/10 means "encode from the fields below". */
    const uint8_t *data;
    size_t data_len;
    uint32_t crc; /* decode: CRC value as received */
    size_t off;   /* decode: offset of the block's first byte in the bundle */
    size_t len;   /* decode: encoded length of the whole block */
} aus_bpv7_block;

typedef struct aus_bpv7_bundle {
    aus_bpv7_primary pri;
    size_t nblocks;
    /* The blocks, in encoding order; the payload block is last. blk points at blk_own (set by
     * aus_bpv7_init / aus_bpv7_decode) or at the caller's array (aus_bpv7_init_blocks /
     * aus_bpv7_decode_blocks); blk_cap is its length. A struct copy keeps pointing at the
     * original's blocks: copy with aus_bpv7_copy. */
    aus_bpv7_block *blk;
    size_t blk_cap;
    /* Parsed extension blocks (decode fills them; the encoder uses them when data == NULL).
     * A block a BCB encrypts is not parsed: its has_* stays 0 and blk[i].encrypted is 1. */
    uint8_t has_age, has_hop, has_prev;
    uint64_t age_ms;               /* bundle age block (7), ms */
    uint64_t hop_limit, hop_count; /* hop count block (10) */
    aus_eid prev_node;             /* previous node block (6) */
    const uint8_t *payload;        /* view of the payload block's data */
    size_t payload_len;
    unsigned notes; /* AUS_BPV7_NOTE_* */
    /* decode: where the primary block lies, its raw bytes (BPSec IPPT for block 0), the error */
    const uint8_t *pri_raw;
    size_t pri_off, pri_len;
    size_t encoded_len; /* decode: bytes consumed */
    size_t err_off;     /* decode failure: byte offset the error refers to */
    aus_bpv7_block blk_own[AUS_BPV7_MAX_BLOCKS]; /* last: aus_bpv7_init leaves it unwritten */
} aus_bpv7_bundle;

/* ---- decode / validate / encode ---- */

/* Decode one bundle occupying exactly p[0..n) and check that it is well formed (RFC 9171 §4);
 * what a node does with it is aus_bpv7_decide_receipt's answer. flags: AUS_BPV7_STRICT_*,
 * AUS_BPV7_LAX_CBOR, AUS_BPV7_NO_CRC_CHECK. On failure *b is unspecified except b->err_off, the
 * offset of the first byte of the item at fault (a field's head; for AUS_E_CRC the CRC field of
 * the failing block; for a block-level rule the block; for the trailing bytes the first one).
 * Previous-node, bundle-age and hop-count blocks named as security targets by a BCB (the first
 * field of its abstract security block, RFC 9172 §3.6) are ciphertext: their data is left as an
 * opaque view, blk[i].encrypted = 1, AUS_BPV7_NOTE_ENCRYPTED is noted and their rules are not
 * checked; whoever decrypts them (aus_bpsec_open) decodes the result again.
 * Errors: TRUNC, MALFORMED, INDEF / NONPREFERRED (AUS_BPV7_STRICT_CBOR only), UNSUPPORTED
 * (e.g. an EID scheme other than dtn/ipn, an indefinite-length string), BLOCKS (more canonical
 * blocks than the block capacity; err_off is the first one that does not fit), LIMIT (SSP too
 * long), NOT_INDEF, VERSION, CRC, EID, BLOCK (repeated
 * extension block / bad extension data, hop limit outside 1..255), BLOCKNUM, PAYLOAD, FLAGS,
 * FRAG, TRAILING, NOCRC / AGE (strict only). A hop count over the hop limit and an unknown block
 * flagged "delete bundle if block can't be processed" are well formed: aus_bpv7_decide_receipt
 * deletes them. */
AUS_MUST_USE aus_err aus_bpv7_decode(aus_bpv7_bundle *b, const uint8_t *p, size_t n,
                                     unsigned flags);
/* aus_bpv7_decode into the caller's block array blk[0..cap) instead of b->blk_own (blk == NULL:
 * b->blk_own). The array must outlive b's use. The block-number rules are checked pairwise, so
 * a caller that accepts untrusted input keeps cap in the thousands. Errors: aus_bpv7_decode's;
 * BLOCKS when the bundle has more than cap blocks; ARG (cap 0 with an array). */
AUS_MUST_USE aus_err aus_bpv7_decode_blocks(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap,
                                            const uint8_t *p, size_t n, unsigned flags);

/* Check the RFC 9171 §4 rules on a struct (what decode checks after parsing; run it on a
 * built bundle before encoding). *bad_block (may be NULL) gets the index of the offending
 * block, or SIZE_MAX when the primary block is at fault. Errors as aus_bpv7_decode minus the
 * CBOR / CRC ones. */
AUS_MUST_USE aus_err aus_bpv7_validate(const aus_bpv7_bundle *b, unsigned flags, size_t *bad_block);

/* Encode the bundle into out (cap bytes); out == NULL computes the size only. Returns the
 * number of bytes, or a negative aus_err: NOBUFS, ARG (e.g. bad CRC type), plus the
 * aus_bpv7_validate errors (the struct is validated first, with flags 0). */
AUS_MUST_USE long aus_bpv7_encode(const aus_bpv7_bundle *b, uint8_t *out, size_t cap);

/* Encode just the primary block / one canonical block through a writer (CRC computed when the
 * writer has a buffer). Used by BPSec to build canonical forms. Errors via w->err. */
void aus_bpv7_primary_write(aus_wr *w, const aus_bpv7_primary *pri);
void aus_bpv7_block_write(aus_wr *w, const aus_bpv7_bundle *b, const aus_bpv7_block *blk);
/* Write the block-type-specific data of blk (generated from the fields for 6/7/10 when
 * blk->data is NULL), without the byte-string head. */
void aus_bpv7_block_data_write(aus_wr *w, const aus_bpv7_bundle *b, const aus_bpv7_block *blk);

/* ---- builder helpers ---- */

/* Version 7, no CRC, dtn:none everywhere, no blocks, everything else zero; the blocks go into
 * b->blk_own (AUS_BPV7_MAX_BLOCKS). */
void aus_bpv7_init(aus_bpv7_bundle *b);
/* aus_bpv7_init with the caller's block array blk[0..cap) (blk == NULL: b->blk_own). */
void aus_bpv7_init_blocks(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap);
/* Copy src into dst; when src uses its own array, dst gets a copy of the blocks in its own
 * array, else dst shares src's caller array. */
void aus_bpv7_copy(aus_bpv7_bundle *dst, const aus_bpv7_bundle *src);
/* Append a canonical block (before the payload block if one is present). number 0 picks the
 * lowest free number >= 2. Returns the index, or FULL (the block capacity), BLOCKNUM
 * (number in use), ARG. */
AUS_MUST_USE long aus_bpv7_add_block(aus_bpv7_bundle *b, uint64_t type, uint64_t number,
                                     uint64_t flags, uint8_t crc_type, const uint8_t *data,
                                     size_t len);
/* Set / replace the payload block (number 1, last). Errors: FULL, ARG. */
AUS_MUST_USE aus_err aus_bpv7_set_payload(aus_bpv7_bundle *b, const uint8_t *p, size_t n,
                                          uint64_t flags, uint8_t crc_type);
/* Extension blocks generated from fields (§4.4.1-§4.4.3). Errors: FULL, BLOCK (already present). */
AUS_MUST_USE aus_err aus_bpv7_add_prev_node(aus_bpv7_bundle *b, const aus_eid *node,
                                            uint8_t crc_type);
AUS_MUST_USE aus_err aus_bpv7_add_age(aus_bpv7_bundle *b, uint64_t age_ms, uint8_t crc_type);
AUS_MUST_USE aus_err aus_bpv7_add_hop_count(aus_bpv7_bundle *b, uint64_t limit, uint64_t count,
                                            uint8_t crc_type);
/* 1 if a BIB (type 11) lists block 0 (the primary block) among its security targets
 * (RFC 9172 §3.6); the exemption from the primary-CRC rule of RFC 9171 §4.3.1. */
int aus_bpv7_bib_covers_primary(const aus_bpv7_bundle *b);
/* Index of the first block of a type, or -1. */
long aus_bpv7_find_block(const aus_bpv7_bundle *b, uint64_t type);
/* AUS_E_EXPIRED if creation time + age / now says the lifetime is over (§4.2.2); now_ms is
 * DTN time in ms (0 = unknown: only the bundle age block is used). */
AUS_MUST_USE aus_err aus_bpv7_check_lifetime(const aus_bpv7_bundle *b, uint64_t now_ms);

/* ---- receipt: what a node does with a well-formed bundle (RFC 9171 §5.6, §4.2.4) ---- */

/* The node's facts. The codec's own block types (payload 1, previous node 6, bundle age 7, hop
 * count 10) are always processed; types lists the others this node processes (e.g. BIB 11 and
 * BCB 12 where BPSec runs, a private-use block of the node's own). */
typedef struct aus_bpv7_node {
    uint64_t now_ms; /* DTN time, ms since 2000-01-01; 0 = no clock (then the age block counts) */
    const uint64_t *types;
    size_t ntypes;
} aus_bpv7_node;

#define AUS_BPV7_ACCEPT 0u
#define AUS_BPV7_DELETE 1u

typedef struct aus_bpv7_receipt {
    uint8_t action; /* AUS_BPV7_ACCEPT or AUS_BPV7_DELETE */
    uint8_t reason; /* AUS_BPV7_DELETE: the §6.1.1 reason code; else AUS_BPV7_RC_NONE */
    size_t block;   /* the block (index) that decided a deletion; SIZE_MAX for none/lifetime */
    /* The two lists hold AUS_BPV7_MAX_BLOCKS numbers each; a bundle that needs more gets
     * AUS_E_BLOCKS from aus_bpv7_decide_receipt. */
    size_t ndiscard; /* §4.2.4 bit 4: unprocessed blocks to remove (block numbers) */
    uint64_t discard[AUS_BPV7_MAX_BLOCKS];
    size_t nreport; /* §4.2.4 bit 1: unprocessed blocks that ask for a status report with
                     * reason 11 "block unsupported" (block numbers) */
    uint64_t report[AUS_BPV7_MAX_BLOCKS];
} aus_bpv7_receipt;

/* Decide the receipt action for a decoded (well-formed) bundle; a pure function of its
 * arguments. Order (RFC 9171 §5.6 steps on the blocks, in bundle order): an unprocessed block
 * asks for a report (bit 1: listed in report), for deletion (bit 2: delete, reason 11 "block
 * unsupported", no further block is looked at) or to be discarded (bit 4, when not deleted:
 * listed in discard), else it is kept; the hop-count block's count over its limit deletes with
 * reason 9 "hop limit exceeded" (§4.4.3); then a bundle whose age exceeds its lifetime is
 * deleted with reason 1 "lifetime expired" (§4.2.2, age from now - creation time, or the bundle
 * age block when either clock is unknown). A block a BCB encrypts is not judged (BPSec decrypts
 * it first; decide again on the decrypted bundle). Errors: ARG (NULL pointer), BLOCKS (more
 * than AUS_BPV7_MAX_BLOCKS blocks to list for discard or for a report). */
AUS_MUST_USE aus_err aus_bpv7_decide_receipt(const aus_bpv7_bundle *b, const aus_bpv7_node *node,
                                             aus_bpv7_receipt *out);

/* ---- EIDs ---- */

/* Parse "ipn:N.S", "dtn:none" or "dtn://node/demux" (text of n bytes) into e; dtn SSPs are views
 * into s. Errors: EID, UNSUPPORTED (other scheme), LIMIT (SSP longer than AUS_EID_MAX_SSP). */
AUS_MUST_USE aus_err aus_bpv7_eid_parse(aus_eid *e, const char *s, size_t n);
/* Check an EID struct (§4.2.5.1). Errors: EID, UNSUPPORTED, LIMIT. */
AUS_MUST_USE aus_err aus_bpv7_eid_check(const aus_eid *e);
/* Format as text with a NUL (truncates safely); returns the length it needs without the NUL. */
size_t aus_bpv7_eid_format(const aus_eid *e, char *out, size_t cap);
/* 1 if equal (same scheme and SSP). */
int aus_bpv7_eid_eq(const aus_eid *a, const aus_eid *b);
/* Decode / encode an EID CBOR item ([scheme, SSP]). flags: AUS_CBOR_* decoder flags. */
AUS_MUST_USE aus_err aus_bpv7_eid_read(aus_rd *r, unsigned cbor_flags, aus_eid *e);
void aus_bpv7_eid_write(aus_wr *w, const aus_eid *e);

/* ---- fragmentation (§5.8) and reassembly ---- */

/* Encode the fragment of b that carries payload bytes [offset, offset+len) of b's payload.
 * b may itself be a fragment (offsets are then relative to the whole ADU). The fragment with
 * ADU offset 0 carries every block; the others only blocks flagged AUS_BPV7_BLK_REPLICATE.
 * Returns bytes written (out == NULL: size only) or ARG (range outside the payload, len 0),
 * FLAGS (bundle flagged must-not-fragment), NOBUFS. */
AUS_MUST_USE long aus_bpv7_fragment(const aus_bpv7_bundle *b, size_t offset, size_t len,
                                    uint8_t *out, size_t cap);

/* Reassembly of one bundle's ADU into a caller-provided buffer. */
typedef struct aus_bpv7_reasm {
    uint8_t *buf; /* caller's buffer: receives the ADU */
    size_t cap;
    uint8_t active;
    /* identity of the bundle being reassembled (§5.9: source, creation timestamp) */
    uint8_t src_scheme;
    uint64_t src_node, src_service;
    uint8_t src_ssp[AUS_EID_MAX_SSP];
    size_t src_ssp_len;
    uint64_t ctime, seq;
    uint64_t total;
    /* covered byte ranges [lo, hi), sorted and merged */
    size_t nranges;
    uint64_t lo[AUS_BPV7_REASM_MAX_RANGES];
    uint64_t hi[AUS_BPV7_REASM_MAX_RANGES];
} aus_bpv7_reasm;

void aus_bpv7_reasm_init(aus_bpv7_reasm *ra, uint8_t *buf, size_t cap);
/* Add one decoded fragment. Returns 1 when the ADU is complete, 0 when more is needed, or:
 * ARG (not a fragment), NOTFOUND (fragment of another bundle), LIMIT (total ADU larger than
 * the buffer, or more than AUS_BPV7_REASM_MAX_RANGES disjoint pieces), FRAG (offset + length
 * beyond the total, a different total, or overlapping bytes that differ). Duplicates and
 * consistent overlaps are accepted. On error the state is unchanged. */
AUS_MUST_USE int aus_bpv7_reasm_add(aus_bpv7_reasm *ra, const aus_bpv7_bundle *frag);
int aus_bpv7_reasm_complete(const aus_bpv7_reasm *ra);
/* Build the reassembled bundle from the fragment with offset 0 (its blocks, fragment flag
 * cleared, payload = the reassembled ADU in ra->buf). Errors: STATE (incomplete), ARG. */
AUS_MUST_USE aus_err aus_bpv7_reasm_bundle(const aus_bpv7_reasm *ra, const aus_bpv7_bundle *first,
                                           aus_bpv7_bundle *out);

/* ---- administrative records (§6): bundle status reports ---- */

typedef struct aus_bpv7_status_item {
    uint8_t asserted;
    uint8_t has_time;
    uint64_t time; /* DTN time, ms (if has_time) */
} aus_bpv7_status_item;

#define AUS_BPV7_SI_RECEIVED 0
#define AUS_BPV7_SI_FORWARDED 1
#define AUS_BPV7_SI_DELIVERED 2
#define AUS_BPV7_SI_DELETED 3

typedef struct aus_bpv7_status_report {
    aus_bpv7_status_item item[4]; /* AUS_BPV7_SI_* */
    uint64_t reason;              /* aus_bpv7_reason */
    aus_eid src;                  /* subject bundle's source */
    uint64_t ctime, seq;          /* subject bundle's creation timestamp */
    uint8_t is_fragment;
    uint64_t frag_offset, frag_len;
} aus_bpv7_status_report;

/* Record type of an administrative record payload. Errors: TRUNC, MALFORMED, NONCANONICAL. */
AUS_MUST_USE aus_err aus_bpv7_admin_type(const uint8_t *p, size_t n, uint64_t *type);
/* Decode an administrative record that must be a status report. Errors: TRUNC, MALFORMED,
 * NONCANONICAL, UNSUPPORTED (another record type), EID, TRAILING. */
AUS_MUST_USE aus_err aus_bpv7_status_decode(aus_bpv7_status_report *sr, const uint8_t *p, size_t n);
/* Encode the administrative record (the payload of a bundle flagged AUS_BPV7_BF_ADMIN).
 * Returns bytes (out == NULL: size only) or NOBUFS, ARG. */
AUS_MUST_USE long aus_bpv7_status_encode(const aus_bpv7_status_report *sr, uint8_t *out,
                                         size_t cap);
/* Fill a report about subject bundle b: the report's subject fields and one asserted item. */
void aus_bpv7_status_about(aus_bpv7_status_report *sr, const aus_bpv7_bundle *b, int which,
                           uint64_t reason, uint64_t time_ms, int with_time);

/* ---- names ---- */
const char *aus_bpv7_reason_str(uint64_t reason);
const char *aus_bpv7_block_type_str(uint64_t type);
const char *aus_bpv7_crc_str(unsigned crc_type);

#ifdef __cplusplus
}
#endif
#endif
