#!/usr/bin/env bash
# Cold build and boot time of every example target through `worker build-target` (run by hand).
# Each target is built RUNS times into a fresh build directory; prints the median build and boot seconds
# from result.json. Usage: bench/worker-examples.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dotnet build worker/Farm.Worker -c Release --nologo -v quiet >/dev/null
worker=(dotnet worker/Farm.Worker/bin/Release/net10.0/worker.dll)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"; [ -c /dev/null ] || echo "bench/worker-examples.sh: /dev/null is no longer a character device: something replaced it" >&2' EXIT

printf '%-34s %10s %10s  %s\n' target build_s boot_s smoke
for kraftfile in examples/*/Kraftfile; do
  app=$(dirname "$kraftfile")
  mapfile -t kernels < <(dotnet farm/Farm/bin/Release/net10.0/farm.dll plan --json "$app" 2>/dev/null |
    python3 -c 'import json,sys; [print(j["kernel"]) for j in json.load(sys.stdin)["jobs"]]')
  for kernel in "${kernels[@]}"; do
    for run in $(seq "$runs"); do
      "${worker[@]}" build-target "$app" --target "$kernel" --out "$scratch/$kernel-$run" \
        --build-dir "$scratch/build-$kernel-$run" --json 2>/dev/null >"$scratch/$kernel-$run.json" || true
    done
    python3 - "$kernel" "$scratch" "$runs" <<'PY'
import json, statistics, sys
kernel, scratch, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
results = [json.load(open(f"{scratch}/{kernel}-{i}.json")) for i in range(1, runs + 1)]
build = statistics.median(r["buildSeconds"] or 0 for r in results)
boot = statistics.median(r["smoke"]["seconds"] for r in results)
print(f'{kernel:34} {build:10.2f} {boot:10.2f}  {results[0]["smoke"]["status"]}')
PY
  done
done
