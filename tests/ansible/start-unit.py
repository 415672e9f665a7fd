#!/usr/bin/env python3
"""Starts a systemd service of a throwaway root exactly as its unit says, for hosts whose PID 1 is not systemd.

Usage: start-unit.py ROOT UNIT[@INSTANCE] LOG

Reads the unit from ROOT/etc/systemd/system or ROOT/lib/systemd/system (a template for NAME@INSTANCE), and runs its
first ExecStart as User/Group with the environment of its EnvironmentFile= and Environment= lines, in its
WorkingDirectory, after creating its RuntimeDirectory. The root is entered with bubblewrap (a mount namespace with
pivot_root, not a chroot, so the worker's own sandbox can still make user namespaces; the machine's /proc is
bound rather than a new one mounted, so that the sandbox may mount its own). Prints the PID; the process
writes to LOG. Fails naming the unit and the line it cannot follow.
"""
import os
import re
import shlex
import subprocess
import sys

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def fail(message):
    print(f"start-unit: {message}", file=sys.stderr)
    sys.exit(1)


def read_unit(root, unit):
    name, _, instance = unit.partition("@")
    file_name = f"{name}@.service" if instance else f"{name}.service"
    for directory in ("etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"):
        path = os.path.join(root, directory, file_name)
        if os.path.exists(path):
            break
    else:
        fail(f"{unit}: no {file_name} in {root}")
    service = {}
    section = None
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line
                continue
            if section != "[Service]":
                continue
            key, sep, value = line.partition("=")
            if not sep:
                fail(f"{path}:{number}: not KEY=VALUE")
            value = value.replace("%i", instance).replace("%I", instance).replace("%%", "%")
            service.setdefault(key.strip(), []).append(value.strip())
    return path, service


def parse_environment_file(path):
    """systemd's EnvironmentFile= syntax: KEY=VALUE or KEY="VALUE" with backslash escapes; # comments."""
    values = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                fail(f"{path}:{number}: not KEY=VALUE")
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            elif len(value) >= 2 and value[0] == value[-1] == "'":
                value = value[1:-1]
            values[key.strip()] = value
    return values


def main():
    if len(sys.argv) != 4:
        fail("usage: start-unit.py ROOT UNIT[@INSTANCE] LOG")
    root, unit, log = sys.argv[1:]
    path, service = read_unit(root, unit)
    if "ExecStart" not in service:
        fail(f"{path}: no ExecStart")
    command = shlex.split(service["ExecStart"][0].lstrip("-@:+!"))
    user = service.get("User", ["root"])[-1]
    group = service.get("Group", [None])[-1]
    environment = {"PATH": DEFAULT_PATH, "LANG": "C.UTF-8"}
    for entry in service.get("EnvironmentFile", []):
        optional = entry.startswith("-")
        file = os.path.join(root, entry.lstrip("-").lstrip("/"))
        if not os.path.exists(file):
            if optional:
                continue
            fail(f"{path}: EnvironmentFile {entry} does not exist")
        environment.update(parse_environment_file(file))
    for entry in service.get("Environment", []):
        for assignment in shlex.split(entry):
            key, _, value = assignment.partition("=")
            environment[key] = value
    with open(os.path.join(root, "etc/passwd"), encoding="utf-8") as passwd:
        accounts = {fields[0]: fields for fields in (line.rstrip("\n").split(":") for line in passwd)}
    if user not in accounts:
        fail(f"{path}: User={user} is not in {root}/etc/passwd")
    uid, gid, home = int(accounts[user][2]), int(accounts[user][3]), accounts[user][5]
    environment.setdefault("HOME", home)
    environment.setdefault("USER", user)
    for directory in service.get("RuntimeDirectory", []):
        for name in directory.split():
            runtime = os.path.join(root, "run", name)
            os.makedirs(runtime, exist_ok=True)
            os.chown(runtime, uid, gid)
    working = service.get("WorkingDirectory", ["/"])[-1].lstrip("-")
    bwrap = ["bwrap", "--bind", root, "/", "--dev-bind", "/dev", "/dev", "--bind", "/proc", "/proc", "--bind", "/sys", "/sys",
             "--chdir", working]
    setpriv = ["setpriv", f"--reuid={uid}", f"--regid={gid}" if group is None else f"--regid={group}", "--init-groups", "--"]
    with open(log, "ab") as output:
        # The unit's environment only (secrets through the environment, never on a command line).
        process = subprocess.Popen(bwrap + ["--"] + setpriv + command, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    print(process.pid)


if __name__ == "__main__":
    main()
