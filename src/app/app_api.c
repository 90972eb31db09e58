/* SPDX-License-Identifier: Apache-2.0 */
/* The application interface's codec (include/australis/app_api.h, docs/app-api.md).
 *
 * Decoding is strict like the ADU codec: deterministic CBOR (RFC 8949 §4.2.1: shortest heads,
 * definite lengths), the exact array shape of the type, names checked, counts bounded. A float
 * value is the 9-byte form (RFC 8949 §3.3, additional information 27) only; the daemon keeps it
 * as it came. Nothing is kept on error (the message is zeroed).
 */
#include "australis/app_api.h"

#include <string.h>

#include "australis/cbor.h"

#define CBOR_FLAGS (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF)

int aus_api_name_ok(const uint8_t *p, size_t n)
{
    if (!p || n == 0 || n > AUS_APP_API_NAME_MAX || p[0] == '.' || p[0] == '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

const char *aus_api_type_name(uint8_t type)
{
    switch (type) {
    case AUS_API_REGISTER: return "register";
    case AUS_API_PUBLISH: return "publish";
    case AUS_API_ANSWER: return "answer";
    case AUS_API_OFFER: return "offer";
    case AUS_API_RESULT: return "result";
    case AUS_API_COMMAND: return "command";
    case AUS_API_EVENT: return "event";
    default: return "unknown";
    }
}

static size_t items(uint8_t type)
{
    switch (type) {
    case AUS_API_REGISTER: return 3;
    case AUS_API_PUBLISH: return 3;
    case AUS_API_ANSWER: return 5;
    case AUS_API_OFFER: return 3;
    case AUS_API_RESULT: return 4;
    case AUS_API_COMMAND: return 5;
    case AUS_API_EVENT: return 3;
    default: return 0;
    }
}

/* ---- points ---- */
static int view_ok(const aus_app_view *v) { return v->p != NULL || v->n == 0; }

static aus_err point_check(const aus_api_point *pt)
{
    AUS_ENSURE(aus_api_name_ok(pt->name.p, pt->name.n), AUS_E_ARG);
    AUS_ENSURE(pt->kind <= AUS_API_V_TEXT, AUS_E_ARG);
    if (pt->kind == AUS_API_V_TEXT)
        AUS_ENSURE(view_ok(&pt->text) && pt->text.n <= AUS_APP_API_TEXT_MAX, AUS_E_ARG);
    return AUS_OK;
}

static void wr_point(aus_wr *w, const aus_api_point *pt)
{
    aus_cbor_wr_array(w, 3);
    aus_cbor_wr_tstr(w, (const char *)pt->name.p, pt->name.n);
    if (pt->kind == AUS_API_V_INT)
        aus_cbor_wr_int(w, pt->i);
    else if (pt->kind == AUS_API_V_FLOAT) {
        uint64_t bits;
        memcpy(&bits, &pt->f, sizeof bits);
        aus_wr_u8(w, 0xfb); /* RFC 8949 §3.3: major 7, additional information 27 */
        aus_wr_be64(w, bits);
    } else
        aus_cbor_wr_tstr(w, (const char *)pt->text.p, pt->text.n);
    aus_cbor_wr_uint(w, pt->time_ms);
}

static aus_err rd_name(aus_rd *r, aus_app_view *v)
{
    AUS_TRY(aus_cbor_rd_tstr(r, CBOR_FLAGS, &v->p, &v->n));
    AUS_ENSURE(aus_api_name_ok(v->p, v->n), AUS_E_MALFORMED);
    return AUS_OK;
}

static aus_err rd_point(aus_rd *r, aus_api_point *pt)
{
    size_t n = 0;
    AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &n));
    AUS_ENSURE(n == 3, AUS_E_MALFORMED);
    AUS_TRY(rd_name(r, &pt->name));
    int major = aus_cbor_peek_major(r);
    if (major == AUS_CBOR_UINT || major == AUS_CBOR_NINT) {
        pt->kind = AUS_API_V_INT;
        AUS_TRY(aus_cbor_rd_int(r, CBOR_FLAGS, &pt->i));
    } else if (major == AUS_CBOR_TSTR) {
        pt->kind = AUS_API_V_TEXT;
        AUS_TRY(aus_cbor_rd_tstr(r, CBOR_FLAGS, &pt->text.p, &pt->text.n));
        AUS_ENSURE(pt->text.n <= AUS_APP_API_TEXT_MAX, AUS_E_MALFORMED);
    } else if (major == AUS_CBOR_SIMPLE) {
        aus_cbor_head h;
        AUS_TRY(aus_cbor_rd_head(r, CBOR_FLAGS, &h));
        AUS_ENSURE(h.ai == 27 && !h.brk, AUS_E_MALFORMED);
        pt->kind = AUS_API_V_FLOAT;
        memcpy(&pt->f, &h.val, sizeof pt->f);
    } else
        return aus_rd_fail(r, major < 0 ? AUS_E_TRUNC : AUS_E_MALFORMED);
    return aus_cbor_rd_uint(r, CBOR_FLAGS, &pt->time_ms);
}

aus_err aus_api_point_encode(const aus_api_point *pt, uint8_t *out, size_t cap, size_t *len)
{
    AUS_ENSURE(pt && len, AUS_E_ARG);
    AUS_TRY(point_check(pt));
    aus_wr w;
    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    wr_point(&w, pt);
    *len = aus_wr_len(&w);
    return aus_wr_finish(&w);
}

aus_err aus_api_point_decode(aus_api_point *pt, const uint8_t *in, size_t len)
{
    aus_api_point tmp;
    aus_rd r;
    AUS_ENSURE(pt && in, AUS_E_ARG);
    memset(&tmp, 0, sizeof tmp);
    aus_rd_init(&r, in, len);
    AUS_TRY(rd_point(&r, &tmp));
    AUS_TRY(aus_rd_finish(&r));
    *pt = tmp;
    return AUS_OK;
}

/* ---- socket messages ---- */
static aus_err check_msg(const aus_api_msg *m)
{
    switch (m->type) {
    case AUS_API_REGISTER:
    case AUS_API_OFFER: AUS_ENSURE(aus_api_name_ok(m->name.p, m->name.n), AUS_E_ARG); break;
    case AUS_API_PUBLISH:
        AUS_ENSURE(m->npoints <= AUS_APP_API_MAX_POINTS, AUS_E_ARG);
        for (size_t i = 0; i < m->npoints; i++)
            AUS_TRY(point_check(&m->points[i]));
        break;
    case AUS_API_ANSWER: AUS_ENSURE(view_ok(&m->text), AUS_E_ARG); break;
    case AUS_API_RESULT:
    case AUS_API_EVENT:
        AUS_ENSURE(view_ok(&m->text) && m->text.n <= AUS_APP_API_TEXT_MAX, AUS_E_ARG);
        break;
    case AUS_API_COMMAND:
        AUS_ENSURE(aus_api_name_ok(m->name.p, m->name.n) && m->nargs <= AUS_APP_MAX_ARGS,
                   AUS_E_ARG);
        for (size_t i = 0; i < m->nargs; i++)
            AUS_ENSURE(view_ok(&m->args[i]), AUS_E_ARG);
        break;
    default: return AUS_E_ARG;
    }
    return AUS_OK;
}

static void wr_msg(aus_wr *w, const aus_api_msg *m)
{
    aus_cbor_wr_array(w, items(m->type));
    aus_cbor_wr_uint(w, m->type);
    switch (m->type) {
    case AUS_API_REGISTER:
    case AUS_API_OFFER:
        aus_cbor_wr_uint(w, m->seq);
        aus_cbor_wr_tstr(w, (const char *)m->name.p, m->name.n);
        break;
    case AUS_API_PUBLISH:
        aus_cbor_wr_uint(w, m->seq);
        aus_cbor_wr_array(w, m->npoints);
        for (size_t i = 0; i < m->npoints; i++)
            wr_point(w, &m->points[i]);
        break;
    case AUS_API_ANSWER:
        aus_cbor_wr_uint(w, m->seq);
        aus_cbor_wr_uint(w, m->cmd_id);
        aus_cbor_wr_int(w, m->code);
        aus_cbor_wr_bstr(w, m->text.p, m->text.n);
        break;
    case AUS_API_RESULT:
        aus_cbor_wr_uint(w, m->seq);
        aus_cbor_wr_int(w, m->code);
        aus_cbor_wr_tstr(w, (const char *)m->text.p, m->text.n);
        break;
    case AUS_API_COMMAND:
        aus_cbor_wr_uint(w, m->cmd_id);
        aus_cbor_wr_tstr(w, (const char *)m->name.p, m->name.n);
        aus_cbor_wr_array(w, m->nargs);
        for (size_t i = 0; i < m->nargs; i++)
            aus_cbor_wr_tstr(w, (const char *)m->args[i].p, m->args[i].n);
        aus_cbor_wr_uint(w, m->deadline_ms);
        break;
    case AUS_API_EVENT:
        aus_cbor_wr_uint(w, m->kind);
        aus_cbor_wr_tstr(w, (const char *)m->text.p, m->text.n);
        break;
    default: break;
    }
}

aus_err aus_api_encode(const aus_api_msg *msg, uint8_t *out, size_t cap, size_t *len)
{
    AUS_ENSURE(msg && len, AUS_E_ARG);
    AUS_TRY(check_msg(msg));
    aus_wr w;
    aus_wr_init_sizer(&w);
    wr_msg(&w, msg);
    size_t body = aus_wr_len(&w);
    AUS_ENSURE(body <= AUS_APP_API_FRAME_MAX, AUS_E_ARG);
    *len = body + 4;
    if (!out)
        return AUS_OK;
    aus_wr_init(&w, out, cap);
    aus_wr_be32(&w, (uint32_t)body);
    wr_msg(&w, msg);
    return aus_wr_finish(&w);
}

aus_err aus_api_frame(const uint8_t *in, size_t len, size_t *frame_len)
{
    AUS_ENSURE(frame_len && (in || len == 0), AUS_E_ARG);
    if (len < 4)
        return AUS_E_AGAIN;
    uint32_t n = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
    AUS_ENSURE(n > 0 && n <= AUS_APP_API_FRAME_MAX, AUS_E_LIMIT);
    if (len - 4 < n)
        return AUS_E_AGAIN;
    *frame_len = (size_t)n + 4;
    return AUS_OK;
}

static aus_err rd_body(aus_rd *r, aus_api_msg *m)
{
    size_t n = 0;
    switch (m->type) {
    case AUS_API_REGISTER:
    case AUS_API_OFFER:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->seq));
        return rd_name(r, &m->name);
    case AUS_API_PUBLISH:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->seq));
        AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &n));
        AUS_ENSURE(n <= AUS_APP_API_MAX_POINTS, AUS_E_LIMIT);
        m->npoints = n;
        for (size_t i = 0; i < n; i++)
            AUS_TRY(rd_point(r, &m->points[i]));
        return AUS_OK;
    case AUS_API_ANSWER:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->seq));
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->cmd_id));
        AUS_TRY(aus_cbor_rd_int(r, CBOR_FLAGS, &m->code));
        return aus_cbor_rd_bstr(r, CBOR_FLAGS, &m->text.p, &m->text.n);
    case AUS_API_RESULT:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->seq));
        AUS_TRY(aus_cbor_rd_int(r, CBOR_FLAGS, &m->code));
        AUS_TRY(aus_cbor_rd_tstr(r, CBOR_FLAGS, &m->text.p, &m->text.n));
        AUS_ENSURE(m->text.n <= AUS_APP_API_TEXT_MAX, AUS_E_MALFORMED);
        return AUS_OK;
    case AUS_API_COMMAND:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->cmd_id));
        AUS_TRY(rd_name(r, &m->name));
        AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &n));
        AUS_ENSURE(n <= AUS_APP_MAX_ARGS, AUS_E_LIMIT);
        m->nargs = n;
        for (size_t i = 0; i < n; i++)
            AUS_TRY(aus_cbor_rd_tstr(r, CBOR_FLAGS, &m->args[i].p, &m->args[i].n));
        return aus_cbor_rd_uint(r, CBOR_FLAGS, &m->deadline_ms);
    case AUS_API_EVENT:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->kind));
        AUS_TRY(aus_cbor_rd_tstr(r, CBOR_FLAGS, &m->text.p, &m->text.n));
        AUS_ENSURE(m->text.n <= AUS_APP_API_TEXT_MAX, AUS_E_MALFORMED);
        return AUS_OK;
    default: return AUS_E_UNSUPPORTED;
    }
}

aus_err aus_api_decode(aus_api_msg *msg, const uint8_t *body, size_t len)
{
    aus_rd r;
    size_t n = 0;
    uint64_t type = 0;
    AUS_ENSURE(msg && body, AUS_E_ARG);
    memset(msg, 0, sizeof *msg);
    aus_rd_init(&r, body, len);
    aus_err e = aus_cbor_rd_array(&r, CBOR_FLAGS, &n);
    if (e == AUS_OK)
        e = aus_cbor_rd_uint(&r, CBOR_FLAGS, &type);
    if (e == AUS_OK && (type > 0xff || items((uint8_t)type) == 0))
        e = AUS_E_UNSUPPORTED;
    if (e == AUS_OK && n != items((uint8_t)type))
        e = AUS_E_MALFORMED;
    if (e == AUS_OK) {
        msg->type = (uint8_t)type;
        e = rd_body(&r, msg);
    }
    if (e == AUS_OK)
        e = aus_rd_finish(&r);
    if (e != AUS_OK)
        memset(msg, 0, sizeof *msg); /* nothing kept on error */
    return e;
}

/* ---- the points ADU ---- */
int aus_app_is_points(const uint8_t *adu, size_t len)
{
    /* 0x85 = array(5), 0x01 = version 1, 0x18 0x20 = uint 32 */
    return adu && len >= 4 && adu[0] == 0x85 && adu[1] == 0x01 && adu[2] == 0x18 &&
           adu[3] == AUS_APP_TM_POINTS;
}

aus_err aus_app_points_encode(uint64_t batch_id, uint64_t dropped, const aus_api_point *pts,
                              size_t npts, uint8_t *out, size_t cap, size_t *len)
{
    AUS_ENSURE(len && batch_id != 0 && npts <= AUS_APP_API_MAX_POINTS && (pts || npts == 0),
               AUS_E_ARG);
    for (size_t i = 0; i < npts; i++)
        AUS_TRY(point_check(&pts[i]));
    aus_wr w;
    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    aus_cbor_wr_array(&w, 5);
    aus_cbor_wr_uint(&w, AUS_APP_VERSION);
    aus_cbor_wr_uint(&w, AUS_APP_TM_POINTS);
    aus_cbor_wr_uint(&w, batch_id);
    aus_cbor_wr_uint(&w, dropped);
    aus_cbor_wr_array(&w, npts);
    for (size_t i = 0; i < npts; i++)
        wr_point(&w, &pts[i]);
    *len = aus_wr_len(&w);
    return aus_wr_finish(&w);
}

aus_err aus_app_points_decode(const uint8_t *adu, size_t len, uint64_t *batch_id, uint64_t *dropped,
                              aus_api_point *pts, size_t cap, size_t *npts)
{
    aus_rd r;
    size_t n = 0;
    uint64_t v = 0, type = 0, id = 0, drop = 0;
    AUS_ENSURE(adu && batch_id && dropped && npts && (pts || cap == 0), AUS_E_ARG);
    aus_rd_init(&r, adu, len);
    AUS_TRY(aus_cbor_rd_array(&r, CBOR_FLAGS, &n));
    AUS_ENSURE(n == 5, AUS_E_UNSUPPORTED);
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &v));
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &type));
    AUS_ENSURE(v == AUS_APP_VERSION && type == AUS_APP_TM_POINTS, AUS_E_UNSUPPORTED);
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &id));
    AUS_ENSURE(id != 0, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &drop));
    AUS_TRY(aus_cbor_rd_array(&r, CBOR_FLAGS, &n));
    AUS_ENSURE(n <= AUS_APP_API_MAX_POINTS && n <= cap, AUS_E_LIMIT);
    for (size_t i = 0; i < n; i++) {
        memset(&pts[i], 0, sizeof pts[i]);
        AUS_TRY(rd_point(&r, &pts[i]));
    }
    AUS_TRY(aus_rd_finish(&r));
    *batch_id = id;
    *dropped = drop;
    *npts = n;
    return AUS_OK;
}
