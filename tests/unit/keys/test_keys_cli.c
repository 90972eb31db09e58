/* SPDX-License-Identifier: Apache-2.0 */
/* australis keys: generate, list (no secret bytes), export-public, import, permission refusal. */
#include <sys/stat.h>
#include <unistd.h>

#include "aus_test.h"

static char dir[64];

static int run(const char *fmt, const char *extra, char *out, size_t cap)
{
    int st = tst_cli(dir, "keys %s %s --store ks.db --kek-file kek.hex > out.txt 2>&1", fmt,
                     extra ? extra : "");
    char p[128];
    snprintf(p, sizeof p, "%s/out.txt", dir);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    out[n] = 0;
    if (f)
        fclose(f);
    return st;
}

static void test_cli(void **st)
{
    (void)st;
    char out[8192];
    tst_tmpdir(dir, sizeof dir, "keys_cli");
    assert_int_equal(tst_cli(dir, "keys kek kek.hex"), 0);
    char p[128];
    struct stat sb;
    snprintf(p, sizeof p, "%s/kek.hex", dir);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_not_equal(tst_cli(dir, "keys kek kek.hex"), 0); /* never overwrites */
    assert_int_equal(run("generate --type master --id 1", NULL, out, sizeof out), 0);
    assert_int_equal(run("generate --type session --id 0x100 --activate", NULL, out, sizeof out),
                     0);
    assert_int_equal(
        run("generate --type mlkem768 --id 0x8000 --pub-out ek.bin", NULL, out, sizeof out), 0);
    assert_int_equal(
        run("generate --type mldsa65 --id 0x8010 --pub-out vk.bin", NULL, out, sizeof out), 0);
    assert_int_equal(run("generate --type session --id 0x100", NULL, out, sizeof out), 1);
    assert_int_equal(run("generate --type bogus --id 5", NULL, out, sizeof out), 2);
    assert_int_equal(run("list", NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "0x0100  session       active"));
    assert_non_null(strstr(out, "0x8011  mldsa65-vk"));
    /* the public key written at generation is what export-public gives back */
    assert_int_equal(run("export-public --id 0x8000 --out ek2.bin", NULL, out, sizeof out), 0);
    assert_int_equal(tst_sh("cmp -s %s/ek.bin %s/ek2.bin", dir, dir), 0);
    assert_int_equal(run("export-public --id 0x8011 --out vk2.bin", NULL, out, sizeof out), 0);
    assert_int_equal(tst_sh("cmp -s %s/vk.bin %s/vk2.bin", dir, dir), 0);
    /* secrets are never exported */
    assert_int_equal(run("export-public --id 1 --out m.bin", NULL, out, sizeof out), 1);
    assert_int_equal(run("export-public --id 0x8010 --out s.bin", NULL, out, sizeof out), 1);
    /* import a public key, and a secret one only from an owner-only file */
    assert_int_equal(run("import --type mldsa65-vk --id 0x8020 --in vk.bin", NULL, out, sizeof out),
                     0);
    snprintf(p, sizeof p, "%s/m.hex", dir);
    FILE *f = fopen(p, "w");
    fputs("000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n", f);
    fclose(f);
    chmod(p, 0644);
    assert_int_equal(run("import --type master --id 2 --in m.hex", NULL, out, sizeof out), 2);
    chmod(p, 0600);
    assert_int_equal(run("import --type master --id 2 --in m.hex", NULL, out, sizeof out), 0);
    /* list output holds no secret bytes: not the imported master key in hex */
    assert_int_equal(run("list --json", NULL, out, sizeof out), 0);
    assert_null(strstr(out, "000102030405"));
    assert_non_null(strstr(out, "\"id\":2,\"type\":\"master\""));
    /* a group-readable KEK file is refused with exit 2 and a sentence */
    snprintf(p, sizeof p, "%s/kek.hex", dir);
    chmod(p, 0640);
    assert_int_equal(run("list", NULL, out, sizeof out), 2);
    assert_non_null(strstr(out, "owner-only"));
    assert_int_equal(run("list --help", NULL, out, sizeof out), 0);
    assert_int_equal(tst_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cli)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
