#!/usr/bin/env bash
# farm-cc against ccache and plain gcc on the SAME build directory, local tier only, side by side (run by hand):
#   bench/farm-cc.sh [ROUNDS] [SRC]
# Prints ratios per workload, of CPU seconds (user + system of make and all its compiles), each the median over
# ROUNDS (default 3) of a ratio taken within one round:
#   warm: farm-cc warm / ccache warm  - the objects removed, the cache kept, make again in the same directory
#   cold: farm-cc cold / gcc          - empty cache, every compile a miss
# each for farm-cc as it is by default (depend mode: a miss compiles once, with a dependency file), for farm-cc
# with FARM_CACHE_DEPEND=0 ("-E": a miss runs the preprocessor for the key, then compiles) and for farm-cc-fast (the C
# front and farm-cc's resident helper: the helper's CPU is added to every figure of its mode, read from /proc, since
# it is not a child of make); and, for the record, ccache cold / gcc. Workloads:
#   musl   libc.a of Debian's musl source package (`apt-get source musl` through a temporary deb-src list, kept in
#          ~/.cache/farm-bench, never in the repository). MUSL_DIRS="src/string src/stdio" builds only the objects of
#          those source directories (a shorter run on a busy machine); unset: all of lib/libc.a (1,341 compiles).
#   hello  with SRC (a directory holding unikraft/ and app-helloworld/, copies kept outside the repository): the
#          real app-helloworld for qemu/x86_64 by plain make in Unikraft's tree (defconfig once per mode, then builds).
# Also prints one miss's time (farm-cc, farm-cc -E and gcc, in rounds of 20 runs each, in turn, the cache's entries
# removed before each run, CPU ms per run) and one hit's time (farm-cc, farm-cc-fast with its helper's share, ccache, and
# a NativeAOT program that only starts and exits, the floor of any .NET wrapper), in rounds of 20 runs each, in turn,
# CPU ms per run. BENCH_BUILDS=0 measures only that.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
src=${2:-}
jobs=${JOBS:-2}
command -v ccache >/dev/null || { echo "bench/farm-cc.sh: needs ccache (apt-get install ccache)" >&2; exit 1; }
work=$(mktemp -d)
# (the helper sees its socket's directory go and exits within a second)
trap 'rm -rf "$work"' EXIT
# discard PATH...: out of the way, deleted at exit. Nothing is deleted while the bench measures: on an ext4 without a
# journal (this machine's) the inode allocator skips every inode freed in the last 30 s, reading the inode table for
# each, so a cold build right after the deletion of the last one's thousands of files pays for them in every file it
# creates, the more the more a mode writes (perf: find_inode_bit and recently_deleted, half of the helper's samples).
discard() { local to; to=$(mktemp -d "$work/trash.XXXXXX"); mv --backup=numbered -t "$to" "$@" 2>/dev/null || true; }
dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o "$work/farm-cc" >/dev/null
farm_cc=$work/farm-cc/farm-cc

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
musl=$(dirname "$(compgen -G "$store/musl-*/configure" | head -1)")

# launcher MODE: what CC starts with
launcher() { case $1 in gcc) echo "" ;; ccache) command -v ccache ;; farm-cc | farm-cc-e) echo "$farm_cc" ;; farm-cc-fast) echo "$farm_cc-fast" ;; esac; }
# cache_env MODE: the environment of a mode, the cache in $work/cache-MODE
cache_env() {
  echo env -u FARM_CACHE_REDIS -u FARM_CACHE_REGISTRY -u FARM_CACHE_PREFIX_MAP -u FARM_CACHE_BASEDIR -u FARM_CACHE_SOCKET \
    -u CCACHE_REMOTE_STORAGE -u FARM_CACHE_HELPER -u FARM_CACHE_HELPER_IDLE XDG_RUNTIME_DIR="$work/run" \
    FARM_CACHE_DIR="$work/cache-$1" CCACHE_DIR="$work/cache-$1" FARM_CACHE_DEPEND="$([ "$1" = farm-cc-e ] && echo 0 || echo 1)"
}
mkdir -m 0700 "$work/run"
# helper_ms: the CPU ms (user + system) the resident helpers of this bench have used so far (farm-cc-fast's share of
# every compile, outside make's process tree)
helper_ms() {
  local pid total=0
  for pid in $(pgrep -f -- "--serve $work/run/" || true); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo $((total * 1000 / $(getconf CLK_TCK)))
}
# seconds COMMAND...: the CPU seconds (user + system) of the command and every process it waited for (make and its
# compiles). CPU, not wall time: on a machine shared with other work the wall time of a build minutes later says more
# about the neighbours than about the build.
seconds() {
  local before after
  before=$(helper_ms)
  /usr/bin/time -f '%U %S' -o "$work/time" "$@" >>"$work/log" 2>&1 || { echo "FAILED: $*" >&2; tail -5 "$work/log" >&2; exit 1; }
  after=$(helper_ms)
  awk -v helper=$((after - before)) '{ print $1 + $2 + helper / 1000 }' "$work/time"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# musl: the configured build directory of MODE, and the make targets
musl_targets=(lib/libc.a)
if [ -n "${MUSL_DIRS:-}" ]; then
  musl_targets=()
  for dir in $MUSL_DIRS; do
    for file in "$musl/$dir"/*.c; do musl_targets+=("obj/${file#"$musl"/}"); done
  done
  musl_targets=("${musl_targets[@]/%.c/.lo}")
fi
musl_prepare() { mkdir -p "$work/musl-$1"; (cd "$work/musl-$1" && "$musl/configure" --disable-shared --prefix=/nonexistent >/dev/null); }
musl_clean() { discard "$work/musl-$1/obj/src" "$work/musl-$1/obj/crt" "$work/musl-$1/obj/ldso" "$work/musl-$1/lib"; }
musl_make() {
  local cc=gcc
  [ -z "$(launcher "$1")" ] || cc="$(launcher "$1") gcc"
  # shellcheck disable=SC2046
  seconds $(cache_env "$1") make -C "$work/musl-$1" -j"$jobs" CC="$cc" "${musl_targets[@]}"
}

# helloworld: plain make of app-helloworld (a copy per mode) against SRC/unikraft (read only), a build directory per mode
hello_prepare() {
  local dir=$work/hello-$1
  mkdir -p "$dir"
  cp -r "$src/app-helloworld" "$dir/app"
  make -C "$src/unikraft" A="$dir/app" L= O="$dir/build" UK_DEFCONFIG="$dir/app/defconfigs/qemu-x86_64" defconfig >>"$work/log" 2>&1
}
hello_clean() {
  local to
  to=$(mktemp -d "$work/trash.XXXXXX")
  find "$work/hello-$1/build" -name '*.o' -print0 | xargs -0 -r mv --backup=numbered -t "$to"
  discard "$work/hello-$1"/build/helloworld_*
}
hello_make() {
  local cc=
  [ -z "$(launcher "$1")" ] || cc="$(launcher "$1") "
  # shellcheck disable=SC2046
  seconds $(cache_env "$1") make -C "$src/unikraft" A="$work/hello-$1/app" L= O="$work/hello-$1/build" -j"$jobs" CC="${cc}gcc"
}

# run WORKLOAD: ROUNDS rounds of (gcc, ccache, farm-cc, farm-cc -E cold; ccache, farm-cc, farm-cc -E warm); prints ratios
run() {
  local w=$1 round mode
  local -A ratios=() seconds=()
  for mode in gcc ccache farm-cc farm-cc-e farm-cc-fast; do "${w}_prepare" "$mode"; done
  for round in $(seq "$rounds"); do
    declare -A cold=() warm=()
    for mode in gcc ccache farm-cc farm-cc-e farm-cc-fast; do
      discard "$work/cache-$mode"
      "${w}_clean" "$mode"
      cold[$mode]=$("${w}_make" "$mode")
    done
    for mode in ccache farm-cc farm-cc-e farm-cc-fast; do
      "${w}_clean" "$mode"
      warm[$mode]=$("${w}_make" "$mode")
    done
    for mode in ccache farm-cc farm-cc-e farm-cc-fast; do
      ratios[cold-$mode]+="$(echo "${cold[$mode]} / ${cold[gcc]}" | bc -l) "
      ratios[warm-$mode]+="$(echo "${warm[$mode]} / ${warm[ccache]}" | bc -l) "
      seconds[cold-$mode]+="${cold[$mode]} "; seconds[warm-$mode]+="${warm[$mode]} "
    done
    seconds[gcc]+="${cold[gcc]} "
    echo "  round $round, CPU s: gcc ${cold[gcc]}, ccache cold ${cold[ccache]} / warm ${warm[ccache]}, farm-cc cold ${cold[farm-cc]} / warm ${warm[farm-cc]}, farm-cc -E cold ${cold[farm-cc-e]} / warm ${warm[farm-cc-e]}, farm-cc-fast cold ${cold[farm-cc-fast]} / warm ${warm[farm-cc-fast]} (load $(cut -d' ' -f1 /proc/loadavg))"
  done
  m() { median <<<"${ratios[$1]}"; }
  s() { median <<<"${seconds[$1]}"; }
  printf '%s, CPU, medians: cold / gcc (%.2f s): farm-cc %.2f (%.2f s), farm-cc -E %.2f (%.2f s), farm-cc-fast %.2f (%.2f s), ccache %.2f (%.2f s); warm / ccache warm (%.2f s): farm-cc %.2f (%.2f s), farm-cc -E %.2f (%.2f s), farm-cc-fast %.2f (%.2f s)\n' "$w" \
    "$(s gcc)" "$(m cold-farm-cc)" "$(s cold-farm-cc)" "$(m cold-farm-cc-e)" "$(s cold-farm-cc-e)" "$(m cold-farm-cc-fast)" "$(s cold-farm-cc-fast)" "$(m cold-ccache)" "$(s cold-ccache)" \
    "$(s warm-ccache)" "$(m warm-farm-cc)" "$(s warm-farm-cc)" "$(m warm-farm-cc-e)" "$(s warm-farm-cc-e)" "$(m warm-farm-cc-fast)" "$(s warm-farm-cc-fast)"
}

# miss: one compile's time as a miss: MISS_ROUNDS (default 10) rounds, each 20 misses of farm-cc, 20 of farm-cc -E and
# 20 plain compiles, in turn; before every run (gcc's too, the same cost) the cache's entries are moved aside, its
# compiler memo kept, as in a cold build after its first compile. CPU ms per run, median over rounds.
miss() {
  local dir=$work/musl-farm-cc rounds=${MISS_ROUNDS:-10} line a e f g h dep="" pp="" fast="" gcc_ms="" r1="" r2="" r3=""
  mkdir -p "$work/cache-miss.trash"
  line=$(make -C "$dir" -n -B "${musl_targets[0]}" 2>/dev/null | grep -m1 -- ' -c -o obj/src/.*\.lo ' || true)
  for _ in $(seq "$rounds"); do
    # shellcheck disable=SC2016,SC2046,SC2086
    a=$(cd "$dir" && twenty sh -c 'mv "$0"/v1 "$0.trash/$$" 2>/dev/null || rm -rf "$0"/v1; exec "$@"' "$work/cache-miss" $(cache_env farm-cc) FARM_CACHE_DIR="$work/cache-miss" "$farm_cc" $line)
    # shellcheck disable=SC2016,SC2046,SC2086
    e=$(cd "$dir" && twenty sh -c 'mv "$0"/v1 "$0.trash/$$" 2>/dev/null || rm -rf "$0"/v1; exec "$@"' "$work/cache-miss" $(cache_env farm-cc-e) FARM_CACHE_DIR="$work/cache-miss" "$farm_cc" $line)
    h=$(helper_ms)
    # shellcheck disable=SC2016,SC2046,SC2086
    f=$(cd "$dir" && twenty sh -c 'mv "$0"/v1 "$0.trash/$$" 2>/dev/null || rm -rf "$0"/v1; exec "$@"' "$work/cache-miss" $(cache_env farm-cc) FARM_CACHE_DIR="$work/cache-miss" "$farm_cc-fast" $line)
    f=$(echo "$f + ($(helper_ms) - $h) / 20" | bc -l)
    # shellcheck disable=SC2016,SC2086
    g=$(cd "$dir" && twenty sh -c 'mv "$0"/v1 "$0.trash/$$" 2>/dev/null || rm -rf "$0"/v1; exec "$@"' "$work/cache-miss" gcc $line)
    dep+="$a "; pp+="$e "; fast+="$f "; gcc_ms+="$g "
    r1+="$(echo "$a / $g" | bc -l) "; r2+="$(echo "$e / $g" | bc -l) "; r3+="$(echo "$f / $g" | bc -l) "
  done
  printf 'one miss (%s), CPU ms: gcc %.1f, farm-cc %.1f (/ gcc %.2f), farm-cc -E %.1f (/ gcc %.2f), farm-cc-fast and its helper %.1f (/ gcc %.2f)\n' \
    "${line##* }" "$(median <<<"$gcc_ms")" "$(median <<<"$dep")" "$(median <<<"$r1")" "$(median <<<"$pp")" "$(median <<<"$r2")" "$(median <<<"$fast")" "$(median <<<"$r3")"
}

# hit: one compile's time as a hit: HIT_ROUNDS (default 15) rounds, each 20 hits of farm-cc, then 20 of ccache, then 20
# starts of a NativeAOT program that only exits (the floor of any .NET wrapper); CPU ms per run, median over rounds
hit() {
  local dir=$work/musl-farm-cc rounds=${HIT_ROUNDS:-15} line a b f h farm="" cc="" empty="" ratio="" floor="" fast="" fast_ratio=""
  local mode
  for mode in farm-cc ccache; do
    # after BENCH_BUILDS=0: configure, and let make generate musl's headers (the compile needs them)
    [ -d "$work/musl-$mode" ] || { musl_prepare "$mode"; make -C "$work/musl-$mode" obj/include/bits/alltypes.h obj/include/bits/syscall.h >>"$work/log" 2>&1; }
  done
  # (grep stops reading early: make's SIGPIPE is expected)
  line=$(make -C "$dir" -n -B "${musl_targets[0]}" 2>/dev/null | grep -m1 -- ' -c -o obj/src/.*\.lo ' || true)
  mkdir -p "$work/empty"
  printf '%s\n' '<Project Sdk="Microsoft.NET.Sdk">' \
    '  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><PublishAot>true</PublishAot>' \
    '    <InvariantGlobalization>true</InvariantGlobalization><UseSystemResourceKeys>true</UseSystemResourceKeys></PropertyGroup>' \
    '</Project>' >"$work/empty/empty.csproj"
  echo 'return 0;' >"$work/empty/Program.cs"
  dotnet publish "$work/empty" -c Release -r linux-x64 --nologo -v quiet -o "$work/empty/out" >/dev/null
  # one compile each first, so that both caches hold it (a miss when BENCH_BUILDS=0 left them empty)
  # shellcheck disable=SC2046,SC2086
  (cd "$dir" && $(cache_env farm-cc) "$farm_cc" $line && cd "$work/musl-ccache" && $(cache_env ccache) ccache $line) >>"$work/log" 2>&1
  for _ in $(seq "$rounds"); do
    # shellcheck disable=SC2046,SC2086
    a=$(cd "$dir" && twenty $(cache_env farm-cc) "$farm_cc" $line)
    # shellcheck disable=SC2046,SC2086
    b=$(cd "$work/musl-ccache" && twenty $(cache_env ccache) ccache $line)
    farm+="$a "; cc+="$b "; ratio+="$(echo "$a / $b" | bc -l) "
    # farm-cc-fast on the same directory and cache (its helper answers through farm-cc's manifest), with the helper's CPU
    h=$(helper_ms)
    # shellcheck disable=SC2046,SC2086
    f=$(cd "$dir" && twenty $(cache_env farm-cc) "$farm_cc-fast" $line)
    f=$(echo "$f + ($(helper_ms) - $h) / 20" | bc -l)
    fast+="$f "; fast_ratio+="$(echo "$f / $b" | bc -l) "
    a=$(twenty "$work/empty/out/empty"); empty+="$a "; floor+="$(echo "$a / $b" | bc -l) "
  done
  printf 'one hit (%s), CPU ms: farm-cc %.1f, ccache %.1f, farm-cc / ccache %.2f; farm-cc-fast and its helper %.1f, / ccache %.2f; an empty NativeAOT program %.1f, / ccache %.2f\n' \
    "${line##* }" "$(median <<<"$farm")" "$(median <<<"$cc")" "$(median <<<"$ratio")" "$(median <<<"$fast")" "$(median <<<"$fast_ratio")" "$(median <<<"$empty")" "$(median <<<"$floor")"
}
# twenty COMMAND...: CPU ms (user + system) per run of 20 runs in a row (bash's `times`: the subshell's children)
twenty() {
  (for _ in $(seq 20); do "$@" >/dev/null 2>&1; done; times) | tail -1 |
    awk '{ split($1, u, "m"); split($2, s, "m"); print (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 / 20 }'
}

echo "bench/farm-cc.sh: $(date -u '+%F %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), -j$jobs, $rounds rounds, $(gcc --version | head -1), $(ccache --version | head -1)"
echo "musl $(basename "$musl"): ${MUSL_DIRS:-lib/libc.a} (${#musl_targets[@]} make targets)"
[ "${BENCH_BUILDS:-1}" = 0 ] || run musl
hit
miss
if [ -n "$src" ]; then
  run hello
fi
