/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the bundle agent as a state machine over a store that fails on command
 * (DESIGN.md §7, §5 counters).
 *
 * Agent A (the one under test, node 1) runs over two in-memory stores: its main store (out queue,
 * sequence counter, replay window, the caller's "effect" rows; real transactions) and the seal's
 * store (the IV counter, outside the caller's transaction, as the daemons do). Every operation on
 * either store pops one bit of a fail register that each step loads from the input: a set bit
 * makes that operation fail (AUS_E_IO). A failed commit discards the transaction, or, when the
 * input says so, makes it durable and still reports failure (power lost after the commit reached
 * the disk). Agent B (node 2, a store that never fails) seals the valid bundles A receives.
 *
 * Input: byte 0 = options (bit 0: BPSec envelope instead of the built-in one; bit 1: B's
 * bundles ask for status reports; bit 2: A's bundles ask for them); then steps of 6 bytes
 * [op, fail register (4 bytes, LSB first), argument].
 * Bits of the op byte: 0x80 a failing commit is durable anyway; 0x40 no reload after this step's
 * failures (a careless caller: loses at most an ADU, never repeats a counter).
 * Ops (op byte % 8): send an ADU (alone, or in a transaction that commits or rolls back); receive
 * the next bundle of B (apply its effect and accept in one transaction, as daemon/node.c does);
 * receive an older bundle of B again (or, argument bit 0x40, A's own last bundle reflected back
 * to it); receive a mutated bundle of B; drain A's out queue to B;
 * crash and restart A (all in-memory state lost, uncommitted writes lost).
 *
 * Invariants checked after every step (abort on violation):
 *   - no (key id, IV) pair is ever used twice to seal, across failures, reloads and restarts;
 *   - no sequence number of A reaches the link twice with different bytes;
 *   - B's agent never sees one of A's sequence numbers twice (no replay is ever minted);
 *   - every ADU A's effect records is one B sent, with the sequence number B gave it, and its
 *     effect is applied at most once (the durable effect counter never exceeds 1);
 *   - no crash, no sanitizer report.
 * Seeds: -DAUS_FUZZ_SEEDGEN builds a main() that writes fuzz/corpus/agent_store/ (bottom). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "australis/agent.h"
#include "australis/base.h"
#include "crypto_openssl.h"

/* ---- an in-memory store with fault injection ---- */
#define ROWS 96
#define VMAX 1400
typedef struct frow {
    char k[AUS_STORE_KEY_MAX];
    uint8_t v[VMAX];
    size_t n;
    int used;
} frow;
typedef struct fstore {
    frow r[ROWS], tx[ROWS];
    int in_tx, can_fail;
} fstore;

static fstore SA, SK, SB; /* A's main store, A's seal store, B's store */
static uint32_t FAILS;    /* fail register: bit 0 decides the next operation */
static int COMMIT_LIES;   /* a failing commit becomes durable anyway */
static int SKIP_RELOAD;   /* this step's failures are not followed by aus_agent_reload */

static int fail_now(fstore *f)
{
    if (!f->can_fail)
        return 0;
    int b = (int)(FAILS & 1u);
    FAILS >>= 1;
    return b;
}
static frow *tab(fstore *f) { return f->in_tx ? f->tx : f->r; }
static frow *find(frow *t, const char *k)
{
    for (int i = 0; i < ROWS; i++)
        if (t[i].used && !strcmp(t[i].k, k))
            return &t[i];
    return NULL;
}
static aus_err f_get(void *s, const char *k, uint8_t *v, size_t cap, size_t *n)
{
    fstore *f = s;
    if (fail_now(f))
        return AUS_E_IO;
    frow *e = find(tab(f), k);
    if (!e)
        return AUS_E_NOTFOUND;
    *n = e->n;
    if (e->n > cap)
        return AUS_E_NOBUFS;
    memcpy(v, e->v, e->n);
    return AUS_OK;
}
static aus_err f_put(void *s, const char *k, const uint8_t *v, size_t n)
{
    fstore *f = s;
    if (fail_now(f))
        return AUS_E_IO;
    frow *t = tab(f), *e = find(t, k);
    for (int i = 0; !e && i < ROWS; i++)
        if (!t[i].used)
            e = &t[i];
    if (!e || n > VMAX || strlen(k) >= AUS_STORE_KEY_MAX)
        return AUS_E_FULL;
    strcpy(e->k, k);
    memcpy(e->v, v, n);
    e->n = n;
    e->used = 1;
    return AUS_OK;
}
static aus_err f_del(void *s, const char *k)
{
    fstore *f = s;
    if (fail_now(f))
        return AUS_E_IO;
    frow *e = find(tab(f), k);
    if (e)
        e->used = 0;
    return AUS_OK;
}
static aus_err f_next(void *s, const char *pfx, const char *after, char *key, size_t cap)
{
    fstore *f = s;
    if (fail_now(f))
        return AUS_E_IO;
    frow *t = tab(f);
    const char *best = NULL;
    for (int i = 0; i < ROWS; i++)
        if (t[i].used && !strncmp(t[i].k, pfx, strlen(pfx)) && strcmp(t[i].k, after) > 0 &&
            (!best || strcmp(t[i].k, best) < 0))
            best = t[i].k;
    if (!best)
        return AUS_E_NOTFOUND;
    if (strlen(best) >= cap)
        return AUS_E_NOBUFS;
    strcpy(key, best);
    return AUS_OK;
}
static aus_err f_begin(void *s)
{
    fstore *f = s;
    if (f->in_tx)
        return AUS_E_STATE;
    if (fail_now(f))
        return AUS_E_IO;
    memcpy(f->tx, f->r, sizeof f->r);
    f->in_tx = 1;
    return AUS_OK;
}
static aus_err f_commit(void *s)
{
    fstore *f = s;
    if (!f->in_tx)
        return AUS_E_STATE;
    f->in_tx = 0;
    if (fail_now(f)) {
        if (COMMIT_LIES)
            memcpy(f->r, f->tx, sizeof f->r);
        return AUS_E_IO;
    }
    memcpy(f->r, f->tx, sizeof f->r);
    return AUS_OK;
}
static aus_err f_rollback(void *s)
{
    fstore *f = s;
    f->in_tx = 0; /* never fails: SQLite's rollback of a failed transaction is implicit */
    return AUS_OK;
}
static const aus_store_ops FOPS = {f_get, f_put, f_del, f_next, f_begin, f_commit, f_rollback};
static const aus_store STA = {&FOPS, &SA}, STK = {&FOPS, &SK}, STB = {&FOPS, &SB};

/* ---- the two agents ---- */
static const uint8_t KEY[32] = {0x42, 1, 2, 3};

/* every (key id, IV) used to seal, by either agent */
#define MAXLOG 4096
static uint8_t IVS[MAXLOG][14];
static size_t NIVS;

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "agent_store: invariant broken: %s\n", what);
        abort();
    }
}

static aus_err send_key(void *ctx, uint64_t now, uint16_t *kid, uint8_t key[32])
{
    (void)ctx;
    (void)now;
    *kid = 0x100;
    memcpy(key, KEY, 32);
    return AUS_OK;
}
static aus_err recv_key(void *ctx, uint64_t now, uint16_t kid, uint8_t key[32])
{
    (void)ctx;
    (void)now;
    if (kid != 0x100 && kid != 0x101)
        return AUS_E_KEY;
    memcpy(key, KEY, 32);
    key[31] = (uint8_t)kid;
    return AUS_OK;
}
static size_t recv_ids(void *ctx, uint64_t now, uint16_t *ids, size_t cap)
{
    (void)ctx;
    (void)now;
    (void)cap;
    ids[0] = 0x100;
    return 1;
}
static void iv_log(void *ctx, uint16_t kid, const uint8_t iv[12])
{
    (void)ctx;
    uint8_t e[14] = {(uint8_t)(kid >> 8), (uint8_t)kid};
    memcpy(e + 2, iv, 12);
    for (size_t i = 0; i < NIVS; i++)
        must(memcmp(IVS[i], e, 14) != 0, "a (key id, IV) pair sealed twice");
    if (NIVS < MAXLOG)
        memcpy(IVS[NIVS++], e, 14);
}

typedef struct side {
    aus_agent_seal seal;
    aus_agent_bpsec bp;
    aus_agent ag;
    int up; /* in-memory state valid (init / reload succeeded since the last failure) */
} side;
static side A, B;
static int BPSEC;
static uint64_t RPT_A, RPT_B;
static uint64_t NOW;

static aus_err open_side(side *s, const aus_store *st, const aus_store *kst, uint64_t node,
                         uint64_t peer, uint64_t rpt)
{
    aus_agent_seal_keys_ops ko = {send_key, recv_key, recv_ids, iv_log, NULL};
    AUS_TRY(aus_agent_seal_init(&s->seal, aus_crypto_default(), kst, "t1", (uint32_t)node, &ko));
    aus_agent_sec_ops ops = aus_agent_seal_ops(&s->seal);
    if (BPSEC) {
        AUS_TRY(aus_agent_bpsec_init(&s->bp, &s->seal, 7, node, 1, peer, 1));
        ops = aus_agent_bpsec_ops(&s->bp);
    }
    aus_agent_cfg cfg = {node, 1, peer, 1, 3600000, 64, "t1", rpt, 0, 0};
    return aus_agent_init(&s->ag, &cfg, st, &ops);
}

/* what left A (by sequence number) and what B sent (by ADU id) */
#define MAXSEEN 2048
static struct {
    uint64_t seq, h;
} OUTA[MAXSEEN];
static size_t NOUTA;
typedef struct bsent {
    uint8_t bundle[1024];
    size_t len;
    uint64_t seq;
    uint8_t adu[40];
    size_t adu_len;
} bsent;
#define MAXB 48
static bsent BS[MAXB];
static size_t NBS, NEXTB;

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603u;
    while (n--)
        h = (h ^ *p++) * 1099511628211u;
    return h;
}

/* A's in-memory state after a failure: reload (rollback first), as the daemon does */
static void recover_a(void)
{
    if (SA.in_tx)
        (void)f_rollback(&SA);
    if (SKIP_RELOAD)
        return; /* a careless caller: the counters must still never repeat (store.h) */
    A.up = aus_agent_reload(&A.ag) == AUS_OK && aus_agent_seal_reload(&A.seal) == AUS_OK;
}

static void adu_of(uint8_t *adu, size_t *len, char who, unsigned id, uint8_t arg)
{
    *len = (size_t)snprintf((char *)adu, 40, "%c%05u:%02x", who, id, arg);
}

/* op 0: A sends (arg bit 0: in a transaction; bit 1: roll it back on purpose) */
static void op_send(uint8_t arg)
{
    static unsigned n;
    uint8_t adu[40];
    size_t len;
    adu_of(adu, &len, 'A', n++, arg);
    int tx = arg & 1;
    if (tx && f_begin(&SA) != AUS_OK)
        return recover_a();
    aus_err e = aus_agent_send(&A.ag, adu, len, NOW, NULL);
    if (tx) {
        if (e == AUS_OK && !(arg & 2))
            e = f_commit(&SA);
        else
            (void)f_rollback(&SA), e = e == AUS_OK ? AUS_E_IO : e;
    }
    if (e != AUS_OK)
        recover_a();
}

/* the caller's effect: a durable counter per ADU, in the same transaction as accept */
static aus_err apply(const aus_agent_rx *rx)
{
    if (rx->admin)
        return AUS_OK;
    /* the ADU must be one B sent, under the sequence number B gave it */
    int known = 0;
    for (size_t i = 0; i < NBS; i++)
        if (BS[i].seq == rx->seq && BS[i].adu_len == rx->len &&
            !memcmp(BS[i].adu, rx->adu, rx->len))
            known = 1;
    must(known, "delivered an ADU B never sent under that sequence number");
    char key[AUS_STORE_KEY_MAX];
    snprintf(key, sizeof key, "fx/%.*s", (int)rx->len, (const char *)rx->adu);
    uint64_t v = 0;
    aus_err e = aus_store_get_u64(&STA, key, &v);
    if (e != AUS_OK && e != AUS_E_NOTFOUND)
        return e;
    return aus_store_put_u64(&STA, key, v + 1);
}

static void recv_a(const uint8_t *in, size_t n, uint8_t arg)
{
    aus_agent_rx rx;
    if (aus_agent_recv(&A.ag, in, n, NOW, &rx) != AUS_OK)
        return;
    aus_err e = f_begin(&SA);
    if (e == AUS_OK)
        e = apply(&rx);
    if (e == AUS_OK)
        e = aus_agent_accept(&A.ag, &rx);
    if (e == AUS_OK && (arg & 0x80)) /* the application fails: roll back on purpose */
        e = AUS_E_IO;
    if (e == AUS_OK)
        e = f_commit(&SA);
    if (e != AUS_OK)
        recover_a();
}

/* B seals a new ADU for A */
static void b_send(uint8_t arg)
{
    if (NBS == MAXB)
        return;
    bsent *b = &BS[NBS];
    char key[AUS_STORE_KEY_MAX];
    adu_of(b->adu, &b->adu_len, 'B', (unsigned)NBS, arg);
    must(aus_agent_send(&B.ag, b->adu, b->adu_len, NOW, &b->seq) == AUS_OK, "B send");
    uint64_t seq;
    must(aus_agent_out_next(&B.ag, "", key, sizeof key, b->bundle, sizeof b->bundle, &b->len,
                            &seq) == AUS_OK &&
             seq == b->seq && aus_agent_out_done(&B.ag, key) == AUS_OK,
         "B out queue");
    NBS++;
}

/* the status reports B queued about A's bundles go to A at once (B's queue stays empty) */
static void b_reports(void)
{
    static uint8_t buf[1024];
    char key[AUS_STORE_KEY_MAX];
    size_t len = 0;
    while (aus_agent_out_next(&B.ag, "", key, sizeof key, buf, sizeof buf, &len, NULL) == AUS_OK) {
        must(aus_agent_out_done(&B.ag, key) == AUS_OK, "B out queue");
        if (A.up)
            recv_a(buf, len, 0);
    }
}

/* the last bundle of A that went to the link (reflected back to A by op 2) */
static uint8_t LASTA[1024];
static size_t NLASTA;

/* op 4: A's out queue to B, oldest first (arg: how many) */
static void drain(uint8_t arg)
{
    static uint8_t buf[AUS_AGENT_BUNDLE_MAX];
    char key[AUS_STORE_KEY_MAX];
    for (int k = 0; k <= (arg & 7); k++) {
        size_t len = 0;
        uint64_t seq = 0;
        aus_err e = aus_agent_out_next(&A.ag, "", key, sizeof key, buf, sizeof buf, &len, &seq);
        if (e != AUS_OK)
            return;
        memcpy(LASTA, buf, len < sizeof LASTA ? len : sizeof LASTA);
        NLASTA = len < sizeof LASTA ? len : 0;
        uint64_t h = fnv(buf, len);
        int again = 0;
        for (size_t i = 0; i < NOUTA; i++)
            if (OUTA[i].seq == seq) {
                must(OUTA[i].h == h, "a sequence number of A reached the link twice");
                again = 1;
            }
        if (!again && NOUTA < MAXSEEN)
            OUTA[NOUTA].seq = seq, OUTA[NOUTA++].h = h;
        aus_agent_rx rx;
        e = aus_agent_recv(&B.ag, buf, len, NOW, &rx);
        /* the first copy of each of A's bundles must open at B: anything else is a reused or
         * broken sequence number / IV */
        if (!again) {
            must(e == AUS_OK, "B refused a fresh bundle of A");
            must(aus_agent_accept(&B.ag, &rx) == AUS_OK, "B accept");
            b_reports();
        } else
            must(e == AUS_E_REPLAY, "B took a copy of A's bundle twice");
        if (aus_agent_out_done(&A.ag, key) != AUS_OK)
            return; /* stays queued; the next drain sends the same bytes again */
    }
}

/* op 3: a mutated copy of one of B's bundles */
static void mutate(uint8_t arg, uint32_t where)
{
    if (!NBS)
        return;
    static uint8_t buf[1024];
    const bsent *b = &BS[arg % NBS];
    memcpy(buf, b->bundle, b->len);
    size_t n = b->len;
    switch (where & 3) {
    case 0: buf[(where >> 8) % n] ^= (uint8_t)(1u << ((where >> 2) & 7)); break;
    case 1: n = (where >> 8) % n; break;
    case 2: buf[(where >> 8) % n] = (uint8_t)(where >> 2); break;
    default: memmove(buf + 1, buf, n - 1); break;
    }
    FAILS = 0; /* the fail bits were the mutation */
    recv_a(buf, n, 0);
}

static void setup(void) { aus_crypto_set_default(aus_crypto_openssl()); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        setup();
        once = 1;
    }
    if (size < 1)
        return 0;
    memset(&SA, 0, sizeof SA);
    memset(&SK, 0, sizeof SK);
    memset(&SB, 0, sizeof SB);
    NIVS = NOUTA = NBS = NEXTB = NLASTA = 0;
    NOW = 1000000;
    FAILS = 0;
    BPSEC = data[0] & 1;
    RPT_B = (data[0] & 2) ? AUS_BPV7_BF_RPT_RECEPTION | AUS_BPV7_BF_RPT_DELIVERY : 0;
    RPT_A = (data[0] & 4) ? AUS_BPV7_BF_RPT_DELIVERY : 0;
    must(open_side(&A, &STA, &STK, 1, 2, RPT_A) == AUS_OK, "A init");
    must(open_side(&B, &STB, &STB, 2, 1, RPT_B) == AUS_OK, "B init");
    A.up = 1;
    SA.can_fail = SK.can_fail = 1;
    for (size_t at = 1; at + 6 <= size; at += 6) {
        const uint8_t *s = data + at;
        uint8_t op = s[0] % 8, arg = s[5];
        FAILS = (uint32_t)s[1] | (uint32_t)s[2] << 8 | (uint32_t)s[3] << 16 | (uint32_t)s[4] << 24;
        COMMIT_LIES = (s[0] & 0x80) != 0;
        SKIP_RELOAD = (s[0] & 0x40) != 0;
        NOW += 1 + (arg & 3);
        if (!A.up && op != 5) {
            recover_a();
            continue;
        }
        switch (op) {
        case 0:
        case 6: op_send(arg); break;
        case 1: /* B's next ADU */
            if (NEXTB == NBS)
                b_send(arg);
            if (NEXTB < NBS) {
                NEXTB++;
                recv_a(BS[NEXTB - 1].bundle, BS[NEXTB - 1].len, arg);
            }
            break;
        case 2: /* an older bundle of B again (replay), or A's own bundle reflected to A */
            if ((arg & 0x40) && NLASTA)
                recv_a(LASTA, NLASTA, arg);
            else if (NBS)
                recv_a(BS[arg % NBS].bundle, BS[arg % NBS].len, arg);
            break;
        case 3: mutate(arg, FAILS); break;
        case 4: drain(arg); break;
        case 5: /* crash: in-memory state and the open transaction are lost */
            SA.in_tx = 0;
            A.up = open_side(&A, &STA, &STK, 1, 2, RPT_A) == AUS_OK;
            break;
        default: /* B sends several without A receiving yet: reordering */
            for (int k = 0; k <= (arg & 3); k++)
                b_send(arg);
            if (NEXTB < NBS && (arg & 4)) { /* deliver the newest first */
                bsent *b = &BS[NBS - 1];
                recv_a(b->bundle, b->len, arg);
            }
            break;
        }
        /* every effect at most once */
        FAILS = 0;
        int was = SA.in_tx;
        SA.in_tx = 0;
        for (int i = 0; i < ROWS; i++)
            if (SA.r[i].used && !strncmp(SA.r[i].k, "fx/", 3)) {
                must(SA.r[i].n == 8, "effect row");
                uint64_t v = 0;
                for (int j = 0; j < 8; j++)
                    v = v << 8 | SA.r[i].v[j];
                must(v == 1, "an ADU's effect applied twice");
            }
        SA.in_tx = was;
    }
    return 0;
}

#ifdef AUS_FUZZ_SEEDGEN
/* cc -DAUS_FUZZ_SEEDGEN ... fuzz/agent_store.c -> writes the seeds into argv[1]/ */
static void put_seed(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n)
        abort();
    fclose(f);
}
int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    static const uint8_t quiet[] = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0,
                                    0, 7, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 5, 0,
                                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 7};
    put_seed(argv[1], "plain", quiet, sizeof quiet);
    uint8_t b[sizeof quiet];
    memcpy(b, quiet, sizeof b);
    b[0] = 7; /* BPSec, status reports both ways */
    put_seed(argv[1], "bpsec_reports", b, sizeof b);
    /* failures: a failing commit that lies, a failing put in a send, a crash, replays */
    static const uint8_t fails[] = {
        6, 0x81, 0x04, 0,    0, 0, 1, 0, 0x02, 0,    0, 0, 0x80, 0x01, 0x08, 0, 0, 0, 1, 2,
        0, 0,    0,    0x81, 2, 0, 0, 0, 0,    1,    5, 0, 0,    0,    0,    0, 0, 1, 0, 0,
        0, 3,    4,    0,    0, 0, 0, 7, 3,    0x24, 0, 0, 0,    0,    7,    0, 0, 0, 0, 5};
    put_seed(argv[1], "failures", fails, sizeof fails);
    /* a send rolled back without a reload, another send, drain, crash, two sends, drain: the
     * sequence number a careless caller's rollback would hand out twice */
    static const uint8_t rollback[] = {0, 0x40, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4, 0,
                                       0, 0,    0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0,    0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 7};
    put_seed(argv[1], "rollback_no_reload", rollback, sizeof rollback);
    return 0;
}
#endif
