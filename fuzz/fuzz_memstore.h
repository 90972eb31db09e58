/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the fuzz targets that drive the keystore: a tiny in-memory aus_store with
 * transactions and a write counter, so a target can snapshot the whole store (copy M), restore
 * it between inputs, and check that a refused input wrote nothing (M.writes unchanged).
 * Define FUZZ_MEM_ROWS / FUZZ_MEM_VMAX before including to size it. Single translation unit
 * per target: everything here is static. */
#ifndef AUS_FUZZ_MEMSTORE_H
#define AUS_FUZZ_MEMSTORE_H

#include <string.h>

#include "australis/store.h"

#ifndef FUZZ_MEM_ROWS
#define FUZZ_MEM_ROWS 64
#endif
#ifndef FUZZ_MEM_VMAX
#define FUZZ_MEM_VMAX 256
#endif

typedef struct row {
    char k[AUS_STORE_KEY_MAX];
    uint8_t v[FUZZ_MEM_VMAX];
    size_t n;
    int used;
} row;
typedef struct mem {
    row r[FUZZ_MEM_ROWS], tx[FUZZ_MEM_ROWS];
    int in_tx;
    unsigned long writes;
} mem;
static mem M;

static row *find(row *t, const char *k)
{
    for (int i = 0; i < FUZZ_MEM_ROWS; i++)
        if (t[i].used && !strcmp(t[i].k, k))
            return &t[i];
    return NULL;
}
static row *slot(row *t, const char *k)
{
    row *e = find(t, k);
    for (int i = 0; !e && i < FUZZ_MEM_ROWS; i++)
        if (!t[i].used)
            e = &t[i];
    return e;
}
static aus_err m_get(void *s, const char *k, uint8_t *v, size_t cap, size_t *n)
{
    (void)s;
    row *e = find(M.in_tx ? M.tx : M.r, k);
    if (!e || e->n == (size_t)-1)
        return AUS_E_NOTFOUND;
    *n = e->n;
    if (e->n > cap)
        return AUS_E_NOBUFS;
    memcpy(v, e->v, e->n);
    return AUS_OK;
}
static aus_err m_put(void *s, const char *k, const uint8_t *v, size_t n)
{
    (void)s;
    row *e = slot(M.in_tx ? M.tx : M.r, k);
    if (!e || n > FUZZ_MEM_VMAX || strlen(k) >= AUS_STORE_KEY_MAX)
        return AUS_E_FULL;
    strcpy(e->k, k);
    memcpy(e->v, v, n);
    e->n = n;
    e->used = 1;
    if (!M.in_tx)
        M.writes++;
    return AUS_OK;
}
static aus_err m_del(void *s, const char *k)
{
    (void)s;
    row *e = find(M.in_tx ? M.tx : M.r, k);
    if (e)
        e->used = 0;
    if (!M.in_tx)
        M.writes++;
    return AUS_OK;
}
static aus_err m_next(void *s, const char *pfx, const char *after, char *key, size_t cap)
{
    (void)s;
    row *t = M.in_tx ? M.tx : M.r;
    const char *best = NULL;
    for (int i = 0; i < FUZZ_MEM_ROWS; i++)
        if (t[i].used && !strncmp(t[i].k, pfx, strlen(pfx)) && strcmp(t[i].k, after) > 0 &&
            (!best || strcmp(t[i].k, best) < 0))
            best = t[i].k;
    if (!best)
        return AUS_E_NOTFOUND;
    if (strlen(best) >= cap)
        return AUS_E_NOBUFS;
    strcpy(key, best);
    return AUS_OK;
}
static aus_err m_begin(void *s)
{
    (void)s;
    if (M.in_tx)
        return AUS_E_STATE;
    memcpy(M.tx, M.r, sizeof M.r);
    M.in_tx = 1;
    return AUS_OK;
}
static aus_err m_commit(void *s)
{
    (void)s;
    memcpy(M.r, M.tx, sizeof M.r);
    M.in_tx = 0;
    M.writes++;
    return AUS_OK;
}
static aus_err m_rollback(void *s)
{
    (void)s;
    M.in_tx = 0;
    return AUS_OK;
}
static const aus_store_ops OPS = {m_get, m_put, m_del, m_next, m_begin, m_commit, m_rollback};
static const aus_store ST = {&OPS, NULL};

#endif
