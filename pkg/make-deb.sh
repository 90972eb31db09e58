#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make deb: a Debian package of the australis binary (dpkg-deb, no debhelper).
#   pkg/make-deb.sh BUILD_DIR OUT_DIR  ->  OUT_DIR/australis_<version>_<arch>.deb
# Contents: /usr/bin/australis; man pages generated from the --help texts (help2man):
# australis(1) and australis-<command>(1); /usr/share/doc/australis (README, CHANGELOG, docs,
# copyright) with the example configs in examples/; systemd units from dist/ when there are any.
# The version is the binary's (`australis --version`, from CMake's project VERSION); Depends
# is computed from the libraries the binary links (dpkg -S).
set -euo pipefail
build="$(cd "${1:?usage: make-deb.sh BUILD_DIR OUT_DIR}" && pwd)"
out="$(mkdir -p "${2:?usage: make-deb.sh BUILD_DIR OUT_DIR}" && cd "$2" && pwd)"
src="$(cd "$(dirname "$0")/.." && pwd)"
bin="$build/australis"
[ -x "$bin" ] || { echo "make-deb: $bin is not built (make build)" >&2; exit 3; }
for t in dpkg-deb help2man; do
    command -v $t >/dev/null || { echo "make-deb: $t is missing (apt-get install ${t/dpkg-deb/dpkg})" >&2; exit 3; }
done
version="$("$bin" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"
root="$(mktemp -d /tmp/australis-deb.XXXXXX)"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
umask 022
install -D -m 0755 "$bin" "$root/usr/bin/australis"
strip --strip-unneeded "$root/usr/bin/australis" 2>/dev/null || true

# man pages: one for the program, one per command family (from `australis --help`)
man="$root/usr/share/man/man1"
mkdir -p "$man"
wrap="$root/.h2m"
mkdir -p "$wrap"
h2m() { # NAME DESCRIPTION PROGRAM
    help2man --no-info --no-discard-stderr --version-string="$version" -n "$2" -N "$3" \
        | sed "s/^\.TH [^ ]* /.TH ${1^^} /" | gzip -9n > "$man/$1.1.gz"
}
h2m australis "secure space-link stack: bundles, CCSDS, keys, ground and satellite daemons" "$bin"
"$bin" --help | sed -n 's/^  \([a-z][a-z]*\)  *\(.*\)$/\1\t\2/p' | while IFS=$'\t' read -r cmd what; do
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$bin" "$cmd" > "$wrap/australis-$cmd"
    chmod 755 "$wrap/australis-$cmd"
    h2m "australis-$cmd" "$what" "$wrap/australis-$cmd"
done
rm -rf "$wrap"

doc="$root/usr/share/doc/australis"
mkdir -p "$doc/examples" "$doc/docs"
install -m 0644 "$src/README.md" "$doc/"
gzip -9n < "$src/CHANGELOG.md" > "$doc/changelog.gz"
install -m 0644 "$src"/docs/*.md "$doc/docs/"
install -m 0644 "$src"/examples/*.ini "$doc/examples/"
cat > "$doc/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: australis
Source: the Australis repository

Files: *
Copyright: the Australis authors
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0 (and in the source tree as LICENSE).
COPY
if compgen -G "$src/dist/*.service" >/dev/null || compgen -G "$src/dist/*/*.service" >/dev/null; then
    mkdir -p "$root/lib/systemd/system"
    find "$src/dist" -name '*.service' -o -name '*.target' -o -name '*.timer' | while read -r u; do
        install -m 0644 "$u" "$root/lib/systemd/system/"
    done
fi

# Depends: the package of every shared library the binary needs
deps="$(ldd "$bin" | awk '$3 ~ /^\// {print $3}' | while read -r l; do
    r="$(readlink -f "$l")"
    for p in "$l" "$r" "${r#/usr}" "/usr$r"; do
        q="$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1)" && [ -n "$q" ] && { echo "$q"; break; }
    done
done | sort -u | paste -sd, | sed 's/,/, /g')"
size="$(du -sk "$root" | cut -f1)"
mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CTL
Package: australis
Version: $version
Architecture: $arch
Maintainer: Australis maintainers <maintainers@australis.invalid>
Installed-Size: $size
Depends: $deps
Section: net
Priority: optional
Homepage: https://australis.invalid/
Description: secure space-link stack for hosted payloads (BPv7, BPSec, CCSDS, SDLS)
 One program, australis: BPv7 bundles with BPSec, the CCSDS stack (Space Packets, TM/TC,
 COP-1, SDLS, Reed-Solomon, CLTU), OTAR and a post-quantum rekey (ML-KEM-768, ML-DSA-65),
 and the ground and satellite daemons of a tenant. Start with: australis init DIR
 (see /usr/share/doc/australis/docs/quickstart.md).
CTL
deb="$out/australis_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
