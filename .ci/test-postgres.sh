#!/usr/bin/env bash
# The default test suite against PostgreSQL: installs the server (Debian), starts a throwaway
# cluster in a temp dir on a free port as an unprivileged user, runs `make test` with
# ARCHIVE_TEST_DATABASE=postgresql (each test's data dir gets a fresh database on it), stops it.
# Extra arguments go to pytest instead of the default selection, e.g. tests/system/test_crash.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-postgres.sh
tmp=$(mktemp -d)
chmod 755 "$tmp"  # the cluster's owner (not root) must reach it
cleanup() { bash .ci/pg-cluster.sh stop "$tmp/pg" || true; rm -rf "$tmp"; }
trap cleanup EXIT
url=$(bash .ci/pg-cluster.sh start "$tmp/pg")
echo "test-postgres: PostgreSQL at $url"
export ARCHIVE_TEST_DATABASE=postgresql ARCHIVE_TEST_DATABASE_URL="$url"
if [ "$#" -gt 0 ]; then
    make install >/dev/null
    .venv/bin/python -m pytest "$@"
else
    make test
    # the multi-node system test (slow-marked: one database, an ingest node, two web nodes)
    .venv/bin/python -m pytest -m slow tests/system/test_multi_node.py
fi
