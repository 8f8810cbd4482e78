#!/usr/bin/env bash
# Installs what packaging and the clean-system test need beyond scripts/install-deps.sh, and only
# what is missing: tauri-cli (the Tauri bundler, `cargo tauri`), dpkg-dev, debootstrap, and the
# apt tools that compute the offline folder's dependency closure. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(dpkg-dev debootstrap fakeroot file xz-utils)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo tauri --version >/dev/null 2>&1; then
  echo "==> cargo install tauri-cli (a few minutes, once)"
  # Its own build directory, not the workspace's: the bundler is a tool, not part of Huka.
  env -u CARGO_TARGET_DIR cargo install tauri-cli --version '^2' --locked
fi
