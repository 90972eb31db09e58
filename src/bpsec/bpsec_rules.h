/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9172 §3 block-interaction rules over the set of security blocks of one bundle. */
#ifndef AUS_BPSEC_RULES_H
#define AUS_BPSEC_RULES_H

#include "bpsec_int.h"

typedef struct sec_blk {
    size_t idx; /* index in b->blk; SIZE_MAX for an operation about to be added */
    uint64_t num, type;
    uint8_t known; /* targets known (a BIB encrypted by a BCB is not, until decrypted) */
    size_t nt;
    uint64_t t[AUS_BPSEC_MAX_TARGETS];
} sec_blk;

typedef struct sec_map {
    size_t n;
    sec_blk s[AUS_BPV7_MAX_BLOCKS + 1];
    const char *detail; /* which rule failed */
    size_t tmp_idx;     /* b->blk index whose ASB the collect functions' tmp holds last
                         * (SIZE_MAX: none), so that the caller need not decode it again */
    uint8_t ready;      /* bpsec_collect has filled the map */
} sec_map;

/* Decode the ASB of every BIB/BCB of b (BIBs targeted by a BCB only if all_plain). tmp is
 * scratch. Errors: aus_bpsec_asb_decode's. */
AUS_MUST_USE aus_err bpsec_collect(const aus_bpv7_bundle *b, int all_plain, sec_map *m,
                                   aus_bpsec_asb *tmp);
/* bpsec_collect with a second scratch: the BCBs' ASBs are decoded into bcb_tmp (*bcb_idx: the
 * b->blk index of the one it holds last, SIZE_MAX: none), the BIBs' into tmp (m->tmp_idx), so
 * that aus_bpsec_open, which processes the BCBs first, finds both decoded. bcb_tmp NULL: the
 * same as bpsec_collect. */
AUS_MUST_USE aus_err bpsec_collect2(const aus_bpv7_bundle *b, int all_plain, sec_map *m,
                                    aus_bpsec_asb *tmp, aus_bpsec_asb *bcb_tmp, size_t *bcb_idx);
/* Decode the ASBs left unknown by bpsec_collect (BIBs just decrypted in place). */
AUS_MUST_USE aus_err bpsec_collect_rest(const aus_bpv7_bundle *b, sec_map *m, aus_bpsec_asb *tmp);
/* Check RFC 9172 §3.3 / §3.7 / §3.8 / §3.9 over the map. Errors: BLOCK (m->detail says why). */
AUS_MUST_USE aus_err bpsec_check_map(const aus_bpv7_bundle *b, sec_map *m);
/* Block number for a new block: want (must be free) or the lowest free number >= 2.
 * Errors: BLOCKNUM. */
AUS_MUST_USE aus_err bpsec_pick_number(const aus_bpv7_bundle *b, uint64_t want, uint64_t *num);
/* Would adding op (as block number num) keep the rules? opts: AUS_BPSEC_ADD_*. Errors: BLOCK,
 * UNSUPPORTED, ARG, LIMIT, asb decode errors. */
AUS_MUST_USE aus_err bpsec_check_new_op(const aus_bpv7_bundle *b, const aus_bpsec_op *op,
                                        uint64_t num, unsigned opts);
/* The same check on a map bpsec_collect filled for b. On success the operation is entered in
 * the map (the last entry, idx SIZE_MAX); on failure the map is unchanged. */
AUS_MUST_USE aus_err bpsec_check_new_op_map(const aus_bpv7_bundle *b, sec_map *m,
                                            const aus_bpsec_op *op, uint64_t num, unsigned opts);
/* After the operation bpsec_check_new_op_map entered was added to the bundle: a BCB's BIB
 * targets are ciphertext now, so their targets count as unknown, as bpsec_collect would find
 * them on the new bundle. */
void bpsec_map_added(sec_map *m, const aus_bpsec_op *op);

/* Insert into the decoded view b the block of blen bytes just written at buf[pos] (the tail
 * was moved by blen): its last dlen bytes are its block-type-specific data (no CRC). The
 * blocks after it move by blen, as a new aus_bpv7_decode of buf would find them. */
void bpsec_view_insert(aus_bpv7_bundle *b, const uint8_t *buf, size_t pos, size_t blen, size_t dlen,
                       uint64_t type, uint64_t num, uint64_t flags);
/* aus_bpsec_add_opt on a bundle already decoded into b, with m its security-block map (m->ready
 * 0: collected here, with tmp as scratch); b and m are updated to the new bundle. */
AUS_MUST_USE aus_err bpsec_add_view(const aus_crypto *c, const aus_bpsec_op *op, unsigned opts,
                                    aus_bpv7_bundle *b, sec_map *m, aus_bpsec_asb *tmp,
                                    uint8_t *buf, size_t *len, size_t cap);

/* aus_bpsec_open_ids with the caller's decode scratch. decoded: b already holds
 * aus_bpv7_decode(buf, *len) and, if m->ready, m that bundle's bpsec_collect with m->tmp_idx
 * naming the block whose ASB a holds (aus_bpsec_accept's replay precheck), so neither is done
 * again; 0: both are done here. */
AUS_MUST_USE aus_err bpsec_open_view(const aus_crypto *c, aus_bpsec_key_fn key_fn,
                                     aus_bpsec_key_id_fn id_fn, void *key_user, uint8_t *buf,
                                     size_t *len, aus_bpsec_report *rep, aus_bpv7_bundle *b,
                                     sec_map *m, aus_bpsec_asb *a, int decoded);

#endif
