/* SPDX-License-Identifier: Apache-2.0 */
/* TCPCLv4 session (RFC 9174), sans-I/O (DESIGN.md §2).
 *
 * State table (aus_tcpcl_table below is this table as data; tests/unit/cl/test_tcpcl.c drives
 * every cell). States: CONTACT (§4.1-4.3), TLS (§4.4, the port's handshake), INIT (§4.6),
 * EST (established, §5), ENDING (§6.1), CLOSED (flush, then close TCP). "-" = ignore, stay;
 * "n/a" = cannot happen there (the bytes are not parsed as messages), ignored. [i] = our
 * reading where the RFC leaves the answer open (docs/tcpcl.md says why).
 *
 *  event         CONTACT            TLS          INIT                EST                ENDING
 *  CH_OK         CH? TLS|INIT       n/a          n/a                 n/a                n/a
 *                ->TLS or ->INIT
 *  CH_MAGIC      ->CLOSED (§4.3)    n/a          n/a                 n/a                n/a
 *  CH_VERSION    CH? TERM(VerMis)   n/a          n/a                 n/a                n/a
 *                ->CLOSED (§4.3)
 *  CH_NOTLS      CH? TERM(Contact)  n/a          n/a                 n/a                n/a
 *                ->ENDING (§4.4)
 *  TLS_OK        n/a                INIT ->INIT  n/a                 n/a                n/a
 *  TLS_FAIL      n/a                ->CLOSED     n/a                 n/a                n/a
 *  INIT_OK       n/a                n/a          NEG INIT ->EST      REJ(Unexp)         REJ(Unexp)
 *  INIT_BAD      n/a                n/a          INIT TERM(Contact)  REJ(Unexp)         REJ(Unexp)
 *                                                FAIL ->ENDING
 *                                                (§3.3, §4.7, §4.8)
 *  SEG_START     n/a                n/a          REJ(Unexp) [i]      SEG                REFUSE
 *                                                                                       (SessTerm)
 *  SEG_CONT      n/a                n/a          REJ(Unexp) [i]      SEG                SEG
 *  ACK           n/a                n/a          REJ(Unexp) [i]      ACK                ACK
 *  REFUSE        n/a                n/a          REJ(Unexp) [i]      REFUSED            REFUSED
 *  KEEPALIVE     n/a                n/a          REJ(Unexp) [i]      -                  -
 *  TERM          n/a                n/a          REPLY FAIL          REPLY FAIL         - (simul-
 *                                                ->ENDING            ->ENDING           taneous)
 *  TERM_REPLY    n/a                n/a          REJ(Unexp)          REJ(Unexp)         -
 *  REJECT        n/a                n/a          -                   -                  -
 *                (§5.1.2: a MSG_REJECT is never answered)
 *  TYPE_UNKNOWN  n/a                n/a          REJ(TypeUnk)        REJ(TypeUnk)       REJ(TypeUnk)
 *                                                ->CLOSED (§4.5)     ->CLOSED           ->CLOSED
 *  T_KEEPALIVE   n/a                n/a          n/a                 KA (§5.1.1)        KA
 *  T_IDLE        n/a                n/a          n/a                 TERM(Idle) FAIL    ->CLOSED
 *                                                                    ->ENDING (§5.1.1)
 *  T_SETUP       ->CLOSED (§4.3)    ->CLOSED     TERM(Contact)       n/a                ->CLOSED
 *                                                ->CLOSED
 *  LOCAL_TERM    ->CLOSED           ->CLOSED     TERM FAIL ->ENDING  TERM FAIL ->ENDING -
 *  PEER_GONE     ->CLOSED           ->CLOSED     ->CLOSED            ->CLOSED           ->CLOSED
 * CLOSED ignores every event.
 * CH? = the passive entity sends its contact header now (§4.3: it waits for the active one's);
 * INIT = send SESS_INIT (active at once, passive after the active's SESS_INIT, §4.6); the
 *   passive entity replies with its SESS_INIT before it validates the active's (§3.3, "Session
 *   Initiation as Passive Entity": Received SESS_INIT, Send SESS_INIT, then Validate and
 *   Negotiate, Failure -> termination), so a SESS_INIT we refuse gets ours, then SESS_TERM;
 * FAIL = transfers not yet started are reported NOT_SENT (§6.1: no new transfer once ending);
 * ENDING becomes CLOSED once SESS_TERM went both ways and no transfer is in progress in either
 * direction (§6.1); entering CLOSED reports every transfer still unacknowledged NOT_SENT.
 * Inside SEG (§5.2.2 - §5.2.5): a segment beyond our Segment MRU ends the session (SESS_TERM
 * Resource Exhaustion [i]); an unknown critical transfer item refuses the transfer (Extension
 * Failure, §5.2.5); a transfer beyond our Transfer MRU (its Transfer Length item, or the bytes
 * so far) is refused (No Resources, §5.2.4 [i]); a Transfer Length that the data does not meet
 * is refused (Extension Failure [i]); a segment continuing no transfer of ours gets MSG_REJECT
 * Message Unexpected [i]; every accepted segment gets an XFER_ACK with its flags and the
 * cumulative length (§5.2.3); the END segment's ACK waits for ops->on_bundle.
 * Inside ACK: an unknown transfer, or a length beyond the bytes sent or below the last ACK,
 * gets MSG_REJECT Message Unexpected [i] and changes nothing.
 */
#include <string.h>

#include "australis/base.h"
#include "australis/tcpcl.h"

#define STAY AUS_TCPCL_S_COUNT
#define R_CALLER 0xFF /* LOCAL_TERM: the caller's reason */
enum {
    A_CH = AUS_TCPCL_A_CH,
    A_INIT = AUS_TCPCL_A_INIT,
    A_NEG = AUS_TCPCL_A_NEGOTIATE,
    A_TERM = AUS_TCPCL_A_TERM,
    A_REPLY = AUS_TCPCL_A_TERM_REPLY,
    A_REJ = AUS_TCPCL_A_REJECT,
    A_SEG = AUS_TCPCL_A_SEG,
    A_SEGREF = AUS_TCPCL_A_SEG_REFUSE,
    A_ACK = AUS_TCPCL_A_ACK,
    A_REFD = AUS_TCPCL_A_REFUSED,
    A_KA = AUS_TCPCL_A_KA,
    A_FAIL = AUS_TCPCL_A_FAIL_TX,
    A_TLS = AUS_TCPCL_A_TLS,
};
#define IGN                                                                                        \
    {                                                                                              \
        0, 0, STAY, 0                                                                              \
    }
#define CLOSE(w)                                                                                   \
    {                                                                                              \
        0, 0, AUS_TCPCL_S_CLOSED, AUS_TCPCL_WHY_##w                                                \
    }
#define REJ_UNEXP                                                                                  \
    {                                                                                              \
        A_REJ, AUS_TCPCL_REJECT_UNEXPECTED, STAY, 0                                                \
    }
#define REJ_UNKNOWN                                                                                \
    {                                                                                              \
        A_REJ, AUS_TCPCL_REJECT_TYPE_UNKNOWN, AUS_TCPCL_S_CLOSED, AUS_TCPCL_WHY_UNKNOWN            \
    }

const aus_tcpcl_cell aus_tcpcl_table[AUS_TCPCL_S_COUNT][AUS_TCPCL_E_COUNT] =
    {
        [AUS_TCPCL_S_CONTACT] =
            {
                [AUS_TCPCL_E_CH_OK] = {A_CH | A_TLS | A_INIT, 0, AUS_TCPCL_S_INIT, 0},
                [AUS_TCPCL_E_CH_MAGIC] = CLOSE(MAGIC),
                [AUS_TCPCL_E_CH_VERSION] = {A_CH | A_TERM, AUS_TCPCL_TERM_VERSION_MISMATCH,
                                            AUS_TCPCL_S_CLOSED, AUS_TCPCL_WHY_VERSION},
                [AUS_TCPCL_E_CH_NOTLS] = {A_CH | A_TERM | A_FAIL, AUS_TCPCL_TERM_CONTACT_FAILURE,
                                          AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_TLS_OK] = IGN,
                [AUS_TCPCL_E_TLS_FAIL] = IGN,
                [AUS_TCPCL_E_INIT_OK] = IGN,
                [AUS_TCPCL_E_INIT_BAD] = IGN,
                [AUS_TCPCL_E_SEG_START] = IGN,
                [AUS_TCPCL_E_SEG_CONT] = IGN,
                [AUS_TCPCL_E_ACK] = IGN,
                [AUS_TCPCL_E_REFUSE] = IGN,
                [AUS_TCPCL_E_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_TERM] = IGN,
                [AUS_TCPCL_E_TERM_REPLY] = IGN,
                [AUS_TCPCL_E_REJECT] = IGN,
                [AUS_TCPCL_E_TYPE_UNKNOWN] = IGN,
                [AUS_TCPCL_E_T_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_T_IDLE] = IGN,
                [AUS_TCPCL_E_T_SETUP] = CLOSE(TIMEOUT),
                [AUS_TCPCL_E_LOCAL_TERM] = CLOSE(LOCAL),
                [AUS_TCPCL_E_PEER_GONE] = CLOSE(PEER_GONE),
            },
        [AUS_TCPCL_S_TLS] =
            {
                [AUS_TCPCL_E_CH_OK] = IGN,
                [AUS_TCPCL_E_CH_MAGIC] = IGN,
                [AUS_TCPCL_E_CH_VERSION] = IGN,
                [AUS_TCPCL_E_CH_NOTLS] = IGN,
                [AUS_TCPCL_E_TLS_OK] = {A_INIT, 0, AUS_TCPCL_S_INIT, 0},
                [AUS_TCPCL_E_TLS_FAIL] = CLOSE(TLS),
                [AUS_TCPCL_E_INIT_OK] = IGN,
                [AUS_TCPCL_E_INIT_BAD] = IGN,
                [AUS_TCPCL_E_SEG_START] = IGN,
                [AUS_TCPCL_E_SEG_CONT] = IGN,
                [AUS_TCPCL_E_ACK] = IGN,
                [AUS_TCPCL_E_REFUSE] = IGN,
                [AUS_TCPCL_E_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_TERM] = IGN,
                [AUS_TCPCL_E_TERM_REPLY] = IGN,
                [AUS_TCPCL_E_REJECT] = IGN,
                [AUS_TCPCL_E_TYPE_UNKNOWN] = IGN,
                [AUS_TCPCL_E_T_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_T_IDLE] = IGN,
                [AUS_TCPCL_E_T_SETUP] = CLOSE(TIMEOUT),
                [AUS_TCPCL_E_LOCAL_TERM] = CLOSE(LOCAL),
                [AUS_TCPCL_E_PEER_GONE] = CLOSE(PEER_GONE),
            },
        [AUS_TCPCL_S_INIT] =
            {
                [AUS_TCPCL_E_CH_OK] = IGN,
                [AUS_TCPCL_E_CH_MAGIC] = IGN,
                [AUS_TCPCL_E_CH_VERSION] = IGN,
                [AUS_TCPCL_E_CH_NOTLS] = IGN,
                [AUS_TCPCL_E_TLS_OK] = IGN,
                [AUS_TCPCL_E_TLS_FAIL] = IGN,
                [AUS_TCPCL_E_INIT_OK] = {A_NEG | A_INIT, 0, AUS_TCPCL_S_EST, 0},
                [AUS_TCPCL_E_INIT_BAD] = {A_INIT | A_TERM | A_FAIL, AUS_TCPCL_TERM_CONTACT_FAILURE,
                                          AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_SEG_START] = REJ_UNEXP,
                [AUS_TCPCL_E_SEG_CONT] = REJ_UNEXP,
                [AUS_TCPCL_E_ACK] = REJ_UNEXP,
                [AUS_TCPCL_E_REFUSE] = REJ_UNEXP,
                [AUS_TCPCL_E_KEEPALIVE] = REJ_UNEXP,
                [AUS_TCPCL_E_TERM] = {A_REPLY | A_FAIL, 0, AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_TERM_REPLY] = REJ_UNEXP,
                [AUS_TCPCL_E_REJECT] = IGN,
                [AUS_TCPCL_E_TYPE_UNKNOWN] = REJ_UNKNOWN,
                [AUS_TCPCL_E_T_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_T_IDLE] = IGN,
                [AUS_TCPCL_E_T_SETUP] = {A_TERM, AUS_TCPCL_TERM_CONTACT_FAILURE, AUS_TCPCL_S_CLOSED,
                                         AUS_TCPCL_WHY_TIMEOUT},
                [AUS_TCPCL_E_LOCAL_TERM] = {A_TERM | A_FAIL, R_CALLER, AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_PEER_GONE] = CLOSE(PEER_GONE),
            },
        [AUS_TCPCL_S_EST] =
            {
                [AUS_TCPCL_E_CH_OK] = IGN,
                [AUS_TCPCL_E_CH_MAGIC] = IGN,
                [AUS_TCPCL_E_CH_VERSION] = IGN,
                [AUS_TCPCL_E_CH_NOTLS] = IGN,
                [AUS_TCPCL_E_TLS_OK] = IGN,
                [AUS_TCPCL_E_TLS_FAIL] = IGN,
                [AUS_TCPCL_E_INIT_OK] = REJ_UNEXP,
                [AUS_TCPCL_E_INIT_BAD] = REJ_UNEXP,
                [AUS_TCPCL_E_SEG_START] = {A_SEG, 0, STAY, 0},
                [AUS_TCPCL_E_SEG_CONT] = {A_SEG, 0, STAY, 0},
                [AUS_TCPCL_E_ACK] = {A_ACK, 0, STAY, 0},
                [AUS_TCPCL_E_REFUSE] = {A_REFD, 0, STAY, 0},
                [AUS_TCPCL_E_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_TERM] = {A_REPLY | A_FAIL, 0, AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_TERM_REPLY] = REJ_UNEXP,
                [AUS_TCPCL_E_REJECT] = IGN,
                [AUS_TCPCL_E_TYPE_UNKNOWN] = REJ_UNKNOWN,
                [AUS_TCPCL_E_T_KEEPALIVE] = {A_KA, 0, STAY, 0},
                [AUS_TCPCL_E_T_IDLE] = {A_TERM | A_FAIL, AUS_TCPCL_TERM_IDLE_TIMEOUT,
                                        AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_T_SETUP] = IGN,
                [AUS_TCPCL_E_LOCAL_TERM] = {A_TERM | A_FAIL, R_CALLER, AUS_TCPCL_S_ENDING, 0},
                [AUS_TCPCL_E_PEER_GONE] = CLOSE(PEER_GONE),
            },
        [AUS_TCPCL_S_ENDING] =
            {
                [AUS_TCPCL_E_CH_OK] = IGN,
                [AUS_TCPCL_E_CH_MAGIC] = IGN,
                [AUS_TCPCL_E_CH_VERSION] = IGN,
                [AUS_TCPCL_E_CH_NOTLS] = IGN,
                [AUS_TCPCL_E_TLS_OK] = IGN,
                [AUS_TCPCL_E_TLS_FAIL] = IGN,
                [AUS_TCPCL_E_INIT_OK] = REJ_UNEXP,
                [AUS_TCPCL_E_INIT_BAD] = REJ_UNEXP,
                [AUS_TCPCL_E_SEG_START] = {A_SEGREF, 0, STAY, 0},
                [AUS_TCPCL_E_SEG_CONT] = {A_SEG, 0, STAY, 0},
                [AUS_TCPCL_E_ACK] = {A_ACK, 0, STAY, 0},
                [AUS_TCPCL_E_REFUSE] = {A_REFD, 0, STAY, 0},
                [AUS_TCPCL_E_KEEPALIVE] = IGN,
                [AUS_TCPCL_E_TERM] = IGN,
                [AUS_TCPCL_E_TERM_REPLY] = IGN,
                [AUS_TCPCL_E_REJECT] = IGN,
                [AUS_TCPCL_E_TYPE_UNKNOWN] = REJ_UNKNOWN,
                [AUS_TCPCL_E_T_KEEPALIVE] = {A_KA, 0, STAY, 0},
                [AUS_TCPCL_E_T_IDLE] = CLOSE(TIMEOUT),
                [AUS_TCPCL_E_T_SETUP] = CLOSE(TIMEOUT),
                [AUS_TCPCL_E_LOCAL_TERM] = IGN,
                [AUS_TCPCL_E_PEER_GONE] = CLOSE(PEER_GONE),
            },
        [AUS_TCPCL_S_CLOSED] = {IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN,
                                IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN, IGN},
};
_Static_assert(AUS_TCPCL_E_COUNT == 22, "the CLOSED row lists every event");

/* ---- control messages: a byte queue drained by aus_tcpcl_send ---- */
#define CTL_RESERVE 64 /* room kept for one message's answers before a message is parsed */
#define ACK_LEN 18     /* an XFER_ACK: type, flags, transfer ID, length (§5.2.3) */

static void ctl_put(aus_tcpcl *s, const aus_tcpcl_msg *m)
{
    long n = aus_tcpcl_msg_encode(m, 0, s->ctl + s->ctl_len, sizeof s->ctl - s->ctl_len);
    if (n > 0)
        s->ctl_len += (size_t)n;
}

static void put_simple(aus_tcpcl *s, uint8_t type, uint8_t flags, uint8_t reason, uint8_t rej,
                       uint64_t id, uint64_t len)
{
    aus_tcpcl_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.flags = flags;
    m.reason = reason;
    m.rej_header = rej;
    m.xfer_id = id;
    m.length = len;
    ctl_put(s, &m);
}

static void put_refuse(aus_tcpcl *s, uint8_t reason, uint64_t id)
{
    put_simple(s, AUS_TCPCL_XFER_REFUSE, 0, reason, 0, id, 0);
    s->st.refuses_sent++;
    s->rx_drop_active = 1;
    s->rx_drop_id = id;
    if (s->rx_active && s->rx_id == id)
        s->rx_active = 0;
}

static void put_reject(aus_tcpcl *s, uint8_t reason, uint8_t type)
{
    put_simple(s, AUS_TCPCL_MSG_REJECT, 0, reason, type, 0, 0);
    s->st.rejects_sent++;
}

static void put_term(aus_tcpcl *s, uint8_t flags, uint8_t reason)
{
    if (s->term_sent)
        return;
    put_simple(s, AUS_TCPCL_SESS_TERM, flags, reason, 0, 0, 0);
    s->term_sent = 1;
    s->term_reason = reason;
}

static void put_init(aus_tcpcl *s)
{
    aus_tcpcl_msg m;
    if (s->init_sent)
        return;
    memset(&m, 0, sizeof m);
    m.type = AUS_TCPCL_SESS_INIT;
    m.keepalive = s->cfg.keepalive_s;
    m.seg_mru = s->cfg.seg_mru;
    m.xfer_mru = s->cfg.xfer_mru;
    m.node_id = (const uint8_t *)s->cfg.node_id;
    m.node_id_len = (uint16_t)strlen(s->cfg.node_id);
    ctl_put(s, &m);
    s->init_sent = 1;
}

/* ---- outgoing transfers ---- */
static aus_tcpcl_tx *tx_at(aus_tcpcl *s, size_t i)
{
    return &s->txq[(s->tx_head + i) % AUS_TCPCL_TXQ];
}

static void tx_report(aus_tcpcl *s, aus_tcpcl_tx *t, aus_tcpcl_outcome o, uint8_t reason)
{
    if (t->done)
        return;
    t->done = 1;
    if (o == AUS_TCPCL_ACKED)
        s->st.tx_bundles++;
    if (s->ops.on_sent)
        s->ops.on_sent(s->ud, t->tag, o, reason);
}

static void tx_pop_done(aus_tcpcl *s)
{
    while (s->tx_count > 0 && tx_at(s, 0)->done && !(s->seg_left && s->seg_tx == s->tx_head)) {
        s->tx_head = (s->tx_head + 1) % AUS_TCPCL_TXQ;
        s->tx_count--;
    }
}

/* unstarted only (ending), or every one (closed). A transfer whose segment is on the wire still
 * has that segment's data read from its bundle (the segment must end before any other message,
 * §5.2.2), and the bundle is the caller's only until on_sent: that one is reported once the
 * segment's last byte is out (seg_sent), or when the wire is abandoned (the peer gone). */
static void tx_fail(aus_tcpcl *s, int all)
{
    for (size_t i = 0; i < s->tx_count; i++) {
        aus_tcpcl_tx *t = tx_at(s, i);
        if (!(all || t->sent == 0) || t->done)
            continue;
        if ((s->seg_left || s->sh_off < s->sh_len) && &s->txq[s->seg_tx] == t)
            t->unsent = 1; /* no further segment of it either (tx_next) */
        else
            tx_report(s, t, AUS_TCPCL_NOT_SENT, 0);
    }
    tx_pop_done(s);
}

/* Nothing more can reach the peer: drop what waits for the wire (the rest of a segment, control
 * messages) so that no bundle is read again, and report what waited for it NOT_SENT. */
static void wire_abandon(aus_tcpcl *s)
{
    s->ctl_len = 0;
    s->sh_off = s->sh_len;
    s->seg_left = 0;
    tx_fail(s, 1);
}

static aus_tcpcl_tx *tx_find(aus_tcpcl *s, uint64_t id)
{
    for (size_t i = 0; i < s->tx_count; i++) {
        aus_tcpcl_tx *t = tx_at(s, i);
        if (t->id == id && !t->done && t->sent > 0)
            return t;
    }
    return NULL;
}

static int tx_in_progress(aus_tcpcl *s)
{
    for (size_t i = 0; i < s->tx_count; i++) {
        aus_tcpcl_tx *t = tx_at(s, i);
        if (!t->done && t->sent > 0)
            return 1;
    }
    return s->seg_left > 0;
}

/* ---- the table's interpreter ---- */
static void enter(aus_tcpcl *s, uint8_t next, uint8_t why, uint64_t now)
{
    if (next == STAY || next == s->state)
        return;
    if (s->state == AUS_TCPCL_S_CONTACT)
        s->head_len = 0; /* a partial contact header is not the start of a message */
    s->state = next;
    if (next == AUS_TCPCL_S_ENDING || next == AUS_TCPCL_S_INIT)
        s->t_phase = now;
    if (next == AUS_TCPCL_S_CLOSED) {
        s->close_why = why;
        s->rx_active = 0;
        if (why == AUS_TCPCL_WHY_PEER_GONE)
            wire_abandon(s);
        else
            tx_fail(s, 1);
    }
}

static void drain_check(aus_tcpcl *s, uint64_t now)
{
    /* §6.1: once SESS_TERM went both ways and no transfer is in progress, close */
    if (s->state == AUS_TCPCL_S_ENDING && s->term_sent && s->term_rcvd && !s->rx_active &&
        s->data_left == 0 && !s->held_n && !tx_in_progress(s))
        enter(s, AUS_TCPCL_S_CLOSED, AUS_TCPCL_WHY_TERM, now);
}

static void seg_begin(aus_tcpcl *s, const aus_tcpcl_msg *m, uint64_t now);
static void seg_done(aus_tcpcl *s);
static void ack_in(aus_tcpcl *s, const aus_tcpcl_msg *m);
static void refuse_in(aus_tcpcl *s, const aus_tcpcl_msg *m);
static void negotiate(aus_tcpcl *s, const aus_tcpcl_msg *m);

void aus_tcpcl_dispatch(aus_tcpcl *s, aus_tcpcl_event ev, const aus_tcpcl_msg *m, uint8_t reason,
                        uint64_t now)
{
    const aus_tcpcl_cell *c;
    uint8_t next;
    if (!s || ev >= AUS_TCPCL_E_COUNT || s->state == AUS_TCPCL_S_CLOSED)
        return;
    c = &aus_tcpcl_table[s->state][ev];
    next = c->next;
    if (m && (ev == AUS_TCPCL_E_TERM || ev == AUS_TCPCL_E_TERM_REPLY)) {
        s->term_rcvd = 1;
        s->peer_term_reason = m->reason;
    }
    if (c->act & A_CH && !s->cfg.active) {
        uint8_t ch[AUS_TCPCL_CH_LEN];
        aus_tcpcl_ch_encode(ch, s->cfg.can_tls ? AUS_TCPCL_CH_CAN_TLS : 0);
        memcpy(s->ctl + s->ctl_len, ch, sizeof ch);
        s->ctl_len += sizeof ch;
    }
    if (c->act & A_TLS && s->tls) {
        next = AUS_TCPCL_S_TLS; /* §4.4: TLS first; SESS_INIT goes inside it */
    } else if (c->act & A_INIT) {
        if (s->cfg.active || ev == AUS_TCPCL_E_INIT_OK || ev == AUS_TCPCL_E_INIT_BAD)
            put_init(s); /* once: put_init does nothing when ours is already out */
    }
    if (c->act & A_NEG)
        negotiate(s, m);
    if (c->act & A_TERM)
        put_term(s, 0, c->reason == R_CALLER ? reason : c->reason);
    if (c->act & A_REPLY)
        put_term(s, AUS_TCPCL_TERM_REPLY, m ? m->reason : 0);
    if (c->act & A_REJ)
        put_reject(s, c->reason, m ? m->type : 0);
    if (c->act & A_SEG)
        seg_begin(s, m, now);
    if (c->act & A_SEGREF)
        put_refuse(s, AUS_TCPCL_REFUSE_SESS_TERMINATING, m->xfer_id); /* §6.1 */
    if (c->act & A_ACK)
        ack_in(s, m);
    if (c->act & A_REFD)
        refuse_in(s, m);
    if (c->act & A_KA && s->ctl_len == 0)
        put_simple(s, AUS_TCPCL_KEEPALIVE, 0, 0, 0, 0, 0);
    if (c->act & A_FAIL)
        tx_fail(s, 0);
    enter(s, next, c->why, now);
    drain_check(s, now);
}

/* §4.7: the session keepalive is the smaller of the two; each side's MRUs bound what the other
 * sends. */
static void negotiate(aus_tcpcl *s, const aus_tcpcl_msg *m)
{
    s->keepalive_s = m->keepalive < s->cfg.keepalive_s ? m->keepalive : s->cfg.keepalive_s;
    s->peer_seg_mru = m->seg_mru;
    s->peer_xfer_mru = m->xfer_mru;
    memcpy(s->peer_id, m->node_id, m->node_id_len);
    s->peer_id_len = m->node_id_len;
    /* queued bundles the peer will not take */
    for (size_t i = 0; i < s->tx_count; i++) {
        aus_tcpcl_tx *t = tx_at(s, i);
        if (t->len > s->peer_xfer_mru)
            tx_report(s, t, AUS_TCPCL_NOT_SENT, 0);
    }
    tx_pop_done(s);
}

static void local_term(aus_tcpcl *s, uint8_t reason, uint64_t now)
{
    aus_tcpcl_dispatch(s, AUS_TCPCL_E_LOCAL_TERM, NULL, reason, now);
}

/* XFER_SEGMENT head (§5.2.2): decide where its data goes and what to answer. The caller has
 * set data_left = m->length with data_keep = 0. */
static void seg_begin(aus_tcpcl *s, const aus_tcpcl_msg *m, uint64_t now)
{
    if (m->length > s->cfg.seg_mru) {
        s->st.bad_segments++;
        if (s->rx_active && s->rx_id == m->xfer_id)
            s->rx_active = 0;
        local_term(s, AUS_TCPCL_TERM_RESOURCE_EXHAUSTION, now);
        return;
    }
    if (m->flags & AUS_TCPCL_SEG_START) {
        if (s->rx_active)
            s->st.bad_segments++; /* the unfinished one is abandoned */
        s->rx_active = 0;
        s->rx_drop_active = 0;
        if (m->crit_unknown) {
            put_refuse(s, AUS_TCPCL_REFUSE_EXT_FAILURE, m->xfer_id); /* §5.2.5 */
            return;
        }
        if (m->has_xfer_len && m->xfer_len > s->cfg.xfer_mru) {
            put_refuse(s, AUS_TCPCL_REFUSE_NO_RESOURCES, m->xfer_id);
            return;
        }
        s->rx_active = 1;
        s->rx_id = m->xfer_id;
        s->rx_len = 0;
        s->rx_has_declared = m->has_xfer_len;
        s->rx_declared = m->xfer_len;
    } else if (s->rx_drop_active && m->xfer_id == s->rx_drop_id) {
        if (m->flags & AUS_TCPCL_SEG_END)
            s->rx_drop_active = 0;
        return; /* the rest of a refused transfer: dropped, no answer */
    } else if (!s->rx_active || m->xfer_id != s->rx_id) {
        s->st.bad_segments++;
        put_reject(s, AUS_TCPCL_REJECT_UNEXPECTED, AUS_TCPCL_XFER_SEGMENT);
        return;
    }
    if (m->length > s->cfg.xfer_mru - s->rx_len) {
        put_refuse(s, AUS_TCPCL_REFUSE_NO_RESOURCES, m->xfer_id);
        return;
    }
    if (s->rx_has_declared && m->length > s->rx_declared - s->rx_len) {
        put_refuse(s, AUS_TCPCL_REFUSE_EXT_FAILURE, m->xfer_id);
        return;
    }
    s->data_keep = 1;
    s->seg_flags = m->flags;
    s->seg_id = m->xfer_id;
    if (m->length == 0)
        seg_done(s);
}

static void seg_done(aus_tcpcl *s)
{
    s->data_keep = 0;
    if (!(s->seg_flags & AUS_TCPCL_SEG_END)) {
        put_simple(s, AUS_TCPCL_XFER_ACK, s->seg_flags, 0, 0, s->seg_id, s->rx_len);
        return;
    }
    if (s->rx_has_declared && s->rx_len != s->rx_declared) {
        put_refuse(s, AUS_TCPCL_REFUSE_EXT_FAILURE, s->seg_id);
        s->rx_drop_active = 0;
        return;
    }
    aus_err e = AUS_OK;
    s->rx_active = 0;
    if (s->ops.on_bundle)
        e = s->ops.on_bundle(s->ud, s->seg_id, s->rxbuf, (size_t)s->rx_len);
    if (e == AUS_E_AGAIN && s->held_n < AUS_TCPCL_ACKQ) {
        /* kept, not yet durable: the final ACK waits for aus_tcpcl_ack_release */
        aus_tcpcl_held *h = &s->held[s->held_n++];
        h->id = s->seg_id;
        h->len = s->rx_len;
        h->flags = s->seg_flags;
        return;
    }
    if (e != AUS_OK) {
        /* AGAIN with every slot taken (aus_tcpcl_recv stops before that; only raw dispatch
         * gets here): No Resources, so the sender keeps it */
        int res = e == AUS_E_FULL || e == AUS_E_NOBUFS || e == AUS_E_IO || e == AUS_E_AGAIN;
        put_refuse(s, res ? AUS_TCPCL_REFUSE_NO_RESOURCES : AUS_TCPCL_REFUSE_NOT_ACCEPTABLE,
                   s->seg_id);
        s->rx_drop_active = 0;
        return;
    }
    s->st.rx_bundles++;
    /* §5.2.3: the final ACK carries the END flag and the whole length */
    put_simple(s, AUS_TCPCL_XFER_ACK, s->seg_flags, 0, 0, s->seg_id, s->rx_len);
}

static void ack_in(aus_tcpcl *s, const aus_tcpcl_msg *m)
{
    aus_tcpcl_tx *t = tx_find(s, m->xfer_id);
    if (!t || m->length > t->sent || m->length < t->acked) {
        s->st.bad_acks++;
        put_reject(s, AUS_TCPCL_REJECT_UNEXPECTED, AUS_TCPCL_XFER_ACK);
        return;
    }
    t->acked = m->length;
    if ((m->flags & AUS_TCPCL_SEG_END) && t->acked == t->len && t->sent == t->len)
        tx_report(s, t, AUS_TCPCL_ACKED, 0);
    tx_pop_done(s);
}

static void refuse_in(aus_tcpcl *s, const aus_tcpcl_msg *m)
{
    aus_tcpcl_tx *t = tx_find(s, m->xfer_id);
    s->st.refuses_rcvd++;
    if (!t) {
        s->st.stray_refuses++; /* §5.2.4: may cross a completion; nothing to do */
        return;
    }
    if (s->seg_left && &s->txq[s->seg_tx] == t) {
        t->refused = 1; /* the segment on the wire finishes first; reported then */
        t->reason = m->reason;
        return;
    }
    tx_report(s, t, AUS_TCPCL_REFUSED, m->reason);
    tx_pop_done(s);
}

/* ---- public API ---- */
aus_err aus_tcpcl_init(aus_tcpcl *s, const aus_tcpcl_cfg *cfg, const aus_tcpcl_ops *ops, void *ud,
                       uint8_t *rxbuf, size_t rxcap, uint64_t now)
{
    AUS_ENSURE(s && cfg && ops && rxbuf && cfg->node_id, AUS_E_ARG);
    size_t idl = strlen(cfg->node_id);
    AUS_ENSURE(idl > 0 && idl <= AUS_TCPCL_NODEID_MAX, AUS_E_ARG);
    AUS_ENSURE(cfg->seg_mru > 0 && cfg->xfer_mru > 0 && cfg->xfer_mru <= rxcap, AUS_E_ARG);
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    if (s->cfg.setup_ms == 0)
        s->cfg.setup_ms = 30000;
    s->ops = *ops;
    s->ud = ud;
    s->rxbuf = rxbuf;
    s->rxcap = rxcap;
    s->state = AUS_TCPCL_S_CONTACT;
    s->t_phase = s->last_rx = s->last_tx = now;
    if (cfg->active) { /* §4.3: the active entity sends its contact header at once */
        aus_tcpcl_ch_encode(s->ctl, cfg->can_tls ? AUS_TCPCL_CH_CAN_TLS : 0);
        s->ctl_len = AUS_TCPCL_CH_LEN;
    }
    return AUS_OK;
}

static void contact_in(aus_tcpcl *s, uint64_t now)
{
    uint8_t ver = 0, flags = 0;
    if (aus_tcpcl_ch_decode(s->head, AUS_TCPCL_CH_LEN, &ver, &flags) != AUS_OK) {
        aus_tcpcl_dispatch(s, AUS_TCPCL_E_CH_MAGIC, NULL, 0, now);
        return;
    }
    s->peer_flags = flags;
    if (ver != AUS_TCPCL_VERSION) {
        aus_tcpcl_dispatch(s, AUS_TCPCL_E_CH_VERSION, NULL, 0, now);
        return;
    }
    s->contact_ok = 1;
    /* §4.3: TLS is used when both entities set CAN_TLS */
    s->tls = (uint8_t)(s->cfg.can_tls && (flags & AUS_TCPCL_CH_CAN_TLS));
    if (s->cfg.require_tls && !s->tls) {
        aus_tcpcl_dispatch(s, AUS_TCPCL_E_CH_NOTLS, NULL, 0, now);
        return;
    }
    aus_tcpcl_dispatch(s, AUS_TCPCL_E_CH_OK, NULL, 0, now);
}

static int uri_ok(const uint8_t *p, size_t n)
{
    /* §4.6: the Node ID is a URI; we take dtn: and ipn: (RFC 9171 §4.2.5.1) */
    if (n < 5)
        return 0;
    if (memcmp(p, "ipn:", 4) != 0 && memcmp(p, "dtn:", 4) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return 0;
    return 1;
}

static void message_in(aus_tcpcl *s, const aus_tcpcl_msg *m, uint64_t now)
{
    aus_tcpcl_event ev;
    switch (m->type) {
    case AUS_TCPCL_SESS_INIT:
        ev = AUS_TCPCL_E_INIT_OK;
        /* §4.8: an unknown item with CRITICAL set ends the session (Contact Failure) */
        if (m->crit_unknown || !uri_ok(m->node_id, m->node_id_len))
            ev = AUS_TCPCL_E_INIT_BAD;
        else if (s->state == AUS_TCPCL_S_INIT && s->ops.check_peer &&
                 s->ops.check_peer(s->ud, m->node_id, m->node_id_len) != AUS_OK)
            ev = AUS_TCPCL_E_INIT_BAD; /* §4.4.4 NODE-ID authentication */
        /* §4.7: a Segment MRU of zero would let no data through */
        else if (m->seg_mru == 0 || m->xfer_mru == 0)
            ev = AUS_TCPCL_E_INIT_BAD;
        break;
    case AUS_TCPCL_XFER_SEGMENT:
        s->data_left = m->length;
        s->data_keep = 0;
        ev = (m->flags & AUS_TCPCL_SEG_START) ? AUS_TCPCL_E_SEG_START : AUS_TCPCL_E_SEG_CONT;
        break;
    case AUS_TCPCL_XFER_ACK: ev = AUS_TCPCL_E_ACK; break;
    case AUS_TCPCL_XFER_REFUSE: ev = AUS_TCPCL_E_REFUSE; break;
    case AUS_TCPCL_KEEPALIVE:
        ev = AUS_TCPCL_E_KEEPALIVE;
        s->st.keepalives_rcvd++;
        break;
    case AUS_TCPCL_SESS_TERM:
        ev = (m->flags & AUS_TCPCL_TERM_REPLY) ? AUS_TCPCL_E_TERM_REPLY : AUS_TCPCL_E_TERM;
        break;
    default:
        ev = AUS_TCPCL_E_REJECT;
        s->st.rejects_rcvd++;
        break;
    }
    aus_tcpcl_dispatch(s, ev, m, 0, now);
}

/* a head we cannot frame: answer and stop reading (§4.5 for unknown types) */
static void head_fatal(aus_tcpcl *s, aus_err e, uint8_t type, uint64_t now)
{
    aus_tcpcl_msg m;
    if (e == AUS_E_UNSUPPORTED) {
        memset(&m, 0, sizeof m);
        m.type = type;
        aus_tcpcl_dispatch(s, AUS_TCPCL_E_TYPE_UNKNOWN, &m, 0, now);
        return;
    }
    /* LIMIT / MALFORMED: the message's length cannot be trusted, so nothing after it can be
     * framed: SESS_TERM and close (SESS_INIT: Contact Failure, §4.7; else Resource Exhaustion) */
    if (s->state == AUS_TCPCL_S_INIT && type == AUS_TCPCL_SESS_INIT)
        put_init(s); /* §3.3: the passive entity's reply comes before its verdict */
    if (s->state == AUS_TCPCL_S_INIT || s->state == AUS_TCPCL_S_EST ||
        s->state == AUS_TCPCL_S_ENDING)
        put_term(s, 0,
                 type == AUS_TCPCL_SESS_INIT ? AUS_TCPCL_TERM_CONTACT_FAILURE
                                             : AUS_TCPCL_TERM_RESOURCE_EXHAUSTION);
    enter(s, AUS_TCPCL_S_CLOSED, AUS_TCPCL_WHY_LIMIT, now);
}

static size_t data_in(aus_tcpcl *s, const uint8_t *p, size_t n)
{
    size_t k = n < s->data_left ? n : (size_t)s->data_left;
    if (s->data_keep) {
        memcpy(s->rxbuf + s->rx_len, p, k);
        s->rx_len += k;
        s->st.rx_bytes += k;
    }
    s->data_left -= k;
    if (s->data_left == 0 && s->data_keep)
        seg_done(s);
    return k;
}

long aus_tcpcl_recv(aus_tcpcl *s, const uint8_t *p, size_t n, uint64_t now)
{
    size_t off = 0;
    if (!s || (!p && n))
        return AUS_E_ARG;
    if (n)
        s->last_rx = now;
    while (off < n) {
        if (s->state == AUS_TCPCL_S_CLOSED)
            return (long)n;
        if (s->state == AUS_TCPCL_S_TLS)
            break;
        if (s->state == AUS_TCPCL_S_CONTACT) {
            size_t k = AUS_TCPCL_CH_LEN - s->head_len;
            if (k > n - off)
                k = n - off;
            memcpy(s->head + s->head_len, p + off, k);
            s->head_len += k;
            off += k;
            if (s->head_len == AUS_TCPCL_CH_LEN) {
                s->head_len = 0;
                contact_in(s, now);
            }
            continue;
        }
        if (s->data_left) {
            off += data_in(s, p + off, n - off);
            drain_check(s, now);
            continue;
        }
        /* the peer is not reading our answers, or the caller holds every final ACK it may:
         * stop reading messages (room stays for the held ACKs: a message that ends up held
         * puts nothing else) */
        if (sizeof s->ctl - s->ctl_len < CTL_RESERVE + (size_t)s->held_n * ACK_LEN ||
            s->held_n >= AUS_TCPCL_ACKQ)
            break;
        aus_tcpcl_msg m;
        size_t used = 0;
        aus_err e;
        if (s->head_len == 0) {
            e = aus_tcpcl_msg_decode(p + off, n - off, 1, &m, &used);
            if (e == AUS_OK) {
                off += used;
                message_in(s, &m, now);
                continue;
            }
            if (e != AUS_E_TRUNC) {
                head_fatal(s, e, p[off], now);
                continue;
            }
        }
        size_t had = s->head_len;
        size_t k = sizeof s->head - had;
        if (k > n - off)
            k = n - off;
        memcpy(s->head + had, p + off, k);
        s->head_len += k;
        e = aus_tcpcl_msg_decode(s->head, s->head_len, 1, &m, &used);
        if (e == AUS_E_TRUNC) {
            off += k;
            if (s->head_len == sizeof s->head)
                head_fatal(s, AUS_E_LIMIT, s->head[0], now); /* cannot happen: bounds */
            continue;
        }
        s->head_len = 0;
        if (e == AUS_OK && used < had)
            e = AUS_E_INTERNAL; /* cannot happen: the head held a strict prefix */
        if (e != AUS_OK) {
            head_fatal(s, e, s->head[0], now);
            continue;
        }
        off += used - had;
        message_in(s, &m, now);
    }
    return (long)off;
}

size_t aus_tcpcl_recv_direct(const aus_tcpcl *s, uint8_t **p)
{
    if (s->state == AUS_TCPCL_S_CLOSED || s->state == AUS_TCPCL_S_TLS || !s->data_left ||
        !s->data_keep)
        return 0;
    /* seg_begin refused a segment beyond cfg.xfer_mru - rx_len, and xfer_mru <= rxcap; the
     * bound is kept here too, so that no sequence of table events (aus_tcpcl_dispatch) can
     * point the port's read() past the buffer */
    if (s->rx_len >= s->rxcap)
        return 0;
    size_t room = s->rxcap - (size_t)s->rx_len;
    *p = s->rxbuf + s->rx_len;
    return s->data_left < room ? (size_t)s->data_left : room;
}

void aus_tcpcl_recv_direct_done(aus_tcpcl *s, size_t n, uint64_t now)
{
    if (n == 0 || s->state == AUS_TCPCL_S_CLOSED || !s->data_keep)
        return;
    if (n > s->data_left)
        n = (size_t)s->data_left; /* a port bug; never count bytes beyond the segment */
    if (s->rx_len + n > s->rxcap)
        n = s->rx_len < s->rxcap ? s->rxcap - (size_t)s->rx_len : 0;
    s->last_rx = now;
    s->rx_len += n;
    s->st.rx_bytes += n;
    s->data_left -= n;
    if (s->data_left == 0)
        seg_done(s);
    drain_check(s, now);
}

size_t aus_tcpcl_recv_hint(const aus_tcpcl *s)
{
    if (s->state == AUS_TCPCL_S_CONTACT)
        return AUS_TCPCL_CH_LEN - s->head_len;
    if (s->state == AUS_TCPCL_S_TLS)
        return 0;
    return SIZE_MAX;
}

/* the next transfer with bytes to put in a segment, or NULL */
static aus_tcpcl_tx *tx_next(aus_tcpcl *s, size_t *idx)
{
    for (size_t i = 0; i < s->tx_count; i++) {
        aus_tcpcl_tx *t = tx_at(s, i);
        if (t->done || t->unsent || t->sent == t->len)
            continue;
        /* §6.1: once ending, only a transfer already started may go on */
        if (s->state == AUS_TCPCL_S_ENDING && t->sent == 0)
            return NULL;
        *idx = (s->tx_head + i) % AUS_TCPCL_TXQ;
        return t;
    }
    return NULL;
}

static int seg_head(aus_tcpcl *s)
{
    size_t idx = 0;
    aus_tcpcl_tx *t = tx_next(s, &idx);
    if (!t)
        return 0;
    uint64_t left = t->len - t->sent;
    uint64_t seg = left;
    if (seg > s->peer_seg_mru)
        seg = s->peer_seg_mru;
    if (s->cfg.seg_max && seg > s->cfg.seg_max)
        seg = s->cfg.seg_max;
    aus_tcpcl_msg m;
    uint8_t tl[8];
    memset(&m, 0, sizeof m);
    m.type = AUS_TCPCL_XFER_SEGMENT;
    m.xfer_id = t->id;
    m.length = seg;
    if (t->sent == 0) {
        /* §5.2.5.1: announce the whole length so the peer can refuse early */
        m.flags |= AUS_TCPCL_SEG_START;
        for (int i = 0; i < 8; i++)
            tl[i] = (uint8_t)(t->len >> (56 - 8 * i));
        m.next = 1;
        m.ext[0].flags = 0;
        m.ext[0].type = AUS_TCPCL_XEXT_TRANSFER_LEN;
        m.ext[0].len = 8;
        m.ext[0].value = tl;
    }
    if (seg == left)
        m.flags |= AUS_TCPCL_SEG_END;
    long h = aus_tcpcl_msg_encode(&m, 1, s->sh, sizeof s->sh);
    if (h < 0)
        return 0; /* cannot happen: one Transfer Length item fits */
    s->sh_len = (uint8_t)h;
    s->sh_off = 0;
    s->seg_left = seg;
    s->seg_tx = idx;
    return 1;
}

/* k bytes of the current segment's data went out */
static void seg_sent(aus_tcpcl *s, size_t k)
{
    aus_tcpcl_tx *t = &s->txq[s->seg_tx];
    t->sent += k;
    s->seg_left -= k;
    s->st.tx_bytes += k;
    if (s->seg_left == 0 && (t->refused || t->unsent)) {
        tx_report(s, t, t->refused ? AUS_TCPCL_REFUSED : AUS_TCPCL_NOT_SENT, t->reason);
        tx_pop_done(s);
    }
}

void aus_tcpcl_set_gather(aus_tcpcl *s, int on) { s->tx_gather = on ? 1 : 0; }

size_t aus_tcpcl_send_data(const aus_tcpcl *s, const uint8_t **p)
{
    if (!s->tx_gather || s->sh_off < s->sh_len || s->seg_left < AUS_TCPCL_GATHER_MIN)
        return 0;
    const aus_tcpcl_tx *t = &s->txq[s->seg_tx];
    *p = t->data + t->sent;
    return (size_t)s->seg_left; /* at most the peer's Segment MRU, bounded by t->len */
}

void aus_tcpcl_send_consumed(aus_tcpcl *s, size_t n, uint64_t now)
{
    if (n == 0 || s->sh_off < s->sh_len)
        return;
    if (n > s->seg_left)
        n = (size_t)s->seg_left; /* a port bug; never count bytes that were not due */
    seg_sent(s, n);
    s->last_tx = now;
    drain_check(s, now);
}

long aus_tcpcl_send(aus_tcpcl *s, uint8_t *dst, size_t cap, uint64_t now)
{
    size_t off = 0;
    if (!s || !dst)
        return AUS_E_ARG;
    while (off < cap) {
        if (s->sh_off < s->sh_len) { /* the segment's head, then its data, nothing between */
            size_t k = cap - off < (size_t)(s->sh_len - s->sh_off)
                           ? cap - off
                           : (size_t)(s->sh_len - s->sh_off);
            memcpy(dst + off, s->sh + s->sh_off, k);
            s->sh_off = (uint8_t)(s->sh_off + k);
            off += k;
            continue;
        }
        if (s->seg_left) {
            if (s->tx_gather && s->seg_left >= AUS_TCPCL_GATHER_MIN)
                break; /* the port sends the data from the bundle itself */
            aus_tcpcl_tx *t = &s->txq[s->seg_tx];
            size_t k = cap - off < s->seg_left ? cap - off : (size_t)s->seg_left;
            memcpy(dst + off, t->data + t->sent, k);
            off += k;
            seg_sent(s, k);
            continue;
        }
        if (s->ctl_len) {
            size_t k = cap - off < s->ctl_len ? cap - off : s->ctl_len;
            memcpy(dst + off, s->ctl, k);
            memmove(s->ctl, s->ctl + k, s->ctl_len - k);
            s->ctl_len -= k;
            off += k;
            continue;
        }
        if ((s->state != AUS_TCPCL_S_EST && s->state != AUS_TCPCL_S_ENDING) || !seg_head(s))
            break;
    }
    if (off)
        s->last_tx = now;
    drain_check(s, now);
    return (long)off;
}

void aus_tcpcl_ack_release(aus_tcpcl *s, int durable, uint64_t now)
{
    if (!s || s->state == AUS_TCPCL_S_CLOSED) {
        if (s)
            s->held_n = 0;
        return;
    }
    for (size_t i = 0; i < s->held_n; i++) {
        const aus_tcpcl_held *h = &s->held[i];
        if (durable) {
            s->st.rx_bundles++;
            /* §5.2.3: the final ACK carries the END flag and the whole length */
            put_simple(s, AUS_TCPCL_XFER_ACK, h->flags, 0, 0, h->id, h->len);
        } else {
            put_refuse(s, AUS_TCPCL_REFUSE_NO_RESOURCES, h->id);
        }
    }
    s->held_n = 0;
    drain_check(s, now);
}

size_t aus_tcpcl_acks_held(const aus_tcpcl *s) { return s ? s->held_n : 0; }

int aus_tcpcl_want_send(const aus_tcpcl *s)
{
    if (s->ctl_len || s->seg_left || s->sh_off < s->sh_len)
        return 1;
    if (s->state != AUS_TCPCL_S_EST && s->state != AUS_TCPCL_S_ENDING)
        return 0;
    for (size_t i = 0; i < s->tx_count; i++) {
        const aus_tcpcl_tx *t = &s->txq[(s->tx_head + i) % AUS_TCPCL_TXQ];
        if (!t->done && t->sent < t->len && (s->state == AUS_TCPCL_S_EST || t->sent > 0))
            return 1;
    }
    return 0;
}

/* keepalive deadlines in EST / ENDING (§5.1.1) */
static uint64_t ka_expiry(const aus_tcpcl *s)
{
    uint64_t t = UINT64_MAX;
    if (s->keepalive_s) {
        uint64_t ka = (uint64_t)s->keepalive_s * 1000u;
        t = s->last_tx + ka;
        if (s->last_rx + 2 * ka < t)
            t = s->last_rx + 2 * ka;
    }
    return t;
}

uint64_t aus_tcpcl_expiry(const aus_tcpcl *s)
{
    uint64_t t;
    switch (s->state) {
    case AUS_TCPCL_S_CONTACT:
    case AUS_TCPCL_S_TLS:
    case AUS_TCPCL_S_INIT: return s->t_phase + s->cfg.setup_ms;
    case AUS_TCPCL_S_ENDING:
        t = ka_expiry(s);
        return s->t_phase + s->cfg.setup_ms < t ? s->t_phase + s->cfg.setup_ms : t;
    case AUS_TCPCL_S_EST: return ka_expiry(s);
    default: return UINT64_MAX;
    }
}

static void ka_timer(aus_tcpcl *s, uint64_t now)
{
    if (!s->keepalive_s)
        return;
    uint64_t ka = (uint64_t)s->keepalive_s * 1000u;
    /* §5.1.1: nothing received for twice the interval ends the session */
    if (now >= s->last_rx + 2 * ka)
        aus_tcpcl_dispatch(s, AUS_TCPCL_E_T_IDLE, NULL, 0, now);
    else if (now >= s->last_tx + ka)
        aus_tcpcl_dispatch(s, AUS_TCPCL_E_T_KEEPALIVE, NULL, 0, now);
}

void aus_tcpcl_on_timer(aus_tcpcl *s, uint64_t now)
{
    switch (s->state) {
    case AUS_TCPCL_S_CONTACT:
    case AUS_TCPCL_S_TLS:
    case AUS_TCPCL_S_INIT:
        if (now >= s->t_phase + s->cfg.setup_ms)
            aus_tcpcl_dispatch(s, AUS_TCPCL_E_T_SETUP, NULL, 0, now);
        return;
    case AUS_TCPCL_S_ENDING:
        if (now >= s->t_phase + s->cfg.setup_ms)
            aus_tcpcl_dispatch(s, AUS_TCPCL_E_T_SETUP, NULL, 0, now);
        else
            ka_timer(s, now);
        return;
    case AUS_TCPCL_S_EST: ka_timer(s, now); return;
    default: return;
    }
}

void aus_tcpcl_tls_result(aus_tcpcl *s, int ok, uint64_t now)
{
    aus_tcpcl_dispatch(s, ok ? AUS_TCPCL_E_TLS_OK : AUS_TCPCL_E_TLS_FAIL, NULL, 0, now);
}

void aus_tcpcl_peer_closed(aus_tcpcl *s)
{
    if (s && s->state == AUS_TCPCL_S_CLOSED) {
        wire_abandon(s); /* a closed session's flush cannot finish either */
        return;
    }
    aus_tcpcl_dispatch(s, AUS_TCPCL_E_PEER_GONE, NULL, 0, s->last_rx);
}

void aus_tcpcl_terminate(aus_tcpcl *s, uint8_t reason, uint64_t now) { local_term(s, reason, now); }

aus_err aus_tcpcl_xfer_push(aus_tcpcl *s, const uint8_t *data, size_t len, void *tag)
{
    AUS_ENSURE(s && data && len > 0, AUS_E_ARG);
    AUS_ENSURE(s->state < AUS_TCPCL_S_ENDING, AUS_E_STATE);
    AUS_ENSURE(s->tx_count < AUS_TCPCL_TXQ, AUS_E_FULL);
    AUS_ENSURE(s->state != AUS_TCPCL_S_EST || len <= s->peer_xfer_mru, AUS_E_LIMIT);
    /* §5.2.1: transfer IDs increase by one; the last one is never reached in practice */
    AUS_ENSURE(s->next_xfer_id != UINT64_MAX, AUS_E_LIMIT);
    aus_tcpcl_tx *t = &s->txq[(s->tx_head + s->tx_count) % AUS_TCPCL_TXQ];
    memset(t, 0, sizeof *t);
    t->data = data;
    t->len = len;
    t->tag = tag;
    t->id = s->next_xfer_id++;
    s->tx_count++;
    return AUS_OK;
}

size_t aus_tcpcl_xfer_pending(const aus_tcpcl *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->tx_count; i++)
        if (!s->txq[(s->tx_head + i) % AUS_TCPCL_TXQ].done)
            n++;
    return n;
}

const char *aus_tcpcl_state_name(unsigned state)
{
    static const char *const n[] = {"contact", "tls", "init", "established", "ending", "closed"};
    return state < AUS_ARRAY_LEN(n) ? n[state] : "?";
}

const char *aus_tcpcl_event_name(unsigned ev)
{
    static const char *const n[] = {
        "CH_OK",     "CH_MAGIC", "CH_VERSION", "CH_NOTLS", "TLS_OK",       "TLS_FAIL",
        "INIT_OK",   "INIT_BAD", "SEG_START",  "SEG_CONT", "ACK",          "REFUSE",
        "KEEPALIVE", "TERM",     "TERM_REPLY", "REJECT",   "TYPE_UNKNOWN", "T_KEEPALIVE",
        "T_IDLE",    "T_SETUP",  "LOCAL_TERM", "PEER_GONE"};
    return ev < AUS_ARRAY_LEN(n) ? n[ev] : "?";
}

const char *aus_tcpcl_why(const aus_tcpcl *s)
{
    switch (s->close_why) {
    case AUS_TCPCL_WHY_TERM: return "session terminated (SESS_TERM exchanged)";
    case AUS_TCPCL_WHY_MAGIC: return "the peer's contact header lacks the \"dtn!\" magic";
    case AUS_TCPCL_WHY_VERSION: return "the peer speaks another TCPCL version";
    case AUS_TCPCL_WHY_TLS: return "the TLS handshake failed";
    case AUS_TCPCL_WHY_TIMEOUT: return "the peer took too long (setup, idle or ending)";
    case AUS_TCPCL_WHY_UNKNOWN: return "the peer sent a message of unknown type";
    case AUS_TCPCL_WHY_PEER_GONE: return "the TCP connection ended";
    case AUS_TCPCL_WHY_LOCAL: return "closed locally";
    case AUS_TCPCL_WHY_LIMIT: return "the peer sent a message beyond our bounds";
    default: return "open";
    }
}
