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
# Every test ends what it started: no WebKitWebDriver (nor app) left from this checkout's
# end-to-end tests (cargo gives the test processes CARGO_MANIFEST_DIR, and they pass it on).
left=""
for p in $(pgrep -x WebKitWebDriver; pgrep -x huka-app); do
  { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "CARGO_MANIFEST_DIR=$PWD/tests" && left="$left $p"
done
if [ -n "$left" ]; then
  echo "FAILED: the end-to-end tests left processes running:$left" >&2
  ps -o pid,ppid,etime,cmd -p "${left# }" >&2 || true
  status=1
fi
exit "$status"
