/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: hostile pass files into the CCSDS convergence layer's receive paths.
 *
 * Byte 0: bit 0 = direction (0: CLTUs into the satellite, 1: CADUs into the ground), bit 1 =
 * clear SDLS SAs (no MAC, so mutated frames reach FARM-1, the packet layer and reassembly)
 * instead of AES-256-GCM, bit 2 = randomizers off. The rest is the pass file.
 * Checks: pass_in never fails on input, delivered units are within bounds, counters stay
 * consistent, and the next pass_out still works (FOP-1 / FARM-1 / queues not corrupted).
 * Seeds (fuzz/corpus/cl_ccsds/) are real pass files: build this file with -DCLC_SEED_MAIN and
 * run it with an output directory to regenerate them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "australis/cl_ccsds.h"
#include "australis/crypto.h"
#include "../tests/support/tst_sdls.h"

static aus_sdls_keyring ring;
static aus_sdls_table tmpl[2][2], t; /* [clear][ground] */
static aus_cl_ccsds c;
static uint8_t out[(AUS_FOP_MAX_WINDOW + 2) * AUS_CL_CCSDS_CLTU_MAX + 64 * 1279];
static size_t delivered;

static void add_sa(aus_sdls_table *tb, uint16_t spi, int clear, int sender)
{
    aus_sdls_sa_cfg s;
    memset(&s, 0, sizeof s);
    s.spi = spi;
    if (!clear) {
        s.est = s.ast = 1;
        s.ecs = AUS_SDLS_ECS_AES256_GCM;
        s.iv_len = s.shivf_len = 12;
        s.iv[11] = sender ? 0x10 : 0;
        s.stmacf_len = 16;
    }
    s.abm_len = AUS_SDLS_MAX_FRAME;
    s.arsnw = 64;
    s.flags = AUS_SDLS_F_AR_OPEN;
    if (tst_sdls_sa_up(tb, &s, 0x100, NULL) != AUS_OK)
        abort();
}

static void init_once(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    uint8_t k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)(i * 5 + 3);
    if (aus_sdls_keyring_put(&ring, 0x100, k, 32, 1) != AUS_OK)
        abort();
    for (int clear = 0; clear < 2; clear++)
        for (int g = 0; g < 2; g++) {
            if (aus_sdls_init(&tmpl[clear][g], aus_crypto_default(), &aus_sdls_keyring_ops,
                              &ring) != AUS_OK)
                abort();
            add_sa(&tmpl[clear][g], 1, clear, !g); /* TM: the satellite sends */
            add_sa(&tmpl[clear][g], 2, clear, g);  /* TC: the ground sends */
        }
}

static void on_bundle(void *u, const uint8_t *b, size_t n)
{
    (void)u;
    if (b == NULL || n == 0 || n > AUS_CL_CCSDS_BUNDLE_MAX)
        abort();
    delivered += b[0] + b[n - 1]; /* touch both ends */
}

static void on_ep(void *u, const uint8_t *p, size_t n, uint16_t spi)
{
    (void)u;
    if (p == NULL || n == 0 || n > AUS_CL_CCSDS_BUNDLE_MAX || (spi != 1 && spi != 2))
        abort();
    delivered += p[0];
}

static const aus_cl_ccsds_ops ops = {on_bundle, on_ep};

static void open_end(uint8_t mode, int ground)
{
    aus_cl_ccsds_cfg cfg;
    aus_cl_ccsds_cfg_default(&cfg, ground ? AUS_CL_CCSDS_GROUND : AUS_CL_CCSDS_SAT);
    cfg.tm_spi = 1;
    cfg.tc_spi = cfg.ep_spi = 2;
    cfg.randomize = (mode & 4) == 0;
    t = tmpl[(mode >> 1) & 1][ground];
    if (aus_cl_ccsds_init(&c, &cfg, &t, NULL, "", &ops, NULL, 1) != AUS_OK)
        abort();
}

/* A ground with frames outstanding, so that CLCWs have something to acknowledge. */
static void ground_with_traffic(void)
{
    static const uint8_t b[300] = {1, 2, 3};
    size_t n;
    if (aus_cl_ccsds_send(&c, b, sizeof b, 1) != AUS_OK ||
        aus_cl_ccsds_pass_out(&c, out, sizeof out, 1, &n) != AUS_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[1 << 20];
    if (size < 1 || size - 1 > sizeof buf)
        return 0;
    init_once();
    uint8_t mode = data[0];
    int ground = mode & 1;
    open_end(mode, ground);
    if (ground)
        ground_with_traffic();
    memcpy(buf, data + 1, size - 1);
    if (aus_cl_ccsds_pass_in(&c, buf, size - 1, 100) != AUS_OK)
        abort();
    aus_cl_ccsds_stats st;
    aus_cl_ccsds_stats_get(&c, &st);
    if (st.farm_accept > st.tc_rx || st.tc_rx > st.cltu_rx || st.tm_rx > st.cadu_rx ||
        st.sdls_ok > st.tc_rx + st.tm_rx || st.outstanding > AUS_FOP_MAX_WINDOW + 1)
        abort();
    size_t n = 0;
    aus_err e = aus_cl_ccsds_pass_out(&c, out, sizeof out, 200, &n);
    if (e != AUS_OK || n > sizeof out)
        abort();
    return 0;
}

#ifdef CLC_SEED_MAIN
/* Seeds: a real pass file in each direction and SDLS profile (small bundles and an EP PDU). */
int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    init_once();
    for (uint8_t mode = 0; mode < 4; mode++) {
        int ground = mode & 1;
        open_end(mode, !ground); /* the sender of what the receiver gets */
        static const uint8_t ep[] = {0x31, 0x00, 0x00};
        uint8_t b[400];
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (uint8_t)(i * 13);
        if (aus_cl_ccsds_ep_send(&c, ep, sizeof ep, 1) != AUS_OK ||
            aus_cl_ccsds_send(&c, b, sizeof b, 1) != AUS_OK ||
            aus_cl_ccsds_send(&c, b, 120, 1) != AUS_OK)
            return 1;
        size_t n = 0;
        if (aus_cl_ccsds_pass_out(&c, out, sizeof out, 1, &n) != AUS_OK)
            return 1;
        char path[512];
        snprintf(path, sizeof path, "%s/seed_%s_%s", argv[1], ground ? "down" : "up",
                 (mode & 2) ? "clear" : "gcm");
        FILE *f = fopen(path, "wb");
        if (f == NULL)
            return 3;
        fputc(mode, f);
        fwrite(out, 1, n, f);
        fclose(f);
    }
    return 0;
}
#endif
