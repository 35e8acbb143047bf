#!/usr/bin/env bash
# Installs what Rally needs, builds it, and opens the desktop app beside a local relay.
# No configuration, no account, no network: the profile lives in $RALLY_DATA or ~/.local/share/rally,
# the relay's data in ~/.local/share/rally-server. Arguments go to the app (e.g. --data DIR).
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash scripts/install-deps.sh
bash scripts/build-ui.sh
cargo build -p rally-desktop -p rally-server -p rally-cli
bin="$(target_dir)/debug"

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
relay_data=${RALLY_SERVER_DATA:-$data_home/rally-server}
relay_listen=${RALLY_SERVER_LISTEN:-127.0.0.1:8787}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

if curl -fsS "http://$relay_listen/api/v1/health" >/dev/null 2>&1; then
  echo "run: a relay already answers on $relay_listen"
else
  "$bin/rally-server" --data "$relay_data" --listen "$relay_listen" &
  pids+=($!)
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  # A machine without a screen still runs the real window, on a virtual display.
  export DISPLAY=:99
  # A display :99 left behind by an Xvfb that is gone (its lock names a dead process) is cleared first.
  if ! { [ -e /tmp/.X11-unix/X99 ] && kill -0 "$(tr -d ' ' < /tmp/.X99-lock 2>/dev/null)" 2>/dev/null; }; then
    rm -f /tmp/.X99-lock /tmp/.X11-unix/X99
    Xvfb :99 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X99 ] && break; sleep 0.1; done
  fi
  echo "run: no display found; the window is on virtual display :99 (look: DISPLAY=:99 import -window root shot.png)"
fi

echo "run: the CLI over the same profile is $bin/rally (try: $bin/rally event list)"
"$bin/rally-desktop" "$@"
