/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant's dictionary as the HTTP API uses it (http_dict.c). */
#ifndef AUS_DMN_HTTP_DICT_H
#define AUS_DMN_HTTP_DICT_H

#include <stddef.h>

typedef struct http_dict http_dict;

/* Read and parse FILE. 0, or -1 with a sentence in why. */
int http_dict_load(http_dict **h, const char *path, char *why, size_t cap);
void http_dict_free(http_dict *h);
/* GET /api/dictionary: {"version", "points": {NAME: {type, unit, yellow, red...}}, "commands":
 * [{name, args: [{name, type, range, values, optional, variadic}]}]}; "{}" without one. */
const char *http_dict_json(const http_dict *h);
/* A request line for the client socket checked against the dictionary (commands only): 0, or
 * -1 with the dictionary's sentence in why. No dictionary: 0. */
int http_dict_check(const http_dict *h, const char *req_json, char *why, size_t cap);

#endif
