/* SPDX-License-Identifier: Apache-2.0 */
/* aus_bpsec_asb_decode (with its fast path for RFC 9173's shapes) and bpsec_asb_decode_scratch
 * (the same fast path, in place) against the item-by-item decoder alone
 * (bpsec_asb_decode_general), on many generated abstract security blocks (RFC 9172 §3.6):
 * well-formed ones of every shape, ones that break one rule, non-shortest heads (RFC 8949
 * §4.2.1), truncations and bit flips. Same error, and the same decoded structure byte for byte
 * (including what is left untouched on error; the scratch decoder: its decoded fields). */
#include <string.h>

#include "aus_test.h"
#include "australis/cbor.h"
#include "bpsec/bpsec_int.h"

static uint64_t rng = 0xD1B54A32D192ED03u;
static uint64_t next(void)
{
    return tst_rand(&rng); /* the suite's PRNG, fixed seed: a failure is reproducible */
}
static int one_in(uint64_t n) { return next() % n == 0; }

static const uint64_t edges[] = {0,
                                 1,
                                 2,
                                 23,
                                 24,
                                 255,
                                 256,
                                 65535,
                                 65536,
                                 0xFFFFFFFFu,
                                 0x100000000u,
                                 (uint64_t)INT64_MAX,
                                 (uint64_t)INT64_MAX + 1,
                                 UINT64_MAX};

static uint64_t pick(void)
{
    if (one_in(3))
        return edges[next() % (sizeof edges / sizeof edges[0])];
    return next() % 30;
}

/* A head, now and then in a longer form than RFC 8949 §4.2.1 allows. */
static void wh(aus_wr *w, unsigned major, uint64_t v) { tst_cbor_head(w, major, v, one_in(40)); }

static size_t count(size_t usual, size_t max)
{
    if (one_in(12))
        return next() % (max + 2); /* 0 and max + 1 included */
    return 1 + next() % usual;
}

static void value(aus_wr *w)
{
    uint8_t bytes[40];
    memset(bytes, 0x5A, sizeof bytes);
    switch (next() % 10) {
    case 0: wh(w, AUS_CBOR_UINT, pick()); break;
    case 1: wh(w, AUS_CBOR_NINT, pick()); break;
    case 2:
        wh(w, AUS_CBOR_TSTR, 1);
        aus_wr_u8(w, 'a');
        break;
    case 3:
        wh(w, AUS_CBOR_ARRAY, 2);
        wh(w, 0, 1);
        wh(w, 0, 2);
        break;
    case 4: aus_wr_u8(w, (uint8_t)next()); break; /* anything, maybe a simple value or float */
    case 5:
        aus_wr_u8(w, 0x5F);
        aus_wr_u8(w, 0x41);
        aus_wr_u8(w, 0);
        aus_wr_u8(w, 0xFF);
        break;
    default: {
        size_t n = next() % 40;
        wh(w, AUS_CBOR_BSTR, n);
        aus_wr_bytes(w, bytes, n);
    }
    }
}

static void items(aus_wr *w)
{
    size_t n = count(3, AUS_BPSEC_MAX_PARAMS);
    uint64_t last = 0;
    wh(w, AUS_CBOR_ARRAY, n);
    for (size_t i = 0; i < n; i++) {
        wh(w, AUS_CBOR_ARRAY, one_in(50) ? 3 : 2);
        last = one_in(20) ? last : (one_in(10) ? pick() : i + 1);
        wh(w, one_in(60) ? AUS_CBOR_NINT : AUS_CBOR_UINT, last);
        value(w);
    }
}

static void source(aus_wr *w)
{
    switch (next() % 8) {
    case 0: /* dtn://a/ */
        wh(w, AUS_CBOR_ARRAY, 2);
        wh(w, 0, 1);
        wh(w, AUS_CBOR_TSTR, 6);
        aus_wr_bytes(w, "//a/b1", 6);
        break;
    case 1: /* dtn:none, or an unknown scheme */
        wh(w, AUS_CBOR_ARRAY, 2);
        wh(w, 0, one_in(2) ? 1 : 3);
        wh(w, 0, 0);
        break;
    case 2: aus_wr_u8(w, 0x9F); break; /* indefinite: refused under BPSEC_CBOR */
    default:
        wh(w, AUS_CBOR_ARRAY, one_in(30) ? 3 : 2);
        wh(w, 0, one_in(30) ? 1 : 2);
        wh(w, AUS_CBOR_ARRAY, one_in(30) ? 1 : 2);
        wh(w, 0, pick());
        wh(w, one_in(30) ? AUS_CBOR_NINT : 0, pick());
    }
}

static size_t gen(uint8_t *buf, size_t cap)
{
    aus_wr w;
    aus_wr_init(&w, buf, cap);
    size_t nt = count(2, AUS_BPSEC_MAX_TARGETS);
    wh(&w, AUS_CBOR_ARRAY, nt);
    for (size_t i = 0; i < nt; i++)
        wh(&w, AUS_CBOR_UINT, one_in(15) ? 1 : (one_in(8) ? pick() : i + 1));
    if (one_in(20))
        wh(&w, AUS_CBOR_NINT, pick());
    else
        wh(&w, AUS_CBOR_UINT, one_in(8) ? pick() : 1 + next() % 2);
    uint64_t flags = one_in(15) ? pick() : next() % 2;
    wh(&w, AUS_CBOR_UINT, flags);
    source(&w);
    int with = (flags & 1u) != 0;
    if (one_in(25))
        with = !with; /* parameters present against the flag, or absent */
    if (with)
        items(&w);
    size_t nr = one_in(15) ? next() % (AUS_BPSEC_MAX_TARGETS + 2) : nt;
    wh(&w, AUS_CBOR_ARRAY, nr);
    for (size_t i = 0; i < nr; i++)
        items(&w);
    if (one_in(30))
        aus_wr_u8(&w, 0); /* trailing */
    return aus_wr_finish(&w) == AUS_OK ? aus_wr_len(&w) : 0;
}

/* The decoded fields (up to the counts) of two ASBs are the same. */
static void same_fields(const aus_bpsec_asb *a, const aus_bpsec_asb *c)
{
    assert_int_equal(a->ntargets, c->ntargets);
    assert_memory_equal(a->targets, c->targets, a->ntargets * sizeof a->targets[0]);
    assert_int_equal(a->ctx_id, c->ctx_id);
    assert_int_equal(a->ctx_flags, c->ctx_flags);
    assert_ptr_equal(a->source, c->source);
    assert_int_equal(a->source_len, c->source_len);
    assert_int_equal(a->nparams, c->nparams);
    assert_memory_equal(a->params, c->params, a->nparams * sizeof a->params[0]);
    for (size_t i = 0; i < a->ntargets; i++) {
        assert_int_equal(a->nresults[i], c->nresults[i]);
        assert_memory_equal(a->results[i], c->results[i], a->nresults[i] * sizeof a->results[i][0]);
    }
}

static void compare(const uint8_t *p, size_t n, size_t *ok, size_t *bad)
{
    static aus_bpsec_asb a, b, c;
    memset(&a, 0xC3, sizeof a);
    memset(&b, 0xC3, sizeof b);
    memset(&c, 0xC3, sizeof c);
    aus_err ea = aus_bpsec_asb_decode(&a, p, n);
    aus_err eb = bpsec_asb_decode_general(&b, p, n);
    assert_int_equal(ea, eb);
    assert_memory_equal(&a, &b, sizeof a);
    /* the scratch decoder (in place, contents undefined after an error): same error, and the
     * same decoded fields on success */
    assert_int_equal(bpsec_asb_decode_scratch(&c, p, n), ea);
    if (ea == AUS_OK)
        same_fields(&a, &c);
    if (ea == AUS_OK)
        (*ok)++;
    else
        (*bad)++;
}

static void test_asb_fast_differential(void **st)
{
    (void)st;
    size_t ok = 0, bad = 0;
    for (int iter = 0; iter < 100000; iter++) {
        uint8_t buf[2048];
        size_t n = gen(buf, sizeof buf);
        compare(buf, n, &ok, &bad);
        switch (next() % 4) {
        case 0: compare(buf, next() % (n + 1), &ok, &bad); break; /* truncated */
        case 1:
            if (n) {
                buf[next() % n] ^= (uint8_t)(1u << (next() % 8));
                compare(buf, n, &ok, &bad);
            }
            break;
        default: break;
        }
    }
    /* every outcome exercised many times */
    assert_true(ok > 10000 && bad > 10000);
}

/* The shapes the node writes (RFC 9173 App. A style), with every prefix: each cut is TRUNC or
 * whatever the general decoder says, never a fast-path success. */
static void test_asb_fast_prefixes(void **st)
{
    (void)st;
    static const uint8_t bib[] = {0x81, 0x00, 0x01, 0x01, 0x82, 0x02, 0x82, 0x18, 0x64, 0x01, 0x81,
                                  0x82, 0x01, 0x07, 0x81, 0x81, 0x82, 0x01, 0x42, 0xAB, 0xCD};
    static const uint8_t bcb[] = {0x81, 0x01, 0x02, 0x01, 0x82, 0x02, 0x82, 0x19, 0x01,
                                  0x00, 0x00, 0x82, 0x82, 0x01, 0x43, 0x01, 0x02, 0x03,
                                  0x82, 0x02, 0x03, 0x81, 0x81, 0x82, 0x01, 0x41, 0x00};
    size_t ok = 0, bad = 0;
    for (size_t cut = 0; cut <= sizeof bib; cut++)
        compare(bib, cut, &ok, &bad);
    for (size_t cut = 0; cut <= sizeof bcb; cut++)
        compare(bcb, cut, &ok, &bad);
    assert_int_equal(ok, 2);
    aus_bpsec_asb a;
    assert_int_equal(aus_bpsec_asb_decode(&a, bcb, sizeof bcb), AUS_OK);
    assert_int_equal(a.ctx_id, 2);
    assert_int_equal(a.nparams, 2);
    assert_int_equal(a.params[0].val_len, 4);
    assert_int_equal(a.source_len, 7);
}

/* bpsec_result_bstr (byte-compare fast path for the shortest byte-string head) against the
 * reference (item_bstr alone): result values of every length 0..300 around the MAC / tag
 * lengths, with shortest and longer heads, other major types, a byte more or less, and bit
 * flips in the head, each asked for lengths 0..23, 24..255 and 256. Same error, same view. */
static void test_result_bstr_differential(void **st)
{
    (void)st;
    static const size_t wants[] = {0, 1, 12, 16, 23, 24, 25, 32, 48, 64, 255, 256};
    static uint8_t val[512];
    size_t ok = 0, bad = 0;
    for (int iter = 0; iter < 60000; iter++) {
        size_t want = wants[next() % (sizeof wants / sizeof wants[0])];
        size_t n = one_in(2) ? want : next() % 301;
        aus_wr w;
        aus_wr_init(&w, val, sizeof val);
        unsigned major = one_in(8) ? (unsigned)(next() % 8) : AUS_CBOR_BSTR;
        if (major == 7)
            aus_wr_u8(&w, (uint8_t)(0xE0 | next() % 32));
        else
            tst_cbor_head(&w, major, n, one_in(6));
        size_t hl = aus_wr_len(&w);
        memset(val + hl, 0xA5, n);
        size_t len = hl + n;
        if (one_in(5))
            len = (hl > 1 ? 2 : 1) + want; /* the length a wanted value has, whatever the head */
        else if (one_in(6))
            len = len + 1; /* a trailing byte */
        else if (one_in(6) && len)
            len--; /* one short */
        if (one_in(10))
            val[next() % (hl ? hl : 1)] ^= (uint8_t)(1u << (next() % 8));
        aus_bpsec_asb a;
        a.nresults[0] = one_in(40) ? 2 : 1;
        a.results[0][0] = (aus_bpsec_item){one_in(40) ? 2 : 1, val, len};
        const uint8_t *pa = NULL, *pb = NULL;
        aus_err ea = bpsec_result_bstr(&a, 0, want, &pa);
        aus_err eb = bpsec_result_bstr_general(&a, 0, want, &pb);
        assert_int_equal(ea, eb);
        if (ea == AUS_OK) {
            assert_ptr_equal(pa, pb);
            ok++;
        } else {
            bad++;
        }
    }
    assert_true(ok > 10000 && bad > 10000);
}

/* bpsec_bib_params / bpsec_bcb_params (byte-compare fast paths for an integer below 24 and a
 * byte string under its shortest head) against their references: parameter lists of 0..5
 * items with ids 0..6, each value an integer or byte string of any length around 23/24 and
 * 255/256 under a shortest or longer head, or another item, cut or with a byte more. Same
 * error, and the same sc_params byte for byte. */
static void test_params_differential(void **st)
{
    (void)st;
    static uint8_t vals[AUS_BPSEC_MAX_PARAMS][300];
    static const uint64_t lens[] = {0, 1, 8, 12, 16, 23, 24, 25, 40, 255, 256};
    size_t ok = 0, bad = 0;
    for (int iter = 0; iter < 60000; iter++) {
        aus_bpsec_asb a;
        a.nparams = next() % 6;
        for (size_t i = 0; i < a.nparams; i++) {
            aus_wr w;
            aus_wr_init(&w, vals[i], sizeof vals[i]);
            switch (next() % 5) {
            case 0: wh(&w, AUS_CBOR_UINT, one_in(2) ? next() % 30 : pick()); break;
            case 1: value(&w); break;
            default: {
                size_t n = one_in(2) ? lens[next() % (sizeof lens / sizeof lens[0])] : next() % 41;
                wh(&w, AUS_CBOR_BSTR, n);
                for (size_t j = 0; j < n && !w.err; j++)
                    aus_wr_u8(&w, (uint8_t)j);
            }
            }
            size_t len = aus_wr_len(&w);
            if (one_in(10) && len)
                len--;
            else if (one_in(10) && len < sizeof vals[i])
                vals[i][len++] = 0;
            a.params[i] = (aus_bpsec_item){next() % 7, vals[i], len};
        }
        for (int kind = 0; kind < 2; kind++) {
            sc_params x, y;
            memset(&x, 0xA5, sizeof x);
            memset(&y, 0xA5, sizeof y);
            aus_err ex = kind ? bpsec_bcb_params(&a, &x) : bpsec_bib_params(&a, &x);
            aus_err ey = kind ? bpsec_bcb_params_general(&a, &y) : bpsec_bib_params_general(&a, &y);
            assert_int_equal(ex, ey);
            assert_memory_equal(&x, &y, sizeof x);
            if (ex == AUS_OK)
                ok++;
            else
                bad++;
        }
    }
    assert_true(ok > 5000 && bad > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asb_fast_differential),
        cmocka_unit_test(test_asb_fast_prefixes),
        cmocka_unit_test(test_result_bstr_differential),
        cmocka_unit_test(test_params_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
