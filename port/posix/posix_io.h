/* SPDX-License-Identifier: Apache-2.0 */
/* Small POSIX helpers shared by the port and the CLI (apps/ may call port/, never the reverse):
 * writing a whole buffer durably, hex text, and escaping untrusted text for a log line. */
#ifndef AUS_POSIX_IO_H
#define AUS_POSIX_IO_H

#include <stddef.h>
#include <stdint.h>

#include "australis/err.h"

/* Write all n octets of p to fd (retrying short writes and EINTR), with no fsync; for callers
 * that sync a batch at once. Does not close fd. Errors: AUS_E_IO (a write failed; how much was
 * written is unknown). */
AUS_MUST_USE aus_err aus_posix_write_full(int fd, const uint8_t *p, size_t n);

/* aus_posix_write_full, then fsync(fd). Does not close fd. Errors: AUS_E_IO (a write or the
 * fsync failed; how much was written is unknown). */
AUS_MUST_USE aus_err aus_posix_write_all(int fd, const uint8_t *p, size_t n);

/* Decode n hex digits (either case, no separators) into out[cap]. Returns the octet count
 * (n / 2), or -1 when n is odd, n / 2 > cap, or a character is not a hex digit. out may be
 * partly written on error. */
AUS_MUST_USE long aus_posix_hex_decode(const char *hex, size_t n, uint8_t *out, size_t cap);

/* Escape len bytes of untrusted text into out[cap] (always terminated): backslash, newline and
 * tab become \\, \n, \t; other control bytes, DEL, non-ASCII bytes (and '"' when quote is set)
 * become \xNN, so the text can neither end a line, forge another one, nor send a terminal
 * escape (DESIGN.md §5a). Output that does not fit is cut at a whole escape. Returns the length
 * written. */
size_t aus_posix_escape(char *out, size_t cap, const char *in, size_t len, int quote);

#endif
