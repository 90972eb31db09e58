/* SPDX-License-Identifier: Apache-2.0 */
/* The daemons' [tcpcl], [udpcl] and [gateway] config sections (docs/daemon.md "TCPCL, UDPCL and
 * the gateway", docs/tcpcl.md): the IP convergence layers between ground and satellite
 * (link = tcpcl | udpcl) and the ground's gateway to the terrestrial DTN.
 *
 * The parser reads the same INI file as config.c but only these sections (config.c skips them
 * and calls dmn_net_check at the end of its load, so a bad key still fails the load with a
 * sentence naming file, line and key). Parsing is a pure function over text, fuzzed by
 * fuzz/net_config.c. */
#ifndef AUS_DAEMON_NET_CONFIG_H
#define AUS_DAEMON_NET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define DMN_NET_ADDR 128 /* HOST:PORT text, with room for [v6]:port */
#define DMN_NET_PATH 512
#define DMN_NET_NODEID 256 /* AUS_TCPCL_NODEID_MAX + 1 */
#define DMN_GW_PEERS 32    /* terrestrial nodes the gateway knows */

/* gateway services a terrestrial node may use (allow.N = tm,cmd,image) */
#define DMN_GW_TM 0x1u
#define DMN_GW_CMD 0x2u
#define DMN_GW_IMG 0x4u

typedef struct dmn_gw_peer {
    uint64_t node;              /* ipn node number */
    char tcp[DMN_NET_ADDR];     /* [tcpcl] gw_peer.N: answers go there over TCPCL */
    char udp[DMN_NET_ADDR];     /* [udpcl] gw_peer.N: ... or over UDPCL */
    unsigned services;          /* [gateway] allow.N */
    char bib_key[DMN_NET_PATH]; /* [gateway] bib_key.N: answers carry a BIB-HMAC-SHA2 */
    char bcb_key[DMN_NET_PATH]; /* [gateway] bcb_key.N: answers carry a BCB-AES-GCM */
} dmn_gw_peer;

typedef struct dmn_net {
    /* [tcpcl] */
    char tcp_listen[DMN_NET_ADDR]; /* passive role: ADDR:PORT */
    char tcp_peer[DMN_NET_ADDR];   /* active role (link = tcpcl): the other daemon */
    char node_id[DMN_NET_NODEID];  /* our TCPCL node ID (default ipn:<node>.0) */
    char tls_cert[DMN_NET_PATH], tls_key[DMN_NET_PATH], tls_ca[DMN_NET_PATH];
    uint64_t keepalive_s, seg_mru, xfer_mru, max_sessions, reconnect_max_s;
    uint64_t ack_batch; /* received transfers that may share one sync before their ACKs */
    /* [udpcl] */
    char udp_listen[DMN_NET_ADDR], udp_peer[DMN_NET_ADDR];
    uint64_t mtu;
    /* [gateway] */
    uint64_t gw_service; /* 0: no gateway */
    uint64_t gw_lifetime_s;
    dmn_gw_peer peer[DMN_GW_PEERS];
    size_t npeer;
    int any; /* a [tcpcl], [udpcl] or [gateway] section was present */
} dmn_net;

/* Parse text (an INI file's bytes; other sections ignored). On error: -1, *line the line and
 * why a sentence naming the key ("key 'mtu' in [udpcl] needs a number in 576..65507, ..."). */
int dmn_net_parse(dmn_net *nc, const char *text, size_t len, int *line, char *why, size_t cap);
/* Read and parse path; on error prints "australis: FILE:LINE: sentence" and returns -1. */
int dmn_net_load(dmn_net *nc, const char *path);
/* config.c: 1 when sec is one of ours (its keys are left to dmn_net_load). */
int dmn_net_section(const char *sec);
/* config.c, end of its load: our sections checked against the rest (link = tcpcl needs a
 * listen or a peer address, ...). role_sat, node, link: as config.c parsed them. -1 after a
 * sentence, else 0. */
int dmn_net_check(const char *path, int role_sat, uint64_t node, const char *link);
/* The peer entry of node, or NULL (never forward to a peer that is not configured). */
const dmn_gw_peer *dmn_net_peer(const dmn_net *nc, uint64_t node);
/* Split HOST:PORT ([v6]:port allowed) into host and port text. 0 or -1. */
int dmn_net_split(const char *addr, char *host, size_t hcap, char *port, size_t pcap);

#endif
