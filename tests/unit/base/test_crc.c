/* SPDX-License-Identifier: Apache-2.0 */
/* CRC check values from ../shared/vectors/crc_check_values.json (reveng catalogue, ECSS PUS,
 * RFC 3720 B.4). */
#include "aus_test.h"
#include "australis/base.h"
#include "base/crc_tab.h"

static cJSON *j;

static const cJSON *section(const char *prefix)
{
    const cJSON *it;
    cJSON_ArrayForEach(it,
                       j) if (it->string && !strncmp(it->string, prefix, strlen(prefix))) return it;
    fail_msg("no section %s", prefix);
    return NULL;
}

static unsigned long hexnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsString(v));
    return strtoul(v->valuestring, NULL, 16);
}

static void test_check_values(void **st)
{
    (void)st;
    const uint8_t *m = (const uint8_t *)"123456789";
    assert_int_equal(aus_crc16_ccitt(m, 9), hexnum(section("CRC-16/IBM-3740"), "check_123456789"));
    assert_int_equal(aus_crc16_x25(m, 9), hexnum(section("CRC-16/IBM-SDLC"), "check_123456789"));
    assert_int_equal(aus_crc32c(m, 9), hexnum(section("CRC-32/ISCSI"), "check_123456789"));
    /* the portable reference on its own (the public forms may run the CPU's instructions) */
    assert_int_equal((uint16_t)~aus_crc16_x25_update_portable(0xFFFF, m, 9),
                     hexnum(section("CRC-16/IBM-SDLC"), "check_123456789"));
    assert_int_equal(~aus_crc32c_update_portable(0xFFFFFFFFu, m, 9),
                     hexnum(section("CRC-32/ISCSI"), "check_123456789"));
}

static void test_pus_examples(void **st)
{
    (void)st;
    const cJSON *ex =
        cJSON_GetObjectItemCaseSensitive(section("CRC-16/IBM-3740"), "ecss_pus_examples");
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, ex)
    {
        size_t len;
        uint8_t *in = tst_hex(it->string, &len);
        assert_int_equal(aus_crc16_ccitt(in, len), strtoul(it->valuestring, NULL, 16));
        /* residue: CRC over data + FECF (big-endian) is 0 */
        uint8_t buf[16];
        memcpy(buf, in, len);
        uint16_t c = aus_crc16_ccitt(in, len);
        buf[len] = (uint8_t)(c >> 8);
        buf[len + 1] = (uint8_t)c;
        assert_int_equal(aus_crc16_ccitt(buf, len + 2), 0);
        free(in);
        n++;
    }
    assert_int_equal(n, 4);
}

static void test_rfc3720(void **st)
{
    (void)st;
    const cJSON *b4 = cJSON_GetObjectItemCaseSensitive(section("CRC-32/ISCSI"), "rfc3720_B4");
    uint8_t buf[32];
    memset(buf, 0, 32);
    assert_int_equal(aus_crc32c(buf, 32), hexnum(b4, "32 x 00"));
    memset(buf, 0xff, 32);
    assert_int_equal(aus_crc32c(buf, 32), hexnum(b4, "32 x ff"));
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(aus_crc32c(buf, 32), hexnum(b4, "00..1f incrementing"));
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(aus_crc32c(buf, 32), hexnum(b4, "1f..00 decrementing"));
    /* incremental == one-shot at every split (slicing-by-8 path vs bytewise tail) */
    for (size_t s = 0; s <= 32; s++) {
        uint32_t c = aus_crc32c_update(0xFFFFFFFFu, buf, s);
        c = ~aus_crc32c_update(c, buf + s, 32 - s);
        assert_int_equal(c, aus_crc32c(buf, 32));
    }
}

/* The table-driven (slicing) CRCs against a bitwise reference written from the catalogue's
 * parameters, over random lengths and every split point. */
static uint16_t ref_ccitt(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint16_t)(p[i] << 8);
        for (int k = 0; k < 8; k++)
            c = (uint16_t)((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
    }
    return c;
}

static uint16_t ref_x25(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (uint16_t)((c & 1) ? (c >> 1) ^ 0x8408 : c >> 1);
    }
    return (uint16_t)~c;
}

static void test_ccitt_long(void **st)
{
    (void)st;
    uint8_t buf[300];
    uint64_t rs = 7;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)tst_rand(&rs);
    for (size_t n = 0; n <= sizeof buf; n += 7) {
        assert_int_equal(aus_crc16_ccitt(buf, n), ref_ccitt(buf, n));
        assert_int_equal(aus_crc16_x25(buf, n), ref_x25(buf, n));
        for (size_t s = 0; s <= n; s += 5)
            assert_int_equal(aus_crc16_ccitt_update(aus_crc16_ccitt(buf, s), buf + s, n - s),
                             ref_ccitt(buf, n));
    }
}

/* ---- the committed tables (tools/gen_tables.c), recomputed bit by bit ---- */

/* Register after one byte v then s zero bytes, from state 0, one bit at a time. */
static uint32_t bits_refl(uint32_t poly, unsigned v, int s)
{
    uint32_t c = v;
    for (int k = 0; k < 8 * (s + 1); k++)
        c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    return c;
}

static uint16_t bits_ccitt(unsigned v, int s)
{
    uint16_t c = (uint16_t)(v << 8);
    for (int k = 0; k < 8 * (s + 1); k++)
        c = (uint16_t)((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
    return c;
}

static void test_tables(void **st)
{
    (void)st;
    for (int s = 0; s < 8; s++)
        for (unsigned v = 0; v < 256; v++) {
            assert_int_equal(aus_crc_tab_32c[s][v], bits_refl(0x82F63B78u, v, s));
            assert_int_equal(aus_crc_tab_x25[s][v], bits_refl(0x8408u, v, s));
            assert_int_equal(aus_crc_tab_ccitt[s][v], bits_ccitt(v, s));
        }
}

static uint64_t clmul32(uint32_t a, uint32_t b)
{
    uint64_t r = 0;
    for (int i = 0; i < 32; i++)
        if (b >> i & 1)
            r ^= (uint64_t)a << i;
    return r;
}

/* aus_crc_tab_32c_shift by its defining property: the CRC register c continued over L zero
 * octets equals the CRC from 0 of the 8 little-endian octets of clmul(c, x^(8L-33) mod P). The
 * map is linear in c, so the 32 one-bit registers prove it for all. */
static void test_shift_constants(void **st)
{
    (void)st;
    static const uint8_t zeros[2 * 8 * AUS_CRC32C_3WAY_MAX_WORDS];
    for (unsigned w = 1; w <= AUS_CRC32C_3WAY_MAX_WORDS; w++)
        for (int twice = 0; twice < 2; twice++)
            for (int b = 0; b < 32; b++) {
                uint32_t c = 1u << b;
                uint64_t m = clmul32(c, aus_crc_tab_32c_shift[w][twice]);
                uint8_t le[8];
                for (int i = 0; i < 8; i++)
                    le[i] = (uint8_t)(m >> (8 * i));
                uint32_t want = aus_crc32c_update_portable(c, zeros, 8u * w * (twice ? 2u : 1u));
                assert_int_equal(aus_crc32c_update_portable(0, le, 8), want);
            }
}

/* aus_crc_tab_x25_fold by its defining property: a 16-octet lane X followed by D/8 zero
 * octets has the CRC (from 0) of the folded lane clmul(X.lo, k[0]) ^ clmul(X.hi, k[1]). */
static void test_fold_constants(void **st)
{
    (void)st;
    static const unsigned dbits[4] = {512, 128, 1024, 256};
    for (int f = 0; f < 4; f++)
        for (int b = 0; b < 128; b++) {
            uint8_t x[16 + 128] = {0}, y[16] = {0};
            x[b / 8] = (uint8_t)(1u << (b % 8));
            uint64_t lo = 0, hi = 0;
            for (int i = 0; i < 8; i++) {
                lo |= (uint64_t)x[i] << (8 * i);
                hi |= (uint64_t)x[8 + i] << (8 * i);
            }
            /* 64 x 32 carry-less products, each up to 95 bits: two halves of 32-bit a */
            uint64_t r[2] = {0, 0};
            const uint64_t q[2] = {lo, hi};
            for (int h = 0; h < 2; h++) {
                uint32_t k = aus_crc_tab_x25_fold[f][h];
                for (int i = 0; i < 32; i++)
                    if (k >> i & 1) {
                        r[0] ^= q[h] << i;
                        r[1] ^= i ? q[h] >> (64 - i) : 0;
                    }
            }
            for (int i = 0; i < 8; i++) {
                y[i] = (uint8_t)(r[0] >> (8 * i));
                y[8 + i] = (uint8_t)(r[1] >> (8 * i));
            }
            assert_int_equal(aus_crc16_x25_update_portable(0, y, 16),
                             aus_crc16_x25_update_portable(0, x, 16 + dbits[f] / 8));
        }
}

/* ---- the hardware forms against the portable reference: every length 0..4096 at every
 * alignment 0..63, from random registers, and each length once in a buffer of exactly that
 * size (so a sanitizer build sees any read past the end) ---- */
static void test_hw_vs_portable(void **st)
{
    (void)st;
    enum { MAXN = 4096, ALIGN = 64 };
    printf("crc implementation: %s\n", aus_crc_impl());
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul"))
        assert_null(strstr(aus_crc_impl(), "portable")); /* the comparison is not vacuous */
#endif
    uint8_t *buf = malloc(MAXN + ALIGN);
    assert_non_null(buf);
    uint64_t rs = 99;
    for (size_t i = 0; i < MAXN + ALIGN; i++)
        buf[i] = (uint8_t)tst_rand(&rs);
    for (size_t n = 0; n <= MAXN; n++) {
        for (size_t a = 0; a < ALIGN; a++) {
            uint32_t c = (uint32_t)tst_rand(&rs);
            uint16_t h = (uint16_t)c;
            const uint8_t *p = buf + a;
            if (aus_crc32c_update(c, p, n) != aus_crc32c_update_portable(c, p, n))
                fail_msg("CRC-32C differs: length %zu, alignment %zu, register %08x", n, a, c);
            if (aus_crc16_x25_update(h, p, n) != aus_crc16_x25_update_portable(h, p, n))
                fail_msg("CRC-16/X.25 differs: length %zu, alignment %zu, register %04x", n, a, h);
        }
        uint8_t *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, buf, n);
        assert_int_equal(aus_crc32c(exact, n), ~aus_crc32c_update_portable(~0u, buf, n));
        assert_int_equal(aus_crc16_x25(exact, n), ref_x25(buf, n));
        free(exact);
    }
    /* long inputs: several full three-stream blocks and the folding loop many times over */
    uint8_t *big = malloc(1u << 20);
    assert_non_null(big);
    for (size_t i = 0; i < 1u << 20; i++)
        big[i] = (uint8_t)tst_rand(&rs);
    for (size_t n = (1u << 20) - 77; n <= 1u << 20; n += 11) {
        assert_int_equal(aus_crc32c_update(7, big, n), aus_crc32c_update_portable(7, big, n));
        assert_int_equal(aus_crc16_x25_update(7, big, n), aus_crc16_x25_update_portable(7, big, n));
    }
    free(big);
    free(buf);
}

static void test_ct(void **st)
{
    (void)st;
    uint8_t a[20] = {1, 2, 3}, b[20] = {1, 2, 3};
    assert_int_equal(aus_ct_eq(a, b, 20), 1);
    b[19] ^= 0x80;
    assert_int_equal(aus_ct_eq(a, b, 20), 0);
    assert_int_equal(aus_ct_eq(a, b, 0), 1);
    assert_int_equal(aus_ct_is_zero(a, 20), 0);
    /* aus_ct_cmp orders like memcmp, every pair of 2-byte values */
    for (unsigned u = 0; u < 65536; u += 251)
        for (unsigned v = 0; v < 65536; v += 257) {
            uint8_t x[2] = {(uint8_t)(u >> 8), (uint8_t)u}, y[2] = {(uint8_t)(v >> 8), (uint8_t)v};
            int m = memcmp(x, y, 2);
            assert_int_equal(aus_ct_cmp(x, y, 2), (m > 0) - (m < 0));
        }
    assert_int_equal(aus_ct_cmp(a, b, 0), 0);
    aus_wipe(a, 20);
    assert_int_equal(aus_ct_is_zero(a, 20), 1);
}

int main(void)
{
    j = tst_read_json(tst_shared("vectors/crc_check_values.json"));
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_pus_examples),
        cmocka_unit_test(test_rfc3720),
        cmocka_unit_test(test_ccitt_long),
        cmocka_unit_test(test_ct),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_shift_constants),
        cmocka_unit_test(test_fold_constants),
        cmocka_unit_test(test_hw_vs_portable),
    };
    int rc = cmocka_run_group_tests(t, NULL, NULL);
    cJSON_Delete(j);
    return rc;
}
