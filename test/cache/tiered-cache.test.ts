// Guards the two-tier cache against a real redis-server: which tier answers, that one key is
// computed once, that what comes back from Redis is checked, and that Redis trouble (dead,
// hung, back again) never fails a read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { z } from 'zod'
import {
  createTieredCache,
  fromSchema,
  type TieredCache,
} from '../../collector/cache/tiered-cache.ts'
import { createRedisTier } from '../../collector/cache/redis-tier.ts'
import { createRedisConnection } from '../../collector/cache/redis-connection.ts'
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.ts'
import { rawRedis, until, type After } from './support.ts'

const Answer = z.object({ id: z.string(), n: z.number() })
type Answer = z.infer<typeof Answer>

function counter() {
  let calls = 0
  const compute = (id: string) => async (): Promise<Answer> => ({ id, n: ++calls })
  return {
    compute,
    get calls() {
      return calls
    },
  }
}

async function cacheOn(t: After, server: TestRedisServer | null, ttlMs = 30_000) {
  const conn = server ? createRedisConnection({ kind: 'tcp', url: server.url }) : null
  const cache = createTieredCache<Answer>({
    name: 'answers',
    ttlMs,
    validate: fromSchema(Answer),
    redis: conn?.redis ?? null,
    // Generous: these tests are about which tier answers, on a busy shared machine.
    redisTimeoutMs: 2000,
    redisRetryMs: 200,
  })
  t.after(async () => {
    await cache.close()
    await conn?.close()
  })
  return cache
}

test('a value is computed once, then served from memory, then from Redis once memory is cleared', async (t) => {
  const server = await startRedisServer(t)
  const cache = await cacheOn(t, server)
  const c = counter()
  assert.equal((await cache.getOrCompute('a', c.compute('a'))).from, 'computed')
  assert.deepEqual(await cache.getOrCompute('a', c.compute('a')), {
    value: { id: 'a', n: 1 },
    from: 'memory',
  })
  const raw = await rawRedis(t, server.url)
  await until('redis write', async () => (await raw.exists('peer-insight:v1:answers:a')) === 1)
  cache.clearMemory()
  assert.deepEqual(await cache.getOrCompute('a', c.compute('a')), {
    value: { id: 'a', n: 1 },
    from: 'redis',
  })
  assert.equal((await cache.getOrCompute('a', c.compute('a'))).from, 'memory')
  assert.equal(c.calls, 1)
  const h = cache.health()
  assert.equal(h.redis_available, true)
  assert.deepEqual([h.hits_memory, h.hits_redis, h.misses], [2, 1, 1])
})

test('a second cache sharing the Redis answers without computing', async (t) => {
  const server = await startRedisServer(t)
  const first = await cacheOn(t, server)
  const second = await cacheOn(t, server)
  const c = counter()
  await first.getOrCompute('shared', c.compute('shared'))
  // The write to Redis does not hold up the answer; wait until it has landed.
  const raw = await rawRedis(t, server.url)
  await until(
    'value in redis',
    async () => (await raw.exists('peer-insight:v1:answers:shared')) === 1,
  )
  const got = await second.getOrCompute('shared', c.compute('shared'))
  assert.equal(got.from, 'redis')
  assert.equal(c.calls, 1)
})

test('concurrent misses for one key compute once', async (t) => {
  const server = await startRedisServer(t)
  const cache = await cacheOn(t, server)
  let calls = 0
  let release = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const compute = async () => {
    calls++
    await gate
    return { id: 'x', n: calls }
  }
  const all = Array.from({ length: 10 }, () => cache.getOrCompute('x', compute))
  await new Promise((r) => setTimeout(r, 50))
  release()
  const results = await Promise.all(all)
  assert.equal(calls, 1)
  assert.ok(results.every((r) => r.value.n === 1))
  assert.equal(cache.health().misses, 1)
})

test('a failed compute is not cached and reaches every waiting caller', async (t) => {
  const cache = await cacheOn(t, null)
  let calls = 0
  const failing = async (): Promise<Answer> => {
    calls++
    await new Promise((r) => setTimeout(r, 20))
    throw new Error('lookup failed')
  }
  const both = [cache.getOrCompute('f', failing), cache.getOrCompute('f', failing)]
  for (const p of both) await assert.rejects(p, /lookup failed/)
  assert.equal(calls, 1)
  assert.equal((await cache.getOrCompute('f', counter().compute('f'))).from, 'computed')
})

test('maxAgeMs asks for a value no older than that', async (t) => {
  const cache = await cacheOn(t, null)
  const c = counter()
  await cache.getOrCompute('m', c.compute('m'))
  await new Promise((r) => setTimeout(r, 60))
  assert.equal((await cache.getOrCompute('m', c.compute('m'), { maxAgeMs: 10_000 })).from, 'memory')
  const fresh = await cache.getOrCompute('m', c.compute('m'), { maxAgeMs: 20 })
  assert.deepEqual(fresh, { value: { id: 'm', n: 2 }, from: 'computed' })
  assert.equal((await cache.getOrCompute('m', c.compute('m'), { maxAgeMs: 0 })).value.n, 3)
})

test('memory only: no Redis, redis_available is false and the cache still works', async (t) => {
  const cache = await cacheOn(t, null)
  const c = counter()
  await cache.getOrCompute('k', c.compute('k'))
  assert.equal((await cache.getOrCompute('k', c.compute('k'))).from, 'memory')
  assert.equal(cache.health().redis_available, false)
})

test('ttl 0 turns caching off', async (t) => {
  const server = await startRedisServer(t)
  const cache = await cacheOn(t, server, 0)
  const c = counter()
  await cache.getOrCompute('k', c.compute('k'))
  assert.equal((await cache.getOrCompute('k', c.compute('k'))).from, 'computed')
  assert.equal(c.calls, 2)
})

test('the memory tier is bounded by entries', async (t) => {
  const cache = createTieredCache<Answer>({
    name: 'small',
    ttlMs: 30_000,
    maxEntries: 3,
    validate: fromSchema(Answer),
  })
  t.after(() => cache.close())
  const c = counter()
  for (const k of ['a', 'b', 'c', 'd']) await cache.getOrCompute(k, c.compute(k))
  assert.equal(cache.health().entries, 3)
  assert.equal((await cache.getOrCompute('a', c.compute('a'))).from, 'computed') // evicted first
  assert.equal((await cache.getOrCompute('d', c.compute('d'))).from, 'memory')
})

test('the memory tier is bounded by size', async (t) => {
  const cache = createTieredCache<Answer>({
    name: 'tiny',
    ttlMs: 30_000,
    maxSizeBytes: 100,
    validate: fromSchema(Answer),
  })
  t.after(() => cache.close())
  const big = async () => ({ id: 'x'.repeat(500), n: 1 })
  await cache.getOrCompute('big', big)
  assert.equal((await cache.getOrCompute('big', big)).from, 'computed') // too big to keep
  await cache.getOrCompute('small', counter().compute('s'))
  assert.equal((await cache.getOrCompute('small', counter().compute('s'))).from, 'memory')
  assert.ok(cache.health().size_bytes <= 100)
})

test('corrupted or foreign values in Redis are misses, not crashes', async (t) => {
  const server = await startRedisServer(t)
  const cache = await cacheOn(t, server)
  const raw = await rawRedis(t, server.url)
  const key = (k: string) => `peer-insight:v1:answers:${k}`
  await raw.set(key('garbage'), '{not json')
  await raw.set(key('wrong-shape'), JSON.stringify({ at: Date.now(), value: { id: 7 } }))
  await raw.set(key('no-envelope'), JSON.stringify({ id: 'x', n: 1 }))
  await raw.hSet(key('a-hash'), 'field', 'value')
  const c = counter()
  for (const k of ['garbage', 'wrong-shape', 'no-envelope', 'a-hash']) {
    const got = await cache.getOrCompute(k, c.compute(k))
    assert.equal(got.from, 'computed', k)
    assert.deepEqual(got.value, { id: k, n: c.calls })
  }
  const h = cache.health()
  assert.equal(h.redis_available, true)
  assert.equal(h.invalid_redis_values, 3)
  assert.equal(h.redis_foreign_values, 1)
  // The good value computed over the garbage replaces it in Redis.
  await until('rewrite', async () => (await raw.get(key('garbage')))?.startsWith('{"at"') ?? false)
})

test('Redis killed mid-run: reads keep working, then Redis is used again once it is back', async (t) => {
  const server = await startRedisServer(t)
  const cache = await cacheOn(t, server)
  const c = counter()
  await cache.getOrCompute('before', c.compute('before'))
  await until('redis up', () => cache.health().redis_available)

  await server.kill()
  cache.clearMemory()
  const during = await cache.getOrCompute('before', c.compute('before'))
  assert.equal(during.from, 'computed') // Redis is gone, memory was cleared: compute, no error
  assert.equal(cache.health().redis_available, false)
  assert.equal((await cache.getOrCompute('before', c.compute('before'))).from, 'memory')

  await server.restart() // empty, same port
  await until('redis back', () => cache.health().redis_available)
  await cache.getOrCompute('after', c.compute('after'))
  cache.clearMemory()
  await until('redis write after restart', async () => {
    const got = await cache.getOrCompute('after', c.compute('after'))
    cache.clearMemory()
    return got.from === 'redis'
  })
})

test('a hung Redis (SIGSTOP) costs a short timeout, then is skipped until it answers', async (t) => {
  const server = await startRedisServer(t)
  const conn = createRedisConnection({ kind: 'tcp', url: server.url })
  const tier = createRedisTier({ redis: conn.redis, timeoutMs: 100, retryMs: 200 })
  const cache: TieredCache<Answer> = createTieredCache({
    name: 'hung',
    ttlMs: 30_000,
    validate: fromSchema(Answer),
    redis: tier,
  })
  t.after(async () => {
    server.resume()
    await cache.close()
    tier.close()
    await conn.close()
  })
  await until('redis up', () => tier.available)
  server.pause()
  const c = counter()
  const started = Date.now()
  const got = await cache.getOrCompute('h', c.compute('h'))
  // Generous bound (shared 2-core machine); without the guard this read never returns.
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
  assert.equal(got.from, 'computed')
  assert.equal(tier.available, false)
  server.resume()
  await until('redis answers again', () => tier.available)
})

test('a stalled process (blocked event loop) does not take Redis for unavailable', async (t) => {
  const server = await startRedisServer(t)
  const conn = createRedisConnection({ kind: 'tcp', url: server.url })
  const tier = createRedisTier({ redis: conn.redis, timeoutMs: 500, retryMs: 200 })
  t.after(async () => {
    tier.close()
    await conn.close()
  })
  await until('redis up', () => tier.available)
  await tier.set('k', { a: 1 }, 10_000)
  const read = tier.get('k')
  const stallUntil = Date.now() + 2000
  while (Date.now() < stallUntil) {} // e.g. GeoIP databases read synchronously at start
  assert.deepEqual(await read, { a: 1 })
  assert.equal(tier.available, true)
})
