#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ground's HTTP API and archive (docs/http-api.md): a ground daemon in watch mode with
# [http] and the default SQLite archive, the satellite run --once, passes by `australis pass`.
# Every endpoint, the token (missing, wrong, a group-readable token file), bad inputs (ranges,
# unknown points, malformed JSON, oversized bodies, paths), the live stream, many concurrent
# clients, and kill -9 of the ground during ingest (no acknowledged point lost or doubled).
# usage: sys_http_api.sh CLI [WEB_DIR]
CLI="$1"
WEB="${2:-}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus_http.XXXXXX)
trap "kill -9 \${GPID:-} \${SSEPID:-} 2>/dev/null" EXIT   # (set -u: SSEPID is unset before the stream part)
mkworld "$T/w"
PORT=$(free_ports)
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
( umask 077; echo "$TOKEN" > "$W/token" )
cat >> "$W/ground.ini" <<INI
socket = $W/ground.sock
[http]
listen = 127.0.0.1:$PORT
token_file = $W/token
INI
[ -n "$WEB" ] && echo "web_dir = $WEB" >> "$W/ground.ini"
B="http://127.0.0.1:$PORT"
AUTH=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
# code METHOD PATH [curl args...] -> the status code (the body in $T/body)
code() { local m="$1" p="$2"; shift 2; curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$B$p"; }
body() { cat "$T/body"; }
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }

start_ground() {
    "$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 &
    GPID=$!
    waitfor curl -s -o /dev/null "$B/"   # up to 60 s: ASan on a loaded machine
}
# a pass: the ground's requests up, the satellite runs, the answers down; wait for the ground
# (it deletes a batch's files only after the batch and its archive records are committed)
# pass_round follows a POST: the ground has a bundle to write; pass_once carries what there is
out_has() { [ "$(ls "$W/ground/out" 2>/dev/null | wc -l)" -ge "$1" ]; }
pass_once() {
    up; s_once; down
    waitfor count_is "$W/ground/in" 0
    sleep 0.3
}
pass_round() { waitfor out_has 1; pass_once; }

# a token file others can read is refused
chmod 640 "$W/token"
"$CLI" run --config "$W/ground.ini" > "$T/refused.log" 2>&1 &
P=$!; exits_within 60 $P; rc=$?   # a fixed 1 s killed a slow start before it refused (rc 143)
check "group-readable token file refused (exit 3, $rc)" [ $rc = 3 ]
check "... with a sentence" grep -q "must be owned by us and readable by nobody else" "$T/refused.log"
chmod 600 "$W/token"
# a non-loopback address is refused unless public = yes
sed "s/^listen = .*/listen = 0.0.0.0:$PORT/" "$W/ground.ini" > "$W/public.ini"
"$CLI" run --config "$W/public.ini" > "$T/public.log" 2>&1 &
P=$!; exits_within 60 $P; rc=$?
check "non-loopback listen refused without public = yes ($rc)" [ $rc = 3 ]
check "... saying why" grep -q "is not a loopback address" "$T/public.log"
{ cat "$W/ground.ini"; printf 'listen_port = 1\n'; } > "$W/bad.ini"
"$CLI" run --config "$W/bad.ini" > "$T/bad.log" 2>&1; rc=$?
check "unknown [http] key refused (exit 2)" [ $rc = 2 ]
check "... naming it" grep -q "unknown key 'listen_port' in section \[http\]" "$T/bad.log"

check "ground starts with the HTTP API" start_ground
check "banner names the dashboard URL" grep -q "Dashboard: http://127.0.0.1:$PORT/" "$W/ground.log"
check "banner names the archive" grep -q "Archive: sqlite:$W/ground/state.db.archive (sqlite)" "$W/ground.log"

# ---- the token ----
check "401 without a token" [ "$(code GET /api/points)" = 401 ]
check "... a JSON error" grep -q '"error":"missing or wrong bearer token' "$T/body"
check "401 with a wrong token" [ "$(code GET /api/points -H 'Authorization: Bearer nope')" = 401 ]
check "401 with the token as Basic" [ "$(code GET /api/points -H "Authorization: Basic $TOKEN")" = 401 ]
check "401 on POST without a token" [ "$(code POST /api/commands -H 'Content-Type: application/json' -d '{"type":"tm"}')" = 401 ]
check "points: empty list before any report" [ "$(code GET /api/points "${AUTH[@]}")" = 200 ] 
check "... []" [ "$(body)" = "[]" ]

# ---- a telemetry query through the API, a pass, the points ----
check "POST tm -> 202" [ "$(code POST /api/commands "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"type":"tm"}')" = 202 ]
TMID=$(jget 'd["id"]')
pass_round
check "points listed after a pass" [ "$(code GET /api/points "${AUTH[@]}")" = 200 ]
check "... uptime_s among them" grep -q '"name":"uptime_s"' "$T/body"
NAME=$(jget 'd[0]["name"]')
check "latest of $NAME" [ "$(code GET /api/points/$NAME/latest "${AUTH[@]}")" = 200 ]
check "... has t and value" bash -c "grep -q '\"t\":[0-9]*' '$T/body' && grep -q '\"value\"' '$T/body'"
check "history of $NAME" [ "$(code GET "/api/points/$NAME/history?start=0&end=$(( $(date +%s) * 1000 + 60000 ))&max=10" "${AUTH[@]}")" = 200 ]
check "... one sample" [ "$(jget 'len(d["samples"])')" = 1 ]
check "command $TMID answered ok" [ "$(code GET /api/commands/$TMID "${AUTH[@]}")" = 200 ]
check "... status ok" [ "$(jget 'd["status"]')" = ok ]

# ---- a command with its answer ----
check "POST cmd mark -> 202" [ "$(code POST /api/commands "${AUTH[@]}" -d '{"name":"exec","args":["mark","via-http"]}')" = 202 ]
CID=$(jget 'd["id"]')
check "queued before the pass" bash -c "[ \"\$(curl -s ${AUTH[*]@Q} $B/api/commands/$CID | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"status\"])')\" = queued ]"
pass_round
code GET /api/commands/$CID "${AUTH[@]}" > /dev/null
check "command answered: status ok, output 'marked via-http'" \
    [ "$(jget 'd["status"] + "|" + d["output"].strip() + "|" + str(d["exit_code"])')" = "ok|marked via-http|0" ]
check "the satellite ran it once" [ "$(grep -c via-http "$W/ledger")" = 1 ]
check "command list has it" bash -c "[ \"\$(curl -s ${AUTH[*]@Q} '$B/api/commands?limit=5' | grep -c '\"name\":\"exec\"')\" = 1 ]"

# ---- an image download ----
check "POST image -> 202" [ "$(code POST /api/commands "${AUTH[@]}" -d '{"type":"image","remote":"img.bin"}')" = 202 ]
IID=$(jget 'd["id"]')
# more passes until the image is complete (a pass after it has nothing to carry up, so these
# do not wait for the ground's outgoing bundle)
image_done() { code GET /api/images "${AUTH[@]}" > /dev/null; [ "$(jget '[i["state"] for i in d if i["id"]=='"$IID"'][0]' 2>/dev/null)" = complete ]; }
pass_round
for _ in $(seq 10); do image_done && break; pass_once; done
code GET /api/images "${AUTH[@]}" > /dev/null
check "image listed complete" [ "$(jget '[i["state"] for i in d if i["id"]=='"$IID"'][0]')" = complete ]
check "image file served, same bytes" bash -c "curl -s ${AUTH[*]@Q} $B/api/images/$IID/file | cmp - '$W/sat/data/img.bin'"
check "passes recorded" bash -c "[ \"\$(curl -s ${AUTH[*]@Q} $B/api/passes | python3 -c 'import json,sys; print(len(json.load(sys.stdin)) > 0)')\" = True ]"
check "status through the API" [ "$(code GET /api/status "${AUTH[@]}")" = 200 ]
for p in /api/keys /api/events /api/info /api/dictionary; do
    check "GET $p -> 200" [ "$(code GET $p "${AUTH[@]}")" = 200 ]
done

# ---- bad inputs: 4xx with a JSON error, never a crash ----
bad_req() { # what expected-code method path [curl args]
    local what="$1" want="$2"; shift 2
    local got; got=$(code "$@" "${AUTH[@]}")
    check "$what -> $want" [ "$got" = "$want" ]
    check "... JSON error" grep -q '"error":' "$T/body"
}
bad_req "unknown point latest" 404 GET /api/points/nosuch/latest
bad_req "unknown point history" 404 GET /api/points/nosuch/history
bad_req "bad point name" 404 GET '/api/points/a%20b/latest'
bad_req "unknown sub-resource" 404 GET /api/points/$NAME/other
bad_req "end before start" 400 GET "/api/points/$NAME/history?start=100&end=50"
bad_req "start not a number" 400 GET "/api/points/$NAME/history?start=yesterday"
bad_req "negative start" 400 GET "/api/points/$NAME/history?start=-5"
bad_req "max 0" 400 GET "/api/points/$NAME/history?max=0"
bad_req "max too big" 400 GET "/api/points/$NAME/history?max=100001"
bad_req "huge number" 400 GET "/api/points/$NAME/history?start=99999999999999999999999"
bad_req "limit 0" 400 GET "/api/commands?limit=0"
bad_req "unknown command id" 404 GET /api/commands/999999
bad_req "command id 0" 404 GET /api/commands/0
bad_req "command id not a number" 404 GET /api/commands/abc
bad_req "unknown endpoint" 404 GET /api/nothing
bad_req "malformed JSON" 400 POST /api/commands -d '{"name":'
bad_req "JSON not an object" 400 POST /api/commands -d '[1,2]'
bad_req "empty body" 400 POST /api/commands
bad_req "args not strings" 400 POST /api/commands -d '{"name":"mark","args":[1]}'
bad_req "unknown type" 400 POST /api/commands -d '{"type":"launch"}'
bad_req "image path with a slash" 400 POST /api/commands -d '{"type":"image","remote":"../../etc/passwd"}'
check "wrong content type -> 415" [ "$(code POST /api/commands -H "Authorization: Bearer $TOKEN" -d '{"type":"tm"}')" = 415 ]
head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"
bad_req "oversized body (70 kB)" 413 POST /api/commands --data-binary @"$T/big"
head -c 5000000 /dev/zero | tr '\0' ' ' > "$T/huge"
bad_req "oversized body (5 MB)" 413 POST /api/commands --data-binary @"$T/huge"
bad_req "PUT" 405 PUT /api/commands -d '{}'
bad_req "DELETE" 405 DELETE /api/commands/1
check "static: path traversal refused" [ "$(code GET /../../etc/passwd --path-as-is)" = 404 ]
check "static: hidden file refused" [ "$(code GET /.token)" = 404 ]
check "daemon alive after the bad inputs" kill -0 $GPID

# ---- the live stream ----
curl -s -N "${AUTH[@]}" "$B/api/stream" > "$T/sse" &
SSEPID=$!
# the stream's events start where it was opened: wait for its first line, not a fixed 0.5 s
waitfor grep -q '^: australis live stream' "$T/sse"
code POST /api/commands "${AUTH[@]}" -d '{"type":"tm"}' > /dev/null
pass_round
sse_done() { grep -q '^event: answer' "$T/sse" && grep -q '^data: {"name":"uptime_s"' "$T/sse"; }
waitfor sse_done
kill $SSEPID 2>/dev/null
check "stream: a command event" grep -q '^event: command' "$T/sse"
check "stream: point events with values" grep -q '^data: {"name":"uptime_s","sat":"ipn:100","t":' "$T/sse"
check "stream: the answer" grep -q '^event: answer' "$T/sse"
check "stream without a token: 401" [ "$(code GET /api/stream --max-time 2)" = 401 ]

# ---- many concurrent clients ----
seq 60 | xargs -P 30 -I{} curl -s -o /dev/null -w '%{http_code}\n' "${AUTH[@]}" "$B/api/points/$NAME/history?max=100" > "$T/conc"
check "60 concurrent history requests (30 at once): all 200" [ "$(grep -c '^200$' "$T/conc")" = 60 ]
seq 20 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code}\n' "${AUTH[@]}" -d '{"type":"tm"}' "$B/api/commands" > "$T/conc2"
check "20 concurrent command submissions: all 202" [ "$(grep -c '^202$' "$T/conc2")" = 20 ]
check "... 20 distinct ids queued" bash -c "[ \"\$(curl -s ${AUTH[*]@Q} '$B/api/commands?limit=1000' | python3 -c 'import json,sys; print(len({c[\"id\"] for c in json.load(sys.stdin) if c[\"type\"]==\"tm-query\" and c[\"status\"]==\"queued\"}))')\" = 20 ]"

# ---- kill -9 during ingest: no acknowledged point lost, none doubled ----
# the 20 reports come down in one pass; the ground is killed while it takes them, then
# restarted: every answered report has its points exactly once
waitfor out_has 20
up; s_once; down
sleep 0.0$((RANDOM % 9))
kill -9 $GPID; wait $GPID 2>/dev/null
check "ground restarts after kill -9" start_ground
ARC="$W/ground/state.db.archive"
k9_count() {
    python3 - "$ARC" > "$T/k9" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select id, status from commands where type='tm-query'").fetchall()
answered = [r[0] for r in rows if r[1] == 'ok']
n = db.execute("select count(*) from points p join series s on p.sid = s.id where s.name='uptime_s'").fetchone()[0]
src = db.execute("select count(*) from sources").fetchone()[0]
print(len(answered), n, src)
PY
    read ANS NPTS NSRC < "$T/k9"
}
# the restarted ground takes the rest of the pass: wait (60 s) until it has taken every file
# and archived all 22 answers (one look 0.5 s after the folder emptied was short under load)
all_in() { count_is "$W/ground/in" 0 && k9_count && [ "$ANS" = 22 ]; }
waitfor all_in
k9_count
check "after kill -9: every answered report has its point once ($ANS answered, $NPTS points, $NSRC sources)" \
    [ "$ANS" = "$NPTS" ] 
check "... and one source each" [ "$ANS" = "$NSRC" ]
check "... all 22 reports answered" [ "$ANS" = 22 ]

kill $GPID; wait $GPID
check "ground stops cleanly on SIGTERM" [ $? = 0 ]

# ---- the machine lost the archive's last commits (they do not wait for the disk): the
# ground's store kept the answers, so the next start archives those reports again, once.
# Reports are taken out by their time; two reports can share a millisecond, so the number
# taken out is counted, not assumed ----
python3 - "$ARC" > "$T/lost" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
last = [r[0] for r in db.execute("select distinct t from sources order by t desc limit 5")]
db.execute("delete from points where t in (%s)" % ",".join("?" * len(last)), last)
db.execute("delete from sources where t in (%s)" % ",".join("?" * len(last)), last)
db.execute("delete from rollup")  # rebuilt from the points at the next open
db.commit()
print(db.execute("select count(*) from sources").fetchone()[0])
PY
LEFT=$(cat "$T/lost")
LOST=$((22 - LEFT))
check "the last 5 report times taken out of the archive ($LOST reports, $LEFT sources left)" \
    [ "$LOST" -ge 5 ]
check "ground restarts" start_ground
for _ in $(seq 600); do grep -q "archived again" "$W/ground.log" && break; sleep 0.1; done
python3 - "$ARC" > "$T/k9b" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("select count(*) from points p join series s on p.sid = s.id where s.name='uptime_s'").fetchone()[0]
src = db.execute("select count(*) from sources").fetchone()[0]
roll = db.execute("select sum(r.n) from rollup r join series s on r.sid = s.id where s.name='uptime_s' and r.w = 1000").fetchone()[0]
print(n, src, roll)
PY
read NPTS NSRC NROLL < "$T/k9b"
check "re-archived at start: 22 reports, 22 points, 22 rollup counts ($NSRC, $NPTS, $NROLL)" \
    [ "$NSRC/$NPTS/$NROLL" = 22/22/22 ]
check "... said in the log ($LOST)" grep -q "$LOST report(s) the ground had answered were missing and are archived again" "$W/ground.log"
kill $GPID; wait $GPID
check "ground stops cleanly again" [ $? = 0 ]
finish
