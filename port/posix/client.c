/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant program's client of the application interface (include/australis/client.h). */
#define _GNU_SOURCE
#include "australis/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CL_QUEUE 32
#define CL_RX (4 + AUS_APP_API_FRAME_MAX)
#define CL_REPLY_MS 60000 /* the daemon may be busy with a long command of its own */

struct aus_client {
    int fd;
    uint64_t seq;
    uint8_t rx[CL_RX];
    size_t rxn;
    uint8_t *queue[CL_QUEUE]; /* commands and events that came while a reply was awaited */
    size_t qlen[CL_QUEUE], qhead, qn;
    uint8_t cur[CL_RX];
    char err[AUS_APP_API_TEXT_MAX + 64];
    char strs[AUS_APP_API_FRAME_MAX + AUS_APP_MAX_ARGS + 8]; /* the item's strings */
    aus_api_msg msg, out;
    uint8_t txbuf[4 + AUS_APP_API_FRAME_MAX];
};

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void set_err(aus_client *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s", what);
}

aus_err aus_client_connect(aus_client **out, const char *path)
{
    struct sockaddr_un a;
    if (!out || !path || strlen(path) >= sizeof a.sun_path)
        return AUS_E_ARG;
    aus_client *c = calloc(1, sizeof *c);
    if (!c)
        return AUS_E_NOBUFS;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int err = errno;
        if (c->fd >= 0)
            close(c->fd);
        free(c);
        errno = err;
        return err == EACCES || err == EPERM ? AUS_E_PERM : AUS_E_IO;
    }
    *out = c;
    return AUS_OK;
}

void aus_client_close(aus_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    for (size_t i = 0; i < CL_QUEUE; i++)
        free(c->queue[i]);
    free(c);
}

int aus_client_fd(const aus_client *c) { return c ? c->fd : -1; }
const char *aus_client_error(const aus_client *c) { return c && c->err[0] ? c->err : ""; }

static aus_err send_msg(aus_client *c, const aus_api_msg *m, int pass_fd)
{
    uint8_t *buf = c->txbuf;
    size_t len = 0;
    aus_err e = aus_api_encode(m, buf, sizeof c->txbuf, &len);
    if (e != AUS_OK) {
        set_err(c, "the message cannot be encoded (a bad name, or too large)");
        return e;
    }
    size_t at = 0;
    while (at < len) {
        union {
            char b[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } cm;
        struct iovec iov = {buf + at, len - at};
        struct msghdr mh = {0};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if (pass_fd >= 0 && at == 0) {
            memset(&cm, 0, sizeof cm);
            mh.msg_control = cm.b;
            mh.msg_controllen = sizeof cm.b;
            struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
            h->cmsg_level = SOL_SOCKET;
            h->cmsg_type = SCM_RIGHTS;
            h->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(h), &pass_fd, sizeof pass_fd);
        }
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            set_err(c, "the daemon closed the connection");
            return AUS_E_IO;
        }
        at += (size_t)w;
    }
    return AUS_OK;
}

/* The next frame into c->cur (body at cur + 4). AUS_E_AGAIN on timeout, AUS_E_IO. */
static aus_err read_frame(aus_client *c, int timeout_ms, size_t *flen)
{
    uint64_t end = timeout_ms < 0 ? UINT64_MAX : mono_ms() + (uint64_t)timeout_ms;
    for (;;) {
        aus_err e = aus_api_frame(c->rx, c->rxn, flen);
        if (e == AUS_OK) {
            memcpy(c->cur, c->rx, *flen);
            memmove(c->rx, c->rx + *flen, c->rxn - *flen);
            c->rxn -= *flen;
            return AUS_OK;
        }
        if (e != AUS_E_AGAIN) {
            set_err(c, "the daemon sent a frame over the maximum length");
            return AUS_E_IO;
        }
        uint64_t now = mono_ms();
        if (now >= end)
            return AUS_E_AGAIN;
        struct pollfd p = {c->fd, POLLIN, 0};
        int wait = end == UINT64_MAX ? -1 : (int)(end - now < 60000 ? end - now : 60000);
        int r = poll(&p, 1, wait);
        if (r < 0 && errno != EINTR)
            return AUS_E_IO;
        if (r <= 0)
            continue;
        ssize_t k = read(c->fd, c->rx + c->rxn, sizeof c->rx - c->rxn);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            set_err(c, "the daemon closed the connection");
            return AUS_E_IO;
        }
        c->rxn += (size_t)k;
    }
}

static void enqueue(aus_client *c, size_t flen)
{
    if (c->qn == CL_QUEUE) /* bounded: the oldest goes (the daemon sends one command at once) */
    {
        free(c->queue[c->qhead]);
        c->queue[c->qhead] = NULL;
        c->qhead = (c->qhead + 1) % CL_QUEUE;
        c->qn--;
    }
    size_t at = (c->qhead + c->qn) % CL_QUEUE;
    c->queue[at] = malloc(flen);
    if (!c->queue[at])
        return;
    memcpy(c->queue[at], c->cur, flen);
    c->qlen[at] = flen;
    c->qn++;
}

/* Send m and wait for its RESULT; commands and events that come meanwhile are queued. */
static aus_err call(aus_client *c, aus_api_msg *m, int pass_fd)
{
    if (!c || c->fd < 0)
        return AUS_E_ARG;
    m->seq = ++c->seq;
    aus_err se = send_msg(c, m, pass_fd);
    if (se == AUS_E_IO) { /* refused at connect? the daemon's sentence may be waiting */
        size_t flen = 0;
        if (read_frame(c, 200, &flen) == AUS_OK &&
            aus_api_decode(&c->msg, c->cur + 4, flen - 4) == AUS_OK &&
            c->msg.type == AUS_API_RESULT && c->msg.seq == 0 && c->msg.code != 0) {
            snprintf(c->err, sizeof c->err, "%.*s", (int)c->msg.text.n,
                     (const char *)c->msg.text.p);
            return (aus_err)c->msg.code;
        }
    }
    AUS_TRY(se);
    for (;;) {
        size_t flen = 0;
        aus_err e = read_frame(c, CL_REPLY_MS, &flen);
        if (e == AUS_E_AGAIN)
            set_err(c, "no reply from the daemon in time");
        if (e != AUS_OK)
            return e;
        if (aus_api_decode(&c->msg, c->cur + 4, flen - 4) != AUS_OK)
            continue; /* not ours to judge: the daemon is trusted, but skip junk */
        if (c->msg.type != AUS_API_RESULT) {
            enqueue(c, flen);
            continue;
        }
        if (c->msg.seq != m->seq && c->msg.seq != 0)
            continue;
        snprintf(c->err, sizeof c->err, "%.*s", (int)c->msg.text.n, (const char *)c->msg.text.p);
        return c->msg.code == 0 ? AUS_OK : (aus_err)c->msg.code;
    }
}

aus_err aus_client_register(aus_client *c, const char *name)
{
    if (!c)
        return AUS_E_ARG;
    aus_api_msg *m = &c->out;
    memset(m, 0, sizeof *m);
    m->type = AUS_API_REGISTER;
    m->name.p = (const uint8_t *)name;
    m->name.n = name ? strlen(name) : 0;
    return call(c, m, -1);
}

aus_err aus_client_publish(aus_client *c, const aus_api_point *pts, size_t n)
{
    if (!c)
        return AUS_E_ARG;
    aus_api_msg *m = &c->out;
    if (n > AUS_APP_API_MAX_POINTS)
        return AUS_E_ARG;
    memset(m, 0, sizeof *m);
    m->type = AUS_API_PUBLISH;
    m->npoints = n;
    if (n)
        memcpy(m->points, pts, n * sizeof *pts);
    return call(c, m, -1);
}

static aus_err publish1(aus_client *c, aus_api_point *p, const char *name)
{
    p->name.p = (const uint8_t *)name;
    p->name.n = name ? strlen(name) : 0;
    return aus_client_publish(c, p, 1);
}

aus_err aus_client_publish_int(aus_client *c, const char *name, int64_t v)
{
    aus_api_point p = {0};
    p.kind = AUS_API_V_INT;
    p.i = v;
    return publish1(c, &p, name);
}

aus_err aus_client_publish_float(aus_client *c, const char *name, double v)
{
    aus_api_point p = {0};
    p.kind = AUS_API_V_FLOAT;
    p.f = v;
    return publish1(c, &p, name);
}

aus_err aus_client_publish_text(aus_client *c, const char *name, const char *v)
{
    aus_api_point p = {0};
    p.kind = AUS_API_V_TEXT;
    p.text.p = (const uint8_t *)v;
    p.text.n = v ? strlen(v) : 0;
    return publish1(c, &p, name);
}

aus_err aus_client_answer(aus_client *c, uint64_t cmd_id, int64_t exit_code, const void *out,
                          size_t len)
{
    if (!c)
        return AUS_E_ARG;
    aus_api_msg *m = &c->out;
    memset(m, 0, sizeof *m);
    m->type = AUS_API_ANSWER;
    m->cmd_id = cmd_id;
    m->code = exit_code;
    m->text.p = out ? out : (const void *)"";
    m->text.n = len;
    return call(c, m, -1);
}

aus_err aus_client_offer(aus_client *c, const char *path, const char *name)
{
    if (!c)
        return AUS_E_ARG;
    aus_api_msg *m = &c->out;
    if (!c || !path)
        return AUS_E_ARG;
    if (!name) {
        const char *slash = strrchr(path, '/');
        name = slash ? slash + 1 : path;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(c->err, sizeof c->err, "cannot open %s: %s", path, strerror(errno));
        return AUS_E_IO;
    }
    memset(m, 0, sizeof *m);
    m->type = AUS_API_OFFER;
    m->name.p = (const uint8_t *)name;
    m->name.n = strlen(name);
    aus_err e = call(c, m, fd);
    close(fd);
    return e;
}

/* Copy the decoded command / event into the client's strings. */
static void fill_item(aus_client *c, aus_client_item *it)
{
    const aus_api_msg *m = &c->msg;
    size_t at = 0;
    memset(it, 0, sizeof *it);
    it->type = m->type;
#define CL_STR(dst, v)                                                                             \
    do {                                                                                           \
        memcpy(c->strs + at, (v).p, (v).n);                                                        \
        c->strs[at + (v).n] = '\0';                                                                \
        (dst) = c->strs + at;                                                                      \
        at += (v).n + 1;                                                                           \
    } while (0)
    if (m->type == AUS_API_COMMAND) {
        it->cmd_id = m->cmd_id;
        it->deadline_ms = m->deadline_ms;
        CL_STR(it->name, m->name);
        it->nargs = m->nargs;
        for (size_t i = 0; i < m->nargs; i++)
            CL_STR(it->args[i], m->args[i]);
    } else {
        it->kind = m->kind;
        CL_STR(it->text, m->text);
    }
#undef CL_STR
}

aus_err aus_client_next(aus_client *c, int timeout_ms, aus_client_item *it)
{
    if (!c || !it || c->fd < 0)
        return AUS_E_ARG;
    for (;;) {
        size_t flen = 0;
        if (c->qn) {
            flen = c->qlen[c->qhead];
            memcpy(c->cur, c->queue[c->qhead], flen);
            free(c->queue[c->qhead]);
            c->queue[c->qhead] = NULL;
            c->qhead = (c->qhead + 1) % CL_QUEUE;
            c->qn--;
        } else
            AUS_TRY(read_frame(c, timeout_ms, &flen));
        if (aus_api_decode(&c->msg, c->cur + 4, flen - 4) != AUS_OK)
            continue;
        if (c->msg.type == AUS_API_COMMAND || c->msg.type == AUS_API_EVENT) {
            fill_item(c, it);
            return AUS_OK;
        }
        if (c->msg.type == AUS_API_RESULT && c->msg.seq == 0) { /* refused by the daemon */
            snprintf(c->err, sizeof c->err, "%.*s", (int)c->msg.text.n,
                     (const char *)c->msg.text.p);
            return c->msg.code ? (aus_err)c->msg.code : AUS_E_IO;
        }
    }
}
