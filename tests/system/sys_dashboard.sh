#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Open MCT dashboard in Debian's chromium (web/test/dashboard.mjs, playwright-core): the
# ground in watch mode serving BUILD/web, the satellite run --once; passes are made when the
# browser script asks for them. Screenshots in BUILD/dashboard-shots.
# usage: sys_dashboard.sh CLI BUILD_DIR SOURCE_DIR
CLI="$1"
BUILD="$2"
SRC="$3"
. "$(dirname "$0")/lib.sh"
WEB="$BUILD/web"
if [ ! -f "$WEB/index.html" ] || [ ! -d "$SRC/web/node_modules/playwright-core" ]; then
    bad "the dashboard is built ($WEB/index.html) and playwright-core installed (npm ci in web/)"
    finish
    exit 1
fi
[ -x /usr/bin/chromium ] || { bad "/usr/bin/chromium is installed (Debian package chromium)"; finish; exit 1; }
T=$(mktemp -d /tmp/aus_dash.XXXXXX)
trap 'kill -9 $GPID 2>/dev/null; rm -rf "$T"' EXIT
mkworld "$T/w"
python3 - "$W/sat/data/pic.png" <<'PY'
import struct, sys, zlib
w, h = 120, 80
raw = b''.join(b'\x00' + bytes((20 + x, 60 + y, 140) * 1 for x in range(w) for _ in [0]) if False else b'\x00' + b''.join(bytes((2 * x % 256, 3 * y % 256, 120)) for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY
PORT=$(free_ports)
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
( umask 077; echo "$TOKEN" > "$W/token" )
cat >> "$W/ground.ini" <<INI
socket = $W/ground.sock
[http]
listen = 127.0.0.1:$PORT
token_file = $W/token
web_dir = $WEB
INI
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 &
GPID=$!
waitfor curl -s -o /dev/null "http://127.0.0.1:$PORT/"   # up to 60 s on a loaded machine
# a first telemetry query so that points exist
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"type":"tm"}' "http://127.0.0.1:$PORT/api/commands"
out_nonempty() { [ -n "$(ls "$W/ground/out" 2>/dev/null)" ]; }
# pass_round [any]: after a request the ground has a bundle to write (60 s for it); the image's
# later passes ('any') may have nothing to carry up and keep the old 5 s look
pass_round() {
    if [ "${1:-}" = any ]; then
        for _ in $(seq 50); do out_nonempty && break; sleep 0.1; done
    else
        waitfor out_nonempty
    fi
    up; s_once; down
    waitfor count_is "$W/ground/in" 0
    sleep 0.3
}
SHOTS="$BUILD/dashboard-shots"
rm -rf "$SHOTS"
coproc PW { cd "$SRC/web" && exec node test/dashboard.mjs "http://127.0.0.1:$PORT" "$TOKEN" "$SHOTS" 2>&1; }
while IFS= read -r line <&"${PW[0]}"; do
    case "$line" in
    "PASS telemetry")
        curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
            -d '{"type":"tm"}' "http://127.0.0.1:$PORT/api/commands"
        pass_round; echo DONE >&"${PW[1]}" ;;
    "PASS image")   # the first image pass carries its request up; the next ones carry chunks
        if [ -z "${img_asked:-}" ]; then img_asked=1; pass_round; else pass_round any; fi
        echo DONE >&"${PW[1]}" ;;
    PASS*) pass_round; echo DONE >&"${PW[1]}" ;;
    ok*) PASS=$((PASS+1)); echo "$line" ;;
    FAIL*) FAIL=$((FAIL+1)); echo "$line" ;;
    *) echo "  $line" ;;
    esac
done
[ -n "${PW_PID:-}" ] && wait "$PW_PID" 2>/dev/null
check "screenshots written under $SHOTS" [ -f "$SHOTS/05-commands.png" ]
check "ground alive" kill -0 $GPID
kill $GPID; wait $GPID
finish
