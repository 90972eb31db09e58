/* SPDX-License-Identifier: Apache-2.0 */
/* In-process ground and satellite: OTAR, key activation, key verification and SA rekey run
 * end to end with every EP PDU carried in SDLS-protected TC frames (management SA 0), while
 * traffic flows on SA 1: accepted before, refused during the switch (SA not operational),
 * accepted after under the new key, and refused under the old key or anyone else's. */
#include "aus_test.h"
#include "tst_ep.h"
#include "tst_sdls.h"
#include "australis/base.h"
#include "australis/sdls_ep.h"
#include "crypto_openssl.h"

static const uint8_t MASTER[32] = {0xAA, 1, 2, 3};
static const uint8_t MGMT[32] = {0xBB, 4, 5, 6};
static const uint8_t TRAFFIC0[32] = {0xCC, 7, 8, 9};
static const aus_sdls_link LINK = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES, .seg_hdr = 1};
#define SCID 0x2A
#define VCID 4

typedef struct side {
    tst_store *m;
    aus_store st;
    aus_keys ks;
    aus_sdls_table t;
    aus_ep_sdls ad;
    aus_ep_board b;
    uint8_t kek[32];
} side;

static void sa_setup(aus_sdls_table *t, uint16_t spi, uint16_t kid)
{
    aus_sdls_sa_cfg c;
    tst_sdls_gcm_cfg(&c, spi);
    c.arsnw = 8;
    c.abm_len = 5 + 1 + 2 + 12;
    c.flags = 0;
    aus_sdls_gvcid g = {0, SCID, VCID, 0, 0};
    assert_int_equal(tst_sdls_sa_up(t, &c, kid, &g), AUS_OK);
}

static side *side_new(uint8_t who)
{
    side *s = calloc(1, sizeof *s);
    s->m = tst_store_new();
    s->st = tst_store_iface(s->m);
    s->kek[0] = who;
    assert_int_equal(aus_keys_open(&s->ks, &s->st, aus_crypto_default(), s->kek, 32, "k/"), AUS_OK);
    assert_int_equal(aus_keys_install(&s->ks, 1, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, MASTER, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(&s->ks, 0x80, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, MGMT, 32, 1),
                     AUS_OK);
    assert_int_equal(
        aus_keys_install(&s->ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, TRAFFIC0, 32, 1),
        AUS_OK);
    assert_int_equal(aus_sdls_init(&s->t, aus_crypto_default(), &aus_keys_sdls_ops, &s->ks),
                     AUS_OK);
    assert_int_equal(aus_sdls_set_store(&s->t, &s->st, "sdls/"), AUS_OK);
    sa_setup(&s->t, 0, 0x80);
    sa_setup(&s->t, 1, 0x100);
    assert_int_equal(aus_ep_sdls_init(&s->ad, &s->t, &s->st, "ep/"), AUS_OK);
    assert_int_equal(
        aus_ep_board_init(&s->b, &s->ks, aus_crypto_default(), &aus_ep_sdls_ops, &s->ad, "ep/"),
        AUS_OK);
    return s;
}

static void side_free(side *s)
{
    aus_keys_close(&s->ks);
    tst_store_free(s->m);
    free(s);
}

static uint8_t seq;
/* Ground: a TC frame carrying `data` on SA spi. Returns the frame length. */
static size_t tc_send(side *g, uint16_t spi, const uint8_t *data, size_t n, uint8_t *f)
{
    size_t len = 5 + 1 + n + 2;
    f[0] = (uint8_t)(0x20 | (SCID >> 8));
    f[1] = (uint8_t)SCID;
    f[2] = (uint8_t)(VCID << 2 | ((len - 1) >> 8));
    f[3] = (uint8_t)(len - 1);
    f[4] = seq++;
    f[5] = 0xC0;
    memcpy(f + 6, data, n);
    int r = aus_sdls_tc_apply(&g->t, &LINK, spi, f, len, 1024, 100);
    assert_true(r > 0);
    return (size_t)r;
}

/* Satellite: process a TC frame; EP PDUs on SA 0 go to the board. */
static aus_err tc_recv(side *s, uint8_t *f, size_t len, uint8_t *reply, size_t *rlen)
{
    aus_sdls_rx rx;
    AUS_TRY(aus_sdls_tc_process(&s->t, &LINK, f, len, 100, &rx));
    if (rx.spi != 0)
        return AUS_OK; /* traffic */
    return aus_ep_handle(&s->b, f + rx.data_off, rx.data_len, rx.spi, 100, reply, AUS_EP_REPLY_MAX,
                         rlen);
}

static aus_err ep(side *g, side *s, const uint8_t *pdu, size_t n, uint8_t *reply, size_t *rlen)
{
    uint8_t f[1024];
    size_t fl = tc_send(g, 0, pdu, n, f);
    uint8_t copy[1024];
    memcpy(copy, f, fl);
    aus_err e = tc_recv(s, f, fl, reply, rlen);
    /* the same frame again: the SDLS anti-replay window refuses it before the handler */
    size_t r2;
    uint8_t rep2[AUS_EP_REPLY_MAX];
    assert_int_equal(tc_recv(s, copy, fl, rep2, &r2), AUS_E_REPLAY);
    return e;
}

static aus_err traffic(side *from, side *to, const char *text)
{
    uint8_t f[1024];
    size_t fl = tc_send(from, 1, (const uint8_t *)text, strlen(text), f);
    size_t rl;
    uint8_t rep[AUS_EP_REPLY_MAX];
    return tc_recv(to, f, fl, rep, &rl);
}

static void test_otar_verify_sa_rekey(void **st)
{
    (void)st;
    side *g = side_new(1), *s = side_new(2);
    uint8_t pdu[512], reply[AUS_EP_REPLY_MAX];
    size_t rl;
    aus_ep_cmd c;
    assert_int_equal(traffic(g, s, "before"), AUS_OK);
    /* 1. OTAR of key 0x0200 under master key 1 */
    aus_ctr ivc;
    assert_int_equal(aus_ctr_open(&ivc, &g->st, "ground/otar-iv", UINT64_MAX - 1, 16), AUS_OK);
    const uint16_t ids[] = {0x0200};
    int n = aus_ep_ground_otar(&g->ks, aus_crypto_default(), &ivc, 1, ids, 1, 10, pdu, sizeof pdu);
    assert_true(n > 0);
    assert_int_equal(ep(g, s, pdu, (size_t)n, reply, &rl), AUS_OK);
    assert_int_equal(reply[0], 0x81);
    /* the same OTAR again (a fresh frame, so SDLS passes it): its key is installed as it says,
     * so the handler answers it again and installs nothing (the first answer may have been
     * lost); the key stays PREACTIVE */
    assert_int_equal(ep(g, s, pdu, (size_t)n, reply, &rl), AUS_OK);
    assert_int_equal(reply[0], 0x81);
    aus_key_info ki;
    assert_int_equal(aus_keys_info(&s->ks, 0x0200, &ki), AUS_OK);
    assert_int_equal(ki.state, AUS_KEY_PREACTIVE);
    /* 2. verification of a pre-active key is refused; activate then verify */
    uint8_t challenge[16];
    assert_int_equal(aus_crypto_default()->ops->random(NULL, challenge, 16), AUS_OK);
    uint8_t vpdu[64];
    size_t vn = tst_ep_verify_pdu(vpdu, sizeof vpdu, 0x0200, challenge);
    assert_int_equal(ep(g, s, vpdu, vn, reply, &rl), AUS_E_KEY_STATE);
    size_t pn = tst_ep_key_pdu(pdu, sizeof pdu, AUS_EP_KEY_ACTIVATE, 0x0200);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    assert_int_equal(aus_keys_activate(&g->ks, 0x0200, 11), AUS_OK);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_E_KEY_STATE); /* replay */
    assert_int_equal(ep(g, s, vpdu, vn, reply, &rl), AUS_OK);
    aus_ep_cmd req;
    aus_ep_reply rep;
    assert_int_equal(aus_ep_cmd_decode(&req, vpdu, vn), AUS_OK);
    assert_int_equal(aus_ep_reply_decode(&rep, reply, rl), AUS_OK);
    assert_int_equal(aus_ep_verify_check(aus_crypto_default(), &g->ks, &req, &rep), AUS_OK);
    /* 3. SA rekey of SA 1 to key 0x0200: stop, expire, rekey, start */
    const uint8_t order[] = {AUS_EP_SA_STOP, AUS_EP_SA_EXPIRE};
    for (size_t i = 0; i < 2; i++) {
        pn = tst_ep_sa_pdu(pdu, sizeof pdu, order[i], 1);
        assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    }
    assert_int_equal(aus_sdls_sa_stop(&g->t, 1), AUS_OK);
    assert_int_equal(aus_sdls_sa_expire(&g->t, 1), AUS_OK);
    /* during the switch traffic on SA 1 is refused (the ground cannot even send) */
    uint8_t f[1024];
    memcpy(f + 6, "x", 1);
    f[0] = 0x20;
    f[1] = SCID;
    f[2] = VCID << 2;
    f[3] = 8;
    assert_true(aus_sdls_tc_apply(&g->t, &LINK, 1, f, 9, sizeof f, 100) < 0);
    pn = tst_ep_rekey_pdu(pdu, sizeof pdu, 1, 0x0200);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_E_STATE); /* replay */
    pn = tst_ep_start_pdu(pdu, sizeof pdu, 1, (aus_ep_gvcid){0, SCID, VCID, 0});
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    /* a ground that did not switch (still the old key) is refused; one that did is accepted */
    side *stale = side_new(1);
    assert_int_equal(traffic(stale, s, "old key"), AUS_E_AUTH);
    assert_int_equal(aus_sdls_sa_rekey(&g->t, 1, 0x0200, 0x0200, NULL, 0), AUS_OK);
    aus_sdls_gvcid gv = {0, SCID, VCID, 0, 0};
    assert_int_equal(aus_sdls_sa_start(&g->t, 1, &gv), AUS_OK);
    assert_int_equal(traffic(g, s, "after"), AUS_OK);
    /* anyone else (own master/management keys unknown): refused at SDLS */
    side *eve = side_new(3);
    uint8_t junk[32] = {0xEE};
    assert_int_equal(
        aus_keys_install(&eve->ks, 0x0200, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, junk, 32, 1), AUS_OK);
    tst_sdls_sa_switch(&eve->t, 1, 0x0200, &gv);
    eve->t.sa[1].iv[11] = 0x40; /* ahead of the window is not the problem: the MAC is */
    assert_int_equal(traffic(eve, s, "forged"), AUS_E_AUTH);
    /* 4. retire the old traffic key: deactivate then destroy; SA 1 keeps working */
    pn = tst_ep_key_pdu(pdu, sizeof pdu, AUS_EP_KEY_DEACTIVATE, 0x0100);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    pn = tst_ep_key_pdu(pdu, sizeof pdu, AUS_EP_KEY_DESTROY, 0x0100);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_E_KEY_STATE);
    assert_int_equal(traffic(g, s, "after retire"), AUS_OK);
    /* inventory shows the story */
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_INVENTORY;
    c.u.inventory.first = 0x0080;
    c.u.inventory.last = 0x7FFF;
    pn = tst_ep_enc(pdu, sizeof pdu, &c);
    assert_int_equal(ep(g, s, pdu, pn, reply, &rl), AUS_OK);
    assert_int_equal(aus_ep_reply_decode(&rep, reply, rl), AUS_OK);
    assert_int_equal(rep.u.inventory.n, 3);
    assert_int_equal(rep.u.inventory.ids[1], 0x0100);
    assert_int_equal(rep.u.inventory.states[1], AUS_KEY_DESTROYED);
    assert_int_equal(rep.u.inventory.ids[2], 0x0200);
    assert_int_equal(rep.u.inventory.states[2], AUS_KEY_ACTIVE);
    side_free(eve);
    side_free(stale);
    side_free(g);
    side_free(s);
}

int main(void)
{
    aus_crypto_set_default(aus_crypto_openssl());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otar_verify_sa_rekey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
