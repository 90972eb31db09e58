/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: random frame / CLCW / directive / timer sequences through FARM-1 and FOP-1.
 * Invariants checked after every step: FARM accepts an AD frame only when N(S) = V(R) and
 * then advances V(R) by one; its CLCW round-trips through encode/decode; FOP-1's Sent_Queue
 * holds exactly V(S) - NN(R) frames (mod 256), never more than K, and timers stay sane. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/cop1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[(16 + 2) * 8];
    aus_farm farm;
    aus_fop fop;
    size_t i = 0;
#define NEXT() (i < size ? data[i++] : 0)
    uint8_t w = (uint8_t)(2 + 2 * (NEXT() % 127));
    if (aus_farm_init(&farm, 1, w) != AUS_OK)
        abort();
    aus_fop_cfg cfg = {.vcid = 1,
                       .k = (uint8_t)(1 + NEXT() % 16),
                       .tx_limit = (uint8_t)(1 + NEXT() % 4),
                       .tt = (uint8_t)(NEXT() & 1),
                       .t1 = 10};
    if (aus_fop_init(&fop, &cfg, buf, sizeof buf, 8) != AUS_OK)
        abort();
    uint64_t now = 0;
    while (i < size) {
        uint8_t op = NEXT();
        now += op >> 5;
        switch (op & 15) {
        case 0:
        case 1:
        case 2: { /* a frame straight into the FARM */
            uint8_t ty = NEXT() % 3, ns = NEXT(), len = NEXT() % 5, d[4];
            for (int k = 0; k < len; k++)
                d[k] = NEXT();
            uint8_t vr = farm.vr;
            int v = aus_farm_on_frame(&farm, (aus_cop1_type)ty, ns, d, len, op & 16);
            if (v < 0 || (v == AUS_FARM_ACCEPT && ty == AUS_COP1_AD &&
                          (ns != vr || farm.vr != (uint8_t)(vr + 1))))
                abort();
            if (v == AUS_FARM_ACCEPT && ty == AUS_COP1_BC)
                abort();
            break;
        }
        case 3: aus_farm_buffer_release(&farm); break;
        case 4: { /* a raw CLCW into the FOP */
            uint8_t c4[4] = {NEXT(), NEXT(), NEXT(), NEXT()};
            aus_clcw c;
            if (aus_clcw_decode(c4, &c) == AUS_OK && aus_fop_on_clcw(&fop, &c, now) != AUS_OK)
                abort();
            break;
        }
        case 5: { /* the FARM's own CLCW into the FOP */
            aus_clcw c, d;
            uint8_t b4[4];
            aus_farm_clcw(&farm, &c);
            if (aus_clcw_encode(&c, b4) != AUS_OK || aus_clcw_decode(b4, &d) != AUS_OK ||
                memcmp(&c, &d, sizeof c) != 0)
                abort();
            if (aus_fop_on_clcw(&fop, &d, now) != AUS_OK)
                abort();
            break;
        }
        case 6: {
            uint8_t d[3] = {op, 1, 2};
            (void)aus_fop_send_ad(&fop, d, 3, now);
            break;
        }
        case 7: {
            uint8_t d[2] = {op, 9};
            (void)aus_fop_send_bd(&fop, d, 2);
            break;
        }
        case 8: (void)aus_fop_initiate(&fop, (aus_fop_init_mode)(NEXT() % 4), NEXT(), now); break;
        case 9: (void)aus_fop_terminate(&fop); break;
        case 10: (void)aus_fop_resume(&fop, now); break;
        case 11: (void)aus_fop_set_vs(&fop, NEXT()); break;
        case 12:
            (void)aus_fop_set_window(&fop, NEXT() % 20);
            (void)aus_fop_set_tx_limit(&fop, NEXT() % 5);
            break;
        case 13: aus_fop_on_timer(&fop, now); break;
        default: { /* poll the FOP and deliver (or drop) what it sends */
            aus_fop_frame fr;
            while (aus_fop_poll(&fop, now, &fr) == AUS_OK) {
                if (fr.len > 8)
                    abort();
                if (NEXT() & 1) {
                    uint8_t vr = farm.vr;
                    int v = aus_farm_on_frame(&farm, fr.type, fr.ns, fr.data, fr.len, 1);
                    if (v == AUS_FARM_ACCEPT && fr.type == AUS_COP1_AD && fr.ns != vr)
                        abort();
                }
            }
            break;
        }
        }
        if (fop.count > fop.nslots || fop.count != (uint8_t)(fop.vs - fop.nnr))
            abort();
        if (fop.state < AUS_FOP_ACTIVE || fop.state > AUS_FOP_INITIAL ||
            farm.state < AUS_FARM_OPEN || farm.state > AUS_FARM_LOCKOUT)
            abort();
        if (fop.deadline != 0 && fop.deadline > now + fop.t1)
            abort();
    }
    return 0;
}
