/* SPDX-License-Identifier: Apache-2.0 */
/* INI configuration of the daemons: "[section]" headers, "key = value" lines, '#' or ';'
 * comments. Keys are known per section; anything unknown or malformed is refused with a
 * sentence naming the key and the line (exit 2). docs/daemon.md lists every key. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "daemon.h"
#include "cl_ccsds_util.h"
#include "link_ccsds.h"
#include "net_config.h"

typedef enum kt { K_STR, K_U64, K_BOOL, K_ROLE } kt;
typedef struct keydef {
    const char *section, *key;
    kt type;
    size_t off, size;
    uint64_t max;
    int required;
} keydef;

#define S(sec, k, field, req)                                                                      \
    {                                                                                              \
        sec, k, K_STR, offsetof(dmn_config, field), sizeof(((dmn_config *)0)->field), 0, req       \
    }
#define U(sec, k, field, mx, req)                                                                  \
    {                                                                                              \
        sec, k, K_U64, offsetof(dmn_config, field), 0, mx, req                                     \
    }

static const keydef keys[] = {
    {"node", "role", K_ROLE, 0, 0, 0, 1},
    U("node", "node", node, UINT32_MAX, 1),
    U("node", "peer", peer, UINT32_MAX, 1),
    U("node", "service", service, UINT32_MAX, 0),
    U("node", "peer_service", peer_service, UINT32_MAX, 0),
    U("node", "ep_service", ep_service, UINT32_MAX, 0),
    U("node", "peer_ep_service", peer_ep_service, UINT32_MAX, 0),
    S("node", "tenant", tenant, 1),
    U("node", "tenant_id", tenant_id, UINT32_MAX, 0),
    U("node", "lifetime_s", lifetime_s, 86400u * 365u, 0),
    U("node", "replay_window", replay_window, AUS_REPLAY_MAX_WINDOW, 0),
    S("node", "status_reports", status_reports, 0),
    S("node", "dictionary", dictionary, 0),
    S("folders", "incoming", incoming, 1),
    S("folders", "outgoing", outgoing, 1),
    S("folders", "quarantine", quarantine, 1),
    U("folders", "quarantine_max_files", quarantine_max_files, UINT32_MAX, 0),
    U("folders", "quarantine_max_bytes", quarantine_max_bytes, (uint64_t)1 << 50, 0),
    {"folders", "batch", K_BOOL, offsetof(dmn_config, batch_on), 0, 0, 0},
    S("store", "path", store, 1),
    S("keys", "kek_file", kek_file, 1),
    S("keys", "ek_file", ek_file, 1),
    S("keys", "ak_file", ak_file, 0),
    S("keys", "master_file", master_file, 0),
    S("keys", "pq_dir", pq_dir, 0),
    S("keys", "pq_peer_dir", pq_peer_dir, 0),
    S("keys", "sdls_key_file", sdls_key_file, 0),
    S("link", "link", link, 0),
    S("link", "security", security, 0),
    U("link", "scid", scid, 1023, 0),
    U("link", "tm_vcid", tm_vcid, 7, 0),
    U("link", "tc_vcid", tc_vcid, 63, 0),
    U("link", "tm_spi", tm_spi, 65535, 0),
    U("link", "tc_spi", tc_spi, 65535, 0),
    U("link", "tm_frame_len", tm_frame_len, 65536, 0),
    {"link", "fsync", K_BOOL, offsetof(dmn_config, fsync_on), 0, 0, 0},
    {"link", "tc_segment_header", K_BOOL, offsetof(dmn_config, tc_seg_hdr), 0, 0, 0},
    U("link", "max_bundle", max_bundle, AUS_AGENT_BUNDLE_MAX, 0),
    S("sat", "data_dir", data_dir, 0),
    S("sat", "capture_source", capture_source, 0),
    S("sat", "uploads", uploads, 0),
    U("sat", "chunk_size", chunk_size, 32768, 0),
    U("sat", "exec_timeout_s", exec_timeout_s, 3600, 0),
    S("ground", "socket", socket, 0),
    S("ground", "downloads", downloads, 0),
    U("ground", "retry_s", retry_s, 86400, 0),
    U("ground", "keep_answers", keep_answers, UINT32_MAX, 0),
    S("app", "socket", app_socket, 0),
    S("app", "group", app_group, 0),
    U("app", "points_max", app_points_max, 10000000u, 0),
    U("app", "deadline_s", app_deadline_s, 86400u, 0),
    U("app", "offer_max_bytes", app_offer_max, (uint64_t)1 << 30, 0),
};

/* The links (link.h) by name, with the config check of each (NULL: none): the parser's only
 * view of them, so that it links without them (fuzz/ini_config.c). One line per link. */
typedef struct link_name {
    const char *name;
    const char *(*check)(const dmn_config *c, const char **key);
} link_name;

static const link_name link_names[] = {
    {"folder", NULL},
    {"ccsds", dmn_link_ccsds_check},
    {"tcpcl", NULL}, /* [tcpcl]: net_config.c */
    {"udpcl", NULL}, /* [udpcl]: net_config.c */
};

static int fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "australis: %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static int set_exec(dmn_config *c, const char *file, int line, const char *key, const char *val)
{
    const char *name = key + 5;
    if (c->nexec >= DMN_MAX_EXEC || !*name || strlen(name) >= sizeof c->exec[0].name ||
        strlen(val) >= DMN_PATH)
        return fail(file, line, "key '%s' in [sat]: too many scripts or name/path too long%s", key,
                    "");
    if (val[0] != '/')
        return fail(file, line, "key '%s' in [sat] must be an absolute path, not '%s'", key, val);
    snprintf(c->exec[c->nexec].name, sizeof c->exec[0].name, "%s", name);
    snprintf(c->exec[c->nexec].path, DMN_PATH, "%s", val);
    c->nexec++;
    return 0;
}

static int set_key(dmn_config *c, const char *file, int line, const char *sec, const char *key,
                   const char *val, int *seen)
{
    if (!strcmp(sec, "sat") && !strncmp(key, "exec.", 5))
        return set_exec(c, file, line, key, val);
    if (dmn_net_section(sec)) /* [tcpcl], [udpcl], [gateway]: dmn_net_check below */
        return 0;
    if (!strcmp(sec, "sandbox")) /* sandbox.c */
        return dmn_sandbox_config(&c->sandbox, file, line, key, val);
    char ops_why[256]; /* [archive], [http]: ops_hooks.c */
    if ((!strcmp(sec, "archive") || !strcmp(sec, "http")) &&
        dmn_ops_config_key(&c->ops, sec, key, val, ops_why, sizeof ops_why) != 0)
        return fail(file, line, "%s%s", ops_why, "");
    if (!strcmp(sec, "archive") || !strcmp(sec, "http"))
        return 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const keydef *k = &keys[i];
        if (strcmp(k->section, sec) || strcmp(k->key, key))
            continue;
        seen[i] = line;
        char *f = (char *)c + k->off;
        uint64_t v;
        switch (k->type) {
        case K_STR:
            if (!*val || strlen(val) >= k->size)
                return fail(file, line, "key '%s' needs a value of 1..%s characters", key,
                            k->size > 100 ? "511" : "31");
            snprintf(f, k->size, "%s", val);
            return 0;
        case K_U64:
            if (cli_u64(val, k->max, &v) != 0)
                return fail(file, line, "key '%s' needs a number in range, not '%s'", key, val);
            memcpy(f, &v, sizeof v);
            return 0;
        case K_BOOL:
            if (strcmp(val, "1") && strcmp(val, "0") && strcmp(val, "yes") && strcmp(val, "no") &&
                strcmp(val, "true") && strcmp(val, "false") && strcmp(val, "on") &&
                strcmp(val, "off"))
                return fail(file, line, "key '%s' needs yes or no, not '%s'", key, val);
            *(int *)(void *)f = !strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true") ||
                                !strcmp(val, "on");
            return 0;
        case K_ROLE:
            if (strcmp(val, "sat") && strcmp(val, "ground"))
                return fail(file, line, "key '%s' must be 'sat' or 'ground', not '%s'", key, val);
            c->role_sat = !strcmp(val, "sat");
            return 0;
        }
    }
    return fail(file, line, "unknown key '%s' in section [%s]", key, sec);
}

static void defaults(dmn_config *c)
{
    memset(c, 0, sizeof *c);
    c->service = 1;
    c->peer_service = 1;
    c->ep_service = c->peer_ep_service = 64;
    c->lifetime_s = 86400;
    c->replay_window = 512;
    c->fsync_on = 1;
    c->tc_seg_hdr = 1;
    c->batch_on = 1;
    c->max_bundle = 65536;
    c->quarantine_max_files = AUS_FL_QUAR_MAX_FILES;
    c->quarantine_max_bytes = AUS_FL_QUAR_MAX_BYTES;
    c->chunk_size = 8192;
    c->exec_timeout_s = 10;
    c->retry_s = 60;
    c->keep_answers = 10000;
    c->tm_frame_len = 1115;
    snprintf(c->link, sizeof c->link, "folder");
    snprintf(c->security, sizeof c->security, "bpsec");
    snprintf(c->status_reports, sizeof c->status_reports, "deletion");
    c->tenant_id = 1;
}

/* status_reports = none | a comma-separated list of reception, delivery, deletion, time:
 * the RFC 9171 §4.2.3 status report request flags our bundles carry. Returns 0 or -1. */
static int parse_reports(const char *v, uint64_t *flags)
{
    static const struct {
        const char *name;
        uint64_t flag;
    } names[] = {{"reception", AUS_BPV7_BF_RPT_RECEPTION},
                 {"delivery", AUS_BPV7_BF_RPT_DELIVERY},
                 {"deletion", AUS_BPV7_BF_RPT_DELETION},
                 {"time", AUS_BPV7_BF_STATUS_TIME}};
    *flags = 0;
    if (!strcmp(v, "none"))
        return 0;
    while (*v) {
        size_t len = strcspn(v, ","), i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == len && !strncmp(v, names[i].name, len))
                break;
        if (i == sizeof names / sizeof names[0])
            return -1;
        *flags |= names[i].flag;
        v += len + (v[len] == ',');
    }
    return *flags == AUS_BPV7_BF_STATUS_TIME ? -1 : 0; /* "time" alone asks for nothing */
}

/* link = ccsds: the keys the radio profile constrains; kept with the parser so that
 * every config refusal is decided in one place. */
const char *dmn_link_ccsds_check(const dmn_config *c, const char **key)
{
    aus_cl_ccsds_cfg cfg;
    if (c->tm_vcid > 6) {
        *key = "tm_vcid";
        return "must be 0..6 with link = ccsds (virtual channel 7 carries only idle frames "
               "in this profile)";
    }
    if (c->tm_spi == c->tc_spi) {
        *key = "tc_spi";
        return "must differ from tm_spi with link = ccsds (one SA per direction)";
    }
    if (cl_ccsds_cfg_from_link(&cfg, c->role_sat, c->scid, c->tm_vcid, c->tc_vcid, c->tm_spi,
                               c->tc_spi, c->tm_frame_len) != 0) {
        *key = "tm_frame_len";
        return "is out of range for link = ccsds";
    }
    if (!c->sdls_key_file[0]) {
        *key = "sdls_key_file";
        return "is required in [keys] with link = ccsds (the frame-layer SDLS key)";
    }
    return NULL;
}

/* The line of key in the file (seen[]), or dflt when the file does not set it. */
static int key_line(const int *seen, const char *key, int dflt)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(keys[i].key, key) && seen[i])
            return seen[i];
    return dflt;
}

int dmn_config_load(dmn_config *c, const char *path)
{
    defaults(c);
    snprintf(c->file, sizeof c->file, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "australis: cannot open config %s: %s\n", path, strerror(errno));
        return -1;
    }
    int seen[sizeof keys / sizeof keys[0]] = {0};
    char buf[1024], sec[32] = "";
    int line = 0, rc = 0;
    while (rc == 0 && fgets(buf, sizeof buf, f)) {
        line++;
        char *s = cli_trim(buf);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e || e[1] || e - s - 1 <= 0 || e - s - 1 >= (long)sizeof sec) {
                rc = fail(path, line, "bad section header '%s'%s", s, "");
                break;
            }
            *e = '\0';
            snprintf(sec, sizeof sec, "%s", s + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = fail(path, line, "expected 'key = value', got '%s'%s", s, "");
            break;
        }
        *eq = '\0';
        char *key = cli_trim(s), *val = cli_trim(eq + 1);
        char *hash = strstr(val, " #");
        if (hash)
            *hash = '\0', val = cli_trim(val);
        rc = set_key(c, path, line, sec, key, val, seen);
    }
    fclose(f);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].required && !seen[i])
            return fail(path, line, "missing required key '%s' in section [%s]", keys[i].key,
                        keys[i].section);
    const link_name *ln = NULL;
    char names[160] = "";
    for (size_t i = 0, at = 0; i < sizeof link_names / sizeof link_names[0]; i++) {
        if (!strcmp(c->link, link_names[i].name))
            ln = &link_names[i];
        size_t left = sizeof link_names / sizeof link_names[0] - i - 1;
        at += (size_t)snprintf(names + at, sizeof names - at, "'%s'%s", link_names[i].name,
                               left > 1 ? ", "
                               : left   ? " or "
                                        : "");
    }
    if (!ln)
        return fail(path, key_line(seen, "link", line), "key 'link' must be %s, not '%s'", names,
                    c->link);
    const char *lk = NULL, *why = ln->check ? ln->check(c, &lk) : NULL;
    if (why)
        return fail(path, key_line(seen, lk, line), "key '%s' %s", lk, why);
    if (dmn_net_check(path, c->role_sat, c->node, c->link) != 0)
        return -1;
    for (const char *t = c->tenant; *t; t++)
        if (!isalnum((unsigned char)*t) && *t != '_' && *t != '-')
            return fail(path, key_line(seen, "tenant", line),
                        "key 'tenant' may hold only letters, digits, '_' and '-'");
    if (strlen(c->tenant) > 24)
        return fail(path, key_line(seen, "tenant", line),
                    "key 'tenant' is longer than 24 characters");
    if (strcmp(c->security, "bpsec") && strcmp(c->security, "aead"))
        return fail(path, key_line(seen, "security", line),
                    "key 'security' must be 'bpsec' or 'aead', not '%s'", c->security);
    if (parse_reports(c->status_reports, &c->report_req) != 0)
        return fail(path, key_line(seen, "status_reports", line),
                    "key 'status_reports' must be 'none' or a comma-separated list of "
                    "reception, delivery, deletion (and time), not '%s'",
                    c->status_reports);
    if (c->ep_service == c->service || c->ep_service == 0)
        return fail(path, key_line(seen, "ep_service", line),
                    "key 'ep_service' must be non-zero and differ from key 'service'%s", "");
    if (c->peer_ep_service == c->peer_service || c->peer_ep_service == 0)
        return fail(path, key_line(seen, "peer_ep_service", line),
                    "key 'peer_ep_service' must be non-zero and differ from key 'peer_service'%s",
                    "");
    if (c->node == c->peer)
        return fail(path, key_line(seen, "peer", line),
                    "key 'peer' must differ from key 'node'%s%s", "", "");
    return 0;
}
