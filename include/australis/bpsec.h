/* SPDX-License-Identifier: Apache-2.0 */
/* BPSec (RFC 9172) with the RFC 9173 default security contexts, anti-replay and IV safety.
 *
 * Three levels, each usable on its own:
 *
 *  1. The abstract security block codec (RFC 9172 §3.6): aus_bpsec_asb_decode / _encode, with
 *     every structural rule checked (non-empty unique targets, one result set per target,
 *     context id != 0, parameters present iff flagged, unique parameter / result ids ...).
 *
 *  2. Single security operations on a bundle held in a caller buffer, done IN PLACE:
 *     aus_bpsec_add() adds one BIB (BIB-HMAC-SHA2, context 1) or one BCB (BCB-AES-GCM,
 *     context 2) exactly as described by an aus_bpsec_op (block number, targets in order,
 *     variant, scope flags, key or KEK + session key, IV). This is the level that reproduces
 *     RFC 9173 Appendix A byte for byte. aus_bpsec_open() does the reverse for a whole bundle:
 *     decrypts every BCB, verifies every BIB, checks the RFC 9172 §3 / §5 rules, removes the
 *     security blocks (RFC 9172 §5.1.1 / §5.1.2, processing at the destination).
 *
 *  3. The node's view: aus_bpsec_protect() / aus_bpsec_accept() with an aus_bpsec_ctx (crypto
 *     provider, durable store, key-lookup callback, security policy per node and per tenant).
 *     protect adds a sequence-number block (type AUS_BPSEC_BT_SEQ, see below), one BIB and one
 *     BCB with deterministic IVs; accept enforces the policy, the replay window and delivers
 *     nothing unverified.
 *
 * Keys come from a callback: (security source EID as text, e.g. "ipn:2.1"; security context
 * id) -> key bytes. When a block carries a wrapped key (RFC 9173 §3.3.4 / §4.3.4 parameter
 * "wrapped key"), the looked-up key is the key-encryption key (AES-KW, RFC 3394) and the
 * session key is unwrapped from the block.
 *
 * Sequence numbers (rationale in src/bpsec/bpsec_seq.c): a private extension
 * block, type 192 (RFC 9171 §9.1 private/experimental range), block-type-specific data is the
 * CBOR array [tenant, seq], both unsigned. The BIB of the protecting node targets it, so it is
 * integrity-protected by the same key that protects the payload and it is removed with the
 * security blocks at the destination.
 *
 * Nothing here allocates. All functions are re-entrant given distinct contexts.
 */
#ifndef AUSTRALIS_BPSEC_H
#define AUSTRALIS_BPSEC_H

#include <stddef.h>
#include <stdint.h>

#include "australis/config.h"
#include "australis/crypto.h"
#include "australis/cursor.h"
#include "australis/err.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants ---- */

#define AUS_BPSEC_BT_BIB 11u /* RFC 9172 §11.1 */
#define AUS_BPSEC_BT_BCB 12u
#define AUS_BPSEC_BT_SEQ 192u /* our sequence-number block (private range, RFC 9171 §9.1) */

#define AUS_BPSEC_CTX_BIB_HMAC_SHA2 1 /* RFC 9173 §3 */
#define AUS_BPSEC_CTX_BCB_AES_GCM 2   /* RFC 9173 §4 */

/* Security context flags (RFC 9172 §3.6). */
#define AUS_BPSEC_ASB_PARAMS 0x01u

/* RFC 9173 parameter / result ids. */
#define AUS_BIB_PARAM_SHA 1u     /* §3.3.1 SHA variant: 5, 6 (default), 7 */
#define AUS_BIB_PARAM_WRAPPED 2u /* §3.3.2 wrapped key */
#define AUS_BIB_PARAM_SCOPE 3u   /* §3.3.3 integrity scope flags, default 7 */
#define AUS_BIB_RESULT_HMAC 1u   /* §3.4 expected HMAC */
#define AUS_BCB_PARAM_IV 1u      /* §4.3.1 initialization vector */
#define AUS_BCB_PARAM_AES 2u     /* §4.3.2 AES variant: 1 (A128GCM), 3 (A256GCM, default) */
#define AUS_BCB_PARAM_WRAPPED 3u /* §4.3.3 wrapped key */
#define AUS_BCB_PARAM_SCOPE 4u   /* §4.3.4 AAD scope flags, default 7 */
#define AUS_BCB_RESULT_TAG 1u    /* §4.4 authentication tag */

/* Scope flags (RFC 9173 §3.3.3 / §4.3.4). */
#define AUS_BPSEC_SCOPE_PRIMARY 0x1u
#define AUS_BPSEC_SCOPE_TARGET_HDR 0x2u
#define AUS_BPSEC_SCOPE_SECURITY_HDR 0x4u
#define AUS_BPSEC_SCOPE_ALL 0x7u

/* Bundle status report reason codes for security failures (RFC 9172 §11.2 / §5.1). */
#define AUS_BPSEC_RC_MISSING 12u     /* missing security operation */
#define AUS_BPSEC_RC_UNKNOWN 13u     /* unknown security operation */
#define AUS_BPSEC_RC_UNEXPECTED 14u  /* unexpected security operation */
#define AUS_BPSEC_RC_FAILED 15u      /* failed security operation */
#define AUS_BPSEC_RC_CONFLICTING 16u /* conflicting security operation */

#define AUS_BPSEC_EID_TEXT_MAX 128 /* longest security source / destination EID text kept */
#define AUS_BPSEC_KEY_MAX 64       /* longest key (or KEK) from the key callback */

/* ---- 1. abstract security block (RFC 9172 §3.6) ---- */

/* One parameter or result: id and a view of the value's encoded CBOR item. */
typedef struct aus_bpsec_item {
    uint64_t id;
    const uint8_t *val; /* encoded CBOR item (head included) */
    size_t val_len;
} aus_bpsec_item;

typedef struct aus_bpsec_asb {
    size_t ntargets;
    uint64_t targets[AUS_BPSEC_MAX_TARGETS];
    int64_t ctx_id;
    uint64_t ctx_flags;
    const uint8_t *source; /* encoded EID item (view) */
    size_t source_len;
    size_t nparams;
    aus_bpsec_item params[AUS_BPSEC_MAX_PARAMS];
    size_t nresults[AUS_BPSEC_MAX_TARGETS]; /* results of targets[i] */
    aus_bpsec_item results[AUS_BPSEC_MAX_TARGETS][AUS_BPSEC_MAX_PARAMS];
} aus_bpsec_asb;

/* Decode block-type-specific data of a BIB/BCB (views into p). Errors: TRUNC, MALFORMED (empty
 * or duplicate targets, context id 0, reserved context flag bits, parameters present but not
 * flagged or flagged but absent, result-set count != target count, empty result set, duplicate
 * parameter / result id, ill-formed EID), NONCANONICAL, LIMIT (more than AUS_BPSEC_MAX_TARGETS
 * targets or AUS_BPSEC_MAX_PARAMS parameters / results), EID, UNSUPPORTED (EID scheme),
 * TRAILING. */
AUS_MUST_USE aus_err aus_bpsec_asb_decode(aus_bpsec_asb *a, const uint8_t *p, size_t n);
/* Encode (flag AUS_BPSEC_ASB_PARAMS is derived from nparams). Errors via w->err; ARG if the
 * struct breaks a rule above. */
AUS_MUST_USE aus_err aus_bpsec_asb_encode(aus_wr *w, const aus_bpsec_asb *a);
/* Security source as text ("ipn:2.1"), NUL-terminated. Errors: EID, NOBUFS. */
AUS_MUST_USE aus_err aus_bpsec_asb_source(const aus_bpsec_asb *a, char *out, size_t cap);

/* ---- 2. single operations, in place ---- */

typedef enum aus_bpsec_kind { AUS_BPSEC_BIB = 1, AUS_BPSEC_BCB = 2 } aus_bpsec_kind;

typedef struct aus_bpsec_op {
    aus_bpsec_kind kind;
    uint64_t block_number; /* 0: lowest free number >= 2 */
    uint64_t block_flags;  /* BCB: AUS_BPV7_BLK_REPLICATE (0x01) is forced when it targets the
                            * payload (RFC 9172 §3.8); CRC type of the new block is always 0 */
    const char *source;    /* security source EID text ("ipn:2.1", "dtn://n/x") */
    size_t ntargets;
    uint64_t targets[AUS_BPSEC_MAX_TARGETS]; /* block numbers, kept in this order */
    /* BIB: AUS_HASH_SHA256/384/512; BCB: AUS_AEAD_AES128_GCM / AUS_AEAD_AES256_GCM */
    int variant;
    uint8_t scope; /* RFC 9173 scope flags, AUS_BPSEC_SCOPE_* */
    /* key: the key, or the KEK when session_key is given (then the session key is wrapped
     * with AES-KW under it and carried in the block, RFC 9173 §3.3.2 / §4.3.3). */
    const uint8_t *key;
    size_t key_len;
    const uint8_t *session_key;
    size_t session_key_len;
    const uint8_t *iv; /* BCB only; 12 bytes recommended (RFC 9173 §4.3.1) */
    size_t iv_len;
    /* The key's name at the crypto provider (crypto.h aus_crypto_key): with key_id != 0 and no
     * session key, the provider keeps its keyed context for key until the key is retired;
     * 0: a per-call key schedule. */
    uint32_t key_domain, key_id;
} aus_bpsec_op;

/* Add one BIB or BCB to the bundle in buf[0..*len) (capacity cap), in place. The new block is
 * inserted after the primary block and any security blocks that directly follow it (the
 * RFC 9173 Appendix A layout). A BCB encrypts each target's block-type-specific data in place
 * (CRCs of targets are recomputed). Rules enforced (RFC 9172 §3.3, §3.7, §3.8, §3.9): targets
 * exist and are unique, a block is the target of at most one BIB and at most one BCB, no
 * security block targets itself, a BIB never targets a BCB, a BCB never targets the primary
 * block or another BCB, a BCB targeting a block that has a BIB must also target that BIB and
 * may target a BIB only if it shares a target with it, a BIB is not added over a target that a
 * BCB already protects. A BCB we add has exactly one target (POLICY otherwise): RFC 9173 gives
 * all targets of a BCB one IV and one key, so a second target would reuse the AES-GCM (key, IV).
 * Hence a block to be encrypted carries no BIB of its own (the GCM tag protects it).
 * The previous-node, bundle-age and hop-count blocks are not encrypted (forwarders rewrite
 * them): UNSUPPORTED (aus_bpsec_add_opt with AUS_BPSEC_ADD_EXT lifts this). Rule, argument
 * and key errors leave buf unchanged; a crypto-backend failure after the tail moved wipes buf
 * and sets *len to 0.
 * Errors: ARG (bad op), POLICY (a BCB with more than one target), BLOCK (a rule above / unknown
 * target), BLOCKNUM (number in use), KEY
 * (key length), UNSUPPORTED, NOBUFS, LIMIT, CRYPTO, EID (source), plus aus_bpv7_decode errors
 * for the input bundle. */
AUS_MUST_USE aus_err aus_bpsec_add(const aus_crypto *c, const aus_bpsec_op *op, uint8_t *buf,
                                   size_t *len, size_t cap);

/* aus_bpsec_add with options. AUS_BPSEC_ADD_EXT: a BCB may encrypt previous-node, bundle-age
 * and hop-count blocks, which RFC 9172 §3.8 allows and other implementations may do (the BPv7
 * decoder then leaves their data opaque; aus_bpsec_open checks them after decryption). Our own
 * producers never do it: forwarders read and rewrite these blocks. Errors as aus_bpsec_add. */
#define AUS_BPSEC_ADD_EXT 0x1u
AUS_MUST_USE aus_err aus_bpsec_add_opt(const aus_crypto *c, const aus_bpsec_op *op, unsigned opts,
                                       uint8_t *buf, size_t *len, size_t cap);

/* Several operations in order, exactly as successive aus_bpsec_add_opt calls with the same opts
 * would add them (same bytes, same errors), but the bundle is decoded and its security blocks
 * collected once for the whole list. On an error the operations before the failing one stay
 * added (*len says so) and the failing one behaves as in aus_bpsec_add. */
AUS_MUST_USE aus_err aus_bpsec_add_list(const aus_crypto *c, const aus_bpsec_op *ops, size_t n,
                                        unsigned opts, uint8_t *buf, size_t *len, size_t cap);

/* Key lookup: the key for (security source, context id). Return AUS_OK and set *key_len, or
 * AUS_E_KEY / AUS_E_NOTFOUND when there is none (the bundle is then rejected). */
typedef aus_err (*aus_bpsec_key_fn)(void *user, const char *source, int64_t ctx_id, uint8_t *key,
                                    size_t cap, size_t *key_len);

/* Optional companion of a key lookup: the name (*domain, *id) at the crypto provider of the key
 * key_fn returns for (source, context id), so the provider keeps that key's keyed context
 * (crypto.h aus_crypto_key). *id 0 (or no id_fn): a per-call key schedule. Not used for session
 * keys unwrapped from a block (each bundle has its own). */
typedef void (*aus_bpsec_key_id_fn)(void *user, const char *source, int64_t ctx_id,
                                    uint32_t *domain, uint32_t *id);

/* What aus_bpsec_open found (filled also on failure, as far as it got). */
typedef struct aus_bpsec_report {
    size_t nbib, nbcb;    /* security blocks processed */
    size_t nint, nconf;   /* targets verified / decrypted */
    uint32_t covered_bib; /* bit i: block type class i integrity-verified, see below; the
                           * primary block also when a verified BIB target's IPPT or an
                           * authenticated BCB's AAD held it (scope bit 0, RFC 9173 §3.7,
                           * §4.7.2) */
    uint32_t covered_bcb; /* the same for confidentiality */
    char source[AUS_BPSEC_EID_TEXT_MAX]; /* last security source seen (or failing one) */
    char dest[AUS_BPSEC_EID_TEXT_MAX];   /* bundle destination */
    uint8_t has_seq;
    uint32_t tenant; /* from the sequence-number block */
    uint64_t seq;
    char seq_source[AUS_BPSEC_EID_TEXT_MAX]; /* source of the BIB that covers the seq block */
    size_t nuncovered;  /* blocks of a type other than payload, previous-node, bundle-age,
                         * hop-count, BIB, BCB, seq that no verified BIB and no BCB covers (what a
                         * security block with an altered type code becomes); a strict consumer
                         * (the CLI) rejects the bundle if > 0 */
    uint64_t reason;    /* AUS_BPSEC_RC_* on failure */
    const char *detail; /* static sentence naming the failed rule, never NULL */
} aus_bpsec_report;

/* Coverage classes used by covered_bib / covered_bcb and by the policy. */
#define AUS_BPSEC_COVER_PRIMARY 0x1u
#define AUS_BPSEC_COVER_PAYLOAD 0x2u
#define AUS_BPSEC_COVER_SEQ 0x4u
#define AUS_BPSEC_COVER_OTHER 0x8u /* every other extension block must be covered */

/* Verify every BIB and decrypt every BCB of the bundle in buf[0..*len), in place, then remove
 * all BIB, BCB and sequence-number blocks and write the resulting bundle back (*len updated).
 * Nothing is changed in buf on failure except that decrypted bytes are wiped: on any error
 * buf is filled with zeros up to *len (no partial plaintext is ever released).
 * Extension blocks that were encrypted (previous-node, age, hop-count: the decoder left them
 * opaque) are checked after decryption by decoding the result again: a decrypted block that
 * breaks an RFC 9171 rule fails with that rule's error (BLOCK, HOPLIMIT, EID ...).
 * Errors: AUTH (HMAC / tag / key-unwrap failure), KEY (no key for a source, wrong length),
 * BLOCK (RFC 9172 rule), MALFORMED / UNSUPPORTED (security context, parameters, results, unknown
 * context id), plus aus_bpsec_asb_decode and aus_bpv7_decode errors. */
AUS_MUST_USE aus_err aus_bpsec_open(const aus_crypto *c, aus_bpsec_key_fn key_fn, void *key_user,
                                    uint8_t *buf, size_t *len, aus_bpsec_report *rep);
/* aus_bpsec_open with the keys named at the provider by id_fn (may be NULL). Errors as
 * aus_bpsec_open. */
AUS_MUST_USE aus_err aus_bpsec_open_ids(const aus_crypto *c, aus_bpsec_key_fn key_fn,
                                        aus_bpsec_key_id_fn id_fn, void *key_user, uint8_t *buf,
                                        size_t *len, aus_bpsec_report *rep);

/* ---- 3. node context: policy, sequence numbers, replay windows, IVs ---- */

typedef enum aus_bpsec_fail_action {
    AUS_BPSEC_FAIL_DROP = 0,   /* discard silently */
    AUS_BPSEC_FAIL_LOG = 1,    /* discard and log (the caller logs the report) */
    AUS_BPSEC_FAIL_REPORT = 2, /* discard, log, send a status report with report.reason */
} aus_bpsec_fail_action;

#define AUS_BPSEC_MAX_RULES 8

/* "security source S is accepted for destination D": EID texts; "*" matches anything and a
 * trailing ".*" matches any service of an ipn node ("ipn:2.*"). */
typedef struct aus_bpsec_rule {
    char dest[AUS_BPSEC_EID_TEXT_MAX];
    char source[AUS_BPSEC_EID_TEXT_MAX];
} aus_bpsec_rule;

typedef struct aus_bpsec_policy {
    uint32_t bib_required;  /* AUS_BPSEC_COVER_* that must be integrity-protected (BIB or BCB) */
    uint32_t bcb_required;  /* AUS_BPSEC_COVER_* that must be encrypted */
    uint8_t require_seq;    /* a sequence-number block covered by a BIB is mandatory */
    uint32_t replay_window; /* 1..AUS_REPLAY_MAX_WINDOW (0: AUS_REPLAY_WINDOW_DEFAULT) */
    aus_bpsec_fail_action on_fail;
    size_t nrules; /* 0: any source we hold a key for */
    aus_bpsec_rule rules[AUS_BPSEC_MAX_RULES];
} aus_bpsec_policy;

/* Default: integrity of primary + payload + seq, BCB on payload, seq required, default
 * window, status report on failure, no source restriction. Integrity is met by a verified BIB
 * or by a BCB whose AES-GCM tag verified (RFC 9173 §4: an AEAD authenticates its target). */
void aus_bpsec_policy_default(aus_bpsec_policy *p);

#define AUS_BPSEC_MAX_TENANTS 8
#define AUS_BPSEC_MAX_PEERS                                                                        \
    8 /* counters / replay windows cached in a context (LRU-free:                                  \
       * round-robin eviction; all state is in the store anyway) */

typedef struct aus_bpsec_window {
    char key[AUS_STORE_KEY_MAX]; /* store key "bpsec/rp/<tenant>/<source>"; "" = unused */
    aus_replay w;
} aus_bpsec_window;

/* A node's BPSec state. Not thread-safe: one context per thread (or a lock), and only ONE live
 * context per (store, security source): counters are cached in the context, so two contexts
 * sharing a store would hand out the same IVs / sequence numbers. With store NULL
 * (tests, the CLI) there are no sequence numbers, IVs are random (SP 800-38D §8.2.2) and replay
 * windows live only in memory (and may be evicted): never use that mode in a daemon. */
typedef struct aus_bpsec_ctx {
    const aus_crypto *crypto;
    const aus_store *store; /* NULL: see above */
    aus_bpsec_key_fn key_fn;
    void *key_user;
    aus_bpsec_key_id_fn key_id_fn; /* optional (aus_bpsec_ctx_set_key_ids), same key_user */
    uint32_t iv_fixed; /* SP 800-38D §8.2.1 fixed field: unique per device sharing a key */
    aus_bpsec_policy node_policy;
    size_t ntenants;
    uint32_t tenant_id[AUS_BPSEC_MAX_TENANTS];
    aus_bpsec_policy tenant_policy[AUS_BPSEC_MAX_TENANTS];
    uint32_t ctr_block; /* reservation block for IV / seq counters (0: AUS_CTR_RESERVE_BLOCK) */
    /* caches (internal) */
    size_t nctr, ctr_next, nwin, win_next;
    aus_ctr ctr[2 * AUS_BPSEC_MAX_PEERS];
    aus_bpsec_window win[AUS_BPSEC_MAX_PEERS];
    /* group commit (aus_bpsec_batch_begin): windows accepted into but not yet saved */
    uint8_t batch;
    uint8_t win_dirty[AUS_BPSEC_MAX_PEERS];
} aus_bpsec_ctx;

/* Errors: ARG. Installs the default policy as node policy. */
AUS_MUST_USE aus_err aus_bpsec_ctx_init(aus_bpsec_ctx *ctx, const aus_crypto *c,
                                        const aus_store *store, aus_bpsec_key_fn key_fn,
                                        void *key_user, uint32_t iv_fixed);
/* Name the keys key_fn returns at the crypto provider (see aus_bpsec_key_id_fn); NULL: none. */
void aus_bpsec_ctx_set_key_ids(aus_bpsec_ctx *ctx, aus_bpsec_key_id_fn id_fn);
/* Install a tenant's policy (replaces an existing one). Errors: FULL, ARG. */
AUS_MUST_USE aus_err aus_bpsec_ctx_set_tenant(aus_bpsec_ctx *ctx, uint32_t tenant,
                                              const aus_bpsec_policy *p);

typedef struct aus_bpsec_protect_opts {
    const char *source; /* security source EID text; NULL: the bundle's source */
    uint32_t tenant;
    uint8_t add_seq;                  /* add a sequence-number block (needs ctx->store) */
    uint8_t bib_primary, bib_payload; /* BIB targets (plus the seq block when added); the
                                       * payload only when it is not encrypted; the primary
                                       * block not as a target of its own when the seq block's
                                       * IPPT holds it (bib_scope bit 0, RFC 9173 §3.7) */
    uint8_t bcb_payload;              /* BCB over the payload (its only target) */
    int sha;                          /* AUS_HASH_SHA256/384/512 (0: SHA-256) */
    int aes;                          /* AUS_AEAD_AES128_GCM / AES256_GCM (0: AES-256-GCM) */
    uint8_t bib_scope, bcb_scope;     /* 0xFF: default 7 */
    uint8_t wrap_key; /* fresh random session keys wrapped under the configured key */
} aus_bpsec_protect_opts;

/* Fill opts with the mission defaults (seq, BIB primary+payload+seq, BCB payload, SHA-256,
 * AES-256-GCM, full scope, no key wrap): in effect a BIB over the seq block, whose IPPT holds
 * the primary block, and a BCB over the payload. An encrypted payload is left out of the BIB: its BCB's
 * GCM tag protects it, and RFC 9172 §3.9 would make that BCB encrypt the BIB as a second target
 * under the payload's AES-GCM (key, IV), which aus_bpsec_add refuses. */
void aus_bpsec_protect_opts_default(aus_bpsec_protect_opts *o);

/* Protect in[0..n) into out (cap): sequence-number block (if asked), BIB, BCB with an IV from
 * fixed field || 64-bit invocation counter reserved in the store before use (NIST SP 800-38D
 * §8.2.1). Writes *out_len. Errors: as aus_bpsec_add, plus KEY (no key), LIMIT (counter
 * exhausted: rotate the key), IO / store errors (nothing is emitted then), STATE (seq asked
 * without a store). */
AUS_MUST_USE aus_err aus_bpsec_protect(aus_bpsec_ctx *ctx, const aus_bpsec_protect_opts *o,
                                       const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                                       size_t *out_len);

/* Accept in[0..n): structural checks, policy (required coverage, accepted sources for the
 * destination), replay pre-check, decrypt + verify (aus_bpsec_open), replay window update
 * persisted in the store BEFORE returning success, and the original bundle in out.
 * rep (required) says what happened; on failure rep->reason is the RFC 9172 reason code and
 * the caller applies policy on_fail (returned in *action, may be NULL).
 * Errors: REPLAY (duplicate or too old), POLICY (missing coverage / source not accepted), plus
 * aus_bpsec_open errors and store errors. out is zeroed on failure. */
AUS_MUST_USE aus_err aus_bpsec_accept(aus_bpsec_ctx *ctx, const uint8_t *in, size_t n, uint8_t *out,
                                      size_t cap, size_t *out_len, aus_bpsec_report *rep,
                                      aus_bpsec_fail_action *action);

/* Group commit: accept a batch of bundles with one durable write per replay window instead of
 * one per bundle (docs/bpsec.md, "Group commit"). Between aus_bpsec_batch_begin and
 * aus_bpsec_batch_commit, aus_bpsec_accept checks and updates the replay windows in memory only
 * (a number accepted earlier in the batch is a replay like any other), and the bundles it
 * returns are NOT yet accepted: release none of them before aus_bpsec_batch_commit returned
 * AUS_OK. Commit writes every window the batch changed and commits, in the one store
 * transaction the batch opened; if anything fails the transaction is rolled back, the windows
 * are reloaded from the store and the whole batch must be discarded (a retransmission of any
 * of its bundles is then accepted as new). A crash before the commit leaves the store as
 * before the batch (nothing of it was released), a crash after it leaves every bundle of the
 * batch recorded: the same guarantees as one aus_bpsec_accept at a time.
 * begin: STATE (no store, a batch already open, or the caller holds a store transaction: the
 * batch must own the transaction it commits), store errors. While a batch is open,
 * aus_bpsec_protect and aus_bpsec_next_iv answer STATE (a counter reservation would commit with
 * the batch). commit: STATE (no batch), store errors (batch discarded). abort: discards the
 * batch (always succeeds; no-op without a batch). */
AUS_MUST_USE aus_err aus_bpsec_batch_begin(aus_bpsec_ctx *ctx);
AUS_MUST_USE aus_err aus_bpsec_batch_commit(aus_bpsec_ctx *ctx);
void aus_bpsec_batch_abort(aus_bpsec_ctx *ctx);

/* The next AES-GCM IV for a security source (NIST SP 800-38D §8.2.1 deterministic
 * construction): fixed field = ctx->iv_fixed (4 bytes, big-endian) || invocation field = a
 * 64-bit counter (big-endian) kept under "bpsec/iv/<source>" and reserved in the store in blocks
 * BEFORE use, so no IV repeats under one key even across a crash. Errors: STATE (no store),
 * LIMIT (counter exhausted or source text too long for a store key), store errors. */
#define AUS_BPSEC_IV_LEN 12
AUS_MUST_USE aus_err aus_bpsec_next_iv(aus_bpsec_ctx *ctx, const char *source,
                                       uint8_t iv[AUS_BPSEC_IV_LEN]);

/* ---- sequence-number block helpers ---- */

/* Encode [tenant, seq] (block-type-specific data of AUS_BPSEC_BT_SEQ). Errors: NOBUFS. */
AUS_MUST_USE aus_err aus_bpsec_seq_encode(uint32_t tenant, uint64_t seq, uint8_t *out, size_t cap,
                                          size_t *len);
/* Errors: TRUNC, MALFORMED, NONCANONICAL, LIMIT (tenant > 2^32-1), TRAILING; seq 0 MALFORMED. */
AUS_MUST_USE aus_err aus_bpsec_seq_decode(const uint8_t *p, size_t n, uint32_t *tenant,
                                          uint64_t *seq);

#ifdef __cplusplus
}
#endif
#endif
