#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Replay every fuzz target's seed corpus, then fuzz each one for N seconds.
# Usage: fuzz-smoke.sh BUILD_DIR SECONDS [SEED]
# SEED: libFuzzer's -seed (0 or empty: a random one, printed). CI passes a fixed seed so that
# a red run can be repeated exactly; `make fuzz-smoke` alone explores with a new seed each time.
# A failure prints the end of libFuzzer's log, with the crashing input in base64; the input
# itself stays in BUILD_DIR/fuzz-work/NAME/artifacts/ (crash-*, leak-*, timeout-*, oom-*).
set -euo pipefail
build="$1"; secs="${2:-60}"; seed="${3:-0}"
[ "$seed" = 0 ] && seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
cd "$(dirname "$0")/.."
shopt -s nullglob
targets=("$build"/fuzz/fuzz_*)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-smoke: no fuzz targets built"; exit 0; }
fail=0
for t in "${targets[@]}"; do
  n=$(basename "$t"); n=${n#fuzz_}
  corpus="fuzz/corpus/$n"
  work="$build/fuzz-work/$n"; mkdir -p "$work/corpus" "$work/artifacts" "$corpus"
  echo "fuzz-smoke: $n (replay $(ls "$corpus" | wc -l) seeds, then ${secs}s, -seed=$seed)"
  if ! "$t" -runs=0 -artifact_prefix="$work/artifacts/" "$corpus" >"$work/replay.log" 2>&1; then
    echo "fuzz-smoke: $n FAILED on its seed corpus"; tail -30 "$work/replay.log"; fail=1; continue
  fi
  if ! "$t" -seed="$seed" -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$corpus" \
        >"$work/fuzz.log" 2>&1; then
    echo "fuzz-smoke: $n FAILED while fuzzing (-seed=$seed; input in $work/artifacts/)"
    tail -40 "$work/fuzz.log"; fail=1; continue
  fi
  grep -E 'stat::number_of_executed_units' "$work/fuzz.log" | sed "s/^/  $n: /" || true
done
[ $fail -eq 0 ] && echo "fuzz-smoke: all targets clean"
exit $fail
