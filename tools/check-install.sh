#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make install PREFIX=DIR` contract: the static library, the public headers under
# DIR/include/australis/ and DIR/lib/pkgconfig/australis.pc, so that an outside C program builds
# with `cc prog.c $(pkg-config --cflags --libs australis)`. Installs into a temporary prefix,
# builds such a program and runs it.
set -euo pipefail
build="$1"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in lib/libaustralis.a lib/pkgconfig/australis.pc include/australis/pq.h include/australis/bpv7.h bin/australis; do
  [ -e "$prefix/$f" ] || { echo "install: $f missing"; echo "0 passed, 1 failed"; exit 1; }
done
cat >"$prefix/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <australis/base.h>
#include <australis/pq.h>
int main(void)
{
    static uint8_t ek[AUS_MLKEM768_EK_BYTES], dk[AUS_MLKEM768_DK_BYTES], ct[AUS_MLKEM768_CT_BYTES];
    uint8_t ss1[32], ss2[32], d[32] = {1}, z[32] = {2}, m[32] = {3};
    if (aus_mlkem768_keygen_derand(ek, dk, d, z) || aus_mlkem768_encaps_derand(ct, ss1, ek, m) ||
        aus_mlkem768_decaps(ss2, ct, dk) || memcmp(ss1, ss2, 32) != 0)
        return 1;
    if (aus_crc32c((const uint8_t *)"123456789", 9) != 0xE3069283u)
        return 1;
    puts("outside program: ML-KEM round trip and CRC-32C check value OK");
    return 0;
}
C
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc -std=c11 -o "$prefix/prog" "$prefix/prog.c" $(pkg-config --cflags --libs australis)
"$prefix/prog"
echo "1 passed, 0 failed"
