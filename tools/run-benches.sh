#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every benchmark program in BUILD/bench and print its figures.
set -euo pipefail
build="${1:-build}"
shopt -s nullglob
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "=== $(basename "$b")"
  "$b"
done
