/* SPDX-License-Identifier: Apache-2.0 */
/* The RFC 9171 §4 validity rules on a bundle struct (decoded or built), lifetime, names.
 * Each rule returns its own error code and cites the section it comes from. */
#include "australis/bpv7.h"
#include "australis/cbor.h"
#include "bpv7_int.h"

int aus_bpv7_bib_covers_primary(const aus_bpv7_bundle *b)
{
    for (size_t i = 0; i < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        if (k->type != AUS_BPV7_BT_BIB || !k->data)
            continue;
        /* RFC 9172 §3.6: the ASB starts with the security targets, an array of block numbers. */
        aus_rd r;
        size_t n;
        aus_rd_init(&r, k->data, k->data_len);
        if (aus_cbor_rd_array(&r, AUS_CBOR_NO_INDEF, &n) != AUS_OK)
            continue;
        for (size_t t = 0; t < n; t++) {
            uint64_t num;
            if (aus_cbor_rd_uint(&r, 0, &num) != AUS_OK)
                break;
            if (num == 0)
                return 1;
        }
    }
    return 0;
}

int aus_bpv7_age_present(const aus_bpv7_bundle *b)
{
    if (b->has_age)
        return 1;
    long i = aus_bpv7_find_block(b, AUS_BPV7_BT_AGE);
    return i >= 0 && b->blk[i].encrypted; /* present, encrypted by a BCB (RFC 9172 §3.8) */
}

long aus_bpv7_find_block(const aus_bpv7_bundle *b, uint64_t type)
{
    for (size_t i = 0; i < b->nblocks; i++)
        if (b->blk[i].type == type)
            return (long)i;
    return -1;
}

static aus_err check_primary(const aus_bpv7_bundle *b)
{
    const aus_bpv7_primary *p = &b->pri;
    if (p->version != AUS_BPV7_VERSION)
        return AUS_E_VERSION; /* §4.3.1 */
    if (p->crc_type > AUS_BPV7_CRC_32C)
        return AUS_E_MALFORMED; /* §4.2.1 */
    /* §4.2.5.1: every EID well formed (scheme code and SSP). */
    AUS_TRY(aus_bpv7_eid_check(&p->dst));
    AUS_TRY(aus_bpv7_eid_check(&p->src));
    AUS_TRY(aus_bpv7_eid_check(&p->report_to));
    /* §4.2.3: an administrative record never asks for status reports. */
    if ((p->flags & AUS_BPV7_BF_ADMIN) && (p->flags & AUS_BPV7_BF_RPT_ALL))
        return AUS_E_FLAGS;
    /* §4.2.3: an anonymous bundle (source dtn:none) must not be fragmented and asks for no
     * status reports, since nothing that relies on bundle identity can work. */
    if (p->src.scheme == AUS_EID_SCHEME_DTN && !p->src.ssp &&
        (!(p->flags & AUS_BPV7_BF_NO_FRAGMENT) || (p->flags & AUS_BPV7_BF_RPT_ALL)))
        return AUS_E_FLAGS;
    return AUS_OK;
}

/* §4.1 / §4.3.2: block numbers, the payload block, at most one of each extension block. */
aus_err aus_bpv7_check_blocks(const aus_bpv7_bundle *b, size_t *bad)
{
    size_t npay = 0;
    for (size_t i = 0; i < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        *bad = i;
        if (k->crc_type > AUS_BPV7_CRC_32C)
            return AUS_E_MALFORMED; /* §4.2.1 */
        /* §4.3.2: block number 0 is the primary block's; canonical numbers are unique. */
        if (k->number == 0)
            return AUS_E_BLOCKNUM;
        for (size_t j = 0; j < i; j++)
            if (b->blk[j].number == k->number)
                return AUS_E_BLOCKNUM;
        if (k->type == AUS_BPV7_BT_PAYLOAD) {
            /* §4.3.3: exactly one payload block, block number 1, the last block (§4.1). */
            if (++npay > 1 || k->number != 1 || i + 1 != b->nblocks)
                return AUS_E_PAYLOAD;
        } else if (k->type == AUS_BPV7_BT_PREV_NODE || k->type == AUS_BPV7_BT_AGE ||
                   k->type == AUS_BPV7_BT_HOP_COUNT) {
            for (size_t j = 0; j < i; j++)
                if (b->blk[j].type == k->type)
                    return AUS_E_BLOCK; /* §4.4: at most one occurrence */
        }
        /* §4.2.4: in an administrative record no block asks for a status report. */
        if ((b->pri.flags & AUS_BPV7_BF_ADMIN) && (k->flags & AUS_BPV7_BLK_RPT_UNPROC))
            return AUS_E_FLAGS;
    }
    *bad = b->nblocks ? b->nblocks - 1 : SIZE_MAX;
    if (npay != 1)
        return AUS_E_PAYLOAD; /* §4.1: a bundle carries a payload block */
    return AUS_OK;
}

static aus_err check_extensions(const aus_bpv7_bundle *b, size_t *bad)
{
    if (b->has_prev) {
        *bad = (size_t)aus_bpv7_find_block(b, AUS_BPV7_BT_PREV_NODE);
        AUS_TRY(aus_bpv7_eid_check(&b->prev_node)); /* §4.4.1 */
    }
    if (b->has_hop) {
        *bad = (size_t)aus_bpv7_find_block(b, AUS_BPV7_BT_HOP_COUNT);
        /* §4.4.3: the hop limit is in the range 1 through 255. (A hop count over the limit is
         * well formed: the receiving node deletes the bundle, see aus_bpv7_decide_receipt.) */
        if (b->hop_limit < 1 || b->hop_limit > 255)
            return AUS_E_BLOCK;
    }
    *bad = b->nblocks - 1;
    /* §4.3.1: a fragment's offset plus its payload fits the total ADU length. */
    if (b->pri.flags & AUS_BPV7_BF_FRAGMENT) {
        uint64_t len = b->payload_len;
        if (b->pri.frag_offset > b->pri.total_adu_len ||
            len > b->pri.total_adu_len - b->pri.frag_offset)
            return AUS_E_FRAG;
    }
    return AUS_OK;
}

static aus_err validate(const aus_bpv7_bundle *b, unsigned flags, size_t *bad_block, int blocks)
{
    size_t bad = SIZE_MAX;
    aus_err e = check_primary(b);
    if (!e && blocks)
        e = aus_bpv7_check_blocks(b, &bad);
    if (!e)
        e = check_extensions(b, &bad);
    if (!e) {
        bad = SIZE_MAX;
        /* §4.3.1: "A CRC SHALL be present in the primary block unless the bundle includes a
         * BPSec Block Integrity Block whose target is the primary block." Enforced only in the
         * strict mode; see the position documented in bpv7.h and docs/bpv7.md. */
        if ((flags & AUS_BPV7_STRICT_CRC) && b->pri.crc_type == AUS_BPV7_CRC_NONE &&
            !aus_bpv7_bib_covers_primary(b))
            e = AUS_E_NOCRC;
        /* §4.2.6 / §4.4.2: with a creation time of 0 (no accurate clock) the bundle carries a
         * bundle age block. Enforced only in the strict mode (same position). */
        else if ((flags & AUS_BPV7_STRICT_AGE) && b->pri.ctime == 0 && !aus_bpv7_age_present(b))
            e = AUS_E_AGE;
    }
    if (bad_block)
        *bad_block = bad;
    return e;
}

aus_err aus_bpv7_validate(const aus_bpv7_bundle *b, unsigned flags, size_t *bad_block)
{
    return validate(b, flags, bad_block, 1);
}

aus_err bpv7_validate_checked(const aus_bpv7_bundle *b, unsigned flags, size_t *bad_block)
{
    return validate(b, flags, bad_block, 0);
}

aus_err aus_bpv7_check_lifetime(const aus_bpv7_bundle *b, uint64_t now_ms)
{
    /* §4.2.2 / §4.4.2: the bundle's age is now - creation time when both clocks are known,
     * else the bundle age block; it expires when the age exceeds the lifetime. */
    uint64_t age;
    if (b->pri.ctime != 0 && now_ms != 0)
        age = now_ms > b->pri.ctime ? now_ms - b->pri.ctime : 0;
    else if (b->has_age)
        age = b->age_ms;
    else
        return AUS_OK;
    return age > b->pri.lifetime ? AUS_E_EXPIRED : AUS_OK;
}

/* 1 if this node processes blocks of this type: the codec's own, or one the node lists. */
static int processed(const aus_bpv7_node *node, uint64_t type)
{
    if (type == AUS_BPV7_BT_PAYLOAD || type == AUS_BPV7_BT_PREV_NODE || type == AUS_BPV7_BT_AGE ||
        type == AUS_BPV7_BT_HOP_COUNT)
        return 1;
    for (size_t i = 0; i < node->ntypes; i++)
        if (node->types[i] == type)
            return 1;
    return 0;
}

static void delete_for(aus_bpv7_receipt *out, uint8_t reason, size_t block)
{
    out->action = AUS_BPV7_DELETE;
    out->reason = reason;
    out->block = block;
}

aus_err aus_bpv7_decide_receipt(const aus_bpv7_bundle *b, const aus_bpv7_node *node,
                                aus_bpv7_receipt *out)
{
    AUS_ENSURE(b && node && out && (node->types || !node->ntypes), AUS_E_ARG);
    out->action = AUS_BPV7_ACCEPT;
    out->reason = AUS_BPV7_RC_NONE;
    out->block = SIZE_MAX;
    out->ndiscard = out->nreport = 0;
    /* §5.6 step 4 (reception), block by block in bundle order. */
    for (size_t i = 0; i < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        if (k->encrypted)
            continue; /* RFC 9172 §3.8: ciphertext until BPSec has run; judged after that */
        if (k->type == AUS_BPV7_BT_HOP_COUNT && b->has_hop && b->hop_count > b->hop_limit) {
            /* §4.4.3: "the bundle protocol agent SHOULD delete the bundle for the reason
             * 'Hop limit exceeded'" */
            delete_for(out, AUS_BPV7_RC_HOP_LIMIT, i);
            return AUS_OK;
        }
        if (processed(node, k->type))
            continue;
        /* §4.2.4 / §5.6: a block this node cannot process */
        if (k->flags & AUS_BPV7_BLK_RPT_UNPROC) {
            AUS_ENSURE(out->nreport < AUS_BPV7_MAX_BLOCKS, AUS_E_BLOCKS); /* the list's room */
            out->report[out->nreport++] = k->number;                      /* report, reason 11 */
        }
        if (k->flags & AUS_BPV7_BLK_DEL_UNPROC) {
            /* "delete the bundle for the reason 'Block unsupported' ... make no further
             * attempt to process any of the bundle's other blocks" */
            delete_for(out, AUS_BPV7_RC_BLOCK_UNSUPPORTED, i);
            return AUS_OK;
        }
        if (k->flags & AUS_BPV7_BLK_DISC_UNPROC) {
            AUS_ENSURE(out->ndiscard < AUS_BPV7_MAX_BLOCKS, AUS_E_BLOCKS);
            out->discard[out->ndiscard++] = k->number; /* "remove this block from the bundle" */
        }
    }
    /* §4.2.2: a bundle past its lifetime "SHOULD be deleted from the network". */
    if (aus_bpv7_check_lifetime(b, node->now_ms) == AUS_E_EXPIRED)
        delete_for(out, AUS_BPV7_RC_LIFETIME_EXPIRED, SIZE_MAX);
    return AUS_OK;
}

const char *aus_bpv7_reason_str(uint64_t reason)
{
    static const char *const names[] = {
        "no additional information",
        "lifetime expired",
        "forwarded over unidirectional link",
        "transmission canceled",
        "depleted storage",
        "destination endpoint ID unavailable",
        "no known route to destination from here",
        "no timely contact with next node on route",
        "block unintelligible",
        "hop limit exceeded",
        "traffic pared",
        "block unsupported",
    };
    return reason < sizeof names / sizeof names[0] ? names[reason] : "unassigned reason code";
}

const char *aus_bpv7_block_type_str(uint64_t type)
{
    switch (type) {
    case AUS_BPV7_BT_PAYLOAD: return "payload";
    case AUS_BPV7_BT_PREV_NODE: return "previous node";
    case AUS_BPV7_BT_AGE: return "bundle age";
    case AUS_BPV7_BT_HOP_COUNT: return "hop count";
    case AUS_BPV7_BT_BIB: return "block integrity (BIB)";
    case AUS_BPV7_BT_BCB: return "block confidentiality (BCB)";
    default: return "unknown";
    }
}

const char *aus_bpv7_crc_str(unsigned crc_type)
{
    switch (crc_type) {
    case AUS_BPV7_CRC_NONE: return "none";
    case AUS_BPV7_CRC_16: return "CRC-16";
    case AUS_BPV7_CRC_32C: return "CRC-32C";
    default: return "invalid";
    }
}
