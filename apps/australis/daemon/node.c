/* One node process: store, keys, envelope, agent, folder link; the receive and send loops.
 *
 * Receive (one file), each step durable before the next (DESIGN.md §9, the folder link):
 *   read file -> agent verify (nothing written) -> BEGIN; replay mark + effect + responses
 *   queued; COMMIT -> [external command: run; BEGIN; result + response; COMMIT] -> delete file.
 * A crash before COMMIT leaves the file to be processed again (nothing happened); after COMMIT
 * the file comes back as a replay and is quarantined (its effect is already recorded).
 * Send: each queued bundle is written to the outgoing folder (tmp, fsync, rename, dir fsync)
 * under a name made from its sequence number (reserved in the store before use, so names
 * never collide), and only then removed from the store queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "australis/base.h"
#include "australis/cl.h"
#include "util.h"
#include "log.h"
#include "daemon.h"
#include "link_ccsds.h"
#include "../../../port/posix/crypto_openssl.h"
#include "../../../port/posix/keyfile.h"
#include "../../../port/posix/posix_io.h"
#include "../../../port/posix/store_sqlite.h"

#define DTN_EPOCH_UNIX 946684800ull
#define MASTER_KEY_ID 0x0001u

uint64_t dmn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec - DTN_EPOCH_UNIX) * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

int dmn_quiet;

/* Every flight-log line is escaped as a whole (DESIGN.md §5a): file names, command arguments
 * and peer text reach it through the format's arguments, so no byte of theirs may end the line
 * or forge another one. Control bytes, DEL, backslash and non-ASCII bytes become \\, \n, \t or
 * \xNN; a line longer than the buffer is cut and marked with "...". */
void dmn_log(const char *fmt, ...)
{
    if (dmn_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    aulog_v(AULOG_AUTO, fmt, ap); /* common/log.c: level, text/json/syslog, escaped as a whole */
    va_end(ap);
}

static void note_error(dmn_node *n, const char *what, int e)
{
    snprintf(n->last_error, sizeof n->last_error, "%s: %s", what, aus_err_name(e));
}

/* ---- keys for the envelope ---- */
static uint16_t active_ek(dmn_node *n)
{
    char key[AUS_STORE_KEY_MAX];
    uint64_t v = AUS_KEY_ID_EK;
    snprintf(key, sizeof key, "dmn/%s/ek", n->cfg.tenant);
    if (aus_store_get_u64(&n->store, key, &v) != AUS_OK)
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
                     n->cfg.role_sat ? "sat" : "ground", kid);
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
        cli_err("key file %s: %s", file, aus_err_str(e));
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
        cli_err("key-encryption key %s: %s", n->cfg.kek_file, aus_err_str(e));
        return e == AUS_E_PERM ? AUS_EXIT_USAGE : AUS_EXIT_ENV;
    }
    char prefix[48];
    snprintf(prefix, sizeof prefix, "keys/%.24s/", n->cfg.tenant);
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
        e = aus_keys_open(&n->keys, &n->kstore, aus_crypto_default(), kek, len, prefix);
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

/* The layout version of a store (docs/store.md): "meta/schema", u64 big-endian; a store without
 * it was written before the key existed (version 1). A version this binary does not know is
 * refused with a sentence: its records are never guessed at. */
int dmn_schema_check(const aus_store *s, const char *path, uint64_t *v)
{
    aus_err e = aus_store_get_u64(s, DMN_SCHEMA_KEY, v);
    if (e == AUS_E_NOTFOUND) {
        *v = 1;
        return 0;
    }
    if (e == AUS_OK && *v >= 1 && *v <= DMN_SCHEMA)
        return 0;
    if (e == AUS_OK)
        cli_err("store %s has layout version %llu, but this australis knows versions 1 to %u "
                "only: it was written by a newer release, so this one stops here rather than "
                "guess at its records (docs/store.md)",
                path, (unsigned long long)*v, DMN_SCHEMA);
    else
        cli_err("store %s: its layout version (%s) cannot be read: %s", path, DMN_SCHEMA_KEY,
                aus_err_str(e));
    return AUS_EXIT_ENV;
}

aus_err dmn_schema_mark(const aus_store *s)
{
    uint64_t v = 0;
    aus_err e = aus_store_get_u64(s, DMN_SCHEMA_KEY, &v);
    if (e == AUS_OK && v >= DMN_SCHEMA)
        return AUS_OK;
    return e == AUS_OK || e == AUS_E_NOTFOUND ? aus_store_put_u64(s, DMN_SCHEMA_KEY, DMN_SCHEMA)
                                              : e;
}

/* mkdir -p of the parent folders of path (owner-only). */
aus_err dmn_store_open(aus_store *s, const char *path)
{
    aus_err e = aus_store_sqlite_open_wait(s, path, DMN_LOCK_WAIT_MS);
    if (e == AUS_E_LOCKED)
        cli_err("store %s is owned by another process (pid %ld), e.g. a running daemon: its "
                "counters (IVs, sequence numbers) have one owner, so this process stops here",
                path, aus_store_sqlite_holder(path));
    else if (e != AUS_OK)
        cli_err("store %s: %s", path, aus_err_str(e));
    return e;
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

int dmn_open(dmn_node *n, const dmn_config *cfg, int with_folders)
{
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    n->iv_log_fd = -1;
    n->fl.in_fd = n->fl.out_fd = n->fl.quar_fd = -1;
    n->started_ms = dmn_now_ms();
    int drc = dmn_dict_open(n); /* [node] dictionary (dict_node.c) */
    if (drc)
        return drc;
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
        cli_err("cannot read key file %s: %s", cfg->kek_file, strerror(errno));
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
    /* the satellite's records are the same in versions 1 and 2; the ground's are moved (and
     * the version written in the same transaction) by role_ground.c at its first write */
    if (cfg->role_sat && dmn_schema_mark(&n->store) != AUS_OK) {
        cli_err("store %s: cannot write its layout version", cfg->store);
        return AUS_EXIT_ENV;
    }
    int rc = open_keys(n);
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
    if (!strcmp(cfg->link, "ccsds")) /* also the client's direct mode: EP requests, status */
        return dmn_link_ccsds_open(n);
    return 0;
}

int dmn_open_readonly(dmn_node *n, const dmn_config *cfg)
{
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    n->iv_log_fd = -1;
    n->fl.in_fd = n->fl.out_fd = n->fl.quar_fd = -1;
    n->readonly = 1;
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
    dmn_link_ccsds_close(n);
    dmn_dict_close(n);
    aus_fl_close(&n->fl);
    if (n->rk_ok)
        aus_rekey_close(&n->rk);
    aus_keys_close(&n->keys);
    aus_store_sqlite_close(&n->kstore);
    aus_store_sqlite_close(&n->store);
    if (n->iv_log_fd >= 0)
        close(n->iv_log_fd);
}

/* Key-management messages travel on the ep_service (docs/keys.md). */
static int mgmt_type(uint32_t type)
{
    return type == AUS_APP_REKEY_REQ || type == AUS_APP_REKEY_RESP;
}

static int is_mgmt(const uint8_t *adu, size_t len)
{
    aus_app_msg m;
    return aus_app_decode(&m, adu, len) == AUS_OK && mgmt_type(m.type);
}

aus_err dmn_agent_send(dmn_node *n, const uint8_t *adu, size_t len, uint64_t now_ms)
{
    return aus_agent_send_to(&n->agent, is_mgmt(adu, len), adu, len, now_ms, NULL);
}

aus_err dmn_send_adu(dmn_node *n, const uint8_t *adu, size_t len)
{
    AUS_TRY(n->store.ops->begin(n->store.self));
    aus_err e = dmn_agent_send(n, adu, len, dmn_now_ms());
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
    }
    return e;
}

/* A file that cannot be taken: one log line, one quarantine/INDEX record (time, size, reason,
 * full name escaped), and the file kept in the bounded quarantine (the oldest dropped to make
 * room), removed unread, or, if it can be neither moved nor removed, left in place and never
 * offered to this process again (port/posix/folder_quarantine.c). Never read again. */
static void quarantine(dmn_node *n, const char *name, const char *why)
{
    aus_flq_out q;
    n->quarantined++;
    if (aus_fl_refuse(&n->fl, name, why, &q) != 0) {
        dmn_log("quarantine %s: %s; cannot examine it: %s", name, why, strerror(errno));
        return;
    }
    const aus_fl_qstats *s = &n->fl.qs;
    char drop[200] = "";
    if (q.dropped)
        snprintf(drop, sizeof drop,
                 " (quarantine full: dropped the %llu oldest file(s), %llu bytes; %llu dropped in "
                 "all; bounds %llu files, %llu bytes)",
                 (unsigned long long)q.dropped, (unsigned long long)q.dropped_bytes,
                 (unsigned long long)s->dropped, (unsigned long long)n->fl.qmax_files,
                 (unsigned long long)n->fl.qmax_bytes);
    switch (q.what) {
    case AUS_FLQ_GONE: dmn_log("quarantine %s: %s (it vanished meanwhile)", name, why); break;
    case AUS_FLQ_KEPT: dmn_log("quarantine %s: %s%s", name, why, drop); break;
    case AUS_FLQ_REMOVED:
        dmn_log("quarantine %s: %s; removed unread (not kept, recorded in INDEX)", name, why);
        break;
    case AUS_FLQ_LEFT:
        dmn_log("quarantine %s: %s; can be neither moved nor removed (%s): left in place, not "
                "read again by this process",
                name, why, strerror(q.err));
        break;
    }
}

void dmn_reset(dmn_node *n)
{
    /* after a rollback the in-memory counters and window may be ahead of the store */
    if (aus_agent_reload(&n->agent) != AUS_OK || aus_agent_seal_reload(&n->seal) != AUS_OK)
        dmn_log("cannot reload counters from the store");
}

static void rollback(dmn_node *n)
{
    (void)n->store.ops->rollback(n->store.self);
    dmn_reset(n);
}

/* ---- receive: files are taken in batches of up to BATCH_MAX under ONE store transaction ----
 * Every effect, seen-mark and reply of the batch commits together; only then are the files
 * deleted (one folder fsync for the batch). A crash before the commit repeats the whole batch
 * from scratch (nothing of it happened); after it, the files come back as replays. An external
 * command (exec, capture) closes the batch: its "started" mark must be durable before it runs. */
#define BATCH_MAX 64

typedef struct batch {
    char *done[BATCH_MAX]; /* files whose effect is in the open transaction */
    size_t n;
    int open;
} batch;

static int batch_begin(dmn_node *n, batch *b)
{
    if (b->open)
        return 0;
    if (n->store.ops->begin(n->store.self) != AUS_OK)
        return -1;
    b->open = 1;
    return 0;
}

/* Commit and delete the batch's files. Returns 0, or -1 (rolled back: files stay). */
static int batch_commit(dmn_node *n, batch *b)
{
    if (!b->open)
        return 0;
    b->open = 0;
    aus_err e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        rollback(n);
        note_error(n, "commit", e);
        dmn_log("store commit failed (%s): %zu file(s) will be processed again", aus_err_name(e),
                b->n);
        b->n = 0;
        return -1;
    }
    for (size_t i = 0; i < b->n; i++)
        if (unlinkat(n->fl.in_fd, b->done[i], 0) != 0 && errno != ENOENT)
            dmn_log("cannot remove %s: %s", b->done[i], strerror(errno));
    if (b->n && n->cfg.fsync_on && fsync(n->fl.in_fd) != 0)
        dmn_log("cannot sync %s: %s", n->cfg.incoming, strerror(errno));
    n->processed += b->n;
    b->n = 0;
    return 0;
}

static void batch_abort(dmn_node *n, batch *b)
{
    if (b->open)
        rollback(n);
    b->open = 0;
    b->n = 0;
}

aus_err dmn_status_report(dmn_node *n, const aus_agent_rx *rx)
{
    static const char *const what[4] = {"received", "forwarded", "delivered", "deleted"};
    const aus_bpv7_status_report *r = &rx->report;
    char items[64] = "";
    size_t at = 0;
    for (int i = 0; i < 4; i++)
        if (r->item[i].asserted)
            at += (size_t)snprintf(items + at, sizeof items - at, "%s%s", at ? "+" : "", what[i]);
    dmn_log("status report from ipn:%llu: our bundle created %llu #%llu %s (reason %llu%s)",
            (unsigned long long)rx->src_node, (unsigned long long)r->ctime,
            (unsigned long long)r->seq, at ? items : "(nothing asserted)",
            (unsigned long long)r->reason,
            r->reason == AUS_BPV7_RC_LIFETIME_EXPIRED ? ": lifetime expired" : "");
    return n->cfg.role_sat ? dmn_rekey_note_rx(n) : AUS_OK;
}

int dmn_rx_junk(const dmn_node *n, const aus_agent_rx *rx)
{
    if (rx->admin)
        return 0;
    aus_app_msg m;
    if (aus_app_decode(&m, rx->adu, rx->len) != AUS_OK ||
        aus_app_is_request(m.type) != n->cfg.role_sat)
        return 1;
    /* key management only on the key-management service, and nothing else there */
    return mgmt_type(m.type) != (rx->dst_service == n->cfg.ep_service);
}

aus_err dmn_handle(dmn_node *n, const aus_agent_rx *rx, int *pending)
{
    if (rx->admin)
        return dmn_status_report(n, rx);
    return n->cfg.role_sat ? dmn_sat_handle(n, rx, pending) : dmn_ground_handle(n, rx);
}

/* One verified bundle inside the batch's transaction. Returns 0 (applied), 1 (authentic but
 * its ADU is junk: seen-mark only, quarantine), -1 (store failure: abort the batch, retry
 * later), -2 (the handler refused it or failed: abort the batch, then treat this file as
 * junk). A handler fails a request it cannot complete itself (answered, logged) and returns
 * AUS_OK; an error that reaches here is the store's or this bundle's, never the queue's. */
static int apply(dmn_node *n, batch *b, const char *name, const aus_agent_rx *rx, int *pending)
{
    int junk = dmn_rx_junk(n, rx) || (n->poison[0] && !strcmp(n->poison, name));
    if (batch_begin(n, b) != 0)
        return -1;
    aus_err e = aus_agent_accept(&n->agent, rx);
    if (e == AUS_OK && !junk)
        e = dmn_handle(n, rx, pending);
    if (e == AUS_OK)
        return junk;
    note_error(n, "apply", e);
    int store = e == AUS_E_IO || e == AUS_E_INTERNAL || e == AUS_E_CRYPTO || e == AUS_E_NOBUFS;
    if (store && junk) {
        dmn_log("store failure on %s (%s): the batch will be processed again", name,
                aus_err_name(e));
        return -1;
    }
    if (store) {
        /* The store's trouble, or this bundle's alone (a file its request writes, say)? The
         * batch is redone with this file as junk: if the store works, its seen-mark commits
         * and it is quarantined, so one bundle never holds the queue (DESIGN.md §5a); if the
         * store fails, that commit fails too and every file waits for the next scan. Losing
         * an authentic bundle is a loss on the link: the ground asks again. */
        dmn_log("%s could not be applied (%s): quarantined after the batch is redone, unless "
                "the store itself fails",
                name, aus_err_name(e));
        snprintf(n->poison, sizeof n->poison, "%s", name);
        return -2;
    }
    /* an authentic bundle whose message our handler refuses must not wedge the queue */
    dmn_log("%s refused (%s): quarantined after the batch is redone", name, aus_err_name(e));
    snprintf(n->poison, sizeof n->poison, "%s", name);
    return -2;
}

static void run_external(dmn_node *n, const aus_agent_rx *rx)
{
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = dmn_sat_finish(n, rx);
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        rollback(n);
        note_error(n, "command result", e);
        dmn_log("cannot record a command result (%s): answered as interrupted on restart",
                aus_err_name(e));
    }
}

/* Returns 0 to go on, -1 to stop this scan (store trouble: retry later), -2 to scan again. */
static int take_file(dmn_node *n, batch *b, char *name)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    aus_fl_why why = aus_fl_read(&n->fl, name, &buf, &len);
    if (why == AUS_FL_GONE)
        return 0;
    if (why != AUS_FL_OK) {
        quarantine(n, name, aus_fl_why_str(why));
        return 0;
    }
    aus_agent_rx rx;
    aus_err e = aus_agent_recv(&n->agent, buf, len, dmn_now_ms(), &rx);
    if (e != AUS_OK) {
        char why2[160];
        snprintf(why2, sizeof why2, "%s (%s)", aus_err_str(e), aus_err_name(e));
        note_error(n, name, e);
        quarantine(n, name, why2);
        free(buf);
        return 0;
    }
    int pending = 0;
    int r = apply(n, b, name, &rx, &pending);
    free(buf);
    if (r < 0) {
        batch_abort(n, b);
        return r;
    }
    if (r == 1) {
        /* the seen-mark must be durable before the file leaves the folder */
        if (batch_commit(n, b) != 0)
            return -1;
        char del[128]; /* RFC 9171 §5.6: deleted on receipt (the agent withheld the ADU) */
        snprintf(del, sizeof del, "deleted on receipt: %s (reason %u), never delivered",
                 aus_bpv7_reason_str(rx.reason), rx.reason);
        quarantine(n, name,
                   rx.deleted ? del
                   : !strcmp(n->poison, name)
                       ? "authentic bundle that could not be applied (the line above says why)"
                       : "authentic bundle with an invalid application message");
        return 0;
    }
    b->done[b->n++] = name;
    if (pending || b->n == BATCH_MAX || !n->cfg.batch_on) {
        if (batch_commit(n, b) != 0)
            return -1;
        if (pending)
            run_external(n, &rx);
    }
    return 0;
}

long dmn_process_incoming(dmn_node *n)
{
    if (dmn_link_ccsds_on(n))
        return dmn_link_ccsds_incoming(n);
    long total = 0;
    for (int scan = 0; scan < 8; scan++) {
        char **names;
        long cnt = aus_fl_list(&n->fl, &names, 0);
        if (cnt < 0) {
            dmn_log("cannot list %s: %s", n->cfg.incoming, strerror(errno));
            return -1;
        }
        batch b = {{0}, 0, 0};
        long i;
        int r = 0;
        for (i = 0; i < cnt && !(n->stop && *n->stop); i++)
            if ((r = take_file(n, &b, names[i])) != 0)
                break;
        (void)batch_commit(n, &b);
        aus_fl_free_list(names, cnt);
        total += i;
        if (r != -2)
            break; /* -2: a refused file; redo the scan with it marked as junk */
    }
    n->poison[0] = '\0';
    return total;
}

/* ---- send: every queued bundle is written with one file-system sync and one folder fsync,
 * then removed from the store queue in one transaction (a crash in between writes the same
 * files again under the same names; the receiver's replay window drops the copies). ---- */
#define OUT_BATCH 256

long dmn_drain_outgoing(dmn_node *n)
{
    static uint8_t *bufs[OUT_BATCH];
    static size_t lens[OUT_BATCH];
    static char keys[OUT_BATCH][AUS_STORE_KEY_MAX], names[OUT_BATCH][AUS_CL_NAME_MAX];
    const char *np[OUT_BATCH];
    const uint8_t *bp[OUT_BATCH];
    long total = 0;
    if (dmn_link_ccsds_on(n))
        return dmn_link_ccsds_outgoing(n);
    for (;;) {
        size_t k = 0, cap = n->cfg.batch_on ? OUT_BATCH : 1;
        const char *after = "";
        while (k < cap) {
            uint64_t seq = 0;
            if (!bufs[k] && !(bufs[k] = malloc(AUS_AGENT_BUNDLE_MAX)))
                return -1;
            aus_err e = aus_agent_out_next(&n->agent, after, keys[k], sizeof keys[k], bufs[k],
                                           AUS_AGENT_BUNDLE_MAX, &lens[k], &seq);
            if (e == AUS_E_NOTFOUND)
                break;
            if (e == AUS_OK)
                e = aus_cl_folder_name(names[k], sizeof names[k], n->cfg.node, seq);
            if (e != AUS_OK) {
                note_error(n, "outgoing queue", e);
                return -1;
            }
            np[k] = names[k];
            bp[k] = bufs[k];
            after = keys[k];
            k++;
        }
        if (k == 0)
            break;
        if ((n->cfg.batch_on ? aus_fl_write_batch(&n->fl, np, bp, lens, k)
                             : aus_fl_write(&n->fl, np[0], bp[0], lens[0])) != 0) {
            dmn_log("cannot write to %s: %s", n->cfg.outgoing, strerror(errno));
            return -1;
        }
        aus_err e = n->store.ops->begin(n->store.self);
        for (size_t i = 0; i < k && e == AUS_OK; i++)
            e = aus_agent_out_done(&n->agent, keys[i]);
        if (e == AUS_OK)
            e = n->store.ops->commit(n->store.self);
        if (e != AUS_OK) {
            rollback(n);
            return -1;
        }
        total += (long)k;
        n->files_out += k;
    }
    return total;
}

void dmn_banner(dmn_node *n)
{
    const dmn_config *c = &n->cfg;
    dmn_log("Australis %s (BPv7, BPSec, SDLS, OTAR, ML-KEM/ML-DSA) node ipn:%llu role=%s "
            "tenant=%s",
            AUSTRALIS_VERSION, (unsigned long long)c->node, c->role_sat ? "sat" : "ground",
            c->tenant);
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
