#!/usr/bin/env bash
# Push and pull of one kernel layer through our client (`farm copy`) next to `skopeo copy` of the same content, on
# the same kind of local registry, in one run (run by hand). For each size (MiB) and run, each tool gets a FRESH
# registry (a registry that already holds the blob in another repository would let skopeo mount it: its blob-info
# cache remembers where blobs are, and nothing would move), and the two tools take turns going first. Whole commands
# are timed (process start included) with /usr/bin/time, which also gives each command's peak RSS.
# The ratio is skopeo's time / farm's time, taken run by run (pairing keeps it meaningful on a noisy machine), and its
# median is printed: >= 1.00 means farm copy is at least as fast as skopeo.
# Usage: bench/oci-throughput.sh [RUNS] [SIZES]     e.g. bench/oci-throughput.sh 3 "64 1024" (the default)
# farm is the one a release installs (ansible/release.sh: the NativeAOT front, which runs `copy` itself), a few minutes
# on 2 cores; FARM_DLL=path/to/farm.dll or FARM_BIN=path/to/farm measures another build instead (an older commit's,
# for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
sizes=${2:-64 1024}
work=$(mktemp -d)
registries=()
cleanup() {
  for dir in "${registries[@]}"; do tests/registry.sh stop "$dir" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${FARM_DLL:-}" ]; then
  farm=(dotnet "$FARM_DLL")
elif [ -n "${FARM_BIN:-}" ]; then
  farm=("$FARM_BIN")
else
  # As a release installs it (ansible/release.sh): the native front as farm, the .NET farm beside it as farm-host.
  ansible/release.sh "$work/release.tar" --jit-farm-cc >/dev/null
  mkdir "$work/farm-bin"
  tar -C "$work/farm-bin" -xf "$work/release.tar"
  farm=("$work/farm-bin/farm")
fi
fresh_registry() { # sets $registry to the host:port of a new, empty registry in $work/$1
  local dir=$work/$1
  mkdir -p "$dir"
  registries+=("$dir")
  registry=$(tests/registry.sh start "$dir")
}
stop_registry() {
  tests/registry.sh stop "$work/$1" >/dev/null
  rm -rf "${work:?}/$1"
}

# Runs a command, appends "seconds peak_KiB" to results[$1]; a failing command stops the benchmark.
declare -A results
timed() {
  local key=$1
  shift
  if ! /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1; then
    echo "failed: $*" >&2
    cat "$work/out" >&2
    exit 1
  fi
  results[$key]+="$(cat "$work/time");"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { tr ';' '\n' <<<"${results[$1]}" | grep . | awk -v f="$2" '{ print $f }'; }
ratios() { paste -d' ' <(field "$2" 1) <(field "$1" 1) | awk '{ printf "%.3f\n", $1 / $2 }'; }

printf 'docker-registry %s, skopeo %s, %s cores, load average %s\n' "$(dpkg-query -W -f='${Version}' docker-registry)" \
  "$(dpkg-query -W -f='${Version}' skopeo)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-5s %11s %11s %8s %9s %12s %12s\n' MiB op "farm s" "skopeo s" "farm MiB/s" "ratio" "farm peak" "skopeo peak"
for mib in $sizes; do
  results=()
  source=$work/source-$mib
  head -c "$((mib << 20))" /dev/urandom >"$work/kernel"
  printf 'CONFIG_PLAT_KVM=y\n' >"$work/config"
  "${farm[@]}" pkg --kernel "$work/kernel" --config "$work/config" --plat qemu --arch x86_64 "oci:$source:v1" >/dev/null
  rm "$work/kernel"
  for run in $(seq "$runs"); do
    fresh_registry farm-registry
    ours=$registry
    fresh_registry skopeo-registry
    theirs=$registry
    farm_push() { timed farm_push "${farm[@]}" copy --insecure "oci:$source:v1" "$ours/app:v1"; }
    skopeo_push() { timed skopeo_push skopeo copy --all --preserve-digests --dest-tls-verify=false "oci:$source:v1" "docker://$theirs/app:v1"; }
    farm_pull() { timed farm_pull "${farm[@]}" copy --insecure "$ours/app:v1" "oci:$work/farm-pull:v1"; }
    skopeo_pull() { timed skopeo_pull skopeo copy --all --preserve-digests --src-tls-verify=false "docker://$theirs/app:v1" "oci:$work/skopeo-pull:v1"; }
    if ((run % 2)); then
      farm_push; skopeo_push; farm_pull; skopeo_pull
    else
      skopeo_push; farm_push; skopeo_pull; farm_pull
    fi
    cmp <(skopeo inspect --raw "oci:$work/farm-pull:v1") <(skopeo inspect --raw "oci:$source:v1") >/dev/null \
      || { echo "the index farm pulled differs from the source" >&2; exit 1; }
    for blob in "$source"/blobs/sha256/*; do
      cmp "$blob" "$work/farm-pull/blobs/sha256/$(basename "$blob")" || exit 1
    done
    rm -rf "$work/farm-pull" "$work/skopeo-pull"
    stop_registry farm-registry
    stop_registry skopeo-registry
  done
  for op in push pull; do
    farm_s=$(field "farm_$op" 1 | median)
    skopeo_s=$(field "skopeo_$op" 1 | median)
    printf '%-6s %-5s %11.2f %11.2f %8.1f %9.2f %9.1f MiB %8.1f MiB\n' "$mib" "$op" "$farm_s" "$skopeo_s" \
      "$(echo "$mib / $farm_s" | bc -l)" "$(ratios "farm_$op" "skopeo_$op" | median)" \
      "$(field "farm_$op" 2 | sort -n | tail -1 | awk '{ print $1 / 1024 }')" \
      "$(field "skopeo_$op" 2 | sort -n | tail -1 | awk '{ print $1 / 1024 }')"
  done
  echo "       ratios run by run: push $(ratios farm_push skopeo_push | tr '\n' ' ')| pull $(ratios farm_pull skopeo_pull | tr '\n' ' ')"
  rm -rf "$source"
done
echo "times are medians of $runs; ratio = skopeo s / farm s, the median of the run-by-run ratios; peak = the largest peak RSS of any run"
echo "every pulled index and blob is byte-identical to the source"
