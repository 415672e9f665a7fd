#!/usr/bin/env bash
# Run by hand: times `farm kraftfile check` as a whole process (farm-bench) on the whole shared corpus
# and on one file, so start-up and per-file cost can be told apart. Results go into README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build farm/Farm/Farm.csproj -c Release -v quiet --nologo
farm=farm/Farm/bin/Release/net10.0/farm.dll
corpus=../shared/kraftfiles
mapfile -t files < <(find "$corpus" -type f ! -name README.md | sort)
echo "== ${#files[@]} Kraftfiles"
farm-bench -n 5 -- dotnet "$farm" kraftfile check --json "${files[@]}"
echo "== one Kraftfile"
farm-bench -n 5 -- dotnet "$farm" kraftfile check --json "$corpus/catalog/library/helloworld"
