/* SDLS Extended Procedures, ground side: checking a key-verification reply.
 *
 * The ground keeps its own copy of every session key it uploaded; a reply block proves the
 * board holds the same key when AES-256-GCM(key, reply IV, challenge) recomputed here matches
 * both the ciphertext and the tag (sdls_ep.md §3.3). Compared in constant time.
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
