/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS properties: a flipped bit anywhere in a protected frame is rejected (header, data,
 * MAC), replays and frames outside the window are rejected, an unknown SPI has its own
 * error, SA management refuses wrong states without changing anything, counters are reserved
 * in the store before use and survive a crash, and malformed input gets specific errors. */
#include "aus_test.h"

#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/sdls.h"

static const uint8_t KEY[32] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
                                0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
                                0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f};
static const uint8_t IV0[12] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};

static aus_sdls_simple tx, rx;

/* TC frame: header (SCID 0x123, VC 2) + segment header + payload + FECF space. */
static size_t tc_frame(uint8_t *f, const uint8_t *pl, size_t n)
{
    size_t len = 5 + 1 + n + 2;
    f[0] = 0x01;
    f[1] = 0x23;
    f[2] = (uint8_t)((2u << 2) | (((len - 1) >> 8) & 3u));
    f[3] = (uint8_t)(len - 1);
    f[4] = 0x00;
    f[5] = 0xC1; /* unsegmented, MAP 1 */
    memcpy(f + 6, pl, n);
    f[len - 2] = f[len - 1] = 0;
    return len;
}

static const aus_sdls_link TCL = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES, .seg_hdr = 1};

static void pair_init(uint16_t spi)
{
    static const uint8_t zero[12] = {0};
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), spi, KEY, 32, IV0), AUS_OK);
    assert_int_equal(aus_sdls_simple_init(&rx, aus_crypto_default(), spi, KEY, 32, zero), AUS_OK);
}

static int protect_tc(uint8_t *f, size_t cap, const char *msg)
{
    size_t n = tc_frame(f, (const uint8_t *)msg, strlen(msg));
    int r = aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, cap, 0);
    assert_true(r > 0);
    return r;
}

static void fix_fecf(uint8_t *f, size_t len)
{
    uint16_t c = aus_crc16_ccitt(f, len - 2);
    f[len - 2] = (uint8_t)(c >> 8);
    f[len - 1] = (uint8_t)c;
}

static void test_tc_roundtrip(void **state)
{
    (void)state;
    pair_init(0x2A);
    uint8_t f[256];
    int n = protect_tc(f, sizeof f, "hello, spacecraft");
    /* 5 + 1 + SPI 2 + IV 12 + 17 + MAC 16 + FECF 2 */
    assert_int_equal(n, 55);
    assert_int_equal(aus_sdls_header_len(&tx.t, 0x2A), 14);
    assert_int_equal(aus_sdls_trailer_len(&tx.t, 0x2A), 16);
    assert_int_equal(((f[2] & 3) << 8 | f[3]) + 1, n);
    assert_int_equal(f[6] << 8 | f[7], 0x2A);
    assert_memory_equal(f + 8, IV0, 12);
    assert_memory_not_equal(f + 20, "hello, spacecraft", 17); /* encrypted */
    aus_sdls_rx out;
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, f, (size_t)n, 0, &out), AUS_OK);
    assert_int_equal(out.spi, 0x2A);
    assert_int_equal(out.data_off, 20);
    assert_int_equal(out.data_len, 17);
    assert_memory_equal(f + out.data_off, "hello, spacecraft", 17);
    /* The sender's IV advanced by one; the receiver's window now sits at IV0. */
    uint8_t iv1[12];
    memcpy(iv1, IV0, 12);
    iv1[11]++;
    assert_memory_equal(aus_sdls_sa_find(&tx.t, 0x2A)->iv, iv1, 12);
    assert_memory_equal(aus_sdls_sa_find(&rx.t, 0x2A)->iv, IV0, 12);
}

/* Every single-bit flip of a protected TC frame is rejected, even with the FECF recomputed
 * by the attacker; which error depends on the field hit. */
static void test_tc_bitflips(void **state)
{
    (void)state;
    pair_init(0x2A);
    uint8_t f[256], g[256];
    int n = protect_tc(f, sizeof f, "flip every bit of me");
    int counts[4] = {0};
    for (int bit = 0; bit < (n - 2) * 8; bit++) {
        memcpy(g, f, (size_t)n);
        g[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        fix_fecf(g, (size_t)n);
        aus_sdls_rx out;
        aus_sdls_table keep = rx.t;
        aus_err e = aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n, 0, &out);
        int byte = bit / 8;
        if (byte == 6 || byte == 7)
            assert_int_equal(e, AUS_E_SPI); /* another SPI: no such SA */
        else if (byte == 2 && (bit % 8) >= 6)
            assert_int_equal(e, AUS_E_MALFORMED); /* frame length field */
        else if (byte == 3 || (byte == 0 && bit % 8 == 3))
            assert_int_equal(e, AUS_E_MALFORMED); /* length / control-command flag */
        else
            assert_int_equal(e, AUS_E_AUTH); /* header, SH, data or MAC: GCM tag fails */
        counts[e == AUS_E_AUTH ? 0 : e == AUS_E_SPI ? 1 : 2]++;
        /* No state change on rejection (the FSR and the failure statistics aside). */
        keep.fsr = rx.t.fsr;
        keep.sa[0].n_auth = rx.t.sa[0].n_auth;
        assert_memory_equal(&keep.sa, &rx.t.sa, sizeof keep.sa);
    }
    /* Without the attacker's FECF fix the CRC catches every flip first. */
    for (int bit = 0; bit < n * 8; bit += 7) {
        memcpy(g, f, (size_t)n);
        g[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        aus_sdls_rx out;
        assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n, 0, &out),
                         (bit / 8 == 2 && bit % 8 >= 6) || bit / 8 == 3 ||
                                 (bit / 8 == 0 && bit % 8 == 3)
                             ? AUS_E_MALFORMED
                             : AUS_E_CRC);
    }
    printf("TC bit flips: %d AUS_E_AUTH, %d AUS_E_SPI, %d AUS_E_MALFORMED\n", counts[0], counts[1],
           counts[2]);
    aus_sdls_rx out;
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, f, (size_t)n, 0, &out), AUS_OK);
    uint8_t fsr[4];
    aus_sdls_fsr_encode(&rx.t, fsr);
    assert_int_equal(fsr[0] & 0x80, 0x80);               /* Control Word Type 1 */
    assert_int_equal(fsr[0] & 0x0B, 0x08 | 0x02 | 0x01); /* alarm, bad MAC, bad SA */
    assert_int_equal(fsr[1] << 8 | fsr[2], 0x2A);
    aus_sdls_fsr_reset(&rx.t);
    aus_sdls_fsr_encode(&rx.t, fsr);
    assert_int_equal(fsr[0] & 0x0F, 0);
}

/* TM: every bit of a 1115-octet frame except the OCF is protected (the OCF is outside the
 * MAC: it is written after ApplySecurity, docs/standards.md SDLS 4). */
static void test_tm_bitflips(void **state)
{
    (void)state;
    pair_init(7);
    enum { N = 1115 };
    static uint8_t f[N], g[N];
    aus_sdls_link l = {.frame_len = N, .fecf = AUS_SDLS_FECF_YES, .ocf = 1};
    memset(f, 0, N);
    f[0] = 0x01; /* SCID 0x010, VC 1, OCF flag */
    f[1] = 0x03;
    f[4] = 0x18; /* sync 0, packet order 0, segment length 11, FHP 0 */
    for (size_t i = 20; i < N - 22; i++)
        f[i] = (uint8_t)(i * 7);
    memcpy(g, f, N);
    assert_int_equal(aus_sdls_tm_apply(&tx.t, &l, 7, f, N, 0), AUS_OK);
    assert_memory_not_equal(f + 20, g + 20, 64);
    f[N - 6] = 0x01; /* OCF (CLCW) written after security processing */
    fix_fecf(f, N);
    int auth = 0, other = 0;
    for (int bit = 0; bit < (N - 2) * 8; bit++) {
        memcpy(g, f, N);
        g[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        fix_fecf(g, N);
        aus_sdls_rx out;
        aus_err e = aus_sdls_tm_process(&rx.t, &l, g, N, 0, &out);
        if (bit / 8 >= N - 6) {
            assert_int_equal(e, AUS_OK); /* OCF: not protected */
            rx.t.sa[0].rx_seen = 0;      /* let the same IV through again for the next flip */
            memset(rx.t.sa[0].iv, 0, 12);
        } else {
            assert_int_not_equal(e, AUS_OK);
            e == AUS_E_AUTH ? auth++ : other++;
        }
    }
    printf("TM bit flips: %d AUS_E_AUTH, %d other rejections, OCF bits accepted\n", auth, other);
    assert_true(auth > (N - 30) * 8);
}

static void test_replay_and_window(void **state)
{
    (void)state;
    pair_init(0x2A);
    uint8_t fr[8][128];
    int n[8];
    for (int i = 0; i < 8; i++)
        n[i] = protect_tc(fr[i], sizeof fr[i], "seq");
    uint8_t g[128];
    aus_sdls_rx out;
    memcpy(g, fr[1], (size_t)n[1]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[1], 0, &out), AUS_OK);
    memcpy(g, fr[1], (size_t)n[1]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[1], 0, &out), AUS_E_REPLAY);
    memcpy(g, fr[0], (size_t)n[0]); /* older than the last accepted */
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[0], 0, &out), AUS_E_REPLAY);
    assert_int_equal(aus_sdls_sa_find(&rx.t, 0x2A)->n_replay, 2);

    /* A windowed SA (355.0 anti-replay window, arsnw = 3) with an explicit SN. */
    static aus_sdls_keyring ring;
    static aus_sdls_table a, b;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(aus_sdls_keyring_put(&ring, 0x0100, KEY, 32, 1), AUS_OK);
    assert_int_equal(aus_sdls_keyring_put(&ring, 0x0101, KEY, 32, 1), AUS_OK);
    aus_sdls_sa_cfg c = {.spi = 5,
                         .ast = 1,
                         .acs = AUS_SDLS_ACS_HMAC_SHA256,
                         .shsnf_len = 2,
                         .arsn_len = 4,
                         .stmacf_len = 16,
                         .arsnw = 3,
                         .abm_len = 1024};
    c.arsn[3] = 1;
    for (int k = 0; k < 2; k++) {
        aus_sdls_table *t = k ? &b : &a;
        assert_int_equal(aus_sdls_init(t, aus_crypto_default(), &aus_sdls_keyring_ops, &ring),
                         AUS_OK);
        assert_int_equal(aus_sdls_sa_create(t, &c), AUS_OK);
        assert_int_equal(aus_sdls_sa_rekey(t, 5, 0, 0x0101, NULL, 0), AUS_OK);
        assert_int_equal(aus_sdls_sa_start(t, 5, NULL), AUS_OK);
    }
    aus_sdls_link l = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_NONE};
    for (int i = 0; i < 8; i++) {
        size_t len = tc_frame(fr[i], (const uint8_t *)"hmac", 4) - 2;
        fr[i][3] = (uint8_t)(len - 1);
        n[i] = aus_sdls_tc_apply(&a, &l, 5, fr[i], len, sizeof fr[i], 0);
        assert_true(n[i] > 0);
    }
    /* b holds ARSN 00000001; frame i carries 1 + i. Window 3: 2..4 acceptable. */
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[4], (size_t)n[4], 0, &out), AUS_E_REPLAY);
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[0], (size_t)n[0], 0, &out), AUS_E_REPLAY);
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[3], (size_t)n[3], 0, &out), AUS_OK); /* +3 */
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[2], (size_t)n[2], 0, &out), AUS_E_REPLAY);
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[4], (size_t)n[4], 0, &out), AUS_OK);
    uint8_t sn[4];
    size_t snl;
    assert_int_equal(aus_sdls_sa_read_arsn(&b, 5, sn, sizeof sn, &snl), AUS_OK);
    assert_int_equal(snl, 4);
    assert_int_equal(sn[3], 5);
    assert_int_equal(aus_sdls_sa_set_arsnw(&b, 5, 1), AUS_OK);
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[6], (size_t)n[6], 0, &out), AUS_E_REPLAY);
    assert_int_equal(aus_sdls_tc_process(&b, &l, fr[5], (size_t)n[5], 0, &out), AUS_OK);
}

static void test_spi_errors(void **state)
{
    (void)state;
    pair_init(0x2A);
    uint8_t f[128];
    int n = protect_tc(f, sizeof f, "x");
    aus_sdls_rx out;
    uint8_t g[128];
    /* Unknown SPI (valid FECF): AUS_E_SPI. */
    memcpy(g, f, (size_t)n);
    g[7] = 0x2B;
    fix_fecf(g, (size_t)n);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n, 0, &out), AUS_E_SPI);
    uint8_t h[64];
    size_t hn = tc_frame(h, (const uint8_t *)"x", 1);
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2B, h, hn, sizeof h, 0), AUS_E_SPI);
    assert_int_equal(aus_sdls_header_len(&tx.t, 0x2B), AUS_E_SPI);
    /* SA not operational: AUS_E_SPI too, and nothing changes. */
    assert_int_equal(aus_sdls_sa_stop(&rx.t, 0x2A), AUS_OK);
    memcpy(g, f, (size_t)n);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n, 0, &out), AUS_E_SPI);
    /* Bound to another channel: AUS_E_SPI. */
    aus_sdls_gvcid gv = {.tfvn = 0, .scid = 0x123, .vcid = 3};
    assert_int_equal(aus_sdls_sa_start(&rx.t, 0x2A, &gv), AUS_OK);
    memcpy(g, f, (size_t)n);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n, 0, &out), AUS_E_SPI);
    assert_int_equal(aus_sdls_sa_stop(&rx.t, 0x2A), AUS_OK);
    gv.vcid = 2;
    assert_int_equal(aus_sdls_sa_start(&rx.t, 0x2A, &gv), AUS_OK);
    memcpy(g, f, (size_t)n);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n, 0, &out), AUS_OK);
}

static void test_sa_management(void **state)
{
    (void)state;
    static aus_sdls_keyring ring;
    static aus_sdls_table t;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(aus_sdls_init(&t, aus_crypto_default(), &aus_sdls_keyring_ops, &ring), AUS_OK);
    aus_sdls_sa_cfg c = {.spi = 1,
                         .est = 1,
                         .ast = 1,
                         .ecs = AUS_SDLS_ECS_AES256_GCM,
                         .shivf_len = 12,
                         .iv_len = 12,
                         .shsnf_len = 2,
                         .arsn_len = 2,
                         .stmacf_len = 16,
                         .arsnw = 5,
                         .abm_len = 10};
    uint8_t st = 0, lp = 0;
    assert_int_equal(aus_sdls_sa_status(&t, 1, &st, &lp), AUS_E_SPI);
    assert_int_equal(aus_sdls_sa_create(&t, &c), AUS_OK);
    assert_int_equal(aus_sdls_sa_create(&t, &c), AUS_E_STATE); /* SPI exists */
    assert_int_equal(aus_sdls_sa_status(&t, 1, &st, &lp), AUS_OK);
    assert_int_equal(st, AUS_SDLS_SA_UNKEYED);
    aus_sdls_table keep = t;
#define REFUSED(call, err)                                                                         \
    do {                                                                                           \
        assert_int_equal(call, err);                                                               \
        assert_memory_equal(&keep, &t, sizeof t);                                                  \
    } while (0)
    /* UNKEYED: start / stop / expire refused */
    REFUSED(aus_sdls_sa_start(&t, 1, NULL), AUS_E_STATE);
    REFUSED(aus_sdls_sa_stop(&t, 1), AUS_E_STATE);
    REFUSED(aus_sdls_sa_expire(&t, 1), AUS_E_STATE);
    REFUSED(aus_sdls_sa_rekey(&t, 1, 0x100, 0x101, IV0, 5), AUS_E_ARG);
    REFUSED(aus_sdls_sa_set_arsn(&t, 1, IV0, 3), AUS_E_ARG);
    REFUSED(aus_sdls_sa_rekey(&t, 9, 0x100, 0x101, NULL, 0), AUS_E_SPI);
    assert_int_equal(aus_sdls_sa_rekey(&t, 1, 0x100, 0x101, IV0, 12), AUS_OK);
    assert_int_equal(aus_sdls_sa_find(&t, 1)->ekid, 0x100);
    assert_int_equal(aus_sdls_sa_find(&t, 1)->akid, 0x101);
    keep = t;
    /* KEYED: delete / rekey / stop refused */
    REFUSED(aus_sdls_sa_delete(&t, 1), AUS_E_STATE);
    REFUSED(aus_sdls_sa_rekey(&t, 1, 1, 1, NULL, 0), AUS_E_STATE);
    REFUSED(aus_sdls_sa_stop(&t, 1), AUS_E_STATE);
    aus_sdls_gvcid bad = {.vcid = 64};
    REFUSED(aus_sdls_sa_start(&t, 1, &bad), AUS_E_ARG);
    assert_int_equal(aus_sdls_sa_start(&t, 1, NULL), AUS_OK);
    keep = t;
    /* OPERATIONAL: start / expire / delete / rekey refused */
    REFUSED(aus_sdls_sa_start(&t, 1, NULL), AUS_E_STATE);
    REFUSED(aus_sdls_sa_expire(&t, 1), AUS_E_STATE);
    REFUSED(aus_sdls_sa_delete(&t, 1), AUS_E_STATE);
    REFUSED(aus_sdls_sa_rekey(&t, 1, 1, 1, NULL, 0), AUS_E_STATE);
    const uint8_t sn[2] = {0x12, 0x34};
    assert_int_equal(aus_sdls_sa_set_arsn(&t, 1, sn, 2), AUS_OK);
    uint8_t got[4];
    size_t gl = 0;
    assert_int_equal(aus_sdls_sa_read_arsn(&t, 1, got, 1, &gl), AUS_E_NOBUFS);
    assert_int_equal(aus_sdls_sa_read_arsn(&t, 1, got, sizeof got, &gl), AUS_OK);
    assert_int_equal(gl, 2);
    assert_memory_equal(got, sn, 2);
    assert_int_equal(aus_sdls_sa_stop(&t, 1), AUS_OK);
    assert_int_equal(aus_sdls_sa_expire(&t, 1), AUS_OK);
    assert_int_equal(aus_sdls_sa_find(&t, 1)->ekid, 0);
    assert_int_equal(aus_sdls_sa_delete(&t, 1), AUS_OK);
    assert_null(aus_sdls_sa_find(&t, 1));
    assert_int_equal(aus_sdls_sa_delete(&t, 1), AUS_E_SPI);
    /* create: parameter checks */
    keep = t;
    aus_sdls_sa_cfg b = c;
    b.shsnf_len = 3; /* longer than the ARSN */
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_ARG);
    b = c;
    b.stmacf_len = 17; /* GCM tag at most 16 */
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_ARG);
    b = c;
    b.ecs = 5; /* GCM-SIV */
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_UNSUPPORTED);
    b = c;
    b.ecs = AUS_SDLS_ECS_AES256_CBC; /* CBC cannot authenticate by itself */
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_ARG);
    b.acs = AUS_SDLS_ACS_HMAC_SHA256; /* CBC + HMAC: not an AEAD, not supported */
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_UNSUPPORTED);
    b = c;
    b.shplf_len = 3;
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_ARG);
    b = c;
    b.flags = AUS_SDLS_F_AR_OPEN;
    b.shsnf_len = 1; /* open window needs every counter octet transmitted */
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_ARG);
    uint8_t abm[200];
    memset(abm, 0xFF, sizeof abm);
    abm[150] = 0;
    b = c;
    b.abm = abm;
    b.abm_len = sizeof abm;
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_LIMIT); /* not storable as prefix + tail */
    for (uint16_t spi = 100; spi < 100 + AUS_SDLS_MAX_SA; spi++) {
        b = c;
        b.spi = spi;
        assert_int_equal(aus_sdls_sa_create(&t, &b), AUS_OK);
    }
    keep = t;
    b.spi = 99;
    REFUSED(aus_sdls_sa_create(&t, &b), AUS_E_FULL);
#undef REFUSED
}

/* Keys come only from the lookup ops; their refusals pass through. */
static void test_key_lookup_errors(void **state)
{
    (void)state;
    pair_init(0x2A);
    uint8_t f[64];
    size_t n = tc_frame(f, (const uint8_t *)"k", 1);
    uint8_t keep[64];
    memcpy(keep, f, n);
    tx.ring.k[0].active = 0;
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, sizeof f, 0), AUS_E_KEY_STATE);
    assert_memory_equal(f, keep, n); /* the caller's frame is put back */
    tx.ring.k[0].kid = 0x0200;
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, sizeof f, 0), AUS_E_KEY);
    assert_memory_equal(f, keep, n);
    uint8_t iv1[12];
    memcpy(iv1, IV0, 12);
    assert_memory_equal(aus_sdls_sa_find(&tx.t, 0x2A)->iv, iv1, 12); /* IV not consumed */
}

static void test_tc_apply_errors(void **state)
{
    (void)state;
    pair_init(0x2A);
    uint8_t f[1100];
    size_t n = tc_frame(f, (const uint8_t *)"abc", 3);
    uint8_t keep[64];
    memcpy(keep, f, n);
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, n + 10, 0), AUS_E_NOBUFS);
    assert_memory_equal(f, keep, n);
    f[0] |= 0x10; /* Type-C: never secured */
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, sizeof f, 0), AUS_E_MALFORMED);
    f[0] = keep[0];
    f[3] ^= 1; /* length field disagrees */
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, sizeof f, 0), AUS_E_MALFORMED);
    f[3] = keep[3];
    /* 1024-octet limit (232.0 §4.1.2.7) after the 30 octets of SDLS overhead. */
    uint8_t big[1000];
    memset(big, 0x55, sizeof big);
    n = tc_frame(f, big, sizeof big);
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, sizeof f, 0), AUS_E_LIMIT);
    n = tc_frame(f, big, 1024 - 38);
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 0x2A, f, n, sizeof f, 0), 1024);
    /* truncated / oversized input to process */
    aus_sdls_rx out;
    uint8_t g[1100];
    for (size_t len = 0; len < 60; len++) {
        memcpy(g, f, 1024);
        aus_err e = aus_sdls_tc_process(&rx.t, &TCL, g, len, 0, &out);
        assert_true(e == AUS_E_TRUNC || e == AUS_E_MALFORMED);
    }
    memcpy(g, f, 1024);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, 1025, 0, &out), AUS_E_LIMIT);
}

/* IV exhaustion: the SA stops before a value could repeat. */
static void test_iv_exhaustion(void **state)
{
    (void)state;
    static const uint8_t top[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 1, KEY, 32, top), AUS_OK);
    uint8_t f[64];
    size_t n = tc_frame(f, (const uint8_t *)"z", 1);
    assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 1, f, n, sizeof f, 0) > 0);
    n = tc_frame(f, (const uint8_t *)"z", 1);
    assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 1, f, n, sizeof f, 0) > 0); /* uses ff..ff */
    n = tc_frame(f, (const uint8_t *)"z", 1);
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 1, f, n, sizeof f, 0), AUS_E_LIMIT);
}

/* Counters are reserved in the store before use: after a crash the SA resumes above anything
 * handed out; a store failure sends nothing and consumes nothing. */
static void test_counter_reservation(void **state)
{
    (void)state;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    static const uint8_t zero[12] = {0};
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&tx.t, &s, "sdls/t/"), AUS_OK);
    uint8_t used[12] = {0};
    for (int i = 0; i < 5; i++) {
        uint8_t f[64];
        size_t n = tc_frame(f, (const uint8_t *)"c", 1);
        assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 3, f, n, sizeof f, 0) > 0);
        memcpy(used, f + 8, 12);
    }
    assert_int_equal(tst_store_writes(m), 1); /* one reservation covers a block */
    /* crash: a fresh table with the same configuration, then resume */
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&tx.t, &s, "sdls/t/"), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&tx.t, 3), AUS_OK);
    const aus_sdls_sa *sa = aus_sdls_sa_find(&tx.t, 3);
    assert_true(memcmp(sa->iv, used, 12) > 0);
    uint8_t f[64], keep[64];
    size_t n = tc_frame(f, (const uint8_t *)"c", 1);
    assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 3, f, n, sizeof f, 0) > 0);
    assert_true(memcmp(f + 8, used, 12) > 0);
    /* store failure at the next reservation: nothing sent, IV not consumed */
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&tx.t, &s, "sdls/u/"), AUS_OK);
    tst_store_fail_after(m, 0, 1);
    n = tc_frame(f, (const uint8_t *)"c", 1);
    memcpy(keep, f, n);
    assert_int_equal(aus_sdls_tc_apply(&tx.t, &TCL, 3, f, n, sizeof f, 0), AUS_E_IO);
    assert_memory_equal(f, keep, n);
    assert_memory_equal(aus_sdls_sa_find(&tx.t, 3)->iv, zero, 12);
    tst_store_free(m);
}

/* Compare-and-advance (DESIGN.md §5): two tables applying the same SA over one store (two
 * writers, which the store's owner lock excludes in the daemons) never send the same IV, and a
 * reservation rolled back with the caller's transaction is written again before it is used. */
static void test_counter_compare_and_advance(void **state)
{
    (void)state;
    static aus_sdls_simple other;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    static const uint8_t zero[12] = {0};
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_simple_init(&other, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&tx.t, &s, "sdls/t/"), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&other.t, &s, "sdls/t/"), AUS_OK);
    static uint8_t ivs[200][12];
    for (int i = 0; i < 200; i++) {
        uint8_t f[64];
        size_t n = tc_frame(f, (const uint8_t *)"c", 1);
        aus_sdls_simple *w = (i / 3) % 2 ? &other : &tx; /* interleaved in runs */
        assert_true(aus_sdls_tc_apply(&w->t, &TCL, 3, f, n, sizeof f, 0) > 0);
        memcpy(ivs[i], f + 8, 12);
        for (int j = 0; j < i; j++)
            assert_memory_not_equal(ivs[i], ivs[j], 12);
    }
    /* inside a caller's transaction that is rolled back, then a "crash" */
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&tx.t, &s, "sdls/r/"), AUS_OK);
    uint8_t f[64], last[12];
    size_t n = tc_frame(f, (const uint8_t *)"c", 1);
    assert_int_equal(s.ops->begin(s.self), AUS_OK);
    assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 3, f, n, sizeof f, 0) > 0);
    assert_int_equal(s.ops->rollback(s.self), AUS_OK);
    for (int i = 0; i < 3; i++) {
        n = tc_frame(f, (const uint8_t *)"c", 1);
        assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 3, f, n, sizeof f, 0) > 0);
        memcpy(last, f + 8, 12);
    }
    assert_int_equal(aus_sdls_simple_init(&tx, aus_crypto_default(), 3, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&tx.t, &s, "sdls/r/"), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&tx.t, 3), AUS_OK);
    n = tc_frame(f, (const uint8_t *)"c", 1);
    assert_true(aus_sdls_tc_apply(&tx.t, &TCL, 3, f, n, sizeof f, 0) > 0);
    assert_true(memcmp(f + 8, last, 12) > 0);
    tst_store_free(m);
}

/* AOS: FHEC and insert zone before the security header are authenticated too. */
static void test_aos_roundtrip(void **state)
{
    (void)state;
    pair_init(9);
    enum { N = 512 };
    static uint8_t f[N], g[N];
    aus_sdls_link l = {.frame_len = N, .fecf = AUS_SDLS_FECF_YES, .ocf = 1, .fhec = 1, .iz_len = 4};
    memset(f, 0xA5, N);
    f[0] = 0x40 | 0x01; /* TFVN 01, SCID 0x04.. */
    f[1] = 0x05;        /* VCID 5 */
    uint8_t plain[N];
    memcpy(plain, f, N);
    assert_int_equal(aus_sdls_aos_apply(&tx.t, &l, 9, f, N, 0), AUS_OK);
    size_t data = 6 + 2 + 4 + 14, dlen = N - data - 16 - 4 - 2;
    assert_memory_not_equal(f + data, plain + data, 32);
    assert_memory_equal(f + 6, plain + 6, 6); /* FHEC and insert zone untouched */
    for (size_t byte = 0; byte < data; byte++) {
        if (byte == 12 || byte == 13)
            continue; /* SPI */
        memcpy(g, f, N);
        g[byte] ^= 0x01;
        fix_fecf(g, N);
        aus_sdls_rx out;
        aus_err e = aus_sdls_aos_process(&rx.t, &l, g, N, 0, &out);
        assert_int_equal(e, byte < 2 && (g[0] >> 6) != 1 ? AUS_E_MALFORMED : AUS_E_AUTH);
    }
    aus_sdls_rx out;
    assert_int_equal(aus_sdls_aos_process(&rx.t, &l, f, N, 0, &out), AUS_OK);
    assert_int_equal(out.data_off, data);
    assert_int_equal(out.data_len, dlen);
    assert_memory_equal(f + data, plain + data, dlen);
    /* wrong TFVN for AOS (a TM frame on an AOS link) */
    f[0] = 0x01;
    assert_int_equal(aus_sdls_aos_process(&rx.t, &l, f, N, 0, &out), AUS_E_MALFORMED);
    assert_int_equal(aus_sdls_aos_process(&rx.t, &l, f, N - 1, 0, &out), AUS_E_MALFORMED);
}

/* The receiver's window survives a restart; a store failure rejects and changes nothing. */
static void test_rx_persistence(void **state)
{
    (void)state;
    tst_store *m = tst_store_new();
    aus_store s = tst_store_iface(m);
    pair_init(4);
    assert_int_equal(aus_sdls_set_store(&rx.t, &s, "sdls/r/"), AUS_OK);
    uint8_t fr[3][128], g[128];
    int n[3];
    for (int i = 0; i < 3; i++) {
        size_t len = tc_frame(fr[i], (const uint8_t *)"rx", 2);
        n[i] = aus_sdls_tc_apply(&tx.t, &TCL, 4, fr[i], len, sizeof fr[i], 0);
        assert_true(n[i] > 0);
    }
    aus_sdls_rx out;
    memcpy(g, fr[1], (size_t)n[1]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[1], 0, &out), AUS_OK);
    assert_int_equal(tst_store_writes(m), 1);
    /* restart: a fresh receiver with the same SA; frame 0 and 1 are replays now */
    static const uint8_t zero[12] = {0};
    assert_int_equal(aus_sdls_simple_init(&rx, aus_crypto_default(), 4, KEY, 32, zero), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&rx.t, &s, "sdls/r/"), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&rx.t, 4), AUS_OK);
    memcpy(g, fr[1], (size_t)n[1]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[1], 0, &out), AUS_E_REPLAY);
    memcpy(g, fr[0], (size_t)n[0]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[0], 0, &out), AUS_E_REPLAY);
    /* a store failure while recording frame 2: rejected, SA unchanged, then accepted */
    aus_sdls_sa keep = *aus_sdls_sa_find(&rx.t, 4);
    tst_store_fail_after(m, 0, 0);
    memcpy(g, fr[2], (size_t)n[2]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[2], 0, &out), AUS_E_IO);
    assert_memory_equal(aus_sdls_sa_find(&rx.t, 4)->iv, keep.iv, 12);
    memcpy(g, fr[2], (size_t)n[2]);
    assert_int_equal(aus_sdls_tc_process(&rx.t, &TCL, g, (size_t)n[2], 0, &out), AUS_OK);
    assert_memory_equal(g + out.data_off, "rx", 2);
    tst_store_free(m);
}

static int teardown(void **state)
{
    (void)state;
    aus_sdls_simple_wipe(&tx);
    aus_sdls_simple_wipe(&rx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_tc_roundtrip),
        cmocka_unit_test(test_tc_bitflips),
        cmocka_unit_test(test_tm_bitflips),
        cmocka_unit_test(test_replay_and_window),
        cmocka_unit_test(test_spi_errors),
        cmocka_unit_test(test_sa_management),
        cmocka_unit_test(test_key_lookup_errors),
        cmocka_unit_test(test_tc_apply_errors),
        cmocka_unit_test(test_iv_exhaustion),
        cmocka_unit_test(test_counter_reservation),
        cmocka_unit_test(test_counter_compare_and_advance),
        cmocka_unit_test(test_rx_persistence),
        cmocka_unit_test(test_aos_roundtrip),
    };
    return cmocka_run_group_tests(t, NULL, teardown);
}
