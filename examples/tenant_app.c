/* SPDX-License-Identifier: Apache-2.0 */
/* An example tenant program (docs/app-api.md): registers the command "hello" and publishes a
 * counter and an uptime point every second through the satellite daemon's application socket.
 *
 *   tenant_app SOCKET [SECONDS]     (SECONDS: stop after that long; default: until SIGTERM)
 *
 * A command "hello ARG..." is answered "hello from the tenant: ARG..." with exit code 0.
 * When the daemon restarts the program connects again and registers again.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "australis/client.h"

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void answer(aus_client *c, const aus_client_item *it)
{
    char out[512];
    size_t at = (size_t)snprintf(out, sizeof out, "hello from the tenant:");
    for (size_t i = 0; i < it->nargs && at < sizeof out; i++)
        at += (size_t)snprintf(out + at, sizeof out - at, " %s", it->args[i]);
    if (at > sizeof out - 1)
        at = sizeof out - 1;
    if (aus_client_answer(c, it->cmd_id, 0, out, at) != AUS_OK)
        fprintf(stderr, "tenant_app: answer refused: %s\n", aus_client_error(c));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tenant_app SOCKET [SECONDS]\n");
        return 2;
    }
    double start = now_s(), limit = argc > 2 ? atof(argv[2]) : 0;
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    long counter = 0;
    while (!stop && (limit <= 0 || now_s() - start < limit)) {
        aus_client *c = NULL;
        if (aus_client_connect(&c, argv[1]) != AUS_OK) {
            usleep(200000); /* no daemon (yet): try again */
            continue;
        }
        aus_err e = aus_client_register(c, "hello");
        if (e != AUS_OK)
            fprintf(stderr, "tenant_app: register: %s\n", aus_client_error(c));
        double next = now_s();
        while (e == AUS_OK && !stop && (limit <= 0 || now_s() - start < limit)) {
            if (now_s() >= next) {
                next += 1.0;
                e = aus_client_publish_int(c, "tenant.counter", counter++);
                if (e == AUS_OK)
                    e = aus_client_publish_float(c, "tenant.uptime_s", now_s() - start);
                if (e == AUS_E_AGAIN) /* busy: a command runs; this second's points are skipped */
                    e = AUS_OK;
                continue;
            }
            aus_client_item it;
            int wait = (int)((next - now_s()) * 1000) + 1;
            e = aus_client_next(c, wait, &it);
            if (e == AUS_E_AGAIN)
                e = AUS_OK;
            else if (e == AUS_OK && it.type == AUS_API_COMMAND)
                answer(c, &it);
        }
        aus_client_close(c);
    }
    return 0;
}
