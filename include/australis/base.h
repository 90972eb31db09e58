/* SPDX-License-Identifier: Apache-2.0 */
/* Base helpers: CRCs, constant-time compare, secure wipe. */
#ifndef AUSTRALIS_BASE_H
#define AUSTRALIS_BASE_H

#include <stddef.h>
#include <stdint.h>

#include "australis/config.h"
#include "australis/cursor.h"
#include "australis/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* CRC-16/X-25 (BPv7 CRC type 1, RFC 9171 §4.2.1): poly 0x1021 reflected, init/xorout 0xFFFF.
 * Check value over "123456789" is 0x906E. */
uint16_t aus_crc16_x25(const uint8_t *p, size_t n);
/* Incremental form: start with crc = 0xFFFF, feed, finish with ~crc. */
uint16_t aus_crc16_x25_update(uint16_t crc, const uint8_t *p, size_t n);
/* CRC-32C Castagnoli (BPv7 CRC type 2): reflected 0x82F63B78, init/xorout 0xFFFFFFFF.
 * Check value 0xE3069283. */
uint32_t aus_crc32c(const uint8_t *p, size_t n);
uint32_t aus_crc32c_update(uint32_t crc, const uint8_t *p, size_t n);
/* CRC-16/CCITT-FALSE (CCSDS TM/TC FECF): poly 0x1021, init 0xFFFF, no reflection, no xorout.
 * Check value 0x29B1. */
uint16_t aus_crc16_ccitt(const uint8_t *p, size_t n);
uint16_t aus_crc16_ccitt_update(uint16_t crc, const uint8_t *p, size_t n);
/* aus_crc32c / aus_crc16_x25 use the CPU's CRC instructions where it has them (x86-64: SSE4.2
 * crc32 + PCLMULQDQ; aarch64: Armv8 CRC32C), chosen at run time, else slicing-by-8 tables.
 * The portable forms below are that fallback and the reference the others are tested
 * against; same arguments and results as the _update forms. */
uint32_t aus_crc32c_update_portable(uint32_t crc, const uint8_t *p, size_t n);
uint16_t aus_crc16_x25_update_portable(uint16_t crc, const uint8_t *p, size_t n);
/* A constant sentence naming the CRC implementation this CPU runs (logs, benchmarks). */
const char *aus_crc_impl(void);
/* Supplied by the platform port (like aus_crypto_platform): the CPU features the core may use
 * that only the platform can query (port/posix: getauxval). Consulted only by aarch64 builds
 * without __ARM_FEATURE_CRC32; builds for a known CPU (-mcpu=..., -march=armv8-a+crc) never
 * call it. A port that cannot tell returns 0 and gets the portable code. */
#define AUS_CPU_ARM_CRC32 0x1u /* Armv8 CRC32 / CRC32C instructions */
unsigned aus_cpu_features(void);

/* Constant-time equality of n bytes: 1 if equal, 0 otherwise. Time depends only on n. */
int aus_ct_eq(const void *a, const void *b, size_t n);
/* Constant-time order of two n-byte big-endian numbers (memcmp's order): -1, 0 or 1. Time
 * depends only on n. */
int aus_ct_cmp(const void *a, const void *b, size_t n);
/* Constant-time: 1 if all n bytes are zero. */
int aus_ct_is_zero(const void *a, size_t n);
/* Wipe n bytes through a volatile pointer so the store is not optimised away. */
void aus_wipe(void *p, size_t n);
/* v as `digits` (1..16) lowercase hex digits, most significant first, no NUL: the one hex writer
 * of the tree (store keys, link file names), fixed width so that byte order is numeric order. */
void aus_hex_put(char *out, uint64_t v, unsigned digits);

#ifdef __cplusplus
}
#endif
#endif
