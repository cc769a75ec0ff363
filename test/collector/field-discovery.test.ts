// Guards discovery on a field-like swarm (test/helpers/field-swarm.ts): the stream's own tracker
// from the magnet, PEX, live-vs-dead peers with the negative cache, the tracker address rule,
// the lookup queue, and answers that never wait for a handshake. Everything on 127.0.0.x.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { after, before, test } from 'node:test'
import { createPeerEnricher } from '../../collector/enrich/create-enricher.ts'
import { ENRICH_SETTINGS } from '../../collector/enrich/settings.ts'
import type { PeersAnswer, PeerView } from '../../collector/types.ts'
import { parsePeersAnswer } from '../../lib/contract/peers.ts'
import { loadSettings } from '../../lib/settings.ts'
import { serveBtPeer } from '../helpers/bt-peer.ts'
import { startCollector, type InProcessCollector } from '../helpers/collector-process.ts'
import { createFieldSwarm, type FieldPeer, type FieldSwarm } from '../helpers/field-swarm.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { sleep } from '../../lib/deadline.ts'

type T = { after: (fn: () => Promise<void>) => void }

let field: FieldSwarm
before(async () => {
  field = await createFieldSwarm()
})
after(() => field.close())

const addr = (p: { ip: string; port: number }) => `${p.ip}:${p.port}`

async function collectorFor(t: T, env: Record<string, string> = {}) {
  const collector = await startCollector({
    env: { TRACKERS: field.trackers.main.udp, DHT_BOOTSTRAP: field.dhtBootstrap, ...env },
  })
  t.after(() => collector.close())
  return collector
}

async function ask(c: InProcessCollector, id: string, query = '') {
  const t0 = performance.now()
  const res = await fetch(`${c.url}/peers/${encodeURIComponent(id)}${query}`)
  const body = (await res.json()) as PeersAnswer
  assert.equal(res.status, 200, JSON.stringify(body))
  return { body, ms: performance.now() - t0 }
}

/** Asks until `ok` holds, every 200 ms, for at most `ms`. */
async function askUntil(
  c: InProcessCollector,
  id: string,
  ok: (a: PeersAnswer) => boolean,
  ms = 15_000,
): Promise<PeersAnswer> {
  const end = Date.now() + ms
  let last: PeersAnswer
  do {
    last = (await ask(c, id)).body
    if (ok(last)) return last
    await sleep(200)
  } while (Date.now() < end)
  return last
}

const find = (a: PeersAnswer, p: FieldPeer) => a.peers.find((v) => addr(v) === addr(p))
const hasAll = (a: PeersAnswer, peers: FieldPeer[]) => peers.every((p) => find(a, p))

test('a cold magnet request answers at once with most live peers, not waiting for handshakes or the DHT tail', async (t) => {
  // Silent peers would hold a waiting answer for the whole handshake timeout.
  const c = await collectorFor(t, { CLIENT_ID_TIMEOUT_MS: '5000' })
  const { body, ms } = await ask(c, field.magnet, '?wait=10000')
  const live = field.live.filter((p) => find(body, p)).length
  assert.ok(ms < 1500, `answered after ${ms.toFixed(0)} ms`)
  assert.ok(live >= 0.8 * field.live.length, `${live} of ${field.live.length} live peers`)
  for (const p of field.byKind('silent'))
    assert.equal(find(body, p)?.client, undefined, 'no client for a peer that never answered')
})

test("every source: main tracker and DHT, the magnet's own tracker, and PEX, each peer saying where it came from", async (t) => {
  const c = await collectorFor(t)
  const bothSources = (x: PeersAnswer) =>
    field.byKind('core').every((p) => find(x, p)?.sources.length === 2)
  const a = await askUntil(c, field.magnet, (x) => hasAll(x, field.live) && bothSources(x))
  for (const p of field.byKind('core')) {
    const v = find(a, p)!
    assert.ok(v.sources.includes('tracker') && v.sources.includes('dht'), `${addr(p)} ${v.sources}`)
    assert.deepEqual(v.trackers, [field.trackers.main.udp])
  }
  for (const p of field.byKind('stream')) {
    const v = find(a, p)!
    assert.deepEqual(v.sources, ['stream_tracker'])
    assert.deepEqual(v.trackers, [field.trackers.stream.udp])
  }
  for (const p of field.byKind('pex')) {
    const v = find(a, p)
    assert.ok(v, `PEX-only peer ${addr(p)} listed`)
    assert.deepEqual(v.sources, ['pex'])
  }
  assert.equal(a.sources.stream_tracker, field.byKind('stream').length)
  assert.ok((a.sources.pex ?? 0) >= field.byKind('pex').length)
  const stream = a.trackers?.find((x) => x.url === field.trackers.stream.udp)
  assert.equal(stream?.origin, 'stream')
  assert.equal(stream?.status, 'ok')
})

test('stale entries are listed reachable:false with no client, after the live ones, and cost one attempt each', async (t) => {
  // Refreshing every second offers every peer to the wire again each second.
  const c = await collectorFor(t, { CLIENT_ID_TIMEOUT_MS: '2000', SWARM_REFRESH_SECONDS: '1' })
  const settled = (x: PeersAnswer) =>
    hasAll(x, field.peers) && x.peers.every((p) => p.reachable !== undefined)
  const a = await askUntil(c, field.magnet, settled)
  for (const p of field.stale) {
    const v = find(a, p)!
    assert.equal(v.reachable, false, `${p.kind} ${addr(p)}`)
    assert.equal(v.client, undefined)
    assert.equal(v.connected, undefined)
  }
  for (const p of field.live) assert.equal(find(a, p)!.reachable, true, `${p.kind} ${addr(p)}`)
  assert.equal(a.reachable_count, field.live.length)
  const firstDead = a.peers.findIndex((p: PeerView) => p.reachable === false)
  assert.equal(firstDead, a.peers.length - field.stale.length, 'dead entries sort last')
  assert.ok(
    a.peers.some((p) => p.connected),
    'connections are held for PEX',
  )

  // Several more answers: the negative cache keeps each dead entry at one attempt.
  const silentBefore = field.byKind('silent').map((p) => p.connections)
  const health = async () =>
    ((await (await fetch(`${c.url}/health`)).json()) as { peer_wire: Record<string, number> })
      .peer_wire
  const unreachable = (await health()).unreachable!
  for (let i = 0; i < 5; i++) {
    await ask(c, field.magnet)
    await sleep(600)
  }
  assert.deepEqual(
    field.byKind('silent').map((p) => p.connections),
    silentBefore,
  )
  assert.equal((await health()).unreachable, unreachable, 'no dead entry was tried again')
  assert.ok(unreachable <= field.stale.length, `${unreachable} failed attempts`)
})

test('a stream tracker on a private address is refused without ALLOW_PRIVATE_TRACKERS; ws:// is ignored', async (t) => {
  const c = await collectorFor(t, { ALLOW_PRIVATE_TRACKERS: 'false' })
  let contacted = 0
  const count = () => contacted++
  field.streamTracker.on('start', count)
  field.streamTracker.on('update', count)
  t.after(async () => {
    field.streamTracker.off('start', count)
    field.streamTracker.off('update', count)
  })
  const magnet = `${field.magnet}&tr=${encodeURIComponent('wss://127.0.0.1:1/announce')}`
  const { body } = await ask(c, magnet, '?wait=2000')
  const refused = body.trackers?.find((x) => x.url === field.trackers.stream.udp)
  assert.equal(refused?.status, 'refused')
  assert.match(refused?.reason ?? '', /loopback/)
  const ws = body.trackers?.find((x) => x.url.startsWith('wss:'))
  assert.equal(ws?.status, 'ignored')
  assert.equal(body.sources.stream_tracker, 0)
  for (const p of field.byKind('stream')) assert.equal(find(body, p), undefined)
  await ask(c, magnet)
  assert.equal(contacted, 0, 'the refused tracker never heard from the collector')
})

test('an answer for a magnet with many trackers still fits the shared peers contract', async (t) => {
  const c = await collectorFor(t)
  const many = Array.from(
    { length: 80 },
    (_, i) => `&tr=${encodeURIComponent(`wss://127.0.0.1:${i + 1}/a`)}`,
  )
  const { body } = await ask(c, field.magnet + many.join(''), '?wait=2000')
  const parsed = parsePeersAnswer(body) // what the orchestrator does with every answer
  assert.equal(parsed.peer_count, body.peers.length)
  assert.ok(body.peers.length > 0)
  assert.ok((body.trackers?.length ?? 0) <= 64)
  assert.ok(body.trackers?.some((x) => x.status === 'ignored'))
})

test('PEX peers age out like others once nobody mentions them', async (t) => {
  // One tracker peer that names, over PEX, an address where nothing listens.
  const dead = '127.0.250.7:9'
  const swarm = await createLocalSwarm({
    peers: 1,
    mode: 'tracker',
    dhtNodes: 1,
    onConnection: (socket) => serveBtPeer(socket, { pex: [dead] }),
  })
  t.after(() => swarm.close())
  const c = await startCollector({
    swarm,
    trackers: 'udp',
    dht: false,
    env: { PEER_TTL_SECONDS: '1', SWARM_REFRESH_SECONDS: '1', TRACKER_MIN_INTERVAL_SECONDS: '1' },
  })
  t.after(() => c.close())
  const listed = (a: PeersAnswer) => a.peers.some((p) => addr(p) === dead)
  const seen = await askUntil(c, swarm.infohash, listed, 5000)
  assert.ok(listed(seen), 'the PEX peer is listed')
  assert.deepEqual(seen.peers.find((p) => addr(p) === dead)?.sources, ['pex'])
  // Nothing names it again (PEX announces a peer once), so it goes after PEER_TTL_SECONDS
  // (at least three refreshes); the tracker peer, held open and re-announced, stays.
  const gone = await askUntil(c, swarm.infohash, (a) => !listed(a), 10_000)
  assert.ok(!listed(gone), 'the PEX peer aged out')
  assert.ok(
    gone.peers.some((p) => addr(p) === addr(swarm.peers[0]!)),
    'the tracker peer is still listed',
  )
})

test('no answer waits for a handshake: peers that never answer do not delay a cold answer', async (t) => {
  const swarm = await createLocalSwarm({
    peers: 6,
    mode: 'tracker',
    dhtNodes: 1,
    onConnection: () => {}, // accept and never say a word
  })
  t.after(() => swarm.close())
  // A real enricher that handshakes too, with the shipped ENRICH_WAIT_MS: neither the wire's
  // handshakes nor the enricher's may hold the answer (the old default held it 500 ms).
  const env = { CLIENT_ID_TIMEOUT_MS: '8000' }
  const settings = loadSettings(ENRICH_SETTINGS, env)
  const enricher = createPeerEnricher({ settings, geoIp: null, identifyClients: true })
  const c = await startCollector({ swarm, dht: false, env, enricher })
  t.after(() => c.close())
  const { body, ms } = await ask(c, swarm.infohash, '?wait=10000')
  assert.equal(body.peer_count, 6)
  assert.ok(ms < 450, `answered after ${ms.toFixed(0)} ms with handshakes pending for 8 s`)
  assert.ok(body.peers.every((p) => p.reachable === undefined && p.client === undefined))
})

test('over MAX_CONCURRENT_LOOKUPS new swarms queue and answer discovering:true; a full queue is 503', async (t) => {
  // A "tracker" that never answers keeps the first lookup running.
  const silent = createSocket('udp4')
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()))
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())))
  const c = await startCollector({
    env: {
      TRACKERS: `udp://127.0.0.1:${silent.address().port}/announce`,
      MAX_CONCURRENT_LOOKUPS: '1',
      MAX_QUEUED_LOOKUPS: '1',
    },
  })
  t.after(() => c.close())
  await ask(c, 'a'.repeat(40), '?wait=0')
  const queued = await ask(c, 'b'.repeat(40), '?wait=5000')
  assert.ok(queued.ms < 1000, `a queued swarm answers at once (${queued.ms.toFixed(0)} ms)`)
  assert.equal(queued.body.discovering, true)
  assert.deepEqual(queued.body.peers, [])
  const res = await fetch(`${c.url}/peers/${'c'.repeat(40)}`)
  assert.equal(res.status, 503)
  assert.equal(res.headers.get('retry-after'), '1')
  const h = (await (await fetch(`${c.url}/health`)).json()) as Record<string, number>
  assert.equal(h.queued_lookups, 1)
})

test('queued swarms are looked up in turn and then show their peers', async (t) => {
  const swarm = await createLocalSwarm({ peers: 2, mode: 'tracker', dhtNodes: 1 })
  t.after(() => swarm.close())
  const more = [await swarm.addTorrent({ peers: 2 }), await swarm.addTorrent({ peers: 2 })]
  const c = await startCollector({
    swarm,
    trackers: 'udp',
    dht: false,
    env: { MAX_CONCURRENT_LOOKUPS: '1' },
  })
  t.after(() => c.close())
  const all = [swarm, ...more]
  const first = await Promise.all(all.map((x) => ask(c, x.infohash, '?wait=0')))
  assert.ok(first.every((f) => f.body.discovering === true))
  for (const x of all) {
    const a = await askUntil(c, x.infohash, (b) => b.peer_count === 2, 5000)
    assert.equal(a.peer_count, 2, x.infohash)
    assert.equal(a.discovering, false)
  }
})
