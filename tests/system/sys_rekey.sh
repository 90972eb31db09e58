#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PQ rekey whose response is lost (docs/rekey.md, key switch): the satellite keeps the pair the
# ground sends under ACTIVE until the ground uses the new one. With an overlap of 1 s
# (AUS_REKEY_OVERLAP_S) and the response deleted from the downlink: after the overlap a command
# under the old keys still runs, the ground re-sends the request, the cached response completes
# the rekey, the satellite retires the old pair only at the first bundle under the new one, the
# timer destroys it after the overlap, and traffic works throughout. The same for an OTAR whose
# response is lost. Also the EP board's IV counter record moving to the "ep/<tenant>/" prefix.
CLI="${1:?usage: sys_rekey.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-rekey.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
export AUS_REKEY_OVERLAP_S=1
mkworld "$T/w"
for s in sat ground; do
    peer=ground; [ $s = ground ] && peer=sat
    sed -i "s#^\[keys\]#[keys]\npq_dir = $W/$s/pq\npq_peer_dir = $W/$peer/pq#" "$W/$s.ini"
done
# first boots: long-term PQ keys generated, public halves exchanged, rekey states provisioned
s_once; g_once; s_once; g_once
check "the satellite provisioned the PQ rekey" grep -q "PQ rekey provisioned" "$W/sat.log"
check "the ground provisioned the PQ rekey" grep -q "PQ rekey provisioned" "$W/ground.log"
has() { resp "$1" | grep -q -- "$2"; }
inv() { # key inventory of the satellite (SDLS-EP over the link) -> the answer text
    local id; id=$(submit sa inventory); round; resp "$id"
}

c0=$(submit cmd exec mark before)
round
check "a command before the rekey runs" has "$c0" '"status":"ok"'

pid=$(submit rekey --pq)
g_once; up; s_once
check "the satellite handled the request and sends under the new pair" \
    grep -q "sending under EK=0x0102" "$W/sat.log"
n=$(ls "$W/sat/out" | wc -l)
rm -f "$W/sat/out"/*           # the downlink pass carrying the response is lost
check "the response was in the lost pass ($n file)" [ "$n" -ge 1 ]
g_once
check "the rekey is unanswered after the lost pass" not has "$pid" '"status"'
check "the ground re-sent the rekey request" grep -q "re-sent rekey-request id=$pid" "$W/ground.log"
sleep 2                         # past the overlap: before the fix the old pair was dead here

c1=$(submit cmd exec mark after-loss)
round
check "a command under the old keys runs after the overlap" has "$c1" '"status":"ok"'
check "... and ran once" [ "$(grep -c '^after-loss$' "$W/ledger")" = 1 ]
check "the re-sent request got the cached response: rekey confirmed" \
    has "$pid" 'confirmed'
check "no bundle was quarantined on either side" \
    not grep -q "  quarantine " "$W/sat.log" "$W/ground.log"
check "the satellite still holds the old pair (nothing under the new one seen yet)" \
    not grep -q "PQ rekey confirmed by the ground" "$W/sat.log"

c2=$(submit cmd exec mark after-rekey)
round
check "a command under the new pair runs" has "$c2" '"status":"ok"'
check "the satellite retired the old pair at the first bundle under the new one" \
    grep -q "PQ rekey confirmed by the ground: 0x0100/0x0101" "$W/sat.log"
sleep 2
s_once; g_once                  # timers: the retired pairs are past their deadline
out=$(inv)
echo "inventory: $out"
check "the old pair is destroyed on the satellite after the overlap" \
    grep -q '0x0100 destroyed, 0x0101 destroyed' <<<"$out"
check "the new pair is active on the satellite" grep -q '0x0102 active, 0x0103 active' <<<"$out"

# a second rekey with nothing lost completes in one round, traffic goes on
p2=$(submit rekey --pq)
round
check "a second PQ rekey completes" has "$p2" 'confirmed'
c3=$(submit cmd exec mark after-second)
round
check "a command after the second rekey runs" has "$c3" '"status":"ok"'
check "every command ran exactly once" \
    [ "$(sort "$W/ledger" | tr '\n' ' ')" = "after-loss after-rekey after-second before " ]

# OTAR whose response is lost: the satellite sends under the new pair at once but keeps the
# pair the ground sends under until a bundle under the new one arrives (as for the PQ rekey)
o1=$(submit rekey --otar)
g_once
dst_of() { for f in "$1"/*; do "$CLI" bundle inspect "$f" | sed -n 's/^ *destination //p'; done; }
check "the OTAR request goes to the satellite's key-management service (ep_service 64)" \
    [ "$(dst_of "$W/ground/out" | sort -u)" = "ipn:100.64" ]
up; s_once
check "the OTAR response goes to the ground's key-management service" \
    [ "$(dst_of "$W/sat/out" | sort -u)" = "ipn:200.64" ]
check "the satellite installed the OTAR pair and sends under it" \
    grep -q "OTAR: keys 0x4000/0x4001 installed and activated" "$W/sat.log"
rm -f "$W/sat/out"/*           # the downlink pass carrying the OTAR response is lost
g_once
check "the OTAR is unanswered after the lost pass" not has "$o1" '"status"'
sleep 2                         # past the overlap
c5=$(submit cmd exec mark after-otar-loss)
round
check "a command under the pre-OTAR keys runs after the overlap" has "$c5" '"status":"ok"'
check "the re-sent OTAR request got the cached response: keys switched" \
    has "$o1" 'OTAR'
check "the satellite still holds the pre-OTAR pair (nothing under the new one seen yet)" \
    not grep -q "0x4000/0x4001 now used by the ground" "$W/sat.log"
c6=$(submit cmd exec mark after-otar)
round
check "a command under the OTAR pair runs" has "$c6" '"status":"ok"'
check "the satellite released the pre-OTAR pair at the first bundle under the new one" \
    grep -q "0x4000/0x4001 now used by the ground" "$W/sat.log"
check "every command ran exactly once (OTAR)" \
    [ "$(grep -c '^after-otar' "$W/ledger")" = 2 ]

# stores from before the "ep/<tenant>/" prefix: the key-verification IV counter under
# "alphakviv" is carried over to "ep/alpha/kviv" (no IV handed out twice)
kv() { sqlite3 "$W/sat/state.db.keys" "$1" 2>/dev/null; }
kv "insert into kv values('alphakviv', x'0000000000000500')"
s_once
check "the old EP IV counter record is carried over to ep/alpha/kviv" \
    [ "$(kv "select hex(v) from kv where k = 'ep/alpha/kviv'")" = 0000000000000500 ]
c4=$(submit cmd exec mark after-migration)
round
check "the satellite still runs commands after the migration" has "$c4" '"status":"ok"'
finish
