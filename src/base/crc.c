/* CRCs used by BPv7 (RFC 9171 §4.2.1) and CCSDS frames (FECF).
 * Table-driven, tables computed at compile time would need a generator; we build them
 * lazily into static storage on first use instead (no allocation, idempotent). */
#include "australis/base.h"

static uint16_t t_x25[8][256];
static uint16_t t_ccitt[8][256];
static uint32_t t_32c[8][256];
static volatile int tables_ready;

static void build_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint16_t a = (uint16_t)i; /* reflected 0x1021 = 0x8408 */
        for (int k = 0; k < 8; k++)
            a = (uint16_t)((a & 1) ? (a >> 1) ^ 0x8408u : a >> 1);
        t_x25[0][i] = a;
        uint16_t b = (uint16_t)(i << 8);
        for (int k = 0; k < 8; k++)
            b = (uint16_t)((b & 0x8000u) ? (uint16_t)(b << 1) ^ 0x1021u : (uint16_t)(b << 1));
        t_ccitt[0][i] = b;
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t_32c[0][i] = c;
    }
    /* slicing-by-8 tables for CRC-32C */
    for (uint32_t i = 0; i < 256; i++)
        for (int s = 1; s < 8; s++) {
            t_32c[s][i] = (t_32c[s - 1][i] >> 8) ^ t_32c[0][t_32c[s - 1][i] & 0xFF];
            /* non-reflected: the byte followed by s zero bytes */
            uint16_t v = t_ccitt[s - 1][i];
            t_ccitt[s][i] = (uint16_t)((uint16_t)(v << 8) ^ t_ccitt[0][v >> 8]);
            uint16_t r = t_x25[s - 1][i];
            t_x25[s][i] = (uint16_t)((r >> 8) ^ t_x25[0][r & 0xFF]);
        }
    tables_ready = 1;
}

static inline void ensure(void)
{
    if (!tables_ready)
        build_tables();
}

uint16_t aus_crc16_x25_update(uint16_t crc, const uint8_t *p, size_t n)
{
    ensure();
    while (n >= 8) {
        uint16_t x = (uint16_t)(crc ^ (p[0] | p[1] << 8));
        crc = (uint16_t)(t_x25[7][x & 0xFF] ^ t_x25[6][x >> 8] ^ t_x25[5][p[2]] ^ t_x25[4][p[3]] ^
                         t_x25[3][p[4]] ^ t_x25[2][p[5]] ^ t_x25[1][p[6]] ^ t_x25[0][p[7]]);
        p += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; i++)
        crc = (uint16_t)((crc >> 8) ^ t_x25[0][(crc ^ p[i]) & 0xFF]);
    return crc;
}

uint16_t aus_crc16_x25(const uint8_t *p, size_t n)
{
    return (uint16_t)~aus_crc16_x25_update(0xFFFF, p, n);
}

uint16_t aus_crc16_ccitt_update(uint16_t crc, const uint8_t *p, size_t n)
{
    ensure();
    /* slicing-by-8: the CRC is linear, so 8 bytes are the XOR of their separate effects */
    while (n >= 8) {
        crc = (uint16_t)(t_ccitt[7][(crc >> 8) ^ p[0]] ^ t_ccitt[6][(crc & 0xFF) ^ p[1]] ^
                         t_ccitt[5][p[2]] ^ t_ccitt[4][p[3]] ^ t_ccitt[3][p[4]] ^ t_ccitt[2][p[5]] ^
                         t_ccitt[1][p[6]] ^ t_ccitt[0][p[7]]);
        p += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; i++)
        crc = (uint16_t)((uint16_t)(crc << 8) ^ t_ccitt[0][((crc >> 8) ^ p[i]) & 0xFF]);
    return crc;
}

uint16_t aus_crc16_ccitt(const uint8_t *p, size_t n)
{
    return aus_crc16_ccitt_update(0xFFFF, p, n);
}

uint32_t aus_crc32c_update(uint32_t crc, const uint8_t *p, size_t n)
{
    ensure();
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = t_32c[7][lo & 0xFF] ^ t_32c[6][(lo >> 8) & 0xFF] ^ t_32c[5][(lo >> 16) & 0xFF] ^
              t_32c[4][lo >> 24] ^ t_32c[3][p[4]] ^ t_32c[2][p[5]] ^ t_32c[1][p[6]] ^
              t_32c[0][p[7]];
        p += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; i++)
        crc = (crc >> 8) ^ t_32c[0][(crc ^ p[i]) & 0xFF];
    return crc;
}

uint32_t aus_crc32c(const uint8_t *p, size_t n) { return ~aus_crc32c_update(0xFFFFFFFFu, p, n); }
