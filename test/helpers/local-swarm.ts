/**
 * A real BitTorrent swarm on loopback, built from the project's own dependencies, so tests and
 * benchmarks never send a packet outside 127.0.0.0/8:
 *
 * - one `bittorrent-tracker` Server (UDP + HTTP on 127.0.0.1, port 0; no WebSocket);
 * - `dhtNodes` `bittorrent-dht` nodes on 127.0.0.x that bootstrap only from each other;
 * - peers, each with a real TCP listener at its own loopback address (127.0.0.2, 127.0.0.3, ...
 *   then 127.0.1.x), announcing to the tracker and/or the DHT.
 *
 * Address choices: Linux routes all of 127.0.0.0/8 to `lo`, so any 127.x.y.z can be bound
 * without setup. Trackers and DHT nodes record the UDP source address of an announce, so each
 * peer announces from its own address: to the tracker with a BEP 15 UDP announce from a socket
 * bound to the peer's address (bittorrent-tracker's client cannot choose a source address, and
 * Node's fetch ignores http.Agent), to the DHT through its own DHT node bound there. Either way
 * the tracker and the DHT hand out the peer's real ip:port, where its TCP listener answers.
 *
 * @example
 * const swarm = await createLocalSwarm({ peers: 5, mode: 'both' })
 * t.after(() => swarm.close())
 * // collector env: TRACKERS=swarm.trackerUrls.udp, DHT_BOOTSTRAP=swarm.dhtBootstrap
 */
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { createServer, type Server as TcpServer, type Socket } from 'node:net'
import DHT from 'bittorrent-dht'
import Server from 'bittorrent-tracker/server'

export type SwarmMode = 'tracker' | 'dht' | 'both'

export interface LocalPeer {
  ip: string
  port: number
  /** 40-hex peer id the peer announced to the tracker with. */
  peerId: string
  /** Announced as complete (left=0) to the tracker. */
  seeder: boolean
  /** Stops announcing (tracker `stopped`), closes its DHT node and TCP listener. */
  close(): Promise<void>
}

export interface LocalSwarmOptions {
  /** Peers to start with (default 5). */
  peers?: number
  /** Where peers announce (default 'both'). */
  mode?: SwarmMode
  /** DHT nodes besides the peers' own (default 8). */
  dhtNodes?: number
  /** 40-hex infohash (default random). */
  infohash?: string
  /** Every `seederEvery`-th peer announces as a seeder (default 3; 0 = none). */
  seederEvery?: number
  /** Called for each TCP connection a peer accepts; default closes it at once. */
  onConnection?: (socket: Socket, peer: LocalPeer) => void
}

/** One infohash with its peers, on the swarm's tracker and DHT. */
export interface LocalTorrent {
  infohash: string
  peers: LocalPeer[]
  /** A peer joining now; resolves once its announces were acknowledged. */
  addPeer(): Promise<LocalPeer>
}

export interface LocalSwarm extends LocalTorrent {
  trackerUrls: { udp: string; http: string }
  /** Comma-separated `host:port` of the DHT nodes, the collector's `DHT_BOOTSTRAP`. */
  dhtBootstrap: string
  /** The tracker, for tests that watch announces (`start`, `stop` events). */
  tracker: Server
  /** Another infohash on the same tracker and DHT (the benchmark tracks many swarms). */
  addTorrent(opts?: { peers?: number; infohash?: string; mode?: SwarmMode }): Promise<LocalTorrent>
  close(): Promise<void>
}

// Loopback addresses handed out in order; 127.0.0.1 is left to the tracker and the services.
let nextHost = 2
export function nextLoopbackAddress(): string {
  const n = nextHost++
  if (nextHost > 250 * 254) nextHost = 2
  return `127.0.${Math.floor(n / 254)}.${(n % 254) + 1}`
}

export function randomInfohash(): string {
  return randomBytes(20).toString('hex')
}

// Every wait in here is bounded so a broken swarm fails a test instead of hanging it.
const START_TIMEOUT_MS = 10_000

export function withTimeout<T>(what: string, p: Promise<T>, ms = START_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`local swarm: ${what} timed out`)), ms)
    timer.unref()
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export async function startTracker(): Promise<{ tracker: Server; udp: string; http: string }> {
  const tracker = new Server({ ws: false, stats: false, interval: 60_000 })
  tracker.on('warning', () => {}) // bad packets are the tracker's business, not the test's
  await withTimeout(
    'tracker listen',
    new Promise<void>((resolve, reject) => {
      tracker.once('error', reject)
      tracker.listen(
        { http: 0, udp: 0 },
        { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' },
        () => resolve(),
      )
    }),
  )
  const httpPort = (tracker.http!.address() as { port: number }).port
  const udpPort = tracker.udp4!.address().port
  return {
    tracker,
    udp: `udp://127.0.0.1:${udpPort}/announce`,
    http: `http://127.0.0.1:${httpPort}/announce`,
  }
}

export function startDhtNode(host: string, bootstrap: string[] | false): Promise<DHT> {
  const dht = new DHT({ bootstrap, host, timeout: 1000 })
  dht.on('warning', () => {})
  dht.on('error', () => {})
  return withTimeout(
    `dht node on ${host}`,
    new Promise<DHT>((resolve) => {
      let listening = false
      let ready = bootstrap === false
      const check = () => listening && ready && resolve(dht)
      dht.once('listening', () => ((listening = true), check()))
      dht.once('ready', () => ((ready = true), check()))
      dht.listen(0, host)
    }),
  )
}

export type UdpAnnounceEvent = 'started' | 'stopped'
const UDP_EVENTS: Record<UdpAnnounceEvent, number> = { started: 2, stopped: 3 }
const UDP_PROTOCOL_ID = Buffer.from('0000041727101980', 'hex')

/**
 * One BEP 15 announce (connect, then announce) from a UDP socket bound to `ip`, so the tracker
 * records the peer at its own loopback address. Resolves when the tracker acknowledged it.
 */
export function announceUdp(
  trackerPort: number,
  a: {
    ip: string
    infohash: string
    peerId: string
    port: number
    event: UdpAnnounceEvent
    left: number
  },
): Promise<void> {
  const socket = createSocket('udp4')
  const request = (msg: Buffer, action: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const tid = msg.readUInt32BE(12)
      const onMessage = (res: Buffer) => {
        if (res.length < 8 || res.readUInt32BE(4) !== tid) return
        socket.off('message', onMessage)
        if (res.readUInt32BE(0) === action) resolve(res)
        else reject(new Error(`tracker answered: ${res.subarray(8).toString()}`))
      }
      socket.on('message', onMessage)
      socket.send(msg, trackerPort, '127.0.0.1')
    })
  const run = async () => {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, a.ip, () => resolve())
    })
    const connect = Buffer.concat([UDP_PROTOCOL_ID, u32(0), randomBytes(4)])
    const connected = await request(connect, 0)
    const announce = Buffer.concat([
      connected.subarray(8, 16),
      u32(1),
      randomBytes(4),
      Buffer.from(a.infohash, 'hex'),
      Buffer.from(a.peerId, 'hex'),
      Buffer.alloc(8), // downloaded
      u64(a.left),
      Buffer.alloc(8), // uploaded
      u32(UDP_EVENTS[a.event]),
      u32(0), // ip: 0 = the source address
      randomBytes(4), // key
      u32(0), // numwant
      u16(a.port),
    ])
    await request(announce, 1)
  }
  return withTimeout(`udp announce from ${a.ip}`, run(), 3000).finally(() => socket.close())
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

export function destroyDht(dht: DHT): Promise<void> {
  return new Promise((resolve) => dht.destroy(() => resolve()))
}

export function closeTcp(server: TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy()
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * `count` (at least one) core DHT nodes on fresh loopback addresses: the first stands alone, the
 * others bootstrap from those before them, then each learns all the others by ping so every
 * table is complete before any peer announces. Each node's destroy goes to `closers`; resolves
 * with the nodes' `host:port` list to bootstrap from.
 *
 * @example
 * const dhtBootstrap = await startDhtMesh(8, closers)
 */
export async function startDhtMesh(
  count: number,
  closers: Array<() => Promise<void>>,
): Promise<string[]> {
  const dhtNodes: DHT[] = []
  for (let i = 0; i < Math.max(1, count); i++) {
    const known = dhtNodes.map((d) => `${d.address().address}:${d.address().port}`)
    const dht = await startDhtNode(nextLoopbackAddress(), known.length ? known : false)
    dhtNodes.push(dht)
    closers.push(() => destroyDht(dht))
  }
  for (const a of dhtNodes)
    for (const b of dhtNodes)
      if (a !== b) a.addNode({ host: b.address().address, port: b.address().port })
  return dhtNodes.map((d) => `${d.address().address}:${d.address().port}`)
}

/**
 * Starts a tracker, DHT nodes and `peers` peers for one infohash; `close()` stops everything.
 */
export async function createLocalSwarm(opts: LocalSwarmOptions = {}): Promise<LocalSwarm> {
  const mode = opts.mode ?? 'both'
  const seederEvery = opts.seederEvery ?? 3
  const closers: Array<() => Promise<void>> = []

  const { tracker, udp, http } = await startTracker()
  const trackerUdpPort = Number(new URL(udp.replace(/^udp:/, 'http:')).port)
  closers.push(() => new Promise((resolve) => tracker.close(() => resolve())))

  let dhtBootstrap: string[]
  try {
    dhtBootstrap = await startDhtMesh(opts.dhtNodes ?? 8, closers)
  } catch (err) {
    await Promise.all(closers.map((c) => c()))
    throw err
  }

  let closed = false
  const livePeers = new Set<LocalPeer>()

  async function startPeer(infohash: string, index: number, peerMode: SwarmMode) {
    const ip = nextLoopbackAddress()
    const sockets = new Set<Socket>()
    const tcp = createServer()
    await withTimeout(
      `peer listen on ${ip}`,
      new Promise<void>((resolve, reject) => {
        tcp.once('error', reject)
        tcp.listen(0, ip, () => resolve())
      }),
    )
    const port = (tcp.address() as { port: number }).port
    const peerId = randomBytes(20).toString('hex')
    const seeder = seederEvery > 0 && index % seederEvery === seederEvery - 1
    let dht: DHT | undefined
    let announcedToTracker = false
    let peerClosed = false
    const trackerAnnounce = (event: UdpAnnounceEvent) =>
      announceUdp(trackerUdpPort, { ip, infohash, peerId, port, event, left: seeder ? 0 : 1e6 })

    const peer: LocalPeer = {
      ip,
      port,
      peerId,
      seeder,
      async close() {
        if (peerClosed) return
        peerClosed = true
        livePeers.delete(peer)
        if (announcedToTracker && !closed) await trackerAnnounce('stopped').catch(() => {})
        if (dht) await destroyDht(dht)
        await closeTcp(tcp, sockets)
      },
    }
    livePeers.add(peer)

    tcp.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
      if (opts.onConnection) opts.onConnection(socket, peer)
      else socket.destroy()
    })

    try {
      const announces: Promise<void>[] = []
      if (peerMode !== 'dht') {
        announces.push(
          withTimeout(`tracker announce from ${ip}`, trackerAnnounce('started')).then(() => {
            announcedToTracker = true
          }),
        )
      }
      if (peerMode !== 'tracker') {
        const d = await startDhtNode(ip, dhtBootstrap)
        dht = d
        announces.push(
          withTimeout(
            `dht announce from ${ip}`,
            new Promise<void>((resolve, reject) =>
              d.announce(infohash, port, (err) => (err ? reject(err) : resolve())),
            ),
          ),
        )
      }
      await Promise.all(announces)
    } catch (err) {
      await peer.close()
      throw err
    }
    return peer
  }

  async function createTorrent(
    infohash: string,
    count: number,
    peerMode: SwarmMode,
  ): Promise<LocalTorrent> {
    const torrent: LocalTorrent = {
      infohash,
      peers: [],
      async addPeer() {
        if (closed) throw new Error('local swarm is closed')
        const peer = await startPeer(infohash, torrent.peers.length, peerMode)
        torrent.peers.push(peer)
        return peer
      },
    }
    // A few at a time: all at once makes 30 DHT walks compete on two cores.
    for (let i = 0; i < count; i += 6) {
      const batch = Array.from({ length: Math.min(6, count - i) }, (_, j) =>
        startPeer(infohash, i + j, peerMode),
      )
      torrent.peers.push(...(await Promise.all(batch)))
    }
    return torrent
  }

  async function close() {
    if (closed) return
    closed = true
    await Promise.all([...livePeers].map((p) => p.close()))
    await Promise.all(closers.map((c) => c()))
  }

  try {
    const main = await createTorrent(opts.infohash ?? randomInfohash(), opts.peers ?? 5, mode)
    return {
      ...main,
      get peers() {
        return main.peers
      },
      trackerUrls: { udp, http },
      dhtBootstrap: dhtBootstrap.join(','),
      tracker,
      addTorrent: (o = {}) =>
        createTorrent(o.infohash ?? randomInfohash(), o.peers ?? 0, o.mode ?? mode),
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
