/* SPDX-License-Identifier: Apache-2.0 */
/* Post-quantum rekey: message framing (deterministic CBOR), signatures, durable state.
 *
 * State record "<prefix>rk/state" (version 1, big-endian, fixed layout):
 *   ver role mkid(2) overlap(4) counter(8) cur(4) pend(4) pend_counter(8) pend_th(32)
 *   4 x [pair(4) deadline(8)] kem(2) kem_pend(2) dsa_sk(2) dsa_vk(2) dsa_sk_pend(2)
 *   dsa_vk_pend(2) peer_vk(2) peer_vk_prev(2) lt_counter(8) peer_lt_seen(8) sign_responses(1)
 */
#include <string.h>

#include "australis/base.h"
#include "australis/pq.h"
#include "rekey_internal.h"

#define STATE_LEN (1 + 1 + 2 + 4 + 8 + 4 + 4 + 8 + 32 + AUS_REKEY_RETIRED_MAX * 12 + 16 + 16 + 1)

/* ---- messages ---- */

aus_err rk_msg_decode(aus_rekey *rk, const uint8_t *in, size_t len, rk_msg *m)
{
    AUS_ENSURE(rk && m && (in || len == 0), AUS_E_ARG);
    memset(m, 0, sizeof *m);
    rk->drop_prev = 0;
    aus_rd r;
    aus_rd_init(&r, in, len);
    size_t n = 0;
    AUS_TRY(aus_cbor_rd_array(&r, RK_CBOR, &n));
    AUS_ENSURE(n == 2 || n == 3, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_bstr(&r, RK_CBOR, &m->body, &m->body_len));
    AUS_TRY(aus_cbor_rd_bstr(&r, RK_CBOR, &m->auth, &m->auth_len));
    if (n == 3)
        AUS_TRY(aus_cbor_rd_bstr(&r, RK_CBOR, &m->sig, &m->sig_len));
    AUS_TRY(aus_rd_finish(&r));
    aus_rd_init(&m->rest, m->body, m->body_len);
    size_t fields = 0;
    uint64_t ver = 0;
    AUS_TRY(aus_cbor_rd_array(&m->rest, RK_CBOR, &fields));
    AUS_ENSURE(fields >= 4 && fields <= 16, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&m->rest, RK_CBOR, &ver));
    AUS_ENSURE(ver == RK_VERSION, AUS_E_UNSUPPORTED);
    AUS_TRY(aus_cbor_rd_uint(&m->rest, RK_CBOR, &m->type));
    AUS_TRY(aus_cbor_rd_uint(&m->rest, RK_CBOR, &m->counter));
    const uint8_t *ctx = NULL;
    size_t cl = 0;
    AUS_TRY(aus_cbor_rd_bstr(&m->rest, RK_CBOR, &ctx, &cl));
    /* The context binds the message to this mission / tenant / node pair. */
    AUS_ENSURE(cl == rk->ctxlen && aus_ct_eq(ctx, rk->ctx, cl), AUS_E_POLICY);
    AUS_ENSURE(m->counter > 0, AUS_E_MALFORMED);
    /* Field count per type (after the 4 common ones). */
    static const size_t extra[] = {0, 6, 3, 1, 1, 3};
    AUS_ENSURE(m->type >= 1 && m->type <= 5, AUS_E_MALFORMED);
    AUS_ENSURE(fields == 4 + extra[m->type], AUS_E_MALFORMED);
    AUS_ENSURE(n == 2 || m->type == AUS_REKEY_MSG_RESPONSE, AUS_E_MALFORMED);
    return AUS_OK;
}

aus_err rk_msg_end(rk_msg *m) { return aus_rd_finish(&m->rest); }

aus_err rk_rd_u16(rk_msg *m, uint16_t *v)
{
    uint64_t x = 0;
    AUS_TRY(aus_cbor_rd_uint(&m->rest, RK_CBOR, &x));
    AUS_ENSURE(x <= 0xFFFFu, AUS_E_MALFORMED);
    *v = (uint16_t)x;
    return AUS_OK;
}

aus_err rk_rd_u64(rk_msg *m, uint64_t *v) { return aus_cbor_rd_uint(&m->rest, RK_CBOR, v); }

aus_err rk_rd_bytes(rk_msg *m, size_t want, const uint8_t **p)
{
    size_t n = 0;
    AUS_TRY(aus_cbor_rd_bstr(&m->rest, RK_CBOR, p, &n));
    AUS_ENSURE(n == want, AUS_E_MALFORMED);
    return AUS_OK;
}

void rk_body_begin(aus_rekey *rk, aus_wr *w, uint64_t type, uint64_t counter, size_t nfields)
{
    aus_wr_init(w, rk->body, sizeof rk->body);
    aus_cbor_wr_array(w, 4 + nfields);
    aus_cbor_wr_uint(w, RK_VERSION);
    aus_cbor_wr_uint(w, type);
    aus_cbor_wr_uint(w, counter);
    aus_cbor_wr_bstr(w, rk->ctx, rk->ctxlen);
}

int rk_msg_encode(const uint8_t *body, size_t blen, const uint8_t *auth, size_t alen,
                  const uint8_t *sig, size_t slen, uint8_t *out, size_t cap)
{
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_cbor_wr_array(&w, sig ? 3 : 2);
    aus_cbor_wr_bstr(&w, body, blen);
    aus_cbor_wr_bstr(&w, auth, alen);
    if (sig)
        aus_cbor_wr_bstr(&w, sig, slen);
    AUS_TRY(w.err);
    return (int)aus_wr_len(&w);
}

/* ---- signatures and hashes ---- */

static const uint8_t sig_ctx[] = AUS_REKEY_SIG_CTX;

aus_err rk_sign(aus_rekey *rk, uint16_t sk, const uint8_t *body, size_t n, uint8_t sig[3309])
{
    size_t kl = 0;
    AUS_TRY(aus_keys_get(rk->keys, sk, AUS_KEY_USE_PRIVATE, 0, rk->kbuf, sizeof rk->kbuf, &kl));
    aus_err e = kl == AUS_MLDSA65_SK_BYTES ? AUS_OK : AUS_E_KEY;
    if (e == AUS_OK)
        e = aus_mldsa65_sign(sig, body, n, sig_ctx, sizeof sig_ctx - 1, rk->kbuf);
    aus_wipe(rk->kbuf, sizeof rk->kbuf);
    return e;
}

static aus_err verify_with(aus_rekey *rk, uint16_t vk, const uint8_t *body, size_t n,
                           const uint8_t *sig, uint64_t now)
{
    size_t kl = 0;
    AUS_ENSURE(vk != 0, AUS_E_AUTH);
    AUS_TRY(aus_keys_get(rk->keys, vk, AUS_KEY_USE_PUBLIC, now, rk->kbuf, sizeof rk->kbuf, &kl));
    AUS_ENSURE(kl == AUS_MLDSA65_PK_BYTES, AUS_E_KEY);
    return aus_mldsa65_verify(sig, body, n, sig_ctx, sizeof sig_ctx - 1, rk->kbuf);
}

aus_err rk_verify_peer(aus_rekey *rk, const uint8_t *body, size_t n, const uint8_t *sig,
                       size_t slen, uint64_t now, int *used_prev)
{
    AUS_ENSURE(slen == AUS_MLDSA65_SIG_BYTES, AUS_E_MALFORMED);
    *used_prev = 0;
    rk->now = now;
    aus_err e = verify_with(rk, rk->st.peer_vk, body, n, sig, now);
    if (e == AUS_E_AUTH && rk->st.peer_vk_prev) {
        e = verify_with(rk, rk->st.peer_vk_prev, body, n, sig, now);
        *used_prev = e == AUS_OK;
    }
    aus_wipe(rk->kbuf, AUS_MLDSA65_PK_BYTES);
    /* The peer signs with its new key: it has our ACK, the old key can go (in the next
     * transaction, together with the message's own effect). */
    rk->drop_prev = e == AUS_OK && !*used_prev && rk->st.peer_vk_prev != 0;
    return e;
}

static aus_err hash1(aus_rekey *rk, aus_hash_alg alg, const uint8_t *p, size_t n, uint8_t out[32])
{
    aus_iov v = {p, n};
    return rk->crypto->ops->hash(rk->crypto->self, alg, &v, 1, out, 32);
}

aus_err rk_sha256(aus_rekey *rk, const uint8_t *p, size_t n, uint8_t out[32])
{
    return hash1(rk, AUS_HASH_SHA256, p, n, out);
}

aus_err rk_sha3(aus_rekey *rk, const uint8_t *p, size_t n, uint8_t out[32])
{
    return hash1(rk, AUS_HASH_SHA3_256, p, n, out);
}

/* ---- state ---- */

static void state_name(const aus_rekey *rk, char *out)
{
    size_t pl = strlen(rk->prefix);
    memcpy(out, rk->prefix, pl);
    memcpy(out + pl, "rk/state", 9);
}

static void enc_state(aus_wr *w, const aus_rekey_state *s)
{
    aus_wr_u8(w, 1);
    aus_wr_u8(w, s->role);
    aus_wr_be16(w, s->mkid);
    aus_wr_be32(w, s->overlap);
    aus_wr_be64(w, s->counter);
    const aus_rekey_pair *pp[] = {&s->cur, &s->pend};
    for (size_t i = 0; i < 2; i++) {
        aus_wr_be16(w, pp[i]->ek);
        aus_wr_be16(w, pp[i]->ak);
    }
    aus_wr_be64(w, s->pend_counter);
    aus_wr_bytes(w, s->pend_th, 32);
    for (size_t i = 0; i < AUS_REKEY_RETIRED_MAX; i++) {
        aus_wr_be16(w, s->ret[i].p.ek);
        aus_wr_be16(w, s->ret[i].p.ak);
        aus_wr_be64(w, s->ret[i].deadline);
    }
    const uint16_t ids[] = {s->kem,         s->kem_pend,    s->dsa_sk,  s->dsa_vk,
                            s->dsa_sk_pend, s->dsa_vk_pend, s->peer_vk, s->peer_vk_prev};
    for (size_t i = 0; i < AUS_ARRAY_LEN(ids); i++)
        aus_wr_be16(w, ids[i]);
    aus_wr_be64(w, s->lt_counter);
    aus_wr_be64(w, s->peer_lt_seen);
    aus_wr_u8(w, s->sign_responses);
}

static aus_err dec_state(aus_rd *r, aus_rekey_state *s)
{
    memset(s, 0, sizeof *s);
    AUS_ENSURE(aus_rd_u8(r) == 1, AUS_E_MALFORMED);
    s->role = aus_rd_u8(r);
    s->mkid = aus_rd_be16(r);
    s->overlap = aus_rd_be32(r);
    s->counter = aus_rd_be64(r);
    aus_rekey_pair *pp[] = {&s->cur, &s->pend};
    for (size_t i = 0; i < 2; i++) {
        pp[i]->ek = aus_rd_be16(r);
        pp[i]->ak = aus_rd_be16(r);
    }
    s->pend_counter = aus_rd_be64(r);
    aus_rd_copy(r, s->pend_th, 32);
    for (size_t i = 0; i < AUS_REKEY_RETIRED_MAX; i++) {
        s->ret[i].p.ek = aus_rd_be16(r);
        s->ret[i].p.ak = aus_rd_be16(r);
        s->ret[i].deadline = aus_rd_be64(r);
    }
    uint16_t *ids[] = {&s->kem,         &s->kem_pend,    &s->dsa_sk,  &s->dsa_vk,
                       &s->dsa_sk_pend, &s->dsa_vk_pend, &s->peer_vk, &s->peer_vk_prev};
    for (size_t i = 0; i < AUS_ARRAY_LEN(ids); i++)
        *ids[i] = aus_rd_be16(r);
    s->lt_counter = aus_rd_be64(r);
    s->peer_lt_seen = aus_rd_be64(r);
    s->sign_responses = aus_rd_u8(r);
    AUS_TRY(aus_rd_finish(r));
    AUS_ENSURE(s->role == AUS_REKEY_GROUND || s->role == AUS_REKEY_SAT, AUS_E_MALFORMED);
    return AUS_OK;
}

aus_err rk_save(aus_rekey *rk)
{
    uint8_t buf[STATE_LEN];
    char name[AUS_STORE_KEY_MAX];
    aus_wr w;
    aus_wr_init(&w, buf, sizeof buf);
    enc_state(&w, &rk->st);
    AUS_TRY(aus_wr_finish(&w));
    state_name(rk, name);
    const aus_store *s = rk->keys->store;
    return s->ops->put(s->self, name, buf, aus_wr_len(&w));
}

static aus_err init_common(aus_rekey *rk, aus_keys *keys, const aus_crypto *crypto,
                           const char *prefix, const uint8_t *ctx, size_t ctxlen)
{
    AUS_ENSURE(rk && keys && crypto && prefix && (ctx || ctxlen == 0), AUS_E_ARG);
    size_t pl = strlen(prefix);
    AUS_ENSURE(pl + 10 < sizeof rk->prefix && ctxlen <= AUS_REKEY_CTX_MAX, AUS_E_ARG);
    memset(rk, 0, sizeof *rk);
    rk->keys = keys;
    rk->crypto = crypto;
    memcpy(rk->prefix, prefix, pl + 1);
    if (ctxlen)
        memcpy(rk->ctx, ctx, ctxlen);
    rk->ctxlen = ctxlen;
    return AUS_OK;
}

aus_err aus_rekey_open(aus_rekey *rk, aus_keys *keys, const aus_crypto *crypto, const char *prefix,
                       const uint8_t *ctx, size_t ctxlen)
{
    AUS_TRY(init_common(rk, keys, crypto, prefix, ctx, ctxlen));
    uint8_t buf[STATE_LEN + 1];
    char name[AUS_STORE_KEY_MAX];
    size_t n = 0;
    state_name(rk, name);
    const aus_store *s = keys->store;
    aus_err e = s->ops->get(s->self, name, buf, sizeof buf, &n);
    AUS_ENSURE(e != AUS_E_NOBUFS, AUS_E_MALFORMED);
    AUS_TRY(e);
    aus_rd r;
    aus_rd_init(&r, buf, n);
    return dec_state(&r, &rk->st);
}

static aus_err need(aus_keys *ks, uint16_t id, aus_key_type t)
{
    aus_key_info i;
    AUS_ENSURE(id != 0, AUS_E_KEY);
    AUS_TRY(aus_keys_info(ks, id, &i));
    AUS_ENSURE(i.type == t && i.state == AUS_KEY_ACTIVE, AUS_E_KEY);
    return AUS_OK;
}

aus_err aus_rekey_provision(aus_rekey *rk, aus_keys *keys, const aus_crypto *crypto,
                            const char *prefix, const uint8_t *ctx, size_t ctxlen,
                            const aus_rekey_state *initial)
{
    AUS_ENSURE(initial, AUS_E_ARG);
    AUS_ENSURE(aus_rekey_open(rk, keys, crypto, prefix, ctx, ctxlen) == AUS_E_NOTFOUND,
               AUS_E_STATE);
    AUS_TRY(init_common(rk, keys, crypto, prefix, ctx, ctxlen));
    const aus_rekey_state *s = initial;
    int sat = s->role == AUS_REKEY_SAT;
    AUS_ENSURE(sat || s->role == AUS_REKEY_GROUND, AUS_E_ARG);
    AUS_TRY(need(keys, s->mkid, AUS_KEY_T_MASTER));
    AUS_TRY(need(keys, s->cur.ek, AUS_KEY_T_SESSION));
    AUS_TRY(need(keys, s->cur.ak, AUS_KEY_T_SESSION));
    AUS_TRY(need(keys, s->kem, sat ? AUS_KEY_T_MLKEM768_DK : AUS_KEY_T_MLKEM768_EK));
    AUS_TRY(need(keys, s->dsa_sk, AUS_KEY_T_MLDSA65_SK));
    AUS_TRY(need(keys, s->dsa_vk, AUS_KEY_T_MLDSA65_VK));
    AUS_TRY(need(keys, s->peer_vk, AUS_KEY_T_MLDSA65_VK));
    rk->st = *s;
    memset(&rk->st.pend, 0, sizeof rk->st.pend);
    memset(rk->st.ret, 0, sizeof rk->st.ret);
    rk->st.kem_pend = rk->st.dsa_sk_pend = rk->st.dsa_vk_pend = rk->st.peer_vk_prev = 0;
    return rk_save(rk);
}

void aus_rekey_close(aus_rekey *rk)
{
    if (rk)
        aus_wipe(rk, sizeof *rk);
}

int aus_rekey_msg_type(const uint8_t *msg, size_t len)
{
    /* Type without context check: parse the outer array and the body head only. */
    aus_rd r, b;
    size_t n = 0;
    const uint8_t *body = NULL;
    size_t bl = 0;
    uint64_t ver = 0, type = 0;
    aus_rd_init(&r, msg, len);
    AUS_TRY(aus_cbor_rd_array(&r, RK_CBOR, &n));
    AUS_ENSURE(n == 2 || n == 3, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_bstr(&r, RK_CBOR, &body, &bl));
    aus_rd_init(&b, body, bl);
    AUS_TRY(aus_cbor_rd_array(&b, RK_CBOR, &n));
    AUS_TRY(aus_cbor_rd_uint(&b, RK_CBOR, &ver));
    AUS_ENSURE(ver == RK_VERSION, AUS_E_UNSUPPORTED);
    AUS_TRY(aus_cbor_rd_uint(&b, RK_CBOR, &type));
    AUS_ENSURE(type >= 1 && type <= 5, AUS_E_MALFORMED);
    return (int)type;
}

/* ---- transactions and key retirement ---- */

aus_err rk_begin(aus_rekey *rk)
{
    AUS_TRY(aus_keys_begin(rk->keys));
    rk->snap = rk->st;
    if (rk->drop_prev) {
        rk->drop_prev = 0;
        aus_err e = rk_destroy(rk, rk->st.peer_vk_prev, rk->now);
        if (e != AUS_OK) {
            aus_keys_rollback(rk->keys);
            return e;
        }
        rk->st.peer_vk_prev = 0;
    }
    return AUS_OK;
}

aus_err rk_end(aus_rekey *rk, aus_err e)
{
    if (e == AUS_OK)
        e = rk_save(rk);
    if (e == AUS_OK)
        e = aus_keys_commit(rk->keys);
    else
        aus_keys_rollback(rk->keys);
    if (e != AUS_OK)
        rk->st = rk->snap;
    return e;
}

aus_err rk_destroy(aus_rekey *rk, uint16_t id, uint64_t now)
{
    aus_key_info i;
    if (id == 0 || aus_keys_info(rk->keys, id, &i) != AUS_OK)
        return AUS_OK;
    if (i.state == AUS_KEY_ACTIVE)
        AUS_TRY(aus_keys_deactivate(rk->keys, id, now, now));
    if (i.state == AUS_KEY_DESTROYED)
        return AUS_OK;
    if (i.state == AUS_KEY_CORRUPTED)
        return AUS_OK; /* stays corrupted: never usable */
    return aus_keys_destroy(rk->keys, id, now);
}

static uint64_t created_of(aus_rekey *rk, uint16_t id)
{
    aus_key_info k;
    return aus_keys_info(rk->keys, id, &k) == AUS_OK ? k.created : 0;
}

/* The retired slot to give up when all are taken: earliest deadline, then oldest key. */
static size_t oldest_slot(aus_rekey *rk)
{
    size_t o = 0;
    for (size_t i = 1; i < AUS_REKEY_RETIRED_MAX; i++) {
        const aus_rekey_retired *a = &rk->st.ret[i], *b = &rk->st.ret[o];
        if (a->deadline < b->deadline ||
            (a->deadline == b->deadline && created_of(rk, a->p.ek) < created_of(rk, b->p.ek)))
            o = i;
    }
    return o;
}

aus_err rk_retire_ex(aus_rekey *rk, aus_rekey_pair p, uint64_t now, int open)
{
    if (p.ek == 0)
        return AUS_OK;
    size_t slot = AUS_REKEY_RETIRED_MAX;
    for (size_t i = 0; i < AUS_REKEY_RETIRED_MAX && slot == AUS_REKEY_RETIRED_MAX; i++)
        if (rk->st.ret[i].p.ek == 0)
            slot = i;
    if (slot == AUS_REKEY_RETIRED_MAX) { /* full: the oldest retired pair goes now */
        slot = oldest_slot(rk);
        AUS_TRY(rk_destroy(rk, rk->st.ret[slot].p.ek, now));
        AUS_TRY(rk_destroy(rk, rk->st.ret[slot].p.ak, now));
    }
    /* open: a superseded pending pair the peer may be sending under; it stays ACTIVE (never
     * chosen for sending) until a later pair is confirmed, then gets a deadline */
    uint64_t dl = open ? UINT64_MAX : now + rk->st.overlap;
    const uint16_t ids[2] = {p.ek, p.ak};
    for (size_t i = 0; i < 2 && !open; i++) {
        aus_key_info k;
        AUS_TRY(aus_keys_info(rk->keys, ids[i], &k));
        if (k.state == AUS_KEY_ACTIVE)
            AUS_TRY(aus_keys_deactivate(rk->keys, ids[i], now, dl));
    }
    rk->st.ret[slot].p = p;
    rk->st.ret[slot].deadline = dl;
    return AUS_OK;
}

aus_err rk_retire(aus_rekey *rk, aus_rekey_pair p, uint64_t now)
{
    return rk_retire_ex(rk, p, now, 0);
}

aus_err rk_close_open(aus_rekey *rk, uint64_t now)
{
    for (size_t i = 0; i < AUS_REKEY_RETIRED_MAX; i++) {
        aus_rekey_retired *r = &rk->st.ret[i];
        if (r->p.ek == 0 || r->deadline != UINT64_MAX)
            continue;
        aus_rekey_pair p = r->p;
        memset(r, 0, sizeof *r);
        AUS_TRY(rk_retire(rk, p, now));
    }
    return AUS_OK;
}

aus_err rk_free_lt(aus_rekey *rk, uint16_t *id)
{
    return aus_keys_free_id(rk->keys, AUS_KEY_ID_LT_FIRST, 0xFFFFu, id);
}
