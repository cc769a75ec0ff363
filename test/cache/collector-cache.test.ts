// Guards the collector's cache as the app sees it, once per way of reaching Redis (REDIS_URL,
// the Upstash REST path, the bundled redis-server) plus memory only: an answer is computed
// once, then served from memory, then from Redis once memory is cleared; /health figures say so.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadSettings } from '../../lib/settings.ts'
import { CACHE_SETTINGS } from '../../collector/cache/settings.ts'
import { createCollectorCache } from '../../collector/cache/create-collector-cache.ts'
import type { PeersAnswer } from '../../collector/types.ts'
import { startRedisServer } from '../helpers/redis-server.ts'
import { startUpstashRestShim } from '../helpers/upstash-rest-shim.ts'
import { alive, rawRedis, recordingLogger, until, type After } from './support.ts'

function answer(id: string, n: number): PeersAnswer {
  const now = new Date().toISOString()
  return {
    acestream_id: id,
    infohash: id,
    peers: [{ ip: '127.0.0.2', port: 6881, sources: ['tracker'], first_seen: now, last_seen: now }],
    peer_count: 1,
    total_peers: 1,
    cached_at: Math.floor(Date.now() / 1000),
    sources: { dht: 0, tracker: n },
    seeders: null,
  }
}

const modes = {
  async redis(t: After) {
    const server = await startRedisServer(t)
    return { env: { REDIS_URL: server.url, BUNDLED_REDIS: 'false' }, redisUrl: server.url }
  },
  async rest(t: After) {
    const server = await startRedisServer(t)
    const shim = await startUpstashRestShim(t, server.url)
    return {
      env: { UPSTASH_REDIS_REST_URL: shim.url, UPSTASH_REDIS_REST_TOKEN: shim.token },
      redisUrl: server.url,
    }
  },
  async bundled() {
    return { env: {}, redisUrl: null }
  },
  async none() {
    return { env: { BUNDLED_REDIS: 'false' }, redisUrl: null }
  },
}

for (const [mode, setup] of Object.entries(modes)) {
  test(`${mode}: an answer is computed once, then served from memory, then from Redis`, async (t) => {
    const { env, redisUrl } = await setup(t)
    // Generous Redis timeout: this is about which tier answers, on a busy shared machine.
    const config = loadSettings(CACHE_SETTINGS, { REDIS_TIMEOUT_MS: '2000', ...env })
    const cache = await createCollectorCache(config, { log: recordingLogger() })
    t.after(() => cache.close())
    assert.equal(cache.redisMode, mode)
    let lookups = 0
    const lookup = async () => answer('a'.repeat(40), ++lookups)
    const key = 'a'.repeat(40)

    assert.equal((await cache.getOrCompute(key, lookup, { maxAgeMs: 30_000 })).from, 'computed')
    assert.equal((await cache.getOrCompute(key, lookup, { maxAgeMs: 30_000 })).from, 'memory')
    if (mode === 'none') {
      assert.equal(cache.health().redis_available, false)
      return
    }
    await until('redis available', () => cache.health().redis_available === true)
    // The write to Redis does not hold up the answer; wait until it has landed.
    const target = (cache.health() as { cache: { redis: { target: string } } }).cache.redis.target
    const raw = await rawRedis(t, redisUrl ?? target)
    await until(
      'answer stored',
      async () => (await raw.exists(`peer-insight:v1:peers:${key}`)) === 1,
    )
    cache.clearMemory()
    assert.equal((await cache.getOrCompute(key, lookup, { maxAgeMs: 30_000 })).from, 'redis')
    assert.equal(lookups, 1)
    const { cache: h } = cache.health() as {
      cache: {
        redis: { mode: string; pid?: number }
        peers: { hits_memory: number; hits_redis: number; misses: number; ttl_seconds: number }
      }
    }
    assert.equal(h.redis.mode, mode)
    assert.equal(h.peers.ttl_seconds, 30)
    assert.deepEqual([h.peers.hits_memory, h.peers.hits_redis, h.peers.misses], [1, 1, 1])
    if (mode === 'bundled') {
      const pid = h.redis.pid!
      assert.ok(alive(pid))
      raw.destroy()
      await cache.close()
      assert.equal(alive(pid), false)
    }
  })
}

test('a corrupted peers answer in Redis is a miss', async (t) => {
  const { env, redisUrl } = await modes.redis(t)
  const cache = await createCollectorCache(
    loadSettings(CACHE_SETTINGS, { REDIS_TIMEOUT_MS: '2000', ...env }),
    {
      log: recordingLogger(),
    },
  )
  t.after(() => cache.close())
  const raw = await rawRedis(t, redisUrl)
  const bad = { ...answer('b', 1), peers: [{ ip: 42 }] }
  await raw.set('peer-insight:v1:peers:b', JSON.stringify({ at: Date.now(), value: bad }))
  const got = await cache.getOrCompute('b', async () => answer('b', 2), { maxAgeMs: 30_000 })
  assert.equal(got.from, 'computed')
  assert.equal(got.value.sources.tracker, 2)
  assert.equal(
    (cache.health() as { cache: { peers: { invalid_redis_values: number } } }).cache.peers
      .invalid_redis_values,
    1,
  )
})

test('a geolocation cache shares the Redis and shows up in health()', async (t) => {
  const { env } = await modes.redis(t)
  const cache = await createCollectorCache(
    loadSettings(CACHE_SETTINGS, { REDIS_TIMEOUT_MS: '2000', ...env }),
    {
      log: recordingLogger(),
    },
  )
  t.after(() => cache.close())
  const geo = cache.createGeoCache<{ country_code: string }>((v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { country_code?: unknown }).country_code === 'string'
      ? (v as { country_code: string })
      : undefined,
  )
  await geo.getOrCompute('203.0.113.7', async () => ({ country_code: 'NL' }))
  const h = (cache.health() as { cache: { geolocation: { ttl_seconds: number; misses: number } } })
    .cache
  assert.deepEqual([h.geolocation.ttl_seconds, h.geolocation.misses], [3600, 1])
})

test('UPSTASH_REDIS_REST_URL without a token stops the start with the variable named', async () => {
  const config = loadSettings(CACHE_SETTINGS, { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1' })
  await assert.rejects(
    createCollectorCache(config, { log: recordingLogger() }),
    /UPSTASH_REDIS_REST_TOKEN/,
  )
})
