/* SPDX-License-Identifier: Apache-2.0 */
/* The ground's request life (src/app/app_ground.c) over the in-memory store, against the real
 * satellite side (aus_app_sat): round trips of every request type, hostile answers, the port's
 * file operations failing, re-sends of missing ranges, FORGET and pruning, and every store
 * write failed in turn ("fail, restart, answered exactly once"). */
#include "aus_test.h"

#include "australis/app.h"
#include "australis/app_ground.h"
#include "australis/crypto.h"

#define IMG_SIZE 10000u
#define MAXF 8
#define MAXQ 64

typedef struct tfile {
    uint64_t id;
    uint8_t data[IMG_SIZE + 64];
    uint64_t len;
    int created, discarded, placed;
} tfile;

typedef struct world {
    tst_store *gmem, *smem;
    aus_store gst, sst;
    aus_app_ground g;
    aus_app_sat sat;
    aus_app_ground_cfg cfg;
    uint8_t file[IMG_SIZE];
    uint8_t down[300][4200]; /* satellite -> ground */
    size_t dlen[300];
    int ndown;
    long outseq;
    tfile f[MAXF];
    int hooks;
    uint64_t fail_write_id, fail_hash_id, fail_place_id; /* the port fails for this request */
    int hook_refuse;                                     /* answer hook: verdict ERROR + note */
} world;

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    const aus_crypto *c = aus_crypto_default();
    aus_iov iov = {p, n};
    assert_int_equal(c->ops->hash(c->self, AUS_HASH_SHA256, &iov, 1, out, 32), AUS_OK);
}

/* ---- the satellite ---- */

static aus_err s_emit(void *ctx, const uint8_t *adu, size_t len)
{
    world *w = ctx;
    assert_true(w->ndown < 300 && len <= sizeof w->down[0]);
    memcpy(w->down[w->ndown], adu, len);
    w->dlen[w->ndown++] = len;
    return AUS_OK;
}

static size_t s_health(void *ctx, aus_app_kv *kv, size_t cap)
{
    (void)ctx;
    assert_true(cap >= 1);
    kv[0].name = (aus_app_view){(const uint8_t *)"uptime_s", 8};
    kv[0].num = 42;
    return 1;
}

static aus_err s_info(void *ctx, const aus_app_view *path, uint64_t *size, uint8_t sha[32])
{
    world *w = ctx;
    if (path->n == 5 && !memcmp(path->p, "empty", 5)) {
        *size = 0;
        sha256(NULL, 0, sha);
        return AUS_OK;
    }
    if (path->n != 3 || memcmp(path->p, "img", 3))
        return AUS_E_NOTFOUND;
    *size = IMG_SIZE;
    sha256(w->file, IMG_SIZE, sha);
    return AUS_OK;
}

static aus_err s_read(void *ctx, const aus_app_view *path, uint64_t off, uint8_t *buf, size_t len)
{
    world *w = ctx;
    (void)path;
    assert_true(off + len <= IMG_SIZE);
    memcpy(buf, w->file + off, len);
    return AUS_OK;
}

static aus_err s_rekey(void *ctx, uint32_t kind, const uint8_t *body, size_t len, uint8_t *out,
                       size_t cap, size_t *outlen)
{
    (void)ctx;
    (void)kind;
    assert_true(len <= cap);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(body[i] ^ 0xff);
    *outlen = len;
    return AUS_OK;
}

/* ---- the ground's port ---- */

/* The agent's queue lives in the ground's store: a re-send is queued in its transaction. */
static aus_err g_send(void *ctx, const uint8_t *adu, size_t len)
{
    world *w = ctx;
    char key[64];
    snprintf(key, sizeof key, "out/%08ld", w->outseq++);
    return w->gst.ops->put(w->gst.self, key, adu, len);
}

static aus_err g_answer(void *ctx, uint8_t req_type, const aus_app_msg *ans, uint32_t *status,
                        char *note, size_t cap)
{
    world *w = ctx;
    (void)ans;
    w->hooks++;
    if (w->hook_refuse && req_type == AUS_APP_REKEY_REQ) {
        *status = AUS_APP_ST_ERROR;
        snprintf(note, cap, "rekey response refused: key unknown");
    }
    return AUS_OK;
}

static tfile *tf(world *w, uint64_t id)
{
    for (int i = 0; i < MAXF; i++)
        if (w->f[i].id == id)
            return &w->f[i];
    for (int i = 0; i < MAXF; i++)
        if (!w->f[i].id) {
            w->f[i].id = id;
            return &w->f[i];
        }
    fail_msg("too many downloads");
    return NULL;
}

static aus_err g_write(void *ctx, uint64_t id, const aus_app_view *local, int first, uint64_t off,
                       const uint8_t *p, size_t len, char *why, size_t cap)
{
    world *w = ctx;
    (void)local;
    tfile *f = tf(w, id);
    if (w->fail_write_id == id) {
        snprintf(why, cap, "cannot write to the temporary: No space left on device");
        return AUS_E_IO;
    }
    if (first)
        f->created++;
    assert_true(f->created > 0); /* never written before it was created */
    assert_true(off + len <= sizeof f->data);
    if (len)
        memcpy(f->data + off, p, len);
    if (off + len > f->len)
        f->len = off + len;
    return AUS_OK;
}

static aus_err g_hash(void *ctx, uint64_t id, const aus_app_view *local, uint64_t size,
                      uint8_t sha[32], char *why, size_t cap)
{
    world *w = ctx;
    (void)local;
    if (w->fail_hash_id == id) {
        snprintf(why, cap, "cannot read the temporary: Input/output error");
        return AUS_E_IO;
    }
    tfile *f = tf(w, id);
    assert_true(size <= f->len);
    sha256(f->data, (size_t)size, sha);
    return AUS_OK;
}

static aus_err g_place(void *ctx, uint64_t id, const aus_app_view *local, char *why, size_t cap)
{
    world *w = ctx;
    (void)local;
    if (w->fail_place_id == id) {
        snprintf(why, cap, "out.bin already exists and is never replaced: kept as out.bin.%llu",
                 (unsigned long long)id);
        return AUS_E_IO;
    }
    tf(w, id)->placed++;
    return AUS_OK;
}

static void g_discard(void *ctx, uint64_t id, const aus_app_view *local)
{
    world *w = ctx;
    (void)local;
    tf(w, id)->discarded++;
}

static const aus_app_ground_ops *gops(world *w)
{
    static aus_app_ground_ops o;
    o = (aus_app_ground_ops){g_send, g_answer, g_write, g_hash, g_place, g_discard, w, NULL};
    return &o;
}

static world *mk_cfg(uint64_t keep, uint64_t step)
{
    world *w = calloc(1, sizeof *w);
    w->gmem = tst_store_new();
    w->smem = tst_store_new();
    w->gst = tst_store_iface(w->gmem);
    w->sst = tst_store_iface(w->smem);
    for (size_t i = 0; i < IMG_SIZE; i++)
        w->file[i] = (uint8_t)(i * 13 + (i >> 8));
    aus_app_sat_ops sops = {s_health, s_info, s_read, s_rekey, s_emit, w, NULL, NULL, NULL, NULL};
    assert_int_equal(aus_app_sat_init(&w->sat, &w->sst, &sops, "tenA", 4096), AUS_OK);
    w->cfg = (aus_app_ground_cfg){60000, keep, 4096, step};
    assert_int_equal(aus_app_ground_init(&w->g, &w->gst, gops(w), "tenA", &w->cfg), AUS_OK);
    return w;
}

static world *mk(void) { return mk_cfg(0, 0); }

static void done(world *w)
{
    tst_store_free(w->gmem);
    tst_store_free(w->smem);
    free(w);
}

/* A restart: the context's RAM is gone; a fresh one over the same store. */
static void restart(world *w)
{
    memset(&w->g, 0xa5, sizeof w->g);
    assert_int_equal(aus_app_ground_init(&w->g, &w->gst, gops(w), "tenA", &w->cfg), AUS_OK);
}

/* Submit the way the daemon does: one transaction with the queued bundle. */
static aus_err submit_try(world *w, aus_app_msg *m, const char *local, uint64_t now, uint64_t *id)
{
    aus_app_view l = {(const uint8_t *)local, local ? strlen(local) : 0}, adu;
    AUS_TRY(w->gst.ops->begin(w->gst.self));
    aus_err e = aus_app_ground_submit(&w->g, m, local ? &l : NULL, now, id, &adu);
    if (e == AUS_OK)
        e = g_send(w, adu.p, adu.n);
    if (e != AUS_OK) {
        assert_int_equal(w->gst.ops->rollback(w->gst.self), AUS_OK);
        return e;
    }
    return w->gst.ops->commit(w->gst.self); /* a failed commit rolls back */
}

static uint64_t submit(world *w, uint8_t type, const char *name, const char *local)
{
    aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    if (type == AUS_APP_CMD || type == AUS_APP_IMG_REQ)
        m.name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    if (type == AUS_APP_CMD) {
        m.nargs = 1;
        m.args[0] = (aus_app_view){(const uint8_t *)"a", 1};
    }
    if (type == AUS_APP_REKEY_REQ) {
        m.kind = 1;
        m.data = (aus_app_view){(const uint8_t *)"\x01\x02\x03", 3};
    }
    uint64_t id = 0;
    assert_int_equal(submit_try(w, &m, local, 1000, &id), AUS_OK);
    assert_int_equal(id, m.id);
    return id;
}

/* Take every queued ADU out of the ground's store (the link) and let the satellite handle it;
 * its answers wait in w->down. Returns how many went up. */
static int uplink(world *w, int drop)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t adu[8192];
    int n = 0;
    while (w->gst.ops->next(w->gst.self, "out/", "", key, sizeof key) == AUS_OK) {
        size_t len = 0;
        assert_int_equal(w->gst.ops->get(w->gst.self, key, adu, sizeof adu, &len), AUS_OK);
        assert_int_equal(w->gst.ops->del(w->gst.self, key), AUS_OK);
        n++;
        if (drop)
            continue;
        int pending = 0;
        assert_int_equal(w->sst.ops->begin(w->sst.self), AUS_OK);
        assert_int_equal(aus_app_sat_handle(&w->sat, adu, len, 0, &pending), AUS_OK);
        assert_int_equal(w->sst.ops->commit(w->sst.self), AUS_OK);
    }
    return n;
}

/* One answer into the ground, in its own transaction (the daemon's receive transaction). */
static aus_err deliver(world *w, const uint8_t *adu, size_t len, aus_app_ground_event *ev)
{
    AUS_TRY(w->gst.ops->begin(w->gst.self));
    aus_err e = aus_app_ground_on_adu(&w->g, adu, len, 2000, ev);
    if (e != AUS_OK) {
        assert_int_equal(w->gst.ops->rollback(w->gst.self), AUS_OK);
        return e;
    }
    return w->gst.ops->commit(w->gst.self);
}

/* Deliver w->down[from..] (skipping the indexes in skip[]); the last event in *ev. */
static void downlink(world *w, int from, const int *skip, int nskip, aus_app_ground_event *ev)
{
    for (int i = from; i < w->ndown; i++) {
        int s = 0;
        for (int j = 0; j < nskip; j++)
            s |= skip[j] == i;
        if (!s)
            assert_int_equal(deliver(w, w->down[i], w->dlen[i], ev), AUS_OK);
    }
}

static size_t enc(const aus_app_msg *m, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    assert_int_equal(aus_app_encode(m, buf, cap, &n), AUS_OK);
    return n;
}

static long count_state(world *w, uint8_t state)
{
    aus_app_ground_item it;
    uint64_t after = 0;
    long n = 0;
    while (aus_app_ground_next(&w->g, state, after, 3000, &it) == AUS_OK) {
        after = it.id;
        n++;
    }
    return n;
}

/* ---- round trips ---- */

static void test_round_trip_each_type(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    aus_app_msg r;
    uint64_t tm = submit(w, AUS_APP_TM_QUERY, NULL, NULL);
    uint64_t cmd = submit(w, AUS_APP_CMD, "ping", NULL);
    uint64_t img = submit(w, AUS_APP_IMG_REQ, "img", "out.bin");
    uint64_t rk = submit(w, AUS_APP_REKEY_REQ, NULL, NULL);
    uint64_t none = submit(w, AUS_APP_IMG_REQ, "nope", "nope.bin");
    assert_int_equal(tm, 1);
    assert_int_equal(none, 5);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 5);
    assert_int_equal(uplink(w, 0), 5);
    assert_int_equal(w->ndown, 1 + 1 + 4 + 1 + 1); /* report, resp, info + 3 chunks, rekey, info */
    downlink(w, 0, NULL, 0, &ev);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 0);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 5);
    assert_int_equal(w->hooks, 4); /* every final answer but the download */
    /* telemetry: the report as received */
    assert_int_equal(aus_app_ground_answer(&w->g, tm, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_ANSWERED);
    assert_int_equal(a.req_type, AUS_APP_TM_QUERY);
    tst_assert_bytes(a.adu.p, a.adu.n, w->down[0], w->dlen[0]);
    assert_int_equal(aus_app_decode(&r, a.adu.p, a.adu.n), AUS_OK);
    assert_int_equal(r.kv[0].num, 42);
    /* command */
    assert_int_equal(aus_app_ground_answer(&w->g, cmd, &a), AUS_OK);
    assert_int_equal(aus_app_decode(&r, a.adu.p, a.adu.n), AUS_OK);
    assert_int_equal(r.status, AUS_APP_ST_OK);
    assert_memory_equal(r.data.p, "pong a", 6);
    /* image: verified and placed */
    assert_int_equal(aus_app_ground_answer(&w->g, img, &a), AUS_OK);
    assert_int_equal(a.status, AUS_APP_ST_OK);
    assert_true(a.has_image);
    assert_int_equal(a.size, IMG_SIZE);
    assert_int_equal(a.adu.n, 0);
    assert_memory_equal(a.path.p, "out.bin", 7);
    assert_memory_equal(a.note.p, "SHA-256 verified", a.note.n);
    uint8_t sha[32];
    sha256(w->file, IMG_SIZE, sha);
    assert_memory_equal(a.sha256, sha, 32);
    tfile *f = tf(w, img);
    assert_int_equal(f->placed, 1);
    assert_int_equal(f->created, 1);
    assert_memory_equal(f->data, w->file, IMG_SIZE);
    /* rekey */
    assert_int_equal(aus_app_ground_answer(&w->g, rk, &a), AUS_OK);
    assert_int_equal(aus_app_decode(&r, a.adu.p, a.adu.n), AUS_OK);
    assert_int_equal(r.type, AUS_APP_REKEY_RESP);
    assert_memory_equal(r.data.p, "\xfe\xfd\xfc", 3);
    /* a missing file: answered with the satellite's status and a sentence */
    assert_int_equal(aus_app_ground_answer(&w->g, none, &a), AUS_OK);
    assert_int_equal(a.status, AUS_APP_ST_UNKNOWN);
    assert_int_equal(a.note.n, strlen("no such file on the satellite"));
    assert_memory_equal(a.note.p, "no such file on the satellite", a.note.n);
    /* every answer again (a re-send answered twice): nothing changes, nothing runs twice */
    int n = w->ndown;
    for (int i = 0; i < n; i++) {
        assert_int_equal(deliver(w, w->down[i], w->dlen[i], &ev), AUS_OK);
        assert_int_equal(ev.kind, AUS_APP_GR_EV_IGNORED);
        assert_int_equal(ev.reason, AUS_E_REPLAY);
    }
    assert_int_equal(w->hooks, 4);
    assert_int_equal(f->placed, 1);
    assert_int_equal(w->g.answered, 5);
    assert_int_equal(w->g.ignored, (uint64_t)n);
    /* nothing pending: nothing to re-send */
    assert_int_equal(aus_app_ground_resend(&w->g, 1000000, 999999), 0);
    done(w);
}

static void test_answer_hook_and_empty_file(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    w->hook_refuse = 1;
    uint64_t rk = submit(w, AUS_APP_REKEY_REQ, NULL, NULL);
    uint64_t em = submit(w, AUS_APP_IMG_REQ, "empty", "e.bin");
    assert_int_equal(uplink(w, 0), 2);
    assert_int_equal(w->ndown, 2); /* rekey response; the empty file's info, no chunk */
    assert_int_equal(deliver(w, w->down[0], w->dlen[0], &ev), AUS_OK);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    assert_int_equal(aus_app_ground_answer(&w->g, rk, &a), AUS_OK);
    assert_int_equal(a.status, AUS_APP_ST_ERROR); /* the port's verdict is kept */
    assert_memory_equal(a.note.p, "rekey response refused: key unknown", a.note.n);
    assert_int_equal(deliver(w, w->down[1], w->dlen[1], &ev), AUS_OK);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    assert_int_equal(ev.total, 0);
    assert_int_equal(aus_app_ground_answer(&w->g, em, &a), AUS_OK);
    assert_int_equal(a.size, 0);
    assert_int_equal(tf(w, em)->placed, 1);
    done(w);
}

/* ---- hostile answers ---- */

static void test_hostile_answers(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_msg m;
    uint8_t buf[AUS_APP_GROUND_REC_MAX + 64];
    static uint8_t big[AUS_APP_OUTPUT_MAX + 2048];
    uint64_t cmd = submit(w, AUS_APP_CMD, "ping", NULL);
    uint64_t img = submit(w, AUS_APP_IMG_REQ, "img", "out.bin");
    assert_int_equal(uplink(w, 0), 2);
    /* unknown id: consumed, nothing stored */
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_CMD_RESP;
    m.id = 999;
    size_t n = enc(&m, buf, sizeof buf);
    long before = count_state(w, AUS_APP_GR_ANSWERED);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_OK);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_IGNORED);
    assert_int_equal(ev.reason, AUS_E_NOTFOUND);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), before);
    /* a request type is not an answer */
    m.type = AUS_APP_CMD;
    m.id = cmd;
    n = enc(&m, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_POLICY);
    /* an answer of the wrong kind for this request */
    m.type = AUS_APP_TM_REPORT;
    n = enc(&m, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_POLICY);
    m.type = AUS_APP_IMG_CHUNK;
    n = enc(&m, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_POLICY);
    /* oversized: a response longer than a record holds */
    m.type = AUS_APP_CMD_RESP;
    m.data = (aus_app_view){big, sizeof big};
    n = enc(&m, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_LIMIT);
    /* junk */
    assert_int_equal(deliver(w, (const uint8_t *)"\x83\x01", 2, &ev), AUS_E_TRUNC);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 2);
    /* image: a chunk before the info is dropped (asked again later) */
    aus_app_msg c;
    assert_int_equal(aus_app_decode(&c, w->down[2], w->dlen[2]), AUS_OK);
    assert_int_equal(c.type, AUS_APP_IMG_CHUNK);
    assert_int_equal(deliver(w, w->down[2], w->dlen[2], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_AGAIN);
    assert_int_equal(deliver(w, w->down[1], w->dlen[1], &ev), AUS_OK); /* info */
    assert_int_equal(ev.kind, AUS_APP_GR_EV_INFO);
    assert_int_equal(ev.total, 3);
    /* info with chunk size 0 */
    aus_app_msg i2;
    assert_int_equal(aus_app_decode(&i2, w->down[1], w->dlen[1]), AUS_OK);
    i2.chunk = 0;
    n = enc(&i2, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_MALFORMED);
    /* chunks outside the file, off the grid, short, oversized */
    aus_app_msg h = c;
    h.offset = IMG_SIZE;
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_MALFORMED);
    h.offset = 8192 + 4096;
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_MALFORMED);
    h.offset = 100;
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_MALFORMED);
    h.offset = 0;
    h.data.n = 4095;
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_MALFORMED);
    h.offset = 8192; /* the last chunk is 1808 bytes: 4096 runs past the end */
    h.data.n = 4096;
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_MALFORMED);
    h.offset = 0;
    h.data = (aus_app_view){big, 4097};
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_E_LIMIT);
    /* a chunk of another version of the file (other SHA-256): ignored */
    h = c;
    h.sha256[0] ^= 1;
    n = enc(&h, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_STATE);
    assert_int_equal(tf(w, img)->created, 0); /* none of these reached the file */
    /* the real chunks: complete; one twice first */
    assert_int_equal(deliver(w, w->down[2], w->dlen[2], &ev), AUS_OK);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_CHUNK);
    assert_int_equal(ev.have, 1);
    assert_int_equal(deliver(w, w->down[2], w->dlen[2], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_REPLAY);
    assert_int_equal(ev.have, 1);
    downlink(w, 3, NULL, 0, &ev);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    assert_int_equal(tf(w, img)->placed, 1);
    done(w);
}

static void test_wrong_sha_and_limits(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    uint8_t buf[8192];
    uint64_t img = submit(w, AUS_APP_IMG_REQ, "img", "out.bin");
    uint64_t huge = submit(w, AUS_APP_IMG_REQ, "img", "huge.bin");
    assert_int_equal(uplink(w, 0), 2);
    /* the satellite's file changes between the info and the chunks: the data received does
     * not hash to the SHA-256 announced (every chunk carries the announced one) */
    aus_app_msg info;
    assert_int_equal(aus_app_decode(&info, w->down[0], w->dlen[0]), AUS_OK);
    assert_int_equal(deliver(w, w->down[0], w->dlen[0], &ev), AUS_OK);
    for (int i = 1; i < 4; i++) {
        aus_app_msg c;
        assert_int_equal(aus_app_decode(&c, w->down[i], w->dlen[i]), AUS_OK);
        uint8_t d[4096];
        memcpy(d, c.data.p, c.data.n);
        d[0] ^= 0x80;
        c.data.p = d;
        size_t n = enc(&c, buf, sizeof buf);
        assert_int_equal(deliver(w, buf, n, &ev), AUS_OK);
    }
    assert_int_equal(ev.kind, AUS_APP_GR_EV_FAILED);
    assert_int_equal(ev.reason, AUS_E_AUTH);
    assert_int_equal(aus_app_ground_answer(&w->g, img, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_int_equal(a.reason, AUS_E_AUTH);
    assert_true(a.has_image);
    assert_false(memcmp(a.sha256, info.sha256, 32) == 0);
    assert_memory_equal(a.note.p, "SHA-256 mismatch", 16);
    assert_int_equal(tf(w, img)->discarded, 1);
    assert_int_equal(tf(w, img)->placed, 0);
    /* later copies change nothing */
    assert_int_equal(deliver(w, w->down[1], w->dlen[1], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_REPLAY);
    /* an image with more chunks than the ground tracks: that request fails */
    info.id = huge;
    info.size = (uint64_t)AUS_APP_GROUND_MAX_CHUNKS * 4096u + 1;
    size_t n = enc(&info, buf, sizeof buf);
    assert_int_equal(deliver(w, buf, n, &ev), AUS_OK);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_FAILED);
    assert_int_equal(ev.reason, AUS_E_LIMIT);
    assert_int_equal(count_state(w, AUS_APP_GR_FAILED), 2);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 0);
    assert_int_equal(w->g.failed, 2);
    done(w);
}

/* ---- the port's file operations fail: that request fails, the others go on ---- */

static void test_file_failure_fails_one_request(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    uint64_t bad = submit(w, AUS_APP_IMG_REQ, "img", "full/out.bin");
    uint64_t good = submit(w, AUS_APP_IMG_REQ, "img", "out.bin");
    uint64_t hashf = submit(w, AUS_APP_IMG_REQ, "img", "h.bin");
    uint64_t placef = submit(w, AUS_APP_IMG_REQ, "img", "p.bin");
    w->fail_write_id = bad;
    w->fail_hash_id = hashf;
    w->fail_place_id = placef;
    assert_int_equal(uplink(w, 0), 4);
    assert_int_equal(w->ndown, 16);
    downlink(w, 0, NULL, 0, &ev);
    assert_int_equal(aus_app_ground_answer(&w->g, bad, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_int_equal(a.reason, AUS_E_IO);
    assert_int_equal(a.note.n, strlen("cannot write to the temporary: No space left on device"));
    assert_memory_equal(a.note.p, "cannot write to the temporary: No space left on device",
                        a.note.n);
    assert_int_equal(tf(w, bad)->discarded, 1);
    assert_false(a.has_image); /* no outcome, but the path it was for */
    assert_memory_equal(a.path.p, "full/out.bin", a.path.n);
    assert_int_equal(aus_app_ground_answer(&w->g, good, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_ANSWERED);
    assert_memory_equal(tf(w, good)->data, w->file, IMG_SIZE);
    assert_int_equal(aus_app_ground_answer(&w->g, hashf, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_memory_equal(a.note.p, "cannot read the temporary", 25);
    assert_int_equal(tf(w, hashf)->discarded, 1);
    assert_int_equal(aus_app_ground_answer(&w->g, placef, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_true(a.has_image); /* verified, kept elsewhere: the sentence says where */
    assert_memory_equal(a.note.p, "out.bin already exists", 22);
    assert_int_equal(tf(w, placef)->discarded, 0);
    /* the failed ones are listed, in id order */
    aus_app_ground_item it;
    assert_int_equal(aus_app_ground_next(&w->g, AUS_APP_GR_FAILED, 0, 3000, &it), AUS_OK);
    assert_int_equal(it.id, bad);
    assert_int_equal(it.state, AUS_APP_GR_FAILED);
    assert_int_equal(it.req_type, AUS_APP_IMG_REQ);
    assert_int_equal(aus_app_ground_next(&w->g, AUS_APP_GR_FAILED, bad, 3000, &it), AUS_OK);
    assert_int_equal(it.id, hashf);
    assert_int_equal(aus_app_ground_next(&w->g, AUS_APP_GR_FAILED, hashf, 3000, &it), AUS_OK);
    assert_int_equal(it.id, placef);
    assert_int_equal(aus_app_ground_next(&w->g, AUS_APP_GR_FAILED, placef, 3000, &it),
                     AUS_E_NOTFOUND);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 1);
    done(w);
}

/* ---- re-sends ---- */

static void test_resend_missing_ranges(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_IMG_REQ;
    m.name = (aus_app_view){(const uint8_t *)"img", 3};
    m.chunk = 1000;
    uint64_t img = 0;
    assert_int_equal(submit_try(w, &m, "out.bin", 1000, &img), AUS_OK);
    uint64_t cmd = submit(w, AUS_APP_CMD, "ping", NULL);
    /* the command's bundle is lost; the image's chunks 2, 3 and 7 too */
    char key[AUS_STORE_KEY_MAX];
    uint8_t first[512];
    size_t flen = 0;
    assert_int_equal(w->gst.ops->next(w->gst.self, "out/", "out/00000000", key, sizeof key),
                     AUS_OK);
    assert_int_equal(w->gst.ops->get(w->gst.self, key, first, sizeof first, &flen), AUS_OK);
    assert_int_equal(w->gst.ops->del(w->gst.self, key), AUS_OK);
    assert_int_equal(uplink(w, 0), 1);
    assert_int_equal(w->ndown, 11);
    int skip[] = {3, 4, 8}; /* down[0] is the info, down[1 + k] chunk k */
    downlink(w, 0, skip, 3, &ev);
    assert_int_equal(ev.have, 7);
    assert_int_equal(ev.total, 10);
    aus_app_ground_item it;
    assert_int_equal(aus_app_ground_get(&w->g, img, 5000, &it), AUS_OK);
    assert_int_equal(it.state, AUS_APP_GR_PENDING);
    assert_int_equal(it.have, 7);
    assert_int_equal(it.total, 10);
    assert_int_equal(it.age_ms, 4000);
    assert_int_equal(it.sends, 1);
    assert_memory_equal(it.local.p, "out.bin", 7);
    /* not due yet */
    assert_int_equal(aus_app_ground_due(&w->g, 30000), 0);
    assert_int_equal(aus_app_ground_resend(&w->g, 30000, aus_app_ground_due(&w->g, 30000)), 0);
    /* due: both re-sent, the image with the missing ranges only */
    assert_int_equal(aus_app_ground_resend(&w->g, 70000, aus_app_ground_due(&w->g, 70000)), 2);
    assert_int_equal(aus_app_ground_resend(&w->g, 70001, aus_app_ground_due(&w->g, 70001)), 0);
    uint8_t adu[512];
    size_t n = 0;
    assert_int_equal(w->gst.ops->next(w->gst.self, "out/", "", key, sizeof key), AUS_OK);
    assert_int_equal(w->gst.ops->get(w->gst.self, key, adu, sizeof adu, &n), AUS_OK);
    aus_app_msg r;
    assert_int_equal(aus_app_decode(&r, adu, n), AUS_OK);
    assert_int_equal(r.id, img);
    assert_int_equal(r.nranges, 2);
    assert_int_equal(r.ranges[0].off, 2000);
    assert_int_equal(r.ranges[0].len, 2000);
    assert_int_equal(r.ranges[1].off, 7000);
    assert_int_equal(r.ranges[1].len, 1000);
    char k2[AUS_STORE_KEY_MAX];
    assert_int_equal(w->gst.ops->next(w->gst.self, "out/", key, k2, sizeof k2), AUS_OK);
    assert_int_equal(w->gst.ops->get(w->gst.self, k2, adu, sizeof adu, &n), AUS_OK);
    tst_assert_bytes(adu, n, first, flen); /* the command: the same bytes, the same id */
    assert_int_equal(aus_app_ground_get(&w->g, cmd, 70000, &it), AUS_OK);
    assert_int_equal(it.sends, 2);
    assert_int_equal(it.last_sent_ms, 70000);
    int from = w->ndown;
    assert_int_equal(uplink(w, 0), 2);
    assert_int_equal(w->ndown - from, 1 + 3 + 1); /* info, chunks 2 3 7, the response */
    downlink(w, from, NULL, 0, &ev);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 0);
    assert_memory_equal(tf(w, img)->data, w->file, IMG_SIZE);
    assert_int_equal(tf(w, img)->created, 1);
    /* a record that no longer decodes fails alone; the others are re-sent */
    uint64_t c2 = submit(w, AUS_APP_CMD, "ping", NULL);
    uint64_t c3 = submit(w, AUS_APP_CMD, "ping", NULL);
    snprintf(key, sizeof key, "gr/tenA/pend/%016llx", (unsigned long long)c2);
    assert_int_equal(w->gst.ops->put(w->gst.self, key, (const uint8_t *)"{\"json\":1}", 10),
                     AUS_OK);
    assert_int_equal(aus_app_ground_resend(&w->g, 900000, 800000), 1);
    aus_app_ground_answer_view a;
    assert_int_equal(aus_app_ground_answer(&w->g, c2, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_int_equal(a.reason, AUS_E_MALFORMED);
    assert_int_equal(aus_app_ground_get(&w->g, c3, 900000, &it), AUS_OK);
    assert_int_equal(it.sends, 2);
    done(w);
}

/* The operator's retry (now, not after retry_ms) and cancel. */
static void test_retry_and_cancel(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_ground_item it;
    aus_app_ground_answer_view a;
    uint64_t cmd = submit(w, AUS_APP_CMD, "ping", NULL);
    assert_int_equal(uplink(w, 1), 1); /* lost */
    /* not due for another minute, yet sent again now */
    assert_int_equal(aus_app_ground_retry(&w->g, cmd, 1500), AUS_OK);
    assert_int_equal(aus_app_ground_get(&w->g, cmd, 1500, &it), AUS_OK);
    assert_int_equal(it.sends, 2);
    assert_int_equal(it.last_sent_ms, 1500);
    assert_int_equal(uplink(w, 0), 1);
    downlink(w, 0, NULL, 0, &ev);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    /* answered: nothing to retry or cancel */
    assert_int_equal(aus_app_ground_retry(&w->g, cmd, 1600), AUS_E_NOTFOUND);
    assert_int_equal(aus_app_ground_cancel(&w->g, cmd, 1600), AUS_E_NOTFOUND);
    assert_int_equal(aus_app_ground_retry(&w->g, 999, 1600), AUS_E_NOTFOUND);
    assert_int_equal(aus_app_ground_cancel(&w->g, 999, 1600), AUS_E_NOTFOUND);
    /* an image half downloaded, then cancelled: FAILED with the sentence, temporary removed,
     * and the chunks still on their way are ignored */
    aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_IMG_REQ;
    m.name = (aus_app_view){(const uint8_t *)"img", 3};
    m.chunk = 1000;
    uint64_t img = 0;
    assert_int_equal(submit_try(w, &m, "out.bin", 1000, &img), AUS_OK);
    int from = w->ndown;
    assert_int_equal(uplink(w, 0), 1);
    assert_int_equal(deliver(w, w->down[from], w->dlen[from], &ev), AUS_OK);         /* info */
    assert_int_equal(deliver(w, w->down[from + 1], w->dlen[from + 1], &ev), AUS_OK); /* chunk */
    assert_int_equal(aus_app_ground_cancel(&w->g, img, 1700), AUS_OK);
    assert_int_equal(tf(w, img)->discarded, 1);
    assert_int_equal(aus_app_ground_answer(&w->g, img, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_int_equal(a.reason, AUS_E_STATE);
    assert_int_equal(a.note.n, strlen("cancelled by the operator"));
    assert_memory_equal(a.note.p, "cancelled by the operator", a.note.n);
    assert_int_equal(deliver(w, w->down[from + 2], w->dlen[from + 2], &ev), AUS_OK);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_IGNORED);
    assert_int_equal(ev.reason, AUS_E_REPLAY);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 0);
    assert_int_equal(aus_app_ground_resend(&w->g, 900000, 800000), 0);
    /* a store failure leaves the request pending, nothing half done */
    uint64_t c2 = submit(w, AUS_APP_CMD, "ping", NULL);
    tst_store_fail_after(w->gmem, 0, 0);
    assert_int_equal(aus_app_ground_cancel(&w->g, c2, 1800), AUS_E_IO);
    tst_store_fail_after(w->gmem, -1, 0);
    assert_int_equal(aus_app_ground_get(&w->g, c2, 1800, &it), AUS_OK);
    assert_int_equal(it.state, AUS_APP_GR_PENDING);
    done(w);
}

/* ---- FORGET and pruning ---- */

static void test_forget_and_prune(void **st)
{
    (void)st;
    world *w = mk_cfg(10, 64);
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    aus_app_view adu;
    uint64_t low = 0;
    assert_int_equal(aus_app_ground_forget(&w->g, 0, &adu, &low), 0); /* no request ever */
    for (int i = 0; i < 70; i++)
        (void)submit(w, AUS_APP_CMD, "ping", NULL);
    assert_int_equal(uplink(w, 0), 70);
    downlink(w, 0, NULL, 0, &ev);
    uint64_t held = submit(w, AUS_APP_CMD, "ping", NULL); /* 71, never answered */
    assert_int_equal(held, 71);
    assert_int_equal(w->gst.ops->begin(w->gst.self), AUS_OK);
    assert_int_equal(aus_app_ground_forget(&w->g, 0, &adu, &low), 1);
    assert_int_equal(w->gst.ops->commit(w->gst.self), AUS_OK);
    assert_int_equal(low, 71);
    aus_app_msg f;
    assert_int_equal(aus_app_decode(&f, adu.p, adu.n), AUS_OK);
    assert_int_equal(f.type, AUS_APP_FORGET);
    assert_int_equal(f.offset, 71);
    assert_int_equal(f.id, 72); /* a fresh id */
    /* answers below 71 - 10 are pruned; the last ten stay */
    assert_int_equal(aus_app_ground_answer(&w->g, 60, &a), AUS_E_NOTFOUND);
    assert_int_equal(aus_app_ground_answer(&w->g, 61, &a), AUS_OK);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 10);
    /* not again until the mark moves by 64 */
    assert_int_equal(aus_app_ground_forget(&w->g, 0, &adu, &low), 0);
    /* a late answer to a pruned request: unknown now, ignored */
    assert_int_equal(deliver(w, w->down[0], w->dlen[0], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_NOTFOUND);
    /* the satellite drops its records below the mark */
    int pending = 0;
    assert_int_equal(w->sst.ops->begin(w->sst.self), AUS_OK);
    assert_int_equal(aus_app_sat_handle(&w->sat, adu.p, adu.n, 0, &pending), AUS_OK);
    assert_int_equal(w->sst.ops->commit(w->sst.self), AUS_OK);
    assert_int_equal(aus_app_sat_forget(&w->sat, 71), 0);
    done(w);
}

/* ---- store failures at every write: restart, answered exactly once ---- */

typedef void (*setup_fn)(world *w);
typedef aus_err (*op_fn)(world *w);
typedef void (*check_fn)(world *w);

static void run_every_write(setup_fn setup, op_fn op, check_fn check, long min_writes)
{
    world *w = mk_cfg(5, 4);
    setup(w);
    tst_store_count_tx_writes(w->gmem, 1);
    tst_store_fail_after(w->gmem, -1, 0);
    assert_int_equal(op(w), AUS_OK);
    long writes = tst_store_writes(w->gmem);
    check(w);
    done(w);
    assert_true(writes >= min_writes);
    for (long k = 0; k < writes; k++) {
        w = mk_cfg(5, 4);
        setup(w);
        tst_store_count_tx_writes(w->gmem, 1);
        tst_store_fail_after(w->gmem, k, 0);
        assert_int_equal(op(w), AUS_E_IO);
        assert_int_equal(tst_store_writes(w->gmem), k + 1);
        tst_store_fail_after(w->gmem, -1, 0);
        restart(w);
        assert_int_equal(op(w), AUS_OK);
        check(w);
        done(w);
    }
}

static void setup_none(world *w) { (void)w; }

static aus_err op_submit(world *w)
{
    aus_app_msg m;
    uint64_t id = 0;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_IMG_REQ;
    m.name = (aus_app_view){(const uint8_t *)"img", 3};
    return submit_try(w, &m, "out.bin", 1000, &id);
}

static void check_submit(world *w)
{
    /* one request, one bundle, id 1; the next request gets 2 */
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 1);
    assert_int_equal(uplink(w, 1), 1);
    assert_int_equal(submit(w, AUS_APP_TM_QUERY, NULL, NULL), 2);
}

static void setup_cmd(world *w)
{
    (void)submit(w, AUS_APP_CMD, "ping", NULL);
    assert_int_equal(uplink(w, 0), 1);
}

static aus_err op_deliver_first(world *w)
{
    aus_app_ground_event ev;
    AUS_TRY(deliver(w, w->down[0], w->dlen[0], &ev));
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    return AUS_OK;
}

static void check_answered_once(world *w)
{
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    assert_int_equal(deliver(w, w->down[0], w->dlen[0], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_REPLAY);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 0);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 1);
    assert_int_equal(aus_app_ground_answer(&w->g, 1, &a), AUS_OK);
    tst_assert_bytes(a.adu.p, a.adu.n, w->down[0], w->dlen[0]);
}

/* An image with every chunk but the last received. */
static void setup_img(world *w)
{
    aus_app_ground_event ev;
    (void)submit(w, AUS_APP_IMG_REQ, "img", "out.bin");
    assert_int_equal(uplink(w, 0), 1);
    assert_int_equal(w->ndown, 4);
    w->ndown = 3;
    downlink(w, 0, NULL, 0, &ev);
    w->ndown = 4;
    assert_int_equal(ev.have, 2);
}

static aus_err op_last_chunk(world *w)
{
    aus_app_ground_event ev;
    AUS_TRY(deliver(w, w->down[3], w->dlen[3], &ev));
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    return AUS_OK;
}

static void check_image_once(world *w)
{
    aus_app_ground_event ev;
    assert_int_equal(deliver(w, w->down[3], w->dlen[3], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_REPLAY);
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 1);
    assert_memory_equal(tf(w, 1)->data, w->file, IMG_SIZE);
    assert_int_equal(tf(w, 1)->created, 1);
    /* the progress records went with the pending one */
    char key[AUS_STORE_KEY_MAX];
    assert_int_equal(w->gst.ops->next(w->gst.self, "gr/tenA/bits/", "", key, sizeof key),
                     AUS_E_NOTFOUND);
    assert_int_equal(w->gst.ops->next(w->gst.self, "gr/tenA/have/", "", key, sizeof key),
                     AUS_E_NOTFOUND);
}

static void setup_img_fail(world *w)
{
    setup_img(w);
    w->fail_write_id = 1;
}

static void check_failed_once(world *w)
{
    aus_app_ground_event ev;
    assert_int_equal(deliver(w, w->down[3], w->dlen[3], &ev), AUS_OK);
    assert_int_equal(ev.reason, AUS_E_REPLAY);
    assert_int_equal(count_state(w, AUS_APP_GR_FAILED), 1);
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 0);
}

static aus_err op_last_chunk_fails(world *w)
{
    aus_app_ground_event ev;
    AUS_TRY(deliver(w, w->down[3], w->dlen[3], &ev));
    assert_int_equal(ev.kind, AUS_APP_GR_EV_FAILED);
    assert_int_equal(ev.reason, AUS_E_IO);
    return AUS_OK;
}

static void setup_resend(world *w)
{
    setup_img(w);
    (void)submit(w, AUS_APP_CMD, "ping", NULL);
    (void)uplink(w, 1);
}

static aus_err op_resend(world *w)
{
    long n = aus_app_ground_resend(&w->g, 100000, 50000);
    if (n < 0)
        return (aus_err)n;
    /* each re-send is its own transaction: after a failure, those before it stay committed
     * and only the rest is due (check_resend counts what is queued) */
    assert_true(n >= 1 && n <= 2);
    return AUS_OK;
}

static void check_resend(world *w)
{
    /* after the retry, exactly the two re-sends are queued and the records say so */
    assert_int_equal(uplink(w, 1), 2);
    assert_int_equal(aus_app_ground_resend(&w->g, 100000, 50000), 0);
    aus_app_ground_item it;
    assert_int_equal(aus_app_ground_get(&w->g, 1, 100000, &it), AUS_OK);
    assert_int_equal(it.sends, 2);
    assert_int_equal(it.have, 2);
}

static void setup_forget(world *w)
{
    aus_app_ground_event ev;
    for (int i = 0; i < 12; i++)
        (void)submit(w, AUS_APP_CMD, "ping", NULL);
    assert_int_equal(uplink(w, 0), 12);
    downlink(w, 0, NULL, 0, &ev);
}

static aus_err op_forget(world *w)
{
    aus_app_view adu;
    uint64_t low = 0;
    AUS_TRY(w->gst.ops->begin(w->gst.self));
    long r = aus_app_ground_forget(&w->g, 0, &adu, &low);
    aus_err e = r < 0 ? (aus_err)r : g_send(w, adu.p, adu.n);
    if (e != AUS_OK) {
        assert_int_equal(w->gst.ops->rollback(w->gst.self), AUS_OK);
        return e;
    }
    assert_int_equal(r, 1);
    assert_int_equal(low, 13);
    return w->gst.ops->commit(w->gst.self);
}

static void check_forget(world *w)
{
    assert_int_equal(count_state(w, AUS_APP_GR_ANSWERED), 5); /* 8..12 kept */
    aus_app_view adu;
    uint64_t low = 0;
    assert_int_equal(aus_app_ground_forget(&w->g, 0, &adu, &low), 0);
    assert_int_equal(uplink(w, 1), 1);
}

static void test_store_failure_every_write(void **st)
{
    (void)st;
    run_every_write(setup_none, op_submit, check_submit, 3);
    run_every_write(setup_cmd, op_deliver_first, check_answered_once, 3);
    run_every_write(setup_img, op_last_chunk, check_image_once, 5);
    run_every_write(setup_img_fail, op_last_chunk_fails, check_failed_once, 4);
    run_every_write(setup_resend, op_resend, check_resend, 4);
    run_every_write(setup_forget, op_forget, check_forget, 4);
}

/* ---- import of an older ground's records ---- */

static void test_import(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    aus_app_ground_answer_view a;
    aus_app_msg m, info;
    uint8_t adu[256], bitmap[2] = {0x7b, 0x00}; /* chunks 0 1 3 4 5 6 of 10 received */
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_IMG_REQ;
    m.id = 7;
    m.name = (aus_app_view){(const uint8_t *)"img", 3};
    m.chunk = 1000;
    size_t n = enc(&m, adu, sizeof adu);
    memset(&info, 0, sizeof info);
    info.size = IMG_SIZE;
    info.chunk = 1000;
    sha256(w->file, IMG_SIZE, info.sha256);
    aus_app_view local = {(const uint8_t *)"old.bin", 7};
    tf(w, 7)->created = 1; /* the old ground's temporary holds chunks 0 1 3 4 5 6 */
    memcpy(tf(w, 7)->data, w->file, IMG_SIZE);
    assert_int_equal(
        aus_app_ground_import_pending(&w->g, 7, adu, n, 500, &local, &info, bitmap, 16), AUS_OK);
    assert_int_equal(aus_app_ground_import_pending(&w->g, 8, adu, n, 500, &local, &info, NULL, 0),
                     AUS_E_MALFORMED); /* the id inside is 7 */
    /* every bit set but still pending (nothing would ever complete it): the re-send starts the
     * download over */
    uint8_t full[2] = {0xff, 0x03};
    m.id = 9;
    size_t n9 = enc(&m, adu + 128, 128);
    assert_int_equal(
        aus_app_ground_import_pending(&w->g, 9, adu + 128, n9, 500, &local, &info, full, 16),
        AUS_OK);
    aus_app_ground_item it;
    assert_int_equal(aus_app_ground_get(&w->g, 9, 1500, &it), AUS_OK);
    assert_int_equal(it.have, 10);
    assert_int_equal(aus_app_ground_get(&w->g, 7, 1500, &it), AUS_OK);
    assert_int_equal(it.have, 6);
    assert_int_equal(it.total, 10);
    assert_int_equal(it.age_ms, 1000);
    static const aus_app_ground_answer_view zero;
    a = zero;
    a.id = 3;
    a.state = AUS_APP_GR_FAILED;
    a.req_type = AUS_APP_IMG_REQ;
    a.reason = AUS_E_IO;
    a.status = AUS_APP_ST_ERROR;
    a.note = (aus_app_view){(const uint8_t *)"disk full", 9};
    a.path = local;
    assert_int_equal(aus_app_ground_import_answer(&w->g, &a), AUS_OK);
    assert_int_equal(count_state(w, AUS_APP_GR_FAILED), 1);
    /* the ids go on above the imported ones only through the counter: a store written by the
     * older ground kept it under the same key */
    assert_int_equal(aus_app_ground_resend(&w->g, 100000, 50000), 2);
    assert_int_equal(uplink(w, 0), 2);
    assert_int_equal(w->ndown, 1 + 4 + 1 + 10); /* 7: info, chunks 2 7 8 9; 9: all over */
    downlink(w, 0, NULL, 0, &ev);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    assert_int_equal(aus_app_ground_answer(&w->g, 9, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_ANSWERED);
    assert_memory_equal(tf(w, 9)->data, w->file, IMG_SIZE);
    assert_int_equal(aus_app_ground_answer(&w->g, 7, &a), AUS_OK);
    assert_true(a.has_image);
    assert_int_equal(aus_app_ground_answer(&w->g, 3, &a), AUS_OK);
    assert_memory_equal(a.note.p, "disk full", 9);
    done(w);
}

static void test_init_and_submit_args(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground g;
    aus_app_ground_ops none = {0};
    assert_int_equal(aus_app_ground_init(&g, &w->gst, &none, "tenA", NULL), AUS_E_ARG);
    assert_int_equal(aus_app_ground_init(&g, &w->gst, gops(w), "", NULL), AUS_E_ARG);
    assert_int_equal(aus_app_ground_init(&g, &w->gst, gops(w), "a/b", NULL), AUS_E_ARG);
    assert_int_equal(
        aus_app_ground_init(&g, &w->gst, gops(w), "0123456789012345678901234567890x", NULL),
        AUS_E_ARG);
    aus_app_msg m;
    uint64_t id = 0;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_FORGET;
    assert_int_equal(submit_try(w, &m, NULL, 0, &id), AUS_E_ARG);
    m.type = AUS_APP_CMD_RESP;
    assert_int_equal(submit_try(w, &m, NULL, 0, &id), AUS_E_ARG);
    m.type = AUS_APP_IMG_REQ;
    assert_int_equal(submit_try(w, &m, NULL, 0, &id), AUS_E_ARG); /* no local path */
    assert_int_equal(count_state(w, AUS_APP_GR_PENDING), 0);
    assert_int_equal(aus_app_ground_answer(&w->g, 1, &(aus_app_ground_answer_view){0}),
                     AUS_E_NOTFOUND);
    aus_app_ground_item it;
    assert_int_equal(aus_app_ground_get(&w->g, 1, 0, &it), AUS_E_NOTFOUND);
    assert_string_equal(aus_app_ground_state_name(AUS_APP_GR_FAILED), "failed");
    done(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_each_type),
        cmocka_unit_test(test_answer_hook_and_empty_file),
        cmocka_unit_test(test_hostile_answers),
        cmocka_unit_test(test_wrong_sha_and_limits),
        cmocka_unit_test(test_file_failure_fails_one_request),
        cmocka_unit_test(test_resend_missing_ranges),
        cmocka_unit_test(test_retry_and_cancel),
        cmocka_unit_test(test_forget_and_prune),
        cmocka_unit_test(test_store_failure_every_write),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_init_and_submit_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
