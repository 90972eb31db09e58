/* SPDX-License-Identifier: Apache-2.0 */
/* BPv7 bundle decoding and the RFC 9171 §4 validity rules.
 *
 * One pass over the input through the cursor: outer indefinite array, primary block,
 * canonical blocks up to the break, nothing after it. Then the extension blocks we process are
 * parsed from their (view) data, and aus_bpv7_validate() checks the cross-block rules. */
#include "australis/base.h"
#include "australis/bpv7.h"
#include "australis/cbor.h"
#include "bpv7_int.h"

static const uint8_t zeros[4];
static const uint8_t brk[1] = {0xFF};

/* One decoding pass: the moving cursor, an untouched reader over the whole bundle (for CRC
 * spans), the flags, and the offset of the item being read (where an error points). */
typedef struct dec {
    aus_rd r;
    aus_rd whole;
    unsigned cf;    /* CBOR flags */
    unsigned flags; /* AUS_BPV7_* */
    size_t at;      /* first byte of the item being read */
    int fast;       /* 1: try the byte-level fast paths first (0: the reference path alone) */
} dec;

/* RFC 9171 §4.1 requires CBOR arrays, not a deterministic profile: by default any head length
 * and indefinite-length arrays are accepted; AUS_BPV7_STRICT_CBOR wants the preferred forms and
 * names the one refused (AUS_E_NONPREFERRED, AUS_E_INDEF). */
static unsigned cbor_flags(unsigned flags)
{
    return (flags & AUS_BPV7_STRICT_CBOR) ? (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF | AUS_CBOR_NAMED)
                                          : 0u;
}

/* View of bytes [off, off + n) of the bundle, through a copy of the whole-bundle reader
 * (copying the untouched reader rather than the moving one keeps the hot path cheap). */
static const uint8_t *span(const aus_rd *whole, size_t off, size_t n)
{
    aus_rd t = *whole;
    aus_rd_skip(&t, off);
    return aus_rd_view(&t, n);
}

static aus_err fail_at(dec *d, size_t at, aus_err e)
{
    d->at = at;
    return aus_rd_fail(&d->r, e);
}

static aus_err rd_u(dec *d, uint64_t *v)
{
    d->at = d->r.off;
    return aus_cbor_rd_uint(&d->r, d->cf, v);
}

/* An array head: *n is its count or AUS_CBOR_INDEF. */
static aus_err rd_arr(dec *d, size_t *n)
{
    d->at = d->r.off;
    return aus_cbor_rd_array(&d->r, d->cf, n);
}

/* The end of an array read with rd_arr: nothing for a definite one; the break for an
 * indefinite one, where an item more than the rules allow is MALFORMED (at that item). */
static aus_err rd_end(dec *d, size_t n)
{
    if (n != AUS_CBOR_INDEF)
        return AUS_OK;
    d->at = d->r.off;
    if (!aus_cbor_at_break(&d->r))
        return aus_rd_fail(&d->r, aus_rd_left(&d->r) ? AUS_E_MALFORMED : AUS_E_TRUNC);
    return aus_cbor_rd_break(&d->r);
}

static aus_err rd_eid(dec *d, aus_eid *e)
{
    d->at = d->r.off;
    return aus_bpv7_eid_read(&d->r, d->cf, e);
}

/* The CRC field (RFC 9171 §4.2.1): a byte string of 2 (CRC-16) or 4 (CRC-32C) bytes. *at gets
 * the field's offset, *val_off the offset of its value. */
static aus_err rd_crc_field(dec *d, unsigned crc_type, size_t *at, size_t *val_off, uint32_t *crc)
{
    aus_cbor_head h;
    size_t want = crc_type == AUS_BPV7_CRC_16 ? 2u : 4u;
    *at = d->at = d->r.off;
    AUS_TRY(aus_cbor_rd_head(&d->r, d->cf, &h));
    if (h.major != AUS_CBOR_BSTR || h.indef || h.val != want)
        return aus_rd_fail(&d->r, AUS_E_MALFORMED);
    *val_off = d->r.off;
    *crc = (uint32_t)aus_rd_ben(&d->r, want);
    return d->r.err;
}

/* RFC 9171 §4.2.1: the CRC is computed over all the block's bytes "including CBOR 'break'
 * characters", with the CRC value taken as zero: the bytes before the value, zeros, and what
 * follows the value up to the block's end (the break of an indefinite-length block, if any).
 * A mismatch points at the CRC field. */
static aus_err check_crc(dec *d, size_t start, unsigned crc_type, size_t at, size_t val_off,
                         uint32_t got)
{
    size_t want = crc_type == AUS_BPV7_CRC_16 ? 2u : 4u;
    size_t post_off = val_off + want, end = d->r.off;
    const uint8_t *pre = span(&d->whole, start, val_off - start);
    const uint8_t *post = end > post_off ? span(&d->whole, post_off, end - post_off) : brk;
    size_t post_len = end - post_off;
    if (!pre || !post)
        return fail_at(d, at, AUS_E_TRUNC);
    if (d->flags & AUS_BPV7_NO_CRC_CHECK)
        return AUS_OK;
    uint32_t calc;
    if (crc_type == AUS_BPV7_CRC_16) {
        uint16_t c = aus_crc16_x25_update(0xFFFFu, pre, val_off - start);
        c = aus_crc16_x25_update(c, zeros, 2);
        calc = (uint16_t)~aus_crc16_x25_update(c, post, post_len);
    } else {
        uint32_t c = aus_crc32c_update(0xFFFFFFFFu, pre, val_off - start);
        c = aus_crc32c_update(c, zeros, 4);
        calc = ~aus_crc32c_update(c, post, post_len);
    }
    return calc == got ? AUS_OK : fail_at(d, at, AUS_E_CRC);
}

/* The CRC field (if any), the end of the block's array, then the CRC check. */
static aus_err rd_crc_end(dec *d, size_t start, unsigned crc_type, size_t n, uint32_t *crc)
{
    size_t at = 0, val_off = 0;
    *crc = 0;
    if (crc_type)
        AUS_TRY(rd_crc_field(d, crc_type, &at, &val_off, crc));
    AUS_TRY(rd_end(d, n));
    return crc_type ? check_crc(d, start, crc_type, at, val_off, *crc) : AUS_OK;
}

static aus_err rd_crc_type(dec *d, uint8_t *t)
{
    uint64_t v;
    AUS_TRY(rd_u(d, &v));
    /* RFC 9171 §4.2.1: CRC type 0 (none), 1 (CRC-16) or 2 (CRC-32C). */
    if (v > AUS_BPV7_CRC_32C)
        return aus_rd_fail(&d->r, AUS_E_MALFORMED);
    *t = (uint8_t)v;
    return AUS_OK;
}

/* Fast path for the primary block's [array, version, flags, crc type] and for the creation
 * timestamp and lifetime: one peek (aus_cbor_peek_heads: the same head reader on a copy of the
 * cursor), checks, one skip. Returns 0 (nothing consumed) whenever the item-by-item path must
 * decide, so that path alone reports errors. */
static int primary_fast_head(dec *d, aus_bpv7_primary *p, size_t *n)
{
    aus_cbor_head h[4];
    size_t len;
    if (aus_cbor_peek_heads(&d->r, d->cf, h, 4, &len) != AUS_OK)
        return 0;
    if (h[0].major != AUS_CBOR_ARRAY || h[0].indef || h[0].val < 8 || h[0].val > 11 ||
        h[1].major != AUS_CBOR_UINT || h[1].val != AUS_BPV7_VERSION ||
        h[2].major != AUS_CBOR_UINT || h[3].major != AUS_CBOR_UINT || h[3].val > AUS_BPV7_CRC_32C)
        return 0;
    p->version = AUS_BPV7_VERSION;
    p->flags = h[2].val;
    p->crc_type = (uint8_t)h[3].val;
    *n = (size_t)h[0].val;
    aus_rd_skip(&d->r, len);
    return 1;
}

static int primary_fast_ts(dec *d, aus_bpv7_primary *p)
{
    aus_cbor_head h[4];
    size_t len;
    if (aus_cbor_peek_heads(&d->r, d->cf, h, 4, &len) != AUS_OK)
        return 0;
    if (h[0].major != AUS_CBOR_ARRAY || h[0].indef || h[0].val != 2 ||
        h[1].major != AUS_CBOR_UINT || h[2].major != AUS_CBOR_UINT || h[3].major != AUS_CBOR_UINT)
        return 0;
    p->ctime = h[1].val;
    p->seq = h[2].val;
    p->lifetime = h[3].val;
    aus_rd_skip(&d->r, len);
    return 1;
}

/* ---- byte-level fast paths ----
 *
 * The canonical blocks and the primary block as this node and most peers write them: definite
 * arrays, heads with a definite argument (ai 0..27), ipn EIDs. They are read straight from the
 * bytes with the same rules as the item-by-item readers (the same CBOR flags: shortest heads
 * under AUS_BPV7_STRICT_CBOR) and return 0 having consumed and decided nothing on anything
 * else, so the general readers alone report errors. Once a block's fields are accepted, its
 * CRC field, end and CRC check go through the general code (rd_crc_end). Why hand-written:
 * the head-by-head readers cost about a third of a BPSec wrap+unwrap outside the crypto. */

static aus_err rd_block_end(dec *d, size_t start, size_t n, aus_bpv7_block *k);

#if defined(__GNUC__)
#define FB_INLINE static inline __attribute__((always_inline))
#else
#define FB_INLINE static inline
#endif

/* One head of the given major type at q[*at..n). */
FB_INLINE int fb_head(const uint8_t *q, size_t n, size_t *at, unsigned cf, unsigned major,
                      uint64_t *v)
{
    if (*at >= n)
        return 0;
    uint8_t ib = q[*at];
    unsigned ai = ib & 31u;
    if ((unsigned)(ib >> 5) != major)
        return 0;
    if (ai < 24) {
        *v = ai;
        (*at)++;
        return 1;
    }
    if (ai > 27)
        return 0; /* reserved, or indefinite length */
    size_t m = (size_t)1 << (ai - 24);
    if (m >= n - *at)
        return 0;
    uint64_t x = 0;
    for (size_t i = 1; i <= m; i++)
        x = x << 8 | q[*at + i];
    /* RFC 8949 §4.2.1 when the flags ask for it */
    static const uint64_t floor_of[4] = {24u, 0x100u, 0x10000u, 0x100000000u};
    if ((cf & AUS_CBOR_STRICT) && x < floor_of[ai - 24])
        return 0;
    *v = x;
    *at += 1 + m;
    return 1;
}

/* An ipn EID [2, [node, service]] (RFC 9171 §4.2.5.1.2). */
FB_INLINE int fb_ipn(const uint8_t *q, size_t n, size_t *at, unsigned cf, aus_eid *e)
{
    uint64_t a, sc, b, node, svc;
    const uint8_t *x = q + *at;
    if (n - *at >= 5 && x[0] == 0x82 && x[1] == AUS_EID_SCHEME_IPN && x[2] == 0x82 && x[3] < 24 &&
        x[4] < 24) {
        /* the commonest form, 82 02 82 <node> <service>: both numbers below 24 */
        node = x[3];
        svc = x[4];
        *at += 5;
    } else if (!fb_head(q, n, at, cf, AUS_CBOR_ARRAY, &a) || a != 2 ||
               !fb_head(q, n, at, cf, AUS_CBOR_UINT, &sc) || sc != AUS_EID_SCHEME_IPN ||
               !fb_head(q, n, at, cf, AUS_CBOR_ARRAY, &b) || b != 2 ||
               !fb_head(q, n, at, cf, AUS_CBOR_UINT, &node) ||
               !fb_head(q, n, at, cf, AUS_CBOR_UINT, &svc)) {
        return 0;
    }
    e->scheme = AUS_EID_SCHEME_IPN;
    e->node = node;
    e->service = svc;
    e->ssp = NULL;
    e->ssp_len = 0;
    return 1;
}

/* RFC 9171 §4.3.1: the whole primary block with ipn EIDs. 1: taken (*e: the CRC's result). */
static int primary_bytes(dec *d, aus_bpv7_bundle *b, aus_err *e)
{
    if (d->r.err || d->r.off >= d->r.len)
        return 0;
    const uint8_t *q = d->r.base + d->r.off;
    size_t n = d->r.len - d->r.off, at = 0, start = d->r.off;
    unsigned cf = d->cf;
    /* Decoded aside and stored only when taken: when this path gives up, b->pri is left exactly
     * as the general reader leaves it (it stores field by field and stops at an error). */
    aus_bpv7_primary p;
    uint64_t cnt, ver, flags, crct, ts;
    if (!fb_head(q, n, &at, cf, AUS_CBOR_ARRAY, &cnt) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &ver) || ver != AUS_BPV7_VERSION ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &flags) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &crct) || crct > AUS_BPV7_CRC_32C)
        return 0;
    int frag = (flags & AUS_BPV7_BF_FRAGMENT) != 0;
    if (cnt != 8u + (frag ? 2u : 0u) + (crct ? 1u : 0u))
        return 0;
    if (!fb_ipn(q, n, &at, cf, &p.dst) || !fb_ipn(q, n, &at, cf, &p.src) ||
        !fb_ipn(q, n, &at, cf, &p.report_to) || !fb_head(q, n, &at, cf, AUS_CBOR_ARRAY, &ts) ||
        ts != 2 || !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &p.ctime) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &p.seq) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &p.lifetime))
        return 0;
    p.frag_offset = p.total_adu_len = 0;
    if (frag && (!fb_head(q, n, &at, cf, AUS_CBOR_UINT, &p.frag_offset) ||
                 !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &p.total_adu_len)))
        return 0;
    p.flags = flags;
    p.crc = 0;
    p.version = AUS_BPV7_VERSION;
    p.crc_type = (uint8_t)crct;
    b->pri = p;
    aus_rd_skip(&d->r, at);
    *e = rd_crc_end(d, start, b->pri.crc_type, (size_t)cnt, &b->pri.crc);
    if (*e == AUS_OK) {
        b->pri_off = start;
        b->pri_len = d->r.off - start;
        b->pri_raw = span(&d->whole, start, b->pri_len);
    }
    return 1;
}

/* RFC 9171 §4.3.2: a definite canonical block up to its data. 1: taken (*e: the rest's result). */
static int block_bytes(dec *d, aus_bpv7_block *k, aus_err *e)
{
    if (d->r.err || d->r.off >= d->r.len)
        return 0;
    const uint8_t *q = d->r.base + d->r.off;
    size_t n = d->r.len - d->r.off, at = 0, start = d->r.off;
    unsigned cf = d->cf;
    uint64_t cnt, type, num, fl, crct, dl;
    if (!fb_head(q, n, &at, cf, AUS_CBOR_ARRAY, &cnt) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &type) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &num) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &fl) ||
        !fb_head(q, n, &at, cf, AUS_CBOR_UINT, &crct) || crct > AUS_BPV7_CRC_32C ||
        cnt != (crct ? 6u : 5u) || !fb_head(q, n, &at, cf, AUS_CBOR_BSTR, &dl) || dl > n - at)
        return 0;
    k->type = type;
    k->number = num;
    k->flags = fl;
    k->crc_type = (uint8_t)crct;
    k->data = q + at;
    k->data_len = (size_t)dl;
    aus_rd_skip(&d->r, at + (size_t)dl);
    *e = rd_block_end(d, start, (size_t)cnt, k);
    return 1;
}

static aus_err rd_primary_head(dec *d, aus_bpv7_primary *p, size_t start, size_t *n)
{
    uint64_t v;
    if (primary_fast_head(d, p, n))
        return AUS_OK;
    AUS_TRY(rd_arr(d, n));
    /* §4.3.1: 8 elements, +2 when a fragment, +1 when a CRC is present. */
    if (*n != AUS_CBOR_INDEF && (*n < 8 || *n > 11))
        return fail_at(d, start, AUS_E_MALFORMED);
    AUS_TRY(rd_u(d, &v));
    if (v != AUS_BPV7_VERSION) /* §4.3.1: version 7 */
        return aus_rd_fail(&d->r, AUS_E_VERSION);
    p->version = (uint8_t)v;
    AUS_TRY(rd_u(d, &p->flags));
    return rd_crc_type(d, &p->crc_type);
}

/* RFC 9171 §4.3.1: the primary block (a definite or indefinite-length array). */
static aus_err rd_primary(dec *d, aus_bpv7_bundle *b)
{
    aus_bpv7_primary *p = &b->pri;
    size_t start = d->r.off;
    size_t n, ts;
    aus_err fe;
    if (d->fast && primary_bytes(d, b, &fe))
        return fe;
    AUS_TRY(rd_primary_head(d, p, start, &n));
    size_t want = 8u + ((p->flags & AUS_BPV7_BF_FRAGMENT) ? 2u : 0u) + (p->crc_type ? 1u : 0u);
    if (n != AUS_CBOR_INDEF && n != want)
        return fail_at(d, start, AUS_E_MALFORMED);
    AUS_TRY(rd_eid(d, &p->dst));
    AUS_TRY(rd_eid(d, &p->src));
    AUS_TRY(rd_eid(d, &p->report_to));
    if (!primary_fast_ts(d, p)) {
        /* §4.2.7: creation timestamp = [DTN time, sequence number]. */
        AUS_TRY(rd_arr(d, &ts));
        if (ts != AUS_CBOR_INDEF && ts != 2)
            return aus_rd_fail(&d->r, AUS_E_MALFORMED);
        AUS_TRY(rd_u(d, &p->ctime));
        AUS_TRY(rd_u(d, &p->seq));
        AUS_TRY(rd_end(d, ts));
        AUS_TRY(rd_u(d, &p->lifetime));
    }
    p->frag_offset = p->total_adu_len = 0;
    if (p->flags & AUS_BPV7_BF_FRAGMENT) {
        AUS_TRY(rd_u(d, &p->frag_offset));
        AUS_TRY(rd_u(d, &p->total_adu_len));
    }
    AUS_TRY(rd_crc_end(d, start, p->crc_type, n, &p->crc));
    b->pri_off = start;
    b->pri_len = d->r.off - start;
    b->pri_raw = span(&d->whole, start, b->pri_len);
    return AUS_OK;
}

/* The rest of a canonical block after its type, number, flags and CRC type: data, CRC, end. */
static aus_err rd_block_end(dec *d, size_t start, size_t n, aus_bpv7_block *k)
{
    AUS_TRY(rd_crc_end(d, start, k->crc_type, n, &k->crc));
    k->off = start;
    k->len = d->r.off - start;
    k->unknown = 0;
    k->discard = 0;
    k->encrypted = 0;
    return AUS_OK;
}

static aus_err rd_block_tail(dec *d, size_t start, size_t n, aus_bpv7_block *k)
{
    d->at = d->r.off;
    AUS_TRY(aus_cbor_rd_bstr(&d->r, d->cf, &k->data, &k->data_len));
    return rd_block_end(d, start, n, k);
}

/* RFC 9171 §4.3.2: a canonical block [type, number, flags, crc type, data, (crc)], definite
 * or indefinite-length; item by item (the path that reports errors precisely). */
static aus_err rd_block(dec *d, aus_bpv7_block *k)
{
    size_t start = d->r.off, n;
    AUS_TRY(rd_arr(d, &n));
    if (n != AUS_CBOR_INDEF && n != 5 && n != 6)
        return fail_at(d, start, AUS_E_MALFORMED);
    AUS_TRY(rd_u(d, &k->type));
    AUS_TRY(rd_u(d, &k->number));
    AUS_TRY(rd_u(d, &k->flags));
    AUS_TRY(rd_crc_type(d, &k->crc_type));
    if (n != AUS_CBOR_INDEF && n != (k->crc_type ? 6u : 5u))
        return fail_at(d, start, AUS_E_MALFORMED);
    return rd_block_tail(d, start, n, k);
}

/* Fast path: the block's array head, type, number, flags and CRC type in one peek. Returns 1
 * when taken (then *e is the result of reading the rest), 0 when the slow path must run. */
static int rd_block_fast(dec *d, aus_bpv7_block *k, aus_err *e)
{
    aus_cbor_head f[5];
    size_t len, start = d->r.off;
    if (aus_cbor_peek_heads(&d->r, d->cf, f, 5, &len) != AUS_OK)
        return 0;
    if (f[0].major != AUS_CBOR_ARRAY || f[0].indef || f[1].major != AUS_CBOR_UINT ||
        f[2].major != AUS_CBOR_UINT || f[3].major != AUS_CBOR_UINT || f[4].major != AUS_CBOR_UINT ||
        f[4].val > AUS_BPV7_CRC_32C || f[0].val != (f[4].val ? 6u : 5u))
        return 0;
    k->type = f[1].val;
    k->number = f[2].val;
    k->flags = f[3].val;
    k->crc_type = (uint8_t)f[4].val;
    aus_rd_skip(&d->r, len);
    *e = rd_block_tail(d, start, (size_t)f[0].val, k);
    return 1;
}

/* One unsigned integer of extension-block data; anything else is a block error. */
static aus_err rd_ext_uint(aus_rd *d, unsigned cf, uint64_t *v)
{
    aus_cbor_head h;
    AUS_TRY(aus_cbor_rd_head(d, cf, &h));
    if (h.major != AUS_CBOR_UINT)
        return AUS_E_BLOCK;
    *v = h.val;
    return AUS_OK;
}

static int is_parsed_ext(uint64_t type)
{
    return type == AUS_BPV7_BT_PREV_NODE || type == AUS_BPV7_BT_AGE ||
           type == AUS_BPV7_BT_HOP_COUNT;
}

/* Mark the extension blocks whose data a BCB encrypts. RFC 9172 §3.8 lets a BCB target any
 * block but the primary block and other BCBs, so the data of a previous-node, age or hop-count
 * block may be ciphertext that only src/bpsec can turn back into CBOR. Only the first field of
 * the BCB's abstract security block is read here (§3.6: "Security Targets", a definite array of
 * block numbers); the rest of the ASB, and any error in it, is the BPSec layer's business. */
static void mark_encrypted(aus_bpv7_bundle *b)
{
    int ext = 0, bcb = 0;
    for (size_t i = 0; i < b->nblocks; i++) {
        ext |= is_parsed_ext(b->blk[i].type);
        bcb |= b->blk[i].type == AUS_BPV7_BT_BCB;
    }
    if (!ext || !bcb)
        return; /* the usual case costs one scan of the block array */
    for (size_t i = 0; i < b->nblocks; i++) {
        if (b->blk[i].type != AUS_BPV7_BT_BCB)
            continue;
        aus_rd r;
        size_t n;
        aus_rd_init(&r, b->blk[i].data, b->blk[i].data_len);
        /* read as aus_bpv7_bib_covers_primary reads a BIB's targets: any head length (the
         * ASB's encoding is BPSec's business, and strict or lax BPv7 decoding must agree on
         * which blocks are ciphertext) */
        if (aus_cbor_rd_array(&r, AUS_CBOR_NO_INDEF, &n) != AUS_OK)
            continue;
        for (size_t t = 0; t < n; t++) {
            uint64_t num;
            if (aus_cbor_rd_uint(&r, 0, &num) != AUS_OK)
                break;
            for (size_t j = 0; j < b->nblocks; j++) {
                aus_bpv7_block *k = &b->blk[j];
                if (k->number == num && is_parsed_ext(k->type)) {
                    k->encrypted = 1;
                    b->notes |= AUS_BPV7_NOTE_ENCRYPTED;
                }
            }
        }
    }
}

/* Parse the data of the extension blocks we process (§4.4). */
static aus_err rd_extension(aus_bpv7_bundle *b, aus_bpv7_block *k, unsigned cf)
{
    aus_rd d;
    aus_cbor_head h;
    if (k->encrypted)
        return AUS_OK; /* ciphertext: an opaque view until BPSec has decrypted it */
    aus_rd_init(&d, k->data, k->data_len);
    switch (k->type) {
    case AUS_BPV7_BT_PREV_NODE: /* §4.4.1: the previous node's node ID, an EID */
        if (b->has_prev)
            return AUS_E_BLOCK; /* §4.4: at most one occurrence */
        b->has_prev = 1;
        AUS_TRY(aus_bpv7_eid_read(&d, cf, &b->prev_node));
        break;
    case AUS_BPV7_BT_AGE: /* §4.4.2: bundle age in ms, an unsigned integer */
        if (b->has_age)
            return AUS_E_BLOCK;
        b->has_age = 1;
        AUS_TRY(rd_ext_uint(&d, cf, &b->age_ms));
        break;
    case AUS_BPV7_BT_HOP_COUNT: /* §4.4.3: [hop limit, hop count] */
        if (b->has_hop)
            return AUS_E_BLOCK;
        b->has_hop = 1;
        AUS_TRY(aus_cbor_rd_head(&d, cf, &h));
        if (h.major != AUS_CBOR_ARRAY || h.brk || (!h.indef && h.val != 2))
            return AUS_E_BLOCK;
        AUS_TRY(rd_ext_uint(&d, cf, &b->hop_limit));
        AUS_TRY(rd_ext_uint(&d, cf, &b->hop_count));
        if (h.indef && (!aus_cbor_at_break(&d) || aus_cbor_rd_break(&d) != AUS_OK))
            return AUS_E_BLOCK;
        break;
    case AUS_BPV7_BT_PAYLOAD:
    case AUS_BPV7_BT_BIB: /* BPSec blocks are processed by src/bpsec */
    case AUS_BPV7_BT_BCB: return AUS_OK;
    default:
        /* §4.2.4: an unprocessable block's flags say what a node does with it. Deleting the
         * bundle (bit 2) is a receipt action, not a question of well-formedness: that is
         * aus_bpv7_decide_receipt's answer. These notes describe this codec's own view. */
        k->unknown = 1;
        b->notes |= AUS_BPV7_NOTE_UNKNOWN_BLOCK;
        if (k->flags & AUS_BPV7_BLK_RPT_UNPROC)
            b->notes |= AUS_BPV7_NOTE_REPORT_UNPROC;
        if ((k->flags & AUS_BPV7_BLK_DISC_UNPROC) && !(k->flags & AUS_BPV7_BLK_DEL_UNPROC)) {
            k->discard = 1;
            b->notes |= AUS_BPV7_NOTE_DISCARDED;
        }
        return AUS_OK;
    }
    /* The data is exactly one CBOR item (§4.4). */
    aus_err e = aus_rd_finish(&d);
    return e == AUS_E_TRAILING ? AUS_E_BLOCK : e;
}

static void reset(aus_bpv7_bundle *b)
{
    b->nblocks = 0;
    b->has_age = b->has_hop = b->has_prev = 0;
    b->age_ms = b->hop_limit = b->hop_count = 0;
    b->prev_node.scheme = 0;
    b->prev_node.ssp = NULL;
    b->prev_node.ssp_len = 0;
    b->payload = NULL;
    b->payload_len = 0;
    b->notes = 0;
    b->pri_raw = NULL;
    b->pri_off = b->pri_len = 0;
    b->encoded_len = 0;
    b->err_off = 0;
}

/* Structure: outer indefinite array, primary, canonical blocks, break, end of input. */
static aus_err rd_structure(dec *d, aus_bpv7_bundle *b)
{
    aus_cbor_head h;
    d->at = 0;
    /* RFC 9171 §4.1: a bundle is an indefinite-length CBOR array (so NO_INDEF never applies) */
    AUS_TRY(aus_cbor_rd_head(&d->r, d->cf & ~(unsigned)AUS_CBOR_NO_INDEF, &h));
    if (h.major != AUS_CBOR_ARRAY || h.brk)
        return aus_rd_fail(&d->r, AUS_E_MALFORMED);
    if (!h.indef && !(d->flags & AUS_BPV7_LAX_CBOR))
        return aus_rd_fail(&d->r, AUS_E_NOT_INDEF);
    AUS_TRY(rd_primary(d, b));
    uint64_t left = h.indef ? UINT64_MAX : h.val;
    if (left == 0)
        return fail_at(d, 0, AUS_E_PAYLOAD);
    left--;
    for (;;) {
        size_t start = d->r.off;
        aus_err be;
        if (!h.indef && left == 0)
            break;
        /* (at the closing break of a well-formed bundle neither fast path can apply) */
        int at_brk = d->fast && h.indef && aus_rd_left(&d->r) && d->r.base[d->r.off] == 0xFF;
        if (b->nblocks < b->blk_cap && !at_brk &&
            ((d->fast && block_bytes(d, &b->blk[b->nblocks], &be)) ||
             rd_block_fast(d, &b->blk[b->nblocks], &be))) {
            AUS_TRY(be);
            b->nblocks++;
            left--;
            continue;
        }
        d->at = start;
        if (h.indef && aus_cbor_at_break(&d->r)) {
            AUS_TRY(aus_cbor_rd_break(&d->r));
            break; /* the closing break of the bundle array */
        }
        if (!aus_rd_left(&d->r))
            return aus_rd_fail(&d->r, AUS_E_TRUNC);
        if (b->nblocks >= b->blk_cap) /* the caller's resource bound; RFC 9171 sets none */
            return aus_rd_fail(&d->r, AUS_E_BLOCKS); /* err_off: the block that does not fit */
        AUS_TRY(rd_block(d, &b->blk[b->nblocks]));
        b->nblocks++;
        left--;
    }
    b->encoded_len = d->r.off;
    /* §4.1: the bundle ends with its closing break; anything after it is not part of it. */
    d->at = d->r.off;
    return aus_rd_finish(&d->r);
}

aus_err aus_bpv7_decode(aus_bpv7_bundle *b, const uint8_t *p, size_t n, unsigned flags)
{
    return aus_bpv7_decode_blocks(b, NULL, 0, p, n, flags);
}

static aus_err decode_blocks(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap, const uint8_t *p,
                             size_t n, unsigned flags, int fast)
{
    dec d;
    AUS_ENSURE(b && (p || !n) && (!blk || cap), AUS_E_ARG);
    b->blk = blk ? blk : b->blk_own;
    b->blk_cap = blk ? cap : AUS_BPV7_MAX_BLOCKS;
    aus_rd_init(&d.r, p, n);
    aus_rd_init(&d.whole, p, n);
    d.cf = cbor_flags(flags);
    d.flags = flags;
    d.at = 0;
    d.fast = fast;
    reset(b);
    aus_err e = rd_structure(&d, b);
    if (e) {
        b->err_off = d.at;
        return e;
    }
    /* Block numbers and the payload rules first, so that their errors do not depend on
     * which extension blocks happen to be present (same order as aus_bpv7_validate). */
    size_t bad = SIZE_MAX;
    if (b->nblocks && b->blk[b->nblocks - 1].type == AUS_BPV7_BT_PAYLOAD) {
        b->payload = b->blk[b->nblocks - 1].data;
        b->payload_len = b->blk[b->nblocks - 1].data_len;
    }
    e = aus_bpv7_check_blocks(b, &bad);
    if (e) {
        b->err_off = bad == SIZE_MAX ? b->pri_off : b->blk[bad].off;
        if (e == AUS_E_PAYLOAD && b->nblocks == 0)
            b->err_off = b->encoded_len - 1; /* the closing break where it should have been */
        return e;
    }
    mark_encrypted(b);
    for (size_t i = 0; i < b->nblocks; i++) {
        e = rd_extension(b, &b->blk[i], cbor_flags(flags));
        if (e) {
            b->err_off = b->blk[i].off;
            return e;
        }
    }
    /* (the fast path skips the block rules aus_bpv7_check_blocks has just passed; the general
     * path, the tests' reference, runs all of aus_bpv7_validate) */
    e = fast ? bpv7_validate_checked(b, flags, &bad) : aus_bpv7_validate(b, flags, &bad);
    if (e) {
        b->err_off = bad == SIZE_MAX ? b->pri_off : b->blk[bad].off;
        return e;
    }
    /* The accepted deviations of the default (non-strict) mode, for the caller to see. */
    if (b->pri.crc_type == AUS_BPV7_CRC_NONE && !aus_bpv7_bib_covers_primary(b))
        b->notes |= AUS_BPV7_NOTE_NO_PRIMARY_CRC;
    if (b->pri.ctime == 0 && !aus_bpv7_age_present(b))
        b->notes |= AUS_BPV7_NOTE_NO_AGE;
    return AUS_OK;
}

aus_err aus_bpv7_decode_blocks(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap,
                               const uint8_t *p, size_t n, unsigned flags)
{
    return decode_blocks(b, blk, cap, p, n, flags, 1);
}

aus_err bpv7_decode_blocks_general(aus_bpv7_bundle *b, aus_bpv7_block *blk, size_t cap,
                                   const uint8_t *p, size_t n, unsigned flags)
{
    return decode_blocks(b, blk, cap, p, n, flags, 0);
}
