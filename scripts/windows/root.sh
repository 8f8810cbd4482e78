# Sourced by scripts/package-windows.sh and scripts/test-windows.sh: the build root for the
# Windows cross-build — Debian 13 (trixie) made with debootstrap, with Debian's `rustc-web`
# compiler, its standard library source (the std for x86_64-pc-windows-gnu is built from it,
# -Zbuild-std), mingw-w64, NSIS and Wine. Kept outside the repository and reused; pinned by
# scripts/windows/root.pin (the compiler and toolchain versions must match it). Needs root.

# Where the root lives ($HUKA_WINDOWS_ROOT overrides).
winroot_dir() { echo "${HUKA_WINDOWS_ROOT:-/var/cache/huka-windows-root}"; }

WINROOT_SUITE=trixie
# What the root holds beyond minbase. The toolchain: these must match the pin exactly.
WINROOT_TOOLCHAIN=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64
  gcc-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-win32 mingw-w64-x86-64-dev binutils-mingw-w64-x86-64 nsis wine64)
WINROOT_PACKAGES=(rustc-web cargo-web rust-web-src gcc g++ libc6-dev make perl pkg-config ca-certificates
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 nsis wine wine64 file)
# The Tauri bundler (tauri-cli, from crates.io), built inside the root.
WINROOT_TAURI_CLI=2.12.4

winroot_pin_file() { echo "$(dirname "${BASH_SOURCE[0]}")/root.pin"; }

# The host's Debian mirror (the root's suite differs, the mirror is the same).
winroot_mirror() {
  if [ -n "${HUKA_MIRROR:-}" ]; then echo "$HUKA_MIRROR"; return; fi
  local m=""
  [ -f /etc/apt/sources.list.d/debian.sources ] && m=$(awk '/^URIs:/ && !/security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  [ -z "$m" ] && [ -f /etc/apt/sources.list ] && m=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
  echo "${m:-http://deb.debian.org/debian}"
}
winroot_security_mirror() {
  if [ -n "${HUKA_SECURITY_MIRROR:-}" ]; then echo "$HUKA_SECURITY_MIRROR"; return; fi
  local m=""
  [ -f /etc/apt/sources.list.d/debian.sources ] && m=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  echo "${m:-http://deb.debian.org/debian-security}"
}

# Host tools the root needs, installed only when missing.
winroot_host_prereqs() {
  local missing=() p
  for p in debootstrap debian-archive-keyring; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]} (host)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

winroot_mount() {
  local dir=$1
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  mkdir -p "$dir/dev/shm" "$dir/dev/pts"
  mountpoint -q "$dir/dev/shm" || mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm"
  mountpoint -q "$dir/dev/pts" || mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts"
}

# Unmounts everything below the root (deepest first); safe to call twice.
winroot_umount() {
  local dir=$1 m
  [ -d "$dir" ] || return 0
  for m in $(awk -v d="$(realpath "$dir")" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# Runs a command in the root as root, with a clean environment.
winroot_run() {
  local dir=$1; shift
  chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/opt/cargo/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    CARGO_HOME=/opt/cargo "$@"
}

# The versions the pin speaks of, from inside the root: "rustc …" then "pkg version" lines.
winroot_versions() {
  local dir=$1
  winroot_run "$dir" rustc --version
  winroot_run "$dir" dpkg-query -W -f='${Package} ${Version}\n' "${WINROOT_TOOLCHAIN[@]}" | sort
  echo "tauri-cli $WINROOT_TAURI_CLI"
}

# Checks the root against the pin; with no pin file yet, writes it (the first root made).
winroot_check_pin() {
  local dir=$1 pin now
  pin=$(winroot_pin_file)
  now=$(winroot_versions "$dir")
  if [ ! -f "$pin" ]; then
    echo "==> no pin yet: recording this root in $pin (commit it)"
    {
      echo "# The Windows build root (scripts/windows/root.sh): Debian $WINROOT_SUITE. The toolchain below must"
      echo "# match exactly, or package-windows.sh refuses the root. The full package list follows."
      echo "$now"
      echo "# packages"
      winroot_run "$dir" dpkg-query -W -f='${Package} ${Version}\n' | sort | sed 's/^/# /'
    } >"$pin"
    return 0
  fi
  if ! diff <(grep -v '^#' "$pin") <(echo "$now") >/dev/null; then
    echo "The build root at $dir is not the pinned one ($pin):" >&2
    diff <(grep -v '^#' "$pin") <(echo "$now") >&2 || true
    echo "Refusing to build with another compiler. Remove the root (or set HUKA_WINDOWS_ROOT) to make it again, or update the pin on purpose." >&2
    return 1
  fi
  # The rest of the packages: told, not refused (security updates of unrelated libraries).
  if ! diff <(sed -n 's/^# \([^ ]* [^ ]*\)$/\1/p' "$pin" | grep -v '^packages' ) \
            <(winroot_run "$dir" dpkg-query -W -f='${Package} ${Version}\n' | sort) >/dev/null; then
    echo "note: packages other than the toolchain differ from $pin" >&2
  fi
}

# The pinned version of a toolchain package, if the pin names it.
winroot_pinned() {
  local pin; pin=$(winroot_pin_file)
  if [ -f "$pin" ]; then awk -v p="$1" '$1 == p { print $2 }' "$pin"; fi
}

# winroot_make DIR: a fresh root (built beside DIR, then moved: never a half-made root at DIR).
winroot_make() {
  local dir=$1 part=$1.partial mirror security p v spec=()
  mirror=$(winroot_mirror); security=$(winroot_security_mirror)
  winroot_umount "$part"
  rm -rf --one-file-system "$part"
  mkdir -p "$(dirname "$dir")"
  echo "==> debootstrap --variant=minbase $WINROOT_SUITE $part ($mirror)"
  debootstrap --variant=minbase "$WINROOT_SUITE" "$part" "$mirror" >"$dir.debootstrap.log" 2>&1 || {
    tail -20 "$dir.debootstrap.log" >&2; return 1; }
  cat >"$part/etc/apt/sources.list" <<SRC
deb $mirror $WINROOT_SUITE main
deb $mirror $WINROOT_SUITE-updates main
deb $security $WINROOT_SUITE-security main
SRC
  # This machine reaches the registries through a TLS proxy whose CA the host trusts.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$part/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$part/usr/local/share/ca-certificates/"
  fi
  cp /etc/resolv.conf "$part/etc/resolv.conf" 2>/dev/null || true
  winroot_mount "$part"
  echo "==> apt-get install (in the root): ${WINROOT_PACKAGES[*]}"
  winroot_run "$part" apt-get update -qq
  for p in "${WINROOT_PACKAGES[@]}"; do
    v=$(winroot_pinned "$p")
    if [ -n "$v" ]; then spec+=("$p=$v"); else spec+=("$p"); fi
  done
  winroot_run "$part" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${spec[@]}" \
    >"$dir.apt.log" 2>&1 || { tail -30 "$dir.apt.log" >&2; winroot_umount "$part"; return 1; }
  winroot_run "$part" update-ca-certificates >/dev/null 2>&1 || true
  winroot_run "$part" apt-get clean
  echo "==> cargo install tauri-cli $WINROOT_TAURI_CLI (in the root)"
  winroot_run "$part" cargo install tauri-cli --version "=$WINROOT_TAURI_CLI" --locked \
    >"$dir.tauri-cli.log" 2>&1 || { tail -30 "$dir.tauri-cli.log" >&2; winroot_umount "$part"; return 1; }
  winroot_check_pin "$part" || { winroot_umount "$part"; return 1; }
  winroot_umount "$part"
  rm -rf "$dir"
  mv "$part" "$dir"
  touch "$dir/.huka-windows-root"
}

# winroot_ready: makes the root when it is not there, checks the pin, mounts it.
winroot_ready() {
  local dir; dir=$(winroot_dir)
  winroot_host_prereqs
  if [ ! -f "$dir/.huka-windows-root" ]; then
    local t0=$SECONDS
    winroot_make "$dir"
    echo "==> root made in $((SECONDS - t0)) s"
  else
    echo "==> reusing the build root $dir"
  fi
  winroot_mount "$dir"
  winroot_check_pin "$dir"
}
