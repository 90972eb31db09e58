#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bad input: an incoming folder flooded with 10 000 junk files, zero-length files, huge files,
# symlinks and odd names; the daemon keeps serving valid traffic and quarantines the rest.
CLI="${1:?usage: sys_badinput.sh CLI [N]}"
N="${2:-10000}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-bad.XXXXXX); trap 'rm -rf "$T"' EXIT
mkworld "$T/w"
id=$(submit cmd exec mark VALID1); g_once; up
IN="$W/sat/in"
python3 - "$IN" "$N" <<'PY'
import os, sys, random
d, n = sys.argv[1], int(sys.argv[2])
r = random.Random(5)
for i in range(n):
    name = "b%016x-%016x.bundle" % (r.getrandbits(64), r.getrandbits(64)) if i % 2 else "junk-%d" % i
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(r.getrandbits(8) for _ in range(r.randint(1, 64))))
PY
: > "$IN/zero-length"
head -c 70000000 /dev/zero > "$IN/huge.bundle"
ln -s /etc/passwd "$IN/b0000000000000001-0000000000000001.bundle.link"
ln -s /nonexistent "$IN/dangling"
mkdir "$IN/a-directory"
touch "$IN/name with spaces" "$IN/$(printf 'new\nline')" "$IN/ünïcødé-名前" "$IN/-dash" "$IN/.hidden"
# a name that forges a flight-log line (and a terminal escape) if it is logged raw
touch "$IN/$(printf 'x\n2026-01-01 00:00:00  rx command FORGED-LINE\033[2J')"
start=$(date +%s)
s_once; rc=$?
echo "  sat run over $((N + 9)) junk files took $(( $(date +%s) - start )) s"
check "daemon exited cleanly (rc $rc)" [ $rc = 0 ]
check "a file name cannot forge a flight-log line (escaped: \\n, \\x1b)" \
    sh -c "! grep -q '^2026-01-01 00:00:00  rx command FORGED' '$W/sat.log' && grep -q 'x\\\\n2026-01-01 00:00:00  rx command FORGED-LINE\\\\x1b' '$W/sat.log' && ! grep -q \"\$(printf '\\033')\" '$W/sat.log'"
check "valid command ran once" [ "$(grep -c VALID1 "$W/ledger")" = 1 ]
left=$(ls -A "$IN" | grep -v '^\.hidden$' | wc -l)
check "incoming folder emptied of junk (left: $left)" [ "$left" = 0 ]
q=$(ls -A "$W/sat/quarantine" | wc -l)
check "junk quarantined ($q files)" [ "$q" -ge "$N" ]
check "symlink target untouched" [ -f /etc/passwd ]
down; g_once
check "the valid answer reached the ground" sh -c "echo '$(resp $id)' | grep -q 'marked VALID1'"
# ---- -o to something that is not a regular file: written in place, never renamed over ----
mkfifo "$T/out.fifo"
( timeout 10 cat "$T/out.fifo" > "$T/from-fifo" ) & rd=$!
timeout 10 "$CLI" bundle create --src ipn:2.1 --dst ipn:1.1 --crc 16 -o "$T/out.fifo"; rc=$?
wait $rd
check "bundle create -o FIFO: written through the FIFO (rc $rc)" [ $rc = 0 -a -p "$T/out.fifo" -a -s "$T/from-fifo" ]
check "... the bytes are a bundle" "$CLI" bundle inspect "$T/from-fifo"
check "... and no temporary left beside it" [ "$(ls "$T" | grep -c 'out.fifo.*tmp')" = 0 ]
"$CLI" bundle create --src ipn:2.1 --dst ipn:1.1 -o "$T/plain.cbor"
check "-o a regular file: written atomically, mode from umask, no temporary left" \
    sh -c "[ -s '$T/plain.cbor' ] && ! ls '$T' | grep -q 'plain.cbor.*tmp'"
# still serving after the flood
id2=$(submit cmd ping after-flood); round
check "still serving after the flood" sh -c "echo '$(resp $id2)' | grep -q 'pong after-flood'"
finish
