/* SPDX-License-Identifier: Apache-2.0 */
/* aus_cpu_features() for the POSIX port (include/australis/base.h): the CPU features the core
 * cannot query itself because it may not call libc. Linux on aarch64 reports them in the
 * auxiliary vector (getauxval reads a copy kept by the C library: cheap enough per call). */
#include "australis/base.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1UL << 7) /* Linux arch/arm64/include/uapi/asm/hwcap.h */
#endif
unsigned aus_cpu_features(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? AUS_CPU_ARM_CRC32 : 0u;
}
#else
unsigned aus_cpu_features(void) { return 0; }
#endif
