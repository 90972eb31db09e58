/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's store keys (store_keys.h, docs/store.md). */
#include "store_keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 3))) static const char *build(dmn_key *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(k->s, sizeof k->s, fmt, ap);
    va_end(ap);
    return k->s;
}

const char *dmn_key_area(dmn_key *k, const char *area, const char *tenant)
{
    return build(k, "%s/%.24s/", area, tenant);
}

const char *dmn_key_ep_area(dmn_key *k, const char *tenant)
{
    if (strlen(tenant) <= 15)
        return build(k, "ep/%.15s/", tenant);
    uint32_t h = 2166136261u; /* FNV-1a 32 */
    for (const char *t = tenant; *t; t++)
        h = (h ^ (uint8_t)*t) * 16777619u;
    return build(k, "ep/%.6s-%08x/", tenant, (unsigned)h);
}

const char *dmn_key_ep_kviv(dmn_key *k, const char *tenant)
{
    dmn_key a;
    return build(k, "%skviv", dmn_key_ep_area(&a, tenant));
}

const char *dmn_key_kviv_v0(dmn_key *k, const char *tenant) { return build(k, "%skviv", tenant); }

const char *dmn_key_dmn(dmn_key *k, const char *tenant, const char *what)
{
    return build(k, "dmn/%s/%s", tenant, what);
}

const char *dmn_key_gr(dmn_key *k, const char *tenant, const char *what)
{
    return build(k, "gr/%s/%s", tenant, what);
}

const char *dmn_key_gr_v1(dmn_key *k, const char *tenant, const char *kind, const char *hex)
{
    return build(k, "gr/%s/%s/%s", tenant, kind, hex ? hex : "");
}

const char *dmn_key_lnk(dmn_key *k, const char *tenant, const char *what)
{
    return build(k, "lnk/%s/%s", tenant, what);
}

const char *dmn_key_lnk_defer(dmn_key *k, const char *tenant, uint64_t seq, int prefix_only)
{
    if (prefix_only)
        return build(k, "lnk/%s/defer/", tenant);
    return build(k, "lnk/%s/defer/%016llx", tenant, (unsigned long long)seq);
}

const char *dmn_key_lnk_ep(dmn_key *k, const char *tenant, unsigned tag, uint64_t id,
                           int prefix_only)
{
    if (prefix_only)
        return build(k, "lnk/%s/ep/%02x/", tenant, tag);
    return build(k, "lnk/%s/ep/%02x/%016llx", tenant, tag, (unsigned long long)id);
}
