/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/bpv7: shared between the decoder and the rule checks. */
#ifndef AUS_BPV7_INT_H
#define AUS_BPV7_INT_H

#include "australis/bpv7.h"

/* RFC 9171 §4.1 / §4.3.2-§4.3.3 / §4.4 block-level rules (numbers, payload, one of each
 * extension block, admin-record block flags); *bad = offending block index. */
AUS_MUST_USE aus_err aus_bpv7_check_blocks(const aus_bpv7_bundle *b, size_t *bad);

/* aus_bpv7_validate on a bundle on which aus_bpv7_check_blocks has just passed (the decoder's
 * fast path: the block rules are not checked twice; nothing they read changes in between). */
AUS_MUST_USE aus_err bpv7_validate_checked(const aus_bpv7_bundle *b, unsigned flags, size_t *bad);

/* 1 if the bundle carries a bundle age block: parsed (has_age), or encrypted by a BCB. */
int aus_bpv7_age_present(const aus_bpv7_bundle *b);

/* aus_bpv7_decode_blocks without its byte-level fast paths (the reference of the unit tests). */
AUS_MUST_USE aus_err bpv7_decode_blocks_general(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap,
                                                const uint8_t *p, size_t n, unsigned flags);

#endif
