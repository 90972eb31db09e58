/* SPDX-License-Identifier: Apache-2.0 */
/* Space Packets (133.0), segmentation, APID demux, Encapsulation Packets (133.1).
 * Known answers: ../shared/vectors/ccsds_frames/dariolucia_acubesat_vectors.json
 * (dariolucia/ccsds SpacePacketTest). Wireshark validates our packets (tshark_check.sh). */
#include <sys/wait.h>
#include <unistd.h>

#include "aus_test.h"
#include "australis/spp.h"

static void test_vectors(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/ccsds_frames/dariolucia_acubesat_vectors.json"));
    size_t n;
    uint8_t *p = tst_json_hex(tst_vector(j, "dl.SpacePacketTest.SP1_DUMP"), "packet", &n);
    assert_int_equal(n, 120);
    aus_spp_pkt pkt;
    assert_int_equal(aus_spp_decode(p, n, &pkt), AUS_OK);
    assert_int_equal(pkt.hdr.type, AUS_SPP_TM);
    assert_int_equal(pkt.hdr.sec_hdr, 1);
    assert_int_equal(pkt.hdr.apid, 123);
    assert_int_equal(pkt.hdr.seq_flags, AUS_SPP_SEQ_UNSEG);
    assert_int_equal(pkt.hdr.seq_count, 2312);
    assert_int_equal(pkt.data_len, 114);
    size_t total = 0;
    assert_int_equal(aus_ccsds_packet_len(p, 6, &total), AUS_OK);
    assert_int_equal(total, 120);
    /* re-encode gives the same bytes */
    uint8_t out[200];
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    assert_int_equal(aus_spp_encode(&w, &pkt.hdr, pkt.data, pkt.data_len), AUS_OK);
    tst_assert_bytes(out, w.off, p, n);
    /* length field 0x0070 with 114 data octets present: rejected */
    size_t bn;
    uint8_t *bad =
        tst_json_hex(tst_vector(j, "dl.SpacePacketTest.SP_WRONG_LEN_DUMP"), "packet", &bn);
    assert_int_equal(aus_spp_decode(bad, bn, &pkt), AUS_E_TRAILING);
    free(p), free(bad);
    cJSON_Delete(j);
}

static void test_decode_errors(void **st)
{
    (void)st;
    uint8_t data[40], buf[64];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    aus_spp_hdr h = {AUS_SPP_TC, 0, 0x123, AUS_SPP_SEQ_UNSEG, 77};
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    assert_int_equal(aus_spp_encode(&w, &h, data, sizeof data), AUS_OK);
    size_t n = w.off;
    aus_spp_pkt pkt;
    for (size_t k = 0; k < n; k++) /* truncation at every offset */
        assert_int_equal(aus_spp_decode(buf, k, &pkt), AUS_E_TRUNC);
    /* bit flips: never a crash; version bits -> UNSUPPORTED, length bits -> TRUNC/TRAILING */
    for (size_t bit = 0; bit < n * 8; bit++) {
        uint8_t c[64];
        memcpy(c, buf, n);
        c[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        aus_err e = aus_spp_decode(c, n, &pkt);
        if (bit < 3)
            assert_int_equal(e, AUS_E_UNSUPPORTED);
        else if (bit >= 32 && bit < 48)
            assert_true(e == AUS_E_TRUNC || e == AUS_E_TRAILING);
        else
            assert_int_equal(e, AUS_OK);
    }
    /* encoder argument checks */
    aus_spp_hdr hb = h;
    hb.apid = 0x800;
    aus_wr_init(&w, buf, sizeof buf);
    assert_int_equal(aus_spp_encode(&w, &hb, data, 4), AUS_E_ARG);
    hb = h, hb.seq_count = 16384;
    assert_int_equal(aus_spp_encode(&w, &hb, data, 4), AUS_E_ARG);
    assert_int_equal(aus_spp_encode(&w, &h, data, 0), AUS_E_ARG);
    aus_wr_init(&w, buf, 10);
    assert_int_equal(aus_spp_encode(&w, &h, data, 5), AUS_E_NOBUFS);
    aus_wr_init(&w, buf, sizeof buf);
    assert_int_equal(aus_spp_encode_idle(&w, 6, 0), AUS_E_ARG);
    assert_int_equal(aus_spp_encode_idle(&w, 20, 3), AUS_OK);
    assert_true(aus_ccsds_packet_is_idle(buf, 20));
    assert_int_equal(aus_spp_decode(buf, 20, &pkt), AUS_OK);
    assert_int_equal(pkt.hdr.apid, AUS_SPP_APID_IDLE);
}

static void test_segmentation(void **st)
{
    (void)st;
    static uint8_t sdu[5000], out[8000], rbuf[6000];
    for (unsigned i = 0; i < sizeof sdu; i++)
        sdu[i] = (uint8_t)(i * 13 + 1);
    aus_spp_tx tx;
    assert_int_equal(aus_spp_tx_init(&tx, AUS_SPP_TM, 0x7FF, 100), AUS_E_ARG);
    assert_int_equal(aus_spp_tx_init(&tx, AUS_SPP_TM, 42, 1024), AUS_OK);
    tx.next_seq = 16382; /* exercise the 14-bit wrap */
    aus_wr w;
    aus_wr_init(&w, out, sizeof out);
    size_t off = 0;
    int npk = 0;
    while (off < sizeof sdu) {
        assert_int_equal(aus_spp_tx_segment(&tx, sdu, sizeof sdu, &off, &w), AUS_OK);
        npk++;
    }
    assert_int_equal(npk, 5);
    aus_spp_reasm r;
    aus_spp_reasm_init(&r, rbuf, sizeof rbuf);
    size_t pos = 0;
    const uint8_t *res = NULL;
    size_t rlen = 0;
    uint8_t flags[5];
    for (int i = 0; i < npk; i++) {
        size_t total;
        assert_int_equal(aus_ccsds_packet_len(out + pos, w.off - pos, &total), AUS_OK);
        aus_spp_pkt pkt;
        assert_int_equal(aus_spp_decode(out + pos, total, &pkt), AUS_OK);
        flags[i] = pkt.hdr.seq_flags;
        assert_int_equal(pkt.hdr.seq_count, (16382 + i) % 16384);
        aus_err e = aus_spp_reasm_push(&r, &pkt, &res, &rlen);
        assert_int_equal(e, i == npk - 1 ? AUS_OK : AUS_E_AGAIN);
        pos += total;
    }
    assert_int_equal(flags[0], AUS_SPP_SEQ_FIRST);
    assert_int_equal(flags[2], AUS_SPP_SEQ_CONT);
    assert_int_equal(flags[4], AUS_SPP_SEQ_LAST);
    assert_int_equal(rlen, sizeof sdu);
    assert_memory_equal(res, sdu, sizeof sdu);
    /* a lost middle segment: gap detected, SDU abandoned */
    aus_spp_reasm_init(&r, rbuf, sizeof rbuf);
    pos = 0;
    for (int i = 0; i < npk; i++) {
        size_t total;
        assert_int_equal(aus_ccsds_packet_len(out + pos, w.off - pos, &total), AUS_OK);
        aus_spp_pkt pkt;
        assert_int_equal(aus_spp_decode(out + pos, total, &pkt), AUS_OK);
        pos += total;
        if (i == 2)
            continue;
        aus_err e = aus_spp_reasm_push(&r, &pkt, &res, &rlen);
        if (i < 2)
            assert_int_equal(e, AUS_E_AGAIN);
        else if (i == 3)
            assert_int_equal(e, AUS_E_TRUNC);
        else
            assert_int_equal(e, AUS_E_MALFORMED); /* last without first */
    }
    assert_int_equal(r.lost, 1);
    /* buffer too small */
    aus_spp_reasm_init(&r, rbuf, 1500);
    pos = 0;
    aus_err e = AUS_OK;
    for (int i = 0; i < 2; i++) {
        size_t total;
        assert_int_equal(aus_ccsds_packet_len(out + pos, w.off - pos, &total), AUS_OK);
        aus_spp_pkt pkt;
        assert_int_equal(aus_spp_decode(out + pos, total, &pkt), AUS_OK);
        e = aus_spp_reasm_push(&r, &pkt, &res, &rlen);
        pos += total;
    }
    assert_int_equal(e, AUS_E_LIMIT);
}

typedef struct seen {
    unsigned count[3];
    uint16_t last_apid;
} seen;
static void h0(void *u, const aus_spp_pkt *p)
{
    ((seen *)u)->count[0]++, ((seen *)u)->last_apid = p->hdr.apid;
}
static void h1(void *u, const aus_spp_pkt *p)
{
    ((seen *)u)->count[1]++, ((seen *)u)->last_apid = p->hdr.apid;
}

static void test_demux(void **st)
{
    (void)st;
    static aus_spp_demux d;
    seen s = {{0}, 0};
    aus_spp_demux_init(&d);
    assert_int_equal(aus_spp_demux_route(&d, 10, 20, h0, &s), AUS_OK);
    assert_int_equal(aus_spp_demux_route(&d, 100, 100, h1, &s), AUS_OK);
    assert_int_equal(aus_spp_demux_route(&d, 5, 0x7FF, h1, &s), AUS_E_ARG);
    assert_int_equal(aus_spp_demux_route(&d, 5, 4, h1, &s), AUS_E_ARG);
    uint8_t buf[32], data[4] = {1, 2, 3, 4};
    aus_spp_hdr h = {AUS_SPP_TM, 0, 15, AUS_SPP_SEQ_UNSEG, 0};
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    assert_int_equal(aus_spp_encode(&w, &h, data, 4), AUS_OK);
    assert_int_equal(aus_spp_demux_dispatch(&d, buf, w.off), AUS_OK);
    buf[1] = 100;
    assert_int_equal(aus_spp_demux_dispatch(&d, buf, w.off), AUS_OK);
    assert_int_equal(s.last_apid, 100);
    buf[1] = 21;
    assert_int_equal(aus_spp_demux_dispatch(&d, buf, w.off), AUS_E_NOTFOUND);
    buf[0] = 0x07, buf[1] = 0xFF; /* idle */
    assert_int_equal(aus_spp_demux_dispatch(&d, buf, w.off), AUS_OK);
    assert_int_equal(aus_spp_demux_dispatch(&d, buf, w.off - 1), AUS_E_TRUNC);
    assert_int_equal(s.count[0], 1);
    assert_int_equal(s.count[1], 1);
    assert_int_equal(d.idle, 1);
    assert_int_equal(d.unrouted, 1);
    assert_int_equal(d.malformed, 1);
    for (int i = 2; i < AUS_SPP_DEMUX_ROUTES; i++)
        assert_int_equal(aus_spp_demux_route(&d, (uint16_t)(200 + i), (uint16_t)(200 + i), h0, &s),
                         AUS_OK);
    assert_int_equal(aus_spp_demux_route(&d, 1, 1, h0, &s), AUS_E_FULL);
}

static void test_encap(void **st)
{
    (void)st;
    static uint8_t data[70000], buf[70100];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ (i >> 8));
    static const size_t sizes[] = {1, 253, 254, 65531, 65532, 70000};
    static const size_t hdrs[] = {2, 2, 4, 4, 8, 8};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        aus_wr w;
        aus_wr_init(&w, buf, sizeof buf);
        assert_int_equal(aus_encap_encode(&w, AUS_ENCAP_PID_BP, data, sizes[k]), AUS_OK);
        assert_int_equal(w.off, sizes[k] + hdrs[k]);
        assert_int_equal(buf[0] >> 5, 7);
        assert_int_equal((buf[0] >> 2) & 7, 4);
        size_t total;
        assert_int_equal(aus_ccsds_packet_len(buf, w.off, &total), AUS_OK);
        assert_int_equal(total, w.off);
        aus_encap_pkt e;
        assert_int_equal(aus_encap_decode(buf, w.off, &e), AUS_OK);
        assert_int_equal(e.pid, AUS_ENCAP_PID_BP);
        assert_int_equal(e.data_len, sizes[k]);
        assert_memory_equal(e.data, data, sizes[k]);
        if (sizes[k] < 300) /* truncation at every offset */
            for (size_t n = 0; n < w.off; n++)
                assert_int_equal(aus_encap_decode(buf, n, &e), AUS_E_TRUNC);
        if (sizes[k] < 300) /* bit flips in the header: a specific error or a valid decode */
            for (size_t bit = 0; bit < hdrs[k] * 8; bit++) {
                buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
                aus_err r = aus_encap_decode(buf, w.off, &e);
                assert_true(r == AUS_OK || r == AUS_E_UNSUPPORTED || r == AUS_E_MALFORMED ||
                            r == AUS_E_TRUNC || r == AUS_E_TRAILING);
                if (bit < 3)
                    assert_int_equal(r, AUS_E_UNSUPPORTED);
                buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
            }
        assert_false(aus_ccsds_packet_is_idle(buf, w.off));
    }
    /* HDTN-style 2-octet header for a small bundle: E? | len */
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    assert_int_equal(aus_encap_encode(&w, AUS_ENCAP_PID_BP, data, 3), AUS_OK);
    assert_int_equal(buf[0], 0xF1); /* 111 100 01 */
    assert_int_equal(buf[1], 5);
    /* idle octet */
    uint8_t idle = AUS_ENCAP_IDLE_OCTET;
    aus_encap_pkt e;
    assert_int_equal(aus_encap_decode(&idle, 1, &e), AUS_OK);
    assert_int_equal(e.pid, 0);
    assert_true(aus_ccsds_packet_is_idle(&idle, 1));
    uint8_t bad1 = 0xF0; /* LoL 0 with pid 4 */
    assert_int_equal(aus_encap_decode(&bad1, 1, &e), AUS_E_MALFORMED);
    uint8_t bad2[2] = {0xF1, 1}; /* length below header */
    assert_int_equal(aus_encap_decode(bad2, 2, &e), AUS_E_MALFORMED);
    uint8_t sp[2] = {0x08, 0x00};
    assert_int_equal(aus_encap_decode(sp, 2, &e), AUS_E_UNSUPPORTED);
    uint8_t pv[1] = {0x40};
    size_t total;
    assert_int_equal(aus_ccsds_packet_len(pv, 1, &total), AUS_E_UNSUPPORTED);
    assert_int_equal(aus_encap_encode(&w, 0, data, 3), AUS_E_ARG);
}

/* Our packets (>= 10 data octets) judged by Wireshark's CCSDS dissector. */
static void test_tshark(void **st)
{
    (void)st;
    char dir[] = "/tmp/aus_spp_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[4096];
    int off = snprintf(cmd, sizeof cmd, "%s -m ccsds", tst_shared("tools/tshark_check.sh"));
    uint64_t rs = 5;
    aus_spp_tx tx;
    assert_int_equal(aus_spp_tx_init(&tx, AUS_SPP_TM, 291, 64), AUS_OK);
    static uint8_t sdu[200], buf[300];
    for (unsigned i = 0; i < sizeof sdu; i++)
        sdu[i] = (uint8_t)tst_rand(&rs);
    size_t soff = 0;
    int k = 0;
    while (soff < sizeof sdu) { /* segmented packets of 64 data octets, then 8 */
        aus_wr w;
        aus_wr_init(&w, buf, sizeof buf);
        size_t before = soff;
        assert_int_equal(aus_spp_tx_segment(&tx, sdu, sizeof sdu, &soff, &w), AUS_OK);
        if (soff - before < 10)
            break; /* the ISS-flavoured dissector flags data fields under 10 octets */
        char path[256];
        snprintf(path, sizeof path, "%s/p%d.bin", dir, k++);
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, w.off, f);
        fclose(f);
        off += snprintf(cmd + off, sizeof cmd - (size_t)off, " %s", path);
    }
    aus_spp_hdr h = {AUS_SPP_TC, 0, 5, AUS_SPP_SEQ_UNSEG, 9};
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    assert_int_equal(aus_spp_encode(&w, &h, sdu, 10), AUS_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/tc.bin", dir);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, w.off, f);
    fclose(f);
    snprintf(cmd + off, sizeof cmd - (size_t)off, " %s >/dev/null 2>&1", path);
    int rc = system(cmd);
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 2)
        skip(); /* tshark missing */
    assert_int_equal(WEXITSTATUS(rc), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),      cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_segmentation), cmocka_unit_test(test_demux),
        cmocka_unit_test(test_encap),        cmocka_unit_test(test_tshark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
