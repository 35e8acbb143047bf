// An independent ActivityPub peer built on Fedify 1.5.9 (npm), against a Rally relay on loopback.
// Env: RALLY (the relay's base URL), USERNAME (a Rally identity), PORT (where this peer listens).
// Prints one JSON line per step; waits for "publish" on stdin before expecting the Create; ends by
// reporting the person and the event (a Flag).
import http from "node:http"
import readline from "node:readline"
import {
  Accept, Create, Endpoints, Event, Flag, Follow, Join, MemoryKvStore, Person,
  createFederation, generateCryptoKeyPair,
} from "@fedify/fedify"

const { RALLY, USERNAME, PORT } = process.env
const base = `http://127.0.0.1:${PORT}`
const say = (step, more = {}) => console.log(JSON.stringify({ step, ...more }))
const sleep = ms => new Promise(r => setTimeout(r, ms))
const within = (ms, what, p) => Promise.race([p, sleep(ms).then(() => { throw new Error(`no ${what} in ${ms} ms`) })])

const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true })
federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "peer") return null
    const [pair] = await ctx.getActorKeyPairs(identifier)
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify peer",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pair.cryptographicKey,
    })
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === "peer" ? [keys] : []))

const waiting = new Map()
const arrived = (kind, value) => { const w = waiting.get(kind); if (w) { waiting.delete(kind); w(value) } }
const next = kind => new Promise(resolve => waiting.set(kind, resolve))
federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, async (_ctx, accept) => arrived(`accept ${accept.objectId?.href}`, accept))
  .on(Create, async (_ctx, create) => {
    const object = await create.getObject()
    if (object instanceof Event) arrived("event", object)
  })

const server = http.createServer(async (req, res) => {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const body = chunks.length ? Buffer.concat(chunks) : undefined
  const request = new Request(new URL(req.url, base), { method: req.method, headers: req.headers, body })
  const response = await federation.fetch(request, { contextData: undefined })
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(Buffer.from(await response.arrayBuffer()))
})
await new Promise(r => server.listen(Number(PORT), "127.0.0.1", r))
const ctx = federation.createContext(new URL(base), undefined)
const me = ctx.getActorUri("peer")

try {
  // WebFinger over http (Fedify's own lookup always uses https for acct:).
  const host = new URL(RALLY).host
  const finger = await (await fetch(`${RALLY}/.well-known/webfinger?resource=acct:${USERNAME}@${host}`)).json()
  const self = finger.links.find(l => l.rel === "self" && l.type === "application/activity+json")
  say("webfinger", { subject: finger.subject, actor: self.href })
  const actor = await ctx.lookupObject(self.href)
  if (!(actor instanceof Person)) throw new Error(`not a Person: ${actor}`)
  say("actor", { preferredUsername: actor.preferredUsername, inbox: actor.inboxId?.href })

  const follow = new Follow({ id: new URL(`${base}/follows/1`), actor: me, object: actor.id })
  const accepted = next(`accept ${follow.id.href}`)
  await ctx.sendActivity({ identifier: "peer" }, actor, follow, { immediate: true })
  await within(20000, "Accept of the Follow", accepted)
  say("followed")

  const created = next("event")
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) if (line.trim() === "publish") break
  const event = await within(20000, "Create(Event)", created)
  say("created", { id: event.id?.href, name: event.name?.toString(), startTime: event.startTime?.toString() })

  const join = new Join({ id: new URL(`${base}/joins/1`), actor: me, object: event.id })
  const joined = next(`accept ${join.id.href}`)
  await ctx.sendActivity({ identifier: "peer" }, actor, join, { immediate: true })
  await within(20000, "Accept of the Join", joined)
  say("joined")

  // A report, as Mastodon's and Mobilizon's moderators send one: the person and the event.
  const flag = new Flag({
    id: new URL(`${base}/flags/1`), actor: me, objects: [actor.id, event.id], content: "Spam, reported from Fedify",
  })
  await ctx.sendActivity({ identifier: "peer" }, actor, flag, { immediate: true })
  say("flagged")
  process.exit(0)
} catch (e) {
  say("failed", { error: String(e?.stack ?? e) })
  process.exit(1)
}
