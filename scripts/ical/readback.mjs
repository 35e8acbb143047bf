// Reads an .ics back with ical.js or node-ical; prints, per VEVENT, "UID START END" as UTC epoch
// seconds (dates: midnight UTC of the date, with a D suffix). usage: node readback.mjs icaljs|nodeical FILE
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const [which, path] = process.argv.slice(2)
const text = readFileSync(path, "utf8")
const dateOnly = (y, m, d) => `${Date.UTC(y, m, d) / 1000}D`
if (which === "icaljs") {
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
