#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI: Debian's PostgreSQL for the archive suite (test_archive, docs/http-api.md "The archive"):
# installs postgresql when missing, starts the cluster (pg_ctlcluster), creates the role and
# database aus_test, and prints the URL for AUS_TEST_PG_URL. Idempotent; needs root.
set -euo pipefail
if ! command -v pg_lsclusters > /dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq > /dev/null && $SUDO apt-get install -y -qq postgresql libpq-dev > /dev/null
fi
read -r VER NAME _ < <(pg_lsclusters -h | head -1)
[ -n "${VER:-}" ] || { echo "ci-postgres: no PostgreSQL cluster" >&2; exit 3; }
pg_ctlcluster "$VER" "$NAME" start > /dev/null 2>&1 || true # its "already running" on stdout is not the URL
PORT=$(pg_lsclusters -h | awk -v v="$VER" -v n="$NAME" '$1==v && $2==n {print $3}')
cd /tmp
su postgres -c "psql -qtA -c \"SELECT 1 FROM pg_roles WHERE rolname='aus_test'\"" | grep -q 1 ||
    su postgres -c "psql -q -c \"CREATE ROLE aus_test LOGIN PASSWORD 'aus_test'\"" >&2
su postgres -c "psql -qtA -c \"SELECT 1 FROM pg_database WHERE datname='aus_test'\"" | grep -q 1 ||
    su postgres -c "psql -q -c \"CREATE DATABASE aus_test OWNER aus_test\"" >&2
echo "postgresql://aus_test:aus_test@127.0.0.1:$PORT/aus_test"
