/* SPDX-License-Identifier: Apache-2.0 */
/* FARM-1 (232.1 §6): every cell of the state table (10 events x 3 states), window edges,
 * modulo-256 arithmetic, BC directive parsing and CLCW reporting. The expected table below is
 * transcribed from 232.1 table 6-1 (§6.3), not from the code. */
#include "aus_test.h"

#include "australis/cop1.h"

/* Expected cell: accept?, V(R) change (0 none, 1 +1, 2 := V*(R)), Retransmit after
 * (0, 1, or -1 unchanged), FARM-B + 1?, next state. */
typedef struct cell {
    int acc, vr, rt, fb, next;
} cell;

enum { O = AUS_FARM_OPEN, W = AUS_FARM_WAIT, L = AUS_FARM_LOCKOUT };

static const cell expect[10][3] = {
    /*           S1 Open              S2 Wait              S3 Lockout */
    /* E1  */ {{1, 1, 0, 0, O}, {0, 0, -1, 0, W}, {0, 0, -1, 0, L}},
    /* E2  */ {{0, 0, 1, 0, W}, {0, 0, -1, 0, W}, {0, 0, -1, 0, L}},
    /* E3  */ {{0, 0, 1, 0, O}, {0, 0, -1, 0, W}, {0, 0, -1, 0, L}},
    /* E4  */ {{0, 0, -1, 0, O}, {0, 0, -1, 0, W}, {0, 0, -1, 0, L}},
    /* E5  */ {{0, 0, -1, 0, L}, {0, 0, -1, 0, L}, {0, 0, -1, 0, L}},
    /* E6  */ {{1, 0, -1, 1, O}, {1, 0, -1, 1, W}, {1, 0, -1, 1, L}},
    /* E7  */ {{0, 0, 0, 1, O}, {0, 0, 0, 1, O}, {0, 0, 0, 1, O}},
    /* E8  */ {{0, 2, 0, 1, O}, {0, 2, 0, 1, O}, {0, 0, -1, 1, L}},
    /* E9  */ {{0, 0, -1, 0, O}, {0, 0, -1, 0, W}, {0, 0, -1, 0, L}},
    /* E10 */ {{0, 0, -1, 0, O}, {0, 0, -1, 0, O}, {0, 0, -1, 0, L}},
};

#define VR0 10
#define NEWVR 0x33

/* Fire event ev (1..10) on f; returns the verdict (or -1 for E10). */
static int fire(aus_farm *f, int ev, int variant)
{
    static const uint8_t unlock[1] = {0x00}, setvr[3] = {0x82, 0x00, NEWVR};
    static const uint8_t bad[4][3] = {{0x01}, {0x82, 0x00}, {0x82, 0x01, 5}, {0x00, 0x00}};
    static const size_t badlen[4] = {1, 2, 3, 2};
    uint8_t d[4] = {1, 2, 3, 4};
    switch (ev) {
    case 1: return aus_farm_on_frame(f, AUS_COP1_AD, VR0, d, 4, 1);
    case 2: return aus_farm_on_frame(f, AUS_COP1_AD, VR0, d, 4, 0);
    case 3: /* N(S) = V(R)+1 .. V(R)+PW-1 */
        return aus_farm_on_frame(f, AUS_COP1_AD, (uint8_t)(VR0 + (variant ? 4 : 1)), d, 4, 1);
    case 4: /* V(R)-NW .. V(R)-1 */
        return aus_farm_on_frame(f, AUS_COP1_AD, (uint8_t)(VR0 - (variant ? 5 : 1)), d, 4, 1);
    case 5: /* V(R)+PW .. V(R)-NW-1 */
        return aus_farm_on_frame(f, AUS_COP1_AD, (uint8_t)(VR0 + (variant ? 5 : 200)), d, 4, 1);
    case 6: return aus_farm_on_frame(f, AUS_COP1_BD, 0, d, 4, variant);
    case 7: return aus_farm_on_frame(f, AUS_COP1_BC, 0, unlock, 1, 1);
    case 8: return aus_farm_on_frame(f, AUS_COP1_BC, 0, setvr, 3, 1);
    case 9: return aus_farm_on_frame(f, AUS_COP1_BC, 0, bad[variant % 4], badlen[variant % 4], 1);
    default: aus_farm_buffer_release(f); return -1;
    }
}

static void test_farm_every_transition(void **state)
{
    (void)state;
    int cells = 0;
    for (int ev = 1; ev <= 10; ev++) {
        for (int s = 0; s < 3; s++) {
            for (int variant = 0; variant < 2; variant++) {
                for (int rt0 = 0; rt0 <= 1; rt0++) {
                    aus_farm f;
                    assert_int_equal(aus_farm_init(&f, 7, 10), AUS_OK); /* PW = NW = 5 */
                    f.state = (aus_farm_state)(s + 1);
                    f.vr = VR0;
                    f.retransmit = (uint8_t)rt0;
                    f.farm_b = 2;
                    const cell *c = &expect[ev - 1][s];
                    int v = fire(&f, ev, variant);
                    if (ev != 10)
                        assert_int_equal(v, c->acc ? AUS_FARM_ACCEPT : AUS_FARM_DISCARD);
                    assert_int_equal(f.state, c->next);
                    assert_int_equal(f.last_event, ev);
                    int vr = c->vr == 0 ? VR0 : c->vr == 1 ? VR0 + 1 : NEWVR;
                    assert_int_equal(f.vr, vr);
                    assert_int_equal(f.retransmit, c->rt < 0 ? rt0 : c->rt);
                    assert_int_equal(f.farm_b, 2 + c->fb);
                    /* The CLCW reflects the new state. */
                    aus_clcw w;
                    aus_farm_clcw(&f, &w);
                    assert_int_equal(w.lockout, c->next == L);
                    assert_int_equal(w.wait, c->next == W);
                    assert_int_equal(w.report, vr);
                    assert_int_equal(w.retransmit, f.retransmit);
                    assert_int_equal(w.farm_b, (2 + c->fb) & 3);
                    assert_int_equal(w.vcid, 7);
                    assert_int_equal(w.cop, AUS_CLCW_COP1);
                }
            }
            cells++;
        }
    }
    assert_int_equal(cells, 30);
}

static void test_farm_windows_modulo(void **state)
{
    (void)state;
    aus_farm f;
    /* V(R) = 254, W = 10: positive window 254..2 (PW-1 = 4 above), negative 249..253. */
    assert_int_equal(aus_farm_init(&f, 0, 10), AUS_OK);
    struct {
        uint8_t ns;
        int ev;
    } cases[] = {{254, 1}, {255, 3}, {2, 3}, {3, 5}, {253, 4}, {249, 4}, {248, 5}, {128, 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f.state = AUS_FARM_OPEN;
        f.vr = 254;
        f.retransmit = 0;
        assert_true(aus_farm_on_frame(&f, AUS_COP1_AD, cases[i].ns, NULL, 0, 1) >= 0);
        assert_int_equal(f.last_event, cases[i].ev);
    }
    /* Accepting at 255 wraps V(R) to 0. */
    f.state = AUS_FARM_OPEN;
    f.vr = 255;
    assert_int_equal(aus_farm_on_frame(&f, AUS_COP1_AD, 255, NULL, 0, 1), AUS_FARM_ACCEPT);
    assert_int_equal(f.vr, 0);
    /* Smallest window W = 2: PW = 1 means no positive window at all. */
    assert_int_equal(aus_farm_init(&f, 0, 2), AUS_OK);
    f.state = AUS_FARM_OPEN;
    assert_int_equal(aus_farm_on_frame(&f, AUS_COP1_AD, 1, NULL, 0, 1), AUS_FARM_DISCARD);
    assert_int_equal(f.last_event, AUS_FARM_E5);
}

static void test_farm_init_and_args(void **state)
{
    (void)state;
    aus_farm f;
    assert_int_equal(aus_farm_init(&f, 0, 9), AUS_E_ARG);   /* odd */
    assert_int_equal(aus_farm_init(&f, 0, 0), AUS_E_ARG);   /* too small */
    assert_int_equal(aus_farm_init(&f, 0, 255), AUS_E_ARG); /* too large */
    assert_int_equal(aus_farm_init(&f, 64, 10), AUS_E_ARG); /* VCID */
    assert_int_equal(aus_farm_init(&f, 1, 254), AUS_OK);
    assert_int_equal(f.state, AUS_FARM_LOCKOUT); /* starts locked out until Unlock / Set V(R) */
    aus_farm keep = f;
    assert_int_equal(aus_farm_on_frame(&f, (aus_cop1_type)7, 0, NULL, 0, 1), AUS_E_ARG);
    assert_int_equal(aus_farm_on_frame(&f, AUS_COP1_BC, 0, NULL, 3, 1), AUS_E_ARG);
    assert_memory_equal(&f, &keep, sizeof f);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_farm_every_transition),
        cmocka_unit_test(test_farm_windows_modulo),
        cmocka_unit_test(test_farm_init_and_args),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
