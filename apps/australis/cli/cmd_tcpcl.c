/* SPDX-License-Identifier: Apache-2.0 */
/* australis tcpcl send|listen: TCPCLv4 (RFC 9174) tools that talk to any peer.
 *
 *   australis tcpcl listen --port N -o DIR     one file per bundle received, the exact bytes,
 *                                              written atomically (O_EXCL|O_NOFOLLOW + fsync +
 *                                              link), before the final XFER_ACK goes out
 *   australis tcpcl send --to HOST:PORT FILE... exit 0 only when every bundle got its final
 *                                              XFER_ACK (a refusal or a lost session is not)
 * The session logic is src/cl/tcpcl.c; sockets and TLS are port/posix/tcpcl_posix.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../../../port/posix/posix_io.h"
#include "../../../port/posix/tcpcl_posix.h"

typedef struct tcl_opts {
    const char *to, *port, *host, *out, *node_id;
    aus_tcpcl_tls_opts tls;
    int use_tls, quiet, progress;
    uint64_t keepalive, seg_mru, xfer_mru, seg_max, count, timeout_s, retries, sessions;
    const char **files;
    int nfiles;
} tcl_opts;

static volatile sig_atomic_t stop_flag;
static void on_sig(int s)
{
    (void)s;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: australis tcpcl listen --port N -o DIR [--host ADDR] [--count N] [--timeout S]\n"
           "                              [--max-sessions N] [TLS] [SESSION]\n"
           "       australis tcpcl send --to HOST:PORT [--retries N] [--timeout S] [--progress]\n"
           "                            [TLS] [SESSION] FILE...\n\n"
           "TCPCLv4 (RFC 9174) with any peer. listen writes one file per bundle received (the\n"
           "exact bytes, atomically) before its final XFER_ACK; send exits 0 only when every\n"
           "bundle was acknowledged by its final XFER_ACK.\n"
           "  --count N        listen: stop after N bundles\n"
           "  --timeout S      listen: stop after S seconds (0: never, default); send: give up\n"
           "                   after S seconds (default 60)\n"
           "  --retries N      send: reconnect up to N times with back-off (default 5)\n"
           "  --progress       send: report progress on stderr every second\n"
           "  --quiet          no per-bundle lines\n"
           "TLS (TLS 1.3 when both sides offer it; with --tls-ca the peer's certificate must\n"
           "chain to it and carry the node ID it announces as a URI subjectAltName):\n"
           "  --tls-cert F --tls-key F --tls-ca F   PEM files; giving any of them requires TLS\n"
           "SESSION:\n"
           "  --node-id URI    our node ID (default dtn://australis-tcpcl/)\n"
           "  --keepalive S    keepalive interval (default 30, 0 = none)\n"
           "  --seg-mru N      largest segment we take (default 1 MiB)\n"
           "  --xfer-mru N     largest bundle we take (default 16 MiB)\n"
           "  --seg-max N      largest segment we send (default: the peer's Segment MRU)\n"
           "exit codes: 0 ok, 1 a bundle was refused or not acknowledged / TLS or peer check\n"
           "failed, 2 usage, 3 I/O (cannot listen, connect, read or write files)\n");
}

static int parse(int argc, char **argv, tcl_opts *o)
{
    memset(o, 0, sizeof *o);
    o->node_id = "dtn://australis-tcpcl/";
    o->host = NULL;
    o->keepalive = 30;
    o->seg_mru = 1u << 20;
    o->xfer_mru = 16u << 20;
    o->timeout_s = (uint64_t)-1;
    o->retries = 5;
    o->sessions = 16;
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files)
        return -1;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "tcpcl %s", argc > 1 ? argv[1] : "");
    const cli_opt tab[] = {
        {"--to", NULL, CLI_OPT_STR, &o->to, 0, 0, NULL},
        {"--port", NULL, CLI_OPT_STR, &o->port, 0, 0, NULL},
        {"--host", NULL, CLI_OPT_STR, &o->host, 0, 0, NULL},
        {"-o", "--out", CLI_OPT_STR, &o->out, 0, 0, NULL},
        {"--node-id", NULL, CLI_OPT_STR, &o->node_id, 0, 0, NULL},
        {"--tls-cert", NULL, CLI_OPT_STR, &o->tls.cert, 0, 0, NULL},
        {"--tls-key", NULL, CLI_OPT_STR, &o->tls.key, 0, 0, NULL},
        {"--tls-ca", NULL, CLI_OPT_STR, &o->tls.ca, 0, 0, NULL},
        {"--keepalive", NULL, CLI_OPT_U64, &o->keepalive, 0, 65535, "a number of seconds"},
        {"--seg-mru", NULL, CLI_OPT_U64, &o->seg_mru, 0, 1ull << 30, "a size in bytes"},
        {"--xfer-mru", NULL, CLI_OPT_U64, &o->xfer_mru, 0, 1ull << 31, "a size in bytes"},
        {"--seg-max", NULL, CLI_OPT_U64, &o->seg_max, 0, 1ull << 30, "a size in bytes"},
        {"--count", NULL, CLI_OPT_U64, &o->count, 0, UINT32_MAX, "a number of bundles"},
        {"--timeout", NULL, CLI_OPT_U64, &o->timeout_s, 0, UINT32_MAX, "a number of seconds"},
        {"--retries", NULL, CLI_OPT_U64, &o->retries, 0, 1000, "a count"},
        {"--max-sessions", NULL, CLI_OPT_U64, &o->sessions, 0, 1024, "a count"},
        {"--quiet", NULL, CLI_OPT_FLAG, &o->quiet, 0, 0, NULL},
        {"--progress", NULL, CLI_OPT_FLAG, &o->progress, 0, 0, NULL},
    };
    int r = cli_opts_parse(cmd, argc, argv, 2, tab, sizeof tab / sizeof tab[0], o->files,
                           &o->nfiles, argc);
    if (r != 0)
        return r;
    o->use_tls = o->tls.cert || o->tls.key || o->tls.ca;
    if (o->xfer_mru == 0 || o->seg_mru == 0) {
        cli_err("tcpcl: MRUs must be positive");
        return -1;
    }
    if (strlen(o->node_id) == 0 || strlen(o->node_id) > AUS_TCPCL_NODEID_MAX) {
        cli_err("tcpcl: --node-id must be 1..%d characters", AUS_TCPCL_NODEID_MAX);
        return -1;
    }
    return 0;
}

static aus_tcpcl_cfg cfg_from(const tcl_opts *o, int active)
{
    aus_tcpcl_cfg c;
    memset(&c, 0, sizeof c);
    c.active = (uint8_t)active;
    c.can_tls = (uint8_t)o->use_tls;
    c.require_tls = (uint8_t)o->use_tls;
    c.keepalive_s = (uint16_t)o->keepalive;
    c.seg_mru = o->seg_mru;
    c.xfer_mru = o->xfer_mru;
    c.seg_max = o->seg_max;
    c.node_id = o->node_id;
    c.setup_ms = 10000;
    return c;
}

static int tls_ctx(const tcl_opts *o, int server, struct ssl_ctx_st **ctx)
{
    char why[300];
    *ctx = NULL;
    if (!o->use_tls)
        return 0;
    if (server && (!o->tls.cert || !o->tls.key)) {
        cli_err("tcpcl listen: TLS needs --tls-cert and --tls-key");
        return AUS_EXIT_USAGE;
    }
    if (aus_tcpcl_tls_ctx(ctx, &o->tls, server, why, sizeof why) != AUS_OK) {
        cli_err("tcpcl: %s", why);
        return AUS_EXIT_ENV;
    }
    return 0;
}

/* ------------------------------------------------------------------ send */

typedef struct sbundle {
    uint8_t *data;
    size_t len;
    int state; /* 0 waiting, 1 queued in the session, 2 acked, 3 refused */
    uint8_t reason;
    const char *name;
} sbundle;

typedef struct sender {
    sbundle *b;
    int n, acked, refused;
    const tcl_opts *o;
} sender;

static void send_on_sent(void *ud, void *tag, aus_tcpcl_outcome oc, uint8_t reason)
{
    sender *s = ud;
    sbundle *b = tag;
    (void)s;
    if (oc == AUS_TCPCL_ACKED) {
        b->state = 2;
        s->acked++;
        if (!s->o->quiet)
            fprintf(stderr, "tcpcl: %s acknowledged (%zu bytes)\n", b->name, b->len);
    } else if (oc == AUS_TCPCL_REFUSED) {
        b->state = 3;
        b->reason = reason;
        s->refused++;
        cli_err("tcpcl: %s refused by the peer: %s", b->name, aus_tcpcl_refuse_name(reason));
    } else {
        b->state = 0; /* try again in the next session */
    }
}

static int run_session(sender *sd, const tcl_opts *o, const char *host, const char *port,
                       struct ssl_ctx_st *ctx, uint64_t deadline, int *connected)
{
    static aus_tcpcl_conn c;
    aus_tcpcl_cfg cfg = cfg_from(o, 1);
    aus_tcpcl_ops ops = {NULL, send_on_sent, NULL};
    uint64_t now = aus_tcpcl_now_ms(), last_prog = now;
    int terminated = 0;
    if (aus_tcpcl_conn_connect(&c, host, port, &cfg, &ops, sd, ctx, o->tls.ca != NULL, now) !=
        AUS_OK) {
        cli_err("tcpcl: %s", aus_tcpcl_conn_why(&c));
        aus_tcpcl_conn_free(&c);
        return -1;
    }
    while (!c.done) {
        now = aus_tcpcl_now_ms();
        if (aus_tcpcl_state_of(&c.sess) == AUS_TCPCL_S_EST) {
            for (int i = 0; i < sd->n; i++) {
                if (sd->b[i].state != 0)
                    continue;
                aus_err e = aus_tcpcl_xfer_push(&c.sess, sd->b[i].data, sd->b[i].len, &sd->b[i]);
                if (e == AUS_E_FULL)
                    break;
                if (e == AUS_E_LIMIT) {
                    cli_err("tcpcl: %s is larger than the peer's Transfer MRU (%llu)",
                            sd->b[i].name, (unsigned long long)c.sess.peer_xfer_mru);
                    sd->b[i].state = 3;
                    sd->refused++;
                    continue;
                }
                if (e == AUS_OK)
                    sd->b[i].state = 1;
            }
            if (!terminated && sd->acked + sd->refused == sd->n) {
                aus_tcpcl_terminate(&c.sess, AUS_TCPCL_TERM_UNKNOWN, now);
                terminated = 1;
            }
        }
        if (now >= deadline || stop_flag) {
            cli_err("tcpcl: gave up (%s)", stop_flag ? "interrupted" : "timeout");
            break;
        }
        if (o->progress && now - last_prog >= 1000) {
            last_prog = now;
            fprintf(stderr, "tcpcl: %d of %d bundles acknowledged, %.1f MB sent\n", sd->acked,
                    sd->n, (double)c.sess.st.tx_bytes / 1e6);
        }
        int tmo;
        struct pollfd p = {c.fd, aus_tcpcl_conn_events(&c, now, &tmo), 0};
        if (tmo < 0 || tmo > 200)
            tmo = 200;
        if (poll(&p, 1, tmo) < 0 && errno != EINTR)
            break;
        aus_tcpcl_conn_step(&c, p.revents, aus_tcpcl_now_ms());
    }
    if (c.sess.contact_ok)
        *connected = 1; /* a TCPCL peer answered: failures are exit 1, not 3 */
    if (c.done && sd->acked + sd->refused < sd->n)
        cli_err("tcpcl: session ended: %s", aus_tcpcl_conn_why(&c));
    else if (c.done && c.sess.close_why != AUS_TCPCL_WHY_TERM && c.why[0])
        cli_err("tcpcl: %s", c.why);
    /* what the session still held goes back to waiting */
    for (int i = 0; i < sd->n; i++)
        if (sd->b[i].state == 1)
            sd->b[i].state = 0;
    aus_tcpcl_conn_free(&c);
    return 0;
}

static int split_hostport(const char *to, char *host, size_t cap, const char **port)
{
    const char *colon = strrchr(to, ':');
    if (!colon || colon == to || !colon[1] || (size_t)(colon - to) >= cap)
        return -1;
    size_t hl = (size_t)(colon - to);
    if (to[0] == '[' && hl >= 2 && to[hl - 1] == ']') { /* [v6]:port */
        memcpy(host, to + 1, hl - 2);
        host[hl - 2] = 0;
    } else {
        memcpy(host, to, hl);
        host[hl] = 0;
    }
    *port = colon + 1;
    return 0;
}

static int cmd_send(tcl_opts *o)
{
    char host[256];
    const char *port;
    if (!o->to || o->nfiles == 0 || split_hostport(o->to, host, sizeof host, &port) != 0) {
        usage(stderr);
        return AUS_EXIT_USAGE;
    }
    sender sd;
    memset(&sd, 0, sizeof sd);
    sd.o = o;
    sd.n = o->nfiles;
    sd.b = calloc((size_t)sd.n, sizeof *sd.b);
    if (!sd.b)
        return AUS_EXIT_ENV;
    int rc = AUS_EXIT_OK;
    for (int i = 0; i < sd.n && rc == AUS_EXIT_OK; i++) {
        sd.b[i].name = o->files[i];
        sd.b[i].data = cli_read_file(o->files[i], &sd.b[i].len);
        if (!sd.b[i].data) {
            cli_err("tcpcl: cannot read %s: %s", o->files[i], strerror(errno));
            rc = AUS_EXIT_ENV;
        } else if (sd.b[i].len == 0) {
            cli_err("tcpcl: %s is empty", o->files[i]);
            rc = AUS_EXIT_FAIL;
        }
    }
    struct ssl_ctx_st *ctx = NULL;
    if (rc == AUS_EXIT_OK)
        rc = tls_ctx(o, 0, &ctx);
    if (rc) {
        for (int i = 0; i < sd.n; i++)
            free(sd.b[i].data);
        free(sd.b);
        return rc;
    }
    uint64_t tmo = o->timeout_s == (uint64_t)-1 ? 60 : o->timeout_s;
    uint64_t deadline = aus_tcpcl_now_ms() + tmo * 1000u;
    int connected = 0;
    uint64_t backoff = 100;
    for (uint64_t attempt = 0; attempt <= o->retries && !stop_flag; attempt++) {
        if (attempt) {
            struct timespec ts = {(time_t)(backoff / 1000), (long)(backoff % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
        }
        (void)run_session(&sd, o, host, port, ctx, deadline, &connected);
        if (sd.acked + sd.refused == sd.n || aus_tcpcl_now_ms() >= deadline)
            break;
    }
    aus_tcpcl_tls_ctx_free(ctx);
    for (int i = 0; i < sd.n; i++)
        free(sd.b[i].data);
    free(sd.b);
    if (sd.acked == sd.n) {
        if (!o->quiet)
            printf("%d bundles acknowledged\n", sd.n);
        return AUS_EXIT_OK;
    }
    cli_err("tcpcl: %d of %d bundles acknowledged", sd.acked, sd.n);
    return connected ? AUS_EXIT_FAIL : AUS_EXIT_ENV;
}

/* ------------------------------------------------------------------ listen */

typedef struct listener {
    int dirfd;
    uint64_t seq, received, failed;
    const tcl_opts *o;
} listener;

/* §5a: O_EXCL|O_NOFOLLOW temporary, fsync, link to a name that never replaces a file */
static aus_err store_bundle(listener *l, const uint8_t *p, size_t n, char *name, size_t cap)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".tcpcl-%ld.tmp", (long)getpid());
    (void)unlinkat(l->dirfd, tmp, 0);
    int fd = openat(l->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return AUS_E_IO;
    aus_err e = aus_posix_write_all(fd, p, n);
    close(fd);
    if (e != AUS_OK) {
        (void)unlinkat(l->dirfd, tmp, 0);
        return e;
    }
    for (int tries = 0; tries < 1000000; tries++) {
        snprintf(name, cap, "bundle-%08llu.cbor", (unsigned long long)++l->seq);
        if (linkat(l->dirfd, tmp, l->dirfd, name, 0) == 0) {
            (void)unlinkat(l->dirfd, tmp, 0);
            (void)fsync(l->dirfd);
            return AUS_OK;
        }
        if (errno != EEXIST)
            break;
    }
    (void)unlinkat(l->dirfd, tmp, 0);
    return AUS_E_IO;
}

static aus_err listen_on_bundle(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    listener *l = ud;
    char name[64];
    (void)id;
    aus_err e = store_bundle(l, p, n, name, sizeof name);
    if (e != AUS_OK) {
        l->failed++;
        cli_err("tcpcl: cannot store a bundle of %zu bytes: %s", n, strerror(errno));
        return e;
    }
    l->received++;
    if (!l->o->quiet)
        printf("received %s (%zu bytes)\n", name, n);
    fflush(stdout);
    return AUS_OK;
}

static int cmd_listen(tcl_opts *o)
{
    if (!o->port || !o->out) {
        usage(stderr);
        return AUS_EXIT_USAGE;
    }
    listener l;
    memset(&l, 0, sizeof l);
    l.o = o;
    l.dirfd = open(o->out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (l.dirfd < 0) {
        cli_err("tcpcl: cannot open directory %s: %s", o->out, strerror(errno));
        return AUS_EXIT_ENV;
    }
    struct ssl_ctx_st *ctx;
    int rc = tls_ctx(o, 1, &ctx);
    if (rc)
        return rc;
    int lfd;
    if (aus_tcpcl_listen(o->host, o->port, &lfd) != AUS_OK) {
        cli_err("tcpcl: cannot listen on port %s: %s", o->port, strerror(errno));
        return AUS_EXIT_ENV;
    }
    size_t maxs = (size_t)o->sessions;
    aus_tcpcl_conn *cs = calloc(maxs, sizeof *cs);
    struct pollfd *pf = calloc(maxs + 1, sizeof *pf);
    size_t *map = calloc(maxs + 1, sizeof *map);
    if (!cs || !pf || !map)
        return AUS_EXIT_ENV;
    for (size_t i = 0; i < maxs; i++)
        cs[i].fd = -1;
    aus_tcpcl_cfg cfg = cfg_from(o, 0);
    aus_tcpcl_ops ops = {listen_on_bundle, NULL, NULL};
    uint64_t start = aus_tcpcl_now_ms(), stop_at = UINT64_MAX;
    uint64_t refused_conns = 0;
    if (o->timeout_s != (uint64_t)-1 && o->timeout_s)
        stop_at = start + o->timeout_s * 1000u;
    /* always: scripts wait for this line */
    fprintf(stderr, "tcpcl: listening on port %s%s\n", o->port, o->use_tls ? " (TLS)" : "");
    int ending = 0;
    uint64_t end_deadline = 0;
    for (;;) {
        uint64_t now = aus_tcpcl_now_ms();
        if (!ending && (stop_flag || now >= stop_at || (o->count && l.received >= o->count))) {
            ending = 1;
            end_deadline = now + 3000; /* final ACKs and SESS_TERM go out, bounded */
            for (size_t i = 0; i < maxs; i++)
                if (cs[i].fd >= 0)
                    aus_tcpcl_terminate(&cs[i].sess, AUS_TCPCL_TERM_UNKNOWN, now);
        }
        size_t np = 0, live = 0;
        int tmo = 500;
        if (!ending) {
            pf[np].fd = lfd;
            pf[np].events = POLLIN;
            map[np++] = SIZE_MAX;
        }
        for (size_t i = 0; i < maxs; i++) {
            if (cs[i].fd < 0)
                continue;
            int t;
            live++;
            pf[np].fd = cs[i].fd;
            pf[np].events = aus_tcpcl_conn_events(&cs[i], now, &t);
            pf[np].revents = 0;
            if (t >= 0 && t < tmo)
                tmo = t;
            map[np++] = i;
        }
        if (ending && (live == 0 || now >= end_deadline))
            break;
        if (poll(pf, np, tmo) < 0 && errno != EINTR)
            break;
        now = aus_tcpcl_now_ms();
        for (size_t k = 0; k < np; k++) {
            if (map[k] == SIZE_MAX) {
                if (!(pf[k].revents & POLLIN))
                    continue;
                for (int acc = 0; acc < 64; acc++) {
                    int fd = accept(lfd, NULL, NULL);
                    if (fd < 0)
                        break;
                    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
                    size_t slot = SIZE_MAX;
                    for (size_t i = 0; i < maxs && slot == SIZE_MAX; i++)
                        if (cs[i].fd < 0)
                            slot = i;
                    if (slot == SIZE_MAX) { /* bounded: every slot busy */
                        refused_conns++;
                        close(fd);
                        continue;
                    }
                    if (aus_tcpcl_conn_accept(&cs[slot], fd, &cfg, &ops, &l, ctx, o->tls.ca != NULL,
                                              now) != AUS_OK) {
                        aus_tcpcl_conn_free(&cs[slot]);
                        cs[slot].fd = -1;
                    }
                }
                continue;
            }
            aus_tcpcl_conn *c = &cs[map[k]];
            aus_tcpcl_conn_step(c, pf[k].revents, now);
            if (c->done) {
                if (!o->quiet || c->sess.close_why != AUS_TCPCL_WHY_TERM)
                    fprintf(stderr, "tcpcl: session ended: %s\n", aus_tcpcl_conn_why(c));
                aus_tcpcl_conn_free(c);
                c->fd = -1;
            }
        }
    }
    for (size_t i = 0; i < maxs; i++)
        if (cs[i].fd >= 0)
            aus_tcpcl_conn_free(&cs[i]);
    close(lfd);
    close(l.dirfd);
    aus_tcpcl_tls_ctx_free(ctx);
    free(cs);
    free(pf);
    free(map);
    if (!o->quiet)
        fprintf(stderr, "tcpcl: %llu bundles received, %llu not stored, %llu connections refused\n",
                (unsigned long long)l.received, (unsigned long long)l.failed,
                (unsigned long long)refused_conns);
    return l.failed ? AUS_EXIT_ENV : AUS_EXIT_OK;
}

int cmd_tcpcl(int argc, char **argv)
{
    tcl_opts o;
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AUS_EXIT_USAGE : AUS_EXIT_OK;
    }
    int p = parse(argc, argv, &o);
    if (p > 0)
        usage(stdout);
    if (p != 0) { /* opts.h: one sentence printed */
        free(o.files);
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc;
    if (!strcmp(argv[1], "send"))
        rc = cmd_send(&o);
    else if (!strcmp(argv[1], "listen"))
        rc = cmd_listen(&o);
    else {
        cli_err("tcpcl: unknown subcommand '%s' (send, listen)", argv[1]);
        rc = AUS_EXIT_USAGE;
    }
    free(o.files);
    return rc;
}
