/* SPDX-License-Identifier: Apache-2.0 */
/* APID demultiplexer (CCSDS 133.0-B-2 §3.3: the APID names the managed data path).
 *
 * One 2048-entry table indexed by the 11-bit APID: dispatch is a header decode, one table load
 * and one indirect call, whatever the number of routes (constant time per packet). */
#include <string.h>

#include "australis/spp.h"
#include "spp_internal.h"

void aus_spp_demux_init(aus_spp_demux *d) { memset(d, 0, sizeof *d); }

aus_err aus_spp_demux_route(aus_spp_demux *d, uint16_t lo, uint16_t hi, aus_spp_handler fn,
                            void *user)
{
    AUS_ENSURE(fn != NULL && lo <= hi && hi < AUS_SPP_APID_IDLE, AUS_E_ARG);
    AUS_ENSURE(d->nroutes < AUS_SPP_DEMUX_ROUTES, AUS_E_FULL);
    d->routes[d->nroutes].fn = fn;
    d->routes[d->nroutes].user = user;
    d->nroutes++;
    for (unsigned a = lo; a <= hi; a++)
        d->slot[a] = d->nroutes;
    return AUS_OK;
}

aus_err aus_spp_demux_dispatch(aus_spp_demux *d, const uint8_t *p, size_t n)
{
    aus_spp_pkt pkt;
    aus_err e = spp_decode_inline(p, n, &pkt);
    if (e != AUS_OK) {
        d->malformed++;
        return e;
    }
    /* 133.0 §4.1.2.3.3: idle packets carry no data for any user; drop them. */
    if (pkt.hdr.apid == AUS_SPP_APID_IDLE) {
        d->idle++;
        return AUS_OK;
    }
    unsigned s = d->slot[pkt.hdr.apid];
    if (s == 0) {
        d->unrouted++;
        return AUS_E_NOTFOUND;
    }
    const aus_spp_route *rt = &d->routes[s - 1u];
    rt->fn(rt->user, &pkt);
    d->delivered++;
    return AUS_OK;
}
