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
#include "link_ccsds.h"
#include "../../../port/posix/keyfile.h"

#define PASS_FILE_MAX ((size_t)64 << 20) /* larger incoming files are quarantined unread */
#define SAT_CAP ((size_t)4 << 20)        /* one downlink pass file at most */
#define MOVE_BATCH 64

static aus_cl_ccsds lk;
static aus_sdls_table sdls;
static int lk_open;
static int pass_due;      /* a peer pass came in: answer it (sat: always a file) */
static uint64_t last_out; /* ms of the last pass_out */
static aus_err rx_fail;   /* a store error inside the callbacks of this pass_in */
static long rx_bundles, rx_refused;
static uint8_t *obuf;
static size_t ocap;
static aus_ctr file_ctr;
static aus_ctr defer_ctr; /* satellite: commands deferred past the pass's commit */

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

int dmn_link_ccsds_on(const dmn_node *n)
{
    (void)n;
    return lk_open;
}

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

static aus_err sa_up(dmn_node *n, uint16_t spi, int sender)
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
    (void)n;
    AUS_TRY(aus_sdls_sa_create(&sdls, &c));
    AUS_TRY(aus_sdls_sa_rekey(&sdls, spi, DMN_SDLS_KEY_ID, DMN_SDLS_KEY_ID, NULL, 0));
    AUS_TRY(aus_sdls_sa_start(&sdls, spi, NULL));
    return aus_sdls_sa_resume(&sdls, spi);
}

static void on_bundle(void *u, const uint8_t *b, size_t len);
static void on_ep(void *u, const uint8_t *pdu, size_t len, uint16_t spi);
static void ep_reply(dmn_node *n, const uint8_t *pdu, size_t len);
static void recover(dmn_node *n, const char *what, aus_err e);

/* SA table and layer from the store (first boot or after a rollback). */
static aus_err link_setup(dmn_node *n)
{
    char pfx[48];
    aus_cl_ccsds_cfg cfg;
    aus_sdls_wipe(&sdls);
    AUS_TRY(aus_sdls_init(&sdls, aus_crypto_default(), &aus_keys_sdls_ops, &n->keys));
    snprintf(pfx, sizeof pfx, "sdls/%.24s/", n->cfg.tenant);
    AUS_TRY(aus_sdls_set_store(&sdls, &n->store, pfx));
    AUS_TRY(sa_up(n, (uint16_t)n->cfg.tm_spi, n->cfg.role_sat));
    AUS_TRY(sa_up(n, (uint16_t)n->cfg.tc_spi, !n->cfg.role_sat));
    AUS_ENSURE(cl_ccsds_cfg_from_link(&cfg, n->cfg.role_sat, n->cfg.scid, n->cfg.tm_vcid,
                                      n->cfg.tc_vcid, n->cfg.tm_spi, n->cfg.tc_spi,
                                      n->cfg.tm_frame_len) == 0,
               AUS_E_ARG);
    /* FOP-1 timer in ms: unacknowledged frames go again once the retry time has passed */
    cfg.t1 = n->cfg.retry_s ? n->cfg.retry_s * 1000u : 1u;
    static const aus_cl_ccsds_ops ops = {on_bundle, on_ep};
    snprintf(pfx, sizeof pfx, "clc/%.24s/", n->cfg.tenant);
    return aus_cl_ccsds_init(&lk, &cfg, &sdls, &n->store, pfx, &ops, n, dmn_now_ms());
}

int dmn_link_ccsds_open(dmn_node *n)
{
    aus_err e = install_sdls_key(n);
    if (e != AUS_OK) {
        cli_err("SDLS key %s: %s", n->cfg.sdls_key_file, aus_err_str(e));
        return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
    }
    char key[AUS_STORE_KEY_MAX];
    snprintf(key, sizeof key, "lnk/%s/file", n->cfg.tenant);
    e = aus_ctr_open(&file_ctr, &n->store, key, UINT64_MAX - 1, 64);
    snprintf(key, sizeof key, "lnk/%s/dseq", n->cfg.tenant);
    if (e == AUS_OK)
        e = aus_ctr_open(&defer_ctr, &n->store, key, UINT64_MAX - 1, 64);
    if (e == AUS_OK)
        e = link_setup(n);
    if (e != AUS_OK) {
        cli_err("CCSDS link: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    ocap = n->cfg.role_sat ? SAT_CAP : aus_cl_ccsds_pass_min_cap(&lk) + 4096;
    obuf = malloc(ocap);
    if (!obuf)
        return AUS_EXIT_ENV;
    lk_open = 1;
    dmn_log("link ccsds: scid=%llu tm_vcid=%llu tc_vcid=%llu, SDLS AES-256-GCM SA %llu (TM) / "
            "%llu (TC) key 0x%04x, COP-1 K=%u",
            (unsigned long long)n->cfg.scid, (unsigned long long)n->cfg.tm_vcid,
            (unsigned long long)n->cfg.tc_vcid, (unsigned long long)n->cfg.tm_spi,
            (unsigned long long)n->cfg.tc_spi, DMN_SDLS_KEY_ID, lk.cfg.fop_window);
    return 0;
}

void dmn_link_ccsds_close(dmn_node *n)
{
    (void)n;
    if (!lk_open)
        return;
    aus_sdls_wipe(&sdls);
    free(obuf);
    obuf = NULL;
    lk_open = 0;
}

/* ---- receive: what take_file + apply do for a folder-link bundle, per delivered bundle ---- */
static int store_error(aus_err e)
{
    return e == AUS_E_IO || e == AUS_E_INTERNAL || e == AUS_E_CRYPTO || e == AUS_E_NOBUFS;
}

/* The folder link's take_file + apply for one bundle, inside the caller's transaction.
 * Returns AUS_OK (applied, or refused and logged) or a store error; *pending: an external
 * command whose "started" mark is in the transaction, to run after the commit. */
static aus_err apply_bundle(dmn_node *n, const uint8_t *b, size_t len, aus_agent_rx *rx,
                            int *pending)
{
    *pending = 0;
    aus_err e = aus_agent_recv(&n->agent, b, len, dmn_now_ms(), rx);
    if (e != AUS_OK) {
        rx_refused++;
        snprintf(n->last_error, sizeof n->last_error, "bundle: %s", aus_err_name(e));
        dmn_log("bundle from the link refused: %s (%s)", aus_err_str(e), aus_err_name(e));
        return AUS_OK;
    }
    int junk = dmn_rx_junk(n, rx);
    e = aus_agent_accept(&n->agent, rx);
    if (e == AUS_OK && !junk)
        e = dmn_handle(n, rx, pending);
    if (e != AUS_OK && store_error(e))
        return e;
    if (rx->deleted && e == AUS_OK) { /* RFC 9171 §5.6: the agent withheld the ADU */
        rx_refused++;
        dmn_log("authentic bundle %llu deleted on receipt: %s (reason %u), never delivered",
                (unsigned long long)rx->seq, aus_bpv7_reason_str(rx->reason), rx->reason);
    } else if (e != AUS_OK || junk) {
        rx_refused++;
        dmn_log("authentic bundle %llu %s: %s", (unsigned long long)rx->seq,
                junk ? "with an invalid application message" : "refused by the handler",
                junk ? "seen-mark only" : aus_err_name(e));
    }
    rx_bundles++;
    n->processed++;
    return AUS_OK;
}

/* Satellite: a command waits in the store ("lnk/<tenant>/defer/<n>", committed with the pass)
 * and is applied after the commit in its own transaction, then run: as on the folder link, an
 * external command's "started" mark is durable just before IT runs, so a crash interrupts only
 * the command that was running (not every command of the pass). */
static int is_command(dmn_node *n, const uint8_t *b, size_t len)
{
    aus_agent_rx rx;
    aus_app_msg m;
    return aus_agent_recv(&n->agent, b, len, dmn_now_ms(), &rx) == AUS_OK &&
           aus_app_decode(&m, rx.adu, rx.len) == AUS_OK && m.type == AUS_APP_CMD;
}

static aus_err defer(dmn_node *n, const uint8_t *b, size_t len)
{
    char key[AUS_STORE_KEY_MAX];
    uint64_t seq = 0;
    AUS_TRY(aus_ctr_take(&defer_ctr, &n->store, &seq));
    snprintf(key, sizeof key, "lnk/%s/defer/%016llx", n->cfg.tenant, (unsigned long long)seq);
    return n->store.ops->put(n->store.self, key, b, len);
}

static void on_bundle(void *u, const uint8_t *b, size_t len)
{
    dmn_node *n = u;
    if (rx_fail != AUS_OK)
        return;
    if (n->cfg.role_sat && is_command(n, b, len)) {
        rx_fail = defer(n, b, len);
        rx_bundles++;
        return;
    }
    aus_agent_rx rx;
    int pending = 0;
    rx_fail = apply_bundle(n, b, len, &rx, &pending);
    if (rx_fail == AUS_OK && pending)
        dmn_log("external work outside a command message: answered as interrupted on restart");
}

static void on_ep(void *u, const uint8_t *pdu, size_t len, uint16_t spi)
{
    dmn_node *n = u;
    if (!n->cfg.role_sat) {
        if (rx_fail == AUS_OK)
            ep_reply(n, pdu, len);
        return;
    }
    uint8_t reply[AUS_EP_REPLY_MAX];
    size_t rl = 0;
    aus_err e = aus_ep_handle(&n->board, pdu, len, spi, now_s(), reply, sizeof reply, &rl);
    dmn_log("SDLS-EP PDU on SA %u: %s", spi, e == AUS_OK ? "done" : aus_err_name(e));
    if (rl > 0 && aus_cl_ccsds_ep_send(&lk, reply, rl, dmn_now_ms()) != AUS_OK)
        dmn_log("SDLS-EP reply could not be queued");
}

static void run_external(dmn_node *n, const aus_agent_rx *rx)
{
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = dmn_sat_finish(n, rx);
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
        dmn_log("cannot record a command result (%s): answered as interrupted on restart",
                aus_err_name(e));
    }
}

/* Apply the deferred commands in order, each in its own transaction, then run it. */
static void run_deferred(dmn_node *n)
{
    static uint8_t *b;
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    snprintf(prefix, sizeof prefix, "lnk/%s/defer/", n->cfg.tenant);
    if (!b && !(b = malloc(AUS_AGENT_BUNDLE_MAX)))
        return;
    while (n->store.ops->next(n->store.self, prefix, "", key, sizeof key) == AUS_OK) {
        size_t len = 0;
        aus_agent_rx rx;
        int pending = 0;
        aus_err e = n->store.ops->get(n->store.self, key, b, AUS_AGENT_BUNDLE_MAX, &len);
        if (e == AUS_OK)
            e = n->store.ops->begin(n->store.self);
        if (e == AUS_OK)
            e = apply_bundle(n, b, len, &rx, &pending);
        if (e == AUS_OK)
            e = n->store.ops->del(n->store.self, key);
        if (e == AUS_OK)
            e = n->store.ops->commit(n->store.self);
        if (e != AUS_OK) {
            (void)n->store.ops->rollback(n->store.self);
            dmn_reset(n);
            dmn_log("deferred command %s: store failure (%s), tried again later", key,
                    aus_err_name(e));
            return;
        }
        if (pending)
            run_external(n, &rx);
        pass_due = 1;
    }
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
                   const aus_cl_ccsds_stats *b, int sat)
{
    if (sat)
        dmn_log("ccsds pass in %s: %zu octets, %llu CLTUs (%llu bad, %llu BCH bits corrected), "
                "FARM-1 accepted %llu discarded %llu, SDLS replay %llu auth %llu, %ld bundles",
                name, len, (unsigned long long)(b->cltu_rx - a->cltu_rx),
                (unsigned long long)(b->cltu_bad - a->cltu_bad),
                (unsigned long long)(b->bch_corrected - a->bch_corrected),
                (unsigned long long)(b->farm_accept - a->farm_accept),
                (unsigned long long)(b->farm_discard - a->farm_discard),
                (unsigned long long)(b->sdls_replay - a->sdls_replay),
                (unsigned long long)(b->sdls_auth - a->sdls_auth), rx_bundles);
    else
        dmn_log("ccsds pass in %s: %zu octets, %llu CADUs (%llu slips, %llu RS symbols "
                "corrected, %llu uncorrectable), SDLS replay %llu auth %llu, %ld bundles",
                name, len, (unsigned long long)(b->cadu_rx - a->cadu_rx),
                (unsigned long long)(b->cadu_sync_slips - a->cadu_sync_slips),
                (unsigned long long)(b->rs_corrected - a->rs_corrected),
                (unsigned long long)(b->cadu_fec - a->cadu_fec),
                (unsigned long long)(b->sdls_replay - a->sdls_replay),
                (unsigned long long)(b->sdls_auth - a->sdls_auth), rx_bundles);
}

/* After a failed commit: memory (agent, SA table, layer) back to what the store holds. */
static void recover(dmn_node *n, const char *what, aus_err e)
{
    (void)n->store.ops->rollback(n->store.self);
    dmn_reset(n);
    snprintf(n->last_error, sizeof n->last_error, "%s: %s", what, aus_err_name(e));
    aus_err r = link_setup(n);
    dmn_log("store failure in %s (%s): link state re-read from the store (%s)", what,
            aus_err_name(e), aus_err_name(r));
}

/* One pass file. 0 taken, -1 stop (store trouble; the file stays). */
static int take_pass(dmn_node *n, const char *name)
{
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
    aus_cl_ccsds_stats_get(&lk, &a);
    rx_fail = AUS_OK;
    rx_bundles = 0;
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = aus_cl_ccsds_pass_in(&lk, buf, len, dmn_now_ms());
    if (e == AUS_OK)
        e = rx_fail;
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    free(buf);
    if (e != AUS_OK) {
        recover(n, name, e);
        return -1;
    }
    aus_cl_ccsds_stats_get(&lk, &b);
    log_in(name, len, &a, &b, n->cfg.role_sat);
    if (aus_fl_remove(&n->fl, name) != 0)
        dmn_log("cannot remove %s: %s", name, strerror(errno));
    run_deferred(n);
    pass_due = 1;
    return 0;
}

long dmn_link_ccsds_incoming(dmn_node *n)
{
    char **names;
    if (n->cfg.role_sat)
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
    static uint8_t *bb;
    char keys[2][AUS_STORE_KEY_MAX];
    long moved = 0;
    *more = 0;
    if (!bb && !(bb = malloc(AUS_AGENT_BUNDLE_MAX)))
        return -1;
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
                e = aus_cl_ccsds_send(&lk, bb, len, dmn_now_ms());
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
            recover(n, "outgoing queue", e);
            return -1;
        }
        moved += k;
        if (full || k < MOVE_BATCH)
            return moved;
    }
}

static int write_pass(dmn_node *n, size_t len)
{
    uint64_t seq = 0;
    char name[AUS_CL_NAME_MAX];
    aus_err e = aus_ctr_take(&file_ctr, &n->store, &seq);
    if (e == AUS_OK)
        e = aus_cl_folder_name(name, sizeof name, n->cfg.node, seq);
    if (e != AUS_OK) {
        dmn_log("pass file name: %s", aus_err_name(e));
        return -1;
    }
    if (aus_fl_write(&n->fl, name, obuf, len) != 0) {
        dmn_log("cannot write %s to %s: %s", name, n->cfg.outgoing, strerror(errno));
        return -1;
    }
    n->files_out++;
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(&lk, &st);
    dmn_log("ccsds pass out %s: %zu octets of %s (bundles sent %llu, %s %llu)", name, len,
            n->cfg.role_sat ? "CADUs" : "CLTUs", (unsigned long long)st.bundles_tx,
            n->cfg.role_sat ? "TM frames" : "AD frames retransmitted",
            (unsigned long long)(n->cfg.role_sat ? st.tm_tx : st.tc_ad_retx));
    return 0;
}

long dmn_link_ccsds_outgoing(dmn_node *n)
{
    long files = 0;
    for (int round = 0; round < 64; round++) {
        int more = 0;
        long moved = move_bundles(n, &more);
        if (moved < 0)
            return -1;
        aus_cl_ccsds_stats st;
        aus_cl_ccsds_stats_get(&lk, &st);
        uint64_t now = dmn_now_ms();
        /* once per pass: after a peer pass, with new traffic, or (ground) when unacknowledged
         * frames wait longer than the retry time; --once: every run is a pass */
        int due = pass_due || moved > 0 || st.queued_items > 0 || (n->once && !n->cfg.role_sat) ||
                  (!n->cfg.role_sat && st.outstanding > 0 && now - last_out >= lk.cfg.t1);
        if (!due)
            break;
        size_t len = 0;
        aus_err e = aus_cl_ccsds_pass_out(&lk, obuf, ocap, now, &len);
        last_out = now;
        pass_due = 0;
        if (len > 0 && write_pass(n, len) != 0)
            return -1;
        files += len > 0;
        if (e != AUS_OK) {
            dmn_log("pass out: %s (the file so far was written)", aus_err_name(e));
            break;
        }
        aus_cl_ccsds_stats_get(&lk, &st);
        if (!more && st.queued_items == 0)
            break;
        if (!n->cfg.role_sat)
            break; /* uplink: the FOP-1 window bounds a pass */
    }
    return files;
}

/* ---- SDLS-EP procedures over the radio path (ground) ----
 * `australis sa …` with link = ccsds: the EP PDU goes up in its own TC frame on the EP MAP
 * (355.1 / CryptoLib), the reply comes down in a Space Packet on APID 128. The request is
 * recorded like any other (dmn_ground_record, so `status --id` and `--wait` work, and the
 * bundle-level re-send after retry_s still covers a lost reply), plus
 * lnk/<tenant>/ep/<procedure>/<id>: a reply is matched to the oldest open request of its
 * procedure (EP replies carry no request id). */
aus_err dmn_link_ccsds_ep_submit(dmn_node *n, aus_app_msg *m, uint64_t *id)
{
    char key[AUS_STORE_KEY_MAX];
    aus_app_view adu;
    aus_ep_cmd c;
    AUS_ENSURE(lk_open && !n->cfg.role_sat, AUS_E_STATE);
    AUS_TRY(aus_ep_cmd_decode(&c, m->data.p, m->data.n));
    AUS_TRY(n->store.ops->begin(n->store.self));
    aus_err e = dmn_ground_record(n, m, NULL, id, &adu); /* the bundle form is for re-sends */
    if (e == AUS_OK) {
        snprintf(key, sizeof key, "lnk/%s/ep/%02x/%016llx", n->cfg.tenant, c.tag & 0x3Fu,
                 (unsigned long long)m->id);
        e = n->store.ops->put(n->store.self, key, (const uint8_t *)"1", 1);
    }
    if (e == AUS_OK)
        e = aus_cl_ccsds_ep_send(&lk, m->data.p, m->data.n, dmn_now_ms());
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        recover(n, "sa request", e);
        return e;
    }
    *id = m->id;
    dmn_log(
        "SDLS-EP procedure 0x%02x (request id=%llu) queued for the radio path (EP MAP, SA %llu)",
        c.tag, (unsigned long long)m->id, (unsigned long long)n->cfg.tc_spi);
    return AUS_OK;
}

/* Ground: an EP reply from the downlink answers the oldest open request of its procedure,
 * through the ground's usual response path (inside the pass's transaction). */
static void ep_reply(dmn_node *n, const uint8_t *pdu, size_t len)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    static uint8_t adu[AUS_EP_REPLY_MAX + 256];
    static const aus_app_msg zero;
    aus_ep_reply r;
    if (aus_ep_reply_decode(&r, pdu, len) != AUS_OK) {
        dmn_log("SDLS-EP reply over the radio path does not parse");
        return;
    }
    snprintf(prefix, sizeof prefix, "lnk/%s/ep/%02x/", n->cfg.tenant, r.cmd);
    if (n->store.ops->next(n->store.self, prefix, "", key, sizeof key) != AUS_OK) {
        dmn_log("SDLS-EP reply 0x%02x over the radio path: no open request", r.tag);
        return;
    }
    aus_app_msg m = zero;
    size_t alen = 0;
    m.type = AUS_APP_REKEY_RESP;
    m.id = strtoull(key + strlen(prefix), NULL, 16);
    m.kind = 3;
    m.status = AUS_APP_ST_OK;
    m.data = (aus_app_view){pdu, len};
    aus_err e = n->store.ops->del(n->store.self, key);
    if (e == AUS_OK)
        e = aus_app_encode(&m, adu, sizeof adu, &alen);
    aus_agent_rx rx = {.adu = adu, .len = alen, .src_node = n->cfg.peer};
    if (e == AUS_OK)
        e = dmn_ground_handle(n, &rx);
    dmn_log("SDLS-EP reply over the radio path answers request id=%llu (%s)",
            (unsigned long long)m.id, aus_err_name(e));
    if (e != AUS_OK && store_error(e))
        rx_fail = e;
}

/* ---- counters ---- */
size_t dmn_link_ccsds_health(dmn_node *n, aus_app_kv *kv, size_t cap)
{
    (void)n;
    if (!lk_open)
        return 0;
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(&lk, &st);
    return cl_ccsds_health(&st, kv, cap);
}

void dmn_link_ccsds_status(dmn_node *n, cJSON *o)
{
    (void)n;
    if (!lk_open)
        return;
    aus_cl_ccsds_stats st;
    static char buf[4096];
    aus_cl_ccsds_stats_get(&lk, &st);
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
