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

const char *dmn_key_app_cmd(dmn_key *k, const char *tenant, const char *name)
{
    return build(k, "app/%.31s/appcmd/%.40s", tenant, name ? name : "");
}

const char *dmn_key_app(dmn_key *k, const char *tenant, const char *what, uint64_t num,
                        int with_num)
{
    if (!with_num)
        return build(k, "app/%s/%s", tenant, what);
    return build(k, "app/%s/%s/%016llx", tenant, what, (unsigned long long)num);
}

const char *dmn_key_gr_pt(dmn_key *k, const char *tenant, uint64_t batch, int prefix_only)
{
    if (prefix_only)
        return build(k, "gr/%s/pt/", tenant);
    return build(k, "gr/%s/pt/%016llx", tenant, (unsigned long long)batch);
}

const char *dmn_key_dict_ev(dmn_key *k, const char *tenant, uint64_t request_id, const char *point)
{
    int n = snprintf(k->s, sizeof k->s, "dict/%s/ev/%016llx/%s", tenant,
                     (unsigned long long)request_id, point);
    return n >= 0 && (size_t)n < sizeof k->s ? k->s : NULL;
}

const char *dmn_key_gw_seen(dmn_key *k, const char *tenant, uint64_t node, uint64_t ctime,
                            uint64_t seq)
{
    return build(k, "gw/%s/seen/%016llx%016llx%016llx", tenant, (unsigned long long)node,
                 (unsigned long long)ctime, (unsigned long long)seq);
}

const char *dmn_key_gw_req(dmn_key *k, const char *tenant, uint64_t id, int prefix_only)
{
    if (prefix_only)
        return build(k, "gw/%s/req/", tenant);
    return build(k, "gw/%s/req/%016llx", tenant, (unsigned long long)id);
}
