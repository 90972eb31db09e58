#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The daemons over `link = tcpcl` (RFC 9174) and `link = udpcl`, and the ground's gateway to the
# terrestrial DTN (docs/tcpcl.md "The daemons", "The gateway"):
#  - ground (active, reconnect with back-off) <-> satellite (passive) over TCPCL: telemetry and
#    commands answered; the link captured and judged by Wireshark's TCPCL dissector;
#  - faults: a proxy that cuts the connection after a growing number of bytes and delays data,
#    kill -9 of the satellite and of the ground mid-transfer: every command runs exactly once
#    (the ledger) and every request is answered (no bundle lost, none delivered twice);
#  - the gateway: a terrestrial node made with our tools (gw_node + australis tcpcl send/listen)
#    asks for telemetry and a command through the ground; the answers come back as bundles (one
#    under a BIB and a BCB, opened with `australis bpsec unwrap`); a service it may not use is
#    refused with an answer; an unconfigured node is refused at SESS_INIT; a bundle for any other
#    destination is never relayed;
#  - link = udpcl with an MTU that forces BPv7 fragments, and junk datagrams counted.
# Usage: sys_tcpcl_daemon.sh AUSTRALIS_CLI GW_NODE
CLI="${1:?usage: sys_tcpcl_daemon.sh AUSTRALIS_CLI GW_NODE}"
GWN="${2:?usage: sys_tcpcl_daemon.sh AUSTRALIS_CLI GW_NODE}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
SHARED="${AUS_SHARED_DIR:-$here/../../../shared}"
CHECK="$SHARED/tools/tshark_check.sh"
T="$(mktemp -d /tmp/sys_tcpcl_d.XXXXXX)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
# seven ports nothing holds (a formula of $$ was never checked: a port in use, or one another
# test of the same run derived from a close PID, failed the daemons' start)
read -r SATP GWP TERR PROXY T12 UDPS UDPG < <(free_ports 7)

mkworld "$T/w"
W="$T/w"
sed -i 's/^link = folder/link = tcpcl/' "$W/sat.ini" "$W/ground.ini"
sed -i "s|^\[ground\]|[ground]\nsocket = $W/ground.sock|; s/^retry_s = 0/retry_s = 2/" "$W/ground.ini"
head -c 32 /dev/urandom > "$T/bib.key"
head -c 32 /dev/urandom > "$T/bcb.key"
chmod 600 "$T/bib.key" "$T/bcb.key"
cat >> "$W/sat.ini" <<INI
[tcpcl]
listen = 127.0.0.1:$SATP
keepalive_s = 2
INI
ground_cfg() { # ground_cfg SAT_ADDR: the ground's [tcpcl]/[gateway] sections
    cat <<INI
[tcpcl]
peer = $1
listen = 127.0.0.1:$GWP
reconnect_max_s = 1
keepalive_s = 2
gw_peer.10 = 127.0.0.1:$TERR
gw_peer.12 = 127.0.0.1:$T12
[gateway]
service = 7
allow.10 = tm,cmd
allow.12 = tm
bib_key.12 = $T/bib.key
bcb_key.12 = $T/bcb.key
INI
}
cp "$W/ground.ini" "$W/ground.base"
ground_cfg "127.0.0.1:$SATP" >> "$W/ground.ini"

start_sat() { "$CLI" run --config "$W/sat.ini" >> "$W/sat.log" 2>&1 & SATPID=$!; PIDS+=("$SATPID"); }
start_ground() { "$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 & GPID=$!; PIDS+=("$GPID"); }
wait_sock() { waitfor test -S "$W/ground.sock"; }   # 60 s (ASan, loaded machine)
# answered ID: the ground holds an answer for request ID
answered() { resp "$1" | grep -q '"type"'; }
wait_all() { # wait_all SECONDS ID...: every request answered
    local until=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $until ]; do
        local left=0
        for id in "$@"; do answered "$id" || { left=1; break; }; done
        [ $left = 0 ] && return 0
        sleep 0.3
    done
    return 1
}
ledger_once() { # every token in the ledger exactly once, and all of them there
    local n="$1"
    [ "$(sort "$W/ledger" | uniq -d | wc -l)" = 0 ] && [ "$(sort -u "$W/ledger" | wc -l)" = "$n" ]
}

have_cap=0
command -v dumpcap >/dev/null && [ -x "$CHECK" ] && command -v tshark >/dev/null && have_cap=1

# ------------------------------------------------------------ the link, captured
if [ $have_cap = 1 ]; then
    dumpcap -q -i lo -f "port $SATP" -w "$T/link.pcapng" > "$T/cap.log" 2>&1 &
    CAP=$!; PIDS+=("$CAP")
    for _ in $(seq 50); do grep -q Capturing "$T/cap.log" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
fi
start_sat
waitfor grep -q "listening on" "$W/sat.log"
start_ground
wait_sock
check "daemons up over link = tcpcl" test -S "$W/ground.sock"
ids=()
ids+=("$(submit tm)")
for i in 1 2 3; do ids+=("$(submit cmd exec mark a$i)"); done
check "telemetry and 3 commands answered over TCPCL" wait_all 60 "${ids[@]}"
check "each command ran exactly once" ledger_once 3
check "the satellite logged the TCPCL session (passive)" grep -q "tcpcl: node ID ipn:100.0, listening" "$W/sat.log"
if [ $have_cap = 1 ]; then
    sleep 0.5; kill -INT "$CAP"; wait "$CAP" 2>/dev/null
    check "Wireshark judges the daemons' TCPCL session clean" \
        "$CHECK" -m pcap -a tcp.analysis.window_full -a tcp.analysis.zero_window \
        -a tcp.analysis.duplicate_ack -a tcp.analysis.retransmission -x "-d tcp.port==$SATP,tcpcl" \
        "$T/link.pcapng"
else
    echo "skip capture check (no dumpcap/tshark or no capture rights)"
fi

# ------------------------------------------------------------ the gateway
mkdir -p "$T/terr" "$T/t12"
"$CLI" tcpcl listen --port "$TERR" -o "$T/terr" --node-id ipn:10.0 --quiet > /dev/null 2> "$T/terr.err" &
TL=$!; PIDS+=("$TL")
"$CLI" tcpcl listen --port "$T12" -o "$T/t12" --node-id ipn:12.0 --quiet > /dev/null 2> "$T/t12.err" &
T2L=$!; PIDS+=("$T2L")
# a session node 10 opened to the gateway and keeps open (a send-only tool's, as `tcpcl send`):
# held.py announces ipn:10.0, waits for the ground's SESS_INIT (the ground has then established
# the session), prints "ready", and from then on only counts the XFER_SEGMENTs it is given,
# never acknowledging one. The answers below must not go over it: a gateway answer goes only
# over a session the ground opened to node 10's configured address. The session is established
# before the requests leave, so the old rule (any established session with node 10) chose it
# every time, with no timing involved.
cat > "$T/held.py" <<'PY'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
nid = b"ipn:10.0"
s.sendall(b"dtn!\x04\x00" + b"\x07" + struct.pack(">HQQH", 0, 1 << 20, 1 << 20, len(nid)) + nid
          + struct.pack(">I", 0))
buf = b""; ready = False; segs = 0
out = open(sys.argv[2], "w")
def msgs(b):  # complete messages at the head of b after the contact header: (type, length)
    i = 0; res = []
    while i < len(b):
        t = b[i]
        if t == 0x07:
            if len(b) < i + 21: break
            nl = struct.unpack(">H", b[i + 19:i + 21])[0]
            if len(b) < i + 21 + nl + 4: break
            el = struct.unpack(">I", b[i + 21 + nl:i + 25 + nl])[0]; n = 25 + nl + el
        elif t == 0x01:
            if len(b) < i + 10: break
            fl = b[i + 1]; h = 10
            if fl & 2:
                if len(b) < i + 14: break
                h += 4 + struct.unpack(">I", b[i + 10:i + 14])[0]
            if len(b) < i + h + 8: break
            n = h + 8 + struct.unpack(">Q", b[i + h:i + h + 8])[0]
        elif t == 0x05: n = 3
        elif t == 0x04: n = 1
        elif t == 0x06: n = 3
        elif t in (0x02, 0x03): n = {0x02: 18, 0x03: 10}[t]
        else: break
        if len(b) < i + n: break
        res.append(t); i += n
    return res, i
s.settimeout(0.5)
while True:
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d: break
    buf += d
    if len(buf) < 6: continue
    ms, used = msgs(buf[6:])
    buf = buf[:6] + buf[6 + used:]
    for t in ms:
        if t == 0x07 and not ready:
            ready = True; print("ready", flush=True)
        if t == 0x01:
            segs += 1; out.write("segment\n"); out.flush()
PY
python3 "$T/held.py" "$GWP" "$T/held.segs" > "$T/held.out" 2>&1 &
HELD=$!; PIDS+=("$HELD")
for _ in $(seq 300); do grep -q ready "$T/held.out" && break; sleep 0.2; done
check "node 10 holds an established session of its own with the gateway" grep -q ready "$T/held.out"
"$GWN" req --src 10.1 --dst 200.7 --id 501 --tm -o "$T/q1.bundle"
"$GWN" req --src 10.1 --dst 200.7 --id 502 --cmd exec --arg mark --arg gw1 -o "$T/q2.bundle"
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:10.0 --quiet "$T/q1.bundle" "$T/q2.bundle" 2> "$T/s1.err"
check "terrestrial node 10 delivers telemetry + command requests to the gateway" test $? = 0
# the same bundle again (a terrestrial retransmission): carried once
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:10.0 --quiet "$T/q2.bundle" 2>/dev/null
for _ in $(seq 300); do [ "$(ls "$T/terr" | wc -l)" -ge 2 ] && break; sleep 0.2; done
check "two answers came back to node 10 as bundles" test "$(ls "$T/terr" | wc -l)" = 2
check "... over a session the ground opened to node 10's address, none over node 10's own" \
    test ! -s "$T/held.segs"
kill "$HELD" 2>/dev/null
for f in "$T"/terr/bundle-*; do "$GWN" show "$f"; done > "$T/shows"
check "telemetry answer: tm-report id=501 from ipn:200.7 to ipn:10.1" \
    grep -q "src=ipn:200.7 dst=ipn:10.1 type=tm-report id=501" "$T/shows"
check "command answer: command-response id=502 with the command's output" \
    bash -c "grep 'type=command-response id=502' '$T/shows' | grep -q 'marked gw1'"
check "the gateway's command ran exactly once (a copy of its bundle is not carried again)" \
    test "$(grep -c '^gw1$' "$W/ledger")" = 1
# the count is read once the ground has judged the copy (the answers can come back before)
waitfor grep -q 'gateway: a copy of request 502 from ipn:10 ' "$W/ground.log"
check "... and was carried to the satellite once" \
    test "$(grep -c 'gateway: command 502 from ipn:10.1 carried' "$W/ground.log")" = 1
# a service node 10 may not use: refused, and told so
"$GWN" req --src 10.1 --dst 200.7 --id 503 --image img.bin -o "$T/q3.bundle"
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:10.0 --quiet "$T/q3.bundle" 2>/dev/null
for _ in $(seq 300); do [ "$(ls "$T/terr" | wc -l)" -ge 3 ] && break; sleep 0.2; done
check "image request from node 10 (not allowed) answered with a refusal" \
    bash -c "for f in $T/terr/bundle-*; do $GWN show \$f; done | grep 'id=503' | grep -q 'service not allowed'"
# a bundle for another node (a relay attempt) is never carried
"$GWN" req --src 10.1 --dst 100.1 --id 504 --cmd exec --arg mark --arg relay -o "$T/q4.bundle"
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:10.0 --quiet "$T/q4.bundle" 2>/dev/null
# judged once the ground logs it (a fixed 1.5 s could end before the ground got to it)
check "... and logged as such" waitfor grep -q "not addressed to the gateway service" "$W/ground.log"
check "a bundle for another destination is not relayed" bash -c "! grep -q relay '$W/ledger'"
# an unconfigured node is refused at SESS_INIT (Contact Failure), nothing carried
"$GWN" req --src 11.1 --dst 200.7 --id 505 --cmd exec --arg mark --arg stranger -o "$T/q5.bundle"
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:11.0 --retries 0 "$T/q5.bundle" > /dev/null 2> "$T/s5.err"
check "an unconfigured node is refused: exit 1" test $? = 1
check "... Contact Failure" grep -q "Contact Failure" "$T/s5.err"
# ... and one that claims a configured node ID but whose bundle names another source
"$GWN" req --src 11.1 --dst 200.7 --id 506 --cmd exec --arg mark --arg spoof -o "$T/q6.bundle"
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:10.0 --quiet "$T/q6.bundle" 2>/dev/null
check "... the spoofed source is refused (log)" waitfor grep -q "tcpcl: ipn:10 sent a bundle whose source is another node: refused" "$W/ground.log"
check "nothing of an unconfigured source ran" bash -c "! grep -qE 'stranger|spoof' '$W/ledger'"
check "the ground names the refusal" grep -q "gateway: refused a session\|tcpcl: refused a session from node ID ipn:11.0" "$W/ground.log"
# node 12: answers under a BIB and a BCB with its keys (RFC 9173)
"$GWN" req --src 12.1 --dst 200.7 --id 601 --tm -o "$T/q7.bundle"
"$CLI" tcpcl send --to "127.0.0.1:$GWP" --node-id ipn:12.0 --quiet "$T/q7.bundle" 2>/dev/null
for _ in $(seq 300); do [ "$(ls "$T/t12" | wc -l)" -ge 1 ] && break; sleep 0.2; done
f12=$(ls "$T"/t12/bundle-* 2>/dev/null | head -1)
check "node 12's answer arrived" test -n "$f12"
check "... its payload is not readable without the key (BCB)" bash -c "! $GWN show '$f12' | grep -q tm-report"
printf '{"keys":[{"source":"ipn:200.7","context":"bib-hmac-sha2","key":"%s"},{"source":"ipn:200.7","context":"bcb-aes-gcm","key":"%s"}]}\n' \
    "$(od -An -tx1 -v "$T/bib.key" | tr -d ' \n')" "$(od -An -tx1 -v "$T/bcb.key" | tr -d ' \n')" > "$T/ring.json"
"$CLI" bpsec unwrap --keyring "$T/ring.json" "$f12" -o "$T/a12.bundle" > /dev/null 2>&1
check "... bpsec unwrap verifies the BIB and opens the BCB" test $? = 0
check "... to a tm-report id=601" bash -c "$GWN show '$T/a12.bundle' | grep -q 'type=tm-report id=601'"

# ------------------------------------------------------------ faults: cutting proxy, kill -9
cat > "$T/proxy.py" <<'PY'
import socket, sys, threading, time, random
lport, dport = int(sys.argv[1]), int(sys.argv[2])
random.seed(7)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", lport)); srv.listen(16)
n = 0
def pump(a, b, budget, state):
    try:
        while True:
            d = a.recv(4096)
            if not d: break
            if budget is not None:
                if state[0] + len(d) > budget:
                    b.sendall(d[:budget - state[0]]); break
                state[0] += len(d)
            time.sleep(random.random() * 0.01)   # delay
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
        s.close()
while True:
    c, _ = srv.accept(); n += 1
    try: u = socket.create_connection(("127.0.0.1", dport))
    except OSError: c.close(); continue
    # connection n is cut after 60 + 131 * n bytes from the ground, until the 40th
    budget = 60 + 131 * n if n < 40 else None
    st = [0]
    threading.Thread(target=pump, args=(c, u, budget, st), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, None, [0]), daemon=True).start()
PY
python3 "$T/proxy.py" "$PROXY" "$SATP" &
PX=$!; PIDS+=("$PX")
kill "$GPID"; wait "$GPID" 2>/dev/null
cp "$W/ground.base" "$W/ground.ini"
ground_cfg "127.0.0.1:$PROXY" >> "$W/ground.ini"
start_ground
wait_sock
ids=()
for i in $(seq 1 12); do ids+=("$(submit cmd exec mark p$i)"); done
ids+=("$(submit tm)")
check "through a proxy that cuts and delays: every request answered" wait_all 90 "${ids[@]}"
check "... every command exactly once" ledger_once 16
check "... sessions were cut and re-opened (back-off)" bash -c "[ \$(grep -c 'tcpcl: session with' '$W/ground.log') -ge 3 ]"
# kill -9 of the satellite while commands flow, then of the ground
ids=()
for i in $(seq 1 6); do ids+=("$(submit cmd exec mark k$i)"); done
sleep 0.3
kill -9 "$SATPID"; wait "$SATPID" 2>/dev/null
for i in $(seq 7 10); do ids+=("$(submit cmd exec mark k$i)"); done
start_sat
sleep 0.5
kill -9 "$GPID"; wait "$GPID" 2>/dev/null
start_ground
wait_sock
for i in $(seq 11 12); do ids+=("$(submit cmd exec mark k$i)"); done
check "after kill -9 of either daemon: every request answered" wait_all 120 "${ids[@]}"
# a command whose script the kill interrupted ran at most once and is answered "interrupted"
# (docs/daemon.md); every other one is in the ledger exactly once
killed_ok() {
    [ "$(sort "$W/ledger" | uniq -d | wc -l)" = 0 ] || return 1
    local i=0
    for id in "${ids[@]}"; do
        i=$((i + 1))
        grep -qx "k$i" "$W/ledger" || resp "$id" | grep -q interrupted || { echo "k$i lost"; return 1; }
    done
}
check "... every command exactly once (or answered interrupted by the kill)" killed_ok
kill "$GPID" "$SATPID" "$PX" 2>/dev/null; wait "$GPID" "$SATPID" 2>/dev/null

# ------------------------------------------------------------ link = udpcl with fragments
mkworld "$T/u"
W="$T/u"
sed -i 's/^link = folder/link = udpcl/' "$W/sat.ini" "$W/ground.ini"
sed -i "s|^\[ground\]|[ground]\nsocket = $W/ground.sock|; s/^retry_s = 0/retry_s = 3/" "$W/ground.ini"
printf '[udpcl]\nlisten = 127.0.0.1:%s\npeer = 127.0.0.1:%s\nmtu = 600\n' "$UDPS" "$UDPG" >> "$W/sat.ini"
printf '[udpcl]\nlisten = 127.0.0.1:%s\npeer = 127.0.0.1:%s\nmtu = 600\n' "$UDPG" "$UDPS" >> "$W/ground.ini"
start_sat; start_ground; wait_sock
waitfor grep -q "udpcl: listening on" "$W/sat.log"   # junk sent before the bind is lost, not counted
python3 -c "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); [s.sendto(b'junk'*i,('127.0.0.1',$UDPS)) for i in range(1,6)]"
ids=("$(submit tm)" "$(submit cmd exec mark u1)")
check "link = udpcl: telemetry (a report larger than the MTU: fragments) and a command answered" \
    wait_all 60 "${ids[@]}"
check "... the command ran once" ledger_once 1
"$CLI" status --config "$W/ground.ini" --json > "$T/ust.json" 2>/dev/null
kill "$SATPID" "$GPID"; wait "$SATPID" "$GPID" 2>/dev/null
check "... the satellite counted the 5 junk datagrams" grep -q "5 junk" "$W/sat.log"
finish
