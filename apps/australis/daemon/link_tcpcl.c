/* SPDX-License-Identifier: Apache-2.0 */
/* link = tcpcl and the gateway's TCPCL peers: the carrier thread (link_tcpcl.h says why a
 * thread and the folders). RFC 9174 sessions through port/posix/tcpcl_posix.c.
 *
 * Sessions: passive ones (accepted on [tcpcl] listen, at most max_sessions; more connections
 * are closed at once and counted), one active session to the daemon peer ([tcpcl] peer:
 * reconnect with back-off, 100 ms doubling to reconnect_max_s, reset once a session is up),
 * and active sessions to terrestrial nodes that have answers waiting ([tcpcl] gw_peer.N; the
 * same back-off per node). A peer is taken only with a node ID we know (SESS_INIT, §4.6; with
 * [tcpcl] tls_ca also the certificate's, §4.4.4): the daemon peer ipn:<peer>.0 or a node the
 * gateway allows; any other ends with SESS_TERM Contact Failure. Each session holds one
 * receive buffer of min(xfer_mru, [link] max_bundle) octets, so memory is bounded by the
 * session bound; nothing one session does waits for another.
 *
 * Received bundles are acknowledged only once durable (exactly-once across a crash). With
 * [tcpcl] ack_batch > 1 the transfers that arrive in one pass over the sessions share one sync:
 * each is written to NAME.tmp without fsync and its final XFER_ACK held (on_bundle AGAIN); at
 * the end of the pass one syncfs() per folder's file system makes every staged file durable,
 * the files are renamed to their names, one fsync() per folder makes the names durable, and
 * only then the held ACKs go out (aus_tcpcl_ack_release). A failure refuses them all (No
 * Resources): the sender keeps them, and what did reach its name is found again as a
 * duplicate. ack_batch = 1 syncs each transfer before its ACK.
 */
#define _GNU_SOURCE
#include "link_tcpcl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "australis/bpv7.h"
#include "australis/cl.h"
#include "util.h"
#include "link.h"
#include "../../../port/posix/posix_io.h"
#include "../../../port/posix/tcpcl_posix.h"

#define MAX_ITEMS 256      /* outgoing files read and in a session at once */
#define HOLD_MS 2000       /* a refused link bundle is offered again after this */
#define STOP_FLUSH_MS 1000 /* at stop: final ACKs and SESS_TERM go out, bounded */
#define PEND_MAX 256       /* received files staged for one shared sync */

typedef struct slot {
    aus_tcpcl_conn c;
    int used;
    int kind;           /* 0 passive, 1 active to the daemon peer, 2 active to a gateway peer */
    uint64_t want_node; /* kind 1/2: the node we called */
    uint64_t peer_node; /* the node ID the peer announced (0: none yet / not ipn) */
    int up;             /* reached ESTABLISHED */
    struct dmn_carrier *car;
} slot;

typedef struct pend {
    int dirfd;
    char name[AUS_CL_NAME_MAX], tmp[AUS_CL_NAME_MAX + 16];
} pend;

typedef struct item {
    int used;
    int dir; /* 0 outgoing folder, 1 gateway out spool */
    char name[AUS_CL_NAME_MAX];
    uint8_t *data;
    size_t len;
    uint64_t hold_until; /* refused: not offered again before this (data NULL meanwhile) */
} item;

typedef struct backoff {
    uint64_t next, ms;
} backoff;

struct dmn_carrier {
    dmn_carrier_cfg cfg;
    dmn_net net;
    pthread_t th;
    int started;
    volatile int stop;
    pthread_mutex_t mu;
    dmn_carrier_stats st, pub;
    int in_fd, out_fd, gwin_fd, gwout_fd, lfd, ino;
    struct ssl_ctx_st *srv, *cli;
    int has_ca;
    char node_id[DMN_NET_NODEID];
    slot *slots;
    size_t nslots, npassive;
    item items[MAX_ITEMS];
    backoff link_bo, gw_bo[DMN_GW_PEERS];
    uint64_t ctr;
    int rescan;
    pend pend[PEND_MAX]; /* staged, not yet durable: their final ACKs are held */
    size_t npend;
};

/* ---------------------------------------------------------------- received bundles */

/* stage != NULL: write NAME.tmp without fsync and leave the rename to the caller (its names
 * in *stage); a NAME already staged there (the same bundle twice in one batch) is a dup */
static int store(int dirfd, const uint8_t *p, size_t n, uint64_t want_src, uint64_t *ctr, int *dup,
                 pend *stage, const pend *staged, size_t nstaged)
{
    char name[AUS_CL_NAME_MAX], tmp[AUS_CL_NAME_MAX + 16];
    aus_bpv7_bundle *b = malloc(sizeof *b);
    *dup = 0;
    int named = b && aus_bpv7_decode(b, p, n, 0) == AUS_OK;
    if (want_src &&
        (!named || b->pri.src.scheme != AUS_EID_SCHEME_IPN || b->pri.src.node != want_src)) {
        free(b);
        return -2; /* a terrestrial peer speaks for its own node only */
    }
    /* RFC 9171 §4.2.7: (creation time, sequence number) is unique per source; the name's
     * 64-bit number packs both (ms since 2000 fit in 44 bits, a sequence within one ms in
     * 20), so the same bundle sent again finds its file and names sort by creation */
    if (named && b->pri.src.scheme == AUS_EID_SCHEME_IPN && b->pri.seq < (1u << 20) &&
        b->pri.ctime < ((uint64_t)1 << 44) &&
        aus_cl_folder_name(name, sizeof name, b->pri.src.node, b->pri.ctime << 20 | b->pri.seq) ==
            AUS_OK) {
    } else {
        /* not a bundle we can name: an odd name, so the node quarantines it with a log line */
        snprintf(name, sizeof name, "x%016llx-%08llx.rx", (unsigned long long)aus_tcpcl_now_ms(),
                 (unsigned long long)++*ctr);
    }
    free(b);
    snprintf(tmp, sizeof tmp, "%s%s", name, AUS_CL_TMP_SUFFIX);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        *dup = 1; /* still waiting from an earlier session: the same bytes */
        return 0;
    }
    for (size_t i = 0; i < nstaged; i++)
        if (staged[i].dirfd == dirfd && !strcmp(staged[i].name, name)) {
            *dup = 1; /* staged in this batch: the same bytes */
            return 0;
        }
    (void)unlinkat(dirfd, tmp, 0);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    /* aus_posix_write_all ends with fsync(fd); a staged file is made durable by the batch's
     * one syncfs() instead (flush_rx), so it is written without one */
    int ok = (stage ? aus_posix_write_full(fd, p, n) : aus_posix_write_all(fd, p, n)) == AUS_OK;
    close(fd);
    if (ok && stage) {
        stage->dirfd = dirfd;
        memcpy(stage->name, name, sizeof stage->name);
        memcpy(stage->tmp, tmp, sizeof stage->tmp);
        return 0;
    }
    if (!ok || renameat(dirfd, tmp, dirfd, name) != 0 || fsync(dirfd) != 0) {
        (void)unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

int dmn_carrier_store(int dirfd, const uint8_t *p, size_t n, uint64_t want_src, uint64_t *ctr,
                      int *dup)
{
    return store(dirfd, p, n, want_src, ctr, dup, NULL, NULL, 0);
}

/* "ipn:N.S" -> N (0 for anything else) */
static uint64_t ipn_node(const uint8_t *id, size_t n)
{
    if (n < 6 || memcmp(id, "ipn:", 4))
        return 0;
    uint64_t v = 0;
    size_t i = 4;
    for (; i < n && id[i] >= '0' && id[i] <= '9' && i < 24; i++)
        v = v * 10 + (uint64_t)(id[i] - '0');
    if (i == 4 || i >= n || id[i] != '.')
        return 0;
    for (i++; i < n; i++)
        if (id[i] < '0' || id[i] > '9')
            return 0;
    return v;
}

static int gw_allowed(const struct dmn_carrier *c, uint64_t node)
{
    const dmn_gw_peer *p = c->cfg.gw_in ? dmn_net_peer(&c->net, node) : NULL;
    return p && p->services;
}

static aus_err on_check(void *ud, const uint8_t *id, size_t n)
{
    slot *s = ud;
    struct dmn_carrier *c = s->car;
    uint64_t node = ipn_node(id, n);
    s->peer_node = node;
    int ok = node && ((c->cfg.link && node == c->cfg.peer) || gw_allowed(c, node));
    if (ok && s->kind && node != s->want_node)
        ok = 0; /* we called someone else */
    if (!ok) {
        c->st.sessions_refused++;
        dmn_log("tcpcl: refused a session from node ID %.*s: not a configured peer", (int)n,
                (const char *)id);
        return AUS_E_POLICY;
    }
    return AUS_OK;
}

static aus_err on_bundle(void *ud, uint64_t xid, const uint8_t *p, size_t n)
{
    slot *s = ud;
    struct dmn_carrier *c = s->car;
    (void)xid;
    int fd = c->cfg.link && s->peer_node == c->cfg.peer ? c->in_fd
             : gw_allowed(c, s->peer_node)              ? c->gwin_fd
                                                        : -1;
    if (fd < 0) {
        c->st.rx_refused++;
        return AUS_E_POLICY;
    }
    int dup = 0;
    /* one shared sync for this pass's transfers (see the top of the file), unless the batch
     * is off or full */
    int defer = c->net.ack_batch > 1 && c->npend < PEND_MAX &&
                aus_tcpcl_acks_held(&s->c.sess) < c->net.ack_batch;
    pend *pe = defer ? &c->pend[c->npend] : NULL;
    int r =
        store(fd, p, n, fd == c->gwin_fd ? s->peer_node : 0, &c->ctr, &dup, pe, c->pend, c->npend);
    if (r == -2) {
        c->st.rx_refused++;
        dmn_log("tcpcl: ipn:%llu sent a bundle whose source is another node: refused (Not "
                "Acceptable)",
                (unsigned long long)s->peer_node);
        return AUS_E_POLICY;
    }
    if (r != 0) {
        c->st.rx_refused++;
        dmn_log("tcpcl: cannot store a bundle of %zu bytes from ipn:%llu: %s (refused: No "
                "Resources)",
                n, (unsigned long long)s->peer_node, strerror(errno));
        return AUS_E_IO;
    }
    if (pe && !dup) {
        c->npend++;
        return AUS_E_AGAIN; /* the final ACK waits for flush_rx */
    }
    c->st.rx_bundles++;
    c->st.rx_dup += (uint64_t)dup;
    return AUS_OK;
}

/* The staged files durable, then named, then their held ACKs out (or all refused). */
static void flush_rx(struct dmn_carrier *c, uint64_t now)
{
    int dirs[2] = {-1, -1};
    size_t nd = 0;
    int ok = 1;
    if (!c->npend)
        return;
    for (size_t i = 0; i < c->npend; i++)
        if (nd < 2 && dirs[0] != c->pend[i].dirfd && dirs[1] != c->pend[i].dirfd)
            dirs[nd++] = c->pend[i].dirfd;
    /* the data of every staged file: one sync of each folder's file system (all the dirty
     * data there, so one journal commit instead of one per file) */
    for (size_t d = 0; d < nd; d++)
        if (syncfs(dirs[d]) != 0)
            ok = 0;
    for (size_t i = 0; i < c->npend; i++) {
        pend *pe = &c->pend[i];
        if (!ok || renameat(pe->dirfd, pe->tmp, pe->dirfd, pe->name) != 0) {
            ok = 0;
            (void)unlinkat(pe->dirfd, pe->tmp, 0);
        }
    }
    for (size_t d = 0; d < nd; d++)
        if (fsync(dirs[d]) != 0)
            ok = 0;
    if (ok)
        c->st.rx_bundles += c->npend;
    else {
        c->st.rx_refused += c->npend;
        dmn_log("tcpcl: cannot make %zu received bundles durable: %s (refused: No Resources)",
                c->npend, strerror(errno));
    }
    c->npend = 0;
    for (size_t i = 0; i < c->nslots; i++)
        if (c->slots[i].used && aus_tcpcl_acks_held(&c->slots[i].c.sess))
            aus_tcpcl_ack_release(&c->slots[i].c.sess, ok, now);
}

static int dir_of(struct dmn_carrier *c, int dir) { return dir ? c->gwout_fd : c->out_fd; }

static void on_sent(void *ud, void *tag, aus_tcpcl_outcome oc, uint8_t reason)
{
    slot *s = ud;
    struct dmn_carrier *c = s->car;
    item *it = tag;
    free(it->data);
    it->data = NULL;
    if (oc == AUS_TCPCL_ACKED) {
        /* the peer holds it durably (its final XFER_ACK): only now the file goes */
        int fd = dir_of(c, it->dir);
        if (unlinkat(fd, it->name, 0) != 0 && errno != ENOENT)
            dmn_log("tcpcl: cannot remove %s: %s", it->name, strerror(errno));
        (void)fsync(fd);
        c->st.tx_bundles++;
        it->used = 0;
        return;
    }
    if (oc == AUS_TCPCL_REFUSED) {
        dmn_log("tcpcl: ipn:%llu refused %s: %s%s", (unsigned long long)s->peer_node, it->name,
                aus_tcpcl_refuse_name(reason),
                it->dir ? " (answer dropped)" : " (offered again later)");
        if (it->dir) {
            (void)unlinkat(c->gwout_fd, it->name, 0);
            it->used = 0;
        } else
            it->hold_until = aus_tcpcl_now_ms() + HOLD_MS;
        return;
    }
    c->st.tx_retries++; /* the session ended first: the file stays and goes again */
    it->used = 0;
}

/* ---------------------------------------------------------------- sessions */

static aus_tcpcl_cfg sess_cfg(const struct dmn_carrier *c, int active)
{
    aus_tcpcl_cfg k;
    memset(&k, 0, sizeof k);
    k.active = (uint8_t)active;
    k.can_tls = k.require_tls = c->srv != NULL;
    k.keepalive_s = (uint16_t)c->net.keepalive_s;
    k.seg_mru = c->net.seg_mru;
    k.xfer_mru = c->net.xfer_mru < c->cfg.max_bundle ? c->net.xfer_mru : c->cfg.max_bundle;
    k.node_id = c->node_id;
    k.setup_ms = 10000;
    return k;
}

static const aus_tcpcl_ops sess_ops = {on_bundle, on_sent, on_check};

static slot *free_slot(struct dmn_carrier *c, int passive)
{
    size_t lo = passive ? 0 : c->npassive, hi = passive ? c->npassive : c->nslots;
    for (size_t i = lo; i < hi; i++)
        if (!c->slots[i].used)
            return &c->slots[i];
    return NULL;
}

static void accept_all(struct dmn_carrier *c, uint64_t now)
{
    for (int acc = 0; acc < 64; acc++) {
        int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        slot *s = free_slot(c, 1);
        if (!s) { /* bounded: every passive slot busy */
            c->st.conn_refused++;
            close(fd);
            continue;
        }
        aus_tcpcl_cfg k = sess_cfg(c, 0);
        memset(s, 0, sizeof *s);
        s->car = c;
        if (aus_tcpcl_conn_accept(&s->c, fd, &k, &sess_ops, s, c->srv, c->has_ca, now) != AUS_OK) {
            aus_tcpcl_conn_free(&s->c);
            continue;
        }
        s->used = 1;
        c->st.sessions++;
    }
}

static void dial(struct dmn_carrier *c, int kind, uint64_t node, const char *addr, backoff *bo,
                 uint64_t now)
{
    if (now < bo->next)
        return;
    for (size_t i = c->npassive; i < c->nslots; i++)
        if (c->slots[i].used && c->slots[i].kind == kind && c->slots[i].want_node == node)
            return; /* already calling or connected */
    slot *s = free_slot(c, 0);
    char host[DMN_NET_ADDR], port[8];
    if (!s || dmn_net_split(addr, host, sizeof host, port, sizeof port) != 0)
        return;
    aus_tcpcl_cfg k = sess_cfg(c, 1);
    memset(s, 0, sizeof *s);
    s->car = c;
    s->kind = kind;
    s->want_node = node;
    c->st.connects++;
    /* the next try waits: doubled after a failure, reset once a session was up */
    bo->ms = bo->ms ? bo->ms : 100;
    bo->next = now + bo->ms;
    if (aus_tcpcl_conn_connect(&s->c, host, port, &k, &sess_ops, s, c->cli, c->has_ca, now) !=
        AUS_OK) {
        c->st.connect_fail++;
        aus_tcpcl_conn_free(&s->c);
        uint64_t max = c->net.reconnect_max_s * 1000u;
        bo->ms = bo->ms * 2 > max ? max : bo->ms * 2;
        return;
    }
    s->used = 1;
}

static void slot_done(struct dmn_carrier *c, slot *s)
{
    if (s->kind) {
        backoff *bo = &c->link_bo;
        if (s->kind == 2)
            for (size_t i = 0; i < c->net.npeer; i++)
                if (c->net.peer[i].node == s->want_node)
                    bo = &c->gw_bo[i];
        uint64_t max = c->net.reconnect_max_s * 1000u;
        if (s->up)
            bo->ms = 100; /* it worked: the next try soon */
        else {
            bo->ms = bo->ms * 2 > max ? max : bo->ms * 2;
            c->st.connect_fail++;
        }
        bo->next = aus_tcpcl_now_ms() + bo->ms;
    }
    if (s->c.sess.close_why != AUS_TCPCL_WHY_TERM || s->kind)
        dmn_log("tcpcl: session with %s ended: %s",
                s->peer_node ? "a peer" : "an unidentified peer", aus_tcpcl_conn_why(&s->c));
    aus_tcpcl_conn_free(&s->c);
    s->used = 0;
    c->rescan = 1;
}

/* The established session to node, or NULL. */
/* An established session with node; kind -1: any, else only that kind. A gateway answer goes
 * only over a session we opened to the node's configured address (kind 2): a session the node
 * opened to us may be a send-only tool's, which cannot keep what it is given. */
static slot *session_to(struct dmn_carrier *c, uint64_t node, int kind)
{
    for (size_t i = 0; i < c->nslots; i++) {
        slot *s = &c->slots[i];
        if (s->used && !s->c.done && s->peer_node == node && (kind < 0 || s->kind == kind) &&
            aus_tcpcl_state_of(&s->c.sess) == AUS_TCPCL_S_EST)
            return s;
    }
    return NULL;
}

/* ---------------------------------------------------------------- outgoing files */

static int in_flight(struct dmn_carrier *c, int dir, const char *name, uint64_t now)
{
    for (size_t i = 0; i < MAX_ITEMS; i++) {
        item *it = &c->items[i];
        if (it->used && it->dir == dir && !strcmp(it->name, name)) {
            if (!it->data && now >= it->hold_until) {
                it->used = 0; /* hold over: offer it again */
                return 0;
            }
            return 1;
        }
    }
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return aus_cl_folder_cmp(*(const char *const *)a, *(const char *const *)b);
}

uint8_t *dmn_carrier_read(int dirfd, const char *name, size_t max, size_t *len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    uint8_t *p = NULL;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= max && (p = malloc((size_t)st.st_size)) != NULL) {
        size_t at = 0, want = (size_t)st.st_size;
        while (at < want) {
            ssize_t r = read(fd, p + at, want - at);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            at += (size_t)r;
        }
        if (at != want) {
            free(p);
            p = NULL;
        } else
            *len = want;
    }
    close(fd);
    return p;
}

/* Push the waiting files of one folder into the sessions that carry them. */
static void offer(struct dmn_carrier *c, int dir, uint64_t now)
{
    int dirfd = dir_of(c, dir);
    if (dirfd < 0)
        return;
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    char *names[MAX_ITEMS];
    size_t n = 0;
    struct dirent *e;
    while (n < MAX_ITEMS && (e = readdir(d)) != NULL) {
        aus_cl_kind k = aus_cl_folder_classify(e->d_name);
        if (k != AUS_CL_BUNDLE || in_flight(c, dir, e->d_name, now))
            continue;
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        uint64_t node = 0, seq = 0;
        slot *s = NULL;
        if (dir == 0)
            s = c->cfg.link ? session_to(c, c->cfg.peer, -1) : NULL;
        else if (aus_cl_folder_parse(names[i], &node, &seq) == AUS_OK) {
            const dmn_gw_peer *p = dmn_net_peer(&c->net, node);
            if (!p || !p->tcp[0]) {
                /* never to a node that is not configured (gateway.c names only those) */
                dmn_log("tcpcl: %s names ipn:%llu, which has no [tcpcl] gw_peer: dropped", names[i],
                        (unsigned long long)node);
                (void)unlinkat(dirfd, names[i], 0);
            } else if (!(s = session_to(c, node, 2)))
                dial(c, 2, node, p->tcp, &c->gw_bo[p - c->net.peer], now);
        }
        item *it = NULL;
        for (size_t k = 0; s && k < MAX_ITEMS && !it; k++)
            if (!c->items[k].used)
                it = &c->items[k];
        if (s && it && aus_tcpcl_xfer_pending(&s->c.sess) < AUS_TCPCL_TXQ) {
            memset(it, 0, sizeof *it);
            snprintf(it->name, sizeof it->name, "%s", names[i]);
            it->dir = dir;
            it->data = dmn_carrier_read(dirfd, names[i], c->cfg.max_bundle, &it->len);
            if (!it->data) {
                dmn_log("tcpcl: %s cannot be read as a bundle file (not regular, empty or over "
                        "max_bundle): removed",
                        names[i]);
                (void)unlinkat(dirfd, names[i], 0);
            } else {
                it->used = 1;
                aus_err er = aus_tcpcl_xfer_push(&s->c.sess, it->data, it->len, it);
                if (er != AUS_OK) {
                    if (er == AUS_E_LIMIT)
                        dmn_log("tcpcl: %s (%zu bytes) is larger than the peer's Transfer MRU "
                                "(%llu): held",
                                names[i], it->len, (unsigned long long)s->c.sess.peer_xfer_mru);
                    free(it->data);
                    it->data = NULL;
                    it->hold_until = now + HOLD_MS * (er == AUS_E_LIMIT ? 30 : 1);
                }
            }
        }
        free(names[i]);
    }
}

/* ---------------------------------------------------------------- the thread */

static void step_all(struct dmn_carrier *c, int tmo_max)
{
    struct pollfd pf[2 + 1024 + 1 + DMN_GW_PEERS];
    size_t map[sizeof pf / sizeof pf[0]];
    size_t np = 0;
    uint64_t now = aus_tcpcl_now_ms();
    int tmo = tmo_max;
    if (c->lfd >= 0 && !c->stop) {
        pf[np] = (struct pollfd){c->lfd, POLLIN, 0};
        map[np++] = SIZE_MAX;
    }
    if (c->ino >= 0) {
        pf[np] = (struct pollfd){c->ino, POLLIN, 0};
        map[np++] = SIZE_MAX - 1;
    }
    for (size_t i = 0; i < c->nslots; i++) {
        slot *s = &c->slots[i];
        if (!s->used)
            continue;
        int t;
        pf[np] = (struct pollfd){s->c.fd, aus_tcpcl_conn_events(&s->c, now, &t), 0};
        if (t >= 0 && t < tmo)
            tmo = t;
        map[np++] = i;
    }
    if (poll(pf, np, tmo) < 0 && errno != EINTR)
        return;
    now = aus_tcpcl_now_ms();
    for (size_t k = 0; k < np; k++) {
        if (map[k] == SIZE_MAX) {
            if (pf[k].revents & POLLIN)
                accept_all(c, now);
            continue;
        }
        if (map[k] == SIZE_MAX - 1) {
            char ev[4096];
            if (pf[k].revents & POLLIN)
                while (read(c->ino, ev, sizeof ev) > 0)
                    c->rescan = 1;
            continue;
        }
        slot *s = &c->slots[map[k]];
        aus_tcpcl_conn_step(&s->c, pf[k].revents, now);
        if (!s->up && aus_tcpcl_state_of(&s->c.sess) == AUS_TCPCL_S_EST) {
            s->up = 1;
            c->rescan = 1; /* a session to carry what waits */
        }
        if (s->c.done)
            slot_done(c, s);
    }
    flush_rx(c, aus_tcpcl_now_ms());
}

static void *carrier_main(void *arg)
{
    struct dmn_carrier *c = arg;
    uint64_t last_scan = 0;
    while (!c->stop) {
        uint64_t now = aus_tcpcl_now_ms();
        if (c->cfg.link && c->net.tcp_peer[0])
            dial(c, 1, c->cfg.peer, c->net.tcp_peer, &c->link_bo, now);
        if (c->rescan || now - last_scan >= 500) { /* inotify wakes us; the timer is a floor */
            c->rescan = 0;
            last_scan = now;
            if (c->cfg.link)
                offer(c, 0, now);
            if (c->cfg.gw_out)
                offer(c, 1, now);
        }
        step_all(c, 100);
        pthread_mutex_lock(&c->mu);
        c->pub = c->st;
        pthread_mutex_unlock(&c->mu);
    }
    uint64_t end = aus_tcpcl_now_ms() + STOP_FLUSH_MS;
    for (size_t i = 0; i < c->nslots; i++)
        if (c->slots[i].used)
            aus_tcpcl_terminate(&c->slots[i].c.sess, AUS_TCPCL_TERM_UNKNOWN, aus_tcpcl_now_ms());
    for (;;) {
        size_t live = 0;
        for (size_t i = 0; i < c->nslots; i++)
            live += (size_t)c->slots[i].used;
        if (!live || aus_tcpcl_now_ms() >= end)
            break;
        step_all(c, 50);
    }
    return NULL;
}

static int open_dir(const char *path)
{
    if (!path)
        return -1;
    (void)mkdir(path, 0700);
    return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void carrier_free(struct dmn_carrier *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->slots && i < c->nslots; i++)
        if (c->slots[i].used)
            aus_tcpcl_conn_free(&c->slots[i].c);
    for (size_t i = 0; i < MAX_ITEMS; i++)
        free(c->items[i].data);
    int fds[] = {c->in_fd, c->out_fd, c->gwin_fd, c->gwout_fd, c->lfd, c->ino};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    aus_tcpcl_tls_ctx_free(c->srv);
    aus_tcpcl_tls_ctx_free(c->cli);
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

int dmn_tcpcl_start(dmn_carrier **out, const dmn_carrier_cfg *cfg)
{
    struct dmn_carrier *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return AUS_EXIT_ENV;
    c->cfg = *cfg;
    c->net = *cfg->net;
    c->cfg.net = &c->net;
    c->in_fd = c->out_fd = c->gwin_fd = c->gwout_fd = c->lfd = c->ino = -1;
    pthread_mutex_init(&c->mu, NULL);
    if (c->net.node_id[0])
        snprintf(c->node_id, sizeof c->node_id, "%s", c->net.node_id);
    else
        snprintf(c->node_id, sizeof c->node_id, "ipn:%llu.0", (unsigned long long)cfg->node);
    c->npassive = c->net.tcp_listen[0] ? (size_t)c->net.max_sessions : 0;
    c->nslots = c->npassive + 1 + DMN_GW_PEERS;
    c->slots = calloc(c->nslots, sizeof *c->slots);
    if (!c->slots) {
        carrier_free(c);
        return AUS_EXIT_ENV;
    }
    if (cfg->link) {
        c->in_fd = open_dir(cfg->incoming);
        c->out_fd = open_dir(cfg->outgoing);
    }
    if (cfg->gw_in) {
        c->gwin_fd = open_dir(cfg->gw_in);
        c->gwout_fd = open_dir(cfg->gw_out);
    }
    if ((cfg->link && (c->in_fd < 0 || c->out_fd < 0)) ||
        (cfg->gw_in && (c->gwin_fd < 0 || c->gwout_fd < 0))) {
        cli_err("tcpcl: cannot open the link's folders: %s", strerror(errno));
        carrier_free(c);
        return AUS_EXIT_ENV;
    }
    c->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (c->ino >= 0) {
        if (cfg->link)
            (void)inotify_add_watch(c->ino, cfg->outgoing, IN_MOVED_TO | IN_CLOSE_WRITE);
        if (cfg->gw_out)
            (void)inotify_add_watch(c->ino, cfg->gw_out, IN_MOVED_TO | IN_CLOSE_WRITE);
    }
    if (c->net.tls_cert[0] || c->net.tls_ca[0]) {
        aus_tcpcl_tls_opts o = {c->net.tls_cert[0] ? c->net.tls_cert : NULL,
                                c->net.tls_key[0] ? c->net.tls_key : NULL,
                                c->net.tls_ca[0] ? c->net.tls_ca : NULL};
        char why[300];
        if (!o.cert || aus_tcpcl_tls_ctx(&c->srv, &o, 1, why, sizeof why) != AUS_OK ||
            aus_tcpcl_tls_ctx(&c->cli, &o, 0, why, sizeof why) != AUS_OK) {
            cli_err("tcpcl: %s", o.cert ? why : "[tcpcl] tls_ca needs tls_cert and tls_key");
            carrier_free(c);
            return o.cert ? AUS_EXIT_ENV : AUS_EXIT_USAGE;
        }
        c->has_ca = o.ca != NULL;
    }
    if (c->net.tcp_listen[0]) {
        char host[DMN_NET_ADDR], port[8];
        if (dmn_net_split(c->net.tcp_listen, host, sizeof host, port, sizeof port) != 0 ||
            aus_tcpcl_listen(host, port, &c->lfd) != AUS_OK) {
            cli_err("tcpcl: cannot listen on %s: %s", c->net.tcp_listen, strerror(errno));
            carrier_free(c);
            return AUS_EXIT_ENV;
        }
        (void)fcntl(c->lfd, F_SETFD, FD_CLOEXEC);
    }
    signal(SIGPIPE, SIG_IGN);
    if (pthread_create(&c->th, NULL, carrier_main, c) != 0) {
        cli_err("tcpcl: cannot start the carrier thread");
        carrier_free(c);
        return AUS_EXIT_ENV;
    }
    c->started = 1;
    dmn_log("tcpcl: node ID %s%s%s%s%s%s", c->node_id, c->lfd >= 0 ? ", listening on " : "",
            c->lfd >= 0 ? c->net.tcp_listen : "", cfg->link && c->net.tcp_peer[0] ? ", peer " : "",
            cfg->link && c->net.tcp_peer[0] ? c->net.tcp_peer : "",
            c->srv ? (c->has_ca ? ", TLS 1.3 with peer authentication" : ", TLS 1.3") : "");
    *out = c;
    return AUS_EXIT_OK;
}

void dmn_tcpcl_stop(dmn_carrier *c)
{
    if (!c)
        return;
    if (c->started) {
        c->stop = 1;
        pthread_join(c->th, NULL);
    }
    carrier_free(c);
}

void dmn_tcpcl_stats(dmn_carrier *c, dmn_carrier_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    *st = c->pub;
    pthread_mutex_unlock(&c->mu);
}
