/* SPDX-License-Identifier: Apache-2.0 */
/* The application interface on the satellite daemon (app_api_srv.h, docs/app-api.md).
 *
 * A command for a program, from the link to the program and back:
 *   handle   the core records "started" (its name is in the command table as an external
 *            command) and the batch commits: durable before the program sees it
 *   finish   app_cmd() sends COMMAND to the connection that registered the name and serves
 *            every connection until one of
 *              ANSWER with its id     -> the answer (ST_OK, exit code, output)
 *              the connection closes  -> ST_INTERRUPTED (ran at most once, outcome unknown)
 *              the deadline passes    -> ST_INTERRUPTED (a later ANSWER is refused, EV_LATE)
 *              no such connection     -> ST_ERROR "application ... is not running" at once
 *            and the core records the answer in the finish transaction
 *   crash    a daemon crash between the two leaves "started": the restart answers
 *            ST_INTERRUPTED (aus_app_sat_recover), so every command is answered exactly once.
 *
 * Points: PUBLISH messages read in one service round go into ONE store transaction; each is
 * acknowledged (RESULT 0) only after that commit, and a RESULT error says "publish again".
 * During a command's wait the finish transaction is open: points are written into it and
 * acknowledged once the next round sees them committed (meta.next beyond their sequence).
 *
 * Store keys (tenant t): app/t/pt/<seq 16 hex> one point [name, value, time];
 * app/t/ptmeta head, next, dropped (3 x u64 BE); app/t/ptbatch last batch id (u64 BE);
 * app/t/appcmd/<name> a command a program registered (empty value).
 * Ground: gr/t/pt/<batch 16 hex> the points ADU as received; gr/t/ptdrop the latest drop count.
 */
#define _GNU_SOURCE /* accept4, struct ucred (SO_PEERCRED) */
#include "app_api_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "australis/base.h"
#include "dict_node.h"
#include "store_keys.h"

#define APP_CONNS 16
#define APP_RX_CAP (4 + AUS_APP_API_FRAME_MAX)
#define APP_TX_MAX (512u * 1024u) /* a program that does not read is dropped beyond this */
#define APP_DEFER_MAX 64
#define APP_ADU_MAX 32768u
#define APP_CMD_NAME_MAX 40

typedef struct app_defer {
    uint64_t seq, last_pt;
} app_defer;

typedef struct app_conn {
    int fd; /* -1: free */
    unsigned uid, pid;
    uint8_t *rx, *tx;
    size_t rxn, txn;
    int offer_fd; /* a descriptor received for the next OFFER */
    app_defer defer[APP_DEFER_MAX];
    size_t ndefer;
    int dead;
} app_conn;

typedef struct app_reg {
    char name[AUS_APP_API_NAME_MAX + 1];
    int conn; /* -1: nobody serves it now */
    int in_table;
} app_reg;

struct dmn_app_srv {
    int lfd, ep;
    unsigned gid; /* the socket's group: its members may connect too */
    app_conn conn[APP_CONNS];
    app_reg reg[AUS_APP_MAX_CMDS];
    size_t nreg;
    int in_txn; /* 1 while a command waits (the finish transaction is open) */
    int round_txn;
    /* the command being waited for */
    int waiting, wait_conn, answered;
    uint64_t wait_id;
    int64_t ans_code;
    uint8_t *ans_out;
    size_t ans_cap, ans_len;
    uint64_t last_processed, maybe_points;
    uint64_t refused, bad_frames, cmds, late, points_in;
};

static uint64_t points_max(const dmn_node *n)
{
    return n->cfg.app_points_max ? n->cfg.app_points_max : DMN_APP_POINTS_MAX_DEFAULT;
}

/* After the points buffer changed (app_points.c): whether points wait to go down. */
static void points_noted(dmn_node *n)
{
    dmn_app_ptmeta m;
    if (n->app && dmn_app_points_meta(n, &m) == AUS_OK)
        n->app->maybe_points = m.head != m.next;
}

static void key_of(const dmn_node *n, char *key, const char *what, uint64_t num)
{
    dmn_key k;
    memcpy(key, dmn_key_app(&k, n->cfg.tenant, what, num, 1), sizeof k.s);
}

/* ---- connections ---- */
static void conn_drop(dmn_app_srv *s, int ci, const char *why)
{
    app_conn *c = &s->conn[ci];
    if (c->fd < 0)
        return;
    if (why)
        dmn_log("application (pid %u, uid %u) disconnected: %s", c->pid, c->uid, why);
    epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->offer_fd >= 0)
        close(c->offer_fd);
    free(c->rx);
    free(c->tx);
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->offer_fd = -1;
    for (size_t i = 0; i < s->nreg; i++)
        if (s->reg[i].conn == ci)
            s->reg[i].conn = -1;
}

static void conn_flush(dmn_app_srv *s, int ci)
{
    app_conn *c = &s->conn[ci];
    size_t at = 0;
    while (c->fd >= 0 && at < c->txn) {
        ssize_t w = send(c->fd, c->tx + at, c->txn - at, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            c->dead = 1;
            break;
        }
        at += (size_t)w;
    }
    if (at) {
        memmove(c->tx, c->tx + at, c->txn - at);
        c->txn -= at;
    }
    struct epoll_event ev = {EPOLLIN | (c->txn ? EPOLLOUT : 0u), {.u32 = (uint32_t)ci + 1}};
    if (c->fd >= 0)
        epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queue one message for ci. Returns 0, or -1 (the program does not read: it is dropped). */
static int conn_send(dmn_app_srv *s, int ci, const aus_api_msg *m)
{
    app_conn *c = &s->conn[ci];
    size_t len = 0;
    if (c->fd < 0 || c->dead || aus_api_encode(m, NULL, 0, &len) != AUS_OK)
        return -1;
    if (len > APP_TX_MAX - c->txn) {
        c->dead = 1;
        return -1;
    }
    if (aus_api_encode(m, c->tx + c->txn, APP_TX_MAX - c->txn, &len) != AUS_OK)
        return -1;
    c->txn += len;
    conn_flush(s, ci);
    return c->dead ? -1 : 0;
}

static void result(dmn_app_srv *s, int ci, uint64_t seq, aus_err code, const char *text)
{
    aus_api_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_API_RESULT;
    m.seq = seq;
    m.code = code;
    m.text.p = (const uint8_t *)text;
    m.text.n = strnlen(text, AUS_APP_API_TEXT_MAX);
    (void)conn_send(s, ci, &m);
}

static void event(dmn_app_srv *s, int ci, uint64_t kind, const char *text)
{
    aus_api_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_API_EVENT;
    m.kind = kind;
    m.text.p = (const uint8_t *)text;
    m.text.n = strnlen(text, AUS_APP_API_TEXT_MAX);
    (void)conn_send(s, ci, &m);
}

/* ---- commands ---- */
static int builtin(const char *name)
{
    static const char *const b[] = {"ping", "get", "set", "list", "capture", "exec"};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (!strcmp(b[i], name))
            return 1;
    return 0;
}

static app_reg *reg_find(dmn_app_srv *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->nreg; i++)
        if (strlen(s->reg[i].name) == len && !memcmp(s->reg[i].name, name, len))
            return &s->reg[i];
    return NULL;
}

static aus_err app_cmd(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                       int64_t *code);

static app_reg *reg_add(dmn_node *n, const char *name, size_t len)
{
    dmn_app_srv *s = n->app;
    app_reg *r = reg_find(s, name, len);
    if (r)
        return r;
    if (s->nreg >= AUS_APP_MAX_CMDS)
        return NULL;
    r = &s->reg[s->nreg];
    memset(r, 0, sizeof *r);
    memcpy(r->name, name, len);
    r->conn = -1;
    aus_app_cmd c = {r->name, app_cmd, n, AUS_APP_CMD_EXTERNAL};
    if (aus_app_sat_register(&n->sat, &c) != AUS_OK)
        return NULL;
    r->in_table = 1;
    s->nreg++;
    return r;
}

static size_t say(uint8_t *out, size_t cap, const char *text)
{
    size_t m = strlen(text);
    m = m < cap ? m : cap;
    memcpy(out, text, m);
    return m;
}

static void service_round(dmn_node *n, int timeout_ms);

static aus_err app_cmd(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                       int64_t *code)
{
    dmn_node *n = ctx;
    dmn_app_srv *s = n->app;
    app_reg *r = s ? reg_find(s, (const char *)req->name.p, req->name.n) : NULL;
    int ci = r ? r->conn : -1;
    uint64_t dflt = n->cfg.app_deadline_s ? n->cfg.app_deadline_s : DMN_APP_DEADLINE_DEFAULT;
    /* the dictionary's timeout for this command, else [app] deadline_s */
    uint64_t dl_s = dmn_dict_timeout(n, (const char *)req->name.p, req->name.n, (uint32_t)dflt);
    uint64_t now = dmn_now_ms(), deadline = now + dl_s * 1000u;
    *code = -1;
    aus_api_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_API_COMMAND;
    m.cmd_id = req->id;
    m.name = req->name;
    m.nargs = req->nargs;
    for (size_t i = 0; i < req->nargs; i++)
        m.args[i] = req->args[i];
    m.deadline_ms = deadline;
    char t[256];
    if (ci < 0 || conn_send(s, ci, &m) != 0) {
        snprintf(t, sizeof t,
                 "application for command '%.*s' is not running (no program connected to the "
                 "daemon serves it): not run",
                 (int)req->name.n, (const char *)req->name.p);
        *outlen = say(out, cap, t);
        dmn_log("command %llu '%.*s': no application serves it: answered as an error",
                (unsigned long long)req->id, (int)req->name.n, (const char *)req->name.p);
        return AUS_E_NOTFOUND;
    }
    dmn_log("command %llu '%.*s' handed to the application (pid %u), deadline %llu s",
            (unsigned long long)req->id, (int)req->name.n, (const char *)req->name.p,
            s->conn[ci].pid, (unsigned long long)dl_s);
    s->cmds++;
    s->waiting = 1;
    s->wait_conn = ci;
    s->wait_id = req->id;
    s->answered = 0;
    s->ans_out = out;
    s->ans_cap = cap;
    s->ans_len = 0;
    s->in_txn = 1;
    while (!s->answered && s->conn[ci].fd >= 0 && !s->conn[ci].dead &&
           (now = dmn_now_ms()) < deadline && !(n->stop && *n->stop)) {
        uint64_t left = deadline - now;
        service_round(n, left < 1000 ? (int)left + 1 : 1000);
    }
    s->waiting = 0;
    s->in_txn = 0;
    if (s->answered) {
        *outlen = s->ans_len;
        *code = s->ans_code;
        return AUS_OK;
    }
    if (s->conn[ci].fd < 0 || s->conn[ci].dead)
        snprintf(t, sizeof t,
                 "interrupted: the application serving '%.*s' stopped while it ran: ran at most "
                 "once, outcome unknown",
                 (int)req->name.n, (const char *)req->name.p);
    else if (n->stop && *n->stop)
        snprintf(t, sizeof t,
                 "interrupted: the daemon stopped while the application ran '%.*s': outcome "
                 "unknown",
                 (int)req->name.n, (const char *)req->name.p);
    else
        snprintf(t, sizeof t,
                 "interrupted: no answer from the application for '%.*s' within the deadline of "
                 "%llu s: outcome unknown",
                 (int)req->name.n, (const char *)req->name.p, (unsigned long long)dl_s);
    *outlen = say(out, cap, t);
    dmn_log("command %llu: %.*s", (unsigned long long)req->id, (int)*outlen, (const char *)out);
    return AUS_E_AGAIN;
}

/* ---- messages from a program ---- */
static void on_register(dmn_node *n, int ci, const aus_api_msg *m)
{
    dmn_app_srv *s = n->app;
    char name[AUS_APP_API_NAME_MAX + 1];
    memcpy(name, m->name.p, m->name.n);
    name[m->name.n] = '\0';
    if (m->name.n > APP_CMD_NAME_MAX) { /* its store key must fit AUS_STORE_KEY_MAX */
        result(s, ci, m->seq, AUS_E_ARG, "refused: a command name has at most 40 characters");
        return;
    }
    if (builtin(name)) {
        result(s, ci, m->seq, AUS_E_ARG, "refused: a built-in command of the daemon has this name");
        return;
    }
    app_reg *r = reg_find(s, name, m->name.n);
    if (r && r->conn >= 0 && r->conn != ci && s->conn[r->conn].fd >= 0) {
        result(s, ci, m->seq, AUS_E_STATE, "refused: another connected program serves it");
        return;
    }
    if (!r && !(r = reg_add(n, name, m->name.n))) {
        result(s, ci, m->seq, AUS_E_FULL, "refused: the command table is full");
        return;
    }
    r->conn = ci;
    dmn_key kb;
    const char *key = dmn_key_app_cmd(&kb, n->cfg.tenant, name);
    aus_err e = AUS_OK;
    if (!s->in_txn && (e = n->store.ops->begin(n->store.self)) == AUS_OK) {
        e = n->store.ops->put(n->store.self, key, (const uint8_t *)"", 0);
        e = e == AUS_OK ? n->store.ops->commit(n->store.self) : e;
        if (e != AUS_OK) {
            (void)n->store.ops->rollback(n->store.self);
            dmn_reset(n);
        }
    } else if (s->in_txn)
        e = n->store.ops->put(n->store.self, key, (const uint8_t *)"", 0);
    dmn_log("application (pid %u) serves command '%s'%s", s->conn[ci].pid, name,
            e == AUS_OK ? "" : " (not recorded in the store)");
    result(s, ci, m->seq, AUS_OK, "registered");
}

static void on_publish(dmn_node *n, int ci, const aus_api_msg *m)
{
    dmn_app_srv *s = n->app;
    app_conn *c = &s->conn[ci];
    uint64_t last = 0;
    if (s->in_txn) { /* a command's transaction is open: nothing could be acknowledged now, and
                      * a program waiting here would never take the command it serves */
        result(s, ci, m->seq, AUS_E_AGAIN,
               "busy: a program's command is running; nothing stored, publish again");
        return;
    }
    if (c->ndefer >= APP_DEFER_MAX) {
        result(s, ci, m->seq, AUS_E_AGAIN, "busy: wait for the answers to earlier publishes");
        return;
    }
    if (!s->in_txn && !s->round_txn) {
        if (n->store.ops->begin(n->store.self) != AUS_OK) {
            result(s, ci, m->seq, AUS_E_IO, "not stored (the store failed): publish again");
            return;
        }
        s->round_txn = 1;
    }
    dmn_app_ptmeta before, after;
    aus_err e = dmn_app_points_meta(n, &before);
    if (e == AUS_OK)
        e = dmn_app_points_add(n, m->points, m->npoints, dmn_now_ms(), &last);
    if (e == AUS_OK) {
        s->points_in += m->npoints;
        points_noted(n);
    }
    if (e == AUS_OK && dmn_app_points_meta(n, &after) == AUS_OK && after.dropped > before.dropped) {
        char t[120];
        snprintf(t, sizeof t, "points buffer full: the oldest were dropped (%llu in all)",
                 (unsigned long long)after.dropped);
        event(s, ci, AUS_API_EV_DROPPED, t);
    }
    if (e != AUS_OK) {
        /* the open transaction is suspect: roll it back (everything deferred is re-judged) */
        if (s->round_txn) {
            (void)n->store.ops->rollback(n->store.self);
            dmn_reset(n);
            s->round_txn = 0;
        }
        result(s, ci, m->seq, e, "not stored (the store failed): publish again");
        return;
    }
    c->defer[c->ndefer++] = (app_defer){m->seq, m->npoints ? last : 0};
}

/* ANSWER: the command waited for, or a refusal (late, unknown, answered already). */
static void on_answer(dmn_node *n, int ci, const aus_api_msg *m)
{
    dmn_app_srv *s = n->app;
    if (s->waiting && !s->answered && ci == s->wait_conn && m->cmd_id == s->wait_id) {
        s->ans_len = m->text.n < s->ans_cap ? m->text.n : s->ans_cap;
        memcpy(s->ans_out, m->text.p, s->ans_len);
        s->ans_code = m->code;
        s->answered = 1;
        result(s, ci, m->seq, AUS_OK, "answer recorded");
        return;
    }
    s->late++;
    char t[160];
    snprintf(t, sizeof t,
             "command %llu is not waiting for an answer (answered already, past its "
             "deadline, or never sent): not sent",
             (unsigned long long)m->cmd_id);
    event(s, ci, AUS_API_EV_LATE, t);
    result(s, ci, m->seq, AUS_E_STATE, t);
}

/* OFFER: the descriptor the program sent (its own read rights) is copied into the data folder
 * under name (O_CREAT|O_EXCL|O_NOFOLLOW temporary, fsync, rename). */
static void on_offer(dmn_node *n, int ci, const aus_api_msg *m)
{
    dmn_app_srv *s = n->app;
    app_conn *c = &s->conn[ci];
    int in = c->offer_fd;
    c->offer_fd = -1;
    char name[AUS_APP_API_NAME_MAX + 1], tmp[AUS_APP_API_NAME_MAX + 32];
    memcpy(name, m->name.p, m->name.n);
    name[m->name.n] = '\0';
    uint64_t max = n->cfg.app_offer_max ? n->cfg.app_offer_max : DMN_APP_OFFER_MAX_DEFAULT;
    struct stat st;
    const char *err = NULL;
    if (in < 0)
        err = "refused: no file descriptor came with the offer";
    else if (strchr(name, '/') || name[0] == '.')
        err = "refused: the name must be a plain file name";
    else if (!n->cfg.data_dir[0])
        err = "refused: the satellite has no data folder ([sat] data_dir)";
    else if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode))
        err = "refused: not a regular file";
    else if ((uint64_t)st.st_size > max)
        err = "refused: larger than [app] offer_max_bytes";
    int dfd = err ? -1 : open(n->cfg.data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!err && dfd < 0)
        err = "refused: the data folder cannot be opened";
    snprintf(tmp, sizeof tmp, ".offer-%s.tmp", name);
    int out =
        err ? -1 : openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (!err && out < 0)
        err = "refused: cannot create the file in the data folder";
    uint64_t total = 0;
    char buf[65536];
    while (!err) {
        ssize_t r = pread(in, buf, sizeof buf, (off_t)total);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            err = "failed: the offered file cannot be read";
        if (r <= 0)
            break;
        if (total + (uint64_t)r > max)
            err = "refused: larger than [app] offer_max_bytes";
        else if (write(out, buf, (size_t)r) != r)
            err = "failed: cannot write to the data folder";
        total += (uint64_t)r;
    }
    if (!err && (fsync(out) != 0 || renameat(dfd, tmp, dfd, name) != 0 || fsync(dfd) != 0))
        err = "failed: cannot store the file in the data folder";
    if (out >= 0)
        close(out);
    if (err && out >= 0)
        unlinkat(dfd, tmp, 0);
    if (dfd >= 0)
        close(dfd);
    if (in >= 0)
        close(in);
    char t[200];
    if (!err)
        snprintf(t, sizeof t, "offered: %s (%llu bytes) can be downloaded", name,
                 (unsigned long long)total);
    dmn_log("application (pid %u) offers %s: %s", c->pid, name, err ? err : "stored");
    result(s, ci, m->seq, err ? AUS_E_ARG : AUS_OK, err ? err : t);
}

static void on_frame(dmn_node *n, int ci, const uint8_t *body, size_t len)
{
    static aus_api_msg m; /* large; one service loop at a time */
    dmn_app_srv *s = n->app;
    aus_err e = aus_api_decode(&m, body, len);
    if (e != AUS_OK || m.type >= AUS_API_RESULT) {
        s->bad_frames++;
        result(s, ci, 0, e != AUS_OK ? e : AUS_E_UNSUPPORTED,
               "refused: not a valid application message (docs/app-api.md)");
        return;
    }
    switch (m.type) {
    case AUS_API_REGISTER: on_register(n, ci, &m); break;
    case AUS_API_PUBLISH: on_publish(n, ci, &m); break;
    case AUS_API_ANSWER: on_answer(n, ci, &m); break;
    case AUS_API_OFFER: on_offer(n, ci, &m); break;
    default: break;
    }
}

static void conn_read(dmn_node *n, int ci)
{
    dmn_app_srv *s = n->app;
    app_conn *c = &s->conn[ci];
    for (int rounds = 0; rounds < 16 && c->fd >= 0 && !c->dead; rounds++) {
        if (c->rxn == APP_RX_CAP)
            break; /* a whole frame is there: handled below */
        union {
            char buf[CMSG_SPACE(sizeof(int) * 4)];
            struct cmsghdr align;
        } cm;
        struct iovec iov = {c->rx + c->rxn, APP_RX_CAP - c->rxn};
        struct msghdr mh = {0};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof cm.buf;
        ssize_t r = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
            if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
                continue;
            size_t nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t k = 0; k < nfd; k++) {
                int fd;
                memcpy(&fd, CMSG_DATA(h) + k * sizeof(int), sizeof fd);
                if (k == 0 && c->offer_fd < 0)
                    c->offer_fd = fd; /* one descriptor per offer; the rest are closed */
                else
                    close(fd);
            }
        }
        if (r <= 0) {
            c->dead = 1;
            break;
        }
        c->rxn += (size_t)r;
    }
    size_t at = 0, fl = 0;
    aus_err e;
    while (c->fd >= 0 && (e = aus_api_frame(c->rx + at, c->rxn - at, &fl)) == AUS_OK) {
        on_frame(n, ci, c->rx + at + 4, fl - 4);
        at += fl;
    }
    if (c->fd >= 0 && e == AUS_E_LIMIT) {
        s->bad_frames++;
        result(s, ci, 0, AUS_E_LIMIT, "refused: frame length 0 or over the maximum");
        conn_flush(s, ci);
        c->dead = 1;
        dmn_log("application (pid %u): frame length 0 or over %u bytes: disconnected", c->pid,
                AUS_APP_API_FRAME_MAX);
        return;
    }
    if (at) {
        memmove(c->rx, c->rx + at, c->rxn - at);
        c->rxn -= at;
    }
}

/* A RESULT (sequence 0) on a connection we do not keep, then close it. */
static void refuse_fd(int fd, aus_err code, const char *text)
{
    aus_api_msg m;
    uint8_t fb[4 + AUS_APP_API_TEXT_MAX + 32];
    size_t len = 0;
    memset(&m, 0, sizeof m);
    m.type = AUS_API_RESULT;
    m.code = code;
    m.text.p = (const uint8_t *)text;
    m.text.n = strlen(text);
    if (aus_api_encode(&m, fb, sizeof fb, &len) == AUS_OK)
        (void)!send(fd, fb, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    /* read what the program sent already: closing with unread data would reset the connection
     * and lose the sentence (AF_UNIX) */
    uint8_t sink[4096];
    for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
        ;
    close(fd);
}

static void conn_accept(dmn_app_srv *s)
{
    for (int k = 0; k < 16; k++) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        struct ucred cr;
        socklen_t cl = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
            (cr.uid != geteuid() && cr.gid != s->gid)) {
            /* owner / group only, whatever the socket's mode says (DESIGN.md §5a) */
            s->refused++;
            dmn_log("application socket: refused pid %d uid %u gid %u (neither the daemon's user "
                    "nor the socket's group)",
                    (int)cr.pid, (unsigned)cr.uid, (unsigned)cr.gid);
            refuse_fd(fd, AUS_E_PERM, "refused: this user may not use the application socket");
            continue;
        }
        int ci = -1;
        for (int i = 0; i < APP_CONNS && ci < 0; i++)
            if (s->conn[i].fd < 0)
                ci = i;
        app_conn *c = ci >= 0 ? &s->conn[ci] : NULL;
        if (c) {
            c->rx = malloc(APP_RX_CAP);
            c->tx = malloc(APP_TX_MAX);
        }
        struct epoll_event ev = {EPOLLIN, {.u32 = (uint32_t)ci + 1}};
        if (!c || !c->rx || !c->tx || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            if (c) {
                free(c->rx);
                free(c->tx);
                c->rx = c->tx = NULL;
            }
            dmn_log("application socket: %d programs connected already: refused pid %d", APP_CONNS,
                    (int)cr.pid);
            refuse_fd(fd, AUS_E_FULL, "refused: the daemon serves 16 programs at once already");
            continue;
        }
        c->fd = fd;
        c->uid = (unsigned)cr.uid;
        c->pid = (unsigned)cr.pid;
        c->offer_fd = -1;
        c->rxn = c->txn = c->ndefer = 0;
        c->dead = 0;
        dmn_log("application connected: pid %d uid %u", (int)cr.pid, (unsigned)cr.uid);
    }
}

/* Deferred publish acknowledgements: RESULT 0 when their points are committed (next beyond
 * the last one), else an error. Called after a round's commit and after a command's wait. */
static void resolve_deferred(dmn_node *n)
{
    dmn_app_srv *s = n->app;
    dmn_app_ptmeta m;
    int have = 0;
    for (int ci = 0; ci < APP_CONNS; ci++) {
        app_conn *c = &s->conn[ci];
        if (c->fd < 0 || !c->ndefer)
            continue;
        if (!have)
            have = dmn_app_points_meta(n, &m) == AUS_OK ? 1 : -1;
        for (size_t i = 0; i < c->ndefer; i++) {
            int ok = have > 0 && m.next > c->defer[i].last_pt;
            result(s, ci, c->defer[i].seq, ok ? AUS_OK : AUS_E_IO,
                   ok ? "stored" : "not stored (the store failed): publish again");
        }
        c->ndefer = 0;
    }
}

static void service_round(dmn_node *n, int timeout_ms)
{
    dmn_app_srv *s = n->app;
    struct epoll_event ev[APP_CONNS + 1];
    int k = epoll_wait(s->ep, ev, APP_CONNS + 1, timeout_ms), accept_now = 0;
    for (int i = 0; i < k; i++) {
        uint32_t id = ev[i].data.u32;
        if (id == 0) {
            accept_now = 1; /* after the closes of this round have freed their slots */
            continue;
        }
        int ci = (int)id - 1;
        if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            conn_read(n, ci);
        if (s->conn[ci].fd >= 0 && s->conn[ci].txn)
            conn_flush(s, ci);
    }
    for (int ci = 0; ci < APP_CONNS; ci++)
        if (s->conn[ci].fd >= 0 && s->conn[ci].dead && s->conn[ci].ndefer == 0)
            conn_drop(s, ci, "connection closed");
    if (accept_now)
        conn_accept(s);
    if (s->round_txn) {
        s->round_txn = 0;
        if (n->store.ops->commit(n->store.self) != AUS_OK) {
            (void)n->store.ops->rollback(n->store.self);
            dmn_reset(n);
        }
    }
    if (!s->in_txn)
        resolve_deferred(n);
    for (int ci = 0; ci < APP_CONNS; ci++)
        if (s->conn[ci].fd >= 0 && s->conn[ci].dead)
            conn_drop(s, ci, "connection closed");
}

/* ---- the daemon's hooks ---- */
int dmn_app_sat_init(dmn_node *n)
{
    if (!n->cfg.app_socket[0] || n->app)
        return 0;
    n->app = calloc(1, sizeof *n->app);
    if (!n->app) {
        fprintf(stderr, "australis: application interface: out of memory\n");
        return 3;
    }
    dmn_app_srv *s = n->app;
    s->lfd = s->ep = -1;
    for (int i = 0; i < APP_CONNS; i++)
        s->conn[i].fd = s->conn[i].offer_fd = -1;
    char key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    dmn_key pk;
    const char *prefix = dmn_key_app_cmd(&pk, n->cfg.tenant, NULL);
    size_t pl = strlen(prefix);
    while (n->store.ops->next(n->store.self, prefix, key, next, sizeof next) == AUS_OK) {
        memcpy(key, next, sizeof key);
        const char *name = key + pl;
        if (!aus_api_name_ok((const uint8_t *)name, strlen(name)) || builtin(name))
            continue;
        if (!reg_add(n, name, strlen(name)))
            dmn_log("application command '%s': the command table is full: not served", name);
    }
    s->last_processed = n->processed;
    return 0;
}

int dmn_app_open(dmn_node *n)
{
    if (!n->cfg.role_sat || !n->cfg.app_socket[0])
        return -1;
    if (dmn_app_sat_init(n) != 0 || !n->app)
        return -2;
    dmn_app_srv *s = n->app;
    const char *path = n->cfg.app_socket;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        fprintf(stderr, "australis: [app] socket %s: path too long\n", path);
        return -2;
    }
    memcpy(a.sun_path, path, strlen(path) + 1); /* fits: checked above */
    s->gid = (unsigned)getegid();
    if (n->cfg.app_group[0]) {
        struct group *g = getgrnam(n->cfg.app_group);
        if (!g) {
            fprintf(stderr, "australis: [app] group %s: no such group\n", n->cfg.app_group);
            return -2;
        }
        s->gid = (unsigned)g->gr_gid;
    }
    /* DESIGN.md §5a: only a stale socket of ours is removed; anything else there is refused */
    struct stat st;
    if (lstat(path, &st) == 0) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
        if (probe >= 0)
            close(probe);
        if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid() || live) {
            fprintf(stderr,
                    "australis: [app] socket %s: something other than our own stale socket is "
                    "there; it is left alone\n",
                    path);
            return -2;
        }
        unlink(path);
    }
    s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(0117); /* owner and group read/write: 0660 */
    int ok = s->lfd >= 0 && bind(s->lfd, (struct sockaddr *)&a, sizeof a) == 0;
    umask(old);
    ok = ok && chown(path, (uid_t)-1, (gid_t)s->gid) == 0 && chmod(path, 0660) == 0 &&
         listen(s->lfd, 16) == 0;
    s->ep = ok ? epoll_create1(EPOLL_CLOEXEC) : -1;
    struct epoll_event ev = {EPOLLIN, {.u32 = 0}};
    if (!ok || s->ep < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) != 0) {
        fprintf(stderr, "australis: [app] socket %s: %s\n", path, strerror(errno));
        return -2;
    }
    dmn_log("application socket %s (mode 0660, owner and group %u only), %zu known command(s), "
            "points buffer %llu",
            path, s->gid, s->nreg, (unsigned long long)points_max(n));
    return s->ep;
}

void dmn_app_service(dmn_node *n)
{
    if (n->app && n->app->ep >= 0 && !n->app->waiting)
        service_round(n, 0);
}

void dmn_app_tick(dmn_node *n)
{
    dmn_app_srv *s = n->app;
    if (!s || s->waiting)
        return;
    resolve_deferred(n);
    int pass = n->processed != s->last_processed || n->once;
    s->last_processed = n->processed;
    if (!pass && !s->maybe_points)
        return;
    dmn_app_ptmeta m;
    if (dmn_app_points_meta(n, &m) != AUS_OK || m.head == m.next) {
        s->maybe_points = 0;
        return;
    }
    if (!pass) { /* no pass: only points that waited DMN_APP_FLUSH_S go */
        char key[AUS_STORE_KEY_MAX];
        uint8_t rec[AUS_APP_API_NAME_MAX + AUS_APP_API_TEXT_MAX + 32];
        size_t len = 0;
        aus_api_point p;
        key_of(n, key, "pt", m.head);
        if (n->store.ops->get(n->store.self, key, rec, sizeof rec, &len) != AUS_OK ||
            aus_api_point_decode(&p, rec, len) != AUS_OK ||
            p.time_ms + DMN_APP_FLUSH_S * 1000u > dmn_now_ms())
            return;
    }
    if (pass)
        for (int ci = 0; ci < APP_CONNS; ci++)
            if (s->conn[ci].fd >= 0)
                event(s, ci, AUS_API_EV_PASS, "pass: bundles from the ground were taken");
    if (n->store.ops->begin(n->store.self) != AUS_OK)
        return;
    long k = dmn_app_points_flush(n, 64);
    if (k >= 0)
        points_noted(n);
    if (k < 0 || n->store.ops->commit(n->store.self) != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
        dmn_log("points: cannot queue a batch (%s): kept on board", aus_err_name((aus_err)k));
    }
}

aus_err dmn_app_before_emit(dmn_node *n, const uint8_t *adu, size_t len)
{
    /* [1, type, ...] with type < 24: the type is the third byte */
    if (!n->app || !n->app->maybe_points || len < 3 ||
        (adu[2] != AUS_APP_IMG_INFO && adu[2] != AUS_APP_IMG_CHUNK))
        return AUS_OK;
    long k = dmn_app_points_flush(n, 64);
    if (k >= 0)
        points_noted(n);
    return k < 0 ? (aus_err)k : AUS_OK;
}

void dmn_app_close(dmn_node *n)
{
    dmn_app_srv *s = n->app;
    if (!s)
        return;
    for (int ci = 0; ci < APP_CONNS; ci++)
        conn_drop(s, ci, NULL);
    if (s->lfd >= 0) {
        close(s->lfd);
        unlink(n->cfg.app_socket);
    }
    if (s->ep >= 0)
        close(s->ep);
    free(s);
    n->app = NULL;
}
