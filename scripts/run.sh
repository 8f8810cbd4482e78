#!/usr/bin/env bash
# Installs what is missing, builds Huka (release) and opens the window on the default local
# database (~/.local/share/cn.huka.app/huka.db; set HUKA_DB or pass --db PATH to use another).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
npm --prefix ui run build
cargo build --release -p huka-app -p huka-cli --features huka-app/custom-protocol
exec target/release/huka-app "$@"
