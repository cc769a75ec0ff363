/**
 * The collector's HTTP API, built apart from listening so tests call `app.request()`:
 * `GET /health`, `GET /peers/{id}` (see peers.ts), its event stream and the API docs. Cache and
 * enrichment are optional plug-ins; without them answers are computed fresh and carry
 * discovery fields only.
 *
 * @example
 * const app = createCollectorApp({ registry, config, log })
 * serve({ fetch: app.fetch, port: config.PORT })
 */
import { Hono } from 'hono'
import { createApiDocsRoutes } from '../lib/api-docs.tsx'
import { COLLECTOR_API, COLLECTOR_API_INFO } from '../lib/contract/collector-api.ts'
import { createOpenApiDocument } from '../lib/contract/openapi.ts'
import { createErrorHandler, HttpError, notFoundJson } from '../lib/http-error.ts'
import type { Logger } from '../lib/log.ts'
import type { SwarmRegistry } from './discovery/swarm-registry.ts'
import { createPeerEventsHandler } from './peer-events.ts'
import { createPeersService } from './peers.ts'
import type { PeerEnricher, PeersAnswerCache } from './types.ts'

export interface CollectorAppConfig {
  PEER_DISCOVERY_WAIT_MS: number
  MAX_DISCOVERY_WAIT_MS: number
  CACHE_TTL_SECONDS: number
  ENRICH_WAIT_MS: number
  ALLOW_PRIVATE_TRACKERS: boolean
  TRACKERS: string[]
  DHT_BOOTSTRAP: Array<{ host: string; port: number }>
}

export interface CollectorAppDeps {
  registry: SwarmRegistry
  config: CollectorAppConfig
  log: Logger
  /** DHT figures for /health. */
  dht: { nodeCount(): number; port(): number }
  cache?: PeersAnswerCache
  enricher?: PeerEnricher
  version?: string
}

const startedAt = Date.now()
const JSON_HEADERS = { 'Content-Type': 'application/json' }

export function createCollectorApp(deps: CollectorAppDeps) {
  const { registry, config, log, cache, enricher } = deps
  const app = new Hono()
  const peers = createPeersService({ registry, config, log, cache, enricher })

  app.get('/health', (c) => {
    const cacheHealth = safeHealth(() => cache?.health(), log)
    const enrichHealth = safeHealth(() => enricher?.health(), log)
    const dhtNodes = deps.dht.nodeCount()
    const warnings = healthWarnings(dhtNodes, config.TRACKERS.length)
    return c.json({
      // Still HTTP 200 when degraded: restarting the collector cannot fix a VPN with no route
      // to the DHT, so compose should not kill it; the dashboard shows the warnings instead.
      status: warnings.length ? 'degraded' : 'ok',
      warnings,
      ...cacheHealth,
      ...enrichHealth,
      redis_available: Boolean(cacheHealth.redis_available),
      version: deps.version ?? '0.0.0',
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      dht_nodes: dhtNodes,
      dht_port: deps.dht.port(),
      dht_bootstrap: config.DHT_BOOTSTRAP.map((b) => `${b.host}:${b.port}`),
      trackers: config.TRACKERS,
      ...registry.health(),
      cache_enabled: Boolean(cache),
      enrichment_enabled: Boolean(enricher),
    })
  })

  // GET /openapi.json and GET /docs, generated from the contract's route table.
  app.route('/', createApiDocsRoutes(createOpenApiDocument(COLLECTOR_API_INFO, COLLECTOR_API)))

  app.get('/peers/:id/events', createPeerEventsHandler({ registry, config, log, enricher }))

  app.get('/peers/:id', async (c) => {
    const waitMs = queryInt(c.req.query('wait'), 'wait', config.MAX_DISCOVERY_WAIT_MS)
    const maxAge = queryInt(c.req.query('max_age'), 'max_age', 86_400)
    const body = await peers.answer(c.req.param('id'), {
      waitMs,
      maxAgeMs: (maxAge ?? config.CACHE_TTL_SECONDS) * 1000,
      signal: c.req.raw.signal,
    })
    return c.body(body, 200, JSON_HEADERS)
  })

  app.notFound(notFoundJson)
  app.onError(createErrorHandler((err) => log.error('unhandled error', { err })))
  return app
}

/** Optional non-negative integer query parameter, at most `max`; bad text is a 400. */
function queryInt(raw: string | undefined, name: string, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined
  if (!/^\d+$/.test(raw))
    throw new HttpError(400, `invalid ${name}`, `expected a non-negative integer, got "${raw}"`)
  return Math.min(Number(raw), max)
}

function safeHealth(fn: () => Record<string, unknown> | undefined, log: Logger) {
  try {
    return fn() ?? {}
  } catch (err) {
    log.warn('health figure failed', { err })
    return {}
  }
}

/** What an operator should know before trusting an answer: no way to find peers at all. */
function healthWarnings(dhtNodes: number, trackers: number): string[] {
  if (dhtNodes > 0 || trackers > 0) return []
  return ['no discovery source: the DHT has no nodes and no trackers are configured']
}
