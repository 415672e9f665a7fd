#!/usr/bin/env bash
# The main job: the embedded farm builds the example catalog. `farm build` plans every Kraftfile in examples/
# into one job per target, runs them on this host's worker (Hangfire in memory, compiles through farm-cc and its
# local cache), boots each kernel on its hypervisor (QEMU emulated when KVM does not work, linuxu as a process),
# packages it, and publishes one signed multi-platform index per app into the OCI layout out/catalog (one tag
# per app, its name; the public key to verify them is out/catalog.pub). Targets this host cannot serve
# (Firecracker, Xen without those installed) are reported as skipped with the reason. A second run is served
# by the target cache: nothing is built or booted again.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: the .NET SDK 10 is required (dotnet on PATH)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tests/install-packages.sh
dotnet build farm/Farm/Farm.csproj -c Release --nologo -v quiet
# farm-cc, the compiler wrapper of the object cache (NativeAOT: a few milliseconds per compile).
dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o out/farm-cc >/dev/null
export FARM_CC=$PWD/out/farm-cc/farm-cc
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)

# Every app; those on a runtime (httpserver, hello-rootfs on examples/base) run after the runtime they name.
apps=()
for kraftfile in examples/*/Kraftfile; do apps+=("$(dirname "$kraftfile")"); done

echo "== farm kraftfile check ${apps[*]}"
"${farm[@]}" kraftfile check "${apps[@]}"

key=out/catalog
mkdir -p out
[ -f "$key.pem" ] || "${farm[@]}" keygen --out "$key" >/dev/null
echo
echo "== farm build ${apps[*]} --output oci:out/catalog --sign-key $key.pem"
status=0
# Paths a Kraftfile names must stay in its source tree: for farm build, the git work tree holding it. The apps
# name ../fixture-core, inside this repository; only a copy without .git (an unpacked archive) needs the flag.
outside=()
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || outside=(--allow-outside-sources)
"${farm[@]}" build "${apps[@]}" --output oci:out/catalog --sign-key "$key.pem" "${outside[@]}" || status=$?

# What was published: each app's index, its signatures, and its platforms.
for app in "${apps[@]}"; do
  name=$(basename "$app")
  reference="oci:out/catalog:$name"
  "${farm[@]}" inspect "$reference" >/dev/null 2>&1 || continue
  echo
  echo "== $reference"
  "${farm[@]}" verify "$reference" --key "$key.pub" | tail -n 1
  "${farm[@]}" inspect "$reference"
done
exit "$status"
