#!/usr/bin/env bash
# The example catalog through the embedded farm, whole command wall time (run by hand):
#   bench/farm-catalog.sh [RUNS]
# cold: empty caches; warm: the object cache kept, the target cache and build directories emptied (every target
# is compiled again, through farm-cc hits); unchanged: everything kept (the target cache serves every target).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tests/install-packages.sh
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o out/farm-cc >/dev/null
export FARM_CC=$PWD/out/farm-cc/farm-cc
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
apps=()
for kraftfile in examples/*/Kraftfile; do
  app=$(dirname "$kraftfile")
  "${farm[@]}" plan --json "$app" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["kind"] == "runtime" else 1)' || apps+=("$app")
done
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -c /dev/null ] || echo "bench/farm-catalog.sh: /dev/null is no longer a character device: something replaced it" >&2' EXIT

# timed PHASE RUN: one `farm build` of the catalog, prints its wall seconds and the targets built/cached
timed() {
  local start end
  start=$(date +%s.%N)
  XDG_CACHE_HOME=$work/$2 "${farm[@]}" build "${apps[@]}" --output "oci:$work/$2/out" --json >"$work/$1.$2.json" 2>/dev/null
  end=$(date +%s.%N)
  python3 - "$work/$1.$2.json" "$(echo "$end - $start" | bc)" <<'PY'
import json, sys
builds = json.load(open(sys.argv[1]))["builds"]
targets = [t for b in builds for t in b["targets"] if t["state"] == "succeeded"]
hits = sum(t["cache"]["hits"] for t in targets); total = hits + sum(t["cache"]["misses"] for t in targets)
print(f'{float(sys.argv[2]):.2f} {len(targets)} {sum(t["cached"] for t in targets)} {hits}/{total}')
PY
}

printf '%-10s %8s %8s %14s %12s\n' phase wall_s targets target_cached object_hits
for run in $(seq "$runs"); do
  read -r s n c h <<<"$(timed cold "r$run")"; printf '%-10s %8s %8s %14s %12s\n' cold "$s" "$n" "$c" "$h"
  rm -rf "$work/r$run/unikernel-farm/targets" "$work/r$run/unikernel-farm/work"
  read -r s n c h <<<"$(timed warm "r$run")"; printf '%-10s %8s %8s %14s %12s\n' warm "$s" "$n" "$c" "$h"
  read -r s n c h <<<"$(timed unchanged "r$run")"; printf '%-10s %8s %8s %14s %12s\n' unchanged "$s" "$n" "$c" "$h"
done
