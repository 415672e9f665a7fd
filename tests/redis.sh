#!/usr/bin/env bash
# A loopback redis-server configured like the cache tests' RedisServer (127.0.0.1 only, a free port, no
# persistence, maxmemory with allkeys-lru), for benchmarks and FARM_CACHE_REDIS runs by hand.
#   tests/redis.sh start DIR [MAXMEMORY]   # prints 127.0.0.1:PORT once the server answers PING (default 64mb)
#   tests/redis.sh stop DIR
# DIR also holds redis.log and redis.pid.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [MAXMEMORY] | stop DIR" >&2
  exit 2
}

[ $# -ge 2 ] || usage
command -v redis-server >/dev/null 2>&1 || {
  echo "redis.sh: redis-server is not installed; run tests/install-packages.sh" >&2
  exit 1
}

dir=$2
pid_file=$dir/redis.pid

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running() {
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

start() {
  local max_memory=${1:-64mb}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  pid_file=$dir/redis.pid
  if running; then
    echo "redis.sh: already running in $dir (pid $(cat "$pid_file"))" >&2
    exit 1
  fi

  for _ in 1 2 3 4 5; do
    local port
    port=$(free_port)
    setsid redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
      --maxmemory "$max_memory" --maxmemory-policy allkeys-lru --dir "$dir" --logfile "" \
      >"$dir/redis.log" 2>&1 </dev/null &
    echo $! >"$pid_file"

    for _ in $(seq 200); do
      running || break
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
        echo "127.0.0.1:$port"
        return
      fi
      sleep 0.05
    done

    if running; then
      stop
      echo "redis.sh: redis-server did not answer PING on 127.0.0.1:$port within 10 s; see $dir/redis.log" >&2
      exit 1
    fi
    rm -f "$pid_file"
    # Someone took the port between our pick and the server's bind: pick another.
    grep -q 'Address already in use' "$dir/redis.log" || break
  done

  echo "redis.sh: redis-server did not start; its log:" >&2
  cat "$dir/redis.log" >&2
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
  start) [ $# -le 3 ] || usage; start "${3:-}" ;;
  stop) [ $# -eq 2 ] || usage; stop ;;
  *) usage ;;
esac
