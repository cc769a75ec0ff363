/**
 * Wires the collector from its resolved config (GeoIP, the answer cache on Redis or memory, the
 * enricher, the service with its DHT node) and listens. main.ts and the tests' in-process
 * collector both start it this way.
 *
 * @example
 * const collector = await startCollector(loadCollectorConfig(process.env), { log })
 * console.log(collector.url) // http://127.0.0.1:8001
 * await collector.close()
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { listenHttp } from '../lib/http-server.ts'
import type { Logger } from '../lib/log.ts'
import { createCollectorCache, type CollectorCache } from './cache/create-collector-cache.ts'
import type { CollectorConfig } from './config.ts'
import type { LoopPressure } from './discovery/loop-pressure.ts'
import { createPeerEnricher, loadGeoIp, validateGeoFields } from './enrich/index.ts'
import { createCollectorService, type CollectorService } from './service.ts'
import type { PeerEnricher, PeersAnswerCache } from './types.ts'

export interface StartCollectorOptions {
  log: Logger
  /** The answer cache; null for none. Default: built from the config, as in production. */
  cache?: PeersAnswerCache | null
  /** The enricher; null for none. Default: built from the config, as in production. */
  enricher?: PeerEnricher | null
  /** Default: the built-in thresholds (see loop-pressure.ts). */
  pressure?: LoopPressure
}

export interface RunningCollector {
  service: CollectorService
  /** e.g. http://127.0.0.1:8001 */
  url: string
  port: number
  /** Stops listening, then the service (trackers hear `stopped`); safe to call twice. */
  close(): Promise<void>
}

/** Why the collector could not start; `stage` says which part failed. */
export class CollectorStartError extends Error {
  constructor(
    readonly stage: 'dht' | 'listen',
    override readonly cause: unknown,
  ) {
    super(stage === 'dht' ? 'cannot start the DHT node' : 'cannot listen')
  }
}

/**
 * Builds and starts the collector. A bad cache setting throws its ConfigError; a DHT node or
 * listener that cannot bind throws a CollectorStartError after closing what was opened.
 */
export async function startCollector(
  config: CollectorConfig,
  opts: StartCollectorOptions,
): Promise<RunningCollector> {
  const { log } = opts
  // The GeoIP databases open first (a few ms: they are read in place, not loaded), so no blocking
  // read can fall inside the Redis connection's handshake and mark Redis unavailable.
  const geoIp =
    opts.enricher === undefined && config.GEOIP_ENABLED
      ? loadGeoIp({ ipv6: config.GEOIP_IPV6 })
      : null
  // Redis (REST, redis:// or the bundled redis-server) or memory only; the service closes it.
  let collectorCache: CollectorCache | undefined
  const cache =
    opts.cache === undefined
      ? (collectorCache = await createCollectorCache(config, { log }))
      : opts.cache
  // Web geolocation answers (if enabled) share the Redis-backed geolocation cache.
  const enricher =
    opts.enricher === undefined
      ? createPeerEnricher({
          settings: config,
          log: log.child('enrich'),
          geoIp,
          // Clients come from discovery's handshakes (see collector/discovery/peer-wire.ts).
          identifyClients: false,
          webGeoCache: config.GEO_WEB_API_URL
            ? collectorCache?.createGeoCache(validateGeoFields)
            : undefined,
        })
      : opts.enricher
  const service = createCollectorService(config, {
    log,
    cache: cache ?? undefined,
    enricher: enricher ?? undefined,
    pressure: opts.pressure,
  })
  try {
    await service.start()
  } catch (err) {
    await service.close()
    throw new CollectorStartError('dht', err)
  }

  let server: Server
  try {
    server = await listenHttp(service.app.fetch, { port: config.PORT, host: config.HOST })
  } catch (err) {
    await service.close()
    throw new CollectorStartError('listen', err)
  }
  const { port } = server.address() as AddressInfo
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  await warmFetch(`${url}/health`)

  let closing: Promise<void> | undefined
  return {
    service,
    url,
    port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await service.close()
      })()
      return closing
    },
  }
}

// Announces to HTTP trackers go through Node's fetch (undici), whose first requests cost over
// 100 ms of CPU: its HTTP parser is WebAssembly compiled on first use, then the request path is
// JIT-compiled. Paid at start on the collector's own /health (loopback), so the first burst of
// lookups a dashboard starts does not pay it while callers wait.
const WARM_FETCHES = 24
async function warmFetch(url: string): Promise<void> {
  for (let i = 0; i < WARM_FETCHES; i += 4) {
    try {
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
          await res.arrayBuffer()
        }),
      )
    } catch {
      return // only a warm-up: the collector works without it
    }
  }
}
