#!/usr/bin/env bash
# Runs the cross-built Windows programs (dist/windows/, from scripts/package-windows.sh) under
# Wine — the build root's Wine (Debian 13, Wine 10), as a normal user of that root, in a fresh
# WINEPREFIX — through what matters on a school's Windows PC, each step checked:
#
#   huka.exe: init and login, demo, imports of an .xlsx and a GBK .csv whose paths have Chinese
#   characters and spaces, the county bundle (checked by the real `minisign -V` on this host and
#   by `huka.exe verify`), a sync exchange between two databases through a FAT32 stick (a vfat
#   loop image; a plain folder when loop mounts are refused — the run says which), backup and
#   restore, the archive with the CJK font found in C:\windows\Fonts;
#   the installer: a silent per-user install to %LOCALAPPDATA%\Programs\Huka, the Start-menu
#   entry 户卡, an upgrade over it, huka-app.exe saying in Chinese that WebView2 is missing (and
#   exiting non-zero), the uninstaller leaving %APPDATA%\cn.huka.app\huka.db in place.
#
# Usage: bash scripts/test-windows.sh [DIST_DIR]      (default dist/windows)
# Ends with "N passed, N failed"; exits 1 when a check failed. Needs root (chroot, mount).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dist=$(cd "${1:-$here/dist/windows}" 2>/dev/null && pwd) || { echo "no ${1:-dist/windows}: run scripts/package-windows.sh first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "test-windows.sh needs root (chroot, mount)" >&2; exit 2; }
# shellcheck source=scripts/windows/root.sh
. "$here/scripts/windows/root.sh"
root=$(winroot_dir)
[ -f "$root/.huka-windows-root" ] || { echo "no build root at $root: run scripts/package-windows.sh first" >&2; exit 2; }
installer=$(ls "$dist"/huka_*_x64-setup.exe 2>/dev/null | head -1)
for f in "$installer" "$dist/huka.exe" "$dist/huka-app.exe" "$dist/WebView2Loader.dll"; do
  [ -f "$f" ] || { echo "missing $f: run scripts/package-windows.sh first" >&2; exit 2; }
done
command -v minisign >/dev/null || { apt-get update -qq && apt-get install -y -qq minisign; }
command -v mkfs.vfat >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends dosfstools; }
started=$SECONDS

winroot_mount "$root"
# A normal (non-root) user of the root runs Wine: the Windows account 王老师 works under.
user=teacher
chroot "$root" id -u "$user" >/dev/null 2>&1 || chroot "$root" useradd -m -s /bin/bash "$user"
uid=$(chroot "$root" id -u "$user"); gid=$(chroot "$root" id -g "$user")
work_in=$(chroot "$root" mktemp -d /tmp/huka-wine.XXXXXX)   # the path inside the root
work=$root$work_in                                          # the same, seen from here
chown "$uid:$gid" "$work"
usb_mounted=""
cleanup() {
  [ -n "$usb_mounted" ] && umount "$work/usb" 2>/dev/null
  # Wine's server of this prefix (started by us, as $user) ends when asked.
  [ -d "$work/prefix" ] && chroot --userspec="$uid:$gid" "$root" env -i HOME=/home/$user WINEPREFIX="$work_in/prefix" /usr/bin/wineserver -k >/dev/null 2>&1
  winroot_umount "$root"
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; return 1; fi; }

# wine_as ENV… -- PROGRAM ARGS…: runs under Wine as $user; stdout → $work/out, stderr → $work/err.
wine_env=(HOME=/home/$user USER=$user LANG=C.UTF-8 WINEPREFIX="$work_in/prefix" WINEDEBUG=-all
  WINEDLLOVERRIDES="mscoree,mshtml=" PATH=/usr/local/bin:/usr/bin:/bin)
run() {
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  timeout "${TIMEOUT:-180}" chroot --userspec="$uid:$gid" "$root" env -i "${wine_env[@]}" "${envs[@]}" wine "$@" \
    >"$work/out" 2>"$work/err"
  code=$?
  return 0
}
out() { cat "$work/out"; }
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$work/out" "$1" 2>/dev/null; }
login=(HUKA_USER=wang HUKA_PASSWORD=principal-pass HUKA_LANG=zh_CN)
drive_c=$work/prefix/drive_c

echo "==> Wine prefix (first start takes a while)"
t0=$SECONDS
run -- wineboot -i
check "wineboot makes a fresh prefix ($((SECONDS - t0)) s)" test -d "$drive_c/windows"
appdata=$drive_c/users/$user/AppData/Roaming
localappdata=$drive_c/users/$user/AppData/Local

# The programs as a user would have them before installing: loose in a folder.
mkdir -p "$drive_c/huka"
cp "$dist/huka.exe" "$dist/huka-app.exe" "$dist/WebView2Loader.dll" "$drive_c/huka/"
chown -R "$uid:$gid" "$drive_c/huka"
huka='C:\huka\huka.exe'

run -- "$huka" --version
check "huka.exe --version ($(out | head -1))" test "$code" = 0 -a -n "$(out)"

# --- init and login, on the default path (%APPDATA%\cn.huka.app\huka.db) ---
run "${login[@]}" -- "$huka" init --school-code 2161092101 --school-name 涧池镇九年制学校 --principal wang
check "init: exit 0, the recovery code printed" test "$code" = 0 -a "$(out | grep -c '恢复码')" -ge 1
check "init: the database is %APPDATA%\\cn.huka.app\\huka.db (with huka.db.keys)" test -f "$appdata/cn.huka.app/huka.db" -a -f "$appdata/cn.huka.app/huka.db.keys"
check "the database file is encrypted (no SQLite header)" bash -c "! head -c 16 '$appdata/cn.huka.app/huka.db' | grep -q 'SQLite format'"
run HUKA_USER=wang HUKA_PASSWORD=wrong-password HUKA_LANG=zh_CN -- "$huka" stats --json
check "a wrong password is refused (exit 1)" test "$code" = 1
run "${login[@]}" -- "$huka" stats --json
check "login: stats --json (exit 0)" test "$code" = 0 -a "$(jq_ 'd["students"]')" = 0

# --- demo ---
run "${login[@]}" -- "$huka" demo --students 60
check "demo --students 60 (exit 0)" test "$code" = 0
run "${login[@]}" -- "$huka" stats --json
students=$(jq_ 'd["students"]')
check "stats after demo: $students students" test "${students:-0}" -ge 60

# --- imports from paths with Chinese characters and spaces ---
desk="$drive_c/Users/王老师/Desktop"
mkdir -p "$desk"
expect=$(python3 "$here/scripts/windows/make-files.py" "$desk/学籍 名册.xlsx" "$desk/建档 立卡户.csv" 24)
chown -R "$uid:$gid" "$drive_c/Users"
idb='C:\Users\王老师\Desktop\导入 测试\huka.db'
mkdir -p "$desk/导入 测试" && chown "$uid:$gid" "$desk/导入 测试"
run "${login[@]}" -- "$huka" --db "$idb" init --school-code 2161092102 --school-name 仁河小学 --principal wang
check "init a second database under 导入 测试\\ (exit 0)" test "$code" = 0
run "${login[@]}" -- "$huka" --db "$idb" import households 'C:\Users\王老师\Desktop\建档 立卡户.csv' --json
want=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['members'])" "$expect")
check "import households from 建档 立卡户.csv (GBK): exit 0, $want members new" test "$code" = 0 -a "$(jq_ 'd["imported"]')" = "$want"
run "${login[@]}" -- "$huka" --db "$idb" import roster 'C:\Users\王老师\Desktop\学籍 名册.xlsx' --json
want=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['notOnPovertyList'])" "$expect")
check "import roster from 学籍 名册.xlsx: exit 0, 24 rows, $want not on the poverty list" \
  test "$code" = 0 -a "$(jq_ 'd["rows"]')" = 24 -a "$(jq_ 'd["notOnPovertyList"]')" = "$want"
run "${login[@]}" -- "$huka" --db "$idb" households list --search 学生0 --json
check "the imported household is found by its student's name (学生0 → 户主0)" test "$code" = 0 -a "$(jq_ 'd[0]["headName"]')" = 户主0

# --- the FAT32 stick: a vfat loop image mounted as E: ---
mkdir -p "$work/usb"
truncate -s 64M "$work/usb.img"
stick="a FAT32 loop image"
if mkfs.vfat -F 32 -n HUKA "$work/usb.img" >/dev/null 2>&1 &&
   mount -o loop,uid="$uid",gid="$gid",utf8,shortname=mixed "$work/usb.img" "$work/usb" 2>/dev/null; then
  usb_mounted=1
else
  stick="a plain folder (loop mounts are refused here)"
  chown "$uid:$gid" "$work/usb"
fi
ln -sfn "$work_in/usb" "$work/prefix/dosdevices/e:"
echo "     (the stick E: is $stick)"

# --- the county bundle, verified by the real minisign ---
county='C:\Users\王老师\县教育局\county.db'
mkdir -p "$drive_c/Users/王老师/县教育局" && chown "$uid:$gid" "$drive_c/Users/王老师/县教育局"
run "${login[@]}" -- "$huka" --db "$county" init --county-name 汉阴县 --reviewer wang
check "a county database (init --county-name)" test "$code" = 0
run "${login[@]}" -- "$huka" --db "$county" county key create
run "${login[@]}" -- "$huka" --db "$county" county key export --out 'C:\Users\王老师\县教育局\recipient.txt'
run "${login[@]}" -- "$huka" --db "$county" county key export-identity --out 'C:\Users\王老师\县教育局\identity.txt'
check "the county's key pair exported" test "$code" = 0 -a -s "$drive_c/Users/王老师/县教育局/identity.txt"
run "${login[@]}" HUKA_PASSPHRASE='school signing passphrase' -- "$huka" key create
check "key create (the school's signing key)" test "$code" = 0
run "${login[@]}" -- "$huka" key export --out 'E:\school.pub'
run "${login[@]}" -- "$huka" key county 'C:\Users\王老师\县教育局\recipient.txt'
check "key export and key county" test "$code" = 0 -a -s "$work/usb/school.pub"
run "${login[@]}" HUKA_PASSPHRASE='school signing passphrase' -- "$huka" export county --term 2026-autumn --out 'E:\'
bundle_win=$(out | tail -1 | tr -d '\r')
bundle=$work/usb/$(basename "${bundle_win//\\//}")
check "export county onto E: ($(basename "$bundle"))" test "$code" = 0 -a -f "$bundle" -a -f "$bundle.minisig"
check "minisign -V (Debian's, on this host) accepts the bundle" minisign -Vm "$bundle" -p "$work/usb/school.pub" -q
run -- "$huka" verify "$bundle_win" --pubkey 'E:\school.pub' --identity 'C:\Users\王老师\县教育局\identity.txt'
check "huka.exe verify with the county's identity (exit 0)" test "$code" = 0
printf 'x' >>"$bundle"
check "a changed bundle fails minisign -V" bash -c "! minisign -Vm '$bundle' -p '$work/usb/school.pub' -q 2>/dev/null"
run -- "$huka" verify "$bundle_win" --pubkey 'E:\school.pub'
check "a changed bundle fails huka.exe verify (exit 1)" test "$code" = 1

# --- sync between two databases through the stick ---
laptop='C:\Users\王老师\笔记本\huka.db'
mkdir -p "$drive_c/Users/王老师/笔记本" && chown "$uid:$gid" "$drive_c/Users/王老师/笔记本"
run "${login[@]}" -- "$huka" sync export --out 'E:\' --full --json
full=$(jq_ 'd["path"]')
check "sync export --full onto E:" test "$code" = 0 -a -n "$full"
run "${login[@]}" -- "$huka" --db "$laptop" sync import "$full" --json
check "the laptop joins from the stick (sync import into no database)" test "$code" = 0 -a "$(jq_ 'd["new"]')" -gt 60
run "${login[@]}" -- "$huka" stats --json; office_stats=$(out)
run "${login[@]}" -- "$huka" --db "$laptop" stats --json; laptop_stats=$(out)
# (the school's signing key stays on the office PC: it does not travel by sync)
check "office and laptop have the same numbers" test "$(echo "$office_stats" | grep -v signingKeys)" = "$(echo "$laptop_stats" | grep -v signingKeys)" ||
  diff <(echo "$office_stats") <(echo "$laptop_stats") | head -5
run "${login[@]}" -- "$huka" --db "$laptop" import households 'C:\Users\王老师\Desktop\建档 立卡户.csv'
run "${login[@]}" -- "$huka" --db "$laptop" sync export --out 'E:\' --json
changes=$(jq_ 'd["path"]')
run "${login[@]}" -- "$huka" sync import "$changes" --json
check "the laptop's changes reach the office through the stick" test "$code" = 0 -a "$(jq_ 'd["new"]')" -gt 0
run "${login[@]}" -- "$huka" stats --json; office_stats=$(out)
run "${login[@]}" -- "$huka" --db "$laptop" stats --json; laptop_stats=$(out)
# (the school's signing key stays on the office PC: it does not travel by sync)
check "office and laptop agree after the exchange" test "$(echo "$office_stats" | grep -v signingKeys)" = "$(echo "$laptop_stats" | grep -v signingKeys)" ||
  diff <(echo "$office_stats") <(echo "$laptop_stats") | head -5
run "${login[@]}" -- "$huka" audit verify --json
check "audit verify on the office database" test "$code" = 0

# --- backup and restore ---
run "${login[@]}" -- "$huka" backup --out 'E:\' --json
backup=$(jq_ 'd["path"]')
check "backup onto E: ($(basename "${backup//\\//}"))" test "$code" = 0 -a -n "$backup"
restored='C:\Users\王老师\恢复\huka.db'
mkdir -p "$drive_c/Users/王老师/恢复" && chown "$uid:$gid" "$drive_c/Users/王老师/恢复"
run "${login[@]}" -- "$huka" --db "$restored" restore "$backup" --json
check "restore into a new place (exit 0)" test "$code" = 0
run "${login[@]}" -- "$huka" --db "$restored" stats --json
check "the restored database has the office's numbers" test "$(out)" = "$office_stats"

# --- the archive, with a CJK font found the Windows way (C:\windows\Fonts) ---
cp /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc "$drive_c/windows/Fonts/" 2>/dev/null
check "a Noto CJK font copied into C:\\windows\\Fonts" test -f "$drive_c/windows/Fonts/NotoSansCJK-Regular.ttc"
TIMEOUT=900 run "${login[@]}" -- "$huka" archive --term 2026-autumn --out 'C:\Users\王老师\Desktop\档案 2026' --json
pdfs=$(find "$desk/档案 2026" -name '*.pdf' 2>/dev/null | wc -l)
check "archive: exit 0, $pdfs PDFs in 档案 2026\\" test "$code" = 0 -a "$pdfs" -ge 2
one=$(find "$desk/档案 2026" -name '*.pdf' 2>/dev/null | head -1)
check "the PDFs embed Noto Sans CJK (pdffonts)" bash -c "pdffonts '$one' | grep -q NotoSansCJK"
check "the PDFs' text is Chinese (pdftotext)" bash -c "pdftotext '$one' - | grep -q '户'"
mv "$drive_c/windows/Fonts/NotoSansCJK-Regular.ttc" "$drive_c/windows/Fonts/NotoSansCJK-Bold.ttc" "$work/" 2>/dev/null
run "${login[@]}" -- "$huka" archive --term 2026-autumn --out 'C:\Users\王老师\Desktop\档案 无字体'
check "without a CJK font: refused with the typed error (exit 1)" test "$code" = 1
mkdir -p "$drive_c/字体" && mv "$work"/NotoSansCJK-*.ttc "$drive_c/字体/" && chown -R "$uid:$gid" "$drive_c/字体"
TIMEOUT=900 run "${login[@]}" HUKA_FONT_DIR='C:\字体' -- "$huka" archive --term 2026-autumn --out 'C:\Users\王老师\Desktop\档案 字体目录' --json
check "\$HUKA_FONT_DIR=C:\\字体 still works" test "$code" = 0

# --- the installer ---
cp "$installer" "$drive_c/users/$user/"
chown "$uid:$gid" "$drive_c/users/$user/$(basename "$installer")"
run -- "C:\\users\\$user\\$(basename "$installer")" /S
programs=$localappdata/Programs/Huka
check "silent per-user install (exit 0)" test "$code" = 0
check "installed into %LOCALAPPDATA%\\Programs\\Huka" test -f "$programs/huka-app.exe" -a -f "$programs/huka.exe" -a -f "$programs/WebView2Loader.dll" -a -f "$programs/uninstall.exe"
check "installed as the normal user (files owned by $user)" test "$(stat -c %u "$programs/huka-app.exe")" = "$uid"
lnk=$(find "$appdata/Microsoft/Windows/Start Menu/Programs" -name '户卡.lnk' 2>/dev/null | head -1)
check "the Start-menu entry 户卡" test -n "$lnk"
# reg query prints through the console code page; the exported file is UTF-16.
run -- reg export 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\cn.huka.app' 'C:\uninstall-key.reg' /y
check "listed in Apps (HKCU uninstall key, DisplayName 户卡)" \
  python3 -c "import sys; t=open(sys.argv[1], encoding='utf-16').read(); sys.exit(0 if '\"DisplayName\"=\"户卡\"' in t else 1)" "$drive_c/uninstall-key.reg"
db_sum=$(sha256sum "$appdata/cn.huka.app/huka.db" | cut -d' ' -f1)
run "${login[@]}" -- "C:\\users\\$user\\AppData\\Local\\Programs\\Huka\\huka.exe" stats --json
check "the installed huka.exe reads %APPDATA%\\cn.huka.app\\huka.db" test "$code" = 0 -a "$(out)" = "$office_stats"
run -- "C:\\users\\$user\\$(basename "$installer")" /S
check "installing again (an upgrade) succeeds and keeps the database" test "$code" = 0 -a -f "$appdata/cn.huka.app/huka.db"
TIMEOUT=60 run -- "C:\\users\\$user\\AppData\\Local\\Programs\\Huka\\huka-app.exe"
check "huka-app.exe without WebView2: exits non-zero ($code), no crash" test "$code" -ne 0 -a "$code" -ne 124 -a "$code" -lt 128
check "… and says so in Chinese (WebView2 运行时 … 常青版独立安装程序 … x64 … U 盘)" \
  bash -c "grep -q 'WebView2 运行时' '$work/err' && grep -q 'Evergreen Standalone Installer' '$work/err' && grep -q 'x64' '$work/err' && grep -q 'U 盘' '$work/err'"
run -- "C:\\users\\$user\\AppData\\Local\\Programs\\Huka\\uninstall.exe" /S
for _ in $(seq 30); do [ -e "$programs/huka-app.exe" ] || break; sleep 1; done
check "uninstall: the program is gone" test ! -e "$programs/huka-app.exe" -a ! -e "$programs/huka.exe"
check "uninstall: the Start-menu entry is gone" test ! -e "$lnk"
check "uninstall: %APPDATA%\\cn.huka.app\\huka.db stays, unchanged" test -f "$appdata/cn.huka.app/huka.db" -a "$(sha256sum "$appdata/cn.huka.app/huka.db" | cut -d' ' -f1)" = "$db_sum"
check "uninstall: huka.db.keys and the automatic backups stay" test -f "$appdata/cn.huka.app/huka.db.keys"

echo "Wine run took $((SECONDS - started)) s (the stick: $stick)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
