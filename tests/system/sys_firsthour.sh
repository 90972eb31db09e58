#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A tenant's first hour, the things that broke (README exit codes; docs/daemon.md, docs/rekey.md):
#  1. two `image get` to the same local path: the first writes it, the second never replaces
#     it and says where its copy went (LOCAL.<id>); both copies are the satellite's file, no
#     temporary is left behind (one temporary per request);
#  2. a [ground] downloads folder that does not exist is created at start, like the link folders;
#     `image get -o /no/such/dir/x` is refused at the client (exit 3, a sentence);
#  3. `rekey --pq` when the satellite started before the ground wrote its ML-DSA-65 public key:
#     the satellite warns at boot, picks the key up when it appears, and the rekey succeeds.
# Usage: sys_firsthour.sh CLI
CLI="$1"
source "$(dirname "$0")/lib.sh"
T="$(mktemp -d /tmp/aus-first.XXXXXX)"
trap 'rm -rf "$T"' EXIT
mkworld "$T/w"
# the downloads folder of this world does not exist yet; both nodes get PQ folders
sed -i "s|^downloads = .*|downloads = $W/ground/dl/deeper|" "$W/ground.ini"
for s in sat ground; do
    p=ground; [ $s = ground ] && p=sat
    sed -i "s|^master_file = .*|&\npq_dir = $W/$s/pq\npq_peer_dir = $W/$p/pq|" "$W/$s.ini"
done

# 3. the satellite boots first: the ground's public key is not there yet
s_once
check "satellite warns at boot that the ground's ML-DSA-65 key is missing" \
    grep -q "PQ rekey not ready: the peer's ML-DSA-65 verification key is missing ($W/ground/pq/dsa.pub" "$W/sat.log"
g_once
check "the ground creates its missing downloads folder at start" test -d "$W/ground/dl/deeper"

# 2. -o into a folder that does not exist: refused at the client
out="$("$CLI" image get img.bin -o /no/such/dir/x.img --config "$W/ground.ini" 2>&1)"; rc=$?
check "image get -o /no/such/dir/x.img exits 3" test $rc = 3
check "... with a sentence naming the folder" grep -qF \
    "image get: cannot save to /no/such/dir/x.img: /no/such/dir is not an existing folder" <<<"$out"
check "... and no request was queued" not grep -q "request id" <<<"$out"

# 1. the same local path twice (the retry after a --wait timeout)
a=$(submit image get img.bin -o "$W/twice.img")
b=$(submit image get img.bin -o "$W/twice.img")
pq=$(submit rekey --pq)
for i in 1 2 3 4 5 6; do round; done
check "first download answered ok" grep -q '"status":"ok"' <<<"$(resp "$a")"
# the second one never overwrites the first: its sentence says where its copy went
check "second download answered with a sentence, its copy kept beside" grep -qF \
    "already exists and is never replaced: the image is kept as $W/twice.img.$b" <<<"$(resp "$b")"
check "the local file is the satellite's" cmp -s "$W/twice.img" "$W/sat/data/img.bin"
check "the second copy is the satellite's" cmp -s "$W/twice.img.$b" "$W/sat/data/img.bin"
check "no temporary left" test -z "$(ls "$W" | grep '\.part$')"
check "no SHA-256 mismatch logged" not grep -q MISMATCH "$W/ground.log"

# 3. the satellite found the ground's key when the request came
check "rekey --pq answered ok" grep -q '"status":"ok"' <<<"$(resp "$pq")"
check "the satellite imported the ground's key after its boot" \
    grep -q "PQ: imported the peer's ML-DSA-65 verification key" "$W/sat.log"

# keys: --config shows the keystore the daemon uses; another KEK is refused, nothing listed
out="$("$CLI" keys list --config "$W/sat.ini" 2>&1)"
check "keys list --config lists the satellite's session key" grep -q "^0x0100  session  *active" <<<"$out"
out="$("$CLI" keys list --store "$W/sat/state.db.keys" --kek-file "$W/keys/ground.kek" --tenant alpha 2>&1)"; rc=$?
check "a keystore opened with another KEK is refused (exit 2)" test $rc = 2
check "... with a sentence, and nothing listed" grep -qF \
    "$W/keys/ground.kek is not its key-encryption key (the keystore's KEK check does not verify): refused, nothing listed" <<<"$out"
check "... not one key id shown" not grep -q "0x0100" <<<"$out"

# 3. a node without the peer's key says so (the real reason, not a key-state error)
mkworld "$T/v"
sed -i "s|^master_file = .*|&\npq_dir = $W/ground/pq\npq_peer_dir = $W/nowhere|" "$W/ground.ini"
mkdir -p "$W/nowhere" && mkfifo "$W/nowhere/dsa.pub"   # hostile: a FIFO where the key should be
timeout 30 "$CLI" run --config "$W/ground.ini" --once >> "$W/ground.log" 2>&1
check "a FIFO in pq_peer_dir blocks nothing at boot" test $? = 0
out="$(timeout 30 "$CLI" rekey --pq --config "$W/ground.ini" 2>&1)"
check "rekey --pq names the missing key file (a FIFO is no key)" grep -qF \
    "the peer's ML-DSA-65 verification key is missing ($W/nowhere/dsa.pub" <<<"$out"

# init: never over an existing pair, never in a folder others can write
"$CLI" init "$T/w2" > /dev/null 2>&1
out="$("$CLI" init "$T/w2" 2>&1)"; rc=$?
check "init refuses a folder that already holds a pair (exit 2)" test $rc = 2
check "... with a sentence" grep -qF "$T/w2/ground.ini already exists: init never overwrites a pair" <<<"$out"
mkdir -m 777 "$T/shared"
out="$("$CLI" init "$T/shared" 2>&1)"; rc=$?
check "init refuses a folder others can write (exit 2)" test $rc = 2 -a ! -e "$T/shared/sat.ini"
out="$("$CLI" init "$T/x" --tenant 'a b' 2>&1)"; rc=$?
check "init refuses a bad tenant name (exit 2)" test $rc = 2 -a ! -e "$T/x/sat.ini"
finish
