/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: SDLS Extended Procedure commands (CCSDS 355.1) as the EP tests send them,
 * built and encoded in one call, and the ground's own half of an SA rekey. Header only; include
 * after aus_test.h (the helpers fail the test through cmocka). */
#ifndef AUS_TST_EP_H
#define AUS_TST_EP_H

#include <string.h>

#include "australis/sdls_ep.h"

/* Encode c into out[cap]; fails the test unless it encodes. Returns the PDU length. */
static inline size_t tst_ep_enc(uint8_t *out, size_t cap, const aus_ep_cmd *c)
{
    int n = aus_ep_cmd_encode(c, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* A one-key procedure: activate, deactivate or destroy key id. */
static inline size_t tst_ep_key_pdu(uint8_t *out, size_t cap, uint8_t tag, uint16_t id)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = tag;
    c.u.keys.n = 1;
    c.u.keys.ids[0] = id;
    return tst_ep_enc(out, cap, &c);
}

/* Key verification of key id with a 16-octet challenge. */
static inline size_t tst_ep_verify_pdu(uint8_t *out, size_t cap, uint16_t id,
                                       const uint8_t *challenge)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_KEY_VERIFY;
    c.u.verify.n = 1;
    c.u.verify.ids[0] = id;
    c.u.verify.challenge[0] = challenge;
    return tst_ep_enc(out, cap, &c);
}

/* An SA procedure naming only the SPI: stop, expire, delete, status, read ARSN. */
static inline size_t tst_ep_sa_pdu(uint8_t *out, size_t cap, uint8_t tag, uint16_t spi)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = tag;
    c.u.sa.spi = spi;
    return tst_ep_enc(out, cap, &c);
}

/* Rekey SA spi to key ekid (IV unchanged). */
static inline size_t tst_ep_rekey_pdu(uint8_t *out, size_t cap, uint16_t spi, uint16_t ekid)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_REKEY;
    c.u.rekey.spi = spi;
    c.u.rekey.ekid = ekid;
    return tst_ep_enc(out, cap, &c);
}

/* Start SA spi bound to one GVCID. */
static inline size_t tst_ep_start_pdu(uint8_t *out, size_t cap, uint16_t spi, aus_ep_gvcid g)
{
    aus_ep_cmd c;
    memset(&c, 0, sizeof c);
    c.tag = AUS_EP_SA_START;
    c.u.start.spi = spi;
    c.u.start.n = 1;
    c.u.start.g[0] = g;
    return tst_ep_enc(out, cap, &c);
}

/* The sender's own SA switch to key kid: stop, expire, rekey, start bound to g. */
static inline void tst_sdls_sa_switch(aus_sdls_table *t, uint16_t spi, uint16_t kid,
                                      const aus_sdls_gvcid *g)
{
    assert_int_equal(aus_sdls_sa_stop(t, spi), AUS_OK);
    assert_int_equal(aus_sdls_sa_expire(t, spi), AUS_OK);
    assert_int_equal(aus_sdls_sa_rekey(t, spi, kid, kid, NULL, 0), AUS_OK);
    assert_int_equal(aus_sdls_sa_start(t, spi, g), AUS_OK);
}

#endif
