// Guards the cache as an operator sees it, with the real collector process (`collector/main.ts`)
// on loopback: collectors sharing a Redis answer from it, the bundled redis-server lives and
// dies with the collector, and a Redis outage never fails a request and is reported truthfully.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { PeersAnswer } from '../../collector/types.ts'
import { startCollectorProcess, type ChildCollector } from '../helpers/collector-process.ts'
import { createLocalSwarm, type LocalSwarm } from '../helpers/local-swarm.ts'
import { startRedisServer } from '../helpers/redis-server.ts'
import { alive, rawRedis, until, type After } from './support.ts'

interface Health {
  redis_available: boolean
  cache: {
    redis: { mode: string; pid?: number | null }
    peers: { hits_memory: number; hits_redis: number; misses: number }
  }
}

async function json<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as T }
}

async function collector(t: After, opts: Parameters<typeof startCollectorProcess>[0]) {
  // Generous Redis timeout: these tests are about which tier answers, on a busy shared machine.
  const c = await startCollectorProcess({
    ...opts,
    env: { REDIS_TIMEOUT_MS: '2000', ...opts?.env },
  })
  t.after(async () => void (await c.close()))
  return c
}

async function swarm(t: After, peers = 3): Promise<LocalSwarm> {
  const s = await createLocalSwarm({ peers, mode: 'tracker', dhtNodes: 2 })
  t.after(() => s.close())
  return s
}

/** Asks until the swarm's first lookup is over, so the answer is one the cache keeps. */
async function settledAnswer(c: ChildCollector, infohash: string, peers: number) {
  let answer: PeersAnswer | undefined
  await until(
    'a settled answer',
    async () => {
      const { status, body } = await json<PeersAnswer>(`${c.url}/peers/${infohash}?wait=3000`)
      answer = body
      return status === 200 && body.discovering === false && body.peer_count === peers
    },
    20_000,
  )
  return answer!
}

test('a second collector sharing the Redis answers from it without a lookup of its own', async (t) => {
  const redis = await startRedisServer(t)
  const s = await swarm(t)
  const first = await collector(t, { swarm: s, dht: false, env: { REDIS_URL: redis.url } })
  const answer = await settledAnswer(first, s.infohash, 3)
  const raw = await rawRedis(t, redis.url)
  await until(
    'answer in redis',
    async () => (await raw.exists(`peer-insight:v1:peers:${s.infohash}`)) === 1,
  )

  // No trackers, no DHT: the only way it can know these peers is the shared Redis.
  const second = await collector(t, { env: { REDIS_URL: redis.url } })
  const { status, body } = await json<PeersAnswer>(`${second.url}/peers/${s.infohash}`)
  assert.equal(status, 200)
  assert.equal(body.peer_count, 3)
  assert.deepEqual(
    body.peers.map((p) => `${p.ip}:${p.port}`).sort(),
    answer.peers.map((p) => `${p.ip}:${p.port}`).sort(),
  )
  const health = (await json<Health>(`${second.url}/health`)).body
  assert.equal(health.redis_available, true)
  assert.equal(health.cache.redis.mode, 'redis')
  assert.deepEqual([health.cache.peers.hits_redis, health.cache.peers.misses], [1, 0])
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the bundled redis-server starts with the collector and is gone after ${signal}`, async (t) => {
    const c = await collector(t, { env: { BUNDLED_REDIS: 'true' } })
    await until(
      'bundled redis available',
      async () => (await json<Health>(`${c.url}/health`)).body.redis_available,
    )
    const { body } = await json<Health>(`${c.url}/health`)
    assert.equal(body.cache.redis.mode, 'bundled')
    const pid = body.cache.redis.pid!
    assert.ok(pid > 0 && alive(pid), 'redis-server runs')
    c.child.kill(signal)
    assert.equal(await c.exited, 0)
    await until('redis-server gone', () => !alive(pid), 5000)
  })
}

test('Redis killed mid-run: requests keep succeeding, /health says so, and Redis is used again once back', async (t) => {
  const redis = await startRedisServer(t)
  const s = await swarm(t)
  const c = await collector(t, { swarm: s, dht: false, env: { REDIS_URL: redis.url } })
  await settledAnswer(c, s.infohash, 3)
  const health = async () => (await json<Health>(`${c.url}/health`)).body

  await redis.kill()
  for (const query of ['', '?max_age=0', '?max_age=0']) {
    const { status, body } = await json<PeersAnswer>(`${c.url}/peers/${s.infohash}${query}`)
    assert.equal(status, 200)
    assert.equal(body.peer_count, 3)
  }
  await until('redis_available false', async () => (await health()).redis_available === false)

  await redis.restart() // same port, empty
  await until('redis_available true', async () => (await health()).redis_available === true)
  const raw = await rawRedis(t, redis.url)
  const key = `peer-insight:v1:peers:${s.infohash}`
  await until('a fresh answer written to the restarted Redis', async () => {
    await json(`${c.url}/peers/${s.infohash}?max_age=0`)
    return (await raw.exists(key)) === 1
  })
})
