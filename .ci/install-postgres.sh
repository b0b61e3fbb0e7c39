#!/usr/bin/env bash
# PostgreSQL server binaries from Debian's packages, for the test suite's PostgreSQL run and
# the benchmarks (idempotent: does nothing when initdb is already installed).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgres: PostgreSQL is not installed and this is not a root Debian shell; install postgresql" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
