#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A ground store written by the older ground (cJSON records under gr/<t>/{req,img,map,resp,fail})
# is moved to the core's CBOR records (docs/app-ground.md) at the daemon's first run: every old
# answer is shown by `status --id` exactly as before, a pending command is re-sent and answered,
# a half-done download resumes from its bitmap and .part file (only the missing ranges asked
# for, SHA-256 verified), no old key is left, and request ids go on above the old ones.
CLI="${1:?usage: sys_ground_migrate.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-migrate.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
command -v python3 >/dev/null || { echo "skip: python3 missing"; echo "0 passed, 0 failed"; exit 0; }
mkworld "$T/w"
s_once; g_once
mkdir -p "$W/ground/dl" && chmod 700 "$W/ground/dl"
# the older ground's records, as its code wrote them
python3 - "$W" <<'PY'
import json, sqlite3, struct, sys, hashlib
W = sys.argv[1]
def head(major, v):
    if v < 24: return bytes([major << 5 | v])
    for n, f in ((1, '>B'), (2, '>H'), (4, '>I'), (8, '>Q')):
        if v < 1 << (8 * n): return bytes([major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[n]]) + struct.pack(f, v)
u = lambda v: head(0, v)
t = lambda s: head(3, len(s.encode())) + s.encode()
arr = lambda *xs: head(4, len(xs)) + b''.join(xs)
img = open(W + '/sat/data/img.bin', 'rb').read()
sha = hashlib.sha256(img).hexdigest()
local = W + '/ground/dl/img8.bin'
db = sqlite3.connect(W + '/ground/state.db')
def put(k, v):
    db.execute('INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)', ('gr/alpha/' + k, v))
hexid = lambda i: '%016x' % i
answers = {
    1: {"id": 1, "type": "command-response", "status": "ok", "exit_code": 0, "output": "marked a"},
    2: {"id": 2, "type": "tm-report", "report": {"uptime_s": 42, "mode": "idle"}},
    3: {"id": 3, "type": "rekey-response", "status": "ok", "exit_code": 0,
        "output": "new session keys installed by OTAR, activated", "kind": "otar"},
    4: {"id": 4, "type": "image-download", "status": "failed", "path": "/nonexistent/y.bin",
        "output": "download folder /nonexistent: No such file or directory"},
    5: {"id": 5, "type": "image-download", "status": "ok", "path": W + "/ground/x.bin",
        "size": len(img), "sha256": sha, "output": "SHA-256 verified"},
    6: {"id": 6, "type": "sa-response", "status": "ok", "output": "2 key(s): 0x0100 active", "kind": "sa"},
}
for i, a in answers.items():
    put('resp/' + hexid(i), json.dumps(a, separators=(',', ':')).encode())
put('fail/' + hexid(4), answers[4]["output"].encode())
put('img/' + hexid(5), json.dumps({"remote": "img.bin", "local": W + "/ground/x.bin", "chunk": 4096,
                                   "size": len(img), "sha256": sha}).encode())
ms = struct.pack('>Q', 1000)
put('req/' + hexid(7), ms + arr(u(1), u(3), u(7), t('ping'), arr(t('migrated'))))
put('req/' + hexid(8), ms + arr(u(1), u(5), u(8), t('img.bin'), u(4096), arr()))
put('img/' + hexid(8), json.dumps({"remote": "img.bin", "local": local, "chunk": 4096,
                                   "size": len(img), "sha256": sha}).encode())
nch = (len(img) + 4095) // 4096
bits = bytearray((nch + 7) // 8)
for c in range(10): bits[c // 8] |= 1 << (c % 8)
put('map/' + hexid(8), bytes(bits))
put('rid', struct.pack('>Q', 10))
put('resp/' + hexid(9), b'{not json')       # hostile or damaged records: never a reason to stop
put('resp/zz', b'{}')
put('req/' + hexid(0x7fff), b'\x00\x01')
db.commit()
import os
fd = os.open(local + '.8.part', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, img[:10 * 4096])
os.close(fd)
json.dump({str(k): v for k, v in answers.items()}, open(W + '/old-answers.json', 'w'))
PY
check "old records written" [ -s "$W/old-answers.json" ]
g_once
check "the first run moved them" grep -q "store: 11 request(s) and answer(s) of the older ground moved" "$W/ground.log"
same() { # id: status --id shows the old answer, same fields in the same order
    resp "$1" | python3 -c "import json,sys; a=json.load(sys.stdin); o=json.load(open('$W/old-answers.json'))['$1']; sys.exit(0 if list(a.items())==list(o.items()) else 1)"
}
for i in 1 2 3 4 5 6; do check "old answer $i shown as before" same "$i"; done
st=$("$CLI" status --json --config "$W/ground.ini")
check "status: 7 and 8 pending, 8 answered, 3 failed (4 and the damaged ones)" python3 -c "
import json,sys; s=json.loads(sys.argv[1])
sys.exit(0 if s['pending']==[7,8] and s['answered']==8 and s['failed']==3 and [f['id'] for f in s['failed_recent']]==[4,9,0x7fff] else 1)" "$st"
check "a damaged old answer is failed with a sentence" sh -c "'$CLI' status --id 9 --config '$W/ground.ini' | grep -q 'could not be read'"
check "a key without a request id is dropped with a log line" grep -q "resp/zz is no record of the older ground" "$W/ground.log"
check "the orphan image record of a finished download is gone too" python3 -c "
import sqlite3,sys; db=sqlite3.connect('$W/ground/state.db')
n=db.execute(\"select count(*) from kv where k glob 'gr/alpha/req/*' or k glob 'gr/alpha/resp/*' or k glob 'gr/alpha/img/*' or k glob 'gr/alpha/map/*' or k glob 'gr/alpha/fail/*'\").fetchone()[0]
sys.exit(0 if n==0 else 1)"
check "the pending ones were re-sent (the download: missing ranges only)" \
    grep -q "re-sent image-request id=8 (missing ranges only)" "$W/ground.log"
up; s_once
nout=$(ls "$W/sat/out" | wc -l)
down; g_once
check "the migrated command was answered" sh -c "'$CLI' status --id 7 --config '$W/ground.ini' | grep -q 'pong migrated'"
check "the download resumed and completed" cmp -s "$W/ground/dl/img8.bin" "$W/sat/data/img.bin"
check "... with only the missing chunks sent (the answer, the info and 15 of 25 chunks: $nout bundles)" [ "$nout" = 17 ]
check "... answered ok" sh -c "'$CLI' status --id 8 --json --config '$W/ground.ini' | grep -q '\"status\":.*\"ok\"'"
check "no temporary left" [ ! -e "$W/ground/dl/img8.bin.8.part" ]
n=$(submit tm)
check "request ids go on above the old ones ($n)" [ "$n" = 10 ]
check "a second run moves nothing" [ "$(grep -c 'of the older ground moved' "$W/ground.log")" = 1 ]
finish
