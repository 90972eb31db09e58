#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile surroundings of the satellite (DESIGN.md §5a, docs/daemon.md "Quarantine"): incoming
# names the quarantine could not hold, a flood that would fill the quarantine, a quarantine on
# another file system, planted directories, and a FIFO, a device link and a symbolic link in the
# data folder asked for as images; and a file asked for twice is hashed once.
# Every count is of log lines, files and records, never of time (the satellite runs under
# `timeout` only so that a blocked one fails the test instead of hanging it).
CLI="${1:?usage: sys_hostile_sat.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-hsat.XXXXXX); trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# s_run: one --once run of the satellite, killed if it blocks; its exit code
s_run() { timeout -s KILL 60 "$CLI" run --config "$W/sat.ini" --once >> "$W/sat.log" 2>&1; }
# folders KEY VALUE: set a [folders] key of the satellite's config
folders() { sed -i "/^quarantine = /a $1 = $2" "$W/sat.ini"; }
Q() { echo "$W/sat/quarantine"; }
kept() { find "$(Q)" -maxdepth 1 -type f -name 'q*' | wc -l; }
records() { grep -c " $1 size=" "$(Q)/INDEX" 2>/dev/null || true; }
junk() { head -c "${2:-24}" /dev/urandom > "$W/sat/in/$1"; }
# has ID TEXT / hasre ID REGEX: the stored answer to request ID contains it
has() { resp "$1" | grep -q -F -- "$2"; }
hasre() { resp "$1" | grep -q -E -- "$2"; }

# 1. a 250-byte name (and a 255-byte one with a newline, a quote and UTF-8 in it): quarantined
#    once, under a name of ours; never read again on later scans; the full name in INDEX
mkworld "$T/w1"
long=$(printf 'L%.0s' $(seq 250))
odd="$(printf 'x%.0s' $(seq 240))$(printf 'a\nb"c\xc3\xa9-')"
junk "$long"; junk "$odd"
check "setup: a 250-byte and a ${#odd}-character name in the incoming folder" \
    [ "$(ls "$W/sat/in" | wc -l)" -ge 2 ]
for i in 1 2 3 4; do s_run; done
check "250-byte name: one log line over four scans" [ "$(grep -c "quarantine $long: " "$W/sat.log")" = 1 ]
check "no 'cannot quarantine' line" not grep -q "cannot quarantine\|neither moved" "$W/sat.log"
check "both left the incoming folder" [ -z "$(ls -A "$W/sat/in")" ]
check "both are kept in the quarantine" [ "$(kept)" = 2 ]
short() { [ "$(find "$(Q)" -maxdepth 1 -type f -name 'q*' -printf '%f\n' | awk 'length > 101' | wc -l)" = 0 ]; }
check "quarantine names are at most 101 bytes" short
check "INDEX keeps the full 250-byte name" grep -q "name=\"$long\"" "$(Q)/INDEX"
check "INDEX keeps the odd name escaped (newline, quote, UTF-8)" \
    grep -q -F 'a\nb\x22c\xc3\xa9-"' "$(Q)/INDEX"
check "INDEX: one line per refusal (a newline in a name cannot add one)" [ "$(wc -l < "$(Q)/INDEX")" = 2 ]
id=$(submit cmd ping after-long); round
check "still serving" has "$id" "pong after-long"

# 2. bounds: 20 junk files, at most 5 kept; the 15 oldest dropped, counted, logged, recorded
mkworld "$T/w2"
folders quarantine_max_files 5
for i in $(seq -w 1 20); do junk "junk-$i" 40; done
s_run; rc=$?
check "bounded: the satellite ran (rc $rc)" [ $rc = 0 ]
check "bounded: 5 files remain in the quarantine" [ "$(kept)" = 5 ]
newest() { [ "$(find "$(Q)" -maxdepth 1 -type f -name 'q*' -printf '%f\n' | sed 's/.*-junk-//' | sort | tr '\n' ' ')" = "16 17 18 19 20 " ]; }
check "bounded: the oldest went first (junk-16..20 remain)" newest
check "bounded: INDEX has 20 refusal records" [ "$(records kept)" = 20 ]
check "bounded: INDEX has 15 drop records" [ "$(records dropped)" = 15 ]
check "bounded: the drops are logged" grep -q "quarantine full: dropped the 1 oldest file(s), 40 bytes; 15 dropped in all" "$W/sat.log"
t=$(submit tm); round
check "bounded: health reports quarantine_dropped 15" has "$t" '"quarantine_dropped":15'
check "bounded: the banner reports it after a restart" grep -q "Quarantine: 5 files, 200 bytes held (bounds 5 files, .*; 20 refused, 0 not kept, 15 dropped (600 bytes) in all" "$W/sat.log"
# the byte bound, lowered: enforced at start; a file larger than the whole bound is not kept
sed -i "s/^quarantine_max_files = 5/quarantine_max_files = 100\nquarantine_max_bytes = 100/" "$W/sat.ini"
junk big 500
s_run
check "bytes: at most 100 bytes kept (2 files of 40)" [ "$(kept)" = 2 ]
check "bytes: the lowered bound is logged at start" grep -q "quarantine over its bounds (100 files, 100 bytes): dropped the 3 oldest" "$W/sat.log"
check "bytes: a 500-byte file is removed unread and recorded" grep -q " removed size=500 .*larger than the quarantine's bounds.*name=\"big\"" "$(Q)/INDEX"
check "bytes: the incoming folder is empty" [ -z "$(ls -A "$W/sat/in")" ]

# 3. a quarantine the rename cannot reach (another file system): each file removed unread,
#    recorded, read once; a non-empty directory is left in place, judged once per process
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
    mkworld "$T/w3"
    SHM=$(mktemp -d /dev/shm/aus-hsat.XXXXXX)
    sed -i "s|^quarantine = .*|quarantine = $SHM/q|" "$W/sat.ini"
    junk elsewhere 30
    for i in 1 2 3; do s_run; done
    check "EXDEV: one log line over three scans" [ "$(grep -c "quarantine elsewhere: " "$W/sat.log")" = 1 ]
    check "EXDEV: removed unread" [ ! -e "$W/sat/in/elsewhere" ]
    check "EXDEV: recorded with the reason" grep -q " removed size=30 .*cannot move it: Invalid cross-device link.*name=\"elsewhere\"" "$SHM/q/INDEX"
    check "EXDEV: counted as not kept" grep -q "1 refused, 1 not kept" "$W/sat.log"
    rm -rf "$SHM"
else
    echo "skip EXDEV: /dev/shm is not another file system here"
fi
mkworld "$T/w4"
mkdir -p "$W/sat/in/a-dir/inner"; mkdir "$W/sat/in/empty-dir"; mkfifo "$W/sat/in/a-fifo"
ln -s /etc/passwd "$W/sat/in/a-link"
s_run
check "planted: the non-empty directory is left in place, said once" [ "$(grep -c "quarantine a-dir: .*left in place" "$W/sat.log")" = 1 ]
check "planted: empty directory, FIFO and link removed unread" [ ! -e "$W/sat/in/empty-dir" -a ! -e "$W/sat/in/a-fifo" -a ! -L "$W/sat/in/a-link" ]
check "planted: nothing of them kept in the quarantine" [ "$(kept)" = 0 ]
check "planted: the link's target untouched" [ -s /etc/passwd ]
check "planted: INDEX names the kinds" grep -q "not kept: a FIFO" "$(Q)/INDEX"

# 4. a FIFO, a device link and a link to a regular file in the data folder, asked for as
#    images: each answered with an error, the satellite not blocked, later requests answered
mkworld "$T/w5"
mkfifo "$W/sat/data/pipe"
ln -s /dev/zero "$W/sat/data/zero"; ln -s "$W/sat/data/img.bin" "$W/sat/data/link.bin"
ip=$(submit image get pipe -o "$T/pipe.out")
iz=$(submit image get zero -o "$T/zero.out")
il=$(submit image get link.bin -o "$T/link.out")
ig=$(submit cmd ping after-fifo)
g_once; up; s_run; rc=$?
down; g_once
check "FIFO: the satellite was not blocked (rc $rc)" [ $rc = 0 ]
for x in "$ip pipe" "$iz zero" "$il link.bin"; do
    set -- $x
    check "$2: answered with an error" hasre "$1" '"status":"error".*refused to send this file'
    check "$2: the satellite's log says why" grep -q "image $2 refused: not a regular file" "$W/sat.log"
done
check "FIFO: the ping after it is answered" has "$ig" "pong after-fifo"
check "FIFO: nothing written for it" [ ! -e "$T/pipe.out" -a ! -e "$T/zero.out" ]

# 5. one file asked for twice in one pass: its SHA-256 is computed once (log line and the
#    image_hashes / image_hash_hits counters of the health report); both downloads complete
mkworld "$T/w6"
a=$(submit image get img.bin -o "$T/a.img")
b=$(submit image get img.bin -o "$T/b.img")
t=$(submit tm)
round
check "hash: both downloads complete" sh -c "cmp -s '$T/a.img' '$W/sat/data/img.bin' && cmp -s '$T/b.img' '$W/sat/data/img.bin'"
check "hash: computed once (one log line)" [ "$(grep -c "image img.bin: SHA-256 computed" "$W/sat.log")" = 1 ]
check "hash: health counts 1 computed, 1 reused" has "$t" '"image_hashes":1,"image_hash_hits":1'
# rewritten (same inode, a new version), asked for twice again: hashed once more
a2=$(submit image get img.bin -o "$T/a2.img")
b2=$(submit image get img.bin -o "$T/b2.img")
head -c 5000 /dev/urandom >> "$W/sat/data/img.bin"
round
check "hash: the new version is hashed once" [ "$(grep -c "image img.bin: SHA-256 computed over 105000 bytes" "$W/sat.log")" = 1 ]
check "hash: and its downloads are the new version" cmp -s "$T/b2.img" "$W/sat/data/img.bin"
finish
