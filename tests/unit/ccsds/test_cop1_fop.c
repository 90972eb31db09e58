/* SPDX-License-Identifier: Apache-2.0 */
/* FOP-1 (232.1 §5): every cell of the state table (41 event rows x 6 states), driven through
 * the public API from a prepared FOP. The expected cells below are transcribed from 232.1
 * table 5-1 (inferred cells as documented in cop1_fop.c). */
#include "aus_test.h"

#include "australis/cop1.h"

#define NOW 1000u
#define T1 100u

typedef struct row {
    const char *name;
    const char *cell[6]; /* S1 .. S6 */
} row;

#define ALL6(x)                                                                                    \
    {                                                                                              \
        x, x, x, x, x, x                                                                           \
    }
#define REJ5(s6)                                                                                   \
    {                                                                                              \
        "rej", "rej", "rej", "rej", "rej", s6                                                      \
    }

static const row rows[] = {
    {"E1", {"-", "A:SYNCH", "A:SYNCH", "ct >S1", "rel ct >S1", "-"}},
    {"E2", {"rm ct look >S1", "rm ct look >S1", "rm ct look >S1", "A:SYNCH", "-", "-"}},
    {"E3", {"A:CLCW", "A:CLCW", "A:CLCW", "A:CLCW", "A:CLCW", "-"}},
    {"E4", {"A:SYNCH", "A:SYNCH", "A:SYNCH", "A:SYNCH", "-", "-"}},
    {"E5", {"-", "A:SYNCH", "A:SYNCH", "-", "-", "-"}},
    {"E6", {"rm look >S1", "rm look >S1", "rm look >S1", "-", "-", "-"}},
    {"E7", {"A:CLCW", "A:CLCW", "A:CLCW", "-", "-", "-"}},
    {"E101", {"rm A:LIMIT", "rm A:LIMIT", "rm A:LIMIT", "-", "-", "-"}},
    {"E102", {"A:LIMIT", "A:LIMIT", "A:LIMIT", "-", "-", "-"}},
    {"E8", {"rm rtAD >S2", "rm rtAD >S2", "rm rtAD >S2", "-", "-", "-"}},
    {"E9", {"rm >S3", "rm >S3", "rm >S3", "-", "-", "-"}},
    {"E10", {"rtAD >S2", "-", "rtAD >S2", "-", "-", "-"}},
    {"E11", {">S3", ">S3", "-", "-", "-", "-"}},
    {"E12", {">S2", "-", ">S2", "-", "-", "-"}},
    {"E103", {">S3", ">S3", "-", "-", "-", "-"}},
    {"E13", {"A:NNR", "A:NNR", "A:NNR", "A:NNR", "-", "-"}},
    {"E14", {"A:LOCKOUT", "A:LOCKOUT", "A:LOCKOUT", "A:LOCKOUT", "-", "-"}},
    {"E16", {"rtAD >S2", "rtAD >S2", "-", "A:T1", "rtBC >S5", "-"}},
    {"E104", {"rtAD >S2", "rtAD >S2", "-", "A:T1", "rtBC >S5", "-"}},
    {"E17", {"A:T1", "A:T1", "A:T1", "A:T1", "A:T1", "-"}},
    {"E18", {"susp >S6", "susp >S6", "susp >S6", "susp >S6", "A:T1", "-"}},
    {"E19", {"add look", "add look", "add", "rej", "rej", "rej"}},
    {"E20", ALL6("rej")},
    {"E21", ALL6("bd")},
    {"E22", ALL6("rej")},
    {"E23", REJ5("acc init >S1")},
    {"E24", REJ5("acc init timer >S4")},
    {"E25", REJ5("acc init bcU >S5")},
    {"E27", REJ5("acc init bcV >S5")},
    {"E29", {"acc A:TERM", "acc A:TERM", "acc A:TERM", "acc A:TERM", "acc A:TERM", "acc"}},
    {"E30", ALL6("rej")},
    {"E31", REJ5("acc resume >S1")},
    {"E32", REJ5("acc resume >S2")},
    {"E33", REJ5("acc resume >S3")},
    {"E34", REJ5("acc resume >S4")},
    {"E35", REJ5("acc vs")},
    {"E35S", ALL6("rej")},
    {"E36", ALL6("acc param")},
    {"E37", ALL6("acc param")},
    {"E38", ALL6("acc param")},
    {"E39", ALL6("acc param")},
};

static uint8_t storage[10 * 32];

/* A FOP in `state` with V(S) = 12, NN(R) = 10, frames 10 and 11 on the Sent_Queue, an FDU in
 * the Wait_Queue, the timer running, a BC frame outstanding in S5. */
static void prep(aus_fop *f, int state)
{
    aus_fop_cfg cfg = {.vcid = 3, .k = 8, .tx_limit = 3, .tt = 0, .t1 = T1};
    assert_int_equal(aus_fop_init(f, &cfg, storage, sizeof storage, 32), AUS_OK);
    f->state = (aus_fop_state)state;
    f->vs = 12;
    f->nnr = 10;
    for (int i = 0; i < 2; i++) {
        f->sent[i] = (aus_fop_slot){3, (uint8_t)(10 + i), 0};
        memset(storage + 32 * i, 0xA0 + i, 3);
    }
    f->count = 2;
    f->wait_len = 4; /* 3 octets */
    f->deadline = 700;
    if (state == AUS_FOP_INIT_BC) {
        f->bc[0] = 0;
        f->bc_len = 1;
    }
}

static aus_clcw clcw(uint8_t nr, int lockout, int wait, int rt)
{
    aus_clcw c = {.cop = AUS_CLCW_COP1, .vcid = 3, .report = nr};
    c.lockout = (uint8_t)lockout;
    c.wait = (uint8_t)wait;
    c.retransmit = (uint8_t)rt;
    return c;
}

static int is(const char *r, const char *n) { return strcmp(r, n) == 0; }
static int timer_row(const char *r)
{
    return is(r, "E16") || is(r, "E104") || is(r, "E17") || is(r, "E18");
}

/* The row's preconditions on a prepared FOP. */
static void setup(aus_fop *f, const char *r)
{
    if (is(r, "E1")) {
        f->count = 0;
        f->nnr = 12;
    }
    if (is(r, "E101") || is(r, "E102"))
        f->tx_limit = 1;
    if (is(r, "E12") || is(r, "E103") || is(r, "E17") || is(r, "E18"))
        f->tx_count = 3;
    if (timer_row(r)) {
        f->deadline = NOW;
        f->tt = (uint8_t)(is(r, "E104") || is(r, "E18"));
    }
    if (is(r, "E19"))
        f->wait_len = 0;
    if (is(r, "E22"))
        f->bd_len = 2;
    if (r[1] == '3' && r[2] >= '1' && r[2] <= '4' && r[3] == 0)
        f->ss = (uint8_t)(r[2] - '0');
    if (is(r, "E35S"))
        f->ss = 1;
}

/* Fire the row's event; returns the API result, *report = N(R) / V*(R) / V(S) argument. */
static int trigger(aus_fop *f, const char *r, uint8_t *report)
{
    static const struct {
        const char *r;
        uint8_t nr, l, w, t;
    } cl[] = {{"E1", 12, 0, 0, 0},  {"E2", 12, 0, 0, 0},   {"E3", 12, 0, 1, 0},
              {"E4", 12, 0, 0, 1},  {"E5", 10, 0, 0, 0},   {"E6", 11, 0, 0, 0},
              {"E7", 11, 0, 1, 0},  {"E101", 11, 0, 0, 1}, {"E102", 10, 0, 0, 1},
              {"E8", 11, 0, 0, 1},  {"E9", 11, 0, 1, 1},   {"E10", 10, 0, 0, 1},
              {"E11", 10, 0, 1, 1}, {"E12", 10, 0, 0, 1},  {"E103", 10, 0, 1, 1},
              {"E13", 13, 0, 0, 0}, {"E14", 11, 1, 0, 0}};
    *report = 0;
    for (size_t i = 0; i < sizeof cl / sizeof cl[0]; i++)
        if (is(r, cl[i].r)) {
            aus_clcw c = clcw(cl[i].nr, cl[i].l, cl[i].w, cl[i].t);
            *report = cl[i].nr;
            return aus_fop_on_clcw(f, &c, NOW);
        }
    if (timer_row(r)) {
        aus_fop_on_timer(f, NOW);
        return AUS_OK;
    }
    const uint8_t fdu[3] = {7, 7, 7};
    if (is(r, "E19") || is(r, "E20"))
        return aus_fop_send_ad(f, fdu, 3, NOW);
    if (is(r, "E21") || is(r, "E22"))
        return aus_fop_send_bd(f, fdu, 3);
    if (is(r, "E23"))
        return aus_fop_initiate(f, AUS_FOP_INIT_NO_CLCW, 0, NOW);
    if (is(r, "E24"))
        return aus_fop_initiate(f, AUS_FOP_INIT_CLCW, 0, NOW);
    if (is(r, "E25"))
        return aus_fop_initiate(f, AUS_FOP_INIT_UNLOCK, 0, NOW);
    if (is(r, "E27")) {
        *report = 0x40;
        return aus_fop_initiate(f, AUS_FOP_INIT_SET_VR, 0x40, NOW);
    }
    if (is(r, "E29"))
        return aus_fop_terminate(f);
    if (r[1] == '3' && r[2] >= '0' && r[2] <= '4' && r[3] == 0)
        return aus_fop_resume(f, NOW);
    if (is(r, "E35") || is(r, "E35S")) {
        *report = 0x55;
        return aus_fop_set_vs(f, 0x55);
    }
    if (is(r, "E36"))
        return aus_fop_set_window(f, 4);
    if (is(r, "E37"))
        return aus_fop_set_t1(f, 777);
    if (is(r, "E38"))
        return aus_fop_set_tx_limit(f, 5);
    if (is(r, "E39"))
        return aus_fop_set_tt(f, 1);
    fail_msg("no trigger for %s", r);
    return -1;
}

static int has(const char *cell, const char *tok)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", cell);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (!strcmp(t, tok))
            return 1;
    return 0;
}

static void check_cell(const char *r, int s, const char *cell)
{
    aus_fop f, before;
    prep(&f, s);
    setup(&f, r);
    before = f;
    if (timer_row(r))
        before.deadline = 0; /* the timer expired */
    uint8_t report = 0;
    int rc = trigger(&f, r, &report);
    const char *evname = r + 1;
    int evnum = atoi(evname);

    if (!strcmp(cell, "-") || !strcmp(cell, "rej")) {
        if (!strcmp(cell, "rej"))
            assert_true(rc == AUS_E_STATE || rc == AUS_E_AGAIN);
        else
            assert_int_equal(rc, AUS_OK);
        assert_int_equal(f.last_event, evnum);
        f.last_event = before.last_event;
        if (memcmp(&f, &before, sizeof f) != 0)
            fail_msg("%s in S%d: '%s' but the FOP changed", r, s, cell);
        return;
    }
    assert_int_equal(rc, AUS_OK);
    assert_int_equal(f.last_event, evnum);
    /* next state */
    const char *gt = strchr(cell, '>');
    int alert = strstr(cell, "A:") != NULL;
    int susp = has(cell, "susp");
    int next = gt ? gt[2] - '0' : (alert || susp) ? AUS_FOP_INITIAL : s;
    if (f.state != (aus_fop_state)next)
        fail_msg("%s in S%d: state %d, want %d", r, s, f.state, next);
    if (alert) {
        const char *a = strstr(cell, "A:") + 2;
        aus_fop_alert want = !strncmp(a, "SYNCH", 5)     ? AUS_FOP_ALERT_SYNCH
                             : !strncmp(a, "CLCW", 4)    ? AUS_FOP_ALERT_CLCW
                             : !strncmp(a, "LIMIT", 5)   ? AUS_FOP_ALERT_LIMIT
                             : !strncmp(a, "NNR", 3)     ? AUS_FOP_ALERT_NNR
                             : !strncmp(a, "LOCKOUT", 7) ? AUS_FOP_ALERT_LOCKOUT
                             : !strncmp(a, "T1", 2)      ? AUS_FOP_ALERT_T1
                                                         : AUS_FOP_ALERT_TERM;
        assert_int_equal(f.alert, want);
        assert_int_equal(f.count, 0);
        assert_int_equal(f.wait_len, 0);
        assert_int_equal(f.bc_len, 0);
        assert_int_equal(f.deadline, 0);
        assert_int_equal(f.nnr, f.vs);
    } else {
        assert_int_equal(f.alert, AUS_FOP_ALERT_NONE);
    }
    int rm = has(cell, "rm");
    uint8_t removed = rm ? (uint8_t)(report - before.nnr) : 0;
    if (rm) {
        assert_int_equal(f.acked, before.acked + removed);
        if (!alert)
            assert_int_equal(f.nnr, report);
    }
    if (has(cell, "ct"))
        assert_int_equal(f.deadline, 0);
    if (has(cell, "rtAD")) {
        assert_int_equal(f.tx_count, (rm ? 1u : before.tx_count) + 1u);
        assert_int_equal(f.deadline, NOW + T1);
        for (int i = 0; i < f.count; i++)
            assert_true(f.sent[(f.head + i) % f.nslots].to_send);
        assert_int_equal(f.wait_len, before.wait_len); /* retransmissions before new frames */
    } else if (has(cell, "look")) {
        assert_int_equal(f.wait_len, 0);
        assert_int_equal(f.vs, (uint8_t)(before.vs + 1));
        assert_int_equal(f.count, before.count - removed + 1);
        assert_int_equal(f.sent[(f.head + f.count - 1) % f.nslots].ns, before.vs);
    }
    if (has(cell, "rtBC")) {
        assert_int_equal(f.tx_count, before.tx_count + 1);
        assert_true(f.bc_to_send);
        assert_int_equal(f.deadline, NOW + T1);
    }
    if (has(cell, "rel"))
        assert_int_equal(f.bc_len, 0);
    if (susp) {
        assert_int_equal(f.ss, s);
        assert_int_equal(f.suspends, before.suspends + 1);
        assert_int_equal(f.deadline, 0);
        assert_int_equal(f.count, before.count); /* queues kept for Resume */
    }
    if (has(cell, "init")) {
        assert_int_equal(f.count, 0);
        assert_int_equal(f.wait_len, 0);
        assert_int_equal(f.ss, 0);
        assert_int_equal(f.tx_count, 1);
    }
    if (has(cell, "timer"))
        assert_int_equal(f.deadline, NOW + T1);
    if (has(cell, "bcU")) {
        assert_int_equal(f.bc_len, 1);
        assert_int_equal(f.bc[0], 0x00);
        assert_true(f.bc_to_send);
    }
    if (has(cell, "bcV")) {
        assert_int_equal(f.bc_len, 3);
        assert_int_equal(f.bc[0], 0x82);
        assert_int_equal(f.bc[1], 0x00);
        assert_int_equal(f.bc[2], report);
        assert_int_equal(f.vs, report);
        assert_int_equal(f.nnr, report);
    }
    if (has(cell, "vs")) {
        assert_int_equal(f.vs, report);
        assert_int_equal(f.nnr, report);
    }
    if (has(cell, "add") && !has(cell, "look"))
        assert_int_equal(f.wait_len, 4);
    if (has(cell, "bd"))
        assert_int_equal(f.bd_len, 4);
    if (has(cell, "resume")) {
        assert_int_equal(f.ss, 0);
        assert_int_equal(f.deadline, NOW + T1);
    }
    if (has(cell, "param")) {
        if (!strcmp(r, "E36"))
            assert_int_equal(f.k, 4);
        if (!strcmp(r, "E37"))
            assert_int_equal(f.t1, 777);
        if (!strcmp(r, "E38"))
            assert_int_equal(f.tx_limit, 5);
        if (!strcmp(r, "E39"))
            assert_int_equal(f.tt, 1);
    }
}

static void test_fop_every_transition(void **state)
{
    (void)state;
    int cells = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (int s = 1; s <= 6; s++) {
            check_cell(rows[i].name, s, rows[i].cell[s - 1]);
            cells++;
        }
    printf("FOP-1: %d state-table cells checked\n", cells);
    assert_int_equal(cells, 41 * 6);
}

/* The poll order: BC first, then BD, then AD frames due for (re)transmission. */
static void test_fop_poll_and_clcw_filter(void **state)
{
    (void)state;
    aus_fop f;
    aus_fop_cfg cfg = {.vcid = 3, .k = 2, .tx_limit = 3, .tt = 0, .t1 = T1};
    assert_int_equal(aus_fop_init(&f, &cfg, storage, sizeof storage, 32), AUS_OK);
    aus_fop_frame fr;
    assert_int_equal(aus_fop_poll(&f, 0, &fr), AUS_E_AGAIN);
    assert_int_equal(aus_fop_send_bd(&f, (const uint8_t *)"bd", 2), AUS_OK);
    assert_int_equal(aus_fop_initiate(&f, AUS_FOP_INIT_UNLOCK, 0, 0), AUS_OK);
    assert_int_equal(aus_fop_poll(&f, 5, &fr), AUS_OK);
    assert_int_equal(fr.type, AUS_COP1_BC);
    assert_int_equal(fr.len, 1);
    assert_int_equal(aus_fop_expiry(&f), 5 + T1);
    assert_int_equal(aus_fop_poll(&f, 5, &fr), AUS_OK);
    assert_int_equal(fr.type, AUS_COP1_BD);
    assert_memory_equal(fr.data, "bd", 2);
    assert_int_equal(aus_fop_poll(&f, 5, &fr), AUS_E_AGAIN);
    /* CLCWs for another VC or without COP-1 are ignored. */
    aus_clcw c = clcw(0, 0, 0, 0);
    c.vcid = 4;
    assert_int_equal(aus_fop_on_clcw(&f, &c, 6), AUS_OK);
    assert_int_equal(f.state, AUS_FOP_INIT_BC);
    c = clcw(0, 0, 0, 0);
    c.cop = AUS_CLCW_COP_NONE;
    assert_int_equal(aus_fop_on_clcw(&f, &c, 6), AUS_OK);
    assert_int_equal(f.state, AUS_FOP_INIT_BC);
    c = clcw(0, 0, 0, 0);
    assert_int_equal(aus_fop_on_clcw(&f, &c, 6), AUS_OK);
    assert_int_equal(f.state, AUS_FOP_ACTIVE);
    assert_int_equal(aus_fop_expiry(&f), UINT64_MAX);
    /* Window K = 2: the third FDU waits until an acknowledgement opens the window. */
    for (int i = 0; i < 2; i++) {
        uint8_t d = (uint8_t)i;
        assert_int_equal(aus_fop_send_ad(&f, &d, 1, 10), AUS_OK);
        assert_int_equal(aus_fop_poll(&f, 10, &fr), AUS_OK);
        assert_int_equal(fr.type, AUS_COP1_AD);
        assert_int_equal(fr.ns, i);
    }
    uint8_t d = 2;
    assert_int_equal(aus_fop_send_ad(&f, &d, 1, 11), AUS_OK);
    assert_int_equal(aus_fop_poll(&f, 11, &fr), AUS_E_AGAIN);
    assert_int_equal(aus_fop_send_ad(&f, &d, 1, 11), AUS_E_AGAIN); /* E20 */
    c = clcw(1, 0, 0, 0);
    assert_int_equal(aus_fop_on_clcw(&f, &c, 12), AUS_OK); /* E6 */
    assert_int_equal(aus_fop_poll(&f, 12, &fr), AUS_OK);
    assert_int_equal(fr.ns, 2);
    assert_int_equal(f.acked, 1);
    /* Oversized FDU and bad arguments. */
    uint8_t big[40] = {0};
    assert_int_equal(aus_fop_send_bd(&f, big, sizeof big), AUS_E_LIMIT);
    assert_int_equal(aus_fop_set_window(&f, 0), AUS_E_ARG);
    assert_int_equal(aus_fop_set_tt(&f, 2), AUS_E_ARG);
    assert_int_equal(aus_fop_initiate(&f, (aus_fop_init_mode)9, 0, 0), AUS_E_ARG);
    assert_int_equal(aus_fop_take_alert(&f), AUS_FOP_ALERT_NONE);
}

static void test_fop_init_args(void **state)
{
    (void)state;
    aus_fop f;
    aus_fop_cfg cfg = {.vcid = 3, .k = 8, .tx_limit = 3, .tt = 0, .t1 = T1};
    assert_int_equal(aus_fop_init(&f, &cfg, storage, 9 * 32, 32), AUS_E_ARG); /* k + 2 slots */
    cfg.k = 0;
    assert_int_equal(aus_fop_init(&f, &cfg, storage, sizeof storage, 32), AUS_E_ARG);
    cfg.k = 8;
    cfg.t1 = 0;
    assert_int_equal(aus_fop_init(&f, &cfg, storage, sizeof storage, 32), AUS_E_ARG);
    cfg.t1 = 1;
    cfg.tx_limit = 0;
    assert_int_equal(aus_fop_init(&f, &cfg, storage, sizeof storage, 32), AUS_E_ARG);
    cfg.tx_limit = 1;
    assert_int_equal(aus_fop_init(&f, &cfg, storage, sizeof storage, 2000), AUS_E_ARG);
    assert_int_equal(aus_fop_init(&f, &cfg, storage, sizeof storage, 32), AUS_OK);
    assert_int_equal(f.state, AUS_FOP_INITIAL);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_fop_every_transition),
        cmocka_unit_test(test_fop_poll_and_clcw_filter),
        cmocka_unit_test(test_fop_init_args),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
