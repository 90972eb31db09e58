/* SPDX-License-Identifier: Apache-2.0 */
/* bench_tcpcl: TCPCLv4 (RFC 9174) over loopback, bundles/s and Gbit/s at 100 B, 1 KB, 64 KB and
 * 1 MB, without and with TLS 1.3, against a raw TCP write/read loop of the same bytes in the
 * same run (a forked receiver each time). The TCPCL figures include segment headers, the
 * XFER_ACK of every segment and waiting for every final XFER_ACK; the raw loop only moves
 * the bytes and answers once at the end. Prints figures and ratios; never fails on timing. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bench_args.h"
#include "tcpcl_posix.h"
#include "tls_gcm.h"

typedef struct count {
    uint64_t n;
} count;

static aus_err rx_bundle(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    (void)id;
    (void)p;
    (void)n;
    ((count *)ud)->n++;
    return AUS_OK;
}

static void tx_sent(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t r)
{
    (void)tag;
    (void)r;
    if (o == AUS_TCPCL_ACKED)
        ((count *)ud)->n++;
}

static aus_tcpcl_cfg cfg_for(int active, int tls)
{
    aus_tcpcl_cfg c;
    memset(&c, 0, sizeof c);
    c.active = (uint8_t)active;
    c.can_tls = (uint8_t)tls;
    c.keepalive_s = 0;
    c.seg_mru = 1u << 20;
    c.xfer_mru = 2u << 20;
    c.node_id = active ? "ipn:1.0" : "ipn:2.0";
    c.setup_ms = 10000;
    return c;
}

static int listen_any(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static void run_conn(aus_tcpcl_conn *c)
{
    while (!c->done) {
        int tmo;
        uint64_t now = aus_tcpcl_now_ms();
        struct pollfd p = {c->fd, aus_tcpcl_conn_events(c, now, &tmo), 0};
        if (tmo < 0 || tmo > 100)
            tmo = 100;
        (void)poll(&p, 1, tmo);
        aus_tcpcl_conn_step(c, p.revents, aus_tcpcl_now_ms());
    }
}

/* receiver (child): TCPCL passive, or raw (read total bytes, answer one byte) */
static void child(int lfd, int raw, int tls, struct ssl_ctx_st *sctx, uint64_t total)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        _exit(1);
    if (raw) {
        static uint8_t buf[1 << 20];
        uint64_t got = 0;
        while (got < total) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0)
                _exit(1);
            got += (uint64_t)n;
        }
        (void)!write(fd, "k", 1);
        close(fd);
        _exit(0);
    }
    static aus_tcpcl_conn c;
    count k = {0};
    aus_tcpcl_cfg cfg = cfg_for(0, tls);
    aus_tcpcl_ops ops = {rx_bundle, NULL, NULL};
    if (aus_tcpcl_conn_accept(&c, fd, &cfg, &ops, &k, tls ? sctx : NULL, 0, aus_tcpcl_now_ms()) !=
        AUS_OK)
        _exit(1);
    run_conn(&c);
    aus_tcpcl_conn_free(&c);
    _exit(0);
}

static double now_s(void) { return (double)aus_tcpcl_now_ms() / 1000.0; }

static double tv_s(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

/* CPU seconds (user + system) the last run took, sender and receiver together: with seven
 * builds on two cores the wall clock waits for the scheduler, the CPU time much less so */
static double last_cpu;
/* the same, each side on its own (the sender is this process, the receiver the child) */
static double last_cpu_tx, last_cpu_rx;

/* seconds to move n bundles of size sz; -1 on failure */
static double one_run(int raw, int tls, struct ssl_ctx_st *sctx, struct ssl_ctx_st *cctx,
                      const uint8_t *bundle, size_t sz, uint64_t n)
{
    uint16_t port;
    int lfd = listen_any(&port);
    if (lfd < 0)
        return -1;
    struct rusage ru0, ru1, ruc;
    getrusage(RUSAGE_SELF, &ru0);
    pid_t pid = fork();
    if (pid == 0)
        child(lfd, raw, tls, sctx, (uint64_t)sz * n);

    close(lfd);
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    double t0 = now_s(), t1;
    if (raw) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
            return -1;
        t0 = now_s();
        /* the same bytes in the same write sizes a TCPCL sender batches (256 KiB) */
        static uint8_t chunk[256 * 1024];
        size_t fill = 0;
        for (uint64_t i = 0; i < n; i++) {
            size_t off = 0;
            while (off < sz) {
                size_t k = sz - off < sizeof chunk - fill ? sz - off : sizeof chunk - fill;
                memcpy(chunk + fill, bundle + off, k);
                fill += k;
                off += k;
                if (fill == sizeof chunk || (i + 1 == n && off == sz)) {
                    size_t w = 0;
                    while (w < fill) {
                        ssize_t r = write(fd, chunk + w, fill - w);
                        if (r <= 0)
                            return -1;
                        w += (size_t)r;
                    }
                    fill = 0;
                }
            }
        }
        char k;
        if (read(fd, &k, 1) != 1)
            return -1;
        t1 = now_s();
        close(fd);
    } else {
        static aus_tcpcl_conn c;
        count acked = {0};
        aus_tcpcl_cfg cfg = cfg_for(1, tls);
        aus_tcpcl_ops ops = {NULL, tx_sent, NULL};
        if (aus_tcpcl_conn_connect(&c, "127.0.0.1", ps, &cfg, &ops, &acked, tls ? cctx : NULL, 0,
                                   aus_tcpcl_now_ms()) != AUS_OK)
            return -1;
        uint64_t pushed = 0;
        int started = 0, term = 0;
        while (!c.done) {
            if (aus_tcpcl_state_of(&c.sess) == AUS_TCPCL_S_EST) {
                if (!started) {
                    started = 1;
                    t0 = now_s(); /* after contact, TLS and SESS_INIT: the transfer rate */
                }
                while (pushed < n && aus_tcpcl_xfer_push(&c.sess, bundle, sz, NULL) == AUS_OK)
                    pushed++;
                if (acked.n == n && !term) {
                    t1 = now_s();
                    aus_tcpcl_terminate(&c.sess, AUS_TCPCL_TERM_UNKNOWN, aus_tcpcl_now_ms());
                    term = 1;
                    break;
                }
            }
            int tmo;
            uint64_t now = aus_tcpcl_now_ms();
            struct pollfd p = {c.fd, aus_tcpcl_conn_events(&c, now, &tmo), 0};
            if (tmo < 0 || tmo > 100)
                tmo = 100;
            (void)poll(&p, 1, tmo);
            aus_tcpcl_conn_step(&c, p.revents, aus_tcpcl_now_ms());
        }
        t1 = now_s();
        run_conn(&c);
        aus_tcpcl_conn_free(&c);
        if (acked.n != n)
            return -1;
    }
    int st;
    memset(&ruc, 0, sizeof ruc);
    (void)wait4(pid, &st, 0, &ruc);
    getrusage(RUSAGE_SELF, &ru1);
    last_cpu_tx = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime) + tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
    last_cpu_rx = tv_s(ruc.ru_utime) + tv_s(ruc.ru_stime);
    last_cpu = last_cpu_tx + last_cpu_rx;
    return t1 - t0;
}

/* the 1-minute load average (Linux), or -1: printed with the figures, which depend on it */
static double load1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The cipher's share of a TLS ceiling: CPU seconds per byte to seal (encrypt and tag) and to
 * open (decrypt and check the tag) 1 MiB in TLS 1.3 records of 16 KiB (RFC 8446 §5.2: a nonce
 * per record, the 5-byte record header as AAD, a 16-byte tag) with AES-128-GCM through EVP,
 * the suite our side prefers; and to copy the same bytes once, record by record, as OpenSSL
 * 3.0's record layer does on each side (the plaintext into its write buffer before sealing, the
 * opened plaintext out of its read buffer). The best of five rounds of 16 MiB: a ceiling, not
 * a typical cost. 0 if EVP fails. */
/* RFC 8446 §5.3: the per-record nonce, the IV XOR the record number */
static void rec_nonce(uint8_t iv[12], const uint8_t iv0[12], int i)
{
    memcpy(iv, iv0, 12);
    iv[11] ^= (uint8_t)i;
}

static int gcm_cost(const EVP_CIPHER *gcm, const uint8_t *data, double *seal, double *open,
                    double *copy)
{
    enum { REC = 16384, NREC = 64, ROUNDS = 16 };
    static uint8_t sealed[NREC][REC + 16], plain[REC];
    static const uint8_t key[16] = {1, 2, 3}, iv0[12] = {4, 5, 6};
    /* the record header as AAD: application data, TLS 1.2 on the wire, the sealed length */
    static const uint8_t aad[5] = {23, 3, 3, (REC + 16) >> 8, (REC + 16) & 0xff};
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new(), *d = EVP_CIPHER_CTX_new();
    int ok = gcm && e && d && EVP_EncryptInit_ex(e, gcm, NULL, key, NULL) == 1 &&
             EVP_DecryptInit_ex(d, gcm, NULL, key, NULL) == 1;
    *seal = *open = *copy = 0;
    for (int pass = 0; ok && pass < 5; pass++) {
        double t0 = cpu_now();
        for (int r = 0; ok && r < ROUNDS; r++)
            for (int i = 0; ok && i < NREC; i++) {
                uint8_t iv[12];
                int l = 0;
                rec_nonce(iv, iv0, i);
                ok = EVP_EncryptInit_ex(e, NULL, NULL, NULL, iv) == 1 &&
                     EVP_EncryptUpdate(e, NULL, &l, aad, sizeof aad) == 1 &&
                     EVP_EncryptUpdate(e, sealed[i], &l, data + (size_t)i * REC, REC) == 1 &&
                     EVP_EncryptFinal_ex(e, sealed[i] + l, &l) == 1 &&
                     EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16, sealed[i] + REC) == 1;
            }
        double t1 = cpu_now();
        for (int r = 0; ok && r < ROUNDS; r++)
            for (int i = 0; ok && i < NREC; i++) {
                uint8_t iv[12];
                int l = 0;
                rec_nonce(iv, iv0, i);
                ok = EVP_DecryptInit_ex(d, NULL, NULL, NULL, iv) == 1 &&
                     EVP_DecryptUpdate(d, NULL, &l, aad, sizeof aad) == 1 &&
                     EVP_DecryptUpdate(d, plain, &l, sealed[i], REC) == 1 &&
                     EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_GCM_SET_TAG, 16, sealed[i] + REC) == 1 &&
                     EVP_DecryptFinal_ex(d, plain + l, &l) == 1;
            }
        double t2 = cpu_now(), bytes = (double)ROUNDS * NREC * REC;
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < NREC; i++) {
                memcpy(plain, data + (size_t)i * REC, REC);
                __asm__ volatile("" : : "r"(plain) : "memory"); /* the copy is kept */
            }
        double t3 = cpu_now();
        if (pass == 0 || (t3 - t2) / bytes < *copy)
            *copy = (t3 - t2) / bytes;
        if (pass == 0 || (t1 - t0) / bytes < *seal)
            *seal = (t1 - t0) / bytes;
        if (pass == 0 || (t2 - t1) / bytes < *open)
            *open = (t2 - t1) / bytes;
    }
    EVP_CIPHER_CTX_free(e);
    EVP_CIPHER_CTX_free(d);
    return ok;
}

static int make_cert(char *dir, struct ssl_ctx_st **sctx, struct ssl_ctx_st **cctx)
{
    char cmd[1024], why[300];
    if (!mkdtemp(dir))
        return -1;
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
             "%s/k.pem -out %s/c.pem -days 1 -subj /CN=bench -addext subjectAltName=URI:ipn:2.0 "
             ">/dev/null 2>&1",
             dir, dir);
    if (system(cmd) != 0)
        return -1;
    char c[300], k[300];
    snprintf(c, sizeof c, "%s/c.pem", dir);
    snprintf(k, sizeof k, "%s/k.pem", dir);
    aus_tcpcl_tls_opts so = {c, k, NULL}, co = {NULL, NULL, NULL};
    if (aus_tcpcl_tls_ctx(sctx, &so, 1, why, sizeof why) != AUS_OK ||
        aus_tcpcl_tls_ctx(cctx, &co, 0, why, sizeof why) != AUS_OK)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    bench_args(argc, argv, "bench_tcpcl",
               "[SCALE [SIZE [plain|tls]]]\n  SCALE (default 1) multiplies the bundle counts. "
               "TCPCLv4 over loopback vs raw TCP,\n  without and with TLS 1.3, at 100 B / 1 KB / "
               "64 KB / 1 MB (SIZE: only that one;\n  plain or tls: only that row and no raw "
               "loop, for a profiler).\n");
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    unsigned long only = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    /* -1 both rows (and the raw loop), 0 plain only, 1 TLS only */
    int row = argc > 3 ? (strcmp(argv[3], "tls") == 0     ? 1
                          : strcmp(argv[3], "plain") == 0 ? 0
                                                          : -2)
                       : -1;
    if (row == -2) {
        fprintf(stderr, "bench_tcpcl: the third argument is plain or tls (try --help)\n");
        return 2;
    }
    if (scale <= 0)
        scale = 1;
    signal(SIGPIPE, SIG_IGN);
    static const size_t sizes[] = {100, 1000, 65536, 1 << 20};
    static const uint64_t counts[] = {200000, 100000, 8000, 600};
    uint8_t *bundle = malloc(1 << 20);
    if (!bundle)
        return 1;
    for (size_t i = 0; i < (1u << 20); i++)
        bundle[i] = (uint8_t)(i * 31 + 7);
    char dir[] = "/tmp/bench_tcpcl.XXXXXX";
    struct ssl_ctx_st *sctx = NULL, *cctx = NULL;
    int have_tls = make_cert(dir, &sctx, &cctx) == 0;
    printf(
        "bench_tcpcl: loopback, one session, bundles pipelined (up to %d in flight), Segment MRU "
        "1 MiB\n",
        AUS_TCPCL_TXQ);
    printf("%-8s %-5s %10s %8s %10s %8s %7s %8s %9s %9s\n", "size", "tls", "bundles/s", "Gbit/s",
           "raw bnd/s", "raw Gb/s", "vs raw", "plain/x", "cpu us/b", "raw cpu");
    int rc = 0;
    double load0 = load1();
    /* the ceiling is set with the AES-GCM TLS records use (tls_gcm.c: ipsec-mb where there is
     * one), and OpenSSL's own is measured too, for comparison */
    double seal = 0, open = 0, copy = 0, oseal = 0, oopen = 0, ocopy = 0;
    EVP_CIPHER *tgcm = EVP_CIPHER_fetch(aus_tls_gcm_libctx(), "AES-128-GCM", aus_tls_gcm_propq());
    int have_gcm = have_tls && gcm_cost(tgcm, bundle, &seal, &open, &copy) &&
                   gcm_cost(EVP_aes_128_gcm(), bundle, &oseal, &oopen, &ocopy);
    EVP_CIPHER_free(tgcm);
    if (have_tls)
        printf("TLS records: AES-GCM from %s\n", aus_tls_gcm_name());
    for (size_t s = 0; s < 4; s++) {
        if (only && sizes[s] != only)
            continue;
        uint64_t n = (uint64_t)((double)counts[s] * scale);
        if (n < 10)
            n = 10;
        /* a single row (for a profiler) skips the raw loop: its columns then show 0 */
        double raw = row < 0 ? one_run(1, 0, NULL, NULL, bundle, sizes[s], n) : 0;
        double raw_cpu = row < 0 ? last_cpu : 0, plain = 0, plain_tx = 0, plain_rx = 0;
        for (int tls = 0; tls < 2; tls++) {
            if (row >= 0 && tls != row)
                continue;
            if (tls && !have_tls) {
                printf("%-8zu %-5s (no TLS: openssl CLI missing)\n", sizes[s], "yes");
                continue;
            }
            double t = one_run(0, tls, sctx, cctx, bundle, sizes[s], n);
            if (t <= 0 || (row < 0 && raw <= 0)) {
                printf("%-8zu %-5s failed\n", sizes[s], tls ? "yes" : "no");
                rc = 1;
                continue;
            }
            if (!tls) {
                plain = t;
                plain_tx = last_cpu_tx;
                plain_rx = last_cpu_rx;
            }
            /* vs raw: TCPCL's rate as a share of the raw loop's; plain/x: TLS's rate as a
             * share of plain TCPCL's (the 1 MB target is >= 50 %); cpu: sender + receiver CPU
             * microseconds per bundle (user + system), TCPCL then raw */
            double bps = (double)n / t, rbps = raw > 0 ? (double)n / raw : 0;
            char px[16] = "-";
            if (tls && plain > 0)
                snprintf(px, sizeof px, "%.0f%%", 100.0 * plain / t);
            printf("%-8zu %-5s %10.0f %8.2f %10.0f %8.2f %6.0f%% %8s %9.1f %9.1f\n", sizes[s],
                   tls ? "yes" : "no", bps, bps * (double)sizes[s] * 8 / 1e9, rbps,
                   rbps * (double)sizes[s] * 8 / 1e9, raw > 0 ? 100.0 * raw / t : 0.0, px,
                   last_cpu * 1e6 / (double)n, raw_cpu * 1e6 / (double)n);
            if (tls && plain > 0 && have_gcm) {
                /* The ceiling: each side alone on a core (they overlap), plain's measured CPU
                 * per bundle plus only the cipher's work on the same bytes; the rate is set by
                 * the busier side, for plain as for TLS. What TLS costs beyond that (OpenSSL's
                 * record copies, its calls) is the gap between the two percentages. With
                 * OpenSSL 3.0's one copy a side added; and with both sides on one core (a
                 * loaded machine), where the rate follows the sum of both sides' CPU. */
                double us = 1e6 / (double)n, b = (double)sizes[s] * 1e6;
                double ptx = plain_tx * us, prx = plain_rx * us, ttx = last_cpu_tx * us,
                       trx = last_cpu_rx * us, cp = copy * b;
                double ctx_ = ptx + seal * b, crx = prx + open * b;
                double pmax = ptx > prx ? ptx : prx, cmax = ctx_ > crx ? ctx_ : crx;
                double kmax = ctx_ + cp > crx + cp ? ctx_ + cp : crx + cp;
                /* indented, the size not first: the table rows above stay the only lines
                 * that start with a size */
                printf("  cpu us/b by side at %zu B: plain sender %.1f receiver %.1f, TLS sender "
                       "%.1f receiver %.1f, AES-128-GCM seal %.1f open %.1f, copy %.1f "
                       "(OpenSSL's own AES-128-GCM: seal %.1f open %.1f)\n",
                       sizes[s], ptx, prx, ttx, trx, seal * b, open * b, cp, oseal * b, oopen * b);
                printf(
                    "  TLS ceiling = %.0f%% of plain at %zu B (plain's CPU by side + seal / open), "
                    "achieved %.0f%%\n",
                    100.0 * pmax / cmax, sizes[s], 100.0 * plain / t);
                printf(
                    "  TLS ceiling with OpenSSL 3.0's record copy (one a side) = %.0f%% at %zu B, "
                    "both sides on one core = %.0f%%\n",
                    100.0 * pmax / kmax, sizes[s], 100.0 * (ptx + prx) / (ctx_ + crx + 2 * cp));
            }
        }
    }
    printf("load average (1 min): %.2f at the start, %.2f at the end\n", load0, load1());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)!system(cmd);
    aus_tcpcl_tls_ctx_free(sctx);
    aus_tcpcl_tls_ctx_free(cctx);
    free(bundle);
    return rc;
}
