#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A group of client requests whose one sync fails (docs/daemon.md, "Group commit"): the ground
# answers the clients that their requests may not stand and stops before the outgoing queue is
# written, so no bundle whose IV reservation may not be durable ever leaves (DESIGN.md §5). The
# failure comes from a preloaded fsync/fdatasync that fails while a flag file exists (built here
# with the system's cc).
CLI="${1:?usage: sys_syncfail.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-syncfail.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
command -v cc > /dev/null || { echo "cc not found: skipped"; exit 77; }
cat > "$T/failsync.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
/* fsync and fdatasync fail with EIO while the file named by AUS_FAILSYNC_FLAG exists */
static int failing(void)
{
    const char *f = getenv("AUS_FAILSYNC_FLAG");
    return f && access(f, F_OK) == 0;
}
static int call(long nr, int fd)
{
    if (failing()) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(nr, fd);
}
int fsync(int fd) { return call(SYS_fsync, fd); }
int fdatasync(int fd) { return call(SYS_fdatasync, fd); }
int syncfs(int fd) { return call(SYS_syncfs, fd); }
C
cc -shared -fPIC -O2 -o "$T/failsync.so" "$T/failsync.c" || { echo "cannot build the shim"; exit 1; }
mkworld "$T/w"
sed -i 's/^retry_s = 0$/retry_s = 600/' "$W/ground.ini"
printf 'socket = %s/g.sock\n' "$T" >> "$W/ground.ini"
export AUS_FAILSYNC_FLAG="$T/fail"
LD_PRELOAD="$T/failsync.so" "$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 & gpid=$!
waitfor test -S "$T/g.sock"
c=$("$CLI" cmd exec mark one --config "$W/ground.ini" | sed -n 's/^request id //p')
check "a request while the disk syncs: queued ($c) and sent" waitfor count_is "$W/ground/out" 1
touch "$T/fail"
"$CLI" cmd exec mark two --config "$W/ground.ini" > "$T/out2" 2> "$T/err2"; rc=$?
rm -f "$T/fail" # the disk works again: a daemon that went on would now write the group's bundle
check "a request whose group cannot be synced: the client is told (exit $rc)" \
    grep -q "the store could not be synced: the request may not stand after a power cut" "$T/out2" "$T/err2"
gone() { ! kill -0 "$gpid" 2> /dev/null; }
waitfor gone || kill "$gpid" # (the old code went on serving: it is stopped here)
wait "$gpid"; grc=$?
check "the ground stops, exit 3 (environment), not by a signal ($grc)" [ "$grc" = 3 ]
check "... saying why" grep -q "cannot sync the log (.*): 1 client(s) told their requests may not stand; stopping without sending" "$W/ground.log"
check "... and nothing of that group left: still the one bundle in the outgoing folder" \
    count_is "$W/ground/out" 1
# The TCPCL carrier's shared sync of received bundles (docs/tcpcl.md, "Held final ACKs"): when
# it fails, no bundle is acknowledged (the sender keeps them all) and none reaches its name;
# once the disk works, the same bundles are taken.
mkworld "$T/w2"
P=$(free_ports) # lib.sh: free and random, never derived from $$
sed -i 's/^link = folder/link = tcpcl/' "$W/sat.ini"
printf '[tcpcl]\nlisten = 127.0.0.1:%s\nack_batch = 16\n' "$P" >> "$W/sat.ini"
head -c 300 /dev/urandom > "$T/pl"
for i in 1 2 3; do
    "$CLI" bundle create --src ipn:200.1 --dst ipn:100.1 --ctime 800000000000 --seq "$i" \
        --payload "$T/pl" -o "$T/r$i.bundle"
done
LD_PRELOAD="$T/failsync.so" "$CLI" run --config "$W/sat.ini" >> "$W/sat.log" 2>&1 & spid=$!
waitfor grep -q listening "$W/sat.log"
touch "$T/fail"
"$CLI" tcpcl send --to "127.0.0.1:$P" --node-id ipn:200.0 --retries 0 "$T"/r?.bundle \
    > "$T/s1.out" 2>&1; rc=$?
rm -f "$T/fail"
check "TCPCL bundles whose shared sync fails: none acknowledged (tcpcl send exit $rc)" [ "$rc" = 1 ]
check "... refused No Resources" grep -q "No Resources" "$T/s1.out"
check "... the satellite says why" \
    grep -q "tcpcl: cannot make [0-9]* received bundles durable: .*(refused: No Resources)" "$W/sat.log"
check "... and no staged file is left" bash -c "! ls -A '$W/sat/in' | grep -q ."
"$CLI" tcpcl send --to "127.0.0.1:$P" --node-id ipn:200.0 --quiet "$T"/r?.bundle; rc=$?
check "... the disk works again: all three acknowledged (exit $rc)" [ "$rc" = 0 ]
kill "$spid"; wait "$spid" 2> /dev/null
finish
