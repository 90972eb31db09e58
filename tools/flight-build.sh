#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make flight: the static, stripped aarch64 `australis` (docs/flight.md).
#   tools/flight-build.sh [BUILD_DIR] [SHARED_DIR]      (default build-flight, ../shared)
# 1. installs what is missing (tools/install-flight-deps.sh: cross gcc, qemu-user-static, arm64 -dev)
# 2. Debian ships no static cJSON (libcjson-dev has only the .so): its Debian source package is
#    fetched with apt-get source (patches applied) and cJSON.c compiled into BUILD/deps/libcjson.a
# 3. configures BUILD with cmake/aarch64.cmake, builds the CLI (static, -Os, sections collected,
#    no libssl, Debian's libcrypto/SQLite/libc archives copied without unwind tables; warnings
#    are not errors here: -Os inlines differently and the native builds are the strict ones)
#    and the codec unit tests (dynamic; run under qemu-aarch64 by flight_unit_qemu)
# 4. strips BUILD/australis and prints its size against the 1.5 MB goal and what it is made of
#    (BUILD/australis.map through tools/flight-size.sh, kept in BUILD/australis.size).
# 5. the same configuration built for this machine (x86-64, static, stripped) as
#    BUILD/native/australis-native: sys_flight measures the start-up time and peak RSS of the
#    flying configuration natively with it (a dynamic build's RSS is mostly shared libraries;
#    qemu's includes the emulator). Named apart so the flight binary stays the one `australis`.
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-build-flight}"
SHARED="${2:-$(cd .. && pwd)/shared}"
./tools/install-flight-deps.sh
# sections for --gc-sections; no unwind tables for our own C (nothing here unwinds: no C++, no
# pthread_cancel/pthread_exit, no backtrace; -57 kB)
FLIGHT_CFLAGS="-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
mkdir -p "$B/deps"
D="$(cd "$B/deps" && pwd)"
# ... nor for the libraries: copies of Debian's static libcrypto, SQLite and libc without their
# .eh_frame sections (0.6 MB of the binary, and resident: the kernel maps them with the code
# around them). The originals are untouched; the C runtime's own start files keep theirs.
# NOEH=(cmake -D options) for the build that links them.
noeh() { # OBJCOPY CC OUTDIR LIBDIR
  mkdir -p "$3"
  local a src
  for a in libcrypto libsqlite3 libc; do
    src="$4/$a.a"; [ $a = libc ] && src=$("$2" -print-file-name=libc.a)
    [ "$3/$a.a" -nt "$src" ] || "$1" -R .eh_frame "$src" "$3/$a.a"
  done
  NOEH=("-DOPENSSL_CRYPTO_LIBRARY=$3/libcrypto.a" "-DSQLite3_LIBRARY=$3/libsqlite3.a")
  NOEH_L="-L$3" # libc.a: searched there before the compiler's own (the static CLI only:
}               # a dynamic unit test would take the .a for its libc)
if [ ! -f "$D/libcjson.a" ]; then
  if ! ls "$D"/cjson-*/cJSON.c >/dev/null 2>&1; then
    # apt-get source needs a deb-src line; added once, for Debian's own archive only
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
      SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
      suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$suite" |
        $SUDO tee /etc/apt/sources.list.d/australis-src.sources >/dev/null
      $SUDO apt-get update -qq
    fi
    (cd "$D" && apt-get source -qq cjson >/dev/null 2>&1) || { echo "flight: apt-get source cjson failed" >&2; exit 3; }
  fi
  src=$(ls -d "$D"/cjson-*/ | head -1)
  aarch64-linux-gnu-gcc -Os -ffunction-sections -fdata-sections -c "$src/cJSON.c" -o "$D/cJSON.o"
  aarch64-linux-gnu-ar rcs "$D/libcjson.a" "$D/cJSON.o"
  mkdir -p "$D/include/cjson" && cp "$src/cJSON.h" "$D/include/cjson/"
  cat > "$D/libcjson.pc" <<PC
Name: libcjson
Description: cJSON (Debian source package, built static for the flight build)
Version: 1.7
Libs: -L$D -lcjson
Cflags: -I$D/include
PC
fi
# pkg-config sees the arm64 .pc files, less libpq: the PostgreSQL archive is a ground feature
# whose static archive needs libraries Debian ships only shared (gssapi, ldap)
mkdir -p "$D/pc"
for pc in /usr/lib/aarch64-linux-gnu/pkgconfig/*.pc; do
  case "$(basename "$pc")" in libpq.pc|libcjson.pc) ;; *) ln -sf "$pc" "$D/pc/" ;; esac
done
export PKG_CONFIG_PATH="$D"
export PKG_CONFIG_LIBDIR="$D/pc:/usr/share/pkgconfig"
noeh aarch64-linux-gnu-objcopy aarch64-linux-gnu-gcc "$D/noeh" /usr/lib/aarch64-linux-gnu
cmake -S . -B "$B" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DAUS_FLIGHT_STATIC=ON -DAUS_BENCH=OFF -DAUS_TESTS=ON -DAUS_SHARED_DIR="$SHARED" -DAUS_WERROR=OFF \
  -DOPENSSL_USE_STATIC_LIBS=ON -DCMAKE_PROJECT_INCLUDE="$PWD/cmake/flight-static.cmake" "${NOEH[@]}" \
  "-DCMAKE_C_FLAGS=$FLIGHT_CFLAGS" \
  "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--gc-sections" \
  "-DAUS_FLIGHT_CLI_LDFLAGS=$NOEH_L;-Wl,-Map=$(cd "$B" && pwd)/australis.map" >/dev/null
# the CLI and the codec unit tests only (flight_unit_qemu runs these)
TESTS=$(cat tests/system/flight_unit_tests.txt | grep -v '^#' | tr '\n' ' ')
cmake --build "$B" -j"${JOBS:-$(nproc)}" --target australis_cli $TESTS
aarch64-linux-gnu-strip "$B/australis"
size=$(stat -c %s "$B/australis")
printf 'flight: %s: %s bytes (%.2f MB; goal <= 1.5 MB) %s\n' "$B/australis" "$size" \
  "$(echo "$size / 1048576" | bc -l)" "$(file -b "$B/australis" | cut -d, -f1-2,4-5)"
./tools/flight-size.sh "$B/australis.map" | tee "$B/australis.size"

# 5. the native static twin (see the header): same options, host compiler, amd64 archives
N="$B/native"
mkdir -p "$N" "$D/native/pc"
if [ ! -f "$D/native/libcjson.a" ]; then
  src=$(ls -d "$D"/cjson-*/ | head -1)
  gcc -Os -ffunction-sections -fdata-sections -c "$src/cJSON.c" -o "$D/native/cJSON.o"
  ar rcs "$D/native/libcjson.a" "$D/native/cJSON.o"
fi
sed "s|-L$D |-L$D/native |" "$D/libcjson.pc" > "$D/native/libcjson.pc"
host=$(gcc -dumpmachine)
for pc in /usr/lib/"$host"/pkgconfig/*.pc; do
  case "$(basename "$pc")" in libpq.pc|libcjson.pc) ;; *) ln -sf "$pc" "$D/native/pc/" ;; esac
done
noeh objcopy gcc "$D/native/noeh" /usr/lib/"$host"
PKG_CONFIG_PATH="$D/native" PKG_CONFIG_LIBDIR="$D/native/pc:/usr/share/pkgconfig" \
cmake -S . -B "$N" -DCMAKE_BUILD_TYPE=MinSizeRel -DAUS_FLIGHT_STATIC=ON -DAUS_BENCH=OFF \
  -DAUS_TESTS=OFF -DAUS_SHARED_DIR="$SHARED" -DAUS_WERROR=OFF -DOPENSSL_USE_STATIC_LIBS=ON \
  -DCMAKE_PROJECT_INCLUDE="$PWD/cmake/flight-static.cmake" "${NOEH[@]}" \
  "-DCMAKE_C_FLAGS=$FLIGHT_CFLAGS" "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--gc-sections" \
  "-DAUS_FLIGHT_CLI_LDFLAGS=$NOEH_L;-Wl,-Map=$(cd "$N" && pwd)/australis.map" >/dev/null
PKG_CONFIG_PATH="$D/native" PKG_CONFIG_LIBDIR="$D/native/pc:/usr/share/pkgconfig" \
cmake --build "$N" -j"${JOBS:-$(nproc)}" --target australis_cli
strip -o "$N/australis-native" "$N/australis"
rm -f "$N/australis"
printf 'flight: %s (the same configuration for %s, for native figures): %s bytes\n' \
  "$N/australis-native" "$host" "$(stat -c %s "$N/australis-native")"
