#!/usr/bin/env python3
"""Reads an .ics back with python `icalendar` or `vobject` and prints, per VEVENT, one line:
UID START END, both as UTC epoch seconds (dates: midnight UTC of the date, marked with a D suffix).
usage: readback.py icalendar|vobject FILE
       readback.py count FILE   (python icalendar's count of VEVENTs, or ERROR and why)
       readback.py starts FILE  (per VEVENT: "UID START", or "RECURRING UID" for RRULE/RDATE/RECURRENCE-ID;
                                 floating times in the calendar's X-WR-TIMEZONE, else UTC)
       readback.py occurrences FROM TO FILE   (recurring_ical_events: every occurrence starting in
                                 [FROM, TO), dates YYYY-MM-DD, as "UID START END"; floating times as above; NO-UID
                                 for a VEVENT without one)
       readback.py vobject-occurrences FROM TO FILE   (the same with vobject's rruleset (dateutil);
                                 RECURRENCE-ID overrides replace the occurrence they name)
With READBACK_TEXTS=1 in the environment, the occurrence modes add " | SUMMARY | LOCATION | DESCRIPTION"
as each occurrence has them (newlines written as \\n)."""
import os, sys, datetime as dt

TEXTS = os.environ.get("READBACK_TEXTS") == "1"

def out(uid, start, end, texts=None):
    def f(v):
        if isinstance(v, dt.datetime):
            if v.tzinfo is None:
                return "FLOATING"
            return str(int(v.timestamp()))
        return str(int(dt.datetime(v.year, v.month, v.day, tzinfo=dt.timezone.utc).timestamp())) + "D"
    line = f"{uid} {f(start)} {f(end)}"
    if TEXTS and texts is not None:
        line += "".join(" | " + str(t or "").replace("\n", "\\n") for t in texts)
    print(line)

which, path = sys.argv[1], sys.argv[-1]
raw = open(path, "rb").read()

def floating_zone(cal):
    import zoneinfo
    wr = cal.get("X-WR-TIMEZONE")
    if wr:
        try: return zoneinfo.ZoneInfo(str(wr))
        except Exception: pass
    return dt.timezone.utc

def window():
    a, b = (dt.date.fromisoformat(x) for x in sys.argv[2:4])
    return a, b

def starts_within(v, a, b):
    """A date in [a, b), or an instant in [a, b) read as UTC midnights."""
    if isinstance(v, dt.datetime):
        utc = lambda d: dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc)
        return utc(a) <= v < utc(b)
    return a <= v < b

if which == "occurrences":
    import icalendar, recurring_ical_events
    a, b = window()
    for cal in icalendar.Calendar.from_ical(raw, multiple=True):
        floating = floating_zone(cal)
        def fix(v):
            return v.replace(tzinfo=floating) if isinstance(v, dt.datetime) and v.tzinfo is None else v
        margin = dt.timedelta(days=2)
        for ev in recurring_ical_events.of(cal).between(a - margin, b + margin):
            start = fix(ev.decoded("DTSTART"))
            if starts_within(start, a, b):
                texts = [ev.get(k) for k in ("SUMMARY", "LOCATION", "DESCRIPTION")]
                out(str(ev.get("UID", "NO-UID")), start, fix(ev.decoded("DTEND")), texts)
    sys.exit(0)
if which == "vobject-occurrences":
    import vobject
    a, b = window()
    cal = vobject.readOne(raw.decode("utf-8"))
    overrides = {}
    for ev in cal.vevent_list:
        if hasattr(ev, "recurrence_id"):
            overrides[(ev.uid.value, ev.recurrence_id.value)] = ev
    for ev in cal.vevent_list:
        if hasattr(ev, "recurrence_id"):
            continue
        start, end = ev.dtstart.value, ev.dtend.value
        length = end - start
        rules = ev.getrruleset(addRDate=True)
        if rules is None:
            starts = [start]
        else:
            # A window two days wider each side (dateutil's datetimes carry the start's zone).
            lo, hi = (dt.datetime(d.year, d.month, d.day) for d in (a - dt.timedelta(days=2), b + dt.timedelta(days=2)))
            if isinstance(start, dt.datetime) and start.tzinfo is not None:
                lo, hi = lo.replace(tzinfo=dt.timezone.utc), hi.replace(tzinfo=dt.timezone.utc)
            starts = rules.between(lo, hi, inc=True)
        for s in starts:
            if not isinstance(start, dt.datetime):
                s = s.date() if isinstance(s, dt.datetime) else s
            o = overrides.get((ev.uid.value, s))
            if o is not None:
                s, e = o.dtstart.value, o.dtend.value
            else:
                e = s + length
            source = o if o is not None else ev
            texts = [getattr(source, k).value if hasattr(source, k) else None for k in ("summary", "location", "description")]
            if starts_within(s, a, b):
                out(ev.uid.value, s, e, texts)
    sys.exit(0)
if which == "starts":
    import icalendar, zoneinfo
    try:
        cals = icalendar.Calendar.from_ical(raw, multiple=True)
    except Exception as e:
        print("ERROR", type(e).__name__, e); sys.exit(0)
    for cal in cals:
        wr = cal.get("X-WR-TIMEZONE")
        floating = dt.timezone.utc
        if wr:
            try: floating = zoneinfo.ZoneInfo(str(wr))
            except Exception: pass
        for ev in cal.walk("VEVENT"):
            uid = str(ev.get("UID"))
            if any(k in ev for k in ("RRULE", "RDATE", "RECURRENCE-ID")):
                print("RECURRING", uid); continue
            start = ev.decoded("DTSTART")
            if isinstance(start, dt.datetime) and start.tzinfo is None:
                start = start.replace(tzinfo=floating)
            out(uid, start, start)
elif which == "count":
    import icalendar
    try:
        cals = icalendar.Calendar.from_ical(raw, multiple=True)
        print(sum(len(c.walk("VEVENT")) for c in cals))
    except Exception as e:
        print("ERROR", type(e).__name__, e)
elif which == "icalendar":
    import icalendar
    cal = icalendar.Calendar.from_ical(raw)
    for ev in cal.walk("VEVENT"):
        out(str(ev["UID"]), ev.decoded("DTSTART"), ev.decoded("DTEND"))
else:
    import vobject
    cal = vobject.readOne(raw.decode("utf-8"))
    for ev in cal.vevent_list:
        out(ev.uid.value, ev.dtstart.value, ev.dtend.value)
