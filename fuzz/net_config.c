/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the [tcpcl], [udpcl] and [gateway] config parser (apps/australis/daemon/net_config.c):
 * never a crash, a refusal is -1 with a sentence, an accepted config keeps its bounds (every
 * address splits, at most DMN_GW_PEERS peers, MTU in range). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/australis/common/util.c"
#include "../apps/australis/daemon/net_config.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dmn_net nc;
    char why[400];
    int line = 0;
    if (dmn_net_parse(&nc, (const char *)data, size, &line, why, sizeof why) != 0) {
        if (!why[0] || line < 0)
            abort();
        return 0;
    }
    char h[DMN_NET_ADDR], p[8];
    if (nc.npeer > DMN_GW_PEERS || nc.mtu < 576 || nc.mtu > 65507 || nc.seg_mru < 1024)
        abort();
    if (nc.tcp_listen[0] && dmn_net_split(nc.tcp_listen, h, sizeof h, p, sizeof p) != 0)
        abort();
    for (size_t i = 0; i < nc.npeer; i++)
        if (!nc.peer[i].node ||
            (nc.peer[i].tcp[0] && dmn_net_split(nc.peer[i].tcp, h, sizeof h, p, sizeof p) != 0))
            abort();
    return 0;
}
