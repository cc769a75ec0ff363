import { createServer, type Server, type Socket } from 'node:net'
import Wire from 'bittorrent-protocol'

/**
 * A real BitTorrent peer on a loopback address for tests: it accepts TCP connections and
 * answers the handshake with bittorrent-protocol (peer id, extension handshake with `v`, and
 * optionally what it has). `silent: true` makes a listener that accepts and never answers.
 *
 * @example
 * const peer = await startBtPeer({ host: '127.0.0.2', peerId: '-qB4620-', version: 'qBittorrent/4.6.2' })
 * t.after(() => peer.close())
 */
export interface BtPeerOptions {
  host?: string
  /** Start of the peer id (padded to 20 bytes), e.g. '-qB4620-'. */
  peerId?: string
  /** `v` in the extension handshake (which bittorrent-protocol always sends); omit for none. */
  version?: string
  /** What to announce after the handshake. */
  pieces?: { haveAll: true } | { haveNone: true } | { bitfield: Uint8Array }
  /** Accept connections and never say anything. */
  silent?: boolean
}

export interface BtPeer {
  host: string
  port: number
  /** Connections accepted so far. */
  readonly connections: number
  close(): Promise<void>
}

/**
 * Answers BitTorrent handshakes on one accepted socket; usable as the local swarm's
 * `onConnection` hook: `createLocalSwarm({ onConnection: (s) => serveBtPeer(s, { version: 'x' }) })`.
 */
export function serveBtPeer(socket: Socket, options: BtPeerOptions = {}): void {
  socket.on('error', () => socket.destroy())
  if (options.silent) return
  const id = Buffer.alloc(20, 'x')
  Buffer.from(options.peerId ?? '-qB4620-').copy(id)
  const wire = new Wire('tcpIncoming')
  wire.on('error', () => socket.destroy())
  socket.pipe(wire).pipe(socket)
  if (options.version !== undefined) wire.extendedHandshake = { v: options.version }
  wire.on('handshake', (infoHash: string) => {
    const p = options.pieces
    // The fast extension (BEP 6) is needed for have_all / have_none.
    const fast = !!p && ('haveAll' in p || 'haveNone' in p)
    wire.handshake(infoHash, id, { dht: false, fast })
    if (!p) return
    if ('haveAll' in p) wire.haveAll()
    else if ('haveNone' in p) wire.haveNone()
    else wire.bitfield(p.bitfield)
  })
}

export async function startBtPeer(options: BtPeerOptions = {}): Promise<BtPeer> {
  const host = options.host ?? '127.0.0.1'
  const sockets = new Set<Socket>()
  let connections = 0

  const server: Server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serveBtPeer(socket, options)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return {
    host,
    port: address.port,
    get connections() {
      return connections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
