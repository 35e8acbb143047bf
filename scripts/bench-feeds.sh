#!/usr/bin/env bash
# The feed benchmark of docs/BENCHMARKS.md, in one run: Rally's criterion bench (build a 10,000-event
# feed; the work of a 304), Python's icalendar building the same feed, and a 304 over HTTP from a
# release relay serving the same data (median of 200 requests with If-None-Match, timed by curl).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cargo bench -p rally-server --bench feeds
data="$(target_dir)/bench-feed"
home=${ICAL_VALIDATORS_HOME:-$HOME/.cache/ical-validators}
"$home/venv/bin/python" "$(dirname "$0")/bench/feed_python.py" "$data/events.json"

cargo build --release -p rally-server
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$(target_dir)/release/rally-server" --listen "127.0.0.1:$port" --data "$data/relay" --public-url https://relay.example >/dev/null &
relay=$!
trap 'kill $relay 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/feed.ics"
etag=$(curl -fsS -D - -o /dev/null "$url" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
full=$(for _ in $(seq 20); do curl -fsS -o /dev/null -w '%{time_total}\n' "$url"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000}')
cond=$(for _ in $(seq 200); do curl -sS -o /dev/null -H "If-None-Match: $etag" -w '%{http_code} %{time_total}\n' "$url"; done)
codes=$(echo "$cond" | awk '{print $1}' | sort -u | tr '\n' ' ')
median=$(echo "$cond" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000}')
echo "{\"http_full_feed_median_ms\": $full, \"http_304_median_ms\": $median, \"status_codes\": \"$codes\"}"
