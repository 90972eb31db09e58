/* SPDX-License-Identifier: Apache-2.0 */
/* link = udpcl and the gateway's UDPCL peers: the carrier thread (link_tcpcl.h says why a
 * thread and the folders). One bundle per datagram, bounded by [udpcl] mtu; a larger bundle
 * goes as BPv7 fragments and is reassembled by the receiver (port/posix/udpcl_posix.c);
 * datagrams that are not bundles are counted and dropped.
 *
 * UDP has no acknowledgement: a file is removed from the outgoing folder once its datagrams
 * are handed to the kernel. A lost datagram is a lost bundle, as on a radio link: the ground
 * asks again after [ground] retry_s and the satellite answers a repeated request from its
 * records, so a command still runs once. A received bundle is routed by its source node: the
 * daemon peer's go to the incoming folder, a configured terrestrial node's to the gateway
 * spool, anything else is dropped and counted (the agent authenticates what it takes; a
 * spoofed source gains nothing but a quarantine line).
 */
#define _GNU_SOURCE
#include "link_tcpcl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "australis/cl.h"
#include "util.h"
#include "../../../port/posix/posix_io.h"
#include "../../../port/posix/tcpcl_posix.h"
#include "../../../port/posix/udpcl_posix.h"

struct dmn_ucarrier {
    dmn_carrier_cfg cfg;
    dmn_net net;
    pthread_t th;
    int started;
    volatile int stop;
    pthread_mutex_t mu;
    dmn_carrier_stats st, pub;
    int in_fd, out_fd, gwin_fd, gwout_fd, fd, ino;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    aus_udpcl_rx rx;
    uint8_t *dg;
    uint64_t ctr;
    unsigned sent;
};

static int resolve(const char *addr, int passive, struct sockaddr_storage *sa, socklen_t *sl)
{
    char host[DMN_NET_ADDR], port[8];
    struct addrinfo hints, *res = NULL;
    if (dmn_net_split(addr, host, sizeof host, port, sizeof port) != 0)
        return -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_family = AF_INET; /* the listening socket is IPv4 (docs/tcpcl.md) */
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return -1;
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

typedef struct dst {
    struct dmn_ucarrier *c;
    const struct sockaddr_storage *sa;
    socklen_t sl;
} dst;

static int emit(void *u, const uint8_t *p, size_t n)
{
    dst *d = u;
    if (sendto(d->c->fd, p, n, 0, (const struct sockaddr *)d->sa, d->sl) != (ssize_t)n)
        return -1;
    if (++d->c->sent % 32 == 0) { /* a burst must not overrun the receiver's buffer */
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Send what waits in one folder (dir 0: outgoing to the daemon peer; 1: gateway answers). */
static void send_dir(struct dmn_ucarrier *c, int dir)
{
    int dirfd = dir ? c->gwout_fd : c->out_fd;
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    struct dirent *e;
    static aus_bpv7_bundle b;
    int did = 0;
    while ((e = readdir(d)) != NULL && !c->stop) {
        if (aus_cl_folder_classify(e->d_name) != AUS_CL_BUNDLE)
            continue;
        struct sockaddr_storage sa = c->peer;
        socklen_t sl = c->peer_len;
        uint64_t node = 0, seq = 0;
        if (dir) {
            const dmn_gw_peer *p = aus_cl_folder_parse(e->d_name, &node, &seq) == AUS_OK
                                       ? dmn_net_peer(&c->net, node)
                                       : NULL;
            if (!p || !p->udp[0] || resolve(p->udp, 0, &sa, &sl) != 0) {
                if (!p || !p->udp[0])
                    continue; /* the TCPCL carrier's, or nobody's: gateway.c names only peers */
                dmn_log("udpcl: cannot resolve %s for %s: kept", p->udp, e->d_name);
                continue;
            }
        }
        size_t len = 0;
        uint8_t *p = dmn_carrier_read(dirfd, e->d_name, c->cfg.max_bundle, &len);
        long k = p && aus_bpv7_decode(&b, p, len, 0) == AUS_OK
                     ? aus_udpcl_emit(&b, p, len, (size_t)c->net.mtu, emit, &(dst){c, &sa, sl})
                     : AUS_E_MALFORMED;
        free(p);
        if (k == AUS_E_IO) {
            dmn_log("udpcl: cannot send %s: %s (kept)", e->d_name, strerror(errno));
            break;
        }
        if (k < 0)
            dmn_log("udpcl: %s cannot be sent (%s): removed", e->d_name, aus_err_str((int)k));
        else {
            c->st.tx_bundles++;
            c->st.udp_frag_sent += k > 1 ? (uint64_t)k : 0;
        }
        (void)unlinkat(dirfd, e->d_name, 0);
        did = 1;
    }
    closedir(d);
    if (did)
        (void)fsync(dirfd);
}

static void receive(struct dmn_ucarrier *c)
{
    for (int k = 0; k < 256; k++) {
        ssize_t n = recv(c->fd, c->dg, AUS_UDPCL_DGRAM_MAX + 1, MSG_DONTWAIT);
        if (n < 0)
            return;
        uint8_t *whole = NULL;
        size_t wl = 0;
        int r = aus_udpcl_rx_datagram(&c->rx, c->dg, (size_t)n, aus_tcpcl_now_ms(), &whole, &wl);
        c->st.udp_junk = c->rx.junk;
        c->st.udp_reasm = c->rx.fragments;
        if (r <= 0)
            continue;
        static aus_bpv7_bundle b;
        int fd = -1;
        if (aus_bpv7_decode(&b, whole, wl, 0) == AUS_OK && b.pri.src.scheme == AUS_EID_SCHEME_IPN) {
            const dmn_gw_peer *gp = dmn_net_peer(&c->net, b.pri.src.node);
            if (c->cfg.link && b.pri.src.node == c->cfg.peer)
                fd = c->in_fd;
            else if (c->cfg.gw_in && gp && gp->services)
                fd = c->gwin_fd;
        }
        int dup = 0;
        if (fd < 0) {
            c->st.rx_refused++;
        } else if (dmn_carrier_store(fd, whole, wl, 0, &c->ctr, &dup) != 0) {
            c->st.rx_refused++;
            dmn_log("udpcl: cannot store a bundle of %zu bytes: %s", wl, strerror(errno));
        } else {
            c->st.rx_bundles++;
            c->st.rx_dup += (uint64_t)dup;
        }
        free(whole);
    }
}

static void *udp_main(void *arg)
{
    struct dmn_ucarrier *c = arg;
    uint64_t last = 0;
    while (!c->stop) {
        struct pollfd pf[2] = {{c->fd, POLLIN, 0}, {c->ino, POLLIN, 0}};
        int r = poll(pf, c->ino >= 0 ? 2 : 1, 200);
        uint64_t now = aus_tcpcl_now_ms();
        if (r > 0 && (pf[0].revents & POLLIN))
            receive(c);
        int wake = r > 0 && c->ino >= 0 && (pf[1].revents & POLLIN);
        if (wake) {
            char ev[4096];
            while (read(c->ino, ev, sizeof ev) > 0)
                ;
        }
        if (wake || now - last >= 500) {
            last = now;
            if (c->cfg.link)
                send_dir(c, 0);
            if (c->cfg.gw_out)
                send_dir(c, 1);
        }
        pthread_mutex_lock(&c->mu);
        c->pub = c->st;
        pthread_mutex_unlock(&c->mu);
    }
    return NULL;
}

static void udp_free(struct dmn_ucarrier *c)
{
    int fds[] = {c->in_fd, c->out_fd, c->gwin_fd, c->gwout_fd, c->fd, c->ino};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    aus_udpcl_rx_free(&c->rx);
    free(c->dg);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int open_dir(const char *path)
{
    (void)mkdir(path, 0700);
    return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int dmn_udpcl_start(dmn_ucarrier **out, const dmn_carrier_cfg *cfg)
{
    struct dmn_ucarrier *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return AUS_EXIT_ENV;
    c->cfg = *cfg;
    c->net = *cfg->net;
    c->cfg.net = &c->net;
    c->in_fd = c->out_fd = c->gwin_fd = c->gwout_fd = c->fd = c->ino = -1;
    pthread_mutex_init(&c->mu, NULL);
    aus_udpcl_rx_init(&c->rx, cfg->max_bundle);
    c->dg = malloc(AUS_UDPCL_DGRAM_MAX + 1);
    struct sockaddr_storage la;
    socklen_t ll = 0;
    int bad = !c->dg;
    if (!bad && cfg->link) {
        c->in_fd = open_dir(cfg->incoming);
        c->out_fd = open_dir(cfg->outgoing);
        bad = c->in_fd < 0 || c->out_fd < 0;
        if (!bad && resolve(c->net.udp_peer, 0, &c->peer, &c->peer_len) != 0) {
            cli_err("udpcl: cannot resolve [udpcl] peer %s", c->net.udp_peer);
            udp_free(c);
            return AUS_EXIT_ENV;
        }
    }
    if (!bad && cfg->gw_in) {
        c->gwin_fd = open_dir(cfg->gw_in);
        c->gwout_fd = open_dir(cfg->gw_out);
        bad = c->gwin_fd < 0 || c->gwout_fd < 0;
    }
    if (!bad && c->net.udp_listen[0] && resolve(c->net.udp_listen, 1, &la, &ll) == 0) {
        c->fd = socket(la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int big = 8 << 20;
        if (c->fd >= 0) {
            (void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
            (void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        }
        if (c->fd >= 0 && bind(c->fd, (struct sockaddr *)&la, ll) != 0) {
            close(c->fd);
            c->fd = -1;
        }
    }
    if (bad || c->fd < 0) {
        cli_err("udpcl: cannot open %s: %s", bad ? "the link's folders" : c->net.udp_listen,
                strerror(errno));
        udp_free(c);
        return AUS_EXIT_ENV;
    }
    c->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (c->ino >= 0) {
        if (cfg->link)
            (void)inotify_add_watch(c->ino, cfg->outgoing, IN_MOVED_TO | IN_CLOSE_WRITE);
        if (cfg->gw_out)
            (void)inotify_add_watch(c->ino, cfg->gw_out, IN_MOVED_TO | IN_CLOSE_WRITE);
    }
    if (pthread_create(&c->th, NULL, udp_main, c) != 0) {
        cli_err("udpcl: cannot start the carrier thread");
        udp_free(c);
        return AUS_EXIT_ENV;
    }
    c->started = 1;
    dmn_log("udpcl: listening on %s%s%s, MTU %llu", c->net.udp_listen, cfg->link ? ", peer " : "",
            cfg->link ? c->net.udp_peer : "", (unsigned long long)c->net.mtu);
    *out = c;
    return AUS_EXIT_OK;
}

void dmn_udpcl_stop(dmn_ucarrier *c)
{
    if (!c)
        return;
    if (c->started) {
        c->stop = 1;
        pthread_join(c->th, NULL);
    }
    udp_free(c);
}

void dmn_udpcl_stats(dmn_ucarrier *c, dmn_carrier_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    *st = c->pub;
    pthread_mutex_unlock(&c->mu);
}
