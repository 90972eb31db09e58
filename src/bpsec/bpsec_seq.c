/* SPDX-License-Identifier: Apache-2.0 */
/* The sequence-number block (our private block type 192, docs/bpsec.md).
 *
 * Why a dedicated extension block (type 192, RFC 9171 §9.1 private/experimental range) and not
 * a field inside the encrypted payload:
 *  - The replay check can run BEFORE any decryption: a duplicate or too-old number is dropped
 *    after a table lookup, so an attacker replaying captured bundles cannot make the receiver
 *    spend AES/HMAC work (cheap rejection is itself a DoS defence on a slow flight CPU).
 *  - It is covered by the BIB of the protecting node (the BIB's targets include it), so it is
 *    authenticated with the same key and scope rules as everything else and it cannot be moved
 *    to another bundle: with the default scope the IPPT binds it to the primary block (source
 *    and creation timestamp).
 *  - The payload (the application's ADU) stays untouched: the application layer and RFC 9173's
 *    byte-exact Appendix A processing need no change, and a bundle without confidentiality
 *    still carries an authenticated sequence number.
 *  - It is removed at the destination together with the security blocks, so the delivered
 *    bundle is the original one.
 * The number space is per (security source, tenant): the block carries the tenant id, and the
 * receiver's window is keyed by the authenticated BIB security source and that tenant.
 * Encoding: the CBOR array [tenant, seq] with shortest-form unsigned integers; seq >= 1. */
#include "bpsec_int.h"

aus_err aus_bpsec_seq_encode(uint32_t tenant, uint64_t seq, uint8_t *out, size_t cap, size_t *len)
{
    AUS_ENSURE(seq != 0, AUS_E_ARG);
    aus_wr w;
    aus_wr_init(&w, out, cap);
    aus_cbor_wr_array(&w, 2);
    aus_cbor_wr_uint(&w, tenant);
    aus_cbor_wr_uint(&w, seq);
    AUS_TRY(w.err);
    *len = aus_wr_len(&w);
    return AUS_OK;
}

aus_err aus_bpsec_seq_decode(const uint8_t *p, size_t n, uint32_t *tenant, uint64_t *seq)
{
    aus_rd r;
    size_t cnt = 0;
    uint64_t t = 0, s = 0;
    aus_rd_init(&r, p, n);
    AUS_TRY(aus_cbor_rd_array(&r, BPSEC_CBOR, &cnt));
    AUS_ENSURE(cnt == 2, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&r, BPSEC_CBOR, &t));
    AUS_TRY(aus_cbor_rd_uint(&r, BPSEC_CBOR, &s));
    AUS_TRY(aus_rd_finish(&r));
    AUS_ENSURE(t <= UINT32_MAX, AUS_E_LIMIT);
    AUS_ENSURE(s != 0, AUS_E_MALFORMED);
    *tenant = (uint32_t)t;
    *seq = s;
    return AUS_OK;
}
