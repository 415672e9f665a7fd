#!/usr/bin/env bash
# Health, readiness and metrics of a served farm (run by hand): bench/operations.sh [BUILDS]
# A farm (Release) on a throwaway PostgreSQL whose store holds BUILDS finished builds of six targets each (default
# 10000, i.e. 60000 targets) and 50 live workers. Prints p50/p95 milliseconds over 50 requests of /healthz, /readyz,
# /metrics (the farm reads the store's history at start-up; a scrape reads only what finished since) and of
# GET /api/workers alone and while another client scrapes /metrics back to back (what scrapes cost other requests).
set -euo pipefail
cd "$(dirname "$0")/.."
builds=${1:-10000}
tests/install-packages.sh >/dev/null
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
work=$(mktemp -d)
pg=$(tests/postgres.sh start "$work/pg")
farm_pid=
cleanup() {
  [ -z "$farm_pid" ] || kill "$farm_pid" 2>/dev/null || true
  tests/postgres.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-token-0123456789abcdef
ConnectionStrings__Postgres="$pg" Farm__ApiTokens__0=$token \
  dotnet farm/Farm/bin/Release/net10.0/farm.dll serve --urls "http://127.0.0.1:$port" >"$work/farm.log" 2>&1 &
farm_pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
psql_url=$(python3 - "$pg" <<'PY'
import sys
parts = dict(p.split("=", 1) for p in sys.argv[1].split(";") if p)
print(f"postgresql://{parts.get('Username', 'postgres')}@{parts['Host']}:{parts['Port']}/{parts.get('Database', 'postgres')}")
PY
)
psql -q "$psql_url" <<SQL
INSERT INTO farm.builds (id, app, kraftfile, output, scope, created, state, finished, open_targets)
  SELECT 'b' || i, 'app' || (i % 40), 'Kraftfile', 'oci:out', 'trusted', now() - interval '1 hour', 'succeeded', now() - interval '50 minutes', 0
  FROM generate_series(1, $builds) AS i;
INSERT INTO farm.targets (build_id, name, target, platform, architecture, queue, state, position, queued, started, finished, build_seconds, boot_seconds, cache_hits, cache_misses)
  SELECT 'b' || i, 'k' || j, 't', 'qemu', 'x86_64', 'queue-' || j, 'succeeded', j, now() - interval '1 hour', now() - interval '59 minutes',
         now() - interval '55 minutes', 30 + (i % 60), 0.2 + (i % 10) / 10.0, 100, 20
  FROM generate_series(1, $builds) AS i, generate_series(1, 6) AS j;
INSERT INTO farm.workers (name, queues, capabilities, started, heartbeat)
  SELECT 'w' || i, ARRAY['queue-' || (i % 6 + 1)], 'bench', now(), now() + interval '1 hour' FROM generate_series(1, 50) AS i;
ANALYZE;
SQL
# Restart the farm on the filled store: it reads the history at start-up, in the background.
kill "$farm_pid"
wait "$farm_pid" 2>/dev/null || true
ConnectionStrings__Postgres="$pg" Farm__ApiTokens__0=$token \
  dotnet farm/Farm/bin/Release/net10.0/farm.dll serve --urls "http://127.0.0.1:$port" >>"$work/farm.log" 2>&1 &
farm_pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
time_ms() { curl -s -o /dev/null -w '%{time_total}\n' "$@" | awk '{printf "%.2f\n", $1 * 1000}'; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p95 %.1f ms (n=%d)\n", a[int(NR*0.5)+1], a[int(NR*0.95)], NR}'; }
url=http://127.0.0.1:$port
echo "store: $builds builds, $((builds * 6)) targets, 50 workers"
echo "first /metrics right after start (waits for the start-up read of the history): $(time_ms "$url/metrics") ms"
for path in /healthz /readyz /metrics; do
  echo "$path: $(for _ in $(seq 1 50); do time_ms "$url$path"; done | stats)"
done
echo "/api/workers alone: $(for _ in $(seq 1 50); do time_ms -H "Authorization: Bearer $token" "$url/api/workers"; done | stats)"
( while :; do curl -s -o /dev/null "$url/metrics"; done ) &
scraper=$!
echo "/api/workers while /metrics is scraped back to back: $(for _ in $(seq 1 50); do time_ms -H "Authorization: Bearer $token" "$url/api/workers"; done | stats)"
kill "$scraper"
echo "/metrics size: $(curl -s "$url/metrics" | wc -c) bytes, $(curl -s "$url/metrics" | grep -vc '^#') series"
