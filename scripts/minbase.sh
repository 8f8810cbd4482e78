# Sourced by scripts/package.sh and scripts/test-install.sh: a minimal Debian 12 root
# (`debootstrap --variant=minbase bookworm`), the mounts a program inside it needs, and
# undoing them. Needs root.

# The Debian mirror: $HUKA_MIRROR, else the first bookworm mirror this machine's apt uses,
# else deb.debian.org.
minbase_mirror() {
  if [ -n "${HUKA_MIRROR:-}" ]; then echo "$HUKA_MIRROR"; return; fi
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

# minbase_make DIR: DIR becomes a fresh minbase bookworm root (built beside it, then moved,
# so an interrupted run never leaves a half-made root under DIR).
minbase_make() {
  local dir=$1 mirror
  mirror=$(minbase_mirror)
  rm -rf "$dir.partial"
  mkdir -p "$(dirname "$dir")"
  echo "==> debootstrap --variant=minbase bookworm $dir ($mirror)"
  debootstrap --variant=minbase bookworm "$dir.partial" "$mirror" >"$dir.debootstrap.log" 2>&1 || {
    tail -20 "$dir.debootstrap.log" >&2
    return 1
  }
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
}

# minbase_sources DIR: the root's apt sources, as this machine's (bookworm, -updates and
# -security), so the packages it downloads carry the security fixes.
minbase_sources() {
  local dir=$1 mirror security
  mirror=$(minbase_mirror)
  security=${HUKA_SECURITY_MIRROR:-}
  if [ -z "$security" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
    security=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  security=${security:-http://deb.debian.org/debian-security}
  cat >"$dir/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
}

# minbase_mount DIR [X11_SOCKET_DIR]: /proc, /sys, /dev/pts, /dev/shm inside the root, and
# the X server's socket folder when given (the display stays outside, like a PC's desktop).
minbase_mount() {
  local dir=$1 x11=${2:-}
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  mountpoint -q "$dir/sys" || { mount --rbind /sys "$dir/sys" && mount --make-rslave "$dir/sys"; }
  mkdir -p "$dir/dev/pts" "$dir/dev/shm"
  mountpoint -q "$dir/dev/pts" || mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts"
  mountpoint -q "$dir/dev/shm" || mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm"
  if [ -n "$x11" ]; then
    mkdir -p "$dir/tmp/.X11-unix"
    mountpoint -q "$dir/tmp/.X11-unix" || mount --bind "$x11" "$dir/tmp/.X11-unix"
  fi
}

# minbase_umount DIR: undoes minbase_mount (whatever of it was done); safe to call twice.
minbase_umount() {
  local dir=$1 m
  [ -d "$dir" ] || return 0
  # Deepest first.
  for m in $(awk -v d="$(realpath "$dir")" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# minbase_remove DIR: unmounts, makes sure nothing is mounted below DIR any more, then deletes
# it (a bind mount left behind would let `rm -rf` reach the host's files).
minbase_remove() {
  local dir=$1
  [ -e "$dir" ] || return 0
  minbase_umount "$dir"
  if awk -v d="$(realpath "$dir")" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "still mounted below $dir; not deleting it" >&2
    return 1
  fi
  rm -rf --one-file-system "$dir"
}
