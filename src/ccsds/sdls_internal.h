/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the SDLS files (not a public header). */
#ifndef AUSTRALIS_SDLS_INTERNAL_H
#define AUSTRALIS_SDLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "australis/sdls.h"

/* The SA with this SPI (state != NONE) or NULL. */
aus_sdls_sa *sdls_sa_lookup(aus_sdls_table *t, uint16_t spi);
/* Make sure the SA's next IV / SN lie below a durable reservation (store put first). */
AUS_MUST_USE aus_err sdls_reserve(aus_sdls_table *t, aus_sdls_sa *sa);
/* Write "<prefix><kind><spi>" = ekid | iv_len | iv | arsn_len | arsn (no-op without a store). */
AUS_MUST_USE aus_err sdls_put_counters(aus_sdls_table *t, const char *kind, const aus_sdls_sa *sa,
                                       const uint8_t *iv, const uint8_t *arsn);
/* Big-endian unsigned compare of two n-octet strings: <0, 0, >0. */
int sdls_be_cmp(const uint8_t *a, const uint8_t *b, size_t n);
/* a += v modulo 2^(8n); returns 1 when the addition wrapped. */
int sdls_be_add(uint8_t *a, size_t n, uint64_t v);

#endif
