/**
 * The collector's HTTP API, built apart from listening so tests call `app.request()`:
 * `GET /health` and `GET /peers/{id}` (SPEC section 1). Cache and enrichment are optional
 * plug-ins; without them answers are computed fresh and carry discovery fields only.
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
import { createAnswerViews } from './answer-views.ts'
import { parseSwarmIdentifier } from './discovery/identifier.ts'
import { admitStreamTrackers } from './discovery/stream-trackers.ts'
import { createPeerEventsHandler } from './peer-events.ts'
import type { SwarmRegistry, SwarmSnapshot } from './discovery/swarm-registry.ts'
import type { PeerEnricher, PeersAnswer, PeersAnswerCache, PeerView } from './types.ts'

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
/** Trackers listed in one answer at most (lib/contract/peers.ts allows 64). */
const MAX_ANSWER_TRACKERS = 64

export function createCollectorApp(deps: CollectorAppDeps) {
  const { registry, config, log, cache, enricher } = deps
  const app = new Hono()
  const views = createAnswerViews()
  // An enricher that cannot say when its output changes is asked for every answer.
  const reusable = !enricher || typeof enricher.version === 'function'
  const enrichVersion = () => enricher?.version?.() ?? 0

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
    const raw = c.req.param('id')
    const waitMs = queryInt(c.req.query('wait'), 'wait', config.MAX_DISCOVERY_WAIT_MS)
    const maxAge = queryInt(c.req.query('max_age'), 'max_age', 86_400)
    const maxAgeMs = (maxAge ?? config.CACHE_TTL_SECONDS) * 1000
    // A settled swarm where nothing changed since the last answer: that answer again. Asking
    // (peek) still counts as asking, adds the magnet's trackers and starts a due refresh.
    const view = reusable ? views.get(raw) : undefined
    if (view) {
      const stamp = registry.peek(view.infohash, { streamTrackers: view.streamTrackers })
      if (views.fresh(view, { stamp, enrichVersion: enrichVersion(), maxAgeMs }))
        return c.body(view.body, 200, JSON_HEADERS)
    }
    const id = await parseSwarmIdentifier(raw)
    const { infohash } = id
    const wait = Math.min(waitMs ?? config.PEER_DISCOVERY_WAIT_MS, config.MAX_DISCOVERY_WAIT_MS)
    const signal = c.req.raw.signal
    const started = Date.now()
    // The magnet's own trackers, checked before anything is sent to them.
    const stream = id.trackers.length
      ? await admitStreamTrackers(id.trackers, { allowPrivate: config.ALLOW_PRIVATE_TRACKERS })
      : { usable: [], rejected: [] }
    const streamTrackers = stream.usable

    const answerOf = (snap: SwarmSnapshot): PeersAnswer => ({
      acestream_id: raw,
      infohash,
      peers: snap.peers,
      peer_count: snap.peers.length,
      total_peers: snap.peers.length,
      cached_at: Math.floor(Date.now() / 1000),
      error: snap.error,
      seeders: snap.seeders,
      leechers: snap.leechers,
      sources: snap.sources,
      trackers: snap.trackers,
      discovering: snap.discovering,
    })
    const discover = async () =>
      answerOf(await registry.query(infohash, { waitMs: wait, signal, streamTrackers }))

    // A swarm still on its first round is not kept by the cache (answers with `discovering`
    // are not stored: a half-found answer would hide the fuller one for the whole TTL), but a
    // settled answer another collector stored in the shared Redis is served at once. Once this
    // collector has settled the swarm itself, its own snapshot (in memory, so as cheap as the
    // cache) wins: PEX and late tracker peers must not wait for the cached answer to expire.
    let found: PeersAnswer
    // Whether `found` is this moment's snapshot of a settled swarm (not a stored answer).
    let current: boolean
    if (cache) {
      const got = await cache.getOrCompute(infohash, discover, { maxAgeMs })
      found = got.value
      // Still tracked and asked about: keeps it from being dropped as least recently asked.
      const live = await registry
        .query(infohash, { waitMs: 0, streamTrackers })
        .catch(() => undefined)
      // The live snapshot is at least as new as one just computed, and is what `stamp` names.
      current = Boolean(live && !live.discovering)
      if (live && current) found = answerOf(live)
    } else {
      found = await discover()
      current = !found.discovering
    }
    // Read right after the snapshot, before anything awaits: a change while the answer is
    // decorated and enriched moves the stamp, so this answer is not kept as current.
    const stamp = current ? registry.peek(infohash, {}) : undefined
    const builtWith = enrichVersion()
    // What the wire knows now (reachable, connected, client) is laid over every answer, cached
    // or not, with live peers first; then enrichment, which never holds the answer by default:
    // what it does not know yet appears on later answers.
    const { peers: decorated, reachable_count } = registry.decorate(infohash, found.peers)
    const deadline = Math.min(started + wait, Date.now() + config.ENRICH_WAIT_MS)
    const { peers, complete } = await enrich(decorated, infohash, deadline)
    // A cached answer from an older collector may lack the newer counts.
    const sources = { stream_tracker: 0, pex: 0, ...found.sources }
    const trackers = [...(found.trackers ?? [])]
    for (const r of stream.rejected) if (!trackers.some((t) => t.url === r.url)) trackers.push(r)
    // The shared contract bounds the list; a long TRACKERS setting must not break an answer.
    trackers.splice(MAX_ANSWER_TRACKERS)
    const body = JSON.stringify({
      ...found,
      acestream_id: raw,
      peers,
      peer_count: peers.length,
      sources,
      trackers,
      reachable_count,
    })
    // Kept only when enrichment finished: one cut short must not be served again as it was.
    if (reusable && stamp !== undefined && complete && maxAgeMs > 0)
      views.set(raw, {
        infohash,
        streamTrackers,
        stamp,
        enrichVersion: builtWith,
        builtAt: Date.now(),
        body,
      })
    return c.body(body, 200, JSON_HEADERS)
  })

  async function enrich(
    peers: PeerView[],
    infohash: string,
    deadline: number,
  ): Promise<{ peers: PeerView[]; complete: boolean }> {
    if (!enricher || peers.length === 0) return { peers, complete: true }
    // The enricher is told the deadline; the race makes sure it cannot hold the answer past it.
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<{ peers: PeerView[]; complete: boolean }>((resolve) => {
      timer = setTimeout(
        () => resolve({ peers, complete: false }),
        Math.max(0, deadline - Date.now()),
      )
    })
    try {
      const done = enricher
        .enrich(peers, { infohash, deadline })
        .then((enriched) => ({ peers: enriched, complete: true }))
      return await Promise.race([done, late])
    } catch (err) {
      log.warn('enrichment failed', { err })
      return { peers, complete: false }
    } finally {
      clearTimeout(timer)
    }
  }

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
