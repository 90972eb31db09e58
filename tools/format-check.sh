#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# clang-format check over our C sources (the style is .clang-format at the top).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files -co --exclude-standard '*.c' '*.h' 2>/dev/null || find src include port apps tests fuzz bench -name '*.[ch]')
bad=0
for f in $files; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f needs clang-format (run: clang-format -i $f)"; bad=1
  fi
done
[ $bad -eq 0 ] && echo "format-check: $(echo "$files" | wc -w) files OK"
exit $bad
