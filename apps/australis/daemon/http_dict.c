/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant's dictionary for the HTTP API ([http] dictionary = FILE, docs/dictionary.md):
 * served as JSON (GET /api/dictionary: the dashboard's telemetry objects, limits and command
 * forms) and used to check POST /api/commands before anything reaches the ground. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "australis/dict.h"
#include "http_dict.h"

#define DICT_PTS 512
#define DICT_CMDS 256

struct http_dict {
    char *src;
    aus_dict d;
    aus_dict_point pts[DICT_PTS];
    aus_dict_cmd cmds[DICT_CMDS];
    char *json;
};

static char *tstr(aus_dict_text t)
{
    char *s = malloc(t.n + 1);
    if (s) {
        memcpy(s, t.p, t.n);
        s[t.n] = '\0';
    }
    return s;
}

static void add_text(cJSON *o, const char *k, aus_dict_text t)
{
    char *s = tstr(t);
    if (s && t.n)
        cJSON_AddStringToObject(o, k, s);
    free(s);
}

static void add_range(cJSON *o, const char *k, const aus_dict_range *r, aus_dict_type type)
{
    if (!r->has_lo && !r->has_hi)
        return;
    cJSON *x = cJSON_AddObjectToObject(o, k);
    if (r->has_lo)
        cJSON_AddNumberToObject(x, "lo", type == AUS_DICT_FLOAT ? r->dlo : (double)r->ilo);
    if (r->has_hi)
        cJSON_AddNumberToObject(x, "hi", type == AUS_DICT_FLOAT ? r->dhi : (double)r->ihi);
}

static char *to_json(const http_dict *h)
{
    cJSON *o = cJSON_CreateObject(), *pts = cJSON_AddObjectToObject(o, "points");
    cJSON *cmds = cJSON_AddArrayToObject(o, "commands");
    char ver[24];
    snprintf(ver, sizeof ver, "%016llx", (unsigned long long)h->d.version);
    cJSON_AddStringToObject(o, "version", ver);
    for (size_t i = 0; i < h->d.npts; i++) {
        const aus_dict_point *p = &h->d.pts[i];
        char *name = tstr(p->name);
        cJSON *x = cJSON_AddObjectToObject(pts, name ? name : "");
        free(name);
        cJSON_AddStringToObject(x, "type", aus_dict_type_name(p->type));
        add_text(x, "unit", p->unit);
        add_text(x, "description", p->desc);
        add_text(x, "values", p->values);
        add_range(x, "yellow", &p->yellow, p->type);
        add_range(x, "red", &p->red, p->type);
        add_text(x, "yellow_values", p->yellow_v);
        add_text(x, "red_values", p->red_v);
    }
    for (size_t i = 0; i < h->d.ncmds; i++) {
        const aus_dict_cmd *c = &h->d.cmds[i];
        cJSON *x = cJSON_CreateObject(), *args = NULL;
        add_text(x, "name", c->name);
        add_text(x, "description", c->desc);
        if (c->timeout_s)
            cJSON_AddNumberToObject(x, "timeout_s", c->timeout_s);
        args = cJSON_AddArrayToObject(x, "args");
        for (size_t k = 0; k < c->nargs; k++) {
            const aus_dict_arg *a = &c->args[k];
            cJSON *y = cJSON_CreateObject();
            add_text(y, "name", a->name);
            cJSON_AddStringToObject(y, "type", aus_dict_type_name(a->type));
            add_range(y, "range", &a->range, a->type);
            add_text(y, "values", a->values);
            cJSON_AddBoolToObject(y, "optional", a->optional);
            cJSON_AddBoolToObject(y, "variadic", a->variadic);
            cJSON_AddItemToArray(args, y);
        }
        cJSON_AddItemToArray(cmds, x);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

int http_dict_load(http_dict **hp, const char *path, char *why, size_t cap)
{
    *hp = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > AUS_DICT_FILE_MAX) {
        snprintf(why, cap, "dictionary %s: not a readable regular file of at most %d bytes", path,
                 AUS_DICT_FILE_MAX);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    http_dict *h = calloc(1, sizeof *h);
    if (h)
        h->src = malloc((size_t)st.st_size + 1);
    if (!h || !h->src || read(fd, h->src, (size_t)st.st_size) != st.st_size) {
        close(fd);
        snprintf(why, cap, "dictionary %s: cannot be read", path);
        http_dict_free(h);
        return -1;
    }
    close(fd);
    h->d.pts = h->pts;
    h->d.cap_pts = DICT_PTS;
    h->d.cmds = h->cmds;
    h->d.cap_cmds = DICT_CMDS;
    aus_dict_diag diag;
    memset(&diag, 0, sizeof diag);
    if (aus_dict_parse(&h->d, h->src, (size_t)st.st_size, &diag) != AUS_OK) {
        snprintf(why, cap, "dictionary %s:%u: %s", path, diag.line, aus_dict_perr_str(diag.rule));
        http_dict_free(h);
        return -1;
    }
    h->json = to_json(h);
    *hp = h;
    return 0;
}

void http_dict_free(http_dict *h)
{
    if (!h)
        return;
    free(h->json);
    free(h->src);
    free(h);
}

const char *http_dict_json(const http_dict *h) { return h && h->json ? h->json : "{}"; }

int http_dict_check(const http_dict *h, const char *req_json, char *why, size_t cap)
{
    if (!h)
        return 0;
    cJSON *j = cJSON_Parse(req_json);
    const cJSON *op = cJSON_GetObjectItem(j, "op"), *name = cJSON_GetObjectItem(j, "name");
    const cJSON *args = cJSON_GetObjectItem(j, "args"), *a;
    int rc = 0;
    if (cJSON_IsString(op) && !strcmp(op->valuestring, "cmd") && cJSON_IsString(name)) {
        aus_dict_text av[AUS_DICT_MAX_ARGS];
        size_t n = 0;
        cJSON_ArrayForEach(a, args)
        {
            if (n < AUS_DICT_MAX_ARGS && cJSON_IsString(a))
                av[n++] = (aus_dict_text){a->valuestring, strlen(a->valuestring)};
        }
        aus_dict_verdict v;
        memset(&v, 0, sizeof v);
        if (aus_dict_check_cmd(&h->d, name->valuestring, strlen(name->valuestring), av, n, NULL,
                               &v) != AUS_OK) {
            aus_dict_explain(&v, av, n, why, cap);
            rc = -1;
        }
    }
    cJSON_Delete(j);
    return rc;
}
