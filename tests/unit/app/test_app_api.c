/* SPDX-License-Identifier: Apache-2.0 */
/* The application interface's codec (src/app/app_api.c): round trips of every message, a
 * hand-written encoding (RFC 8949 §3: heads and strings), truncation at every offset, frame
 * lengths (0, over the maximum), hostile shapes with exact errors, the points ADU. */
#include "aus_test.h"

#include "australis/app_api.h"

#define V(s) ((aus_app_view){(const uint8_t *)(s), sizeof(s) - 1})

static aus_api_msg m, d;
static uint8_t buf[4 + AUS_APP_API_FRAME_MAX], buf2[4 + AUS_APP_API_FRAME_MAX];

static void sample(int which, aus_api_msg *x)
{
    memset(x, 0, sizeof *x);
    x->seq = 1000u + (uint64_t)which;
    switch (which) {
    case 0:
        x->type = AUS_API_REGISTER;
        x->name = V("hello");
        break;
    case 1:
        x->type = AUS_API_PUBLISH;
        x->npoints = 3;
        x->points[0] = (aus_api_point){V("tenant.counter"), AUS_API_V_INT, -7, 0, {0}, 0};
        x->points[1] = (aus_api_point){V("temp"), AUS_API_V_FLOAT, 0, 21.5, {0}, 788918400000u};
        x->points[2] = (aus_api_point){V("mode"), AUS_API_V_TEXT, 0, 0, V("SAFE"), 1};
        break;
    case 2:
        x->type = AUS_API_ANSWER;
        x->cmd_id = 77;
        x->code = -1;
        x->text = V("out\0put");
        break;
    case 3:
        x->type = AUS_API_OFFER;
        x->name = V("img.bin");
        break;
    case 4:
        x->type = AUS_API_RESULT;
        x->code = AUS_E_PERM;
        x->text = V("refused");
        break;
    case 5:
        x->type = AUS_API_COMMAND;
        x->cmd_id = 9;
        x->name = V("hello");
        x->nargs = 2;
        x->args[0] = V("a");
        x->args[1] = V("");
        x->deadline_ms = 1ull << 40;
        break;
    default:
        x->type = AUS_API_EVENT;
        x->kind = AUS_API_EV_PASS;
        x->text = V("pass");
        break;
    }
}

static void test_roundtrip(void **state)
{
    (void)state;
    for (int w = 0; w < 7; w++) {
        size_t n = 0, n2 = 0, fl = 0;
        sample(w, &m);
        assert_int_equal(aus_api_encode(&m, buf, sizeof buf, &n), AUS_OK);
        assert_int_equal(aus_api_encode(&m, NULL, 0, &n2), AUS_OK);
        assert_int_equal(n, n2);
        assert_int_equal(aus_api_frame(buf, n, &fl), AUS_OK);
        assert_int_equal(fl, n);
        assert_int_equal(aus_api_decode(&d, buf + 4, n - 4), AUS_OK);
        assert_int_equal(d.type, m.type);
        assert_int_equal(aus_api_encode(&d, buf2, sizeof buf2, &n2), AUS_OK);
        assert_int_equal(n2, n);
        assert_memory_equal(buf, buf2, n);
        /* every proper prefix: the frame is not complete, the body does not decode */
        for (size_t k = 0; k < n; k++)
            assert_int_equal(aus_api_frame(buf, k, &fl), AUS_E_AGAIN);
        for (size_t k = 4; k < n; k++)
            assert_int_equal(aus_api_decode(&d, buf + 4, k - 4),
                             k == 4 ? AUS_E_TRUNC : AUS_E_TRUNC);
        /* one byte more: trailing */
        buf[n] = 0;
        assert_int_equal(aus_api_decode(&d, buf + 4, n - 3), AUS_E_TRAILING);
        assert_int_equal(d.type, 0); /* nothing kept on error */
    }
    sample(1, &m);
    size_t n = 0;
    assert_int_equal(aus_api_encode(&m, buf, sizeof buf, &n), AUS_OK);
    assert_int_equal(aus_api_decode(&d, buf + 4, n - 4), AUS_OK);
    assert_true(d.points[1].f == 21.5);
    assert_int_equal(d.points[0].i, -7);
    assert_int_equal(d.points[2].text.n, 4);
}

/* [1, 5, "hello"] by RFC 8949 §3.1: array(3) = 0x83, uint 1 = 0x01, text(5) = 0x65. */
static void test_known_encoding(void **state)
{
    (void)state;
    static const uint8_t want[] = {0, 0, 0, 9, 0x83, 0x01, 0x05, 0x65, 'h', 'e', 'l', 'l', 'o'};
    memset(&m, 0, sizeof m);
    m.type = AUS_API_REGISTER;
    m.seq = 5;
    m.name = V("hello");
    size_t n = 0;
    assert_int_equal(aus_api_encode(&m, buf, sizeof buf, &n), AUS_OK);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, n);
    /* a float value is the 9-byte form, RFC 8949 §3.3: 21.5 = 0xfb 40 35 80 00 00 00 00 00 */
    aus_api_point p = {V("t"), AUS_API_V_FLOAT, 0, 21.5, {0}, 0};
    static const uint8_t pw[] = {0x83, 0x61, 't', 0xfb, 0x40, 0x35, 0x80, 0, 0, 0, 0, 0, 0x00};
    assert_int_equal(aus_api_point_encode(&p, buf, sizeof buf, &n), AUS_OK);
    assert_int_equal(n, sizeof pw);
    assert_memory_equal(buf, pw, n);
}

static void test_hostile(void **state)
{
    (void)state;
    size_t fl = 0;
    static const uint8_t zero[] = {0, 0, 0, 0};
    static const uint8_t big[] = {0x00, 0x01, 0x00, 0x01, 0x83};
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(aus_api_frame(zero, sizeof zero, &fl), AUS_E_LIMIT);
    assert_int_equal(aus_api_frame(big, sizeof big, &fl), AUS_E_LIMIT);
    assert_int_equal(aus_api_frame(huge, sizeof huge, &fl), AUS_E_LIMIT);
    /* shapes */
    static const uint8_t unknown[] = {0x83, 0x05, 0x01, 0x61, 'x'};       /* type 5 */
    static const uint8_t result_in[] = {0x84, 0x10, 0x01, 0x00, 0x60};    /* fine */
    static const uint8_t short_reg[] = {0x82, 0x01, 0x01};                /* 2 items */
    static const uint8_t bad_name[] = {0x83, 0x01, 0x01, 0x62, '.', 'x'}; /* dot first */
    static const uint8_t slash_name[] = {0x83, 0x01, 0x01, 0x61, '/'};
    static const uint8_t nonshort[] = {0x83, 0x18, 0x01, 0x01, 0x61, 'x'}; /* 1 in two bytes */
    static const uint8_t indef[] = {0x9f, 0x01, 0x01, 0x61, 'x', 0xff};
    static const uint8_t half_float[] = {0x83, 0x02, 0x01, 0x81, 0x83, 0x61,
                                         'x',  0xf9, 0x3c, 0x00, 0x00}; /* 1.0 as float16 */
    static const uint8_t bool_value[] = {0x83, 0x02, 0x01, 0x81, 0x83, 0x61, 'x', 0xf5, 0x00};
    assert_int_equal(aus_api_decode(&d, unknown, sizeof unknown), AUS_E_UNSUPPORTED);
    assert_int_equal(aus_api_decode(&d, result_in, sizeof result_in), AUS_OK);
    assert_int_equal(aus_api_decode(&d, short_reg, sizeof short_reg), AUS_E_MALFORMED);
    assert_int_equal(aus_api_decode(&d, bad_name, sizeof bad_name), AUS_E_MALFORMED);
    assert_int_equal(aus_api_decode(&d, slash_name, sizeof slash_name), AUS_E_MALFORMED);
    assert_int_equal(aus_api_decode(&d, nonshort, sizeof nonshort), AUS_E_NONCANONICAL);
    assert_int_equal(aus_api_decode(&d, indef, sizeof indef), AUS_E_NONCANONICAL);
    assert_int_equal(aus_api_decode(&d, half_float, sizeof half_float), AUS_E_MALFORMED);
    assert_int_equal(aus_api_decode(&d, bool_value, sizeof bool_value), AUS_E_MALFORMED);
    /* too many points: the count alone is refused */
    uint8_t many[16] = {0x83, 0x02, 0x01, 0x99, 0x01, 0x01};
    assert_int_equal(aus_api_decode(&d, many, 6), AUS_E_TRUNC);
    memset(&m, 0, sizeof m);
    m.type = AUS_API_PUBLISH;
    m.npoints = AUS_APP_API_MAX_POINTS + 1;
    size_t n = 0;
    assert_int_equal(aus_api_encode(&m, buf, sizeof buf, &n), AUS_E_ARG);
    /* names */
    assert_true(aus_api_name_ok((const uint8_t *)"a.b:c/d-e_f", 11));
    assert_false(aus_api_name_ok((const uint8_t *)"a b", 3));
    assert_false(aus_api_name_ok((const uint8_t *)"", 0));
    static const uint8_t long_name[65] = {'a'};
    uint8_t ln[65];
    memset(ln, 'a', sizeof ln);
    (void)long_name;
    assert_true(aus_api_name_ok(ln, 64));
    assert_false(aus_api_name_ok(ln, 65));
}

static void test_points_adu(void **state)
{
    (void)state;
    static aus_api_point pts[AUS_APP_API_MAX_POINTS], out[AUS_APP_API_MAX_POINTS];
    for (size_t i = 0; i < AUS_APP_API_MAX_POINTS; i++)
        pts[i] = (aus_api_point){V("p"), AUS_API_V_INT, (int64_t)i, 0, {0}, 1000u + i};
    size_t n = 0, np = 0;
    uint64_t batch = 0, dropped = 0;
    assert_int_equal(
        aus_app_points_encode(7, 99000, pts, AUS_APP_API_MAX_POINTS, buf, sizeof buf, &n), AUS_OK);
    assert_true(aus_app_is_points(buf, n));
    assert_int_equal(
        aus_app_points_decode(buf, n, &batch, &dropped, out, AUS_APP_API_MAX_POINTS, &np), AUS_OK);
    assert_int_equal(batch, 7);
    assert_int_equal(dropped, 99000);
    assert_int_equal(np, AUS_APP_API_MAX_POINTS);
    assert_int_equal(out[255].i, 255);
    assert_int_equal(out[255].time_ms, 1255);
    assert_int_equal(aus_app_points_decode(buf, n, &batch, &dropped, out, 10, &np), AUS_E_LIMIT);
    for (size_t k = 0; k < n; k++)
        assert_int_not_equal(
            aus_app_points_decode(buf, k, &batch, &dropped, out, AUS_APP_API_MAX_POINTS, &np),
            AUS_OK);
    assert_int_equal(aus_app_points_encode(0, 0, pts, 1, buf, sizeof buf, &n), AUS_E_ARG);
    /* another ADU type is not a points ADU */
    static const uint8_t cmd[] = {0x85, 0x01, 0x03, 0x01, 0x61, 'x', 0x80};
    assert_false(aus_app_is_points(cmd, sizeof cmd));
    assert_int_equal(aus_app_points_decode(cmd, sizeof cmd, &batch, &dropped, out, 1, &np),
                     AUS_E_UNSUPPORTED);
}

static void test_bitflips(void **state)
{
    (void)state;
    for (int w = 0; w < 7; w++) {
        size_t n = 0;
        sample(w, &m);
        assert_int_equal(aus_api_encode(&m, buf, sizeof buf, &n), AUS_OK);
        for (size_t i = 4; i < n; i++)
            for (int b = 0; b < 8; b++) {
                buf[i] ^= (uint8_t)(1u << b);
                if (aus_api_decode(&d, buf + 4, n - 4) == AUS_OK) {
                    size_t n2 = 0;
                    assert_int_equal(aus_api_encode(&d, buf2, sizeof buf2, &n2), AUS_OK);
                    assert_int_equal(n2, n);
                    assert_memory_equal(buf2 + 4, buf + 4, n - 4);
                }
                buf[i] ^= (uint8_t)(1u << b);
            }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_known_encoding),
        cmocka_unit_test(test_hostile),   cmocka_unit_test(test_points_adu),
        cmocka_unit_test(test_bitflips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
