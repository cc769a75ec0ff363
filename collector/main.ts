// Collector entry: read config, build, listen, stop cleanly on SIGTERM/SIGINT.
import { serve } from '@hono/node-server'
import { answerClientErrorAsJson } from '../lib/client-error.ts'
import { createLogger } from '../lib/log.ts'
import { ConfigError } from '../lib/settings.ts'
import { createCollectorCache, type CollectorCache } from './cache/create-collector-cache.ts'
import { loadCollectorConfig, type CollectorConfig } from './config.ts'
import { createCollectorService } from './service.ts'
import { createPeerEnricher, loadGeoIp, validateGeoFields } from './enrich/index.ts'

let config: CollectorConfig
try {
  config = loadCollectorConfig(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`collector: ${err.message}\n`)
  process.exit(2)
}

const log = createLogger('collector', config.LOG_LEVEL)
// The GeoIP databases open first (a few ms: they are read in place, not loaded), so no blocking
// read can fall inside the Redis connection's handshake and mark Redis unavailable.
const geoIp = config.GEOIP_ENABLED ? loadGeoIp({ ipv6: config.GEOIP_IPV6 }) : null
// Redis (REST, redis:// or the bundled redis-server) or memory only; the service closes it.
let cache: CollectorCache
try {
  cache = await createCollectorCache(config, { log })
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`collector: ${err.message}\n`)
  process.exit(2)
}
// Web geolocation answers (if enabled) share the Redis-backed geolocation cache.
const enricher = createPeerEnricher({
  settings: config,
  log: log.child('enrich'),
  geoIp,
  // Clients come from discovery's handshakes (see collector/discovery/peer-wire.ts).
  identifyClients: false,
  webGeoCache: config.GEO_WEB_API_URL ? cache.createGeoCache(validateGeoFields) : undefined,
})
const service = createCollectorService(config, { log, cache, enricher })
try {
  await service.start()
} catch (err) {
  log.error('cannot start the DHT node', {
    err,
    DHT_HOST: config.DHT_HOST,
    DHT_PORT: config.DHT_PORT,
  })
  await service.close()
  process.exit(1)
}

const server = serve(
  { fetch: service.app.fetch, port: config.PORT, hostname: config.HOST },
  (info) => log.info('collector listening', { host: config.HOST, port: info.port }),
)
// Requests Node rejects before the app sees them (bad request line, oversized headers) answer
// JSON too, like every other error of the API.
server.on('clientError', answerClientErrorAsJson)
server.on('error', async (err) => {
  log.error('cannot listen', { err, HOST: config.HOST, PORT: config.PORT })
  await service.close()
  process.exit(1)
})

// Shutdown budget: trackers get their `stopped` announce, then everything is closed.
const SHUTDOWN_TIMEOUT_MS = 5000
let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  log.info('shutting down', { signal })
  const force = setTimeout(() => {
    log.warn('shutdown took too long; exiting')
    process.exit(1)
  }, SHUTDOWN_TIMEOUT_MS)
  force.unref()
  server.close()
  if ('closeAllConnections' in server) server.closeAllConnections()
  await service.close()
  clearTimeout(force)
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
