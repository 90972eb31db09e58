/* SPDX-License-Identifier: Apache-2.0 */
/* The ground and satellite daemons (DESIGN.md §9): shared state of one node process.
 * apps/ may allocate and do I/O; the protocol logic lives in src/agent and src/app. */
#ifndef AUS_DAEMON_H
#define AUS_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "australis/agent.h"
#include "australis/app.h"
#include "australis/app_ground.h"
#include "australis/keys.h"
#include "australis/rekey.h"
#include "australis/sdls_ep.h"
#include "australis/store.h"
#include "../../../port/posix/folder_link.h" /* apps see include/ and src/ only */
#include "ops.h"       /* [archive], [http]: mission operations (docs/http-api.md) */
#include "sandbox.h"   /* [sandbox]: docs/sandbox.md */
#include "dict_node.h" /* [node] dictionary: docs/dictionary.md */

#define DMN_PATH 512
#define DMN_MAX_EXEC 8

typedef struct dmn_exec {
    char name[32];
    char path[DMN_PATH];
} dmn_exec;

/* Everything the INI file sets (docs/daemon.md lists every key). */
typedef struct dmn_config {
    char file[DMN_PATH];
    int role_sat; /* role = sat | ground */
    uint64_t node, peer, service, peer_service;
    uint64_t ep_service, peer_ep_service; /* key management (SDLS EP PDUs, PQ rekey) */
    char tenant[32];
    char incoming[DMN_PATH], outgoing[DMN_PATH], quarantine[DMN_PATH];
    uint64_t quarantine_max_files, quarantine_max_bytes; /* oldest dropped first beyond these */
    char store[DMN_PATH];
    char kek_file[DMN_PATH], ek_file[DMN_PATH], ak_file[DMN_PATH], master_file[DMN_PATH];
    char pq_dir[DMN_PATH], pq_peer_dir[DMN_PATH];
    char sdls_key_file[DMN_PATH]; /* link = ccsds: frame-layer SDLS key (link_ccsds.h) */
    char link[16], security[16];
    uint64_t tenant_id;
    uint64_t scid, tm_vcid, tc_vcid, tm_spi, tc_spi, tm_frame_len;
    int fsync_on;
    int tc_seg_hdr; /* [link] tc_segment_header (link = ccsds; docs/cl_ccsds.md), default yes */
    int batch_on;   /* [folders] batch: group commit on the folder link (default on) */
    uint64_t lifetime_s, replay_window, max_bundle;
    char status_reports[64];   /* [node] status_reports: which RFC 9171 status reports we ask */
    char dictionary[DMN_PATH]; /* [node] dictionary: the tenant's dictionary (dict_node.h) */
    uint64_t report_req;       /* ... as AUS_BPV7_BF_RPT_* flags (parsed from it) */
    /* satellite */
    char data_dir[DMN_PATH], capture_source[DMN_PATH];
    char uploads[DMN_PATH]; /* file uplink's folder (default: data_dir) */
    uint64_t chunk_size, exec_timeout_s;
    dmn_exec exec[DMN_MAX_EXEC];
    size_t nexec;
    /* ground */
    char socket[DMN_PATH], downloads[DMN_PATH];
    uint64_t retry_s;
    uint64_t keep_answers; /* answers kept below the low-water mark (0: all) */
    dmn_ops_config ops;    /* [archive], [http] (ops.h) */
    /* [app]: the application interface (app_api_srv.h, docs/app-api.md); 0 = default */
    char app_socket[DMN_PATH], app_group[64];
    uint64_t app_points_max, app_deadline_s, app_offer_max;
    dmn_sandbox_cfg sandbox; /* [sandbox] (sandbox.h, docs/sandbox.md) */
} dmn_config;

/* Parse; on error prints "australis: FILE:LINE: sentence naming the key" and returns -1. */
int dmn_config_load(dmn_config *c, const char *path);

/* Satellite: the SHA-256 of a file offered for download, per file version (role_sat.c). */
#define DMN_HASH_CACHE 8
typedef struct dmn_hash_ent {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    uint64_t used; /* 0: empty; else the tick of its last use (least recently used goes) */
    uint8_t sha[32];
} dmn_hash_ent;

typedef struct dmn_node dmn_node;
struct cJSON;
struct dmn_link_ops;
struct dmn_role_ops;
struct dmn_node {
    dmn_config cfg;
    const struct dmn_link_ops *link; /* link.h: chosen by cfg.link at open */
    void *link_state;                /* the link's own state (its open allocates, close frees) */
    const struct dmn_role_ops *role; /* role.h: chosen by cfg.role_sat at open */
    aus_ctr defer_ctr;               /* node_rx.c: commands held until their pass commits */
    uint64_t prev_run_ms; /* ground --once: the previous run's start (re-send cut-off), or 0 */
    aus_store store;
    aus_store kstore; /* keystore + rekey state (own transactions): <store>.keys */
    aus_keys keys;
    aus_rekey rk;
    int rk_ok;
    aus_ep_board board;
    aus_agent_seal seal;
    aus_agent_bpsec bpsec;
    aus_agent agent;
    aus_fl fl;
    aus_app_sat sat;       /* role sat */
    aus_app_ground ground; /* role ground: the request life (src/app/app_ground.c) */
    dmn_hash_ent img_hash[DMN_HASH_CACHE];
    uint64_t img_hash_tick, img_hashes, img_hash_hits; /* SHA-256 computed / reused */
    uint64_t started_ms, processed, quarantined, files_out;
    char last_error[160];
    int iv_log_fd;
    int once;
    int readonly; /* dmn_open_readonly: the store only, as a read-only view */
    volatile int *stop;
    struct dmn_app_srv *app;   /* role sat: the application interface (app_api_srv.c) */
    struct dmn_net_state *net; /* IP carriers and the gateway (link_tcpcl.h, gateway.h) */
    struct dict_file *dict;    /* [node] dictionary, loaded at open (dict_node.c) */
};

/* DTN time (ms since 2000-01-01 UTC) and unix seconds. */
uint64_t dmn_now_ms(void);
/* Flight-log line: "YYYY-mm-dd HH:MM:SS  text" (nothing when dmn_quiet). */
extern int dmn_quiet;
void dmn_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open a store as its one owner, waiting up to DMN_LOCK_WAIT_MS for a short-lived owner (a
 * --once run, a direct client) to finish; on failure a sentence names the owner's pid. */
#define DMN_LOCK_WAIT_MS 5000u
aus_err dmn_store_open(aus_store *s, const char *path);
/* The stores' layout version (docs/store.md): "meta/schema", u64 big-endian; absent = 1. */
#define DMN_SCHEMA_KEY "meta/schema"
#define DMN_SCHEMA 2u
/* 0, or a sentence and AUS_EXIT_ENV for a version this binary does not know (newer). */
int dmn_schema_check(const aus_store *s, const char *path, uint64_t *v);
/* Writes DMN_SCHEMA unless the store says so already (inside the caller's transaction, if any). */
aus_err dmn_schema_mark(const aus_store *s);
/* Open store, keys, envelope, agent, folders. Returns a CLI exit code. */
int dmn_open(dmn_node *n, const dmn_config *cfg, int with_folders);
/* The store only, read-only and without its owner lock (status, answers). Exit code. */
int dmn_open_readonly(dmn_node *n, const dmn_config *cfg);
void dmn_close(dmn_node *n);
/* Everything waiting on the link, through the node to the role; returns how many inputs were
 * taken (or -1). */
long dmn_process_incoming(dmn_node *n);
/* Every queued bundle into the link, then its pass; returns how many were written (or -1). */
long dmn_drain_outgoing(dmn_node *n);
/* Re-read counters and the replay window after a rollback. */
void dmn_reset(dmn_node *n);
/* Roll the main store's transaction back, then dmn_reset. */
void dmn_rollback(dmn_node *n);
/* dmn_rollback, last_error "what: ERR", and the link's memory back to the store (its recover
 * op): after a failed transaction that involved the link (an EP PDU queued on it). */
void dmn_recover(dmn_node *n, const char *what, aus_err e);
/* last_error = "what: ERR_NAME" (the health report's last_error). */
void dmn_note_error(dmn_node *n, const char *what, int e);
/* 1 for the key-management types (rekey request / response: they travel on ep_service). */
int dmn_mgmt_type(uint32_t type);
/* 1 for an error of the store (or of a resource) rather than of one bundle. */
int dmn_store_error(aus_err e);
/* The link's counters (n->link's health / status ops; nothing when it has none). */
size_t dmn_link_health(dmn_node *n, aus_app_kv *kv, size_t cap);
void dmn_link_status(dmn_node *n, struct cJSON *o);
/* A frame-level SDLS-EP PDU to the peer through the link, inside the caller's transaction.
 * Errors: AUS_E_STATE (the link carries none: dmn_link_has_ep 0), the link's errors. */
aus_err dmn_send_ep(dmn_node *n, const uint8_t *pdu, size_t len);
int dmn_link_has_ep(const dmn_node *n);

/* ---- the loop's steps (node.c; cli/cmd_run.c drives them) ---- */
/* `australis run` starts: the role's start op (command table, recovery, run bookkeeping). */
int dmn_start(dmn_node *n);
/* 1 when the role serves operators on [ground] socket. */
int dmn_serves_clients(const dmn_node *n);
/* Timers once per loop: rekey deadlines, then the role's (re-sends before resend_cutoff and
 * FORGET when `scan`). */
void dmn_tick(dmn_node *n, uint64_t resend_cutoff, int scan);

/* ---- the receive path (node_rx.c): links hand bundles here, the role gets their ADUs ---- */
typedef struct dmn_rx_count {
    long bundles, refused; /* of one pass */
} dmn_rx_count;
/* One bundle verified by aus_agent_recv, inside the link's transaction: accepted (seen-mark)
 * and, unless junk, handled by the role. Errors: the role's and the store's. */
aus_err dmn_rx_apply(dmn_node *n, const aus_agent_rx *rx, int junk, int *pending);
/* After the link's commit: the role's external work for rx in a transaction of its own (a
 * failure is logged: answered as interrupted on restart). */
aus_err dmn_rx_finish(dmn_node *n, const aus_agent_rx *rx);
/* One bundle of a pass that is one transaction: verified, then applied or held for
 * dmn_rx_run_deferred (role own_txn). AUS_OK (applied, or refused and logged) or a store
 * error (the pass must be rolled back). */
aus_err dmn_rx_pass_bundle(dmn_node *n, const uint8_t *b, size_t len, dmn_rx_count *c);
/* Opens the held-commands counter (a pass link's open). Errors: store errors. */
aus_err dmn_rx_defer_open(dmn_node *n);
/* After the pass's commit: every held command, each in its own transaction. Returns how many
 * were applied (a store failure stops the run, logged; the rest waits for the next call). */
long dmn_rx_run_deferred(dmn_node *n, dmn_rx_count *c);
/* A frame-level SDLS-EP PDU from the link, to the role; its reply (for the link) in reply.
 * Errors: store errors. */
aus_err dmn_rx_ep(dmn_node *n, const uint8_t *pdu, size_t len, uint16_t spi, uint8_t *reply,
                  size_t cap, size_t *rlen);
/* Send one ADU to the peer (own transaction). */
aus_err dmn_send_adu(dmn_node *n, const uint8_t *adu, size_t len);
/* Banner / health line. */
void dmn_banner(dmn_node *n);

/* the health report's facts (sysinfo.c) */
size_t dmn_health(dmn_node *n, aus_app_kv *kv, size_t cap);

/* Satellite, once per loop: run the time-tagged commands whose time has come (timed.c). */
void dmn_sat_timed(dmn_node *n);

/* key rotation (daemon/rekey.c) */
int dmn_rekey_init(dmn_node *n);
/* Why the PQ rekey cannot run yet: a sentence naming the missing key file, or NULL if ready. */
const char *dmn_rekey_why(dmn_node *n);
aus_err dmn_rekey_request(dmn_node *n, uint32_t kind, uint8_t *out, size_t cap, size_t *len);
aus_err dmn_rekey_handle(dmn_node *n, uint32_t kind, const uint8_t *body, size_t len, uint8_t *out,
                         size_t cap, size_t *outlen);
aus_err dmn_rekey_response(dmn_node *n, uint32_t kind, const uint8_t *body, size_t len);
size_t dmn_rekey_recv_ids(dmn_node *n, uint16_t *ids, size_t cap);
/* The EK of the pair this node sends under, and of the pair a pending rekey of kind (1 OTAR,
 * 2 PQ) switches to (0: none). For the archive's rekey history (ops_hooks.c). */
void dmn_rekey_ids(dmn_node *n, uint32_t kind, uint16_t *ek, uint16_t *pending);
/* Satellite: after a bundle was authenticated (n->seal.rx_kid), tell the PQ rekey state which
 * pair the ground sends under; releases the held old pair once the ground switched. Call
 * inside the transaction that handles the bundle. Errors: store errors. */
aus_err dmn_rekey_note_rx(dmn_node *n);
/* Once per loop: retired PQ pairs past their deadline destroyed (aus_rekey_on_timer). */
void dmn_rekey_tick(dmn_node *n);
/* Satellite, once per loop: the pair held for the ground released once the PQ rekey has no
 * pending pair left (the ground switched). */
void dmn_rekey_release_tick(dmn_node *n);
/* Ground: an SDLS EP procedure PDU ("inventory", "ping", "self-test", "log-status"). */
aus_err dmn_sa_request(const char *what, uint16_t first, uint16_t last, uint8_t *out, size_t cap,
                       size_t *len);
/* Ground: the EP reply as a sentence (malloc'd). */
char *dmn_sa_reply_text(const uint8_t *body, size_t len);

/* role ground (role_ground.c, role_ground_ops.c) */
aus_err dmn_ground_handle(dmn_node *n, const aus_agent_rx *rx);
/* `australis sa ...` (req: REKEY_REQ kind 3, data = the EP PDU): on the link's frame-level EP
 * channel when it has one (ccsds: the EP MAP), else in a bundle like any request; recorded
 * like any other. Own transaction. Errors: EP decode errors, store and link errors. */
aus_err dmn_ground_sa_submit(dmn_node *n, aus_app_msg *req, uint64_t *id);
/* The ground role's ep_pdu op: an EP reply from the link answers the oldest open request of
 * its procedure (role_ground_ops.c). */
aus_err dmn_ground_ep_pdu(dmn_node *n, const uint8_t *pdu, size_t len, uint16_t spi, uint8_t *reply,
                          size_t cap, size_t *rlen);
/* Either role: an RFC 9171 status report from the peer about one of our bundles (rx->admin):
 * logged (and, on the satellite, it tells the rekey state which pair the ground uses). */
aus_err dmn_status_report(dmn_node *n, const aus_agent_rx *rx);
/* Queue an ADU to the peer inside the caller's transaction: key-management messages (rekey
 * request / response) to its ep_service, everything else to its service. */
aus_err dmn_agent_send(dmn_node *n, const uint8_t *adu, size_t len, uint64_t now_ms);
/* The handler for an accepted bundle: status report, request (sat) or answer (ground). */
aus_err dmn_handle(dmn_node *n, const aus_agent_rx *rx, int *pending);
/* 1 if rx is neither a status report nor an application message for our role. */
int dmn_rx_junk(const dmn_node *n, const aus_agent_rx *rx);
/* Record a request inside the caller's transaction (ids, pending record); *adu is the request
 * to queue in that same transaction (valid until the next ground call). */
aus_err dmn_ground_record(dmn_node *n, aus_app_msg *req, const char *local, uint64_t *id,
                          aus_app_view *adu);
/* Submit a request (type + fields); *id gets the request id. Own transaction. */
aus_err dmn_ground_submit(dmn_node *n, aus_app_msg *req, const char *local_out, uint64_t *id);
/* Re-send requests without a complete answer last sent before cutoff_ms (images: only the
 * missing ranges). Returns count. */
long dmn_ground_resend(dmn_node *n, uint64_t cutoff_ms);
/* Send FORGET(low-water mark) when it moved enough. Returns 1 if sent, 0, or -1. */
long dmn_ground_forget(dmn_node *n);
/* One client operation (JSON in, JSON out, malloc'd): tm, cmd, image, rekey, status, resp. */
char *dmn_client_exec(dmn_node *n, const char *json);
/* Ground, at start after dmn_ops_start: every report among the answers the ground keeps (the
 * newest keep_answers) whose source the archive lacks is archived again (docs/http-api.md
 * "Durability"). Returns how many, 0 without an archive, -1 on error (logged). */
long dmn_ground_rearchive(dmn_node *n);
/* The stored response for id as JSON text (malloc'd) or NULL if none yet. */
char *dmn_ground_response(dmn_node *n, uint64_t id);
/* The operator: re-send pending request id now (cancel 0) or cancel it (1). Own transaction.
 * A pending time-tagged command is cancelled by the satellite: *sent = the id of the TT_CANCEL
 * request sent for it (0 otherwise). Errors: AUS_E_NOTFOUND (no pending request id), store
 * errors. */
aus_err dmn_ground_control(dmn_node *n, uint64_t id, int cancel, uint64_t *sent);
/* Pending/answered summary as JSON (malloc'd). */
char *dmn_ground_status(dmn_node *n);

#endif
