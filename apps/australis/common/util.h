/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the command line (cli/) and the daemons (daemon/): exit codes, whole-file
 * read and atomic write, number and hex parsing, the error sentence. apps/ may allocate and do I/O.
 *
 * Exit codes (documented in README.md):
 *   0  success
 *   1  the input was invalid / an operation failed (a sentence on stderr says why)
 *   2  usage or configuration error
 *   3  an environment error (I/O, permissions, missing files)
 */
#ifndef AUS_APP_UTIL_H
#define AUS_APP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define AUS_EXIT_OK 0
#define AUS_EXIT_FAIL 1
#define AUS_EXIT_USAGE 2
#define AUS_EXIT_ENV 3

/* Is s one of "-h", "--help"? */
int cli_is_help(const char *s);
/* Read a whole file ("-" = stdin); malloc'd; NULL with errno on failure. */
uint8_t *cli_read_file(const char *path, size_t *len);
/* Write a file atomically (tmp + fsync + rename; "-" = stdout). 0 on success. */
int cli_write_file(const char *path, const uint8_t *p, size_t n);
/* Parse hex into out (cap bytes); returns length or -1. */
long cli_hex(const char *hex, uint8_t *out, size_t cap);
/* Parse an unsigned decimal/hex (0x) number into *v with a bound; 0 on success. */
int cli_u64(const char *s, uint64_t max, uint64_t *v);
/* s without its leading and trailing white space (cut in place). */
char *cli_trim(char *s);
/* Print an error sentence: "australis: <fmt>\n" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
