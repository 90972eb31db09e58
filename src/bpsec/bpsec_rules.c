/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9172 security block interaction rules (§3.3 target multiplicity, §3.7 BIB, §3.8 BCB,
 * §3.9 block interactions), checked on the set of security blocks of a bundle. */
#include <string.h>

#include "bpsec_rules.h"

static int targets(const sec_blk *s, uint64_t n)
{
    for (size_t i = 0; i < s->nt; i++)
        if (s->t[i] == n)
            return 1;
    return 0;
}

static int bcb_targets_num(const sec_map *m, uint64_t num)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->s[i].type == AUS_BPSEC_BT_BCB && targets(&m->s[i], num))
            return 1;
    return 0;
}

aus_err bpsec_collect(const aus_bpv7_bundle *b, int all_plain, sec_map *m, aus_bpsec_asb *tmp)
{
    return bpsec_collect2(b, all_plain, m, tmp, NULL, NULL);
}

aus_err bpsec_collect2(const aus_bpv7_bundle *b, int all_plain, sec_map *m, aus_bpsec_asb *tmp,
                       aus_bpsec_asb *bcb_tmp, size_t *bcb_idx)
{
    if (bcb_idx)
        *bcb_idx = SIZE_MAX;
    m->n = 0;
    m->detail = "";
    m->tmp_idx = SIZE_MAX;
    m->ready = 0;
    for (int pass = 0; pass < 2; pass++) { /* BCBs first: they say which BIBs are encrypted */
        uint64_t want = pass == 0 ? AUS_BPSEC_BT_BCB : AUS_BPSEC_BT_BIB;
        for (size_t i = 0; i < b->nblocks; i++) {
            const aus_bpv7_block *k = &b->blk[i];
            if (k->type != want)
                continue;
            sec_blk *s = &m->s[m->n++];
            memset(s, 0, sizeof *s);
            s->idx = i;
            s->num = k->number;
            s->type = k->type;
            if (want == AUS_BPSEC_BT_BIB && !all_plain && bcb_targets_num(m, k->number))
                continue; /* encrypted: targets unknown for now */
            /* a BCB's ASB into bcb_tmp when given (*bcb_idx names it), all others into tmp */
            int own = pass == 0 && bcb_tmp;
            aus_bpsec_asb *a = own ? bcb_tmp : tmp;
            aus_err e = bpsec_asb_decode_scratch(a, k->data, k->data_len);
            if (e != AUS_OK) { /* the scratch decode left a undefined: it names no block */
                m->tmp_idx = SIZE_MAX;
                if (own)
                    *bcb_idx = SIZE_MAX;
                m->detail = "a security block is not a well-formed abstract security block";
                return e;
            }
            if (own)
                *bcb_idx = i;
            else
                m->tmp_idx = i;
            s->known = 1;
            s->nt = a->ntargets;
            memcpy(s->t, a->targets, a->ntargets * sizeof a->targets[0]);
        }
    }
    m->ready = 1;
    return AUS_OK;
}

aus_err bpsec_collect_rest(const aus_bpv7_bundle *b, sec_map *m, aus_bpsec_asb *tmp)
{
    for (size_t i = 0; i < m->n; i++) {
        sec_blk *s = &m->s[i];
        if (s->known)
            continue;
        const aus_bpv7_block *k = &b->blk[s->idx];
        aus_err e = bpsec_asb_decode_scratch(tmp, k->data, k->data_len);
        if (e != AUS_OK) {
            m->tmp_idx = SIZE_MAX; /* tmp is undefined after a failed scratch decode */
            m->detail = "a decrypted BIB is not a well-formed abstract security block";
            return e;
        }
        m->tmp_idx = s->idx;
        s->known = 1;
        s->nt = tmp->ntargets;
        memcpy(s->t, tmp->targets, tmp->ntargets * sizeof tmp->targets[0]);
    }
    return AUS_OK;
}

static const sec_blk *find_sec(const sec_map *m, uint64_t num)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->s[i].num == num)
            return &m->s[i];
    return NULL;
}

#define RULE(cond, text)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            m->detail = (text);                                                                    \
            return AUS_E_BLOCK;                                                                    \
        }                                                                                          \
    } while (0)

static aus_err check_one(const aus_bpv7_bundle *b, sec_map *m, const sec_blk *s)
{
    int bib = s->type == AUS_BPSEC_BT_BIB;
    for (size_t j = 0; j < s->nt; j++) {
        uint64_t t = s->t[j];
        /* RFC 9172 §3.6: each target is a block that exists in the bundle */
        RULE(t == 0 || bpsec_find_num(b, t) >= 0 || find_sec(m, t),
             "a security target names a block that is not in the bundle");
        RULE(t != s->num, "a security block targets itself");
        const sec_blk *o = find_sec(m, t);
        /* RFC 9172 §3.7: a BIB does not target a BCB; our position: nor another BIB */
        RULE(!bib || !o, "a BIB targets a security block");
        /* RFC 9172 §3.8: a BCB never targets the primary block or another BCB */
        RULE(bib || t != 0, "a BCB targets the primary block");
        RULE(bib || !o || o->type != AUS_BPSEC_BT_BCB, "a BCB targets another BCB");
        /* RFC 9172 §3.8: a BCB may target a BIB only if it shares a target with that BIB */
        if (!bib && o && o->known) {
            int share = 0;
            for (size_t k = 0; k < o->nt; k++)
                share |= targets(s, o->t[k]);
            RULE(share, "a BCB targets a BIB with which it shares no target");
        }
        /* RFC 9172 §3.3: at most one BIB and at most one BCB per target */
        for (size_t i = 0; i < m->n; i++) {
            const sec_blk *x = &m->s[i];
            if (x == s || !x->known || x->type != s->type)
                continue;
            RULE(!targets(x, t), "a block is the target of two BIBs or of two BCBs");
        }
        /* RFC 9172 §3.9: a BCB over a block that has a BIB also targets that BIB */
        for (size_t i = 0; bib && i < m->n; i++) {
            const sec_blk *y = &m->s[i];
            if (y->type == AUS_BPSEC_BT_BCB && y->known && targets(y, t))
                RULE(targets(y, s->num),
                     "a BCB encrypts a block whose BIB it does not also encrypt");
        }
    }
    return AUS_OK;
}

/* check_one over the first n entries of the map */
static aus_err check_map_n(const aus_bpv7_bundle *b, sec_map *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m->s[i].known)
            AUS_TRY(check_one(b, m, &m->s[i]));
    return AUS_OK;
}

aus_err bpsec_check_map(const aus_bpv7_bundle *b, sec_map *m) { return check_map_n(b, m, m->n); }

aus_err bpsec_pick_number(const aus_bpv7_bundle *b, uint64_t want, uint64_t *num)
{
    if (want) {
        /* RFC 9171 §4.3.2: block numbers are unique; 0 is the primary block's */
        AUS_ENSURE(bpsec_find_num(b, want) == -1, AUS_E_BLOCKNUM);
        *num = want;
        return AUS_OK;
    }
    for (uint64_t n = 2;; n++)
        if (bpsec_find_num(b, n) == -1) {
            *num = n;
            return AUS_OK;
        }
}

aus_err bpsec_check_new_op(const aus_bpv7_bundle *b, const aus_bpsec_op *op, uint64_t num,
                           unsigned opts)
{
    sec_map m;
    aus_bpsec_asb tmp;
    AUS_TRY(bpsec_collect(b, 0, &m, &tmp));
    return bpsec_check_new_op_map(b, &m, op, num, opts);
}

aus_err bpsec_check_new_op_map(const aus_bpv7_bundle *b, sec_map *m, const aus_bpsec_op *op,
                               uint64_t num, unsigned opts)
{
    AUS_ENSURE(m->n < AUS_ARRAY_LEN(m->s), AUS_E_LIMIT);
    sec_blk *s = &m->s[m->n];
    memset(s, 0, sizeof *s);
    s->idx = SIZE_MAX;
    s->num = num;
    s->type = op->kind == AUS_BPSEC_BIB ? AUS_BPSEC_BT_BIB : AUS_BPSEC_BT_BCB;
    s->known = 1;
    s->nt = op->ntargets;
    for (size_t i = 0; i < op->ntargets; i++) {
        s->t[i] = op->targets[i];
        for (size_t j = 0; j < i; j++)
            AUS_ENSURE(s->t[j] != s->t[i], AUS_E_ARG);
        /* a new block's targets must already exist (it cannot target itself either) */
        long ix = bpsec_find_num(b, op->targets[i]);
        AUS_ENSURE(op->targets[i] == 0 || ix >= 0, AUS_E_BLOCK);
        /* Our position: the previous-node, bundle-age and hop-count blocks (RFC 9171 §4.4) are
         * read and rewritten by every forwarding node, so we do not encrypt them unless asked
         * (RFC 9172 §3.8 allows it; the BPv7 decoder leaves such ciphertext opaque). */
        if (op->kind == AUS_BPSEC_BCB && ix >= 0 && !(opts & AUS_BPSEC_ADD_EXT)) {
            uint64_t ty = b->blk[ix].type;
            AUS_ENSURE(ty != AUS_BPV7_BT_PREV_NODE && ty != AUS_BPV7_BT_AGE &&
                           ty != AUS_BPV7_BT_HOP_COUNT,
                       AUS_E_UNSUPPORTED);
        }
    }
    m->n++;
    /* the new operation first (its rule names the failure), then the others: bpsec_check_map
     * without its last entry, which check_one just passed (it only reads the map) */
    if (check_one(b, m, s) == AUS_OK && check_map_n(b, m, m->n - 1) == AUS_OK)
        return AUS_OK;
    m->n--;
    return AUS_E_BLOCK;
}

void bpsec_map_added(sec_map *m, const aus_bpsec_op *op)
{
    if (op->kind != AUS_BPSEC_BCB)
        return;
    /* bpsec_collect leaves a BIB that a BCB targets unknown (its ASB is ciphertext) */
    for (size_t i = 0; i < m->n; i++) {
        sec_blk *x = &m->s[i];
        if (x->type == AUS_BPSEC_BT_BIB && targets(&m->s[m->n - 1], x->num)) {
            x->known = 0;
            x->nt = 0;
        }
    }
}
