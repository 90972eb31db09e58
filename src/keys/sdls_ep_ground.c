/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS Extended Procedures, ground side: checking a key-verification reply.
 *
 * The ground keeps its own copy of every session key it uploaded; a reply block proves the
 * board holds the same key when AES-256-GCM(key, reply IV, challenge) recomputed here matches
 * both the ciphertext and the tag (355.1-B-1 key verification). Compared in constant time.
 */
#include <string.h>

#include "australis/base.h"
#include "australis/sdls_ep.h"

static aus_err one_block(const aus_crypto *cr, aus_keys *ks, const aus_ep_reply *rep, size_t i,
                         const uint8_t *challenge)
{
    aus_key_info k;
    AUS_TRY(aus_keys_info(ks, rep->u.verify.ids[i], &k));
    AUS_ENSURE(k.type == AUS_KEY_T_SESSION, AUS_E_POLICY);
    /* Verification runs on ACTIVE keys on both sides (docs/keys.md: the ground activates its
     * copy when it sends the Key Activation PDU). */
    AUS_ENSURE(k.state == AUS_KEY_ACTIVE, AUS_E_KEY_STATE);
    uint8_t key[AUS_KEY_SYM_BYTES], ct[16], mac[16];
    size_t kl = 0;
    aus_err e = aus_keys_get(ks, rep->u.verify.ids[i], AUS_KEY_USE_VERIFY, 0, key, sizeof key, &kl);
    if (e == AUS_OK)
        e = aus_ep_verify_block(cr, key, rep->u.verify.iv[i], challenge, ct, mac);
    aus_wipe(key, sizeof key);
    if (e == AUS_OK && !(aus_ct_eq(ct, rep->u.verify.ct[i], 16) &
                         aus_ct_eq(mac, rep->u.verify.mac[i], AUS_EP_MAC_BYTES)))
        e = AUS_E_AUTH;
    return e;
}

aus_err aus_ep_verify_check(const aus_crypto *cr, aus_keys *ks, const aus_ep_cmd *req,
                            const aus_ep_reply *rep)
{
    AUS_ENSURE(cr && ks && req && rep, AUS_E_ARG);
    AUS_ENSURE(req->tag == AUS_EP_KEY_VERIFY, AUS_E_ARG);
    AUS_ENSURE(rep->cmd == AUS_EP_KEY_VERIFY, AUS_E_MALFORMED);
    AUS_TRY(rep->refused);
    AUS_ENSURE(rep->u.verify.n == req->u.verify.n, AUS_E_MALFORMED);
    for (size_t i = 0; i < rep->u.verify.n; i++) {
        AUS_ENSURE(rep->u.verify.ids[i] == req->u.verify.ids[i], AUS_E_MALFORMED);
        AUS_TRY(one_block(cr, ks, rep, i, req->u.verify.challenge[i]));
    }
    return AUS_OK;
}

int aus_ep_ground_otar(aus_keys *ks, const aus_crypto *cr, aus_ctr *ivctr, uint16_t mkid,
                       const uint16_t *ids, size_t n, uint64_t now, uint8_t *out, size_t cap)
{
    AUS_ENSURE(ks && cr && ivctr && ids && out && n > 0 && n <= AUS_EP_MAX_KEYS, AUS_E_ARG);
    uint8_t blocks[AUS_EP_MAX_KEYS * AUS_EP_OTAR_BLOCK], mk[AUS_KEY_SYM_BYTES];
    uint8_t iv[AUS_EP_IV_BYTES] = {0};
    size_t ml = 0;
    uint64_t ctr = 0;
    for (size_t i = 0; i < n; i++) {
        aus_key_info k;
        if (aus_keys_info(ks, ids[i], &k) == AUS_OK)
            AUS_ENSURE(k.state == AUS_KEY_DESTROYED, AUS_E_KEY_STATE);
    }
    aus_err e = aus_keys_get(ks, mkid, AUS_KEY_USE_WRAP, now, mk, sizeof mk, &ml);
    for (size_t i = 0; e == AUS_OK && i < n; i++) {
        uint8_t *b = blocks + i * AUS_EP_OTAR_BLOCK;
        b[0] = (uint8_t)(ids[i] >> 8);
        b[1] = (uint8_t)ids[i];
        e = cr->ops->random(cr->self, b + 2, AUS_KEY_SYM_BYTES);
    }
    if (e == AUS_OK)
        e = aus_ctr_take(ivctr, ks->store, &ctr); /* durable before the IV is used */
    for (int j = 0; j < 8; j++)
        iv[4 + j] = (uint8_t)(ctr >> (56 - 8 * j));
    int len = e;
    if (e == AUS_OK)
        len = aus_ep_otar_build(cr, mkid, mk, iv, blocks, n, out, cap);
    aus_wipe(mk, sizeof mk);
    if (len > 0 && (e = aus_keys_begin(ks)) == AUS_OK) {
        aus_err t = AUS_OK;
        for (size_t i = 0; t == AUS_OK && i < n; i++)
            t = aus_keys_install(ks, ids[i], AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE,
                                 blocks + i * AUS_EP_OTAR_BLOCK + 2, AUS_KEY_SYM_BYTES, now);
        if (t == AUS_OK)
            e = aus_keys_commit(ks);
        else
            aus_keys_rollback(ks);
        e = t != AUS_OK ? t : e;
    }
    aus_wipe(blocks, sizeof blocks);
    if (e != AUS_OK) {
        aus_wipe(out, cap);
        return e;
    }
    return len;
}
