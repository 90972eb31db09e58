/* SPDX-License-Identifier: Apache-2.0 */
/* SDLS Extended Procedures (CCSDS 355.1): PDU codecs and the board-side handler.
 *
 * PDU = tag(1) | length(2, the data field in BITS) | data (355.1-B-1 §3; docs/standards.md,
 * SDLS-EP). Tag = type<<7 | user-flag<<6 | service-group<<4 | procedure.
 * Layouts: 355.1-B-1 §3. Our codec is strict: the length must be a multiple of 8, match the
 * bytes present, and match the procedure's layout exactly (no filler octets, AUS_E_TRAILING).
 *
 * Replies: the command's tag with the type bit set (0x80), data as in docs/keys.md §2; procedures
 * without a standard reply answer with an empty data field ("done"). A REFUSED command is
 * answered with an Australis-defined reply: tag = command tag | 0x80 | 0x40 (user flag: not a
 * CCSDS-defined PDU), data = one octet, the refusal's aus_err negated (e.g. 22 for
 * AUS_E_KEY_STATE).
 *
 * Where the PDUs travel (docs/keys.md): inside the SDLS-authenticated TC path (frames of the
 * configured EP VC under an authenticated SA, EP PDU as Space Packet user data), and for the
 * file-link profile as the payload of BPSec-protected bundles to the dedicated key-management
 * service number. Either way the carrier's authentication and anti-replay run first; the
 * handler adds its own checks (key states, OTAR IV high-water mark, SA in use).
 */
#ifndef AUSTRALIS_SDLS_EP_H
#define AUSTRALIS_SDLS_EP_H

#include <stddef.h>
#include <stdint.h>

#include "australis/crypto.h"
#include "australis/err.h"
#include "australis/keys.h"
#include "australis/sdls.h"
#include "australis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AUS_EP_REPLY 0x80u
#define AUS_EP_USER 0x40u
#define AUS_EP_HDR_BYTES 3

/* Command tags (user flag 0), 355.1-B-1 §3. */
typedef enum aus_ep_tag {
    AUS_EP_OTAR = 0x01,
    AUS_EP_KEY_ACTIVATE = 0x02,
    AUS_EP_KEY_DEACTIVATE = 0x03,
    AUS_EP_KEY_VERIFY = 0x04,
    AUS_EP_KEY_DESTROY = 0x06,
    AUS_EP_KEY_INVENTORY = 0x07,
    AUS_EP_SA_READ_ARSN = 0x10,
    AUS_EP_SA_CREATE = 0x11,
    AUS_EP_SA_DELETE = 0x14,
    AUS_EP_SA_SET_ARSNW = 0x15,
    AUS_EP_SA_REKEY = 0x16,
    AUS_EP_SA_EXPIRE = 0x19,
    AUS_EP_SA_SET_ARSN = 0x1A,
    AUS_EP_SA_START = 0x1B,
    AUS_EP_SA_STOP = 0x1E,
    AUS_EP_SA_STATUS = 0x1F,
    AUS_EP_MC_PING = 0x31,
    AUS_EP_MC_LOG_STATUS = 0x32,
    AUS_EP_MC_DUMP_LOG = 0x33,
    AUS_EP_MC_ERASE_LOG = 0x34,
    AUS_EP_MC_SELF_TEST = 0x35,
    AUS_EP_MC_ALARM_RESET = 0x37,
} aus_ep_tag;

#define AUS_EP_IV_BYTES 12
#define AUS_EP_MAC_BYTES 16
#define AUS_EP_CHALLENGE_BYTES 16
#define AUS_EP_OTAR_BLOCK 34 /* KeyID(2) | Key(32) */
#define AUS_EP_MAX_KEYS 16   /* key ids / OTAR blocks per PDU (CryptoLib SDLS_MAX_KEY_UPDATES) */
#define AUS_EP_MAX_GVCID 8
#define AUS_EP_FIELD_MAX 32 /* IV / ARSN / ARSNW / ECS / ACS octets per field */
#define AUS_EP_ABM_MAX 64
#define AUS_EP_LOG_MAX 50 /* CryptoLib LOG_SIZE */
#define AUS_EP_LOG_ENTRY 7
#define AUS_EP_INV_MAX 64     /* key records per inventory reply */
#define AUS_EP_REPLY_MAX 1024 /* a reply buffer of this size always suffices */

/* Security-event log tags. */
#define AUS_EP_EV_REFUSED 0x01  /* value: cmd tag | key id or SPI (2) | -err */
#define AUS_EP_EV_OTAR_MAC 0x02 /* OTAR authentication failure */
#define AUS_EP_EV_DONE 0x03     /* a state-changing procedure executed */

typedef struct aus_ep_gvcid {
    uint8_t tfvn;  /* 4 bits */
    uint16_t scid; /* 16 bits */
    uint8_t vcid;  /* 6 bits */
    uint8_t mapid; /* 6 bits */
} aus_ep_gvcid;

/* Create SA data field (CryptoLib parse order; abm_len is 16 bits here). */
typedef struct aus_ep_sa_create {
    uint16_t spi;
    uint8_t est, ast, shivf_len, shsnf_len, shplf_len, stmacf_len;
    const uint8_t *ecs, *iv, *acs, *abm, *arsn, *arsnw;
    uint8_t ecs_len, iv_len, acs_len, arsn_len, arsnw_len;
    uint16_t abm_len;
} aus_ep_sa_create;

/* A decoded command PDU (views into the input). */
typedef struct aus_ep_cmd {
    uint8_t tag;
    const uint8_t *data;
    size_t len; /* data field bytes */
    union {
        struct {
            uint16_t mkid;
            const uint8_t *iv; /* 12 */
            const uint8_t *ct; /* nkeys * 34 */
            size_t nkeys;
            const uint8_t *mac; /* 16 */
        } otar;
        struct { /* activate, deactivate, destroy */
            size_t n;
            uint16_t ids[AUS_EP_MAX_KEYS];
        } keys;
        struct {
            size_t n;
            uint16_t ids[AUS_EP_MAX_KEYS];
            const uint8_t *challenge[AUS_EP_MAX_KEYS];
        } verify;
        struct {
            uint16_t first, last;
        } inventory;
        aus_ep_sa_create create;
        struct { /* delete, expire, stop, status, read ARSN */
            uint16_t spi;
        } sa;
        struct { /* set ARSN (value = ARSN) and set ARSN window (value = window) */
            uint16_t spi;
            const uint8_t *value;
            size_t n;
        } set;
        struct {
            uint16_t spi, ekid;
            const uint8_t *iv;
            size_t ivlen;
        } rekey;
        struct {
            uint16_t spi;
            size_t n;
            aus_ep_gvcid g[AUS_EP_MAX_GVCID];
        } start;
    } u;
} aus_ep_cmd;

/* A decoded reply PDU. */
typedef struct aus_ep_reply {
    uint8_t tag;     /* as received */
    uint8_t cmd;     /* tag & 0x3F: the procedure answered */
    aus_err refused; /* AUS_OK, or the refusal code of an Australis refusal reply */
    const uint8_t *data;
    size_t len;
    union {
        struct {
            size_t n;
            uint16_t ids[AUS_EP_MAX_KEYS];
            const uint8_t *iv[AUS_EP_MAX_KEYS], *ct[AUS_EP_MAX_KEYS], *mac[AUS_EP_MAX_KEYS];
        } verify;
        struct {
            size_t n;
            uint16_t ids[AUS_EP_INV_MAX];
            uint8_t states[AUS_EP_INV_MAX];
        } inventory;
        struct {
            uint16_t spi;
            uint8_t lpid;
        } sa_status;
        struct {
            uint16_t spi;
            const uint8_t *arsn;
            size_t n;
        } read_arsn;
        struct {
            uint16_t events, remaining;
        } log_status;
        struct {
            size_t n;
            const uint8_t *entries; /* n * 7 octets: tag(1) length(2) value(4) */
        } dump;
        uint8_t self_test; /* 0x00 OK, 0xFF failed */
    } u;
} aus_ep_reply;

/* ---- codec (ground encodes commands, board decodes; and the reverse for replies) ---- */

/* Encode a command from its decoded form (OTAR: ct and mac already computed, see below).
 * Returns the PDU length or: AUS_E_ARG (unknown tag, counts out of range), AUS_E_NOBUFS. */
AUS_MUST_USE int aus_ep_cmd_encode(const aus_ep_cmd *c, uint8_t *out, size_t cap);
/* Decode one command PDU occupying exactly len bytes.
 * Errors: AUS_E_TRUNC, AUS_E_MALFORMED (length not a multiple of 8 bits, reply/user tag,
 * bad counts, field lengths), AUS_E_TRAILING (data beyond the procedure's layout or beyond the
 * PDU), AUS_E_UNSUPPORTED (unknown procedure), AUS_E_LIMIT (more than the MAX_* counts). */
AUS_MUST_USE aus_err aus_ep_cmd_decode(aus_ep_cmd *c, const uint8_t *in, size_t len);
/* Decode a reply PDU (standard or Australis refusal). Same errors. */
AUS_MUST_USE aus_err aus_ep_reply_decode(aus_ep_reply *r, const uint8_t *in, size_t len);
/* Encode a reply: tag (command tag, the reply bit is added) and its data field.
 * Returns the length or AUS_E_NOBUFS / AUS_E_ARG. */
AUS_MUST_USE int aus_ep_reply_encode(uint8_t cmd_tag, const uint8_t *data, size_t n, uint8_t *out,
                                     size_t cap);

/* Ground: build an OTAR PDU. keys = n blocks KeyID(2)|Key(32) in plaintext (n 1..16, ids in the
 * session range); IV (12 octets) must be fresh for this master key (use an aus_ctr) and greater
 * (big-endian) than any IV used before with it: the board refuses a non-increasing IV.
 * AES-256-GCM under the master key, no AAD, 16-octet tag (355.1-B-1 OTAR).
 * Returns the PDU length or AUS_E_ARG / AUS_E_NOBUFS / AUS_E_CRYPTO. */
AUS_MUST_USE int aus_ep_otar_build(const aus_crypto *cr, uint16_t mkid, const uint8_t mk[32],
                                   const uint8_t iv[12], const uint8_t *keys, size_t n,
                                   uint8_t *out, size_t cap);
/* One key-verification reply block: AES-256-GCM(key, iv, challenge) || tag (355.1-B-1). */
AUS_MUST_USE aus_err aus_ep_verify_block(const aus_crypto *cr, const uint8_t key[32],
                                         const uint8_t iv[12], const uint8_t challenge[16],
                                         uint8_t ct[16], uint8_t mac[16]);
/* Ground: check a verification reply against the challenges sent and the ground's copy of the
 * keys (in ks, ACTIVE or PREACTIVE). Errors: AUS_E_AUTH (a block fails), AUS_E_MALFORMED
 * (ids or count differ from the request), AUS_E_KEY. */
AUS_MUST_USE aus_err aus_ep_verify_check(const aus_crypto *cr, aus_keys *ks, const aus_ep_cmd *req,
                                         const aus_ep_reply *rep);

/* Ground: generate n fresh AES-256 session keys with the given ids, install them PREACTIVE in
 * the ground's keystore (one transaction) and build the OTAR PDU under master key mkid with
 * IV = 4 zero octets | 8-octet counter taken from ivctr (durable before use, so the IVs per
 * master key only grow and never repeat). Activate the ground's copies when the board has
 * answered the Key Activation PDU. Returns the PDU length or AUS_E_ARG, AUS_E_KEY /
 * AUS_E_KEY_STATE (master key, ids taken), AUS_E_NOBUFS, AUS_E_CRYPTO, store errors (then no
 * key was installed: do not send). */
AUS_MUST_USE int aus_ep_ground_otar(aus_keys *ks, const aus_crypto *cr, aus_ctr *ivctr,
                                    uint16_t mkid, const uint16_t *ids, size_t n, uint64_t now,
                                    uint8_t *out, size_t cap);

/* ---- board side ---- */

/* SA management is delegated to the SDLS layer through this table (the SA database lives in
 * src/ccsds). Each op returns AUS_OK only if the change was made; otherwise a specific error
 * and nothing changed. snapshot/restore give the handler atomicity across an SA change and
 * the store commit (restore is called when the commit fails). */
typedef struct aus_ep_sa_ops {
    aus_err (*create)(void *self, const aus_ep_sa_create *p);
    aus_err (*del)(void *self, uint16_t spi);
    aus_err (*set_arsn)(void *self, uint16_t spi, const uint8_t *arsn, size_t n);
    aus_err (*set_arsnw)(void *self, uint16_t spi, uint64_t window);
    aus_err (*rekey)(void *self, uint16_t spi, uint16_t ekid, const uint8_t *iv, size_t ivlen);
    aus_err (*start)(void *self, uint16_t spi, const aus_ep_gvcid *g, size_t n);
    aus_err (*stop)(void *self, uint16_t spi);
    aus_err (*expire)(void *self, uint16_t spi);
    /* lpid: tag of the last procedure applied to the SA */
    aus_err (*status)(void *self, uint16_t spi, uint8_t *lpid);
    aus_err (*read_arsn)(void *self, uint16_t spi, uint8_t *arsn, size_t cap, size_t *n);
    void (*alarm_reset)(void *self); /* clear the FSR alarm / bad-SN / bad-MAC / bad-SA flags */
    aus_err (*persist)(void *self);  /* write the SA table to the store (inside the txn) */
    void (*snapshot)(void *self);
    void (*restore)(void *self);
} aus_ep_sa_ops;

typedef struct aus_ep_log_entry {
    uint8_t tag;
    uint8_t value[4];
} aus_ep_log_entry;

typedef struct aus_ep_board {
    aus_keys *keys; /* its store is the one used for the transaction */
    const aus_crypto *crypto;
    const aus_ep_sa_ops *sa;
    void *sa_self;
    char prefix[32];
    aus_ctr verify_iv; /* reply IVs of key verification: never repeated, even across a crash */
    size_t nlog;
    aus_ep_log_entry log[AUS_EP_LOG_MAX];
    uint32_t executed, refused; /* counters for telemetry */
    uint32_t otar_again;        /* OTARs answered again (last IV, keys installed), in executed */
    uint8_t scratch[AUS_EP_REPLY_MAX];
} aus_ep_board;

/* Errors: AUS_E_ARG, store errors (opening the IV counter). sa may be NULL (SA procedures are
 * then refused with AUS_E_UNSUPPORTED). */
AUS_MUST_USE aus_err aus_ep_board_init(aus_ep_board *b, aus_keys *keys, const aus_crypto *crypto,
                                       const aus_ep_sa_ops *sa, void *sa_self, const char *prefix);

/* Handle one command PDU that arrived over the authenticated carrier on SA carrier_spi.
 * Applies the change atomically (store transaction; SA snapshot/restore) and writes a reply
 * PDU (*reply_len bytes; a refusal reply when refused). Returns AUS_OK if executed, else the
 * refusal: decode errors, AUS_E_AUTH (OTAR tag), AUS_E_REPLAY (OTAR IV below the last one for
 * that master key, or equal to it while its keys are not installed as it says), AUS_E_KEY / AUS_E_KEY_STATE / AUS_E_POLICY (key rules of keys.h; master
 * keys or ids < 0x80 addressed by a procedure), AUS_E_SPI (SA procedure addressing the SA
 * that carried it, or an unknown SPI), AUS_E_STATE (SA not in the state the procedure needs,
 * or create of an existing SPI), AUS_E_ARG (SA parameters), AUS_E_MALFORMED (also an inventory
 * range with first > last),
 * AUS_E_UNSUPPORTED, AUS_E_NOBUFS (reply does not fit: then nothing was changed), store errors
 * (rolled back). A refused PDU never changes key, SA or store state (the security log records it).
 * The OTAR with the last IV, authentic, whose key blocks are all installed (session keys,
 * PREACTIVE or ACTIVE, same secret) is answered success again and writes nothing (otar_again
 * counts it): the caller may have lost its first answer in a crash.
 */
AUS_MUST_USE aus_err aus_ep_handle(aus_ep_board *b, const uint8_t *pdu, size_t len,
                                   uint16_t carrier_spi, uint64_t now, uint8_t *reply, size_t cap,
                                   size_t *reply_len);

/* ---- binding to the SDLS SA table (src/ccsds) ---- */

/* aus_ep_sa_ops over an aus_sdls_table, persisting the SA configuration and state under
 * "<prefix>sa/<spi>" inside the handler's transaction. Rekey binds ekid as both the
 * encryption and the authentication key (AES-GCM SAs); Start takes exactly one GVCID
 * (more: AUS_E_UNSUPPORTED) and binds the VC (MAP ID recorded when non-zero). */
typedef struct aus_ep_sdls {
    aus_sdls_table *t;
    const aus_store *store; /* NULL: the SA table is not persisted */
    char prefix[32];
    aus_sdls_sa snap[AUS_SDLS_MAX_SA];
    aus_sdls_fsr fsnap;
} aus_ep_sdls;
extern const aus_ep_sa_ops aus_ep_sdls_ops;
/* Errors: AUS_E_ARG. */
AUS_MUST_USE aus_err aus_ep_sdls_init(aus_ep_sdls *a, aus_sdls_table *t, const aus_store *store,
                                      const char *prefix);
/* Boot: restore every persisted SA into the table (then aus_sdls_sa_resume on each).
 * Errors: AUS_E_MALFORMED (a record does not parse), store errors. */
AUS_MUST_USE aus_err aus_ep_sdls_load(aus_ep_sdls *a);

/* aus_sdls_key_ops backed by the keystore (self = aus_keys *): SDLS gets key bytes only for
 * uses the key's type and state allow (SEND: ACTIVE session key; RECV: also DEACTIVATED
 * before its deadline). */
extern const aus_sdls_key_ops aus_keys_sdls_ops;

#ifdef __cplusplus
}
#endif
#endif
