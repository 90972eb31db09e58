#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the flight binary is made of, from the GNU linker's map (make flight writes it next to
# the binary): kB in the file per origin, code + data (.text, .rodata, .data, ...) and the
# unwind tables (.eh_frame) apart; .bss takes no room in the file and is left out.
#   tools/flight-size.sh MAP      (docs/flight.md)
set -euo pipefail
map="${1:?usage: flight-size.sh LINKER-MAP}"
awk '
function hex(s,    i, v) { v = 0; s = tolower(substr(s, 3))
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v }
function origin(f) {
    if (f ~ /libcrypto\.a/) return "libcrypto (OpenSSL)"
    if (f ~ /libssl\.a/) return "libssl (OpenSSL TLS)"
    if (f ~ /libsqlite3\.a/) return "SQLite"
    if (f ~ /\/libc\.a|\/crt[1in]\.o|crtbegin|crtend/) return "glibc"
    if (f ~ /CMakeFiles\/|libaustralis\.a|libaus_/) return "Australis"
    return "other: libseccomp, libm, libgcc, libfec, cJSON"
}
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
/^[^ ]/ { out = $1; pend = 0; next }                  # an output section starts
out == "" || out ~ /^(\.comment|\.debug|\.note|\.gnu|\/DISCARD\/|\.bss|\.tbss|\.stab)/ { next }
/^ [^ *]/ && NF == 1 { pend = 1; next }                # a long input-section name; the rest follows
{
    if (!pend && $1 !~ /^\./) next                      # symbols, fill, padding
    pend = 0
    if (NF < 3 || $(NF-2) !~ /^0x/ || $(NF-1) !~ /^0x/) next
    v = hex($(NF-1)); o = origin($NF)
    if (out ~ /eh_frame/) eh[o] += v; else cd[o] += v
    seen[o] = 1
}
END { for (o in seen) printf "%d\t%d\t%s\n", cd[o], eh[o], o }' "$map" | sort -rn |
    awk -F'\t' '{ printf "    %-48s %6.0f kB code+data, %4.0f kB unwind tables\n", $3, $1 / 1024, $2 / 1024
                  c += $1; e += $2 }
                END { printf "    %-48s %6.0f kB code+data, %4.0f kB unwind tables\n", "all", c / 1024, e / 1024 }'
