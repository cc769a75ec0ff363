/**
 * Wires the collector from its resolved config: the DHT node, the swarm registry and the HTTP
 * app, plus the optional answer cache and enricher. `main.ts` and the tests' in-process collector
 * both build it here, so they run the same thing.
 *
 * @example
 * const service = createCollectorService(loadCollectorConfig(process.env), { log })
 * await service.start()
 * serve({ fetch: service.app.fetch, port: service.config.PORT })
 * await service.close()
 */
import { readFileSync } from 'node:fs'
import { createLogger, type Logger } from '../lib/log.ts'
import { createCollectorApp } from './app.ts'
import type { CollectorConfig } from './config.ts'
import { createDhtNode, type DhtNode } from './discovery/dht-node.ts'
import { createSwarmRegistry, type SwarmRegistry } from './discovery/swarm-registry.ts'
import type { PeerEnricher, PeersAnswerCache } from './types.ts'

export interface CollectorServiceOptions {
  log?: Logger
  cache?: PeersAnswerCache
  enricher?: PeerEnricher
}

export interface CollectorService {
  config: CollectorConfig
  app: ReturnType<typeof createCollectorApp>
  dht: DhtNode
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
  const registry = createSwarmRegistry({
    dht,
    trackerUrls: config.TRACKERS,
    allowPrivatePeers: config.ALLOW_PRIVATE_PEERS,
    maxSwarms: config.MAX_TRACKED_SWARMS,
    maxPeersPerSwarm: config.MAX_PEERS_PER_SWARM,
    maxConcurrentLookups: config.MAX_CONCURRENT_LOOKUPS,
    refreshMs: config.SWARM_REFRESH_SECONDS * 1000,
    idleMs: config.SWARM_IDLE_SECONDS * 1000,
    trackerMinIntervalMs: config.TRACKER_MIN_INTERVAL_SECONDS * 1000,
    log: log.child('swarms'),
  })
  const app = createCollectorApp({
    registry,
    config,
    log,
    dht,
    cache: opts.cache,
    enricher: opts.enricher,
    version: VERSION,
  })
  let closing: Promise<void> | undefined

  return {
    config,
    app,
    dht,
    registry,
    start: () => dht.start(),
    close() {
      closing ??= (async () => {
        await registry.close()
        await Promise.allSettled([dht.close(), opts.cache?.close(), opts.enricher?.close()])
      })()
      return closing
    },
  }
}
