#!/usr/bin/env bash
# The build sandbox's cost on the object cache's fast path (run by hand): an app of N tiny C files is built once
# cold, then RUNS times into fresh build directories with every compile a cache hit, through farm-cc (NativeAOT)
# on the worker's local disk, with the sandbox off (farm-cc opens the cache directory) and on (farm-cc asks the
# worker's broker over its socket). Prints each mode's median make time, hits and hits per second.
# Usage: bench/sandbox-cache.sh [RUNS] [FILES]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
files=${2:-300}
dotnet build worker/Farm.Worker -c Release --nologo -v quiet >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o "$scratch/farm-cc" >/dev/null
worker=(dotnet "$PWD/worker/Farm.Worker/bin/Release/net10.0/worker.dll")

app=$scratch/app
mkdir -p "$app"
printf 'spec: v0.6\nname: many\nunikraft: %s\ntargets:\n- qemu/x86_64\nx-farm:\n  smoke:\n    expect: "Hello"\n' "$PWD/examples/fixture-core" >"$app/Kraftfile"
printf '#include <stdio.h>\nint main(void) { printf("Hello\\n"); return 0; }\n' >"$app/main.c"
{
  # Make's own syntax, written as it is: the shell must not expand it.
  # shellcheck disable=SC2016
  echo '$(eval $(call addlib,appmany))'
  # shellcheck disable=SC2016
  echo 'APPMANY_SRCS-y += $(APPMANY_BASE)/main.c'
  for i in $(seq "$files"); do
    printf 'int f%d(int x) { return x * %d + 1; }\n' "$i" "$i" >"$app/f$i.c"
    echo "APPMANY_SRCS-y += \$(APPMANY_BASE)/f$i.c"
  done
} >"$app/Makefile.uk"

export FARM_CC=$scratch/farm-cc/farm-cc FARM_CACHE_DIR=$scratch/cache
Farm__Worker__Sandbox=off "${worker[@]}" build-target "$app" --target qemu/x86_64 --out "$scratch/cold" --build-dir "$scratch/cold-build" --json -j2 >/dev/null 2>&1

printf '%-22s %8s %8s %10s\n' mode make_s hits hits_per_s
for mode in off on; do
  for run in $(seq "$runs"); do
    Farm__Worker__Sandbox=$mode "${worker[@]}" build-target "$app" --target qemu/x86_64 --out "$scratch/$mode-$run" \
      --build-dir "$scratch/$mode-build-$run" --json -j2 2>/dev/null >"$scratch/$mode-$run.json" || true
  done
  python3 - "$mode" "$scratch" "$runs" <<'PY'
import json, statistics, sys
mode, scratch, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
results = [json.load(open(f"{scratch}/{mode}-{i}.json")) for i in range(1, runs + 1)]
seconds = statistics.median(r["buildSeconds"] or 0 for r in results)
hits = results[0]["cache"]["hits"]
label = {"off": "disk (sandbox off)", "on": "broker (sandbox on)"}[mode]
print(f'{label:22} {seconds:8.2f} {hits:8d} {hits / seconds:10.1f}')
PY
done
