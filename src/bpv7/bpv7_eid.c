/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoint IDs (RFC 9171 §4.2.5.1): dtn and ipn schemes, CBOR and text forms. */
#include <string.h>

#include "australis/bpv7.h"
#include "australis/cbor.h"
#include "cbor/cbor_wr.h"

/* RFC 3986 §2.3 unreserved + §2.2 sub-delims + '%' (pct-encoded): the reg-name of a dtn
 * node-name (RFC 9171 §4.2.5.1.1). */
static int is_node_char(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case '%': return 1;
    default: return 0;
    }
}

/* RFC 9171 §4.2.5.1.1: dtn-hier-part = "//" node-name "/" demux, demux = *VCHAR. */
static aus_err check_dtn_ssp(const uint8_t *s, size_t n)
{
    if (n > AUS_EID_MAX_SSP)
        return AUS_E_LIMIT;
    if (n < 4 || s[0] != '/' || s[1] != '/')
        return AUS_E_EID;
    size_t i = 2;
    while (i < n && s[i] != '/') {
        if (!is_node_char(s[i]))
            return AUS_E_EID;
        i++;
    }
    if (i == 2 || i == n)
        return AUS_E_EID; /* empty node-name, or no name-delim */
    for (i++; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7E)
            return AUS_E_EID; /* VCHAR only */
    return AUS_OK;
}

aus_err aus_bpv7_eid_check(const aus_eid *e)
{
    switch (e->scheme) {
    case AUS_EID_SCHEME_DTN:
        if (!e->ssp)
            return e->ssp_len == 0 ? AUS_OK : AUS_E_EID; /* dtn:none */
        return check_dtn_ssp(e->ssp, e->ssp_len);
    case AUS_EID_SCHEME_IPN: return AUS_OK; /* any pair of unsigned integers */
    case 0: return AUS_E_EID;               /* RFC 9171 §9.6: scheme code 0 is reserved */
    default: return AUS_E_UNSUPPORTED;
    }
}

/* An unsigned integer where the EID syntax wants one (any other item is an EID error). */
static aus_err rd_eid_uint(aus_rd *r, unsigned cf, uint64_t *v)
{
    aus_cbor_head h;
    AUS_TRY(aus_cbor_rd_head(r, cf, &h));
    if (h.major != AUS_CBOR_UINT)
        return aus_rd_fail(r, AUS_E_EID);
    *v = h.val;
    return AUS_OK;
}

/* The head of a two-item array: definite, or indefinite (RFC 9171 §4.1 asks for CBOR arrays,
 * not a deterministic form; the CBOR flags have already refused it in strict mode). */
static aus_err rd_eid_pair(aus_rd *r, const aus_cbor_head *h)
{
    if (h->major != AUS_CBOR_ARRAY || h->brk || (!h->indef && h->val != 2))
        return aus_rd_fail(r, AUS_E_EID);
    return AUS_OK;
}

/* The end of that array: the break of an indefinite one, right after its two items. */
static aus_err rd_eid_end(aus_rd *r, const aus_cbor_head *h)
{
    if (!h->indef)
        return AUS_OK;
    if (!aus_cbor_at_break(r))
        return aus_rd_fail(r, aus_rd_left(r) ? AUS_E_EID : AUS_E_TRUNC);
    return aus_cbor_rd_break(r);
}

/* Fast path for ipn EIDs [2, [node, service]]: one peek of five heads. 0: not taken. */
static int eid_fast_ipn(aus_rd *r, unsigned cf, aus_eid *e)
{
    aus_cbor_head h[5];
    size_t len;
    /* The commonest form first, straight from the bytes: 82 02 82 <node> <service> with both
     * numbers below 24 (one-byte heads of major 0, valid under every flag: RFC 8949 §3). */
    if (!r->err && r->len - r->off >= 5) {
        const uint8_t *q = r->base + r->off;
        if (q[0] == 0x82 && q[1] == AUS_EID_SCHEME_IPN && q[2] == 0x82 && q[3] < 24 && q[4] < 24) {
            e->scheme = AUS_EID_SCHEME_IPN;
            e->node = q[3];
            e->service = q[4];
            r->off += 5;
            return 1;
        }
    }
    if (aus_cbor_peek_heads(r, cf, h, 5, &len) != AUS_OK)
        return 0;
    if (h[0].major != AUS_CBOR_ARRAY || h[0].indef || h[0].val != 2 ||
        h[1].major != AUS_CBOR_UINT || h[1].val != AUS_EID_SCHEME_IPN ||
        h[2].major != AUS_CBOR_ARRAY || h[2].indef || h[2].val != 2 ||
        h[3].major != AUS_CBOR_UINT || h[4].major != AUS_CBOR_UINT)
        return 0;
    e->scheme = AUS_EID_SCHEME_IPN;
    e->node = h[3].val;
    e->service = h[4].val;
    aus_rd_skip(r, len);
    return 1;
}

static aus_err eid_read_ssp(aus_rd *r, unsigned cf, uint64_t scheme, aus_eid *e)
{
    aus_cbor_head h;
    AUS_TRY(aus_cbor_rd_head(r, cf, &h));
    if (scheme == AUS_EID_SCHEME_IPN) {
        e->scheme = AUS_EID_SCHEME_IPN;
        /* RFC 9171 §4.2.5.1.2: the SSP is [node number, service number]. */
        AUS_TRY(rd_eid_pair(r, &h));
        AUS_TRY(rd_eid_uint(r, cf, &e->node));
        AUS_TRY(rd_eid_uint(r, cf, &e->service));
        return rd_eid_end(r, &h);
    }
    e->scheme = AUS_EID_SCHEME_DTN;
    if (h.major == AUS_CBOR_UINT) /* RFC 9171 §4.2.5.1.1: dtn:none is the integer 0 */
        return h.val == 0 ? AUS_OK : aus_rd_fail(r, AUS_E_EID);
    if (h.major != AUS_CBOR_TSTR)
        return aus_rd_fail(r, AUS_E_EID);
    if (h.indef) /* well formed, but no single view of a chunked string */
        return aus_rd_fail(r, AUS_E_UNSUPPORTED);
    if (h.val > aus_rd_left(r))
        return aus_rd_fail(r, AUS_E_TRUNC);
    e->ssp_len = (size_t)h.val;
    e->ssp = aus_rd_view(r, e->ssp_len);
    if (!e->ssp)
        return r->err;
    aus_err ce = check_dtn_ssp(e->ssp, e->ssp_len);
    return ce ? aus_rd_fail(r, ce) : AUS_OK;
}

aus_err aus_bpv7_eid_read(aus_rd *r, unsigned cf, aus_eid *e)
{
    aus_cbor_head h;
    uint64_t scheme = 0;
    e->scheme = 0;
    e->node = e->service = 0;
    e->ssp = NULL;
    e->ssp_len = 0;
    if (eid_fast_ipn(r, cf, e))
        return AUS_OK;
    /* RFC 9171 §4.2.5.1: an EID is a two-element array [scheme code, SSP]. */
    AUS_TRY(aus_cbor_rd_head(r, cf, &h));
    AUS_TRY(rd_eid_pair(r, &h));
    AUS_TRY(rd_eid_uint(r, cf, &scheme));
    if (scheme != AUS_EID_SCHEME_DTN && scheme != AUS_EID_SCHEME_IPN)
        return aus_rd_fail(r, scheme == 0 ? AUS_E_EID : AUS_E_UNSUPPORTED);
    AUS_TRY(eid_read_ssp(r, cf, scheme, e));
    return rd_eid_end(r, &h);
}

void aus_bpv7_eid_write(aus_wr *w, const aus_eid *e)
{
    /* the _i writers: the same bytes, one store for a head below 24 (cbor_wr.h) */
    aus_cbor_wr_array_i(w, 2);
    aus_cbor_wr_uint_i(w, e->scheme);
    if (e->scheme == AUS_EID_SCHEME_IPN) {
        aus_cbor_wr_array_i(w, 2);
        aus_cbor_wr_uint_i(w, e->node);
        aus_cbor_wr_uint_i(w, e->service);
    } else if (e->scheme == AUS_EID_SCHEME_DTN && !e->ssp) {
        aus_cbor_wr_uint(w, 0);
    } else if (e->scheme == AUS_EID_SCHEME_DTN) {
        aus_cbor_wr_tstr(w, (const char *)e->ssp, e->ssp_len);
    } else {
        aus_wr_fail(w, AUS_E_ARG);
    }
}

int aus_bpv7_eid_eq(const aus_eid *a, const aus_eid *b)
{
    if (a->scheme != b->scheme)
        return 0;
    if (a->scheme == AUS_EID_SCHEME_IPN)
        return a->node == b->node && a->service == b->service;
    if (!a->ssp || !b->ssp)
        return !a->ssp && !b->ssp;
    if (a->ssp_len != b->ssp_len)
        return 0;
    for (size_t i = 0; i < a->ssp_len; i++)
        if (a->ssp[i] != b->ssp[i])
            return 0;
    return 1;
}

/* Decimal text of a uint64 prefix of s[0..n); returns digits used (0 = none / overflow). */
static size_t parse_dec(const char *s, size_t n, uint64_t *v)
{
    size_t i = 0;
    *v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return 0;
        *v = *v * 10 + d;
        i++;
    }
    if (i > 1 && s[0] == '0')
        return 0; /* no leading zeros: one text form per number */
    return i;
}

static int has_prefix(const char *s, size_t n, const char *pre)
{
    size_t i = 0;
    for (; pre[i]; i++)
        if (i >= n || s[i] != pre[i])
            return 0;
    return 1;
}

aus_err aus_bpv7_eid_parse(aus_eid *e, const char *s, size_t n)
{
    e->scheme = 0;
    e->node = e->service = 0;
    e->ssp = NULL;
    e->ssp_len = 0;
    if (has_prefix(s, n, "ipn:")) {
        size_t a = parse_dec(s + 4, n - 4, &e->node);
        if (a == 0 || 4 + a >= n || s[4 + a] != '.')
            return AUS_E_EID;
        size_t rest = n - 5 - a;
        if (parse_dec(s + 5 + a, rest, &e->service) != rest || rest == 0)
            return AUS_E_EID;
        e->scheme = AUS_EID_SCHEME_IPN;
        return AUS_OK;
    }
    if (has_prefix(s, n, "dtn:")) {
        e->scheme = AUS_EID_SCHEME_DTN;
        if (n == 8 && has_prefix(s, n, "dtn:none"))
            return AUS_OK;
        e->ssp = (const uint8_t *)(s + 4);
        e->ssp_len = n - 4;
        return check_dtn_ssp(e->ssp, e->ssp_len);
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] == ':')
            return AUS_E_UNSUPPORTED; /* some other URI scheme */
    return AUS_E_EID;
}

/* Append text to out with truncation; always counts the full length. */
static void put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + 1 < cap) { /* the part that fits before the terminating NUL, in one copy */
        size_t room = cap - 1 - *len;
        memcpy(out + *len, s, n < room ? n : room);
    }
    *len += n;
}

/* The decimal digits of v at out (no NUL); returns their count (1..20). */
static size_t dec_at(char *out, uint64_t v)
{
    char tmp[20];
    size_t k = sizeof tmp;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(out, tmp + k, sizeof tmp - k);
    return sizeof tmp - k;
}

static void put_dec(char *out, size_t cap, size_t *len, uint64_t v)
{
    char tmp[20];
    put(out, cap, len, tmp, dec_at(tmp, v));
}

/* "ipn:" 20 digits "." 20 digits NUL: an ipn EID's longest text */
#define IPN_TEXT_MAX (4 + 20 + 1 + 20 + 1)

size_t aus_bpv7_eid_format(const aus_eid *e, char *out, size_t cap)
{
    size_t len = 0;
    if (e->scheme == AUS_EID_SCHEME_IPN && cap >= IPN_TEXT_MAX) {
        /* room for any ipn EID: written in place, no truncation to handle (the same text as
         * the put / put_dec path below, which a test compares for every edge value) */
        memcpy(out, "ipn:", 4);
        len = 4 + dec_at(out + 4, e->node);
        out[len++] = '.';
        len += dec_at(out + len, e->service);
        out[len] = '\0';
        return len;
    }
    if (e->scheme == AUS_EID_SCHEME_IPN) {
        put(out, cap, &len, "ipn:", 4);
        put_dec(out, cap, &len, e->node);
        put(out, cap, &len, ".", 1);
        put_dec(out, cap, &len, e->service);
    } else if (e->scheme == AUS_EID_SCHEME_DTN && !e->ssp) {
        put(out, cap, &len, "dtn:none", 8);
    } else if (e->scheme == AUS_EID_SCHEME_DTN) {
        put(out, cap, &len, "dtn:", 4);
        put(out, cap, &len, (const char *)e->ssp, e->ssp_len);
    } else {
        put(out, cap, &len, "unknown:", 8);
        put_dec(out, cap, &len, e->scheme);
    }
    if (cap)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}
