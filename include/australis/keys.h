/* SPDX-License-Identifier: Apache-2.0 */
/* Keystore: key ids, types, states (CCSDS 355.1 key management), durable and wrapped at rest.
 *
 * Key-id space (16 bits; 355.1-B-1 leaves the split to the mission, we reserve the first 128
 * ids for master keys):
 *   0x0000..0x007F  master keys: installed before launch, used only to unwrap OTAR key blocks
 *                   and as the classical half of the post-quantum rekey derivation. Never
 *                   exported, never used for traffic, never changed by an EP PDU.
 *   0x0080..0x7FFF  session keys (AES-256): traffic (SDLS SAs, BPSec BIB/BCB). The mission's
 *                   initial pair is EK = 0x0100 (encryption) and AK = 0x0101 (authentication).
 *   0x8000..0xFFFF  long-term asymmetric keys (ML-KEM-768, ML-DSA-65) of the PQ rekey.
 *
 * Key state machine (355.1 key management; CryptoLib PREACTIVE 0 .. CORRUPTED 4):
 *
 *   state          event                      next          error when refused
 *   (absent)       install / OTAR             PREACTIVE     -
 *   (absent)       install (master, prelaunch) ACTIVE       -
 *   DESTROYED      install / OTAR (id reuse)  PREACTIVE     -
 *   PREACTIVE      activate                   ACTIVE        -
 *   ACTIVE         deactivate [deadline]      DEACTIVATED   -
 *   PREACTIVE      destroy                    DESTROYED     -  (never-used key, SP 800-57 §5.3)
 *   DEACTIVATED    destroy                    DESTROYED     -  (secret erased from the store)
 *   any            unwrap integrity failure   CORRUPTED     -
 *   every other pair is refused with AUS_E_KEY_STATE; an unknown id with AUS_E_KEY; a master
 *   key given to activate/deactivate/destroy with AUS_E_POLICY. A refused call changes nothing.
 *
 * Uses (aus_keys_get): a secret is released only for a use its type and state allow:
 *   WRAP     master,  ACTIVE            SEND    session, ACTIVE
 *   RECV     session, ACTIVE, or DEACTIVATED while now < deadline (rekey overlap)
 *   VERIFY   session, ACTIVE (EP key verification)
 *   PRIVATE  own ML-KEM dk / ML-DSA sk, ACTIVE
 *   PUBLIC   ML-KEM ek / ML-DSA vk, ACTIVE (export: any state but DESTROYED/CORRUPTED)
 *
 * At rest every key is AES-key-wrapped (RFC 3394, through the crypto provider) under a key
 * derived from the device key-encryption key with HKDF-SHA-256 and bound to the key's id, type
 * and length, so records cannot be swapped between ids. One record per key, written with one
 * put (atomic); metadata is cached in RAM, secrets are unwrapped on demand into caller buffers.
 */
#ifndef AUSTRALIS_KEYS_H
#define AUSTRALIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "australis/config.h"
#include "australis/crypto.h"
#include "australis/err.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of key slots (metadata cached in RAM; destroyed slots are reused). */
#ifndef AUS_KEYS_MAX
#define AUS_KEYS_MAX 48
#endif

#define AUS_KEY_ID_MASTER_LAST 0x007Fu
#define AUS_KEY_ID_SESSION_FIRST 0x0080u
#define AUS_KEY_ID_SESSION_LAST 0x7FFFu
#define AUS_KEY_ID_LT_FIRST 0x8000u
#define AUS_KEY_ID_EK 0x0100u
#define AUS_KEY_ID_AK 0x0101u

#define AUS_KEY_SYM_BYTES 32   /* master and session keys: AES-256 */
#define AUS_KEY_MAX_BYTES 4032 /* the largest secret (ML-DSA-65 sk) */
#define AUS_KEK_BYTES 32       /* device key-encryption key */

typedef enum aus_key_state {
    AUS_KEY_PREACTIVE = 0,
    AUS_KEY_ACTIVE = 1,
    AUS_KEY_DEACTIVATED = 2,
    AUS_KEY_DESTROYED = 3,
    AUS_KEY_CORRUPTED = 4,
} aus_key_state;

typedef enum aus_key_type {
    AUS_KEY_T_MASTER = 1,      /* AES-256, 32 bytes */
    AUS_KEY_T_SESSION = 2,     /* AES-256, 32 bytes */
    AUS_KEY_T_MLKEM768_DK = 3, /* own decapsulation key, 2400 bytes (contains the ek) */
    AUS_KEY_T_MLKEM768_EK = 4, /* encapsulation key, 1184 bytes */
    AUS_KEY_T_MLDSA65_SK = 5,  /* own signing key, 4032 bytes */
    AUS_KEY_T_MLDSA65_VK = 6,  /* verification key, 1952 bytes */
} aus_key_type;

typedef enum aus_key_use {
    AUS_KEY_USE_WRAP = 1,
    AUS_KEY_USE_SEND = 2,
    AUS_KEY_USE_RECV = 3,
    AUS_KEY_USE_VERIFY = 4,
    AUS_KEY_USE_PRIVATE = 5,
    AUS_KEY_USE_PUBLIC = 6,
    AUS_KEY_USE_EXPORT = 7,
} aus_key_use;

/* Metadata of one key (never the secret). Times are the caller's clock (seconds); 0 = never. */
typedef struct aus_key_info {
    uint16_t id;
    uint8_t type;  /* aus_key_type */
    uint8_t state; /* aus_key_state */
    uint16_t len;  /* secret length in bytes (always set; OTAR sets it explicitly) */
    uint64_t created;
    uint64_t activated;
    uint64_t deactivated;
    uint64_t deadline; /* DEACTIVATED: RECV allowed while now < deadline (0: not at all) */
} aus_key_info;

typedef struct aus_keys {
    const aus_store *store;
    const aus_crypto *crypto;
    char prefix[32]; /* store-key prefix, e.g. "keys/tenantA/" */
    uint8_t kek[AUS_KEK_BYTES];
    size_t n;
    aus_key_info tab[AUS_KEYS_MAX];
    /* transaction snapshot (aus_keys_begin .. commit/rollback) */
    int in_txn;
    int kck_pending; /* the KEK check record is written with the next record (keystore.c) */
    size_t snap_n;
    aus_key_info snap[AUS_KEYS_MAX];
    /* scratch for one record (header 40 + wrapped secret); wiped after each use */
    uint8_t buf[40 + AUS_KEY_MAX_BYTES + 64];
} aus_keys;

/* Expected secret length for a type (0 for an unknown type). */
size_t aus_key_type_len(aus_key_type t);
const char *aus_key_type_name(aus_key_type t);
const char *aus_key_state_name(aus_key_state s);

/* Open: check the KEK, then load every record under prefix. A record that fails to parse is
 * kept as CORRUPTED. The KEK is checked against the record "<prefix>kck" (HKDF-SHA-256 of the KEK
 * and the prefix, docs/keys.md); a keystore written before that record existed must unwrap its
 * first live key under the KEK instead, and gets the record with its next write.
 * Errors: AUS_E_AUTH (the KEK is not this keystore's: nothing is loaded), AUS_E_ARG (kek length
 * != 32, prefix too long), AUS_E_FULL (more than AUS_KEYS_MAX records), store errors. */
AUS_MUST_USE aus_err aus_keys_open(aus_keys *ks, const aus_store *store, const aus_crypto *crypto,
                                   const uint8_t *kek, size_t keklen, const char *prefix);
/* Wipe the KEK and the table. */
void aus_keys_close(aus_keys *ks);

/* Provision a key (ground tool, pre-launch install, OTAR, rekey). state must be PREACTIVE or
 * ACTIVE (ACTIVE is for master keys, long-term keys and pairs installed by the PQ rekey; keys
 * uploaded by OTAR are PREACTIVE until their activation PDU).
 * Errors: AUS_E_ARG (id outside the type's range, len != the type's length, bad state),
 * AUS_E_KEY_STATE (id present and not DESTROYED), AUS_E_FULL, store errors. */
AUS_MUST_USE aus_err aus_keys_install(aus_keys *ks, uint16_t id, aus_key_type type,
                                      aus_key_state state, const uint8_t *secret, size_t len,
                                      uint64_t now);
/* Transitions. Errors: AUS_E_KEY (unknown id), AUS_E_POLICY (master key), AUS_E_KEY_STATE
 * (transition not in the table), store errors (nothing changed). */
AUS_MUST_USE aus_err aus_keys_activate(aus_keys *ks, uint16_t id, uint64_t now);
AUS_MUST_USE aus_err aus_keys_deactivate(aus_keys *ks, uint16_t id, uint64_t now,
                                         uint64_t deadline);
AUS_MUST_USE aus_err aus_keys_destroy(aus_keys *ks, uint16_t id, uint64_t now);
/* Mark a key CORRUPTED (any state but DESTROYED). Errors: AUS_E_KEY, AUS_E_KEY_STATE, store. */
AUS_MUST_USE aus_err aus_keys_corrupt(aus_keys *ks, uint16_t id, uint64_t now);

/* Release a secret for one use (see the table above) into out (cap >= the key's length).
 * Errors: AUS_E_KEY (unknown id), AUS_E_POLICY (type not allowed for the use: e.g. a master
 * key for traffic), AUS_E_KEY_STATE (state not allowed, deadline passed, corrupted),
 * AUS_E_NOBUFS, AUS_E_AUTH (record fails its integrity check: the key is then CORRUPTED in
 * RAM), store errors. out is wiped on every error. */
AUS_MUST_USE aus_err aus_keys_get(aus_keys *ks, uint16_t id, aus_key_use use, uint64_t now,
                                  uint8_t *out, size_t cap, size_t *len);

/* Compare secret (len bytes) with the stored secret of master or session key id in constant
 * time, without releasing it: *same = 1 if equal. Any state but DESTROYED / CORRUPTED.
 * Errors: AUS_E_KEY, AUS_E_POLICY (not a symmetric key), AUS_E_KEY_STATE, AUS_E_AUTH (record
 * fails its integrity check), store errors; *same = 0 on every error. */
AUS_MUST_USE aus_err aus_keys_match(aus_keys *ks, uint16_t id, const uint8_t *secret, size_t len,
                                    int *same);

/* Metadata. Errors: AUS_E_KEY. */
AUS_MUST_USE aus_err aus_keys_info(const aus_keys *ks, uint16_t id, aus_key_info *info);
/* Keys in ascending id order: the i-th (0-based) present key. AUS_E_NOTFOUND past the end. */
AUS_MUST_USE aus_err aus_keys_at(const aus_keys *ks, size_t i, aus_key_info *info);
size_t aus_keys_count(const aus_keys *ks);
/* Smallest id in [lo, hi] that is absent or DESTROYED. Errors: AUS_E_ARG, AUS_E_FULL. */
AUS_MUST_USE aus_err aus_keys_free_id(const aus_keys *ks, uint16_t lo, uint16_t hi, uint16_t *id);

/* Group several changes atomically (store transaction + RAM snapshot). Errors: AUS_E_STATE
 * (already in one), store errors. commit failure rolls back (RAM restored) and returns it. */
AUS_MUST_USE aus_err aus_keys_begin(aus_keys *ks);
AUS_MUST_USE aus_err aus_keys_commit(aus_keys *ks);
void aus_keys_rollback(aus_keys *ks);

#ifdef __cplusplus
}
#endif
#endif
