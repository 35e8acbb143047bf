#!/usr/bin/env python3
"""Builds the same instance feed as Rally's feed bench, from the same events (events.json), with
Python's icalendar (the validators' install), and prints the median of 10 builds in ms.
usage: feed_python.py target/bench-feed/events.json"""
import json, statistics, sys, time, datetime as dt, zoneinfo
import icalendar

events = json.load(open(sys.argv[1]))

def parse(t):
    return dt.datetime.fromisoformat(t.replace("Z", "+00:00"))

def build():
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Rally//Python icalendar bench//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Rally")
    for e in events:
        tz = zoneinfo.ZoneInfo(e["timezone"])
        ev = icalendar.Event()
        ev.add("uid", e["id"] + "@rally")
        ev.add("dtstamp", parse(e["updated_at"]))
        ev.add("last-modified", parse(e["updated_at"]))
        ev.add("created", parse(e["created_at"]))
        ev.add("sequence", e["sequence"])
        start, end = parse(e["starts_at"]).astimezone(tz), parse(e["ends_at"]).astimezone(tz)
        if e["all_day"]:
            ev.add("dtstart", start.date()); ev.add("dtend", end.date())
        else:
            ev.add("dtstart", start); ev.add("dtend", end)
        ev.add("summary", e["title"])
        ev.add("description", e["description"])
        place = e.get("place")
        if place:
            ev.add("location", f'{place["name"]}, {place["address"]}')
            ev.add("geo", (place["latitude"], place["longitude"]))
        ev.add("url", "https://relay.example/events/" + e["id"])
        ev.add("status", e["status"].upper())
        ev.add("categories", e["tags"])
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()

times = []
for _ in range(10):
    t0 = time.perf_counter(); body = build(); times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"python_icalendar": icalendar.__version__, "events": len(events), "bytes": len(body),
                  "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1)}))
