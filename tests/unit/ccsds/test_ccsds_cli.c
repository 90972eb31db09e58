/* SPDX-License-Identifier: Apache-2.0 */
/* australis ccsds CLI round trips and exit codes (the interface outside checks use). */
#include <unistd.h>

#include "aus_test.h"
#include "australis/coding.h"

static char dir[64];
static const char *KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static const char *path(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* every CLI call runs in the test directory */
#define run(...) tst_cli(dir, __VA_ARGS__)

static uint8_t *get_file(const char *name, size_t *n) { return tst_read_file(path(name), n); }

/* a file of the test directory as a string (tst_read_file NUL-terminates) */
static char *text(const char *name)
{
    size_t n;
    return (char *)tst_read_file(path(name), &n);
}

static int setup(void **st)
{
    (void)st;
    tst_tmpdir(dir, sizeof dir, "ccsds_cli");
    /* 40 space packets of 10..900 data octets */
    static uint8_t pk[40 * 910];
    size_t n = 0;
    uint64_t rs = 3;
    for (int i = 0; i < 40; i++) {
        size_t dl = 10 + tst_rand(&rs) % 890;
        unsigned apid = 200 + (unsigned)i % 7;
        pk[n++] = (uint8_t)(apid >> 8), pk[n++] = (uint8_t)apid;
        pk[n++] = 0xC0, pk[n++] = (uint8_t)i;
        pk[n++] = (uint8_t)((dl - 1) >> 8), pk[n++] = (uint8_t)(dl - 1);
        for (size_t k = 0; k < dl; k++)
            pk[n++] = (uint8_t)tst_rand(&rs);
    }
    tst_write_file(path("pk.bin"), pk, n);
    uint8_t data[2500];
    for (size_t k = 0; k < sizeof data; k++)
        data[k] = (uint8_t)tst_rand(&rs);
    tst_write_file(path("data.bin"), data, sizeof data);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return tst_rmtree(dir);
}

static void same(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *pa = get_file(a, &na), *pb = get_file(b, &nb);
    tst_assert_bytes(pa, na, pb, nb);
    free(pa), free(pb);
}

static void test_tm_roundtrip(void **st)
{
    (void)st;
    const char *o = "--frame-len 1115 --scid 77 --vcid 2";
    assert_int_equal(run("ccsds tm-encode %s pk.bin -o cadu.bin", o), 0);
    size_t n;
    uint8_t *c = get_file("cadu.bin", &n);
    assert_int_equal(n % 1279, 0); /* derived I = 5: 4 + 1275 */
    assert_memory_equal(c, "\x1a\xcf\xfc\x1d", 4);
    /* channel errors: 10 symbols in each of two CADUs, corrected by RS */
    for (int k = 0; k < 10; k++)
        c[4 + 37 * (size_t)k] ^= 0x5A, c[1279 + 4 + 100 + 11 * (size_t)k] ^= 0xFF;
    tst_write_file(path("cadu_err.bin"), c, n);
    assert_int_equal(run("ccsds tm-decode %s cadu_err.bin -o out.bin > j.txt", o), 0);
    same("pk.bin", "out.bin");
    char *j = text("j.txt");
    assert_non_null(strstr(j, "\"rs_corrected\":10"));
    assert_non_null(strstr(j, "\"scid\":77,\"vcid\":2,\"mc_count\":0,\"vc_count\":0"));
    /* the OCF is a CLCW: type 0, version 00, COP-1 in effect, reporting TC VC 2 */
    assert_non_null(strstr(j, "\"ocf\":\"01080000\""));
    free(j);
    /* an uncorrectable CADU: exit 1, the others still decoded, loss reported */
    for (int k = 0; k < 40; k++)
        c[2 * 1279 + 4 + 5 * (size_t)k] ^= 0x33;
    tst_write_file(path("cadu_bad.bin"), c, n);
    assert_int_equal(run("ccsds tm-decode %s cadu_bad.bin -o out2.bin > j2.txt 2>&1", o), 1);
    j = text("j2.txt");
    assert_non_null(strstr(j, "AUS_E_FEC"));
    assert_non_null(strstr(j, "\"vc_lost\":1"));
    free(j);
    /* explicit depth, no randomizer, shortened codewords */
    assert_int_equal(run("ccsds tm-encode --frame-len 600 --scid 1 --vcid 0 --rs-interleave 3 "
                         "--no-randomize pk.bin -o c3.bin"),
                     0);
    assert_int_equal(run("ccsds tm-decode --frame-len 600 --scid 1 --vcid 0 --rs-interleave 3 "
                         "--no-randomize c3.bin -o o3.bin > /dev/null"),
                     0);
    same("pk.bin", "o3.bin");
    /* truncated input: exit 1 */
    tst_write_file(path("cadu_tr.bin"), c, n - 100);
    assert_int_equal(run("ccsds tm-decode %s cadu_tr.bin -o x.bin >/dev/null 2>&1", o), 1);
    free(c);
}

static void test_tm_sdls(void **st)
{
    (void)st;
    const char *o = "--frame-len 892 --scid 77 --vcid 1 --sdls-spi 9";
    assert_int_equal(run("ccsds tm-encode %s --sdls-key %s pk.bin -o cs.bin", o, KEY), 0);
    assert_int_equal(run("ccsds tm-decode %s --sdls-key %s cs.bin -o os.bin >/dev/null", o, KEY),
                     0);
    same("pk.bin", "os.bin");
    /* wrong key: every frame fails authentication */
    char bad[65];
    memcpy(bad, KEY, 65);
    bad[0] = '1';
    assert_int_equal(run("ccsds tm-decode %s --sdls-key %s cs.bin -o ob.bin > jb.txt 2>&1", o, bad),
                     1);
    char *j = text("jb.txt");
    assert_non_null(strstr(j, "AUS_E_AUTH"));
    free(j);
    assert_int_equal(run("ccsds tm-encode %s --sdls-key 0011 pk.bin -o x.bin 2>/dev/null", o), 2);
}

static void test_tc_roundtrip(void **st)
{
    (void)st;
    const char *o = "--scid 300 --vcid 3 --map 7 --fsn 254";
    assert_int_equal(run("ccsds tc-encode %s data.bin -o cltu.bin", o), 0);
    assert_int_equal(run("ccsds tc-decode %s cltu.bin -o d.bin > j.txt", o), 0);
    same("data.bin", "d.bin");
    size_t n;
    uint8_t *c = get_file("cltu.bin", &n);
    assert_memory_equal(c, "\xeb\x90", 2);
    /* one bit error in each of 5 codeblocks: corrected */
    uint8_t *e = malloc(n);
    memcpy(e, c, n);
    for (int k = 0; k < 5; k++)
        e[2 + 8 * (size_t)(k * 3) + 2] ^= 0x10;
    tst_write_file(path("cltu1.bin"), e, n);
    assert_int_equal(run("ccsds tc-decode %s cltu1.bin -o d1.bin > j1.txt", o), 0);
    same("data.bin", "d1.bin");
    char *j = text("j1.txt");
    assert_non_null(strstr(j, "\"bch_corrected\":5"));
    assert_non_null(strstr(j, "\"fsn\":254,\"map\":7,\"seg_flags\":1"));
    free(j);
    /* two bit errors in one codeblock: that CLTU is rejected, exit 1 */
    memcpy(e, c, n);
    e[2 + 8 * 4] ^= 0x81;
    tst_write_file(path("cltu2.bin"), e, n);
    assert_int_equal(run("ccsds tc-decode %s cltu2.bin -o d2.bin > j2.txt 2>&1", o), 1);
    j = text("j2.txt");
    assert_non_null(strstr(j, "AUS_E_FEC"));
    free(j);
    /* with SDLS, and a tampered frame (bit errors fixed by BCH do not matter; an altered frame
     * with a valid FECF and BCH would be caught by the MAC: covered by the SDLS tests) */
    assert_int_equal(
        run("ccsds tc-encode %s --sdls-spi 4 --sdls-key %s data.bin -o cs.bin", o, KEY), 0);
    assert_int_equal(
        run("ccsds tc-decode %s --sdls-spi 4 --sdls-key %s cs.bin -o ds.bin >/dev/null", o, KEY),
        0);
    same("data.bin", "ds.bin");
    /* two MAPs, interleaved frame by frame: each SDU is rebuilt in its own buffer */
    assert_int_equal(run("ccsds tc-encode --scid 300 --vcid 3 --map 1 data.bin -o m1.bin"), 0);
    assert_int_equal(run("ccsds tc-encode --scid 300 --vcid 3 --map 2 --fsn 9 data.bin -o m2.bin"),
                     0);
    size_t n1, n2;
    uint8_t *m1 = get_file("m1.bin", &n1), *m2 = get_file("m2.bin", &n2);
    size_t cl = aus_cltu_len(1024); /* 2500 octets: frames of 1016, 1016, 468 data octets */
    uint8_t *mix = malloc(n1 + n2);
    size_t at = 0, p1 = 0, p2 = 0;
    while (p1 < n1 || p2 < n2) {
        size_t a = n1 - p1 < cl ? n1 - p1 : cl, b2 = n2 - p2 < cl ? n2 - p2 : cl;
        memcpy(mix + at, m1 + p1, a), at += a, p1 += a;
        memcpy(mix + at, m2 + p2, b2), at += b2, p2 += b2;
    }
    tst_write_file(path("mix.bin"), mix, at);
    assert_int_equal(run("ccsds tc-decode --scid 300 --vcid 3 mix.bin -o dm.bin > jm.txt"), 0);
    size_t dn, on;
    uint8_t *dm = get_file("dm.bin", &dn), *orig = get_file("data.bin", &on);
    assert_int_equal(dn, 2 * on);
    assert_memory_equal(dm, orig, on);
    assert_memory_equal(dm + on, orig, on);
    free(m1), free(m2), free(mix), free(dm), free(orig);
    assert_int_equal(run("ccsds tc-decode %s data.bin -o x.bin >/dev/null 2>&1", o), 1);
    assert_int_equal(run("ccsds tc-encode --scid 300 data.bin -o x.bin 2>/dev/null"), 2);
    free(c), free(e);
}

static void test_rs_decode(void **st)
{
    (void)st;
    static uint8_t blocks[3 * 255 * 4], data[3 * 223 * 4];
    uint64_t rs = 11;
    for (int b = 0; b < 3; b++) {
        uint8_t *blk = blocks + (size_t)b * 1020;
        for (size_t k = 0; k < 892; k++)
            blk[k] = data[(size_t)b * 892 + k] = (uint8_t)tst_rand(&rs);
        assert_int_equal(aus_rs_encode(blk, 4, 0), AUS_OK);
    }
    /* 16 symbol errors in codeword 1 of block 0 */
    for (size_t k = 0; k < 16; k++)
        blocks[(k * 9) * 4 + 1] ^= 0xA5;
    tst_write_file(path("rs.bin"), blocks, sizeof blocks);
    assert_int_equal(run("ccsds rs-decode --interleave 4 rs.bin -o rsd.bin > j.txt"), 0);
    size_t n;
    uint8_t *out = get_file("rsd.bin", &n);
    tst_assert_bytes(out, n, data, sizeof data);
    free(out);
    /* 17 in one codeword: exit 1 */
    blocks[(200) * 4 + 1] ^= 0x01;
    tst_write_file(path("rs17.bin"), blocks, sizeof blocks);
    assert_int_equal(run("ccsds rs-decode --interleave 4 rs17.bin -o x.bin >/dev/null 2>&1"), 1);
    assert_int_equal(run("ccsds rs-decode --interleave 5 rs.bin -o x.bin >/dev/null 2>&1"), 1);
    assert_int_equal(run("ccsds rs-decode rs.bin -o x.bin 2>/dev/null"), 2);
    assert_int_equal(run("ccsds rs-decode --help >/dev/null"), 0);
    assert_int_equal(run("ccsds frobnicate x -o y 2>/dev/null"), 2);
}

static void test_conv(void **st)
{
    (void)st;
    assert_int_equal(run("ccsds conv-encode data.bin -o cv.bin"), 0);
    size_t n;
    uint8_t *c = get_file("cv.bin", &n);
    assert_int_equal(n, 2 * 2500 + 2);
    for (size_t i = 100; i < n - 10; i += 45) /* scattered hard errors */
        c[i] ^= 0x10;
    tst_write_file(path("cv_err.bin"), c, n);
    assert_int_equal(run("ccsds conv-decode cv_err.bin -o cvd.bin"), 0);
    same("data.bin", "cvd.bin");
    tst_write_file(path("cv_odd.bin"), c, 7);
    assert_int_equal(run("ccsds conv-decode cv_odd.bin -o x.bin 2>/dev/null"), 1);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tm_roundtrip), cmocka_unit_test(test_tm_sdls),
        cmocka_unit_test(test_tc_roundtrip), cmocka_unit_test(test_rs_decode),
        cmocka_unit_test(test_conv),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
