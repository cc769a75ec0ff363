/**
 * The swarms the collector tracks. Asking about a swarm starts tracking it: one discovery round
 * (DHT lookup + announces to the configured trackers and the stream's own) now, then one every
 * `refreshMs` in the background, so later requests answer at once. Concurrent requests share the
 * running round. Peers found are handed to the peer wire, which tries each once in the background
 * (reachable or not, client) and keeps a few connections open for PEX. At most `maxSwarms` are
 * tracked: adding one more drops the least recently asked (its trackers hear `stopped`).
 *
 * A cold query answers as soon as the first results are in and FIRST_ANSWER_QUIET_MS passed with
 * nothing new, or when the round settled, or at `waitMs`, whichever is first; it never waits for
 * a handshake. Over `maxConcurrentLookups` cold rounds, new swarms wait in a FIFO queue of at
 * most `maxQueuedLookups` (answered at once, `discovering: true`); past that, 503.
 *
 * @example
 * const registry = createSwarmRegistry({ dht, trackerUrls, ...limits, log })
 * const snap = await registry.query(infohash, { waitMs: 3000 }) // first results or the wait
 */
import { randomBytes, randomInt } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import PQueue from 'p-queue'
import { HttpError } from '../../lib/http-error.ts'
import { classifyAddress, normalizeAddress } from '../ip.ts'
import type { Logger } from '../../lib/log.ts'
import { safeUrlLabel } from '../../lib/metrics.ts'
import type { PeerSource, PeerView, SourceCounts, SwarmPeer, TrackerState } from '../types.ts'
import type { DhtNode } from './dht-node.ts'
import type { LoopPressure } from './loop-pressure.ts'
import { overlayWireState, type PeerWire } from './peer-wire.ts'
import { MAX_STREAM_TRACKERS, type StreamTracker } from './stream-trackers.ts'
import { createPeerBook, type PeerBook } from './swarm-peers.ts'
import {
  createTrackerSession,
  trackerState,
  type AnnounceOutcome,
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
  /** Cold lookups (first rounds) at once; more new swarms wait in the queue. */
  maxConcurrentLookups: number
  /** New swarms waiting for a lookup slot at most; one more is refused with 503 + Retry-After. */
  maxQueuedLookups: number
  /** A peer no source mentioned for this long is forgotten (never less than 3 refreshes). */
  peerTtlMs: number
  /** Tries peers and collects PEX; absent: peers are listed untried. */
  wire?: PeerWire
  /** A lookup's turn waits while the event loop is saturated; absent: it starts at once. */
  pressure?: LoopPressure
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
  sources: Required<SourceCounts>
  /** Configured and stream trackers this swarm uses, with how they answered. */
  trackers: TrackerState[]
  /** True while the first discovery round has not settled (or waits in the queue). */
  discovering: boolean
  /** Why nothing could be found, when every source failed. */
  error: string | null
}

export interface SwarmRegistry {
  /**
   * Tracks the swarm (starting discovery if new) and resolves when its current round has settled
   * or `waitMs` passed, whichever is first. Throws 503 when too many cold lookups run.
   */
  query(
    infohash: string,
    opts: { waitMs: number; signal?: AbortSignal; streamTrackers?: StreamTracker[] },
  ): Promise<SwarmSnapshot>
  /**
   * What `query` with no wait does, without building a snapshot: tracks the swarm (starting
   * discovery if new), marks it asked, adds the magnet's trackers and starts a due refresh. For
   * an answer served from the cache, so the swarm stays tracked and warm here too.
   */
  touch(infohash: string, opts: { streamTrackers?: StreamTracker[] }): void
  /**
   * What the wire knows now laid over `peers` (reachable, connected, client...), live peers
   * first and dead ones last; for answers that may come from a cache.
   */
  decorate(infohash: string, peers: PeerView[]): { peers: PeerView[]; reachable_count: number }
  /** A peer a PEX message announced for a tracked swarm. */
  addPexPeer(infohash: string, ip: string, port: number): void
  /** True when the swarm is tracked and its first round has settled. */
  isSettled(infohash: string): boolean
  /** True when the swarm is tracked and waits for its first round (`query` answers at once). */
  isQueued(infohash: string): boolean
  /**
   * For a tracked swarm `query` answers at once (its first round settled, or it waits in the
   * lookup queue), what `query` with no wait does (marks it asked, adds the magnet's trackers,
   * starts a due refresh) without building a snapshot, and the swarm's change stamp: it moves
   * whenever the snapshot or the wire state laid over it may have changed (a queued swarm's
   * round starting included), and never repeats, so an answer built at one stamp can be served
   * again while the stamp holds. Undefined when the swarm is not tracked or its first round runs.
   *
   * @example
   * const stamp = registry.peek(infohash, {})
   * if (stamp !== undefined && stamp === view.stamp) return view.body
   */
  peek(infohash: string, opts: { streamTrackers?: StreamTracker[] }): number | undefined
  /**
   * Calls `fn` (synchronously, so keep it cheap) whenever the swarm's peers may have changed:
   * a new peer or source, peers expired, a round settled, or `changed()` was called (the wire
   * tried or lost a peer). Returns the unsubscribe. At most MAX_WATCHERS in all.
   */
  watch(infohash: string, fn: () => void): () => void
  /** Tells the swarm's watchers something about its peers changed outside the registry. */
  changed(infohash: string): void
  health(): Record<string, unknown>
  readonly size: number
  close(): Promise<void>
}

interface TrackedSwarm {
  infohash: string
  peers: PeerBook
  trackers: TrackerSession
  /** The magnet's own trackers, by the URL the magnet gave; at most MAX_STREAM_TRACKERS. */
  streamTrackers: Map<string, TrackerSession>
  /** Called on every new peer or new source of a peer (the first answer's quiet period). */
  listeners: Set<() => void>
  /** Waiting in the lookup queue: no round has started yet. */
  queued: boolean
  lastAsked: number
  /** The round running now, shared by every request that arrives meanwhile. */
  round: Promise<void> | null
  /** Moves on every change of what an answer shows (see `peek`). */
  stamp: number
  lastRoundStarted: number
  settledOnce: boolean
  lastDht: 'done' | 'timeout' | 'aborted' | 'error' | null
  lastTrackers: TrackerStatus[]
  abort: AbortController
}

const DEFAULT_ROUND_TIMEOUT_MS = 20_000
// How long a cold request is told to wait before retrying when the lookup queue is full.
const RETRY_AFTER_SECONDS = 1
// A cold answer leaves once this long passed with no new peer. A tracker hands out its whole
// list in one reply and DHT nodes on the way answer within tens of milliseconds of each other, so
// 100 ms catches a source's burst; what trickles in later (the walk's slow tail, PEX, handshakes)
// is on the next answer. Longer would only delay the answer a user waits for.
const FIRST_ANSWER_QUIET_MS = 100
/** Where /health counts the announces to every stream's own trackers together. */
export const STREAM_TRACKERS_KEY = 'stream'
/** Change watchers held at most (live views: one per watched swarm is the norm). */
const MAX_WATCHERS = 1024

export function createSwarmRegistry(opts: SwarmRegistryOptions): SwarmRegistry {
  const swarms = new Map<string, TrackedSwarm>()
  const roundTimeoutMs = opts.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS
  // Trackers hand our own announce back as a peer; a random per-process port and peer id make
  // it recognisable (see isSelf). The id uses the Azureus style trackers expect.
  const peerId = Buffer.concat([Buffer.from('-AP0001-'), randomBytes(12)]).toString('hex')
  const announcePort = randomInt(49152, 65535)
  const ownAddresses = localAddresses()
  // First rounds of new swarms; p-queue keeps the waiting ones in FIFO order.
  const lookups = new PQueue({ concurrency: opts.maxConcurrentLookups })
  let coldLookups = 0
  // Lookups whose turn came while the loop was saturated, waiting for it to ease.
  let heldBack = 0
  // Announce outcomes since start, by configured tracker origin (no path: a private tracker's
  // passkey stays out); every stream tracker (any magnet may name new ones) under
  // STREAM_TRACKERS_KEY, so the set stays as small as TRACKERS.
  const announces = new Map<string, Record<AnnounceOutcome, number>>()
  const countAnnounce = (key: string, outcome: AnnounceOutcome) => {
    let c = announces.get(key)
    if (!c) announces.set(key, (c = { ok: 0, error: 0, timeout: 0 }))
    c[outcome]++
  }
  let rounds = 0
  let dropped = 0
  let closed = false
  // One clock for every swarm: a swarm dropped and tracked again never reuses a stamp.
  let stamps = 0
  // By infohash, apart from the swarm: a watcher outlives the swarm being dropped and re-tracked.
  const watchers = new Map<string, Set<() => void>>()
  let watcherCount = 0

  function changed(infohash: string) {
    const swarm = swarms.get(infohash)
    if (swarm) swarm.stamp = ++stamps
    const set = watchers.get(infohash)
    if (!set) return
    for (const fn of set) {
      try {
        fn()
      } catch (err) {
        opts.log.warn('swarm watcher failed', { infohash, err })
      }
    }
  }

  const timer = setInterval(refreshAll, Math.max(1000, Math.min(opts.refreshMs, 60_000) / 2))
  timer.unref()

  function isSelf(ip: string, port: number, source: PeerSource): boolean {
    if (port !== announcePort) return false
    // Our announce comes back from trackers only (we never announce to the DHT); our public
    // address behind a VPN is unknown, so a tracker peer on our random port counts as us.
    return source === 'tracker' || source === 'stream_tracker' || ownAddresses.has(ip)
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

  function addPeer(
    swarm: TrackedSwarm,
    rawIp: string,
    port: number,
    source: PeerSource,
    tracker?: string,
  ) {
    if (closed || swarms.get(swarm.infohash) !== swarm) return
    const ip = admit(rawIp)
    if (!ip || !(port > 0 && port < 65536) || isSelf(ip, port, source)) return
    const { peer, news } = swarm.peers.add(ip, port, source, tracker)
    if (!news) return
    opts.wire?.consider(swarm.infohash, [peer])
    for (const fn of swarm.listeners) fn()
    changed(swarm.infohash)
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
    const sessions = [swarm.trackers, ...swarm.streamTrackers.values()]
    const trackerRound = Promise.all(
      sessions.map((t) =>
        t.announce({
          timeoutMs: roundTimeoutMs,
          signal,
          minIntervalMs: opts.trackerMinIntervalMs,
        }),
      ),
    ).then((s) => {
      swarm.lastTrackers = s.flat()
      opts.log.debug('trackers settled', { infohash: swarm.infohash, ms: Date.now() - t0 })
    })
    const round: Promise<void> = Promise.all([dhtRound, trackerRound])
      .then(() => undefined)
      .catch((err) => opts.log.warn('discovery round failed', { infohash: swarm.infohash, err }))
      .finally(() => {
        if (cold) coldLookups--
        swarm.settledOnce = true
        swarm.round = null
        changed(swarm.infohash)
      })
    swarm.round = round
    return round
  }

  function track(infohash: string): TrackedSwarm {
    const known = swarms.get(infohash)
    if (known) return known
    // `pending` counts the slots taken, lookups held back by a saturated loop included.
    if (lookups.pending >= opts.maxConcurrentLookups && lookups.size >= opts.maxQueuedLookups)
      throw new HttpError(
        503,
        'too many lookups',
        `${coldLookups} new swarms are being looked up and ${lookups.size} wait; retry shortly`,
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      )
    while (swarms.size >= opts.maxSwarms) dropLeastRecentlyAsked()
    const swarm: TrackedSwarm = {
      infohash,
      peers: createPeerBook({ maxPeers: opts.maxPeersPerSwarm }),
      trackers: undefined as unknown as TrackerSession,
      streamTrackers: new Map(),
      listeners: new Set(),
      queued: false,
      lastAsked: Date.now(),
      round: null,
      stamp: ++stamps,
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
      onPeer: (p) => addPeer(swarm, p.ip, p.port, 'tracker', p.tracker),
      onOutcome: (url, outcome) => countAnnounce(safeUrlLabel(url), outcome),
    })
    swarms.set(infohash, swarm)
    opts.log.debug('tracking swarm', { infohash, tracked: swarms.size })
    return swarm
  }

  /** The first round of a new swarm: now when a lookup slot is free, else in FIFO order. */
  function startCold(swarm: TrackedSwarm) {
    if (swarm.round || swarm.queued || swarm.settledOnce) return
    swarm.queued = true
    // A lookup that had to queue has callers already answered `discovering: true`: while the
    // event loop is saturated, answering the next callers comes before starting it. One with a
    // free slot starts at once, as its callers wait for its first results.
    const behindOthers = lookups.pending >= opts.maxConcurrentLookups
    void lookups.add(async () => {
      if (behindOthers && opts.pressure) {
        heldBack++
        await opts.pressure.whenIdle(swarm.abort.signal)
        heldBack--
      }
      swarm.queued = false
      // Answers from now on wait for first results: those built while it waited are out of date.
      swarm.stamp = ++stamps
      // Dropped while it waited (capacity, idle): its turn passes at once.
      if (closed || swarms.get(swarm.infohash) !== swarm) return
      await startRound(swarm)
    })
  }

  /** Adds the magnet's trackers this swarm does not use yet; new ones announce at once. */
  function addStreamTrackers(swarm: TrackedSwarm, list: StreamTracker[]) {
    for (const { url, connectUrl } of list) {
      if (swarm.streamTrackers.size >= MAX_STREAM_TRACKERS) break
      if (swarm.streamTrackers.has(url) || opts.trackerUrls.includes(url)) continue
      const session = createTrackerSession({
        infohash: swarm.infohash,
        urls: [connectUrl],
        peerId,
        port: announcePort,
        log: opts.log,
        onPeer: (p) => addPeer(swarm, p.ip, p.port, 'stream_tracker', url),
        onOutcome: (_, outcome) => countAnnounce(STREAM_TRACKERS_KEY, outcome),
      })
      swarm.streamTrackers.set(url, session)
      // Before the first round the round announces it; after, it should not wait a refresh.
      if (swarm.round || swarm.settledOnce)
        void session
          .announce({
            timeoutMs: roundTimeoutMs,
            signal: swarm.abort.signal,
            minIntervalMs: opts.trackerMinIntervalMs,
          })
          // How it answered is in the swarm's tracker list, even when it named no new peer.
          .then(() => changed(swarm.infohash))
    }
  }

  function drop(swarm: TrackedSwarm, why: string) {
    swarms.delete(swarm.infohash)
    swarm.abort.abort()
    dropped++
    opts.log.debug('dropping swarm', { infohash: swarm.infohash, why })
    opts.wire?.dropSwarm(swarm.infohash)
    void swarm.trackers.stop()
    for (const t of swarm.streamTrackers.values()) void t.stop()
  }

  function dropLeastRecentlyAsked() {
    let oldest: TrackedSwarm | undefined
    for (const s of swarms.values()) if (!oldest || s.lastAsked < oldest.lastAsked) oldest = s
    if (oldest) drop(oldest, 'capacity')
  }

  function refreshAll() {
    const now = Date.now()
    const seenSince = new Date(now - Math.max(opts.peerTtlMs, 3 * opts.refreshMs)).toISOString()
    for (const swarm of [...swarms.values()]) {
      // A peer we hold a connection to is in the swarm whatever the sources say.
      if (opts.wire)
        for (const peer of [...swarm.peers.values()])
          if (opts.wire.state(swarm.infohash, peer.ip, peer.port)?.connected) {
            swarm.peers.touch(peer.ip, peer.port)
            // Its last_seen (and the order) moved: answers built before are out of date.
            swarm.stamp = ++stamps
          }
      const before = swarm.peers.size
      swarm.peers.expire(seenSince)
      if (swarm.peers.size !== before) changed(swarm.infohash)
      if (now - swarm.lastAsked > opts.idleMs) drop(swarm, 'idle')
      else {
        if (swarm.settledOnce && !swarm.round && now - swarm.lastRoundStarted >= opts.refreshMs)
          void startRound(swarm)
        // Peers whose last result expired are tried again; the rest are skipped by the wire.
        opts.wire?.consider(swarm.infohash, swarm.peers.values())
      }
    }
  }

  function snapshot(swarm: TrackedSwarm): SwarmSnapshot {
    const peers = swarm.peers.list()
    let counts: TrackerCounts | null = null
    for (const t of [swarm.trackers, ...swarm.streamTrackers.values()]) {
      const c = t.counts()
      if (c && (!counts || c.seeders + c.leechers > counts.seeders + counts.leechers)) counts = c
    }
    const trackers: TrackerState[] = [
      ...swarm.trackers.status().map((t) => trackerState(t, 'configured', t.url)),
      ...[...swarm.streamTrackers].map(([url, t]) => trackerState(t.status()[0], 'stream', url)),
    ]
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
      peers,
      seeders: counts?.seeders ?? null,
      leechers: counts?.leechers ?? null,
      sources: swarm.peers.counts(),
      trackers,
      discovering: !swarm.settledOnce,
      error,
    }
  }

  /** Resolves once the first results are in and a quiet period passed, or the round settled. */
  function firstResults(swarm: TrackedSwarm, waitMs: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      let quiet: NodeJS.Timeout | undefined
      const timer = setTimeout(done, waitMs)
      // Saturated, the results arrive late and every other caller's answer waits too: answer.
      const offSaturated = opts.pressure?.onSaturated(done)
      function done() {
        clearTimeout(timer)
        clearTimeout(quiet)
        offSaturated?.()
        swarm.listeners.delete(arm)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      function arm() {
        if (swarm.peers.size === 0) return
        clearTimeout(quiet)
        quiet = setTimeout(done, FIRST_ANSWER_QUIET_MS)
      }
      swarm.listeners.add(arm)
      signal?.addEventListener('abort', done, { once: true })
      void (swarm.round ?? Promise.resolve()).then(done, done)
      arm()
    })
  }

  /** A settled swarm asked again: remembered as asked, its magnet's trackers, a due refresh. */
  function askSettled(swarm: TrackedSwarm, streamTrackers: StreamTracker[] | undefined) {
    swarm.lastAsked = Date.now()
    if (streamTrackers?.length) addStreamTrackers(swarm, streamTrackers)
    if (!swarm.round && Date.now() - swarm.lastRoundStarted >= opts.refreshMs)
      void startRound(swarm)
  }

  /** Tracks the swarm and marks it asked: a due refresh, or the first round if new. */
  function ask(infohash: string, streamTrackers: StreamTracker[] | undefined): TrackedSwarm {
    const swarm = track(infohash)
    if (swarm.settledOnce) askSettled(swarm, streamTrackers)
    else {
      swarm.lastAsked = Date.now()
      if (streamTrackers?.length) addStreamTrackers(swarm, streamTrackers)
      startCold(swarm)
    }
    return swarm
  }

  return {
    async query(infohash, { waitMs, signal, streamTrackers }) {
      if (closed) throw new HttpError(503, 'shutting down')
      const swarm = ask(infohash, streamTrackers)
      // Answer at once from what is known unless the first round is still running; a stale
      // swarm gets a fresh round in the background. A queued swarm answers at once.
      if (!swarm.settledOnce && !swarm.queued && waitMs > 0 && !opts.pressure?.saturated())
        await firstResults(swarm, waitMs, signal)
      return snapshot(swarm)
    },

    touch(infohash, { streamTrackers }) {
      if (!closed) ask(infohash, streamTrackers)
    },

    peek(infohash, { streamTrackers }) {
      const swarm = swarms.get(infohash)
      if (closed || !swarm || !(swarm.settledOnce || swarm.queued)) return undefined
      if (swarm.settledOnce) askSettled(swarm, streamTrackers)
      else ask(infohash, streamTrackers)
      return swarm.stamp
    },

    decorate: (infohash, peers) =>
      opts.wire ? overlayWireState(opts.wire, infohash, peers) : { peers, reachable_count: 0 },

    addPexPeer(infohash, ip, port) {
      const swarm = swarms.get(infohash)
      if (swarm) addPeer(swarm, ip, port, 'pex')
    },

    isSettled: (infohash) => swarms.get(infohash)?.settledOnce ?? false,

    isQueued: (infohash) => swarms.get(infohash)?.queued ?? false,

    watch(infohash, fn) {
      if (watcherCount >= MAX_WATCHERS)
        throw new HttpError(503, 'too many live views', `at most ${MAX_WATCHERS} at once`, {
          'Retry-After': '5',
        })
      let set = watchers.get(infohash)
      if (!set) watchers.set(infohash, (set = new Set()))
      set.add(fn)
      watcherCount++
      let done = false
      return () => {
        if (done) return
        done = true
        watcherCount--
        set.delete(fn)
        if (set.size === 0 && watchers.get(infohash) === set) watchers.delete(infohash)
      }
    },

    changed,

    get size() {
      return swarms.size
    },

    health() {
      return {
        tracked_swarms: swarms.size,
        max_tracked_swarms: opts.maxSwarms,
        cold_lookups: coldLookups,
        queued_lookups: lookups.size + heldBack,
        max_queued_lookups: opts.maxQueuedLookups,
        discovery_rounds: rounds,
        dht_lookups: opts.dht.lookupsStarted,
        swarms_dropped: dropped,
        tracker_announces: Object.fromEntries(announces),
        ...(opts.wire ? { peer_wire: opts.wire.health() } : {}),
        ...(opts.pressure && {
          loop_saturated: opts.pressure.saturated(),
          deferred_for_load: opts.pressure.stats().deferred,
        }),
      }
    },

    async close() {
      if (closed) return
      closed = true
      clearInterval(timer)
      lookups.clear()
      const all = [...swarms.values()]
      swarms.clear()
      for (const s of all) s.abort.abort()
      await Promise.all(
        all.flatMap((s) => [
          s.trackers.stop(),
          ...[...s.streamTrackers.values()].map((t) => t.stop()),
        ]),
      )
    },
  }
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1'])
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) out.add(normalizeAddress(a.address) ?? a.address)
  return out
}
