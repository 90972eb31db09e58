/* SPDX-License-Identifier: Apache-2.0 */
/* The application interface on the satellite daemon (docs/app-api.md): the local socket tenant
 * programs use, the commands routed to them, and their telemetry points (a bounded durable
 * buffer on board, batches down on each pass, a store record and a hook on the ground).
 * A narrow interface so that the role/node code needs only a few hook lines. */
#ifndef AUS_DAEMON_APP_API_SRV_H
#define AUS_DAEMON_APP_API_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app_api.h"
#include "daemon.h"

typedef struct dmn_app_srv dmn_app_srv;

#define DMN_APP_POINTS_MAX_DEFAULT 10000u /* [app] points_max */
#define DMN_APP_DEADLINE_DEFAULT 30u      /* [app] deadline_s: until the dictionary says */
#define DMN_APP_OFFER_MAX_DEFAULT (64u << 20)
#define DMN_APP_FLUSH_S 60u /* points older than this go down even without a pass */

/* Role sat, from dmn_sat_init: the commands programs registered before (kept in the store) go
 * into the command table, so a command for a program that is not running gets a clear error.
 * Nothing when [app] socket is not set. Returns a CLI exit code. */
int dmn_app_sat_init(dmn_node *n);
/* `australis run` (watch mode, role sat): listen on [app] socket. Returns a descriptor to poll
 * for input (-1: no application interface), or -2 after printing why it cannot listen. */
int dmn_app_open(dmn_node *n);
/* Serve the programs: accept, read, handle every complete message, write. Never blocks. */
void dmn_app_service(dmn_node *n);
/* Once per loop before the queue is drained: points go down after a pass brought bundles
 * from the ground (or when the oldest waited DMN_APP_FLUSH_S), in their own transaction. */
void dmn_app_tick(dmn_node *n);
/* Called by the satellite's emit before an ADU is queued (inside the caller's transaction):
 * before the first image ADU the points buffer is flushed, so points go down after responses
 * and key management and before image chunks. Errors: store errors. */
aus_err dmn_app_before_emit(dmn_node *n, const uint8_t *adu, size_t len);
void dmn_app_close(dmn_node *n);

/* ---- the points buffer (role sat; inside the caller's transaction) ---- */
typedef struct dmn_app_ptmeta {
    uint64_t head, next, dropped; /* oldest kept, next sequence number, dropped in all */
} dmn_app_ptmeta;
aus_err dmn_app_points_meta(const dmn_node *n, dmn_app_ptmeta *m);
/* Keep pts (time 0 -> now_ms); the oldest dropped beyond [app] points_max. *last_seq gets the
 * sequence number of the last point kept. Errors: store errors. */
aus_err dmn_app_points_add(dmn_node *n, const aus_api_point *pts, size_t npts, uint64_t now_ms,
                           uint64_t *last_seq);
/* Queue up to max_adus points ADUs (oldest first) and remove their points. Returns the number
 * of points sent or an error. */
long dmn_app_points_flush(dmn_node *n, size_t max_adus);

/* ---- role ground ---- */
/* A points ADU from the satellite, inside the handler's transaction: stored under
 * "gr/<tenant>/pt/<batch>" (a batch seen before is a duplicate: nothing happens) and every
 * point handed to dmn_app_points_hook. Errors: decode errors (quarantined), store errors. */
aus_err dmn_app_ground_points(dmn_node *n, const aus_agent_rx *rx);
/* The archive's entry point (ops_hooks.c): called once per point stored, index 0..count-1 of
 * its batch (inside the store transaction, so a rollback may call it again for the same batch,
 * from index 0). NULL: store record only. */
typedef void (*dmn_app_points_fn)(void *ctx, const char *tenant, uint64_t batch_id, size_t index,
                                  size_t count, const aus_api_point *pt);
extern dmn_app_points_fn dmn_app_points_hook;
/* Every batch the store keeps through the hook again (start-up re-archiving, role_ground.c):
 * the batches walked, or -1. */
long dmn_app_ground_rearchive_points(dmn_node *n);
extern void *dmn_app_points_hook_ctx;

#endif
