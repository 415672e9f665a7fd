#!/usr/bin/env bash
# Builds the fixture-core examples through the Unikraft-style make interface
# (as the farm's builder does), boots them under QEMU (TCG) or as a Linux
# process, and checks incremental builds and reproducibility.
#   examples/fixture-core/check.sh            # everything
#   KEEP=1 examples/fixture-core/check.sh     # keep the temporary build dirs
set -euo pipefail

CORE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES=$(dirname "$CORE")
APPS=$(dirname "$EXAMPLES")/tests/Farm.Worker.Tests/Apps
HOSTUTC=2026-01-01T00:00:00+00:00
WORK=$(mktemp -d /tmp/fixture-check.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then
	echo "build dirs kept in $WORK"
else
	trap 'rm -rf "$WORK"' EXIT
fi
FAILS=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# cross PLAT/ARCH: the CROSS_COMPILE argument (V=0, a no-op, for x86_64)
cross() {
	if [ "${1#*/}" = arm64 ]; then echo CROSS_COMPILE=aarch64-linux-gnu-; else echo V=0; fi
}

# write_defconfig FILE PLAT/ARCH NAME [LIBDIR...]; extra lines from $KCONFIG
write_defconfig() {
	local file=$1 target=$2 name=$3 lib
	shift 3
	{
		case ${target#*/} in
		x86_64) echo CONFIG_ARCH_X86_64=y ;;
		arm64) echo CONFIG_ARCH_ARM_64=y ;;
		esac
		case ${target%/*} in
		qemu) printf 'CONFIG_PLAT_KVM=y\nCONFIG_KVM_VMM_QEMU=y\n' ;;
		fc) printf 'CONFIG_PLAT_KVM=y\nCONFIG_KVM_VMM_FIRECRACKER=y\n' ;;
		xen) echo CONFIG_PLAT_XEN=y ;;
		linuxu) echo CONFIG_PLAT_LINUXU=y ;;
		esac
		echo "CONFIG_UK_NAME=\"$name\""
		for lib in "$@"; do
			echo "CONFIG_LIB$(basename "$lib" | tr '[:lower:]-' '[:upper:]_')=y"
		done
		printf '%s' "${KCONFIG:-}"
	} >"$file"
}

# build APP PLAT/ARCH NAME OUTDIR [LIBDIR...]: the farm's two make calls.
# Sets IMAGE; returns make's status.
build() {
	local app=$1 target=$2 name=$3 out=$4 libs start
	shift 4
	libs=$(IFS=:; echo "$*")
	mkdir -p "$out"
	write_defconfig "$out.defconfig" "$target" "$name" "$@"
	IMAGE=$out/${name}_${target%/*}-${target#*/}
	start=$(now)
	if ! make -C "$CORE" --no-print-directory A="$app" L="$libs" O="$out" C="$out/.config" \
		N="$name" UK_DEFCONFIG="$out.defconfig" defconfig >"$out.log" 2>&1 ||
		! make -C "$CORE" --no-print-directory A="$app" L="$libs" O="$out" C="$out/.config" \
			N="$name" -j2 "$(cross "$target")" HOSTUTC="$HOSTUTC" >>"$out.log" 2>&1; then
		echo "build $name $target: make failed ($(since "$start"))"
		return 1
	fi
	echo "build $name $target: ok, cold -j2 build $(since "$start"); $(file -b "$IMAGE")"
}

# boot IMAGE PLAT/ARCH: prints the console; sets OUT and STATUS (the app's
# exit status, decoded from QEMU's exit code), 124 on timeout.  $INITRD and
# $APPEND, when set, become QEMU's -initrd and -append.
boot() {
	local image=$1 target=$2 start rc=0 extra=()
	start=$(now)
	[ -n "${INITRD:-}" ] && extra+=(-initrd "$INITRD")
	[ -n "${APPEND:-}" ] && extra+=(-append "$APPEND")
	case $target in
	qemu/arm64)
		timeout "${BOOT_TIMEOUT:-20}" qemu-system-aarch64 -M virt -cpu max -accel tcg -m 64M -nographic \
			-net none -no-reboot -semihosting-config enable=on,target=native \
			-kernel "$image" "${extra[@]}" </dev/null >"$image.console" 2>&1 || rc=$? ;;
	linuxu/*)
		timeout "${BOOT_TIMEOUT:-20}" "$image" </dev/null >"$image.console" 2>&1 || rc=$? ;;
	*)
		timeout "${BOOT_TIMEOUT:-20}" qemu-system-x86_64 -accel tcg -kernel "$image" -nographic -m 64M \
			-net none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			"${extra[@]}" </dev/null >"$image.console" 2>&1 || rc=$? ;;
	esac
	STATUS=$rc
	case $target in
	qemu/x86_64 | xen/x86_64) [ $rc -ne 124 ] && [ $((rc & 1)) = 1 ] && STATUS=$((rc >> 1)) ;;
	esac
	# strip SeaBIOS's terminal escapes
	OUT=$(tr -d '\000' <"$image.console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g')
	echo "boot $(basename "$image"): exit code $rc (app status $STATUS) in $(since "$start")"
	printf '%s\n' "$OUT" | cat -v | sed 's/^/  | /'
}

# expect_boot PATTERN STATUS: checks the last boot
expect_boot() {
	grep -q "Powered by Unikraft" <<<"$OUT" || fail "no banner"
	grep -Eq "$1" <<<"$OUT" || fail "output does not match '$1'"
	[ "$STATUS" = "$2" ] || fail "status $STATUS, expected $2"
}

echo "== helloworld: all five targets"
for target in qemu/x86_64 qemu/arm64 linuxu/x86_64 fc/x86_64 xen/x86_64; do
	d=$WORK/hello-${target/\//-}
	KCONFIG='CONFIG_LIBPOSIX_ENVIRON_ENVP1="HELLO_WHO=check.sh"
' build "$EXAMPLES/helloworld" "$target" helloworld "$d" || { fail "build"; continue; }
	# fc reports no status (i8042 reset): QEMU exits 0
	boot "$IMAGE" "$target"
	expect_boot 'Hello, world!' 0
	grep -q 'HELLO_WHO = check.sh' <<<"$OUT" || fail "environment not passed"
	# second make: nothing to do
	again=$(make -C "$CORE" --no-print-directory A="$EXAMPLES/helloworld" O="$d" C="$d/.config" \
		N=helloworld -j2 HOSTUTC="$HOSTUTC" \
		"$(cross "$target")")
	[ -z "$again" ] || fail "incremental build did work: $again"
done

echo "== calculator"
for target in qemu/x86_64 qemu/arm64 linuxu/x86_64; do
	build "$EXAMPLES/calculator" "$target" calculator "$WORK/calc-${target/\//-}" \
		"$EXAMPLES/libs/bignum" "$EXAMPLES/libs/fmt" "$EXAMPLES/libs/primes" || { fail "build"; continue; }
	boot "$IMAGE" "$target"
	expect_boot 'result: 2\^100 = 1,267,650,600,228,229,401,496,703,205,376; prime #100 = 541' 0
done

echo "== two-configs"
for variant in quiet verbose; do
	v=n
	[ $variant = verbose ] && v=y
	KCONFIG="CONFIG_APPTWOCONFIGS_VERBOSE=$v
" build "$EXAMPLES/two-configs" qemu/x86_64 "two-configs-$variant" "$WORK/two-$variant" ||
		{ fail "build"; continue; }
	boot "$IMAGE" qemu/x86_64
	expect_boot "config: $variant" 0
done

echo "== fault apps"
for target in qemu/x86_64 qemu/arm64 linuxu/x86_64; do
	t=${target/\//-}
	build "$APPS/exit3" "$target" exit3 "$WORK/exit3-$t" || fail "build"
	boot "$IMAGE" "$target"
	expect_boot 'exiting with status 3' 3
	build "$APPS/crash" "$target" crash "$WORK/crash-$t" || fail "build"
	boot "$IMAGE" "$target"
	expect_boot 'CRIT: crash:' 127
	build "$APPS/garbage" "$target" garbage "$WORK/garbage-$t" || fail "build"
	boot "$IMAGE" "$target"
	expect_boot '.' 0
	build "$APPS/hang" "$target" hang "$WORK/hang-$t" || fail "build"
	BOOT_TIMEOUT=5 boot "$IMAGE" "$target"
	expect_boot 'starting' 124
	if build "$APPS/compile-error" "$target" compile-error "$WORK/cerr-$t"; then
		fail "compile-error built"
	else
		grep -m1 ': error:' "$WORK/cerr-$t.log" | sed 's/^/  | /'
	fi
done

echo "== base: the initrd and command line reach the kernel"
mkdir -p "$WORK/rootfs/etc"
echo "Hello from the initrd" >"$WORK/rootfs/etc/message.txt"
(cd "$WORK/rootfs" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$WORK/initrd.cpio")
for target in qemu/x86_64 qemu/arm64; do
	build "$EXAMPLES/base" "$target" base "$WORK/base-${target/\//-}" || { fail "build"; continue; }
	INITRD=$WORK/initrd.cpio APPEND="/etc/message.txt /missing" boot "$IMAGE" "$target"
	expect_boot 'initrd: 512 bytes, 3 entries' 0
	grep -q '^Hello from the initrd' <<<"$OUT" || fail "the file from the initrd is not printed"
	grep -q '^/missing: not in the initrd' <<<"$OUT" || fail "the second argument is not reported missing"
	boot "$IMAGE" "$target"
	grep -q 'initrd:' <<<"$OUT" && fail "an initrd is reported without one"
	expect_boot 'base runtime ready' 0
done
KCONFIG="CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD=y
CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH=\"$WORK/initrd.cpio\"
" build "$EXAMPLES/base" qemu/x86_64 base "$WORK/base-embedded" || fail "build"
APPEND="/etc/message.txt" boot "$IMAGE" qemu/x86_64
expect_boot '^Hello from the initrd' 0

echo "== configuration errors"
for bad in xen/arm64 fc/arm64 linuxu/arm64; do
	if build "$EXAMPLES/helloworld" "$bad" helloworld "$WORK/bad-${bad/\//-}" 2>/dev/null; then
		fail "$bad accepted"
	else
		grep 'error:' "$WORK/bad-${bad/\//-}.log" | sed 's/^/  | /'
	fi
done

echo "== reproducibility (same HOSTUTC, other build dir and other app dir)"
cp -r "$EXAMPLES/helloworld" "$WORK/moved-helloworld"
for target in qemu/x86_64 qemu/arm64 linuxu/x86_64 fc/x86_64 xen/x86_64; do
	first=$WORK/hello-${target/\//-}/helloworld_${target%/*}-${target#*/}
	KCONFIG='CONFIG_LIBPOSIX_ENVIRON_ENVP1="HELLO_WHO=check.sh"
' build "$WORK/moved-helloworld" "$target" helloworld "$WORK/repro/some/other/dir-${target/\//-}" >/dev/null ||
		{ fail "build"; continue; }
	if cmp "$first" "$IMAGE" && cmp "$first.dbg" "$IMAGE.dbg"; then
		echo "identical: $(basename "$IMAGE") and its .dbg ($(sha256sum <"$IMAGE" | cut -c1-16))"
	else
		fail "$target: images differ"
	fi
done

if [ $FAILS -ne 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "all checks passed"
