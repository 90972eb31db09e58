/* SPDX-License-Identifier: Apache-2.0 */
/* The one option parser of the command line (opts.h says the rules). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "util.h"

/* "-5", "-0.5", "-.5": a negative number is an argument, not an option */
static int negative_number(const char *s)
{
    if (s[0] != '-' || !s[1])
        return 0;
    char *end;
    errno = 0;
    (void)strtod(s, &end);
    return *end == '\0' && end != s;
}

static const cli_opt *find(const cli_opt *tab, size_t ntab, const char *s, size_t n)
{
    for (size_t i = 0; i < ntab; i++) {
        const char *a = tab[i].name, *b = tab[i].alias;
        if ((a && strlen(a) == n && !strncmp(a, s, n)) ||
            (b && strlen(b) == n && !strncmp(b, s, n)))
            return &tab[i];
    }
    return NULL;
}

/* After --help the rest of the line is still read (a later --config names the dictionary
 * `cmd --help` lists) but nothing is refused: help wins. */
static int quiet;
#define say(...) (quiet ? (void)0 : cli_err(__VA_ARGS__))

static int bad_value(const char *cmd, const cli_opt *o, const char *v)
{
    if (o->kind == CLI_OPT_NUM)
        say("%s: option %s needs %s (%llu..%llu), not '%s'", cmd, o->name,
            o->what ? o->what : "a number of seconds", (unsigned long long)o->min,
            (unsigned long long)o->max, v);
    else
        say("%s: option %s needs %s (%llu..%llu), not '%s'", cmd, o->name,
            o->what ? o->what : "a whole number", (unsigned long long)o->min,
            (unsigned long long)o->max, v);
    return -1;
}

static int set_value(const char *cmd, const cli_opt *o, const char *v)
{
    uint64_t u;
    switch (o->kind) {
    case CLI_OPT_STR:
        if (!*v) {
            say("%s: option %s needs a value, not an empty string", cmd, o->name);
            return -1;
        }
        *(const char **)o->dst = v;
        return 0;
    case CLI_OPT_U64:
        if (cli_u64(v, o->max, &u) != 0 || u < o->min)
            return bad_value(cmd, o, v);
        *(uint64_t *)o->dst = u;
        return 0;
    case CLI_OPT_NUM: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (!*v || *end || errno || !(d >= (double)o->min) || !(d <= (double)o->max))
            return bad_value(cmd, o, v);
        *(double *)o->dst = d;
        return 0;
    }
    default: return -1;
    }
}

static int parse(const char *cmd, int argc, char **argv, int first, const cli_opt *tab, size_t ntab,
                 const char **pos, int *npos, int cap)
{
    int opts_done = 0, help = 0;
    *npos = 0;
    for (int i = first; i < argc; i++) {
        const char *s = argv[i];
        if (opts_done || s[0] != '-' || !s[1] || negative_number(s)) {
            if (*npos >= cap) {
                if (quiet)
                    continue;
                say("%s: unexpected argument '%s' (see australis %s --help)", cmd, s, cmd);
                return -1;
            }
            pos[(*npos)++] = s;
            continue;
        }
        if (!strcmp(s, "--")) {
            opts_done = 1;
            continue;
        }
        if (cli_is_help(s)) {
            help = 1;
            if (!quiet)
                return 1;
            continue;
        }
        const char *eqs = strchr(s, '=');
        size_t n = eqs && s[1] == '-' ? (size_t)(eqs - s) : strlen(s);
        const cli_opt *o = find(tab, ntab, s, n);
        if (!o) {
            if (quiet)
                continue;
            say("%s: unknown option '%.*s' (see australis %s --help)", cmd, (int)n, s, cmd);
            return -1;
        }
        if (o->kind == CLI_OPT_FLAG || o->kind == CLI_OPT_COUNT) {
            if (n != strlen(s)) {
                say("%s: option %s takes no value", cmd, o->name);
                return -1;
            }
            if (o->kind == CLI_OPT_FLAG)
                *(int *)o->dst = 1;
            else
                (*(int *)o->dst)++;
            continue;
        }
        const char *v;
        if (n != strlen(s))
            v = s + n + 1;
        else if (i + 1 < argc)
            v = argv[++i];
        else {
            say("%s: option %s needs a value", cmd, o->name);
            return -1;
        }
        if (set_value(cmd, o, v) != 0 && !quiet)
            return -1;
    }
    return help;
}

int cli_opts_parse(const char *cmd, int argc, char **argv, int first, const cli_opt *tab,
                   size_t ntab, const char **pos, int *npos, int cap)
{
    int r = parse(cmd, argc, argv, first, tab, ntab, pos, npos, cap);
    if (r > 0) { /* --help: read the rest quietly for the values the help may use */
        quiet = 1;
        (void)parse(cmd, argc, argv, first, tab, ntab, pos, npos, cap);
        quiet = 0;
        return 1;
    }
    return r;
}

int cli_opts_count(const char *cmd, const char *const *pos, int npos, int min, int max,
                   const char *const *names)
{
    if (npos < min) {
        say("%s: missing argument %s (see australis %s --help)", cmd,
            names && names[npos] ? names[npos] : "", cmd);
        return -1;
    }
    if (max >= 0 && npos > max) {
        say("%s: unexpected argument '%s' (see australis %s --help)", cmd, pos[max], cmd);
        return -1;
    }
    return 0;
}
