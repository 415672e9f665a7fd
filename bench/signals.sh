#!/usr/bin/env bash
# Live signals of farm serve (run by hand): bench/signals.sh [SAMPLES]
# Measures, over SAMPLES (default 20) samples each, p50/p95 of
#   log line -> SSE client: a line inserted into farm.logs (it carries the database's clock at insert) until it arrives
#                           at a client of GET /api/builds/{id}/logs;
#   cancel -> stream ended: POST /api/builds/{id}/cancel of a build with a running target until that target's log
#                           stream sends its end event (the same Targets watch the worker's cancel uses).
# Samples are spaced by a random 0.2-0.9 s so they land anywhere in a poll interval.
# FARM_DLL=path/to/farm.dll measures another build of the farm (e.g. a checkout before LISTEN/NOTIFY).
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-20}
tests/install-packages.sh
command -v psql >/dev/null || { echo "bench/signals.sh: needs psql (postgresql-client)" >&2; exit 1; }
farm_dll=${FARM_DLL:-farm/Farm/bin/Release/net10.0/farm.dll}
[ -n "${FARM_DLL:-}" ] || dotnet build farm/Farm -c Release --nologo -v quiet >/dev/null
work=$(mktemp -d)
mkdir -p "$work/pg"
postgres=$(tests/postgres.sh start "$work/pg")
farm_pid=
cleanup() {
  [ -z "$farm_pid" ] || kill "$farm_pid" 2>/dev/null || true
  tests/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
token=bench-operator-token-0123456789
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ConnectionStrings__Postgres="$postgres" Farm__ApiTokens__0="operator:$token" \
  dotnet "$farm_dll" serve --urls "http://127.0.0.1:$port" >"$work/farm.log" 2>&1 &
farm_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 0.5
done
pg_port=$(echo "$postgres" | sed -n 's/.*Port=\([0-9]*\).*/\1/p')
export PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=postgres PGDATABASE=postgres
# One build per sample with one running target; "tail" is the build the log lines go to.
psql -v ON_ERROR_STOP=1 -q <<SQL
INSERT INTO farm.builds (id, app, kraftfile, output, scope, created, state, open_targets)
SELECT id, 'app', 'Kraftfile', 'oci:out:app', 'trusted', now(), 'running', 1
FROM (SELECT 'c' || i AS id FROM generate_series(1, $samples) i UNION ALL SELECT 'tail') AS b;
INSERT INTO farm.targets (build_id, name, target, platform, architecture, queue, state, position, started)
SELECT id, 'app_qemu-x86_64', 'app', 'qemu', 'x86_64', 'qemu-x86_64', 'running', 0, now() FROM farm.builds;
SQL
URL="http://127.0.0.1:$port" TOKEN=$token SAMPLES=$samples python3 - <<'PY'
import http.client, os, random, subprocess, threading, time, urllib.request

url, token, samples = os.environ["URL"], os.environ["TOKEN"], int(os.environ["SAMPLES"])
host, port = url.removeprefix("http://").split(":")

def stream(build, on_line, on_end, opened):
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    connection.request("GET", f"/api/builds/{build}/logs?target=app_qemu-x86_64", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    assert response.status == 200, response.status
    opened.set()
    event = None
    while True:
        line = response.fp.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith("event: end"):
            on_end(time.time())
            return
        if line.startswith("data: ") and line[6:].isdigit():
            on_line(time.time(), int(line[6:]) / 1e6)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000

# Log lines: the line is the database's clock (clock_timestamp(), microseconds) when it was inserted.
arrivals, got = [], threading.Event()
opened = threading.Event()
def on_line(now, sent):
    arrivals.append(now - sent)
    got.set()
threading.Thread(target=stream, args=("tail", on_line, lambda _: None, opened), daemon=True).start()
opened.wait(30)
time.sleep(1)
for i in range(samples):
    time.sleep(random.uniform(0.2, 0.9))
    got.clear()
    subprocess.run(["psql", "-q", "-c", "INSERT INTO farm.logs (build_id, name, line) VALUES ('tail', 'app_qemu-x86_64', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text)"], check=True)
    if not got.wait(30):
        raise SystemExit("a log line did not arrive within 30 s")

# Cancels: one build each; the stream's end event is the farm seeing the target final.
cancels = []
for i in range(1, samples + 1):
    ended, opened = threading.Event(), threading.Event()
    at = {}
    thread = threading.Thread(target=stream, args=(f"c{i}", lambda *_: None, lambda now: (at.setdefault("end", now), ended.set()), opened), daemon=True)
    thread.start()
    opened.wait(30)
    time.sleep(random.uniform(0.2, 0.9))
    start = time.time()
    request = urllib.request.Request(f"{url}/api/builds/c{i}/cancel", method="POST", headers={"Authorization": f"Bearer {token}"})
    urllib.request.urlopen(request, timeout=30).read()
    if not ended.wait(30):
        raise SystemExit("a cancelled target's stream did not end within 30 s")
    cancels.append(at["end"] - start)

print(f"log line -> SSE client   p50 {pct(arrivals, .5):7.1f} ms   p95 {pct(arrivals, .95):7.1f} ms   ({len(arrivals)} samples)")
print(f"cancel -> stream ended   p50 {pct(cancels, .5):7.1f} ms   p95 {pct(cancels, .95):7.1f} ms   ({len(cancels)} samples)")
PY
