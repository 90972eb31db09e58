/* SPDX-License-Identifier: Apache-2.0 */
/* [tcpcl], [udpcl] and [gateway]: see net_config.h. Every refusal names the key, the section
 * and what is allowed; nothing here opens a socket or a key file. */
#include "net_config.h"
#include "australis/tcpcl.h" /* AUS_TCPCL_ACKQ */
#include "util.h"            /* cli_trim */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dmn_net_section(const char *sec)
{
    return !strcmp(sec, "tcpcl") || !strcmp(sec, "udpcl") || !strcmp(sec, "gateway");
}

static int u64_of(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
    uint64_t x = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    if (x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

int dmn_net_split(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1])
        return -1;
    size_t hl = (size_t)(colon - addr);
    const char *h = addr;
    if (addr[0] == '[') { /* [v6]:port */
        if (hl < 3 || addr[hl - 1] != ']')
            return -1;
        h = addr + 1;
        hl -= 2;
    }
    size_t pl = strlen(colon + 1);
    if (hl >= hcap || pl >= pcap)
        return -1;
    for (size_t i = 0; i < pl; i++)
        if (!isdigit((unsigned char)colon[1 + i]))
            return -1;
    uint64_t p;
    if (u64_of(colon + 1, 0, 65535, &p) != 0)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, colon + 1, pl + 1);
    for (size_t i = 0; i < hl; i++) /* a name or an address, never shell or path text */
        if (!isalnum((unsigned char)host[i]) && !strchr(".-:_", host[i]))
            return -1;
    return 0;
}

static int set_str(char *dst, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(dst, v, n + 1);
    return 0;
}

static int addr_ok(const char *v)
{
    char h[DMN_NET_ADDR], p[8];
    return dmn_net_split(v, h, sizeof h, p, sizeof p) == 0;
}

static dmn_gw_peer *peer_of(dmn_net *nc, uint64_t node)
{
    for (size_t i = 0; i < nc->npeer; i++)
        if (nc->peer[i].node == node)
            return &nc->peer[i];
    if (nc->npeer == DMN_GW_PEERS)
        return NULL;
    dmn_gw_peer *p = &nc->peer[nc->npeer++];
    memset(p, 0, sizeof *p);
    p->node = node;
    return p;
}

const dmn_gw_peer *dmn_net_peer(const dmn_net *nc, uint64_t node)
{
    for (size_t i = 0; i < nc->npeer; i++)
        if (nc->peer[i].node == node)
            return &nc->peer[i];
    return NULL;
}

static int services_of(const char *v, unsigned *out)
{
    *out = 0;
    if (!strcmp(v, "none"))
        return 0;
    while (*v) {
        size_t n = strcspn(v, ",");
        if (n == 2 && !strncmp(v, "tm", 2))
            *out |= DMN_GW_TM;
        else if (n == 3 && !strncmp(v, "cmd", 3))
            *out |= DMN_GW_CMD;
        else if (n == 5 && !strncmp(v, "image", 5))
            *out |= DMN_GW_IMG;
        else
            return -1;
        v += n + (v[n] == ',');
    }
    return *out ? 0 : -1;
}

#define FAIL(...) (snprintf(why, cap, __VA_ARGS__), -1)

/* key.N (N an ipn node number 1..2^32-1): the peer entry, or NULL with a sentence */
static dmn_gw_peer *indexed(dmn_net *nc, const char *key, const char *prefix, char *why, size_t cap)
{
    uint64_t node;
    if (u64_of(key + strlen(prefix), 1, UINT32_MAX, &node) != 0) {
        (void)FAIL("key '%s': '%s' must be followed by an ipn node number 1..4294967295", key,
                   prefix);
        return NULL;
    }
    dmn_gw_peer *p = peer_of(nc, node);
    if (!p)
        (void)FAIL("key '%s': more than %d terrestrial peers", key, DMN_GW_PEERS);
    return p;
}

static int set_tcpcl(dmn_net *nc, const char *k, const char *v, char *why, size_t cap)
{
    uint64_t *num = NULL, lo = 0, hi = 0;
    if (!strcmp(k, "listen") || !strcmp(k, "peer")) {
        if (!addr_ok(v) ||
            set_str(!strcmp(k, "listen") ? nc->tcp_listen : nc->tcp_peer, DMN_NET_ADDR, v) != 0)
            return FAIL("key '%s' in [tcpcl] needs HOST:PORT (port 0..65535), not '%s'", k, v);
        return 0;
    }
    if (!strcmp(k, "node_id")) {
        if ((strncmp(v, "ipn:", 4) && strncmp(v, "dtn:", 4)) ||
            set_str(nc->node_id, sizeof nc->node_id, v) != 0)
            return FAIL("key 'node_id' in [tcpcl] needs an ipn: or dtn: URI of 5..255 "
                        "characters, not '%s'",
                        v);
        return 0;
    }
    char *path = !strcmp(k, "tls_cert")  ? nc->tls_cert
                 : !strcmp(k, "tls_key") ? nc->tls_key
                 : !strcmp(k, "tls_ca")  ? nc->tls_ca
                                         : NULL;
    if (path) {
        if (v[0] != '/' || set_str(path, DMN_NET_PATH, v) != 0)
            return FAIL("key '%s' in [tcpcl] needs an absolute path of at most 511 characters, "
                        "not '%s'",
                        k, v);
        return 0;
    }
    if (!strncmp(k, "gw_peer.", 8)) {
        dmn_gw_peer *p = indexed(nc, k, "gw_peer.", why, cap);
        if (!p)
            return -1;
        if (!addr_ok(v) || set_str(p->tcp, sizeof p->tcp, v) != 0)
            return FAIL("key '%s' in [tcpcl] needs HOST:PORT, not '%s'", k, v);
        return 0;
    }
    if (!strcmp(k, "keepalive_s"))
        num = &nc->keepalive_s, lo = 0, hi = 600;
    else if (!strcmp(k, "seg_mru"))
        num = &nc->seg_mru, lo = 1024, hi = 1u << 30;
    else if (!strcmp(k, "xfer_mru"))
        num = &nc->xfer_mru, lo = 1024, hi = 1u << 30;
    else if (!strcmp(k, "max_sessions"))
        num = &nc->max_sessions, lo = 1, hi = 1024;
    else if (!strcmp(k, "reconnect_max_s"))
        num = &nc->reconnect_max_s, lo = 1, hi = 3600;
    else if (!strcmp(k, "ack_batch"))
        num = &nc->ack_batch, lo = 1, hi = AUS_TCPCL_ACKQ;
    if (!num)
        return FAIL("unknown key '%s' in section [tcpcl]", k);
    if (u64_of(v, lo, hi, num) != 0)
        return FAIL("key '%s' in [tcpcl] needs a number in %llu..%llu, not '%s'", k,
                    (unsigned long long)lo, (unsigned long long)hi, v);
    return 0;
}

static int set_udpcl(dmn_net *nc, const char *k, const char *v, char *why, size_t cap)
{
    if (!strcmp(k, "listen") || !strcmp(k, "peer")) {
        if (!addr_ok(v) ||
            set_str(!strcmp(k, "listen") ? nc->udp_listen : nc->udp_peer, DMN_NET_ADDR, v) != 0)
            return FAIL("key '%s' in [udpcl] needs HOST:PORT (port 0..65535), not '%s'", k, v);
        return 0;
    }
    if (!strcmp(k, "mtu")) {
        if (u64_of(v, 576, 65507, &nc->mtu) != 0)
            return FAIL("key 'mtu' in [udpcl] needs a number in 576..65507 (one bundle or "
                        "fragment per datagram), not '%s'",
                        v);
        return 0;
    }
    if (!strncmp(k, "gw_peer.", 8)) {
        dmn_gw_peer *p = indexed(nc, k, "gw_peer.", why, cap);
        if (!p)
            return -1;
        if (!addr_ok(v) || set_str(p->udp, sizeof p->udp, v) != 0)
            return FAIL("key '%s' in [udpcl] needs HOST:PORT, not '%s'", k, v);
        return 0;
    }
    return FAIL("unknown key '%s' in section [udpcl]", k);
}

static int set_gateway(dmn_net *nc, const char *k, const char *v, char *why, size_t cap)
{
    if (!strcmp(k, "service")) {
        if (u64_of(v, 1, UINT32_MAX, &nc->gw_service) != 0)
            return FAIL("key 'service' in [gateway] needs a service number 1..4294967295, "
                        "not '%s'",
                        v);
        return 0;
    }
    if (!strcmp(k, "lifetime_s")) {
        if (u64_of(v, 1, 86400u * 365u, &nc->gw_lifetime_s) != 0)
            return FAIL("key 'lifetime_s' in [gateway] needs a number in 1..31536000, not '%s'", v);
        return 0;
    }
    const char *pre = !strncmp(k, "allow.", 6)     ? "allow."
                      : !strncmp(k, "bib_key.", 8) ? "bib_key."
                      : !strncmp(k, "bcb_key.", 8) ? "bcb_key."
                                                   : NULL;
    if (!pre)
        return FAIL("unknown key '%s' in section [gateway]", k);
    dmn_gw_peer *p = indexed(nc, k, pre, why, cap);
    if (!p)
        return -1;
    if (pre[1] == 'l') {
        if (services_of(v, &p->services) != 0)
            return FAIL("key '%s' in [gateway] needs a comma-separated list of tm, cmd, image "
                        "(or none), not '%s'",
                        k, v);
        return 0;
    }
    if (v[0] != '/' || set_str(pre[1] == 'i' ? p->bib_key : p->bcb_key, DMN_NET_PATH, v) != 0)
        return FAIL("key '%s' in [gateway] needs an absolute path of a key file, not '%s'", k, v);
    return 0;
}

static void net_defaults(dmn_net *nc)
{
    memset(nc, 0, sizeof *nc);
    nc->keepalive_s = 30;
    nc->seg_mru = 1u << 20;
    nc->xfer_mru = 16u << 20;
    nc->max_sessions = 16;
    nc->reconnect_max_s = 30;
    nc->ack_batch = AUS_TCPCL_ACKQ;
    nc->mtu = 1400;
    nc->gw_lifetime_s = 3600;
}

int dmn_net_parse(dmn_net *nc, const char *text, size_t len, int *line, char *why, size_t cap)
{
    net_defaults(nc);
    char buf[1024], sec[32] = "";
    size_t at = 0;
    *line = 0;
    why[0] = '\0';
    while (at < len) {
        size_t e = at;
        while (e < len && text[e] != '\n')
            e++;
        (*line)++;
        size_t n = e - at;
        if (n >= sizeof buf)
            n = sizeof buf - 1; /* config.c refuses such lines first */
        memcpy(buf, text + at, n);
        buf[n] = '\0';
        at = e + 1;
        if (memchr(buf, '\0', n)) /* a NUL inside the line: config.c reads up to it */
            buf[strlen(buf)] = '\0';
        char *s = cli_trim(buf);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *c = strchr(s, ']');
            if (!c || c[1] || c - s - 1 <= 0 || c - s - 1 >= (long)sizeof sec)
                return FAIL("bad section header '%s'", s);
            *c = '\0';
            snprintf(sec, sizeof sec, "%s", s + 1);
            nc->any |= dmn_net_section(sec);
            continue;
        }
        if (!dmn_net_section(sec))
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            return FAIL("expected 'key = value', got '%s'", s);
        *eq = '\0';
        char *key = cli_trim(s), *val = cli_trim(eq + 1);
        char *hash = strstr(val, " #");
        if (hash)
            *hash = '\0', val = cli_trim(val);
        int rc = !strcmp(sec, "tcpcl")   ? set_tcpcl(nc, key, val, why, cap)
                 : !strcmp(sec, "udpcl") ? set_udpcl(nc, key, val, why, cap)
                                         : set_gateway(nc, key, val, why, cap);
        if (rc)
            return rc;
    }
    if ((nc->tls_cert[0] != 0) != (nc->tls_key[0] != 0))
        return FAIL("keys 'tls_cert' and 'tls_key' in [tcpcl] go together%s", "");
    for (size_t i = 0; i < nc->npeer; i++) {
        const dmn_gw_peer *p = &nc->peer[i];
        if (p->services && !p->tcp[0] && !p->udp[0])
            return FAIL("terrestrial node %llu may use services ([gateway] allow.%llu) but has "
                        "no address: set gw_peer.%llu in [tcpcl] or [udpcl]",
                        (unsigned long long)p->node, (unsigned long long)p->node,
                        (unsigned long long)p->node);
    }
    return 0;
}

int dmn_net_load(dmn_net *nc, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "australis: cannot open config %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 1u << 16, len = 0;
    char *text = malloc(cap);
    size_t r;
    while (text && (r = fread(text + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            char *t = cap < (1u << 22) ? realloc(text, cap * 2) : NULL;
            if (!t) {
                free(text);
                text = NULL;
                break;
            }
            text = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (!text) {
        fprintf(stderr, "australis: config %s: too large or out of memory\n", path);
        return -1;
    }
    int line = 0;
    char why[400];
    int rc = dmn_net_parse(nc, text, len, &line, why, sizeof why);
    free(text);
    if (rc)
        fprintf(stderr, "australis: %s:%d: %s\n", path, line, why);
    return rc;
}

int dmn_net_check(const char *path, int role_sat, uint64_t node, const char *link)
{
    static dmn_net nc;
    if (dmn_net_load(&nc, path) != 0)
        return -1;
    const char *bad = NULL;
    if (!strcmp(link, "tcpcl") && !nc.tcp_listen[0] && !nc.tcp_peer[0])
        bad = "link = tcpcl needs [tcpcl] listen (passive) or peer (active)";
    else if (!strcmp(link, "udpcl") && (!nc.udp_listen[0] || !nc.udp_peer[0]))
        bad = "link = udpcl needs [udpcl] listen and peer";
    else if (nc.gw_service && role_sat)
        bad = "[gateway] is for the ground only";
    else if (nc.gw_service && !nc.tcp_listen[0] && !nc.udp_listen[0])
        bad = "[gateway] service needs [tcpcl] listen or [udpcl] listen (where terrestrial "
              "nodes reach us)";
    else if (!nc.gw_service && nc.npeer)
        bad = "terrestrial peers are configured but [gateway] service is not set";
    if (bad) {
        fprintf(stderr, "australis: %s: %s\n", path, bad);
        return -1;
    }
    (void)node;
    return 0;
}
