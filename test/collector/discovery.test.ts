// Guards peer discovery end to end against a real BitTorrent swarm on loopback (tracker server,
// DHT nodes and peers on 127.0.0.x): each source alone and together, peers joining later,
// the capacity bound, shared lookups, the private-address rule and never listing ourselves.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { test } from 'node:test'
import type { PeerEnricher, PeersAnswer } from '../../collector/types.ts'
import { startCollector, type InProcessOptions } from '../helpers/collector-process.ts'
import { createMapCache } from '../helpers/map-cache.ts'
import { createLocalSwarm, type LocalPeer, type LocalSwarmOptions } from '../helpers/local-swarm.ts'
import { eventually } from '../helpers/wait.ts'

type T = { after: (fn: () => Promise<void>) => void }

async function setup(t: T, swarmOpts: LocalSwarmOptions, collectorOpts: InProcessOptions = {}) {
  const swarm = await createLocalSwarm(swarmOpts)
  const collector = await startCollector({ swarm, ...collectorOpts }).catch(async (err) => {
    await swarm.close()
    throw err
  })
  // Collector first, so its `stopped` announces reach a tracker that is still there.
  t.after(async () => {
    await collector.close()
    await swarm.close()
  })
  return { swarm, collector }
}

async function peersOf(url: string, id: string, query = ''): Promise<PeersAnswer> {
  const res = await fetch(`${url}/peers/${id}${query}`)
  assert.equal(res.status, 200, await res.clone().text())
  return (await res.json()) as PeersAnswer
}

// Local-swarm peers use 127.0.0.2 and up; the collector's sockets come from 127.0.0.1.
const fromCollector = (trackerAddr: string) => trackerAddr.startsWith('127.0.0.1:')
const addr = (p: { ip: string; port: number }) => `${p.ip}:${p.port}`
const addrs = (a: PeersAnswer) => new Set(a.peers.map(addr))
const expected = (peers: LocalPeer[]) => new Set(peers.map(addr))

/** Asks until `ok` holds (a tracked swarm refreshes in the background), at most `tries` times. */
async function askUntil(
  url: string,
  id: string,
  ok: (a: PeersAnswer) => boolean,
  tries = 40,
): Promise<PeersAnswer> {
  let last: PeersAnswer | undefined
  const asked = async () => {
    last = await peersOf(url, id)
    return ok(last) ? last : undefined
  }
  // The last answer either way: the caller's assertions say what is missing.
  return eventually(asked, { timeoutMs: tries * 250, intervalMs: 250 }).catch(() => last!)
}

for (const transport of ['udp', 'http'] as const) {
  test(`tracker-only (${transport}): every peer is found with its tracker counts`, async (t) => {
    const { swarm, collector } = await setup(
      t,
      { peers: 6, mode: 'tracker', seederEvery: 3 },
      { trackers: transport, dht: false },
    )
    const answer = await peersOf(collector.url, swarm.infohash)
    assert.deepEqual(addrs(answer), expected(swarm.peers))
    assert.equal(answer.peer_count, 6)
    assert.equal(answer.total_peers, 6)
    assert.deepEqual(answer.sources, { dht: 0, tracker: 6, stream_tracker: 0, pex: 0 })
    assert.equal(answer.seeders, 2)
    assert.equal(answer.leechers, 4, 'our own announce is not counted as a leecher')
    for (const p of answer.peers) {
      assert.deepEqual(p.sources, ['tracker'])
      assert.ok(Date.parse(p.first_seen) <= Date.parse(p.last_seen))
    }
    assert.equal(answer.discovering, false)
    assert.equal(answer.error, null)
  })
}

test('DHT-only: every peer is found through get_peers with no tracker configured', async (t) => {
  const { swarm, collector } = await setup(t, { peers: 6, mode: 'dht' }, { trackers: 'none' })
  const answer = await peersOf(collector.url, swarm.infohash)
  assert.deepEqual(addrs(answer), expected(swarm.peers))
  assert.deepEqual(answer.sources, { dht: 6, tracker: 0, stream_tracker: 0, pex: 0 })
  assert.equal(answer.seeders, null, 'the DHT does not know seeders')
  const health = (await (await fetch(`${collector.url}/health`)).json()) as { dht_nodes: number }
  assert.ok(health.dht_nodes > 0)
})

test('both sources: a peer seen by both lists both, and the answer is the union', async (t) => {
  const { swarm, collector } = await setup(t, { peers: 4, mode: 'both' })
  const answer = await peersOf(collector.url, swarm.infohash)
  assert.deepEqual(addrs(answer), expected(swarm.peers))
  for (const p of answer.peers) assert.deepEqual([...p.sources].sort(), ['dht', 'tracker'])
  assert.deepEqual(answer.sources, { dht: 4, tracker: 4, stream_tracker: 0, pex: 0 })
})

for (const mode of ['tracker', 'dht'] as const) {
  test(`a peer that joins later shows up on a later request (${mode})`, async (t) => {
    const { swarm, collector } = await setup(
      t,
      { peers: 3, mode },
      { env: { SWARM_REFRESH_SECONDS: '1', TRACKER_MIN_INTERVAL_SECONDS: '1' } },
    )
    const first = await peersOf(collector.url, swarm.infohash)
    assert.equal(first.peer_count, 3)
    const late = await swarm.addPeer()
    const later = await askUntil(collector.url, swarm.infohash, (a) => addrs(a).has(addr(late)))
    assert.ok(addrs(later).has(addr(late)), 'the late peer is listed')
    assert.equal(later.peer_count, 4)
  })
}

test('a tracked swarm does not re-announce to a tracker before its minimum interval', async (t) => {
  const { swarm, collector } = await setup(
    t,
    { peers: 2, mode: 'tracker' },
    { dht: false, trackers: 'udp', env: { SWARM_REFRESH_SECONDS: '1' } },
  )
  const announces: string[] = []
  swarm.tracker.on('start', (a) => fromCollector(a) && announces.push('start'))
  swarm.tracker.on('update', (a) => fromCollector(a) && announces.push('update'))
  const rounds = async () =>
    ((await (await fetch(`${collector.url}/health`)).json()) as { discovery_rounds: number })
      .discovery_rounds
  await peersOf(collector.url, swarm.infohash)
  const late = await swarm.addPeer()
  const first = await rounds()
  // Two refresh rounds, each of which would announce were it not for the minimum interval.
  await eventually(async () => (await rounds()) >= first + 2, {
    what: 'two refresh rounds',
    timeoutMs: 10_000,
    intervalMs: 100,
  })
  const later = await peersOf(collector.url, swarm.infohash)
  assert.deepEqual(announces, ['start'], 'one announce within TRACKER_MIN_INTERVAL_SECONDS')
  assert.ok(!addrs(later).has(addr(late)))
})

test('concurrent identical requests share one lookup and one tracker announce', async (t) => {
  const { swarm, collector } = await setup(t, { peers: 4, mode: 'both' })
  const starts: string[] = []
  swarm.tracker.on('start', (a, params) => {
    if (params.info_hash === swarm.infohash && fromCollector(a)) starts.push(`${params.type} ${a}`)
  })
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => peersOf(collector.url, swarm.infohash)),
  )
  for (const a of answers) assert.equal(a.peer_count, 4)
  const health = (await (await fetch(`${collector.url}/health`)).json()) as Record<string, number>
  assert.equal(health.dht_lookups, 1)
  assert.equal(health.discovery_rounds, 1)
  // One announce per configured tracker (UDP and HTTP), not one per request.
  assert.equal(starts.length, 2, `collector announces: ${starts.join(', ')}`)
})

test('capacity: the least recently asked swarm is dropped and announced stopped', async (t) => {
  const { swarm, collector } = await setup(
    t,
    { peers: 1, mode: 'tracker' },
    { dht: false, trackers: 'udp', env: { MAX_TRACKED_SWARMS: '2' } },
  )
  const b = await swarm.addTorrent({ peers: 1 })
  const c = await swarm.addTorrent({ peers: 1 })
  const stopped = new Set<string>()
  swarm.tracker.on('stop', (a, params) => {
    if (fromCollector(a)) stopped.add(params.info_hash)
  })
  await peersOf(collector.url, swarm.infohash) // A, asked first
  await peersOf(collector.url, b.infohash) // B
  await peersOf(collector.url, swarm.infohash) // A again: now B is least recently asked
  await peersOf(collector.url, c.infohash) // C: over capacity, B goes
  const health = async () =>
    (await (await fetch(`${collector.url}/health`)).json()) as Record<string, number>
  assert.equal((await health()).tracked_swarms, 2)
  assert.equal((await health()).swarms_dropped, 1)
  await eventually(() => stopped.has(b.infohash), { timeoutMs: 2000, intervalMs: 50 }).catch(
    () => {},
  )
  assert.ok(stopped.has(b.infohash), 'the tracker heard `stopped` for the dropped swarm')
  assert.ok(!stopped.has(swarm.infohash) && !stopped.has(c.infohash))
  // Asking for B again tracks it anew (and drops A, now least recently asked).
  const again = await peersOf(collector.url, b.infohash)
  assert.equal(again.peer_count, 1)
})

test('private and loopback peers are excluded unless ALLOW_PRIVATE_PEERS', async (t) => {
  const { swarm, collector } = await setup(
    t,
    { peers: 3, mode: 'both' },
    { env: { ALLOW_PRIVATE_PEERS: 'false' } },
  )
  const answer = await peersOf(collector.url, swarm.infohash)
  assert.equal(answer.peer_count, 0, 'every local-swarm peer is on 127.0.0.x')
  assert.equal(answer.error, null, 'sources answered; nothing public was in the swarm')
})

test('the collector never lists its own tracker announce', async (t) => {
  // The tracker hands every announcer the whole swarm, ourselves included.
  const { swarm, collector } = await setup(t, { peers: 2, mode: 'tracker' }, { dht: false })
  let own = ''
  swarm.tracker.on('start', (a, params) => {
    if (params.info_hash === swarm.infohash && fromCollector(a)) own = a
  })
  const answer = await peersOf(collector.url, swarm.infohash)
  assert.ok(own, 'the collector announced')
  assert.ok(!addrs(answer).has(own), `own announce ${own} is not a peer`)
  assert.equal(answer.peer_count, 2)
})

test('an enricher is asked with a deadline and cannot hold the answer past the wait', async (t) => {
  let deadline = 0
  let calls = 0
  const stuck: PeerEnricher = {
    enrich: (_peers, opts) => {
      calls++
      deadline = opts.deadline
      return new Promise(() => {}) // never answers
    },
    health: () => ({}),
    close: async () => {},
  }
  const { swarm, collector } = await setup(t, { peers: 2, mode: 'tracker' }, { enricher: stuck })
  const before = Date.now()
  const answer = await peersOf(collector.url, swarm.infohash, '?wait=400')
  assert.equal(calls, 1)
  assert.ok(deadline >= before && deadline <= before + 1000, 'deadline is within the wait')
  assert.equal(answer.peer_count, 2, 'discovered peers are answered without enrichment')
})

test('a slow enricher holds a settled answer at most ENRICH_WAIT_MS, not the whole wait', async (t) => {
  let deadline = 0
  const stuck: PeerEnricher = {
    enrich: (_peers, opts) => {
      deadline = opts.deadline
      return new Promise(() => {}) // never answers, like handshakes to unreachable peers
    },
    health: () => ({}),
    close: async () => {},
  }
  const { swarm, collector } = await setup(
    t,
    { peers: 2, mode: 'tracker' },
    { enricher: stuck, env: { ENRICH_WAIT_MS: '200' } },
  )
  const before = Date.now()
  const answer = await peersOf(collector.url, swarm.infohash, '?wait=10000')
  const took = Date.now() - before
  assert.equal(answer.peer_count, 2)
  assert.ok(deadline - before < 5000, `deadline ${deadline - before} ms after the request`)
  assert.ok(took < 5000, `answered after ${took} ms, not the 10 s wait`)
})

test('client names found after an answer was cached appear on the next cached answer', async (t) => {
  // Stands for handshakes that finish after the first answer: only later calls know a client.
  let calls = 0
  const late: PeerEnricher = {
    enrich: async (peers) => {
      calls++
      return calls === 1 ? peers : peers.map((p) => ({ ...p, client: 'Late Client 1.0' }))
    },
    health: () => ({}),
    close: async () => {},
  }
  const { cache, computed } = createMapCache()
  const { swarm, collector } = await setup(
    t,
    { peers: 2, mode: 'tracker' },
    { enricher: late, cache },
  )
  const first = await peersOf(collector.url, swarm.infohash, '?wait=3000')
  assert.equal(first.peer_count, 2)
  assert.ok(first.peers.every((p) => p.client === undefined))
  const second = await peersOf(collector.url, swarm.infohash)
  assert.equal(computed(), 1, 'the second answer comes from the cache')
  assert.equal(second.peer_count, 2)
  assert.deepEqual(
    second.peers.map((p) => p.client),
    ['Late Client 1.0', 'Late Client 1.0'],
  )
})

test('with a wait of 0 a cold request answers at once and says discovery is running', async (t) => {
  const { swarm, collector } = await setup(t, { peers: 2, mode: 'both' })
  const answer = await peersOf(collector.url, swarm.infohash, '?wait=0')
  assert.equal(answer.discovering, true)
  const later = await askUntil(collector.url, swarm.infohash, (a) => a.peer_count === 2)
  assert.equal(later.discovering, false)
})

test('over the cold-lookup bound with no queue a new swarm gets 503 with Retry-After; known ones still answer', async (t) => {
  // A "tracker" that never answers keeps the first lookup running.
  const silent = createSocket('udp4')
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()))
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())))
  const collector = await startCollector({
    env: {
      TRACKERS: `udp://127.0.0.1:${silent.address().port}/announce`,
      MAX_CONCURRENT_LOOKUPS: '1',
      MAX_QUEUED_LOOKUPS: '0',
    },
  })
  t.after(() => collector.close())
  const a = 'a'.repeat(40)
  const first = await peersOf(collector.url, a, '?wait=0')
  assert.equal(first.discovering, true)
  const res = await fetch(`${collector.url}/peers/${'b'.repeat(40)}`)
  assert.equal(res.status, 503)
  assert.equal(res.headers.get('retry-after'), '1')
  assert.equal(((await res.json()) as { error: string }).error, 'too many lookups')
  const again = await peersOf(collector.url, a, '?wait=0')
  assert.equal(again.infohash, a, 'the swarm already being looked up still answers')
})
