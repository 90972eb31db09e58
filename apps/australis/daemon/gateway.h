/* SPDX-License-Identifier: Apache-2.0 */
/* The ground node as a gateway to the terrestrial DTN (docs/tcpcl.md "The gateway").
 *
 * A terrestrial node (ION, HDTN, µD3TN, dtn7, BPLib, or `australis tcpcl send`) sends a bundle
 * to ipn:<ground>.<[gateway] service> whose payload is one of our application requests
 * (telemetry query, command, image request; include/australis/app.h). If its source node is
 * configured and allowed that service ([gateway] allow.N), the ground records the request like
 * an operator's (under its own request id, exactly once: a copy of the same bundle is known by
 * its source and creation timestamp), carries it to the satellite inside the tenant's BPSec
 * envelope, and when the answer arrives sends it back to the originator as a bundle from
 * ipn:<ground>.<service> whose payload is our answer ADU with the originator's request id,
 * under a BIB (BIB-HMAC-SHA2) and/or BCB (BCB-AES-GCM) when keys are configured for that peer
 * (RFC 9173). Nothing else is relayed: no other destination, no other message type, no
 * unconfigured source, never an answer to a node that is not configured.
 *
 * The carrier thread (link_tcpcl.c / link_udpcl.c) writes received requests to the gateway's
 * in spool and sends what this file writes to its out spool; everything here runs in the node
 * loop, on the node's store. */
#ifndef AUS_DAEMON_GATEWAY_H
#define AUS_DAEMON_GATEWAY_H

#include "daemon.h"

/* Ground, `australis run` start: the gateway's carriers when the link did not start them
 * already (link = folder | ccsds). Exit code. */
int dmn_gateway_start(dmn_node *n);
/* Stops the carriers (dmn_close; nothing when none runs). */
void dmn_net_close(dmn_node *n);
/* Once per node loop (cheap when there is nothing to do): requests in, answers out. */
void dmn_gateway_cycle(dmn_node *n);

#endif
