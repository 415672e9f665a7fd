#!/usr/bin/env bash
# Push and pull throughput of a 64 MiB kernel blob through our client (`farm copy`), next to `skopeo copy` of the
# same content, on the same local registry, in one run (run by hand). Each figure is the median of RUNS whole
# commands (process start included), each into a fresh registry or layout: a registry that already holds the blob
# in another repository would let skopeo mount it (its blob-info cache remembers where blobs are) and move nothing.
# Usage: bench/oci-throughput.sh [RUNS] [MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
mib=${2:-64}
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
work=$(mktemp -d)
registries=()
cleanup() {
  for dir in "${registries[@]}"; do tests/registry.sh stop "$dir" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fresh_registry() { # sets $registry to the host:port of a new, empty registry
  local dir=$work/registry-$1
  mkdir -p "$dir"
  registries+=("$dir")
  registry=$(tests/registry.sh start "$dir")
}

head -c "$((mib << 20))" /dev/urandom >"$work/kernel"
printf 'CONFIG_PLAT_KVM=y\n' >"$work/config"
"${farm[@]}" pkg --kernel "$work/kernel" --config "$work/config" --plat qemu --arch x86_64 "oci:$work/source:v1" >/dev/null

seconds() { local start=$EPOCHREALTIME; "$@" >/dev/null 2>&1; echo "$EPOCHREALTIME - $start" | bc; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
report() { printf '%-34s %8.2f s %8.1f MiB/s\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)"; }

declare -A results
for run in $(seq "$runs"); do
  fresh_registry "farm$run"
  ours=$registry
  fresh_registry "skopeo$run"
  theirs=$registry
  results[farm_push]+="$(seconds "${farm[@]}" copy --insecure "oci:$work/source:v1" "$ours/app:v1") "
  results[skopeo_push]+="$(seconds skopeo copy --all --preserve-digests --dest-tls-verify=false "oci:$work/source:v1" "docker://$theirs/app:v1") "
  results[farm_pull]+="$(seconds "${farm[@]}" copy --insecure "$ours/app:v1" "oci:$work/farm-pull$run:v1") "
  results[skopeo_pull]+="$(seconds skopeo copy --all --preserve-digests --src-tls-verify=false "docker://$theirs/app:v1" "oci:$work/skopeo-pull$run:v1") "
done

echo "$mib MiB blob, median of $runs, a fresh docker-registry $(dpkg-query -W -f='${Version}' docker-registry) per tool and run"
for key in farm_push skopeo_push farm_pull skopeo_pull; do
  report "${key/_/ }" "$(tr ' ' '\n' <<<"${results[$key]}" | grep . | median)"
done
cmp <(skopeo inspect --raw "oci:$work/farm-pull1:v1") <(skopeo inspect --raw "oci:$work/source:v1") && echo "pulled index is byte-identical to the source"
