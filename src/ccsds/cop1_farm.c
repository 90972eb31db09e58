/* SPDX-License-Identifier: Apache-2.0 */
/* FARM-1, the COP-1 frame acceptance and reporting mechanism (CCSDS 232.1-B-2 §6).
 *
 * State table (232.1-B-2 §6.3, table 6-1). S1 Open, S2 Wait, S3 Lockout.
 * Actions: ACC = accept (deliver the FDU); DIS = discard; VR+ = V(R)+1; RT0/RT1 = Retransmit
 * flag 0/1; FB+ = FARM-B counter + 1; SETVR = V(R) := V*(R).
 *
 *   event                          S1 Open                 S2 Wait                S3 Lockout
 *   E1  AD N(S)=V(R), buffer ok    ACC VR+ RT0 -> S1       DIS -> S2 [a]          DIS -> S3
 *   E2  AD N(S)=V(R), no buffer    DIS RT1 -> S2           DIS -> S2              DIS -> S3
 *   E3  AD N(S) in positive window DIS RT1 -> S1           DIS -> S2              DIS -> S3
 *   E4  AD N(S) in negative window DIS -> S1               DIS -> S2              DIS -> S3
 *   E5  AD N(S) in lockout area    DIS -> S3               DIS -> S3              DIS -> S3
 *   E6  BD                         ACC FB+ -> S1           ACC FB+ -> S2          ACC FB+ -> S3
 *   E7  BC Unlock                  FB+ RT0 -> S1           FB+ RT0 -> S1          FB+ RT0 -> S1
 *   E8  BC Set V(R)                FB+ RT0 SETVR -> S1     FB+ RT0 SETVR -> S1    FB+ -> S3 [b]
 *   E9  BC invalid directive       DIS -> S1               DIS -> S2              DIS -> S3
 *   E10 buffer release             -> S1                   -> S1 [c]              -> S3
 *
 * [a] In S2 the buffer is full until E10; an AD frame with N(S)=V(R) is discarded and the
 *     Retransmit flag stays set so FOP-1 retransmits after the Wait flag clears.
 * [b] 232.1 §6.3: in Lockout, Set V(R) "is not executed (FARM-1 must be 'unlocked' first), but
 *     its receipt is accounted for by means of the FARM-B_Counter".
 * [c] Wait flag cleared (state S1); the Retransmit flag stays as it is.
 * The Wait flag is the state S2 and the Lockout flag the state S3 (232.1 §6.1.4-6.1.5).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/cop1.h"

enum {
    A_ACC = 1u << 0,
    A_VRINC = 1u << 1,
    A_RT0 = 1u << 2,
    A_RT1 = 1u << 3,
    A_FBINC = 1u << 4,
    A_SETVR = 1u << 5,
};

typedef struct farm_cell {
    uint8_t actions;
    uint8_t next; /* aus_farm_state */
} farm_cell;

#define S1 AUS_FARM_OPEN
#define S2 AUS_FARM_WAIT
#define S3 AUS_FARM_LOCKOUT

/* farm_table[event - 1][state - 1] — the table above, as data. */
static const farm_cell farm_table[10][3] = {
    /* E1  */ {{A_ACC | A_VRINC | A_RT0, S1}, {0, S2}, {0, S3}},
    /* E2  */ {{A_RT1, S2}, {0, S2}, {0, S3}},
    /* E3  */ {{A_RT1, S1}, {0, S2}, {0, S3}},
    /* E4  */ {{0, S1}, {0, S2}, {0, S3}},
    /* E5  */ {{0, S3}, {0, S3}, {0, S3}},
    /* E6  */ {{A_ACC | A_FBINC, S1}, {A_ACC | A_FBINC, S2}, {A_ACC | A_FBINC, S3}},
    /* E7  */ {{A_FBINC | A_RT0, S1}, {A_FBINC | A_RT0, S1}, {A_FBINC | A_RT0, S1}},
    /* E8  */ {{A_FBINC | A_RT0 | A_SETVR, S1}, {A_FBINC | A_RT0 | A_SETVR, S1}, {A_FBINC, S3}},
    /* E9  */ {{0, S1}, {0, S2}, {0, S3}},
    /* E10 */ {{0, S1}, {0, S1}, {0, S3}},
};

#undef S1
#undef S2
#undef S3

aus_err aus_farm_init(aus_farm *f, uint8_t vcid, uint8_t window)
{
    /* 232.1 §6.1.8.2: W even, 2 <= W <= 254; PW = NW = W/2. */
    AUS_ENSURE(f != NULL && vcid <= 63 && window >= 2 && window <= 254 && window % 2 == 0,
               AUS_E_ARG);
    memset(f, 0, sizeof *f);
    f->state = AUS_FARM_LOCKOUT;
    f->pw = (uint8_t)(window / 2);
    f->nw = (uint8_t)(window / 2);
    f->vcid = vcid;
    return AUS_OK;
}

static void run(aus_farm *f, aus_farm_event ev, uint8_t new_vr)
{
    const farm_cell *c = &farm_table[ev - 1][f->state - 1];
    if (c->actions & A_VRINC)
        f->vr = (uint8_t)(f->vr + 1u);
    if (c->actions & A_RT0)
        f->retransmit = 0;
    if (c->actions & A_RT1)
        f->retransmit = 1;
    if (c->actions & A_FBINC)
        f->farm_b = (uint8_t)(f->farm_b + 1u);
    if (c->actions & A_SETVR)
        f->vr = new_vr;
    f->state = (aus_farm_state)c->next;
    f->last_event = ev;
}

/* 232.1 §6.2.1 note: all arithmetic on V(R), N(S), PW, NW is modulo 256. */
static aus_farm_event classify_ad(const aus_farm *f, uint8_t ns, int buffer_ok)
{
    uint8_t d = (uint8_t)(ns - f->vr);
    if (d == 0)
        return buffer_ok ? AUS_FARM_E1 : AUS_FARM_E2;
    if (d <= (uint8_t)(f->pw - 1u))
        return AUS_FARM_E3;
    uint8_t back = (uint8_t)(f->vr - ns);
    if (back <= f->nw)
        return AUS_FARM_E4;
    return AUS_FARM_E5;
}

int aus_farm_on_frame(aus_farm *f, aus_cop1_type type, uint8_t ns, const uint8_t *data, size_t len,
                      int buffer_ok)
{
    AUS_ENSURE(f != NULL && (data != NULL || len == 0), AUS_E_ARG);
    aus_farm_event ev;
    uint8_t new_vr = 0;
    switch (type) {
    case AUS_COP1_AD: ev = classify_ad(f, ns, buffer_ok); break;
    case AUS_COP1_BD: ev = AUS_FARM_E6; break;
    case AUS_COP1_BC: {
        /* 232.0 §4.1.3.3: Unlock = 00; Set V(R) = 82 00 V*(R); anything else is invalid. */
        aus_rd r;
        aus_rd_init(&r, data, len);
        uint8_t b0 = aus_rd_u8(&r);
        if (len == AUS_COP1_UNLOCK_LEN && b0 == 0x00) {
            ev = AUS_FARM_E7;
        } else if (len == AUS_COP1_SETVR_LEN && b0 == 0x82 && aus_rd_u8(&r) == 0x00) {
            new_vr = aus_rd_u8(&r);
            ev = AUS_FARM_E8;
        } else {
            ev = AUS_FARM_E9;
        }
        break;
    }
    default: return AUS_E_ARG;
    }
    int acc = (farm_table[ev - 1][f->state - 1].actions & A_ACC) != 0;
    run(f, ev, new_vr);
    return acc ? AUS_FARM_ACCEPT : AUS_FARM_DISCARD;
}

void aus_farm_buffer_release(aus_farm *f) { run(f, AUS_FARM_E10, 0); }

void aus_farm_clcw(const aus_farm *f, aus_clcw *out)
{
    memset(out, 0, sizeof *out);
    out->status = (uint8_t)(f->status & 7u);
    out->cop = AUS_CLCW_COP1;
    out->vcid = f->vcid;
    out->lockout = f->state == AUS_FARM_LOCKOUT;
    out->wait = f->state == AUS_FARM_WAIT;
    out->retransmit = f->retransmit;
    out->farm_b = (uint8_t)(f->farm_b & 3u); /* 232.1 §6.1.6: the two LSBs */
    out->report = f->vr;
}
