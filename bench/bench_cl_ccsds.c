/* The CCSDS convergence layer on one core (issue 9 §4): bundles/s and goodput (bundle octets /
 * link octets) through the full uplink chain (FOP-1, TC frames, SDLS AES-256-GCM, CLTU/BCH ->
 * BCH, SDLS, FARM-1, packets, with the CLCW coming back in the downlink) and the full downlink
 * chain (packets, TM frames 1115 octets, SDLS, RS(255,223) I=5, randomizer, ASM -> and back),
 * for 100 B, 1 KB and 64 KB bundles. Baseline in the same run: one raw AES-256-GCM seal of the
 * same bundle octets with the same provider ("t/raw GCM" = chain time / seal time). Prints
 * figures; never fails on timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "australis/cl_ccsds.h"
#include "australis/crypto.h"
#include "../tests/support/tst_sdls.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
        exit(1);
    static uint8_t b[AUS_CL_CCSDS_BUNDLE_MAX];
    for (size_t i = 0; i < size; i++)
        b[i] = (uint8_t)(i * 31 + 7);
    aus_cl_ccsds *tx = down ? &s.c : &g.c;
    got = got_bytes = 0;
    *link = 0;
    size_t sent = 0;
    uint64_t now = 10;
    double t0 = now_s();
    while (got < count) {
        while (sent < count && aus_cl_ccsds_send(tx, b, size, now) == AUS_OK)
            sent++;
        size_t n = 0;
        if (aus_cl_ccsds_pass_out(&g.c, passbuf, sizeof passbuf, now, &n))
            exit(2);
        if (!down)
            *link += n;
        if (aus_cl_ccsds_pass_in(&s.c, passbuf, n, now))
            exit(3);
        if (aus_cl_ccsds_pass_out(&s.c, passbuf, sizeof passbuf, now, &n))
            exit(4);
        if (down)
            *link += n;
        if (aus_cl_ccsds_pass_in(&g.c, passbuf, n, now))
            exit(5);
        now += 1000;
    }
    return now_s() - t0;
}

static double gcm_baseline(size_t size, size_t count)
{
    static uint8_t b[AUS_CL_CCSDS_BUNDLE_MAX], tag[16];
    static const uint8_t key[32] = {1}, iv[12] = {2};
    const aus_crypto *c = aus_crypto_default();
    double t0 = now_s();
    for (size_t i = 0; i < count; i++)
        if (c->ops->aead_seal(c->self, AUS_AEAD_AES256_GCM, key, 32, iv, 12, NULL, 0, b, size, b,
                              tag, 16))
            exit(6);
    return now_s() - t0;
}

int main(void)
{
    static const size_t sizes[3] = {100, 1024, 65536};
    static const size_t counts[3] = {40000, 10000, 160};
    printf(
        "CCSDS convergence layer, one core, AES-256-GCM SDLS both ways, TM 1115 octets RS I=5\n");
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
    return 0;
}
