#!/usr/bin/env bash
# Clean-system test of the offline folder (slow, not part of scripts/test.sh: 15.5 minutes with
# --no-build on a busy 2-core machine, 8 of them building the previous package). Needs root.
#
#   1. builds dist/ with scripts/package.sh (timed), and a "previous" package with a lower
#      version number: this checkout's source by default (the package upgrade path on a real
#      encrypted database), or an older commit (HUKA_PREVIOUS_REF; then the schema migrates too);
#   2. debootstraps a minimal Debian 12 (minbase) root, removes its package sources, and
#      runs every command inside it without a network (unshare -n): an offline school PC;
#   3. fresh install: install.sh from a copy of dist/offline on a "stick" whose path has a
#      space, `huka --version`, the menu entry, the installed size; the window's cold start
#      under Xvfb and a screenshot of the first-start screen;
#   4. upgrade: the previous package, a school with demo data (300 students, a principal's
#      account, a signing key), the new package over it; every count of `huka stats --json`
#      equal, every household and every audit entry the same, the audit chain still holding,
#      the schema at the new version; the window on the upgraded data (screenshot);
#      `apt-get remove` (and purge) leave the data (database and key file) as they were.
#
# Usage: bash scripts/test-install.sh [--no-build]
#   --no-build   use dist/ as it is (and the cached previous package, if there is one)
# Environment: HUKA_PREVIOUS_REF (default: HEAD; an older commit must have `huka init
#   --principal`, 0b5452f (schema 9) or later), HUKA_PREVIOUS_VERSION (default 0.0.9), HUKA_TEST_DIR (default /var/tmp/huka-test),
#   HUKA_KEEP_ROOTS=1 keeps the two roots for a look afterwards.
# Screenshots and a summary go to dist/test-install/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

build=1
[ "${1:-}" = "--no-build" ] && build=0
prev_ref=${HUKA_PREVIOUS_REF:-HEAD}
prev_version=${HUKA_PREVIOUS_VERSION:-0.0.9}
test_dir=${HUKA_TEST_DIR:-/var/tmp/huka-test}
report=$here/dist/test-install
# shellcheck source=scripts/minbase.sh
. "$here/scripts/minbase.sh"

started=$(date +%s)
step_started=$started
step() { # step NAME: ends the previous step (printing its time), starts the next
  local now
  now=$(date +%s)
  [ -n "${step_name:-}" ] && printf '    (%s: %d s)\n' "$step_name" $(( now - step_started )) | tee -a "$report/timings.txt"
  step_name=$1
  step_started=$now
  [ -n "$1" ] && echo "==> $1"
  return 0
}
fail() { echo "FAILED: $*" >&2; exit 1; }
note() { echo "$*" | tee -a "$report/summary.txt"; }

xvfb_pid=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill -KILL -- "-$app_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  for r in "$test_dir/fresh" "$test_dir/upgrade" "$test_dir/base"; do
    minbase_umount "$r"
  done
  if [ -z "${HUKA_KEEP_ROOTS:-}" ]; then
    for r in "$test_dir/fresh" "$test_dir/upgrade" "$test_dir/base"; do minbase_remove "$r" || true; done
  fi
}
trap cleanup EXIT

rm -rf "$report"
mkdir -p "$report" "$test_dir"

# ---------------------------------------------------------------- 1. the two packages
bash scripts/install-package-deps.sh >/dev/null
if [ "$build" = 1 ] || [ ! -f dist/offline/install.sh ]; then
  step "build: bash scripts/package.sh"
  t=$(date +%s)
  bash scripts/package.sh 2>&1 | tee "$report/package.log" | grep -E '^(==>|Huka |  )' || true
  [ "${PIPESTATUS[0]}" = 0 ] || fail "scripts/package.sh (see $report/package.log)"
  note "package build (scripts/package.sh): $(( $(date +%s) - t )) s"
fi
new_deb=$(ls dist/huka_*_amd64.deb | head -1)
new_version=$(dpkg-deb -f "$new_deb" Version)
dpkg --compare-versions "$prev_version" lt "$new_version" || fail "previous version $prev_version is not lower than $new_version"

prev_commit=$(git rev-parse --short=10 "$prev_ref^{commit}")
prev_dist=$test_dir/previous-$prev_commit-$prev_version
if [ "$prev_ref" = HEAD ] && { [ "$build" = 1 ] || [ ! -f "$prev_dist/offline/install.sh" ]; }; then
  # This checkout with a lower version number: only the two binaries' own crates are
  # compiled again (the version is in the window's context and in `huka --version`).
  step "build the previous package: this source ($prev_commit) as version $prev_version"
  git diff --quiet HEAD -- crates src-tauri ui/src || echo "    (uncommitted changes are in both packages)"
  rm -rf "$prev_dist"
  bash scripts/package.sh --version "$prev_version" --out "$prev_dist" \
    >"$report/package-previous.log" 2>&1 || fail "packaging the previous version (see $report/package-previous.log)"
elif [ "$build" = 1 ] || [ ! -f "$prev_dist/offline/install.sh" ]; then
  step "build the previous package: $prev_ref ($prev_commit) as version $prev_version"
  rm -rf "$prev_dist" "$test_dir/previous-src"
  mkdir -p "$test_dir/previous-src"
  git archive "$prev_commit" | tar -x -C "$test_dir/previous-src"
  # Its own version everywhere: the package, the window and `huka --version`.
  sed -i "0,/^version = \".*\"/s//version = \"$prev_version\"/" "$test_dir/previous-src/Cargo.toml"
  python3 - "$test_dir/previous-src/src-tauri/tauri.conf.json" "$prev_version" <<'EOF'
import json, sys
p, v = sys.argv[1:]
c = json.load(open(p)); c["version"] = v
json.dump(c, open(p, "w"), ensure_ascii=False, indent=2)
EOF
  (cd "$test_dir/previous-src" && cargo update --workspace --offline -q)
  # The front end's packages: this checkout's, when the lock file is the same.
  if cmp -s ui/package-lock.json "$test_dir/previous-src/ui/package-lock.json" && [ -d ui/node_modules ]; then
    ln -s "$here/ui/node_modules" "$test_dir/previous-src/ui/node_modules"
  fi
  bash scripts/package.sh --source "$test_dir/previous-src" --version "$prev_version" --out "$prev_dist" \
    >"$report/package-previous.log" 2>&1 || fail "packaging $prev_ref (see $report/package-previous.log)"
  rm -rf "$test_dir/previous-src"
fi

# ---------------------------------------------------------------- 2. a clean, offline Debian 12
step "debootstrap a minbase Debian 12 root"
minbase_remove "$test_dir/base"
minbase_make "$test_dir/base"
base_packages=$(chroot "$test_dir/base" dpkg-query -W -f='${Package}\n' | wc -l)
# Offline: no package sources, no package lists, no downloaded packages.
rm -f "$test_dir/base/etc/apt/sources.list" "$test_dir/base/etc/apt/sources.list.d/"*
rm -rf "$test_dir/base/var/lib/apt/lists/"*
chroot "$test_dir/base" apt-get clean
chroot "$test_dir/base" useradd -m -s /bin/bash teacher
note "minbase root: $base_packages packages, $(du -sm "$test_dir/base" | cut -f1) MiB"

# in ROOT CMD…: as root, inside the root, with no network at all (only a loopback, down).
in_root() { local r=$1; shift; unshare --net chroot "$r" "$@"; }
# as_teacher ROOT CMD…: the same as the user `teacher`, in a plain desktop-like environment.
as_teacher() {
  local r=$1; shift
  unshare --net chroot --userspec=teacher:teacher "$r" env -i HOME=/home/teacher USER=teacher \
    LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin DISPLAY="${display:-}" "$@"
}
# stick ROOT DIR NAME: copies an offline folder to ROOT's "USB stick" (a path with a space).
stick() { mkdir -p "$1/media/teacher/HUKA USB"; cp -a "$2" "$1/media/teacher/HUKA USB/$3"; }

# Xvfb on this machine; its socket folder is bind-mounted into the roots (the display is the
# PC's, like its desktop; the app and every library it loads come from inside the root).
display=""
for n in $(seq 150 199); do
  [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }
done
[ -n "$display" ] || fail "no free X display"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp -br >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
# The software-rendering switches the end-to-end tests use: Xvfb has no GPU.
gl_env=(GDK_BACKEND=x11 WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1)

shot() { import -display "$display" -window root "$1"; }
# The number of colours on the screen: a few for an empty or blank window, hundreds once text
# (anti-aliased) is drawn.
# Only the top-left quarter is grabbed: one poll then takes under 0.1 s.
colours() { import -display "$display" -window root -crop 640x400+0+0 -format '%k' info: 2>/dev/null || echo 0; }

# start_app ROOT: starts the window as `teacher` in its own process group (app_pid); sets
# start_secs to the seconds until the screen shows rendered text (polled with screenshots,
# about every 0.15 s).
start_app() {
  local r=$1 t0 n
  # From an empty screen (Xvfb -br: one colour), so a window still closing is not counted.
  for _ in $(seq 100); do [ "$(colours)" -le 1 ] && break; sleep 0.1; done
  t0=$(date +%s.%N)
  setsid bash -c "$(declare -f as_teacher); display=$display; as_teacher '$r' ${gl_env[*]} huka-app" >"$report/app.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 600); do
    n=$(colours)
    if [ "$n" -gt 64 ]; then
      start_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
      return 0
    fi
    kill -0 "$app_pid" 2>/dev/null || { cat "$report/app.log" >&2; fail "huka-app exited"; }
    sleep 0.05
  done
  fail "the window showed nothing within a minute"
}
stop_app() {
  kill -TERM -- "-$app_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

# ---------------------------------------------------------------- 3. fresh install
step "fresh install from dist/offline"
rm -rf "$test_dir/fresh"
cp -a "$test_dir/base" "$test_dir/fresh"
fresh=$test_dir/fresh
minbase_mount "$fresh" /tmp/.X11-unix
stick "$fresh" dist/offline "huka offline"
du_before=$(du -sm --exclude=media --exclude=proc --exclude=sys --exclude=dev "$fresh" | cut -f1)
t=$(date +%s)
in_root "$fresh" sh "/media/teacher/HUKA USB/huka offline/install.sh" >"$report/install-fresh.log" 2>&1 \
  || { tail -30 "$report/install-fresh.log"; fail "install.sh on the clean root"; }
note "offline install on the clean root: $(( $(date +%s) - t )) s"
du_after=$(du -sm --exclude=media --exclude=proc --exclude=sys --exclude=dev "$fresh" | cut -f1)
[ -z "$(ls -A "$fresh/etc/apt/sources.list.d" 2>/dev/null)" ] && [ ! -e "$fresh/etc/apt/sources.list" ] \
  || fail "install.sh left a package source behind"

version_out=$(as_teacher "$fresh" huka --version)
[ "$version_out" = "huka $new_version" ] || fail "huka --version said '$version_out', expected 'huka $new_version'"
note "huka --version: $version_out"
desktop=$fresh/usr/share/applications/Huka.desktop
grep -qx 'Name\[zh_CN\]=户卡' "$desktop" && grep -qx 'Name=Huka' "$desktop" || fail "menu entry: $(cat "$desktop")"
icon=$(sed -n 's/^Icon=//p' "$desktop")
ls "$fresh"/usr/share/icons/hicolor/*/apps/"$icon".png >/dev/null || fail "no icon $icon"
[ -x "$fresh/usr/bin/huka" ] && [ -x "$fresh/usr/bin/huka-app" ] || fail "binaries missing"
installed_kib=$(in_root "$fresh" dpkg-query -W -f='${Installed-Size}' huka)
note "installed size of huka: $installed_kib KiB; the root grew by $(( du_after - du_before )) MiB ($(in_root "$fresh" dpkg-query -W -f='${Package}\n' | wc -l) packages, was $base_packages)"

step "the window's cold start and the first-start screen"
sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null && caches="page cache dropped" || caches="page cache could not be dropped"
start_app "$fresh"
cold=$start_secs
sleep 3
shot "$report/first-start.png"
stop_app
start_app "$fresh"
warm=$start_secs
stop_app
note "cold start (launch → text on screen, $caches): $cold s; second start: $warm s"
[ -f "$fresh/home/teacher/.local/share/cn.huka.app/huka.db" ] && note "the window made ~/.local/share/cn.huka.app/huka.db"
minbase_umount "$fresh"

# ---------------------------------------------------------------- 4. upgrade
step "upgrade: the previous package, a school with demo data"
rm -rf "$test_dir/upgrade"
cp -a "$test_dir/base" "$test_dir/upgrade"
up=$test_dir/upgrade
minbase_mount "$up" /tmp/.X11-unix
stick "$up" "$prev_dist/offline" "huka $prev_version"
stick "$up" dist/offline "huka $new_version"
in_root "$up" sh "/media/teacher/HUKA USB/huka $prev_version/install.sh" >"$report/install-previous.log" 2>&1 \
  || { tail -30 "$report/install-previous.log"; fail "install.sh of the previous version"; }
[ "$(as_teacher "$up" huka --version)" = "huka $prev_version" ] || fail "previous huka --version: $(as_teacher "$up" huka --version)"
# The school's secrets, as the principal would type them (the CLI reads them from the
# environment when there is no terminal).
login=(HUKA_USER=wang HUKA_PASSWORD=principal-pass-2026 HUKA_PASSPHRASE=signing-pass-2026)
as_teacher "$up" "${login[@]}" huka init --school-code 2161092101 --school-name 涧池镇九年制学校 --town 涧池镇 \
  --principal wang >"$report/init.log" 2>&1 || { cat "$report/init.log"; fail "huka init with the previous version"; }
as_teacher "$up" "${login[@]}" huka demo --students 300 >/dev/null || fail "huka demo with the previous version"
db=$up/home/teacher/.local/share/cn.huka.app/huka.db
[ -f "$db" ] || fail "the demo school is not at ~/.local/share/cn.huka.app/huka.db"
[ -f "$db.keys" ] || fail "no key file beside the database"
! head -c 16 "$db" | grep -q "SQLite format 3" || fail "the database is not encrypted"

# What the school has, through the command line (the database is encrypted: no sqlite3 here):
# the counts of every kind of record, every household, every audit entry (the old and new
# values of every write ever made, with its chain hash), and whether the chain holds.
records() { # records ROOT OUT_PREFIX
  as_teacher "$1" "${login[@]}" huka stats --json >"$2-stats.json"
  as_teacher "$1" "${login[@]}" huka households list --json >"$2-households.json"
  as_teacher "$1" "${login[@]}" huka audit list --json >"$2-audit.json"
  as_teacher "$1" "${login[@]}" huka audit verify --json >"$2-verify.json" || fail "huka audit verify ($2)"
}
records "$up" "$report/before"
# The schema the previous version left: the number of its migrations (opening migrates).
schema_before=$(git ls-tree --name-only "$prev_commit" crates/huka-domain/src/migrations/ crates/huka-core/src/migrations/ | grep -c '\.sql$')

step "upgrade: install the new package over it"
in_root "$up" sh "/media/teacher/HUKA USB/huka $new_version/install.sh" >"$report/install-upgrade.log" 2>&1 \
  || { tail -30 "$report/install-upgrade.log"; fail "install.sh of the new version over the previous"; }
[ "$(as_teacher "$up" huka --version)" = "huka $new_version" ] || fail "after the upgrade huka --version: $(as_teacher "$up" huka --version)"
records "$up" "$report/after"
schema_after=$(as_teacher "$up" "${login[@]}" huka stats --schema)
migrations=$(ls crates/huka-domain/src/migrations/*.sql | wc -l)
python3 - "$report" "$schema_before" "$schema_after" "$migrations" <<'EOF2' | tee -a "$report/summary.txt"
import json, sys
d = sys.argv[1]
before, after, migrations = (int(x) for x in sys.argv[2:])
load = lambda w, k: json.load(open(f"{d}/{w}-{k}.json"))
sb, sa = load("before", "stats"), load("after", "stats")
bad = [k for k in sb if sb[k] != sa.get(k)]
assert not bad, f"huka stats differ after the upgrade: {[(k, sb[k], sa.get(k)) for k in bad]}"
assert sb["students"] == 300 and sb["households"] > 0 and sb["signingKeys"] == 1, sb
hb, ha = load("before", "households"), load("after", "households")
assert hb == ha, "the households differ after the upgrade"
ab, aa = load("before", "audit"), load("after", "audit")
assert aa[-len(ab):] == ab if len(aa) >= len(ab) else False, "audit entries lost or changed"
vb, va = load("before", "verify"), load("after", "verify")
assert va.get("broken") is None, f"the audit chain breaks after the upgrade: {va['broken']}"
assert after == migrations, f"schema {after} after the upgrade, expected {migrations}"
assert before <= after
print(f"upgrade kept every record: huka stats equal ({', '.join(f'{k} {v}' for k, v in sb.items() if v)}); "
      f"all {len(hb)} households identical; all {len(ab)} audit entries identical and the chain holds "
      f"({va['entries']} entries after); schema {before} -> {after}"
      + ("" if before < after else " (same source: nothing to migrate)"))
EOF2
[ "${PIPESTATUS[0]}" = 0 ] || fail "the upgrade lost or changed data"

step "upgrade: the window on the upgraded school"
start_app "$up"
sleep 4
shot "$report/after-upgrade.png"
stop_app

step "uninstall: apt-get remove, then purge, keep the data"
db_sum_before=$(cat "$db" "$db.keys" | sha256sum)
in_root "$up" apt-get remove -y huka >"$report/remove.log" 2>&1 || fail "apt-get remove huka"
[ ! -e "$up/usr/bin/huka" ] || fail "/usr/bin/huka is still there after apt-get remove"
[ "$(cat "$db" "$db.keys" | sha256sum)" = "$db_sum_before" ] || fail "apt-get remove changed the database"
# huka has no configuration files, so `remove` leaves nothing for `purge`; dpkg --purge says so.
in_root "$up" dpkg --purge huka >>"$report/remove.log" 2>&1 || fail "dpkg --purge huka"
! in_root "$up" dpkg-query -W -f='${Status}' huka 2>/dev/null | grep -q installed || fail "huka is still installed"
[ "$(cat "$db" "$db.keys" | sha256sum)" = "$db_sum_before" ] || fail "purging changed the database"
note "apt-get remove (and dpkg --purge): the program is gone, ~/.local/share/cn.huka.app/huka.db unchanged"
minbase_umount "$up"
step ""

note "clean-system test passed in $(( $(date +%s) - started )) s"
echo "screenshots: $report/first-start.png $report/after-upgrade.png"
