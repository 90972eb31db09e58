/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the TCPCLv4 message codec (RFC 9174 §4.2-§6.1): contact header, every message,
 * session and transfer extension items. A decoded message re-encodes to the same octets. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "australis/tcpcl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[AUS_TCPCL_HEAD_MAX + 65536];
    uint8_t v, f;
    (void)aus_tcpcl_ch_decode(data, size, &v, &f);
    for (int head_only = 0; head_only < 2; head_only++) {
        aus_tcpcl_msg m, m2;
        size_t used = 0, used2 = 0;
        aus_err e = aus_tcpcl_msg_decode(data, size, head_only, &m, &used);
        if (e != AUS_OK)
            continue;
        if (used > size)
            abort();
        if (m.next > AUS_TCPCL_EXT_ITEMS_MAX)
            continue; /* the encoder keeps the first items only */
        long k = aus_tcpcl_msg_encode(&m, head_only, out, sizeof out);
        if (k < 0) {
            if (m.type == AUS_TCPCL_XFER_SEGMENT && m.length > sizeof out - AUS_TCPCL_HEAD_MAX)
                continue;
            abort();
        }
        if ((size_t)k != used || memcmp(out, data, used) != 0)
            abort(); /* not canonical: the layouts have one encoding per message */
        if (aus_tcpcl_msg_decode(out, (size_t)k, head_only, &m2, &used2) != AUS_OK || used2 != used)
            abort();
    }
    return 0;
}
