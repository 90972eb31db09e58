/* SPDX-License-Identifier: Apache-2.0 */
/* FOP-1, the COP-1 frame operation procedure on the sending end (CCSDS 232.1-B-2 §5).
 *
 * State table (232.1-B-2 §5.3, table 5-1), as fop_table below implements it. Cells where the
 * standard's table is not followed literally are marked [i] = inferred from the 232.1 §5 text
 * (docs/standards.md, COP-1 item 18); [n/a] = cannot occur in that state (nothing outstanding).
 *
 * States: S1 Active, S2 Retransmit without Wait, S3 Retransmit with Wait, S4 Initialising
 * without BC frame, S5 Initialising with BC frame, S6 Initial (also while suspended).
 * Conditions: rt0/rt1 = CLCW Retransmit flag, w0/w1 = CLCW Wait flag, cnt = Transmission_Count,
 * lim = Transmission_Limit, TT = Timeout_Type, SS = Suspend_State.
 * Cells: "-" = ignore, stay. A(x) = Alert[x] -> S6 (cancel timer, purge Sent and Wait queues).
 * rm = remove acknowledged frames (NN(R) := N(R), Transmission_Count := 1); rtAD / rtBC =
 * initiate AD / BC retransmission (count + 1, restart timer, mark frames); look = look for FDU;
 * ct = cancel timer; rel = release BC frame; susp(n) = Suspend with SS = n -> S6; add = add to
 * the Wait_Queue; rej = reject; acc = accept (+ confirm); init = initialise (purge queues).
 *
 *  ev    condition                  S1         S2         S3         S4         S5         S6
 *  ----- -------------------------- ---------- ---------- ---------- ---------- ---------- -------
 *  CLCW received, Lockout = 0 (E1..E13) or 1 (E14):
 *  E1    N(R)=V(S)=NN(R) rt0 w0     -          A(SYNCH)   A(SYNCH)   ct ->S1    rel ct     -
 *                                                                               ->S1
 *  E2    N(R)=V(S)!=NN(R) rt0 w0    rm ct look rm ct look rm ct look A(SYNCH)   - [i]      -
 *                                   ->S1       ->S1       ->S1
 *  E3    N(R)=V(S) rt0 w1           A(CLCW)    A(CLCW)    A(CLCW)    A(CLCW)    A(CLCW)    -
 *  E4    N(R)=V(S) rt1              A(SYNCH)   A(SYNCH)   A(SYNCH)   A(SYNCH)   -          -
 *  E5    NN(R)=N(R)<V(S) rt0 w0     -          A(SYNCH)   A(SYNCH)   - [n/a]    - [n/a]    -
 *  E6    NN(R)<N(R)<V(S) rt0 w0     rm look    rm look    rm look    - [n/a]    - [n/a]    -
 *                                   ->S1       ->S1       ->S1
 *  E7    outstanding, rt0 w1        A(CLCW)    A(CLCW)    A(CLCW)    - [n/a]    - [n/a]    -
 *  E101  rt1 lim=1 N(R)!=NN(R)      rm         rm         rm         - [n/a]    - [n/a]    -
 *                                   A(LIMIT)   A(LIMIT)   A(LIMIT)
 *  E102  rt1 lim=1 N(R)=NN(R)       A(LIMIT)   A(LIMIT)   A(LIMIT)   - [n/a]    - [n/a]    -
 *  E8    rt1 N(R)!=NN(R) w0         rm rtAD    rm rtAD    rm rtAD    - [n/a]    - [n/a]    -
 *                                   look ->S2  look ->S2  look ->S2
 *  E9    rt1 N(R)!=NN(R) w1         rm ->S3    rm ->S3    rm ->S3    - [n/a]    - [n/a]    -
 *  E10   rt1 N(R)=NN(R) cnt<lim w0  rtAD look  -          rtAD look  - [n/a]    - [n/a]    -
 *                                   ->S2                  ->S2
 *  E11   rt1 N(R)=NN(R) cnt<lim w1  ->S3       ->S3       -          - [n/a]    - [n/a]    -
 *  E12   rt1 N(R)=NN(R) cnt>=lim w0 ->S2 [i]   -          ->S2 [i]   - [n/a]    - [n/a]    -
 *  E103  rt1 N(R)=NN(R) cnt>=lim w1 ->S3       ->S3       -          - [n/a]    - [n/a]    -
 *  E13   N(R) invalid               A(NNR)     A(NNR)     A(NNR)     A(NNR)     -          -
 *  E14   Lockout=1                  A(LOCKOUT) A(LOCKOUT) A(LOCKOUT) A(LOCKOUT) -          -
 *  Timer expired:
 *  E16   cnt<lim TT=0               rtAD look  rtAD look  - [i]      A(T1) [i]  rtBC ->S5  -
 *                                   ->S2       ->S2
 *  E104  cnt<lim TT=1               rtAD look  rtAD look  - [i]      A(T1) [i]  rtBC ->S5  -
 *                                   ->S2       ->S2
 *  E17   cnt>=lim TT=0              A(T1)      A(T1)      A(T1)      A(T1)      A(T1)      -
 *  E18   cnt>=lim TT=1              susp(1)    susp(2)    susp(3)    susp(4)    A(T1)      -
 *  Requests from the higher procedures:
 *  E19   AD, Wait_Queue empty       add look   add look   add        rej        rej        rej
 *  E20   AD, Wait_Queue full        rej        rej        rej        rej        rej        rej
 *  E21   BD, BD_Out ready           send BD    send BD    send BD    send BD    send BD    send BD
 *  E22   BD, BD_Out not ready       rej        rej        rej        rej        rej        rej
 *  Directives:
 *  E23   Initiate AD, no CLCW check rej        rej        rej        rej        rej        acc init
 *                                                                                          ->S1
 *  E24   Initiate AD, CLCW check    rej        rej        rej        rej        rej        acc init
 *                                                                                          timer
 *                                                                                          ->S4
 *  E25   Initiate AD with Unlock    rej        rej        rej        rej        rej        acc init
 *                                                                                          BC(00)
 *                                                                                          ->S5
 *  E27   Initiate AD with Set V(R)  rej        rej        rej        rej        rej        acc init
 *                                                                                          V(S):=
 *                                                                                          NN(R):=v
 *                                                                                          BC(82 00
 *                                                                                          v) ->S5
 *  E29   Terminate AD service       acc        acc        acc        acc        acc        acc
 *                                   A(TERM)    A(TERM)    A(TERM)    A(TERM)    A(TERM)
 *  E30   Resume, SS=0               rej        rej        rej        rej        rej        rej
 *  E31.. Resume, SS=1..4 (E31..E34) rej        rej        rej        rej        rej        acc
 *  E34                                                                                     resume
 *                                                                                          ->S<SS>
 *  E35   Set V(S), SS=0             rej        rej        rej        rej        rej        acc
 *                                                                                          V(S):=
 *                                                                                          NN(R):=v
 *  E35'  Set V(S), SS!=0            rej        rej        rej        rej        rej        rej
 *  E36.. Set K / T1 / limit / TT    acc        acc        acc        acc        acc        acc
 *  E39   (E36 / E37 / E38 / E39)
 *
 * Not modelled: E15 (no separate condition), E26/E28 (BC_Out never busy: the lower layer takes
 * each frame when polled), E40 (typed API, no invalid directive), E41-E46 (aus_fop_poll hands a
 * frame to the lower layer, which is taken to accept it: E41/E43/E45 happen inside poll; a
 * rejection E42/E44/E46 cannot occur).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/cop1.h"

enum {
    A_RM = 1u << 0,       /* remove acknowledged frames */
    A_RTAD = 1u << 1,     /* initiate AD retransmission */
    A_RTBC = 1u << 2,     /* initiate BC retransmission */
    A_CT = 1u << 3,       /* cancel timer */
    A_TIMER = 1u << 4,    /* (re)start timer */
    A_ALERT = 1u << 5,    /* alert (code in the cell) */
    A_SUSP = 1u << 6,     /* suspend, SS = current state */
    A_INIT = 1u << 7,     /* initialise */
    A_SETVS = 1u << 8,    /* V(S) = NN(R) = argument */
    A_BCUNLK = 1u << 9,   /* BC frame: Unlock */
    A_BCSETVR = 1u << 10, /* BC frame: Set V(R) = argument */
    A_ADD = 1u << 11,     /* add FDU to the Wait_Queue */
    A_BD = 1u << 12,      /* queue the BD frame */
    A_REL = 1u << 13,     /* release the BC frame */
    A_RESUME = 1u << 14,  /* start timer, SS = 0 */
    A_LOOK = 1u << 15,    /* look for FDU */
    A_PARAM = 1u << 16,   /* set K / T1 / limit / TT */
    A_REJ = 1u << 17,     /* reject */
    A_ACC = 1u << 18,     /* accept (+ confirm) */
};

typedef struct fop_cell {
    uint32_t act;
    uint8_t alert; /* aus_fop_alert when A_ALERT */
    uint8_t next;  /* aus_fop_state; 0 = stay */
} fop_cell;

enum row {
    R_E1,
    R_E2,
    R_E3,
    R_E4,
    R_E5,
    R_E6,
    R_E7,
    R_E101,
    R_E102,
    R_E8,
    R_E9,
    R_E10,
    R_E11,
    R_E12,
    R_E103,
    R_E13,
    R_E14,
    R_E16,
    R_E104,
    R_E17,
    R_E18,
    R_E19,
    R_E20,
    R_E21,
    R_E22,
    R_E23,
    R_E24,
    R_E25,
    R_E27,
    R_E29,
    R_E30,
    R_E31,
    R_E32,
    R_E33,
    R_E34,
    R_E35,
    R_E35S,
    R_E36,
    R_E37,
    R_E38,
    R_E39,
    R_COUNT
};

static const uint8_t row_event[R_COUNT] = {
    1,  2,  3,  4,  5,  6,  7,  101, 102, 8,  9,  10, 11, 12, 103, 13, 14, 16, 104, 17, 18,
    19, 20, 21, 22, 23, 24, 25, 27,  29,  30, 31, 32, 33, 34, 35,  35, 36, 37, 38,  39};

#define IGN                                                                                        \
    {                                                                                              \
        0, 0, 0                                                                                    \
    }
#define AL(x)                                                                                      \
    {                                                                                              \
        A_ALERT, AUS_FOP_ALERT_##x, AUS_FOP_INITIAL                                                \
    }
#define TO(s)                                                                                      \
    {                                                                                              \
        0, 0, s                                                                                    \
    }
#define REJ                                                                                        \
    {                                                                                              \
        A_REJ, 0, 0                                                                                \
    }
#define S1 AUS_FOP_ACTIVE
#define S2 AUS_FOP_RT_NOWAIT
#define S3 AUS_FOP_RT_WAIT
#define S4 AUS_FOP_INIT_NOBC
#define S5 AUS_FOP_INIT_BC
#define S6 AUS_FOP_INITIAL

/* fop_table[row][state - 1] — the table above, as data. */
static const fop_cell fop_table[R_COUNT][6] = {
    [R_E1] = {IGN, AL(SYNCH), AL(SYNCH), {A_CT, 0, S1}, {A_REL | A_CT, 0, S1}, IGN},
    [R_E2] = {{A_RM | A_CT | A_LOOK, 0, S1},
              {A_RM | A_CT | A_LOOK, 0, S1},
              {A_RM | A_CT | A_LOOK, 0, S1},
              AL(SYNCH),
              IGN,
              IGN},
    [R_E3] = {AL(CLCW), AL(CLCW), AL(CLCW), AL(CLCW), AL(CLCW), IGN},
    [R_E4] = {AL(SYNCH), AL(SYNCH), AL(SYNCH), AL(SYNCH), IGN, IGN},
    [R_E5] = {IGN, AL(SYNCH), AL(SYNCH), IGN, IGN, IGN},
    [R_E6] =
        {{A_RM | A_LOOK, 0, S1}, {A_RM | A_LOOK, 0, S1}, {A_RM | A_LOOK, 0, S1}, IGN, IGN, IGN},
    [R_E7] = {AL(CLCW), AL(CLCW), AL(CLCW), IGN, IGN, IGN},
    [R_E101] = {{A_RM | A_ALERT, AUS_FOP_ALERT_LIMIT, S6},
                {A_RM | A_ALERT, AUS_FOP_ALERT_LIMIT, S6},
                {A_RM | A_ALERT, AUS_FOP_ALERT_LIMIT, S6},
                IGN,
                IGN,
                IGN},
    [R_E102] = {AL(LIMIT), AL(LIMIT), AL(LIMIT), IGN, IGN, IGN},
    [R_E8] = {{A_RM | A_RTAD | A_LOOK, 0, S2},
              {A_RM | A_RTAD | A_LOOK, 0, S2},
              {A_RM | A_RTAD | A_LOOK, 0, S2},
              IGN,
              IGN,
              IGN},
    [R_E9] = {{A_RM, 0, S3}, {A_RM, 0, S3}, {A_RM, 0, S3}, IGN, IGN, IGN},
    [R_E10] = {{A_RTAD | A_LOOK, 0, S2}, IGN, {A_RTAD | A_LOOK, 0, S2}, IGN, IGN, IGN},
    [R_E11] = {TO(S3), TO(S3), IGN, IGN, IGN, IGN},
    [R_E12] = {TO(S2), IGN, TO(S2), IGN, IGN, IGN},
    [R_E103] = {TO(S3), TO(S3), IGN, IGN, IGN, IGN},
    [R_E13] = {AL(NNR), AL(NNR), AL(NNR), AL(NNR), IGN, IGN},
    [R_E14] = {AL(LOCKOUT), AL(LOCKOUT), AL(LOCKOUT), AL(LOCKOUT), IGN, IGN},
    [R_E16] =
        {{A_RTAD | A_LOOK, 0, S2}, {A_RTAD | A_LOOK, 0, S2}, IGN, AL(T1), {A_RTBC, 0, S5}, IGN},
    [R_E104] =
        {{A_RTAD | A_LOOK, 0, S2}, {A_RTAD | A_LOOK, 0, S2}, IGN, AL(T1), {A_RTBC, 0, S5}, IGN},
    [R_E17] = {AL(T1), AL(T1), AL(T1), AL(T1), AL(T1), IGN},
    [R_E18] = {{A_SUSP, 0, S6}, {A_SUSP, 0, S6}, {A_SUSP, 0, S6}, {A_SUSP, 0, S6}, AL(T1), IGN},
    [R_E19] = {{A_ADD | A_LOOK, 0, 0}, {A_ADD | A_LOOK, 0, 0}, {A_ADD, 0, 0}, REJ, REJ, REJ},
    [R_E20] = {REJ, REJ, REJ, REJ, REJ, REJ},
    [R_E21] = {{A_BD, 0, 0}, {A_BD, 0, 0}, {A_BD, 0, 0}, {A_BD, 0, 0}, {A_BD, 0, 0}, {A_BD, 0, 0}},
    [R_E22] = {REJ, REJ, REJ, REJ, REJ, REJ},
    [R_E23] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_INIT, 0, S1}},
    [R_E24] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_INIT | A_TIMER, 0, S4}},
    [R_E25] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_INIT | A_BCUNLK, 0, S5}},
    [R_E27] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_INIT | A_SETVS | A_BCSETVR, 0, S5}},
    [R_E29] = {{A_ACC | A_ALERT, AUS_FOP_ALERT_TERM, S6},
               {A_ACC | A_ALERT, AUS_FOP_ALERT_TERM, S6},
               {A_ACC | A_ALERT, AUS_FOP_ALERT_TERM, S6},
               {A_ACC | A_ALERT, AUS_FOP_ALERT_TERM, S6},
               {A_ACC | A_ALERT, AUS_FOP_ALERT_TERM, S6},
               {A_ACC, 0, 0}},
    [R_E30] = {REJ, REJ, REJ, REJ, REJ, REJ},
    [R_E31] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_RESUME, 0, S1}},
    [R_E32] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_RESUME, 0, S2}},
    [R_E33] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_RESUME, 0, S3}},
    [R_E34] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_RESUME, 0, S4}},
    [R_E35] = {REJ, REJ, REJ, REJ, REJ, {A_ACC | A_SETVS, 0, 0}},
    [R_E35S] = {REJ, REJ, REJ, REJ, REJ, REJ},
    [R_E36] = {{A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0}},
    [R_E37] = {{A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0}},
    [R_E38] = {{A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0}},
    [R_E39] = {{A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0},
               {A_ACC | A_PARAM, 0, 0}},
};

#undef IGN
#undef AL
#undef TO
#undef REJ
#undef S1
#undef S2
#undef S3
#undef S4
#undef S5
#undef S6

/* ---- queues ---- */

static uint8_t *slot(const aus_fop *f, size_t i) { return f->buf + i * f->slot_cap; }
static uint8_t *wait_slot(const aus_fop *f) { return slot(f, f->nslots); }
static uint8_t *bd_slot(const aus_fop *f) { return slot(f, (size_t)f->nslots + 1u); }
static size_t ring(const aus_fop *f, size_t i) { return (f->head + i) % f->nslots; }

/* Purging the Sent_Queue abandons its frames: NN(R) := V(S) so that a later Initiate AD with
 * CLCW check (E1: N(R) = V(S) = NN(R)) can succeed [i]. */
static void purge(aus_fop *f)
{
    f->nnr = f->vs;
    f->head = 0;
    f->count = 0;
    f->wait_len = 0;
    f->bc_len = 0;
    f->bc_to_send = 0;
}

/* 232.1 §5.2.4: remove the frames N(S) = NN(R) .. N(R)-1 from the Sent_Queue. */
static void remove_acked(aus_fop *f, uint8_t nr)
{
    uint8_t n = (uint8_t)(nr - f->nnr);
    for (uint8_t i = 0; i < n && f->count > 0; i++) {
        f->head = (uint8_t)((f->head + 1u) % f->nslots);
        f->count--;
        f->acked++;
    }
    f->nnr = nr;
    f->tx_count = 1;
}

/* 232.1 §5.2.x "look for FDU": move the Wait_Queue FDU to the Sent_Queue as the next AD frame
 * when the sliding window allows (V(S) < NN(R) + K, modulo 256). */
static void look_for_fdu(aus_fop *f)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->sent[ring(f, i)].to_send)
            return; /* retransmissions go first */
    if (f->wait_len == 0 || (uint8_t)(f->vs - f->nnr) >= f->k || f->count >= f->nslots)
        return;
    size_t s = ring(f, f->count);
    size_t len = (size_t)f->wait_len - 1u;
    memcpy(slot(f, s), wait_slot(f), len);
    f->sent[s] = (aus_fop_slot){(uint16_t)len, f->vs, 1};
    if (f->count == 0)
        f->tx_count = 1;
    f->count++;
    f->vs = (uint8_t)(f->vs + 1u);
    f->wait_len = 0;
}

static void execute(aus_fop *f, enum row r, uint64_t now, uint32_t arg)
{
    const fop_cell *c = &fop_table[r][f->state - 1];
    uint32_t a = c->act;
    f->last_event = row_event[r];
    if (a & A_RM)
        remove_acked(f, (uint8_t)arg);
    if (a & A_RTAD) {
        f->tx_count++;
        for (size_t i = 0; i < f->count; i++)
            f->sent[ring(f, i)].to_send = 1;
        f->deadline = now + f->t1;
    }
    if (a & A_RTBC) {
        f->tx_count++;
        f->bc_to_send = 1;
        f->deadline = now + f->t1;
    }
    if (a & (A_CT | A_ALERT | A_SUSP))
        f->deadline = 0;
    if (a & A_TIMER)
        f->deadline = now + f->t1;
    if (a & A_ALERT) {
        purge(f);
        f->alert = (aus_fop_alert)c->alert;
    }
    if (a & A_SUSP) {
        f->ss = (uint8_t)f->state;
        f->suspends++;
    }
    if (a & A_INIT) {
        purge(f);
        f->tx_count = 1;
        f->ss = 0;
    }
    if (a & A_SETVS) {
        f->vs = (uint8_t)arg;
        f->nnr = (uint8_t)arg;
    }
    if (a & (A_BCUNLK | A_BCSETVR)) {
        f->bc[0] = (a & A_BCUNLK) ? 0x00 : 0x82;
        f->bc[1] = 0x00;
        f->bc[2] = (uint8_t)arg;
        f->bc_len = (a & A_BCUNLK) ? AUS_COP1_UNLOCK_LEN : AUS_COP1_SETVR_LEN;
        f->bc_to_send = 1;
    }
    if (a & A_REL) {
        f->bc_len = 0;
        f->bc_to_send = 0;
    }
    if (a & A_RESUME) {
        f->deadline = now + f->t1;
        f->ss = 0;
    }
    if (c->next != 0)
        f->state = (aus_fop_state)c->next;
    if (a & A_LOOK)
        look_for_fdu(f);
}

aus_err aus_fop_init(aus_fop *f, const aus_fop_cfg *cfg, uint8_t *buf, size_t buflen,
                     size_t slot_cap)
{
    AUS_ENSURE(f != NULL && cfg != NULL && buf != NULL && slot_cap > 0 && slot_cap <= 1019,
               AUS_E_ARG);
    AUS_ENSURE(cfg->vcid <= 63 && cfg->k >= 1 && cfg->k <= AUS_FOP_MAX_WINDOW &&
                   cfg->tx_limit >= 1 && cfg->tt <= 1 && cfg->t1 > 0,
               AUS_E_ARG);
    size_t slots = buflen / slot_cap;
    AUS_ENSURE(slots >= (size_t)cfg->k + 2u, AUS_E_ARG);
    if (slots - 2u > AUS_FOP_MAX_WINDOW)
        slots = AUS_FOP_MAX_WINDOW + 2u;
    memset(f, 0, sizeof *f);
    f->state = AUS_FOP_INITIAL;
    f->vcid = cfg->vcid;
    f->k = cfg->k;
    f->tt = cfg->tt;
    f->tx_limit = cfg->tx_limit;
    f->tx_count = 1;
    f->t1 = cfg->t1;
    f->buf = buf;
    f->slot_cap = slot_cap;
    f->nslots = (uint8_t)(slots - 2u);
    return AUS_OK;
}

/* Run a request / directive row: AUS_OK when accepted, reject_err when the cell rejects. */
static aus_err request(aus_fop *f, enum row r, uint64_t now, uint32_t arg, aus_err reject_err)
{
    if (fop_table[r][f->state - 1].act & A_REJ) {
        f->last_event = row_event[r];
        return reject_err;
    }
    execute(f, r, now, arg);
    return AUS_OK;
}

aus_err aus_fop_send_ad(aus_fop *f, const uint8_t *fdu, size_t len, uint64_t now)
{
    AUS_ENSURE(f != NULL && (fdu != NULL || len == 0), AUS_E_ARG);
    AUS_ENSURE(len <= f->slot_cap, AUS_E_LIMIT);
    if (f->wait_len != 0)
        return request(f, R_E20, now, 0, AUS_E_AGAIN);
    if (fop_table[R_E19][f->state - 1].act & A_ADD) {
        memcpy(wait_slot(f), fdu, len);
        f->wait_len = (uint16_t)(len + 1u);
    }
    return request(f, R_E19, now, 0, AUS_E_STATE);
}

aus_err aus_fop_send_bd(aus_fop *f, const uint8_t *fdu, size_t len)
{
    AUS_ENSURE(f != NULL && (fdu != NULL || len == 0), AUS_E_ARG);
    AUS_ENSURE(len <= f->slot_cap, AUS_E_LIMIT);
    if (f->bd_len != 0)
        return request(f, R_E22, 0, 0, AUS_E_AGAIN);
    memcpy(bd_slot(f), fdu, len);
    f->bd_len = (uint16_t)(len + 1u);
    return request(f, R_E21, 0, 0, AUS_E_STATE);
}

aus_err aus_fop_initiate(aus_fop *f, aus_fop_init_mode mode, uint8_t vr, uint64_t now)
{
    AUS_ENSURE(f != NULL, AUS_E_ARG);
    switch (mode) {
    case AUS_FOP_INIT_NO_CLCW: return request(f, R_E23, now, 0, AUS_E_STATE);
    case AUS_FOP_INIT_CLCW: return request(f, R_E24, now, 0, AUS_E_STATE);
    case AUS_FOP_INIT_UNLOCK: return request(f, R_E25, now, 0, AUS_E_STATE);
    case AUS_FOP_INIT_SET_VR: return request(f, R_E27, now, vr, AUS_E_STATE);
    default: return AUS_E_ARG;
    }
}

aus_err aus_fop_terminate(aus_fop *f)
{
    AUS_ENSURE(f != NULL, AUS_E_ARG);
    return request(f, R_E29, 0, 0, AUS_E_STATE);
}

aus_err aus_fop_resume(aus_fop *f, uint64_t now)
{
    AUS_ENSURE(f != NULL, AUS_E_ARG);
    static const enum row by_ss[5] = {R_E30, R_E31, R_E32, R_E33, R_E34};
    return request(f, by_ss[f->ss <= 4 ? f->ss : 0], now, 0, AUS_E_STATE);
}

aus_err aus_fop_set_vs(aus_fop *f, uint8_t vs)
{
    AUS_ENSURE(f != NULL, AUS_E_ARG);
    return request(f, f->ss == 0 ? R_E35 : R_E35S, 0, vs, AUS_E_STATE);
}

aus_err aus_fop_set_window(aus_fop *f, uint8_t k)
{
    AUS_ENSURE(f != NULL && k >= 1 && k <= f->nslots, AUS_E_ARG);
    AUS_TRY(request(f, R_E36, 0, 0, AUS_E_STATE));
    f->k = k;
    return AUS_OK;
}

aus_err aus_fop_set_t1(aus_fop *f, uint64_t t1)
{
    AUS_ENSURE(f != NULL && t1 > 0, AUS_E_ARG);
    AUS_TRY(request(f, R_E37, 0, 0, AUS_E_STATE));
    f->t1 = t1;
    return AUS_OK;
}

aus_err aus_fop_set_tx_limit(aus_fop *f, uint8_t lim)
{
    AUS_ENSURE(f != NULL && lim >= 1, AUS_E_ARG);
    AUS_TRY(request(f, R_E38, 0, 0, AUS_E_STATE));
    f->tx_limit = lim;
    return AUS_OK;
}

aus_err aus_fop_set_tt(aus_fop *f, uint8_t tt)
{
    AUS_ENSURE(f != NULL && tt <= 1, AUS_E_ARG);
    AUS_TRY(request(f, R_E39, 0, 0, AUS_E_STATE));
    f->tt = tt;
    return AUS_OK;
}

/* 232.1 §5.3 / table 5-1 event conditions for a CLCW. */
static enum row classify_clcw(const aus_fop *f, const aus_clcw *c)
{
    if (c->lockout)
        return R_E14;
    uint8_t nr = c->report;
    if (nr == f->vs) {
        if (c->retransmit)
            return R_E4;
        if (c->wait)
            return R_E3;
        return nr == f->nnr ? R_E1 : R_E2;
    }
    /* Valid N(R): NN(R) <= N(R) < V(S) (modulo 256). */
    if ((uint8_t)(nr - f->nnr) > (uint8_t)(f->vs - f->nnr))
        return R_E13;
    if (!c->retransmit) {
        if (c->wait)
            return R_E7;
        return nr == f->nnr ? R_E5 : R_E6;
    }
    if (f->tx_limit == 1)
        return nr != f->nnr ? R_E101 : R_E102;
    if (nr != f->nnr)
        return c->wait ? R_E9 : R_E8;
    if (f->tx_count < f->tx_limit)
        return c->wait ? R_E11 : R_E10;
    return c->wait ? R_E103 : R_E12;
}

aus_err aus_fop_on_clcw(aus_fop *f, const aus_clcw *c, uint64_t now)
{
    AUS_ENSURE(f != NULL && c != NULL, AUS_E_ARG);
    /* 232.1 §5.3.2: COP in effect and VCID are checked before the table. */
    if (c->cop != AUS_CLCW_COP1 || c->vcid != f->vcid)
        return AUS_OK;
    execute(f, classify_clcw(f, c), now, c->report);
    return AUS_OK;
}

uint64_t aus_fop_expiry(const aus_fop *f) { return f->deadline ? f->deadline : UINT64_MAX; }

void aus_fop_on_timer(aus_fop *f, uint64_t now)
{
    if (f->deadline == 0 || now < f->deadline)
        return;
    f->deadline = 0;
    enum row r;
    if (f->tx_count < f->tx_limit)
        r = f->tt == 0 ? R_E16 : R_E104;
    else
        r = f->tt == 0 ? R_E17 : R_E18;
    execute(f, r, now, 0);
}

aus_err aus_fop_poll(aus_fop *f, uint64_t now, aus_fop_frame *out)
{
    AUS_ENSURE(f != NULL && out != NULL, AUS_E_ARG);
    int active = f->state != AUS_FOP_INITIAL;
    if (active && f->bc_len != 0 && f->bc_to_send) {
        f->bc_to_send = 0;
        f->deadline = now + f->t1; /* timer runs while a BC frame is unacknowledged */
        *out = (aus_fop_frame){AUS_COP1_BC, 0, f->bc, f->bc_len};
        return AUS_OK;
    }
    if (f->bd_len != 0) {
        size_t len = (size_t)f->bd_len - 1u;
        f->bd_len = 0; /* E45: BD_Out ready again once the lower layer took it */
        *out = (aus_fop_frame){AUS_COP1_BD, 0, bd_slot(f), len};
        return AUS_OK;
    }
    if (!active)
        return AUS_E_AGAIN;
    if (f->state == AUS_FOP_ACTIVE || f->state == AUS_FOP_RT_NOWAIT)
        look_for_fdu(f); /* E41: AD_Out ready -> look for FDU */
    for (size_t i = 0; i < f->count; i++) {
        aus_fop_slot *s = &f->sent[ring(f, i)];
        if (!s->to_send)
            continue;
        s->to_send = 0;
        f->deadline = now + f->t1;
        *out = (aus_fop_frame){AUS_COP1_AD, s->ns, slot(f, ring(f, i)), s->len};
        return AUS_OK;
    }
    return AUS_E_AGAIN;
}

aus_fop_alert aus_fop_take_alert(aus_fop *f)
{
    aus_fop_alert a = f->alert;
    f->alert = AUS_FOP_ALERT_NONE;
    return a;
}
