/* SPDX-License-Identifier: Apache-2.0 */
/* The ground role's port of the request life: the life itself (ids, pending records, answers
 * stored exactly once, re-sends, image bitmaps, the FORGET mark, failed requests) is the core's,
 * src/app/app_ground.c (state table there, records in docs/app-ground.md). Here: the
 * download's files (the core's file_* ops), what an answer does on this node (rekey responses
 * install keys, SDLS-EP replies as text), the answers as JSON for the client, log lines, and the
 * one-time move of an older ground's cJSON records to the core's CBOR ones.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2(2), RENAME_NOREPLACE */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "australis/app_ground.h"
#include "australis/base.h"
#include "daemon.h"
#include "uplink.h"
#include "role.h"
#include "gateway.h" /* the gateway to the terrestrial DTN */
#include "ops_hooks.h"
#include "app_api_srv.h" /* the tenant programs' points batches (re-archiving) */
#include "store_keys.h"
#include "../../../port/posix/posix_io.h" /* apps see include/ and src/ only */

#define CHUNK_DEFAULT 8192u
/* FORGET once the low-water mark moved this far */
#define FORGET_STEP 64u

/* ---- the download's folder and temporary file (DESIGN.md §5a) ----
 * Everything a download writes happens through a descriptor of LOCAL's folder, checked each
 * time it is opened: a directory owned by us or by root, and writable by group or others only
 * when it is sticky (there nobody but us and root can rename or remove our files). The
 * temporary belongs to its request, LOCAL.<id>.part: created O_CREAT|O_EXCL|O_NOFOLLOW 0600,
 * reopened O_NOFOLLOW only if it is ours (regular file, our uid, mode 0600, one link). Anything
 * else at that name is left alone and the request fails with a sentence. */
#define DL_WHY 2048 /* two paths and a sentence */

typedef struct dl_file {
    int dir, fd;
    const char *local;       /* LOCAL as recorded at submit */
    const char *base;        /* its last component */
    char part[NAME_MAX + 1]; /* the temporary's name inside dir */
    char why[DL_WHY];        /* why the request failed */
} dl_file;

static void dl_close(dl_file *d)
{
    if (d->fd >= 0)
        close(d->fd);
    if (d->dir >= 0)
        close(d->dir);
    d->fd = d->dir = -1;
}

static const char *dir_refusal(const struct stat *st)
{
    if (!S_ISDIR(st->st_mode))
        return "not a directory";
    if (st->st_uid != geteuid() && st->st_uid != 0)
        return "owned by another user";
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
        return "writable by group or others and not sticky";
    return NULL;
}

/* Why an existing object at the temporary's name is not ours (NULL: it is). */
static const char *not_ours(const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return S_ISDIR(st->st_mode) ? "is a directory" : "is not a regular file";
    if (st->st_uid != geteuid())
        return "belongs to another user";
    if ((st->st_mode & 07777) != 0600)
        return "has a mode other than 0600";
    if (st->st_nlink != 1)
        return "has more than one link";
    return NULL;
}

/* Open LOCAL's folder and the request's temporary; `create`: none of its chunks is recorded
 * yet, so the temporary may be created. Returns 0, or -1 with d->why set. */
static int dl_open(dl_file *d, const char *local, uint64_t id, int create)
{
    char dir[DMN_PATH];
    d->dir = d->fd = -1;
    d->local = local;
    d->why[0] = '\0';
    const char *slash = strrchr(local, '/');
    d->base = slash ? slash + 1 : local;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == local ? 1 : slash - local) : 1,
             slash ? local : ".");
    int k = snprintf(d->part, sizeof d->part, "%s.%llu.part", d->base, (unsigned long long)id);
    if (!d->base[0] || !strcmp(d->base, ".") || !strcmp(d->base, "..") || k < 0 ||
        (size_t)k >= sizeof d->part) {
        snprintf(d->why, sizeof d->why,
                 "download path %s: its file name is empty or too long for the temporary name",
                 local);
        return -1;
    }
    struct stat st;
    const char *r = NULL;
    d->dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->dir < 0 || fstat(d->dir, &st) != 0 || (r = dir_refusal(&st)) != NULL) {
        snprintf(d->why, sizeof d->why, "download folder %s: %s", dir, r ? r : strerror(errno));
        return -1;
    }
    if (create) {
        d->fd = openat(d->dir, d->part, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (d->fd >= 0 && fchmod(d->fd, 0600) == 0) /* 0600 whatever the umask: see not_ours */
            return 0;
        if (d->fd >= 0) {
            snprintf(d->why, sizeof d->why, "cannot set the mode of %s/%s: %s", dir, d->part,
                     strerror(errno));
            return -1; /* ours: image_fail removes it */
        }
        if (errno != EEXIST) {
            snprintf(d->why, sizeof d->why, "cannot create %s/%s: %s", dir, d->part,
                     strerror(errno));
            return -1;
        }
    }
    /* ours from an earlier chunk (or from before a crash): reopened without following it */
    d->fd = openat(d->dir, d->part, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (d->fd < 0 || fstat(d->fd, &st) != 0 || (r = not_ours(&st)) != NULL) {
        int err = errno;
        if (d->fd >= 0) {
            close(d->fd);
            d->fd = -1;
        }
        if (!r && err == ENOENT)
            snprintf(d->why, sizeof d->why, "%s/%s has disappeared: the chunks received are lost",
                     dir, d->part);
        else
            snprintf(d->why, sizeof d->why, "%s/%s %s: not this download's temporary, left alone",
                     dir, d->part,
                     r               ? r
                     : err == ELOOP  ? "is a symbolic link"
                     : err == EISDIR ? "is a directory"
                                     : strerror(err));
        return -1;
    }
    return 0;
}

/* rename(2) that never replaces `to` (RENAME_NOREPLACE; link + unlink where the file system
 * does not support it). */
static int rename_noreplace(int dir, const char *from, const char *to)
{
    if (renameat2(dir, from, dir, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (linkat(dir, from, dir, to, 0) != 0)
        return -1;
    (void)unlinkat(dir, from, 0);
    return 0;
}

/* SHA-256 of the temporary's first `size` bytes (it is cut to that size first). */
static int hash_part(dl_file *d, uint64_t size, uint8_t sha[32])
{
    if (ftruncate(d->fd, (off_t)size) != 0 || fsync(d->fd) != 0) {
        snprintf(d->why, sizeof d->why, "cannot finish %s: %s", d->part, strerror(errno));
        return -1;
    }
    if (dmn_sha256_fd(d->fd, size, sha) != 0) { /* uplink.c */
        snprintf(d->why, sizeof d->why, "cannot read %s: %s", d->part, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the core's file operations (a download's temporary, through dl_open) ---- */

static void view_str(char *out, size_t cap, const aus_app_view *v)
{
    snprintf(out, cap, "%.*s", (int)v->n, (const char *)v->p);
}

static aus_err dl_refused(dl_file *d, char *why, size_t cap)
{
    snprintf(why, cap, "%s", d->why);
    dl_close(d);
    return AUS_E_IO;
}

static aus_err gr_write(void *ctx, uint64_t id, const aus_app_view *local, int first, uint64_t off,
                        const uint8_t *p, size_t len, char *why, size_t cap)
{
    char path[DMN_PATH];
    dl_file d;
    (void)ctx;
    view_str(path, sizeof path, local);
    if (dl_open(&d, path, id, first) != 0)
        return dl_refused(&d, why, cap);
    errno = 0;
    if ((len && pwrite(d.fd, p, len, (off_t)off) != (ssize_t)len) || fdatasync(d.fd) != 0) {
        snprintf(d.why, sizeof d.why, "cannot write to %s.%llu.part: %s", path,
                 (unsigned long long)id, errno ? strerror(errno) : "short write");
        return dl_refused(&d, why, cap);
    }
    dl_close(&d);
    return AUS_OK;
}

static aus_err gr_hash(void *ctx, uint64_t id, const aus_app_view *local, uint64_t size,
                       uint8_t sha[AUS_APP_SHA256], char *why, size_t cap)
{
    char path[DMN_PATH];
    dl_file d;
    (void)ctx;
    view_str(path, sizeof path, local);
    if (dl_open(&d, path, id, 0) != 0 || hash_part(&d, size, sha) != 0)
        return dl_refused(&d, why, cap);
    dl_close(&d);
    return AUS_OK;
}

/* Every chunk is in and verified: rename into place without ever replacing an existing LOCAL
 * (another request's download, or a file put there since): the image is then kept as
 * LOCAL.<id> and the request fails with a sentence saying so. */
static aus_err gr_place(void *ctx, uint64_t id, const aus_app_view *local, char *why, size_t cap)
{
    char path[DMN_PATH], kept[NAME_MAX + 1], where[DMN_PATH + NAME_MAX + 2];
    dl_file d;
    (void)ctx;
    view_str(path, sizeof path, local);
    if (dl_open(&d, path, id, 0) != 0)
        return dl_refused(&d, why, cap);
    int ok = rename_noreplace(d.dir, d.part, d.base) == 0;
    int err = errno;
    const char *name = d.part;
    if (!ok && err == EEXIST) {
        int k = snprintf(kept, sizeof kept, "%s.%llu", d.base, (unsigned long long)id);
        if (k > 0 && (size_t)k < sizeof kept && rename_noreplace(d.dir, d.part, kept) == 0)
            name = kept;
    }
    snprintf(where, sizeof where, "%.*s%s", (int)(d.base - d.local), d.local, name);
    if (!ok && err == EEXIST)
        snprintf(why, cap,
                 "SHA-256 verified, but %s already exists and is never replaced: the image is "
                 "kept as %s",
                 path, where);
    else if (!ok)
        snprintf(why, cap, "SHA-256 verified, but cannot rename %s to %s: %s", where, path,
                 strerror(err));
    if (fsync(d.dir) != 0 && ok)
        dmn_log("image id=%llu: cannot sync the folder of %s: %s", (unsigned long long)id, path,
                strerror(errno));
    dl_close(&d);
    return ok ? AUS_OK : AUS_E_IO;
}

/* A failed download: its temporary is removed when it is ours (anything else is left alone). */
static void gr_discard(void *ctx, uint64_t id, const aus_app_view *local)
{
    char path[DMN_PATH];
    dl_file d;
    (void)ctx;
    view_str(path, sizeof path, local);
    if (dl_open(&d, path, id, 0) == 0)
        (void)unlinkat(d.dir, d.part, 0);
    dl_close(&d);
}

/* ---- what an answer does here (the core's answer hook, before the answer is stored) ---- */

static aus_err gr_answer(void *ctx, uint8_t req_type, const aus_app_msg *m, uint32_t *status,
                         char *note, size_t cap)
{
    dmn_node *n = ctx;
    unsigned long long id = (unsigned long long)m->id;
    (void)req_type;
    if (m->type == AUS_APP_TM_REPORT) {
        dmn_log("tm-report id=%llu: %zu values", id, m->nkv);
        long ev = dmn_dict_tm_report(n, m); /* values outside their limits: events */
        if (ev < 0)
            return (aus_err)ev;
    } else if (m->type == AUS_APP_IMG_INFO) {
        snprintf(note, cap, "%s",
                 m->status == AUS_APP_ST_UNKNOWN
                     ? "no such file on the satellite"
                     : "the satellite refused to send this file (not a regular file, larger "
                       "than 1 GiB or unreadable: its log says which)");
    } else if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK && m->kind == 3) {
        char *t = dmn_sa_reply_text(m->data.p, m->data.n);
        if (t && !strncmp(t, "refused", 7))
            *status = AUS_APP_ST_ERROR;
        dmn_log("sa-response id=%llu: %s", id, t ? t : "?");
        free(t);
    } else if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK) {
        aus_err e = dmn_rekey_response(n, m->kind, m->data.p, m->data.n);
        if (e != AUS_OK) {
            dmn_log("rekey response id=%llu refused: %s", id, aus_err_str(e));
            *status = AUS_APP_ST_ERROR;
            snprintf(note, cap, "%s", aus_err_str(e));
        } else
            dmn_log("rekey-response id=%llu: ok", id);
    } else {
        dmn_log("%s id=%llu: status=%s exit=%lld", aus_app_type_name(m->type), id,
                aus_app_status_name(m->status), (long long)m->exit_code);
    }
    return AUS_OK;
}

/* Re-sends: queued inside the core's transaction. */
static aus_err gr_send(void *ctx, const uint8_t *adu, size_t len)
{
    dmn_node *n = ctx;
    aus_app_msg m;
    AUS_TRY(dmn_agent_send(n, adu, len, dmn_now_ms()));
    if (aus_app_decode(&m, adu, len) == AUS_OK)
        dmn_log("re-sent %s id=%llu%s", aus_app_type_name(m.type), (unsigned long long)m.id,
                m.nranges ? " (missing ranges only)" : "");
    return AUS_OK;
}

static aus_err migrate(dmn_node *n, aus_app_ground *g);

/* The node's core context, set up at its first use after dmn_open (which zeroes the node). */
static aus_app_ground *gr(dmn_node *n)
{
    aus_app_ground *g = &n->ground;
    if (g->store == &n->store)
        return g;
    aus_app_ground_ops ops = {gr_send,  gr_answer,  gr_write, gr_hash,
                              gr_place, gr_discard, n,        dmn_up_read}; /* uplink.c */
    aus_app_ground_cfg cfg = {n->cfg.retry_s * 1000u, n->cfg.keep_answers, CHUNK_DEFAULT,
                              FORGET_STEP};
    if (aus_app_ground_init(g, &n->store, &ops, n->cfg.tenant, &cfg) != AUS_OK) {
        g->store = NULL;
        return NULL;
    }
    return g;
}

/* The core context with an older ground's records moved first (writers only). */
static aus_err gr_rw(dmn_node *n, aus_app_ground **g)
{
    *g = gr(n);
    AUS_ENSURE(*g != NULL, AUS_E_ARG);
    return migrate(n, *g);
}

static void log_event(dmn_node *n, const aus_app_ground_event *ev)
{
    unsigned long long id = (unsigned long long)ev->id;
    aus_app_ground_answer_view a;
    if ((ev->kind == AUS_APP_GR_EV_CHUNK || ev->kind == AUS_APP_GR_EV_ANSWERED) && ev->total &&
        ev->have && (ev->have % 8 == 0 || ev->have == ev->total))
        dmn_log("image id=%llu: %llu/%llu chunks (%llu%%)", id, (unsigned long long)ev->have,
                (unsigned long long)ev->total, (unsigned long long)(100 * ev->have / ev->total));
    if (ev->kind == AUS_APP_GR_EV_FAILED)
        dmn_log("%s id=%llu failed: %s", ev->req_type == AUS_APP_IMG_REQ ? "image" : "request", id,
                n->ground.note);
    if (ev->kind == AUS_APP_GR_EV_ANSWERED && ev->req_type == AUS_APP_IMG_REQ &&
        aus_app_ground_answer(&n->ground, ev->id, &a) == AUS_OK && a.has_image)
        dmn_log("image id=%llu complete: %.*s, %llu bytes, SHA-256 verified", id, (int)a.path.n,
                (const char *)a.path.p, (unsigned long long)a.size);
}

aus_err dmn_ground_handle(dmn_node *n, const aus_agent_rx *rx)
{
    aus_app_ground *g;
    aus_app_ground_event ev;
    AUS_TRY(gr_rw(n, &g));
    AUS_TRY(aus_app_ground_on_adu(g, rx->adu, rx->len, dmn_now_ms(), &ev));
    log_event(n, &ev);
    dmn_ops_on_answer(n, rx->adu, rx->len, &ev); /* archive, live stream */
    return AUS_OK;
}

aus_err dmn_ground_record(dmn_node *n, aus_app_msg *req, const char *local, uint64_t *id,
                          aus_app_view *adu)
{
    aus_app_ground *g;
    aus_app_view l = {(const uint8_t *)local, local ? strlen(local) : 0};
    AUS_TRY(gr_rw(n, &g));
    return aus_app_ground_submit(
        g, req, req->type == AUS_APP_IMG_REQ || req->type == AUS_APP_FILE_PUT ? &l : NULL,
        dmn_now_ms(), id, adu);
}

aus_err dmn_ground_submit(dmn_node *n, aus_app_msg *req, const char *local_out, uint64_t *id)
{
    aus_app_view adu;
    AUS_TRY(n->store.ops->begin(n->store.self));
    aus_err e = dmn_ground_record(n, req, local_out, id, &adu);
    if (e == AUS_OK)
        e = dmn_agent_send(n, adu.p, adu.n, dmn_now_ms());
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
    }
    if (e == AUS_OK)
        dmn_ops_on_submit(n, req, local_out, *id); /* archive, live stream */
    return e;
}

long dmn_ground_resend(dmn_node *n, uint64_t cutoff_ms)
{
    aus_app_ground *g;
    aus_err e = gr_rw(n, &g);
    long r = e == AUS_OK ? aus_app_ground_resend(g, dmn_now_ms(), cutoff_ms) : (long)e;
    if (r < 0) {
        dmn_log("re-send stopped (%s): the rest is re-sent next time", aus_err_name((int)r));
        dmn_reset(n); /* that request's transaction was rolled back */
    }
    return r;
}

long dmn_ground_forget(dmn_node *n)
{
    aus_app_ground *g;
    aus_app_view adu;
    uint64_t low = 0;
    long r = -1;
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = gr_rw(n, &g);
    if (e == AUS_OK) {
        r = aus_app_ground_forget(g, dmn_now_ms(), &adu, &low);
        e = r < 0 ? (aus_err)r : r == 1 ? dmn_agent_send(n, adu.p, adu.n, dmn_now_ms()) : AUS_OK;
    }
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
        return -1;
    }
    if (r == 1)
        dmn_log("forget: every request below id %llu is answered; %llu old answer(s) pruned "
                "(keep_answers = %llu)",
                (unsigned long long)low, (unsigned long long)g->pruned,
                (unsigned long long)n->cfg.keep_answers);
    return r;
}

/* ---- answers as JSON (the client's format) ---- */

static void set_str(cJSON *o, const char *k, const aus_app_view *v)
{
    char *s = strndup((const char *)v->p, v->n);
    cJSON_AddStringToObject(o, k, s ? s : "");
    free(s);
}

static void add_sha(cJSON *o, uint64_t size, const uint8_t sha[32])
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    cJSON_AddNumberToObject(o, "size", (double)size);
    cJSON_AddStringToObject(o, "sha256", hex);
}

static void json_report(cJSON *o, const aus_app_msg *m)
{
    cJSON *r = cJSON_AddObjectToObject(o, "report");
    for (size_t i = 0; i < m->nkv; i++) {
        char *k = strndup((const char *)m->kv[i].name.p, m->kv[i].name.n);
        if (m->kv[i].is_text)
            set_str(r, k ? k : "", &m->kv[i].text);
        else
            cJSON_AddNumberToObject(r, k ? k : "", (double)m->kv[i].num);
        free(k);
    }
}

/* A response (command, rekey, SDLS-EP) as the client shows it. */
static void json_response(cJSON *o, const aus_app_ground_answer_view *a, const aus_app_msg *m)
{
    const char *kind = m->kind == 2 ? "pq" : "otar";
    if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK && m->kind == 3) {
        char *t = a->note.n ? strndup((const char *)a->note.p, a->note.n)
                            : dmn_sa_reply_text(m->data.p, m->data.n);
        cJSON_ReplaceItemInObject(o, "type", cJSON_CreateString("sa-response"));
        cJSON_AddStringToObject(o, "status", a->status == AUS_APP_ST_OK ? "ok" : "error");
        cJSON_AddStringToObject(o, "output", t ? t : "?");
        cJSON_AddStringToObject(o, "kind", "sa");
        free(t);
    } else if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK &&
               a->status != AUS_APP_ST_OK) {
        cJSON_AddStringToObject(o, "status", "error");
        set_str(o, "output", &a->note);
    } else if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK) {
        cJSON_AddStringToObject(o, "status", "ok");
        cJSON_AddNumberToObject(o, "exit_code", 0);
        cJSON_AddStringToObject(o, "output",
                                m->kind == 2
                                    ? "new session keys from ML-KEM-768 + master key, confirmed"
                                    : "new session keys installed by OTAR, activated");
        cJSON_AddStringToObject(o, "kind", kind);
    } else {
        cJSON_AddStringToObject(o, "status", aus_app_status_name(m->status));
        cJSON_AddNumberToObject(o, "exit_code", (double)m->exit_code);
        set_str(o, "output", &m->data);
        if (m->type == AUS_APP_REKEY_RESP)
            cJSON_AddStringToObject(o, "kind", kind);
    }
}

static cJSON *json_answer(const aus_app_ground_answer_view *a)
{
    static aus_app_msg m;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    if (a->req_type == AUS_APP_IMG_REQ && !a->adu.n) { /* a download's outcome */
        cJSON_AddStringToObject(o, "type", "image-download");
        cJSON_AddStringToObject(o, "status", a->state == AUS_APP_GR_ANSWERED ? "ok" : "failed");
        set_str(o, "path", &a->path);
        if (a->has_image)
            add_sha(o, a->size, a->sha256);
        set_str(o, "output", &a->note);
        return o;
    }
    if (aus_app_decode(&m, a->adu.p, a->adu.n) != AUS_OK) {
        cJSON_AddStringToObject(o, "type", "answer");
        cJSON_AddStringToObject(o, "status", a->state == AUS_APP_GR_ANSWERED ? "error" : "failed");
        set_str(o, "output", &a->note);
        return o;
    }
    cJSON_AddStringToObject(o, "type", aus_app_type_name(m.type));
    if (m.type == AUS_APP_TM_REPORT)
        json_report(o, &m);
    else if (m.type == AUS_APP_IMG_INFO) {
        cJSON_AddStringToObject(o, "status", aus_app_status_name(a->status));
        set_str(o, "output", &a->note);
    } else
        json_response(o, a, &m);
    return o;
}

long dmn_ground_rearchive(dmn_node *n)
{
    aus_app_ground *g = n->cfg.role_sat ? NULL : gr(n);
    aus_app_ground_item it;
    aus_app_ground_answer_view a;
    long k = 0;
    if (!g || dmn_ops_rearchive_begin(n) != 0)
        return 0;
    for (uint64_t after = 0; k >= 0; after = it.id) {
        aus_err e = aus_app_ground_next(g, AUS_APP_GR_ANSWERED, after, dmn_now_ms(), &it);
        if (e == AUS_E_NOTFOUND)
            break;
        if (e == AUS_E_MALFORMED)
            continue; /* that record is skipped, the walk goes on after it */
        if (e != AUS_OK) {
            k = -1;
            break;
        }
        if (it.req_type != AUS_APP_TM_QUERY || aus_app_ground_answer(g, it.id, &a) != AUS_OK ||
            a.adu.n == 0)
            continue;
        int r = dmn_ops_rearchive_one(n, a.answered_ms, a.adu.p, a.adu.n);
        k = r < 0 ? -1 : k + r;
    }
    if (k >= 0 && dmn_app_ground_rearchive_points(n) < 0) /* tenant programs' points */
        k = -1;
    dmn_ops_rearchive_end(n, k);
    return k;
}

char *dmn_ground_response(dmn_node *n, uint64_t id)
{
    aus_app_ground *g = gr(n);
    aus_app_ground_answer_view a;
    aus_app_ground_item it;
    cJSON *j = NULL;
    if (g && aus_app_ground_answer(g, id, &a) == AUS_OK)
        j = json_answer(&a);
    else if (g && aus_app_ground_get(g, id, dmn_now_ms(), &it) == AUS_OK &&
             it.state == AUS_APP_GR_PENDING && it.total > 0) {
        j = cJSON_CreateObject(); /* a download's progress */
        cJSON_AddBoolToObject(j, "pending", 1);
        cJSON_AddNumberToObject(j, "chunks", (double)it.have);
        cJSON_AddNumberToObject(j, "total", (double)it.total);
    } else if (g && aus_app_ground_get(g, id, dmn_now_ms(), &it) == AUS_E_NOTFOUND) {
        j = cJSON_CreateObject(); /* never submitted here (or answered and pruned since) */
        cJSON_AddBoolToObject(j, "unknown", 1);
    }
    if (!j)
        return NULL;
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    return s;
}

/* Requests the ground itself could not complete: "failed" (their count) and "failed_recent"
 * (the last FAILED_SHOWN as {id, why}; `australis status --id N` has each whole answer). */
#define FAILED_SHOWN 16

static void status_failed(aus_app_ground *g, cJSON *o)
{
    aus_app_ground_item it;
    aus_app_ground_answer_view a;
    uint64_t after = 0;
    long count = 0;
    cJSON *list = cJSON_CreateArray();
    for (;;) {
        aus_err e = aus_app_ground_next(g, AUS_APP_GR_FAILED, after, 0, &it);
        if (e != AUS_OK && e != AUS_E_MALFORMED)
            break;
        after = it.id;
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "id", (double)it.id);
        if (e == AUS_OK && aus_app_ground_answer(g, it.id, &a) == AUS_OK)
            set_str(f, "why", &a.note);
        else
            cJSON_AddStringToObject(f, "why", "(its record does not decode)");
        cJSON_AddItemToArray(list, f);
        if (cJSON_GetArraySize(list) > FAILED_SHOWN)
            cJSON_DeleteItemFromArray(list, 0);
        count++;
    }
    cJSON_AddNumberToObject(o, "failed", (double)count);
    cJSON_AddItemToObject(o, "failed_recent", list);
}

static long count_answers(aus_app_ground *g, uint8_t state)
{
    aus_app_ground_item it;
    uint64_t after = 0;
    long count = 0;
    for (;;) {
        aus_err e = aus_app_ground_next(g, state, after, 0, &it);
        if (e != AUS_OK && e != AUS_E_MALFORMED)
            return count;
        after = it.id;
        count++;
    }
}

/* One pending request for `australis status`: its age, the times sent, an image's progress and
 * when the next re-send is due (seconds; 0: at the next loop). */
static void status_pending(dmn_node *n, cJSON *arr, const aus_app_ground_item *it)
{
    uint64_t now = dmn_now_ms(), due = it->last_sent_ms + n->cfg.retry_s * 1000u;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)it->id);
    cJSON_AddStringToObject(o, "type", aus_app_type_name(it->req_type));
    cJSON_AddNumberToObject(o, "age_s",
                            (double)(now > it->submitted_ms ? now - it->submitted_ms : 0) / 1000.0);
    cJSON_AddNumberToObject(o, "sends", (double)it->sends);
    cJSON_AddNumberToObject(o, "next_retry_s", (double)(due > now ? due - now : 0) / 1000.0);
    if (it->total) {
        cJSON_AddNumberToObject(o, "chunks", (double)it->have);
        cJSON_AddNumberToObject(o, "total", (double)it->total);
    }
    cJSON_AddItemToArray(arr, o);
}

/* The operator's `australis retry ID` / `cancel ID` (own transaction). A time-tagged command
 * waits on board: cancelling it is the satellite's to do (a TT_CANCEL request, *sent its id);
 * the command's own answer then says "cancelled before it ran", or how it ran. */
aus_err dmn_ground_control(dmn_node *n, uint64_t id, int cancel, uint64_t *sent)
{
    aus_app_ground *g = gr(n);
    aus_app_ground_item it;
    AUS_ENSURE(g != NULL, AUS_E_ARG);
    *sent = 0;
    if (cancel && aus_app_ground_get(g, id, 0, &it) == AUS_OK && it.state == AUS_APP_GR_PENDING &&
        it.req_type == AUS_APP_CMD_AT) {
        static aus_app_msg m;
        memset(&m, 0, sizeof m);
        m.type = AUS_APP_TT_CANCEL;
        m.offset = id;
        return dmn_ground_submit(n, &m, "", sent);
    }
    aus_err e = cancel ? aus_app_ground_cancel(g, id, dmn_now_ms())
                       : aus_app_ground_retry(g, id, dmn_now_ms());
    if (e != AUS_OK && e != AUS_E_NOTFOUND)
        dmn_reset(n); /* a rolled-back transaction: re-read the counters */
    if (e == AUS_OK)
        dmn_log("client: request id=%llu %s", (unsigned long long)id,
                cancel ? "cancelled" : "re-sent now");
    return e;
}

char *dmn_ground_status(dmn_node *n)
{
    aus_app_ground *g = gr(n);
    aus_app_ground_item it;
    uint64_t after = 0;
    cJSON *o = cJSON_CreateObject(), *p = cJSON_AddArrayToObject(o, "pending");
    cJSON *d = cJSON_AddArrayToObject(o, "pending_detail");
    for (;;) {
        aus_err e = g ? aus_app_ground_next(g, AUS_APP_GR_PENDING, after, 0, &it) : AUS_E_ARG;
        if (e != AUS_OK && e != AUS_E_MALFORMED)
            break;
        cJSON_AddItemToArray(p, cJSON_CreateNumber((double)it.id));
        status_pending(n, d, &it);
        after = it.id;
    }
    /* every stored answer, the failed ones included (as they always were) */
    long answered =
        g ? count_answers(g, AUS_APP_GR_ANSWERED) + count_answers(g, AUS_APP_GR_FAILED) : 0;
    cJSON_AddNumberToObject(o, "answered", (double)answered);
    if (g)
        status_failed(g, o);
    cJSON_AddNumberToObject(o, "outgoing_waiting", (double)aus_fl_count(n->cfg.outgoing));
    cJSON_AddNumberToObject(o, "incoming_waiting", (double)aus_fl_count(n->cfg.incoming));
    cJSON_AddStringToObject(o, "tenant", n->cfg.tenant);
    cJSON_AddStringToObject(o, "sandbox", dmn_sandbox_summary()); /* sandbox.c */
    cJSON_AddStringToObject(o, "sandbox_missing", dmn_sandbox_missing());
    char node[32];
    snprintf(node, sizeof node, "ipn:%llu", (unsigned long long)n->cfg.node);
    cJSON_AddStringToObject(o, "node", node);
    dmn_link_status(n, o);
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}

/* ---- the move from an older ground's records (cJSON, before docs/app-ground.md) ----
 * Old keys (tenant t, id as 16 hex): gr/t/req/id = [last sent ms, 8 bytes BE][request ADU];
 * gr/t/img/id = JSON {remote, local, chunk, size, sha256 (hex)}; gr/t/map/id = bitmap of the
 * chunks received; gr/t/resp/id = the answer as JSON (the client's format); gr/t/fail/id = the
 * sentence of a failed download. gr/t/rid and gr/t/forgot keep their layout. Everything moves in
 * one transaction (the caller's when one is open); a record that does not convert becomes a
 * FAILED answer saying so, never a reason to stop. */
static const char *const old_kinds[] = {"req", "resp", "img", "map", "fail"};

static void old_key(const dmn_node *n, char *key, const char *what, const char *hex)
{
    dmn_key k;
    memcpy(key, dmn_key_gr_v1(&k, n->cfg.tenant, what, hex), sizeof k.s);
}

/* An old value (malloc'd, NUL after it), or NULL. */
static uint8_t *old_get(dmn_node *n, const char *key, size_t *len)
{
    size_t need = 0;
    uint8_t one[1];
    aus_err e = n->store.ops->get(n->store.self, key, one, 0, &need);
    if (e != AUS_E_NOBUFS && e != AUS_OK)
        return NULL;
    uint8_t *p = malloc(need + 1);
    if (p && n->store.ops->get(n->store.self, key, p, need, len) == AUS_OK) {
        p[*len] = '\0';
        return p;
    }
    free(p);
    return NULL;
}

static cJSON *old_json(dmn_node *n, const char *what, const char *hex)
{
    char key[AUS_STORE_KEY_MAX];
    size_t len = 0;
    old_key(n, key, what, hex);
    uint8_t *p = old_get(n, key, &len);
    cJSON *j = p ? cJSON_Parse((const char *)p) : NULL;
    free(p);
    return j;
}

static double jnum(const cJSON *o, const char *k, double def)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static const char *jstr(const cJSON *o, const char *k, const char *def)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : def;
}

static aus_err old_failed(aus_app_ground *g, uint64_t id, uint8_t req_type, const char *why)
{
    static const aus_app_ground_answer_view zero;
    aus_app_ground_answer_view a = zero;
    a.id = id;
    a.state = AUS_APP_GR_FAILED;
    a.req_type = req_type;
    a.reason = AUS_E_MALFORMED;
    a.status = AUS_APP_ST_ERROR;
    a.note = (aus_app_view){(const uint8_t *)why, strlen(why)};
    return aus_app_ground_import_answer(g, &a);
}

/* The ground before the per-request temporaries kept a download's data in LOCAL.part (one
 * per local path); give it the name this ground reads, LOCAL.<id>.part, unless that exists
 * already (moved by an earlier try whose transaction failed). A file planted there is still
 * refused when it is opened (dl_open: O_NOFOLLOW, ours, 0600). */
static void old_part(const char *local, uint64_t id)
{
    char from[PATH_MAX], to[PATH_MAX];
    int a = snprintf(from, sizeof from, "%s.part", local);
    int b = snprintf(to, sizeof to, "%s.%llu.part", local, (unsigned long long)id);
    if (a > 0 && (size_t)a < sizeof from && b > 0 && (size_t)b < sizeof to)
        (void)rename_noreplace(AT_FDCWD, from, to);
}

/* One old pending request (gr/t/req/hex, with its img and map records). */
static aus_err old_pending(dmn_node *n, aus_app_ground *g, const char *hex)
{
    static const aus_app_msg zero;
    char key[AUS_STORE_KEY_MAX];
    size_t len = 0, mlen = 0;
    uint64_t id = strtoull(hex, NULL, 16), ms = 0;
    old_key(n, key, "req", hex);
    uint8_t *rec = old_get(n, key, &len);
    AUS_ENSURE(rec != NULL, AUS_E_IO);
    for (size_t i = 0; i < 8 && i < len; i++)
        ms = ms << 8 | rec[i];
    cJSON *img = old_json(n, "img", hex);
    old_key(n, key, "map", hex);
    uint8_t *map = old_get(n, key, &mlen);
    aus_app_msg info = zero;
    const char *sha = jstr(img, "sha256", "");
    info.size = (uint64_t)jnum(img, "size", 0);
    info.chunk = strlen(sha) == 64 ? (uint64_t)jnum(img, "chunk", 0) : 0;
    for (size_t i = 0; info.chunk && i < 32; i++) {
        unsigned v = 0;
        if (sscanf(sha + 2 * i, "%2x", &v) != 1)
            info.chunk = 0;
        info.sha256[i] = (uint8_t)v;
    }
    const char *local = jstr(img, "local", "image.out");
    aus_app_view l = {(const uint8_t *)local, strlen(local)};
    if (img && map)
        old_part(local, id);
    aus_err e = len > 8 ? aus_app_ground_import_pending(g, id, rec + 8, len - 8, ms, &l, &info, map,
                                                        map ? mlen * 8 : 0)
                        : AUS_E_TRUNC;
    if (e != AUS_OK && e != AUS_E_IO && e != AUS_E_INTERNAL)
        e = old_failed(g, id, 0, "the older ground's record of this request could not be read");
    if (e != AUS_OK && e != AUS_E_IO && e != AUS_E_INTERNAL) {
        dmn_log("store: old request %s could not be moved (%s): dropped", hex, aus_err_name(e));
        e = AUS_OK;
    }
    cJSON_Delete(img);
    free(map);
    free(rec);
    return e;
}

static uint32_t status_of(const char *s)
{
    for (uint32_t st = AUS_APP_ST_OK; st <= AUS_APP_ST_INTERRUPTED; st++)
        if (!strcmp(s, aus_app_status_name(st)))
            return st;
    return AUS_APP_ST_ERROR;
}

/* An old answer's response ADU (what the client was shown, rebuilt). */
static aus_err old_adu(const cJSON *j, aus_app_ground_answer_view *a, uint8_t *buf, size_t cap)
{
    static aus_app_msg m;
    static const aus_app_msg zero;
    const char *type = jstr(j, "type", ""), *out = jstr(j, "output", "");
    const cJSON *rep = cJSON_GetObjectItem(j, "report"), *it;
    m = zero;
    m.id = a->id;
    m.status = a->status = status_of(jstr(j, "status", "ok"));
    m.kind = !strcmp(jstr(j, "kind", ""), "pq") ? 2 : 1;
    if (!strcmp(type, "tm-report")) {
        m.type = AUS_APP_TM_REPORT;
        a->req_type = AUS_APP_TM_QUERY;
        cJSON_ArrayForEach(it, rep)
        {
            if (m.nkv == AUS_APP_MAX_KV)
                break;
            aus_app_kv *kv = &m.kv[m.nkv++];
            kv->name = (aus_app_view){(const uint8_t *)it->string, strlen(it->string)};
            kv->is_text = cJSON_IsString(it);
            kv->num = (int64_t)(cJSON_IsNumber(it) ? it->valuedouble : 0);
            if (kv->is_text)
                kv->text =
                    (aus_app_view){(const uint8_t *)it->valuestring, strlen(it->valuestring)};
        }
    } else if (!strcmp(type, "image-info")) {
        m.type = AUS_APP_IMG_INFO;
        a->req_type = AUS_APP_IMG_REQ;
        a->note = (aus_app_view){(const uint8_t *)out, strlen(out)};
    } else if (!strcmp(type, "sa-response") || !strcmp(type, "rekey-response")) {
        m.type = AUS_APP_REKEY_RESP;
        a->req_type = AUS_APP_REKEY_REQ;
        int sa = !strcmp(type, "sa-response"), refused = !cJSON_GetObjectItem(j, "exit_code");
        if (sa || m.status == AUS_APP_ST_OK || refused) { /* the ground's words: the note */
            m.status = AUS_APP_ST_OK;
            m.kind = sa ? 3 : m.kind;
            a->note = (aus_app_view){(const uint8_t *)out, strlen(out)};
        } else
            m.data = (aus_app_view){(const uint8_t *)out, strlen(out)};
    } else {
        m.type = AUS_APP_CMD_RESP;
        a->req_type = AUS_APP_CMD;
        m.exit_code = (int64_t)jnum(j, "exit_code", -1);
        m.data = (aus_app_view){(const uint8_t *)out, strlen(out)};
    }
    size_t n = 0;
    AUS_TRY(aus_app_encode(&m, buf, cap, &n));
    a->adu = (aus_app_view){buf, n};
    return AUS_OK;
}

/* One old answer (gr/t/resp/hex). */
static aus_err old_answer(dmn_node *n, aus_app_ground *g, const char *hex)
{
    static const aus_app_ground_answer_view zero;
    static uint8_t buf[AUS_APP_GROUND_REC_MAX];
    aus_app_ground_answer_view a = zero;
    uint64_t id = strtoull(hex, NULL, 16);
    cJSON *j = old_json(n, "resp", hex);
    a.id = id;
    a.state = AUS_APP_GR_ANSWERED;
    a.answered_ms = dmn_now_ms();
    aus_err e = j ? AUS_OK : AUS_E_MALFORMED;
    if (e == AUS_OK && !strcmp(jstr(j, "type", ""), "image-download")) {
        const char *out = jstr(j, "output", ""), *path = jstr(j, "path", ""),
                   *sha = jstr(j, "sha256", "");
        int ok = !strcmp(jstr(j, "status", ""), "ok");
        a.state = ok ? AUS_APP_GR_ANSWERED : AUS_APP_GR_FAILED;
        a.req_type = AUS_APP_IMG_REQ;
        a.status = ok ? AUS_APP_ST_OK : AUS_APP_ST_ERROR;
        a.reason = ok ? AUS_OK : !strncmp(out, "SHA-256 mismatch", 16) ? AUS_E_AUTH : AUS_E_IO;
        a.note = (aus_app_view){(const uint8_t *)out, strlen(out)};
        a.path = (aus_app_view){(const uint8_t *)path, strlen(path)};
        a.has_image = strlen(sha) == 64;
        a.size = (uint64_t)jnum(j, "size", 0);
        for (size_t i = 0; a.has_image && i < 32; i++) {
            unsigned v = 0;
            a.has_image = sscanf(sha + 2 * i, "%2x", &v) == 1;
            a.sha256[i] = (uint8_t)v;
        }
    } else if (e == AUS_OK)
        e = old_adu(j, &a, buf, sizeof buf);
    if (e == AUS_OK)
        e = aus_app_ground_import_answer(g, &a);
    if (e != AUS_OK && e != AUS_E_IO && e != AUS_E_INTERNAL)
        e = old_failed(g, id, 0, "the older ground's record of this answer could not be read");
    if (e != AUS_OK && e != AUS_E_IO && e != AUS_E_INTERNAL) {
        dmn_log("store: old answer %s could not be moved (%s): dropped", hex, aus_err_name(e));
        e = AUS_OK;
    }
    cJSON_Delete(j);
    return e;
}

/* Move every record of one old kind (deleting it); counts in *moved. */
static aus_err old_move(dmn_node *n, aus_app_ground *g, const char *what, long *moved)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    old_key(n, prefix, what, NULL);
    for (;;) {
        aus_err e = n->store.ops->next(n->store.self, prefix, "", key, sizeof key);
        if (e == AUS_E_NOTFOUND)
            return AUS_OK;
        AUS_TRY(e);
        const char *hex = key + strlen(prefix);
        char *end = NULL;
        int ours = strlen(hex) == 16 && strtoull(hex, &end, 16) != 0 && end && !*end;
        if (!ours && (!strcmp(what, "req") || !strcmp(what, "resp"))) {
            char esc[2 * AUS_STORE_KEY_MAX];
            aus_posix_escape(esc, sizeof esc, key, strlen(key), 0);
            dmn_log("store: %s is no record of the older ground (no request id): dropped", esc);
        } else if (!strcmp(what, "req"))
            AUS_TRY(old_pending(n, g, hex));
        else if (!strcmp(what, "resp"))
            AUS_TRY(old_answer(n, g, hex));
        AUS_TRY(n->store.ops->del(n->store.self, key));
        *moved += !strcmp(what, "req") || !strcmp(what, "resp");
    }
}

static aus_err migrate(dmn_node *n, aus_app_ground *g)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    int any = 0, own = 0;
    long moved = 0;
    if (n->readonly)
        return AUS_OK;
    for (size_t i = 0; i < sizeof old_kinds / sizeof old_kinds[0] && !any; i++) {
        old_key(n, prefix, old_kinds[i], NULL);
        any = n->store.ops->next(n->store.self, prefix, "", key, sizeof key) == AUS_OK;
    }
    if (!any) /* nothing (left) to move: the store is of today's layout (docs/store.md) */
        return dmn_schema_mark(&n->store);
    AUS_TRY(aus_store_txn_enter(&n->store, &own));
    aus_err e = AUS_OK;
    /* pending first (they read img and map), then answers, then what is left over */
    for (size_t i = 0; i < sizeof old_kinds / sizeof old_kinds[0] && e == AUS_OK; i++)
        e = old_move(n, g, old_kinds[i], &moved);
    if (e == AUS_OK) /* the version moves with the records, in the same transaction */
        e = dmn_schema_mark(&n->store);
    e = aus_store_txn_leave(&n->store, own, e);
    if (e == AUS_OK)
        dmn_log("store: %ld request(s) and answer(s) of the older ground moved to the records "
                "of docs/app-ground.md",
                moved);
    else
        dmn_log("store: moving the older ground's records failed (%s): retried at the next use",
                aus_err_name(e));
    return e;
}
