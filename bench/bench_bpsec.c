/* SPDX-License-Identifier: Apache-2.0 */
/* bench_bpsec: BPSec wrap + unwrap throughput.
 *
 * For payloads of 100 B, 1 KB and 64 KB, one "bundle" = wrap + unwrap (aus_bpsec_open: verify,
 * decrypt, strip) of a fresh copy, in the layout our nodes send: a BIB (BIB-HMAC-SHA-256) over
 * the primary block and a BCB (BCB-AES-256-GCM) over the payload alone, both full scope. (The
 * layout of RFC 9173 App. A.4, a BIB over the payload and one BCB over the payload and that BIB,
 * encrypts two plaintexts under one AES-GCM key and IV; aus_bpsec_add refuses it, docs/bpsec.md
 * "One target per BCB".) Rows:
 *   ops      aus_bpsec_add_list (the BIB, then the BCB, one decode) + aus_bpsec_open
 *   node     aus_bpsec_protect + aus_bpsec_accept with seq block (one BIB over the seq block,
 *            whose full-scope IPPT holds the primary block: one HMAC a side, as in ops),
 *            replay window persisted per bundle (SQLite :memory: stores, one per node)
 *   node-gc  node with group commit: 32 bundles accepted per aus_bpsec_batch_begin/commit
 *            (one replay-window write per batch; sender and receiver with a store each)
 *   store    the receiver's durable step alone: replay window advanced and saved, one SQLite
 *            transaction per bundle; ops + store is the ceiling of node
 *   raw-gcm  OpenSSL EVP AES-256-GCM encrypt + decrypt of the same payload, keyed per call
 *   raw-hmac HMAC-SHA-256 through the provider's unkeyed op over the BIB's IPPT length (the
 *            bytes the ops row's BIB hashes, counted through the provider on the first bundle)
 *   key-gcm  the same GCM on contexts keyed once: only the IV changes per call
 *   key-hmac HMAC-SHA-256 from the key's padded blocks made once (RFC 2104 precomputation)
 *   wrap     the ops row's aus_bpsec_add_list alone (ops - wrap = unwrap)
 * The ops and node rows name their keys at the provider (aus_crypto_key ids), so the provider
 * keeps one keyed context per key and use (DESIGN.md §5). Two floors are printed: the crypto
 * floor (raw-gcm + 2 x raw-hmac: OpenSSL with a key setup per call) and the keyed floor (key-gcm
 * + 2 x key-hmac), what the cryptography costs once the key schedule lives as long as the key.
 * Figures: bundles/s (wrap+unwrap pairs) and payload MB/s, one core, timed in this thread's CPU
 * time (the machine may be shared). Never fails on timing. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "australis/base.h"
#include "australis/bpsec.h"
#include "australis/bpv7.h"
#include "store_sqlite.h"
#include "bench_args.h"

static double now(void)
{
    struct timespec t;
    /* CPU time of this thread: per-core figures even on a loaded machine */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const uint8_t KEY_BIB[32] = {0x1a, 0x2b, 0x1a, 0x2b, 0x1a, 0x2b, 0x1a, 0x2b};
static const uint8_t KEY_BCB[32] = {0x71, 0x77, 0x65, 0x72, 0x74, 0x79, 0x75, 0x69};

static aus_err key_fn(void *u, const char *src, int64_t ctx, uint8_t *key, size_t cap, size_t *len)
{
    (void)u;
    (void)src;
    (void)cap;
    memcpy(key, ctx == 1 ? KEY_BIB : KEY_BCB, 32);
    *len = 32;
    return AUS_OK;
}

/* The keys' names at the provider: domain 1, id 1 (BIB key) and 2 (BCB key). */
static void key_id_fn(void *u, const char *src, int64_t ctx, uint32_t *domain, uint32_t *id)
{
    (void)u;
    (void)src;
    *domain = 1;
    *id = ctx == 1 ? 1 : 2;
}

/* primary block of RFC 9173 App. A + payload block of n bytes */
static size_t make_bundle(uint8_t *out, size_t n)
{
    static const uint8_t pri[] = {0x88, 0x07, 0x00, 0x00, 0x82, 0x02, 0x82, 0x01, 0x02, 0x82,
                                  0x02, 0x82, 0x02, 0x01, 0x82, 0x02, 0x82, 0x02, 0x01, 0x82,
                                  0x00, 0x18, 0x28, 0x1a, 0x00, 0x0f, 0x42, 0x40};
    size_t o = 0;
    out[o++] = 0x9f;
    memcpy(out + o, pri, sizeof pri);
    o += sizeof pri;
    out[o++] = 0x85, out[o++] = 0x01, out[o++] = 0x01, out[o++] = 0x00, out[o++] = 0x00;
    if (n < 256) {
        out[o++] = 0x58, out[o++] = (uint8_t)n;
    } else if (n < 65536) {
        out[o++] = 0x59, out[o++] = (uint8_t)(n >> 8), out[o++] = (uint8_t)n;
    } else {
        out[o++] = 0x5a, out[o++] = (uint8_t)(n >> 24), out[o++] = (uint8_t)(n >> 16);
        out[o++] = (uint8_t)(n >> 8), out[o++] = (uint8_t)n;
    }
    for (size_t i = 0; i < n; i++)
        out[o++] = (uint8_t)(i * 7 + 1);
    out[o++] = 0xff;
    return o;
}

typedef struct res {
    double per_s, mb_s;
} res;

static res report(const char *name, size_t n, long iters, double dt)
{
    res r = {(double)iters / dt, (double)iters * (double)n / dt / 1e6};
    printf("  %-8s %8zu B  %10.0f bundles/s  %9.1f MB/s\n", name, n, r.per_s, r.mb_s);
    return r;
}

static long iters_override; /* "ROW SIZE ITERS" (callgrind runs want few) */

static long iters_for(size_t n)
{
    if (iters_override > 0)
        return iters_override;
    return n >= 65536 ? 4000 : n >= 1024 ? 100000 : 200000;
}

/* The two operations of a row: a BIB (HMAC-SHA-256) over the primary block and a BCB (AES-GCM)
 * over the payload. */
static void op_pair(aus_bpsec_op *bib, aus_bpsec_op *bcb)
{
    static const uint8_t iv[12] = {1, 2, 3};
    *bib = (aus_bpsec_op){.kind = AUS_BPSEC_BIB,
                          .source = "ipn:2.1",
                          .ntargets = 1,
                          .targets = {0},
                          .variant = AUS_HASH_SHA256,
                          .scope = 7,
                          .key = KEY_BIB,
                          .key_len = 32,
                          .key_domain = 1,
                          .key_id = 1};
    *bcb = (aus_bpsec_op){.kind = AUS_BPSEC_BCB,
                          .source = "ipn:2.1",
                          .ntargets = 1,
                          .targets = {1},
                          .variant = AUS_AEAD_AES256_GCM,
                          .scope = 7,
                          .key = KEY_BCB,
                          .key_len = 32,
                          .iv = iv,
                          .iv_len = 12,
                          .key_domain = 1,
                          .key_id = 2};
}

/* The bytes one wrap feeds HMAC (the BIB's IPPT, RFC 9173 §3.7): counted through a provider
 * that forwards to the default one, so the floor hashes exactly as many bytes. */
static const aus_crypto *fwd;
static aus_crypto_ops counting_ops;
static size_t hmac_bytes;

static aus_err count_hmac_k(void *self, aus_hash_alg alg, const aus_crypto_key *k,
                            const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen)
{
    (void)self;
    for (size_t i = 0; i < nin; i++)
        hmac_bytes += in[i].n;
    return aus_crypto_hmac_k(fwd, alg, k, in, nin, out, outlen);
}

static size_t ippt_len(size_t n)
{
    fwd = aus_crypto_default();
    counting_ops = *fwd->ops;
    counting_ops.hmac_k = count_hmac_k;
    aus_crypto c = {&counting_ops, fwd->self};
    uint8_t *buf = malloc(n + 1024);
    size_t len = make_bundle(buf, n);
    aus_bpsec_op pair[2];
    op_pair(&pair[0], &pair[1]);
    hmac_bytes = 0;
    if (aus_bpsec_add_list(&c, pair, 2, 0, buf, &len, n + 1024)) {
        fprintf(stderr, "bench: wrap failed\n");
        exit(1);
    }
    free(buf);
    return hmac_bytes;
}

static res bench_ops(size_t n)
{
    const aus_crypto *c = aus_crypto_default();
    size_t cap = n + 1024;
    uint8_t *in = malloc(cap), *buf = malloc(cap);
    size_t il = make_bundle(in, n);
    aus_bpsec_op bib, bcb;
    op_pair(&bib, &bcb);
    const aus_bpsec_op pair[2] = {bib, bcb};
    long it = iters_for(n);
    aus_bpsec_report rep;
    double t0 = now();
    for (long i = 0; i < it; i++) {
        size_t len = il;
        memcpy(buf, in, il);
        if (aus_bpsec_add_list(c, pair, 2, 0, buf, &len, cap) ||
            aus_bpsec_open_ids(c, key_fn, key_id_fn, NULL, buf, &len, &rep) || len != il) {
            fprintf(stderr, "bench: wrap/unwrap failed\n");
            exit(1);
        }
    }
    res r = report("ops", n, it, now() - t0);
    free(in);
    free(buf);
    return r;
}

/* The ops row's wrap half alone (aus_bpsec_add_list of the pair): with the ops row it splits a
 * bundle's time into wrap and unwrap. */
static res bench_wrap(size_t n)
{
    const aus_crypto *c = aus_crypto_default();
    size_t cap = n + 1024;
    uint8_t *in = malloc(cap), *buf = malloc(cap);
    size_t il = make_bundle(in, n);
    aus_bpsec_op bib, bcb;
    op_pair(&bib, &bcb);
    const aus_bpsec_op pair[2] = {bib, bcb};
    long it = iters_for(n);
    double t0 = now();
    for (long i = 0; i < it; i++) {
        size_t len = il;
        memcpy(buf, in, il);
        if (aus_bpsec_add_list(c, pair, 2, 0, buf, &len, cap)) {
            fprintf(stderr, "bench: wrap failed\n");
            exit(1);
        }
    }
    res r = report("wrap", n, it, now() - t0);
    free(in);
    free(buf);
    return r;
}

/* The node rows: aus_bpsec_protect on one node, aus_bpsec_accept on another, each with its own
 * store. batch 0 ("node"): one durable replay-window write per bundle. batch > 0 ("node-gc",
 * group commit, aus_bpsec_batch_*): the receiver accepts `batch` bundles per store transaction,
 * one window write per batch, as a daemon that takes every bundle waiting does (a batch refuses
 * counter reservations of its own context, so the sender needs a store of its own). */
enum { NODE_BATCH = 32 };

static res bench_node(size_t n, long batch)
{
    aus_store ss, rs;
    aus_bpsec_ctx tx, rx;
    if (aus_store_sqlite_open(&ss, ":memory:") || aus_store_sqlite_open(&rs, ":memory:") ||
        aus_bpsec_ctx_init(&tx, aus_crypto_default(), &ss, key_fn, NULL, 1) ||
        aus_bpsec_ctx_init(&rx, aus_crypto_default(), &rs, key_fn, NULL, 2)) {
        fprintf(stderr, "bench: store\n");
        exit(1);
    }
    aus_bpsec_ctx_set_key_ids(&tx, key_id_fn);
    aus_bpsec_ctx_set_key_ids(&rx, key_id_fn);
    size_t cap = n + 1024;
    uint8_t *in = malloc(cap), *mid = malloc(cap), *out = malloc(cap);
    size_t il = make_bundle(in, n), ml, ol;
    aus_bpsec_protect_opts o;
    aus_bpsec_protect_opts_default(&o);
    aus_bpsec_report rep = {0};
    long step = batch > 0 ? batch : 1, it = iters_for(n) / 2 / step * step;
    double t0 = now();
    for (long i = 0; i < it; i += step) {
        int bad = batch > 0 && aus_bpsec_batch_begin(&rx) != AUS_OK;
        for (long j = 0; !bad && j < step; j++)
            bad = aus_bpsec_protect(&tx, &o, in, il, mid, cap, &ml) ||
                  aus_bpsec_accept(&rx, mid, ml, out, cap, &ol, &rep, NULL) || ol != il;
        if (bad || (batch > 0 && aus_bpsec_batch_commit(&rx) != AUS_OK)) {
            fprintf(stderr, "bench: protect/accept failed: %s\n",
                    rep.detail ? rep.detail : "store");
            exit(1);
        }
    }
    res r = report(batch > 0 ? "node-gc" : "node", n, it, now() - t0);
    aus_store_sqlite_close(&ss);
    aus_store_sqlite_close(&rs);
    free(in), free(mid), free(out);
    return r;
}

/* The node row's durable step alone: the receiver's replay window advanced and saved, one
 * SQLite transaction per bundle (aus_replay_save on a :memory: store, as bench_node's receiver).
 * What the store costs is what separates node from node-gc: one such transaction per bundle. */
static res bench_store(size_t n)
{
    aus_store st;
    aus_replay w;
    if (aus_store_sqlite_open(&st, ":memory:") || aus_replay_init(&w, AUS_REPLAY_WINDOW_DEFAULT)) {
        fprintf(stderr, "bench: store\n");
        exit(1);
    }
    long it = n >= 65536 ? 100000 : iters_for(n) / 2; /* the payload size does not matter */
    double t0 = now();
    for (long i = 0; i < it; i++)
        if (aus_replay_accept(&w, (uint64_t)i + 1) ||
            aus_replay_save(&w, &st, "rp/00000000/ipn:2.1") != AUS_OK) {
            fprintf(stderr, "bench: replay window save failed\n");
            exit(1);
        }
    res r = report("store", 0, it, now() - t0); /* no payload: a 0-byte row */
    aus_store_sqlite_close(&st);
    return r;
}

static res bench_raw(size_t n)
{
    uint8_t *pt = malloc(n), *ct = malloc(n), tag[16], iv[12] = {1};
    memset(pt, 0x5a, n);
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    long it = iters_for(n);
    int l = 0;
    double t0 = now();
    for (long i = 0; i < it; i++) {
        EVP_EncryptInit_ex2(x, gcm, KEY_BCB, iv, NULL);
        EVP_EncryptUpdate(x, ct, &l, pt, (int)n);
        EVP_EncryptFinal_ex(x, tag, &l);
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag);
        EVP_DecryptInit_ex2(x, gcm, KEY_BCB, iv, NULL);
        EVP_DecryptUpdate(x, pt, &l, ct, (int)n);
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, tag);
        if (EVP_DecryptFinal_ex(x, tag, &l) != 1) {
            fprintf(stderr, "bench: raw GCM failed\n");
            exit(1);
        }
    }
    res r = report("raw-gcm", n, it, now() - t0);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(gcm);
    free(pt), free(ct);
    return r;
}

/* AES-256-GCM enc + dec on two contexts keyed once: only the IV is set per call */
static res bench_key_gcm(size_t n)
{
    uint8_t *pt = malloc(n), *ct = malloc(n), tag[16], iv[12] = {1};
    memset(pt, 0x5a, n);
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new(), *d = EVP_CIPHER_CTX_new();
    long it = iters_for(n);
    int l = 0;
    if (EVP_EncryptInit_ex2(e, gcm, KEY_BCB, NULL, NULL) != 1 ||
        EVP_DecryptInit_ex2(d, gcm, KEY_BCB, NULL, NULL) != 1) {
        fprintf(stderr, "bench: GCM key setup failed\n");
        exit(1);
    }
    double t0 = now();
    for (long i = 0; i < it; i++) {
        EVP_EncryptInit_ex2(e, NULL, NULL, iv, NULL);
        EVP_EncryptUpdate(e, ct, &l, pt, (int)n);
        EVP_EncryptFinal_ex(e, tag, &l);
        EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16, tag);
        EVP_DecryptInit_ex2(d, NULL, NULL, iv, NULL);
        EVP_DecryptUpdate(d, pt, &l, ct, (int)n);
        EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_GCM_SET_TAG, 16, tag);
        if (EVP_DecryptFinal_ex(d, tag, &l) != 1) {
            fprintf(stderr, "bench: keyed GCM failed\n");
            exit(1);
        }
    }
    res r = report("key-gcm", n, it, now() - t0);
    EVP_CIPHER_CTX_free(e);
    EVP_CIPHER_CTX_free(d);
    EVP_CIPHER_free(gcm);
    free(pt), free(ct);
    return r;
}

/* HMAC-SHA-256 with OpenSSL's own key precomputation: an EVP_MAC context keyed once and
 * re-initialised per call (it restarts from the stored inner and outer states) */
static res bench_key_hmac(size_t n)
{
    uint8_t *m = malloc(n), mac[64];
    memset(m, 0x5a, n);
    EVP_MAC *hm = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *x = EVP_MAC_CTX_new(hm);
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string("digest", (char *)(uintptr_t) "SHA256", 0),
                       OSSL_PARAM_END};
    if (!x || EVP_MAC_init(x, KEY_BIB, 32, p) != 1) {
        fprintf(stderr, "bench: HMAC key setup failed\n");
        exit(1);
    }
    long it = iters_for(n);
    size_t ml = 0;
    double t0 = now();
    for (long i = 0; i < it; i++)
        if (EVP_MAC_init(x, NULL, 0, NULL) != 1 || EVP_MAC_update(x, m, n) != 1 ||
            EVP_MAC_final(x, mac, &ml, sizeof mac) != 1) {
            fprintf(stderr, "bench: keyed hmac failed\n");
            exit(1);
        }
    res r = report("key-hmac", n, it, now() - t0);
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(hm);
    free(m);
    return r;
}

/* HMAC-SHA-256 through the crypto provider over n bytes (the BIB's cost per target) */
static res bench_hmac(size_t n)
{
    const aus_crypto *c = aus_crypto_default();
    uint8_t *m = malloc(n), mac[64];
    memset(m, 0x5a, n);
    aus_iov iov = {m, n};
    size_t ml = 0;
    long it = iters_for(n);
    double t0 = now();
    for (long i = 0; i < it; i++)
        if (c->ops->hmac(c->self, AUS_HASH_SHA256, KEY_BIB, 32, &iov, 1, mac, &ml) != AUS_OK) {
            fprintf(stderr, "bench: hmac failed\n");
            exit(1);
        }
    res r = report("raw-hmac", n, it, now() - t0);
    free(m);
    return r;
}

int main(int argc, char **argv)
{
    bench_args(
        argc, argv, "bench_bpsec",
        "[ops|node|node-gc|store|wrap|hmac|raw|key-gcm|key-hmac SIZE [ITERS]]\n  BPSec wrap + "
        "unwrap "
        "(BIB-HMAC-SHA-256 over the primary block + BCB-AES-256-GCM over the payload, RFC 9173)\n"
        "  bundles/s and MB/s for 100 B, 1 KB and 64 KB payloads; floors: OpenSSL AES-256-GCM and\n"
        "  HMAC-SHA-256 on the same bytes.\n  With ROW SIZE [ITERS]: "
        "one row at one size (for perf / callgrind).\n");
    static const size_t sizes[] = {100, 1024, 65536};
    /* "bench_bpsec ops 1024": one row at one size (for perf / callgrind) */
    if (argc == 3 || argc == 4) {
        if (argc == 4)
            iters_override = strtol(argv[3], NULL, 10);
        size_t n = (size_t)strtoul(argv[2], NULL, 10);
        if (!strcmp(argv[1], "ops"))
            bench_ops(n);
        else if (!strcmp(argv[1], "node"))
            bench_node(n, 0);
        else if (!strcmp(argv[1], "node-gc"))
            bench_node(n, NODE_BATCH);
        else if (!strcmp(argv[1], "wrap"))
            bench_wrap(n);
        else if (!strcmp(argv[1], "store"))
            bench_store(n);
        else if (!strcmp(argv[1], "hmac"))
            bench_hmac(n);
        else if (!strcmp(argv[1], "key-gcm"))
            bench_key_gcm(n);
        else if (!strcmp(argv[1], "key-hmac"))
            bench_key_hmac(n);
        else
            bench_raw(n);
        return 0;
    }
    printf("bench_bpsec: wrap+unwrap, BIB-HMAC-SHA-256 over the primary block + BCB-AES-256-GCM "
           "over the payload (full scope), one core\n");
    for (size_t i = 0; i < 3; i++) {
        size_t ippt = ippt_len(sizes[i]);
        res ops = bench_ops(sizes[i]);
        res node = bench_node(sizes[i], 0);
        res nodegc = bench_node(sizes[i], NODE_BATCH);
        res store = bench_store(sizes[i]);
        res raw = bench_raw(sizes[i]);
        res mac = bench_hmac(ippt);
        res kgcm = bench_key_gcm(sizes[i]);
        res kmac = bench_key_hmac(ippt);
        res wrap = bench_wrap(sizes[i]);
        /* the BIB is made and verified (2 HMACs over its IPPT), the payload sealed and opened
         * once: the floor is set by the cryptography alone, measured here */
        double floor = 1.0 / (2.0 / mac.per_s + 1.0 / raw.per_s);
        printf("  ratio to raw AES-256-GCM enc+dec: ops %.0f %%\n", 100.0 * ops.mb_s / raw.mb_s);
        printf("  ops crypto floor (2 x HMAC-SHA-256 over the BIB's %zu-byte IPPT + GCM enc+dec of "
               "the payload): %.0f bundles/s = %.0f %% of raw GCM; ops reaches %.0f %% of that "
               "floor\n",
               ippt, floor, 100.0 * floor / raw.per_s, 100.0 * ops.per_s / floor);
        double kfloor = 1.0 / (2.0 / kmac.per_s + 1.0 / kgcm.per_s);
        printf("  ops keyed floor (the same on contexts keyed once: key-gcm + 2 x key-hmac): %.0f "
               "bundles/s; ops reaches %.0f %% of that floor\n",
               kfloor, 100.0 * ops.per_s / kfloor);
        double us_ops = 1e6 / ops.per_s, us_wrap = 1e6 / wrap.per_s;
        printf("  ops per bundle: %.2f us = wrap %.2f us + unwrap %.2f us; crypto floor %.2f us, "
               "keyed %.2f us\n",
               us_ops, us_wrap, us_ops - us_wrap, 1e6 / floor, 1e6 / kfloor);
        printf("  node (seq block, replay window in the store, IV counter) reaches %.0f %% of "
               "ops\n",
               100.0 * node.per_s / ops.per_s);
        printf("  node-gc (the same, %d bundles per replay-window commit) reaches %.0f %% of ops\n",
               NODE_BATCH, 100.0 * nodegc.per_s / ops.per_s);
        /* with one SQLite transaction per accepted bundle, node can be no faster than ops plus
         * that transaction, even if everything else it does were free */
        double ceil = 1.0 / (1.0 / ops.per_s + 1.0 / store.per_s);
        printf("  node ceiling with one store transaction per bundle (ops + store, %.2f us): %.0f "
               "%% of ops; node reaches %.0f %% of that ceiling\n",
               1e6 / store.per_s, 100.0 * ceil / ops.per_s, 100.0 * node.per_s / ceil);
    }
    printf("targets: ops >= 80 %% of the crypto floor at 100 B and 1 KB; node >= 70 %% of ops\n");
    return 0;
}
