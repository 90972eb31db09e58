#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A ground and a satellite store written by the code before the layout version existed
# (tests/fixtures/store-v1, made by its make.sh with commit 20144b4; docs/store.md "versions") are
# opened by today's daemons: the old answers are shown by `status --id` as before, the pending
# requests complete (a command the satellite ran once is not run again, a half-done download
# resumes), meta/schema becomes 2 in all four stores, and no counter goes back: every IV and every
# bundle sequence number handed out after the upgrade is above all those of the old run (its
# AUS_IV_LOG and bundle names are in the fixture). A store of a newer layout is refused (exit 3).
CLI="${1:?usage: sys_store_upgrade.sh CLI}"
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: python3 missing"; echo "0 passed, 0 failed"; exit 0; }
FIX="$(cd "$(dirname "$0")/../fixtures/store-v1" && pwd)"
T=$(mktemp -d /tmp/aus-sys-upgrade.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
OLD=/tmp/aus-store-v1/w
W="$T/w"
cp -r "$FIX/w" "$W"
chmod 700 "$W" "$W/keys" "$W/sat" "$W/ground"
chmod 600 "$W"/keys/* "$W"/*/state.db* "$W/ground/img.bin.part"
sed -i "s#$OLD#$W#g" "$W/sat.ini" "$W/ground.ini"
mkdir -p "$W/sat/in" "$W/sat/out" "$W/ground/in" "$W/ground/out"
chmod 700 "$W/sat/in" "$W/sat/out" "$W/ground/in" "$W/ground/out"
printf '#!/bin/sh\necho "$1" >> %s/ledger\necho "marked $1"\n' "$W" > "$W/mark.sh"
chmod 700 "$W/mark.sh"
py() { python3 - "$W" "$@"; }
# the one absolute path inside a store: the download's local file (gr/alpha/img/<id>, JSON)
py "$OLD" <<'PY'
import sqlite3, sys
W, OLD = sys.argv[1], sys.argv[2]
db = sqlite3.connect(W + '/ground/state.db')
for k, v in db.execute("select k, v from kv where k glob 'gr/alpha/img/*'").fetchall():
    db.execute('update kv set v = ? where k = ?', (v.replace(OLD.encode(), W.encode()), k))
db.commit()
PY
# schema VER STORE: the store's meta/schema (none: 1)
schema() {
    py "$1" <<'PY'
import sqlite3, struct, sys
r = sqlite3.connect('file:%s?mode=ro' % sys.argv[2], uri=True).execute(
    "select v from kv where k = 'meta/schema'").fetchone()
print(struct.unpack('>Q', r[0])[0] if r else 1)
PY
}
for s in sat/state.db sat/state.db.keys ground/state.db ground/state.db.keys; do
    check "fixture $s has no layout version (1)" [ "$(schema "$W/$s")" = 1 ]
done
# the old answers as the old ground stored them (JSON under gr/alpha/resp/<id>)
py <<'PY'
import json, sqlite3, sys
W = sys.argv[1]
db = sqlite3.connect(W + '/ground/state.db')
old = {str(int(k[-16:], 16)): json.loads(v) for k, v in
       db.execute("select k, v from kv where k glob 'gr/alpha/resp/*'")}
json.dump(old, open(W + '/old-answers.json', 'w'))
PY
check "the fixture has the 4 old answers" py <<'PY'
import json, sys
sys.exit(0 if sorted(json.load(open(sys.argv[1] + '/old-answers.json'))) == ['1', '2', '3', '4'] else 1)
PY

export AUS_IV_LOG="$W/new.ivs"
: > "$AUS_IV_LOG"
ARC="$W/sealed-new"; mkdir -p "$ARC"
keep() { cp "$W/ground/out/"* "$W/sat/out/"* "$ARC/" 2>/dev/null; true; }
rnd() { g_once; keep; up; s_once; keep; down; g_once; }

s_once
check "the satellite store is version 2 after its first run" [ "$(schema "$W/sat/state.db")" = 2 ]
check "... and its keystore" [ "$(schema "$W/sat/state.db.keys")" = 2 ]
check "the satellite kept the OTAR keys (EK=0x4000 active)" grep -q "EK=0x4000 AK=0x4001 active" "$W/sat.log"
g_once
check "the ground moved the old records" grep -q "store: 7 request(s) and answer(s) of the older ground moved" "$W/ground.log"
check "the ground store is version 2 after the move" [ "$(schema "$W/ground/state.db")" = 2 ]
check "... and its keystore" [ "$(schema "$W/ground/state.db.keys")" = 2 ]
same() { # id: status --id shows the old answer, same fields in the same order
    resp "$1" | python3 -c "import json,sys; a=json.load(sys.stdin); o=json.load(open('$W/old-answers.json'))['$1']; sys.exit(0 if list(a.items())==list(o.items()) else 1)"
}
for i in 1 2 3 4; do check "old answer $i shown by status --id as before" same "$i"; done
check "the OTAR answer is still there" sh -c "'$CLI' status --id 3 --config '$W/ground.ini' | grep -qi otar"
keep; up; s_once; keep; down; g_once
for k in 1 2 3; do rnd; done
check "the pending command (6) completed" sh -c "'$CLI' status --id 6 --json --config '$W/ground.ini' | grep -q '\"status\":\"ok\"'"
check "... and the satellite did not run it again" [ "$(grep -c '^pending$' "$W/ledger")" = 1 ]
check "the pending telemetry query (7) completed" sh -c "'$CLI' status --id 7 --json --config '$W/ground.ini' | grep -q '\"report\"'"
check "the half-done download (5) completed, SHA-256 verified" sh -c "'$CLI' status --id 5 --json --config '$W/ground.ini' | grep -q '\"status\":\"ok\"'"
check "... with the satellite's bytes" cmp -s "$W/ground/img.bin" "$W/sat/data/img.bin"
n=$(submit cmd exec mark after-upgrade)
check "request ids go on above the old ones ($n)" [ "$n" = 8 ]
rnd
check "a new command runs" sh -c "'$CLI' status --id $n --json --config '$W/ground.ini' | grep -q '\"status\":\"ok\"'"
check "the ledger: each command ran once" [ "$(tr '\n' ' ' < "$W/ledger")" = "before after-otar pending after-upgrade " ]

# No counter goes back: IVs (AUS_IV_LOG: tenant node role key IV) and bundle sequence numbers
# (outgoing names b<node>-<seq>.bundle) after the upgrade are all above those of the old run.
check "the new run sealed something ($(wc -l < "$AUS_IV_LOG") IVs, $(ls "$ARC" | wc -l) bundles)" \
    [ "$(wc -l < "$AUS_IV_LOG")" -gt 5 ]
check "no (key, IV) of the old run used again" py <<'PY'
import sys
W = sys.argv[1]
pairs = lambda f: [tuple(l.split()[3:5]) for l in open(f) if l.strip()]
old = set(pairs(W + '/ground.ivs') + pairs(W + '/sat.ivs'))
new = pairs(W + '/new.ivs')
sys.exit(0 if new and not old & set(new) and len(set(new)) == len(new) else 1)
PY
check "every new IV counter is above every old one of its node" py <<'PY'
import sys
W = sys.argv[1]
def ctr(f):
    d = {}
    for l in open(f):
        iv = l.split()[4]
        d.setdefault(iv[:8], []).append(int(iv[8:], 16))
    return d
old = ctr(W + '/ground.ivs'); old2 = ctr(W + '/sat.ivs')
for k, v in old2.items(): old.setdefault(k, []).extend(v)
new = ctr(W + '/new.ivs')
sys.exit(0 if sorted(new) == sorted(old) and all(min(new[k]) > max(old[k]) for k in new) else 1)
PY
ls "$ARC" > "$W/sealed-new.txt"
check "every new bundle sequence number is above every old one of its node" py <<'PY'
import sys
W = sys.argv[1]
def seqs(f):
    d = {}
    for l in open(f):
        node, seq = l.strip()[1:].split('.')[0].split('-')
        d.setdefault(node, []).append(int(seq, 16))
    return d
old, new = seqs(W + '/sealed.txt'), seqs(W + '/sealed-new.txt')
sys.exit(0 if sorted(new) == sorted(old) and all(min(new[k]) > max(old[k]) for k in new) else 1)
PY

# A store of a newer layout is refused with a sentence, and left as it was.
setv() { py "$1" "$2" <<'PY'
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[2])
db.execute("insert or replace into kv(k, v) values('meta/schema', ?)", (struct.pack('>Q', int(sys.argv[3])),))
db.commit()
PY
}
cp "$W/ground/state.db" "$W/keep.db"
setv "$W/ground/state.db" 99
"$CLI" run --config "$W/ground.ini" --once > "$W/new.out" 2> "$W/new.err"; rc=$?
check "a store of version 99: run refused with exit 3 ($rc)" [ "$rc" = 3 ]
check "... with a sentence" grep -q "has layout version 99, but this australis knows versions 1 to 2 only" "$W/new.err"
check "... and nothing written (still 99)" [ "$(schema "$W/ground/state.db")" = 99 ]
"$CLI" status --config "$W/ground.ini" > /dev/null 2> "$W/new.err"; rc=$?
check "... status refuses it too (exit $rc)" sh -c "[ $rc = 3 ] && grep -q 'layout version 99' '$W/new.err'"
"$CLI" tm --config "$W/ground.ini" > /dev/null 2> "$W/new.err"; rc=$?
check "... and so does a direct client (exit $rc)" sh -c "[ $rc = 3 ] && grep -q 'layout version 99' '$W/new.err'"
cp "$W/keep.db" "$W/ground/state.db"; rm -f "$W/ground/state.db-wal" "$W/ground/state.db-shm"
setv "$W/sat/state.db.keys" 3
"$CLI" run --config "$W/sat.ini" --once > /dev/null 2> "$W/new.err"; rc=$?
check "a keystore of version 3: refused with exit 3 ($rc)" sh -c "[ $rc = 3 ] && grep -q 'state.db.keys has layout version 3' '$W/new.err'"
finish
