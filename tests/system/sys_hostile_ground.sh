#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile surroundings of the ground's downloads (DESIGN.md §5a): a symbolic link, a foreign
# 0666 file or a directory planted where a download's temporary goes, an existing LOCAL, a
# downloads folder others may write to, and one on which writes fail. The planted object is
# never followed, reused or replaced; the request it hits fails with a sentence (in
# `australis status` and `status --id N`), and the rest of the pass is processed.
# Objects are planted under the old temporary name (LOCAL.part) and the request's own one
# (LOCAL.<id>.part), so that the test also fails on a ground that shares one temporary.
CLI="${1:?usage: sys_hostile_ground.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-hostile.XXXXXX); trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
mkworld "$T/w"
D="$T/dl"
mkdir -m 700 "$D"
printf 'root-owned secret\n' > "$T/victim"; chmod 600 "$T/victim"; cp -p "$T/victim" "$T/victim.orig"
# has ID TEXT: the stored answer to request ID contains TEXT
has() { resp "$1" | grep -q -F -- "$2"; }
mode() { stat -c %a "$1"; }
quiet_log() { not grep -q -i "store failure\|Segmentation\|Aborted" "$W/ground.log"; }

# 1. a symbolic link at the temporary's path: never followed; the request fails; asked
#    again (a new request, its own temporary), the download completes
id=$(submit image get img.bin -o "$D/s.img")
ln -s "$T/victim" "$D/s.img.part"; ln -s "$T/victim" "$D/s.img.$id.part"
round
check "symlink: its target is untouched" cmp -s "$T/victim" "$T/victim.orig"
check "symlink: the request failed, saying why" has "$id" '"status":"failed"'
check "symlink: the sentence names the link" has "$id" "s.img.$id.part is a symbolic link"
check "symlink: the link is left alone, nothing at LOCAL" [ -L "$D/s.img.$id.part" -a ! -e "$D/s.img" ]
id=$(submit image get img.bin -o "$D/s.img")
round
check "symlink: asked again, the download completes" cmp -s "$D/s.img" "$W/sat/data/img.bin"
check "symlink: the image is 0600" [ "$(mode "$D/s.img")" = 600 ]
check "symlink: its temporary is gone" [ ! -e "$D/s.img.$id.part" ]

mkworld "$T/w2"   # each case its own world: one wedged downlink must not hide the next
# 2. a pre-created 0666 temporary (another user could read and replace it): not reused
id=$(submit image get img.bin -o "$D/p.img")
for f in "$D/p.img.part" "$D/p.img.$id.part"; do printf planted > "$f"; chmod 666 "$f"; done
round
check "0666 temporary: not written to" [ "$(cat "$D/p.img.part")" = planted -a "$(cat "$D/p.img.$id.part")" = planted ]
check "0666 temporary: nothing renamed to LOCAL" [ ! -e "$D/p.img" ]
check "0666 temporary: the request failed, saying why" has "$id" "p.img.$id.part has a mode other than 0600"

mkworld "$T/w3"
# 3. a directory at the temporary's path fails that request only: a later command in the
#    same pass is answered, the incoming folder is emptied
id=$(submit image get img.bin -o "$D/d.img")
pid=$(submit cmd ping after-dir)
mkdir "$D/d.img.part" "$D/d.img.$id.part"
round
check "directory: the request failed, saying why" has "$id" "d.img.$id.part is a directory"
check "directory: the later ping is answered" has "$pid" '"status":"ok"'
check "directory: every incoming file was consumed" [ -z "$(ls "$W/ground/in")" ]
st=$("$CLI" status --config "$W/ground.ini")
listed() { grep -q 'failed on the ground' <<<"$st" && grep -q -F "  $id  $D/d.img.$id.part is a directory" <<<"$st"; }
check "directory: 'australis status' lists the failed request and why" listed
counted() { "$CLI" status --json --config "$W/ground.ini" | grep -q '"failed":[[:space:]]*[1-9]'; }
check "directory: 'status --json' counts it" counted
check "directory: logged" grep -q "image id=$id failed: .*is a directory" "$W/ground.log"
check "directory: later chunks of it were ignored (no store failure, no crash)" quiet_log
round
check "directory: a later pass leaves it failed" has "$id" '"status":"failed"'

mkworld "$T/w4"
# 4. a downloads folder on which writes fail (a full file system as root, a read-only folder
#    otherwise): that request fails, the ping in the same pass is answered
F="$T/full"
mkdir -m 700 "$F"
g_full=""
if [ "$(id -u)" = 0 ] && unshare -m sh -c "mount -t tmpfs -o size=8k,mode=700 none '$F'" 2>/dev/null; then
    g_full="unshare -m sh -c 'mount -t tmpfs -o size=8k,mode=700 none \"\$0\" && exec \"\$1\" run --config \"\$2\" --once' '$F' '$CLI' '$W/ground.ini'"
    why="No space left on device"
elif [ "$(id -u)" != 0 ]; then
    chmod 500 "$F"
    g_full="'$CLI' run --config '$W/ground.ini' --once"
    why="Permission denied"
fi
if [ -n "$g_full" ]; then
    id=$(submit image get img.bin -o "$F/f.img")
    pid=$(submit cmd ping after-full)
    g_once; up; s_once; down
    eval "$g_full" >> "$W/ground.log" 2>&1
    check "write failure: the request failed, saying why" has "$id" "$why"
    check "write failure: the ping in the same pass is answered" has "$pid" '"status":"ok"'
    check "write failure: every incoming file was consumed" [ -z "$(ls "$W/ground/in")" ]
    check "write failure: no store failure" quiet_log
    chmod 700 "$F"
else
    echo "skip write failure: root without a private mount namespace"
fi

mkworld "$T/w5"
# 5. an existing LOCAL (a file, or a link to a file) is never replaced: the verified image is
#    kept as LOCAL.<id> and the request says so
printf 'keep me\n' > "$D/e.img"
ln -s "$T/victim" "$D/l.img"
id=$(submit image get img.bin -o "$D/e.img")
lid=$(submit image get img.bin -o "$D/l.img")
round
check "existing LOCAL: not replaced" [ "$(cat "$D/e.img")" = "keep me" ]
check "existing LOCAL: the image is kept as LOCAL.<id>" cmp -s "$D/e.img.$id" "$W/sat/data/img.bin"
check "existing LOCAL: the answer says where" has "$id" "already exists and is never replaced: the image is kept as $D/e.img.$id"
check "link at LOCAL: neither followed nor replaced" [ -L "$D/l.img" ]
check "link at LOCAL: its target is untouched" cmp -s "$T/victim" "$T/victim.orig"
# two requests for one path: each has its own temporary, the second is kept beside the first
a=$(submit image get img.bin -o "$D/two.img")
b=$(submit image get img.bin -o "$D/two.img")
round
first_ok() { cmp -s "$D/two.img" "$W/sat/data/img.bin" && has "$a" '"output":"SHA-256 verified"'; }
check "two requests, one path: the first is in place" first_ok
check "two requests, one path: the second is kept as LOCAL.<id>" cmp -s "$D/two.img.$b" "$W/sat/data/img.bin"

mkworld "$T/w6"
# 6. the downloads folder: writable by others and not sticky is refused; sticky is fine
mkdir "$T/open" "$T/sticky"; chmod 777 "$T/open"; chmod 1777 "$T/sticky"
id=$(submit image get img.bin -o "$T/open/o.img")
sid=$(submit image get img.bin -o "$T/sticky/o.img")
round
check "open folder: refused, saying why" has "$id" "writable by group or others and not sticky"
check "open folder: nothing written there" [ -z "$(ls "$T/open")" ]
check "sticky folder: the download completes" cmp -s "$T/sticky/o.img" "$W/sat/data/img.bin"
check "no store failure, no crash in any pass" quiet_log

# 7. a FIFO at the temporary's path is not opened for writing (that would block the ground);
#    a second hard link made to a half-done temporary makes it no longer ours
mkworld "$T/w7"
id=$(submit image get img.bin -o "$D/fifo.img")
mkfifo "$D/fifo.img.part" "$D/fifo.img.$id.part"
g_once; up; s_once; down
timeout 60 "$CLI" run --config "$W/ground.ini" --once >> "$W/ground.log" 2>&1
check "FIFO: the ground did not block on it" [ $? != 124 ]
check "FIFO: the request failed, saying why" has "$id" "fifo.img.$id.part is not a regular file"
id=$(submit image get img.bin -o "$D/h.img")
g_once; up; s_once; down
(cd "$W/ground/in" && ls | sort | tail -10 | xargs rm -f)   # the last 10 chunks are lost
g_once
check "hard link: half the image arrived first" [ -f "$D/h.img.$id.part" ]
ln "$D/h.img.$id.part" "$T/stolen"; cp "$T/stolen" "$T/stolen.before"
round
check "hard link: the request failed, saying why" has "$id" "h.img.$id.part has more than one link"
check "hard link: no further chunk went into it" cmp -s "$T/stolen" "$T/stolen.before"
check "hard link: nothing renamed to LOCAL" [ ! -e "$D/h.img" ]
finish
