/* SPDX-License-Identifier: Apache-2.0 */
/* Security processing at the destination (RFC 9172 §5.1.1 / §5.1.2): decrypt every BCB,
 * verify every BIB, enforce the block rules, remove the security blocks (and our
 * sequence-number block), in place. Order matters (RFC 9172 §3.9): a BIB whose target is also
 * encrypted is evaluated only after the BCB has restored the plaintext.
 *
 * On any failure the whole buffer is wiped: no decrypted byte of a bundle that did not verify
 * completely is ever left behind. */
#include <string.h>

#include "bpsec_rules.h"

typedef struct open_st {
    const aus_crypto *c;
    aus_bpsec_key_fn key_fn;
    aus_bpsec_key_id_fn id_fn; /* may be NULL */
    void *user;
    uint8_t *buf;
    aus_bpv7_bundle *b;       /* the decoded bundle, its security-block map and ASB scratch: the */
    sec_map *m;               /* caller's (aus_bpsec_accept has them from its replay precheck) or */
    aus_bpsec_asb *a;         /* aus_bpsec_open_ids' own */
    const aus_bpsec_asb *cur; /* the ASB being processed: a or a2 (load_asb) */
    aus_bpsec_asb a2;         /* load_asb's second slot (a keeps what bpsec_collect left) */
    size_t a2_idx;            /* b->blk index whose ASB a2 holds; SIZE_MAX: none */
    uint8_t src_enc[32];      /* the encoded security source whose text rep->source holds */
    size_t src_len;           /* 0: none */
    int decoded;              /* b, m already hold buf's decode and bpsec_collect (precheck) */
    uint8_t cov_int[AUS_BPV7_MAX_BLOCKS + 1]; /* [0] primary, [1 + i] block i */
    uint8_t cov_conf[AUS_BPV7_MAX_BLOCKS + 1];
    uint8_t key[AUS_BPSEC_KEY_MAX], kek[AUS_BPSEC_KEY_MAX];
    aus_crypto_key k; /* st->key named at the provider (id 0 for an unwrapped session key) */
    aus_bpsec_report *rep;
} open_st;

#define FAIL(err, text)                                                                            \
    do {                                                                                           \
        st->rep->detail = (text);                                                                  \
        return (err);                                                                              \
    } while (0)

/* Look up the key (or KEK) for the block's source and context, unwrap a session key; st->k
 * names the working key. */
static aus_err get_key(open_st *st, int64_t ctx_id, const sc_params *sp, size_t *kl)
{
    aus_bpsec_report *rep = st->rep;
    const aus_bpsec_asb *a = st->cur;
    /* the same source as the previous block (one node's BIB and BCB): its text is there */
    if (!(a->source_len == st->src_len && st->src_len &&
          memcmp(a->source, st->src_enc, st->src_len) == 0)) {
        st->src_len = 0;
        if (aus_bpsec_asb_source(a, rep->source, sizeof rep->source) != AUS_OK)
            FAIL(AUS_E_EID, "the security source cannot be represented");
        if (a->source_len <= sizeof st->src_enc) {
            memcpy(st->src_enc, a->source, a->source_len);
            st->src_len = a->source_len;
        }
    }
    size_t n = 0;
    aus_err e = st->key_fn(st->user, rep->source, ctx_id, st->kek, sizeof st->kek, &n);
    if (e == AUS_E_POLICY)
        FAIL(e, "the security source is not accepted for this destination");
    if (e != AUS_OK || n == 0 || n > sizeof st->kek)
        FAIL(AUS_E_KEY, "no key is configured for the security source and context");
    e = bpsec_key_unwrap(st->c, st->kek, n, sp->wrapped, sp->wrapped_len, st->key, kl);
    aus_wipe(st->kek, sizeof st->kek);
    if (e == AUS_E_AUTH)
        FAIL(e, "the wrapped key does not unwrap under the configured key-encryption key");
    if (e != AUS_OK)
        FAIL(e, "the key or key-encryption key has an unusable length");
    st->k = (aus_crypto_key){st->key, *kl, 0, 0};
    if (st->id_fn && !sp->wrapped)
        st->id_fn(st->user, rep->source, ctx_id, &st->k.domain, &st->k.id);
    return AUS_OK;
}

static size_t cov_slot(const aus_bpv7_bundle *b, uint64_t num)
{
    long ix = bpsec_find_num(b, num);
    return ix < 0 ? 0 : (size_t)ix + 1;
}

/* The decoded ASB of security block s, in st->cur: often it is there already, left by the
 * bpsec_collect2 / bpsec_collect_rest pass that just decoded it (the block's bytes have not
 * changed since: nothing encrypts a BCB, and a BIB is collected after its decryption): the
 * last BIB's in st->a, the last BCB's in the second slot a2 (bpsec_collect2), so the common
 * bundle (one BCB, one BIB) is decoded once. A block not there is decoded into a2, so that
 * st->a keeps the collect pass's last ASB. */
static aus_err load_asb(open_st *st, const sec_blk *s)
{
    if (st->m->tmp_idx == s->idx) {
        st->cur = st->a;
        return AUS_OK;
    }
    st->cur = &st->a2;
    if (st->a2_idx == s->idx)
        return AUS_OK;
    const aus_bpv7_block *k = &st->b->blk[s->idx];
    st->a2_idx = SIZE_MAX;
    AUS_TRY(bpsec_asb_decode_scratch(&st->a2, k->data, k->data_len));
    st->a2_idx = s->idx;
    return AUS_OK;
}

static aus_err decrypt_bcb(open_st *st, const sec_blk *s)
{
    const aus_bpv7_block *k = &st->b->blk[s->idx];
    sc_params sp;
    AUS_TRY(load_asb(st, s));
    if (st->cur->ctx_id != AUS_BPSEC_CTX_BCB_AES_GCM)
        FAIL(AUS_E_UNSUPPORTED, "a BCB uses a security context other than BCB-AES-GCM");
    aus_err e = bpsec_bcb_params(st->cur, &sp);
    if (e != AUS_OK)
        FAIL(e, "a BCB-AES-GCM parameter is missing, of the wrong type or unsupported");
    const uint8_t *tags[AUS_BPSEC_MAX_TARGETS];
    for (size_t i = 0; i < st->cur->ntargets; i++)
        if (bpsec_result_bstr(st->cur, i, AUS_GCM_TAG_BYTES, &tags[i]) != AUS_OK)
            FAIL(AUS_E_MALFORMED, "a BCB result is not one 16-byte authentication tag");
    size_t kl = 0;
    AUS_TRY(get_key(st, AUS_BPSEC_CTX_BCB_AES_GCM, &sp, &kl));
    if (kl != (sp.variant == AUS_AEAD_AES128_GCM ? 16u : 32u))
        FAIL(AUS_E_KEY, "the BCB key length does not match the AES variant");
    for (size_t i = 0; i < st->cur->ntargets; i++) {
        const aus_bpv7_block *t = &st->b->blk[bpsec_find_num(st->b, st->cur->targets[i])];
        const uint8_t *tag = tags[i];
        sc_scatter sc;
        bpsec_aad(&sc, sp.scope, st->b->pri_raw, st->b->pri_len, t, k->type, k->number, k->flags);
        uint8_t *d = st->buf + (t->data - st->buf);
        e = aus_crypto_open_k(st->c, (aus_aead_alg)sp.variant, &st->k, sp.iv, sp.iv_len, sc.iov,
                              sc.n, d, t->data_len, tag, AUS_GCM_TAG_BYTES, d);
        if (e != AUS_OK)
            FAIL(e == AUS_E_AUTH ? e : AUS_E_CRYPTO,
                 "a BCB target failed AES-GCM authentication (tampered, wrong key or wrong IV)");
        bpsec_fix_crc(st->buf, t->off, t->len, t->crc_type);
        st->cov_conf[cov_slot(st->b, t->number)] = 1;
        /* RFC 9173 §4.3.4 / §4.7.2: with AAD scope bit 0 the tag authenticates the primary
         * block too (integrity, not confidentiality: a BCB never targets it, RFC 9172 §3.8) */
        st->cov_int[0] |= (sp.scope & AUS_BPSEC_SCOPE_PRIMARY) != 0;
        st->rep->nconf++;
    }
    st->rep->nbcb++;
    return AUS_OK;
}

static aus_err verify_bib(open_st *st, const sec_blk *s)
{
    const aus_bpv7_block *k = &st->b->blk[s->idx];
    sc_params sp;
    AUS_TRY(load_asb(st, s));
    if (st->cur->ctx_id != AUS_BPSEC_CTX_BIB_HMAC_SHA2)
        FAIL(AUS_E_UNSUPPORTED, "a BIB uses a security context other than BIB-HMAC-SHA2");
    aus_err e = bpsec_bib_params(st->cur, &sp);
    if (e != AUS_OK)
        FAIL(e, "a BIB-HMAC-SHA2 parameter is of the wrong type or unsupported");
    size_t hl = aus_hash_len((aus_hash_alg)sp.variant);
    const uint8_t *macs[AUS_BPSEC_MAX_TARGETS];
    for (size_t i = 0; i < st->cur->ntargets; i++)
        if (bpsec_result_bstr(st->cur, i, hl, &macs[i]) != AUS_OK)
            FAIL(AUS_E_MALFORMED, "a BIB result is not one HMAC of the variant's length");
    size_t kl = 0;
    AUS_TRY(get_key(st, AUS_BPSEC_CTX_BIB_HMAC_SHA2, &sp, &kl));
    for (size_t i = 0; i < st->cur->ntargets; i++) {
        long ix = bpsec_find_num(st->b, st->cur->targets[i]);
        const aus_bpv7_block *t = ix >= 0 ? &st->b->blk[ix] : NULL;
        const uint8_t *want = macs[i];
        sc_scatter sc;
        bpsec_ippt(&sc, sp.scope, st->b->pri_raw, st->b->pri_len, t, t ? t->data : NULL, k->type,
                   k->number, k->flags);
        uint8_t mac[AUS_MAX_HASH_BYTES];
        size_t ml = 0;
        e = aus_crypto_hmac_k(st->c, (aus_hash_alg)sp.variant, &st->k, sc.iov, sc.n, mac, &ml);
        if (e != AUS_OK)
            FAIL(AUS_E_CRYPTO, "the HMAC could not be computed");
        /* constant-time comparison of the expected HMAC */
        int ok = ml == hl && aus_ct_eq(mac, want, hl);
        aus_wipe(mac, sizeof mac);
        if (!ok)
            FAIL(AUS_E_AUTH, "a BIB target failed HMAC verification (tampered or wrong key)");
        st->cov_int[t ? (size_t)ix + 1 : 0] = 1;
        /* RFC 9173 §3.3.3 / §3.7: with integrity scope bit 0 the IPPT holds the primary block,
         * so this HMAC verifies it as well as the target (the scope flags are in the IPPT) */
        st->cov_int[0] |= (sp.scope & AUS_BPSEC_SCOPE_PRIMARY) != 0;
        if (t && t->type == AUS_BPSEC_BT_SEQ)
            memcpy(st->rep->seq_source, st->rep->source, sizeof st->rep->seq_source);
        st->rep->nint++;
    }
    st->rep->nbib++;
    return AUS_OK;
}

static aus_err find_seq(open_st *st)
{
    for (size_t i = 0; i < st->b->nblocks; i++) {
        const aus_bpv7_block *k = &st->b->blk[i];
        if (k->type != AUS_BPSEC_BT_SEQ)
            continue;
        if (st->rep->has_seq)
            FAIL(AUS_E_BLOCK, "the bundle carries two sequence-number blocks");
        if (aus_bpsec_seq_decode(k->data, k->data_len, &st->rep->tenant, &st->rep->seq) != AUS_OK)
            FAIL(AUS_E_MALFORMED, "the sequence-number block is malformed");
        st->rep->has_seq = 1;
    }
    return AUS_OK;
}

static void coverage(open_st *st)
{
    aus_bpsec_report *r = st->rep;
    uint32_t other_i = AUS_BPSEC_COVER_OTHER, other_c = AUS_BPSEC_COVER_OTHER;
    r->covered_bib = st->cov_int[0] ? AUS_BPSEC_COVER_PRIMARY : 0;
    r->covered_bcb = 0;
    for (size_t i = 0; i < st->b->nblocks; i++) {
        uint64_t ty = st->b->blk[i].type;
        uint32_t cls = ty == AUS_BPV7_BT_PAYLOAD                          ? AUS_BPSEC_COVER_PAYLOAD
                       : ty == AUS_BPSEC_BT_SEQ                           ? AUS_BPSEC_COVER_SEQ
                       : ty == AUS_BPSEC_BT_BIB || ty == AUS_BPSEC_BT_BCB ? 0
                                                                          : AUS_BPSEC_COVER_OTHER;
        if (cls == AUS_BPSEC_COVER_OTHER) {
            other_i = st->cov_int[i + 1] ? other_i : 0;
            other_c = st->cov_conf[i + 1] ? other_c : 0;
        } else if (cls) {
            r->covered_bib |= st->cov_int[i + 1] ? cls : 0;
            r->covered_bcb |= st->cov_conf[i + 1] ? cls : 0;
        }
    }
    for (size_t i = 0; i < st->b->nblocks; i++) {
        uint64_t ty = st->b->blk[i].type;
        /* only blocks of a type this stack does not process: a security block whose type
         * code was altered turns into one of those */
        int known = ty == AUS_BPV7_BT_PAYLOAD || ty == AUS_BPV7_BT_PREV_NODE ||
                    ty == AUS_BPV7_BT_AGE || ty == AUS_BPV7_BT_HOP_COUNT ||
                    ty == AUS_BPSEC_BT_SEQ || ty == AUS_BPSEC_BT_BIB || ty == AUS_BPSEC_BT_BCB;
        if (!known && !st->cov_int[i + 1] && !st->cov_conf[i + 1])
            r->nuncovered++;
    }
    r->covered_bib |= other_i;
    r->covered_bcb |= other_c;
}

/* RFC 9172 §5.1.1 / §5.1.2: security blocks are removed once processed at the destination. */
static size_t strip(open_st *st, size_t len)
{
    size_t w = st->b->pri_off + st->b->pri_len;
    for (size_t i = 0; i < st->b->nblocks; i++) {
        const aus_bpv7_block *k = &st->b->blk[i];
        if (k->type == AUS_BPSEC_BT_BIB || k->type == AUS_BPSEC_BT_BCB ||
            k->type == AUS_BPSEC_BT_SEQ)
            continue;
        memmove(st->buf + w, st->buf + k->off, k->len);
        w += k->len;
    }
    st->buf[w++] = 0xFF; /* end of the indefinite-length bundle array (RFC 9171 §4.1) */
    /* the caller's buffer (stale copies of moved blocks): a plain memset on memory the caller
     * sees afterwards is never dropped by the compiler, and it is word-wide */
    memset(st->buf + w, 0, len - w);
    return w;
}

static aus_err open_inner(open_st *st, size_t *len)
{
    aus_err e = AUS_OK;
    if (!st->decoded && (e = aus_bpv7_decode(st->b, st->buf, *len, 0)) != AUS_OK)
        FAIL(e, "the bundle is not a valid BPv7 bundle");
    /* the coverage marks this bundle can use: [0] primary, [1 + i] block i */
    size_t nc = st->b->nblocks < AUS_BPV7_MAX_BLOCKS ? st->b->nblocks + 1 : sizeof st->cov_int;
    memset(st->cov_int, 0, nc);
    memset(st->cov_conf, 0, nc);
    (void)aus_bpv7_eid_format(&st->b->pri.dst, st->rep->dest, sizeof st->rep->dest);
    if ((!st->decoded || !st->m->ready) &&
        (e = bpsec_collect2(st->b, 0, st->m, st->a, &st->a2, &st->a2_idx)) != AUS_OK)
        FAIL(e, st->m->detail);
    if ((e = bpsec_check_map(st->b, st->m)) != AUS_OK)
        FAIL(e, st->m->detail);
    if ((st->b->pri.flags & AUS_BPV7_BF_FRAGMENT) && st->m->n)
        FAIL(AUS_E_UNSUPPORTED, "security blocks on a fragment: reassemble first");
    for (size_t i = 0; i < st->m->n; i++)
        if (st->m->s[i].type == AUS_BPSEC_BT_BCB)
            AUS_TRY(decrypt_bcb(st, &st->m->s[i]));
    /* the BIBs that were encrypted are readable now: check the rules again over all of them
     * (when there were none, the map is the one just checked: decryption changes no block
     * number, and bpsec_check_map reads nothing else of the bundle) */
    int rest = 0;
    for (size_t i = 0; i < st->m->n; i++)
        rest |= !st->m->s[i].known;
    if (rest && (e = bpsec_collect_rest(st->b, st->m, st->a)) != AUS_OK)
        FAIL(e, st->m->detail);
    if (rest && (e = bpsec_check_map(st->b, st->m)) != AUS_OK)
        FAIL(e, st->m->detail);
    for (size_t i = 0; i < st->m->n; i++)
        if (st->m->s[i].type == AUS_BPSEC_BT_BIB)
            AUS_TRY(verify_bib(st, &st->m->s[i]));
    AUS_TRY(find_seq(st));
    coverage(st);
    unsigned notes = st->b->notes;
    *len = strip(st, *len);
    /* Extension blocks that were ciphertext have not been checked by the decoder yet (it left
     * them opaque): decode the plaintext bundle so that their RFC 9171 §4.4 rules hold before
     * anything is released. */
    if ((notes & AUS_BPV7_NOTE_ENCRYPTED) &&
        (e = aus_bpv7_decode(st->b, st->buf, *len, 0)) != AUS_OK)
        FAIL(e, "a decrypted extension block is not valid (RFC 9171 §4.4)");
    return AUS_OK;
}

static uint64_t reason_for(aus_err e)
{
    switch (e) {
    case AUS_E_UNSUPPORTED: return AUS_BPSEC_RC_UNKNOWN;
    case AUS_E_BLOCK: return AUS_BPSEC_RC_CONFLICTING;
    case AUS_E_POLICY: return AUS_BPSEC_RC_UNEXPECTED;
    default: return AUS_BPSEC_RC_FAILED;
    }
}

aus_err aus_bpsec_open(const aus_crypto *c, aus_bpsec_key_fn key_fn, void *key_user, uint8_t *buf,
                       size_t *len, aus_bpsec_report *rep)
{
    return aus_bpsec_open_ids(c, key_fn, NULL, key_user, buf, len, rep);
}

aus_err aus_bpsec_open_ids(const aus_crypto *c, aus_bpsec_key_fn key_fn, aus_bpsec_key_id_fn id_fn,
                           void *key_user, uint8_t *buf, size_t *len, aus_bpsec_report *rep)
{
    /* written before they are read (decode, bpsec_collect): clearing ~47 KB per bundle would
     * cost more than its AES-GCM */
    aus_bpv7_bundle b;
    sec_map m;
    aus_bpsec_asb a;
    m.n = 0;
    m.ready = 0;
    m.tmp_idx = SIZE_MAX;
    return bpsec_open_view(c, key_fn, id_fn, key_user, buf, len, rep, &b, &m, &a, 0);
}

aus_err bpsec_open_view(const aus_crypto *c, aus_bpsec_key_fn key_fn, aus_bpsec_key_id_fn id_fn,
                        void *key_user, uint8_t *buf, size_t *len, aus_bpsec_report *rep,
                        aus_bpv7_bundle *b, sec_map *m, aus_bpsec_asb *a, int decoded)
{
    AUS_ENSURE(c && key_fn && buf && len && rep && b && m && a, AUS_E_ARG);
    open_st st; /* cov_int, cov_conf: cleared up to the bundle's block count (open_inner) */
    memset(rep, 0, sizeof *rep);
    st.c = c;
    st.key_fn = key_fn;
    st.id_fn = id_fn;
    st.user = key_user;
    st.buf = buf;
    st.rep = rep;
    st.b = b;
    st.m = m;
    st.a = a;
    st.decoded = decoded;
    st.cur = a;
    st.a2_idx = SIZE_MAX;
    st.src_len = 0;
    aus_err e = open_inner(&st, len); /* a failing rule sets rep->detail (FAIL) */
    aus_wipe(st.key, sizeof st.key);
    aus_wipe(st.kek, sizeof st.kek);
    if (e == AUS_OK) {
        rep->detail = "the bundle verified";
        return AUS_OK;
    }
    if (rep->detail == NULL || rep->detail[0] == 0) /* failed below any rule that names itself */
        rep->detail = aus_err_str(e);
    rep->reason = reason_for(e);
    aus_wipe(buf, *len); /* never release partially decrypted data */
    return e;
}
