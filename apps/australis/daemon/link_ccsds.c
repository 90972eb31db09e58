/* SPDX-License-Identifier: Apache-2.0 */
/* link = ccsds: the daemons over the CCSDS radio path (docs/cl_ccsds.md). The bundle layer, BPSec
 * and the application protocol are unchanged; only what crosses the folders differs:
 *
 *   ground  outgoing: agent queue -> aus_cl_ccsds_send (one transaction with out_done) ->
 *           once per pass aus_cl_ccsds_pass_out -> ONE file of CLTUs in the outgoing folder
 *           incoming: a file of CADUs -> BEGIN; aus_cl_ccsds_pass_in -> on_bundle: agent verify,
 *           accept + effect (the same path as a folder-link bundle); COMMIT -> delete the file
 *   sat     the same with CLTUs in and CADUs out; a downlink file goes after every uplink pass
 *           (the CLCW of FARM-1 must go down), more files while bundles remain queued.
 *
 * Transactions (docs/cl_ccsds.md "persistence"): pass_in runs inside the main-store transaction
 * that also holds the callbacks' effects, so a crash repeats the whole file or none of it;
 * pass_out runs outside any transaction: its SDLS IV reservations are durable before the file is
 * written. After a failed commit the in-memory link state is ahead of the store: the SA table
 * and the layer are re-opened from the store (COP-1 then retransmits what was lost).
 *
 * The frame-layer SDLS key comes from [keys] sdls_key_file, installed once in the keystore as
 * DMN_SDLS_KEY_ID; SAs tm_spi (satellite applies) and tc_spi (ground applies) are AES-256-GCM,
 * 12-octet transmitted IV, 16-octet MAC, ABM all ones, open anti-replay window — the same SA as
 * `australis ccsds tc-decode / tm-decode --sdls-spi N --sdls-key HEX` builds.
 *
 * Through the link ops (link.h): the bundles of a pass go to the node (dmn_rx_pass_bundle;
 * commands the role wants in a transaction of their own are held and run after the commit,
 * dmn_rx_run_deferred), EP PDUs to the node too (dmn_rx_ep: the satellite's board answers, the
 * ground matches a reply to its request); the ground's EP requests come down through the
 * node (dmn_send_ep -> ep_send). All state is in a ccsds_link in n->link_state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "australis/base.h"
#include "australis/cl.h"
#include "australis/cl_ccsds.h"
#include "australis/sdls_ep.h"
#include "cl_ccsds_util.h"
#include "util.h"
#include "link.h"
#include "link_ccsds.h"
#include "store_keys.h"
#include "../../../port/posix/keyfile.h"

#define PASS_FILE_MAX ((size_t)64 << 20) /* larger incoming files are quarantined unread */
#define SAT_CAP ((size_t)4 << 20)        /* one downlink pass file at most */
#define MOVE_BATCH 64

typedef struct ccsds_link {
    aus_cl_ccsds lk;
    aus_sdls_table sdls;
    int down;          /* this end sends the downlink (TM, CADUs): [node] role = sat */
    int pass_due;      /* a peer pass came in: answer it (down: always a file) */
    uint64_t last_out; /* ms of the last pass_out */
    aus_err rx_fail;   /* a store error inside the callbacks of this pass_in */
    dmn_rx_count rx;   /* bundles of this pass_in */
    uint8_t *obuf;     /* one pass file */
    size_t ocap;
    uint8_t *bb; /* one bundle on its way from the agent's queue to the link's */
    int more;    /* put_outgoing: the link's queue was full */
    long moved;  /* put_outgoing: bundles moved */
    aus_ctr file_ctr;
} ccsds_link;

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

/* ---- SDLS ---- */
static aus_err install_sdls_key(dmn_node *n)
{
    aus_key_info ki;
    if (aus_keys_info(&n->keys, DMN_SDLS_KEY_ID, &ki) == AUS_OK)
        return AUS_OK;
    uint8_t k[32];
    size_t len = 0;
    AUS_TRY(aus_keyfile_read(n->cfg.sdls_key_file, k, sizeof k, &len));
    aus_err e = len == 32 ? aus_keys_begin(&n->keys) : AUS_E_KEY;
    if (e == AUS_OK) {
        e = aus_keys_install(&n->keys, DMN_SDLS_KEY_ID, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k,
                             len, now_s());
        if (e == AUS_OK)
            e = aus_keys_activate(&n->keys, DMN_SDLS_KEY_ID, now_s());
        if (e == AUS_OK)
            e = aus_keys_commit(&n->keys);
        else
            aus_keys_rollback(&n->keys);
    }
    aus_wipe(k, sizeof k);
    return e;
}

static aus_err sa_up(ccsds_link *l, uint16_t spi, int sender)
{
    aus_sdls_sa_cfg c;
    memset(&c, 0, sizeof c);
    c.spi = spi;
    c.est = c.ast = 1;
    c.ecs = AUS_SDLS_ECS_AES256_GCM;
    c.iv_len = c.shivf_len = 12;
    c.stmacf_len = 16;
    c.arsnw = 64;
    c.abm_len = AUS_SDLS_MAX_FRAME;
    /* 355.0 §3: lost passes make the IV jump by up to K + 2 frames: open window */
    c.flags = AUS_SDLS_F_AR_OPEN;
    if (sender) {
        /* a random start (the low 64 bits; resume raises it past every reservation) */
        const aus_crypto *cr = aus_crypto_default();
        AUS_TRY(cr->ops->random(cr->self, c.iv + 4, 8));
        c.iv[4] &= 0x7f;
    }
    AUS_TRY(aus_sdls_sa_create(&l->sdls, &c));
    AUS_TRY(aus_sdls_sa_rekey(&l->sdls, spi, DMN_SDLS_KEY_ID, DMN_SDLS_KEY_ID, NULL, 0));
    AUS_TRY(aus_sdls_sa_start(&l->sdls, spi, NULL));
    return aus_sdls_sa_resume(&l->sdls, spi);
}

static void on_bundle(void *u, const uint8_t *b, size_t len);
static void on_ep(void *u, const uint8_t *pdu, size_t len, uint16_t spi);

/* SA table and layer from the store (first boot or after a rollback). */
static aus_err link_setup(dmn_node *n)
{
    ccsds_link *l = n->link_state;
    dmn_key pfx;
    aus_cl_ccsds_cfg cfg;
    aus_sdls_wipe(&l->sdls);
    AUS_TRY(aus_sdls_init(&l->sdls, aus_crypto_default(), &aus_keys_sdls_ops, &n->keys));
    AUS_TRY(aus_sdls_set_store(&l->sdls, &n->store, dmn_key_area(&pfx, "sdls", n->cfg.tenant)));
    AUS_TRY(sa_up(l, (uint16_t)n->cfg.tm_spi, l->down));
    AUS_TRY(sa_up(l, (uint16_t)n->cfg.tc_spi, !l->down));
    AUS_ENSURE(cl_ccsds_cfg_from_link(&cfg, l->down, n->cfg.scid, n->cfg.tm_vcid, n->cfg.tc_vcid,
                                      n->cfg.tm_spi, n->cfg.tc_spi, n->cfg.tm_frame_len) == 0,
               AUS_E_ARG);
    cl_ccsds_cfg_seg_hdr(&cfg, n->cfg.tc_seg_hdr);
    /* FOP-1 timer in ms: unacknowledged frames go again once the retry time has passed */
    cfg.t1 = n->cfg.retry_s ? n->cfg.retry_s * 1000u : 1u;
    static const aus_cl_ccsds_ops ops = {on_bundle, on_ep};
    return aus_cl_ccsds_init(&l->lk, &cfg, &l->sdls, &n->store,
                             dmn_key_area(&pfx, "clc", n->cfg.tenant), &ops, n, dmn_now_ms());
}

static int ccsds_open(dmn_node *n)
{
    ccsds_link *l = calloc(1, sizeof *l);
    if (!l)
        return AUS_EXIT_ENV;
    n->link_state = l;
    l->down = n->cfg.role_sat;
    aus_err e = install_sdls_key(n);
    if (e != AUS_OK) {
        cli_err("SDLS key %s: %s", n->cfg.sdls_key_file, aus_err_str(e));
        return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
    }
    dmn_key key;
    e = aus_ctr_open(&l->file_ctr, &n->store, dmn_key_lnk(&key, n->cfg.tenant, "file"),
                     UINT64_MAX - 1, 64);
    if (e == AUS_OK)
        e = dmn_rx_defer_open(n);
    if (e == AUS_OK)
        e = link_setup(n);
    if (e != AUS_OK) {
        cli_err("CCSDS link: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    l->ocap = l->down ? SAT_CAP : aus_cl_ccsds_pass_min_cap(&l->lk) + 4096;
    l->obuf = malloc(l->ocap);
    if (!l->obuf)
        return AUS_EXIT_ENV;
    dmn_log("link ccsds: scid=%llu tm_vcid=%llu tc_vcid=%llu, SDLS AES-256-GCM SA %llu (TM) / "
            "%llu (TC) key 0x%04x, COP-1 K=%u",
            (unsigned long long)n->cfg.scid, (unsigned long long)n->cfg.tm_vcid,
            (unsigned long long)n->cfg.tc_vcid, (unsigned long long)n->cfg.tm_spi,
            (unsigned long long)n->cfg.tc_spi, DMN_SDLS_KEY_ID, l->lk.cfg.fop_window);
    return 0;
}

static void ccsds_close(dmn_node *n)
{
    ccsds_link *l = n->link_state;
    if (!l)
        return;
    aus_sdls_wipe(&l->sdls);
    free(l->obuf);
    free(l->bb);
    free(l);
    n->link_state = NULL;
}

/* ---- receive: every bundle and EP PDU of a pass goes to the node (node_rx.c) ---- */
static void on_bundle(void *u, const uint8_t *b, size_t len)
{
    dmn_node *n = u;
    ccsds_link *l = n->link_state;
    if (l->rx_fail == AUS_OK)
        l->rx_fail = dmn_rx_pass_bundle(n, b, len, &l->rx);
}

/* A store error earlier in the pass fails the whole pass (rolled back and read again), so its
 * EP PDUs are not acted on either: they come again with it. */
static void on_ep(void *u, const uint8_t *pdu, size_t len, uint16_t spi)
{
    dmn_node *n = u;
    ccsds_link *l = n->link_state;
    uint8_t reply[AUS_EP_REPLY_MAX];
    size_t rl = 0;
    if (l->rx_fail != AUS_OK)
        return;
    l->rx_fail = dmn_rx_ep(n, pdu, len, spi, reply, sizeof reply, &rl);
    if (rl > 0 && aus_cl_ccsds_ep_send(&l->lk, reply, rl, dmn_now_ms()) != AUS_OK)
        dmn_log("SDLS-EP reply could not be queued");
}

static void run_deferred(dmn_node *n)
{
    ccsds_link *l = n->link_state;
    if (dmn_rx_run_deferred(n, &l->rx) > 0)
        l->pass_due = 1;
}

/* Read one incoming pass file (regular, 1..PASS_FILE_MAX octets). 0 ok, 1 gone, -1 junk.
 * DESIGN.md §5a: O_NONBLOCK so that a FIFO planted in the folder cannot block the open (it
 * waits for a writer otherwise: the daemon hung until a signal), O_NOFOLLOW against a planted
 * symlink, and the descriptor's own fstat decides. */
static int read_pass(dmn_node *n, const char *name, uint8_t **buf, size_t *len)
{
    int fd = openat(n->fl.in_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (size_t)st.st_size > PASS_FILE_MAX) {
        close(fd);
        return -1;
    }
    size_t sz = (size_t)st.st_size, at = 0;
    uint8_t *p = malloc(sz);
    while (p && at < sz) {
        ssize_t r = read(fd, p + at, sz - at);
        if (r <= 0)
            break;
        at += (size_t)r;
    }
    close(fd);
    if (!p || at != sz) {
        free(p);
        return -1;
    }
    *buf = p;
    *len = sz;
    return 0;
}

static void log_in(const char *name, size_t len, const aus_cl_ccsds_stats *a,
                   const aus_cl_ccsds_stats *b, int down, long nb)
{
    if (down)
        dmn_log("ccsds pass in %s: %zu octets, %llu CLTUs (%llu bad, %llu BCH bits corrected), "
                "FARM-1 accepted %llu discarded %llu, SDLS replay %llu auth %llu, %ld bundles",
                name, len, (unsigned long long)(b->cltu_rx - a->cltu_rx),
                (unsigned long long)(b->cltu_bad - a->cltu_bad),
                (unsigned long long)(b->bch_corrected - a->bch_corrected),
                (unsigned long long)(b->farm_accept - a->farm_accept),
                (unsigned long long)(b->farm_discard - a->farm_discard),
                (unsigned long long)(b->sdls_replay - a->sdls_replay),
                (unsigned long long)(b->sdls_auth - a->sdls_auth), nb);
    else
        dmn_log("ccsds pass in %s: %zu octets, %llu CADUs (%llu slips, %llu RS symbols "
                "corrected, %llu uncorrectable), SDLS replay %llu auth %llu, %ld bundles",
                name, len, (unsigned long long)(b->cadu_rx - a->cadu_rx),
                (unsigned long long)(b->cadu_sync_slips - a->cadu_sync_slips),
                (unsigned long long)(b->rs_corrected - a->rs_corrected),
                (unsigned long long)(b->cadu_fec - a->cadu_fec),
                (unsigned long long)(b->sdls_replay - a->sdls_replay),
                (unsigned long long)(b->sdls_auth - a->sdls_auth), nb);
}

/* After a failed commit (dmn_recover rolled back, reset the agent and noted the error): the SA
 * table and the layer back to what the store holds. */
static void ccsds_recover(dmn_node *n, const char *what, aus_err e)
{
    aus_err r = link_setup(n);
    dmn_log("store failure in %s (%s): link state re-read from the store (%s)", what,
            aus_err_name(e), aus_err_name(r));
}

/* One pass file. 0 taken, -1 stop (store trouble; the file stays). */
static int take_pass(dmn_node *n, const char *name)
{
    ccsds_link *l = n->link_state;
    uint8_t *buf = NULL;
    size_t len = 0;
    int r = read_pass(n, name, &buf, &len);
    if (r == 1)
        return 0;
    if (r < 0) {
        dmn_log("quarantine %s: not a readable pass file", name);
        n->quarantined++;
        (void)aus_fl_quarantine(&n->fl, name);
        return 0;
    }
    aus_cl_ccsds_stats a, b;
    aus_cl_ccsds_stats_get(&l->lk, &a);
    l->rx_fail = AUS_OK;
    l->rx.bundles = 0;
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = aus_cl_ccsds_pass_in(&l->lk, buf, len, dmn_now_ms());
    if (e == AUS_OK)
        e = l->rx_fail;
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    free(buf);
    if (e != AUS_OK) {
        dmn_recover(n, name, e);
        return -1;
    }
    aus_cl_ccsds_stats_get(&l->lk, &b);
    log_in(name, len, &a, &b, l->down, l->rx.bundles);
    if (aus_fl_remove(&n->fl, name) != 0)
        dmn_log("cannot remove %s: %s", name, strerror(errno));
    run_deferred(n);
    l->pass_due = 1;
    return 0;
}

static long ccsds_incoming(dmn_node *n)
{
    char **names;
    run_deferred(n); /* left over by a crash after a pass's commit */
    long cnt = aus_fl_list(&n->fl, &names, 0), i;
    if (cnt < 0) {
        dmn_log("cannot list %s: %s", n->cfg.incoming, strerror(errno));
        return -1;
    }
    for (i = 0; i < cnt && !(n->stop && *n->stop); i++)
        if (take_pass(n, names[i]) != 0)
            break;
    aus_fl_free_list(names, cnt);
    return i;
}

/* ---- send ---- */

/* Bundles from the agent's queue into the link's, each batch one transaction (the link's queue
 * record and the agent's out_done commit together). Returns moved count, or -1. */
static long move_bundles(dmn_node *n, int *more)
{
    ccsds_link *l = n->link_state;
    char keys[2][AUS_STORE_KEY_MAX];
    long moved = 0;
    *more = 0;
    if (!l->bb && !(l->bb = malloc(AUS_AGENT_BUNDLE_MAX)))
        return -1;
    uint8_t *bb = l->bb;
    for (;;) {
        int k = 0, cur = 0, full = 0;
        const char *after = "";
        aus_err e = n->store.ops->begin(n->store.self);
        while (e == AUS_OK && k < MOVE_BATCH) {
            size_t len = 0;
            uint64_t seq = 0;
            e = aus_agent_out_next(&n->agent, after, keys[cur], sizeof keys[cur], bb,
                                   AUS_AGENT_BUNDLE_MAX, &len, &seq);
            if (e == AUS_E_NOTFOUND) {
                e = AUS_OK;
                break;
            }
            if (e == AUS_OK)
                e = aus_cl_ccsds_send(&l->lk, bb, len, dmn_now_ms());
            if (e == AUS_E_FULL) {
                e = AUS_OK;
                full = *more = 1;
                break;
            }
            if (e == AUS_E_ARG) { /* cannot be carried (empty / too large): never wedge */
                dmn_log("bundle %llu cannot be carried by the link: dropped",
                        (unsigned long long)seq);
                e = AUS_OK;
            }
            if (e == AUS_OK)
                e = aus_agent_out_done(&n->agent, keys[cur]);
            after = keys[cur];
            cur ^= 1;
            k++;
        }
        if (e == AUS_OK)
            e = n->store.ops->commit(n->store.self);
        if (e != AUS_OK) {
            dmn_recover(n, "outgoing queue", e);
            return -1;
        }
        moved += k;
        if (full || k < MOVE_BATCH)
            return moved;
    }
}

static int write_pass(dmn_node *n, size_t len)
{
    ccsds_link *l = n->link_state;
    uint64_t seq = 0;
    char name[AUS_CL_NAME_MAX];
    aus_err e = aus_ctr_take(&l->file_ctr, &n->store, &seq);
    if (e == AUS_OK)
        e = aus_cl_folder_name(name, sizeof name, n->cfg.node, seq);
    if (e == AUS_OK) { /* a pass file of CLTUs / CADUs, not one bundle: p<node>-<seq>.pass */
        name[0] = 'p';
        memcpy(strrchr(name, '.'), ".pass", sizeof ".pass");
    }
    if (e != AUS_OK) {
        dmn_log("pass file name: %s", aus_err_name(e));
        return -1;
    }
    if (aus_fl_write(&n->fl, name, l->obuf, len) != 0) {
        dmn_log("cannot write %s to %s: %s", name, n->cfg.outgoing, strerror(errno));
        return -1;
    }
    n->files_out++;
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(&l->lk, &st);
    dmn_log("ccsds pass out %s: %zu octets of %s (bundles sent %llu, %s %llu)", name, len,
            l->down ? "CADUs" : "CLTUs", (unsigned long long)st.bundles_tx,
            l->down ? "TM frames" : "AD frames retransmitted",
            (unsigned long long)(l->down ? st.tm_tx : st.tc_ad_retx));
    return 0;
}

/* The first move of the loop's drain: the agent's queue into the link's. */
static long ccsds_put_outgoing(dmn_node *n)
{
    ccsds_link *l = n->link_state;
    l->moved = move_bundles(n, &l->more);
    return l->moved;
}

/* The pass: a file once per pass (after a peer pass, with new traffic, or, uplink, when
 * unacknowledged frames wait longer than the retry time; --once: every uplink run is a pass),
 * more files while the downlink has bundles left. Returns files written, or -1. */
static long ccsds_pass_commit(dmn_node *n)
{
    ccsds_link *l = n->link_state;
    long files = 0;
    for (int round = 0; round < 64; round++) {
        if (round > 0 && (l->moved = move_bundles(n, &l->more)) < 0)
            return -1;
        aus_cl_ccsds_stats st;
        aus_cl_ccsds_stats_get(&l->lk, &st);
        uint64_t now = dmn_now_ms();
        int due = l->pass_due || l->moved > 0 || st.queued_items > 0 || (n->once && !l->down) ||
                  (!l->down && st.outstanding > 0 && now - l->last_out >= l->lk.cfg.t1);
        if (!due)
            break;
        size_t len = 0;
        aus_err e = aus_cl_ccsds_pass_out(&l->lk, l->obuf, l->ocap, now, &len);
        l->last_out = now;
        l->pass_due = 0;
        if (len > 0 && write_pass(n, len) != 0)
            return -1;
        files += len > 0;
        if (e != AUS_OK) {
            dmn_log("pass out: %s (the file so far was written)", aus_err_name(e));
            break;
        }
        aus_cl_ccsds_stats_get(&l->lk, &st);
        if (!l->more && st.queued_items == 0)
            break;
        if (!l->down)
            break; /* uplink: the FOP-1 window bounds a pass */
    }
    return files;
}

/* Ground: an SA procedure's EP PDU on the EP MAP (role_ground_ops.c records the request). */
static aus_err ccsds_ep_send(dmn_node *n, const uint8_t *pdu, size_t len)
{
    ccsds_link *l = n->link_state;
    AUS_ENSURE(!l->down, AUS_E_STATE);
    return aus_cl_ccsds_ep_send(&l->lk, pdu, len, dmn_now_ms());
}

/* ---- counters ---- */
static size_t ccsds_health(dmn_node *n, aus_app_kv *kv, size_t cap)
{
    ccsds_link *l = n->link_state;
    if (!l)
        return 0;
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(&l->lk, &st);
    return cl_ccsds_health(&st, kv, cap);
}

static void ccsds_status(dmn_node *n, cJSON *o)
{
    ccsds_link *l = n->link_state;
    if (!l)
        return;
    aus_cl_ccsds_stats st;
    char buf[4096];
    aus_cl_ccsds_stats_get(&l->lk, &st);
    if (cl_ccsds_stats_json(&st, buf, sizeof buf) > 0)
        cJSON_AddItemToObject(o, "ccsds", cJSON_Parse(buf));
}

static double num(const cJSON *o, const char *k)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

void dmn_link_ccsds_print(const cJSON *c)
{
    static const char *const fop[] = {
        "-",       "S1 Active",  "S2 Retransmit", "S3 Retransmit+Wait",
        "S4 Init", "S5 Init+BC", "S6 Initial"};
    double st = num(c, "fop_state");
    printf("CCSDS link: FOP-1 %s, V(S) %.0f, NN(R) %.0f, %.0f frame(s) unacknowledged, "
           "last CLCW 0x%08llx, %.0f alert(s), %.0f unlock(s)\n",
           fop[st >= 1 && st <= 6 ? (int)st : 0], num(c, "vs"), num(c, "nnr"),
           num(c, "outstanding"), (unsigned long long)num(c, "clcw"), num(c, "fop_alerts"),
           num(c, "unlocks"));
    printf("  uplink: %.0f CLTUs, %.0f AD frames (%.0f retransmitted), %.0f BC; downlink: %.0f "
           "CADUs, %.0f RS symbols corrected, %.0f uncorrectable, %.0f sync slips\n",
           num(c, "cltu_tx"), num(c, "tc_ad_tx"), num(c, "tc_ad_retx"), num(c, "tc_bc_tx"),
           num(c, "cadu_rx"), num(c, "rs_corrected"), num(c, "cadu_fec"),
           num(c, "cadu_sync_slips"));
    printf("  SDLS: %.0f frames ok, %.0f MAC failures, %.0f replays, %.0f unknown SA; bundles "
           "%.0f sent, %.0f received (counters since the daemon started)\n",
           num(c, "sdls_ok"), num(c, "sdls_auth"), num(c, "sdls_replay"), num(c, "sdls_spi"),
           num(c, "bundles_tx"), num(c, "bundles_rx"));
}

const dmn_link_ops dmn_link_ccsds = {
    .name = "ccsds",
    .open = ccsds_open,
    .take_incoming = ccsds_incoming,
    .put_outgoing = ccsds_put_outgoing,
    .pass_commit = ccsds_pass_commit,
    .ep_send = ccsds_ep_send,
    .health = ccsds_health,
    .status = ccsds_status,
    .recover = ccsds_recover,
    .close = ccsds_close,
};
