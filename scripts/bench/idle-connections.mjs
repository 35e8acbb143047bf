// Opens N WebSocket connections to a relay, each completing the automerge-repo handshake (join → peer),
// keeps them idle, and prints {"connected": n} once all are up; holds them until it is killed.
// Usage (from the anchor's folder, for its node_modules): node idle-connections.mjs URL N
import WebSocket from "ws"
import { encode, decode } from "cbor-x"

const [url, count] = [process.argv[2], +(process.argv[3] ?? 1000)]
const sockets = []
const open = i => new Promise((resolve, reject) => {
  const ws = new WebSocket(url)
  ws.binaryType = "nodebuffer"
  ws.on("open", () => ws.send(encode({ type: "join", senderId: `idle-${process.pid}-${i}`, supportedProtocolVersions: ["1"], peerMetadata: {} })))
  ws.on("message", data => { if (decode(data).type === "peer") resolve(ws) })
  ws.on("error", reject)
})
for (let i = 0; i < count; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => open(i + k)))
  sockets.push(...batch)
}
console.log(JSON.stringify({ connected: sockets.length }))
setInterval(() => {}, 60000)
