#!/usr/bin/env bash
# Installs what building, running and testing Rally needs on Debian 12. Idempotent: each step checks first.
# (xdg-utils: the app opens links with xdg-open and registers for rally: links with xdg-mime.)
set -euo pipefail

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev libgtk-3-dev build-essential pkg-config curl file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth imagemagick webkit2gtk-driver
  dbus dbus-x11 gnome-keyring libsecret-1-dev chromium chromium-driver xdg-utils
)
WASM_BINDGEN_VERSION=0.2.130
TAURI_DRIVER_VERSION=2.1.0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt packages: ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# A real SMTP server for the relay's mail tests; a D-Bus library for the desktop notification server the
# window tests run (scripts/test-support/notification_server.py).
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet 'aiosmtpd==1.4.6'
python3 -c 'import dbus_next' 2>/dev/null || python3 -m pip install --quiet 'dbus-next==0.2.3'

rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown

if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WASM_BINDGEN_VERSION}\$"; then
  echo "install-deps: wasm-bindgen-cli ${WASM_BINDGEN_VERSION}"
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}"
fi
# tauri-driver has no --version: ask cargo what it installed.
if ! cargo install --list | grep -q "^tauri-driver v${TAURI_DRIVER_VERSION}:"; then
  echo "install-deps: tauri-driver ${TAURI_DRIVER_VERSION}"
  cargo install --locked tauri-driver --version "${TAURI_DRIVER_VERSION}"
fi

# axe-core (npm): the accessibility checker the window tests and the relay's page tests run on every
# page they show (found at ~/.cache/rally-test/node_modules/axe-core/axe.min.js).
AXE_VERSION=4.14.1
axe_dir="$HOME/.cache/rally-test"
if ! grep -qs "\"version\": \"${AXE_VERSION}\"" "$axe_dir/node_modules/axe-core/package.json"; then
  echo "install-deps: axe-core ${AXE_VERSION}"
  npm install --prefix "$axe_dir" --no-audit --no-fund --silent "axe-core@${AXE_VERSION}"
fi

# Fedify (npm), an independent ActivityPub implementation the federation tests run as a peer: 1.5.9, the
# last that runs on Node 20, with the logging library it expects.
FEDIFY_VERSION=1.5.9
if ! grep -qs "\"version\": \"${FEDIFY_VERSION}\"" "$axe_dir/node_modules/@fedify/fedify/package.json"; then
  echo "install-deps: @fedify/fedify ${FEDIFY_VERSION}"
  npm install --prefix "$axe_dir" --no-audit --no-fund --silent "@fedify/fedify@${FEDIFY_VERSION}" "@logtape/logtape@0.8.2"
fi

# The JavaScript automerge-repo client and reference relay (npm), for the interop test and the benchmark.
anchor="$(cd "$(dirname "$0")/.." && pwd)/../shared/anchors/automerge-relay/setup.sh"
if [ -f "$anchor" ]; then
  bash "$anchor" >/dev/null
else
  echo "install-deps: $anchor not found; the JavaScript client test will fail until it is there" >&2
fi

# Five independent iCalendar parsers (python icalendar, vobject, ical.js, node-ical, libical), for the
# export tests, plus this project's read-back helpers built against the same libraries.
validators="$(cd "$(dirname "$0")/.." && pwd)/../shared/tools/ical-validators"
if [ -f "$validators/setup.sh" ]; then
  bash "$validators/setup.sh" >/dev/null
  bash "$(dirname "$0")/ical/setup.sh" "$validators"
else
  echo "install-deps: $validators not found; the iCalendar tests will fail until it is there" >&2
fi

# Real ActivityPub payloads from Mobilizon, Mastodon and Gancio (../shared/fixtures/activitypub), for the
# federation tests, found at ~/.cache/rally-test/activitypub.
activitypub="$(cd "$(dirname "$0")/.." && pwd)/../shared/fixtures/activitypub"
if [ -d "$activitypub" ]; then
  mkdir -p "$HOME/.cache/rally-test/activitypub"
  cp -r "$activitypub"/. "$HOME/.cache/rally-test/activitypub/"
  chmod -R u+w "$HOME/.cache/rally-test/activitypub"
else
  echo "install-deps: $activitypub not found; the federation fixture test will fail until it is there" >&2
fi
