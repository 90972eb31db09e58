/* SPDX-License-Identifier: Apache-2.0 */
/* The node's BPSec service: policy per node and per tenant, sequence numbers, replay windows
 * and deterministic GCM IVs over the durable store (docs/bpsec.md).
 *
 * protect: seq block (counter reserved in the store before use) -> BIB over the blocks that
 * stay in clear -> BIB over the payload -> BCB over the payload and that BIB (RFC 9172 §3.9:
 * a BCB over a block that has a BIB also encrypts the BIB; keeping the other targets in a
 * separate, unencrypted BIB lets any node check them) -> IV = fixed field || counter.
 * accept: claimed seq pre-checked against the window (cheap rejection before any crypto) ->
 * aus_bpsec_open with a key callback that enforces the source/destination rules -> coverage
 * required by the policy -> window updated and persisted -> only then the bundle is released. */
#include <string.h>

#include "bpsec_rules.h"

/* ---- store keys (no stdio in the core) ---- */

/* Appends s at *at; 0, or -1 (and nothing written) when it would not fit with its NUL. */
static int put_str(char *dst, size_t cap, size_t *at, const char *s)
{
    size_t b = strlen(s);
    if (*at + b + 1 > cap)
        return -1;
    memcpy(dst + *at, s, b + 1);
    *at += b;
    return 0;
}

/* "bpsec/<kind>/[<tenant>/]<source>". Runs up to four times per bundle (seq and IV counters,
 * replay window), so it appends at a running position rather than re-measuring the text. */
aus_err bpsec_store_key(char out[AUS_STORE_KEY_MAX], const char *kind, const uint32_t *tenant,
                        const char *source)
{
    size_t at = 0;
    out[0] = 0;
    int bad = put_str(out, AUS_STORE_KEY_MAX, &at, "bpsec/") |
              put_str(out, AUS_STORE_KEY_MAX, &at, kind) |
              put_str(out, AUS_STORE_KEY_MAX, &at, "/");
    if (tenant && !bad) {
        char t[12], *e = t + sizeof t - 1;
        uint32_t v = *tenant;
        *e = 0;
        do
            *--e = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        bad |= put_str(out, AUS_STORE_KEY_MAX, &at, e) | put_str(out, AUS_STORE_KEY_MAX, &at, "/");
    }
    if (!bad)
        bad |= put_str(out, AUS_STORE_KEY_MAX, &at, source);
    return bad ? AUS_E_LIMIT : AUS_OK;
}

/* ---- policy ---- */

void aus_bpsec_policy_default(aus_bpsec_policy *p)
{
    memset(p, 0, sizeof *p);
    p->bib_required = AUS_BPSEC_COVER_PRIMARY | AUS_BPSEC_COVER_PAYLOAD | AUS_BPSEC_COVER_SEQ;
    p->bcb_required = AUS_BPSEC_COVER_PAYLOAD;
    p->require_seq = 1;
    p->replay_window = AUS_REPLAY_WINDOW_DEFAULT;
    p->on_fail = AUS_BPSEC_FAIL_REPORT;
}

aus_err aus_bpsec_ctx_init(aus_bpsec_ctx *ctx, const aus_crypto *c, const aus_store *store,
                           aus_bpsec_key_fn key_fn, void *key_user, uint32_t iv_fixed)
{
    AUS_ENSURE(ctx && c && key_fn, AUS_E_ARG);
    memset(ctx, 0, sizeof *ctx);
    ctx->crypto = c;
    ctx->store = store;
    ctx->key_fn = key_fn;
    ctx->key_user = key_user;
    ctx->iv_fixed = iv_fixed;
    ctx->ctr_block = AUS_CTR_RESERVE_BLOCK;
    aus_bpsec_policy_default(&ctx->node_policy);
    return AUS_OK;
}

void aus_bpsec_ctx_set_key_ids(aus_bpsec_ctx *ctx, aus_bpsec_key_id_fn id_fn)
{
    if (ctx)
        ctx->key_id_fn = id_fn;
}

aus_err aus_bpsec_ctx_set_tenant(aus_bpsec_ctx *ctx, uint32_t tenant, const aus_bpsec_policy *p)
{
    AUS_ENSURE(ctx && p && p->nrules <= AUS_BPSEC_MAX_RULES, AUS_E_ARG);
    AUS_ENSURE(p->replay_window <= AUS_REPLAY_MAX_WINDOW, AUS_E_ARG);
    for (size_t i = 0; i < ctx->ntenants; i++)
        if (ctx->tenant_id[i] == tenant) {
            ctx->tenant_policy[i] = *p;
            return AUS_OK;
        }
    AUS_ENSURE(ctx->ntenants < AUS_BPSEC_MAX_TENANTS, AUS_E_FULL);
    ctx->tenant_id[ctx->ntenants] = tenant;
    ctx->tenant_policy[ctx->ntenants++] = *p;
    return AUS_OK;
}

const aus_bpsec_policy *bpsec_policy_for(const aus_bpsec_ctx *ctx, int has, uint32_t tenant)
{
    for (size_t i = 0; has && i < ctx->ntenants; i++)
        if (ctx->tenant_id[i] == tenant)
            return &ctx->tenant_policy[i];
    return &ctx->node_policy;
}

int bpsec_eid_match(const char *pat, const char *eid)
{
    size_t n = strlen(pat);
    if (strcmp(pat, "*") == 0)
        return 1;
    if (n >= 2 && pat[n - 1] == '*' && pat[n - 2] == '.')
        return strncmp(pat, eid, n - 1) == 0;
    return strcmp(pat, eid) == 0;
}

/* ---- counters ---- */

aus_err bpsec_ctr_for(aus_bpsec_ctx *ctx, const char *key, aus_ctr **out)
{
    /* a reservation made now would join the batch's transaction and could roll back with it
     * after the value left in a bundle */
    AUS_ENSURE(!ctx->batch, AUS_E_STATE);
    for (size_t i = 0; i < ctx->nctr; i++)
        if (strcmp(ctx->ctr[i].key, key) == 0) {
            *out = &ctx->ctr[i];
            return AUS_OK;
        }
    size_t slot = ctx->nctr < AUS_ARRAY_LEN(ctx->ctr) ? ctx->nctr++
                                                      : ctx->ctr_next++ % AUS_ARRAY_LEN(ctx->ctr);
    aus_ctr c;
    /* an evicted counter loses at most the rest of its reserved block: never a repeat */
    AUS_TRY(aus_ctr_open(&c, ctx->store, key, UINT64_MAX - 1,
                         ctx->ctr_block ? ctx->ctr_block : AUS_CTR_RESERVE_BLOCK));
    ctx->ctr[slot] = c;
    *out = &ctx->ctr[slot];
    return AUS_OK;
}

aus_err aus_bpsec_next_iv(aus_bpsec_ctx *ctx, const char *source, uint8_t iv[AUS_BPSEC_IV_LEN])
{
    AUS_ENSURE(ctx && source && iv, AUS_E_ARG);
    AUS_ENSURE(ctx->store, AUS_E_STATE);
    char key[AUS_STORE_KEY_MAX];
    aus_ctr *c;
    uint64_t v = 0;
    AUS_TRY(bpsec_store_key(key, "iv", NULL, source));
    AUS_TRY(bpsec_ctr_for(ctx, key, &c));
    AUS_TRY(aus_ctr_take(c, ctx->store, &v)); /* reserved durably before it is used */
    aus_wr w;
    aus_wr_init(&w, iv, AUS_BPSEC_IV_LEN);
    aus_wr_be32(&w, ctx->iv_fixed); /* NIST SP 800-38D §8.2.1: fixed field */
    aus_wr_be64(&w, v);             /* invocation field */
    return w.err;
}

/* ---- replay windows ---- */

aus_err bpsec_window_for(aus_bpsec_ctx *ctx, const char *key, uint32_t size, aus_replay **out)
{
    for (size_t i = 0; i < ctx->nwin; i++)
        if (strcmp(ctx->win[i].key, key) == 0) {
            *out = &ctx->win[i].w;
            return AUS_OK;
        }
    size_t slot =
        ctx->nwin < AUS_BPSEC_MAX_PEERS ? ctx->nwin++ : ctx->win_next++ % AUS_BPSEC_MAX_PEERS;
    aus_bpsec_window *w = &ctx->win[slot];
    if (ctx->win_dirty[slot]) /* evicted during a batch: its changes go into the batch's txn */
        AUS_TRY(aus_replay_save(&w->w, ctx->store, w->key));
    ctx->win_dirty[slot] = 0;
    w->key[0] = 0;
    aus_err e =
        ctx->store ? aus_replay_load(&w->w, ctx->store, key, size) : aus_replay_init(&w->w, size);
    if (e != AUS_OK)
        return e;
    memcpy(w->key, key, strlen(key) + 1);
    /* read inside a batch's transaction, it may hold that batch's own evicted changes: written
     * back at commit, reloaded at rollback */
    ctx->win_dirty[slot] = ctx->batch;
    *out = &w->w;
    return AUS_OK;
}

/* w (a window of ctx under key) was just updated: durable before we return, or, in a batch,
 * marked for the batch's commit. */
aus_err bpsec_window_record(aus_bpsec_ctx *ctx, aus_replay *w, const char *key)
{
    if (!ctx->store)
        return AUS_OK;
    if (ctx->batch) {
        for (size_t i = 0; i < ctx->nwin; i++)
            if (&ctx->win[i].w == w)
                ctx->win_dirty[i] = 1;
        return AUS_OK;
    }
    return aus_replay_save(w, ctx->store, key);
}

/* ---- group commit (include/australis/bpsec.h, docs/bpsec.md) ---- */

aus_err aus_bpsec_batch_begin(aus_bpsec_ctx *ctx)
{
    AUS_ENSURE(ctx && ctx->store && !ctx->batch, AUS_E_STATE);
    /* the batch owns its transaction: committing it is what makes the batch's bundles
     * releasable, which a caller's transaction would decide later, out of our sight */
    AUS_TRY(ctx->store->ops->begin(ctx->store->self));
    memset(ctx->win_dirty, 0, sizeof ctx->win_dirty);
    ctx->batch = 1;
    return AUS_OK;
}

/* After a rollback: the windows the batch changed go back to what the store holds. */
static void batch_undo(aus_bpsec_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nwin; i++) {
        if (!ctx->win_dirty[i])
            continue;
        aus_bpsec_window *w = &ctx->win[i];
        if (aus_replay_load(&w->w, ctx->store, w->key, w->w.size) != AUS_OK)
            w->key[0] = 0; /* unreadable now: the slot is forgotten and read again when used */
        ctx->win_dirty[i] = 0;
    }
    ctx->batch = 0;
}

aus_err aus_bpsec_batch_commit(aus_bpsec_ctx *ctx)
{
    AUS_ENSURE(ctx && ctx->batch, AUS_E_STATE);
    const aus_store *s = ctx->store;
    aus_err e = AUS_OK;
    for (size_t i = 0; e == AUS_OK && i < ctx->nwin; i++)
        if (ctx->win_dirty[i])
            e = aus_replay_save(&ctx->win[i].w, s, ctx->win[i].key);
    if (e == AUS_OK)
        e = s->ops->commit(s->self);
    if (e != AUS_OK) {
        (void)s->ops->rollback(s->self);
        batch_undo(ctx);
        return e;
    }
    memset(ctx->win_dirty, 0, sizeof ctx->win_dirty);
    ctx->batch = 0;
    return AUS_OK;
}

void aus_bpsec_batch_abort(aus_bpsec_ctx *ctx)
{
    if (!ctx || !ctx->batch)
        return;
    (void)ctx->store->ops->rollback(ctx->store->self);
    batch_undo(ctx);
}
