/* SPDX-License-Identifier: Apache-2.0 */
/* Request parsing of the HTTP API (http_parse.c; fuzz/http_request.c drives it): everything a
 * client controls before it reaches the archive or the ground's client socket. */
#ifndef AUS_DMN_HTTP_PARSE_H
#define AUS_DMN_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_BODY_MAX 65536 /* larger bodies: 413 */
#define HTTP_NAME_MAX 127   /* a point's name */

/* /api/points/NAME/<what>: NAME (1..127 bytes of [A-Za-z0-9._:-]) and what ("history",
 * "latest"). 0, or -1 when url is not of that shape or the name is not allowed. */
int http_parse_point_url(const char *url, char *name, size_t cap, const char **what);
/* /api/<coll>/ID[/rest]: the id (decimal, 1..2^53). 0, or -1. */
int http_parse_id_url(const char *url, const char *coll, uint64_t *id, const char **rest);
/* A query value as a signed integer (ms, or a count): absent -> dflt; 0, or -1 when malformed
 * or outside [lo, hi]. */
int http_parse_i64(const char *v, int64_t dflt, int64_t lo, int64_t hi, int64_t *out);
/* A POST /api/commands body (JSON) -> the client socket's request line (malloc'd JSON), the
 * same request `australis cmd|tm|image get|rekey` sends. downloads: where an image goes ("" =
 * refused). NULL with a sentence in why (a 400). */
char *http_parse_command(const char *body, size_t len, const char *downloads, char *why,
                         size_t cap);
/* Constant-time comparison of a presented bearer token with ours: 1 if equal. */
int http_token_ok(const char *header, const char *token);
/* A static file's path under the web folder: only [A-Za-z0-9._/-], no component starting with
 * '.', at most 200 bytes. 0, or -1. */
int http_parse_static(const char *url, char *rel, size_t cap);

#endif
