/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the src/bpsec files (not installed). */
#ifndef AUS_BPSEC_INT_H
#define AUS_BPSEC_INT_H

#include "australis/base.h"
#include "australis/bpsec.h"
#include "australis/bpv7.h"
#include "australis/cbor.h"

/* CBOR decoding strictness for everything inside a block: RFC 9172 security results are only
 * stable if each value has a single encoding (RFC 8949 §4.2.1 deterministic encoding). */
#define BPSEC_CBOR (AUS_CBOR_STRICT | AUS_CBOR_NO_INDEF)

/* RFC 9173 parameters of one security block, decoded and checked. */
typedef struct sc_params {
    int variant;            /* aus_hash_alg (BIB) or aus_aead_alg (BCB) */
    uint8_t scope;          /* scope flags */
    const uint8_t *wrapped; /* wrapped key or NULL */
    size_t wrapped_len;
    const uint8_t *iv; /* BCB */
    size_t iv_len;
} sc_params;

/* Decode the RFC 9173 parameters of a BIB (ctx 1) / BCB (ctx 2). Errors: MALFORMED (value of
 * the wrong CBOR type or length, missing IV), UNSUPPORTED (unknown variant / parameter id). */
AUS_MUST_USE aus_err bpsec_bib_params(const aus_bpsec_asb *a, sc_params *sp);
AUS_MUST_USE aus_err bpsec_bcb_params(const aus_bpsec_asb *a, sc_params *sp);
/* The same without their byte-compare fast paths (the reference the unit tests compare to). */
AUS_MUST_USE aus_err bpsec_bib_params_general(const aus_bpsec_asb *a, sc_params *sp);
AUS_MUST_USE aus_err bpsec_bcb_params_general(const aus_bpsec_asb *a, sc_params *sp);
/* aus_bpsec_asb_decode without its fast path (the reference the unit tests compare it to). */
AUS_MUST_USE aus_err bpsec_asb_decode_general(aus_bpsec_asb *a, const uint8_t *p, size_t n);
/* aus_bpsec_asb_decode for a scratch ASB that nobody reads after an error: the same result on
 * success, the same error, but a's contents are unspecified after an error (the fast path
 * decodes in place instead of through a copy). */
AUS_MUST_USE aus_err bpsec_asb_decode_scratch(aus_bpsec_asb *a, const uint8_t *p, size_t n);
/* View of the single result (id 1, byte string) of target i; want_len checked. */
aus_err bpsec_result_bstr(const aus_bpsec_asb *a, size_t i, size_t want_len, const uint8_t **p);
/* bpsec_result_bstr without its byte-compare fast path (the reference the unit tests compare
 * it to). */
aus_err bpsec_result_bstr_general(const aus_bpsec_asb *a, size_t i, size_t want_len,
                                  const uint8_t **p);

/* The scatter list of the RFC 9173 §3.7 IPPT / §4.7 AAD. Pieces point into `b`'s bytes,
 * into buf, and into the small encodings kept here. */
typedef struct sc_scatter {
    aus_iov iov[6]; /* scope, primary, target hdr, security hdr, data head, data */
    size_t n;
    uint8_t scope_enc[9];
    uint8_t thdr[27];
    uint8_t shdr[27];
    uint8_t dhead[9];
} sc_scatter;

/* Header triple of a block: CBOR uint type, number, flags (RFC 9173 §3.7 / §4.7.1). */
size_t bpsec_hdr_enc(uint8_t out[27], uint64_t type, uint64_t num, uint64_t flags);

/* IPPT for a BIB target. pri: raw primary block; tgt: NULL for the primary block target
 * (whose data is then the primary block as a byte string), else the target block with data
 * at tdata. */
void bpsec_ippt(sc_scatter *s, uint8_t scope, const uint8_t *pri, size_t pri_len,
                const aus_bpv7_block *tgt, const uint8_t *tdata, uint64_t sec_type,
                uint64_t sec_num, uint64_t sec_flags);
/* AAD for a BCB target (no data piece). */
void bpsec_aad(sc_scatter *s, uint8_t scope, const uint8_t *pri, size_t pri_len,
               const aus_bpv7_block *tgt, uint64_t sec_type, uint64_t sec_num, uint64_t sec_flags);

/* Recompute the CRC of the block at buf[off..off+len) (crc_type 1/2) in place. */
void bpsec_fix_crc(uint8_t *buf, size_t off, size_t len, unsigned crc_type);

/* Index of block number num in b, -1 if absent (0 = primary: -2). */
long bpsec_find_num(const aus_bpv7_bundle *b, uint64_t num);

/* Obtain the working key: direct key, or session key unwrapped from `wrapped` under it (KEK).
 * out must hold AUS_BPSEC_KEY_MAX bytes. Errors: AUTH (unwrap integrity), KEY, MALFORMED. */
AUS_MUST_USE aus_err bpsec_key_unwrap(const aus_crypto *c, const uint8_t *key, size_t key_len,
                                      const uint8_t *wrapped, size_t wrapped_len, uint8_t *out,
                                      size_t *out_len);

/* bpsec_node.c internals shared with bpsec_protect.c / bpsec_accept.c */
AUS_MUST_USE aus_err bpsec_store_key(char out[AUS_STORE_KEY_MAX], const char *kind,
                                     const uint32_t *tenant, const char *source);
AUS_MUST_USE aus_err bpsec_ctr_for(aus_bpsec_ctx *ctx, const char *key, aus_ctr **out);
AUS_MUST_USE aus_err bpsec_window_for(aus_bpsec_ctx *ctx, const char *key, uint32_t size,
                                      aus_replay **out);
/* Make w's update under key durable now, or at the open batch's commit. */
AUS_MUST_USE aus_err bpsec_window_record(aus_bpsec_ctx *ctx, aus_replay *w, const char *key);
const aus_bpsec_policy *bpsec_policy_for(const aus_bpsec_ctx *ctx, int has, uint32_t tenant);
int bpsec_eid_match(const char *pat, const char *eid);

#endif
