/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the CBOR subset (RFC 8949). Walks one item under every flag combination,
 * checks the walk, skip and raw-view agree on the item's length, that strict acceptance
 * implies lenient acceptance, that AUS_CBOR_NAMED changes only the name of a strict refusal
 * (NONCANONICAL -> NONPREFERRED / INDEF), that aus_cbor_peek_heads (the BPv7 fast path) agrees
 * with the same number of aus_cbor_rd_head calls under every flag combination (it
 * now runs the same head reader on a copy of the cursor; this keeps both paths compared), and
 * exercises every typed reader at the start of the input. Seeds: fuzz/corpus/cbor_item/. */
#include <stdint.h>
#include <stdlib.h>

#include "australis/cbor.h"

static int count(void *ctx, const aus_cbor_item *it)
{
    size_t *n = ctx;
    (*n)++;
    if (it->depth > AUS_CBOR_MAX_DEPTH)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned flags[] = {0, AUS_CBOR_STRICT, AUS_CBOR_NO_INDEF,
                                     AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF};
    size_t len[4];
    aus_err err[4];
    for (int i = 0; i < 4; i++) {
        aus_rd r, s, v;
        size_t visits = 0;
        aus_rd_init(&r, data, size);
        err[i] = aus_cbor_walk(&r, flags[i], count, &visits);
        len[i] = r.off;
        aus_rd_init(&s, data, size);
        aus_err e2 = aus_cbor_skip(&s, flags[i]);
        const uint8_t *p;
        size_t n;
        aus_rd_init(&v, data, size);
        aus_err e3 = aus_cbor_rd_raw(&v, flags[i], &p, &n);
        if (e2 != err[i] || e3 != err[i])
            abort();
        if (err[i] == AUS_OK && (s.off != len[i] || n != len[i] || p != data || !visits))
            abort();
        if (r.off > size)
            abort();
    }
    /* stricter flags can only reject more; accepted items have the same length */
    for (int i = 1; i < 4; i++)
        if (err[i] == AUS_OK && (err[0] != AUS_OK || len[i] != len[0]))
            abort();
    /* NAMED: the same acceptance and length; a refusal only renamed */
    for (int i = 0; i < 4; i++) {
        aus_rd r;
        aus_rd_init(&r, data, size);
        aus_err e = aus_cbor_walk(&r, flags[i] | AUS_CBOR_NAMED, NULL, NULL);
        aus_err want = err[i];
        if (want == AUS_E_NONCANONICAL && (e == AUS_E_NONPREFERRED || e == AUS_E_INDEF))
            want = e;
        if (e != want || (!e && r.off != len[i]))
            abort();
    }
    /* peek_heads agrees with sequential head reads and never moves the reader */
    for (size_t k = 1; k <= 5; k++) {
        for (int fi = 0; fi < 4; fi++) {
            aus_cbor_head hp[5], hs[5];
            size_t len;
            aus_rd pr, sr;
            unsigned fl = flags[fi] | (k == 5 ? AUS_CBOR_NAMED : 0u);
            aus_rd_init(&pr, data, size);
            aus_rd_init(&sr, data, size);
            aus_err ep = aus_cbor_peek_heads(&pr, fl, hp, k, &len);
            aus_err es = AUS_OK;
            for (size_t i = 0; i < k && !es; i++)
                es = aus_cbor_rd_head(&sr, fl, &hs[i]);
            if (ep != es || pr.off != 0 || pr.err != AUS_OK || (!ep && len != sr.off))
                abort();
            for (size_t i = 0; !ep && i < k; i++)
                if (hp[i].major != hs[i].major || hp[i].val != hs[i].val ||
                    hp[i].indef != hs[i].indef || hp[i].brk != hs[i].brk || hp[i].ai != hs[i].ai)
                    abort();
        }
    }
    /* the typed readers on the same input */
    aus_rd r;
    uint64_t u;
    int64_t s;
    const uint8_t *p;
    size_t n;
    int b;
    uint8_t sv;
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_uint(&r, 0, &u);
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_int(&r, AUS_CBOR_STRICT, &s);
    aus_rd_init(&r, data, size);
    if (aus_cbor_rd_bstr(&r, 0, &p, &n) == AUS_OK && (n > size || (n && !p)))
        abort();
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_tstr(&r, AUS_CBOR_STRICT, &p, &n);
    aus_rd_init(&r, data, size);
    if (aus_cbor_rd_array(&r, 0, &n) == AUS_OK && n != AUS_CBOR_INDEF && n > size)
        abort();
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_map(&r, 0, &n);
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_bool(&r, 0, &b);
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_simple(&r, 0, &sv);
    aus_rd_init(&r, data, size);
    (void)aus_cbor_rd_break(&r);
    return 0;
}
