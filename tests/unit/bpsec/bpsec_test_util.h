/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the BPSec tests: a key table for the key callback, App. A access. */
#ifndef BPSEC_TEST_UTIL_H
#define BPSEC_TEST_UTIL_H

#include "aus_test.h"

#include "australis/base.h"
#include "australis/bpsec.h"

typedef struct tkey {
    const char *source;
    int64_t ctx;
    uint8_t key[64];
    size_t len;
} tkey;

typedef struct tkeys {
    size_t n;
    tkey k[8];
} tkeys;

static inline void tkeys_add(tkeys *t, const char *source, int64_t ctx, const char *hex)
{
    size_t n = 0;
    uint8_t *k = tst_hex(hex, &n);
    assert_true(n <= 64 && t->n < 8);
    t->k[t->n].source = source;
    t->k[t->n].ctx = ctx;
    memcpy(t->k[t->n].key, k, n);
    t->k[t->n].len = n;
    t->n++;
    free(k);
}

static inline aus_err tkeys_fn(void *user, const char *source, int64_t ctx, uint8_t *key,
                               size_t cap, size_t *len)
{
    tkeys *t = user;
    for (size_t i = 0; i < t->n; i++)
        if (t->k[i].ctx == ctx && strcmp(t->k[i].source, source) == 0) {
            if (t->k[i].len > cap)
                return AUS_E_KEY;
            memcpy(key, t->k[i].key, t->k[i].len);
            *len = t->k[i].len;
            return AUS_OK;
        }
    return AUS_E_NOTFOUND;
}

static inline cJSON *appa_json(void)
{
    return tst_read_json(tst_shared("vectors/rfc9173/rfc9173_appendix_a.json"));
}

static inline const cJSON *jget(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        fail_msg("JSON field %s missing", k);
    return v;
}

static inline const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    if (!cJSON_IsString(v))
        fail_msg("JSON field %s is not a string", k);
    return v->valuestring;
}

#endif
