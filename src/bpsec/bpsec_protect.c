/* SPDX-License-Identifier: Apache-2.0 */
/* aus_bpsec_protect: the sending node's composition of sequence-number block, BIBs and BCB
 * (see bpsec_node.c for the design). Every key, session key and IV is wiped on exit. */
#include <string.h>

#include "bpsec_rules.h"

void aus_bpsec_protect_opts_default(aus_bpsec_protect_opts *o)
{
    memset(o, 0, sizeof *o);
    o->add_seq = 1;
    o->bib_primary = 1;
    o->bib_payload = 1; /* when not encrypted: then the BCB's GCM tag protects it */
    o->bcb_payload = 1;
    o->sha = AUS_HASH_SHA256;
    o->aes = AUS_AEAD_AES256_GCM;
    o->bib_scope = AUS_BPSEC_SCOPE_ALL;
    o->bcb_scope = AUS_BPSEC_SCOPE_ALL;
}

typedef struct prot_st {
    char source[AUS_BPSEC_EID_TEXT_MAX];
    uint8_t key[AUS_BPSEC_KEY_MAX], session[AUS_BPSEC_KEY_MAX], iv[AUS_BPSEC_IV_LEN];
    size_t key_len;
    uint32_t key_domain, key_id; /* the key's name at the provider (0: none) */
    uint64_t used[6];
    size_t nused;
} prot_st;

/* The lowest block number >= 2 free in b and not handed out in this call. */
static uint64_t next_num(const aus_bpv7_bundle *b, prot_st *st)
{
    for (uint64_t n = 2;; n++) {
        int taken = bpsec_find_num(b, n) != -1;
        for (size_t i = 0; i < st->nused; i++)
            taken |= st->used[i] == n;
        if (!taken) {
            st->used[st->nused++] = n;
            return n;
        }
    }
}

static aus_err add_seq_block(aus_bpsec_ctx *ctx, const aus_bpsec_protect_opts *o,
                             aus_bpv7_bundle *b, uint64_t num, prot_st *st, uint8_t *buf,
                             size_t *len, size_t cap)
{
    char key[AUS_STORE_KEY_MAX];
    aus_ctr *c;
    uint64_t seq = 0;
    uint8_t data[16];
    size_t dl = 0;
    AUS_ENSURE(ctx->store, AUS_E_STATE);
    AUS_TRY(bpsec_store_key(key, "seq", &o->tenant, st->source));
    AUS_TRY(bpsec_ctr_for(ctx, key, &c));
    AUS_TRY(aus_ctr_take(c, ctx->store, &seq)); /* reserved before use: never repeated */
    AUS_TRY(aus_bpsec_seq_encode(o->tenant, seq, data, sizeof data, &dl));
    uint8_t blk[48];
    aus_wr w;
    aus_wr_init(&w, blk, sizeof blk);
    aus_cbor_wr_array(&w, 5);
    aus_cbor_wr_uint(&w, AUS_BPSEC_BT_SEQ);
    aus_cbor_wr_uint(&w, num);
    aus_cbor_wr_uint(&w, 0);
    aus_cbor_wr_uint(&w, AUS_BPV7_CRC_NONE); /* the BIB protects it */
    aus_cbor_wr_bstr(&w, data, dl);
    AUS_TRY(w.err);
    size_t bl = aus_wr_len(&w), pos = b->pri_off + b->pri_len;
    for (size_t i = 0; i < b->nblocks && b->blk[i].off == pos &&
                       (b->blk[i].type == AUS_BPSEC_BT_BIB || b->blk[i].type == AUS_BPSEC_BT_BCB);
         i++)
        pos += b->blk[i].len;
    AUS_ENSURE(*len + bl <= cap, AUS_E_NOBUFS);
    memmove(buf + pos + bl, buf + pos, *len - pos);
    memcpy(buf + pos, blk, bl);
    *len += bl;
    bpsec_view_insert(b, buf, pos, bl, dl, AUS_BPSEC_BT_SEQ, num, 0);
    return AUS_OK;
}

static aus_err get_key(aus_bpsec_ctx *ctx, prot_st *st, int64_t ctx_id)
{
    aus_err e =
        ctx->key_fn(ctx->key_user, st->source, ctx_id, st->key, sizeof st->key, &st->key_len);
    if (e != AUS_OK || st->key_len == 0 || st->key_len > sizeof st->key)
        return AUS_E_KEY;
    st->key_domain = st->key_id = 0;
    if (ctx->key_id_fn)
        ctx->key_id_fn(ctx->key_user, st->source, ctx_id, &st->key_domain, &st->key_id);
    return AUS_OK;
}

/* The bundle decoded once, and its security blocks: each operation updates them (one decode
 * per protect, not one per added block). */
typedef struct prot_view {
    aus_bpv7_bundle b;
    sec_map m;
    aus_bpsec_asb tmp;
} prot_view;

/* One BIB or BCB as aus_bpsec_add adds it, with a fresh wrapped session key if asked. */
static aus_err run_op(aus_bpsec_ctx *ctx, const aus_bpsec_protect_opts *o, prot_st *st,
                      prot_view *v, aus_bpsec_op *op, uint8_t *buf, size_t *len, size_t cap)
{
    int bib = op->kind == AUS_BPSEC_BIB;
    AUS_TRY(get_key(ctx, st, bib ? AUS_BPSEC_CTX_BIB_HMAC_SHA2 : AUS_BPSEC_CTX_BCB_AES_GCM));
    op->source = st->source;
    op->key = st->key;
    op->key_len = st->key_len;
    op->key_domain = st->key_domain;
    op->key_id = st->key_id;
    if (o->wrap_key) {
        size_t sl = bib ? aus_hash_len((aus_hash_alg)op->variant)
                        : (op->variant == AUS_AEAD_AES128_GCM ? 16u : 32u);
        AUS_TRY(ctx->crypto->ops->random(ctx->crypto->self, st->session, sl));
        op->session_key = st->session;
        op->session_key_len = sl;
    }
    return bpsec_add_view(ctx->crypto, op, 0, &v->b, &v->m, &v->tmp, buf, len, cap);
}

static aus_err protect_inner(aus_bpsec_ctx *ctx, const aus_bpsec_protect_opts *o, prot_st *st,
                             prot_view *v, uint8_t *buf, size_t *len, size_t cap)
{
    aus_bpv7_bundle *b = &v->b;
    AUS_TRY(aus_bpv7_decode(b, buf, *len, 0));
    v->m.ready = 0;
    if (o->source) {
        AUS_ENSURE(strlen(o->source) < sizeof st->source, AUS_E_LIMIT);
        memcpy(st->source, o->source, strlen(o->source) + 1);
    } else {
        AUS_ENSURE(aus_bpv7_eid_format(&b->pri.src, st->source, sizeof st->source) <
                       sizeof st->source,
                   AUS_E_LIMIT);
    }
    uint64_t seq_num = o->add_seq ? next_num(b, st) : 0;
    aus_bpsec_op bib = {0}, bcb = {0};
    bib.kind = AUS_BPSEC_BIB;
    bib.variant = o->sha ? o->sha : AUS_HASH_SHA256;
    bib.scope = o->bib_scope == 0xFF ? AUS_BPSEC_SCOPE_ALL : o->bib_scope;
    /* the primary block needs no HMAC of its own when the seq block's IPPT holds it (integrity
     * scope bit 0, RFC 9173 §3.7): that one HMAC authenticates both */
    if (o->bib_primary && !(seq_num && (bib.scope & AUS_BPSEC_SCOPE_PRIMARY)))
        bib.targets[bib.ntargets++] = 0;
    if (seq_num)
        bib.targets[bib.ntargets++] = seq_num;
    /* an encrypted payload is protected by its BCB's GCM tag; a BIB over it would have to be
     * encrypted by that BCB under the payload's (key, IV) (RFC 9172 §3.9, aus_bpsec_add) */
    if (o->bib_payload && !o->bcb_payload)
        bib.targets[bib.ntargets++] = 1;
    bib.block_number = bib.ntargets ? next_num(b, st) : 0;
    if (seq_num)
        AUS_TRY(add_seq_block(ctx, o, b, seq_num, st, buf, len, cap));
    if (bib.ntargets)
        AUS_TRY(run_op(ctx, o, st, v, &bib, buf, len, cap));
    if (!o->bcb_payload)
        return AUS_OK;
    bcb.kind = AUS_BPSEC_BCB;
    bcb.variant = o->aes ? o->aes : AUS_AEAD_AES256_GCM;
    bcb.scope = o->bcb_scope == 0xFF ? AUS_BPSEC_SCOPE_ALL : o->bcb_scope;
    bcb.block_number = next_num(b, st);
    bcb.targets[bcb.ntargets++] = 1; /* one target: see aus_bpsec_protect_opts */
    if (ctx->store)
        AUS_TRY(aus_bpsec_next_iv(ctx, st->source, st->iv));
    else /* no durable counter: a random 96-bit IV (NIST SP 800-38D §8.2.2) */
        AUS_TRY(ctx->crypto->ops->random(ctx->crypto->self, st->iv, sizeof st->iv));
    bcb.iv = st->iv;
    bcb.iv_len = sizeof st->iv;
    return run_op(ctx, o, st, v, &bcb, buf, len, cap);
}

aus_err aus_bpsec_protect(aus_bpsec_ctx *ctx, const aus_bpsec_protect_opts *o, const uint8_t *in,
                          size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    AUS_ENSURE(ctx && o && in && out && out_len && n <= cap, AUS_E_ARG);
    AUS_ENSURE(o->bib_scope <= AUS_BPSEC_SCOPE_ALL || o->bib_scope == 0xFF, AUS_E_ARG);
    AUS_ENSURE(o->bcb_scope <= AUS_BPSEC_SCOPE_ALL || o->bcb_scope == 0xFF, AUS_E_ARG);
    prot_st st;
    prot_view v; /* written before read (decode, bpsec_collect); nothing secret in it */
    memset(&st, 0, sizeof st);
    memmove(out, in, n);
    size_t len = n;
    aus_err e = protect_inner(ctx, o, &st, &v, out, &len, cap);
    aus_wipe(&st, sizeof st);
    if (e != AUS_OK) {
        aus_wipe(out, len);
        return e;
    }
    *out_len = len;
    return AUS_OK;
}
