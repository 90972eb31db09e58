/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the application ADU decoder (src/app/app_codec.c): never a crash; whatever decodes
 * re-encodes to the same bytes (the codec accepts only the deterministic encoding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static aus_app_msg m;
    static uint8_t out[1 << 17];
    if (aus_app_decode(&m, data, size) != AUS_OK)
        return 0;
    size_t n = 0;
    if (aus_app_encode(&m, out, sizeof out, &n) != AUS_OK || n != size || memcmp(out, data, n))
        abort();
    return 0;
}
