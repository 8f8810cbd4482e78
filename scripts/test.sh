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
cargo build --workspace --bins --examples
echo "==> cargo test"
log=$(mktemp)
status=0
cargo test --workspace --lib --bins --tests --no-fail-fast 2>&1 | tee "$log" || status=$?
# One closing line with the totals of every test binary (cargo prints one line per binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
