/* CRC check values from ../shared/vectors/crc_check_values.json (reveng catalogue, ECSS PUS,
 * RFC 3720 B.4). */
#include "aus_test.h"
#include "australis/base.h"

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

static void test_ct(void **st)
{
    (void)st;
    uint8_t a[20] = {1, 2, 3}, b[20] = {1, 2, 3};
    assert_int_equal(aus_ct_eq(a, b, 20), 1);
    b[19] ^= 0x80;
    assert_int_equal(aus_ct_eq(a, b, 20), 0);
    assert_int_equal(aus_ct_eq(a, b, 0), 1);
    assert_int_equal(aus_ct_is_zero(a, 20), 0);
    aus_wipe(a, 20);
    assert_int_equal(aus_ct_is_zero(a, 20), 1);
}

int main(void)
{
    j = tst_read_json(tst_shared("vectors/crc_check_values.json"));
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_check_values), cmocka_unit_test(test_pus_examples),
        cmocka_unit_test(test_rfc3720),      cmocka_unit_test(test_ccitt_long),
        cmocka_unit_test(test_ct),
    };
    int rc = cmocka_run_group_tests(t, NULL, NULL);
    cJSON_Delete(j);
    return rc;
}
