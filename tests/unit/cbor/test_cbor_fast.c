/* SPDX-License-Identifier: Apache-2.0 */
/* The fast paths of src/cbor/cbor.c against their general definitions, on many generated
 * inputs: aus_cbor_peek_heads is "aus_cbor_rd_head n times on a copy of the cursor"
 * (cbor.h), and aus_cbor_wr_head is "the initial byte, then the argument big-endian" through
 * aus_wr_u8 / aus_wr_ben (RFC 8949 §3), byte for byte, offset for offset, error for error. */
#include <string.h>

#include "aus_test.h"
#include "australis/cbor.h"
#include "cbor/cbor_wr.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next(void)
{
    return tst_rand(&rng); /* the suite's PRNG, fixed seed: a failure is reproducible */
}

/* Edge arguments: each side of every head-length boundary (RFC 8949 §3). */
static const uint64_t edges[] = {0,         1,     23,    24,          25,           255,
                                 256,       65535, 65536, 0xFFFFFFFFu, 0x100000000u, UINT64_MAX - 1,
                                 UINT64_MAX};

static uint64_t pick_val(void)
{
    uint64_t r = next();
    switch (r % 4) {
    case 0: return edges[(r >> 8) % (sizeof edges / sizeof edges[0])];
    case 1: return (r >> 8) % 24;
    case 2: return (r >> 8) % 70000;
    default: return next() >> (next() % 64);
    }
}

/* One head: usually shortest, sometimes in a longer (non-preferred) form, sometimes a raw
 * initial byte (ai 28..31, major 7, break). */
static size_t put_head(uint8_t *q, uint64_t v)
{
    uint8_t major = (uint8_t)(next() % 8);
    uint64_t r = next() % 16;
    if (r == 0) {
        q[0] = (uint8_t)next();
        return 1;
    }
    size_t n = aus_cbor_head_len(v);
    if (r == 1 && n < 9)
        n = n == 1 ? 2 : n == 2 ? 3 : n == 3 ? 5 : 9; /* one step longer than needed */
    static const uint8_t ai_of[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    q[0] = (uint8_t)(major << 5 | (n == 1 ? v : ai_of[n]));
    for (size_t i = n - 1; i > 0; i--, v >>= 8)
        q[i] = (uint8_t)v;
    return n;
}

static aus_err peek_ref(const aus_rd *r, unsigned flags, aus_cbor_head *h, size_t n, size_t *len)
{
    aus_rd t = *r;
    *len = 0;
    for (size_t k = 0; k < n; k++) {
        aus_err e = aus_cbor_rd_head(&t, flags, &h[k]);
        if (e)
            return e;
    }
    *len = t.off - r->off;
    return AUS_OK;
}

static void test_peek_heads_differential(void **st)
{
    (void)st;
    static const unsigned flag_sets[] = {0, AUS_CBOR_STRICT, AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF,
                                         AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF | AUS_CBOR_NAMED,
                                         AUS_CBOR_NO_INDEF};
    size_t ok = 0, failed = 0;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t buf[80];
        size_t len = 0;
        size_t nheads = 1 + next() % 6;
        for (size_t k = 0; k < nheads + 1; k++)
            len += put_head(buf + len, pick_val());
        if (next() % 4 == 0)
            len = next() % (len + 1); /* truncated */
        if (next() % 8 == 0)
            buf[next() % (len + 1)] ^= (uint8_t)(1u << (next() % 8));
        size_t off = len ? next() % 2 : 0;
        unsigned flags = flag_sets[next() % (sizeof flag_sets / sizeof flag_sets[0])];
        aus_rd r;
        aus_rd_init(&r, buf, len);
        aus_rd_skip(&r, off);
        if (next() % 64 == 0)
            (void)aus_rd_fail(&r, AUS_E_MALFORMED); /* a sticky error */
        aus_rd before = r;
        aus_cbor_head a[8], b[8];
        size_t la = 77, lb = 77;
        aus_err ea = aus_cbor_peek_heads(&r, flags, a, nheads, &la);
        aus_err eb = peek_ref(&r, flags, b, nheads, &lb);
        assert_int_equal(ea, eb);
        assert_int_equal(la, lb);
        assert_memory_equal(&r, &before, sizeof r); /* r never moves */
        if (ea == AUS_OK) {
            for (size_t k = 0; k < nheads; k++) {
                assert_int_equal(a[k].major, b[k].major);
                assert_int_equal(a[k].ai, b[k].ai);
                assert_int_equal(a[k].indef, b[k].indef);
                assert_int_equal(a[k].brk, b[k].brk);
                assert_true(a[k].val == b[k].val);
            }
            ok++;
        } else {
            failed++;
        }
    }
    /* both outcomes were exercised many times */
    assert_true(ok > 20000 && failed > 20000);
}

/* Every edge value with every major type, one after the other, and the cut of that stream at
 * every length: the fast path's bounds check meets every head length. */
static void test_peek_heads_edges(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        for (unsigned major = 0; major < 8; major++) {
            uint8_t buf[40];
            aus_wr w;
            aus_wr_init(&w, buf, sizeof buf);
            aus_cbor_wr_head(&w, major, edges[i]);
            aus_cbor_wr_head(&w, major, edges[(i + 1) % (sizeof edges / sizeof edges[0])]);
            aus_cbor_wr_head(&w, AUS_CBOR_UINT, 23);
            assert_int_equal(aus_wr_finish(&w), AUS_OK);
            for (size_t cut = 0; cut <= aus_wr_len(&w); cut++) {
                for (unsigned f = 0; f < 8; f++) {
                    aus_rd r;
                    aus_cbor_head a[3], b[3];
                    size_t la, lb;
                    aus_rd_init(&r, buf, cut);
                    aus_err ea = aus_cbor_peek_heads(&r, f, a, 3, &la);
                    aus_err eb = peek_ref(&r, f, b, 3, &lb);
                    assert_int_equal(ea, eb);
                    assert_int_equal(la, lb);
                    for (size_t k = 0; ea == AUS_OK && k < 3; k++)
                        assert_true(a[k].val == b[k].val && a[k].major == b[k].major &&
                                    a[k].ai == b[k].ai);
                }
            }
        }
    }
}

/* The general encoding of a head (RFC 8949 §3, shortest form §4.2.1). */
static void wr_head_ref(aus_wr *w, unsigned major, uint64_t v)
{
    static const uint8_t ai_of[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    uint8_t mt = (uint8_t)((major & 7u) << 5);
    size_t n = aus_cbor_head_len(v);
    if (n == 1) {
        aus_wr_u8(w, (uint8_t)(mt | v));
        return;
    }
    aus_wr_u8(w, (uint8_t)(mt | ai_of[n]));
    aus_wr_ben(w, v, n - 1);
}

static void test_wr_head_differential(void **st)
{
    (void)st;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t ba[16], bb[16], bc[16];
        memset(ba, 0xAA, sizeof ba);
        memset(bb, 0xAA, sizeof bb);
        memset(bc, 0xAA, sizeof bc);
        aus_wr wa, wb, wc; /* wc: the library-internal inline writer (cbor/cbor_wr.h) */
        size_t cap = next() % 12, pre = next() % 4;
        unsigned major = (unsigned)(next() % 8);
        uint64_t v = pick_val();
        if (next() % 16 == 0) {
            aus_wr_init_sizer(&wa);
            aus_wr_init_sizer(&wb);
            aus_wr_init_sizer(&wc);
        } else {
            aus_wr_init(&wa, ba, cap);
            aus_wr_init(&wb, bb, cap);
            aus_wr_init(&wc, bc, cap);
        }
        for (size_t i = 0; i < pre; i++) { /* some bytes already written (or not fitting) */
            aus_wr_u8(&wa, 0x11);
            aus_wr_u8(&wb, 0x11);
            aus_wr_u8(&wc, 0x11);
        }
        if (next() % 32 == 0) {
            (void)aus_wr_fail(&wa, AUS_E_ARG);
            (void)aus_wr_fail(&wb, AUS_E_ARG);
            (void)aus_wr_fail(&wc, AUS_E_ARG);
        }
        aus_cbor_wr_head(&wa, major, v);
        wr_head_ref(&wb, major, v);
        if (major == AUS_CBOR_UINT && iter % 2)
            aus_cbor_wr_uint_i(&wc, v);
        else if (major == AUS_CBOR_ARRAY && iter % 2)
            aus_cbor_wr_array_i(&wc, (size_t)v);
        else
            aus_cbor_wr_head_i(&wc, major, v);
        assert_int_equal(wa.err, wb.err);
        assert_int_equal(wa.off, wb.off);
        assert_memory_equal(ba, bb, sizeof ba);
        assert_int_equal(wc.err, wb.err);
        assert_int_equal(wc.off, wb.off);
        assert_memory_equal(bc, bb, sizeof bc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peek_heads_differential),
        cmocka_unit_test(test_peek_heads_edges),
        cmocka_unit_test(test_wr_head_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
