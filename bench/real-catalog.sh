#!/usr/bin/env bash
# The farm on the real Unikraft catalog (run by hand; nothing here is fetched into the repository):
#   bench/real-catalog.sh SRC_DIR [TARGETS]
# SRC_DIR holds git checkouts made outside the repository: unikraft/ (the core), app-helloworld/, app-httpreply/,
# lib-lwip/, and optionally app-nginx/ + lib-musl/ + lib-nginx/; and origins/, the library origin archives their
# Makefile.uk files download (the build sandbox has no network): lwIP's zip as `git archive --format=zip
# --prefix=fork-lwip-BRANCH/` of unikraft/fork-lwip (under TZ=America/Los_Angeles it is GitHub's zip byte for
# byte), musl-1.2.3.tar.gz from Debian's source package (`apt-get source musl`), nginx-VERSION.tar.gz.
# TARGETS defaults to qemu/x86_64,qemu/arm64. Versions: HELLO_CORE (default RELEASE-0.17.0) for helloworld,
# LIB_CORE (default RELEASE-0.16.3, the release lib-lwip and lib-musl were last tagged against) for the others.
# For each app, `farm build` three times, each building, booting (helloworld prints its greeting; httpreply and
# nginx are asked over HTTP, x-farm.smoke.http), publishing into an OCI layout and verifying the signed index:
#   cold       empty caches
#   warm       new build directories and no target cache; the object cache (farm-cc) kept
#   unchanged  everything kept: the target cache serves the kernels
# Prints one line per app and run: wall seconds, per-target state, cache hits. BENCH_APPS="helloworld httpreply"
# restricts the apps.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "${1:?usage: bench/real-catalog.sh SRC_DIR [TARGETS]}" && pwd)
targets=${2:-qemu/x86_64,qemu/arm64}
hello_core=${HELLO_CORE:-RELEASE-0.17.0}
lib_core=${LIB_CORE:-RELEASE-0.16.3}
tests/install-packages.sh
dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# farm-cc as the demo runs it (NativeAOT); BENCH_JIT_FARM_CC=1 keeps the framework-dependent one a plain
# `dotnet build` puts beside farm, to measure what it costs per compile.
if [ "${BENCH_JIT_FARM_CC:-0}" != 1 ]; then
  dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o "$work/farm-cc" >/dev/null
  export FARM_CC=$work/farm-cc/farm-cc
fi
mkdir -p "$work/apps"
"${farm[@]}" keygen --out "$work/key" >/dev/null

# An app: a copy of its sources (the checkout stays untouched) with a Kraftfile naming the local checkouts.
app() {
  local name=$1 from=$2
  mkdir -p "$work/apps/$name"
  cp -r "$src/$from/." "$work/apps/$name/"
  rm -rf "$work/apps/$name/.git" "$work/apps/$name/kraft.yaml" "$work/apps/$name/kraft.cloud.yaml"
  cat >"$work/apps/$name/Kraftfile"
}

app helloworld app-helloworld <<EOF
spec: v0.6
name: helloworld
unikraft:
  source: $src/unikraft
  version: $hello_core
targets:
  - platform: qemu
    architecture: x86_64
    kconfig:
      # QEMU's emulation has no RDSEED; a KVM worker boots the default (libukrandom on).
      - CONFIG_LIBUKRANDOM=n
  - qemu/arm64
x-farm:
  smoke:
    expect: "Hello world!"
EOF

lwip_kconfig='      - CONFIG_LWIP_UKNETDEV=y
      - CONFIG_LWIP_TCP=y
      - CONFIG_LWIP_THREADS=y
      - CONFIG_LWIP_SOCKET=y
      - CONFIG_LWIP_AUTOIFACE=y
      - CONFIG_LWIP_IPV4=y
      - CONFIG_LWIP_DHCP=y'

app httpreply app-httpreply <<EOF
spec: v0.6
name: httpreply
unikraft:
  source: $src/unikraft
  version: $lib_core
  kconfig:
    - CONFIG_LIBNOLIBC=y
    - CONFIG_LIBUKSCHED=y
    - CONFIG_LIBUKSCHEDCOOP=y
libraries:
  lwip:
    source: $src/lib-lwip
    kconfig:
$lwip_kconfig
      - CONFIG_LWIP_SOCKET_PPOLL=n
targets:
  - qemu/x86_64
  - qemu/arm64
x-farm:
  smoke:
    timeout: 90s
    http:
      port: 8123
      expect: "It works!"
EOF

apps=(helloworld httpreply)
if [ -d "$src/app-nginx" ] && [ -d "$src/lib-nginx" ] && [ -d "$src/lib-musl" ]; then
  app nginx app-nginx <<EOF
spec: v0.6
name: nginx
unikraft:
  source: $src/unikraft
  version: $lib_core
  kconfig:
    - CONFIG_LIBUKLIBPARAM=y
    - CONFIG_LIBUKSCHEDCOOP=y
    - CONFIG_LIBPOSIX_LIBDL=y
    - CONFIG_LIBPOSIX_PROCESS=y
    - CONFIG_LIBPOSIX_USER=y
    - CONFIG_UKSYSINFO=y
    - CONFIG_LIBUKSIGNAL=y
    - CONFIG_LIBUKMMAP=y
    - CONFIG_LIBUKTIME=y
    - CONFIG_LIBVFSCORE_AUTOMOUNT_ROOTFS=y
    - CONFIG_LIBVFSCORE_ROOTFS_INITRD=y
    - CONFIG_LIBVFSCORE_ROOTFS="initrd"
libraries:
  musl:
    source: $src/lib-musl
  lwip:
    source: $src/lib-lwip
    kconfig:
$lwip_kconfig
      - CONFIG_LWIP_WND_SCALE=y
      - CONFIG_LWIP_TCP_KEEPALIVE=y
      - CONFIG_LWIP_DNS=y
  nginx:
    source: $src/lib-nginx
    kconfig:
      - CONFIG_LIBNGINX_MAIN_FUNCTION=y
rootfs: ./rootfs
targets:
  - qemu/x86_64
  - qemu/arm64
x-farm:
  smoke:
    timeout: 120s
    http:
      port: 80
      expect: "nginx"
EOF
  apps+=(nginx)
else
  echo "bench/real-catalog.sh: no app-nginx, lib-nginx and lib-musl in $src: nginx left out" >&2
fi

export XDG_CACHE_HOME=$work/xdg Farm__Worker__CacheDirectory=$work/worker Farm__Worker__OriginsDirectory=$src/origins
run() {
  local name=$1 mode=$2 start end
  start=$(date +%s.%N)
  "${farm[@]}" build "$work/apps/$name" --allow-outside-sources --targets "$targets" --output "oci:$work/oci:$name" \
    --sign-key "$work/key.pem" --json >"$work/$name-$mode.json" 2>"$work/$name-$mode.log" || true
  end=$(date +%s.%N)
  "${farm[@]}" verify "oci:$work/oci:$name" --key "$work/key.pub" >/dev/null 2>&1 && verified=verified || verified=UNVERIFIED
  python3 - "$work/$name-$mode.json" "$name" "$mode" "$start" "$end" "$verified" <<'PY'
import json, sys
path, name, mode, start, end, verified = sys.argv[1:]
seconds = float(end) - float(start)
try:
    build = json.load(open(path))["builds"][0]
except Exception as error:
    print(f"{name:10} {mode:9} {seconds:7.1f} s  no result: {error}")
    sys.exit(0)
parts = []
for t in build["targets"]:
    cache = t.get("cache") or {}
    part = f'{t["platform"]}/{t["architecture"]} {t["state"]}'
    if t.get("cached"):
        part += " (target cache)"
    elif t["state"] == "succeeded":
        part += f' build {t.get("seconds")} s boot {t.get("bootSeconds")} s hits {cache.get("hits", 0)}/{cache.get("hits", 0) + cache.get("misses", 0)}'
    else:
        part += f': {t.get("reason")}'
    parts.append(part)
print(f"{name:10} {mode:9} {seconds:7.1f} s  {build['state']} {verified}; " + "; ".join(parts))
PY
}

[ -n "${BENCH_APPS:-}" ] && read -ra apps <<<"$BENCH_APPS"
for name in "${apps[@]}"; do
  run "$name" cold
  rm -rf "$work/worker/work" "$work/worker/targets" "$work/xdg/unikernel-farm/work"
  run "$name" warm
  run "$name" unchanged
done
