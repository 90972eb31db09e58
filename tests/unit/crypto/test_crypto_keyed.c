/* SPDX-License-Identifier: Apache-2.0 */
/* Keyed contexts of the crypto provider (include/australis/crypto.h aus_crypto_key, DESIGN.md §5).
 *
 * What must hold:
 *  - a retired key leaves no context behind (the provider counts zero), and the keystore retires
 *    a key's contexts when it is deactivated, destroyed, corrupted, replaced or rolled back;
 *  - a key replaced under the same id (OTAR over a destroyed id, or no retire at all) never seals
 *    or MACs with the old schedule: outputs are compared with OpenSSL one-shot computations made
 *    here on fresh contexts (never with our own unkeyed output alone);
 *  - keyed and unkeyed operations agree for every size, AAD split and IV length, a failed tag
 *    check wipes the plaintext and keeps the context, more keys than slots stay correct.
 * The known-answer vectors of test_crypto_kat.c run unchanged on the unkeyed ops; the RFC 9173
 * Appendix A values are checked here through the keyed ops as well. */
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "aus_test.h"

#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/keys.h"

static const aus_crypto *C;

static int setup(void **st)
{
    (void)st;
    C = aus_crypto_default();
    assert_non_null(C->ops->aead_seal_k);
    assert_non_null(C->ops->key_retire);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    aus_crypto_key_retire(C, AUS_CRYPTO_DOMAIN_ANY, 0x100);
    aus_crypto_key_retire(C, AUS_CRYPTO_DOMAIN_ANY, 0x101);
    return 0;
}

/* OpenSSL one-shot AES-256-GCM on a fresh context: the independent computation. */
static void ref_gcm(const uint8_t key[32], const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                    size_t aadlen, const uint8_t *pt, size_t n, uint8_t *ct, uint8_t tag[16])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    size_t ivl = ivlen;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivl),
                       OSSL_PARAM_END};
    int l = 0;
    assert_non_null(x);
    assert_int_equal(EVP_EncryptInit_ex2(x, EVP_aes_256_gcm(), NULL, NULL, p), 1);
    assert_int_equal(EVP_EncryptInit_ex2(x, NULL, key, iv, NULL), 1);
    if (aadlen)
        assert_int_equal(EVP_EncryptUpdate(x, NULL, &l, aad, (int)aadlen), 1);
    if (n)
        assert_int_equal(EVP_EncryptUpdate(x, ct, &l, pt, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, tag, &l), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
    EVP_CIPHER_CTX_free(x);
}

static void ref_hmac(const uint8_t *key, size_t kl, const uint8_t *m, size_t n, uint8_t out[32])
{
    size_t ol = 0;
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, kl, m, n, out, 32, &ol));
    assert_int_equal(ol, 32);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 31u + (i >> 3));
}

static void test_retire_leaves_nothing(void **st)
{
    (void)st;
    uint8_t key[32], iv[12], pt[40], ct[40], tag[16], back[40], mac[64];
    size_t ml = 0;
    fill(key, sizeof key, 1);
    fill(iv, sizeof iv, 2);
    fill(pt, sizeof pt, 3);
    aus_iov m = {pt, sizeof pt};
    size_t base = aus_crypto_key_count(C);
    aus_crypto_key k = {key, 32, 7, 0x100};
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 40, ct, tag, 16),
        AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 1);
    assert_int_equal(
        aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, ct, 40, tag, 16, back),
        AUS_OK);
    tst_assert_bytes(back, 40, pt, 40);
    assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &k, &m, 1, mac, &ml), AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 3); /* one context per use */
    /* the same key used again: no new context */
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 40, ct, tag, 16),
        AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 3);
    /* retiring another domain's key of the same id leaves this one; its own domain drops all */
    aus_crypto_key_retire(C, 8, 0x100);
    assert_int_equal(aus_crypto_key_count(C), base + 3);
    aus_crypto_key_retire(C, 7, 0x100);
    assert_int_equal(aus_crypto_key_count(C), base);
    /* and AUS_CRYPTO_DOMAIN_ANY reaches every domain */
    aus_crypto_key k2 = {key, 32, 9, 0x100};
    assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &k, &m, 1, mac, &ml), AUS_OK);
    assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &k2, &m, 1, mac, &ml), AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 2);
    aus_crypto_key_retire(C, AUS_CRYPTO_DOMAIN_ANY, 0x100);
    assert_int_equal(aus_crypto_key_count(C), base);
    /* id 0 names no key: nothing is kept */
    aus_crypto_key k0 = {key, 32, 7, 0};
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k0, iv, 12, NULL, 0, pt, 40, ct, tag, 16),
        AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base);
}

/* OTAR: a new key under the same id, with and without a retire in between. */
static void test_replaced_key_never_uses_old_schedule(void **st)
{
    (void)st;
    uint8_t k1[32], k2[32], iv[12], aad[20], pt[64], ct[64], tag[16], rct[64], rtag[16];
    uint8_t mac[64], rmac[32];
    size_t ml = 0;
    fill(k1, 32, 0x11);
    fill(k2, 32, 0x11);
    k2[31] ^= 0x80; /* one bit apart */
    fill(iv, 12, 5);
    fill(aad, sizeof aad, 6);
    fill(pt, sizeof pt, 7);
    aus_iov a = {aad, sizeof aad}, m = {pt, sizeof pt};
    for (int retire = 0; retire < 2; retire++) {
        aus_crypto_key old = {k1, 32, 3, 0x101}, neu = {k2, 32, 3, 0x101};
        assert_int_equal(
            aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &old, iv, 12, &a, 1, pt, 64, ct, tag, 16),
            AUS_OK);
        ref_gcm(k1, iv, 12, aad, sizeof aad, pt, 64, rct, rtag);
        tst_assert_bytes(ct, 64, rct, 64);
        tst_assert_bytes(tag, 16, rtag, 16);
        assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &old, &m, 1, mac, &ml), AUS_OK);
        if (retire)
            aus_crypto_key_retire(C, AUS_CRYPTO_DOMAIN_ANY, 0x101);
        size_t before = aus_crypto_key_count(C);
        assert_int_equal(
            aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &neu, iv, 12, &a, 1, pt, 64, ct, tag, 16),
            AUS_OK);
        ref_gcm(k2, iv, 12, aad, sizeof aad, pt, 64, rct, rtag);
        tst_assert_bytes(ct, 64, rct, 64);
        tst_assert_bytes(tag, 16, rtag, 16);
        assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &neu, &m, 1, mac, &ml), AUS_OK);
        ref_hmac(k2, 32, pt, sizeof pt, rmac);
        tst_assert_bytes(mac, 32, rmac, 32);
        /* a replaced context takes the old one's place: the count does not grow */
        assert_int_equal(aus_crypto_key_count(C), retire ? before + 2 : before);
        /* the old key's tag no longer opens under the id */
        uint8_t back[64];
        ref_gcm(k1, iv, 12, aad, sizeof aad, pt, 64, rct, rtag);
        assert_int_equal(
            aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &neu, iv, 12, &a, 1, rct, 64, rtag, 16, back),
            AUS_E_AUTH);
        aus_crypto_key_retire(C, AUS_CRYPTO_DOMAIN_ANY, 0x101);
    }
}

/* Keyed == one-shot for sizes, AAD splits (beyond the gather buffer), IV lengths and tag
 * lengths; HMAC for key lengths around the block size (a longer key is hashed first). */
static void test_keyed_matches_oneshot(void **st)
{
    (void)st;
    static uint8_t pt[3000], ct[3000], back[3000], rct[3000], aad[1200];
    uint8_t key[32], iv[64], tag[16], rtag[16];
    fill(pt, sizeof pt, 9);
    fill(aad, sizeof aad, 10);
    fill(key, 32, 11);
    fill(iv, sizeof iv, 12);
    static const size_t sizes[] = {0, 1, 15, 16, 17, 100, 1024, 2999};
    static const size_t aads[] = {0, 1, 37, 511, 512, 513, 1200};
    static const size_t ivs[] = {12, 8, 16, 60, 12};
    aus_crypto_key k = {key, 32, 4, 0x100};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t a = 0; a < sizeof aads / sizeof aads[0]; a++) {
            size_t n = sizes[s], al = aads[a], ivl = ivs[(s + a) % 5];
            /* the AAD in three pieces, the middle one possibly larger than the gather buffer */
            size_t c1 = al / 3, c2 = al - 2 * c1;
            aus_iov av[3] = {{aad, c1}, {aad + c1, c2}, {aad + c1 + c2, al - c1 - c2}};
            assert_int_equal(
                aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, ivl, av, 3, pt, n, ct, tag, 16),
                AUS_OK);
            ref_gcm(key, iv, ivl, aad, al, pt, n, rct, rtag);
            tst_assert_bytes(ct, n, rct, n);
            tst_assert_bytes(tag, 16, rtag, 16);
            assert_int_equal(
                aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, iv, ivl, av, 3, ct, n, tag, 16, back),
                AUS_OK);
            tst_assert_bytes(back, n, pt, n);
        }
    uint8_t hk[200], mac[64], rmac[32];
    size_t ml = 0;
    fill(hk, sizeof hk, 13);
    static const size_t kls[] = {1, 32, 63, 64, 65, 128, 129, 200};
    for (size_t i = 0; i < sizeof kls / sizeof kls[0]; i++) {
        aus_crypto_key h = {hk, kls[i], 4, 0x101};
        aus_iov m[3] = {{pt, 10}, {pt + 10, 500}, {pt + 510, 700}};
        assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &h, m, 3, mac, &ml), AUS_OK);
        assert_int_equal(ml, 32);
        ref_hmac(hk, kls[i], pt, 1210, rmac);
        tst_assert_bytes(mac, 32, rmac, 32);
    }
    aus_crypto_key_retire(C, 4, 0x100);
    aus_crypto_key_retire(C, 4, 0x101);
}

/* The keyed HMAC keeps SHA-2 inner/outer states per key: for SHA-384 and SHA-512 (128-byte
 * blocks, SHA-384's own IV) the MAC equals OpenSSL's one-shot HMAC for keys around and past
 * the block size and for a message split at odd places; a new key under the same id (OTAR,
 * rekey) gets the new key's states at once, and a retire leaves no slot behind. */
static void test_hmac_states_sha384_512(void **st)
{
    (void)st;
    static const struct {
        aus_hash_alg alg;
        const char *name;
        size_t hl;
    } algs[] = {{AUS_HASH_SHA384, "SHA384", 48}, {AUS_HASH_SHA512, "SHA512", 64}};
    static const size_t kls[] = {1, 48, 64, 127, 128, 129, 200};
    uint8_t hk[200], hk2[200], m[300], mac[64], rmac[64];
    fill(hk, sizeof hk, 41);
    fill(hk2, sizeof hk2, 42);
    fill(m, sizeof m, 43);
    size_t before = aus_crypto_key_count(C), ml = 0, ol = 0;
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < sizeof kls / sizeof kls[0]; i++) {
            aus_iov iov[3] = {{m, 1}, {m + 1, 0}, {m + 1, 299}};
            aus_crypto_key k = {hk, kls[i], 7, 0x200};
            for (int twice = 0; twice < 2; twice++) { /* made, then reused */
                assert_int_equal(aus_crypto_hmac_k(C, algs[a].alg, &k, iov, 3, mac, &ml), AUS_OK);
                assert_int_equal(ml, algs[a].hl);
                assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, algs[a].name, NULL, hk, kls[i], m,
                                          300, rmac, sizeof rmac, &ol));
                tst_assert_bytes(mac, ml, rmac, ol);
            }
            /* the same id, another key, no retire in between */
            aus_crypto_key k2 = {hk2, kls[i], 7, 0x200};
            assert_int_equal(aus_crypto_hmac_k(C, algs[a].alg, &k2, iov, 3, mac, &ml), AUS_OK);
            assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, algs[a].name, NULL, hk2, kls[i], m, 300,
                                      rmac, sizeof rmac, &ol));
            tst_assert_bytes(mac, ml, rmac, ol);
            aus_crypto_key_retire(C, 7, 0x200);
            assert_int_equal(aus_crypto_key_count(C), before);
        }
}

/* The keyed HMAC-SHA-256 hashes short messages straight on the compression function with its
 * own padding (FIPS 180-4 §5.1.1), longer ones through SHA256_Update: every message length
 * 0..320 (the padding's one-, two-, three- and four-block cases, 55/56, 119/120, 183/184 and
 * 247/248 bytes, and past the short path's limit) split into up to four pieces at varying places
 * (empty pieces included), for keys shorter than, equal to and longer than the block, equals
 * OpenSSL's one-shot HMAC. */
static void test_hmac256_every_length(void **st)
{
    (void)st;
    static const size_t kls[] = {16, 32, 64, 100};
    uint8_t hk[100], m[320], mac[32], rmac[32];
    fill(hk, sizeof hk, 71);
    fill(m, sizeof m, 72);
    size_t before = aus_crypto_key_count(C), ml = 0;
    for (size_t i = 0; i < sizeof kls / sizeof kls[0]; i++) {
        aus_crypto_key k = {hk, kls[i], 9, 0x300};
        for (size_t n = 0; n <= sizeof m; n++) {
            size_t a = n % 7 < n ? n % 7 : n, b = a + (n - a) / 3, c = b + (n - b) / 2;
            aus_iov iov[4] = {{m, a}, {m + a, b - a}, {m + b, c - b}, {m + c, n - c}};
            assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &k, iov, 4, mac, &ml), AUS_OK);
            assert_int_equal(ml, 32);
            ref_hmac(hk, kls[i], m, n, rmac);
            tst_assert_bytes(mac, 32, rmac, 32);
            aus_iov one = {m, n};
            assert_int_equal(aus_crypto_hmac_k(C, AUS_HASH_SHA256, &k, &one, 1, mac, &ml), AUS_OK);
            tst_assert_bytes(mac, 32, rmac, 32);
        }
        aus_crypto_key_retire(C, 9, 0x300);
    }
    assert_int_equal(aus_crypto_key_count(C), before);
}

/* A tag mismatch: AUS_E_AUTH, the plaintext buffer wiped, the context kept and still right. */
static void test_open_failure_wipes(void **st)
{
    (void)st;
    uint8_t key[32], iv[12], pt[100], ct[100], tag[16], back[100];
    fill(key, 32, 21);
    fill(iv, 12, 22);
    fill(pt, 100, 23);
    aus_crypto_key k = {key, 32, 5, 0x100};
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 100, ct, tag, 16),
        AUS_OK);
    size_t before = aus_crypto_key_count(C);
    for (size_t i = 0; i < 100; i += 33) {
        ct[i] ^= 1;
        memset(back, 0xAA, sizeof back);
        assert_int_equal(
            aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, ct, 100, tag, 16, back),
            AUS_E_AUTH);
        for (size_t j = 0; j < sizeof back; j++)
            assert_int_equal(back[j], 0);
        ct[i] ^= 1;
    }
    assert_int_equal(
        aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, ct, 100, tag, 16, back),
        AUS_OK);
    tst_assert_bytes(back, 100, pt, 100);
    assert_int_equal(aus_crypto_key_count(C), before + 1); /* seal + open, nothing more */
    aus_crypto_key_retire(C, 5, 0x100);
}

/* A keyed GCM context takes the caller's IV, whole, on every call and keeps no IV of its own
 * (the provider loads it through its "restore the whole IV" parameter): a sequence of seals on
 * one context with a repeated IV, IVs one apart, other lengths and back, and tags of 16, 12 and
 * 8 bytes, each equal to OpenSSL's one-shot on a fresh context with that IV. Each open takes the
 * tag and IV of its own call: the previous call's IV, or a tag one bit off, is AUS_E_AUTH with
 * the plaintext wiped, and the next right call succeeds on the same context. An IV too long for
 * OpenSSL is refused and drops the contexts. */
static void test_keyed_iv_is_the_callers(void **st)
{
    (void)st;
    uint8_t key[32], x[16], pt[100], ct[100], back[100], rct[100], tag[16], rtag[16];
    uint8_t ivs[9][16];
    static const size_t ivl[9] = {12, 12, 12, 16, 12, 8, 12, 12, 13};
    static const size_t tl[9] = {16, 16, 12, 8, 16, 16, 12, 16, 16};
    fill(key, 32, 51);
    fill(x, 16, 52);
    fill(pt, 100, 53);
    for (size_t i = 0; i < 9; i++)
        memcpy(ivs[i], x, 16);
    ivs[2][11] ^= 1; /* X, X, X+1 (a counter's next value), ... */
    ivs[7][11] = (uint8_t)(x[11] + 2);
    ivs[8][12] ^= 0x80;
    aus_crypto_key k = {key, 32, 8, 0x100};
    size_t before = aus_crypto_key_count(C);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, ivs[i], ivl[i], NULL, 0, pt,
                                           100, ct, tag, tl[i]),
                         AUS_OK);
        ref_gcm(key, ivs[i], ivl[i], NULL, 0, pt, 100, rct, rtag);
        tst_assert_bytes(ct, 100, rct, 100);
        tst_assert_bytes(tag, tl[i], rtag, tl[i]);
        if (i && (ivl[i] != ivl[i - 1] || memcmp(ivs[i], ivs[i - 1], ivl[i]))) {
            /* the previous call's (other) IV under this call's tag */
            memset(back, 0xAA, sizeof back);
            assert_int_equal(aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, ivs[i - 1], ivl[i - 1],
                                               NULL, 0, ct, 100, tag, tl[i], back),
                             AUS_E_AUTH);
            for (size_t j = 0; j < sizeof back; j++)
                assert_int_equal(back[j], 0);
        }
        tag[tl[i] - 1] ^= 1;
        assert_int_equal(aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, ivs[i], ivl[i], NULL, 0, ct,
                                           100, tag, tl[i], back),
                         AUS_E_AUTH);
        tag[tl[i] - 1] ^= 1;
        memset(back, 0, sizeof back);
        assert_int_equal(aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, ivs[i], ivl[i], NULL, 0, ct,
                                           100, tag, tl[i], back),
                         AUS_OK);
        tst_assert_bytes(back, 100, pt, 100);
    }
    assert_int_equal(aus_crypto_key_count(C), before + 2); /* one seal, one open context */
    /* an IV longer than OpenSSL's GCM takes (128 bytes): refused, the plaintext wiped, both
     * contexts dropped; the next call makes them again and is right */
    static uint8_t big[129];
    assert_int_equal(aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, big, sizeof big, NULL, 0, pt,
                                       100, ct, tag, 16),
                     AUS_E_CRYPTO);
    memset(back, 0xAA, sizeof back);
    assert_int_equal(aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, big, sizeof big, NULL, 0, ct,
                                       100, tag, 16, back),
                     AUS_E_CRYPTO);
    for (size_t j = 0; j < sizeof back; j++)
        assert_int_equal(back[j], 0);
    assert_int_equal(aus_crypto_key_count(C), before);
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, x, 12, NULL, 0, pt, 100, ct, tag, 16),
        AUS_OK);
    ref_gcm(key, x, 12, NULL, 0, pt, 100, rct, rtag);
    tst_assert_bytes(ct, 100, rct, 100);
    tst_assert_bytes(tag, 16, rtag, 16);
    assert_int_equal(
        aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, x, 12, NULL, 0, ct, 100, tag, 16, back),
        AUS_OK);
    tst_assert_bytes(back, 100, pt, 100);
    aus_crypto_key_retire(C, 8, 0x100);
    assert_int_equal(aus_crypto_key_count(C), before);
}

/* More keys than slots: the least recently used go, every output stays right. */
static void test_many_keys(void **st)
{
    (void)st;
    uint8_t key[32], iv[12], pt[48], ct[48], tag[16], rct[48], rtag[16];
    fill(iv, 12, 31);
    fill(pt, 48, 32);
    for (int round = 0; round < 2; round++)
        for (uint32_t id = 1; id <= 80; id++) {
            fill(key, 32, (uint8_t)id);
            aus_crypto_key k = {key, 32, 6, id};
            assert_int_equal(
                aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 48, ct, tag, 16),
                AUS_OK);
            ref_gcm(key, iv, 12, NULL, 0, pt, 48, rct, rtag);
            tst_assert_bytes(ct, 48, rct, 48);
            tst_assert_bytes(tag, 16, rtag, 16);
        }
    assert_true(aus_crypto_key_count(C) <= 80);
    for (uint32_t id = 1; id <= 80; id++)
        aus_crypto_key_retire(C, 6, id);
    assert_int_equal(aus_crypto_key_count(C), 0);
}

/* RFC 9173 Appendix A values through the keyed ops (the vectors test_crypto_kat.c checks on
 * the unkeyed ones): A.1 HMAC-SHA-512, A.4 HMAC-SHA-384, A.2 AES-128-GCM, A.4 AES-256-GCM over
 * the payload and then the BIB under the same key id (one context, two IVs' worth of use). */
static const cJSON *obj(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_non_null(v);
    return v;
}

static void kat_hmac(const cJSON *o, aus_hash_alg alg, const char *msgf, const char *sigf)
{
    size_t kl, ml, sl, ol = 0;
    uint8_t *k = tst_json_hex(o, "key", &kl), *m = tst_json_hex(o, msgf, &ml),
            *s = tst_json_hex(o, sigf, &sl), out[AUS_MAX_HASH_BYTES];
    aus_crypto_key kk = {k, kl, 2, 0x100};
    aus_iov one = {m, ml};
    for (int twice = 0; twice < 2; twice++) { /* made, then reused */
        memset(out, 0, sizeof out);
        assert_int_equal(aus_crypto_hmac_k(C, alg, &kk, &one, 1, out, &ol), AUS_OK);
        tst_assert_bytes(out, ol, s, sl);
    }
    aus_crypto_key_retire(C, 2, 0x100);
    free(k), free(m), free(s);
}

static void kat_gcm(const cJSON *o, const char *keyf, aus_aead_alg alg, const char *aadf,
                    const char *ptf, const char *ctf, const char *tagf)
{
    size_t kl, il, al, pl, cl, tl;
    uint8_t *k = tst_json_hex(o, keyf, &kl), *iv = tst_json_hex(o, "iv", &il),
            *aad = tst_json_hex(o, aadf, &al), *pt = tst_json_hex(o, ptf, &pl),
            *ct = tst_json_hex(o, ctf, &cl), *tag = tst_json_hex(o, tagf, &tl);
    uint8_t *out = malloc(pl + 1), tg[16];
    aus_crypto_key kk = {k, kl, 2, 0x101};
    aus_iov a = {aad, al};
    assert_int_equal(aus_crypto_seal_k(C, alg, &kk, iv, il, &a, 1, pt, pl, out, tg, 16), AUS_OK);
    tst_assert_bytes(out, pl, ct, cl);
    tst_assert_bytes(tg, 16, tag, tl);
    memset(out, 0xee, pl);
    assert_int_equal(aus_crypto_open_k(C, alg, &kk, iv, il, &a, 1, ct, cl, tag, tl, out), AUS_OK);
    tst_assert_bytes(out, cl, pt, pl);
    free(k), free(iv), free(aad), free(pt), free(ct), free(tag), free(out);
}

static void test_kat_keyed(void **st)
{
    (void)st;
    cJSON *j = tst_read_json(tst_shared("vectors/rfc9173/rfc9173_appendix_a.json"));
    const cJSON *common = obj(j, "common");
    kat_hmac(obj(j, "A.1_simple_integrity"), AUS_HASH_SHA512, "ippt", "signature");
    const cJSON *a4 = obj(j, "A.4_security_blocks_with_full_scope");
    kat_hmac(obj(a4, "bib"), AUS_HASH_SHA384, "ippt", "signature");
    cJSON *c2 = cJSON_Duplicate(obj(j, "A.2_simple_confidentiality_with_key_wrap"), 1);
    cJSON_AddStringToObject(c2, "pt", obj(common, "payload_data")->valuestring);
    kat_gcm(c2, "content_encryption_key", AUS_AEAD_AES128_GCM, "aad", "pt", "payload_ciphertext",
            "auth_tag");
    cJSON_Delete(c2);
    aus_crypto_key_retire(C, 2, 0x101);
    cJSON *c4 = cJSON_Duplicate(obj(a4, "bcb"), 1);
    cJSON_AddStringToObject(c4, "pt", obj(common, "payload_data")->valuestring);
    cJSON_AddStringToObject(c4, "bibpt", obj(obj(a4, "bib"), "asb_plaintext")->valuestring);
    kat_gcm(c4, "key", AUS_AEAD_AES256_GCM, "payload_aad", "pt", "payload_ciphertext",
            "payload_auth_tag");
    kat_gcm(c4, "key", AUS_AEAD_AES256_GCM, "bib_aad", "bibpt", "bib_ciphertext", "bib_auth_tag");
    cJSON_Delete(c4);
    aus_crypto_key_retire(C, 2, 0x101);
    cJSON_Delete(j);
}

/* The keystore retires a key's contexts on every change of the key (DESIGN.md §5). */
static void test_keystore_retires(void **st)
{
    (void)st;
    aus_store s;
    aus_keys ks;
    uint8_t kek[32], k1[32], k2[32], got[32], iv[12], pt[32], ct[32], tag[16], rct[32], rtag[16];
    size_t gl = 0;
    fill(kek, 32, 41);
    fill(k1, 32, 42);
    fill(k2, 32, 43);
    fill(iv, 12, 44);
    fill(pt, 32, 45);
    tst_store *mem = tst_store_new();
    s = tst_store_iface(mem);
    assert_int_equal(aus_keys_open(&ks, &s, C, kek, 32, "keys/k/"), AUS_OK);
    assert_int_equal(aus_keys_install(&ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k1, 32, 1),
                     AUS_OK);
    assert_int_equal(aus_keys_activate(&ks, 0x100, 2), AUS_OK);
    size_t base = aus_crypto_key_count(C);
    /* a user names the key in its own domain: the keystore's retire reaches it anyway */
    assert_int_equal(aus_keys_get(&ks, 0x100, AUS_KEY_USE_SEND, 3, got, 32, &gl), AUS_OK);
    aus_crypto_key k = {got, 32, aus_crypto_domain("ag/t1/iv"), 0x100};
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 32, ct, tag, 16),
        AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 1);
    /* deactivation (a RECV overlap may follow: the context is made again on use) */
    assert_int_equal(aus_keys_deactivate(&ks, 0x100, 4, 10), AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base);
    assert_int_equal(aus_keys_get(&ks, 0x100, AUS_KEY_USE_RECV, 5, got, 32, &gl), AUS_OK);
    assert_int_equal(
        aus_crypto_open_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, ct, 32, tag, 16, rct),
        AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 1);
    /* destruction */
    assert_int_equal(aus_keys_destroy(&ks, 0x100, 11), AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base);
    /* OTAR puts new bytes under the destroyed id: the old context is gone and the new key seals
     * exactly as OpenSSL does with the new bytes */
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 32, ct, tag, 16),
        AUS_OK); /* a stale user that still holds the old bytes */
    assert_int_equal(aus_crypto_key_count(C), base + 1);
    assert_int_equal(aus_keys_install(&ks, 0x100, AUS_KEY_T_SESSION, AUS_KEY_PREACTIVE, k2, 32, 12),
                     AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base);
    assert_int_equal(aus_keys_activate(&ks, 0x100, 13), AUS_OK);
    assert_int_equal(aus_keys_get(&ks, 0x100, AUS_KEY_USE_SEND, 14, got, 32, &gl), AUS_OK);
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 32, ct, tag, 16),
        AUS_OK);
    ref_gcm(k2, iv, 12, NULL, 0, pt, 32, rct, rtag);
    tst_assert_bytes(ct, 32, rct, 32);
    tst_assert_bytes(tag, 16, rtag, 16);
    /* a transaction that is rolled back retires what it touched */
    assert_int_equal(aus_keys_begin(&ks), AUS_OK);
    assert_int_equal(aus_keys_deactivate(&ks, 0x100, 15, 0), AUS_OK);
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 32, ct, tag, 16),
        AUS_OK);
    aus_keys_rollback(&ks);
    assert_int_equal(aus_crypto_key_count(C), base);
    /* closing the keystore retires its keys */
    assert_int_equal(
        aus_crypto_seal_k(C, AUS_AEAD_AES256_GCM, &k, iv, 12, NULL, 0, pt, 32, ct, tag, 16),
        AUS_OK);
    assert_int_equal(aus_crypto_key_count(C), base + 1);
    aus_keys_close(&ks);
    assert_int_equal(aus_crypto_key_count(C), base);
    aus_wipe(got, sizeof got);
    tst_store_free(mem);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_retire_leaves_nothing),
        cmocka_unit_test(test_replaced_key_never_uses_old_schedule),
        cmocka_unit_test(test_keyed_matches_oneshot),
        cmocka_unit_test(test_hmac_states_sha384_512),
        cmocka_unit_test(test_hmac256_every_length),
        cmocka_unit_test(test_open_failure_wipes),
        cmocka_unit_test(test_keyed_iv_is_the_callers),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_kat_keyed),
        cmocka_unit_test(test_keystore_retires),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
