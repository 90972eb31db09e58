/* The daemons' radio-path profile `link = ccsds` (docs/cl_ccsds.md): bundles through the CCSDS
 * convergence layer (include/australis/cl_ccsds.h) instead of one file per bundle.
 * link_ccsds.c; the daemon's own files call these at a few hook points. */
#ifndef AUS_DAEMON_LINK_CCSDS_H
#define AUS_DAEMON_LINK_CCSDS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "daemon.h"

/* Key id of the frame-layer SDLS key ([keys] sdls_key_file) in the keystore: outside the OTAR
 * (0x4000..) and PQ rekey (0x0102.., +2 per rekey) ranges. */
#define DMN_SDLS_KEY_ID 0x3F00u

/* Config check for link = ccsds: NULL when fine, else the rest of a sentence about *key. */
const char *dmn_link_ccsds_check(const dmn_config *c, const char **key);
/* 1 when this node runs link = ccsds (the hooks below then replace the folder link's
 * one-file-per-bundle receive and send). */
int dmn_link_ccsds_on(const dmn_node *n);
/* Keystore SDLS key, SA table, convergence layer. Returns a CLI exit code. */
int dmn_link_ccsds_open(dmn_node *n);
void dmn_link_ccsds_close(dmn_node *n);
/* Every pass file waiting in the incoming folder through pass_in; returns files taken. */
long dmn_link_ccsds_incoming(dmn_node *n);
/* Queued bundles into the link, then the pass file(s) when a pass is due; returns files
 * written or -1. */
long dmn_link_ccsds_outgoing(dmn_node *n);
/* Ground: `australis sa …` (req: REKEY_REQ kind 3, data = the EP PDU) over the radio path:
 * the PDU on the EP MAP, the request recorded like any other. Errors: AUS_E_STATE, EP decode
 * errors, store errors. */
aus_err dmn_link_ccsds_ep_submit(dmn_node *n, aus_app_msg *req, uint64_t *id);
/* Frame-level counters in the telemetry report / `australis status`. */
size_t dmn_link_ccsds_health(dmn_node *n, aus_app_kv *kv, size_t cap);
void dmn_link_ccsds_status(dmn_node *n, cJSON *o);
/* The "ccsds" object of a status reply, human-readable (the client). */
void dmn_link_ccsds_print(const cJSON *c);

#endif
