/* SPDX-License-Identifier: Apache-2.0 */
/* The command line every bench program shares: --help / -h prints what it measures and its
 * arguments; anything else that starts with '-' is a usage error (exit 2). Benches print
 * figures and exit 0; they never fail on timing. */
#ifndef AUS_BENCH_ARGS_H
#define AUS_BENCH_ARGS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* usage: "ARGS-SYNOPSIS\n  explanation...\n". Returns only if no --help / bad option. */
static inline void bench_args(int argc, char **argv, const char *name, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s %s", name, usage);
            printf("Prints figures (and ratios against a baseline measured in the same run);\n"
                   "never fails on timing. Exit 0, 1 if the code under test fails, 2 on bad "
                   "usage.\n");
            exit(0);
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0' && (argv[i][1] < '0' || argv[i][1] > '9')) {
            fprintf(stderr, "%s: unknown option '%s' (try --help)\n", name, argv[i]);
            exit(2);
        }
    }
}

#endif
