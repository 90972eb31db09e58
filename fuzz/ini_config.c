/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the daemons' INI configuration parser (apps/australis/daemon/config.c): never a crash,
 * every refusal is a sentence (on stderr) and a -1. The parser reads a file, so the input is
 * written to a memfd first. Run with -close_fd_mask=2 to silence the refusal sentences. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../apps/australis/common/util.c"
#include "../apps/australis/daemon/config.c"
#include "../apps/australis/common/cl_ccsds_util.c"
#include "../apps/australis/daemon/net_config.c"
#include "../apps/australis/daemon/config_sections.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dmn_config c;
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("ini", 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    (void)dmn_config_load(&c, path);
    return 0;
}
