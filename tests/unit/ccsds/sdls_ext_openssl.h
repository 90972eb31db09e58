/* SPDX-License-Identifier: Apache-2.0 */
/* Test-only aus_sdls_ext_ops on OpenSSL: AES-256-CMAC and AES-256-CBC, the two CryptoLib
 * algorithms the crypto provider does not offer. Lets the CMAC / CBC vectors run exactly. */
#ifndef SDLS_EXT_OPENSSL_H
#define SDLS_EXT_OPENSSL_H

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

#include "australis/sdls.h"

static aus_err tst_ext_mac(void *self, uint8_t acs, const uint8_t *key, size_t keylen,
                           const aus_iov *in, size_t nin, uint8_t *out, size_t *outlen)
{
    (void)self;
    if (acs != AUS_SDLS_ACS_CMAC_AES256)
        return AUS_E_UNSUPPORTED;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
    char cipher[] = "AES-256-CBC";
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                       OSSL_PARAM_construct_end()};
    int ok = c && keylen >= 32 && EVP_MAC_init(c, key, 32, p) == 1;
    for (size_t i = 0; ok && i < nin; i++)
        ok = EVP_MAC_update(c, in[i].p, in[i].n) == 1;
    size_t n = 0;
    ok = ok && EVP_MAC_final(c, out, &n, 16) == 1;
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(m);
    *outlen = n;
    return ok ? AUS_OK : AUS_E_CRYPTO;
}

static aus_err tst_ext_cbc(void *self, int enc, const uint8_t *key, size_t keylen,
                           const uint8_t *iv, size_t ivlen, uint8_t *buf, size_t len)
{
    (void)self;
    uint8_t iv16[16] = {0}; /* libgcrypt zero-extends a short IV (vectors README) */
    memcpy(iv16, iv, ivlen < 16 ? ivlen : 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = c && keylen >= 32 &&
             EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv16, enc) == 1 &&
             EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
             EVP_CipherUpdate(c, buf, &n1, buf, (int)len) == 1 &&
             EVP_CipherFinal_ex(c, buf + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? AUS_OK : AUS_E_CRYPTO;
}

static const aus_sdls_ext_ops tst_ext_ops = {.mac = tst_ext_mac, .cbc = tst_ext_cbc};

#endif
