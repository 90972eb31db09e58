/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the dictionary parser (src/app/dict.c) on arbitrary bytes; on a parsed dictionary
 * every command is checked against argument lists cut from the input and every point's level
 * asked for values cut from it, and explanations written into a small buffer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "australis/dict.h"

static aus_dict_point pts[16];
static aus_dict_cmd cmds[16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aus_dict d;
    aus_dict_diag dg;
    memset(&d, 0, sizeof d);
    d.pts = pts;
    d.cap_pts = 16;
    d.cmds = cmds;
    d.cap_cmds = 16;
    const char *s = (const char *)data;
    if (aus_dict_parse(&d, s, size, &dg) != AUS_OK) {
        (void)aus_dict_perr_str(dg.rule);
        return 0;
    }
    aus_dict_text args[AUS_DICT_MAX_ARGS + 2];
    size_t n = 0;
    for (size_t at = 0; at < size && n < AUS_DICT_MAX_ARGS + 2;) { /* words of the input */
        size_t e = at;
        while (e < size && data[e] != ' ' && data[e] != '\n')
            e++;
        args[n].p = s + at;
        args[n++].n = e - at;
        at = e + 1;
    }
    char why[96];
    for (size_t i = 0; i < d.ncmds; i++)
        for (size_t k = 0; k <= n; k++) {
            aus_dict_verdict v;
            aus_err e = aus_dict_check_cmd(&d, d.cmds[i].name.p, d.cmds[i].name.n, args, k,
                                           i % 2 ? d.cmds[0].def_hash : NULL, &v);
            if (e != AUS_OK && e != AUS_E_POLICY)
                __builtin_trap();
            (void)aus_dict_explain(&v, args, k, why, sizeof why);
            if (strlen(why) >= sizeof why)
                __builtin_trap();
        }
    for (size_t i = 0; i < d.npts; i++)
        for (size_t k = 0; k < n; k++) {
            aus_dict_level l;
            (void)aus_dict_point_level(&d.pts[i], args[k].p, args[k].n, &l);
            (void)aus_dict_point_level_i64(&d.pts[i], (int64_t)k - 3, &l);
        }
    return 0;
}
