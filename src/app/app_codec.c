/* SPDX-License-Identifier: Apache-2.0 */
/* The application protocol's ADU codec (include/australis/app.h).
 *
 * Decoding is strict: deterministic CBOR (RFC 8949 §4.2.1: shortest heads, definite lengths),
 * the exact array shape for the type, bounded counts. Any deviation is refused with a specific
 * error and leaves *msg untouched (we decode into a local copy first).
 */
#include "australis/app.h"

#include <string.h>

#include "australis/cbor.h"

#define CBOR_FLAGS (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF)

int aus_app_is_request(uint8_t type)
{
    return type == AUS_APP_TM_QUERY || type == AUS_APP_CMD || type == AUS_APP_IMG_REQ ||
           type == AUS_APP_REKEY_REQ || type == AUS_APP_FORGET || type == AUS_APP_CMD_AT ||
           type == AUS_APP_TT_LIST || type == AUS_APP_TT_CANCEL || type == AUS_APP_FILE_PUT;
}

const char *aus_app_type_name(uint8_t type)
{
    switch (type) {
    case AUS_APP_TM_QUERY: return "tm-query";
    case AUS_APP_TM_REPORT: return "tm-report";
    case AUS_APP_CMD: return "command";
    case AUS_APP_CMD_RESP: return "command-response";
    case AUS_APP_IMG_REQ: return "image-request";
    case AUS_APP_IMG_INFO: return "image-info";
    case AUS_APP_IMG_CHUNK: return "image-chunk";
    case AUS_APP_REKEY_REQ: return "rekey-request";
    case AUS_APP_REKEY_RESP: return "rekey-response";
    case AUS_APP_FORGET: return "forget";
    case AUS_APP_CMD_AT: return "timed-command";
    case AUS_APP_TT_LIST: return "timed-list";
    case AUS_APP_TT_CANCEL: return "timed-cancel";
    case AUS_APP_FILE_PUT: return "file-put";
    case AUS_APP_FILE_ACK: return "file-ack";
    default: return "unknown";
    }
}

const char *aus_app_status_name(uint32_t status)
{
    switch (status) {
    case AUS_APP_ST_OK: return "ok";
    case AUS_APP_ST_ERROR: return "error";
    case AUS_APP_ST_UNKNOWN: return "unknown";
    case AUS_APP_ST_EXPIRED: return "expired";
    case AUS_APP_ST_INTERRUPTED: return "interrupted";
    default: return "?";
    }
}

/* Number of body items after [version, type, id]. */
static int body_items(uint8_t type)
{
    switch (type) {
    case AUS_APP_TM_QUERY: return 0;
    case AUS_APP_TM_REPORT: return 1;
    case AUS_APP_CMD: return 2;
    case AUS_APP_CMD_RESP: return 3;
    case AUS_APP_IMG_REQ: return 3;
    case AUS_APP_IMG_INFO: return 4;
    case AUS_APP_IMG_CHUNK: return 4;
    case AUS_APP_REKEY_REQ: return 2;
    case AUS_APP_REKEY_RESP: return 3;
    case AUS_APP_FORGET: return 1;
    case AUS_APP_CMD_AT: return 4;
    case AUS_APP_TT_LIST: return 0;
    case AUS_APP_TT_CANCEL: return 1;
    case AUS_APP_FILE_PUT: return 6;
    case AUS_APP_FILE_ACK: return 1;
    default: return -1;
    }
}

static void wr_view(aus_wr *w, aus_app_view v, int text)
{
    if (text)
        aus_cbor_wr_tstr(w, (const char *)v.p, v.n);
    else
        aus_cbor_wr_bstr(w, v.p, v.n);
}

static void wr_ranges(aus_wr *w, const aus_app_msg *m)
{
    aus_cbor_wr_array(w, m->nranges);
    for (size_t i = 0; i < m->nranges; i++) {
        aus_cbor_wr_array(w, 2);
        aus_cbor_wr_uint(w, m->ranges[i].off);
        aus_cbor_wr_uint(w, m->ranges[i].len);
    }
}

static void encode_body(const aus_app_msg *m, aus_wr *w)
{
    switch (m->type) {
    case AUS_APP_TM_REPORT:
        aus_cbor_wr_map(w, m->nkv);
        for (size_t i = 0; i < m->nkv; i++) {
            wr_view(w, m->kv[i].name, 1);
            if (m->kv[i].is_text)
                wr_view(w, m->kv[i].text, 1);
            else
                aus_cbor_wr_int(w, m->kv[i].num);
        }
        break;
    case AUS_APP_CMD:
    case AUS_APP_CMD_AT:
        wr_view(w, m->name, 1);
        aus_cbor_wr_array(w, m->nargs);
        for (size_t i = 0; i < m->nargs; i++)
            wr_view(w, m->args[i], 1);
        if (m->type == AUS_APP_CMD && m->has_defhash) /* optional: docs/dictionary.md */
            aus_cbor_wr_bstr(w, m->defhash, AUS_APP_DEFHASH);
        if (m->type == AUS_APP_CMD_AT) {
            aus_cbor_wr_uint(w, m->at);
            aus_cbor_wr_uint(w, m->tolerance);
        }
        break;
    case AUS_APP_TT_CANCEL: aus_cbor_wr_uint(w, m->offset); break;
    case AUS_APP_FILE_PUT:
        wr_view(w, m->name, 1);
        aus_cbor_wr_uint(w, m->size);
        aus_cbor_wr_bstr(w, m->sha256, AUS_APP_SHA256);
        aus_cbor_wr_uint(w, m->chunk);
        aus_cbor_wr_uint(w, m->offset);
        wr_view(w, m->data, 0);
        break;
    case AUS_APP_FILE_ACK: wr_ranges(w, m); break;
    case AUS_APP_CMD_RESP:
        aus_cbor_wr_uint(w, m->status);
        aus_cbor_wr_int(w, m->exit_code);
        wr_view(w, m->data, 0);
        break;
    case AUS_APP_IMG_REQ:
        wr_view(w, m->name, 1);
        aus_cbor_wr_uint(w, m->chunk);
        wr_ranges(w, m);
        break;
    case AUS_APP_IMG_INFO:
        aus_cbor_wr_uint(w, m->status);
        aus_cbor_wr_uint(w, m->size);
        aus_cbor_wr_bstr(w, m->sha256, AUS_APP_SHA256);
        aus_cbor_wr_uint(w, m->chunk);
        break;
    case AUS_APP_IMG_CHUNK:
        aus_cbor_wr_uint(w, m->offset);
        wr_view(w, m->data, 0);
        aus_cbor_wr_uint(w, m->size);
        aus_cbor_wr_bstr(w, m->sha256, AUS_APP_SHA256);
        break;
    case AUS_APP_REKEY_REQ:
        aus_cbor_wr_uint(w, m->kind);
        wr_view(w, m->data, 0);
        break;
    case AUS_APP_REKEY_RESP:
        aus_cbor_wr_uint(w, m->status);
        aus_cbor_wr_uint(w, m->kind);
        wr_view(w, m->data, 0);
        break;
    case AUS_APP_FORGET: aus_cbor_wr_uint(w, m->offset); break;
    default: break;
    }
}

aus_err aus_app_encode(const aus_app_msg *m, uint8_t *out, size_t cap, size_t *len)
{
    AUS_ENSURE(m != NULL && len != NULL, AUS_E_ARG);
    int items = body_items(m->type);
    AUS_ENSURE(items >= 0 && m->id != 0, AUS_E_ARG);
    AUS_ENSURE(m->nkv <= AUS_APP_MAX_KV && m->nargs <= AUS_APP_MAX_ARGS &&
                   m->nranges <= AUS_APP_MAX_RANGES,
               AUS_E_ARG);
    aus_wr w;
    if (out)
        aus_wr_init(&w, out, cap);
    else
        aus_wr_init_sizer(&w);
    aus_cbor_wr_array(&w, 3u + (size_t)items + (m->type == AUS_APP_CMD && m->has_defhash));
    aus_cbor_wr_uint(&w, AUS_APP_VERSION);
    aus_cbor_wr_uint(&w, m->type);
    aus_cbor_wr_uint(&w, m->id);
    encode_body(m, &w);
    AUS_TRY(w.err);
    *len = aus_wr_len(&w);
    return AUS_OK;
}

static aus_err rd_text(aus_rd *r, aus_app_view *v)
{
    return aus_cbor_rd_tstr(r, CBOR_FLAGS, &v->p, &v->n);
}

static aus_err rd_bytes(aus_rd *r, aus_app_view *v)
{
    return aus_cbor_rd_bstr(r, CBOR_FLAGS, &v->p, &v->n);
}

static aus_err rd_u32(aus_rd *r, uint32_t *v)
{
    uint64_t x;
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &x));
    AUS_ENSURE(x <= UINT32_MAX, AUS_E_LIMIT);
    *v = (uint32_t)x;
    return AUS_OK;
}

static aus_err rd_sha(aus_rd *r, uint8_t sha[AUS_APP_SHA256])
{
    aus_app_view v;
    AUS_TRY(rd_bytes(r, &v));
    AUS_ENSURE(v.n == AUS_APP_SHA256, AUS_E_MALFORMED);
    memcpy(sha, v.p, AUS_APP_SHA256);
    return AUS_OK;
}

static aus_err decode_report(aus_rd *r, aus_app_msg *m)
{
    size_t n;
    AUS_TRY(aus_cbor_rd_map(r, CBOR_FLAGS, &n));
    AUS_ENSURE(n <= AUS_APP_MAX_KV, AUS_E_LIMIT);
    m->nkv = n;
    for (size_t i = 0; i < n; i++) {
        aus_app_kv *kv = &m->kv[i];
        AUS_TRY(rd_text(r, &kv->name));
        int maj = aus_cbor_peek_major(r);
        if (maj == AUS_CBOR_TSTR) {
            kv->is_text = 1;
            AUS_TRY(rd_text(r, &kv->text));
        } else {
            kv->is_text = 0;
            AUS_TRY(aus_cbor_rd_int(r, CBOR_FLAGS, &kv->num));
        }
    }
    return AUS_OK;
}

static aus_err decode_cmd(aus_rd *r, aus_app_msg *m)
{
    size_t n;
    AUS_TRY(rd_text(r, &m->name));
    AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &n));
    AUS_ENSURE(n <= AUS_APP_MAX_ARGS, AUS_E_LIMIT);
    m->nargs = n;
    for (size_t i = 0; i < n; i++)
        AUS_TRY(rd_text(r, &m->args[i]));
    return AUS_OK;
}

static aus_err decode_ranges(aus_rd *r, aus_app_msg *m)
{
    size_t n, two;
    AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &n));
    AUS_ENSURE(n <= AUS_APP_MAX_RANGES, AUS_E_LIMIT);
    m->nranges = n;
    for (size_t i = 0; i < n; i++) {
        AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &two));
        AUS_ENSURE(two == 2, AUS_E_MALFORMED);
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->ranges[i].off));
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->ranges[i].len));
    }
    return AUS_OK;
}

static aus_err decode_img_req(aus_rd *r, aus_app_msg *m)
{
    AUS_TRY(rd_text(r, &m->name));
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->chunk));
    return decode_ranges(r, m);
}

static aus_err decode_file_put(aus_rd *r, aus_app_msg *m)
{
    AUS_TRY(rd_text(r, &m->name));
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->size));
    AUS_TRY(rd_sha(r, m->sha256));
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->chunk));
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->offset));
    return rd_bytes(r, &m->data);
}

static aus_err decode_body(aus_rd *r, aus_app_msg *m)
{
    switch (m->type) {
    case AUS_APP_TM_QUERY: return AUS_OK;
    case AUS_APP_TM_REPORT: return decode_report(r, m);
    case AUS_APP_CMD: return decode_cmd(r, m);
    case AUS_APP_CMD_RESP:
        AUS_TRY(rd_u32(r, &m->status));
        AUS_TRY(aus_cbor_rd_int(r, CBOR_FLAGS, &m->exit_code));
        return rd_bytes(r, &m->data);
    case AUS_APP_IMG_REQ: return decode_img_req(r, m);
    case AUS_APP_IMG_INFO:
        AUS_TRY(rd_u32(r, &m->status));
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->size));
        AUS_TRY(rd_sha(r, m->sha256));
        return aus_cbor_rd_uint(r, CBOR_FLAGS, &m->chunk);
    case AUS_APP_IMG_CHUNK:
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->offset));
        AUS_TRY(rd_bytes(r, &m->data));
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->size));
        return rd_sha(r, m->sha256);
    case AUS_APP_REKEY_REQ: AUS_TRY(rd_u32(r, &m->kind)); return rd_bytes(r, &m->data);
    case AUS_APP_REKEY_RESP:
        AUS_TRY(rd_u32(r, &m->status));
        AUS_TRY(rd_u32(r, &m->kind));
        return rd_bytes(r, &m->data);
    case AUS_APP_FORGET: return aus_cbor_rd_uint(r, CBOR_FLAGS, &m->offset);
    case AUS_APP_CMD_AT:
        AUS_TRY(decode_cmd(r, m));
        AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &m->at));
        return aus_cbor_rd_uint(r, CBOR_FLAGS, &m->tolerance);
    case AUS_APP_TT_LIST: return AUS_OK;
    case AUS_APP_TT_CANCEL: return aus_cbor_rd_uint(r, CBOR_FLAGS, &m->offset);
    case AUS_APP_FILE_PUT: return decode_file_put(r, m);
    case AUS_APP_FILE_ACK: return decode_ranges(r, m);
    default: return AUS_E_UNSUPPORTED;
    }
}

aus_err aus_app_decode(aus_app_msg *msg, const uint8_t *in, size_t len)
{
    static const aus_app_msg zero;
    aus_app_msg m = zero;
    aus_rd r;
    size_t n;
    uint64_t ver, type;
    AUS_ENSURE(msg != NULL && (in != NULL || len == 0), AUS_E_ARG);
    aus_rd_init(&r, in, len);
    AUS_TRY(aus_cbor_rd_array(&r, CBOR_FLAGS, &n));
    AUS_ENSURE(n >= 3, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &ver));
    AUS_ENSURE(ver == AUS_APP_VERSION, AUS_E_UNSUPPORTED);
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &type));
    AUS_ENSURE(type <= 255 && body_items((uint8_t)type) >= 0, AUS_E_UNSUPPORTED);
    m.type = (uint8_t)type;
    /* CMD may carry a 3rd body item, the sender's dictionary definition hash of the command */
    int defh = m.type == AUS_APP_CMD && n == 6;
    AUS_ENSURE(n == 3u + (size_t)body_items(m.type) || defh, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &m.id));
    AUS_ENSURE(m.id != 0, AUS_E_MALFORMED);
    AUS_TRY(decode_body(&r, &m));
    if (defh) {
        aus_app_view v;
        AUS_TRY(rd_bytes(&r, &v));
        AUS_ENSURE(v.n == AUS_APP_DEFHASH, AUS_E_MALFORMED);
        memcpy(m.defhash, v.p, AUS_APP_DEFHASH);
        m.has_defhash = 1;
    }
    AUS_TRY(aus_rd_finish(&r));
    *msg = m;
    return AUS_OK;
}
