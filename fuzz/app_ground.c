/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the ground's request life (src/app/app_ground.c): answer ADUs into aus_app_ground_on_adu
 * over a store and a port that fail on the fuzzer's command.
 *
 * Input: a sequence of records [ctl u8][len u16 BE][ADU len bytes]. Every run starts from the
 * same store: requests 1..4 pending (a command, a telemetry query, two image downloads of 3000
 * bytes in 1000-byte chunks; request 3 with its info recorded). ctl picks what fails during
 * that ADU: bits 0-2 the store write after which writes fail (7: none), bit 3 the port's file
 * write, bit 4 its hash, bit 5 its place; bit 6 runs a re-send after the ADU, bit 7 a FORGET.
 *
 * Checked after every step: never a crash; an ADU that returned an error left the store exactly
 * as it was (the transaction rolled back); a request is never both pending and answered; an
 * answered request stays answered with the same record whatever comes after. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/app_ground.h"

#define FUZZ_MEM_ROWS 128
#define FUZZ_MEM_VMAX 2048
#include "fuzz_memstore.h"

static int fail_at = -1, fail_write, fail_hash, fail_place;
static uint64_t sends;
static uint8_t file[4][3000];

/* The store's writes fail once fail_at reaches 0 (then every later write in the step). */
static aus_err f_put(void *s, const char *k, const uint8_t *v, size_t n)
{
    if (fail_at == 0)
        return AUS_E_IO;
    if (fail_at > 0)
        fail_at--;
    return m_put(s, k, v, n);
}
static aus_err f_del(void *s, const char *k)
{
    if (fail_at == 0)
        return AUS_E_IO;
    if (fail_at > 0)
        fail_at--;
    return m_del(s, k);
}
static aus_err f_commit(void *s)
{
    if (fail_at == 0) {
        M.in_tx = 0; /* a failed commit rolls back */
        return AUS_E_IO;
    }
    return m_commit(s);
}
static const aus_store_ops FOPS = {m_get, f_put, f_del, m_next, m_begin, f_commit, m_rollback};
static const aus_store FST = {&FOPS, NULL};

static aus_err p_send(void *ctx, const uint8_t *adu, size_t len)
{
    (void)ctx;
    (void)adu;
    sends += len > 0;
    return AUS_OK;
}
static aus_err p_write(void *ctx, uint64_t id, const aus_app_view *local, int first, uint64_t off,
                       const uint8_t *p, size_t len, char *why, size_t cap)
{
    (void)ctx;
    (void)local;
    (void)first;
    if (fail_write || id < 1 || id > 4 || off > sizeof file[0] || len > sizeof file[0] - off) {
        if (cap > 3)
            memcpy(why, "EIO", 4);
        return AUS_E_IO;
    }
    if (len)
        memcpy(file[id - 1] + off, p, len);
    return AUS_OK;
}
static aus_err p_hash(void *ctx, uint64_t id, const aus_app_view *local, uint64_t size,
                      uint8_t sha[32], char *why, size_t cap)
{
    (void)ctx;
    (void)local;
    (void)why;
    (void)cap;
    if (fail_hash || id < 1 || id > 4 || size > sizeof file[0])
        return AUS_E_IO;
    memset(sha, 0, 32); /* not SHA-256: a checksum is enough to reach both outcomes */
    for (size_t i = 0; i < size; i++)
        sha[i % 32] = (uint8_t)(sha[i % 32] + file[id - 1][i]);
    return AUS_OK;
}
static aus_err p_place(void *ctx, uint64_t id, const aus_app_view *local, char *why, size_t cap)
{
    (void)ctx;
    (void)id;
    (void)local;
    (void)why;
    (void)cap;
    return fail_place ? AUS_E_IO : AUS_OK;
}
static void p_discard(void *ctx, uint64_t id, const aus_app_view *local)
{
    (void)ctx;
    (void)id;
    (void)local;
}

static const aus_app_ground_ops OPSG = {p_send,  NULL,      p_write, p_hash,
                                        p_place, p_discard, NULL,    NULL};
static aus_app_ground G;
static mem start;
static int ready;

static void submit(uint8_t type, const char *name, const char *local)
{
    static aus_app_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.name = (aus_app_view){(const uint8_t *)name, strlen(name)};
    m.chunk = 1000;
    aus_app_view l = {(const uint8_t *)local, strlen(local)}, adu;
    uint64_t id = 0;
    if (m_begin(NULL) != AUS_OK ||
        aus_app_ground_submit(&G, &m, type == AUS_APP_IMG_REQ ? &l : NULL, 1, &id, &adu) !=
            AUS_OK ||
        m_commit(NULL) != AUS_OK)
        abort();
}

static void setup(void)
{
    aus_app_ground_cfg cfg = {10, 2, 1000, 2};
    if (aus_app_ground_init(&G, &FST, &OPSG, "t", &cfg) != AUS_OK)
        abort();
    submit(AUS_APP_CMD, "ping", "");
    submit(AUS_APP_TM_QUERY, "", "");
    submit(AUS_APP_IMG_REQ, "img", "a.bin");
    submit(AUS_APP_IMG_REQ, "img", "b.bin");
    static aus_app_msg info;
    static uint8_t adu[128];
    size_t n = 0;
    aus_app_ground_event ev;
    memset(&info, 0, sizeof info);
    info.type = AUS_APP_IMG_INFO;
    info.id = 3;
    info.size = 3000;
    info.chunk = 1000;
    if (aus_app_encode(&info, adu, sizeof adu, &n) != AUS_OK || m_begin(NULL) != AUS_OK ||
        aus_app_ground_on_adu(&G, adu, n, 2, &ev) != AUS_OK || m_commit(NULL) != AUS_OK)
        abort();
    start = M;
    ready = 1;
}

/* 0 pending, 1 answered/failed, -1 neither; aborts if both. */
static int state_of(uint64_t id, size_t *alen, uint8_t *abuf, size_t cap)
{
    char k[AUS_STORE_KEY_MAX];
    uint8_t b[1];
    size_t n = 0;
    memcpy(k, "gr/t/pend/0000000000000000", 27);
    k[25] = (char)('0' + id);
    int p = m_get(NULL, k, b, 0, &n) != AUS_E_NOTFOUND;
    memcpy(k, "gr/t/ans/0000000000000000", 26);
    k[24] = (char)('0' + id);
    int a = m_get(NULL, k, abuf, cap, alen) == AUS_OK;
    if (p && a)
        abort();
    return p ? 0 : a ? 1 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t ans[4][FUZZ_MEM_VMAX];
    static size_t alen[4];
    static mem before;
    if (!ready)
        setup();
    M = start;
    memset(alen, 0, sizeof alen);
    uint64_t now = 100;
    while (size >= 3) {
        uint8_t ctl = data[0];
        size_t n = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        if (n > size)
            n = size;
        fail_at = (ctl & 7) == 7 ? -1 : (int)(ctl & 7);
        fail_write = ctl & 8;
        fail_hash = ctl & 16;
        fail_place = ctl & 32;
        before = M;
        aus_app_ground_event ev;
        aus_err e = m_begin(NULL);
        if (e == AUS_OK)
            e = aus_app_ground_on_adu(&G, data, n, now, &ev);
        if (e == AUS_OK)
            e = f_commit(NULL);
        else
            (void)m_rollback(NULL);
        if (e != AUS_OK && memcmp(M.r, before.r, sizeof M.r))
            abort(); /* a refused or failed ADU wrote something */
        data += n;
        size -= n;
        now += 10;
        fail_at = (ctl & 7) == 7 ? -1 : (int)(ctl & 7);
        if (ctl & 64)
            (void)aus_app_ground_resend(&G, now, aus_app_ground_due(&G, now));
        if (ctl & 128 && m_begin(NULL) == AUS_OK) {
            aus_app_view adu;
            uint64_t low = 0;
            long r = aus_app_ground_forget(&G, now, &adu, &low);
            if (r < 0 || f_commit(NULL) != AUS_OK)
                (void)m_rollback(NULL);
        }
        fail_at = -1;
        for (uint64_t id = 1; id <= 4; id++) {
            static uint8_t cur[FUZZ_MEM_VMAX];
            size_t cl = 0;
            int st = state_of(id, &cl, cur, sizeof cur);
            if (alen[id - 1] && st == 1 && (cl != alen[id - 1] || memcmp(cur, ans[id - 1], cl)))
                abort(); /* an answer changed */
            if (alen[id - 1] && st == 0)
                abort(); /* answered, then pending again */
            if (st == 1 && !alen[id - 1]) {
                memcpy(ans[id - 1], cur, cl);
                alen[id - 1] = cl;
            }
        }
    }
    return 0;
}
