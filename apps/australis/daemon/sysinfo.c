/* SPDX-License-Identifier: Apache-2.0 */
/* The health report's facts, gathered from the host (the core only encodes them):
 * uptime, load, memory, disk, temperatures (/sys/class/thermal when present), link and bundle
 * counters, key states, the last error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "daemon.h"

/* Text values and names must outlive the encode: kept here (one report at a time). */
static char texts[8][160];
static char tnames[8][32];

static void add_num(aus_app_kv *kv, size_t cap, size_t *n, const char *name, int64_t v)
{
    if (*n >= cap)
        return;
    kv[*n].name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    kv[*n].is_text = 0;
    kv[*n].num = v;
    (*n)++;
}

static void add_text(aus_app_kv *kv, size_t cap, size_t *n, const char *name, const char *t)
{
    if (*n >= cap)
        return;
    kv[*n].name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    kv[*n].is_text = 1;
    kv[*n].text = (aus_app_view){(const uint8_t *)t, strlen(t)};
    (*n)++;
}

static long long read_first_ll(const char *path, double scale)
{
    FILE *f = fopen(path, "r");
    double v = -1;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v < 0 ? -1 : (long long)(v * scale);
}

static long long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = atoll(line + kl + 1);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static void temps(aus_app_kv *kv, size_t cap, size_t *n)
{
    DIR *d = opendir("/sys/class/thermal");
    struct dirent *e;
    int k = 0;
    while (d && (e = readdir(d)) != NULL && k < 4) {
        if (strncmp(e->d_name, "thermal_zone", 12))
            continue;
        char p[300];
        snprintf(p, sizeof p, "/sys/class/thermal/%s/temp", e->d_name);
        long long mc = read_first_ll(p, 1);
        if (mc < 0)
            continue;
        snprintf(tnames[k], sizeof tnames[k], "temp_%s_mC", e->d_name + 12);
        add_num(kv, cap, n, tnames[k], mc);
        k++;
    }
    if (d)
        closedir(d);
    if (k == 0)
        add_text(kv, cap, n, "temperatures", "none reported by /sys/class/thermal");
}

static const char *key_states(dmn_node *n)
{
    char *t = texts[1];
    size_t at = 0;
    t[0] = '\0';
    for (size_t i = 0; i < aus_keys_count(&n->keys) && at < sizeof texts[1] - 32; i++) {
        aus_key_info ki;
        if (aus_keys_at(&n->keys, i, &ki) != AUS_OK)
            break;
        at += (size_t)snprintf(t + at, sizeof texts[1] - at, "%s0x%04x %s", at ? ", " : "", ki.id,
                               aus_key_state_name((aus_key_state)ki.state));
    }
    return t;
}

size_t dmn_health(dmn_node *n, aus_app_kv *kv, size_t cap)
{
    size_t c = 0;
    double l1 = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l1) != 1)
            l1 = -1;
        fclose(f);
    }
    add_num(kv, cap, &c, "uptime_s", read_first_ll("/proc/uptime", 1));
    add_num(kv, cap, &c, "daemon_uptime_s", (int64_t)((dmn_now_ms() - n->started_ms) / 1000));
    add_num(kv, cap, &c, "load1_milli", l1 < 0 ? -1 : (int64_t)(l1 * 1000));
    add_num(kv, cap, &c, "mem_total_kB", meminfo("MemTotal"));
    add_num(kv, cap, &c, "mem_avail_kB", meminfo("MemAvailable"));
    struct statvfs vfs;
    const char *dir = n->cfg.data_dir[0] ? n->cfg.data_dir : n->cfg.incoming;
    if (statvfs(dir, &vfs) == 0) {
        add_num(kv, cap, &c, "disk_total_MB",
                (int64_t)((unsigned long long)vfs.f_blocks * vfs.f_frsize >> 20));
        add_num(kv, cap, &c, "disk_free_MB",
                (int64_t)((unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20));
    }
    temps(kv, cap, &c);
    const aus_agent_stats *s = &n->agent.st;
    add_num(kv, cap, &c, "bundles_received", (int64_t)s->received);
    add_num(kv, cap, &c, "bundles_accepted", (int64_t)s->accepted);
    add_num(kv, cap, &c, "bundles_sent", (int64_t)s->sent);
    add_num(kv, cap, &c, "replays_rejected", (int64_t)s->replays);
    add_num(kv, cap, &c, "auth_failures", (int64_t)s->auth_fail);
    add_num(kv, cap, &c, "expired", (int64_t)s->expired);
    add_num(kv, cap, &c, "status_reports_sent", (int64_t)s->reports_sent);
    add_num(kv, cap, &c, "status_reports_received", (int64_t)s->reports_received);
    add_num(kv, cap, &c, "files_quarantined", (int64_t)n->quarantined);
    add_num(kv, cap, &c, "quarantine_files", (int64_t)n->fl.qs.files);
    add_num(kv, cap, &c, "quarantine_bytes", (int64_t)n->fl.qs.bytes);
    add_num(kv, cap, &c, "quarantine_dropped", (int64_t)n->fl.qs.dropped);
    add_num(kv, cap, &c, "quarantine_unkept", (int64_t)n->fl.qs.unkept);
    add_num(kv, cap, &c, "image_hashes", (int64_t)n->img_hashes);
    add_num(kv, cap, &c, "image_hash_hits", (int64_t)n->img_hash_hits);
    add_num(kv, cap, &c, "files_out", (int64_t)n->files_out);
    add_num(kv, cap, &c, "incoming_waiting", aus_fl_count(n->cfg.incoming));
    add_num(kv, cap, &c, "commands_executed", (int64_t)n->sat.executed);
    add_num(kv, cap, &c, "duplicate_requests", (int64_t)n->sat.duplicates);
    add_text(kv, cap, &c, "keys", key_states(n));
    snprintf(texts[2], sizeof texts[2], "%s", n->last_error[0] ? n->last_error : "none");
    add_text(kv, cap, &c, "last_error", texts[2]);
    snprintf(texts[3], sizeof texts[3], "%s scid=%llu tm_vcid=%llu tc_vcid=%llu", n->cfg.link,
             (unsigned long long)n->cfg.scid, (unsigned long long)n->cfg.tm_vcid,
             (unsigned long long)n->cfg.tc_vcid);
    add_text(kv, cap, &c, "link", texts[3]);
    c += dmn_link_health(n, kv + c, cap - c);
    c += dmn_sandbox_health(kv + c, cap - c); /* which protections are active (sandbox.c) */
    return c;
}
