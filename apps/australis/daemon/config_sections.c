/* SPDX-License-Identifier: Apache-2.0 */
/* The keys of [sandbox] (docs/sandbox.md) and of [archive] / [http] (docs/http-api.md), parsed
 * for config.c: kept apart from sandbox.c and ops_hooks.c, which need libseccomp, Landlock and
 * libmicrohttpd, so that the INI parser and its fuzz target (fuzz/ini_config.c) stand alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h" /* ops.h, sandbox.h */
#include "util.h"   /* cli_u64 */

/* yes/on/true/1 or no/off/false/0. 0, or -1 for anything else. */
static int yes_no(const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int cfg_fail(const char *file, int line, const char *key, const char *why)
{
    fprintf(stderr, "australis: %s:%d: key '%s' in [sandbox] %s\n", file, line, key, why);
    return -1;
}

int dmn_sandbox_config(dmn_sandbox_cfg *s, const char *file, int line, const char *key,
                       const char *val)
{
    int b = 0;
    if (!strcmp(key, "enabled") || !strcmp(key, "strict") || !strcmp(key, "ground") ||
        !strcmp(key, "ground_files")) {
        if (yes_no(val, &b) != 0)
            return cfg_fail(file, line, key, "needs yes or no");
        if (!strcmp(key, "enabled"))
            s->off = !b;
        else if (!strcmp(key, "strict"))
            s->strict = b;
        else if (!strcmp(key, "ground_files"))
            s->ground_files = b;
        else
            s->ground_off = !b;
        return 0;
    }
    if (!strcmp(key, "user")) {
        if (!*val || strlen(val) >= sizeof s->user || strchr(val, '/'))
            return cfg_fail(file, line, key, "needs a user name or UID[:GID] of 1..63 characters");
        snprintf(s->user, sizeof s->user, "%s", val);
        return 0;
    }
    if (!strcmp(key, "read")) {
        if (val[0] != '/' || strlen(val) >= sizeof s->allow_read[0])
            return cfg_fail(file, line, key, "needs an absolute path of at most 255 characters");
        if (s->nallow >= sizeof s->allow_read / sizeof s->allow_read[0])
            return cfg_fail(file, line, key, "may be given at most 4 times");
        snprintf(s->allow_read[s->nallow++], sizeof s->allow_read[0], "%s", val);
        return 0;
    }
    fprintf(stderr, "australis: %s:%d: unknown key '%s' in section [sandbox]\n", file, line, key);
    return -1;
}

int dmn_ops_config_key(dmn_ops_config *c, const char *sec, const char *key, const char *val,
                       char *why, size_t cap)
{
    struct {
        const char *sec, *key;
        char *dst;
        size_t size;
    } strs[] = {
        {"archive", "url", c->archive_url, sizeof c->archive_url},
        {"archive", "station", c->station, sizeof c->station},
        {"http", "listen", c->http_listen, sizeof c->http_listen},
        {"http", "token_file", c->http_token_file, sizeof c->http_token_file},
        {"http", "web_dir", c->http_web_dir, sizeof c->http_web_dir},
        {"http", "dictionary", c->http_dictionary, sizeof c->http_dictionary},
        {"http", "tls_cert", c->http_tls_cert, sizeof c->http_tls_cert},
        {"http", "tls_key", c->http_tls_key, sizeof c->http_tls_key},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strcmp(strs[i].sec, sec) || strcmp(strs[i].key, key))
            continue;
        if (!*val || strlen(val) >= strs[i].size) {
            snprintf(why, cap, "key '%s' needs a value of 1..%zu characters", key,
                     strs[i].size - 1);
            return -1;
        }
        snprintf(strs[i].dst, strs[i].size, "%s", val);
        return 0;
    }
    if (!strcmp(sec, "archive") && !strcmp(key, "enabled")) {
        int v;
        if (yes_no(val, &v) != 0) {
            snprintf(why, cap, "key '%s' needs yes or no, not '%s'", key, val);
            return -1;
        }
        c->archive_on = v ? 1 : -1;
        return 0;
    }
    if (!strcmp(sec, "http") && !strcmp(key, "public")) {
        if (yes_no(val, &c->http_public) != 0) {
            snprintf(why, cap, "key '%s' needs yes or no, not '%s'", key, val);
            return -1;
        }
        return 0;
    }
    uint64_t *num = !strcmp(sec, "archive") && !strcmp(key, "retention_days") ? &c->retention_days
                    : !strcmp(sec, "http") && !strcmp(key, "max_clients")     ? &c->http_max_clients
                                                                              : NULL;
    if (num) {
        if (cli_u64(val, num == &c->retention_days ? 36500u : 1024u, num) != 0) {
            snprintf(why, cap, "key '%s' needs a number in range, not '%s'", key, val);
            return -1;
        }
        return 0;
    }
    snprintf(why, cap, "unknown key '%s' in section [%s]", key, sec);
    return -1;
}
