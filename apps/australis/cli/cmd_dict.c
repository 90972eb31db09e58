/* SPDX-License-Identifier: Apache-2.0 */
/* australis dict: check a tenant's telemetry and command dictionary (docs/dictionary.md). */
#include <stdio.h>
#include <string.h>

#include "australis/dict.h"
#include "cli.h"
#include "dict_file.h"
#include "opts.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: australis dict check FILE            parse and check a dictionary, print its "
            "version\n"
            "       australis dict show FILE             list its points and commands\n"
            "       australis dict try FILE CMD [ARGS...]  would the dictionary accept this "
            "command?\n"
            "       australis dict level FILE POINT VALUE  nominal, yellow or red?\n"
            "The dictionary declares a tenant's telemetry points (type, unit, yellow/red limits)\n"
            "and commands (typed arguments with ranges or enumerations, timeout). The ground\n"
            "refuses a command that breaks it before anything is sent, the satellite checks\n"
            "again; `[node] dictionary = FILE` in a daemon config names it. docs/dictionary.md\n"
            "describes the format.\n"
            "exit codes: 0 ok (accepted / nominal), 1 refused, malformed, yellow or red,\n"
            "            2 usage, 3 the file cannot be read\n");
}

static void show_range(const aus_dict_range *r)
{
    printf("%.*s..%.*s", (int)r->lo_t.n, r->lo_t.p, (int)r->hi_t.n, r->hi_t.p);
}

static void show_arg(const aus_dict_arg *a)
{
    printf(" %.*s%s:%s", (int)a->name.n, a->name.p,
           a->variadic   ? "..."
           : a->optional ? "?"
                         : "",
           aus_dict_type_name(a->type));
    if (a->type == AUS_DICT_ENUM)
        printf("(%.*s)", (int)a->values.n, a->values.p);
    else if (a->range.has_lo || a->range.has_hi) {
        printf("(");
        show_range(&a->range);
        printf(")");
    }
}

static void show(const aus_dict *d)
{
    for (size_t i = 0; i < d->npts; i++) {
        const aus_dict_point *p = &d->pts[i];
        printf("point   %-20.*s %-5s %-6.*s", (int)p->name.n, p->name.p,
               aus_dict_type_name(p->type), (int)p->unit.n, p->unit.p);
        if (p->yellow.has_lo || p->yellow.has_hi) {
            printf(" yellow outside ");
            show_range(&p->yellow);
        }
        if (p->red.has_lo || p->red.has_hi) {
            printf(" red outside ");
            show_range(&p->red);
        }
        if (p->yellow_v.n)
            printf(" yellow %.*s", (int)p->yellow_v.n, p->yellow_v.p);
        if (p->red_v.n)
            printf(" red %.*s", (int)p->red_v.n, p->red_v.p);
        printf("\n");
    }
    for (size_t i = 0; i < d->ncmds; i++) {
        const aus_dict_cmd *c = &d->cmds[i];
        printf("command %.*s", (int)c->name.n, c->name.p);
        for (size_t k = 0; k < c->nargs; k++)
            show_arg(&c->args[k]);
        if (c->timeout_s)
            printf("  (timeout %u s)", c->timeout_s);
        if (c->desc.n)
            printf("  %.*s", (int)c->desc.n, c->desc.p);
        printf("\n");
    }
}

int cmd_dict(int argc, char **argv)
{
    const char *pos[AUS_DICT_MAX_ARGS + 4];
    int npos = 0;
    static const char *const names[] = {"SUBCOMMAND", "FILE", "CMD", "VALUE", NULL};
    int p = cli_opts_parse("dict", argc, argv, 1, NULL, 0, pos, &npos,
                           (int)(sizeof pos / sizeof pos[0]));
    if (p != 0) {
        if (p > 0)
            usage(stdout);
        return p > 0 ? AUS_EXIT_OK : AUS_EXIT_USAGE;
    }
    if (cli_opts_count("dict", pos, npos, 1, -1, names) != 0)
        return AUS_EXIT_USAGE;
    const char *sub = pos[0];
    int lvl = !strcmp(sub, "level"), tr = !strcmp(sub, "try");
    if (strcmp(sub, "check") && strcmp(sub, "show") && !lvl && !tr) {
        cli_err("dict: unknown subcommand '%s' (see australis dict --help)", sub);
        return AUS_EXIT_USAGE;
    }
    static const char *const lnames[] = {"SUBCOMMAND", "FILE", "POINT", "VALUE", NULL};
    if (cli_opts_count("dict", pos, npos,
                       lvl  ? 4
                       : tr ? 3
                            : 2,
                       lvl  ? 4
                       : tr ? -1
                            : 2,
                       lvl ? lnames : names) != 0)
        return AUS_EXIT_USAGE;
    int rc;
    dict_file *f = dict_file_load(pos[1], &rc);
    if (!f)
        return rc;
    char ver[17];
    dict_version_hex(&f->d, ver);
    if (!strcmp(sub, "check")) {
        printf("%s: ok, version %s, %zu point(s), %zu command(s)\n", pos[1], ver, f->d.npts,
               f->d.ncmds);
    } else if (!strcmp(sub, "show")) {
        printf("dictionary %.*s version %s\n", (int)f->d.tenant.n, f->d.tenant.p, ver);
        show(&f->d);
    } else if (tr) {
        aus_dict_text args[AUS_DICT_MAX_ARGS + 1];
        size_t na = 0;
        for (int i = 3; i < npos && na < AUS_DICT_MAX_ARGS + 1; i++) {
            args[na].p = pos[i];
            args[na++].n = strlen(pos[i]);
        }
        aus_dict_verdict v;
        char why[256];
        if (aus_dict_check_cmd(&f->d, pos[2], strlen(pos[2]), args, na, NULL, &v) != AUS_OK) {
            aus_dict_explain(&v, args, na, why, sizeof why);
            if (v.rule == AUS_DICT_R_UNKNOWN_CMD)
                cli_err("command '%s': %s", pos[2], why);
            else
                cli_err("%s", why);
            rc = AUS_EXIT_FAIL;
        } else
            printf("command '%s': accepted\n", pos[2]);
    } else {
        const aus_dict_point *pt = aus_dict_find_point(&f->d, pos[2], strlen(pos[2]));
        aus_dict_level l;
        if (!pt) {
            cli_err("point '%s' is not in the dictionary", pos[2]);
            rc = AUS_EXIT_FAIL;
        } else if (aus_dict_point_level(pt, pos[3], strlen(pos[3]), &l) != AUS_OK) {
            cli_err("point '%s': '%s' is not a %s value", pos[2], pos[3],
                    aus_dict_type_name(pt->type));
            rc = AUS_EXIT_FAIL;
        } else {
            printf("point '%s' = %s: %s\n", pos[2], pos[3], aus_dict_level_name(l));
            rc = l == AUS_DICT_NOMINAL ? AUS_EXIT_OK : AUS_EXIT_FAIL;
        }
    }
    dict_file_free(f);
    return rc;
}
