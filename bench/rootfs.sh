#!/usr/bin/env bash
# Dockerfile rootfs build times, cold (buildah) and from the layer cache (run by hand):
#   bench/rootfs.sh [RUNS]
# Two Dockerfiles, both FROM scratch (no network): examples/hello-rootfs (one small file) and a generated context of
# 2,000 files, 64 MiB. "cold": an empty cache directory, buildah builds and the result is flattened into a cpio;
# "cached": a new work directory, the same cache: the cpio comes from the layer cache. The time is the rootfs step
# (the worker's own log line), and the whole `worker build-target` (runtime kernel, rootfs, boot).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tests/install-packages.sh
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
dotnet build worker/Farm.Worker -c Release --nologo -v quiet >/dev/null
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
worker=(dotnet worker/Farm.Worker/bin/Release/net10.0/worker.dll)
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -c /dev/null ] || echo "bench/rootfs.sh: /dev/null is no longer a character device: something replaced it" >&2' EXIT

# The runtime both apps boot on, and the big app.
XDG_CACHE_HOME=$work/base-cache "${farm[@]}" build examples/base --targets qemu/x86_64 --output "oci:$work/catalog" >/dev/null
big=$work/big-rootfs
mkdir -p "$big/files"
cp examples/hello-rootfs/Kraftfile "$big/Kraftfile"
sed -i 's/^name: hello-rootfs/name: big-rootfs/; s/Hello from a Dockerfile rootfs/base runtime ready/' "$big/Kraftfile"
cp examples/hello-rootfs/message.txt "$big/message.txt"
for i in $(seq 2000); do head -c 32768 /dev/urandom >"$big/files/f$i.bin"; done
printf 'FROM scratch\nCOPY message.txt /etc/message.txt\nCOPY files/ /srv/files/\n' >"$big/Dockerfile"

# timed APP CACHE: prints "rootfs_s total_s hit"
timed() {
  local start end log
  log=$work/log.$$.$RANDOM
  start=$(date +%s.%N)
  XDG_CACHE_HOME=$2 "${worker[@]}" build-target "$1" --target qemu/x86_64 --out "$work/out" \
    --runtime-mirror "unikraft.org=oci:$work/catalog" >/dev/null 2>"$log"
  end=$(date +%s.%N)
  python3 - "$log" "$(echo "$end - $start" | bc)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
built = re.search(r"built by .* for \S+ in ([0-9.]+) s, (\d+) bytes", text)
hit = "layer cache hit" in text
print(f'{built.group(1) if built else "-"} {float(sys.argv[2]):.2f} {"hit" if hit else "miss"}')
PY
}

printf '%-14s %-7s %10s %10s %6s\n' app phase rootfs_s total_s cache
for run in $(seq "$runs"); do
  for app in examples/hello-rootfs "$big"; do
    cache=$work/cache-$run-$(basename "$app")
    read -r r t h <<<"$(timed "$app" "$cache")"; printf '%-14s %-7s %10s %10s %6s\n' "$(basename "$app")" cold "$r" "$t" "$h"
    rm -rf "$cache/unikernel-farm/rootfs"
    read -r r t h <<<"$(timed "$app" "$cache")"; printf '%-14s %-7s %10s %10s %6s\n' "$(basename "$app")" cached "$r" "$t" "$h"
  done
done
