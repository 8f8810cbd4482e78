#!/usr/bin/env bash
# Builds Huka's Windows installer on this Linux machine, offline but for package registries:
#
#   dist/windows/huka_<version>_x64-setup.exe   per-user NSIS installer (no administrator):
#                                               户卡 in the Start menu, the program in
#                                               %LOCALAPPDATA%\Programs\Huka\ — huka-app.exe (the
#                                               window, also the `huka` command line), huka.exe
#                                               (its console front), WebView2Loader.dll
#   dist/windows/huka-app.exe, huka.exe, …      the same files, loose (scripts/test-windows.sh)
#   dist/windows/build-info.txt                 compiler, versions, sizes, timings
#
# Cross-compiled for x86_64-pc-windows-gnu in a Debian 13 build root (scripts/windows/root.sh,
# pinned by scripts/windows/root.pin; made on the first run, reused after): Debian's rustc-web
# with -Zbuild-std, mingw-w64, tauri-cli (`cargo tauri build --no-bundle`), then Debian's
# makensis with scripts/windows/installer.nsi. Why not the Tauri bundler: docs/windows.md.
#
# Usage: bash scripts/package-windows.sh [--out DIR]
#   $HUKA_WINDOWS_ROOT  the build root (default /var/cache/huka-windows-root); the Windows
#                       target directory and a copy of the sources live inside it
#   $HUKA_VERSION       the version (default: tauri.conf.json's)
# Needs root (debootstrap, chroot, mount). Installs what the host lacks (debootstrap, rsync).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/dist/windows
while [ $# -gt 0 ]; do
  case $1 in
    --out) mkdir -p "$2"; out=$(cd "$2" && pwd); shift 2 ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "package-windows.sh needs root (debootstrap, chroot, mount)" >&2; exit 2; }

# shellcheck source=scripts/windows/root.sh
. "$here/scripts/windows/root.sh"
root=$(winroot_dir)
started=$SECONDS
cleanup() { winroot_umount "$root"; }
trap cleanup EXIT

# Host prerequisites, only when missing.
if ! command -v rsync >/dev/null; then
  echo "==> apt-get install rsync (host)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsync
fi
t0=$SECONDS
winroot_ready
root_seconds=$((SECONDS - t0))

version=${HUKA_VERSION:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$here/src-tauri/tauri.conf.json")}
echo "==> Huka $version for Windows x64"

# The front end, built on the host (node is not in the root) and embedded by the build.
t0=$SECONDS
if [ ! -d "$here/ui/node_modules" ]; then (cd "$here/ui" && npm ci --no-audit --no-fund); fi
echo "==> front end (npm run build)"
npm --prefix "$here/ui" run build >/dev/null

# A copy of the sources inside the root: the build sees one consistent state (others may be
# editing the checkout) and writes nothing into it; a second build recompiles only what changed.
echo "==> sources → $root/build/src"
mkdir -p "$root/build/src" "$root/build/target" "$root/build/out"
# --checksum, times not copied: a file whose content is the same (ui/dist is rebuilt on every
# run) keeps the copy's old time, so cargo does not rebuild the window and redo its fat LTO.
rsync -rlpgoD --checksum --delete --exclude=/.git --exclude='/target*' --exclude=/dist --exclude=/shots \
  --exclude=node_modules --exclude='*.db' --exclude='*.db-wal' --exclude='*.db-shm' \
  "$here/" "$root/build/src/"

# The build, in the root. Everything under /build/target is the Windows target directory.
cat >"$root/build/build.sh" <<'SH'
set -euo pipefail
export CARGO_HOME=/opt/cargo CARGO_TARGET_DIR=/build/target
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc CXX_x86_64_pc_windows_gnu=x86_64-w64-mingw32-g++
export AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
# Debian ships no prebuilt Windows standard library: it is built from rust-web-src.
export RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export HUKA_PACKAGE_VERSION=$1
cd /build/src/src-tauri
# The window (tauri.conf.json merged with tauri.windows.conf.json; the front end embedded).
cargo tauri build --no-bundle --ci --target x86_64-pc-windows-gnu -- --locked
cd /build/src
# huka.exe, the console front of the window's executable (a small program of its own).
if [ -d crates/huka-console ]; then
  cargo build --release --locked --target x86_64-pc-windows-gnu -p huka-console
fi
SH
t0=$SECONDS
echo "==> cargo tauri build --no-bundle --target x86_64-pc-windows-gnu (log: $root/build/build.log)"
if ! winroot_run "$root" bash /build/build.sh "$version" >"$root/build/build.log" 2>&1; then
  tail -40 "$root/build/build.log" >&2
  echo "the Windows build failed; the whole log: $root/build/build.log" >&2
  exit 1
fi
build_seconds=$((SECONDS - t0))

rel=$root/build/target/x86_64-pc-windows-gnu/release
stage=$root/build/out/stage
rm -rf "$stage" && mkdir -p "$stage"
cp "$rel/huka-app.exe" "$stage/"
if [ -f "$rel/huka-console.exe" ]; then
  cp "$rel/huka-console.exe" "$stage/huka.exe"
else
  # Before the window became the command line too: the `huka` binary of huka-cli.
  winroot_run "$root" bash -c "cd /build/src && CARGO_HOME=/opt/cargo CARGO_TARGET_DIR=/build/target \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc \
    CXX_x86_64_pc_windows_gnu=x86_64-w64-mingw32-g++ AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar \
    RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort HUKA_PACKAGE_VERSION=$version \
    cargo build --release --locked --target x86_64-pc-windows-gnu -p huka-cli" >>"$root/build/build.log" 2>&1
  cp "$rel/huka.exe" "$stage/huka.exe"
fi
# The WebView2 loader (webview2-com-sys ships it; the window's executable imports it).
loader=$(find "$root/build/target/x86_64-pc-windows-gnu/release" -path '*x64*' -name WebView2Loader.dll -print -quit 2>/dev/null || true)
[ -n "$loader" ] || loader=$(find "$root/build/target/x86_64-pc-windows-gnu/release" -name WebView2Loader.dll -print -quit)
[ -n "$loader" ] || { echo "WebView2Loader.dll not found in the build" >&2; exit 1; }
cp "$loader" "$stage/WebView2Loader.dll"

# Only Windows' own DLLs (and WebView2Loader.dll) may be imported: nothing of mingw's
# (libgcc, libwinpthread, libstdc++) or OpenSSL's to ship.
system_dlls=" kernel32 kernelbase ntdll user32 gdi32 advapi32 shell32 ole32 oleaut32 comctl32 comdlg32
  ws2_32 wsock32 mswsock bcrypt bcryptprimitives ncrypt crypt32 secur32 wintrust userenv dwmapi uxtheme
  shlwapi version winmm imm32 msvcrt ucrtbase propsys rpcrt4 setupapi winspool iphlpapi dnsapi dbghelp
  powrprof usp10 msimg32 opengl32 dwrite d2d1 windowscodecs winhttp wininet cfgmgr32 mpr netapi32 psapi
  gdiplus oleacc uiautomationcore dxgi d3d11 msctf shcore normaliz combase shell32 webview2loader "
for exe in "$stage"/*.exe; do
  imports=$(winroot_run "$root" x86_64-w64-mingw32-objdump -p "/build/out/stage/$(basename "$exe")" | awk '/DLL Name:/ { print $3 }')
  bad=""
  for dll in $imports; do
    name=$(echo "${dll%.*}" | tr '[:upper:]' '[:lower:]')
    case " $system_dlls " in *" $name "*) continue ;; esac
    case $name in api-ms-win-*) continue ;; esac
    bad="$bad $dll"
  done
  if [ -n "$bad" ]; then
    echo "$(basename "$exe") imports DLLs the installer does not ship:$bad" >&2
    exit 1
  fi
  echo "    $(basename "$exe") imports: $(echo $imports)"
done

# The installer: settings from tauri.conf.json merged with tauri.windows.conf.json (RFC 7396,
# as Tauri merges them), written as defines for installer.nsi.
nsis_dir=$root/build/out/nsis
rm -rf "$nsis_dir" && mkdir -p "$nsis_dir"
outfile=huka_${version}_x64-setup.exe
python3 - "$here/src-tauri" "$version" "$nsis_dir/defines.nsh" "$outfile" "$stage" <<'PY'
import json, os, sys
tauri_dir, version, defines, outfile, stage = sys.argv[1:]
def merge(a, b):
    if not isinstance(b, dict):
        return b
    a = dict(a) if isinstance(a, dict) else {}
    for k, v in b.items():
        if v is None:
            a.pop(k, None)
        else:
            a[k] = merge(a.get(k), v)
    return a
conf = merge(json.load(open(os.path.join(tauri_dir, "tauri.conf.json"))),
             json.load(open(os.path.join(tauri_dir, "tauri.windows.conf.json"))))
bundle = conf["bundle"]
nsis = bundle["windows"]["nsis"]
if nsis.get("installMode", "currentUser") != "currentUser":
    sys.exit("installer.nsi installs per user only (bundle.windows.nsis.installMode = currentUser)")
mode = bundle["windows"].get("webviewInstallMode", {}).get("type", "downloadBootstrapper")
if mode != "skip":
    sys.exit(f"webviewInstallMode {mode!r} needs the Tauri bundler online; installer.nsi carries no WebView2 (use \"skip\")")
langs = nsis.get("languages") or ["SimpChinese"]
size_kb = sum(os.path.getsize(os.path.join(stage, f)) for f in os.listdir(stage)) // 1024
parts = version.split("-")[0].split("+")[0].split(".")
values = {
    "PRODUCT": conf["productName"],
    "VERSION": version,
    "VERSION4": ".".join((parts + ["0"] * 4)[:4]),
    "IDENTIFIER": conf["identifier"],
    "PUBLISHER": bundle.get("publisher", conf["productName"]),
    "STAGE": "/build/out/stage",
    "ICON": os.path.normpath(os.path.join("/build/src/src-tauri", nsis["installerIcon"])),
    "HOOKS": os.path.normpath(os.path.join("/build/src/src-tauri", nsis["installerHooks"])),
    "LANGUAGE": langs[0],
    "COMPRESSOR": nsis.get("compression", "lzma"),
    "OUTFILE": "/build/out/" + outfile,
    "INSTALL_DIR_NAME": "Huka",
    "MAIN_EXE": conf.get("mainBinaryName", "huka-app") + ".exe",
    "ESTIMATED_KB": str(size_kb),
}
with open(defines, "w", encoding="utf-8-sig") as f:
    for k, v in values.items():
        f.write(f'!define {k} "{v}"\n')
PY
cp "$here/scripts/windows/installer.nsi" "$nsis_dir/installer.nsi"
echo "==> makensis (log: $root/build/makensis.log)"
rm -f "$root/build/out/$outfile"
if ! winroot_run "$root" makensis -V2 -INPUTCHARSET UTF8 /build/out/nsis/installer.nsi >"$root/build/makensis.log" 2>&1; then
  cat "$root/build/makensis.log" >&2
  exit 1
fi

rm -rf "$out" && mkdir -p "$out"
cp "$root/build/out/$outfile" "$out/"
cp "$stage"/* "$out/"
total=$((SECONDS - started))
{
  echo "Huka $version for Windows x64 (x86_64-pc-windows-gnu), built $(date -u +%Y-%m-%dT%H:%MZ)"
  winroot_versions "$root"
  echo "root ready in ${root_seconds} s; cargo build ${build_seconds} s; whole run ${total} s"
  (cd "$out" && for f in "$outfile" huka-app.exe huka.exe WebView2Loader.dll; do
    printf '%-36s %10d bytes  sha256 %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
  done)
} >"$out/build-info.txt"
cat "$out/build-info.txt"
echo "==> $out/$outfile"
