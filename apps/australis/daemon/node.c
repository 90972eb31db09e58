/* SPDX-License-Identifier: Apache-2.0 */
/* One node process (DESIGN.md §9): store, keys, envelope, agent, and the link and role chosen
 * by the config, each behind its ops table (link.h, role.h). The node calls them; they never
 * call back into this file: a link hands bundles to node_rx.c, a role queues ADUs through
 * node_base.c (dmn_agent_send), and the loop (cli/cmd_run.c) drives:
 *   dmn_process_incoming -> link take_incoming -> node_rx -> role
 *   dmn_tick             -> role tick (re-sends, FORGET), rekey timers
 *   dmn_drain_outgoing   -> link put_outgoing, pass_commit
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
#include "util.h"
#include "daemon.h"
#include "gateway.h"
#include "link.h"
#include "role.h"
#include "store_keys.h"
#include "../../../port/posix/keyfile.h"
#include "../../../port/posix/store_sqlite.h"

#define MASTER_KEY_ID 0x0001u

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

/* ---- keys for the envelope ---- */
static uint16_t active_ek(dmn_node *n)
{
    dmn_key k;
    uint64_t v = AUS_KEY_ID_EK;
    if (aus_store_get_u64(&n->store, dmn_key_dmn(&k, n->cfg.tenant, "ek"), &v) != AUS_OK)
        v = AUS_KEY_ID_EK;
    return (uint16_t)v;
}

static aus_err send_key(void *ctx, uint64_t now_ms, uint16_t *kid, uint8_t key[32])
{
    dmn_node *n = ctx;
    size_t len = 0;
    (void)now_ms;
    *kid = active_ek(n);
    return aus_keys_get(&n->keys, *kid, AUS_KEY_USE_SEND, now_s(), key, 32, &len);
}

static aus_err recv_key(void *ctx, uint64_t now_ms, uint16_t kid, uint8_t key[32])
{
    dmn_node *n = ctx;
    size_t len = 0;
    (void)now_ms;
    return aus_keys_get(&n->keys, kid, AUS_KEY_USE_RECV, now_s(), key, 32, &len);
}

static size_t recv_ids(void *ctx, uint64_t now_ms, uint16_t *ids, size_t cap)
{
    (void)now_ms;
    return dmn_rekey_recv_ids(ctx, ids, cap);
}

static void iv_log(void *ctx, uint16_t kid, const uint8_t iv[12])
{
    dmn_node *n = ctx;
    if (n->iv_log_fd < 0)
        return;
    char line[160];
    int k = snprintf(line, sizeof line, "%s %u %s %04x ", n->cfg.tenant, (unsigned)n->cfg.node,
                     n->role->name, kid);
    for (int i = 0; i < 12; i++)
        k += snprintf(line + k, sizeof line - (size_t)k, "%02x", iv[i]);
    line[k++] = '\n';
    /* O_APPEND + one write per line: lines from several processes never interleave. A test
     * aid: a failed write is reported once and the log closed, sealing goes on. */
    if (write(n->iv_log_fd, line, (size_t)k) != k) {
        dmn_log("AUS_IV_LOG: write failed (%s); no more IVs are logged", strerror(errno));
        close(n->iv_log_fd);
        n->iv_log_fd = -1;
    }
}

static int install_from_file(dmn_node *n, const char *file, uint16_t id, aus_key_type type)
{
    aus_key_info info;
    if (!file[0] || aus_keys_info(&n->keys, id, &info) == AUS_OK)
        return 0;
    uint8_t k[32];
    size_t len = 0;
    aus_err e = aus_keyfile_read(file, k, sizeof k, &len);
    if (e != AUS_OK) {
        cli_err("key file %s: %s (expected: 64 hex digits on one line or 32 raw bytes, a regular "
                "file of ours, mode 0600; docs/keys.md)",
                file, aus_err_str(e));
        return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
    }
    int master = type == AUS_KEY_T_MASTER;
    e = aus_keys_install(&n->keys, id, type, master ? AUS_KEY_ACTIVE : AUS_KEY_PREACTIVE, k, len,
                         now_s());
    if (e == AUS_OK && !master)
        e = aus_keys_activate(&n->keys, id, now_s());
    aus_wipe(k, sizeof k);
    if (e != AUS_OK) {
        cli_err("cannot install key 0x%04x from %s: %s", id, file, aus_err_str(e));
        return AUS_EXIT_FAIL;
    }
    return 0;
}

static int open_keys(dmn_node *n)
{
    uint8_t kek[32];
    size_t len = 0;
    aus_err e = aus_keyfile_read(n->cfg.kek_file, kek, sizeof kek, &len);
    if (e != AUS_OK) {
        cli_err("key-encryption key %s: %s (expected: 64 hex digits on one line or 32 raw bytes, "
                "a regular file of ours, mode 0600; docs/keys.md)",
                n->cfg.kek_file, aus_err_str(e));
        return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
    }
    dmn_key prefix;
    dmn_key_area(&prefix, "keys", n->cfg.tenant);
    char kpath[DMN_PATH + 8];
    snprintf(kpath, sizeof kpath, "%s.keys", n->cfg.store);
    e = dmn_store_open(&n->kstore, kpath);
    chmod(kpath, 0600);
    uint64_t ver = 0;
    if (e == AUS_OK && dmn_schema_check(&n->kstore, kpath, &ver) != 0) {
        aus_wipe(kek, sizeof kek);
        return AUS_EXIT_ENV;
    }
    if (e == AUS_OK) /* the keystore's records are the same in versions 1 and 2 */
        e = dmn_schema_mark(&n->kstore);
    if (e == AUS_OK)
        e = aus_keys_open(&n->keys, &n->kstore, aus_crypto_default(), kek, len, prefix.s);
    aus_wipe(kek, sizeof kek);
    if (e != AUS_OK) {
        cli_err("keystore: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    /* first boot: the initial keys are installed and activated in one keystore transaction,
     * so a crash leaves either nothing (installed again next time) or all of them active */
    e = aus_keys_begin(&n->keys);
    if (e != AUS_OK) {
        cli_err("keystore: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    int rc = install_from_file(n, n->cfg.ek_file, AUS_KEY_ID_EK, AUS_KEY_T_SESSION);
    if (!rc)
        rc = install_from_file(n, n->cfg.ak_file, AUS_KEY_ID_AK, AUS_KEY_T_SESSION);
    if (!rc)
        rc = install_from_file(n, n->cfg.master_file, MASTER_KEY_ID, AUS_KEY_T_MASTER);
    if (rc) {
        aus_keys_rollback(&n->keys);
        return rc;
    }
    e = aus_keys_commit(&n->keys);
    if (e != AUS_OK) {
        cli_err("keystore: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    return dmn_rekey_init(n);
}

static void mkdir_parents(const char *path)
{
    char p[DMN_PATH];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0700);
            *s = '/';
        }
}

/* [folders] quarantine_max_*: a bound lowered since the last run drops the oldest now. */
static void quarantine_bounds(dmn_node *n)
{
    uint64_t before = n->fl.qs.dropped_bytes;
    uint64_t k =
        aus_fl_quar_bounds(&n->fl, n->cfg.quarantine_max_files, n->cfg.quarantine_max_bytes);
    if (k)
        dmn_log("quarantine over its bounds (%llu files, %llu bytes): dropped the %llu oldest "
                "file(s), %llu bytes",
                (unsigned long long)n->cfg.quarantine_max_files,
                (unsigned long long)n->cfg.quarantine_max_bytes, (unsigned long long)k,
                (unsigned long long)(n->fl.qs.dropped_bytes - before));
}

static void quarantine_banner(dmn_node *n)
{
    const aus_fl_qstats *s = &n->fl.qs;
    if (n->fl.quar_fd < 0)
        return;
    dmn_log("Quarantine: %llu files, %llu bytes held (bounds %llu files, %llu bytes); %llu "
            "refused, %llu not kept, %llu dropped (%llu bytes) in all",
            (unsigned long long)s->files, (unsigned long long)s->bytes,
            (unsigned long long)n->fl.qmax_files, (unsigned long long)n->fl.qmax_bytes,
            (unsigned long long)s->refused, (unsigned long long)s->unkept,
            (unsigned long long)s->dropped, (unsigned long long)s->dropped_bytes);
}

/* The link and the role the config names (config.c checked both names). */
static int choose(dmn_node *n)
{
    n->role = dmn_role_find(n->cfg.role_sat ? "sat" : "ground");
    n->link = dmn_link_find(n->cfg.link);
    if (!n->role || !n->link) {
        cli_err("%s: no link '%s' in this australis", n->cfg.file, n->cfg.link);
        return AUS_EXIT_USAGE;
    }
    return 0;
}

int dmn_open(dmn_node *n, const dmn_config *cfg, int with_folders)
{
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    n->iv_log_fd = -1;
    n->fl.in_fd = n->fl.out_fd = n->fl.quar_fd = -1;
    n->started_ms = dmn_now_ms();
    int rc = choose(n);
    if (rc || (rc = dmn_dict_open(n)) != 0) /* [node] dictionary (dict_node.c) */
        return rc;
    umask(077); /* tenant isolation: every file and folder we create is owner-only */
    const char *ivl = getenv("AUS_IV_LOG");
    if (ivl && *ivl) { /* shared by several processes (appended, so no O_EXCL); never a link */
        n->iv_log_fd = open(ivl, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        struct stat st;
        if (n->iv_log_fd >= 0 &&
            (fstat(n->iv_log_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
            close(n->iv_log_fd);
            n->iv_log_fd = -1;
        }
        if (n->iv_log_fd < 0)
            cli_err("AUS_IV_LOG %s: cannot open it as a regular file of ours; IVs are not logged",
                    ivl);
    }
    /* nothing is created before the key-encryption key is known to be there (the initial
     * session-key files are needed only on first boot and may be removed afterwards) */
    if (access(cfg->kek_file, R_OK) != 0) {
        cli_err("cannot read key file %s: %s (expected: the key-encryption key, 64 hex digits; "
                "docs/keys.md)",
                cfg->kek_file, strerror(errno));
        return AUS_EXIT_ENV;
    }
    mkdir_parents(cfg->store);
    mkdir_parents(cfg->incoming);
    mkdir_parents(cfg->outgoing);
    mkdir_parents(cfg->quarantine);
    if (!cfg->role_sat && cfg->downloads[0] && !n->readonly) { /* [ground] downloads, like */
        char dl[DMN_PATH];                                     /* the link folders: made */
        snprintf(dl, sizeof dl, "%.*s/", DMN_PATH - 2, cfg->downloads);
        mkdir_parents(dl);
    }
    aus_err e = dmn_store_open(&n->store, cfg->store);
    if (e != AUS_OK)
        return AUS_EXIT_ENV;
    chmod(cfg->store, 0600);
    uint64_t ver = 0;
    if (dmn_schema_check(&n->store, cfg->store, &ver) != 0)
        return AUS_EXIT_ENV;
    /* the role prepares its store (the satellite marks the layout version; the ground's
     * records are moved, with the version, by role_ground.c at its first write) */
    rc = n->role->store_open(n);
    if (rc)
        return rc;
    rc = open_keys(n);
    if (rc)
        return rc;
    aus_agent_seal_keys_ops ko = {send_key, recv_key, recv_ids, iv_log, n};
    /* The IV counter lives in the keys store, which is never inside a transaction while we
     * seal: each reservation is durable before any IV under it is used, even when the main
     * transaction that carries the sealed bundle is later rolled back or cut by a crash. */
    e = aus_agent_seal_init(&n->seal, aus_crypto_default(), &n->kstore, cfg->tenant,
                            (uint32_t)cfg->node, &ko);
    aus_agent_sec_ops so = aus_agent_seal_ops(&n->seal);
    if (e == AUS_OK && !strcmp(cfg->security, "bpsec")) {
        e = aus_agent_bpsec_init(&n->bpsec, &n->seal, (uint32_t)cfg->tenant_id, cfg->node,
                                 cfg->service, cfg->peer, cfg->peer_service);
        so = aus_agent_bpsec_ops(&n->bpsec);
    }
    aus_agent_cfg ac = {cfg->node,
                        cfg->service,
                        cfg->peer,
                        cfg->peer_service,
                        cfg->lifetime_s * 1000u,
                        (uint32_t)cfg->replay_window,
                        cfg->tenant,
                        cfg->report_req,
                        cfg->ep_service,
                        cfg->peer_ep_service};
    if (e == AUS_OK)
        e = aus_agent_init(&n->agent, &ac, &n->store, &so);
    if (e != AUS_OK) {
        cli_err("agent: %s", aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    if (with_folders && aus_fl_open(&n->fl, cfg->incoming, cfg->outgoing, cfg->quarantine,
                                    cfg->fsync_on, cfg->max_bundle) != 0) {
        cli_err("folders: %s", strerror(errno));
        return AUS_EXIT_ENV;
    }
    if (with_folders)
        quarantine_bounds(n);
    /* `australis run` of a daemon with threads: Landlock and no_new_privs before the first
     * one (the IP link's carriers start in the link's open; sandbox.h) */
    if (with_folders && (rc = dmn_sandbox_confine(n)) != 0)
        return rc;
    /* also in the client's direct mode (no folders): EP requests, status */
    return n->link->open(n);
}

int dmn_open_readonly(dmn_node *n, const dmn_config *cfg)
{
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    n->iv_log_fd = -1;
    n->fl.in_fd = n->fl.out_fd = n->fl.quar_fd = -1;
    n->readonly = 1;
    int rc = choose(n);
    if (rc)
        return rc;
    aus_err e = aus_store_sqlite_open_readonly(&n->store, cfg->store);
    if (e != AUS_OK) {
        cli_err("store %s: %s", cfg->store, aus_err_str(e));
        return AUS_EXIT_ENV;
    }
    uint64_t ver = 0;
    return dmn_schema_check(&n->store, cfg->store, &ver);
}

void dmn_close(dmn_node *n)
{
    if (n->readonly) {
        aus_store_sqlite_close(&n->store);
        return;
    }
    dmn_net_close(n); /* the gateway's carriers (gateway.h) */
    dmn_dict_close(n);
    if (n->link)
        n->link->close(n);
    aus_fl_close(&n->fl);
    if (n->rk_ok)
        aus_rekey_close(&n->rk);
    aus_keys_close(&n->keys);
    aus_store_sqlite_close(&n->kstore);
    aus_store_sqlite_close(&n->store);
    if (n->iv_log_fd >= 0)
        close(n->iv_log_fd);
}

void dmn_banner(dmn_node *n)
{
    const dmn_config *c = &n->cfg;
    dmn_log("Australis %s (BPv7, BPSec, SDLS, OTAR, ML-KEM/ML-DSA) node ipn:%llu role=%s "
            "tenant=%s",
            AUSTRALIS_VERSION, (unsigned long long)c->node, n->role->name, c->tenant);
    dmn_log("Config: scid=%llu, tm_vcid=%llu, tc_vcid=%llu, tm_spi=%llu, tc_spi=%llu, "
            "tm_frame_len=%llu, link=%s, security=%s, peer=ipn:%llu",
            (unsigned long long)c->scid, (unsigned long long)c->tm_vcid,
            (unsigned long long)c->tc_vcid, (unsigned long long)c->tm_spi,
            (unsigned long long)c->tc_spi, (unsigned long long)c->tm_frame_len, c->link,
            c->security, (unsigned long long)c->peer);
    aus_key_info ek, ak;
    uint16_t ekid = active_ek(n);
    int he = aus_keys_info(&n->keys, ekid, &ek) == AUS_OK;
    int ha = aus_keys_info(&n->keys, (uint16_t)(ekid + 1), &ak) == AUS_OK;
    dmn_log("Session keys: EK=0x%04x AK=0x%04x %s", ekid, ekid + 1,
            he && ha && ek.state == AUS_KEY_ACTIVE && ak.state == AUS_KEY_ACTIVE
                ? "active"
                : (he ? aus_key_state_name((aus_key_state)ek.state) : "missing"));
    quarantine_banner(n);
    dmn_dict_banner(n);
    long in = aus_fl_count(c->incoming), out = aus_fl_count(c->outgoing);
    dmn_log("Health: ok, store=%s, incoming=%ld waiting, outgoing=%ld waiting, highest peer "
            "sequence seen=%llu",
            c->store, in, out, (unsigned long long)n->agent.win.top);
}

/* ---- the loop's steps (cli/cmd_run.c) ---- */
long dmn_process_incoming(dmn_node *n) { return n->link->take_incoming(n); }

void dmn_tick(dmn_node *n, uint64_t resend_cutoff, int scan)
{
    dmn_rekey_tick(n); /* retired PQ session pairs past their deadline are destroyed */
    if (n->role->tick)
        n->role->tick(n, resend_cutoff, scan);
}

long dmn_drain_outgoing(dmn_node *n)
{
    long r = n->link->put_outgoing(n);
    if (r < 0 || !n->link->pass_commit)
        return r;
    return n->link->pass_commit(n);
}

int dmn_start(dmn_node *n) { return n->role->start ? n->role->start(n) : 0; }

int dmn_serves_clients(const dmn_node *n) { return n->role->serves_clients; }
