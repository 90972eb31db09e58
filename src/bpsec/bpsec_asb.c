/* SPDX-License-Identifier: Apache-2.0 */
/* Abstract security block codec (RFC 9172 §3.6) and the RFC 9173 parameter decoding.
 *
 * The ASB is not a CBOR array: it is the CBOR sequence targets, context id, context flags,
 * security source, [parameters], results (RFC 9172 §3.6). Every structural rule is checked
 * here, before any key is looked up or any cryptography runs. */
#include <string.h>

#include "bpsec_int.h"
#include "cbor/cbor_wr.h"

/* One complete CBOR item as a view. Parameter and result values are nearly always an integer
 * or a definite byte string: read those from their head (no generic walk); anything else goes
 * through aus_cbor_rd_raw, which checks nested items. */
static aus_err rd_value(aus_rd *r, const uint8_t **p, size_t *n)
{
    aus_cbor_head h;
    size_t hl;
    if (aus_cbor_peek_heads(r, BPSEC_CBOR, &h, 1, &hl) == AUS_OK && !h.indef &&
        (h.major == AUS_CBOR_UINT || h.major == AUS_CBOR_NINT ||
         (h.major == AUS_CBOR_BSTR && h.val <= r->len - r->off - hl))) {
        size_t total = hl + (h.major == AUS_CBOR_BSTR ? (size_t)h.val : 0);
        *p = aus_rd_view(r, total);
        *n = total;
        return r->err;
    }
    return aus_cbor_rd_raw(r, BPSEC_CBOR, p, n);
}

static aus_err rd_items(aus_rd *r, aus_bpsec_item *it, size_t max, size_t *count)
{
    size_t n = 0;
    AUS_TRY(aus_cbor_rd_array(r, BPSEC_CBOR, &n));
    /* RFC 9172 §3.6: a parameter list / a target's result set is present only when non-empty */
    AUS_ENSURE(n > 0, aus_rd_fail(r, AUS_E_MALFORMED));
    AUS_ENSURE(n <= max, aus_rd_fail(r, AUS_E_LIMIT));
    for (size_t i = 0; i < n; i++) {
        size_t two = 0;
        AUS_TRY(aus_cbor_rd_array(r, BPSEC_CBOR, &two));
        /* RFC 9172 §3.6: each parameter / result is [id, value] */
        AUS_ENSURE(two == 2, aus_rd_fail(r, AUS_E_MALFORMED));
        AUS_TRY(aus_cbor_rd_uint(r, BPSEC_CBOR, &it[i].id));
        AUS_TRY(rd_value(r, &it[i].val, &it[i].val_len));
        for (size_t j = 0; j < i; j++)
            AUS_ENSURE(it[j].id != it[i].id, aus_rd_fail(r, AUS_E_MALFORMED));
    }
    *count = n;
    return AUS_OK;
}

static aus_err rd_targets(aus_rd *r, aus_bpsec_asb *a)
{
    size_t n = 0;
    AUS_TRY(aus_cbor_rd_array(r, BPSEC_CBOR, &n));
    /* RFC 9172 §3.6: at least one target, no duplicates */
    AUS_ENSURE(n > 0, aus_rd_fail(r, AUS_E_MALFORMED));
    AUS_ENSURE(n <= AUS_BPSEC_MAX_TARGETS, aus_rd_fail(r, AUS_E_LIMIT));
    for (size_t i = 0; i < n; i++) {
        AUS_TRY(aus_cbor_rd_uint(r, BPSEC_CBOR, &a->targets[i]));
        for (size_t j = 0; j < i; j++)
            AUS_ENSURE(a->targets[j] != a->targets[i], aus_rd_fail(r, AUS_E_MALFORMED));
    }
    a->ntargets = n;
    return AUS_OK;
}

/* The security source: one EID item, read in place (the EID reader consumes exactly that item)
 * and kept as a view of its encoding. */
static aus_err rd_source(aus_rd *r, aus_bpsec_asb *a)
{
    aus_rd start = *r;
    aus_eid e;
    aus_err rc = aus_bpv7_eid_read(r, BPSEC_CBOR, &e);
    if (rc != AUS_OK)
        return aus_rd_fail(r, rc);
    a->source_len = r->off - start.off;
    a->source = aus_rd_view(&start, a->source_len);
    return AUS_OK;
}

static aus_err asb_decode(aus_bpsec_asb *a, const uint8_t *p, size_t n)
{
    aus_rd r;
    aus_rd_init(&r, p, n);
    AUS_TRY(rd_targets(&r, a));
    AUS_TRY(aus_cbor_rd_int(&r, BPSEC_CBOR, &a->ctx_id));
    /* RFC 9172 §3.6 / §11.3: security context id 0 is reserved */
    AUS_ENSURE(a->ctx_id != 0, AUS_E_MALFORMED);
    AUS_TRY(aus_cbor_rd_uint(&r, BPSEC_CBOR, &a->ctx_flags));
    /* RFC 9172 §3.6: only bit 0 (parameters present) is defined; the rest are reserved */
    AUS_ENSURE((a->ctx_flags & ~(uint64_t)AUS_BPSEC_ASB_PARAMS) == 0, AUS_E_MALFORMED);
    AUS_TRY(rd_source(&r, a));
    a->nparams = 0;
    /* RFC 9172 §3.6: parameters are present iff flag bit 0 is set */
    if (a->ctx_flags & AUS_BPSEC_ASB_PARAMS)
        AUS_TRY(rd_items(&r, a->params, AUS_BPSEC_MAX_PARAMS, &a->nparams));
    size_t nres = 0;
    AUS_TRY(aus_cbor_rd_array(&r, BPSEC_CBOR, &nres));
    /* RFC 9172 §3.6: one result set per target, in target order */
    AUS_ENSURE(nres == a->ntargets, AUS_E_MALFORMED);
    for (size_t i = 0; i < nres; i++)
        AUS_TRY(rd_items(&r, a->results[i], AUS_BPSEC_MAX_PARAMS, &a->nresults[i]));
    return aus_rd_finish(&r);
}

/* ---- the fast path: the shapes RFC 9173's contexts produce ----
 *
 * An ASB whose every head is a definite, shortest-form head (ai 0..27) of major 0..6, whose
 * security source is an ipn EID [2, [node, service]] and whose parameter and result values
 * are integers or definite byte strings: that is every BIB-HMAC-SHA2 and BCB-AES-GCM block
 * (RFC 9173 §3, §4) this node or a conforming peer writes. asb_fast decodes such a block with
 * the same rules as asb_decode and returns 1 only when asb_decode would accept it with the
 * same result; on anything else it returns 0 having decided nothing, and asb_decode alone
 * reads the block again and reports the exact error. Why hand-written: the item-by-item reader
 * costs several thousand instructions per bundle in wrap+unwrap; this walks the bytes once. */
typedef struct fast_rd {
    const uint8_t *p;
    size_t n, at;
} fast_rd;

/* One head as aus_cbor_rd_head reads it under BPSEC_CBOR (shortest form): 1 when it is a
 * definite head of major 0..6 that fits, else 0. */
#if defined(__GNUC__)
#define F_INLINE static inline __attribute__((always_inline))
#else
#define F_INLINE static inline
#endif

F_INLINE int f_head(fast_rd *f, unsigned *major, uint64_t *v)
{
    if (f->at >= f->n)
        return 0;
    uint8_t ib = f->p[f->at];
    unsigned ai = ib & 31u;
    *major = ib >> 5;
    if (ai < 24) {
        *v = ai;
        f->at++;
        return 1;
    }
    if (ai > 27 || *major == AUS_CBOR_SIMPLE)
        return 0;
    size_t m = (size_t)1 << (ai - 24), left = f->n - f->at;
    if (m >= left)
        return 0;
    uint64_t x = 0;
    for (size_t i = 1; i <= m; i++)
        x = x << 8 | f->p[f->at + i];
    /* RFC 8949 §4.2.1: the shortest head only (else the general reader names the error) */
    static const uint64_t floor_of[4] = {24u, 0x100u, 0x10000u, 0x100000000u};
    if (x < floor_of[ai - 24])
        return 0;
    *v = x;
    f->at += 1 + m;
    return 1;
}

F_INLINE int f_typed(fast_rd *f, unsigned major, uint64_t *v)
{
    unsigned mj;
    return f_head(f, &mj, v) && mj == major;
}

/* [[id, value], ...] with 1..max entries, distinct ids, values integers or byte strings. */
static int f_items(fast_rd *f, aus_bpsec_item *it, size_t max, size_t *count)
{
    uint64_t n, two;
    if (!f_typed(f, AUS_CBOR_ARRAY, &n) || n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!f_typed(f, AUS_CBOR_ARRAY, &two) || two != 2 || !f_typed(f, AUS_CBOR_UINT, &it[i].id))
            return 0;
        size_t vs = f->at;
        unsigned mj;
        uint64_t v;
        if (!f_head(f, &mj, &v))
            return 0;
        if (mj == AUS_CBOR_BSTR) {
            if (v > f->n - f->at)
                return 0;
            f->at += (size_t)v;
        } else if (mj != AUS_CBOR_UINT && mj != AUS_CBOR_NINT) {
            return 0;
        }
        it[i].val = f->p + vs;
        it[i].val_len = f->at - vs;
        for (size_t j = 0; j < i; j++)
            if (it[j].id == it[i].id)
                return 0;
    }
    *count = (size_t)n;
    return 1;
}

static int asb_fast(aus_bpsec_asb *a, const uint8_t *p, size_t n)
{
    fast_rd f = {p, n, 0};
    uint64_t cnt, v, node, svc;
    if (!p || !f_typed(&f, AUS_CBOR_ARRAY, &cnt) || cnt == 0 || cnt > AUS_BPSEC_MAX_TARGETS)
        return 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!f_typed(&f, AUS_CBOR_UINT, &a->targets[i]))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (a->targets[j] == a->targets[i])
                return 0;
    }
    a->ntargets = (size_t)cnt;
    if (!f_typed(&f, AUS_CBOR_UINT, &v) || v == 0 || v > (uint64_t)INT64_MAX)
        return 0;
    a->ctx_id = (int64_t)v;
    if (!f_typed(&f, AUS_CBOR_UINT, &a->ctx_flags) ||
        (a->ctx_flags & ~(uint64_t)AUS_BPSEC_ASB_PARAMS) != 0)
        return 0;
    size_t src = f.at;
    if (!f_typed(&f, AUS_CBOR_ARRAY, &v) || v != 2 || !f_typed(&f, AUS_CBOR_UINT, &v) ||
        v != AUS_EID_SCHEME_IPN || !f_typed(&f, AUS_CBOR_ARRAY, &v) || v != 2 ||
        !f_typed(&f, AUS_CBOR_UINT, &node) || !f_typed(&f, AUS_CBOR_UINT, &svc))
        return 0;
    a->source = p + src;
    a->source_len = f.at - src;
    a->nparams = 0;
    if ((a->ctx_flags & AUS_BPSEC_ASB_PARAMS) &&
        !f_items(&f, a->params, AUS_BPSEC_MAX_PARAMS, &a->nparams))
        return 0;
    if (!f_typed(&f, AUS_CBOR_ARRAY, &v) || v != a->ntargets)
        return 0;
    for (size_t i = 0; i < a->ntargets; i++)
        if (!f_items(&f, a->results[i], AUS_BPSEC_MAX_PARAMS, &a->nresults[i]))
            return 0;
    return f.at == n;
}

static aus_err asb_decode_into(aus_bpsec_asb *a, const uint8_t *p, size_t n, int fast)
{
    aus_bpsec_asb t; /* only the parts named by the counts are ever read */
    AUS_ENSURE(a && (p || n == 0), AUS_E_ARG);
    if (!fast || !asb_fast(&t, p, n)) {
        t.nparams = 0;
        AUS_TRY(asb_decode(&t, p, n));
    }
    /* no partial state change on error; copy only what was decoded (hot path) */
    a->ntargets = t.ntargets;
    memcpy(a->targets, t.targets, t.ntargets * sizeof t.targets[0]);
    a->ctx_id = t.ctx_id;
    a->ctx_flags = t.ctx_flags;
    a->source = t.source;
    a->source_len = t.source_len;
    a->nparams = t.nparams;
    memcpy(a->params, t.params, t.nparams * sizeof t.params[0]);
    for (size_t i = 0; i < t.ntargets; i++) {
        a->nresults[i] = t.nresults[i];
        memcpy(a->results[i], t.results[i], t.nresults[i] * sizeof t.results[i][0]);
    }
    return AUS_OK;
}

aus_err aus_bpsec_asb_decode(aus_bpsec_asb *a, const uint8_t *p, size_t n)
{
    return asb_decode_into(a, p, n, 1);
}

aus_err bpsec_asb_decode_general(aus_bpsec_asb *a, const uint8_t *p, size_t n)
{
    return asb_decode_into(a, p, n, 0);
}

aus_err bpsec_asb_decode_scratch(aus_bpsec_asb *a, const uint8_t *p, size_t n)
{
    /* the fast path straight into a (no copy through a temporary); when it gives up, a is
     * half written and the general decoder decides, as in aus_bpsec_asb_decode */
    if (a && asb_fast(a, p, n))
        return AUS_OK;
    return asb_decode_into(a, p, n, 0);
}

static void wr_items(aus_wr *w, const aus_bpsec_item *it, size_t n)
{
    aus_cbor_wr_array_i(w, n);
    for (size_t i = 0; i < n; i++) {
        aus_cbor_wr_array_i(w, 2);
        aus_cbor_wr_uint_i(w, it[i].id);
        aus_wr_bytes(w, it[i].val, it[i].val_len);
    }
}

aus_err aus_bpsec_asb_encode(aus_wr *w, const aus_bpsec_asb *a)
{
    AUS_ENSURE(a->ntargets > 0 && a->ntargets <= AUS_BPSEC_MAX_TARGETS, AUS_E_ARG);
    AUS_ENSURE(a->ctx_id != 0 && a->source && a->source_len > 0, AUS_E_ARG);
    AUS_ENSURE(a->nparams <= AUS_BPSEC_MAX_PARAMS, AUS_E_ARG);
    aus_cbor_wr_array_i(w, a->ntargets);
    for (size_t i = 0; i < a->ntargets; i++) {
        AUS_ENSURE(a->nresults[i] > 0 && a->nresults[i] <= AUS_BPSEC_MAX_PARAMS, AUS_E_ARG);
        aus_cbor_wr_uint_i(w, a->targets[i]);
    }
    if (a->ctx_id >= 0) /* aus_cbor_wr_int's own split */
        aus_cbor_wr_uint_i(w, (uint64_t)a->ctx_id);
    else
        aus_cbor_wr_int(w, a->ctx_id);
    aus_cbor_wr_uint_i(w, a->nparams ? AUS_BPSEC_ASB_PARAMS : 0);
    aus_wr_bytes(w, a->source, a->source_len);
    if (a->nparams)
        wr_items(w, a->params, a->nparams);
    aus_cbor_wr_array_i(w, a->ntargets);
    for (size_t i = 0; i < a->ntargets; i++)
        wr_items(w, a->results[i], a->nresults[i]);
    return w->err;
}

aus_err aus_bpsec_asb_source(const aus_bpsec_asb *a, char *out, size_t cap)
{
    aus_rd r;
    aus_eid e;
    AUS_ENSURE(cap > 0, AUS_E_NOBUFS);
    aus_rd_init(&r, a->source, a->source_len);
    AUS_TRY(aus_bpv7_eid_read(&r, BPSEC_CBOR, &e));
    size_t need = aus_bpv7_eid_format(&e, out, cap);
    AUS_ENSURE(need < cap, AUS_E_NOBUFS);
    return AUS_OK;
}

/* ---- RFC 9173 parameters ---- */

/* The parameter / result value readers. fast: the commonest encodings first, compared as
 * bytes (an integer below 24 is its one head byte; a byte string of n < 256 bytes is its
 * shortest head, RFC 8949 §4.2.1, then exactly n bytes): what the cursor readers under
 * BPSEC_CBOR accept with the same result. Anything else goes through them, and they decide
 * (test_bpsec_asb_fast compares the params functions with and without this). */
static aus_err item_uint_f(const aus_bpsec_item *it, uint64_t *v, int fast)
{
    if (fast && it->val_len == 1 && it->val[0] < 24) {
        *v = it->val[0];
        return AUS_OK;
    }
    aus_rd r;
    aus_rd_init(&r, it->val, it->val_len);
    aus_err e = aus_cbor_rd_uint(&r, BPSEC_CBOR, v);
    /* a parameter of the wrong CBOR type is malformed (e.g. a variant as a byte string) */
    return e == AUS_OK ? aus_rd_finish(&r) : AUS_E_MALFORMED;
}

static aus_err item_bstr_f(const aus_bpsec_item *it, const uint8_t **p, size_t *n, int fast)
{
    const uint8_t *v = it->val;
    if (fast && it->val_len >= 1 && (v[0] >> 5) == AUS_CBOR_BSTR) {
        size_t ai = v[0] & 31u;
        if (ai < 24 && it->val_len == 1 + ai) {
            *p = v + 1;
            *n = ai;
            return AUS_OK;
        }
        if (ai == 24 && it->val_len >= 2 && v[1] >= 24 && it->val_len == 2 + (size_t)v[1]) {
            *p = v + 2;
            *n = v[1];
            return AUS_OK;
        }
    }
    aus_rd r;
    aus_rd_init(&r, it->val, it->val_len);
    aus_err e = aus_cbor_rd_bstr(&r, BPSEC_CBOR, p, n);
    return e == AUS_OK ? aus_rd_finish(&r) : AUS_E_MALFORMED;
}

static aus_err scope_param(const aus_bpsec_item *it, uint8_t *scope, int fast)
{
    uint64_t v = 0;
    AUS_TRY(item_uint_f(it, &v, fast));
    /* RFC 9173 §3.3.3 / §4.3.4: bits 0-2 defined, others reserved */
    AUS_ENSURE(v <= AUS_BPSEC_SCOPE_ALL, AUS_E_MALFORMED);
    *scope = (uint8_t)v;
    return AUS_OK;
}

static aus_err wrapped_param(const aus_bpsec_item *it, sc_params *sp, int fast)
{
    AUS_TRY(item_bstr_f(it, &sp->wrapped, &sp->wrapped_len, fast));
    /* RFC 3394 §2: at least two 64-bit blocks of key plus the integrity block */
    AUS_ENSURE(sp->wrapped_len >= 24 && sp->wrapped_len % 8 == 0 &&
                   sp->wrapped_len <= AUS_BPSEC_KEY_MAX + 8,
               AUS_E_MALFORMED);
    return AUS_OK;
}

static aus_err bib_params(const aus_bpsec_asb *a, sc_params *sp, int fast)
{
    memset(sp, 0, sizeof *sp);
    sp->variant = AUS_HASH_SHA384; /* RFC 9173 §3.3.1 default: HMAC 384/384 */
    sp->scope = AUS_BPSEC_SCOPE_ALL;
    for (size_t i = 0; i < a->nparams; i++) {
        const aus_bpsec_item *it = &a->params[i];
        uint64_t v = 0;
        switch (it->id) {
        case AUS_BIB_PARAM_SHA:
            AUS_TRY(item_uint_f(it, &v, fast));
            AUS_ENSURE(v == AUS_HASH_SHA256 || v == AUS_HASH_SHA384 || v == AUS_HASH_SHA512,
                       AUS_E_UNSUPPORTED);
            sp->variant = (int)v;
            break;
        case AUS_BIB_PARAM_WRAPPED: AUS_TRY(wrapped_param(it, sp, fast)); break;
        case AUS_BIB_PARAM_SCOPE: AUS_TRY(scope_param(it, &sp->scope, fast)); break;
        default: return AUS_E_UNSUPPORTED;
        }
    }
    return AUS_OK;
}

static aus_err bcb_params(const aus_bpsec_asb *a, sc_params *sp, int fast)
{
    memset(sp, 0, sizeof *sp);
    sp->variant = AUS_AEAD_AES256_GCM; /* RFC 9173 §4.3.2 default: A256GCM */
    sp->scope = AUS_BPSEC_SCOPE_ALL;
    for (size_t i = 0; i < a->nparams; i++) {
        const aus_bpsec_item *it = &a->params[i];
        uint64_t v = 0;
        switch (it->id) {
        case AUS_BCB_PARAM_IV:
            /* RFC 9173 §4.3.1: a byte string (an integer here is malformed) */
            AUS_TRY(item_bstr_f(it, &sp->iv, &sp->iv_len, fast));
            AUS_ENSURE(sp->iv_len >= 8 && sp->iv_len <= 16, AUS_E_MALFORMED);
            break;
        case AUS_BCB_PARAM_AES:
            AUS_TRY(item_uint_f(it, &v, fast));
            AUS_ENSURE(v == AUS_AEAD_AES128_GCM || v == AUS_AEAD_AES256_GCM, AUS_E_UNSUPPORTED);
            sp->variant = (int)v;
            break;
        case AUS_BCB_PARAM_WRAPPED: AUS_TRY(wrapped_param(it, sp, fast)); break;
        case AUS_BCB_PARAM_SCOPE: AUS_TRY(scope_param(it, &sp->scope, fast)); break;
        default: return AUS_E_UNSUPPORTED;
        }
    }
    /* RFC 9173 §4.3.1: the IV parameter is required */
    AUS_ENSURE(sp->iv != NULL, AUS_E_MALFORMED);
    return AUS_OK;
}

static aus_err result_bstr(const aus_bpsec_asb *a, size_t i, size_t want_len, const uint8_t **p,
                           int fast)
{
    /* RFC 9173 §3.4 / §4.4: exactly one result, id 1, a byte string of the full length */
    AUS_ENSURE(a->nresults[i] == 1 && a->results[i][0].id == 1, AUS_E_MALFORMED);
    size_t n = 0;
    AUS_TRY(item_bstr_f(&a->results[i][0], p, &n, fast));
    AUS_ENSURE(n == want_len, AUS_E_MALFORMED);
    return AUS_OK;
}

aus_err bpsec_bib_params(const aus_bpsec_asb *a, sc_params *sp) { return bib_params(a, sp, 1); }

aus_err bpsec_bcb_params(const aus_bpsec_asb *a, sc_params *sp) { return bcb_params(a, sp, 1); }

aus_err bpsec_bib_params_general(const aus_bpsec_asb *a, sc_params *sp)
{
    return bib_params(a, sp, 0);
}

aus_err bpsec_bcb_params_general(const aus_bpsec_asb *a, sc_params *sp)
{
    return bcb_params(a, sp, 0);
}

aus_err bpsec_result_bstr(const aus_bpsec_asb *a, size_t i, size_t want_len, const uint8_t **p)
{
    return result_bstr(a, i, want_len, p, 1);
}

aus_err bpsec_result_bstr_general(const aus_bpsec_asb *a, size_t i, size_t want_len,
                                  const uint8_t **p)
{
    return result_bstr(a, i, want_len, p, 0);
}
