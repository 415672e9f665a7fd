#!/usr/bin/env bash
# The next commit of real app-helloworld on a warm worker, against a developer's incremental make (run by hand; the
# checkouts stay outside the repository):
#   bench/next-commit.sh SRC_DIR [RUNS]
# SRC_DIR holds git checkouts of unikraft/ (RELEASE-0.17.0) and app-helloworld/. The app is built, as the farm builds
# a git source, from one directory that keeps its path from commit to commit, into a kept build directory. For each
# run: a cold build by the worker; then main.c changes (one printf more) and
#   worker    the worker rebuilds the target in place (make defconfig and the snapshot restore skipped, farm-cc)
# then main.c changes again and
#   make      make alone rebuilds in the same directory, plain gcc (the developer's incremental make)
# Prints the seconds of each (the worker's buildSeconds: its make and what it does around it; make's wall time).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "${1:?usage: bench/next-commit.sh SRC_DIR [RUNS]}" && pwd)
runs=${2:-3}
. bench/lib-helloworld.sh
for run in $(seq "$runs"); do
  dir=$work/$run
  mkdir -p "$dir"
  helloworld_app "$src" "$dir/app"
  build() { # NAME
    env FARM_CACHE_DIR="$dir/cache" Farm__Worker__CacheDirectory="$dir/worker" "${worker[@]}" build-target "$dir/app" \
      --target qemu/x86_64 --out "$dir/$1-out" --build-dir "$dir/build" -j2 --json >"$dir/$1.json" 2>"$dir/$1.log" \
      || { echo "bench/next-commit.sh: $1 failed: see its log" >&2; tail -5 "$dir/$1.log" >&2; exit 1; }
  }
  build cold
  make_line=$(make_line "$dir/cold.log")
  change_main "$dir/app" "first change"
  build worker
  grep -q 'rebuilding in place' "$dir/worker.log" || { echo "bench/next-commit.sh: the worker did not rebuild in place" >&2; exit 1; }
  change_main "$dir/app" "second change"
  start=$(date +%s.%N)
  (cd "$dir/build" && eval "$make_line" >"$dir/make.log" 2>&1) || { echo "bench/next-commit.sh: make in place failed" >&2; tail -5 "$dir/make.log" >&2; exit 1; }
  end=$(date +%s.%N)
  make=$(echo "$end - $start" | bc)
  printf 'run %s: cold %6.2f s | worker in place %6.2f s (%s compiles) | make in place %6.2f s (%s compiles) | worker/make %.2f\n' \
    "$run" "$(seconds "$dir/cold.json")" "$(seconds "$dir/worker.json")" "$(grep -c '^  CC ' "$dir/worker.log" || true)" \
    "$make" "$(grep -c '^  CC ' "$dir/make.log" || true)" "$(echo "$(seconds "$dir/worker.json") / $make" | bc -l)"
done
