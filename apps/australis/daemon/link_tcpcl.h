/* SPDX-License-Identifier: Apache-2.0 */
/* The IP convergence layers of the daemons (docs/tcpcl.md "The daemons"): `link = tcpcl`
 * (RFC 9174) and `link = udpcl` between ground and satellite, and the ground's gateway peers.
 *
 * Design: the link is the folder link plus a carrier. The node keeps reading its incoming
 * folder and writing its outgoing folder exactly as with `link = folder` (every durability and
 * exactly-once rule of the folder link holds unchanged); a carrier thread owns the sockets and
 * moves files between those folders and the peer:
 *   send     a file in the outgoing folder is read and sent (TCPCL: one transfer) and removed
 *            only after the peer's final XFER_ACK (RFC 9174 §5.2.3), i.e. after the peer holds
 *            it durably; a session lost first sends it again in the next session (the peer's
 *            replay window drops a copy it already took: exactly once across a kill -9 of
 *            either side). UDPCL has no acknowledgement: a datagram sent is a file removed; a
 *            lost one is the ground's re-send business, as on a radio link;
 *   receive  a whole transfer (never a part of one) is written to the incoming folder as a
 *            temporary, fsynced, renamed and the folder fsynced, and only then acknowledged.
 * The carrier shares nothing with the node but the folders (no lock, no shared memory), so the
 * node loop never waits for a socket and a slow or hostile peer never stalls it.
 *
 * Gateway peers (ground only, [gateway]): bundles from configured terrestrial nodes go to the
 * gateway's spool (gateway.c takes them), answers in the gateway's out spool go to the node
 * their name names, and only to a configured one. */
#ifndef AUS_DAEMON_LINK_TCPCL_H
#define AUS_DAEMON_LINK_TCPCL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "net_config.h"

typedef struct dmn_carrier dmn_carrier;   /* TCPCL (link_tcpcl.c) */
typedef struct dmn_ucarrier dmn_ucarrier; /* UDPCL (link_udpcl.c) */

typedef struct dmn_carrier_cfg {
    uint64_t node, peer;  /* ipn node numbers: ours, the daemon peer's */
    int link;             /* 1: carry the daemon link (incoming/outgoing folders) */
    const char *incoming; /* link: received bundles go here */
    const char *outgoing; /* link: bundles to send wait here */
    const char *gw_in;    /* gateway: requests from terrestrial nodes (NULL: no gateway) */
    const char *gw_out;   /* gateway: answers, named b<NODE>-<SEQ>.bundle after their node */
    const dmn_net *net;   /* copied */
    size_t max_bundle;    /* largest bundle taken */
} dmn_carrier_cfg;

typedef struct dmn_carrier_stats {
    uint64_t sessions, sessions_refused, conn_refused, connects, connect_fail;
    uint64_t rx_bundles, tx_bundles, tx_retries, rx_refused, rx_dup;
    uint64_t udp_junk, udp_frag_sent, udp_reasm;
} dmn_carrier_stats;

/* Start the TCPCL carrier thread (listening and/or connecting as configured). Returns a CLI
 * exit code; on failure a sentence was printed. */
int dmn_tcpcl_start(dmn_carrier **out, const dmn_carrier_cfg *cfg);
void dmn_tcpcl_stop(dmn_carrier *c);
void dmn_tcpcl_stats(dmn_carrier *c, dmn_carrier_stats *st);
/* The same for UDPCL (link_udpcl.c). */
int dmn_udpcl_start(dmn_ucarrier **out, const dmn_carrier_cfg *cfg);
void dmn_udpcl_stop(dmn_ucarrier *c);
void dmn_udpcl_stats(dmn_ucarrier *c, dmn_carrier_stats *st);

/* Durable file of one received bundle in dirfd: NAME.tmp (O_EXCL|O_NOFOLLOW), fsync, rename
 * to NAME unless NAME exists (then the same bundle is already waiting: *dup = 1), folder
 * fsync. want_src != 0: a bundle whose source node is another is refused (-2). NAME from the bundle's source node and creation sequence number (the folder link's
 * name rule), or an odd name when it is not a bundle (the node then quarantines it). 0 or -1. */
int dmn_carrier_store(int dirfd, const uint8_t *p, size_t n, uint64_t want_src, uint64_t *ctr,
                      int *dup);

/* A waiting file: regular (never through a symbolic link), 1..max octets; malloc'd, or NULL. */
uint8_t *dmn_carrier_read(int dirfd, const char *name, size_t max, size_t *len);

/* The hooks the node calls (link_tcpcl.c): start the carriers this config asks for (link =
 * tcpcl / udpcl, a [gateway]), stop them; health and status lines. Exit code. */
int dmn_net_open(dmn_node *n);
void dmn_net_close(dmn_node *n);
/* link.h tables of link = tcpcl and link = udpcl (link_tcpcl.c). */
struct dmn_link_ops;
extern const struct dmn_link_ops dmn_link_tcpcl, dmn_link_udpcl;
/* One line of counters for the banner / status (static storage). */
const char *dmn_net_summary(dmn_node *n);

#endif
