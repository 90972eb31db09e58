/* SPDX-License-Identifier: Apache-2.0 */
/* Post-quantum rekey end to end: in-process ground and satellite, traffic before / during /
 * after the switch, replays / reordering / forgeries, long-term rotations, crash at every
 * write of every step. */
#include <time.h>

#include "aus_test.h"
#include "australis/base.h"
#include "australis/pq.h"
#include "australis/rekey.h"
#include "crypto_openssl.h"

static const uint8_t CTX[] = "mission-A/tenant-1/ipn:100";
#define OVERLAP 100

typedef struct node {
    tst_store *m;
    aus_store st;
    aus_keys ks;
    aus_rekey rk;
    uint8_t kek[32];
} node;

/* Long-term material shared by a ground/sat pair, generated once per test run. */
typedef struct world {
    uint8_t master[32], ek0[32], ak0[32];
    uint8_t kem_ek[AUS_MLKEM768_EK_BYTES], kem_dk[AUS_MLKEM768_DK_BYTES];
    uint8_t g_vk[AUS_MLDSA65_PK_BYTES], g_sk[AUS_MLDSA65_SK_BYTES];
    uint8_t s_vk[AUS_MLDSA65_PK_BYTES], s_sk[AUS_MLDSA65_SK_BYTES];
} world;
static world W;

static void world_init(void)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) {
        W.master[i] = (uint8_t)(0x10 + i);
        W.ek0[i] = (uint8_t)(0x40 + i);
        W.ak0[i] = (uint8_t)(0x80 + i);
        seed[i] = (uint8_t)i;
    }
    assert_int_equal(aus_mlkem768_keygen_derand(W.kem_ek, W.kem_dk, seed, seed), AUS_OK);
    seed[0] = 1;
    assert_int_equal(aus_mldsa65_keygen_derand(W.g_vk, W.g_sk, seed), AUS_OK);
    seed[0] = 2;
    assert_int_equal(aus_mldsa65_keygen_derand(W.s_vk, W.s_sk, seed), AUS_OK);
}

static void node_open(node *n)
{
    assert_int_equal(aus_keys_open(&n->ks, &n->st, aus_crypto_default(), n->kek, 32, "t1/"),
                     AUS_OK);
    assert_int_equal(
        aus_rekey_open(&n->rk, &n->ks, aus_crypto_default(), "t1/", CTX, sizeof CTX - 1), AUS_OK);
}

static node *node_new(int role)
{
    node *n = calloc(1, sizeof *n);
    n->m = tst_store_new();
    n->st = tst_store_iface(n->m);
    n->kek[0] = (uint8_t)role;
    assert_int_equal(aus_keys_open(&n->ks, &n->st, aus_crypto_default(), n->kek, 32, "t1/"),
                     AUS_OK);
    aus_keys *k = &n->ks;
    int sat = role == AUS_REKEY_SAT;
    assert_int_equal(aus_keys_install(k, 1, AUS_KEY_T_MASTER, AUS_KEY_ACTIVE, W.master, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(k, 0x100, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, W.ek0, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(k, 0x101, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, W.ak0, 32, 1),
                     AUS_OK);
    if (sat)
        assert_int_equal(aus_keys_install(k, AUS_REKEY_ID_KEM, AUS_KEY_T_MLKEM768_DK,
                                          AUS_KEY_ACTIVE, W.kem_dk, sizeof W.kem_dk, 1),
                         AUS_OK);
    else
        assert_int_equal(aus_keys_install(k, AUS_REKEY_ID_KEM, AUS_KEY_T_MLKEM768_EK,
                                          AUS_KEY_ACTIVE, W.kem_ek, sizeof W.kem_ek, 1),
                         AUS_OK);
    assert_int_equal(aus_keys_install(k, AUS_REKEY_ID_DSA_SK, AUS_KEY_T_MLDSA65_SK, AUS_KEY_ACTIVE,
                                      sat ? W.s_sk : W.g_sk, AUS_MLDSA65_SK_BYTES, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(k, AUS_REKEY_ID_DSA_VK, AUS_KEY_T_MLDSA65_VK, AUS_KEY_ACTIVE,
                                      sat ? W.s_vk : W.g_vk, AUS_MLDSA65_PK_BYTES, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_install(k, AUS_REKEY_ID_PEER_VK, AUS_KEY_T_MLDSA65_VK, AUS_KEY_ACTIVE,
                                      sat ? W.g_vk : W.s_vk, AUS_MLDSA65_PK_BYTES, 1),
                     AUS_OK);
    aus_rekey_state s;
    memset(&s, 0, sizeof s);
    s.role = (uint8_t)role;
    s.mkid = 1;
    s.overlap = OVERLAP;
    s.cur = (aus_rekey_pair){0x100, 0x101};
    s.kem = AUS_REKEY_ID_KEM;
    s.dsa_sk = AUS_REKEY_ID_DSA_SK;
    s.dsa_vk = AUS_REKEY_ID_DSA_VK;
    s.peer_vk = AUS_REKEY_ID_PEER_VK;
    s.sign_responses = (uint8_t)sat;
    assert_int_equal(
        aus_rekey_provision(&n->rk, k, aus_crypto_default(), "t1/", CTX, sizeof CTX - 1, &s),
        AUS_OK);
    assert_int_equal(
        aus_rekey_provision(&n->rk, k, aus_crypto_default(), "t1/", CTX, sizeof CTX - 1, &s),
        AUS_E_STATE);
    return n;
}

static void node_reboot(node *n)
{
    tst_store_fail_after(n->m, -1, 0);
    aus_rekey_close(&n->rk);
    aus_keys_close(&n->ks);
    node_open(n);
}

static void node_free(node *n)
{
    aus_rekey_close(&n->rk);
    aus_keys_close(&n->ks);
    tst_store_free(n->m);
    free(n);
}

/* ---- traffic: AES-256-GCM under the sender's current EK, key id in the clear (AAD) ---- */

static uint64_t g_iv = 1;
static size_t seal(node *n, const char *text, uint8_t *out)
{
    aus_rekey_pair p;
    aus_rekey_tx_keys(&n->rk, &p);
    uint8_t key[32];
    size_t kl;
    assert_int_equal(aus_keys_get(&n->ks, p.ek, AUS_KEY_USE_SEND, 0, key, 32, &kl), AUS_OK);
    size_t tl = strlen(text);
    out[0] = (uint8_t)(p.ek >> 8);
    out[1] = (uint8_t)p.ek;
    memset(out + 2, 0, 12);
    uint64_t iv = g_iv++;
    memcpy(out + 2, &iv, sizeof iv);
    aus_iov aad = {out, 2};
    const aus_crypto *c = aus_crypto_default();
    assert_int_equal(c->ops->aead_seal(c->self, AUS_AEAD_AES256_GCM, key, 32, out + 2, 12, &aad, 1,
                                       (const uint8_t *)text, tl, out + 14, out + 14 + tl, 16),
                     AUS_OK);
    return 14 + tl + 16;
}

static aus_err open_msg(node *n, const uint8_t *in, size_t len, uint64_t now)
{
    uint16_t kid = (uint16_t)(in[0] << 8 | in[1]);
    uint8_t key[32], pt[256];
    size_t kl;
    AUS_TRY(aus_keys_get(&n->ks, kid, AUS_KEY_USE_RECV, now, key, 32, &kl));
    aus_iov aad = {in, 2};
    const aus_crypto *c = aus_crypto_default();
    AUS_TRY(c->ops->aead_open(c->self, AUS_AEAD_AES256_GCM, key, 32, in + 2, 12, &aad, 1, in + 14,
                              len - 30, in + len - 16, 16, pt));
    return aus_rekey_note_rx(&n->rk, kid, now);
}

static uint8_t req[AUS_REKEY_MSG_MAX], rsp[AUS_REKEY_MSG_MAX];

/* One full rekey at time `now`; returns after both sides send under the new pair. */
static void full_rekey(node *g, node *s, uint64_t now)
{
    int rq = aus_rekey_pq_request_build(&g->rk, now, req, sizeof req);
    assert_true(rq > 0);
    int rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, now + 1, rsp, sizeof rsp);
    assert_true(rs > 0);
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs, now + 2), AUS_OK);
    uint8_t b[128];
    size_t n = seal(g, "after", b);
    assert_int_equal(open_msg(s, b, n, now + 3), AUS_OK);
    aus_rekey_pair pg, ps;
    aus_rekey_tx_keys(&g->rk, &pg);
    aus_rekey_tx_keys(&s->rk, &ps);
    assert_int_equal(pg.ek, ps.ek);
    assert_int_equal(s->rk.st.cur.ek, pg.ek);
}

static void test_end_to_end(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    node *eve = node_new(AUS_REKEY_GROUND);
    /* eve has her own session keys under the same ids */
    uint8_t b[128], old_in_flight[128], eb[128];
    size_t n;
    n = seal(g, "before", b);
    assert_int_equal(open_msg(s, b, n, 10), AUS_OK);
    n = seal(s, "before-down", b);
    assert_int_equal(open_msg(g, b, n, 10), AUS_OK);
    aus_keys_close(&eve->ks);
    eve->kek[5] = 9;
    /* the request */
    int rq = aus_rekey_pq_request_build(&g->rk, 100, req, sizeof req);
    assert_true(rq > 4000 && rq < 5000);
    assert_int_equal(aus_rekey_msg_type(req, (size_t)rq), AUS_REKEY_MSG_REQUEST);
    aus_rekey_pair newp = g->rk.st.pend;
    assert_int_equal(newp.ek, 0x0102);
    /* during: ground still sends under the old pair, sat accepts it */
    n = seal(g, "during-up", b);
    assert_int_equal(b[1], 0x00);
    assert_int_equal(open_msg(s, b, n, 101), AUS_OK);
    int rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 102, rsp, sizeof rsp);
    assert_true(rs > 0);
    /* same derived keys on both sides */
    uint8_t kg[32], ks[32];
    size_t kl;
    assert_int_equal(aus_keys_get(&g->ks, newp.ek, AUS_KEY_USE_RECV, 102, kg, 32, &kl), AUS_OK);
    assert_int_equal(aus_keys_get(&s->ks, newp.ek, AUS_KEY_USE_RECV, 102, ks, 32, &kl), AUS_OK);
    assert_memory_equal(kg, ks, 32);
    assert_false(memcmp(kg, W.ek0, 32) == 0);
    /* the sat now sends under the new pair; the ground can read it before the confirmation */
    n = seal(s, "during-down", b);
    assert_int_equal(b[1], 0x02);
    /* ground still sends under old (in flight while the response travels) */
    size_t on = seal(g, "old-in-flight", old_in_flight);
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs, 103), AUS_OK);
    assert_int_equal(open_msg(g, b, n, 104), AUS_OK);
    assert_int_equal(g->rk.st.cur.ek, newp.ek);
    /* after: ground sends under the new pair; the sat switches on first receipt */
    n = seal(g, "after-up", b);
    assert_int_equal(s->rk.st.cur.ek, 0x100);
    assert_int_equal(open_msg(s, b, n, 105), AUS_OK);
    assert_int_equal(s->rk.st.cur.ek, newp.ek);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&s->ks, 0x100, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DEACTIVATED);
    assert_int_equal(i.deadline, 105 + OVERLAP);
    /* old-key bundles in flight: accepted until the deadline, refused after */
    assert_int_equal(open_msg(s, old_in_flight, on, 105 + OVERLAP - 1), AUS_OK);
    assert_int_equal(open_msg(s, old_in_flight, on, 105 + OVERLAP), AUS_E_KEY_STATE);
    assert_int_equal(aus_rekey_on_timer(&s->rk, 105 + OVERLAP), AUS_OK);
    assert_int_equal(aus_keys_info(&s->ks, 0x100, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DESTROYED);
    assert_int_equal(aus_keys_info(&s->ks, 0x101, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DESTROYED);
    /* nobody else: eve's traffic under ids the sat knows fails authentication */
    aus_keys_close(&eve->ks);
    assert_int_equal(aus_keys_open(&eve->ks, &eve->st, aus_crypto_default(), eve->kek, 32, "e/"),
                     AUS_OK);
    uint8_t junk[32];
    memset(junk, 0x5A, 32);
    assert_int_equal(
        aus_keys_install(&eve->ks, newp.ek, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, junk, 32, 1),
        AUS_OK);
    eve->rk.keys = &eve->ks;
    eve->rk.st.cur = newp;
    eve->rk.st.role = AUS_REKEY_GROUND;
    n = seal(eve, "forged", eb);
    assert_int_equal(open_msg(s, eb, n, 106), AUS_E_AUTH);
    /* a second rekey completes too, and the new pair differs */
    full_rekey(g, s, 300);
    assert_int_equal(g->rk.st.cur.ek, 0x0104);
    node_free(eve);
    node_free(g);
    node_free(s);
}

static void test_replay_reorder_forge(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    static uint8_t r1[AUS_REKEY_MSG_MAX], r2[AUS_REKEY_MSG_MAX], rs1[AUS_REKEY_MSG_MAX];
    int n1 = aus_rekey_pq_request_build(&g->rk, 10, r1, sizeof r1);
    int n2 = aus_rekey_pq_request_build(&g->rk, 11, r2, sizeof r2); /* supersedes r1 */
    assert_true(n1 > 0 && n2 > 0);
    /* forgeries: every single-bit flip of a sample of positions is refused, state unchanged */
    aus_rekey_state before = s->rk.st;
    long w = tst_store_writes(s->m);
    for (int pos = 0; pos < n2; pos += 97) {
        r2[pos] ^= 0x10;
        int e = aus_rekey_pq_request_handle(&s->rk, r2, (size_t)n2, 12, rsp, sizeof rsp);
        assert_true(e < 0);
        r2[pos] ^= 0x10;
    }
    for (int cut = 0; cut < n2; cut += 251)
        assert_true(aus_rekey_pq_request_handle(&s->rk, r2, (size_t)cut, 12, rsp, sizeof rsp) < 0);
    assert_memory_equal(&before, &s->rk.st, sizeof before);
    assert_int_equal(tst_store_writes(s->m), w);
    /* a flip inside the ML-KEM ciphertext specifically is a signature failure */
    r2[n2 - 3309 - 200] ^= 1;
    assert_int_equal(aus_rekey_pq_request_handle(&s->rk, r2, (size_t)n2, 12, rsp, sizeof rsp),
                     AUS_E_AUTH);
    r2[n2 - 3309 - 200] ^= 1;
    /* wrong context (another tenant's satellite) */
    aus_rekey other = s->rk;
    other.ctx[0] ^= 1;
    assert_int_equal(aus_rekey_pq_request_handle(&other, r2, (size_t)n2, 12, rsp, sizeof rsp),
                     AUS_E_POLICY);
    /* reordered: r2 first, then the older r1 is a replay */
    int rs2 = aus_rekey_pq_request_handle(&s->rk, r2, (size_t)n2, 12, rsp, sizeof rsp);
    assert_true(rs2 > 0);
    assert_int_equal(aus_rekey_pq_request_handle(&s->rk, r1, (size_t)n1, 13, rs1, sizeof rs1),
                     AUS_E_REPLAY);
    assert_int_equal(aus_rekey_pq_request_handle(&s->rk, r2, (size_t)n2, 13, rs1, sizeof rs1),
                     AUS_E_REPLAY);
    /* a forged response MAC, and a response whose transcript differs */
    rsp[rs2 - 1] ^= 1;
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs2, 14), AUS_E_AUTH);
    rsp[rs2 - 1] ^= 1;
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs2, 14), AUS_OK);
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs2, 15), AUS_E_REPLAY);
    /* the satellite refuses a request signed by anyone but the ground */
    static uint8_t r3[AUS_REKEY_MSG_MAX];
    int n3 = aus_rekey_pq_request_build(&g->rk, 20, r3, sizeof r3);
    assert_true(n3 > 0);
    /* re-sign the body with the satellite's own key: not the ground's signature */
    uint8_t sig[AUS_MLDSA65_SIG_BYTES];
    const uint8_t *body = r3 + 4; /* array(2) + bstr head of 3 octets */
    size_t bl = (size_t)(r3[2] << 8 | r3[3]);
    assert_int_equal(aus_mldsa65_sign(sig, body, bl, (const uint8_t *)AUS_REKEY_SIG_CTX,
                                      sizeof AUS_REKEY_SIG_CTX - 1, W.s_sk),
                     AUS_OK);
    memcpy(r3 + n3 - AUS_MLDSA65_SIG_BYTES, sig, sizeof sig);
    assert_int_equal(aus_rekey_pq_request_handle(&s->rk, r3, (size_t)n3, 21, rsp, sizeof rsp),
                     AUS_E_AUTH);
    node_free(g);
    node_free(s);
}

/* The satellite never saw traffic under the new pair (no note_rx) before the next request:
 * the request's cur_ek tells it the ground switched, and ground traffic never breaks. */
static void test_confirmation_by_request(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    int rq = aus_rekey_pq_request_build(&g->rk, 10, req, sizeof req);
    int rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 11, rsp, sizeof rsp);
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs, 12), AUS_OK);
    uint8_t b[128];
    size_t n = seal(g, "under pair 1", b); /* in flight, not yet received */
    rq = aus_rekey_pq_request_build(&g->rk, 13, req, sizeof req);
    rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 14, rsp, sizeof rsp);
    assert_true(rs > 0);
    assert_int_equal(s->rk.st.cur.ek, 0x0102); /* promoted by the request itself */
    assert_int_equal(open_msg(s, b, n, 15), AUS_OK);
    /* the response is lost: the ground keeps sending under pair 1, for longer than the
     * overlap, and the satellite still reads it */
    n = seal(g, "still pair 1", b);
    assert_int_equal(open_msg(s, b, n, 15 + 10 * OVERLAP), AUS_OK);
    /* the ground retries: the satellite drops the unconfirmed pair 2 and installs pair 3 */
    rq = aus_rekey_pq_request_build(&g->rk, 20, req, sizeof req);
    rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 21, rsp, sizeof rsp);
    assert_true(rs > 0);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&s->ks, 0x0104, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DESTROYED);
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs, 22), AUS_OK);
    assert_int_equal(g->rk.st.cur.ek, 0x0106);
    n = seal(g, "pair 3", b);
    assert_int_equal(open_msg(s, b, n, 23), AUS_OK);
    node_free(g);
    node_free(s);
}

/* The satellite's rekey state committed a request but the caller's record of the answer was
 * lost (a crash between the two stores): the same request, read again, gets an answer the ground
 * accepts, and nothing changes on the satellite; no other request is answered this way. */
static void test_reanswer(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    static uint8_t r1[AUS_REKEY_MSG_MAX], again[AUS_REKEY_MSG_MAX];
    int n1 = aus_rekey_pq_request_build(&g->rk, 10, r1, sizeof r1);
    int rq = aus_rekey_pq_request_build(&g->rk, 11, req, sizeof req); /* supersedes r1 */
    assert_true(n1 > 0 && rq > 0);
    /* not handled yet: nothing to answer again */
    assert_int_equal(
        aus_rekey_pq_request_reanswer(&s->rk, req, (size_t)rq, 12, again, sizeof again),
        AUS_E_REPLAY);
    int rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 12, rsp, sizeof rsp);
    assert_true(rs > 0);
    assert_int_equal(aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 13, again, sizeof again),
                     AUS_E_REPLAY);
    aus_rekey_state before = s->rk.st;
    long w = tst_store_writes(s->m);
    int ra = aus_rekey_pq_request_reanswer(&s->rk, req, (size_t)rq, 13, again, sizeof again);
    assert_true(ra > 0);
    assert_memory_equal(&before, &s->rk.st, sizeof before);
    assert_int_equal(tst_store_writes(s->m), w);
    /* the older request, and a forged copy of the pending one, are not answered */
    assert_int_equal(aus_rekey_pq_request_reanswer(&s->rk, r1, (size_t)n1, 13, rsp, sizeof rsp),
                     AUS_E_REPLAY);
    req[rq - 5] ^= 1;
    assert_int_equal(aus_rekey_pq_request_reanswer(&s->rk, req, (size_t)rq, 13, rsp, sizeof rsp),
                     AUS_E_AUTH);
    req[rq - 5] ^= 1;
    /* the ground accepts the answer given again (the first one is lost) and both sides agree */
    assert_int_equal(aus_rekey_pq_response_accept(&g->rk, again, (size_t)ra, 14), AUS_OK);
    uint8_t b[128];
    size_t n = seal(g, "after", b);
    assert_int_equal(open_msg(s, b, n, 15), AUS_OK);
    assert_int_equal(s->rk.st.cur.ek, g->rk.st.cur.ek);
    /* confirmed: no longer pending, so no longer answered */
    assert_int_equal(aus_rekey_pq_request_reanswer(&s->rk, req, (size_t)rq, 16, rsp, sizeof rsp),
                     AUS_E_REPLAY);
    node_free(g);
    node_free(s);
}

/* A ground that lost its counter signs a second request with the pending counter and pair ids:
 * the re-answer must not answer it with keys the satellite does not hold. */
static void test_reanswer_other_request(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *g2 = node_new(AUS_REKEY_GROUND);
    node *s = node_new(AUS_REKEY_SAT);
    static uint8_t r2[AUS_REKEY_MSG_MAX];
    int rq = aus_rekey_pq_request_build(&g->rk, 10, req, sizeof req);
    int n2 = aus_rekey_pq_request_build(&g2->rk, 10, r2, sizeof r2); /* same counter and ids */
    assert_true(rq > 0 && n2 > 0);
    assert_true(aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 11, rsp, sizeof rsp) > 0);
    assert_int_equal(g2->rk.st.pend.ek, s->rk.st.pend.ek);
    long w = tst_store_writes(s->m);
    assert_int_equal(aus_rekey_pq_request_reanswer(&s->rk, r2, (size_t)n2, 12, rsp, sizeof rsp),
                     AUS_E_REPLAY);
    assert_int_equal(tst_store_writes(s->m), w);
    assert_true(aus_rekey_pq_request_reanswer(&s->rk, req, (size_t)rq, 12, rsp, sizeof rsp) > 0);
    node_free(g);
    node_free(g2);
    node_free(s);
}

/* Responses lost twice: the satellite sends under the pair of the first request it handled;
 * the ground keeps reading it however long it takes, and closes it after a confirmation. */
static void test_lost_responses(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    uint8_t b[128];
    int rq = aus_rekey_pq_request_build(&g->rk, 10, req, sizeof req);
    assert_true(aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 11, rsp, sizeof rsp) > 0);
    /* response lost; the ground retries, that request is lost too */
    assert_true(aus_rekey_pq_request_build(&g->rk, 20, req, sizeof req) > 0);
    size_t n = seal(s, "sat under pair 1", b);
    assert_int_equal(b[1], 0x02);
    assert_int_equal(open_msg(g, b, n, 20 + 50 * OVERLAP), AUS_OK);
    assert_int_equal(aus_rekey_on_timer(&g->rk, 20 + 50 * OVERLAP), AUS_OK);
    assert_int_equal(open_msg(g, b, n, 20 + 60 * OVERLAP), AUS_OK);
    /* the third attempt goes through; then pair 1 gets a deadline like any retired pair */
    uint64_t t3 = 30 + 60 * OVERLAP;
    full_rekey(g, s, t3);
    assert_int_equal(open_msg(g, b, n, t3 + 3), AUS_OK);
    assert_int_equal(open_msg(g, b, n, t3 + 2 + OVERLAP), AUS_E_KEY_STATE);
    assert_int_equal(aus_rekey_on_timer(&g->rk, t3 + 2 + OVERLAP), AUS_OK);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&g->ks, 0x0102, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DESTROYED);
    node_free(g);
    node_free(s);
}

/* Can each side read what the other sends now? */
static void assert_link_up(node *g, node *s, uint64_t now)
{
    uint8_t b[128];
    size_t n = seal(g, "up", b);
    assert_int_equal(open_msg(s, b, n, now), AUS_OK);
    n = seal(s, "down", b);
    assert_int_equal(open_msg(g, b, n, now), AUS_OK);
}

/* Crash at the f-th durable write of one node during a whole rekey, for every f. */
static void test_crash_every_write(void **st)
{
    (void)st;
    int runs = 0;
    for (int who = 0; who < 2; who++) {
        for (long f = 0;; f++) {
            node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
            node *victim = who ? s : g;
            tst_store_fail_after(victim->m, f, 1);
            int failed = 0;
            int rq = aus_rekey_pq_request_build(&g->rk, 100, req, sizeof req);
            failed |= rq < 0;
            int rs = -1;
            if (!failed) {
                rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, 101, rsp, sizeof rsp);
                failed |= rs < 0;
            }
            if (!failed)
                failed |= aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs, 102) != AUS_OK;
            if (!failed) {
                uint8_t b[128];
                size_t n = seal(g, "x", b);
                failed |= open_msg(s, b, n, 103) != AUS_OK;
            }
            if (!failed)
                failed |= aus_rekey_on_timer(&s->rk, 103 + OVERLAP) != AUS_OK;
            /* reboot both from what is durable */
            node_reboot(g);
            node_reboot(s);
            /* traffic never stops being readable by the intended side */
            assert_link_up(g, s, 104);
            /* and the next rekey completes */
            full_rekey(g, s, 200);
            assert_link_up(g, s, 210);
            runs++;
            node_free(g);
            node_free(s);
            if (!failed)
                break;
        }
    }
    assert_true(runs >= 6);
    print_message("crash-at-every-write: %d scenarios\n", runs);
}

/* One rotation exchange; returns 1 when it completed, 0 at the first failure. */
static int rotation_flow(node *rot, node *peer, int kem, uint64_t now)
{
    static uint8_t m1[AUS_REKEY_MSG_MAX], m2[AUS_REKEY_MSG_MAX];
    int n = kem ? aus_rekey_kem_rotate_build(&rot->rk, now, m1, sizeof m1)
                : aus_rekey_dsa_rotate_build(&rot->rk, now, m1, sizeof m1);
    if (n < 0)
        return 0;
    int a = aus_rekey_rotate_accept(&peer->rk, m1, (size_t)n, now + 1, m2, sizeof m2);
    if (a < 0)
        return 0;
    return aus_rekey_ack_accept(&rot->rk, m2, (size_t)a, now + 2) == AUS_OK;
}

/* Crash at every durable write of a KEM rotation and of a DSA rotation (each side): after a
 * reboot the link is up, a retried rotation completes and the next rekey uses the new keys. */
static void test_crash_rotations(void **st)
{
    (void)st;
    int runs = 0;
    for (int kem = 0; kem < 2; kem++)
        for (int who = 0; who < 2; who++)
            for (long f = 0;; f++) {
                node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
                node *rot = kem ? s : g, *peer = kem ? g : s;
                tst_store_fail_after((who ? rot : peer)->m, f, 1);
                int done = rotation_flow(rot, peer, kem, 10);
                node_reboot(g);
                node_reboot(s);
                assert_link_up(g, s, 20);
                full_rekey(g, s, 30); /* works with old or new long-term keys */
                if (!done)
                    assert_true(rotation_flow(rot, peer, kem, 40));
                full_rekey(g, s, 50);
                if (kem)
                    assert_int_equal(s->rk.st.kem_pend, 0);
                else
                    assert_int_equal(g->rk.st.dsa_sk_pend, 0);
                runs++;
                node_free(g);
                node_free(s);
                if (done)
                    break;
            }
    print_message("crash-at-every-write (rotations): %d scenarios\n", runs);
    assert_true(runs >= 8);
}

static void test_rotations(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    static uint8_t rot[AUS_REKEY_MSG_MAX], ack[AUS_REKEY_MSG_MAX];
    /* satellite ML-KEM rotation */
    int rn = aus_rekey_kem_rotate_build(&s->rk, 10, rot, sizeof rot);
    assert_true(rn > 0);
    uint16_t newdk = s->rk.st.kem_pend;
    assert_true(newdk >= 0x8000);
    int an = aus_rekey_rotate_accept(&g->rk, rot, (size_t)rn, 11, ack, sizeof ack);
    assert_true(an > 0);
    assert_int_equal(aus_rekey_rotate_accept(&g->rk, rot, (size_t)rn, 12, ack + 0, sizeof ack),
                     AUS_E_REPLAY);
    /* the next request already uses the new key; the sat promotes it on first use */
    full_rekey(g, s, 20);
    assert_int_equal(s->rk.st.kem, newdk);
    assert_int_equal(s->rk.st.kem_pend, 0);
    assert_int_equal(aus_rekey_ack_accept(&s->rk, ack, (size_t)an, 30), AUS_OK); /* late ACK */
    assert_int_equal(aus_rekey_ack_accept(&s->rk, ack, (size_t)an, 31), AUS_E_REPLAY);
    /* ground ML-DSA rotation: new vk signed by the old key */
    rn = aus_rekey_dsa_rotate_build(&g->rk, 40, rot, sizeof rot);
    assert_true(rn > 0);
    uint16_t old_sk = g->rk.st.dsa_sk;
    an = aus_rekey_rotate_accept(&s->rk, rot, (size_t)rn, 41, ack, sizeof ack);
    assert_true(an > 0);
    /* before the ACK reaches the ground, it still signs with the old key: still accepted */
    full_rekey(g, s, 50);
    assert_int_equal(g->rk.st.dsa_sk, old_sk);
    assert_int_equal(aus_rekey_ack_accept(&g->rk, ack, (size_t)an, 60), AUS_OK);
    assert_true(g->rk.st.dsa_sk != old_sk);
    aus_key_info i;
    assert_int_equal(aus_keys_info(&g->ks, old_sk, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DESTROYED);
    uint16_t prev_vk = s->rk.st.peer_vk_prev;
    assert_true(prev_vk != 0);
    /* first request under the new key: the sat forgets the old verification key */
    full_rekey(g, s, 70);
    assert_int_equal(s->rk.st.peer_vk_prev, 0);
    assert_int_equal(aus_keys_info(&s->ks, prev_vk, &i), AUS_OK);
    assert_int_equal(i.state, AUS_KEY_DESTROYED);
    /* satellite ML-DSA rotation; responses are signed by the sat and still verify */
    rn = aus_rekey_dsa_rotate_build(&s->rk, 80, rot, sizeof rot);
    an = aus_rekey_rotate_accept(&g->rk, rot, (size_t)rn, 81, ack, sizeof ack);
    assert_true(an > 0);
    assert_int_equal(aus_rekey_ack_accept(&s->rk, ack, (size_t)an, 82), AUS_OK);
    full_rekey(g, s, 90);
    /* a rotation message from the wrong role / forged is refused */
    rn = aus_rekey_kem_rotate_build(&g->rk, 95, rot, sizeof rot);
    assert_int_equal(rn, AUS_E_STATE);
    rn = aus_rekey_kem_rotate_build(&s->rk, 96, rot, sizeof rot);
    rot[rn - 5] ^= 1;
    assert_int_equal(aus_rekey_rotate_accept(&g->rk, rot, (size_t)rn, 97, ack, sizeof ack),
                     AUS_E_AUTH);
    /* everything survives a reboot */
    node_reboot(g);
    node_reboot(s);
    assert_link_up(g, s, 100);
    full_rekey(g, s, 110);
    node_free(g);
    node_free(s);
}

static double ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* Figures for the issue note (never fails on timing): 20 rekeys, mean time per step. */
static void test_figures(void **st)
{
    (void)st;
    node *g = node_new(AUS_REKEY_GROUND), *s = node_new(AUS_REKEY_SAT);
    double t[3] = {0, 0, 0};
    int sizes[2] = {0, 0};
    for (int i = 0; i < 20; i++) {
        uint64_t now = 1000 + 10 * (uint64_t)i;
        struct timespec a;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int rq = aus_rekey_pq_request_build(&g->rk, now, req, sizeof req);
        t[0] += ms_since(&a);
        clock_gettime(CLOCK_MONOTONIC, &a);
        int rs = aus_rekey_pq_request_handle(&s->rk, req, (size_t)rq, now + 1, rsp, sizeof rsp);
        t[1] += ms_since(&a);
        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(aus_rekey_pq_response_accept(&g->rk, rsp, (size_t)rs, now + 2), AUS_OK);
        t[2] += ms_since(&a);
        uint8_t b[128];
        size_t n = seal(g, "x", b);
        assert_int_equal(open_msg(s, b, n, now + 3), AUS_OK);
        assert_int_equal(aus_rekey_on_timer(&s->rk, now + 3 + OVERLAP), AUS_OK);
        assert_int_equal(aus_rekey_on_timer(&g->rk, now + 3 + OVERLAP), AUS_OK);
        sizes[0] = rq;
        sizes[1] = rs;
    }
    print_message("rekey figures: request %d B, response %d B; mean ms: build %.2f, handle %.2f, "
                  "accept %.2f\n",
                  sizes[0], sizes[1], t[0] / 20, t[1] / 20, t[2] / 20);
    node_free(g);
    node_free(s);
}

int main(void)
{
    aus_crypto_set_default(aus_crypto_openssl());
    world_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_replay_reorder_forge),
        cmocka_unit_test(test_rotations),
        cmocka_unit_test(test_crash_every_write),
        cmocka_unit_test(test_crash_rotations),
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_confirmation_by_request),
        cmocka_unit_test(test_lost_responses),
        cmocka_unit_test(test_reanswer),
        cmocka_unit_test(test_reanswer_other_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
