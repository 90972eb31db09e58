/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS-EP over the CCSDS convergence layer, end to end with the real keystore and EP handler:
 * OTAR of a new key, activation, verification (reply checked on the ground) and the rekey of
 * the uplink traffic SA (stop, expire, rekey, start) — every command in its own TC frame on
 * the EP MAP under the management SA (SPI 0), every reply in a Space Packet on the EP APID of
 * the downlink — with bundles flowing before and after, under the new key. */
#include "aus_test.h"
#include "tst_ep.h"
#include "tst_sdls.h"

#include "australis/cl_ccsds.h"
#include "australis/crypto.h"
#include "australis/sdls_ep.h"

static const uint8_t MASTER[32] = {0xAA, 1, 2, 3};
static const uint8_t MGMT[32] = {0xBB, 4, 5, 6};
static const uint8_t TMKEY[32] = {0xCC, 7, 8, 9};
static const uint8_t TCKEY[32] = {0xDD, 7, 8, 9};
#define PASS_CAP (1u << 20)

typedef struct side {
    tst_store *m;
    aus_store st;
    aus_keys ks;
    aus_sdls_table t;
    aus_ep_sdls ad;
    aus_ep_board b;
    uint8_t kek[32];
    aus_cl_ccsds c;
    uint64_t bundles;
    size_t nrep;
    uint8_t rep[AUS_EP_REPLY_MAX];
    size_t rep_len;
    aus_err last_ep;
} side;

static uint64_t now = 1000;

static void on_bundle(void *u, const uint8_t *b, size_t n)
{
    side *s = u;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(b[i], (uint8_t)(s->bundles + i));
    s->bundles++;
}

/* satellite: hand the PDU to the EP handler and send its reply down; ground: keep the reply */
static void on_ep(void *u, const uint8_t *p, size_t n, uint16_t spi)
{
    side *s = u;
    if (s->c.cfg.role == AUS_CL_CCSDS_GROUND) {
        assert_true(n <= sizeof s->rep);
        memcpy(s->rep, p, n);
        s->rep_len = n;
        s->nrep++;
        return;
    }
    assert_int_equal(spi, 0); /* only the management SA carries EP PDUs here */
    uint8_t reply[AUS_EP_REPLY_MAX];
    size_t rl = 0;
    s->last_ep = aus_ep_handle(&s->b, p, n, spi, now, reply, sizeof reply, &rl);
    if (rl > 0)
        assert_int_equal(aus_cl_ccsds_ep_send(&s->c, reply, rl, now), AUS_OK);
}

static const aus_cl_ccsds_ops OPS = {on_bundle, on_ep};

static void sa_setup(aus_sdls_table *t, uint16_t spi, uint16_t kid)
{
    aus_sdls_sa_cfg c;
    tst_sdls_gcm_cfg(&c, spi);
    assert_int_equal(tst_sdls_sa_up(t, &c, kid, NULL), AUS_OK);
}

static side *side_new(uint8_t role)
{
    side *s = calloc(1, sizeof *s);
    s->m = tst_store_new();
    s->st = tst_store_iface(s->m);
    s->kek[0] = (uint8_t)(role + 1);
    assert_int_equal(aus_keys_open(&s->ks, &s->st, aus_crypto_default(), s->kek, 32, "k/"), AUS_OK);
    assert_int_equal(aus_keys_install(&s->ks, 1, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, MASTER, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(&s->ks, 0x80, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, MGMT, 32, 1),
                     AUS_OK);
    assert_int_equal(
        aus_keys_install(&s->ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, TMKEY, 32, 1), AUS_OK);
    assert_int_equal(
        aus_keys_install(&s->ks, 0x101, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, TCKEY, 32, 1), AUS_OK);
    assert_int_equal(aus_sdls_init(&s->t, aus_crypto_default(), &aus_keys_sdls_ops, &s->ks),
                     AUS_OK);
    assert_int_equal(aus_sdls_set_store(&s->t, &s->st, "sdls/"), AUS_OK);
    sa_setup(&s->t, 0, 0x80);  /* management: EP PDUs */
    sa_setup(&s->t, 1, 0x100); /* TM */
    sa_setup(&s->t, 2, 0x101); /* TC traffic */
    assert_int_equal(aus_ep_sdls_init(&s->ad, &s->t, &s->st, "ep/"), AUS_OK);
    assert_int_equal(
        aus_ep_board_init(&s->b, &s->ks, aus_crypto_default(), &aus_ep_sdls_ops, &s->ad, "ep/"),
        AUS_OK);
    aus_cl_ccsds_cfg cfg;
    aus_cl_ccsds_cfg_default(&cfg, role);
    cfg.tm_spi = 1;
    cfg.tc_spi = 2;
    cfg.ep_spi = 0;
    assert_int_equal(aus_cl_ccsds_init(&s->c, &cfg, &s->t, &s->st, "clc/", &OPS, s, now), AUS_OK);
    return s;
}

static void side_free(side *s)
{
    aus_keys_close(&s->ks);
    tst_store_free(s->m);
    free(s);
}

static uint8_t *buf;

static void pass(side *g, side *s)
{
    size_t n = 0;
    assert_int_equal(aus_cl_ccsds_pass_out(&g->c, buf, PASS_CAP, now, &n), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_in(&s->c, buf, n, now), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_out(&s->c, buf, PASS_CAP, now, &n), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_in(&g->c, buf, n, now), AUS_OK);
    now += 1000;
}

static void bundles(side *g, side *s, size_t k)
{
    static uint64_t sent;
    uint8_t b[1500];
    for (size_t i = 0; i < k; i++, sent++) {
        for (size_t j = 0; j < sizeof b; j++)
            b[j] = (uint8_t)(sent + j);
        assert_int_equal(aus_cl_ccsds_send(&g->c, b, sizeof b, now), AUS_OK);
    }
    pass(g, s);
    assert_int_equal(s->bundles, sent);
}

/* One EP command up, its reply down; returns the handler's verdict. */
static aus_err ep(side *g, side *s, const uint8_t *pdu, size_t n)
{
    size_t before = g->nrep;
    s->last_ep = AUS_E_INTERNAL;
    assert_int_equal(aus_cl_ccsds_ep_send(&g->c, pdu, n, now), AUS_OK);
    pass(g, s);
    assert_int_equal(g->nrep, before + 1);
    return s->last_ep;
}

static void test_otar_and_sa_rekey_over_ccsds(void **state)
{
    (void)state;
    buf = malloc(PASS_CAP);
    side *g = side_new(AUS_CL_CCSDS_GROUND), *s = side_new(AUS_CL_CCSDS_SAT);
    bundles(g, s, 5);
    /* OTAR of key 0x0200 under master key 1 */
    uint8_t pdu[512];
    aus_ctr ivc;
    assert_int_equal(aus_ctr_open(&ivc, &g->st, "ground/otar-iv", UINT64_MAX - 1, 16), AUS_OK);
    const uint16_t ids[] = {0x0200};
    int n = aus_ep_ground_otar(&g->ks, aus_crypto_default(), &ivc, 1, ids, 1, 10, pdu, sizeof pdu);
    assert_true(n > 0);
    assert_int_equal(ep(g, s, pdu, (size_t)n), AUS_OK);
    assert_int_equal(g->rep[0], 0x81); /* the OTAR reply tag */
    /* activate on both ends, then verify: the ground checks the satellite's answer */
    assert_int_equal(ep(g, s, pdu, tst_ep_key_pdu(pdu, sizeof pdu, AUS_EP_KEY_ACTIVATE, 0x0200)),
                     AUS_OK);
    assert_int_equal(aus_keys_activate(&g->ks, 0x0200, 11), AUS_OK);
    uint8_t challenge[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t vpdu[64];
    size_t vn = tst_ep_verify_pdu(vpdu, sizeof vpdu, 0x0200, challenge);
    assert_int_equal(ep(g, s, vpdu, vn), AUS_OK);
    aus_ep_cmd req;
    aus_ep_reply rep;
    assert_int_equal(aus_ep_cmd_decode(&req, vpdu, vn), AUS_OK);
    assert_int_equal(aus_ep_reply_decode(&rep, g->rep, g->rep_len), AUS_OK);
    assert_int_equal(aus_ep_verify_check(aus_crypto_default(), &g->ks, &req, &rep), AUS_OK);
    /* rekey of the uplink traffic SA 2 to key 0x0200 (EP PDUs keep flowing on SA 0) */
    const uint8_t order[] = {AUS_EP_SA_STOP, AUS_EP_SA_EXPIRE};
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(ep(g, s, pdu, tst_ep_sa_pdu(pdu, sizeof pdu, order[i], 2)), AUS_OK);
    assert_int_equal(ep(g, s, pdu, tst_ep_rekey_pdu(pdu, sizeof pdu, 2, 0x0200)), AUS_OK);
    assert_int_equal(
        ep(g, s, pdu, tst_ep_start_pdu(pdu, sizeof pdu, 2, (aus_ep_gvcid){0, 100, 4, 0})), AUS_OK);
    aus_sdls_gvcid gv = {0, 100, 4, 0, 0};
    tst_sdls_sa_switch(&g->t, 2, 0x0200, &gv);
    /* traffic under the new key; the satellite's SA 2 now answers to key 0x0200 only */
    bundles(g, s, 5);
    const aus_sdls_sa *sa = aus_sdls_sa_find(&s->t, 2);
    assert_non_null(sa);
    assert_int_equal(sa->ekid, 0x0200);
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(&s->c, &st);
    assert_int_equal(st.ep_rx, 7);
    assert_int_equal(st.sdls_auth + st.sdls_replay + st.sdls_spi, 0);
    aus_cl_ccsds_stats_get(&g->c, &st);
    assert_int_equal(st.ep_rx, 7);
    side_free(g);
    side_free(s);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otar_and_sa_rekey_over_ccsds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
