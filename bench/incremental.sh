#!/usr/bin/env bash
# A one-file change of real app-helloworld, rebuilt by the worker in a NEW build directory, against an incremental
# make in place (run by hand; the checkouts stay outside the repository):
#   bench/incremental.sh SRC_DIR [RUNS] [PAIRS]
# SRC_DIR holds git checkouts of unikraft/ (RELEASE-0.17.0) and app-helloworld/. For each run: a cold build in
# build directory 1 (object cache empty); then PAIRS times (default 3) main.c changes (one printf more) and the
# target is rebuilt, one right after the other so that the ratio is taken pair by pair on this noisy machine:
#   restore   by the worker in a new build directory, earlier builds restored (Farm__Cache__RestoreBuilds, default):
#             generated files and unchanged objects written back, then one make run
#   in place  by make alone in build directory 1, as a developer's incremental make (plain gcc)
# and once after the last pair
#   hits      by the worker in a new build directory, restore off: every compile goes through farm-cc (the old way)
# Prints make's seconds for each (the worker's buildSeconds: configuration, make, the snapshot; no boot or packaging),
# the ratios, the worker's own steps, and whether restore and hits give the same kernel.
# FRESH_WORKER=1: every build publishes its target's bundle to a local registry, and each restore runs as a worker
# with an empty disk (its own cache directory): the earlier build comes from the bundle (its prefetch time printed).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "${1:?usage: bench/incremental.sh SRC_DIR [RUNS]}" && pwd)
runs=${2:-3}
pairs=${3:-3}
. bench/lib-helloworld.sh
fresh=${FRESH_WORKER:-0}
if [ "$fresh" = 1 ]; then
  registry=$(tests/registry.sh start "$work/registry")
  trap 'tests/registry.sh stop "$work/registry" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  export FARM_CACHE_REGISTRY=$registry/farm-cache
fi
for run in $(seq "$runs"); do
  dir=$work/$run
  mkdir -p "$dir"
  helloworld_app "$src" "$dir/app"
  build() { # NAME BUILD_DIR [ENV...]
    local name=$1 build=$2 cache=$dir/cache
    shift 2
    [ "$fresh" = 1 ] && [ "${name#restore}" != "$name" ] && cache=$dir/cache-$name
    env FARM_CACHE_DIR="$cache" Farm__Worker__CacheDirectory="$dir/worker" "$@" "${worker[@]}" build-target "$dir/app" \
      --target qemu/x86_64 --out "$dir/$name-out" --build-dir "$build" -j2 --json >"$dir/$name.json" 2>"$dir/$name.log" \
      || { echo "bench/incremental.sh: $name failed: see its log" >&2; tail -5 "$dir/$name.log" >&2; exit 1; }
  }
  build cold "$dir/build1"
  # make's own command line, as the worker ran it, without the cache launcher: the developer's incremental make.
  make_line=$(make_line "$dir/cold.log")
  restored_line() { grep -o 'restored [0-9]* of [0-9]* objects, [0-9]* of [0-9]* generated files and [0-9]* linked libraries' "$1" || echo 'restored nothing'; }
  # The worker's own share of a restore build (its log's timings): the key, the restore, the capture after make.
  steps() {
    grep -o -e 'prefetched [0-9]* entries.* in [0-9]* ms' -e 'earlier build found ([^)]*)' -e 'linked libraries from an earlier build in [0-9]* ms' -e 'recorded [0-9]* objects for the next build of this target in [0-9]* ms' "$1" \
      | sed -e 's/prefetched \([0-9]*\) entries.* in \([0-9]*\) ms/prefetch \2 ms (\1 entries)/' -e 's/linked libraries from an earlier build in/restore/' -e 's/recorded [0-9]* objects for the next build of this target in/capture/' | paste -sd ';' -
  }
  for pair in $(seq "$pairs"); do
    change_main "$dir/app" "change $pair"
    build "restore$pair" "$dir/build-r$pair"
    start=$(date +%s.%N)
    (cd "$dir/build1" && eval "$make_line" >"$dir/inplace$pair.log" 2>&1) || { echo "bench/incremental.sh: make in place failed" >&2; tail -5 "$dir/inplace$pair.log" >&2; exit 1; }
    end=$(date +%s.%N)
    inplace=$(echo "$end - $start" | bc)
    restore=$(seconds "$dir/restore$pair.json")
    printf 'run %s pair %s: restore %6.2f s (%s; make runs: %s) | in place %6.2f s (%s compiles) | restore/in place %.2f | %s | load %s\n' \
      "$run" "$pair" "$restore" "$(restored_line "$dir/restore$pair.log")" "$(grep -c '^\$ make ' "$dir/restore$pair.log")" "$inplace" \
      "$(grep -c '^  CC ' "$dir/inplace$pair.log" || true)" "$(echo "$restore / $inplace" | bc -l)" "$(steps "$dir/restore$pair.log")" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  build hits "$dir/build-hits" Farm__Cache__RestoreBuilds=false
  sha() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernelSha256"])' "$1"; }
  [ "$(sha "$dir/restore$pairs.json")" = "$(sha "$dir/hits.json")" ] && same=yes || same=NO
  printf 'run %s: cold %6.2f s | hits %6.2f s (restore off, the last change) | the last restore and hits give the same kernel: %s\n' \
    "$run" "$(seconds "$dir/cold.json")" "$(seconds "$dir/hits.json")" "$same"
done
