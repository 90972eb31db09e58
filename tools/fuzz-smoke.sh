#!/usr/bin/env bash
# Replay every fuzz target's seed corpus, then fuzz each one for N seconds.
# Usage: fuzz-smoke.sh BUILD_DIR SECONDS
set -euo pipefail
build="$1"; secs="${2:-60}"
cd "$(dirname "$0")/.."
shopt -s nullglob
targets=("$build"/fuzz/fuzz_*)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-smoke: no fuzz targets built"; exit 0; }
fail=0
for t in "${targets[@]}"; do
  n=$(basename "$t"); n=${n#fuzz_}
  corpus="fuzz/corpus/$n"
  work="$build/fuzz-work/$n"; mkdir -p "$work" "$corpus"
  echo "fuzz-smoke: $n (replay $(ls "$corpus" | wc -l) seeds, then ${secs}s)"
  if ! "$t" -runs=0 "$corpus" >"$work/replay.log" 2>&1; then
    echo "fuzz-smoke: $n FAILED on its seed corpus"; tail -30 "$work/replay.log"; fail=1; continue
  fi
  if ! "$t" -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
        "$work" "$corpus" >"$work/fuzz.log" 2>&1; then
    echo "fuzz-smoke: $n FAILED while fuzzing"; tail -40 "$work/fuzz.log"; fail=1; continue
  fi
  grep -E 'stat::number_of_executed_units' "$work/fuzz.log" | sed "s/^/  $n: /" || true
done
[ $fail -eq 0 ] && echo "fuzz-smoke: all targets clean"
exit $fail
