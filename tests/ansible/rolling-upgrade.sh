# shellcheck shell=bash disable=SC2154 # root, vault, work and pids are set by run.sh, which sources this file
# Sourced by run.sh once the deployed farm has built helloworld: the rolling upgrade of the workers, tested as issue 15
# asks. While the "slow" app's target builds on throwaway-1, playbooks/upgrade-workers.yml drains the worker through
# the farm's API, waits until it has finished that target, installs the release, waits for the restarted worker's
# heartbeat and resumes it. Checked as a user would: the running build succeeds, its target ran once (attempt 0 in
# farm.targets, one Processing state in Hangfire's history), the worker serves again with a fresh heartbeat, and a
# build submitted after the upgrade succeeds.
#
# The throwaway host has no systemd, so the play's "Restart the workers" task is skipped (worker_manage_service:
# false) and this script does what systemd would: when the play waits for the heartbeat, it stops the old worker
# (SIGTERM, as systemd's stop) and starts the unit again as it says, exactly as the verify step started it.
farm_url=http://127.0.0.1:$FARM_CI_FARM_PORT
in_postgres() {
  chroot "$root" setpriv --reuid=postgres --regid=postgres --init-groups -- \
    psql -X -q -At -p "$FARM_CI_POSTGRES_PORT" -d farm -c "$1"
}
json() { python3 -c "import json, sys; data = json.loads(sys.argv[1]); print($1)" "$2"; }

slow_id=$(submit slow "127.0.0.1:$FARM_CI_REGISTRY_PORT/apps/slow:ci")
deadline=$((SECONDS + 120))
until [ "$(json 'data["targets"][0]["state"]' "$(api "$farm_url/api/builds/$slow_id")")" = running ]; do
  [ $SECONDS -lt $deadline ] || fail "build $slow_id did not start on the worker within 120 s"
  sleep 0.5
done
before=$(api "$farm_url/api/workers")

ansible-playbook -i inventories/ci "${vault[@]}" playbooks/upgrade-workers.yml >"$work/upgrade.log" 2>&1 &
upgrade_pid=$!
# The play says it waits for the heartbeat once the worker is drained and the release installed: restart it then.
deadline=$((SECONDS + 400))
until grep -q '^TASK \[Wait for their heartbeat\]' "$work/upgrade.log"; do
  kill -0 "$upgrade_pid" 2>/dev/null || { wait "$upgrade_pid" || true; tail -30 "$work/upgrade.log" >&2; fail "upgrade-workers.yml ended before waiting for the heartbeat"; }
  [ $SECONDS -lt $deadline ] || { tail -30 "$work/upgrade.log" >&2; fail "upgrade-workers.yml did not reach the heartbeat wait within 400 s"; }
  sleep 0.5
done
[ "$(json '[w["drain"] for w in data if w["name"] == "throwaway-1"][0]' "$(api "$farm_url/api/workers")")" = drained ] \
  || fail "the play went on to the upgrade before throwaway-1 was drained"
# The target had finished before the worker was stopped (else the build fails or is retried, checked below).
[ "$(json 'data["targets"][0]["state"]' "$(api "$farm_url/api/builds/$slow_id")")" = succeeded ] \
  || fail "throwaway-1 said drained while build $slow_id's target had not finished"
kill -TERM -- "-$worker_pid" 2>/dev/null || true
deadline=$((SECONDS + 35))
# Gone, or a zombie nobody has reaped yet (it was started by start-unit.py, not by this shell).
while ps -o stat= -p "$worker_pid" | grep -qv Z; do
  [ $SECONDS -lt $deadline ] || { kill -KILL -- "-$worker_pid" 2>/dev/null; break; }
  sleep 0.5
done
start farm-worker@1
worker_pid=${pids[-1]}
wait "$upgrade_pid" || { tail -30 "$work/upgrade.log" >&2; fail "upgrade-workers.yml failed (log: $work/upgrade.log)"; }
grep -q '^throwaway .*failed=0' "$work/upgrade.log" || { tail -30 "$work/upgrade.log" >&2; fail "upgrade-workers.yml recap shows a failure"; }
# The play found the worker still draining at least once: the drain came while the target ran, so it was waited for.
grep -q '^FAILED - RETRYING: .*Wait until they have finished their running targets' "$work/upgrade.log" \
  || fail "the drain came after build $slow_id's target had ended: the test proved nothing (make the slow app slower)"

wait_build "$slow_id"
# One row per target: state, attempt, and how many times a worker began a job of it (Hangfire's Processing states).
runs=$(in_postgres "SELECT t.state, t.attempt, (SELECT count(*) FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id
  WHERE s.name = 'Processing' AND j.invocationdata::text LIKE '%ITargetBuildJob%'
    AND (j.arguments::jsonb ->> 0) = to_json(t.build_id)::text AND (j.arguments::jsonb ->> 1) = to_json(t.name)::text)
  FROM farm.targets t WHERE t.build_id = '$slow_id'") || fail "cannot read build $slow_id's targets from PostgreSQL"
[ "$runs" = "succeeded|0|1" ] || fail "build $slow_id's target did not run exactly once (state|attempt|processing: $runs)"

after=$(api "$farm_url/api/workers")
# Serving, alive, started again since the upgrade began, and a heartbeat within the last 60 s of the farm's clock.
python3 - "$before" "$after" <<'EOF' || fail "throwaway-1 is not serving again after the upgrade: $after"
import datetime, json, sys
before = {w["name"]: w for w in json.loads(sys.argv[1])}["throwaway-1"]
after = {w["name"]: w for w in json.loads(sys.argv[2])}["throwaway-1"]
# The farm writes UTC; a time without an offset is UTC too.
parse = lambda text: datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc)
age = datetime.datetime.now(datetime.timezone.utc) - parse(after["heartbeat"])
print(f"ansible-test:   throwaway-1 after the upgrade: {after['state']}, {after['drain']}, heartbeat {age.total_seconds():.0f} s ago")
sys.exit(0 if after["state"] == "alive" and after["drain"] == "serving" and after["started"] != before["started"]
         and age < datetime.timedelta(seconds=60) else 1)
EOF
after_id=$(submit helloworld "127.0.0.1:$FARM_CI_REGISTRY_PORT/apps/helloworld:after-upgrade")
wait_build "$after_id"
step "rolling upgrade: build $slow_id ran once through the upgrade; throwaway-1 serves again and built $after_id"
