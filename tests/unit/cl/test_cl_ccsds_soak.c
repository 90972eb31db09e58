/* SPDX-License-Identifier: Apache-2.0 */
/* The CCSDS convergence layer over a hostile pipeline for 150 passes: every pass file may be
 * dropped, duplicated, held back and delivered after the next one, hit by bit errors or a
 * burst, and either end may restart from its store. Uplink bundles must arrive exactly once and
 * in order (COP-1); downlink bundles (no ARQ there) at most once and in order. */
#include "aus_test.h"
#include "tst_sdls.h"

#include "australis/cl_ccsds.h"
#include "australis/crypto.h"

static const uint8_t KEY[32] = {0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
#define CAP (4u << 20)
#define MAXB 20000u

typedef struct node {
    aus_sdls_keyring ring;
    aus_sdls_table t;
    aus_cl_ccsds *c;
    tst_store *mem;
    aus_store st;
    int ground;
    uint64_t next, got, dups, bad, gaps;
    uint8_t *held; /* a file held back by the pipeline, for this node */
    size_t held_len;
} node;

static uint64_t rng = 77, now = 1000;

static void fill(uint8_t *b, size_t n, uint64_t idx)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(idx * 131 + i * 7);
    for (size_t i = 0; i < 8 && i < n; i++)
        b[i] = (uint8_t)(idx >> (56 - 8 * i));
}

static void on_bundle(void *u, const uint8_t *b, size_t n)
{
    node *s = u;
    uint64_t idx = 0;
    for (size_t i = 0; i < 8; i++)
        idx = idx << 8 | b[i];
    static uint8_t want[MAXB];
    fill(want, n, idx);
    if (n > MAXB || memcmp(want, b, n) != 0) {
        s->bad++;
        return;
    }
    if (idx < s->next) {
        s->dups++;
        return;
    }
    s->gaps += idx - s->next;
    s->next = idx + 1;
    s->got++;
    assert_int_equal(aus_store_put_u64(&s->st, "sink", s->next), AUS_OK);
}

static const aus_cl_ccsds_ops OPS = {on_bundle, NULL};

/* (Re)start a node from its store: SA table as provisioned, then the persisted counters. */
static void node_boot(node *n)
{
    assert_int_equal(tst_sdls_link_end(&n->ring, &n->t, KEY, n->ground, 6), AUS_OK);
    assert_int_equal(aus_sdls_set_store(&n->t, &n->st, "sdls/"), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&n->t, 1), AUS_OK);
    assert_int_equal(aus_sdls_sa_resume(&n->t, 2), AUS_OK);
    aus_cl_ccsds_cfg cfg;
    aus_cl_ccsds_cfg_default(&cfg, n->ground ? AUS_CL_CCSDS_GROUND : AUS_CL_CCSDS_SAT);
    cfg.tm_spi = 1;
    cfg.tc_spi = cfg.ep_spi = 2;
    cfg.fop_window = 16; /* small passes: more of them, more events */
    if (n->c == NULL)
        n->c = calloc(1, sizeof *n->c);
    memset(n->c, 0x77, sizeof *n->c);
    assert_int_equal(aus_cl_ccsds_init(n->c, &cfg, &n->t, &n->st, "l/", &OPS, n, now), AUS_OK);
    uint64_t v = 0;
    aus_err e = aus_store_get_u64(&n->st, "sink", &v);
    assert_true(e == AUS_OK || e == AUS_E_NOTFOUND);
    n->next = v;
}

static int chance(unsigned pct) { return tst_rand(&rng) % 100 < pct; }

/* The pipeline carries one file to `to`: drop / duplicate / hold back / corrupt. */
static void carry(node *to, const uint8_t *f, size_t n)
{
    static uint8_t buf[CAP];
    if (chance(10))
        return; /* dropped */
    if (chance(10) && to->held == NULL) {
        to->held = malloc(n + 1);
        memcpy(to->held, f, n);
        to->held_len = n;
        return; /* delivered after the next file */
    }
    int copies = chance(10) ? 2 : 1;
    for (int k = 0; k < copies; k++) {
        memcpy(buf, f, n);
        if (chance(30))
            aus_cl_ccsds_flip_bits(buf, n, 2e-5, &rng);
        if (chance(10) && n > 3000) {
            size_t at = (size_t)(tst_rand(&rng) % (n - 600));
            memset(buf + at, 0xA5, 500);
        }
        assert_int_equal(aus_cl_ccsds_pass_in(to->c, buf, n, now), AUS_OK);
    }
    if (to->held != NULL && copies == 1) {
        memcpy(buf, to->held, to->held_len);
        assert_int_equal(aus_cl_ccsds_pass_in(to->c, buf, to->held_len, now), AUS_OK);
        free(to->held);
        to->held = NULL;
    }
}

static void offer(node *n, uint64_t *sent, uint64_t upto)
{
    static uint8_t b[MAXB];
    while (*sent < upto) {
        size_t len = 100 + (size_t)(tst_rand(&rng) % (MAXB - 100));
        fill(b, len, *sent);
        aus_err e = aus_cl_ccsds_send(n->c, b, len, now);
        if (e == AUS_E_FULL)
            return;
        assert_int_equal(e, AUS_OK);
        (*sent)++;
    }
}

static void test_soak(void **state)
{
    (void)state;
    static uint8_t file[CAP];
    if (getenv("CLC_SOAK_SEED")) /* explore: CLC_SOAK_SEED=n ./test_cl_ccsds_soak */
        rng = strtoull(getenv("CLC_SOAK_SEED"), NULL, 10);
    node g = {0}, s = {0};
    g.ground = 1;
    g.mem = tst_store_new();
    s.mem = tst_store_new();
    g.st = tst_store_iface(g.mem);
    s.st = tst_store_iface(s.mem);
    node_boot(&g);
    node_boot(&s);
    uint64_t up = 0, down = 0, total = 400;
    int p;
    for (p = 0; p < 400 && (s.next < total || p < 150); p++) {
        offer(&g, &up, total);
        offer(&s, &down, total);
        size_t n = 0;
        assert_int_equal(aus_cl_ccsds_pass_out(g.c, file, CAP, now, &n), AUS_OK);
        if (n > 0)
            carry(&s, file, n);
        now += 10;
        assert_int_equal(aus_cl_ccsds_pass_out(s.c, file, CAP, now, &n), AUS_OK);
        carry(&g, file, n);
        now += 990;
        if (chance(5))
            node_boot(&g);
        if (chance(5))
            node_boot(&s);
        assert_int_equal(s.dups + s.bad + s.gaps, 0);
        assert_int_equal(g.dups + g.bad, 0);
    }
    /* quiet passes at the end: what is still outstanding on the uplink gets through */
    for (int q = 0; q < 60 && s.next < up; q++) {
        size_t n = 0;
        assert_int_equal(aus_cl_ccsds_pass_out(g.c, file, CAP, now, &n), AUS_OK);
        if (n > 0)
            assert_int_equal(aus_cl_ccsds_pass_in(s.c, file, n, now), AUS_OK);
        assert_int_equal(aus_cl_ccsds_pass_out(s.c, file, CAP, now, &n), AUS_OK);
        assert_int_equal(aus_cl_ccsds_pass_in(g.c, file, n, now), AUS_OK);
        now += 1000;
    }
    assert_int_equal(s.next, up);
    assert_int_equal(s.dups + s.bad + s.gaps, 0);
    assert_int_equal(g.dups + g.bad, 0);
    assert_true(g.got > down / 2);
    aus_cl_ccsds_stats gs, ss;
    aus_cl_ccsds_stats_get(g.c, &gs);
    aus_cl_ccsds_stats_get(s.c, &ss);
    printf("# soak: %d passes, uplink %llu bundles exactly once (in order), downlink %llu of "
           "%llu (lost with their files: %llu), SDLS replays refused %llu up / %llu down\n",
           p, (unsigned long long)s.next, (unsigned long long)g.got, (unsigned long long)down,
           (unsigned long long)g.gaps, (unsigned long long)ss.sdls_replay,
           (unsigned long long)gs.sdls_replay);
    free(g.c);
    free(s.c);
    free(g.held);
    free(s.held);
    tst_store_free(g.mem);
    tst_store_free(s.mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
