/* SPDX-License-Identifier: Apache-2.0 */
/* COP-1 (CCSDS 232.1-B-2): the CLCW, FARM-1 (on board) and FOP-1 (ground).
 *
 * Sans-I/O (DESIGN.md §2): no clock, no allocation. FARM-1 is fed frames that already passed
 * frame validation (FECF, SCID/VCID, SDLS) and says whether to deliver them; it produces the
 * CLCW the TM OCF carries. FOP-1 is fed FDUs, directives, CLCWs and timer ticks and hands out
 * the frames to transmit through aus_fop_poll(). Times are opaque uint64 ticks (e.g. ms).
 *
 * The TC frame header itself (SCID, VCID, length, FECF) is the TC codec's business: COP-1 only
 * deals with frame type (AD / BD / BC), N(S) and the frame data field.
 */
#ifndef AUSTRALIS_COP1_H
#define AUSTRALIS_COP1_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * CLCW — Communications Link Control Word (232.0 §4.2.1), 4 octets,
 * carried in the TM / AOS Operational Control Field.
 * ------------------------------------------------------------------------------------- */
#define AUS_CLCW_LEN 4
#define AUS_CLCW_COP_NONE 0
#define AUS_CLCW_COP1 1

typedef struct aus_clcw {
    uint8_t status;     /* 3 bits, mission specific */
    uint8_t cop;        /* COP in effect, 2 bits: 1 = COP-1 */
    uint8_t vcid;       /* 6 bits: the TC virtual channel reported on */
    uint8_t no_rf;      /* 0/1 */
    uint8_t no_bitlock; /* 0/1 */
    uint8_t lockout;    /* 0/1 */
    uint8_t wait;       /* 0/1 */
    uint8_t retransmit; /* 0/1 */
    uint8_t farm_b;     /* FARM-B counter, 2 LSBs */
    uint8_t report;     /* Report Value = V(R) */
} aus_clcw;

/* Encode into 4 octets. Errors: AUS_E_ARG (a field exceeds its width; nothing written). */
AUS_MUST_USE aus_err aus_clcw_encode(const aus_clcw *c, uint8_t out[AUS_CLCW_LEN]);
/* Decode 4 octets. Spare bits are ignored (232.0: receivers ignore spares).
 * Errors: AUS_E_UNSUPPORTED (Control Word Type 1 = an SDLS Frame Security Report, or a CLCW
 * version other than 00); *c untouched on error. */
AUS_MUST_USE aus_err aus_clcw_decode(const uint8_t in[AUS_CLCW_LEN], aus_clcw *c);

/* ---------------------------------------------------------------------------------------
 * Common
 * ------------------------------------------------------------------------------------- */
typedef enum aus_cop1_type {
    AUS_COP1_AD = 0, /* sequence-controlled data (bypass 0, control 0) */
    AUS_COP1_BD = 1, /* expedited data (bypass 1, control 0) */
    AUS_COP1_BC = 2, /* control command (bypass 1, control 1) */
} aus_cop1_type;

/* BC frame data fields (232.1 §3 / 232.0 §4.1.3.3): Unlock = 00; Set V(R) = 82 00 VR. */
#define AUS_COP1_UNLOCK_LEN 1
#define AUS_COP1_SETVR_LEN 3

/* ---------------------------------------------------------------------------------------
 * FARM-1 (232.1 §6): frame acceptance and reporting, on board.
 * ------------------------------------------------------------------------------------- */
typedef enum aus_farm_state {
    AUS_FARM_OPEN = 1,    /* S1 */
    AUS_FARM_WAIT = 2,    /* S2: no buffer space, Wait flag set */
    AUS_FARM_LOCKOUT = 3, /* S3 */
} aus_farm_state;

/* Events E1..E10 of 232.1 table 6-1 (the numbers are the standard's). */
typedef enum aus_farm_event {
    AUS_FARM_E1 = 1,   /* AD, N(S) = V(R), buffer available */
    AUS_FARM_E2 = 2,   /* AD, N(S) = V(R), no buffer */
    AUS_FARM_E3 = 3,   /* AD, N(S) in the positive window */
    AUS_FARM_E4 = 4,   /* AD, N(S) in the negative window */
    AUS_FARM_E5 = 5,   /* AD, N(S) in the lockout area */
    AUS_FARM_E6 = 6,   /* BD */
    AUS_FARM_E7 = 7,   /* BC Unlock */
    AUS_FARM_E8 = 8,   /* BC Set V(R) */
    AUS_FARM_E9 = 9,   /* BC with an invalid directive */
    AUS_FARM_E10 = 10, /* buffer release from the higher procedures */
} aus_farm_event;

typedef struct aus_farm {
    aus_farm_state state;
    uint8_t vr;         /* V(R): N(S) of the next expected AD frame */
    uint8_t retransmit; /* Retransmit flag */
    uint8_t farm_b;     /* FARM-B counter (only 2 LSBs are reported) */
    uint8_t pw, nw;     /* positive / negative window widths, W/2 each */
    uint8_t vcid;       /* reported in the CLCW */
    uint8_t status;     /* CLCW status field (3 bits, mission specific) */
    aus_farm_event last_event;
} aus_farm;

/* Window W (232.1 §6.1.8.2): even, 2..254. Initial state: Lockout (as after power-on; ground
 * sends Unlock or Set V(R) to open). Errors: AUS_E_ARG. */
AUS_MUST_USE aus_err aus_farm_init(aus_farm *f, uint8_t vcid, uint8_t window);

/* Frame verdicts. */
#define AUS_FARM_DISCARD 0
#define AUS_FARM_ACCEPT 1 /* deliver the frame data field (AD or BD FDU) to the higher layer */

/* Feed one valid frame of `type` with sequence number ns and data field (len octets; for BC
 * frames the control command). buffer_ok: the higher layer can take an FDU now.
 * Returns AUS_FARM_ACCEPT / AUS_FARM_DISCARD (>= 0), or AUS_E_ARG (bad type / NULL data with
 * len > 0; state unchanged). */
AUS_MUST_USE int aus_farm_on_frame(aus_farm *f, aus_cop1_type type, uint8_t ns, const uint8_t *data,
                                   size_t len, int buffer_ok);
/* E10: the higher layer has buffer space again. */
void aus_farm_buffer_release(aus_farm *f);
/* The CLCW reporting the current FARM state (232.1 §6.1). */
void aus_farm_clcw(const aus_farm *f, aus_clcw *out);

/* ---------------------------------------------------------------------------------------
 * FOP-1 (232.1 §5): frame operation procedure, on the ground.
 * ------------------------------------------------------------------------------------- */
#ifndef AUS_FOP_MAX_WINDOW
#define AUS_FOP_MAX_WINDOW 64 /* largest sliding window K supported (sent-queue slots) */
#endif

typedef enum aus_fop_state {
    AUS_FOP_ACTIVE = 1,    /* S1 */
    AUS_FOP_RT_NOWAIT = 2, /* S2 Retransmit without Wait */
    AUS_FOP_RT_WAIT = 3,   /* S3 Retransmit with Wait */
    AUS_FOP_INIT_NOBC = 4, /* S4 Initialising without BC frame */
    AUS_FOP_INIT_BC = 5,   /* S5 Initialising with BC frame */
    AUS_FOP_INITIAL = 6,   /* S6 Initial (also while suspended) */
} aus_fop_state;

/* Alert reason codes (232.1 table 4-4). */
typedef enum aus_fop_alert {
    AUS_FOP_ALERT_NONE = 0,
    AUS_FOP_ALERT_LIMIT = 1,
    AUS_FOP_ALERT_T1 = 2,
    AUS_FOP_ALERT_LOCKOUT = 3,
    AUS_FOP_ALERT_SYNCH = 4,
    AUS_FOP_ALERT_NNR = 5,
    AUS_FOP_ALERT_CLCW = 6,
    AUS_FOP_ALERT_LLIF = 7,
    AUS_FOP_ALERT_TERM = 8,
} aus_fop_alert;

typedef enum aus_fop_init_mode {
    AUS_FOP_INIT_NO_CLCW = 0, /* E23: Initiate AD service without CLCW check */
    AUS_FOP_INIT_CLCW = 1,    /* E24: with CLCW check */
    AUS_FOP_INIT_UNLOCK = 2,  /* E25/E26: with Unlock */
    AUS_FOP_INIT_SET_VR = 3,  /* E27/E28: with Set V(R) */
} aus_fop_init_mode;

typedef struct aus_fop_slot {
    uint16_t len;
    uint8_t ns;
    uint8_t to_send; /* queued for (re)transmission */
} aus_fop_slot;

typedef struct aus_fop {
    aus_fop_state state;
    uint8_t vcid;
    uint8_t vs;        /* V(S) */
    uint8_t nnr;       /* NN(R): N(S) of the oldest unacknowledged AD frame */
    uint8_t k;         /* FOP sliding window width */
    uint8_t tt;        /* Timeout_Type */
    uint8_t ss;        /* Suspend_State 0..4 */
    uint8_t tx_limit;  /* Transmission_Limit >= 1 */
    uint32_t tx_count; /* Transmission_Count */
    uint64_t t1;       /* T1_Initial, in caller ticks */
    uint64_t deadline; /* timer: 0 = not running */
    /* storage (caller-provided): slot i of the sent queue at buf + i*slot_cap; then one slot
     * for the Wait_Queue and one for a pending BD FDU. */
    uint8_t *buf;
    size_t slot_cap;
    uint8_t nslots; /* sent-queue capacity (>= K) */
    uint8_t head;   /* index of the oldest sent-queue entry */
    uint8_t count;  /* entries in the sent queue */
    aus_fop_slot sent[AUS_FOP_MAX_WINDOW];
    uint16_t wait_len; /* Wait_Queue: 0 = empty, else len + 1 */
    uint16_t bd_len;   /* pending BD FDU: 0 = none, else len + 1 */
    uint8_t bc[AUS_COP1_SETVR_LEN];
    uint8_t bc_len;      /* BC frame on the sent queue (0 = none) */
    uint8_t bc_to_send;  /* BC frame queued for (re)transmission */
    uint8_t last_event;  /* E-number of the last event (101..104 as in the table) */
    aus_fop_alert alert; /* last alert raised (sticky until aus_fop_take_alert) */
    uint32_t suspends;   /* 'Suspend' notifications given */
    uint32_t acked;      /* AD frames positively acknowledged so far */
} aus_fop;

typedef struct aus_fop_cfg {
    uint8_t vcid;
    uint8_t k;        /* sliding window, 1..AUS_FOP_MAX_WINDOW, must be <= FARM PW */
    uint8_t tx_limit; /* >= 1 */
    uint8_t tt;       /* 0: alert on T1 exhaustion; 1: suspend */
    uint64_t t1;      /* retransmission timer, ticks (> 0) */
} aus_fop_cfg;

/* buf holds (k + 2) slots of slot_cap octets each (slot_cap = largest FDU, <= 1019).
 * Initial state S6. Errors: AUS_E_ARG (bad cfg, buffer too small). */
AUS_MUST_USE aus_err aus_fop_init(aus_fop *f, const aus_fop_cfg *cfg, uint8_t *buf, size_t buflen,
                                  size_t slot_cap);

/* E19/E20: request to transfer an AD FDU. Errors: AUS_E_AGAIN (Wait_Queue full: reject, E20),
 * AUS_E_STATE (rejected in this state), AUS_E_LIMIT (len > slot_cap), AUS_E_ARG. */
AUS_MUST_USE aus_err aus_fop_send_ad(aus_fop *f, const uint8_t *fdu, size_t len, uint64_t now);
/* E21/E22: request to transfer a BD FDU (any state). Errors: AUS_E_AGAIN (BD pending),
 * AUS_E_LIMIT, AUS_E_ARG. */
AUS_MUST_USE aus_err aus_fop_send_bd(aus_fop *f, const uint8_t *fdu, size_t len);

/* Directives (232.1 §5.1.9). Each returns AUS_OK (accepted) or AUS_E_STATE (rejected, nothing
 * changed), AUS_E_AGAIN (E26/E28: BC frame still outstanding), AUS_E_ARG. */
AUS_MUST_USE aus_err aus_fop_initiate(aus_fop *f, aus_fop_init_mode mode, uint8_t vr, uint64_t now);
AUS_MUST_USE aus_err aus_fop_terminate(aus_fop *f);                 /* E29 */
AUS_MUST_USE aus_err aus_fop_resume(aus_fop *f, uint64_t now);      /* E30..E34 */
AUS_MUST_USE aus_err aus_fop_set_vs(aus_fop *f, uint8_t vs);        /* E35 */
AUS_MUST_USE aus_err aus_fop_set_window(aus_fop *f, uint8_t k);     /* E36 */
AUS_MUST_USE aus_err aus_fop_set_t1(aus_fop *f, uint64_t t1);       /* E37 */
AUS_MUST_USE aus_err aus_fop_set_tx_limit(aus_fop *f, uint8_t lim); /* E38 */
AUS_MUST_USE aus_err aus_fop_set_tt(aus_fop *f, uint8_t tt);        /* E39 */

/* A CLCW arrived (E1..E14). CLCWs for another VCID or without COP-1 in effect are ignored
 * (232.1 §5.3.2). Returns AUS_OK. */
AUS_MUST_USE aus_err aus_fop_on_clcw(aus_fop *f, const aus_clcw *c, uint64_t now);

/* Timer (sans-I/O): the deadline (UINT64_MAX when not running) and the tick (E16..E18, E104;
 * does nothing before the deadline). */
uint64_t aus_fop_expiry(const aus_fop *f);
void aus_fop_on_timer(aus_fop *f, uint64_t now);

/* The next frame to hand to the lower layer: type, N(S) (0 for BD/BC) and a view of its data
 * field, valid until the next call on f. The lower layer is taken to accept every frame it is
 * handed (E41/E43/E45); the timer is (re)started on every AD/BC transmission.
 * Errors: AUS_E_AGAIN (nothing to send). */
typedef struct aus_fop_frame {
    aus_cop1_type type;
    uint8_t ns;
    const uint8_t *data;
    size_t len;
} aus_fop_frame;
AUS_MUST_USE aus_err aus_fop_poll(aus_fop *f, uint64_t now, aus_fop_frame *out);

/* The last alert, then cleared. */
aus_fop_alert aus_fop_take_alert(aus_fop *f);

#ifdef __cplusplus
}
#endif
#endif
