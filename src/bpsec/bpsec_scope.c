/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9173 canonical forms: the IPPT of BIB-HMAC-SHA2 (§3.7) and the AAD of BCB-AES-GCM
 * (§4.7.1), as scatter lists (no copy of the target data); block CRC repair; key unwrap. */
#include <string.h>

#include "bpsec_int.h"

/* One CBOR unsigned integer in its preferred (shortest) head, RFC 8949 §3.1 / §4.2.1, written
 * straight into out (at least 9 bytes). aus_cbor_wr_uint writes the same bytes through a
 * bounds-checked cursor, one call per byte; these headers are built up to 8 times per bundle
 * per side, so they are written here directly. test_bpsec_appa's RFC 9173 App. A vectors pin
 * the bytes. */
static size_t enc_uint(uint8_t *out, uint64_t v)
{
    if (v < 24) {
        out[0] = (uint8_t)v;
        return 1;
    }
    size_t n = v <= 0xFFu ? 1 : v <= 0xFFFFu ? 2 : v <= 0xFFFFFFFFu ? 4 : 8;
    out[0] = (uint8_t)(n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27);
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return 1 + n;
}

size_t bpsec_hdr_enc(uint8_t out[27], uint64_t type, uint64_t num, uint64_t flags)
{
    size_t n = enc_uint(out, type);
    n += enc_uint(out + n, num);
    return n + enc_uint(out + n, flags);
}

static void common(sc_scatter *s, uint8_t scope, const uint8_t *pri, size_t pri_len,
                   const aus_bpv7_block *tgt, uint64_t st, uint64_t sn, uint64_t sf)
{
    s->n = 0;
    /* RFC 9173 §3.7 step 1 / §4.7.1 step 1: the scope flags, a CBOR unsigned integer */
    s->iov[s->n++] = (aus_iov){s->scope_enc, enc_uint(s->scope_enc, scope)};
    /* step 2: the primary block's canonical form */
    if (scope & AUS_BPSEC_SCOPE_PRIMARY)
        s->iov[s->n++] = (aus_iov){pri, pri_len};
    /* step 3: target block type, number, flags (the primary block has no such header) */
    if ((scope & AUS_BPSEC_SCOPE_TARGET_HDR) && tgt)
        s->iov[s->n++] =
            (aus_iov){s->thdr, bpsec_hdr_enc(s->thdr, tgt->type, tgt->number, tgt->flags)};
    /* step 4: security block type, number, flags */
    if (scope & AUS_BPSEC_SCOPE_SECURITY_HDR)
        s->iov[s->n++] = (aus_iov){s->shdr, bpsec_hdr_enc(s->shdr, st, sn, sf)};
}

void bpsec_ippt(sc_scatter *s, uint8_t scope, const uint8_t *pri, size_t pri_len,
                const aus_bpv7_block *tgt, const uint8_t *tdata, uint64_t st, uint64_t sn,
                uint64_t sf)
{
    common(s, scope, pri, pri_len, tgt, st, sn, sf);
    /* RFC 9173 §3.7 step 5: the target's block-type-specific data as a CBOR byte string; for
     * the primary block, its whole encoding as a byte string (RFC 9173 App. A.3). */
    const uint8_t *d = tgt ? tdata : pri;
    size_t dl = tgt ? tgt->data_len : pri_len;
    size_t hl = enc_uint(s->dhead, dl);
    s->dhead[0] |= (uint8_t)(AUS_CBOR_BSTR << 5); /* the same head, major type 2 */
    s->iov[s->n++] = (aus_iov){s->dhead, hl};
    s->iov[s->n++] = (aus_iov){d, dl};
}

void bpsec_aad(sc_scatter *s, uint8_t scope, const uint8_t *pri, size_t pri_len,
               const aus_bpv7_block *tgt, uint64_t st, uint64_t sn, uint64_t sf)
{
    common(s, scope, pri, pri_len, tgt, st, sn, sf);
}

void bpsec_fix_crc(uint8_t *buf, size_t off, size_t len, unsigned crc_type)
{
    /* RFC 9171 §4.2.1: the CRC is computed over the whole block with the CRC value zeroed */
    if (crc_type == AUS_BPV7_CRC_16 && len >= 3) {
        memset(buf + off + len - 2, 0, 2);
        uint16_t c = aus_crc16_x25(buf + off, len);
        buf[off + len - 2] = (uint8_t)(c >> 8);
        buf[off + len - 1] = (uint8_t)c;
    } else if (crc_type == AUS_BPV7_CRC_32C && len >= 5) {
        memset(buf + off + len - 4, 0, 4);
        uint32_t c = aus_crc32c(buf + off, len);
        for (int i = 0; i < 4; i++)
            buf[off + len - 4 + (size_t)i] = (uint8_t)(c >> (24 - 8 * i));
    }
}

long bpsec_find_num(const aus_bpv7_bundle *b, uint64_t num)
{
    if (num == 0)
        return -2;
    for (size_t i = 0; i < b->nblocks; i++)
        if (b->blk[i].number == num)
            return (long)i;
    return -1;
}

aus_err bpsec_key_unwrap(const aus_crypto *c, const uint8_t *key, size_t key_len,
                         const uint8_t *wrapped, size_t wrapped_len, uint8_t *out, size_t *out_len)
{
    if (!wrapped) {
        AUS_ENSURE(key_len > 0 && key_len <= AUS_BPSEC_KEY_MAX, AUS_E_KEY);
        memcpy(out, key, key_len);
        *out_len = key_len;
        return AUS_OK;
    }
    /* RFC 9173 §3.3.2 / §4.3.3: the configured key is the KEK; AES-KW (RFC 3394) */
    AUS_ENSURE(wrapped_len >= 24 && wrapped_len - 8 <= AUS_BPSEC_KEY_MAX, AUS_E_MALFORMED);
    aus_err e = c->ops->key_unwrap(c->self, key, key_len, wrapped, wrapped_len, out);
    if (e != AUS_OK) {
        aus_wipe(out, AUS_BPSEC_KEY_MAX);
        return e;
    }
    *out_len = wrapped_len - 8;
    return AUS_OK;
}
