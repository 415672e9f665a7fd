#!/usr/bin/env bash
# The farm with 1, 8 and 32 workers on this machine (run by hand):
#   bench/farm-scale.sh [WORKERS...]          (default: 1 8 32)
# For each count: `farm serve` and that many `worker serve` processes (queue linuxu-x86_64, NOTIFY pickup) on a fresh
# database; PICKUP_BUILDS (default 10) builds one after another for pickup p50/p99 (build created → target started);
# idle database transactions per second over IDLE_SECONDS (default 60) with every process idle, in total and per
# process, and the database connections the processes then hold; then PER_WORKER (default 4) × workers builds (at
# least 20) submitted at once: target jobs per minute, its ratio to linear scaling from one worker, and the machine's
# CPU busy % during the burst (the limit on 2 cores).
# Each job does no real build: the target cache serves the target (git checkout from the cache, the target key,
# packaging, a push by digest, then assembling on the farm).
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 8 32)
. bench/lib-farm.sh
pickups=${PICKUP_BUILDS:-10}
idle=${IDLE_SECONDS:-60}
per_worker=${PER_WORKER:-4}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
printf '%-8s %14s %20s %26s %14s %12s %14s %8s\n' workers "pickup p50/p99" "idle tx/s (/process)" "idle connections" "builds at once" jobs/minute "× linear" "CPU %"
base=
for count in "${counts[@]}"; do
  start_stack notify "$count"
  submit_and_wait # fills the target cache; not counted
  for _ in $(seq "$pickups"); do submit_and_wait; done
  read -r p50 _ p99 _ <<<"$(pickup_stats 1)"
  sleep 5
  tx=$(idle_tx "$idle")
  held=$(connections)
  held="$held ($(echo "scale=1; $held / ($count + 1)" | bc))"
  builds=$(( count * per_worker > 20 ? count * per_worker : 20 ))
  read -r jpm cpu <<<"$(burst "$builds")"
  [ -n "$base" ] || base=$(echo "$jpm / $count" | bc -l)
  printf '%-8s %14s %20s %26s %14s %12s %14.2f %8s\n' "$count" "$p50 / $p99" "$tx ($(echo "scale=2; $tx / ($count + 1)" | bc))" "$held" "$builds" "$jpm" "$(echo "$jpm / ($base * $count)" | bc -l)" "$cpu"
  stop_stack
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
