/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant program's client of the application interface (docs/app-api.md): connect to the
 * satellite daemon's local socket, register commands, take them and answer them, publish
 * telemetry points, offer files for download, receive events. Blocking calls with a timeout;
 * one client per thread. In the installed library (libaustralis, port/posix/client.c).
 *
 *   aus_client *c;
 *   if (aus_client_connect(&c, "/run/australis/app.sock") != AUS_OK) ...
 *   aus_client_register(c, "hello");
 *   aus_client_item it;
 *   while (aus_client_next(c, 1000, &it) != AUS_E_IO)            // AUS_E_AGAIN: timeout
 *       if (it.type == AUS_API_COMMAND) aus_client_answer(c, it.cmd_id, 0, "hi", 2);
 *
 * Every call returns AUS_OK or an aus_err; aus_client_error() gives the daemon's sentence for
 * the last refusal. After AUS_E_IO the connection is gone (the daemon stopped): close and
 * connect again; commands registered are then registered again by the program.
 */
#ifndef AUSTRALIS_CLIENT_H
#define AUSTRALIS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "australis/app_api.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aus_client aus_client;

/* A command to run or an event. Strings are NUL-terminated copies, valid until the next call
 * on the client. */
typedef struct aus_client_item {
    uint8_t type; /* AUS_API_COMMAND or AUS_API_EVENT */
    uint64_t cmd_id;
    const char *name;
    size_t nargs;
    const char *args[AUS_APP_MAX_ARGS];
    uint64_t deadline_ms; /* DTN ms: an answer after it is refused */
    uint64_t kind;        /* EVENT: aus_api_event */
    const char *text;     /* EVENT */
} aus_client_item;

/* Errors: AUS_E_ARG (path too long), AUS_E_IO (no daemon there: errno says why),
 * AUS_E_PERM (the daemon refused this user), AUS_E_NOBUFS (out of memory). */
AUS_MUST_USE aus_err aus_client_connect(aus_client **c, const char *path);
void aus_client_close(aus_client *c);
/* The socket, for a program's own poll loop (readable: aus_client_next has something). */
int aus_client_fd(const aus_client *c);
/* The daemon's sentence for the last refusal (or a local reason), never NULL. */
const char *aus_client_error(const aus_client *c);

/* Errors (all below): AUS_E_IO (connection lost), AUS_E_AGAIN (no reply within the timeout),
 * or the daemon's refusal code with aus_client_error() saying why. */
AUS_MUST_USE aus_err aus_client_register(aus_client *c, const char *name);
/* Points stored durably on board when this returns AUS_OK (time_ms 0: the daemon's clock). */
AUS_MUST_USE aus_err aus_client_publish(aus_client *c, const aus_api_point *pts, size_t n);
AUS_MUST_USE aus_err aus_client_publish_int(aus_client *c, const char *name, int64_t v);
AUS_MUST_USE aus_err aus_client_publish_float(aus_client *c, const char *name, double v);
AUS_MUST_USE aus_err aus_client_publish_text(aus_client *c, const char *name, const char *v);
/* Wait up to timeout_ms (-1: forever) for a command or an event. AUS_E_AGAIN on timeout. */
AUS_MUST_USE aus_err aus_client_next(aus_client *c, int timeout_ms, aus_client_item *it);
/* Answer a command once (a second answer, or one after the deadline, is AUS_E_STATE). */
AUS_MUST_USE aus_err aus_client_answer(aus_client *c, uint64_t cmd_id, int64_t exit_code,
                                       const void *out, size_t len);
/* Offer the file at path (opened here, with the program's rights) for download as name (NULL:
 * path's last component). The daemon copies it into its data folder. */
AUS_MUST_USE aus_err aus_client_offer(aus_client *c, const char *path, const char *name);

#ifdef __cplusplus
}
#endif
#endif
