/* SPDX-License-Identifier: Apache-2.0 */
/* The daemons' log: levels, text / JSON / syslog forms (log.h, docs/logging.md). */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "util.h"
#include "../../../port/posix/posix_io.h"

static aulog_level threshold = AULOG_INFO;
static aulog_format format = AULOG_TEXT;
static int syslog_open;

static const char *const names[] = {"error", "warning", "notice", "info", "debug"};

int aulog_level_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i]))
            return i;
    return !strcmp(s, "warn") ? AULOG_WARNING : -1;
}

void aulog_set(aulog_level t, aulog_format f)
{
    threshold = t;
    format = f;
}

static int starts(const char *t, const char *p) { return !strncmp(t, p, strlen(p)); }

aulog_level aulog_classify(const char *t)
{
    static const char *const banner[] = {"Australis ",
                                         "Config: ", "Session keys: ", "Quarantine: ", "Health: "};
    for (size_t i = 0; i < sizeof banner / sizeof banner[0]; i++)
        if (starts(t, banner[i]))
            return AULOG_NOTICE;
    if (strstr(t, "store failure") || strstr(t, "store commit failed"))
        return AULOG_ERROR;
    static const char *const warn[] = {"refused",     "cannot ",           "failed",    "failure",
                                       "quarantine ", "unavailable",       "not ready", "MISMATCH",
                                       "dropped",     "deleted on receipt"};
    for (size_t i = 0; i < sizeof warn / sizeof warn[0]; i++)
        if (strstr(t, warn[i]))
            return AULOG_WARNING;
    return AULOG_INFO;
}

static int take_value(int *argc, char **argv, int i, const char *name, const char **val, int *used)
{
    size_t nl = strlen(name);
    if (!strcmp(argv[i], name)) {
        if (i + 1 >= *argc) {
            cli_err("%s needs a value", name);
            return -1;
        }
        *val = argv[i + 1];
        *used = 2;
        return 1;
    }
    if (!strncmp(argv[i], name, nl) && argv[i][nl] == '=') {
        *val = argv[i] + nl + 1;
        *used = 1;
        return 1;
    }
    return 0;
}

int aulog_take_args(int *argc, char **argv)
{
    int fmt_given = 0;
    for (int i = 1; i < *argc;) {
        if (!strcmp(argv[i], "--"))
            break;
        const char *v = NULL;
        int used = 0, r = take_value(argc, argv, i, "--log-level", &v, &used);
        if (r == 1) {
            int l = aulog_level_parse(v);
            if (l < 0) {
                cli_err("--log-level: '%s' is not one of error, warning, notice, info, debug", v);
                return AUS_EXIT_USAGE;
            }
            threshold = (aulog_level)l;
        } else if (r == 0 && (r = take_value(argc, argv, i, "--log-format", &v, &used)) == 1) {
            if (!strcmp(v, "text"))
                format = AULOG_TEXT;
            else if (!strcmp(v, "json"))
                format = AULOG_JSON;
            else if (!strcmp(v, "syslog"))
                format = AULOG_SYSLOG;
            else {
                cli_err("--log-format: '%s' is not one of text, json, syslog", v);
                return AUS_EXIT_USAGE;
            }
            fmt_given = 1;
        }
        if (r < 0)
            return AUS_EXIT_USAGE;
        if (r == 0) {
            i++;
            continue;
        }
        for (int k = i; k + used <= *argc; k++)
            argv[k] = argv[k + used];
        *argc -= used;
    }
    /* under systemd stdout is the journal already, but without levels: use syslog(3) */
    const char *js = getenv("JOURNAL_STREAM"), *inv = getenv("INVOCATION_ID");
    if (!fmt_given && ((js && *js) || (inv && *inv)))
        format = AULOG_SYSLOG;
    return 0;
}

void aulog_v(aulog_level level, const char *fmt, va_list ap)
{
    char raw[2048], line[4 * sizeof raw];
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    if (n < 0)
        return;
    if (level == AULOG_AUTO)
        level = aulog_classify(raw);
    /* the banner stays at every threshold but error */
    if (level > threshold && !(level == AULOG_NOTICE && threshold >= AULOG_WARNING))
        return;
    size_t len = (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1;
    const char *cut = (size_t)n >= sizeof raw ? "..." : "";
    aus_posix_escape(line, sizeof line, raw, len, format == AULOG_JSON);
    if (format == AULOG_SYSLOG) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
        if (!syslog_open) {
            openlog("australis", LOG_PID, LOG_DAEMON);
            syslog_open = 1;
        }
        syslog(prio[level], "%s%s", line, cut);
        return;
    }
    char ts[40];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (format == AULOG_JSON) {
        /* the escaped line holds printable ASCII only, '"' as \x22; doubling each backslash
         * makes it a JSON string whose value is exactly the text form's line */
        char js[2 * sizeof line];
        size_t o = 0;
        for (const char *p = line; *p && o + 2 < sizeof js; p++) {
            if (*p == '\\')
                js[o++] = '\\';
            js[o++] = *p;
        }
        js[o] = '\0';
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"%s%s\"}\n", ts, names[level], js, cut);
    } else {
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        printf("%s  %s%s\n", ts, line, cut);
    }
    fflush(stdout);
}

void aulog(aulog_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aulog_v(level, fmt, ap);
    va_end(ap);
}
