/* SPDX-License-Identifier: Apache-2.0 */
/* australis udpcl send|listen: bundles over UDP, one bundle per datagram (the convention ION,
 * HDTN and BPLib follow; there is no UDPCL RFC). A bundle larger than --mtu goes as BPv7
 * fragments (RFC 9171 §5.8), each in its own datagram; the listener reassembles them (§5.9).
 * Datagrams that are not bundles are counted and dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "australis/bpv7.h"
#include "cli.h"
#include "../../../port/posix/posix_io.h"
#include "../../../port/posix/tcpcl_posix.h" /* aus_tcpcl_now_ms */

#define DGRAM_MAX 65507u /* largest UDP payload over IPv4 */
#define REASM_SLOTS 8

static volatile sig_atomic_t stop_flag;
static void on_sig(int s)
{
    (void)s;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: australis udpcl send --to HOST:PORT [--mtu N] FILE...\n"
               "       australis udpcl listen --port N -o DIR [--host ADDR] [--count N]\n"
               "                              [--timeout S] [--max-bundle N]\n\n"
               "One bundle per UDP datagram. send: a bundle larger than --mtu (default 1400,\n"
               "at most 65507) is sent as BPv7 fragments that each fit. listen: one file per\n"
               "bundle (fragments reassembled first), written atomically; datagrams that are not\n"
               "bundles are counted and dropped.\n"
               "  --count N       listen: stop after N bundles\n"
               "  --timeout S     listen: stop after S seconds (0: never)\n"
               "  --max-bundle N  listen: largest reassembled payload kept (default 16 MiB)\n"
               "  --quiet         no per-bundle lines\n"
               "exit codes: 0 ok, 1 a file is not a bundle or cannot be fragmented, 2 usage,\n"
               "3 I/O\n");
}

typedef struct ucl_opts {
    const char *to, *port, *host, *out;
    uint64_t mtu, count, timeout_s, max_bundle;
    int quiet;
    const char **files;
    int nfiles;
} ucl_opts;

static int parse(int argc, char **argv, ucl_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mtu = 1400;
    o->max_bundle = 16u << 20;
    o->files = calloc((size_t)argc + 1, sizeof *o->files);
    if (!o->files)
        return -1;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "udpcl %s", argc > 1 ? argv[1] : "");
    const cli_opt tab[] = {
        {"--to", NULL, CLI_OPT_STR, &o->to, 0, 0, NULL},
        {"--port", NULL, CLI_OPT_STR, &o->port, 0, 0, NULL},
        {"--host", NULL, CLI_OPT_STR, &o->host, 0, 0, NULL},
        {"-o", "--out", CLI_OPT_STR, &o->out, 0, 0, NULL},
        {"--mtu", NULL, CLI_OPT_U64, &o->mtu, 64, DGRAM_MAX, "a datagram size in bytes"},
        {"--count", NULL, CLI_OPT_U64, &o->count, 0, UINT32_MAX, "a number of bundles"},
        {"--timeout", NULL, CLI_OPT_U64, &o->timeout_s, 0, UINT32_MAX, "a number of seconds"},
        {"--max-bundle", NULL, CLI_OPT_U64, &o->max_bundle, 0, 1ull << 31, "a size in bytes"},
        {"--quiet", NULL, CLI_OPT_FLAG, &o->quiet, 0, 0, NULL},
    };
    int r = cli_opts_parse(cmd, argc, argv, 2, tab, sizeof tab / sizeof tab[0], o->files,
                           &o->nfiles, argc);
    if (r != 0)
        return r;
    if (o->mtu < 64) {
        cli_err("udpcl: --mtu must be at least 64");
        return -1;
    }
    return 0;
}

static int udp_socket(const char *host, const char *port, int passive, struct sockaddr_storage *sa,
                      socklen_t *sl)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return -1;
    int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        int big = 8 << 20;
        (void)setsockopt(fd, SOL_SOCKET, passive ? SO_RCVBUF : SO_SNDBUF, &big, sizeof big);
        if (passive && bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
        memcpy(sa, res->ai_addr, res->ai_addrlen);
        *sl = res->ai_addrlen;
    }
    freeaddrinfo(res);
    return fd;
}

static int send_dgram(int fd, const struct sockaddr_storage *sa, socklen_t sl, const uint8_t *p,
                      size_t n, unsigned *sent)
{
    if (sendto(fd, p, n, 0, (const struct sockaddr *)sa, sl) != (ssize_t)n)
        return -1;
    /* a short pause every 32 datagrams so a burst does not overrun the receiver's buffer */
    if (++*sent % 32 == 0) {
        struct timespec ts = {0, 2000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static int cmd_send(ucl_opts *o)
{
    char host[256];
    const char *colon = o->to ? strrchr(o->to, ':') : NULL;
    if (!colon || colon == o->to || (size_t)(colon - o->to) >= sizeof host || !o->nfiles) {
        usage(stderr);
        return AUS_EXIT_USAGE;
    }
    memcpy(host, o->to, (size_t)(colon - o->to));
    host[colon - o->to] = 0;
    struct sockaddr_storage sa;
    socklen_t sl = 0;
    int fd = udp_socket(host, colon + 1, 0, &sa, &sl);
    if (fd < 0) {
        cli_err("udpcl: cannot reach %s", o->to);
        return AUS_EXIT_ENV;
    }
    uint8_t *dg = malloc(DGRAM_MAX);
    static aus_bpv7_bundle b;
    unsigned sent = 0;
    int rc = AUS_EXIT_OK;
    for (int i = 0; i < o->nfiles && dg && rc == AUS_EXIT_OK; i++) {
        size_t n;
        uint8_t *p = cli_read_file(o->files[i], &n);
        if (!p) {
            cli_err("udpcl: cannot read %s: %s", o->files[i], strerror(errno));
            rc = AUS_EXIT_ENV;
            break;
        }
        aus_err e = aus_bpv7_decode(&b, p, n, 0);
        if (e != AUS_OK) {
            cli_err("udpcl: %s is not a bundle: %s", o->files[i], aus_err_str(e));
            rc = AUS_EXIT_FAIL;
        } else if (n <= o->mtu) {
            if (send_dgram(fd, &sa, sl, p, n, &sent) != 0)
                rc = AUS_EXIT_ENV;
        } else {
            /* RFC 9171 §5.8: fragments, each in one datagram of at most --mtu octets; the
             * first one carries every block, so its overhead bounds the others' */
            long first = aus_bpv7_fragment(&b, 0, 1, NULL, 0);
            if (first < 0 || (uint64_t)first + 16 >= o->mtu) {
                cli_err("udpcl: %s cannot be fragmented to fit %llu octets: %s", o->files[i],
                        (unsigned long long)o->mtu,
                        first < 0 ? aus_err_str((int)first) : "its blocks alone are larger");
                rc = AUS_EXIT_FAIL;
            }
            size_t chunk = (size_t)(o->mtu - (uint64_t)first - 16), off = 0, nfr = 0;
            while (rc == AUS_EXIT_OK && off < b.payload_len) {
                size_t len = b.payload_len - off < chunk ? b.payload_len - off : chunk;
                long k = aus_bpv7_fragment(&b, off, len, dg, DGRAM_MAX);
                while (k > (long)o->mtu && len > 1) { /* CBOR heads grew: shrink */
                    len -= (size_t)(k - (long)o->mtu);
                    k = aus_bpv7_fragment(&b, off, len, dg, DGRAM_MAX);
                }
                if (k < 0 || k > (long)o->mtu) {
                    cli_err("udpcl: %s: fragment failed: %s", o->files[i],
                            k < 0 ? aus_err_str((int)k) : "does not fit");
                    rc = AUS_EXIT_FAIL;
                    break;
                }
                if (send_dgram(fd, &sa, sl, dg, (size_t)k, &sent) != 0)
                    rc = AUS_EXIT_ENV;
                off += len;
                nfr++;
            }
            if (rc == AUS_EXIT_OK && !o->quiet)
                fprintf(stderr, "udpcl: %s sent as %zu fragments\n", o->files[i], nfr);
        }
        free(p);
    }
    if (rc == AUS_EXIT_OK && !o->quiet)
        printf("%u datagrams sent\n", sent);
    free(dg);
    close(fd);
    return rc;
}

typedef struct rslot {
    int used;
    aus_bpv7_reasm ra;
    uint8_t *adu;
    uint8_t *first_bytes;
    aus_bpv7_bundle first;
    uint64_t touched;
} rslot;

static uint64_t seq_no;

static int store(int dirfd, const uint8_t *p, size_t n, char *name, size_t cap)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".udpcl-%ld.tmp", (long)getpid());
    (void)unlinkat(dirfd, tmp, 0);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    aus_err e = aus_posix_write_all(fd, p, n);
    close(fd);
    for (int t = 0; e == AUS_OK && t < 1000000; t++) {
        snprintf(name, cap, "bundle-%08llu.cbor", (unsigned long long)++seq_no);
        if (linkat(dirfd, tmp, dirfd, name, 0) == 0) {
            (void)unlinkat(dirfd, tmp, 0);
            (void)fsync(dirfd);
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    (void)unlinkat(dirfd, tmp, 0);
    return -1;
}

/* a fragment: into its reassembly; returns 1 with *out / *outlen (malloc'd) when whole */
static int on_fragment(rslot *sl, const ucl_opts *o, const uint8_t *p, size_t n,
                       const aus_bpv7_bundle *fr, uint8_t **out, size_t *outlen)
{
    int r = AUS_E_NOTFOUND;
    rslot *s = NULL;
    for (int i = 0; i < REASM_SLOTS && r == AUS_E_NOTFOUND; i++)
        if (sl[i].used && (r = aus_bpv7_reasm_add(&sl[i].ra, fr)) != AUS_E_NOTFOUND)
            s = &sl[i];
    if (!s) {
        if (fr->pri.total_adu_len > o->max_bundle)
            return -1;
        s = &sl[0];
        for (int i = 0; i < REASM_SLOTS; i++) /* a free slot, else the stalest */
            if (!sl[i].used || (s->used && sl[i].touched < s->touched))
                s = &sl[i];
        free(s->adu);
        free(s->first_bytes);
        memset(s, 0, sizeof *s);
        s->adu = malloc(fr->pri.total_adu_len ? (size_t)fr->pri.total_adu_len : 1);
        if (!s->adu)
            return -1;
        s->used = 1;
        aus_bpv7_reasm_init(&s->ra, s->adu, (size_t)fr->pri.total_adu_len);
        r = aus_bpv7_reasm_add(&s->ra, fr);
    }
    if (r < 0)
        return -1;
    s->touched = aus_tcpcl_now_ms();
    if (fr->pri.frag_offset == 0 && !s->first_bytes) {
        s->first_bytes = malloc(n);
        if (!s->first_bytes)
            return -1;
        memcpy(s->first_bytes, p, n);
        if (aus_bpv7_decode(&s->first, s->first_bytes, n, 0) != AUS_OK)
            return -1;
    }
    if (!aus_bpv7_reasm_complete(&s->ra) || !s->first_bytes)
        return 0;
    static aus_bpv7_bundle whole;
    int done = -1;
    if (aus_bpv7_reasm_bundle(&s->ra, &s->first, &whole) == AUS_OK) {
        long k = aus_bpv7_encode(&whole, NULL, 0);
        *out = k > 0 ? malloc((size_t)k) : NULL;
        if (*out && aus_bpv7_encode(&whole, *out, (size_t)k) == k) {
            *outlen = (size_t)k;
            done = 1;
        }
    }
    free(s->adu);
    free(s->first_bytes);
    memset(s, 0, sizeof *s);
    return done;
}

static int cmd_listen(ucl_opts *o)
{
    if (!o->port || !o->out) {
        usage(stderr);
        return AUS_EXIT_USAGE;
    }
    int dirfd = open(o->out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) {
        cli_err("udpcl: cannot open directory %s: %s", o->out, strerror(errno));
        return AUS_EXIT_ENV;
    }
    struct sockaddr_storage sa;
    socklen_t sl;
    int fd = udp_socket(o->host, o->port, 1, &sa, &sl);
    if (fd < 0) {
        cli_err("udpcl: cannot listen on port %s", o->port);
        return AUS_EXIT_ENV;
    }
    uint8_t *dg = malloc(DGRAM_MAX + 1);
    static rslot slots[REASM_SLOTS];
    static aus_bpv7_bundle b;
    uint64_t got = 0, junk = 0, frags = 0, failed = 0;
    uint64_t stop_at = o->timeout_s ? aus_tcpcl_now_ms() + o->timeout_s * 1000u : UINT64_MAX;
    /* always: scripts wait for this line */
    fprintf(stderr, "udpcl: listening on port %s\n", o->port);
    while (dg && !stop_flag && (!o->count || got < o->count)) {
        uint64_t now = aus_tcpcl_now_ms();
        if (now >= stop_at)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = recv(fd, dg, DGRAM_MAX + 1, 0);
        if (n <= 0)
            continue;
        if (aus_bpv7_decode(&b, dg, (size_t)n, 0) != AUS_OK) {
            junk++; /* not a bundle: counted and dropped */
            continue;
        }
        uint8_t *whole = dg;
        size_t wl = (size_t)n;
        int mine = 0;
        if (b.pri.flags & AUS_BPV7_BF_FRAGMENT) {
            frags++;
            int r = on_fragment(slots, o, dg, (size_t)n, &b, &whole, &wl);
            if (r < 0)
                junk++;
            if (r <= 0)
                continue;
            mine = 1;
        }
        char name[64];
        if (store(dirfd, whole, wl, name, sizeof name) != 0) {
            failed++;
            cli_err("udpcl: cannot store a bundle: %s", strerror(errno));
        } else {
            got++;
            if (!o->quiet)
                printf("received %s (%zu bytes)\n", name, wl);
            fflush(stdout);
        }
        if (mine)
            free(whole);
    }
    for (int i = 0; i < REASM_SLOTS; i++) {
        free(slots[i].adu);
        free(slots[i].first_bytes);
    }
    free(dg);
    close(fd);
    close(dirfd);
    if (!o->quiet)
        fprintf(stderr, "udpcl: %llu bundles stored, %llu fragments, %llu junk datagrams dropped\n",
                (unsigned long long)got, (unsigned long long)frags, (unsigned long long)junk);
    return failed ? AUS_EXIT_ENV : AUS_EXIT_OK;
}

int cmd_udpcl(int argc, char **argv)
{
    ucl_opts o;
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
        cli_err("udpcl: unknown subcommand '%s' (send, listen)", argv[1]);
        rc = AUS_EXIT_USAGE;
    }
    free(o.files);
    return rc;
}
