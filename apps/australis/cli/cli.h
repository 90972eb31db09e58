/* SPDX-License-Identifier: Apache-2.0 */
/* The australis command-line tool: one subcommand family per cmd_<name>.c (apps/australis/cli/).
 * The helpers and exit codes shared with the daemons are in common/util.h. */
#ifndef AUS_CLI_H
#define AUS_CLI_H

#include "util.h"
#include "opts.h" /* the one option parser every cmd_*.c uses */

/* One subcommand family: `australis NAME ...`. argv[0] is NAME. */
typedef int (*cli_fn)(int argc, char **argv);

/* Subcommand families, each in its own cmd_<name>.c. */
int cmd_bundle(int argc, char **argv);
int cmd_bpsec(int argc, char **argv);
int cmd_ccsds(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_init(int argc, char **argv); /* init DIR: a ground and satellite pair (cmd_init.c) */
int cmd_pass(int argc, char **argv);
int cmd_client(int argc, char **argv); /* tm, cmd, image, rekey, status, sa */
int cmd_tcpcl(int argc, char **argv);  /* tcpcl send|listen (cmd_tcpcl.c) */
int cmd_udpcl(int argc, char **argv);  /* udpcl send|listen (cmd_udpcl.c) */
int cmd_dict(int argc, char **argv);   /* dict check|show|try|level (cmd_dict.c) */
int cmd_app(int argc, char **argv);    /* app publish|serve|offer|points|buffer (cmd_app.c) */

#endif
