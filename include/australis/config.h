/* SPDX-License-Identifier: Apache-2.0 */
/* Compile-time knobs: every fixed-size pool in the core is sized here (DESIGN.md §5).
 * Override with -D at build time; each value is documented with what it bounds. */
#ifndef AUSTRALIS_CONFIG_H
#define AUSTRALIS_CONFIG_H

#define AUS_VERSION_STRING "0.1.0"

/* Canonical blocks (payload included) an aus_bpv7_bundle holds in its own array (blk_own):
 * the capacity of aus_bpv7_init / aus_bpv7_decode and of every bundle the core decodes for
 * itself (BPSec, the agent), and the length of a receipt's discard / report lists. RFC 9171
 * sets no limit on the number of blocks; this is a resource bound, refused with AUS_E_BLOCKS.
 * A caller that wants another capacity passes its own array (aus_bpv7_decode_blocks,
 * aus_bpv7_init_blocks). Default 256 (about 20 kB per bundle struct); a flight build short
 * of memory sets it lower with -D (the floor the daemons promise is 256). */
#ifndef AUS_BPV7_MAX_BLOCKS
#define AUS_BPV7_MAX_BLOCKS 256
#endif

/* Maximum length of an endpoint ID's SSP (dtn: scheme) in bytes. */
#ifndef AUS_EID_MAX_SSP
#define AUS_EID_MAX_SSP 255
#endif

/* Maximum CBOR nesting depth accepted by the generic item walker. */
#ifndef AUS_CBOR_MAX_DEPTH
#define AUS_CBOR_MAX_DEPTH 16
#endif

/* Maximum targets in one abstract security block (RFC 9172 §3.6). */
#ifndef AUS_BPSEC_MAX_TARGETS
#define AUS_BPSEC_MAX_TARGETS 8
#endif

/* Maximum parameters / results per target in one abstract security block. */
#ifndef AUS_BPSEC_MAX_PARAMS
#define AUS_BPSEC_MAX_PARAMS 8
#endif

/* Default anti-replay window (sequence numbers) for BPSec and SDLS. */
#ifndef AUS_REPLAY_WINDOW_DEFAULT
#define AUS_REPLAY_WINDOW_DEFAULT 64
#endif

/* Counters (IVs, sequence numbers) are reserved in the durable store in blocks of this size
 * before use, so a crash skips at most one block and never repeats a value. */
#ifndef AUS_CTR_RESERVE_BLOCK
#define AUS_CTR_RESERVE_BLOCK 1024
#endif

/* Maximum disjoint byte ranges tracked while reassembling one fragmented bundle (RFC 9171 §5.9);
 * more pieces than this before they merge is AUS_E_LIMIT. */
#ifndef AUS_BPV7_REASM_MAX_RANGES
#define AUS_BPV7_REASM_MAX_RANGES 32
#endif

#endif
