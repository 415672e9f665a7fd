#!/usr/bin/env bash
# How long a job waits in Hangfire before a worker starts it (run by hand):
#   bench/farm-pickup.sh [BUILDS] [MODE...]
# MODE is `notify` (the default design: the job queue's NOTIFY wakes an idle server, Farm__Hangfire__Notify=true) or
# a number of milliseconds (plain polling at that interval, Notify=false: the design before). For each mode: `farm
# serve` and two `worker serve` (queue linuxu-x86_64) on a fresh database; BUILDS builds of one target submitted one
# after another through the API (the target cache serves them after the first, so the job itself takes
# milliseconds). Pickup = the build's creation to the target's start (enqueue → fetch → start), assemble = the
# target's end to the build's end (a second pickup, on the farm's assemble queue). Prints p50/p90/p99/max per mode,
# idle database transactions per second (IDLE_SECONDS, default 60, with the three processes idle), and throughput:
# THROUGHPUT (default 40) such builds submitted at once, target jobs per minute. Then, per mode, where the pickup goes
# (stage_stats in lib-farm.sh): the API, the farm's control job (Hangfire's pickup of it, then its own work: the
# checkout and the plan), and Hangfire's pickup of the target job by the two idle workers: the `= target: Hangfire
# pickup` line is the pure enqueue → perform-start latency (Hangfire's own Latency figure) that issue 20's goal 4 is about.
set -euo pipefail
cd "$(dirname "$0")/.."
builds=${1:-20}
shift || true
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(notify 200)
. bench/lib-farm.sh
throughput=${THROUGHPUT:-40}
stages=()
idle=${IDLE_SECONDS:-60}
printf '%-8s %26s %26s %16s %12s\n' mode "pickup p50/p90/p99/max ms" "assemble p50/p90/p99/max" "idle tx/s (/3)" jobs/minute
for mode in "${modes[@]}"; do
  start_stack "$mode" 2
  submit_and_wait # fills the target cache; not counted
  for _ in $(seq "$builds"); do submit_and_wait; done
  read -r p50 p90 p99 pmax a50 a90 a99 amax <<<"$(pickup_stats 1)"
  stages+=("$mode: where the pickup goes, ms p50 / p99 (builds)" "$(stage_stats 1)")
  sleep 5 # the last build's tail (assemble, logs) out of the idle window
  tx=$(idle_tx "$idle")
  read -r jpm _ <<<"$(burst "$throughput")"
  printf '%-8s %26s %26s %16s %12s\n' "$mode" "$p50 / $p90 / $p99 / $pmax" "$a50 / $a90 / $a99 / $amax" "$tx ($(echo "scale=2; $tx / 3" | bc))" "$jpm"
  stop_stack
done
printf '\n%s\n%s\n' "${stages[@]}"
