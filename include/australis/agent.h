/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle agent (DESIGN.md §1, §9): ADUs in and out of protected bundles.
 *
 * Sans-I/O: the caller passes bytes and time (DTN ms) and owns every buffer; the durable store
 * and the security envelope are ops tables. Responsibilities:
 *   - send: ADU -> BPv7 bundle (ipn:node.service -> peer) with a sequence number reserved in the
 *     store before use, protected by the envelope, queued durably under
 *     "ag/<tenant>/out/<seq>" until the link has it (aus_agent_out_next / aus_agent_out_done);
 *   - receive: decode, authenticate and decrypt (AUS_E_AUTH), destination policy (AUS_E_POLICY),
 *     anti-replay window that survives restarts (AUS_E_REPLAY: duplicates are dropped here, so
 *     a bundle delivered twice is processed once), then the receipt action of RFC 9171 §5.6
 *     (aus_bpv7_decide_receipt: lifetime, hop limit, unsupported blocks): a bundle the node
 *     deletes comes back with rx.deleted and its reason code, and without its ADU;
 *   - bundle status reports (RFC 9171 §6.1.1): our bundles ask for the reports in
 *     cfg.report_req; a received bundle that asks for one gets it when aus_agent_accept()
 *     records it (received; delivered, or deleted with reason "lifetime expired"), as an
 *     administrative record to its report-to endpoint when that is our peer (the envelope's keys
 *     reach no one else), protected and queued like any bundle. Status reports from the peer are
 *     delivered with rx.admin set (the record decoded in rx.report); none is sent about one.
 *
 * Exactly-once contract with the caller: aus_agent_recv() changes nothing; after the caller has
 * applied the ADU's effect it calls aus_agent_accept() INSIDE THE SAME store transaction, so
 * "seen" and "effect" become durable together. After a rollback call aus_agent_reload().
 */
#ifndef AUSTRALIS_AGENT_H
#define AUSTRALIS_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "australis/bpv7.h"
#include "australis/crypto.h"
#include "australis/err.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest bundle the agent builds or accepts. */
#ifndef AUS_AGENT_BUNDLE_MAX
#define AUS_AGENT_BUNDLE_MAX 70000
#endif

/* The security envelope: protects a built bundle for sequence number seq, and verifies /
 * decrypts a received one. Implementations: the built-in AEAD envelope (aus_agent_seal, below)
 * and the BPSec one wired by the daemon. */
typedef struct aus_agent_sec_ops {
    /* Encode b protected into out; returns bytes or a negative aus_err. */
    long (*protect)(void *self, aus_bpv7_bundle *b, uint64_t seq, uint64_t now_ms, uint8_t *out,
                    size_t cap);
    /* Verify and decrypt in; on success *b describes the plain bundle (views into in or work),
     * *seq the authenticated sequence number. Errors: AUS_E_AUTH, AUS_E_KEY_STATE, decode
     * errors. */
    aus_err (*unprotect)(void *self, const uint8_t *in, size_t n, uint64_t now_ms, uint8_t *work,
                         size_t cap, aus_bpv7_bundle *b, uint64_t *seq);
    void *self;
} aus_agent_sec_ops;

typedef struct aus_agent_cfg {
    uint64_t node, service;           /* own endpoint ipn:node.service */
    uint64_t peer_node, peer_service; /* the other end */
    uint64_t lifetime_ms;             /* lifetime of bundles we create */
    uint32_t replay_window;           /* <= AUS_REPLAY_MAX_WINDOW */
    const char *tenant;               /* store-key namespace (1..31 chars) */
    /* Status reports our bundles ask for: 0 or AUS_BPV7_BF_RPT_* bits (forwarding reports
     * are a relay's business: AUS_E_ARG), plus AUS_BPV7_BF_STATUS_TIME for their times. */
    uint64_t report_req;
    /* A second service number of ours and of the peer for key management (0: none): bundles
     * to it travel under the same envelope; aus_agent_send_to picks the destination service
     * and rx.dst_service says which one a received bundle was for. */
    uint64_t mgmt_service, peer_mgmt_service;
} aus_agent_cfg;

typedef struct aus_agent_stats {
    uint64_t sent, received, accepted, replays, auth_fail, expired, malformed, policy;
    uint64_t reports_sent, reports_received;
    int32_t last_err;
} aus_agent_stats;

typedef struct aus_agent {
    aus_agent_cfg cfg;
    char tenant[32];
    const aus_store *store;
    aus_agent_sec_ops sec;
    aus_ctr seq;
    aus_replay win;
    uint64_t bundle_seq; /* creation-timestamp sequence (RFC 9171 §4.2.7), per millisecond */
    uint64_t last_ms;
    aus_agent_stats st;
    uint8_t tx[AUS_AGENT_BUNDLE_MAX]; /* bundles being built */
    uint8_t rx[AUS_AGENT_BUNDLE_MAX]; /* plaintext of the bundle being received */
} aus_agent;

/* A received ADU. */
typedef struct aus_agent_rx {
    const uint8_t *adu;
    size_t len;
    uint64_t seq;
    int expired; /* lifetime over (then also deleted, reason 1) */
    /* RFC 9171 §5.6 (aus_bpv7_decide_receipt): the node deletes the bundle (lifetime expired,
     * hop limit exceeded, an unsupported block that asks for deletion): adu is withheld
     * (len 0, never delivered); aus_agent_accept records it and queues the deletion report. */
    int deleted;
    uint8_t reason; /* §6.1.1 reason code of its status reports (deletion, or 11 for a kept
                     * unsupported block that asks for a report) */
    uint64_t src_node;
    int admin;                     /* a status report from the peer: adu is the record */
    aus_bpv7_status_report report; /* ... decoded (subject: one of our bundles) */
    aus_bpv7_primary subject;      /* the received bundle's primary block (for our report) */
    uint64_t at_ms;                /* the time aus_agent_recv was given */
    uint64_t dst_service;          /* cfg.service or cfg.mgmt_service */
} aus_agent_rx;

/* Errors: AUS_E_ARG, store errors. */
AUS_MUST_USE aus_err aus_agent_init(aus_agent *ag, const aus_agent_cfg *cfg, const aus_store *store,
                                    const aus_agent_sec_ops *sec);
/* Re-read the counter and the replay window from the store (after a rollback). */
AUS_MUST_USE aus_err aus_agent_reload(aus_agent *ag);

/* Wrap an ADU into a protected bundle and queue it durably (inside the caller's transaction,
 * or alone). *seq_out (may be NULL) gets its sequence number.
 * Errors: AUS_E_LIMIT (ADU too large / counter exhausted), envelope and store errors. */
AUS_MUST_USE aus_err aus_agent_send(aus_agent *ag, const uint8_t *adu, size_t len, uint64_t now_ms,
                                    uint64_t *seq_out);
/* The same to the peer's key-management service (mgmt != 0) or its main service.
 * Errors: as aus_agent_send, AUS_E_ARG (mgmt without cfg.peer_mgmt_service). */
AUS_MUST_USE aus_err aus_agent_send_to(aus_agent *ag, int mgmt, const uint8_t *adu, size_t len,
                                       uint64_t now_ms, uint64_t *seq_out);
/* The oldest queued bundle after store key `after` ("" for the first): key and bytes.
 * Errors: AUS_E_NOTFOUND (queue empty), AUS_E_NOBUFS, store errors. */
AUS_MUST_USE aus_err aus_agent_out_next(aus_agent *ag, const char *after, char *key, size_t keycap,
                                        uint8_t *out, size_t cap, size_t *len, uint64_t *seq);
/* The link has the bundle durably: forget it. */
AUS_MUST_USE aus_err aus_agent_out_done(aus_agent *ag, const char *key);

/* Verify a received bundle; nothing is recorded. rx views point into in or ag->rx
 * (valid until the next aus_agent_recv).
 * Errors: decode errors (MALFORMED, TRUNC, CRC...), AUS_E_AUTH, AUS_E_KEY_STATE, AUS_E_POLICY
 * (not for us: another node or service / not from our peer), AUS_E_REPLAY. */
AUS_MUST_USE aus_err aus_agent_recv(aus_agent *ag, const uint8_t *in, size_t n, uint64_t now_ms,
                                    aus_agent_rx *rx);
/* Record rx's sequence number as seen (caller's transaction) and queue the status report it
 * asked for, in the same transaction. Errors: AUS_E_REPLAY, envelope and store errors. */
AUS_MUST_USE aus_err aus_agent_accept(aus_agent *ag, const aus_agent_rx *rx);

/* ---- the built-in envelope: AEAD over the whole bundle (no BPSec dependency) ----
 *
 * Bundle = primary block (CRC-32C) + extension block type 192 (RFC 9171 §9.1: 192..255 are for
 * private use) holding CBOR [seq, key_id, iv] + payload block holding ciphertext || tag.
 * AES-256-GCM under the tenant's session key; AAD = the encoded primary block || the encoded
 * extension block data, so the sequence number and key id are authenticated (the replay window
 * relies on it). IV = 4-byte fixed field (the node number's low 32 bits) || 8-byte counter
 * reserved in the store before use (NIST SP 800-38D §8.2.1 deterministic construction). */
#define AUS_AGENT_SEAL_BLOCK 192u
typedef struct aus_agent_seal_keys_ops {
    /* Fetch the key for sending (*key_id: which one) or receiving (key_id given). */
    aus_err (*send_key)(void *ctx, uint64_t now_ms, uint16_t *key_id, uint8_t key[32]);
    aus_err (*recv_key)(void *ctx, uint64_t now_ms, uint16_t key_id, uint8_t key[32]);
    /* Candidate key ids for receiving when the bundle does not name one (BPSec envelope):
     * current first, then keys still inside a rekey overlap. Returns the count. */
    size_t (*recv_ids)(void *ctx, uint64_t now_ms, uint16_t *ids, size_t cap);
    /* Optional (test builds): told every (key id, IV) used for sealing. */
    void (*iv_log)(void *ctx, uint16_t key_id, const uint8_t iv[12]);
    void *ctx;
} aus_agent_seal_keys_ops;

typedef struct aus_agent_seal {
    const aus_crypto *crypto;
    const aus_store *store;
    aus_agent_seal_keys_ops keys;
    uint32_t iv_fixed;
    aus_ctr iv;
    uint16_t rx_kid; /* EK id that authenticated the last bundle unprotected (0: none / failed) */
    uint8_t ct[AUS_AGENT_BUNDLE_MAX]; /* ciphertext || tag being built */
} aus_agent_seal;

/* store: where the IV counter is reserved. Give it a store that is NOT inside the caller's
 * transaction while sealing (the daemons use the keystore's file): a reservation must be durable
 * before any IV under it is used, even if the transaction carrying the sealed bundle is rolled
 * back or cut by a crash. Errors: AUS_E_ARG, store errors. */
AUS_MUST_USE aus_err aus_agent_seal_init(aus_agent_seal *s, const aus_crypto *crypto,
                                         const aus_store *store, const char *tenant,
                                         uint32_t iv_fixed, const aus_agent_seal_keys_ops *keys);
/* Re-read the IV counter (after a rollback). */
AUS_MUST_USE aus_err aus_agent_seal_reload(aus_agent_seal *s);
/* The envelope as an ops table for aus_agent_init. */
aus_agent_sec_ops aus_agent_seal_ops(aus_agent_seal *s);

/* ---- the BPSec envelope (RFC 9172 with the RFC 9173 default contexts) ----
 *
 * Bundle = primary (CRC-32C) + sequence-number block (AUS_BPSEC_BT_SEQ, [tenant, seq]) +
 * BIB-HMAC-SHA2 (SHA-256, full scope) over the sequence block under AK (full scope puts the
 * primary block into its IPPT, RFC 9173 §3.7: one HMAC authenticates both) +
 * BCB-AES-GCM (AES-256) over the payload alone under EK (its tag is the payload's integrity; a
 * second target would share the IV), IV from the same counter as the built-in envelope (fixed
 * field || counter reserved before use). AK is the key id after EK.
 * Received bundles must carry both, from the peer's EID, with our tenant id, or nothing is
 * delivered. Uses the same aus_agent_seal state (keys, counter, buffers). */
typedef struct aus_agent_bpsec {
    aus_agent_seal *seal;
    uint32_t tenant_id;
    char source[32];      /* our security source "ipn:N.S" */
    char peer_source[32]; /* accepted security source */
} aus_agent_bpsec;

/* Errors: AUS_E_ARG. */
AUS_MUST_USE aus_err aus_agent_bpsec_init(aus_agent_bpsec *b, aus_agent_seal *seal,
                                          uint32_t tenant_id, uint64_t node, uint64_t service,
                                          uint64_t peer_node, uint64_t peer_service);
aus_agent_sec_ops aus_agent_bpsec_ops(aus_agent_bpsec *b);

#ifdef __cplusplus
}
#endif
#endif
