#!/usr/bin/env python3
"""Tiny stand-in for kconfig: reads `config NAME` entries from Config.uk files,
applies a defconfig, validates the arch/platform choice and writes .config plus
include/uk/bits/config.h.  Only bool/tristate, string, int and hex symbols with
unconditional defaults are understood; everything else in Config.uk is skipped.

  config.py defconfig --config C --include-dir D [--defconfig F] [--name N]
                      --default-name NAME --kconfig FILE...
  config.py header    --config C --include-dir D [--name N]
      prints "ok <plat> <arch> <platdir> <name>" for the Makefile
"""
import argparse
import os
import re
import sys

ARCHES = {"ARCH_X86_64": "x86_64", "ARCH_ARM_64": "arm64"}
PLATS = ["PLAT_KVM", "PLAT_XEN", "PLAT_LINUXU"]
VMMS = ["KVM_VMM_QEMU", "KVM_VMM_FIRECRACKER"]
# (platform, arch) pairs fixture-core can build
SUPPORTED = {("qemu", "x86_64"), ("qemu", "arm64"), ("fc", "x86_64"),
             ("xen", "x86_64"), ("linuxu", "x86_64")}


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


class Symbol:
    def __init__(self, name, origin):
        self.name, self.origin = name, origin
        self.type, self.default = None, None


def parse_kconfig(path, symbols, order):
    """Collect `config`/`menuconfig` entries of one Config.uk file."""
    current, help_indent = None, None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if help_indent is not None:
                if not stripped or indent > help_indent:
                    continue            # still inside a help text
                help_indent = None
            if not stripped or stripped.startswith("#"):
                continue
            words = stripped.split(None, 1)
            key, rest = words[0], (words[1] if len(words) > 1 else "")
            if key in ("config", "menuconfig"):
                name = rest.strip()
                current = symbols.get(name)
                if current is None:
                    current = symbols[name] = Symbol(name, f"{path}:{lineno}")
                    order.append(name)
            elif key in ("bool", "tristate", "string", "int", "hex") and current:
                current.type = "bool" if key == "tristate" else key
            elif key in ("def_bool", "def_tristate") and current:
                current.type = "bool"
                if " if " not in f" {rest} ":
                    current.default = rest.strip()
            elif key == "default" and current:
                if current.default is None and not re.search(r"\sif\s", rest):
                    current.default = rest.strip()
            elif key in ("help", "---help---"):
                help_indent = indent
            elif key in ("depends", "select", "imply", "range", "prompt",
                         "option", "modules", "visible", "optional"):
                pass                    # accepted, not evaluated
            else:
                current = None          # menu, choice, if, source, comment ...


def unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return re.sub(r"\\(.)", r"\1", inner) if value[0] == '"' else inner
    return value


def normalise(sym, value, where):
    """Turn a raw value into the .config spelling for sym's type, or None."""
    value = unquote(value)
    if sym.type == "bool":
        if value in ("y", "n"):
            return value
        if value == "m":
            return "y"
    elif sym.type == "string":
        return value
    elif sym.type == "int" and re.fullmatch(r"-?[0-9]+", value):
        return value
    elif sym.type == "hex" and re.fullmatch(r"(0x)?[0-9a-fA-F]+", value):
        return value if value.startswith("0x") else "0x" + value
    print(f"{where}:warning: invalid value '{value}' for {sym.type} symbol "
          f"CONFIG_{sym.name} (ignored)", file=sys.stderr)
    return None


def default_of(sym):
    empty = {"bool": "n", "string": "", "int": "0", "hex": "0x0"}[sym.type]
    if sym.default is None:
        return empty
    return normalise(sym, sym.default, sym.origin) or empty


def read_config_lines(path):
    """Yield (lineno, NAME, raw value) from a .config/defconfig file."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            m = re.fullmatch(r"# CONFIG_([A-Za-z0-9_]+) is not set", line)
            if m:
                yield lineno, m.group(1), "n"
                continue
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r"CONFIG_([A-Za-z0-9_]+)\s*=\s*(.*)", line)
            if not m:
                print(f"{path}:{lineno}:warning: ignoring malformed line: {line}",
                      file=sys.stderr)
                continue
            yield lineno, m.group(1), m.group(2)


def pick_one(values, names, explicit, what):
    """Keep exactly one of `names` enabled; explicit settings beat defaults."""
    on = [n for n in names if values.get(n) == "y"]
    if len(on) > 1:
        chosen = [n for n in on if n in explicit]
        if len(chosen) != 1:
            fail(f"more than one {what} selected: "
                 + ", ".join("CONFIG_" + n for n in (chosen or on)))
        for n in on:
            if n != chosen[0]:
                values[n] = "n"
        on = chosen
    if not on:
        fail(f"no {what} selected (set one of "
             + ", ".join("CONFIG_" + n for n in names) + "=y)")
    return on[0]


def resolve(values, explicit):
    """Validate arch/platform; returns (plat, arch, platdir)."""
    if values.get("ARCH_ARM_64") == "y" and values.get("ARCH_X86_64") == "y":
        values["ARCH_X86_64"] = "n"     # kraft writes the arm64 switch explicitly
    arch = ARCHES[pick_one(values, list(ARCHES), explicit, "architecture")]
    plat_sym = pick_one(values, PLATS, explicit, "platform")
    if plat_sym == "PLAT_KVM":
        vmm = pick_one(values, VMMS, explicit, "KVM VMM")
        plat, platdir = ("fc" if vmm == "KVM_VMM_FIRECRACKER" else "qemu"), "kvm"
    else:
        platdir = plat = plat_sym[len("PLAT_"):].lower()
    if (plat, arch) not in SUPPORTED:
        fail(f"fixture-core cannot build platform '{plat}' for architecture "
             f"'{arch}' (supported: "
             + ", ".join(f"{p}/{a}" for p, a in sorted(SUPPORTED)) + ")")
    return plat, arch, platdir


def c_string(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_headers(include_dir, entries):
    lines = ["/* Generated by fixture-core support/config.py; do not edit. */",
             "#ifndef __UK_BITS_CONFIG_H__", "#define __UK_BITS_CONFIG_H__", ""]
    for name, typ, value in entries:
        if typ == "bool":
            if value == "y":
                lines.append(f"#define CONFIG_{name} 1")
        elif typ == "string":
            lines.append(f"#define CONFIG_{name} {c_string(value)}")
        else:
            lines.append(f"#define CONFIG_{name} {value}")
    lines += ["", "#endif", ""]
    write_if_changed(os.path.join(include_dir, "uk", "bits", "config.h"),
                     "\n".join(lines))
    write_if_changed(os.path.join(include_dir, "uk", "config.h"),
                     "/* Generated by fixture-core support/config.py. */\n"
                     "#include <uk/bits/config.h>\n")


def cmd_defconfig(args):
    symbols, order = {}, []
    for path in args.kconfig:
        parse_kconfig(path, symbols, order)
    for name in order:
        if symbols[name].type is None:
            fail(f"{symbols[name].origin}: CONFIG_{name} has no type")
    if "UK_NAME" in symbols:
        symbols["UK_NAME"].default = c_string(args.default_name)
    values = {n: default_of(symbols[n]) for n in order}
    explicit = set()
    if args.defconfig:
        for lineno, name, raw in read_config_lines(args.defconfig):
            where = f"{args.defconfig}:{lineno}"
            if name not in symbols:
                print(f"{where}:warning: unknown symbol CONFIG_{name} (dropped)",
                      file=sys.stderr)
                continue
            value = normalise(symbols[name], raw, where)
            if value is not None:
                values[name] = value
                if value == "y":
                    explicit.add(name)
    if args.name and "UK_NAME" in symbols:
        values["UK_NAME"] = args.name
    resolve(values, explicit)

    out = ["#", "# Automatically generated file; DO NOT EDIT.",
           "# Unikraft fixture-core Configuration", "#"]
    for name in order:
        typ, value = symbols[name].type, values[name]
        if typ == "bool" and value == "n":
            out.append(f"# CONFIG_{name} is not set")
        elif typ == "string":
            out.append(f"CONFIG_{name}={c_string(value)}")
        else:
            out.append(f"CONFIG_{name}={value}")
    write_if_changed(args.config, "\n".join(out) + "\n")
    cmd_header(args, quiet=True)


def cmd_header(args, quiet=False):
    if not os.path.exists(args.config):
        fail(f"{args.config} does not exist: run 'make defconfig' first")
    values, entries = {}, []
    for _, name, raw in read_config_lines(args.config):
        value = unquote(raw)
        if raw.strip().startswith('"'):
            typ = "string"
        elif value in ("y", "n", "m"):
            typ, value = "bool", ("n" if value == "n" else "y")
        else:
            typ = "int"
        if name == "UK_NAME" and args.name:
            value = args.name
        values[name] = value
        entries.append((name, typ))
    plat, arch, platdir = resolve(values, {n for n, v in values.items() if v == "y"})
    entries = [(n, t, values[n]) for n, t in entries]
    name = values.get("UK_NAME") or "app"
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
        fail(f"CONFIG_UK_NAME '{name}' is not a valid file name")
    write_headers(args.include_dir, entries)
    if not quiet:
        print("ok", plat, arch, platdir, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for cmd in ("defconfig", "header"):
        p = sub.add_parser(cmd)
        p.add_argument("--config", required=True)
        p.add_argument("--include-dir", required=True)
        p.add_argument("--name", default="")
        if cmd == "defconfig":
            p.add_argument("--defconfig", default="")
            p.add_argument("--default-name", required=True)
            p.add_argument("--kconfig", action="append", default=[])
    args = parser.parse_args()
    try:
        (cmd_defconfig if args.cmd == "defconfig" else cmd_header)(args)
    except OSError as e:
        fail(str(e))


if __name__ == "__main__":
    main()
