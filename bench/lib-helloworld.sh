# shellcheck shell=bash
# Shared by bench/incremental.sh and bench/next-commit.sh (sourced, not run): the worker and a NativeAOT farm-cc built,
# a work directory removed at exit, and the real app-helloworld (SRC_DIR/app-helloworld, a checkout outside the
# repository) set up as a farm app on SRC_DIR/unikraft. The caller sets `set -euo pipefail` and cds to the repository.
dotnet build worker/Farm.Worker -c Release --nologo -v quiet >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish cache/Farm.Cache.Cc -c Release -r linux-x64 --nologo -v quiet -o "$work/farm-cc" >/dev/null
# shellcheck disable=SC2034 # used by the scripts that source this file
worker=(dotnet worker/Farm.Worker/bin/Release/net10.0/worker.dll)
export FARM_CC=$work/farm-cc/farm-cc

# seconds RESULT_JSON: the worker's buildSeconds (configuration, make, the snapshot; no boot or packaging).
seconds() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["buildSeconds"])' "$1"; }

# helloworld_app SRC_DIR APP_DIR: app-helloworld copied to APP_DIR with a Kraftfile for qemu/x86_64 on SRC_DIR/unikraft.
helloworld_app() {
  cp -r "$1/app-helloworld" "$2"
  rm -rf "$2/.git" "$2/kraft.yaml" "$2/kraft.cloud.yaml"
  cat >"$2/Kraftfile" <<KRAFT
spec: v0.6
name: helloworld
unikraft:
  source: $1/unikraft
  version: RELEASE-0.17.0
targets:
  - platform: qemu
    architecture: x86_64
    kconfig:
      - CONFIG_LIBUKRANDOM=n
x-farm:
  smoke:
    expect: "Hello world!"
KRAFT
}

# change_main APP_DIR MESSAGE: one printf more in main.c.
change_main() {
  sed -i "s|\tprintf(\"Hello world!\\\\n\");|\tprintf(\"Hello world!\\\\n\");\n\tprintf(\"$2\\\\n\");|" "$1/main.c"
  grep -q "$2" "$1/main.c"
}

# make_line BUILD_LOG: make's own command line as the worker ran it, without the cache launcher (a developer's make).
make_line() { grep '^\$ make ' "$1" | grep -v -e ' defconfig$' -e ' prepare$' | tail -1 | sed -e 's/^\$ //' -e "s/ 'CC=[^']*'//"; }
