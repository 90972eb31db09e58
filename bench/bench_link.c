/* SPDX-License-Identifier: Apache-2.0 */
/* bench_link: the folder link, the CCSDS link and the daemons over them (docs/daemon.md,
 * docs/cl_ccsds.md). Prints figures; never fails on timing.
 *   1. folder layer alone: durable bundles/s written (tmp + fsync + rename + dir fsync per
 *      bundle), with fsync batching (one syncfs + one dir fsync per batch), and without any
 *      fsync (the baseline: what the disk costs); reader take (read + remove) likewise.
 *   2. end to end: commands/s through both daemons (watch mode, fsync on, BPSec) with an
 *      in-process operator moving files between the folders, and the latency distribution.
 *   3. CCSDS profile: bundles/s and goodput (bundle octets / link octets) through the full
 *      uplink chain (FOP-1, TC frames on tc_vcid, SDLS AES-256-GCM, randomizer, CLTU/BCH -> BCH,
 *      SDLS, FARM-1, packets, with the CLCW coming back in the downlink) and the full downlink
 *      chain (packets, TM frames of 1115 octets, SDLS, RS(255,223) I=5, randomizer, ASM -> and
 *      back) on one core, for 100 B, 1 KB and 64 KB bundles. Baseline in the same run: one raw
 *      AES-256-GCM seal of the same bundle octets ("t/raw GCM" = chain time / seal time).
 *   2b. --profile e2e: part 2 alone, with [folders] batch = off and on alternated in one run
 *      (group commit: commands/s and single-command latency, medians and ratio).
 * usage: bench_link [--profile folder|e2e|ccsds|all] [--cmds N] [--reps N] [--clients N]
 *        [path/to/australis]
 *        (australis default: ../australis next to this binary, or $AUS_CLI)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "australis/cl.h"
#include "australis/cl_ccsds.h"
#include "australis/crypto.h"
#include "folder_link.h"
#include "../tests/support/tst_sdls.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void rmrf(const char *d)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", d);
}

/* ---- 1. folder layer ---- */
static double write_rate(const char *root, int mode, size_t n, size_t batch)
{
    char out[512];
    snprintf(out, sizeof out, "%s/out%d", root, mode);
    aus_fl fl;
    if (aus_fl_open(&fl, NULL, out, NULL, mode != 0, 0) != 0)
        return 0;
    static uint8_t body[512];
    memset(body, 0xA5, sizeof body);
    char(*names)[AUS_CL_NAME_MAX] = calloc(batch, AUS_CL_NAME_MAX);
    const char **np = calloc(batch, sizeof *np);
    const uint8_t **bp = calloc(batch, sizeof *bp);
    size_t *lp = calloc(batch, sizeof *lp);
    double t0 = now();
    size_t done = 0;
    uint64_t seq = 1;
    while (done < n) {
        size_t k = n - done < batch ? n - done : batch;
        for (size_t i = 0; i < k; i++) {
            if (aus_cl_folder_name(names[i], AUS_CL_NAME_MAX, 1, seq++) != AUS_OK)
                return 0;
            np[i] = names[i];
            bp[i] = body;
            lp[i] = sizeof body;
        }
        int rc = mode == 1 ? aus_fl_write(&fl, np[0], body, sizeof body)
                           : aus_fl_write_batch(&fl, np, bp, lp, k);
        if (rc != 0) {
            perror("write");
            return 0;
        }
        done += mode == 1 ? 1 : k;
        if (mode == 1 && now() - t0 > 3.0)
            break; /* per-bundle fsync is slow: a few seconds are enough for the rate */
    }
    double dt = now() - t0;
    aus_fl_close(&fl);
    free(names);
    free(np);
    free(bp);
    free(lp);
    return (double)done / dt;
}

static double take_rate(const char *root, int mode, size_t *count)
{
    char in[512];
    snprintf(in, sizeof in, "%s/out%d", root, mode);
    aus_fl fl;
    if (aus_fl_open(&fl, in, NULL, NULL, mode == 1, 0) != 0)
        return 0;
    double t0 = now();
    char **names;
    long n = aus_fl_list(&fl, &names, 0);
    for (long i = 0; i < n; i++) {
        uint8_t *b;
        size_t len;
        if (aus_fl_read(&fl, names[i], &b, &len) == AUS_FL_OK)
            free(b);
        if (aus_fl_remove(&fl, names[i]) != 0)
            break;
    }
    if (mode)
        fsync(fl.in_fd); /* one folder sync for the whole batch of removals */
    double dt = now() - t0;
    aus_fl_free_list(names, n);
    aus_fl_close(&fl);
    *count = n > 0 ? (size_t)n : 0;
    return (double)*count / dt;
}

/* ---- 2. end to end ---- */
static void keyfile(const char *dir, const char *name)
{
    char p[600];
    uint8_t k[32];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    const aus_crypto *c = aus_crypto_default();
    if (c->ops->random(c->self, k, sizeof k) != AUS_OK)
        exit(3);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < 32; i++)
        fprintf(f, "%02x", k[i]);
    fputc('\n', f);
    fclose(f);
    chmod(p, 0600);
}

static void write_ini(const char *w, const char *side, int sat, int batch)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s.ini", w, side);
    FILE *f = fopen(p, "w");
    fprintf(f,
            "[node]\nrole = %s\nnode = %d\npeer = %d\ntenant = bench\nreplay_window = 1024\n"
            "[folders]\nincoming = %s/%s/in\noutgoing = %s/%s/out\nquarantine = %s/%s/q\n"
            "[store]\npath = %s/%s/state.db\n"
            "[keys]\nkek_file = %s/keys/%s.kek\nek_file = %s/keys/ek\nak_file = %s/keys/ak\n"
            "master_file = %s/keys/mk\n[link]\nlink = folder\nfsync = yes\n",
            sat ? "sat" : "ground", sat ? 100 : 200, sat ? 200 : 100, w, side, w, side, w, side, w,
            side, w, side, w, w, w);
    fprintf(f, "[folders]\nbatch = %s\n", batch ? "on" : "off");
    if (!sat)
        fprintf(f, "[ground]\nsocket = %s/g.sock\nretry_s = 3600\n", w);
    fclose(f);
}

static pid_t spawn(const char *cli, const char *ini)
{
    pid_t p = fork();
    if (p == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(cli, cli, "run", "--config", ini, (char *)NULL);
        _exit(127);
    }
    return p;
}

/* A client request: connect and send (the daemon answers when it gets to it). */
static int sock_send(const char *path, const char *req)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (write(fd, req, strlen(req)) < 0 || write(fd, "\n", 1) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static char *sock_answer(int fd)
{
    static char buf[65536];
    size_t at = 0;
    ssize_t r;
    if (fd < 0)
        return NULL;
    while ((r = read(fd, buf + at, sizeof buf - 1 - at)) > 0)
        at += (size_t)r;
    buf[at] = '\0';
    close(fd);
    return buf;
}

static char *sock_call(const char *path, const char *req)
{
    return sock_answer(sock_send(path, req));
}

/* Concurrent clients of the burst (--clients N): each sends its request, then all read their
 * answers, as N operators or programs would; 1 = one request at a time. */
static int e2e_clients = 16;

/* The operator: move every file from one folder into the other (rename, same file system). */
static void carry(const char *from, const char *to)
{
    DIR *d = opendir(from);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (aus_cl_folder_classify(e->d_name) != AUS_CL_BUNDLE)
            continue;
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        rename(a, b);
    }
    if (d)
        closedir(d);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct e2e {
    char gout[600], gin[600], sin[600], sout[600], sock[600];
} e2e;

/* Figures of one end-to-end run (one batching setting). */
typedef struct e2e_fig {
    double rate;    /* commands/s, burst of ncmd */
    double seq_p50; /* one command at a time: median latency, s */
    double seq_min;
    int answered;
} e2e_fig;

/* One command at a time: the latency of the link itself, without queueing. */
static void e2e_sequential(const e2e *e, e2e_fig *fig)
{
    enum { SEQ = 30 };
    double seqlat[SEQ];
    int nseq = 0;
    for (int i = 0; i < SEQ; i++) {
        double ts = now();
        char *r = sock_call(e->sock, "{\"op\":\"cmd\",\"name\":\"ping\",\"args\":[\"one\"]}");
        const char *q = r ? strstr(r, "\"id\":") : NULL;
        long id = q ? atol(q + 5) : -1;
        char req[96];
        snprintf(req, sizeof req, "{\"op\":\"resp\",\"id\":%ld}", id);
        while (id > 0 && now() - ts < 10) {
            carry(e->gout, e->sin);
            carry(e->sout, e->gin);
            r = sock_call(e->sock, req);
            if (r && strstr(r, "\"status\"")) {
                seqlat[nseq++] = now() - ts;
                break;
            }
            usleep(1000);
        }
    }
    qsort(seqlat, (size_t)nseq, sizeof(double), cmpd);
    if (nseq > 0) {
        fig->seq_p50 = seqlat[nseq / 2];
        fig->seq_min = seqlat[0];
    }
    if (nseq > 0)
        printf("  one at a time (%d commands): min %.1f ms, p50 %.1f ms, p90 %.1f ms, max %.1f ms "
               "(operator polling every ~1 ms)\n",
               nseq, seqlat[0] * 1e3, seqlat[nseq / 2] * 1e3, seqlat[nseq * 9 / 10] * 1e3,
               seqlat[nseq - 1] * 1e3);
}

static e2e_fig end_to_end(const char *cli, const char *root, int ncmd, int batch, int run)
{
    e2e_fig fig = {0, 0, 0, 0};
    char w[512], p[600], sock[600];
    snprintf(w, sizeof w, "%s/e2e%d", root, run);
    snprintf(p, sizeof p, "%s/keys", w);
    mkdir(w, 0700);
    mkdir(p, 0700);
    const char *names[] = {"sat.kek", "ground.kek", "ek", "ak", "mk"};
    for (int i = 0; i < 5; i++)
        keyfile(p, names[i]);
    write_ini(w, "sat", 1, batch);
    write_ini(w, "ground", 0, batch);
    char si[600], gi[600];
    e2e e;
    char *gout = e.gout, *gin = e.gin, *sin_ = e.sin, *sout = e.sout, *sock2 = e.sock;
    snprintf(si, sizeof si, "%s/sat.ini", w);
    snprintf(gi, sizeof gi, "%s/ground.ini", w);
    snprintf(e.gout, sizeof e.gout, "%s/ground/out", w);
    snprintf(e.gin, sizeof e.gin, "%s/ground/in", w);
    snprintf(e.sout, sizeof e.sout, "%s/sat/out", w);
    snprintf(e.sin, sizeof e.sin, "%s/sat/in", w);
    snprintf(sock, sizeof sock, "%s/g.sock", w);
    snprintf(sock2, sizeof e.sock, "%s", sock);
    pid_t ps = spawn(cli, si), pg = spawn(cli, gi);
    for (int i = 0; i < 100 && access(sock, F_OK) != 0; i++)
        usleep(50000);
    double *t_sub = calloc((size_t)ncmd, sizeof(double)),
           *lat = calloc((size_t)ncmd, sizeof(double));
    long *ids = calloc((size_t)ncmd, sizeof(long));
    int *done = calloc((size_t)ncmd, sizeof(int));
    double t0 = now();
    int *fds = calloc((size_t)e2e_clients, sizeof(int));
    for (int i = 0; i < ncmd; i += e2e_clients) {
        int m = ncmd - i < e2e_clients ? ncmd - i : e2e_clients;
        for (int j = 0; j < m; j++)
            fds[j] = sock_send(sock, "{\"op\":\"cmd\",\"name\":\"ping\",\"args\":[\"bench\"]}");
        for (int j = 0; j < m; j++) {
            char *r = sock_answer(fds[j]);
            const char *q = r ? strstr(r, "\"id\":") : NULL;
            ids[i + j] = q ? atol(q + 5) : -1;
            t_sub[i + j] = now();
        }
    }
    free(fds);
    double t_submitted = now() - t0;
    int left = ncmd;
    while (left > 0 && now() - t0 < 120) {
        carry(gout, sin_);
        carry(sout, gin);
        /* answers come roughly in order: poll the oldest pending ones, as many at once as
         * there are clients, and go on while every one of them was answered */
        for (int i = 0, more = 1; i < ncmd && more;) {
            int at[64], fd[64], m = 0;
            for (; i < ncmd && m < e2e_clients && m < 64; i++) {
                if (done[i] || ids[i] < 0)
                    continue;
                char req[96];
                snprintf(req, sizeof req, "{\"op\":\"resp\",\"id\":%ld}", ids[i]);
                at[m] = i;
                fd[m++] = sock_send(sock, req);
            }
            for (int j = 0; j < m; j++) {
                char *r = sock_answer(fd[j]);
                if (r && strstr(r, "\"status\"")) {
                    done[at[j]] = 1;
                    lat[at[j]] = now() - t_sub[at[j]];
                    left--;
                } else
                    more = 0;
            }
        }
        usleep(2000);
    }
    double dt = now() - t0;
    e2e_sequential(&e, &fig);
    kill(ps, SIGTERM);
    kill(pg, SIGTERM);
    waitpid(ps, NULL, 0);
    waitpid(pg, NULL, 0);
    int n = ncmd - left;
    qsort(lat, (size_t)ncmd, sizeof(double), cmpd);
    /* lat has (ncmd - n) zeros first for the unanswered ones */
    double *l = lat + (ncmd - n);
    fig.rate = n / dt;
    fig.answered = n;
    printf("end to end (2 daemons, BPSec, fsync on, folder link, batch = %s): %d/%d commands "
           "answered in %.2f s = %.1f commands/s (submitting took %.2f s, %d client(s) at once)\n",
           batch ? "on" : "off", n, ncmd, dt, n / dt, t_submitted, e2e_clients);
    if (n > 0)
        printf("  latency submit->answer: min %.1f ms, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max "
               "%.1f ms\n",
               l[0] * 1e3, l[n / 2] * 1e3, l[n * 9 / 10] * 1e3, l[n * 99 / 100] * 1e3,
               l[n - 1] * 1e3);
    free(t_sub);
    free(lat);
    free(ids);
    free(done);
    return fig;
}

/* Group commit, same run: batching off and on alternate (reps times each, so load drifts on
 * the machine hit both alike); the medians and their ratio are the figures. */
static void e2e_compare(const char *cli, const char *root, int ncmd, int reps)
{
    enum { RMAX = 16 };
    double r_off[RMAX], r_on[RMAX], l_off[RMAX], l_on[RMAX];
    if (reps > RMAX)
        reps = RMAX;
    for (int i = 0; i < reps; i++) {
        e2e_fig a = end_to_end(cli, root, ncmd, 0, 2 * i);
        e2e_fig b = end_to_end(cli, root, ncmd, 1, 2 * i + 1);
        r_off[i] = a.rate;
        l_off[i] = a.seq_p50;
        r_on[i] = b.rate;
        l_on[i] = b.seq_p50;
        printf("  run %d: batch off %.1f commands/s, on %.1f commands/s (x%.2f); one at a time "
               "p50 off %.1f ms, on %.1f ms\n",
               i + 1, a.rate, b.rate, a.rate > 0 ? b.rate / a.rate : 0, a.seq_p50 * 1e3,
               b.seq_p50 * 1e3);
    }
    double ratio[RMAX], lratio[RMAX];
    for (int i = 0; i < reps; i++) {
        ratio[i] = r_off[i] > 0 ? r_on[i] / r_off[i] : 0;
        lratio[i] = l_off[i] > 0 ? l_on[i] / l_off[i] : 0;
    }
    qsort(lratio, (size_t)reps, sizeof(double), cmpd);
    qsort(r_off, (size_t)reps, sizeof(double), cmpd);
    qsort(r_on, (size_t)reps, sizeof(double), cmpd);
    qsort(l_off, (size_t)reps, sizeof(double), cmpd);
    qsort(l_on, (size_t)reps, sizeof(double), cmpd);
    qsort(ratio, (size_t)reps, sizeof(double), cmpd);
    /* the machine's load drifts between runs: the per-run ratios (off and on measured back
     * to back) are the figures; the medians of each setting are for orientation */
    printf("group commit, %d commands x %d runs: commands/s on/off per run: median x%.2f "
           "(%.2f..%.2f; target >= x5); medians off %.1f, on %.1f commands/s\n",
           ncmd, reps, ratio[reps / 2], ratio[0], ratio[reps - 1], r_off[reps / 2], r_on[reps / 2]);
    printf("  single-command latency p50 on/off per run: median x%.2f (%.2f..%.2f; target <= "
           "x1); medians off %.1f ms, on %.1f ms\n",
           lratio[reps / 2], lratio[0], lratio[reps - 1], l_off[reps / 2] * 1e3,
           l_on[reps / 2] * 1e3);
}

/* ---- 3. the CCSDS profile ---------------------------------------------------------------- */

static void fail(const char *what)
{
    fprintf(stderr, "bench_link: CCSDS profile: %s failed\n", what);
    exit(1);
}

typedef struct end {
    aus_sdls_keyring ring;
    aus_sdls_table t;
    aus_cl_ccsds c;
} end;

static end g, s;
static uint64_t got, got_bytes;
static uint8_t passbuf[4 << 20];

static void on_bundle(void *u, const uint8_t *b, size_t n)
{
    (void)u;
    (void)b;
    got++;
    got_bytes += n;
}

static const aus_cl_ccsds_ops ops = {on_bundle, NULL};

static int open_end(end *e, uint8_t role)
{
    static const uint8_t key[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    if (tst_sdls_link_end(&e->ring, &e->t, key, role == AUS_CL_CCSDS_GROUND, 4) != AUS_OK)
        return 1;
    aus_cl_ccsds_cfg cfg;
    aus_cl_ccsds_cfg_default(&cfg, role);
    cfg.tm_spi = 1;
    cfg.tc_spi = cfg.ep_spi = 2;
    return aus_cl_ccsds_init(&e->c, &cfg, &e->t, NULL, "", &ops, NULL, 1) != AUS_OK;
}

/* direction 0: uplink (ground -> sat), 1: downlink. Returns seconds; *link = link octets. */
static double run(int down, size_t size, size_t count, uint64_t *link)
{
    if (open_end(&g, AUS_CL_CCSDS_GROUND) || open_end(&s, AUS_CL_CCSDS_SAT))
        fail("opening the link ends");
    static uint8_t b[AUS_CL_CCSDS_BUNDLE_MAX];
    for (size_t i = 0; i < size; i++)
        b[i] = (uint8_t)(i * 31 + 7);
    aus_cl_ccsds *tx = down ? &s.c : &g.c;
    got = got_bytes = 0;
    *link = 0;
    size_t sent = 0;
    uint64_t t_ms = 10;
    double t0 = now();
    while (got < count) {
        while (sent < count && aus_cl_ccsds_send(tx, b, size, t_ms) == AUS_OK)
            sent++;
        size_t n = 0;
        if (aus_cl_ccsds_pass_out(&g.c, passbuf, sizeof passbuf, t_ms, &n))
            fail("ground pass_out");
        if (!down)
            *link += n;
        if (aus_cl_ccsds_pass_in(&s.c, passbuf, n, t_ms))
            fail("satellite pass_in");
        if (aus_cl_ccsds_pass_out(&s.c, passbuf, sizeof passbuf, t_ms, &n))
            fail("satellite pass_out");
        if (down)
            *link += n;
        if (aus_cl_ccsds_pass_in(&g.c, passbuf, n, t_ms))
            fail("ground pass_in");
        t_ms += 1000;
    }
    return now() - t0;
}

static double gcm_baseline(size_t size, size_t count)
{
    static uint8_t b[AUS_CL_CCSDS_BUNDLE_MAX], tag[16];
    static const uint8_t key[32] = {1}, iv[12] = {2};
    const aus_crypto *c = aus_crypto_default();
    double t0 = now();
    for (size_t i = 0; i < count; i++)
        if (c->ops->aead_seal(c->self, AUS_AEAD_AES256_GCM, key, 32, iv, 12, NULL, 0, b, size, b,
                              tag, 16))
            fail("raw AES-GCM seal");
    return now() - t0;
}

static void ccsds_profile(void)
{
    static const size_t sizes[3] = {100, 1024, 65536};
    static const size_t counts[3] = {40000, 10000, 160};
    printf("bench_link: CCSDS profile, one core, AES-256-GCM SDLS both ways, TM 1115 "
           "octets RS I=5\n");
    printf("%-9s %-6s %12s %10s %9s %12s\n", "direction", "bundle", "bundles/s", "Mbit/s",
           "goodput", "t/raw GCM");
    for (int down = 0; down < 2; down++) {
        for (int i = 0; i < 3; i++) {
            uint64_t link = 0;
            double best = 1e9;
            for (int rep = 0; rep < 3; rep++) {
                double t = run(down, sizes[i], counts[i], &link);
                best = t < best ? t : best;
            }
            double base = gcm_baseline(sizes[i], counts[i]);
            double bytes = (double)sizes[i] * (double)counts[i];
            printf("%-9s %-6zu %12.0f %10.1f %8.1f%% %11.1fx\n", down ? "downlink" : "uplink",
                   sizes[i], (double)counts[i] / best, bytes * 8 / best / 1e6,
                   100.0 * bytes / (double)link, best / base);
        }
    }
}

static int e2e_cmds = 200, e2e_reps = 3;

static const char *find_cli(const char *cli_arg, const char *argv0)
{
    const char *cli = cli_arg ? cli_arg : getenv("AUS_CLI");
    static char def[1024];
    if (!cli) {
        snprintf(def, sizeof def, "%s", argv0);
        char *s = strrchr(def, '/');
        if (s)
            snprintf(s, sizeof def - (size_t)(s - def), "/../australis");
        cli = def;
    }
    return cli;
}

static void e2e_profile(const char *cli_arg, const char *argv0, const char *root_in)
{
    char root[] = "/tmp/aus_bench_link_XXXXXX";
    if (!root_in && !mkdtemp(root)) {
        perror("bench_link: mkdtemp");
        exit(1);
    }
    const char *cli = find_cli(cli_arg, argv0);
    if (access(cli, X_OK) == 0)
        e2e_compare(cli, root_in ? root_in : root, e2e_cmds, e2e_reps);
    else
        printf("end to end: skipped (no australis binary at %s)\n", cli);
    if (!root_in)
        rmrf(root);
}

static void folder_profile(const char *cli_arg, const char *argv0)
{
    char root[] = "/tmp/aus_bench_link_XXXXXX";
    if (!mkdtemp(root)) {
        perror("bench_link: mkdtemp");
        exit(1);
    }
    size_t n = 20000, c0, c1;
    printf("bench_link: folder layer, 512-byte bundles, %s\n", root);
    double nofs = write_rate(root, 0, n, 1000);
    double tn = take_rate(root, 0, &c0);
    double one = write_rate(root, 1, n, 1);
    double t1 = take_rate(root, 1, &c1);
    size_t cb, cb4;
    double batched = write_rate(root, 2, n, 1000);
    double tb = take_rate(root, 2, &cb);
    double batched4 = write_rate(root, 3, n, 5000);
    double tb4 = take_rate(root, 3, &cb4);
    printf("  write, no fsync (baseline)            : %9.0f bundles/s\n", nofs);
    printf("  write, durable, fsync per bundle      : %9.0f bundles/s (%.1f%% of baseline)\n", one,
           100 * one / nofs);
    printf("  write, durable, fsync batching (1000) : %9.0f bundles/s (%.1f%% of baseline; target "
           ">= 10000)\n",
           batched, 100 * batched / nofs);
    printf("  write, durable, fsync batching (5000) : %9.0f bundles/s (%.1f%% of baseline)\n",
           batched4, 100 * batched4 / nofs);
    printf("  take (read + remove), no fsync         : %9.0f bundles/s (%zu)\n", tn, c0);
    printf("  take, fsync per removal                : %9.0f bundles/s (%zu)\n", t1, c1);
    printf("  take, one folder fsync per batch       : %9.0f bundles/s (%zu, after batch 1000)\n",
           tb, cb);
    printf("  take, one folder fsync per batch       : %9.0f bundles/s (%zu, after batch 5000)\n",
           tb4, cb4);
    e2e_profile(cli_arg, argv0, root);
    rmrf(root);
}

static int usage(FILE *f, int rc)
{
    fprintf(f, "usage: bench_link [--profile folder|e2e|ccsds|all] [--cmds N] [--reps N] "
               "[--clients N] [path/to/australis]\n"
               "  folder: the folder layer alone (durable bundles/s, with and without fsync\n"
               "          batching) and commands/s end to end through both daemons\n"
               "  e2e   : only the end-to-end part: commands/s and single-command latency with\n"
               "          [folders] batch = off and = on, alternated --reps times (default 3)\n"
               "          with bursts of --cmds commands (default 200) sent by --clients\n"
               "          concurrent clients (default 16, 1..64; 1 = one request at a time)\n"
               "  ccsds : bundles/s and goodput through the full CCSDS uplink and downlink\n"
               "          chains on one core (100 B, 1 KB, 64 KB bundles)\n"
               "  all   : both (default)\n"
               "Prints figures; exit 0 unless the link under test fails, 2 on bad usage.\n");
    return rc;
}

int main(int argc, char **argv)
{
    const char *profile = "all", *cli = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout, 0);
        if (!strcmp(argv[i], "--profile") && i + 1 < argc)
            profile = argv[++i];
        else if (!strcmp(argv[i], "--cmds") && i + 1 < argc)
            e2e_cmds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            e2e_reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--clients") && i + 1 < argc)
            e2e_clients = atoi(argv[++i]);
        else if (argv[i][0] == '-')
            return usage(stderr, 2);
        else
            cli = argv[i];
    }
    int folder = !strcmp(profile, "folder") || !strcmp(profile, "all");
    int ccsds = !strcmp(profile, "ccsds") || !strcmp(profile, "all");
    int e2e = !strcmp(profile, "e2e");
    if ((!folder && !ccsds && !e2e) || e2e_cmds < 1 || e2e_cmds > 100000 || e2e_reps < 1 ||
        e2e_clients < 1 || e2e_clients > 64)
        return usage(stderr, 2);
    if (e2e)
        e2e_profile(cli, argv[0], NULL);
    if (folder)
        folder_profile(cli, argv[0]);
    if (ccsds)
        ccsds_profile();
    return 0;
}
