/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR subset: heads, strictness flags, views, containers, walk limits, encoder, truncation.
 * Inputs are hand-built from the RFC 8949 §3 head layout; the encoder is checked against
 * libcbor in test_cbor_oracle.c, not against our own decoder. */
#include "aus_test.h"
#include "australis/cbor.h"

static aus_err dec_uint(const uint8_t *p, size_t n, unsigned flags, uint64_t *v)
{
    aus_rd r;
    aus_rd_init(&r, p, n);
    aus_err e = aus_cbor_rd_uint(&r, flags, v);
    return e ? e : aus_rd_finish(&r);
}

static void test_uint_heads(void **st)
{
    (void)st;
    uint64_t v;
    const uint8_t a[] = {0x17};
    assert_int_equal(dec_uint(a, 1, AUS_CBOR_STRICT, &v), AUS_OK);
    assert_int_equal(v, 23);
    const uint8_t b[] = {0x18, 0x18};
    assert_int_equal(dec_uint(b, 2, AUS_CBOR_STRICT, &v), AUS_OK);
    assert_int_equal(v, 24);
    const uint8_t c[] = {0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(dec_uint(c, 9, AUS_CBOR_STRICT, &v), AUS_OK);
    assert_true(v == UINT64_MAX);
    /* RFC 8949 §4.2.1: non-shortest heads */
    const uint8_t nc1[] = {0x18, 0x17};
    const uint8_t nc2[] = {0x19, 0x00, 0xff};
    const uint8_t nc3[] = {0x1a, 0x00, 0x00, 0xff, 0xff};
    const uint8_t nc4[] = {0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(dec_uint(nc1, 2, AUS_CBOR_STRICT, &v), AUS_E_NONCANONICAL);
    assert_int_equal(dec_uint(nc2, 3, AUS_CBOR_STRICT, &v), AUS_E_NONCANONICAL);
    assert_int_equal(dec_uint(nc3, 5, AUS_CBOR_STRICT, &v), AUS_E_NONCANONICAL);
    assert_int_equal(dec_uint(nc4, 9, AUS_CBOR_STRICT, &v), AUS_E_NONCANONICAL);
    assert_int_equal(dec_uint(nc4, 9, 0, &v), AUS_OK); /* lenient variant accepts */
    assert_true(v == 0xffffffffu);
    /* truncated argument, reserved ai, indefinite uint, wrong major */
    assert_int_equal(dec_uint(c, 8, 0, &v), AUS_E_TRUNC);
    const uint8_t rsv[] = {0x1c};
    assert_int_equal(dec_uint(rsv, 1, 0, &v), AUS_E_MALFORMED);
    const uint8_t ind[] = {0x1f};
    assert_int_equal(dec_uint(ind, 1, 0, &v), AUS_E_MALFORMED);
    const uint8_t neg[] = {0x20};
    assert_int_equal(dec_uint(neg, 1, 0, &v), AUS_E_MALFORMED);
    assert_int_equal(dec_uint(NULL, 0, 0, &v), AUS_E_TRUNC);
}

static void test_int(void **st)
{
    (void)st;
    aus_rd r;
    int64_t v;
    const uint8_t a[] = {0x38, 0x63}; /* -100 */
    aus_rd_init(&r, a, 2);
    assert_int_equal(aus_cbor_rd_int(&r, AUS_CBOR_STRICT, &v), AUS_OK);
    assert_true(v == -100);
    const uint8_t big[] = {0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0}; /* -2^63 - 1: does not fit */
    aus_rd_init(&r, big, 9);
    assert_int_equal(aus_cbor_rd_int(&r, 0, &v), AUS_E_LIMIT);
    const uint8_t min[] = {0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    aus_rd_init(&r, min, 9);
    assert_int_equal(aus_cbor_rd_int(&r, 0, &v), AUS_OK);
    assert_true(v == INT64_MIN);
}

static void test_strings(void **st)
{
    (void)st;
    aus_rd r;
    const uint8_t *p;
    size_t n;
    const uint8_t a[] = {0x43, 'a', 'b', 'c', 0x62, 'h', 'i'};
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_rd_bstr(&r, AUS_CBOR_STRICT, &p, &n), AUS_OK);
    assert_int_equal(n, 3);
    assert_ptr_equal(p, a + 1); /* a view, not a copy */
    assert_int_equal(aus_cbor_rd_tstr(&r, AUS_CBOR_STRICT, &p, &n), AUS_OK);
    assert_memory_equal(p, "hi", 2);
    assert_int_equal(aus_rd_finish(&r), AUS_OK);
    /* length beyond the input: TRUNC before anything is taken */
    const uint8_t t[] = {0x5a, 0xff, 0xff, 0xff, 0xff, 1};
    aus_rd_init(&r, t, sizeof t);
    assert_int_equal(aus_cbor_rd_bstr(&r, 0, &p, &n), AUS_E_TRUNC);
    assert_null(p);
    /* indefinite string: no single view */
    const uint8_t ind[] = {0x5f, 0x41, 1, 0xff};
    aus_rd_init(&r, ind, sizeof ind);
    assert_int_equal(aus_cbor_rd_bstr(&r, 0, &p, &n), AUS_E_UNSUPPORTED);
    aus_rd_init(&r, ind, sizeof ind);
    assert_int_equal(aus_cbor_rd_bstr(&r, AUS_CBOR_NO_INDEF, &p, &n), AUS_E_NONCANONICAL);
    /* wrong type */
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_rd_tstr(&r, 0, &p, &n), AUS_E_MALFORMED);
}

static void test_containers(void **st)
{
    (void)st;
    aus_rd r;
    size_t n;
    const uint8_t a[] = {0x82, 1, 2};
    aus_rd_init(&r, a, 3);
    assert_int_equal(aus_cbor_rd_array(&r, AUS_CBOR_STRICT, &n), AUS_OK);
    assert_int_equal(n, 2);
    const uint8_t lie[] = {0x83, 1, 2}; /* 3 items cannot fit in 2 bytes */
    aus_rd_init(&r, lie, 3);
    assert_int_equal(aus_cbor_rd_array(&r, 0, &n), AUS_E_TRUNC);
    const uint8_t m[] = {0xa2, 1, 2, 3}; /* 2 pairs need 4 bytes */
    aus_rd_init(&r, m, 4);
    assert_int_equal(aus_cbor_rd_map(&r, 0, &n), AUS_E_TRUNC);
    const uint8_t ind[] = {0x9f, 1, 0xff};
    aus_rd_init(&r, ind, 3);
    assert_int_equal(aus_cbor_rd_array(&r, 0, &n), AUS_OK);
    assert_true(n == AUS_CBOR_INDEF);
    assert_false(aus_cbor_at_break(&r));
    assert_int_equal(aus_cbor_peek_major(&r), AUS_CBOR_UINT);
    aus_rd_skip(&r, 1);
    assert_true(aus_cbor_at_break(&r));
    assert_int_equal(aus_cbor_rd_break(&r), AUS_OK);
    assert_int_equal(aus_cbor_peek_major(&r), -1);
    aus_rd_init(&r, ind, 3);
    assert_int_equal(aus_cbor_rd_array(&r, AUS_CBOR_NO_INDEF, &n), AUS_E_NONCANONICAL);
}

static void test_simple(void **st)
{
    (void)st;
    aus_rd r;
    int b;
    uint8_t s;
    const uint8_t a[] = {0xf5, 0xf4, 0xf6, 0xf8, 0x20, 0xf8, 0x1f};
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_rd_bool(&r, 0, &b), AUS_OK);
    assert_int_equal(b, 1);
    assert_int_equal(aus_cbor_rd_bool(&r, 0, &b), AUS_OK);
    assert_int_equal(b, 0);
    assert_int_equal(aus_cbor_rd_bool(&r, 0, &b), AUS_E_MALFORMED); /* null is not a bool */
    aus_rd_init(&r, a + 3, 2);
    assert_int_equal(aus_cbor_rd_simple(&r, 0, &s), AUS_OK);
    assert_int_equal(s, 32);
    /* RFC 8949 §3.3: two-byte simple value < 32 is not well formed */
    aus_rd_init(&r, a + 5, 2);
    assert_int_equal(aus_cbor_rd_simple(&r, 0, &s), AUS_E_MALFORMED);
    /* break where an item is expected */
    const uint8_t brk[] = {0xff};
    aus_rd_init(&r, brk, 1);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_E_MALFORMED);
    aus_rd_init(&r, a, 1);
    assert_int_equal(aus_cbor_rd_break(&r), AUS_E_MALFORMED);
}

typedef struct counter {
    int items, breaks, strings;
    unsigned maxdepth;
} counter;

static int count_visit(void *ctx, const aus_cbor_item *it)
{
    counter *c = ctx;
    c->items++;
    c->breaks += it->h.brk;
    c->strings += it->data != NULL;
    if (it->depth > c->maxdepth)
        c->maxdepth = it->depth;
    return 0;
}

static int stop_visit(void *ctx, const aus_cbor_item *it)
{
    (void)ctx;
    return it->h.major == AUS_CBOR_TSTR ? AUS_E_POLICY : 0;
}

static void test_walk(void **st)
{
    (void)st;
    /* [_ 1, {"a": h'0102'}, 6(_ h'01' h'02'), -1, true] */
    const uint8_t a[] = {0x9f, 0x01, 0xa1, 0x61, 'a',  0x42, 1,    2,    0xc6, 0x5f,
                         0x41, 0x01, 0x41, 0x02, 0xff, 0x20, 0xf5, 0xff, 0x00};
    aus_rd r;
    counter c = {0, 0, 0, 0};
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_walk(&r, 0, count_visit, &c), AUS_OK);
    assert_int_equal(r.off, sizeof a - 1); /* stops right after the item */
    assert_int_equal(c.items, 13);
    assert_int_equal(c.breaks, 2);
    assert_int_equal(c.strings, 4);
    assert_int_equal(c.maxdepth, 3);
    /* a visitor error stops the walk */
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_walk(&r, 0, stop_visit, NULL), AUS_E_POLICY);
    /* raw view of the whole item */
    const uint8_t *p;
    size_t n;
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_rd_raw(&r, 0, &p, &n), AUS_OK);
    assert_ptr_equal(p, a);
    assert_int_equal(n, sizeof a - 1);
    /* strict/no-indef flags apply inside the walk too */
    aus_rd_init(&r, a, sizeof a);
    assert_int_equal(aus_cbor_skip(&r, AUS_CBOR_NO_INDEF), AUS_E_NONCANONICAL);
    /* chunk of the wrong type inside an indefinite byte string */
    const uint8_t badchunk[] = {0x5f, 0x61, 'x', 0xff};
    aus_rd_init(&r, badchunk, sizeof badchunk);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_E_MALFORMED);
    /* RFC 8949 §3.2.2: an indefinite map that breaks after a key without its value */
    const uint8_t oddmap[] = {0xbf, 0x01, 0x02, 0x03, 0xff};
    aus_rd_init(&r, oddmap, sizeof oddmap);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_E_MALFORMED);
    const uint8_t evenmap[] = {0xbf, 0x01, 0x02, 0xff};
    aus_rd_init(&r, evenmap, sizeof evenmap);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_OK);
    const uint8_t nested[] = {0x5f, 0x5f, 0xff, 0xff};
    aus_rd_init(&r, nested, sizeof nested);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_E_MALFORMED);
}

static void test_depth(void **st)
{
    (void)st;
    uint8_t d[AUS_CBOR_MAX_DEPTH + 2];
    aus_rd r;
    /* AUS_CBOR_MAX_DEPTH nested arrays around a 0: accepted; one more: LIMIT */
    memset(d, 0x81, sizeof d);
    d[AUS_CBOR_MAX_DEPTH] = 0x00;
    aus_rd_init(&r, d, AUS_CBOR_MAX_DEPTH + 1);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_OK);
    memset(d, 0x81, sizeof d);
    d[AUS_CBOR_MAX_DEPTH + 1] = 0x00;
    aus_rd_init(&r, d, AUS_CBOR_MAX_DEPTH + 2);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_E_LIMIT);
    /* tags count as nesting too */
    memset(d, 0xc1, sizeof d);
    d[AUS_CBOR_MAX_DEPTH + 1] = 0x00;
    aus_rd_init(&r, d, AUS_CBOR_MAX_DEPTH + 2);
    assert_int_equal(aus_cbor_skip(&r, 0), AUS_E_LIMIT);
}

static void test_encoder_sizer(void **st)
{
    (void)st;
    /* heads: lengths 1, 2, 3, 5, 9 at the boundaries */
    const uint64_t vals[] = {0, 23, 24, 255, 256, 65535, 65536, 0xffffffffu, 0x100000000u};
    const size_t lens[] = {1, 1, 2, 2, 3, 3, 5, 5, 9};
    for (size_t i = 0; i < 9; i++) {
        aus_wr s;
        aus_wr_init_sizer(&s);
        aus_cbor_wr_uint(&s, vals[i]);
        assert_int_equal(s.off, lens[i]);
        assert_int_equal(aus_cbor_head_len(vals[i]), lens[i]);
    }
    uint8_t b[4];
    aus_wr w;
    aus_wr_init(&w, b, sizeof b);
    aus_cbor_wr_bstr(&w, "abcd", 4); /* needs 5 */
    assert_int_equal(w.err, AUS_E_NOBUFS);
    aus_wr_init(&w, b, sizeof b);
    aus_cbor_wr_simple(&w, 25);
    assert_int_equal(w.err, AUS_E_ARG);
}

/* Encode a mixed item, then check every truncation fails and the whole decodes. */
static void test_truncation(void **st)
{
    (void)st;
    uint8_t b[128];
    aus_wr w;
    aus_wr_init(&w, b, sizeof b);
    aus_cbor_wr_array_indef(&w);
    aus_cbor_wr_int(&w, -70000);
    aus_cbor_wr_map(&w, 2);
    aus_cbor_wr_cstr(&w, "key");
    aus_cbor_wr_bstr(&w, "\x01\x02\x03", 3);
    aus_cbor_wr_uint(&w, 1u << 20);
    aus_cbor_wr_array(&w, 3);
    aus_cbor_wr_null(&w);
    aus_cbor_wr_undefined(&w);
    aus_cbor_wr_tag(&w, 24);
    aus_cbor_wr_bool(&w, 0);
    aus_cbor_wr_map_indef(&w);
    aus_cbor_wr_simple(&w, 99);
    aus_cbor_wr_uint(&w, 0x1ffffffffull);
    aus_cbor_wr_break(&w);
    aus_cbor_wr_break(&w);
    assert_int_equal(w.err, AUS_OK);
    aus_rd r;
    aus_rd_init(&r, b, w.off);
    assert_int_equal(aus_cbor_skip(&r, AUS_CBOR_STRICT), AUS_OK);
    assert_int_equal(aus_rd_finish(&r), AUS_OK);
    for (size_t k = 0; k < w.off; k++) {
        aus_rd_init(&r, b, k);
        assert_int_equal(aus_cbor_skip(&r, AUS_CBOR_STRICT), AUS_E_TRUNC);
    }
}

/* peek_heads must agree with n sequential head reads, and never move the reader. */
static void test_peek_heads(void **st)
{
    (void)st;
    uint64_t rng = 7;
    uint8_t b[24];
    for (int iter = 0; iter < 200000; iter++) {
        size_t n = (size_t)(tst_rand(&rng) % sizeof b);
        for (size_t i = 0; i < n; i++) {
            uint64_t x = tst_rand(&rng);
            /* bias towards small heads so that runs of valid heads are common */
            b[i] = (x & 3) ? (uint8_t)((x >> 8) % 0x1c | ((x >> 16) & 7) << 5) : (uint8_t)(x >> 8);
        }
        unsigned flags = (unsigned)(tst_rand(&rng) & 3);
        size_t k = 1 + (size_t)(tst_rand(&rng) % 6);
        aus_cbor_head hp[6], hs[6];
        size_t len;
        aus_rd r, s;
        aus_rd_init(&r, b, n);
        aus_rd_init(&s, b, n);
        aus_err ep = aus_cbor_peek_heads(&r, flags, hp, k, &len);
        aus_err es = AUS_OK;
        for (size_t i = 0; i < k && !es; i++)
            es = aus_cbor_rd_head(&s, flags, &hs[i]);
        assert_int_equal(ep, es);
        assert_int_equal(r.off, 0); /* nothing consumed */
        assert_int_equal(r.err, AUS_OK);
        if (!ep) {
            assert_int_equal(len, s.off);
            for (size_t i = 0; i < k; i++) {
                assert_int_equal(hp[i].major, hs[i].major);
                assert_int_equal(hp[i].ai, hs[i].ai);
                assert_int_equal(hp[i].indef, hs[i].indef);
                assert_int_equal(hp[i].brk, hs[i].brk);
                assert_true(hp[i].val == hs[i].val);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint_heads), cmocka_unit_test(test_int),
        cmocka_unit_test(test_strings),    cmocka_unit_test(test_containers),
        cmocka_unit_test(test_simple),     cmocka_unit_test(test_walk),
        cmocka_unit_test(test_depth),      cmocka_unit_test(test_encoder_sizer),
        cmocka_unit_test(test_truncation), cmocka_unit_test(test_peek_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
