#!/usr/bin/env bash
# The main job, today: check and plan every example Kraftfile under examples/ with the farm CLI.
# (Later slices turn this into a real build of the catalog on the embedded default.)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: the .NET SDK 10 is required (dotnet on PATH)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build farm/Farm/Farm.csproj -c Release --nologo -v quiet
farm=(dotnet farm/Farm/bin/Release/net10.0/farm.dll)

echo "== farm kraftfile check examples/*"
"${farm[@]}" kraftfile check examples/*/

for app in examples/*/; do
  echo
  echo "== farm plan ${app%/}"
  "${farm[@]}" plan "${app%/}"
done
