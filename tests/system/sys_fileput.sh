#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# File uplink (docs/daemon.md, "File uplink"): `australis file put LOCAL REMOTE` sends a file
# chunk by chunk; over a lossy pass the satellite keeps what arrived, a re-send asks which
# ranges are missing and only those go again; the whole file's SHA-256 is checked on board and
# the file appears in the uploads folder in one step (replacing an older one of that name);
# hostile names are refused; a missing local file is refused at the client.
CLI="${1:?usage: sys_fileput.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-fileput.XXXXXX)
mkworld "$T/w"
sed -i 's/^retry_s = 0$/retry_s = 600/' "$W/ground.ini"
printf 'socket = %s/g.sock\n' "$T" >> "$W/ground.ini"
printf 'uploads = %s/sat/uploads\n' "$W" >> "$W/sat.ini"
answer() { "$CLI" status --id "$1" --json --config "$W/ground.ini" 2>/dev/null; }
export -f answer; export CLI W
s_once
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 & gpid=$!
loop=
trap 'kill $gpid $loop 2>/dev/null; wait 2>/dev/null; [ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
waitfor test -S "$T/g.sock"

head -c 300000 /dev/urandom > "$T/update.bin"
id=$(submit file put "$T/update.bin" update.bin)
check "file put: a request id" [ -n "$id" ]
check "the file went out in 37 chunks of 8 KiB" waitfor count_is "$W/ground/out" 37
# someone planted a symlink where the upload's temporary will be: unlinked, never followed
echo precious > "$T/victim"
ln -s "$T/victim" "$W/sat/uploads/.up-$(printf %016x "$id").part"
up --drop 0.3 --seed 7 > /dev/null; s_once; down
check "a lossy pass: not placed yet, and no answer" \
    bash -c "[ ! -e '$W/sat/uploads/update.bin' ] && ! answer $id | grep -q status"
check "... the chunks that arrived are in the satellite's temporary" \
    sh -c "ls -a '$W/sat/uploads' | grep -q '^\.up-.*\.part$'"
"$CLI" retry "$id" --config "$W/ground.ini" > /dev/null
check "the re-send is one probe" waitfor count_is "$W/ground/out" 1
up; s_once; down
check "the satellite's answer: only the missing chunks go again" \
    waitfor sh -c "n=\$(ls '$W/ground/out' | wc -l); [ \$n -gt 0 ] && [ \$n -lt 37 ]"
# the re-sent chunks are written one by one: count them once the folder has stopped growing
# (one look 0.5 s after the first appeared could catch the daemon half-way on a loaded machine;
# the rest would then never be carried, retry_s = 600)
settled() { local a; a=$(ls "$W/ground/out" | wc -l); sleep 2; [ "$(ls "$W/ground/out" | wc -l)" = "$a" ]; }
waitfor settled; missing=$(ls "$W/ground/out" | wc -l)
up; s_once; down
check "stored: the satellite says so" waitfor bash -c "answer $id | grep -q 'stored, SHA-256 verified'"
check "... the bytes are the same" cmp -s "$T/update.bin" "$W/sat/uploads/update.bin"
check "... no temporary left" not sh -c "ls -a '$W/sat/uploads' | grep -q part"
check "... $missing of 37 chunks were sent twice, not the whole file" [ "$missing" -lt 37 ]
check "the planted symlink's target is untouched" [ "$(cat "$T/victim")" = precious ]
check "the satellite logged it" grep -q "upload id=$id: $W/sat/uploads/update.bin written (SHA-256 verified)" "$W/sat.log"

# a second version of the same file, with --wait while passes run
(while :; do up > /dev/null 2>&1; s_once; down > /dev/null 2>&1; sleep 0.3; done) & loop=$!
head -c 5000 /dev/urandom > "$T/update.bin"
out=$("$CLI" file put "$T/update.bin" update.bin --wait --timeout 60 --config "$W/ground.ini"); rc=$?
check "file put --wait: exit 0 when stored" sh -c "[ $rc = 0 ] && printf '%s' \"\$1\" | grep -q 'stored, SHA-256 verified'" _ "$out"
check "... the new version replaced the old one" cmp -s "$T/update.bin" "$W/sat/uploads/update.bin"
: > "$T/empty"
"$CLI" file put "$T/empty" empty.cfg --wait --timeout 60 --config "$W/ground.ini" > /dev/null; rc=$?
check "an empty file" sh -c "[ $rc = 0 ] && [ -f '$W/sat/uploads/empty.cfg' ] && [ ! -s '$W/sat/uploads/empty.cfg' ]"
"$CLI" file put "$T/update.bin" ../escape --wait --timeout 60 --config "$W/ground.ini" > "$T/out" 2>&1; rc=$?
check "a name with a path: refused on board with the rule, exit 1" \
    sh -c "[ $rc = 1 ] && grep -q 'the file name must be 1..255 of A-Z a-z 0-9 . _ - and not start with' '$T/out' && [ ! -e '$W/sat/escape' ]"
kill $loop; wait $loop 2>/dev/null; loop=
"$CLI" file put "$T/nosuch" x --config "$W/ground.ini" > /dev/null 2> "$T/err"; rc=$?
check "a missing local file: exit 3 and the sentence" \
    sh -c "[ $rc = 3 ] && grep -q 'file put: cannot upload $T/nosuch: No such file or directory' '$T/err'"
"$CLI" file put "$T" x --config "$W/ground.ini" > /dev/null 2> "$T/err"; rc=$?
check "a folder: exit 3" sh -c "[ $rc = 3 ] && grep -q 'not a regular file' '$T/err'"
"$CLI" file put "$T/update.bin" --config "$W/ground.ini" > /dev/null 2> "$T/err"; rc=$?
check "no REMOTE: exit 2" [ "$rc" = 2 ]
finish
