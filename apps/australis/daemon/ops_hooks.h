/* SPDX-License-Identifier: Apache-2.0 */
/* The ground role's few calls into mission operations (ops_hooks.c, docs/http-api.md). */
#ifndef AUS_DMN_OPS_HOOKS_H
#define AUS_DMN_OPS_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* Open the archive and (watch mode with [http] listen) the HTTP server. 0, or -1 + sentence. */
int dmn_ops_start(dmn_node *n, int watch, char *why, size_t cap);
void dmn_ops_stop(dmn_node *n);
/* Retention (at most hourly). */
void dmn_ops_tick(dmn_node *n);
/* A request was committed (command, telemetry query, download, rekey). */
void dmn_ops_on_submit(dmn_node *n, const aus_app_msg *req, const char *local, uint64_t id);
/* An answer ADU was handled by the core (inside the node's transaction, before its commit). */
void dmn_ops_on_answer(dmn_node *n, const uint8_t *adu, size_t len, const aus_app_ground_event *ev);
/* A scan of the incoming link took `files` files (started at t0, unix ms). */
void dmn_ops_on_pass(dmn_node *n, long files, int64_t t0);
/* Re-archiving at start, driven by dmn_ground_rearchive (role_ground.c): begin (0, or -1: no
 * archive), one kept answer ADU (1 stored, 0 not a report or known, -1 error), end (k < 0:
 * rolled back, else committed and logged). */
int dmn_ops_rearchive_begin(dmn_node *n);
int dmn_ops_rearchive_one(dmn_node *n, uint64_t ms, const uint8_t *adu, size_t len);
void dmn_ops_rearchive_end(dmn_node *n, long k);
/* An event line (kind: "security", "rekey", "pass", ...). */
void dmn_ops_event(dmn_node *n, const char *kind, const char *text);

#endif
