import { createServer, type Server, type Socket } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import bencode from 'bencode'
import Wire from 'bittorrent-protocol'
import utPex, { type UtPexWire } from 'ut_pex'

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
  /** Bencoded info dictionary to serve over ut_metadata (BEP 9); see makeTorrentInfo. */
  metadata?: Uint8Array
  /** Accept connections and never say anything. */
  silent?: boolean
  /**
   * Speak ut_pex (BEP 11) and, right after the extension handshake, announce these `ip:port`
   * addresses to a peer that offers ut_pex too (a function is read at that moment).
   */
  pex?: string[] | (() => string[])
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
  if (options.metadata) {
    wire.extendedHandshake.metadata_size = options.metadata.length
    wire.use(metadataServer(options.metadata))
  }
  if (options.pex) {
    const list = options.pex
    wire.use(utPex())
    wire.on('extended', (ext: string) => {
      const pex = (wire as UtPexWire).ut_pex
      if (ext !== 'handshake' || !pex || !wire.peerExtendedMapping.ut_pex) return
      for (const addr of typeof list === 'function' ? list() : list) pex.addPeer(addr)
      // HACK: ut_pex sends only on its 65 s timer (start()), while real clients (libtorrent,
      // qBittorrent) send their first PEX message soon after the handshake; a test cannot wait
      // a minute. _sendMessage() is the library's own encoder, sending the pending list now.
      // https://github.com/webtorrent/ut_pex/blob/master/index.js (start / _sendMessage)
      pex._sendMessage()
    })
  }
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

/** A v1 info dictionary with `pieceCount` pieces, bencoded, and its infohash. */
export function makeTorrentInfo(pieceCount: number): { info: Uint8Array; infohash: string } {
  const info = bencode.encode({
    length: pieceCount * 16384,
    name: 'test-stream',
    'piece length': 16384,
    pieces: randomBytes(20 * pieceCount),
  })
  return { info, infohash: createHash('sha1').update(info).digest('hex') }
}

/** Serves `metadata` in 16 KiB blocks to ut_metadata requests. */
function metadataServer(metadata: Uint8Array) {
  return class MetadataServer {
    constructor(private readonly wire: Wire) {}
    get name(): string {
      return 'ut_metadata'
    }
    onMessage(buf: Uint8Array): void {
      const msg = bencode.decode(buf) as { msg_type?: number; piece?: number } | null
      const piece = msg?.piece
      if (msg?.msg_type !== 0 || typeof piece !== 'number') return
      const block = metadata.subarray(piece * 16384, (piece + 1) * 16384)
      const head = bencode.encode({ msg_type: 1, piece, total_size: metadata.length })
      this.wire.extended('ut_metadata', Buffer.concat([head, block]))
    }
  }
}
