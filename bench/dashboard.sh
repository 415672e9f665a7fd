#!/usr/bin/env bash
# The dashboard's server time on a large farm (run by hand): bench/dashboard.sh [REQUESTS]
# PostgreSQL gets 10,000 builds (a tenth of them nightly catalog runs), 60,000 targets, 50 workers and one target
# with a 50 MB log (500,000 lines); farm serve (Release) answers each page REQUESTS times (default 200) over loopback,
# after a warm-up. Prints p50/p95 of curl's total time (the page is built on the server, loopback adds little) for /,
# a filtered /, a build page, /catalog, /workers and /cache, and the time to the first line of the 50 MB log: its
# page (the last lines rendered) and the first event of its live stream.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-200}
tests/install-packages.sh
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
work=$(mktemp -d)
mkdir -p "$work/pg"
postgres=$(tests/postgres.sh start "$work/pg")
farm_pid=
cleanup() {
  [ -z "$farm_pid" ] || kill "$farm_pid" 2>/dev/null || true
  tests/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
token=bench-viewer-token-0123456789
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ConnectionStrings__Postgres="$postgres" Farm__ApiTokens__0="viewer:$token" \
  dotnet farm/Farm/bin/Release/net10.0/farm.dll serve --urls "http://127.0.0.1:$port" >"$work/farm.log" 2>&1 &
farm_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/farm.log" && break; sleep 0.3; done
grep -q "listening on" "$work/farm.log" || { cat "$work/farm.log" >&2; exit 1; }

# The farm migrated the schema; the data goes in with SQL (the store's own inserts would take minutes).
pg_port=$(echo "$postgres" | sed -n 's/.*Port=\([0-9]*\).*/\1/p')
psql() { command psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
if ! command -v psql >/dev/null; then echo "bench/dashboard.sh: needs psql (postgresql-client)" >&2; exit 1; fi
psql <<'SQL'
INSERT INTO farm.builds (id, app, kraftfile, output, scope, created, state, git_url, git_commit, open_targets, trigger, branch, finished, index_digest)
SELECT 'b' || lpad(i::text, 5, '0'), (ARRAY['helloworld','calculator','httpserver','base','redis','nginx','sqlite','python3'])[1 + i % 8],
       'Kraftfile', 'registry.example:5000/apps/app:' || i, 'trusted', now() - (i || ' minutes')::interval,
       CASE WHEN i % 17 = 0 THEN 'failed' ELSE 'succeeded' END,
       'https://github.com/org/repo' || (i % 20) || '.git', md5(i::text), 0,
       CASE WHEN i % 10 = 0 THEN 'nightly' WHEN i % 3 = 0 THEN 'webhook' ELSE 'api' END,
       CASE WHEN i % 2 = 0 THEN 'main' ELSE 'feature-' || (i % 50) END,
       now() - (i || ' minutes')::interval + interval '90 seconds', 'sha256:' || md5(i::text) || md5(i::text)
FROM generate_series(1, 10000) i;
INSERT INTO farm.targets (build_id, name, target, platform, architecture, queue, state, worker, build_seconds, boot_seconds, cache_hits, cache_misses, cached, position, queued, started, finished, kernel_bytes)
SELECT b.id, b.app || '_' || p.plat || '-' || p.arch, b.app, p.plat, p.arch, p.plat || '-' || p.arch,
       CASE WHEN b.state = 'failed' AND p.n = 1 THEN 'failed' ELSE 'succeeded' END,
       'worker' || ((hashtext(b.id) & 65535) % 50 + p.n) % 50, 10 + (hashtext(b.id || p.n) & 1023) / 20.0, 0.3 + p.n / 10.0,
       40, 3, p.n % 2 = 0, p.n, b.created, b.created + interval '2 seconds', b.created + interval '80 seconds', 250000 + p.n * 1000
FROM farm.builds b CROSS JOIN (VALUES (0,'qemu','x86_64'),(1,'qemu','arm64'),(2,'fc','x86_64'),(3,'xen','x86_64'),(4,'linuxu','x86_64'),(5,'qemu','arm')) AS p(n, plat, arch);
INSERT INTO farm.workers (name, queues, capabilities, started, heartbeat)
SELECT 'worker' || i, ARRAY['qemu-x86_64','qemu-arm64'], '{"host":"host' || i || '","version":"1.0","summary":"builds x86_64, arm64; KVM"}', now(), now() - (i % 20 || ' seconds')::interval
FROM generate_series(0, 49) i;
INSERT INTO farm.logs (build_id, name, line)
SELECT 'b00008', 'helloworld_qemu-x86_64', format('%s  CC      libukboot: line %s of a long build log, padded to about a hundred bytes ........', i, i)
FROM generate_series(1, 500000) i;
UPDATE farm.targets SET state = 'running' WHERE build_id = 'b00008' AND name = 'helloworld_qemu-x86_64';
-- The cache page's days are summed as targets finish; targets inserted by hand are summed here.
SELECT farm.rebuild_cache_days();
ANALYZE;
SQL
log_bytes=$(psql -At -c "SELECT sum(octet_length(line) + 1) FROM farm.logs WHERE build_id = 'b00008'")
counts=$(psql -At -c "SELECT (SELECT count(*) FROM farm.builds) || ' builds, ' || (SELECT count(*) FROM farm.targets) || ' targets, ' || (SELECT count(*) FROM farm.workers) || ' workers'")

url="http://127.0.0.1:$port"
measure() { # NAME PATH: p50 and p95 of REQUESTS answers, in ms
  local name=$1 path=$2
  for _ in $(seq 1 10); do curl -sf -o /dev/null -H "Authorization: Bearer $token" "$url$path"; done
  for _ in $(seq 1 "$requests"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url$path"
  done | sort -n | awk -v name="$name" '{ t[NR] = $1 * 1000 } END { printf "%-34s p50 %7.1f ms   p95 %7.1f ms\n", name, t[int(NR * 0.5)], t[int(NR * 0.95)] }'
}
echo "dashboard on $counts; $requests requests per page"
measure "/ (newest 50)" "/"
measure "/?app=redis&trigger=webhook" "/?app=redis&trigger=webhook"
measure "/?q=repo7 (free text)" "/?q=repo7"
measure "/?platform=fc/x86_64" "/?platform=fc/x86_64"
measure "/builds/b05000" "/builds/b05000"
measure "/catalog" "/catalog"
measure "/workers" "/workers"
measure "/cache" "/cache"
first_page=$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$url/builds/b00008/targets/helloworld_qemu-x86_64")
start=$(date +%s.%N)
timeout 60 curl -sN -H "Authorization: Bearer $token" "$url/builds/b00008/targets/helloworld_qemu-x86_64/events?from=499990" | grep -m1 -q '^id:' || true
first_event=$(echo "$(date +%s.%N) - $start" | bc -l)
printf '50 MB log (%s bytes, 500,000 lines): page with its last lines %.0f ms; first live event %.0f ms\n' "$log_bytes" "$(echo "$first_page * 1000" | bc -l)" "$(echo "$first_event * 1000" | bc -l)"
