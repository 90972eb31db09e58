/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS ApplySecurity / ProcessSecurity on TC, TM and AOS frames (CCSDS 355.0-B §4).
 *
 * Frame layouts (355.0-B §4.1, security header and trailer; placed per frame type by 232.0,
 * 132.0 and 732.0):
 *   TC : H(5) | seg(0/1) | SPI | IV | SN | PL | data (+pad) | MAC | FECF(0/2)   (frame grows)
 *   TM : H(6) | TFSH(0/n) | SPI | IV | SN | PL | data | MAC | OCF(0/4) | FECF(0/2)  (in place)
 *   AOS: H(6) | FHEC(0/2) | IZ(0/n) | SPI | IV | SN | PL | data | MAC | OCF | FECF (in place)
 * AAD = frame octets 0 .. end of the security header (authenticated encryption) or 0 .. the
 * MAC (authentication only), AND-ed octet by octet with the SA's authentication bit mask.
 * Receive order: FECF, SPI -> SA, rebuild full IV / ARSN, MAC or tag, then anti-replay, then
 * (only when all passed) the SA's counters move (355.0 §4.2.2, the order CryptoLib uses).
 */
#include <string.h>

#include "australis/base.h"
#include "australis/sdls.h"
#include "sdls_internal.h"

typedef struct layout {
    size_t sh;   /* security header offset */
    size_t data; /* data field offset */
    size_t dlen; /* data field length (with any pad) */
    size_t mac;  /* MAC offset */
} layout;

/* ---- big-endian counters ---- */

int sdls_be_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

int sdls_be_add(uint8_t *a, size_t n, uint64_t v)
{
    unsigned carry = 0;
    for (size_t i = n; i-- > 0;) {
        unsigned s = (unsigned)a[i] + (unsigned)(v & 0xFFu) + carry;
        a[i] = (uint8_t)s;
        carry = s >> 8;
        v >>= 8;
    }
    return carry != 0 || v != 0;
}

/* recv - stored (mod 2^8n) in 1..w ? (355.0 §4.2.2.3 positive window).
 * fresh: nothing accepted since the counters were set; then an all-zero counter equal to an
 * all-zero stored value is the first one (CryptoLib's rule, docs/standards.md SDLS 12),
 * once only. */
static int in_window(const uint8_t *recv, const uint8_t *stored, size_t n, uint32_t w, int open,
                     int fresh)
{
    if (fresh && aus_ct_is_zero(recv, n) && aus_ct_is_zero(stored, n))
        return 1;
    if (open)
        return sdls_be_cmp(recv, stored, n) > 0;
    uint8_t d[AUS_SDLS_ARSN_MAX];
    unsigned borrow = 0;
    for (size_t i = n; i-- > 0;) {
        unsigned s = (unsigned)recv[i] - (unsigned)stored[i] - borrow;
        d[i] = (uint8_t)s;
        borrow = (s >> 8) & 1u;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX >> 8))
            return 0;
        v = (v << 8) | d[i];
    }
    return v >= 1 && v <= w;
}

/* Full counter from the transmitted tail (docs/standards.md SDLS 12): when the
 * non-transmitted octets increment too, search stored+1 .. stored+w for a matching tail. */
static aus_err rebuild(const uint8_t *stored, size_t full, const uint8_t *tail, size_t tx,
                       int search, uint32_t w, uint8_t *out)
{
    if (tx == full || !search) {
        memcpy(out, stored, full - tx);
        memcpy(out + full - tx, tail, tx);
        return AUS_OK;
    }
    memcpy(out, stored, full);
    for (uint32_t k = 0; k < w; k++) {
        (void)sdls_be_add(out, full, 1);
        if (memcmp(out + full - tx, tail, tx) == 0)
            return AUS_OK;
    }
    return AUS_E_REPLAY;
}

/* ---- AAD with the authentication bit mask ---- */

static uint8_t mask_at(const aus_sdls_sa *sa, size_t i)
{
    if (i >= sa->abm_len)
        return 0;
    return i < AUS_SDLS_ABM_PREFIX ? sa->abm[i] : sa->abm_tail;
}

static int mask_all_ones(const aus_sdls_sa *sa, size_t n)
{
    if (sa->abm_len < n)
        return 0;
    size_t pre = n < AUS_SDLS_ABM_PREFIX ? n : AUS_SDLS_ABM_PREFIX;
    for (size_t i = 0; i < pre; i++)
        if (sa->abm[i] != 0xFF)
            return 0;
    return n <= AUS_SDLS_ABM_PREFIX || sa->abm_tail == 0xFF;
}

/* 355.0 §4.1.1.1: the ABM is AND-ed with the AAD octets (docs/standards.md SDLS 3). */
static aus_iov aad_of(const aus_sdls_sa *sa, const uint8_t *f, size_t n, uint8_t *scratch)
{
    if (mask_all_ones(sa, n))
        return (aus_iov){f, n};
    for (size_t i = 0; i < n; i++)
        scratch[i] = (uint8_t)(f[i] & mask_at(sa, i));
    return (aus_iov){scratch, n};
}

static int is_gcm(const aus_sdls_sa *sa) { return sa->ecs == AUS_SDLS_ECS_AES256_GCM; }

static aus_err get_key(aus_sdls_table *t, uint16_t kid, int use, uint64_t now, uint8_t *key,
                       size_t *len)
{
    return t->keys->get(t->keys_self, kid, use, now, key, AUS_SDLS_KEY_MAX, len);
}

/* MAC-algorithm (HMAC via the provider, CMAC via ext ops) over the masked AAD. */
static aus_err mac_compute(aus_sdls_table *t, const aus_sdls_sa *sa, const uint8_t *key,
                           size_t klen, const aus_iov *aad, uint8_t *out, size_t *outlen)
{
    if (sa->acs == AUS_SDLS_ACS_HMAC_SHA256 || sa->acs == AUS_SDLS_ACS_HMAC_SHA512) {
        aus_hash_alg h = sa->acs == AUS_SDLS_ACS_HMAC_SHA256 ? AUS_HASH_SHA256 : AUS_HASH_SHA512;
        return t->crypto->ops->hmac(t->crypto->self, h, key, klen, aad, 1, out, outlen);
    }
    AUS_ENSURE(t->ext != NULL && t->ext->mac != NULL, AUS_E_UNSUPPORTED);
    return t->ext->mac(t->ext_self, sa->acs, key, klen, aad, 1, out, outlen);
}

/* The cryptographic part of apply (header already written, data in place). */
static aus_err seal(aus_sdls_table *t, aus_sdls_sa *sa, uint8_t *f, const layout *L, uint64_t now,
                    uint8_t *key, uint8_t *scratch)
{
    size_t klen = 0;
    uint8_t tag[AUS_SDLS_MAC_MAX];
    size_t taglen = sizeof tag;
    uint8_t *data = f + L->data;
    if (is_gcm(sa) && (sa->est || sa->ast)) {
        AUS_TRY(get_key(t, sa->ekid, AUS_SDLS_KEY_SEND, now, key, &klen));
        aus_iov aad = aad_of(sa, f, sa->est ? L->data : L->mac, scratch);
        /* est only: GCM keystream, no tag; ast only: GMAC, data clear (standards.md SDLS 2) */
        AUS_TRY(t->crypto->ops->aead_seal(t->crypto->self, AUS_AEAD_AES256_GCM, key, klen, sa->iv,
                                          sa->iv_len, &aad, sa->ast ? 1u : 0u, data,
                                          sa->est ? L->dlen : 0u, data, tag, AUS_GCM_TAG_BYTES));
        taglen = AUS_GCM_TAG_BYTES;
    } else if (sa->est) { /* CBC (create refuses est with anything but GCM / CBC) */
        AUS_ENSURE(t->ext != NULL && t->ext->cbc != NULL, AUS_E_UNSUPPORTED);
        AUS_TRY(get_key(t, sa->ekid, AUS_SDLS_KEY_SEND, now, key, &klen));
        AUS_TRY(t->ext->cbc(t->ext_self, 1, key, klen, sa->iv, sa->iv_len, data, L->dlen));
    } else if (sa->ast) {
        AUS_TRY(get_key(t, sa->akid, AUS_SDLS_KEY_SEND, now, key, &klen));
        aus_iov aad = aad_of(sa, f, L->mac, scratch);
        AUS_TRY(mac_compute(t, sa, key, klen, &aad, tag, &taglen));
    }
    if (sa->ast) {
        AUS_ENSURE(taglen >= sa->stmacf_len, AUS_E_INTERNAL);
        memcpy(f + L->mac, tag, sa->stmacf_len); /* truncation keeps the first octets */
    } else if (sa->stmacf_len > 0) {
        memset(f + L->mac, 0, sa->stmacf_len);
    }
    aus_wipe(tag, sizeof tag);
    return AUS_OK;
}

/* Write the security header and protect the frame; advance the SA's counters. */
static aus_err apply_sa(aus_sdls_table *t, aus_sdls_sa *sa, uint8_t *f, const layout *L,
                        uint8_t pad, uint64_t now)
{
    AUS_ENSURE(!sa->exhausted, AUS_E_LIMIT);
    if (sa->shivf_len > 0 || sa->shsnf_len > 0)
        AUS_TRY(sdls_reserve(t, sa));
    aus_wr w;
    aus_wr_init(&w, f + L->sh, L->data - L->sh);
    aus_wr_be16(&w, sa->spi);
    aus_wr_bytes(&w, sa->iv + sa->iv_len - sa->shivf_len, sa->shivf_len);
    aus_wr_bytes(&w, sa->arsn + sa->arsn_len - sa->shsnf_len, sa->shsnf_len);
    aus_wr_ben(&w, pad, sa->shplf_len); /* 355.0 §4.1.1.5: count of fill octets */
    AUS_TRY(aus_wr_finish(&w));
    uint8_t key[AUS_SDLS_KEY_MAX];
    uint8_t scratch[AUS_SDLS_MAX_FRAME];
    aus_err e = seal(t, sa, f, L, now, key, scratch);
    aus_wipe(key, sizeof key);
    AUS_TRY(e);
    /* The frame carries the pre-increment values (docs/standards.md SDLS 10). A counter that
     * wraps would repeat an IV / SN under the same key: the SA stops until it is rekeyed. */
    int wrap = 0;
    if (sa->shivf_len > 0) {
        size_t off = (sa->flags & AUS_SDLS_F_IV_TX_ONLY) ? (size_t)(sa->iv_len - sa->shivf_len) : 0;
        wrap |= sdls_be_add(sa->iv + off, sa->iv_len - off, 1);
    }
    if (sa->shsnf_len > 0)
        wrap |= sdls_be_add(sa->arsn, sa->arsn_len, 1);
    sa->exhausted = (uint8_t)wrap;
    sa->n_ok++;
    return AUS_OK;
}

/* ---- process ---- */

static aus_err open_frame(aus_sdls_table *t, aus_sdls_sa *sa, uint8_t *f, const layout *L,
                          const uint8_t *iv, uint64_t now, size_t *plain_len)
{
    uint8_t key[AUS_SDLS_KEY_MAX];
    uint8_t scratch[AUS_SDLS_MAX_FRAME];
    uint8_t tag[AUS_SDLS_MAC_MAX];
    size_t klen = 0, taglen = sizeof tag;
    uint8_t *data = f + L->data;
    const aus_crypto_ops *c = t->crypto->ops;
    aus_err e = AUS_OK;
    *plain_len = L->dlen;
    if (is_gcm(sa) && (sa->est || sa->ast)) {
        e = get_key(t, sa->ekid, AUS_SDLS_KEY_RECV, now, key, &klen);
        if (e == AUS_OK && sa->est && sa->ast) {
            aus_iov aad = aad_of(sa, f, L->data, scratch);
            e = c->aead_open(t->crypto->self, AUS_AEAD_AES256_GCM, key, klen, iv, sa->iv_len, &aad,
                             1, data, L->dlen, f + L->mac, sa->stmacf_len, data);
        } else if (e == AUS_OK) {
            /* est only: the keystream again (CTR is its own inverse); ast only: GMAC. */
            aus_iov aad = aad_of(sa, f, L->mac, scratch);
            e = c->aead_seal(t->crypto->self, AUS_AEAD_AES256_GCM, key, klen, iv, sa->iv_len, &aad,
                             sa->ast ? 1u : 0u, data, sa->est ? L->dlen : 0u, data, tag,
                             AUS_GCM_TAG_BYTES);
            if (e == AUS_OK && sa->ast && !aus_ct_eq(tag, f + L->mac, sa->stmacf_len))
                e = AUS_E_AUTH;
        }
    } else if (sa->est) {
        e = (t->ext != NULL && t->ext->cbc != NULL) ? AUS_OK : AUS_E_UNSUPPORTED;
        if (e == AUS_OK)
            e = get_key(t, sa->ekid, AUS_SDLS_KEY_RECV, now, key, &klen);
        if (e == AUS_OK)
            e = (L->dlen % 16u == 0) ? AUS_OK : AUS_E_MALFORMED;
        if (e == AUS_OK)
            e = t->ext->cbc(t->ext_self, 0, key, klen, iv, sa->iv_len, data, L->dlen);
        if (e == AUS_OK && sa->shplf_len > 0) {
            /* 355.0 §4.1.1.5.2: Pad Length = fill octets appended before encryption. */
            aus_rd r;
            aus_rd_init(&r, f + L->data - sa->shplf_len, sa->shplf_len);
            uint64_t pad = aus_rd_ben(&r, sa->shplf_len);
            e = pad <= L->dlen ? AUS_OK : AUS_E_MALFORMED;
            if (e == AUS_OK)
                *plain_len = L->dlen - (size_t)pad;
        }
    } else if (sa->ast) {
        e = get_key(t, sa->akid, AUS_SDLS_KEY_RECV, now, key, &klen);
        aus_iov aad = aad_of(sa, f, L->mac, scratch);
        if (e == AUS_OK)
            e = mac_compute(t, sa, key, klen, &aad, tag, &taglen);
        if (e == AUS_OK && (taglen < sa->stmacf_len || !aus_ct_eq(tag, f + L->mac, sa->stmacf_len)))
            e = AUS_E_AUTH;
    }
    aus_wipe(key, sizeof key);
    aus_wipe(tag, sizeof tag);
    return e;
}

static void fsr_fail(aus_sdls_table *t, aus_err e)
{
    t->fsr.alarm = 1;
    if (e == AUS_E_AUTH)
        t->fsr.bad_mac = 1;
    else if (e == AUS_E_REPLAY)
        t->fsr.bad_sn = 1;
    else if (e == AUS_E_SPI)
        t->fsr.bad_sa = 1;
}

/* Everything after SA selection: rebuild counters, verify, anti-replay, commit. */
static aus_err process_sa(aus_sdls_table *t, aus_sdls_sa *sa, uint8_t *f, const layout *L,
                          uint64_t now, size_t *plain_len)
{
    const uint8_t *h = f + L->sh + AUS_SDLS_SPI_LEN;
    uint8_t iv[AUS_SDLS_IV_MAX], arsn[AUS_SDLS_ARSN_MAX];
    int open = (sa->flags & AUS_SDLS_F_AR_OPEN) != 0;
    int iv_search = !(sa->flags & AUS_SDLS_F_IV_TX_ONLY);
    AUS_TRY(rebuild(sa->iv, sa->iv_len, h, sa->shivf_len, iv_search, sa->arsnw, iv));
    AUS_TRY(rebuild(sa->arsn, sa->arsn_len, h + sa->shivf_len, sa->shsnf_len, 1, sa->arsnw, arsn));
    aus_err e = open_frame(t, sa, f, L, iv, now, plain_len);
    if (e == AUS_E_AUTH)
        sa->n_auth++;
    AUS_TRY(e);
    /* 355.0 §4.2.2.3 (after the MAC: "Now that MAC has been verified, check IV & ARSN"). */
    int chk_iv = sa->iv_len > 0 && is_gcm(sa);
    if (sa->shsnf_len > 0 &&
        !in_window(arsn, sa->arsn, sa->arsn_len, sa->arsnw, open, !sa->rx_seen)) {
        sa->n_replay++;
        return AUS_E_REPLAY;
    }
    if (chk_iv) {
        size_t off = iv_search ? 0 : (size_t)(sa->iv_len - sa->shivf_len);
        if (!in_window(iv + off, sa->iv + off, sa->iv_len - off, sa->arsnw, open, !sa->rx_seen)) {
            sa->n_replay++;
            return AUS_E_REPLAY;
        }
    }
    /* The receiver's window survives a restart: record before accepting (no-op without a
     * store; a store failure rejects the frame and changes nothing). */
    if (chk_iv || sa->shsnf_len > 0)
        AUS_TRY(sdls_put_counters(t, "rx/", sa, chk_iv ? iv : sa->iv,
                                  sa->shsnf_len > 0 ? arsn : sa->arsn));
    if (chk_iv)
        memcpy(sa->iv, iv, sa->iv_len);
    if (sa->shsnf_len > 0)
        memcpy(sa->arsn, arsn, sa->arsn_len);
    sa->n_ok++;
    sa->rx_seen = 1;
    t->fsr.last_spi = sa->spi;
    t->fsr.last_sn = sa->arsn_len > 0 ? sa->arsn[sa->arsn_len - 1] : 0;
    return AUS_OK;
}

/* Select the SA for a received frame (SPI at offset sh) and check its channel binding. */
static aus_err rx_sa(aus_sdls_table *t, const uint8_t *f, size_t sh, uint16_t scid, uint8_t vcid,
                     uint8_t tfvn, aus_sdls_sa **out)
{
    uint16_t spi = (uint16_t)((f[sh] << 8) | f[sh + 1]);
    aus_sdls_sa *sa = sdls_sa_lookup(t, spi);
    /* 355.0 §4.2.2.1: unknown SPI, or an SA not operational, or on another channel. */
    if (sa == NULL || sa->state != AUS_SDLS_SA_OPERATIONAL ||
        (sa->bound && (sa->gvcid.scid != scid || sa->gvcid.vcid != vcid || sa->gvcid.tfvn != tfvn)))
        return AUS_E_SPI;
    *out = sa;
    return AUS_OK;
}

static aus_err tx_sa(aus_sdls_table *t, uint16_t spi, uint16_t scid, uint8_t vcid, uint8_t tfvn,
                     aus_sdls_sa **out)
{
    aus_sdls_sa *sa = sdls_sa_lookup(t, spi);
    if (sa == NULL || sa->state != AUS_SDLS_SA_OPERATIONAL ||
        (sa->bound && (sa->gvcid.scid != scid || sa->gvcid.vcid != vcid || sa->gvcid.tfvn != tfvn)))
        return AUS_E_SPI;
    *out = sa;
    return AUS_OK;
}

static size_t sh_len(const aus_sdls_sa *sa)
{
    return (size_t)AUS_SDLS_SPI_LEN + sa->shivf_len + sa->shsnf_len + sa->shplf_len;
}

static void put_fecf(const aus_sdls_link *l, uint8_t *f, size_t len)
{
    if (l->fecf == AUS_SDLS_FECF_NONE)
        return;
    uint16_t crc = l->fecf == AUS_SDLS_FECF_YES ? aus_crc16_ccitt(f, len - 2) : 0;
    f[len - 2] = (uint8_t)(crc >> 8);
    f[len - 1] = (uint8_t)crc;
}

static aus_err check_fecf(const aus_sdls_link *l, const uint8_t *f, size_t len)
{
    if (l->fecf != AUS_SDLS_FECF_YES)
        return AUS_OK;
    uint16_t crc = aus_crc16_ccitt(f, len - 2);
    AUS_ENSURE(f[len - 2] == (uint8_t)(crc >> 8) && f[len - 1] == (uint8_t)crc, AUS_E_CRC);
    return AUS_OK;
}

static size_t fecf_len(const aus_sdls_link *l) { return l->fecf != AUS_SDLS_FECF_NONE ? 2u : 0u; }

/* ---- TC (232.0 + 355.0 §4) ---- */

typedef struct tc_hdr {
    uint8_t tfvn, cc;
    uint16_t scid;
    uint8_t vcid;
    size_t flen;
} tc_hdr;

static aus_err tc_parse(const uint8_t *f, size_t len, tc_hdr *h)
{
    aus_rd r;
    aus_rd_init(&r, f, len);
    uint16_t w0 = aus_rd_be16(&r), w1 = aus_rd_be16(&r);
    AUS_TRY(r.err);
    h->tfvn = (uint8_t)(w0 >> 14);
    h->cc = (uint8_t)((w0 >> 12) & 1u);
    h->scid = (uint16_t)(w0 & 0x3FFu);
    h->vcid = (uint8_t)(w1 >> 10);
    h->flen = (size_t)(w1 & 0x3FFu) + 1u;
    /* 232.0 §4.1.2.7: Frame Length = total octets - 1. */
    AUS_ENSURE(h->flen == len, AUS_E_MALFORMED);
    /* 232.0 §6.3.1 (as quoted by CryptoLib): Type-C frames carry no security header/trailer. */
    AUS_ENSURE(h->cc == 0, AUS_E_MALFORMED);
    return AUS_OK;
}

int aus_sdls_tc_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi, uint8_t *f,
                      size_t len, size_t cap, uint64_t now)
{
    AUS_ENSURE(t != NULL && l != NULL && f != NULL && len >= 5 && len <= AUS_SDLS_TC_MAX_FRAME,
               AUS_E_ARG);
    tc_hdr h;
    AUS_TRY(tc_parse(f, len, &h));
    aus_sdls_sa *sa;
    AUS_TRY(tx_sa(t, spi, h.scid, h.vcid, h.tfvn, &sa));
    size_t hdr = 5u + (l->seg_hdr ? 1u : 0u), fl = fecf_len(l);
    AUS_ENSURE(len >= hdr + fl, AUS_E_MALFORMED);
    size_t pl = len - hdr - fl, pad = 0;
    if (sa->est && sa->ecs == AUS_SDLS_ECS_AES256_CBC)
        pad = 16u - pl % 16u; /* docs/standards.md SDLS 14: 1..16, every octet = the count */
    AUS_ENSURE(pad < (1u << (8 * sa->shplf_len)) || pad == 0, AUS_E_ARG);
    size_t shl = sh_len(sa), nl = len + shl + pad + sa->stmacf_len;
    size_t max = l->frame_len > 0 && l->frame_len < AUS_SDLS_TC_MAX_FRAME ? l->frame_len
                                                                          : AUS_SDLS_TC_MAX_FRAME;
    AUS_ENSURE(nl <= max, AUS_E_LIMIT);
    AUS_ENSURE(nl <= cap, AUS_E_NOBUFS);
    uint8_t keep[4] = {f[2], f[3], fl ? f[len - 2] : 0, fl ? f[len - 1] : 0};
    memmove(f + hdr + shl, f + hdr, pl);
    memset(f + hdr + shl + pl, (int)pad, pad);
    memset(f + hdr + shl + pl + pad, 0, sa->stmacf_len + fl);
    f[2] = (uint8_t)((f[2] & 0xFCu) | (((nl - 1u) >> 8) & 3u));
    f[3] = (uint8_t)(nl - 1u);
    layout L = {hdr, hdr + shl, pl + pad, hdr + shl + pl + pad};
    aus_err e = apply_sa(t, sa, f, &L, (uint8_t)pad, now);
    if (e != AUS_OK) { /* put the caller's frame back as it was */
        memmove(f + hdr, f + hdr + shl, pl);
        f[2] = keep[0];
        f[3] = keep[1];
        if (fl) {
            f[len - 2] = keep[2];
            f[len - 1] = keep[3];
        }
        return e;
    }
    put_fecf(l, f, nl);
    return (int)nl;
}

aus_err aus_sdls_tc_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *f, size_t len,
                            uint64_t now, aus_sdls_rx *out)
{
    AUS_ENSURE(t != NULL && l != NULL && f != NULL && out != NULL, AUS_E_ARG);
    size_t hdr = 5u + (l->seg_hdr ? 1u : 0u), fl = fecf_len(l);
    AUS_ENSURE(len >= hdr + AUS_SDLS_SPI_LEN + fl, AUS_E_TRUNC);
    AUS_ENSURE(len <= AUS_SDLS_TC_MAX_FRAME, AUS_E_LIMIT);
    tc_hdr h;
    AUS_TRY(tc_parse(f, len, &h));
    AUS_TRY(check_fecf(l, f, len));
    aus_sdls_sa *sa;
    aus_err e = rx_sa(t, f, hdr, h.scid, h.vcid, h.tfvn, &sa);
    if (e == AUS_OK && len < hdr + sh_len(sa) + sa->stmacf_len + fl)
        e = AUS_E_TRUNC;
    if (e != AUS_OK) {
        fsr_fail(t, e);
        return e;
    }
    size_t data = hdr + sh_len(sa), dlen = len - data - sa->stmacf_len - fl;
    layout L = {hdr, data, dlen, data + dlen};
    size_t plain = 0;
    e = process_sa(t, sa, f, &L, now, &plain);
    if (e != AUS_OK) {
        fsr_fail(t, e);
        return e;
    }
    *out = (aus_sdls_rx){sa->spi, data, plain};
    return AUS_OK;
}

/* ---- TM (132.0) and AOS (732.0): fixed length, in place ---- */

typedef struct fixed_hdr {
    uint8_t tfvn, vcid;
    uint16_t scid;
    size_t sh; /* security header offset */
} fixed_hdr;

static aus_err tm_parse(const uint8_t *f, size_t len, fixed_hdr *h)
{
    aus_rd r;
    aus_rd_init(&r, f, len);
    uint16_t w0 = aus_rd_be16(&r);
    aus_rd_skip(&r, 2);
    uint16_t w2 = aus_rd_be16(&r);
    AUS_TRY(r.err);
    h->tfvn = (uint8_t)(w0 >> 14);
    AUS_ENSURE(h->tfvn == 0, AUS_E_MALFORMED); /* 132.0 §4.1.2.2.2: TFVN 00 */
    h->scid = (uint16_t)((w0 >> 4) & 0x3FFu);
    h->vcid = (uint8_t)((w0 >> 1) & 7u);
    h->sh = 6;
    if (w2 & 0x8000u) { /* secondary header present (132.0 §4.1.3) */
        uint8_t id = aus_rd_u8(&r);
        AUS_TRY(r.err);
        AUS_ENSURE((id >> 6) == 0, AUS_E_MALFORMED); /* version 00 */
        h->sh = 6u + (size_t)(id & 0x3Fu) + 1u;      /* length field = total - 1 */
    }
    return AUS_OK;
}

static aus_err aos_parse(const aus_sdls_link *l, const uint8_t *f, size_t len, fixed_hdr *h)
{
    aus_rd r;
    aus_rd_init(&r, f, len);
    uint16_t w0 = aus_rd_be16(&r);
    AUS_TRY(r.err);
    h->tfvn = (uint8_t)(w0 >> 14);
    AUS_ENSURE(h->tfvn == 1, AUS_E_MALFORMED); /* 732.0 §4.1.2.2.2: TFVN 01 */
    h->scid = (uint16_t)((w0 >> 6) & 0xFFu);
    h->vcid = (uint8_t)(w0 & 0x3Fu);
    h->sh = 6u + (l->fhec ? 2u : 0u) + l->iz_len;
    return AUS_OK;
}

static aus_err fixed_layout(const aus_sdls_link *l, const aus_sdls_sa *sa, size_t len,
                            const fixed_hdr *h, layout *L)
{
    size_t tail = sa->stmacf_len + (l->ocf ? 4u : 0u) + fecf_len(l);
    size_t data = h->sh + sh_len(sa);
    AUS_ENSURE(len >= data + tail, AUS_E_TRUNC);
    *L = (layout){h->sh, data, len - data - tail, len - tail};
    return AUS_OK;
}

static aus_err fixed_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi, uint8_t *f,
                           size_t len, uint64_t now, int aos)
{
    AUS_ENSURE(t != NULL && l != NULL && f != NULL, AUS_E_ARG);
    AUS_ENSURE(len == l->frame_len && len <= AUS_SDLS_MAX_FRAME, AUS_E_ARG);
    fixed_hdr h;
    AUS_TRY(aos ? aos_parse(l, f, len, &h) : tm_parse(f, len, &h));
    aus_sdls_sa *sa;
    AUS_TRY(tx_sa(t, spi, h.scid, h.vcid, h.tfvn, &sa));
    layout L;
    AUS_TRY(fixed_layout(l, sa, len, &h, &L));
    /* Fixed-length frames: CBC needs a data field that is already a whole number of blocks
     * (we never invent fill inside a fixed frame) [assumption, docs/standards.md]. */
    if (sa->est && sa->ecs == AUS_SDLS_ECS_AES256_CBC)
        AUS_ENSURE(L.dlen % 16u == 0, AUS_E_UNSUPPORTED);
    AUS_TRY(apply_sa(t, sa, f, &L, 0, now));
    put_fecf(l, f, len);
    return AUS_OK;
}

static aus_err fixed_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *f, size_t len,
                             uint64_t now, aus_sdls_rx *out, int aos)
{
    AUS_ENSURE(t != NULL && l != NULL && f != NULL && out != NULL, AUS_E_ARG);
    AUS_ENSURE(len == l->frame_len, AUS_E_MALFORMED);
    AUS_ENSURE(len <= AUS_SDLS_MAX_FRAME, AUS_E_LIMIT);
    fixed_hdr h;
    AUS_TRY(aos ? aos_parse(l, f, len, &h) : tm_parse(f, len, &h));
    AUS_ENSURE(len >= h.sh + AUS_SDLS_SPI_LEN + fecf_len(l), AUS_E_TRUNC);
    AUS_TRY(check_fecf(l, f, len));
    aus_sdls_sa *sa;
    layout L;
    aus_err e = rx_sa(t, f, h.sh, h.scid, h.vcid, h.tfvn, &sa);
    if (e == AUS_OK)
        e = fixed_layout(l, sa, len, &h, &L);
    size_t plain = 0;
    if (e == AUS_OK)
        e = process_sa(t, sa, f, &L, now, &plain);
    if (e != AUS_OK) {
        fsr_fail(t, e);
        return e;
    }
    *out = (aus_sdls_rx){sa->spi, L.data, plain};
    return AUS_OK;
}

aus_err aus_sdls_tm_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi, uint8_t *f,
                          size_t len, uint64_t now)
{
    return fixed_apply(t, l, spi, f, len, now, 0);
}

aus_err aus_sdls_tm_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *f, size_t len,
                            uint64_t now, aus_sdls_rx *out)
{
    return fixed_process(t, l, f, len, now, out, 0);
}

aus_err aus_sdls_aos_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi, uint8_t *f,
                           size_t len, uint64_t now)
{
    return fixed_apply(t, l, spi, f, len, now, 1);
}

aus_err aus_sdls_aos_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *f, size_t len,
                             uint64_t now, aus_sdls_rx *out)
{
    return fixed_process(t, l, f, len, now, out, 1);
}
