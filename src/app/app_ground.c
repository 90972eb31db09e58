/* SPDX-License-Identifier: Apache-2.0 */
/* The ground side of the application protocol: a request's life from submission to its one
 * stored answer (include/australis/app_ground.h; records and layouts in docs/app-ground.md).
 *
 * A request's life. Every row is one store transaction: the caller's for submit, on_adu and
 * forget; one per request for resend (joined to the caller's when one is open).
 *
 *   state            event                                    next
 *   (none)           submit                                   PENDING  pend record; the ADU is
 *                                                                      queued in the same txn
 *   PENDING          retry time passed (resend)               PENDING  re-sent, last_sent = now;
 *                                                                      image with info: only the
 *                                                                      missing chunk ranges
 *   PENDING          TM report / command or rekey response    ANSWERED ans record, pend deleted
 *                    (the port's answer hook ran first)
 *   PENDING (image)  image info, status not OK                ANSWERED (with the status)
 *   PENDING (image)  image info OK (first, or changed)        PENDING  size/chunk/SHA-256 kept;
 *                                                                      a changed file restarts
 *                                                                      the bitmap
 *   PENDING (image)  info OK, more chunks than tracked        FAILED   AUS_E_LIMIT
 *   PENDING (image)  chunk, bit not set                       PENDING  port writes it; bit set,
 *                                                                      have + 1
 *   PENDING (image)  the port's write fails                   FAILED   AUS_E_IO, its sentence;
 *                                                                      temporary discarded
 *   PENDING (image)  last chunk: SHA-256 of the data matches  ANSWERED file placed at local
 *                    and the port placed the file
 *   PENDING (image)  last chunk: SHA-256 differs              FAILED   AUS_E_AUTH, discarded
 *   PENDING (image)  last chunk: hash or place fails          FAILED   AUS_E_IO, its sentence
 *   PENDING          record unreadable (resend)               FAILED   AUS_E_MALFORMED
 *   PENDING          retry (the operator: now)                PENDING  re-sent as on a resend
 *   PENDING          cancel (the operator)                    FAILED   AUS_E_STATE, "cancelled
 *                                                                      by the operator"; an
 *                                                                      image's temporary removed
 *   PENDING (image)  resend finds every bit set (imported)    PENDING  progress dropped, the
 *                                                                      whole request re-sent
 *   PENDING (image)  chunk before info / of another version   PENDING  ignored (AGAIN / STATE)
 *   PENDING (image)  chunk already received                   PENDING  ignored (REPLAY)
 *   ANSWERED/FAILED  any answer                               same     ignored (REPLAY)
 *   ANSWERED/FAILED  forget, id < mark - keep_answers         (none)   ans pruned
 *   (none)           any answer                               (none)   ignored (NOTFOUND)
 *
 * Refused outright (an error, nothing written): a request type or an answer type that does not
 * answer the request (POLICY), a chunk off the grid / outside the file / short (MALFORMED), a
 * chunk larger than the chunk size or an answer larger than a record (LIMIT).
 */
#include "australis/app_ground.h"

#include <string.h>

#include "australis/base.h"
#include "australis/cbor.h"

#define REC_VERSION 1u
#define CHUNK_DEFAULT 8192u
#define FORGET_STEP 64u
#define PAGE_BITS (AUS_APP_GROUND_PAGE * 8u)
#define CBOR_FLAGS (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF)

/* ---- keys: every key of the ground's request life is built here and nowhere else ----
 * Prefix "gr/<tenant>/", then (id: 16 lowercase hex digits, page: 8; fixed width, so key
 * order is numeric order):
 *   rid                   request-id counter (aus_ctr: the exclusive bound, u64 BE)
 *   forgot                the mark of the last FORGET sent (u64 BE)
 *   pend/<id>             a PENDING request (CBOR, docs/app-ground.md)
 *   ans/<id>              an ANSWERED or FAILED request's answer (CBOR)
 *   failed/<id>           index of the FAILED ones (empty value)
 *   have/<id>             an image's chunks received (u64 BE)
 *   bits/<id>/<page>      an image's bitmap, AUS_APP_GROUND_PAGE bytes a page */
typedef enum gk { GK_RID, GK_FORGOT, GK_PEND, GK_ANS, GK_FAILED, GK_HAVE, GK_BITS } gk;

typedef aus_key key_buf; /* include/australis/store.h: the one key builder */

/* The key of kind for id (and page). `part`: 0 the whole key; 1 only the kind's prefix
 * ("gr/t/pend/"); 2 the prefix of id's pages ("gr/t/bits/<id>/"). */
static const char *gkey(const aus_app_ground *g, key_buf *k, gk kind, uint64_t id, uint32_t page,
                        int part)
{
    static const char *const names[] = {"rid",     "forgot", "pend/", "ans/",
                                        "failed/", "have/",  "bits/"};
    aus_key_init(k, "gr/");
    aus_key_str(k, g->tenant);
    aus_key_str(k, "/");
    aus_key_str(k, names[kind]);
    if (kind == GK_RID || kind == GK_FORGOT || part == 1)
        return k->s;
    aus_key_hex(k, id, 16);
    if (kind != GK_BITS)
        return k->s;
    aus_key_str(k, "/");
    if (part != 2)
        aus_key_hex(k, page, 8);
    return k->s;
}

/* The id in a key found under the prefix of `kind` (0 if it is not one of ours). */
static uint64_t key_id(const aus_app_ground *g, const char *key, gk kind)
{
    key_buf p;
    size_t pl = strlen(gkey(g, &p, kind, 0, 0, 1));
    uint64_t id = 0;
    for (size_t i = 0; i < 16; i++) {
        char c = key[pl + i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return 0;
        id = (id << 4) | (uint64_t)v;
    }
    return key[pl + 16] == '\0' ? id : 0;
}

/* ---- records ---- */

typedef struct pend {
    uint8_t type;
    uint64_t submitted, last;
    uint32_t sends;
    aus_app_view req;   /* the request ADU as first sent */
    int image, info;    /* an image request; its info arrived */
    aus_app_view local; /* image: the download's local path */
    uint64_t size, chunk;
    uint8_t sha[AUS_APP_SHA256];
} pend;

/* pend = [1, type, submitted_ms, last_sent_ms, sends, request(bstr), image]
 * image = [] | [local(tstr)] | [local(tstr), size, chunk, sha256(bstr 32)] */
static aus_err pend_encode(const pend *p, uint8_t *out, size_t cap, size_t *len)
{
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_cbor_wr_array(&w, 7);
    aus_cbor_wr_uint(&w, REC_VERSION);
    aus_cbor_wr_uint(&w, p->type);
    aus_cbor_wr_uint(&w, p->submitted);
    aus_cbor_wr_uint(&w, p->last);
    aus_cbor_wr_uint(&w, p->sends);
    aus_cbor_wr_bstr(&w, p->req.p, p->req.n);
    aus_cbor_wr_array(&w, !p->image ? 0 : p->info ? 4 : 1);
    if (p->image)
        aus_cbor_wr_tstr(&w, (const char *)p->local.p, p->local.n);
    if (p->image && p->info) {
        aus_cbor_wr_uint(&w, p->size);
        aus_cbor_wr_uint(&w, p->chunk);
        aus_cbor_wr_bstr(&w, p->sha, AUS_APP_SHA256);
    }
    AUS_ENSURE(w.err != AUS_E_NOBUFS, AUS_E_LIMIT);
    AUS_TRY(w.err);
    *len = aus_wr_len(&w);
    return AUS_OK;
}

static aus_err rd_u32(aus_rd *r, uint32_t *v)
{
    uint64_t x = 0;
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &x));
    AUS_ENSURE(x <= UINT32_MAX, AUS_E_MALFORMED);
    *v = (uint32_t)x;
    return AUS_OK;
}

static aus_err rd_u8(aus_rd *r, uint8_t *v)
{
    uint32_t x = 0;
    AUS_TRY(rd_u32(r, &x));
    AUS_ENSURE(x <= 255, AUS_E_MALFORMED);
    *v = (uint8_t)x;
    return AUS_OK;
}

static aus_err rd_sha(aus_rd *r, uint8_t sha[AUS_APP_SHA256])
{
    const uint8_t *p = NULL;
    size_t n = 0;
    AUS_TRY(aus_cbor_rd_bstr(r, CBOR_FLAGS, &p, &n));
    AUS_ENSURE(n == AUS_APP_SHA256, AUS_E_MALFORMED);
    memcpy(sha, p, n);
    return AUS_OK;
}

static aus_err rd_head(aus_rd *r, size_t items)
{
    size_t n = 0;
    uint64_t v = 0;
    AUS_TRY(aus_cbor_rd_array(r, CBOR_FLAGS, &n));
    AUS_ENSURE(n == items, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(r, CBOR_FLAGS, &v));
    AUS_ENSURE(v == REC_VERSION, AUS_E_UNSUPPORTED);
    return AUS_OK;
}

static aus_err pend_decode_(pend *p, const uint8_t *in, size_t len)
{
    aus_rd r;
    size_t n = 0;
    memset(p, 0, sizeof *p);
    aus_rd_init(&r, in, len);
    AUS_TRY(rd_head(&r, 7));
    AUS_TRY(rd_u8(&r, &p->type));
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &p->submitted));
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &p->last));
    AUS_TRY(rd_u32(&r, &p->sends));
    AUS_TRY(aus_cbor_rd_bstr(&r, CBOR_FLAGS, &p->req.p, &p->req.n));
    AUS_TRY(aus_cbor_rd_array(&r, CBOR_FLAGS, &n));
    AUS_ENSURE(n == 0 || n == 1 || n == 4, AUS_E_MALFORMED);
    p->image = n > 0;
    p->info = n == 4;
    if (p->image)
        AUS_TRY(aus_cbor_rd_tstr(&r, CBOR_FLAGS, &p->local.p, &p->local.n));
    if (p->info) {
        AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &p->size));
        AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &p->chunk));
        AUS_TRY(rd_sha(&r, p->sha));
        AUS_ENSURE(p->chunk > 0, AUS_E_MALFORMED);
    }
    AUS_ENSURE(p->type == AUS_APP_IMG_REQ || p->type == AUS_APP_FILE_PUT ? p->image : !p->image,
               AUS_E_MALFORMED);
    AUS_ENSURE(p->type != AUS_APP_FILE_PUT || p->info, AUS_E_MALFORMED);
    return aus_rd_finish(&r);
}

/* Whatever is wrong with a stored record, it is one thing to the caller: it does not decode. */
static aus_err pend_decode(pend *p, const uint8_t *in, size_t len)
{
    return pend_decode_(p, in, len) == AUS_OK ? AUS_OK : AUS_E_MALFORMED;
}

/* ans = [1, state, answered_ms, req_type, reason(int), status, answer(bstr), note(tstr), image]
 * image = [] (not a download) | [path(tstr)] | [path(tstr), size, sha256(bstr 32)] */
static aus_err ans_encode(const aus_app_ground_answer_view *a, uint8_t *out, size_t cap,
                          size_t *len)
{
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_cbor_wr_array(&w, 9);
    aus_cbor_wr_uint(&w, REC_VERSION);
    aus_cbor_wr_uint(&w, a->state);
    aus_cbor_wr_uint(&w, a->answered_ms);
    aus_cbor_wr_uint(&w, a->req_type);
    aus_cbor_wr_int(&w, a->reason);
    aus_cbor_wr_uint(&w, a->status);
    aus_cbor_wr_bstr(&w, a->adu.p, a->adu.n);
    aus_cbor_wr_tstr(&w, (const char *)a->note.p, a->note.n);
    aus_cbor_wr_array(&w, a->has_image ? 3 : a->path.n ? 1 : 0);
    if (a->has_image || a->path.n)
        aus_cbor_wr_tstr(&w, (const char *)a->path.p, a->path.n);
    if (a->has_image) {
        aus_cbor_wr_uint(&w, a->size);
        aus_cbor_wr_bstr(&w, a->sha256, AUS_APP_SHA256);
    }
    AUS_ENSURE(w.err != AUS_E_NOBUFS, AUS_E_LIMIT);
    AUS_TRY(w.err);
    *len = aus_wr_len(&w);
    return AUS_OK;
}

static aus_err ans_decode_(aus_app_ground_answer_view *a, const uint8_t *in, size_t len)
{
    aus_rd r;
    size_t n = 0;
    int64_t reason = 0;
    aus_rd_init(&r, in, len);
    AUS_TRY(rd_head(&r, 9));
    AUS_TRY(rd_u8(&r, &a->state));
    AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &a->answered_ms));
    AUS_TRY(rd_u8(&r, &a->req_type));
    AUS_TRY(aus_cbor_rd_int(&r, CBOR_FLAGS, &reason));
    AUS_ENSURE(reason <= 0 && reason >= -1000, AUS_E_MALFORMED);
    a->reason = (aus_err)reason;
    AUS_TRY(rd_u32(&r, &a->status));
    AUS_TRY(aus_cbor_rd_bstr(&r, CBOR_FLAGS, &a->adu.p, &a->adu.n));
    AUS_TRY(aus_cbor_rd_tstr(&r, CBOR_FLAGS, &a->note.p, &a->note.n));
    AUS_TRY(aus_cbor_rd_array(&r, CBOR_FLAGS, &n));
    AUS_ENSURE(n == 0 || n == 1 || n == 3, AUS_E_MALFORMED);
    a->has_image = n == 3;
    if (n > 0)
        AUS_TRY(aus_cbor_rd_tstr(&r, CBOR_FLAGS, &a->path.p, &a->path.n));
    if (a->has_image) {
        AUS_TRY(aus_cbor_rd_uint(&r, CBOR_FLAGS, &a->size));
        AUS_TRY(rd_sha(&r, a->sha256));
    }
    AUS_ENSURE(a->state == AUS_APP_GR_ANSWERED || a->state == AUS_APP_GR_FAILED, AUS_E_MALFORMED);
    return aus_rd_finish(&r);
}

static aus_err ans_decode(aus_app_ground_answer_view *a, const uint8_t *in, size_t len)
{
    return ans_decode_(a, in, len) == AUS_OK ? AUS_OK : AUS_E_MALFORMED;
}

/* ---- store helpers ---- */

static aus_err sget(const aus_app_ground *g, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    aus_err e = g->store->ops->get(g->store->self, key, buf, cap, len);
    return e == AUS_E_NOBUFS ? AUS_E_MALFORMED : e; /* larger than any record we write */
}

static aus_err sput(const aus_app_ground *g, const char *key, const uint8_t *p, size_t n)
{
    return g->store->ops->put(g->store->self, key, p, n);
}

static aus_err sdel(const aus_app_ground *g, const char *key)
{
    return g->store->ops->del(g->store->self, key);
}

/* The pending record of id into g->rec. AUS_E_NOTFOUND if none. */
static aus_err load_pend(aus_app_ground *g, uint64_t id, pend *p)
{
    key_buf k;
    size_t n = 0;
    AUS_TRY(sget(g, gkey(g, &k, GK_PEND, id, 0, 0), g->rec, sizeof g->rec, &n));
    return pend_decode(p, g->rec, n);
}

/* Encoded into g->adu: p's views may point into g->rec (a read-modify-write), never into
 * g->adu. */
static aus_err save_pend(aus_app_ground *g, uint64_t id, const pend *p)
{
    key_buf k;
    size_t n = 0;
    AUS_TRY(pend_encode(p, g->adu, sizeof g->adu, &n));
    return sput(g, gkey(g, &k, GK_PEND, id, 0, 0), g->adu, n);
}

static aus_err get_u64_or0(const aus_app_ground *g, const char *key, uint64_t *v)
{
    aus_err e = aus_store_get_u64(g->store, key, v);
    if (e == AUS_E_NOTFOUND) {
        *v = 0;
        return AUS_OK;
    }
    return e;
}

/* Delete every key under prefix whose id (a key of `kind`) is below `below`; for GK_BITS
 * (keys with a page) every key under the prefix. Keys this file does not make are left alone.
 * Returns the count or a store error. */
static long del_prefix(const aus_app_ground *g, const char *prefix, gk kind, uint64_t below)
{
    char key[AUS_STORE_KEY_MAX], after[AUS_STORE_KEY_MAX] = "";
    long count = 0;
    for (;;) {
        aus_err e = g->store->ops->next(g->store->self, prefix, after, key, sizeof key);
        if (e == AUS_E_NOTFOUND)
            return count;
        AUS_TRY(e);
        memcpy(after, key, sizeof after);
        uint64_t id = kind == GK_BITS ? 1 : key_id(g, key, kind);
        if (id == 0)
            continue;
        if (kind != GK_BITS && id >= below)
            return count;
        AUS_TRY(sdel(g, key));
        count++;
    }
}

/* Forget an image's progress (bitmap pages and count). */
static aus_err drop_progress(aus_app_ground *g, uint64_t id)
{
    key_buf k;
    long n = del_prefix(g, gkey(g, &k, GK_BITS, id, 0, 2), GK_BITS, UINT64_MAX);
    AUS_TRY(n < 0 ? (aus_err)n : AUS_OK);
    return sdel(g, gkey(g, &k, GK_HAVE, id, 0, 0));
}

static void note_set(aus_app_ground *g, const char *s)
{
    size_t n = strlen(s);
    if (n >= sizeof g->note)
        n = sizeof g->note - 1;
    memcpy(g->note, s, n);
    g->note[n] = '\0';
}

/* Store the answer (ANSWERED or FAILED) and end the request: pend, progress deleted. a->note
 * may point at g->note; a->adu / a->path into g->rec or the caller's input. */
static aus_err finish(aus_app_ground *g, uint64_t id, aus_app_ground_answer_view *a,
                      aus_app_ground_event *ev)
{
    key_buf k;
    size_t n = 0;
    AUS_TRY(ans_encode(a, g->adu, sizeof g->adu, &n));
    AUS_TRY(sput(g, gkey(g, &k, GK_ANS, id, 0, 0), g->adu, n));
    if (a->state == AUS_APP_GR_FAILED)
        AUS_TRY(sput(g, gkey(g, &k, GK_FAILED, id, 0, 0), (const uint8_t *)"", 0));
    AUS_TRY(sdel(g, gkey(g, &k, GK_PEND, id, 0, 0)));
    AUS_TRY(drop_progress(g, id)); /* an image's; nothing for the others */
    ev->kind = a->state == AUS_APP_GR_FAILED ? AUS_APP_GR_EV_FAILED : AUS_APP_GR_EV_ANSWERED;
    ev->reason = a->reason;
    if (a->state == AUS_APP_GR_FAILED)
        g->failed++;
    else
        g->answered++;
    return AUS_OK;
}

/* Fail a pending request with the sentence in g->note (or the error's). `sha`: the download's
 * outcome to keep with it (NULL: none). */
static aus_err fail_req(aus_app_ground *g, uint64_t id, const pend *p, aus_err reason,
                        const uint8_t *sha, uint64_t now, aus_app_ground_event *ev)
{
    static const aus_app_ground_answer_view zero;
    aus_app_ground_answer_view a = zero;
    if (!g->note[0])
        note_set(g, aus_err_str(reason));
    a.state = AUS_APP_GR_FAILED;
    a.answered_ms = now;
    a.req_type = p->type;
    a.reason = reason;
    a.status = AUS_APP_ST_ERROR;
    a.note = (aus_app_view){(const uint8_t *)g->note, strlen(g->note)};
    if (p->image) {
        a.has_image = sha != NULL;
        a.path = p->local;
        a.size = p->size;
        if (sha)
            memcpy(a.sha256, sha, AUS_APP_SHA256);
    }
    return finish(g, id, &a, ev);
}

/* ---- init, submit ---- */

aus_err aus_app_ground_init(aus_app_ground *g, const aus_store *store,
                            const aus_app_ground_ops *ops, const char *tenant,
                            const aus_app_ground_cfg *cfg)
{
    AUS_ENSURE(g && store && store->ops && ops && ops->send && tenant, AUS_E_ARG);
    size_t tl = strlen(tenant);
    AUS_ENSURE(tl > 0 && tl < sizeof g->tenant && !memchr(tenant, '/', tl), AUS_E_ARG);
    memset(g, 0, sizeof *g);
    g->store = store;
    g->ops = *ops;
    if (cfg)
        g->cfg = *cfg;
    if (!g->cfg.chunk_size)
        g->cfg.chunk_size = CHUNK_DEFAULT;
    if (!g->cfg.forget_step)
        g->cfg.forget_step = FORGET_STEP;
    memcpy(g->tenant, tenant, tl + 1);
    return AUS_OK;
}

/* A fresh request id (ids are never repeated: reserved in the caller's transaction). */
/* ---- file uplink: the ground reads the local file and sends it chunk by chunk ---- */

/* The FILE_PUT carrying the chunk at off, encoded into out (the stored probe, p->req, with the
 * chunk's bytes read through the port). Errors: AUS_E_IO (the port's read; g->note says why),
 * encoding errors. */
static aus_err up_chunk(aus_app_ground *g, const pend *p, uint64_t off, uint8_t *out, size_t cap,
                        size_t *len)
{
    aus_app_msg m;
    AUS_TRY(aus_app_decode(&m, p->req.p, p->req.n));
    uint64_t n = p->size - off < p->chunk ? p->size - off : p->chunk;
    AUS_ENSURE(n <= sizeof g->chunk, AUS_E_LIMIT);
    g->note[0] = '\0';
    AUS_TRY(
        g->ops.file_read(g->ops.ctx, &p->local, off, g->chunk, (size_t)n, g->note, sizeof g->note));
    m.offset = off;
    m.data = (aus_app_view){g->chunk, (size_t)n};
    return aus_app_encode(&m, out, cap, len);
}

/* After submit: every chunk but the first through ops.send, the first handed out as *adu
 * (p->req, the probe, lives in g->adu; chunks are encoded in g->rec). An empty file: the probe
 * is its one piece. */
static aus_err up_first(aus_app_ground *g, const pend *p, uint64_t id, aus_app_view *adu)
{
    size_t n = 0;
    (void)id;
    if (p->size == 0)
        return AUS_OK;
    for (uint64_t off = p->chunk; off < p->size; off += p->chunk) {
        AUS_TRY(up_chunk(g, p, off, g->rec, sizeof g->rec, &n));
        AUS_TRY(g->ops.send(g->ops.ctx, g->rec, n));
    }
    AUS_TRY(up_chunk(g, p, 0, g->rec, sizeof g->rec, &n));
    memcpy(g->adu, g->rec, n);
    *adu = (aus_app_view){g->adu, n};
    return AUS_OK;
}

static aus_err take_id(aus_app_ground *g, uint64_t *id)
{
    key_buf k;
    aus_ctr ids;
    AUS_TRY(aus_ctr_open(&ids, g->store, gkey(g, &k, GK_RID, 0, 0, 0), UINT64_MAX - 1, 1));
    return aus_ctr_take(&ids, g->store, id);
}

aus_err aus_app_ground_submit(aus_app_ground *g, aus_app_msg *req, const aus_app_view *local,
                              uint64_t now_ms, uint64_t *id, aus_app_view *adu)
{
    static const pend zero;
    pend p = zero;
    size_t n = 0;
    AUS_ENSURE(g && req && id && adu, AUS_E_ARG);
    AUS_ENSURE(aus_app_is_request(req->type) && req->type != AUS_APP_FORGET, AUS_E_ARG);
    p.image = req->type == AUS_APP_IMG_REQ;
    if (p.image) {
        AUS_ENSURE(local && local->n > 0 && local->n < AUS_APP_GROUND_PATH_MAX &&
                       !memchr(local->p, '\0', local->n) && g->ops.file_write && g->ops.file_hash &&
                       g->ops.file_place,
                   AUS_E_ARG);
        p.local = *local;
        if (!req->chunk)
            req->chunk = g->cfg.chunk_size;
    }
    if (req->type == AUS_APP_FILE_PUT) {
        AUS_ENSURE(local && local->n > 0 && local->n < AUS_APP_GROUND_PATH_MAX &&
                       !memchr(local->p, '\0', local->n) && g->ops.file_read,
                   AUS_E_ARG);
        if (!req->chunk || req->chunk > AUS_APP_GROUND_UP_CHUNK)
            req->chunk = AUS_APP_GROUND_UP_CHUNK;
        req->offset = 0;
        req->data = (aus_app_view){NULL, 0}; /* the stored form: the probe */
        p.image = p.info = 1;
        p.local = *local;
        p.size = req->size;
        p.chunk = req->chunk;
        memcpy(p.sha, req->sha256, AUS_APP_SHA256);
    }
    AUS_TRY(take_id(g, &req->id));
    aus_err e = aus_app_encode(req, g->adu, sizeof g->adu, &n);
    AUS_ENSURE(e != AUS_E_NOBUFS, AUS_E_LIMIT);
    AUS_TRY(e);
    p.type = req->type;
    p.submitted = p.last = now_ms;
    p.sends = 1;
    p.req = (aus_app_view){g->adu, n};
    size_t rn = 0;
    key_buf k;
    AUS_TRY(pend_encode(&p, g->rec, sizeof g->rec, &rn));
    AUS_TRY(sput(g, gkey(g, &k, GK_PEND, req->id, 0, 0), g->rec, rn));
    *id = req->id;
    *adu = p.req;
    return p.type == AUS_APP_FILE_PUT ? up_first(g, &p, req->id, adu) : AUS_OK;
}

/* ---- answers ---- */

/* Does answer type `ans` answer a request of type `req`? An expired or refused read is
 * answered with a command response (app.h). */
static int answers(uint8_t req, uint8_t ans)
{
    switch (req) {
    case AUS_APP_TM_QUERY: return ans == AUS_APP_TM_REPORT || ans == AUS_APP_CMD_RESP;
    case AUS_APP_CMD: return ans == AUS_APP_CMD_RESP;
    case AUS_APP_IMG_REQ:
        return ans == AUS_APP_IMG_INFO || ans == AUS_APP_IMG_CHUNK || ans == AUS_APP_CMD_RESP;
    case AUS_APP_REKEY_REQ: return ans == AUS_APP_REKEY_RESP;
    case AUS_APP_CMD_AT:
    case AUS_APP_TT_LIST:
    case AUS_APP_TT_CANCEL: return ans == AUS_APP_CMD_RESP;
    case AUS_APP_FILE_PUT: return ans == AUS_APP_FILE_ACK || ans == AUS_APP_CMD_RESP;
    default: return 0;
    }
}

/* The request's final answer: the port's hook first, then the record. */
static aus_err on_final(aus_app_ground *g, const pend *p, const aus_app_msg *m, const uint8_t *adu,
                        size_t len, uint64_t now, aus_app_ground_event *ev)
{
    static const aus_app_ground_answer_view zero;
    aus_app_ground_answer_view a = zero;
    a.status = m->type == AUS_APP_TM_REPORT ? (uint32_t)AUS_APP_ST_OK : m->status;
    g->note[0] = '\0';
    if (g->ops.answer)
        AUS_TRY(g->ops.answer(g->ops.ctx, p->type, m, &a.status, g->note, sizeof g->note));
    g->note[sizeof g->note - 1] = '\0';
    if (!g->note[0] && m->type == AUS_APP_IMG_INFO)
        note_set(g, m->status == AUS_APP_ST_UNKNOWN ? "no such file on the satellite"
                                                    : "the satellite refused to send this file");
    a.state = AUS_APP_GR_ANSWERED;
    a.answered_ms = now;
    a.req_type = p->type;
    a.adu = (aus_app_view){adu, len};
    a.note = (aus_app_view){(const uint8_t *)g->note, strlen(g->note)};
    if (p->image)
        a.path = p->local;
    return finish(g, m->id, &a, ev);
}

static uint64_t nchunks(uint64_t size, uint64_t chunk) { return size / chunk + !!(size % chunk); }

static aus_err complete_image(aus_app_ground *g, const pend *p, uint64_t id, uint64_t now,
                              aus_app_ground_event *ev);

static aus_err on_info(aus_app_ground *g, pend *p, const aus_app_msg *m, const uint8_t *adu,
                       size_t len, uint64_t now, aus_app_ground_event *ev)
{
    if (m->status != AUS_APP_ST_OK)
        return on_final(g, p, m, adu, len, now, ev);
    AUS_ENSURE(m->chunk > 0, AUS_E_MALFORMED);
    ev->total = nchunks(m->size, m->chunk);
    if (p->info && p->size == m->size && p->chunk == m->chunk &&
        aus_ct_eq(p->sha, m->sha256, AUS_APP_SHA256)) {
        ev->kind = AUS_APP_GR_EV_IGNORED;
        ev->reason = AUS_E_REPLAY;
        return AUS_OK;
    }
    if (ev->total > AUS_APP_GROUND_MAX_CHUNKS) {
        note_set(g, "the image has more chunks than the ground tracks: ask with a larger "
                    "chunk size");
        return fail_req(g, m->id, p, AUS_E_LIMIT, NULL, now, ev);
    }
    if (p->info) /* another version of the file: what came before is of no use */
        AUS_TRY(drop_progress(g, m->id));
    p->info = 1;
    p->size = m->size;
    p->chunk = m->chunk;
    memcpy(p->sha, m->sha256, AUS_APP_SHA256);
    AUS_TRY(save_pend(g, m->id, p));
    ev->kind = AUS_APP_GR_EV_INFO;
    if (m->size > 0)
        return AUS_OK;
    /* an empty file has no chunk: it is complete now */
    char *why = g->note;
    why[0] = '\0';
    aus_err e = g->ops.file_write(g->ops.ctx, m->id, &p->local, 1, 0, NULL, 0, why, sizeof g->note);
    if (e != AUS_OK) {
        if (g->ops.file_discard)
            g->ops.file_discard(g->ops.ctx, m->id, &p->local);
        return fail_req(g, m->id, p, AUS_E_IO, NULL, now, ev);
    }
    return complete_image(g, p, m->id, now, ev);
}

static aus_err complete_image(aus_app_ground *g, const pend *p, uint64_t id, uint64_t now,
                              aus_app_ground_event *ev)
{
    static const aus_app_ground_answer_view zero;
    uint8_t sha[AUS_APP_SHA256];
    g->note[0] = '\0';
    aus_err e = g->ops.file_hash(g->ops.ctx, id, &p->local, p->size, sha, g->note, sizeof g->note);
    if (e != AUS_OK) {
        if (g->ops.file_discard)
            g->ops.file_discard(g->ops.ctx, id, &p->local);
        return fail_req(g, id, p, AUS_E_IO, NULL, now, ev);
    }
    if (!aus_ct_eq(sha, p->sha, AUS_APP_SHA256)) {
        note_set(g, "SHA-256 mismatch: the data received is not the satellite's file; ask again");
        if (g->ops.file_discard)
            g->ops.file_discard(g->ops.ctx, id, &p->local);
        return fail_req(g, id, p, AUS_E_AUTH, sha, now, ev);
    }
    g->note[0] = '\0';
    e = g->ops.file_place(g->ops.ctx, id, &p->local, g->note, sizeof g->note);
    if (e != AUS_OK) /* the port's sentence says where the verified data is kept */
        return fail_req(g, id, p, AUS_E_IO, sha, now, ev);
    aus_app_ground_answer_view a = zero;
    note_set(g, "SHA-256 verified");
    a.state = AUS_APP_GR_ANSWERED;
    a.answered_ms = now;
    a.req_type = p->type;
    a.status = AUS_APP_ST_OK;
    a.note = (aus_app_view){(const uint8_t *)g->note, strlen(g->note)};
    a.has_image = 1;
    a.path = p->local;
    a.size = p->size;
    memcpy(a.sha256, sha, AUS_APP_SHA256);
    return finish(g, id, &a, ev);
}

/* Where a chunk goes, checked against the image's info (nothing written on refusal). */
static aus_err chunk_fits(const pend *p, const aus_app_msg *m)
{
    AUS_ENSURE(m->offset < p->size && m->offset % p->chunk == 0, AUS_E_MALFORMED);
    AUS_ENSURE(m->data.n <= p->chunk, AUS_E_LIMIT);
    uint64_t want = p->size - m->offset < p->chunk ? p->size - m->offset : p->chunk;
    AUS_ENSURE(m->data.n == want, AUS_E_MALFORMED);
    return AUS_OK;
}

static aus_err on_chunk(aus_app_ground *g, pend *p, const aus_app_msg *m, uint64_t now,
                        aus_app_ground_event *ev)
{
    key_buf k, hk;
    uint8_t page[AUS_APP_GROUND_PAGE];
    size_t n = 0;
    uint64_t have = 0;
    ev->kind = AUS_APP_GR_EV_IGNORED;
    if (!p->info) { /* the chunk grid is not known yet: the next request asks again */
        ev->reason = AUS_E_AGAIN;
        return AUS_OK;
    }
    ev->total = nchunks(p->size, p->chunk);
    if (m->size != p->size || !aus_ct_eq(m->sha256, p->sha, AUS_APP_SHA256)) {
        ev->reason = AUS_E_STATE; /* a chunk of another version of the file */
        return AUS_OK;
    }
    AUS_TRY(chunk_fits(p, m));
    uint64_t idx = m->offset / p->chunk;
    uint32_t pg = (uint32_t)(idx / PAGE_BITS);
    size_t bit = (size_t)(idx % PAGE_BITS);
    memset(page, 0, sizeof page);
    aus_err e = sget(g, gkey(g, &k, GK_BITS, m->id, pg, 0), page, sizeof page, &n);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
    AUS_ENSURE(e == AUS_E_NOTFOUND || n == sizeof page, AUS_E_MALFORMED);
    AUS_TRY(get_u64_or0(g, gkey(g, &hk, GK_HAVE, m->id, 0, 0), &have));
    ev->have = have;
    if (((unsigned)page[bit / 8] >> (bit % 8)) & 1u) {
        ev->reason = AUS_E_REPLAY;
        return AUS_OK;
    }
    g->note[0] = '\0';
    e = g->ops.file_write(g->ops.ctx, m->id, &p->local, have == 0, m->offset, m->data.p, m->data.n,
                          g->note, sizeof g->note);
    if (e != AUS_OK) {
        if (g->ops.file_discard)
            g->ops.file_discard(g->ops.ctx, m->id, &p->local);
        return fail_req(g, m->id, p, AUS_E_IO, NULL, now, ev);
    }
    page[bit / 8] = (uint8_t)(page[bit / 8] | (1u << (bit % 8)));
    AUS_TRY(sput(g, k.s, page, sizeof page));
    AUS_TRY(aus_store_put_u64(g->store, hk.s, have + 1));
    ev->have = have + 1;
    ev->kind = AUS_APP_GR_EV_CHUNK;
    ev->reason = AUS_OK;
    return ev->have == ev->total ? complete_image(g, p, m->id, now, ev) : AUS_OK;
}

/* FILE_ACK: the satellite misses these ranges of an upload: each chunk in them goes again (at
 * most AUS_APP_MAX_CHUNKS_PER_REQ); the re-send timer starts over. A range off the chunk grid or
 * outside the file is refused (MALFORMED); a local file that cannot be read fails the upload. */
static aus_err on_ack(aus_app_ground *g, pend *p, const aus_app_msg *m, uint64_t now,
                      aus_app_ground_event *ev)
{
    unsigned sent = 0;
    for (size_t i = 0; i < m->nranges; i++)
        AUS_ENSURE(m->ranges[i].off % p->chunk == 0 && m->ranges[i].off < p->size &&
                       m->ranges[i].len <= p->size - m->ranges[i].off + p->chunk,
                   AUS_E_MALFORMED);
    for (size_t i = 0; i < m->nranges; i++) {
        const aus_app_range *r = &m->ranges[i];
        for (uint64_t off = r->off;
             off < r->off + r->len && off < p->size && sent < AUS_APP_MAX_CHUNKS_PER_REQ;
             off += p->chunk, sent++) {
            size_t n = 0;
            aus_err e = up_chunk(g, p, off, g->adu, sizeof g->adu, &n);
            if (e == AUS_E_IO)
                return fail_req(g, m->id, p, AUS_E_IO, NULL, now, ev);
            AUS_TRY(e);
            AUS_TRY(g->ops.send(g->ops.ctx, g->adu, n));
        }
    }
    ev->kind = AUS_APP_GR_EV_INFO;
    p->last = now;
    p->sends = p->sends < UINT32_MAX ? p->sends + 1 : p->sends;
    return save_pend(g, m->id, p);
}

/* No pending record: answered before (a duplicate) or unknown. */
static aus_err on_stray(aus_app_ground *g, uint64_t id, aus_app_ground_event *ev)
{
    key_buf k;
    uint8_t b[1];
    size_t n = 0;
    aus_err e = g->store->ops->get(g->store->self, gkey(g, &k, GK_ANS, id, 0, 0), b, sizeof b, &n);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOBUFS || e == AUS_E_NOTFOUND, e);
    ev->kind = AUS_APP_GR_EV_IGNORED;
    ev->reason = e == AUS_E_NOTFOUND ? AUS_E_NOTFOUND : AUS_E_REPLAY;
    return AUS_OK;
}

aus_err aus_app_ground_on_adu(aus_app_ground *g, const uint8_t *adu, size_t len, uint64_t now_ms,
                              aus_app_ground_event *ev)
{
    static const aus_app_ground_event ez;
    aus_app_msg m;
    pend p;
    AUS_ENSURE(g && ev && (adu || !len), AUS_E_ARG);
    *ev = ez;
    AUS_TRY(aus_app_decode(&m, adu, len));
    AUS_ENSURE(!aus_app_is_request(m.type), AUS_E_POLICY);
    AUS_ENSURE(len <= AUS_APP_GROUND_REC_MAX - 64 - AUS_APP_GROUND_NOTE_MAX -
                           AUS_APP_GROUND_PATH_MAX ||
                   m.type == AUS_APP_IMG_CHUNK,
               AUS_E_LIMIT);
    ev->id = m.id;
    aus_err e = load_pend(g, m.id, &p);
    if (e == AUS_E_NOTFOUND)
        e = on_stray(g, m.id, ev);
    else if (e == AUS_OK) {
        ev->req_type = p.type;
        AUS_ENSURE(answers(p.type, m.type), AUS_E_POLICY);
        if (m.type == AUS_APP_IMG_INFO)
            e = on_info(g, &p, &m, adu, len, now_ms, ev);
        else if (m.type == AUS_APP_IMG_CHUNK)
            e = on_chunk(g, &p, &m, now_ms, ev);
        else if (m.type == AUS_APP_FILE_ACK)
            e = on_ack(g, &p, &m, now_ms, ev);
        else
            e = on_final(g, &p, &m, adu, len, now_ms, ev);
    }
    if (e == AUS_OK && ev->kind == AUS_APP_GR_EV_IGNORED)
        g->ignored++;
    return e;
}

/* ---- re-sends ---- */

uint64_t aus_app_ground_due(const aus_app_ground *g, uint64_t now_ms)
{
    return now_ms > g->cfg.retry_ms ? now_ms - g->cfg.retry_ms : 0;
}

/* The ranges still missing (chunk-aligned, at most AUS_APP_MAX_RANGES) into req. */
static aus_err missing_ranges(aus_app_ground *g, uint64_t id, const pend *p, aus_app_msg *req)
{
    uint8_t page[AUS_APP_GROUND_PAGE];
    uint32_t loaded = UINT32_MAX;
    uint64_t total = nchunks(p->size, p->chunk);
    req->nranges = 0;
    for (uint64_t i = 0; i < total && req->nranges < AUS_APP_MAX_RANGES; i++) {
        uint32_t pg = (uint32_t)(i / PAGE_BITS);
        if (pg != loaded) {
            key_buf k;
            size_t n = 0;
            memset(page, 0, sizeof page);
            aus_err e = sget(g, gkey(g, &k, GK_BITS, id, pg, 0), page, sizeof page, &n);
            AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
            loaded = pg;
        }
        size_t b = (size_t)(i % PAGE_BITS);
        if (((unsigned)page[b / 8] >> (b % 8)) & 1u)
            continue;
        aus_app_range *r = req->nranges ? &req->ranges[req->nranges - 1] : NULL;
        if (r && r->off + r->len == i * p->chunk)
            r->len += p->chunk;
        else
            req->ranges[req->nranges++] = (aus_app_range){i * p->chunk, p->chunk};
    }
    return AUS_OK;
}

/* One due request: its ADU through ops.send, last_sent = now (inside one transaction). */
static aus_err resend_one(aus_app_ground *g, uint64_t id, pend *p, uint64_t now)
{
    aus_app_msg m;
    aus_app_view out = p->req;
    if (p->type == AUS_APP_IMG_REQ && p->info && p->size > 0) {
        size_t n = 0;
        AUS_TRY(aus_app_decode(&m, p->req.p, p->req.n));
        AUS_TRY(missing_ranges(g, id, p, &m));
        AUS_TRY(aus_app_encode(&m, g->adu, sizeof g->adu, &n));
        out = (aus_app_view){g->adu, n};
        if (m.nranges == 0) { /* every bit set yet pending (an imported record): start over */
            AUS_TRY(drop_progress(g, id));
            out = p->req;
        }
    }
    AUS_TRY(g->ops.send(g->ops.ctx, out.p, out.n));
    p->last = now;
    p->sends = p->sends < UINT32_MAX ? p->sends + 1 : p->sends;
    return save_pend(g, id, p); /* encodes into g->adu: the ADU is sent already */
}

long aus_app_ground_resend(aus_app_ground *g, uint64_t now_ms, uint64_t sent_before_ms)
{
    key_buf prefix, k;
    char key[AUS_STORE_KEY_MAX] = "", next[AUS_STORE_KEY_MAX];
    long count = 0;
    AUS_ENSURE(g != NULL, AUS_E_ARG);
    gkey(g, &prefix, GK_PEND, 0, 0, 1);
    for (;;) {
        aus_err e = g->store->ops->next(g->store->self, prefix.s, key, next, sizeof next);
        if (e == AUS_E_NOTFOUND)
            return count;
        AUS_TRY(e);
        memcpy(key, next, sizeof key);
        uint64_t id = key_id(g, key, GK_PEND);
        size_t n = 0;
        pend p;
        int own = 0;
        if (id == 0)
            continue; /* not a key this file makes: left alone */
        e = sget(g, gkey(g, &k, GK_PEND, id, 0, 0), g->rec, sizeof g->rec, &n);
        if (e != AUS_OK && e != AUS_E_MALFORMED) /* MALFORMED: larger than any record */
            return e;
        int bad = e != AUS_OK || pend_decode(&p, g->rec, n) != AUS_OK;
        if (!bad && p.last >= sent_before_ms)
            continue;
        AUS_TRY(aus_store_txn_enter(g->store, &own));
        if (!bad) {
            e = resend_one(g, id, &p, now_ms);
            count += e == AUS_OK;
            g->resent += e == AUS_OK;
        } else { /* this record alone is unreadable: fail it, the others go on */
            static const pend none;
            aus_app_ground_event ev;
            note_set(g, "the ground's record of this request does not decode");
            e = fail_req(g, id, &none, AUS_E_MALFORMED, NULL, now_ms, &ev);
        }
        AUS_TRY(aus_store_txn_leave(g->store, own, e));
    }
}

aus_err aus_app_ground_retry(aus_app_ground *g, uint64_t id, uint64_t now_ms)
{
    pend p;
    int own = 0;
    AUS_ENSURE(g && id, AUS_E_ARG);
    AUS_TRY(aus_store_txn_enter(g->store, &own));
    aus_err e = load_pend(g, id, &p);
    if (e == AUS_OK)
        e = resend_one(g, id, &p, now_ms);
    g->resent += e == AUS_OK;
    return aus_store_txn_leave(g->store, own, e);
}

aus_err aus_app_ground_cancel(aus_app_ground *g, uint64_t id, uint64_t now_ms)
{
    pend p;
    int own = 0;
    aus_app_ground_event ev;
    AUS_ENSURE(g && id, AUS_E_ARG);
    AUS_TRY(aus_store_txn_enter(g->store, &own));
    aus_err e = load_pend(g, id, &p);
    if (e == AUS_OK) {
        note_set(g, "cancelled by the operator");
        e = fail_req(g, id, &p, AUS_E_STATE, NULL, now_ms, &ev);
    }
    e = aus_store_txn_leave(g->store, own, e);
    if (e == AUS_OK && p.type == AUS_APP_IMG_REQ && g->ops.file_discard)
        g->ops.file_discard(g->ops.ctx, id, &p.local); /* after the commit: the record is gone */
    return e;
}

/* ---- FORGET and pruning ---- */

/* The low-water mark: every id below it is answered (or failed). */
static aus_err forget_low(aus_app_ground *g, uint64_t *low)
{
    key_buf k;
    char key[AUS_STORE_KEY_MAX];
    aus_err e =
        g->store->ops->next(g->store->self, gkey(g, &k, GK_PEND, 0, 0, 1), "", key, sizeof key);
    if (e == AUS_OK) {
        *low = key_id(g, key, GK_PEND);
        return *low ? AUS_OK : AUS_E_MALFORMED;
    }
    AUS_ENSURE(e == AUS_E_NOTFOUND, e);
    return aus_store_get_u64(g->store, gkey(g, &k, GK_RID, 0, 0, 0), low);
}

long aus_app_ground_forget(aus_app_ground *g, uint64_t now_ms, aus_app_view *adu, uint64_t *low)
{
    static const aus_app_msg zero;
    key_buf k;
    uint64_t forgot = 0;
    size_t n = 0;
    (void)now_ms;
    AUS_ENSURE(g && adu && low, AUS_E_ARG);
    *low = 0;
    aus_err e = forget_low(g, low);
    if (e == AUS_E_NOTFOUND)
        return 0; /* no request ever */
    AUS_TRY(e);
    AUS_TRY(get_u64_or0(g, gkey(g, &k, GK_FORGOT, 0, 0, 0), &forgot));
    if (forgot == 0)
        forgot = 1;
    if (*low < forgot || *low - forgot < g->cfg.forget_step)
        return 0;
    aus_app_msg m = zero;
    m.type = AUS_APP_FORGET;
    m.offset = *low;
    AUS_TRY(take_id(g, &m.id));
    AUS_TRY(aus_app_encode(&m, g->adu, sizeof g->adu, &n));
    AUS_TRY(aus_store_put_u64(g->store, k.s, *low));
    g->pruned = 0;
    if (g->cfg.keep_answers && *low > g->cfg.keep_answers) {
        uint64_t below = *low - g->cfg.keep_answers;
        long d = del_prefix(g, gkey(g, &k, GK_FAILED, 0, 0, 1), GK_FAILED, below);
        AUS_TRY(d < 0 ? (aus_err)d : AUS_OK);
        d = del_prefix(g, gkey(g, &k, GK_ANS, 0, 0, 1), GK_ANS, below);
        AUS_TRY(d < 0 ? (aus_err)d : AUS_OK);
        g->pruned = (uint64_t)d;
    }
    *adu = (aus_app_view){g->adu, n};
    return 1;
}

/* ---- listing and answers ---- */

const char *aus_app_ground_state_name(uint8_t state)
{
    switch (state) {
    case AUS_APP_GR_PENDING: return "pending";
    case AUS_APP_GR_ANSWERED: return "answered";
    case AUS_APP_GR_FAILED: return "failed";
    default: return "?";
    }
}

static aus_err item_pending(aus_app_ground *g, uint64_t id, uint64_t now, aus_app_ground_item *it)
{
    key_buf k;
    pend p;
    AUS_TRY(load_pend(g, id, &p));
    it->state = AUS_APP_GR_PENDING;
    it->req_type = p.type;
    it->submitted_ms = p.submitted;
    it->last_sent_ms = p.last;
    it->age_ms = now > p.submitted ? now - p.submitted : 0;
    it->sends = p.sends;
    it->local = p.local;
    if (p.info && p.type == AUS_APP_IMG_REQ) {
        it->total = nchunks(p.size, p.chunk);
        AUS_TRY(get_u64_or0(g, gkey(g, &k, GK_HAVE, id, 0, 0), &it->have));
    }
    return AUS_OK;
}

static aus_err item_answer(aus_app_ground *g, uint64_t id, uint64_t now, aus_app_ground_item *it)
{
    aus_app_ground_answer_view a;
    AUS_TRY(aus_app_ground_answer(g, id, &a));
    it->state = a.state;
    it->req_type = a.req_type;
    it->last_sent_ms = a.answered_ms;
    it->age_ms = now > a.answered_ms ? now - a.answered_ms : 0;
    it->local = a.path;
    if (a.has_image && a.state == AUS_APP_GR_ANSWERED)
        it->have = it->total = 1;
    return AUS_OK;
}

aus_err aus_app_ground_next(aus_app_ground *g, uint8_t state, uint64_t after, uint64_t now_ms,
                            aus_app_ground_item *item)
{
    static const aus_app_ground_item zero;
    key_buf prefix, from;
    char key[AUS_STORE_KEY_MAX];
    AUS_ENSURE(g && item, AUS_E_ARG);
    gk kind = state == AUS_APP_GR_PENDING  ? GK_PEND
              : state == AUS_APP_GR_FAILED ? GK_FAILED
                                           : GK_ANS;
    AUS_ENSURE(state >= AUS_APP_GR_PENDING && state <= AUS_APP_GR_FAILED, AUS_E_ARG);
    gkey(g, &prefix, kind, 0, 0, 1);
    gkey(g, &from, kind, after, 0, 0);
    for (;;) {
        AUS_TRY(g->store->ops->next(g->store->self, prefix.s, from.s, key, sizeof key));
        memcpy(from.s, key, sizeof key);
        *item = zero;
        item->id = key_id(g, key, kind);
        if (!item->id)
            continue; /* not a key this file makes */
        if (kind == GK_PEND)
            return item_pending(g, item->id, now_ms, item);
        AUS_TRY(item_answer(g, item->id, now_ms, item));
        if (item->state == state)
            return AUS_OK;
    }
}

aus_err aus_app_ground_get(aus_app_ground *g, uint64_t id, uint64_t now_ms,
                           aus_app_ground_item *item)
{
    static const aus_app_ground_item zero;
    AUS_ENSURE(g && item && id, AUS_E_ARG);
    *item = zero;
    item->id = id;
    aus_err e = item_pending(g, id, now_ms, item);
    return e == AUS_E_NOTFOUND ? item_answer(g, id, now_ms, item) : e;
}

aus_err aus_app_ground_answer(aus_app_ground *g, uint64_t id, aus_app_ground_answer_view *ans)
{
    static const aus_app_ground_answer_view zero;
    key_buf k;
    size_t n = 0;
    AUS_ENSURE(g && ans, AUS_E_ARG);
    *ans = zero;
    AUS_TRY(sget(g, gkey(g, &k, GK_ANS, id, 0, 0), g->rec, sizeof g->rec, &n));
    ans->id = id;
    return ans_decode(ans, g->rec, n);
}

/* ---- import (a store written by an older ground: the port converts its records) ---- */

aus_err aus_app_ground_import_pending(aus_app_ground *g, uint64_t id, const uint8_t *adu,
                                      size_t len, uint64_t sent_ms, const aus_app_view *local,
                                      const aus_app_msg *info, const uint8_t *bitmap, size_t nbits)
{
    static const pend zero;
    aus_app_msg m;
    pend p = zero;
    AUS_ENSURE(g && id && adu, AUS_E_ARG);
    AUS_TRY(aus_app_decode(&m, adu, len));
    AUS_ENSURE(m.id == id && aus_app_is_request(m.type) && m.type != AUS_APP_FORGET,
               AUS_E_MALFORMED);
    p.type = m.type;
    p.submitted = p.last = sent_ms;
    p.sends = 1;
    p.req = (aus_app_view){adu, len};
    p.image = m.type == AUS_APP_IMG_REQ;
    if (p.image) {
        AUS_ENSURE(local && local->n > 0 && local->n < AUS_APP_GROUND_PATH_MAX, AUS_E_ARG);
        p.local = *local;
    }
    if (p.image && info && info->chunk) {
        p.info = 1;
        p.size = info->size;
        p.chunk = info->chunk;
        memcpy(p.sha, info->sha256, AUS_APP_SHA256);
    }
    uint64_t total = p.info ? nchunks(p.size, p.chunk) : 0, have = 0;
    AUS_ENSURE(total <= AUS_APP_GROUND_MAX_CHUNKS, AUS_E_LIMIT);
    size_t n = 0;
    key_buf k;
    AUS_TRY(pend_encode(&p, g->adu, sizeof g->adu, &n));
    AUS_TRY(sput(g, gkey(g, &k, GK_PEND, id, 0, 0), g->adu, n));
    AUS_TRY(drop_progress(g, id));
    for (uint64_t pg = 0; bitmap && pg * PAGE_BITS < total && pg * PAGE_BITS < nbits; pg++) {
        uint8_t page[AUS_APP_GROUND_PAGE];
        uint64_t ones = 0;
        memset(page, 0, sizeof page);
        for (uint64_t i = pg * PAGE_BITS; i < total && i < nbits && i < (pg + 1) * PAGE_BITS; i++)
            if (((unsigned)bitmap[i / 8] >> (i % 8)) & 1u) {
                uint64_t b = i - pg * PAGE_BITS;
                page[b / 8] = (uint8_t)(page[b / 8] | (1u << (b % 8)));
                ones++;
            }
        if (ones)
            AUS_TRY(sput(g, gkey(g, &k, GK_BITS, id, (uint32_t)pg, 0), page, sizeof page));
        have += ones;
    }
    return have ? aus_store_put_u64(g->store, gkey(g, &k, GK_HAVE, id, 0, 0), have) : AUS_OK;
}

aus_err aus_app_ground_import_answer(aus_app_ground *g, const aus_app_ground_answer_view *a)
{
    key_buf k;
    size_t n = 0;
    AUS_ENSURE(g && a && a->id, AUS_E_ARG);
    AUS_ENSURE(a->state == AUS_APP_GR_ANSWERED || a->state == AUS_APP_GR_FAILED, AUS_E_ARG);
    AUS_TRY(ans_encode(a, g->adu, sizeof g->adu, &n));
    AUS_TRY(sput(g, gkey(g, &k, GK_ANS, a->id, 0, 0), g->adu, n));
    if (a->state == AUS_APP_GR_FAILED)
        AUS_TRY(sput(g, gkey(g, &k, GK_FAILED, a->id, 0, 0), (const uint8_t *)"", 0));
    return AUS_OK;
}
