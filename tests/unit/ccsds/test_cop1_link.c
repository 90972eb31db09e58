/* SPDX-License-Identifier: Apache-2.0 */
/* COP-1 end to end: FOP-1 (ground) and FARM-1 (on board) over a lossy in-memory link.
 * The uplink drops, duplicates and reorders TC frames (now and then holding one back long
 * enough to fall into the FARM's lockout area); the downlink drops and duplicates CLCWs; the
 * on-board buffer is now and then full (Wait). Every AD FDU must be delivered exactly once and
 * in order; lockouts happen and are cleared by the ground procedure (Set V(S) + Initiate AD
 * with Unlock). The second run puts SDLS (AES-256-GCM, open anti-replay) under COP-1: every
 * transmission is protected anew, duplicated and stale frames die at SDLS (AUS_E_REPLAY),
 * COP-1 recovers the rest; BC frames travel clear (232.0 §6.3.1). */
#include "aus_test.h"

#include "australis/base.h"
#include "australis/cop1.h"
#include "australis/crypto.h"
#include "australis/sdls.h"

#define QMAX 4096
#define FDU_LEN 4
#define FRAME_MAX 64

typedef struct pkt {
    uint64_t at;
    aus_cop1_type type;
    uint8_t ns;
    uint8_t len;
    uint8_t data[FRAME_MAX]; /* the FDU, or the whole protected TC frame with SDLS */
} pkt;

static aus_sdls_simple *ground, *board; /* NULL: no SDLS */
static const aus_sdls_link TCL = {.frame_len = 1024, .fecf = AUS_SDLS_FECF_YES};
static unsigned sdls_rejects;

/* TC frame around an FDU (232.0 §4.1.2: bypass / control flags from the type, SCID 0x042,
 * VC 5, FSN = N(S)), then SDLS apply unless it is a BC frame. Returns the frame length. */
static size_t tc_wrap(const aus_fop_frame *fr, uint8_t *f)
{
    size_t len = 5 + fr->len + 2;
    uint8_t flags = fr->type == AUS_COP1_AD ? 0x00 : fr->type == AUS_COP1_BD ? 0x20 : 0x30;
    f[0] = flags;
    f[1] = 0x42;
    f[2] = (uint8_t)((5u << 2) | (((len - 1) >> 8) & 3u));
    f[3] = (uint8_t)(len - 1);
    f[4] = fr->ns;
    memcpy(f + 5, fr->data, fr->len);
    if (fr->type == AUS_COP1_BC) {
        uint16_t c = aus_crc16_ccitt(f, len - 2);
        f[len - 2] = (uint8_t)(c >> 8);
        f[len - 1] = (uint8_t)c;
        return len;
    }
    int n = aus_sdls_tc_apply(&ground->t, &TCL, 1, f, len, FRAME_MAX, 0);
    assert_true(n > 0);
    return (size_t)n;
}

/* The receiving end: SDLS process (not for BC frames), then type / N(S) / FDU back out.
 * Returns 0 when SDLS rejects the frame. */
static int tc_unwrap(pkt *p)
{
    uint8_t *f = p->data;
    aus_cop1_type ty = (f[0] & 0x30) == 0x30 ? AUS_COP1_BC
                       : (f[0] & 0x20)       ? AUS_COP1_BD
                                             : AUS_COP1_AD;
    size_t off = 5, n = (size_t)p->len - 7;
    if (ty != AUS_COP1_BC) {
        aus_sdls_rx rx;
        aus_err e = aus_sdls_tc_process(&board->t, &TCL, f, p->len, 0, &rx);
        if (e != AUS_OK) {
            assert_int_equal(e, AUS_E_REPLAY); /* duplicates and stale frames, nothing else */
            sdls_rejects++;
            return 0;
        }
        off = rx.data_off;
        n = rx.data_len;
    }
    p->type = ty;
    p->ns = f[4];
    memmove(p->data, f + off, n);
    p->len = (uint8_t)n;
    return 1;
}

typedef struct chan {
    pkt q[QMAX];
    size_t n;
} chan;

static chan up;
static struct {
    uint64_t at;
    aus_clcw c;
} down[QMAX];
static size_t ndown;
static uint64_t rng;

static int chance(unsigned per_mille) { return tst_rand(&rng) % 1000u < per_mille; }

static void up_send(const aus_fop_frame *fr, uint64_t now)
{
    int copies = chance(150) ? 0 : chance(100) ? 2 : 1; /* 15% lost, 10% duplicated */
    uint8_t wire[FRAME_MAX];
    size_t wlen = ground ? tc_wrap(fr, wire) : fr->len;
    for (int i = 0; i < copies && up.n < QMAX; i++) {
        pkt *p = &up.q[up.n++];
        uint64_t delay = 1 + tst_rand(&rng) % 4; /* reordering */
        if (chance(15))
            delay += 40 + tst_rand(&rng) % 40; /* a frame held back for a long time */
        p->at = now + delay;
        p->type = fr->type;
        p->ns = fr->ns;
        p->len = (uint8_t)wlen;
        memcpy(p->data, ground ? wire : fr->data, wlen);
    }
}

static void down_send(const aus_clcw *c, uint64_t now)
{
    int copies = chance(200) ? 0 : chance(50) ? 2 : 1;
    for (int i = 0; i < copies && ndown < QMAX; i++) {
        down[ndown].at = now + 2; /* in order (one TM frame stream) */
        down[ndown].c = *c;
        ndown++;
    }
}

typedef struct stats {
    unsigned lockouts, alerts, unlocks, waits, bd, retransmits;
} stats;

static void run_link(uint64_t seed, uint32_t nfdu, stats *st)
{
    rng = seed;
    up.n = 0;
    ndown = 0;
    static uint8_t fopbuf[(8 + 2) * FDU_LEN];
    aus_fop fop;
    aus_farm farm;
    aus_fop_cfg cfg = {.vcid = 5, .k = 8, .tx_limit = 12, .tt = 0, .t1 = 25};
    assert_int_equal(aus_fop_init(&fop, &cfg, fopbuf, sizeof fopbuf, FDU_LEN), AUS_OK);
    assert_int_equal(aus_farm_init(&farm, 5, 20), AUS_OK); /* PW = NW = 10 >= K */
    /* Start: FARM locked out (power-on); ground sets V(R) = 0. */
    assert_int_equal(aus_fop_initiate(&fop, AUS_FOP_INIT_SET_VR, 0, 0), AUS_OK);
    uint32_t next_submit = 0, delivered = 0, acked_idx = 0;
    uint8_t last_nr = 0;
    uint64_t drain_until = 0;
    int busy = 0;
    uint64_t now = 0, last_bd = 0;
    for (now = 1; delivered < nfdu && now < 400000; now++) {
        /* ground: feed FDUs, recover from alerts */
        aus_fop_alert a = aus_fop_take_alert(&fop);
        if (a != AUS_FOP_ALERT_NONE) {
            st->alerts++;
            if (a == AUS_FOP_ALERT_LOCKOUT)
                st->lockouts++;
            drain_until = now + 100; /* let stale frames die out before resynchronising */
        }
        if (fop.state == AUS_FOP_INITIAL && drain_until != 0 && now >= drain_until) {
            /* The last CLCW tells what was delivered: resume from there. */
            next_submit = acked_idx;
            assert_int_equal(aus_fop_set_vs(&fop, last_nr), AUS_OK);
            assert_int_equal(aus_fop_initiate(&fop, AUS_FOP_INIT_UNLOCK, 0, now), AUS_OK);
            st->unlocks++;
            drain_until = 0;
        }
        if (next_submit < nfdu && fop.wait_len == 0 &&
            (fop.state == AUS_FOP_ACTIVE || fop.state == AUS_FOP_RT_NOWAIT ||
             fop.state == AUS_FOP_RT_WAIT)) {
            uint8_t d[FDU_LEN] = {(uint8_t)(next_submit >> 24), (uint8_t)(next_submit >> 16),
                                  (uint8_t)(next_submit >> 8), (uint8_t)next_submit};
            if (aus_fop_send_ad(&fop, d, FDU_LEN, now) == AUS_OK)
                next_submit++;
        }
        if (now - last_bd > 500 && chance(5)) {
            uint8_t d[FDU_LEN] = {0xBD, 0xBD, 0xBD, 0xBD};
            if (aus_fop_send_bd(&fop, d, FDU_LEN) == AUS_OK)
                last_bd = now;
        }
        aus_fop_frame fr;
        while (aus_fop_poll(&fop, now, &fr) == AUS_OK) {
            if (fr.type == AUS_COP1_AD && fop.tx_count > 1)
                st->retransmits++;
            up_send(&fr, now);
        }
        if (aus_fop_expiry(&fop) <= now)
            aus_fop_on_timer(&fop, now);
        /* space segment: the buffer is now and then full */
        if (!busy && chance(3)) {
            busy = 1;
            st->waits++;
        } else if (busy && chance(100)) {
            busy = 0;
            aus_farm_buffer_release(&farm);
        }
        for (size_t i = 0; i < up.n;) {
            if (up.q[i].at > now) {
                i++;
                continue;
            }
            pkt p = up.q[i];
            up.q[i] = up.q[--up.n];
            if (board != NULL && !tc_unwrap(&p))
                continue;
            int v = aus_farm_on_frame(&farm, p.type, p.ns, p.data, p.len, !busy);
            assert_true(v >= 0);
            if (v == AUS_FARM_ACCEPT && p.type == AUS_COP1_AD) {
                uint32_t idx = (uint32_t)p.data[0] << 24 | (uint32_t)p.data[1] << 16 |
                               (uint32_t)p.data[2] << 8 | p.data[3];
                if (idx != delivered)
                    fail_msg("seed %llu: delivered FDU %u, expected %u (t=%llu)",
                             (unsigned long long)seed, idx, delivered, (unsigned long long)now);
                delivered++;
            } else if (v == AUS_FARM_ACCEPT) {
                st->bd++;
            }
        }
        aus_clcw c;
        aus_farm_clcw(&farm, &c);
        down_send(&c, now); /* one CLCW per TM frame */
        for (size_t i = 0; i < ndown;) {
            if (down[i].at > now) {
                i++;
                continue;
            }
            aus_clcw got = down[i].c;
            memmove(&down[i], &down[i + 1], (ndown - i - 1) * sizeof down[0]);
            ndown--;
            /* ground bookkeeping: FDUs acknowledged so far (V(R) moves by < 256 per CLCW) */
            acked_idx += (uint8_t)(got.report - last_nr);
            last_nr = got.report;
            assert_int_equal(aus_fop_on_clcw(&fop, &got, now), AUS_OK);
        }
    }
    if (delivered != nfdu)
        fail_msg("seed %llu: %u of %u FDUs delivered by t=%llu (FOP S%d, FARM S%d)",
                 (unsigned long long)seed, delivered, nfdu, (unsigned long long)now, fop.state,
                 farm.state);
}

static void test_cop1_lossy_link(void **state)
{
    (void)state;
    ground = board = NULL;
    stats st = {0};
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_link(seed * 7919u, 5000, &st);
    printf(
        "COP-1 link: 6 x 5000 FDUs delivered exactly once in order; %u alerts (%u lockouts), "
        "%u unlock resyncs, %u FARM waits, %u BD frames, %u AD frames sent while retransmitting\n",
        st.alerts, st.lockouts, st.unlocks, st.waits, st.bd, st.retransmits);
    assert_true(st.lockouts >= 1);
    assert_true(st.unlocks + 6 >= st.alerts); /* at most one alert per run left at the end */
    assert_true(st.waits >= 1);
    assert_true(st.bd >= 1);
    assert_true(st.retransmits >= 1);
}

static void test_cop1_over_sdls(void **state)
{
    (void)state;
    static aus_sdls_simple g, b;
    const uint8_t key[32] = {7, 6, 5, 4, 3, 2, 1};
    const uint8_t iv0[12] = {0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1}, zero[12] = {0};
    assert_int_equal(aus_sdls_simple_init(&g, aus_crypto_default(), 1, key, 32, iv0), AUS_OK);
    assert_int_equal(aus_sdls_simple_init(&b, aus_crypto_default(), 1, key, 32, zero), AUS_OK);
    ground = &g;
    board = &b;
    sdls_rejects = 0;
    stats st = {0};
    for (uint64_t seed = 11; seed <= 13; seed++)
        run_link(seed * 104729u, 3000, &st);
    printf("COP-1 over SDLS: 3 x 3000 FDUs exactly once in order; %u frames refused by SDLS "
           "anti-replay (duplicates, stale), %u alerts (%u lockouts)\n",
           sdls_rejects, st.alerts, st.lockouts);
    assert_true(sdls_rejects > 0);
    ground = board = NULL;
    aus_sdls_simple_wipe(&g);
    aus_sdls_simple_wipe(&b);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_cop1_lossy_link),
        cmocka_unit_test(test_cop1_over_sdls),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
