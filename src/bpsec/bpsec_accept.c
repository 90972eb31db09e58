/* SPDX-License-Identifier: Apache-2.0 */
/* aus_bpsec_accept: the receiving node (see bpsec_node.c for the design). Nothing is released
 * unless every security operation verified, the policy's coverage is met, and the sequence
 * number was recorded durably in the replay window. */
#include <string.h>

#include "bpsec_rules.h"

typedef struct acc_st {
    aus_bpsec_ctx *ctx;
    const aus_bpsec_policy *pol;
    char dest[AUS_BPSEC_EID_TEXT_MAX];
    aus_bpv7_bundle b;
    sec_map m;
    aus_bpsec_asb a;
} acc_st;

/* Key lookup through the policy's source/destination rules (RFC 9172 §5: a node accepts
 * security operations only from the sources its policy names). */
static aus_err policy_key(void *user, const char *source, int64_t ctx_id, uint8_t *key, size_t cap,
                          size_t *key_len)
{
    acc_st *st = user;
    const aus_bpsec_policy *p = st->pol;
    int ok = p->nrules == 0;
    /* the destination's text only when a rule needs it (precheck leaves it empty) */
    if (!ok && !st->dest[0])
        (void)aus_bpv7_eid_format(&st->b.pri.dst, st->dest, sizeof st->dest);
    for (size_t i = 0; !ok && i < p->nrules; i++)
        ok = bpsec_eid_match(p->rules[i].dest, st->dest) &&
             bpsec_eid_match(p->rules[i].source, source);
    if (!ok)
        return AUS_E_POLICY;
    return st->ctx->key_fn(st->ctx->key_user, source, ctx_id, key, cap, key_len);
}

/* The key's name at the provider (consulted only after policy_key accepted the source). */
static void policy_key_id(void *user, const char *source, int64_t ctx_id, uint32_t *domain,
                          uint32_t *id)
{
    acc_st *st = user;
    st->ctx->key_id_fn(st->ctx->key_user, source, ctx_id, domain, id);
}

static uint32_t window_size(const aus_bpsec_policy *p)
{
    return p->replay_window ? p->replay_window : AUS_REPLAY_WINDOW_DEFAULT;
}

/* The claimed (unverified) sequence number, checked before any cryptography. A bundle whose
 * BIB over the seq block is itself encrypted is checked after decryption only. */
static aus_err precheck(acc_st *st, const uint8_t *buf, size_t len, aus_bpsec_report *rep)
{
    uint32_t tenant = 0;
    uint64_t seq = 0;
    long six = -1;
    AUS_TRY(aus_bpv7_decode(&st->b, buf, len, 0));
    for (size_t i = 0; i < st->b.nblocks; i++)
        if (st->b.blk[i].type == AUS_BPSEC_BT_SEQ && six < 0 &&
            aus_bpsec_seq_decode(st->b.blk[i].data, st->b.blk[i].data_len, &tenant, &seq) == AUS_OK)
            six = (long)i;
    st->pol = bpsec_policy_for(st->ctx, six >= 0, tenant);
    if (six < 0 || bpsec_collect(&st->b, 0, &st->m, &st->a) != AUS_OK)
        return AUS_OK; /* open() reports the precise error */
    for (size_t i = 0; i < st->m.n; i++) {
        const sec_blk *s = &st->m.s[i];
        int covers = 0;
        for (size_t j = 0; s->known && s->type == AUS_BPSEC_BT_BIB && j < s->nt; j++)
            covers |= s->t[j] == st->b.blk[six].number;
        char src[AUS_BPSEC_EID_TEXT_MAX], key[AUS_STORE_KEY_MAX];
        aus_replay *w;
        if (!covers)
            continue;
        /* st->a is open()'s ASB scratch too: m.tmp_idx keeps naming the block it holds */
        if (st->m.tmp_idx != s->idx) {
            st->m.tmp_idx = SIZE_MAX;
            if (aus_bpsec_asb_decode(&st->a, st->b.blk[s->idx].data, st->b.blk[s->idx].data_len) !=
                AUS_OK)
                continue;
            st->m.tmp_idx = s->idx;
        }
        if (aus_bpsec_asb_source(&st->a, src, sizeof src) != AUS_OK)
            continue;
        AUS_TRY(bpsec_store_key(key, "rp", &tenant, src));
        AUS_TRY(bpsec_window_for(st->ctx, key, window_size(st->pol), &w));
        if (aus_replay_check(w, seq) != AUS_OK) {
            rep->detail = "the sequence number was already accepted or is older than the window";
            return AUS_E_REPLAY;
        }
    }
    return AUS_OK;
}

static aus_err enforce(acc_st *st, aus_bpsec_report *rep)
{
    const aus_bpsec_policy *p = st->pol;
    /* an AES-GCM BCB authenticates its targets too (RFC 9173 §4): either one meets integrity */
    if (((rep->covered_bib | rep->covered_bcb) & p->bib_required) != p->bib_required ||
        (rep->covered_bcb & p->bcb_required) != p->bcb_required) {
        rep->detail = "a block the security policy requires to be protected is not";
        return AUS_E_POLICY;
    }
    if (p->require_seq && !(rep->has_seq && rep->seq_source[0])) {
        rep->detail = "the security policy requires an integrity-protected sequence number";
        return AUS_E_POLICY;
    }
    if (!rep->has_seq || !rep->seq_source[0])
        return AUS_OK;
    /* the sequence number is authenticated now: record it, durably, before releasing */
    char key[AUS_STORE_KEY_MAX];
    aus_replay *w;
    AUS_TRY(bpsec_store_key(key, "rp", &rep->tenant, rep->seq_source));
    AUS_TRY(bpsec_window_for(st->ctx, key, window_size(p), &w));
    aus_replay saved = *w;
    if (aus_replay_accept(w, rep->seq) != AUS_OK) {
        rep->detail = "the sequence number was already accepted or is older than the window";
        return AUS_E_REPLAY;
    }
    aus_err e = bpsec_window_record(st->ctx, w, key); /* in a batch: at its commit */
    if (e != AUS_OK) {
        *w = saved; /* not recorded: not accepted */
        rep->detail = "the replay window could not be saved";
        return e;
    }
    return AUS_OK;
}

aus_err aus_bpsec_accept(aus_bpsec_ctx *ctx, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                         size_t *out_len, aus_bpsec_report *rep, aus_bpsec_fail_action *action)
{
    AUS_ENSURE(ctx && in && out && out_len && rep && n <= cap, AUS_E_ARG);
    /* The decoded bundle, the security map and the ASB scratch (~47 KB with the default
     * AUS_BPV7_MAX_BLOCKS) are written by precheck before anything reads them: clearing them
     * per bundle cost more than the bundle's AES-GCM. Only the small members start set. */
    acc_st st;
    st.ctx = ctx;
    st.dest[0] = 0;
    st.m.n = 0;
    st.m.detail = "";
    st.m.tmp_idx = SIZE_MAX;
    st.m.ready = 0;
    st.pol = &ctx->node_policy;
    memmove(out, in, n);
    size_t len = n;
    memset(rep, 0, sizeof *rep);
    aus_err e = precheck(&st, out, len, rep);
    if (e == AUS_OK)
        /* precheck decoded out[0..len) and, when it got that far, collected its security
         * blocks: open goes on from there instead of doing both again */
        e = bpsec_open_view(ctx->crypto, policy_key, ctx->key_id_fn ? policy_key_id : NULL, &st,
                            out, &len, rep, &st.b, &st.m, &st.a, 1);
    else if (!rep->detail)
        rep->detail = aus_err_str(e);
    if (e == AUS_OK)
        e = enforce(&st, rep);
    if (action)
        *action = st.pol->on_fail;
    if (e != AUS_OK) {
        if (e == AUS_E_POLICY && rep->reason == 0)
            rep->reason = AUS_BPSEC_RC_MISSING;
        if (rep->reason == 0)
            rep->reason = AUS_BPSEC_RC_FAILED;
        aus_wipe(out, len > n ? len : n);
        return e;
    }
    *out_len = len;
    return AUS_OK;
}
