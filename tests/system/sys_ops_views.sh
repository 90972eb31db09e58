#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard's link and keys views and the HTTP API over TLS (docs/http-api.md), on
# link = ccsds: passes record their frames, RS/BCH corrections and COP-1 state; a downlink file
# with bit errors shows as corrections, a replayed downlink file as SDLS refusals (and a
# security event); an OTAR and a PQ rekey appear in /api/keys (history: key ids and outcome;
# states: the ground keystore's keys); a point published by a tenant program on board reaches
# /api/points/NAME/history with its on-board time, once although its batch was handled twice
# (the ground's store restored to before the batch: a crash between the two commits), its red
# limit an event. The ground serves HTTPS ([http] tls_cert /
# tls_key): curl --cacert gets the points with the token, plain HTTP to the port gets nothing.
# usage: sys_ops_views.sh CLI
CLI="${1:?usage: sys_ops_views.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-opsviews.XXXXXX)
GPID=
SPID=
trap '[ -n "$GPID" ] && kill -9 $GPID 2>/dev/null; [ -n "$SPID" ] && kill $SPID 2>/dev/null; [ "${AUS_KEEP:-0}" = 1 ] || rm -rf "$T"' EXIT
mkworld "$T/w"
( umask 077; head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$W/keys/sdls.key" )
for s in sat ground; do
    peer=ground; [ $s = ground ] && peer=sat
    sed -i "s/^link = folder/link = ccsds\ntm_vcid = 0\ntc_vcid = 4\ntm_spi = 1\ntc_spi = 2\ntm_frame_len = 1115/" "$W/$s.ini"
    sed -i "s#^\[keys\]#[keys]\nsdls_key_file = $W/keys/sdls.key\npq_dir = $W/$s/pq\npq_peer_dir = $W/$peer/pq#" "$W/$s.ini"
done
# the ground's dictionary: tenant.volts is red above 12 V (a limit event when 12.5 comes down)
printf '[dictionary]\ntenant = alpha\n[point tenant.volts]\ntype = float\nunit = V\nyellow = ..11\nred = ..12\n' > "$W/ground.dict"
sed -i 's/^tenant = .*/&\ndictionary = ground.dict/' "$W/ground.ini"
S="$W/app.sock"
printf '[app]\nsocket = %s\n' "$S" >> "$W/sat.ini"
PORT=$(free_ports)
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
( umask 077; echo "$TOKEN" > "$W/token" )
# a self-signed certificate for 127.0.0.1 (the CA curl is given)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$W/tls.key" -out "$W/tls.crt" > /dev/null 2>&1
chmod 600 "$W/tls.key"
cat >> "$W/ground.ini" <<INI
socket = $W/ground.sock
[http]
listen = 127.0.0.1:$PORT
token_file = $W/token
tls_cert = $W/tls.crt
tls_key = $W/tls.key
INI
B="https://127.0.0.1:$PORT"
AUTH=(-H "Authorization: Bearer $TOKEN")
get() { curl -s --cacert "$W/tls.crt" "${AUTH[@]}" "$B$1"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# first boots (long-term PQ keys exchanged), then passes with bit errors on the downlink
s_once; g_once; s_once
seed=1
pass() { g_once; up; s_once; down "$@"; g_once; }
answered() { resp "$1" | grep -q '"status"'; }
has_ok() { resp "$1" | grep -q '"status":"ok"'; }
until_answered() { local i; for i in $(seq 1 8); do answered "$1" && return 0; pass; done; answered "$1"; }
tid=$(submit tm)
until_answered "$tid"
# a pass whose downlink file has bit errors: RS corrects them
sid=$(submit tm)
g_once; up; s_once; down --bit-errors 2e-4 --seed 7 --archive "$T/arc"; g_once
until_answered "$sid"
# a downlink file of that pass again: every frame refused by SDLS anti-replay
first=$(ls "$T/arc" | head -1)
cp "$T/arc/$first" "$W/ground/in/replay-$first"
g_once
check "the ground refused the replayed frames (log)" grep -q -E "ccsds pass in replay-.*SDLS replay [1-9]" "$W/ground.log"

# key rotation: OTAR, then PQ rekey
oid=$(submit rekey --otar)
until_answered "$oid"
check "OTAR answered ok" has_ok "$oid"
pid=$(submit rekey --pq)
until_answered "$pid"
check "PQ rekey answered ok" has_ok "$pid"

# a tenant program's point on board, published while the satellite watches
"$CLI" run --config "$W/sat.ini" >> "$W/sat.log" 2>&1 &
SPID=$!
waitfor test -S "$S"
before=$(date +%s%3N)
check "a tenant program publishes a point on board" "$CLI" app publish --config "$W/sat.ini" tenant.volts=12.5
published=$(date +%s%3N)
sleep 1.2
# the ground's store (not its archive) is copied before each downlink is taken
store_files() { ls "$W"/ground/state.db* | grep -v '\.archive'; }
# (up to 30 passes: the watching satellite's answer can leave after the 0.3 s below, and then
# comes down in the next pass; 6 were few on a loaded machine)
for r in $(seq 1 30); do
    submit tm > /dev/null
    g_once; up
    waitfor count_is "$W/sat/in" 0
    sleep 0.3
    rm -rf "$T/bak" "$T/dn"; mkdir "$T/bak" "$T/dn"; cp -p $(store_files) "$T/bak/"
    down --archive "$T/dn"; g_once
    "$CLI" app points --config "$W/ground.ini" 2>/dev/null | grep -q tenant.volts && break
done
kill $SPID; wait $SPID 2>/dev/null; SPID=
# a crash between the archive's commit of the batch and the ground's commit of its bundle: the
# store as it was before, the same downlink again; the batch is handled again, archived once
rm -f $(store_files); cp -p "$T"/bak/* "$W/ground/"; cp "$T"/dn/* "$W/ground/in/"
g_once
check "the points batch was handled again after the simulated crash" \
    [ "$(grep -c 'rx tm-points batch 1: 1 point' "$W/ground.log")" = 2 ]

# ---- the ground in watch mode, HTTPS ----
# a TLS key others can read, a certificate that is not PEM: refused at start (exit 3)
chmod 644 "$W/tls.key"
"$CLI" run --config "$W/ground.ini" > "$T/tlskey.log" 2>&1 & P=$!
for _ in $(seq 1 300); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
kill $P 2>/dev/null; wait $P; rc=$?
check "a group-readable TLS key refused (exit 3, $rc)" [ $rc = 3 ]
check "... saying why" grep -q "tls.key must be owned by us and readable by nobody else" "$T/tlskey.log"
chmod 600 "$W/tls.key"
cp "$W/tls.crt" "$W/tls.crt.good"; echo "not a certificate" > "$W/tls.crt"
"$CLI" run --config "$W/ground.ini" > "$T/tlscrt.log" 2>&1 & P=$!
for _ in $(seq 1 300); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
kill $P 2>/dev/null; wait $P; rc=$?
check "a certificate that is not PEM refused (exit 3, $rc)" [ $rc = 3 ]
check "... naming the file" grep -q "\[http\] $W/tls.crt is not a PEM certificate" "$T/tlscrt.log"
mv "$W/tls.crt.good" "$W/tls.crt"
openssl genrsa -out "$W/other.key" 2048 > /dev/null 2>&1; chmod 600 "$W/other.key"
sed "s#^tls_key = .*#tls_key = $W/other.key#" "$W/ground.ini" > "$W/mismatch.ini"
"$CLI" run --config "$W/mismatch.ini" > "$T/tlspair.log" 2>&1 & P=$!
for _ in $(seq 1 300); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
kill $P 2>/dev/null; wait $P; rc=$?
check "a key that is not the certificate's refused (exit 3, $rc)" [ $rc = 3 ]
check "... saying so" grep -q "GnuTLS refused the certificate $W/tls.crt with the key $W/other.key" "$T/tlspair.log"
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 &
GPID=$!
for _ in $(seq 1 600); do curl -s -o /dev/null --cacert "$W/tls.crt" "$B/" && break; sleep 0.1; done
check "banner names the https URL" grep -q "Dashboard: https://127.0.0.1:$PORT/" "$W/ground.log"
check "HTTPS: /api/points with the token (curl --cacert)" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$W/tls.crt' -H 'Authorization: Bearer $TOKEN' $B/api/points)\" = 200 ]"
check "HTTPS: 401 without the token" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$W/tls.crt' $B/api/points)\" = 401 ]"
check "plain HTTP to the TLS port gets no HTTP answer" \
    bash -c "c=\$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:$PORT/api/points); [ \"\$c\" = 000 ]"
check "HTTPS without the CA is refused by curl" not curl -s -o /dev/null "${AUTH[@]}" "$B/api/points"

# ---- passes: the link view ----
get "/api/passes?limit=100" > "$T/passes.json"
check "passes recorded" [ "$(py 'len(d)' < "$T/passes.json")" -gt 3 ]
check "a pass over link = ccsds recorded frames" [ "$(py 'max(p["frames"] for p in d)' < "$T/passes.json")" -gt 0 ]
check "... and the COP-1 state (FOP-1 on the ground, the satellite's CLCW)" grep -q '"cop1":"FOP-1 S[1-6] [A-Za-z ]*, V(S) [0-9]*, NN(R) [0-9]*, [0-9]* unacknowledged; CLCW N(R) [1-9]' "$T/passes.json"
check "the pass with bit errors recorded RS corrections" [ "$(py 'max(p["corrections"] for p in d)' < "$T/passes.json")" -gt 0 ]
check "the replayed file's pass recorded SDLS refusals (one per frame of the file)" \
    [ "$(py 'len([p for p in d if p["refusals"] > 0 and p["refusals"] == p["frames"]])' < "$T/passes.json")" = 1 ]
check "clean passes recorded no refusal" [ "$(py 'len([p for p in d if p["refusals"] == 0])' < "$T/passes.json")" -gt 2 ]
get "/api/events?kind=security" > "$T/sec.json"
check "... and a security event saying why" grep -q 'frame(s) refused by SDLS in a pass: 0 MAC failure(s), [1-9][0-9]* replay(s)' "$T/sec.json"

# ---- keys: states and rekey history ----
get /api/keys > "$T/keys.json"
check "/api/keys has states and history" [ "$(py '"states" in d and "history" in d' < "$T/keys.json")" = True ]
check "history: the OTAR, ok, with old and new key ids" \
    [ "$(py "[(h['outcome'], h['old_ek'] > 0, h['new_ek'] > 0 and h['new_ek'] != h['old_ek']) for h in d['history'] if h['kind'] == 'otar' and h['request'] == $oid]" < "$T/keys.json")" = "[('ok', True, True)]" ]
check "history: the PQ rekey, ok, with old and new key ids" \
    [ "$(py "[(h['outcome'], h['old_ek'] > 0, h['new_ek'] > 0 and h['new_ek'] != h['old_ek']) for h in d['history'] if h['kind'] == 'pq' and h['request'] == $pid]" < "$T/keys.json")" = "[('ok', True, True)]" ]
check "history: requested and answered times" \
    [ "$(py "all(h['t1'] >= h['t0'] > 0 for h in d['history'])" < "$T/keys.json")" = True ]
PQEK=$(py "[h['new_ek'] for h in d['history'] if h['kind'] == 'pq'][0]" < "$T/keys.json")
check "states: the PQ pair sends, ACTIVE" \
    [ "$(py "[(k['state'], k['role']) for k in d['states'] if k['id'] == $PQEK]" < "$T/keys.json")" = "[('active', 'sending')]" ]
check "states: the master key" [ "$(py "[k['role'] for k in d['states'] if k['id'] == 1]" < "$T/keys.json")" = "['master (OTAR)']" ]

# ---- a tenant program's point, with its on-board time ----
get "/api/points/tenant.volts/history" > "$T/volts.json"
check "the app-published point is in the archive, once" [ "$(py 'len(d["samples"] if isinstance(d, dict) else d)' < "$T/volts.json")" = 1 ]
t=$(py '(d["samples"] if isinstance(d, dict) else d)[0]["t"]' < "$T/volts.json")
v=$(py '(d["samples"] if isinstance(d, dict) else d)[0]["value"]' < "$T/volts.json")
check "... value 12.5" [ "$v" = 12.5 ]
check "... with its on-board time (published between $before and $published, got $t)" \
    [ "${t%.*}" -ge "$before" -a "${t%.*}" -le "$published" ]
get "/api/events?kind=limit" > "$T/limit.json"
check "the point's red limit violation is an event in the archive, once" \
    [ "$(grep -o '"kind":"limit","text":"red: tenant.volts = 12.5 V is outside its red limits ..12"' "$T/limit.json" | wc -l)" = 1 ]
kill -9 $GPID; wait $GPID 2>/dev/null; GPID=
# the machine lost the archive's commit of the batch (the archive's commits do not wait for the
# disk): the ground's store kept the batch, so the next start archives its point again, once
python3 - "$W/ground/state.db.archive" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("delete from points where sid in (select id from series where name = 'tenant.volts')")
db.execute("delete from sources where station like '%/points'")
db.execute("delete from rollup")  # rebuilt from the points at the next open
db.commit()
PY
nvolts() { python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
    \"select count(*) from points p join series s on p.sid = s.id where s.name = 'tenant.volts'\").fetchone()[0])" \
    "$W/ground/state.db.archive"; }
g_once
n=$(nvolts)
check "a points batch the archive lost is archived again at the next start, once ($n)" [ "$n" = 1 ]
g_once
check "... and a further start stores it no second time" [ "$(nvolts)" = 1 ]
# the batch handled again (its bundle back after a crash) stores nothing twice: archive replay
check "no daemon run failed" not grep -q -i "store failure\|Segmentation\|AddressSanitizer\|runtime error\|archive: cannot" "$W/sat.log" "$W/ground.log"
finish
