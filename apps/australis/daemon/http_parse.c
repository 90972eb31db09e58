/* SPDX-License-Identifier: Apache-2.0 */
/* Request parsing of the HTTP API (docs/http-api.md): URLs, query values, the command body,
 * the bearer token. Nothing here trusts its input: names are bounded and restricted before
 * they are used, numbers are range-checked, JSON goes through cJSON and only the fields we
 * know are read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "http_parse.h"

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

int http_parse_point_url(const char *url, char *name, size_t cap, const char **what)
{
    static const char pre[] = "/api/points/";
    if (strncmp(url, pre, sizeof pre - 1))
        return -1;
    const char *p = url + sizeof pre - 1, *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : 0;
    if (!slash || n == 0 || n > HTTP_NAME_MAX || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!name_char(p[i]))
            return -1;
    memcpy(name, p, n);
    name[n] = '\0';
    *what = slash + 1;
    return strcmp(*what, "history") && strcmp(*what, "latest") ? -1 : 0;
}

int http_parse_id_url(const char *url, const char *coll, uint64_t *id, const char **rest)
{
    size_t cl = strlen(coll);
    if (strncmp(url, "/api/", 5) || strncmp(url + 5, coll, cl) || url[5 + cl] != '/')
        return -1;
    const char *p = url + 6 + cl;
    uint64_t v = 0;
    size_t k = 0;
    for (; p[k] >= '0' && p[k] <= '9'; k++) {
        if (k >= 16)
            return -1;
        v = v * 10 + (uint64_t)(p[k] - '0');
    }
    if (k == 0 || v == 0 || v > (1ull << 53) || (p[k] && p[k] != '/'))
        return -1;
    *id = v;
    *rest = p[k] ? p + k + 1 : "";
    return 0;
}

int http_parse_i64(const char *v, int64_t dflt, int64_t lo, int64_t hi, int64_t *out)
{
    if (!v) {
        *out = dflt;
        return 0;
    }
    const char *p = v;
    int neg = *p == '-';
    if (neg)
        p++;
    if (!*p || strlen(p) > 18)
        return -1;
    int64_t x = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        x = x * 10 + (*p - '0');
    }
    if (neg)
        x = -x;
    if (x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int fail(char *why, size_t cap, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return -1;
}

/* A string field: present, a string, 1..max bytes of printable ASCII. */
static int text_ok(const cJSON *v, size_t max)
{
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) > max)
        return 0;
    for (const char *p = v->valuestring; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            return 0;
    return 1;
}

static int build(const cJSON *j, cJSON *req, const char *downloads, char *why, size_t cap)
{
    const cJSON *type = cJSON_GetObjectItem(j, "type");
    const char *t = cJSON_IsString(type) ? type->valuestring : "cmd";
    if (type && !cJSON_IsString(type))
        return fail(why, cap, "'type' must be a string");
    if (!strcmp(t, "cmd")) {
        const cJSON *name = cJSON_GetObjectItem(j, "name"), *args = cJSON_GetObjectItem(j, "args");
        if (!text_ok(name, 64))
            return fail(why, cap, "'name' must be a command name of 1..64 printable characters");
        if (args && !cJSON_IsArray(args))
            return fail(why, cap, "'args' must be a list of strings");
        if (cJSON_GetArraySize(args) > 8)
            return fail(why, cap, "at most 8 arguments");
        cJSON *a = cJSON_AddArrayToObject(req, "args");
        const cJSON *x;
        cJSON_ArrayForEach(x, args)
        {
            if (!cJSON_IsString(x) || strlen(x->valuestring) > 256)
                return fail(why, cap, "every argument must be a string of at most 256 bytes");
            cJSON_AddItemToArray(a, cJSON_CreateString(x->valuestring));
        }
        cJSON_AddStringToObject(req, "op", "cmd");
        cJSON_AddStringToObject(req, "name", name->valuestring);
        return 0;
    }
    if (!strcmp(t, "tm")) {
        cJSON_AddStringToObject(req, "op", "tm");
        return 0;
    }
    if (!strcmp(t, "rekey")) {
        const cJSON *k = cJSON_GetObjectItem(j, "kind");
        if (!cJSON_IsString(k) || (strcmp(k->valuestring, "otar") && strcmp(k->valuestring, "pq")))
            return fail(why, cap, "'kind' must be \"otar\" or \"pq\"");
        cJSON_AddStringToObject(req, "op", "rekey");
        cJSON_AddStringToObject(req, "kind", k->valuestring);
        return 0;
    }
    if (!strcmp(t, "image")) {
        const cJSON *r = cJSON_GetObjectItem(j, "remote");
        if (!text_ok(r, 200) || strchr(r->valuestring, '/') || r->valuestring[0] == '.')
            return fail(why, cap, "'remote' must be a file name (no '/', not starting with '.')");
        if (!downloads || !downloads[0])
            return fail(why, cap, "downloads need [ground] downloads in the daemon's config");
        char local[1024];
        snprintf(local, sizeof local, "%s/%s", downloads, r->valuestring);
        cJSON_AddStringToObject(req, "op", "image");
        cJSON_AddStringToObject(req, "remote", r->valuestring);
        cJSON_AddStringToObject(req, "local", local);
        return 0;
    }
    return fail(why, cap, "'type' must be cmd, tm, image or rekey");
}

char *http_parse_command(const char *body, size_t len, const char *downloads, char *why, size_t cap)
{
    if (len == 0 || len > HTTP_BODY_MAX) {
        fail(why, cap, len ? "body too large" : "empty body: a JSON object is expected");
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        fail(why, cap, "the body is not a JSON object");
        return NULL;
    }
    cJSON *req = cJSON_CreateObject();
    char *out = NULL;
    if (req && build(j, req, downloads, why, cap) == 0)
        out = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    cJSON_Delete(j);
    return out;
}

int http_token_ok(const char *header, const char *token)
{
    static const char pre[] = "Bearer ";
    if (!header || !token || !token[0] || strncmp(header, pre, sizeof pre - 1))
        return 0;
    const char *p = header + sizeof pre - 1;
    size_t lp = strlen(p), lt = strlen(token);
    /* every byte of ours is compared whatever the presented length (no early exit) */
    unsigned char d = (unsigned char)(lp != lt);
    for (size_t i = 0; i < lt; i++)
        d |= (unsigned char)(token[i] ^ (i < lp ? p[i] : 0));
    return d == 0;
}

int http_parse_static(const char *url, char *rel, size_t cap)
{
    if (url[0] != '/')
        return -1;
    const char *p = url + 1;
    if (!*p)
        p = "index.html";
    size_t n = strlen(p);
    if (n > 200 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!name_char(c) && c != '/')
            return -1;
        if ((i == 0 || p[i - 1] == '/') && (c == '.' || c == '/'))
            return -1; /* no hidden component, no "..", no "//" */
        if (c == ':')
            return -1;
    }
    if (p[n - 1] == '/')
        return -1;
    memcpy(rel, p, n + 1);
    return 0;
}
