/* The ground role: requests submitted by the client, responses recorded for it, image
 * downloads reassembled and verified, and re-sends after a pass for whatever is missing.
 *
 * Store layout (tenant t, id = request id as 16 hex digits):
 *   gr/t/rid            request-id counter (reserved before use: ids never repeat)
 *   gr/t/req/id         pending request: [last activity ms, 8 bytes BE][request ADU]
 *   gr/t/img/id         image download: JSON {remote, local, size, chunk, sha256}
 *   gr/t/map/id         chunks received (bitmap)
 *   gr/t/resp/id        the final answer as JSON (the pending record is then deleted)
 *   gr/t/forgot         the last low-water mark sent in a FORGET
 *
 * A request's life (every step one store transaction):
 *   state                 event                              next
 *   (none)                submit                             PENDING (req record, bundle queued)
 *   PENDING               answer arrives                     ANSWERED (resp record, req deleted)
 *   PENDING               retry time / a run has passed      PENDING (re-sent; images: missing
 *                                                            ranges only)
 *   PENDING (image)       image-info                         PENDING, size/SHA/chunk known
 *   PENDING (image)       chunk (after info)                 PENDING, bit set, data in .part
 *   PENDING (image)       last chunk, SHA-256 matches        ANSWERED (.part renamed)
 *   ANSWERED              duplicate answer                   ANSWERED (ignored)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    if (!img)
        return AUS_OK; /* not ours (or finished): ignore */
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

static aus_err complete_image(dmn_node *n, const aus_app_msg *m, const char *local, uint64_t size)
{
    char part[DMN_PATH + 8];
    snprintf(part, sizeof part, "%s.part", local);
    size_t len = 0;
    uint8_t *p = NULL;
    int fd = open(part, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        p = malloc(size ? size : 1);
        ssize_t r = p ? pread(fd, p, size, 0) : -1;
        len = r > 0 ? (size_t)r : 0;
        close(fd);
    }
    uint8_t sha[32];
    aus_iov iov = {p, len};
    const aus_crypto *c = aus_crypto_default();
    aus_err e = c->ops->hash(c->self, AUS_HASH_SHA256, &iov, 1, sha, 32);
    free(p);
    int ok = e == AUS_OK && len == size && aus_ct_eq(sha, m->sha256, 32);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)m->id);
    cJSON_AddStringToObject(o, "type", "image-download");
    cJSON_AddStringToObject(o, "status", ok ? "ok" : "error");
    cJSON_AddStringToObject(o, "path", local);
    cJSON_AddNumberToObject(o, "size", (double)size);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    cJSON_AddStringToObject(o, "sha256", hex);
    cJSON_AddStringToObject(o, "output", ok ? "SHA-256 verified" : "SHA-256 mismatch");
    if (ok && rename(part, local) != 0)
        ok = 0;
    dmn_log("image id=%llu complete: %s, %llu bytes, SHA-256 %s", (unsigned long long)m->id, local,
            (unsigned long long)size, ok ? "verified" : "MISMATCH");
    e = finish_request(n, m->id, o);
    cJSON_Delete(o);
    return e;
}

static aus_err on_img_chunk(dmn_node *n, const aus_app_msg *m)
{
    char key[AUS_STORE_KEY_MAX], mkey[AUS_STORE_KEY_MAX];
    gkey(n, key, "img", m->id);
    cJSON *img = get_json(n, key);
    if (!img || have_response(n, m->id)) {
        cJSON_Delete(img);
        return AUS_OK;
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
    gkey(n, mkey, "map", m->id);
    aus_err e = n->store.ops->get(n->store.self, mkey, map, maplen, &got);
    if (e != AUS_OK && e != AUS_E_NOTFOUND) {
        free(map);
        return e;
    }
    uint64_t idx = m->offset / chunk;
    char part[DMN_PATH + 8];
    snprintf(part, sizeof part, "%s.part", local);
    int fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || pwrite(fd, m->data.p, m->data.n, (off_t)m->offset) != (ssize_t)m->data.n ||
        fdatasync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        free(map);
        return AUS_E_IO;
    }
    close(fd);
    map[idx / 8] |= (uint8_t)(1u << (idx % 8));
    e = n->store.ops->put(n->store.self, mkey, map, maplen);
    uint64_t have = 0;
    for (uint64_t i = 0; i < nchunks; i++)
        have += (uint64_t)bit(map, i);
    free(map);
    AUS_TRY(e);
    if (have % 8 == 0 || have == nchunks)
        dmn_log("image id=%llu: %llu/%llu chunks (%llu%%)", (unsigned long long)m->id,
                (unsigned long long)have, (unsigned long long)nchunks,
                (unsigned long long)(100 * have / nchunks));
    if (have == nchunks)
        return complete_image(n, m, local, m->size);
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
static long prune_answers(dmn_node *n, uint64_t below)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    long count = 0;
    snprintf(prefix, sizeof prefix, "gr/%s/resp/", n->cfg.tenant);
    while (n->store.ops->next(n->store.self, prefix, "", key, sizeof key) == AUS_OK &&
           strtoull(key + strlen(prefix), NULL, 16) < below) {
        aus_err e = n->store.ops->del(n->store.self, key);
        if (e != AUS_OK)
            return e;
        count++;
    }
    return count;
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
    cJSON_AddNumberToObject(o, "outgoing_waiting", (double)aus_fl_count(n->cfg.outgoing));
    cJSON_AddNumberToObject(o, "incoming_waiting", (double)aus_fl_count(n->cfg.incoming));
    cJSON_AddStringToObject(o, "node", n->cfg.tenant);
    dmn_link_ccsds_status(n, o);
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}
