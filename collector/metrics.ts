/**
 * The collector's `GET /metrics`. Most figures are read when Prometheus scrapes, from the same
 * `health()` functions `/health` spreads, so the two always agree and discovery code needs no
 * metric calls of its own. Durations are observed where they happen: DHT lookups (the service
 * wraps the node) and HTTP requests (a middleware). No label ever holds a peer address or a
 * swarm; tracker labels are origins, bounded by the tracked swarms' tracker lists.
 *
 * @example
 * const metrics = createCollectorMetrics({ registry, dht, cache, enricher, maxSwarms: 64 })
 * app.use('*', metrics.middleware)
 * app.get('/metrics', metrics.handler(config.METRICS_TOKEN))
 */
import type { MiddlewareHandler } from 'hono'
import { LRUCache } from 'lru-cache'
import { Counter, Gauge, Histogram } from 'prom-client'
import {
  createMetricsHandler,
  createMetricsRegistry,
  DURATION_BUCKETS_S,
  figure,
  safeUrlLabel,
} from '../lib/metrics.ts'
import type { PeersAnswerCache, PeerEnricher, SwarmPeer } from './types.ts'

export interface CollectorMetricsDeps {
  registry: { health(): Record<string, unknown> }
  dht: { nodeCount(): number; readonly lookupsStarted?: number }
  cache?: Pick<PeersAnswerCache, 'health'>
  enricher?: Pick<PeerEnricher, 'health'>
  /** Swarms remembered for the per-source peer figures (the registry tracks no more). */
  maxSwarms: number
}

/** What the metrics keep of a swarm's latest snapshot: counts only, never addresses. */
interface SwarmFigures {
  peers: number
  bySource: Record<string, number>
  reachable: number
  unreachable: number
  /** Last announce outcome per tracker (origin only: a tracker URL may carry a passkey). */
  trackers: Array<{ tracker: string; status: string }>
}

export interface CollectorMetrics {
  /** Call with each settled DHT lookup. */
  observeDhtLookup(outcome: string, seconds: number): void
  /** Call with each swarm snapshot discovery hands out (the /peers use case). */
  recordSwarm(
    infohash: string,
    peers: readonly SwarmPeer[],
    trackers?: ReadonlyArray<{ url: string; status: string }>,
  ): void
  middleware: MiddlewareHandler
  handler(token: string | undefined): ReturnType<typeof createMetricsHandler>
}

export function createCollectorMetrics(deps: CollectorMetricsDeps): CollectorMetrics {
  const registry = createMetricsRegistry('collector_')
  const registers = [registry]
  const swarms = new LRUCache<string, SwarmFigures>({ max: Math.max(1, deps.maxSwarms) })
  const safe = <T>(fn: () => T): T | undefined => {
    try {
      return fn()
    } catch {
      return undefined // a failing health figure leaves its metric out of this scrape
    }
  }
  const registryHealth = () => safe(() => deps.registry.health()) ?? {}
  const cacheHealth = () => safe(() => deps.cache?.health()) ?? {}
  const enrichHealth = () => safe(() => deps.enricher?.health()) ?? {}

  /** A counter whose value is a running total kept elsewhere: set on scrape. */
  const totalOf = (c: Counter<string>, labels: Record<string, string>, v: number | undefined) => {
    if (v !== undefined) c.inc(labels, v)
  }

  new Gauge({
    name: 'collector_tracked_swarms',
    help: 'Swarms the collector tracks now (bounded by MAX_TRACKED_SWARMS)',
    registers,
    collect() {
      const v = figure(registryHealth(), 'tracked_swarms')
      if (v !== undefined) this.set(v)
    },
  })
  new Gauge({
    name: 'collector_swarm_peers',
    help: 'Peers known across tracked swarms, by discovery source (a peer found two ways counts twice)',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset()
      const sums: Record<string, number> = {}
      for (const s of swarms.values())
        for (const [source, n] of Object.entries(s.bySource)) sums[source] = (sums[source] ?? 0) + n
      for (const [source, n] of Object.entries(sums)) this.set({ source }, n)
    },
  })
  new Gauge({
    name: 'collector_swarm_peers_reachability',
    help: 'Peers known across tracked swarms, by whether the collector could reach them',
    labelNames: ['reachable'],
    registers,
    collect() {
      let yes = 0
      let no = 0
      let unknown = 0
      for (const s of swarms.values()) {
        yes += s.reachable
        no += s.unreachable
        unknown += s.peers - s.reachable - s.unreachable
      }
      this.set({ reachable: 'true' }, yes)
      this.set({ reachable: 'false' }, no)
      this.set({ reachable: 'unknown' }, unknown)
    },
  })
  const dhtLookups = new Histogram({
    name: 'collector_dht_lookup_duration_seconds',
    help: 'Duration of DHT get_peers lookups, by how they ended',
    labelNames: ['outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
    registers,
  })
  new Gauge({
    name: 'collector_dht_nodes',
    help: 'Nodes in the DHT routing table',
    registers,
    collect() {
      const v = safe(() => deps.dht.nodeCount())
      if (v !== undefined) this.set(v)
    },
  })
  new Counter({
    name: 'collector_discovery_rounds_total',
    help: 'Discovery rounds (DHT lookup and tracker announces) started',
    registers,
    collect() {
      this.reset()
      totalOf(this, {}, figure(registryHealth(), 'discovery_rounds'))
    },
  })
  new Counter({
    name: 'collector_swarms_dropped_total',
    help: 'Swarms no longer tracked (idle, or least recently asked when full)',
    registers,
    collect() {
      this.reset()
      totalOf(this, {}, figure(registryHealth(), 'swarms_dropped'))
    },
  })
  new Counter({
    name: 'collector_tracker_announces_total',
    help: 'Announces by tracker (configured trackers by origin; every stream tracker as "stream") and outcome (ok, error, timeout)',
    labelNames: ['tracker', 'outcome'],
    registers,
    collect() {
      this.reset()
      const all = (registryHealth() as { tracker_announces?: unknown }).tracker_announces
      if (typeof all !== 'object' || all === null) return
      for (const [tracker, outcomes] of Object.entries(all)) {
        for (const outcome of ['ok', 'error', 'timeout'])
          totalOf(this, { tracker, outcome }, figure(outcomes, outcome))
      }
    },
  })
  new Gauge({
    name: 'collector_saturated',
    help: '1 while callers crowd a busy event loop: cold requests answer at once and background lookups and handshakes wait',
    registers,
    collect() {
      this.set(figure(registryHealth(), 'loop_saturated') ?? 0)
    },
  })
  new Counter({
    name: 'collector_deferred_for_load_total',
    help: 'Lookups and handshakes held back while the collector was saturated',
    registers,
    collect() {
      this.reset()
      totalOf(this, {}, figure(registryHealth(), 'deferred_for_load'))
    },
  })
  new Gauge({
    name: 'collector_lookup_queue_length',
    help: 'Swarm lookups waiting for a free slot, and cold lookups running now',
    labelNames: ['state'],
    registers,
    collect() {
      const h = registryHealth()
      const queued = figure(h, 'queued_lookups') ?? figure(h, 'queue_length')
      this.set({ state: 'queued' }, queued ?? 0)
      const running = figure(h, 'cold_lookups')
      if (running !== undefined) this.set({ state: 'running' }, running)
    },
  })
  new Gauge({
    name: 'collector_tracker_swarms',
    help: 'Tracked swarms by tracker host and the outcome of their last announce there (ok, error, pending, refused, ignored)',
    labelNames: ['tracker', 'status'],
    registers,
    collect() {
      this.reset()
      const counts = new Map<string, { tracker: string; status: string; n: number }>()
      for (const s of swarms.values()) {
        for (const t of s.trackers) {
          const k = `${t.tracker}\u0000${t.status}`
          const c = counts.get(k) ?? { tracker: t.tracker, status: t.status, n: 0 }
          c.n++
          counts.set(k, c)
        }
      }
      for (const c of counts.values()) this.set({ tracker: c.tracker, status: c.status }, c.n)
    },
  })
  // The peer wire tries every discovered peer (reachable or not); without it, the enricher's
  // client identification is where handshakes happen.
  const handshakeFigures = () => {
    const wire = (registryHealth() as { peer_wire?: unknown }).peer_wire
    if (wire) return { figures: wire, outcomes: ['reachable', 'unreachable', 'skipped_queue_full'] }
    const c = (enrichHealth() as { enrichment?: { client_id?: unknown } }).enrichment?.client_id
    return { figures: c, outcomes: ['identified', 'failed', 'skipped_queue_full'] }
  }
  new Counter({
    name: 'collector_handshakes_total',
    help: 'Peer handshakes tried (reachability, client identification, PEX), by outcome',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset()
      const { figures, outcomes } = handshakeFigures()
      for (const outcome of outcomes) totalOf(this, { outcome }, figure(figures, outcome))
    },
  })
  new Gauge({
    name: 'collector_handshake_queue_length',
    help: 'Handshakes waiting for a free slot',
    registers,
    collect() {
      const v = figure(handshakeFigures().figures, 'queued')
      if (v !== undefined) this.set(v)
    },
  })
  new Gauge({
    name: 'collector_wire_connections',
    help: 'Peer wire connections held open (for PEX)',
    registers,
    collect() {
      const v = figure(registryHealth(), 'peer_wire', 'connections')
      if (v !== undefined) this.set(v)
    },
  })
  // Cache figures per named cache (peers answers, geolocation): hits by tier, misses.
  const cacheFigures = () => {
    const caches = (cacheHealth() as { cache?: Record<string, unknown> }).cache ?? {}
    return Object.entries(caches).filter(([name]) => name !== 'redis')
  }
  new Counter({
    name: 'collector_cache_hits_total',
    help: 'Cache reads answered, by cache and tier (memory or redis)',
    labelNames: ['cache', 'tier'],
    registers,
    collect() {
      this.reset()
      for (const [cache, f] of cacheFigures()) {
        totalOf(this, { cache, tier: 'memory' }, figure(f, 'hits_memory'))
        totalOf(this, { cache, tier: 'redis' }, figure(f, 'hits_redis'))
      }
    },
  })
  new Counter({
    name: 'collector_cache_misses_total',
    help: 'Cache reads that had to compute the value, by cache',
    labelNames: ['cache'],
    registers,
    collect() {
      this.reset()
      for (const [cache, f] of cacheFigures()) totalOf(this, { cache }, figure(f, 'misses'))
    },
  })
  new Gauge({
    name: 'collector_cache_entries',
    help: 'Entries in the memory tier, by cache',
    labelNames: ['cache'],
    registers,
    collect() {
      this.reset()
      for (const [cache, f] of cacheFigures()) {
        const v = figure(f, 'entries')
        if (v !== undefined) this.set({ cache }, v)
      }
    },
  })
  new Gauge({
    name: 'collector_redis_up',
    help: '1 when the Redis tier answers, 0 when the collector works from memory only',
    registers,
    collect() {
      this.set(figure(cacheHealth(), 'redis_available') ?? 0)
    },
  })
  new Gauge({
    name: 'collector_geoip_available',
    help: '1 when an offline GeoIP database is loaded',
    registers,
    collect() {
      this.set(figure(enrichHealth(), 'geoip_available') ?? 0)
    },
  })
  const requests = new Histogram({
    name: 'collector_http_request_duration_seconds',
    help: 'HTTP requests served, by route and status',
    labelNames: ['route', 'status'],
    buckets: DURATION_BUCKETS_S,
    registers,
  })

  return {
    observeDhtLookup(outcome, seconds) {
      dhtLookups.observe({ outcome }, seconds)
    },
    recordSwarm(infohash, peers, trackers) {
      const f: SwarmFigures = {
        peers: peers.length,
        bySource: {},
        reachable: 0,
        unreachable: 0,
        // A decorate call brings no tracker list: keep the one the last snapshot had.
        trackers: trackers
          ? trackers.slice(0, 64).map((t) => ({ tracker: safeUrlLabel(t.url), status: t.status }))
          : (swarms.get(infohash)?.trackers ?? []),
      }
      for (const p of peers) {
        for (const s of p.sources) f.bySource[s] = (f.bySource[s] ?? 0) + 1
        const reachable = (p as { reachable?: unknown }).reachable
        if (reachable === true) f.reachable++
        else if (reachable === false) f.unreachable++
      }
      swarms.set(infohash, f)
    },
    async middleware(c, next) {
      const end = requests.startTimer()
      try {
        await next()
      } finally {
        // The matched route pattern, never the raw path: /peers/<infohash> is one series.
        const route = c.req.routePath && c.req.routePath !== '*' ? c.req.routePath : 'unmatched'
        end({ route, status: String(c.res.status) })
      }
    },
    handler: (token) => createMetricsHandler(registry, token),
  }
}
