#!/usr/bin/env bash
# The object cache against plain gcc and ccache, in one run (run by hand):
#   bench/cache.sh [RUNS] [APP_DIR...]
# Workloads: (a) the example catalog (every qemu/linuxu target of examples/), plus each APP_DIR given (a Kraftfile
# directory, e.g. a copy of unikraft/app-helloworld kept outside the repository) for its qemu/x86_64 target, built
# by the worker; (b) musl's libc.a from the Debian source package (`apt-get source musl` through a temporary deb-src
# list, kept in ~/.cache/farm-bench, never in the repository), built by make with CC="LAUNCHER gcc".
# BENCH_CATALOG=0 leaves the catalog out, BENCH_MUSL=0 leaves musl out.
# Modes, each cold (empty caches) and warm (a new build directory, so make compiles everything again):
#   gcc; ccache (local); ccache (Redis only); farm-cc (local); farm-cc (Redis only: empty local disk);
#   farm-cc (registry only: empty local disk and Redis). Prints the median build seconds and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
apps=("$@")
tests/install-packages.sh
command -v ccache >/dev/null || { echo "bench/cache.sh: needs ccache (apt-get install ccache)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "bench/cache.sh: needs redis-server (apt-get install redis-server)" >&2; exit 1; }
dotnet build Farm.sln -c Release --nologo -v quiet >/dev/null
dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o out/farm-cc >/dev/null
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
worker=(dotnet worker/Farm.Worker/bin/Release/net10.0/worker.dll)
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
work=$(mktemp -d)
mkdir -p "$work/redis"
redis=$(tests/redis.sh start "$work/redis" 512mb)
mkdir -p "$work/registry"
registry=$(tests/registry.sh start "$work/registry")
cleanup() {
  tests/registry.sh stop "$work/registry" >/dev/null 2>&1 || true
  tests/redis.sh stop "$work/redis" >/dev/null 2>&1 || true
  rm -rf "$work"
  # A tripwire: farm-cc once renamed a cache hit over a configure check's -o /dev/null.
  [ -c /dev/null ] || echo "bench/cache.sh: /dev/null is no longer a character device: something replaced it" >&2
}
trap cleanup EXIT

# targets: "APP KERNEL" lines for the workload
targets=()
catalog=(examples/*/Kraftfile)
[ "${BENCH_CATALOG:-1}" = 1 ] || catalog=()
for kraftfile in "${catalog[@]}" "${apps[@]/%//Kraftfile}"; do
  [ -f "$kraftfile" ] || continue
  app=$(dirname "$kraftfile")
  while read -r kernel; do targets+=("$app $kernel"); done < <("${farm[@]}" plan --json "$app" 2>/dev/null | python3 -c '
import json, sys
for job in json.load(sys.stdin)["jobs"]:
    if job["platform"] in ("qemu", "linuxu") and (job["architecture"] == "x86_64" or "examples/" in sys.argv[1]):
        print(job["kernel"])' "$app")
done

# musl: the Debian source package, unpacked once outside the repository
musl_source=
if [ "${BENCH_MUSL:-1}" = 1 ]; then
  store=${XDG_CACHE_HOME:-$HOME/.cache}/farm-bench
  if ! compgen -G "$store/musl-*/configure" >/dev/null; then
    apt=$work/apt
    mkdir -p "$apt/lists/partial" "$store"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" >"$apt/sources.list"
    aptopts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$apt/lists")
    apt-get "${aptopts[@]}" update >/dev/null 2>&1
    (cd "$apt" && apt-get "${aptopts[@]}" source --download-only musl >/dev/null 2>&1)
    tar -xzf "$apt"/musl_*.orig.tar.gz -C "$store"
  fi
  musl_source=$(dirname "$(compgen -G "$store/musl-*/configure" | head -1)")
fi

# env_for MODE PHASE RUN: the environment and launcher of a mode (sets env and launcher)
env_for() {
  local mode=$1 phase=$2 run=$3 farm_cc=$PWD/out/farm-cc/farm-cc
  env=(env -u FARM_CACHE_DIR -u FARM_CACHE_REDIS -u FARM_CACHE_REGISTRY -u FARM_CACHE_EVENTS -u FARM_CC)
  launcher=
  case $mode in
    ccache-local) env+=(CCACHE_DIR="$work/$mode/$run/ccache"); launcher=$(command -v ccache) ;;
    ccache-redis) env+=(CCACHE_DIR="$work/$mode/$run/ccache-$phase" CCACHE_REMOTE_STORAGE="redis://$redis" CCACHE_REMOTE_ONLY=true CCACHE_NAMESPACE="r$run")
                  launcher=$(command -v ccache) ;;
    farm-local) env+=(FARM_CC="$farm_cc" FARM_CACHE_DIR="$work/$mode/$run/cache"); launcher=$farm_cc ;;
    farm-redis) env+=(FARM_CC="$farm_cc" FARM_CACHE_DIR="$work/$mode/$run/cache-$phase" FARM_CACHE_REDIS="$redis" FARM_CACHE_SCOPE="r$run$mode"); launcher=$farm_cc ;;
    farm-registry) env+=(FARM_CC="$farm_cc" FARM_CACHE_DIR="$work/$mode/$run/cache-$phase" FARM_CACHE_REGISTRY="$registry/cache$run"); launcher=$farm_cc ;;
  esac
}

# musl_build MODE PHASE RUN: libc.a in a new build directory, prints make's seconds (for the registry mode: with the
# bundle pulled before and pushed after, as a CI job without the worker would run them)
musl_build() {
  local mode=$1 phase=$2 run=$3 dir=$work/$1/$3/musl-$2 start end
  env_for "$mode" "$phase" "$run"
  mkdir -p "$dir"
  (cd "$dir" && "$musl_source/configure" --disable-shared --prefix=/nonexistent >/dev/null)
  local cc=(CC="gcc")
  [ -z "$launcher" ] || cc=(CC="$launcher gcc")
  env+=(FARM_CACHE_EVENTS="$dir.events")
  start=$(date +%s.%N)
  [ "$mode" != farm-registry ] || "${env[@]}" "${farm[@]}" cache pull musl >/dev/null
  "${env[@]}" make -C "$dir" -j2 "${cc[@]}" lib/libc.a >"$dir.log" 2>&1 || { echo "FAILED $mode $phase musl: see $dir.log" >&2; tail -5 "$dir.log" >&2; exit 1; }
  [ "$mode" != farm-registry ] || "${env[@]}" "${farm[@]}" cache push musl >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# build MODE PHASE RUN: builds every target once, prints the summed make seconds
build() {
  local mode=$1 phase=$2 run=$3 total=0 app kernel seconds
  local dir=$work/$mode/$run/$phase
  for entry in "${targets[@]}"; do
    read -r app kernel <<<"$entry"
    local env launcher args=()
    env_for "$mode" "$phase" "$run"
    case $mode in ccache-*) args=(--cc-launcher "$launcher") ;; esac
    "${env[@]}" "${worker[@]}" build-target "$app" --target "$kernel" --out "$dir/$kernel/out" --build-dir "$dir/$kernel/build" \
      -j2 --json "${args[@]}" >"$dir.$kernel.json" 2>"$dir.$kernel.log" || { echo "FAILED $mode $phase $kernel: see $dir.$kernel.log" >&2; tail -5 "$dir.$kernel.log" >&2; exit 1; }
    seconds=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["buildSeconds"])' "$dir.$kernel.json")
    total=$(echo "$total + $seconds" | bc)
  done
  echo "$total"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
hits() { # hits/total of MODE's warm runs of WORKLOAD: the worker's result.json files, or musl's event logs
  python3 - "$work/$1" "$2" <<'PY'
import glob, json, sys
h = t = 0
if sys.argv[2] == "musl":
    for f in glob.glob(sys.argv[1] + "/*/musl-warm.events"):
        for line in open(f):
            kind = line.split(" ")[0]
            h += kind == "hit"; t += kind in ("hit", "miss")
else:
    for f in glob.glob(sys.argv[1] + "/*/warm.*.json"):
        c = json.load(open(f)).get("cache")
        if c: h += c["hits"]; t += c["hits"] + c["misses"]
print(f"{h}/{t}" if t else "-")
PY
}

modes=(gcc ccache-local ccache-redis farm-local farm-redis farm-registry)
# table WORKLOAD BUILDER: every mode cold then warm, RUNS times, then the medians and ratios
table() {
  local workload=$1 builder=$2 mode run c w
  declare -A cold=() warm=()
  for run in $(seq "$runs"); do
    for mode in "${modes[@]}"; do
      mkdir -p "$work/$mode/$run"
      cold[$mode]+="$("$builder" "$mode" cold "$run") "
      warm[$mode]+="$("$builder" "$mode" warm "$run") "
    done
  done
  local gcc_cold ccache_warm
  gcc_cold=$(median <<<"${cold[gcc]}")
  ccache_warm=$(median <<<"${warm[ccache-local]}")
  printf '%-15s %10s %10s %14s %14s %10s\n' mode cold_s warm_s cold/gcc warm/ccache warm_hits
  for mode in "${modes[@]}"; do
    c=$(median <<<"${cold[$mode]}"); w=$(median <<<"${warm[$mode]}")
    printf '%-15s %10.2f %10.2f %14.2f %14.2f %10s\n' "$mode" "$c" "$w" "$(echo "$c / $gcc_cold" | bc -l)" "$(echo "$w / $ccache_warm" | bc -l)" "$(hits "$mode" "$workload")"
  done
}

if [ "${#targets[@]}" -gt 0 ]; then
  echo "workload: ${#targets[@]} targets (${targets[*]}), -j2, median of $runs, $(nproc) cores, $(date -u +%F)"
  table targets build
fi
if [ -n "$musl_source" ]; then
  echo "workload: $(basename "$musl_source") libc.a (make -j2 lib/libc.a, a new build directory per build), median of $runs, $(nproc) cores, $(date -u +%F)"
  table musl musl_build
fi
