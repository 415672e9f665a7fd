#!/usr/bin/env bash
# The Ansible test, as Molecule would run it, without Docker: lint, syntax, converge of site.yml on a throwaway
# Debian 12 root, converge again expecting changed=0, verify (the services started as their units say, a build of
# examples/helloworld through the deployed farm, its signature checked with the key the play installed), the KVM
# check of the worker role, the worker role's removal, and check mode on a fresh root. Run by ./test.sh.
#
# The throwaway host is a debootstrap root reached with the community.general.chroot connection rather than
# localhost under a prefix: the roles then do exactly what they do on a fleet (apt, users, /etc, units), and nothing
# lands on the machine running the test. Its services share the machine's network, on free loopback ports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
started=$(date +%s)
step() { printf 'ansible-test: [%3ds] %s\n' $(($(date +%s) - started)) "$*"; }
fail() { echo "ansible-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, mounts, chroot)"
work=$(mktemp -d /var/tmp/farm-ansible-test.XXXXXX)
pids=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  [ -d "$work/root/etc/postgresql" ] && chroot "$work/root" pg_ctlcluster 15 main stop -m immediate >/dev/null 2>&1
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  for root in "$work/root" "$work/check-root"; do "$here/throwaway-root.sh" remove "$root"; done
  if findmnt -rn -o TARGET | grep -qF "$work/"; then
    echo "ansible-test: left $work in place: something is still mounted under it" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

cd "$repo/ansible"
export ANSIBLE_CONFIG=$repo/ansible/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
vault=(--vault-password-file "$here/ci-vault-password")

step "lint: yamllint, ansible-lint (production profile), syntax-check, inventories"
yamllint --strict .
ansible-lint --nocolor -q
for playbook in playbooks/*.yml; do
  ansible-playbook --syntax-check -i inventories/example "$playbook" >/dev/null
  ansible-playbook --syntax-check -i inventories/ci "${vault[@]}" "$playbook" >/dev/null
done
ansible-inventory -i inventories/example --graph >/dev/null
ansible-inventory -i inventories/ci "${vault[@]}" --graph >/dev/null

step "release: this checkout's farm, worker and farm-cc (self-contained)"
"$repo/ansible/release.sh" "$work/release.tar" --jit-farm-cc >/dev/null || fail "ansible/release.sh failed"
export FARM_CI_RELEASE=$work/release.tar

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
FARM_CI_POSTGRES_PORT=$(free_port) FARM_CI_REDIS_PORT=$(free_port) FARM_CI_REGISTRY_PORT=$(free_port) FARM_CI_FARM_PORT=$(free_port)
export FARM_CI_POSTGRES_PORT FARM_CI_REDIS_PORT FARM_CI_REGISTRY_PORT FARM_CI_FARM_PORT

step "throwaway host: $work/root"
"$here/throwaway-root.sh" make "$work/root"
export FARM_CI_ROOT=$work/root

converge() { ansible-playbook -i inventories/ci "${vault[@]}" playbooks/site.yml "$@"; }

step "converge"
converge >"$work/converge-1.log" 2>&1 || { tail -40 "$work/converge-1.log"; fail "the first converge failed"; }

step "idempotence: a second converge changes nothing"
converge >"$work/converge-2.log" 2>&1 || { tail -40 "$work/converge-2.log"; fail "the second converge failed"; }
changed=$(awk '/^throwaway +:/ { for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) { split($i, a, "="); print a[2] } }' "$work/converge-2.log")
if [ "$changed" != 0 ]; then
  # Name each task that changed: the last TASK header before each "changed:" line.
  awk '/^TASK \[/ { task = $0 } /^changed: / { print "  " task }' "$work/converge-2.log" >&2
  fail "the second converge changed $changed task(s), listed above"
fi

step "verify: the services, started as their units say"
root=$work/root
start() {
  local pid
  pid=$(python3 "$here/start-unit.py" "$root" "$1" "$work/$1.log") || fail "cannot start $1"
  pids+=("$pid")
}
start postgresql@15-main
start redis-server
start docker-registry
wait_port() {
  local deadline=$((SECONDS + 60))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { cat "$work/$2.log" >&2 2>/dev/null; fail "$2 did not listen on 127.0.0.1:$1 within 60 s"; }
    sleep 0.5
  done
}
wait_port "$FARM_CI_POSTGRES_PORT" postgresql@15-main
wait_port "$FARM_CI_REDIS_PORT" redis-server
wait_port "$FARM_CI_REGISTRY_PORT" docker-registry
start farm
wait_port "$FARM_CI_FARM_PORT" farm
start farm-worker@1
# shellcheck disable=SC2034 # read by rolling-upgrade.sh, which this script sources
worker_pid=${pids[-1]}

token=ci-token-0123456789abcdef
api() { curl -sS --max-time 30 -H "Authorization: Bearer $token" "$@"; }
deadline=$((SECONDS + 120))
until api "http://127.0.0.1:$FARM_CI_FARM_PORT/api/workers" | grep -q '"name":"throwaway-1".*"state":"alive"'; do
  [ $SECONDS -lt $deadline ] || { tail -20 "$work/farm-worker@1.log" >&2; fail "worker throwaway-1 never registered with the farm (120 s)"; }
  sleep 1
done

# The example catalog as a git repository served by git daemon on loopback (farm_sources_allow: git://127.0.0.1:*).
sources=$work/sources
mkdir -p "$sources"
cp -r "$repo/examples" "$sources/examples"
# "slow": helloworld whose make sleeps (as the served-farm tests' slow app), so that the rolling upgrade below starts
# while its target is building on the worker.
cp -r "$sources/examples/helloworld" "$sources/examples/slow"
sed -i 's/^name: helloworld$/name: slow/' "$sources/examples/slow/Kraftfile"
# shellcheck disable=SC2016 # make's $(shell ...), written as it is
echo 'SLOW_APP_PAUSE := $(shell sleep 30)' >>"$sources/examples/slow/Makefile.uk"
git -C "$sources/examples" init -q
git -C "$sources/examples" -c user.name=ci -c user.email=ci@localhost add -A
git -C "$sources/examples" -c user.name=ci -c user.email=ci@localhost commit -qm examples
commit=$(git -C "$sources/examples" rev-parse HEAD)
git_port=$(free_port)
setsid git daemon --reuseaddr --export-all --base-path="$sources" --listen=127.0.0.1 --port="$git_port" "$sources" \
  >"$work/git-daemon.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + 30))
until git ls-remote "git://127.0.0.1:$git_port/examples" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "git daemon did not answer on 127.0.0.1:$git_port within 30 s"
  sleep 0.5
done
# submit APP IMAGE: the build's id, of APP's qemu/x86_64 target from the examples repository.
submit() {
  local answer
  answer=$(api -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$FARM_CI_FARM_PORT/api/builds" \
    -d "{\"source\":{\"git\":\"git://127.0.0.1:$git_port/examples\",\"commit\":\"$commit\"},\"kraftfile\":\"$1/Kraftfile\",\"image\":\"$2\",\"targets\":[\"qemu/x86_64\"]}")
  python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$answer" || fail "submit of $1 refused: $answer"
}
# wait_build ID: until the build succeeds; fails on any other end, or after 300 s.
wait_build() {
  local deadline=$((SECONDS + 300)) build state
  while :; do
    build=$(api "http://127.0.0.1:$FARM_CI_FARM_PORT/api/builds/$1")
    state=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get("state", ""))' "$build")
    case $state in succeeded) return ;; failed|cancelled) fail "build $1 $state: $build" ;; esac
    [ $SECONDS -lt $deadline ] || fail "build $1 not finished within 300 s: $build"
    sleep 1
  done
}
image=127.0.0.1:$FARM_CI_REGISTRY_PORT/apps/helloworld:ci
id=$(submit helloworld "$image")
wait_build "$id"
# Verified on the host, as the farm's user, with the public key the play installed and the registry credentials;
# and refused with another key (the check can fail).
in_host() {
  bwrap --bind "$root" / --dev-bind /dev /dev --bind /proc /proc --clearenv --setenv HOME /var/lib/farm \
    --setenv DOCKER_CONFIG /etc/farm/docker -- setpriv --reuid=farm --regid=farm --init-groups -- "$@"
}
in_host /opt/farm/current/farm verify "$image" --key /etc/farm/signing.pub --insecure >"$work/verify.log" 2>&1 \
  || { cat "$work/verify.log" >&2; fail "farm verify $image failed with /etc/farm/signing.pub"; }
sed 's/^/  /' "$work/verify.log"
in_host /opt/farm/current/farm keygen --out /var/lib/farm/other >/dev/null
if in_host /opt/farm/current/farm verify "$image" --key /var/lib/farm/other.pub --insecure >"$work/verify-other.log" 2>&1; then
  fail "farm verify accepted $image with a key the play did not install"
fi
step "verify: build $id published $image, signed with the key the play installed"

step "rolling upgrade: upgrade-workers.yml while a build runs on the worker"
# shellcheck source=/dev/null # checked on its own: ShellScriptTests runs shellcheck over every script
. "$here/rolling-upgrade.sh"

step "stop the services"
for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
chroot "$root" pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
pids=()

step "the worker role's KVM check: the host in workers_kvm"
printf 'workers_kvm:\n  hosts:\n    throwaway:\n' >"$work/kvm-inventory.yml"
kvm_works=$(python3 -c 'import json, sys; print(str(json.load(open(sys.argv[1]))["hypervisors"].get("kvm", False)).lower())' \
  "$root/etc/ansible/facts.d/farm_worker.fact")
if ansible-playbook -i inventories/ci -i "$work/kvm-inventory.yml" "${vault[@]}" playbooks/workers.yml --tags worker_capabilities \
  >"$work/kvm-check.log" 2>&1; then
  [ "$kvm_works" = true ] || { tail -20 "$work/kvm-check.log" >&2; fail "a host in workers_kvm whose KVM cannot run a guest passed the play"; }
  step "  this machine's KVM runs guests: the play passed, as it should"
else
  [ "$kvm_works" = false ] || { tail -20 "$work/kvm-check.log" >&2; fail "the KVM check failed on a host whose KVM works"; }
  grep -q "throwaway is in workers_kvm but its kvm cannot run a guest" "$work/kvm-check.log" \
    || { tail -20 "$work/kvm-check.log" >&2; fail "the KVM check failed without naming the host and the reason"; }
  step "  failed as it should: $(grep -o 'throwaway is in workers_kvm[^"]*' "$work/kvm-check.log" | head -1)"
fi

step "the worker role's removal (worker_state: absent)"
ansible -i inventories/ci "${vault[@]}" throwaway -m ansible.builtin.include_role -a name=worker -e worker_state=absent \
  >"$work/absent.log" 2>&1 || { tail -30 "$work/absent.log" >&2; fail "worker_state=absent failed"; }
for path in etc/systemd/system/farm-worker@.service etc/farm-worker var/cache/farm-worker var/lib/farm-worker etc/ansible/facts.d/farm_worker.fact; do
  [ ! -e "$root/$path" ] || fail "worker_state=absent left /$path"
done
! grep -q '^farm-worker:' "$root/etc/passwd" || fail "worker_state=absent left the user farm-worker"
! grep -q '^farm-worker:' "$root/etc/group" || fail "worker_state=absent left the group farm-worker"
# current links to an absolute path inside the host.
if ! [ -x "$root$(readlink "$root/opt/farm/current")/farm" ] || ! grep -q "^farm:" "$root/etc/passwd"; then
  fail "worker_state=absent removed the farm's binaries or user"
fi

step "check mode (--check --diff) of the whole site on a fresh host"
"$here/throwaway-root.sh" remove "$root"
"$here/throwaway-root.sh" make "$work/check-root"
FARM_CI_ROOT=$work/check-root converge --check --diff >"$work/check.log" 2>&1 || { tail -40 "$work/check.log" >&2; fail "check mode failed"; }
[ ! -e "$work/check-root/etc/systemd/system/farm.service" ] || fail "check mode wrote farm.service"

step "passed in $(($(date +%s) - started)) s"
