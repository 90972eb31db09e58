/* SPDX-License-Identifier: Apache-2.0 */
/* The mission's application protocol (DESIGN.md §9): CBOR ADUs carried in
 * bundle payloads between a tenant's ground segment and its payload on the satellite.
 *
 * Every ADU is one definite CBOR array, deterministic encoding (RFC 8949 §4.2.1):
 *
 *   [1, type, request_id, ...body]           version 1; request_id != 0, echoed in responses
 *
 *   TM_QUERY    1  []
 *   TM_REPORT   2  [{name: int|text, ...}]                       health report
 *   CMD         3  [name, [arg, ...]]                            text strings
 *                  [name, [arg, ...], defhash(bstr 8)]           the sender's dictionary's
 *                                 definition hash of the command (docs/dictionary.md); absent:
 *                                 no dictionary check of the definition (older senders)
 *   CMD_RESP    4  [status, exit_code, output(bstr)]             status: aus_app_status
 *   IMG_REQ     5  [path, chunk_size, [[offset, length], ...]]   no ranges: the whole file
 *   IMG_INFO    6  [status, size, sha256(bstr 32), chunk_size]   first answer to IMG_REQ
 *   IMG_CHUNK   7  [offset, data(bstr), size, sha256(bstr 32)]   one per bundle
 *   REKEY_REQ   8  [kind, body(bstr)]                            kind: 1 OTAR, 2 PQ
 *   REKEY_RESP  9  [status, kind, body(bstr)]
 *   FORGET     10  [low_id]       every request below low_id has its answer on the ground: the
 *                                 satellite may drop their exactly-once records (the ground
 *                                 never re-sends them, and their bundles are replays)
 *
 * The satellite side (aus_app_sat) runs each request EXACTLY ONCE: the request id is recorded
 * in the durable store before (or atomically with) the effect, and the response is cached so
 * that a duplicate, late or replayed request gets the same answer without running again. A
 * command with side effects outside the store (exec, capture) is marked "started" and committed
 * before it runs; if a crash interrupts it, the recovery answers "interrupted" instead of
 * running it a second time (at most once, and the ground is told).
 */
#ifndef AUSTRALIS_APP_H
#define AUSTRALIS_APP_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef AUS_APP_MAX_ARGS
#define AUS_APP_MAX_ARGS 16
#endif
#ifndef AUS_APP_MAX_KV
#define AUS_APP_MAX_KV 64
#endif
#ifndef AUS_APP_MAX_RANGES
#define AUS_APP_MAX_RANGES 32
#endif
#ifndef AUS_APP_MAX_CMDS
#define AUS_APP_MAX_CMDS 16
#endif
/* Largest response output kept in the exactly-once cache (longer output is cut), and the
 * largest image chunk. */
#ifndef AUS_APP_OUTPUT_MAX
#define AUS_APP_OUTPUT_MAX 16384
#endif
/* Most chunks sent for one image request: a bounded burst per request (and per store
 * transaction); the ground asks again for the ranges still missing. */
#ifndef AUS_APP_MAX_CHUNKS_PER_REQ
#define AUS_APP_MAX_CHUNKS_PER_REQ 256
#endif
#define AUS_APP_VERSION 1
#define AUS_APP_SHA256 32
#define AUS_APP_DEFHASH 8 /* = AUS_DICT_HASH_BYTES (dict.h) */

typedef enum aus_app_type {
    AUS_APP_TM_QUERY = 1,
    AUS_APP_TM_REPORT = 2,
    AUS_APP_CMD = 3,
    AUS_APP_CMD_RESP = 4,
    AUS_APP_IMG_REQ = 5,
    AUS_APP_IMG_INFO = 6,
    AUS_APP_IMG_CHUNK = 7,
    AUS_APP_REKEY_REQ = 8,
    AUS_APP_REKEY_RESP = 9,
    AUS_APP_FORGET = 10, /* ground -> sat: every request id below `offset` is answered */
    /* Time-tagged commands (src/app/app_sat.c): a command stored on board and run at `at`
     * (DTN ms), or refused when the satellite reaches it more than `tolerance` ms late; the
     * list of those waiting; the cancellation of one (`offset` = its request id). Each is
     * answered by a CMD_RESP. */
    AUS_APP_CMD_AT = 48,
    AUS_APP_TT_LIST = 49,
    AUS_APP_TT_CANCEL = 50,
    /* File uplink (src/app/app_sat.c, "file uplink"): one chunk of a file for the satellite's
     * uploads folder (`name` its file name there, `size`, `sha256` of the whole file, `chunk`
     * size, `offset` and `data`); with no data, a probe asking which ranges are missing. The
     * satellite answers a probe with FILE_ACK (`ranges` missing) and the upload, once the whole
     * file is written and its SHA-256 verified, with a CMD_RESP. */
    AUS_APP_FILE_PUT = 51,
    AUS_APP_FILE_ACK = 52,
    AUS_APP_TM_POINTS = 32, /* sat -> ground: tenant programs' telemetry points (app_api.h) */
} aus_app_type;

typedef enum aus_app_status {
    AUS_APP_ST_OK = 0,          /* ran; exit_code and output tell the result */
    AUS_APP_ST_ERROR = 1,       /* refused or failed before running (output says why) */
    AUS_APP_ST_UNKNOWN = 2,     /* no such command / file */
    AUS_APP_ST_EXPIRED = 3,     /* the request's bundle outlived its lifetime: not run */
    AUS_APP_ST_INTERRUPTED = 4, /* started, then a crash: ran at most once, outcome unknown */
} aus_app_status;

typedef struct aus_app_view {
    const uint8_t *p;
    size_t n;
} aus_app_view;

/* One entry of a report: name -> integer or text. */
typedef struct aus_app_kv {
    aus_app_view name;
    int is_text;
    int64_t num;
    aus_app_view text;
} aus_app_kv;

typedef struct aus_app_range {
    uint64_t off, len;
} aus_app_range;

/* A decoded (or to-be-encoded) ADU. Views point into the decoded input (or the caller's
 * buffers when encoding); only the fields of the message's type are used. */
typedef struct aus_app_msg {
    uint8_t type; /* aus_app_type */
    uint64_t id;
    aus_app_view name; /* CMD name, IMG_REQ path */
    size_t nargs;      /* CMD */
    aus_app_view args[AUS_APP_MAX_ARGS];
    uint32_t status;                  /* CMD_RESP, IMG_INFO, REKEY_RESP */
    int64_t exit_code;                /* CMD_RESP */
    aus_app_view data;                /* CMD_RESP output, IMG_CHUNK data, REKEY body */
    uint64_t size, offset, chunk;     /* IMG_*; offset: FORGET's mark, TT_CANCEL's request id */
    uint64_t at, tolerance;           /* CMD_AT: when to run (DTN ms), how late it may still run */
    uint8_t sha256[AUS_APP_SHA256];   /* IMG_INFO, IMG_CHUNK */
    uint8_t defhash[AUS_APP_DEFHASH]; /* CMD: the sender's definition hash, when has_defhash */
    uint8_t has_defhash;
    size_t nranges; /* IMG_REQ */
    aus_app_range ranges[AUS_APP_MAX_RANGES];
    uint32_t kind; /* REKEY_* */
    size_t nkv;    /* TM_REPORT */
    aus_app_kv kv[AUS_APP_MAX_KV];
} aus_app_msg;

/* Encode msg (sizer mode when out is NULL: *len gets the size).
 * Errors: AUS_E_ARG (id 0, unknown type, too many items), AUS_E_NOBUFS. */
AUS_MUST_USE aus_err aus_app_encode(const aus_app_msg *msg, uint8_t *out, size_t cap, size_t *len);
/* Decode one ADU; msg's views point into in. Nothing is kept on error.
 * Errors: AUS_E_TRUNC, AUS_E_MALFORMED (shape), AUS_E_NONCANONICAL, AUS_E_UNSUPPORTED
 * (version or type), AUS_E_LIMIT (more args / entries / ranges than the knobs), AUS_E_TRAILING. */
AUS_MUST_USE aus_err aus_app_decode(aus_app_msg *msg, const uint8_t *in, size_t len);
/* 1 for request types (the satellite's inputs), 0 for responses. */
int aus_app_is_request(uint8_t type);
const char *aus_app_type_name(uint8_t type);
const char *aus_app_status_name(uint32_t status);

/* ---- the satellite side ---- */

/* A registered command. Runs with the request's args; writes up to cap bytes of output,
 * sets *outlen and *exit_code. Returns AUS_OK if it ran (whatever its exit code), or an error
 * meaning "refused before running" (the response is then ST_ERROR with the error's sentence, or
 * with the output written when *outlen > 0). AUS_E_AGAIN: it started but its runner went away or
 * passed its deadline (ST_INTERRUPTED, the output says why). */
typedef aus_err (*aus_app_cmd_fn)(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap,
                                  size_t *outlen, int64_t *exit_code);
#define AUS_APP_CMD_EXTERNAL 0x1u /* side effects outside the store: two-phase (see above) */
typedef struct aus_app_cmd {
    const char *name;
    aus_app_cmd_fn fn;
    void *ctx;
    unsigned flags;
} aus_app_cmd;

/* Services the port provides (I/O stays out of the core). Any may be NULL (then refused). */
typedef struct aus_app_sat_ops {
    /* Fill a health report (names must outlive the call's emit). Returns the entry count. */
    size_t (*health)(void *ctx, aus_app_kv *kv, size_t cap);
    /* File for a download: size and whole-file SHA-256. AUS_E_NOTFOUND if absent. */
    aus_err (*file_info)(void *ctx, const aus_app_view *path, uint64_t *size,
                         uint8_t sha256[AUS_APP_SHA256]);
    /* Read len bytes at off of the file into buf. */
    aus_err (*file_read)(void *ctx, const aus_app_view *path, uint64_t off, uint8_t *buf,
                         size_t len);
    /* Rekey: process a request body of `kind`, write the response body. */
    aus_err (*rekey)(void *ctx, uint32_t kind, const uint8_t *body, size_t len, uint8_t *out,
                     size_t cap, size_t *outlen);
    /* Hand one response ADU to the agent (sealed and queued in the same store transaction). */
    aus_err (*emit)(void *ctx, const uint8_t *adu, size_t len);
    void *ctx;
    /* File uplink (NULL: refused). write: len bytes at off of upload id's temporary (`first`:
     * nothing of it recorded yet, start a fresh one; len 0 with first: an empty file). hash:
     * SHA-256 of its first size bytes. place: move it to `name` in the uploads folder in one
     * step (replacing an older file of that name), durably. discard: remove it. */
    aus_err (*up_write)(void *ctx, uint64_t id, int first, uint64_t off, const uint8_t *p,
                        size_t len);
    aus_err (*up_hash)(void *ctx, uint64_t id, uint64_t size, uint8_t sha256[AUS_APP_SHA256]);
    aus_err (*up_place)(void *ctx, uint64_t id, const aus_app_view *name);
    void (*up_discard)(void *ctx, uint64_t id);
} aus_app_sat_ops;

/* A check of a command before it runs (the tenant dictionary, docs/dictionary.md): AUS_OK
 * lets it run; anything else answers ST_ERROR with out[0..*outlen) as the reason. */
typedef aus_err (*aus_app_check_fn)(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap,
                                    size_t *outlen);

typedef struct aus_app_sat {
    const aus_store *store;
    aus_app_sat_ops ops;
    char tenant[32];
    aus_app_cmd cmds[AUS_APP_MAX_CMDS];
    size_t ncmds;
    uint32_t max_chunk; /* upper bound on a requested chunk size */
    uint64_t executed;  /* commands run since start (counter for the health report) */
    uint64_t duplicates;
    aus_app_check_fn check; /* aus_app_sat_set_check */
    void *check_ctx;
} aus_app_sat;

/* Install the built-in commands ping, get, set (parameters persisted under "app/param/").
 * Errors: AUS_E_ARG. */
AUS_MUST_USE aus_err aus_app_sat_init(aus_app_sat *s, const aus_store *store,
                                      const aus_app_sat_ops *ops, const char *tenant,
                                      uint32_t max_chunk);
/* Errors: AUS_E_FULL, AUS_E_ARG (duplicate name). */
AUS_MUST_USE aus_err aus_app_sat_register(aus_app_sat *s, const aus_app_cmd *cmd);
/* Every command (not expired, not a duplicate) passes fn before it runs; NULL: no check. */
void aus_app_sat_set_check(aus_app_sat *s, aus_app_check_fn fn, void *ctx);

/* Handle one request ADU (already authenticated, not a bundle-level replay). `expired` says the
 * carrying bundle outlived its lifetime (the request is answered ST_EXPIRED and never run).
 * Store protocol: the caller wraps this call in ONE store transaction together with the
 * bundle-level replay mark, and ops.emit queues the sealed responses inside it; so the request
 * id, its cached response and the outgoing bundles become durable together or not at all.
 * For an external command the transaction records "started" only and *pending_external is set:
 * after the commit, the caller runs aus_app_sat_finish() in a second transaction.
 * Errors: decode errors (the ADU is junk), store errors (roll back; the file is retried). */
AUS_MUST_USE aus_err aus_app_sat_handle(aus_app_sat *s, const uint8_t *adu, size_t len, int expired,
                                        int *pending_external);
/* Run the external command of a request that aus_app_sat_handle() marked started, record its
 * response and emit it (inside one caller transaction). */
AUS_MUST_USE aus_err aus_app_sat_finish(aus_app_sat *s, const uint8_t *adu, size_t len);
/* FORGET handling (also reachable through aus_app_sat_handle): delete the DONE records of
 * requests below low_id (caller transaction). Returns the number deleted or an error. */
AUS_MUST_USE long aus_app_sat_forget(aus_app_sat *s, uint64_t low_id);
/* Time-tagged commands (CMD_AT): the earliest one stored on board whose time has come, taken in
 * the caller's transaction: run (a store-only command, answered in that transaction), marked
 * started (an external one: *pending_external = 1 and its ADU in adu[0..*len), to be run after
 * the commit by aus_app_sat_finish()), or answered EXPIRED when now_ms is more than its
 * tolerance past its time. Returns 1 (one taken: call again), 0 (none due) or an error.
 * Errors: AUS_E_ARG, AUS_E_NOBUFS (cap), store errors (roll back). */
AUS_MUST_USE long aus_app_sat_due(aus_app_sat *s, uint64_t now_ms, uint8_t *adu, size_t cap,
                                  size_t *len, int *pending_external);
/* After a restart: answer every "started" command without a result as ST_INTERRUPTED
 * (caller transaction). Returns the number recovered or an error. */
AUS_MUST_USE long aus_app_sat_recover(aus_app_sat *s);

#ifdef __cplusplus
}
#endif
#endif
