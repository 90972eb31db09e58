/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's roles (DESIGN.md §9): what a node does with the ADUs its link brings. One ops
 * table per role (`[node] role = ground | sat`); the node calls the table, a role calls only the
 * node below it (dmn_agent_send queues an ADU for the link to drain, dmn_log, the store) and
 * the application core (src/app): never a link, never the node loop.
 *
 * Registering a role: its ops table (`const dmn_role_ops dmn_role_<name>`) and one line in
 * role_table.c.
 */
#ifndef AUS_DAEMON_ROLE_H
#define AUS_DAEMON_ROLE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

typedef struct dmn_role_ops {
    const char *name; /* "ground" | "sat": also the iv log's and the banner's word */
    /* 1: this role is asked (application requests come in, answers go out); 0: it asks. */
    int answers_requests;
    /* 1: it serves operators on [ground] socket (`australis run` listens there). */
    int serves_clients;
    /* The main store was opened and its layout version checked: the role's own preparation
     * before anything else reads it (sat: marks the version). Returns a CLI exit code. */
    int (*store_open)(dmn_node *n);
    /* `australis run` starts (after dmn_open and the banner): command table, recovery, run
     * bookkeeping. Returns a CLI exit code. NULL: nothing. */
    int (*start)(dmn_node *n);
    /* An accepted application ADU (rx->admin == 0), inside the caller's transaction. *pending:
     * external work whose "started" mark is in the transaction, for finish after the commit. A
     * request the role cannot complete is answered and logged (AUS_OK); an error returned is
     * the store's or this bundle's. */
    aus_err (*handle)(dmn_node *n, const aus_agent_rx *rx, int *pending);
    /* An RFC 9171 status report about one of our bundles (rx->admin), inside the transaction. */
    aus_err (*report)(dmn_node *n, const aus_agent_rx *rx);
    /* The external work of handle's *pending, run after the commit, inside its own
     * transaction (opened by the node). NULL: the role never sets *pending. */
    aus_err (*finish)(dmn_node *n, const aus_agent_rx *rx);
    /* 1 when an ADU of this type must be handled in a transaction of its own (a link whose
     * pass is one transaction holds it until the pass commits). NULL: never. */
    int (*own_txn)(uint32_t app_type);
    /* A frame-level SDLS-EP PDU from the link (on SA spi), inside the pass's transaction; a
     * reply for the link goes to reply (*rlen 0: none). Errors: store errors only. */
    aus_err (*ep_pdu)(dmn_node *n, const uint8_t *pdu, size_t len, uint16_t spi, uint8_t *reply,
                      size_t cap, size_t *rlen);
    /* Once per loop, before the link drains the queue: timers (re-sends, FORGET, key
     * deadlines). Re-send what was last sent before resend_cutoff (ms) when `scan` says the
     * re-send scan is due this loop. */
    void (*tick)(dmn_node *n, uint64_t resend_cutoff, int scan);
    /* The role's part of the health report / status; NULL: none. */
    size_t (*health)(dmn_node *n, aus_app_kv *kv, size_t cap);
} dmn_role_ops;

/* The role called name, or NULL (role_table.c). */
const dmn_role_ops *dmn_role_find(const char *name);

extern const dmn_role_ops dmn_role_ground; /* role_ground.c */
extern const dmn_role_ops dmn_role_sat;    /* role_sat.c */

#endif
