// The collector's live peer view (GET /peers/{id}/events) on a real local swarm: a snapshot
// first, a peer that joins arrives as an `added` diff within the refresh interval, diffs carry
// only what changed, heartbeats flow, a reconnect with Last-Event-ID gets only what it missed,
// and bad input is a JSON 400.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { peerKey } from '../../lib/contract/peers.ts'
import { applyDiff } from '../../lib/peer-diff.ts'
import { startCollector, type InProcessCollector } from '../helpers/collector-process.ts'
import { watchEvents } from '../helpers/event-stream.ts'
import { createLocalSwarm, type LocalSwarm } from '../helpers/local-swarm.ts'

let swarm: LocalSwarm
let collector: InProcessCollector

before(async () => {
  swarm = await createLocalSwarm({ peers: 3, mode: 'tracker', dhtNodes: 1 })
  collector = await startCollector({
    swarm,
    trackers: 'udp',
    dht: false,
    env: { SWARM_REFRESH_SECONDS: '3', TRACKER_MIN_INTERVAL_SECONDS: '1' },
  })
})

after(async () => {
  await collector?.close()
  await swarm?.close()
})

const eventsUrl = (q = '') => `${collector.url}/peers/${swarm.infohash}/events${q}`

test('a watcher gets the swarm as a snapshot, then a joining peer as an added diff within 7 s', async (t) => {
  const w = watchEvents(eventsUrl('?heartbeat=1'))
  t.after(() => w.close())
  const snap = await w.waitFor((e) => e.event === 'snapshot', 15_000)
  assert.match(snap.id!, /^[0-9a-z]+\.\d+$/)
  assert.equal(snap.data.id, snap.id)
  assert.ok(Date.parse(snap.data.as_of))
  assert.equal(snap.data.answer.infohash, swarm.infohash)
  // The first answer may still be settling; wait until all three peers are in the view.
  let view = snap.data.answer
  const keysOf = (a: { peers: { ip: string; port: number }[] }) => new Set(a.peers.map(peerKey))
  const core = swarm.peers.map(peerKey)
  let seen = 0
  const folded = () => {
    for (const e of w.events.slice(seen)) if (e.event === 'diff') view = applyDiff(view, e.data)
    seen = w.events.length
    return keysOf(view)
  }
  await w.waitFor(() => core.every((k) => folded().has(k)), 15_000)

  const from = w.events.length
  const joined = Date.now()
  const peer = await swarm.addPeer()
  const key = peerKey(peer)
  const added = await w.waitFor(
    (e) =>
      e.event === 'diff' &&
      e.data.added.some((p: { ip: string; port: number }) => peerKey(p) === key),
    7000,
    from,
  )
  const ms = added.at - joined
  console.log(`joining peer reached the collector's event stream in ${ms} ms`)
  assert.ok(ms <= 7000)
  const row = added.data.added.find((p: { ip: string; port: number }) => peerKey(p) === key)
  assert.deepEqual(row.sources, ['tracker'])
  assert.ok(row.first_seen && row.last_seen)

  // Every diff: an id that counts up, an as-of time, and changes that carry only changed fields.
  const diffs = w.events.filter((e) => e.event === 'diff')
  let last = Number(snap.id!.split('.')[1])
  for (const d of diffs) {
    const n = Number(d.id!.split('.')[1])
    assert.ok(n > last, 'ids count up')
    last = n
    assert.ok(
      Array.isArray(d.data.added) && Array.isArray(d.data.changed) && Array.isArray(d.data.removed),
    )
    for (const c of d.data.changed) {
      assert.equal(typeof c.key, 'string')
      assert.ok(Object.keys(c).length >= 2, 'a change names at least one field')
      assert.equal(c.ip, undefined, 'the address never changes, so it is never repeated')
      assert.equal(c.port, undefined)
    }
  }
  // The folded view equals what GET /peers says now (same peer set).
  const now = await (await fetch(`${collector.url}/peers/${swarm.infohash}`)).json()
  await w.waitFor(() => {
    const a = folded()
    return now.peers.every((p: { ip: string; port: number }) => a.has(peerKey(p)))
  }, 5000)
  // Heartbeats flow while nothing else does.
  await w.waitFor((e) => e.event === 'heartbeat', 5000, from)
})

test('a reconnect with Last-Event-ID gets only the diffs it missed, an unknown id a snapshot', async (t) => {
  const first = watchEvents(eventsUrl('?heartbeat=1'))
  t.after(() => first.close())
  const snap = await first.waitFor((e) => e.event === 'snapshot', 15_000)
  // Something changes while the watcher is away: a peer joins.
  first.close()
  const peer = await swarm.addPeer()
  const key = peerKey(peer)
  const other = watchEvents(eventsUrl('?heartbeat=1'))
  t.after(() => other.close())
  await other.waitFor(
    (e) =>
      e.event === 'diff' &&
      e.data.added.some((p: { ip: string; port: number }) => peerKey(p) === key),
    10_000,
  )

  const resumed = watchEvents(eventsUrl('?heartbeat=1'), { 'last-event-id': snap.id! })
  t.after(() => resumed.close())
  const firstEvent = await resumed.waitFor((e) => e.event !== 'heartbeat', 5000)
  assert.equal(firstEvent.event, 'diff', 'no snapshot: the missed diffs follow the id given')
  const n = Number(snap.id!.split('.')[1])
  assert.equal(firstEvent.id, `${snap.id!.split('.')[0]}.${n + 1}`)
  await resumed.waitFor(
    (e) =>
      e.event === 'diff' &&
      e.data.added.some((p: { ip: string; port: number }) => peerKey(p) === key),
    5000,
  )

  const fresh = watchEvents(eventsUrl(), { 'last-event-id': 'someoneelse.12' })
  t.after(() => fresh.close())
  const e = await fresh.waitFor(() => true, 5000)
  assert.equal(e.event, 'snapshot')
})

test('bad identifiers and heartbeats are JSON 400s', async () => {
  for (const path of [
    '/peers/not-a-hash/events',
    `/peers/${swarm.infohash}/events?heartbeat=0`,
    `/peers/${swarm.infohash}/events?heartbeat=abc`,
  ]) {
    const res = await fetch(collector.url + path)
    assert.equal(res.status, 400, path)
    const body = await res.json()
    assert.equal(typeof body.error, 'string')
  }
})
