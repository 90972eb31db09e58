/* SPDX-License-Identifier: Apache-2.0 */
/* The ground's HTTP API and dashboard server (docs/http-api.md), on libmicrohttpd with one
 * thread per connection (a live stream holds its thread; max_clients bounds them). The server
 * only reads the archive (its own connection, one request at a time) and submits commands
 * through the ground's client socket, the path `australis cmd` takes: the node's store and
 * counters keep their one owner (DESIGN.md §5). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "http_dict.h"
#include "http_parse.h"
#include "ops.h"

#define RING 1024
#define EV_MAX 8192 /* one stream message, at most */

struct ops_http {
    struct MHD_Daemon *d;
    char token[256];
    char url[128];
    char web[OPS_PATH];
    char tenant[32], station[64], sat[32], socket[OPS_PATH], downloads[OPS_PATH];
    ops_archive *arc;
    pthread_mutex_t arc_mu;
    /* the live stream: a ring of messages, numbered */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *ring[RING];
    uint64_t seq;
    int stopping;
    char *cert, *key;
    http_dict *dict; /* [http] dictionary (NULL: none) */
};

typedef struct conn {
    char *body;
    size_t len;
    int too_big;
} conn;

typedef struct stream {
    ops_http *h;
    uint64_t next;
    int hello;
} stream;

/* ---- responses ---- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code, const char *type,
                                 char *text)
{
    if (!text) {
        code = MHD_HTTP_INTERNAL_SERVER_ERROR;
        text = strdup("{\"error\":\"internal error\"}");
        type = "application/json";
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (code == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"australis\"");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result json(struct MHD_Connection *c, unsigned code, char *text)
{
    return send_text(c, code, "application/json", text);
}

static enum MHD_Result error(struct MHD_Connection *c, unsigned code, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddNumberToObject(o, "status", code);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return json(c, code, s);
}

/* ---- the live stream ---- */

void ops_http_publish(ops_http *h, const char *event, const char *js)
{
    if (!h)
        return;
    size_t n = strlen(event) + strlen(js) + 32;
    if (n > EV_MAX)
        return; /* a message larger than a stream block is left to the archive */
    char *m = malloc(n);
    if (!m)
        return;
    snprintf(m, n, "event: %s\ndata: %s\n\n", event, js);
    pthread_mutex_lock(&h->mu);
    free(h->ring[h->seq % RING]);
    h->ring[h->seq % RING] = m;
    h->seq++;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *s = cls;
    ops_http *h = s->h;
    (void)pos;
    if (!s->hello) {
        s->hello = 1;
        return snprintf(buf, max, ": australis live stream\nretry: 1000\n\n");
    }
    pthread_mutex_lock(&h->mu);
    if (s->next + RING < h->seq)
        s->next = h->seq - RING; /* a slow reader loses the oldest, never blocks the writer */
    if (s->next == h->seq && !h->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 15;
        pthread_cond_timedwait(&h->cv, &h->mu, &ts);
    }
    ssize_t n = 0;
    if (h->stopping)
        n = MHD_CONTENT_READER_END_OF_STREAM;
    else if (s->next == h->seq)
        n = snprintf(buf, max, ": keepalive\n\n");
    else {
        while (s->next < h->seq) {
            const char *m = h->ring[s->next % RING];
            size_t l = strlen(m);
            if ((size_t)n + l > max)
                break;
            memcpy(buf + n, m, l);
            n += (ssize_t)l;
            s->next++;
        }
    }
    pthread_mutex_unlock(&h->mu);
    return n;
}

static void stream_free(void *cls) { free(cls); }

static enum MHD_Result stream_open(ops_http *h, struct MHD_Connection *c)
{
    stream *s = calloc(1, sizeof *s);
    if (!s)
        return error(c, 503, "out of memory");
    s->h = h;
    pthread_mutex_lock(&h->mu);
    s->next = h->seq;
    pthread_mutex_unlock(&h->mu);
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, EV_MAX * 2,
                                                               stream_read, s, stream_free);
    if (!r) {
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- commands through the ground's client socket ---- */

static char *via_socket(const char *path, const char *req)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (!path[0] || strlen(path) >= sizeof a.sun_path)
        return NULL;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char *buf = NULL;
    size_t len = strlen(req);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, req, len) == (ssize_t)len &&
        write(fd, "\n", 1) == 1) {
        size_t cap = 65536, at = 0;
        buf = malloc(cap);
        ssize_t r;
        while (buf && at + 1 < cap && (r = read(fd, buf + at, cap - 1 - at)) > 0)
            at += (size_t)r;
        if (buf)
            buf[at] = '\0';
        if (buf && !at) {
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    return buf;
}

static enum MHD_Result post_command(ops_http *h, struct MHD_Connection *c, conn *k)
{
    char why[256];
    if (k->too_big)
        return error(c, MHD_HTTP_CONTENT_TOO_LARGE, "body too large (at most 65536 bytes)");
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (ct && strncmp(ct, "application/json", 16))
        return error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
    char *req = http_parse_command(k->body ? k->body : "", k->len, h->downloads, why, sizeof why);
    if (!req)
        return error(c, MHD_HTTP_BAD_REQUEST, why);
    if (http_dict_check(h->dict, req, why, sizeof why) != 0) {
        free(req);
        return error(c, 422, why);
    }
    if (!h->socket[0]) {
        free(req);
        return error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                     "commands need the ground's client socket ([ground] socket)");
    }
    char *rep = via_socket(h->socket, req);
    free(req);
    if (!rep)
        return error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the ground daemon did not answer");
    cJSON *j = cJSON_Parse(rep);
    const cJSON *id = cJSON_GetObjectItem(j, "id"), *err = cJSON_GetObjectItem(j, "error");
    enum MHD_Result r;
    if (cJSON_IsNumber(id)) {
        char loc[64];
        snprintf(loc, sizeof loc, "{\"id\":%.0f,\"status\":\"queued\"}", id->valuedouble);
        r = json(c, MHD_HTTP_ACCEPTED, strdup(loc));
    } else
        r = error(c, 422, cJSON_IsString(err) ? err->valuestring : "refused by the ground");
    cJSON_Delete(j);
    free(rep);
    return r;
}

/* ---- GET /api/... ---- */

static const char *arg(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static enum MHD_Result get_point(ops_http *h, struct MHD_Connection *c, const char *url)
{
    char name[HTTP_NAME_MAX + 1];
    const char *what, *sat = arg(c, "sat");
    if (http_parse_point_url(url, name, sizeof name, &what) != 0)
        return error(c, MHD_HTTP_NOT_FOUND,
                     "no such resource (a point name is 1..127 of "
                     "[A-Za-z0-9._:-], then /history or /latest)");
    if (sat && (strlen(sat) > 31 || !sat[0]))
        return error(c, MHD_HTTP_BAD_REQUEST, "bad 'sat'");
    int found = 0;
    char *out;
    if (!strcmp(what, "latest")) {
        pthread_mutex_lock(&h->arc_mu);
        out = ops_archive_latest_json(h->arc, h->tenant, sat ? sat : h->sat, name, &found);
        pthread_mutex_unlock(&h->arc_mu);
    } else {
        int64_t now = ops_now_ms(), start, end, max;
        if (http_parse_i64(arg(c, "start"), now - 3600000, 0, INT64_C(1) << 50, &start) ||
            http_parse_i64(arg(c, "end"), now, 0, INT64_C(1) << 50, &end))
            return error(c, MHD_HTTP_BAD_REQUEST,
                         "'start' and 'end' are times in ms since 1970-01-01 UTC");
        if (end < start)
            return error(c, MHD_HTTP_BAD_REQUEST, "'end' is before 'start'");
        if (http_parse_i64(arg(c, "max"), 1000, 1, 100000, &max))
            return error(c, MHD_HTTP_BAD_REQUEST, "'max' must be 1..100000");
        pthread_mutex_lock(&h->arc_mu);
        out = ops_archive_history_json(h->arc, h->tenant, sat ? sat : h->sat, name, start, end,
                                       (long)max, &found);
        pthread_mutex_unlock(&h->arc_mu);
    }
    if (!found) {
        free(out);
        return error(c, MHD_HTTP_NOT_FOUND, "no such point (or no value yet)");
    }
    return json(c, MHD_HTTP_OK, out);
}

static enum MHD_Result get_image_file(ops_http *h, struct MHD_Connection *c, uint64_t id)
{
    int found = 0;
    char *local = NULL;
    pthread_mutex_lock(&h->arc_mu);
    char *js = ops_archive_list_json(h->arc, "images", h->tenant, "", 1000);
    pthread_mutex_unlock(&h->arc_mu);
    cJSON *arr = cJSON_Parse(js ? js : "[]"), *it;
    free(js);
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *i = cJSON_GetObjectItem(it, "id"), *l = cJSON_GetObjectItem(it, "local"),
                    *s = cJSON_GetObjectItem(it, "state");
        if (cJSON_IsNumber(i) && (uint64_t)i->valuedouble == id && cJSON_IsString(l) &&
            cJSON_IsString(s) && !strcmp(s->valuestring, "complete")) {
            found = 1;
            local = strdup(l->valuestring);
        }
    }
    cJSON_Delete(arr);
    if (!found || !local) {
        free(local);
        return error(c, MHD_HTTP_NOT_FOUND, "no complete download with this id");
    }
    /* DESIGN.md §5a: the file the ground placed, never a link, a regular file, bounded */
    int fd = open(local, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    free(local);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 30)) {
        if (fd >= 0)
            close(fd);
        return error(c, MHD_HTTP_NOT_FOUND, "the downloaded file is no longer there");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    /* raster images by their first bytes; anything else (SVG included: it could run script in
     * our origin) as bytes to download */
    unsigned char magic[8] = {0};
    const char *type = "application/octet-stream";
    if (pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic) {
        if (!memcmp(magic, "\x89PNG\r\n\x1a\n", 8))
            type = "image/png";
        else if (magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
            type = "image/jpeg";
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result get_api(ops_http *h, struct MHD_Connection *c, const char *url)
{
    uint64_t id;
    const char *rest;
    int64_t limit;
    if (http_parse_i64(arg(c, "limit"), 100, 1, 10000, &limit))
        return error(c, MHD_HTTP_BAD_REQUEST, "'limit' must be 1..10000");
    if (!strcmp(url, "/api/points")) {
        pthread_mutex_lock(&h->arc_mu);
        char *s = ops_archive_points_json(h->arc, h->tenant);
        pthread_mutex_unlock(&h->arc_mu);
        return json(c, MHD_HTTP_OK, s);
    }
    if (!strncmp(url, "/api/points/", 12))
        return get_point(h, c, url);
    if (!strcmp(url, "/api/stream"))
        return stream_open(h, c);
    if (http_parse_id_url(url, "commands", &id, &rest) == 0 && !*rest) {
        int found = 0;
        pthread_mutex_lock(&h->arc_mu);
        char *s = ops_archive_command_json(h->arc, h->tenant, h->station, id, &found);
        pthread_mutex_unlock(&h->arc_mu);
        return found ? json(c, MHD_HTTP_OK, s) : error(c, MHD_HTTP_NOT_FOUND, "no such command");
    }
    if (http_parse_id_url(url, "images", &id, &rest) == 0 && !strcmp(rest, "file"))
        return get_image_file(h, c, id);
    static const struct {
        const char *url, *table, *kind;
    } lists[] = {{"/api/commands", "commands", ""},
                 {"/api/images", "images", ""},
                 {"/api/passes", "passes", ""},
                 {"/api/events", "events", NULL}};
    if (!strcmp(url, "/api/keys")) { /* key states and rekey history (the keys view) */
        pthread_mutex_lock(&h->arc_mu);
        char *s = ops_archive_keys_json(h->arc, h->tenant, (long)limit);
        pthread_mutex_unlock(&h->arc_mu);
        return json(c, MHD_HTTP_OK, s);
    }
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (strcmp(url, lists[i].url))
            continue;
        const char *kind = lists[i].kind ? lists[i].kind : arg(c, "kind");
        if (kind && strlen(kind) > 32)
            return error(c, MHD_HTTP_BAD_REQUEST, "bad 'kind'");
        pthread_mutex_lock(&h->arc_mu);
        char *s =
            ops_archive_list_json(h->arc, lists[i].table, h->tenant, kind ? kind : "", (long)limit);
        pthread_mutex_unlock(&h->arc_mu);
        return json(c, MHD_HTTP_OK, s);
    }
    if (!strcmp(url, "/api/status")) {
        char *s = h->socket[0] ? via_socket(h->socket, "{\"op\":\"status\"}") : NULL;
        return s ? json(c, MHD_HTTP_OK, s)
                 : error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the ground daemon did not answer");
    }
    if (!strcmp(url, "/api/dictionary"))
        return json(c, MHD_HTTP_OK, strdup(http_dict_json(h->dict)));
    if (!strcmp(url, "/api/info")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "tenant", h->tenant);
        cJSON_AddStringToObject(o, "station", h->station);
        cJSON_AddStringToObject(o, "sat", h->sat);
        cJSON_AddStringToObject(o, "archive", ops_archive_kind(h->arc));
        char *s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return json(c, MHD_HTTP_OK, s);
    }
    return error(c, MHD_HTTP_NOT_FOUND, "no such resource");
}

/* ---- static files (the dashboard) ---- */

static const char *mime(const char *p)
{
    static const struct {
        const char *ext, *type;
    } t[] = {{".html", "text/html; charset=utf-8"},
             {".js", "text/javascript"},
             {".mjs", "text/javascript"},
             {".css", "text/css"},
             {".json", "application/json"},
             {".svg", "image/svg+xml"},
             {".png", "image/png"},
             {".ico", "image/x-icon"},
             {".woff", "font/woff"},
             {".woff2", "font/woff2"},
             {".ttf", "font/ttf"},
             {".map", "application/json"}};
    const char *dot = strrchr(p, '.');
    for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(dot, t[i].ext))
            return t[i].type;
    return "application/octet-stream";
}

static enum MHD_Result get_static(ops_http *h, struct MHD_Connection *c, const char *url)
{
    char rel[256], path[OPS_PATH + 260];
    if (!h->web[0])
        return error(c, MHD_HTTP_NOT_FOUND, "no dashboard configured ([http] web_dir)");
    if (http_parse_static(url, rel, sizeof rel) != 0)
        return error(c, MHD_HTTP_NOT_FOUND, "no such file");
    snprintf(path, sizeof path, "%s/%s", h->web, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return error(c, MHD_HTTP_NOT_FOUND, "no such file");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", mime(rel));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- dispatch ---- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    ops_http *h = cls;
    (void)version;
    conn *k = *con_cls;
    if (!k) {
        k = calloc(1, sizeof *k);
        if (!k)
            return MHD_NO;
        *con_cls = k;
        return MHD_YES;
    }
    if (*upload_size) { /* body bytes: kept up to the bound, counted beyond */
        if (!k->too_big && k->len + *upload_size <= HTTP_BODY_MAX) {
            char *nb = realloc(k->body, k->len + *upload_size + 1);
            if (!nb)
                return MHD_NO;
            k->body = nb;
            memcpy(k->body + k->len, upload, *upload_size);
            k->len += *upload_size;
            k->body[k->len] = '\0';
        } else
            k->too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    int api = !strncmp(url, "/api/", 5) || !strcmp(url, "/api");
    if (api &&
        !http_token_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"), h->token))
        return error(c, MHD_HTTP_UNAUTHORIZED,
                     "missing or wrong bearer token (Authorization: Bearer <token>)");
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return api ? get_api(h, c, url) : get_static(h, c, url);
    if (!strcmp(method, "POST") && !strcmp(url, "/api/commands"))
        return post_command(h, c, k);
    return error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    conn *k = *con_cls;
    if (k) {
        free(k->body);
        free(k);
        *con_cls = NULL;
    }
}

/* ---- start / stop ---- */

static char *slurp(const char *path, size_t max, int owner_only, char *why, size_t cap)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    const char *r = NULL;
    if (fd < 0)
        r = errno == ELOOP ? "is a symbolic link" : strerror(errno);
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        r = "is not a regular file";
    else if (owner_only && (st.st_uid != geteuid() || (st.st_mode & 077)))
        r = "must be owned by us and readable by nobody else (chmod 600)";
    else if ((size_t)st.st_size > max)
        r = "is too large";
    char *buf = r ? NULL : calloc(1, (size_t)st.st_size + 1);
    if (!r && (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size))
        r = "cannot be read";
    if (fd >= 0)
        close(fd);
    if (r) {
        free(buf);
        snprintf(why, cap, "%s %s", path, r);
        return NULL;
    }
    return buf;
}

static int parse_listen(const char *s, struct sockaddr_in *sa, int public_ok, char *why, size_t cap)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    int64_t port;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - s) >= sizeof host ||
        http_parse_i64(colon + 1, 0, 0, 65535, &port) != 0) {
        snprintf(why, cap, "[http] listen must be ADDR:PORT (an IPv4 address), not '%s'", s);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(why, cap, "[http] listen: '%s' is not an IPv4 address", host);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127 && !public_ok) {
        snprintf(why, cap,
                 "[http] listen %s is not a loopback address: set [http] public = yes to serve "
                 "other machines (and use TLS)",
                 s);
        return -1;
    }
    return 0;
}

int ops_http_start(ops_http **hp, const ops_http_cfg *cfg, char *why, size_t cap)
{
    const dmn_ops_config *c = cfg->c;
    struct sockaddr_in sa;
    *hp = NULL;
    if (parse_listen(c->http_listen, &sa, c->http_public, why, cap) != 0)
        return -1;
    if (!c->http_token_file[0]) {
        snprintf(why, cap, "[http] token_file is required with [http] listen");
        return -1;
    }
    ops_http *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    char *tok = slurp(c->http_token_file, 255, 1, why, cap);
    if (!tok) {
        free(h);
        return -1;
    }
    size_t tl = strcspn(tok, "\r\n");
    tok[tl] = '\0';
    snprintf(h->token, sizeof h->token, "%s", tok);
    free(tok);
    if (strlen(h->token) < 16) {
        snprintf(why, cap, "%s: the token must be at least 16 characters", c->http_token_file);
        free(h);
        return -1;
    }
    snprintf(h->web, sizeof h->web, "%s", c->http_web_dir);
    snprintf(h->tenant, sizeof h->tenant, "%s", cfg->tenant);
    snprintf(h->station, sizeof h->station, "%s", cfg->station);
    snprintf(h->sat, sizeof h->sat, "%s", cfg->sat);
    snprintf(h->socket, sizeof h->socket, "%s", cfg->socket ? cfg->socket : "");
    snprintf(h->downloads, sizeof h->downloads, "%s", cfg->downloads ? cfg->downloads : "");
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->arc_mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if ((c->http_dictionary[0] && http_dict_load(&h->dict, c->http_dictionary, why, cap) != 0) ||
        ops_archive_open(&h->arc, cfg->archive_url, why, cap) != 0) {
        ops_http_stop(h);
        return -1;
    }
    /* no MHD_USE_ERROR_LOG: its lines carry the client's URL unescaped (DESIGN.md §5a) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    int tls = c->http_tls_cert[0] || c->http_tls_key[0];
    if (tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(why, cap, "[http] TLS is configured but this libmicrohttpd has no TLS");
            ops_http_stop(h);
            return -1;
        }
        h->cert = slurp(c->http_tls_cert, 1 << 20, 0, why, cap);
        h->key = h->cert ? slurp(c->http_tls_key, 1 << 20, 1, why, cap) : NULL;
        if (!h->key) {
            ops_http_stop(h);
            return -1;
        }
        /* libmicrohttpd says only that it could not start: name the file that is not PEM
         * (RFC 7468 §2 encapsulation boundaries) */
        const char *bad = !strstr(h->cert, "-----BEGIN CERTIFICATE-----") ? c->http_tls_cert
                          : !strstr(h->key, "-----BEGIN ") || !strstr(h->key, "PRIVATE KEY-----")
                              ? c->http_tls_key
                              : NULL;
        if (bad) {
            snprintf(why, cap, "[http] %s is not a PEM %s", bad,
                     bad == c->http_tls_cert ? "certificate" : "private key");
            ops_http_stop(h);
            return -1;
        }
        flags |= MHD_USE_TLS;
    }
    unsigned limit = c->http_max_clients ? (unsigned)c->http_max_clients : 64u;
    if (tls)
        h->d = MHD_start_daemon(
            flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_LIMIT,
            limit, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
            MHD_OPTION_HTTPS_MEM_CERT, h->cert, MHD_OPTION_HTTPS_MEM_KEY, h->key, MHD_OPTION_END);
    else
        h->d =
            MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_NOTIFY_COMPLETED,
                             completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!h->d) {
        if (tls) /* a port in use, or a certificate and key GnuTLS refuses (not a pair) */
            snprintf(why, cap,
                     "cannot serve HTTPS on %s: the port is in use, or GnuTLS refused the "
                     "certificate %s with the key %s (not a matching pair?)",
                     c->http_listen, c->http_tls_cert, c->http_tls_key);
        else
            snprintf(why, cap, "cannot listen on %s: %s", c->http_listen, strerror(errno));
        ops_http_stop(h);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : ntohs(sa.sin_port);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    snprintf(h->url, sizeof h->url, "%s://%s:%u/", tls ? "https" : "http", host, port);
    *hp = h;
    return 0;
}

const char *ops_http_url(const ops_http *h) { return h ? h->url : ""; }

void ops_http_stop(ops_http *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    if (h->d)
        MHD_stop_daemon(h->d);
    ops_archive_close(h->arc);
    http_dict_free(h->dict);
    for (int i = 0; i < RING; i++)
        free(h->ring[i]);
    free(h->cert);
    free(h->key);
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->arc_mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}
