#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Nonce and sequence-number uniqueness on the ground (DESIGN.md §5: one owner per store).
#  1. The reproduction: a running ground daemon whose socket is moved away; a client must not
#     open the store itself (it did, and sealed a second bundle under the same (key, IV)).
#  2. Parallel clients through the daemon, and parallel clients with no daemon (direct mode,
#     serialised by the store's owner lock).
#  3. kill -9 and SIGTERM restart loops of the daemon with clients running against it.
# Every IV is checked twice: from AUS_IV_LOG (written by each process at seal time) and from
# the bundles' own bytes, decoded with an independent CBOR library (bundle_ivs.mjs).
# usage: sys_nonce.sh CLI XCHECK_DIR
CLI="$1"; XCHECK="${2:-}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d); [ -n "${KEEP:-}" ] && echo "keeping $T"; trap 'kill -9 $(jobs -p) 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
mkworld "$T/w"
export AUS_IV_LOG="$W/iv.log"
: > "$AUS_IV_LOG"
sed -i "s/^retry_s = 0/retry_s = 3600/" "$W/ground.ini"
printf 'socket = %s/g.sock\n' "$T" >> "$W/ground.ini"
ARC="$T/arc"; mkdir -p "$ARC"
# Take every sealed bundle out of the outgoing folder under a unique name (as an operator's
# pipeline would): a later bundle with a repeated sequence number cannot hide an earlier one.
collect() { local f; for f in "$W"/ground/out/*.bundle; do [ -e "$f" ] || continue
    mv "$f" "$ARC/$(date +%s%N)-$RANDOM-$(basename "$f")"; done; }
gpid=
start_ground() { "$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 & gpid=$!
    waitfor test -S "$T/g.sock"; }   # 60 s (5 s was short for ASan on a loaded machine)
ping() { "$CLI" cmd ping "$1" --config "$W/ground.ini" > "$T/out.$1" 2> "$T/err.$1"; }

# ---- 0. the socket path is ours to replace only when it is our own stale socket ----
echo "not a socket" > "$T/g.sock"
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2> "$T/err.squat"; rc=$?
check "a file at the socket path: the ground refuses to start (exit $rc) and leaves it alone" \
    sh -c "[ $rc = 3 ] && grep -q 'not a socket' '$T/g.sock' && grep -q 'cannot listen on' '$T/err.squat'"
rm -f "$T/g.sock"
python3 -c "import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(30)" "$T/g.sock" & lst=$!
waitfor test -S "$T/g.sock"   # the squatter must hold the path before the ground starts
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2> "$T/err.squat2"; rc=$?
check "a live listener at the socket path: refused too (exit $rc), its socket not removed" \
    sh -c "[ $rc = 3 ] && [ -S '$T/g.sock' ]"
kill $lst; wait $lst 2>/dev/null; rm -f "$T/g.sock" "$T/err.squat" "$T/err.squat2"

# ---- 1. the reproduction ----
start_ground
check "ground daemon answers on its socket" ping first
mv "$T/g.sock" "$T/g.sock.away"
seals=$(wc -l < "$AUS_IV_LOG")
ping SECRET-ONE-direct; rc=$?
check "with the socket gone, a client is refused (exit 3), not run on the daemon's store ($rc)" [ $rc = 3 ]
check "... with a sentence naming the owner" grep -q "owned by another process (pid $gpid)" "$T/err.SECRET-ONE-direct"
check "... and it sealed nothing (the idle daemon neither)" [ "$(wc -l < "$AUS_IV_LOG")" = "$seals" ]
mv "$T/g.sock.away" "$T/g.sock"
check "the socket back: the next client is answered" ping secret-two
check "australis status beside the running daemon works without its socket (read-only)" \
    sh -c "mv '$T/g.sock' '$T/g.sock.away'; '$CLI' status --json --config '$W/ground.ini' > '$T/st.json'; r=\$?; mv '$T/g.sock.away' '$T/g.sock'; [ \$r = 0 ] && grep -q pending '$T/st.json'"

# ---- 2. parallel clients ----
pids=(); for i in $(seq 1 6); do ping "par$i" & pids+=($!); done
okc=0; for p in "${pids[@]}"; do wait "$p" && okc=$((okc+1)); done
check "6 parallel clients through the daemon all answered ($okc)" [ $okc = 6 ]
kill -TERM $gpid; wait $gpid 2>/dev/null; gpid=
collect
pids=(); for i in $(seq 1 6); do ping "direct$i" & pids+=($!); done
okc=0; for p in "${pids[@]}"; do wait "$p" && okc=$((okc+1)); done
check "6 parallel clients without a daemon: each ran as the store's one owner in turn ($okc)" [ $okc = 6 ]
collect

# ---- 3. kill -9 and restart loops with clients running ----
sent=0
for cyc in $(seq 1 30); do
    start_ground
    for c in 1 2 3; do ping "k$cyc-$c" & done
    sleep 0.0$((RANDOM % 10))
    kill -9 $gpid; wait $gpid 2>/dev/null; gpid=
    wait; sent=$((sent+3)); collect
done
for cyc in $(seq 1 8); do
    start_ground
    for c in 1 2; do ping "t$cyc-$c" & done
    sleep 0.0$((RANDOM % 10)); kill -TERM $gpid; wait $gpid 2>/dev/null; gpid=
    wait; collect
done
g_once; collect
refused=$(grep -l "owned by another process" "$T"/err.* 2>/dev/null | wc -l)
echo "  $(wc -l < "$AUS_IV_LOG") seals logged, $(ls "$ARC" | wc -l) bundle files taken, $refused client(s) refused with the owner sentence"
check "no client fell back to the store while a daemon owned it (no other failure sentence)" \
    not grep -l -v -e "owned by another process" -e "closed the connection before answering" -e "cannot reach the ground daemon or its store" -e "^$" $(ls "$T"/err.* 2>/dev/null | head -1000) /dev/null

# ---- the verdict: every IV once ----
dups=$(awk '{print $4, $5}' "$AUS_IV_LOG" | sort | uniq -d | wc -l)
check "AUS_IV_LOG: $(wc -l < "$AUS_IV_LOG") seals, no (key, IV) pair twice ($dups)" [ "$dups" = 0 ]
if [ -n "$XCHECK" ] && [ -d "$XCHECK/node_modules/cbor2" ]; then
    node "$(dirname "$0")/bundle_ivs.mjs" "$XCHECK" "$ARC"/*.bundle > "$T/ivs.txt"
    n=$(wc -l < "$T/ivs.txt")
    # the same bundle may be written twice after a crash (same bytes): that is a resend, not a
    # reuse; an IV or sequence number with two different ciphertexts is the failure.
    ivdup=$(awk '{print $2, $4}' "$T/ivs.txt" | sort -u | awk '{print $1}' | sort | uniq -d | wc -l)
    seqdup=$(awk '{print $3, $4}' "$T/ivs.txt" | sort -u | awk '{print $1}' | sort | uniq -d | wc -l)
    check "bundle bytes ($n bundles, independent CBOR decoder): no BCB IV with two ciphertexts ($ivdup)" [ "$n" -gt 20 -a "$ivdup" = 0 ]
    check "... and no sequence number with two different bundles ($seqdup)" [ "$seqdup" = 0 ]
else
    echo "  (independent bundle check skipped: $XCHECK/node_modules/cbor2 not installed; make xcheck-deps)"
fi
check "no daemon run failed" not grep -q -i "Segmentation\|Aborted\|AddressSanitizer\|runtime error" "$W/ground.log"
finish
