/* SPDX-License-Identifier: Apache-2.0 */
/* The satellite role: the registered command table and the services the app core asks for
 * (health report, files for download, rekey), wired to the agent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "australis/sdls_ep.h"
#include "util.h"
#include "daemon.h"
#include "uplink.h"
#include "role.h"
#include "app_api_srv.h"

static aus_err emit(void *ctx, const uint8_t *adu, size_t len)
{
    dmn_node *n = ctx;
    AUS_TRY(dmn_app_before_emit(n, adu, len)); /* tenant points go before image chunks */
    return dmn_agent_send(n, adu, len, dmn_now_ms());
}

/* A file name inside the data folder: no separators, no dot-files, printable. */
static int safe_name(const aus_app_view *v, char *out, size_t cap)
{
    if (v->n == 0 || v->n >= cap || v->p[0] == '.')
        return -1;
    for (size_t i = 0; i < v->n; i++)
        if (v->p[i] == '/' || v->p[i] < 0x21 || v->p[i] > 0x7e)
            return -1;
    memcpy(out, v->p, v->n);
    out[v->n] = '\0';
    return 0;
}

/* A file of the data folder, for a download (DESIGN.md §5a). Anything but a regular file is
 * refused before it is opened (opening a FIFO waits for a writer, opening a device can act);
 * then the open is O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC and the descriptor's fstat must show that
 * same regular file (nothing swapped in between). Returns the descriptor with *st filled, or
 * -1 with *err: AUS_E_NOTFOUND (no data folder, a name that is not safe, nothing there),
 * AUS_E_UNSUPPORTED (not a regular file), AUS_E_IO. */
static int open_data(dmn_node *n, const aus_app_view *path, struct stat *st, aus_err *err)
{
    char name[256];
    *err = AUS_E_NOTFOUND;
    if (!n->cfg.data_dir[0] || safe_name(path, name, sizeof name) != 0)
        return -1;
    int dfd = open(n->cfg.data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    struct stat pre;
    int fd = -1;
    if (fstatat(dfd, name, &pre, AT_SYMLINK_NOFOLLOW) != 0)
        *err = errno == ENOENT ? AUS_E_NOTFOUND : AUS_E_IO;
    else if (!S_ISREG(pre.st_mode))
        *err = AUS_E_UNSUPPORTED;
    else if ((fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0)
        *err = errno == ENOENT ? AUS_E_NOTFOUND : errno == ELOOP ? AUS_E_UNSUPPORTED : AUS_E_IO;
    else if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_dev != pre.st_dev ||
             st->st_ino != pre.st_ino) {
        close(fd);
        fd = -1;
        *err = AUS_E_UNSUPPORTED;
    }
    close(dfd);
    return fd;
}

#define IMAGE_MAX ((off_t)1 << 30) /* a download is hashed in memory: at most 1 GiB */

/* ---- the SHA-256 of each file version, computed once (n->img_hash, least recently used
 * replaced): a version is (dev, ino, size, mtime, ctime), so a file rewritten, replaced or
 * touched is hashed again, while a re-request (a resumed download asks for its missing ranges
 * again and again) costs one fstat instead of reading up to 1 GiB. ---- */
static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int same_version(const dmn_hash_ent *h, const struct stat *st)
{
    return h->used && h->dev == (uint64_t)st->st_dev && h->ino == (uint64_t)st->st_ino &&
           h->size == (uint64_t)st->st_size && h->mtime_ns == ns(st->st_mtim) &&
           h->ctime_ns == ns(st->st_ctim);
}

/* The entry of st's version (*hit = 1), else the one to fill: an older version of the same
 * file, or the least recently used (an empty one has used == 0). */
static dmn_hash_ent *hash_slot(dmn_node *n, const struct stat *st, int *hit)
{
    dmn_hash_ent *lru = &n->img_hash[0];
    *hit = 0;
    for (size_t i = 0; i < DMN_HASH_CACHE; i++) {
        dmn_hash_ent *h = &n->img_hash[i];
        if (same_version(h, st)) {
            *hit = 1;
            return h;
        }
        if (h->used < lru->used)
            lru = h;
    }
    for (size_t i = 0; i < DMN_HASH_CACHE; i++)
        if (n->img_hash[i].used && n->img_hash[i].dev == (uint64_t)st->st_dev &&
            n->img_hash[i].ino == (uint64_t)st->st_ino)
            return &n->img_hash[i];
    return lru;
}

static aus_err hash_fd(int fd, size_t len, uint8_t sha[AUS_APP_SHA256])
{
    size_t o = 0;
    uint8_t *p = malloc(len ? len : 1);
    while (p && o < len) {
        ssize_t r = read(fd, p + o, len - o);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        o += (size_t)r;
    }
    aus_err e = AUS_E_IO;
    if (p && o == len) {
        aus_iov iov = {p, len};
        const aus_crypto *c = aus_crypto_default();
        e = c->ops->hash(c->self, AUS_HASH_SHA256, &iov, 1, sha, AUS_APP_SHA256);
    }
    free(p);
    return e;
}

static aus_err file_info(void *ctx, const aus_app_view *path, uint64_t *size,
                         uint8_t sha[AUS_APP_SHA256])
{
    dmn_node *n = ctx;
    struct stat st, after;
    aus_err e;
    int fd = open_data(n, path, &st, &e);
    if (fd >= 0 && st.st_size > IMAGE_MAX) {
        close(fd);
        fd = -1;
        e = AUS_E_LIMIT;
    }
    if (fd < 0) {
        if (e != AUS_E_NOTFOUND)
            dmn_log("image %.*s refused: %s", (int)path->n, (const char *)path->p,
                    e == AUS_E_UNSUPPORTED ? "not a regular file"
                    : e == AUS_E_LIMIT     ? "larger than 1 GiB"
                                           : "cannot be read");
        return e;
    }
    *size = (uint64_t)st.st_size;
    int hit = 0;
    dmn_hash_ent *h = hash_slot(n, &st, &hit);
    if (hit) {
        memcpy(sha, h->sha, AUS_APP_SHA256);
        h->used = ++n->img_hash_tick;
        n->img_hash_hits++;
        close(fd);
        return AUS_OK;
    }
    e = hash_fd(fd, (size_t)st.st_size, sha);
    /* written to while we read it: that hash belongs to no version; the ground asks again */
    if (e == AUS_OK && (fstat(fd, &after) != 0 || after.st_size != st.st_size ||
                        ns(after.st_mtim) != ns(st.st_mtim) || ns(after.st_ctim) != ns(st.st_ctim)))
        e = AUS_E_IO;
    close(fd);
    if (e != AUS_OK) {
        dmn_log("image %.*s refused: %s", (int)path->n, (const char *)path->p,
                "cannot be read, or changed while it was hashed");
        return e;
    }
    *h = (dmn_hash_ent){(uint64_t)st.st_dev,
                        (uint64_t)st.st_ino,
                        (uint64_t)st.st_size,
                        ns(st.st_mtim),
                        ns(st.st_ctim),
                        ++n->img_hash_tick,
                        {0}};
    memcpy(h->sha, sha, AUS_APP_SHA256);
    n->img_hashes++;
    dmn_log("image %.*s: SHA-256 computed over %llu bytes (kept for this file version)",
            (int)path->n, (const char *)path->p, (unsigned long long)st.st_size);
    return AUS_OK;
}

static aus_err file_read(void *ctx, const aus_app_view *path, uint64_t off, uint8_t *buf,
                         size_t len)
{
    dmn_node *n = ctx;
    struct stat st;
    aus_err e;
    int fd = open_data(n, path, &st, &e);
    if (fd < 0)
        return e;
    size_t o = 0;
    while (o < len) {
        ssize_t r = pread(fd, buf + o, len - o, (off_t)(off + o));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        o += (size_t)r;
    }
    close(fd);
    return o == len ? AUS_OK : AUS_E_IO;
}

static aus_err rekey(void *ctx, uint32_t kind, const uint8_t *body, size_t len, uint8_t *out,
                     size_t cap, size_t *outlen)
{
    return dmn_rekey_handle(ctx, kind, body, len, out, cap, outlen);
}

static size_t health(void *ctx, aus_app_kv *kv, size_t cap) { return dmn_health(ctx, kv, cap); }

/* ---- commands with I/O ---- */
static aus_err cmd_list(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                        int64_t *code)
{
    dmn_node *n = ctx;
    (void)req;
    DIR *d = n->cfg.data_dir[0] ? opendir(n->cfg.data_dir) : NULL;
    if (!d)
        return AUS_E_NOTFOUND;
    size_t at = 0;
    struct dirent *e;
    /* names sorted would need a copy; listing order is fine for an operator */
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        int k = snprintf((char *)out + at, cap - at, "%s %lld\n", e->d_name, (long long)st.st_size);
        if (k < 0 || (size_t)k >= cap - at)
            break;
        at += (size_t)k;
    }
    closedir(d);
    *outlen = at;
    *code = 0;
    return AUS_OK;
}

static aus_err cmd_capture(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap,
                           size_t *outlen, int64_t *code)
{
    dmn_node *n = ctx;
    if (!n->cfg.capture_source[0] || !n->cfg.data_dir[0])
        return AUS_E_UNSUPPORTED;
    int in = open(n->cfg.capture_source, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return AUS_E_NOTFOUND;
    char name[64], full[DMN_PATH + 80];
    snprintf(name, sizeof name, "capture-%llu.img", (unsigned long long)req->id);
    snprintf(full, sizeof full, "%s/%s", n->cfg.data_dir, name);
    int o = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    long long total = 0;
    char buf[65536];
    ssize_t r;
    while (o >= 0 && (r = read(in, buf, sizeof buf)) > 0 && total < (1ll << 28)) {
        if (write(o, buf, (size_t)r) != r)
            break;
        total += r;
    }
    close(in);
    if (o < 0)
        return AUS_E_IO;
    fsync(o);
    close(o);
    int k = snprintf((char *)out, cap, "%s %lld", name, total);
    *outlen = k > 0 ? (size_t)k : 0;
    *code = 0;
    return AUS_OK;
}

static const dmn_exec *find_exec(dmn_node *n, const aus_app_view *v)
{
    for (size_t i = 0; i < n->cfg.nexec; i++)
        if (strlen(n->cfg.exec[i].name) == v->n && !memcmp(n->cfg.exec[i].name, v->p, v->n))
            return &n->cfg.exec[i];
    return NULL;
}

/* exec SCRIPT [ARGS...]: only scripts the operator declared in the config, no shell. */
static aus_err cmd_exec(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                        int64_t *code)
{
    dmn_node *n = ctx;
    if (req->nargs < 1)
        return AUS_E_ARG;
    const dmn_exec *x = find_exec(n, &req->args[0]);
    if (!x)
        return AUS_E_NOTFOUND;
    char *argv[AUS_APP_MAX_ARGS + 1];
    argv[0] = (char *)x->path;
    for (size_t i = 1; i < req->nargs; i++)
        argv[i] = strndup((const char *)req->args[i].p, req->args[i].n);
    argv[req->nargs] = NULL;
    if (dmn_sandbox_has_launcher()) { /* outside the seccomp filter: sandbox.c, docs/sandbox.md */
        aus_err le = dmn_sandbox_exec((size_t)(x - n->cfg.exec), argv, req->nargs,
                                      n->cfg.exec_timeout_s, out, cap, outlen, code);
        for (size_t i = 1; i < req->nargs; i++)
            free(argv[i]);
        return le;
    }
    int pfd[2];
    if (pipe(pfd) != 0)
        return AUS_E_IO;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        execv(x->path, argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t at = 0;
    time_t deadline = time(NULL) + (time_t)n->cfg.exec_timeout_s;
    int timed_out = 0;
    for (;;) {
        struct pollfd p = {pfd[0], POLLIN, 0};
        int left = (int)(deadline - time(NULL));
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (poll(&p, 1, left * 1000) <= 0)
            continue;
        ssize_t r = read(pfd[0], out + at, at < cap ? cap - at : 0);
        if (r <= 0 && at < cap)
            break;
        if (r > 0)
            at += (size_t)r;
        if (at >= cap) { /* output beyond the cache size is dropped */
            char sink[4096];
            if (read(pfd[0], sink, sizeof sink) <= 0)
                break;
        }
    }
    close(pfd[0]);
    int status = 0;
    if (pid > 0) {
        if (timed_out)
            kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    for (size_t i = 1; i < req->nargs; i++)
        free(argv[i]);
    if (pid < 0)
        return AUS_E_IO;
    *outlen = at;
    *code = timed_out ? -9 : (WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
    return AUS_OK;
}

static int sat_start(dmn_node *n)
{
    if (n->cfg.uploads[0] && mkdir(n->cfg.uploads, 0700) != 0 && errno != EEXIST)
        dmn_log("uploads folder %s: %s (file put will be refused)", n->cfg.uploads,
                strerror(errno)); /* made before the sandbox closes the file system */
    aus_app_sat_ops ops = {health,       file_info,   file_read,    rekey,         emit, n,
                           dmn_up_write, dmn_up_hash, dmn_up_place, dmn_up_discard}; /* uplink.c */
    aus_err e =
        aus_app_sat_init(&n->sat, &n->store, &ops, n->cfg.tenant, (uint32_t)n->cfg.chunk_size);
    aus_app_sat_set_check(&n->sat, dmn_dict_sat_check, n); /* [node] dictionary */
    aus_app_cmd c1 = {"list", cmd_list, n, 0};
    aus_app_cmd c2 = {"capture", cmd_capture, n, AUS_APP_CMD_EXTERNAL};
    aus_app_cmd c3 = {"exec", cmd_exec, n, AUS_APP_CMD_EXTERNAL};
    if (e == AUS_OK)
        e = aus_app_sat_register(&n->sat, &c1);
    if (e == AUS_OK)
        e = aus_app_sat_register(&n->sat, &c2);
    if (e == AUS_OK)
        e = aus_app_sat_register(&n->sat, &c3);
    if (e == AUS_OK && dmn_app_sat_init(n) != 0) /* commands of tenant programs (app_api_srv.c) */
        e = AUS_E_NOBUFS;
    if (e == AUS_OK)
        e = n->store.ops->begin(n->store.self);
    long rec = e == AUS_OK ? aus_app_sat_recover(&n->sat) : e;
    if (rec < 0 || n->store.ops->commit(n->store.self) != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        fprintf(stderr, "australis: command table / recovery: %s\n", aus_err_str((int)rec));
        return 3;
    }
    if (rec > 0)
        dmn_log("recovery: %ld interrupted command(s) answered as interrupted", rec);
    return 0;
}

static aus_err sat_handle(dmn_node *n, const aus_agent_rx *rx, int *pending)
{
    aus_app_msg m;
    /* the bundle was just authenticated (both links call us right after aus_agent_recv +
     * accept): its key pair tells the PQ rekey state whether the ground switched */
    AUS_TRY(dmn_rekey_note_rx(n));
    if (aus_app_decode(&m, rx->adu, rx->len) == AUS_OK) {
        if (m.type == AUS_APP_CMD)
            dmn_log("rx %s id=%llu '%.*s' (%zu args)%s", aus_app_type_name(m.type),
                    (unsigned long long)m.id, (int)m.name.n, (const char *)m.name.p, m.nargs,
                    rx->expired ? " EXPIRED" : "");
        else if (m.type == AUS_APP_REKEY_REQ) /* kind 1 OTAR, 2 PQ, 3 an SDLS-EP procedure */
            dmn_log("rx %s id=%llu%s",
                    m.kind == 3   ? "SDLS-EP procedure"
                    : m.kind == 2 ? "PQ rekey request"
                                  : "OTAR rekey request",
                    (unsigned long long)m.id, rx->expired ? " EXPIRED" : "");
        else
            dmn_log("rx %s id=%llu%s", aus_app_type_name(m.type), (unsigned long long)m.id,
                    rx->expired ? " EXPIRED" : "");
    }
    return aus_app_sat_handle(&n->sat, rx->adu, rx->len, rx->expired, pending);
}

static aus_err sat_finish(dmn_node *n, const aus_agent_rx *rx)
{
    return aus_app_sat_finish(&n->sat, rx->adu, rx->len);
}

/* The satellite's records are the same in layout versions 1 and 2: marked 2 at once. */
static int sat_store_open(dmn_node *n)
{
    if (dmn_schema_mark(&n->store) != AUS_OK) {
        cli_err("store %s: cannot write its layout version", n->cfg.store);
        return AUS_EXIT_ENV;
    }
    return 0;
}

/* A status report was authenticated too: its key pair tells the PQ rekey state whether the
 * ground switched. */
static aus_err sat_report(dmn_node *n, const aus_agent_rx *rx)
{
    (void)rx;
    return dmn_rekey_note_rx(n);
}

/* A command may run an external program: its "started" mark must be durable just before it
 * runs, so it is handled in a transaction of its own. */
static int sat_own_txn(uint32_t app_type) { return app_type == AUS_APP_CMD; }

/* SDLS-EP procedures at frame level (355.1): the board answers; the reply goes down the link. */
static aus_err sat_ep_pdu(dmn_node *n, const uint8_t *pdu, size_t len, uint16_t spi, uint8_t *reply,
                          size_t cap, size_t *rlen)
{
    aus_err e = aus_ep_handle(&n->board, pdu, len, spi, (uint64_t)time(NULL), reply, cap, rlen);
    dmn_log("SDLS-EP PDU on SA %u: %s", spi, e == AUS_OK ? "done" : aus_err_name(e));
    return AUS_OK;
}

static void sat_tick(dmn_node *n, uint64_t resend_cutoff, int scan)
{
    (void)resend_cutoff;
    (void)scan;
    dmn_rekey_release_tick(n);
    dmn_sat_timed(n); /* time-tagged commands due (timed.c) */
    dmn_app_tick(n);  /* tenant points go down after a pass (app_api_srv.c) */
}

const dmn_role_ops dmn_role_sat = {
    .name = "sat",
    .answers_requests = 1,
    .store_open = sat_store_open,
    .start = sat_start,
    .handle = sat_handle,
    .report = sat_report,
    .finish = sat_finish,
    .own_txn = sat_own_txn,
    .ep_pdu = sat_ep_pdu,
    .tick = sat_tick,
};
