#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DESIGN.md §5a, the attacks that can be automated cheaply, against the real daemons:
#  - link = ccsds: pass files as a hostile operator makes them: a FIFO (the daemon must not block
#    in open), a symlink to a secret, truncated / bit-flipped / garbage files, a 100 MB file, a
#    whole uplink pass replayed, frames of an earlier pass replayed inside a new pass file, a
#    downlink pass replayed to the ground: nothing runs twice, nothing blocks, the link works;
#  - the rekey protocols: PQ rekey and OTAR requests reordered (the superseded one is refused as
#    a replay and changes no key), a rekey request bundle replayed, another tenant's rekey
#    request, a command sealed under the old pair held past the overlap window, the satellite
#    killed at each durable write of a PQ rekey and of an OTAR (strace fault injection).
# Every daemon run is under `timeout`: exit 124 (a hang) fails the check that uses it.
CLI="${1:?usage: sys_attacks.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-attacks.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
export AUS_REKEY_OVERLAP_S=1
s_to() { timeout 60 "$CLI" run --config "$W/sat.ini" --once >> "$W/sat.log" 2>&1; }
g_to() { timeout 60 "$CLI" run --config "$W/ground.ini" --once >> "$W/ground.log" 2>&1; }
has() { resp "$1" | grep -q -- "$2"; }
runs() { grep -c "^$1\$" "$W/ledger"; }
sane() { not grep -q -i "store failure\|Segmentation\|Aborted\|AddressSanitizer\|runtime error" "$W/sat.log" "$W/ground.log"; }

# ======================= link = ccsds =======================
mkworld "$T/c"
( umask 077; head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$W/keys/sdls.key" )
for s in sat ground; do
    peer=ground; [ $s = ground ] && peer=sat
    sed -i "s/^link = folder/link = ccsds\ntm_vcid = 0\ntc_vcid = 4\ntm_spi = 1\ntc_spi = 2\ntm_frame_len = 1115/" "$W/$s.ini"
    sed -i "s#^\[keys\]#[keys]\nsdls_key_file = $W/keys/sdls.key\npq_dir = $W/$s/pq\npq_peer_dir = $W/$peer/pq#" "$W/$s.ini"
done
mkdir -p "$T/au" "$T/ad" "$T/au2"
s_to; g_to; s_to
c1=$(submit cmd exec mark c1)
g_to; up --archive "$T/au"; s_to; down --archive "$T/ad"; g_to
check "ccsds: a command runs over the radio path" has "$c1" 'marked c1'
U=$(ls "$T/au" | head -1); D=$(ls "$T/ad" | head -1)

# a FIFO in either incoming folder: quarantined at once, the daemon does not block in open()
mkfifo "$W/sat/in/pipe" "$W/ground/in/pipe"
s_to; rc=$?
check "ccsds: a FIFO in the satellite's incoming folder does not block it (exit $rc)" [ $rc = 0 ]
check "... the FIFO is taken out of the queue (quarantined or recorded)" \
    sh -c "[ ! -e '$W/sat/in/pipe' ] && { ls '$W/sat/quarantine' | grep -q pipe || grep -q 'name=\"pipe\"' '$W/sat/quarantine/INDEX'; }"
g_to; rc=$?
check "ccsds: a FIFO in the ground's incoming folder does not block it (exit $rc)" [ $rc = 0 ]
# a symlink to a secret: never followed, quarantined as a link, the secret untouched and unlogged
printf 'TOP-SECRET-%s\n' $RANDOM > "$T/secret"; chmod 600 "$T/secret"; cp "$T/secret" "$T/secret.orig"
ln -s "$T/secret" "$W/sat/in/link"
s_to
check "ccsds: a symlinked pass file is not followed: taken out of the queue, its target untouched" \
    sh -c "[ ! -L '$W/sat/in/link' ] && [ ! -L '$T/secret' ] && cmp -s '$T/secret' '$T/secret.orig'"
check "... and the secret never reaches the log" not grep -q TOP-SECRET "$W/sat.log"
# truncated at several lengths, every octet inverted, garbage, a sparse 100 MB file
for n in 1 7 50 $(( $(stat -c %s "$T/au/$U") / 2 )); do head -c $n "$T/au/$U" > "$W/sat/in/trunc$n"; done
python3 -c "import sys;d=open(sys.argv[1],'rb').read();open(sys.argv[2],'wb').write(bytes(b^0xff for b in d))" \
    "$T/au/$U" "$W/sat/in/inverted"
head -c 20000 /dev/urandom > "$W/sat/in/garbage"
truncate -s 100M "$W/sat/in/huge"
s_to; rc=$?
check "ccsds: truncated, inverted, garbage and huge pass files: the daemon carries on (exit $rc)" [ $rc = 0 ]
check "... none of them delivered a bundle" \
    sh -c "! grep -E 'ccsds pass in (trunc|inverted|garbage)' '$W/sat.log' | grep -v -q ', 0 bundles\$'"
check "... the 100 MB file is quarantined unread" grep -q "quarantine huge: not a readable pass file" "$W/sat.log"
check "... the incoming folder is empty afterwards" [ -z "$(ls "$W/sat/in")" ]
# the whole first uplink pass replayed: SDLS anti-replay refuses its frames, nothing runs
cp "$T/au/$U" "$W/sat/in/replay-whole"
s_to
check "ccsds: a replayed uplink pass is refused by SDLS anti-replay" \
    grep -q -E "ccsds pass in replay-whole: .*SDLS replay [1-9][0-9]* auth 0, 0 bundles" "$W/sat.log"
# frames of the first pass replayed in front of a new pass's frames, in one file
c2=$(submit cmd exec mark c2)
g_to; up --archive "$T/au2"; U2=$(ls "$T/au2" | head -1)
rm -f "$W/sat/in/$U2"; cat "$T/au/$U" "$T/au2/$U2" > "$W/sat/in/mixed"
s_to; down; g_to
check "ccsds: the replayed frames in a mixed pass file are refused (SDLS replay)" \
    grep -q -E "ccsds pass in mixed: .*SDLS replay [1-9]" "$W/sat.log"
check "... the new pass's command in the same file runs" has "$c2" 'marked c2'
# a downlink pass replayed to the ground
cp "$T/ad/$D" "$W/ground/in/replay-down"
g_to
check "ccsds: a replayed downlink pass is refused by SDLS anti-replay on the ground" \
    grep -q -E "ccsds pass in replay-down: .*SDLS replay [1-9][0-9]* auth 0, 0 bundles" "$W/ground.log"
c3=$(submit cmd exec mark c3)
for i in 1 2 3; do has "$c3" '"status"' && break; g_to; up; s_to; down; g_to; done
check "ccsds: the link works after the attacks" has "$c3" 'marked c3'
check "ccsds: every command ran exactly once" [ "$(sort "$W/ledger" | tr '\n' ' ')" = "c1 c2 c3 " ]
check "ccsds: no daemon run failed" sane

# ======================= rekey =======================
mkworld "$T/b" bravo 100 200; WB=$W
mkworld "$T/r"; WR=$W
for w in "$WR" "$WB"; do
    for s in sat ground; do
        peer=ground; [ $s = ground ] && peer=sat
        sed -i "s#^\[keys\]#[keys]\npq_dir = $w/$s/pq\npq_peer_dir = $w/$peer/pq#" "$w/$s.ini"
    done
done
W=$WB; s_to; g_to; s_to; g_to
W=$WR; s_to; g_to; s_to; g_to
check "rekey: both tenants provisioned the PQ rekey" \
    sh -c "grep -q 'PQ rekey provisioned' '$WR/sat.log' && grep -q 'PQ rekey provisioned' '$WB/sat.log'"
inv() { local id; id=$(submit sa inventory); round; resp "$id"; }
sat_keys() { inv | grep -o 'key(s):[^"]*'; }

# PQ: two requests, the newer delivered first; the older (and its re-sent copy) then arrives
mkdir -p "$T/p1" "$T/p2"
p1=$(submit rekey --pq); g_to; mv "$W"/ground/out/* "$T/p1/"
p2=$(submit rekey --pq); g_to; mv "$W"/ground/out/* "$T/p2/"
cp "$T"/p2/* "$W/sat/in/"; s_to
cp "$T"/p1/* "$W/sat/in/"; s_to
mkdir -p "$T/pd"; down --archive "$T/pd"; g_to
check "rekey: the newer PQ request delivered first completes" has "$p2" 'confirmed'
check "... the older one, arriving after it, is refused as a replay" has "$p1" 'replayed'
check "... and switched no key on the satellite" not grep -q "sending under EK=0x0102" "$W/sat.log"
# the request bundle of p2 replayed (the old pair still receivable): refused by the bundle
# layer's anti-replay window, no second switch
nsw=$(grep -c "sending under" "$W/sat.log")
for f in "$T"/p2/*; do cp "$f" "$W/sat/in/replay-$(basename "$f")"; done
s_to
check "rekey: a replayed PQ request bundle is quarantined as a replay" \
    grep -q "quarantine replay-.*(AUS_E_REPLAY)" "$W/sat.log"
check "... and switches nothing" [ "$(grep -c "sending under" "$W/sat.log")" = "$nsw" ]
# the satellite's responses replayed to the ground: refused, no second switch
ngs=$(grep -c "session keys switched" "$W/ground.log")
for f in "$T"/pd/*; do cp "$f" "$W/ground/in/replay-$(basename "$f")"; done
g_to
check "rekey: the replayed PQ response bundles are quarantined as replays" \
    grep -q "quarantine replay-.*(AUS_E_REPLAY)" "$W/ground.log"
check "... and switch nothing on the ground" [ "$(grep -c "session keys switched" "$W/ground.log")" = "$ngs" ]
k1=$(submit cmd exec mark k1); round; sleep 1.2; round
check "rekey: a command runs after the reordered PQ requests" has "$k1" 'marked k1'
# OTAR: the same reordering; the EP layer's OTAR IV check refuses the older one
mkdir -p "$T/o1"
o1=$(submit rekey --otar); g_to; mv "$W"/ground/out/* "$T/o1/"
o2=$(submit rekey --otar); round
cp "$T"/o1/* "$W/sat/in/"; s_to; down; g_to
check "rekey: the newer OTAR delivered first switches the keys" has "$o2" '"status":"ok"'
check "... the older OTAR, arriving after it, is refused as a replay" has "$o1" 'replayed'
check "... and installs nothing on the satellite" not grep -q "OTAR: keys 0x4000/0x4001 installed" "$W/sat.log"
k2=$(submit cmd exec mark k2); round; sleep 1.2; round
check "rekey: a command runs after the reordered OTARs" has "$k2" 'marked k2'

# another tenant's PQ request delivered to this satellite: not opened, no key changes
before=$(sat_keys)
W=$WB; pb=$(submit rekey --pq); g_to; cp "$WB"/ground/out/* "$WR/sat/in/"
W=$WR; s_to
check "rekey: another tenant's PQ request is quarantined (authentication)" \
    grep -q "quarantine .*\(authentication\|key\|policy\)" "$WR/sat.log"
check "... and changes no key of this tenant ($before)" \
    sh -c "[ -n '$before' ] && [ '$(sat_keys)' = '$before' ]"

# overlap window: a command sealed under the pair before a rekey, held by the operator
mkdir -p "$T/held"
h=$(submit cmd exec mark held); g_to; mv "$W"/ground/out/* "$T/held/"
p3=$(submit rekey --pq)
for i in 1 2 3; do has "$p3" '"status"' && break; round; done
check "rekey: a PQ rekey completes while a command is held" has "$p3" 'confirmed'
# the re-sent command (under the new pair) runs; the satellite then retires and, after the
# overlap, destroys the old pair
for i in 1 2 3; do has "$h" '"status"' && break; round; done
sleep 1.2; round
cp "$T"/held/* "$W/sat/in/"; s_to
check "rekey: the held command ran once (its re-sent copy)" [ "$(runs held)" = 1 ]
check "... its original, under the destroyed pair, is quarantined after the overlap" \
    grep -q "quarantine b.*\(authentication\|key\|replay\)" "$W/sat.log"
k3=$(submit cmd exec mark k3); round
check "rekey: commands still run" has "$k3" 'marked k3'
check "rekey: every command ran exactly once" \
    [ "$(sort "$W/ledger" | tr '\n' ' ')" = "held k1 k2 k3 " ]
check "rekey: no daemon run failed" sane

# ============ a crash between the keystore's commit and the main store's (PQ rekey) ============
# The satellite's rekey state lives in <store>.keys, the seen-mark and cached answer in the main
# store. Killed at each of its first 10 fdatasync calls while handling a PQ request, then run
# normally: the request read again must be answered "ok" (not "replayed"), every time.
if command -v strace > /dev/null && strace -o /dev/null true 2> /dev/null; then
    mkworld "$T/k"; WK=$W
    for s in sat ground; do
        peer=ground; [ $s = ground ] && peer=sat
        sed -i "s#^\[keys\]#[keys]\npq_dir = $W/$s/pq\npq_peer_dir = $W/$peer/pq#" "$W/$s.ini"
    done
    s_to; g_to; s_to; g_to
    pk=$(submit rekey --pq); g_to; up
    cp -a "$WK" "$T/ksnap"
    bad=0; tried=0; again=0
    for k in $(seq 1 10); do
        rm -rf "$WK"; cp -a "$T/ksnap" "$WK"
        sh -c '"$@" >> "$0" 2>&1; :' "$W/sat.log" strace -f -o /dev/null -e trace=fdatasync \
            -e inject=fdatasync:signal=SIGKILL:when=$k "$CLI" run --config "$W/sat.ini" --once \
            2> /dev/null
        tried=$((tried+1))
        for i in 1 2 3; do has "$pk" '"status"' && break; s_to; down; g_to; g_to; up; done
        has "$pk" 'confirmed' || { bad=$((bad+1)); echo "  crash at fdatasync #$k: $(resp "$pk")"; }
        again=$((again + $(grep -c "answered again" "$W/sat.log")))
    done
    check "rekey: killed at each of $tried durable writes, the PQ request is answered ok ($bad not)" [ $bad = 0 ]
    check "... $again of them by answering the re-read request again" [ $again -gt 0 ]
else
    echo "skip the crash-window sweep (needs strace with ptrace allowed)"
fi

# ============ the same crash window for OTAR (src/keys/sdls_ep_board.c) ============
# The EP board commits the OTAR IV and the new keys (PREACTIVE) to <store>.keys, the daemon then
# activates them one by one and the main store records the answer. Killed (SIGKILL, then EIO) at
# each of the first 10 fdatasync calls while the satellite handles an OTAR, then run normally: the re-read OTAR
# (same IV, keys installed) must be answered "ok", never "replayed", and the ground must switch
# to the pair (before the fix: kill at #3..#8 -> "replayed", the ground's 0x4000/0x4001 stayed
# ACTIVE unused forever). A command then runs under the new pair.
if command -v strace > /dev/null && strace -o /dev/null true 2> /dev/null; then
    mkworld "$T/ko"; WO=$W
    s_to; g_to; s_to; g_to
    ok0=$(submit cmd exec mark ok0); round
    po=$(submit rekey --otar); g_to; up
    cp -a "$WO" "$T/osnap"
    bad=0; tried=0; again=0; nosw=0; norun=0
    for how in signal=SIGKILL error=EIO; do for k in $(seq 1 10); do
        rm -rf "$WO"; cp -a "$T/osnap" "$WO"
        sh -c '"$@" >> "$0" 2>&1; :' "$W/sat.log" strace -f -o /dev/null -e trace=fdatasync \
            -e inject=fdatasync:$how:when=$k "$CLI" run --config "$W/sat.ini" --once 2> /dev/null
        tried=$((tried+1))
        for i in 1 2 3; do has "$po" '"status"' && break; s_to; down; g_to; g_to; up; done
        has "$po" '"status":"ok"' || { bad=$((bad+1)); echo "  OTAR, $how at fdatasync #$k: $(resp "$po")"; }
        grep -q "session keys switched: EK=0x4000" "$W/ground.log" || nosw=$((nosw+1))
        again=$((again + $(grep -c "OTAR: .*answered again" "$W/sat.log")))
        c=$(submit cmd exec mark "o$k")
        for i in 1 2 3; do has "$c" '"status"' && break; round; done
        has "$c" "marked o$k" || { norun=$((norun+1)); echo "  OTAR, $how at #$k: command: $(resp "$c")"; }
    done; done
    check "OTAR: killed (or EIO) at each of $tried durable writes, the OTAR is answered ok ($bad not)" [ $bad = 0 ]
    check "... the ground switched to the uploaded pair every time ($nosw not)" [ $nosw = 0 ]
    check "... $again of them by answering the re-read OTAR again" [ $again -gt 0 ]
    check "... and a command ran under the new keys every time ($norun not)" [ $norun = 0 ]
else
    echo "skip the OTAR crash-window sweep (needs strace with ptrace allowed)"
fi

# ======================= another local user squats the ground's socket =======================
# ([ground] socket in a shared directory, the daemon not running): the client must not hand the
# request (command arguments) to a process of another user, nor print that process's answer.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && [ -x /usr/bin/python3 ]; then
    chmod 711 "$T"; mkdir -m 1777 "$T/shared"
    printf 'socket = %s/shared/g.sock\n' "$T" >> "$W/ground.ini"
    setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import os, socket, sys
p, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX); s.bind(p); os.chmod(p, 0o777); s.listen(4); s.settimeout(20)
got = b""
try:
    c, _ = s.accept(); c.settimeout(2)
    try: got = c.recv(65536)
    except Exception: pass
    c.sendall(b"{\"id\":4242}\n")
except Exception: pass
open(out, "wb").write(got)' "$T/shared/g.sock" "$T/shared/stolen" &
    sq=$!
    waitfor test -S "$T/shared/g.sock"   # 60 s: the squatter must hold the path first
    "$CLI" cmd exec mark SQUATTED-SECRET --config "$W/ground.ini" > "$T/squat.out" 2>&1; rc=$?
    wait $sq
    check "socket squatted by another user: the client refuses (exit $rc)" [ $rc != 0 ]
    check "... says who serves the socket" grep -q "served by another user (uid 65534" "$T/squat.out"
    check "... and the squatter got nothing" not grep -q SQUATTED "$T/shared/stolen"
    check "... nor was its answer printed" not grep -q 4242 "$T/squat.out"
else
    echo "skip socket squatting (needs root, setpriv and /usr/bin/python3)"
fi
finish
