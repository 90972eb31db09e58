/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS Extended Procedures (CCSDS 355.1) PDU codec: commands and replies.
 *
 * Layouts: 355.1-B-1 §3 (docs/standards.md, SDLS-EP). Strict: the length
 * field counts data-field BITS and must be a multiple of 8 that matches the bytes present and
 * the procedure's layout exactly. CryptoLib's test PDUs with filler octets or byte-count
 * lengths are refused here (AUS_E_TRAILING / AUS_E_MALFORMED) rather than guessed at.
 */
#include <string.h>

#include "australis/base.h"
#include "australis/sdls_ep.h"

/* ---- header ---- */

/* Read the 3-octet header; returns a sub-reader over exactly the data field. */
static aus_err rd_hdr(aus_rd *r, const uint8_t *in, size_t len, uint8_t *tag, aus_rd *data)
{
    aus_rd_init(r, in, len);
    *tag = aus_rd_u8(r);
    uint16_t bits = aus_rd_be16(r);
    AUS_TRY(r->err);
    /* 355.1-B-1 §3: the length is in bits (docs/keys.md §2). */
    AUS_ENSURE(bits % 8 == 0, AUS_E_MALFORMED);
    size_t n = bits / 8u;
    AUS_ENSURE(aus_rd_left(r) >= n, AUS_E_TRUNC);
    AUS_ENSURE(aus_rd_left(r) == n, AUS_E_TRAILING);
    *data = aus_rd_sub(r, n);
    return AUS_OK;
}

static void wr_hdr(aus_wr *w, uint8_t tag, size_t n)
{
    aus_wr_u8(w, tag);
    if (n > 0xFFFFu / 8u) {
        aus_wr_fail(w, AUS_E_ARG);
        return;
    }
    aus_wr_be16(w, (uint16_t)(n * 8u));
}

/* ---- command decode ---- */

static aus_err dec_ids(aus_ep_cmd *c, aus_rd *d)
{
    size_t n = aus_rd_left(d);
    AUS_ENSURE(n > 0 && n % 2 == 0, AUS_E_MALFORMED);
    AUS_ENSURE(n / 2 <= AUS_EP_MAX_KEYS, AUS_E_LIMIT);
    c->u.keys.n = n / 2;
    for (size_t i = 0; i < c->u.keys.n; i++)
        c->u.keys.ids[i] = aus_rd_be16(d);
    return AUS_OK;
}

static aus_err dec_key_mgmt(aus_ep_cmd *c, aus_rd *d)
{
    size_t n = aus_rd_left(d);
    switch (c->tag) {
    case AUS_EP_OTAR: {
        /* OTAR (355.1-B-1 §3): MKID(2) IV(12) n x 34 encrypted, MAC(16). */
        const size_t fixed = 2 + AUS_EP_IV_BYTES + AUS_EP_MAC_BYTES;
        AUS_ENSURE(n >= fixed + AUS_EP_OTAR_BLOCK, AUS_E_MALFORMED);
        AUS_ENSURE((n - fixed) % AUS_EP_OTAR_BLOCK == 0, AUS_E_MALFORMED);
        size_t k = (n - fixed) / AUS_EP_OTAR_BLOCK;
        AUS_ENSURE(k <= AUS_EP_MAX_KEYS, AUS_E_LIMIT);
        c->u.otar.mkid = aus_rd_be16(d);
        c->u.otar.iv = aus_rd_view(d, AUS_EP_IV_BYTES);
        c->u.otar.ct = aus_rd_view(d, k * AUS_EP_OTAR_BLOCK);
        c->u.otar.nkeys = k;
        c->u.otar.mac = aus_rd_view(d, AUS_EP_MAC_BYTES);
        return AUS_OK;
    }
    case AUS_EP_KEY_ACTIVATE:
    case AUS_EP_KEY_DEACTIVATE:
    case AUS_EP_KEY_DESTROY: return dec_ids(c, d);
    case AUS_EP_KEY_VERIFY: {
        const size_t blk = 2 + AUS_EP_CHALLENGE_BYTES;
        AUS_ENSURE(n > 0, AUS_E_MALFORMED);
        AUS_ENSURE(n % blk == 0, n > blk * AUS_EP_MAX_KEYS ? AUS_E_LIMIT : AUS_E_TRAILING);
        AUS_ENSURE(n / blk <= AUS_EP_MAX_KEYS, AUS_E_LIMIT);
        c->u.verify.n = n / blk;
        for (size_t i = 0; i < c->u.verify.n; i++) {
            c->u.verify.ids[i] = aus_rd_be16(d);
            c->u.verify.challenge[i] = aus_rd_view(d, AUS_EP_CHALLENGE_BYTES);
        }
        return AUS_OK;
    }
    case AUS_EP_KEY_INVENTORY:
        c->u.inventory.first = aus_rd_be16(d);
        c->u.inventory.last = aus_rd_be16(d);
        /* Bug class: a range with first > last must not underflow into "all keys". */
        AUS_ENSURE(d->err || c->u.inventory.first <= c->u.inventory.last, AUS_E_MALFORMED);
        return AUS_OK;
    default: return AUS_E_UNSUPPORTED;
    }
}

/* A length-prefixed field: len(1) then that many octets, bounded. */
static const uint8_t *dec_lv(aus_rd *d, uint8_t *len, size_t max)
{
    *len = aus_rd_u8(d);
    if (*len > max) {
        aus_rd_fail(d, AUS_E_LIMIT);
        return NULL;
    }
    return *len ? aus_rd_view(d, *len) : NULL;
}

static aus_err dec_create(aus_ep_sa_create *p, aus_rd *d)
{
    /* CryptoLib's parse order (abm_len kept at 16 bits: CryptoLib truncates), docs/keys.md §2. */
    p->spi = aus_rd_be16(d);
    uint8_t b = aus_rd_u8(d);
    p->est = (uint8_t)(b >> 7);
    p->ast = (uint8_t)((b >> 6) & 1u);
    p->shivf_len = (uint8_t)(b & 0x3Fu);
    b = aus_rd_u8(d);
    p->shsnf_len = (uint8_t)(b >> 2);
    p->shplf_len = (uint8_t)(b & 3u);
    p->stmacf_len = aus_rd_u8(d);
    p->ecs = dec_lv(d, &p->ecs_len, AUS_EP_FIELD_MAX);
    p->iv = dec_lv(d, &p->iv_len, AUS_EP_FIELD_MAX);
    p->acs = dec_lv(d, &p->acs_len, AUS_EP_FIELD_MAX);
    p->abm_len = aus_rd_be16(d);
    if (p->abm_len > AUS_EP_ABM_MAX)
        aus_rd_fail(d, AUS_E_LIMIT);
    p->abm = p->abm_len ? aus_rd_view(d, p->abm_len) : NULL;
    p->arsn = dec_lv(d, &p->arsn_len, AUS_EP_FIELD_MAX);
    p->arsnw = dec_lv(d, &p->arsnw_len, 8);
    return d->err;
}

static aus_err dec_sa_mgmt(aus_ep_cmd *c, aus_rd *d)
{
    size_t n = aus_rd_left(d);
    switch (c->tag) {
    case AUS_EP_SA_CREATE: return dec_create(&c->u.create, d);
    case AUS_EP_SA_DELETE:
    case AUS_EP_SA_EXPIRE:
    case AUS_EP_SA_STOP:
    case AUS_EP_SA_STATUS:
    case AUS_EP_SA_READ_ARSN: c->u.sa.spi = aus_rd_be16(d); return AUS_OK;
    case AUS_EP_SA_SET_ARSN:
    case AUS_EP_SA_SET_ARSNW: {
        size_t max = c->tag == AUS_EP_SA_SET_ARSN ? AUS_EP_FIELD_MAX : 8;
        AUS_ENSURE(n > 2, n < 2 ? AUS_E_TRUNC : AUS_E_MALFORMED);
        AUS_ENSURE(n - 2 <= max, AUS_E_LIMIT);
        c->u.set.spi = aus_rd_be16(d);
        c->u.set.n = n - 2;
        c->u.set.value = aus_rd_view(d, n - 2);
        return AUS_OK;
    }
    case AUS_EP_SA_REKEY:
        AUS_ENSURE(n >= 4, AUS_E_TRUNC);
        AUS_ENSURE(n - 4 <= AUS_EP_FIELD_MAX, AUS_E_LIMIT);
        c->u.rekey.spi = aus_rd_be16(d);
        c->u.rekey.ekid = aus_rd_be16(d);
        c->u.rekey.ivlen = n - 4;
        c->u.rekey.iv = n > 4 ? aus_rd_view(d, n - 4) : NULL;
        return AUS_OK;
    case AUS_EP_SA_START:
        AUS_ENSURE(n >= 6, AUS_E_TRUNC);
        AUS_ENSURE((n - 2) % 4 == 0, AUS_E_TRAILING);
        AUS_ENSURE((n - 2) / 4 <= AUS_EP_MAX_GVCID, AUS_E_LIMIT);
        c->u.start.spi = aus_rd_be16(d);
        c->u.start.n = (n - 2) / 4;
        for (size_t i = 0; i < c->u.start.n; i++) {
            /* TFVN 4 | SCID 16 | VCID 6 | MAP ID 6 (355.1-B-1 §3) */
            uint32_t v = aus_rd_be32(d);
            c->u.start.g[i].tfvn = (uint8_t)(v >> 28);
            c->u.start.g[i].scid = (uint16_t)(v >> 12);
            c->u.start.g[i].vcid = (uint8_t)((v >> 6) & 0x3Fu);
            c->u.start.g[i].mapid = (uint8_t)(v & 0x3Fu);
        }
        return AUS_OK;
    default: return AUS_E_UNSUPPORTED;
    }
}

aus_err aus_ep_cmd_decode(aus_ep_cmd *c, const uint8_t *in, size_t len)
{
    AUS_ENSURE(c && (in || len == 0), AUS_E_ARG);
    memset(c, 0, sizeof *c);
    aus_rd r, d;
    AUS_TRY(rd_hdr(&r, in, len, &c->tag, &d));
    AUS_ENSURE(!(c->tag & AUS_EP_REPLY), AUS_E_MALFORMED);
    AUS_ENSURE(!(c->tag & AUS_EP_USER), AUS_E_UNSUPPORTED);
    c->data = d.base;
    c->len = d.len;
    aus_err e;
    switch (c->tag >> 4) {
    case 0: e = dec_key_mgmt(c, &d); break;
    case 1: e = dec_sa_mgmt(c, &d); break;
    case 3:
        switch (c->tag) {
        case AUS_EP_MC_PING:
        case AUS_EP_MC_LOG_STATUS:
        case AUS_EP_MC_DUMP_LOG:
        case AUS_EP_MC_ERASE_LOG:
        case AUS_EP_MC_SELF_TEST:
        case AUS_EP_MC_ALARM_RESET: e = AUS_OK; break;
        default: e = AUS_E_UNSUPPORTED; break;
        }
        break;
    default: e = AUS_E_UNSUPPORTED; break;
    }
    if (e == AUS_OK)
        e = aus_rd_finish(&d);
    if (e != AUS_OK)
        memset(c, 0, sizeof *c);
    return e;
}

/* ---- command encode ---- */

static void enc_lv(aus_wr *w, const uint8_t *p, uint8_t n)
{
    aus_wr_u8(w, n);
    aus_wr_bytes(w, p, n);
}

static void enc_create(aus_wr *w, const aus_ep_sa_create *p)
{
    aus_wr_be16(w, p->spi);
    aus_wr_u8(w, (uint8_t)((p->est & 1u) << 7 | (p->ast & 1u) << 6 | (p->shivf_len & 0x3Fu)));
    aus_wr_u8(w, (uint8_t)((p->shsnf_len & 0x3Fu) << 2 | (p->shplf_len & 3u)));
    aus_wr_u8(w, p->stmacf_len);
    enc_lv(w, p->ecs, p->ecs_len);
    enc_lv(w, p->iv, p->iv_len);
    enc_lv(w, p->acs, p->acs_len);
    aus_wr_be16(w, p->abm_len);
    aus_wr_bytes(w, p->abm, p->abm_len);
    enc_lv(w, p->arsn, p->arsn_len);
    enc_lv(w, p->arsnw, p->arsnw_len);
}

static void enc_body(aus_wr *w, const aus_ep_cmd *c)
{
    switch (c->tag) {
    case AUS_EP_OTAR:
        if (c->u.otar.nkeys == 0 || c->u.otar.nkeys > AUS_EP_MAX_KEYS)
            aus_wr_fail(w, AUS_E_ARG);
        aus_wr_be16(w, c->u.otar.mkid);
        aus_wr_bytes(w, c->u.otar.iv, AUS_EP_IV_BYTES);
        aus_wr_bytes(w, c->u.otar.ct, c->u.otar.nkeys * AUS_EP_OTAR_BLOCK);
        aus_wr_bytes(w, c->u.otar.mac, AUS_EP_MAC_BYTES);
        break;
    case AUS_EP_KEY_ACTIVATE:
    case AUS_EP_KEY_DEACTIVATE:
    case AUS_EP_KEY_DESTROY:
        if (c->u.keys.n == 0 || c->u.keys.n > AUS_EP_MAX_KEYS)
            aus_wr_fail(w, AUS_E_ARG);
        for (size_t i = 0; i < c->u.keys.n && i < AUS_EP_MAX_KEYS; i++)
            aus_wr_be16(w, c->u.keys.ids[i]);
        break;
    case AUS_EP_KEY_VERIFY:
        if (c->u.verify.n == 0 || c->u.verify.n > AUS_EP_MAX_KEYS)
            aus_wr_fail(w, AUS_E_ARG);
        for (size_t i = 0; i < c->u.verify.n && i < AUS_EP_MAX_KEYS; i++) {
            aus_wr_be16(w, c->u.verify.ids[i]);
            aus_wr_bytes(w, c->u.verify.challenge[i], AUS_EP_CHALLENGE_BYTES);
        }
        break;
    case AUS_EP_KEY_INVENTORY:
        aus_wr_be16(w, c->u.inventory.first);
        aus_wr_be16(w, c->u.inventory.last);
        break;
    case AUS_EP_SA_CREATE: enc_create(w, &c->u.create); break;
    case AUS_EP_SA_DELETE:
    case AUS_EP_SA_EXPIRE:
    case AUS_EP_SA_STOP:
    case AUS_EP_SA_STATUS:
    case AUS_EP_SA_READ_ARSN: aus_wr_be16(w, c->u.sa.spi); break;
    case AUS_EP_SA_SET_ARSN:
    case AUS_EP_SA_SET_ARSNW:
        if (c->u.set.n == 0)
            aus_wr_fail(w, AUS_E_ARG);
        aus_wr_be16(w, c->u.set.spi);
        aus_wr_bytes(w, c->u.set.value, c->u.set.n);
        break;
    case AUS_EP_SA_REKEY:
        aus_wr_be16(w, c->u.rekey.spi);
        aus_wr_be16(w, c->u.rekey.ekid);
        aus_wr_bytes(w, c->u.rekey.iv, c->u.rekey.ivlen);
        break;
    case AUS_EP_SA_START:
        if (c->u.start.n == 0 || c->u.start.n > AUS_EP_MAX_GVCID)
            aus_wr_fail(w, AUS_E_ARG);
        aus_wr_be16(w, c->u.start.spi);
        for (size_t i = 0; i < c->u.start.n && i < AUS_EP_MAX_GVCID; i++) {
            const aus_ep_gvcid *g = &c->u.start.g[i];
            aus_wr_be32(w, (uint32_t)(g->tfvn & 0xFu) << 28 | (uint32_t)g->scid << 12 |
                               (uint32_t)(g->vcid & 0x3Fu) << 6 | (uint32_t)(g->mapid & 0x3Fu));
        }
        break;
    case AUS_EP_MC_PING:
    case AUS_EP_MC_LOG_STATUS:
    case AUS_EP_MC_DUMP_LOG:
    case AUS_EP_MC_ERASE_LOG:
    case AUS_EP_MC_SELF_TEST:
    case AUS_EP_MC_ALARM_RESET: break;
    default: aus_wr_fail(w, AUS_E_ARG); break;
    }
}

int aus_ep_cmd_encode(const aus_ep_cmd *c, uint8_t *out, size_t cap)
{
    AUS_ENSURE(c, AUS_E_ARG);
    aus_wr s;
    aus_wr_init_sizer(&s);
    enc_body(&s, c);
    AUS_TRY(s.err);
    aus_wr w;
    aus_wr_init(&w, out, cap);
    wr_hdr(&w, c->tag, aus_wr_len(&s));
    enc_body(&w, c);
    AUS_TRY(w.err);
    return (int)aus_wr_len(&w);
}

/* ---- replies ---- */

int aus_ep_reply_encode(uint8_t cmd_tag, const uint8_t *data, size_t n, uint8_t *out, size_t cap)
{
    AUS_ENSURE(!(cmd_tag & AUS_EP_REPLY) && (data || n == 0), AUS_E_ARG);
    aus_wr w;
    aus_wr_init(&w, out, cap);
    wr_hdr(&w, (uint8_t)(cmd_tag | AUS_EP_REPLY), n);
    aus_wr_bytes(&w, data, n);
    AUS_TRY(w.err);
    return (int)aus_wr_len(&w);
}

static aus_err dec_reply_body(aus_ep_reply *r, aus_rd *d)
{
    size_t n = aus_rd_left(d);
    switch (r->cmd) {
    case AUS_EP_KEY_VERIFY: {
        const size_t blk = 2 + AUS_EP_IV_BYTES + 16 + AUS_EP_MAC_BYTES;
        AUS_ENSURE(n > 0 && n % blk == 0, AUS_E_MALFORMED);
        AUS_ENSURE(n / blk <= AUS_EP_MAX_KEYS, AUS_E_LIMIT);
        r->u.verify.n = n / blk;
        for (size_t i = 0; i < r->u.verify.n; i++) {
            r->u.verify.ids[i] = aus_rd_be16(d);
            r->u.verify.iv[i] = aus_rd_view(d, AUS_EP_IV_BYTES);
            r->u.verify.ct[i] = aus_rd_view(d, 16);
            r->u.verify.mac[i] = aus_rd_view(d, AUS_EP_MAC_BYTES);
        }
        return AUS_OK;
    }
    case AUS_EP_KEY_INVENTORY: {
        /* count(2) then count x [KeyID(2) state(1)]; our length covers the count too
         * (CryptoLib's omits it: docs/keys.md §2). */
        size_t k = aus_rd_be16(d);
        AUS_ENSURE(k <= AUS_EP_INV_MAX, AUS_E_LIMIT);
        AUS_ENSURE(n == 2 + 3 * k, AUS_E_MALFORMED);
        r->u.inventory.n = k;
        for (size_t i = 0; i < k; i++) {
            r->u.inventory.ids[i] = aus_rd_be16(d);
            r->u.inventory.states[i] = aus_rd_u8(d);
        }
        return AUS_OK;
    }
    case AUS_EP_SA_STATUS:
        r->u.sa_status.spi = aus_rd_be16(d);
        r->u.sa_status.lpid = aus_rd_u8(d);
        return AUS_OK;
    case AUS_EP_SA_READ_ARSN:
        /* an SA without an ARSN (arsn_len 0) answers with the SPI alone */
        AUS_ENSURE(n >= 2 && n - 2 <= AUS_EP_FIELD_MAX, n < 2 ? AUS_E_TRUNC : AUS_E_LIMIT);
        r->u.read_arsn.spi = aus_rd_be16(d);
        r->u.read_arsn.n = n - 2;
        r->u.read_arsn.arsn = n > 2 ? aus_rd_view(d, n - 2) : NULL;
        return AUS_OK;
    case AUS_EP_MC_LOG_STATUS:
    case AUS_EP_MC_ERASE_LOG:
        r->u.log_status.events = aus_rd_be16(d);
        r->u.log_status.remaining = aus_rd_be16(d);
        return AUS_OK;
    case AUS_EP_MC_DUMP_LOG:
        AUS_ENSURE(n % AUS_EP_LOG_ENTRY == 0, AUS_E_MALFORMED);
        AUS_ENSURE(n / AUS_EP_LOG_ENTRY <= AUS_EP_LOG_MAX, AUS_E_LIMIT);
        r->u.dump.n = n / AUS_EP_LOG_ENTRY;
        r->u.dump.entries = n ? aus_rd_view(d, n) : NULL;
        return AUS_OK;
    case AUS_EP_MC_SELF_TEST: r->u.self_test = aus_rd_u8(d); return AUS_OK;
    default: return AUS_OK; /* no data: aus_rd_finish refuses any */
    }
}

aus_err aus_ep_reply_decode(aus_ep_reply *r, const uint8_t *in, size_t len)
{
    AUS_ENSURE(r && (in || len == 0), AUS_E_ARG);
    memset(r, 0, sizeof *r);
    aus_rd rd, d;
    AUS_TRY(rd_hdr(&rd, in, len, &r->tag, &d));
    AUS_ENSURE(r->tag & AUS_EP_REPLY, AUS_E_MALFORMED);
    r->cmd = (uint8_t)(r->tag & 0x3Fu);
    r->data = d.base;
    r->len = d.len;
    aus_err e;
    if (r->tag & AUS_EP_USER) {
        /* Australis refusal reply: one octet, the negated aus_err (never 0). */
        uint8_t code = aus_rd_u8(&d);
        e = d.err ? d.err : (code == 0 ? AUS_E_MALFORMED : AUS_OK);
        r->refused = (aus_err)(-(int)code);
    } else {
        e = dec_reply_body(r, &d);
    }
    if (e == AUS_OK)
        e = aus_rd_finish(&d);
    if (e != AUS_OK)
        memset(r, 0, sizeof *r);
    return e;
}

/* ---- OTAR and key verification crypto (ground and board share these) ---- */

aus_err aus_ep_verify_block(const aus_crypto *cr, const uint8_t key[32], const uint8_t iv[12],
                            const uint8_t challenge[16], uint8_t ct[16], uint8_t mac[16])
{
    AUS_ENSURE(cr && key && iv && challenge && ct && mac, AUS_E_ARG);
    /* Key verification: AES-256-GCM(key under test, IV, challenge), no AAD, 16-octet tag. */
    return cr->ops->aead_seal(cr->self, AUS_AEAD_AES256_GCM, key, 32, iv, AUS_EP_IV_BYTES, NULL, 0,
                              challenge, AUS_EP_CHALLENGE_BYTES, ct, mac, AUS_EP_MAC_BYTES);
}

int aus_ep_otar_build(const aus_crypto *cr, uint16_t mkid, const uint8_t mk[32],
                      const uint8_t iv[12], const uint8_t *keys, size_t n, uint8_t *out, size_t cap)
{
    AUS_ENSURE(cr && mk && iv && keys && n > 0 && n <= AUS_EP_MAX_KEYS, AUS_E_ARG);
    AUS_ENSURE(mkid <= AUS_KEY_ID_MASTER_LAST, AUS_E_ARG);
    for (size_t i = 0; i < n; i++) {
        unsigned id = (unsigned)keys[i * AUS_EP_OTAR_BLOCK] << 8 | keys[i * AUS_EP_OTAR_BLOCK + 1];
        AUS_ENSURE(id >= AUS_KEY_ID_SESSION_FIRST && id <= AUS_KEY_ID_SESSION_LAST, AUS_E_ARG);
    }
    size_t body = 2 + AUS_EP_IV_BYTES + n * AUS_EP_OTAR_BLOCK + AUS_EP_MAC_BYTES;
    AUS_ENSURE(cap >= AUS_EP_HDR_BYTES + body, AUS_E_NOBUFS);
    aus_wr w;
    aus_wr_init(&w, out, cap);
    wr_hdr(&w, AUS_EP_OTAR, body);
    aus_wr_be16(&w, mkid);
    aus_wr_bytes(&w, iv, AUS_EP_IV_BYTES);
    uint8_t *ct = aus_wr_reserve(&w, n * AUS_EP_OTAR_BLOCK);
    uint8_t *mac = aus_wr_reserve(&w, AUS_EP_MAC_BYTES);
    AUS_TRY(w.err);
    /* OTAR: the whole run of key blocks (ids included) is one AES-256-GCM
     * ciphertext under the master key, no AAD, tag right after the blocks. */
    aus_err e = cr->ops->aead_seal(cr->self, AUS_AEAD_AES256_GCM, mk, 32, iv, AUS_EP_IV_BYTES, NULL,
                                   0, keys, n * AUS_EP_OTAR_BLOCK, ct, mac, AUS_EP_MAC_BYTES);
    if (e != AUS_OK) {
        aus_wipe(out, cap);
        return e;
    }
    return (int)aus_wr_len(&w);
}
