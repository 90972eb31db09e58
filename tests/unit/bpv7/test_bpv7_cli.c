/* SPDX-License-Identifier: Apache-2.0 */
/* System test of `australis bundle`: bundles made by the CLI (every CRC type, every extension
 * block, an unknown block, dtn and ipn EIDs, fragments, status reports, reassembly) are judged
 * by Wireshark's dissectors (../shared/tools/tshark_check.sh must PASS each one), and
 * `bundle inspect` gives the documented exit codes and "FILE: invalid: ... at byte N" lines. */
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aus_test.h"
#include "australis/base.h"

static char dir[256];

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run a command and capture its stdout. */
static char *capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *capture(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t r;
    while ((r = fread(s + n, 1, cap - 1 - n, f)) > 0)
        n += r;
    s[n] = 0;
    pclose(f);
    return s;
}

static const char *p(const char *name)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ & 7];
    snprintf(b, 512, "%s/%s", dir, name);
    return b;
}

static void tshark_pass_allow(const char *file, const char *allow)
{
    int rc = run("%s %s%s '%s' >'%s.tshark' 2>&1", tst_shared("tools/tshark_check.sh"),
                 allow ? "-a " : "", allow ? allow : "", file, file);
    if (rc != 0) {
        char *out = capture("cat '%s.tshark'", file);
        fail_msg("tshark_check.sh %s: exit %d\n%s", file, rc, out);
    }
}

static void tshark_pass(const char *file) { tshark_pass_allow(file, NULL); }

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "%s/bpv7_cli_XXXXXX", AUS_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    FILE *f = fopen(p("payload.bin"), "wb");
    for (int i = 0; i < 3000; i++)
        fputc((i * 31 + 7) & 0xff, f);
    fclose(f);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return run("rm -rf '%s'", dir);
}

static void test_create_all_crcs_and_blocks(void **st)
{
    (void)st;
    const char *crcs[] = {"none", "16", "32c"};
    for (int i = 0; i < 3; i++) {
        char out[64];
        snprintf(out, sizeof out, "full_%s.bundle", crcs[i]);
        int rc = run("%s bundle create --src ipn:2.1 --dst ipn:1.2 --report-to ipn:2.0 "
                     "--lifetime 3600000 --crc %s --hop-limit 30 --hop-count 1 --age 250 "
                     "--prev-node ipn:3.0 --report reception,delivery --status-time "
                     "--ext 192:16:8201f5 --payload '%s' -o '%s'",
                     AUS_CLI, crcs[i], p("payload.bin"), p(out));
        assert_int_equal(rc, 0);
        tshark_pass(p(out));
        assert_int_equal(run("%s bundle inspect '%s' >/dev/null", AUS_CLI, p(out)), 0);
        /* every field visible in the JSON view */
        char *js = capture("%s bundle inspect --json '%s'", AUS_CLI, p(out));
        cJSON *j = cJSON_Parse(js);
        assert_non_null(j);
        cJSON *o = cJSON_GetArrayItem(j, 0);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "valid")));
        cJSON *pr = cJSON_GetObjectItem(o, "primary");
        assert_int_equal(cJSON_GetObjectItem(pr, "crc_type")->valueint, i);
        assert_string_equal(cJSON_GetObjectItem(pr, "source")->valuestring, "ipn:2.1");
        assert_string_equal(cJSON_GetObjectItem(pr, "report_to")->valuestring, "ipn:2.0");
        assert_int_equal(cJSON_GetObjectItem(pr, "lifetime")->valuedouble, 3600000);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "blocks")), 5);
        cJSON_Delete(j);
        free(js);
    }
    /* dtn EIDs, anonymous source, creation time 0 (an age block is added) */
    assert_int_equal(run("%s bundle create --src dtn://ground/ops --dst dtn://sat/cmd --crc 16 "
                         "--payload '%s' -o '%s'",
                         AUS_CLI, p("payload.bin"), p("dtn.bundle")),
                     0);
    tshark_pass(p("dtn.bundle"));
    assert_int_equal(run("%s bundle create --src dtn:none --dst ipn:1.2 --no-fragment --ctime 0 "
                         "--crc 32c -o '%s'",
                         AUS_CLI, p("anon.bundle")),
                     0);
    tshark_pass(p("anon.bundle"));
    assert_int_equal(run("%s bundle inspect --strict '%s' >/dev/null", AUS_CLI, p("anon.bundle")),
                     0);
    /* stdin payload */
    assert_int_equal(run("printf abc | %s bundle create --src ipn:5.1 --dst ipn:6.1 --payload - "
                         "-o '%s'",
                         AUS_CLI, p("stdin.bundle")),
                     0);
    char *txt = capture("%s bundle inspect '%s'", AUS_CLI, p("stdin.bundle"));
    assert_non_null(strstr(txt, "type 1 (payload), flags 0x0, crc CRC-32C, 3 bytes"));
    free(txt);
}

static void test_fragments_and_reassembly(void **st)
{
    (void)st;
    const char *crcs[] = {"none", "16", "32c"};
    for (int i = 0; i < 3; i++) {
        char out[64];
        snprintf(out, sizeof out, "frag_%s", crcs[i]);
        assert_int_equal(run("%s bundle create --src ipn:2.1 --dst ipn:1.2 --crc %s --hop-limit 5 "
                             "--age 1 --payload '%s' --fragment 1000 -o '%s' >/dev/null",
                             AUS_CLI, crcs[i], p("payload.bin"), p(out)),
                         0);
        for (int k = 0; k < 3; k++) {
            char f[80];
            snprintf(f, sizeof f, "%s.%03d", out, k);
            tshark_pass(p(f));
        }
        char f0[80], f1[80], f2[80], re[80], whole[80];
        snprintf(f0, sizeof f0, "%s.000", out);
        snprintf(f1, sizeof f1, "%s.001", out);
        snprintf(f2, sizeof f2, "%s.002", out);
        snprintf(re, sizeof re, "%s.re", out);
        snprintf(whole, sizeof whole, "%s.whole", out);
        assert_int_equal(run("test -e '%s.003'", p(out)), 1);
        /* any order, with a duplicate */
        assert_int_equal(run("%s bundle reassemble -o '%s' '%s' '%s' '%s' '%s'", AUS_CLI, p(re),
                             p(f2), p(f0), p(f2), p(f1)),
                         0);
        tshark_pass(p(re));
        char *txt = capture("%s bundle inspect '%s'", AUS_CLI, p(re));
        assert_non_null(strstr(txt, "3000 bytes"));
        assert_null(strstr(txt, "fragment    offset"));
        free(txt);
        /* missing a piece: failure */
        assert_int_equal(run("%s bundle reassemble -o '%s' '%s' '%s' 2>/dev/null", AUS_CLI,
                             p(whole), p(f0), p(f2)),
                         1);
    }
}

static void test_status_reports(void **st)
{
    (void)st;
    const char *what[] = {"received", "forwarded", "delivered", "deleted"};
    for (int i = 0; i < 4; i++) {
        char out[64];
        snprintf(out, sizeof out, "status_%s.bundle", what[i]);
        assert_int_equal(run("%s bundle status --subject '%s' --src ipn:1.0 --status %s "
                             "--reason %d --crc 16 -o '%s'",
                             AUS_CLI, p("full_32c.bundle"), what[i], i * 3, p(out)),
                         0);
        tshark_pass(p(out));
        char *txt = capture("%s bundle inspect '%s'", AUS_CLI, p(out));
        assert_non_null(strstr(txt, "admin-record"));
        assert_non_null(strstr(txt, "status report about ipn:2.1"));
        assert_non_null(strstr(txt, what[i]));
        free(txt);
    }
    /* about a fragment */
    assert_int_equal(run("%s bundle status --subject '%s' --src ipn:1.0 --status deleted "
                         "--reason 1 -o '%s'",
                         AUS_CLI, p("frag_16.001"), p("status_frag.bundle")),
                     0);
    /* Wireshark 4.0's dissect_status_report() compares the count of the status-information
     * array (always 4) instead of the report array's (6 for a fragment subject) before reading
     * the fragment offset and length (RFC 9171 §6.1.1), so it leaves those two fields
     * undissected. Everything else must still pass. */
    tshark_pass_allow(p("status_frag.bundle"), "bpv7.sub_partial_decode");
    char *txt = capture("%s bundle inspect '%s'", AUS_CLI, p("status_frag.bundle"));
    assert_non_null(strstr(txt, "fragment 1000+1000"));
    assert_non_null(strstr(txt, "lifetime expired"));
    free(txt);
}

typedef struct bad_case {
    const char *file;
    const char *sentence;
    long off; /* -1: any */
} bad_case;

static void test_inspect_interface(void **st)
{
    (void)st;
    char vec[512];
    snprintf(vec, sizeof vec, "%s", tst_shared("vectors/tshark_samples/bpv7"));
    /* good files: exit 0 */
    assert_int_equal(run("%s bundle inspect %s/good_crc16.bin %s/good_crc32c.bin "
                         "%s/good_nocrc.bin %s/bpsec_ok.bin %s >/dev/null",
                         AUS_CLI, vec, vec, vec, vec, tst_shared("vectors/rfc9173/A1_final.cbor")),
                     0);
    /* strict: the RFC 9173 bundle lacks a primary CRC */
    assert_int_equal(run("%s bundle inspect --strict %s >/dev/null", AUS_CLI,
                         tst_shared("vectors/rfc9173/A1_final.cbor")),
                     1);
    const bad_case bad[] = {
        {"bad_crc16.bin", "CRC check failed", 56},  /* the payload block's CRC field */
        {"bad_crc32c.bin", "CRC check failed", 29}, /* the primary block's CRC field */
        {"bad_definite_array.bin", "the bundle is not an indefinite-length CBOR array", 0},
        {"bad_dup_blocknum.bin", "a block number is zero or not unique", 39},
        {"bad_garbage_tail.bin", "unexpected bytes after the end of the item", 51},
        {"bad_no_payload.bin", "the payload block is missing", 29},
        {"bad_primary_text_eid.bin", "endpoint ID is malformed", 5},
        {"bad_truncated.bin", "input is truncated", 50},
        {"bad_version6.bin", "the primary block's version is not 7", 2},
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(bad); i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", vec, bad[i].file);
        assert_int_equal(run("%s bundle inspect '%s' >/dev/null", AUS_CLI, path), 1);
        char *out = capture("%s bundle inspect '%s'", AUS_CLI, path);
        char want[800];
        snprintf(want, sizeof want, "%s: invalid: %s", path, bad[i].sentence);
        if (strncmp(out, want, strlen(want)) != 0)
            fail_msg("got: %s\nwant prefix: %s", out, want);
        const char *at = strstr(out, " at byte ");
        assert_non_null(at);
        char *end;
        long off = strtol(at + 9, &end, 10);
        assert_true(*end == '\n' && end[1] == '\0'); /* exactly one line */
        if (bad[i].off >= 0)
            assert_int_equal(off, bad[i].off);
        free(out);
    }
    /* a mix: one bad file makes the exit status 1, every good one is still printed */
    char *mix = capture("%s bundle inspect %s/good_crc16.bin %s/bad_crc16.bin; echo rc=$?", AUS_CLI,
                        vec, vec);
    assert_non_null(strstr(mix, "good_crc16.bin: valid bundle"));
    assert_non_null(strstr(mix, "bad_crc16.bin: invalid: CRC check failed at byte "));
    assert_non_null(strstr(mix, "rc=1"));
    free(mix);
    /* JSON error object */
    char *js = capture("%s bundle inspect --json %s/bad_garbage_tail.bin", AUS_CLI, vec);
    cJSON *j = cJSON_Parse(js);
    assert_non_null(j);
    cJSON *o = cJSON_GetArrayItem(j, 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "valid")));
    assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring, "AUS_E_TRAILING");
    assert_int_equal(cJSON_GetObjectItem(o, "offset")->valueint, 51);
    cJSON_Delete(j);
    free(js);
}

static void test_help_and_usage(void **st)
{
    (void)st;
    const char *sub[] = {"", "create", "inspect", "status", "reassemble"};
    for (size_t i = 0; i < AUS_ARRAY_LEN(sub); i++) {
        assert_int_equal(run("%s bundle %s --help >/dev/null", AUS_CLI, sub[i]), 0);
        char *h = capture("%s bundle %s --help", AUS_CLI, sub[i]);
        assert_non_null(strstr(h, "usage: australis bundle"));
        free(h);
    }
    assert_int_equal(run("%s bundle >/dev/null 2>&1", AUS_CLI), 2);
    assert_int_equal(run("%s bundle frobnicate 2>/dev/null", AUS_CLI), 2);
    assert_int_equal(run("%s bundle create --src ipn:1.1 -o x 2>/dev/null", AUS_CLI), 2);
    assert_int_equal(
        run("%s bundle create --src ipn:1 --dst ipn:1.2 -o '%s' 2>/dev/null", AUS_CLI, p("x")), 2);
    assert_int_equal(run("%s bundle create --src ipn:1.1 --dst ipn:1.2 --crc 8 -o '%s' "
                         "2>/dev/null",
                         AUS_CLI, p("x")),
                     2);
    assert_int_equal(run("%s bundle create --src ipn:1.1 --dst ipn:1.2 --hop-limit 0 -o '%s' "
                         "2>/dev/null",
                         AUS_CLI, p("x")),
                     2);
    /* anonymous bundles must be flagged no-fragment (RFC 9171 §4.2.3) */
    assert_int_equal(
        run("%s bundle create --src dtn:none --dst ipn:1.2 -o '%s' 2>/dev/null", AUS_CLI, p("x")),
        2);
    assert_int_equal(run("%s bundle inspect 2>/dev/null", AUS_CLI), 2);
    assert_int_equal(run("%s bundle inspect --bogus x 2>/dev/null", AUS_CLI), 2);
}

/* Patch the first occurrence of pat (n bytes) in a file: byte at pat + k becomes v. */
static void patch(const char *file, const uint8_t *pat, size_t n, size_t k, uint8_t v)
{
    size_t len;
    uint8_t *b = tst_read_file(file, &len);
    size_t i = 0;
    while (i + n <= len && memcmp(b + i, pat, n) != 0)
        i++;
    assert_true(i + n <= len);
    b[i + k] = v;
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
    free(b);
}

static char *json_receipt(const char *file, uint64_t now, cJSON **doc)
{
    char *js =
        capture("%s bundle inspect --json --now %llu '%s'", AUS_CLI, (unsigned long long)now, file);
    *doc = cJSON_Parse(js);
    assert_non_null(*doc);
    return js;
}

/* RFC 9171 §5.6: well formed is exit 0; what a node does on receipt is a second answer, in the
 * text ("on receipt: ...") and in JSON ("on_receipt"). The bundles are made by the CLI and
 * judged by Wireshark first. */
static void test_inspect_receipt(void **st)
{
    (void)st;
    /* created at 1000 ms DTN time, lifetime 5000 ms */
    const char *common = "--src ipn:2.1 --dst ipn:1.2 --ctime 1000 --lifetime 5000";
    assert_int_equal(run("%s bundle create %s --hop-limit 3 --hop-count 4 -o '%s'", AUS_CLI, common,
                         p("r_hop.b")),
                     0);
    assert_int_equal(run("%s bundle create %s --ext 200:4:8201 --ext 201:18:00 -o '%s'", AUS_CLI,
                         common, p("r_unsup.b")),
                     0);
    assert_int_equal(run("%s bundle create %s --ext 201:18:00 --ext 202:16:00 -o '%s'", AUS_CLI,
                         common, p("r_disc.b")),
                     0);
    assert_int_equal(run("%s bundle create %s -o '%s'", AUS_CLI, common, p("r_plain.b")), 0);
    const char *files[] = {"r_hop.b", "r_unsup.b", "r_disc.b", "r_plain.b"};
    for (size_t i = 0; i < AUS_ARRAY_LEN(files); i++)
        tshark_pass(p(files[i]));
    /* every one is well formed: exit 0, one "valid" line each, even with --strict */
    assert_int_equal(run("%s bundle inspect --now 3000 '%s' '%s' '%s' '%s' >/dev/null", AUS_CLI,
                         p(files[0]), p(files[1]), p(files[2]), p(files[3])),
                     0);
    assert_int_equal(run("%s bundle inspect --strict --now 3000 '%s' '%s' '%s' '%s' >/dev/null",
                         AUS_CLI, p(files[0]), p(files[1]), p(files[2]), p(files[3])),
                     0);
    static const struct {
        const char *file;
        uint64_t now;
        const char *line;
    } want[] = {
        {"r_hop.b", 3000, "\n  on receipt: delete (hop limit exceeded, reason 9)\n"},
        {"r_unsup.b", 3000, "\n  on receipt: delete (block unsupported, reason 11)\n"},
        {"r_disc.b", 3000,
         "\n  on receipt: accept, discard blocks 2, 3, report block 2 (reason 11, block "
         "unsupported)\n"},
        {"r_plain.b", 6000, "\n  on receipt: accept\n"}, /* age 5000: alive */
        {"r_plain.b", 6001, "\n  on receipt: delete (lifetime expired, reason 1)\n"},
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(want); i++) {
        char *out = capture("%s bundle inspect --now %llu '%s'; echo rc=$?", AUS_CLI,
                            (unsigned long long)want[i].now, p(want[i].file));
        if (!strstr(out, want[i].line) || !strstr(out, ": valid bundle, ") ||
            !strstr(out, "rc=0\n"))
            fail_msg("%s at %llu: got\n%s\nwant the line%s", want[i].file,
                     (unsigned long long)want[i].now, out, want[i].line);
        free(out);
    }
    /* JSON: today's keys plus "on_receipt": {"action", "reason", "discard_blocks"} */
    cJSON *j;
    char *js = json_receipt(p("r_hop.b"), 3000, &j);
    cJSON *o = cJSON_GetArrayItem(j, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "valid")));
    assert_non_null(cJSON_GetObjectItem(o, "primary"));
    assert_non_null(cJSON_GetObjectItem(o, "blocks"));
    cJSON *r = cJSON_GetObjectItem(o, "on_receipt");
    assert_string_equal(cJSON_GetObjectItem(r, "action")->valuestring, "delete");
    assert_int_equal(cJSON_GetObjectItem(r, "reason")->valueint, 9);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "discard_blocks")), 0);
    cJSON_Delete(j);
    free(js);
    js = json_receipt(p("r_disc.b"), 3000, &j);
    r = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "on_receipt");
    assert_string_equal(cJSON_GetObjectItem(r, "action")->valuestring, "accept");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "reason")));
    cJSON *d = cJSON_GetObjectItem(r, "discard_blocks");
    assert_int_equal(cJSON_GetArraySize(d), 2);
    assert_int_equal(cJSON_GetArrayItem(d, 0)->valueint, 2);
    assert_int_equal(cJSON_GetArrayItem(d, 1)->valueint, 3);
    cJSON_Delete(j);
    free(js);
    js = json_receipt(p("r_plain.b"), 6001, &j);
    r = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "on_receipt");
    assert_int_equal(cJSON_GetObjectItem(r, "reason")->valueint, 1);
    cJSON_Delete(j);
    free(js);
    assert_int_equal(run("%s bundle inspect --now '%s' 2>/dev/null", AUS_CLI, p("r_plain.b")), 2);
    assert_int_equal(run("%s bundle inspect --now 12x '%s' 2>/dev/null", AUS_CLI, p("r_plain.b")),
                     2);
}

/* I/O errors exit 3 with "FILE: cannot read: <reason>", never "invalid". */
static void test_io_errors_exit_3(void **st)
{
    (void)st;
    char vec[512];
    snprintf(vec, sizeof vec, "%s", tst_shared("vectors/tshark_samples/bpv7"));
    char *out = capture("%s bundle inspect '%s' 2>&1; echo rc=$?", AUS_CLI, p("no_such_file"));
    char want[700];
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory\nrc=3\n",
             p("no_such_file"));
    assert_string_equal(out, want);
    free(out);
    out = capture("%s bundle inspect '%s' 2>&1; echo rc=$?", AUS_CLI, dir);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory\nrc=3\n", dir);
    assert_string_equal(out, want);
    free(out);
    /* nothing of it on stdout, and 3 outranks 1 (a bad bundle) and 0 (a good one) */
    out = capture("%s bundle inspect '%s' %s/bad_crc16.bin %s/good_crc16.bin 2>/dev/null; "
                  "echo rc=$?",
                  AUS_CLI, p("no_such_file"), vec, vec);
    assert_null(strstr(out, "no_such_file"));
    assert_non_null(strstr(out, "bad_crc16.bin: invalid: CRC check failed at byte 56\n"));
    assert_non_null(strstr(out, "good_crc16.bin: valid bundle"));
    assert_non_null(strstr(out, "rc=3\n"));
    free(out);
    /* JSON: an error object named AUS_E_IO */
    cJSON *j;
    char *js = capture("%s bundle inspect --json '%s'", AUS_CLI, dir);
    j = cJSON_Parse(js);
    assert_non_null(j);
    cJSON *o = cJSON_GetArrayItem(j, 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "valid")));
    assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring, "AUS_E_IO");
    assert_string_equal(cJSON_GetObjectItem(o, "message")->valuestring, "Is a directory");
    assert_int_equal(cJSON_GetObjectItem(o, "offset")->valueint, 0);
    cJSON_Delete(j);
    free(js);
    assert_int_equal(run("%s bundle inspect --json '%s' >/dev/null", AUS_CLI, dir), 3);
    /* the other subcommands that read bundles */
    assert_int_equal(run("%s bundle reassemble -o '%s' '%s' 2>/dev/null", AUS_CLI, p("x.out"),
                         p("no_such_file")),
                     3);
    assert_int_equal(run("%s bundle status --subject '%s' --src ipn:1.0 -o '%s' 2>/dev/null",
                         AUS_CLI, dir, p("x.out")),
                     3);
}

/* RFC 9171 §4.1: the CBOR forms RFC 9171 allows (third-party-checked files in
 * tests/vectors/bpv7_lax) are valid by default; --strict names the form it refuses. */
static void test_inspect_strict_forms(void **st)
{
    (void)st;
    const char *lax = AUS_SOURCE_DIR "/tests/vectors/bpv7_lax";
    assert_int_equal(run("%s bundle inspect %s/*.bin >/dev/null", AUS_CLI, lax), 0);
    char *out = capture("%s bundle inspect --strict %s/indef_primary_crc16.bin "
                        "%s/wide8_crc32c.bin; echo rc=$?",
                        AUS_CLI, lax, lax);
    assert_non_null(strstr(out, "indef_primary_crc16.bin: invalid: indefinite-length array "
                                "(strict mode wants a definite length) at byte 1\n"));
    assert_non_null(strstr(out, "wide8_crc32c.bin: invalid: non-preferred integer encoding "));
    assert_non_null(strstr(out, " at byte 2\n"));
    assert_non_null(strstr(out, "rc=1\n"));
    free(out);
}

/* The bpsec commands call the receipt function too: a bundle a node deletes on receipt is
 * neither wrapped nor handed out by unwrap (RFC 9171 §5.6). Keys are test keys. */
static void test_bpsec_receipt(void **st)
{
    (void)st;
    FILE *f = fopen(p("kr.json"), "w");
    assert_non_null(f);
    fprintf(f, "{\"keys\":[{\"source\":\"ipn:2.1\",\"context\":\"bib-hmac-sha2\",\"key\":"
               "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"},"
               "{\"source\":\"ipn:2.1\",\"context\":\"bcb-aes-gcm\",\"key\":"
               "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\"}]}\n");
    fclose(f);
    const char *common = "--src ipn:2.1 --dst ipn:1.2 --ctime 1000 --lifetime 5000 --crc none";
    /* wrap refuses what a node would delete, and says why */
    assert_int_equal(run("%s bundle create %s --hop-limit 3 --hop-count 4 -o '%s'", AUS_CLI, common,
                         p("w_hop.b")),
                     0);
    assert_int_equal(
        run("%s bundle create %s --ext 200:4:8201 -o '%s'", AUS_CLI, common, p("w_unsup.b")), 0);
    assert_int_equal(run("%s bundle create %s -o '%s'", AUS_CLI, common, p("w_plain.b")), 0);
    static const struct {
        const char *file;
        const char *now;
        const char *why;
    } refuse[] = {
        {"w_hop.b", "3000", "hop limit exceeded (reason 9"},
        {"w_unsup.b", "3000", "block unsupported (reason 11"},
        {"w_plain.b", "6001", "lifetime expired (reason 1"},
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(refuse); i++) {
        char *out = capture("%s bpsec wrap --keyring '%s' --now %s '%s' -o '%s' 2>&1; echo rc=$?",
                            AUS_CLI, p("kr.json"), refuse[i].now, p(refuse[i].file), p("w.out"));
        if (!strstr(out, refuse[i].why) || !strstr(out, "deletes this bundle on receipt") ||
            !strstr(out, "rc=1\n"))
            fail_msg("wrap %s: %s", refuse[i].file, out);
        assert_int_equal(run("test -e '%s'", p("w.out")), 1); /* nothing written */
        free(out);
    }
    /* unwrap: a bundle wrapped in time, unwrapped after its lifetime, is not handed out */
    assert_int_equal(run("%s bpsec wrap --keyring '%s' --now 3000 '%s' -o '%s'", AUS_CLI,
                         p("kr.json"), p("w_plain.b"), p("w_plain.sec")),
                     0);
    assert_int_equal(run("%s bpsec unwrap --keyring '%s' --now 6000 '%s' -o '%s'", AUS_CLI,
                         p("kr.json"), p("w_plain.sec"), p("u_ok.b")),
                     0);
    char *out = capture("%s bpsec unwrap --keyring '%s' --now 6001 '%s' -o '%s' 2>&1; echo rc=$?",
                        AUS_CLI, p("kr.json"), p("w_plain.sec"), p("u_late.b"));
    assert_non_null(strstr(out, "lifetime expired (reason 1"));
    assert_non_null(strstr(out, "rc=1\n"));
    assert_int_equal(run("test -e '%s'", p("u_late.b")), 1);
    free(out);
    /* a relay raised the hop count past the limit after wrapping (the hop-count block is not
     * covered by the BIB over the primary block): authentic, but deleted on receipt */
    assert_int_equal(run("%s bundle create %s --hop-limit 3 --hop-count 3 -o '%s'", AUS_CLI, common,
                         p("w_hop3.b")),
                     0);
    assert_int_equal(run("%s bpsec wrap --keyring '%s' --now 3000 --bib primary --bcb payload "
                         "'%s' -o '%s'",
                         AUS_CLI, p("kr.json"), p("w_hop3.b"), p("w_hop.sec")),
                     0);
    patch(p("w_hop.sec"), (const uint8_t[]){0x43, 0x82, 0x03, 0x03}, 4, 3, 0x04);
    out = capture("%s bpsec unwrap --keyring '%s' --now 3000 '%s' -o '%s' 2>&1; echo rc=$?",
                  AUS_CLI, p("kr.json"), p("w_hop.sec"), p("u_hop.b"));
    if (!strstr(out, "hop limit exceeded (reason 9") || !strstr(out, "rc=1\n"))
        fail_msg("unwrap hop: %s", out);
    assert_int_equal(run("test -e '%s'", p("u_hop.b")), 1);
    free(out);
    /* an unknown block signed with its data only (scope 0), its flags then set to "delete":
     * the BIB still verifies, the node deletes it (reason 11) */
    assert_int_equal(
        run("%s bundle create %s --ext 200:0:8201 -o '%s'", AUS_CLI, common, p("w_unk.b")), 0);
    assert_int_equal(run("%s bpsec wrap --keyring '%s' --now 3000 --bib all --bcb payload "
                         "--scope 0 '%s' -o '%s'",
                         AUS_CLI, p("kr.json"), p("w_unk.b"), p("w_unk.sec")),
                     0);
    patch(p("w_unk.sec"), (const uint8_t[]){0x85, 0x18, 0xc8, 0x02, 0x00}, 5, 4, 0x04);
    out = capture("%s bpsec unwrap --keyring '%s' --now 3000 '%s' -o '%s' 2>&1; echo rc=$?",
                  AUS_CLI, p("kr.json"), p("w_unk.sec"), p("u_unk.b"));
    if (!strstr(out, "block unsupported (reason 11") || !strstr(out, "rc=1\n"))
        fail_msg("unwrap unsupported: %s", out);
    assert_int_equal(run("test -e '%s'", p("u_unk.b")), 1);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_receipt),
        cmocka_unit_test(test_io_errors_exit_3),
        cmocka_unit_test(test_inspect_strict_forms),
        cmocka_unit_test(test_bpsec_receipt),
        cmocka_unit_test(test_create_all_crcs_and_blocks),
        cmocka_unit_test(test_fragments_and_reassembly),
        cmocka_unit_test(test_status_reports),
        cmocka_unit_test(test_inspect_interface),
        cmocka_unit_test(test_help_and_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
