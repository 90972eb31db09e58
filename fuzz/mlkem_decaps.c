/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: ML-KEM-768 decapsulation (and encapsulation) on hostile inputs.
 *
 * The first byte selects a mode; the rest feeds it (short inputs are zero-padded):
 *   0: decaps(random ct, random dk): must return AUS_OK or AUS_E_MALFORMED (hash check),
 *      with a zeroed ss on error.
 *   1: as 0 but with H(ek) fixed up inside dk, so the hash check passes and the whole of
 *      K-PKE.Decrypt / re-encryption runs on garbage: must return AUS_OK, deterministically.
 *   2: a valid key pair from (d, z), encaps with m, then ct ^= fuzz bytes: decaps must give
 *      K when ct is unchanged, otherwise J(z || ct) (implicit rejection).
 *   3: encaps with a random ek: AUS_OK exactly when every 12-bit value is < q.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/base.h"
#include "australis/crypto.h"
#include "australis/pq.h"

#define EKB AUS_MLKEM768_EK_BYTES
#define DKB AUS_MLKEM768_DK_BYTES
#define CTB AUS_MLKEM768_CT_BYTES

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void take(uint8_t *dst, size_t n, const uint8_t **p, size_t *left)
{
    size_t k = *left < n ? *left : n;
    memset(dst, 0, n);
    memcpy(dst, *p, k);
    *p += k;
    *left -= k;
}

static void check(int ok)
{
    if (!ok)
        abort();
}

static void hash(aus_hash_alg alg, const aus_iov *in, size_t nin, uint8_t *out, size_t len)
{
    const aus_crypto *c = aus_crypto_default();
    check(c->ops->hash(c->self, alg, in, nin, out, len) == AUS_OK);
}

static void mode_raw(const uint8_t *p, size_t left, int fix)
{
    static uint8_t dk[DKB], ct[CTB];
    uint8_t ss[32], ss2[32];
    take(dk, DKB, &p, &left);
    take(ct, CTB, &p, &left);
    if (fix) {
        aus_iov in = {dk + 1152, EKB};
        hash(AUS_HASH_SHA3_256, &in, 1, dk + 1152 + EKB, 32);
    }
    aus_err rc = aus_mlkem768_decaps(ss, ct, dk);
    check(rc == AUS_OK || (!fix && rc == AUS_E_MALFORMED));
    if (rc != AUS_OK) {
        check(aus_ct_is_zero(ss, 32));
        return;
    }
    check(aus_mlkem768_decaps(ss2, ct, dk) == AUS_OK && memcmp(ss, ss2, 32) == 0);
}

static void mode_valid(const uint8_t *p, size_t left)
{
    static uint8_t ek[EKB], dk[DKB], ct[CTB], diff[CTB];
    uint8_t d[32], z[32], m[32], k[32], ss[32], want[32];
    take(d, 32, &p, &left);
    take(z, 32, &p, &left);
    take(m, 32, &p, &left);
    take(diff, CTB, &p, &left);
    check(aus_mlkem768_keygen_derand(ek, dk, d, z) == AUS_OK);
    check(aus_mlkem768_encaps_derand(ct, k, ek, m) == AUS_OK);
    for (size_t i = 0; i < CTB; i++)
        ct[i] ^= diff[i];
    check(aus_mlkem768_decaps(ss, ct, dk) == AUS_OK);
    if (aus_ct_is_zero(diff, CTB)) {
        check(memcmp(ss, k, 32) == 0);
        return;
    }
    aus_iov in[2] = {{z, 32}, {ct, CTB}};
    hash(AUS_HASH_SHAKE256, in, 2, want, 32);
    check(memcmp(ss, want, 32) == 0);
}

static void mode_encaps(const uint8_t *p, size_t left)
{
    static uint8_t ek[EKB], ct[CTB];
    uint8_t m[32] = {0}, ss[32];
    take(ek, EKB, &p, &left);
    int reduced = 1;
    for (size_t i = 0; i + 3 <= 1152; i += 3) {
        unsigned t0 = ek[i] | (unsigned)(ek[i + 1] & 0x0F) << 8;
        unsigned t1 = (unsigned)ek[i + 1] >> 4 | (unsigned)ek[i + 2] << 4;
        reduced &= t0 < 3329 && t1 < 3329;
    }
    aus_err rc = aus_mlkem768_encaps_derand(ct, ss, ek, m);
    check(rc == (reduced ? AUS_OK : AUS_E_MALFORMED));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0: mode_raw(data + 1, size - 1, 0); break;
    case 1: mode_raw(data + 1, size - 1, 1); break;
    case 2: mode_valid(data + 1, size - 1); break;
    default: mode_encaps(data + 1, size - 1); break;
    }
    return 0;
}
