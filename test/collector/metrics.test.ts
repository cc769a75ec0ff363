// Guards the collector's GET /metrics: it parses as Prometheus text, has the figures an operator
// graphs (at least eight families of our own, a histogram among them), they move with real
// discovery against a loopback swarm and agree with /health, no label holds a peer address,
// and METRICS_TOKEN keeps it closed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCollectorCache } from '../../collector/cache/create-collector-cache.ts'
import { loadCollectorConfig } from '../../collector/config.ts'
import { createLogger } from '../../lib/log.ts'
import { localCollectorEnv, startCollector } from '../helpers/collector-process.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { parsePrometheusText } from '../helpers/prometheus-text.ts'
import { eventually, freePort } from '../helpers/wait.ts'

type T = { after: (fn: () => Promise<void>) => void }

async function setup(t: T, env: Record<string, string> = {}) {
  const swarm = await createLocalSwarm({ peers: 4, mode: 'both' })
  const log = createLogger('test', 'silent')
  // The real memory-only cache, so cache figures come from the code /health reads too.
  const cache = await createCollectorCache(loadCollectorConfig(localCollectorEnv({ swarm, env })), {
    log,
  })
  const collector = await startCollector({ swarm, cache, env }).catch(async (err) => {
    await swarm.close()
    throw err
  })
  t.after(async () => {
    await collector.close()
    await swarm.close()
  })
  return { swarm, collector }
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/metrics`, { headers })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(await res.text())
}

test('collector /metrics moves with discovery and agrees with /health', async (t) => {
  const { swarm, collector } = await setup(t)
  const before = await scrape(collector.url)
  const own = [...before.types.keys()].filter(
    (n) =>
      n.startsWith('collector_') &&
      !n.startsWith('collector_process_') &&
      !n.startsWith('collector_nodejs_'),
  )
  assert.ok(own.length >= 8, `own families: ${own.join(', ')}`)
  assert.ok([...before.types.values()].includes('histogram'))
  assert.ok(before.types.has('collector_process_resident_memory_bytes'), 'default process metrics')
  assert.equal(before.value('collector_tracked_swarms'), 0)

  // A first ask runs discovery (a miss), a second one within the TTL is a memory hit.
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${collector.url}/peers/${swarm.infohash}?wait=5000`)
    assert.equal(res.status, 200)
    await res.arrayBuffer()
  }
  const health = (await (await fetch(`${collector.url}/health`)).json()) as {
    tracked_swarms: number
    dht_nodes: number
    redis_available: boolean
    cache: { peers: { misses: number; hits_memory: number } }
  }
  const after = await scrape(collector.url)
  assert.equal(after.value('collector_tracked_swarms'), health.tracked_swarms)
  assert.equal(health.tracked_swarms, 1)
  assert.equal(after.value('collector_dht_nodes'), health.dht_nodes)
  assert.equal(after.value('collector_redis_up'), health.redis_available ? 1 : 0)
  assert.equal(
    after.value('collector_cache_misses_total', { cache: 'peers' }),
    health.cache.peers.misses,
  )
  assert.equal(
    after.value('collector_cache_hits_total', { cache: 'peers', tier: 'memory' }),
    health.cache.peers.hits_memory,
  )
  assert.ok(health.cache.peers.misses >= 1)
  assert.ok(after.sum('collector_swarm_peers') >= 4, 'the swarm’s peers are counted by source')
  assert.ok(after.sum('collector_dht_lookup_duration_seconds_count') >= 1)
  assert.ok(
    (after.value('collector_http_request_duration_seconds_count', {
      route: '/peers/:id',
      status: '200',
    }) ?? 0) >= 2,
  )
  // Both local trackers answered, and each is labelled by its origin only.
  const trackers = after.samples.filter(
    (x) => x.name === 'collector_tracker_swarms' && x.labels.status === 'ok',
  )
  assert.deepEqual(
    trackers.map((x) => x.labels.tracker).sort(),
    [new URL(swarm.trackerUrls.http).origin, `udp://${new URL(swarm.trackerUrls.udp).host}`].sort(),
  )
  for (const tracker of trackers.map((x) => x.labels.tracker ?? ''))
    assert.ok(
      (after.value('collector_tracker_announces_total', { tracker, outcome: 'ok' }) ?? 0) >= 1,
      `${tracker}: an answered announce counted`,
    )
  assert.ok(after.sum('collector_handshakes_total') >= 1, 'the peer wire tried the peers')
  // Swarm sizes and addresses never become series of their own.
  const labelValues = after.samples.flatMap((s) => Object.values(s.labels))
  for (const p of swarm.peers) assert.ok(!labelValues.some((v) => v.includes(p.ip)), p.ip)
  assert.ok(!labelValues.some((v) => v.includes(swarm.infohash)))
})

test('with METRICS_TOKEN, /metrics needs the bearer token and /health stays open', async (t) => {
  const { collector } = await setup(t, { METRICS_TOKEN: 'scrape-secret' })
  assert.equal((await fetch(`${collector.url}/metrics`)).status, 401)
  const wrong = await fetch(`${collector.url}/metrics`, {
    headers: { authorization: 'Bearer nope' },
  })
  assert.equal(wrong.status, 401)
  assert.deepEqual(Object.keys(await wrong.json()).sort(), ['detail', 'error'])
  const m = await scrape(collector.url, { authorization: 'Bearer scrape-secret' })
  assert.ok(m.types.has('collector_tracked_swarms'))
  assert.equal((await fetch(`${collector.url}/health`)).status, 200)
})

test('announces that fail are counted by tracker, every stream tracker under one label', async (t) => {
  // Ports nothing listens on: the HTTP announce is refused at once.
  const closed = await freePort()
  const refusing = `http://127.0.0.1:${closed}/announce`
  const collector = await startCollector({ env: { TRACKERS: refusing } })
  t.after(() => collector.close())
  const streamTracker = `http://127.0.0.2:${closed}/announce`
  const magnet = `magnet:?xt=urn:btih:${'ab'.repeat(20)}&tr=${encodeURIComponent(streamTracker)}`
  const res = await fetch(`${collector.url}/peers/${encodeURIComponent(magnet)}?wait=5000`)
  assert.equal(res.status, 200)
  await res.arrayBuffer()
  const m = await eventually(
    async () => {
      const s = await scrape(collector.url)
      const failed = (tracker: string) =>
        s.value('collector_tracker_announces_total', { tracker, outcome: 'error' }) ?? 0
      return failed(new URL(refusing).origin) >= 1 && failed('stream') >= 1 ? s : undefined
    },
    { what: 'both failed announces counted', timeoutMs: 15_000 },
  )
  assert.equal(
    m.value('collector_tracker_announces_total', { tracker: 'stream', outcome: 'ok' }),
    0,
  )
  const labels = m.samples
    .filter((x) => x.name === 'collector_tracker_announces_total')
    .map((x) => x.labels.tracker)
  assert.ok(!labels.includes(new URL(streamTracker).origin), 'no label per stream tracker')
})
