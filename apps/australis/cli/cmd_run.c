/* SPDX-License-Identifier: Apache-2.0 */
/* australis run --config FILE [--once]: the ground or satellite daemon (docs/daemon.md).
 *
 * Loop: take every incoming file (in name order), re-send unanswered requests (ground), hand
 * queued bundles to the outgoing folder; then wait for the incoming folder to change (inotify,
 * or a 1 s poll when inotify is unavailable) or for a client on the ground's UNIX socket.
 * SIGTERM/SIGINT: the current bundle is finished, the queue drained, and the daemon exits 0.
 * --once: process everything waiting, write all replies, exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "app_api_srv.h"
#include "ops_hooks.h"
#include "../../../port/posix/store_sqlite.h"

static volatile int stop_flag;
static void on_signal(int sig)
{
    stop_flag = sig; /* which one, for the log line (Ctrl-C is SIGINT) */
}

/* Start-up to the first bundle handled (docs/flight.md: the flight build's goal): the monotonic
 * clock when `run` began, and whether the line was written. The line also carries the wall
 * clock in microseconds, so a test can measure from before its exec (the process's own start
 * time in /proc is in 10 ms ticks). */
static uint64_t run_t0_us;
static int first_logged;
static uint64_t mono_us(void);

static void log_first_bundle(const dmn_node *n)
{
    if (first_logged || n->processed == 0)
        return;
    first_logged = 1;
    struct timespec now, c; /* clock_gettime: in the sandbox's allow-list, getrusage is not */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t cpu = (uint64_t)c.tv_sec * 1000000u + (uint64_t)c.tv_nsec / 1000u;
    uint64_t wall = mono_us() - run_t0_us;
    /* the time this thread sat runnable while others had the CPU (schedstat: run time, run
     * delay, slices, in ns): wall = CPU + that + blocked (the store's and the folders' syncs) */
    char rq[64] = "";
    unsigned long long st[2];
    FILE *f = fopen("/proc/self/schedstat", "re");
    if (f && fscanf(f, "%llu %llu", &st[0], &st[1]) == 2)
        snprintf(rq, sizeof rq, ", waiting for a CPU %llu.%llu ms", st[1] / 1000000u,
                 st[1] % 1000000u / 100000u);
    if (f)
        fclose(f);
    dmn_log("start-up: first bundle handled %llu.%llu ms after start (CPU %llu.%llu ms%s; at "
            "%lld.%06ld)",
            (unsigned long long)(wall / 1000u), (unsigned long long)(wall % 1000u / 100u),
            (unsigned long long)(cpu / 1000u), (unsigned long long)(cpu % 1000u / 100u), rq,
            (long long)now.tv_sec, now.tv_nsec / 1000);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: australis run --config FILE [--once] [--log-level L] [--log-format F]\n\n"
               "Run the ground or satellite daemon described by FILE (see examples/*.ini and\n"
               "docs/daemon.md).\n"
               "  --once   process everything waiting, write all replies, exit\n"
               "  --log-level error|warning|notice|info|debug   (default info)\n"
               "  --log-format text|json|syslog   (default text; syslog under systemd)\n"
               "           docs/logging.md\n"
               "exit codes: 0 ok (also after SIGTERM), 2 usage or bad config, 3 I/O error\n");
}

static int listen_socket(const char *path)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path)
        return -1;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    /* DESIGN.md §5a: remove only a stale socket of ours. Something else at the path (a file, a
     * link, a live listener: in a shared directory, another user's) is refused, never removed:
     * our clients would otherwise talk to it. We own the store, so no second daemon of this
     * tenant can be listening there. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
        if (probe >= 0)
            close(probe);
        if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid() || live) {
            errno = EADDRINUSE;
            return -1;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask(077); /* owner-only socket */
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 16) == 0;
    umask(old);
    if (!ok) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    chmod(path, 0600);
    return fd;
}

/* One client connection: its request line (2 s to send it) in buf. Returns the socket, or -1. */
static int take_client(int lfd, char *buf, size_t cap)
{
    int c = accept(lfd, NULL, NULL);
    if (c < 0)
        return -1;
    struct timeval tv = {2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t at = 0;
    while (at < cap - 1) {
        ssize_t r = read(c, buf + at, cap - 1 - at);
        if (r <= 0)
            break;
        at += (size_t)r;
        if (memchr(buf, '\n', at))
            break;
    }
    buf[at] = '\0';
    return c;
}

static void answer_client(int c, char *reply)
{
    if (reply) {
        size_t len = strlen(reply);
        if (write(c, reply, len) != (ssize_t)len || write(c, "\n", 1) != 1)
            dmn_log("client went away");
        free(reply);
    }
    close(c);
}

static void serve_client(dmn_node *n, int lfd)
{
    static char buf[16384];
    int c = take_client(lfd, buf, sizeof buf);
    if (c >= 0)
        answer_client(c, dmn_client_exec(n, buf));
}

/* Group commit of client requests ([folders] batch = on, link = folder): every client already
 * waiting is served in turn, each request in its own store transaction as before, but those
 * commits do not sync the store's log (store_sqlite.h, deferred); one sync then makes the whole
 * group durable, and only then are the answers written. So no client learns of a request that
 * a power cut could still undo, and no bundle of the group leaves before it is durable: the
 * queue is written by the cycle after this returns. The store's log is written in commit order,
 * so a power cut before the sync rolls back a suffix of the group (never a counter reservation
 * without the bundles that used it, nor the reverse), and no one was told of those requests.
 * A process crash (kill -9) loses nothing committed: the commits are in the operating system's
 * cache. With the other links a request can leave at once (an endpoint, a carrier), so they keep
 * one synchronous commit per request. */
#define DMN_GROUP_MAX 64
static int store_broken; /* a group's sync failed: stop, and send nothing more */

static int group_commit_ok(const dmn_node *n)
{
    return n->cfg.batch_on && !strcmp(n->cfg.link, "folder");
}

static int serve_group(dmn_node *n, int lfd)
{
    static char buf[16384];
    int cs[DMN_GROUP_MAX];
    char *rs[DMN_GROUP_MAX];
    int k = 0;
    int deferred = aus_store_sqlite_defer_sync(&n->store, 1) == AUS_OK;
    dmn_ops_group(n, 1); /* the archive's records of the group: one commit (ops_hooks.h) */
    do {
        int c = take_client(lfd, buf, sizeof buf);
        if (c < 0)
            break;
        cs[k] = c;
        rs[k++] = dmn_client_exec(n, buf);
    } while (k < DMN_GROUP_MAX && poll(&(struct pollfd){lfd, POLLIN, 0}, 1, 0) > 0);
    aus_err e = deferred ? aus_store_sqlite_sync(&n->store) : AUS_OK;
    dmn_ops_group(n, 0);
    if (deferred && aus_store_sqlite_defer_sync(&n->store, 0) != AUS_OK)
        dmn_log("store: cannot return to synchronous commits");
    if (e != AUS_OK) {
        /* The group's IV and sequence reservations may not be durable: none of its bundles may
         * leave (a power cut could hand the same IV out again, DESIGN.md §5). The daemon stops
         * before the queue is written; at the next start the requests stand or not, whole. */
        dmn_log("store: cannot sync the log (%s): %d client(s) told their requests may not "
                "stand; stopping without sending",
                aus_err_name(e), k);
        store_broken = 1;
    }
    for (int i = 0; i < k; i++) {
        if (e != AUS_OK) {
            free(rs[i]);
            rs[i] = strdup("{\"error\":\"the store could not be synced: the request may not "
                           "stand after a power cut; check with status\"}");
        }
        answer_client(cs[i], rs[i]);
    }
    return k;
}

/* A burst: a client that was already waiting when the loop came back to poll (it connected
 * while we were busy). After serving one (or a group) that queued a bundle, the next client is
 * awaited for up to DMN_BURST_WAIT_MS before the cycle writes the queue, so the burst's bundles
 * leave in one batch (one sync of their files, one folder fsync, one store commit) instead of
 * one each; at most DMN_BURST_MAX requests or DMN_BURST_SPAN_US. A client that finds the daemon
 * idle is never delayed. */
#define DMN_BURST_WAIT_MS 2
#define DMN_BURST_MAX 64
#define DMN_BURST_SPAN_US 50000u

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void serve_clients(dmn_node *n, int lfd, int was_waiting)
{
    uint64_t start = mono_us();
    int group = group_commit_ok(n);
    for (int k = 0; k < DMN_BURST_MAX;) {
        uint64_t sent = n->agent.st.sent;
        if (group)
            k += serve_group(n, lfd);
        else {
            serve_client(n, lfd);
            k++;
        }
        struct pollfd p = {lfd, POLLIN, 0};
        if (!n->cfg.batch_on || !was_waiting || n->agent.st.sent == sent ||
            mono_us() - start > DMN_BURST_SPAN_US || poll(&p, 1, DMN_BURST_WAIT_MS) <= 0)
            return;
    }
}

static void cycle(dmn_node *n, uint64_t resend_cutoff)
{
    int64_t ops_t0 = ops_now_ms();
    dmn_ops_on_pass(n, dmn_process_incoming(n), ops_t0);
    dmn_ops_tick(n);
    /* The re-send scan reads every pending request: in watch mode it runs at most every
     * min(retry_s / 4, 250 ms), not on every client call (a burst of answers polled by a
     * client would otherwise rescan the whole pending list per call); a re-send is late by
     * at most that much. */
    static uint64_t last_scan;
    uint64_t t = dmn_now_ms(), every = n->cfg.retry_s * 250u < 250u ? n->cfg.retry_s * 250u : 250u;
    int scan = n->once || t - last_scan >= every;
    if (scan)
        last_scan = t;
    dmn_tick(n, resend_cutoff, scan); /* rekey deadlines; the role's re-sends and FORGET */
    if (dmn_drain_outgoing(n) < 0)
        dmn_log("outgoing folder: will retry");
    log_first_bundle(n); /* its answer, if any, is in the outgoing folder now */
}

static int run_loop(dmn_node *n)
{
    if (n->once) {
        /* a few rounds: replies to files that arrived while we worked are written too */
        /* the ground's start op kept the previous run's start: a request sent before it had a
         * whole run for its answer */
        uint64_t cutoff = n->prev_run_ms;
        for (int round = 0; round < 4 && !stop_flag; round++) {
            cycle(n, cutoff);
            cutoff = 0;
            if (aus_fl_count(n->cfg.incoming) <= 0)
                break;
        }
        return 0;
    }
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino >= 0 && inotify_add_watch(ino, n->cfg.incoming, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        close(ino);
        ino = -1;
    }
    if (ino < 0)
        dmn_log("inotify unavailable: polling every second");
    int lfd = -1;
    if (dmn_serves_clients(n) && n->cfg.socket[0]) {
        lfd = listen_socket(n->cfg.socket);
        if (lfd < 0) {
            cli_err("cannot listen on %s: %s (something other than our own stale socket is "
                    "there; it is left alone)",
                    n->cfg.socket, strerror(errno));
            if (ino >= 0)
                close(ino);
            return AUS_EXIT_ENV;
        }
        dmn_log("client socket %s (owner only)", n->cfg.socket);
    }
    int afd = dmn_app_open(n); /* the tenant programs' socket (app_api_srv.c) */
    if (afd == -2)
        return AUS_EXIT_ENV;
    while (!stop_flag && !store_broken) {
        cycle(n, dmn_now_ms() - n->cfg.retry_s * 1000u);
        struct pollfd p[3] = {{ino, POLLIN, 0}, {lfd, POLLIN, 0}, {afd, POLLIN, 0}};
        uint64_t t_poll = mono_us();
        int r = poll(p, 3, 1000);
        if (r > 0 && afd >= 0 && (p[2].revents & POLLIN))
            dmn_app_service(n);
        int was_waiting = mono_us() - t_poll < 200; /* a client connected while we worked */
        if (r > 0 && ino >= 0 && (p[0].revents & POLLIN)) {
            char ev[4096];
            while (read(ino, ev, sizeof ev) > 0)
                ;
        }
        if (r > 0 && lfd >= 0 && (p[1].revents & POLLIN))
            serve_clients(n, lfd, was_waiting);
    }
    if (!store_broken) { /* else nothing more leaves: see serve_group */
        dmn_log("%s: finishing the current bundle and stopping",
                stop_flag == SIGINT ? "SIGINT" : "SIGTERM");
        dmn_drain_outgoing(n);
    }
    if (ino >= 0)
        close(ino);
    if (lfd >= 0) {
        close(lfd);
        unlink(n->cfg.socket);
    }
    return store_broken ? AUS_EXIT_ENV : 0;
}

int cmd_run(int argc, char **argv)
{
    run_t0_us = mono_us();
    const char *config = NULL, *pos[1];
    int once = 0, npos = 0;
    const cli_opt tab[] = {{"--config", NULL, CLI_OPT_STR, &config, 0, 0, NULL},
                           {"--once", NULL, CLI_OPT_FLAG, &once, 0, 0, NULL}};
    int p = cli_opts_parse("run", argc, argv, 1, tab, sizeof tab / sizeof tab[0], pos, &npos, 0);
    if (p > 0)
        usage(stdout);
    if (p != 0) /* opts.h: one sentence printed */
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    if (!config) {
        cli_err("run: missing option --config FILE (see australis run --help)");
        return AUS_EXIT_USAGE;
    }
    static dmn_config cfg;
    if (dmn_config_load(&cfg, config) != 0)
        return AUS_EXIT_USAGE;
    static dmn_node n;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = dmn_sandbox_launcher_start(&cfg); /* before any key is loaded (sandbox.h) */
    if (rc == 0)
        rc = dmn_open(&n, &cfg, 1);
    if (rc == 0) {
        n.once = once;
        n.stop = &stop_flag;
        dmn_banner(&n);
        char ops_why[512]; /* archive, HTTP API and dashboard (ops_hooks.c) */
        if (dmn_ops_start(&n, !once, ops_why, sizeof ops_why) != 0) {
            cli_err("%s", ops_why);
            rc = AUS_EXIT_ENV;
        } else
            (void)dmn_ground_rearchive(&n); /* reports the archive lost in a crash */
        if (rc == 0)
            rc = dmn_start(&n);
        if (rc == 0)
            rc = dmn_sandbox_apply(&n); /* user, nnp, no dumps, Landlock, seccomp */
    }
    if (rc == 0)
        rc = run_loop(&n);
    if (rc == 0)
        dmn_log("stopped: %llu bundles processed, %llu quarantined, %llu files written",
                (unsigned long long)n.processed, (unsigned long long)n.quarantined,
                (unsigned long long)n.files_out);
    dmn_ops_stop(&n);
    dmn_app_close(&n);
    dmn_close(&n);
    return rc;
}
