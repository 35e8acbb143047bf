// The floor of the relay benchmark: a "relay" that does no sync work at all. It answers `join` and
// passes every other frame, unchanged but for `targetId`, to every other connection, so the clients
// sync with each other through it as if it were one peer. No storage, no Automerge: what remains of
// a latency measured through it is the clients' own work and the sockets.
// Usage (from the anchor's folder, for its node_modules): node null-relay.mjs PORT
import { WebSocketServer } from "ws"
import { encode, decode } from "cbor-x"

const port = +process.argv[2]
const wss = new WebSocketServer({ host: "127.0.0.1", port })
const peers = new Map() // socket -> peer id
wss.on("connection", ws => {
  ws.on("message", data => {
    const msg = decode(data)
    if (msg.type === "join") {
      peers.set(ws, msg.senderId)
      ws.send(encode({ type: "peer", senderId: "null-relay", targetId: msg.senderId, selectedProtocolVersion: "1", peerMetadata: { isEphemeral: true } }))
      return
    }
    for (const [other, id] of peers) {
      if (other !== ws) other.send(encode({ ...msg, senderId: "null-relay", targetId: id }))
    }
  })
  ws.on("close", () => peers.delete(ws))
})
console.log(`null relay on 127.0.0.1:${port}`)
