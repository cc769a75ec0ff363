/**
 * The swarms the collector tracks. Asking about a swarm starts tracking it: one discovery round
 * (DHT lookup + tracker announces) now, then one every `refreshMs` in the background, so later
 * requests answer at once. Concurrent requests share the running round. At most `maxSwarms` are
 * tracked: adding one more drops the least recently asked (its trackers hear `stopped`).
 *
 * @example
 * const registry = createSwarmRegistry({ dht, trackerUrls, ...limits, log })
 * const snap = await registry.query(infohash, { waitMs: 3000 }) // settled round or the wait
 */
import { randomBytes, randomInt } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import { HttpError } from '../../lib/http-error.ts'
import { classifyAddress, normalizeAddress } from '../../lib/ip.ts'
import type { Logger } from '../../lib/log.ts'
import type { PeerSource, SwarmPeer } from '../types.ts'
import type { DhtNode } from './dht-node.ts'
import {
  createTrackerSession,
  type TrackerCounts,
  type TrackerSession,
  type TrackerStatus,
} from './trackers.ts'

export interface SwarmRegistryOptions {
  dht: DhtNode
  trackerUrls: string[]
  allowPrivatePeers: boolean
  maxSwarms: number
  maxPeersPerSwarm: number
  /** Cold lookups (first rounds) at once; one more is refused with 503 + Retry-After. */
  maxConcurrentLookups: number
  refreshMs: number
  idleMs: number
  log: Logger
  /** Shortest time between two announces to one tracker. */
  trackerMinIntervalMs: number
  /** Longest one round may run (a real DHT walk can take many seconds). */
  roundTimeoutMs?: number
}

export interface SwarmSnapshot {
  infohash: string
  peers: SwarmPeer[]
  seeders: number | null
  leechers: number | null
  sources: { dht: number; tracker: number }
  /** True while the first discovery round has not settled. */
  discovering: boolean
  /** Why nothing could be found, when every source failed. */
  error: string | null
}

export interface SwarmRegistry {
  /**
   * Tracks the swarm (starting discovery if new) and resolves when its current round has settled
   * or `waitMs` passed, whichever is first. Throws 503 when too many cold lookups run.
   */
  query(infohash: string, opts: { waitMs: number; signal?: AbortSignal }): Promise<SwarmSnapshot>
  /** True when the swarm is tracked and its first round has settled. */
  isSettled(infohash: string): boolean
  health(): Record<string, unknown>
  readonly size: number
  close(): Promise<void>
}

interface TrackedSwarm {
  infohash: string
  peers: Map<string, SwarmPeer>
  trackers: TrackerSession
  lastAsked: number
  /** The round running now, shared by every request that arrives meanwhile. */
  round: Promise<void> | null
  lastRoundStarted: number
  settledOnce: boolean
  lastDht: 'done' | 'timeout' | 'aborted' | 'error' | null
  lastTrackers: TrackerStatus[]
  abort: AbortController
}

const DEFAULT_ROUND_TIMEOUT_MS = 20_000
// A peer no source has mentioned for this long has most likely left the swarm.
const PEER_TTL_MS = 30 * 60_000
// How long a cold request is told to wait before retrying when lookups are saturated.
const RETRY_AFTER_SECONDS = 1

export function createSwarmRegistry(opts: SwarmRegistryOptions): SwarmRegistry {
  const swarms = new Map<string, TrackedSwarm>()
  const roundTimeoutMs = opts.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS
  // Trackers hand our own announce back as a peer; a random per-process port and peer id make
  // it recognisable (see isSelf). The id uses the Azureus style trackers expect.
  const peerId = Buffer.concat([Buffer.from('-AP0001-'), randomBytes(12)]).toString('hex')
  const announcePort = randomInt(49152, 65535)
  const ownAddresses = localAddresses()
  let coldLookups = 0
  let rounds = 0
  let dropped = 0
  let closed = false

  const timer = setInterval(refreshAll, Math.max(1000, Math.min(opts.refreshMs, 60_000) / 2))
  timer.unref()

  function isSelf(ip: string, port: number, source: PeerSource): boolean {
    if (port !== announcePort) return false
    // Our announce comes back from trackers only (we never announce to the DHT); our public
    // address behind a VPN is unknown, so a tracker peer on our random port counts as us.
    return source === 'tracker' || ownAddresses.has(ip)
  }

  function admit(ip: string): string | undefined {
    const addr = normalizeAddress(ip)
    if (!addr) return undefined
    const cls = classifyAddress(addr)
    if (cls === 'public') return addr
    if (opts.allowPrivatePeers && (cls === 'private' || cls === 'loopback' || cls === 'link-local'))
      return addr
    return undefined
  }

  function addPeer(swarm: TrackedSwarm, rawIp: string, port: number, source: PeerSource) {
    if (closed || !swarms.has(swarm.infohash)) return
    const ip = admit(rawIp)
    if (!ip || !(port > 0 && port < 65536) || isSelf(ip, port, source)) return
    const key = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
    const now = new Date().toISOString()
    const known = swarm.peers.get(key)
    if (known) {
      swarm.peers.delete(key) // re-insert: the map stays in least-recently-seen order
      known.last_seen = now
      if (!known.sources.includes(source)) known.sources.push(source)
      swarm.peers.set(key, known)
      return
    }
    swarm.peers.set(key, { ip, port, sources: [source], first_seen: now, last_seen: now })
    if (swarm.peers.size > opts.maxPeersPerSwarm) {
      const oldest = swarm.peers.keys().next().value
      if (oldest !== undefined) swarm.peers.delete(oldest)
    }
  }

  function startRound(swarm: TrackedSwarm): Promise<void> {
    if (swarm.round) return swarm.round
    const cold = !swarm.settledOnce
    if (cold) coldLookups++
    rounds++
    swarm.lastRoundStarted = Date.now()
    const signal = swarm.abort.signal
    const t0 = Date.now()
    const dhtRound = opts.dht
      .lookup(swarm.infohash, {
        timeoutMs: roundTimeoutMs,
        signal,
        onPeer: (p) => addPeer(swarm, p.ip, p.port, 'dht'),
      })
      .then((r) => {
        swarm.lastDht = r.outcome
        opts.log.debug('dht lookup settled', {
          infohash: swarm.infohash,
          ms: Date.now() - t0,
          ...r,
        })
      })
    const trackerRound = swarm.trackers
      .announce({ timeoutMs: roundTimeoutMs, signal, minIntervalMs: opts.trackerMinIntervalMs })
      .then((s) => {
        swarm.lastTrackers = s
        opts.log.debug('trackers settled', { infohash: swarm.infohash, ms: Date.now() - t0 })
      })
    const round: Promise<void> = Promise.all([dhtRound, trackerRound])
      .then(() => undefined)
      .catch((err) => opts.log.warn('discovery round failed', { infohash: swarm.infohash, err }))
      .finally(() => {
        if (cold) coldLookups--
        swarm.settledOnce = true
        swarm.round = null
      })
    swarm.round = round
    return round
  }

  function track(infohash: string): TrackedSwarm {
    const known = swarms.get(infohash)
    if (known) return known
    if (coldLookups >= opts.maxConcurrentLookups)
      throw new HttpError(
        503,
        'too many lookups',
        `${coldLookups} new swarms are being looked up; retry shortly`,
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      )
    while (swarms.size >= opts.maxSwarms) dropLeastRecentlyAsked()
    const swarm: TrackedSwarm = {
      infohash,
      peers: new Map(),
      trackers: undefined as unknown as TrackerSession,
      lastAsked: Date.now(),
      round: null,
      lastRoundStarted: 0,
      settledOnce: false,
      lastDht: null,
      lastTrackers: [],
      abort: new AbortController(),
    }
    swarm.trackers = createTrackerSession({
      infohash,
      urls: opts.trackerUrls,
      peerId,
      port: announcePort,
      log: opts.log,
      onPeer: (p) => addPeer(swarm, p.ip, p.port, 'tracker'),
    })
    swarms.set(infohash, swarm)
    opts.log.debug('tracking swarm', { infohash, tracked: swarms.size })
    return swarm
  }

  function drop(swarm: TrackedSwarm, why: string) {
    swarms.delete(swarm.infohash)
    swarm.abort.abort()
    dropped++
    opts.log.debug('dropping swarm', { infohash: swarm.infohash, why })
    void swarm.trackers.stop()
  }

  function dropLeastRecentlyAsked() {
    let oldest: TrackedSwarm | undefined
    for (const s of swarms.values()) if (!oldest || s.lastAsked < oldest.lastAsked) oldest = s
    if (oldest) drop(oldest, 'capacity')
  }

  function refreshAll() {
    const now = Date.now()
    const seenSince = new Date(now - Math.max(PEER_TTL_MS, 3 * opts.refreshMs)).toISOString()
    for (const swarm of [...swarms.values()]) {
      // Least recently seen first (see addPeer), so expired peers sit at the front.
      for (const [key, peer] of swarm.peers) {
        if (peer.last_seen >= seenSince) break
        swarm.peers.delete(key)
      }
      if (now - swarm.lastAsked > opts.idleMs) drop(swarm, 'idle')
      else if (!swarm.round && now - swarm.lastRoundStarted >= opts.refreshMs)
        void startRound(swarm)
    }
  }

  function snapshot(swarm: TrackedSwarm): SwarmSnapshot {
    const peers = [...swarm.peers.values()].reverse() // most recently seen first
    const sources = { dht: 0, tracker: 0 }
    for (const p of peers) for (const s of p.sources) sources[s]++
    const counts: TrackerCounts | null = swarm.trackers.counts()
    let error: string | null = null
    if (swarm.settledOnce && peers.length === 0) {
      const trackerOk = swarm.lastTrackers.some((t) => t.ok)
      const dhtOk = swarm.lastDht === 'done' && opts.dht.nodeCount() > 0
      if (!trackerOk && !dhtOk)
        error =
          opts.trackerUrls.length === 0 && opts.dht.nodeCount() === 0
            ? 'no discovery source: no trackers configured and the DHT has no nodes'
            : 'no tracker answered and the DHT lookup found no nodes'
    }
    return {
      infohash: swarm.infohash,
      peers: peers.map((p) => ({ ...p, sources: [...p.sources] })),
      seeders: counts?.seeders ?? null,
      leechers: counts?.leechers ?? null,
      sources,
      discovering: !swarm.settledOnce,
      error,
    }
  }

  return {
    async query(infohash, { waitMs, signal }) {
      if (closed) throw new HttpError(503, 'shutting down')
      const swarm = track(infohash)
      swarm.lastAsked = Date.now()
      // Answer at once from what is known unless the first round is still running; a stale
      // swarm gets a fresh round in the background.
      let pending: Promise<void> | null = null
      if (!swarm.settledOnce) pending = startRound(swarm)
      else if (!swarm.round && Date.now() - swarm.lastRoundStarted >= opts.refreshMs)
        void startRound(swarm)
      if (pending && waitMs > 0) await settleOrWait(pending, waitMs, signal)
      return snapshot(swarm)
    },

    isSettled: (infohash) => swarms.get(infohash)?.settledOnce ?? false,

    get size() {
      return swarms.size
    },

    health() {
      return {
        tracked_swarms: swarms.size,
        max_tracked_swarms: opts.maxSwarms,
        cold_lookups: coldLookups,
        discovery_rounds: rounds,
        dht_lookups: opts.dht.lookupsStarted,
        swarms_dropped: dropped,
      }
    },

    async close() {
      if (closed) return
      closed = true
      clearInterval(timer)
      const all = [...swarms.values()]
      swarms.clear()
      for (const s of all) s.abort.abort()
      await Promise.all(all.map((s) => s.trackers.stop()))
    },
  }
}

/** Resolves when `p` settles, `ms` passed or `signal` aborted; the timer never outlives it. */
function settleOrWait(p: Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
    void p.then(done, done)
  })
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1'])
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) out.add(normalizeAddress(a.address) ?? a.address)
  return out
}
