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

wait_for() { # FILE TEXT
  for _ in $(seq 1200); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.1; done
  echo "bench: '$2' not seen in $1:" >&2; cat "$1" >&2; exit 1
}
submit() {
  curl -s -H "Authorization: Bearer $token" -d "{\"source\":{\"git\":\"file://$work/src\",\"commit\":\"$commit\"},\"kraftfile\":\"helloworld/Kraftfile\",\"image\":\"$registry/bench/hello:latest\",\"targets\":[\"linuxu/x86_64\"]}" "$api/api/builds" |
    python3 -c 'import json,sys; t = sys.stdin.read(); d = json.loads(t) if t.startswith("{") else {}; print(d["id"]) if "id" in d else sys.exit("bench: submit: " + t)'
}
wait_build() {
  local id=$1 state
  for _ in $(seq 6000); do
    state=$(curl -sf -H "Authorization: Bearer $token" "$api/api/builds/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
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
  export ConnectionStrings__Postgres=$postgres Farm__ApiTokens__0=$token XDG_CACHE_HOME=$work/cache Farm__Sources__Allow__0="file://$work/*"
  "${farm[@]}" serve --urls "$api" >"$work/farm.log" 2>&1 &
  pids+=($!)
  wait_for "$work/farm.log" "listening on"
  for i in $(seq "$count"); do
    Farm__Worker__Name=bench$i Farm__Worker__Queues__0=linuxu-x86_64 "${worker[@]}" serve >"$work/worker$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq "$count"); do wait_for "$work/worker$i.log" "serving"; done
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
