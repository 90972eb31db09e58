/* SPDX-License-Identifier: Apache-2.0 */
/* The flight build's stand-in for the HTTP API (docs/flight.md): the satellite binary serves no
 * HTTP (a ground-only feature whose TLS stack Debian ships without static archives), so
 * CMakeLists.txt leaves http_api.c out when AUS_FLIGHT_STATIC is on and compiles this instead.
 * A ground started from the flight binary with [http] listen set is refused with a sentence. */
#ifdef AUS_FLIGHT_NO_HTTP
#include <stdio.h>

#include "daemon.h"

int ops_http_start(ops_http **h, const ops_http_cfg *cfg, char *why, size_t cap)
{
    (void)cfg;
    *h = NULL;
    snprintf(why, cap,
             "[http] listen: this is the flight build, which has no HTTP API "
             "(docs/flight.md); run the ground from the native build");
    return -1;
}

void ops_http_stop(ops_http *h) { (void)h; }

const char *ops_http_url(const ops_http *h)
{
    (void)h;
    return "";
}

void ops_http_publish(ops_http *h, const char *event, const char *json)
{
    (void)h;
    (void)event;
    (void)json;
}
#else
typedef int aus_http_off_unused; /* ISO C: a translation unit is not empty */
#endif
