/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the HTTP API's request parsing (apps/australis/daemon/http_parse.c): the first
 * byte picks the parser, the rest is the URL, query value, token header or JSON body.
 * Properties: never a crash or leak; a parsed point name is 1..127 allowed bytes; a parsed
 * static path has no ".." or hidden component; a command body always becomes a JSON object
 * with an "op" or a sentence. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/australis/daemon/http_parse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > HTTP_BODY_MAX + 2)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    char name[HTTP_NAME_MAX + 1], rel[256], why[256];
    const char *what, *rest;
    uint64_t id;
    int64_t v;
    switch (data[0] % 6) {
    case 0:
        if (http_parse_point_url(s, name, sizeof name, &what) == 0 &&
            (!name[0] || strlen(name) > HTTP_NAME_MAX || strchr(name, '/')))
            abort();
        break;
    case 1:
        if (http_parse_id_url(s, "commands", &id, &rest) == 0 && (id == 0 || id > (1ull << 53)))
            abort();
        break;
    case 2:
        if (http_parse_i64(s, 0, -1000, 1000, &v) == 0 && (v < -1000 || v > 1000))
            abort();
        break;
    case 3: {
        char *r = http_parse_command(s, size - 1, "/d", why, sizeof why);
        if (r && !strstr(r, "\"op\":"))
            abort();
        free(r);
        break;
    }
    case 4: (void)http_token_ok(s, "0123456789abcdef0123"); break;
    default:
        if (http_parse_static(s, rel, sizeof rel) == 0 &&
            (strstr(rel, "..") == rel || strstr(rel, "/.") || rel[0] == '/'))
            abort();
        break;
    }
    free(s);
    return 0;
}
