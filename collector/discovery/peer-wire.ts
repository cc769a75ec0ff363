/**
 * The BitTorrent wire side of discovery: every peer the other sources find is tried once in the
 * background (bounded concurrency, bounded time), which says whether it is alive (`reachable`)
 * and, from the same handshake, its client, version and progress. A few connections per swarm
 * (and a bounded total) are kept open after the handshake so the peers' PEX messages (BEP 11,
 * through the `ut_pex` extension) reach us; the peers they announce feed discovery as `pex`.
 * We offer ut_pex (and ut_metadata, to learn the piece count for progress), never send
 * `interested` and never request pieces.
 *
 * Results are remembered per ip:port and infohash: successes for `positiveTtlMs`, refusals and
 * timeouts for `negativeTtlMs` (the negative cache), so a dead entry costs one attempt however
 * often the swarm is asked about.
 *
 * @example
 * const wire = createPeerWire({ concurrency: 16, timeoutMs: 2500, ..., onPexPeer, log })
 * wire.consider(infohash, peers) // returns at once; attempts run in the background
 * wire.state(infohash, '203.0.113.5', 6881) // { reachable: true, connected: true, client: ... }
 */
import { setMaxListeners } from 'node:events'
import type Wire from 'bittorrent-protocol'
import type { WireExtensionClass } from 'bittorrent-protocol'
import { LRUCache } from 'lru-cache'
import PQueue from 'p-queue'
import utPex, { type UtPex } from 'ut_pex'
import { INFOHASH_RE, peerKey } from '../../lib/contract/keys.ts'
import type { Logger } from '../../lib/log.ts'
import type { PeerView } from '../types.ts'
import { classifyAddress } from '../ip.ts'
import {
  handshakePeer,
  type HandshakeOptions,
  type HandshakeResult,
} from '../enrich/peer-handshake.ts'
import type { LoopPressure } from './loop-pressure.ts'
import { parseAddr } from './trackers.ts'

export interface PeerWireOptions {
  /** Handshakes in flight at once. */
  concurrency: number
  /** Time one handshake may take, connect included. */
  timeoutMs: number
  /** How long a successful handshake is trusted before the peer is tried again. */
  positiveTtlMs: number
  /** How long a refused or timed-out peer is left alone (the negative cache). */
  negativeTtlMs: number
  /** Connections kept open per swarm for PEX. */
  maxPerSwarm: number
  /** Connections kept open in total. */
  maxTotal: number
  /** Attempts waiting for a slot at most; more are skipped until the next consider(). */
  maxQueued?: number
  /** Largest torrent metadata fetched to learn the piece count (default 1 MiB; 0 = never). */
  maxMetadataBytes?: number
  /** A peer a PEX message announced. */
  onPexPeer(infohash: string, ip: string, port: number): void
  /** A peer's state changed (tried, connected, hung up). */
  onChange?(infohash: string): void
  /** An attempt's start waits while the event loop is saturated; absent: it starts at once. */
  pressure?: LoopPressure
  log: Logger
  /** Replaceable for tests; the real one talks BitTorrent over TCP. */
  handshake?: (o: HandshakeOptions) => Promise<HandshakeResult>
}

/** What the wire knows about one peer; absent fields are not known (yet). */
export interface PeerWireState {
  reachable?: boolean
  connected?: boolean
  client?: string
  client_version?: string
  progress?: number
}

export interface PeerWire {
  /** Queues an attempt for each peer not tried recently; returns at once. */
  consider(infohash: string, peers: Iterable<{ ip: string; port: number }>): void
  state(infohash: string, ip: string, port: number): PeerWireState | undefined
  /** Closes the swarm's connections (the swarm is no longer tracked). */
  dropSwarm(infohash: string): void
  health(): Record<string, unknown>
  close(): Promise<void>
}

interface Tried {
  ok: boolean
  reason?: string
  client?: string
  client_version?: string
  progress?: number
}

/** Classes a handshake may go to: a LAN peer is allowed only when discovery let it through. */
const DIALABLE = new Set(['public', 'private', 'loopback'])
/** Remembered results at most (per ip:port and infohash), successes and failures alike. */
const MAX_REMEMBERED = 50_000

const keyOf = (infohash: string, ip: string, port: number) => `${peerKey({ ip, port })}/${infohash}`

export function createPeerWire(opts: PeerWireOptions): PeerWire {
  const handshake = opts.handshake ?? handshakePeer
  const maxQueued = opts.maxQueued ?? Math.max(256, opts.concurrency * 64)
  // A TTL of 0 would mean "forever" to lru-cache; 0 here means "do not remember".
  // An expired result is tried again, but still shown until the new one arrives, so a live
  // peer's `reachable` does not blink out every positiveTtlMs.
  const tried = new LRUCache<string, Tried>({
    max: MAX_REMEMBERED,
    ttl: Math.max(1, opts.positiveTtlMs),
    noDeleteOnStaleGet: true,
  })
  const pending = new Set<string>()
  // Held connections by swarm, then by key.
  const held = new Map<string, Map<string, Wire>>()
  const pieceCounts = new LRUCache<string, number>({ max: 1000 })
  const queue = new PQueue({ concurrency: opts.concurrency })
  const stop = new AbortController()
  // Each running handshake listens on this one signal; the default cap of 10 would warn.
  setMaxListeners(0, stop.signal)
  let heldTotal = 0
  const stats = { attempts: 0, reachable: 0, unreachable: 0, skipped_queue_full: 0, pex_peers: 0 }

  const heldIn = (infohash: string) => held.get(infohash)?.size ?? 0
  const roomFor = (infohash: string) =>
    heldIn(infohash) < opts.maxPerSwarm && heldTotal < opts.maxTotal

  /** ut_pex with our listener attached from the start: peers send PEX right after handshaking. */
  function pexExtension(infohash: string): WireExtensionClass {
    const Base = utPex() as unknown as new (wire: Wire) => UtPex
    class CollectorPex extends Base {
      constructor(wire: Wire) {
        super(wire)
        this.on('warning', () => {}) // a peer without ut_pex, or one sending too often
        this.on('peer', (addr: string) => {
          const p = parseAddr(addr)
          if (!p || stop.signal.aborted) return
          stats.pex_peers++
          opts.onPexPeer(infohash, p.ip, p.port)
        })
        // 'dropped' is not acted on: a dropped peer ages out of the swarm like any other.
      }
    }
    return CollectorPex as unknown as WireExtensionClass
  }

  function keep(infohash: string, key: string, wire: Wire, socket: { destroy(): void }) {
    let swarm = held.get(infohash)
    if (!swarm) held.set(infohash, (swarm = new Map()))
    swarm.set(key, wire)
    heldTotal++
    // Real clients drop a silent connection after a couple of minutes.
    wire.setKeepAlive(true)
    let gone = false
    const release = () => {
      if (gone) return
      gone = true
      socket.destroy()
      const s = held.get(infohash)
      if (s?.get(key) === wire) {
        s.delete(key)
        heldTotal--
        if (s.size === 0) held.delete(infohash)
      }
      opts.onChange?.(infohash)
    }
    wire.once('close', release)
    wire.once('end', release)
    wire.on('error', release)
    ;(socket as unknown as NodeJS.EventEmitter).once('close', release)
  }

  async function attempt(infohash: string, ip: string, port: number, key: string) {
    try {
      // Nobody waits on an attempt: it yields to answers while the event loop is saturated.
      await opts.pressure?.whenIdle(stop.signal)
      if (stop.signal.aborted) return
      stats.attempts++
      const r = await handshake({
        ip,
        port,
        infohash,
        timeoutMs: opts.timeoutMs,
        signal: stop.signal,
        pieceCount: pieceCounts.get(infohash),
        fetchMetadataMaxBytes: opts.maxMetadataBytes ?? 1 << 20,
        extensions: [pexExtension(infohash)],
        hold: roomFor(infohash),
      })
      if (stop.signal.aborted) {
        if (r.ok) r.connection?.wire.destroy()
        return
      }
      if (r.ok) {
        stats.reachable++
        if (r.piece_count) pieceCounts.set(infohash, r.piece_count)
        const info: Tried = { ok: true }
        if (r.client !== undefined) info.client = r.client
        if (r.client_version !== undefined) info.client_version = r.client_version
        if (r.progress !== undefined) info.progress = r.progress
        if (opts.positiveTtlMs > 0) tried.set(key, info)
        const conn = r.connection
        if (conn) {
          if (roomFor(infohash)) keep(infohash, key, conn.wire, conn.socket)
          else (conn.wire.destroy(), conn.socket.destroy())
        }
      } else if (r.reason !== 'aborted') {
        stats.unreachable++
        if (opts.negativeTtlMs > 0)
          tried.set(key, { ok: false, reason: r.reason }, { ttl: opts.negativeTtlMs })
      }
      opts.onChange?.(infohash)
    } catch (err) {
      opts.log.debug('peer attempt failed', { ip, port, err })
    } finally {
      pending.delete(key)
    }
  }

  return {
    consider(infohash, peers) {
      if (stop.signal.aborted || !INFOHASH_RE.test(infohash)) return
      const swarm = held.get(infohash)
      for (const { ip, port } of peers) {
        const key = keyOf(infohash, ip, port)
        if (pending.has(key) || tried.has(key) || swarm?.has(key)) continue
        if (!DIALABLE.has(classifyAddress(ip))) continue
        if (queue.size >= maxQueued) {
          stats.skipped_queue_full++
          return
        }
        pending.add(key)
        void queue.add(() => attempt(infohash, ip, port, key))
      }
    },

    state(infohash, ip, port) {
      const key = keyOf(infohash, ip, port)
      const connected = held.get(infohash)?.has(key) ?? false
      const t = tried.get(key, { allowStale: true })
      if (!t) return connected ? { reachable: true, connected } : undefined
      if (!t.ok) return { reachable: false }
      const out: PeerWireState = { reachable: true }
      if (connected) out.connected = true
      if (t.client !== undefined) out.client = t.client
      if (t.client_version !== undefined) out.client_version = t.client_version
      if (t.progress !== undefined) out.progress = t.progress
      return out
    },

    dropSwarm(infohash) {
      const swarm = held.get(infohash)
      if (!swarm) return
      for (const wire of [...swarm.values()]) wire.destroy()
    },

    health: () => ({
      connections: heldTotal,
      max_connections: opts.maxTotal,
      max_connections_per_swarm: opts.maxPerSwarm,
      running: queue.pending,
      queued: queue.size,
      remembered: tried.size,
      ...stats,
    }),

    async close() {
      stop.abort()
      queue.clear()
      for (const swarm of [...held.values()]) for (const wire of [...swarm.values()]) wire.destroy()
      await queue.onIdle()
    },
  }
}

/**
 * What the wire knows now laid over `peers` (from a snapshot or a cache): reachable, connected,
 * client. Live peers first, untried ones next, dead ones last, each group in the order given.
 *
 * @example
 * const { peers, reachable_count } = overlayWireState(wire, infohash, answer.peers)
 */
export function overlayWireState(
  wire: PeerWire,
  infohash: string,
  peers: PeerView[],
): { peers: PeerView[]; reachable_count: number } {
  const rank = (p: PeerView) => (p.reachable === true ? 0 : p.reachable === false ? 2 : 1)
  const out = peers.map((p) => {
    const state = wire.state(infohash, p.ip, p.port)
    if (!state) return p
    const view: PeerView = { ...p, ...state }
    // A dead peer says nothing about its client; never show a leftover one.
    if (state.reachable === false) {
      delete view.client
      delete view.client_version
      delete view.progress
      delete view.connected
    }
    return view
  })
  // Array sort is stable: within a rank the incoming order (most recently seen first) stays.
  out.sort((a, b) => rank(a) - rank(b))
  return { peers: out, reachable_count: out.filter((p) => p.reachable === true).length }
}
