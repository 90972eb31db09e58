/* SPDX-License-Identifier: Apache-2.0 */
/* bench_bpv7: BPv7 decode+validate and encode rates (bundles/s on one core, MB/s) for 100 B,
 * 1 KB and 64 KB payloads with CRC none / CRC-16 / CRC-32C, and a plain memcpy of the same
 * bytes measured in the same run as the baseline. Prints figures; never fails on timing.
 * The codec path allocates nothing (the core has no malloc symbol: test core_symbols); the
 * heap in use is also compared before and after each measurement. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "australis/base.h"
#include "australis/bpv7.h"
#include "bench_args.h"

static double now_s(void)
{
    struct timespec ts;
    /* this thread's CPU time: on a shared machine wall time measures our share of a core */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile long sink;
static aus_bpv7_bundle built, dec;
static uint8_t wire[70000], out[70000], pay[65536];

typedef enum { OP_DECODE, OP_ENCODE, OP_MEMCPY } op_kind;

static long run(op_kind op, size_t n, long iters)
{
    long acc = 0;
    for (long i = 0; i < iters; i++) {
        switch (op) {
        case OP_DECODE:
            acc += aus_bpv7_decode(&dec, wire, n, 0);
            acc += (long)dec.payload_len;
            break;
        case OP_ENCODE: acc += aus_bpv7_encode(&built, out, sizeof out); break;
        default:
            memcpy(out, wire, n);
            __asm__ volatile("" : : "r"(out) : "memory");
            acc += out[i % (long)n];
        }
    }
    return acc;
}

/* Seconds per operation, measured over >= 0.2 s after a calibration pass. */
static double measure(op_kind op, size_t n, size_t *heap_delta)
{
    long iters = 1000;
    double t;
    for (;;) {
        double t0 = now_s();
        sink += run(op, n, iters);
        t = now_s() - t0;
        if (t > 0.05)
            break;
        iters *= 4;
    }
    iters = (long)((double)iters * 0.2 / t) + 1;
    struct mallinfo2 m0 = mallinfo2();
    double t0 = now_s();
    sink += run(op, n, iters);
    t = now_s() - t0;
    struct mallinfo2 m1 = mallinfo2();
    *heap_delta = m1.uordblks - m0.uordblks;
    return t / (double)iters;
}

static size_t build(size_t plen, uint8_t crc)
{
    aus_bpv7_init(&built);
    built.pri.crc_type = crc;
    built.pri.dst.scheme = built.pri.src.scheme = built.pri.report_to.scheme = AUS_EID_SCHEME_IPN;
    built.pri.dst.node = 20;
    built.pri.dst.service = 1;
    built.pri.src.node = 10;
    built.pri.src.service = 1;
    built.pri.report_to = built.pri.src;
    built.pri.ctime = 848000000000ull;
    built.pri.seq = 1;
    built.pri.lifetime = 3600000;
    if (aus_bpv7_set_payload(&built, pay, plen, 0, crc) != AUS_OK ||
        aus_bpv7_add_hop_count(&built, 30, 1, crc) != AUS_OK)
        return 0;
    long n = aus_bpv7_encode(&built, wire, sizeof wire);
    return n > 0 ? (size_t)n : 0;
}

int main(int argc, char **argv)
{
    bench_args(
        argc, argv, "bench_bpv7",
        "(no arguments)\n  BPv7 decode+validate and encode rates (bundles/s, MB/s) on one core for "
        "100 B, 1 KB\n  and 64 KB payloads, CRC none / CRC-16 / CRC-32C; baseline: memcpy "
        "of the same bytes.\n");
    const size_t sizes[] = {100, 1024, 65536};
    const char *crcs[] = {"none", "CRC-16", "CRC-32C"};
    for (size_t i = 0; i < sizeof pay; i++)
        pay[i] = (uint8_t)(i * 13 + 1);
    printf("bench_bpv7: one core; bundle = primary (ipn EIDs) + hop count + payload block\n");
    printf("CRC implementation: %s\n", aus_crc_impl());
    double dec_per_s[3][3], dec_bytes_s[3][3]; /* per size and CRC type, for the summary */
    printf("%-7s %-8s %6s | %12s %9s | %12s %9s | %9s | %10s %10s | %s\n", "payload", "crc",
           "bytes", "decode/s", "MB/s", "encode/s", "MB/s", "memcpy/s", "dec/memcpy", "enc/memcpy",
           "heap delta");
    for (size_t s = 0; s < 3; s++) {
        for (uint8_t c = 0; c <= 2; c++) {
            size_t n = build(sizes[s], c);
            if (!n || aus_bpv7_decode(&dec, wire, n, 0) != AUS_OK) {
                printf("setup failed\n");
                return 1;
            }
            size_t h1, h2, h3;
            double td = measure(OP_DECODE, n, &h1);
            double te = measure(OP_ENCODE, n, &h2);
            double tm = measure(OP_MEMCPY, n, &h3);
            dec_per_s[s][c] = 1.0 / td;
            dec_bytes_s[s][c] = (double)n / td;
            printf("%-7zu %-8s %6zu | %12.0f %9.1f | %12.0f %9.1f | %9.0f | %10.2f %10.2f | "
                   "%zu B\n",
                   sizes[s], crcs[c], n, 1.0 / td, (double)n / td / 1e6, 1.0 / te,
                   (double)n / te / 1e6, 1.0 / tm, td / tm, te / tm, h1 + h2 + h3);
        }
    }
    printf("(ratios: time of one decode or encode divided by the time of one memcpy of the "
           "same bytes)\n");
    /* bundles decoded per second with a CRC against the same decode without one, same run */
    printf("1 KB decode with CRC vs none: CRC-16 %.0f %%, CRC-32C %.0f %%; 64 KB decode: "
           "CRC-16 %.2f GB/s, CRC-32C %.2f GB/s\n",
           100.0 * dec_per_s[1][1] / dec_per_s[1][0], 100.0 * dec_per_s[1][2] / dec_per_s[1][0],
           dec_bytes_s[2][1] / 1e9, dec_bytes_s[2][2] / 1e9);
    return sink == 42 ? 2 : 0;
}
