/* SPDX-License-Identifier: Apache-2.0 */
/* Our TCPCLv4 client against our server with the connection dropped at every byte offset of a
 * session (so at every message boundary and inside every message), then a new session for what
 * was not acknowledged: every bundle is acknowledged exactly once, a receiver never hands up a
 * part of a transfer, and with the receiver keeping what it took by the bundle's identity (as
 * the daemons' carrier names files by source and creation timestamp) each is delivered once.
 * RFC 9174 §5.2.3: a transfer is complete for the sender only on its final XFER_ACK. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "australis/tcpcl.h"

#define NB 5

typedef struct world {
    uint8_t bundle[NB][600];
    size_t len[NB];
    int acked[NB];  /* final XFER_ACKs seen by the sender, per bundle */
    int queued[NB]; /* in the current session */
    int stored[NB]; /* the receiver kept it (by identity: first byte) */
    int handed;     /* on_bundle calls */
    int partial;    /* on_bundle with bytes that are not a whole bundle */
} world;

static world w;
static int tags[NB];

static aus_err rx_bundle(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    (void)ud;
    (void)id;
    w.handed++;
    if (n == 0 || p[0] >= NB || n != w.len[p[0]] || memcmp(p, w.bundle[p[0]], n) != 0) {
        w.partial++;
        return AUS_OK;
    }
    w.stored[p[0]] = 1; /* a second copy finds the first: kept once */
    return AUS_OK;
}

static void tx_sent(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t reason)
{
    (void)ud;
    (void)reason;
    int i = *(int *)tag;
    w.queued[i] = 0;
    if (o == AUS_TCPCL_ACKED)
        w.acked[i]++;
}

static const aus_tcpcl_ops ops = {rx_bundle, tx_sent, NULL};
static uint8_t rxa[1 << 12], rxb[1 << 12], buf[1 << 12];

static aus_tcpcl_cfg cfg_of(int active)
{
    aus_tcpcl_cfg c;
    memset(&c, 0, sizeof c);
    c.active = (uint8_t)active;
    c.keepalive_s = 0;
    c.seg_mru = 256; /* several segments per bundle */
    c.xfer_mru = sizeof rxa;
    c.node_id = active ? "ipn:1.0" : "ipn:2.0";
    c.setup_ms = 5000;
    return c;
}

/* One session; the connection drops after `budget` bytes moved (SIZE_MAX: never). Returns the
 * bytes moved. Chunks of 1..17 bytes so cuts fall everywhere. */
static size_t session(size_t budget)
{
    static aus_tcpcl a, b;
    aus_tcpcl_cfg ca = cfg_of(1), cb = cfg_of(0);
    assert_int_equal(aus_tcpcl_init(&a, &ca, &ops, NULL, rxa, sizeof rxa, 0), AUS_OK);
    assert_int_equal(aus_tcpcl_init(&b, &cb, &ops, NULL, rxb, sizeof rxb, 0), AUS_OK);
    size_t moved = 0, step = 0;
    int pushed = 0;
    for (int round = 0; round < 20000; round++) {
        if (!pushed && aus_tcpcl_state_of(&a) == AUS_TCPCL_S_EST) {
            for (int i = 0; i < NB; i++)
                if (!w.acked[i] && !w.queued[i]) {
                    assert_int_equal(aus_tcpcl_xfer_push(&a, w.bundle[i], w.len[i], &tags[i]),
                                     AUS_OK);
                    w.queued[i] = 1;
                }
            pushed = 1;
        }
        if (pushed && aus_tcpcl_xfer_pending(&a) == 0 && aus_tcpcl_state_of(&a) == AUS_TCPCL_S_EST)
            aus_tcpcl_terminate(&a, AUS_TCPCL_TERM_UNKNOWN, 0);
        int any = 0;
        aus_tcpcl *from[2] = {&a, &b}, *to[2] = {&b, &a};
        for (int d = 0; d < 2; d++) {
            size_t chunk = 1 + (step++ % 17);
            if (budget != SIZE_MAX && chunk > budget - moved)
                chunk = budget - moved;
            if (chunk == 0)
                break;
            long k = aus_tcpcl_send(from[d], buf, chunk, 0);
            assert_true(k >= 0);
            if (k > 0) {
                any = 1;
                moved += (size_t)k;
                assert_int_equal(aus_tcpcl_recv(to[d], buf, (size_t)k, 0), k);
            }
        }
        if (budget != SIZE_MAX && moved >= budget) {
            aus_tcpcl_peer_closed(&a); /* the connection is gone under both */
            aus_tcpcl_peer_closed(&b);
            break;
        }
        if (!any)
            break;
    }
    if (aus_tcpcl_state_of(&a) != AUS_TCPCL_S_CLOSED)
        aus_tcpcl_peer_closed(&a);
    if (aus_tcpcl_state_of(&b) != AUS_TCPCL_S_CLOSED)
        aus_tcpcl_peer_closed(&b);
    return moved;
}

static void reset(void)
{
    memset(&w, 0, sizeof w);
    for (int i = 0; i < NB; i++) {
        tags[i] = i;
        w.len[i] = 100 + 111 * (size_t)i;
        for (size_t k = 0; k < w.len[i]; k++)
            w.bundle[i][k] = k ? (uint8_t)(k * 31 + (size_t)i) : (uint8_t)i;
    }
}

static void test_drop_everywhere(void **st)
{
    (void)st;
    reset();
    size_t total = session(SIZE_MAX); /* a clean session: its length */
    for (int i = 0; i < NB; i++)
        assert_int_equal(w.acked[i], 1);
    assert_true(total > 1000);
    for (size_t cut = 0; cut <= total; cut++) {
        reset();
        (void)session(cut);
        for (int s = 0; s < 3; s++) /* reconnect until all is acknowledged */
            (void)session(SIZE_MAX);
        for (int i = 0; i < NB; i++) {
            if (w.acked[i] != 1 || !w.stored[i])
                fail_msg("cut at byte %zu of %zu: bundle %d acked %d times, stored %d", cut, total,
                         i, w.acked[i], w.stored[i]);
        }
        assert_int_equal(w.partial, 0);
        assert_true(w.handed >= NB); /* copies may arrive again, never fewer */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
