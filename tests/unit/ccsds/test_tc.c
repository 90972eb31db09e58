/* SPDX-License-Identifier: Apache-2.0 */
/* TC transfer frames (232.0): codec, segmentation with MAP IDs, CLTU pipeline.
 * Known answers: ../shared/vectors/ccsds_frames (dariolucia TcTransferFrameTest.FIRST_FRAME,
 * AcubeSAT TC_Header_Generation as a field-extraction test only, as its README says: its version
 * bits are 11) and ../shared/vectors/ccsds_tc_cltu.json. */
#include "aus_test.h"
#include "australis/coding.h"
#include "australis/tc.h"

static void test_vectors(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/ccsds_frames/dariolucia_acubesat_vectors.json"));
    size_t n;
    uint8_t *fr = tst_json_hex(tst_vector(j, "dl.TcTransferFrameTest.FIRST_FRAME"), "frame", &n);
    aus_tc_cfg c = {123, true, true, 1024, 0};
    aus_tc_frame f;
    size_t used = 0;
    assert_int_equal(aus_tc_frame_decode(&c, fr, n, &f, &used), AUS_OK);
    assert_int_equal(used, 24);
    assert_int_equal(f.hdr.bypass, 1);
    assert_int_equal(f.hdr.ctrl, 0);
    assert_int_equal(f.hdr.scid, 123);
    assert_int_equal(f.hdr.vcid, 0);
    assert_int_equal(f.hdr.fsn, 23);
    assert_true(f.has_seg);
    assert_int_equal(f.seg_flags, AUS_TC_SEG_UNSEG);
    assert_int_equal(f.map_id, 1);
    assert_int_equal(f.data_len, 16);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(f.data[i], i);
    /* re-encoding gives the same octets, FECF 0DEF included */
    uint8_t out[64];
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &f.hdr, f.seg_flags, f.map_id, f.data, 16),
                     AUS_OK);
    tst_assert_bytes(out, w.off, fr, n);
    /* every bit flip fails the FECF (or an earlier structural check) */
    for (size_t bit = 0; bit < n * 8; bit++) {
        uint8_t x[64];
        memcpy(x, fr, n);
        x[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        aus_err e = aus_tc_frame_decode(&c, x, n, &f, &used);
        assert_true(e == AUS_E_CRC || e == AUS_E_UNSUPPORTED || e == AUS_E_MALFORMED ||
                    e == AUS_E_TRUNC);
    }
    for (size_t k = 0; k < n; k++) /* truncation at every offset */
        assert_int_equal(aus_tc_frame_decode(&c, fr, k, &f, &used), AUS_E_TRUNC);
    /* AcubeSAT header: field extraction */
    size_t hn;
    uint8_t *h5 = tst_json_hex(tst_vector(j, "acubesat.TC_Header_Generation"), "header", &hn);
    aus_tc_hdr h;
    uint8_t ver;
    uint16_t lf;
    aus_tc_hdr_parse(h5, &h, &ver, &lf);
    assert_int_equal(ver, 3);
    assert_int_equal(h.bypass, 0);
    assert_int_equal(h.ctrl, 0);
    assert_int_equal(h.scid, 155);
    assert_int_equal(h.vcid, 8);
    assert_int_equal(lf, 40);
    assert_int_equal(h.fsn, 66);
    free(fr), free(h5);
    cJSON_Delete(j);
}

static void test_cltu_frame(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/ccsds_tc_cltu.json"));
    size_t fl, cl;
    uint8_t *frame = tst_json_hex(j, "tc_frame", &fl);
    uint8_t *cltu = tst_json_hex(j, "cltu_randomized", &cl);
    aus_tc_cfg c = {123, false, false, 1024, 0};
    uint8_t data[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, out[64];
    aus_tc_hdr h = {0, 0, 123, 1, 0};
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &h, 0, 0, data, sizeof data), AUS_OK);
    tst_assert_bytes(out, w.off, frame, fl);
    /* CLTU -> data (with fill) -> frame, the length field ending the frame before the fill */
    uint8_t dec[64];
    aus_cltu_result r;
    assert_int_equal(aus_cltu_decode(cltu, cl, true, dec, sizeof dec, &r), AUS_OK);
    aus_tc_frame f;
    size_t used;
    assert_int_equal(aus_tc_frame_decode(&c, dec, r.data_len, &f, &used), AUS_OK);
    assert_int_equal(used, 15);
    assert_int_equal(f.hdr.vcid, 1);
    assert_memory_equal(f.data, data, 10);
    free(frame), free(cltu);
    cJSON_Delete(j);
}

static void test_errors(void **st)
{
    (void)st;
    aus_tc_cfg c = {77, true, true, 64, 0};
    uint8_t d[100] = {0}, out[128];
    aus_tc_hdr h = {0, 0, 77, 5, 9};
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_tc_max_data(&c), 64 - 5 - 1 - 2);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &h, 3, 0, d, 57), AUS_E_LIMIT);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &h, 3, 64, d, 5), AUS_E_ARG);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &h, 3, 0, d, 0), AUS_E_ARG);
    aus_tc_hdr hc = {0, 1, 77, 5, 9}; /* control command without bypass: reserved */
    assert_int_equal(aus_tc_frame_encode(&w, &c, &hc, 3, 0, d, 1), AUS_E_ARG);
    aus_tc_hdr hs = {0, 0, 78, 5, 9};
    assert_int_equal(aus_tc_frame_encode(&w, &c, &hs, 3, 0, d, 1), AUS_E_ARG);
    aus_wr_init(&w, out, 10);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &h, 3, 0, d, 5), AUS_E_NOBUFS);
    /* BC frame (Unlock): no segment header */
    aus_tc_hdr bc = {1, 1, 77, 5, 0};
    uint8_t unlock = 0;
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_tc_frame_encode(&w, &c, &bc, 3, 0, &unlock, 1), AUS_OK);
    assert_int_equal(w.off, 5 + 1 + 2);
    aus_tc_frame f;
    size_t used;
    assert_int_equal(aus_tc_frame_decode(&c, out, w.off, &f, &used), AUS_OK);
    assert_false(f.has_seg);
    assert_int_equal(f.data_len, 1);
    /* structural errors, FECF recomputed so that they are what is caught */
    uint8_t x[16];
    memcpy(x, out, w.off);
    x[0] |= 0x04; /* spare bit */
    aus_tc_frame_set_fecf(x, w.off);
    assert_int_equal(aus_tc_frame_decode(&c, x, w.off, &f, &used), AUS_E_MALFORMED);
    memcpy(x, out, w.off);
    x[0] |= 0x80; /* version */
    aus_tc_frame_set_fecf(x, w.off);
    assert_int_equal(aus_tc_frame_decode(&c, x, w.off, &f, &used), AUS_E_UNSUPPORTED);
    memcpy(x, out, w.off);
    x[0] &= (uint8_t)~0x20; /* ctrl without bypass */
    aus_tc_frame_set_fecf(x, w.off);
    assert_int_equal(aus_tc_frame_decode(&c, x, w.off, &f, &used), AUS_E_MALFORMED);
    memcpy(x, out, w.off);
    x[1] ^= 1; /* SCID */
    aus_tc_frame_set_fecf(x, w.off);
    assert_int_equal(aus_tc_frame_decode(&c, x, w.off, &f, &used), AUS_E_NOTFOUND);
    memcpy(x, out, w.off);
    x[3] = 6; /* length 7: no room for data */
    aus_tc_frame_set_fecf(x, 7);
    assert_int_equal(aus_tc_frame_decode(&c, x, w.off, &f, &used), AUS_E_MALFORMED);
}

static void test_segmentation(void **st)
{
    (void)st;
    aus_tc_cfg c = {300, true, true, 128, 22}; /* room for a 22-octet SDLS header+trailer */
    size_t max = aus_tc_max_data(&c);
    assert_int_equal(max, 128 - 5 - 1 - 2 - 22);
    static uint8_t sdu[1000], frames[20][128], rb0[2000], rb1[2000];
    for (unsigned i = 0; i < sizeof sdu; i++)
        sdu[i] = (uint8_t)(i * 31 + 7);
    aus_tc_hdr h = {0, 0, 300, 2, 0};
    size_t off = 0, flen[20];
    int nf = 0;
    while (off < sizeof sdu) {
        aus_wr w;
        aus_wr_init(&w, frames[nf], 128);
        h.fsn = (uint8_t)nf;
        assert_int_equal(aus_tc_segment(&w, &c, &h, 9, sdu, sizeof sdu, &off), AUS_OK);
        assert_true(w.off + 22 <= 128);
        flen[nf++] = w.off;
    }
    assert_int_equal(nf, (int)((sizeof sdu + max - 1) / max));
    /* reassemble, with an unsegmented SDU on another MAP interleaved */
    aus_tc_reasm r;
    aus_tc_reasm_init(&r);
    assert_int_equal(aus_tc_reasm_set_map(&r, 9, rb0, sizeof rb0), AUS_OK);
    assert_int_equal(aus_tc_reasm_set_map(&r, 4, rb1, sizeof rb1), AUS_OK);
    const uint8_t *res = NULL;
    size_t rl = 0;
    for (int i = 0; i < nf; i++) {
        aus_tc_frame f;
        size_t used;
        assert_int_equal(aus_tc_frame_decode(&c, frames[i], flen[i], &f, &used), AUS_OK);
        assert_int_equal(f.seg_flags, i == 0 ? AUS_TC_SEG_FIRST
                                             : (i == nf - 1 ? AUS_TC_SEG_LAST : AUS_TC_SEG_CONT));
        aus_err e = aus_tc_reasm_push(&r, f.seg_flags, f.map_id, f.data, f.data_len, &res, &rl);
        assert_int_equal(e, i == nf - 1 ? AUS_OK : AUS_E_AGAIN);
        if (i == 1) {
            uint8_t small[3] = {1, 2, 3};
            assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_UNSEG, 4, small, 3, &res, &rl),
                             AUS_OK);
            assert_int_equal(rl, 3);
        }
    }
    assert_int_equal(rl, sizeof sdu);
    assert_memory_equal(res, sdu, sizeof sdu);
    /* errors */
    assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_CONT, 9, sdu, 3, &res, &rl), AUS_E_MALFORMED);
    assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_FIRST, 5, sdu, 3, &res, &rl), AUS_E_NOTFOUND);
    assert_int_equal(aus_tc_reasm_set_map(&r, 9, rb0, 10), AUS_OK);
    assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_FIRST, 9, sdu, 8, &res, &rl), AUS_E_AGAIN);
    assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_LAST, 9, sdu, 8, &res, &rl), AUS_E_LIMIT);
    assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_FIRST, 9, sdu, 8, &res, &rl), AUS_E_AGAIN);
    assert_int_equal(aus_tc_reasm_push(&r, AUS_TC_SEG_FIRST, 9, sdu, 8, &res, &rl), AUS_E_AGAIN);
    assert_int_equal(r.lost, 1);
    aus_tc_cfg noseg = {300, true, false, 128, 0};
    off = 0;
    aus_wr w;
    aus_wr_init(&w, frames[0], 128);
    /* a VC without segment header: the frame carries the data alone (test_tc_noseg.c) */
    assert_int_equal(aus_tc_segment(&w, &noseg, &h, 9, sdu, 10, &off), AUS_OK);
    assert_int_equal(off, 10);
    assert_int_equal(w.off, 5 + 10 + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_cltu_frame),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_segmentation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
