/* SPDX-License-Identifier: Apache-2.0 */
#include "australis/crypto.h"

size_t aus_hash_len(aus_hash_alg alg)
{
    switch (alg) {
    case AUS_HASH_SHA256:
    case AUS_HASH_SHA3_256: return 32;
    case AUS_HASH_SHA384: return 48;
    case AUS_HASH_SHA512:
    case AUS_HASH_SHA3_512: return 64;
    default: return 0;
    }
}
