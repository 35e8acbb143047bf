#!/usr/bin/env python3
"""Reads an .ics back with python `icalendar` or `vobject` and prints, per VEVENT, one line:
UID START END, both as UTC epoch seconds (dates: midnight UTC of the date, marked with a D suffix).
usage: readback.py icalendar|vobject FILE
       readback.py count FILE   (python icalendar's count of VEVENTs, or ERROR and why)
       readback.py starts FILE  (per VEVENT: "UID START", or "RECURRING UID" for RRULE/RDATE/RECURRENCE-ID;
                                 floating times in the calendar's X-WR-TIMEZONE, else UTC)"""
import sys, datetime as dt

def out(uid, start, end):
    def f(v):
        if isinstance(v, dt.datetime):
            if v.tzinfo is None:
                return "FLOATING"
            return str(int(v.timestamp()))
        return str(int(dt.datetime(v.year, v.month, v.day, tzinfo=dt.timezone.utc).timestamp())) + "D"
    print(uid, f(start), f(end))

which, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
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
