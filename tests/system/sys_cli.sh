#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Strict, helpful command lines (README "Command lines", apps/australis/common/opts.h): every
# subcommand refuses an unknown option, a bad value and a missing argument with exit 2 and ONE
# sentence naming the problem; options may follow a command name; `--` ends the options; each
# subcommand has its own --help (exit 0, on stdout); `cmd --help` lists the satellite's commands
# from the dictionary the config names. Exact sentences are asserted.
CLI="${1:?usage: sys_cli.sh CLI [SRC]}"
SRC="${2:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-cli.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
mkworld "$T/w"
cp "$SRC/examples/tenant.dict" "$W/tenant.dict"
sed -i 's/^tenant = .*/&\ndictionary = tenant.dict/' "$W/ground.ini" "$W/sat.ini"
G="$W/ground.ini"
unset AUS_CONFIG

# run: expect EXIT SENTENCE -- ARGS...: exit code and stderr exactly, stdout empty
expect() {
    local code="$1" want="$2"; shift 3
    "$CLI" "$@" > "$T/out" 2> "$T/err"; local rc=$?
    if [ "$rc" = "$code" ] && [ "$(cat "$T/err")" = "$want" ] && [ ! -s "$T/out" ]; then
        return 0
    fi
    echo "  australis $*: rc=$rc stderr=[$(cat "$T/err")] stdout=[$(head -c 200 "$T/out")]"
    return 1
}
# helpful: the subcommand's own usage on stdout, exit 0, nothing on stderr
helps() { # NAME ARGS...
    local name="$1"; shift
    "$CLI" "$@" > "$T/out" 2> "$T/err"; local rc=$?
    [ $rc = 0 ] && [ ! -s "$T/err" ] && head -1 "$T/out" | grep -q "^usage: australis $name" ||
        { echo "  australis $*: rc=$rc $(head -c 200 "$T/err")"; return 1; }
}
unknown() { # CMDNAME ARGS...: the sentence for --bogus
    local name="$1"; shift
    expect 2 "australis: $name: unknown option '--bogus' (see australis $name --help)" -- "$@"
}

# ---- unknown options: exit 2, one sentence, for every subcommand ----
for c in tm status rekey; do
    check "$c: unknown option" unknown "$c" "$c" --bogus --config "$G"
done
check "cmd: unknown option after the command name" unknown cmd cmd ping --bogus --config "$G"
check "image: unknown option" unknown image image get x.img --bogus --config "$G"
check "sa: unknown option" unknown sa sa ping --bogus --config "$G"
check "cancel: unknown option" unknown cancel cancel 1 --bogus --config "$G"
check "retry: unknown option" unknown retry retry 1 --bogus --config "$G"
check "run: unknown option" unknown run run --config "$W/sat.ini" --bogus
check "pass: unknown option" unknown pass pass --from a --to b --bogus
check "dict: unknown option" unknown dict dict check "$W/tenant.dict" --bogus
check "keys list: unknown option" unknown "keys list" keys list --config "$G" --bogus
check "bpsec wrap: unknown option" unknown "bpsec wrap" bpsec wrap --bogus
check "bpsec unwrap: unknown option" unknown "bpsec unwrap" bpsec unwrap --bogus
check "bpsec inspect: unknown option" unknown "bpsec inspect" bpsec inspect --bogus
check "init: unknown option" unknown init init "$T/pair" --bogus
# the families with their own option loops (bundle, ccsds, app): exit 2 and a sentence naming it
check "bundle create: unknown option" expect 2 \
    "australis: bundle create: unknown option '--bogus' (see --help)" -- bundle create --bogus
check "bundle: unknown subcommand" expect 2 \
    "australis: bundle: unknown subcommand 'nosuch' (see australis bundle --help)" -- bundle nosuch
check "ccsds tc-decode: unknown option" expect 2 \
    "australis: unknown option '--bogus' (see australis ccsds --help)" -- ccsds tc-decode --bogus x
check "ccsds: unknown subcommand, named before its options" expect 2 \
    "australis: unknown ccsds subcommand 'nosuch' (see australis ccsds --help)" -- ccsds nosuch -o x
check "app: unknown subcommand" expect 2 \
    "australis: app: unknown subcommand 'nosuch' (see australis app --help)" -- app nosuch
check "file put: missing REMOTE" expect 2 \
    "australis: file put: missing argument REMOTE (see australis file put --help)" -- file put a --config "$G"
check "init: missing DIR" expect 2 "australis: init: missing argument DIR (see australis init --help)" -- init
check "init --sat-node 0" expect 2 "australis: init: option --sat-node needs a node number (1..4294967295), not '0'" -- init "$T/pair" --sat-node 0
check "init --help" helps init init --help
for c in "tcpcl send" "tcpcl listen" "udpcl send" "udpcl listen"; do
    check "$c: unknown option" unknown "$c" $c --bogus
    check "$c --help" helps "${c%% *}" $c --help
done
check "tcpcl --keepalive x" expect 2 \
    "australis: tcpcl send: option --keepalive needs a number of seconds (0..65535), not 'x'" -- tcpcl send --keepalive x
check "udpcl --mtu 10" expect 2 \
    "australis: udpcl listen: option --mtu needs a datagram size in bytes (64..65507), not '10'" -- udpcl listen --mtu 10
check "a family option is not everyone's (tm --otar)" \
    expect 2 "australis: tm: unknown option '--otar' (see australis tm --help)" -- tm --otar --config "$G"
check "a flag takes no value" \
    expect 2 "australis: tm: option --wait takes no value" -- tm --wait=1 --config "$G"

# ---- bad values ----
check "tm --timeout abc" expect 2 \
    "australis: tm: option --timeout needs a number of seconds (0..604800), not 'abc'" -- tm --timeout abc --config "$G"
check "cmd --timeout -1" expect 2 \
    "australis: cmd: option --timeout needs a number of seconds (0..604800), not '-1'" -- cmd ping --timeout -1 --config "$G"
check "status --id 0" expect 2 \
    "australis: status: option --id needs a request id (1..18446744073709551614), not '0'" -- status --id 0 --config "$G"
check "image --chunk 99999" expect 2 \
    "australis: image: option --chunk needs a chunk size in bytes (1..16384), not '99999'" -- image get x --chunk 99999 --config "$G"
check "cmd --at tomorrow" expect 2 \
    "australis: cmd: option --at needs +SECONDS or a UTC time YYYY-MM-DDTHH:MM:SSZ, not 'tomorrow'" -- cmd ping --at tomorrow --config "$G"
check "pass --drop 2" expect 2 \
    "australis: pass: option --drop needs a probability (0..1), not '2'" -- pass --from a --to b --drop 2
check "keys --id 0x10000" expect 2 \
    "australis: keys export-public: option --id needs a key id (0..65535), not '0x10000'" -- keys export-public --id 0x10000 --config "$G"
check "bpsec wrap --sha 1" expect 2 \
    "australis: bpsec wrap: option --sha needs 256, 384 or 512, not '1'" -- bpsec wrap --sha 1 in -o out --keyring k
check "an option without its value" expect 2 \
    "australis: status: option --config needs a value" -- status --config

# ---- missing arguments ----
check "cmd without a name" expect 2 "australis: cmd: missing argument NAME (see australis cmd --help)" -- cmd --config "$G"
check "image get without REMOTE" expect 2 "australis: image get: missing argument REMOTE (see australis image get --help)" -- image get --config "$G"
check "cancel without ID" expect 2 "australis: cancel: missing argument ID (see australis cancel --help)" -- cancel --config "$G"
check "sa FIRST without LAST" expect 2 "australis: sa: missing argument LAST (see australis sa --help)" -- sa inventory 1 --config "$G"
check "tm with an extra argument" expect 2 "australis: tm: unexpected argument 'now' (see australis tm --help)" -- tm now --config "$G"
check "rekey without a kind" expect 2 "australis: rekey: give one of --otar and --pq (see australis rekey --help)" -- rekey --config "$G"
check "run without --config" expect 2 "australis: run: missing option --config FILE (see australis run --help)" -- run --once
check "pass without --to" expect 2 "australis: pass: missing option --to DIR (see australis pass --help)" -- pass --from a
check "dict check without FILE" expect 2 "australis: dict: missing argument FILE (see australis dict --help)" -- dict check
check "bpsec inspect without IN" expect 2 "australis: bpsec inspect: missing argument IN (see australis bpsec inspect --help)" -- bpsec inspect
check "client without --config: one sentence" expect 2 \
    "australis: tm: missing option --config FILE (the ground daemon's config; or \$AUS_CONFIG)" -- tm

# ---- options after the command name; -- ends the options ----
s_once
out=$("$CLI" cmd ping hello --json --config "$G" 2>&1)
check "an option after the command's arguments is an option (--json)" sh -c "printf '%s' '$out' | grep -Eq '^\{\"id\":[0-9]+\}$'"
id=$("$CLI" cmd --config "$G" ping -- --not-an-option -x | sed -n 's/^request id //p')
check "-- ends the options: the rest are the command's arguments" [ -n "$id" ]
round
check "... and reach the satellite as arguments" sh -c "'$CLI' status --id $id --json --config '$G' | grep -q 'pong --not-an-option -x'"
check "a negative number is an argument" expect 1 \
    "australis: command 'set': takes at most 2 arguments, 3 given" -- dict try "$W/tenant.dict" set a -5 -6
check "dict try: -- passes an option-looking argument" sh -c "'$CLI' dict try '$W/tenant.dict' -- ping --x | grep -q \"command 'ping': accepted\""

# ---- each subcommand's own --help ----
for c in tm cmd image rekey sa status cancel retry run pass dict; do
    check "$c --help" helps "$c" "$c" --help
done
check "keys list --help" helps keys keys list --help
check "bpsec wrap --help" helps "bpsec wrap" bpsec wrap --help
check "bpsec unwrap --help" helps "bpsec unwrap" bpsec unwrap --help
check "bpsec inspect --help" helps "bpsec inspect" bpsec inspect --help
check "--help wins over a bad option after it" helps pass pass --help --bogus
h=$("$CLI" cmd --help --config "$G")
V=$("$CLI" dict check "$W/tenant.dict" | sed -n 's/.*version \([0-9a-f]*\),.*/\1/p')
check "cmd --help names the dictionary and its version" sh -c "printf '%s\n' \"\$1\" | grep -qF \"the satellite's commands (dictionary $W/tenant.dict, version $V):\"" _ "$h"
check "cmd --help lists each command with its arguments" sh -c "printf '%s\n' \"\$1\" | grep -qx '  set name:text(1..64) value:text(0..256)' && printf '%s\n' \"\$1\" | grep -qx '  exec script:text(1..31) args:text(0..256)...'" _ "$h"
h=$("$CLI" cmd --help)
check "cmd --help without a config lists the built-in commands" sh -c "printf '%s\n' \"\$1\" | grep -q '^  set NAME VALUE'" _ "$h"

# ---- config errors name the line of the key at fault, also across keys ----
cp "$G" "$T/c.ini"
sed -i 's/^peer = .*/peer = 200/' "$T/c.ini"
ln=$(grep -n '^peer = ' "$T/c.ini" | cut -d: -f1)
check "peer = node: the line of 'peer'" expect 2 "australis: $T/c.ini:$ln: key 'peer' must differ from key 'node'" -- status --config "$T/c.ini"
cp "$G" "$T/c.ini"; sed -i 's/^tenant = .*/tenant = a b/' "$T/c.ini"
ln=$(grep -n '^tenant = ' "$T/c.ini" | cut -d: -f1)
check "a bad tenant: the line of 'tenant'" expect 2 "australis: $T/c.ini:$ln: key 'tenant' may hold only letters, digits, '_' and '-'" -- status --config "$T/c.ini"
cp "$W/sat.ini" "$T/s.ini"; printf 'xyz\n' > "$T/bad.kek"; chmod 600 "$T/bad.kek"
sed -i "s|^kek_file = .*|kek_file = $T/bad.kek|; s|^dictionary = .*|dictionary = $W/tenant.dict|" "$T/s.ini"
"$CLI" run --config "$T/s.ini" --once > "$T/out" 2> "$T/err"; rc=$?
check "a malformed key file: its path and the expected format (exit $rc)" grep -qF \
    "australis: key-encryption key $T/bad.kek: " "$T/err"
check "... the expected format" grep -qF "(expected: 64 hex digits on one line or 32 raw bytes, a regular file of ours, mode 0600; docs/keys.md)" "$T/err"
finish
