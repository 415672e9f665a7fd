#!/usr/bin/env bash
# Installs @sigstore/verify at the version package-lock.json pins, once: the third-party check in the signing
# tests runs `node verify.mjs` after this. Needs node and npm (Debian: apt-get install nodejs npm).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -d node_modules/@sigstore/verify ]; then
  npm ci --silent --no-audit --no-fund
fi
