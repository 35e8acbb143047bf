#!/usr/bin/env python3
"""Runs the anchor's bench client (node bench.mjs, in the anchor's install folder) and samples, every
50 ms, the CPU time of the client's main thread, of the whole client process and of the relay process.
Prints one JSON object: the bench's own result, and for the document phase (the window of its
allAckedMs length in which the client's main thread worked most) how much CPU each used. The client's
main-thread CPU for that phase bounds what any relay can reach in it: no relay makes the client's own
work take less than that.
usage: client_cpu.py URL ROUNDS DOCS GAP_MS RELAY_PID   (ACCESS_TOKEN in the environment for Rally)"""
import json, os, subprocess, sys, time

url, rounds, docs, gap, relay_pid = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
home = os.environ.get("AM_ANCHOR_HOME", os.path.expanduser("~/.cache/automerge-relay-anchor"))
client = subprocess.Popen(["node", "bench.mjs", url, rounds, docs, gap], cwd=home, stdout=subprocess.PIPE)


def ticks(path):
    try:
        fields = open(path).read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return None


rows = []
while client.poll() is None:
    rows.append((time.time(), ticks(f"/proc/{client.pid}/task/{client.pid}/stat"), ticks(f"/proc/{client.pid}/stat"),
                 ticks(f"/proc/{relay_pid}/stat")))
    time.sleep(0.05)
result = json.loads(client.stdout.read())
span = result["create"]["allAckedMs"] / 1000
rows = [r for r in rows if None not in r]
best = None
for i, start in enumerate(rows):
    end = next((r for r in rows[i:] if r[0] - start[0] >= span), None)
    if end is None:
        break
    main = (end[1] - start[1]) / 100
    if best is None or main > best["client_main_thread_cpu_s"]:
        seconds = end[0] - start[0]
        best = {"seconds": round(seconds, 2), "client_main_thread_cpu_s": main,
                "client_process_cpu_s": (end[2] - start[2]) / 100, "relay_cpu_s": (end[3] - start[3]) / 100,
                "client_main_thread_busy": round(main / seconds, 2),
                "docs_per_sec_bound": round(int(docs) / main, 1) if main else None}
print(json.dumps({"result": result, "document_phase": best}))
