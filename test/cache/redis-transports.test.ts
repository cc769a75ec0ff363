// Guards the two ways the product reaches Redis through @upstash/redis: the custom redis://
// Requester (node-redis over TCP) and the Upstash REST path. One scenario, run per transport,
// against a real redis-server; answers must be the same shapes either way.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRedisConnection, type RedisTarget } from '../../collector/cache/redis-connection.ts'
import { startRedisServer } from '../helpers/redis-server.ts'
import { startUpstashRestShim } from '../helpers/upstash-rest-shim.ts'
import { eventually } from '../helpers/wait.ts'

async function targets(t: { after(fn: () => Promise<void> | void): void }) {
  const server = await startRedisServer(t)
  const shim = await startUpstashRestShim(t, server.url)
  return {
    server,
    shim,
    tcp: { kind: 'tcp', url: server.url } as RedisTarget,
    rest: { kind: 'rest', url: shim.url, token: shim.token } as RedisTarget,
  }
}

for (const kind of ['tcp', 'rest'] as const) {
  test(`${kind}: commands round-trip with the shapes @upstash/redis expects`, async (t) => {
    const env = await targets(t)
    const conn = createRedisConnection(env[kind])
    t.after(() => conn.close())
    const { redis } = conn

    assert.equal(await redis.ping(), 'PONG')
    assert.equal(await redis.set('obj', { a: 1, name: 'Zoë ✓' }, { px: 10_000 }), 'OK')
    assert.deepEqual(await redis.get('obj'), { a: 1, name: 'Zoë ✓' })
    assert.equal(await redis.get('missing'), null)
    assert.equal(await redis.incr('n'), 1)
    assert.equal(await redis.incrby('n', 41), 42)
    const ttl = await redis.pttl('obj')
    assert.ok(ttl > 0 && ttl <= 10_000, `pttl ${ttl}`)
    await redis.hset('h', { f1: 'one', f2: 2 })
    assert.deepEqual(await redis.hgetall('h'), { f1: 'one', f2: 2 })
    await redis.rpush('list', 'x', 'y')
    assert.deepEqual(await redis.lrange('list', 0, -1), ['x', 'y'])
    await assert.rejects(redis.incr('obj'), /not an integer/)

    const p = redis.pipeline()
    p.set('p1', 'v1')
    p.get('p1')
    p.incr('p1') // fails inside the pipeline: reported for that command only
    p.get('missing')
    const out = await p.exec({ keepErrors: true })
    assert.deepEqual(
      out.map((r) => r.result),
      ['OK', 'v1', undefined, null],
    )
    assert.match(String(out[2]?.error), /not an integer/)

    const tx = redis.multi()
    tx.set('m', 5)
    tx.incr('m')
    assert.deepEqual(await tx.exec(), ['OK', 6])
  })
}

test('rest: a wrong token is refused, not taken for a miss', async (t) => {
  const env = await targets(t)
  const conn = createRedisConnection({ kind: 'rest', url: env.shim.url, token: 'wrong' })
  await assert.rejects(conn.redis.get('x'), /Unauthorized/)
})

test('tcp: a stopped server makes commands fail quickly instead of queueing forever', async (t) => {
  const env = await targets(t)
  const conn = createRedisConnection(env.tcp, { commandTimeoutMs: 300 })
  t.after(() => conn.close())
  await conn.redis.set('k', 'v')
  await env.server.kill()
  const started = Date.now()
  await assert.rejects(conn.redis.get('k'))
  assert.ok(Date.now() - started < 3000)
  await env.server.restart()
  // node-redis reconnects by itself with backoff; no new connection object is needed.
  const pong = await eventually(() => conn.redis.ping(), { timeoutMs: 10_000, intervalMs: 100 })
  assert.equal(pong, 'PONG')
})
