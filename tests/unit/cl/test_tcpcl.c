/* SPDX-License-Identifier: Apache-2.0 */
/* TCPCLv4 (RFC 9174): the message codec and the session's state table (src/cl/tcpcl*.c).
 * Expected values come from the RFC's layouts and rules (sections cited), not from our output. */
#include "aus_test.h"

#include "australis/tcpcl.h"

/* ---------------------------------------------------------------- codec */

/* §4.2: "dtn!" 0x04 flags */
static void test_contact_header(void **st)
{
    (void)st;
    uint8_t ch[6], v = 0, f = 0;
    aus_tcpcl_ch_encode(ch, AUS_TCPCL_CH_CAN_TLS);
    static const uint8_t want[6] = {0x64, 0x74, 0x6e, 0x21, 0x04, 0x01};
    assert_memory_equal(ch, want, 6);
    assert_int_equal(aus_tcpcl_ch_decode(ch, 6, &v, &f), AUS_OK);
    assert_int_equal(v, 4);
    assert_int_equal(f, 1);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(aus_tcpcl_ch_decode(ch, i, &v, &f), AUS_E_TRUNC);
    ch[0] = 'D';
    assert_int_equal(aus_tcpcl_ch_decode(ch, 6, &v, &f), AUS_E_MALFORMED);
}

/* Hand-assembled messages from the RFC's layouts (§4.6, §5.1, §5.2, §6.1). */
static const char *const wire[] = {
    /* SESS_INIT keepalive 30, seg MRU 0x10000, xfer MRU 0x100000, node "ipn:1.0", one item */
    "07"
    "001e"
    "0000000000010000"
    "0000000000100000"
    "0007"
    "69706e3a312e30"
    "00000007"
    "00"
    "1234"
    "0002"
    "abcd",
    /* XFER_SEGMENT START|END id 1, Transfer Length 3, data "abc" */
    "01"
    "03"
    "0000000000000001"
    "0000000d"
    "00"
    "0001"
    "0008"
    "0000000000000003"
    "0000000000000003"
    "616263",
    /* XFER_SEGMENT middle (no flags) id 2, 2 octets */
    "01"
    "00"
    "0000000000000002"
    "0000000000000002"
    "ffee",
    /* XFER_ACK END id 1 length 3 */
    "02"
    "01"
    "0000000000000001"
    "0000000000000003",
    /* XFER_REFUSE Session Terminating id 7 */
    "03"
    "06"
    "0000000000000007",
    /* KEEPALIVE */
    "04",
    /* SESS_TERM REPLY Idle timeout */
    "05"
    "01"
    "01",
    /* MSG_REJECT Message Unexpected, rejected header 0x07 */
    "06"
    "03"
    "07",
};

static void test_roundtrip_and_truncation(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof wire / sizeof wire[0]; i++) {
        size_t n = 0, used = 0;
        uint8_t *b = tst_hex(wire[i], &n);
        aus_tcpcl_msg m;
        assert_int_equal(aus_tcpcl_msg_decode(b, n, 0, &m, &used), AUS_OK);
        assert_int_equal(used, n);
        uint8_t out[256];
        long k = aus_tcpcl_msg_encode(&m, 0, out, sizeof out);
        assert_int_equal(k, (long)n);
        assert_memory_equal(out, b, n);
        assert_int_equal(aus_tcpcl_msg_encode(&m, 0, NULL, 0), (long)n);
        for (size_t cut = 0; cut < n; cut++) {
            assert_int_equal(aus_tcpcl_msg_encode(&m, 0, out, cut), AUS_E_NOBUFS);
            aus_tcpcl_msg t;
            assert_int_equal(aus_tcpcl_msg_decode(b, cut, 0, &t, &used), AUS_E_TRUNC);
        }
        free(b);
    }
}

static void test_fields(void **st)
{
    (void)st;
    size_t n, used;
    aus_tcpcl_msg m;
    uint8_t *b = tst_hex(wire[0], &n);
    assert_int_equal(aus_tcpcl_msg_decode(b, n, 0, &m, &used), AUS_OK);
    assert_int_equal(m.keepalive, 30);
    assert_int_equal(m.seg_mru, 0x10000);
    assert_int_equal(m.xfer_mru, 0x100000);
    assert_int_equal(m.node_id_len, 7);
    assert_memory_equal(m.node_id, "ipn:1.0", 7);
    assert_int_equal(m.next, 1);
    assert_int_equal(m.ext[0].type, 0x1234);
    assert_int_equal(m.crit_unknown, 0);
    b[n - 7] = 0x01; /* the item becomes CRITICAL (§4.8) */
    assert_int_equal(aus_tcpcl_msg_decode(b, n, 0, &m, &used), AUS_OK);
    assert_int_equal(m.crit_unknown, 1);
    free(b);
    b = tst_hex(wire[1], &n);
    assert_int_equal(aus_tcpcl_msg_decode(b, n, 0, &m, &used), AUS_OK);
    assert_int_equal(m.has_xfer_len, 1);
    assert_int_equal(m.xfer_len, 3);
    assert_memory_equal(m.data, "abc", 3);
    /* head only stops before the data */
    assert_int_equal(aus_tcpcl_msg_decode(b, n - 3, 1, &m, &used), AUS_OK);
    assert_int_equal(used, n - 3);
    assert_null(m.data);
    /* Transfer Length item of 7 octets: malformed (§5.2.5.1 says U64) */
    b[18] = 0x07;
    assert_int_equal(aus_tcpcl_msg_decode(b, n, 0, &m, &used), AUS_E_MALFORMED);
    free(b);
}

static void test_decode_rejects(void **st)
{
    (void)st;
    aus_tcpcl_msg m;
    size_t used;
    /* §4.5: type 0 reserved, 8..0xff unassigned */
    for (unsigned t = 0; t < 256; t++) {
        if (t >= 1 && t <= 7)
            continue;
        uint8_t b[4] = {(uint8_t)t, 0, 0, 0};
        assert_int_equal(aus_tcpcl_msg_decode(b, 4, 0, &m, &used), AUS_E_UNSUPPORTED);
        assert_int_equal(m.type, t);
    }
    /* node ID longer than the bound */
    uint8_t big[32] = {0x07};
    big[19] = 0x01;
    big[20] = 0x00; /* node ID length 256 */
    assert_int_equal(aus_tcpcl_msg_decode(big, sizeof big, 0, &m, &used), AUS_E_LIMIT);
    /* item list beyond the bound */
    uint8_t seg[20] = {0x01, 0x02};
    seg[10] = 0xff; /* items length 0xff000000 */
    assert_int_equal(aus_tcpcl_msg_decode(seg, sizeof seg, 0, &m, &used), AUS_E_LIMIT);
    /* an item that runs past its list */
    size_t n;
    uint8_t *b = tst_hex("01"
                         "02"
                         "0000000000000000"
                         "00000004"
                         "00"
                         "0002"
                         "0009"
                         "0000000000000000",
                         &n);
    assert_int_equal(aus_tcpcl_msg_decode(b, n, 0, &m, &used), AUS_E_MALFORMED);
    free(b);
}

static void test_names(void **st)
{
    (void)st;
    assert_string_equal(aus_tcpcl_type_name(7), "SESS_INIT");
    assert_string_equal(aus_tcpcl_term_name(4), "Contact Failure");
    assert_string_equal(aus_tcpcl_refuse_name(6), "Session Terminating");
    assert_string_equal(aus_tcpcl_reject_name(1), "Message Type Unknown");
    assert_string_equal(aus_tcpcl_refuse_name(99), "unassigned");
}

/* ---------------------------------------------------------------- session helpers */

typedef struct rec {
    int bundles;
    uint8_t last[4096];
    size_t last_len;
    int acked, refused, notsent;
    uint8_t refuse_reason;
    aus_err bundle_answer;
    aus_err peer_answer;
} rec;

static aus_err on_bundle(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    (void)id;
    rec *r = ud;
    if (r->bundle_answer != AUS_OK)
        return r->bundle_answer;
    r->bundles++;
    r->last_len = n < sizeof r->last ? n : sizeof r->last;
    if (n)
        memcpy(r->last, p, r->last_len);
    return AUS_OK;
}

static void on_sent(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t reason)
{
    (void)tag;
    rec *r = ud;
    if (o == AUS_TCPCL_ACKED)
        r->acked++;
    else if (o == AUS_TCPCL_REFUSED) {
        r->refused++;
        r->refuse_reason = reason;
    } else
        r->notsent++;
}

static aus_err check_peer(void *ud, const uint8_t *id, size_t n)
{
    (void)id;
    (void)n;
    return ((rec *)ud)->peer_answer;
}

static const aus_tcpcl_ops ops = {on_bundle, on_sent, check_peer};
static uint8_t rxa[1 << 20], rxb[1 << 20];

static aus_tcpcl_cfg cfg_of(int active, int tls)
{
    aus_tcpcl_cfg c;
    memset(&c, 0, sizeof c);
    c.active = (uint8_t)active;
    c.can_tls = (uint8_t)tls;
    c.keepalive_s = 10;
    c.seg_mru = 4096;
    c.xfer_mru = 1 << 20;
    c.node_id = active ? "ipn:1.0" : "ipn:2.0";
    c.setup_ms = 5000;
    return c;
}

/* Drain what the session sends and describe it: C contact, I SESS_INIT, T<r> SESS_TERM,
 * R<r> SESS_TERM REPLY, J<r> MSG_REJECT, A XFER_ACK, F<r> XFER_REFUSE, K KEEPALIVE, S segment */
static const char *out_desc(aus_tcpcl *s)
{
    static char d[512];
    static uint8_t buf[1 << 16];
    size_t n = 0;
    long k;
    while ((k = aus_tcpcl_send(s, buf + n, sizeof buf - n, 0)) > 0)
        n += (size_t)k;
    d[0] = 0;
    size_t off = 0;
    while (off < n) {
        char one[8] = "?";
        aus_tcpcl_msg m;
        size_t used = 0;
        if (n - off >= 4 && memcmp(buf + off, "dtn!", 4) == 0) {
            strcpy(one, "C");
            used = 6;
        } else if (aus_tcpcl_msg_decode(buf + off, n - off, 0, &m, &used) == AUS_OK) {
            switch (m.type) {
            case AUS_TCPCL_SESS_INIT: strcpy(one, "I"); break;
            case AUS_TCPCL_SESS_TERM:
                snprintf(one, sizeof one, "%c%u", (m.flags & 1) ? 'R' : 'T', m.reason);
                break;
            case AUS_TCPCL_MSG_REJECT: snprintf(one, sizeof one, "J%u", m.reason); break;
            case AUS_TCPCL_XFER_ACK: strcpy(one, "A"); break;
            case AUS_TCPCL_XFER_REFUSE: snprintf(one, sizeof one, "F%u", m.reason); break;
            case AUS_TCPCL_KEEPALIVE: strcpy(one, "K"); break;
            case AUS_TCPCL_XFER_SEGMENT: strcpy(one, "S"); break;
            default: break;
            }
        } else {
            strcat(d, "?");
            break;
        }
        if (d[0])
            strcat(d, ",");
        strcat(d, one);
        off += used;
    }
    return d;
}

static void feed_hex(aus_tcpcl *s, const char *hex)
{
    size_t n;
    uint8_t *b = tst_hex(hex, &n);
    assert_int_equal(aus_tcpcl_recv(s, b, n, 0), (long)n);
    free(b);
}

#define CH_PLAIN "64746e210400"
#define CH_TLS "64746e210401"
/* SESS_INIT: keepalive 10, seg MRU 4096, xfer MRU 1 MiB, "ipn:1.0", no items */
#define INIT_MSG                                                                                   \
    "07000a"                                                                                       \
    "0000000000001000"                                                                             \
    "0000000000100000"                                                                             \
    "0007"                                                                                         \
    "69706e3a312e30"                                                                               \
    "00000000"

/* a passive session brought to a state by real bytes */
static void to_state(aus_tcpcl *s, rec *r, aus_tcpcl_state st)
{
    aus_tcpcl_cfg c = cfg_of(0, st == AUS_TCPCL_S_TLS);
    memset(r, 0, sizeof *r);
    assert_int_equal(aus_tcpcl_init(s, &c, &ops, r, rxa, sizeof rxa, 0), AUS_OK);
    if (st == AUS_TCPCL_S_CONTACT)
        return;
    feed_hex(s, st == AUS_TCPCL_S_TLS ? CH_TLS : CH_PLAIN);
    assert_string_equal(out_desc(s), "C");
    if (st == AUS_TCPCL_S_TLS || st == AUS_TCPCL_S_INIT)
        return;
    feed_hex(s, INIT_MSG);
    assert_string_equal(out_desc(s), "I");
    assert_int_equal(aus_tcpcl_state_of(s), AUS_TCPCL_S_EST);
    if (st == AUS_TCPCL_S_ENDING) {
        aus_tcpcl_terminate(s, AUS_TCPCL_TERM_BUSY, 0);
        assert_string_equal(out_desc(s), "T3");
    } else if (st == AUS_TCPCL_S_CLOSED) {
        aus_tcpcl_peer_closed(s);
    }
    assert_int_equal(aus_tcpcl_state_of(s), st);
}

/* the message each message event carries in the cell test */
static void event_msg(aus_tcpcl_event ev, aus_tcpcl_msg *m, uint8_t *idbuf)
{
    memset(m, 0, sizeof *m);
    switch (ev) {
    case AUS_TCPCL_E_INIT_OK:
    case AUS_TCPCL_E_INIT_BAD:
        m->type = AUS_TCPCL_SESS_INIT;
        m->keepalive = 10;
        m->seg_mru = 4096;
        m->xfer_mru = 4096;
        memcpy(idbuf, "ipn:1.0", 7);
        m->node_id = idbuf;
        m->node_id_len = 7;
        break;
    case AUS_TCPCL_E_SEG_START:
        m->type = AUS_TCPCL_XFER_SEGMENT;
        m->flags = AUS_TCPCL_SEG_START | AUS_TCPCL_SEG_END;
        break;
    case AUS_TCPCL_E_SEG_CONT:
        m->type = AUS_TCPCL_XFER_SEGMENT;
        m->flags = AUS_TCPCL_SEG_END;
        m->xfer_id = 5;
        break;
    case AUS_TCPCL_E_ACK:
        m->type = AUS_TCPCL_XFER_ACK;
        m->xfer_id = 9;
        m->length = 1;
        break;
    case AUS_TCPCL_E_REFUSE:
        m->type = AUS_TCPCL_XFER_REFUSE;
        m->xfer_id = 9;
        break;
    case AUS_TCPCL_E_KEEPALIVE: m->type = AUS_TCPCL_KEEPALIVE; break;
    case AUS_TCPCL_E_TERM:
        m->type = AUS_TCPCL_SESS_TERM;
        m->reason = 3;
        break;
    case AUS_TCPCL_E_TERM_REPLY:
        m->type = AUS_TCPCL_SESS_TERM;
        m->flags = AUS_TCPCL_TERM_REPLY;
        m->reason = 3;
        break;
    case AUS_TCPCL_E_REJECT:
        m->type = AUS_TCPCL_MSG_REJECT;
        m->reason = 1;
        break;
    case AUS_TCPCL_E_TYPE_UNKNOWN: m->type = 0x00; break;
    default: break;
    }
}

/* Expected outcome of every cell: "NEXT:OUTPUT", NEXT one of c t i e n x (contact, tls, init,
 * established, ending, closed). Passive entity; LOCAL_TERM with reason 5. Written from the RFC
 * rules cited in src/cl/tcpcl.c's header, one row per state, events in aus_tcpcl_event order:
 * CH_OK CH_MAGIC CH_VERSION CH_NOTLS TLS_OK TLS_FAIL INIT_OK INIT_BAD SEG_START SEG_CONT ACK
 * REFUSE KEEPALIVE TERM TERM_REPLY REJECT TYPE_UNKNOWN T_KEEPALIVE T_IDLE T_SETUP LOCAL_TERM
 * PEER_GONE */
static const char *const expect[AUS_TCPCL_S_COUNT][AUS_TCPCL_E_COUNT] = {
    /* CONTACT */
    {"i:C", "x:", "x:C,T2", "n:C,T4", "c:", "c:", "c:", "c:", "c:", "c:", "c:",
     "c:",  "c:", "c:",     "c:",     "c:", "c:", "c:", "c:", "x:", "x:", "x:"},
    /* TLS */
    {"t:", "t:", "t:", "t:", "i:", "x:", "t:", "t:", "t:", "t:", "t:",
     "t:", "t:", "t:", "t:", "t:", "t:", "t:", "t:", "x:", "x:", "x:"},
    /* INIT: SESS_TERM then its REPLY closes at once (§6.1, nothing in progress); a SESS_INIT
     * refused gets our SESS_INIT before the SESS_TERM (§3.3, passive entity) */
    {"i:",   "i:",   "i:",   "i:",   "i:", "i:",   "e:I", "n:I,T4", "i:J3", "i:J3", "i:J3",
     "i:J3", "i:J3", "x:R3", "i:J3", "i:", "x:J1", "i:",  "i:",     "x:T4", "n:T5", "x:"},
    /* EST */
    {"e:", "e:", "e:",   "e:",   "e:", "e:",   "e:J3", "e:J3", "e:A", "e:J3", "e:J3",
     "e:", "e:", "x:R3", "e:J3", "e:", "x:J1", "e:K",  "n:T1", "e:",  "n:T5", "x:"},
    /* ENDING (our SESS_TERM already out) */
    {"n:", "n:", "n:", "n:", "n:", "n:",   "n:J3", "n:J3", "n:F6", "n:J3", "n:J3",
     "n:", "n:", "x:", "x:", "n:", "x:J1", "n:K",  "x:",   "x:",   "n:",   "x:"},
    /* CLOSED */
    {"x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:",
     "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:", "x:"},
};

static void test_every_cell(void **st)
{
    (void)st;
    static const char letters[] = "ctienx";
    static aus_tcpcl s;
    rec r;
    int cells = 0;
    for (unsigned state = 0; state < AUS_TCPCL_S_COUNT; state++) {
        for (unsigned ev = 0; ev < AUS_TCPCL_E_COUNT; ev++) {
            aus_tcpcl_msg m;
            uint8_t idb[16];
            to_state(&s, &r, (aus_tcpcl_state)state);
            event_msg((aus_tcpcl_event)ev, &m, idb);
            /* CH_OK in CONTACT: through the real path (the table says where TLS goes) */
            aus_tcpcl_dispatch(&s, (aus_tcpcl_event)ev,
                               m.type || ev == AUS_TCPCL_E_TYPE_UNKNOWN ? &m : NULL, 5, 1);
            char got[600];
            snprintf(got, sizeof got, "%c:%s", letters[aus_tcpcl_state_of(&s)], out_desc(&s));
            if (strcmp(got, expect[state][ev]) != 0)
                fail_msg("state %s event %s: got %s want %s", aus_tcpcl_state_name(state),
                         aus_tcpcl_event_name(ev), got, expect[state][ev]);
            cells++;
        }
    }
    assert_int_equal(cells, AUS_TCPCL_S_COUNT * AUS_TCPCL_E_COUNT);
}

/* The table's data says the same as the cells observed above for the close reasons. */
static void test_close_reasons(void **st)
{
    (void)st;
    static aus_tcpcl s;
    rec r;
    to_state(&s, &r, AUS_TCPCL_S_CONTACT);
    feed_hex(&s, "44544e210400");
    assert_int_equal(aus_tcpcl_state_of(&s), AUS_TCPCL_S_CLOSED);
    assert_int_equal(s.close_why, AUS_TCPCL_WHY_MAGIC);
    assert_string_equal(out_desc(&s), ""); /* §4.3: no contact header back, just close */
    to_state(&s, &r, AUS_TCPCL_S_CONTACT);
    feed_hex(&s, "64746e210300");
    assert_int_equal(s.close_why, AUS_TCPCL_WHY_VERSION);
    assert_string_equal(out_desc(&s), "C,T2");
    to_state(&s, &r, AUS_TCPCL_S_CONTACT);
    aus_tcpcl_on_timer(&s, 4999);
    assert_int_equal(aus_tcpcl_state_of(&s), AUS_TCPCL_S_CONTACT);
    assert_int_equal(aus_tcpcl_expiry(&s), 5000);
    aus_tcpcl_on_timer(&s, 5000);
    assert_int_equal(s.close_why, AUS_TCPCL_WHY_TIMEOUT);
}

/* ---------------------------------------------------------------- two sessions back to back */

typedef struct pair {
    aus_tcpcl a, b; /* a active, b passive */
    rec ra, rb;
    uint64_t now;
} pair;

static uint8_t pbuf[1 << 16];

/* move bytes both ways until quiet; chunk = write size (1 = byte at a time) */
static void pump(pair *p, size_t chunk)
{
    for (int round = 0; round < 100000; round++) {
        int moved = 0;
        aus_tcpcl *from[2] = {&p->a, &p->b}, *to[2] = {&p->b, &p->a};
        for (int d = 0; d < 2; d++) {
            long k = aus_tcpcl_send(from[d], pbuf, chunk, p->now);
            assert_true(k >= 0);
            if (k > 0) {
                moved = 1;
                long off = 0;
                while (off < k) {
                    long c = aus_tcpcl_recv(to[d], pbuf + off, (size_t)(k - off), p->now);
                    assert_true(c >= 0);
                    if (c == 0) {
                        /* backpressure: let the receiver talk first */
                        uint8_t tmp[4096];
                        long t = aus_tcpcl_send(to[d], tmp, sizeof tmp, p->now);
                        assert_true(t > 0);
                        assert_true(aus_tcpcl_recv(from[d], tmp, (size_t)t, p->now) == t);
                    }
                    off += c;
                }
            }
        }
        if (!moved)
            return;
    }
    fail_msg("pump did not settle");
}

static void pair_up(pair *p, aus_tcpcl_cfg *ca, aus_tcpcl_cfg *cb)
{
    memset(&p->ra, 0, sizeof p->ra);
    memset(&p->rb, 0, sizeof p->rb);
    p->now = 0;
    aus_tcpcl_cfg a = ca ? *ca : cfg_of(1, 0), b = cb ? *cb : cfg_of(0, 0);
    assert_int_equal(aus_tcpcl_init(&p->a, &a, &ops, &p->ra, rxa, sizeof rxa, 0), AUS_OK);
    assert_int_equal(aus_tcpcl_init(&p->b, &b, &ops, &p->rb, rxb, sizeof rxb, 0), AUS_OK);
}

static void test_transfer_sizes(void **st)
{
    (void)st;
    static pair p;
    static uint8_t big[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    static const size_t sizes[] = {1, 100, 4095, 4096, 4097, 300000};
    static const size_t chunks[] = {1, 7, 4096, 65536};
    for (size_t c = 0; c < 4; c++) {
        pair_up(&p, NULL, NULL);
        pump(&p, chunks[c]);
        assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_EST);
        assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_EST);
        assert_int_equal(p.a.peer_seg_mru, 4096);
        for (size_t i = 0; i < 6; i++) {
            if (chunks[c] == 1 && sizes[i] > 5000)
                continue;
            assert_int_equal(aus_tcpcl_xfer_push(&p.a, big, sizes[i], NULL), AUS_OK);
            pump(&p, chunks[c]);
            assert_int_equal(p.rb.bundles, (int)i + 1 - (chunks[c] == 1 && i > 4));
            if (sizes[i] <= sizeof p.rb.last)
                assert_memory_equal(p.rb.last, big, sizes[i]);
            assert_int_equal(p.ra.acked, p.rb.bundles);
        }
        /* and the other way */
        assert_int_equal(aus_tcpcl_xfer_push(&p.b, big, 5000, NULL), AUS_OK);
        pump(&p, chunks[c]);
        if (p.ra.bundles != 1)
            fail_msg("chunk %zu: a %s b %s a.rx %llu bad %llu rej %llu/%llu pend %zu", chunks[c],
                     aus_tcpcl_state_name(p.a.state), aus_tcpcl_state_name(p.b.state),
                     (unsigned long long)p.a.st.rx_bytes, (unsigned long long)p.a.st.bad_segments,
                     (unsigned long long)p.a.st.rejects_sent,
                     (unsigned long long)p.b.st.rejects_sent, aus_tcpcl_xfer_pending(&p.b));
        assert_int_equal(p.rb.acked, 1);
        /* §6.1: terminate, reply, close */
        aus_tcpcl_terminate(&p.a, AUS_TCPCL_TERM_UNKNOWN, p.now);
        pump(&p, chunks[c]);
        assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_CLOSED);
        assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_CLOSED);
        assert_int_equal(p.a.close_why, AUS_TCPCL_WHY_TERM);
    }
    assert_int_equal(p.rb.last_len, 4096); /* clipped copy of the 300000-byte bundle */
    assert_int_equal(p.b.st.rx_bytes, 1 + 100 + 4095 + 4096 + 4097 + 300000);
}

/* Held final ACKs (on_bundle AGAIN: kept, not yet durable): no XFER_ACK until
 * aus_tcpcl_ack_release; at most AUS_TCPCL_ACKQ held, then no further message is read;
 * release durable = the final ACKs in order, not durable = No Resources refusals; an ending
 * session does not close while ACKs are held (§5.2.3, §5.2.4, §6.1). */
static size_t move_once(aus_tcpcl *from, aus_tcpcl *to, uint8_t *buf, size_t cap, long *took)
{
    long k = aus_tcpcl_send(from, buf, cap, 0);
    assert_true(k >= 0);
    *took = k ? aus_tcpcl_recv(to, buf, (size_t)k, 0) : 0;
    assert_true(*took >= 0);
    return (size_t)k;
}

static void test_held_acks(void **st)
{
    (void)st;
    static pair p;
    static uint8_t d[100], out[1 << 15];
    long took;
    pair_up(&p, NULL, NULL);
    pump(&p, 65536);
    p.rb.bundle_answer = AUS_E_AGAIN;
    for (int i = 0; i < AUS_TCPCL_ACKQ + 4; i++)
        assert_int_equal(aus_tcpcl_xfer_push(&p.a, d, sizeof d, NULL), AUS_OK);
    size_t k = move_once(&p.a, &p.b, out, sizeof out, &took);
    assert_true((size_t)took < k); /* stopped with every ACK slot held */
    assert_int_equal(aus_tcpcl_acks_held(&p.b), AUS_TCPCL_ACKQ);
    assert_false(aus_tcpcl_want_send(&p.b)); /* no XFER_ACK yet */
    assert_int_equal(p.b.st.rx_bundles, 0);
    assert_int_equal(aus_tcpcl_recv(&p.b, out + took, k - (size_t)took, 0), 0);
    aus_tcpcl_ack_release(&p.b, 1, 0);
    assert_int_equal(aus_tcpcl_acks_held(&p.b), 0);
    assert_int_equal(p.b.st.rx_bundles, AUS_TCPCL_ACKQ);
    uint8_t back[4096];
    long t = aus_tcpcl_send(&p.b, back, sizeof back, 0);
    assert_int_equal(t, AUS_TCPCL_ACKQ * 18);
    assert_int_equal(aus_tcpcl_recv(&p.a, back, (size_t)t, 0), t);
    assert_int_equal(p.ra.acked, AUS_TCPCL_ACKQ);
    /* the rest is read now; refused when it cannot be made durable */
    assert_int_equal(aus_tcpcl_recv(&p.b, out + took, k - (size_t)took, 0),
                     (long)(k - (size_t)took));
    assert_int_equal(aus_tcpcl_acks_held(&p.b), 4);
    aus_tcpcl_ack_release(&p.b, 0, 0);
    t = aus_tcpcl_send(&p.b, back, sizeof back, 0);
    assert_int_equal(aus_tcpcl_recv(&p.a, back, (size_t)t, 0), t);
    assert_int_equal(p.ra.refused, 4);
    assert_int_equal(p.ra.refuse_reason, AUS_TCPCL_REFUSE_NO_RESOURCES);
    assert_int_equal(p.ra.acked, AUS_TCPCL_ACKQ);
    assert_int_equal(p.b.st.rx_bundles, AUS_TCPCL_ACKQ);
    /* ending: SESS_TERM both ways, but a held ACK keeps the session open until released */
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, d, sizeof d, NULL), AUS_OK);
    (void)move_once(&p.a, &p.b, out, sizeof out, &took);
    assert_int_equal(aus_tcpcl_acks_held(&p.b), 1);
    aus_tcpcl_terminate(&p.a, AUS_TCPCL_TERM_UNKNOWN, 0);
    (void)move_once(&p.a, &p.b, out, sizeof out, &took);
    (void)move_once(&p.b, &p.a, out, sizeof out, &took);
    assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_ENDING);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_ENDING);
    aus_tcpcl_ack_release(&p.b, 1, 0);
    assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_CLOSED);
    (void)move_once(&p.b, &p.a, out, sizeof out, &took);
    assert_int_equal(p.ra.acked, AUS_TCPCL_ACKQ + 1);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_CLOSED);
    /* on a closed session, release does nothing */
    aus_tcpcl_ack_release(&p.b, 1, 0);
    assert_false(aus_tcpcl_want_send(&p.b));
}

/* Zero-copy port calls: a 300000-byte bundle (Segment MRU 100000: three segments, START and
 * END flags, a Transfer Length item) sent with gather on and received into place puts the same
 * bytes on the wire as the copying calls, arrives whole and is acknowledged (§5.2.2, §5.2.3). */
static size_t zc_wire(pair *p, const uint8_t *big, size_t n, int zc, uint8_t *wb, size_t cap)
{
    aus_tcpcl_cfg a = cfg_of(1, 0), b = cfg_of(0, 0);
    b.seg_mru = 100000;
    pair_up(p, &a, &b);
    pump(p, 65536);
    assert_int_equal(aus_tcpcl_state_of(&p->a), AUS_TCPCL_S_EST);
    assert_int_equal(aus_tcpcl_xfer_push(&p->a, big, n, NULL), AUS_OK);
    aus_tcpcl_set_gather(&p->a, zc);
    size_t w = 0;
    for (int round = 0; round < 10000; round++) {
        uint8_t buf[7000]; /* odd sizes: heads and data split across calls */
        long k = aus_tcpcl_send(&p->a, buf, sizeof buf, p->now);
        assert_true(k >= 0);
        const uint8_t *dp = NULL;
        size_t dn = aus_tcpcl_send_data(&p->a, &dp);
        assert_true(zc || dn == 0);
        if (k == 0 && dn == 0)
            break;
        assert_true(w + (size_t)k <= cap);
        memcpy(wb + w, buf, (size_t)k);
        if (k > 0)
            assert_int_equal(aus_tcpcl_recv(&p->b, buf, (size_t)k, p->now), k);
        w += (size_t)k;
        if (dn) { /* "sendmsg" 12345 bytes from the bundle, "read" them into place */
            assert_ptr_equal(dp, big + (p->a.txq[p->a.seg_tx].sent));
            size_t m = dn < 12345 ? dn : 12345;
            uint8_t *rp = NULL;
            size_t rn = aus_tcpcl_recv_direct(&p->b, &rp);
            assert_true(rn >= m);
            assert_ptr_equal(rp, rxb + p->b.rx_len);
            memcpy(wb + w, dp, m);
            memcpy(rp, dp, m);
            aus_tcpcl_send_consumed(&p->a, m, p->now);
            aus_tcpcl_recv_direct_done(&p->b, m, p->now);
            w += m;
        }
    }
    pump(p, 65536); /* the XFER_ACKs back */
    assert_int_equal(p->rb.bundles, 1);
    assert_int_equal(p->ra.acked, 1);
    assert_memory_equal(rxb, big, n);
    assert_int_equal(p->b.st.rx_bytes, n);
    assert_int_equal(p->a.st.tx_bytes, n);
    return w;
}

static void test_zero_copy(void **st)
{
    (void)st;
    static pair p;
    static uint8_t big[300000], w1[310000], w2[310000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13 + 5);
    size_t n1 = zc_wire(&p, big, sizeof big, 0, w1, sizeof w1);
    memset(rxb, 0, sizeof big);
    size_t n2 = zc_wire(&p, big, sizeof big, 1, w2, sizeof w2);
    assert_int_equal(n1, n2);
    assert_memory_equal(w1, w2, n1);
    /* nothing to read into place outside segment data, nor once closed */
    uint8_t *rp = NULL;
    assert_int_equal(aus_tcpcl_recv_direct(&p.b, &rp), 0);
    const uint8_t *dp = NULL;
    assert_int_equal(aus_tcpcl_send_data(&p.a, &dp), 0);
}

/* Many bundles queued at once: pipelined, every one acknowledged (§5.2.3). */
static void test_pipeline(void **st)
{
    (void)st;
    static pair p;
    static uint8_t data[100];
    pair_up(&p, NULL, NULL);
    pump(&p, 65536);
    for (int i = 0; i < AUS_TCPCL_TXQ; i++)
        assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, sizeof data, NULL), AUS_OK);
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, sizeof data, NULL), AUS_E_FULL);
    assert_int_equal(aus_tcpcl_xfer_pending(&p.a), AUS_TCPCL_TXQ);
    pump(&p, 65536);
    assert_int_equal(p.ra.acked, AUS_TCPCL_TXQ);
    assert_int_equal(p.rb.bundles, AUS_TCPCL_TXQ);
    assert_int_equal(aus_tcpcl_xfer_pending(&p.a), 0);
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, 0, NULL), AUS_E_ARG);
    static uint8_t huge[1];
    p.a.peer_xfer_mru = 0; /* as if the peer took nothing */
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, huge, 1, NULL), AUS_E_LIMIT);
}

/* §4.4: both set CAN_TLS -> TLS state after the contact headers; SESS_INIT only after it. */
static void test_tls_negotiation(void **st)
{
    (void)st;
    static pair p;
    aus_tcpcl_cfg a = cfg_of(1, 1), b = cfg_of(0, 1);
    pair_up(&p, &a, &b);
    pump(&p, 65536);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_TLS);
    assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_TLS);
    assert_int_equal(aus_tcpcl_recv_hint(&p.a), 0);
    aus_tcpcl_tls_result(&p.a, 1, 0);
    aus_tcpcl_tls_result(&p.b, 1, 0);
    pump(&p, 65536);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_EST);
    assert_int_equal(p.a.tls, 1);
    /* one side without CAN_TLS: no TLS, unless policy requires it (Contact Failure) */
    a = cfg_of(1, 0);
    b = cfg_of(0, 1);
    b.require_tls = 1;
    pair_up(&p, &a, &b);
    pump(&p, 65536);
    assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_CLOSED);
    assert_int_equal(p.b.term_reason, AUS_TCPCL_TERM_CONTACT_FAILURE);
    assert_int_equal(p.a.peer_term_reason, AUS_TCPCL_TERM_CONTACT_FAILURE);
    /* TLS failure closes */
    a = cfg_of(1, 1);
    b = cfg_of(0, 1);
    pair_up(&p, &a, &b);
    pump(&p, 65536);
    aus_tcpcl_tls_result(&p.a, 0, 0);
    assert_int_equal(p.a.close_why, AUS_TCPCL_WHY_TLS);
}

/* §4.4.4: the node ID check failing ends the session with Contact Failure. */
static void test_node_id_check(void **st)
{
    (void)st;
    static pair p;
    pair_up(&p, NULL, NULL);
    p.rb.peer_answer = AUS_E_AUTH;
    pump(&p, 65536);
    assert_int_equal(p.b.term_reason, AUS_TCPCL_TERM_CONTACT_FAILURE);
    assert_int_equal(p.a.peer_term_reason, AUS_TCPCL_TERM_CONTACT_FAILURE);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_CLOSED);
}

/* ---------------------------------------------------------------- hostile peers (real bytes) */

static void est(aus_tcpcl *s, rec *r) { to_state(s, r, AUS_TCPCL_S_EST); }

static void test_hostile_segments(void **st)
{
    (void)st;
    static aus_tcpcl s;
    rec r;
    /* segment beyond our Segment MRU (4096): SESS_TERM Resource Exhaustion; data skipped */
    est(&s, &r);
    feed_hex(&s, "01"
                 "03"
                 "0000000000000000"
                 "00000000"
                 "0000000000001001");
    assert_string_equal(out_desc(&s), "T5");
    assert_int_equal(aus_tcpcl_state_of(&s), AUS_TCPCL_S_ENDING);
    assert_int_equal(s.data_left, 4097);
    /* transfer beyond our Transfer MRU, announced: XFER_REFUSE No Resources (§5.2.4) */
    est(&s, &r);
    s.cfg.xfer_mru = 100;
    feed_hex(&s, "01"
                 "02"
                 "0000000000000000"
                 "0000000d"
                 "00"
                 "0001"
                 "0008"
                 "0000000000000065"
                 "0000000000000001"
                 "aa");
    assert_string_equal(out_desc(&s), "F2");
    /* the rest of that transfer is dropped without answers */
    feed_hex(&s, "01"
                 "01"
                 "0000000000000000"
                 "0000000000000001"
                 "bb");
    assert_string_equal(out_desc(&s), "");
    assert_int_equal(r.bundles, 0);
    /* transfer beyond the Transfer MRU, not announced: refused when the bytes pass it */
    est(&s, &r);
    s.cfg.xfer_mru = 3;
    feed_hex(&s, "01"
                 "02"
                 "0000000000000001"
                 "00000000"
                 "0000000000000002"
                 "aabb");
    assert_string_equal(out_desc(&s), "A");
    feed_hex(&s, "01"
                 "01"
                 "0000000000000001"
                 "0000000000000002"
                 "ccdd");
    assert_string_equal(out_desc(&s), "F2");
    assert_int_equal(r.bundles, 0);
    /* unknown critical transfer item: Extension Failure (§5.2.5) */
    est(&s, &r);
    feed_hex(&s, "01"
                 "03"
                 "0000000000000002"
                 "00000005"
                 "01"
                 "7777"
                 "0000"
                 "0000000000000001"
                 "aa");
    assert_string_equal(out_desc(&s), "F5");
    /* non-critical unknown item: ignored, transfer accepted */
    est(&s, &r);
    feed_hex(&s, "01"
                 "03"
                 "0000000000000002"
                 "00000005"
                 "00"
                 "7777"
                 "0000"
                 "0000000000000001"
                 "aa");
    assert_string_equal(out_desc(&s), "A");
    assert_int_equal(r.bundles, 1);
    /* Transfer Length the data does not meet: Extension Failure */
    est(&s, &r);
    feed_hex(&s, "01"
                 "03"
                 "0000000000000003"
                 "0000000d"
                 "00"
                 "0001"
                 "0008"
                 "0000000000000005"
                 "0000000000000001"
                 "aa");
    assert_string_equal(out_desc(&s), "F5");
    /* a segment that continues no transfer: MSG_REJECT Message Unexpected, data skipped */
    est(&s, &r);
    feed_hex(&s, "01"
                 "00"
                 "0000000000000009"
                 "0000000000000002"
                 "aabb"
                 "04");
    assert_string_equal(out_desc(&s), "J3");
    assert_int_equal(s.st.keepalives_rcvd, 1);
    /* the bundle's owner refuses it: No Resources / Not Acceptable, no final ACK */
    est(&s, &r);
    r.bundle_answer = AUS_E_FULL;
    feed_hex(&s, "01"
                 "03"
                 "0000000000000004"
                 "00000000"
                 "0000000000000001"
                 "aa");
    assert_string_equal(out_desc(&s), "F2");
    r.bundle_answer = AUS_E_MALFORMED;
    feed_hex(&s, "01"
                 "03"
                 "0000000000000005"
                 "00000000"
                 "0000000000000001"
                 "aa");
    assert_string_equal(out_desc(&s), "F4");
}

static void test_hostile_messages(void **st)
{
    (void)st;
    static aus_tcpcl s;
    rec r;
    /* message type 0 and an unassigned type: MSG_REJECT Message Type Unknown, close (§4.5) */
    static const char *types[] = {"00", "08", "f0", "ff"};
    for (int i = 0; i < 4; i++) {
        est(&s, &r);
        feed_hex(&s, types[i]);
        assert_string_equal(out_desc(&s), "J1");
        assert_int_equal(s.close_why, AUS_TCPCL_WHY_UNKNOWN);
        feed_hex(&s, "04"); /* anything after it is ignored */
        assert_string_equal(out_desc(&s), "");
    }
    /* ACK for bytes never sent / unknown transfer: MSG_REJECT Message Unexpected */
    est(&s, &r);
    feed_hex(&s, "02"
                 "01"
                 "0000000000000000"
                 "0000000000000001");
    assert_string_equal(out_desc(&s), "J3");
    assert_int_equal(s.st.bad_acks, 1);
    /* a second SESS_INIT: unexpected */
    feed_hex(&s, INIT_MSG);
    assert_string_equal(out_desc(&s), "J3");
    /* MSG_REJECT is never answered (§5.1.2) */
    feed_hex(&s, "060107");
    assert_string_equal(out_desc(&s), "");
    /* SESS_INIT with an unknown critical item: Contact Failure (§4.8), after our own SESS_INIT
     * (§3.3: the passive entity replies, then validates; Wireshark's dissector calls a SESS_TERM
     * with no SESS_INIT before it "Expected SESS_INIT message first") */
    to_state(&s, &r, AUS_TCPCL_S_INIT);
    feed_hex(&s, "07000a"
                 "0000000000001000"
                 "0000000000100000"
                 "0007"
                 "69706e3a312e30"
                 "00000005"
                 "01"
                 "0042"
                 "0000");
    assert_string_equal(out_desc(&s), "I,T4");
    /* node ID not a dtn:/ipn: URI: Contact Failure */
    to_state(&s, &r, AUS_TCPCL_S_INIT);
    feed_hex(&s, "07000a"
                 "0000000000001000"
                 "0000000000100000"
                 "0003"
                 "616263"
                 "00000000");
    assert_string_equal(out_desc(&s), "I,T4");
    /* node ID beyond our bound: Contact Failure and close (its length cannot be skipped safely) */
    to_state(&s, &r, AUS_TCPCL_S_INIT);
    feed_hex(&s, "07000a"
                 "0000000000001000"
                 "0000000000100000"
                 "ffff");
    assert_string_equal(out_desc(&s), "I,T4");
    assert_int_equal(s.close_why, AUS_TCPCL_WHY_LIMIT);
}

/* ACKs for our own transfer: partial, beyond, backwards; refusal mid-transfer. */
static void test_acks_and_refusals(void **st)
{
    (void)st;
    static pair p;
    static uint8_t data[10000];
    pair_up(&p, NULL, NULL);
    pump(&p, 65536);
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, sizeof data, NULL), AUS_OK);
    uint8_t buf[20000];
    long k = aus_tcpcl_send(&p.a, buf, sizeof buf, 0); /* three segments of <= 4096 */
    assert_true(k > 10000);
    /* beyond the bytes sent */
    size_t n;
    uint8_t *b = tst_hex("02"
                         "01"
                         "0000000000000000"
                         "0000000000002711",
                         &n);
    assert_int_equal(aus_tcpcl_recv(&p.a, b, n, 0), (long)n);
    free(b);
    assert_string_equal(out_desc(&p.a), "J3");
    b = tst_hex("02"
                "02"
                "0000000000000000"
                "0000000000001000" /* 4096: ok */
                "02"
                "00"
                "0000000000000000"
                "0000000000000010", /* backwards */
                &n);
    assert_int_equal(aus_tcpcl_recv(&p.a, b, n, 0), (long)n);
    free(b);
    assert_string_equal(out_desc(&p.a), "J3");
    assert_int_equal(p.a.st.bad_acks, 2);
    /* full length without END: not yet complete; then the final ACK */
    b = tst_hex("02"
                "00"
                "0000000000000000"
                "0000000000002710"
                "02"
                "01"
                "0000000000000000"
                "0000000000002710",
                &n);
    assert_int_equal(aus_tcpcl_recv(&p.a, b, n, 0), (long)n);
    free(b);
    assert_int_equal(p.ra.acked, 1);
    /* every refusal reason reaches the sender (§5.2.4) */
    for (uint8_t reason = 0; reason <= 6; reason++) {
        assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, 100, NULL), AUS_OK);
        k = aus_tcpcl_send(&p.a, buf, sizeof buf, 0);
        assert_true(k > 100);
        uint8_t ref[10] = {0x03, reason, 0, 0, 0, 0, 0, 0, 0, (uint8_t)(1 + reason)};
        assert_int_equal(aus_tcpcl_recv(&p.a, ref, sizeof ref, 0), 10);
        assert_int_equal(p.ra.refused, reason + 1);
        assert_int_equal(p.ra.refuse_reason, reason);
    }
    /* a refusal for no transfer is ignored */
    uint8_t stray[10] = {0x03, 0x02, 0, 0, 0, 0, 0, 0, 0, 99};
    assert_int_equal(aus_tcpcl_recv(&p.a, stray, 10, 0), 10);
    assert_int_equal(p.a.st.stray_refuses, 1);
    assert_string_equal(out_desc(&p.a), "");
}

/* XFER_REFUSE for every reason code, from the receiving side's rules. */
static void test_refuse_codes_encode(void **st)
{
    (void)st;
    for (unsigned r = 0; r <= 6; r++) {
        aus_tcpcl_msg m, d;
        uint8_t b[16];
        size_t used;
        memset(&m, 0, sizeof m);
        m.type = AUS_TCPCL_XFER_REFUSE;
        m.reason = (uint8_t)r;
        m.xfer_id = 0x0102030405060708ull;
        assert_int_equal(aus_tcpcl_msg_encode(&m, 0, b, sizeof b), 10);
        assert_int_equal(b[1], r);
        assert_int_equal(aus_tcpcl_msg_decode(b, 10, 0, &d, &used), AUS_OK);
        assert_int_equal(d.reason, r);
        assert_int_equal(d.xfer_id, m.xfer_id);
    }
}

/* §5.1.1: KEEPALIVE after the interval with nothing sent; Idle timeout after twice it. */
static void test_keepalive(void **st)
{
    (void)st;
    static pair p;
    aus_tcpcl_cfg a = cfg_of(1, 0), b = cfg_of(0, 0);
    b.keepalive_s = 3; /* the smaller wins (§4.7) */
    pair_up(&p, &a, &b);
    pump(&p, 65536);
    assert_int_equal(p.a.keepalive_s, 3);
    assert_int_equal(p.b.keepalive_s, 3);
    assert_int_equal(aus_tcpcl_expiry(&p.a), 3000);
    aus_tcpcl_on_timer(&p.a, 3000);
    assert_string_equal(out_desc(&p.a), "K");
    /* nothing from the peer for 6 s: SESS_TERM Idle timeout */
    aus_tcpcl_on_timer(&p.a, 6000);
    assert_string_equal(out_desc(&p.a), "T1");
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_ENDING);
    /* keepalive 0 on one side disables both */
    a.keepalive_s = 0;
    pair_up(&p, &a, &b);
    pump(&p, 65536);
    assert_int_equal(aus_tcpcl_expiry(&p.a), UINT64_MAX);
}

/* §6.1: after SESS_TERM a transfer in progress finishes; new ones are refused / not sent. */
static void test_ending_with_transfers(void **st)
{
    (void)st;
    static pair p;
    static uint8_t data[10000];
    pair_up(&p, NULL, NULL);
    pump(&p, 65536);
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, sizeof data, NULL), AUS_OK);
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, 10, NULL), AUS_OK);
    uint8_t buf[100];
    long k = aus_tcpcl_send(&p.a, buf, sizeof buf, 0); /* first segment started */
    assert_int_equal(k, 100);
    assert_int_equal(aus_tcpcl_recv(&p.b, buf, 100, 0), 100);
    aus_tcpcl_terminate(&p.a, AUS_TCPCL_TERM_BUSY, 0);
    assert_int_equal(p.ra.notsent, 1); /* the second never started */
    assert_int_equal(aus_tcpcl_xfer_push(&p.a, data, 10, NULL), AUS_E_STATE);
    pump(&p, 65536);
    assert_int_equal(p.ra.acked, 1);
    assert_int_equal(p.rb.bundles, 1);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_CLOSED);
    assert_int_equal(aus_tcpcl_state_of(&p.b), AUS_TCPCL_S_CLOSED);
    assert_int_equal(p.b.peer_term_reason, AUS_TCPCL_TERM_BUSY);
}

/* A transfer's bundle is the caller's only until on_sent (include/australis/tcpcl.h): the
 * daemon frees it there. A session that closes while a segment is on the wire still sends the
 * rest of that segment from the bundle (§5.2.2: nothing may come between), so the NOT_SENT
 * report waits for the segment's last byte; when nothing more can be written (the peer gone,
 * or aus_tcpcl_peer_closed on a closed session) the rest is dropped and the report comes at
 * once. Here on_sent poisons the bundle, as a free would: no poisoned byte may leave. */
static uint8_t ns_bundle[3000];
static void ns_on_sent(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t reason)
{
    on_sent(ud, tag, o, reason);
    if (tag == ns_bundle)
        memset(ns_bundle, 0xee, sizeof ns_bundle);
}
static const aus_tcpcl_ops ns_ops = {on_bundle, ns_on_sent, check_peer};

static void ns_start(pair *p)
{
    pair_up(p, NULL, NULL);
    aus_tcpcl_cfg a = cfg_of(1, 0);
    assert_int_equal(aus_tcpcl_init(&p->a, &a, &ns_ops, &p->ra, rxa, sizeof rxa, 0), AUS_OK);
    pump(p, 65536);
    assert_int_equal(aus_tcpcl_state_of(&p->a), AUS_TCPCL_S_EST);
    memset(ns_bundle, 0x11, sizeof ns_bundle);
    static const uint8_t small[10];
    assert_int_equal(aus_tcpcl_xfer_push(&p->a, ns_bundle, sizeof ns_bundle, ns_bundle), AUS_OK);
    assert_int_equal(aus_tcpcl_xfer_push(&p->a, small, sizeof small, NULL), AUS_OK);
    uint8_t head[100];
    assert_int_equal(aus_tcpcl_send(&p->a, head, sizeof head, 0), 100); /* segment started */
}

static void test_not_sent_after_last_read(void **st)
{
    (void)st;
    static pair p;
    static uint8_t out[8192];
    /* closed by the peer's unknown message type (§4.5: MSG_REJECT, then close) */
    ns_start(&p);
    uint8_t junk = 0x0f;
    assert_int_equal(aus_tcpcl_recv(&p.a, &junk, 1, 0), 1);
    assert_int_equal(aus_tcpcl_state_of(&p.a), AUS_TCPCL_S_CLOSED);
    assert_int_equal(p.ra.notsent, 1); /* the one never started: at once */
    size_t n = 0;
    long k;
    while ((k = aus_tcpcl_send(&p.a, out + n, 1000, 0)) > 0)
        n += (size_t)k;
    assert_int_equal(p.ra.notsent, 2); /* the other after its segment's last byte */
    size_t data = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(out[i], 0xee);
        data += out[i] == 0x11;
    }
    /* the rest of the segment (100 bytes went with its head), then MSG_REJECT Unknown type */
    assert_int_equal(n, data + 3);
    assert_memory_equal(out + data, "\x06\x01\x0f", 3);
    assert_int_equal(aus_tcpcl_want_send(&p.a), 0);

    /* the same, but the socket dies during that flush: dropped, reported at once */
    ns_start(&p);
    assert_int_equal(aus_tcpcl_recv(&p.a, &junk, 1, 0), 1);
    assert_int_equal(aus_tcpcl_send(&p.a, out, 500, 0), 500);
    assert_int_equal(p.ra.notsent, 1);
    aus_tcpcl_peer_closed(&p.a);
    assert_int_equal(p.ra.notsent, 2);
    assert_int_equal(aus_tcpcl_want_send(&p.a), 0);
    assert_int_equal(aus_tcpcl_send(&p.a, out, sizeof out, 0), 0);

    /* the peer gone mid-segment: nothing more is sent, both reported */
    ns_start(&p);
    aus_tcpcl_peer_closed(&p.a);
    assert_int_equal(p.ra.notsent, 2);
    assert_int_equal(aus_tcpcl_send(&p.a, out, sizeof out, 0), 0);
    assert_int_equal(p.ra.acked, 0);
}

static void test_init_args(void **st)
{
    (void)st;
    static aus_tcpcl s;
    rec r;
    aus_tcpcl_cfg c = cfg_of(1, 0);
    assert_int_equal(aus_tcpcl_init(&s, &c, &ops, &r, rxa, 10, 0), AUS_E_ARG);
    c.node_id = "";
    assert_int_equal(aus_tcpcl_init(&s, &c, &ops, &r, rxa, sizeof rxa, 0), AUS_E_ARG);
    c = cfg_of(1, 0);
    c.seg_mru = 0;
    assert_int_equal(aus_tcpcl_init(&s, &c, &ops, &r, rxa, sizeof rxa, 0), AUS_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contact_header),
        cmocka_unit_test(test_roundtrip_and_truncation),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_every_cell),
        cmocka_unit_test(test_close_reasons),
        cmocka_unit_test(test_transfer_sizes),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_zero_copy),
        cmocka_unit_test(test_tls_negotiation),
        cmocka_unit_test(test_node_id_check),
        cmocka_unit_test(test_hostile_segments),
        cmocka_unit_test(test_hostile_messages),
        cmocka_unit_test(test_acks_and_refusals),
        cmocka_unit_test(test_refuse_codes_encode),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_ending_with_transfers),
        cmocka_unit_test(test_not_sent_after_last_read),
        cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_held_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
