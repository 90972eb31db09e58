/* SPDX-License-Identifier: Apache-2.0 */
/* Fragmentation (RFC 9171 §5.8) and reassembly (§5.9) with a caller-provided buffer. */
#include <string.h>

#include "australis/bpv7.h"
#include "australis/cbor.h"

/* A fragment at a non-zero ADU offset carries only the blocks flagged "replicate" (§5.8). A
 * replicated block whose data a BCB encrypts (RFC 9172 §3.8) would reach such a fragment as
 * ciphertext without the BCB that says so, unless every BCB is replicated too: its receiver
 * would then parse ciphertext as the block's CBOR. Such a bundle is not fragmented. */
static int frag_orphans_ciphertext(const aus_bpv7_bundle *b, uint64_t frag_offset)
{
    if (frag_offset == 0)
        return 0;
    int enc = 0, bcb_dropped = 0;
    for (size_t i = 0; i + 1 < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        int kept = !k->discard && (k->flags & AUS_BPV7_BLK_REPLICATE);
        enc |= kept && k->encrypted;
        bcb_dropped |= !kept && k->type == AUS_BPV7_BT_BCB;
    }
    return enc && bcb_dropped;
}

static uint64_t was_frag_offset(const aus_bpv7_bundle *b)
{
    return (b->pri.flags & AUS_BPV7_BF_FRAGMENT) ? b->pri.frag_offset : 0;
}

long aus_bpv7_fragment(const aus_bpv7_bundle *b, size_t offset, size_t len, uint8_t *out,
                       size_t cap)
{
    aus_wr w;
    if (b->nblocks == 0 || b->blk[b->nblocks - 1].type != AUS_BPV7_BT_PAYLOAD)
        return AUS_E_ARG;
    const aus_bpv7_block *pay = &b->blk[b->nblocks - 1];
    const uint8_t *pdata = pay->data ? pay->data : b->payload;
    size_t plen = pay->data ? pay->data_len : b->payload_len;
    if (len == 0 || offset > plen || len > plen - offset)
        return AUS_E_ARG;
    /* §4.2.3: "bundle must not be fragmented". */
    if (b->pri.flags & AUS_BPV7_BF_NO_FRAGMENT)
        return AUS_E_FLAGS;
    AUS_TRY(aus_bpv7_validate(b, 0, NULL));
    if (frag_orphans_ciphertext(b, was_frag_offset(b) + offset))
        return AUS_E_FLAGS;

    /* §5.8: each fragment is a bundle whose primary block says which part of the ADU it
     * carries: the offset in the whole ADU and the ADU's total length. */
    aus_bpv7_primary pri = b->pri;
    int was_frag = (b->pri.flags & AUS_BPV7_BF_FRAGMENT) != 0;
    pri.flags |= AUS_BPV7_BF_FRAGMENT;
    pri.frag_offset = was_frag_offset(b) + offset;
    pri.total_adu_len = was_frag ? b->pri.total_adu_len : plen;

    /* The payload slice, taken through the cursor. */
    aus_rd r;
    aus_rd_init(&r, pdata, plen);
    aus_rd_skip(&r, offset);
    aus_bpv7_block slice = *pay;
    slice.data = aus_rd_view(&r, len);
    slice.data_len = len;
    if (!slice.data)
        return AUS_E_INTERNAL;

    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    aus_cbor_wr_array_indef(&w);
    aus_bpv7_primary_write(&w, &pri);
    for (size_t i = 0; i + 1 < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        /* §5.8: the fragment at ADU offset 0 carries every block; the others carry only the
         * blocks flagged "must be replicated in every fragment". */
        if (k->discard || (pri.frag_offset != 0 && !(k->flags & AUS_BPV7_BLK_REPLICATE)))
            continue;
        aus_bpv7_block_write(&w, b, k);
    }
    aus_bpv7_block_write(&w, b, &slice);
    aus_cbor_wr_break(&w);
    if (w.err)
        return w.err;
    return (long)w.off;
}

void aus_bpv7_reasm_init(aus_bpv7_reasm *ra, uint8_t *buf, size_t cap)
{
    memset(ra, 0, sizeof *ra);
    ra->buf = buf;
    ra->cap = buf ? cap : 0;
}

/* §5.9: fragments belong together when source node ID and creation timestamp match. */
static int same_bundle(const aus_bpv7_reasm *ra, const aus_bpv7_primary *p)
{
    const aus_eid *s = &p->src;
    if (s->scheme != ra->src_scheme || p->ctime != ra->ctime || p->seq != ra->seq)
        return 0;
    if (s->scheme == AUS_EID_SCHEME_IPN)
        return s->node == ra->src_node && s->service == ra->src_service;
    if (s->ssp_len != ra->src_ssp_len || (s->ssp_len && !s->ssp))
        return 0;
    return s->ssp_len == 0 || memcmp(s->ssp, ra->src_ssp, s->ssp_len) == 0;
}

/* Merge [lo, hi) into the sorted range list, into the output arrays; returns the new count,
 * or SIZE_MAX if it would exceed AUS_BPV7_REASM_MAX_RANGES. */
static size_t merge(const aus_bpv7_reasm *ra, uint64_t lo, uint64_t hi, uint64_t *olo,
                    uint64_t *ohi)
{
    size_t n = 0, i = 0;
    while (i < ra->nranges && ra->hi[i] < lo) { /* entirely before, not touching */
        olo[n] = ra->lo[i];
        ohi[n++] = ra->hi[i++];
    }
    while (i < ra->nranges && ra->lo[i] <= hi) { /* overlapping or touching: absorb */
        if (ra->lo[i] < lo)
            lo = ra->lo[i];
        if (ra->hi[i] > hi)
            hi = ra->hi[i];
        i++;
    }
    if (n >= AUS_BPV7_REASM_MAX_RANGES)
        return SIZE_MAX;
    olo[n] = lo;
    ohi[n++] = hi;
    for (; i < ra->nranges; i++) {
        if (n >= AUS_BPV7_REASM_MAX_RANGES)
            return SIZE_MAX;
        olo[n] = ra->lo[i];
        ohi[n++] = ra->hi[i];
    }
    return n;
}

/* Bytes already held that the new piece overlaps must be identical (duplicates and
 * re-fragmented overlaps are fine, conflicting data is not). */
static int overlap_consistent(const aus_bpv7_reasm *ra, uint64_t lo, const uint8_t *p, size_t n)
{
    uint64_t hi = lo + n;
    for (size_t i = 0; i < ra->nranges; i++) {
        uint64_t a = ra->lo[i] > lo ? ra->lo[i] : lo;
        uint64_t z = ra->hi[i] < hi ? ra->hi[i] : hi;
        if (a < z && memcmp(ra->buf + a, p + (a - lo), (size_t)(z - a)) != 0)
            return 0;
    }
    return 1;
}

int aus_bpv7_reasm_add(aus_bpv7_reasm *ra, const aus_bpv7_bundle *f)
{
    const aus_bpv7_primary *p = &f->pri;
    if (!(p->flags & AUS_BPV7_BF_FRAGMENT) || (f->payload_len && !f->payload))
        return AUS_E_ARG;
    if (ra->active) {
        if (!same_bundle(ra, p))
            return AUS_E_NOTFOUND;
        if (p->total_adu_len != ra->total)
            return AUS_E_FRAG; /* §5.9: every fragment states the same total ADU length */
    } else {
        if (p->total_adu_len > ra->cap)
            return AUS_E_LIMIT; /* the caller's bound on reassembly memory */
        if (p->src.scheme == AUS_EID_SCHEME_DTN && p->src.ssp_len > sizeof ra->src_ssp)
            return AUS_E_LIMIT;
    }
    uint64_t off = p->frag_offset, n = f->payload_len;
    if (off > p->total_adu_len || n > p->total_adu_len - off)
        return AUS_E_FRAG;
    if (ra->active && !overlap_consistent(ra, off, f->payload, (size_t)n))
        return AUS_E_FRAG;
    uint64_t nlo[AUS_BPV7_REASM_MAX_RANGES], nhi[AUS_BPV7_REASM_MAX_RANGES];
    size_t nr = ra->nranges;
    if (n) {
        nr = merge(ra, off, off + n, nlo, nhi);
        if (nr == SIZE_MAX)
            return AUS_E_LIMIT;
    }
    /* Commit: nothing above changed the state. */
    if (!ra->active) {
        ra->active = 1;
        ra->src_scheme = p->src.scheme;
        ra->src_node = p->src.node;
        ra->src_service = p->src.service;
        ra->src_ssp_len = p->src.ssp ? p->src.ssp_len : 0;
        if (ra->src_ssp_len)
            memcpy(ra->src_ssp, p->src.ssp, ra->src_ssp_len);
        ra->ctime = p->ctime;
        ra->seq = p->seq;
        ra->total = p->total_adu_len;
    }
    if (n) {
        memcpy(ra->buf + off, f->payload, (size_t)n);
        memcpy(ra->lo, nlo, nr * sizeof nlo[0]);
        memcpy(ra->hi, nhi, nr * sizeof nhi[0]);
        ra->nranges = nr;
    }
    return aus_bpv7_reasm_complete(ra);
}

int aus_bpv7_reasm_complete(const aus_bpv7_reasm *ra)
{
    if (!ra->active)
        return 0;
    if (ra->total == 0)
        return 1;
    return ra->nranges == 1 && ra->lo[0] == 0 && ra->hi[0] == ra->total;
}

aus_err aus_bpv7_reasm_bundle(const aus_bpv7_reasm *ra, const aus_bpv7_bundle *first,
                              aus_bpv7_bundle *out)
{
    if (!aus_bpv7_reasm_complete(ra))
        return AUS_E_STATE;
    if (!(first->pri.flags & AUS_BPV7_BF_FRAGMENT) || first->pri.frag_offset != 0 ||
        !same_bundle(ra, &first->pri) || first->nblocks == 0 ||
        first->blk[first->nblocks - 1].type != AUS_BPV7_BT_PAYLOAD)
        return AUS_E_ARG;
    aus_bpv7_copy(out, first);
    out->pri.flags &= ~(uint64_t)AUS_BPV7_BF_FRAGMENT;
    out->pri.frag_offset = out->pri.total_adu_len = 0;
    aus_bpv7_block *pay = &out->blk[out->nblocks - 1];
    pay->data = ra->buf;
    pay->data_len = (size_t)ra->total;
    out->payload = ra->buf;
    out->payload_len = (size_t)ra->total;
    out->pri_raw = NULL;
    return AUS_OK;
}
