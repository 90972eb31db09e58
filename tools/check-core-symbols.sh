#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DESIGN.md §5: the protocol core (libaustralis_core.a) calls no allocator, stdio, clock,
# libc randomness or OpenSSL. Lists the forbidden undefined symbols and fails if any.
set -euo pipefail
lib="$1"
forbidden='^(malloc|calloc|realloc|free|aligned_alloc|posix_memalign|strdup|printf|fprintf|sprintf|snprintf|vprintf|vfprintf|vsnprintf|puts|fputs|putchar|fputc|fopen|fclose|fread|fwrite|fflush|stdout|stderr|stdin|perror|time|clock|clock_gettime|gettimeofday|rand|srand|random|srandom|rand_r|drand48|getrandom|open|read|write|close|sqlite3_.*|EVP_.*|OPENSSL_.*|RAND_.*)$'
syms=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' | sort -u)
bad=$(echo "$syms" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "core library $lib references forbidden symbols:"; echo "$bad" | sed 's/^/  /'
  exit 1
fi
echo "core library: $(echo "$syms" | grep -c . ) undefined symbols, none forbidden"
echo "1 passed, 0 failed"
