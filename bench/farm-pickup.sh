#!/usr/bin/env bash
# How long a job waits in Hangfire before a worker starts it (run by hand):
#   bench/farm-pickup.sh [BUILDS] [MODE...]
# MODE is `notify` (the default design: NOTIFY wakes an idle server, Farm__Hangfire__Notify=true) or a number of
# milliseconds (plain polling at that interval, Farm__Hangfire__Notify=false, the design before NOTIFY).
# Starts PostgreSQL, the registry, `farm serve` and two `worker serve` (queue linuxu-x86_64) per mode,
# submits BUILDS builds of one target one after another through the API (the target cache serves them after the
# first, so the job itself takes milliseconds), and reads from the farm's tables: pickup = the build's creation to
# the target's start (enqueue → fetch → start), assemble = the target's end to the build's end (a second pickup,
# on the farm's assemble queue). Prints p50/p90/p99/max per interval, idle database transactions per second, and
# throughput: THROUGHPUT (default 40) such builds submitted at once to two workers, target jobs per minute.
set -euo pipefail
cd "$(dirname "$0")/.."
builds=${1:-20}
shift || true
polls=("$@")
[ ${#polls[@]} -gt 0 ] || polls=(notify 200)
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

wait_for() { # FILE TEXT
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.1; done
  echo "farm-pickup: '$2' not seen in $1:" >&2; cat "$1" >&2; exit 1
}
submit() {
  curl -s -H "Authorization: Bearer $token" -d "{\"source\":{\"git\":\"file://$work/src\",\"commit\":\"$commit\"},\"kraftfile\":\"helloworld/Kraftfile\",\"image\":\"$registry/bench/hello:latest\",\"targets\":[\"linuxu/x86_64\"]}" "$api/api/builds" | python3 -c 'import json,sys; t = sys.stdin.read(); print(json.loads(t)["id"]) if t.startswith("{") and "id" in json.loads(t) else sys.exit("farm-pickup: submit: " + t)'
}
wait_build() {
  local id=$1 state
  for _ in $(seq 3000); do
    state=$(curl -sf -H "Authorization: Bearer $token" "$api/api/builds/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    case $state in succeeded) return ;; failed|cancelled) echo "farm-pickup: build $id $state" >&2; exit 1 ;; esac
    sleep 0.05
  done
}
submit_and_wait() { wait_build "$(submit)"; }

throughput=${THROUGHPUT:-40}
idle=${IDLE_SECONDS:-30}
printf '%-8s %26s %26s %12s %14s\n' poll_ms "pickup p50/p90/p99/max ms" "assemble p50/p90/p99/max" idle_tx/s jobs/minute
for poll in "${polls[@]}"; do
  tests/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  postgres=$(tests/postgres.sh start "$work/pg")
  if [ "$poll" = notify ]; then
    export Farm__Hangfire__Notify=true Farm__Hangfire__PollMilliseconds=200
  else
    export Farm__Hangfire__Notify=false Farm__Hangfire__PollMilliseconds=$poll
  fi
  export ConnectionStrings__Postgres=$postgres Farm__ApiTokens__0=$token XDG_CACHE_HOME=$work/cache Farm__Sources__Allow__0="file://$work/*"
  "${farm[@]}" serve --urls "$api" >"$work/farm.log" 2>&1 &
  pids+=($!)
  Farm__Worker__Name=bench Farm__Worker__Queues__0=linuxu-x86_64 "${worker[@]}" serve >"$work/worker.log" 2>&1 &
  pids+=($!)
  Farm__Worker__Name=bench2 Farm__Worker__Queues__0=linuxu-x86_64 "${worker[@]}" serve >"$work/worker2.log" 2>&1 &
  pids+=($!)
  wait_for "$work/farm.log" "listening on"
  wait_for "$work/worker.log" "serving"
  wait_for "$work/worker2.log" "serving"
  submit_and_wait # fills the target cache; not counted
  for _ in $(seq "$builds"); do submit_and_wait; done
  pg_port=${postgres##*Port=}
  psql_args=(-h 127.0.0.1 -p "${pg_port%%;*}" -U postgres -d postgres -At -F ' ')
  stats=$(psql "${psql_args[@]}" -c "
    WITH t AS (SELECT extract(epoch FROM tg.started - b.created) * 1000 AS pickup, extract(epoch FROM b.finished - tg.finished) * 1000 AS assemble
               FROM farm.builds b JOIN farm.targets tg ON tg.build_id = b.id ORDER BY b.created OFFSET 1)
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup)::numeric), round(percentile_cont(0.9) WITHIN GROUP (ORDER BY pickup)::numeric),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY pickup)::numeric), round(max(pickup)::numeric),
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY assemble)::numeric), round(percentile_cont(0.9) WITHIN GROUP (ORDER BY assemble)::numeric),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY assemble)::numeric), round(max(assemble)::numeric) FROM t")
  tx1=$(psql "${psql_args[@]}" -c "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database")
  sleep "$idle"
  tx2=$(psql "${psql_args[@]}" -c "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database")
  read -r p50 p90 p99 pmax a50 a90 a99 amax <<<"$stats"
  # Throughput: many builds at once, each one trivial target (served by the target cache).
  start=$(date +%s.%N)
  ids=()
  for _ in $(seq "$throughput"); do ids+=("$(submit)"); done
  for id in "${ids[@]}"; do wait_build "$id"; done
  end=$(date +%s.%N)
  printf '%-8s %26s %26s %12s %14.0f\n' "$poll" "$p50 / $p90 / $p99 / $pmax" "$a50 / $a90 / $a99 / $amax" "$(echo "scale=1; ($tx2 - $tx1) / $idle" | bc)" "$(echo "$throughput * 60 / ($end - $start)" | bc -l)"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
done
