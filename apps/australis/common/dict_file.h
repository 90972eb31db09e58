/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a tenant dictionary file (include/australis/dict.h) for the CLI and the daemons. */
#ifndef AUS_APP_DICT_FILE_H
#define AUS_APP_DICT_FILE_H

#include "australis/dict.h"

#define DICT_MAX_POINTS 512
#define DICT_MAX_CMDS 128

typedef struct dict_file {
    aus_dict d;
    char *text; /* the file's bytes (the dictionary's views point here) */
    size_t len;
    char path[1024]; /* as opened (cut when longer) */
    aus_dict_point pts[DICT_MAX_POINTS];
    aus_dict_cmd cmds[DICT_MAX_CMDS];
} dict_file;

/* Read and parse path (a regular file, no symlink followed at the last component, at most
 * AUS_DICT_FILE_MAX bytes). NULL after one sentence on stderr: "australis: PATH:LINE: ..."
 * (*exit_code = AUS_EXIT_FAIL for a malformed dictionary, AUS_EXIT_ENV when unreadable). */
dict_file *dict_file_load(const char *path, int *exit_code);
void dict_file_free(dict_file *f);
/* The version as 16 hex digits (NUL-terminated). */
void dict_version_hex(const aus_dict *d, char out[17]);

#endif
