/* SPDX-License-Identifier: Apache-2.0 */
/* Post-quantum session rekey: request (ground), handling (satellite), confirmation (ground).
 *
 * States of the session pair on each side (see include/australis/rekey.h):
 *
 *   side    state                        event                          next
 *   ground  cur                          request_build                  cur + pend (sends cur)
 *   ground  cur + pend                   request_build (retry)          cur + pend' (pend retired)
 *   ground  cur + pend                   response_accept / note_rx(pend) pend (sends it), cur
 * retired sat     cur                          request_handle                 cur + pend (sends
 * pend) sat     cur + pend                   request_handle (newer)         cur + pend' (pend
 * destroyed) sat     cur + pend                   note_rx(pend)                  pend, cur retired
 *   both    retired(deadline)            on_timer(now >= deadline)      destroyed
 *
 * Request body:  [1, 1, counter, ctx, mkid, cur_ek, new_ek, new_ak, kem_fp(32), ct(1088)] + sig
 *                (cur_ek: the EK the ground sends under now, so the satellite knows whether the
 *                ground switched to its pending pair even if it saw no traffic under it yet)
 * Response body: [1, 2, counter, ctx, new_ek, new_ak, TH(32)]  + MAC(32) [+ ML-DSA sig]
 */
#include <string.h>

#include "australis/base.h"
#include "australis/pq.h"
#include "rekey_internal.h"

static const char KDF_LABEL[] = "australis-rekey-pq-v1 keys";
static const char TH_LABEL[] = "australis-rekey-pq-v1 transcript";
static const char KC_LABEL[] = "australis-rekey-pq-v1 confirm";

/* Offset of H(ek) inside an ML-KEM-768 dk (FIPS 203 §7.1: dk = dk_PKE || ek || H(ek) || z). */
#define DK_HEK_OFF (1152 + 1184)
#define DK_EK_OFF 1152

void aus_rekey_tx_keys(const aus_rekey *rk, aus_rekey_pair *out)
{
    /* The satellite sends under the new pair as soon as it holds it (the ground derived it
     * before sending the request); the ground only after the confirmation. */
    if (rk->st.role == AUS_REKEY_SAT && rk->st.pend.ek)
        *out = rk->st.pend;
    else
        *out = rk->st.cur;
}

/* Next pair of session ids: a function of the counter, so ids cycle slowly through the
 * session range and never collide with anything still alive on either side. */
static aus_rekey_pair ids_for(uint64_t counter)
{
    aus_rekey_pair p;
    p.ek = (uint16_t)(0x0102u + 2u * (uint16_t)((counter - 1) % 0x3F00u));
    p.ak = (uint16_t)(p.ek + 1u);
    return p;
}

static int id_free(aus_keys *ks, uint16_t id)
{
    aus_key_info i;
    return aus_keys_info(ks, id, &i) != AUS_OK || i.state == AUS_KEY_DESTROYED;
}

static aus_err transcript(aus_rekey *rk, const uint8_t *body, size_t bl, const uint8_t *sig,
                          size_t sl, uint8_t th[32])
{
    aus_iov v[3] = {{(const uint8_t *)TH_LABEL, sizeof TH_LABEL - 1}, {body, bl}, {sig, sl}};
    return rk->crypto->ops->hash(rk->crypto->self, AUS_HASH_SHA256, v, 3, th, 32);
}

/* EK || AK = HKDF-SHA-256(salt TH, ikm ss || master, info label || ids || counter). */
static aus_err derive(aus_rekey *rk, const uint8_t ss[32], const uint8_t th[32], aus_rekey_pair p,
                      uint64_t counter, uint64_t now, uint8_t out[64])
{
    uint8_t ikm[64], info[sizeof KDF_LABEL - 1 + 12];
    size_t ml = 0;
    memcpy(ikm, ss, 32);
    aus_err e = aus_keys_get(rk->keys, rk->st.mkid, AUS_KEY_USE_WRAP, now, ikm + 32, 32, &ml);
    if (e == AUS_OK) {
        aus_wr w;
        aus_wr_init(&w, info, sizeof info);
        aus_wr_bytes(&w, KDF_LABEL, sizeof KDF_LABEL - 1);
        aus_wr_be16(&w, p.ek);
        aus_wr_be16(&w, p.ak);
        aus_wr_be64(&w, counter);
        e = rk->crypto->ops->hkdf(rk->crypto->self, AUS_HASH_SHA256, th, 32, ikm, sizeof ikm, info,
                                  sizeof info, out, 64);
    }
    aus_wipe(ikm, sizeof ikm);
    return e;
}

/* MAC = HMAC(KC, body), KC = HMAC(AK, label). */
static aus_err confirm_mac(aus_rekey *rk, const uint8_t ak[32], const uint8_t *body, size_t bl,
                           uint8_t mac[32])
{
    uint8_t kc[AUS_MAX_HASH_BYTES];
    size_t n = 0;
    aus_iov l = {(const uint8_t *)KC_LABEL, sizeof KC_LABEL - 1}, b = {body, bl};
    aus_err e = rk->crypto->ops->hmac(rk->crypto->self, AUS_HASH_SHA256, ak, 32, &l, 1, kc, &n);
    if (e == AUS_OK)
        e = rk->crypto->ops->hmac(rk->crypto->self, AUS_HASH_SHA256, kc, 32, &b, 1, mac, &n);
    aus_wipe(kc, sizeof kc);
    return e;
}

static aus_err install_pair(aus_rekey *rk, aus_rekey_pair p, const uint8_t keys[64], uint64_t now)
{
    AUS_TRY(aus_keys_install(rk->keys, p.ek, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, keys, 32, now));
    return aus_keys_install(rk->keys, p.ak, AUS_KEY_T_SESSION, AUS_KEY_ACTIVE, keys + 32, 32, now);
}

/* ---- ground: build ---- */

static aus_err encaps(aus_rekey *rk, uint8_t fp[32], uint8_t ct[1088], uint8_t ss[32])
{
    size_t kl = 0;
    AUS_TRY(
        aus_keys_get(rk->keys, rk->st.kem, AUS_KEY_USE_PUBLIC, 0, rk->kbuf, sizeof rk->kbuf, &kl));
    AUS_ENSURE(kl == AUS_MLKEM768_EK_BYTES, AUS_E_KEY);
    AUS_TRY(rk_sha3(rk, rk->kbuf, kl, fp));
    return aus_mlkem768_encaps(ct, ss, rk->kbuf);
}

int aus_rekey_pq_request_build(aus_rekey *rk, uint64_t now, uint8_t *out, size_t cap)
{
    AUS_ENSURE(rk && out, AUS_E_ARG);
    AUS_ENSURE(rk->st.role == AUS_REKEY_GROUND, AUS_E_STATE);
    uint64_t counter = rk->st.counter + 1;
    aus_rekey_pair p = ids_for(counter);
    AUS_ENSURE(id_free(rk->keys, p.ek) && id_free(rk->keys, p.ak), AUS_E_FULL);
    uint8_t fp[32], ss[32], th[32], keys[64];
    uint8_t ct[AUS_MLKEM768_CT_BYTES];
    AUS_TRY(encaps(rk, fp, ct, ss));
    aus_wr w;
    rk_body_begin(rk, &w, AUS_REKEY_MSG_REQUEST, counter, 6);
    aus_cbor_wr_uint(&w, rk->st.mkid);
    aus_cbor_wr_uint(&w, rk->st.cur.ek);
    aus_cbor_wr_uint(&w, p.ek);
    aus_cbor_wr_uint(&w, p.ak);
    aus_cbor_wr_bstr(&w, fp, 32);
    aus_cbor_wr_bstr(&w, ct, sizeof ct);
    aus_err e = w.err;
    size_t bl = aus_wr_len(&w);
    if (e == AUS_OK)
        e = rk_sign(rk, rk->st.dsa_sk, rk->body, bl, rk->sig);
    if (e == AUS_OK)
        e = transcript(rk, rk->body, bl, rk->sig, sizeof rk->sig, th);
    if (e == AUS_OK)
        e = derive(rk, ss, th, p, counter, now, keys);
    aus_wipe(ss, sizeof ss);
    int n = e;
    if (e == AUS_OK)
        n = rk_msg_encode(rk->body, bl, rk->sig, sizeof rk->sig, NULL, 0, out, cap);
    if (n > 0 && (e = rk_begin(rk)) == AUS_OK) {
        /* A superseded request's keys stay receivable (the satellite may have handled it and
         * send under them) until a later pair is confirmed, then until the deadline. */
        aus_err t = rk_retire_ex(rk, rk->st.pend, now, 1);
        if (t == AUS_OK)
            t = install_pair(rk, p, keys, now);
        rk->st.counter = counter; /* durable before the request leaves */
        rk->st.pend = p;
        rk->st.pend_counter = counter;
        memcpy(rk->st.pend_th, th, 32);
        e = rk_end(rk, t);
        if (e != AUS_OK)
            n = e;
    }
    aus_wipe(keys, sizeof keys);
    if (n < 0)
        aus_wipe(out, cap);
    return n;
}

/* ---- satellite: handle ---- */

typedef struct req {
    uint16_t mkid, cur_ek;
    aus_rekey_pair p;
    const uint8_t *fp, *ct;
} req;

static aus_err parse_request(aus_rekey *rk, const uint8_t *in, size_t len, rk_msg *m, req *q)
{
    AUS_TRY(rk_msg_decode(rk, in, len, m));
    AUS_ENSURE(m->type == AUS_REKEY_MSG_REQUEST, AUS_E_MALFORMED);
    AUS_TRY(rk_rd_u16(m, &q->mkid));
    AUS_TRY(rk_rd_u16(m, &q->cur_ek));
    AUS_TRY(rk_rd_u16(m, &q->p.ek));
    AUS_TRY(rk_rd_u16(m, &q->p.ak));
    AUS_TRY(rk_rd_bytes(m, 32, &q->fp));
    AUS_TRY(rk_rd_bytes(m, AUS_MLKEM768_CT_BYTES, &q->ct));
    AUS_TRY(rk_msg_end(m));
    AUS_ENSURE(m->auth_len == AUS_MLDSA65_SIG_BYTES, AUS_E_MALFORMED);
    return AUS_OK;
}

/* Which of our dks does the request encapsulate to? (0 = current, 1 = rotated one) */
static aus_err pick_dk(aus_rekey *rk, const uint8_t fp[32], int *which)
{
    const uint16_t ids[2] = {rk->st.kem, rk->st.kem_pend};
    size_t kl = 0;
    for (int i = 0; i < 2; i++) {
        if (!ids[i])
            continue;
        AUS_TRY(
            aus_keys_get(rk->keys, ids[i], AUS_KEY_USE_PRIVATE, 0, rk->kbuf, sizeof rk->kbuf, &kl));
        int match = kl == AUS_MLKEM768_DK_BYTES && aus_ct_eq(rk->kbuf + DK_HEK_OFF, fp, 32);
        if (match) {
            *which = i;
            return AUS_OK; /* rk->kbuf keeps the dk for decapsulation */
        }
        aus_wipe(rk->kbuf, sizeof rk->kbuf);
    }
    return AUS_E_POLICY;
}

static aus_err check_request(aus_rekey *rk, const rk_msg *m, const req *q, uint64_t now)
{
    AUS_ENSURE(rk->st.role == AUS_REKEY_SAT, AUS_E_STATE);
    /* Cheap checks first; the counter is compared before the signature is (re)verified. */
    AUS_ENSURE(m->counter > rk->st.counter, AUS_E_REPLAY);
    AUS_ENSURE(q->mkid == rk->st.mkid, AUS_E_POLICY);
    AUS_ENSURE(q->p.ek != q->p.ak && q->p.ek >= AUS_KEY_ID_SESSION_FIRST &&
                   q->p.ak >= AUS_KEY_ID_SESSION_FIRST && q->p.ek <= AUS_KEY_ID_SESSION_LAST &&
                   q->p.ak <= AUS_KEY_ID_SESSION_LAST,
               AUS_E_MALFORMED);
    const uint16_t ids[2] = {q->p.ek, q->p.ak};
    for (int i = 0; i < 2; i++)
        AUS_ENSURE(id_free(rk->keys, ids[i]) ||
                       (q->cur_ek != rk->st.pend.ek &&
                        (ids[i] == rk->st.pend.ek || ids[i] == rk->st.pend.ak)),
                   AUS_E_KEY_STATE);
    int prev = 0;
    return rk_verify_peer(rk, m->body, m->body_len, m->auth, m->auth_len, now, &prev);
}

static int build_response(aus_rekey *rk, const rk_msg *m, const req *q, const uint8_t th[32],
                          const uint8_t ak[32], uint8_t *out, size_t cap)
{
    aus_wr w;
    uint8_t mac[32];
    rk_body_begin(rk, &w, AUS_REKEY_MSG_RESPONSE, m->counter, 3);
    aus_cbor_wr_uint(&w, q->p.ek);
    aus_cbor_wr_uint(&w, q->p.ak);
    aus_cbor_wr_bstr(&w, th, 32);
    AUS_TRY(w.err);
    size_t bl = aus_wr_len(&w);
    AUS_TRY(confirm_mac(rk, ak, rk->body, bl, mac));
    if (rk->st.sign_responses) {
        AUS_TRY(rk_sign(rk, rk->st.dsa_sk, rk->body, bl, rk->sig));
        return rk_msg_encode(rk->body, bl, mac, 32, rk->sig, sizeof rk->sig, out, cap);
    }
    return rk_msg_encode(rk->body, bl, mac, 32, NULL, 0, out, cap);
}

/* The durable part: counter, new pair, rotated dk promotion; one transaction. */
static aus_err commit_request(aus_rekey *rk, const rk_msg *m, const req *q, int which,
                              const uint8_t keys[64], uint64_t now)
{
    AUS_TRY(rk_begin(rk));
    aus_err t = AUS_OK;
    if (rk->st.pend.ek && q->cur_ek == rk->st.pend.ek) {
        /* the ground confirmed our last pair and sends under it: it becomes current (the old
         * one stays receivable until the deadline), as aus_rekey_note_rx would have done */
        t = rk_retire(rk, rk->st.cur, now);
        rk->st.cur = rk->st.pend;
    } else if (rk->st.pend.ek) {
        /* superseded: the ground never sent under it (it still sends under cur) */
        t = rk_destroy(rk, rk->st.pend.ek, now);
        if (t == AUS_OK)
            t = rk_destroy(rk, rk->st.pend.ak, now);
    }
    if (t == AUS_OK)
        t = install_pair(rk, q->p, keys, now);
    if (t == AUS_OK && which == 1) { /* the ground uses our rotated KEM key: drop the old */
        t = rk_destroy(rk, rk->st.kem, now);
        rk->st.kem = rk->st.kem_pend;
        rk->st.kem_pend = 0;
    }
    rk->st.counter = m->counter;
    rk->st.pend = q->p;
    rk->st.pend_counter = m->counter;
    return rk_end(rk, t);
}

/* Decapsulate, derive the pair and build the response of a verified request (keys: EK || AK,
 * the caller wipes them). Returns the response length or an error. */
static int answer(aus_rekey *rk, const rk_msg *m, const req *q, uint64_t now, uint8_t *out,
                  size_t cap, uint8_t keys[64], int *which)
{
    uint8_t ss[32], th[32];
    AUS_TRY(pick_dk(rk, q->fp, which));
    aus_err e = aus_mlkem768_decaps(ss, q->ct, rk->kbuf);
    aus_wipe(rk->kbuf, sizeof rk->kbuf);
    if (e == AUS_OK)
        e = transcript(rk, m->body, m->body_len, m->auth, m->auth_len, th);
    if (e == AUS_OK)
        e = derive(rk, ss, th, q->p, m->counter, now, keys);
    aus_wipe(ss, sizeof ss);
    return e == AUS_OK ? build_response(rk, m, q, th, keys + 32, out, cap) : e;
}

int aus_rekey_pq_request_handle(aus_rekey *rk, const uint8_t *in, size_t len, uint64_t now,
                                uint8_t *out, size_t cap)
{
    AUS_ENSURE(rk && out, AUS_E_ARG);
    rk_msg m;
    req q;
    AUS_TRY(parse_request(rk, in, len, &m, &q));
    AUS_TRY(check_request(rk, &m, &q, now));
    uint8_t keys[64];
    int which = 0;
    int n = answer(rk, &m, &q, now, out, cap, keys, &which);
    if (n > 0) {
        aus_err e = commit_request(rk, &m, &q, which, keys, now);
        if (e != AUS_OK)
            n = e;
    }
    aus_wipe(keys, sizeof keys);
    if (n < 0)
        aus_wipe(out, cap);
    return n;
}

/* The request handled last, once more: its counter is the pending one and it names the pending
 * pair (the ground makes one request per counter, durable before it leaves, and signs it), so
 * the same derivation gives the same pair and the same response MAC. Nothing is written: the
 * ground's signature is checked again, drop_prev is left as it was, and the derived pair must be
 * the installed one. */
int aus_rekey_pq_request_reanswer(aus_rekey *rk, const uint8_t *in, size_t len, uint64_t now,
                                  uint8_t *out, size_t cap)
{
    AUS_ENSURE(rk && out, AUS_E_ARG);
    AUS_ENSURE(rk->st.role == AUS_REKEY_SAT, AUS_E_STATE);
    rk_msg m;
    req q;
    AUS_TRY(parse_request(rk, in, len, &m, &q));
    AUS_ENSURE(rk->st.pend.ek != 0 && m.counter == rk->st.pend_counter &&
                   q.p.ek == rk->st.pend.ek && q.p.ak == rk->st.pend.ak,
               AUS_E_REPLAY);
    AUS_ENSURE(q.mkid == rk->st.mkid, AUS_E_POLICY);
    uint8_t dp = rk->drop_prev, keys[64];
    int prev = 0, which = 0;
    aus_err e = rk_verify_peer(rk, m.body, m.body_len, m.auth, m.auth_len, now, &prev);
    rk->drop_prev = dp;
    AUS_TRY(e);
    int n = answer(rk, &m, &q, now, out, cap, keys, &which);
    if (n > 0) {
        /* the derivation must give the pair installed for it (constant-time compares): another
         * request under the same counter (a ground that lost its counter) is not answered with
         * keys we do not hold */
        int se = 0, sa = 0;
        e = aus_keys_match(rk->keys, q.p.ek, keys, 32, &se);
        if (e == AUS_OK)
            e = aus_keys_match(rk->keys, q.p.ak, keys + 32, 32, &sa);
        if (e != AUS_OK || !(se & sa))
            n = e != AUS_OK ? e : AUS_E_REPLAY;
    }
    aus_wipe(keys, sizeof keys);
    if (n < 0)
        aus_wipe(out, cap);
    return n;
}

/* ---- ground: confirmation ---- */

static aus_err switch_to_pending(aus_rekey *rk, uint64_t now)
{
    AUS_TRY(rk_begin(rk));
    aus_err t = rk_retire(rk, rk->st.cur, now);
    if (t == AUS_OK)
        t = rk_close_open(rk, now);
    rk->st.cur = rk->st.pend;
    memset(&rk->st.pend, 0, sizeof rk->st.pend);
    rk->st.pend_counter = 0;
    memset(rk->st.pend_th, 0, sizeof rk->st.pend_th);
    return rk_end(rk, t);
}

aus_err aus_rekey_pq_response_accept(aus_rekey *rk, const uint8_t *in, size_t len, uint64_t now)
{
    AUS_ENSURE(rk, AUS_E_ARG);
    AUS_ENSURE(rk->st.role == AUS_REKEY_GROUND, AUS_E_STATE);
    rk_msg m;
    aus_rekey_pair p;
    const uint8_t *th;
    AUS_TRY(rk_msg_decode(rk, in, len, &m));
    AUS_ENSURE(m.type == AUS_REKEY_MSG_RESPONSE, AUS_E_MALFORMED);
    AUS_TRY(rk_rd_u16(&m, &p.ek));
    AUS_TRY(rk_rd_u16(&m, &p.ak));
    AUS_TRY(rk_rd_bytes(&m, 32, &th));
    AUS_TRY(rk_msg_end(&m));
    AUS_ENSURE(m.auth_len == RK_MAC_BYTES, AUS_E_MALFORMED);
    /* Only the response to the pending request counts: older or repeated ones are replays. */
    AUS_ENSURE(rk->st.pend.ek && m.counter == rk->st.pend_counter, AUS_E_REPLAY);
    AUS_ENSURE(p.ek == rk->st.pend.ek && p.ak == rk->st.pend.ak, AUS_E_AUTH);
    AUS_ENSURE(aus_ct_eq(th, rk->st.pend_th, 32), AUS_E_AUTH);
    uint8_t ak[32], mac[32];
    size_t kl = 0;
    aus_err e = aus_keys_get(rk->keys, p.ak, AUS_KEY_USE_RECV, now, ak, sizeof ak, &kl);
    if (e == AUS_OK)
        e = confirm_mac(rk, ak, m.body, m.body_len, mac);
    aus_wipe(ak, sizeof ak);
    if (e == AUS_OK && !aus_ct_eq(mac, m.auth, 32))
        e = AUS_E_AUTH;
    if (e == AUS_OK && m.sig) {
        int prev = 0;
        e = rk_verify_peer(rk, m.body, m.body_len, m.sig, m.sig_len, now, &prev);
    }
    AUS_TRY(e);
    return switch_to_pending(rk, now);
}

aus_err aus_rekey_note_rx(aus_rekey *rk, uint16_t kid, uint64_t now)
{
    AUS_ENSURE(rk, AUS_E_ARG);
    if (!rk->st.pend.ek || (kid != rk->st.pend.ek && kid != rk->st.pend.ak))
        return AUS_OK;
    /* Traffic authenticated under the pending pair proves the peer holds it: the satellite
     * learns the ground has switched; the ground that the satellite handled its request. */
    return switch_to_pending(rk, now);
}

aus_err aus_rekey_on_timer(aus_rekey *rk, uint64_t now)
{
    AUS_ENSURE(rk, AUS_E_ARG);
    int due = 0;
    for (size_t i = 0; i < AUS_REKEY_RETIRED_MAX; i++)
        due |= rk->st.ret[i].p.ek && rk->st.ret[i].deadline <= now;
    if (!due)
        return AUS_OK;
    AUS_TRY(rk_begin(rk));
    aus_err t = AUS_OK;
    for (size_t i = 0; t == AUS_OK && i < AUS_REKEY_RETIRED_MAX; i++) {
        aus_rekey_retired *r = &rk->st.ret[i];
        if (!r->p.ek || r->deadline > now)
            continue;
        t = rk_destroy(rk, r->p.ek, now);
        if (t == AUS_OK)
            t = rk_destroy(rk, r->p.ak, now);
        memset(r, 0, sizeof *r);
    }
    return rk_end(rk, t);
}
