#!/usr/bin/env bash
# Builds Huka's release package with the Tauri bundler, and the folder a school copies to a USB
# stick to install it on an offline Debian 12 PC:
#
#   dist/huka_<version>_amd64.deb   the window (menu entry 户卡), the `huka` command line in /usr/bin
#   dist/offline/                   that .deb, every .deb it needs beyond a minimal Debian 12
#                                   (debs/, a local apt repository) and install.sh
#
# Usage: bash scripts/package.sh [--version X.Y.Z] [--source DIR] [--out DIR] [--no-offline]
#   --version  the package's version (default: tauri.conf.json's); also $HUKA_VERSION
#   --source   build another checkout of Huka (scripts/test-install.sh builds an older one)
#   --out      where to put the results (default: dist/ of this checkout)
#   --no-offline  only the .deb
# Needs root (debootstrap, chroot) for the offline folder; installs what is missing first.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

version=${HUKA_VERSION:-}
src=$here
out=$here/dist
offline=1
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=$2; shift 2 ;;
    --source) src=$(cd "$2" && pwd); shift 2 ;;
    --out) mkdir -p "$2"; out=$(cd "$2" && pwd); shift 2 ;;
    --no-offline) offline=0; shift ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

bash "$here/scripts/install-deps.sh"
bash "$here/scripts/install-package-deps.sh"
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=scripts/minbase.sh
. "$here/scripts/minbase.sh"

started=$(date +%s)
work=$(mktemp -d)
cleanup() {
  [ -n "${root:-}" ] && minbase_umount "$root"
  rm -rf "$work"
}
trap cleanup EXIT

cd "$src"
conf=$src/src-tauri/tauri.conf.json
[ -n "$version" ] || version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$conf")
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
echo "==> Huka $version from $src (cargo target: $target_dir)"

if [ "$src" != "$here" ] && [ ! -d "$src/ui/node_modules" ]; then
  (cd "$src/ui" && npm ci --no-audit --no-fund)
fi
echo "==> front end (npm run build)"
npm --prefix ui run build

# The package's version is also the one `huka --version` prints (option_env! in main.rs).
export HUKA_PACKAGE_VERSION=$version
# One executable is both the window and `huka` (src-tauri/src/main.rs): the package installs it
# once, with /usr/bin/huka a link to it. An older checkout (--source) may still have two.
one_exe=0
grep -q 'huka_cli::main' "$src/src-tauri/src/main.rs" && one_exe=1
if [ "$one_exe" = 0 ]; then
  echo "==> the huka command line (cargo build --release; an older checkout with two executables)"
  cargo build --release --locked -p huka-cli
fi
# The binaries go into the package stripped of their symbol tables (as Debian's dh_strip
# does: about 5 MB less), from copies, so cargo's own outputs stay as they are.
bin=$work/target/release
cli=$bin/huka
app=$bin/huka-app

# The deb settings come from this checkout's tauri.conf.json (bundle.linux.deb), with paths
# made absolute, so that an older checkout (--source) is packaged the same way; the version
# goes into the window too (tauri::generate_context!).
config() { # config DEPENDS_JSON > file
  python3 - "$here/src-tauri/tauri.conf.json" "$here/src-tauri" "$version" "$([ "$one_exe" = 1 ] && echo - || echo "$cli")" "$1" <<'EOF'
import json, os, sys
conf, tauri_dir, version, cli, depends = sys.argv[1:]
bundle = json.load(open(conf))["bundle"]
deb = dict(bundle["linux"]["deb"])
deb["desktopTemplate"] = os.path.join(tauri_dir, deb["desktopTemplate"])
if cli != "-":
    deb["files"] = {"/usr/bin/huka": cli}
deb["depends"] = deb.get("depends", []) + json.loads(depends)
out = {"version": version, "bundle": {"publisher": bundle.get("publisher", "Huka"),
       "category": bundle["category"], "linux": {"deb": deb}}}
print(json.dumps(out, ensure_ascii=False, indent=1))
EOF
}
# The build sees only the version: anything that changes between runs (the temporary paths
# of the bundle settings) would make tauri-build recompile the window every time.
printf '{"version": "%s"}\n' "$version" >"$work/build.json"

echo "==> the window (cargo tauri build --no-bundle: release, front end embedded)"
cargo tauri build --ci --no-bundle --config "$work/build.json"
build_seconds=$(( $(date +%s) - started ))
mkdir -p "$bin"
cp "$target_dir/release/huka-app" "$bin/"
if [ "$one_exe" = 1 ]; then
  cli=$app
else
  cp "$target_dir/release/huka" "$bin/"
fi
strip --strip-unneeded "$cli" "$app"

# Depends: what the two binaries link against, as dpkg-shlibdeps says (versioned, and only
# run-time libraries — no build tools), plus the CJK font from tauri.conf.json.
mkdir -p "$work/shlibs/debian"
printf 'Source: huka\n\nPackage: huka\nArchitecture: any\n' >"$work/shlibs/debian/control"
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e"$app" -e"$cli" 2>"$work/shlibdeps.log" | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { cat "$work/shlibdeps.log" >&2; echo "dpkg-shlibdeps found nothing" >&2; exit 1; }
# The encrypted database (SQLCipher) uses the system's libcrypto: libssl3 must be among them.
if readelf -d "$cli" "$app" | grep -q 'NEEDED.*libcrypto\.so\.3'; then
  echo "$shlibs" | grep -q 'libssl3' || { echo "Depends lacks libssl3 (libcrypto.so.3): $shlibs" >&2; exit 1; }
fi
depends_json=$(python3 -c 'import json,sys; print(json.dumps([d.strip() for d in sys.argv[1].split(",") if d.strip()]))' "$shlibs")
config "$depends_json" >"$work/bundle.json"

echo "==> the .deb (cargo tauri bundle --bundles deb)"
t=$(date +%s)
# The bundler takes the window's binary from <cargo target dir>/release: here, the copies.
CARGO_TARGET_DIR=$work/target cargo tauri bundle --ci --bundles deb --config "$work/bundle.json"
built_deb=$(ls "$bin"/bundle/deb/*_"${version}"_amd64.deb)
mkdir -p "$out"
rm -f "$out"/huka_*_amd64.deb
deb=$out/huka_${version}_amd64.deb
if [ "$one_exe" = 1 ]; then
  # /usr/bin/huka: a link to the window's executable, which runs as the command line under
  # that name. The bundler copies files only, so the link is added to its package here.
  rm -rf "$work/deb"
  dpkg-deb -R "$built_deb" "$work/deb"
  ln -s huka-app "$work/deb/usr/bin/huka"
  dpkg-deb --root-owner-group -Zxz -b "$work/deb" "$deb" >/dev/null
else
  cp "$built_deb" "$deb"
fi
bundle_seconds=$(( $(date +%s) - t ))

deb_bytes=$(stat -c %s "$deb")
installed_kib=$(dpkg-deb -f "$deb" Installed-Size)
echo "==> $deb"
dpkg-deb -f "$deb" Package Version Depends | sed 's/^/    /'

if [ "$offline" = 1 ]; then
  # The dependency closure, computed by apt in a minbase root (kept between runs under
  # $HUKA_CACHE; nothing is ever installed in it). The folder holds the *whole* closure — apt
  # asked to install the .deb on an empty package status — not only the packages a minbase
  # root lacks: a PC installed from an older Debian 12 point release and never updated may
  # need a newer libc6 or libssl3 than it has. install.sh lets apt take only what the PC lacks.
  t=$(date +%s)
  cache=${HUKA_CACHE:-/var/tmp/huka-package}
  root=$cache/minbase-bookworm
  if [ ! -x "$root/usr/bin/apt-get" ] || [ -n "${HUKA_FRESH_MINBASE:-}" ]; then
    minbase_remove "$root"
    minbase_make "$root"
  fi
  minbase_sources "$root"
  minbase_mount "$root"
  echo "==> the dependency closure (apt-get install --download-only in a minbase root)"
  cp "$deb" "$root/tmp/huka.deb"
  chroot "$root" apt-get -qq update
  chroot "$root" apt-get -qq clean
  beyond_minbase=$(chroot "$root" apt-get install -s --no-install-recommends /tmp/huka.deb 2>/dev/null | grep -c '^Inst ')
  : >"$root/tmp/empty-status"
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -o Dir::State::status=/tmp/empty-status \
    install -y -qq --download-only --no-install-recommends /tmp/huka.deb >"$work/download.log"
  rm -f "$root/tmp/huka.deb" "$root/tmp/empty-status"
  minbase_umount "$root"
  root=""

  dir=$out/offline
  rm -rf "$dir"
  mkdir -p "$dir/debs"
  cp "$deb" "$dir/debs/"
  cp "$cache"/minbase-bookworm/var/cache/apt/archives/*.deb "$dir/debs/"
  (cd "$dir/debs" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null)
  cp "$here/scripts/offline/install.sh" "$dir/install.sh"
  cp "$here/scripts/offline/README.txt" "$dir/README.txt"
  (cd "$dir" && find debs install.sh -type f -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)
  offline_seconds=$(( $(date +%s) - t ))
fi

total=$(( $(date +%s) - started ))
echo
echo "Huka $version packaged in ${total} s (build ${build_seconds} s, bundle ${bundle_seconds} s${offline_seconds:+, offline folder ${offline_seconds} s})"
printf '  %-28s %s\n' ".deb" "$deb ($(( deb_bytes / 1024 )) KiB = $(awk -v b="$deb_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"
printf '  %-28s %s\n' "installed size" "$installed_kib KiB = $(awk -v k="$installed_kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
if [ "$offline" = 1 ]; then
  printf '  %-28s %s\n' "offline folder" "$dir: $(ls "$dir/debs"/*.deb | wc -l) packages ($beyond_minbase beyond a minbase root, huka included), $(du -sh "$dir" | cut -f1)"
fi
