#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A release a team can adopt: the version (CMake's project VERSION) in --version and the
# banner, LICENSE / CHANGELOG / SPDX headers, user-facing files free of issue numbers, the
# daemon's log levels and forms (docs/logging.md), and `make deb`'s package: built, unpacked
# into a scratch root (dpkg -x) and `australis init` run from it.
# Usage: sys_release.sh CLI SOURCE_DIR
CLI="$1"
SRC="$2"
source "$(dirname "$0")/lib.sh"
T="$(mktemp -d /tmp/aus-release.XXXXXX)"
trap 'rm -rf "$T"' EXIT
ver="$(sed -n 's/^project(australis VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")"

# ---- version, license, changelog, headers ----
check "CMakeLists.txt has a project VERSION" test -n "$ver"
check "australis --version prints CMake's version" test "$("$CLI" --version)" = "australis $ver"
check "LICENSE is the Apache License 2.0" grep -q "Version 2.0, January 2004" "$SRC/LICENSE"
check "CHANGELOG.md has a section for $ver" grep -q "^## \[$ver\]" "$SRC/CHANGELOG.md"
srcfiles() { # the repository's files, or every such file of an unpacked source tree
    (cd "$SRC" && { git ls-files '*.c' '*.h' '*.sh' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt' 2>/dev/null ||
        find src include port apps tests fuzz bench tools pkg cmake examples CMakeLists.txt \
            \( -name '*.[ch]' -o -name '*.sh' -o -name '*.cmake' -o -name CMakeLists.txt \) -type f; })
}
nospdx="$(srcfiles |
          while read -r f; do head -n 5 "$SRC/$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || echo "$f"; done)"
check "every C, header, shell and CMake file has an SPDX line" test -z "$nospdx"
[ -z "$nospdx" ] || echo "    without: $(echo $nospdx | cut -c1-300)"
check "no issue numbers in README, docs and example configs" \
    not grep -rnE "[Ii]ssue ?#?[0-9]+|issue note|/work/notes" "$SRC/README.md" "$SRC/docs" "$SRC/examples"
check "sat.ini no longer says 'ccsds later'" not grep -q "ccsds later" "$SRC/examples/sat.ini"
check "every example config names pq_dir and pq_peer_dir" \
    test "$(grep -l '^pq_peer_dir' "$SRC"/examples/*.ini | wc -l)" = "$(grep -l '^\[node\]' "$SRC"/examples/*.ini | wc -l)" # whole configs (ground-ops.ini is sections to append)

# ---- the log ----
"$CLI" init "$T/p" > /dev/null
"$CLI" run --config "$T/p/sat.ini" --once > "$T/text.log" 2>&1
check "the banner carries the version" grep -q "  Australis $ver (" "$T/text.log"
# a hostile file name: a newline and a terminal escape in it must not reach the log raw
nm=$'evil\nforged 2026-01-01 00:00:00  fake line\033[2J.bundle'
printf 'junk' > "$T/p/sat/in/$nm"
"$CLI" run --config "$T/p/sat.ini" --once --log-format json > "$T/json.log" 2>&1
check "--log-format json: every line is one JSON object with time, level, msg" python3 - "$T/json.log" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="ascii"):
    o = json.loads(line)
    assert set(o) == {"time", "level", "msg"}, o
    assert o["level"] in ("error", "warning", "notice", "info", "debug"), o
    n += 1
assert n >= 5, n
PY
check "... the banner is notice" grep -q '"level":"notice","msg":"Australis '"$ver" "$T/json.log"
check "... the hostile name is escaped (no raw newline, no ESC byte)" \
    grep -qF 'evil\\nforged 2026-01-01 00:00:00  fake line\\x1b[2J' "$T/json.log"
check "... and the quarantine line is a warning" grep -q '"level":"warning","msg":"quarantine evil' "$T/json.log"
"$CLI" run --config "$T/p/sat.ini" --once --log-level warning > "$T/warn.log" 2>&1
check "--log-level warning keeps the banner" grep -q "  Australis $ver (" "$T/warn.log"
check "... and drops info lines" not grep -q "stopped:" "$T/warn.log"
out="$("$CLI" run --config "$T/p/sat.ini" --once --log-level loud 2>&1)"; rc=$?
check "--log-level loud exits 2 with a sentence" \
    test $rc = 2 -a "$out" = "australis: --log-level: 'loud' is not one of error, warning, notice, info, debug"
INVOCATION_ID=0123 "$CLI" run --config "$T/p/sat.ini" --once > "$T/sd.log" 2>&1
check "under systemd (INVOCATION_ID) the lines go to syslog, not stdout" test ! -s "$T/sd.log"
INVOCATION_ID=0123 "$CLI" run --config "$T/p/sat.ini" --once --log-format text > "$T/sd2.log" 2>&1
check "... unless --log-format says otherwise" grep -q "  Australis $ver (" "$T/sd2.log"

# ---- the Debian package ----
if command -v dpkg-deb > /dev/null && command -v help2man > /dev/null; then
    deb="$("$SRC/pkg/make-deb.sh" "$(dirname "$CLI")" "$T/deb" 2>"$T/deb.err")"
    check "make-deb builds australis_${ver}_*.deb" test -f "$deb" -a "${deb##*/australis_$ver}" != "${deb##*/}"
    check "... its control names the version and the library packages" \
        bash -c "dpkg-deb -f '$deb' Version | grep -qx '$ver' && dpkg-deb -f '$deb' Depends | grep -q libssl3"
    dpkg -x "$deb" "$T/root"
    R="$T/root"
    check "... holds the binary, man pages from --help, examples and the license note" \
        test -x "$R/usr/bin/australis" -a -f "$R/usr/share/man/man1/australis.1.gz" \
        -a -f "$R/usr/share/man/man1/australis-init.1.gz" -a -f "$R/usr/share/doc/australis/examples/sat.ini" \
        -a -f "$R/usr/share/doc/australis/copyright"
    check "... the init man page is its --help" bash -c "zcat '$R/usr/share/man/man1/australis-init.1.gz' | grep -q 'matching ground and satellite pair'"
    quiet() { "$@" > /dev/null 2>&1; }
    check "the packaged binary runs australis init" quiet "$R/usr/bin/australis" init "$T/fromdeb"
    check "... and its satellite boots" quiet "$R/usr/bin/australis" run --config "$T/fromdeb/sat.ini" --once
else
    echo "skip: dpkg-deb or help2man missing (make deps installs help2man)"
fi
finish
