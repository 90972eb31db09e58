/* SPDX-License-Identifier: Apache-2.0 */
/* TCPCLv4 on POSIX sockets, with TLS 1.3 through OpenSSL (RFC 9174 §4.4).
 *
 * One aus_tcpcl_conn per TCP connection: the sans-I/O session (src/cl/tcpcl.c), its socket,
 * its TLS object and its buffers. Nothing here blocks and nothing is global: a caller (the CLI
 * tools, later a daemon link) polls aus_tcpcl_conn_pollfd()'s descriptor for the events it
 * asks, with the timeout it gives, and calls aus_tcpcl_conn_step() on every wake-up.
 *
 * TLS: when both contact headers carry CAN_TLS, the active entity is the TLS client and the
 * passive one the server (§4.4.3), on the same connection, TLS 1.3 or later (§4.4.1). With a
 * trust-anchor file both sides demand a certificate that chains to it, and the peer's
 * certificate must carry the node ID it announced in SESS_INIT as a URI subjectAltName
 * (NODE-ID, §4.4.2, §4.4.4); otherwise the session ends with SESS_TERM Contact Failure and
 * aus_tcpcl_conn_why() names the check that failed.
 *
 * The TLS object does no socket I/O itself: it reads and writes records through a BIO pair,
 * and this file moves the ciphertext between the pair and the socket in large send()/recv()
 * calls. A socket BIO costs one write() per 16 KiB record and two read()s (header, body) per
 * record received, and on this kind of virtual machine the system calls, not AES-GCM, were
 * what made TLS slow. Records held in the pair or in the TLS object are invisible to poll():
 * aus_tcpcl_conn_events() then asks for a zero timeout so the caller steps again at once.
 * Large segment data is sealed from the caller's bundle and opened into the transfer buffer
 * (no copy through the socket buffers), and sealed records go to the socket every
 * AUS_TCPCL_TLS_PUSH bytes so that the peer opens while we seal.
 */
#ifndef AUS_TCPCL_POSIX_H
#define AUS_TCPCL_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "australis/tcpcl.h"

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

typedef struct aus_tcpcl_tls_opts {
    const char *cert; /* PEM certificate (chain) we present */
    const char *key;  /* PEM private key */
    const char *ca;   /* PEM trust anchors; NULL: the peer is not authenticated */
} aus_tcpcl_tls_opts;

/* A TLS context for one role (server = passive). why gets a sentence on failure. Errors: IO
 * (a file cannot be read), CRYPTO (OpenSSL refused the material). */
AUS_MUST_USE aus_err aus_tcpcl_tls_ctx(struct ssl_ctx_st **out, const aus_tcpcl_tls_opts *o,
                                       int server, char *why, size_t cap);
void aus_tcpcl_tls_ctx_free(struct ssl_ctx_st *ctx);

typedef struct aus_tcpcl_conn {
    int fd;
    int connecting;          /* non-blocking connect in progress */
    struct ssl_ctx_st *tctx; /* not owned */
    struct ssl_st *ssl;
    struct bio_st *nbio; /* our end of the BIO pair whose other end the TLS object uses */
    int tls_phase;       /* 0 none, 1 handshake, 2 up */
    int tls_rd_blocked;  /* TLS wants more ciphertext than the pair holds */
    int sock_eof;        /* the socket said EOF; the pair may still hold records */
    int wr_shut;         /* shutdown(SHUT_WR) done */
    int wr_dead;         /* a write to the socket failed: nothing more can be sent */
    int rd_dry;          /* this step's recv() found nothing */
    int rx_big;          /* the last read went straight into the transfer buffer */
    size_t tx_unpushed;  /* TLS: plaintext sealed into the pair since the last push */
    int has_ca;
    aus_tcpcl sess;
    aus_tcpcl_ops user; /* the caller's ops; the session's go through the conn */
    void *user_ud;
    uint8_t *rxbuf;    /* one transfer (owned, cfg.xfer_mru) */
    uint8_t *in, *out; /* socket buffers (owned) */
    size_t in_len, out_len, out_off;
    int eof;
    int closing; /* our side shut down; reading to the peer's EOF */
    uint64_t close_deadline;
    int done;      /* closed: the caller may free it */
    char why[512]; /* why it ended, or which check failed */
} aus_tcpcl_conn;

/* Start a connection as the active entity (non-blocking connect to host:port; numeric or
 * resolvable names). tctx NULL: no TLS offered. Errors: ARG, IO (resolve / socket), NOBUFS. */
AUS_MUST_USE aus_err aus_tcpcl_conn_connect(aus_tcpcl_conn *c, const char *host, const char *port,
                                            const aus_tcpcl_cfg *cfg, const aus_tcpcl_ops *ops,
                                            void *ud, struct ssl_ctx_st *tctx, int has_ca,
                                            uint64_t now);
/* Take an accepted socket as the passive entity. */
AUS_MUST_USE aus_err aus_tcpcl_conn_accept(aus_tcpcl_conn *c, int fd, const aus_tcpcl_cfg *cfg,
                                           const aus_tcpcl_ops *ops, void *ud,
                                           struct ssl_ctx_st *tctx, int has_ca, uint64_t now);
/* poll() events to wait for (POLLIN / POLLOUT) and the timeout in ms (-1: none). */
short aus_tcpcl_conn_events(const aus_tcpcl_conn *c, uint64_t now, int *timeout_ms);
/* Do all the I/O and timer work possible now. Afterwards c->done says it is over. */
void aus_tcpcl_conn_step(aus_tcpcl_conn *c, short revents, uint64_t now);
/* Free buffers and close the socket (also when not done). */
void aus_tcpcl_conn_free(aus_tcpcl_conn *c);
const char *aus_tcpcl_conn_why(const aus_tcpcl_conn *c);

/* A listening socket (non-blocking, SO_REUSEADDR). Errors: IO. */
AUS_MUST_USE aus_err aus_tcpcl_listen(const char *host, const char *port, int *fd);
/* Monotonic milliseconds. */
uint64_t aus_tcpcl_now_ms(void);

#endif
