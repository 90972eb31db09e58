/* SPDX-License-Identifier: Apache-2.0 */
/* The satellite side of the application protocol: exactly-once request handling
 * (include/australis/app.h).
 *
 * Request record in the store, key "app/<tenant>/req/<id as 16 hex>", value:
 *   [state u8][response ADU ...]
 *
 *   state      meaning                                   on a duplicate request
 *   (absent)   never seen                                run it (record in the same txn)
 *   STARTED    external command marked, not finished     answer INTERRUPTED (recover())
 *   DONE       finished; response cached                 re-send the cached response
 *
 * Transitions: absent -> DONE (store-only commands, one transaction with the effect);
 * absent -> STARTED -> DONE (external commands: STARTED committed before running);
 * STARTED -> DONE(INTERRUPTED) by aus_app_sat_recover() after a restart.
 * Telemetry and image requests are reads: they are answered afresh each time.
 * FORGET(low) deletes DONE records below low and raises the mark "app/<tenant>/low"; any
 * request below the mark is dropped unanswered (the ground already has its answer).
 */
#include <string.h>

#include "australis/app.h"
#include "australis/base.h"

#define ST_STARTED 1u
#define ST_DONE 2u
#define PARAM_NAME_MAX 32u
#define PARAM_VALUE_MAX 256u

/* Scratch buffers live in a per-call frame on the stack only for small items; the response
 * record needs AUS_APP_OUTPUT_MAX + framing, kept here in static storage would break
 * re-entrancy, so callers own it through this frame struct. */
typedef struct sat_frame {
    uint8_t out[AUS_APP_OUTPUT_MAX];
    uint8_t rec[AUS_APP_OUTPUT_MAX + 64];
} sat_frame;

/* The keys of this file (but param/, below): "app/<tenant>/<what>", then nids numbers as 16 hex
 * digits, "/" between them (fixed width: key order is numeric order). */
static void app_key(const aus_app_sat *s, char key[AUS_STORE_KEY_MAX], const char *what, int nids,
                    uint64_t a, uint64_t b)
{
    aus_key k;
    aus_key_init(&k, "app/");
    aus_key_str(&k, s->tenant);
    aus_key_str(&k, "/");
    aus_key_str(&k, what);
    if (nids > 0)
        aus_key_hex(&k, a, 16);
    if (nids > 1) {
        aus_key_str(&k, "/");
        aus_key_hex(&k, b, 16);
    }
    memcpy(key, k.s, sizeof k.s);
}

static void req_key(const aus_app_sat *s, uint64_t id, char key[AUS_STORE_KEY_MAX])
{
    app_key(s, key, "req/", 1, id, 0);
}

static void low_key(const aus_app_sat *s, char key[AUS_STORE_KEY_MAX])
{
    app_key(s, key, "low", 0, 0, 0);
}

static int view_eq(const aus_app_view *v, const char *s)
{
    size_t n = strlen(s);
    return v->n == n && memcmp(v->p, s, n) == 0;
}

static aus_err param_key(const aus_app_sat *s, const aus_app_view *name,
                         char key[AUS_STORE_KEY_MAX])
{
    AUS_ENSURE(name->n > 0 && name->n <= PARAM_NAME_MAX, AUS_E_ARG);
    for (size_t i = 0; i < name->n; i++) {
        uint8_t c = name->p[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        AUS_ENSURE(ok, AUS_E_ARG);
    }
    aus_key k;
    aus_key_init(&k, "app/");
    aus_key_str(&k, s->tenant);
    aus_key_str(&k, "/param/");
    aus_key_add(&k, name->p, name->n);
    memcpy(key, k.s, sizeof k.s);
    return AUS_OK;
}

static size_t out_text(uint8_t *out, size_t cap, size_t at, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n && at < cap; i++)
        out[at++] = b[i];
    return at;
}

static aus_err cmd_ping(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                        int64_t *exit_code)
{
    (void)ctx;
    size_t at = out_text(out, cap, 0, "pong", 4);
    for (size_t i = 0; i < req->nargs; i++) {
        at = out_text(out, cap, at, " ", 1);
        at = out_text(out, cap, at, req->args[i].p, req->args[i].n);
    }
    *outlen = at;
    *exit_code = 0;
    return AUS_OK;
}

static aus_err cmd_get(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                       int64_t *exit_code)
{
    aus_app_sat *s = ctx;
    char key[AUS_STORE_KEY_MAX];
    AUS_ENSURE(req->nargs == 1, AUS_E_ARG);
    AUS_TRY(param_key(s, &req->args[0], key));
    size_t n = 0;
    aus_err e = s->store->ops->get(s->store->self, key, out, cap, &n);
    if (e == AUS_E_NOTFOUND) {
        static const char msg[] = "no such parameter";
        *outlen = out_text(out, cap, 0, msg, sizeof msg - 1);
        *exit_code = 1;
        return AUS_OK;
    }
    AUS_TRY(e);
    *outlen = n;
    *exit_code = 0;
    return AUS_OK;
}

static aus_err cmd_set(void *ctx, const aus_app_msg *req, uint8_t *out, size_t cap, size_t *outlen,
                       int64_t *exit_code)
{
    aus_app_sat *s = ctx;
    char key[AUS_STORE_KEY_MAX];
    AUS_ENSURE(req->nargs == 2 && req->args[1].n <= PARAM_VALUE_MAX, AUS_E_ARG);
    AUS_TRY(param_key(s, &req->args[0], key));
    AUS_TRY(s->store->ops->put(s->store->self, key, req->args[1].p, req->args[1].n));
    size_t at = out_text(out, cap, 0, req->args[0].p, req->args[0].n);
    at = out_text(out, cap, at, "=", 1);
    *outlen = out_text(out, cap, at, req->args[1].p, req->args[1].n);
    *exit_code = 0;
    return AUS_OK;
}

aus_err aus_app_sat_init(aus_app_sat *s, const aus_store *store, const aus_app_sat_ops *ops,
                         const char *tenant, uint32_t max_chunk)
{
    AUS_ENSURE(s && store && ops && ops->emit && tenant, AUS_E_ARG);
    size_t tl = strlen(tenant);
    AUS_ENSURE(tl > 0 && tl < sizeof s->tenant, AUS_E_ARG);
    memset(s, 0, sizeof *s);
    s->store = store;
    s->ops = *ops;
    memcpy(s->tenant, tenant, tl + 1);
    s->max_chunk = max_chunk ? max_chunk : 65536u;
    static const char *const names[] = {"ping", "get", "set"};
    static const aus_app_cmd_fn fns[] = {cmd_ping, cmd_get, cmd_set};
    for (size_t i = 0; i < 3; i++) {
        aus_app_cmd c = {names[i], fns[i], s, 0};
        AUS_TRY(aus_app_sat_register(s, &c));
    }
    return AUS_OK;
}

void aus_app_sat_set_check(aus_app_sat *s, aus_app_check_fn fn, void *ctx)
{
    if (s) {
        s->check = fn;
        s->check_ctx = ctx;
    }
}

aus_err aus_app_sat_register(aus_app_sat *s, const aus_app_cmd *cmd)
{
    AUS_ENSURE(s && cmd && cmd->name && cmd->fn, AUS_E_ARG);
    for (size_t i = 0; i < s->ncmds; i++)
        AUS_ENSURE(strcmp(s->cmds[i].name, cmd->name) != 0, AUS_E_ARG);
    AUS_ENSURE(s->ncmds < AUS_APP_MAX_CMDS, AUS_E_FULL);
    s->cmds[s->ncmds++] = *cmd;
    return AUS_OK;
}

static const aus_app_cmd *find_cmd(const aus_app_sat *s, const aus_app_view *name)
{
    for (size_t i = 0; i < s->ncmds; i++)
        if (view_eq(name, s->cmds[i].name))
            return &s->cmds[i];
    return NULL;
}

/* Encode a response, emit it, and (for cached kinds) record it as DONE. */
static aus_err respond(aus_app_sat *s, const aus_app_msg *resp, int cache, sat_frame *f)
{
    size_t n = 0;
    AUS_TRY(aus_app_encode(resp, f->rec + 1, sizeof f->rec - 1, &n));
    if (cache) {
        char key[AUS_STORE_KEY_MAX];
        req_key(s, resp->id, key);
        f->rec[0] = ST_DONE;
        AUS_TRY(s->store->ops->put(s->store->self, key, f->rec, n + 1));
    }
    return s->ops.emit(s->ops.ctx, f->rec + 1, n);
}

static aus_err cmd_response(aus_app_sat *s, const aus_app_msg *req, uint32_t status,
                            const uint8_t *out, size_t outlen, int64_t code, sat_frame *f)
{
    static const aus_app_msg zero;
    aus_app_msg r = zero;
    r.type = req->type == AUS_APP_REKEY_REQ ? AUS_APP_REKEY_RESP : AUS_APP_CMD_RESP;
    r.id = req->id;
    r.status = status;
    r.kind = req->kind;
    r.exit_code = code;
    r.data.p = out;
    r.data.n = outlen;
    return respond(s, &r, 1, f);
}

static aus_err error_text(aus_app_sat *s, const aus_app_msg *req, uint32_t status, const char *t,
                          sat_frame *f)
{
    return cmd_response(s, req, status, (const uint8_t *)t, strlen(t), -1, f);
}

static aus_err run_cmd(aus_app_sat *s, const aus_app_msg *req, const aus_app_cmd *c, sat_frame *f)
{
    size_t outlen = 0;
    int64_t code = 0;
    aus_err e = c->fn(c->ctx, req, f->out, sizeof f->out, &outlen, &code);
    if (e == AUS_E_IO || e == AUS_E_INTERNAL)
        return e; /* a store failure: roll back, the file is retried */
    s->executed++;
    if (e == AUS_E_AGAIN) /* started, then its runner (an application) went away or timed out */
        return cmd_response(s, req, AUS_APP_ST_INTERRUPTED, f->out, outlen, -1, f);
    if (e != AUS_OK && outlen > 0) /* refused, with the command's own sentence */
        return cmd_response(s, req, AUS_APP_ST_ERROR, f->out, outlen, -1, f);
    if (e != AUS_OK)
        return error_text(s, req, AUS_APP_ST_ERROR, aus_err_str(e), f);
    return cmd_response(s, req, AUS_APP_ST_OK, f->out, outlen, code, f);
}

static aus_err do_tm(aus_app_sat *s, const aus_app_msg *req, sat_frame *f)
{
    static const aus_app_msg zero;
    aus_app_msg r = zero;
    r.type = AUS_APP_TM_REPORT;
    r.id = req->id;
    r.nkv = s->ops.health ? s->ops.health(s->ops.ctx, r.kv, AUS_APP_MAX_KV) : 0;
    AUS_ENSURE(r.nkv <= AUS_APP_MAX_KV, AUS_E_INTERNAL);
    return respond(s, &r, 0, f);
}

static aus_err emit_chunk(aus_app_sat *s, const aus_app_msg *req, const aus_app_msg *info,
                          uint64_t off, uint64_t len, sat_frame *f)
{
    static const aus_app_msg zero;
    aus_app_msg c = zero;
    c.type = AUS_APP_IMG_CHUNK;
    c.id = req->id;
    c.offset = off;
    c.size = info->size;
    memcpy(c.sha256, info->sha256, AUS_APP_SHA256);
    AUS_ENSURE(len <= sizeof f->out, AUS_E_LIMIT);
    AUS_TRY(s->ops.file_read(s->ops.ctx, &req->name, off, f->out, (size_t)len));
    c.data.p = f->out;
    c.data.n = (size_t)len;
    return respond(s, &c, 0, f);
}

static aus_err do_image(aus_app_sat *s, const aus_app_msg *req, sat_frame *f)
{
    static const aus_app_msg zero;
    aus_app_msg info = zero;
    info.type = AUS_APP_IMG_INFO;
    info.id = req->id;
    uint64_t chunk = req->chunk ? req->chunk : 4096u;
    if (chunk > s->max_chunk)
        chunk = s->max_chunk;
    if (chunk > sizeof f->out)
        chunk = sizeof f->out;
    info.chunk = chunk;
    aus_err e = s->ops.file_info && s->ops.file_read
                    ? s->ops.file_info(s->ops.ctx, &req->name, &info.size, info.sha256)
                    : AUS_E_NOTFOUND;
    if (e != AUS_OK) {
        info.status = e == AUS_E_NOTFOUND ? AUS_APP_ST_UNKNOWN : AUS_APP_ST_ERROR;
        return respond(s, &info, 0, f);
    }
    AUS_TRY(respond(s, &info, 0, f));
    aus_app_range all = {0, info.size};
    size_t nr = req->nranges ? req->nranges : 1;
    unsigned sent = 0;
    for (size_t i = 0; i < nr && sent < AUS_APP_MAX_CHUNKS_PER_REQ; i++) {
        const aus_app_range *rg = req->nranges ? &req->ranges[i] : &all;
        /* Chunks are aligned to the chunk size so that a resumed download's ranges line up. */
        uint64_t start = rg->off - rg->off % chunk;
        uint64_t end = rg->len > info.size - (rg->off < info.size ? rg->off : info.size)
                           ? info.size
                           : rg->off + rg->len;
        for (uint64_t off = start; off < end && sent < AUS_APP_MAX_CHUNKS_PER_REQ; off += chunk) {
            uint64_t len = info.size - off < chunk ? info.size - off : chunk;
            AUS_TRY(emit_chunk(s, req, &info, off, len, f));
            sent++;
        }
    }
    return AUS_OK;
}

static aus_err do_rekey(aus_app_sat *s, const aus_app_msg *req, sat_frame *f)
{
    size_t outlen = 0;
    if (!s->ops.rekey)
        return error_text(s, req, AUS_APP_ST_ERROR, "rekey not available on this node", f);
    aus_err e = s->ops.rekey(s->ops.ctx, req->kind, req->data.p, req->data.n, f->out, sizeof f->out,
                             &outlen);
    if (e == AUS_E_IO)
        return e;
    if (e != AUS_OK)
        return error_text(s, req, AUS_APP_ST_ERROR, aus_err_str(e), f);
    return cmd_response(s, req, AUS_APP_ST_OK, f->out, outlen, 0, f);
}

/* Look up the exactly-once record: 1 if handled (duplicate answered), 0 if new. */
static int dup_answer(aus_app_sat *s, const aus_app_msg *req, sat_frame *f, aus_err *err)
{
    char key[AUS_STORE_KEY_MAX];
    size_t n = 0;
    req_key(s, req->id, key);
    aus_err e = s->store->ops->get(s->store->self, key, f->rec, sizeof f->rec, &n);
    if (e == AUS_E_NOTFOUND)
        return 0;
    s->duplicates++;
    if (e != AUS_OK) {
        *err = e;
        return 1;
    }
    if (n > 1 && f->rec[0] == ST_DONE)
        *err = s->ops.emit(s->ops.ctx, f->rec + 1, n - 1);
    else
        *err = AUS_OK; /* STARTED: the recovery answers it; never run twice */
    return 1;
}

static aus_err handle_cmd(aus_app_sat *s, const aus_app_msg *req, int expired, int *pending,
                          sat_frame *f)
{
    const aus_app_cmd *c = find_cmd(s, &req->name);
    if (expired)
        return error_text(s, req, AUS_APP_ST_EXPIRED, "request expired before it arrived", f);
    if (s->check) { /* the tenant dictionary, before anything runs or is marked started */
        size_t n = 0;
        if (s->check(s->check_ctx, req, f->out, sizeof f->out, &n) != AUS_OK)
            return cmd_response(s, req, AUS_APP_ST_ERROR, f->out, n < sizeof f->out ? n : 0, -1, f);
    }
    if (!c)
        return error_text(s, req, AUS_APP_ST_UNKNOWN, "no such command", f);
    if (c->flags & AUS_APP_CMD_EXTERNAL) {
        char key[AUS_STORE_KEY_MAX];
        uint8_t mark = ST_STARTED;
        req_key(s, req->id, key);
        AUS_TRY(s->store->ops->put(s->store->self, key, &mark, 1));
        *pending = 1;
        return AUS_OK;
    }
    return run_cmd(s, req, c, f);
}

static aus_err tt_schedule(aus_app_sat *s, const aus_app_msg *req, const uint8_t *adu, size_t len,
                           sat_frame *f);
static aus_err tt_list(aus_app_sat *s, const aus_app_msg *req, sat_frame *f);
static aus_err up_handle(aus_app_sat *s, const aus_app_msg *req, sat_frame *f);
static aus_err tt_cancel(aus_app_sat *s, const aus_app_msg *req, sat_frame *f);

aus_err aus_app_sat_handle(aus_app_sat *s, const uint8_t *adu, size_t len, int expired,
                           int *pending_external)
{
    aus_app_msg req;
    sat_frame f;
    aus_err e = AUS_OK;
    AUS_ENSURE(s && pending_external, AUS_E_ARG);
    *pending_external = 0;
    AUS_TRY(aus_app_decode(&req, adu, len));
    AUS_ENSURE(aus_app_is_request(req.type), AUS_E_UNSUPPORTED);
    if (req.type != AUS_APP_FORGET) {
        /* below the forgotten mark the ground has every answer: a copy of such a request still
         * in the pipeline (a second re-send that arrived late) must never run again */
        char key[AUS_STORE_KEY_MAX];
        uint64_t low = 0;
        low_key(s, key);
        aus_err le = aus_store_get_u64(s->store, key, &low);
        AUS_ENSURE(le == AUS_OK || le == AUS_E_NOTFOUND, le);
        if (le == AUS_OK && req.id < low) {
            s->duplicates++;
            return AUS_OK;
        }
    }
    switch (req.type) {
    /* an expired read is answered too (a command-response with status EXPIRED), so the
     * ground stops asking; it plays the role of an RFC 9171 §6.1.1 "lifetime expired"
     * status report, inside the tenant's protected traffic */
    case AUS_APP_TM_QUERY:
        return expired ? error_text(s, &req, AUS_APP_ST_EXPIRED, "request expired", &f)
                       : do_tm(s, &req, &f);
    case AUS_APP_IMG_REQ:
        return expired ? error_text(s, &req, AUS_APP_ST_EXPIRED, "request expired", &f)
                       : do_image(s, &req, &f);
    case AUS_APP_CMD:
        if (dup_answer(s, &req, &f, &e))
            return e;
        return handle_cmd(s, &req, expired, pending_external, &f);
    case AUS_APP_REKEY_REQ:
        if (dup_answer(s, &req, &f, &e))
            return e;
        if (expired)
            return error_text(s, &req, AUS_APP_ST_EXPIRED, "request expired before it arrived", &f);
        return do_rekey(s, &req, &f);
    case AUS_APP_FORGET: {
        long k = aus_app_sat_forget(s, req.offset);
        return k < 0 ? (aus_err)k : AUS_OK;
    }
    case AUS_APP_CMD_AT:
        if (dup_answer(s, &req, &f, &e))
            return e; /* scheduled, or done: the schedule answers it once */
        if (expired)
            return error_text(s, &req, AUS_APP_ST_EXPIRED, "request expired before it arrived", &f);
        return tt_schedule(s, &req, adu, len, &f);
    case AUS_APP_TT_LIST: return tt_list(s, &req, &f);
    case AUS_APP_FILE_PUT:
        if (dup_answer(s, &req, &f, &e))
            return e; /* stored already: its answer again */
        return up_handle(s, &req, &f);
    case AUS_APP_TT_CANCEL:
        if (dup_answer(s, &req, &f, &e))
            return e;
        return tt_cancel(s, &req, &f);
    default: return AUS_E_UNSUPPORTED;
    }
}

long aus_app_sat_forget(aus_app_sat *s, uint64_t low_id)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    char limit[AUS_STORE_KEY_MAX];
    sat_frame f;
    long count = 0;
    AUS_ENSURE(s != NULL, AUS_E_ARG);
    app_key(s, prefix, "req/", 0, 0, 0);
    /* the mark only moves up; requests below it are refused from now on */
    uint64_t cur = 0;
    low_key(s, limit);
    aus_err le = aus_store_get_u64(s->store, limit, &cur);
    AUS_ENSURE(le == AUS_OK || le == AUS_E_NOTFOUND, le);
    if (le == AUS_E_NOTFOUND || low_id > cur)
        AUS_TRY(aus_store_put_u64(s->store, limit, low_id));
    req_key(s, low_id, limit);
    /* fixed-width hex ids: key order is id order, so stop at the first key >= limit */
    while (s->store->ops->next(s->store->self, prefix, key, next, sizeof next) == AUS_OK &&
           strcmp(next, limit) < 0) {
        memcpy(key, next, sizeof key);
        size_t n = 0;
        AUS_TRY(s->store->ops->get(s->store->self, key, f.rec, sizeof f.rec, &n));
        if (n < 1 || f.rec[0] != ST_DONE)
            continue; /* a started command keeps its mark until recovery answers it */
        AUS_TRY(s->store->ops->del(s->store->self, key));
        count++;
    }
    return count;
}

aus_err aus_app_sat_finish(aus_app_sat *s, const uint8_t *adu, size_t len)
{
    aus_app_msg req;
    sat_frame f;
    AUS_ENSURE(s != NULL, AUS_E_ARG);
    AUS_TRY(aus_app_decode(&req, adu, len));
    AUS_ENSURE(req.type == AUS_APP_CMD || req.type == AUS_APP_CMD_AT, AUS_E_STATE);
    const aus_app_cmd *c = find_cmd(s, &req.name);
    AUS_ENSURE(c != NULL, AUS_E_STATE);
    return run_cmd(s, &req, c, &f);
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

long aus_app_sat_recover(aus_app_sat *s)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX] = "";
    sat_frame f;
    long count = 0;
    AUS_ENSURE(s != NULL, AUS_E_ARG);
    app_key(s, prefix, "req/", 0, 0, 0);
    size_t at = strlen(prefix);
    for (;;) {
        char next[AUS_STORE_KEY_MAX];
        aus_err e = s->store->ops->next(s->store->self, prefix, key, next, sizeof next);
        if (e == AUS_E_NOTFOUND)
            break;
        AUS_TRY(e);
        memcpy(key, next, sizeof key);
        size_t n = 0;
        AUS_TRY(s->store->ops->get(s->store->self, key, f.rec, sizeof f.rec, &n));
        if (n != 1 || f.rec[0] != ST_STARTED)
            continue;
        uint64_t id = 0;
        const char *h = key + at;
        for (size_t i = 0; h[i]; i++) {
            int v = hexv(h[i]);
            AUS_ENSURE(v >= 0 && i < 16, AUS_E_MALFORMED);
            id = (id << 4) | (uint64_t)v;
        }
        static const aus_app_msg zero;
        aus_app_msg req = zero;
        req.type = AUS_APP_CMD;
        req.id = id;
        AUS_TRY(error_text(s, &req, AUS_APP_ST_INTERRUPTED,
                           "interrupted by a restart: ran at most once, outcome unknown", &f));
        count++;
    }
    return count;
}

/* ---- time-tagged commands ----
 * A CMD_AT is recorded SCHEDULED under its request id (so a copy of it never schedules it
 * twice) and its ADU kept under "app/<tenant>/tt/<at, 16 hex>/<id, 16 hex>": key order is time
 * order. aus_app_sat_due() takes the earliest entry whose time has come, in the caller's
 * transaction: deleted, and run as an immediate command would be (store-only: run and answered
 * in that transaction; external: STARTED, run after the commit by aus_app_sat_finish()), or,
 * when reached more than `tolerance` ms late (the satellite was off, the store was busy),
 * answered EXPIRED without running. TT_CANCEL answers a waiting one "cancelled" instead.
 *
 *   state of id   event                        next
 *   (absent)      CMD_AT                       SCHEDULED  entry kept; no answer yet
 *   SCHEDULED     CMD_AT again (a re-send)     SCHEDULED  nothing
 *   SCHEDULED     due, on time                 DONE (store-only) / STARTED (external)
 *   SCHEDULED     due, late beyond tolerance   DONE       EXPIRED, not run
 *   SCHEDULED     TT_CANCEL                    DONE       ERROR "cancelled before it ran"
 *   DONE/STARTED  TT_CANCEL                    same       the cancel answered exit 1 */
#define ST_SCHEDULED 3u

static void tt_prefix(const aus_app_sat *s, char key[AUS_STORE_KEY_MAX])
{
    app_key(s, key, "tt/", 0, 0, 0);
}

static void tt_key(const aus_app_sat *s, uint64_t at_ms, uint64_t id, char key[AUS_STORE_KEY_MAX])
{
    app_key(s, key, "tt/", 2, at_ms, id);
}

static aus_err tt_schedule(aus_app_sat *s, const aus_app_msg *req, const uint8_t *adu, size_t len,
                           sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t mark = ST_SCHEDULED;
    if (!find_cmd(s, &req->name))
        return error_text(s, req, AUS_APP_ST_UNKNOWN, "no such command", f);
    if (s->check) { /* the tenant dictionary: refused at once, not at its time */
        size_t n = 0;
        if (s->check(s->check_ctx, req, f->out, sizeof f->out, &n) != AUS_OK)
            return cmd_response(s, req, AUS_APP_ST_ERROR, f->out, n < sizeof f->out ? n : 0, -1, f);
    }
    tt_key(s, req->at, req->id, key);
    AUS_TRY(s->store->ops->put(s->store->self, key, adu, len));
    req_key(s, req->id, key);
    return s->store->ops->put(s->store->self, key, &mark, 1);
}

/* The next entry under the schedule's prefix after `after` ("" = the first): its key in
 * `key`, its ADU decoded into m (views into f->rec). AUS_E_NOTFOUND at the end. */
static aus_err tt_next(aus_app_sat *s, const char *after, char key[AUS_STORE_KEY_MAX],
                       aus_app_msg *m, sat_frame *f)
{
    char prefix[AUS_STORE_KEY_MAX];
    size_t n = 0;
    tt_prefix(s, prefix);
    AUS_TRY(s->store->ops->next(s->store->self, prefix, after, key, AUS_STORE_KEY_MAX));
    AUS_TRY(s->store->ops->get(s->store->self, key, f->rec, sizeof f->rec, &n));
    aus_err e = aus_app_decode(m, f->rec, n);
    AUS_ENSURE(e == AUS_OK && m->type == AUS_APP_CMD_AT, AUS_E_MALFORMED);
    return AUS_OK;
}

static aus_err tt_list(aus_app_sat *s, const aus_app_msg *req, sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX], after[AUS_STORE_KEY_MAX] = "";
    size_t at = 0;
    aus_app_msg m;
    aus_err e;
    /* one line a command: "<id> <at, DTN ms> <tolerance ms> <name> <args...>" */
    while ((e = tt_next(s, after, key, &m, f)) == AUS_OK || e == AUS_E_MALFORMED) {
        memcpy(after, key, sizeof after);
        if (e != AUS_OK)
            continue;
        char num[3][24];
        uint64_t v[3] = {m.id, m.at, m.tolerance};
        for (int k = 0; k < 3; k++) {
            size_t d = 0;
            char tmp[24];
            do
                tmp[d++] = (char)('0' + v[k] % 10);
            while ((v[k] /= 10) != 0);
            for (size_t i = 0; i < d; i++)
                num[k][i] = tmp[d - 1 - i];
            num[k][d] = '\0';
            at = out_text(f->out, sizeof f->out, at, num[k], d);
            at = out_text(f->out, sizeof f->out, at, " ", 1);
        }
        at = out_text(f->out, sizeof f->out, at, m.name.p, m.name.n);
        for (size_t i = 0; i < m.nargs; i++) {
            at = out_text(f->out, sizeof f->out, at, " ", 1);
            at = out_text(f->out, sizeof f->out, at, m.args[i].p, m.args[i].n);
        }
        at = out_text(f->out, sizeof f->out, at, "\n", 1);
    }
    AUS_ENSURE(e == AUS_E_NOTFOUND, e);
    static const aus_app_msg zero;
    aus_app_msg r = zero;
    r.type = AUS_APP_CMD_RESP;
    r.id = req->id;
    r.data = (aus_app_view){f->out, at};
    return respond(s, &r, 0, f); /* a read: answered afresh each time */
}

static aus_err tt_cancel(aus_app_sat *s, const aus_app_msg *req, sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX], after[AUS_STORE_KEY_MAX] = "";
    aus_app_msg m;
    aus_err e;
    while ((e = tt_next(s, after, key, &m, f)) == AUS_OK || e == AUS_E_MALFORMED) {
        memcpy(after, key, sizeof after);
        if (e != AUS_OK || m.id != req->offset)
            continue;
        AUS_TRY(s->store->ops->del(s->store->self, key));
        AUS_TRY(error_text(s, &m, AUS_APP_ST_ERROR, "cancelled before it ran", f));
        static const char ok[] = "cancelled";
        return cmd_response(s, req, AUS_APP_ST_OK, (const uint8_t *)ok, sizeof ok - 1, 0, f);
    }
    AUS_ENSURE(e == AUS_E_NOTFOUND, e);
    static const char none[] = "not waiting on board (it ran already, or no such timed command)";
    return cmd_response(s, req, AUS_APP_ST_OK, (const uint8_t *)none, sizeof none - 1, 1, f);
}

long aus_app_sat_due(aus_app_sat *s, uint64_t now_ms, uint8_t *adu, size_t cap, size_t *len,
                     int *pending_external)
{
    char key[AUS_STORE_KEY_MAX];
    aus_app_msg m;
    sat_frame f;
    AUS_ENSURE(s && len && pending_external, AUS_E_ARG);
    *pending_external = 0;
    aus_err e = tt_next(s, "", key, &m, &f);
    if (e == AUS_E_NOTFOUND)
        return 0;
    if (e == AUS_E_MALFORMED) /* not one of ours: out of the way, never run */
        return s->store->ops->del(s->store->self, key) == AUS_OK ? 1 : AUS_E_IO;
    AUS_TRY(e);
    if (m.at > now_ms)
        return 0;
    AUS_TRY(s->store->ops->del(s->store->self, key));
    const aus_app_cmd *c = find_cmd(s, &m.name);
    if (now_ms - m.at > m.tolerance)
        AUS_TRY(error_text(s, &m, AUS_APP_ST_EXPIRED,
                           "not run: the satellite reached its time later than its tolerance", &f));
    else if (!c)
        AUS_TRY(error_text(s, &m, AUS_APP_ST_UNKNOWN, "no such command", &f));
    else if (c->flags & AUS_APP_CMD_EXTERNAL) {
        char rk[AUS_STORE_KEY_MAX];
        uint8_t mark = ST_STARTED;
        req_key(s, m.id, rk);
        AUS_TRY(s->store->ops->put(s->store->self, rk, &mark, 1));
        size_t n = 0;
        AUS_TRY(aus_app_encode(&m, adu, cap, &n));
        *len = n;
        *pending_external = 1;
    } else
        AUS_TRY(run_cmd(s, &m, c, &f));
    return 1;
}

/* ---- file uplink ----
 * An upload is one request id; every FILE_PUT of it carries the file's name, size, SHA-256 and
 * chunk size, and one chunk (or none: a probe). Its progress is the record
 * "app/<tenant>/up/<id, 16 hex>" = size(8) chunk(8) have(8) sha256(32) namelen(1) name bitmap,
 * all integers big-endian, bit i of the bitmap (byte i/8, bit i%8) = chunk i written. Each chunk
 * goes to the port's temporary and sets its bit in the transaction of its bundle (a chunk
 * written again after a rollback writes the same bytes). The last one: the port hashes the
 * temporary; the same SHA-256 -> the file is placed in the uploads folder in one step and the
 * request answered ok (cached: exactly once); another -> discarded, answered error.
 *
 *   upload state   event                            next
 *   (none)         chunk or probe, valid            PARTIAL  record made; a probe: FILE_ACK
 *   (none)/PARTIAL name/size/chunk not acceptable   DONE     error (the sentence says which)
 *   PARTIAL        chunk, bit clear                 PARTIAL  written, bit set
 *   PARTIAL        chunk, bit set                   PARTIAL  nothing (a copy)
 *   PARTIAL        probe                            PARTIAL  FILE_ACK with the missing ranges
 *   PARTIAL        other name/size/hash/chunk       PARTIAL  refused: AUS_E_STATE (junk)
 *   PARTIAL        last chunk, SHA-256 equal        DONE     placed, ok
 *   PARTIAL        last chunk, SHA-256 differs      DONE     discarded, error
 *   DONE           anything                         DONE     the cached answer again */
#define UP_MAX_CHUNKS 65536u
#define UP_HEAD (8u + 8u + 8u + AUS_APP_SHA256 + 1u)

typedef struct up_rec {
    uint64_t size, chunk, have;
    uint8_t sha[AUS_APP_SHA256];
    uint8_t namelen;
    uint8_t *name, *bits; /* into the frame's record */
    size_t len;
} up_rec;

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void up_key(const aus_app_sat *s, uint64_t id, char key[AUS_STORE_KEY_MAX])
{
    app_key(s, key, "up/", 1, id, 0);
}

static uint64_t up_total(uint64_t size, uint64_t chunk) { return size / chunk + !!(size % chunk); }

/* A name for the uploads folder: 1..255 bytes of [A-Za-z0-9._-], not starting with '.'. */
static int up_name_ok(const aus_app_view *n)
{
    if (n->n == 0 || n->n > 255 || n->p[0] == '.')
        return 0;
    for (size_t i = 0; i < n->n; i++) {
        uint8_t c = n->p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Why this upload cannot be taken (a sentence), or NULL. */
static const char *up_refusal(const aus_app_sat *s, const aus_app_msg *m)
{
    if (!s->ops.up_write || !s->ops.up_hash || !s->ops.up_place)
        return "file uplink is not available on this node";
    if (!up_name_ok(&m->name))
        return "refused: the file name must be 1..255 of A-Z a-z 0-9 . _ - and not start with '.'";
    if (m->chunk == 0 || m->chunk > AUS_APP_OUTPUT_MAX)
        return "refused: the chunk size is 0 or larger than 16384";
    if (up_total(m->size, m->chunk) > UP_MAX_CHUNKS)
        return "refused: the file has more chunks than an upload may have (65536)";
    return NULL;
}

/* The record in f->rec[0..n) into u. */
static aus_err up_parse(up_rec *u, sat_frame *f, size_t n)
{
    AUS_ENSURE(n >= UP_HEAD, AUS_E_MALFORMED);
    u->size = be64(f->rec);
    u->chunk = be64(f->rec + 8);
    u->have = be64(f->rec + 16);
    memcpy(u->sha, f->rec + 24, AUS_APP_SHA256);
    u->namelen = f->rec[24 + AUS_APP_SHA256];
    u->name = f->rec + UP_HEAD;
    u->bits = u->name + u->namelen;
    u->len = n;
    AUS_ENSURE(u->chunk > 0 && n == UP_HEAD + u->namelen + (up_total(u->size, u->chunk) + 7) / 8,
               AUS_E_MALFORMED);
    return AUS_OK;
}

static aus_err up_load(aus_app_sat *s, uint64_t id, up_rec *u, sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX];
    size_t n = 0;
    up_key(s, id, key);
    AUS_TRY(s->store->ops->get(s->store->self, key, f->rec, sizeof f->rec, &n));
    return up_parse(u, f, n);
}

static aus_err up_save(aus_app_sat *s, uint64_t id, up_rec *u, sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX];
    put_be64(f->rec + 16, u->have);
    up_key(s, id, key);
    return s->store->ops->put(s->store->self, key, f->rec, u->len);
}

static aus_err up_new(const aus_app_msg *m, up_rec *u, sat_frame *f)
{
    size_t bits = (size_t)(up_total(m->size, m->chunk) + 7) / 8;
    AUS_ENSURE(UP_HEAD + m->name.n + bits <= sizeof f->rec, AUS_E_LIMIT);
    memset(f->rec, 0, UP_HEAD + m->name.n + bits);
    put_be64(f->rec, m->size);
    put_be64(f->rec + 8, m->chunk);
    memcpy(f->rec + 24, m->sha256, AUS_APP_SHA256);
    f->rec[24 + AUS_APP_SHA256] = (uint8_t)m->name.n;
    memcpy(f->rec + UP_HEAD, m->name.p, m->name.n);
    return up_parse(u, f, UP_HEAD + m->name.n + bits);
}

static int up_bit(const up_rec *u, uint64_t i)
{
    return (int)(((unsigned)u->bits[i / 8] >> (i % 8)) & 1u);
}

/* FILE_ACK: the ranges still missing (chunk-aligned, at most AUS_APP_MAX_RANGES). */
static aus_err up_ack(aus_app_sat *s, uint64_t id, const up_rec *u, sat_frame *f)
{
    static const aus_app_msg zero;
    aus_app_msg a = zero;
    uint64_t total = up_total(u->size, u->chunk);
    a.type = AUS_APP_FILE_ACK;
    a.id = id;
    for (uint64_t i = 0; i < total && a.nranges < AUS_APP_MAX_RANGES; i++) {
        if (up_bit(u, i))
            continue;
        aus_app_range *r = a.nranges ? &a.ranges[a.nranges - 1] : NULL;
        if (r && r->off + r->len == i * u->chunk)
            r->len += u->chunk;
        else
            a.ranges[a.nranges++] = (aus_app_range){i * u->chunk, u->chunk};
    }
    return respond(s, &a, 0, f);
}

/* Every chunk is there: hash, then place (ok) or discard (error); the record goes. */
static aus_err up_complete(aus_app_sat *s, const aus_app_msg *m, up_rec *u, sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t sha[AUS_APP_SHA256];
    aus_app_view name = {u->name, u->namelen};
    uint8_t namebuf[256];
    memcpy(namebuf, u->name, u->namelen); /* f->rec is reused by the answer */
    name.p = namebuf;
    up_key(s, m->id, key);
    AUS_TRY(s->store->ops->del(s->store->self, key));
    aus_err e = s->ops.up_hash(s->ops.ctx, m->id, u->size, sha);
    if (e == AUS_OK && !aus_ct_eq(sha, u->sha, AUS_APP_SHA256)) {
        if (s->ops.up_discard)
            s->ops.up_discard(s->ops.ctx, m->id);
        return error_text(s, m, AUS_APP_ST_ERROR,
                          "the SHA-256 of the data received differs: upload it again", f);
    }
    if (e == AUS_OK)
        e = s->ops.up_place(s->ops.ctx, m->id, &name);
    if (e != AUS_OK)
        return e == AUS_E_IO ? error_text(s, m, AUS_APP_ST_ERROR,
                                          "could not write the file in the uploads folder", f)
                             : e;
    static const char ok[] = "stored, SHA-256 verified";
    return cmd_response(s, m, AUS_APP_ST_OK, (const uint8_t *)ok, sizeof ok - 1, 0, f);
}

/* The satellite cannot write the upload (its folder missing, the disk full): it ends with an
 * error the operator sees, rather than a bundle retried for ever. */
static aus_err up_fail(aus_app_sat *s, const aus_app_msg *m, sat_frame *f)
{
    char key[AUS_STORE_KEY_MAX];
    up_key(s, m->id, key);
    aus_err e = s->store->ops->del(s->store->self, key);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
    if (s->ops.up_discard)
        s->ops.up_discard(s->ops.ctx, m->id);
    return error_text(s, m, AUS_APP_ST_ERROR,
                      "the satellite could not write the upload in its uploads folder", f);
}

static aus_err up_handle(aus_app_sat *s, const aus_app_msg *m, sat_frame *f)
{
    up_rec u;
    const char *why = up_refusal(s, m);
    if (why)
        return error_text(s, m, AUS_APP_ST_ERROR, why, f);
    aus_err e = up_load(s, m->id, &u, f);
    int fresh = e == AUS_E_NOTFOUND;
    if (fresh)
        e = up_new(m, &u, f);
    AUS_TRY(e);
    /* every piece of one upload tells the same file */
    AUS_ENSURE(u.size == m->size && u.chunk == m->chunk && u.namelen == m->name.n &&
                   !memcmp(u.name, m->name.p, m->name.n) &&
                   aus_ct_eq(u.sha, m->sha256, AUS_APP_SHA256),
               AUS_E_STATE);
    uint64_t total = up_total(u.size, u.chunk);
    if (m->data.n == 0 && total > 0) { /* a probe */
        if (fresh)
            AUS_TRY(up_save(s, m->id, &u, f));
        return up_ack(s, m->id, &u, f);
    }
    if (total == 0) { /* an empty file: its one piece is this */
        if (s->ops.up_write(s->ops.ctx, m->id, 1, 0, NULL, 0) != AUS_OK)
            return up_fail(s, m, f);
        return up_complete(s, m, &u, f);
    }
    uint64_t i = m->offset / u.chunk;
    uint64_t want = u.size - m->offset < u.chunk ? u.size - m->offset : u.chunk;
    AUS_ENSURE(m->offset % u.chunk == 0 && m->offset < u.size && m->data.n == want,
               AUS_E_MALFORMED);
    if (up_bit(&u, i))
        return fresh ? AUS_E_INTERNAL : AUS_OK; /* a copy of a chunk written already */
    if (s->ops.up_write(s->ops.ctx, m->id, u.have == 0, m->offset, m->data.p, m->data.n) != AUS_OK)
        return up_fail(s, m, f);
    u.bits[i / 8] = (uint8_t)(u.bits[i / 8] | (1u << (i % 8)));
    u.have++;
    if (u.have == total)
        return up_complete(s, m, &u, f);
    return up_save(s, m->id, &u, f);
}
