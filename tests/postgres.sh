#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the farm's tests and runs by hand: a new cluster in DIR
# (initdb, trust authentication, listening on 127.0.0.1 only, a free port, fsync off: test data only).
#   tests/postgres.sh start DIR   # prints an Npgsql connection string once the server accepts connections
#   tests/postgres.sh stop DIR
# As root, the server runs as the postgres user (PostgreSQL refuses to run as root), with its cluster in a
# directory of its own under /tmp (DIR may sit below directories it cannot enter); DIR/cluster names it.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  echo "postgres.sh: the PostgreSQL server is not installed; run tests/install-packages.sh" >&2
  exit 1
fi

dir=$2
as=()
[ "$(id -u)" -ne 0 ] || as=(runuser -u postgres --)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ ! -f "$dir/cluster" ]; then
    local cluster=$dir/pg
    if [ "$(id -u)" -eq 0 ]; then
      cluster=$(mktemp -d /tmp/farm-postgres.XXXXXX)
      chown postgres: "$cluster"
    fi
    mkdir -p "$cluster"
    echo "$cluster" >"$dir/cluster"
  fi
  cluster=$(cat "$dir/cluster")
  if [ ! -f "$cluster/data/PG_VERSION" ]; then
    "${as[@]}" "$bin/initdb" -D "$cluster/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi

  for _ in 1 2 3 4 5; do
    local port
    port=$(free_port)
    if "${as[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/postgres.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
      echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      return
    fi
    grep -q 'Address already in use' "$cluster/postgres.log" || break
  done

  echo "postgres.sh: the server did not start; its log:" >&2
  cat "$cluster/postgres.log" >&2
  exit 1
}

stop() {
  [ -f "$dir/cluster" ] || return 0
  local cluster
  cluster=$(cat "$dir/cluster")
  [ ! -f "$cluster/data/postmaster.pid" ] || "${as[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$cluster" "$dir/cluster"
}

case $1 in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
