/* SPDX-License-Identifier: Apache-2.0 */
/* The AES-GCM provider TLS records use (port/posix/tls_gcm.c, ipsec-mb) against OpenSSL's own
 * AES-GCM, an independent implementation, as the oracle: for AES-128 and AES-256, every AAD
 * length 0..64 and message lengths around every block boundary up to 4 KiB, in one update or in
 * uneven pieces, in the call order TLS 1.3's record layer uses (RFC 8446 §5.2), the same
 * ciphertext and tag; each side opens the other's; a flipped tag, ciphertext or AAD bit, or a
 * missing tag, fails the open; what the provider refuses (other IV lengths, AAD after data) is
 * refused. Skipped when the build or the CPU has no ipsec-mb path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "tls_gcm.h"
#include "aus_test.h"

static uint64_t rng = 0x7a5c;

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)tst_rand(&rng);
}

static EVP_CIPHER *ours(int bits)
{
    /* "provider=" (not "?provider="): only ours, never OpenSSL's under the same name */
    return EVP_CIPHER_fetch(aus_tls_gcm_libctx(), bits == 128 ? "AES-128-GCM" : "AES-256-GCM",
                            "provider=" AUS_TLS_GCM_PROVIDER);
}

/* Seal pt under (key, iv, aad) with c, the data in pieces of `piece` bytes (0: one update). */
static int seal(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
                size_t al, const uint8_t *pt, size_t n, size_t piece, uint8_t *ct, uint8_t tag[16])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0, ok = x && EVP_EncryptInit_ex(x, c, NULL, NULL, NULL) == 1 &&
                    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
                    EVP_EncryptInit_ex(x, NULL, NULL, key, NULL) == 1 &&
                    EVP_EncryptInit_ex(x, NULL, NULL, NULL, iv) == 1 &&
                    EVP_EncryptUpdate(x, NULL, &l, aad, (int)al) == 1;
    for (size_t off = 0; ok && off < n;) {
        size_t k = piece && piece < n - off ? piece : n - off;
        ok = EVP_EncryptUpdate(x, ct + off, &l, pt + off, (int)k) == 1 && (size_t)l == k;
        off += k;
    }
    ok = ok && EVP_EncryptFinal_ex(x, ct + n, &l) == 1 && l == 0 &&
         EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static int open_(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
                 size_t al, const uint8_t *ct, size_t n, const uint8_t *tag, uint8_t *pt)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0, ok = x && EVP_DecryptInit_ex(x, c, NULL, key, NULL) == 1 &&
                    EVP_DecryptInit_ex(x, NULL, NULL, NULL, iv) == 1 &&
                    (!tag || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag) == 1) &&
                    EVP_DecryptUpdate(x, NULL, &l, aad, (int)al) == 1 &&
                    (n == 0 || EVP_DecryptUpdate(x, pt, &l, ct, (int)n) == 1) &&
                    EVP_DecryptFinal_ex(x, pt + n, &l) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static void test_same_as_openssl(void **st)
{
    (void)st;
    if (!aus_tls_gcm_libctx())
        skip(); /* no ipsec-mb in this build, no AVX2, or AUS_TLS_GCM=openssl */
    enum { MAX = 4096 + 33 };
    static uint8_t pt[MAX], ct1[MAX + 16], ct2[MAX + 16], back[MAX + 16];
    uint8_t key[32], iv[12], aad[64], t1[16], t2[16];
    static const size_t lens[] = {0,   1,   15,  16,  17,  31,  32,   33,   63,   64,   65,
                                  255, 256, 257, 511, 512, 513, 1000, 4095, 4096, 4097, 4096 + 33};
    size_t cases = 0;
    for (int bits = 128; bits <= 256; bits += 128) {
        EVP_CIPHER *a = ours(bits);
        const EVP_CIPHER *o = bits == 128 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
        assert_non_null(a);
        assert_string_equal(OSSL_PROVIDER_get0_name(EVP_CIPHER_get0_provider(a)),
                            AUS_TLS_GCM_PROVIDER);
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
            for (size_t al = 0; al <= 64; al += (li & 1) ? 13 : 5) {
                size_t n = lens[li], piece = (li % 3 == 0) ? 0 : 1 + (size_t)(tst_rand(&rng) % 100);
                fill(key, sizeof key);
                fill(iv, sizeof iv);
                fill(aad, sizeof aad);
                fill(pt, n);
                assert_true(seal(a, key, iv, aad, al, pt, n, piece, ct1, t1));
                assert_true(seal(o, key, iv, aad, al, pt, n, 0, ct2, t2));
                tst_assert_bytes(ct1, n, ct2, n);
                tst_assert_bytes(t1, 16, t2, 16);
                /* each opens the other's */
                assert_true(open_(a, key, iv, aad, al, ct2, n, t2, back));
                tst_assert_bytes(back, n, pt, n);
                assert_true(open_(o, key, iv, aad, al, ct1, n, t1, back));
                /* a flipped bit of the tag, the ciphertext or the AAD: refused */
                t1[cases % 16] ^= (uint8_t)(1u << (cases % 8));
                assert_false(open_(a, key, iv, aad, al, ct1, n, t1, back));
                t1[cases % 16] ^= (uint8_t)(1u << (cases % 8));
                if (n) {
                    ct1[cases % n] ^= 0x40;
                    assert_false(open_(a, key, iv, aad, al, ct1, n, t1, back));
                    ct1[cases % n] ^= 0x40;
                }
                if (al) {
                    aad[cases % al] ^= 0x01;
                    assert_false(open_(a, key, iv, aad, al, ct1, n, t1, back));
                    aad[cases % al] ^= 0x01;
                }
                /* no expected tag given: nothing to compare with, refused */
                assert_false(open_(a, key, iv, aad, al, ct1, n, NULL, back));
                assert_true(open_(a, key, iv, aad, al, ct1, n, t1, back));
                cases++;
            }
        EVP_CIPHER_free(a);
    }
    assert_true(cases > 300);
}

static void test_refusals(void **st)
{
    (void)st;
    if (!aus_tls_gcm_libctx())
        skip();
    EVP_CIPHER *a = ours(128);
    uint8_t key[16] = {1}, iv[16] = {2}, buf[32] = {3}, out[48];
    int l = 0;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    assert_non_null(a);
    assert_int_equal(EVP_EncryptInit_ex(x, a, NULL, key, NULL), 1);
    /* an IV of other than 96 bits (TLS 1.3 uses 12 bytes, RFC 8446 §5.3) */
    assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 16, NULL), 0);
    assert_int_equal(EVP_EncryptInit_ex(x, NULL, NULL, NULL, iv), 1);
    assert_int_equal(EVP_EncryptUpdate(x, out, &l, buf, 32), 1);
    /* AAD after data */
    assert_int_equal(EVP_EncryptUpdate(x, NULL, &l, buf, 5), 0);
    /* data before any IV after the last message's final */
    assert_int_equal(EVP_EncryptFinal_ex(x, out, &l), 1);
    assert_int_equal(EVP_EncryptUpdate(x, out, &l, buf, 32), 0);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_openssl),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
