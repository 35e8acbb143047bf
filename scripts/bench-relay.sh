#!/usr/bin/env bash
# Measures the Rally relay beside the JavaScript reference relay, in one run, with the anchor's bench
# client (../shared/anchors/automerge-relay), plus a relay that does nothing (the floor of the latency
# figures): one JSON line per relay, with the CPU seconds the relay used. Release build, loopback.
# Usage: scripts/bench-relay.sh [rounds=50] [docs=1000] [gapMs=150]
set -euo pipefail
source "$(dirname "$0")/common.sh"
anchor="$(pwd)/../shared/anchors/automerge-relay"
bash "$anchor/setup.sh" >/dev/null
cargo build --release -p rally-server
bin="$(target_dir)/release/rally-server"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

js_port=$(free_port)
PORT=$js_port DATA_DIR="$work/js" bash "$anchor/start-relay.sh" >/dev/null 2>&1 &
pids+=($!)
rally_port=$(free_port)
# One IP opens the bench's 1,000 idle sockets, past the default limit per IP.
"$bin" --listen "127.0.0.1:$rally_port" --data "$work/rally" --connections-per-ip 5000 >/dev/null &
pids+=($!)
wait_port "$js_port"; wait_port "$rally_port"

# An account on the Rally relay, confirmed through the mailed link, and a session token.
base="http://127.0.0.1:$rally_port"
curl -fsS -X POST "$base/api/v1/accounts" -H 'content-type: application/json' \
  -d '{"email":"bench@example.org","password":"a long enough passphrase"}' >/dev/null
link_token=$(python3 - "$work/rally/outbox" <<'PY'
import email, glob, re, sys
m = email.message_from_file(open(glob.glob(sys.argv[1] + "/*.eml")[0]))
text = [p.get_payload(decode=True).decode() for p in m.walk() if p.get_content_type() == "text/plain"][0]
print(re.search(r"token=([A-Za-z0-9_-]+)", text).group(1))
PY
)
curl -fsS -X POST "$base/api/v1/accounts/confirm" -H 'content-type: application/json' -d "{\"token\":\"$link_token\"}" >/dev/null
token=$(curl -fsS -X POST "$base/api/v1/sessions" -H 'content-type: application/json' \
  -d '{"email":"bench@example.org","password":"a long enough passphrase"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# CPU seconds a process has used (user + system), to compare what each relay spends on the same run.
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
# The anchor's bench client, run by scripts/bench/client_cpu.py, which also samples the CPU of the
# client's main thread and of the relay during the document phase (see that script).
bench() { # name pid url [token]
  local before result
  before=$(cpu "$2")
  result=$(ACCESS_TOKEN=${4:-} python3 "$(dirname "$0")/bench/client_cpu.py" "$3" "${bench_args[@]}" "$2")
  echo "{\"relay\": \"$1\", \"relay_cpu_seconds\": $(python3 -c "print(round($(cpu "$2") - $before, 2))"), \"run\": $result}"
}
bench_args=("${1:-50}" "${2:-1000}" "${3:-150}")
bench javascript "${pids[0]}" "ws://127.0.0.1:$js_port"
bench rally "${pids[1]}" "ws://127.0.0.1:$rally_port/sync" "$token"

# The floor of the latency figures: a relay that does no work (scripts/bench/null-relay.mjs passes
# frames between the clients). Only its latencies mean anything; it creates 10 documents, not 1,000.
home="${AM_ANCHOR_HOME:-$HOME/.cache/automerge-relay-anchor}"
cp "$(dirname "$0")/bench/null-relay.mjs" "$home/"
null_port=$(free_port)
(cd "$home" && exec node null-relay.mjs "$null_port") >/dev/null &
pids+=($!)
wait_port "$null_port"
bench_args=("${1:-50}" 10 "${3:-150}")
bench null "${pids[2]}" "ws://127.0.0.1:$null_port"

# Memory of each relay (VmRSS) with 1,000 idle connections that completed the handshake.
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cp "$(dirname "$0")/bench/idle-connections.mjs" "${AM_ANCHOR_HOME:-$HOME/.cache/automerge-relay-anchor}/"
idle() { # name pid url
  local before after out="$work/idle-$1.out" holder
  before=$(rss "$2")
  (cd "${AM_ANCHOR_HOME:-$HOME/.cache/automerge-relay-anchor}" && exec node idle-connections.mjs "$3" 1000) > "$out" &
  holder=$!
  for _ in $(seq 600); do grep -q connected "$out" 2>/dev/null && break; sleep 0.2; done
  sleep 2
  after=$(rss "$2")
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  echo "{\"relay\": \"$1\", \"idle_connections\": $(cat "$out" || echo null), \"rss_kib_before\": $before, \"rss_kib_with_1000_idle\": $after}"
}
idle javascript "${pids[0]}" "ws://127.0.0.1:$js_port"
idle rally "${pids[1]}" "ws://127.0.0.1:$rally_port/sync?access_token=$token"
