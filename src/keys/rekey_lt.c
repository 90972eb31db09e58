/* SPDX-License-Identifier: Apache-2.0 */
/* Post-quantum rekey: rotation of the long-term keys, acknowledged.
 *
 *   rotating side                      peer
 *   KEM (sat only): new dk ACTIVE as kem_pend; message [1,3,ctr,ctx, new ek] signed by the
 *                   sat's ML-DSA key ->  verify, install the new ek, destroy the old one,
 *                                        ACK [1,5,ctr',ctx, 3, ctr, SHA-256(ek)] signed
 *   <- ACK: kem_pend becomes kem, the old dk is destroyed (a request encapsulated to kem_pend
 *           promotes it too: the ground only uses the new ek after accepting the rotation).
 *   DSA (either):   new sk/vk PREACTIVE (pending); message [1,4,ctr,ctx, new vk] signed by the
 *                   OLD sk ->  verify with the current peer vk, install the new vk, keep the old
 *                              one as peer_vk_prev (messages signed before the switch still
 *                              verify), ACK signed
 *   <- ACK: the new pair becomes ours, the old pair is destroyed. Until then we keep signing
 *           with the old key, so the peer never sees a signature it cannot check.
 * A rotation whose ACK is lost is re-sent by calling the build function again: it re-signs
 * the same pending key under a fresh counter.
 */
#include <string.h>

#include "australis/base.h"
#include "australis/pq.h"
#include "rekey_internal.h"

#define DK_EK_OFF 1152

static int rotation_message(aus_rekey *rk, uint64_t type, const uint8_t *pub, size_t pl,
                            uint16_t signer, uint8_t *out, size_t cap)
{
    aus_wr w;
    uint64_t ctr = rk->st.lt_counter + 1;
    rk_body_begin(rk, &w, type, ctr, 1);
    aus_cbor_wr_bstr(&w, pub, pl);
    AUS_TRY(w.err);
    size_t bl = aus_wr_len(&w);
    AUS_TRY(rk_sign(rk, signer, rk->body, bl, rk->sig));
    int n = rk_msg_encode(rk->body, bl, rk->sig, sizeof rk->sig, NULL, 0, out, cap);
    AUS_TRY(n);
    rk->st.lt_counter = ctr;
    return n;
}

int aus_rekey_kem_rotate_build(aus_rekey *rk, uint64_t now, uint8_t *out, size_t cap)
{
    AUS_ENSURE(rk && out, AUS_E_ARG);
    AUS_ENSURE(rk->st.role == AUS_REKEY_SAT, AUS_E_STATE);
    uint8_t *ek = rk->sig; /* public key staged in the signature buffer until it is signed */
    AUS_TRY(rk_begin(rk));
    aus_err e = AUS_OK;
    if (!rk->st.kem_pend) {
        uint16_t id = 0;
        e = rk_free_lt(rk, &id);
        if (e == AUS_OK)
            e = aus_mlkem768_keygen(ek, rk->kbuf);
        if (e == AUS_OK)
            e = aus_keys_install(rk->keys, id, AUS_KEY_T_MLKEM768_DK, AUS_KEY_ACTIVE, rk->kbuf,
                                 AUS_MLKEM768_DK_BYTES, now);
        rk->st.kem_pend = id;
    } else {
        size_t kl = 0;
        e = aus_keys_get(rk->keys, rk->st.kem_pend, AUS_KEY_USE_PRIVATE, now, rk->kbuf,
                         sizeof rk->kbuf, &kl);
        if (e == AUS_OK)
            memcpy(ek, rk->kbuf + DK_EK_OFF, AUS_MLKEM768_EK_BYTES);
    }
    aus_wipe(rk->kbuf, sizeof rk->kbuf);
    int n = e;
    if (e == AUS_OK)
        n = rotation_message(rk, AUS_REKEY_MSG_KEM_ROTATE, ek, AUS_MLKEM768_EK_BYTES, rk->st.dsa_sk,
                             out, cap);
    e = rk_end(rk, n < 0 ? (aus_err)n : AUS_OK);
    return e != AUS_OK ? e : n;
}

int aus_rekey_dsa_rotate_build(aus_rekey *rk, uint64_t now, uint8_t *out, size_t cap)
{
    AUS_ENSURE(rk && out, AUS_E_ARG);
    uint8_t *vk = rk->sig; /* staged in the signature buffer until it is signed */
    AUS_TRY(rk_begin(rk));
    aus_err e = AUS_OK;
    size_t kl = 0;
    if (!rk->st.dsa_sk_pend) {
        uint16_t sk = 0, pk = 0;
        e = rk_free_lt(rk, &sk);
        if (e == AUS_OK)
            e = aus_mldsa65_keygen(vk, rk->kbuf);
        /* pending keys are PREACTIVE: never used before the peer has acknowledged */
        if (e == AUS_OK)
            e = aus_keys_install(rk->keys, sk, AUS_KEY_T_MLDSA65_SK, AUS_KEY_PREACTIVE, rk->kbuf,
                                 AUS_MLDSA65_SK_BYTES, now);
        if (e == AUS_OK)
            e = rk_free_lt(rk, &pk);
        if (e == AUS_OK)
            e = aus_keys_install(rk->keys, pk, AUS_KEY_T_MLDSA65_VK, AUS_KEY_PREACTIVE, vk,
                                 AUS_MLDSA65_PK_BYTES, now);
        rk->st.dsa_sk_pend = sk;
        rk->st.dsa_vk_pend = pk;
    } else {
        e = aus_keys_get(rk->keys, rk->st.dsa_vk_pend, AUS_KEY_USE_EXPORT, now, vk,
                         AUS_MLDSA65_PK_BYTES, &kl);
    }
    aus_wipe(rk->kbuf, sizeof rk->kbuf);
    int n = e;
    if (e == AUS_OK) /* signed by the OLD key, which the peer trusts */
        n = rotation_message(rk, AUS_REKEY_MSG_DSA_ROTATE, vk, AUS_MLDSA65_PK_BYTES, rk->st.dsa_sk,
                             out, cap);
    e = rk_end(rk, n < 0 ? (aus_err)n : AUS_OK);
    return e != AUS_OK ? e : n;
}

/* Verify a rotation / ack message's signature and counter; returns its body reader. */
static aus_err check_signed(aus_rekey *rk, rk_msg *m, uint64_t now)
{
    AUS_ENSURE(m->counter > rk->st.peer_lt_seen, AUS_E_REPLAY);
    AUS_ENSURE(m->auth_len == AUS_MLDSA65_SIG_BYTES, AUS_E_MALFORMED);
    int prev = 0;
    return rk_verify_peer(rk, m->body, m->body_len, m->auth, m->auth_len, now, &prev);
}

static aus_err install_peer_key(aus_rekey *rk, uint64_t type, const uint8_t *pub, uint64_t now)
{
    /* A re-sent rotation (its ACK was lost) names the key we already installed: nothing to do
     * but ACK again; replacing it would retire the old key the peer still signs with. */
    int kem = type == AUS_REKEY_MSG_KEM_ROTATE;
    size_t pl = kem ? AUS_MLKEM768_EK_BYTES : AUS_MLDSA65_PK_BYTES, kl = 0;
    if (aus_keys_get(rk->keys, kem ? rk->st.kem : rk->st.peer_vk, AUS_KEY_USE_PUBLIC, now, rk->kbuf,
                     sizeof rk->kbuf, &kl) == AUS_OK &&
        kl == pl && aus_ct_eq(rk->kbuf, pub, pl))
        return AUS_OK;
    uint16_t id = 0;
    AUS_TRY(rk_free_lt(rk, &id));
    if (type == AUS_REKEY_MSG_KEM_ROTATE) {
        AUS_TRY(aus_keys_install(rk->keys, id, AUS_KEY_T_MLKEM768_EK, AUS_KEY_ACTIVE, pub,
                                 AUS_MLKEM768_EK_BYTES, now));
        AUS_TRY(rk_destroy(rk, rk->st.kem, now));
        rk->st.kem = id;
        return AUS_OK;
    }
    AUS_TRY(aus_keys_install(rk->keys, id, AUS_KEY_T_MLDSA65_VK, AUS_KEY_ACTIVE, pub,
                             AUS_MLDSA65_PK_BYTES, now));
    AUS_TRY(rk_destroy(rk, rk->st.peer_vk_prev, now));
    rk->st.peer_vk_prev = rk->st.peer_vk;
    rk->st.peer_vk = id;
    return AUS_OK;
}

int aus_rekey_rotate_accept(aus_rekey *rk, const uint8_t *msg, size_t len, uint64_t now,
                            uint8_t *out, size_t cap)
{
    AUS_ENSURE(rk && out, AUS_E_ARG);
    rk_msg m;
    const uint8_t *pub = NULL;
    AUS_TRY(rk_msg_decode(rk, msg, len, &m));
    AUS_ENSURE(m.type == AUS_REKEY_MSG_KEM_ROTATE || m.type == AUS_REKEY_MSG_DSA_ROTATE,
               AUS_E_MALFORMED);
    int kem = m.type == AUS_REKEY_MSG_KEM_ROTATE;
    AUS_ENSURE(!kem || rk->st.role == AUS_REKEY_GROUND, AUS_E_STATE);
    size_t pl = kem ? AUS_MLKEM768_EK_BYTES : AUS_MLDSA65_PK_BYTES;
    AUS_TRY(rk_rd_bytes(&m, pl, &pub));
    AUS_TRY(rk_msg_end(&m));
    AUS_TRY(check_signed(rk, &m, now));
    uint8_t fp[32];
    AUS_TRY(rk_sha256(rk, pub, pl, fp));
    AUS_TRY(rk_begin(rk));
    aus_err t = install_peer_key(rk, m.type, pub, now);
    rk->st.peer_lt_seen = m.counter;
    int n = t;
    if (t == AUS_OK) {
        aus_wr w;
        uint64_t ctr = rk->st.lt_counter + 1;
        rk_body_begin(rk, &w, AUS_REKEY_MSG_ACK, ctr, 3);
        aus_cbor_wr_uint(&w, m.type);
        aus_cbor_wr_uint(&w, m.counter);
        aus_cbor_wr_bstr(&w, fp, 32);
        t = w.err;
        if (t == AUS_OK)
            t = rk_sign(rk, rk->st.dsa_sk, rk->body, aus_wr_len(&w), rk->sig);
        n = t;
        if (t == AUS_OK)
            n = rk_msg_encode(rk->body, aus_wr_len(&w), rk->sig, sizeof rk->sig, NULL, 0, out, cap);
        rk->st.lt_counter = ctr;
        t = n < 0 ? (aus_err)n : AUS_OK;
    }
    aus_err e = rk_end(rk, t);
    return e != AUS_OK ? e : n;
}

/* The fingerprint of our pending key of the acked type. */
static aus_err pending_fp(aus_rekey *rk, uint64_t type, uint64_t now, uint8_t fp[32])
{
    size_t kl = 0;
    if (type == AUS_REKEY_MSG_KEM_ROTATE) {
        AUS_ENSURE(rk->st.kem_pend, AUS_E_STATE);
        AUS_TRY(aus_keys_get(rk->keys, rk->st.kem_pend, AUS_KEY_USE_PRIVATE, now, rk->kbuf,
                             sizeof rk->kbuf, &kl));
        aus_err e = rk_sha256(rk, rk->kbuf + DK_EK_OFF, AUS_MLKEM768_EK_BYTES, fp);
        aus_wipe(rk->kbuf, sizeof rk->kbuf);
        return e;
    }
    AUS_ENSURE(rk->st.dsa_vk_pend, AUS_E_STATE);
    AUS_TRY(aus_keys_get(rk->keys, rk->st.dsa_vk_pend, AUS_KEY_USE_EXPORT, now, rk->kbuf,
                         sizeof rk->kbuf, &kl));
    return rk_sha256(rk, rk->kbuf, kl, fp);
}

static aus_err promote(aus_rekey *rk, uint64_t type, uint64_t now)
{
    if (type == AUS_REKEY_MSG_KEM_ROTATE) {
        AUS_TRY(rk_destroy(rk, rk->st.kem, now));
        rk->st.kem = rk->st.kem_pend;
        rk->st.kem_pend = 0;
        return AUS_OK;
    }
    AUS_TRY(aus_keys_activate(rk->keys, rk->st.dsa_sk_pend, now));
    AUS_TRY(aus_keys_activate(rk->keys, rk->st.dsa_vk_pend, now));
    AUS_TRY(rk_destroy(rk, rk->st.dsa_sk, now));
    AUS_TRY(rk_destroy(rk, rk->st.dsa_vk, now));
    rk->st.dsa_sk = rk->st.dsa_sk_pend;
    rk->st.dsa_vk = rk->st.dsa_vk_pend;
    rk->st.dsa_sk_pend = rk->st.dsa_vk_pend = 0;
    return AUS_OK;
}

aus_err aus_rekey_ack_accept(aus_rekey *rk, const uint8_t *msg, size_t len, uint64_t now)
{
    AUS_ENSURE(rk, AUS_E_ARG);
    rk_msg m;
    uint64_t type = 0, acked = 0;
    const uint8_t *fp = NULL;
    AUS_TRY(rk_msg_decode(rk, msg, len, &m));
    AUS_ENSURE(m.type == AUS_REKEY_MSG_ACK, AUS_E_MALFORMED);
    AUS_TRY(rk_rd_u64(&m, &type));
    AUS_TRY(rk_rd_u64(&m, &acked));
    AUS_TRY(rk_rd_bytes(&m, 32, &fp));
    AUS_TRY(rk_msg_end(&m));
    AUS_ENSURE(type == AUS_REKEY_MSG_KEM_ROTATE || type == AUS_REKEY_MSG_DSA_ROTATE,
               AUS_E_MALFORMED);
    AUS_TRY(check_signed(rk, &m, now));
    uint8_t want[32];
    aus_err pe = pending_fp(rk, type, now, want);
    if (pe == AUS_E_STATE && type == AUS_REKEY_MSG_KEM_ROTATE) {
        /* a request to the rotated key promoted it already: a late ACK only advances the
         * counter if it names the key now in use */
        size_t kl = 0;
        AUS_TRY(aus_keys_get(rk->keys, rk->st.kem, AUS_KEY_USE_PRIVATE, now, rk->kbuf,
                             sizeof rk->kbuf, &kl));
        pe = rk_sha256(rk, rk->kbuf + DK_EK_OFF, AUS_MLKEM768_EK_BYTES, want);
        aus_wipe(rk->kbuf, sizeof rk->kbuf);
        AUS_TRY(pe);
        AUS_ENSURE(aus_ct_eq(fp, want, 32), AUS_E_AUTH);
        AUS_TRY(rk_begin(rk));
        rk->st.peer_lt_seen = m.counter;
        return rk_end(rk, AUS_OK);
    }
    AUS_TRY(pe);
    /* The ACK must name the key we sent (an ACK of an older rotation is not enough). */
    AUS_ENSURE(acked <= rk->st.lt_counter && aus_ct_eq(fp, want, 32), AUS_E_AUTH);
    AUS_TRY(rk_begin(rk));
    aus_err t = promote(rk, type, now);
    rk->st.peer_lt_seen = m.counter;
    return rk_end(rk, t);
}
