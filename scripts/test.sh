#!/usr/bin/env bash
# Installs what the tests need and runs every one of them: formatting, lints (native and wasm), unit and
# integration tests, the property and crash tests, and the end-to-end test through the real window
# (under Xvfb when there is no display).
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash scripts/install-deps.sh
bash scripts/build-ui.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p rally-ui --target wasm32-unknown-unknown -- -D warnings
# The window test starts its own Xvfb when DISPLAY is unset; the account tests need the OS keyring,
# which with-keyring.sh provides in a private D-Bus session; timeout guards against a stuck driver.
timeout 3000 bash scripts/with-keyring.sh cargo test --workspace
