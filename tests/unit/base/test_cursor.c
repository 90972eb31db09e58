/* SPDX-License-Identifier: Apache-2.0 */
/* The cursor: bounds, sticky errors, sub-readers, sizer mode. */
#include "aus_test.h"
#include "australis/base.h"

static void test_reads(void **st)
{
    (void)st;
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};
    aus_rd r;
    aus_rd_init(&r, b, sizeof b);
    assert_int_equal(aus_rd_u8(&r), 0x01);
    assert_int_equal(aus_rd_be16(&r), 0x0203);
    assert_int_equal(aus_rd_be32(&r), 0x04050607);
    assert_int_equal(aus_rd_left(&r), 4);
    assert_int_equal(aus_rd_finish(&r), AUS_E_TRAILING);
    assert_int_equal(aus_rd_be32(&r), 0x08090a0b);
    assert_int_equal(aus_rd_finish(&r), AUS_OK);
    /* reading past the end: sticky TRUNC, value 0, offset unchanged */
    assert_int_equal(aus_rd_u8(&r), 0);
    assert_int_equal(r.err, AUS_E_TRUNC);
    assert_int_equal(r.off, sizeof b);
    assert_int_equal(aus_rd_finish(&r), AUS_E_TRUNC);
}

static void test_sticky(void **st)
{
    (void)st;
    const uint8_t b[] = {1, 2, 3};
    aus_rd r;
    aus_rd_init(&r, b, 3);
    assert_null(aus_rd_view(&r, 4));
    assert_int_equal(r.err, AUS_E_TRUNC);
    assert_int_equal(r.off, 0);
    /* later reads fail without moving, even if they would fit */
    assert_int_equal(aus_rd_u8(&r), 0);
    assert_int_equal(r.off, 0);
    assert_int_equal(aus_rd_fail(&r, AUS_E_MALFORMED), AUS_E_TRUNC); /* first error wins */
}

static void test_sub(void **st)
{
    (void)st;
    const uint8_t b[] = {1, 2, 3, 4, 5};
    aus_rd r;
    aus_rd_init(&r, b, 5);
    aus_rd_skip(&r, 1);
    aus_rd c = aus_rd_sub(&r, 3);
    assert_int_equal(r.off, 4);
    assert_int_equal(aus_rd_be16(&c), 0x0203);
    assert_int_equal(aus_rd_be16(&c), 0); /* child cannot read past its bound */
    assert_int_equal(c.err, AUS_E_TRUNC);
    assert_int_equal(aus_rd_u8(&r), 5);
    aus_rd d = aus_rd_sub(&r, 1);
    assert_int_equal(d.err, AUS_E_TRUNC);
    assert_int_equal(aus_rd_ben(&d, 9), 0);
}

static void test_writer(void **st)
{
    (void)st;
    uint8_t b[6];
    aus_wr w;
    aus_wr_init(&w, b, sizeof b);
    aus_wr_be16(&w, 0xBEEF);
    aus_wr_be32(&w, 0x01020304);
    assert_int_equal(aus_wr_finish(&w), AUS_OK);
    assert_int_equal(aus_wr_len(&w), 6);
    aus_wr_u8(&w, 7);
    assert_int_equal(aus_wr_finish(&w), AUS_E_NOBUFS);
    assert_int_equal(aus_wr_len(&w), 6);
    const uint8_t want[] = {0xbe, 0xef, 1, 2, 3, 4};
    tst_assert_bytes(b, 6, want, 6);
    /* sizer: counts, writes nothing */
    aus_wr s;
    aus_wr_init_sizer(&s);
    aus_wr_be64(&s, 1);
    aus_wr_bytes(&s, b, 6);
    assert_null(aus_wr_reserve(&s, 3));
    assert_int_equal(aus_wr_finish(&s), AUS_OK);
    assert_int_equal(aus_wr_len(&s), 17);
}

static void test_errstr(void **st)
{
    (void)st;
    assert_string_equal(aus_err_name(AUS_E_TRUNC), "AUS_E_TRUNC");
    assert_string_equal(aus_err_str(AUS_E_REPLAY), "replayed or too-old sequence number");
    assert_string_equal(aus_err_str(-9999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_reads),  cmocka_unit_test(test_sticky), cmocka_unit_test(test_sub),
        cmocka_unit_test(test_writer), cmocka_unit_test(test_errstr),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
