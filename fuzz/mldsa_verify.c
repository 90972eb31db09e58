/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: ML-DSA-65 verification of hostile signatures (FIPS 204 Alg. 3 / 8).
 *
 * The first byte selects a mode; the rest feeds it (short inputs are zero-padded):
 *   0: a random signature (and message) against a fixed valid public key: must be rejected
 *      with AUS_E_AUTH (a forgery from random bytes would be a break).
 *   1: a fixed valid signature XORed with the fuzz bytes from a fuzz-chosen offset (so the
 *      hint area and the z bounds get hit): AUS_OK exactly when nothing changed (ML-DSA is
 *      strongly unforgeable and HintBitUnpack makes the encoding unique), else AUS_E_AUTH.
 *   2: random public key and signature: AUS_OK or AUS_E_AUTH, never anything else.
 *   3: the raw input as a signature of its own length (aus_mldsa65_verify_n): any length but
 *      3309 is AUS_E_AUTH without reading past the buffer.
 * Any other outcome aborts, so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/pq.h"
#include "pq/mldsa_internal.h"

#define PKB AUS_MLDSA65_PK_BYTES
#define SKB AUS_MLDSA65_SK_BYTES
#define SIGB AUS_MLDSA65_SIG_BYTES

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t g_pk[PKB], g_sig[SIGB];
static const uint8_t g_msg[] = "fuzz: signed telecommand";
static const uint8_t g_ctx[] = "australis";

static void init(void)
{
    static int done;
    static uint8_t sk[SKB];
    if (done)
        return;
    uint8_t xi[32] = {1, 2, 3}, rnd[32] = {0};
    if (aus_mldsa65_keygen_derand(g_pk, sk, xi) != AUS_OK ||
        aus_mldsa65_sign_derand(g_sig, g_msg, sizeof g_msg, g_ctx, sizeof g_ctx, sk, rnd) != AUS_OK)
        abort();
    done = 1;
}

static void take(uint8_t *dst, size_t n, const uint8_t **p, size_t *left)
{
    size_t k = *left < n ? *left : n;
    memset(dst, 0, n);
    memcpy(dst, *p, k);
    *p += k;
    *left -= k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t sig[SIGB], pk[PKB];
    init();
    if (size < 1)
        return 0;
    uint8_t mode = data[0] & 3;
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    aus_err rc;
    switch (mode) {
    case 0:
        take(sig, SIGB, &p, &left);
        rc = aus_mldsa65_verify(sig, p, left, NULL, 0, g_pk);
        if (rc != AUS_E_AUTH)
            abort();
        break;
    case 1: {
        uint8_t off[2] = {0, 0};
        take(off, 2, &p, &left);
        size_t at = ((size_t)off[0] << 8 | off[1]) % SIGB;
        memcpy(sig, g_sig, SIGB);
        for (size_t i = 0; i < left && at + i < SIGB; i++)
            sig[at + i] ^= p[i];
        int same = memcmp(sig, g_sig, SIGB) == 0;
        rc = aus_mldsa65_verify(sig, g_msg, sizeof g_msg, g_ctx, sizeof g_ctx, g_pk);
        if (rc != (same ? AUS_OK : AUS_E_AUTH))
            abort();
        break;
    }
    case 2:
        take(pk, PKB, &p, &left);
        take(sig, SIGB, &p, &left);
        rc = aus_mldsa65_verify(sig, g_msg, sizeof g_msg, NULL, 0, pk);
        if (rc != AUS_OK && rc != AUS_E_AUTH)
            abort();
        break;
    default:
        rc = aus_mldsa65_verify_n(p, left, g_msg, sizeof g_msg, g_ctx, sizeof g_ctx, g_pk);
        if (rc != AUS_OK && rc != AUS_E_AUTH)
            abort();
        if (left != SIGB && rc != AUS_E_AUTH)
            abort();
        break;
    }
    return 0;
}
