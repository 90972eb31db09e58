#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tenant dictionary in both daemons (docs/dictionary.md): the boot banners show its version;
# the ground refuses a command that breaks it before anything is sent (exit 1, a sentence naming
# the argument and the rule); the satellite checks again (an error answer) and refuses, for that
# command only, a request whose definition hash differs from its own; a request without a hash
# (a ground without a dictionary) is checked against the satellite's dictionary as today's
# requests; a report value outside its limits is an event on the ground (log line + record).
CLI="${1:?usage: sys_dict.sh CLI [SRC]}"
SRC="${2:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-dict.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
mkworld "$T/w"
cp "$SRC/examples/tenant.dict" "$W/ground.dict"
cp "$SRC/examples/tenant.dict" "$W/sat.dict"
# relative paths: relative to the config file's folder
sed -i 's/^tenant = .*/&\ndictionary = sat.dict/' "$W/sat.ini"
sed -i 's/^tenant = .*/&\ndictionary = ground.dict/' "$W/ground.ini"
V=$("$CLI" dict check "$W/sat.dict" | sed -n 's/.*version \([0-9a-f]*\),.*/\1/p')
NP=$("$CLI" dict check "$W/sat.dict" | sed -n 's/.*, \([0-9]*\) point(s), \([0-9]*\) command(s)$/\1 points, \2 commands/p')
check "dict check prints a version" [ ${#V} = 16 ]
s_once; g_once
check "satellite banner shows the dictionary version" grep -q "Dictionary: $W/sat.dict version $V ($NP)" "$W/sat.log"
check "ground banner shows the dictionary version" grep -q "Dictionary: $W/ground.dict version $V" "$W/ground.log"

# ---- the ground refuses before anything is sent ----
nout() { ls "$W/ground/out" | wc -l; }
refused() { # expected-sentence args...
    local want="$1"; shift
    local out rc
    out=$("$CLI" "$@" --config "$W/ground.ini" 2>&1); rc=$?
    [ $rc = 1 ] && [ "$out" = "$want" ] && [ "$(nout)" = 0 ] ||
        { echo "  got rc=$rc: $out"; return 1; }
}
check "missing argument refused, nothing sent" refused \
    "australis: cmd: command 'set': argument 'value' (text) is missing" cmd set mode
check "too many arguments refused" refused \
    "australis: cmd: command 'get': takes at most 1 argument, 2 given" cmd get a b
check "too long a text refused" refused \
    "australis: cmd: command 'exec': argument 'script' (text) is longer than 31 bytes" \
    cmd exec 0123456789012345678901234567890123
check "unknown command refused" refused \
    "australis: cmd: command 'reboot' is not in the ground's dictionary (version $V)" cmd reboot
check "an empty name refused (length range)" refused \
    "australis: cmd: command 'get': argument 'name' (text) is shorter than 1 bytes" cmd get ""

# ---- accepted: the request carries the definition hash, the satellite runs it ----
id=$(submit cmd set mode science)
round
a() { "$CLI" status --id "$1" --json --config "$W/ground.ini"; }
has() { a "$1" | grep -qF -- "$2"; }
check "an accepted command runs (answer ok)" has "$id" '"status":"ok"'

# ---- the satellite's dictionary differs for 'set' only ----
sed -i 's/^arg = value text 0..256$/arg = value text 0..3/' "$W/sat.dict"
V2=$("$CLI" dict check "$W/sat.dict" | sed -n 's/.*version \([0-9a-f]*\),.*/\1/p')
check "the edited dictionary has another version" [ "$V2" != "$V" ]
is=$(submit cmd set mode on)
ip=$(submit cmd ping hi)
round
check "a command whose definition differs is refused by the satellite" has "$is" \
    "command 'set': the ground's dictionary defines it differently from the satellite's (version $V2): not run"
check "... with an error answer" has "$is" '"status":"error"'
check "a command defined alike still runs (pong)" has "$ip" 'pong hi'
check "the satellite logged the refusal" grep -q "refused command id=$is: command 'set': the ground's dictionary defines it differently" "$W/sat.log"

# ---- a ground without a dictionary (no hash, like an older ground): the satellite checks ----
sed -i '/^dictionary = ground.dict$/d' "$W/ground.ini"
i1=$(submit cmd get)
i2=$(submit cmd reboot now)
i3=$(submit cmd set k abcd)
i4=$(submit cmd set k abc)
round
check "no hash: a missing argument is refused on board" has "$i1" "command 'get': argument 'name' (text) is missing"
check "no hash: an unknown command is refused on board" has "$i2" "command 'reboot' is not in the satellite's dictionary (version $V2)"
check "no hash: a range the satellite's dictionary breaks is refused" has "$i3" "command 'set': argument 'value' (text) is longer than 3 bytes"
check "no hash: a command within the satellite's dictionary runs" has "$i4" '"output":"k=abc"'
i5=$(submit cmd get k)
round
check "the refused set never ran (get k shows the second value)" has "$i5" '"output":"abc"' 

# ---- telemetry out of its limits: an event on the ground ----
sed -i 's/^dictionary = .*//' "$W/ground.ini"
sed -i 's/^tenant = .*/&\ndictionary = ground.dict/' "$W/ground.ini"
cat >> "$W/ground.dict" <<'D'
[point daemon_uptime_s]
type = int
unit = s
red = 1000000000..
D
it=$(submit tm)
round
check "a red value is logged as an event" grep -q "EVENT RED: daemon_uptime_s = [0-9]* s is outside its red limits 1000000000.. (request id=${it:-[0-9]*})" "$W/ground.log"
check "a nominal value is no event" not grep -q "EVENT.*mem_total_kB" "$W/ground.log"
rec=$(sqlite3 "$W/ground/state.db" "select count(*) from kv where k like 'dict/alpha/ev/%/daemon_uptime_s'" 2>/dev/null ||
      sqlite3 "$W/ground/state.db" ".dump" | grep -c "dict/alpha/ev/")
check "the event is stored (dict/<tenant>/ev/<id>/<point>)" [ "${rec:-0}" -ge 1 ]

# ---- a dictionary that does not parse stops the daemon at boot (exit 2, the line named) ----
printf '[command x]\narg = a int 5..1\n' > "$W/sat.dict"
out=$("$CLI" run --config "$W/sat.ini" --once 2>&1); rc=$?
check "a malformed dictionary: exit 2 and its line" [ $rc = 2 -a "$(printf '%s' "$out" | tail -1)" = "australis: $W/sat.dict:2: 'arg': value does not fit the key (see docs/dictionary.md)" ]
ln -sf /etc/passwd "$W/link.dict"
sed -i 's/^dictionary = sat.dict$/dictionary = link.dict/' "$W/sat.ini"
out=$("$CLI" run --config "$W/sat.ini" --once 2>&1); rc=$?
check "a symlinked dictionary is refused (exit 3)" [ $rc = 3 ]
finish
