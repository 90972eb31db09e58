/* SPDX-License-Identifier: Apache-2.0 */
/* bench_archive: the ground's archive under a simulated constellation (docs/http-api.md).
 *   1. ingest: 100 satellites x 10 passes x 1 000 points (one transaction per pass, as the
 *      ground stores a report), into SQLite, then into PostgreSQL with 4 writers (4 stations)
 *      when AUS_TEST_PG_URL is set: points/s, beside a same-run baseline (10 satellites
 *      written the way the archive wrote before: every point its own INSERT, every commit
 *      waiting for the disk; ops_archive_baseline);
 *   2. history: one point with 1 M samples, 200 queries downsampled to 1 000: p50/p99, beside
 *      the same query made the way it was before (each bucket's first point by one index
 *      seek, 50 queries);
 *   3. live: 200 values published to the HTTP server's stream, read by a client on /api/stream:
 *      p50/p99 from publish to receipt.
 * Targets (printed beside the figures, never a failure): >= 100 000 points/s, p99 <= 100 ms,
 * live <= 1 s. usage: bench_archive [--quick] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../apps/australis/daemon/ops.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct job {
    const char *url;
    int baseline;
    int first, nsat, passes, points;
    char station[16];
    long done;
} job;

static void *ingest(void *arg)
{
    job *j = arg;
    ops_archive *a;
    char why[512], sat[16];
    if (ops_archive_open(&a, j->url, why, sizeof why) != 0) {
        fprintf(stderr, "bench_archive: %s\n", why);
        return NULL;
    }
    ops_archive_baseline(a, j->baseline);
    const char *tenant = j->baseline ? "bench0" : "bench";
    for (int s = j->first; s < j->first + j->nsat; s++) {
        snprintf(sat, sizeof sat, "ipn:%d", 1000 + s);
        for (int p = 0; p < j->passes; p++) {
            int64_t t0 = (int64_t)p * 600000;
            if (ops_archive_begin(a) ||
                ops_archive_source(a, tenant, sat, j->station, (uint64_t)(p + 1), t0) != 1)
                break;
            for (int i = 0; i < j->points; i++)
                if (ops_archive_point(a, tenant, sat, i % 2 ? "temp_c" : "battery_mv", t0 + i * 10,
                                      7000 + i % 500, NULL))
                    break;
            if (ops_archive_commit(a))
                break;
            j->done += j->points;
        }
    }
    ops_archive_close(a);
    return NULL;
}

static double run_ingest(const char *url, int baseline, int nsat, int writers, int passes,
                         int points, long *total)
{
    pthread_t th[8];
    job jobs[8];
    double t = now_s();
    for (int w = 0; w < writers; w++) {
        jobs[w] = (job){url, baseline, w * (nsat / writers), nsat / writers, passes, points, "", 0};
        snprintf(jobs[w].station, sizeof jobs[w].station, "g%d", w);
        pthread_create(&th[w], NULL, ingest, &jobs[w]);
    }
    *total = 0;
    for (int w = 0; w < writers; w++) {
        pthread_join(th[w], NULL);
        *total += jobs[w].done;
    }
    return now_s() - t;
}

/* Ingest with its same-run baseline, one line. */
static void ingest_line(const char *what, const char *url, int writers, int passes, int points)
{
    long total, btotal;
    /* the baseline on ~a tenth of the satellites (it is slow), under its own tenant */
    double bt = run_ingest(url, 1, writers == 1 ? 10 : 12, writers, passes, points, &btotal);
    double t = run_ingest(url, 0, 100, writers, passes, points, &total);
    double r = (double)total / t, br = (double)btotal / bt;
    printf("  %s: %ld points in %.2f s = %.0f points/s (target >= 100 000: %s); same-run "
           "baseline (every point its own INSERT, every commit synchronous; %ld points): %.0f "
           "points/s; ratio x%.1f\n",
           what, total, t, r, r >= 100000 ? "met" : "NOT met", btotal, br, r / br);
}

static void pct(double *lat, int n, double *p50, double *p99)
{
    qsort(lat, (size_t)n, sizeof *lat, cmp_d);
    *p50 = lat[n / 2];
    *p99 = lat[n * 99 / 100];
}

static double *queries_ms(ops_archive *a, long n, int queries, long *got)
{
    static ops_sample out[1001];
    double *lat = calloc((size_t)queries, sizeof *lat);
    int found;
    for (int q = 0; lat && q < queries; q++) {
        double t0 = now_s();
        *got = ops_archive_history(a, "bench", "ipn:1", "long_series", 0, n * 10, 1000, out, 1001,
                                   &found);
        lat[q] = (now_s() - t0) * 1000;
    }
    return lat;
}

static void history(const char *url, long n, int queries)
{
    ops_archive *a;
    char why[512];
    if (ops_archive_open(&a, url, why, sizeof why) != 0) {
        fprintf(stderr, "bench_archive: %s\n", why);
        return;
    }
    double t = now_s();
    for (long k = 0; k < n; k += 10000) {
        (void)ops_archive_begin(a);
        for (long i = k; i < k + 10000 && i < n; i++)
            (void)ops_archive_point(a, "bench", "ipn:1", "long_series", i * 10, (double)i, NULL);
        (void)ops_archive_commit(a);
    }
    double ti = now_s() - t;
    long got = 0, bgot = 0;
    double p50, p99, b50, b99;
    double *lat = queries_ms(a, n, queries, &got);
    ops_archive_baseline(a, 1);
    double *blat = queries_ms(a, n, queries / 4, &bgot);
    ops_archive_baseline(a, 0);
    if (!lat || !blat) {
        free(lat);
        free(blat);
        ops_archive_close(a);
        return;
    }
    pct(lat, queries, &p50, &p99);
    pct(blat, queries / 4, &b50, &b99);
    printf("  history: %ld points in one series (stored at %.0f points/s); %d queries of the "
           "whole range to max=1000 -> %ld samples: p50 %.1f ms, p99 %.1f ms (target p99 <= "
           "100 ms: %s); same-run baseline (first point per bucket, one seek each; %d queries "
           "-> %ld samples): p50 %.1f ms, p99 %.1f ms; p99 ratio x%.1f\n",
           n, (double)n / ti, queries, got, p50, p99, p99 <= 100 ? "met" : "NOT met", queries / 4,
           bgot, b50, b99, b99 / p99);
    free(lat);
    free(blat);
    ops_archive_close(a);
}

static void live(const char *url, int msgs)
{
    char tok[] = "/tmp/bench_archive_token_XXXXXX";
    int fd = mkstemp(tok);
    if (fd < 0 || write(fd, "0123456789abcdef0123\n", 21) != 21)
        return;
    close(fd);
    dmn_ops_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.http_listen, sizeof c.http_listen, "127.0.0.1:0");
    snprintf(c.http_token_file, sizeof c.http_token_file, "%s", tok);
    ops_http_cfg hc = {&c, url, "bench", "g0", "ipn:1", "", ""};
    ops_http *h;
    char why[512];
    if (ops_http_start(&h, &hc, why, sizeof why) != 0) {
        fprintf(stderr, "bench_archive: %s\n", why);
        unlink(tok);
        return;
    }
    unsigned port = 0;
    sscanf(ops_http_url(h), "http://127.0.0.1:%u/", &port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(0x7f000001);
    const char req[] = "GET /api/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                       "0123456789abcdef0123\r\n\r\n";
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0 || write(s, req, sizeof req - 1) < 0)
        return;
    char buf[65536];
    usleep(200000);
    (void)read(s, buf, sizeof buf); /* headers and the hello */
    double *lat = calloc((size_t)msgs, sizeof *lat);
    for (int i = 0; i < msgs; i++) {
        char js[128];
        snprintf(js, sizeof js, "{\"name\":\"v\",\"t\":%d,\"value\":%d}", i, i);
        double t0 = now_s();
        ops_http_publish(h, "point", js);
        size_t have = 0;
        while (have < sizeof buf - 1) {
            ssize_t r = read(s, buf + have, sizeof buf - 1 - have);
            if (r <= 0)
                break;
            have += (size_t)r;
            buf[have] = '\0';
            if (strstr(buf, "\"value\":"))
                break;
        }
        lat[i] = (now_s() - t0) * 1000;
    }
    qsort(lat, (size_t)msgs, sizeof *lat, cmp_d);
    printf("  live: %d values published -> received on /api/stream: p50 %.2f ms, p99 %.2f ms "
           "(target <= 1 s after the pass is processed: %s)\n",
           msgs, lat[msgs / 2], lat[msgs * 99 / 100],
           lat[msgs * 99 / 100] <= 1000 ? "met" : "NOT met");
    free(lat);
    close(s);
    ops_http_stop(h);
    unlink(tok);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    int passes = 10, points = quick ? 100 : 1000;
    long n = quick ? 100000 : 1000000;
    char path[] = "/tmp/bench_archive_XXXXXX";
    if (!mkdtemp(path))
        return 1;
    char url[600];
    snprintf(url, sizeof url, "sqlite:%s/a.db", path);
    printf("bench_archive: 100 satellites x %d passes x %d points%s\n", passes, points,
           quick ? " (--quick)" : "");
    ingest_line("SQLite, 1 writer", url, 1, passes, points);
    history(url, n, 200);
    live(url, 200);
    const char *pg = getenv("AUS_TEST_PG_URL");
    if (pg && *pg) {
        ops_archive *a;
        char why[512];
        if (ops_archive_open(&a, pg, why, sizeof why) == 0) { /* start from empty tables */
            (void)ops_archive_clear(a);
            ops_archive_close(a);
        }
        ingest_line("PostgreSQL, 4 writers (stations)", pg, 4, passes, points);
        history(pg, n, 200);
    } else
        printf("  PostgreSQL: not run (set AUS_TEST_PG_URL=postgresql://...)\n");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    return system(cmd) == 0 ? 0 : 0;
}
