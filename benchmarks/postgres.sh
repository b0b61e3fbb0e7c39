#!/usr/bin/env bash
# PostgreSQL beside SQLite (issue 17): a throwaway durable cluster (.ci/pg-cluster.sh --durable),
# benchmarks.pg_pair at N paragraphs (default 100,000) into benchmarks/pg-<N>.json, cluster
# stopped and removed at the end.   bash benchmarks/postgres.sh [PARAGRAPHS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
rounds=${2:-200}
bash .ci/install-postgres.sh
tmp=$(mktemp -d)
chmod 755 "$tmp"  # the cluster's owner (not root) must reach it
cleanup() { bash .ci/pg-cluster.sh stop "$tmp/pg" || true; rm -rf "$tmp"; }
trap cleanup EXIT
url=$(bash .ci/pg-cluster.sh start "$tmp/pg" --durable)
.venv/bin/python - "$url" <<'PY'
import sys
from sqlalchemy import create_engine
engine = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.exec_driver_sql("CREATE DATABASE bench")
PY
label=$(( n / 1000 ))k
.venv/bin/python -m benchmarks.pg_pair --paragraphs "$n" --rounds "$rounds" --work "$tmp/work" \
    --database-url "${url%/postgres}/bench" --out "benchmarks/pg-$label.json"
