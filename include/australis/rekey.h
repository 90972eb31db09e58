/* SPDX-License-Identifier: Apache-2.0 */
/* Post-quantum rekey (beyond CCSDS 355.1; design in docs/rekey.md).
 *
 * Ground -> satellite: a signed rekey REQUEST carrying an ML-KEM-768 ciphertext to the
 * satellite's encapsulation key and a counter. Both sides derive the new session keys as
 *   HKDF-SHA-256(salt = TH, ikm = ML-KEM shared secret || current master key,
 *                info = label || new EK id || new AK id)  ->  EK || AK
 * (hybrid: an attacker must break ML-KEM-768 AND know the pre-shared master key), TH being the
 * SHA-256 transcript hash of the signed request. Satellite -> ground: a RESPONSE with a key
 * confirmation MAC under a key derived from the new AK over the transcript (optionally signed
 * with the satellite's ML-DSA-65 key).
 *
 * Key switch (each step one store transaction, so a crash leaves the step undone or done):
 *   ground build:  new pair installed ACTIVE (receivable), sending stays on the current pair
 *   sat handle:    new pair installed ACTIVE and used for sending; old pair still received
 *   ground accept: ground sends under the new pair; old pair DEACTIVATED, received until
 *                  now + overlap
 *   sat first receipt under the new pair (aus_rekey_note_rx): old pair DEACTIVATED likewise
 *   timer: deactivated pairs past their deadline are DESTROYED.
 * Long-term rotations (ML-KEM key of the satellite, ML-DSA key of either side) are signed
 * messages acknowledged by a signed ACK; the rotating side keeps the old key until the ACK.
 *
 * Messages are deterministic CBOR: [ body (bstr), sig-or-mac (bstr), [sig (bstr)] ] where body
 * is a CBOR array starting with version 1 and the message type. Signatures use the ML-DSA-65
 * context string "australis-rekey-pq-v1".
 */
#ifndef AUSTRALIS_REKEY_H
#define AUSTRALIS_REKEY_H

#include <stddef.h>
#include <stdint.h>

#include "australis/crypto.h"
#include "australis/err.h"
#include "australis/keys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_REKEY_GROUND 1
#define AUS_REKEY_SAT 2

#define AUS_REKEY_MSG_REQUEST 1
#define AUS_REKEY_MSG_RESPONSE 2
#define AUS_REKEY_MSG_KEM_ROTATE 3
#define AUS_REKEY_MSG_DSA_ROTATE 4
#define AUS_REKEY_MSG_ACK 5

#define AUS_REKEY_CTX_MAX 64    /* binding string (mission / tenant / node ids) */
#define AUS_REKEY_RETIRED_MAX 4 /* deactivated pairs kept until their deadline */
#define AUS_REKEY_MSG_MAX 8192  /* a buffer of this size holds any rekey message */
#define AUS_REKEY_SIG_CTX "australis-rekey-pq-v1"

/* Long-term key ids (defaults; any ids >= 0x8000 may be used). */
#define AUS_REKEY_ID_KEM 0x8000     /* sat: own ML-KEM dk; ground: the sat's ek */
#define AUS_REKEY_ID_DSA_SK 0x8010  /* own ML-DSA signing key */
#define AUS_REKEY_ID_DSA_VK 0x8011  /* own ML-DSA verification key */
#define AUS_REKEY_ID_PEER_VK 0x8020 /* the peer's ML-DSA verification key */

typedef struct aus_rekey_pair {
    uint16_t ek, ak; /* 0 = none */
} aus_rekey_pair;

typedef struct aus_rekey_retired {
    aus_rekey_pair p;
    uint64_t deadline;
} aus_rekey_retired;

/* Durable state ("<prefix>rk/state"). */
typedef struct aus_rekey_state {
    uint8_t role;
    uint16_t mkid;    /* master key mixed into the derivation */
    uint32_t overlap; /* seconds old keys stay receivable after the switch */
    uint64_t counter; /* ground: last request counter used; sat: highest one accepted */
    aus_rekey_pair cur, pend;
    uint64_t pend_counter;
    uint8_t pend_th[32];
    aus_rekey_retired ret[AUS_REKEY_RETIRED_MAX];
    uint16_t kem, kem_pend;  /* sat: own dk (+ rotated one); ground: sat's ek */
    uint16_t dsa_sk, dsa_vk; /* own signing pair */
    uint16_t dsa_sk_pend, dsa_vk_pend;
    uint16_t peer_vk, peer_vk_prev; /* prev: accepted until a message verifies under peer_vk */
    uint64_t lt_counter;            /* last counter of our rotation / ack messages */
    uint64_t peer_lt_seen;          /* highest counter of the peer's rotation / ack messages */
    uint8_t sign_responses;         /* sat: also sign responses with its ML-DSA key */
} aus_rekey_state;

typedef struct aus_rekey {
    aus_keys *keys; /* the tenant's keystore; its store holds the state too */
    const aus_crypto *crypto;
    char prefix[32];
    uint8_t ctx[AUS_REKEY_CTX_MAX];
    size_t ctxlen;
    aus_rekey_state st, snap;
    uint8_t drop_prev; /* the last verified signature was under the current peer key */
    uint64_t now;      /* time of the operation in progress */
    uint8_t kbuf[AUS_KEY_MAX_BYTES]; /* secrets while in use; wiped */
    uint8_t body[2304];
    uint8_t sig[3309];
} aus_rekey;

/* Set up a new side (first boot / provisioning): role, master key id, the session pair in use
 * (both ACTIVE in the keystore), overlap, and the long-term key ids (installed already).
 * Persists the state. Errors: AUS_E_ARG, AUS_E_KEY (a key missing), AUS_E_STATE (a state
 * exists already), store errors. */
AUS_MUST_USE aus_err aus_rekey_provision(aus_rekey *rk, aus_keys *keys, const aus_crypto *crypto,
                                         const char *prefix, const uint8_t *ctx, size_t ctxlen,
                                         const aus_rekey_state *initial);
/* Open an existing side (loads the state). Errors: AUS_E_NOTFOUND (never provisioned),
 * AUS_E_MALFORMED, AUS_E_ARG, store errors. */
AUS_MUST_USE aus_err aus_rekey_open(aus_rekey *rk, aus_keys *keys, const aus_crypto *crypto,
                                    const char *prefix, const uint8_t *ctx, size_t ctxlen);
void aus_rekey_close(aus_rekey *rk);

/* Keys to send under now, and whether a key id may be received now (keystore RECV rule). */
void aus_rekey_tx_keys(const aus_rekey *rk, aus_rekey_pair *out);

/* ---- session rekey ---- */

/* Ground: build a request (new ids chosen from free session ids). The counter, the pending
 * pair and the new keys are durable before the bytes are returned. Returns the length or
 * AUS_E_STATE (not ground), AUS_E_FULL (no free ids), AUS_E_NOBUFS, AUS_E_KEY / _KEY_STATE,
 * AUS_E_CRYPTO, store errors (nothing changed). A pending request is superseded (its keys are
 * retired with a deadline). */
AUS_MUST_USE int aus_rekey_pq_request_build(aus_rekey *rk, uint64_t now, uint8_t *out, size_t cap);
/* Satellite: handle a request, write the response. Errors: AUS_E_MALFORMED / _TRUNC /
 * _NONCANONICAL / _TRAILING (encoding), AUS_E_UNSUPPORTED (version), AUS_E_POLICY (context
 * or KEM key fingerprint not ours), AUS_E_AUTH (signature), AUS_E_REPLAY (counter not above
 * the highest accepted), AUS_E_KEY_STATE (new ids in use), AUS_E_NOBUFS, store errors. Any
 * error leaves state and keys unchanged. Returns the response length. */
AUS_MUST_USE int aus_rekey_pq_request_handle(aus_rekey *rk, const uint8_t *req, size_t len,
                                             uint64_t now, uint8_t *out, size_t cap);
/* Satellite: the last handled request arriving again while its pair is still pending (a crash
 * lost the caller's record of the answer after the rekey state was committed): verify it is that
 * request (same counter and pair, the ground's signature) and rebuild the same response;
 * nothing changes. Errors: as aus_rekey_pq_request_handle; AUS_E_REPLAY when it is not the
 * pending request. Returns the response length. */
AUS_MUST_USE int aus_rekey_pq_request_reanswer(aus_rekey *rk, const uint8_t *req, size_t len,
                                               uint64_t now, uint8_t *out, size_t cap);
/* Ground: accept a response. Errors: decode errors, AUS_E_REPLAY (not the pending request:
 * old, duplicate or unknown counter), AUS_E_AUTH (MAC, transcript or signature), store errors.
 * On AUS_OK the new pair is in use for sending and the old one is retired. */
AUS_MUST_USE aus_err aus_rekey_pq_response_accept(aus_rekey *rk, const uint8_t *rsp, size_t len,
                                                  uint64_t now);
/* Satellite (and harmlessly ground): a bundle authenticated under key id `kid` arrived. If it
 * is the pending pair, the peer has switched: the pair becomes current and the old one is
 * retired with a deadline. Errors: store errors (then nothing changed; call again later). */
AUS_MUST_USE aus_err aus_rekey_note_rx(aus_rekey *rk, uint16_t kid, uint64_t now);
/* Destroy retired pairs whose deadline has passed. Errors: store errors. */
AUS_MUST_USE aus_err aus_rekey_on_timer(aus_rekey *rk, uint64_t now);

/* ---- long-term key rotation ---- */

/* Satellite: new ML-KEM-768 key pair; message = new ek signed by the sat. */
AUS_MUST_USE int aus_rekey_kem_rotate_build(aus_rekey *rk, uint64_t now, uint8_t *out, size_t cap);
/* Either side: new ML-DSA-65 key pair; message = new vk signed by the OLD key. */
AUS_MUST_USE int aus_rekey_dsa_rotate_build(aus_rekey *rk, uint64_t now, uint8_t *out, size_t cap);
/* Peer: accept a rotation message (verify, install the new public key) and write a signed ACK.
 * Errors: decode errors, AUS_E_AUTH, AUS_E_REPLAY, AUS_E_STATE (wrong role), store errors. */
AUS_MUST_USE int aus_rekey_rotate_accept(aus_rekey *rk, const uint8_t *msg, size_t len,
                                         uint64_t now, uint8_t *out, size_t cap);
/* Rotating side: accept the ACK; the old long-term key is destroyed, the new one in use.
 * Errors: decode errors, AUS_E_AUTH, AUS_E_REPLAY, AUS_E_STATE (nothing pending). */
AUS_MUST_USE aus_err aus_rekey_ack_accept(aus_rekey *rk, const uint8_t *msg, size_t len,
                                          uint64_t now);

/* Message type of an encoded rekey message (for dispatch), or a decode error. */
AUS_MUST_USE int aus_rekey_msg_type(const uint8_t *msg, size_t len);

#ifdef __cplusplus
}
#endif
#endif
