/* SPDX-License-Identifier: Apache-2.0 */
/* UDPCL: one bundle per datagram (the convention of ION, HDTN and BPLib), sans sockets.
 *
 * Sending: a bundle that fits the path MTU goes as it is; a larger one is cut into BPv7
 * fragments (RFC 9171 §5.8) that each fit one datagram: the first carries every block, the
 * others the blocks flagged "replicate in every fragment". A bundle flagged "must not be
 * fragmented" (RFC 9171 §4.2.3; the daemons' own bundles are) goes whole in one datagram of up
 * to AUS_UDPCL_DGRAM_MAX octets, which the IP layer fragments.
 * Receiving: a datagram that is a whole bundle is handed up as it is; a fragment goes into one
 * of AUS_UDPCL_REASM reassemblies (RFC 9171 §5.9; each at most max_bundle octets, the stalest
 * one given up for a new bundle, any one untouched for AUS_UDPCL_REASM_MS dropped); anything
 * else is junk: counted and dropped. Used by `australis udpcl` and `link = udpcl`; fuzzed by
 * fuzz/udpcl_rx.c. */
#ifndef AUS_UDPCL_POSIX_H
#define AUS_UDPCL_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "australis/bpv7.h"

#define AUS_UDPCL_DGRAM_MAX 65507u /* largest UDP payload over IPv4 */
#define AUS_UDPCL_REASM 8
#define AUS_UDPCL_REASM_MS 30000u

/* Emit b (n octets at p, decoded into b) in datagrams of at most mtu octets through emit (its
 * non-zero return stops). Returns the number of datagrams, or a negative aus_err: LIMIT (its
 * blocks alone do not fit mtu), NOBUFS, the fragmenter's errors, IO (emit failed). */
long aus_udpcl_emit(const aus_bpv7_bundle *b, const uint8_t *p, size_t n, size_t mtu,
                    int (*emit)(void *u, const uint8_t *p, size_t n), void *u);

typedef struct aus_udpcl_slot {
    int used;
    aus_bpv7_reasm ra;
    uint8_t *adu;
    uint8_t *first_bytes;
    aus_bpv7_bundle first;
    uint64_t touched;
} aus_udpcl_slot;

typedef struct aus_udpcl_rx {
    size_t max_bundle;
    aus_udpcl_slot slot[AUS_UDPCL_REASM];
    aus_bpv7_bundle b; /* scratch */
    uint64_t bundles, fragments, junk, given_up;
} aus_udpcl_rx;

void aus_udpcl_rx_init(aus_udpcl_rx *r, size_t max_bundle);
void aus_udpcl_rx_free(aus_udpcl_rx *r);
/* One datagram. Returns 1 with a whole bundle in *out / *len (*out malloc'd: free it), 0 when
 * it was a fragment kept for later, -1 when it was junk (counted). now: ms, any clock. */
int aus_udpcl_rx_datagram(aus_udpcl_rx *r, const uint8_t *p, size_t n, uint64_t now, uint8_t **out,
                          size_t *len);

#endif
