#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what `make flight` needs on a fresh Debian 12 machine: the aarch64 cross toolchain,
# qemu-user-static (runs the aarch64 binary here) and the arm64 multiarch -dev packages the
# static link takes its libraries from. Installs only what is missing; apt-get update runs once,
# and only if something is missing.
set -euo pipefail
HOST_PKGS=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
           cmake pkgconf dpkg-dev libseccomp-dev)
ARM_PKGS=(libssl-dev:arm64 libsqlite3-dev:arm64 libfec-dev:arm64 libcjson-dev:arm64
          libseccomp-dev:arm64 libcmocka-dev:arm64 libcbor-dev:arm64
          libmicrohttpd-dev:arm64)
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in "${HOST_PKGS[@]}" "${ARM_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-flight-deps: installing ${missing[*]}"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
# --no-remove: an arm64 -dev package that is not Multi-Arch: same (libpq-dev) would replace the
# host's own; refuse rather than take a library away from the native build
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends --no-remove "${missing[@]}" >/dev/null
