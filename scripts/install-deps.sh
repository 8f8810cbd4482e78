#!/usr/bin/env bash
# Installs what building, running and testing Huka needs, and only what is missing.
# Safe to run again: every step checks first. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential pkg-config libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev
  webkit2gtk-driver xvfb xauth fonts-noto-cjk imagemagick minisign age
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The CLI tests write old-format .xls files with xlwt (Rust has no .xls writer).
if ! python3 -c "import xlwt" >/dev/null 2>&1; then
  echo "==> pip install xlwt"
  python3 -m pip install --quiet xlwt
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "==> cargo install tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> npm ci (ui)"
  (cd ui && npm ci --no-audit --no-fund)
fi
