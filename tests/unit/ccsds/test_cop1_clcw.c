/* SPDX-License-Identifier: Apache-2.0 */
/* CLCW encode/decode: known answers from shared/vectors/ccsds_frames (dariolucia ClcwTest),
 * round trips, field-width checks and rejection of non-CLCW control words. */
#include "aus_test.h"

#include "australis/cop1.h"

static void test_clcw_vectors(void **state)
{
    (void)state;
    cJSON *j = tst_read_json(tst_shared("vectors/ccsds_frames/dariolucia_acubesat_vectors.json"));
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(j, "vectors"))
    {
        if (!cJSON_GetObjectItem(v, "clcw"))
            continue;
        size_t len;
        uint8_t *b = tst_json_hex(v, "clcw", &len);
        assert_int_equal(len, 4);
        const cJSON *d = cJSON_GetObjectItem(v, "decoded_here");
        aus_clcw c;
        assert_int_equal(aus_clcw_decode(b, &c), AUS_OK);
#define F(name, field) assert_int_equal(c.field, cJSON_GetObjectItem(d, name)->valueint)
        F("status", status);
        F("cop_in_effect", cop);
        F("vcid", vcid);
        F("no_rf", no_rf);
        F("no_bitlock", no_bitlock);
        F("lockout", lockout);
        F("wait", wait);
        F("retransmit", retransmit);
        F("farm_b", farm_b);
        F("report_value", report);
#undef F
        /* Re-encoding writes the spare bits as zero; everything else must match. */
        uint8_t out[4];
        assert_int_equal(aus_clcw_encode(&c, out), AUS_OK);
        b[1] &= 0xFC;
        b[2] &= 0xFE;
        tst_assert_bytes(out, 4, b, 4);
        free(b);
        n++;
    }
    assert_int_equal(n, 2);
    cJSON_Delete(j);
}

static void test_clcw_roundtrip_all_fields(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (int i = 0; i < 2000; i++) {
        uint64_t r = tst_rand(&seed);
        aus_clcw c = {.status = (uint8_t)(r & 7),
                      .cop = (uint8_t)((r >> 3) & 3),
                      .vcid = (uint8_t)((r >> 5) & 63),
                      .no_rf = (uint8_t)((r >> 11) & 1),
                      .no_bitlock = (uint8_t)((r >> 12) & 1),
                      .lockout = (uint8_t)((r >> 13) & 1),
                      .wait = (uint8_t)((r >> 14) & 1),
                      .retransmit = (uint8_t)((r >> 15) & 1),
                      .farm_b = (uint8_t)((r >> 16) & 3),
                      .report = (uint8_t)(r >> 18)};
        uint8_t b[4];
        aus_clcw d;
        assert_int_equal(aus_clcw_encode(&c, b), AUS_OK);
        assert_int_equal(b[0] & 0xE0, 0); /* type 0, version 00 */
        assert_int_equal(aus_clcw_decode(b, &d), AUS_OK);
        assert_memory_equal(&c, &d, sizeof c);
    }
}

static void test_clcw_known_layout(void **state)
{
    (void)state;
    /* COP-1, VC 5, lockout + retransmit, FARM-B 2, V(R) 0x42: 01 14 2C 42 by hand from §3. */
    aus_clcw c = {.cop = 1, .vcid = 5, .lockout = 1, .retransmit = 1, .farm_b = 2, .report = 0x42};
    uint8_t b[4];
    const uint8_t want[4] = {0x01, 0x14, 0x2C, 0x42};
    assert_int_equal(aus_clcw_encode(&c, b), AUS_OK);
    tst_assert_bytes(b, 4, want, 4);
}

static void test_clcw_rejects(void **state)
{
    (void)state;
    aus_clcw c = {0}, keep;
    uint8_t b[4] = {0x80, 0, 0, 0}; /* type 1: SDLS FSR */
    memset(&keep, 0x5A, sizeof keep);
    c = keep;
    assert_int_equal(aus_clcw_decode(b, &c), AUS_E_UNSUPPORTED);
    assert_memory_equal(&c, &keep, sizeof c);
    b[0] = 0x20; /* version 01 */
    assert_int_equal(aus_clcw_decode(b, &c), AUS_E_UNSUPPORTED);
    b[0] = 0x40; /* version 10 */
    assert_int_equal(aus_clcw_decode(b, &c), AUS_E_UNSUPPORTED);
    aus_clcw bad = {.vcid = 64};
    uint8_t out[4] = {1, 2, 3, 4};
    assert_int_equal(aus_clcw_encode(&bad, out), AUS_E_ARG);
    bad = (aus_clcw){.status = 8};
    assert_int_equal(aus_clcw_encode(&bad, out), AUS_E_ARG);
    bad = (aus_clcw){.farm_b = 4};
    assert_int_equal(aus_clcw_encode(&bad, out), AUS_E_ARG);
    bad = (aus_clcw){.wait = 2};
    assert_int_equal(aus_clcw_encode(&bad, out), AUS_E_ARG);
    bad = (aus_clcw){.cop = 4};
    assert_int_equal(aus_clcw_encode(&bad, out), AUS_E_ARG);
    const uint8_t same[4] = {1, 2, 3, 4};
    tst_assert_bytes(out, 4, same, 4);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_clcw_vectors),
        cmocka_unit_test(test_clcw_roundtrip_all_fields),
        cmocka_unit_test(test_clcw_known_layout),
        cmocka_unit_test(test_clcw_rejects),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
