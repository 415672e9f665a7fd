#!/usr/bin/env bash
# Runs every test of the farm. Needs the .NET SDK 10; installs what the tests use from Debian when it
# is missing (compilers and QEMU for the worker's real builds and boots: tests/install-packages.sh).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK 10 is required (dotnet on PATH)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tests/install-packages.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build Farm.sln -c Release --nologo -v quiet
status=0
# A test that hangs is stopped after 20 minutes and named (VSTest's blame), instead of holding CI until its limit.
dotnet test Farm.sln -c Release --no-build --nologo --blame-hang-timeout 20m --blame-hang-dump-type none 2>&1 | tee "$log" || status=$?

# The Ansible roles: lint, a real converge of site.yml on a throwaway Debian root, idempotence, verify, check mode.
ansible_status=passed
tests/ansible/run.sh || { ansible_status=failed; status=1; }
echo "ansible: $ansible_status"

# One closing line for CI, summed over the test projects: "N passed, N failed, N skipped".
awk '/^(Passed|Failed)! +-/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
       }
       projects++
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s; if (projects == 0) exit 1 }' "$log" || status=1
# A tripwire: something that writes files in place once turned this host's /dev/null into a regular file.
[ -c /dev/null ] || { echo "test.sh: /dev/null is no longer a character device: a test or the farm replaced it" >&2; status=1; }
exit "$status"
