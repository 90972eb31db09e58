/* SPDX-License-Identifier: Apache-2.0 */
/* The ground client: australis tm | cmd | image get | rekey | status | sa (docs/daemon.md).
 *
 * Talks to the running ground daemon over its UNIX socket ([ground] socket, owner-only): one
 * JSON request line, one JSON reply. If no daemon listens (the --once demo/test mode), the
 * client opens the ground's store itself and queues the request there; the next
 * `australis run --once` of the ground writes it to the outgoing folder (request ids, sequence
 * numbers and IVs come from counters reserved in the store, so two processes never share one);
 * --wait then lets the store go and reads the answer through a read-only view.
 * Each command prints the request id at once; --wait blocks until the answer (or --timeout)
 * and prints it, human-readable or --json.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred, SO_PEERCRED (socket(7)) */
#endif
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "../../../port/posix/store_sqlite.h"
#include "daemon.h"
#include "uplink.h"
#include "link_ccsds.h"
#include "dict_file.h"

/* ---- the operations (run inside the daemon, or in-process in direct mode) ---- */

static char *reply_err(const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* A cancellation the satellite carries out (a time-tagged command): the request that asks. */
static char *reply_sent(uint64_t id, uint64_t sent)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "sent", (double)sent);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static char *reply_id(uint64_t id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static aus_app_view view(const char *s) { return (aus_app_view){(const uint8_t *)s, strlen(s)}; }

/* Body of a rekey request (OTAR / PQ) or of an SDLS EP procedure (`sa`, kind 3). */
static aus_err key_request(dmn_node *n, const cJSON *j, int sa, aus_app_msg *m)
{
    static uint8_t body[AUS_REKEY_MSG_MAX];
    size_t blen = 0;
    const cJSON *k = cJSON_GetObjectItem(j, "kind");
    m->type = AUS_APP_REKEY_REQ;
    if (sa) {
        const cJSON *a = cJSON_GetObjectItem(j, "first"), *b = cJSON_GetObjectItem(j, "last");
        m->kind = 3;
        AUS_TRY(dmn_sa_request(cJSON_IsString(k) ? k->valuestring : "",
                               cJSON_IsNumber(a) ? (uint16_t)a->valuedouble : 0,
                               cJSON_IsNumber(b) ? (uint16_t)b->valuedouble : 0xFFFF, body,
                               sizeof body, &blen));
    } else {
        m->kind = cJSON_IsString(k) && !strcmp(k->valuestring, "pq") ? 2 : 1;
        AUS_TRY(dmn_rekey_request(n, m->kind, body, sizeof body, &blen));
    }
    m->data.p = body;
    m->data.n = blen;
    return AUS_OK;
}

char *dmn_client_exec(dmn_node *n, const char *json)
{
    cJSON *j = cJSON_Parse(json);
    const cJSON *op = j ? cJSON_GetObjectItem(j, "op") : NULL;
    char *out = NULL;
    if (!cJSON_IsString(op)) {
        cJSON_Delete(j);
        return reply_err("bad request");
    }
    static aus_app_msg m;
    memset(&m, 0, sizeof m);
    const char *o = op->valuestring, *local = "";
    if (!strcmp(o, "status")) {
        out = dmn_ground_status(n);
    } else if (!strcmp(o, "cancel") || !strcmp(o, "retry")) {
        const cJSON *id = cJSON_GetObjectItem(j, "id");
        uint64_t rid = cJSON_IsNumber(id) ? (uint64_t)id->valuedouble : 0;
        uint64_t sent = 0;
        aus_err e = rid ? dmn_ground_control(n, rid, !strcmp(o, "cancel"), &sent) : AUS_E_ARG;
        out = e == AUS_OK && sent   ? reply_sent(rid, sent)
              : e == AUS_OK         ? reply_id(rid)
              : e == AUS_E_NOTFOUND ? reply_err("no pending request with that id (answered, "
                                                "failed, cancelled or never submitted)")
                                    : reply_err(aus_err_str(e));
    } else if (!strcmp(o, "resp")) {
        const cJSON *id = cJSON_GetObjectItem(j, "id");
        out = cJSON_IsNumber(id) ? dmn_ground_response(n, (uint64_t)id->valuedouble) : NULL;
        if (!out)
            out = strdup("{}");
    } else {
        if (!strcmp(o, "tm")) {
            m.type = AUS_APP_TM_QUERY;
        } else if (!strcmp(o, "put")) { /* file uplink: size and SHA-256 read here */
            const cJSON *l = cJSON_GetObjectItem(j, "local"), *r = cJSON_GetObjectItem(j, "remote");
            char why[DMN_PATH + 128];
            m.type = AUS_APP_FILE_PUT;
            m.name = view(cJSON_IsString(r) ? r->valuestring : "");
            local = cJSON_IsString(l) ? l->valuestring : "";
            if (dmn_up_local(local, &m.size, m.sha256, why, sizeof why) != 0) {
                cJSON_Delete(j);
                return reply_err(why);
            }
        } else if (!strcmp(o, "scheduled")) {
            m.type = AUS_APP_TT_LIST;
        } else if (!strcmp(o, "cmd")) {
            const cJSON *nm = cJSON_GetObjectItem(j, "name"),
                        *args = cJSON_GetObjectItem(j, "args");
            const cJSON *at = cJSON_GetObjectItem(j, "at"),
                        *tol = cJSON_GetObjectItem(j, "tolerance");
            m.type = cJSON_IsNumber(at) ? AUS_APP_CMD_AT : AUS_APP_CMD; /* time-tagged */
            m.at = cJSON_IsNumber(at) ? (uint64_t)at->valuedouble : 0;
            m.tolerance = cJSON_IsNumber(tol) ? (uint64_t)tol->valuedouble : 0;
            m.name = view(cJSON_IsString(nm) ? nm->valuestring : "");
            const cJSON *a;
            cJSON_ArrayForEach(a, args)
            {
                if (cJSON_IsString(a) && m.nargs < AUS_APP_MAX_ARGS)
                    m.args[m.nargs++] = view(a->valuestring);
            }
            char why[320]; /* the tenant dictionary: refused before anything is recorded */
            if (dmn_dict_ground_cmd(n, &m, why, sizeof why) != 0) {
                dmn_log("client: command refused by the dictionary: %s", why);
                cJSON_Delete(j);
                return reply_err(why);
            }
        } else if (!strcmp(o, "image")) {
            const cJSON *r = cJSON_GetObjectItem(j, "remote"), *l = cJSON_GetObjectItem(j, "local");
            const cJSON *c = cJSON_GetObjectItem(j, "chunk");
            m.type = AUS_APP_IMG_REQ;
            m.name = view(cJSON_IsString(r) ? r->valuestring : "");
            m.chunk = cJSON_IsNumber(c) ? (uint64_t)c->valuedouble : 0;
            local = cJSON_IsString(l) ? l->valuestring : "image.out";
        } else if (!strcmp(o, "rekey") || !strcmp(o, "sa")) {
            aus_err e = key_request(n, j, !strcmp(o, "sa"), &m);
            if (e != AUS_OK) {
                const char *why = m.kind == 2 ? dmn_rekey_why(n) : NULL;
                cJSON_Delete(j);
                return reply_err(why ? why : aus_err_str(e));
            }
        } else {
            cJSON_Delete(j);
            return reply_err("unknown operation");
        }
        uint64_t id = 0;
        /* SDLS-EP procedures: as EP PDUs on the link when it carries them (link = ccsds) */
        aus_err e = !strcmp(o, "sa") ? dmn_ground_sa_submit(n, &m, &id)
                                     : dmn_ground_submit(n, &m, local, &id);
        out = e == AUS_OK ? reply_id(id) : reply_err(aus_err_str(e));
        /* what the operator asked for: `sa inventory` is an SDLS-EP procedure, not a rekey */
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(j, "kind"));
        if (e == AUS_OK && !strcmp(o, "sa"))
            dmn_log("client: sa %s (SDLS-EP procedure) queued as request id=%llu",
                    kind ? kind : "?", (unsigned long long)id);
        else if (e == AUS_OK && !strcmp(o, "rekey"))
            dmn_log("client: rekey --%s queued as request id=%llu", kind ? kind : "?",
                    (unsigned long long)id);
        else if (e == AUS_OK)
            dmn_log("client: %s queued as request id=%llu", aus_app_type_name(m.type),
                    (unsigned long long)id);
    }
    cJSON_Delete(j);
    return out;
}

/* ---- the client side ---- */

typedef struct copts {
    const char *config;
    int wait, json;
    double timeout;
} copts;

/* `--at TIME`: "+SECONDS" from now or an ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SSZ", as DTN ms
 * (since 2000-01-01 UTC, RFC 9171 §4.2.6). 0 on success. */
static int parse_at(const char *t, uint64_t *dtn_ms)
{
    const time_t dtn_epoch = 946684800; /* 2000-01-01T00:00:00Z in unix seconds */
    struct tm tm;
    uint64_t rel = 0;
    time_t u;
    if (t[0] == '+') {
        if (cli_u64(t + 1, 10u * 365 * 86400, &rel) != 0)
            return -1;
        u = time(NULL) + (time_t)rel;
    } else {
        memset(&tm, 0, sizeof tm);
        const char *e = strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!e || *e)
            return -1;
        u = timegm(&tm);
    }
    if (u < dtn_epoch)
        return -1;
    *dtn_ms = (uint64_t)(u - dtn_epoch) * 1000u;
    return 0;
}

/* One request over the daemon's socket. *connected tells whether a daemon took the
 * connection: only when none did may the caller run the request itself (as the store's owner). */
static char *via_socket(const char *path, const char *store, const char *req, int *connected)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    *connected = 0;
    if (!path[0] || strlen(path) >= sizeof a.sun_path)
        return NULL;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    *connected = 1;
    /* DESIGN.md §5a: whoever listens on the path gets the request (command arguments) and
     * writes the answer we print. In a shared directory another local user can bind the path
     * first: talk only to a process of our own user or root (root as the client: also to the
     * owner of the tenant's store), never fall back silently. */
    struct ucred cr;
    struct stat st;
    socklen_t crl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) != 0 ||
        (cr.uid != geteuid() && cr.uid != 0 &&
         !(geteuid() == 0 && stat(store, &st) == 0 && st.st_uid == cr.uid))) {
        cli_err("%s is served by another user (uid %ld, pid %ld): request not sent", path,
                crl == sizeof cr ? (long)cr.uid : -1L, crl == sizeof cr ? (long)cr.pid : -1L);
        close(fd);
        *connected = 2; /* said why: no second sentence, no direct mode */
        return NULL;
    }
    size_t len = strlen(req);
    char *buf = NULL;
    if (write(fd, req, len) == (ssize_t)len && write(fd, "\n", 1) == 1) {
        size_t cap = 65536, at = 0;
        buf = malloc(cap);
        ssize_t r;
        while (buf && (r = read(fd, buf + at, cap - 1 - at)) > 0) {
            at += (size_t)r;
            if (at + 1 >= cap) {
                char *nb = realloc(buf, cap * 2);
                if (!nb)
                    break;
                buf = nb;
                cap *= 2;
            }
        }
        if (buf)
            buf[at] = '\0';
        if (buf && at == 0) { /* the daemon died or closed before answering */
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    return buf;
}

static dmn_node *direct_node;

/* Through the daemon when one answers; otherwise this process runs the request itself, which
 * it may only do as the store's one owner (dmn_open takes the store's lock: with a daemon
 * alive but not answering, it fails with a sentence naming the daemon's pid). */
static char *call(const dmn_config *cfg, const char *req, int readonly)
{
    int connected = 0;
    char *r = direct_node ? NULL : via_socket(cfg->socket, cfg->store, req, &connected);
    if (r)
        return r;
    long owner = !direct_node && !connected && cfg->socket[0] && !readonly
                     ? aus_store_sqlite_holder(cfg->store)
                     : 0;
    if (owner > 0 && kill((pid_t)owner, 0) == 0) {
        /* a daemon owns the store but its socket is not there yet (it is starting, e.g. right
         * after `australis run ... &`): wait for it rather than fail on its lock */
        for (int i = 0; i < 100 && !r && !connected; i++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
            r = via_socket(cfg->socket, cfg->store, req, &connected);
        }
        if (r)
            return r;
    }
    if (connected == 2)
        return NULL;
    if (connected) {
        cli_err("the daemon on %s closed the connection before answering: the request may or "
                "may not be queued (see australis status)",
                cfg->socket);
        return NULL;
    }
    if (!direct_node) {
        static dmn_node n;
        /* status and answers only read: a read-only view beside a running owner, which can
         * reserve no counter (every write fails), when the store already exists */
        if (readonly && access(cfg->store, F_OK) == 0 ? dmn_open_readonly(&n, cfg) != 0
                                                      : dmn_open(&n, cfg, 0) != 0)
            return NULL;
        direct_node = &n;
    }
    return dmn_client_exec(direct_node, req);
}

static void print_human(const cJSON *r)
{
    const cJSON *type = cJSON_GetObjectItem(r, "type"), *rep = cJSON_GetObjectItem(r, "report");
    const cJSON *id = cJSON_GetObjectItem(r, "id");
    printf("request %.0f: %s\n", cJSON_IsNumber(id) ? id->valuedouble : 0,
           cJSON_IsString(type) ? type->valuestring : "answer");
    const cJSON *it;
    if (rep) {
        cJSON_ArrayForEach(it, rep)
        {
            if (cJSON_IsNumber(it))
                printf("  %-22s %.0f\n", it->string, it->valuedouble);
            else if (cJSON_IsString(it))
                printf("  %-22s %s\n", it->string, it->valuestring);
        }
        return;
    }
    cJSON_ArrayForEach(it, r)
    {
        if (!strcmp(it->string, "id") || !strcmp(it->string, "type") ||
            !strcmp(it->string, "output"))
            continue;
        if (cJSON_IsNumber(it))
            printf("  %-10s %.0f\n", it->string, it->valuedouble);
        else if (cJSON_IsString(it))
            printf("  %-10s %s\n", it->string, it->valuestring);
    }
    const cJSON *o = cJSON_GetObjectItem(r, "output");
    if (cJSON_IsString(o) && o->valuestring[0])
        printf("  output:\n%s%s", o->valuestring,
               o->valuestring[strlen(o->valuestring) - 1] == '\n' ? "" : "\n");
}

static int wait_answer(const dmn_config *cfg, const copts *o, uint64_t id)
{
    /* A request this process queued itself (no daemon answered) is durable in the store now.
     * Waiting must not keep the store's lock: the answer can only come through a daemon or an
     * `australis run --once` that takes it, so the wait reads through a read-only view (or
     * the daemon's socket). */
    if (direct_node && !direct_node->readonly) {
        dmn_close(direct_node);
        direct_node = NULL;
    }
    char req[96];
    snprintf(req, sizeof req, "{\"op\":\"resp\",\"id\":%llu}", (unsigned long long)id);
    double lastv = -1, *last = &lastv;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        char *r = call(cfg, req, 1);
        cJSON *j = r ? cJSON_Parse(r) : NULL;
        free(r);
        if (j && cJSON_GetObjectItem(j, "id")) {
            if (o->json) {
                char *s = cJSON_Print(j);
                printf("%s\n", s);
                free(s);
            } else
                print_human(j);
            const cJSON *st = cJSON_GetObjectItem(j, "status");
            int ok = !st || (cJSON_IsString(st) && !strcmp(st->valuestring, "ok"));
            cJSON_Delete(j);
            return ok ? AUS_EXIT_OK : AUS_EXIT_FAIL;
        }
        const cJSON *have = j ? cJSON_GetObjectItem(j, "chunks") : NULL;
        const cJSON *tot = j ? cJSON_GetObjectItem(j, "total") : NULL;
        if (!o->json && cJSON_IsNumber(have) && cJSON_IsNumber(tot) && tot->valuedouble > 0 &&
            have->valuedouble != *last) {
            *last = have->valuedouble;
            printf("  progress: %.0f/%.0f chunks (%.0f%%)\n", have->valuedouble, tot->valuedouble,
                   100.0 * have->valuedouble / tot->valuedouble);
            fflush(stdout);
        }
        cJSON_Delete(j);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > o->timeout) {
            cli_err("no answer to request %llu within %.0f s (it stays pending)",
                    (unsigned long long)id, o->timeout);
            return AUS_EXIT_FAIL;
        }
        usleep(200000);
    }
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: australis tm [OPTIONS]\n"
           "       australis cmd NAME [ARGS...] [OPTIONS]\n"
           "       australis cmd NAME [ARGS...] --at TIME [--tolerance S]   (time-tagged: run\n"
           "             on board at TIME, +SECONDS or YYYY-MM-DDTHH:MM:SSZ; refused when reached\n"
           "             more than S late, default 60)\n"
           "       australis cmd --sequence FILE [--at TIME] [--tolerance S]   (lines\n"
           "             \"+SECONDS NAME ARGS...\" from TIME, default now; # comments)\n"
           "       australis cmd --scheduled   (the time-tagged commands waiting on board)\n"
           "       australis image get REMOTE [-o LOCAL] [--chunk BYTES] [OPTIONS]\n"
           "       australis file put LOCAL REMOTE [OPTIONS]   (upload LOCAL into the satellite's\n"
           "             uploads folder as REMOTE: chunked, resumed over passes, SHA-256 checked,\n"
           "             written there in one step)\n"
           "       australis rekey --otar|--pq [OPTIONS]\n"
           "       australis sa inventory [FIRST LAST] | ping | self-test | log-status [OPTIONS]\n"
           "       australis status [--id N] [OPTIONS]   (--id: the answer to request N)\n"
           "       australis cancel ID | retry ID [OPTIONS]  (a pending request: stop asking |\n"
           "                                                  re-send it now)\n"
           "options: --config FILE (or $AUS_CONFIG: the ground daemon's config)\n"
           "         --wait  block until the answer arrives   --timeout S (default 60)\n"
           "         --json  print the answer as JSON\n"
           "Prints the request id at once. Talks to the ground daemon's socket, or queues in\n"
           "its store when no daemon is listening (--once mode).\n"
           "exit codes: 0 ok, 1 failed / no answer in time, 2 usage, 3 I/O\n");
}

typedef struct cargs {
    const char *fam, *local;
    const char *pos[AUS_APP_MAX_ARGS + 2];
    int npos, otar, pq;
    uint64_t chunk, want_id;
    uint64_t at, tolerance_s; /* cmd --at (DTN ms; 0: now), --tolerance */
    int scheduled;            /* cmd --scheduled */
    const char *sequence;     /* cmd --sequence FILE */
} cargs;

/* The satellite's commands for `cmd --help`: the dictionary's when the config names one. */
static void cmd_help_list(const copts *o)
{
    static dmn_config cfg;
    dict_file *f = NULL;
    int rc = 0;
    if (o->config && dmn_config_load(&cfg, o->config) == 0 && cfg.dictionary[0])
        f = dmn_dict_load_path(cfg.file, cfg.dictionary, &rc);
    if (!f) {
        printf("\nthe satellite's built-in commands (no dictionary in the config):\n"
               "  ping [WORDS...]        answer \"pong\" and the words\n"
               "  get NAME               read a stored parameter\n"
               "  set NAME VALUE         store a parameter\n"
               "  list                   the files in the data folder\n"
               "  capture                copy the capture source into the data folder\n"
               "  exec SCRIPT [ARGS...]  run a script named by exec.SCRIPT in its config\n");
        return;
    }
    char v[17];
    dict_version_hex(&f->d, v);
    printf("\nthe satellite's commands (dictionary %s, version %s):\n", f->path, v);
    for (size_t i = 0; i < f->d.ncmds; i++) {
        const aus_dict_cmd *c = &f->d.cmds[i];
        char line[512];
        int at = snprintf(line, sizeof line, "  %.*s", (int)c->name.n, c->name.p);
        for (size_t k = 0; k < c->nargs && at > 0 && (size_t)at < sizeof line; k++) {
            const aus_dict_arg *a = &c->args[k];
            at +=
                snprintf(line + at, sizeof line - (size_t)at, " %s%.*s:%s", a->optional ? "[" : "",
                         (int)a->name.n, a->name.p, aus_dict_type_name(a->type));
            if (at > 0 && (size_t)at < sizeof line && a->type == AUS_DICT_ENUM)
                at += snprintf(line + at, sizeof line - (size_t)at, "(%.*s)", (int)a->values.n,
                               a->values.p);
            else if (at > 0 && (size_t)at < sizeof line && (a->range.has_lo || a->range.has_hi))
                at += snprintf(line + at, sizeof line - (size_t)at, "(%.*s..%.*s)",
                               (int)a->range.lo_t.n, a->range.lo_t.p, (int)a->range.hi_t.n,
                               a->range.hi_t.p);
            if (at > 0 && (size_t)at < sizeof line)
                at += snprintf(line + at, sizeof line - (size_t)at, "%s",
                               a->variadic   ? "..."
                               : a->optional ? "]"
                                             : "");
        }
        printf("%s\n", line);
        if (c->desc.n)
            printf("      %.*s\n", (int)c->desc.n, c->desc.p);
    }
    dict_file_free(f);
}

/* Parse the options (opts.h: anywhere, `--` ends them); returns -1 (usage, one sentence
 * printed), 0, or 1 (--help printed). */
static int parse_args(int argc, char **argv, copts *o, cargs *a)
{
    const char *f = a->fam, *at = NULL;
    int is_cmd = !strcmp(f, "cmd");
    const cli_opt all[] = {
        {"--config", NULL, CLI_OPT_STR, &o->config, 0, 0, NULL},
        {"--wait", NULL, CLI_OPT_FLAG, &o->wait, 0, 0, NULL},
        {"--json", NULL, CLI_OPT_FLAG, &o->json, 0, 0, NULL},
        {"--timeout", NULL, CLI_OPT_NUM, &o->timeout, 0, 86400 * 7, "a number of seconds"},
        /* the family's own options: `what` names the family here (replaced below) */
        {"--otar", NULL, CLI_OPT_FLAG, &a->otar, 0, 0, "rekey"},
        {"--pq", NULL, CLI_OPT_FLAG, &a->pq, 0, 0, "rekey"},
        {"--id", NULL, CLI_OPT_U64, &a->want_id, 1, UINT64_MAX - 1, "status"},
        {"--at", NULL, CLI_OPT_STR, &at, 0, 0, "cmd"},
        {"--tolerance", NULL, CLI_OPT_U64, &a->tolerance_s, 0, 30u * 86400, "cmd"},
        {"--scheduled", NULL, CLI_OPT_FLAG, &a->scheduled, 0, 0, "cmd"},
        {"--sequence", NULL, CLI_OPT_STR, &a->sequence, 0, 0, "cmd"},
        {"-o", "--output", CLI_OPT_STR, &a->local, 0, 0, "image"},
        {"--chunk", NULL, CLI_OPT_U64, &a->chunk, 1, 16384, "image"},
    };
    static const char *const what[] = {"--id",        "a request id",
                                       "--tolerance", "a number of seconds",
                                       "--chunk",     "a chunk size in bytes"};
    cli_opt tab[sizeof all / sizeof all[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (i >= 4 && strcmp(all[i].what, f))
            continue;
        tab[n] = all[i];
        if (i >= 4)
            tab[n].what = NULL;
        for (size_t k = 0; k < sizeof what / sizeof what[0]; k += 2)
            if (!strcmp(tab[n].name, what[k]))
                tab[n].what = what[k + 1];
        n++;
    }
    int r = cli_opts_parse(f, argc, argv, 1, tab, n, a->pos, &a->npos,
                           (int)(sizeof a->pos / sizeof a->pos[0]));
    if (r > 0) { /* this family's synopsis first, then every client form */
        static const char *const syn[][2] = {
            {"tm", "tm [OPTIONS]"},
            {"cmd", "cmd NAME [ARGS...] [OPTIONS]"},
            {"image", "image get REMOTE [-o LOCAL] [--chunk BYTES] [OPTIONS]"},
            {"file", "file put LOCAL REMOTE [OPTIONS]"},
            {"rekey", "rekey --otar|--pq [OPTIONS]"},
            {"sa", "sa inventory [FIRST LAST] | ping | self-test | log-status [OPTIONS]"},
            {"status", "status [--id N] [OPTIONS]"},
            {"cancel", "cancel ID [OPTIONS]"},
            {"retry", "retry ID [OPTIONS]"},
        };
        for (size_t i = 0; i < sizeof syn / sizeof syn[0]; i++)
            if (!strcmp(syn[i][0], f))
                printf("usage: australis %s\n\nthe ground client's forms:\n", syn[i][1]);
        usage(stdout);
        if (is_cmd)
            cmd_help_list(o);
    }
    if (r != 0)
        return r;
    if (at && parse_at(at, &a->at) != 0) {
        cli_err("cmd: option --at needs +SECONDS or a UTC time YYYY-MM-DDTHH:MM:SSZ, not '%s'", at);
        return -1;
    }
    return 0;
}

/* The positional arguments each family takes: one sentence for the first one missing or extra. */
static int check_args(const cargs *a)
{
    const char *f = a->fam;
    static const char *const id[] = {"ID"}, *const img[] = {"get", "REMOTE"},
                             *const sa[] = {"PROCEDURE", "FIRST", "LAST"}, *const cm[] = {"NAME"};
    if (!strcmp(f, "rekey") && a->otar == a->pq) {
        cli_err("rekey: give one of --otar and --pq (see australis rekey --help)");
        return -1;
    }
    if (!strcmp(f, "tm") || !strcmp(f, "status") || !strcmp(f, "rekey"))
        return cli_opts_count(f, a->pos, a->npos, 0, 0, NULL);
    if (!strcmp(f, "cancel") || !strcmp(f, "retry"))
        return cli_opts_count(f, a->pos, a->npos, 1, 1, id);
    if (!strcmp(f, "image")) {
        if (a->npos >= 1 && strcmp(a->pos[0], "get")) {
            cli_err("image: unknown subcommand '%s' (see australis image --help)", a->pos[0]);
            return -1;
        }
        return cli_opts_count("image get", a->pos, a->npos, 2, 2, img);
    }
    if (!strcmp(f, "file")) {
        static const char *const fp[] = {"put", "LOCAL", "REMOTE"};
        if (a->npos >= 1 && strcmp(a->pos[0], "put")) {
            cli_err("file: unknown subcommand '%s' (see australis file --help)", a->pos[0]);
            return -1;
        }
        return cli_opts_count("file put", a->pos, a->npos, 3, 3, fp);
    }
    if (!strcmp(f, "sa")) {
        if (a->npos == 2)
            return cli_opts_count(f, a->pos, a->npos, 3, 3, sa);
        return cli_opts_count(f, a->pos, a->npos, 1, 3, sa);
    }
    if (!strcmp(f, "cmd") && !a->scheduled && !a->sequence)
        return cli_opts_count(f, a->pos, a->npos, 1, -1, cm);
    if (!strcmp(f, "cmd"))
        return cli_opts_count(f, a->pos, a->npos, 0, 0, NULL);
    return 0;
}

static void image_request(cJSON *req, const cargs *a, const dmn_config *cfg)
{
    char abs[PATH_MAX + 512], cwd[PATH_MAX];
    const char *remote = a->pos[1];
    const char *base = strrchr(remote, '/') ? strrchr(remote, '/') + 1 : remote;
    const char *l = a->local ? a->local : base;
    if (l[0] == '/')
        snprintf(abs, sizeof abs, "%s", l);
    else if (!a->local && cfg->downloads[0])
        snprintf(abs, sizeof abs, "%s/%s", cfg->downloads, l);
    else
        snprintf(abs, sizeof abs, "%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", l);
    if (a->local || !cfg->downloads[0]) { /* the configured folder is the daemon's to create */
        char dir[sizeof abs];
        snprintf(dir, sizeof dir, "%s", abs);
        *strrchr(dir, '/') = '\0';
        struct stat st;
        if (stat(dir[0] ? dir : "/", &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_err("image get: cannot save to %s: %s is not an existing folder", abs,
                    dir[0] ? dir : "/");
            exit(AUS_EXIT_ENV);
        }
    }
    cJSON_AddStringToObject(req, "op", "image");
    cJSON_AddStringToObject(req, "remote", remote);
    cJSON_AddStringToObject(req, "local", abs);
    if (a->chunk)
        cJSON_AddNumberToObject(req, "chunk", (double)a->chunk);
}

/* The JSON request for the daemon, or NULL (usage). */
static cJSON *build_request(const cargs *a, const dmn_config *cfg)
{
    const char *fam = a->fam;
    cJSON *req = cJSON_CreateObject();
    if (!strcmp(fam, "status") && a->want_id) {
        cJSON_AddStringToObject(req, "op", "resp");
        cJSON_AddNumberToObject(req, "id", (double)a->want_id);
    } else if (!strcmp(fam, "status")) {
        cJSON_AddStringToObject(req, "op", "status");
    } else if ((!strcmp(fam, "cancel") || !strcmp(fam, "retry")) && a->npos == 1) {
        uint64_t id = 0;
        if (cli_u64(a->pos[0], UINT64_MAX - 1, &id) != 0 || !id) {
            cli_err("%s: %s is not a request id (a number from `australis status`)", fam,
                    a->pos[0]);
            cJSON_Delete(req);
            return NULL;
        }
        cJSON_AddStringToObject(req, "op", fam);
        cJSON_AddNumberToObject(req, "id", (double)id);
    } else if (!strcmp(fam, "tm")) {
        cJSON_AddStringToObject(req, "op", "tm");
    } else if (!strcmp(fam, "file") && a->npos == 3 && !strcmp(a->pos[0], "put")) {
        char abs[PATH_MAX + 512], cwd[PATH_MAX];
        const char *l = a->pos[1];
        if (l[0] == '/')
            snprintf(abs, sizeof abs, "%s", l);
        else
            snprintf(abs, sizeof abs, "%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", l);
        struct stat st;
        const char *why = stat(abs, &st) != 0      ? strerror(errno)
                          : !S_ISREG(st.st_mode)   ? "not a regular file"
                          : access(abs, R_OK) != 0 ? strerror(errno)
                                                   : NULL;
        if (why) {
            cli_err("file put: cannot upload %s: %s", abs, why);
            exit(AUS_EXIT_ENV);
        }
        cJSON_AddStringToObject(req, "op", "put");
        cJSON_AddStringToObject(req, "local", abs);
        cJSON_AddStringToObject(req, "remote", a->pos[2]);
    } else if (!strcmp(fam, "cmd") && a->scheduled && a->npos == 0) {
        cJSON_AddStringToObject(req, "op", "scheduled");
    } else if (!strcmp(fam, "cmd") && a->npos >= 1 && !a->scheduled && !a->sequence) {
        cJSON_AddStringToObject(req, "op", "cmd");
        cJSON_AddStringToObject(req, "name", a->pos[0]);
        cJSON *args = cJSON_AddArrayToObject(req, "args");
        for (int i = 1; i < a->npos; i++)
            cJSON_AddItemToArray(args, cJSON_CreateString(a->pos[i]));
        if (a->at) {
            cJSON_AddNumberToObject(req, "at", (double)a->at);
            cJSON_AddNumberToObject(req, "tolerance", (double)(a->tolerance_s * 1000u));
        }
    } else if (!strcmp(fam, "image") && a->npos == 2 && !strcmp(a->pos[0], "get")) {
        image_request(req, a, cfg);
    } else if (!strcmp(fam, "sa") && a->npos >= 1) {
        /* SDLS EP procedures over the authenticated link (inventory, ping, self-test,
         * log-status); SA procedures proper belong to the CCSDS link */
        cJSON_AddStringToObject(req, "op", "sa");
        cJSON_AddStringToObject(req, "kind", a->pos[0]);
        if (a->npos == 3) {
            cJSON_AddNumberToObject(req, "first", strtol(a->pos[1], NULL, 0));
            cJSON_AddNumberToObject(req, "last", strtol(a->pos[2], NULL, 0));
        }
    } else if (!strcmp(fam, "rekey") && a->otar != a->pq) {
        cJSON_AddStringToObject(req, "op", "rekey");
        cJSON_AddStringToObject(req, "kind", a->pq ? "pq" : "otar");
    } else {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

/* "  12   cmd        age 3m04s  sent 2x  next retry in 57s  chunks 40/100 (40%)" */
static void print_pending(const cJSON *it)
{
    long age = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "age_s"));
    printf("\n  %-4.0f %-10s age %ldm%02lds  sent %.0fx  next retry in %.0fs",
           cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id")),
           cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")), age / 60, age % 60,
           cJSON_GetNumberValue(cJSON_GetObjectItem(it, "sends")),
           cJSON_GetNumberValue(cJSON_GetObjectItem(it, "next_retry_s")));
    const cJSON *c = cJSON_GetObjectItem(it, "chunks"), *t = cJSON_GetObjectItem(it, "total");
    if (cJSON_IsNumber(c) && cJSON_IsNumber(t) && t->valuedouble > 0)
        printf("  chunks %.0f/%.0f (%.0f%%)", c->valuedouble, t->valuedouble,
               100.0 * c->valuedouble / t->valuedouble);
}

/* Print the daemon's reply; returns the exit code. */
static int show_reply(const cargs *a, const copts *o, const dmn_config *cfg, const char *reply)
{
    cJSON *r = cJSON_Parse(reply);
    int rc = AUS_EXIT_OK;
    const cJSON *err = r ? cJSON_GetObjectItem(r, "error") : NULL,
                *id = r ? cJSON_GetObjectItem(r, "id") : NULL;
    if (!r || cJSON_IsString(err)) {
        cli_err("%s: %s", a->fam, cJSON_IsString(err) ? err->valuestring : "bad reply");
        rc = AUS_EXIT_FAIL;
    } else if (!strcmp(a->fam, "status") && a->want_id) {
        if (!cJSON_IsNumber(id) && cJSON_IsTrue(cJSON_GetObjectItem(r, "unknown"))) {
            cli_err("status: there is no request %llu (never submitted to this ground, or "
                    "answered and pruned since)",
                    (unsigned long long)a->want_id);
            rc = AUS_EXIT_FAIL;
        } else if (!cJSON_IsNumber(id)) {
            cli_err("status: no answer to request %llu yet", (unsigned long long)a->want_id);
            rc = AUS_EXIT_FAIL;
        } else if (o->json) {
            char *s = cJSON_PrintUnformatted(r);
            printf("%s\n", s);
            free(s);
        } else
            print_human(r);
    } else if (!strcmp(a->fam, "cancel") && cJSON_IsNumber(cJSON_GetObjectItem(r, "sent"))) {
        printf("request %.0f is a time-tagged command: the satellite is asked to cancel it "
               "(request %.0f); its answer says whether it was still waiting\n",
               id->valuedouble, cJSON_GetNumberValue(cJSON_GetObjectItem(r, "sent")));
    } else if ((!strcmp(a->fam, "cancel") || !strcmp(a->fam, "retry")) && cJSON_IsNumber(id)) {
        printf("request %.0f %s\n", id->valuedouble,
               !strcmp(a->fam, "cancel") ? "cancelled: the ground stops asking for it"
                                         : "re-sent now");
    } else if (!strcmp(a->fam, "status") && o->json) {
        printf("%s\n", reply);
    } else if (!strcmp(a->fam, "status")) {
        const cJSON *p = cJSON_GetObjectItem(r, "pending_detail"), *it;
        printf("tenant %s: %d request(s) pending",
               cJSON_GetStringValue(cJSON_GetObjectItem(r, "tenant")), cJSON_GetArraySize(p));
        cJSON_ArrayForEach(it, p) print_pending(it);
        const cJSON *an = cJSON_GetObjectItem(r, "answered"),
                    *ow = cJSON_GetObjectItem(r, "outgoing_waiting"),
                    *iw = cJSON_GetObjectItem(r, "incoming_waiting");
        printf("\n%.0f answered, %.0f file(s) waiting in the outgoing folder, %.0f in the incoming "
               "folder\n",
               cJSON_GetNumberValue(an), cJSON_GetNumberValue(ow), cJSON_GetNumberValue(iw));
        const cJSON *nf = cJSON_GetObjectItem(r, "failed"), *f;
        if (cJSON_IsNumber(nf) && nf->valuedouble > 0)
            printf("%.0f failed on the ground (status --id N for the whole answer), the last:\n",
                   nf->valuedouble);
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(r, "failed_recent"))
        {
            printf("  %.0f  %s\n", cJSON_GetNumberValue(cJSON_GetObjectItem(f, "id")),
                   cJSON_GetStringValue(cJSON_GetObjectItem(f, "why")));
        }
        const char *sb = cJSON_GetStringValue(cJSON_GetObjectItem(r, "sandbox")),
                   *sm = cJSON_GetStringValue(cJSON_GetObjectItem(r, "sandbox_missing"));
        if (sb && sm) /* the ground daemon's own protections (docs/sandbox.md) */
            printf("sandbox: %s%s%s\n", sb, *sm ? "; not active: " : "", sm);
        if (cJSON_GetObjectItem(r, "ccsds"))
            dmn_link_ccsds_print(cJSON_GetObjectItem(r, "ccsds"));
    } else if (cJSON_IsNumber(id)) {
        uint64_t rid = (uint64_t)id->valuedouble;
        if (o->json && !o->wait)
            printf("{\"id\":%llu}\n", (unsigned long long)rid);
        else if (!o->json)
            printf("request id %llu\n", (unsigned long long)rid);
        fflush(stdout);
        if (o->wait)
            rc = wait_answer(cfg, o, rid);
    }
    cJSON_Delete(r);
    return rc;
}

/* `cmd --sequence FILE`: each line "+SECONDS NAME [ARGS...]" (blank lines and # comments
 * skipped) becomes a time-tagged command at --at (default now) + SECONDS; every line is
 * checked before the first is sent. Prints one request id a line. */
static int run_sequence(const cargs *a, const copts *o, const dmn_config *cfg)
{
    size_t len = 0;
    uint8_t *raw = cli_read_file(a->sequence, &len);
    char *text = raw ? malloc(len + 1) : NULL;
    if (!text) {
        cli_err("cmd: cannot read the sequence file %s: %s", a->sequence, strerror(errno));
        free(raw);
        return AUS_EXIT_ENV;
    }
    memcpy(text, raw, len);
    text[len] = '\0';
    free(raw);
    uint64_t base = a->at;
    if (!base && parse_at("+0", &base) != 0)
        base = 0;
    cJSON *reqs = cJSON_CreateArray();
    int rc = AUS_EXIT_OK, lineno = 0;
    for (char *line = text, *next; line && rc == AUS_EXIT_OK; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *tok[AUS_APP_MAX_ARGS + 2], *ts = NULL;
        int nt = 0, over = 0;
        for (char *t = strtok_r(line, " \t\r", &ts); t && *t != '#';
             t = strtok_r(NULL, " \t\r", &ts)) {
            over |= nt == (int)(sizeof tok / sizeof tok[0]);
            if (!over)
                tok[nt++] = t;
        }
        uint64_t off = 0;
        if (nt == 0)
            continue;
        if (over || nt < 2 || tok[0][0] != '+' ||
            cli_u64(tok[0] + 1, 10u * 365 * 86400, &off) != 0) {
            cli_err("cmd: %s:%d: expected \"+SECONDS NAME [ARGS...]\"", a->sequence, lineno);
            rc = AUS_EXIT_USAGE;
            break;
        }
        cJSON *r = cJSON_CreateObject(), *args;
        cJSON_AddStringToObject(r, "op", "cmd");
        cJSON_AddStringToObject(r, "name", tok[1]);
        args = cJSON_AddArrayToObject(r, "args");
        for (int i = 2; i < nt; i++)
            cJSON_AddItemToArray(args, cJSON_CreateString(tok[i]));
        cJSON_AddNumberToObject(r, "at", (double)(base + off * 1000u));
        cJSON_AddNumberToObject(r, "tolerance", (double)(a->tolerance_s * 1000u));
        cJSON_AddItemToArray(reqs, r);
    }
    free(text);
    const cJSON *r;
    cJSON_ArrayForEach(r, reqs)
    {
        if (rc != AUS_EXIT_OK)
            break;
        char *rs = cJSON_PrintUnformatted(r);
        char *reply = call(cfg, rs, 0);
        free(rs);
        if (!reply) {
            cli_err("cmd: cannot reach the ground daemon or its store");
            rc = AUS_EXIT_ENV;
            break;
        }
        copts quiet = *o;
        quiet.wait = 0; /* a sequence's commands run later: their ids now, answers by status */
        rc = show_reply(a, &quiet, cfg, reply);
        free(reply);
    }
    cJSON_Delete(reqs);
    if (direct_node)
        dmn_close(direct_node);
    return rc;
}

int cmd_client(int argc, char **argv)
{
    copts o = {getenv("AUS_CONFIG"), 0, 0, 60};
    cargs a;
    memset(&a, 0, sizeof a);
    a.fam = argv[0];
    a.tolerance_s = 60;
    int p = parse_args(argc, argv, &o, &a);
    if (p != 0)
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    if (check_args(&a) != 0)
        return AUS_EXIT_USAGE;
    if (!o.config) {
        cli_err("%s: missing option --config FILE (the ground daemon's config; or $AUS_CONFIG)",
                a.fam);
        return AUS_EXIT_USAGE;
    }
    static dmn_config cfg;
    if (dmn_config_load(&cfg, o.config) != 0)
        return AUS_EXIT_USAGE;
    dmn_quiet = 1;
    if (cfg.role_sat) {
        cli_err("%s: %s is a satellite config; the client talks to the ground daemon", a.fam,
                o.config);
        return AUS_EXIT_USAGE;
    }
    if (!strcmp(a.fam, "cmd") && a.sequence)
        return run_sequence(&a, &o, &cfg);
    cJSON *req = build_request(&a, &cfg);
    if (!req) {
        cli_err("%s: these arguments make no request (see australis %s --help)", a.fam, a.fam);
        return AUS_EXIT_USAGE;
    }
    char *rs = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    char *reply = call(&cfg, rs, !strcmp(a.fam, "status"));
    free(rs);
    if (!reply) {
        cli_err("%s: cannot reach the ground daemon or its store", a.fam);
        return AUS_EXIT_ENV;
    }
    int rc = show_reply(&a, &o, &cfg, reply);
    free(reply);
    if (direct_node)
        dmn_close(direct_node);
    return rc;
}
