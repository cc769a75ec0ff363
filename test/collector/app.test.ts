// Guards the HTTP contract of the collector with handlers called in-process (`app.request()`):
// JSON errors with the right status for bad input, JSON 404, the /health fields an operator
// reads, and the plug-in points for cache and enrichment. No swarm here: no trackers, no DHT
// bootstrap, so nothing is sent anywhere.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadCollectorConfig } from '../../collector/config.ts'
import { createCollectorService } from '../../collector/service.ts'
import type { PeerEnricher, PeersAnswer, PeersAnswerCache } from '../../collector/types.ts'
import { createLogger } from '../../lib/log.ts'
import { localCollectorEnv } from '../helpers/collector-process.ts'
import { createMapCache } from '../helpers/map-cache.ts'

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a'

async function isolatedService(
  t: { after: (fn: () => Promise<void>) => void },
  extra: { cache?: PeersAnswerCache; enricher?: PeerEnricher; env?: Record<string, string> } = {},
) {
  const config = loadCollectorConfig(localCollectorEnv({ env: extra.env }))
  const service = createCollectorService(config, {
    log: createLogger('test', 'silent'),
    cache: extra.cache,
    enricher: extra.enricher,
  })
  await service.start()
  t.after(() => service.close())
  return service
}

test('bad identifiers are 400 JSON errors that say what was wrong', async (t) => {
  const { app } = await isolatedService(t)
  for (const id of ['nope', 'abc123', encodeURIComponent('magnet:?dn=x'), 'g'.repeat(40)]) {
    const res = await app.request(`/peers/${id}`)
    assert.equal(res.status, 400, id)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    const body = (await res.json()) as { error: string; detail: string }
    assert.equal(body.error, 'invalid identifier')
    assert.ok(body.detail.length > 10)
  }
})

test('bad ?wait= and ?max_age= are 400s, not 500s', async (t) => {
  const { app } = await isolatedService(t)
  for (const q of ['wait=-1', 'wait=soon', 'max_age=1.5', 'max_age=x']) {
    const res = await app.request(`/peers/${HEX}?${q}`)
    assert.equal(res.status, 400, q)
    const body = (await res.json()) as { error: string; detail: string }
    assert.match(body.error, /invalid (wait|max_age)/)
  }
})

test('unknown paths get a JSON 404', async (t) => {
  const { app } = await isolatedService(t)
  const res = await app.request('/nope')
  assert.equal(res.status, 404)
  assert.deepEqual(await res.json(), { error: 'not found', detail: 'GET /nope' })
})

test('with no discovery source, /peers answers with the original fields and says why it is empty', async (t) => {
  const { app } = await isolatedService(t)
  const res = await app.request(`/peers/${HEX}?wait=2000`)
  assert.equal(res.status, 200)
  const body = (await res.json()) as PeersAnswer
  assert.equal(body.acestream_id, HEX)
  assert.equal(body.infohash, HEX)
  assert.deepEqual(body.peers, [])
  assert.equal(body.peer_count, 0)
  assert.equal(body.total_peers, 0)
  assert.equal(typeof body.cached_at, 'number')
  assert.deepEqual(body.sources, { dht: 0, tracker: 0, stream_tracker: 0, pex: 0 })
  assert.equal(body.seeders, null)
  assert.equal(body.discovering, false)
  assert.match(body.error ?? '', /no trackers configured/)
})

test('/health reports discovery figures and no redis without a cache', async (t) => {
  const { app } = await isolatedService(t)
  await app.request(`/peers/${HEX}`)
  const res = await app.request('/health')
  assert.equal(res.status, 200)
  const h = (await res.json()) as Record<string, unknown>
  // No tracker and no DHT node: the collector cannot find anyone, and /health says so.
  assert.equal(h.status, 'degraded')
  assert.match(String(h.warnings), /no discovery source/)
  assert.equal(h.redis_available, false)
  assert.equal(h.tracked_swarms, 1)
  assert.equal(h.dht_nodes, 0)
  assert.deepEqual(h.trackers, [])
  assert.equal(typeof h.version, 'string')
  assert.equal(typeof h.uptime_s, 'number')
})

test('/health is ok without warnings once a discovery source is configured', async (t) => {
  // A tracker on a closed loopback port: configured, never contacted by /health itself.
  const { app } = await isolatedService(t, { env: { TRACKERS: 'udp://127.0.0.1:9/announce' } })
  const h = (await (await app.request('/health')).json()) as Record<string, unknown>
  assert.equal(h.status, 'ok')
  assert.deepEqual(h.warnings, [])
})

test("an enricher's health is merged into /health", async (t) => {
  const enricher: PeerEnricher = {
    enrich: async (peers) => peers,
    health: () => ({ geoip_available: false }),
    close: async () => {},
  }
  const { app } = await isolatedService(t, { enricher })
  const h = (await (await app.request('/health')).json()) as Record<string, unknown>
  assert.equal(h.geoip_available, false)
  assert.equal(h.enrichment_enabled, true)
})

test('a cache plugged in serves settled swarms and its health is merged into /health', async (t) => {
  const { cache, stored, computed } = createMapCache({ redis_available: true })
  const { app } = await isolatedService(t, { cache })
  // First request: swarm not settled yet, so the cache computes it but keeps nothing.
  const first = (await (await app.request(`/peers/${HEX}?wait=2000`)).json()) as PeersAnswer
  assert.equal(computed(), 1)
  assert.equal(stored.size, first.discovering ? 0 : 1)
  const base32 = 'YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK'
  const second = (await (await app.request(`/peers/${base32}`)).json()) as PeersAnswer
  const afterSecond = computed()
  assert.equal(afterSecond, first.discovering ? 2 : 1)
  assert.equal(second.acestream_id, base32, 'acestream_id echoes the request, not the cache key')
  await app.request(`/peers/${HEX}`)
  assert.equal(computed(), afterSecond, 'third request is a cache hit')
  const h = (await (await app.request('/health')).json()) as Record<string, unknown>
  assert.equal(h.redis_available, true)
  assert.equal(h.cache_entries, 1)
})

test('an answer another collector stored is served at once, and the swarm is tracked here too', async (t) => {
  const { cache, stored, computed } = createMapCache()
  const service = await isolatedService(t, { cache })
  const peer = {
    ip: '203.0.113.7',
    port: 6881,
    sources: ['dht' as const],
    first_seen: new Date().toISOString(),
    last_seen: new Date().toISOString(),
  }
  stored.set(HEX, {
    acestream_id: HEX,
    infohash: HEX,
    peers: [peer],
    peer_count: 1,
    total_peers: 1,
    cached_at: Math.floor(Date.now() / 1000),
    error: null,
    seeders: null,
    leechers: null,
    sources: { dht: 1, tracker: 0 },
    discovering: false,
  })
  assert.equal(service.registry.size, 0)
  const answer = (await (
    await service.app.request(`/peers/${HEX}?wait=2000`)
  ).json()) as PeersAnswer
  assert.equal(computed(), 0, 'nothing computed: the stored answer was served')
  assert.deepEqual(
    answer.peers.map((p) => `${p.ip}:${p.port}`),
    ['203.0.113.7:6881'],
  )
  assert.equal(answer.sources.pex, 0, 'counts an older collector left out read as zero')
  assert.equal(service.registry.size, 1, 'the swarm is tracked here as well')
})
