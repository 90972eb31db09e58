/* SPDX-License-Identifier: Apache-2.0 */
/* BPv7 bundle encoding (RFC 9171 §4) and the bundle builder helpers.
 * The encoder always writes the shortest CBOR heads and computes every CRC. */
#include <stddef.h>
#include <string.h>

#include "australis/base.h"
#include "australis/bpv7.h"
#include "australis/cbor.h"

/* Write the CRC field of a block that started at start: a byte string of zeros, then the CRC
 * over the whole block patched in (RFC 9171 §4.2.1). Sizer mode only counts. */
static void wr_crc(aus_wr *w, size_t start, unsigned crc_type)
{
    size_t n = crc_type == AUS_BPV7_CRC_16 ? 2u : 4u;
    aus_cbor_wr_head(w, AUS_CBOR_BSTR, n);
    uint8_t *v = aus_wr_reserve(w, n);
    if (!v)
        return; /* sizer mode or error */
    memset(v, 0, n);
    const uint8_t *blk = w->base + start; /* our own output, already bounds-checked */
    size_t len = w->off - start;
    if (crc_type == AUS_BPV7_CRC_16) {
        uint16_t c = aus_crc16_x25(blk, len);
        v[0] = (uint8_t)(c >> 8);
        v[1] = (uint8_t)c;
    } else {
        uint32_t c = aus_crc32c(blk, len);
        v[0] = (uint8_t)(c >> 24);
        v[1] = (uint8_t)(c >> 16);
        v[2] = (uint8_t)(c >> 8);
        v[3] = (uint8_t)c;
    }
}

void aus_bpv7_primary_write(aus_wr *w, const aus_bpv7_primary *p)
{
    size_t start = w->off;
    int frag = (p->flags & AUS_BPV7_BF_FRAGMENT) != 0;
    if (p->crc_type > AUS_BPV7_CRC_32C) {
        aus_wr_fail(w, AUS_E_ARG);
        return;
    }
    /* RFC 9171 §4.3.1 */
    aus_cbor_wr_array(w, 8u + (frag ? 2u : 0u) + (p->crc_type ? 1u : 0u));
    aus_cbor_wr_uint(w, p->version);
    aus_cbor_wr_uint(w, p->flags);
    aus_cbor_wr_uint(w, p->crc_type);
    aus_bpv7_eid_write(w, &p->dst);
    aus_bpv7_eid_write(w, &p->src);
    aus_bpv7_eid_write(w, &p->report_to);
    aus_cbor_wr_array(w, 2);
    aus_cbor_wr_uint(w, p->ctime);
    aus_cbor_wr_uint(w, p->seq);
    aus_cbor_wr_uint(w, p->lifetime);
    if (frag) {
        aus_cbor_wr_uint(w, p->frag_offset);
        aus_cbor_wr_uint(w, p->total_adu_len);
    }
    if (p->crc_type)
        wr_crc(w, start, p->crc_type);
}

/* The previous-node, bundle-age and hop-count blocks are rewritten by every forwarding node
 * (RFC 9171 §4.4.1-§4.4.3), so when the bundle carries their parsed fields those fields are
 * authoritative: the data is generated from them, in preferred CBOR, whatever form it arrived
 * in. (A block a BCB encrypts is never parsed, so its ciphertext is kept as it is.) */
static int from_fields(const aus_bpv7_bundle *b, const aus_bpv7_block *k)
{
    switch (k->type) {
    case AUS_BPV7_BT_PREV_NODE: return b->has_prev && !k->encrypted;
    case AUS_BPV7_BT_AGE: return b->has_age && !k->encrypted;
    case AUS_BPV7_BT_HOP_COUNT: return b->has_hop && !k->encrypted;
    default: return 0;
    }
}

void aus_bpv7_block_data_write(aus_wr *w, const aus_bpv7_bundle *b, const aus_bpv7_block *k)
{
    if ((k->data || k->data_len) && !from_fields(b, k)) {
        if (!k->data) {
            aus_wr_fail(w, AUS_E_ARG);
            return;
        }
        aus_wr_bytes(w, k->data, k->data_len);
        return;
    }
    switch (k->type) {
    case AUS_BPV7_BT_PREV_NODE: /* §4.4.1 */ aus_bpv7_eid_write(w, &b->prev_node); break;
    case AUS_BPV7_BT_AGE: /* §4.4.2 */ aus_cbor_wr_uint(w, b->age_ms); break;
    case AUS_BPV7_BT_HOP_COUNT: /* §4.4.3 */
        aus_cbor_wr_array(w, 2);
        aus_cbor_wr_uint(w, b->hop_limit);
        aus_cbor_wr_uint(w, b->hop_count);
        break;
    case AUS_BPV7_BT_PAYLOAD:
        if (b->payload_len && !b->payload)
            aus_wr_fail(w, AUS_E_ARG);
        else
            aus_wr_bytes(w, b->payload, b->payload_len);
        break;
    default: break; /* empty data */
    }
}

void aus_bpv7_block_write(aus_wr *w, const aus_bpv7_bundle *b, const aus_bpv7_block *k)
{
    size_t start = w->off;
    if (k->crc_type > AUS_BPV7_CRC_32C) {
        aus_wr_fail(w, AUS_E_ARG);
        return;
    }
    /* RFC 9171 §4.3.2 */
    aus_cbor_wr_array(w, k->crc_type ? 6u : 5u);
    aus_cbor_wr_uint(w, k->type);
    aus_cbor_wr_uint(w, k->number);
    aus_cbor_wr_uint(w, k->flags);
    aus_cbor_wr_uint(w, k->crc_type);
    size_t dlen = k->data_len;
    if (!k->data || from_fields(b, k)) {
        aus_wr s;
        aus_wr_init_sizer(&s);
        aus_bpv7_block_data_write(&s, b, k);
        if (s.err) {
            aus_wr_fail(w, s.err);
            return;
        }
        dlen = s.off;
    }
    aus_cbor_wr_head(w, AUS_CBOR_BSTR, dlen);
    aus_bpv7_block_data_write(w, b, k);
    if (k->crc_type)
        wr_crc(w, start, k->crc_type);
}

long aus_bpv7_encode(const aus_bpv7_bundle *b, uint8_t *out, size_t cap)
{
    aus_wr w;
    AUS_TRY(aus_bpv7_validate(b, 0, NULL));
    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    aus_cbor_wr_array_indef(&w); /* RFC 9171 §4.1 */
    aus_bpv7_primary_write(&w, &b->pri);
    for (size_t i = 0; i < b->nblocks; i++)
        if (!b->blk[i].discard)
            aus_bpv7_block_write(&w, b, &b->blk[i]);
    aus_cbor_wr_break(&w);
    if (w.err)
        return w.err;
    return (long)w.off;
}

/* ---- builder ---- */

void aus_bpv7_init_blocks(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap)
{
    /* blk_own is last and written only as blocks are added: a 256-block array is not cleared
     * for every bundle built */
    memset(b, 0, offsetof(aus_bpv7_bundle, blk_own));
    b->blk = blk && cap ? blk : b->blk_own;
    b->blk_cap = blk && cap ? cap : AUS_BPV7_MAX_BLOCKS;
    b->pri.version = AUS_BPV7_VERSION;
    b->pri.dst.scheme = b->pri.src.scheme = b->pri.report_to.scheme = AUS_EID_SCHEME_DTN;
    b->prev_node.scheme = AUS_EID_SCHEME_DTN;
}

void aus_bpv7_init(aus_bpv7_bundle *b) { aus_bpv7_init_blocks(b, NULL, 0); }

void aus_bpv7_copy(aus_bpv7_bundle *dst, const aus_bpv7_bundle *src)
{
    if (dst == src)
        return;
    memcpy(dst, src, offsetof(aus_bpv7_bundle, blk_own));
    if (src->blk == src->blk_own) {
        memcpy(dst->blk_own, src->blk_own, src->nblocks * sizeof src->blk_own[0]);
        dst->blk = dst->blk_own;
    }
}

static int number_used(const aus_bpv7_bundle *b, uint64_t n)
{
    for (size_t i = 0; i < b->nblocks; i++)
        if (b->blk[i].number == n)
            return 1;
    return 0;
}

long aus_bpv7_add_block(aus_bpv7_bundle *b, uint64_t type, uint64_t number, uint64_t flags,
                        uint8_t crc_type, const uint8_t *data, size_t len)
{
    if (crc_type > AUS_BPV7_CRC_32C || type == AUS_BPV7_BT_PAYLOAD || (len && !data))
        return AUS_E_ARG;
    if (b->nblocks >= b->blk_cap)
        return AUS_E_FULL;
    if (number == 0) {
        number = 2; /* 0 is the primary block, 1 the payload (§4.3.2, §4.3.3) */
        while (number_used(b, number))
            number++;
    } else if (number == 1 || number_used(b, number)) {
        return AUS_E_BLOCKNUM;
    }
    size_t at = b->nblocks;
    if (at && b->blk[at - 1].type == AUS_BPV7_BT_PAYLOAD) {
        b->blk[at] = b->blk[at - 1]; /* keep the payload block last */
        at--;
    }
    aus_bpv7_block *k = &b->blk[at];
    memset(k, 0, sizeof *k);
    k->type = type;
    k->number = number;
    k->flags = flags;
    k->crc_type = crc_type;
    k->data = data;
    k->data_len = len;
    b->nblocks++;
    return (long)at;
}

aus_err aus_bpv7_set_payload(aus_bpv7_bundle *b, const uint8_t *p, size_t n, uint64_t flags,
                             uint8_t crc_type)
{
    if (crc_type > AUS_BPV7_CRC_32C || (n && !p))
        return AUS_E_ARG;
    size_t at = b->nblocks;
    if (at && b->blk[at - 1].type == AUS_BPV7_BT_PAYLOAD)
        at--;
    else if (at >= b->blk_cap)
        return AUS_E_FULL;
    else if (number_used(b, 1))
        return AUS_E_BLOCKNUM;
    aus_bpv7_block *k = &b->blk[at];
    memset(k, 0, sizeof *k);
    k->type = AUS_BPV7_BT_PAYLOAD;
    k->number = 1;
    k->flags = flags;
    k->crc_type = crc_type;
    k->data = p;
    k->data_len = n;
    b->payload = p;
    b->payload_len = n;
    b->nblocks = at + 1;
    return AUS_OK;
}

/* Add a block whose data the encoder generates from the bundle's fields. */
static aus_err add_generated(aus_bpv7_bundle *b, uint64_t type, uint8_t crc_type)
{
    if (aus_bpv7_find_block(b, type) >= 0)
        return AUS_E_BLOCK; /* §4.4: at most one occurrence */
    long i = aus_bpv7_add_block(b, type, 0, 0, crc_type, NULL, 0);
    return i < 0 ? (aus_err)i : AUS_OK;
}

aus_err aus_bpv7_add_prev_node(aus_bpv7_bundle *b, const aus_eid *node, uint8_t crc_type)
{
    AUS_TRY(aus_bpv7_eid_check(node));
    AUS_TRY(add_generated(b, AUS_BPV7_BT_PREV_NODE, crc_type));
    b->prev_node = *node;
    b->has_prev = 1;
    return AUS_OK;
}

aus_err aus_bpv7_add_age(aus_bpv7_bundle *b, uint64_t age_ms, uint8_t crc_type)
{
    AUS_TRY(add_generated(b, AUS_BPV7_BT_AGE, crc_type));
    b->age_ms = age_ms;
    b->has_age = 1;
    return AUS_OK;
}

aus_err aus_bpv7_add_hop_count(aus_bpv7_bundle *b, uint64_t limit, uint64_t count, uint8_t crc_type)
{
    if (limit < 1 || limit > 255) /* §4.4.3 */
        return AUS_E_ARG;
    AUS_TRY(add_generated(b, AUS_BPV7_BT_HOP_COUNT, crc_type));
    b->hop_limit = limit;
    b->hop_count = count;
    b->has_hop = 1;
    return AUS_OK;
}
