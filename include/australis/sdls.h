/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS — Space Data Link Security (CCSDS 355.0-B) on TC, TM and AOS frames.
 *
 * A caller-allocated SA table (no allocation, sans-I/O) holds the security associations; the
 * frame codecs call apply (protect) / process (verify + decrypt) on a frame buffer:
 *
 *   TC  (232.0): aus_sdls_tc_apply() INSERTS the security header after the primary header (and
 *       segment header) and the trailer before the FECF; the frame grows by
 *       aus_sdls_header_len() + aus_sdls_trailer_len() octets (+ CBC fill) and its Frame
 *       Length field is rewritten.
 *   TM  (132.0) / AOS (732.0): fixed-length frames processed IN PLACE: the caller reserves
 *       aus_sdls_header_len() octets after the primary (+ secondary / FHEC + insert zone)
 *       header and aus_sdls_trailer_len() octets after the data field (before OCF / FECF).
 *
 * Layouts, AAD coverage and the anti-replay rules follow 355.0-B §4 (NASA CryptoLib as the
 * executable reference) except where CryptoLib is defective; docs/standards.md lists them.
 *
 * Security header = SPI (2) | IV (shivf_len) | SN (shsnf_len) | Pad Length (shplf_len);
 * trailer = MAC (stmacf_len). Services: clear, authentication (GMAC / HMAC / CMAC*),
 * encryption (GCM without tag, CBC*), authenticated encryption (AES-256-GCM).
 * (*) CMAC and CBC are not in the crypto provider: they work only when an aus_sdls_ext_ops
 * is installed (tests install one built on OpenSSL); otherwise AUS_E_UNSUPPORTED.
 *
 * Keys are never stored here: the key-lookup ops (aus_sdls_key_ops) return key bytes for a
 * key id and a use, so the keystore (src/keys) decides which states allow what.
 * IVs and sequence numbers handed out on apply are reserved in the durable store before use
 * (same scheme as aus_ctr, over the SA's big-endian counters), so a crash never repeats one.
 */
#ifndef AUSTRALIS_SDLS_H
#define AUSTRALIS_SDLS_H

#include <stddef.h>
#include <stdint.h>

#include "australis/crypto.h"
#include "australis/err.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sizes and knobs ---- */
#ifndef AUS_SDLS_MAX_SA
#define AUS_SDLS_MAX_SA 16 /* SAs per table */
#endif
#ifndef AUS_SDLS_ABM_PREFIX
#define AUS_SDLS_ABM_PREFIX                                                                        \
    64 /* ABM octets stored verbatim; the rest must be one repeated value                          \
        */
#endif
#ifndef AUS_SDLS_KEYRING_MAX
#define AUS_SDLS_KEYRING_MAX 32 /* keys in the simple built-in key ring */
#endif
#define AUS_SDLS_SPI_LEN 2
#define AUS_SDLS_IV_MAX 16   /* full IV (transmitted + non-transmitted) */
#define AUS_SDLS_ARSN_MAX 20 /* full anti-replay sequence number */
#define AUS_SDLS_PAD_MAX 2   /* Pad Length field */
#define AUS_SDLS_MAC_MAX 64  /* MAC field (GCM: 4..16) */
#define AUS_SDLS_KEY_MAX 64
#define AUS_SDLS_TC_MAX_FRAME 1024 /* 232.0 §4.1.2.7 */
#define AUS_SDLS_MAX_FRAME 2048    /* largest TM / AOS frame accepted */

/* SA states (355.0 §5 / 355.1; CryptoLib values). */
typedef enum aus_sdls_sa_state {
    AUS_SDLS_SA_NONE = 0,
    AUS_SDLS_SA_UNKEYED = 1,
    AUS_SDLS_SA_KEYED = 2,
    AUS_SDLS_SA_OPERATIONAL = 3,
} aus_sdls_sa_state;

/* Cipher suites (CryptoLib numbering; no SANA numbers: docs/standards.md SDLS 1). */
typedef enum aus_sdls_ecs {
    AUS_SDLS_ECS_NONE = 0,
    AUS_SDLS_ECS_AES256_GCM = 1,
    AUS_SDLS_ECS_AES256_CBC = 2, /* needs ext ops */
} aus_sdls_ecs;

typedef enum aus_sdls_acs {
    AUS_SDLS_ACS_NONE = 0,
    AUS_SDLS_ACS_CMAC_AES256 = 1, /* needs ext ops */
    AUS_SDLS_ACS_HMAC_SHA256 = 2,
    AUS_SDLS_ACS_HMAC_SHA512 = 3,
} aus_sdls_acs;

/* SA flags. */
#define AUS_SDLS_F_IV_TX_ONLY                                                                      \
    0x01u /* increment only the transmitted IV octets (CryptoLib                                   \
             crypto_increment_nontransmitted_iv = FALSE) */
#define AUS_SDLS_F_AR_OPEN                                                                         \
    0x02u /* anti-replay: accept any SN / IV above the last accepted                               \
             (no upper window bound); used by the CLI's one-SA table */

/* Global VC / MAP binding (set by Start SA). */
typedef struct aus_sdls_gvcid {
    uint8_t tfvn;
    uint16_t scid;
    uint8_t vcid;
    uint8_t mapid;
    uint8_t has_mapid; /* TC: bind to one MAP ID too */
} aus_sdls_gvcid;

/* What Create SA loads (355.1 SA Create fields / CryptoLib SecurityAssociation_t). */
typedef struct aus_sdls_sa_cfg {
    uint16_t spi;
    uint8_t est, ast; /* encryption / authentication service, 0/1 each */
    uint8_t ecs, acs; /* aus_sdls_ecs / aus_sdls_acs */
    uint8_t shivf_len, shsnf_len, shplf_len, stmacf_len;
    uint8_t iv_len;
    uint8_t iv[AUS_SDLS_IV_MAX];
    uint8_t arsn_len;
    uint8_t arsn[AUS_SDLS_ARSN_MAX];
    uint16_t arsnw;     /* anti-replay window: accept stored+1 .. stored+arsnw */
    const uint8_t *abm; /* authentication bit mask (abm_len octets); NULL = all 0xFF */
    uint16_t abm_len;   /* octets of AAD the mask covers; beyond it the mask is 00 */
    uint8_t flags;      /* AUS_SDLS_F_* */
} aus_sdls_sa_cfg;

typedef struct aus_sdls_sa {
    uint16_t spi;
    uint8_t state; /* aus_sdls_sa_state */
    uint8_t lpid;  /* tag of the last EP procedure that touched the SA (set by src/keys) */
    uint16_t ekid, akid;
    uint8_t est, ast, ecs, acs;
    uint8_t shivf_len, shsnf_len, shplf_len, stmacf_len;
    uint8_t iv_len, arsn_len, flags, bound;
    uint16_t arsnw;
    aus_sdls_gvcid gvcid;            /* valid when bound */
    uint8_t iv[AUS_SDLS_IV_MAX];     /* apply: next IV; process: last accepted IV */
    uint8_t arsn[AUS_SDLS_ARSN_MAX]; /* apply: next SN;  process: last accepted SN */
    /* durable reservation (apply side): values below these were reserved in the store */
    uint8_t iv_res[AUS_SDLS_IV_MAX];
    uint8_t arsn_res[AUS_SDLS_ARSN_MAX];
    uint8_t res_valid;
    uint8_t res_tentative; /* reserved inside the caller's transaction: re-check it */
    uint8_t res_reset;     /* ARSN set explicitly (Set ARSN): not raised to the store's */
    uint8_t exhausted;     /* a counter wrapped: no more apply until rekey / set ARSN */
    uint8_t rx_seen;       /* process: a frame was accepted since the counters were (re)set */
    uint16_t abm_len;
    uint8_t abm_tail; /* mask for octets AUS_SDLS_ABM_PREFIX .. abm_len-1 */
    uint8_t abm[AUS_SDLS_ABM_PREFIX];
    uint32_t n_ok, n_auth, n_replay; /* frames accepted / failing MAC / failing anti-replay */
} aus_sdls_sa;

/* Key lookup (implemented by the keystore, src/keys). use: AUS_SDLS_KEY_SEND for apply,
 * AUS_SDLS_KEY_RECV for process (same numbers as aus_key_use). Copies the key into key[cap]
 * and sets *len. Errors: AUS_E_KEY (unknown id), AUS_E_KEY_STATE (key not usable for that use
 * now), AUS_E_NOBUFS. */
#define AUS_SDLS_KEY_SEND 2
#define AUS_SDLS_KEY_RECV 3
typedef struct aus_sdls_key_ops {
    aus_err (*get)(void *self, uint16_t kid, int use, uint64_t now, uint8_t *key, size_t cap,
                   size_t *len);
} aus_sdls_key_ops;

/* Optional algorithms the crypto provider lacks (CMAC, CBC). Either pointer may be NULL. */
typedef struct aus_sdls_ext_ops {
    /* Full MAC (CMAC: 16 octets) over the concatenated iovs; *outlen set. */
    aus_err (*mac)(void *self, uint8_t acs, const uint8_t *key, size_t keylen, const aus_iov *in,
                   size_t nin, uint8_t *out, size_t *outlen);
    /* CBC in place over len octets (a multiple of 16); iv is ivlen octets (zero-extended to
     * 16 as libgcrypt does). */
    aus_err (*cbc)(void *self, int encrypt, const uint8_t *key, size_t keylen, const uint8_t *iv,
                   size_t ivlen, uint8_t *buf, size_t len);
} aus_sdls_ext_ops;

/* Frame Security Report state (355.0; docs/standards.md SDLS 15). */
typedef struct aus_sdls_fsr {
    uint8_t alarm, bad_sn, bad_mac, bad_sa;
    uint16_t last_spi;
    uint8_t last_sn; /* 8 LSBs of the last sequence number */
} aus_sdls_fsr;

typedef struct aus_sdls_table {
    const aus_crypto *crypto;
    const aus_sdls_key_ops *keys;
    void *keys_self;
    const aus_sdls_ext_ops *ext;
    void *ext_self;
    const aus_store *store; /* NULL: counters not persisted (tests, bench) */
    char prefix[32];        /* store-key prefix, e.g. "sdls/tenantA/" */
    aus_sdls_fsr fsr;
    aus_sdls_sa sa[AUS_SDLS_MAX_SA];
} aus_sdls_table;

/* Managed parameters of the physical / virtual channel (355.0 "managed parameters"). */
#define AUS_SDLS_FECF_NONE 0
#define AUS_SDLS_FECF_YES 1   /* present: apply computes it, process checks it */
#define AUS_SDLS_FECF_BLANK 2 /* present but left zero on apply and not checked on process */
typedef struct aus_sdls_link {
    uint16_t frame_len; /* TM / AOS: the fixed frame length; TC: maximum frame length */
    uint8_t fecf;       /* AUS_SDLS_FECF_* */
    uint8_t ocf;        /* TM / AOS: 4-octet OCF present (outside the MAC) */
    uint8_t seg_hdr;    /* TC: 1-octet segment header present */
    uint8_t fhec;       /* AOS: 2-octet frame header error control present */
    uint8_t iz_len;     /* AOS: insert zone length */
} aus_sdls_link;

/* Result of process: the frame data field (decrypted in place), as an offset into the frame. */
typedef struct aus_sdls_rx {
    uint16_t spi;
    size_t data_off;
    size_t data_len;
} aus_sdls_rx;

/* ---- table ---- */
/* Errors: AUS_E_ARG (NULL crypto or key ops). */
AUS_MUST_USE aus_err aus_sdls_init(aus_sdls_table *t, const aus_crypto *crypto,
                                   const aus_sdls_key_ops *keys, void *keys_self);
void aus_sdls_set_ext(aus_sdls_table *t, const aus_sdls_ext_ops *ext, void *self);
/* Persist counters under prefix: apply-side reservations ("<prefix>tx/<spi>", one put per
 * AUS_CTR_RESERVE_BLOCK frames) and the receive side's last accepted IV / SN ("<prefix>rx/<spi>",
 * one put per accepted frame, before it is reported AUS_OK). Errors: AUS_E_ARG (prefix too long).
 */
AUS_MUST_USE aus_err aus_sdls_set_store(aus_sdls_table *t, const aus_store *s, const char *prefix);
/* Wipe everything (IVs, counters, masks). */
void aus_sdls_wipe(aus_sdls_table *t);

/* The SA with this SPI (any state but NONE) or NULL. */
const aus_sdls_sa *aus_sdls_sa_find(const aus_sdls_table *t, uint16_t spi);
/* Security header / trailer length of an SA; AUS_E_SPI when unknown. */
AUS_MUST_USE int aus_sdls_header_len(const aus_sdls_table *t, uint16_t spi);
AUS_MUST_USE int aus_sdls_trailer_len(const aus_sdls_table *t, uint16_t spi);

/* ---- frames ----
 * Common errors: AUS_E_SPI (unknown SPI or SA not OPERATIONAL, or the frame's channel is not
 * the SA's), AUS_E_ARG, AUS_E_UNSUPPORTED (algorithm not available), AUS_E_KEY /
 * AUS_E_KEY_STATE (from the key lookup), AUS_E_CRYPTO. On error the frame content is
 * unspecified for apply (do not send it) and restored/wiped for process; the SA is unchanged.
 *
 * TC apply: frame[0..len) = primary header (+ segment header) + data (+ 2 FECF octets if the
 * link has a FECF). Returns the new length (> 0), or AUS_E_NOBUFS (cap), AUS_E_LIMIT (above
 * link frame_len or 1024; or the SA's IV/SN space is exhausted), AUS_E_MALFORMED (length field
 * disagrees with len, control-command frame: 232.0 §6.3.1 Type-C frames are never secured),
 * store errors (AUS_E_IO: nothing was reserved, do not send). */
AUS_MUST_USE int aus_sdls_tc_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi,
                                   uint8_t *frame, size_t len, size_t cap, uint64_t now);
/* TC process: frame[0..len) is a whole TC frame. Errors additionally: AUS_E_TRUNC,
 * AUS_E_MALFORMED (length field, Type-C), AUS_E_CRC (FECF), AUS_E_AUTH (MAC), AUS_E_REPLAY
 * (SN or IV outside the anti-replay window). The SA's counters advance only on AUS_OK. */
AUS_MUST_USE aus_err aus_sdls_tc_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *frame,
                                         size_t len, uint64_t now, aus_sdls_rx *out);
/* TM / AOS: len must equal l->frame_len. */
AUS_MUST_USE aus_err aus_sdls_tm_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi,
                                       uint8_t *frame, size_t len, uint64_t now);
AUS_MUST_USE aus_err aus_sdls_tm_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *frame,
                                         size_t len, uint64_t now, aus_sdls_rx *out);
AUS_MUST_USE aus_err aus_sdls_aos_apply(aus_sdls_table *t, const aus_sdls_link *l, uint16_t spi,
                                        uint8_t *frame, size_t len, uint64_t now);
AUS_MUST_USE aus_err aus_sdls_aos_process(aus_sdls_table *t, const aus_sdls_link *l, uint8_t *frame,
                                          size_t len, uint64_t now, aus_sdls_rx *out);

/* Frame Security Report (4 octets, for the OCF; docs/standards.md SDLS 15). */
void aus_sdls_fsr_encode(const aus_sdls_table *t, uint8_t out[4]);
void aus_sdls_fsr_reset(aus_sdls_table *t); /* EP Alarm Reset */

/* ---- SA management (355.1 procedures; driven by src/keys). Each returns AUS_OK or a
 * specific error and changes nothing when it refuses:
 *   AUS_E_SPI   no SA with that SPI (create: AUS_E_STATE if the SPI exists)
 *   AUS_E_STATE the SA is not in the state the procedure requires
 *   AUS_E_ARG   parameters invalid (lengths, services, masks)
 *   AUS_E_UNSUPPORTED algorithm unknown; AUS_E_FULL table full; AUS_E_LIMIT mask not storable
 */
AUS_MUST_USE aus_err aus_sdls_sa_create(aus_sdls_table *t,
                                        const aus_sdls_sa_cfg *cfg);      /* -> UNKEYED */
AUS_MUST_USE aus_err aus_sdls_sa_delete(aus_sdls_table *t, uint16_t spi); /* UNKEYED -> NONE */
/* UNKEYED -> KEYED: bind key ids; iv (iv_len octets of the SA, may be NULL) resets the IV. */
AUS_MUST_USE aus_err aus_sdls_sa_rekey(aus_sdls_table *t, uint16_t spi, uint16_t ekid,
                                       uint16_t akid, const uint8_t *iv, size_t ivlen);
/* KEYED -> OPERATIONAL; g NULL = not bound to a channel (any GVCID). */
AUS_MUST_USE aus_err aus_sdls_sa_start(aus_sdls_table *t, uint16_t spi, const aus_sdls_gvcid *g);
AUS_MUST_USE aus_err aus_sdls_sa_stop(aus_sdls_table *t, uint16_t spi);   /* OPERATIONAL -> KEYED */
AUS_MUST_USE aus_err aus_sdls_sa_expire(aus_sdls_table *t, uint16_t spi); /* KEYED -> UNKEYED */
/* Any state: len must equal the SA's arsn_len (> 0). */
AUS_MUST_USE aus_err aus_sdls_sa_set_arsn(aus_sdls_table *t, uint16_t spi, const uint8_t *arsn,
                                          size_t len);
AUS_MUST_USE aus_err aus_sdls_sa_set_arsnw(aus_sdls_table *t, uint16_t spi, uint16_t arsnw);
AUS_MUST_USE aus_err aus_sdls_sa_read_arsn(const aus_sdls_table *t, uint16_t spi, uint8_t *out,
                                           size_t cap, size_t *len);
/* SA Status: state and last procedure tag. */
AUS_MUST_USE aus_err aus_sdls_sa_status(const aus_sdls_table *t, uint16_t spi, uint8_t *state,
                                        uint8_t *lpid);
/* After a restart (SA re-created by its owner): raise the SA's counters to what the store
 * recorded under the same ekid — past every IV / SN reserved for apply, and up to the last one
 * accepted by process (so replays of frames accepted before the crash are still refused).
 * No-op without a store or a record. Errors: AUS_E_SPI, AUS_E_MALFORMED, store errors. */
AUS_MUST_USE aus_err aus_sdls_sa_resume(aus_sdls_table *t, uint16_t spi);

/* ---- a simple key ring (tests, CLI); implements aus_sdls_key_ops ---- */
typedef struct aus_sdls_keyring {
    size_t n;
    struct {
        uint16_t kid;
        uint8_t active; /* 0: every lookup fails with AUS_E_KEY_STATE */
        uint8_t len;
        uint8_t key[AUS_SDLS_KEY_MAX];
    } k[AUS_SDLS_KEYRING_MAX];
} aus_sdls_keyring;
extern const aus_sdls_key_ops aus_sdls_keyring_ops;
/* Add or replace. Errors: AUS_E_ARG (len 0 or > AUS_SDLS_KEY_MAX), AUS_E_FULL. */
AUS_MUST_USE aus_err aus_sdls_keyring_put(aus_sdls_keyring *r, uint16_t kid, const uint8_t *key,
                                          size_t len, int active);
void aus_sdls_keyring_wipe(aus_sdls_keyring *r);

/* ---- one-SA setup for the CLI (--sdls-spi N --sdls-key HEX) ----
 * AES-256-GCM authenticated encryption, key id 0x0100, 12-octet IV all transmitted (starting
 * at iv0; pass a random iv0 on the sending side), no SN field, 16-octet MAC, ABM all ones
 * (every header octet authenticated), anti-replay AUS_SDLS_F_AR_OPEN, OPERATIONAL and bound
 * to no particular channel. Errors: AUS_E_ARG (key not 32 octets). */
typedef struct aus_sdls_simple {
    aus_sdls_keyring ring;
    aus_sdls_table t;
} aus_sdls_simple;
AUS_MUST_USE aus_err aus_sdls_simple_init(aus_sdls_simple *s, const aus_crypto *crypto,
                                          uint16_t spi, const uint8_t *key, size_t keylen,
                                          const uint8_t iv0[12]);
void aus_sdls_simple_wipe(aus_sdls_simple *s);

#ifdef __cplusplus
}
#endif
#endif
