/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's built-in security envelope (include/australis/agent.h, "built-in envelope").
 *
 * Why an envelope of our own next to BPSec: the daemons must never send a byte in the clear,
 * and this envelope needs nothing but the crypto provider; the daemon installs the BPSec
 * envelope (RFC 9172 BIB + BCB) through the same ops table where the bpsec layer is built in.
 * Rules enforced here:
 *   - NIST SP 800-38D §8.2.1: deterministic IV = fixed field || invocation counter, the counter
 *     reserved in the durable store before use (aus_ctr), so no (key, IV) pair repeats, even
 *     across a crash;
 *   - the sequence number, key id and IV travel in extension block 192 whose encoded data,
 *     together with the encoded primary block, is the AEAD's additional data: changing any of
 *     them (or the destination, source, creation time, lifetime) fails authentication.
 * Keys are named at the crypto provider by (tenant's domain, key id), so the provider keeps one
 * keyed context per key and use while the key is active (DESIGN.md §5); a key the keystore no
 * longer releases for receiving has its contexts retired here as well as by the keystore.
 */
#include <string.h>

#include "australis/agent.h"
#include "australis/base.h"
#include "australis/cbor.h"

#define IV_LEN 12u
#define TAG_LEN 16u
#define KEY_LEN 32u
#define EXT_MAX 48u

aus_err aus_agent_seal_init(aus_agent_seal *s, const aus_crypto *crypto, const aus_store *store,
                            const char *tenant, uint32_t iv_fixed,
                            const aus_agent_seal_keys_ops *keys)
{
    AUS_ENSURE(s && crypto && store && tenant && keys && keys->send_key && keys->recv_key,
               AUS_E_ARG);
    AUS_ENSURE(strlen(tenant) > 0 && strlen(tenant) < 32, AUS_E_ARG);
    s->crypto = crypto;
    s->store = store;
    s->keys = *keys;
    s->iv_fixed = iv_fixed;
    aus_key key;
    aus_key_init(&key, "ag/");
    aus_key_str(&key, tenant);
    aus_key_str(&key, "/iv");
    /* 2^64 - 2 invocations at most; SP 800-38D §8.3 caps a key at 2^32 in practice, which the
     * rekey procedures stay far below. */
    return aus_ctr_open(&s->iv, store, key.s, UINT64_MAX - 1, AUS_CTR_RESERVE_BLOCK);
}

/* The tenant's key domain at the provider: key ids are per tenant ("ag/<tenant>/iv" names it). */
static uint32_t seal_domain(const aus_agent_seal *s) { return aus_crypto_domain(s->iv.key); }

aus_err aus_agent_seal_reload(aus_agent_seal *s)
{
    return aus_ctr_open(&s->iv, s->store, s->iv.key, s->iv.max, s->iv.block);
}

static long seal_protect(void *self, aus_bpv7_bundle *b, uint64_t seq, uint64_t now_ms,
                         uint8_t *out, size_t cap)
{
    aus_agent_seal *s = self;
    uint8_t iv[IV_LEN], key[KEY_LEN], ext[EXT_MAX], pri[256];
    uint64_t ctr;
    uint16_t kid = 0;
    AUS_ENSURE(b->payload_len + TAG_LEN <= sizeof s->ct, AUS_E_LIMIT);
    AUS_TRY(aus_ctr_take(&s->iv, s->store, &ctr));
    aus_wr w;
    aus_wr_init(&w, iv, sizeof iv);
    aus_wr_be32(&w, s->iv_fixed);
    aus_wr_be64(&w, ctr);
    AUS_TRY(s->keys.send_key(s->keys.ctx, now_ms, &kid, key));
    if (s->keys.iv_log)
        s->keys.iv_log(s->keys.ctx, kid, iv);
    aus_wr_init(&w, ext, sizeof ext);
    aus_cbor_wr_array(&w, 3);
    aus_cbor_wr_uint(&w, seq);
    aus_cbor_wr_uint(&w, kid);
    aus_cbor_wr_bstr(&w, iv, sizeof iv);
    aus_err e = w.err;
    size_t extlen = aus_wr_len(&w);
    aus_wr pw;
    aus_wr_init(&pw, pri, sizeof pri);
    aus_bpv7_primary_write(&pw, &b->pri);
    if (e == AUS_OK)
        e = pw.err;
    if (e == AUS_OK) {
        aus_iov aad[2] = {{pri, aus_wr_len(&pw)}, {ext, extlen}};
        aus_crypto_key k = {key, KEY_LEN, seal_domain(s), kid};
        e = aus_crypto_seal_k(s->crypto, AUS_AEAD_AES256_GCM, &k, iv, IV_LEN, aad, 2, b->payload,
                              b->payload_len, s->ct, s->ct + b->payload_len, TAG_LEN);
    }
    aus_wipe(key, sizeof key);
    AUS_TRY(e);
    long idx = aus_bpv7_add_block(b, AUS_AGENT_SEAL_BLOCK, 2, 0, AUS_BPV7_CRC_NONE, ext, extlen);
    AUS_TRY(idx);
    AUS_TRY(aus_bpv7_set_payload(b, s->ct, b->payload_len + TAG_LEN, 0, AUS_BPV7_CRC_NONE));
    return aus_bpv7_encode(b, out, cap);
}

static aus_err parse_ext(const aus_bpv7_block *blk, uint64_t *seq, uint16_t *kid,
                         const uint8_t **iv)
{
    aus_rd r;
    size_t n, ivn;
    uint64_t k;
    aus_rd_init(&r, blk->data, blk->data_len);
    AUS_TRY(aus_cbor_rd_array(&r, AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF, &n));
    AUS_ENSURE(n == 3, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&r, AUS_CBOR_STRICT, seq));
    AUS_TRY(aus_cbor_rd_uint(&r, AUS_CBOR_STRICT, &k));
    AUS_ENSURE(k <= 0xFFFFu, AUS_E_MALFORMED);
    *kid = (uint16_t)k;
    AUS_TRY(aus_cbor_rd_bstr(&r, AUS_CBOR_STRICT, iv, &ivn));
    AUS_ENSURE(ivn == IV_LEN, AUS_E_MALFORMED);
    return aus_rd_finish(&r);
}

static aus_err seal_unprotect(void *self, const uint8_t *in, size_t n, uint64_t now_ms,
                              uint8_t *work, size_t cap, aus_bpv7_bundle *b, uint64_t *seq)
{
    aus_agent_seal *s = self;
    uint8_t key[KEY_LEN];
    const uint8_t *iv;
    uint16_t kid;
    s->rx_kid = 0;
    AUS_TRY(aus_bpv7_decode(b, in, n, 0));
    long i = aus_bpv7_find_block(b, AUS_AGENT_SEAL_BLOCK);
    /* no envelope: never deliver an unprotected bundle (DESIGN.md §9) */
    AUS_ENSURE(i >= 0, AUS_E_AUTH);
    AUS_ENSURE(b->payload_len >= TAG_LEN && b->payload_len - TAG_LEN <= cap, AUS_E_LIMIT);
    /* The canonical block headers are outside the AEAD's additional data, so the envelope
     * accepts exactly its own shape: [block 192 #2, payload #1], no flags, no CRC. Any other
     * header value (a bit flip in transit) is refused rather than ignored. */
    AUS_ENSURE(b->nblocks == 2 && i == 0, AUS_E_AUTH);
    for (size_t k = 0; k < 2; k++)
        AUS_ENSURE(b->blk[k].flags == 0 && b->blk[k].crc_type == AUS_BPV7_CRC_NONE &&
                       b->blk[k].number == (k == 0 ? 2u : 1u),
                   AUS_E_AUTH);
    AUS_ENSURE(b->pri.crc_type == AUS_BPV7_CRC_32C, AUS_E_AUTH);
    const aus_bpv7_block *ext = &b->blk[i];
    AUS_TRY(parse_ext(ext, seq, &kid, &iv));
    aus_err e = s->keys.recv_key(s->keys.ctx, now_ms, kid, key);
    if (e != AUS_OK) {
        /* not (or no longer) a key for receiving: no context of it stays at the provider */
        aus_crypto_key_retire(s->crypto, seal_domain(s), kid);
        return e;
    }
    aus_iov aad[2] = {{b->pri_raw, b->pri_len}, {ext->data, ext->data_len}};
    size_t ptlen = b->payload_len - TAG_LEN;
    aus_crypto_key k = {key, KEY_LEN, seal_domain(s), kid};
    e = aus_crypto_open_k(s->crypto, AUS_AEAD_AES256_GCM, &k, iv, IV_LEN, aad, 2, b->payload, ptlen,
                          b->payload + ptlen, TAG_LEN, work);
    aus_wipe(key, sizeof key);
    AUS_TRY(e);
    b->payload = work;
    b->payload_len = ptlen;
    s->rx_kid = kid; /* the caller's rekey state learns which pair the peer sends under */
    return AUS_OK;
}

aus_agent_sec_ops aus_agent_seal_ops(aus_agent_seal *s)
{
    aus_agent_sec_ops o = {seal_protect, seal_unprotect, s};
    return o;
}
