/* SPDX-License-Identifier: Apache-2.0 */
/* The telemetry and command dictionary (src/app/dict.c): every type and every limit, both for
 * commands and points; parse errors with their line and rule; canonical hashes (order, comments
 * and white space do not change them, a definition does); truncation at every offset. */
#include "aus_test.h"

#include "australis/app.h"
#include "australis/dict.h"

static const char good[] = "# a tenant\n"
                           "[dictionary]\n"
                           "tenant = t1   # inline comment\n"
                           "[point volt]\n"
                           "type = float\n"
                           "unit = V\n"
                           "yellow = 6.8..8.6\n"
                           "red = 6.0..9.0\n"
                           "description = bus voltage\n"
                           "[point temp]\n"
                           "type = int\n"
                           "red = -20..60\n"
                           "yellow = ..45\n"
                           "[point heater]\n"
                           "type = bool\n"
                           "yellow = true\n"
                           "[point mode]\n"
                           "type = enum\n"
                           "values = safe|nominal|science\n"
                           "yellow = science\n"
                           "red = safe\n"
                           "[point note]\n"
                           "type = text\n"
                           "[command set]\n"
                           "timeout_s = 30\n"
                           "arg = name text 1..8\n"
                           "arg = value int -5..100\n"
                           "[command aim]\n"
                           "arg = angle float -1.5..1.5e1\n"
                           "arg = fast? bool\n"
                           "arg = mode? enum slow|fast\n"
                           "[command ping]\n"
                           "arg = words... text ..4\n";

typedef struct fx {
    aus_dict d;
    aus_dict_point pts[8];
    aus_dict_cmd cmds[8];
    aus_dict_diag dg;
} fx;

static aus_err parse(fx *f, const char *s)
{
    memset(f, 0, sizeof *f);
    f->d.pts = f->pts;
    f->d.cap_pts = 8;
    f->d.cmds = f->cmds;
    f->d.cap_cmds = 8;
    return aus_dict_parse(&f->d, s, strlen(s), &f->dg);
}

static void test_parse_good(void **st)
{
    (void)st;
    static fx f;
    assert_int_equal(parse(&f, good), AUS_OK);
    assert_int_equal(f.d.npts, 5);
    assert_int_equal(f.d.ncmds, 3);
    assert_int_equal(f.d.tenant.n, 2);
    const aus_dict_point *v = aus_dict_find_point(&f.d, "volt", 4);
    assert_non_null(v);
    assert_int_equal(v->type, AUS_DICT_FLOAT);
    assert_int_equal(v->unit.n, 1);
    assert_true(v->yellow.dlo == 6.8 && v->red.dhi == 9.0);
    assert_int_equal(aus_dict_cmd_timeout(&f.d, "set", 3, 7), 30);
    assert_int_equal(aus_dict_cmd_timeout(&f.d, "aim", 3, 7), 7);
    assert_int_equal(aus_dict_cmd_timeout(&f.d, "nope", 4, 7), 7);
    assert_null(aus_dict_find_cmd(&f.d, "se", 2));
}

static aus_dict_rule chk(const fx *f, const char *name, const char *a0, const char *a1,
                         const char *a2, size_t *arg)
{
    aus_dict_text args[3];
    const char *as[3] = {a0, a1, a2};
    size_t n = 0;
    while (n < 3 && as[n]) {
        args[n].p = as[n];
        args[n].n = strlen(as[n]);
        n++;
    }
    aus_dict_verdict v;
    aus_err e = aus_dict_check_cmd(&f->d, name, strlen(name), args, n, NULL, &v);
    assert_int_equal(e, v.rule == AUS_DICT_R_OK ? AUS_OK : AUS_E_POLICY);
    if (arg)
        *arg = v.arg;
    return v.rule;
}

static void test_check_cmd(void **st)
{
    (void)st;
    static fx f;
    size_t a = 99;
    assert_int_equal(parse(&f, good), AUS_OK);
    assert_int_equal(chk(&f, "set", "x", "5", NULL, NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "set", "x", "-5", NULL, NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "set", "x", "100", NULL, NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "set", "x", "-6", NULL, &a), AUS_DICT_R_BELOW);
    assert_int_equal(a, 1);
    assert_int_equal(chk(&f, "set", "x", "101", NULL, NULL), AUS_DICT_R_ABOVE);
    assert_int_equal(chk(&f, "set", "x", "5x", NULL, NULL), AUS_DICT_R_NOT_INT);
    assert_int_equal(chk(&f, "set", "x", "99999999999999999999", NULL, NULL), AUS_DICT_R_NOT_INT);
    assert_int_equal(chk(&f, "set", "x", "", NULL, NULL), AUS_DICT_R_NOT_INT);
    assert_int_equal(chk(&f, "set", "", "1", NULL, &a), AUS_DICT_R_BELOW); /* text length */
    assert_int_equal(a, 0);
    assert_int_equal(chk(&f, "set", "123456789", "1", NULL, NULL), AUS_DICT_R_ABOVE);
    assert_int_equal(chk(&f, "set", "x", NULL, NULL, &a), AUS_DICT_R_MISSING);
    assert_int_equal(a, 1);
    assert_int_equal(chk(&f, "set", "x", "1", "2", &a), AUS_DICT_R_EXTRA);
    assert_int_equal(a, 2);
    assert_int_equal(chk(&f, "nope", NULL, NULL, NULL, NULL), AUS_DICT_R_UNKNOWN_CMD);
    /* float, optional bool, optional enum */
    assert_int_equal(chk(&f, "aim", "1.5", NULL, NULL, NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "aim", "15", "yes", "fast", NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "aim", "-1.5e0", "false", NULL, NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "aim", "-1.51", NULL, NULL, NULL), AUS_DICT_R_BELOW);
    assert_int_equal(chk(&f, "aim", "15.01", NULL, NULL, NULL), AUS_DICT_R_ABOVE);
    assert_int_equal(chk(&f, "aim", "1e", NULL, NULL, NULL), AUS_DICT_R_NOT_FLOAT);
    assert_int_equal(chk(&f, "aim", ".", NULL, NULL, NULL), AUS_DICT_R_NOT_FLOAT);
    assert_int_equal(chk(&f, "aim", "1", "maybe", NULL, &a), AUS_DICT_R_NOT_BOOL);
    assert_int_equal(a, 1);
    assert_int_equal(chk(&f, "aim", "1", "on", "medium", &a), AUS_DICT_R_NOT_ENUM);
    assert_int_equal(a, 2);
    assert_int_equal(chk(&f, "aim", NULL, NULL, NULL, &a), AUS_DICT_R_MISSING);
    /* variadic: zero or more, each checked */
    assert_int_equal(chk(&f, "ping", NULL, NULL, NULL, NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "ping", "a", "bb", "cccc", NULL), AUS_DICT_R_OK);
    assert_int_equal(chk(&f, "ping", "a", "bb", "ccccc", &a), AUS_DICT_R_ABOVE);
    assert_int_equal(a, 2);
}

static void test_explain(void **st)
{
    (void)st;
    static fx f;
    char out[200];
    aus_dict_verdict v;
    aus_dict_text args[2] = {{"x", 1}, {"1\n01", 4}};
    assert_int_equal(parse(&f, good), AUS_OK);
    assert_int_equal(aus_dict_check_cmd(&f.d, "set", 3, args, 2, NULL, &v), AUS_E_POLICY);
    aus_dict_explain(&v, args, 2, out, sizeof out);
    assert_string_equal(out, "command 'set': argument 'value' (int) '1\\x0a01' is not an integer");
    args[1].p = "101";
    args[1].n = 3;
    assert_int_equal(aus_dict_check_cmd(&f.d, "set", 3, args, 2, NULL, &v), AUS_E_POLICY);
    aus_dict_explain(&v, args, 2, out, sizeof out);
    assert_string_equal(out,
                        "command 'set': argument 'value' (int) '101' is above the maximum 100");
    assert_int_equal(aus_dict_check_cmd(&f.d, "set", 3, args, 1, NULL, &v), AUS_E_POLICY);
    aus_dict_explain(&v, args, 1, out, sizeof out);
    assert_string_equal(out, "command 'set': argument 'value' (int) is missing");
    args[0].p = "123456789";
    args[0].n = 9;
    assert_int_equal(aus_dict_check_cmd(&f.d, "set", 3, args, 2, NULL, &v), AUS_E_POLICY);
    aus_dict_explain(&v, args, 2, out, sizeof out);
    assert_string_equal(out, "command 'set': argument 'name' (text) is longer than 8 bytes");
    assert_int_equal(aus_dict_check_cmd(&f.d, "set", 3, args, 2, f.cmds[1].def_hash, &v),
                     AUS_E_POLICY);
    assert_int_equal(v.rule, AUS_DICT_R_DEF_DIFFERS);
    aus_dict_explain(&v, args, 2, out, sizeof out);
    assert_string_equal(out, "command 'set': the sender's dictionary defines it differently "
                             "(definition hash differs): not run");
    aus_dict_explain(&v, args, 2, out, 8); /* cut, still terminated */
    assert_string_equal(out, "command");
    aus_dict_text three[3] = {{"a", 1}, {"1", 1}, {"z", 1}};
    assert_int_equal(aus_dict_check_cmd(&f.d, "set", 3, three, 3, NULL, &v), AUS_E_POLICY);
    aus_dict_explain(&v, three, 3, out, sizeof out);
    assert_string_equal(out, "command 'set': takes at most 2 arguments, 3 given");
    assert_int_equal(aus_dict_check_cmd(&f.d, "aim", 3, three, 3, NULL, &v), AUS_E_POLICY);
    aus_dict_explain(&v, three, 3, out, sizeof out);
    assert_string_equal(out, "command 'aim': argument 'angle' (float) 'a' is not a number");
}

static aus_dict_level lvl(const fx *f, const char *p, const char *val)
{
    aus_dict_level l = (aus_dict_level)9;
    const aus_dict_point *pt = aus_dict_find_point(&f->d, p, strlen(p));
    assert_non_null(pt);
    assert_int_equal(aus_dict_point_level(pt, val, strlen(val), &l), AUS_OK);
    return l;
}

static void test_levels(void **st)
{
    (void)st;
    static fx f;
    aus_dict_level l;
    assert_int_equal(parse(&f, good), AUS_OK);
    /* float: yellow 6.8..8.6, red 6.0..9.0 */
    assert_int_equal(lvl(&f, "volt", "7.2"), AUS_DICT_NOMINAL);
    assert_int_equal(lvl(&f, "volt", "6.8"), AUS_DICT_NOMINAL);
    assert_int_equal(lvl(&f, "volt", "8.7"), AUS_DICT_YELLOW);
    assert_int_equal(lvl(&f, "volt", "6.5"), AUS_DICT_YELLOW);
    assert_int_equal(lvl(&f, "volt", "9.01"), AUS_DICT_RED);
    assert_int_equal(lvl(&f, "volt", "-1"), AUS_DICT_RED);
    /* int: red -20..60, yellow ..45 */
    assert_int_equal(lvl(&f, "temp", "-20"), AUS_DICT_NOMINAL);
    assert_int_equal(lvl(&f, "temp", "45"), AUS_DICT_NOMINAL);
    assert_int_equal(lvl(&f, "temp", "46"), AUS_DICT_YELLOW);
    assert_int_equal(lvl(&f, "temp", "61"), AUS_DICT_RED);
    assert_int_equal(lvl(&f, "temp", "-21"), AUS_DICT_RED);
    /* bool and enum: value sets */
    assert_int_equal(lvl(&f, "heater", "true"), AUS_DICT_YELLOW);
    assert_int_equal(lvl(&f, "heater", "false"), AUS_DICT_NOMINAL);
    assert_int_equal(lvl(&f, "mode", "nominal"), AUS_DICT_NOMINAL);
    assert_int_equal(lvl(&f, "mode", "science"), AUS_DICT_YELLOW);
    assert_int_equal(lvl(&f, "mode", "safe"), AUS_DICT_RED);
    assert_int_equal(lvl(&f, "note", "anything"), AUS_DICT_NOMINAL);
    /* wrong type */
    assert_int_equal(aus_dict_point_level(&f.pts[0], "x", 1, &l), AUS_E_MALFORMED);
    assert_int_equal(aus_dict_point_level(&f.pts[1], "4.5", 3, &l), AUS_E_MALFORMED);
    assert_int_equal(aus_dict_point_level(&f.pts[3], "off", 3, &l), AUS_E_MALFORMED);
    assert_int_equal(aus_dict_point_level(&f.pts[2], "2", 1, &l), AUS_E_MALFORMED);
    /* integers as they arrive in a report */
    assert_int_equal(aus_dict_point_level_i64(&f.pts[1], 61, &l), AUS_OK);
    assert_int_equal(l, AUS_DICT_RED);
    assert_int_equal(aus_dict_point_level_i64(&f.pts[0], 8, &l), AUS_OK);
    assert_int_equal(l, AUS_DICT_NOMINAL);
    assert_int_equal(aus_dict_point_level_i64(&f.pts[0], 10, &l), AUS_OK);
    assert_int_equal(l, AUS_DICT_RED);
    assert_int_equal(aus_dict_point_level_i64(&f.pts[2], 1, &l), AUS_OK);
    assert_int_equal(l, AUS_DICT_YELLOW);
    assert_int_equal(aus_dict_point_level_i64(&f.pts[2], 2, &l), AUS_E_MALFORMED);
    assert_int_equal(aus_dict_point_level_i64(&f.pts[3], 0, &l), AUS_E_MALFORMED);
}

static void bad(const char *s, unsigned line, aus_dict_perr rule, aus_err err)
{
    static fx f;
    assert_int_equal(parse(&f, s), err);
    assert_int_equal(f.dg.line, line);
    assert_int_equal(f.dg.rule, rule);
}

static void test_parse_errors(void **st)
{
    (void)st;
    bad("junk\n", 1, AUS_DICT_P_SYNTAX, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\n[sat]\n", 3, AUS_DICT_P_SECTION, AUS_E_MALFORMED);
    bad("[point a b]\ntype = int\n", 1, AUS_DICT_P_NAME, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\n[point a]\n", 3, AUS_DICT_P_DUP, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\ntype = int\n", 3, AUS_DICT_P_DUP, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\ncolor = red\n", 3, AUS_DICT_P_KEY, AUS_E_MALFORMED);
    bad("tenant = x\n", 1, AUS_DICT_P_KEY, AUS_E_MALFORMED);
    bad("[point a]\n\ntype = integer\n", 3, AUS_DICT_P_TYPE, AUS_E_MALFORMED);
    bad("[point a]\nunit = V\n", 1, AUS_DICT_P_MISSING, AUS_E_MALFORMED);
    bad("[point a]\ntype = enum\n", 1, AUS_DICT_P_MISSING, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\nvalues = x|y\n", 3, AUS_DICT_P_KEY, AUS_E_MALFORMED);
    bad("[point a]\ntype = enum\nvalues = x|x\n", 3, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[point a]\ntype = enum\nvalues = x|y\nred = z\n", 4, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[point a]\nred = 5..1\ntype = int\n", 2, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[point a]\ntype = float\nred = ..\n", 3, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[point a]\ntype = float\nred = 1e999..\n", 3, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\nred = 1.5..\n", 3, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[point a]\ntype = text\nyellow = 1..2\n", 3, AUS_DICT_P_LIMIT_KIND, AUS_E_MALFORMED);
    bad("[point a]\ntype = bool\nred = 1..2\n", 3, AUS_DICT_P_LIMIT_KIND, AUS_E_MALFORMED);
    bad("[command c]\narg = x int\narg = x int\n", 3, AUS_DICT_P_DUP, AUS_E_MALFORMED);
    bad("[command c]\narg = x? int\narg = y int\n", 3, AUS_DICT_P_ARG_ORDER, AUS_E_MALFORMED);
    bad("[command c]\narg = x... int\narg = y? int\n", 3, AUS_DICT_P_ARG_ORDER, AUS_E_MALFORMED);
    bad("[command c]\narg = x enum\n", 2, AUS_DICT_P_MISSING, AUS_E_MALFORMED);
    bad("[command c]\narg = x bool 1..2\n", 2, AUS_DICT_P_LIMIT_KIND, AUS_E_MALFORMED);
    bad("[command c]\narg = x text -1..2\n", 2, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[command c]\narg = x blob\n", 2, AUS_DICT_P_TYPE, AUS_E_MALFORMED);
    bad("[command c]\ntimeout_s = 0\n", 2, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[command c]\ntimeout_s = 9x\n", 2, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[command c]\ndescription =\n", 2, AUS_DICT_P_VALUE, AUS_E_MALFORMED);
    bad("[command c]\n= 5\n", 2, AUS_DICT_P_SYNTAX, AUS_E_MALFORMED);
    bad("[command c\n", 1, AUS_DICT_P_SYNTAX, AUS_E_MALFORMED);
    bad("[command "
        "a23456789012345678901234567890123]\n",
        1, AUS_DICT_P_NAME, AUS_E_MALFORMED);
    bad("[point a]\ntype = int\n[point b]\ntype = int\n[point c]\ntype = int\n[point d]\ntype = "
        "int\n[point e]\ntype = int\n[point f]\ntype = int\n[point g]\ntype = int\n[point "
        "h]\ntype = int\n[point i]\n",
        17, AUS_DICT_P_FULL, AUS_E_FULL);
    static fx f;
    const char nul[] = "[point a]\0";
    memset(&f, 0, sizeof f);
    f.d.pts = f.pts;
    f.d.cap_pts = 8;
    assert_int_equal(aus_dict_parse(&f.d, nul, sizeof nul - 1, &f.dg), AUS_E_LIMIT);
    assert_int_equal(f.dg.rule, AUS_DICT_P_TOO_BIG);
    assert_int_equal(aus_dict_parse(&f.d, "x", AUS_DICT_FILE_MAX + 1, &f.dg), AUS_E_LIMIT);
    assert_int_equal(aus_dict_parse(NULL, "x", 1, &f.dg), AUS_E_ARG);
}

static void test_hashes(void **st)
{
    (void)st;
    static fx a, b;
    assert_int_equal(parse(&a, good), AUS_OK);
    /* the same dictionary: other order, comments, blank space */
    static const char same[] = "[command ping]\narg=words...   text ..4 ; x\n"
                               "[command aim]\narg = angle float -1.5..1.5e1\narg = fast? bool\n"
                               "arg = mode? enum slow|fast\n"
                               "[point note]\ntype = text\n"
                               "[point mode]\nvalues = safe|nominal|science\ntype = enum\n"
                               "red = safe\nyellow = science\n"
                               "[point heater]\ntype = bool\nyellow = true\n"
                               "[point temp]\ntype = int\nyellow = ..45\nred = -20..60\n"
                               "[point volt]\ntype = float\nunit = V\nyellow = 6.8..8.6\n"
                               "red = 6.0..9.0\ndescription = bus voltage\n"
                               "[command set]\n  timeout_s = 30\narg = name text 1..8\n"
                               "arg = value int -5..100\n[dictionary]\ntenant = t1\n";
    assert_int_equal(parse(&b, same), AUS_OK);
    assert_true(a.d.version == b.d.version);
    const aus_dict_cmd *sa = aus_dict_find_cmd(&a.d, "set", 3),
                       *sb = aus_dict_find_cmd(&b.d, "set", 3);
    assert_memory_equal(sa->def_hash, sb->def_hash, AUS_DICT_HASH_BYTES);
    /* a description or timeout changes the version, not the definition hash */
    char *t = strdup(good), *p = strstr(t, "timeout_s = 30");
    p[13] = '1';
    assert_int_equal(parse(&b, t), AUS_OK);
    assert_true(a.d.version != b.d.version);
    sb = aus_dict_find_cmd(&b.d, "set", 3);
    assert_memory_equal(sa->def_hash, sb->def_hash, AUS_DICT_HASH_BYTES);
    /* a range changes both, and only that command's definition hash */
    free(t);
    t = strdup(good);
    p = strstr(t, "-5..100");
    p[4] = '2';
    assert_int_equal(parse(&b, t), AUS_OK);
    assert_true(a.d.version != b.d.version);
    sb = aus_dict_find_cmd(&b.d, "set", 3);
    assert_memory_not_equal(sa->def_hash, sb->def_hash, AUS_DICT_HASH_BYTES);
    assert_memory_equal(aus_dict_find_cmd(&a.d, "aim", 3)->def_hash,
                        aus_dict_find_cmd(&b.d, "aim", 3)->def_hash, AUS_DICT_HASH_BYTES);
    /* the peer's hash: equal accepted, different refused (only for that command) */
    aus_dict_verdict v;
    aus_dict_text args[2] = {{"x", 1}, {"3", 1}};
    assert_int_equal(aus_dict_check_cmd(&a.d, "set", 3, args, 2, sa->def_hash, &v), AUS_OK);
    assert_int_equal(aus_dict_check_cmd(&a.d, "set", 3, args, 2, sb->def_hash, &v), AUS_E_POLICY);
    assert_int_equal(aus_dict_check_cmd(&a.d, "ping", 4, args, 1,
                                        aus_dict_find_cmd(&b.d, "ping", 4)->def_hash, &v),
                     AUS_OK);
    free(t);
}

static void test_truncation(void **st)
{
    (void)st;
    static fx f;
    size_t n = strlen(good);
    for (size_t i = 0; i <= n; i++) {
        memset(&f, 0, sizeof f);
        f.d.pts = f.pts;
        f.d.cap_pts = 8;
        f.d.cmds = f.cmds;
        f.d.cap_cmds = 8;
        aus_err e = aus_dict_parse(&f.d, good, i, &f.dg);
        assert_true(e == AUS_OK || e == AUS_E_MALFORMED);
    }
}

/* CMD's optional definition hash (app.h): absent = the old 5-item form, present = 6 items. */
static void test_cmd_defhash_codec(void **st)
{
    (void)st;
    static aus_app_msg m, d;
    uint8_t buf[128];
    size_t n = 0;
    memset(&m, 0, sizeof m);
    m.type = AUS_APP_CMD;
    m.id = 7;
    m.name = (aus_app_view){(const uint8_t *)"set", 3};
    m.nargs = 1;
    m.args[0] = (aus_app_view){(const uint8_t *)"x", 1};
    assert_int_equal(aus_app_encode(&m, buf, sizeof buf, &n), AUS_OK);
    assert_int_equal(buf[0], 0x85); /* [1, 3, 7, "set", ["x"]]: as before */
    assert_int_equal(aus_app_decode(&d, buf, n), AUS_OK);
    assert_int_equal(d.has_defhash, 0);
    memcpy(m.defhash, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    m.has_defhash = 1;
    assert_int_equal(aus_app_encode(&m, buf, sizeof buf, &n), AUS_OK);
    assert_int_equal(buf[0], 0x86);
    assert_int_equal(buf[n - 9], 0x48); /* bstr(8) last */
    assert_int_equal(aus_app_decode(&d, buf, n), AUS_OK);
    assert_int_equal(d.has_defhash, 1);
    assert_memory_equal(d.defhash, m.defhash, 8);
    assert_int_equal(d.nargs, 1);
    buf[n - 9] = 0x47; /* bstr(7): wrong length */
    assert_int_equal(aus_app_decode(&d, buf, n - 1), AUS_E_MALFORMED);
    /* only CMD has the sixth item */
    static const uint8_t tm6[] = {0x84, 0x01, 0x01, 0x05, 0x40};
    assert_int_equal(aus_app_decode(&d, tm6, sizeof tm6), AUS_E_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),   cmocka_unit_test(test_check_cmd),
        cmocka_unit_test(test_explain),      cmocka_unit_test(test_levels),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_truncation),   cmocka_unit_test(test_cmd_defhash_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
