/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS Extended Procedures: the board-side handler (CCSDS 355.1 service groups 00, 01, 11).
 *
 * Each command is decoded strictly, checked against the key and SA rules, then applied inside
 * one store transaction (keystore snapshot + SA snapshot/restore around it): either every
 * change of the PDU lands durably or none does. A refused PDU changes nothing except the RAM
 * security log; it is answered with an Australis refusal reply (sdls_ep.h).
 *
 * Rules enforced here beyond the keystore's state machine:
 *   - master keys (id <= 0x7F) are never addressed by activate/deactivate/destroy/verify
 *     (355.1 key management, as CryptoLib) -> AUS_E_POLICY;
 *   - OTAR: the master key must be ACTIVE (as CryptoLib), the tag must verify,
 *     every uploaded id must be a session id that is absent or DESTROYED, its length is set to
 *     32 explicitly, and the IV must be above the last OTAR IV of that master key (replay);
 *     the OTAR carrying that last IV is answered success again, writing nothing, while its
 *     keys are installed as it says (otar_installed: its answer may have been lost in a crash);
 *   - key verification answers only for ACTIVE session keys, with reply IVs from a durable
 *     counter (CryptoLib reuses IV 0..01 for every reply: GCM nonce reuse, not copied);
 *   - SA procedures may not address the SA that carried the PDU (CryptoLib
 *     CRYPTO_LIB_ERR_SDLS_EP_WRONG_SPI), and SA rekey binds only an ACTIVE session key.
 */
#include <string.h>

#include "australis/base.h"
#include "australis/sdls_ep.h"

/* Replies are written through the cursor (aus_wr over the board's scratch), so no procedure
 * can write past it whatever its counts: an overflow would be a sticky AUS_E_NOBUFS, never a
 * stray store. The sizes below are the largest data field each procedure writes; the asserts
 * tie them to AUS_EP_REPLY_MAX so that the writer error cannot happen for a decoded command
 * (every count is bounded by the decoder: AUS_EP_MAX_KEYS, AUS_EP_INV_MAX, AUS_EP_LOG_MAX). */
#define EP_REPLY_HDR 3u /* tag(1) | data length in bits(2), CCSDS 355.1-B-1 §3.4 */
#define EP_REPLY_DATA_MAX (AUS_EP_REPLY_MAX - EP_REPLY_HDR)
#define EP_VERIFY_BLOCK (2u + AUS_EP_IV_BYTES + AUS_EP_CHALLENGE_BYTES + AUS_EP_MAC_BYTES)
_Static_assert(sizeof(((aus_ep_board *)0)->scratch) >= EP_REPLY_DATA_MAX, "scratch");
_Static_assert(AUS_EP_MAX_KEYS *EP_VERIFY_BLOCK <= EP_REPLY_DATA_MAX, "key verification reply");
_Static_assert(2u + AUS_EP_INV_MAX * 3u <= EP_REPLY_DATA_MAX, "key inventory reply");
_Static_assert(2u + AUS_EP_FIELD_MAX <= EP_REPLY_DATA_MAX, "SA read ARSN reply");
_Static_assert(AUS_EP_LOG_MAX *AUS_EP_LOG_ENTRY <= EP_REPLY_DATA_MAX, "dump log reply");
_Static_assert(AUS_EP_LOG_ENTRY == 1u + 2u + 4u, "log entry: tag(1) length(2) value(4)");
_Static_assert(AUS_EP_LOG_MAX <= 0xFFFFu && AUS_EP_INV_MAX <= 0xFFFFu, "16-bit counts");

aus_err aus_ep_board_init(aus_ep_board *b, aus_keys *keys, const aus_crypto *crypto,
                          const aus_ep_sa_ops *sa, void *sa_self, const char *prefix)
{
    AUS_ENSURE(b && keys && crypto && prefix, AUS_E_ARG);
    size_t pl = strlen(prefix);
    AUS_ENSURE(pl + 12 < sizeof b->prefix, AUS_E_ARG);
    memset(b, 0, sizeof *b);
    b->keys = keys;
    b->crypto = crypto;
    b->sa = sa;
    b->sa_self = sa_self;
    memcpy(b->prefix, prefix, pl + 1);
    char key[AUS_STORE_KEY_MAX];
    memcpy(key, prefix, pl);
    memcpy(key + pl, "kviv", 5);
    /* 64-bit counter in a 12-octet IV: 4 zero octets | counter (NIST SP 800-38D §8.2.1). */
    return aus_ctr_open(&b->verify_iv, keys->store, key, UINT64_MAX - 1, 64);
}

static void log_event(aus_ep_board *b, uint8_t tag, uint8_t v0, uint8_t v1, uint16_t v23)
{
    if (b->nlog == AUS_EP_LOG_MAX) { /* full: the oldest entry gives way */
        memmove(&b->log[0], &b->log[1], (AUS_EP_LOG_MAX - 1) * sizeof b->log[0]);
        b->nlog--;
    }
    aus_ep_log_entry *e = &b->log[b->nlog++];
    e->tag = tag;
    e->value[0] = v0;
    e->value[1] = v1;
    e->value[2] = (uint8_t)(v23 >> 8);
    e->value[3] = (uint8_t)v23;
}

/* ---- transactions ---- */

static aus_err txn_begin(aus_ep_board *b)
{
    AUS_TRY(aus_keys_begin(b->keys));
    if (b->sa && b->sa->snapshot)
        b->sa->snapshot(b->sa_self);
    return AUS_OK;
}

/* Finish: commit if e is OK (persisting the SA table first), else roll everything back. */
static aus_err txn_end(aus_ep_board *b, aus_err e, int sa_changed)
{
    if (e == AUS_OK && sa_changed && b->sa && b->sa->persist)
        e = b->sa->persist(b->sa_self);
    if (e == AUS_OK)
        e = aus_keys_commit(b->keys); /* a failed commit rolls the keystore back itself */
    else
        aus_keys_rollback(b->keys);
    if (e != AUS_OK && b->sa && b->sa->restore)
        b->sa->restore(b->sa_self);
    return e;
}

/* ---- key management ---- */

/* *again = 1 when iv is the last accepted OTAR IV of mkid (a candidate for the re-answer). */
static aus_err otar_iv_check(aus_ep_board *b, uint16_t mkid, const uint8_t *iv, char *name,
                             int *again)
{
    size_t pl = strlen(b->prefix);
    memcpy(name, b->prefix, pl);
    memcpy(name + pl, "otar/", 5);
    aus_hex_put(name + pl + 5, mkid, 2);
    name[pl + 7] = '\0';
    uint8_t last[AUS_EP_IV_BYTES];
    size_t n = 0;
    *again = 0;
    const aus_store *s = b->keys->store;
    aus_err e = s->ops->get(s->self, name, last, sizeof last, &n);
    if (e == AUS_E_NOTFOUND)
        return AUS_OK;
    AUS_TRY(e);
    AUS_ENSURE(n == AUS_EP_IV_BYTES, AUS_E_MALFORMED);
    /* The IV must strictly increase; the last one is only ever answered again
     * (otar_installed), never applied twice. One rule for IV / key bytes: constant time. */
    int c = aus_ct_cmp(iv, last, AUS_EP_IV_BYTES);
    AUS_ENSURE(c >= 0, AUS_E_REPLAY);
    *again = c == 0;
    return AUS_OK;
}

/* The OTAR with the last accepted IV, authenticated again: it is answered success (nothing
 * written) only if every block is installed as it says: a session key, PREACTIVE (as the OTAR
 * left it) or ACTIVE (activated since), whose secret equals the block's (constant-time compare
 * inside the keystore). The case: the board committed the keys, then the caller's record of its
 * answer was lost in a crash, and the re-read PDU must not be answered "replayed" for keys the
 * board holds. Anything else with that IV (a key since deactivated, destroyed or different) is a
 * replay. */
static aus_err otar_installed(aus_ep_board *b, const uint8_t *pt, size_t n)
{
    int all = 1;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *blk = pt + i * AUS_EP_OTAR_BLOCK;
        uint16_t id = (uint16_t)(blk[0] << 8 | blk[1]);
        aus_key_info k;
        int same = 0;
        if (aus_keys_info(b->keys, id, &k) != AUS_OK || k.type != AUS_KEY_T_SESSION ||
            (k.state != AUS_KEY_PREACTIVE && k.state != AUS_KEY_ACTIVE)) {
            all = 0;
            continue;
        }
        aus_err e = aus_keys_match(b->keys, id, blk + 2, AUS_KEY_SYM_BYTES, &same);
        if (e != AUS_OK && e != AUS_E_AUTH)
            return e; /* store error: not a verdict on the PDU */
        all &= same;
    }
    AUS_ENSURE(all, AUS_E_REPLAY);
    b->otar_again++;
    return AUS_OK;
}

static aus_err otar_blocks_ok(aus_ep_board *b, const uint8_t *pt, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t id = (uint16_t)(pt[i * AUS_EP_OTAR_BLOCK] << 8 | pt[i * AUS_EP_OTAR_BLOCK + 1]);
        /* As CryptoLib: uploaded keys are session keys (id >= 128, docs/keys.md §1). */
        AUS_ENSURE(id >= AUS_KEY_ID_SESSION_FIRST && id <= AUS_KEY_ID_SESSION_LAST, AUS_E_POLICY);
        for (size_t j = 0; j < i; j++)
            AUS_ENSURE(pt[j * AUS_EP_OTAR_BLOCK] != pt[i * AUS_EP_OTAR_BLOCK] ||
                           pt[j * AUS_EP_OTAR_BLOCK + 1] != pt[i * AUS_EP_OTAR_BLOCK + 1],
                       AUS_E_MALFORMED);
        aus_key_info k;
        if (aus_keys_info(b->keys, id, &k) == AUS_OK)
            AUS_ENSURE(k.state == AUS_KEY_DESTROYED, AUS_E_KEY_STATE);
    }
    return AUS_OK;
}

static aus_err do_otar(aus_ep_board *b, const aus_ep_cmd *c, uint64_t now)
{
    uint8_t mk[AUS_KEY_SYM_BYTES], pt[AUS_EP_MAX_KEYS * AUS_EP_OTAR_BLOCK];
    char name[AUS_STORE_KEY_MAX];
    size_t mklen = 0, n = c->u.otar.nkeys;
    int again = 0;
    AUS_ENSURE(c->u.otar.mkid <= AUS_KEY_ID_MASTER_LAST, AUS_E_POLICY);
    AUS_TRY(otar_iv_check(b, c->u.otar.mkid, c->u.otar.iv, name, &again));
    AUS_TRY(aus_keys_get(b->keys, c->u.otar.mkid, AUS_KEY_USE_WRAP, now, mk, sizeof mk, &mklen));
    /* 355.1 OTAR: AES-256-GCM, master key, IV from the PDU, no AAD, tag after the blocks */
    aus_err e = b->crypto->ops->aead_open(
        b->crypto->self, AUS_AEAD_AES256_GCM, mk, mklen, c->u.otar.iv, AUS_EP_IV_BYTES, NULL, 0,
        c->u.otar.ct, n * AUS_EP_OTAR_BLOCK, c->u.otar.mac, AUS_EP_MAC_BYTES, pt);
    aus_wipe(mk, sizeof mk);
    if (e == AUS_E_AUTH)
        log_event(b, AUS_EP_EV_OTAR_MAC, AUS_EP_OTAR, 20, c->u.otar.mkid);
    if (e == AUS_OK && again) {
        e = otar_installed(b, pt, n);
        aus_wipe(pt, sizeof pt);
        return e;
    }
    if (e == AUS_OK)
        e = otar_blocks_ok(b, pt, n);
    if (e == AUS_OK)
        e = txn_begin(b);
    if (e == AUS_OK) {
        const aus_store *s = b->keys->store;
        aus_err t = s->ops->put(s->self, name, c->u.otar.iv, AUS_EP_IV_BYTES);
        for (size_t i = 0; t == AUS_OK && i < n; i++) {
            const uint8_t *blk = pt + i * AUS_EP_OTAR_BLOCK;
            uint16_t id = (uint16_t)(blk[0] << 8 | blk[1]);
            /* bug class: the length of an uploaded key is always recorded (32) */
            t = aus_keys_install(b->keys, id, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, blk + 2,
                                 AUS_KEY_SYM_BYTES, now);
        }
        e = txn_end(b, t, 0);
    }
    aus_wipe(pt, sizeof pt);
    return e;
}

static aus_err do_key_states(aus_ep_board *b, const aus_ep_cmd *c, uint64_t now)
{
    for (size_t i = 0; i < c->u.keys.n; i++)
        AUS_ENSURE(c->u.keys.ids[i] > AUS_KEY_ID_MASTER_LAST, AUS_E_POLICY);
    AUS_TRY(txn_begin(b));
    aus_err e = AUS_OK;
    for (size_t i = 0; e == AUS_OK && i < c->u.keys.n; i++) {
        uint16_t id = c->u.keys.ids[i];
        if (c->tag == AUS_EP_KEY_ACTIVATE)
            e = aus_keys_activate(b->keys, id, now);
        else if (c->tag == AUS_EP_KEY_DEACTIVATE)
            e = aus_keys_deactivate(b->keys, id, now, 0);
        else
            e = aus_keys_destroy(b->keys, id, now);
    }
    return txn_end(b, e, 0);
}

static aus_err do_verify(aus_ep_board *b, const aus_ep_cmd *c, uint64_t now, aus_wr *r)
{
    /* Pass 1: every key must be an ACTIVE session key before anything is spent. */
    for (size_t i = 0; i < c->u.verify.n; i++) {
        aus_key_info k;
        AUS_ENSURE(c->u.verify.ids[i] > AUS_KEY_ID_MASTER_LAST, AUS_E_POLICY);
        AUS_TRY(aus_keys_info(b->keys, c->u.verify.ids[i], &k));
        AUS_ENSURE(k.type == AUS_KEY_T_SESSION, AUS_E_POLICY);
        AUS_ENSURE(k.state == AUS_KEY_ACTIVE, AUS_E_KEY_STATE); /* bug class */
    }
    aus_err e = AUS_OK;
    for (size_t i = 0; e == AUS_OK && i < c->u.verify.n; i++) {
        uint8_t key[AUS_KEY_SYM_BYTES], iv[AUS_EP_IV_BYTES];
        size_t kl = 0;
        uint64_t ctr = 0;
        e = aus_keys_get(b->keys, c->u.verify.ids[i], AUS_KEY_USE_VERIFY, now, key, sizeof key,
                         &kl);
        if (e == AUS_OK)
            e = aus_ctr_take(&b->verify_iv, b->keys->store, &ctr);
        if (e == AUS_OK) {
            memset(iv, 0, 4);
            for (int j = 0; j < 8; j++)
                iv[4 + j] = (uint8_t)(ctr >> (56 - 8 * j));
            aus_wr_be16(r, c->u.verify.ids[i]);
            aus_wr_bytes(r, iv, sizeof iv);
            uint8_t *blk = aus_wr_reserve(r, AUS_EP_CHALLENGE_BYTES + AUS_EP_MAC_BYTES);
            e = blk ? aus_ep_verify_block(b->crypto, key, iv, c->u.verify.challenge[i], blk,
                                          blk + AUS_EP_CHALLENGE_BYTES)
                    : r->err;
        }
        aus_wipe(key, sizeof key);
    }
    return e;
}

static aus_err do_inventory(aus_ep_board *b, const aus_ep_cmd *c, aus_wr *r)
{
    size_t count = 0;
    uint8_t *cnt = aus_wr_reserve(r, 2); /* the count, filled in at the end */
    aus_key_info k;
    for (size_t i = 0; aus_keys_at(b->keys, i, &k) == AUS_OK; i++) {
        if (k.id < c->u.inventory.first || k.id > c->u.inventory.last)
            continue;
        AUS_ENSURE(count < AUS_EP_INV_MAX, AUS_E_LIMIT);
        aus_wr_be16(r, k.id);
        aus_wr_u8(r, k.state);
        count++;
    }
    AUS_TRY(r->err);
    cnt[0] = (uint8_t)(count >> 8);
    cnt[1] = (uint8_t)count;
    return AUS_OK;
}

/* ---- SA management ---- */

static uint16_t cmd_spi(const aus_ep_cmd *c)
{
    switch (c->tag) {
    case AUS_EP_SA_CREATE: return c->u.create.spi;
    case AUS_EP_SA_SET_ARSN:
    case AUS_EP_SA_SET_ARSNW: return c->u.set.spi;
    case AUS_EP_SA_REKEY: return c->u.rekey.spi;
    case AUS_EP_SA_START: return c->u.start.spi;
    default: return c->u.sa.spi;
    }
}

static aus_err sa_apply(aus_ep_board *b, const aus_ep_cmd *c, uint64_t now)
{
    const aus_ep_sa_ops *o = b->sa;
    void *s = b->sa_self;
    switch (c->tag) {
    case AUS_EP_SA_CREATE: return o->create(s, &c->u.create);
    case AUS_EP_SA_DELETE: return o->del(s, c->u.sa.spi);
    case AUS_EP_SA_SET_ARSN: return o->set_arsn(s, c->u.set.spi, c->u.set.value, c->u.set.n);
    case AUS_EP_SA_SET_ARSNW: {
        uint64_t w = 0;
        for (size_t i = 0; i < c->u.set.n; i++)
            w = w << 8 | c->u.set.value[i];
        return o->set_arsnw(s, c->u.set.spi, w);
    }
    case AUS_EP_SA_REKEY: {
        aus_key_info k;
        AUS_TRY(aus_keys_info(b->keys, c->u.rekey.ekid, &k));
        AUS_ENSURE(k.type == AUS_KEY_T_SESSION, AUS_E_POLICY);
        AUS_ENSURE(k.state == AUS_KEY_ACTIVE, AUS_E_KEY_STATE);
        (void)now;
        return o->rekey(s, c->u.rekey.spi, c->u.rekey.ekid, c->u.rekey.iv, c->u.rekey.ivlen);
    }
    case AUS_EP_SA_START: return o->start(s, c->u.start.spi, c->u.start.g, c->u.start.n);
    case AUS_EP_SA_STOP: return o->stop(s, c->u.sa.spi);
    case AUS_EP_SA_EXPIRE: return o->expire(s, c->u.sa.spi);
    default: return AUS_E_INTERNAL;
    }
}

static aus_err do_sa(aus_ep_board *b, const aus_ep_cmd *c, uint16_t carrier, uint64_t now,
                     aus_wr *r)
{
    AUS_ENSURE(b->sa, AUS_E_UNSUPPORTED);
    uint16_t spi = cmd_spi(c);
    if (c->tag == AUS_EP_SA_STATUS) {
        uint8_t lpid = 0;
        AUS_TRY(b->sa->status(b->sa_self, spi, &lpid));
        aus_wr_be16(r, spi);
        aus_wr_u8(r, lpid);
        return r->err;
    }
    if (c->tag == AUS_EP_SA_READ_ARSN) {
        uint8_t arsn[AUS_EP_FIELD_MAX];
        size_t n = 0;
        AUS_TRY(b->sa->read_arsn(b->sa_self, spi, arsn, sizeof arsn, &n));
        AUS_ENSURE(n <= sizeof arsn, AUS_E_INTERNAL);
        aus_wr_be16(r, spi);
        aus_wr_bytes(r, arsn, n);
        return r->err;
    }
    /* CryptoLib CRYPTO_LIB_ERR_SDLS_EP_WRONG_SPI: an SA never manages the SA carrying it
     * (bug class: deleting / stopping the SA in use). */
    AUS_ENSURE(spi != carrier, AUS_E_SPI);
    AUS_TRY(txn_begin(b));
    return txn_end(b, sa_apply(b, c, now), 1);
}

/* ---- monitoring and control ---- */

/* Self-test KAT: ../shared/vectors/sdls/ep_cryptolib.json ep.KEY_VERIFY_132_134, key 132. */
static int self_test(aus_ep_board *b)
{
    static const uint8_t key[32] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                    0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89,
                                    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                    0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89};
    static const uint8_t iv[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t ch[16] = {0x71, 0xfc, 0x3a, 0xd5, 0xb1, 0xc3, 0x6a, 0xd5,
                                   0x6b, 0xd5, 0xa5, 0x43, 0x23, 0x15, 0xcd, 0xab};
    static const uint8_t want[32] = {0xd8, 0xea, 0xa7, 0x95, 0xaf, 0xfa, 0xa0, 0xe9,
                                     0x51, 0xbb, 0x6c, 0xf0, 0x11, 0x61, 0x92, 0xe1,
                                     0x6b, 0x19, 0x77, 0xd6, 0x72, 0x3e, 0x92, 0xe0,
                                     0x11, 0x23, 0xcc, 0xef, 0x54, 0x8e, 0x28, 0x85};
    uint8_t got[32];
    if (aus_ep_verify_block(b->crypto, key, iv, ch, got, got + 16) != AUS_OK)
        return 0;
    if (!aus_ct_eq(got, want, sizeof want))
        return 0;
    /* no live key may have failed its integrity check */
    aus_key_info k;
    for (size_t i = 0; aus_keys_at(b->keys, i, &k) == AUS_OK; i++) {
        if (k.state == AUS_KEY_DESTROYED)
            continue;
        if (k.state == AUS_KEY_CORRUPTED)
            return 0;
    }
    return 1;
}

static aus_err do_mc(aus_ep_board *b, const aus_ep_cmd *c, aus_wr *r)
{
    switch (c->tag) {
    case AUS_EP_MC_PING: return AUS_OK;
    case AUS_EP_MC_ERASE_LOG:
    case AUS_EP_MC_LOG_STATUS:
        if (c->tag == AUS_EP_MC_ERASE_LOG)
            b->nlog = 0; /* then answer with the log status after the erase */
        aus_wr_be16(r, (uint16_t)b->nlog);
        aus_wr_be16(r, (uint16_t)(AUS_EP_LOG_MAX - b->nlog));
        return r->err;
    case AUS_EP_MC_DUMP_LOG:
        /* docs/keys.md §2: n x [tag(1) length(2) value(4)] */
        for (size_t i = 0; i < b->nlog; i++) {
            aus_wr_u8(r, b->log[i].tag);
            aus_wr_be16(r, (uint16_t)sizeof b->log[i].value);
            aus_wr_bytes(r, b->log[i].value, sizeof b->log[i].value);
        }
        return r->err;
    case AUS_EP_MC_SELF_TEST: aus_wr_u8(r, self_test(b) ? 0x00 : 0xFF); return r->err;
    case AUS_EP_MC_ALARM_RESET:
        if (b->sa && b->sa->alarm_reset)
            b->sa->alarm_reset(b->sa_self);
        return AUS_OK;
    default: return AUS_E_UNSUPPORTED;
    }
}

static aus_err dispatch(aus_ep_board *b, const aus_ep_cmd *c, uint16_t carrier, uint64_t now,
                        aus_wr *r)
{
    switch (c->tag >> 4) {
    case 0:
        switch (c->tag) {
        case AUS_EP_OTAR: return do_otar(b, c, now);
        case AUS_EP_KEY_VERIFY: return do_verify(b, c, now, r);
        case AUS_EP_KEY_INVENTORY: return do_inventory(b, c, r);
        default: return do_key_states(b, c, now);
        }
    case 1: return do_sa(b, c, carrier, now, r);
    default: return do_mc(b, c, r);
    }
}

static uint16_t first_id(const aus_ep_cmd *c)
{
    switch (c->tag >> 4) {
    case 0:
        if (c->tag == AUS_EP_OTAR)
            return c->u.otar.mkid;
        if (c->tag == AUS_EP_KEY_VERIFY)
            return c->u.verify.ids[0];
        if (c->tag == AUS_EP_KEY_INVENTORY)
            return c->u.inventory.first;
        return c->u.keys.ids[0];
    case 1: return cmd_spi(c);
    default: return 0;
    }
}

aus_err aus_ep_handle(aus_ep_board *b, const uint8_t *pdu, size_t len, uint16_t carrier_spi,
                      uint64_t now, uint8_t *reply, size_t cap, size_t *reply_len)
{
    AUS_ENSURE(b && reply && reply_len && (pdu || len == 0), AUS_E_ARG);
    *reply_len = 0;
    AUS_ENSURE(cap >= AUS_EP_REPLY_MAX, AUS_E_NOBUFS);
    aus_wr rb;
    aus_wr_init(&rb, b->scratch, EP_REPLY_DATA_MAX);
    aus_ep_cmd c;
    aus_err e = aus_ep_cmd_decode(&c, pdu, len);
    uint8_t tag = len > 0 ? (uint8_t)(pdu[0] & 0x3Fu) : 0;
    if (e == AUS_OK)
        e = dispatch(b, &c, carrier_spi, now, &rb);
    if (e == AUS_OK)
        e = rb.err; /* cannot happen by the asserts above; refused rather than truncated */
    int n;
    if (e == AUS_OK) {
        b->executed++;
        if (c.tag >> 4 == 1 && c.tag != AUS_EP_SA_STATUS && c.tag != AUS_EP_SA_READ_ARSN)
            log_event(b, AUS_EP_EV_DONE, c.tag, 0, cmd_spi(&c));
        n = aus_ep_reply_encode(c.tag, b->scratch, aus_wr_len(&rb), reply, cap);
    } else {
        b->refused++;
        log_event(b, AUS_EP_EV_REFUSED, tag, (uint8_t)(-(int)e), c.tag ? first_id(&c) : 0);
        uint8_t code = (uint8_t)(-(int)e);
        n = aus_ep_reply_encode((uint8_t)(tag | AUS_EP_USER), &code, 1, reply, cap);
    }
    aus_wipe(b->scratch, aus_wr_len(&rb));
    if (n > 0)
        *reply_len = (size_t)n;
    return e;
}
