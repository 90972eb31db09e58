/* Channel coding: randomizers, Reed-Solomon (255,223), CLTU / BCH(63,56).
 * Known answers from ../shared/vectors/ccsds_randomizers.json, ccsds_rs255_223.json and
 * ccsds_tc_cltu.json (third-party sources re-verified there; see that README). */
#include <fec.h>

#include "aus_test.h"
#include "australis/coding.h"

static cJSON *load(const char *name) { return tst_read_json(tst_shared(name)); }

/* ---------------- randomizers ---------------- */

/* Independent LFSR from the polynomial (Fibonacci form), to re-derive the sequences. */
static void lfsr(const int *taps, size_t ntaps, uint8_t *out, size_t n)
{
    uint8_t a[255 * 8 + 8];
    for (int i = 0; i < 8; i++)
        a[i] = 1;
    for (size_t k = 8; k < 255 * 8; k++) {
        uint8_t v = a[k - 8];
        for (size_t t = 0; t < ntaps; t++)
            v ^= a[k - 8 + (size_t)taps[t]];
        a[k] = v;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t b = 0;
        for (int j = 0; j < 8; j++)
            b = (uint8_t)(b << 1 | a[(8 * i + (size_t)j) % (255 * 8)]);
        out[i] = b;
    }
}

static void test_randomizers(void **st)
{
    (void)st;
    cJSON *j = load("vectors/ccsds_randomizers.json");
    size_t n;
    uint8_t *tm = tst_json_hex(j, "tm_randomizer_255_bytes", &n);
    assert_true(n >= 255);
    assert_int_equal(n, 255);
    uint8_t buf[600] = {0};
    aus_tm_randomize(buf, n);
    tst_assert_bytes(buf, n, tm, n);
    aus_tm_randomize(buf, n); /* involution */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(buf[i], 0);
    uint8_t *tc = tst_json_hex(j, "tc_randomizer_255_bytes", &n);
    memset(buf, 0, sizeof buf);
    aus_tc_randomize(buf, n);
    tst_assert_bytes(buf, n, tc, n);
    /* the tables equal the polynomials' sequences */
    static const int tm_taps[] = {3, 5, 7}, tc_taps[] = {1, 2, 3, 4, 6};
    uint8_t ref[255];
    lfsr(tm_taps, 3, ref, 255);
    tst_assert_bytes(ref, 255, tm, 255);
    lfsr(tc_taps, 5, ref, 255);
    tst_assert_bytes(ref, 255, tc, 255);
    /* every length up to two periods (the sequence repeats every 255 octets), which takes the
     * 8-octet fast path across the period boundary */
    for (size_t len = 1; len <= 510; len++) {
        uint8_t z[510] = {0}, y[510] = {0};
        aus_tm_randomize(z, len);
        aus_tc_randomize(y, len);
        for (size_t i = 0; i < len; i++) {
            assert_int_equal(z[i], tm[i % 255]);
            assert_int_equal(y[i], tc[i % 255]);
        }
    }
    free(tm);
    free(tc);
    cJSON_Delete(j);
}

/* ---------------- Reed-Solomon ---------------- */

static void test_rs_vectors(void **st)
{
    (void)st;
    cJSON *j = load("vectors/ccsds_rs255_223.json");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data_0x00_to_0xDE");
    size_t n, pn, cn;
    uint8_t *data = tst_json_hex(d, "data", &n);
    uint8_t *par = tst_json_hex(d, "parity_dual_basis_CCSDS", &pn);
    uint8_t *cw = tst_json_hex(d, "codeword_dual_basis", &cn);
    assert_int_equal(n, 223);
    uint8_t blk[255];
    memcpy(blk, data, 223);
    assert_int_equal(aus_rs_encode(blk, 1, 0), AUS_OK);
    tst_assert_bytes(blk + 223, 32, par, pn);
    tst_assert_bytes(blk, 255, cw, cn);
    unsigned fixed = 99;
    assert_int_equal(aus_rs_decode(blk, 1, 0, &fixed), AUS_OK);
    assert_int_equal(fixed, 0);
    /* all 0xFF and all zero */
    size_t fn;
    uint8_t *ff = tst_json_hex(j, "data_all_0xFF_parity_dual", &fn);
    memset(blk, 0xFF, 223);
    assert_int_equal(aus_rs_encode(blk, 1, 0), AUS_OK);
    tst_assert_bytes(blk + 223, 32, ff, fn);
    uint8_t *zz = tst_json_hex(j, "data_all_zero_parity", &fn);
    memset(blk, 0, 223);
    assert_int_equal(aus_rs_encode(blk, 1, 0), AUS_OK);
    tst_assert_bytes(blk + 223, 32, zz, fn);
    /* shortened: pad 128 -> RS(127,95), data 00..5E */
    uint8_t *sp = tst_json_hex(j, "shortened_pad128_RS(127,95)_data_0x00_to_0x5E_parity_dual", &fn);
    for (unsigned i = 0; i < 95; i++)
        blk[i] = (uint8_t)i;
    assert_int_equal(aus_rs_data_len(1, 128), 95);
    assert_int_equal(aus_rs_encode(blk, 1, 128), AUS_OK);
    tst_assert_bytes(blk + 95, 32, sp, fn);
    /* interleave I=2: each codeword is the vector data with the same parity */
    uint8_t blk2[510];
    for (unsigned i = 0; i < 223; i++)
        blk2[2 * i] = blk2[2 * i + 1] = data[i];
    assert_int_equal(aus_rs_encode(blk2, 2, 0), AUS_OK);
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(blk2[446 + 2 * i], par[i]);
        assert_int_equal(blk2[446 + 2 * i + 1], par[i]);
    }
    free(data), free(par), free(cw), free(ff), free(zz), free(sp);
    cJSON_Delete(j);
}

static void test_rs_args(void **st)
{
    (void)st;
    uint8_t blk[255 * 8] = {0};
    unsigned c;
    assert_int_equal(aus_rs_encode(blk, 0, 0), AUS_E_ARG);
    assert_int_equal(aus_rs_encode(blk, 9, 0), AUS_E_ARG);
    assert_int_equal(aus_rs_encode(blk, 1, 223), AUS_E_ARG);
    assert_int_equal(aus_rs_decode(blk, 0, 0, &c), AUS_E_ARG);
    assert_int_equal(aus_rs_data_len(5, 0), 1115);
    assert_int_equal(aus_rs_block_len(5, 0), 1275);
}

/* Corrupt `nerr` distinct symbols of codeword j (interleave I, pad q) in blk. */
static void corrupt(uint8_t *blk, unsigned I, unsigned q, unsigned j, unsigned nerr, uint64_t *rs)
{
    unsigned n = 255 - q;
    uint8_t hit[255] = {0};
    for (unsigned e = 0; e < nerr;) {
        unsigned pos = (unsigned)(tst_rand(rs) % n);
        if (hit[pos])
            continue;
        hit[pos] = 1;
        uint8_t x = (uint8_t)(tst_rand(rs) % 255 + 1);
        blk[pos * I + j] ^= x;
        e++;
    }
}

static void test_rs_random(void **st)
{
    (void)st;
    uint64_t rs = 0x5eed0001;
    static uint8_t blk[255 * 8], orig[255 * 8], bad[255 * 8];
    for (unsigned I = 1; I <= 8; I++) {
        for (int trial = 0; trial < 50; trial++) {
            unsigned q = trial < 25 ? 0 : (unsigned)(tst_rand(&rs) % 200);
            size_t dl = aus_rs_data_len(I, q), bl = aus_rs_block_len(I, q);
            for (size_t i = 0; i < dl; i++)
                blk[i] = (uint8_t)tst_rand(&rs);
            assert_int_equal(aus_rs_encode(blk, I, q), AUS_OK);
            memcpy(orig, blk, bl);
            /* the fast validity check agrees: all clean, then exactly the corrupted codeword */
            assert_int_equal(aus_rs_dirty(blk, I, q), 0);
            unsigned jj = (unsigned)(tst_rand(&rs) % I);
            size_t at = (size_t)(tst_rand(&rs) % (255 - q)) * I + jj;
            blk[at] ^= (uint8_t)(1u << (tst_rand(&rs) % 8));
            assert_int_equal(aus_rs_dirty(blk, I, q), 1u << jj);
            memcpy(blk, orig, bl);
            /* up to 16 errors in every codeword: all corrected, count reported */
            unsigned want = 0;
            for (unsigned j = 0; j < I; j++) {
                unsigned ne = (unsigned)(tst_rand(&rs) % 17);
                if (trial == 0)
                    ne = 16;
                corrupt(blk, I, q, j, ne, &rs);
                want += ne;
            }
            unsigned fixed = 0;
            assert_int_equal(aus_rs_decode(blk, I, q, &fixed), AUS_OK);
            assert_int_equal(fixed, want);
            tst_assert_bytes(blk, bl, orig, bl);
            /* 17..32 errors in one codeword: uncorrectable, block untouched */
            unsigned j = (unsigned)(tst_rand(&rs) % I);
            corrupt(blk, I, q, j, 17 + (unsigned)(tst_rand(&rs) % 16), &rs);
            memcpy(bad, blk, bl);
            assert_int_equal(aus_rs_decode(blk, I, q, &fixed), AUS_E_FEC);
            tst_assert_bytes(blk, bl, bad, bl);
        }
    }
}

static void test_cadu(void **st)
{
    (void)st;
    aus_tm_coding c = {5, 0, true};
    assert_int_equal(aus_tm_cadu_len(&c, 1115), 1279);
    assert_int_equal(aus_tm_cadu_len(&c, 1114), 0);
    uint8_t frame[1115], cadu[1279], cadu2[1279];
    for (unsigned i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(i * 7);
    assert_int_equal(aus_tm_cadu_encode(&c, frame, 1115, cadu, sizeof cadu), AUS_OK);
    assert_memory_equal(cadu, "\x1a\xcf\xfc\x1d", 4);
    /* layout: ASM | randomize(frame | interleaved parity) */
    memcpy(cadu2 + 4, frame, 1115);
    assert_int_equal(aus_rs_encode(cadu2 + 4, 5, 0), AUS_OK);
    aus_tm_randomize(cadu2 + 4, 1275);
    assert_memory_equal(cadu + 4, cadu2 + 4, 1275);
    cadu[100] ^= 0xFF;
    cadu[700] ^= 0x01;
    uint8_t *f;
    size_t fl;
    unsigned fixed;
    assert_int_equal(aus_tm_cadu_decode(&c, cadu, sizeof cadu, &f, &fl, &fixed), AUS_OK);
    assert_int_equal(fl, 1115);
    assert_int_equal(fixed, 2);
    assert_memory_equal(f, frame, 1115);
    /* bad ASM, wrong length */
    assert_int_equal(aus_tm_cadu_encode(&c, frame, 1115, cadu, sizeof cadu), AUS_OK);
    cadu[0] ^= 1;
    assert_int_equal(aus_tm_cadu_decode(&c, cadu, sizeof cadu, &f, &fl, &fixed), AUS_E_MALFORMED);
    assert_int_equal(aus_tm_cadu_decode(&c, cadu, sizeof cadu - 1, &f, &fl, &fixed), AUS_E_ARG);
    assert_int_equal(aus_tm_cadu_encode(&c, frame, 1115, cadu, 1278), AUS_E_NOBUFS);
    /* no RS, no randomizer */
    aus_tm_coding plain = {0, 0, false};
    assert_int_equal(aus_tm_cadu_len(&plain, 100), 104);
    assert_int_equal(aus_tm_cadu_encode(&plain, frame, 100, cadu, sizeof cadu), AUS_OK);
    assert_memory_equal(cadu + 4, frame, 100);
}

/* ---------------- CLTU ---------------- */

static void test_cltu_vectors(void **st)
{
    (void)st;
    cJSON *j = load("vectors/ccsds_tc_cltu.json");
    size_t fl, cl, ncl, rl;
    uint8_t *frame = tst_json_hex(j, "tc_frame", &fl);
    uint8_t *cltu = tst_json_hex(j, "cltu_randomized", &cl);
    uint8_t *plain = tst_json_hex(j, "cltu_not_randomized_derived", &ncl);
    uint8_t *rnd = tst_json_hex(j, "randomized_frame", &rl);
    uint8_t tmp[64];
    memcpy(tmp, frame, fl);
    aus_tc_randomize(tmp, fl);
    tst_assert_bytes(tmp, fl, rnd, rl);
    uint8_t out[256];
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_cltu_encode(&w, frame, fl, true), AUS_OK);
    tst_assert_bytes(out, w.off, cltu, cl);
    assert_int_equal(aus_cltu_len(fl), cl);
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_cltu_encode(&w, frame, fl, false), AUS_OK);
    tst_assert_bytes(out, w.off, plain, ncl);
    /* BCH examples */
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "bch_examples"), *it;
    int count = 0;
    cJSON_ArrayForEach(it, ex)
    {
        size_t il, pl;
        uint8_t *info = tst_hex(it->string, &il);
        uint8_t *p = tst_hex(it->valuestring, &pl);
        assert_int_equal(aus_bch_parity(info), p[0]);
        free(info), free(p), count++;
    }
    assert_int_equal(count, 4);
    /* decode back */
    uint8_t data[256];
    aus_cltu_result r;
    assert_int_equal(aus_cltu_decode(cltu, cl, true, data, sizeof data, &r), AUS_OK);
    assert_int_equal(r.consumed, cl);
    assert_int_equal(r.corrected, 0);
    assert_int_equal(r.data_len, 21);
    assert_memory_equal(data, frame, fl);
    free(frame), free(cltu), free(plain), free(rnd);
    cJSON_Delete(j);
}

static void test_cltu_bit_errors(void **st)
{
    (void)st;
    cJSON *j = load("vectors/ccsds_tc_cltu.json");
    size_t fl, cl;
    uint8_t *frame = tst_json_hex(j, "tc_frame", &fl);
    uint8_t *cltu = tst_json_hex(j, "cltu_randomized", &cl);
    uint8_t buf[64], data[64];
    aus_cltu_result r;
    /* every single-bit error in every codeblock (incl. parity bits) is corrected; the filler
     * bit is not part of the code and is ignored */
    for (size_t bit = 16; bit < (cl - 8) * 8; bit++) {
        memcpy(buf, cltu, cl);
        buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        assert_int_equal(aus_cltu_decode(buf, cl, true, data, sizeof data, &r), AUS_OK);
        assert_memory_equal(data, frame, fl);
        assert_int_equal(r.corrected, ((bit - 16) % 64 == 63) ? 0u : 1u);
    }
    /* every double-bit error inside one codeblock is detected: the CLTU is rejected */
    for (size_t blk = 0; blk < 3; blk++) {
        for (unsigned a = 0; a < 63; a++) {
            for (unsigned b = a + 1; b < 63; b++) {
                memcpy(buf, cltu, cl);
                size_t base = 2 + blk * 8;
                buf[base + a / 8] ^= (uint8_t)(0x80u >> (a % 8));
                buf[base + b / 8] ^= (uint8_t)(0x80u >> (b % 8));
                assert_int_equal(aus_cltu_decode(buf, cl, true, data, sizeof data, &r), AUS_E_FEC);
            }
        }
    }
    /* truncation at every offset */
    for (size_t n = 0; n < cl; n++) {
        aus_err e = aus_cltu_decode(cltu, n, true, data, sizeof data, &r);
        assert_true(e == AUS_E_NOTFOUND || e == AUS_E_TRUNC);
    }
    /* junk before the start sequence is skipped; output too small */
    uint8_t junk[80] = {0x12, 0x34, 0x56};
    memcpy(junk + 3, cltu, cl);
    assert_int_equal(aus_cltu_decode(junk, cl + 3, true, data, sizeof data, &r), AUS_OK);
    assert_int_equal(r.consumed, cl + 3);
    assert_int_equal(aus_cltu_decode(cltu, cl, true, data, 14, &r), AUS_E_LIMIT);
    /* start directly followed by the tail */
    static const uint8_t empty[] = {0xEB, 0x90, 0xC5, 0xC5, 0xC5, 0xC5, 0xC5, 0xC5, 0xC5, 0x79};
    assert_int_equal(aus_cltu_decode(empty, sizeof empty, true, data, sizeof data, &r),
                     AUS_E_MALFORMED);
    free(frame), free(cltu);
    cJSON_Delete(j);
}

static void test_cltu_roundtrip(void **st)
{
    (void)st;
    uint64_t rs = 77;
    static uint8_t frame[1024], cltu[1300], data[1100];
    for (size_t len = 1; len <= 1024; len += (len < 20 ? 1 : 97)) {
        for (size_t i = 0; i < len; i++)
            frame[i] = (uint8_t)tst_rand(&rs);
        aus_wr w;
        aus_wr_init(&w, cltu, sizeof cltu);
        assert_int_equal(aus_cltu_encode(&w, frame, len, true), AUS_OK);
        assert_int_equal(w.off, aus_cltu_len(len));
        aus_cltu_result r;
        assert_int_equal(aus_cltu_decode(cltu, w.off, true, data, sizeof data, &r), AUS_OK);
        assert_memory_equal(data, frame, len);
    }
    aus_wr w;
    aus_wr_init(&w, cltu, sizeof cltu);
    assert_int_equal(aus_cltu_encode(&w, frame, 1025, true), AUS_E_ARG);
    assert_int_equal(aus_cltu_encode(&w, frame, 0, true), AUS_E_ARG);
    aus_wr_init(&w, cltu, 20);
    assert_int_equal(aus_cltu_encode(&w, frame, 100, true), AUS_E_NOBUFS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_randomizers),
        cmocka_unit_test(test_rs_vectors),
        cmocka_unit_test(test_rs_args),
        cmocka_unit_test(test_rs_random),
        cmocka_unit_test(test_cadu),
        cmocka_unit_test(test_cltu_vectors),
        cmocka_unit_test(test_cltu_bit_errors),
        cmocka_unit_test(test_cltu_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
