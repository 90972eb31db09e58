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
} sec_map;

/* Decode the ASB of every BIB/BCB of b (BIBs targeted by a BCB only if all_plain). tmp is
 * scratch. Errors: aus_bpsec_asb_decode's. */
AUS_MUST_USE aus_err bpsec_collect(const aus_bpv7_bundle *b, int all_plain, sec_map *m,
                                   aus_bpsec_asb *tmp);
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

#endif
