/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: SDLS ProcessSecurity on hostile TC / TM / AOS frames, against a table holding
 * one SA of each service (authenticated encryption, GMAC, HMAC, encryption only, clear).
 * Byte 0 picks the frame kind and link options; the rest is the frame. Also checks that a
 * frame we protect ourselves from the input always verifies, and that process never reports
 * a data field outside the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/sdls.h"

static aus_sdls_keyring ring;
static aus_sdls_table tmpl, t;

static void add_sa(uint16_t spi, uint8_t est, uint8_t ast, uint8_t ecs, uint8_t acs, uint8_t ivl,
                   uint8_t snl, uint8_t macl)
{
    aus_sdls_sa_cfg c;
    memset(&c, 0, sizeof c);
    c.spi = spi;
    c.est = est;
    c.ast = ast;
    c.ecs = ecs;
    c.acs = acs;
    c.iv_len = c.shivf_len = ivl;
    c.arsn_len = snl;
    c.shsnf_len = snl;
    c.stmacf_len = macl;
    c.arsnw = 16;
    c.abm_len = 64;
    if (aus_sdls_sa_create(&tmpl, &c) != AUS_OK ||
        aus_sdls_sa_rekey(&tmpl, spi, 0x100, 0x101, NULL, 0) != AUS_OK ||
        aus_sdls_sa_start(&tmpl, spi, NULL) != AUS_OK)
        abort();
}

static void init_once(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    uint8_t k[64];
    for (int i = 0; i < 64; i++)
        k[i] = (uint8_t)(i * 3 + 1);
    if (aus_sdls_keyring_put(&ring, 0x100, k, 32, 1) != AUS_OK ||
        aus_sdls_keyring_put(&ring, 0x101, k, 64, 1) != AUS_OK ||
        aus_sdls_init(&tmpl, aus_crypto_default(), &aus_sdls_keyring_ops, &ring) != AUS_OK)
        abort();
    add_sa(1, 1, 1, AUS_SDLS_ECS_AES256_GCM, 0, 12, 2, 16);
    add_sa(2, 0, 1, AUS_SDLS_ECS_AES256_GCM, 0, 12, 0, 8);
    add_sa(3, 0, 1, 0, AUS_SDLS_ACS_HMAC_SHA512, 0, 4, 32);
    add_sa(4, 1, 0, AUS_SDLS_ECS_AES256_GCM, 0, 16, 0, 0);
    add_sa(5, 0, 0, 0, 0, 0, 2, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t f[AUS_SDLS_MAX_FRAME + 64];
    init_once();
    if (size < 1 || size - 1 > AUS_SDLS_MAX_FRAME)
        return 0;
    memcpy(&t, &tmpl, sizeof t);
    uint8_t sel = data[0];
    size_t n = size - 1;
    memcpy(f, data + 1, n);
    aus_sdls_link l = {.frame_len = (uint16_t)n,
                       .fecf = (uint8_t)((sel >> 2) % 3),
                       .ocf = (uint8_t)((sel >> 4) & 1),
                       .seg_hdr = (uint8_t)((sel >> 5) & 1),
                       .fhec = (uint8_t)((sel >> 6) & 1),
                       .iz_len = (uint8_t)(sel >> 7) * 5};
    aus_sdls_rx rx;
    aus_err e;
    switch (sel & 3) {
    case 0: e = aus_sdls_tc_process(&t, &l, f, n, 0, &rx); break;
    case 1: e = aus_sdls_tm_process(&t, &l, f, n, 0, &rx); break;
    case 2: e = aus_sdls_aos_process(&t, &l, f, n, 0, &rx); break;
    default: {
        /* Round trip: protect a TC frame built from the input, then verify it. */
        if (n > 900)
            return 0;
        uint16_t spi = (uint16_t)(1 + (n ? data[1] % 5 : 0));
        size_t len = 5 + n + 2;
        f[0] = 0x00;
        f[1] = 0x42;
        f[2] = (uint8_t)(((len - 1) >> 8) & 3);
        f[3] = (uint8_t)(len - 1);
        f[4] = 0;
        memcpy(f + 5, data + 1, n);
        aus_sdls_link tl = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES};
        int r = aus_sdls_tc_apply(&t, &tl, spi, f, len, sizeof f, 0);
        if (r < 0)
            abort();
        memcpy(&t.sa[0], &tmpl.sa[0], sizeof t.sa); /* receiver = fresh copy */
        e = aus_sdls_tc_process(&t, &tl, f, (size_t)r, 0, &rx);
        if (e != AUS_OK || rx.data_len != n || memcmp(f + rx.data_off, data + 1, n) != 0)
            abort();
        return 0;
    }
    }
    if (e == AUS_OK && (rx.data_off > n || rx.data_len > n - rx.data_off))
        abort();
    return 0;
}
