#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first section, run exactly as written: the indented lines between
# "<!-- quickstart:begin" and "<!-- quickstart:end" in README.md, one by one, in an empty
# temporary folder with the built `australis` first on PATH. Lines ending in '&' start in the
# background (daemons, the pass loop); every other line must exit 0 with its expected answer.
# Usage: sys_quickstart.sh CLI SOURCE_DIR
CLI="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
SRC="$2"
source "$(dirname "$0")/lib.sh"
T="$(mktemp -d /tmp/aus-quick.XXXXXX)"
mkdir "$T/bin" "$T/run"
ln -s "$CLI" "$T/bin/australis"
export PATH="$T/bin:$PATH"
cleanup() {
    local p
    for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

mapfile -t lines < <(sed -n '/^<!-- quickstart:begin/,/^<!-- quickstart:end/p' "$SRC/README.md" |
                     sed -n 's/^    //p')
check "README.md has a quickstart section with commands" test "${#lines[@]}" -ge 5
# the answers the section must get
want=("australis init " "australis tm " "australis cmd ping " "australis image get " "australis file put ")
for w in "${want[@]}"; do
    found=0
    for l in "${lines[@]}"; do case "$l" in *"$w"*) found=1 ;; esac; done
    check "the quickstart runs '$w...'" test $found = 1
done

# what each foreground command must print besides exiting 0
expect() {
    case "$1" in
    "australis init "*) echo "australis run --config" ;;
    "australis tm "*) echo "tm-report" ;;
    "australis cmd ping "*) echo "pong" ;;
    "australis image get "*) echo "SHA-256 verified" ;;
    "australis rekey "*) echo "status     ok" ;;
    "australis file put "*) echo "stored, SHA-256 verified" ;;
    *) echo "" ;;
    esac
}

cd "$T/run" || exit 3
for l in "${lines[@]}"; do
    case "$l" in
    "" | "#"*) continue ;;
    *"&")
        eval "$l"
        ok "started: ${l:0:60}"
        # a daemon: wait (60 s) for its banner, as a reader would see it start before typing on.
        # A fixed 0.3 s let the next client, on a loaded machine, find no daemon holding the
        # store and run the request itself (direct mode).
        if [[ "$l" =~ ^australis\ run\ .*\>\ ([^ ]+) ]]; then
            waitfor grep -q "Health:" "${BASH_REMATCH[1]}"
        else
            sleep 0.3
        fi
        ;;
    *)
        out="$(eval "$l" 2>&1)"
        rc=$?
        w="$(expect "$l")"
        if [ $rc = 0 ] && { [ -z "$w" ] || grep -qF -- "$w" <<<"$out"; }; then
            ok "$l"
        else
            bad "$l (exit $rc, wanted '$w')"
            sed 's/^/    | /' <<<"$out" | head -20
        fi
        ;;
    esac
done
# the README's other examples, in the same folder once the daemons are stopped
for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
mapfile -t ex < <(sed -n '/^<!-- examples:begin/,/^<!-- examples:end/p' "$SRC/README.md" | sed -n 's/^    //p')
check "README.md has examples between markers" test "${#ex[@]}" -ge 5
for l in "${ex[@]}"; do
    out="$(eval "$l" 2>&1)"; rc=$?
    if [ $rc = 0 ]; then ok "example: ${l:0:70}"; else bad "example: $l (exit $rc)"; sed 's/^/    | /' <<<"$out" | head -5; fi
done
check "example: the unwrapped bundle is the original" cmp -s b.cbor back.cbor
# the image really is the satellite's file
check "downloaded sample.img equals the satellite's" \
    cmp -s pair/sat/data/sample.img pair/ground/downloads/sample.img
check "the uploaded settings.cfg is on board, the same bytes" \
    cmp -s settings.cfg pair/sat/data/settings.cfg
check "nothing quarantined on a clean link" \
    test "$(ls pair/sat/quarantine pair/ground/quarantine | grep -vc ':$\|^$\|INDEX')" = 0
finish
