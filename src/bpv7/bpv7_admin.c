/* SPDX-License-Identifier: Apache-2.0 */
/* Administrative records (RFC 9171 §6.1): bundle status reports (§6.1.1). */
#include <string.h>

#include "australis/bpv7.h"
#include "australis/cbor.h"

#define CF (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF)

aus_err aus_bpv7_admin_type(const uint8_t *p, size_t n, uint64_t *type)
{
    aus_rd r;
    size_t cnt;
    aus_rd_init(&r, p, n);
    *type = 0;
    /* §6.1: an administrative record is [record type code, record content]. */
    AUS_TRY(aus_cbor_rd_array(&r, CF, &cnt));
    if (cnt != 2)
        return AUS_E_MALFORMED;
    return aus_cbor_rd_uint(&r, CF, type);
}

/* §6.1.1: each status item is [asserted] or [asserted, time]. */
static aus_err rd_item(aus_rd *r, aus_bpv7_status_item *it)
{
    size_t n;
    int v;
    AUS_TRY(aus_cbor_rd_array(r, CF, &n));
    if (n != 1 && n != 2)
        return aus_rd_fail(r, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_bool(r, CF, &v));
    it->asserted = (uint8_t)v;
    it->has_time = n == 2;
    it->time = 0;
    /* the time is present only for an asserted item */
    if (n == 2 && !v)
        return aus_rd_fail(r, AUS_E_MALFORMED);
    if (n == 2)
        AUS_TRY(aus_cbor_rd_uint(r, CF, &it->time));
    return AUS_OK;
}

static aus_err rd_report(aus_rd *r, aus_bpv7_status_report *sr)
{
    size_t n, k;
    uint64_t type;
    AUS_TRY(aus_cbor_rd_array(r, CF, &n));
    if (n != 2)
        return aus_rd_fail(r, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(r, CF, &type));
    if (type != AUS_BPV7_ADMIN_STATUS_REPORT)
        return aus_rd_fail(r, AUS_E_UNSUPPORTED);
    /* §6.1.1: [status info, reason code, source node ID, creation timestamp,
     * (fragment offset, fragment length)] */
    AUS_TRY(aus_cbor_rd_array(r, CF, &n));
    if (n != 4 && n != 6)
        return aus_rd_fail(r, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_array(r, CF, &k));
    if (k != 4)
        return aus_rd_fail(r, AUS_E_MALFORMED);
    for (size_t i = 0; i < 4; i++)
        AUS_TRY(rd_item(r, &sr->item[i]));
    AUS_TRY(aus_cbor_rd_uint(r, CF, &sr->reason));
    AUS_TRY(aus_bpv7_eid_read(r, CF, &sr->src));
    AUS_TRY(aus_cbor_rd_array(r, CF, &k));
    if (k != 2)
        return aus_rd_fail(r, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(r, CF, &sr->ctime));
    AUS_TRY(aus_cbor_rd_uint(r, CF, &sr->seq));
    sr->is_fragment = n == 6;
    sr->frag_offset = sr->frag_len = 0;
    if (n == 6) {
        AUS_TRY(aus_cbor_rd_uint(r, CF, &sr->frag_offset));
        AUS_TRY(aus_cbor_rd_uint(r, CF, &sr->frag_len));
    }
    return aus_rd_finish(r);
}

aus_err aus_bpv7_status_decode(aus_bpv7_status_report *sr, const uint8_t *p, size_t n)
{
    aus_rd r;
    aus_bpv7_status_report tmp;
    aus_rd_init(&r, p, n);
    memset(&tmp, 0, sizeof tmp);
    AUS_TRY(rd_report(&r, &tmp));
    *sr = tmp; /* no partial output on error */
    return AUS_OK;
}

long aus_bpv7_status_encode(const aus_bpv7_status_report *sr, uint8_t *out, size_t cap)
{
    aus_wr w;
    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    if (aus_bpv7_eid_check(&sr->src) != AUS_OK || sr->reason > 255)
        return AUS_E_ARG;
    aus_cbor_wr_array(&w, 2);
    aus_cbor_wr_uint(&w, AUS_BPV7_ADMIN_STATUS_REPORT);
    aus_cbor_wr_array(&w, sr->is_fragment ? 6u : 4u);
    aus_cbor_wr_array(&w, 4);
    for (size_t i = 0; i < 4; i++) {
        const aus_bpv7_status_item *it = &sr->item[i];
        int t = it->asserted && it->has_time;
        aus_cbor_wr_array(&w, t ? 2u : 1u);
        aus_cbor_wr_bool(&w, it->asserted);
        if (t)
            aus_cbor_wr_uint(&w, it->time);
    }
    aus_cbor_wr_uint(&w, sr->reason);
    aus_bpv7_eid_write(&w, &sr->src);
    aus_cbor_wr_array(&w, 2);
    aus_cbor_wr_uint(&w, sr->ctime);
    aus_cbor_wr_uint(&w, sr->seq);
    if (sr->is_fragment) {
        aus_cbor_wr_uint(&w, sr->frag_offset);
        aus_cbor_wr_uint(&w, sr->frag_len);
    }
    if (w.err)
        return w.err;
    return (long)w.off;
}

void aus_bpv7_status_about(aus_bpv7_status_report *sr, const aus_bpv7_bundle *b, int which,
                           uint64_t reason, uint64_t time_ms, int with_time)
{
    memset(sr, 0, sizeof *sr);
    if (which >= 0 && which < 4) {
        sr->item[which].asserted = 1;
        /* §6.1.1: the time is reported when the subject bundle asked for it */
        sr->item[which].has_time =
            (uint8_t)(with_time || (b->pri.flags & AUS_BPV7_BF_STATUS_TIME) != 0);
        sr->item[which].time = time_ms;
    }
    sr->reason = reason;
    sr->src = b->pri.src;
    sr->ctime = b->pri.ctime;
    sr->seq = b->pri.seq;
    if (b->pri.flags & AUS_BPV7_BF_FRAGMENT) {
        sr->is_fragment = 1;
        sr->frag_offset = b->pri.frag_offset;
        sr->frag_len = b->payload_len;
    }
}
