/* SPDX-License-Identifier: Apache-2.0 */
/* The folder convergence layer's naming and ordering rules (include/australis/cl.h).
 *
 * Why names carry the sequence in fixed-width lower-case hex: byte-wise order of names is
 * then creation order, which every directory listing tool and the receiver agree on, with
 * no parsing. The node number in the name keeps two writers (e.g. two tenants' daemons
 * that an operator merges into one folder) from ever producing the same name.
 */
#include "australis/base.h"
#include "australis/cl.h"

#include <string.h>

#define NAME_PREFIX "b"
#define NAME_SUFFIX ".bundle"
#define HEX16 16u
/* 1 + 16 + 1 + 16 + 7 */
#define NAME_LEN (1u + HEX16 + 1u + HEX16 + 7u)

static int get_hex16(const char *in, uint64_t *v)
{
    uint64_t acc = 0;
    for (unsigned i = 0; i < HEX16; i++) {
        char c = in[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a') + 10u;
        else
            return -1;
        acc = (acc << 4) | d;
    }
    *v = acc;
    return 0;
}

aus_err aus_cl_folder_name(char *out, size_t cap, uint64_t node, uint64_t seq)
{
    AUS_ENSURE(out != NULL, AUS_E_ARG);
    AUS_ENSURE(seq != 0, AUS_E_ARG);
    AUS_ENSURE(cap > NAME_LEN, AUS_E_NOBUFS);
    out[0] = 'b';
    aus_hex_put(out + 1, node, HEX16);
    out[1 + HEX16] = '-';
    aus_hex_put(out + 2 + HEX16, seq, HEX16);
    memcpy(out + 2 + 2 * HEX16, NAME_SUFFIX, sizeof NAME_SUFFIX); /* includes the NUL */
    return AUS_OK;
}

aus_err aus_cl_folder_parse(const char *name, uint64_t *node, uint64_t *seq)
{
    uint64_t n, s;
    AUS_ENSURE(name != NULL && node != NULL && seq != NULL, AUS_E_ARG);
    /* strnlen bound: never read past a hostile unterminated name beyond NAME_LEN + 1 */
    size_t len = 0;
    while (len <= NAME_LEN && name[len] != '\0')
        len++;
    AUS_ENSURE(len == NAME_LEN, AUS_E_MALFORMED);
    AUS_ENSURE(name[0] == 'b' && name[1 + HEX16] == '-', AUS_E_MALFORMED);
    AUS_ENSURE(memcmp(name + 2 + 2 * HEX16, NAME_SUFFIX, sizeof NAME_SUFFIX - 1) == 0,
               AUS_E_MALFORMED);
    AUS_ENSURE(get_hex16(name + 1, &n) == 0, AUS_E_MALFORMED);
    AUS_ENSURE(get_hex16(name + 2 + HEX16, &s) == 0, AUS_E_MALFORMED);
    AUS_ENSURE(s != 0, AUS_E_MALFORMED);
    *node = n;
    *seq = s;
    return AUS_OK;
}

static int ends_with(const char *s, size_t len, const char *suf)
{
    size_t sl = strlen(suf);
    return len >= sl && memcmp(s + len - sl, suf, sl) == 0;
}

aus_cl_kind aus_cl_folder_classify(const char *name)
{
    uint64_t n, s;
    if (name == NULL || name[0] == '\0' || name[0] == '.')
        return AUS_CL_SKIP;
    if (ends_with(name, strlen(name), AUS_CL_TMP_SUFFIX))
        return AUS_CL_TMP;
    if (aus_cl_folder_parse(name, &n, &s) == AUS_OK)
        return AUS_CL_BUNDLE;
    return AUS_CL_OTHER;
}

int aus_cl_folder_cmp(const char *a, const char *b)
{
    int ka = aus_cl_folder_classify(a) == AUS_CL_BUNDLE ? 0 : 1;
    int kb = aus_cl_folder_classify(b) == AUS_CL_BUNDLE ? 0 : 1;
    if (ka != kb)
        return ka - kb;
    return strcmp(a, b);
}
