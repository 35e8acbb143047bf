#!/usr/bin/env bash
# Fuzzes what reaches the relay from outside: every target in sync-server/fuzz (the sync frame
# decoder, the projection of arbitrary Automerge documents into pages and feeds, the iCal reader and
# importer, the JSON bodies and the event form) for SECONDS each (default 60), with cargo-fuzz and
# libFuzzer on the machine's stable toolchain (RUSTC_BOOTSTRAP lets it take libFuzzer's flags; nothing
# is fetched but crates). Corpora start from the fixtures and grow in sync-server/fuzz/corpus/.
# Prints each target's executions; exits 1 if a target crashed (its input is in artifacts/TARGET/).
set -euo pipefail
source "$(dirname "$0")/common.sh"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.1 --locked
export RUSTC_BOOTSTRAP=1

fixtures=../shared/fixtures
[ -d "$fixtures/ical" ] || fixtures="$HOME/.cache/ical-validators/fixtures"
cd sync-server/fuzz
mkdir -p seeds/ical_import seeds/json_bodies corpus
if [ -d "$fixtures/ical" ]; then cp -n "$fixtures"/ical/*.ics seeds/ical_import/ 2>/dev/null || true; fi
if [ -d "$fixtures/activitypub" ]; then
  find "$fixtures/activitypub" -name '*.json' -exec cp -n {} seeds/json_bodies/ \; 2>/dev/null || true
fi

targets=(sync_frame document_projection ical_import json_bodies)
cargo fuzz build -s none -a
status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "seeds/$target"
  log="corpus/$target.log"
  if cargo fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    outcome=ok
  else
    outcome="CRASHED (see sync-server/fuzz/$log and sync-server/fuzz/artifacts/$target/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "$target: $runs executions in ${seconds} s: $outcome"
done
exit $status
