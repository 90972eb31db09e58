/* SPDX-License-Identifier: Apache-2.0 */
/* Device key-encryption-key files (port/posix): owner-only permissions enforced.
 *
 * Format: the key as hex (64 hex digits for 32 bytes), optionally followed by a newline; or the
 * raw 32 bytes. The file must be a regular file (not a symlink), owned by the effective user,
 * with no group/other permission bits at all (mode & 077 == 0).
 */
#ifndef AUS_KEYFILE_H
#define AUS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

/* Read a key file into key (cap bytes; *len gets the key length).
 * Errors: AUS_E_PERM (group/other bits set, not owned by us, not a regular file, a symlink),
 * AUS_E_IO (cannot open/read), AUS_E_MALFORMED (neither 32 raw bytes nor 64 hex digits),
 * AUS_E_NOBUFS (cap < 32). The key buffer is wiped on error. */
AUS_MUST_USE aus_err aus_keyfile_read(const char *path, uint8_t *key, size_t cap, size_t *len);
/* Create a new key file (mode 0600, O_EXCL: never overwrites) holding key as hex.
 * Errors: AUS_E_IO (exists or cannot write), AUS_E_ARG. */
AUS_MUST_USE aus_err aus_keyfile_write(const char *path, const uint8_t *key, size_t len);

#endif
