/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS and COP-1 throughput (prints figures; never fails on timing).
 *   TC: apply / process of a 256-octet TC frame (AES-256-GCM, 12-octet IV, 16-octet MAC)
 *   TM: apply / process of a 1115-octet TM frame, Mbit/s, with the ratio to a raw
 *       AES-256-GCM seal/open of the same data field with the same provider in the same run
 *   COP-1: FOP-1 -> FARM-1 frames/s on a loss-free in-memory link */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "australis/base.h"
#include "australis/cop1.h"
#include "australis/crypto.h"
#include "australis/sdls.h"
#include "bench_args.h"

static double now_s(void)
{
    struct timespec ts;
    /* this thread's CPU time: on a shared machine wall time measures our share of a core */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static aus_sdls_simple tx, rx;

int main(int argc, char **argv)
{
    bench_args(argc, argv, "bench_sdls",
               "(no arguments)\n  SDLS apply / process of TC and TM frames (AES-256-GCM) with the "
               "ratio to "
               "raw AES-GCM,\n  and COP-1 FOP-1 -> FARM-1 frames/s.\n");
    const uint8_t key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    const uint8_t iv0[12] = {0, 0, 0, 7};
    const uint8_t zero[12] = {0};
    const aus_crypto *c = aus_crypto_default();
    if (aus_sdls_simple_init(&tx, c, 1, key, 32, iv0) ||
        aus_sdls_simple_init(&rx, c, 1, key, 32, zero))
        return 1;
    /* ---- TC ---- */
    enum { TCN = 200000, TCP = 224 };
    static uint8_t f[1024];
    aus_sdls_link tl = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES, .seg_hdr = 1};
    double t_apply = 0, t_proc = 0;
    for (int i = 0; i < TCN; i++) {
        size_t len = 5 + 1 + TCP + 2;
        memset(f, (int)i, len);
        f[0] = 0;
        f[1] = 0x42;
        f[2] = (uint8_t)((len - 1) >> 8);
        f[3] = (uint8_t)(len - 1);
        double a = now_s();
        int n = aus_sdls_tc_apply(&tx.t, &tl, 1, f, len, sizeof f, 0);
        double b = now_s();
        aus_sdls_rx out;
        if (n < 0 || aus_sdls_tc_process(&rx.t, &tl, f, (size_t)n, 0, &out) != AUS_OK)
            return 1;
        t_proc += now_s() - b;
        t_apply += b - a;
    }
    printf("TC  (%d-octet data, AES-256-GCM, frame %d octets): apply %.0f frames/s, process %.0f "
           "frames/s\n",
           TCP, 5 + 1 + TCP + 2 + 30, TCN / t_apply, TCN / t_proc);
    /* ---- TM ---- */
    enum { TMN = 100000, TML = 1115 };
    static uint8_t g[TML];
    size_t dlen = TML - 6 - 14 - 16 - 4 - 2;
    /* baseline: raw GCM over the same data field (AAD = 20 header octets) */
    uint8_t tag[16], iv[12] = {0};
    double t_seal = 0, t_open = 0;
    for (int i = 0; i < TMN; i++) {
        iv[11] = (uint8_t)i;
        iv[10] = (uint8_t)(i >> 8);
        aus_iov aad = {g, 20};
        double a = now_s();
        if (c->ops->aead_seal(c->self, AUS_AEAD_AES256_GCM, key, 32, iv, 12, &aad, 1, g + 20, dlen,
                              g + 20, tag, 16))
            return 1;
        double b = now_s();
        if (c->ops->aead_open(c->self, AUS_AEAD_AES256_GCM, key, 32, iv, 12, &aad, 1, g + 20, dlen,
                              tag, 16, g + 20))
            return 1;
        t_open += now_s() - b;
        t_seal += b - a;
    }
    double bits = (double)TMN * TML * 8;
    printf("raw AES-256-GCM over the TM data field (%zu octets): seal %.0f Mbit/s, open %.0f "
           "Mbit/s (frame bits)\n",
           dlen, bits / t_seal / 1e6, bits / t_open / 1e6);
    for (int withfecf = 0; withfecf <= 1; withfecf++) {
        aus_sdls_link ml = {
            .frame_len = TML, .fecf = withfecf ? AUS_SDLS_FECF_YES : AUS_SDLS_FECF_BLANK, .ocf = 1};
        t_apply = t_proc = 0;
        for (int i = 0; i < TMN; i++) {
            memset(g, (int)i, TML);
            g[0] = 0x01;
            g[1] = 0x03;
            g[4] = 0x18;
            double a = now_s();
            if (aus_sdls_tm_apply(&tx.t, &ml, 1, g, TML, 0) != AUS_OK)
                return 1;
            double b = now_s();
            aus_sdls_rx out;
            if (aus_sdls_tm_process(&rx.t, &ml, g, TML, 0, &out) != AUS_OK || out.data_len != dlen)
                return 1;
            t_proc += now_s() - b;
            t_apply += b - a;
        }
        printf("TM  (%d-octet frames, AES-256-GCM%s): apply %.0f Mbit/s (%.2f x raw seal), "
               "process %.0f Mbit/s (%.2f x raw open)\n",
               TML, withfecf ? " + FECF by SDLS" : ", FECF left to the codec", bits / t_apply / 1e6,
               t_seal / t_apply, bits / t_proc / 1e6, t_open / t_proc);
    }
    /* ---- COP-1 ---- */
    static uint8_t buf[(16 + 2) * 64];
    aus_fop fop;
    aus_farm farm;
    aus_fop_cfg cfg = {.vcid = 1, .k = 16, .tx_limit = 3, .tt = 0, .t1 = 1000};
    if (aus_fop_init(&fop, &cfg, buf, sizeof buf, 64) || aus_farm_init(&farm, 1, 64) ||
        aus_fop_initiate(&fop, AUS_FOP_INIT_UNLOCK, 0, 0))
        return 1;
    enum { CN = 2000000 };
    uint8_t d[64] = {0};
    long delivered = 0;
    double a = now_s();
    for (uint64_t t = 1; delivered < CN; t++) {
        aus_err e = aus_fop_send_ad(&fop, d, sizeof d, t);
        (void)e; /* AGAIN (Wait_Queue full) / STATE (still initialising): poll first */
        aus_fop_frame fr;
        while (aus_fop_poll(&fop, t, &fr) == AUS_OK)
            if (aus_farm_on_frame(&farm, fr.type, fr.ns, fr.data, fr.len, 1) == AUS_FARM_ACCEPT &&
                fr.type == AUS_COP1_AD)
                delivered++;
        aus_clcw cl;
        aus_farm_clcw(&farm, &cl);
        if (aus_fop_on_clcw(&fop, &cl, t))
            return 1;
    }
    double el = now_s() - a;
    printf("COP-1 (FOP-1 -> FARM-1, K=16, no loss): %.2f M AD frames/s (%.0f ns per frame incl. "
           "CLCW)\n",
           CN / el / 1e6, el / CN * 1e9);
    aus_sdls_simple_wipe(&tx);
    aus_sdls_simple_wipe(&rx);
    return 0;
}
