/* SPDX-License-Identifier: Apache-2.0 */
/* bench_archive: the ground's archive under a simulated constellation (docs/http-api.md).
 *   1. ingest: 100 satellites x 10 passes x 1 000 points (one transaction per pass, as the
 *      ground stores a report), into SQLite, then into PostgreSQL with 4 writers (4 stations)
 *      when AUS_TEST_PG_URL is set: points/s;
 *   2. history: one point with 1 M samples, 200 queries downsampled to 1 000: p50/p99;
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
    for (int s = j->first; s < j->first + j->nsat; s++) {
        snprintf(sat, sizeof sat, "ipn:%d", 1000 + s);
        for (int p = 0; p < j->passes; p++) {
            int64_t t0 = (int64_t)p * 600000;
            if (ops_archive_begin(a) ||
                ops_archive_source(a, "bench", sat, j->station, (uint64_t)(p + 1), t0) != 1)
                break;
            for (int i = 0; i < j->points; i++)
                if (ops_archive_point(a, "bench", sat, i % 2 ? "temp_c" : "battery_mv", t0 + i * 10,
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

static double run_ingest(const char *url, int writers, int passes, int points, long *total)
{
    pthread_t th[8];
    job jobs[8];
    double t = now_s();
    for (int w = 0; w < writers; w++) {
        jobs[w] = (job){url, w * (100 / writers), 100 / writers, passes, points, "", 0};
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
    double *lat = calloc((size_t)queries, sizeof *lat);
    static ops_sample out[1001];
    long got = 0;
    int found;
    for (int q = 0; q < queries; q++) {
        double t0 = now_s();
        got = ops_archive_history(a, "bench", "ipn:1", "long_series", 0, n * 10, 1000, out, 1001,
                                  &found);
        lat[q] = (now_s() - t0) * 1000;
    }
    qsort(lat, (size_t)queries, sizeof *lat, cmp_d);
    printf("  history: %ld points in one series (stored at %.0f points/s); %d queries of the "
           "whole range to max=1000 -> %ld samples: p50 %.1f ms, p99 %.1f ms (target p99 <= "
           "100 ms: %s)\n",
           n, (double)n / ti, queries, got, lat[queries / 2], lat[queries * 99 / 100],
           lat[queries * 99 / 100] <= 100 ? "met" : "NOT met");
    free(lat);
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
    long n = quick ? 100000 : 1000000, total;
    char path[] = "/tmp/bench_archive_XXXXXX";
    if (!mkdtemp(path))
        return 1;
    char url[600];
    snprintf(url, sizeof url, "sqlite:%s/a.db", path);
    printf("bench_archive: 100 satellites x %d passes x %d points%s\n", passes, points,
           quick ? " (--quick)" : "");
    double t = run_ingest(url, 1, passes, points, &total);
    printf("  SQLite, 1 writer: %ld points in %.2f s = %.0f points/s (target >= 100 000: %s)\n",
           total, t, (double)total / t, (double)total / t >= 100000 ? "met" : "NOT met");
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
        t = run_ingest(pg, 4, passes, points, &total);
        printf("  PostgreSQL, 4 writers (stations): %ld points in %.2f s = %.0f points/s (target "
               ">= 100 000: %s)\n",
               total, t, (double)total / t, (double)total / t >= 100000 ? "met" : "NOT met");
        history(pg, n, 200);
    } else
        printf("  PostgreSQL: not run (set AUS_TEST_PG_URL=postgresql://...)\n");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    return system(cmd) == 0 ? 0 : 0;
}
