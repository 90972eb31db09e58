/* SPDX-License-Identifier: Apache-2.0 */
/* Differential test of the CBOR decoder and encoder against Debian's libcbor (test-only oracle).
 *
 * 1. A random generator writes well-formed items (every major type, all head widths, shortest
 *    or not, definite and indefinite containers and strings, tags, simple values, floats).
 *    Both decoders must accept them, consume the same bytes and see the same tree.
 * 2. Random mutations of those items (bit flips, byte changes, truncations, insertions): both
 *    decoders must agree on accept/reject and on the length consumed, except where our
 *    documented limits differ (nesting deeper than AUS_CBOR_MAX_DEPTH).
 * 3. Our encoder's heads must equal libcbor's encoder output for random arguments.
 */
#include <math.h>

#include <cbor.h>

#include "aus_test.h"
#include "australis/cbor.h"

/* ---- a token string describing the tree, built by each side ---- */
typedef struct sbuf {
    char s[1 << 16];
    size_t n;
    int overflow;
    int unassigned; /* saw a simple value other than 20..23 or a tag 6..20 (libcbor 0.8
                     * refuses those, though RFC 8949 §3.3 / §3.4 make them well formed) */
    int badutf8; /* saw a non-ASCII text string, maybe not UTF-8 (a validity, not well-formedness,
                  * matter in RFC 8949 §5.3.1; libcbor 0.8 refuses it, we leave it to users) */
} sbuf;

static void sb_put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof b->s - b->n)
        b->overflow = 1;
    else
        b->n += (size_t)k;
}

static void sb_hex(sbuf *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_put(b, "%02x", p[i]);
}

/* ASCII only: libcbor's UTF-8 validation (overlongs, surrogates...) is not ours to mirror. */
static int utf8_ok(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80)
            return 0;
    return 1;
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    int m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp(m, -24);
    else if (e == 31)
        v = m == 0 ? INFINITY : NAN;
    else
        v = ldexp(m + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

static void sb_float(sbuf *b, double d)
{
    if (isnan(d))
        sb_put(b, "fnan ");
    else
        sb_put(b, "f%a ", d);
}

/* Ours: the walker's visits. */
static int our_visit(void *ctx, const aus_cbor_item *it)
{
    sbuf *b = ctx;
    const aus_cbor_head *h = &it->h;
    if (h->brk) {
        sb_put(b, ") ");
        return 0;
    }
    switch (h->major) {
    case 0: sb_put(b, "u%llu ", (unsigned long long)h->val); break;
    case 1: sb_put(b, "n%llu ", (unsigned long long)h->val); break;
    case 2:
    case 3:
        if (h->indef) {
            sb_put(b, "S%d( ", h->major);
        } else {
            sb_put(b, "s%d:", h->major);
            sb_hex(b, it->data, it->len);
            if (h->major == 3 && !utf8_ok(it->data, it->len))
                b->badutf8 = 1;
            sb_put(b, " ");
        }
        break;
    case 4:
    case 5:
        if (h->indef)
            sb_put(b, "%c*( ", h->major == 4 ? 'A' : 'M');
        else
            sb_put(b, "%c%llu ", h->major == 4 ? 'A' : 'M', (unsigned long long)h->val);
        break;
    case 6:
        sb_put(b, "t%llu ", (unsigned long long)h->val);
        if (h->val >= 6 && h->val <= 20)
            b->unassigned = 1; /* libcbor 0.8 refuses tags 6..20 */
        break;
    default:
        if (h->ai == 25)
            sb_float(b, half_to_double((uint16_t)h->val));
        else if (h->ai == 26) {
            uint32_t u = (uint32_t)h->val;
            float f;
            memcpy(&f, &u, 4);
            sb_float(b, f);
        } else if (h->ai == 27) {
            double d;
            memcpy(&d, &h->val, 8);
            sb_float(b, d);
        } else {
            sb_put(b, "c%llu ", (unsigned long long)h->val);
            if (h->val < 20 || h->val > 23)
                b->unassigned = 1;
        }
    }
    return 0;
}

/* libcbor's tree, walked the same way. */
static void lib_dump(sbuf *b, cbor_item_t *it)
{
    switch (cbor_typeof(it)) {
    case CBOR_TYPE_UINT: sb_put(b, "u%llu ", (unsigned long long)cbor_get_int(it)); break;
    case CBOR_TYPE_NEGINT: sb_put(b, "n%llu ", (unsigned long long)cbor_get_int(it)); break;
    case CBOR_TYPE_BYTESTRING:
    case CBOR_TYPE_STRING: {
        int m = cbor_typeof(it) == CBOR_TYPE_BYTESTRING ? 2 : 3;
        int def = m == 2 ? cbor_bytestring_is_definite(it) : cbor_string_is_definite(it);
        if (def) {
            sb_put(b, "s%d:", m);
            sb_hex(b, m == 2 ? cbor_bytestring_handle(it) : cbor_string_handle(it),
                   m == 2 ? cbor_bytestring_length(it) : cbor_string_length(it));
            sb_put(b, " ");
        } else {
            sb_put(b, "S%d( ", m);
            size_t n = m == 2 ? cbor_bytestring_chunk_count(it) : cbor_string_chunk_count(it);
            cbor_item_t **c =
                m == 2 ? cbor_bytestring_chunks_handle(it) : cbor_string_chunks_handle(it);
            for (size_t i = 0; i < n; i++)
                lib_dump(b, c[i]);
            sb_put(b, ") ");
        }
        break;
    }
    case CBOR_TYPE_ARRAY: {
        size_t n = cbor_array_size(it);
        cbor_item_t **c = cbor_array_handle(it);
        if (cbor_array_is_definite(it))
            sb_put(b, "A%zu ", n);
        else
            sb_put(b, "A*( ");
        for (size_t i = 0; i < n; i++)
            lib_dump(b, c[i]);
        if (!cbor_array_is_definite(it))
            sb_put(b, ") ");
        break;
    }
    case CBOR_TYPE_MAP: {
        size_t n = cbor_map_size(it);
        struct cbor_pair *p = cbor_map_handle(it);
        if (cbor_map_is_definite(it))
            sb_put(b, "M%zu ", n);
        else
            sb_put(b, "M*( ");
        for (size_t i = 0; i < n; i++) {
            lib_dump(b, p[i].key);
            lib_dump(b, p[i].value);
        }
        if (!cbor_map_is_definite(it))
            sb_put(b, ") ");
        break;
    }
    case CBOR_TYPE_TAG: {
        sb_put(b, "t%llu ", (unsigned long long)cbor_tag_value(it));
        cbor_item_t *t = cbor_tag_item(it);
        lib_dump(b, t);
        cbor_decref(&t);
        break;
    }
    case CBOR_TYPE_FLOAT_CTRL:
        switch (cbor_float_get_width(it)) {
        case CBOR_FLOAT_0: sb_put(b, "c%u ", cbor_ctrl_value(it)); break;
        case CBOR_FLOAT_16: sb_float(b, cbor_float_get_float2(it)); break;
        case CBOR_FLOAT_32: sb_float(b, cbor_float_get_float4(it)); break;
        default: sb_float(b, cbor_float_get_float8(it));
        }
        break;
    }
}

/* ---- random well-formed items ---- */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(uint64_t n) { return n ? tst_rand(&rng) % n : 0; }

typedef struct obuf {
    uint8_t b[8192];
    size_t n;
} obuf;

static void ob_u8(obuf *o, uint8_t v)
{
    if (o->n < sizeof o->b)
        o->b[o->n++] = v;
}

/* A head with a random (possibly non-shortest) width. */
static void gen_head(obuf *o, unsigned major, uint64_t v, int shortest)
{
    int w; /* 0: inline, 1,2,4,8 bytes */
    if (v < 24)
        w = 0;
    else if (v <= 0xff)
        w = 1;
    else if (v <= 0xffff)
        w = 2;
    else if (v <= 0xffffffffu)
        w = 4;
    else
        w = 8;
    if (!shortest && w < 8 && !(major == 7)) {
        static const int up[] = {1, 2, 4, 8};
        w = up[rnd(4)] > w ? up[rnd(4)] : w;
        if (w == 0)
            w = 1;
        if (v < 24 && w == 0)
            w = 1;
    }
    if (w == 0) {
        ob_u8(o, (uint8_t)(major << 5 | v));
        return;
    }
    ob_u8(o, (uint8_t)(major << 5 | (w == 1 ? 24 : w == 2 ? 25 : w == 4 ? 26 : 27)));
    for (int i = w - 1; i >= 0; i--)
        ob_u8(o, (uint8_t)(v >> (8 * i)));
}

static uint64_t rnd_arg(void)
{
    switch (rnd(5)) {
    case 0: return rnd(24);
    case 1: return rnd(256);
    case 2: return rnd(65536);
    case 3: return rnd(1ull << 32);
    default: return tst_rand(&rng);
    }
}

static void gen(obuf *o, int depth, int shortest)
{
    unsigned kind = (unsigned)rnd(depth > 5 ? 6 : 11);
    switch (kind) {
    case 0:
    case 1: gen_head(o, kind, rnd_arg(), shortest); break;
    case 2:
    case 3: {
        size_t n = (size_t)rnd(12);
        gen_head(o, kind, n, shortest);
        for (size_t i = 0; i < n; i++)
            ob_u8(o, kind == 3 ? (uint8_t)('a' + rnd(26)) : (uint8_t)rnd(256));
        break;
    }
    case 4: { /* simple values and floats */
        switch (rnd(5)) {
        case 0:
        case 1:
            /* false, true, null, undefined: libcbor 0.8 refuses the unassigned simple values
             * (RFC 8949 §3.3 makes them well formed; test_cbor.c covers them for us) */
            ob_u8(o, (uint8_t)(0xf4 + rnd(4)));
            break;
        case 2:
            ob_u8(o, 0xf9);
            ob_u8(o, (uint8_t)rnd(256));
            ob_u8(o, (uint8_t)rnd(256));
            break;
        case 3:
            ob_u8(o, 0xfa);
            for (int i = 0; i < 4; i++)
                ob_u8(o, (uint8_t)rnd(256));
            break;
        default:
            ob_u8(o, 0xfb);
            for (int i = 0; i < 8; i++)
                ob_u8(o, (uint8_t)rnd(256));
        }
        break;
    }
    case 5: { /* indefinite string with chunks */
        unsigned m = 2 + (unsigned)rnd(2);
        ob_u8(o, (uint8_t)(m << 5 | 31));
        size_t k = (size_t)rnd(4);
        for (size_t i = 0; i < k; i++) {
            size_t n = (size_t)rnd(5);
            gen_head(o, m, n, shortest);
            for (size_t j = 0; j < n; j++)
                ob_u8(o, (uint8_t)('a' + rnd(26)));
        }
        ob_u8(o, 0xff);
        break;
    }
    case 6:
    case 7: { /* definite array / map */
        unsigned m = kind == 6 ? 4 : 5;
        size_t n = (size_t)rnd(4);
        gen_head(o, m, n, shortest);
        for (size_t i = 0; i < n * (m == 5 ? 2 : 1); i++)
            gen(o, depth + 1, shortest);
        break;
    }
    case 8:
    case 9: { /* indefinite array / map */
        unsigned m = kind == 8 ? 4 : 5;
        size_t n = (size_t)rnd(4);
        ob_u8(o, (uint8_t)(m << 5 | 31));
        for (size_t i = 0; i < n * (m == 5 ? 2 : 1); i++)
            gen(o, depth + 1, shortest);
        ob_u8(o, 0xff);
        break;
    }
    default: {
        /* tag; not 6..20, which libcbor 0.8 refuses though they are well formed */
        uint64_t t = rnd_arg();
        gen_head(o, 6, t >= 6 && t <= 20 ? t + 15 : t, shortest);
        gen(o, depth + 1, shortest);
        break;
    }
    }
}

/* Run both decoders on p[0..n): return 1 if they agree (printing the disagreement if not). */
typedef struct verdict {
    int ok;
    size_t used;
} verdict;

static verdict ours(const uint8_t *p, size_t n, sbuf *b, aus_err *err)
{
    aus_rd r;
    verdict v;
    aus_rd_init(&r, p, n);
    b->n = 0;
    b->overflow = 0;
    b->unassigned = 0;
    b->badutf8 = 0;
    b->s[0] = 0;
    *err = aus_cbor_walk(&r, 0, our_visit, b);
    v.ok = *err == AUS_OK;
    v.used = v.ok ? r.off : 0;
    return v;
}

/* libcbor's cbor_load allocates a definite container's slots before reading its items, so a
 * hostile count makes it allocate gigabytes. Scan the heads first with libcbor's own streaming
 * decoder (no allocation): a container declaring more items than bytes remain cannot be
 * complete, and the caller only checks that we reject such an input. */
static size_t scan_left;
static int scan_big;
static void scan_coll(void *ctx, size_t size)
{
    (void)ctx;
    if (size > scan_left)
        scan_big = 1;
}

static int oversized(const uint8_t *p, size_t n)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.array_start = scan_coll;
    cb.map_start = scan_coll;
    scan_big = 0;
    for (size_t pos = 0; pos < n;) {
        scan_left = n - pos;
        struct cbor_decoder_result r = cbor_stream_decode(p + pos, n - pos, &cb, NULL);
        if (scan_big)
            return 1;
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
            break;
        pos += r.read;
    }
    return 0;
}

static verdict theirs(const uint8_t *p, size_t n, sbuf *b)
{
    struct cbor_load_result res;
    verdict v;
    b->n = 0;
    b->overflow = 0;
    b->s[0] = 0;
    cbor_item_t *it = cbor_load(p, n, &res);
    v.ok = it != NULL && res.error.code == CBOR_ERR_NONE;
    v.used = v.ok ? res.read : 0;
    if (it) {
        lib_dump(b, it);
        cbor_decref(&it);
    }
    return v;
}

static sbuf sb_ours, sb_theirs;

static void test_wellformed_agree(void **st)
{
    (void)st;
    static obuf o;
    for (int i = 0; i < 20000; i++) {
        o.n = 0;
        gen(&o, 0, (int)rnd(2));
        assert_true(o.n < sizeof o.b);
        aus_err e;
        verdict a = ours(o.b, o.n, &sb_ours, &e);
        verdict b = theirs(o.b, o.n, &sb_theirs);
        if (!a.ok || !b.ok || a.used != b.used || strcmp(sb_ours.s, sb_theirs.s) != 0) {
            print_message("input %s\nours   (%d) %s\ntheirs %s\n", tst_tohex(o.b, o.n), e,
                          sb_ours.s, sb_theirs.s);
            fail();
        }
        assert_int_equal(a.used, o.n);
    }
}

static int deep_or_limit(aus_err e) { return e == AUS_E_LIMIT; }

static void test_mutations_agree(void **st)
{
    (void)st;
    static obuf o;
    int accepted = 0, rejected = 0;
    for (int i = 0; i < 150000; i++) {
        o.n = 0;
        gen(&o, 0, (int)rnd(2));
        size_t n = o.n;
        switch (rnd(4)) {
        case 0: o.b[rnd(n)] ^= (uint8_t)(1u << rnd(8)); break;
        case 1: o.b[rnd(n)] = (uint8_t)rnd(256); break;
        case 2: n = (size_t)rnd(n); break;
        default: {
            size_t at = (size_t)rnd(n + 1);
            if (n + 1 < sizeof o.b) {
                memmove(o.b + at + 1, o.b + at, n - at);
                o.b[at] = (uint8_t)rnd(256);
                n++;
            }
        }
        }
        aus_err e;
        verdict a = ours(o.b, n, &sb_ours, &e);
        if (oversized(o.b, a.ok ? a.used : n)) {
            assert_false(a.ok); /* a count larger than the input: never complete */
            rejected++;
            continue;
        }
        verdict b = theirs(o.b, n, &sb_theirs);
        if (deep_or_limit(e))
            continue; /* our documented nesting bound; libcbor's is larger */
        if (a.ok && (sb_ours.unassigned || sb_ours.badutf8))
            continue; /* unassigned simple value: well formed, libcbor 0.8 refuses it */
        if (a.ok != b.ok || a.used != b.used || (a.ok && strcmp(sb_ours.s, sb_theirs.s))) {
            print_message("input %s\nours   %d (%d, used %zu) %s\ntheirs %d (used %zu) %s\n",
                          tst_tohex(o.b, n), a.ok, e, a.used, sb_ours.s, b.ok, b.used, sb_theirs.s);
            fail();
        }
        if (a.ok)
            accepted++;
        else
            rejected++;
    }
    /* the corpus exercises both outcomes */
    assert_true(accepted > 1000);
    assert_true(rejected > 1000);
}

static void test_encoder_matches(void **st)
{
    (void)st;
    for (int i = 0; i < 20000; i++) {
        uint64_t v = rnd_arg();
        unsigned kind = (unsigned)rnd(8);
        uint8_t a[16], b[16];
        size_t nb = 0;
        aus_wr w;
        aus_wr_init(&w, a, sizeof a);
        switch (kind) {
        case 0:
            aus_cbor_wr_uint(&w, v);
            nb = cbor_encode_uint(v, b, sizeof b);
            break;
        case 1:
            aus_cbor_wr_head(&w, AUS_CBOR_NINT, v);
            nb = cbor_encode_negint(v, b, sizeof b);
            break;
        case 2:
            aus_cbor_wr_head(&w, AUS_CBOR_BSTR, v);
            nb = cbor_encode_bytestring_start((size_t)v, b, sizeof b);
            break;
        case 3:
            aus_cbor_wr_head(&w, AUS_CBOR_TSTR, v);
            nb = cbor_encode_string_start((size_t)v, b, sizeof b);
            break;
        case 4:
            aus_cbor_wr_array(&w, (size_t)v);
            nb = cbor_encode_array_start((size_t)v, b, sizeof b);
            break;
        case 5:
            aus_cbor_wr_map(&w, (size_t)v);
            nb = cbor_encode_map_start((size_t)v, b, sizeof b);
            break;
        case 6:
            aus_cbor_wr_tag(&w, v);
            nb = cbor_encode_tag(v, b, sizeof b);
            break;
        default: {
            int64_t s = (int64_t)v;
            aus_cbor_wr_int(&w, s);
            nb = s >= 0 ? cbor_encode_uint((uint64_t)s, b, sizeof b)
                        : cbor_encode_negint((uint64_t)(-(s + 1)), b, sizeof b);
        }
        }
        assert_int_equal(w.err, AUS_OK);
        tst_assert_bytes(a, w.off, b, nb);
    }
    uint8_t a[8], b[8];
    aus_wr w;
    aus_wr_init(&w, a, sizeof a);
    aus_cbor_wr_bool(&w, 1);
    aus_cbor_wr_bool(&w, 0);
    aus_cbor_wr_null(&w);
    aus_cbor_wr_undefined(&w);
    aus_cbor_wr_array_indef(&w);
    aus_cbor_wr_map_indef(&w);
    aus_cbor_wr_break(&w);
    size_t nb = cbor_encode_bool(true, b, 8);
    nb += cbor_encode_bool(false, b + nb, 8 - nb);
    nb += cbor_encode_null(b + nb, 8 - nb);
    nb += cbor_encode_undef(b + nb, 8 - nb);
    nb += cbor_encode_indef_array_start(b + nb, 8 - nb);
    nb += cbor_encode_indef_map_start(b + nb, 8 - nb);
    nb += cbor_encode_break(b + nb, 8 - nb);
    tst_assert_bytes(a, w.off, b, nb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wellformed_agree),
        cmocka_unit_test(test_mutations_agree),
        cmocka_unit_test(test_encoder_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
