/* SPDX-License-Identifier: Apache-2.0 */
/* The tenant's telemetry and command dictionary: parser, checks, canonical hashes
 * (include/australis/dict.h has the file format; docs/dictionary.md the whole story).
 *
 * The parser walks the bytes line by line; every entry keeps views into them. A section's keys
 * may come in any order, so a point's type-dependent keys (limits, values) are kept as text
 * while its section is read and interpreted when the section ends (finish_point). */
#include <string.h>

#include "australis/dict.h"

typedef aus_dict_text txt;

/* ---- small text helpers ---- */

static txt mk(const char *p, size_t n)
{
    txt t = {p, n};
    return t;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static txt trim(txt t)
{
    while (t.n && is_space(t.p[0])) {
        t.p++;
        t.n--;
    }
    while (t.n && is_space(t.p[t.n - 1]))
        t.n--;
    return t;
}

static int eq(txt t, const char *s)
{
    size_t n = strlen(s);
    return t.n == n && (n == 0 || memcmp(t.p, s, n) == 0);
}

static int teq(txt a, txt b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }

/* memcmp order, shorter first on a common prefix */
static int tcmp(txt a, txt b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

static int valid_name(txt t)
{
    if (t.n == 0 || t.n > AUS_DICT_NAME_MAX)
        return 0;
    for (size_t i = 0; i < t.n; i++)
        if (!name_char(t.p[i]))
            return 0;
    return 1;
}

/* Split off the first whitespace-separated word of *rest. */
static txt word(txt *rest)
{
    txt r = trim(*rest);
    size_t i = 0;
    while (i < r.n && !is_space(r.p[i]))
        i++;
    *rest = mk(r.p + i, r.n - i);
    return mk(r.p, i);
}

/* ---- numbers (no strtod: locale-free and the same on every platform) ---- */

static int parse_i64(txt t, int64_t *v)
{
    size_t i = 0;
    int neg = 0;
    uint64_t acc = 0;
    if (t.n && (t.p[0] == '-' || t.p[0] == '+')) {
        neg = t.p[0] == '-';
        i = 1;
    }
    if (i == t.n)
        return -1;
    for (; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return -1;
        unsigned d = (unsigned)(t.p[i] - '0');
        if (acc > (UINT64_MAX - d) / 10u)
            return -1;
        acc = acc * 10u + d;
    }
    if (neg ? acc > (uint64_t)INT64_MAX + 1u : acc > (uint64_t)INT64_MAX)
        return -1;
    *v = neg ? (acc == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
    return 0;
}

/* [+-]digits[.digits][(e|E)[+-]digits], at least one mantissa digit; |exponent| <= 300. */
static int parse_f64(txt t, double *v)
{
    size_t i = 0;
    int neg = 0, digits = 0;
    long ex = 0;
    double m = 0;
    if (t.n && (t.p[0] == '-' || t.p[0] == '+')) {
        neg = t.p[0] == '-';
        i = 1;
    }
    for (; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++, digits++)
        m = m * 10.0 + (double)(t.p[i] - '0');
    if (i < t.n && t.p[i] == '.')
        for (i++; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++, digits++) {
            m = m * 10.0 + (double)(t.p[i] - '0');
            ex--;
        }
    if (!digits)
        return -1;
    if (i < t.n && (t.p[i] == 'e' || t.p[i] == 'E')) {
        int64_t e;
        if (parse_i64(mk(t.p + i + 1, t.n - i - 1), &e) != 0 || e > 300 || e < -300)
            return -1;
        ex += (long)e;
        i = t.n;
    }
    if (i != t.n || ex > 330 || ex < -330)
        return -1;
    for (; ex > 0; ex--)
        m *= 10.0;
    for (; ex < 0; ex++)
        m /= 10.0;
    *v = neg ? -m : m;
    return 0;
}

static int parse_bool(txt t, int *b, int lenient)
{
    if (eq(t, "true") || (lenient && (eq(t, "1") || eq(t, "yes") || eq(t, "on"))))
        *b = 1;
    else if (eq(t, "false") || (lenient && (eq(t, "0") || eq(t, "no") || eq(t, "off"))))
        *b = 0;
    else
        return -1;
    return 0;
}

/* "a|b|c": is t one of them? */
static int in_list(txt list, txt t)
{
    size_t s = 0;
    for (size_t i = 0; i <= list.n; i++)
        if (i == list.n || list.p[i] == '|') {
            if (teq(mk(list.p + s, i - s), t))
                return 1;
            s = i + 1;
        }
    return 0;
}

/* A list of names, no empty item, no duplicate; for bool limits only true/false. */
static int valid_list(txt list, int bool_only)
{
    size_t s = 0;
    if (!list.n)
        return 0;
    for (size_t i = 0; i <= list.n; i++)
        if (i == list.n || list.p[i] == '|') {
            txt it = mk(list.p + s, i - s);
            int b;
            if (!valid_name(it) || (bool_only && parse_bool(it, &b, 0) != 0) ||
                in_list(mk(list.p, s ? s - 1 : 0), it))
                return 0;
            s = i + 1;
        }
    return 1;
}

/* "LO..HI" (either side may be empty, not both) for a type; text ranges are lengths >= 0. */
static int parse_range(txt t, aus_dict_type ty, aus_dict_range *r)
{
    memset(r, 0, sizeof *r);
    size_t i = 0;
    while (i + 1 < t.n && !(t.p[i] == '.' && t.p[i + 1] == '.'))
        i++;
    if (i + 1 >= t.n)
        return -1;
    r->lo_t = trim(mk(t.p, i));
    r->hi_t = trim(mk(t.p + i + 2, t.n - i - 2));
    r->has_lo = r->lo_t.n > 0;
    r->has_hi = r->hi_t.n > 0;
    if (!r->has_lo && !r->has_hi)
        return -1;
    if (ty == AUS_DICT_FLOAT) {
        if ((r->has_lo && parse_f64(r->lo_t, &r->dlo)) ||
            (r->has_hi && parse_f64(r->hi_t, &r->dhi)))
            return -1;
        return r->has_lo && r->has_hi && r->dlo > r->dhi ? -1 : 0;
    }
    if ((r->has_lo && parse_i64(r->lo_t, &r->ilo)) || (r->has_hi && parse_i64(r->hi_t, &r->ihi)))
        return -1;
    if (ty == AUS_DICT_TEXT && ((r->has_lo && r->ilo < 0) || (r->has_hi && r->ihi < 0)))
        return -1;
    return r->has_lo && r->has_hi && r->ilo > r->ihi ? -1 : 0;
}

static int parse_type(txt t, aus_dict_type *ty)
{
    static const char *const names[] = {"int", "float", "bool", "text", "enum"};
    for (int i = 0; i < 5; i++)
        if (eq(t, names[i])) {
            *ty = (aus_dict_type)(i + 1);
            return 0;
        }
    return -1;
}

const char *aus_dict_type_name(aus_dict_type t)
{
    switch (t) {
    case AUS_DICT_INT: return "int";
    case AUS_DICT_FLOAT: return "float";
    case AUS_DICT_BOOL: return "bool";
    case AUS_DICT_TEXT: return "text";
    case AUS_DICT_ENUM: return "enum";
    default: return "?";
    }
}

const char *aus_dict_level_name(aus_dict_level l)
{
    return l == AUS_DICT_RED ? "red" : l == AUS_DICT_YELLOW ? "yellow" : "nominal";
}

const char *aus_dict_perr_str(aus_dict_perr r)
{
    switch (r) {
    case AUS_DICT_P_OK: return "ok";
    case AUS_DICT_P_SYNTAX: return "not a [section], a key = value line or a comment";
    case AUS_DICT_P_SECTION:
        return "unknown section (expected [dictionary], [point NAME] or [command NAME])";
    case AUS_DICT_P_NAME: return "a name is 1..32 characters of A-Z a-z 0-9 _ . -";
    case AUS_DICT_P_DUP: return "declared twice";
    case AUS_DICT_P_KEY: return "unknown key in this section";
    case AUS_DICT_P_TYPE: return "unknown type (expected int, float, bool, text or enum)";
    case AUS_DICT_P_VALUE: return "value does not fit the key (see docs/dictionary.md)";
    case AUS_DICT_P_MISSING: return "a required key is missing (type; values for an enum)";
    case AUS_DICT_P_LIMIT_KIND: return "this type cannot have this limit";
    case AUS_DICT_P_ARG_ORDER:
        return "a required argument cannot follow an optional or repeated one";
    case AUS_DICT_P_FULL: return "too many entries for the tables";
    case AUS_DICT_P_TOO_BIG: return "input too large or contains a NUL byte";
    default: return "?";
    }
}

/* ---- FNV-1a 64 over the canonical form ---- */

#define FNV_OFF 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static void h_bytes(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= FNV_PRIME;
    }
}

/* each field ends in 0x1F (unit separator): "ab"+"c" and "a"+"bc" differ */
static void h_txt(uint64_t *h, txt t)
{
    h_bytes(h, t.p, t.n);
    h_bytes(h, "\x1f", 1);
}

static void h_str(uint64_t *h, const char *s) { h_txt(h, mk(s, strlen(s))); }

static void h_range(uint64_t *h, const aus_dict_range *r)
{
    h_txt(h, r->has_lo ? r->lo_t : mk("", 0));
    h_txt(h, r->has_hi ? r->hi_t : mk("", 0));
}

static void cmd_def_hash(aus_dict_cmd *c)
{
    uint64_t h = FNV_OFF;
    h_str(&h, "command");
    h_txt(&h, c->name);
    for (size_t i = 0; i < c->nargs; i++) {
        const aus_dict_arg *a = &c->args[i];
        h_str(&h, "arg");
        h_txt(&h, a->name);
        h_str(&h, a->variadic ? "..." : a->optional ? "?" : "");
        h_str(&h, aus_dict_type_name(a->type));
        if (a->type == AUS_DICT_ENUM)
            h_txt(&h, a->values);
        else
            h_range(&h, &a->range);
    }
    for (int i = 0; i < AUS_DICT_HASH_BYTES; i++)
        c->def_hash[i] = (uint8_t)(h >> (56 - 8 * i));
}

static void point_hash(uint64_t *h, const aus_dict_point *p)
{
    h_str(h, "point");
    h_txt(h, p->name);
    h_str(h, aus_dict_type_name(p->type));
    h_txt(h, p->unit);
    h_txt(h, p->values);
    h_range(h, &p->yellow);
    h_range(h, &p->red);
    h_txt(h, p->yellow_v);
    h_txt(h, p->red_v);
    h_txt(h, p->desc);
}

static void version_hash(aus_dict *d)
{
    uint64_t h = FNV_OFF;
    h_str(&h, "australis-dictionary-1");
    h_txt(&h, d->tenant);
    /* sorted by name: each step takes the smallest name above the previous one */
    const aus_dict_point *prevp = NULL;
    for (size_t k = 0; k < d->npts; k++) {
        const aus_dict_point *best = NULL;
        for (size_t i = 0; i < d->npts; i++)
            if ((!prevp || tcmp(d->pts[i].name, prevp->name) > 0) &&
                (!best || tcmp(d->pts[i].name, best->name) < 0))
                best = &d->pts[i];
        point_hash(&h, best);
        prevp = best;
    }
    const aus_dict_cmd *prevc = NULL;
    for (size_t k = 0; k < d->ncmds; k++) {
        const aus_dict_cmd *best = NULL;
        for (size_t i = 0; i < d->ncmds; i++)
            if ((!prevc || tcmp(d->cmds[i].name, prevc->name) > 0) &&
                (!best || tcmp(d->cmds[i].name, best->name) < 0))
                best = &d->cmds[i];
        h_bytes(&h, best->def_hash, AUS_DICT_HASH_BYTES);
        char to[11];
        size_t n = 0;
        uint32_t t = best->timeout_s;
        do {
            to[n++] = (char)('0' + t % 10u);
            t /= 10u;
        } while (t);
        for (size_t i = 0; i < n / 2; i++) {
            char c = to[i];
            to[i] = to[n - 1 - i];
            to[n - 1 - i] = c;
        }
        h_txt(&h, mk(to, n));
        h_txt(&h, best->desc);
        prevc = best;
    }
    d->version = h;
}

/* ---- the parser ---- */

enum sec { SEC_NONE, SEC_DICT, SEC_POINT, SEC_CMD };

/* A point's keys as text until its section ends. */
typedef struct pend {
    txt type, yellow, red;
    unsigned type_line, yellow_line, red_line, values_line;
} pend;

typedef struct pstate {
    aus_dict *d;
    aus_dict_diag *diag;
    enum sec sec;
    pend pp;
    unsigned line;
    uint32_t seen; /* keys seen in the section (bit per key) */
} pstate;

static aus_err perr(pstate *s, unsigned line, aus_dict_perr r, txt key)
{
    s->diag->line = line;
    s->diag->rule = r;
    s->diag->key = key;
    return r == AUS_DICT_P_FULL      ? AUS_E_FULL
           : r == AUS_DICT_P_TOO_BIG ? AUS_E_LIMIT
                                     : AUS_E_MALFORMED;
}

static aus_err set_limit(pstate *s, aus_dict_point *p, txt t, unsigned line, int red)
{
    txt key = mk(red ? "red" : "yellow", red ? 3 : 6);
    if (p->type == AUS_DICT_TEXT)
        return perr(s, line, AUS_DICT_P_LIMIT_KIND, key);
    if (p->type == AUS_DICT_BOOL || p->type == AUS_DICT_ENUM) {
        if (!valid_list(t, p->type == AUS_DICT_BOOL))
            return perr(s, line,
                        p->type == AUS_DICT_BOOL ? AUS_DICT_P_LIMIT_KIND : AUS_DICT_P_VALUE, key);
        if (p->type == AUS_DICT_ENUM) /* each one of the declared values */
            for (size_t st = 0, i = 0; i <= t.n; i++)
                if (i == t.n || t.p[i] == '|') {
                    if (!in_list(p->values, mk(t.p + st, i - st)))
                        return perr(s, line, AUS_DICT_P_VALUE, key);
                    st = i + 1;
                }
        *(red ? &p->red_v : &p->yellow_v) = t;
        return AUS_OK;
    }
    if (parse_range(t, p->type, red ? &p->red : &p->yellow) != 0)
        return perr(s, line, AUS_DICT_P_VALUE, key);
    return AUS_OK;
}

static aus_err finish_point(pstate *s)
{
    aus_dict_point *p = &s->d->pts[s->d->npts - 1];
    if (!s->pp.type.n)
        return perr(s, p->line, AUS_DICT_P_MISSING, mk("type", 4));
    if (parse_type(s->pp.type, &p->type) != 0)
        return perr(s, s->pp.type_line, AUS_DICT_P_TYPE, mk("type", 4));
    if ((p->type == AUS_DICT_ENUM) != (p->values.n > 0))
        return perr(s, p->values.n ? s->pp.values_line : p->line,
                    p->values.n ? AUS_DICT_P_KEY : AUS_DICT_P_MISSING, mk("values", 6));
    if (p->values.n && !valid_list(p->values, 0))
        return perr(s, s->pp.values_line, AUS_DICT_P_VALUE, mk("values", 6));
    if (s->pp.yellow.n)
        AUS_TRY(set_limit(s, p, s->pp.yellow, s->pp.yellow_line, 0));
    if (s->pp.red.n)
        AUS_TRY(set_limit(s, p, s->pp.red, s->pp.red_line, 1));
    return AUS_OK;
}

static aus_err finish_section(pstate *s)
{
    if (s->sec == SEC_POINT)
        AUS_TRY(finish_point(s));
    if (s->sec == SEC_CMD)
        cmd_def_hash(&s->d->cmds[s->d->ncmds - 1]);
    s->sec = SEC_NONE;
    return AUS_OK;
}

static aus_err open_section(pstate *s, txt body)
{
    txt rest = body, kind = word(&rest), name = trim(rest);
    aus_dict *d = s->d;
    AUS_TRY(finish_section(s));
    s->seen = 0;
    if (eq(kind, "dictionary") && !name.n) {
        s->sec = SEC_DICT;
        return AUS_OK;
    }
    if (!eq(kind, "point") && !eq(kind, "command"))
        return perr(s, s->line, AUS_DICT_P_SECTION, kind);
    if (!valid_name(name))
        return perr(s, s->line, AUS_DICT_P_NAME, name);
    if (eq(kind, "point")) {
        if (aus_dict_find_point(d, name.p, name.n))
            return perr(s, s->line, AUS_DICT_P_DUP, name);
        if (d->npts >= d->cap_pts)
            return perr(s, s->line, AUS_DICT_P_FULL, name);
        aus_dict_point *p = &d->pts[d->npts++];
        memset(p, 0, sizeof *p);
        memset(&s->pp, 0, sizeof s->pp);
        p->name = name;
        p->line = s->line;
        s->sec = SEC_POINT;
        return AUS_OK;
    }
    if (aus_dict_find_cmd(d, name.p, name.n))
        return perr(s, s->line, AUS_DICT_P_DUP, name);
    if (d->ncmds >= d->cap_cmds)
        return perr(s, s->line, AUS_DICT_P_FULL, name);
    aus_dict_cmd *c = &d->cmds[d->ncmds++];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->line = s->line;
    s->sec = SEC_CMD;
    return AUS_OK;
}

/* arg = NAME TYPE [SPEC] */
static aus_err add_arg(pstate *s, aus_dict_cmd *c, txt val, txt key)
{
    txt rest = val, name = word(&rest), type = word(&rest), spec = trim(rest);
    if (c->nargs >= AUS_DICT_MAX_ARGS)
        return perr(s, s->line, AUS_DICT_P_FULL, key);
    aus_dict_arg *a = &c->args[c->nargs];
    memset(a, 0, sizeof *a);
    if (name.n > 3 && !memcmp(name.p + name.n - 3, "...", 3)) {
        a->variadic = 1;
        name.n -= 3;
    } else if (name.n > 1 && name.p[name.n - 1] == '?') {
        a->optional = 1;
        name.n--;
    }
    if (!valid_name(name))
        return perr(s, s->line, AUS_DICT_P_NAME, name);
    for (size_t i = 0; i < c->nargs; i++)
        if (teq(c->args[i].name, name))
            return perr(s, s->line, AUS_DICT_P_DUP, name);
    if (parse_type(type, &a->type) != 0)
        return perr(s, s->line, AUS_DICT_P_TYPE, key);
    if (c->nargs) {
        const aus_dict_arg *prev = &c->args[c->nargs - 1];
        if (prev->variadic || (prev->optional && !a->optional && !a->variadic))
            return perr(s, s->line, AUS_DICT_P_ARG_ORDER, name);
    }
    a->name = name;
    switch (a->type) {
    case AUS_DICT_BOOL:
        if (spec.n)
            return perr(s, s->line, AUS_DICT_P_LIMIT_KIND, key);
        break;
    case AUS_DICT_ENUM:
        if (!spec.n)
            return perr(s, s->line, AUS_DICT_P_MISSING, key);
        if (!valid_list(spec, 0))
            return perr(s, s->line, AUS_DICT_P_VALUE, key);
        a->values = spec;
        break;
    default:
        if (spec.n && parse_range(spec, a->type, &a->range) != 0)
            return perr(s, s->line, AUS_DICT_P_VALUE, key);
        break;
    }
    c->nargs++;
    return AUS_OK;
}

/* Bit of a key in its section (for "declared twice"); 0 = unknown. */
static uint32_t key_bit(enum sec sec, txt key)
{
    static const char *const pk[] = {"type", "unit", "values", "yellow", "red", "description"};
    static const char *const ck[] = {"timeout_s", "description", "arg"};
    const char *const *k = sec == SEC_POINT ? pk : sec == SEC_CMD ? ck : NULL;
    size_t n = sec == SEC_POINT ? 6 : sec == SEC_CMD ? 3 : 0;
    if (sec == SEC_DICT)
        return eq(key, "tenant") ? 1u : 0u;
    for (size_t i = 0; i < n; i++)
        if (eq(key, k[i]))
            return 1u << i;
    return 0;
}

static aus_err set_key(pstate *s, txt key, txt val)
{
    aus_dict *d = s->d;
    if (s->sec == SEC_NONE)
        return perr(s, s->line, AUS_DICT_P_KEY, key);
    uint32_t bit = key_bit(s->sec, key);
    if (!bit)
        return perr(s, s->line, AUS_DICT_P_KEY, key);
    int is_arg = s->sec == SEC_CMD && eq(key, "arg");
    if ((s->seen & bit) && !is_arg)
        return perr(s, s->line, AUS_DICT_P_DUP, key);
    s->seen |= bit;
    if (!val.n)
        return perr(s, s->line, AUS_DICT_P_VALUE, key);
    if (s->sec == SEC_DICT) {
        if (!valid_name(val))
            return perr(s, s->line, AUS_DICT_P_NAME, key);
        d->tenant = val;
        return AUS_OK;
    }
    if (s->sec == SEC_CMD) {
        aus_dict_cmd *c = &d->cmds[d->ncmds - 1];
        int64_t t;
        if (is_arg)
            return add_arg(s, c, val, key);
        if (eq(key, "description"))
            c->desc = val;
        else if (parse_i64(val, &t) != 0 || t < 1 || t > 86400 * 7)
            return perr(s, s->line, AUS_DICT_P_VALUE, key);
        else
            c->timeout_s = (uint32_t)t;
        return AUS_OK;
    }
    aus_dict_point *p = &d->pts[d->npts - 1];
    if (eq(key, "type")) {
        s->pp.type = val;
        s->pp.type_line = s->line;
    } else if (eq(key, "unit"))
        p->unit = val;
    else if (eq(key, "description"))
        p->desc = val;
    else if (eq(key, "values")) {
        p->values = val;
        s->pp.values_line = s->line;
    } else if (eq(key, "yellow")) {
        s->pp.yellow = val;
        s->pp.yellow_line = s->line;
    } else {
        s->pp.red = val;
        s->pp.red_line = s->line;
    }
    return AUS_OK;
}

/* The value without an inline comment: '#' or ';' after white space. */
static txt strip_comment(txt v)
{
    for (size_t i = 1; i < v.n; i++)
        if ((v.p[i] == '#' || v.p[i] == ';') && is_space(v.p[i - 1]))
            return trim(mk(v.p, i));
    return trim(v);
}

static aus_err parse_line(pstate *s, txt l)
{
    l = trim(l);
    if (!l.n || l.p[0] == '#' || l.p[0] == ';')
        return AUS_OK;
    if (l.p[0] == '[') {
        txt body = strip_comment(mk(l.p + 1, l.n - 1));
        if (!body.n || body.p[body.n - 1] != ']')
            return perr(s, s->line, AUS_DICT_P_SYNTAX, mk("", 0));
        return open_section(s, trim(mk(body.p, body.n - 1)));
    }
    size_t i = 0;
    while (i < l.n && l.p[i] != '=')
        i++;
    if (i == l.n)
        return perr(s, s->line, AUS_DICT_P_SYNTAX, mk("", 0));
    txt key = trim(mk(l.p, i));
    if (!key.n)
        return perr(s, s->line, AUS_DICT_P_SYNTAX, mk("", 0));
    return set_key(s, key, strip_comment(mk(l.p + i + 1, l.n - i - 1)));
}

aus_err aus_dict_parse(aus_dict *d, const char *src, size_t len, aus_dict_diag *diag)
{
    aus_dict_diag dummy;
    pstate s;
    AUS_ENSURE(d && (src || !len) && (d->pts || !d->cap_pts) && (d->cmds || !d->cap_cmds),
               AUS_E_ARG);
    memset(&s, 0, sizeof s);
    s.d = d;
    s.diag = diag ? diag : &dummy;
    memset(s.diag, 0, sizeof *s.diag);
    d->npts = d->ncmds = 0;
    d->tenant = mk("", 0);
    d->version = 0;
    if (len > AUS_DICT_FILE_MAX || (len && memchr(src, 0, len)))
        return perr(&s, 0, AUS_DICT_P_TOO_BIG, mk("", 0));
    size_t st = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || src[i] == '\n') {
            s.line++;
            AUS_TRY(parse_line(&s, mk(src + st, i - st)));
            st = i + 1;
        }
    AUS_TRY(finish_section(&s));
    version_hash(d);
    return AUS_OK;
}

/* ---- lookups ---- */

const aus_dict_cmd *aus_dict_find_cmd(const aus_dict *d, const char *name, size_t n)
{
    if (!d || (!name && n))
        return NULL;
    for (size_t i = 0; i < d->ncmds; i++)
        if (teq(d->cmds[i].name, mk(name, n)))
            return &d->cmds[i];
    return NULL;
}

const aus_dict_point *aus_dict_find_point(const aus_dict *d, const char *name, size_t n)
{
    if (!d || (!name && n))
        return NULL;
    for (size_t i = 0; i < d->npts; i++)
        if (teq(d->pts[i].name, mk(name, n)))
            return &d->pts[i];
    return NULL;
}

uint32_t aus_dict_cmd_timeout(const aus_dict *d, const char *name, size_t n, uint32_t dflt)
{
    const aus_dict_cmd *c = aus_dict_find_cmd(d, name, n);
    return c && c->timeout_s ? c->timeout_s : dflt;
}

/* ---- checks ---- */

static aus_dict_rule check_value(const aus_dict_arg *a, txt v)
{
    const aus_dict_range *r = &a->range;
    int64_t i;
    double f;
    int b;
    switch (a->type) {
    case AUS_DICT_INT:
        if (parse_i64(v, &i) != 0)
            return AUS_DICT_R_NOT_INT;
        return r->has_lo && i < r->ilo   ? AUS_DICT_R_BELOW
               : r->has_hi && i > r->ihi ? AUS_DICT_R_ABOVE
                                         : AUS_DICT_R_OK;
    case AUS_DICT_FLOAT:
        if (parse_f64(v, &f) != 0)
            return AUS_DICT_R_NOT_FLOAT;
        return r->has_lo && f < r->dlo   ? AUS_DICT_R_BELOW
               : r->has_hi && f > r->dhi ? AUS_DICT_R_ABOVE
                                         : AUS_DICT_R_OK;
    case AUS_DICT_BOOL: return parse_bool(v, &b, 1) == 0 ? AUS_DICT_R_OK : AUS_DICT_R_NOT_BOOL;
    case AUS_DICT_ENUM: return in_list(a->values, v) ? AUS_DICT_R_OK : AUS_DICT_R_NOT_ENUM;
    case AUS_DICT_TEXT:
        return r->has_lo && v.n < (uint64_t)r->ilo   ? AUS_DICT_R_BELOW
               : r->has_hi && v.n > (uint64_t)r->ihi ? AUS_DICT_R_ABOVE
                                                     : AUS_DICT_R_OK;
    default: return AUS_DICT_R_NOT_ENUM;
    }
}

aus_err aus_dict_check_cmd(const aus_dict *d, const char *name, size_t n, const aus_dict_text *args,
                           size_t nargs, const uint8_t *peer_hash, aus_dict_verdict *v)
{
    AUS_ENSURE(d && v && (name || !n) && (args || !nargs), AUS_E_ARG);
    memset(v, 0, sizeof *v);
    const aus_dict_cmd *c = aus_dict_find_cmd(d, name, n);
    v->cmd = c;
    if (!c) {
        v->rule = AUS_DICT_R_UNKNOWN_CMD;
        return AUS_E_POLICY;
    }
    if (peer_hash && memcmp(peer_hash, c->def_hash, AUS_DICT_HASH_BYTES) != 0) {
        v->rule = AUS_DICT_R_DEF_DIFFERS;
        return AUS_E_POLICY;
    }
    size_t k = 0; /* declaration */
    for (size_t i = 0; i < nargs; i++) {
        if (k >= c->nargs) {
            v->rule = AUS_DICT_R_EXTRA;
            v->arg = i;
            return AUS_E_POLICY;
        }
        const aus_dict_arg *a = &c->args[k];
        aus_dict_rule r = check_value(a, args[i]);
        if (r != AUS_DICT_R_OK) {
            v->rule = r;
            v->arg = i;
            v->decl = k;
            return AUS_E_POLICY;
        }
        if (!a->variadic)
            k++;
    }
    if (k < c->nargs && !c->args[k].optional && !c->args[k].variadic) {
        v->rule = AUS_DICT_R_MISSING;
        v->arg = v->decl = k;
        return AUS_E_POLICY;
    }
    return AUS_OK;
}

/* A bounded writer for sentences (no stdio in the core). */
typedef struct sbuf {
    char *p;
    size_t cap, n;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b->n + 1 < b->cap)
            b->p[b->n++] = s[i];
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }
static void putt(sbuf *b, txt t) { put(b, t.p, t.n); }

/* untrusted text (a peer's argument) shown printable and bounded */
static void put_value(sbuf *b, txt t)
{
    static const char hx[] = "0123456789abcdef";
    size_t lim = t.n > 64 ? 64 : t.n;
    puts_(b, "'");
    for (size_t i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            put(b, (const char *)&t.p[i], 1);
        else {
            char e[4] = {'\\', 'x', hx[c >> 4], hx[c & 15]};
            put(b, e, 4);
        }
    }
    puts_(b, t.n > lim ? "'..." : "'");
}

static void put_u(sbuf *b, uint64_t v)
{
    char t[21];
    size_t n = 0;
    do {
        t[sizeof t - 1 - n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    put(b, t + sizeof t - n, n);
}

size_t aus_dict_explain(const aus_dict_verdict *v, const aus_dict_text *args, size_t nargs,
                        char *out, size_t cap)
{
    sbuf b = {out, cap, 0};
    if (!out || !cap)
        return 0;
    if (!v || v->rule == AUS_DICT_R_OK || (!v->cmd && v->rule != AUS_DICT_R_UNKNOWN_CMD)) {
        puts_(&b, v && v->rule == AUS_DICT_R_OK ? "accepted" : "refused");
        out[b.n] = '\0';
        return b.n;
    }
    if (v->rule == AUS_DICT_R_UNKNOWN_CMD) {
        puts_(&b, "this command is not in the dictionary");
        out[b.n] = '\0';
        return b.n;
    }
    const aus_dict_cmd *c = v->cmd;
    puts_(&b, "command '");
    putt(&b, c->name);
    puts_(&b, "': ");
    if (v->rule == AUS_DICT_R_DEF_DIFFERS) {
        puts_(&b,
              "the sender's dictionary defines it differently (definition hash differs): not run");
    } else if (v->rule == AUS_DICT_R_EXTRA) {
        puts_(&b, "takes at most ");
        put_u(&b, c->nargs);
        puts_(&b, c->nargs == 1 ? " argument, " : " arguments, ");
        put_u(&b, nargs);
        puts_(&b, " given");
    } else {
        const aus_dict_arg *a = &c->args[v->decl < c->nargs ? v->decl : 0];
        puts_(&b, "argument '");
        putt(&b, a->name);
        puts_(&b, "' (");
        puts_(&b, aus_dict_type_name(a->type));
        puts_(&b, ") ");
        txt val = args && v->arg < nargs ? args[v->arg] : mk("", 0);
        switch (v->rule) {
        case AUS_DICT_R_MISSING: puts_(&b, "is missing"); break;
        case AUS_DICT_R_NOT_INT:
            put_value(&b, val);
            puts_(&b, " is not an integer");
            break;
        case AUS_DICT_R_NOT_FLOAT:
            put_value(&b, val);
            puts_(&b, " is not a number");
            break;
        case AUS_DICT_R_NOT_BOOL:
            put_value(&b, val);
            puts_(&b, " is not true or false");
            break;
        case AUS_DICT_R_NOT_ENUM:
            put_value(&b, val);
            puts_(&b, " is not one of ");
            putt(&b, a->values);
            break;
        case AUS_DICT_R_BELOW:
        case AUS_DICT_R_ABOVE:
            if (a->type == AUS_DICT_TEXT) {
                puts_(&b, v->rule == AUS_DICT_R_BELOW ? "is shorter than " : "is longer than ");
                putt(&b, v->rule == AUS_DICT_R_BELOW ? a->range.lo_t : a->range.hi_t);
                puts_(&b, " bytes");
            } else {
                put_value(&b, val);
                puts_(&b, v->rule == AUS_DICT_R_BELOW ? " is below the minimum "
                                                      : " is above the maximum ");
                putt(&b, v->rule == AUS_DICT_R_BELOW ? a->range.lo_t : a->range.hi_t);
            }
            break;
        default: puts_(&b, "is refused"); break;
        }
    }
    out[b.n] = '\0';
    return b.n;
}

static aus_dict_level range_level(const aus_dict_point *p, int is_f, int64_t i, double f)
{
    const aus_dict_range *rs[2] = {&p->red, &p->yellow};
    for (int k = 0; k < 2; k++) {
        const aus_dict_range *r = rs[k];
        int out = is_f
                      ? (r->has_lo && f < (p->type == AUS_DICT_FLOAT ? r->dlo : (double)r->ilo)) ||
                            (r->has_hi && f > (p->type == AUS_DICT_FLOAT ? r->dhi : (double)r->ihi))
                      : (r->has_lo && i < r->ilo) || (r->has_hi && i > r->ihi);
        if (out)
            return k == 0 ? AUS_DICT_RED : AUS_DICT_YELLOW;
    }
    return AUS_DICT_NOMINAL;
}

static aus_dict_level set_level(const aus_dict_point *p, txt v)
{
    if (p->red_v.n && in_list(p->red_v, v))
        return AUS_DICT_RED;
    if (p->yellow_v.n && in_list(p->yellow_v, v))
        return AUS_DICT_YELLOW;
    return AUS_DICT_NOMINAL;
}

aus_err aus_dict_point_level(const aus_dict_point *p, const char *val, size_t n,
                             aus_dict_level *level)
{
    AUS_ENSURE(p && level && (val || !n), AUS_E_ARG);
    txt v = trim(mk(val, n));
    int64_t i;
    double f;
    int b;
    *level = AUS_DICT_NOMINAL;
    switch (p->type) {
    case AUS_DICT_INT:
        AUS_ENSURE(parse_i64(v, &i) == 0, AUS_E_MALFORMED);
        *level = range_level(p, 0, i, 0);
        return AUS_OK;
    case AUS_DICT_FLOAT:
        AUS_ENSURE(parse_f64(v, &f) == 0, AUS_E_MALFORMED);
        *level = range_level(p, 1, 0, f);
        return AUS_OK;
    case AUS_DICT_BOOL:
        AUS_ENSURE(parse_bool(v, &b, 1) == 0, AUS_E_MALFORMED);
        *level = set_level(p, b ? mk("true", 4) : mk("false", 5));
        return AUS_OK;
    case AUS_DICT_ENUM:
        AUS_ENSURE(in_list(p->values, v), AUS_E_MALFORMED);
        *level = set_level(p, v);
        return AUS_OK;
    default: return AUS_OK; /* text: no limits */
    }
}

aus_err aus_dict_point_level_i64(const aus_dict_point *p, int64_t val, aus_dict_level *level)
{
    AUS_ENSURE(p && level, AUS_E_ARG);
    *level = AUS_DICT_NOMINAL;
    switch (p->type) {
    case AUS_DICT_INT: *level = range_level(p, 0, val, 0); return AUS_OK;
    case AUS_DICT_FLOAT: *level = range_level(p, 1, 0, (double)val); return AUS_OK;
    case AUS_DICT_BOOL:
        AUS_ENSURE(val == 0 || val == 1, AUS_E_MALFORMED);
        *level = set_level(p, val ? mk("true", 4) : mk("false", 5));
        return AUS_OK;
    default: return AUS_E_MALFORMED; /* an integer is not a text or enum value */
    }
}
