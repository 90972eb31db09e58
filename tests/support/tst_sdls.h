/* SPDX-License-Identifier: Apache-2.0 */
/* Test, bench and fuzz support: the SDLS security associations they all start from.
 * Header only (static inline), so a bench or fuzz target can include it without the cmocka
 * test library: #include "../tests/support/tst_sdls.h". Functions return aus_err; the caller
 * asserts (tests) or aborts (fuzz). */
#ifndef AUS_TST_SDLS_H
#define AUS_TST_SDLS_H

#include <string.h>

#include "australis/crypto.h"
#include "australis/sdls.h"

/* An AES-256-GCM SA with both services on: the whole 12-octet IV in the Security Header
 * (IV field length = IV length), a 16-octet MAC, an anti-replay window of 64, the mask over the
 * longest frame, and the anti-replay window open to the first frame (AUS_SDLS_F_AR_OPEN).
 * Callers change what their test needs (IV start, window, mask) before tst_sdls_sa_up(). */
static inline void tst_sdls_gcm_cfg(aus_sdls_sa_cfg *c, uint16_t spi)
{
    memset(c, 0, sizeof *c);
    c->spi = spi;
    c->est = c->ast = 1;
    c->ecs = AUS_SDLS_ECS_AES256_GCM;
    c->iv_len = c->shivf_len = 12;
    c->stmacf_len = 16;
    c->arsnw = 64;
    c->abm_len = AUS_SDLS_MAX_FRAME;
    c->flags = AUS_SDLS_F_AR_OPEN;
}

/* Create the SA, key it with kid for both services, and start it (NONE -> OPERATIONAL),
 * bound to gvcid (NULL: any). First error wins. */
static inline aus_err tst_sdls_sa_up(aus_sdls_table *t, const aus_sdls_sa_cfg *c, uint16_t kid,
                                     const aus_sdls_gvcid *gvcid)
{
    aus_err e = aus_sdls_sa_create(t, c);
    if (e == AUS_OK)
        e = aus_sdls_sa_rekey(t, c->spi, kid, kid, NULL, 0);
    if (e == AUS_OK)
        e = aus_sdls_sa_start(t, c->spi, gvcid);
    return e;
}

/* One end of the two-SA link the convergence-layer tests and bench share: ring cleared and
 * holding key (32 octets) as key 0x100, t bound to it, SA 1 for TM (the satellite sends) and
 * SA 2 for TC (the ground sends), both tst_sdls_gcm_cfg() keyed with 0x100. On the end that
 * sends on an SA, its IV octet iv_at starts at 1. */
static inline aus_err tst_sdls_link_end(aus_sdls_keyring *ring, aus_sdls_table *t,
                                        const uint8_t *key, int ground, size_t iv_at)
{
    memset(ring, 0, sizeof *ring);
    aus_err e = aus_sdls_keyring_put(ring, 0x100, key, 32, 1);
    if (e == AUS_OK)
        e = aus_sdls_init(t, aus_crypto_default(), &aus_sdls_keyring_ops, ring);
    for (uint16_t spi = 1; spi <= 2 && e == AUS_OK; spi++) {
        aus_sdls_sa_cfg c;
        tst_sdls_gcm_cfg(&c, spi);
        c.iv[iv_at] = (spi == 1) != (ground != 0) ? 1 : 0; /* SA 1: the satellite sends */
        e = tst_sdls_sa_up(t, &c, 0x100, NULL);
    }
    return e;
}

#endif
