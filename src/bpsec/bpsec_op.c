/* SPDX-License-Identifier: Apache-2.0 */
/* Adding one BIB or BCB to a bundle in place (RFC 9172 §3.7-§3.9, RFC 9173 §3 / §4).
 *
 * The bundle stays in the caller's buffer: the new security block is inserted after the
 * primary block and the security blocks that directly follow it (the RFC 9173 Appendix A
 * layout), the tail is moved once, and a BCB encrypts its targets' block-type-specific data in
 * place (AES-GCM keeps the length, so no other byte moves). */
#include <string.h>

#include "bpsec_int.h"
#include "bpsec_rules.h"
#include "cbor/cbor_wr.h"

/* Encoded parameter / result values kept while the block is written. */
typedef struct op_scratch {
    uint8_t pval[4][9 + AUS_BPSEC_KEY_MAX + 16];
    uint8_t rval[AUS_BPSEC_MAX_TARGETS][2 + AUS_MAX_HASH_BYTES];
    uint8_t src[16 + AUS_EID_MAX_SSP];
    uint8_t key[AUS_BPSEC_KEY_MAX];
    size_t key_len;
    aus_crypto_key k; /* key named at the provider (no id for a fresh session key) */
    uint8_t wrapped[AUS_BPSEC_KEY_MAX + 8];
    size_t wrapped_len;
} op_scratch;

/* Only the working key is secret (wrapped keys are protected by the KEK). */
static void scratch_wipe(op_scratch *s) { aus_wipe(s->key, sizeof s->key); }

static size_t put_uint(uint8_t *out, size_t cap, uint64_t v)
{
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_cbor_wr_uint(&w, v);
    return aus_wr_len(&w);
}

static size_t put_bstr(uint8_t *out, size_t cap, const uint8_t *p, size_t n)
{
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_cbor_wr_bstr(&w, p, n);
    return w.err ? 0 : aus_wr_len(&w);
}

static void add_param(aus_bpsec_asb *a, op_scratch *s, uint64_t id, size_t len)
{
    aus_bpsec_item *it = &a->params[a->nparams];
    it->id = id;
    it->val = s->pval[a->nparams];
    it->val_len = len;
    a->nparams++;
}

/* Common part of both kinds: source, targets, key (wrapping a session key if given). */
static aus_err op_prepare(const aus_crypto *c, const aus_bpsec_op *op, aus_bpsec_asb *a,
                          op_scratch *s)
{
    aus_eid e;
    AUS_ENSURE(op->source, AUS_E_ARG);
    AUS_TRY(aus_bpv7_eid_parse(&e, op->source, strlen(op->source)));
    aus_wr w;
    aus_wr_init(&w, s->src, sizeof s->src);
    aus_bpv7_eid_write(&w, &e);
    AUS_TRY(w.err);
    /* the counts and scalars only: the item arrays (~1.9 KB) are read up to their counts */
    a->ctx_id = 0;
    a->ctx_flags = 0;
    a->nparams = 0;
    memset(a->nresults, 0, sizeof a->nresults);
    a->source = s->src;
    a->source_len = aus_wr_len(&w);
    a->ntargets = op->ntargets;
    memcpy(a->targets, op->targets, op->ntargets * sizeof op->targets[0]);
    AUS_ENSURE(op->key && op->key_len > 0 && op->key_len <= AUS_BPSEC_KEY_MAX, AUS_E_KEY);
    if (op->session_key) {
        AUS_ENSURE(op->session_key_len >= 16 && op->session_key_len % 8 == 0 &&
                       op->session_key_len <= AUS_BPSEC_KEY_MAX,
                   AUS_E_KEY);
        AUS_TRY(c->ops->key_wrap(c->self, op->key, op->key_len, op->session_key,
                                 op->session_key_len, s->wrapped));
        s->wrapped_len = op->session_key_len + 8;
        memcpy(s->key, op->session_key, op->session_key_len);
        s->key_len = op->session_key_len;
    } else {
        memcpy(s->key, op->key, op->key_len);
        s->key_len = op->key_len;
    }
    s->k = (aus_crypto_key){s->key, s->key_len, op->session_key ? 0 : op->key_domain,
                            op->session_key ? 0 : op->key_id};
    return AUS_OK;
}

/* Length of [type, num, flags, 0, bstr(asb)] given the ASB's encoded length. */
static size_t block_len(uint64_t type, uint64_t num, uint64_t flags, size_t alen)
{
    return 1 + aus_cbor_head_len(type) + aus_cbor_head_len(num) + aus_cbor_head_len(flags) + 1 +
           aus_cbor_head_len(alen) + alen;
}

static size_t asb_len(const aus_bpsec_asb *a)
{
    aus_wr sz;
    aus_wr_init_sizer(&sz);
    return aus_bpsec_asb_encode(&sz, a) == AUS_OK ? aus_wr_len(&sz) : 0;
}

/* [type, num, flags, 0, bstr head of alen] (RFC 9171 §4.3.2: a security block has no CRC). */
static void block_head(aus_wr *w, uint64_t type, uint64_t num, uint64_t flags, size_t alen)
{
    aus_cbor_wr_array_i(w, 5);
    aus_cbor_wr_uint_i(w, type);
    aus_cbor_wr_uint_i(w, num);
    aus_cbor_wr_uint_i(w, flags);
    aus_cbor_wr_uint_i(w, AUS_BPV7_CRC_NONE);
    aus_cbor_wr_head(w, AUS_CBOR_BSTR, alen);
}

/* Encode [type, num, flags, 0, bstr(asb)] into dst (exactly blen bytes). */
static aus_err write_block(uint8_t *dst, size_t blen, uint64_t type, uint64_t num, uint64_t flags,
                           const aus_bpsec_asb *a, size_t alen)
{
    aus_wr w;
    aus_wr_init(&w, dst, blen);
    block_head(&w, type, num, flags, alen);
    AUS_TRY(aus_bpsec_asb_encode(&w, a));
    return aus_wr_len(&w) == blen ? AUS_OK : AUS_E_INTERNAL;
}

/* The ASB encoded once into a stack buffer: sizing it with a sizer pass and then writing it
 * was two full encodes per added block. 0 when it does not fit (or does not encode): the
 * caller then sizes and writes as before. The ASB holds nothing secret (MACs, tags, IV, a key
 * wrapped under the KEK). */
#define ASB_ENC_MAX 1024

static size_t asb_encode_buf(const aus_bpsec_asb *a, uint8_t *enc, size_t cap)
{
    aus_wr w;
    aus_wr_init(&w, enc, cap);
    return aus_bpsec_asb_encode(&w, a) == AUS_OK ? aus_wr_len(&w) : 0;
}

/* [type, num, flags, 0, bstr(asb)] from the ASB's encoding (exactly blen bytes). */
static aus_err write_block_enc(uint8_t *dst, size_t blen, uint64_t type, uint64_t num,
                               uint64_t flags, const uint8_t *enc, size_t alen)
{
    aus_wr w;
    aus_wr_init(&w, dst, blen);
    block_head(&w, type, num, flags, alen);
    aus_wr_bytes(&w, enc, alen);
    AUS_TRY(w.err);
    return aus_wr_len(&w) == blen ? AUS_OK : AUS_E_INTERNAL;
}

/* Where the BCB's n placeholder tags sit in its encoded ASB. The results come last (RFC 9172
 * §3.6) and each target's is [[1, bstr(16 zero bytes)]], 20 bytes: 0x81 0x82 0x01 0x50 + tag.
 * Each position is checked against those bytes; 0 if any differs (then the ASB is encoded
 * again after the encryption, as before). */
static int bcb_tag_offsets(const uint8_t *enc, size_t alen, size_t n, size_t *at)
{
    if (alen < 20 * n + 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t off = alen - AUS_GCM_TAG_BYTES - 20 * (n - 1 - i);
        if (enc[off - 4] != 0x81 || enc[off - 3] != 0x82 || enc[off - 2] != AUS_BCB_RESULT_TAG ||
            enc[off - 1] != 0x50 || !aus_ct_is_zero(enc + off, AUS_GCM_TAG_BYTES))
            return 0;
        at[i] = off;
    }
    return 1;
}

static size_t insert_pos(const aus_bpv7_bundle *b)
{
    size_t pos = b->pri_off + b->pri_len;
    for (size_t i = 0; i < b->nblocks; i++) {
        const aus_bpv7_block *k = &b->blk[i];
        if ((k->type == AUS_BPSEC_BT_BIB || k->type == AUS_BPSEC_BT_BCB) && k->off == pos)
            pos = k->off + k->len;
        else
            break;
    }
    return pos;
}

static aus_err bib_results(const aus_crypto *c, const aus_bpsec_op *op, const aus_bpv7_bundle *b,
                           uint64_t num, aus_bpsec_asb *a, op_scratch *s)
{
    for (size_t i = 0; i < op->ntargets; i++) {
        long ix = bpsec_find_num(b, op->targets[i]);
        const aus_bpv7_block *t = ix >= 0 ? &b->blk[ix] : NULL;
        sc_scatter sc;
        bpsec_ippt(&sc, op->scope, b->pri_raw, b->pri_len, t, t ? t->data : NULL, AUS_BPSEC_BT_BIB,
                   num, op->block_flags);
        uint8_t mac[AUS_MAX_HASH_BYTES];
        size_t ml = 0;
        AUS_TRY(aus_crypto_hmac_k(c, (aus_hash_alg)op->variant, &s->k, sc.iov, sc.n, mac, &ml));
        a->results[i][0].id = AUS_BIB_RESULT_HMAC;
        a->results[i][0].val = s->rval[i];
        a->results[i][0].val_len = put_bstr(s->rval[i], sizeof s->rval[i], mac, ml);
        a->nresults[i] = 1;
    }
    return AUS_OK;
}

static aus_err add_bib(const aus_crypto *c, const aus_bpsec_op *op, aus_bpv7_bundle *b,
                       uint64_t num, uint8_t *buf, size_t *len, size_t cap, op_scratch *s)
{
    aus_bpsec_asb a;
    AUS_ENSURE(op->variant == AUS_HASH_SHA256 || op->variant == AUS_HASH_SHA384 ||
                   op->variant == AUS_HASH_SHA512,
               AUS_E_ARG);
    AUS_TRY(op_prepare(c, op, &a, s));
    a.ctx_id = AUS_BPSEC_CTX_BIB_HMAC_SHA2;
    /* RFC 9173 §3.3: all parameters written explicitly, in id order (as in App. A) */
    add_param(&a, s, AUS_BIB_PARAM_SHA,
              put_uint(s->pval[0], sizeof s->pval[0], (uint64_t)op->variant));
    if (op->session_key)
        add_param(&a, s, AUS_BIB_PARAM_WRAPPED,
                  put_bstr(s->pval[1], sizeof s->pval[1], s->wrapped, s->wrapped_len));
    add_param(&a, s, AUS_BIB_PARAM_SCOPE, put_uint(s->pval[a.nparams], 9, op->scope));
    AUS_TRY(bib_results(c, op, b, num, &a, s));
    uint8_t enc[ASB_ENC_MAX];
    size_t alen = asb_encode_buf(&a, enc, sizeof enc), pos = insert_pos(b);
    int once = alen > 0;
    if (!once)
        alen = asb_len(&a);
    AUS_ENSURE(alen > 0, AUS_E_ARG);
    size_t blen = block_len(AUS_BPSEC_BT_BIB, num, op->block_flags, alen);
    AUS_ENSURE(blen <= cap && *len <= cap - blen, AUS_E_NOBUFS);
    memmove(buf + pos + blen, buf + pos, *len - pos);
    *len += blen;
    AUS_TRY(
        once ? write_block_enc(buf + pos, blen, AUS_BPSEC_BT_BIB, num, op->block_flags, enc, alen)
             : write_block(buf + pos, blen, AUS_BPSEC_BT_BIB, num, op->block_flags, &a, alen));
    bpsec_view_insert(b, buf, pos, blen, alen, AUS_BPSEC_BT_BIB, num, op->block_flags);
    return AUS_OK;
}

static aus_err bcb_encrypt(const aus_crypto *c, const aus_bpsec_op *op, const aus_bpv7_bundle *b,
                           uint64_t num, uint64_t flags, uint8_t *buf, size_t pos, size_t shift,
                           op_scratch *s)
{
    for (size_t i = 0; i < op->ntargets; i++) {
        const aus_bpv7_block *t = &b->blk[bpsec_find_num(b, op->targets[i])];
        size_t doff = (size_t)(t->data - buf), boff = t->off;
        if (boff >= pos)
            doff += shift, boff += shift;
        sc_scatter sc;
        bpsec_aad(&sc, op->scope, b->pri_raw, b->pri_len, t, AUS_BPSEC_BT_BCB, num, flags);
        uint8_t *tag = s->rval[i];
        tag[0] = 0x50; /* CBOR byte string of 16 bytes */
        AUS_TRY(aus_crypto_seal_k(c, (aus_aead_alg)op->variant, &s->k, op->iv, op->iv_len, sc.iov,
                                  sc.n, buf + doff, t->data_len, buf + doff, tag + 1,
                                  AUS_GCM_TAG_BYTES));
        bpsec_fix_crc(buf, boff, t->len, t->crc_type);
    }
    return AUS_OK;
}

static aus_err add_bcb(const aus_crypto *c, const aus_bpsec_op *op, aus_bpv7_bundle *b,
                       uint64_t num, uint8_t *buf, size_t *len, size_t cap, op_scratch *s)
{
    aus_bpsec_asb a;
    size_t kl = op->session_key ? op->session_key_len : op->key_len;
    AUS_ENSURE(op->variant == AUS_AEAD_AES128_GCM || op->variant == AUS_AEAD_AES256_GCM, AUS_E_ARG);
    AUS_ENSURE(kl == (op->variant == AUS_AEAD_AES128_GCM ? 16u : 32u), AUS_E_KEY);
    AUS_ENSURE(op->iv && op->iv_len >= 8 && op->iv_len <= 16, AUS_E_ARG);
    /* One target per BCB we produce. The IV (RFC 9173 §4.3.1) and the wrapped key (§4.3.3) are
     * security context parameters, so they apply to every target of the block: a second target
     * would be encrypted under the same AES-GCM (key, IV) as the first, which gives away the XOR
     * of the two plaintexts and lets GHASH's key be solved for (NIST SP 800-38D §8, App. A).
     * RFC 9173 App. A.4 does exactly that (its BIB and payload share the keystream). Each block
     * to encrypt gets a BCB of its own with its own IV; blocks like this from other nodes still
     * open (aus_bpsec_open). */
    AUS_ENSURE(op->ntargets == 1, AUS_E_POLICY);
    AUS_TRY(op_prepare(c, op, &a, s));
    a.ctx_id = AUS_BPSEC_CTX_BCB_AES_GCM;
    uint64_t flags = op->block_flags;
    for (size_t i = 0; i < op->ntargets; i++)
        if (op->targets[i] == 1)
            flags |= AUS_BPV7_BLK_REPLICATE; /* RFC 9172 §3.8: replicate a BCB over the payload */
    /* RFC 9173 §4.3: parameters in id order (as in App. A.2) */
    add_param(&a, s, AUS_BCB_PARAM_IV, put_bstr(s->pval[0], sizeof s->pval[0], op->iv, op->iv_len));
    add_param(&a, s, AUS_BCB_PARAM_AES, put_uint(s->pval[1], 9, (uint64_t)op->variant));
    if (op->session_key)
        add_param(&a, s, AUS_BCB_PARAM_WRAPPED,
                  put_bstr(s->pval[2], sizeof s->pval[2], s->wrapped, s->wrapped_len));
    add_param(&a, s, AUS_BCB_PARAM_SCOPE, put_uint(s->pval[a.nparams], 9, op->scope));
    for (size_t i = 0; i < op->ntargets; i++) {
        memset(s->rval[i], 0, 1 + AUS_GCM_TAG_BYTES);
        s->rval[i][0] = 0x50;
        a.results[i][0] = (aus_bpsec_item){AUS_BCB_RESULT_TAG, s->rval[i], 1 + AUS_GCM_TAG_BYTES};
        a.nresults[i] = 1;
    }
    /* encoded once with zero tags; the tags are copied in after the encryption */
    uint8_t enc[ASB_ENC_MAX];
    size_t at[AUS_BPSEC_MAX_TARGETS];
    size_t alen = asb_encode_buf(&a, enc, sizeof enc), pos = insert_pos(b);
    int once = alen > 0 && bcb_tag_offsets(enc, alen, op->ntargets, at);
    if (!once)
        alen = asb_len(&a);
    AUS_ENSURE(alen > 0, AUS_E_ARG);
    size_t blen = block_len(AUS_BPSEC_BT_BCB, num, flags, alen);
    AUS_ENSURE(blen <= cap && *len <= cap - blen, AUS_E_NOBUFS);
    memmove(buf + pos + blen, buf + pos, *len - pos);
    *len += blen;
    aus_err e = bcb_encrypt(c, op, b, num, flags, buf, pos, blen, s);
    if (e != AUS_OK)
        return e;
    if (!once) {
        AUS_TRY(write_block(buf + pos, blen, AUS_BPSEC_BT_BCB, num, flags, &a, alen));
    } else {
        for (size_t i = 0; i < op->ntargets; i++)
            memcpy(enc + at[i], s->rval[i] + 1, AUS_GCM_TAG_BYTES);
        AUS_TRY(write_block_enc(buf + pos, blen, AUS_BPSEC_BT_BCB, num, flags, enc, alen));
    }
    /* the targets' data is ciphertext now: what the decoder would see (it leaves encrypted
     * previous-node / age / hop-count data opaque, RFC 9172 §3.8) */
    for (size_t i = 0; i < op->ntargets; i++) {
        aus_bpv7_block *t = &b->blk[bpsec_find_num(b, op->targets[i])];
        if (t->type == AUS_BPV7_BT_PREV_NODE || t->type == AUS_BPV7_BT_AGE ||
            t->type == AUS_BPV7_BT_HOP_COUNT)
            t->encrypted = 1;
    }
    bpsec_view_insert(b, buf, pos, blen, alen, AUS_BPSEC_BT_BCB, num, flags);
    return AUS_OK;
}

void bpsec_view_insert(aus_bpv7_bundle *b, const uint8_t *buf, size_t pos, size_t blen, size_t dlen,
                       uint64_t type, uint64_t num, uint64_t flags)
{
    const uint8_t *at = buf + pos;
    size_t ix = b->nblocks;
    for (size_t i = 0; i < b->nblocks; i++) {
        aus_bpv7_block *k = &b->blk[i];
        if (k->off < pos)
            continue;
        if (ix == b->nblocks)
            ix = i;
        k->off += blen;
        k->data += blen;
    }
    if (b->payload && b->payload >= at)
        b->payload += blen;
    if (b->has_prev && b->prev_node.ssp && b->prev_node.ssp >= at)
        b->prev_node.ssp += blen;
    memmove(&b->blk[ix + 1], &b->blk[ix], (b->nblocks - ix) * sizeof b->blk[0]);
    b->blk[ix] = (aus_bpv7_block){.type = type,
                                  .number = num,
                                  .flags = flags,
                                  .crc_type = AUS_BPV7_CRC_NONE,
                                  .data = buf + pos + blen - dlen,
                                  .data_len = dlen,
                                  .off = pos,
                                  .len = blen};
    b->nblocks++;
    b->encoded_len += blen;
}

aus_err bpsec_add_view(const aus_crypto *c, const aus_bpsec_op *op, unsigned opts,
                       aus_bpv7_bundle *b, sec_map *m, aus_bpsec_asb *tmp, uint8_t *buf,
                       size_t *len, size_t cap)
{
    AUS_ENSURE(c && op && buf && len && *len <= cap, AUS_E_ARG);
    AUS_ENSURE(op->ntargets > 0 && op->ntargets <= AUS_BPSEC_MAX_TARGETS, AUS_E_ARG);
    AUS_ENSURE(op->scope <= AUS_BPSEC_SCOPE_ALL, AUS_E_ARG);
    AUS_ENSURE(b->nblocks < AUS_BPV7_MAX_BLOCKS && b->nblocks < b->blk_cap, AUS_E_LIMIT);
    uint64_t num = 0;
    AUS_TRY(bpsec_pick_number(b, op->block_number, &num));
    if (!m->ready)
        AUS_TRY(bpsec_collect(b, 0, m, tmp));
    AUS_TRY(bpsec_check_new_op_map(b, m, op, num, opts));
    op_scratch s;
    s.key_len = s.wrapped_len = 0;
    size_t len0 = *len;
    aus_err e = op->kind == AUS_BPSEC_BIB   ? add_bib(c, op, b, num, buf, len, cap, &s)
                : op->kind == AUS_BPSEC_BCB ? add_bcb(c, op, b, num, buf, len, cap, &s)
                                            : AUS_E_ARG;
    scratch_wipe(&s);
    if (e != AUS_OK) {
        m->n--; /* the operation bpsec_check_new_op_map entered is not in the bundle */
        if (*len != len0) {
            /* a failure after the tail moved (crypto backend error): leave nothing half done */
            aus_wipe(buf, *len);
            *len = 0;
        }
        return e;
    }
    bpsec_map_added(m, op);
    return AUS_OK;
}

aus_err aus_bpsec_add(const aus_crypto *c, const aus_bpsec_op *op, uint8_t *buf, size_t *len,
                      size_t cap)
{
    return aus_bpsec_add_list(c, op, 1, 0, buf, len, cap);
}

aus_err aus_bpsec_add_opt(const aus_crypto *c, const aus_bpsec_op *op, unsigned opts, uint8_t *buf,
                          size_t *len, size_t cap)
{
    return aus_bpsec_add_list(c, op, 1, opts, buf, len, cap);
}

aus_err aus_bpsec_add_list(const aus_crypto *c, const aus_bpsec_op *ops, size_t n, unsigned opts,
                           uint8_t *buf, size_t *len, size_t cap)
{
    AUS_ENSURE(c && ops && n > 0 && buf && len && *len <= cap, AUS_E_ARG);
    AUS_ENSURE(ops[0].ntargets > 0 && ops[0].ntargets <= AUS_BPSEC_MAX_TARGETS, AUS_E_ARG);
    AUS_ENSURE(ops[0].scope <= AUS_BPSEC_SCOPE_ALL, AUS_E_ARG);
    /* One decode and one pass over the security blocks for the whole list: each operation
     * then updates the decoded view and the map of security blocks in place (bpsec_view_insert,
     * bpsec_map_added) instead of decoding the bundle it has just written. */
    aus_bpv7_bundle b;
    AUS_TRY(aus_bpv7_decode(&b, buf, *len, 0));
    sec_map m;
    aus_bpsec_asb tmp;
    m.ready = 0; /* collected by the first operation, after its own checks */
    for (size_t i = 0; i < n; i++)
        AUS_TRY(bpsec_add_view(c, &ops[i], opts, &b, &m, &tmp, buf, len, cap));
    return AUS_OK;
}
