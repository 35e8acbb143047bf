#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring, so that code
# using the OS keyring (Secret Service) works headless and never touches the user's own keyring.
set -euo pipefail
if [ "${RALLY_IN_KEYRING_SESSION:-}" = 1 ]; then exec "$@"; fi
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
export RALLY_KEYRING_HOME="$keyring_home"
dbus-run-session -- bash -c '
  printf %s rally-test | XDG_DATA_HOME="$RALLY_KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  export RALLY_IN_KEYRING_SESSION=1
  exec "$@"' _ "$@"
