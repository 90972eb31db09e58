/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant dictionary in the daemons (dict_node.h; docs/dictionary.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../../port/posix/posix_io.h" /* aus_posix_escape */
#include "daemon.h"
#include "dict_file.h"
#include "dict_node.h"
#include "store_keys.h"
#include "util.h"

static dmn_dict_event_fn g_hook;
static void *g_hook_ctx;

void dmn_dict_set_event_hook(dmn_dict_event_fn fn, void *ctx)
{
    g_hook = fn;
    g_hook_ctx = ctx;
}

struct dict_file *dmn_dict_load_path(const char *cfg_file, const char *dictionary, int *rc)
{
    char path[2 * DMN_PATH];
    /* a relative path is relative to the config file's folder (examples/: tenant.dict) */
    const char *slash = strrchr(cfg_file, '/');
    if (dictionary[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - cfg_file), cfg_file, dictionary);
    else
        snprintf(path, sizeof path, "%s", dictionary);
    dict_file *f = dict_file_load(path, rc);
    if (!f && *rc == AUS_EXIT_FAIL)
        *rc = AUS_EXIT_USAGE; /* a config error: the file the config names is malformed */
    return f;
}

int dmn_dict_open(dmn_node *n)
{
    int rc = AUS_EXIT_OK;
    n->dict = NULL;
    if (!n->cfg.dictionary[0])
        return AUS_EXIT_OK;
    n->dict = dmn_dict_load_path(n->cfg.file, n->cfg.dictionary, &rc);
    return n->dict ? AUS_EXIT_OK : rc;
}

void dmn_dict_close(dmn_node *n)
{
    dict_file_free(n->dict);
    n->dict = NULL;
}

const aus_dict *dmn_dict(const dmn_node *n) { return n && n->dict ? &n->dict->d : NULL; }

uint32_t dmn_dict_timeout(const dmn_node *n, const char *name, size_t len, uint32_t dflt)
{
    return aus_dict_cmd_timeout(dmn_dict(n), name, len, dflt);
}

void dmn_dict_banner(const dmn_node *n)
{
    const aus_dict *d = dmn_dict(n);
    char v[17];
    if (!d) {
        dmn_log("Dictionary: none ([node] dictionary not set: commands are not checked)");
        return;
    }
    dict_version_hex(d, v);
    dmn_log("Dictionary: %s version %s (%zu points, %zu commands)", n->dict->path, v, d->npts,
            d->ncmds);
}

static size_t to_args(const aus_app_msg *m, aus_dict_text *a)
{
    for (size_t i = 0; i < m->nargs; i++) {
        a[i].p = (const char *)m->args[i].p;
        a[i].n = m->args[i].n;
    }
    return m->nargs;
}

/* The refusal sentence; whose = "ground" / "satellite" for the dictionary named. */
static void explain(const dmn_node *n, const aus_app_msg *m, const aus_dict_verdict *v,
                    const aus_dict_text *args, char *why, size_t cap, const char *whose)
{
    char name[AUS_DICT_NAME_MAX * 4 + 8], ver[17];
    dict_version_hex(&n->dict->d, ver);
    if (v->rule == AUS_DICT_R_UNKNOWN_CMD) {
        aus_posix_escape(name, sizeof name, (const char *)m->name.p,
                         m->name.n > AUS_DICT_NAME_MAX + 8 ? AUS_DICT_NAME_MAX + 8 : m->name.n, 0);
        snprintf(why, cap, "command '%s' is not in the %s's dictionary (version %s)", name, whose,
                 ver);
    } else if (v->rule == AUS_DICT_R_DEF_DIFFERS) {
        snprintf(why, cap,
                 "command '%.*s': the ground's dictionary defines it differently from the "
                 "satellite's (version %s): not run",
                 (int)v->cmd->name.n, v->cmd->name.p, ver);
    } else
        aus_dict_explain(v, args, m->nargs, why, cap);
}

int dmn_dict_ground_cmd(const dmn_node *n, aus_app_msg *m, char *why, size_t cap)
{
    aus_dict_text args[AUS_APP_MAX_ARGS];
    aus_dict_verdict v;
    if (!n->dict) /* called for a command (CMD, or a time-tagged one) */
        return 0;
    size_t na = to_args(m, args);
    if (aus_dict_check_cmd(&n->dict->d, (const char *)m->name.p, m->name.n, args, na, NULL, &v) !=
        AUS_OK) {
        explain(n, m, &v, args, why, cap, "ground");
        return -1;
    }
    if (m->type == AUS_APP_CMD) {
        memcpy(m->defhash, v.cmd->def_hash, AUS_APP_DEFHASH);
        m->has_defhash = 1;
    }
    return 0;
}

aus_err dmn_dict_sat_check(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap,
                           size_t *outlen)
{
    dmn_node *n = ctx;
    aus_dict_text args[AUS_APP_MAX_ARGS];
    aus_dict_verdict v;
    char why[320];
    *outlen = 0;
    if (!n->dict)
        return AUS_OK;
    size_t na = to_args(req, args);
    if (aus_dict_check_cmd(&n->dict->d, (const char *)req->name.p, req->name.n, args, na,
                           req->has_defhash ? req->defhash : NULL, &v) == AUS_OK)
        return AUS_OK;
    explain(n, req, &v, args, why, sizeof why, "satellite");
    dmn_log("refused command id=%llu: %s", (unsigned long long)req->id, why);
    size_t k = strlen(why);
    if (k > cap)
        k = cap;
    memcpy(out, why, k);
    *outlen = k;
    return AUS_E_POLICY;
}

/* dict/<t>/ev/<request id 16 hex>/<point>: one record per event; the same report handled
 * again (a rollback) writes the same key. Listed in docs/store.md. */
static aus_err store_event(dmn_node *n, const dmn_dict_event *ev)
{
    dmn_key kb;
    const char *key = dmn_key_dict_ev(&kb, n->cfg.tenant, ev->request_id, ev->point);
    if (!key)
        return AUS_OK; /* names are bounded by the dictionary: cannot happen */
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return AUS_E_INTERNAL;
    cJSON_AddNumberToObject(j, "time_ms", (double)ev->time_ms);
    cJSON_AddNumberToObject(j, "id", (double)ev->request_id);
    cJSON_AddStringToObject(j, "point", ev->point);
    cJSON_AddStringToObject(j, "value", ev->value);
    cJSON_AddStringToObject(j, "unit", ev->unit);
    cJSON_AddStringToObject(j, "level", aus_dict_level_name(ev->level));
    cJSON_AddStringToObject(j, "why", ev->why);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!t)
        return AUS_E_INTERNAL;
    aus_err e = n->store.ops->put(n->store.self, key, (const uint8_t *)t, strlen(t));
    free(t);
    return e;
}

long dmn_dict_point(dmn_node *n, uint64_t request_id, const aus_app_kv *kv)
{
    const aus_dict *d = dmn_dict(n);
    if (!d)
        return 0;
    const aus_dict_point *p = aus_dict_find_point(d, (const char *)kv->name.p, kv->name.n);
    if (!p)
        return 0;
    aus_dict_level l = AUS_DICT_NOMINAL;
    char raw[64], value[4 * 64 + 8], pname[AUS_DICT_NAME_MAX + 1], unit[64], why[512];
    aus_err e;
    if (kv->is_text) {
        e = aus_dict_point_level(p, (const char *)kv->text.p, kv->text.n, &l);
        aus_posix_escape(value, sizeof value, (const char *)kv->text.p,
                         kv->text.n > 64 ? 64 : kv->text.n, 1);
    } else {
        e = aus_dict_point_level_i64(p, kv->num, &l);
        snprintf(raw, sizeof raw, "%" PRId64, kv->num);
        snprintf(value, sizeof value, "%s", raw);
    }
    if (e == AUS_OK && l == AUS_DICT_NOMINAL)
        return 0;
    snprintf(pname, sizeof pname, "%.*s", (int)p->name.n, p->name.p);
    snprintf(unit, sizeof unit, "%.*s", (int)(p->unit.n > 60 ? 60 : p->unit.n), p->unit.p);
    if (e != AUS_OK) {
        l = AUS_DICT_RED;
        snprintf(why, sizeof why, "%s = %s is not a %s value", pname, value,
                 aus_dict_type_name(p->type));
    } else if (p->type == AUS_DICT_INT || p->type == AUS_DICT_FLOAT) {
        const aus_dict_range *r = l == AUS_DICT_RED ? &p->red : &p->yellow;
        snprintf(why, sizeof why, "%s = %s%s%s is outside its %s limits %.*s..%.*s", pname, value,
                 unit[0] ? " " : "", unit, aus_dict_level_name(l), (int)r->lo_t.n, r->lo_t.p,
                 (int)r->hi_t.n, r->hi_t.p);
    } else
        snprintf(why, sizeof why, "%s = %s is a %s value", pname, value, aus_dict_level_name(l));
    dmn_dict_event ev = {n->cfg.tenant, request_id, dmn_now_ms(), pname, value, unit, l, why};
    dmn_log("EVENT %s: %s (request id=%llu)", l == AUS_DICT_RED ? "RED" : "YELLOW", why,
            (unsigned long long)request_id);
    AUS_TRY(store_event(n, &ev));
    if (g_hook)
        g_hook(g_hook_ctx, &ev);
    return 1;
}

long dmn_dict_tm_report(dmn_node *n, const aus_app_msg *m)
{
    long events = 0;
    if (!dmn_dict(n) || m->type != AUS_APP_TM_REPORT)
        return 0;
    for (size_t i = 0; i < m->nkv; i++) {
        long k = dmn_dict_point(n, m->id, &m->kv[i]);
        if (k < 0)
            return k;
        events += k;
    }
    return events;
}
