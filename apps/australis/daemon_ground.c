/* The ground role: requests submitted by the client, responses recorded for it, image
 * downloads reassembled and verified, and re-sends after a pass for whatever is missing.
 *
 * Store layout (tenant t, id = request id as 16 hex digits):
 *   gr/t/rid            request-id counter (reserved before use: ids never repeat)
 *   gr/t/req/id         pending request: [last activity ms, 8 bytes BE][request ADU]
 *   gr/t/img/id         image download: JSON {remote, local, size, chunk, sha256}
 *   gr/t/map/id         chunks received (bitmap)
 *   gr/t/resp/id        the final answer as JSON (the pending record is then deleted)
 *   gr/t/fail/id        a request the ground itself could not complete: the sentence why
 *                       (listed by `australis status`; pruned with the answers)
 *   gr/t/forgot         the last low-water mark sent in a FORGET
 *
 * A request's life (every step one store transaction):
 *   state                 event                              next
 *   (none)                submit                             PENDING (req record, bundle queued)
 *   PENDING               answer arrives                     ANSWERED (resp record, req deleted)
 *   PENDING               retry time / a run has passed      PENDING (re-sent; images: missing
 *                                                            ranges only)
 *   PENDING (image)       image-info                         PENDING, size/SHA/chunk known
 *   PENDING (image)       chunk (after info)                 PENDING, bit set, data in the
 *                                                            request's LOCAL.<id>.part
 *   PENDING (image)       last chunk, SHA-256 matches        ANSWERED (.part renamed, never
 *                                                            over an existing LOCAL)
 *   PENDING (image)       the download folder or temporary   FAILED (answered "failed" with
 *                         refused, or a write fails          the sentence; later chunks ignored)
 *   ANSWERED / FAILED     duplicate answer, late chunk       unchanged (ignored)
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "australis/base.h"
#include "daemon.h"
#include "daemon_link.h"

#define CHUNK_DEFAULT 8192u

static void gkey(const dmn_node *n, char *key, const char *what, uint64_t id)
{
    if (id)
        snprintf(key, AUS_STORE_KEY_MAX, "gr/%s/%s/%016llx", n->cfg.tenant, what,
                 (unsigned long long)id);
    else
        snprintf(key, AUS_STORE_KEY_MAX, "gr/%s/%s", n->cfg.tenant, what);
}

static aus_err put_json(dmn_node *n, const char *key, cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    if (!s)
        return AUS_E_NOBUFS;
    aus_err e = n->store.ops->put(n->store.self, key, (const uint8_t *)s, strlen(s));
    free(s);
    return e;
}

static cJSON *get_json(dmn_node *n, const char *key)
{
    static uint8_t buf[16384];
    size_t len = 0;
    if (n->store.ops->get(n->store.self, key, buf, sizeof buf - 1, &len) != AUS_OK)
        return NULL;
    buf[len] = '\0';
    return cJSON_Parse((const char *)buf);
}

static aus_err finish_request(dmn_node *n, uint64_t id, cJSON *resp)
{
    char key[AUS_STORE_KEY_MAX];
    gkey(n, key, "resp", id);
    AUS_TRY(put_json(n, key, resp));
    gkey(n, key, "req", id);
    AUS_TRY(n->store.ops->del(n->store.self, key));
    gkey(n, key, "map", id);
    return n->store.ops->del(n->store.self, key);
}

static int have_response(dmn_node *n, uint64_t id)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t b[1];
    size_t len;
    gkey(n, key, "resp", id);
    aus_err e = n->store.ops->get(n->store.self, key, b, sizeof b, &len);
    return e == AUS_OK || e == AUS_E_NOBUFS;
}

static void set_str(cJSON *o, const char *k, const aus_app_view *v)
{
    char *s = strndup((const char *)v->p, v->n);
    cJSON_AddStringToObject(o, k, s ? s : "");
    free(s);
}

static cJSON *base_resp(const aus_app_msg *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)m->id);
    cJSON_AddStringToObject(o, "type", aus_app_type_name(m->type));
    return o;
}

static aus_err on_report(dmn_node *n, const aus_app_msg *m)
{
    cJSON *o = base_resp(m), *r = cJSON_AddObjectToObject(o, "report");
    for (size_t i = 0; i < m->nkv; i++) {
        char *k = strndup((const char *)m->kv[i].name.p, m->kv[i].name.n);
        if (m->kv[i].is_text)
            set_str(r, k, &m->kv[i].text);
        else
            cJSON_AddNumberToObject(r, k, (double)m->kv[i].num);
        free(k);
    }
    dmn_log("tm-report id=%llu: %zu values", (unsigned long long)m->id, m->nkv);
    aus_err e = finish_request(n, m->id, o);
    cJSON_Delete(o);
    return e;
}

static aus_err on_cmd_resp(dmn_node *n, const aus_app_msg *m)
{
    cJSON *o = base_resp(m);
    if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK && m->kind == 3) {
        char *t = dmn_sa_reply_text(m->data.p, m->data.n);
        int refused = t && !strncmp(t, "refused", 7);
        cJSON_ReplaceItemInObject(o, "type", cJSON_CreateString("sa-response"));
        cJSON_AddStringToObject(o, "status", refused ? "error" : "ok");
        cJSON_AddStringToObject(o, "output", t ? t : "?");
        cJSON_AddStringToObject(o, "kind", "sa");
        dmn_log("sa-response id=%llu: %s", (unsigned long long)m->id, t ? t : "?");
        free(t);
        aus_err e = finish_request(n, m->id, o);
        cJSON_Delete(o);
        return e;
    }
    if (m->type == AUS_APP_REKEY_RESP && m->status == AUS_APP_ST_OK) {
        aus_err e = dmn_rekey_response(n, m->kind, m->data.p, m->data.n);
        if (e != AUS_OK) {
            dmn_log("rekey response id=%llu refused: %s", (unsigned long long)m->id,
                    aus_err_str(e));
            cJSON_AddStringToObject(o, "status", "error");
            cJSON_AddStringToObject(o, "output", aus_err_str(e));
            e = finish_request(n, m->id, o);
            cJSON_Delete(o);
            return e;
        }
        cJSON_AddStringToObject(o, "status", "ok");
        cJSON_AddNumberToObject(o, "exit_code", 0);
        cJSON_AddStringToObject(o, "output",
                                m->kind == 2
                                    ? "new session keys from ML-KEM-768 + master key, confirmed"
                                    : "new session keys installed by OTAR, activated");
        cJSON_AddStringToObject(o, "kind", m->kind == 2 ? "pq" : "otar");
        dmn_log("rekey-response id=%llu: ok", (unsigned long long)m->id);
        e = finish_request(n, m->id, o);
        cJSON_Delete(o);
        return e;
    }
    cJSON_AddStringToObject(o, "status", aus_app_status_name(m->status));
    cJSON_AddNumberToObject(o, "exit_code", (double)m->exit_code);
    set_str(o, "output", &m->data);
    if (m->type == AUS_APP_REKEY_RESP)
        cJSON_AddStringToObject(o, "kind", m->kind == 2 ? "pq" : "otar");
    dmn_log("%s id=%llu: status=%s exit=%lld", aus_app_type_name(m->type),
            (unsigned long long)m->id, aus_app_status_name(m->status), (long long)m->exit_code);
    aus_err e = finish_request(n, m->id, o);
    cJSON_Delete(o);
    return e;
}

static aus_err on_img_info(dmn_node *n, const aus_app_msg *m)
{
    char key[AUS_STORE_KEY_MAX];
    gkey(n, key, "img", m->id);
    cJSON *img = get_json(n, key);
    if (!img || have_response(n, m->id)) {
        cJSON_Delete(img);
        return AUS_OK; /* not ours, or answered (complete or failed): ignore */
    }
    if (m->status != AUS_APP_ST_OK) {
        cJSON *o = base_resp(m);
        cJSON_AddStringToObject(o, "status", aus_app_status_name(m->status));
        cJSON_AddStringToObject(o, "output",
                                m->status == AUS_APP_ST_UNKNOWN
                                    ? "no such file on the satellite"
                                    : "the satellite refused to send this file (not a regular "
                                      "file, larger than 1 GiB or unreadable: its log says which)");
        aus_err e = finish_request(n, m->id, o);
        cJSON_Delete(o);
        cJSON_Delete(img);
        return e;
    }
    char sha[65];
    for (int i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", m->sha256[i]);
    cJSON_DeleteItemFromObject(img, "size");
    cJSON_DeleteItemFromObject(img, "sha256");
    cJSON_DeleteItemFromObject(img, "chunk");
    cJSON_AddNumberToObject(img, "size", (double)m->size);
    cJSON_AddStringToObject(img, "sha256", sha);
    cJSON_AddNumberToObject(img, "chunk", (double)m->chunk);
    aus_err e = put_json(n, key, img);
    cJSON_Delete(img);
    return e;
}

static int bit(const uint8_t *map, uint64_t i) { return (map[i / 8] >> (i % 8)) & 1; }

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

static aus_err put_fail(dmn_node *n, uint64_t id, const char *why)
{
    char key[AUS_STORE_KEY_MAX];
    gkey(n, key, "fail", id);
    return n->store.ops->put(n->store.self, key, (const uint8_t *)why, strlen(why));
}

/* The answer to an image download: `ok` = 1 (LOCAL in place) or 0 ("failed", with why; the
 * request then shows up in `australis status`). */
static aus_err image_answer(dmn_node *n, uint64_t id, int ok, const char *path, uint64_t size,
                            const uint8_t *sha, const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "type", "image-download");
    cJSON_AddStringToObject(o, "status", ok ? "ok" : "failed");
    cJSON_AddStringToObject(o, "path", path);
    if (sha) {
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", sha[i]);
        cJSON_AddNumberToObject(o, "size", (double)size);
        cJSON_AddStringToObject(o, "sha256", hex);
    }
    cJSON_AddStringToObject(o, "output", why);
    if (ok)
        dmn_log("image id=%llu complete: %s, %llu bytes, SHA-256 verified", (unsigned long long)id,
                path, (unsigned long long)size);
    else
        dmn_log("image id=%llu failed: %s", (unsigned long long)id, why);
    aus_err e = ok ? AUS_OK : put_fail(n, id, why);
    if (e == AUS_OK)
        e = finish_request(n, id, o);
    cJSON_Delete(o);
    return e;
}

/* A download that cannot go on: its temporary (if ours and open) is removed, the request is
 * answered "failed". Returns the store's error only. */
static aus_err image_fail(dmn_node *n, uint64_t id, dl_file *d)
{
    if (d->fd >= 0)
        (void)unlinkat(d->dir, d->part, 0);
    dl_close(d);
    return image_answer(n, id, 0, d->local, 0, NULL, d->why);
}

/* SHA-256 of the temporary's first `size` bytes (it is cut to that size first). */
static int hash_part(dl_file *d, uint64_t size, uint8_t sha[32])
{
    if (ftruncate(d->fd, (off_t)size) != 0 || fsync(d->fd) != 0) {
        snprintf(d->why, sizeof d->why, "cannot finish %s: %s", d->part, strerror(errno));
        return -1;
    }
    void *p = size ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, d->fd, 0) : NULL;
    if (p == MAP_FAILED) {
        snprintf(d->why, sizeof d->why, "cannot read %s: %s", d->part, strerror(errno));
        return -1;
    }
    aus_iov iov = {p, (size_t)size};
    const aus_crypto *c = aus_crypto_default();
    aus_err e = c->ops->hash(c->self, AUS_HASH_SHA256, &iov, 1, sha, 32);
    if (p)
        munmap(p, (size_t)size);
    if (e != AUS_OK) {
        snprintf(d->why, sizeof d->why, "cannot hash %s: %s", d->part, aus_err_str(e));
        return -1;
    }
    return 0;
}

/* Every chunk is in: verify, then rename into place without ever replacing an existing LOCAL
 * (another request's download, or a file put there since): the image is then kept as
 * LOCAL.<id> and the request fails with a sentence saying so. */
static aus_err complete_image(dmn_node *n, const aus_app_msg *m, dl_file *d, uint64_t size)
{
    uint8_t sha[32];
    if (hash_part(d, size, sha) != 0)
        return image_fail(n, m->id, d);
    if (!aus_ct_eq(sha, m->sha256, 32)) {
        snprintf(d->why, sizeof d->why,
                 "SHA-256 mismatch: the data received is not the satellite's file; ask again");
        (void)unlinkat(d->dir, d->part, 0);
        dl_close(d);
        return image_answer(n, m->id, 0, d->local, size, sha, d->why);
    }
    char kept[NAME_MAX + 1], path[DMN_PATH + NAME_MAX + 2];
    int ok = rename_noreplace(d->dir, d->part, d->base) == 0;
    int err = errno;
    const char *where = d->part;
    if (!ok && err == EEXIST) {
        int k = snprintf(kept, sizeof kept, "%s.%llu", d->base, (unsigned long long)m->id);
        if (k > 0 && (size_t)k < sizeof kept && rename_noreplace(d->dir, d->part, kept) == 0)
            where = kept;
    }
    snprintf(path, sizeof path, "%.*s%s", (int)(d->base - d->local), d->local, where);
    if (!ok && err == EEXIST)
        snprintf(d->why, sizeof d->why,
                 "SHA-256 verified, but %s already exists and is never replaced: the image is "
                 "kept as %s",
                 d->local, path);
    else if (!ok)
        snprintf(d->why, sizeof d->why, "SHA-256 verified, but cannot rename %s to %s: %s", path,
                 d->local, strerror(err));
    if (fsync(d->dir) != 0 && ok)
        dmn_log("image id=%llu: cannot sync the folder of %s: %s", (unsigned long long)m->id,
                d->local, strerror(errno));
    dl_close(d);
    return image_answer(n, m->id, ok, ok ? d->local : path, size, sha,
                        ok ? "SHA-256 verified" : d->why);
}

static aus_err on_img_chunk(dmn_node *n, const aus_app_msg *m)
{
    char key[AUS_STORE_KEY_MAX], mkey[AUS_STORE_KEY_MAX];
    gkey(n, key, "img", m->id);
    cJSON *img = get_json(n, key);
    if (!img || have_response(n, m->id)) {
        cJSON_Delete(img);
        return AUS_OK; /* not ours, or answered (complete or failed): ignored */
    }
    const cJSON *lo = cJSON_GetObjectItem(img, "local"), *ch = cJSON_GetObjectItem(img, "chunk");
    const cJSON *sz = cJSON_GetObjectItem(img, "size");
    if (!cJSON_IsNumber(sz) || !cJSON_IsNumber(ch) || ch->valuedouble <= 0 ||
        (uint64_t)sz->valuedouble != m->size) {
        /* before the image-info: the chunk grid is not known yet (the satellite may have
         * clamped the size we asked for); drop it, the next request asks for it again */
        cJSON_Delete(img);
        return AUS_OK;
    }
    uint64_t chunk = (uint64_t)ch->valuedouble;
    char local[DMN_PATH];
    snprintf(local, sizeof local, "%s", cJSON_IsString(lo) ? lo->valuestring : "image.out");
    cJSON_Delete(img);
    uint64_t nchunks = (m->size + chunk - 1) / chunk;
    if (m->offset % chunk || m->offset >= m->size || m->data.n > chunk || nchunks > (1u << 24))
        return AUS_E_MALFORMED;
    size_t maplen = (size_t)(nchunks + 7) / 8, got = 0;
    uint8_t *map = calloc(1, maplen + 1);
    if (!map)
        return AUS_E_NOBUFS;
    gkey(n, mkey, "map", m->id);
    aus_err e = n->store.ops->get(n->store.self, mkey, map, maplen, &got);
    if (e != AUS_OK && e != AUS_E_NOTFOUND) {
        free(map);
        return e;
    }
    /* from here on a failure of the download's folder or file belongs to this request alone:
     * the request fails (answered, logged, in `australis status`), the bundle is consumed */
    dl_file d;
    if (dl_open(&d, local, m->id, e == AUS_E_NOTFOUND) != 0) {
        free(map);
        return image_fail(n, m->id, &d);
    }
    errno = 0;
    if (pwrite(d.fd, m->data.p, m->data.n, (off_t)m->offset) != (ssize_t)m->data.n ||
        fdatasync(d.fd) != 0) {
        snprintf(d.why, sizeof d.why, "cannot write to %s.%llu.part: %s", local,
                 (unsigned long long)m->id, errno ? strerror(errno) : "short write");
        free(map);
        return image_fail(n, m->id, &d);
    }
    uint64_t idx = m->offset / chunk;
    map[idx / 8] |= (uint8_t)(1u << (idx % 8));
    e = n->store.ops->put(n->store.self, mkey, map, maplen);
    uint64_t have = 0;
    for (uint64_t i = 0; i < nchunks; i++)
        have += (uint64_t)bit(map, i);
    free(map);
    if (e != AUS_OK) {
        dl_close(&d);
        return e;
    }
    if (have % 8 == 0 || have == nchunks)
        dmn_log("image id=%llu: %llu/%llu chunks (%llu%%)", (unsigned long long)m->id,
                (unsigned long long)have, (unsigned long long)nchunks,
                (unsigned long long)(100 * have / nchunks));
    if (have == nchunks)
        return complete_image(n, m, &d, m->size);
    dl_close(&d);
    return AUS_OK;
}

aus_err dmn_ground_handle(dmn_node *n, const aus_agent_rx *rx)
{
    aus_app_msg m;
    AUS_TRY(aus_app_decode(&m, rx->adu, rx->len));
    AUS_ENSURE(!aus_app_is_request(m.type), AUS_E_POLICY);
    if (m.type != AUS_APP_IMG_CHUNK && m.type != AUS_APP_IMG_INFO && have_response(n, m.id))
        return AUS_OK; /* a duplicate answer (we asked twice): first one wins */
    switch (m.type) {
    case AUS_APP_TM_REPORT: return on_report(n, &m);
    case AUS_APP_CMD_RESP:
    case AUS_APP_REKEY_RESP: return on_cmd_resp(n, &m);
    case AUS_APP_IMG_INFO: return on_img_info(n, &m);
    case AUS_APP_IMG_CHUNK: return on_img_chunk(n, &m);
    default: return AUS_E_UNSUPPORTED;
    }
}

static aus_err put_req(dmn_node *n, uint64_t id, const uint8_t *adu, size_t len)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t *rec = malloc(len + 8);
    if (!rec)
        return AUS_E_NOBUFS;
    uint64_t now = dmn_now_ms();
    for (int i = 0; i < 8; i++)
        rec[i] = (uint8_t)(now >> (56 - 8 * i));
    memcpy(rec + 8, adu, len);
    gkey(n, key, "req", id);
    aus_err e = n->store.ops->put(n->store.self, key, rec, len + 8);
    free(rec);
    return e;
}

aus_err dmn_ground_submit(dmn_node *n, aus_app_msg *req, const char *local_out, uint64_t *id)
{
    char key[AUS_STORE_KEY_MAX];
    aus_ctr ids;
    static uint8_t adu[12288];
    size_t len = 0;
    gkey(n, key, "rid", 0);
    AUS_TRY(n->store.ops->begin(n->store.self));
    aus_err e = aus_ctr_open(&ids, &n->store, key, UINT64_MAX - 1, 1);
    if (e == AUS_OK)
        e = aus_ctr_take(&ids, &n->store, &req->id);
    if (req->type == AUS_APP_IMG_REQ && !req->chunk)
        req->chunk = CHUNK_DEFAULT;
    if (e == AUS_OK)
        e = aus_app_encode(req, adu, sizeof adu, &len);
    if (e == AUS_OK)
        e = put_req(n, req->id, adu, len);
    if (e == AUS_OK && req->type == AUS_APP_IMG_REQ) {
        cJSON *img = cJSON_CreateObject();
        set_str(img, "remote", &req->name);
        cJSON_AddStringToObject(img, "local", local_out);
        cJSON_AddNumberToObject(img, "chunk", (double)req->chunk);
        gkey(n, key, "img", req->id);
        e = put_json(n, key, img);
        cJSON_Delete(img);
    }
    if (e == AUS_OK)
        e = dmn_agent_send(n, adu, len, dmn_now_ms());
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
        return e;
    }
    *id = req->id;
    return AUS_OK;
}

/* Ranges of chunks still missing, as an IMG_REQ re-encoded with them (at most
 * AUS_APP_MAX_RANGES; the rest is asked for after the next pass). */
static size_t missing_ranges(dmn_node *n, uint64_t id, aus_app_msg *req)
{
    char key[AUS_STORE_KEY_MAX];
    gkey(n, key, "img", id);
    cJSON *img = get_json(n, key);
    const cJSON *sz = img ? cJSON_GetObjectItem(img, "size") : NULL;
    const cJSON *ch = img ? cJSON_GetObjectItem(img, "chunk") : NULL;
    if (!cJSON_IsNumber(sz) || !cJSON_IsNumber(ch) || ch->valuedouble <= 0) {
        cJSON_Delete(img);
        return 0;
    }
    uint64_t size = (uint64_t)sz->valuedouble, chunk = (uint64_t)ch->valuedouble;
    cJSON_Delete(img);
    uint64_t nch = (size + chunk - 1) / chunk;
    size_t maplen = (size_t)(nch + 7) / 8, got = 0;
    uint8_t *map = calloc(1, maplen + 1);
    gkey(n, key, "map", id);
    if (n->store.ops->get(n->store.self, key, map, maplen, &got) != AUS_OK)
        memset(map, 0, maplen);
    req->nranges = 0;
    for (uint64_t i = 0; i < nch && req->nranges < AUS_APP_MAX_RANGES;) {
        if (bit(map, i)) {
            i++;
            continue;
        }
        uint64_t j = i;
        while (j < nch && !bit(map, j))
            j++;
        req->ranges[req->nranges].off = i * chunk;
        req->ranges[req->nranges].len = (j - i) * chunk;
        req->nranges++;
        i = j;
    }
    free(map);
    return req->nranges;
}

long dmn_ground_resend(dmn_node *n, uint64_t cutoff_ms)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    static uint8_t rec[12288 + 8], adu[12288];
    long count = 0;
    uint64_t now = dmn_now_ms();
    snprintf(prefix, sizeof prefix, "gr/%s/req/", n->cfg.tenant);
    while (n->store.ops->next(n->store.self, prefix, key, next, sizeof next) == AUS_OK) {
        memcpy(key, next, sizeof key);
        size_t len = 0;
        if (n->store.ops->get(n->store.self, key, rec, sizeof rec, &len) != AUS_OK || len < 9)
            continue;
        uint64_t last = 0;
        for (int i = 0; i < 8; i++)
            last = (last << 8) | rec[i];
        if (last >= cutoff_ms)
            continue;
        aus_app_msg m;
        const uint8_t *out = rec + 8;
        size_t outlen = len - 8;
        if (aus_app_decode(&m, rec + 8, len - 8) != AUS_OK)
            continue;
        if (m.type == AUS_APP_IMG_REQ && missing_ranges(n, m.id, &m) > 0 &&
            aus_app_encode(&m, adu, sizeof adu, &outlen) == AUS_OK)
            out = adu;
        if (n->store.ops->begin(n->store.self) != AUS_OK)
            break;
        aus_err e = dmn_agent_send(n, out, outlen, now);
        if (e == AUS_OK)
            e = put_req(n, m.id, rec + 8, len - 8);
        if (e == AUS_OK)
            e = n->store.ops->commit(n->store.self);
        if (e != AUS_OK) {
            (void)n->store.ops->rollback(n->store.self);
            dmn_reset(n);
            break;
        }
        dmn_log("re-sent %s id=%llu%s", aus_app_type_name(m.type), (unsigned long long)m.id,
                m.nranges ? " (missing ranges only)" : "");
        count++;
    }
    return count;
}

/* Download progress of a pending image request: chunks received / total (0 if unknown). */
static cJSON *progress(dmn_node *n, uint64_t id)
{
    char key[AUS_STORE_KEY_MAX];
    gkey(n, key, "img", id);
    cJSON *img = get_json(n, key);
    const cJSON *sz = img ? cJSON_GetObjectItem(img, "size") : NULL;
    const cJSON *ch = img ? cJSON_GetObjectItem(img, "chunk") : NULL;
    if (!cJSON_IsNumber(sz) || !cJSON_IsNumber(ch) || ch->valuedouble <= 0) {
        cJSON_Delete(img);
        return NULL;
    }
    uint64_t nch =
        ((uint64_t)sz->valuedouble + (uint64_t)ch->valuedouble - 1) / (uint64_t)ch->valuedouble;
    cJSON_Delete(img);
    size_t maplen = (size_t)(nch + 7) / 8, got = 0;
    uint8_t *map = calloc(1, maplen + 1);
    uint64_t have = 0;
    gkey(n, key, "map", id);
    if (map && n->store.ops->get(n->store.self, key, map, maplen, &got) == AUS_OK)
        for (uint64_t i = 0; i < nch; i++)
            have += (uint64_t)bit(map, i);
    free(map);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "pending", 1);
    cJSON_AddNumberToObject(o, "chunks", (double)have);
    cJSON_AddNumberToObject(o, "total", (double)nch);
    return o;
}

/* Tell the satellite which request ids are all answered (FORGET low), so that it can drop
 * their exactly-once records; sent when the low-water mark moved by FORGET_STEP. */
#define FORGET_STEP 64u

/* Stored answers below id `below` are deleted (inside the caller's transaction): the ground
 * keeps the last keep_answers answers under the low-water mark, so its store does not grow
 * with every request ever made. Returns the count or a negative aus_err. */
static long prune_records(dmn_node *n, const char *what, uint64_t below)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    long count = 0;
    snprintf(prefix, sizeof prefix, "gr/%s/%s/", n->cfg.tenant, what);
    while (n->store.ops->next(n->store.self, prefix, "", key, sizeof key) == AUS_OK &&
           strtoull(key + strlen(prefix), NULL, 16) < below) {
        aus_err e = n->store.ops->del(n->store.self, key);
        if (e != AUS_OK)
            return e;
        count++;
    }
    return count;
}

/* The answers, and the failure notes that go with some of them. */
static long prune_answers(dmn_node *n, uint64_t below)
{
    long failed = prune_records(n, "fail", below);
    return failed < 0 ? failed : prune_records(n, "resp", below);
}

long dmn_ground_forget(dmn_node *n)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX], fk[AUS_STORE_KEY_MAX];
    uint64_t low = 0, forgot = 0;
    snprintf(prefix, sizeof prefix, "gr/%s/req/", n->cfg.tenant);
    if (n->store.ops->next(n->store.self, prefix, "", key, sizeof key) == AUS_OK)
        low = strtoull(key + strlen(prefix), NULL, 16);
    else {
        gkey(n, key, "rid", 0);
        if (aus_store_get_u64(&n->store, key, &low) != AUS_OK)
            return 0; /* no request ever */
    }
    gkey(n, fk, "forgot", 0);
    if (aus_store_get_u64(&n->store, fk, &forgot) != AUS_OK)
        forgot = 1;
    if (low < forgot + FORGET_STEP)
        return 0;
    static const aus_app_msg zero;
    aus_app_msg m = zero;
    aus_ctr ids;
    uint8_t adu[32];
    size_t len = 0;
    gkey(n, key, "rid", 0);
    aus_err e = n->store.ops->begin(n->store.self);
    if (e == AUS_OK)
        e = aus_ctr_open(&ids, &n->store, key, UINT64_MAX - 1, 1);
    if (e == AUS_OK)
        e = aus_ctr_take(&ids, &n->store, &m.id);
    m.type = AUS_APP_FORGET;
    m.offset = low;
    if (e == AUS_OK)
        e = aus_app_encode(&m, adu, sizeof adu, &len);
    if (e == AUS_OK)
        e = dmn_agent_send(n, adu, len, dmn_now_ms());
    if (e == AUS_OK)
        e = aus_store_put_u64(&n->store, fk, low);
    long pruned = 0;
    if (e == AUS_OK && n->cfg.keep_answers && low > n->cfg.keep_answers) {
        pruned = prune_answers(n, low - n->cfg.keep_answers);
        e = pruned < 0 ? (aus_err)pruned : AUS_OK;
    }
    if (e == AUS_OK)
        e = n->store.ops->commit(n->store.self);
    if (e != AUS_OK) {
        (void)n->store.ops->rollback(n->store.self);
        dmn_reset(n);
        return -1;
    }
    dmn_log("forget: every request below id %llu is answered; %ld old answer(s) pruned "
            "(keep_answers = %llu)",
            (unsigned long long)low, pruned, (unsigned long long)n->cfg.keep_answers);
    return 1;
}

char *dmn_ground_response(dmn_node *n, uint64_t id)
{
    char key[AUS_STORE_KEY_MAX];
    gkey(n, key, "resp", id);
    cJSON *j = get_json(n, key);
    if (!j)
        j = progress(n, id);
    if (!j)
        return NULL;
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    return s;
}

/* Requests the ground itself could not complete: "failed" (their count) and "failed_recent"
 * (the last FAILED_SHOWN as {id, why}; `australis status --id N` has each whole answer). */
#define FAILED_SHOWN 16

static void status_failed(dmn_node *n, cJSON *o)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    uint8_t why[DL_WHY];
    long count = 0;
    cJSON *list = cJSON_CreateArray();
    snprintf(prefix, sizeof prefix, "gr/%s/fail/", n->cfg.tenant);
    while (n->store.ops->next(n->store.self, prefix, key, next, sizeof next) == AUS_OK) {
        memcpy(key, next, sizeof key);
        size_t len = 0;
        if (n->store.ops->get(n->store.self, key, why, sizeof why - 1, &len) != AUS_OK)
            len = 0;
        why[len] = '\0';
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "id", (double)strtoull(key + strlen(prefix), NULL, 16));
        cJSON_AddStringToObject(f, "why", (const char *)why);
        cJSON_AddItemToArray(list, f);
        if (cJSON_GetArraySize(list) > FAILED_SHOWN)
            cJSON_DeleteItemFromArray(list, 0);
        count++;
    }
    cJSON_AddNumberToObject(o, "failed", (double)count);
    cJSON_AddItemToObject(o, "failed_recent", list);
}

char *dmn_ground_status(dmn_node *n)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    cJSON *o = cJSON_CreateObject(), *p = cJSON_AddArrayToObject(o, "pending");
    snprintf(prefix, sizeof prefix, "gr/%s/req/", n->cfg.tenant);
    while (n->store.ops->next(n->store.self, prefix, key, next, sizeof next) == AUS_OK) {
        memcpy(key, next, sizeof key);
        cJSON_AddItemToArray(p, cJSON_CreateString(key + strlen(prefix)));
    }
    long answered = 0;
    snprintf(prefix, sizeof prefix, "gr/%s/resp/", n->cfg.tenant);
    key[0] = '\0';
    while (n->store.ops->next(n->store.self, prefix, key, next, sizeof next) == AUS_OK) {
        memcpy(key, next, sizeof key);
        answered++;
    }
    cJSON_AddNumberToObject(o, "answered", (double)answered);
    status_failed(n, o);
    cJSON_AddNumberToObject(o, "outgoing_waiting", (double)aus_fl_count(n->cfg.outgoing));
    cJSON_AddNumberToObject(o, "incoming_waiting", (double)aus_fl_count(n->cfg.incoming));
    cJSON_AddStringToObject(o, "node", n->cfg.tenant);
    dmn_link_ccsds_status(n, o);
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}
