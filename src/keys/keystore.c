/* SPDX-License-Identifier: Apache-2.0 */
/* Keystore: durable, wrapped-at-rest keys with CCSDS 355.1 key states.
 *
 * States and transitions (see include/australis/keys.h for the full table):
 *   (absent|DESTROYED) --install--> PREACTIVE (ACTIVE for master / rekey-installed keys)
 *   PREACTIVE --activate--> ACTIVE --deactivate--> DEACTIVATED --destroy--> DESTROYED
 *   PREACTIVE --destroy--> DESTROYED;  any but DESTROYED --corrupt--> CORRUPTED
 *
 * Record layout under "<prefix>k/<id as 4 hex digits>" (one put per change, so each change is
 * atomic on its own; aus_keys_begin/commit group several):
 *   ver(1)=1 | type(1) | state(1) | rsv(1)=0 | len(2) | created(8) | activated(8) |
 *   deactivated(8) | deadline(8) | wlen(2) | wrapped(wlen)   (wlen = len + 8 per 1 KiB chunk, or 0
 * once DESTROYED: the secret is erased from the store together with the state change).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/keys.h"

#define REC_HDR 40

size_t aus_key_type_len(aus_key_type t)
{
    switch (t) {
    case AUS_KEY_T_MASTER:
    case AUS_KEY_T_SESSION: return AUS_KEY_SYM_BYTES;
    case AUS_KEY_T_MLKEM768_DK: return 2400;
    case AUS_KEY_T_MLKEM768_EK: return 1184;
    case AUS_KEY_T_MLDSA65_SK: return 4032;
    case AUS_KEY_T_MLDSA65_VK: return 1952;
    default: return 0;
    }
}

const char *aus_key_type_name(aus_key_type t)
{
    switch (t) {
    case AUS_KEY_T_MASTER: return "master";
    case AUS_KEY_T_SESSION: return "session";
    case AUS_KEY_T_MLKEM768_DK: return "mlkem768-dk";
    case AUS_KEY_T_MLKEM768_EK: return "mlkem768-ek";
    case AUS_KEY_T_MLDSA65_SK: return "mldsa65-sk";
    case AUS_KEY_T_MLDSA65_VK: return "mldsa65-vk";
    default: return "unknown";
    }
}

const char *aus_key_state_name(aus_key_state s)
{
    static const char *const names[] = {"pre-active", "active", "deactivated", "destroyed",
                                        "corrupted"};
    return (unsigned)s < AUS_ARRAY_LEN(names) ? names[s] : "unknown";
}

static int type_id_ok(aus_key_type t, uint16_t id)
{
    switch (t) {
    case AUS_KEY_T_MASTER: return id <= AUS_KEY_ID_MASTER_LAST;
    case AUS_KEY_T_SESSION: return id >= AUS_KEY_ID_SESSION_FIRST && id <= AUS_KEY_ID_SESSION_LAST;
    case AUS_KEY_T_MLKEM768_DK:
    case AUS_KEY_T_MLKEM768_EK:
    case AUS_KEY_T_MLDSA65_SK:
    case AUS_KEY_T_MLDSA65_VK: return id >= AUS_KEY_ID_LT_FIRST;
    default: return 0;
    }
}

static aus_key_info *find(aus_keys *ks, uint16_t id)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->tab[i].id == id)
            return &ks->tab[i];
    return NULL;
}

static const aus_key_info *cfind(const aus_keys *ks, uint16_t id)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->tab[i].id == id)
            return &ks->tab[i];
    return NULL;
}

static void rec_name(const aus_keys *ks, uint16_t id, char *out)
{
    size_t pl = strlen(ks->prefix);
    memcpy(out, ks->prefix, pl);
    out[pl] = 'k';
    out[pl + 1] = '/';
    aus_hex_put(out + pl + 2, id, 4);
    out[pl + 6] = '\0';
}

/* Secrets are wrapped in chunks of at most CHUNK octets (the provider's AES key wrap takes up
 * to 1 KiB), each under its own key HKDF-SHA-256(KEK, info = label | id | type | len | chunk
 * index): records cannot be swapped between ids and chunks cannot be moved within one. */
#define CHUNK 1024u

static size_t chunk_len(size_t rem)
{
    if (rem <= CHUNK)
        return rem;
    return rem - CHUNK < 16 ? CHUNK - 16 : CHUNK; /* keep every chunk >= 16 octets */
}

static size_t wrapped_len(size_t len)
{
    size_t n = 0;
    for (size_t rem = len; rem > 0; rem -= chunk_len(rem))
        n += chunk_len(rem) + 8;
    return n;
}

static aus_err wrap_key(const aus_keys *ks, const aus_key_info *k, uint8_t idx, uint8_t out[32])
{
    static const char label[] = "australis keystore v1";
    uint8_t info[sizeof label - 1 + 6];
    memcpy(info, label, sizeof label - 1);
    uint8_t *p = info + sizeof label - 1;
    p[0] = (uint8_t)(k->id >> 8);
    p[1] = (uint8_t)k->id;
    p[2] = k->type;
    p[3] = (uint8_t)(k->len >> 8);
    p[4] = (uint8_t)k->len;
    p[5] = idx;
    return ks->crypto->ops->hkdf(ks->crypto->self, AUS_HASH_SHA256, NULL, 0, ks->kek,
                                 sizeof ks->kek, info, sizeof info, out, 32);
}

/* Wrap (dir 1: in = secret, out = wrapped) or unwrap (dir 0: in = wrapped, out = secret). */
static aus_err wrap_all(const aus_keys *ks, const aus_key_info *k, int dir, const uint8_t *in,
                        uint8_t *out)
{
    uint8_t wk[32];
    aus_err e = AUS_OK;
    size_t rem = k->len, pi = 0, wi = 0;
    for (uint8_t idx = 0; e == AUS_OK && rem > 0; idx++) {
        size_t c = chunk_len(rem);
        e = wrap_key(ks, k, idx, wk);
        if (e == AUS_OK && dir)
            e = ks->crypto->ops->key_wrap(ks->crypto->self, wk, sizeof wk, in + pi, c, out + wi);
        else if (e == AUS_OK)
            e = ks->crypto->ops->key_unwrap(ks->crypto->self, wk, sizeof wk, in + wi, c + 8,
                                            out + pi);
        pi += c;
        wi += c + 8;
        rem -= c;
    }
    aus_wipe(wk, sizeof wk);
    return e;
}

static void enc_hdr(aus_wr *w, const aus_key_info *k, size_t wlen)
{
    aus_wr_u8(w, 1);
    aus_wr_u8(w, k->type);
    aus_wr_u8(w, k->state);
    aus_wr_u8(w, 0);
    aus_wr_be16(w, k->len);
    aus_wr_be64(w, k->created);
    aus_wr_be64(w, k->activated);
    aus_wr_be64(w, k->deactivated);
    aus_wr_be64(w, k->deadline);
    aus_wr_be16(w, (uint16_t)wlen);
}

/* Write the record for k; its wrapped secret (wlen bytes) is already at ks->buf + REC_HDR. */
/* ---- the KEK check record: a keystore opened under another KEK is refused at open ----
 * "<prefix>kck" = HKDF-SHA-256(IKM = KEK, no salt, info = "australis keystore v1 kek check|" |
 * prefix), 32 octets (RFC 5869; HKDF is a PRF in its IKM, so the record tells nothing about the
 * KEK but whether a candidate is it). Without it a wrong KEK showed every key's metadata and
 * then failed each use as if the key were damaged. */
static const char kck_label[] = "australis keystore v1 kek check|";

static aus_err kck_value(const aus_keys *ks, uint8_t out[32])
{
    uint8_t info[sizeof kck_label - 1 + sizeof ks->prefix];
    size_t pl = strlen(ks->prefix);
    memcpy(info, kck_label, sizeof kck_label - 1);
    memcpy(info + sizeof kck_label - 1, ks->prefix, pl);
    return ks->crypto->ops->hkdf(ks->crypto->self, AUS_HASH_SHA256, NULL, 0, ks->kek,
                                 sizeof ks->kek, info, sizeof kck_label - 1 + pl, out, 32);
}

static void kck_name(const aus_keys *ks, char *out)
{
    size_t pl = strlen(ks->prefix);
    memcpy(out, ks->prefix, pl);
    memcpy(out + pl, "kck", 4);
}

static aus_err kck_put(aus_keys *ks)
{
    char name[AUS_STORE_KEY_MAX];
    uint8_t v[32];
    kck_name(ks, name);
    aus_err e = kck_value(ks, v);
    if (e == AUS_OK)
        e = ks->store->ops->put(ks->store->self, name, v, sizeof v);
    aus_wipe(v, sizeof v);
    if (e == AUS_OK)
        ks->kck_pending = 0;
    return e;
}

static aus_err put_rec(aus_keys *ks, const aus_key_info *k, size_t wlen)
{
    if (ks->kck_pending) /* before the record: the record is in buf */
        AUS_TRY(kck_put(ks));
    char name[AUS_STORE_KEY_MAX];
    aus_wr w;
    aus_wr_init(&w, ks->buf, REC_HDR);
    enc_hdr(&w, k, wlen);
    AUS_TRY(aus_wr_finish(&w));
    rec_name(ks, k->id, name);
    return ks->store->ops->put(ks->store->self, name, ks->buf, REC_HDR + wlen);
}

/* Read the record of id into buf; parse header into k and a view of the wrapped bytes. */
static aus_err get_rec(aus_keys *ks, uint16_t id, aus_key_info *k, const uint8_t **wrapped,
                       size_t *wlen)
{
    uint8_t *buf = ks->buf;
    size_t cap = sizeof ks->buf;
    char name[AUS_STORE_KEY_MAX];
    size_t n = 0;
    rec_name(ks, id, name);
    AUS_TRY(ks->store->ops->get(ks->store->self, name, buf, cap, &n));
    aus_rd r;
    aus_rd_init(&r, buf, n);
    uint8_t ver = aus_rd_u8(&r);
    memset(k, 0, sizeof *k);
    k->id = id;
    k->type = aus_rd_u8(&r);
    k->state = aus_rd_u8(&r);
    uint8_t rsv = aus_rd_u8(&r);
    k->len = aus_rd_be16(&r);
    k->created = aus_rd_be64(&r);
    k->activated = aus_rd_be64(&r);
    k->deactivated = aus_rd_be64(&r);
    k->deadline = aus_rd_be64(&r);
    *wlen = aus_rd_be16(&r);
    *wrapped = aus_rd_view(&r, *wlen);
    AUS_TRY(aus_rd_finish(&r));
    AUS_ENSURE(ver == 1 && rsv == 0 && k->state <= AUS_KEY_CORRUPTED, AUS_E_MALFORMED);
    AUS_ENSURE(aus_key_type_len((aus_key_type)k->type) == k->len, AUS_E_MALFORMED);
    AUS_ENSURE(type_id_ok((aus_key_type)k->type, id), AUS_E_MALFORMED);
    int destroyed = k->state == AUS_KEY_DESTROYED;
    AUS_ENSURE(destroyed ? *wlen == 0
                         : (*wlen == wrapped_len(k->len) || k->state == AUS_KEY_CORRUPTED),
               AUS_E_MALFORMED);
    return AUS_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static aus_err load_one(aus_keys *ks, const char *name)
{
    size_t pl = strlen(ks->prefix) + 2;
    AUS_ENSURE(strlen(name) == pl + 4, AUS_OK); /* foreign key under our prefix: ignore */
    unsigned id = 0;
    for (size_t i = 0; i < 4; i++) {
        int v = hexval(name[pl + i]);
        if (v < 0)
            return AUS_OK;
        id = id << 4 | (unsigned)v;
    }
    AUS_ENSURE(ks->n < AUS_KEYS_MAX, AUS_E_FULL);
    aus_key_info k;
    const uint8_t *wr = NULL;
    size_t wl = 0;
    aus_err e = get_rec(ks, (uint16_t)id, &k, &wr, &wl);
    aus_wipe(ks->buf, sizeof ks->buf);
    if (e == AUS_E_IO)
        return e;
    if (e != AUS_OK) { /* unreadable record: keep the id, refuse every use */
        memset(&k, 0, sizeof k);
        k.id = (uint16_t)id;
        k.state = AUS_KEY_CORRUPTED;
    }
    ks->tab[ks->n++] = k;
    return AUS_OK;
}

/* At open: the record says whether this KEK is the keystore's (constant-time compare). */
static aus_err kck_check(aus_keys *ks)
{
    char name[AUS_STORE_KEY_MAX];
    uint8_t want[32], got[33];
    size_t n = 0;
    kck_name(ks, name);
    aus_err e = ks->store->ops->get(ks->store->self, name, got, sizeof got, &n);
    if (e == AUS_E_NOTFOUND) {
        ks->kck_pending = 1;
        return AUS_OK;
    }
    if (e == AUS_OK)
        e = kck_value(ks, want);
    if (e == AUS_OK && (n != sizeof want || !aus_ct_eq(got, want, sizeof want)))
        e = AUS_E_AUTH;
    aus_wipe(want, sizeof want);
    aus_wipe(got, sizeof got);
    return e;
}

/* A keystore without the check record (written before it existed): one of its keys that hold
 * a wrapped secret must unwrap under this KEK (RFC 3394's integrity check). No such key: there
 * is nothing to protect yet, and the record comes with the first write. */
static aus_err legacy_check(aus_keys *ks)
{
    int tried = 0;
    for (size_t i = 0; i < ks->n; i++) {
        aus_key_info k;
        const uint8_t *wr = NULL;
        size_t wl = 0;
        uint8_t plain[AUS_KEY_MAX_BYTES];
        if (ks->tab[i].state > AUS_KEY_DEACTIVATED)
            continue;
        aus_err e = get_rec(ks, ks->tab[i].id, &k, &wr, &wl);
        if (e == AUS_OK && wl > 0 && k.len <= sizeof plain) {
            tried = 1;
            e = wrap_all(ks, &k, 0, wr, plain);
            aus_wipe(plain, sizeof plain);
            if (e == AUS_OK) {
                aus_wipe(ks->buf, sizeof ks->buf);
                return AUS_OK;
            }
        }
        aus_wipe(ks->buf, sizeof ks->buf);
        if (e == AUS_E_IO)
            return e;
    }
    return tried ? AUS_E_AUTH : AUS_OK; /* one damaged key is not a wrong KEK; none opens: it is */
}

aus_err aus_keys_open(aus_keys *ks, const aus_store *store, const aus_crypto *crypto,
                      const uint8_t *kek, size_t keklen, const char *prefix)
{
    AUS_ENSURE(ks && store && crypto && kek && prefix, AUS_E_ARG);
    size_t pl = strlen(prefix);
    AUS_ENSURE(keklen == AUS_KEK_BYTES && pl + 1 < sizeof ks->prefix, AUS_E_ARG);
    memset(ks, 0, sizeof *ks);
    ks->store = store;
    ks->crypto = crypto;
    memcpy(ks->prefix, prefix, pl + 1);
    memcpy(ks->kek, kek, keklen);
    aus_err ce = kck_check(ks);
    if (ce != AUS_OK) {
        aus_keys_close(ks);
        return ce;
    }
    char pfx[AUS_STORE_KEY_MAX], key[AUS_STORE_KEY_MAX];
    memcpy(pfx, prefix, pl);
    memcpy(pfx + pl, "k/", 3);
    key[0] = '\0';
    for (;;) {
        char after[AUS_STORE_KEY_MAX]; /* never alias the backend's input and output */
        memcpy(after, key, strlen(key) + 1);
        aus_err e = store->ops->next(store->self, pfx, after, key, sizeof key);
        if (e == AUS_E_NOTFOUND)
            break;
        if (e == AUS_OK)
            e = load_one(ks, key);
        if (e != AUS_OK) {
            aus_keys_close(ks);
            return e;
        }
    }
    if (ks->kck_pending) { /* older keystore: its first live key must unwrap under this KEK */
        aus_err e = legacy_check(ks);
        if (e != AUS_OK) {
            aus_keys_close(ks);
            return e;
        }
    }
    return AUS_OK;
}

/* A key's keyed contexts at the crypto provider live exactly as long as the key is active
 * (DESIGN.md §5): every change of a key (deactivated, destroyed, corrupted, replaced under its
 * id, rolled back, the keystore closed) retires them. Ids are per keystore and the provider
 * cannot tell which domain a user named the key in, so every domain's contexts of the id go;
 * too many only costs a key setup. */
static void retire(const aus_keys *ks, uint16_t id)
{
    aus_crypto_key_retire(ks->crypto, AUS_CRYPTO_DOMAIN_ANY, id);
}

void aus_keys_close(aus_keys *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; ks->crypto && i < ks->n && i < AUS_KEYS_MAX; i++)
        retire(ks, ks->tab[i].id);
    aus_wipe(ks, sizeof *ks);
}

/* Keep the table sorted by id so listings and inventories come out in order. */
static aus_key_info *slot_for(aus_keys *ks, uint16_t id)
{
    aus_key_info *k = find(ks, id);
    if (k)
        return k;
    if (ks->n >= AUS_KEYS_MAX)
        return NULL;
    size_t i = ks->n;
    while (i > 0 && ks->tab[i - 1].id > id) {
        ks->tab[i] = ks->tab[i - 1];
        i--;
    }
    ks->n++;
    memset(&ks->tab[i], 0, sizeof ks->tab[i]);
    ks->tab[i].id = id;
    return &ks->tab[i];
}

/* Table full: forget one DESTROYED key (its record holds no secret any more). */
static aus_err evict_destroyed(aus_keys *ks)
{
    for (size_t i = 0; i < ks->n; i++) {
        if (ks->tab[i].state != AUS_KEY_DESTROYED)
            continue;
        char name[AUS_STORE_KEY_MAX];
        rec_name(ks, ks->tab[i].id, name);
        AUS_TRY(ks->store->ops->del(ks->store->self, name));
        memmove(&ks->tab[i], &ks->tab[i + 1], (ks->n - i - 1) * sizeof ks->tab[0]);
        ks->n--;
        return AUS_OK;
    }
    return AUS_E_FULL;
}

aus_err aus_keys_install(aus_keys *ks, uint16_t id, aus_key_type type, aus_key_state state,
                         const uint8_t *secret, size_t len, uint64_t now)
{
    AUS_ENSURE(ks && secret, AUS_E_ARG);
    size_t tl = aus_key_type_len(type);
    AUS_ENSURE(tl != 0 && len == tl && type_id_ok(type, id), AUS_E_ARG);
    AUS_ENSURE(state == AUS_KEY_PREACTIVE || state == AUS_KEY_ACTIVE, AUS_E_ARG);
    const aus_key_info *old = cfind(ks, id);
    AUS_ENSURE(!old || old->state == AUS_KEY_DESTROYED, AUS_E_KEY_STATE);
    if (!old && ks->n >= AUS_KEYS_MAX)
        AUS_TRY(evict_destroyed(ks));
    aus_key_info k;
    memset(&k, 0, sizeof k);
    k.id = id;
    k.type = (uint8_t)type;
    k.state = (uint8_t)state;
    k.len = (uint16_t)len; /* the key length is always recorded (OTAR bug class) */
    k.created = now;
    k.activated = state == AUS_KEY_ACTIVE ? now : 0;
    aus_err e = wrap_all(ks, &k, 1, secret, ks->buf + REC_HDR);
    if (e == AUS_OK)
        e = put_rec(ks, &k, wrapped_len(len));
    aus_wipe(ks->buf, sizeof ks->buf);
    AUS_TRY(e);
    aus_key_info *s = slot_for(ks, id);
    AUS_ENSURE(s, AUS_E_INTERNAL);
    *s = k;
    retire(ks, id); /* an id reused by OTAR: nothing keyed with the old bytes survives */
    return AUS_OK;
}

/* Rewrite the record of k with a new header (wrapped bytes kept, or dropped if destroy). */
static aus_err rewrite(aus_keys *ks, const aus_key_info *k, int drop_secret)
{
    aus_key_info cur;
    const uint8_t *wr = NULL;
    size_t wl = 0;
    aus_err e = get_rec(ks, k->id, &cur, &wr, &wl);
    if (e == AUS_OK || e == AUS_E_MALFORMED || e == AUS_E_NOTFOUND || e == AUS_E_TRUNC ||
        e == AUS_E_TRAILING) {
        /* the wrapped bytes sit at buf + REC_HDR already (the header is fixed-size) */
        if (e != AUS_OK || drop_secret || wr != ks->buf + REC_HDR)
            wl = 0;
        e = put_rec(ks, k, wl);
    }
    aus_wipe(ks->buf, sizeof ks->buf);
    return e;
}

typedef enum op { OP_ACTIVATE, OP_DEACTIVATE, OP_DESTROY, OP_CORRUPT } op;

static aus_err transition(aus_keys *ks, uint16_t id, op o, uint64_t now, uint64_t deadline)
{
    AUS_ENSURE(ks, AUS_E_ARG);
    aus_key_info *cur = find(ks, id);
    AUS_ENSURE(cur, AUS_E_KEY);
    aus_key_info k = *cur;
    /* CCSDS 355.1 (and CryptoLib): master keys are not changed by the
     * key-management procedures. Corruption marking is a local observation, so it is allowed. */
    AUS_ENSURE(o == OP_CORRUPT || k.type != AUS_KEY_T_MASTER, AUS_E_POLICY);
    switch (o) {
    case OP_ACTIVATE:
        AUS_ENSURE(k.state == AUS_KEY_PREACTIVE, AUS_E_KEY_STATE);
        k.state = AUS_KEY_ACTIVE;
        k.activated = now;
        break;
    case OP_DEACTIVATE:
        AUS_ENSURE(k.state == AUS_KEY_ACTIVE, AUS_E_KEY_STATE);
        k.state = AUS_KEY_DEACTIVATED;
        k.deactivated = now;
        k.deadline = deadline;
        break;
    case OP_DESTROY:
        AUS_ENSURE(k.state == AUS_KEY_DEACTIVATED || k.state == AUS_KEY_PREACTIVE, AUS_E_KEY_STATE);
        k.state = AUS_KEY_DESTROYED;
        k.deadline = 0;
        break;
    case OP_CORRUPT:
        AUS_ENSURE(k.state != AUS_KEY_DESTROYED, AUS_E_KEY_STATE);
        k.state = AUS_KEY_CORRUPTED;
        break;
    }
    AUS_TRY(rewrite(ks, &k, o == OP_DESTROY));
    *cur = k;
    if (o != OP_ACTIVATE)
        retire(ks, id);
    return AUS_OK;
}

aus_err aus_keys_activate(aus_keys *ks, uint16_t id, uint64_t now)
{
    return transition(ks, id, OP_ACTIVATE, now, 0);
}

aus_err aus_keys_deactivate(aus_keys *ks, uint16_t id, uint64_t now, uint64_t deadline)
{
    return transition(ks, id, OP_DEACTIVATE, now, deadline);
}

aus_err aus_keys_destroy(aus_keys *ks, uint16_t id, uint64_t now)
{
    return transition(ks, id, OP_DESTROY, now, 0);
}

aus_err aus_keys_corrupt(aus_keys *ks, uint16_t id, uint64_t now)
{
    return transition(ks, id, OP_CORRUPT, now, 0);
}

static aus_err use_ok(const aus_key_info *k, aus_key_use use, uint64_t now)
{
    aus_key_type t = (aus_key_type)k->type;
    int st_active = k->state == AUS_KEY_ACTIVE;
    switch (use) {
    case AUS_KEY_USE_WRAP:
        AUS_ENSURE(t == AUS_KEY_T_MASTER, AUS_E_POLICY);
        AUS_ENSURE(st_active, AUS_E_KEY_STATE);
        return AUS_OK;
    case AUS_KEY_USE_SEND:
    case AUS_KEY_USE_VERIFY:
        AUS_ENSURE(t == AUS_KEY_T_SESSION, AUS_E_POLICY);
        AUS_ENSURE(st_active, AUS_E_KEY_STATE);
        return AUS_OK;
    case AUS_KEY_USE_RECV:
        AUS_ENSURE(t == AUS_KEY_T_SESSION, AUS_E_POLICY);
        AUS_ENSURE(st_active || (k->state == AUS_KEY_DEACTIVATED && now < k->deadline),
                   AUS_E_KEY_STATE);
        return AUS_OK;
    case AUS_KEY_USE_PRIVATE:
        AUS_ENSURE(t == AUS_KEY_T_MLKEM768_DK || t == AUS_KEY_T_MLDSA65_SK, AUS_E_POLICY);
        AUS_ENSURE(st_active, AUS_E_KEY_STATE);
        return AUS_OK;
    case AUS_KEY_USE_PUBLIC:
        AUS_ENSURE(t == AUS_KEY_T_MLKEM768_EK || t == AUS_KEY_T_MLDSA65_VK, AUS_E_POLICY);
        AUS_ENSURE(st_active, AUS_E_KEY_STATE);
        return AUS_OK;
    case AUS_KEY_USE_EXPORT:
        AUS_ENSURE(t == AUS_KEY_T_MLKEM768_EK || t == AUS_KEY_T_MLDSA65_VK, AUS_E_POLICY);
        AUS_ENSURE(k->state != AUS_KEY_DESTROYED && k->state != AUS_KEY_CORRUPTED, AUS_E_KEY_STATE);
        return AUS_OK;
    default: return AUS_E_ARG;
    }
}

aus_err aus_keys_get(aus_keys *ks, uint16_t id, aus_key_use use, uint64_t now, uint8_t *out,
                     size_t cap, size_t *len)
{
    AUS_ENSURE(ks && out && len, AUS_E_ARG);
    aus_key_info *cur = find(ks, id);
    AUS_ENSURE(cur, AUS_E_KEY);
    AUS_TRY(use_ok(cur, use, now));
    AUS_ENSURE(cap >= cur->len, AUS_E_NOBUFS);
    aus_key_info k;
    const uint8_t *wr = NULL;
    size_t wl = 0;
    aus_err e = get_rec(ks, id, &k, &wr, &wl);
    if (e == AUS_OK && (k.type != cur->type || k.len != cur->len || wl != wrapped_len(k.len)))
        e = AUS_E_MALFORMED;
    if (e == AUS_OK) {
        e = wrap_all(ks, &k, 0, wr, out);
        if (e == AUS_E_AUTH)
            cur->state = AUS_KEY_CORRUPTED; /* RAM only: the next audit can persist it */
    } else if (e == AUS_E_MALFORMED || e == AUS_E_NOTFOUND) {
        cur->state = AUS_KEY_CORRUPTED;
        e = AUS_E_AUTH;
    }
    aus_wipe(ks->buf, sizeof ks->buf);
    if (e != AUS_OK) {
        if (cur->state == AUS_KEY_CORRUPTED)
            retire(ks, id);
        aus_wipe(out, cap);
        return e;
    }
    *len = k.len;
    return AUS_OK;
}

/* Compare a candidate with the stored secret of a symmetric key, never releasing it (the
 * OTAR re-answer, src/keys/sdls_ep_board.c). Constant time in the secret. */
aus_err aus_keys_match(aus_keys *ks, uint16_t id, const uint8_t *secret, size_t len, int *same)
{
    AUS_ENSURE(ks && secret && same, AUS_E_ARG);
    *same = 0;
    aus_key_info *cur = find(ks, id);
    AUS_ENSURE(cur, AUS_E_KEY);
    AUS_ENSURE(cur->type == AUS_KEY_T_MASTER || cur->type == AUS_KEY_T_SESSION, AUS_E_POLICY);
    AUS_ENSURE(cur->state != AUS_KEY_DESTROYED && cur->state != AUS_KEY_CORRUPTED, AUS_E_KEY_STATE);
    uint8_t out[AUS_KEY_SYM_BYTES];
    aus_key_info k;
    const uint8_t *wr = NULL;
    size_t wl = 0;
    aus_err e = get_rec(ks, id, &k, &wr, &wl);
    if (e == AUS_OK && (k.type != cur->type || k.len != cur->len || k.len > sizeof out ||
                        wl != wrapped_len(k.len)))
        e = AUS_E_MALFORMED;
    if (e == AUS_OK) {
        e = wrap_all(ks, &k, 0, wr, out);
        if (e == AUS_E_AUTH)
            cur->state = AUS_KEY_CORRUPTED; /* as aus_keys_get */
    } else if (e == AUS_E_MALFORMED || e == AUS_E_NOTFOUND) {
        cur->state = AUS_KEY_CORRUPTED;
        e = AUS_E_AUTH;
    }
    aus_wipe(ks->buf, sizeof ks->buf);
    if (e != AUS_OK && cur->state == AUS_KEY_CORRUPTED)
        retire(ks, id); /* as aus_keys_get */
    if (e == AUS_OK)
        *same = len == k.len && aus_ct_eq(out, secret, k.len);
    aus_wipe(out, sizeof out);
    return e;
}

aus_err aus_keys_info(const aus_keys *ks, uint16_t id, aus_key_info *info)
{
    AUS_ENSURE(ks && info, AUS_E_ARG);
    const aus_key_info *k = cfind(ks, id);
    AUS_ENSURE(k, AUS_E_KEY);
    *info = *k;
    return AUS_OK;
}

aus_err aus_keys_at(const aus_keys *ks, size_t i, aus_key_info *info)
{
    AUS_ENSURE(ks && info, AUS_E_ARG);
    AUS_ENSURE(i < ks->n, AUS_E_NOTFOUND);
    *info = ks->tab[i];
    return AUS_OK;
}

size_t aus_keys_count(const aus_keys *ks) { return ks ? ks->n : 0; }

aus_err aus_keys_free_id(const aus_keys *ks, uint16_t lo, uint16_t hi, uint16_t *id)
{
    AUS_ENSURE(ks && id && lo <= hi, AUS_E_ARG);
    for (uint32_t c = lo; c <= hi; c++) {
        const aus_key_info *k = cfind(ks, (uint16_t)c);
        if (!k || k->state == AUS_KEY_DESTROYED) {
            *id = (uint16_t)c;
            return AUS_OK;
        }
    }
    return AUS_E_FULL;
}

aus_err aus_keys_begin(aus_keys *ks)
{
    AUS_ENSURE(ks, AUS_E_ARG);
    AUS_ENSURE(!ks->in_txn, AUS_E_STATE);
    AUS_TRY(ks->store->ops->begin(ks->store->self));
    memcpy(ks->snap, ks->tab, sizeof ks->tab);
    ks->snap_n = ks->n;
    ks->in_txn = 1;
    return AUS_OK;
}

void aus_keys_rollback(aus_keys *ks)
{
    if (!ks || !ks->in_txn)
        return;
    (void)ks->store->ops->rollback(ks->store->self);
    /* keys changed inside the transaction go back: their contexts go (ids only in one table
     * included) */
    for (size_t i = 0; i < ks->n; i++)
        if (ks->snap_n <= i || !aus_ct_eq(&ks->tab[i], &ks->snap[i], sizeof ks->tab[i]))
            retire(ks, ks->tab[i].id);
    for (size_t i = 0; i < ks->snap_n; i++)
        if (ks->n <= i || !aus_ct_eq(&ks->tab[i], &ks->snap[i], sizeof ks->tab[i]))
            retire(ks, ks->snap[i].id);
    memcpy(ks->tab, ks->snap, sizeof ks->tab);
    ks->n = ks->snap_n;
    ks->in_txn = 0;
}

aus_err aus_keys_commit(aus_keys *ks)
{
    AUS_ENSURE(ks, AUS_E_ARG);
    AUS_ENSURE(ks->in_txn, AUS_E_STATE);
    aus_err e = ks->store->ops->commit(ks->store->self);
    if (e != AUS_OK) {
        ks->in_txn = 1;
        aus_keys_rollback(ks);
        return e;
    }
    ks->in_txn = 0;
    return AUS_OK;
}
