/* SPDX-License-Identifier: Apache-2.0 */
/* aus_bpv7_decode_blocks (with its byte-level fast paths for the primary block and canonical
 * blocks) against the same decoder without them (bpv7_decode_blocks_general), on many
 * generated bundles (RFC 9171 §4): well-formed ones with ipn and dtn EIDs, edge numbers
 * (23/24, 255/256, 65535/65536, 2^32-1/2^32, 2^64-1), fragments, every CRC type with a right
 * or wrong value, non-shortest heads (RFC 8949 §4.2.1), indefinite arrays, wrong counts,
 * truncations and bit flips, under the strict, default, lax and no-CRC-check flags. Same
 * error, same error offset, same decoded fields. */
#include <string.h>

#include "aus_test.h"
#include "australis/base.h"
#include "australis/cbor.h"
#include "bpv7/bpv7_int.h"

static uint64_t rng = 0x94D049BB133111EBu;
static uint64_t next(void)
{
    return tst_rand(&rng); /* the suite's PRNG, fixed seed: a failure is reproducible */
}
static int one_in(uint64_t n) { return next() % n == 0; }

static const uint64_t edges[] = {0,     1,     23,          24,           255,       256,
                                 65535, 65536, 0xFFFFFFFFu, 0x100000000u, UINT64_MAX};

static uint64_t pick(void)
{
    if (one_in(3))
        return edges[next() % (sizeof edges / sizeof edges[0])];
    return next() % 30;
}

static void wh(aus_wr *w, unsigned major, uint64_t v) { tst_cbor_head(w, major, v, one_in(60)); }

/* An array head: usually definite with the right count, sometimes indefinite (closed by the
 * caller's end()) or with a count one off. */
static int arr(aus_wr *w, uint64_t n)
{
    if (one_in(40)) {
        aus_wr_u8(w, 0x9F);
        return 1;
    }
    wh(w, AUS_CBOR_ARRAY, one_in(80) ? n + 1 : n);
    return 0;
}
static void end(aus_wr *w, int indef)
{
    if (indef)
        aus_wr_u8(w, 0xFF);
}

static void eid(aus_wr *w)
{
    int i = arr(w, 2);
    switch (next() % 6) {
    case 0:
        wh(w, 0, 1);
        wh(w, AUS_CBOR_TSTR, 5);
        aus_wr_bytes(w, "//a/b", 5);
        break;
    case 1:
        wh(w, 0, one_in(2) ? 1 : (one_in(2) ? 0 : 5));
        wh(w, 0, 0);
        break;
    default: {
        wh(w, 0, 2);
        int j = arr(w, 2);
        wh(w, one_in(50) ? AUS_CBOR_NINT : 0, pick());
        wh(w, 0, pick());
        end(w, j);
    }
    }
    end(w, i);
}

/* The CRC field and the array's end, then the CRC value (RFC 9171 §4.2.1). */
static void crc_end(aus_wr *w, size_t start, unsigned crct, int indef)
{
    size_t at = 0, len = crct == 1 ? 2 : 4;
    if (crct) {
        if (one_in(50))
            len = 6 - len; /* the other length */
        wh(w, AUS_CBOR_BSTR, len);
        at = aus_wr_len(w);
        aus_wr_fill(w, 0, len);
    }
    end(w, indef);
    if (!crct || aus_wr_finish(w) != AUS_OK)
        return;
    uint8_t *blk = w->base + start;
    size_t n = aus_wr_len(w) - start;
    uint32_t c = len == 2 ? (uint16_t)~aus_crc16_x25_update(0xFFFFu, blk, n)
                          : ~aus_crc32c_update(0xFFFFFFFFu, blk, n);
    if (one_in(20))
        c ^= 1u << (next() % (8 * len));
    for (size_t i = 0; i < len; i++)
        w->base[at + i] = (uint8_t)(c >> (8 * (len - 1 - i)));
}

static size_t gen(uint8_t *buf, size_t cap)
{
    aus_wr w;
    aus_wr_init(&w, buf, cap);
    aus_wr_u8(&w, one_in(50) ? 0x84 : 0x9F);
    size_t start = aus_wr_len(&w);
    uint64_t flags = one_in(4) ? pick() : (one_in(5) ? AUS_BPV7_BF_FRAGMENT : 0);
    unsigned crct = (unsigned)(next() % (one_in(40) ? 4 : 3));
    int frag = (flags & AUS_BPV7_BF_FRAGMENT) != 0;
    int ind = arr(&w, 8u + (frag ? 2u : 0u) + (crct ? 1u : 0u));
    wh(&w, 0, one_in(40) ? 6 : 7);
    wh(&w, 0, flags);
    wh(&w, 0, crct);
    eid(&w);
    eid(&w);
    eid(&w);
    int ti = arr(&w, 2);
    wh(&w, 0, one_in(2) ? 0x100000000u + next() % 0x100000000u : pick());
    wh(&w, 0, pick());
    end(&w, ti);
    wh(&w, 0, pick());
    if (frag) {
        wh(&w, 0, pick());
        wh(&w, 0, pick());
    }
    crc_end(&w, start, crct, ind);
    size_t nb = next() % 5;
    for (size_t b = 0; b < nb; b++) {
        static const uint64_t types[] = {1, 6, 7, 10, 11, 12, 192, 1, 1};
        uint64_t type = b + 1 == nb ? 1 : types[next() % (sizeof types / sizeof types[0])];
        unsigned bc = (unsigned)(next() % (one_in(40) ? 4 : 3));
        start = aus_wr_len(&w);
        int bi = arr(&w, bc ? 6 : 5);
        wh(&w, 0, type);
        wh(&w, 0, type == 1 ? 1 : (one_in(10) ? pick() : b + 2));
        wh(&w, 0, one_in(4) ? pick() : 0);
        wh(&w, 0, bc);
        uint8_t data[300];
        size_t dl = next() % 300;
        memset(data, (int)(next() & 0xFF), dl);
        if (type == 7 && dl > 0)
            data[0] = (uint8_t)(next() % 24), dl = 1;
        if (type == 10 && dl > 2)
            data[0] = 0x82, data[1] = 0x10, data[2] = 0x01, dl = 3;
        wh(&w, AUS_CBOR_BSTR, dl);
        aus_wr_bytes(&w, data, dl);
        crc_end(&w, start, bc, bi);
    }
    aus_wr_u8(&w, 0xFF);
    if (one_in(40))
        aus_wr_u8(&w, 0);
    return aus_wr_finish(&w) == AUS_OK ? aus_wr_len(&w) : 0;
}

static void eid_eq(const aus_eid *a, const aus_eid *b)
{
    assert_int_equal(a->scheme, b->scheme);
    assert_true(a->node == b->node && a->service == b->service);
    assert_ptr_equal(a->ssp, b->ssp);
    assert_int_equal(a->ssp_len, b->ssp_len);
}

static void pri_eq(const aus_bpv7_primary *x, const aus_bpv7_primary *y)
{
    assert_true(x->version == y->version && x->crc_type == y->crc_type && x->flags == y->flags);
    eid_eq(&x->dst, &y->dst);
    eid_eq(&x->src, &y->src);
    eid_eq(&x->report_to, &y->report_to);
    assert_true(x->ctime == y->ctime && x->seq == y->seq && x->lifetime == y->lifetime);
    assert_true(x->frag_offset == y->frag_offset && x->total_adu_len == y->total_adu_len);
    assert_true(x->crc == y->crc);
}

static void compare(const uint8_t *p, size_t n, unsigned flags, size_t *ok, size_t *bad)
{
    static aus_bpv7_bundle a, b;
    static aus_bpv7_block ka[4], kb[4];
    size_t cap = one_in(2) ? 4 : 3; /* sometimes one block too few */
    /* the same state before, so that what an error leaves behind can be compared too */
    memset(&a.pri, 0x77, sizeof a.pri);
    memset(&b.pri, 0x77, sizeof b.pri);
    aus_err ea = aus_bpv7_decode_blocks(&a, ka, cap, p, n, flags);
    aus_err eb = bpv7_decode_blocks_general(&b, kb, cap, p, n, flags);
    assert_int_equal(ea, eb);
    assert_int_equal(a.err_off, b.err_off);
    assert_int_equal(a.nblocks, b.nblocks);
    assert_int_equal(a.encoded_len, b.encoded_len);
    const aus_bpv7_primary *x = &a.pri, *y = &b.pri;
    if (ea != AUS_OK) {
        /* the primary block's fields as far as the decoder got (the rest untouched) */
        pri_eq(x, y);
        (*bad)++;
        return;
    }
    (*ok)++;
    pri_eq(x, y);
    for (size_t i = 0; i < a.nblocks; i++) {
        const aus_bpv7_block *s = &ka[i], *t = &kb[i];
        assert_true(s->type == t->type && s->number == t->number && s->flags == t->flags);
        assert_true(s->crc_type == t->crc_type && s->crc == t->crc);
        assert_true(s->unknown == t->unknown && s->discard == t->discard &&
                    s->encrypted == t->encrypted);
        assert_ptr_equal(s->data, t->data);
        assert_true(s->data_len == t->data_len && s->off == t->off && s->len == t->len);
    }
    assert_true(a.has_age == b.has_age && a.has_hop == b.has_hop && a.has_prev == b.has_prev);
    assert_true(a.age_ms == b.age_ms && a.hop_limit == b.hop_limit && a.hop_count == b.hop_count);
    assert_ptr_equal(a.payload, b.payload);
    assert_true(a.payload_len == b.payload_len && a.notes == b.notes);
    assert_ptr_equal(a.pri_raw, b.pri_raw);
    assert_true(a.pri_off == b.pri_off && a.pri_len == b.pri_len);
}

static void test_decode_fast_differential(void **st)
{
    (void)st;
    static const unsigned flag_sets[] = {0, AUS_BPV7_STRICT_CBOR, AUS_BPV7_LAX_CBOR,
                                         AUS_BPV7_NO_CRC_CHECK,
                                         AUS_BPV7_STRICT_CBOR | AUS_BPV7_NO_CRC_CHECK};
    size_t ok = 0, bad = 0;
    for (int iter = 0; iter < 60000; iter++) {
        static uint8_t buf[4096];
        size_t n = gen(buf, sizeof buf);
        unsigned f = flag_sets[next() % (sizeof flag_sets / sizeof flag_sets[0])];
        compare(buf, n, f, &ok, &bad);
        switch (next() % 4) {
        case 0: compare(buf, next() % (n + 1), f, &ok, &bad); break;
        case 1:
            if (n) {
                buf[next() % n] ^= (uint8_t)(1u << (next() % 8));
                compare(buf, n, f, &ok, &bad);
            }
            break;
        default: break;
        }
    }
    assert_true(ok > 5000 && bad > 5000);
}

/* aus_bpv7_eid_format (one copy per piece, or in place when any ipn EID fits) against the
 * byte-at-a-time definition: the text truncated to cap - 1 bytes and NUL-terminated, the full
 * length returned. */
static void ref_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, (*len)++)
        if (*len + 1 < cap)
            out[*len] = s[i];
}

static void ref_dec(char *out, size_t cap, size_t *len, uint64_t v)
{
    char tmp[20];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        ref_put(out, cap, len, &tmp[--k], 1);
}

static size_t ref_format(const aus_eid *e, char *out, size_t cap)
{
    size_t len = 0;
    if (e->scheme == AUS_EID_SCHEME_IPN) {
        ref_put(out, cap, &len, "ipn:", 4);
        ref_dec(out, cap, &len, e->node);
        ref_put(out, cap, &len, ".", 1);
        ref_dec(out, cap, &len, e->service);
    } else if (e->scheme == AUS_EID_SCHEME_DTN && !e->ssp) {
        ref_put(out, cap, &len, "dtn:none", 8);
    } else if (e->scheme == AUS_EID_SCHEME_DTN) {
        ref_put(out, cap, &len, "dtn:", 4);
        ref_put(out, cap, &len, (const char *)e->ssp, e->ssp_len);
    } else {
        ref_put(out, cap, &len, "unknown:", 8);
        ref_dec(out, cap, &len, e->scheme);
    }
    if (cap)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}

static void test_eid_format_same(void **st)
{
    (void)st;
    for (int iter = 0; iter < 20000; iter++) {
        aus_eid e = {0};
        static const uint8_t ssp[] = "//node-a/svc";
        switch (next() % 4) {
        case 0:
            e.scheme = AUS_EID_SCHEME_DTN;
            if (one_in(2)) {
                e.ssp = ssp;
                e.ssp_len = next() % (sizeof ssp);
            }
            break;
        case 1: e.scheme = (uint8_t)(3 + next() % 250); break;
        default:
            e.scheme = AUS_EID_SCHEME_IPN;
            e.node = one_in(4) ? UINT64_MAX : pick(); /* 20 digits: the longest text */
            e.service = one_in(4) ? UINT64_MAX : pick();
        }
        char a[64], b[64];
        /* around 46 bytes: from here on any ipn EID fits (its in-place path), below it is cut */
        size_t cap = one_in(2) ? 40 + next() % 25 : next() % 50;
        memset(a, 'x', sizeof a);
        memset(b, 'x', sizeof b);
        assert_int_equal(aus_bpv7_eid_format(&e, cap ? a : NULL, cap),
                         ref_format(&e, cap ? b : NULL, cap));
        assert_memory_equal(a, b, sizeof a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fast_differential),
        cmocka_unit_test(test_eid_format_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
