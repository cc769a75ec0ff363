/**
 * Wires the collector from its resolved config: the DHT node, the swarm registry and the HTTP
 * app (with /metrics in front), plus the optional answer cache and enricher. server.ts starts it
 * for main.ts and the tests' in-process collector; handler tests call `app.request()` on it.
 *
 * @example
 * const service = createCollectorService(loadCollectorConfig(process.env), { log })
 * await service.start()
 * serve({ fetch: service.app.fetch, port: service.config.PORT })
 * await service.close()
 */
import { readFileSync } from 'node:fs'
import { Hono } from 'hono'
import { createErrorHandler, notFoundJson } from '../lib/http-error.ts'
import { createLogger, type Logger } from '../lib/log.ts'
import { createCollectorApp } from './app.ts'
import type { CollectorConfig } from './config.ts'
import { createDhtNode, type DhtNode } from './discovery/dht-node.ts'
import { createLoopPressure, type LoopPressure } from './discovery/loop-pressure.ts'
import { createPeerWire, type PeerWire } from './discovery/peer-wire.ts'
import { createSwarmRegistry, type SwarmRegistry } from './discovery/swarm-registry.ts'
import { createCollectorMetrics, type CollectorMetrics } from './metrics.ts'
import type { PeerEnricher, PeersAnswerCache } from './types.ts'

export interface CollectorServiceOptions {
  log?: Logger
  cache?: PeersAnswerCache
  enricher?: PeerEnricher
  /** When callers crowd a busy loop (see loop-pressure.ts); default: the built-in thresholds. */
  pressure?: LoopPressure
}

export interface CollectorService {
  config: CollectorConfig
  app: Hono
  dht: DhtNode
  metrics: CollectorMetrics
  registry: SwarmRegistry
  /** Binds the DHT node; the app answers only after this. */
  start(): Promise<void>
  /** Stops tracking (trackers hear `stopped`), closes the DHT, cache and enricher; safe twice. */
  close(): Promise<void>
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version

export function createCollectorService(
  config: CollectorConfig,
  opts: CollectorServiceOptions = {},
): CollectorService {
  const log = opts.log ?? createLogger('collector', config.LOG_LEVEL)
  const dht = createDhtNode({
    host: config.DHT_HOST,
    port: config.DHT_PORT,
    bootstrap: config.DHT_BOOTSTRAP,
    log: log.child('dht'),
  })
  const pressure = opts.pressure ?? createLoopPressure()
  // The wire needs the registry (PEX peers go there) and the registry the wire (peers to try).
  let registryRef: SwarmRegistry | undefined
  const wire: PeerWire | undefined = config.CLIENT_ID_ENABLED
    ? createPeerWire({
        concurrency: config.CLIENT_ID_CONCURRENCY,
        timeoutMs: config.CLIENT_ID_TIMEOUT_MS,
        positiveTtlMs: config.CLIENT_ID_CACHE_SECONDS * 1000,
        negativeTtlMs: config.CLIENT_ID_NEGATIVE_CACHE_SECONDS * 1000,
        maxPerSwarm: config.PEX_CONNECTIONS_PER_SWARM,
        maxTotal: config.PEX_MAX_CONNECTIONS,
        onPexPeer: (infohash, ip, port) => registryRef?.addPexPeer(infohash, ip, port),
        onChange: (infohash) => registryRef?.changed(infohash),
        pressure,
        log: log.child('wire'),
      })
    : undefined
  let metrics: CollectorMetrics | undefined
  const registry = createSwarmRegistry({
    wire,
    pressure,
    dht: timedLookups(dht, (outcome, s) => metrics?.observeDhtLookup(outcome, s)),
    trackerUrls: config.TRACKERS,
    allowPrivatePeers: config.ALLOW_PRIVATE_PEERS,
    maxSwarms: config.MAX_TRACKED_SWARMS,
    maxPeersPerSwarm: config.MAX_PEERS_PER_SWARM,
    maxConcurrentLookups: config.MAX_CONCURRENT_LOOKUPS,
    maxQueuedLookups: config.MAX_QUEUED_LOOKUPS,
    peerTtlMs: config.PEER_TTL_SECONDS * 1000,
    refreshMs: config.SWARM_REFRESH_SECONDS * 1000,
    idleMs: config.SWARM_IDLE_SECONDS * 1000,
    trackerMinIntervalMs: config.TRACKER_MIN_INTERVAL_SECONDS * 1000,
    log: log.child('swarms'),
  })
  registryRef = registry
  metrics = createCollectorMetrics({
    registry,
    dht,
    cache: opts.cache,
    enricher: opts.enricher,
    maxSwarms: config.MAX_TRACKED_SWARMS,
  })
  const api = createCollectorApp({
    registry: observedQueries(registry, metrics),
    config,
    log,
    dht,
    cache: opts.cache,
    enricher: opts.enricher,
    version: VERSION,
  })
  // /metrics and request timing sit in front of the API, so the API itself needs no hooks.
  const app = new Hono()
  app.use('*', metrics.middleware)
  // Callers waiting for their answers count toward saturation, which holds discovery back.
  app.use('*', async (_c, next) => {
    const answered = pressure.caller()
    try {
      await next()
    } finally {
      answered()
    }
  })
  app.get('/metrics', metrics.handler(config.METRICS_TOKEN))
  app.route('/', api)
  app.notFound(notFoundJson)
  app.onError(createErrorHandler((err) => log.error('unhandled error', { err })))
  let closing: Promise<void> | undefined

  return {
    config,
    app,
    dht,
    registry,
    metrics,
    start: () => dht.start(),
    close() {
      closing ??= (async () => {
        pressure.close()
        await registry.close()
        await Promise.allSettled([
          wire?.close(),
          dht.close(),
          opts.cache?.close(),
          opts.enricher?.close(),
        ])
      })()
      return closing
    },
  }
}

/** The DHT node as the registry sees it, with each lookup's duration reported. */
function timedLookups(dht: DhtNode, observe: (outcome: string, seconds: number) => void): DhtNode {
  return Object.create(dht, {
    lookup: {
      value: async (...args: Parameters<DhtNode['lookup']>) => {
        const t0 = performance.now()
        let outcome = 'error'
        try {
          const result = await dht.lookup(...args)
          outcome = result.outcome
          return result
        } finally {
          observe(outcome, (performance.now() - t0) / 1000)
        }
      },
    },
  }) as DhtNode
}

/**
 * The registry as the app sees it: each snapshot it hands out, and each answer it decorates with
 * the wire's reachability, also updates the peer figures.
 */
function observedQueries(registry: SwarmRegistry, metrics: CollectorMetrics): SwarmRegistry {
  return Object.create(registry, {
    query: {
      value: async (...args: Parameters<SwarmRegistry['query']>) => {
        const snap = await registry.query(...args)
        metrics.recordSwarm(snap.infohash, snap.peers, snap.trackers)
        return snap
      },
    },
    decorate: {
      value: (...args: Parameters<SwarmRegistry['decorate']>) => {
        const out = registry.decorate(...args)
        metrics.recordSwarm(args[0], out.peers)
        return out
      },
    },
  }) as SwarmRegistry
}
