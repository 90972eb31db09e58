/* SPDX-License-Identifier: Apache-2.0 */
/* Error sentences (DESIGN.md §4). */
#include "australis/err.h"

typedef struct err_row {
    int code;
    const char *name;
    const char *text;
} err_row;

static const err_row rows[] = {
    {AUS_OK, "AUS_OK", "success"},
    {AUS_E_TRUNC, "AUS_E_TRUNC", "input is truncated"},
    {AUS_E_MALFORMED, "AUS_E_MALFORMED", "input is malformed"},
    {AUS_E_NONCANONICAL, "AUS_E_NONCANONICAL", "encoding is not in canonical (shortest) form"},
    {AUS_E_UNSUPPORTED, "AUS_E_UNSUPPORTED", "feature is not supported"},
    {AUS_E_LIMIT, "AUS_E_LIMIT", "a size or count limit was exceeded"},
    {AUS_E_CRC, "AUS_E_CRC", "CRC check failed"},
    {AUS_E_EID, "AUS_E_EID", "endpoint ID is malformed"},
    {AUS_E_BLOCK, "AUS_E_BLOCK", "block structure violates the bundle rules"},
    {AUS_E_HOPLIMIT, "AUS_E_HOPLIMIT", "hop limit exceeded"},
    {AUS_E_EXPIRED, "AUS_E_EXPIRED", "lifetime expired"},
    {AUS_E_TRAILING, "AUS_E_TRAILING", "unexpected bytes after the end of the item"},
    {AUS_E_FEC, "AUS_E_FEC", "too many channel errors to correct"},
    {AUS_E_INDEF, "AUS_E_INDEF", "indefinite-length array (strict mode wants a definite length)"},
    {AUS_E_NONPREFERRED, "AUS_E_NONPREFERRED",
     "non-preferred integer encoding (a longer CBOR head than the value needs; strict mode)"},
    {AUS_E_AUTH, "AUS_E_AUTH", "authentication failed"},
    {AUS_E_REPLAY, "AUS_E_REPLAY", "replayed or too-old sequence number"},
    {AUS_E_KEY_STATE, "AUS_E_KEY_STATE", "key is not in a state that allows this operation"},
    {AUS_E_POLICY, "AUS_E_POLICY", "security policy forbids this"},
    {AUS_E_SPI, "AUS_E_SPI", "unknown or unusable security association"},
    {AUS_E_KEY, "AUS_E_KEY", "key is unknown or has the wrong length"},
    {AUS_E_NOBUFS, "AUS_E_NOBUFS", "output buffer is too small"},
    {AUS_E_AGAIN, "AUS_E_AGAIN", "nothing to do yet; try again later"},
    {AUS_E_FULL, "AUS_E_FULL", "a fixed-size table is full"},
    {AUS_E_NOTFOUND, "AUS_E_NOTFOUND", "not found"},
    {AUS_E_IO, "AUS_E_IO", "input/output error"},
    {AUS_E_CRYPTO, "AUS_E_CRYPTO", "cryptographic backend failure"},
    {AUS_E_PERM, "AUS_E_PERM", "secret file permissions are too open (must be owner-only)"},
    {AUS_E_LOCKED, "AUS_E_LOCKED", "the store is owned by another process"},
    {AUS_E_ARG, "AUS_E_ARG", "invalid argument"},
    {AUS_E_STATE, "AUS_E_STATE", "operation not allowed in the current state"},
    {AUS_E_INTERNAL, "AUS_E_INTERNAL", "internal error"},
    {AUS_E_VERSION, "AUS_E_VERSION", "the primary block's version is not 7"},
    {AUS_E_PAYLOAD, "AUS_E_PAYLOAD",
     "the payload block is missing, repeated, not last or not block number 1"},
    {AUS_E_BLOCKNUM, "AUS_E_BLOCKNUM", "a block number is zero or not unique"},
    {AUS_E_NOT_INDEF, "AUS_E_NOT_INDEF", "the bundle is not an indefinite-length CBOR array"},
    {AUS_E_NOCRC, "AUS_E_NOCRC", "a required CRC is absent"},
    {AUS_E_AGE, "AUS_E_AGE", "the creation time is zero and there is no bundle age block"},
    {AUS_E_FLAGS, "AUS_E_FLAGS", "the bundle processing control flags are inconsistent"},
    {AUS_E_UNPROC, "AUS_E_UNPROC", "an unprocessable block requests deletion of the bundle"},
    {AUS_E_FRAG, "AUS_E_FRAG", "fragment fields are inconsistent or fragments conflict"},
    {AUS_E_BLOCKS, "AUS_E_BLOCKS",
     "the bundle has more canonical blocks than the configured block capacity"},
};

static const err_row *find(int err)
{
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].code == err)
            return &rows[i];
    return 0;
}

const char *aus_err_str(int err)
{
    const err_row *r = find(err);
    return r ? r->text : "unknown error";
}

const char *aus_err_name(int err)
{
    const err_row *r = find(err);
    return r ? r->name : "AUS_E_?";
}
