/* SPDX-License-Identifier: Apache-2.0 */
/* Mission operations on the ground (docs/http-api.md): the archive (archive.c over
 * archive_sqlite.c / archive_pg.c), the HTTP API and dashboard server (http_api.c), and the
 * hooks the ground role calls (ops_hooks.c). The node thread writes the archive; the HTTP
 * server's threads only read it (their own connection) and submit commands through the
 * ground's client socket, the same path as `australis cmd`. */
#ifndef AUS_DMN_OPS_H
#define AUS_DMN_OPS_H

#include <stddef.h>
#include <stdint.h>

#define OPS_PATH 512
#define OPS_NAME 128 /* a point's name, at most */
#define OPS_TEXT 4096

/* [archive] and [http] (docs/http-api.md lists every key). */
typedef struct dmn_ops_config {
    int archive_on;             /* [archive] enabled = yes|no (default yes on the ground) */
    char archive_url[OPS_PATH]; /* sqlite:PATH or postgresql://... (default: STORE.archive) */
    uint64_t retention_days;    /* points, events, passes older are deleted (0: kept) */
    char station[64];           /* this ground's name in a shared archive (default ipn:NODE) */
    char http_listen[64];       /* ADDR:PORT ("" = no HTTP server) */
    char http_token_file[OPS_PATH];
    char http_web_dir[OPS_PATH];    /* the dashboard's built files ("" = no dashboard) */
    char http_dictionary[OPS_PATH]; /* the tenant's dictionary (docs/dictionary.md) */
    char http_tls_cert[OPS_PATH];   /* PEM; with tls_key: HTTPS */
    char http_tls_key[OPS_PATH];
    int http_public; /* allow a non-loopback listen address */
    uint64_t http_max_clients;
} dmn_ops_config;

/* config.c: one key of [archive] or [http]. 0, or -1 with a sentence in why. */
int dmn_ops_config_key(dmn_ops_config *c, const char *sec, const char *key, const char *val,
                       char *why, size_t cap);

/* ---- the archive ---- */
typedef struct ops_archive ops_archive;

typedef struct ops_sample {
    int64_t t; /* ms since 1970-01-01 UTC */
    double v;
    char txt[OPS_NAME]; /* text value ("" when numeric) */
    int is_text;
    int64_t n;       /* downsampled: points in this bucket */
    double min, max; /* downsampled: range of the bucket */
} ops_sample;

/* Open (creating the schema). url: "sqlite:PATH", a bare PATH, or "postgresql://...".
 * Returns 0, or -1 with a sentence in why. */
int ops_archive_open(ops_archive **a, const char *url, char *why, size_t cap);
void ops_archive_close(ops_archive *a);
const char *ops_archive_kind(const ops_archive *a); /* "sqlite" | "postgresql" */
/* Transactions nest: begin inside an open one is a savepoint that commit releases and rollback
 * returns to (a group of records holding each report's records, ops_hooks.c). */
int ops_archive_begin(ops_archive *a);
int ops_archive_commit(ops_archive *a); /* durable when it returns 0 */
void ops_archive_rollback(ops_archive *a);

/* A report (or a batch of points) is stored once: 1 if (tenant, sat, station, src) is new (then
 * store its points), 0 if it was stored before (a replay after a crash), -1 on error. */
int ops_archive_source(ops_archive *a, const char *tenant, const char *sat, const char *station,
                       uint64_t src, int64_t t);
int ops_archive_point(ops_archive *a, const char *tenant, const char *sat, const char *name,
                      int64_t t, double v, const char *txt);
int ops_archive_event(ops_archive *a, const char *tenant, const char *sat, const char *station,
                      int64_t t, const char *kind, const char *text);
int ops_archive_command(ops_archive *a, const char *tenant, const char *sat, const char *station,
                        uint64_t id, const char *type, const char *name, const char *args_json,
                        int64_t queued);
int ops_archive_answer(ops_archive *a, const char *tenant, const char *station, uint64_t id,
                       int64_t t, const char *status, int64_t exit_code, const char *output);
int ops_archive_image(ops_archive *a, const char *tenant, const char *sat, const char *station,
                      uint64_t id, const char *remote, const char *local, uint64_t have,
                      uint64_t total, uint64_t size, const char *state, int64_t t);
int ops_archive_pass(ops_archive *a, const char *tenant, const char *sat, const char *station,
                     int64_t t0, int64_t t1, uint64_t files, uint64_t frames, uint64_t corrections,
                     uint64_t refusals, const char *cop1);
/* The keys view (docs/http-api.md): a rekey request (outcome "requested") and its answer
 * ("ok", "failed", "refused"); key ids are the EK of a pair (-1: not known). */
int ops_archive_rekey(ops_archive *a, const char *tenant, const char *sat, const char *station,
                      uint64_t request, const char *kind, int64_t t, int64_t old_ek, int64_t new_ek,
                      const char *outcome, const char *text);
/* One key of the ground's keystore, times in unix seconds (0: not yet). */
typedef struct ops_keystate {
    int64_t id;
    const char *type, *state, *role; /* role: "sending", "receivable", "master", ... or "" */
    int64_t created, activated, deactivated, deadline;
} ops_keystate;
/* Replace this station's key states by k[0..nk) (one transaction). 0 or -1. */
int ops_archive_keystates(ops_archive *a, const char *tenant, const char *station,
                          const ops_keystate *k, size_t nk, int64_t t);
/* {"states": [...], "history": [...]} (history newest first, at most limit). NULL on error. */
char *ops_archive_keys_json(ops_archive *a, const char *tenant, long limit);

/* Delete points, events and passes older than cutoff (ms). Returns rows deleted or -1. */
long ops_archive_prune(ops_archive *a, int64_t cutoff);

/* bench_archive's same-run baseline (on 1), the archive's write and read paths before its
 * rollups: every point its own INSERT at once, every commit waiting for the disk, and a
 * downsampled history made of each bucket's first point (one index seek per bucket); its
 * points get no rollup rows, so only a bench uses it, on a series of its own. */
void ops_archive_baseline(ops_archive *a, int on);

/* Every row of every table deleted (tests and benches on a shared database). 0 or -1. */
int ops_archive_clear(ops_archive *a);

/* Queries (tenant "" = every tenant). Results as JSON text, malloc'd; NULL on error. */
char *ops_archive_points_json(ops_archive *a, const char *tenant);
/* History of one point: *found 0 when no such point. max 0: no downsampling. */
char *ops_archive_history_json(ops_archive *a, const char *tenant, const char *sat,
                               const char *name, int64_t start, int64_t end, long max, int *found);
char *ops_archive_latest_json(ops_archive *a, const char *tenant, const char *sat, const char *name,
                              int *found);
char *ops_archive_command_json(ops_archive *a, const char *tenant, const char *station, uint64_t id,
                               int *found);
/* table: "commands" | "images" | "passes" | "events"; kind filters events ("" = all). */
char *ops_archive_list_json(ops_archive *a, const char *table, const char *tenant, const char *kind,
                            long limit);

/* Downsampling (exported for tests): history of [start, end] in at most max samples. */
long ops_archive_history(ops_archive *a, const char *tenant, const char *sat, const char *name,
                         int64_t start, int64_t end, long max, ops_sample *out, long cap,
                         int *found);

/* ---- the HTTP API (http_api.c) ---- */
typedef struct ops_http ops_http;
typedef struct ops_http_cfg {
    const dmn_ops_config *c;
    const char *archive_url;
    const char *tenant, *station, *sat;
    const char *socket;    /* the ground's client socket (commands) */
    const char *downloads; /* [ground] downloads: where images requested over HTTP go */
} ops_http_cfg;
/* Start the server (its own threads). 0, or -1 with a sentence in why. */
int ops_http_start(ops_http **h, const ops_http_cfg *cfg, char *why, size_t cap);
void ops_http_stop(ops_http *h);
/* The dashboard's URL ("" when not serving). */
const char *ops_http_url(const ops_http *h);
/* Live stream: one JSON object per event, to every /api/stream client (thread-safe). */
void ops_http_publish(ops_http *h, const char *event, const char *json);

/* Unix time in ms. */
int64_t ops_now_ms(void);

#endif
