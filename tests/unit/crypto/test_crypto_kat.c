/* SPDX-License-Identifier: Apache-2.0 */
/* Known-answer tests of the crypto provider (OpenSSL backend).
 *
 * Sources of every expected value (never our own output):
 *  - AES key wrap: ../shared/vectors/rfc3394_aes_kw.json (RFC 3394 §4.1-4.6).
 *  - HMAC-SHA-256/384/512 and AES-128/256-GCM and AES-KW: ../shared/vectors/rfc9173/
 *    rfc9173_appendix_a.json (RFC 9173 Appendix A.1-A.4).
 *  - HKDF: RFC 5869 Appendix A, test cases 1 and 2 (values as quoted verbatim in the ring
 *    crate's tests/hkdf_tests.txt, "Test Cases from RFC 5869", found with the search tool);
 *    test case 3 PRK from the same file, OKM from RFC 5869 A.3.
 *  - SHA3-256("") : NIST FIPS 202 example SHA3-256_Msg0 (quoted in a Q&A citing
 *    csrc.nist.gov .../SHA3-256_Msg0.pdf); SHA3-512(""): FIPS 202 empty-message value (as in
 *    vlang's crypto/sha3 tests); SHAKE128("", 256 bits): js-sha3 test-shake.js;
 *    SHAKE256("", 256 bits): NIST CAVS 19.0 SHAKE256ShortMsg.rsp, Len = 0.
 */
#include "aus_test.h"

#include "australis/base.h"
#include "australis/crypto.h"

static const aus_crypto *C;

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    return C ? 0 : -1;
}

static cJSON *appa(void)
{
    return tst_read_json(tst_shared("vectors/rfc9173/rfc9173_appendix_a.json"));
}

static const cJSON *obj(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_non_null(v);
    return v;
}

static void test_keywrap_rfc3394(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/rfc3394_aes_kw.json"));
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, obj(j, "vectors"))
    {
        size_t kl, dl, cl;
        uint8_t *kek = tst_json_hex(v, "kek", &kl), *key = tst_json_hex(v, "key_data", &dl),
                *ct = tst_json_hex(v, "ciphertext", &cl);
        uint8_t out[64], back[64];
        assert_int_equal(C->ops->key_wrap(C->self, kek, kl, key, dl, out), AUS_OK);
        tst_assert_bytes(out, dl + 8, ct, cl);
        assert_int_equal(C->ops->key_unwrap(C->self, kek, kl, ct, cl, back), AUS_OK);
        tst_assert_bytes(back, dl, key, dl);
        /* one flipped bit anywhere: the RFC 3394 §2.2.3 integrity check fails */
        for (size_t i = 0; i < cl; i++) {
            ct[i] ^= 0x01;
            assert_int_equal(C->ops->key_unwrap(C->self, kek, kl, ct, cl, back), AUS_E_AUTH);
            ct[i] ^= 0x01;
        }
        /* wrong KEK */
        kek[0] ^= 0x80;
        assert_int_equal(C->ops->key_unwrap(C->self, kek, kl, ct, cl, back), AUS_E_AUTH);
        free(kek), free(key), free(ct);
        n++;
    }
    assert_int_equal(n, 6);
    cJSON_Delete(j);
}

static void test_keywrap_args(void **st)
{
    (void)st;
    uint8_t kek[16] = {0}, key[16] = {0}, out[64];
    assert_int_equal(C->ops->key_wrap(C->self, kek, 15, key, 16, out), AUS_E_KEY);
    assert_int_equal(C->ops->key_wrap(C->self, kek, 16, key, 12, out), AUS_E_ARG);
    assert_int_equal(C->ops->key_unwrap(C->self, kek, 16, out, 16, key), AUS_E_MALFORMED);
    assert_int_equal(C->ops->key_unwrap(C->self, kek, 16, out, 25, key), AUS_E_MALFORMED);
}

/* Long key data (the keystore wraps ML-DSA-65 secret keys, 4032 bytes): round trip, and a
 * tampered wrap fails with the output wiped. */
static void test_keywrap_long(void **st)
{
    (void)st;
    static uint8_t key[4032], wr[4040], back[4032];
    uint8_t kek[32] = {9, 8, 7};
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 29 + 1);
    assert_int_equal(C->ops->key_wrap(C->self, kek, 32, key, sizeof key, wr), AUS_OK);
    assert_int_equal(C->ops->key_unwrap(C->self, kek, 32, wr, sizeof wr, back), AUS_OK);
    tst_assert_bytes(back, sizeof back, key, sizeof key);
    wr[100] ^= 0x10;
    memset(back, 0xee, sizeof back);
    assert_int_equal(C->ops->key_unwrap(C->self, kek, 32, wr, sizeof wr, back), AUS_E_AUTH);
    assert_true(aus_ct_is_zero(back, sizeof back));
    assert_int_equal(C->ops->key_wrap(C->self, kek, 32, key, 64 * 1024 + 8, wr), AUS_E_ARG);
}

static void test_keywrap_rfc9173_a2(void **st)
{
    (void)st;
    cJSON *j = appa();
    const cJSON *a = obj(j, "A.2_simple_confidentiality_with_key_wrap");
    size_t kl, cl, wl;
    uint8_t *kek = tst_json_hex(a, "key_encryption_key", &kl),
            *cek = tst_json_hex(a, "content_encryption_key", &cl),
            *wr = tst_json_hex(a, "aes_wrapped_key", &wl);
    uint8_t out[40];
    assert_int_equal(C->ops->key_wrap(C->self, kek, kl, cek, cl, out), AUS_OK);
    tst_assert_bytes(out, cl + 8, wr, wl);
    assert_int_equal(C->ops->key_unwrap(C->self, kek, kl, wr, wl, out), AUS_OK);
    tst_assert_bytes(out, wl - 8, cek, cl);
    free(kek), free(cek), free(wr);
    cJSON_Delete(j);
}

static void hmac_case(const cJSON *o, const char *keyf, aus_hash_alg alg, const char *msgf,
                      const char *sigf)
{
    size_t kl, ml, sl, ol = 0;
    uint8_t *k = tst_json_hex(o, keyf, &kl), *m = tst_json_hex(o, msgf, &ml),
            *s = tst_json_hex(o, sigf, &sl);
    uint8_t out[AUS_MAX_HASH_BYTES];
    aus_iov one = {m, ml};
    assert_int_equal(C->ops->hmac(C->self, alg, k, kl, &one, 1, out, &ol), AUS_OK);
    tst_assert_bytes(out, ol, s, sl);
    /* the same message split in three scatter pieces gives the same MAC */
    if (ml >= 3) {
        aus_iov three[3] = {{m, 1}, {m + 1, ml / 2}, {m + 1 + ml / 2, ml - 1 - ml / 2}};
        memset(out, 0, sizeof out);
        assert_int_equal(C->ops->hmac(C->self, alg, k, kl, three, 3, out, &ol), AUS_OK);
        tst_assert_bytes(out, ol, s, sl);
    }
    free(k), free(m), free(s);
}

static void test_hmac_rfc9173(void **st)
{
    (void)st;
    cJSON *j = appa();
    hmac_case(obj(j, "A.1_simple_integrity"), "key", AUS_HASH_SHA512, "ippt", "signature");
    const cJSON *b3 = obj(obj(j, "A.3_security_blocks_from_multiple_sources"), "bib");
    hmac_case(b3, "key", AUS_HASH_SHA256, "primary_ippt", "primary_signature");
    hmac_case(b3, "key", AUS_HASH_SHA256, "age_ippt", "age_signature");
    const cJSON *b4 = obj(obj(j, "A.4_security_blocks_with_full_scope"), "bib");
    hmac_case(b4, "key", AUS_HASH_SHA384, "ippt", "signature");
    cJSON_Delete(j);
    uint8_t out[64];
    size_t ol;
    assert_int_equal(C->ops->hmac(C->self, AUS_HASH_SHA3_256, out, 16, NULL, 0, out, &ol),
                     AUS_E_UNSUPPORTED);
}

/* RFC 2104 §2: a key longer than the block size is replaced by its hash. Checks the
 * backend's long-key path against its short-key path (the values themselves are checked
 * against @noble in tests/unit/bpsec/test_bpsec_oracle.c). */
static void test_hmac_long_key(void **st)
{
    (void)st;
    static const aus_hash_alg algs[] = {AUS_HASH_SHA256, AUS_HASH_SHA384, AUS_HASH_SHA512};
    uint8_t key[200], hk[64], a[64], b[64];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 13 + 5);
    aus_iov msg = {(const uint8_t *)"what do ya want for nothing?", 28};
    for (size_t i = 0; i < 3; i++) {
        size_t hl = aus_hash_len(algs[i]), la, lb;
        aus_iov kv = {key, sizeof key};
        assert_int_equal(C->ops->hash(C->self, algs[i], &kv, 1, hk, hl), AUS_OK);
        assert_int_equal(C->ops->hmac(C->self, algs[i], key, sizeof key, &msg, 1, a, &la), AUS_OK);
        assert_int_equal(C->ops->hmac(C->self, algs[i], hk, hl, &msg, 1, b, &lb), AUS_OK);
        tst_assert_bytes(a, la, b, lb);
        assert_int_equal(la, hl);
        /* and a different key gives a different MAC */
        key[0] ^= 1;
        assert_int_equal(C->ops->hmac(C->self, algs[i], key, sizeof key, &msg, 1, b, &lb), AUS_OK);
        assert_false(aus_ct_eq(a, b, hl));
        key[0] ^= 1;
    }
}

static void gcm_case(const cJSON *o, const char *keyf, aus_aead_alg alg, const char *aadf,
                     const char *ptf, const char *ctf, const char *tagf)
{
    size_t kl, il, al, pl, cl, tl;
    uint8_t *k = tst_json_hex(o, keyf, &kl), *iv = tst_json_hex(o, "iv", &il),
            *aad = tst_json_hex(o, aadf, &al), *pt = tst_json_hex(o, ptf, &pl),
            *ct = tst_json_hex(o, ctf, &cl), *tag = tst_json_hex(o, tagf, &tl);
    uint8_t *out = malloc(pl + 1), tg[16];
    aus_iov a = {aad, al};
    assert_int_equal(C->ops->aead_seal(C->self, alg, k, kl, iv, il, &a, 1, pt, pl, out, tg, 16),
                     AUS_OK);
    tst_assert_bytes(out, pl, ct, cl);
    tst_assert_bytes(tg, 16, tag, tl);
    memset(out, 0xee, pl);
    assert_int_equal(C->ops->aead_open(C->self, alg, k, kl, iv, il, &a, 1, ct, cl, tag, tl, out),
                     AUS_OK);
    tst_assert_bytes(out, cl, pt, pl);
    /* in place */
    memcpy(out, ct, cl);
    assert_int_equal(C->ops->aead_open(C->self, alg, k, kl, iv, il, &a, 1, out, cl, tag, tl, out),
                     AUS_OK);
    tst_assert_bytes(out, cl, pt, pl);
    /* an auth failure wipes the output: no unauthenticated plaintext is ever released */
    uint8_t *zero = calloc(1, cl + 1);
    tag[0] ^= 1;
    memset(out, 0xee, cl);
    assert_int_equal(C->ops->aead_open(C->self, alg, k, kl, iv, il, &a, 1, ct, cl, tag, tl, out),
                     AUS_E_AUTH);
    tst_assert_bytes(out, cl, zero, cl);
    tag[0] ^= 1;
    ct[cl - 1] ^= 0x80;
    memset(out, 0xee, cl);
    assert_int_equal(C->ops->aead_open(C->self, alg, k, kl, iv, il, &a, 1, ct, cl, tag, tl, out),
                     AUS_E_AUTH);
    tst_assert_bytes(out, cl, zero, cl);
    ct[cl - 1] ^= 0x80;
    aad[0] ^= 4;
    assert_int_equal(C->ops->aead_open(C->self, alg, k, kl, iv, il, &a, 1, ct, cl, tag, tl, out),
                     AUS_E_AUTH);
    tst_assert_bytes(out, cl, zero, cl);
    aad[0] ^= 4;
    /* wrong key length for the variant */
    assert_int_equal(
        C->ops->aead_open(C->self, alg, k, kl - 1, iv, il, &a, 1, ct, cl, tag, tl, out), AUS_E_KEY);
    free(k), free(iv), free(aad), free(pt), free(ct), free(tag), free(out), free(zero);
}

static void test_gcm_rfc9173(void **st)
{
    (void)st;
    cJSON *j = appa();
    const cJSON *common = obj(j, "common");
    /* A.2: AES-128-GCM over the payload; payload_data lives in "common" */
    const cJSON *a2 = obj(j, "A.2_simple_confidentiality_with_key_wrap");
    cJSON *c2 = cJSON_Duplicate(a2, 1);
    cJSON_AddStringToObject(c2, "pt", obj(common, "payload_data")->valuestring);
    gcm_case(c2, "content_encryption_key", AUS_AEAD_AES128_GCM, "aad", "pt", "payload_ciphertext",
             "auth_tag");
    cJSON_Delete(c2);
    /* A.4: AES-256-GCM over the payload and over the BIB's block-type-specific data */
    const cJSON *a4 = obj(j, "A.4_security_blocks_with_full_scope");
    cJSON *c4 = cJSON_Duplicate(obj(a4, "bcb"), 1);
    cJSON_AddStringToObject(c4, "pt", obj(common, "payload_data")->valuestring);
    gcm_case(c4, "key", AUS_AEAD_AES256_GCM, "payload_aad", "pt", "payload_ciphertext",
             "payload_auth_tag");
    cJSON_AddStringToObject(c4, "bibpt", obj(obj(a4, "bib"), "asb_plaintext")->valuestring);
    gcm_case(c4, "key", AUS_AEAD_AES256_GCM, "bib_aad", "bibpt", "bib_ciphertext", "bib_auth_tag");
    cJSON_Delete(c4);
    cJSON_Delete(j);
}

typedef struct hkdf_kat {
    const char *ikm, *salt, *info, *okm;
} hkdf_kat;

static void test_hkdf_rfc5869(void **st)
{
    (void)st;
    static const hkdf_kat k[] = {
        /* RFC 5869 A.1 (Test Case 1) */
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
         "f0f1f2f3f4f5f6f7f8f9",
         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
        /* RFC 5869 A.2 (Test Case 2) */
        {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2"
         "b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
         "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8"
         "b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
         "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dad"
         "bdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
         "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c"
         "65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
        /* RFC 5869 A.3 (Test Case 3: zero-length salt and info) */
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
         "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    };
    for (size_t i = 0; i < AUS_ARRAY_LEN(k); i++) {
        size_t il, sl, nl, ol;
        uint8_t *ikm = tst_hex(k[i].ikm, &il), *salt = tst_hex(k[i].salt, &sl),
                *info = tst_hex(k[i].info, &nl), *okm = tst_hex(k[i].okm, &ol);
        uint8_t out[128];
        assert_int_equal(
            C->ops->hkdf(C->self, AUS_HASH_SHA256, salt, sl, ikm, il, info, nl, out, ol), AUS_OK);
        tst_assert_bytes(out, ol, okm, ol);
        free(ikm), free(salt), free(info), free(okm);
    }
    uint8_t out[8];
    /* RFC 5869 §2.3: L <= 255 * HashLen */
    assert_int_equal(
        C->ops->hkdf(C->self, AUS_HASH_SHA256, NULL, 0, out, 8, NULL, 0, out, 255 * 32 + 1),
        AUS_E_ARG);
}

static void hash_case(aus_hash_alg alg, const char *hex)
{
    size_t n;
    uint8_t *want = tst_hex(hex, &n), out[64];
    assert_int_equal(C->ops->hash(C->self, alg, NULL, 0, out, n), AUS_OK);
    tst_assert_bytes(out, n, want, n);
    free(want);
}

static void test_hash_empty(void **st)
{
    (void)st;
    hash_case(AUS_HASH_SHA3_256,
              "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    hash_case(AUS_HASH_SHA3_512,
              "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
              "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26");
    hash_case(AUS_HASH_SHAKE128,
              "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
    hash_case(AUS_HASH_SHAKE256,
              "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
    uint8_t out[64];
    /* a fixed-length hash refuses another output length */
    assert_int_equal(C->ops->hash(C->self, AUS_HASH_SHA3_256, NULL, 0, out, 31), AUS_E_ARG);
    assert_int_equal(aus_hash_len(AUS_HASH_SHA384), 48);
    assert_int_equal(aus_hash_len(AUS_HASH_SHAKE128), 0);
}

static void test_random(void **st)
{
    (void)st;
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(C->ops->random(C->self, a, sizeof a), AUS_OK);
    assert_int_equal(C->ops->random(C->self, b, sizeof b), AUS_OK);
    assert_false(aus_ct_eq(a, b, sizeof a));
    assert_false(aus_ct_is_zero(a, sizeof a));
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_keywrap_rfc3394),    cmocka_unit_test(test_keywrap_args),
        cmocka_unit_test(test_keywrap_rfc9173_a2), cmocka_unit_test(test_hmac_rfc9173),
        cmocka_unit_test(test_hmac_long_key),      cmocka_unit_test(test_keywrap_long),
        cmocka_unit_test(test_gcm_rfc9173),        cmocka_unit_test(test_hkdf_rfc5869),
        cmocka_unit_test(test_hash_empty),         cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
