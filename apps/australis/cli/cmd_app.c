/* SPDX-License-Identifier: Apache-2.0 */
/* australis app: a tenant program's side of the application interface from the shell
 * (docs/app-api.md), over the C client (include/australis/client.h).
 *
 *   app publish NAME=VALUE...        points (integer, decimal number or text), stored on board
 *   app serve CMD -- PROGRAM [ARG..] run PROGRAM for each command CMD, answer with its output
 *   app offer FILE [--name NAME]     hand a file to the satellite for download
 *   app points --config GROUND.ini   the points the ground stored, with their on-board time
 *   app buffer --config SAT.ini      the satellite's points buffer: kept, dropped
 * The socket: --socket PATH, else [app] socket of --config FILE, else $AUSTRALIS_APP_SOCKET.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_api_srv.h"
#include "australis/client.h"
#include "cli.h"
#include "daemon.h"
#include "store_keys.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: australis app publish [--socket PATH | --config FILE] [--repeat N [--batch B]] "
            "NAME=VALUE...\n"
            "       australis app serve [--socket PATH | --config FILE] CMD -- PROGRAM [ARG...]\n"
            "       australis app offer [--socket PATH | --config FILE] FILE [--name NAME]\n"
            "       australis app points --config GROUND.ini [--json]\n"
            "       australis app buffer --config SAT.ini\n\n"
            "A tenant program's side of the satellite daemon's application interface\n"
            "(docs/app-api.md).\n"
            "  publish  store telemetry points on board (VALUE: integer, decimal number or text);\n"
            "           they go down on the next pass with their on-board time; --repeat N\n"
            "           sends them N times (B points a message, default 256) and prints points/s\n"
            "  serve    register CMD and run PROGRAM [ARG...] plus the command's arguments for\n"
            "           each one; its output (stdout and stderr) and exit code are the answer;\n"
            "           reconnects when the daemon restarts; stops on SIGTERM\n"
            "  offer    hand FILE (read with your rights) to the daemon for download as NAME\n"
            "  points   the points the ground stored: on-board time (UTC), name, value\n"
            "  buffer   the satellite's points buffer: kept, dropped, capacity\n"
            "The socket: --socket PATH, else [app] socket of --config FILE, else\n"
            "$AUSTRALIS_APP_SOCKET.\n"
            "exit codes: 0 ok, 1 refused or failed, 2 usage or bad config, 3 no daemon or\n"
            "not allowed to use its socket\n");
}

typedef struct app_opts {
    const char *socket, *config, *name, *repeat, *batch;
    int json;
    char path[DMN_PATH];
} app_opts;

/* Options anywhere before "--"; the rest stay in argv (compacted), *argc updated. */
static int parse_opts(int *argc, char **argv, app_opts *o)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--")) {
            while (i < *argc)
                argv[k++] = argv[i++];
            break;
        }
        if ((!strcmp(argv[i], "--socket") || !strcmp(argv[i], "--config") ||
             !strcmp(argv[i], "--name") || !strcmp(argv[i], "--repeat") ||
             !strcmp(argv[i], "--batch")) &&
            i + 1 < *argc) {
            const char **dst = argv[i][2] == 's'   ? &o->socket
                               : argv[i][2] == 'c' ? &o->config
                               : argv[i][2] == 'r' ? &o->repeat
                               : argv[i][2] == 'b' ? &o->batch
                                                   : &o->name;
            *dst = argv[++i];
        } else if (!strcmp(argv[i], "--json"))
            o->json = 1;
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            cli_err("app: unknown option %s (see australis app --help)", argv[i]);
            return -1;
        } else
            argv[k++] = argv[i];
    }
    *argc = k;
    return 0;
}

static int socket_path(app_opts *o)
{
    if (o->socket) {
        snprintf(o->path, sizeof o->path, "%s", o->socket);
        return 0;
    }
    if (o->config) {
        static dmn_config cfg;
        if (dmn_config_load(&cfg, o->config) != 0)
            return AUS_EXIT_USAGE;
        if (!cfg.app_socket[0]) {
            cli_err("%s: no [app] socket: the application interface is off", o->config);
            return AUS_EXIT_USAGE;
        }
        snprintf(o->path, sizeof o->path, "%s", cfg.app_socket);
        return 0;
    }
    const char *env = getenv("AUSTRALIS_APP_SOCKET");
    if (env && *env) {
        snprintf(o->path, sizeof o->path, "%s", env);
        return 0;
    }
    cli_err("app: which socket? (--socket PATH, --config FILE or $AUSTRALIS_APP_SOCKET)");
    return AUS_EXIT_USAGE;
}

static int connect_or_say(const app_opts *o, aus_client **c)
{
    aus_err e = aus_client_connect(c, o->path);
    if (e == AUS_OK)
        return 0;
    if (e == AUS_E_PERM)
        cli_err("%s: not allowed to use the application socket (%s)", o->path, strerror(errno));
    else
        cli_err("%s: no daemon there (%s)", o->path, strerror(errno));
    return AUS_EXIT_ENV;
}

static int refused(aus_client *c, const char *what, aus_err e)
{
    cli_err("%s: %s (%s)", what, aus_client_error(c)[0] ? aus_client_error(c) : aus_err_str(e),
            aus_err_name(e));
    return e == AUS_E_PERM || e == AUS_E_IO ? AUS_EXIT_ENV : AUS_EXIT_FAIL;
}

/* NAME=VALUE: integer, decimal number (finite), else text. */
static int parse_point(char *arg, aus_api_point *p)
{
    char *eq = strchr(arg, '=');
    memset(p, 0, sizeof *p);
    if (!eq || eq == arg)
        return -1;
    *eq = '\0';
    const char *v = eq + 1;
    p->name.p = (const uint8_t *)arg;
    p->name.n = strlen(arg);
    if (!aus_api_name_ok(p->name.p, p->name.n))
        return -1;
    char *end = NULL;
    errno = 0;
    long long i = strtoll(v, &end, 10);
    if (*v && !*end && errno == 0) {
        p->kind = AUS_API_V_INT;
        p->i = i;
        return 0;
    }
    double d = strtod(v, &end);
    if (*v && !*end && isfinite(d) && strspn(v, "0123456789+-.eE") == strlen(v)) {
        p->kind = AUS_API_V_FLOAT;
        p->f = d;
        return 0;
    }
    p->kind = AUS_API_V_TEXT;
    p->text.p = (const uint8_t *)v;
    p->text.n = strlen(v);
    return p->text.n <= AUS_APP_API_TEXT_MAX ? 0 : -1;
}

static int do_publish(app_opts *o, int argc, char **argv)
{
    static aus_api_point pts[AUS_APP_API_MAX_POINTS];
    if (argc < 2 || (size_t)(argc - 1) > AUS_APP_API_MAX_POINTS) {
        cli_err("app publish: give 1..%u NAME=VALUE points", AUS_APP_API_MAX_POINTS);
        return AUS_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++)
        if (parse_point(argv[i], &pts[i - 1]) != 0) {
            cli_err("app publish: '%s': NAME=VALUE with NAME 1..64 of [A-Za-z0-9_.:/-] and a "
                    "text VALUE of at most 256 bytes",
                    argv[i]);
            return AUS_EXIT_USAGE;
        }
    int rc = socket_path(o);
    aus_client *c = NULL;
    if (rc || (rc = connect_or_say(o, &c)) != 0)
        return rc;
    uint64_t reps = 1;
    if (o->repeat && (cli_u64(o->repeat, 100000000u, &reps) != 0 || reps == 0)) {
        cli_err("app publish: --repeat N with N 1..100000000");
        aus_client_close(c);
        return AUS_EXIT_USAGE;
    }
    /* --repeat: the same points N times, as full PUBLISH messages of up to 256 points */
    static aus_api_point batch[AUS_APP_API_MAX_POINTS];
    uint64_t bmax = AUS_APP_API_MAX_POINTS;
    if (o->batch && (cli_u64(o->batch, AUS_APP_API_MAX_POINTS, &bmax) != 0 || bmax == 0)) {
        cli_err("app publish: --batch N with N 1..%u", AUS_APP_API_MAX_POINTS);
        aus_client_close(c);
        return AUS_EXIT_USAGE;
    }
    size_t np = (size_t)argc - 1, per = (size_t)bmax / np * np;
    if (per == 0)
        per = np;
    for (size_t i = 0; i < per; i++)
        batch[i] = pts[i % np];
    uint64_t total = reps * np, sent = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    aus_err e = AUS_OK;
    while (e == AUS_OK && sent < total) {
        size_t k = total - sent < per ? (size_t)(total - sent) : per;
        e = aus_client_publish(c, batch, k);
        for (int tries = 0; e == AUS_E_AGAIN && tries < 3000; tries++) { /* busy: again */
            usleep(20000);
            e = aus_client_publish(c, batch, k);
        }
        sent += e == AUS_OK ? k : 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    rc = e == AUS_OK ? 0 : refused(c, "app publish", e);
    if (!rc && reps == 1)
        printf("stored %d point(s) on board\n", argc - 1);
    else if (!rc)
        printf("stored %llu point(s) on board in %.3f s: %.0f points/s\n",
               (unsigned long long)total, dt, dt > 0 ? (double)total / dt : 0.0);
    aus_client_close(c);
    return rc;
}

static int do_offer(app_opts *o, int argc, char **argv)
{
    if (argc != 2) {
        cli_err("app offer: give one FILE");
        return AUS_EXIT_USAGE;
    }
    int rc = socket_path(o);
    aus_client *c = NULL;
    if (rc || (rc = connect_or_say(o, &c)) != 0)
        return rc;
    aus_err e = aus_client_offer(c, argv[1], o->name);
    rc = e == AUS_OK ? 0 : refused(c, "app offer", e);
    if (!rc)
        printf("%s\n", aus_client_error(c));
    aus_client_close(c);
    return rc;
}

/* ---- serve ---- */
static volatile sig_atomic_t serve_stop;
static void on_term(int sig)
{
    (void)sig;
    serve_stop = 1;
}

#define SERVE_OUT_MAX AUS_APP_OUTPUT_MAX

/* Run prog + the command's args; its stdout+stderr (bounded) and exit code. */
static int run_program(char **prog, int nprog, const aus_client_item *it, char *out, size_t *len)
{
    char *argv[64 + AUS_APP_MAX_ARGS + 1];
    int k = 0;
    for (int i = 0; i < nprog && k < 64; i++)
        argv[k++] = prog[i];
    for (size_t i = 0; i < it->nargs; i++)
        argv[k++] = (char *)it->args[i];
    argv[k] = NULL;
    int pfd[2];
    *len = 0;
    if (pipe(pfd) != 0)
        return -1;
    fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
    char idv[32];
    snprintf(idv, sizeof idv, "%llu", (unsigned long long)it->cmd_id);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        setenv("AUSTRALIS_CMD_ID", idv, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    for (;;) {
        char sink[4096];
        ssize_t r = *len < SERVE_OUT_MAX ? read(pfd[0], out + *len, SERVE_OUT_MAX - *len)
                                         : read(pfd[0], sink, sizeof sink);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (*len < SERVE_OUT_MAX)
            *len += (size_t)r;
    }
    close(pfd[0]);
    int st = 0;
    if (pid < 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int do_serve(app_opts *o, int argc, char **argv)
{
    static char out[SERVE_OUT_MAX];
    if (argc < 4 || strcmp(argv[2], "--")) {
        cli_err("app serve: CMD -- PROGRAM [ARG...]");
        return AUS_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!aus_api_name_ok((const uint8_t *)cmd, strlen(cmd))) {
        cli_err("app serve: '%s' is not a command name (1..64 of [A-Za-z0-9_.:/-])", cmd);
        return AUS_EXIT_USAGE;
    }
    int rc = socket_path(o);
    if (rc)
        return rc;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int said = 0;
    while (!serve_stop) {
        aus_client *c = NULL;
        aus_err e = aus_client_connect(&c, o->path);
        if (e == AUS_E_PERM)
            return connect_or_say(o, &c);
        if (e != AUS_OK) { /* the daemon restarts: try again */
            if (!said++)
                fprintf(stderr, "australis app serve: waiting for the daemon at %s\n", o->path);
            usleep(100000);
            continue;
        }
        e = aus_client_register(c, cmd);
        if (e != AUS_OK && e != AUS_E_IO) {
            rc = refused(c, "app serve", e);
            aus_client_close(c);
            return rc;
        }
        if (e == AUS_OK)
            fprintf(stderr, "australis app serve: serving '%s'\n", cmd);
        said = 0;
        while (e == AUS_OK && !serve_stop) {
            aus_client_item it;
            e = aus_client_next(c, 500, &it);
            if (e == AUS_E_AGAIN) {
                e = AUS_OK;
                continue;
            }
            if (e != AUS_OK || it.type != AUS_API_COMMAND)
                continue;
            size_t len = 0;
            int code = run_program(argv + 3, argc - 3, &it, out, &len);
            e = aus_client_answer(c, it.cmd_id, code, out, len);
            if (e != AUS_OK && e != AUS_E_IO) {
                fprintf(stderr, "australis app serve: answer to %llu refused: %s\n",
                        (unsigned long long)it.cmd_id, aus_client_error(c));
                e = AUS_OK;
            }
        }
        aus_client_close(c);
    }
    return 0;
}

/* ---- reading the stores ---- */
static void fmt_time(uint64_t dtn_ms, char *b, size_t cap)
{
    time_t t = (time_t)(dtn_ms / 1000u + 946684800u); /* DTN epoch 2000-01-01 (RFC 9171 §4.2.6) */
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t k = strftime(b, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(b + k, cap - k, ".%03uZ", (unsigned)(dtn_ms % 1000u));
}

static void print_value(const aus_api_point *p, int json)
{
    if (p->kind == AUS_API_V_INT)
        printf("%lld", (long long)p->i);
    else if (p->kind == AUS_API_V_FLOAT)
        printf("%.17g", p->f);
    else {
        if (json)
            putchar('"');
        for (size_t i = 0; i < p->text.n; i++) {
            uint8_t ch = p->text.p[i];
            if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
                printf("\\u%04x", ch);
            else
                putchar(ch);
        }
        if (json)
            putchar('"');
    }
}

static int do_points(app_opts *o)
{
    static dmn_config cfg;
    static dmn_node n;
    static aus_api_point pts[AUS_APP_API_MAX_POINTS];
    static uint8_t adu[AUS_AGENT_BUNDLE_MAX];
    if (!o->config) {
        cli_err("app points: --config GROUND.ini");
        return AUS_EXIT_USAGE;
    }
    if (dmn_config_load(&cfg, o->config) != 0)
        return AUS_EXIT_USAGE;
    int rc = dmn_open_readonly(&n, &cfg);
    if (rc)
        return rc;
    char key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    dmn_key pk;
    const char *prefix = dmn_key_gr_pt(&pk, cfg.tenant, 0, 1);
    uint64_t total = 0, dropped = 0;
    int first = 1;
    if (o->json)
        printf("{\"points\":[");
    while (n.store.ops->next(n.store.self, prefix, key, next, sizeof next) == AUS_OK) {
        memcpy(key, next, sizeof key);
        size_t len = 0, np = 0;
        uint64_t batch = 0, drop = 0;
        if (n.store.ops->get(n.store.self, key, adu, sizeof adu, &len) != AUS_OK ||
            aus_app_points_decode(adu, len, &batch, &drop, pts, AUS_APP_API_MAX_POINTS, &np) !=
                AUS_OK)
            continue;
        dropped = drop > dropped ? drop : dropped;
        for (size_t i = 0; i < np; i++, total++) {
            char t[40];
            fmt_time(pts[i].time_ms, t, sizeof t);
            if (o->json) {
                printf("%s{\"time\":\"%s\",\"time_ms\":%llu,\"name\":\"%.*s\",\"value\":",
                       first ? "" : ",", t, (unsigned long long)pts[i].time_ms, (int)pts[i].name.n,
                       (const char *)pts[i].name.p);
                print_value(&pts[i], 1);
                printf(",\"batch\":%llu}", (unsigned long long)batch);
            } else {
                printf("%s %.*s ", t, (int)pts[i].name.n, (const char *)pts[i].name.p);
                print_value(&pts[i], 0);
                putchar('\n');
            }
            first = 0;
        }
    }
    if (o->json)
        printf("],\"count\":%llu,\"dropped_on_board\":%llu}\n", (unsigned long long)total,
               (unsigned long long)dropped);
    else
        printf("%llu point(s); the satellite dropped %llu\n", (unsigned long long)total,
               (unsigned long long)dropped);
    dmn_close(&n);
    return 0;
}

static int do_buffer(app_opts *o)
{
    static dmn_config cfg;
    static dmn_node n;
    if (!o->config) {
        cli_err("app buffer: --config SAT.ini");
        return AUS_EXIT_USAGE;
    }
    if (dmn_config_load(&cfg, o->config) != 0)
        return AUS_EXIT_USAGE;
    int rc = dmn_open_readonly(&n, &cfg);
    if (rc)
        return rc;
    dmn_app_ptmeta m;
    aus_err e = dmn_app_points_meta(&n, &m);
    if (e == AUS_OK)
        printf("points buffer: %llu kept, %llu dropped, capacity %llu, next %llu\n",
               (unsigned long long)(m.next - m.head), (unsigned long long)m.dropped,
               (unsigned long long)(cfg.app_points_max ? cfg.app_points_max
                                                       : DMN_APP_POINTS_MAX_DEFAULT),
               (unsigned long long)m.next);
    else
        cli_err("%s: points buffer: %s", cfg.store, aus_err_str(e));
    dmn_close(&n);
    return e == AUS_OK ? 0 : AUS_EXIT_ENV;
}

int cmd_app(int argc, char **argv)
{
    app_opts o;
    memset(&o, 0, sizeof o);
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AUS_EXIT_USAGE : AUS_EXIT_OK;
    }
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return AUS_EXIT_OK;
        }
    const char *sub = argv[1];
    argc--;
    argv++;
    if (parse_opts(&argc, argv, &o) != 0)
        return AUS_EXIT_USAGE;
    if (!strcmp(sub, "publish"))
        return do_publish(&o, argc, argv);
    if (!strcmp(sub, "serve"))
        return do_serve(&o, argc, argv);
    if (!strcmp(sub, "offer"))
        return do_offer(&o, argc, argv);
    if (!strcmp(sub, "points"))
        return do_points(&o);
    if (!strcmp(sub, "buffer"))
        return do_buffer(&o);
    cli_err("app: unknown subcommand '%s' (see australis app --help)", sub);
    return AUS_EXIT_USAGE;
}
