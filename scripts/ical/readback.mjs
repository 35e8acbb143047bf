// Reads an .ics back with ical.js or node-ical; prints, per VEVENT, "UID START END" as UTC epoch
// seconds (dates: midnight UTC of the date, with a D suffix). usage: node readback.mjs icaljs|nodeical FILE
// or node readback.mjs icaljs-occurrences|nodeical-occurrences FROM TO FILE: every occurrence starting
// in [FROM, TO) (dates YYYY-MM-DD), expanded by the library itself (ical.js: RECURRENCE-ID overrides
// related to their event; node-ical: expandRecurringEvent, which applies EXDATE and overrides).
// With READBACK_TEXTS=1, each occurrence line adds " | SUMMARY | LOCATION | DESCRIPTION" as it has them.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const args = process.argv.slice(2)
const [which, path] = [args[0], args[args.length - 1]]
const text = readFileSync(path, "utf8")
const dateOnly = (y, m, d) => `${Date.UTC(y, m, d) / 1000}D`
const texts = (...values) => process.env.READBACK_TEXTS === "1"
  ? values.map(v => ` | ${String(v ?? "").replace(/\n/g, "\\n")}`).join("") : ""
if (which === "icaljs-occurrences") {
  const ICAL = require("ical.js")
  const [from, to] = [args[1], args[2]].map(d => ICAL.Time.fromDateString(d))
  const cal = new ICAL.Component(ICAL.parse(text))
  for (const vtz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(vtz))
  const t = v => v.isDate ? dateOnly(v.year, v.month - 1, v.day) : String(v.toUnixTime())
  const day = v => ICAL.Time.fromData({ year: v.year, month: v.month, day: v.day, isDate: true })
  // A day in [from, to), or an instant between those days' UTC midnights.
  const within = v => v.isDate ? day(v).compare(from) >= 0 && day(v).compare(to) < 0
    : v.toUnixTime() >= from.toUnixTime() && v.toUnixTime() < to.toUnixTime()
  const events = cal.getAllSubcomponents("vevent").map(ve => new ICAL.Event(ve))
  for (const ev of events.filter(e => !e.isRecurrenceException())) {
    for (const ex of events.filter(e => e.isRecurrenceException() && e.uid === ev.uid)) ev.relateException(ex)
    if (!ev.isRecurring()) {
      if (within(ev.startDate)) console.log(ev.uid, t(ev.startDate), t(ev.endDate) + texts(ev.summary, ev.location, ev.description))
      continue
    }
    const it = ev.iterator()
    for (let next = it.next(); next; next = it.next()) {
      const o = ev.getOccurrenceDetails(next)
      if (day(next).compare(to) > 0 && day(o.startDate).compare(to) > 0) break
      const item = o.item
      if (within(o.startDate)) console.log(ev.uid, t(o.startDate), t(o.endDate) + texts(item.summary, item.location, item.description))
    }
  }
} else if (which === "nodeical-occurrences") {
  const ical = require("node-ical")
  const [from, to] = [args[1], args[2]].map(d => new Date(`${d}T00:00:00Z`))
  const data = ical.sync.parseICS(text)
  const t = (v, allDay) => allDay ? dateOnly(v.getFullYear(), v.getMonth(), v.getDate()) : String(Math.round(v.getTime() / 1000))
  for (const ev of Object.values(data).filter(c => c.type === "VEVENT")) {
    if (!ev.rrule) {
      const allDay = ev.datetype === "date"
      const day = allDay ? new Date(Date.UTC(ev.start.getFullYear(), ev.start.getMonth(), ev.start.getDate())) : ev.start
      if (day >= from && day < to) console.log(ev.uid, t(ev.start, allDay), t(ev.end, allDay) + texts(ev.summary, ev.location, ev.description))
      continue
    }
    // A margin of two days each side, then exactly [from, to) on the start.
    const margin = 2 * 86400 * 1000
    for (const o of ical.expandRecurringEvent(ev, { from: new Date(from - margin), to: new Date(+to + margin) })) {
      const day = o.isFullDay ? new Date(Date.UTC(o.start.getFullYear(), o.start.getMonth(), o.start.getDate())) : o.start
      const own = o.event ?? ev
      if (day >= from && day < to) console.log(ev.uid, t(o.start, o.isFullDay), t(o.end, o.isFullDay) + texts(own.summary, own.location, own.description))
    }
  }
} else if (which === "icaljs") {
  const ICAL = require("ical.js")
  const cal = new ICAL.Component(ICAL.parse(text))
  for (const vtz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(vtz))
  const t = v => v.isDate ? dateOnly(v.year, v.month - 1, v.day) : String(v.toUnixTime())
  for (const ve of cal.getAllSubcomponents("vevent")) {
    const ev = new ICAL.Event(ve)
    console.log(ev.uid, t(ev.startDate), t(ev.endDate))
  }
} else {
  const ical = require("node-ical")
  const data = ical.sync.parseICS(text)
  const t = v => v.dateOnly ? dateOnly(v.getFullYear(), v.getMonth(), v.getDate()) : String(Math.round(v.getTime() / 1000))
  for (const ev of Object.values(data).filter(c => c.type === "VEVENT")) console.log(ev.uid, t(ev.start), t(ev.end))
}
