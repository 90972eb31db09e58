/* SPDX-License-Identifier: Apache-2.0 */
/* bench_pq: ML-KEM-768 and ML-DSA-65 (src/pq) on one core, against the floor of one SHAKE-128
 * block through the crypto provider, measured in the same run.
 *
 * Timing: clock_gettime(CLOCK_MONOTONIC) gives the wall time per operation; on x86-64 the TSC
 * (rdtsc) gives "cycles" per operation. The TSC ticks at a constant reference rate, not the
 * core clock: with turbo or power saving the two differ, so treat cycles as TSC cycles (the
 * TSC rate measured over the run is printed). Each operation runs for at least ~0.4 s.
 * A counting wrapper around the default provider also reports how many hash calls and bytes
 * of SHAKE output each operation asks for (the provider is one-shot, see mldsa_sample.c).
 * Targets (docs/pq.md): within 2x of the portable C reference implementations, i.e. ML-KEM-768
 * encaps + decaps ~60-80 us and ML-DSA-65 sign ~0.5-1 ms on a 2-3 GHz core.
 * Stack: each operation also runs once on a thread whose stack (256 KiB, pthread_attr_setstack)
 * is painted with a pattern beforehand; the deepest overwritten byte gives the high-water mark
 * including the OpenSSL provider underneath.
 * Benchmarks print figures and never fail on timing. Usage: bench_pq [seconds per op]. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "australis/crypto.h"
#include "australis/pq.h"
#include "bench_args.h"

static double g_secs = 0.4;

static uint64_t tsc(void)
{
#if HAVE_TSC
    return __rdtsc();
#else
    return 0;
#endif
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- a counting provider: forwards to the platform's, counts hash calls and bytes ---- */
static const aus_crypto *g_inner;
static unsigned long g_calls, g_out;
static aus_crypto_ops g_ops;
static aus_crypto g_counting;

static aus_err count_hash(void *self, aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                          size_t outlen)
{
    (void)self;
    g_calls++;
    g_out += outlen;
    return g_inner->ops->hash(g_inner->self, alg, in, nin, out, outlen);
}

/* ---- the operations ---- */
static uint8_t ek[AUS_MLKEM768_EK_BYTES], dk[AUS_MLKEM768_DK_BYTES], ct[AUS_MLKEM768_CT_BYTES];
static uint8_t pk[AUS_MLDSA65_PK_BYTES], sk[AUS_MLDSA65_SK_BYTES], sig[AUS_MLDSA65_SIG_BYTES];
static uint8_t seed[64], msg[64];
static unsigned long g_ctr;
static int g_fail;

static void vary(void) /* a different seed/message each call: signing's cost varies with them */
{
    g_ctr++;
    memcpy(seed, &g_ctr, sizeof g_ctr);
    memcpy(msg, &g_ctr, sizeof g_ctr);
}

static void op_shake_block(void)
{
    uint8_t out[168];
    aus_iov in = {seed, 32};
    g_fail |= g_inner->ops->hash(g_inner->self, AUS_HASH_SHAKE128, &in, 1, out, sizeof out) != 0;
}
static void op_shake_64blocks(void)
{
    static uint8_t out[64 * 168];
    aus_iov in = {seed, 32};
    g_fail |= g_inner->ops->hash(g_inner->self, AUS_HASH_SHAKE128, &in, 1, out, sizeof out) != 0;
}
static void op_kem_keygen(void)
{
    vary();
    g_fail |= aus_mlkem768_keygen_derand(ek, dk, seed, seed + 32) != AUS_OK;
}
static void op_kem_encaps(void)
{
    uint8_t ss[32];
    vary();
    g_fail |= aus_mlkem768_encaps_derand(ct, ss, ek, seed) != AUS_OK;
}
static void op_kem_decaps(void)
{
    uint8_t ss[32];
    g_fail |= aus_mlkem768_decaps(ss, ct, dk) != AUS_OK;
}
static void op_dsa_keygen(void)
{
    vary();
    g_fail |= aus_mldsa65_keygen_derand(pk, sk, seed) != AUS_OK;
}
static void op_dsa_sign(void)
{
    vary();
    g_fail |= aus_mldsa65_sign_derand(sig, msg, sizeof msg, NULL, 0, sk, seed) != AUS_OK;
}
static void op_dsa_verify(void)
{
    g_fail |= aus_mldsa65_verify(sig, msg, sizeof msg, NULL, 0, pk) != AUS_OK;
}

static void op_nothing(void) {}

typedef struct result {
    double us, cycles, calls, bytes;
} result;

static result run(const char *name, void (*fn)(void))
{
    result r;
    fn(); /* warm up */
    unsigned long n = 0;
    g_calls = g_out = 0;
    double t0 = now(), t1;
    uint64_t c0 = tsc();
    do {
        for (int i = 0; i < 8; i++)
            fn();
        n += 8;
        t1 = now();
    } while (t1 - t0 < g_secs);
    uint64_t c1 = tsc();
    r.us = (t1 - t0) * 1e6 / (double)n;
    r.cycles = (double)(c1 - c0) / (double)n;
    r.calls = (double)g_calls / (double)n;
    r.bytes = (double)g_out / (double)n;
    printf("%-28s %10.0f ops/s %10.2f us/op %12.0f cycles/op", name, 1e6 / r.us, r.us, r.cycles);
    if (r.calls > 0)
        printf("  %6.1f hash calls %8.0f B squeezed", r.calls, r.bytes);
    printf("\n");
    return r;
}

/* ---- stack high-water mark on a painted thread stack ---- */
#define PAINT_BYTES (256 * 1024)
#define PAINT 0xA5

static void *thread_run(void *arg)
{
    ((void (*)(void))arg)();
    return NULL;
}

static void stack_mark(const char *name, void (*fn)(void))
{
    static uint8_t stack[PAINT_BYTES] __attribute__((aligned(64)));
    memset(stack, PAINT, sizeof stack);
    pthread_attr_t at;
    pthread_t th;
    union {
        void (*f)(void);
        void *p;
    } u = {.f = fn}; /* function pointer through void * (POSIX allows it) */
    if (pthread_attr_init(&at) != 0 || pthread_attr_setstack(&at, stack, sizeof stack) != 0 ||
        pthread_create(&th, &at, thread_run, u.p) != 0) {
        printf("%-28s stack: n/a\n", name);
        return;
    }
    pthread_join(th, NULL);
    pthread_attr_destroy(&at);
    size_t low = 0;
    while (low < sizeof stack && stack[low] == PAINT)
        low++;
    printf("%-28s stack high-water %7zu B (incl. provider and thread start)\n", name,
           sizeof stack - low);
}

int main(int argc, char **argv)
{
    bench_args(argc, argv, "bench_pq",
               "[SECONDS]\n  ML-KEM-768 and ML-DSA-65 operations/s and cycles/operation on one "
               "core (each run for at\n  least SECONDS, default 0.4); floor: one SHAKE-128 block "
               "through the crypto provider.\n");
    if (argc > 1)
        g_secs = atof(argv[1]);
    g_inner = aus_crypto_default();
    g_ops = *g_inner->ops;
    g_ops.hash = count_hash;
    g_counting.ops = &g_ops;
    g_counting.self = NULL;
    aus_crypto_set_default(&g_counting);

    printf("bench_pq: one core, %.1f s per operation; cycles = %s\n", g_secs,
           HAVE_TSC ? "TSC (rdtsc, constant reference rate)" : "n/a (no TSC on this CPU)");
    double t0 = now();
    uint64_t c0 = tsc();
    result shake = run("SHAKE-128 1 block (168 B)", op_shake_block);
    result shake64 = run("SHAKE-128 64 blocks", op_shake_64blocks);
    printf("  -> per-block permutation cost %.2f us, per-call provider overhead %.2f us\n",
           shake64.us / 64, shake.us - shake64.us / 64);
    run("ML-KEM-768 keygen", op_kem_keygen);
    result enc = run("ML-KEM-768 encaps", op_kem_encaps);
    result dec = run("ML-KEM-768 decaps", op_kem_decaps);
    run("ML-DSA-65 keygen", op_dsa_keygen);
    op_dsa_keygen();
    result sgn = run("ML-DSA-65 sign (hedged, avg)", op_dsa_sign);
    op_dsa_sign();
    result ver = run("ML-DSA-65 verify", op_dsa_verify);
    double dt = now() - t0;
    uint64_t dc = tsc() - c0;
    if (HAVE_TSC)
        printf("TSC rate over the run: %.2f GHz\n", (double)dc / dt * 1e-9);
    printf("ML-KEM-768 encaps+decaps: %.1f us (target: within 2x of ~60-80 us -> <= 160 us: %s)\n",
           enc.us + dec.us, enc.us + dec.us <= 160 ? "met" : "NOT met");
    printf("ML-DSA-65 sign: %.1f us (target: within 2x of ~0.5-1 ms -> <= 2000 us: %s)\n", sgn.us,
           sgn.us <= 2000 ? "met" : "NOT met");
    printf("in SHAKE-128 blocks (floor = %.2f us): encaps+decaps %.0f, sign %.0f, verify %.0f\n",
           shake.us, (enc.us + dec.us) / shake.us, sgn.us / shake.us, ver.us / shake.us);
    stack_mark("ML-KEM-768 keygen", op_kem_keygen);
    stack_mark("ML-KEM-768 encaps", op_kem_encaps);
    stack_mark("ML-KEM-768 decaps", op_kem_decaps);
    stack_mark("ML-DSA-65 keygen", op_dsa_keygen);
    stack_mark("ML-DSA-65 sign", op_dsa_sign);
    stack_mark("ML-DSA-65 verify", op_dsa_verify);
    stack_mark("(empty thread: baseline)", op_nothing);
    if (g_fail)
        printf("WARNING: an operation returned an error during the run\n");
    return 0;
}
