/* SPDX-License-Identifier: Apache-2.0 */
/* port/posix TCPCLv4 connections (tcpcl_posix.c) over loopback, both ends stepped in this one
 * process, so nothing depends on timing:
 *  - a session user with no receiver (a send-only tool) refuses a transfer with XFER_REFUSE Not
 *    Acceptable (RFC 9174 §5.2.4) instead of acknowledging it and dropping it;
 *  - the exact bytes of bundles from 1 byte to 1 MiB + 1, in segments large and small, without
 *    and with TLS 1.3 (the zero-copy paths: segment data sent from the caller's bundle, and read
 *    or opened straight into the transfer buffer). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "tcpcl_posix.h"
#include "tls_gcm.h"

#define NB 9
static const size_t sizes[NB] = {1,         100,    16383,           16384, 16385,
                                 65536 + 7, 300000, (1u << 20) + 1u, 4096};

typedef struct side {
    int outcome[NB]; /* -1 until on_sent */
    uint8_t reason[NB];
    int got; /* bundles received */
    int bad; /* bundles received whose bytes differ */
} side;

static uint8_t *data[NB];

static aus_err rx_check(void *ud, uint64_t id, const uint8_t *p, size_t n)
{
    side *s = ud;
    (void)id;
    int k = s->got++;
    if (k >= NB || n != sizes[k] || memcmp(p, data[k], n) != 0)
        s->bad++;
    return AUS_OK;
}

static void tx_done(void *ud, void *tag, aus_tcpcl_outcome o, uint8_t reason)
{
    side *s = ud;
    size_t k = (size_t)(uintptr_t)tag;
    s->outcome[k] = (int)o;
    s->reason[k] = reason;
}

static aus_tcpcl_cfg cfg_for(int active, int tls, uint64_t seg_max)
{
    aus_tcpcl_cfg c;
    memset(&c, 0, sizeof c);
    c.active = (uint8_t)active;
    c.can_tls = (uint8_t)tls;
    c.seg_mru = 1u << 20;
    c.xfer_mru = 2u << 20;
    c.seg_max = seg_max;
    c.node_id = active ? "ipn:1.0" : "ipn:2.0";
    c.setup_ms = 60000;
    return c;
}

static int listener(char *port, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    snprintf(port, cap, "%u", ntohs(a.sin_port));
    return fd;
}

/* step both connections until both are done; pushes n bundles from `from` once established
 * and ends the session when every one has an outcome. A hang guard only (60 s), never a
 * pass/fail on speed. */
static void run(aus_tcpcl_conn *a, aus_tcpcl_conn *b, aus_tcpcl_conn *from, side *fs, int n)
{
    int pushed = 0, term = 0;
    uint64_t t0 = aus_tcpcl_now_ms();
    while (!a->done || !b->done) {
        assert_true(aus_tcpcl_now_ms() - t0 < 60000);
        if (aus_tcpcl_state_of(&from->sess) == AUS_TCPCL_S_EST) {
            while (pushed < n && aus_tcpcl_xfer_push(&from->sess, data[pushed], sizes[pushed],
                                                     (void *)(uintptr_t)pushed) == AUS_OK)
                pushed++;
            int out = 0;
            for (int k = 0; k < n; k++)
                out += fs->outcome[k] >= 0;
            if (out == n && !term) {
                aus_tcpcl_terminate(&from->sess, AUS_TCPCL_TERM_UNKNOWN, aus_tcpcl_now_ms());
                term = 1;
            }
        }
        aus_tcpcl_conn *cs[2] = {a, b};
        struct pollfd p[2];
        int tmo = 100;
        uint64_t now = aus_tcpcl_now_ms();
        for (int i = 0; i < 2; i++) {
            int t;
            p[i].fd = cs[i]->done ? -1 : cs[i]->fd;
            p[i].events = cs[i]->done ? 0 : aus_tcpcl_conn_events(cs[i], now, &t);
            p[i].revents = 0;
            if (!cs[i]->done && t >= 0 && t < tmo)
                tmo = t;
        }
        (void)poll(p, 2, tmo);
        for (int i = 0; i < 2; i++)
            if (!cs[i]->done)
                aus_tcpcl_conn_step(cs[i], p[i].revents, aus_tcpcl_now_ms());
    }
}

/* a: active, b: passive; tls: both offer it (b presents a certificate) */
static void open_pair(aus_tcpcl_conn *a, aus_tcpcl_conn *b, const aus_tcpcl_ops *oa, side *sa,
                      const aus_tcpcl_ops *ob, side *sb, struct ssl_ctx_st *cctx,
                      struct ssl_ctx_st *sctx, uint64_t seg_max)
{
    char port[16];
    int lfd = listener(port, sizeof port);
    aus_tcpcl_cfg ca = cfg_for(1, cctx != NULL, seg_max), cb = cfg_for(0, sctx != NULL, seg_max);
    assert_int_equal(
        aus_tcpcl_conn_connect(a, "127.0.0.1", port, &ca, oa, sa, cctx, 0, aus_tcpcl_now_ms()),
        AUS_OK);
    int fd = accept(lfd, NULL, NULL);
    assert_true(fd >= 0);
    close(lfd);
    assert_int_equal(aus_tcpcl_conn_accept(b, fd, &cb, ob, sb, sctx, 0, aus_tcpcl_now_ms()),
                     AUS_OK);
}

static void side_init(side *s)
{
    memset(s, 0, sizeof *s);
    for (int k = 0; k < NB; k++)
        s->outcome[k] = -1;
}

/* The passive side sends to an active user that has no receiver (on_bundle NULL, as `tcpcl
 * send` and the daemons' send-only sessions): the transfer is refused, Not Acceptable, and the
 * sender still holds it. Acknowledging it would have lost the bundle. */
static void test_sendonly_refuses(void **st)
{
    (void)st;
    static aus_tcpcl_conn a, b;
    side sa, sb;
    side_init(&sa);
    side_init(&sb);
    aus_tcpcl_ops oa = {NULL, tx_done, NULL}, ob = {rx_check, tx_done, NULL};
    open_pair(&a, &b, &oa, &sa, &ob, &sb, NULL, NULL, 0);
    run(&a, &b, &b, &sb, 2);
    assert_int_equal(sb.outcome[0], AUS_TCPCL_REFUSED);
    assert_int_equal(sb.reason[0], AUS_TCPCL_REFUSE_NOT_ACCEPTABLE);
    assert_int_equal(sb.outcome[1], AUS_TCPCL_REFUSED);
    assert_int_equal(sb.reason[1], AUS_TCPCL_REFUSE_NOT_ACCEPTABLE);
    assert_int_equal(a.sess.st.rx_bundles, 0);
    aus_tcpcl_conn_free(&a);
    aus_tcpcl_conn_free(&b);
}

static void exact_bytes(struct ssl_ctx_st *cctx, struct ssl_ctx_st *sctx, uint64_t seg_max)
{
    static aus_tcpcl_conn a, b;
    side sa, sb;
    side_init(&sa);
    side_init(&sb);
    aus_tcpcl_ops oa = {NULL, tx_done, NULL}, ob = {rx_check, tx_done, NULL};
    open_pair(&a, &b, &oa, &sa, &ob, &sb, cctx, sctx, seg_max);
    run(&a, &b, &a, &sa, NB);
    for (int k = 0; k < NB; k++)
        assert_int_equal(sa.outcome[k], AUS_TCPCL_ACKED);
    assert_int_equal(sb.got, NB);
    assert_int_equal(sb.bad, 0);
    if (cctx) {
        /* the suite our side prefers, the cheapest with AES instructions (docs/tcpcl.md) */
        assert_non_null(a.ssl);
        assert_string_equal(SSL_CIPHER_get_name(SSL_get_current_cipher(a.ssl)),
                            "TLS_AES_128_GCM_SHA256");
        assert_string_equal(SSL_CIPHER_get_name(SSL_get_current_cipher(b.ssl)),
                            "TLS_AES_128_GCM_SHA256");
    }
    aus_tcpcl_conn_free(&a);
    aus_tcpcl_conn_free(&b);
}

static void test_exact_bytes_plain(void **st)
{
    (void)st;
    exact_bytes(NULL, NULL, 0);
    exact_bytes(NULL, NULL, 20000); /* segments of 20 000 bytes: many heads among the data */
}

static void test_exact_bytes_tls(void **st)
{
    (void)st;
    char dir[] = "/tmp/test_tcpcl_conn.XXXXXX", cmd[1024], c[300], k[300], why[300];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
             "%s/k.pem -out %s/c.pem -days 1 -subj /CN=t -addext subjectAltName=URI:ipn:2.0 "
             ">/dev/null 2>&1",
             dir, dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        (void)!system(cmd);
        skip(); /* no openssl CLI */
    }
    snprintf(c, sizeof c, "%s/c.pem", dir);
    snprintf(k, sizeof k, "%s/k.pem", dir);
    struct ssl_ctx_st *sctx = NULL, *cctx = NULL;
    aus_tcpcl_tls_opts so = {c, k, NULL}, co = {NULL, NULL, NULL};
    assert_int_equal(aus_tcpcl_tls_ctx(&sctx, &so, 1, why, sizeof why), AUS_OK);
    assert_int_equal(aus_tcpcl_tls_ctx(&cctx, &co, 0, why, sizeof why), AUS_OK);
    exact_bytes(cctx, sctx, 0);
    exact_bytes(cctx, sctx, 20000);
    /* the records our contexts seal and open (tls_gcm.c: ipsec-mb's AES-GCM where there is one)
     * against a peer on OpenSSL's own default context and its own AES-GCM, both ways */
    SSL_CTX *oc = SSL_CTX_new(TLS_client_method()), *os = SSL_CTX_new(TLS_server_method());
    assert_non_null(oc);
    assert_non_null(os);
    assert_int_equal(SSL_CTX_set_min_proto_version(oc, TLS1_3_VERSION), 1);
    assert_int_equal(SSL_CTX_set_min_proto_version(os, TLS1_3_VERSION), 1);
    assert_int_equal(SSL_CTX_set_ciphersuites(oc, "TLS_AES_128_GCM_SHA256"), 1);
    assert_int_equal(SSL_CTX_use_certificate_chain_file(os, c), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(os, k, SSL_FILETYPE_PEM), 1);
    printf("TLS records: AES-GCM from %s\n", aus_tls_gcm_name());
    exact_bytes(oc, sctx, 0);
    exact_bytes(cctx, os, 20000);
    SSL_CTX_free(oc);
    SSL_CTX_free(os);
    aus_tcpcl_tls_ctx_free(sctx);
    aus_tcpcl_tls_ctx_free(cctx);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)!system(cmd);
}

static int setup(void **st)
{
    (void)st;
    for (int k = 0; k < NB; k++) {
        data[k] = malloc(sizes[k]);
        if (!data[k])
            return -1;
        for (size_t i = 0; i < sizes[k]; i++)
            data[k][i] = (uint8_t)((i * 131u + (size_t)k * 7u) ^ (i >> 9));
    }
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    for (int k = 0; k < NB; k++)
        free(data[k]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sendonly_refuses),
        cmocka_unit_test(test_exact_bytes_plain),
        cmocka_unit_test(test_exact_bytes_tls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
