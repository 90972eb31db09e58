/* SPDX-License-Identifier: Apache-2.0 */
/* Convergence layers: the folder link's naming and ordering rules (sans-I/O).
 *
 * The folder link (DESIGN.md §9) carries one bundle per file. The file I/O lives
 * in port/posix/folder_link.c; this header holds the rules both ends agree on, so that a
 * flight build with another file system uses the same names:
 *
 *   NAME      = "b" NODE16 "-" SEQ16 ".bundle"     (NODE16/SEQ16: 16 lower-case hex digits)
 *   temporary = NAME ".tmp"                         (never read by a receiver)
 *
 * SEQ comes from a counter reserved in the durable store before use (aus_ctr), so names sort
 * by creation order (fixed-width hex sorts like the number) and never collide across restarts.
 * A receiver takes files in byte-wise name order; a file whose name does not follow the rule
 * is still taken (after every well-formed name) and quarantined if it is not a valid bundle.
 */
#ifndef AUSTRALIS_CL_H
#define AUSTRALIS_CL_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "b" + 16 + "-" + 16 + ".bundle" + NUL */
#define AUS_CL_NAME_MAX 48
#define AUS_CL_TMP_SUFFIX ".tmp"

typedef enum aus_cl_kind {
    AUS_CL_BUNDLE = 0, /* a well-formed name: take it */
    AUS_CL_OTHER = 1,  /* an odd name: take it after the well-formed ones (likely quarantine) */
    AUS_CL_TMP = 2,    /* a writer's partial file: leave it alone */
    AUS_CL_SKIP = 3,   /* "", ".", "..", hidden files: leave alone */
} aus_cl_kind;

/* Format the file name for (node, seq) into out (cap >= AUS_CL_NAME_MAX).
 * Errors: AUS_E_NOBUFS, AUS_E_ARG (seq 0). */
AUS_MUST_USE aus_err aus_cl_folder_name(char *out, size_t cap, uint64_t node, uint64_t seq);
/* Parse a well-formed name. Errors: AUS_E_MALFORMED (anything else, including upper-case hex,
 * wrong length or a zero sequence). */
AUS_MUST_USE aus_err aus_cl_folder_parse(const char *name, uint64_t *node, uint64_t *seq);
/* Classify a directory entry's name. */
aus_cl_kind aus_cl_folder_classify(const char *name);
/* Total order for the reader: well-formed names first (by name), then odd names (by name).
 * Returns <0, 0, >0 like strcmp. */
int aus_cl_folder_cmp(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
