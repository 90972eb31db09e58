/* SPDX-License-Identifier: Apache-2.0 */
/* The durable store (DESIGN.md §2): a const ops table over a key/value store.
 *
 * Keys are short printable strings ("ctr/bpsec/ipn:2.1/1"), values opaque bytes. A put is
 * durable when it returns (outside a transaction) or when commit returns (inside one).
 * The POSIX backend is SQLite (WAL, synchronous=FULL): port/posix/store_sqlite.c.
 * Tests use the in-memory backend in tests/support, which can fail on command.
 *
 * Built on it here: counters reserved in blocks before use (IVs, sequence numbers), and the
 * sliding anti-replay window, both shared by BPSec and SDLS.
 */
#ifndef AUSTRALIS_STORE_H
#define AUSTRALIS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "australis/config.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_STORE_KEY_MAX 96

typedef struct aus_store_ops {
    /* AUS_E_NOTFOUND if absent; AUS_E_NOBUFS if cap is too small (*len gets the size). */
    aus_err (*get)(void *self, const char *key, uint8_t *val, size_t cap, size_t *len);
    aus_err (*put)(void *self, const char *key, const uint8_t *val, size_t len);
    aus_err (*del)(void *self, const char *key); /* AUS_OK also when absent */
    /* Smallest key > after (after may be "") that starts with prefix; AUS_E_NOTFOUND at end. */
    aus_err (*next)(void *self, const char *prefix, const char *after, char *key, size_t keycap);
    aus_err (*begin)(void *self);
    aus_err (*commit)(void *self);
    aus_err (*rollback)(void *self);
} aus_store_ops;

typedef struct aus_store {
    const aus_store_ops *ops;
    void *self;
} aus_store;

/* Convenience: 64-bit big-endian values. */
AUS_MUST_USE aus_err aus_store_get_u64(const aus_store *s, const char *key, uint64_t *v);
AUS_MUST_USE aus_err aus_store_put_u64(const aus_store *s, const char *key, uint64_t v);

/* Transactions for helpers that may run inside or outside the caller's transaction: enter
 * opens one when none is open (*own = 1) and otherwise joins the caller's (*own = 0; a store's
 * begin answers AUS_E_STATE when one is open); leave commits or rolls back only its own and
 * returns e (or the commit's error). */
AUS_MUST_USE aus_err aus_store_txn_enter(const aus_store *s, int *own);
AUS_MUST_USE aus_err aus_store_txn_leave(const aus_store *s, int own, aus_err e);

/* ---- counters reserved before use ----
 * The store holds the exclusive upper bound of values that may have been handed out. On open
 * the counter restarts at that bound, so after a crash at any point no value is ever repeated
 * (at most one block is skipped). NIST SP 800-38D §8.2.1 deterministic IVs are built from it.
 * Every reservation is a compare-and-advance (DESIGN.md §5): it re-reads the stored bound in
 * the same write transaction that advances it, so a second writer (which the store's owner
 * lock already excludes) could never receive an overlapping range either. A reservation made
 * inside the caller's transaction is re-checked on every take until a later take sees it
 * committed; if the caller rolled back, a fresh bound above every value handed out is written. */
typedef struct aus_ctr {
    char key[AUS_STORE_KEY_MAX];
    uint64_t next;     /* next value to hand out */
    uint64_t limit;    /* values < limit are covered by a durable reservation */
    uint64_t max;      /* last usable value; beyond it AUS_E_LIMIT (rotate the key) */
    uint32_t block;    /* reservation block size */
    uint8_t tentative; /* last reservation made inside a caller's transaction: re-check it */
} aus_ctr;

/* Errors: AUS_E_ARG (key too long), store errors. First value handed out is 1. */
AUS_MUST_USE aus_err aus_ctr_open(aus_ctr *c, const aus_store *s, const char *key, uint64_t max,
                                  uint32_t block);
/* Errors: AUS_E_LIMIT (exhausted), AUS_E_IO / store errors (nothing handed out). */
AUS_MUST_USE aus_err aus_ctr_take(aus_ctr *c, const aus_store *s, uint64_t *out);

/* ---- sliding anti-replay window ----
 * Accepts each sequence number at most once; numbers more than `size` below the highest seen
 * are too old. Check first (before spending effort), mark only after authentication passes. */
#define AUS_REPLAY_MAX_WINDOW 1024
typedef struct aus_replay {
    uint64_t top; /* highest accepted; 0 = none yet */
    uint32_t size;
    uint64_t bits[AUS_REPLAY_MAX_WINDOW / 64]; /* bit i: top - i accepted */
} aus_replay;

/* Errors: AUS_E_ARG (size 0 or > AUS_REPLAY_MAX_WINDOW). */
AUS_MUST_USE aus_err aus_replay_init(aus_replay *w, uint32_t size);
/* AUS_OK if seq would be accepted; AUS_E_REPLAY if seen or too old (seq 0 is never valid). */
AUS_MUST_USE aus_err aus_replay_check(const aus_replay *w, uint64_t seq);
/* Check and record. */
AUS_MUST_USE aus_err aus_replay_accept(aus_replay *w, uint64_t seq);
/* Serialized form for the store: 8 (top) + 4 (size) + size/8 rounded up to 8 bytes. */
size_t aus_replay_encoded_len(const aus_replay *w);
AUS_MUST_USE aus_err aus_replay_encode(const aus_replay *w, uint8_t *out, size_t cap, size_t *len);
/* Errors: AUS_E_MALFORMED, AUS_E_TRUNC. */
AUS_MUST_USE aus_err aus_replay_decode(aus_replay *w, const uint8_t *in, size_t len);
/* Persist / restore under a store key. */
AUS_MUST_USE aus_err aus_replay_save(const aus_replay *w, const aus_store *s, const char *key);
/* Missing key: a fresh window of `size`. */
AUS_MUST_USE aus_err aus_replay_load(aus_replay *w, const aus_store *s, const char *key,
                                     uint32_t size);

/* ---- store keys (docs/store.md): the one way src/ and apps/ build them ----
 * A key grows by appending and never exceeds AUS_STORE_KEY_MAX - 1 bytes (what does not fit
 * is dropped; s stays terminated); a layer's key functions name each key in one place. */
typedef struct aus_key {
    char s[AUS_STORE_KEY_MAX];
    size_t n;
} aus_key;
/* k = text (a prefix such as "ag/"); returns k->s. */
const char *aus_key_init(aus_key *k, const char *text);
/* Appends n bytes of p, text (up to its NUL), or v as `digits` (1..16) lowercase hex digits. */
void aus_key_add(aus_key *k, const void *p, size_t n);
void aus_key_str(aus_key *k, const char *text);
void aus_key_hex(aus_key *k, uint64_t v, unsigned digits);

#ifdef __cplusplus
}
#endif
#endif
