# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the system tests (bash). Source it; set CLI first.
# A world: $W/{sat,ground}.ini, keys, folders; daemons run with --once (deterministic).
set -uo pipefail
PASS=0
FAIL=0
ok() { PASS=$((PASS+1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL+1)); echo "FAIL $*"; }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
not() { ! "$@"; }
# waitfor CMD...: run CMD every 0.1 s until it succeeds, for up to 60 s (a loaded machine). CMD is
# re-run each time: pass a function (count_is), never an expanded "$(...)" (it would be read once).
waitfor() { for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done; return 1; }
# count_is DIR N: DIR holds exactly N visible entries
count_is() { [ "$(ls "$1" | wc -l)" = "$2" ]; }
# free_ports [N]: N distinct ports (default 1) that nothing on 127.0.0.1 holds now, TCP or UDP.
# Random in 20000-32767: below the kernel's ephemeral range (32768-60999), so that a client's
# connection cannot take one meanwhile, and random so that tests running at once (ctest -j)
# do not pick the same one (a fixed formula of $$ can: PIDs of tests started together are close).
free_ports() {
    python3 - "${1:-1}" <<'PY'
import random, socket, sys
got = []
while len(got) < int(sys.argv[1]):
    p = random.randrange(20000, 32768)
    if p in got:
        continue
    free = True
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            free = False
        s.close()
    if free:
        got.append(p)
print(" ".join(map(str, got)))
PY
}
# exits_within S PID: wait up to S seconds for background job PID to end; its exit code
# (255 if it did not end: it is then killed, so a hang fails the check instead of a sleep racing it)
exits_within() {
    local i
    for i in $(seq $(($1 * 10))); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$2" 2>/dev/null && { kill -9 "$2" 2>/dev/null; wait "$2" 2>/dev/null; return 255; }
    wait "$2"
}
# On a failure the daemons' last log lines and the folders are printed (CI keeps only stdout).
finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ] && return 0
    local f
    for f in "${W:-/nonexistent}"/*.log; do
        [ -f "$f" ] && { echo "--- last lines of $f"; tail -n 25 "$f"; }
    done
    for f in "${W:-/nonexistent}"/{ground,sat}/{in,out}; do
        [ -d "$f" ] && echo "--- $f: $(ls "$f" | wc -l) entries"
    done
    return 1
}

# mkworld DIR [tenant] [sat-node] [ground-node] [ground-lifetime-s]
mkworld() {
    W="$1"; local t="${2:-alpha}" sn="${3:-100}" gn="${4:-200}" life="${5:-3600}"
    mkdir -p "$W/keys" "$W/sat/data"
    ( umask 077; for f in sat.kek ground.kek session.ek session.ak master.key; do
        head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$W/keys/$f"; done )
    chmod 700 "$W" "$W/keys"
    head -c 100000 /dev/urandom > "$W/sat/data/img.bin"
    printf '#!/bin/sh\necho "$1" >> %s/ledger\necho "marked $1"\n' "$W" > "$W/mark.sh"
    chmod 700 "$W/mark.sh"
    for side in sat ground; do
        local role=$side node=$sn peer=$gn lt=3600
        [ $side = ground ] && { node=$gn; peer=$sn; lt=$life; }
        cat > "$W/$side.ini" <<INI
[node]
role = $role
node = $node
peer = $peer
tenant = $t
lifetime_s = $lt
replay_window = 1024
[folders]
incoming = $W/$side/in
outgoing = $W/$side/out
quarantine = $W/$side/quarantine
[store]
path = $W/$side/state.db
[keys]
kek_file = $W/keys/$side.kek
ek_file = $W/keys/session.ek
ak_file = $W/keys/session.ak
master_file = $W/keys/master.key
[link]
link = folder
scid = 100
INI
    done
    cat >> "$W/sat.ini" <<INI
[sat]
data_dir = $W/sat/data
chunk_size = 4096
exec.mark = $W/mark.sh
INI
    printf '[ground]\ndownloads = %s/ground\nretry_s = 0\n' "$W" >> "$W/ground.ini"
    touch "$W/ledger"
    mkdir -p "$W/sat/in" "$W/sat/out" "$W/ground/in" "$W/ground/out"
    chmod 700 "$W/sat" "$W/sat/in" "$W/sat/out" "$W/ground" "$W/ground/in" "$W/ground/out"
}
s_once() { "$CLI" run --config "$W/sat.ini" --once >> "$W/sat.log" 2>&1; }
g_once() { "$CLI" run --config "$W/ground.ini" --once >> "$W/ground.log" 2>&1; }
up() { "$CLI" pass --from "$W/ground/out" --to "$W/sat/in" --quiet "$@"; }
down() { "$CLI" pass --from "$W/sat/out" --to "$W/ground/in" --quiet "$@"; }
# submit ARGS... -> prints the request id
submit() { "$CLI" "$@" --config "$W/ground.ini" | sed -n 's/^request id //p'; }
# resp ID -> the stored JSON answer (empty if none)
resp() {
    [ -n "$1" ] && "$CLI" status --id "$1" --json --config "$W/ground.ini" 2>/dev/null
}
# one clean round trip
round() { g_once; up "$@"; s_once; down "$@"; g_once; }
