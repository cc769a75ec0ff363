// Guards how answers from several collectors combine (orchestrator/peers-merge.ts): a peer seen
// twice is one peer with both collectors, the best of what each knew, and counts that do not
// double it; scrape figures of the same swarm are never summed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  PeersAnswerSchema,
  peerKey,
  type PeersAnswer,
  type PeerView,
} from '../../lib/contract/peers.ts'
import { mergePeersAnswers } from '../../orchestrator/peers-merge.ts'

const IH = 'cd'.repeat(20)
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()

function peer(ip: string, over: Partial<PeerView> = {}): PeerView {
  return { ip, port: 6881, sources: ['dht'], first_seen: T(10), last_seen: T(20), ...over }
}

function answer(peers: PeerView[], over: Partial<PeersAnswer> = {}): PeersAnswer {
  return {
    acestream_id: IH,
    infohash: IH,
    peers,
    peer_count: peers.length,
    total_peers: peers.length,
    cached_at: 1_800_000_000,
    error: null,
    seeders: null,
    leechers: null,
    sources: { dht: peers.length, tracker: 0 },
    ...over,
  }
}

test('a peer both collectors saw is listed once, with both collectors and the best of each view', () => {
  const a = answer(
    [
      peer('203.0.113.1', { reachable: false, trackers: ['udp://a/announce'] }),
      peer('203.0.113.2', { reachable: false }),
    ],
    { reachable_count: 0, seeders: 4, leechers: 1, cached_at: 1_800_000_010 },
  )
  const b = answer(
    [
      peer('203.0.113.1', {
        sources: ['tracker', 'pex'],
        first_seen: T(5),
        last_seen: T(30),
        reachable: true,
        connected: true,
        client: 'qBittorrent 4.6.2',
        trackers: ['udp://b/announce'],
      }),
      peer('203.0.113.3', { country: 'Spain' }),
    ],
    { reachable_count: 1, seeders: 9, leechers: null, discovering: true },
  )
  const m = mergePeersAnswers([
    { label: 'http://one:8080', answer: a },
    { label: 'http://two:8080', answer: b },
  ])
  assert.deepEqual(
    m.peers.map((p) => [p.ip, p.collectors]),
    [
      ['203.0.113.1', ['http://one:8080', 'http://two:8080']],
      ['203.0.113.3', ['http://two:8080']],
      // Unreachable everywhere it was tried: after the rest.
      ['203.0.113.2', ['http://one:8080']],
    ],
  )
  const shared = m.peers[0]!
  assert.deepEqual(shared.sources, ['dht', 'tracker', 'pex'])
  assert.equal(shared.first_seen, T(5))
  assert.equal(shared.last_seen, T(30))
  assert.equal(shared.reachable, true, 'reached by one collector is reachable')
  assert.equal(shared.connected, true)
  assert.equal(shared.client, 'qBittorrent 4.6.2')
  assert.deepEqual(shared.trackers, ['udp://a/announce', 'udp://b/announce'])
  assert.equal(m.peer_count, 3)
  assert.equal(m.total_peers, 3)
  assert.deepEqual(m.sources, { dht: 3, tracker: 1, stream_tracker: 0, pex: 1 })
  assert.equal(m.reachable_count, 1)
  assert.equal(m.seeders, 9, 'the largest scrape, not the sum')
  assert.equal(m.leechers, 1)
  assert.equal(m.discovering, true)
  assert.equal(m.cached_at, 1_800_000_000, 'the oldest answer')
})

test('trackers merge by URL keeping the best state; error only when every answer has one', () => {
  const a = answer([], {
    error: 'lookup failed',
    trackers: [{ url: 'udp://t/announce', origin: 'stream', status: 'error', reason: 'timeout' }],
  })
  const b = answer([], {
    error: null,
    trackers: [{ url: 'udp://t/announce', origin: 'stream', status: 'ok', seeders: 3 }],
  })
  const m = mergePeersAnswers([
    { label: 'a', answer: a },
    { label: 'b', answer: b },
  ])
  assert.deepEqual(m.trackers, [
    { url: 'udp://t/announce', origin: 'stream', status: 'ok', seeders: 3 },
  ])
  assert.equal(m.error, null)
  const both = mergePeersAnswers([
    { label: 'a', answer: a },
    { label: 'c', answer: { ...a, error: 'other' } },
  ])
  assert.equal(both.error, 'lookup failed')
  assert.equal('discovering' in both, false, 'absent when no collector said')
})

test('any answers merge into a valid answer: every peer once, named by exactly the collectors that listed it', () => {
  const peerArb = fc.record(
    {
      ip: fc.constantFrom('203.0.113.1', '203.0.113.2', '2001:db8::1', '198.51.100.7'),
      port: fc.constantFrom(6881, 6882),
      sources: fc.uniqueArray(fc.constantFrom('dht', 'tracker', 'stream_tracker', 'pex'), {
        minLength: 1,
      }),
      first_seen: fc.integer({ min: 0, max: 59 }).map(T),
      last_seen: fc.integer({ min: 0, max: 59 }).map(T),
      reachable: fc.boolean(),
      connected: fc.constant(true),
      country: fc.constantFrom('Spain', 'Peru'),
      trackers: fc.uniqueArray(fc.constantFrom('udp://a/x', 'udp://b/x'), { maxLength: 2 }),
    },
    { requiredKeys: ['ip', 'port', 'sources', 'first_seen', 'last_seen'] },
  )
  const answerArb = fc
    .uniqueArray(peerArb, { selector: (p) => `${p.ip}|${p.port}`, maxLength: 8 })
    .chain((peers) =>
      fc.record({
        peers: fc.constant(peers as PeerView[]),
        seeders: fc.option(fc.nat(50)),
        discovering: fc.option(fc.boolean(), { nil: undefined }),
      }),
    )
    .map(({ peers, seeders, discovering }) =>
      answer(peers, { seeders, ...(discovering === undefined ? {} : { discovering }) }),
    )
  fc.assert(
    fc.property(fc.array(answerArb, { minLength: 1, maxLength: 4 }), (answers) => {
      const labels = answers.map((_, i) => `http://c${i}:8080`)
      const m = mergePeersAnswers(answers.map((answer, i) => ({ label: labels[i]!, answer })))
      assert.ok(PeersAnswerSchema.safeParse(m).success, 'fits the contract')
      const keys = m.peers.map(peerKey)
      assert.equal(new Set(keys).size, keys.length, 'each peer once')
      for (const p of m.peers) {
        const listedBy = labels.filter((_, i) =>
          answers[i]!.peers.some((q) => peerKey(q) === peerKey(p)),
        )
        assert.deepEqual(p.collectors, listedBy)
      }
      const every = new Set(answers.flatMap((a) => a.peers.map(peerKey)))
      assert.equal(m.peer_count, every.size)
      const seeders = answers.map((a) => a.seeders).filter((s): s is number => s != null)
      assert.equal(m.seeders, seeders.length ? Math.max(...seeders) : null)
      // Unreachable peers never come before the others.
      const firstDead = m.peers.findIndex((p) => p.reachable === false)
      if (firstDead >= 0) assert.ok(m.peers.slice(firstDead).every((p) => p.reachable === false))
    }),
    { numRuns: 300 },
  )
})
