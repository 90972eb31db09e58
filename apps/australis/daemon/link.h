/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's links (DESIGN.md §9): how bundles cross between this node and its peer. One ops
 * table per link (`[link] link = NAME` in the config picks it); the node calls the table and
 * nothing else of a link, so data flows link -> node -> role -> app on receive and
 * app -> role -> node (the agent's out-queue) -> link on send:
 *
 *   receive  take_incoming reads what waits (files, a pass, a socket) and hands every bundle to
 *            the node: dmn_rx_apply / dmn_rx_pass_bundle (daemon.h) inside the link's store
 *            transaction, dmn_rx_finish after its commit; the node verifies, accepts and gives
 *            the ADU to the role. A link never calls a role.
 *   send     the role queues ADUs through the node (dmn_agent_send: the agent's out-queue in
 *            the store); put_outgoing drains that queue into the link (aus_agent_out_next,
 *            aus_agent_out_done), pass_commit then closes the link's pass (writes a pass file,
 *            flushes a session). A role never calls a link.
 *
 * Each link's state is a struct of its own, allocated by open and kept in n->link_state (the
 * node owns the pointer; nothing of a link lives in file-scope variables), freed by close.
 *
 * Registering a link: its ops table (`const dmn_link_ops dmn_link_<name>`, in link_<name>.c),
 * one line in link_table.c (the table dmn_link_find searches) and one line in config.c's
 * link_names[] (its name and config check: the INI parser, fuzzed alone, links no link code).
 */
#ifndef AUS_DAEMON_LINK_H
#define AUS_DAEMON_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "daemon.h"

typedef struct dmn_link_ops {
    const char *name; /* the config's `link` value: "folder", "ccsds", ... */
    /* After the store, keys and agent are open (and the folders, when the caller asked for
     * them: `australis run` does, a direct client does not). Allocates the link's state into
     * n->link_state. Returns a CLI exit code; on failure a sentence was printed. */
    int (*open)(dmn_node *n);
    /* Everything waiting to come in, through the node (see above). Returns how many inputs
     * (files, passes, ...) were taken, or -1 (tried again next loop). */
    long (*take_incoming)(dmn_node *n);
    /* The agent's out-queue into the link. Returns how many units moved, or -1. */
    long (*put_outgoing)(dmn_node *n);
    /* After put_outgoing, once per loop: the link ends its pass (ccsds: the pass file when one
     * is due). Returns how many files/units were written, or -1. NULL: nothing to do. */
    long (*pass_commit)(dmn_node *n);
    /* Frame-level SDLS-EP PDU to the peer, inside the caller's store transaction (ccsds: on the
     * EP MAP). NULL: the link carries none (EP PDUs then travel in bundles). Errors: the
     * link's (AUS_E_FULL, AUS_E_ARG), store errors. */
    aus_err (*ep_send)(dmn_node *n, const uint8_t *pdu, size_t len);
    /* The link's counters in the telemetry report (entries added to kv, at most cap) and in
     * `australis status` (members added to o). NULL: none. */
    size_t (*health)(dmn_node *n, aus_app_kv *kv, size_t cap);
    void (*status)(dmn_node *n, cJSON *o);
    /* After a rolled-back store transaction that involved the link (dmn_recover): its memory
     * back to what the store holds, and a log line. NULL: the link keeps nothing in memory
     * that a rollback could leave ahead of the store. */
    void (*recover)(dmn_node *n, const char *what, aus_err e);
    /* Frees n->link_state (also after a failed open; safe when it is NULL). */
    void (*close)(dmn_node *n);
} dmn_link_ops;

/* The link called name, or NULL (link_table.c). */
const dmn_link_ops *dmn_link_find(const char *name);

extern const dmn_link_ops dmn_link_folder; /* link_folder.c: one bundle per file */
extern const dmn_link_ops dmn_link_ccsds;  /* link_ccsds.c: the CCSDS radio path in pass files */

#endif
