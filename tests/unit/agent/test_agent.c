/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle agent (src/agent): both envelopes end to end between two in-process agents over
 * the in-memory store; tampering, replays, policy, lifetime, the durable out-queue, store
 * failures, and (key, IV) uniqueness across a simulated crash. */
#include "aus_test.h"

#include "australis/agent.h"
#include "australis/base.h"
#include "australis/bpsec.h"
#include "australis/crypto.h"

#define GROUND 200
#define SAT 100

typedef struct side {
    tst_store *mem, *kmem;
    aus_store st, kst;
    aus_agent_seal seal;
    aus_agent_bpsec bp;
    aus_agent ag;
    uint8_t key[2][32]; /* EK, AK (ids 0x100, 0x101) */
    int use_bpsec;
    uint8_t ivs[4096][12];
    size_t nivs;
} side;

static uint8_t shared_keys[2][32];

static aus_err send_key(void *ctx, uint64_t now, uint16_t *kid, uint8_t key[32])
{
    side *s = ctx;
    (void)now;
    *kid = 0x100;
    memcpy(key, s->key[0], 32);
    return AUS_OK;
}

static aus_err recv_key(void *ctx, uint64_t now, uint16_t kid, uint8_t key[32])
{
    side *s = ctx;
    (void)now;
    if (kid != 0x100 && kid != 0x101)
        return AUS_E_KEY;
    memcpy(key, s->key[kid - 0x100], 32);
    return AUS_OK;
}

static size_t recv_ids(void *ctx, uint64_t now, uint16_t *ids, size_t cap)
{
    (void)ctx;
    (void)now;
    assert_true(cap >= 1);
    ids[0] = 0x100;
    return 1;
}

static void iv_log(void *ctx, uint16_t kid, const uint8_t iv[12])
{
    side *s = ctx;
    (void)kid;
    if (s->nivs < 4096)
        memcpy(s->ivs[s->nivs++], iv, 12);
}

static void open_side(side *s, uint64_t node, uint64_t peer, int bpsec)
{
    aus_agent_seal_keys_ops ko = {send_key, recv_key, recv_ids, iv_log, s};
    assert_int_equal(
        aus_agent_seal_init(&s->seal, aus_crypto_default(), &s->kst, "t1", (uint32_t)node, &ko),
        AUS_OK);
    aus_agent_sec_ops ops = aus_agent_seal_ops(&s->seal);
    if (bpsec) {
        assert_int_equal(aus_agent_bpsec_init(&s->bp, &s->seal, 7, node, 1, peer, 1), AUS_OK);
        ops = aus_agent_bpsec_ops(&s->bp);
    }
    aus_agent_cfg cfg = {node, 1, peer, 1, 60000, 64, "t1", 0, 5, 5};
    assert_int_equal(aus_agent_init(&s->ag, &cfg, &s->st, &ops), AUS_OK);
}

static side *mk(uint64_t node, uint64_t peer, int bpsec)
{
    side *s = calloc(1, sizeof *s);
    s->mem = tst_store_new();
    s->kmem = tst_store_new();
    s->st = tst_store_iface(s->mem);
    s->kst = tst_store_iface(s->kmem);
    memcpy(s->key, shared_keys, sizeof s->key);
    s->use_bpsec = bpsec;
    open_side(s, node, peer, bpsec);
    return s;
}

static void rm(side *s)
{
    tst_store_free(s->mem);
    tst_store_free(s->kmem);
    free(s);
}

static size_t take_out(side *s, uint8_t *buf, size_t cap)
{
    char key[AUS_STORE_KEY_MAX];
    size_t len = 0;
    uint64_t seq;
    assert_int_equal(aus_agent_out_next(&s->ag, "", key, sizeof key, buf, cap, &len, &seq), AUS_OK);
    assert_int_equal(aus_agent_out_done(&s->ag, key), AUS_OK);
    return len;
}

static void setup_keys(void)
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 32; j++)
            shared_keys[i][j] = (uint8_t)(0x10 * i + j);
}

static void roundtrip(int bpsec)
{
    side *g = mk(GROUND, SAT, bpsec), *s = mk(SAT, GROUND, bpsec);
    static const uint8_t adu[] = "command: ping the payload";
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    uint64_t seq = 0;
    assert_int_equal(aus_agent_send(&g->ag, adu, sizeof adu, 1000, &seq), AUS_OK);
    assert_int_equal(seq, 1);
    size_t n = take_out(g, buf, sizeof buf);
    /* opacity: the plaintext is nowhere in the bundle */
    for (size_t i = 0; i + 8 <= n; i++)
        assert_false(memcmp(buf + i, "ping the", 8) == 0);
    aus_agent_rx rx;
    assert_int_equal(aus_agent_recv(&s->ag, buf, n, 2000, &rx), AUS_OK);
    assert_int_equal(rx.len, sizeof adu);
    assert_memory_equal(rx.adu, adu, sizeof adu);
    assert_int_equal(rx.seq, 1);
    assert_int_equal(rx.expired, 0);
    assert_int_equal(s->seal.rx_kid, 0x100); /* the pair that authenticated it (rekey state) */
    assert_int_equal(aus_agent_accept(&s->ag, &rx), AUS_OK);
    /* the same bundle again: replay */
    assert_int_equal(aus_agent_recv(&s->ag, buf, n, 2000, &rx), AUS_E_REPLAY);
    /* the window survives a restart (reopen from the store) */
    open_side(s, SAT, GROUND, bpsec);
    assert_int_equal(aus_agent_recv(&s->ag, buf, n, 2000, &rx), AUS_E_REPLAY);
    /* every single-bit flip is refused (never delivered) */
    assert_int_equal(aus_agent_send(&g->ag, adu, sizeof adu, 1000, NULL), AUS_OK);
    n = take_out(g, buf, sizeof buf);
    for (size_t bit = 0; bit < n * 8; bit += 3) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(aus_agent_recv(&s->ag, buf, n, 2000, &rx), AUS_OK);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(s->seal.rx_kid, 0); /* the last refusal reports no key id */
    /* truncation at every length is refused */
    for (size_t k = 0; k < n; k += 7)
        assert_int_not_equal(aus_agent_recv(&s->ag, buf, k, 2000, &rx), AUS_OK);
    /* lifetime over: deleted on receipt (RFC 9171 §5.6), reason 1, the ADU withheld */
    assert_int_equal(aus_agent_recv(&s->ag, buf, n, 1000 + 60001, &rx), AUS_OK);
    assert_int_equal(rx.expired, 1);
    assert_int_equal(rx.deleted, 1);
    assert_int_equal(rx.reason, AUS_BPV7_RC_LIFETIME_EXPIRED);
    assert_int_equal(rx.len, 0);
    /* a node that is not the destination refuses it (policy), and a wrong key fails auth */
    side *other = mk(SAT + 1, GROUND, bpsec);
    assert_int_equal(aus_agent_recv(&other->ag, buf, n, 2000, &rx), AUS_E_POLICY);
    side *wrong = mk(SAT, GROUND, bpsec);
    wrong->key[0][0] ^= 1;
    wrong->key[1][0] ^= 1;
    aus_err e = aus_agent_recv(&wrong->ag, buf, n, 2000, &rx);
    assert_true(e == AUS_E_AUTH);
    assert_true(wrong->ag.st.auth_fail == 1);
    assert_int_equal(wrong->seal.rx_kid, 0); /* nothing authenticated: no key id reported */
    rm(other);
    rm(wrong);
    rm(g);
    rm(s);
}

static void test_seal_roundtrip(void **st)
{
    (void)st;
    roundtrip(0);
}

static void test_bpsec_roundtrip(void **st)
{
    (void)st;
    roundtrip(1);
}

static void test_queue_order_and_store_failure(void **st)
{
    (void)st;
    side *g = mk(GROUND, SAT, 1);
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    char key[AUS_STORE_KEY_MAX], prev[AUS_STORE_KEY_MAX] = "";
    for (int i = 0; i < 5; i++)
        assert_int_equal(aus_agent_send(&g->ag, (const uint8_t *)"x", 1, 5, NULL), AUS_OK);
    uint64_t last = 0;
    for (int i = 0; i < 5; i++) {
        size_t len;
        uint64_t seq;
        assert_int_equal(
            aus_agent_out_next(&g->ag, prev, key, sizeof key, buf, sizeof buf, &len, &seq), AUS_OK);
        assert_true(seq > last); /* creation order */
        last = seq;
        memcpy(prev, key, sizeof key);
    }
    assert_int_equal(
        aus_agent_out_next(&g->ag, prev, key, sizeof key, buf, sizeof buf, &last, NULL),
        AUS_E_NOTFOUND);
    /* a failing store write: the send fails and nothing is queued under a new sequence */
    tst_store_fail_after(g->mem, 0, 1);
    assert_int_equal(aus_agent_send(&g->ag, (const uint8_t *)"y", 1, 5, NULL), AUS_E_IO);
    tst_store_fail_after(g->mem, -1, 0);
    assert_int_equal(aus_agent_reload(&g->ag), AUS_OK);
    rm(g);
}

static int cmp12(const void *a, const void *b) { return memcmp(a, b, 12); }

static void test_iv_unique_across_crash(void **st)
{
    (void)st;
    side *g = mk(GROUND, SAT, 1);
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 250; i++) {
            assert_int_equal(aus_agent_send(&g->ag, (const uint8_t *)"z", 1, 9, NULL), AUS_OK);
            (void)take_out(g, buf, sizeof buf);
        }
        /* "crash": reopen everything from the stores without a clean shutdown */
        open_side(g, GROUND, SAT, 1);
    }
    assert_int_equal(g->nivs, 1000);
    qsort(g->ivs, g->nivs, 12, cmp12);
    for (size_t i = 1; i < g->nivs; i++)
        assert_int_not_equal(memcmp(g->ivs[i - 1], g->ivs[i], 12), 0);
    rm(g);
}

static void test_init_args(void **st)
{
    (void)st;
    side *g = mk(GROUND, SAT, 0);
    aus_agent_sec_ops ops = aus_agent_seal_ops(&g->seal);
    aus_agent_cfg cfg = {1, 1, 2, 1, 1000, 0, "t", 0, 0, 0};
    assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &ops), AUS_E_ARG); /* window 0 */
    cfg.replay_window = AUS_REPLAY_MAX_WINDOW + 1;
    assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &ops), AUS_E_ARG);
    cfg.replay_window = 8;
    cfg.tenant = "";
    assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &ops), AUS_E_ARG);
    cfg.tenant = "t";
    cfg.mgmt_service = cfg.service; /* the management service must be a second one */
    assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &ops), AUS_E_ARG);
    cfg.mgmt_service = 0;
    assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &ops), AUS_OK);
    /* no peer management service configured: sending to it is refused */
    assert_int_equal(aus_agent_send_to(&g->ag, 1, (const uint8_t *)"x", 1, 1000, NULL), AUS_E_ARG);
    rm(g);
}

/* The key-management service number: bundles to it arrive with rx.dst_service = 5, bundles to
 * the main service with 1, and a bundle to any other service of ours is POLICY. */
static void test_services(void **st)
{
    (void)st;
    side *g = mk(GROUND, SAT, 1), *s = mk(SAT, GROUND, 1);
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    aus_agent_rx rx;
    static const uint8_t adu[] = "rekey";
    for (int mgmt = 0; mgmt < 2; mgmt++) {
        assert_int_equal(aus_agent_send_to(&g->ag, mgmt, adu, sizeof adu, 1000 + mgmt, NULL),
                         AUS_OK);
        size_t n = take_out(g, buf, sizeof buf);
        assert_int_equal(aus_agent_recv(&s->ag, buf, n, 1500, &rx), AUS_OK);
        assert_int_equal(rx.dst_service, mgmt ? 5 : 1);
        assert_int_equal(aus_agent_accept(&s->ag, &rx), AUS_OK);
    }
    aus_agent_sec_ops ops = aus_agent_bpsec_ops(&g->bp);
    aus_agent_cfg cfg = {GROUND, 1, SAT, 9, 60000, 64, "t1", 0, 5, 5}; /* peer service 9 */
    assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &ops), AUS_OK);
    assert_int_equal(aus_agent_send(&g->ag, adu, sizeof adu, 2000, NULL), AUS_OK);
    size_t n = take_out(g, buf, sizeof buf);
    assert_int_equal(aus_agent_recv(&s->ag, buf, n, 2500, &rx), AUS_E_POLICY);
    rm(g);
    rm(s);
}

/* The envelope never encrypts two plaintexts under one AES-GCM (key, IV): each bundle has one BCB
 * with one target (the payload), no BIB over the payload (the BCB would have to encrypt that BIB
 * too, under the payload's IV: its known structure would read the payload's first bytes back),
 * and successive bundles carry different IVs. */
static void test_bpsec_one_target_per_iv(void **st)
{
    (void)st;
    side *g = mk(GROUND, SAT, 1), *s = mk(SAT, GROUND, 1);
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    static const uint8_t adu[] = "a secret command";
    uint8_t ivs[2][16];
    size_t ivl[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(aus_agent_send(&g->ag, adu, sizeof adu, 1000 + (uint64_t)k, NULL), AUS_OK);
        size_t n = take_out(g, buf, sizeof buf);
        aus_bpv7_bundle b;
        assert_int_equal(aus_bpv7_decode(&b, buf, n, 0), AUS_OK);
        size_t nbcb = 0;
        for (size_t i = 0; i < b.nblocks; i++) {
            aus_bpsec_asb a;
            if (b.blk[i].type != AUS_BPSEC_BT_BCB && b.blk[i].type != AUS_BPSEC_BT_BIB)
                continue;
            assert_int_equal(aus_bpsec_asb_decode(&a, b.blk[i].data, b.blk[i].data_len), AUS_OK);
            if (b.blk[i].type == AUS_BPSEC_BT_BIB) {
                /* one HMAC: the seq block, whose full-scope IPPT holds the primary block too
                 * (RFC 9173 §3.7); never the payload */
                assert_int_equal(a.ntargets, 1);
                size_t seq = 0;
                for (size_t j = 0; j < b.nblocks; j++)
                    seq += b.blk[j].number == a.targets[0] && b.blk[j].type == AUS_BPSEC_BT_SEQ;
                assert_int_equal(seq, 1);
                continue;
            }
            nbcb++;
            assert_int_equal(a.ntargets, 1);
            assert_int_equal(a.targets[0], 1);
            assert_int_equal(a.params[0].id, 1); /* the IV, RFC 9173 §4.3.1 */
            assert_true(a.params[0].val_len <= sizeof ivs[k]);
            memcpy(ivs[k], a.params[0].val, a.params[0].val_len);
            ivl[k] = a.params[0].val_len;
        }
        assert_int_equal(nbcb, 1);
        aus_agent_rx rx;
        assert_int_equal(aus_agent_recv(&s->ag, buf, n, 1500, &rx), AUS_OK);
        assert_int_equal(aus_agent_accept(&s->ag, &rx), AUS_OK);
    }
    assert_false(ivl[0] == ivl[1] && !memcmp(ivs[0], ivs[1], ivl[0]));
    rm(g);
    rm(s);
}

/* Deliver one queued bundle of from into to at time t; returns rx (accepted). */
static aus_agent_rx pass_one(side *from, side *to, uint64_t t)
{
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    size_t n = take_out(from, buf, sizeof buf);
    aus_agent_rx rx;
    assert_int_equal(aus_agent_recv(&to->ag, buf, n, t, &rx), AUS_OK);
    assert_int_equal(aus_agent_accept(&to->ag, &rx), AUS_OK);
    return rx;
}

static int queue_empty(side *s)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t b[16];
    size_t len;
    return aus_agent_out_next(&s->ag, "", key, sizeof key, b, sizeof b, &len, NULL) ==
           AUS_E_NOTFOUND;
}

/* A protected administrative record from s (as its envelope would seal it) with sequence seq. */
static long admin_from(side *s, const uint8_t *rec, size_t len, uint64_t seq, uint8_t *buf,
                       size_t cap)
{
    aus_bpv7_bundle b;
    aus_bpv7_init(&b);
    b.pri.crc_type = AUS_BPV7_CRC_32C;
    b.pri.flags = AUS_BPV7_BF_NO_FRAGMENT | AUS_BPV7_BF_ADMIN;
    b.pri.dst = (aus_eid){.scheme = AUS_EID_SCHEME_IPN, .node = GROUND, .service = 1};
    b.pri.src = (aus_eid){.scheme = AUS_EID_SCHEME_IPN, .node = SAT, .service = 1};
    b.pri.report_to = b.pri.src;
    b.pri.ctime = 9500;
    b.pri.lifetime = 1000;
    assert_int_equal(aus_bpv7_set_payload(&b, rec, len, 0, AUS_BPV7_CRC_NONE), AUS_OK);
    aus_agent_sec_ops ops =
        s->use_bpsec ? aus_agent_bpsec_ops(&s->bp) : aus_agent_seal_ops(&s->seal);
    long n = ops.protect(ops.self, &b, seq, 9500, buf, cap);
    assert_true(n > 0);
    return n;
}

/* RFC 9171 §6.1.1 status reports: asked for by cfg.report_req, sent at accept (expired ->
 * deleted with reason 1, else received / delivered), about the subject's (source, creation
 * time, sequence), to the peer only, never about a report; reports the peer sends are
 * delivered as admin records; a forged or foreign one is refused. */
static void test_status_reports(void **st)
{
    (void)st;
    for (int bpsec = 0; bpsec < 2; bpsec++) {
        side *g = mk(GROUND, SAT, bpsec), *s = mk(SAT, GROUND, bpsec);
        aus_agent_sec_ops gops = bpsec ? aus_agent_bpsec_ops(&g->bp) : aus_agent_seal_ops(&g->seal);
        aus_agent_cfg cfg = {GROUND, 1, SAT, 1, 1000, 64, "t1", 0, 5, 5};
        cfg.report_req =
            AUS_BPV7_BF_RPT_DELETION | AUS_BPV7_BF_RPT_RECEPTION | AUS_BPV7_BF_STATUS_TIME;
        assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &gops), AUS_OK);
        static const uint8_t adu[] = "late command";
        /* 1. expired on arrival: received + deleted, reason 1, with times */
        assert_int_equal(aus_agent_send(&g->ag, adu, sizeof adu, 5000, NULL), AUS_OK);
        aus_agent_rx rx = pass_one(g, s, 7000);
        assert_true(rx.expired);
        assert_false(rx.admin);
        assert_int_equal(s->ag.st.reports_sent, 1);
        rx = pass_one(s, g, 7100);
        assert_true(rx.admin);
        assert_int_equal(g->ag.st.reports_received, 1);
        const aus_bpv7_status_report *r = &rx.report;
        assert_int_equal(r->src.node, GROUND);
        assert_int_equal(r->ctime, 5000);
        assert_int_equal(r->seq, 0);
        assert_int_equal(r->reason, AUS_BPV7_RC_LIFETIME_EXPIRED);
        assert_true(r->item[AUS_BPV7_SI_RECEIVED].asserted);
        assert_true(r->item[AUS_BPV7_SI_DELETED].asserted);
        assert_false(r->item[AUS_BPV7_SI_DELIVERED].asserted);
        assert_true(r->item[AUS_BPV7_SI_DELETED].has_time);
        assert_int_equal(r->item[AUS_BPV7_SI_DELETED].time, 7000);
        /* ... and nobody reports about the report */
        assert_true(queue_empty(g) && queue_empty(s));
        /* 2. in time: received only (deletion not asserted, delivery not asked for) */
        assert_int_equal(aus_agent_send(&g->ag, adu, sizeof adu, 8000, NULL), AUS_OK);
        rx = pass_one(g, s, 8500);
        assert_false(rx.expired);
        rx = pass_one(s, g, 8600);
        assert_true(rx.report.item[AUS_BPV7_SI_RECEIVED].asserted);
        assert_false(rx.report.item[AUS_BPV7_SI_DELETED].asserted);
        assert_int_equal(rx.report.reason, AUS_BPV7_RC_NONE);
        /* 3. the satellite's bundles ask for nothing: no report comes back */
        assert_int_equal(aus_agent_send(&s->ag, adu, sizeof adu, 9000, NULL), AUS_OK);
        (void)pass_one(s, g, 9100);
        assert_true(queue_empty(g));
        /* 4. a report about a bundle that is not the receiver's: POLICY */
        aus_bpv7_status_report sr;
        aus_bpv7_bundle subj;
        aus_bpv7_init(&subj);
        subj.pri.src = (aus_eid){.scheme = AUS_EID_SCHEME_IPN, .node = 300, .service = 1};
        aus_bpv7_status_about(&sr, &subj, AUS_BPV7_SI_DELETED, 1, 0, 0);
        uint8_t rec[128];
        long rl = aus_bpv7_status_encode(&sr, rec, sizeof rec);
        assert_true(rl > 0);
        static uint8_t buf[4096];
        long n = admin_from(s, rec, (size_t)rl, 1000, buf, sizeof buf);
        uint64_t before = g->ag.st.policy;
        assert_int_equal(aus_agent_recv(&g->ag, buf, (size_t)n, 9600, &rx), AUS_E_POLICY);
        assert_int_equal(g->ag.st.policy, before + 1);
        /* 5. an administrative record that is not a status report: refused, not delivered */
        static const uint8_t junk[] = {0x82, 0x02, 0x00}; /* [2, 0]: record type 2 */
        n = admin_from(s, junk, sizeof junk, 1001, buf, sizeof buf);
        assert_int_equal(aus_agent_recv(&g->ag, buf, (size_t)n, 9600, &rx), AUS_E_UNSUPPORTED);
        /* ... and a status report that is not well formed: MALFORMED */
        static const uint8_t bad[] = {0x82, 0x01, 0x80}; /* [1, []] */
        n = admin_from(s, bad, sizeof bad, 1002, buf, sizeof buf);
        assert_int_equal(aus_agent_recv(&g->ag, buf, (size_t)n, 9600, &rx), AUS_E_MALFORMED);
        /* forwarding reports are a relay's business: refused in the configuration */
        cfg.report_req = AUS_BPV7_BF_RPT_FORWARD;
        assert_int_equal(aus_agent_init(&g->ag, &cfg, &g->st, &gops), AUS_E_ARG);
        rm(g);
        rm(s);
    }
}

/* A protected bundle from GROUND to SAT built by hand, with the extra blocks set up by add
 * (as a relay or a peer's newer software would write them), sealed by g's own envelope. */
typedef void (*add_fn)(aus_bpv7_bundle *b);
static const uint8_t odd_adu[] = "exec: must never run";
static const uint8_t odd_data[] = {0x82, 0x01, 0x02};
static long odd_bundle(side *g, add_fn add, uint64_t seq, uint64_t ctime, uint8_t *buf, size_t cap)
{
    aus_bpv7_bundle b;
    aus_bpv7_init(&b);
    b.pri.crc_type = AUS_BPV7_CRC_32C;
    b.pri.flags = AUS_BPV7_BF_NO_FRAGMENT | AUS_BPV7_BF_RPT_DELETION | AUS_BPV7_BF_RPT_DELIVERY;
    b.pri.dst = (aus_eid){.scheme = AUS_EID_SCHEME_IPN, .node = SAT, .service = 1};
    b.pri.src = (aus_eid){.scheme = AUS_EID_SCHEME_IPN, .node = GROUND, .service = 1};
    b.pri.report_to = b.pri.src;
    b.pri.ctime = ctime;
    b.pri.lifetime = 60000;
    assert_int_equal(aus_bpv7_set_payload(&b, odd_adu, sizeof odd_adu, 0, 0), AUS_OK);
    if (add)
        add(&b);
    for (size_t i = 0; i + 1 < b.nblocks; i++)
        b.blk[i].number = 20 + i; /* clear of the envelopes' own block numbers */
    aus_agent_sec_ops ops =
        g->use_bpsec ? aus_agent_bpsec_ops(&g->bp) : aus_agent_seal_ops(&g->seal);
    long n = ops.protect(ops.self, &b, seq, ctime, buf, cap);
    assert_true(n > 0);
    return n;
}
static void add_hop_over(aus_bpv7_bundle *b)
{
    assert_int_equal(aus_bpv7_add_hop_count(b, 3, 4, AUS_BPV7_CRC_16), AUS_OK);
}
static void add_hop_ok(aus_bpv7_bundle *b)
{
    assert_int_equal(aus_bpv7_add_hop_count(b, 3, 3, AUS_BPV7_CRC_16), AUS_OK);
}
static void add_unsupported_delete(aus_bpv7_bundle *b)
{
    assert_true(aus_bpv7_add_block(b, 200, 20, AUS_BPV7_BLK_DEL_UNPROC, 0, odd_data, 3) >= 0);
}
static void add_unsupported_report(aus_bpv7_bundle *b)
{
    assert_true(aus_bpv7_add_block(b, 201, 21, AUS_BPV7_BLK_RPT_UNPROC, 0, odd_data, 3) >= 0);
}

/* RFC 9171 §5.6: the decoder answers well-formedness only, so the agent's receipt call is what
 * keeps these bundles away from the application. An expired bundle, a hop-exceeded bundle and
 * one with an unsupported "delete" block are deleted (rx.deleted, the §6.1.1 reason code, no
 * ADU), recorded by accept, and the deletion report carries the reason. Through the BPSec
 * envelope (which lets a relay's extension blocks through) and the built-in one (which refuses
 * any block it did not write: never delivered either). The daemons (both links) and the TCPCL /
 * UDPCL links hand every bundle to aus_agent_recv, so this is the test for all of them. */
static void test_receipt_deletes(void **st)
{
    (void)st;
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    static const struct {
        add_fn add;
        uint64_t at; /* receive time (created at 1000, lifetime 60000) */
        int deleted;
        unsigned reason;
    } cases[] = {
        {NULL, 61001, 1, AUS_BPV7_RC_LIFETIME_EXPIRED},
        {add_hop_over, 2000, 1, AUS_BPV7_RC_HOP_LIMIT},
        {add_unsupported_delete, 2000, 1, AUS_BPV7_RC_BLOCK_UNSUPPORTED},
        {add_unsupported_report, 2000, 0, AUS_BPV7_RC_BLOCK_UNSUPPORTED},
        {add_hop_ok, 2000, 0, AUS_BPV7_RC_NONE},
        {NULL, 61000, 0, AUS_BPV7_RC_NONE},
    };
    for (int bpsec = 0; bpsec < 2; bpsec++) {
        side *g = mk(GROUND, SAT, bpsec), *s = mk(SAT, GROUND, bpsec);
        for (size_t i = 0; i < AUS_ARRAY_LEN(cases); i++) {
            long n = odd_bundle(g, cases[i].add, 100 + i, 1000, buf, sizeof buf);
            aus_agent_rx rx;
            aus_err e = aus_agent_recv(&s->ag, buf, (size_t)n, cases[i].at, &rx);
            if (!bpsec && cases[i].add) {
                /* the built-in envelope accepts only its own two blocks */
                assert_int_equal(e, AUS_E_AUTH);
                continue;
            }
            assert_int_equal(e, AUS_OK);
            assert_int_equal(rx.deleted, cases[i].deleted);
            assert_int_equal(rx.reason, cases[i].reason);
            if (rx.deleted) {
                assert_int_equal(rx.len, 0); /* never delivered */
                assert_false(rx.admin);
            } else {
                tst_assert_bytes(rx.adu, rx.len, odd_adu, sizeof odd_adu);
            }
            uint64_t before = s->ag.st.reports_sent;
            assert_int_equal(aus_agent_accept(&s->ag, &rx), AUS_OK);
            assert_int_equal(s->ag.st.reports_sent, before + 1);
            aus_agent_rx rep = pass_one(s, g, cases[i].at + 10);
            assert_true(rep.admin);
            assert_int_equal(rep.report.reason, cases[i].reason);
            assert_int_equal(rep.report.item[AUS_BPV7_SI_DELETED].asserted, cases[i].deleted);
            assert_int_equal(rep.report.item[AUS_BPV7_SI_DELIVERED].asserted, !cases[i].deleted);
            /* §5.6 step 4: the kept unsupported block asked for a reception report */
            assert_int_equal(rep.report.item[AUS_BPV7_SI_RECEIVED].asserted,
                             cases[i].add == add_unsupported_report);
            /* recorded: the same bundle again is a replay, deleted or not */
            assert_int_equal(aus_agent_recv(&s->ag, buf, (size_t)n, cases[i].at, &rx),
                             AUS_E_REPLAY);
        }
        rm(g);
        rm(s);
    }
}

int main(void)
{
    setup_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_roundtrip),
        cmocka_unit_test(test_bpsec_roundtrip),
        cmocka_unit_test(test_bpsec_one_target_per_iv),
        cmocka_unit_test(test_queue_order_and_store_failure),
        cmocka_unit_test(test_iv_unique_across_crash),
        cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_status_reports),
        cmocka_unit_test(test_receipt_deletes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
