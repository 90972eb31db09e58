/* SPDX-License-Identifier: Apache-2.0 */
/* Australis error codes and the two control-flow macros (DESIGN.md §4).
 *
 * Every fallible function returns aus_err (or a size / negative aus_err) and is
 * marked AUS_MUST_USE. Codes are grouped by kind; aus_err_str() gives a sentence.
 */
#ifndef AUSTRALIS_ERR_H
#define AUSTRALIS_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define AUS_MUST_USE __attribute__((warn_unused_result))
#else
#define AUS_MUST_USE
#endif

typedef enum aus_err {
    AUS_OK = 0,
    /* peer input */
    AUS_E_TRUNC = -1,         /* input ends before the item does */
    AUS_E_MALFORMED = -2,     /* structurally invalid */
    AUS_E_NONCANONICAL = -3,  /* valid but not in the required deterministic form */
    AUS_E_UNSUPPORTED = -4,   /* well formed, but a feature we do not implement */
    AUS_E_LIMIT = -5,         /* exceeds a configured or documented bound */
    AUS_E_CRC = -6,           /* checksum mismatch */
    AUS_E_EID = -7,           /* endpoint ID malformed */
    AUS_E_BLOCK = -8,         /* block-level rule violated (numbers, order, payload) */
    AUS_E_HOPLIMIT = -9,      /* hop limit exceeded */
    AUS_E_EXPIRED = -10,      /* lifetime exceeded */
    AUS_E_TRAILING = -11,     /* bytes after the end of the item */
    AUS_E_FEC = -12,          /* channel code could not correct the errors (RS, BCH) */
    AUS_E_INDEF = -13,        /* indefinite-length item where strict decoding wants definite */
    AUS_E_NONPREFERRED = -14, /* integer or length in a longer head than needed (strict) */
    /* security */
    AUS_E_AUTH = -20,      /* integrity / authentication check failed */
    AUS_E_REPLAY = -21,    /* duplicate or too-old sequence number */
    AUS_E_KEY_STATE = -22, /* key absent or not in a state that allows this use */
    AUS_E_POLICY = -23,    /* security policy forbids it */
    AUS_E_SPI = -24,       /* unknown or unusable security association */
    AUS_E_KEY = -25,       /* key unknown / wrong length */
    /* resources */
    AUS_E_NOBUFS = -30, /* caller's output buffer too small */
    AUS_E_AGAIN = -31,  /* nothing to do now; try later */
    AUS_E_FULL = -32,   /* fixed-size table or pool full */
    AUS_E_NOTFOUND = -33,
    /* environment */
    AUS_E_IO = -40,
    AUS_E_CRYPTO = -41, /* crypto backend failure */
    AUS_E_PERM = -42,   /* a secret file is readable by group/others, or not ours */
    AUS_E_LOCKED = -43, /* the store is owned by another process (DESIGN.md §5) */
    /* caller misuse */
    AUS_E_ARG = -50,
    AUS_E_STATE = -51,
    AUS_E_INTERNAL = -60,
    /* bundle rules (RFC 9171 §4; peer input, one code per rule) */
    AUS_E_VERSION = -70,   /* primary block version is not 7 */
    AUS_E_PAYLOAD = -71,   /* payload block missing, repeated, not last or not number 1 */
    AUS_E_BLOCKNUM = -72,  /* block number zero (canonical block) or not unique */
    AUS_E_NOT_INDEF = -73, /* bundle is not an indefinite-length CBOR array */
    AUS_E_NOCRC = -74,     /* CRC required but absent (strict primary-block CRC rule) */
    AUS_E_AGE = -75,       /* creation time zero and no bundle age block */
    AUS_E_FLAGS = -76,     /* bundle processing control flags inconsistent */
    AUS_E_UNPROC = -77,    /* unprocessable block asks for the bundle to be deleted */
    AUS_E_FRAG = -78,      /* fragment fields inconsistent, or fragments conflict */
    AUS_E_BLOCKS = -79,    /* more canonical blocks than the configured block capacity */
} aus_err;

/* A human sentence for an error code (static storage, never NULL). */
const char *aus_err_str(int err);
/* A short identifier, e.g. "AUS_E_TRUNC". */
const char *aus_err_name(int err);

/* Branch on failure: return the error from the enclosing function. */
#define AUS_TRY(expr)                                                                              \
    do {                                                                                           \
        int aus_try_rc_ = (int)(expr);                                                             \
        if (aus_try_rc_ < 0)                                                                       \
            return (aus_err)aus_try_rc_;                                                           \
    } while (0)

#define AUS_ENSURE(cond, e)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return (e);                                                                            \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif
