/* SPDX-License-Identifier: Apache-2.0 */
/* `link = tcpcl` and `link = udpcl` (docs/tcpcl.md "The daemons"): the link ops. The carriers
 * (link_tcpcl.c, link_udpcl.c) sit below them and below the gateway (gateway.c), which starts
 * them: link_ip.c -> gateway.c -> carriers, never back. */
#include <cjson/cJSON.h>

#include "gateway.h"
#include "link.h"
#include "link_tcpcl.h"

/* ---------------------------------------------------------------- the link ops (link.h)
 * link = tcpcl / udpcl is the folder link (its take_incoming and put_outgoing, its state in
 * n->link_state) plus the carrier threads, whose state is the node's n->net (gateway.c): the
 * same carriers serve the ground's gateway whatever its link. A direct client (no folders)
 * starts no carrier. */
static int ip_open(dmn_node *n)
{
    int rc = dmn_link_folder.open(n);
    if (rc || n->fl.in_fd < 0)
        return rc;
    return dmn_net_open(n);
}

static long ip_incoming(dmn_node *n) { return dmn_link_folder.take_incoming(n); }
static long ip_outgoing(dmn_node *n) { return dmn_link_folder.put_outgoing(n); }

static void ip_status(dmn_node *n, cJSON *o)
{
    if (n->net)
        cJSON_AddStringToObject(o, "ip_link", dmn_net_summary(n));
}

static void ip_close(dmn_node *n)
{
    dmn_net_close(n);
    dmn_link_folder.close(n);
}

const dmn_link_ops dmn_link_tcpcl = {
    .name = "tcpcl",
    .open = ip_open,
    .take_incoming = ip_incoming,
    .put_outgoing = ip_outgoing,
    .status = ip_status,
    .close = ip_close,
};

const dmn_link_ops dmn_link_udpcl = {
    .name = "udpcl",
    .open = ip_open,
    .take_incoming = ip_incoming,
    .put_outgoing = ip_outgoing,
    .status = ip_status,
    .close = ip_close,
};
