#!/usr/bin/env bash
# The main job: check, plan and build every example in examples/ for each of its targets, boot each
# kernel on its hypervisor (QEMU emulated when KVM does not work, linuxu as a process), and print one
# line per target. Targets this host cannot boot (Firecracker, Xen without those installed) are built
# and checked structurally, and reported as "not booted". Results land in out/demo/<app>/<target>/; each
# passed target is packaged into out/demo/oci/<app> (an OCI layout: one signed multi-platform index per app).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: the .NET SDK 10 is required (dotnet on PATH)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tests/install-packages.sh
dotnet build farm/Farm/Farm.csproj -c Release --nologo -v quiet
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)
worker=(dotnet worker/Farm.Worker/bin/Release/net10.0/worker.dll)

apps=()
for kraftfile in examples/*/Kraftfile; do apps+=("$(dirname "$kraftfile")"); done

echo "== farm kraftfile check ${apps[*]}"
"${farm[@]}" kraftfile check "${apps[@]}"
echo
echo "== worker capabilities"
"${worker[@]}" capabilities

failed=0
for app in "${apps[@]}"; do
  echo
  echo "== farm plan $app"
  "${farm[@]}" plan "$app"
  # One job per target, named by its kernel file (unique within a Kraftfile); a runtime-only
  # Kraftfile has none to build from source.
  mapfile -t jobs < <("${farm[@]}" plan --json "$app" | python3 -c '
import json, sys
for job in json.load(sys.stdin)["jobs"]:
    print(job["kernel"], job["target"], job["platform"] + "/" + job["architecture"])')
  for job in "${jobs[@]}"; do
    read -r kernel name platarch <<<"$job"
    out="out/demo/$(basename "$app")/$kernel"
    mkdir -p "$out"
    status=0
    summary=$("${worker[@]}" build-target "$app" --target "$kernel" --out "$out" --build-dir "out/build/$kernel" \
      2>"$out/worker.log") || status=$?
    case $status in
      0) echo "$summary"
         # Package the passed target into the app's multi-platform index (an OCI layout kraft and skopeo read).
         "${farm[@]}" pkg --kernel "$out/$kernel" --config "$out/.config" --plat "${platarch%/*}" \
           --arch "${platarch#*/}" --kraftfile "$app" --name "$name" "oci:out/demo/oci/$(basename "$app"):latest" >/dev/null ;;
      3) echo "$kernel: built and checked, not booted: ${summary#*FAILED — }" ;;
      *) echo "$summary"; tail -n 20 "$out/worker.log"; failed=1 ;;
    esac
  done
done

# Sign every index and platform manifest (cosign format), verify, and show what was published.
key=out/demo/signing-key
[ -f "$key.pem" ] || "${farm[@]}" keygen --out "$key" >/dev/null
for index in out/demo/oci/*/; do
  reference="oci:${index%/}:latest"
  echo
  echo "== $reference"
  "${farm[@]}" sign "$reference" --key "$key.pem" >/dev/null
  "${farm[@]}" verify "$reference" --key "$key.pub" | tail -n 1
  "${farm[@]}" inspect "$reference"
done
exit "$failed"
