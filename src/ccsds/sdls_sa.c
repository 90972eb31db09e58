/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS security associations: the SA table, SA management, counter reservations, the FSR,
 * a simple key ring and the CLI's one-SA setup (CCSDS 355.0-B §5, 355.1-B §3).
 *
 * SA state machine (355.0 §5 as implemented by CryptoLib, docs/standards.md SDLS 8; every other
 * state/procedure pair is refused with AUS_E_STATE and changes nothing):
 *
 *   state        procedure            next          effect
 *   NONE         create               UNKEYED       loads services, lengths, IV, ARSN, ABM
 *   UNKEYED      rekey                KEYED         binds ekid / akid (and optionally the IV)
 *   KEYED        start                OPERATIONAL   binds the GVCID (or none)
 *   OPERATIONAL  stop                 KEYED         clears the binding
 *   KEYED        expire               UNKEYED       key ids cleared
 *   UNKEYED      delete               NONE          SA wiped
 *   any but NONE set ARSN / ARSNW     (same)        counter / window replaced
 *   any but NONE status / read ARSN   (same)        -
 */
#include <string.h>

#include "australis/base.h"
#include "australis/sdls.h"
#include "sdls_internal.h"

aus_err aus_sdls_init(aus_sdls_table *t, const aus_crypto *crypto, const aus_sdls_key_ops *keys,
                      void *keys_self)
{
    AUS_ENSURE(t != NULL && crypto != NULL && keys != NULL && keys->get != NULL, AUS_E_ARG);
    memset(t, 0, sizeof *t);
    t->crypto = crypto;
    t->keys = keys;
    t->keys_self = keys_self;
    return AUS_OK;
}

void aus_sdls_set_ext(aus_sdls_table *t, const aus_sdls_ext_ops *ext, void *self)
{
    t->ext = ext;
    t->ext_self = self;
}

aus_err aus_sdls_set_store(aus_sdls_table *t, const aus_store *s, const char *prefix)
{
    AUS_ENSURE(t != NULL && prefix != NULL, AUS_E_ARG);
    size_t n = strlen(prefix);
    AUS_ENSURE(n < sizeof t->prefix, AUS_E_ARG);
    memcpy(t->prefix, prefix, n + 1);
    t->store = s;
    return AUS_OK;
}

void aus_sdls_wipe(aus_sdls_table *t)
{
    if (t != NULL)
        aus_wipe(t->sa, sizeof t->sa);
}

aus_sdls_sa *sdls_sa_lookup(aus_sdls_table *t, uint16_t spi)
{
    for (size_t i = 0; i < AUS_SDLS_MAX_SA; i++)
        if (t->sa[i].state != AUS_SDLS_SA_NONE && t->sa[i].spi == spi)
            return &t->sa[i];
    return NULL;
}

const aus_sdls_sa *aus_sdls_sa_find(const aus_sdls_table *t, uint16_t spi)
{
    return sdls_sa_lookup((aus_sdls_table *)(uintptr_t)t, spi);
}

int aus_sdls_header_len(const aus_sdls_table *t, uint16_t spi)
{
    const aus_sdls_sa *sa = aus_sdls_sa_find(t, spi);
    if (sa == NULL)
        return AUS_E_SPI;
    return AUS_SDLS_SPI_LEN + sa->shivf_len + sa->shsnf_len + sa->shplf_len;
}

int aus_sdls_trailer_len(const aus_sdls_table *t, uint16_t spi)
{
    const aus_sdls_sa *sa = aus_sdls_sa_find(t, spi);
    if (sa == NULL)
        return AUS_E_SPI;
    return sa->stmacf_len;
}

/* ---- parameter validation (create) ---- */

static aus_err check_algs(const aus_sdls_sa_cfg *c)
{
    AUS_ENSURE(c->est <= 1 && c->ast <= 1, AUS_E_ARG);
    AUS_ENSURE(c->ecs <= AUS_SDLS_ECS_AES256_CBC, AUS_E_UNSUPPORTED);
    AUS_ENSURE(c->acs <= AUS_SDLS_ACS_HMAC_SHA512, AUS_E_UNSUPPORTED);
    if (c->est) {
        AUS_ENSURE(c->ecs != AUS_SDLS_ECS_NONE, AUS_E_ARG);
        AUS_ENSURE(c->iv_len > 0, AUS_E_ARG);
    }
    if (c->ast) {
        /* Authentication: GMAC (AEAD ecs, no acs) or a MAC algorithm (acs), SDLS 2. */
        int gmac = c->ecs == AUS_SDLS_ECS_AES256_GCM && (c->est || c->acs == AUS_SDLS_ACS_NONE);
        AUS_ENSURE(gmac || c->acs != AUS_SDLS_ACS_NONE, AUS_E_ARG);
        AUS_ENSURE(c->stmacf_len > 0, AUS_E_ARG);
        if (gmac) {
            AUS_ENSURE(c->iv_len > 0 && c->stmacf_len >= 4 && c->stmacf_len <= AUS_GCM_TAG_BYTES,
                       AUS_E_ARG);
        } else {
            size_t full = c->acs == AUS_SDLS_ACS_HMAC_SHA512   ? 64u
                          : c->acs == AUS_SDLS_ACS_HMAC_SHA256 ? 32u
                                                               : 16u;
            AUS_ENSURE(c->stmacf_len <= full, AUS_E_ARG);
        }
    }
    if (c->est && c->ast)
        AUS_ENSURE(c->ecs == AUS_SDLS_ECS_AES256_GCM, AUS_E_UNSUPPORTED); /* AEAD only */
    if (!c->ast)
        AUS_ENSURE(c->stmacf_len == 0 || c->est, AUS_E_ARG);
    return AUS_OK;
}

static aus_err check_cfg(const aus_sdls_sa_cfg *c)
{
    AUS_TRY(check_algs(c));
    AUS_ENSURE(c->iv_len <= AUS_SDLS_IV_MAX && c->shivf_len <= c->iv_len, AUS_E_ARG);
    /* 355.0 §4.1.1.4: the transmitted SN is the tail of the ARSN; an SN field longer than the ARSN
     * is what makes CryptoLib emit out-of-bounds bytes (vectors README): refused. */
    AUS_ENSURE(c->arsn_len <= AUS_SDLS_ARSN_MAX && c->shsnf_len <= c->arsn_len, AUS_E_ARG);
    AUS_ENSURE(c->shplf_len <= AUS_SDLS_PAD_MAX && c->stmacf_len <= AUS_SDLS_MAC_MAX, AUS_E_ARG);
    AUS_ENSURE(c->est == 0 || c->ecs != AUS_SDLS_ECS_AES256_CBC || c->shplf_len > 0, AUS_E_ARG);
    AUS_ENSURE((c->flags & ~(AUS_SDLS_F_IV_TX_ONLY | AUS_SDLS_F_AR_OPEN)) == 0, AUS_E_ARG);
    if (c->flags & AUS_SDLS_F_AR_OPEN) /* no window to search for non-transmitted octets */
        AUS_ENSURE(c->shivf_len == c->iv_len && c->shsnf_len == c->arsn_len, AUS_E_ARG);
    AUS_ENSURE(c->abm_len <= AUS_SDLS_MAX_FRAME, AUS_E_ARG);
    if (c->abm != NULL && c->abm_len > AUS_SDLS_ABM_PREFIX) {
        for (size_t i = AUS_SDLS_ABM_PREFIX + 1u; i < c->abm_len; i++)
            AUS_ENSURE(c->abm[i] == c->abm[AUS_SDLS_ABM_PREFIX], AUS_E_LIMIT);
    }
    return AUS_OK;
}

aus_err aus_sdls_sa_create(aus_sdls_table *t, const aus_sdls_sa_cfg *c)
{
    AUS_ENSURE(t != NULL && c != NULL, AUS_E_ARG);
    AUS_ENSURE(sdls_sa_lookup(t, c->spi) == NULL, AUS_E_STATE);
    AUS_TRY(check_cfg(c));
    aus_sdls_sa *sa = NULL;
    for (size_t i = 0; i < AUS_SDLS_MAX_SA && sa == NULL; i++)
        if (t->sa[i].state == AUS_SDLS_SA_NONE)
            sa = &t->sa[i];
    AUS_ENSURE(sa != NULL, AUS_E_FULL);
    memset(sa, 0, sizeof *sa);
    sa->spi = c->spi;
    sa->est = c->est;
    sa->ast = c->ast;
    sa->ecs = c->ecs;
    sa->acs = c->acs;
    sa->shivf_len = c->shivf_len;
    sa->shsnf_len = c->shsnf_len;
    sa->shplf_len = c->shplf_len;
    sa->stmacf_len = c->stmacf_len;
    sa->iv_len = c->iv_len;
    sa->arsn_len = c->arsn_len;
    sa->arsnw = c->arsnw;
    sa->flags = c->flags;
    memcpy(sa->iv, c->iv, c->iv_len);
    memcpy(sa->arsn, c->arsn, c->arsn_len);
    sa->abm_len = c->abm_len;
    size_t pre = c->abm_len < AUS_SDLS_ABM_PREFIX ? c->abm_len : AUS_SDLS_ABM_PREFIX;
    if (c->abm != NULL) {
        memcpy(sa->abm, c->abm, pre);
        sa->abm_tail = c->abm_len > AUS_SDLS_ABM_PREFIX ? c->abm[AUS_SDLS_ABM_PREFIX] : 0;
    } else {
        memset(sa->abm, 0xFF, pre);
        sa->abm_tail = 0xFF;
    }
    sa->state = AUS_SDLS_SA_UNKEYED;
    return AUS_OK;
}

static aus_err sa_in(aus_sdls_table *t, uint16_t spi, uint8_t state, aus_sdls_sa **out)
{
    AUS_ENSURE(t != NULL, AUS_E_ARG);
    aus_sdls_sa *sa = sdls_sa_lookup(t, spi);
    AUS_ENSURE(sa != NULL, AUS_E_SPI);
    AUS_ENSURE(state == AUS_SDLS_SA_NONE || sa->state == state, AUS_E_STATE);
    *out = sa;
    return AUS_OK;
}

aus_err aus_sdls_sa_delete(aus_sdls_table *t, uint16_t spi)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_UNKEYED, &sa));
    aus_wipe(sa, sizeof *sa); /* state NONE */
    return AUS_OK;
}

aus_err aus_sdls_sa_rekey(aus_sdls_table *t, uint16_t spi, uint16_t ekid, uint16_t akid,
                          const uint8_t *iv, size_t ivlen)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_UNKEYED, &sa));
    AUS_ENSURE(iv == NULL || ivlen == sa->iv_len, AUS_E_ARG);
    sa->ekid = ekid;
    sa->akid = akid;
    if (iv != NULL)
        memcpy(sa->iv, iv, ivlen);
    /* New key: the counters start a new reservation (never below an IV stored for this key
     * id: a key id that comes back must not meet its old IVs again). */
    sa->res_valid = 0;
    sa->exhausted = 0;
    sa->rx_seen = 0;
    sa->state = AUS_SDLS_SA_KEYED;
    return AUS_OK;
}

aus_err aus_sdls_sa_start(aus_sdls_table *t, uint16_t spi, const aus_sdls_gvcid *g)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_KEYED, &sa));
    if (g != NULL) {
        AUS_ENSURE(g->tfvn <= 3 && g->vcid <= 63 && g->mapid <= 63, AUS_E_ARG);
        sa->gvcid = *g;
        sa->bound = 1;
    } else {
        memset(&sa->gvcid, 0, sizeof sa->gvcid);
        sa->bound = 0;
    }
    sa->state = AUS_SDLS_SA_OPERATIONAL;
    return AUS_OK;
}

aus_err aus_sdls_sa_stop(aus_sdls_table *t, uint16_t spi)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_OPERATIONAL, &sa));
    memset(&sa->gvcid, 0, sizeof sa->gvcid);
    sa->bound = 0;
    sa->state = AUS_SDLS_SA_KEYED;
    return AUS_OK;
}

aus_err aus_sdls_sa_expire(aus_sdls_table *t, uint16_t spi)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_KEYED, &sa));
    sa->ekid = 0;
    sa->akid = 0;
    sa->state = AUS_SDLS_SA_UNKEYED;
    return AUS_OK;
}

aus_err aus_sdls_sa_set_arsn(aus_sdls_table *t, uint16_t spi, const uint8_t *arsn, size_t len)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_NONE, &sa));
    AUS_ENSURE(arsn != NULL && len > 0 && len == sa->arsn_len, AUS_E_ARG);
    memcpy(sa->arsn, arsn, len);
    sa->res_valid = 0;
    sa->res_reset = 1; /* an explicit Set ARSN: the stored ARSN follows it, even downwards */
    sa->exhausted = 0;
    sa->rx_seen = 0;
    return AUS_OK;
}

aus_err aus_sdls_sa_set_arsnw(aus_sdls_table *t, uint16_t spi, uint16_t arsnw)
{
    aus_sdls_sa *sa;
    AUS_TRY(sa_in(t, spi, AUS_SDLS_SA_NONE, &sa));
    sa->arsnw = arsnw;
    return AUS_OK;
}

aus_err aus_sdls_sa_read_arsn(const aus_sdls_table *t, uint16_t spi, uint8_t *out, size_t cap,
                              size_t *len)
{
    AUS_ENSURE(t != NULL && len != NULL, AUS_E_ARG);
    const aus_sdls_sa *sa = aus_sdls_sa_find(t, spi);
    AUS_ENSURE(sa != NULL, AUS_E_SPI);
    AUS_ENSURE(cap >= sa->arsn_len && (out != NULL || sa->arsn_len == 0), AUS_E_NOBUFS);
    if (sa->arsn_len > 0)
        memcpy(out, sa->arsn, sa->arsn_len);
    *len = sa->arsn_len;
    return AUS_OK;
}

aus_err aus_sdls_sa_status(const aus_sdls_table *t, uint16_t spi, uint8_t *state, uint8_t *lpid)
{
    AUS_ENSURE(t != NULL, AUS_E_ARG);
    const aus_sdls_sa *sa = aus_sdls_sa_find(t, spi);
    AUS_ENSURE(sa != NULL, AUS_E_SPI);
    if (state != NULL)
        *state = sa->state;
    if (lpid != NULL)
        *lpid = sa->lpid;
    return AUS_OK;
}

/* ---- durable reservation of apply-side counters ----
 * Record "<prefix>tx/<spi>": ekid (2) | iv_len (1) | iv_res | arsn_len (1) | arsn_res.
 * Everything below iv_res / arsn_res may have been used before a crash. */

static void store_key(const aus_sdls_table *t, const char *kind, uint16_t spi, char *key,
                      size_t cap)
{
    size_t n = strlen(t->prefix);
    memcpy(key, t->prefix, n);
    memcpy(key + n, kind, 3);
    aus_hex_put(key + n + 3, spi, 4);
    key[n + 7] = '\0';
    (void)cap;
}

aus_err sdls_put_counters(aus_sdls_table *t, const char *kind, const aus_sdls_sa *sa,
                          const uint8_t *iv, const uint8_t *arsn)
{
    if (t->store == NULL)
        return AUS_OK;
    uint8_t rec[2 + 1 + AUS_SDLS_IV_MAX + 1 + AUS_SDLS_ARSN_MAX];
    aus_wr w;
    aus_wr_init(&w, rec, sizeof rec);
    aus_wr_be16(&w, sa->ekid);
    aus_wr_u8(&w, sa->iv_len);
    aus_wr_bytes(&w, iv, sa->iv_len);
    aus_wr_u8(&w, sa->arsn_len);
    aus_wr_bytes(&w, arsn, sa->arsn_len);
    AUS_TRY(aus_wr_finish(&w));
    char key[AUS_STORE_KEY_MAX];
    store_key(t, kind, sa->spi, key, sizeof key);
    return t->store->ops->put(t->store->self, key, rec, aus_wr_len(&w));
}

/* Read the stored record into iv / arsn. Returns 1 when present for the SA's key id, 0 when
 * absent or recorded under another key (irrelevant to this one), or a negative error. */
static int read_counters(aus_sdls_table *t, const char *kind, const aus_sdls_sa *sa, uint8_t *iv,
                         uint8_t *arsn)
{
    char key[AUS_STORE_KEY_MAX];
    uint8_t rec[64];
    size_t n = 0;
    store_key(t, kind, sa->spi, key, sizeof key);
    aus_err e = t->store->ops->get(t->store->self, key, rec, sizeof rec, &n);
    if (e == AUS_E_NOTFOUND)
        return 0;
    AUS_TRY(e);
    aus_rd r;
    aus_rd_init(&r, rec, n);
    uint16_t ekid = aus_rd_be16(&r);
    uint8_t ivl = aus_rd_u8(&r);
    const uint8_t *riv = aus_rd_view(&r, ivl);
    uint8_t al = aus_rd_u8(&r);
    const uint8_t *rar = aus_rd_view(&r, al);
    AUS_TRY(aus_rd_finish(&r));
    AUS_ENSURE(ivl == sa->iv_len && al == sa->arsn_len, AUS_E_MALFORMED);
    if (ekid != sa->ekid)
        return 0;
    memcpy(iv, riv, ivl);
    memcpy(arsn, rar, al);
    return 1;
}

/* Raise the SA's counters to a stored record's (same key id only). Returns 1 when a record
 * was applied, 0 when absent or for another key, or a negative error. */
static int merge_counters(aus_sdls_table *t, const char *kind, aus_sdls_sa *sa)
{
    uint8_t iv[AUS_SDLS_IV_MAX], ar[AUS_SDLS_ARSN_MAX];
    int r = read_counters(t, kind, sa, iv, ar);
    if (r <= 0)
        return r;
    if (sdls_be_cmp(iv, sa->iv, sa->iv_len) > 0)
        memcpy(sa->iv, iv, sa->iv_len);
    if (sdls_be_cmp(ar, sa->arsn, sa->arsn_len) > 0)
        memcpy(sa->arsn, ar, sa->arsn_len);
    return 1;
}

/* Does the SA's reservation still cover its next IV and ARSN? */
static int res_covers(const aus_sdls_sa *sa)
{
    if (!sa->res_valid)
        return 0;
    if (sa->shivf_len > 0 && sdls_be_cmp(sa->iv, sa->iv_res, sa->iv_len) >= 0)
        return 0;
    return !(sa->shsnf_len > 0 && sdls_be_cmp(sa->arsn, sa->arsn_res, sa->arsn_len) >= 0);
}

/* Compare-and-advance (DESIGN.md §5), in one write transaction (or the caller's): re-read the
 * stored bounds; if they are still the ones this SA reserved and cover the next values, use
 * them; otherwise raise the SA's counters to anything stored above them (another writer) and
 * write new bounds a block above. A reservation made inside the caller's transaction stays
 * "tentative" and is re-checked at the next frame, so a rolled-back one is written again. */
static aus_err reserve_in_txn(aus_sdls_table *t, aus_sdls_sa *sa)
{
    uint8_t siv[AUS_SDLS_IV_MAX], sar[AUS_SDLS_ARSN_MAX];
    int r = read_counters(t, "tx/", sa, siv, sar);
    AUS_TRY(r);
    if (r > 0 && res_covers(sa) && !memcmp(siv, sa->iv_res, sa->iv_len) &&
        !memcmp(sar, sa->arsn_res, sa->arsn_len))
        return AUS_OK;
    if (r > 0) {
        if (sdls_be_cmp(siv, sa->iv, sa->iv_len) > 0)
            memcpy(sa->iv, siv, sa->iv_len);
        if (!sa->res_reset && sdls_be_cmp(sar, sa->arsn, sa->arsn_len) > 0)
            memcpy(sa->arsn, sar, sa->arsn_len);
    }
    uint8_t iv_res[AUS_SDLS_IV_MAX], arsn_res[AUS_SDLS_ARSN_MAX];
    memcpy(iv_res, sa->iv, sa->iv_len);
    memcpy(arsn_res, sa->arsn, sa->arsn_len);
    sdls_be_add(iv_res, sa->iv_len, AUS_CTR_RESERVE_BLOCK);
    sdls_be_add(arsn_res, sa->arsn_len, AUS_CTR_RESERVE_BLOCK);
    AUS_TRY(sdls_put_counters(t, "tx/", sa, iv_res, arsn_res));
    memcpy(sa->iv_res, iv_res, sa->iv_len);
    memcpy(sa->arsn_res, arsn_res, sa->arsn_len);
    return AUS_OK;
}

aus_err sdls_reserve(aus_sdls_table *t, aus_sdls_sa *sa)
{
    if (res_covers(sa) && !sa->res_tentative)
        return AUS_OK;
    if (t->store == NULL) { /* no durable state (tests, stateless tools): in memory only */
        memcpy(sa->iv_res, sa->iv, sa->iv_len);
        memcpy(sa->arsn_res, sa->arsn, sa->arsn_len);
        sdls_be_add(sa->iv_res, sa->iv_len, AUS_CTR_RESERVE_BLOCK);
        sdls_be_add(sa->arsn_res, sa->arsn_len, AUS_CTR_RESERVE_BLOCK);
        sa->res_valid = 1;
        return AUS_OK;
    }
    int own = 0;
    AUS_TRY(aus_store_txn_enter(t->store, &own));
    aus_err e = aus_store_txn_leave(t->store, own, reserve_in_txn(t, sa));
    sa->res_valid = e == AUS_OK;
    sa->res_tentative = (uint8_t)!own;
    if (e == AUS_OK)
        sa->res_reset = 0;
    return e;
}

aus_err aus_sdls_sa_resume(aus_sdls_table *t, uint16_t spi)
{
    AUS_ENSURE(t != NULL, AUS_E_ARG);
    aus_sdls_sa *sa = sdls_sa_lookup(t, spi);
    AUS_ENSURE(sa != NULL, AUS_E_SPI);
    if (t->store == NULL)
        return AUS_OK;
    /* Apply side: skip everything reserved before the crash. */
    int r = merge_counters(t, "tx/", sa);
    AUS_TRY(r);
    if (r > 0)
        sa->res_valid = 0;
    /* Process side: the last accepted IV / SN (anti-replay survives the restart). */
    r = merge_counters(t, "rx/", sa);
    AUS_TRY(r);
    if (r > 0)
        sa->rx_seen = 1;
    return AUS_OK;
}

/* ---- Frame Security Report (355.0; docs/standards.md SDLS 15) ---- */

void aus_sdls_fsr_encode(const aus_sdls_table *t, uint8_t out[4])
{
    const aus_sdls_fsr *f = &t->fsr;
    /* CWT = 1, FSR version "100" (SDLS 15), then alarm, bad SN, bad MAC, bad SA. */
    out[0] = (uint8_t)(0x80u | (4u << 4) | ((unsigned)f->alarm << 3) | ((unsigned)f->bad_sn << 2) |
                       ((unsigned)f->bad_mac << 1) | f->bad_sa);
    out[1] = (uint8_t)(f->last_spi >> 8);
    out[2] = (uint8_t)f->last_spi;
    out[3] = f->last_sn;
}

void aus_sdls_fsr_reset(aus_sdls_table *t) { memset(&t->fsr, 0, sizeof t->fsr); }

/* ---- key ring ---- */

static aus_err ring_get(void *self, uint16_t kid, int use, uint64_t now, uint8_t *key, size_t cap,
                        size_t *len)
{
    (void)use;
    (void)now;
    const aus_sdls_keyring *r = self;
    for (size_t i = 0; i < r->n; i++) {
        if (r->k[i].kid != kid)
            continue;
        AUS_ENSURE(r->k[i].active, AUS_E_KEY_STATE);
        AUS_ENSURE(cap >= r->k[i].len, AUS_E_NOBUFS);
        memcpy(key, r->k[i].key, r->k[i].len);
        *len = r->k[i].len;
        return AUS_OK;
    }
    return AUS_E_KEY;
}

const aus_sdls_key_ops aus_sdls_keyring_ops = {.get = ring_get};

aus_err aus_sdls_keyring_put(aus_sdls_keyring *r, uint16_t kid, const uint8_t *key, size_t len,
                             int active)
{
    AUS_ENSURE(r != NULL && key != NULL && len > 0 && len <= AUS_SDLS_KEY_MAX, AUS_E_ARG);
    size_t i = 0;
    while (i < r->n && r->k[i].kid != kid)
        i++;
    AUS_ENSURE(i < AUS_SDLS_KEYRING_MAX, AUS_E_FULL);
    if (i == r->n)
        r->n++;
    r->k[i].kid = kid;
    r->k[i].active = active ? 1 : 0;
    r->k[i].len = (uint8_t)len;
    aus_wipe(r->k[i].key, sizeof r->k[i].key);
    memcpy(r->k[i].key, key, len);
    return AUS_OK;
}

void aus_sdls_keyring_wipe(aus_sdls_keyring *r)
{
    if (r != NULL)
        aus_wipe(r, sizeof *r);
}

/* ---- the CLI's one-SA table ---- */

aus_err aus_sdls_simple_init(aus_sdls_simple *s, const aus_crypto *crypto, uint16_t spi,
                             const uint8_t *key, size_t keylen, const uint8_t iv0[12])
{
    AUS_ENSURE(s != NULL && key != NULL && keylen == 32 && iv0 != NULL, AUS_E_ARG);
    memset(s, 0, sizeof *s);
    AUS_TRY(aus_sdls_keyring_put(&s->ring, 0x0100, key, keylen, 1));
    AUS_TRY(aus_sdls_init(&s->t, crypto, &aus_sdls_keyring_ops, &s->ring));
    aus_sdls_sa_cfg c;
    memset(&c, 0, sizeof c);
    c.spi = spi;
    c.est = 1;
    c.ast = 1;
    c.ecs = AUS_SDLS_ECS_AES256_GCM;
    c.iv_len = 12;
    c.shivf_len = 12;
    memcpy(c.iv, iv0, 12);
    c.stmacf_len = 16;
    c.abm = NULL; /* all ones */
    c.abm_len = AUS_SDLS_MAX_FRAME;
    c.arsnw = AUS_REPLAY_WINDOW_DEFAULT;
    c.flags = AUS_SDLS_F_AR_OPEN;
    AUS_TRY(aus_sdls_sa_create(&s->t, &c));
    AUS_TRY(aus_sdls_sa_rekey(&s->t, spi, 0x0100, 0x0100, NULL, 0));
    return aus_sdls_sa_start(&s->t, spi, NULL);
}

void aus_sdls_simple_wipe(aus_sdls_simple *s)
{
    if (s != NULL)
        aus_wipe(s, sizeof *s);
}
