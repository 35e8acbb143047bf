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

fixtures="$(cd .. && pwd)/shared/fixtures"
[ -d "$fixtures/ical" ] || fixtures="$HOME/.cache/ical-validators/fixtures"
cd sync-server/fuzz
mkdir -p seeds/ical_import seeds/json_bodies corpus
if [ -d "$fixtures/ical" ]; then cp -n "$fixtures"/ical/*.ics seeds/ical_import/ 2>/dev/null || true; fi
if [ -d "$fixtures/activitypub" ]; then
  find "$fixtures/activitypub" -name '*.json' -exec cp -n {} seeds/json_bodies/ \; 2>/dev/null || true
fi

# A few well-formed inputs to start from: event forms (one repeating), an identity, a frame of each kind.
mkdir -p seeds/sync_frame
printf '%s' '{"organizer_id":"x","title":"Repair café","start":"2026-12-05 14:00","end":"2026-12-05 18:00","timezone":"Europe/Brussels","tags":["repair"],"capacity":20}' >seeds/json_bodies/event.json
printf '%s' '{"organizer_id":"x","title":"Chorale","start":"2026-12-08 19:00","end":"2026-12-08 21:00","timezone":"Europe/Paris","repeat":{"frequency":"weekly","interval":1,"weekdays":["Tue","Thu"],"monthly":"date","until":"2027-06-30","count":null},"extra_starts":["2027-07-01T17:00:00Z"]}' >seeds/json_bodies/repeating.json
printf '%s' '{"organizer_id":"x","title":"Fête","start":"2031-07-04","end":"2031-07-05","timezone":"America/New_York","all_day":true,"place_name":"Parc","latitude":40.7,"longitude":-74.0}' >seeds/json_bodies/all_day.json
printf '%s' '{"username":"ana_b","display_name":"Ana B.","bio":"hello"}' >seeds/json_bodies/identity.json
python3 - <<'PY'
def text(s):
    b = s.encode()
    return bytes([0x60 + len(b)]) + b
def entry(k, v):
    return text(k) + v
frames = {
    "join": bytes([0xa3]) + entry("type", text("join")) + entry("senderId", text("peer-1"))
        + entry("supportedProtocolVersions", bytes([0x81]) + text("1")),
    "sync": bytes([0xa5]) + entry("type", text("sync")) + entry("senderId", text("peer-1"))
        + entry("targetId", text("rally-relay")) + entry("documentId", text("2Ux3VJ1N2sjkPBtGCaZ7kKbU5X4F"))
        + entry("data", bytes([0x48, 0x42, 0x01, 0, 0, 0, 0, 0, 0])),
}
for name, frame in frames.items():
    open(f"seeds/sync_frame/{name}.cbor", "wb").write(frame)
PY

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
