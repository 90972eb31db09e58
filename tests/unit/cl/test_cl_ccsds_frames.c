/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer's satellite receive path frame by frame (each refusal lands in its
 * own counter), and its persisted records (a corrupted record refuses to load). */
#include "aus_test.h"
#include "tst_sdls.h"

#include "australis/cl_ccsds.h"
#include "australis/crypto.h"

static const uint8_t KEY[32] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
                                0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
                                0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f};

typedef struct end {
    aus_sdls_keyring ring;
    aus_sdls_table t;
} end;

typedef struct rx {
    size_t bundles, eps;
    uint16_t ep_spi;
    size_t last_len;
} rx;

static void on_bundle(void *u, const uint8_t *b, size_t n)
{
    (void)b;
    rx *r = u;
    r->bundles++;
    r->last_len = n;
}

static void on_ep(void *u, const uint8_t *p, size_t n, uint16_t spi)
{
    (void)p;
    rx *r = u;
    r->eps++;
    r->ep_spi = spi;
    r->last_len = n;
}

static const aus_cl_ccsds_ops OPS = {on_bundle, on_ep};

static void add_sa(aus_sdls_table *t, uint16_t spi, int sender)
{
    aus_sdls_sa_cfg c;
    tst_sdls_gcm_cfg(&c, spi);
    c.iv[8] = sender ? 1 : 0;
    assert_int_equal(tst_sdls_sa_up(t, &c, 0x100, NULL), AUS_OK);
}

static void mk_end(end *e, int ground)
{
    memset(e, 0, sizeof *e);
    assert_int_equal(tst_sdls_link_end(&e->ring, &e->t, KEY, ground, 8), AUS_OK);
    if (ground)
        add_sa(&e->t, 9, 1); /* unknown to the satellite */
}

static end g, s;
static aus_cl_ccsds *sat;
static rx got;
static uint64_t now = 100;

/* (Re)open one end's convergence layer (SA 1 TM, SA 2 TC and EP) over e's table, counting
 * into r; no store. */
static void cl_open(aus_cl_ccsds **c, uint8_t role, end *e, rx *r, int accept_set_vr)
{
    if (*c == NULL)
        *c = calloc(1, sizeof **c);
    aus_cl_ccsds_cfg cfg;
    aus_cl_ccsds_cfg_default(&cfg, role);
    cfg.tm_spi = 1;
    cfg.tc_spi = cfg.ep_spi = 2;
    cfg.accept_set_vr = accept_set_vr;
    memset(r, 0, sizeof *r);
    assert_int_equal(aus_cl_ccsds_init(*c, &cfg, &e->t, NULL, "", &OPS, r, now), AUS_OK);
}

static void sat_open(int accept_set_vr)
{
    mk_end(&g, 1);
    mk_end(&s, 0);
    cl_open(&sat, AUS_CL_CCSDS_SAT, &s, &got, accept_set_vr);
}

typedef struct frame_spec {
    uint16_t scid;
    uint8_t vcid, bypass, ctrl, ns, map, spi;
    int flip;     /* flip this octet after SDLS (then the FECF is recomputed); -1 none */
    int bch_errs; /* bit errors put in the first codeblock of the CLTU */
    int start_err;
} frame_spec;

static frame_spec spec(uint8_t ns) { return (frame_spec){100, 4, 0, 0, ns, 0, 2, -1, 0, 0}; }

/* One TC frame carrying data (a bundle packet unless ctrl) -> CLTU -> the satellite. */
static void send_frame(const frame_spec *f, const uint8_t *data, size_t n)
{
    aus_tc_cfg cfg = {f->scid, true, true, AUS_TC_MAX_LEN, 30};
    aus_tc_hdr h = {f->bypass, f->ctrl, f->scid, f->vcid, f->ns};
    uint8_t frame[AUS_TC_MAX_LEN], cltu[1400];
    aus_wr w;
    aus_wr_init(&w, frame, sizeof frame);
    assert_int_equal(aus_tc_frame_encode(&w, &cfg, &h, AUS_TC_SEG_UNSEG, f->map, data, n), AUS_OK);
    size_t len = w.off;
    if (!f->ctrl) {
        aus_sdls_link l = {AUS_TC_MAX_LEN, AUS_SDLS_FECF_YES, 0, 1, 0, 0};
        int r = aus_sdls_tc_apply(&g.t, &l, f->spi, frame, len, sizeof frame, now);
        assert_true(r > 0);
        len = (size_t)r;
    }
    if (f->flip >= 0) {
        frame[f->flip] ^= 0x01;
        aus_tc_frame_set_fecf(frame, len);
    }
    aus_wr_init(&w, cltu, sizeof cltu);
    assert_int_equal(aus_cltu_encode(&w, frame, len, true), AUS_OK);
    for (int i = 0; i < f->bch_errs; i++)
        cltu[2 + (size_t)i] ^= 0x80;
    if (f->start_err)
        cltu[0] ^= 0x04;
    assert_int_equal(aus_cl_ccsds_pass_in(sat, cltu, w.off, now), AUS_OK);
    now++;
}

static size_t bundle_packet(uint8_t *out, size_t n, uint16_t apid)
{
    static uint8_t b[600];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 3);
    aus_spp_hdr h = {AUS_SPP_TC, 0, apid, AUS_SPP_SEQ_UNSEG, 0};
    aus_wr w;
    aus_wr_init(&w, out, 700);
    assert_int_equal(aus_spp_encode(&w, &h, b, n), AUS_OK);
    return w.off;
}

static aus_cl_ccsds_stats stats_of(const aus_cl_ccsds *c)
{
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(c, &st);
    return st;
}

static void test_refusals_counted(void **state)
{
    (void)state;
    sat_open(0);
    uint8_t pkt[700];
    size_t pl = bundle_packet(pkt, 300, 0x0C8);
    frame_spec f = spec(0);
    send_frame(&f, pkt, pl);
    aus_cl_ccsds_stats st = stats_of(sat);
    assert_int_equal(got.bundles, 1);
    assert_int_equal(got.last_len, 300);
    assert_int_equal(st.farm_accept, 1);
    assert_int_equal(st.vr, 1);

    f = spec(1);
    f.scid = 101; /* another spacecraft */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).tc_bad, 1);
    f = spec(1);
    f.vcid = 5; /* another VC */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).tc_other_vc, 1);
    f = spec(1);
    f.spi = 9; /* an SA the satellite does not have */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).sdls_spi, 1);
    f = spec(1);
    f.flip = 40; /* ciphertext */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).sdls_auth, 1);
    f = spec(1);
    f.bch_errs = 2; /* two errors in one codeblock: the CLTU is refused */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).cltu_bad, 1);
    assert_int_equal(got.bundles, 1);
    assert_int_equal(stats_of(sat).vr, 1);

    f = spec(1);
    f.bch_errs = 1;
    f.start_err = 1; /* one bit in the start sequence and one in a codeblock: corrected */
    send_frame(&f, pkt, pl);
    st = stats_of(sat);
    assert_int_equal(got.bundles, 2);
    assert_int_equal(st.bch_corrected, 1);
    assert_int_equal(st.vr, 2);

    f = spec(7); /* ahead of V(R): positive window, Retransmit flag */
    send_frame(&f, pkt, pl);
    st = stats_of(sat);
    assert_int_equal(st.farm_discard, 1);
    assert_int_equal(got.bundles, 2);
    assert_true((st.clcw >> 8) & 0x08u); /* CLCW octet 2 bit 4: Retransmit */

    f = spec(2);
    f.map = 1; /* an EP PDU */
    static const uint8_t ping[] = {0x31, 0x00, 0x00};
    send_frame(&f, ping, sizeof ping);
    assert_int_equal(got.eps, 1);
    assert_int_equal(got.ep_spi, 2);
    assert_int_equal(got.last_len, 3);

    f = spec(3);
    pl = bundle_packet(pkt, 50, 0x123); /* unknown APID */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).pkt_bad, 1);
    f = spec(4);
    f.map = 9; /* unknown MAP */
    send_frame(&f, pkt, pl);
    assert_int_equal(stats_of(sat).pkt_bad, 2);
    assert_int_equal(stats_of(sat).vr, 5);

    f = spec(0);
    f.bypass = f.ctrl = 1; /* BC Set V(R) = 0x20: unauthenticated, refused */
    static const uint8_t setvr[] = {0x82, 0x00, 0x20};
    send_frame(&f, setvr, sizeof setvr);
    st = stats_of(sat);
    assert_int_equal(st.bc_rx, 1);
    assert_int_equal(st.vr, 5);
    static const uint8_t unlock[] = {0x00};
    send_frame(&f, unlock, sizeof unlock);
    st = stats_of(sat);
    assert_int_equal(st.bc_rx, 2);
    assert_int_equal(st.vr, 5);
    assert_false((st.clcw >> 8) & 0x08u); /* Unlock clears the Retransmit flag */
    assert_int_equal(st.farm_state, AUS_FARM_OPEN);

    sat_open(1); /* accept_set_vr */
    send_frame(&f, setvr, sizeof setvr);
    assert_int_equal(stats_of(sat).vr, 0x20);
}

/* ---- persisted records ---- */

static void test_corrupt_records_refused(void **state)
{
    (void)state;
    tst_store *m = tst_store_new();
    aus_store st = tst_store_iface(m);
    sat_open(0);
    aus_cl_ccsds_cfg cfg;
    aus_cl_ccsds_cfg_default(&cfg, AUS_CL_CCSDS_SAT);
    cfg.tm_spi = 1;
    cfg.tc_spi = cfg.ep_spi = 2;
    assert_int_equal(aus_cl_ccsds_init(sat, &cfg, &s.t, &st, "x/", &OPS, &got, now), AUS_OK);
    uint8_t pkt[700];
    size_t pl = bundle_packet(pkt, 300, 0x0C8);
    frame_spec f = spec(0);
    send_frame(&f, pkt, pl);
    assert_int_equal(aus_cl_ccsds_send(sat, pkt, 100, now), AUS_OK);
    uint8_t rec[256];
    size_t n = 0;
    assert_int_equal(st.ops->get(st.self, "x/st", rec, sizeof rec, &n), AUS_OK);
    /* intact: the restart resumes V(R) = 1 and the queued unit */
    assert_int_equal(aus_cl_ccsds_init(sat, &cfg, &s.t, &st, "x/", &OPS, &got, now), AUS_OK);
    assert_int_equal(stats_of(sat).vr, 1);
    assert_int_equal(stats_of(sat).queued_items, 1);
    /* every truncation, and a wrong version / role / FARM state */
    for (size_t cut = 0; cut < n; cut++) {
        assert_int_equal(st.ops->put(st.self, "x/st", rec, cut), AUS_OK);
        assert_int_equal(aus_cl_ccsds_init(sat, &cfg, &s.t, &st, "x/", &OPS, &got, now),
                         AUS_E_MALFORMED);
    }
    static const size_t bad_at[] = {0,  1,  9, 25,
                                    30, 32, 34}; /* version, role, q_first,
                                                    clcw flag, FARM state, RT, rs */
    for (size_t i = 0; i < sizeof bad_at / sizeof bad_at[0]; i++) {
        uint8_t c[256];
        memcpy(c, rec, n);
        c[bad_at[i]] ^= 0x40;
        assert_int_equal(st.ops->put(st.self, "x/st", c, n), AUS_OK);
        assert_int_equal(aus_cl_ccsds_init(sat, &cfg, &s.t, &st, "x/", &OPS, &got, now),
                         AUS_E_MALFORMED);
    }
    uint8_t longer[257];
    memcpy(longer, rec, n);
    longer[n] = 0;
    assert_int_equal(st.ops->put(st.self, "x/st", longer, n + 1), AUS_OK);
    assert_int_equal(aus_cl_ccsds_init(sat, &cfg, &s.t, &st, "x/", &OPS, &got, now),
                     AUS_E_MALFORMED);
    /* a mirror record whose FDU length is out of range */
    assert_int_equal(st.ops->put(st.self, "x/st", rec, n), AUS_OK);
    static const uint8_t mir[] = {1, 0x0F, 0xFF, 0};
    assert_int_equal(st.ops->put(st.self, "x/mir", mir, sizeof mir), AUS_OK);
    assert_int_equal(aus_cl_ccsds_init(sat, &cfg, &s.t, &st, "x/", &OPS, &got, now),
                     AUS_E_MALFORMED);
    tst_store_free(m);
}

/* ---- the ground's downlink path: damage in a pass file ---- */

static aus_cl_ccsds *gnd;
static rx ggot;

static size_t sat_pass(uint8_t *buf, size_t cap, size_t nb, size_t blen)
{
    static uint8_t b[4000];
    for (size_t i = 0; i < nb; i++) {
        memset(b, (int)(i + 1), blen);
        assert_int_equal(aus_cl_ccsds_send(sat, b, blen, now), AUS_OK);
    }
    size_t n = 0;
    assert_int_equal(aus_cl_ccsds_pass_out(sat, buf, cap, now, &n), AUS_OK);
    now++;
    return n;
}

static void test_downlink_damage(void **state)
{
    (void)state;
    sat_open(0);
    cl_open(&gnd, AUS_CL_CCSDS_GROUND, &g, &ggot, 0);
    static uint8_t buf[1 << 16], junk[1 << 16];
    const size_t cadu = 1279;
    /* intact, with 3 bit errors in an ASM (tolerated) */
    size_t n = sat_pass(buf, sizeof buf, 3, 3000);
    assert_int_equal(n % cadu, 0);
    assert_true(n / cadu >= 9);
    buf[cadu] ^= 0x07;
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, buf, n, now), AUS_OK);
    aus_cl_ccsds_stats st = stats_of(gnd);
    assert_int_equal(ggot.bundles, 3);
    assert_int_equal(st.cadu_rx, n / cadu);
    assert_int_equal(st.sdls_ok, n / cadu);
    assert_int_equal(st.cadu_sync_slips + st.mc_lost + st.vc_lost, 0);

    /* 17 symbol errors in one codeword of the second CADU: uncorrectable, one frame lost */
    n = sat_pass(buf, sizeof buf, 3, 3000);
    for (size_t j = 0; j < 17; j++)
        buf[cadu + 4 + 5 * j + 50] ^= 0xFF;
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, buf, n, now), AUS_OK);
    st = stats_of(gnd);
    assert_int_equal(st.cadu_fec, 1);
    assert_int_equal(st.mc_lost, 1);
    assert_int_equal(st.vc_lost, 1);
    assert_int_equal(ggot.bundles, 5); /* the bundle in the lost frame is gone */

    /* 16 symbol errors in each codeword: corrected */
    n = sat_pass(buf, sizeof buf, 2, 3000);
    for (size_t j = 0; j < 80; j++)
        buf[2 * cadu + 4 + 3 * j] ^= 0x5A;
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, buf, n, now), AUS_OK);
    st = stats_of(gnd);
    assert_int_equal(ggot.bundles, 7);
    assert_true(st.rs_corrected >= 80);

    /* junk before the first CADU: one slip, then everything */
    n = sat_pass(buf, sizeof buf, 2, 3000);
    memset(junk, 0x33, 100);
    memcpy(junk + 100, buf, n);
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, junk, n + 100, now), AUS_OK);
    st = stats_of(gnd);
    assert_int_equal(st.cadu_sync_slips, 1);
    assert_int_equal(ggot.bundles, 9);

    /* a CADU cut out of the file: the counters report the loss */
    n = sat_pass(buf, sizeof buf, 3, 3000);
    memmove(buf + cadu, buf + 2 * cadu, n - 2 * cadu);
    uint64_t mc0 = stats_of(gnd).mc_lost;
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, buf, n - cadu, now), AUS_OK);
    assert_int_equal(stats_of(gnd).mc_lost, mc0 + 1);

    /* a whole file of junk, and a file that is not a whole number of CADUs */
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, junk, sizeof junk, now), AUS_OK);
    n = sat_pass(buf, sizeof buf, 1, 100);
    uint64_t b0 = ggot.bundles;
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, buf, n - 1, now), AUS_OK);
    assert_int_equal(ggot.bundles, b0); /* the one CADU is incomplete */
}

/* ---- SDLS apply refuses (SA stopped): the pass file so far is returned, nothing is lost ---- */

static void test_apply_refused(void **state)
{
    (void)state;
    sat_open(0);
    cl_open(&gnd, AUS_CL_CCSDS_GROUND, &g, &ggot, 0);
    static uint8_t buf[1 << 17];
    uint8_t b[2000];
    memset(b, 7, sizeof b);
    size_t n = 0;
    /* downlink: the TM SA stopped on the satellite */
    assert_int_equal(aus_cl_ccsds_send(sat, b, sizeof b, now), AUS_OK);
    assert_int_equal(aus_sdls_sa_stop(&s.t, 1), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_out(sat, buf, sizeof buf, now, &n), AUS_E_SPI);
    assert_int_equal(n, 0);
    assert_int_equal(stats_of(sat).queued_items, 1);
    assert_int_equal(aus_sdls_sa_start(&s.t, 1, NULL), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_out(sat, buf, sizeof buf, now, &n), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_in(gnd, buf, n, now), AUS_OK);
    assert_int_equal(ggot.bundles, 1);
    assert_int_equal(ggot.last_len, sizeof b);
    assert_int_equal(stats_of(gnd).pkt_bad, 0);
    /* uplink: the TC SA stopped on the ground; the frame goes out on a later pass */
    assert_int_equal(aus_cl_ccsds_send(gnd, b, sizeof b, now), AUS_OK);
    assert_int_equal(aus_sdls_sa_stop(&g.t, 2), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_out(gnd, buf, sizeof buf, now, &n), AUS_E_SPI);
    assert_int_equal(n, 0);
    assert_int_equal(aus_sdls_sa_start(&g.t, 2, NULL), AUS_OK);
    now += 10;
    assert_int_equal(aus_cl_ccsds_pass_out(gnd, buf, sizeof buf, now, &n), AUS_OK);
    assert_true(n > 0);
    assert_int_equal(aus_cl_ccsds_pass_in(sat, buf, n, now), AUS_OK);
    assert_int_equal(got.bundles, 1);
    assert_int_equal(got.last_len, sizeof b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_counted),
        cmocka_unit_test(test_corrupt_records_refused),
        cmocka_unit_test(test_downlink_damage),
        cmocka_unit_test(test_apply_refused),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    free(sat);
    free(gnd);
    return r;
}
