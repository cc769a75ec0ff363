// Guards what a dashboard opening on many streams at once sees: a burst of concurrent requests
// over many swarms the collector has never seen is never turned away (the lookups queue), each
// swarm is looked up once however many ask, and a warm answer reused while nothing changed
// still shows a new peer on the next answer, long before the answer's max age. When callers
// crowd a busy collector, it answers them at once instead of holding them for first results,
// and the lookups queued behind wait until it eases.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { test } from 'node:test'
import { createLoopPressure } from '../../collector/discovery/loop-pressure.ts'
import type { PeersAnswer } from '../../collector/types.ts'
import { startCollector } from '../helpers/collector-process.ts'
import { createLocalSwarm, type LocalTorrent } from '../helpers/local-swarm.ts'
import { saturateLoop } from '../helpers/saturate.ts'
import { eventually } from '../helpers/wait.ts'

const SWARMS = 20
const REQUESTS = 200

type Health = Record<string, number>
const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Health

const until = <T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000) =>
  eventually(fn, { what, timeoutMs: ms, intervalMs: 100 })

const addr = (p: { ip: string; port: number }) => `${p.ip}:${p.port}`

test(`${REQUESTS} concurrent requests over ${SWARMS} new swarms: no 5xx, one lookup per swarm, every swarm found`, async (t) => {
  const swarm = await createLocalSwarm({ peers: 2, mode: 'both' })
  t.after(() => swarm.close())
  const torrents: LocalTorrent[] = [swarm]
  while (torrents.length < SWARMS)
    torrents.push(await swarm.addTorrent({ peers: 2, mode: 'tracker' }))
  // Few lookup slots, so most new swarms wait in the queue during the burst.
  const collector = await startCollector({ swarm, env: { MAX_CONCURRENT_LOOKUPS: '4' } })
  t.after(() => collector.close())

  const statuses = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const res = await fetch(`${collector.url}/peers/${torrents[i % SWARMS]!.infohash}`)
      await res.arrayBuffer()
      return res.status
    }),
  )
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
    'every request answered 200',
  )

  const settled = await until('the lookup queue to drain', async () => {
    const h = await health(collector.url)
    return h.cold_lookups === 0 && h.queued_lookups === 0 ? h : undefined
  })
  assert.equal(settled.tracked_swarms, SWARMS)
  assert.equal(settled.discovery_rounds, SWARMS, 'one discovery round per swarm')
  assert.equal(settled.dht_lookups, SWARMS, 'one DHT lookup per swarm')

  // Asked again, every swarm lists its own peers.
  for (const torrent of torrents) {
    const answer = (await (
      await fetch(`${collector.url}/peers/${torrent.infohash}`)
    ).json()) as PeersAnswer
    assert.equal(answer.discovering, false)
    assert.deepEqual(new Set(answer.peers.map(addr)), new Set(torrent.peers.map(addr)))
  }
})

test('a new peer shows on the next answers after a discovery update, not after the max age', async (t) => {
  const swarm = await createLocalSwarm({ peers: 3, mode: 'tracker' })
  t.after(() => swarm.close())
  const collector = await startCollector({
    swarm,
    dht: false,
    env: {
      // Ten minutes: only a change, never the age, can make the peer appear within the test.
      CACHE_TTL_SECONDS: '600',
      SWARM_REFRESH_SECONDS: '1',
      TRACKER_MIN_INTERVAL_SECONDS: '1',
    },
  })
  t.after(() => collector.close())
  const ask = async () =>
    (await (await fetch(`${collector.url}/peers/${swarm.infohash}`)).json()) as PeersAnswer

  const first = await ask()
  assert.equal(first.peer_count, 3)
  const again = await ask()
  assert.deepEqual(again.peers.map(addr), first.peers.map(addr), 'nothing changed, same peers')

  const late = await swarm.addPeer()
  const later = await until('the late peer to be listed', async () => {
    const a = await ask()
    return a.peers.some((p) => addr(p) === addr(late)) ? a : undefined
  })
  assert.equal(later.peer_count, 4)
})

test('a crowd of cold requests on a saturated collector is answered at once, not held for first results', async (t) => {
  // A tracker that never answers: without the crowd rule every request would wait its full wait.
  const silent = createSocket('udp4')
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()))
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())))
  const collector = await startCollector({
    env: { TRACKERS: `udp://127.0.0.1:${silent.address().port}/announce` },
  })
  t.after(() => collector.close())
  const ids = Array.from({ length: 4 }, () => randomBytes(20).toString('hex'))
  const WAIT_MS = 20_000

  const stop = saturateLoop()
  t.after(stop)
  const t0 = performance.now()
  const answers = await Promise.all(
    Array.from({ length: 48 }, async (_, i) => {
      const res = await fetch(`${collector.url}/peers/${ids[i % ids.length]}?wait=${WAIT_MS}`)
      return { status: res.status, body: (await res.json()) as PeersAnswer }
    }),
  )
  const elapsed = performance.now() - t0
  stop()

  assert.deepEqual(
    answers.filter((a) => a.status !== 200 || a.body.discovering !== true),
    [],
    'every request answered 200, discovering',
  )
  assert.ok(elapsed < WAIT_MS / 2, `answered in ${elapsed.toFixed(0)} ms, not after the wait`)
  await until('the collector to ease', async () =>
    (await health(collector.url)).loop_saturated ? undefined : true,
  )
})

test('lookups whose turn comes while the collector is saturated wait until it eases; each swarm is looked up once', async (t) => {
  const swarm = await createLocalSwarm({ peers: 2, mode: 'tracker' })
  t.after(() => swarm.close())
  const torrents: LocalTorrent[] = [swarm]
  while (torrents.length < 4) torrents.push(await swarm.addTorrent({ peers: 2, mode: 'tracker' }))
  // One caller in flight on a busy loop is a crowd here, so the test's own caller can make it.
  const pressure = createLoopPressure({ minCallers: 1, maxWaitMs: 60_000 })
  const collector = await startCollector({
    swarm,
    dht: false,
    pressure,
    env: { MAX_CONCURRENT_LOOKUPS: '1' },
  })
  t.after(() => collector.close())
  const ask = async (torrent: LocalTorrent) =>
    (await (await fetch(`${collector.url}/peers/${torrent.infohash}`)).json()) as PeersAnswer

  const stop = saturateLoop()
  t.after(stop)
  const answered = pressure.caller()
  t.after(answered)
  await until('saturation', async () => pressure.saturated() || undefined)

  const first = await Promise.all(torrents.map(ask))
  assert.deepEqual(
    first.map((a) => a.discovering),
    [true, true, true, true],
    'answered at once, while saturated',
  )
  // The first swarm had the free slot and is looked up; the next one's turn is held back.
  await until('the first swarm found', async () => {
    const a = await ask(torrents[0]!)
    return !a.discovering && a.peer_count === 2 ? a : undefined
  })
  const held = await until('a lookup held back', async () => {
    const h = await health(collector.url)
    return h.deferred_for_load! >= 1 ? h : undefined
  })
  assert.equal(held.discovery_rounds, 1, 'no other lookup started while saturated')
  assert.equal((await ask(torrents[1]!)).discovering, true)

  stop()
  answered()
  const settled = await until('the lookup queue to drain', async () => {
    const h = await health(collector.url)
    return h.cold_lookups === 0 && h.queued_lookups === 0 ? h : undefined
  })
  assert.equal(settled.discovery_rounds, torrents.length, 'one discovery round per swarm')
  for (const torrent of torrents) {
    const answer = await ask(torrent)
    assert.equal(answer.discovering, false)
    assert.deepEqual(new Set(answer.peers.map(addr)), new Set(torrent.peers.map(addr)))
  }
})
