#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two tenants on one satellite (two daemons with their own keys, stores and folders): neither
# can read, forge or replay the other's traffic; neither's folders or store are readable by
# anyone but their owner.
CLI="${1:?usage: sys_tenants.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-tenants.XXXXXX); trap 'rm -rf "$T"' EXIT
mkworld "$T/b" bravo 101 201; WB=$W
mkworld "$T/a" alpha 100 200; WA=$W
# a normal exchange for each tenant
W=$WA; ida=$(submit cmd exec mark A1); round
W=$WB; idb=$(submit cmd exec mark B1); round
W=$WA; check "tenant A served" sh -c "echo '$(resp $ida)' | grep -q 'marked A1'"
W=$WB; check "tenant B served" sh -c "echo '$(resp $idb)' | grep -q 'marked B1'"
# B's uplink delivered into A's incoming folder: not opened, not run, quarantined
W=$WB; submit cmd exec mark B2 >/dev/null; g_once
cp "$WB"/ground/out/* "$WA/sat/in/"
W=$WA; s_once
check "B's bundle not run by A" not grep -q B2 "$WA/ledger"
check "B's bundle quarantined by A" grep -q "quarantine .*authentication\|quarantine .*policy\|quarantine .*key" "$WA/sat.log"
# A forges nothing: a bundle made with A's keys but addressed to B's node is refused by B
W=$WA; submit cmd exec mark A2 >/dev/null; g_once
cp "$WA"/ground/out/* "$WB/sat/in/"
W=$WB; s_once
check "A's bundle not run by B" not grep -q A2 "$WB/ledger"
# A's own earlier bundle replayed to A (archived by the operator) is refused
W=$WA; submit cmd exec mark A3 >/dev/null; g_once
mkdir -p "$T/arch"; cp "$WA"/ground/out/* "$T/arch/"
up; s_once
check "A3 ran once" [ "$(grep -c A3 "$WA/ledger")" = 1 ]
cp "$T"/arch/* "$WA/sat/in/"; s_once
check "replayed A3 not run again" [ "$(grep -c A3 "$WA/ledger")" = 1 ]
# permissions: folders 0700, stores 0600 (a second Unix user per tenant cannot read them)
for w in "$WA" "$WB"; do
    for d in sat/in sat/out sat/quarantine ground/in ground/out ground/quarantine; do
        check "$(basename $w) $d is owner-only" [ "$(stat -c %a "$w/$d")" = 700 ]
    done
    for f in sat/state.db sat/state.db.keys ground/state.db ground/state.db.keys; do
        check "$(basename $w) $f is owner-only" [ "$(stat -c %a "$w/$f")" = 600 ]
    done
done
# a world-readable key file is refused at start-up
chmod 644 "$WA/keys/sat.kek"
W=$WA; "$CLI" run --config "$WA/sat.ini" --once > "$T/perm.out" 2>&1; rc=$?
check "daemon refuses a world-readable key file (exit $rc)" [ $rc = 2 ]
finish
