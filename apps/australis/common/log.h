/* SPDX-License-Identifier: Apache-2.0 */
/* The daemons' log (docs/logging.md): one line per event, every line escaped as a whole
 * (DESIGN.md §5a), with a level, in one of three forms:
 *   text    "YYYY-mm-dd HH:MM:SS  text" on stdout (the flight log; the default)
 *   json    one JSON object a line on stdout: {"time":"...Z","level":"info","msg":"..."}
 *   syslog  syslog(3), facility daemon, ident "australis", priority from the level: chosen by
 *           itself when the process runs under systemd (JOURNAL_STREAM or INVOCATION_ID set)
 *           and no --log-format was given, so journald gets levels instead of raw stdout.
 * Levels: error, warning, notice, info (default threshold), debug. The start-up banner is
 * notice and is shown at every threshold but error. */
#ifndef AUS_APP_LOG_H
#define AUS_APP_LOG_H

#include <stdarg.h>
#include <stddef.h>

typedef enum aulog_level {
    AULOG_ERROR = 0,
    AULOG_WARNING = 1,
    AULOG_NOTICE = 2,
    AULOG_INFO = 3,
    AULOG_DEBUG = 4,
    AULOG_AUTO = -1 /* decide from the text (aulog_classify) */
} aulog_level;

typedef enum aulog_format { AULOG_TEXT = 0, AULOG_JSON = 1, AULOG_SYSLOG = 2 } aulog_format;

/* Take --log-level LEVEL and --log-format text|json|syslog (also NAME=VALUE) out of argv,
 * anywhere after argv[0], shifting the rest down and updating *argc. Returns 0, or 2 after
 * printing a sentence for a bad value or a missing one. Also decides the syslog default. */
int aulog_take_args(int *argc, char **argv);
/* Set directly (tests, callers without argv). */
void aulog_set(aulog_level threshold, aulog_format fmt);
/* Parse a level name: error, warning (warn), notice, info, debug. -1 if unknown. */
int aulog_level_parse(const char *s);
/* The level of a flight-log line without one: refusals and failures are warnings, the banner
 * lines notice, the rest info. */
aulog_level aulog_classify(const char *text);
/* Log one line (printf format; the result is escaped before it is written). */
void aulog(aulog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void aulog_v(aulog_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
