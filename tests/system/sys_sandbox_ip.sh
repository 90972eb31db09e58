#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The sandbox of the daemons that run threads (docs/sandbox.md "Per link and role"): a
# satellite and a ground on link = tcpcl and on link = udpcl, and a ground with the HTTP API
# and the archive (PostgreSQL when AUS_TEST_PG_URL is set, else SQLite). Each one:
#  - shows Seccomp: 2 and NoNewPrivs: 1 in /proc/PID/status and still carries bundles;
#  - dies of SIGSYS (exit 159) on the test trigger AUS_TEST_SANDBOX: a raw socket, AF_NETLINK,
#    AF_PACKET, an ICMP "ping" socket, ptrace, execve;
#  - cannot open a file outside its folders (EACCES; the ground with [sandbox] ground_files =
#    yes), and (Landlock ABI 4+) cannot connect to a TCP port it was not configured for
#    (EACCES), while its configured port is reachable.
# usage: sys_sandbox_ip.sh CLI
CLI="$(realpath "${1:?usage: sys_sandbox_ip.sh CLI}")"
. "$(dirname "$0")/lib.sh"
T="$(mktemp -d /tmp/aus-sbxip.XXXXXX)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
# free and random (lib.sh): ports derived from $$ collided with tests running at once (CI: the
# satellite's listen failed, exit 3, right after its banner)
read -r SATP UDPS UDPG HTTPP OTHER < <(free_ports 5)
echo secret > "$T/outside.txt" # beside the world, in no folder of either daemon
mkworld "$T/w"
W="$T/w"
sed -i "s|^\[ground\]|[ground]\nsocket = $W/ground.sock|; s/^retry_s = 0/retry_s = 2/" "$W/ground.ini"
# TCPCL over TLS 1.3 (OpenSSL at run time, its files read after Landlock is on)
TLS=""
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/node.key" \
    -out "$W/node.crt" -days 2 -subj /CN=sandbox > /dev/null 2>&1; then
    chmod 600 "$W/node.key"
    TLS="tls_cert = $W/node.crt"$'\n'"tls_key = $W/node.key"$'\n'
fi
cp "$W/sat.ini" "$W/sat.base"
cp "$W/ground.ini" "$W/ground.base"

use_link() { # use_link tcpcl|udpcl: both configs on that link
    cp "$W/sat.base" "$W/sat.ini"
    cp "$W/ground.base" "$W/ground.ini"
    sed -i "s/^link = folder/link = $1/" "$W/sat.ini" "$W/ground.ini"
    if [ "$1" = tcpcl ]; then
        printf '[tcpcl]\nlisten = 127.0.0.1:%s\nkeepalive_s = 2\n%s' "$SATP" "$TLS" >> "$W/sat.ini"
        printf '[tcpcl]\npeer = 127.0.0.1:%s\nreconnect_max_s = 1\nkeepalive_s = 2\n%s' "$SATP" "$TLS" >> "$W/ground.ini"
    else
        printf '[udpcl]\nlisten = 127.0.0.1:%s\npeer = 127.0.0.1:%s\n' "$UDPS" "$UDPG" >> "$W/sat.ini"
        printf '[udpcl]\nlisten = 127.0.0.1:%s\npeer = 127.0.0.1:%s\n' "$UDPG" "$UDPS" >> "$W/ground.ini"
    fi
    printf '[sandbox]\nground_files = yes\n' >> "$W/ground.ini" # its files too (docs/sandbox.md)
}
answered() { resp "$1" | grep -q '"type"'; }
wait_all() { # wait_all SECONDS ID...
    local until=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $until ]; do
        local left=0
        for id in "$@"; do answered "$id" || { left=1; break; }; done
        [ $left = 0 ] && return 0
        sleep 0.3
    done
    return 1
}
wait_banner() { for _ in $(seq 600); do grep -q "sandbox:" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
status_ok() { # status_ok PID: the stable check
    grep -qP '^Seccomp:\t2$' "/proc/$1/status" && grep -qP '^NoNewPrivs:\t1$' "/proc/$1/status"
}
# trig ROLE WHAT: the daemon run --once with the trigger; its exit code in $rc, its log in trig.log
trig() {
    (cd "$T" && AUS_TEST_SANDBOX="$2" timeout 60 "$CLI" run --config "$W/$1.ini" --once > "$T/trig.log" 2>&1)
    rc=$?
}

SANI=0
LL=1
attacks() { # attacks ROLE LINK CONNECT_OK_PORT|- TRIGGER...: the triggers against one daemon
    local role="$1" link="$2" okport="$3"
    shift 3
    for what in "$@"; do
        [ $what = ptrace ] && [ $SANI = 1 ] && continue # LSan needs ptrace (docs/sandbox.md)
        trig "$role" $what
        check "$role on $link: $what killed by SIGSYS (rc $rc)" test $rc = 159
    done
    check "... none of them went on" not grep -q "not stopped" "$T/trig.log"
    if [ $LL = 1 ]; then
        trig "$role" "open:$T/outside.txt"
        check "$role on $link: open outside its folders fails with EACCES" \
            grep -q "open $T/outside.txt: Permission denied" "$T/trig.log"
        trig "$role" "open:$W/keys/$role.kek"
        check "... control: its own key file opens" grep -q "open $W/keys/$role.kek: opened" "$T/trig.log"
    fi
    trig "$role" "connect:$OTHER"
    if [ "$link" = udpcl ]; then
        check "$role on $link: a TCP socket at all: SIGSYS (rc $rc)" test $rc = 159
    elif grep -q "landlock-net(tcp" "$T/trig.log"; then
        check "$role on $link: TCP connect to a port not in its config: EACCES" \
            grep -q "connect 127.0.0.1:$OTHER: Permission denied" "$T/trig.log"
    fi
    if [ "$okport" != - ] && grep -q "landlock-net(tcp" "$T/trig.log"; then
        trig "$role" "connect:$okport"
        check "... control: its configured port $okport is not refused by the sandbox" \
            not grep -q "connect 127.0.0.1:$okport: Permission denied" "$T/trig.log"
    fi
}

for link in tcpcl udpcl; do
    use_link $link
    : > "$W/sat.log"
    : > "$W/ground.log"
    "$CLI" run --config "$W/sat.ini" >> "$W/sat.log" 2>&1 &
    SPID=$!; PIDS+=("$SPID")
    wait_banner "$W/sat.log"
    "$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 &
    GPID=$!; PIDS+=("$GPID")
    wait_banner "$W/ground.log"
    grep -q "denylist:sanitizer" "$W/sat.log" && SANI=1
    grep -q "NOT active: .*landlock(" "$W/sat.log" && LL=0
    grep -h "sandbox:" "$W/sat.log" "$W/ground.log" | sed 's/^/    /'
    check "satellite on $link: Seccomp: 2 and NoNewPrivs: 1" status_ok $SPID
    check "ground on $link: Seccomp: 2 and NoNewPrivs: 1" status_ok $GPID
    check "both banners name the inet filter (seccomp(...inet))" \
        bash -c "grep -q 'sandbox: .*seccomp(.*inet' '$W/sat.log' && grep -q 'sandbox: .*seccomp(.*inet' '$W/ground.log'"
    check "neither says a layer is missing (but a kernel without Landlock)" \
        bash -c "! grep -h 'sandbox:' '$W/sat.log' '$W/ground.log' | grep 'NOT active' | grep -v 'landlock(unavailable\|landlock(abi\|landlock-net(abi'"
    ids=("$(submit tm)" "$(submit cmd exec mark $link)")
    check "$link: telemetry and a command answered by the sandboxed daemons" wait_all 60 "${ids[@]}"
    check "... the command ran once (through the launcher)" test "$(grep -c "^$link\$" "$W/ledger")" = 1
    [ $link = tcpcl ] && [ -n "$TLS" ] && check "... over TLS 1.3" grep -q "tcpcl: .*TLS 1.3" "$W/sat.log"
    check "... both still run" bash -c "kill -0 $SPID && kill -0 $GPID"
    kill -TERM $SPID $GPID
    wait $SPID; src=$?
    wait $GPID; grc=$?
    check "... and stop cleanly on SIGTERM (exit $src, $grc)" test "$src$grc" = 00
    # each filter once against every forbidden family and call; the udpcl ones also against an
    # ICMP socket, the one datagram socket they must not get
    if [ $link = tcpcl ]; then
        attacks sat $link - syscall netlink packet execve ptrace
        attacks ground $link "$SATP" syscall netlink packet execve ptrace
    else
        attacks sat $link - ping syscall execve
        attacks ground $link - ping netlink
    fi
done

# the ground with the HTTP API (a thread per connection) and the archive
cp "$W/ground.base" "$W/ground.ini"
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
(umask 077; echo "$TOKEN" > "$W/token")
printf '[http]\nlisten = 127.0.0.1:%s\ntoken_file = %s\n' "$HTTPP" "$W/token" >> "$W/ground.ini"
ARC=sqlite
if [ -n "${AUS_TEST_PG_URL:-}" ]; then
    ARC=postgresql
    printf '[archive]\nurl = %s\nstation = sbx-%s\n' "$AUS_TEST_PG_URL" "$$" >> "$W/ground.ini"
fi
: > "$W/ground.log"
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 &
GPID=$!; PIDS+=("$GPID")
wait_banner "$W/ground.log"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$HTTPP/" && break; sleep 0.1; done
grep -h "sandbox:" "$W/ground.log" | sed 's/^/    /'
check "ground with [http] and the $ARC archive: Seccomp: 2 and NoNewPrivs: 1" status_ok $GPID
check "... its filter allows threads (the HTTP API's one per connection)" grep -q "sandbox: .*seccomp(.*threads" "$W/ground.log"
id=$(submit tm)
for _ in $(seq 50); do [ -n "$(ls "$W/ground/out" 2>/dev/null)" ] && break; sleep 0.1; done
up; s_once; down
for _ in $(seq 200); do answered "$id" && break; sleep 0.3; done
codes=""
for i in 1 2 3 4 5 6; do
    codes="$codes$(curl -s -o "$T/points.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTPP/api/points")"
done
check "... six HTTP requests served (six threads): $codes" test "$codes" = 200200200200200200
check "... the telemetry report reached the archive and the API" grep -q '"name"' "$T/points.json"
check "... and the daemon still runs" kill -0 $GPID
kill -TERM $GPID
wait $GPID
check "... it stops cleanly on SIGTERM" test $? = 0
# without ground_files = yes the ground's files are not confined ('image get -o' and 'file put'
# name any local path), and the banner says why; its TCP rules and its filter still apply
check "ground without ground_files: the banner says why its files are not confined" \
    grep -q "NOT active: .*landlock-files(ground_files=no:image-get-o/file-put-paths)" "$W/ground.log"
trig ground "connect:$OTHER"
if ! grep -q "sandbox: .*seccomp(.*inet:tcp" "$T/trig.log"; then
    # the SQLite archive: the HTTP API's socket is made before the filter, so no TCP socket
    # may be made after it at all
    check "ground with [http] and no TCP link: a TCP socket at all: SIGSYS (rc $rc)" test $rc = 159
elif grep -q "landlock-net(tcp" "$T/trig.log"; then
    check "ground with [http]: TCP connect to a port not in its config: EACCES" \
        grep -q "connect 127.0.0.1:$OTHER: Permission denied" "$T/trig.log"
fi
trig ground ping
check "ground with [http]: an ICMP socket: SIGSYS (rc $rc)" test $rc = 159
finish
