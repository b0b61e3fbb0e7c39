#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a directory, on a free loopback port, run by an unprivileged
# user (initdb refuses root: as root, the user `archive-pg` is created and used).
#   pg-cluster.sh start DIR [--durable]   initdb + start; prints the server's SQLAlchemy URL
#   pg-cluster.sh stop DIR                stop it (the directory is the caller's to remove)
# Without --durable, fsync is off (a test cluster: nothing in it must survive a power cut).
# --durable (benchmarks): fsync on, synchronous_commit off: like SQLite's WAL with
# synchronous=NORMAL, a crash may lose the last commits but never corrupts the database.
set -euo pipefail
cmd=${1:?usage: pg-cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: pg-cluster.sh start|stop DIR}")
bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n1)")
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server installed (.ci/install-postgres.sh)" >&2; exit 1; }
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u archive-pg -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
    if [ "$(id -u)" = 0 ] && ! id archive-pg >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin archive-pg
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown archive-pg "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U archive --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=128MB"
    if [ "${3:-}" = "--durable" ]; then
        opts="$opts -c synchronous_commit=off"
    else
        opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null
    echo "$port" >"$dir/port"
    echo "postgresql+psycopg://archive@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
*)
    echo "usage: pg-cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
