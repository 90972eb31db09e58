/* SPDX-License-Identifier: Apache-2.0 */
/* The file uplink (src/app/app_ground.c + src/app/app_sat.c, "file uplink"): the ground sends a
 * file chunk by chunk, the satellite writes each once, asks again for what was lost (a probe
 * answered with FILE_ACK), checks the whole file's SHA-256 and places it in one step; hostile
 * names and pieces that disagree are refused; every store write failed in turn leaves the file
 * placed once and the upload answered exactly once. */
#include "aus_test.h"

#include "australis/app.h"
#include "australis/app_ground.h"
#include "australis/crypto.h"

#define FSIZE 10000u
#define CHUNK 1000u

typedef struct world {
    tst_store *gmem, *smem;
    aus_store gst, sst;
    aus_app_ground g;
    aus_app_sat sat;
    aus_app_ground_cfg cfg;
    uint8_t local[FSIZE];   /* the ground's file */
    uint8_t tmp[FSIZE + 8]; /* the satellite's temporary */
    uint64_t tmplen;
    uint8_t placed[FSIZE + 8];
    uint64_t placedlen;
    char placed_name[300];
    int places, discards, read_fail;
    uint8_t down[64][1024];
    size_t dlen[64];
    int ndown;
    long outseq;
} world;

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    const aus_crypto *c = aus_crypto_default();
    aus_iov iov = {p, n};
    assert_int_equal(c->ops->hash(c->self, AUS_HASH_SHA256, &iov, 1, out, 32), AUS_OK);
}

static aus_err s_emit(void *ctx, const uint8_t *adu, size_t len)
{
    world *w = ctx;
    char key[32];
    uint64_t seq = 0;
    aus_err e = aus_store_get_u64(&w->sst, "downseq", &seq);
    AUS_ENSURE(e == AUS_OK || e == AUS_E_NOTFOUND, e);
    snprintf(key, sizeof key, "down/%08llu", (unsigned long long)seq);
    AUS_TRY(aus_store_put_u64(&w->sst, "downseq", seq + 1));
    return w->sst.ops->put(w->sst.self, key, adu, len);
}

static aus_err s_write(void *ctx, uint64_t id, int first, uint64_t off, const uint8_t *p,
                       size_t len)
{
    world *w = ctx;
    (void)id;
    if (first)
        w->tmplen = 0;
    assert_true(off + len <= sizeof w->tmp);
    if (len)
        memcpy(w->tmp + off, p, len);
    if (off + len > w->tmplen)
        w->tmplen = off + len;
    return AUS_OK;
}

static aus_err s_hash(void *ctx, uint64_t id, uint64_t size, uint8_t sha[32])
{
    world *w = ctx;
    (void)id;
    assert_true(size <= w->tmplen);
    sha256(w->tmp, (size_t)size, sha);
    return AUS_OK;
}

static aus_err s_place(void *ctx, uint64_t id, const aus_app_view *name)
{
    world *w = ctx;
    (void)id;
    memcpy(w->placed, w->tmp, (size_t)w->tmplen);
    w->placedlen = w->tmplen;
    snprintf(w->placed_name, sizeof w->placed_name, "%.*s", (int)name->n, (const char *)name->p);
    w->places++;
    return AUS_OK;
}

static void s_discard(void *ctx, uint64_t id)
{
    world *w = ctx;
    (void)id;
    w->discards++;
}

static aus_err g_send(void *ctx, const uint8_t *adu, size_t len)
{
    world *w = ctx;
    char key[64];
    snprintf(key, sizeof key, "out/%08ld", w->outseq++);
    return w->gst.ops->put(w->gst.self, key, adu, len);
}

static aus_err g_read(void *ctx, const aus_app_view *local, uint64_t off, uint8_t *buf, size_t len,
                      char *why, size_t cap)
{
    world *w = ctx;
    (void)local;
    if (w->read_fail) {
        snprintf(why, cap, "cannot read the local file: Input/output error");
        return AUS_E_IO;
    }
    assert_true(off + len <= FSIZE);
    memcpy(buf, w->local + off, len);
    return AUS_OK;
}

static void sat_init(world *w)
{
    aus_app_sat_ops sops = {NULL, NULL, NULL, NULL, s_emit, w, s_write, s_hash, s_place, s_discard};
    assert_int_equal(aus_app_sat_init(&w->sat, &w->sst, &sops, "tenA", 4096), AUS_OK);
}

static void ground_init(world *w)
{
    aus_app_ground_ops o = {g_send, NULL, NULL, NULL, NULL, NULL, w, g_read};
    assert_int_equal(aus_app_ground_init(&w->g, &w->gst, &o, "tenA", &w->cfg), AUS_OK);
}

static world *mk(void)
{
    world *w = calloc(1, sizeof *w);
    w->gmem = tst_store_new();
    w->smem = tst_store_new();
    w->gst = tst_store_iface(w->gmem);
    w->sst = tst_store_iface(w->smem);
    for (size_t i = 0; i < FSIZE; i++)
        w->local[i] = (uint8_t)(i * 31 + (i >> 7));
    w->cfg = (aus_app_ground_cfg){60000, 0, 4096, 0};
    sat_init(w);
    ground_init(w);
    return w;
}

static void done(world *w)
{
    tst_store_free(w->gmem);
    tst_store_free(w->smem);
    free(w);
}

static uint64_t put(world *w, const char *name, uint64_t size)
{
    aus_app_msg m;
    aus_app_view l = {(const uint8_t *)"/local/file", 11}, adu;
    uint64_t id = 0;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_FILE_PUT;
    m.name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    m.size = size;
    m.chunk = CHUNK;
    sha256(w->local, (size_t)size, m.sha256);
    assert_int_equal(w->gst.ops->begin(w->gst.self), AUS_OK);
    assert_int_equal(aus_app_ground_submit(&w->g, &m, &l, 1000, &id, &adu), AUS_OK);
    assert_int_equal(g_send(w, adu.p, adu.n), AUS_OK);
    assert_int_equal(w->gst.ops->commit(w->gst.self), AUS_OK);
    return id;
}

/* Ground -> satellite, one transaction per ADU; drop[i] set: the i-th is lost. Returns how
 * many went up, or the first error (that transaction rolled back). */
static long uplink(world *w, const int *drop, int ndrop)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t adu[2048];
    long n = 0;
    while (w->gst.ops->next(w->gst.self, "out/", "", key, sizeof key) == AUS_OK) {
        size_t len = 0;
        assert_int_equal(w->gst.ops->get(w->gst.self, key, adu, sizeof adu, &len), AUS_OK);
        assert_int_equal(w->gst.ops->del(w->gst.self, key), AUS_OK);
        int lost = 0;
        for (int i = 0; i < ndrop; i++)
            lost |= drop[i] == n;
        n++;
        if (lost)
            continue;
        int pending = 0;
        AUS_TRY(w->sst.ops->begin(w->sst.self));
        aus_err e = aus_app_sat_handle(&w->sat, adu, len, 0, &pending);
        if (e != AUS_OK) {
            assert_int_equal(w->sst.ops->rollback(w->sst.self), AUS_OK);
            return e;
        }
        AUS_TRY(w->sst.ops->commit(w->sst.self));
    }
    return n;
}

/* Satellite -> ground; the last event in *ev. Returns how many came down. */
static int downlink(world *w, aus_app_ground_event *ev)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t adu[2048];
    int n = 0;
    while (w->sst.ops->next(w->sst.self, "down/", "", key, sizeof key) == AUS_OK) {
        size_t len = 0;
        assert_int_equal(w->sst.ops->get(w->sst.self, key, adu, sizeof adu, &len), AUS_OK);
        assert_int_equal(w->sst.ops->del(w->sst.self, key), AUS_OK);
        assert_int_equal(w->gst.ops->begin(w->gst.self), AUS_OK);
        assert_int_equal(aus_app_ground_on_adu(&w->g, adu, len, 2000, ev), AUS_OK);
        assert_int_equal(w->gst.ops->commit(w->gst.self), AUS_OK);
        n++;
    }
    return n;
}

static void assert_answer(world *w, uint64_t id, uint32_t status, const char *text)
{
    aus_app_ground_answer_view a;
    aus_app_msg m;
    assert_int_equal(aus_app_ground_answer(&w->g, id, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_ANSWERED);
    assert_int_equal(a.status, status);
    assert_int_equal(aus_app_decode(&m, a.adu.p, a.adu.n), AUS_OK);
    assert_int_equal(m.data.n, strlen(text));
    assert_memory_equal(m.data.p, text, m.data.n);
}

static void test_lossy_upload_resumes(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    uint64_t id = put(w, "config.bin", FSIZE);
    int drop[] = {2, 3, 7}; /* sent in the order of chunks 1..9, then 0 */
    assert_int_equal(uplink(w, drop, 3), 10);
    assert_int_equal(downlink(w, &ev), 0); /* incomplete: no answer */
    assert_int_equal(w->places, 0);
    /* the re-send: the probe; the satellite tells what is missing; the ground sends it */
    assert_int_equal(aus_app_ground_resend(&w->g, 70000, aus_app_ground_due(&w->g, 70000)), 1);
    assert_int_equal(uplink(w, NULL, 0), 1);
    assert_int_equal(downlink(w, &ev), 1);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_INFO);
    assert_int_equal(uplink(w, NULL, 0), 3); /* chunks 3, 4 and 8 */
    assert_int_equal(downlink(w, &ev), 1);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_ANSWERED);
    assert_answer(w, id, AUS_APP_ST_OK, "stored, SHA-256 verified");
    assert_int_equal(w->places, 1);
    assert_string_equal(w->placed_name, "config.bin");
    assert_int_equal(w->placedlen, FSIZE);
    assert_memory_equal(w->placed, w->local, FSIZE);
    /* a late copy of the probe: the cached answer, nothing placed again */
    assert_int_equal(aus_app_ground_retry(&w->g, id, 80000), AUS_E_NOTFOUND);
    done(w);
}

static void test_empty_file_and_refusals(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    uint64_t id = put(w, "empty", 0);
    assert_int_equal(uplink(w, NULL, 0), 1);
    assert_int_equal(downlink(w, &ev), 1);
    assert_answer(w, id, AUS_APP_ST_OK, "stored, SHA-256 verified");
    assert_int_equal(w->placedlen, 0);
    static const char *const bad[] = {"../etc/passwd", ".hidden", "a/b", "", "x\ny"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int places = w->places;
        uint64_t b = put(w, bad[i], 100);
        assert_int_equal(uplink(w, NULL, 0), 1);
        assert_int_equal(downlink(w, &ev), 1);
        aus_app_ground_answer_view a;
        assert_int_equal(aus_app_ground_answer(&w->g, b, &a), AUS_OK);
        assert_int_equal(a.status, AUS_APP_ST_ERROR);
        assert_int_equal(w->places, places);
    }
    assert_answer(w, id + 1, AUS_APP_ST_ERROR,
                  "refused: the file name must be 1..255 of A-Z a-z 0-9 . _ - and not start with "
                  "'.'");
    done(w);
}

/* The data changed on the way (or the ground's file changed under it): the SHA-256 check. */
static void test_sha_mismatch_and_disagreeing_pieces(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    uint64_t id = put(w, "sw.img", 3 * CHUNK);
    /* one queued chunk's data changed in the ground's out-queue */
    char key[AUS_STORE_KEY_MAX];
    uint8_t adu[2048];
    size_t len = 0;
    aus_app_msg m;
    assert_int_equal(w->gst.ops->next(w->gst.self, "out/", "", key, sizeof key), AUS_OK);
    assert_int_equal(w->gst.ops->get(w->gst.self, key, adu, sizeof adu, &len), AUS_OK);
    assert_int_equal(aus_app_decode(&m, adu, len), AUS_OK);
    uint8_t data[CHUNK];
    memcpy(data, m.data.p, m.data.n);
    data[0] ^= 0x80;
    m.data.p = data;
    assert_int_equal(aus_app_encode(&m, adu, sizeof adu, &len), AUS_OK);
    assert_int_equal(w->gst.ops->put(w->gst.self, key, adu, len), AUS_OK);
    assert_int_equal(uplink(w, NULL, 0), 3);
    assert_int_equal(downlink(w, &ev), 1);
    assert_answer(w, id, AUS_APP_ST_ERROR,
                  "the SHA-256 of the data received differs: upload it again");
    assert_int_equal(w->places, 0);
    assert_int_equal(w->discards, 1);
    /* a piece that tells another size than the first one did: refused (junk), nothing kept */
    uint64_t id2 = put(w, "two.bin", 2 * CHUNK);
    assert_int_equal(w->gst.ops->next(w->gst.self, "out/", "", key, sizeof key), AUS_OK);
    assert_int_equal(w->gst.ops->get(w->gst.self, key, adu, sizeof adu, &len), AUS_OK);
    assert_int_equal(aus_app_decode(&m, adu, len), AUS_OK);
    memcpy(data, m.data.p, m.data.n);
    m.data.p = data;
    m.size = 2 * CHUNK + 1;
    assert_int_equal(aus_app_encode(&m, adu, sizeof adu, &len), AUS_OK);
    assert_int_equal(w->gst.ops->put(w->gst.self, key, adu, len), AUS_OK);
    /* the first piece to arrive (chunk 1) tells 2001 bytes; the next (chunk 0) the true 2000 */
    int pending = 0;
    assert_int_equal(w->sst.ops->begin(w->sst.self), AUS_OK);
    assert_int_equal(aus_app_sat_handle(&w->sat, adu, len, 0, &pending), AUS_OK);
    assert_int_equal(w->sst.ops->commit(w->sst.self), AUS_OK);
    assert_int_equal(w->gst.ops->del(w->gst.self, key), AUS_OK);
    assert_int_equal(uplink(w, NULL, 0), AUS_E_STATE); /* chunk 0 tells 2000 bytes: refused */
    assert_int_equal(w->places, 0);
    (void)id2;
    done(w);
}

/* Every store write of the satellite failed in turn (its transaction rolled back, the ADU
 * delivered again): the file is placed once, the answer stored once. */
static void test_store_failure_every_write(void **st)
{
    (void)st;
    for (long k = 0; k < 60; k++) {
        world *w = mk();
        aus_app_ground_event ev;
        uint64_t id = put(w, "f.bin", 4 * CHUNK + 17);
        /* capture the queued ADUs: they are delivered again after a failure */
        char key[AUS_STORE_KEY_MAX];
        uint8_t q[8][2048];
        size_t ql[8];
        int nq = 0;
        while (w->gst.ops->next(w->gst.self, "out/", "", key, sizeof key) == AUS_OK) {
            assert_int_equal(w->gst.ops->get(w->gst.self, key, q[nq], sizeof q[0], &ql[nq]),
                             AUS_OK);
            assert_int_equal(w->gst.ops->del(w->gst.self, key), AUS_OK);
            nq++;
        }
        assert_int_equal(nq, 5);
        tst_store_count_tx_writes(w->smem, 1);
        tst_store_fail_after(w->smem, k, 0);
        for (int i = 0; i < nq; i++) {
            for (int tries = 0; tries < 3; tries++) {
                int pending = 0;
                if (w->sst.ops->begin(w->sst.self) != AUS_OK)
                    continue;
                aus_err e = aus_app_sat_handle(&w->sat, q[i], ql[i], 0, &pending);
                if (e == AUS_OK && w->sst.ops->commit(w->sst.self) == AUS_OK)
                    break;
                if (e != AUS_OK)
                    assert_int_equal(w->sst.ops->rollback(w->sst.self), AUS_OK);
                sat_init(w); /* a restart after the failure */
            }
        }
        tst_store_fail_after(w->smem, -1, 0);
        tst_store_count_tx_writes(w->smem, 0);
        for (int i = 0; i < nq; i++) { /* a second pass: every piece again */
            int pending = 0;
            assert_int_equal(w->sst.ops->begin(w->sst.self), AUS_OK);
            assert_int_equal(aus_app_sat_handle(&w->sat, q[i], ql[i], 0, &pending), AUS_OK);
            assert_int_equal(w->sst.ops->commit(w->sst.self), AUS_OK);
        }
        downlink(w, &ev);
        assert_answer(w, id, AUS_APP_ST_OK, "stored, SHA-256 verified");
        assert_int_equal(w->placedlen, 4 * CHUNK + 17);
        assert_memory_equal(w->placed, w->local, 4 * CHUNK + 17);
        assert_true(w->places >= 1);
        done(w);
    }
}

static void test_local_read_fails(void **st)
{
    (void)st;
    world *w = mk();
    aus_app_ground_event ev;
    uint64_t id = put(w, "x.bin", 3 * CHUNK);
    int drop[] = {0};
    assert_int_equal(uplink(w, drop, 1), 3);
    assert_int_equal(aus_app_ground_retry(&w->g, id, 5000), AUS_OK);
    assert_int_equal(uplink(w, NULL, 0), 1);
    w->read_fail = 1;
    assert_int_equal(downlink(w, &ev), 1);
    assert_int_equal(ev.kind, AUS_APP_GR_EV_FAILED);
    aus_app_ground_answer_view a;
    assert_int_equal(aus_app_ground_answer(&w->g, id, &a), AUS_OK);
    assert_int_equal(a.state, AUS_APP_GR_FAILED);
    assert_int_equal(a.reason, AUS_E_IO);
    assert_memory_equal(a.note.p, "cannot read the local file: Input/output error", a.note.n);
    done(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lossy_upload_resumes),
        cmocka_unit_test(test_empty_file_and_refusals),
        cmocka_unit_test(test_sha_mismatch_and_disagreeing_pieces),
        cmocka_unit_test(test_store_failure_every_write),
        cmocka_unit_test(test_local_read_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
