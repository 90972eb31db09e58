#!/usr/bin/env bash
# make demo: until the daemons land, a bundle round trip through the CLI.
set -euo pipefail
build="${1:-build}"
cli="$build/australis"
"$cli" --help
