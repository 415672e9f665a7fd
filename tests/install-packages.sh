#!/usr/bin/env bash
# Installs the Debian packages the worker needs to build and boot kernels, when they are missing:
# make and gcc, flex and bison (Unikraft's kconfig builds its conf tool with them), the arm64 cross compiler, QEMU for x86_64 and arm64, git, python3 (the fixture core's
# kconfig), util-linux's `script` (the linuxu pseudo-terminal), the CNCF registry and skopeo (the OCI
# tests' real registry and third-party client), openssl and Node.js with npm (npm @sigstore/verify checks our
# signatures; it needs node >= 20.17, which this machine kind ships), redis-server (the cache's hot tier),
# ccache (the cache benchmark's yardstick) and clang (farm-cc is published with NativeAOT, which links
# with it), PostgreSQL (the farm's state and Hangfire's storage), GNU cpio (reads our initrds in tests), buildah (Dockerfile rootfs, daemonless),
# bubblewrap (the build sandbox: every make and every boot of untrusted code runs in it) and shellcheck (every
# script of the repository is checked by a test), and for the Ansible test (tests/ansible/run.sh) ansible,
# ansible-lint, yamllint, debootstrap and curl, and chromium (the dashboard's browser tests drive it through
# Playwright; Playwright's own browser download is never used), and golang-go (Go's archive/tar writes the
# reference layer the farm's kernel tar must equal byte for byte). Idempotent; quiet when all is there.
set -euo pipefail

declare -A wanted=(
  [make]=make
  [flex]=flex
  [bison]=bison
  [gcc]=gcc
  [git]=git
  [python3]=python3
  [script]=bsdutils
  [aarch64-linux-gnu-gcc]=gcc-aarch64-linux-gnu
  [aarch64-linux-gnu-ld]=binutils-aarch64-linux-gnu
  [qemu-system-x86_64]=qemu-system-x86
  [qemu-system-aarch64]=qemu-system-arm
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [openssl]=openssl
  [redis-server]=redis-server
  [ccache]=ccache
  [clang]=clang
  [node]=nodejs
  [npm]=npm
  [pg_ctlcluster]=postgresql
  [cpio]=cpio
  [buildah]=buildah
  [bwrap]=bubblewrap
  [shellcheck]=shellcheck
  [ansible-playbook]=ansible
  [ansible-lint]=ansible-lint
  [yamllint]=yamllint
  [debootstrap]=debootstrap
  [curl]=curl
  [chromium]=chromium
  [go]=golang-go
)

missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
