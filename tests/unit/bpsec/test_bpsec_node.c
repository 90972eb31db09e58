/* SPDX-License-Identifier: Apache-2.0 */
/* The node service: protect / accept with policy, sequence numbers, replay windows that survive
 * a restart, deterministic IVs that never repeat (also across a crash), tshark on our output. */
#include "bpsec_test_util.h"

#include <unistd.h>

#include "australis/bpv7.h"
#include "store_sqlite.h"

static const aus_crypto *C;
static const char *ORIG =
    "9f88070000820282010282028202018202820201820018281a000f424085010100005823526561647920746f20"
    "67656e657261746520612033322d62797465207061796c6f6164ff";

static tkeys K;

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    K.n = 0;
    tkeys_add(&K, "ipn:2.1", 1, "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b");
    tkeys_add(&K, "ipn:2.1", 2, "71776572747975696f7061736466676871776572747975696f70617364666768");
    tkeys_add(&K, "ipn:3.0", 1, "00112233445566778899aabbccddeeff");
    tkeys_add(&K, "ipn:3.0", 2, "000102030405060708090a0b0c0d0e0f");
    return 0;
}

typedef struct node {
    tst_store *mem;
    aus_store s;
    aus_bpsec_ctx ctx;
} node;

static void node_init(node *n, tst_store *mem)
{
    n->mem = mem ? mem : tst_store_new();
    n->s = tst_store_iface(n->mem);
    assert_int_equal(aus_bpsec_ctx_init(&n->ctx, C, &n->s, tkeys_fn, &K, 0x11223344), AUS_OK);
}

static size_t orig(uint8_t *buf)
{
    size_t n;
    uint8_t *p = tst_hex(ORIG, &n);
    memcpy(buf, p, n);
    free(p);
    return n;
}

static size_t protect(node *n, const aus_bpsec_protect_opts *o, uint8_t *out)
{
    uint8_t in[512];
    size_t il = orig(in), ol = 0;
    aus_bpsec_protect_opts d;
    aus_bpsec_protect_opts_default(&d);
    assert_int_equal(aus_bpsec_protect(&n->ctx, o ? o : &d, in, il, out, 1024, &ol), AUS_OK);
    return ol;
}

static aus_err accept(node *n, const uint8_t *in, size_t len, aus_bpsec_report *rep)
{
    uint8_t out[1024], want[512];
    size_t ol = 0, wl = orig(want);
    aus_err e = aus_bpsec_accept(&n->ctx, in, len, out, sizeof out, &ol, rep, NULL);
    if (e == AUS_OK)
        tst_assert_bytes(out, ol, want, wl);
    return e;
}

static void tshark_ok(const uint8_t *p, size_t n)
{
    char path[] = "/tmp/aus_bpsec_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/tools/tshark_check.sh %s >/dev/null 2>&1", AUS_SHARED_DIR, path);
    int rc = system(cmd);
    unlink(path);
    if (rc != 0)
        fail_msg("tshark_check failed on %s", tst_tohex(p, n));
}

/* No two plaintexts under one AES-GCM (key, IV): every BCB of a protected bundle has one target,
 * and no two BCBs carry the same IV. */
static void one_target_per_bcb(const uint8_t *p, size_t n)
{
    aus_bpv7_bundle b;
    aus_bpsec_asb a[4];
    size_t na = 0;
    assert_int_equal(aus_bpv7_decode(&b, p, n, 0), AUS_OK);
    for (size_t i = 0; i < b.nblocks; i++) {
        if (b.blk[i].type != AUS_BPSEC_BT_BCB)
            continue;
        assert_true(na < 4);
        assert_int_equal(aus_bpsec_asb_decode(&a[na], b.blk[i].data, b.blk[i].data_len), AUS_OK);
        assert_int_equal(a[na].ntargets, 1);
        na++;
    }
    assert_true(na >= 1);
    for (size_t i = 0; i < na; i++)
        for (size_t j = i + 1; j < na; j++)
            assert_false(a[i].params[0].val_len == a[j].params[0].val_len &&
                         !memcmp(a[i].params[0].val, a[j].params[0].val, a[i].params[0].val_len));
}

/* The BIB's targets: exactly the one block number want (the seq block of the default layout). */
static void bib_targets_are(const uint8_t *p, size_t n, uint64_t want)
{
    aus_bpv7_bundle b;
    aus_bpsec_asb a;
    size_t nbib = 0;
    assert_int_equal(aus_bpv7_decode(&b, p, n, 0), AUS_OK);
    for (size_t i = 0; i < b.nblocks; i++) {
        if (b.blk[i].type != AUS_BPSEC_BT_BIB)
            continue;
        assert_int_equal(aus_bpsec_asb_decode(&a, b.blk[i].data, b.blk[i].data_len), AUS_OK);
        assert_int_equal(a.ntargets, 1);
        assert_int_equal(a.targets[0], want);
        nbib++;
    }
    assert_int_equal(nbib, 1);
    size_t seq = 0;
    for (size_t i = 0; i < b.nblocks; i++)
        seq += b.blk[i].number == want && b.blk[i].type == AUS_BPSEC_BT_SEQ;
    assert_int_equal(seq, 1);
}

static void test_roundtrip_default(void **st)
{
    (void)st;
    node s, r;
    node_init(&s, NULL);
    node_init(&r, NULL);
    uint8_t b[1024];
    aus_bpsec_report rep;
    size_t n = protect(&s, NULL, b);
    tshark_ok(b, n);
    one_target_per_bcb(b, n);
    bib_targets_are(b, n, 2);
    assert_int_equal(accept(&r, b, n, &rep), AUS_OK);
    assert_int_equal(rep.has_seq, 1);
    assert_int_equal(rep.seq, 1);
    assert_string_equal(rep.seq_source, "ipn:2.1");
    /* one BIB over the seq block, whose IPPT holds the primary block (one HMAC for both); the
     * payload's integrity is its BCB's GCM tag */
    assert_int_equal(rep.nbib, 1);
    assert_int_equal(rep.nint, 1);
    assert_int_equal(rep.nbcb, 1);
    assert_int_equal(rep.covered_bib & 7, AUS_BPSEC_COVER_PRIMARY | AUS_BPSEC_COVER_SEQ);
    assert_int_equal(rep.covered_bcb & AUS_BPSEC_COVER_PAYLOAD, AUS_BPSEC_COVER_PAYLOAD);
    /* variants: SHA-384/512, AES-128, wrapped session keys, narrower scopes: all pass tshark
     * and round-trip */
    static const int sha[] = {AUS_HASH_SHA256, AUS_HASH_SHA384, AUS_HASH_SHA512};
    for (int i = 0; i < 12; i++) {
        aus_bpsec_protect_opts o;
        aus_bpsec_protect_opts_default(&o);
        o.sha = sha[i % 3];
        o.aes = (i & 1) ? AUS_AEAD_AES128_GCM : AUS_AEAD_AES256_GCM;
        o.wrap_key = (uint8_t)(i / 6);
        o.bib_scope = (uint8_t)(i % 8);
        o.bcb_scope = (uint8_t)((i + 3) % 8);
        o.source = (i & 1) ? "ipn:3.0" : NULL;
        n = protect(&s, &o, b);
        tshark_ok(b, n);
        one_target_per_bcb(b, n);
        assert_int_equal(accept(&r, b, n, &rep), AUS_OK);
    }
    tst_store_free(s.mem);
    tst_store_free(r.mem);
}

/* accept hands its replay precheck's decode and security-block map to the open: with any one
 * bit of a protected bundle flipped (bits 0 and 7 of every byte) nothing is accepted, and the
 * original still is afterwards (no flipped copy moved the replay window). */
static void test_accept_bit_flips(void **st)
{
    (void)st;
    node s, r;
    node_init(&s, NULL);
    node_init(&r, NULL);
    uint8_t b[1024], f[1024];
    aus_bpsec_report rep;
    size_t n = protect(&s, NULL, b);
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit += 7) {
            memcpy(f, b, n);
            f[i] ^= (uint8_t)(1u << bit);
            accepted += accept(&r, f, n, &rep) == AUS_OK;
        }
    assert_int_equal(accepted, 0);
    assert_int_equal(accept(&r, b, n, &rep), AUS_OK);
    assert_int_equal(rep.seq, 1);
    assert_int_equal(accept(&r, b, n, &rep), AUS_E_REPLAY);
    tst_store_free(s.mem);
    tst_store_free(r.mem);
}

static void test_replay(void **st)
{
    (void)st;
    node s, r;
    node_init(&s, NULL);
    node_init(&r, NULL);
    static uint8_t b[80][1024];
    size_t n[80];
    aus_bpsec_report rep;
    for (int i = 0; i < 80; i++)
        n[i] = protect(&s, NULL, b[i]);
    assert_int_equal(accept(&r, b[0], n[0], &rep), AUS_OK);
    /* the same bundle twice */
    assert_int_equal(accept(&r, b[0], n[0], &rep), AUS_E_REPLAY);
    assert_int_equal(rep.reason, AUS_BPSEC_RC_FAILED);
    /* out of order inside the window is fine, once */
    assert_int_equal(accept(&r, b[5], n[5], &rep), AUS_OK);
    assert_int_equal(accept(&r, b[3], n[3], &rep), AUS_OK);
    assert_int_equal(accept(&r, b[3], n[3], &rep), AUS_E_REPLAY);
    /* a number older than the window (64) is rejected */
    assert_int_equal(accept(&r, b[79], n[79], &rep), AUS_OK);
    assert_int_equal(accept(&r, b[10], n[10], &rep), AUS_E_REPLAY);
    assert_int_equal(accept(&r, b[20], n[20], &rep), AUS_OK);
    /* restart of the receiver (same store, new context): still rejected */
    node r2;
    node_init(&r2, r.mem);
    assert_int_equal(accept(&r2, b[0], n[0], &rep), AUS_E_REPLAY);
    assert_int_equal(accept(&r2, b[79], n[79], &rep), AUS_E_REPLAY);
    assert_int_equal(accept(&r2, b[21], n[21], &rep), AUS_OK);
    /* a store that cannot record the window: not accepted, and accepted later when it can */
    tst_store_fail_after(r2.mem, 0, 0);
    assert_int_equal(accept(&r2, b[22], n[22], &rep), AUS_E_IO);
    assert_int_equal(accept(&r2, b[22], n[22], &rep), AUS_OK);
    tst_store_free(s.mem);
    tst_store_free(r.mem);
}

static char dbdir[128];

static void test_replay_after_crash_sqlite(void **st)
{
    (void)st;
    char sp[200], rp[200];
    snprintf(dbdir, sizeof dbdir, "/tmp/aus_bpsec_db_XXXXXX");
    assert_non_null(mkdtemp(dbdir));
    snprintf(sp, sizeof sp, "%s/sender.db", dbdir);
    snprintf(rp, sizeof rp, "%s/receiver.db", dbdir);
    aus_store ss, rs;
    aus_bpsec_ctx sc, rc;
    assert_int_equal(aus_store_sqlite_open(&ss, sp), AUS_OK);
    assert_int_equal(aus_store_sqlite_open(&rs, rp), AUS_OK);
    assert_int_equal(aus_bpsec_ctx_init(&sc, C, &ss, tkeys_fn, &K, 1), AUS_OK);
    assert_int_equal(aus_bpsec_ctx_init(&rc, C, &rs, tkeys_fn, &K, 2), AUS_OK);
    sc.ctr_block = 4; /* small blocks: the crash lands between reservations */
    uint8_t in[512], b1[1024], b2[1024], out[1024];
    size_t il = orig(in), n1, n2, ol;
    aus_bpsec_protect_opts o;
    aus_bpsec_protect_opts_default(&o);
    aus_bpsec_report rep;
    for (int i = 0; i < 6; i++)
        assert_int_equal(aus_bpsec_protect(&sc, &o, in, il, b1, sizeof b1, &n1), AUS_OK);
    assert_int_equal(aus_bpsec_accept(&rc, b1, n1, out, sizeof out, &ol, &rep, NULL), AUS_OK);
    uint64_t seq_before = rep.seq;
    /* both nodes "crash": stores closed, contexts forgotten, reopened from disk */
    aus_store_sqlite_close(&ss);
    aus_store_sqlite_close(&rs);
    assert_int_equal(aus_store_sqlite_open(&ss, sp), AUS_OK);
    assert_int_equal(aus_store_sqlite_open(&rs, rp), AUS_OK);
    assert_int_equal(aus_bpsec_ctx_init(&sc, C, &ss, tkeys_fn, &K, 1), AUS_OK);
    assert_int_equal(aus_bpsec_ctx_init(&rc, C, &rs, tkeys_fn, &K, 2), AUS_OK);
    /* the replay of the pre-crash bundle is rejected */
    assert_int_equal(aus_bpsec_accept(&rc, b1, n1, out, sizeof out, &ol, &rep, NULL), AUS_E_REPLAY);
    /* the sender never reuses a sequence number: the next one is past the reserved block */
    assert_int_equal(aus_bpsec_protect(&sc, &o, in, il, b2, sizeof b2, &n2), AUS_OK);
    assert_int_equal(aus_bpsec_accept(&rc, b2, n2, out, sizeof out, &ol, &rep, NULL), AUS_OK);
    assert_true(rep.seq > seq_before);
    assert_int_equal(rep.seq, 9); /* 1..6 used, reservations of 4: bound 9 */
    aus_store_sqlite_close(&ss);
    aus_store_sqlite_close(&rs);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dbdir);
    assert_int_equal(system(cmd), 0);
}

static int iv_cmp(const void *a, const void *b) { return memcmp(a, b, AUS_BPSEC_IV_LEN); }

/* 1 000 000 IVs under one key, with a crash (context lost, counter reopened from the store)
 * between reservation blocks: all distinct. */
static void test_million_ivs(void **st)
{
    (void)st;
    const size_t N = 1000000;
    uint8_t *iv = malloc(N * AUS_BPSEC_IV_LEN);
    node s;
    node_init(&s, NULL);
    for (size_t i = 0; i < N; i++) {
        if (i == 400000 || i == 777777) { /* crash: a new context over the same store */
            aus_bpsec_ctx fresh;
            assert_int_equal(aus_bpsec_ctx_init(&fresh, C, &s.s, tkeys_fn, &K, 0x11223344), AUS_OK);
            s.ctx = fresh;
        }
        if (aus_bpsec_next_iv(&s.ctx, "ipn:2.1", iv + i * AUS_BPSEC_IV_LEN) != AUS_OK)
            fail_msg("next_iv failed at %zu", i);
    }
    qsort(iv, N, AUS_BPSEC_IV_LEN, iv_cmp);
    for (size_t i = 1; i < N; i++)
        if (memcmp(iv + (i - 1) * AUS_BPSEC_IV_LEN, iv + i * AUS_BPSEC_IV_LEN, AUS_BPSEC_IV_LEN) ==
            0)
            fail_msg("IV repeated");
    /* the fixed field is the device's */
    assert_int_equal(memcmp(iv, "\x11\x22\x33\x44", 4), 0);
    /* store writes: one per reservation block, not one per IV */
    assert_true(tst_store_writes(s.mem) < (long)(N / AUS_CTR_RESERVE_BLOCK + 8));
    free(iv);
    tst_store_free(s.mem);
}

/* Full wraps: the IVs in the emitted BCBs are distinct, also after a restart. */
static void test_wrap_ivs_distinct(void **st)
{
    (void)st;
    const size_t N = 3000;
    uint8_t *iv = malloc(N * AUS_BPSEC_IV_LEN), b[1024];
    node s;
    node_init(&s, NULL);
    s.ctx.ctr_block = 16;
    for (size_t i = 0; i < N; i++) {
        if (i == N / 2) {
            aus_bpsec_ctx fresh;
            assert_int_equal(aus_bpsec_ctx_init(&fresh, C, &s.s, tkeys_fn, &K, 0x11223344), AUS_OK);
            fresh.ctr_block = 16;
            s.ctx = fresh;
        }
        size_t n = protect(&s, NULL, b);
        /* find the BCB and its IV parameter */
        aus_bpv7_bundle bb;
        aus_bpsec_asb a;
        int found = 0;
        assert_int_equal(aus_bpv7_decode(&bb, b, n, 0), AUS_OK);
        for (size_t k = 0; k < bb.nblocks; k++)
            if (bb.blk[k].type == AUS_BPSEC_BT_BCB) {
                assert_int_equal(aus_bpsec_asb_decode(&a, bb.blk[k].data, bb.blk[k].data_len),
                                 AUS_OK);
                assert_int_equal(a.params[0].id, AUS_BCB_PARAM_IV);
                assert_int_equal(a.params[0].val_len, 13);
                memcpy(iv + i * AUS_BPSEC_IV_LEN, a.params[0].val + 1, AUS_BPSEC_IV_LEN);
                found++;
            }
        assert_int_equal(found, 1);
    }
    qsort(iv, N, AUS_BPSEC_IV_LEN, iv_cmp);
    for (size_t i = 1; i < N; i++)
        assert_int_not_equal(
            memcmp(iv + (i - 1) * AUS_BPSEC_IV_LEN, iv + i * AUS_BPSEC_IV_LEN, AUS_BPSEC_IV_LEN),
            0);
    free(iv);
    tst_store_free(s.mem);
}

/* The primary block counts as integrity-protected when a verified BIB target's IPPT or an
 * authenticated BCB's AAD held it (scope bit 0, RFC 9173 §3.7 / §4.7.2), and only then. */
static void test_primary_by_scope(void **st)
{
    (void)st;
    node s, r;
    node_init(&s, NULL);
    node_init(&r, NULL);
    uint8_t b[1024], out[1024];
    size_t ol;
    aus_bpsec_report rep;
    static const struct {
        uint8_t bib_scope, bcb_scope;
        aus_err want;
    } cases[] = {
        {AUS_BPSEC_SCOPE_ALL, AUS_BPSEC_SCOPE_ALL, AUS_OK},
        {AUS_BPSEC_SCOPE_ALL, 6, AUS_OK},     /* by the BIB's IPPT */
        {6, AUS_BPSEC_SCOPE_ALL, AUS_OK},     /* by the BCB's AAD */
        {6, 6, AUS_E_POLICY},                 /* by nothing */
        {AUS_BPSEC_SCOPE_PRIMARY, 0, AUS_OK}, /* scope 1: the primary block alone */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aus_bpsec_protect_opts o;
        aus_bpsec_protect_opts_default(&o);
        o.bib_primary = 0; /* no HMAC of the primary block as a target of its own */
        o.bib_scope = cases[i].bib_scope;
        o.bcb_scope = cases[i].bcb_scope;
        size_t n = protect(&s, &o, b);
        bib_targets_are(b, n, 2);
        aus_err e = aus_bpsec_accept(&r.ctx, b, n, out, sizeof out, &ol, &rep, NULL);
        assert_int_equal(e, cases[i].want);
        assert_int_equal(rep.covered_bib & AUS_BPSEC_COVER_PRIMARY,
                         cases[i].want == AUS_OK ? AUS_BPSEC_COVER_PRIMARY : 0);
        if (e != AUS_OK) {
            assert_string_equal(rep.detail,
                                "a block the security policy requires to be protected is not");
            continue;
        }
        /* and it is verified: any bit of the primary block flipped is refused */
        size_t pri_len = 0;
        aus_bpv7_bundle bb;
        assert_int_equal(aus_bpv7_decode(&bb, b, n, 0), AUS_OK);
        pri_len = bb.pri_len;
        for (size_t bit = 0; bit < pri_len * 8; bit += 5) {
            uint8_t f[1024];
            memcpy(f, b, n);
            f[bb.pri_off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_not_equal(aus_bpsec_accept(&r.ctx, f, n, out, sizeof out, &ol, &rep, NULL),
                                 AUS_OK);
        }
    }
    tst_store_free(s.mem);
    tst_store_free(r.mem);
}

static void test_policy(void **st)
{
    (void)st;
    node s, r;
    node_init(&s, NULL);
    node_init(&r, NULL);
    uint8_t b[1024];
    aus_bpsec_report rep;
    aus_bpsec_fail_action act = AUS_BPSEC_FAIL_DROP;
    /* no BCB: the default policy requires payload confidentiality */
    aus_bpsec_protect_opts o;
    aus_bpsec_protect_opts_default(&o);
    o.bcb_payload = 0;
    size_t n = protect(&s, &o, b);
    uint8_t out[1024];
    size_t ol;
    assert_int_equal(aus_bpsec_accept(&r.ctx, b, n, out, sizeof out, &ol, &rep, &act),
                     AUS_E_POLICY);
    assert_int_equal(rep.reason, AUS_BPSEC_RC_MISSING);
    assert_int_equal(act, AUS_BPSEC_FAIL_REPORT);
    /* no sequence number */
    aus_bpsec_protect_opts_default(&o);
    o.add_seq = 0;
    n = protect(&s, &o, b);
    assert_int_equal(accept(&r, b, n, &rep), AUS_E_POLICY);
    /* a tenant policy that does not need the seq block or the BCB, and only trusts ipn:3.0 for
     * ipn:2.* destinations (the bundle's destination is ipn:1.2) */
    aus_bpsec_policy p;
    aus_bpsec_policy_default(&p);
    p.bcb_required = 0;
    p.on_fail = AUS_BPSEC_FAIL_LOG;
    p.nrules = 1;
    strcpy(p.rules[0].dest, "ipn:1.*");
    strcpy(p.rules[0].source, "ipn:3.0");
    assert_int_equal(aus_bpsec_ctx_set_tenant(&r.ctx, 5, &p), AUS_OK);
    aus_bpsec_protect_opts_default(&o);
    o.tenant = 5;
    o.bcb_payload = 0;
    n = protect(&s, &o, b); /* source ipn:2.1: not trusted by tenant 5 */
    assert_int_equal(aus_bpsec_accept(&r.ctx, b, n, out, sizeof out, &ol, &rep, &act),
                     AUS_E_POLICY);
    assert_int_equal(act, AUS_BPSEC_FAIL_LOG);
    assert_int_equal(rep.reason, AUS_BPSEC_RC_UNEXPECTED);
    o.source = "ipn:3.0";
    n = protect(&s, &o, b);
    assert_int_equal(accept(&r, b, n, &rep), AUS_OK);
    assert_int_equal(rep.tenant, 5);
    /* the same tenant-5 bundle under tenant 6 (node policy): BCB missing */
    o.tenant = 6;
    n = protect(&s, &o, b);
    assert_int_equal(accept(&r, b, n, &rep), AUS_E_POLICY);
    /* sequence spaces are per (source, tenant): tenant 5 and 6 both started at 1 */
    assert_int_equal(rep.seq, 1);
    tst_store_free(s.mem);
    tst_store_free(r.mem);
}

static void test_protect_errors(void **st)
{
    (void)st;
    node s;
    node_init(&s, NULL);
    uint8_t in[512], out[1024];
    size_t il = orig(in), ol;
    aus_bpsec_protect_opts o;
    aus_bpsec_protect_opts_default(&o);
    /* no key for the source */
    o.source = "ipn:9.9";
    assert_int_equal(aus_bpsec_protect(&s.ctx, &o, in, il, out, sizeof out, &ol), AUS_E_KEY);
    /* the store refuses the reservation: nothing is emitted */
    aus_bpsec_protect_opts_default(&o);
    tst_store_fail_after(s.mem, 0, 1);
    memset(out, 0xAA, sizeof out);
    assert_int_equal(aus_bpsec_protect(&s.ctx, &o, in, il, out, sizeof out, &ol), AUS_E_IO);
    tst_store_fail_after(s.mem, -1, 0);
    /* output too small */
    assert_int_equal(aus_bpsec_protect(&s.ctx, &o, in, il, out, il + 20, &ol), AUS_E_NOBUFS);
    /* seq without a store */
    aus_bpsec_ctx nostore;
    assert_int_equal(aus_bpsec_ctx_init(&nostore, C, NULL, tkeys_fn, &K, 0), AUS_OK);
    assert_int_equal(aus_bpsec_protect(&nostore, &o, in, il, out, sizeof out, &ol), AUS_E_STATE);
    o.add_seq = 0; /* random IVs then */
    assert_int_equal(aus_bpsec_protect(&nostore, &o, in, il, out, sizeof out, &ol), AUS_OK);
    tst_store_free(s.mem);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_roundtrip_default),
        cmocka_unit_test(test_accept_bit_flips),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_replay_after_crash_sqlite),
        cmocka_unit_test(test_million_ivs),
        cmocka_unit_test(test_wrap_ivs_distinct),
        cmocka_unit_test(test_primary_by_scope),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_protect_errors),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
