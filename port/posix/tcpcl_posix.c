/* SPDX-License-Identifier: Apache-2.0 */
/* TCPCLv4 sockets and TLS (RFC 9174 §4.4) around the sans-I/O session; see tcpcl_posix.h. */
#include "tcpcl_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls_gcm.h"

#ifdef AUS_NO_TLS
/* Built without libssl (the flight build, docs/flight.md: TLS is for the ground's TCPCL links,
 * and libssl is 0.5 MB of a satellite binary that uses the folder or CCSDS link).
 * aus_tcpcl_tls_ctx then refuses with a sentence, so no connection has a TLS context: CAN_TLS
 * stays clear in our contact header (RFC 9174 §4.2), TLS is never negotiated (§4.4) and c->ssl
 * stays NULL. The stand-ins below keep one copy of the paths that are then never taken. */
#define SSL_CTX_free(x) ((void)(x))
#define SSL_get1_peer_certificate(s) ((void)(s), (X509 *)NULL)
#define SSL_new(x) ((void)(x), (SSL *)NULL)
#define SSL_set_bio(s, r, w) ((void)(s), (void)(r), (void)(w))
#define SSL_set_connect_state(s) ((void)(s))
#define SSL_set_accept_state(s) ((void)(s))
#define SSL_do_handshake(s) ((void)(s), -1)
#define SSL_get_error(s, r) ((void)(s), (void)(r), SSL_ERROR_SSL)
#define SSL_get_verify_result(s) ((void)(s), (long)X509_V_OK)
#define SSL_read_ex(s, b, n, r) ((void)(s), (void)(b), (void)(n), (void)(r), 0)
#define SSL_write_ex(s, b, n, w) ((void)(s), (void)(b), (void)(n), (void)(w), 0)
#define SSL_shutdown(s) ((void)(s), 0)
#define SSL_free(s) ((void)(s))
#endif

#define IN_CAP (256u * 1024u)
#define OUT_CAP (256u * 1024u)
/* plain TCP: segment data of at least this many bytes is read straight into the transfer
 * buffer; after such a segment the next read into c->in takes at most RX_PROBE bytes */
#define RX_DIRECT_MIN (16u * 1024u)
#define RX_PROBE (16u * 1024u)
/* TLS: sealed records go to the socket every TLS_PUSH bytes of plaintext (and whenever a step
 * has nothing more to seal), and each direction of the BIO pair holds that much plus its record
 * overheads (22 bytes per 16 KiB record in TLS 1.3). Large pushes are cheaper for the receiver
 * above all: with 1 MiB instead of 64 KiB (medians of 30 interleaved bench_tcpcl runs at 1 MB,
 * each normalised by that run's AES-GCM cost) the receiver's CPU per MB fell by 24 % and both
 * sides' together by 8 %; send() 17 -> 4 and recv() 14 -> 2.4 calls per MB. The pair's memory
 * is only touched as records pass through it. */
#ifndef AUS_TCPCL_TLS_PUSH
#define AUS_TCPCL_TLS_PUSH (1024u * 1024u)
#endif
#ifndef AUS_TCPCL_PAIR_TX
#define AUS_TCPCL_PAIR_TX (AUS_TCPCL_TLS_PUSH + 64u * 1024u)
#endif
#ifndef AUS_TCPCL_PAIR_RX
#define AUS_TCPCL_PAIR_RX (1024u * 1024u + 64u * 1024u)
#endif
#define TLS_PUSH ((size_t)AUS_TCPCL_TLS_PUSH)

uint64_t aus_tcpcl_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void ossl_why(char *why, size_t cap, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[200] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(why, cap, "%s%s%s", what, e ? ": " : "", buf);
    ERR_clear_error();
}

aus_err aus_tcpcl_tls_ctx(struct ssl_ctx_st **out, const aus_tcpcl_tls_opts *o, int server,
                          char *why, size_t cap)
{
#ifdef AUS_NO_TLS
    (void)o;
    (void)server;
    *out = NULL;
    snprintf(why, cap,
             "TLS is not in this australis (the flight build leaves libssl out; "
             "docs/flight.md): configure the link without TLS or run a build with it");
    return AUS_E_UNSUPPORTED;
#else
    /* records sealed and opened by ipsec-mb's AES-GCM where there is one (tls_gcm.c) */
    SSL_CTX *ctx = SSL_CTX_new_ex(aus_tls_gcm_libctx(), aus_tls_gcm_propq(),
                                  server ? TLS_server_method() : TLS_client_method());
    *out = NULL;
    if (!ctx) {
        ossl_why(why, cap, "TLS context");
        return AUS_E_CRYPTO;
    }
    /* §4.4.1: TLS 1.3 or later */
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    /* AES-128-GCM first (AES-NI; the cheapest of the three here, ~4 GB/s), ChaCha20 first for a
     * client that lists it first (no AES instructions); all three stay on offer (RFC 8446 §9.1) */
    if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                      "TLS_CHACHA20_POLY1305_SHA256") != 1) {
        ossl_why(why, cap, "TLS cipher suites");
        SSL_CTX_free(ctx);
        return AUS_E_CRYPTO;
    }
    if (server)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (o->cert && SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
        ossl_why(why, cap, "TLS certificate file");
        SSL_CTX_free(ctx);
        return AUS_E_IO;
    }
    if (o->key && SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1) {
        ossl_why(why, cap, "TLS private key file");
        SSL_CTX_free(ctx);
        return AUS_E_IO;
    }
    if (o->cert && o->key && SSL_CTX_check_private_key(ctx) != 1) {
        ossl_why(why, cap, "TLS private key does not match the certificate");
        SSL_CTX_free(ctx);
        return AUS_E_CRYPTO;
    }
    if (o->ca) {
        if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1) {
            ossl_why(why, cap, "TLS trust anchors");
            SSL_CTX_free(ctx);
            return AUS_E_IO;
        }
        /* §4.4.4: both entities authenticate the other */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    *out = ctx;
    return AUS_OK;
#endif
}

void aus_tcpcl_tls_ctx_free(struct ssl_ctx_st *ctx) { SSL_CTX_free(ctx); }

/* §4.4.4 NODE-ID: a URI subjectAltName equal to the node ID from SESS_INIT */
static int cert_has_node_id(X509 *cert, const uint8_t *id, size_t n, char *sans, size_t cap)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    int found = 0;
    sans[0] = 0;
    if (!gens)
        return 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_URI)
            continue;
        const unsigned char *u = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
        int ul = ASN1_STRING_length(g->d.uniformResourceIdentifier);
        size_t have = strlen(sans);
        if (have + (size_t)ul + 3 < cap) {
            for (int k = 0; k < ul; k++)
                sans[have + (size_t)k] = (u[k] >= 0x20 && u[k] < 0x7f) ? (char)u[k] : '?';
            sans[have + (size_t)ul] = ' ';
            sans[have + (size_t)ul + 1] = 0;
        }
        if ((size_t)ul == n && memcmp(u, id, n) == 0)
            found = 1;
    }
    GENERAL_NAMES_free(gens);
    return found;
}

static void safe_copy(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++)
        dst[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    dst[k] = 0;
}

static aus_err conn_check_peer(void *ud, const uint8_t *id, size_t n)
{
    aus_tcpcl_conn *c = ud;
    char idt[AUS_TCPCL_NODEID_MAX + 1];
    safe_copy(idt, sizeof idt, id, n);
    if (c->tls_phase == 2 && c->has_ca) {
        X509 *cert = SSL_get1_peer_certificate(c->ssl);
        char sans[200];
        if (!cert) {
            snprintf(c->why, sizeof c->why, "peer %.120s presented no certificate", idt);
            return AUS_E_AUTH;
        }
        int ok = cert_has_node_id(cert, id, n, sans, sizeof sans);
        X509_free(cert);
        if (!ok) {
            snprintf(
                c->why, sizeof c->why,
                "NODE-ID check failed: peer announced %.120s but its certificate's URI SANs are "
                "[%.200s]",
                idt, sans[0] ? sans : "none");
            return AUS_E_AUTH;
        }
    }
    if (c->user.check_peer) {
        aus_err e = c->user.check_peer(c->user_ud, id, n);
        if (e != AUS_OK) {
            snprintf(c->why, sizeof c->why, "peer node ID %.120s refused by policy", idt);
            return e;
        }
    }
    return AUS_OK;
}

static aus_err conn_on_bundle(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    aus_tcpcl_conn *c = ud;
    /* no receiver (a send-only user): refused (Not Acceptable, RFC 9174 §5.2.4), never
     * acknowledged and dropped, so the sender keeps it for a session that can take it */
    return c->user.on_bundle ? c->user.on_bundle(c->user_ud, id, p, n) : AUS_E_POLICY;
}

static void conn_on_sent(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t reason)
{
    aus_tcpcl_conn *c = ud;
    if (c->user.on_sent)
        c->user.on_sent(c->user_ud, tag, o, reason);
}

static const aus_tcpcl_ops conn_ops = {conn_on_bundle, conn_on_sent, conn_check_peer};

static aus_err conn_setup(aus_tcpcl_conn *c, int fd, const aus_tcpcl_cfg *cfg,
                          const aus_tcpcl_ops *ops, void *ud, struct ssl_ctx_st *tctx, int has_ca,
                          uint64_t now)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->tctx = tctx;
    c->has_ca = has_ca;
    c->user = *ops;
    c->user_ud = ud;
    c->rxbuf = malloc((size_t)cfg->xfer_mru ? (size_t)cfg->xfer_mru : 1);
    c->in = malloc(IN_CAP);
    c->out = malloc(OUT_CAP);
    if (!c->rxbuf || !c->in || !c->out)
        return AUS_E_NOBUFS;
    aus_tcpcl_cfg k = *cfg;
    k.can_tls = tctx != NULL;
    return aus_tcpcl_init(&c->sess, &k, &conn_ops, c, c->rxbuf, (size_t)cfg->xfer_mru, now);
}

static void set_nb(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

aus_err aus_tcpcl_conn_connect(aus_tcpcl_conn *c, const char *host, const char *port,
                               const aus_tcpcl_cfg *cfg, const aus_tcpcl_ops *ops, void *ud,
                               struct ssl_ctx_st *tctx, int has_ca, uint64_t now)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    memset(c, 0, sizeof *c);
    c->fd = -1;
    if (!host || !port || !cfg || !cfg->active)
        return AUS_E_ARG;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        snprintf(c->why, sizeof c->why, "cannot resolve %s", host);
        return AUS_E_IO;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0) {
        freeaddrinfo(res);
        return AUS_E_IO;
    }
    set_nb(fd);
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (rc != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        snprintf(c->why, sizeof c->why, "connect: %s", strerror(e));
        return AUS_E_IO;
    }
    aus_err e = conn_setup(c, fd, cfg, ops, ud, tctx, has_ca, now);
    c->connecting = rc != 0;
    return e;
}

aus_err aus_tcpcl_conn_accept(aus_tcpcl_conn *c, int fd, const aus_tcpcl_cfg *cfg,
                              const aus_tcpcl_ops *ops, void *ud, struct ssl_ctx_st *tctx,
                              int has_ca, uint64_t now)
{
    if (!cfg || cfg->active)
        return AUS_E_ARG;
    set_nb(fd);
    return conn_setup(c, fd, cfg, ops, ud, tctx, has_ca, now);
}

short aus_tcpcl_conn_events(const aus_tcpcl_conn *c, uint64_t now, int *timeout_ms)
{
    short ev = 0;
    uint64_t exp = aus_tcpcl_expiry(&c->sess);
    *timeout_ms = -1;
    if (exp != UINT64_MAX)
        *timeout_ms = exp <= now ? 0 : (exp - now > 60000 ? 60000 : (int)(exp - now));
    if (c->done)
        return 0;
    if (c->closing) {
        *timeout_ms = c->close_deadline <= now ? 0 : (int)(c->close_deadline - now);
        return (short)(POLLIN | (!c->wr_shut ? POLLOUT : 0));
    }
    if (c->connecting)
        return POLLOUT;
    if (c->nbio) {
        /* ciphertext the pair holds for the socket, room in the pair for more from it */
        if (BIO_ctrl_pending(c->nbio) > 0)
            ev |= POLLOUT;
        if (!c->sock_eof && BIO_ctrl_get_write_guarantee(c->nbio) > 0)
            ev |= POLLIN;
        if (c->tls_phase == 1)
            return ev;
        /* records already in the pair or the TLS object: no poll() event will tell */
        if (!c->tls_rd_blocked && !c->eof && c->in_len < IN_CAP)
            *timeout_ms = 0;
        if (c->out_off < c->out_len || aus_tcpcl_want_send(&c->sess))
            ev |= POLLOUT;
        return ev;
    }
    if (c->out_off < c->out_len || aus_tcpcl_want_send(&c->sess))
        ev |= POLLOUT;
    if (!c->eof && c->in_len < IN_CAP)
        ev |= POLLIN;
    return ev;
}

/* ciphertext from the pair to the socket; 1 if bytes moved */
static int net_push(aus_tcpcl_conn *c)
{
    int moved = 0;
    for (int i = 0; i < 4 && c->nbio; i++) {
        char *p = NULL;
        ossl_ssize_t n = BIO_nread0(c->nbio, &p);
        if (n <= 0)
            break;
        ssize_t w = send(c->fd, p, (size_t)n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                c->eof = c->sock_eof = c->wr_dead = 1;
            break;
        }
        (void)BIO_nread(c->nbio, &p, (int)w);
        moved = 1;
        if (w < n)
            break;
    }
    return moved;
}

/* ciphertext from the socket into the pair; 1 if bytes moved or the socket ended */
static int net_pull(aus_tcpcl_conn *c)
{
    int moved = 0;
    for (int i = 0; i < 2 && c->nbio && !c->sock_eof && !c->rd_dry; i++) {
        char *p = NULL;
        ossl_ssize_t room = BIO_nwrite0(c->nbio, &p);
        if (room <= 0)
            break;
        ssize_t n = recv(c->fd, p, (size_t)room, 0);
        if (n < 0) {
            c->rd_dry = errno == EAGAIN || errno == EWOULDBLOCK;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                c->sock_eof = 1;
                (void)BIO_shutdown_wr(c->nbio);
                moved = 1;
            }
            break;
        }
        if (n == 0) {
            /* the TLS object reads what the pair still holds, then meets the end */
            c->sock_eof = 1;
            (void)BIO_shutdown_wr(c->nbio);
            moved = 1;
            break;
        }
        (void)BIO_nwrite(c->nbio, &p, (int)n);
        moved = 1;
        c->tls_rd_blocked = 0;
        if (n < room)
            break;
    }
    return moved;
}

/* the FIN goes after every byte of ciphertext (alert, close_notify) the pair still holds */
static void shut_wr(aus_tcpcl_conn *c)
{
    if (c->wr_shut)
        return;
    (void)net_push(c);
    if (c->nbio && BIO_ctrl_pending(c->nbio) > 0 && !c->sock_eof)
        return;
    (void)shutdown(c->fd, SHUT_WR);
    c->wr_shut = 1;
}

static void finish(aus_tcpcl_conn *c, uint64_t now)
{
    if (c->done || c->closing)
        return;
    if (!c->why[0]) {
        const aus_tcpcl *t = &c->sess;
        if (t->close_why == AUS_TCPCL_WHY_TERM && t->term_rcvd && t->term_sent)
            snprintf(c->why, sizeof c->why, "session terminated (we sent %s, the peer sent %s)",
                     aus_tcpcl_term_name(t->term_reason), aus_tcpcl_term_name(t->peer_term_reason));
        else
            snprintf(c->why, sizeof c->why, "%s", aus_tcpcl_why(t));
    }
    if (c->eof || c->fd < 0) {
        c->done = 1;
        return;
    }
    /* a graceful close: close_notify, FIN, then read to the peer's EOF (bounded) so that our
     * close never meets unread bytes and turns into a reset */
    if (c->ssl && c->tls_phase == 2)
        (void)SSL_shutdown(c->ssl);
    c->closing = 1;
    shut_wr(c);
    c->close_deadline = now + 1000;
}

static void drain_close(aus_tcpcl_conn *c, uint64_t now)
{
    uint8_t junk[4096];
    shut_wr(c);
    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(c->fd, junk, sizeof junk, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            c->done = 1;
            return;
        }
        if (n < 0)
            break;
    }
    if (now >= c->close_deadline)
        c->done = 1;
}

static void tls_step(aus_tcpcl_conn *c, uint64_t now)
{
    if (c->tls_phase == 0) {
        BIO *ibio = NULL;
        c->ssl = SSL_new(c->tctx);
        if (!c->ssl ||
            BIO_new_bio_pair(&ibio, AUS_TCPCL_PAIR_TX, &c->nbio, AUS_TCPCL_PAIR_RX) != 1) {
            ossl_why(c->why, sizeof c->why, "TLS setup");
            aus_tcpcl_tls_result(&c->sess, 0, now);
            return;
        }
        SSL_set_bio(c->ssl, ibio, ibio); /* the TLS object owns its end */
        /* §4.4.3: the active entity is the TLS client */
        if (c->sess.cfg.active)
            SSL_set_connect_state(c->ssl);
        else
            SSL_set_accept_state(c->ssl);
        c->tls_phase = 1;
    }
    (void)net_pull(c);
    int rc = SSL_do_handshake(c->ssl);
    (void)net_push(c); /* our flight, or the alert that ends it */
    if (rc == 1) {
        c->tls_phase = 2;
        aus_tcpcl_tls_result(&c->sess, 1, now);
        return;
    }
    int err = SSL_get_error(c->ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return;
    long vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK)
        snprintf(c->why, sizeof c->why, "TLS handshake failed: peer certificate: %s",
                 X509_verify_cert_error_string(vr));
    else
        ossl_why(c->why, sizeof c->why, "TLS handshake failed");
    aus_tcpcl_tls_result(&c->sess, 0, now);
}

/* read what the session may take now; 1 if bytes moved */
static int do_read(aus_tcpcl_conn *c, uint64_t now)
{
    size_t hint = aus_tcpcl_recv_hint(&c->sess);
    size_t room = IN_CAP - c->in_len;
    if (hint < room)
        room = hint;
    if (room == 0 || c->eof)
        return 0;
    long n;
    if (c->tls_phase == 2) {
        /* every record the pair holds, topping it up from the socket, until the buffer is
         * full or the TLS object wants bytes that have not arrived */
        int moved = net_pull(c);
        while (room > 0) {
            size_t got = 0;
            uint8_t *dp = NULL;
            size_t dn = c->in_len == 0 ? aus_tcpcl_recv_direct(&c->sess, &dp) : 0;
            int direct = dn >= RX_DIRECT_MIN;
            /* segment data is opened straight into the transfer buffer (no copy through
             * c->in); after such a segment the next head is read on its own, one record */
            int rc = direct ? SSL_read_ex(c->ssl, dp, dn, &got)
                            : SSL_read_ex(c->ssl, c->in + c->in_len, room, &got);
            if (rc == 1) {
                moved = 1;
                if (direct) {
                    c->rx_big = 1;
                    aus_tcpcl_recv_direct_done(&c->sess, got, now);
                    room = aus_tcpcl_recv_hint(&c->sess);
                    if (room > IN_CAP - c->in_len)
                        room = IN_CAP - c->in_len;
                    continue;
                }
                c->in_len += got;
                room -= got;
                if (c->rx_big) {
                    c->rx_big = 0;
                    return 1; /* let the session take the head before more is read */
                }
                continue;
            }
            int err = SSL_get_error(c->ssl, rc);
            if (err == SSL_ERROR_WANT_READ) {
                if (net_pull(c))
                    continue;
                c->tls_rd_blocked = 1;
                return moved;
            }
            if (err == SSL_ERROR_WANT_WRITE) { /* a post-handshake answer waits for room */
                (void)net_push(c);
                c->tls_rd_blocked = 1; /* POLLOUT wakes us: the pair holds ciphertext */
                return moved;
            }
            c->eof = 1;
            return 1;
        }
        return moved;
    } else {
        if (c->rd_dry)
            return 0;
        uint8_t *dst = c->in + c->in_len;
        int direct = 0;
        if (c->in_len == 0 && c->tls_phase == 0) {
            /* segment data straight into the transfer buffer: no copy through c->in */
            uint8_t *dp = NULL;
            size_t dn = aus_tcpcl_recv_direct(&c->sess, &dp);
            if (dn >= RX_DIRECT_MIN) {
                dst = dp;
                room = dn;
                direct = 1;
            } else if (c->rx_big && room > RX_PROBE) {
                /* the last segment was large: read a head's worth first, so that most of
                 * the next segment's data is read into place rather than copied */
                room = RX_PROBE;
            }
        }
        n = read(c->fd, dst, room);
        if (n < 0) {
            c->rd_dry = errno == EAGAIN || errno == EWOULDBLOCK;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            c->eof = 1;
            return 1;
        }
        if (n == 0) {
            c->eof = 1;
            return 1;
        }
        c->rx_big = direct;
        if (direct) {
            aus_tcpcl_recv_direct_done(&c->sess, (size_t)n, now);
            return 1;
        }
    }
    c->in_len += (size_t)n;
    (void)now;
    return 1;
}

static int do_feed(aus_tcpcl_conn *c, uint64_t now)
{
    if (c->in_len == 0)
        return 0;
    long k = aus_tcpcl_recv(&c->sess, c->in, c->in_len, now);
    if (k <= 0)
        return 0;
    memmove(c->in, c->in + k, c->in_len - (size_t)k);
    c->in_len -= (size_t)k;
    return 1;
}

/* Plain TCP: the bytes aus_tcpcl_send gave (ending with a segment's head) are all sent;
 * now that segment's data goes from the caller's bundle, with the bytes aus_tcpcl_send gives
 * next in the same sendmsg(), so a 1 MB bundle is never copied in user space. */
static int write_gather(aus_tcpcl_conn *c, uint64_t now)
{
    int moved = 0;
    for (;;) {
        const uint8_t *dp = NULL;
        size_t dn = aus_tcpcl_send_data(&c->sess, &dp);
        if (dn == 0)
            return moved;
        struct iovec iov[1];
        iov[0].iov_base = (void *)(uintptr_t)dp; /* sendmsg() only reads it */
        iov[0].iov_len = dn;
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = iov;
        mh.msg_iovlen = 1;
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                c->eof = c->wr_dead = 1;
            return moved;
        }
        aus_tcpcl_send_consumed(&c->sess, (size_t)w, now);
        moved = 1;
        if ((size_t)w < dn)
            return moved; /* the socket is full: POLLOUT brings us back */
    }
}

/* TLS: the same gather, sealing segment data straight from the caller's bundle into the pair
 * (no copy through c->out), and handing the records to the socket every TLS_PUSH bytes */
static int write_gather_tls(aus_tcpcl_conn *c, uint64_t now)
{
    int moved = 0;
    for (;;) {
        const uint8_t *dp = NULL;
        size_t dn = aus_tcpcl_send_data(&c->sess, &dp);
        if (dn == 0)
            return moved;
        if (dn > TLS_PUSH)
            dn = TLS_PUSH;
        size_t w = 0;
        int rc = SSL_write_ex(c->ssl, dp, dn, &w);
        if (rc != 1) {
            int err = SSL_get_error(c->ssl, rc);
            if (err == SSL_ERROR_WANT_WRITE && net_push(c)) {
                c->tx_unpushed = 0;
                continue;
            }
            if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
                c->eof = c->wr_dead = 1;
            return moved;
        }
        aus_tcpcl_send_consumed(&c->sess, w, now);
        moved = 1;
        c->tx_unpushed += w;
        if (c->tx_unpushed >= TLS_PUSH) {
            (void)net_push(c);
            c->tx_unpushed = 0;
        }
    }
}

static int do_write(aus_tcpcl_conn *c, uint64_t now)
{
    int moved = 0;
    aus_tcpcl_set_gather(&c->sess, c->tls_phase != 1);
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        long k = aus_tcpcl_send(&c->sess, c->out, OUT_CAP, now);
        if (k > 0)
            c->out_len = (size_t)k;
    }
    while (c->out_off < c->out_len) {
        size_t left = c->out_len - c->out_off;
        if (c->tls_phase == 2) {
            /* records go into the pair (one per call: partial-write mode); the pair goes to
             * the socket when it is full, and below when the buffer is done */
            size_t w = 0;
            int rc = SSL_write_ex(c->ssl, c->out + c->out_off, left, &w);
            if (rc != 1) {
                int err = SSL_get_error(c->ssl, rc);
                if (err == SSL_ERROR_WANT_WRITE && net_push(c))
                    continue;
                if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
                    c->eof = c->wr_dead = 1;
                return moved;
            }
            c->out_off += w;
        } else {
            ssize_t w = send(c->fd, c->out + c->out_off, left, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    c->eof = c->wr_dead = 1;
                return moved;
            }
            c->out_off += (size_t)w;
        }
        moved = 1;
    }
    if (c->tls_phase == 0)
        moved |= write_gather(c, now);
    else if (c->tls_phase == 2)
        moved |= write_gather_tls(c, now);
    if (c->nbio && net_push(c))
        moved = 1;
    c->tx_unpushed = 0;
    return moved;
}

void aus_tcpcl_conn_step(aus_tcpcl_conn *c, short revents, uint64_t now)
{
    if (c->done)
        return;
    c->rd_dry = 0; /* one recv() that found nothing is enough per step: poll() tells of more */
    if (c->closing) {
        drain_close(c, now);
        return;
    }
    if (c->connecting) {
        int err = 0;
        socklen_t l = sizeof err;
        if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
            goto timers;
        (void)getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            snprintf(c->why, sizeof c->why, "connect: %s", strerror(err));
            c->eof = 1;
            aus_tcpcl_peer_closed(&c->sess);
            finish(c, now);
            return;
        }
        c->connecting = 0;
    }
    for (int round = 0; round < 64; round++) {
        int moved = 0;
        if (aus_tcpcl_state_of(&c->sess) == AUS_TCPCL_S_TLS && c->out_off == c->out_len &&
            !aus_tcpcl_want_send(&c->sess)) {
            int ph = c->tls_phase;
            tls_step(c, now);
            if (c->tls_phase != 1 || ph == 0)
                moved = c->tls_phase != 1;
            if (c->tls_phase == 1)
                break;
        }
        moved |= do_read(c, now);
        moved |= do_feed(c, now);
        moved |= do_write(c, now);
        if (c->eof && aus_tcpcl_state_of(&c->sess) != AUS_TCPCL_S_CLOSED) {
            aus_tcpcl_peer_closed(&c->sess);
            moved = 1;
        } else if (c->wr_dead && aus_tcpcl_want_send(&c->sess)) {
            /* closed, and the rest of its flush can never be written: the session drops it
             * and reports the transfer it carried NOT_SENT (otherwise want_send stays 1) */
            aus_tcpcl_peer_closed(&c->sess);
        }
        if (aus_tcpcl_state_of(&c->sess) == AUS_TCPCL_S_CLOSED &&
            (c->out_off == c->out_len || c->eof) && !aus_tcpcl_want_send(&c->sess)) {
            finish(c, now);
            return;
        }
        if (!moved)
            break;
    }
timers:
    if (now >= aus_tcpcl_expiry(&c->sess)) {
        aus_tcpcl_on_timer(&c->sess, now);
        (void)do_write(c, now);
        if (aus_tcpcl_state_of(&c->sess) == AUS_TCPCL_S_CLOSED && c->out_off == c->out_len)
            finish(c, now);
    }
}

void aus_tcpcl_conn_free(aus_tcpcl_conn *c)
{
    /* a closed session still flushing a segment reports its transfer NOT_SENT now (its bundle
     * is no longer read); an open one is left as it is, as before */
    if (c->rxbuf && aus_tcpcl_state_of(&c->sess) == AUS_TCPCL_S_CLOSED)
        aus_tcpcl_peer_closed(&c->sess);
    if (c->ssl)
        SSL_free(c->ssl); /* and its end of the pair */
    if (c->nbio)
        BIO_free(c->nbio);
    c->nbio = NULL;
    if (c->fd >= 0)
        close(c->fd);
    free(c->rxbuf);
    free(c->in);
    free(c->out);
    c->ssl = NULL;
    c->fd = -1;
    c->rxbuf = c->in = c->out = NULL;
}

const char *aus_tcpcl_conn_why(const aus_tcpcl_conn *c)
{
    return c->why[0] ? c->why : aus_tcpcl_why(&c->sess);
}

aus_err aus_tcpcl_listen(const char *host, const char *port, int *fd)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return AUS_E_IO;
    int s = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (s < 0) {
        freeaddrinfo(res);
        return AUS_E_IO;
    }
    int one = 1;
    (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, 128) != 0) {
        freeaddrinfo(res);
        close(s);
        return AUS_E_IO;
    }
    freeaddrinfo(res);
    int fl = fcntl(s, F_GETFL);
    (void)fcntl(s, F_SETFL, fl | O_NONBLOCK);
    *fd = s;
    return AUS_OK;
}
