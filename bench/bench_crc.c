/* SPDX-License-Identifier: Apache-2.0 */
/* bench_crc: CRC-32C and CRC-16/X.25 throughput on one core, the implementation this CPU runs
 * (aus_crc32c_update / aus_crc16_x25_update: hardware where available) against the portable
 * slicing-by-8 reference measured in the same run, for buffer sizes from 16 B to 1 MiB (hot in
 * cache). Prints GB/s and the ratio; never fails on timing. CRC-16/CCITT (CCSDS FECF, portable
 * only) is printed for comparison. Timed in thread CPU time (best of 5): the build host is
 * shared, and wall time there measures the other jobs as much as the CRC. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "australis/base.h"
#include "bench_args.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef enum { K_32C, K_32C_PORT, K_X25, K_X25_PORT, K_CCITT } kind;

static uint8_t buf[1u << 20];
static volatile uint32_t sink;

static uint32_t run(kind k, size_t n, long iters)
{
    uint32_t acc = 0;
    for (long i = 0; i < iters; i++) {
        /* the register feeds back so iterations cannot be merged or hoisted */
        switch (k) {
        case K_32C: acc = aus_crc32c_update(acc, buf, n); break;
        case K_32C_PORT: acc = aus_crc32c_update_portable(acc, buf, n); break;
        case K_X25: acc = aus_crc16_x25_update((uint16_t)acc, buf, n); break;
        case K_X25_PORT: acc = aus_crc16_x25_update_portable((uint16_t)acc, buf, n); break;
        default: acc = aus_crc16_ccitt_update((uint16_t)acc, buf, n); break;
        }
    }
    return acc;
}

/* Bytes per second: best of 5 runs of about 40 ms each (the machine is shared). */
static double measure(kind k, size_t n)
{
    long iters = 16;
    double t;
    for (;;) {
        double t0 = now_s();
        sink += run(k, n, iters);
        t = now_s() - t0;
        if (t > 0.01)
            break;
        iters *= 4;
    }
    iters = (long)((double)iters * 0.04 / t) + 1;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        sink += run(k, n, iters);
        t = now_s() - t0;
        if (t < best)
            best = t;
    }
    return (double)n * (double)iters / best;
}

int main(int argc, char **argv)
{
    bench_args(argc, argv, "bench_crc",
               "(no arguments)\n  CRC-32C and CRC-16/X.25 GB/s on one core: this CPU's "
               "implementation against the\n  portable slicing-by-8 tables in the same run, "
               "16 B .. 1 MiB buffers.\n");
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    static const size_t sizes[] = {16, 64, 256, 1024, 4096, 65536, 1u << 20};
    printf("bench_crc: one core; implementation: %s\n", aus_crc_impl());
    printf("%8s | %9s %9s %7s | %9s %9s %7s | %9s\n", "bytes", "32C GB/s", "portable", "ratio",
           "X.25 GB/s", "portable", "ratio", "CCITT");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        double a = measure(K_32C, n), ap = measure(K_32C_PORT, n);
        double x = measure(K_X25, n), xp = measure(K_X25_PORT, n);
        double cc = measure(K_CCITT, n);
        printf("%8zu | %9.2f %9.2f %6.1fx | %9.2f %9.2f %6.1fx | %9.2f\n", n, a / 1e9, ap / 1e9,
               a / ap, x / 1e9, xp / 1e9, x / xp, cc / 1e9);
    }
    printf("(GB/s = 1e9 bytes/s; ratio = this CPU's implementation / portable, same run)\n");
    return 0;
}
