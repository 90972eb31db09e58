/* SPDX-License-Identifier: Apache-2.0 */
/* TCPCLv4: the DTN TCP convergence layer, version 4 (RFC 9174), sans-I/O (DESIGN.md §2).
 *
 * Two parts:
 *  - the message codec (src/cl/tcpcl_msg.c): contact header (§4.2) and the seven messages
 *    (§4.5 table; SESS_INIT §4.6, XFER_SEGMENT / XFER_ACK / XFER_REFUSE §5.2, KEEPALIVE §5.1.1,
 *    MSG_REJECT §5.1.2, SESS_TERM §6.1), with session and transfer extension items (§4.8, §5.2.5);
 *  - one session (src/cl/tcpcl.c): a state machine whose table is data at the top of that file.
 *    Bytes and time go in (aus_tcpcl_recv, aus_tcpcl_on_timer), bytes and deadlines come out
 *    (aus_tcpcl_send, aus_tcpcl_expiry). A whole received transfer is handed up through the ops
 *    table; a bundle given to aus_tcpcl_xfer_push is reported done only by its final XFER_ACK.
 *
 * TLS (§4.4) is the port's business: when both contact headers carry CAN_TLS the session enters
 * AUS_TCPCL_S_TLS, the port runs the handshake on the same TCP connection and reports with
 * aus_tcpcl_tls_result(); afterwards the port passes decrypted bytes. The peer's node ID (from
 * its SESS_INIT) is offered to ops->check_peer, where the port matches it against the
 * certificate (§4.4.4).
 *
 * Memory: the context holds everything but the received-transfer buffer (the caller's, of the
 * local Transfer MRU); outgoing bundles stay the caller's until ops->on_sent reports them.
 */
#ifndef AUSTRALIS_TCPCL_H
#define AUSTRALIS_TCPCL_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- wire constants (RFC 9174) ---- */
#define AUS_TCPCL_VERSION 4
#define AUS_TCPCL_CH_LEN 6           /* §4.2: "dtn!" magic, version, flags */
#define AUS_TCPCL_CH_CAN_TLS 0x01u   /* §4.2 contact header flag */
#define AUS_TCPCL_EXT_CRITICAL 0x01u /* §4.8 / §5.2.5 item flag */
#define AUS_TCPCL_SEG_END 0x01u      /* §5.2.2 XFER_SEGMENT / XFER_ACK flags */
#define AUS_TCPCL_SEG_START 0x02u
#define AUS_TCPCL_TERM_REPLY 0x01u         /* §6.1 SESS_TERM flag */
#define AUS_TCPCL_XEXT_TRANSFER_LEN 0x0001 /* §5.2.5.1 Transfer Length extension item */

typedef enum aus_tcpcl_type { /* §4.5 message type codes (0x00 reserved) */
                              AUS_TCPCL_XFER_SEGMENT = 0x01,
                              AUS_TCPCL_XFER_ACK = 0x02,
                              AUS_TCPCL_XFER_REFUSE = 0x03,
                              AUS_TCPCL_KEEPALIVE = 0x04,
                              AUS_TCPCL_SESS_TERM = 0x05,
                              AUS_TCPCL_MSG_REJECT = 0x06,
                              AUS_TCPCL_SESS_INIT = 0x07,
} aus_tcpcl_type;

typedef enum aus_tcpcl_refuse { /* §5.2.4 XFER_REFUSE reason codes */
                                AUS_TCPCL_REFUSE_UNKNOWN = 0x00,
                                AUS_TCPCL_REFUSE_COMPLETED = 0x01,
                                AUS_TCPCL_REFUSE_NO_RESOURCES = 0x02,
                                AUS_TCPCL_REFUSE_RETRANSMIT = 0x03,
                                AUS_TCPCL_REFUSE_NOT_ACCEPTABLE = 0x04,
                                AUS_TCPCL_REFUSE_EXT_FAILURE = 0x05,
                                AUS_TCPCL_REFUSE_SESS_TERMINATING = 0x06,
} aus_tcpcl_refuse;

typedef enum aus_tcpcl_term { /* §6.1 SESS_TERM reason codes */
                              AUS_TCPCL_TERM_UNKNOWN = 0x00,
                              AUS_TCPCL_TERM_IDLE_TIMEOUT = 0x01,
                              AUS_TCPCL_TERM_VERSION_MISMATCH = 0x02,
                              AUS_TCPCL_TERM_BUSY = 0x03,
                              AUS_TCPCL_TERM_CONTACT_FAILURE = 0x04,
                              AUS_TCPCL_TERM_RESOURCE_EXHAUSTION = 0x05,
} aus_tcpcl_term;

typedef enum aus_tcpcl_reject { /* §5.1.2 MSG_REJECT reason codes */
                                AUS_TCPCL_REJECT_TYPE_UNKNOWN = 0x01,
                                AUS_TCPCL_REJECT_UNSUPPORTED = 0x02,
                                AUS_TCPCL_REJECT_UNEXPECTED = 0x03,
} aus_tcpcl_reject;

/* ---- bounds (what one session holds; documented knobs) ---- */
#ifndef AUS_TCPCL_NODEID_MAX
#define AUS_TCPCL_NODEID_MAX 255 /* longest peer Node ID accepted (else Contact Failure) */
#endif
#ifndef AUS_TCPCL_EXT_BYTES_MAX
#define AUS_TCPCL_EXT_BYTES_MAX 512 /* longest extension item list (session or transfer) */
#endif
#ifndef AUS_TCPCL_EXT_ITEMS_MAX
#define AUS_TCPCL_EXT_ITEMS_MAX 8 /* items kept as views by the decoder (more are checked) */
#endif
#ifndef AUS_TCPCL_TXQ
#define AUS_TCPCL_TXQ 64 /* outgoing transfers queued or in flight per session */
#endif
#ifndef AUS_TCPCL_ACKQ
#define AUS_TCPCL_ACKQ 16 /* final XFER_ACKs held for aus_tcpcl_ack_release */
#endif
#ifndef AUS_TCPCL_CTL_CAP
#define AUS_TCPCL_CTL_CAP 2048 /* control messages waiting to go out */
#endif
/* a message head: SESS_INIT with the largest node ID and items, or an XFER_SEGMENT head */
#define AUS_TCPCL_HEAD_MAX (1 + 2 + 8 + 8 + 2 + AUS_TCPCL_NODEID_MAX + 4 + AUS_TCPCL_EXT_BYTES_MAX)

/* ---- the codec ---- */
typedef struct aus_tcpcl_ext {
    uint8_t flags;
    uint16_t type;
    uint16_t len;
    const uint8_t *value; /* view into the input */
} aus_tcpcl_ext;

typedef struct aus_tcpcl_msg {
    uint8_t type; /* aus_tcpcl_type */
    uint8_t flags;
    uint8_t reason;     /* XFER_REFUSE, SESS_TERM, MSG_REJECT */
    uint8_t rej_header; /* MSG_REJECT: the rejected message's type */
    uint64_t xfer_id;
    uint64_t length;     /* XFER_SEGMENT data length; XFER_ACK acknowledged length */
    const uint8_t *data; /* XFER_SEGMENT data (full decode only) */
    /* SESS_INIT */
    uint16_t keepalive;
    uint64_t seg_mru, xfer_mru;
    const uint8_t *node_id;
    uint16_t node_id_len;
    /* extension items (SESS_INIT, XFER_SEGMENT with START) */
    uint32_t ext_len;
    size_t next;                                /* items in the list (all of them) */
    aus_tcpcl_ext ext[AUS_TCPCL_EXT_ITEMS_MAX]; /* the first ones, as views */
    uint8_t has_xfer_len;                       /* XFER_SEGMENT: Transfer Length item present */
    uint8_t crit_unknown;                       /* a CRITICAL item of a type we do not know */
    uint64_t xfer_len;
} aus_tcpcl_msg;

/* Contact header (§4.2). aus_tcpcl_ch_decode: TRUNC (fewer than 6 bytes), MALFORMED (magic
 * is not "dtn!"); the version is returned, not judged. */
AUS_MUST_USE aus_err aus_tcpcl_ch_decode(const uint8_t *p, size_t n, uint8_t *version,
                                         uint8_t *flags);
void aus_tcpcl_ch_encode(uint8_t out[AUS_TCPCL_CH_LEN], uint8_t flags);

/* Decode one whole message from p[0..n). *used = its length. For XFER_SEGMENT the data must
 * be present unless head_only (then *used stops after the Data Length field and m->data is
 * NULL). Errors: TRUNC (need more bytes), UNSUPPORTED (type 0 or unknown: m->type holds it),
 * MALFORMED (a Transfer Length item whose value is not 8 octets, an item list whose items
 * overrun it), LIMIT (node ID or item list longer than the bounds above). */
AUS_MUST_USE aus_err aus_tcpcl_msg_decode(const uint8_t *p, size_t n, int head_only,
                                          aus_tcpcl_msg *m, size_t *used);
/* Encode m (for XFER_SEGMENT: head, items and m->data of m->length bytes unless head_only).
 * Items come from m->ext[0..next) (next <= AUS_TCPCL_EXT_ITEMS_MAX). Returns bytes written
 * (out NULL: size only) or NOBUFS, ARG (unknown type, too many items, node ID too long). */
AUS_MUST_USE long aus_tcpcl_msg_encode(const aus_tcpcl_msg *m, int head_only, uint8_t *out,
                                       size_t cap);

const char *aus_tcpcl_type_name(unsigned type);
const char *aus_tcpcl_term_name(unsigned reason);
const char *aus_tcpcl_refuse_name(unsigned reason);
const char *aus_tcpcl_reject_name(unsigned reason);

/* ---- the session ---- */
typedef enum aus_tcpcl_state {
    AUS_TCPCL_S_CONTACT = 0, /* contact headers being exchanged (§4.1-4.3) */
    AUS_TCPCL_S_TLS = 1,     /* both set CAN_TLS: the port runs the TLS handshake (§4.4) */
    AUS_TCPCL_S_INIT = 2,    /* SESS_INIT exchange (§4.6) */
    AUS_TCPCL_S_EST = 3,     /* established: transfers and keepalives (§5) */
    AUS_TCPCL_S_ENDING = 4,  /* SESS_TERM sent or received (§6.1) */
    AUS_TCPCL_S_CLOSED = 5,  /* flush what aus_tcpcl_send still gives, then close TCP */
    AUS_TCPCL_S_COUNT
} aus_tcpcl_state;

typedef enum aus_tcpcl_outcome {
    AUS_TCPCL_ACKED = 0,    /* final XFER_ACK for every byte */
    AUS_TCPCL_REFUSED = 1,  /* XFER_REFUSE (reason given) */
    AUS_TCPCL_NOT_SENT = 2, /* the session ended first: try again in another session */
} aus_tcpcl_outcome;

typedef struct aus_tcpcl_ops {
    /* A whole transfer arrived (the END segment). Return OK once it is kept (durably, when
     * that matters): only then the final XFER_ACK goes out. AGAIN: kept, but not yet durable;
     * its final XFER_ACK is held until aus_tcpcl_ack_release (so that several transfers share
     * one sync of the store; p is not valid after the call). Any other error refuses the
     * transfer: FULL / NOBUFS / IO -> No Resources, anything else -> Not Acceptable (§5.2.4). */
    aus_err (*on_bundle)(void *ud, uint64_t xfer_id, const uint8_t *p, size_t n);
    /* An outgoing transfer ended (tag as pushed; reason for REFUSED). Its bytes are not read
     * after this call (a transfer whose segment is on the wire when the session closes is
     * reported after that segment's last byte, or when aus_tcpcl_peer_closed drops it). */
    void (*on_sent)(void *ud, void *tag, aus_tcpcl_outcome outcome, uint8_t reason);
    /* The peer's SESS_INIT named this node ID: OK, or any error to end the session with
     * Contact Failure (§4.4.4 NODE-ID check, or a policy). NULL accepts every node ID. */
    aus_err (*check_peer)(void *ud, const uint8_t *node_id, size_t n);
} aus_tcpcl_ops;

typedef struct aus_tcpcl_cfg {
    uint8_t active;       /* 1: we opened the TCP connection (§3.1 active entity) */
    uint8_t can_tls;      /* offer TLS (CAN_TLS) */
    uint8_t require_tls;  /* policy: no TLS negotiated -> SESS_TERM Contact Failure (§4.4) */
    uint16_t keepalive_s; /* our Keepalive Interval (§4.6); 0 disables */
    uint64_t seg_mru;     /* our Segment MRU */
    uint64_t xfer_mru;    /* our Transfer MRU (<= rx buffer capacity) */
    uint64_t seg_max;     /* largest segment we send (0: the peer's Segment MRU) */
    const char *node_id;  /* our Node ID (URI text) */
    uint32_t setup_ms;    /* contact header + TLS + SESS_INIT must finish within this; also
                             bounds the ending state (0: 30 s) */
} aus_tcpcl_cfg;

typedef struct aus_tcpcl_tx {
    const uint8_t *data;
    uint64_t len;
    uint64_t id;
    uint64_t sent;  /* bytes put in segments */
    uint64_t acked; /* cumulative XFER_ACK length */
    void *tag;
    uint8_t done;    /* reported (acked, refused or not sent); waits to leave the ring */
    uint8_t refused; /* XFER_REFUSE came while its segment was being emitted */
    uint8_t reason;
    uint8_t unsent; /* the session ended while its segment was being emitted: reported NOT_SENT
                     * after that segment's last byte, so its data is never read after on_sent */
} aus_tcpcl_tx;

typedef struct aus_tcpcl_held {
    uint64_t id, len;
    uint8_t flags;
} aus_tcpcl_held;

typedef struct aus_tcpcl_stats {
    uint64_t rx_bundles, tx_bundles, rx_bytes, tx_bytes;
    uint64_t rejects_sent, rejects_rcvd, refuses_sent, refuses_rcvd, keepalives_rcvd;
    uint64_t bad_acks, bad_segments, stray_refuses;
} aus_tcpcl_stats;

typedef struct aus_tcpcl {
    aus_tcpcl_cfg cfg;
    aus_tcpcl_ops ops;
    void *ud;
    uint8_t state;
    uint8_t tls;        /* TLS negotiated */
    uint8_t peer_flags; /* peer contact header flags */
    uint8_t term_sent, term_rcvd, term_reason, peer_term_reason;
    uint8_t init_sent;
    uint8_t contact_ok; /* the peer's contact header was a TCPCLv4 one */
    uint8_t close_why;  /* AUS_TCPCL_WHY_* : why the session ended */
    /* negotiated (§4.7) */
    uint16_t keepalive_s;
    uint64_t peer_seg_mru, peer_xfer_mru;
    uint8_t peer_id[AUS_TCPCL_NODEID_MAX];
    uint16_t peer_id_len;
    /* timers (ms) */
    uint64_t t_phase, last_rx, last_tx; /* t_phase: setup began, or ending began */
    /* receive: a message head being assembled, then segment data streamed */
    uint8_t head[AUS_TCPCL_HEAD_MAX];
    size_t head_len;
    uint64_t data_left; /* segment data still to come */
    uint8_t data_keep;  /* 1: into rxbuf, 0: discard */
    uint8_t seg_flags;  /* flags of the segment whose data is streaming */
    uint64_t seg_id;
    uint8_t *rxbuf;
    size_t rxcap;
    uint8_t rx_active; /* a transfer is being received */
    uint64_t rx_id, rx_len, rx_declared;
    uint8_t rx_has_declared;
    uint8_t rx_drop_active; /* a refused transfer whose remaining segments are discarded */
    uint64_t rx_drop_id;
    aus_tcpcl_held held[AUS_TCPCL_ACKQ]; /* final XFER_ACKs waiting for aus_tcpcl_ack_release */
    uint8_t held_n;
    /* send */
    uint8_t ctl[AUS_TCPCL_CTL_CAP];
    size_t ctl_len;
    aus_tcpcl_tx txq[AUS_TCPCL_TXQ];
    size_t tx_head, tx_count; /* ring */
    uint64_t next_xfer_id;
    uint8_t sh[64]; /* the head of the segment being emitted (staged) */
    uint8_t sh_len, sh_off;
    uint64_t seg_left; /* data of the segment being emitted still to copy */
    size_t seg_tx;     /* txq index of that segment's transfer */
    uint8_t tx_gather; /* aus_tcpcl_send stops before large segment data (aus_tcpcl_set_gather) */
    aus_tcpcl_stats st;
} aus_tcpcl;

enum { /* close_why */
       AUS_TCPCL_WHY_NONE = 0,
       AUS_TCPCL_WHY_TERM = 1,      /* SESS_TERM exchanged (see term_reason / peer_term_reason) */
       AUS_TCPCL_WHY_MAGIC = 2,     /* peer's contact header lacks "dtn!" (§4.3): closed */
       AUS_TCPCL_WHY_VERSION = 3,   /* version is not 4: SESS_TERM Version Mismatch, closed */
       AUS_TCPCL_WHY_TLS = 4,       /* TLS handshake failed (§4.4.3): closed */
       AUS_TCPCL_WHY_TIMEOUT = 5,   /* setup or ending took longer than setup_ms */
       AUS_TCPCL_WHY_UNKNOWN = 6,   /* unknown message type: MSG_REJECT, closed (§4.5 [i]) */
       AUS_TCPCL_WHY_PEER_GONE = 7, /* the TCP connection ended under us */
       AUS_TCPCL_WHY_LOCAL = 8,     /* the caller closed without SESS_TERM */
       AUS_TCPCL_WHY_LIMIT = 9,     /* a message head beyond our bounds or malformed: SESS_TERM
                                       sent and closed, framing cannot be trusted any more */
};

/* Start a session (the TCP connection exists). rxbuf holds one received transfer (rxcap >=
 * cfg->xfer_mru). The active entity's contact header is ready for aus_tcpcl_send at once.
 * Errors: ARG (NULL, rxcap < xfer_mru, seg_mru 0, node ID empty or longer than
 * AUS_TCPCL_NODEID_MAX). */
AUS_MUST_USE aus_err aus_tcpcl_init(aus_tcpcl *s, const aus_tcpcl_cfg *cfg,
                                    const aus_tcpcl_ops *ops, void *ud, uint8_t *rxbuf,
                                    size_t rxcap, uint64_t now);
/* Feed bytes from the peer (plain, or decrypted by the port's TLS). Returns how many were
 * consumed (fewer than n when the control queue is full or the state changed to TLS: feed
 * the rest later, after aus_tcpcl_send); a closed session takes and ignores everything. Peer
 * errors never fail this call: they become the RFC's answer and the session state. Errors:
 * ARG (NULL). */
AUS_MUST_USE long aus_tcpcl_recv(aus_tcpcl *s, const uint8_t *p, size_t n, uint64_t now);
/* At most this many bytes may be read from the socket now (contact header phase: exactly the
 * header, so no TLS byte is read as plain text); otherwise SIZE_MAX. */
size_t aus_tcpcl_recv_hint(const aus_tcpcl *s);
/* Bytes to write to the peer: control messages, then segments. 0 when nothing is due. */
AUS_MUST_USE long aus_tcpcl_send(aus_tcpcl *s, uint8_t *dst, size_t cap, uint64_t now);
/* Zero-copy I/O for a port that can gather (writev/sendmsg) and read into place. The bytes on
 * the wire are exactly those of aus_tcpcl_send / aus_tcpcl_recv; only the copies go.
 *
 * Sending: with gather on, aus_tcpcl_send stops before the data of a segment that has at least
 * AUS_TCPCL_GATHER_MIN bytes left (everything it gave, up to and including that segment's
 * head, comes before the data on the wire). aus_tcpcl_send_data then points at the data still
 * due, in the caller's own bundle (valid until the transfer's on_sent), and
 * aus_tcpcl_send_consumed says how many of those bytes went out. */
#define AUS_TCPCL_GATHER_MIN (16u * 1024u)
void aus_tcpcl_set_gather(aus_tcpcl *s, int on);
size_t aus_tcpcl_send_data(const aus_tcpcl *s, const uint8_t **p);
void aus_tcpcl_send_consumed(aus_tcpcl *s, size_t n, uint64_t now);
/* Receiving: when every byte read so far has been fed and the next bytes on the wire are data
 * of a segment being kept, aus_tcpcl_recv_direct points at where they go in the transfer
 * buffer and returns how many belong to the segment (0 otherwise: read into a buffer and
 * feed aus_tcpcl_recv). The port reads at most that many bytes there and reports them with
 * aus_tcpcl_recv_direct_done (n no more than returned); the segment, the transfer and its
 * XFER_ACK then proceed exactly as if the bytes had been fed. */
size_t aus_tcpcl_recv_direct(const aus_tcpcl *s, uint8_t **p);
void aus_tcpcl_recv_direct_done(aus_tcpcl *s, size_t n, uint64_t now);
/* 1 if aus_tcpcl_send has bytes now. */
int aus_tcpcl_want_send(const aus_tcpcl *s);
/* Transfers whose on_bundle returned AGAIN, in arrival order: durable 1 sends their final
 * XFER_ACKs now (RFC 9174 §5.2.3: a transfer is acknowledged once the receiver has processed
 * it; here, once it is durable), durable 0 refuses them (No Resources, §5.2.4). While
 * AUS_TCPCL_ACKQ are held, aus_tcpcl_recv takes no further message. Nothing on a closed
 * session. aus_tcpcl_acks_held says how many wait. */
void aus_tcpcl_ack_release(aus_tcpcl *s, int durable, uint64_t now);
size_t aus_tcpcl_acks_held(const aus_tcpcl *s);
/* The next deadline (ms, same clock as now); UINT64_MAX when none. */
uint64_t aus_tcpcl_expiry(const aus_tcpcl *s);
void aus_tcpcl_on_timer(aus_tcpcl *s, uint64_t now);
/* Port: the TLS handshake ended (ok = 1) or failed (0: the session closes, §4.4.3). */
void aus_tcpcl_tls_result(aus_tcpcl *s, int ok, uint64_t now);
/* Port: the TCP connection ended (EOF or error): nothing more is sent (what waited for the
 * wire is dropped) and every transfer not yet reported is reported NOT_SENT. Also on a session
 * already closed whose flush can no longer be written. */
void aus_tcpcl_peer_closed(aus_tcpcl *s);
/* Queue a bundle (the caller keeps data alive until on_sent(tag)). Errors: STATE (ending or
 * closed), FULL (AUS_TCPCL_TXQ in the queue), LIMIT (larger than the peer's Transfer MRU),
 * ARG (len 0). */
AUS_MUST_USE aus_err aus_tcpcl_xfer_push(aus_tcpcl *s, const uint8_t *data, size_t len, void *tag);
/* Transfers queued or unacknowledged. */
size_t aus_tcpcl_xfer_pending(const aus_tcpcl *s);
/* End the session with SESS_TERM (reason); transfers in progress may finish (§6.1). */
void aus_tcpcl_terminate(aus_tcpcl *s, uint8_t reason, uint64_t now);
static inline aus_tcpcl_state aus_tcpcl_state_of(const aus_tcpcl *s)
{
    return (aus_tcpcl_state)s->state;
}
const char *aus_tcpcl_state_name(unsigned state);
/* A sentence on why a closed session ended (static storage). */
const char *aus_tcpcl_why(const aus_tcpcl *s);

/* ---- the state table, exported for tests and docs ---- */
typedef enum aus_tcpcl_event {
    AUS_TCPCL_E_CH_OK = 0,    /* valid contact header, version 4 */
    AUS_TCPCL_E_CH_MAGIC,     /* contact header without "dtn!" */
    AUS_TCPCL_E_CH_VERSION,   /* contact header, version not 4 */
    AUS_TCPCL_E_CH_NOTLS,     /* contact header, policy requires TLS and it was not agreed */
    AUS_TCPCL_E_TLS_OK,       /* port: handshake done */
    AUS_TCPCL_E_TLS_FAIL,     /* port: handshake failed */
    AUS_TCPCL_E_INIT_OK,      /* SESS_INIT accepted */
    AUS_TCPCL_E_INIT_BAD,     /* SESS_INIT refused: critical unknown item, node ID check */
    AUS_TCPCL_E_SEG_START,    /* XFER_SEGMENT with START */
    AUS_TCPCL_E_SEG_CONT,     /* XFER_SEGMENT without START */
    AUS_TCPCL_E_ACK,          /* XFER_ACK */
    AUS_TCPCL_E_REFUSE,       /* XFER_REFUSE */
    AUS_TCPCL_E_KEEPALIVE,    /* KEEPALIVE */
    AUS_TCPCL_E_TERM,         /* SESS_TERM without REPLY */
    AUS_TCPCL_E_TERM_REPLY,   /* SESS_TERM with REPLY */
    AUS_TCPCL_E_REJECT,       /* MSG_REJECT */
    AUS_TCPCL_E_TYPE_UNKNOWN, /* message type 0 or unknown */
    AUS_TCPCL_E_T_KEEPALIVE,  /* timer: nothing sent for the keepalive interval */
    AUS_TCPCL_E_T_IDLE,       /* timer: nothing received for twice the interval */
    AUS_TCPCL_E_T_SETUP,      /* timer: setup or ending took too long */
    AUS_TCPCL_E_LOCAL_TERM,   /* caller: aus_tcpcl_terminate */
    AUS_TCPCL_E_PEER_GONE,    /* port: TCP connection ended */
    AUS_TCPCL_E_COUNT
} aus_tcpcl_event;

/* Cell actions (bits). */
enum {
    AUS_TCPCL_A_CH = 1u << 0,         /* passive: send our contact header */
    AUS_TCPCL_A_INIT = 1u << 1,       /* send SESS_INIT (active at once; passive after peer's) */
    AUS_TCPCL_A_NEGOTIATE = 1u << 2,  /* adopt the peer's SESS_INIT parameters (§4.7) */
    AUS_TCPCL_A_TERM = 1u << 3,       /* send SESS_TERM (cell's reason) */
    AUS_TCPCL_A_TERM_REPLY = 1u << 4, /* send SESS_TERM with REPLY (peer's reason) */
    AUS_TCPCL_A_REJECT = 1u << 5,     /* send MSG_REJECT (cell's reason) */
    AUS_TCPCL_A_SEG = 1u << 6,        /* process the segment (acks, refusals, hand-up) */
    AUS_TCPCL_A_SEG_REFUSE = 1u << 7, /* refuse the new transfer: Session Terminating */
    AUS_TCPCL_A_ACK = 1u << 8,        /* process the acknowledgement */
    AUS_TCPCL_A_REFUSED = 1u << 9,    /* process the refusal */
    AUS_TCPCL_A_KA = 1u << 10,        /* send KEEPALIVE */
    AUS_TCPCL_A_FAIL_TX = 1u << 11,   /* report queued transfers NOT_SENT */
    AUS_TCPCL_A_TLS = 1u << 12,       /* TLS agreed: state TLS instead of INIT */
};

typedef struct aus_tcpcl_cell {
    uint16_t act;
    uint8_t reason; /* for A_TERM / A_REJECT */
    uint8_t next;   /* aus_tcpcl_state; AUS_TCPCL_S_COUNT = stay */
    uint8_t why;    /* close_why when next is CLOSED */
} aus_tcpcl_cell;

extern const aus_tcpcl_cell aus_tcpcl_table[AUS_TCPCL_S_COUNT][AUS_TCPCL_E_COUNT];
/* Run one event through the table (what recv / on_timer / tls_result do after parsing): for
 * tests that visit every cell and for the session fuzzer. m: the message for message events
 * (may be NULL otherwise); reason: the caller's SESS_TERM reason for LOCAL_TERM. */
void aus_tcpcl_dispatch(aus_tcpcl *s, aus_tcpcl_event ev, const aus_tcpcl_msg *m, uint8_t reason,
                        uint64_t now);
const char *aus_tcpcl_event_name(unsigned ev);

#ifdef __cplusplus
}
#endif
#endif
