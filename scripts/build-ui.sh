#!/usr/bin/env bash
# Builds the Yew UI to wasm and writes ui/dist/ui.js + ui_bg.wasm beside the committed index.html and
# style.css. The desktop build embeds ui/dist, so this runs first. Release wasm: small and fast.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cargo build -p rally-ui --target wasm32-unknown-unknown --release
wasm-bindgen --target web --no-typescript --out-dir ui/dist --out-name ui \
  "$(target_dir)/wasm32-unknown-unknown/release/rally_ui.wasm"
