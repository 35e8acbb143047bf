// A JavaScript automerge-repo client (the anchor's automerge-repo 2.5.6) against the Rally relay.
// Env: RELAY_URL (ws://…/sync), TOKEN, READABLE and HIDDEN (document ids). Prints one JSON object.
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const { RELAY_URL, TOKEN, READABLE, HIDDEN } = process.env
const sleep = ms => new Promise(r => setTimeout(r, ms))
const within = (ms, p) => Promise.race([p, sleep(ms).then(() => { throw new Error(`no answer in ${ms} ms`) })])
const connect = name => {
  const repo = new Repo({
    network: [new WebSocketClientAdapter(`${RELAY_URL}?access_token=${encodeURIComponent(TOKEN)}`)],
    peerId: `js-${name}-${process.pid}`,
  })
  return within(10000, new Promise(res => repo.networkSubsystem.once("peer", () => res(repo))))
}

const out = {}
const repo = await connect("a")
try {
  const handle = await within(10000, repo.find(`automerge:${READABLE}`))
  out.readable_title = String(handle.doc().title)
  handle.change(d => { d.title = "changed by js" })
} catch (e) { out.readable_error = String(e) }
try {
  const handle = await within(10000, repo.find(`automerge:${HIDDEN}`))
  out.hidden_title = String(handle.doc()?.title)
} catch (e) { out.hidden_error = String(e) }

// A document of its own, read back by a second client of the same account.
const mine = repo.create({ note: "from js" })
await sleep(500)
const other = await connect("b")
try {
  const again = await within(10000, other.find(mine.url))
  out.own_note = String(again.doc().note)
  out.own_id = mine.documentId
} catch (e) { out.own_error = String(e) }
await sleep(500)
console.log(JSON.stringify(out))
process.exit(0)
