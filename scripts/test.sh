#!/usr/bin/env bash
# Runs every test: core unit and property tests, the window's commands (tauri::test), the
# `huka` CLI on real files, the front end's type check, and end-to-end tests that drive the
# real window under Xvfb through tauri-driver. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
echo "==> front end: type check and build"
npm --prefix ui run check
npm --prefix ui run build
echo "==> cargo build (the binaries the end-to-end tests run)"
cargo build --workspace --bins
echo "==> cargo test"
cargo test --workspace --no-fail-fast
