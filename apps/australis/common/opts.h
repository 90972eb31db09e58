/* SPDX-License-Identifier: Apache-2.0 */
/* One table-driven option parser for every `australis` subcommand (cli/cmd_*.c).
 *
 * Rules (docs/cli.md in README's "Command lines" section):
 *  - options may come before or after the positional arguments (after a command name too);
 *    "--" ends the options: everything after it is positional;
 *  - "--name VALUE" and "--name=VALUE"; a flag takes no value ("--wait=1" is refused);
 *  - "-h" / "--help" anywhere before "--" asks for the subcommand's help;
 *  - a word that starts with '-' and is not an option in the table is refused, except "-" alone
 *    (stdin/stdout) and negative numbers ("-5", "-0.5"), which are positional;
 *  - every refusal is ONE sentence on stderr naming the problem, and exit code 2:
 *      australis: CMD: unknown option '--foo' (see australis CMD --help)
 *      australis: CMD: option --timeout needs a value
 *      australis: CMD: option --timeout needs a number of seconds (0..86400), not 'abc'
 *      australis: CMD: missing argument NAME (see australis CMD --help)
 *      australis: CMD: unexpected argument 'x' (see australis CMD --help)
 */
#ifndef AUS_APP_OPTS_H
#define AUS_APP_OPTS_H

#include <stddef.h>
#include <stdint.h>

typedef enum cli_opt_kind {
    CLI_OPT_FLAG,  /* int *dst = 1 */
    CLI_OPT_STR,   /* const char **dst = the value */
    CLI_OPT_U64,   /* uint64_t *dst, decimal or 0x hex, in [min, max] */
    CLI_OPT_NUM,   /* double *dst: a decimal number (fraction allowed) in [min, max] */
    CLI_OPT_COUNT, /* int *dst += 1 (a repeatable flag) */
} cli_opt_kind;

typedef struct cli_opt {
    const char *name;  /* "--timeout" */
    const char *alias; /* a second spelling ("-o") or NULL */
    cli_opt_kind kind;
    void *dst;
    uint64_t min, max; /* CLI_OPT_U64 / CLI_OPT_NUM bounds */
    const char *what;  /* how a bad value is described: "a chunk size in bytes" (U64/SECS) */
} cli_opt;

/* Parse argv[first..argc) against tab[0..ntab). Positionals go to pos[0..cap) (*npos).
 * Returns 0 (parsed), 1 (help asked: print the usage on stdout and exit 0) or -1 (a sentence
 * was printed: exit AUS_EXIT_USAGE). cmd names the subcommand in sentences ("image get"). */
int cli_opts_parse(const char *cmd, int argc, char **argv, int first, const cli_opt *tab,
                   size_t ntab, const char **pos, int *npos, int cap);
/* Positional count in [min, max] (max < 0: no bound)? Else one sentence naming the first
 * missing (names[npos]) or unexpected argument; returns 0 or -1. */
int cli_opts_count(const char *cmd, const char *const *pos, int npos, int min, int max,
                   const char *const *names);

#endif
