/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's BPSec envelope (include/australis/agent.h, "the BPSec envelope").
 *
 * Built on the single-operation level of src/bpsec (aus_bpsec_add / aus_bpsec_open) so that
 * the agent keeps the sequence number, the IV counter and the replay window inside its own
 * store transaction (the exactly-once contract of agent.h). Rules enforced here:
 *   - one target per BCB (the payload), so no two plaintexts share an AES-GCM (key, IV): the
 *     BIB covers the sequence block only, and the payload's integrity is the BCB's GCM tag
 *     (RFC 9172 §3.9 would otherwise make the BCB encrypt that BIB under the same IV);
 *   - the primary block is authenticated by both: full scope puts it in the BIB's IPPT (RFC 9173
 *     §3.7) and in the BCB's AAD (§4.7.2), so it needs no HMAC of its own;
 *   - RFC 9172 §5.1: nothing is delivered unless the primary and sequence blocks were verified
 *     and the BCB covered the payload (checked from the open report);
 *   - NIST SP 800-38D §8.2.1: IV = fixed field || counter reserved before use.
 * EK and AK are named at the crypto provider by (tenant's domain, key id) as in agent_seal.c, so
 * their keyed contexts live while the keys are active (DESIGN.md §5).
 */
#include <string.h>

#include "australis/agent.h"
#include "australis/base.h"
#include "australis/bpsec.h"

#define KEY_LEN 32u
#define BLK_SEQ 2u
#define BLK_BIB 3u
#define BLK_BCB 4u
#define MAX_CAND 4u

static size_t eid_text(char *out, size_t cap, uint64_t node, uint64_t svc)
{
    /* "ipn:" node "." svc without stdio */
    char tmp[48];
    size_t at = 0;
    const char *pre = "ipn:";
    while (*pre && at < sizeof tmp)
        tmp[at++] = *pre++;
    uint64_t parts[2] = {node, svc};
    for (int k = 0; k < 2; k++) {
        char d[24];
        size_t nd = 0;
        uint64_t v = parts[k];
        do {
            d[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v && nd < sizeof d);
        while (nd && at < sizeof tmp)
            tmp[at++] = d[--nd];
        if (k == 0 && at < sizeof tmp)
            tmp[at++] = '.';
    }
    if (at >= cap)
        return 0;
    memcpy(out, tmp, at);
    out[at] = '\0';
    return at;
}

aus_err aus_agent_bpsec_init(aus_agent_bpsec *b, aus_agent_seal *seal, uint32_t tenant_id,
                             uint64_t node, uint64_t service, uint64_t peer_node,
                             uint64_t peer_service)
{
    AUS_ENSURE(b && seal && seal->keys.recv_ids, AUS_E_ARG);
    b->seal = seal;
    b->tenant_id = tenant_id;
    AUS_ENSURE(eid_text(b->source, sizeof b->source, node, service) > 0, AUS_E_ARG);
    AUS_ENSURE(eid_text(b->peer_source, sizeof b->peer_source, peer_node, peer_service) > 0,
               AUS_E_ARG);
    return AUS_OK;
}

static long bp_protect(void *self, aus_bpv7_bundle *bun, uint64_t seq, uint64_t now_ms,
                       uint8_t *out, size_t cap)
{
    aus_agent_bpsec *b = self;
    aus_agent_seal *s = b->seal;
    uint8_t seqd[32], iv[12], ek[KEY_LEN], ak[KEY_LEN];
    size_t seqlen = 0, len;
    uint64_t ctr;
    uint16_t kid = 0;
    AUS_TRY(aus_bpsec_seq_encode(b->tenant_id, seq, seqd, sizeof seqd, &seqlen));
    AUS_TRY(aus_bpv7_add_block(bun, AUS_BPSEC_BT_SEQ, BLK_SEQ, 0, AUS_BPV7_CRC_NONE, seqd, seqlen));
    long n = aus_bpv7_encode(bun, out, cap);
    AUS_TRY(n);
    len = (size_t)n;
    AUS_TRY(aus_ctr_take(&s->iv, s->store, &ctr));
    aus_wr w;
    aus_wr_init(&w, iv, sizeof iv);
    aus_wr_be32(&w, s->iv_fixed);
    aus_wr_be64(&w, ctr);
    AUS_TRY(s->keys.send_key(s->keys.ctx, now_ms, &kid, ek));
    aus_err e = s->keys.recv_key(s->keys.ctx, now_ms, (uint16_t)(kid + 1), ak);
    if (e == AUS_OK && s->keys.iv_log)
        s->keys.iv_log(s->keys.ctx, kid, iv);
    uint32_t dom = aus_crypto_domain(s->iv.key);
    aus_bpsec_op bib = {.kind = AUS_BPSEC_BIB,
                        .block_number = BLK_BIB,
                        .source = b->source,
                        .ntargets = 1,
                        .targets = {BLK_SEQ},
                        .variant = AUS_HASH_SHA256,
                        .scope = AUS_BPSEC_SCOPE_ALL,
                        .key = ak,
                        .key_len = KEY_LEN,
                        .key_domain = dom,
                        .key_id = (uint16_t)(kid + 1)};
    aus_bpsec_op bcb = {.kind = AUS_BPSEC_BCB,
                        .block_number = BLK_BCB,
                        .source = b->source,
                        .ntargets = 1,
                        .targets = {1},
                        .variant = AUS_AEAD_AES256_GCM,
                        .scope = AUS_BPSEC_SCOPE_ALL,
                        .key = ek,
                        .key_len = KEY_LEN,
                        .iv = iv,
                        .iv_len = sizeof iv,
                        .key_domain = dom,
                        .key_id = kid};
    const aus_bpsec_op ops[2] = {bib, bcb}; /* one decode for both (aus_bpsec_add_list) */
    if (e == AUS_OK)
        e = aus_bpsec_add_list(s->crypto, ops, 2, 0, out, &len, cap);
    aus_wipe(ek, sizeof ek);
    aus_wipe(ak, sizeof ak);
    AUS_TRY(e);
    return (long)len;
}

typedef struct try_keys {
    aus_agent_seal *s;
    uint64_t now_ms;
    uint16_t ek;
    const char *peer;
} try_keys;

static aus_err key_fn(void *user, const char *source, int64_t ctx_id, uint8_t *key, size_t cap,
                      size_t *key_len)
{
    try_keys *t = user;
    /* only the peer's security source is accepted (RFC 9172 §5: security policy) */
    AUS_ENSURE(strcmp(source, t->peer) == 0, AUS_E_KEY);
    AUS_ENSURE(cap >= KEY_LEN, AUS_E_NOBUFS);
    uint16_t id = ctx_id == AUS_BPSEC_CTX_BIB_HMAC_SHA2 ? (uint16_t)(t->ek + 1) : t->ek;
    aus_err e = t->s->keys.recv_key(t->s->keys.ctx, t->now_ms, id, key);
    if (e != AUS_OK) {
        /* not (or no longer) a key for receiving: no context of it stays at the provider */
        aus_crypto_key_retire(t->s->crypto, aus_crypto_domain(t->s->iv.key), id);
        return e;
    }
    *key_len = KEY_LEN;
    return AUS_OK;
}

/* The name at the provider of the key key_fn returned (key_fn accepted the source first). */
static void key_id_fn(void *user, const char *source, int64_t ctx_id, uint32_t *domain,
                      uint32_t *id)
{
    try_keys *t = user;
    (void)source;
    *domain = aus_crypto_domain(t->s->iv.key);
    *id = ctx_id == AUS_BPSEC_CTX_BIB_HMAC_SHA2 ? (uint16_t)(t->ek + 1) : t->ek;
}

static aus_err bp_unprotect(void *self, const uint8_t *in, size_t n, uint64_t now_ms, uint8_t *work,
                            size_t cap, aus_bpv7_bundle *bun, uint64_t *seq)
{
    aus_agent_bpsec *b = self;
    aus_agent_seal *s = b->seal;
    uint16_t ids[MAX_CAND];
    aus_bpsec_report rep;
    size_t nid = s->keys.recv_ids(s->keys.ctx, now_ms, ids, MAX_CAND), len = 0;
    aus_err e = AUS_E_AUTH;
    s->rx_kid = 0;
    AUS_ENSURE(n <= cap, AUS_E_LIMIT);
    /* try the current keys first, then any still inside a rekey overlap */
    size_t i = 0;
    for (; i < nid; i++) {
        try_keys t = {s, now_ms, ids[i], b->peer_source};
        memcpy(work, in, n);
        len = n;
        memset(&rep, 0, sizeof rep);
        e = aus_bpsec_open_ids(s->crypto, key_fn, key_id_fn, &t, work, &len, &rep);
        if (e != AUS_E_AUTH && e != AUS_E_KEY && e != AUS_E_KEY_STATE)
            break;
    }
    AUS_TRY(e);
    /* integrity: the seq block by the BIB, the payload by the BCB's GCM tag, the primary block
     * by whichever of them had it in scope */
    const uint32_t need_int =
        AUS_BPSEC_COVER_PRIMARY | AUS_BPSEC_COVER_PAYLOAD | AUS_BPSEC_COVER_SEQ;
    AUS_ENSURE(((rep.covered_bib | rep.covered_bcb) & need_int) == need_int &&
                   (rep.covered_bcb & AUS_BPSEC_COVER_PAYLOAD) != 0 && rep.has_seq,
               AUS_E_POLICY);
    AUS_ENSURE(rep.tenant == b->tenant_id && strcmp(rep.seq_source, b->peer_source) == 0,
               AUS_E_POLICY);
    AUS_TRY(aus_bpv7_decode(bun, work, len, 0));
    *seq = rep.seq;
    s->rx_kid = i < nid ? ids[i] : 0; /* the pair that authenticated it (for the rekey state) */
    return AUS_OK;
}

aus_agent_sec_ops aus_agent_bpsec_ops(aus_agent_bpsec *b)
{
    aus_agent_sec_ops o = {bp_protect, bp_unprotect, b};
    return o;
}
