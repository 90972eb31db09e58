/* SPDX-License-Identifier: Apache-2.0 */
/* CLCW encode / decode (CCSDS 232.0-B-4 §4.2, the Communications Link Control Word).
 *
 *   bit 0      Control Word Type (0 = CLCW; 1 = SDLS Frame Security Report, 355.0)
 *   bits 1-2   CLCW Version Number (00)
 *   bits 3-5   Status Field
 *   bits 6-7   COP in Effect (01 = COP-1)
 *   bits 8-13  Virtual Channel Identifier
 *   bits 14-15 spare
 *   bit 16     No RF Available      bit 17 No Bit Lock
 *   bit 18     Lockout              bit 19 Wait          bit 20 Retransmit
 *   bits 21-22 FARM-B Counter       bit 23 spare
 *   bits 24-31 Report Value (V(R))
 */
#include "australis/base.h"
#include "australis/cop1.h"

aus_err aus_clcw_encode(const aus_clcw *c, uint8_t out[AUS_CLCW_LEN])
{
    AUS_ENSURE(c != NULL && out != NULL, AUS_E_ARG);
    AUS_ENSURE(c->status <= 7 && c->cop <= 3 && c->vcid <= 63 && c->farm_b <= 3, AUS_E_ARG);
    AUS_ENSURE(c->no_rf <= 1 && c->no_bitlock <= 1 && c->lockout <= 1 && c->wait <= 1 &&
                   c->retransmit <= 1,
               AUS_E_ARG);
    aus_wr w;
    aus_wr_init(&w, out, AUS_CLCW_LEN);
    /* Type 0, version 00; spares transmitted as zero (232.0 §4.2.1.1). */
    aus_wr_u8(&w, (uint8_t)((c->status << 2) | c->cop));
    aus_wr_u8(&w, (uint8_t)(c->vcid << 2));
    aus_wr_u8(&w, (uint8_t)((c->no_rf << 7) | (c->no_bitlock << 6) | (c->lockout << 5) |
                            (c->wait << 4) | (c->retransmit << 3) | (c->farm_b << 1)));
    aus_wr_u8(&w, c->report);
    return aus_wr_finish(&w);
}

aus_err aus_clcw_decode(const uint8_t in[AUS_CLCW_LEN], aus_clcw *c)
{
    AUS_ENSURE(in != NULL && c != NULL, AUS_E_ARG);
    aus_rd r;
    aus_rd_init(&r, in, AUS_CLCW_LEN);
    uint8_t b0 = aus_rd_u8(&r), b1 = aus_rd_u8(&r), b2 = aus_rd_u8(&r), b3 = aus_rd_u8(&r);
    AUS_TRY(aus_rd_finish(&r));
    /* 232.0 §4.2.1.2 / 355.0: type 1 is a Frame Security Report, not a CLCW. */
    AUS_ENSURE((b0 & 0x80u) == 0, AUS_E_UNSUPPORTED);
    AUS_ENSURE((b0 & 0x60u) == 0, AUS_E_UNSUPPORTED); /* version 00 only */
    aus_clcw t;
    t.status = (uint8_t)((b0 >> 2) & 7u);
    t.cop = (uint8_t)(b0 & 3u);
    t.vcid = (uint8_t)(b1 >> 2);
    t.no_rf = (uint8_t)((b2 >> 7) & 1u);
    t.no_bitlock = (uint8_t)((b2 >> 6) & 1u);
    t.lockout = (uint8_t)((b2 >> 5) & 1u);
    t.wait = (uint8_t)((b2 >> 4) & 1u);
    t.retransmit = (uint8_t)((b2 >> 3) & 1u);
    t.farm_b = (uint8_t)((b2 >> 1) & 3u);
    t.report = b3;
    *c = t;
    return AUS_OK;
}
