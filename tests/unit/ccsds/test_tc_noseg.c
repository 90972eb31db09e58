/* SPDX-License-Identifier: Apache-2.0 */
/* TC virtual channels without a segment header (a managed parameter of the VC, CCSDS 232.0-B
 * §4.1.3.1), frame types (§4.1.2.3) and the control commands of BC frames (§4.1.3.3, 232.1 §3). */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/tc.h"

static void hex(const char *h, uint8_t *out, size_t *n)
{
    *n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        out[(*n)++] = (uint8_t)v;
    }
}

/* dariolucia/ccsds TcEncoderTest frame (../shared/vectors/ccsds_tc_cltu.json "tc_frame"): SCID
 * 123, VC 1, FSN 0, no FECF, no segment header, data 01..0A. */
static void test_vector_no_segment_header(void **st)
{
    (void)st;
    uint8_t fr[64];
    size_t n;
    hex("007b040e000102030405060708090a", fr, &n);
    aus_tc_cfg cfg = {123, false, false, AUS_TC_MAX_LEN, 0};
    aus_tc_frame f;
    size_t used = 0;
    assert_int_equal(aus_tc_frame_decode(&cfg, fr, n, &f, &used), AUS_OK);
    assert_int_equal(used, 15);
    assert_int_equal(f.hdr.vcid, 1);
    assert_false(f.has_seg);
    assert_string_equal(aus_tc_frame_type_str(&f.hdr), "AD");
    static const uint8_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    tst_assert_bytes(f.data, f.data_len, want + 1, 10);
    /* the same VC configured with a segment header would take 01 as one (MAP 1, continuation) */
    cfg.seg_hdr = true;
    assert_int_equal(aus_tc_frame_decode(&cfg, fr, n, &f, &used), AUS_OK);
    assert_true(f.has_seg);
    assert_int_equal(f.data_len, 9);
    /* and our encoder writes the vector's bytes */
    cfg.seg_hdr = false;
    uint8_t out[64];
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    aus_tc_hdr h = {0, 0, 123, 1, 0};
    assert_int_equal(aus_tc_frame_encode(&w, &cfg, &h, 3, 9, want + 1, 10), AUS_OK);
    tst_assert_bytes(out, w.off, fr, n);
}

/* dariolucia/ccsds TcTransferFrameTest FIRST_FRAME: a BD frame with segment header C1 and FECF. */
static void test_vector_bd(void **st)
{
    (void)st;
    uint8_t fr[64];
    size_t n;
    hex("207b001717c1000102030405060708090a0b0c0d0e0f0def", fr, &n);
    aus_tc_cfg cfg = {123, true, true, AUS_TC_MAX_LEN, 0};
    aus_tc_frame f;
    assert_int_equal(aus_tc_frame_decode(&cfg, fr, n, &f, NULL), AUS_OK);
    assert_string_equal(aus_tc_frame_type_str(&f.hdr), "BD");
    assert_int_equal(f.hdr.fsn, 23);
    assert_int_equal(f.seg_flags, AUS_TC_SEG_UNSEG);
    assert_int_equal(f.map_id, 1);
    assert_int_equal(f.data_len, 16);
}

static void test_segment_without_header(void **st)
{
    (void)st;
    static uint8_t sdu[2500], back[2500], frame[AUS_TC_MAX_LEN];
    for (size_t i = 0; i < sizeof sdu; i++)
        sdu[i] = (uint8_t)(i * 7u);
    aus_tc_cfg cfg = {42, true, false, AUS_TC_MAX_LEN, 0};
    assert_int_equal(aus_tc_max_data(&cfg), AUS_TC_MAX_LEN - 5 - 2);
    aus_tc_hdr h = {0, 0, 42, 3, 0};
    size_t off = 0, got = 0, frames = 0;
    while (off < sizeof sdu) {
        aus_wr w;
        aus_wr_init(&w, frame, sizeof frame);
        assert_int_equal(aus_tc_segment(&w, &cfg, &h, 0, sdu, sizeof sdu, &off), AUS_OK);
        aus_tc_frame f;
        assert_int_equal(aus_tc_frame_decode(&cfg, frame, w.off, &f, NULL), AUS_OK);
        assert_false(f.has_seg);
        memcpy(back + got, f.data, f.data_len);
        got += f.data_len;
        frames++;
        h.fsn++;
    }
    assert_int_equal(frames, 3);
    tst_assert_bytes(back, got, sdu, sizeof sdu);
}

static void test_control_commands(void **st)
{
    (void)st;
    aus_tc_cfg cfg = {7, true, true, AUS_TC_MAX_LEN, 0};
    aus_tc_hdr h = {1, 1, 7, 2, 0};
    uint8_t d[8], frame[32];
    aus_tc_ctrl c = {AUS_TC_CMD_SET_VR, 200}, back;
    aus_wr w;
    aus_wr_init(&w, d, sizeof d);
    assert_int_equal(aus_tc_ctrl_encode(&w, &c), AUS_OK);
    static const uint8_t setvr[] = {0x82, 0x00, 200};
    tst_assert_bytes(d, w.off, setvr, 3);
    aus_wr fw;
    aus_wr_init(&fw, frame, sizeof frame);
    assert_int_equal(aus_tc_frame_encode(&fw, &cfg, &h, 0, 0, d, w.off), AUS_OK);
    assert_int_equal(fw.off, 5 + 3 + 2); /* a BC frame never carries a segment header */
    aus_tc_frame f;
    assert_int_equal(aus_tc_frame_decode(&cfg, frame, fw.off, &f, NULL), AUS_OK);
    assert_string_equal(aus_tc_frame_type_str(&f.hdr), "BC");
    assert_int_equal(aus_tc_ctrl_decode(f.data, f.data_len, &back), AUS_OK);
    assert_int_equal(back.cmd, AUS_TC_CMD_SET_VR);
    assert_int_equal(back.vr, 200);
    assert_string_equal(aus_tc_ctrl_str(back.cmd), "set_vr");
    static const uint8_t unlock[] = {0x00};
    assert_int_equal(aus_tc_ctrl_decode(unlock, 1, &back), AUS_OK);
    assert_int_equal(back.cmd, AUS_TC_CMD_UNLOCK);
    assert_string_equal(aus_tc_ctrl_str(back.cmd), "unlock");
    /* anything else is an invalid directive */
    static const uint8_t bad1[] = {0x01}, bad2[] = {0x82, 0x01, 5}, bad3[] = {0x82, 0x00},
                         bad4[] = {0x00, 0x00};
    assert_int_equal(aus_tc_ctrl_decode(bad1, 1, &back), AUS_E_MALFORMED);
    assert_int_equal(aus_tc_ctrl_decode(bad2, 3, &back), AUS_E_MALFORMED);
    assert_int_equal(aus_tc_ctrl_decode(bad3, 2, &back), AUS_E_MALFORMED);
    assert_int_equal(aus_tc_ctrl_decode(bad4, 2, &back), AUS_E_MALFORMED);
    assert_int_equal(aus_tc_ctrl_decode(NULL, 0, &back), AUS_E_MALFORMED);
    c.cmd = 9;
    assert_int_equal(aus_tc_ctrl_encode(&w, &c), AUS_E_ARG);
    assert_string_equal(aus_tc_ctrl_str(9), "invalid");
    aus_tc_hdr r = {0, 1, 0, 0, 0};
    assert_string_equal(aus_tc_frame_type_str(&r), "reserved");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_no_segment_header),
        cmocka_unit_test(test_vector_bd),
        cmocka_unit_test(test_segment_without_header),
        cmocka_unit_test(test_control_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
