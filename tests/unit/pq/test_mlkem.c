/* SPDX-License-Identifier: Apache-2.0 */
/* ML-KEM-768 (FIPS 203) unit tests.
 *
 * Vectors (never our own output): ../shared/vectors/mlkem768/ (see its README):
 *  - kat_accumulated_first5.json: first 5 cases of the C2SP/CCTV accumulated stream (noble
 *    0.7.1, anchored to the published FIPS 203-final 10k hash, re-checked with OpenSSL 4.0);
 *  - cctv_strcmp_ML-KEM-768.txt: verbatim C2SP/CCTV ML-KEM/strcmp (CC0).
 * Internal arithmetic is checked against definitions computed here (zetas from 17, Barrett
 * and Compress against exact division). */
#include "aus_test.h"
#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/pq.h"
#include "pq/mlkem_poly.h"

#define EKB AUS_MLKEM768_EK_BYTES
#define DKB AUS_MLKEM768_DK_BYTES
#define CTB AUS_MLKEM768_CT_BYTES

static unsigned bitrev7(unsigned i)
{
    unsigned r = 0;
    for (unsigned b = 0; b < 7; b++)
        r |= ((i >> b) & 1u) << (6 - b);
    return r;
}

static long modq(long a) { return ((a % 3329) + 3329) % 3329; }

static void test_zetas(void **st)
{
    (void)st;
    /* FIPS 203 Appendix A: zeta^BitRev7(i) mod q with zeta = 17, here times 2^16. */
    for (unsigned i = 0; i < 128; i++) {
        long z = 1;
        for (unsigned e = 0; e < bitrev7(i); e++)
            z = z * 17 % 3329;
        long want = modq(z * 65536);
        long got = aus_mlkem_zetas[i];
        assert_true(got > -1665 && got < 1665);
        assert_int_equal(modq(got), want);
    }
}

static void test_reductions(void **st)
{
    (void)st;
    for (long a = -32768; a <= 32767; a++) {
        int16_t r = aus_mlkem_barrett((int16_t)a);
        assert_true(r >= -1664 && r <= 1664);
        assert_int_equal(modq(r), modq(a));
    }
    /* Montgomery: a * 2^-16 mod q, |r| < q, over the documented domain (sampled densely). */
    long rinv = 169; /* 2^-16 mod q */
    assert_int_equal(modq(65536L * rinv), 1);
    for (long a = -3329L * 32767; a <= 3329L * 32767; a += 997) {
        int16_t r = aus_mlkem_mont_reduce((int32_t)a);
        assert_true(r > -3329 && r < 3329);
        assert_int_equal(modq(r), modq(modq(a) * rinv));
    }
}

static void test_compress_exact(void **st)
{
    (void)st;
    const unsigned ds[] = {1, 4, 10, 11};
    for (unsigned k = 0; k < 4; k++) {
        unsigned d = ds[k];
        for (unsigned x = 0; x < 3329; x++) {
            /* FIPS 203 eq. 4.7: round(2^d x / q) mod 2^d, rounding half up */
            unsigned long want = ((((unsigned long)x << d) * 2 + 3329) / (2 * 3329)) % (1ul << d);
            assert_int_equal(aus_mlkem_compress((int16_t)x, d), want);
        }
        for (unsigned y = 0; y < (1u << d); y++) {
            unsigned long want = ((unsigned long)y * 3329 * 2 + (1ul << d)) / (2ul << d);
            assert_int_equal(aus_mlkem_decompress(y, d), want);
        }
    }
}

/* NTT round trip and multiplication against schoolbook multiplication mod X^256 + 1. */
static void test_ntt_mul(void **st)
{
    (void)st;
    uint64_t s = 42;
    aus_mlkem_poly a, b, an, bn, r;
    for (int rep = 0; rep < 5; rep++) {
        for (int i = 0; i < 256; i++) {
            a.c[i] = (int16_t)(tst_rand(&s) % 3329);
            b.c[i] = (int16_t)((int)(tst_rand(&s) % 5) - 2);
        }
        an = a;
        bn = b;
        aus_mlkem_ntt(&an);
        aus_mlkem_ntt(&bn);
        int32_t sum[256] = {0};
        aus_mlkem_basemul_acc(sum, &an, &bn);
        aus_mlkem_acc_reduce(&r, sum);
        aus_mlkem_invntt(&r);
        long want[256] = {0};
        for (int i = 0; i < 256; i++)
            for (int j = 0; j < 256; j++) {
                long p = (long)a.c[i] * b.c[j];
                if (i + j < 256)
                    want[i + j] += p;
                else
                    want[i + j - 256] -= p;
            }
        for (int i = 0; i < 256; i++) {
            assert_true(r.c[i] > -3329 && r.c[i] < 3329);
            assert_int_equal(modq(r.c[i]), modq(want[i]));
        }
    }
}

static long powq(long b, unsigned e)
{
    long r = 1;
    while (e--)
        r = r * b % 3329;
    return r;
}

/* MultiplyNTTs (FIPS 203 Algorithms 11/12) by definition, accumulating 4 products of
 * extreme inputs (|c| = q - 1) to check the documented int32 bound of the lazy reduction. */
static void test_basemul_bounds(void **st)
{
    (void)st;
    uint64_t s = 7;
    aus_mlkem_poly a[4], b[4], r;
    int32_t sum[256] = {0};
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < 256; i++) {
            a[t].c[i] = (int16_t)((tst_rand(&s) & 1) ? 3328 : -3328);
            b[t].c[i] = (int16_t)((tst_rand(&s) & 1) ? 3328 : -3328);
            if (t == 3)
                a[t].c[i] = b[t].c[i] = (int16_t)(tst_rand(&s) % 6657) - 3328;
        }
    for (int t = 0; t < 4; t++)
        aus_mlkem_basemul_acc(sum, &a[t], &b[t]);
    aus_mlkem_acc_reduce(&r, sum);
    for (unsigned i = 0; i < 128; i++) {
        long g = powq(17, 2 * bitrev7(i) + 1), c0 = 0, c1 = 0;
        for (int t = 0; t < 4; t++) {
            long a0 = a[t].c[2 * i], a1 = a[t].c[2 * i + 1];
            long b0 = b[t].c[2 * i], b1 = b[t].c[2 * i + 1];
            c0 += modq(a0 * b0 + modq(a1 * b1) * g);
            c1 += modq(a0 * b1 + a1 * b0);
        }
        /* the result carries the Montgomery factor 2^-16 = 169 mod q */
        assert_true(r.c[2 * i] > -3329 && r.c[2 * i] < 3329);
        assert_int_equal(modq(r.c[2 * i]), modq(c0 * 169));
        assert_int_equal(modq(r.c[2 * i + 1]), modq(c1 * 169));
        assert_int_equal(sum[2 * i], 0); /* reset for the next use */
    }
}

static uint8_t *jhex(const cJSON *c, const char *f, size_t want)
{
    size_t n;
    uint8_t *p = tst_json_hex(c, f, &n);
    assert_int_equal(n, want);
    return p;
}

static void test_kat_first5(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/mlkem768/kat_accumulated_first5.json"));
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(j, "cases"), *c;
    int n = 0;
    cJSON_ArrayForEach(c, cases)
    {
        uint8_t *d = jhex(c, "d", 32), *z = jhex(c, "z", 32), *m = jhex(c, "m", 32);
        uint8_t *ek = jhex(c, "ek", EKB), *dk = jhex(c, "dk", DKB), *ct = jhex(c, "ct", CTB);
        uint8_t *k = jhex(c, "k", 32), *ctr = jhex(c, "ct_rand", CTB);
        uint8_t *kr = jhex(c, "k_rand", 32);
        uint8_t ek2[EKB], dk2[DKB], ct2[CTB], ss[32], ss2[32];
        assert_int_equal(aus_mlkem768_keygen_derand(ek2, dk2, d, z), AUS_OK);
        tst_assert_bytes(ek2, EKB, ek, EKB);
        tst_assert_bytes(dk2, DKB, dk, DKB);
        assert_int_equal(aus_mlkem768_encaps_derand(ct2, ss, ek, m), AUS_OK);
        tst_assert_bytes(ct2, CTB, ct, CTB);
        tst_assert_bytes(ss, 32, k, 32);
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        tst_assert_bytes(ss2, 32, k, 32);
        assert_int_equal(aus_mlkem768_decaps(ss2, ctr, dk), AUS_OK); /* implicit rejection */
        tst_assert_bytes(ss2, 32, kr, 32);
        free(d), free(z), free(m), free(ek), free(dk), free(ct), free(k), free(ctr), free(kr);
        n++;
    }
    assert_int_equal(n, 5);
    cJSON_Delete(j);
}

/* C2SP/CCTV strcmp vector: c' and c share a prefix up to a zero byte; decaps must reject. */
static void test_cctv_strcmp(void **st)
{
    (void)st;
    size_t len;
    char *txt =
        (char *)tst_read_file(tst_shared("vectors/mlkem768/cctv_strcmp_ML-KEM-768.txt"), &len);
    uint8_t *dk = NULL, *c = NULL, *kk = NULL;
    size_t dkl = 0, cl = 0, kl = 0;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strstr(line, " = ");
        if (!eq)
            continue;
        if (!strncmp(line, "dk ", 3))
            dk = tst_hex(eq + 3, &dkl);
        else if (!strncmp(line, "c ", 2))
            c = tst_hex(eq + 3, &cl);
        else if (!strncmp(line, "K ", 2))
            kk = tst_hex(eq + 3, &kl);
    }
    assert_non_null(dk);
    assert_non_null(c);
    assert_non_null(kk);
    assert_int_equal(dkl, DKB);
    assert_int_equal(cl, CTB);
    assert_int_equal(kl, 32);
    uint8_t ss[32];
    assert_int_equal(aus_mlkem768_decaps(ss, c, dk), AUS_OK);
    tst_assert_bytes(ss, 32, kk, 32);
    free(dk), free(c), free(kk), free(txt);
}

static void keypair(uint8_t ek[EKB], uint8_t dk[DKB], uint8_t seed)
{
    uint8_t d[32], z[32];
    memset(d, seed, 32);
    memset(z, (uint8_t)(seed + 1), 32);
    assert_int_equal(aus_mlkem768_keygen_derand(ek, dk, d, z), AUS_OK);
}

static void set12(uint8_t *poly, unsigned idx, unsigned v)
{
    uint8_t *b = poly + 3 * (idx / 2);
    if (idx % 2 == 0) {
        b[0] = (uint8_t)v;
        b[1] = (uint8_t)((b[1] & 0xF0) | (v >> 8));
    } else {
        b[1] = (uint8_t)((b[1] & 0x0F) | ((v & 0x0F) << 4));
        b[2] = (uint8_t)(v >> 4);
    }
}

/* FIPS 203 §7.2: an ek with any coefficient >= q fails the modulus check. */
static void test_encaps_modulus_check(void **st)
{
    (void)st;
    uint8_t ek[EKB], dk[DKB], bad[EKB], ct[CTB], ss[32], m[32];
    keypair(ek, dk, 7);
    memset(m, 0x5A, 32);
    const unsigned idx[] = {0, 1, 255, 256, 511, 767};
    const unsigned val[] = {3329, 4095, 3330};
    for (unsigned a = 0; a < AUS_ARRAY_LEN(idx); a++)
        for (unsigned b = 0; b < AUS_ARRAY_LEN(val); b++) {
            memcpy(bad, ek, EKB);
            set12(bad, idx[a], val[b]);
            memset(ss, 0xEE, 32);
            assert_int_equal(aus_mlkem768_encaps_derand(ct, ss, bad, m), AUS_E_MALFORMED);
            assert_true(aus_ct_is_zero(ss, 32)); /* no key material on error */
            assert_int_equal(aus_mlkem768_encaps(ct, ss, bad), AUS_E_MALFORMED);
        }
    /* q - 1 everywhere is still reduced and must be accepted */
    memcpy(bad, ek, EKB);
    set12(bad, 0, 3328);
    set12(bad, 767, 3328);
    assert_int_equal(aus_mlkem768_encaps_derand(ct, ss, bad, m), AUS_OK);
}

/* FIPS 203 §7.3: decaps checks H(ek) stored in dk. */
static void test_decaps_hash_check(void **st)
{
    (void)st;
    uint8_t ek[EKB], dk[DKB], bad[DKB], ct[CTB], ss[32], ss2[32];
    keypair(ek, dk, 9);
    assert_int_equal(aus_mlkem768_encaps(ct, ss, ek), AUS_OK);
    const size_t hoff = 1152 + 1184;
    const size_t pos[] = {hoff, hoff + 31, 1152, 1152 + 1183}; /* the hash, and ek itself */
    for (unsigned i = 0; i < AUS_ARRAY_LEN(pos); i++) {
        memcpy(bad, dk, DKB);
        bad[pos[i]] ^= 0x01;
        memset(ss2, 0xEE, 32);
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, bad), AUS_E_MALFORMED);
        assert_true(aus_ct_is_zero(ss2, 32));
    }
    assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
    tst_assert_bytes(ss2, 32, ss, 32);
}

/* Implicit rejection (FIPS 203 Algorithm 18 lines 7-11): a tampered ct yields J(z || c),
 * computed here independently through the provider's SHAKE256. */
static void test_implicit_rejection(void **st)
{
    (void)st;
    uint8_t ek[EKB], dk[DKB], ct[CTB], bad[CTB], ss[32], ss2[32], want[32];
    keypair(ek, dk, 11);
    assert_int_equal(aus_mlkem768_encaps(ct, ss, ek), AUS_OK);
    const size_t pos[] = {0, 500, 959, 960, 1087};
    const aus_crypto *c = aus_crypto_default();
    for (unsigned i = 0; i < AUS_ARRAY_LEN(pos); i++) {
        memcpy(bad, ct, CTB);
        bad[pos[i]] ^= 0x80;
        assert_int_equal(aus_mlkem768_decaps(ss2, bad, dk), AUS_OK);
        assert_false(aus_ct_eq(ss2, ss, 32));
        aus_iov in[2] = {{dk + DKB - 32, 32}, {bad, CTB}};
        assert_int_equal(c->ops->hash(c->self, AUS_HASH_SHAKE256, in, 2, want, 32), AUS_OK);
        tst_assert_bytes(ss2, 32, want, 32);
    }
}

/* Every bit of ct flipped in turn: decaps always returns J(z || c'). Every bit of the ek and
 * H(ek) parts of dk: AUS_E_MALFORMED. A bit of z: a valid ct still gives K (z only feeds K-bar). */
static void test_bitflips(void **st)
{
    (void)st;
    static uint8_t ek[EKB], dk[DKB], ct[CTB], bad[DKB];
    uint8_t ss[32], ss2[32], want[32];
    const aus_crypto *c = aus_crypto_default();
    keypair(ek, dk, 21);
    assert_int_equal(aus_mlkem768_encaps(ct, ss, ek), AUS_OK);
    for (size_t bit = 0; bit < 8 * CTB; bit++) {
        ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        aus_iov in[2] = {{dk + DKB - 32, 32}, {ct, CTB}};
        assert_int_equal(c->ops->hash(c->self, AUS_HASH_SHAKE256, in, 2, want, 32), AUS_OK);
        if (memcmp(ss2, want, 32) != 0)
            fail_msg("ct bit %zu: not the implicit-rejection key", bit);
        ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    memcpy(bad, dk, DKB);
    for (size_t bit = 8 * 1152; bit < 8 * (DKB - 32); bit++) {
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (aus_mlkem768_decaps(ss2, ct, bad) != AUS_E_MALFORMED)
            fail_msg("dk bit %zu: hash check passed", bit);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t bit = 8 * (DKB - 32); bit < 8 * DKB; bit += 7) {
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, bad), AUS_OK);
        tst_assert_bytes(ss2, 32, ss, 32);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

static void test_random_roundtrip(void **st)
{
    (void)st;
    for (int i = 0; i < 20; i++) {
        uint8_t ek[EKB], dk[DKB], ct[CTB], ss[32], ss2[32];
        assert_int_equal(aus_mlkem768_keygen(ek, dk), AUS_OK);
        assert_int_equal(aus_mlkem768_encaps(ct, ss, ek), AUS_OK);
        assert_int_equal(aus_mlkem768_decaps(ss2, ct, dk), AUS_OK);
        tst_assert_bytes(ss2, 32, ss, 32);
    }
}

/* A provider whose hash or RNG fails (or whose XOF never yields a value < q) must give
 * AUS_E_CRYPTO and wiped outputs. */
static int g_fail_alg; /* fail this hash alg; -1: RNG; 99: SHAKE128 returns all-ones */
static aus_err f_hash(void *self, aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out,
                      size_t outlen)
{
    const aus_crypto *p = aus_crypto_platform();
    (void)self;
    if ((int)alg == g_fail_alg)
        return AUS_E_CRYPTO;
    if (g_fail_alg == 99 && alg == AUS_HASH_SHAKE128) {
        memset(out, 0xFF, outlen);
        return AUS_OK;
    }
    return p->ops->hash(p->self, alg, in, nin, out, outlen);
}
static aus_err f_random(void *self, uint8_t *out, size_t n)
{
    const aus_crypto *p = aus_crypto_platform();
    (void)self;
    if (g_fail_alg == -1)
        return AUS_E_CRYPTO;
    return p->ops->random(p->self, out, n);
}

static void test_provider_failure(void **st)
{
    (void)st;
    aus_crypto_ops ops = *aus_crypto_platform()->ops;
    ops.hash = f_hash;
    ops.random = f_random;
    const aus_crypto fc = {&ops, NULL};
    uint8_t ek[EKB], dk[DKB], ct[CTB], ss[32], d[32] = {1}, z[32] = {2}, m[32] = {3};
    keypair(ek, dk, 3);
    const int fails[] = {
        AUS_HASH_SHA3_256, AUS_HASH_SHA3_512, AUS_HASH_SHAKE128, AUS_HASH_SHAKE256, 99, -1};
    aus_crypto_set_default(&fc);
    for (unsigned i = 0; i < AUS_ARRAY_LEN(fails); i++) {
        g_fail_alg = fails[i];
        uint8_t ek2[EKB], dk2[DKB];
        memset(dk2, 0xEE, DKB);
        aus_err want = AUS_E_CRYPTO;
        if (fails[i] != -1) {
            assert_int_equal(aus_mlkem768_keygen_derand(ek2, dk2, d, z), want);
            assert_true(aus_ct_is_zero(dk2, DKB));
            memset(ss, 0xEE, 32);
            assert_int_equal(aus_mlkem768_encaps_derand(ct, ss, ek, m), want);
            assert_true(aus_ct_is_zero(ss, 32));
            memset(ss, 0xEE, 32);
            /* decaps uses no SHAKE128 only if the hash check fails first; here it passes */
            assert_int_equal(aus_mlkem768_decaps(ss, ct, dk), want);
            assert_true(aus_ct_is_zero(ss, 32));
        } else {
            assert_int_equal(aus_mlkem768_keygen(ek2, dk2), want);
            assert_true(aus_ct_is_zero(dk2, DKB));
            assert_int_equal(aus_mlkem768_encaps(ct, ss, ek), want);
            assert_true(aus_ct_is_zero(ss, 32));
        }
    }
    aus_crypto_set_default(NULL);
    g_fail_alg = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zetas),
        cmocka_unit_test(test_reductions),
        cmocka_unit_test(test_compress_exact),
        cmocka_unit_test(test_ntt_mul),
        cmocka_unit_test(test_basemul_bounds),
        cmocka_unit_test(test_kat_first5),
        cmocka_unit_test(test_cctv_strcmp),
        cmocka_unit_test(test_encaps_modulus_check),
        cmocka_unit_test(test_decaps_hash_check),
        cmocka_unit_test(test_implicit_rejection),
        cmocka_unit_test(test_bitflips),
        cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_provider_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
