#!/usr/bin/env bash
# A throwaway Debian 12 host for the Ansible test: `throwaway-root.sh make DIR` unpacks a minimal bookworm root
# (debootstrap once, then a cached tarball: a debootstrap takes minutes, unpacking seconds) and mounts what a host
# has (/proc, /sys, /dev); `throwaway-root.sh remove DIR` unmounts and deletes it. Packages the roles install come
# from the Debian mirror through apt, with downloaded .debs kept in the cache between runs.
# Cache: $FARM_ANSIBLE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/unikernel-farm/ansible (outside the repository).
set -euo pipefail
cache=${FARM_ANSIBLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/unikernel-farm/ansible}
base=$cache/bookworm-minbase-python3-apt.tar
mirror=${FARM_DEBIAN_MIRROR:-http://deb.debian.org/debian}

make_base() {
  local build
  build=$(mktemp -d "$cache/debootstrap.XXXXXX")
  echo "throwaway-root: debootstrap of a minimal bookworm root into the cache (once; a few minutes)" >&2
  debootstrap --variant=minbase --include=python3,python3-apt,ca-certificates bookworm "$build/root" "$mirror" >"$build/log" 2>&1 \
    || { tail -20 "$build/log" >&2; rm -rf --one-file-system "$build"; exit 1; }
  tar --numeric-owner -C "$build/root" -cf "$base.tmp" .
  mv "$base.tmp" "$base"
  rm -rf --one-file-system "$build"
}

mounted_under() { findmnt -rn -o TARGET | awk -v root="$1" 'index($0, root "/") == 1' | sort -r; }

case "${1:-}" in
  make)
    root=$2
    mkdir -p "$cache/apt-archives/partial"
    [ -f "$base" ] || make_base
    mkdir -p "$root"
    tar --numeric-owner -C "$root" -xf "$base"
    # Packages' maintainer scripts must not start services on the machine running the test.
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # The cached root's package lists are old or absent: make apt (and the roles' cache_valid_time) fetch them.
    mkdir -p "$root/var/lib/apt/lists"
    touch -d @0 "$root/var/lib/apt/lists"
    rm -f "$root/var/lib/apt/periodic/update-success-stamp"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
    mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
    mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
    ;;
  remove)
    root=$2
    [ -d "$root" ] || exit 0
    for target in $(mounted_under "$root"); do umount -l "$target" 2>/dev/null || true; done
    # Never delete through a mount that is still there (/dev of the machine).
    if [ -n "$(mounted_under "$root")" ]; then
      echo "throwaway-root: still mounted under $root, not deleting: $(mounted_under "$root" | tr '\n' ' ')" >&2
      exit 1
    fi
    rm -rf --one-file-system "$root"
    ;;
  *)
    echo "usage: $0 make|remove DIR" >&2
    exit 2
    ;;
esac
