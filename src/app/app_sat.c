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

static size_t cpy(char *dst, size_t cap, size_t at, const char *src, size_t n)
{
    for (size_t i = 0; i < n && at + 1 < cap; i++)
        dst[at++] = src[i];
    dst[at < cap ? at : cap - 1] = '\0';
    return at;
}

static void low_key(const aus_app_sat *s, char key[AUS_STORE_KEY_MAX]);

static void req_key(const aus_app_sat *s, uint64_t id, char key[AUS_STORE_KEY_MAX])
{
    aus_key k;
    aus_key_init(&k, "app/");
    aus_key_str(&k, s->tenant);
    aus_key_str(&k, "/req/");
    aus_key_hex(&k, id, 16);
    memcpy(key, k.s, sizeof k.s);
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
            return cmd_response(s, req, AUS_APP_ST_ERROR, f->out, n < sizeof f->out ? n : 0, -1,
                                f);
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
    case AUS_APP_TT_CANCEL:
        if (dup_answer(s, &req, &f, &e))
            return e;
        return tt_cancel(s, &req, &f);
    default: return AUS_E_UNSUPPORTED;
    }
}

static void low_key(const aus_app_sat *s, char key[AUS_STORE_KEY_MAX])
{
    size_t at = cpy(key, AUS_STORE_KEY_MAX, 0, "app/", 4);
    at = cpy(key, AUS_STORE_KEY_MAX, at, s->tenant, strlen(s->tenant));
    (void)cpy(key, AUS_STORE_KEY_MAX, at, "/low", 4);
}

long aus_app_sat_forget(aus_app_sat *s, uint64_t low_id)
{
    char prefix[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    char limit[AUS_STORE_KEY_MAX];
    sat_frame f;
    long count = 0;
    AUS_ENSURE(s != NULL, AUS_E_ARG);
    size_t at = cpy(prefix, sizeof prefix, 0, "app/", 4);
    at = cpy(prefix, sizeof prefix, at, s->tenant, strlen(s->tenant));
    (void)cpy(prefix, sizeof prefix, at, "/req/", 5);
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
    size_t at = cpy(prefix, sizeof prefix, 0, "app/", 4);
    at = cpy(prefix, sizeof prefix, at, s->tenant, strlen(s->tenant));
    at = cpy(prefix, sizeof prefix, at, "/req/", 5);
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
    size_t at = cpy(key, AUS_STORE_KEY_MAX, 0, "app/", 4);
    at = cpy(key, AUS_STORE_KEY_MAX, at, s->tenant, strlen(s->tenant));
    (void)cpy(key, AUS_STORE_KEY_MAX, at, "/tt/", 4);
}

static size_t hex16(char *out, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < 16; i++)
        out[i] = hx[(v >> (60 - 4 * i)) & 0xFu];
    return 16;
}

static void tt_key(const aus_app_sat *s, uint64_t at_ms, uint64_t id, char key[AUS_STORE_KEY_MAX])
{
    char h[33];
    tt_prefix(s, key);
    hex16(h, at_ms);
    h[16] = '/';
    hex16(h + 17, id);
    (void)cpy(key, AUS_STORE_KEY_MAX, strlen(key), h, 33);
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
