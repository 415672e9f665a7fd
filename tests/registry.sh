#!/usr/bin/env bash
# A CNCF distribution registry (Debian docker-registry 2.8) for benchmarks run by hand, configured like the tests'
# RegistryServer: 127.0.0.1 only, a free port, filesystem storage in DIR, deletes enabled, no auth.
#   tests/registry.sh start DIR   # prints 127.0.0.1:PORT once the registry answers GET /v2/
#   tests/registry.sh stop DIR
# DIR also holds config.yml, registry.log and registry.pid.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
command -v docker-registry >/dev/null 2>&1 || {
  echo "registry.sh: docker-registry is not installed; run tests/install-packages.sh" >&2
  exit 1
}

dir=$2
pid_file=$dir/registry.pid

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running() {
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  pid_file=$dir/registry.pid
  if running; then
    echo "registry.sh: already running in $dir (pid $(cat "$pid_file"))" >&2
    exit 1
  fi

  for _ in 1 2 3 4 5; do
    local port
    port=$(free_port)
    cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  formatter: text
storage:
  filesystem:
    rootdirectory: '$dir'
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: '$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')'
YAML
    (
      # REGISTRY_* variables (REGISTRY_HTTP_ADDR, REGISTRY_AUTH...) would override the config file.
      for name in $(compgen -e); do
        case $name in REGISTRY_*) unset "$name" ;; esac
      done
      exec setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null
    ) &
    echo $! >"$pid_file"

    for _ in $(seq 200); do
      if ! running; then
        break
      fi
      if curl -fsS --noproxy '*' -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; then
        echo "127.0.0.1:$port"
        return
      fi
      sleep 0.05
    done

    if running; then
      stop
      echo "registry.sh: docker-registry did not answer on 127.0.0.1:$port within 10 s; see $dir/registry.log" >&2
      exit 1
    fi
    rm -f "$pid_file"
    # Someone took the port between our pick and the registry's bind: pick another.
    grep -q 'address already in use' "$dir/registry.log" || break
  done

  echo "registry.sh: docker-registry did not start; its log:" >&2
  cat "$dir/registry.log" >&2
  exit 1
}

stop() {
  if ! running; then
    rm -f "$pid_file"
    return
  fi

  local pid
  pid=$(cat "$pid_file")
  kill "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
  fi
  rm -f "$pid_file"
}

case $1 in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
