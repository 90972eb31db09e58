/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer end to end, in memory: ground <-> sat through the full TC and TM
 * chains, pass by pass, with bit errors, lost passes, replays, lockout, restarts, EP PDUs, and
 * the standalone `australis ccsds tc-decode / tm-decode` tools on every pass file. */
#include "aus_test.h"
#include "tst_sdls.h"

#include <sys/wait.h>
#include <unistd.h>

#include "australis/cl_ccsds.h"
#include "australis/crypto.h"
#include "cl_ccsds_util.h"

static const uint8_t KEY_TC[32] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
                                   0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
                                   0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f};
static const uint8_t KEY_TM[32] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
                                   0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
                                   0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};
#define TM_SPI 1
#define TC_SPI 2
#define MAXB 70000u
#define PASS_CAP (8u << 20)

/* One end's receive log: bundles must arrive as 0, 1, 2, ... exactly once. */
typedef struct sink {
    uint64_t next, dups, bad;
    size_t ep_n;
    uint8_t ep[8][AUS_CL_CCSDS_EP_MAX];
    size_t ep_len[8];
    uint16_t ep_spi[8];
} sink;

typedef struct node {
    aus_sdls_keyring ring;
    aus_sdls_table t;
    aus_cl_ccsds *c;
    sink in;
    tst_store *mem;
    aus_store st;
} node;

typedef struct world {
    node g, s;
    uint64_t now, rng;
    uint8_t *buf;
    uint64_t up_sent, down_sent;
    size_t last_up_len, last_down_len;
    uint8_t *old_down[2];
    size_t old_down_len[2];
} world;

static size_t bundle_len(uint64_t idx, size_t lo, size_t hi)
{
    uint64_t z = idx * 0x9E3779B97F4A7C15ull + 7;
    return lo + (size_t)(z % (hi - lo + 1));
}

static void fill(uint8_t *b, size_t n, uint64_t idx)
{
    uint64_t r = idx + 1;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(tst_rand(&r) >> 24);
    for (size_t i = 0; i < 8 && i < n; i++)
        b[i] = (uint8_t)(idx >> (56 - 8 * i));
}

static void on_bundle(void *u, const uint8_t *b, size_t n)
{
    sink *s = u;
    uint64_t idx = 0;
    for (size_t i = 0; i < 8 && i < n; i++)
        idx = idx << 8 | b[i];
    static uint8_t want[MAXB + 8];
    fill(want, n, idx);
    if (n < 8 || memcmp(want, b, n) != 0) {
        s->bad++;
        return;
    }
    if (idx != s->next) {
        s->dups += idx < s->next;
        s->bad += idx > s->next;
        return;
    }
    s->next++;
}

static void on_ep(void *u, const uint8_t *p, size_t n, uint16_t spi)
{
    sink *s = u;
    if (s->ep_n < 8 && n <= sizeof s->ep[0]) {
        memcpy(s->ep[s->ep_n], p, n);
        s->ep_len[s->ep_n] = n;
        s->ep_spi[s->ep_n] = spi;
        s->ep_n++;
    }
}

static const aus_cl_ccsds_ops OPS = {on_bundle, on_ep};

static void add_sa(aus_sdls_table *t, uint16_t spi, uint16_t kid, int sender, uint64_t *rng)
{
    aus_sdls_sa_cfg c;
    tst_sdls_gcm_cfg(&c, spi);
    if (sender)
        for (int i = 4; i < 12; i++)
            c.iv[i] = (uint8_t)tst_rand(rng);
    c.iv[4] &= 0x7F; /* room to count */
    c.arsnw = AUS_REPLAY_WINDOW_DEFAULT;
    assert_int_equal(tst_sdls_sa_up(t, &c, kid, NULL), AUS_OK);
}

/* Same SAs as `australis ccsds --sdls-spi N --sdls-key HEX` (sdls.h aus_sdls_simple). */
static void mk_sdls(node *n, int ground, uint64_t *rng)
{
    memset(&n->ring, 0, sizeof n->ring);
    assert_int_equal(aus_sdls_keyring_put(&n->ring, 0x0100, KEY_TC, 32, 1), AUS_OK);
    assert_int_equal(aus_sdls_keyring_put(&n->ring, 0x0101, KEY_TM, 32, 1), AUS_OK);
    assert_int_equal(aus_sdls_init(&n->t, aus_crypto_default(), &aus_sdls_keyring_ops, &n->ring),
                     AUS_OK);
    add_sa(&n->t, TC_SPI, 0x0100, ground, rng);
    add_sa(&n->t, TM_SPI, 0x0101, !ground, rng);
}

static void cfg_of(aus_cl_ccsds_cfg *cfg, uint8_t role)
{
    aus_cl_ccsds_cfg_default(cfg, role);
    cfg->scid = 100;
    cfg->tm_vcid = 0;
    cfg->tc_vcid = 4;
    cfg->tm_spi = TM_SPI;
    cfg->tc_spi = cfg->ep_spi = TC_SPI;
    cfg->tm_frame_len = 1115;
}

static void node_open(node *n, uint8_t role, const aus_cl_ccsds_cfg *over, uint64_t now)
{
    aus_cl_ccsds_cfg cfg;
    if (over)
        cfg = *over;
    else
        cfg_of(&cfg, role);
    cfg.role = role;
    if (n->c == NULL)
        n->c = calloc(1, sizeof *n->c);
    assert_non_null(n->c);
    assert_int_equal(
        aus_cl_ccsds_init(n->c, &cfg, &n->t, n->mem ? &n->st : NULL, "clc/", &OPS, &n->in, now),
        AUS_OK);
}

static world *world_new(int persist, const aus_cl_ccsds_cfg *gc, const aus_cl_ccsds_cfg *sc)
{
    world *w = calloc(1, sizeof *w);
    w->rng = 42;
    w->now = 1000;
    w->buf = malloc(PASS_CAP);
    mk_sdls(&w->g, 1, &w->rng);
    mk_sdls(&w->s, 0, &w->rng);
    if (persist) {
        w->g.mem = tst_store_new();
        w->g.st = tst_store_iface(w->g.mem);
        w->s.mem = tst_store_new();
        w->s.st = tst_store_iface(w->s.mem);
        assert_int_equal(aus_sdls_set_store(&w->g.t, &w->g.st, "sdls/"), AUS_OK);
        assert_int_equal(aus_sdls_set_store(&w->s.t, &w->s.st, "sdls/"), AUS_OK);
    }
    node_open(&w->g, AUS_CL_CCSDS_GROUND, gc, w->now);
    node_open(&w->s, AUS_CL_CCSDS_SAT, sc, w->now);
    return w;
}

static void world_free(world *w)
{
    free(w->g.c);
    free(w->s.c);
    if (w->g.mem)
        tst_store_free(w->g.mem);
    if (w->s.mem)
        tst_store_free(w->s.mem);
    free(w->buf);
    free(w->old_down[0]);
    free(w->old_down[1]);
    free(w);
}

/* Offer bundles (numbered from *sent) until the queue is full or `upto` reached. */
static void offer(aus_cl_ccsds *c, uint64_t *sent, uint64_t upto, size_t lo, size_t hi,
                  uint64_t now)
{
    static uint8_t b[MAXB + 8];
    while (*sent < upto) {
        size_t n = bundle_len(*sent, lo, hi);
        fill(b, n, *sent);
        aus_err e = aus_cl_ccsds_send(c, b, n, now);
        if (e == AUS_E_FULL)
            return;
        assert_int_equal(e, AUS_OK);
        (*sent)++;
    }
}

typedef struct chan {
    double ber;
    int drop_up, drop_down;
    size_t burst_at, burst_len; /* zero a burst of octets in the uplink file */
    int replay_down;            /* then give the ground the downlink file of 2 passes ago */
} chan;

/* One pass: ground uplink, sat processes, sat downlink, ground processes. */
static void pass(world *w, const chan *ch)
{
    size_t n = 0;
    assert_int_equal(aus_cl_ccsds_pass_out(w->g.c, w->buf, PASS_CAP, w->now, &n), AUS_OK);
    w->last_up_len = n;
    if (ch && ch->ber > 0)
        aus_cl_ccsds_flip_bits(w->buf, n, ch->ber, &w->rng);
    if (ch && ch->burst_len && ch->burst_at < n)
        memset(w->buf + ch->burst_at, 0,
               ch->burst_len < n - ch->burst_at ? ch->burst_len : n - ch->burst_at);
    if (!(ch && ch->drop_up))
        assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, w->buf, n, w->now + 10), AUS_OK);
    assert_int_equal(aus_cl_ccsds_pass_out(w->s.c, w->buf, PASS_CAP, w->now + 20, &n), AUS_OK);
    assert_true(n > 0);
    w->last_down_len = n;
    if (ch && ch->ber > 0)
        aus_cl_ccsds_flip_bits(w->buf, n, ch->ber, &w->rng);
    free(w->old_down[1]);
    w->old_down[1] = w->old_down[0];
    w->old_down_len[1] = w->old_down_len[0];
    w->old_down[0] = malloc(n);
    memcpy(w->old_down[0], w->buf, n);
    w->old_down_len[0] = n;
    if (!(ch && ch->drop_down))
        assert_int_equal(aus_cl_ccsds_pass_in(w->g.c, w->buf, n, w->now + 30), AUS_OK);
    if (ch && ch->replay_down && w->old_down[1]) {
        /* duplicated / reordered by the pipeline: refused by SDLS, its CLCWs ignored */
        aus_cl_ccsds_stats a, b;
        aus_cl_ccsds_stats_get(w->g.c, &a);
        memcpy(w->buf, w->old_down[1], w->old_down_len[1]);
        assert_int_equal(aus_cl_ccsds_pass_in(w->g.c, w->buf, w->old_down_len[1], w->now + 40),
                         AUS_OK);
        aus_cl_ccsds_stats_get(w->g.c, &b);
        assert_int_equal(b.sdls_ok, a.sdls_ok);
        assert_int_equal(b.sdls_replay - a.sdls_replay, b.tm_rx - a.tm_rx);
        assert_int_equal(b.clcw, a.clcw);
    }
    w->now += 1000;
}

/* Run passes until `total` bundles crossed both ways (offering as the queues allow). */
static int run_until(world *w, uint64_t total, size_t lo, size_t hi, const chan *ch, int maxp)
{
    int p = 0;
    for (; p < maxp && (w->s.in.next < total || w->g.in.next < total); p++) {
        offer(w->g.c, &w->up_sent, total, lo, hi, w->now);
        offer(w->s.c, &w->down_sent, total, lo, hi, w->now);
        pass(w, ch);
    }
    return p;
}

static void check_clean(const world *w)
{
    assert_int_equal(w->s.in.dups, 0);
    assert_int_equal(w->s.in.bad, 0);
    assert_int_equal(w->g.in.dups, 0);
    assert_int_equal(w->g.in.bad, 0);
}

static void test_roundtrip_sizes(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    /* the largest bundle both ways first: two Space Packets on the downlink (65536 + rest) */
    static uint8_t big[MAXB];
    fill(big, MAXB, 0);
    assert_int_equal(aus_cl_ccsds_send(w->g.c, big, MAXB, w->now), AUS_OK);
    assert_int_equal(aus_cl_ccsds_send(w->s.c, big, MAXB, w->now), AUS_OK);
    assert_int_equal(aus_cl_ccsds_send(w->s.c, big, MAXB + 1, w->now), AUS_E_ARG);
    w->up_sent = w->down_sent = 1;
    int p = run_until(w, 60, 100, MAXB, NULL, 200);
    assert_int_equal(w->s.in.next, 60);
    assert_int_equal(w->g.in.next, 60);
    check_clean(w);
    aus_cl_ccsds_stats gs, ss;
    aus_cl_ccsds_stats_get(w->g.c, &gs);
    aus_cl_ccsds_stats_get(w->s.c, &ss);
    assert_int_equal(ss.tc_ad_retx + gs.tc_ad_retx, 0);
    assert_int_equal(gs.outstanding, 0);
    assert_int_equal(ss.farm_accept, gs.tc_ad_tx);
    assert_int_equal(ss.sdls_ok, gs.tc_ad_tx);
    assert_int_equal(gs.sdls_ok, ss.tm_tx); /* fill frames are protected too */
    assert_int_equal(gs.mc_lost + gs.vc_lost, 0);
    assert_int_equal(ss.farm_state, AUS_FARM_OPEN);
    assert_int_equal(gs.fop_state, AUS_FOP_ACTIVE);
    assert_int_equal(gs.vs, ss.vr);
    printf("# 60 bundles 100..70000 B each way in %d passes; uplink %llu frames, downlink %llu\n",
           p, (unsigned long long)gs.tc_ad_tx, (unsigned long long)ss.tm_tx);
    world_free(w);
}

static void test_small_bundles_blocked(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    /* 3000 x ~200 B: more than the 256 KiB queue, so it fills, drains and compacts */
    run_until(w, 3000, 100, 300, NULL, 100);
    assert_int_equal(w->s.in.next, 3000);
    assert_int_equal(w->g.in.next, 3000);
    check_clean(w);
    aus_cl_ccsds_stats gs;
    aus_cl_ccsds_stats_get(w->g.c, &gs);
    /* several packets blocked per TC frame */
    assert_true(gs.tc_ad_tx < 3000 / 3);
    world_free(w);
}

static void test_bit_errors(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    chan ch = {1e-4, 0, 0, 0, 0, 0};
    int p = run_until(w, 80, 100, 20000, &ch, 300);
    assert_int_equal(w->s.in.next, 80);
    assert_int_equal(w->g.in.next, 80);
    check_clean(w);
    aus_cl_ccsds_stats gs, ss;
    aus_cl_ccsds_stats_get(w->g.c, &gs);
    aus_cl_ccsds_stats_get(w->s.c, &ss);
    assert_true(gs.rs_corrected > 0);
    assert_true(ss.bch_corrected > 0);
    assert_int_equal(gs.cadu_fec, 0);
    assert_int_equal(gs.sdls_auth + ss.sdls_auth, 0);
    printf("# BER 1e-4: %d passes, RS corrected %llu symbols, BCH %llu bits, CLTUs lost %llu "
           "(retransmitted %llu frames)\n",
           p, (unsigned long long)gs.rs_corrected, (unsigned long long)ss.bch_corrected,
           (unsigned long long)ss.cltu_bad, (unsigned long long)gs.tc_ad_retx);
    world_free(w);
}

static void test_lost_passes_and_bursts(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    uint64_t total = 120;
    int p = 0;
    for (; p < 400 && w->s.in.next < total; p++) {
        offer(w->g.c, &w->up_sent, total, 100, 30000, w->now);
        chan ch = {0, p % 5 == 1, p % 7 == 3, 0, 0, p % 3 == 0};
        if (p % 4 == 2) {
            ch.burst_at = 3000 + (size_t)p * 97;
            ch.burst_len = 700;
        }
        pass(w, &ch);
    }
    assert_int_equal(w->s.in.next, total);
    check_clean(w);
    aus_cl_ccsds_stats gs, ss;
    aus_cl_ccsds_stats_get(w->g.c, &gs);
    aus_cl_ccsds_stats_get(w->s.c, &ss);
    assert_true(gs.tc_ad_retx > 0);
    assert_true(ss.cltu_bad > 0);
    assert_true(ss.farm_discard > 0);
    printf("# drops/bursts: %d passes, %llu AD frames, %llu retransmitted, %llu CLTUs rejected, "
           "%llu frames discarded by FARM-1\n",
           p, (unsigned long long)gs.tc_ad_tx, (unsigned long long)gs.tc_ad_retx,
           (unsigned long long)ss.cltu_bad, (unsigned long long)ss.farm_discard);
    world_free(w);
}

static void test_replay_rejected(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    offer(w->g.c, &w->up_sent, 5, 200, 3000, w->now);
    size_t n = 0;
    assert_int_equal(aus_cl_ccsds_pass_out(w->g.c, w->buf, PASS_CAP, w->now, &n), AUS_OK);
    uint8_t *old = malloc(n);
    memcpy(old, w->buf, n);
    size_t old_n = n;
    assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, w->buf, n, w->now), AUS_OK);
    assert_int_equal(w->s.in.next, 5);
    for (int i = 0; i < 3; i++) {
        offer(w->g.c, &w->up_sent, 10 + 5 * (uint64_t)i, 200, 3000, w->now);
        pass(w, NULL);
    }
    assert_int_equal(w->s.in.next, 20);
    aus_cl_ccsds_stats a, b;
    aus_cl_ccsds_stats_get(w->s.c, &a);
    /* the pass-1 file again: every frame refused by SDLS anti-replay, nothing delivered */
    assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, old, old_n, w->now), AUS_OK);
    aus_cl_ccsds_stats_get(w->s.c, &b);
    assert_true(b.cltu_rx - a.cltu_rx >= 2);
    assert_int_equal(b.sdls_replay - a.sdls_replay, b.cltu_rx - a.cltu_rx);
    assert_int_equal(b.farm_accept, a.farm_accept);
    assert_int_equal(b.farm_discard, a.farm_discard);
    assert_int_equal(w->s.in.next, 20);
    check_clean(w);
    free(old);
    world_free(w);
}

static void test_app_helpers(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    run_until(w, 3, 100, 500, NULL, 10);
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(w->s.c, &st);
    aus_app_kv kv[80];
    size_t n = cl_ccsds_health(&st, kv, 80);
    assert_int_equal(n, 16);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (kv[i].name.n == strlen("ccsds_bundles_rx") &&
            memcmp(kv[i].name.p, "ccsds_bundles_rx", kv[i].name.n) == 0) {
            assert_int_equal(kv[i].num, 3);
            found = 1;
        }
    assert_true(found);
    assert_int_equal(cl_ccsds_health(&st, kv, 5), 5);
    aus_cl_ccsds_stats_get(w->g.c, &st);
    char js[4096];
    int len = cl_ccsds_stats_json(&st, js, sizeof js);
    assert_true(len > 0);
    cJSON *o = cJSON_Parse(js);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "fop_state")->valueint, AUS_FOP_ACTIVE);
    assert_int_equal(cJSON_GetObjectItem(o, "tc_ad_tx")->valueint, (int)st.tc_ad_tx);
    cJSON_Delete(o);
    assert_int_equal(cl_ccsds_stats_json(&st, js, 20), -1);
    aus_cl_ccsds_cfg cfg;
    assert_int_equal(cl_ccsds_cfg_from_link(&cfg, 1, 100, 0, 4, 1, 2, 1115), 0);
    assert_int_equal(cfg.role, AUS_CL_CCSDS_SAT);
    assert_int_equal(cfg.ep_spi, 2);
    assert_int_equal(cfg.tm_frame_len, 1115);
    assert_int_equal(cl_ccsds_cfg_from_link(&cfg, 0, 100, 7, 4, 1, 2, 1115), -1);
    assert_int_equal(cl_ccsds_cfg_from_link(&cfg, 0, 1024, 0, 4, 1, 2, 1115), -1);
    world_free(w);
}

/* ---- crash at every store write of one pass, on each end and step ----
 * The daemon's discipline (docs/cl_ccsds.md): pass_in inside its own transaction together with
 * what the callbacks store (here the sink's counter), the file deleted after commit; pass_out
 * without a caller transaction, the file written only after it returned AUS_OK. A crash = the
 * store write fails, the open transaction is rolled back, the node restarts from its store. */

static void sink_save(node *n)
{
    assert_int_equal(aus_store_put_u64(&n->st, "sink", n->in.next), AUS_OK);
}

static aus_err pass_in_tx(node *n, uint8_t *buf, size_t len, uint64_t now)
{
    AUS_TRY(n->st.ops->begin(n->st.self));
    aus_err e = aus_cl_ccsds_pass_in(n->c, buf, len, now);
    if (e == AUS_OK)
        e = aus_store_put_u64(&n->st, "sink", n->in.next);
    if (e == AUS_OK)
        e = n->st.ops->commit(n->st.self);
    if (e != AUS_OK)
        (void)n->st.ops->rollback(n->st.self);
    return e;
}

static void node_restart(world *w, node *n, int ground)
{
    tst_store_fail_after(n->mem, -1, 0);
    memset(n->c, 0xA5, sizeof *n->c);
    mk_sdls(n, ground, &w->rng);
    assert_int_equal(aus_sdls_set_store(&n->t, &n->st, "sdls/"), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&n->t, TC_SPI), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&n->t, TM_SPI), AUS_OK);
    node_open(n, ground ? AUS_CL_CCSDS_GROUND : AUS_CL_CCSDS_SAT, NULL, w->now);
    uint64_t v = 0;
    aus_err e = aus_store_get_u64(&n->st, "sink", &v);
    assert_true(e == AUS_OK || e == AUS_E_NOTFOUND);
    n->in.next = v;
}

/* One pass with a crash armed at write k of step `step` (0 ground out, 1 sat in, 2 sat out,
 * 3 ground in; 4 / 5: sat / ground in, crash after the commit, k = 0 only). Returns 1 when the
 * crash happened. */
static int crash_pass(world *w, int step, long k)
{
    static uint8_t copy[PASS_CAP];
    int crashed = 0;
    for (int st = 0; st < 4; st++) {
        node *n = (st == 0 || st == 3) ? &w->g : &w->s;
        int out = st == 0 || st == 2;
        if (st == step)
            tst_store_fail_after(n->mem, k, 1);
        long before = tst_store_writes(n->mem);
        aus_err e;
        size_t len = 0;
        if (out) {
            e = aus_cl_ccsds_pass_out(n->c, w->buf, PASS_CAP, w->now, &len);
        } else {
            memcpy(copy, w->buf, w->last_up_len);
            e = pass_in_tx(n, w->buf, w->last_up_len, w->now);
        }
        int hit = st == step && tst_store_writes(n->mem) > k + (before > 0 ? 0 : 0);
        if (st == step && tst_store_writes(n->mem) > k) {
            crashed = 1;
            node_restart(w, n, n == &w->g);
            if (!out) { /* the file is still in the folder: processed again */
                memcpy(w->buf, copy, w->last_up_len);
                assert_int_equal(pass_in_tx(n, w->buf, w->last_up_len, w->now), AUS_OK);
            } else {
                len = 0; /* never written */
            }
        } else {
            (void)hit;
            assert_int_equal(e, AUS_OK);
            if (!out && k == 0 && ((step == 4 && st == 1) || (step == 5 && st == 3))) {
                /* crash after the commit, before the file was deleted: processed again */
                crashed = 1;
                node_restart(w, n, n == &w->g);
                memcpy(w->buf, copy, w->last_up_len);
                assert_int_equal(pass_in_tx(n, w->buf, w->last_up_len, w->now), AUS_OK);
            }
        }
        if (out)
            w->last_up_len = len;
        if (st == step)
            tst_store_fail_after(n->mem, -1, 0);
    }
    w->now += 1000;
    return crashed;
}

static void test_crash_every_write(void **state)
{
    (void)state;
    int crashes = 0;
    for (int step = 0; step < 6; step++) {
        for (long k = 0;; k++) {
            world *w = world_new(1, NULL, NULL);
            sink_save(&w->g);
            sink_save(&w->s);
            offer(w->g.c, &w->up_sent, 8, 100, 2500, w->now);
            offer(w->s.c, &w->down_sent, 8, 100, 2500, w->now);
            int hit = crash_pass(w, step, k);
            crashes += hit;
            for (int p = 0; p < 30 && (w->s.in.next < 16 || w->g.in.next < 16); p++) {
                offer(w->g.c, &w->up_sent, 16, 100, 2500, w->now);
                offer(w->s.c, &w->down_sent, 16, 100, 2500, w->now);
                crash_pass(w, -1, 0);
            }
            if (w->s.in.next != 16 || getenv("CLC_DEBUG")) {
                aus_cl_ccsds_stats gs, ss;
                aus_cl_ccsds_stats_get(w->g.c, &gs);
                aus_cl_ccsds_stats_get(w->s.c, &ss);
                printf("step %d k %ld hit %d: s.next %llu g.next %llu up_sent %llu fop %u vs %u "
                       "out %u q %llu | cltu %llu farm %llu/%llu sdls ok %llu rep %llu oth %llu "
                       "bad %llu dups %llu\n",
                       step, k, hit, (unsigned long long)w->s.in.next,
                       (unsigned long long)w->g.in.next, (unsigned long long)w->up_sent,
                       gs.fop_state, gs.vs, gs.outstanding, (unsigned long long)gs.queued_items,
                       (unsigned long long)ss.cltu_rx, (unsigned long long)ss.farm_accept,
                       (unsigned long long)ss.farm_discard, (unsigned long long)ss.sdls_ok,
                       (unsigned long long)ss.sdls_replay, (unsigned long long)ss.sdls_other,
                       (unsigned long long)w->s.in.bad, (unsigned long long)w->s.in.dups);
            }
            assert_int_equal(w->s.in.next, 16);
            check_clean(w);
            /* the downlink has no ARQ: a satellite crash before its file was written loses
             * nothing (units stay queued); a ground crash in pass_in reprocesses the file */
            assert_int_equal(w->g.in.next, 16);
            world_free(w);
            if (!hit) {
                if (getenv("CLC_DEBUG"))
                    printf("step %d: %ld crash points\n", step, k);
                break;
            }
        }
    }
    printf("# %d crashes (every store write of a pass, each end and step): exactly once\n",
           crashes);
}

/* ---- the standalone tools on our pass files ---- */

/* the CLI with its output thrown away: only the exit status counts */
static int run_cli(const char *args) { return tst_cli(NULL, "%s >/dev/null 2>/dev/null", args); }

static void test_lockout_unlock(void **state)
{
    (void)state;
    aus_cl_ccsds_cfg gc, sc;
    cfg_of(&gc, AUS_CL_CCSDS_GROUND);
    cfg_of(&sc, AUS_CL_CCSDS_SAT);
    gc.fop_window = sc.fop_window = 16;
    gc.farm_window = sc.farm_window = 32;
    world *w = world_new(0, &gc, &sc);
    run_until(w, 150, 100, 900, NULL, 100); /* V(S) moves well past the FARM windows */
    assert_int_equal(w->s.in.next, 150);
    aus_cl_ccsds_stats gs;
    aus_cl_ccsds_stats_get(w->g.c, &gs);
    assert_true(gs.vs > 40 && gs.vs < 256 - 40);
    /* the board loses its FARM-1 state (V(R) = 0): the next frames fall in the lockout area */
    uint64_t next = w->s.in.next;
    node_open(&w->s, AUS_CL_CCSDS_SAT, &sc, w->now);
    w->s.in.next = next;
    /* the pass that carries the Unlock: a BC frame is never SDLS-protected (232.0 §6.3.1) */
    int p = 0, bc_checked = 0;
    for (; p < 40 && w->s.in.next < 200; p++) {
        offer(w->g.c, &w->up_sent, 200, 100, 900, w->now);
        size_t n = 0;
        aus_cl_ccsds_stats_get(w->g.c, &gs);
        uint64_t bc0 = gs.tc_bc_tx;
        assert_int_equal(aus_cl_ccsds_pass_out(w->g.c, w->buf, PASS_CAP, w->now, &n), AUS_OK);
        aus_cl_ccsds_stats_get(w->g.c, &gs);
        if (gs.tc_bc_tx != bc0) {
            char ktc[65], args[600];
            for (int i = 0; i < 32; i++)
                sprintf(ktc + 2 * i, "%02x", KEY_TC[i]);
            char path[64];
            snprintf(path, sizeof path, "/tmp/clccsds_unlock_%d.cltu", (int)getpid());
            tst_write_file(path, w->buf, n);
            snprintf(args, sizeof args, "ccsds tc-decode --scid 100 --vcid 4 %s -o /dev/null",
                     path);
            assert_int_equal(run_cli(args), 0); /* without SDLS: the BC frame alone decodes */
            bc_checked = 1;
        }
        assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, w->buf, n, w->now + 10), AUS_OK);
        assert_int_equal(aus_cl_ccsds_pass_out(w->s.c, w->buf, PASS_CAP, w->now + 20, &n), AUS_OK);
        assert_int_equal(aus_cl_ccsds_pass_in(w->g.c, w->buf, n, w->now + 30), AUS_OK);
        w->now += 1000;
    }
    assert_true(bc_checked);
    char path[64];
    snprintf(path, sizeof path, "/tmp/clccsds_unlock_%d.cltu", (int)getpid());
    remove(path);
    assert_int_equal(w->s.in.next, 200);
    check_clean(w);
    aus_cl_ccsds_stats_get(w->g.c, &gs);
    assert_int_equal(gs.unlocks, 1);
    assert_true(gs.fop_alerts >= 1);
    assert_int_equal(gs.last_alert, AUS_FOP_ALERT_LOCKOUT);
    assert_int_equal(gs.tc_bc_tx, 1);
    assert_int_equal(gs.fop_state, AUS_FOP_ACTIVE);
    printf("# lockout recovered with Unlock in %d passes\n", p);
    world_free(w);
}

static void test_restart_persisted(void **state)
{
    (void)state;
    world *w = world_new(1, NULL, NULL);
    uint64_t total = 90;
    uint8_t *old = NULL;
    size_t old_n = 0;
    for (int p = 0; p < 300 && (w->s.in.next < total || w->g.in.next < total); p++) {
        offer(w->g.c, &w->up_sent, total, 100, 40000, w->now);
        offer(w->s.c, &w->down_sent, total, 100, 40000, w->now);
        /* lost uplink files are repeated by COP-1; the downlink has no ARQ (the bundle layer's
         * business), so this test loses uplink files only (lost CLCWs: test_lost_passes) */
        chan ch = {0, p % 3 == 2, 0, 0, 0, 0};
        pass(w, &ch);
        if (getenv("CLC_DEBUG")) {
            aus_cl_ccsds_stats gs, ss;
            aus_cl_ccsds_stats_get(w->g.c, &gs);
            aus_cl_ccsds_stats_get(w->s.c, &ss);
            printf("p%d up=%zu fop=%u vs=%u nnr=%u out=%u alerts=%u/%d resync=%u | farm=%u vr=%u "
                   "acc=%llu dis=%llu sdls ok=%llu rep=%llu auth=%llu spi=%llu oth=%llu "
                   "next=%llu/%llu q=%llu | G cadu=%llu tm=%llu bad=%llu sdls=%llu/%llu/%llu "
                   "pktbad=%llu lost=%llu\n",
                   p, w->last_up_len, gs.fop_state, gs.vs, gs.nnr, gs.outstanding, gs.fop_alerts,
                   (int)gs.last_alert, gs.fop_resyncs, ss.farm_state, ss.vr,
                   (unsigned long long)ss.farm_accept, (unsigned long long)ss.farm_discard,
                   (unsigned long long)ss.sdls_ok, (unsigned long long)ss.sdls_replay,
                   (unsigned long long)ss.sdls_auth, (unsigned long long)ss.sdls_spi,
                   (unsigned long long)ss.sdls_other, (unsigned long long)w->s.in.next,
                   (unsigned long long)w->g.in.next, (unsigned long long)gs.queued_items,
                   (unsigned long long)gs.cadu_rx, (unsigned long long)gs.tm_rx,
                   (unsigned long long)gs.tm_bad, (unsigned long long)gs.sdls_ok,
                   (unsigned long long)gs.sdls_replay, (unsigned long long)gs.sdls_auth,
                   (unsigned long long)gs.pkt_bad, (unsigned long long)gs.vc_lost);
        }
        if (p == 1) {
            /* keep an uplink file to replay after the restarts */
            assert_int_equal(aus_cl_ccsds_pass_out(w->g.c, w->buf, PASS_CAP, w->now, &old_n),
                             AUS_OK);
            old = malloc(old_n + 1);
            memcpy(old, w->buf, old_n);
            assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, w->buf, old_n, w->now), AUS_OK);
        }
        if (p % 3 == 0) { /* both ends restart from their stores (the SA tables too) */
            uint64_t sn = w->s.in.next, gn = w->g.in.next;
            memset(w->g.c, 0xA5, sizeof *w->g.c);
            memset(w->s.c, 0x5A, sizeof *w->s.c);
            mk_sdls(&w->g, 1, &w->rng);
            mk_sdls(&w->s, 0, &w->rng);
            assert_int_equal(aus_sdls_set_store(&w->g.t, &w->g.st, "sdls/"), AUS_OK);
            assert_int_equal(aus_sdls_set_store(&w->s.t, &w->s.st, "sdls/"), AUS_OK);
            assert_int_equal(aus_sdls_sa_resume(&w->g.t, TC_SPI), AUS_OK);
            assert_int_equal(aus_sdls_sa_resume(&w->s.t, TM_SPI), AUS_OK);
            assert_int_equal(aus_sdls_sa_resume(&w->g.t, TM_SPI), AUS_OK);
            assert_int_equal(aus_sdls_sa_resume(&w->s.t, TC_SPI), AUS_OK);
            node_open(&w->g, AUS_CL_CCSDS_GROUND, NULL, w->now);
            node_open(&w->s, AUS_CL_CCSDS_SAT, NULL, w->now);
            w->s.in.next = sn;
            w->g.in.next = gn;
        }
    }
    assert_int_equal(w->s.in.next, total);
    assert_int_equal(w->g.in.next, total);
    check_clean(w);
    /* the old uplink file after restarts: refused by the persisted anti-replay counters */
    aus_cl_ccsds_stats a, b;
    aus_cl_ccsds_stats_get(w->s.c, &a);
    assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, old, old_n, w->now), AUS_OK);
    aus_cl_ccsds_stats_get(w->s.c, &b);
    assert_int_equal(b.farm_accept, a.farm_accept);
    assert_int_equal(b.sdls_replay - a.sdls_replay, b.cltu_rx - a.cltu_rx);
    free(old);
    world_free(w);
}

static void test_ep_pdus(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    static const uint8_t ping[] = {0x31, 0x00, 0x00};
    uint8_t otar[300];
    for (size_t i = 0; i < sizeof otar; i++)
        otar[i] = (uint8_t)(i * 7);
    otar[0] = 0x01;
    assert_int_equal(aus_cl_ccsds_ep_send(w->g.c, ping, sizeof ping, w->now), AUS_OK);
    offer(w->g.c, &w->up_sent, 3, 100, 2000, w->now);
    assert_int_equal(aus_cl_ccsds_ep_send(w->g.c, otar, sizeof otar, w->now), AUS_OK);
    static const uint8_t reply[] = {0xB1, 0x00, 0x00};
    assert_int_equal(aus_cl_ccsds_ep_send(w->s.c, reply, sizeof reply, w->now), AUS_OK);
    pass(w, NULL);
    assert_int_equal(w->s.in.ep_n, 2);
    assert_int_equal(w->s.in.ep_len[0], sizeof ping);
    assert_memory_equal(w->s.in.ep[0], ping, sizeof ping);
    assert_int_equal(w->s.in.ep_spi[0], TC_SPI);
    assert_int_equal(w->s.in.ep_len[1], sizeof otar);
    assert_memory_equal(w->s.in.ep[1], otar, sizeof otar);
    assert_int_equal(w->s.in.next, 3);
    assert_int_equal(w->g.in.ep_n, 1);
    assert_memory_equal(w->g.in.ep[0], reply, sizeof reply);
    assert_int_equal(w->g.in.ep_spi[0], TM_SPI);
    /* argument checks */
    uint8_t big[AUS_CL_CCSDS_EP_MAX + 1] = {0};
    assert_int_equal(aus_cl_ccsds_ep_send(w->g.c, big, sizeof big, w->now), AUS_E_ARG);
    assert_int_equal(aus_cl_ccsds_ep_send(w->g.c, big, 0, w->now), AUS_E_ARG);
    assert_int_equal(aus_cl_ccsds_send(w->g.c, big, 0, w->now), AUS_E_ARG);
    world_free(w);
}

/* A TC VC without segment header (CCSDS 232.0 §4.1.3.1, [link] tc_segment_header = no): bundles
 * in whole Space Packets, EP PDUs in Space Packets on apid_ep; a sat that expects the header
 * delivers nothing from such frames. */
static void test_no_segment_header(void **state)
{
    (void)state;
    aus_cl_ccsds_cfg gc, sc;
    cfg_of(&gc, AUS_CL_CCSDS_GROUND);
    cfg_of(&sc, AUS_CL_CCSDS_SAT);
    gc.tc_no_seg_hdr = sc.tc_no_seg_hdr = true;
    world *w = world_new(0, &gc, &sc);
    static const uint8_t ping[] = {0x31, 0x00, 0x00};
    assert_int_equal(aus_cl_ccsds_ep_send(w->g.c, ping, sizeof ping, w->now), AUS_OK);
    int p = run_until(w, 30, 100, 5000, NULL, 100);
    assert_true(p < 100);
    assert_int_equal(w->s.in.next, 30);
    assert_int_equal(w->g.in.next, 30);
    check_clean(w);
    assert_int_equal(w->s.in.ep_n, 1);
    assert_memory_equal(w->s.in.ep[0], ping, sizeof ping);
    aus_cl_ccsds_stats ss;
    aus_cl_ccsds_stats_get(w->s.c, &ss);
    assert_int_equal(ss.pkt_bad, 0);
    world_free(w);
    /* the ground sends without, the sat expects a segment header: nothing is delivered */
    cfg_of(&sc, AUS_CL_CCSDS_SAT);
    w = world_new(0, &gc, &sc);
    offer(w->g.c, &w->up_sent, 3, 100, 200, w->now);
    pass(w, NULL);
    assert_int_equal(w->s.in.next, 0);
    aus_cl_ccsds_stats_get(w->s.c, &ss);
    assert_int_equal(ss.sdls_ok, 0); /* the SDLS header is looked for after a segment header */
    assert_true(ss.pkt_bad + ss.sdls_auth + ss.sdls_spi + ss.sdls_other > 0);
    world_free(w);
}

static void test_config_errors(void **state)
{
    (void)state;
    node n;
    memset(&n, 0, sizeof n);
    uint64_t rng = 1;
    mk_sdls(&n, 1, &rng);
    n.c = calloc(1, sizeof *n.c);
    aus_cl_ccsds_cfg cfg;
    cfg_of(&cfg, AUS_CL_CCSDS_GROUND);
    cfg.tm_vcid = 7; /* the idle VC */
    assert_int_equal(aus_cl_ccsds_init(n.c, &cfg, &n.t, NULL, "", &OPS, NULL, 0), AUS_E_ARG);
    cfg_of(&cfg, AUS_CL_CCSDS_GROUND);
    cfg.fop_window = 64;
    cfg.farm_window = 64; /* K > W/2 */
    assert_int_equal(aus_cl_ccsds_init(n.c, &cfg, &n.t, NULL, "", &OPS, NULL, 0), AUS_E_ARG);
    cfg_of(&cfg, AUS_CL_CCSDS_GROUND);
    cfg.tm_frame_len = 1117; /* prime: no RS geometry */
    assert_int_equal(aus_cl_ccsds_init(n.c, &cfg, &n.t, NULL, "", &OPS, NULL, 0), AUS_E_ARG);
    cfg_of(&cfg, AUS_CL_CCSDS_GROUND);
    cfg.tc_spi = 9; /* no such SA */
    assert_int_equal(aus_cl_ccsds_init(n.c, &cfg, &n.t, NULL, "", &OPS, NULL, 0), AUS_E_SPI);
    cfg_of(&cfg, AUS_CL_CCSDS_GROUND);
    assert_int_equal(aus_cl_ccsds_init(n.c, &cfg, &n.t, NULL, "", &OPS, NULL, 0), AUS_OK);
    uint8_t small[100];
    size_t len = 1;
    assert_int_equal(aus_cl_ccsds_pass_out(n.c, small, sizeof small, 0, &len), AUS_E_NOBUFS);
    assert_int_equal(len, 0);
    /* hostile input never fails the pass */
    uint64_t r = 9;
    uint8_t junk[5000];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)tst_rand(&r);
    assert_int_equal(aus_cl_ccsds_pass_in(n.c, junk, sizeof junk, 0), AUS_OK);
    free(n.c);
}

static void test_flip_bits(void **state)
{
    (void)state;
    uint8_t *b = calloc(1, 1 << 20);
    uint64_t r = 5;
    size_t k = aus_cl_ccsds_flip_bits(b, 1 << 20, 1e-3, &r);
    size_t ones = 0;
    for (size_t i = 0; i < (1u << 20); i++)
        for (unsigned v = b[i]; v; v &= v - 1)
            ones++;
    assert_int_equal(ones, k);
    assert_true(k > 7800 && k < 8950); /* 8388.6 expected */
    assert_int_equal(aus_cl_ccsds_flip_bits(b, 100, 0.0, &r), 0);
    free(b);
}

/* Wireshark's CCSDS dissector on the packets the standalone tools extracted from our files
 * (shared/tools/tshark_check.sh: one packet per file; data fields of 10+ octets). */
static int tshark_packets(const char *dir, const char *const *outs, size_t nouts)
{
    char cmd[8192];
    int off = snprintf(cmd, sizeof cmd, "%s -m ccsds", tst_shared("tools/tshark_check.sh"));
    int k = 0;
    for (size_t f = 0; f < nouts; f++) {
        size_t n = 0;
        uint8_t *p = tst_read_file(outs[f], &n);
        size_t pos = 0, total = 0;
        while (pos < n && aus_ccsds_packet_len(p + pos, n - pos, &total) == AUS_OK &&
               total <= n - pos) {
            if (total >= AUS_SPP_HDR_LEN + 10 && k < 24) {
                char path[256];
                snprintf(path, sizeof path, "%s/pkt%02d.bin", dir, k++);
                tst_write_file(path, p + pos, total);
                off += snprintf(cmd + off, sizeof cmd - (size_t)off, " %s", path);
            }
            pos += total;
        }
        assert_int_equal(pos, n); /* the output is whole packets, nothing else */
        free(p);
    }
    assert_true(k > 4);
    off += snprintf(cmd + off, sizeof cmd - (size_t)off, " >/dev/null 2>&1");
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_cli_decodes_pass_files(void **state)
{
    (void)state;
    world *w = world_new(0, NULL, NULL);
    char dir[64];
    tst_tmpdir(dir, sizeof dir, "clccsds");
    char ktc[65], ktm[65], path[256], args[900];
    for (int i = 0; i < 32; i++) {
        sprintf(ktc + 2 * i, "%02x", KEY_TC[i]);
        sprintf(ktm + 2 * i, "%02x", KEY_TM[i]);
    }
    static const uint8_t ping[] = {0x31, 0x00, 0x00};
    assert_int_equal(aus_cl_ccsds_ep_send(w->g.c, ping, sizeof ping, w->now), AUS_OK);
    assert_int_equal(aus_cl_ccsds_ep_send(w->s.c, ping, sizeof ping, w->now), AUS_OK);
    int files = 0;
    char up_out[300] = "", down_out[300] = "";
    for (int p = 0; p < 12; p++) {
        offer(w->g.c, &w->up_sent, 30, 100, 30000, w->now);
        offer(w->s.c, &w->down_sent, 30, 100, 30000, w->now);
        size_t n = 0;
        assert_int_equal(aus_cl_ccsds_pass_out(w->g.c, w->buf, PASS_CAP, w->now, &n), AUS_OK);
        if (n > 0) {
            snprintf(path, sizeof path, "%s/up%02d.cltu", dir, p);
            snprintf(up_out, sizeof up_out, "%s.out", path);
            tst_write_file(path, w->buf, n);
            snprintf(args, sizeof args,
                     "ccsds tc-decode --scid 100 --vcid 4 --sdls-spi %d --sdls-key %s %s -o %s.out",
                     TC_SPI, ktc, path, path);
            assert_int_equal(run_cli(args), 0);
            files++;
        }
        if (p % 4 != 3)
            assert_int_equal(aus_cl_ccsds_pass_in(w->s.c, w->buf, n, w->now), AUS_OK);
        assert_int_equal(aus_cl_ccsds_pass_out(w->s.c, w->buf, PASS_CAP, w->now, &n), AUS_OK);
        snprintf(path, sizeof path, "%s/down%02d.cadu", dir, p);
        if (w->g.in.next < 30) /* a pass that still carries bundles */
            snprintf(down_out, sizeof down_out, "%s.out", path);
        tst_write_file(path, w->buf, n);
        snprintf(args, sizeof args,
                 "ccsds tm-decode --frame-len 1115 --scid 100 --vcid 0 --sdls-spi %d --sdls-key "
                 "%s %s -o %s.out",
                 TM_SPI, ktm, path, path);
        assert_int_equal(run_cli(args), 0);
        files++;
        assert_int_equal(aus_cl_ccsds_pass_in(w->g.c, w->buf, n, w->now), AUS_OK);
        w->now += 1000;
    }
    assert_int_equal(w->s.in.next, 30);
    assert_int_equal(w->g.in.next, 30);
    printf("# %d pass files decoded by australis ccsds tc-decode / tm-decode\n", files);
    /* the last passes with bundles: the tools' outputs are Space Packets Wireshark accepts */
    const char *outs[2] = {up_out, down_out};
    int tv = tshark_packets(dir, outs, 2);
    if (tv == 2)
        printf("# tshark not available: Wireshark check skipped\n");
    else
        assert_int_equal(tv, 0);
    assert_int_equal(tst_rmtree(dir), 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_sizes),   cmocka_unit_test(test_small_bundles_blocked),
        cmocka_unit_test(test_bit_errors),        cmocka_unit_test(test_lost_passes_and_bursts),
        cmocka_unit_test(test_replay_rejected),   cmocka_unit_test(test_lockout_unlock),
        cmocka_unit_test(test_restart_persisted), cmocka_unit_test(test_ep_pdus),
        cmocka_unit_test(test_no_segment_header), cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_flip_bits),         cmocka_unit_test(test_cli_decodes_pass_files),
        cmocka_unit_test(test_app_helpers),       cmocka_unit_test(test_crash_every_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
