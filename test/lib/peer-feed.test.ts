// The live peer feed both services share: diffs carry only what changed and fold back into the
// answer, a reconnect resumes from the ring or gets a snapshot, and over real HTTP a watcher that
// stops reading is dropped (its socket closed) while a reading one keeps getting every diff.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { setImmediate as tick } from 'node:timers/promises'
import { test } from 'node:test'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { PeersAnswer, PeerView } from '../../lib/contract/peers.ts'
import { applyDiff, diffAnswers } from '../../lib/peer-diff.ts'
import { createPeerFeed } from '../../lib/peer-feed.ts'
import { serveFeed } from '../../lib/sse.ts'
import { watchEvents } from '../helpers/event-stream.ts'

const T0 = '2026-01-01T00:00:00.000Z'

function answer(peers: PeerView[], over: Partial<PeersAnswer> = {}): PeersAnswer {
  return {
    acestream_id: 'a'.repeat(40),
    infohash: 'a'.repeat(40),
    peers,
    peer_count: peers.length,
    total_peers: peers.length,
    cached_at: 1_800_000_000,
    sources: { dht: 0, tracker: peers.length },
    ...over,
  }
}

function peer(i: number, over: Partial<PeerView> = {}): PeerView {
  return {
    ip: `203.0.113.${i % 250}`,
    port: 6881 + Math.floor(i / 250),
    sources: ['tracker'],
    first_seen: T0,
    last_seen: T0,
    ...over,
  }
}

test('a diff names added and removed peers and only the fields that changed, and folds back', () => {
  const a = answer([peer(1), peer(2, { reachable: true, client: 'qBittorrent 4.6' }), peer(3)])
  const b = answer(
    [peer(4), peer(2, { reachable: false, last_seen: '2026-01-01T00:01:00.000Z' }), peer(3)],
    { cached_at: 1_800_000_100, discovering: false },
  )
  const d = diffAnswers(a, b)!
  assert.deepEqual(
    d.added.map((p) => p.ip),
    ['203.0.113.4'],
  )
  assert.deepEqual(d.removed, ['203.0.113.1:6881'])
  assert.deepEqual(d.changed, [
    {
      key: '203.0.113.2:6881',
      reachable: false,
      last_seen: '2026-01-01T00:01:00.000Z',
      client: null,
    },
  ])
  assert.deepEqual(d.fields, { discovering: false }, 'cached_at alone is not a change')
  const folded = applyDiff(a, d)
  assert.deepEqual(
    new Set(folded.peers.map((p) => JSON.stringify(p))),
    new Set(b.peers.map((p) => JSON.stringify(p))),
  )
  assert.equal(diffAnswers(b, { ...b, cached_at: 1 }), null, 'nothing a user sees changed')
})

test('a reconnect resumes from the ring while it holds the missed diffs, else gets a snapshot', async () => {
  const feed = createPeerFeed({ ringSize: 3 })
  feed.publish(answer([peer(1)]))
  const first = feed.subscribe()
  const snap = await first.next(100)
  assert.ok(snap && snap !== 'idle' && snap.event === 'snapshot')
  feed.publish(answer([peer(1), peer(2)]))
  const resumed = feed.subscribe(snap.id)
  const m = await resumed.next(100)
  assert.ok(m && m !== 'idle')
  assert.equal(m.event, 'diff')
  assert.equal(m.id, `${feed.token}.2`)
  for (let i = 3; i < 8; i++) feed.publish(answer([peer(1), peer(i)]))
  const tooOld = feed.subscribe(snap.id)
  const s = await tooOld.next(100)
  assert.ok(s && s !== 'idle')
  assert.equal(s.event, 'snapshot', 'the ring no longer holds diff 2')
  const other = feed.subscribe('elsewhere.3')
  const o = await other.next(100)
  assert.ok(o && o !== 'idle')
  assert.equal(o.event, 'snapshot')
  feed.close()
})

test('over HTTP, a watcher that stops reading is dropped while a reading one gets every diff', async (t) => {
  const feed = createPeerFeed({ maxQueuedBytes: 256 * 1024 })
  const app = new Hono()
  app.get('/events', (c) => serveFeed(c, feed.subscribe(c.req.header('last-event-id')), 60_000))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  t.after(() => {
    feed.close()
    server.close()
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
  const { port } = server.address() as { port: number }
  const peers = Array.from({ length: 2000 }, (_, i) => peer(i))
  feed.publish(answer(peers))

  // The slow one: asks, then never reads a byte.
  const slow = connect(port, '127.0.0.1')
  slow.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
  slow.pause()
  const slowClosed = new Promise<void>((resolve) => slow.once('close', () => resolve()))
  slow.on('error', () => {})
  const good = watchEvents(`http://127.0.0.1:${port}/events`)
  t.after(() => good.close())
  await good.waitFor((e) => e.event === 'snapshot', 5000)
  while (feed.subscriberCount < 2) await tick()

  // Every round changes every peer's last_seen: about 150 KB per diff.
  let round = 0
  let lastId = ''
  while (feed.droppedCount === 0 && round < 400) {
    round++
    const seen = new Date(Date.parse(T0) + round * 1000).toISOString()
    lastId = feed.publish(answer(peers.map((p) => ({ ...p, last_seen: seen }))))!.id
    await good.waitFor((e) => e.id === lastId, 5000)
  }
  console.log(`slow watcher dropped after ${round} diffs`)
  assert.equal(feed.droppedCount, 1)
  assert.equal(feed.subscriberCount, 1, 'the reading watcher stays')
  // Its connection was closed: what the kernel still held drains, then the stream ends.
  slow.resume()
  await slowClosed
  const seen = new Date(Date.parse(T0) + 1e6).toISOString()
  const after = feed.publish(answer(peers.map((p) => ({ ...p, last_seen: seen }))))!
  await good.waitFor((e) => e.id === after.id, 5000)
})

test('churn counts joins and leaves per minute and the median time a peer that left stayed', async () => {
  let now = Date.parse(T0)
  const feed = createPeerFeed({ now: () => now })
  feed.publish(answer([peer(1), peer(2), peer(3)]))
  now += 2 * 60_000
  const d = feed.publish(answer([peer(3), peer(4)]))!
  assert.deepEqual(d.churn, {
    window_min: 2,
    joins_per_min: 0.5,
    leaves_per_min: 1,
    median_stay_s: 120,
  })
  feed.close()
})
