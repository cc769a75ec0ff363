/**
 * A swarm shaped like the ones the collector meets in the field, on loopback and built from the
 * project's own dependencies (bittorrent-tracker, bittorrent-dht, bittorrent-protocol, ut_pex):
 *
 * - two trackers: the "main" one (the collector's TRACKERS) and the stream's own one, named only
 *   in the magnet's `tr=` (as an AceStream broadcast's internal tracker is);
 * - DHT nodes that bootstrap only from each other;
 * - `core` peers on the main tracker and the DHT that answer handshakes and speak ut_pex, each
 *   announcing every PEX-only peer (and a few other core peers) right after the handshake;
 * - `streamOnly` peers known only to the stream's tracker (they speak ut_pex too);
 * - `pexOnly` peers that no tracker or DHT node knows: only other peers' PEX messages name them;
 * - stale entries on the main tracker and the DHT: `refusing` ones (nothing listens on their
 *   port any more) and `silent` ones (accept TCP, never answer the handshake). Their DHT nodes are
 *   gone, as a departed peer's would be, so a DHT walk meets dead nodes and has a slow tail.
 *
 * Every peer has its own 127.0.x.y address (see local-swarm.ts for why loopback suffices).
 *
 * @example
 * const field = await createFieldSwarm()
 * t.after(() => field.close())
 * // collector env: TRACKERS=field.trackers.main.udp, DHT_BOOTSTRAP=field.dhtBootstrap
 * await fetch(`${url}/peers/${encodeURIComponent(field.magnet)}`)
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server as TcpServer, type Socket } from 'node:net'
import type DHT from 'bittorrent-dht'
import type Server from 'bittorrent-tracker/server'
import { serveBtPeer } from './bt-peer.ts'
import {
  announceUdp,
  closeTcp,
  destroyDht,
  nextLoopbackAddress,
  randomInfohash,
  startDhtMesh,
  startDhtNode,
  startTracker,
  withTimeout,
} from './local-swarm.ts'

export type FieldPeerKind = 'core' | 'stream' | 'pex' | 'refusing' | 'silent'

export interface FieldPeer {
  kind: FieldPeerKind
  ip: string
  port: number
  /** TCP connections this peer accepted (0 for refusing peers: nothing listens). */
  readonly connections: number
}

export interface FieldSwarmOptions {
  core?: number
  streamOnly?: number
  pexOnly?: number
  refusing?: number
  silent?: number
  dhtNodes?: number
  infohash?: string
}

interface TrackerUrls {
  udp: string
  http: string
}

export interface FieldSwarm {
  infohash: string
  trackers: { main: TrackerUrls; stream: TrackerUrls }
  /** The stream's tracker server, for tests that watch who announces to it. */
  streamTracker: Server
  /** Comma-separated `host:port` of the DHT nodes, the collector's `DHT_BOOTSTRAP`. */
  dhtBootstrap: string
  /** `magnet:?xt=urn:btih:<infohash>&tr=<the stream's UDP tracker>` */
  magnet: string
  peers: FieldPeer[]
  /** Peers that answer handshakes: core, stream and pex. */
  live: FieldPeer[]
  /** Entries the sources list but nobody answers at: refusing and silent. */
  stale: FieldPeer[]
  byKind(kind: FieldPeerKind): FieldPeer[]
  close(): Promise<void>
}

/** Clients the live peers claim to be, in turn. */
const CLIENTS = [
  { peerId: '-qB4620-', version: 'qBittorrent/4.6.2' },
  { peerId: '-TR4050-', version: 'Transmission 4.0.5' },
  { peerId: '-DE211s-', version: 'Deluge 2.1.1' },
]
/** Core peers each one names over PEX besides the PEX-only peers (real PEX lists a sample). */
const CORE_SAMPLE = 3

export async function createFieldSwarm(opts: FieldSwarmOptions = {}): Promise<FieldSwarm> {
  const counts = {
    core: opts.core ?? 20,
    stream: opts.streamOnly ?? 5,
    pex: opts.pexOnly ?? 5,
    refusing: opts.refusing ?? 3,
    silent: opts.silent ?? 3,
  }
  const infohash = opts.infohash ?? randomInfohash()
  const closers: Array<() => Promise<void>> = []
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {})
  }

  try {
    const main = await startTracker()
    closers.push(() => new Promise((r) => main.tracker.close(() => r())))
    const stream = await startTracker()
    closers.push(() => new Promise((r) => stream.tracker.close(() => r())))
    const udpPort = (url: string) => Number(new URL(url.replace(/^udp:/, 'http:')).port)

    const dhtBootstrap = await startDhtMesh(opts.dhtNodes ?? 8, closers)

    const peers: FieldPeer[] = []
    const addrOf = (p: FieldPeer) => `${p.ip}:${p.port}`
    // What a live peer announces over PEX: every PEX-only peer and a few core peers.
    const pexList = () => {
      const core = peers.filter((p) => p.kind === 'core').slice(0, CORE_SAMPLE)
      return [...peers.filter((p) => p.kind === 'pex'), ...core].map(addrOf)
    }

    /** A TCP listener on a fresh loopback address; `answer` false accepts and stays silent. */
    async function listen(kind: FieldPeerKind, answer: boolean) {
      const ip = nextLoopbackAddress()
      const sockets = new Set<Socket>()
      const index = peers.length
      let connections = 0
      const tcp: TcpServer = createServer((socket) => {
        connections++
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {})
        if (!answer) return
        serveBtPeer(socket, {
          ...CLIENTS[index % CLIENTS.length]!,
          pieces: index % 3 === 0 ? { haveAll: true } : { haveNone: true },
          pex: pexList,
        })
      })
      await withTimeout(
        `peer listen on ${ip}`,
        new Promise<void>((resolve, reject) => {
          tcp.once('error', reject)
          tcp.listen(0, ip, () => resolve())
        }),
      )
      const port = (tcp.address() as { port: number }).port
      const peer: FieldPeer = {
        kind,
        ip,
        port,
        get connections() {
          return connections
        },
      }
      peers.push(peer)
      return { peer, stop: () => closeTcp(tcp, sockets) }
    }

    async function announce(
      peer: FieldPeer,
      where: { main?: boolean; stream?: boolean; dht?: boolean },
    ) {
      const peerId = randomBytes(20).toString('hex')
      const jobs: Array<Promise<unknown>> = []
      const a = {
        ip: peer.ip,
        infohash,
        peerId,
        port: peer.port,
        event: 'started' as const,
        left: 0,
      }
      if (where.main) jobs.push(announceUdp(udpPort(main.udp), a))
      if (where.stream) jobs.push(announceUdp(udpPort(stream.udp), a))
      let dht: DHT | undefined
      if (where.dht) {
        const d = (dht = await startDhtNode(peer.ip, dhtBootstrap))
        jobs.push(
          withTimeout(
            `dht announce from ${peer.ip}`,
            new Promise<void>((resolve, reject) =>
              d.announce(infohash, peer.port, (err) => (err ? reject(err) : resolve())),
            ),
          ),
        )
      }
      await Promise.all(jobs)
      return dht
    }

    // Listeners first, so the PEX lists are complete before anyone announces.
    const started: Array<{ peer: FieldPeer; stop: () => Promise<void> }> = []
    for (let i = 0; i < counts.pex; i++) started.push(await listen('pex', true))
    for (let i = 0; i < counts.core; i++) started.push(await listen('core', true))
    for (let i = 0; i < counts.stream; i++) started.push(await listen('stream', true))
    for (let i = 0; i < counts.silent; i++) started.push(await listen('silent', false))
    const refusing: Array<{ peer: FieldPeer; stop: () => Promise<void> }> = []
    for (let i = 0; i < counts.refusing; i++) refusing.push(await listen('refusing', false))
    for (const s of started) closers.push(s.stop)

    // A few at a time: all at once makes the DHT walks compete on two cores.
    const jobs: Array<() => Promise<void>> = []
    for (const { peer } of started) {
      if (peer.kind === 'core')
        jobs.push(async () => {
          const dht = await announce(peer, { main: true, dht: true })
          if (dht) closers.push(() => destroyDht(dht))
        })
      else if (peer.kind === 'stream')
        jobs.push(async () => void (await announce(peer, { stream: true })))
      else if (peer.kind === 'silent')
        jobs.push(async () => {
          const dht = await announce(peer, { main: true, dht: true })
          if (dht) await destroyDht(dht) // gone from the DHT, still listed by it
        })
    }
    for (const { peer, stop } of refusing)
      jobs.push(async () => {
        await stop() // nothing listens there any more: connections are refused
        const dht = await announce(peer, { main: true, dht: true })
        if (dht) await destroyDht(dht)
      })
    for (let i = 0; i < jobs.length; i += 6) await Promise.all(jobs.slice(i, i + 6).map((j) => j()))

    const byKind = (kind: FieldPeerKind) => peers.filter((p) => p.kind === kind)
    return {
      infohash,
      trackers: {
        main: { udp: main.udp, http: main.http },
        stream: { udp: stream.udp, http: stream.http },
      },
      streamTracker: stream.tracker,
      dhtBootstrap: dhtBootstrap.join(','),
      magnet: `magnet:?xt=urn:btih:${infohash}&tr=${encodeURIComponent(stream.udp)}`,
      peers,
      live: peers.filter((p) => p.kind === 'core' || p.kind === 'stream' || p.kind === 'pex'),
      stale: peers.filter((p) => p.kind === 'refusing' || p.kind === 'silent'),
      byKind,
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
