/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by rekey_msg.c, rekey_pq.c and rekey_lt.c. */
#ifndef AUS_REKEY_INTERNAL_H
#define AUS_REKEY_INTERNAL_H

#include "australis/cbor.h"
#include "australis/rekey.h"

#define RK_VERSION 1
#define RK_CBOR (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF)
#define RK_FP_BYTES 32
#define RK_TH_BYTES 32
#define RK_MAC_BYTES 32

/* A decoded message: [body, auth, sig?] with body = [1, type, counter, ctx, ...fields]. */
typedef struct rk_msg {
    const uint8_t *body;
    size_t body_len;
    const uint8_t *auth; /* signature (request, rotations, ack) or MAC (response) */
    size_t auth_len;
    const uint8_t *sig; /* response only: optional signature */
    size_t sig_len;
    uint64_t type, counter;
    aus_rd rest; /* the body's remaining fields */
} rk_msg;

/* Decode the outer array and the body's common head; checks version and context.
 * Errors: CBOR errors, AUS_E_MALFORMED (shape), AUS_E_UNSUPPORTED (version), AUS_E_POLICY
 * (context differs). */
aus_err rk_msg_decode(aus_rekey *rk, const uint8_t *in, size_t len, rk_msg *m);
/* Finish body parsing: all fields consumed. */
aus_err rk_msg_end(rk_msg *m);
/* Read fields of the body. */
aus_err rk_rd_u16(rk_msg *m, uint16_t *v);
aus_err rk_rd_u64(rk_msg *m, uint64_t *v);
aus_err rk_rd_bytes(rk_msg *m, size_t want, const uint8_t **p);

/* Start a body: [1, type, counter, ctx, + nfields] into rk->body. */
void rk_body_begin(aus_rekey *rk, aus_wr *w, uint64_t type, uint64_t counter, size_t nfields);
/* Outer message [body, auth] or [body, auth, sig]. Returns length or error. */
int rk_msg_encode(const uint8_t *body, size_t blen, const uint8_t *auth, size_t alen,
                  const uint8_t *sig, size_t slen, uint8_t *out, size_t cap);

/* Sign body with our current ML-DSA key (or key id sk). */
aus_err rk_sign(aus_rekey *rk, uint16_t sk, const uint8_t *body, size_t n, uint8_t sig[3309]);
/* Verify with peer_vk, else peer_vk_prev (*used_prev set). AUS_E_AUTH when neither. */
aus_err rk_verify_peer(aus_rekey *rk, const uint8_t *body, size_t n, const uint8_t *sig,
                       size_t slen, uint64_t now, int *used_prev);

/* SHA-256 / SHA3-256 of one buffer. */
aus_err rk_sha256(aus_rekey *rk, const uint8_t *p, size_t n, uint8_t out[32]);
aus_err rk_sha3(aus_rekey *rk, const uint8_t *p, size_t n, uint8_t out[32]);

/* Persist st. */
aus_err rk_save(aus_rekey *rk);
/* Transaction around several keystore + state changes; end rolls back on error. */
aus_err rk_begin(aus_rekey *rk);
aus_err rk_end(aus_rekey *rk, aus_err e);
/* Take a key out of service now: ACTIVE -> DEACTIVATED -> DESTROYED, PREACTIVE -> DESTROYED. */
aus_err rk_destroy(aus_rekey *rk, uint16_t id, uint64_t now);
/* Move a session pair to the retired list (DEACTIVATED, receivable until now + overlap). */
aus_err rk_retire(aus_rekey *rk, aus_rekey_pair p, uint64_t now);
/* open = 1: keep the pair ACTIVE with no deadline (a superseded pending pair). */
aus_err rk_retire_ex(aus_rekey *rk, aus_rekey_pair p, uint64_t now, int open);
/* A pair was confirmed: open retired pairs get their deadline now + overlap. */
aus_err rk_close_open(aus_rekey *rk, uint64_t now);
/* Free id in [lo, hi] for a long-term key. */
aus_err rk_free_lt(aus_rekey *rk, uint16_t *id);

#endif
