# shellcheck shell=bash
# Shared by bench/farm-pickup.sh and bench/farm-scale.sh (sourced, not run): PostgreSQL, the registry, `farm serve`
# and N `worker serve` (queue linuxu-x86_64) on this machine, builds of one target that the target cache serves after
# the first (the job itself is milliseconds), and what the farm's tables and pg_stat_database say about them.
# The caller sets `set -euo pipefail` and cds to the repository first.
tests/install-packages.sh
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
dotnet build worker/Farm.Worker -c Release --nologo -v quiet >/dev/null
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
worker=(dotnet worker/Farm.Worker/bin/Release/net10.0/worker.dll)
work=$(mktemp -d)
token=bench-token-0123456789
pids=()
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "== $log" >&2; tail -n 30 "$log" >&2; }; done
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  tests/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  tests/registry.sh stop "$work/registry" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
registry=$(tests/registry.sh start "$work/registry")
mkdir -p "$work/src"
cp -r examples/helloworld examples/fixture-core "$work/src/"
git -C "$work/src" init -q && git -C "$work/src" add -A && git -C "$work/src" -c user.email=bench@example.invalid -c user.name=bench commit -qm bench
commit=$(git -C "$work/src" rev-parse HEAD)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api=http://127.0.0.1:$port

wait_for() { # FILE TEXT [SECONDS, default 120]
  for _ in $(seq $(( ${3:-120} * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.1; done
  echo "bench: '$2' not seen in $1:" >&2; cat "$1" >&2; exit 1
}
submit() { # prints the build's id; the API's response time (s) is appended to $work/api-seconds
  curl -s -w '\n%{time_total}' -H "Authorization: Bearer $token" -d "{\"source\":{\"git\":\"file://$work/src\",\"commit\":\"$commit\"},\"kraftfile\":\"helloworld/Kraftfile\",\"image\":\"$registry/bench/hello:latest\",\"targets\":[\"linuxu/x86_64\"]}" "$api/api/builds" |
    python3 -c 'import json,sys; t, _, s = sys.stdin.read().rpartition("\n"); d = json.loads(t) if t.startswith("{") else {}; open(sys.argv[1], "a").write(s + "\n"); print(d["id"]) if "id" in d else sys.exit("bench: submit: " + t)' "$work/api-seconds"
}
wait_build() {
  local id=$1 state
  for _ in $(seq 6000); do
    # grep (the build's own state comes before its targets'), not a python3 per poll: this loop runs every 50 ms
    # through a whole burst, and an interpreter's start-up per poll (pyenv's shims first) took most of a CPU from
    # the farm being measured.
    state=$(curl -sf -H "Authorization: Bearer $token" "$api/api/builds/$id" | grep -o '"state":"[a-z]*"' | head -1 | cut -d'"' -f4)
    case $state in succeeded) return ;; failed|cancelled) echo "bench: build $id $state" >&2; exit 1 ;; esac
    sleep 0.05
  done
  echo "bench: build $id not done after 5 minutes" >&2; exit 1
}
submit_and_wait() { wait_build "$(submit)"; }

# start_stack MODE WORKERS: a fresh database, `farm serve` and WORKERS workers; MODE is `notify` or poll milliseconds.
start_stack() {
  local mode=$1 count=$2
  tests/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  postgres=$(tests/postgres.sh start "$work/pg")
  if [ "$mode" = notify ]; then
    export Farm__Hangfire__Notify=true Farm__Hangfire__PollMilliseconds=200
  else
    export Farm__Hangfire__Notify=false Farm__Hangfire__PollMilliseconds=$mode
  fi
  : >"$work/api-seconds"
  export ConnectionStrings__Postgres=$postgres Farm__ApiTokens__0=$token XDG_CACHE_HOME=$work/cache Farm__Sources__Allow__0="file://$work/*"
  # Debug for the control job's parts (read, checkout, plan and enqueue): stage_stats reads them (a name with dots: env).
  env Logging__LogLevel__Farm.Builds.ResolveBuildJob=Debug "${farm[@]}" serve --urls "$api" >"$work/farm.log" 2>&1 &
  pids+=($!)
  wait_for "$work/farm.log" "listening on"
  for i in $(seq "$count"); do
    Farm__Worker__Name=bench$i Farm__Worker__Queues__0=linuxu-x86_64 "${worker[@]}" serve >"$work/worker$i.log" 2>&1 &
    pids+=($!)
  done
  # Many workers starting at once on 2 cores take minutes (each JITs, then retries the database while it times out).
  for i in $(seq "$count"); do wait_for "$work/worker$i.log" "serving" 600; done
  pg_port=${postgres##*Port=}
  psql_args=(-h 127.0.0.1 -p "${pg_port%%;*}" -U postgres -d postgres -At -F ' ')
}
stop_stack() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

# pickup_stats [SKIP]: p50 p90 p99 max of pickup (build created → target started) and of assemble (target finished →
# build finished), in ms, over the builds after the first SKIP (default 1: the one that filled the target cache).
pickup_stats() {
  psql "${psql_args[@]}" -c "
    WITH t AS (SELECT extract(epoch FROM tg.started - b.created) * 1000 AS pickup, extract(epoch FROM b.finished - tg.finished) * 1000 AS assemble
               FROM farm.builds b JOIN farm.targets tg ON tg.build_id = b.id ORDER BY b.created OFFSET ${1:-1})
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup)::numeric), round(percentile_cont(0.9) WITHIN GROUP (ORDER BY pickup)::numeric),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY pickup)::numeric), round(max(pickup)::numeric),
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY assemble)::numeric), round(percentile_cont(0.9) WITHIN GROUP (ORDER BY assemble)::numeric),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY assemble)::numeric), round(max(assemble)::numeric) FROM t"
}

# idle_tx SECONDS: database transactions per second (commits + rollbacks, every database) while nothing is submitted.
idle_tx() {
  local tx1 tx2
  tx1=$(psql "${psql_args[@]}" -c "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database")
  sleep "$1"
  tx2=$(psql "${psql_args[@]}" -c "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database")
  # Minus this function's own two queries.
  echo "scale=2; ($tx2 - $tx1 - 2) / $1" | bc
}

# connections: the database connections the farm's processes hold (client backends but this query's own).
connections() {
  psql "${psql_args[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
}

# cpu_ticks: busy and total jiffies of the whole machine (/proc/stat), for the share of CPU a phase used.
cpu_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

# burst COUNT: COUNT builds submitted at once; prints target jobs per minute and the machine's CPU busy % meanwhile.
burst() {
  local start end ids=() b1 t1 b2 t2
  read -r b1 t1 < <(cpu_ticks)
  start=$(date +%s.%N)
  for _ in $(seq "$1"); do ids+=("$(submit)"); done
  for id in "${ids[@]}"; do wait_build "$id"; done
  end=$(date +%s.%N)
  read -r b2 t2 < <(cpu_ticks)
  printf '%.0f %.0f\n' "$(echo "$1 * 60 / ($end - $start)" | bc -l)" "$(echo "100 * ($b2 - $b1) / ($t2 - $t1)" | bc -l)"
}

# stage_stats [SKIP]: where the pickup goes, per stage, p50 / p99 in ms over the builds after the first SKIP (default
# 1). From Hangfire's state history (job created; Enqueued stored; Processing's StartedAt = fetched; Processing stored;
# created + the Succeeded state's Latency = perform start, Hangfire's own figure), the farm's tables (build created,
# target started), the control job's Debug log (its parts) and curl (the API's response time).
stage_stats() {
  local skip=${1:-1}
  {
    psql "${psql_args[@]}" -F '|' -c "
      WITH j AS (
        SELECT j.id, j.arguments->>0 AS build, j.createdat AS created,
               CASE WHEN j.invocationdata->>'Type' LIKE 'Farm.Builds.ResolveBuildJob,%' THEN 'control'
                    WHEN j.invocationdata->>'Type' LIKE 'Farm.Core.Builds.ITargetBuildJob,%' THEN 'target' END AS kind,
               (SELECT s.createdat FROM hangfire.state s WHERE s.jobid = j.id AND s.name = 'Enqueued' ORDER BY s.id LIMIT 1) AS enqueued,
               (SELECT (s.data->>'StartedAt')::timestamptz FROM hangfire.state s WHERE s.jobid = j.id AND s.name = 'Processing' ORDER BY s.id LIMIT 1) AS fetched,
               (SELECT s.createdat FROM hangfire.state s WHERE s.jobid = j.id AND s.name = 'Processing' ORDER BY s.id LIMIT 1) AS processing,
               (SELECT j.createdat + (s.data->>'Latency')::int * interval '1 ms' FROM hangfire.state s WHERE s.jobid = j.id AND s.name = 'Succeeded' ORDER BY s.id LIMIT 1) AS performed
        FROM hangfire.job j),
      b AS (
        SELECT b.created, c.created AS cc, c.enqueued AS ce, c.fetched AS cf, c.processing AS cp, c.performed AS cr,
               t.created AS tc, t.enqueued AS te, t.fetched AS tf, t.processing AS tp, t.performed AS tr, tg.started
        FROM farm.builds b JOIN farm.targets tg ON tg.build_id = b.id
        JOIN j c ON c.kind = 'control' AND c.build = '\"' || b.id || '\"'
        JOIN j t ON t.kind = 'target' AND t.build = '\"' || b.id || '\"'
        ORDER BY b.created OFFSET $skip),
      s(n, stage, ms) AS (
        SELECT 02, 'build created → control job created', cc - created FROM b UNION ALL
        SELECT 03, '  control: created → Enqueued stored', ce - cc FROM b UNION ALL
        SELECT 04, '  control: Enqueued → fetched', cf - ce FROM b UNION ALL
        SELECT 05, '  control: fetched → Processing stored', cp - cf FROM b UNION ALL
        SELECT 06, '  control: Processing → perform start', cr - cp FROM b UNION ALL
        SELECT 07, '= control: Hangfire pickup (created → perform start)', cr - cc FROM b UNION ALL
        SELECT 08, 'control job perform → target job created', tc - cr FROM b UNION ALL
        SELECT 13, '  target: created → Enqueued stored', te - tc FROM b UNION ALL
        SELECT 14, '  target: Enqueued → fetched', tf - te FROM b UNION ALL
        SELECT 15, '  target: fetched → Processing stored', tp - tf FROM b UNION ALL
        SELECT 16, '  target: Processing → perform start', tr - tp FROM b UNION ALL
        SELECT 17, '= target: Hangfire pickup (created → perform start)', tr - tc FROM b UNION ALL
        SELECT 18, 'target perform → target started (the worker)', started - tr FROM b UNION ALL
        SELECT 19, '= pickup (build created → target started)', started - created FROM b)
      SELECT n, stage, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ms) * 1000)::numeric, 1),
             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ms) * 1000)::numeric, 1), count(*)
      FROM s GROUP BY n, stage"
    python3 - "$skip" "$work/api-seconds" "$work/farm.log" <<'PY'
import re, sys
skip = int(sys.argv[1])
def pct(values, q):  # percentile_cont: linear between the two nearest ranks
    v = sorted(values); r = q * (len(v) - 1); lo = int(r); hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (r - lo)
def row(n, stage, values):
    if values:
        print(f"{n}|{stage}|{pct(values, 0.5):.1f}|{pct(values, 0.99):.1f}|{len(values)}")
api = [float(t) * 1000 for t in open(sys.argv[2]).read().split()][skip:]
row(1, "API request → response (curl)", api)
parts = [tuple(map(float, m.groups())) for m in re.finditer(r"resolved: read ([\d.]+) ms, checkout ([\d.]+) ms, plan and enqueue ([\d.]+) ms", open(sys.argv[3]).read())][skip:]
for i, name in enumerate(["read the build", "checkout (git)", "plan, store, enqueue the target"]):
    row(9 + i, f"  control job: {name}", [p[i] for p in parts])
PY
  } | sort -t'|' -k1,1n | awk -F'|' '{ printf "  %-56s %8s / %-8s (%s)\n", $2, $3, $4, $5 }'
}
