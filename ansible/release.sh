#!/usr/bin/env bash
# Publishes this checkout's farm (a native front and the .NET farm-host), worker and farm-cc for linux-x64
# (self-contained: hosts need no .NET) into one reproducible tar, the release the farm and worker roles copy to hosts
# (farm_release_archive, worker_release_archive).
# Usage: ansible/release.sh OUT.tar [--jit-farm-cc]
#   --jit-farm-cc  farm-cc as a JIT program beside the others (seconds to publish, about 60 ms per compile to start)
#                  instead of NativeAOT (over a minute to publish, a few ms to start): for tests, not for a fleet.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT.tar [--jit-farm-cc]" >&2; exit 2; }
out=$(realpath -m "$1")
jit=false
[ "${2:-}" = "--jit-farm-cc" ] && jit=true
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# dotnet prints its errors on stdout: shown only when a publish fails.
publish() {
  dotnet publish "$root/$1" -c Release -r linux-x64 --self-contained --nologo -v quiet -o "$stage/bin" "${@:2}" >"$stage/publish.log" 2>&1 \
    || { cat "$stage/publish.log" >&2; echo "release.sh: dotnet publish $1 failed" >&2; exit 1; }
}
publish farm/Farm
publish worker/Farm.Worker
# `farm` is the native front (farm/Farm.Front): it runs Kraftfile, plan and OCI commands itself and replaces itself with
# the .NET farm, renamed farm-host, for the others (serve, build, cache). Its apphost finds farm.dll whatever its name.
mv "$stage/bin/farm" "$stage/bin/farm-host"
dotnet publish "$root/farm/Farm.Front" -c Release -r linux-x64 --nologo -v quiet -o "$stage/front" >"$stage/publish.log" 2>&1 \
  || { cat "$stage/publish.log" >&2; echo "release.sh: dotnet publish farm/Farm.Front (NativeAOT) failed" >&2; exit 1; }
cp "$stage/front/farm-front" "$stage/bin/farm"
if $jit; then
  publish cache/Farm.Cache.Cc
else
  dotnet publish "$root/cache/Farm.Cache.Cc" -c Release -r linux-x64 --nologo -v quiet -o "$stage/aot" >"$stage/publish.log" 2>&1 \
    || { cat "$stage/publish.log" >&2; echo "release.sh: dotnet publish cache/Farm.Cache.Cc (NativeAOT) failed" >&2; exit 1; }
  cp "$stage/aot/farm-cc" "$stage/bin/farm-cc"
  # the C front of the resident helper, when the host had a C compiler to build it (README: farm-cc outside the farm)
  [ ! -e "$stage/aot/farm-cc-fast" ] || cp "$stage/aot/farm-cc-fast" "$stage/bin/farm-cc-fast"
fi
rm -f "$stage"/bin/*.pdb "$stage"/bin/*.dbg
git -C "$root" rev-parse HEAD > "$stage/bin/VERSION" 2>/dev/null || echo unknown > "$stage/bin/VERSION"
# The same binaries give the same archive, byte for byte: a second converge copies nothing.
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$stage/bin" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out: $(du -h "$out" | cut -f1), sha256 $(sha256sum "$out" | cut -d' ' -f1)"
