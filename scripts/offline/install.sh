#!/bin/sh
# 户卡 Huka — 离线安装 / offline installation for Debian 12 (bookworm).
#
#   sudo sh install.sh        (或 / or, as root:  sh install.sh)
#
# Installs Huka and the packages it needs from the debs/ folder beside this script, with no
# network: apt reads debs/ as a local package source, installs only what this PC lacks, and
# leaves every other package source untouched. Run it again from a newer folder to upgrade;
# the school's data (~/.local/share/cn.huka.app/huka.db of each user) is never touched.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

say() { printf '%s\n%s\n' "$1" "$2"; }
die() { say "错误：$1" "Error: $2" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo sh "$here/install.sh" "$@"
  fi
  die "请以管理员身份运行：su -c 'sh $here/install.sh'" "run as root: su -c 'sh $here/install.sh'"
fi

[ -f "$here/debs/Packages" ] || die "找不到 debs/Packages，请把整个文件夹复制过来。" "debs/Packages is missing: copy the whole folder."

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [ "$codename" != bookworm ] && [ "${HUKA_ANY_SYSTEM:-}" != 1 ]; then
  die "这些软件包是为 Debian 12 (bookworm) 准备的，本机是 '${codename:-未知}'。" \
      "these packages are for Debian 12 (bookworm); this PC runs '${codename:-unknown}'. Set HUKA_ANY_SYSTEM=1 to try anyway."
fi

say "==> 检查文件是否完整（U 盘复制有无损坏）……" "==> checking the files (is the copy from the stick intact?)"
if [ -f "$here/SHA256SUMS" ] && command -v sha256sum >/dev/null 2>&1; then
  (cd "$here" && sha256sum --quiet -c SHA256SUMS) || die "文件已损坏，请重新复制整个文件夹。" "some files are damaged: copy the folder again."
fi

# apt wants a path without spaces (a stick is often mounted at /media/<user>/<LABEL WITH SPACES>).
work=$(mktemp -d /var/tmp/huka-offline.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
ln -s "$here/debs" "$work/debs"
mkdir -p "$work/lists/partial" "$work/sources.list.d"
echo "deb [trusted=yes] file:$work/debs ./" >"$work/sources.list"
apt_local() {
  apt-get \
    -o Dir::Etc::SourceList="$work/sources.list" \
    -o Dir::Etc::SourceParts="$work/sources.list.d" \
    -o Dir::State::Lists="$work/lists" \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -o APT::Sandbox::User=root \
    -o Acquire::Languages=none \
    "$@"
}

say "==> 读取本地软件包……" "==> reading the local packages"
apt_local -q update >/dev/null
say "==> 安装户卡……" "==> installing Huka"
DEBIAN_FRONTEND=noninteractive apt_local install -y --no-install-recommends huka

version=$(dpkg-query -W -f='${Version}' huka)
say "完成：户卡 $version 已安装。在应用菜单中打开“户卡”，或运行 huka-app。" \
    "Done: Huka $version is installed. Open 户卡 (Huka) from the applications menu, or run huka-app."
