/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI: australis bpsec wrap / unwrap reproduce RFC 9173 App. A (both directions) from the
 * vector files, every wrap passes tshark, failures exit 1 with a sentence and write nothing. */
#include "bpsec_test_util.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/aus_bpsec_cli_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char args[2048], cmd[2600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>>err.txt", dir, AUS_CLI, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void keyring(const char *name, const char *src1, const char *k1, const char *src2,
                    const char *k2)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"keys\":[{\"source\":\"%s\",\"context\":\"bib-hmac-sha2\",\"key\":\"%s\"},"
            "{\"source\":\"%s\",\"context\":\"bcb-aes-gcm\",\"key\":\"%s\"}]}",
            src1, k1, src2, k2);
    fclose(f);
}

static void same(const char *file, const char *shared_rel)
{
    char p[128];
    size_t a, b;
    snprintf(p, sizeof p, "%s/%s", dir, file);
    uint8_t *x = tst_read_file(p, &a), *y = tst_read_file(tst_shared(shared_rel), &b);
    tst_assert_bytes(x, a, y, b);
    free(x);
    free(y);
}

/* the CLI's stderr so far holds the sentence */
static int err_has(const char *sentence)
{
    char p[128];
    size_t n;
    snprintf(p, sizeof p, "%s/err.txt", dir);
    uint8_t *e = tst_read_file(p, &n);
    char *t = malloc(n + 1);
    memcpy(t, e, n);
    t[n] = 0;
    int found = strstr(t, sentence) != NULL;
    free(t);
    free(e);
    return found;
}

#define V "%s/vectors/rfc9173/"
#define IV "5477656c7665313231323132"

static void test_appendix_a_via_cli(void **st)
{
    (void)st;
    const char *sh = AUS_SHARED_DIR;
    keyring("a1.json", "ipn:2.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:2.1", "00");
    assert_int_equal(run("bpsec wrap --keyring a1.json --bib payload --sha 512 --scope 0 " V
                         "A1_original.cbor -o a1.cbor",
                         sh),
                     0);
    same("a1.cbor", "vectors/rfc9173/A1_final.cbor");
    assert_int_equal(run("bpsec unwrap --keyring a1.json " V "A1_final.cbor -o a1b.cbor", sh), 0);
    same("a1b.cbor", "vectors/rfc9173/A1_original.cbor");
    /* A.2: the keyring key is the KEK, the session key is given */
    keyring("a2.json", "ipn:2.1", "00", "ipn:2.1", "6162636465666768696a6b6c6d6e6f70");
    assert_int_equal(run("bpsec wrap --keyring a2.json --bcb payload --aes 128 --scope 0 --iv " IV
                         " --session-key 71776572747975696f70617364666768 " V
                         "A2_original.cbor -o a2.cbor",
                         sh),
                     0);
    same("a2.cbor", "vectors/rfc9173/A2_final.cbor");
    assert_int_equal(run("bpsec unwrap --keyring a2.json " V "A2_final.cbor -o a2b.cbor", sh), 0);
    same("a2b.cbor", "vectors/rfc9173/A2_original.cbor");
    /* A.3: two security sources, two invocations */
    keyring("a3.json", "ipn:3.0", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:2.1",
            "71776572747975696f70617364666768");
    assert_int_equal(run("bpsec wrap --keyring a3.json --source ipn:3.0 --bib primary,age "
                         "--sha 256 --scope 0 " V "A3_original.cbor -o a3i.cbor",
                         sh),
                     0);
    assert_int_equal(run("bpsec wrap --keyring a3.json --source ipn:2.1 --bcb payload --scope 0 "
                         "--iv " IV " a3i.cbor -o a3.cbor"),
                     0);
    same("a3.cbor", "vectors/rfc9173/A3_final.cbor");
    assert_int_equal(run("bpsec unwrap --keyring a3.json " V "A3_final.cbor -o a3b.cbor", sh), 0);
    same("a3b.cbor", "vectors/rfc9173/A3_original.cbor");
    /* A.4 */
    keyring("a4.json", "ipn:2.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:2.1",
            "71776572747975696f7061736466676871776572747975696f70617364666768");
    /* A.4 is not produced: its BCB encrypts the payload and the payload's BIB under one key and
     * IV (docs/bpsec.md, "One target per BCB"); the refusal names the block */
    assert_int_equal(run("bpsec wrap --keyring a4.json --bib payload --bcb payload --bib-number 3 "
                         "--bcb-number 2 --sha 384 --aes 256 --scope 7 --iv " IV " " V
                         "A4_original.cbor -o a4.cbor",
                         sh),
                     2);
    assert_true(err_has("bpsec wrap: block 1 is in both --bib and --bcb: its BCB's AES-GCM tag "
                        "protects it"));
    assert_int_equal(run("bpsec wrap --keyring a4.json --bib primary --bcb payload,age --iv " IV
                         " " V "A3_original.cbor -o a4x.cbor",
                         sh),
                     2);
    assert_true(err_has("bpsec wrap: --iv with 2 blocks to encrypt: each gets a BCB of its own"));
    assert_int_equal(run("bpsec unwrap --keyring a4.json " V "A4_final.cbor -o a4b.cbor", sh), 0);
    same("a4b.cbor", "vectors/rfc9173/A4_original.cbor");
}

static void test_wrap_variants_tshark(void **st)
{
    (void)st;
    const char *sh = AUS_SHARED_DIR;
    keyring("k.json", "ipn:2.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:2.1",
            "71776572747975696f7061736466676871776572747975696f70617364666768");
    static const char *opts[] = {
        "",
        "--wrap-key",
        "--bib all --bcb payload --sha 512",
        "--bib primary,age --bcb payload --scope primary,security --wrap-key",
        "--bib all --sha 384 --scope 3",
        "--bib age --bcb all --aes 256",
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(opts); i++) {
        assert_int_equal(run("bpsec wrap --keyring k.json %s " V "A3_original.cbor -o w%zu.cbor",
                             opts[i], sh, i),
                         0);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s/tools/tshark_check.sh %s/w%zu.cbor >/dev/null", sh, dir, i);
        if (system(cmd) != 0)
            fail_msg("tshark rejects the output of: wrap %s", opts[i]);
        assert_int_equal(run("bpsec unwrap --keyring k.json w%zu.cbor -o u%zu.cbor", i, i), 0);
        char u[32];
        snprintf(u, sizeof u, "u%zu.cbor", i);
        same(u, "vectors/rfc9173/A3_original.cbor");
    }
}

/* Bundles with CRCs and a hop-count block (Wireshark samples): CRCs of encrypted targets are
 * recomputed both ways, a block named by its type code, an uncovered hop-count block is fine. */
static void test_crc_bundles(void **st)
{
    (void)st;
    const char *sh = AUS_SHARED_DIR;
    keyring("c.json", "ipn:2.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:2.1",
            "71776572747975696f7061736466676871776572747975696f70617364666768");
    static const char *in[] = {"good_crc16.bin", "good_crc32c.bin", "good_nocrc.bin"};
    static const char *opts[] = {"--bib all --bcb payload", "--bib 10 --bcb payload",
                                 "--bib primary --bcb 1"};
    for (size_t i = 0; i < 3; i++) {
        for (size_t k = 0; k < 3; k++) {
            assert_int_equal(run("bpsec wrap --keyring c.json %s %s/vectors/tshark_samples/bpv7/%s "
                                 "-o c.cbor",
                                 opts[k], sh, in[i]),
                             0);
            char cmd[512], rel[128];
            snprintf(cmd, sizeof cmd, "%s/tools/tshark_check.sh %s/c.cbor >/dev/null", sh, dir);
            if (system(cmd) != 0)
                fail_msg("tshark rejects wrap %s of %s", opts[k], in[i]);
            assert_int_equal(run("bpsec unwrap --keyring c.json c.cbor -o cu.cbor"), 0);
            snprintf(rel, sizeof rel, "vectors/tshark_samples/bpv7/%s", in[i]);
            same("cu.cbor", rel);
        }
    }
    /* a keyring with a single other source: that source is the security source */
    keyring("k9.json", "ipn:9.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:9.1",
            "71776572747975696f70617364666768");
    assert_int_equal(run("bpsec wrap --keyring k9.json " V "A1_original.cbor -o k9.cbor", sh), 0);
    assert_int_equal(run("bpsec unwrap --keyring k9.json k9.cbor -o k9o.cbor"), 0);
    same("k9o.cbor", "vectors/rfc9173/A1_original.cbor");
    /* a bundle without any security block: nothing to verify, rejected */
    assert_int_equal(
        run("bpsec unwrap --keyring c.json %s/vectors/tshark_samples/bpv7/good_crc16.bin -o x.cbor",
            sh),
        1);
}

static void test_failures(void **st)
{
    (void)st;
    const char *sh = AUS_SHARED_DIR;
    keyring("bad.json", "ipn:2.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2c", "ipn:2.1",
            "71776572747975696f70617364666769");
    assert_int_equal(run("bpsec unwrap --keyring bad.json " V "A4_final.cbor -o x.cbor", sh), 1);
    char p[128];
    snprintf(p, sizeof p, "%s/x.cbor", dir);
    assert_int_not_equal(access(p, F_OK), 0); /* nothing written */
    assert_int_equal(run("bpsec unwrap --keyring bad.json %s/vectors/tshark_samples/bpv7/"
                         "bpsec_bad_self_target.bin -o x.cbor",
                         sh),
                     1);
    assert_int_equal(run("bpsec unwrap --keyring missing.json " V "A4_final.cbor -o x.cbor", sh),
                     3);
    assert_int_equal(run("bpsec wrap --keyring bad.json --sha 1 in -o x"), 2);
    assert_int_equal(
        run("bpsec wrap --keyring bad.json --bib 9 " V "A1_original.cbor -o x.cbor", sh), 1);
    /* the bundle age block is never encrypted (forwarders update it) */
    assert_int_equal(
        run("bpsec wrap --keyring bad.json --bcb age " V "A3_original.cbor -o x.cbor", sh), 1);
    assert_int_equal(run("bpsec --help >/dev/null"), 0);
    assert_int_equal(run("bpsec wrap --help >/dev/null"), 0);
    assert_int_equal(run("bpsec unwrap --help >/dev/null"), 0);
    assert_int_equal(run("bpsec inspect --help >/dev/null"), 0);
    /* the failure sentence names the rule */
    snprintf(p, sizeof p, "%s/err.txt", dir);
    size_t n;
    uint8_t *e = tst_read_file(p, &n);
    assert_non_null(strstr((char *)e, "targets itself"));
    free(e);
}

/* Every single-bit flip of a default `wrap` output makes unwrap fail: all bits through the
 * library with the CLI's acceptance rule (open succeeds and every block is covered), a sample
 * through the binary itself. */
static void test_bit_flips_default_wrap(void **st)
{
    (void)st;
    const char *sh = AUS_SHARED_DIR;
    keyring("f.json", "ipn:2.1", "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b", "ipn:2.1",
            "71776572747975696f7061736466676871776572747975696f70617364666768");
    assert_int_equal(run("bpsec wrap --keyring f.json " V "A3_original.cbor -o f.cbor", sh), 0);
    char p[128];
    size_t n;
    snprintf(p, sizeof p, "%s/f.cbor", dir);
    uint8_t *w = tst_read_file(p, &n), *buf = malloc(n);
    tkeys k = {0};
    tkeys_add(&k, "ipn:2.1", 1, "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b");
    tkeys_add(&k, "ipn:2.1", 2, "71776572747975696f7061736466676871776572747975696f70617364666768");
    aus_bpsec_report rep;
    for (size_t i = 0; i < n * 8; i++) {
        memcpy(buf, w, n);
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
        size_t len = n;
        aus_err e = aus_bpsec_open(aus_crypto_default(), tkeys_fn, &k, buf, &len, &rep);
        if (e == AUS_OK && rep.nuncovered == 0)
            fail_msg("bit %zu flipped: unwrap would accept", i);
    }
    for (size_t i = 0; i < n * 8; i += n * 8 / 40) {
        memcpy(buf, w, n);
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
        snprintf(p, sizeof p, "%s/flip.cbor", dir);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, n, f), n);
        fclose(f);
        if (run("bpsec unwrap --keyring f.json flip.cbor -o flipped.cbor") != 1)
            fail_msg("bit %zu flipped: the CLI did not exit 1", i);
    }
    free(w);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_appendix_a_via_cli),
        cmocka_unit_test(test_wrap_variants_tshark),
        cmocka_unit_test(test_crc_bundles),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_bit_flips_default_wrap),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
