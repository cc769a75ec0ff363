// The orchestrator's live views on real parts (local swarm, in-process collector behind a real
// listener we can stop and restart on the same port, engine simulator, orchestrator on loopback):
// a joining peer reaches GET /streams/{id}/peers/events as an `added` diff within 7 s with the
// collector refreshing every 3 s; 50 watchers of one stream make one upstream subscription at the
// collector, closed after the last leaves; the collector going down shows as `stale` and coming
// back as `live` with peers flowing again; GET /streams/events pushes polled stats.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { serve, type ServerType } from '@hono/node-server'
import { loadCollectorConfig } from '../../collector/config.ts'
import { createCollectorService, type CollectorService } from '../../collector/service.ts'
import { peerKey } from '../../lib/contract/peers.ts'
import { createLogger } from '../../lib/log.ts'
import { localCollectorEnv } from '../helpers/collector-process.ts'
import { watchEvents, type EventWatcher } from '../helpers/event-stream.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../helpers/engine-simulator.ts'
import { createLocalSwarm, type LocalSwarm } from '../helpers/local-swarm.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually } from '../helpers/wait.ts'

let swarm: LocalSwarm
let service: CollectorService
let server: ServerType | undefined
let collectorPort = 0
let engine: EngineSimulator
let orch: Awaited<ReturnType<typeof startTestOrchestrator>>
let streamId: string
/** Event-stream requests the collector received, and how many are open now. */
const upstream = { total: 0, open: 0 }

/** The collector's HTTP listener, counting event-stream requests as the collector sees them. */
async function listen(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = serve(
      {
        fetch: async (req, env) => {
          if (new URL(req.url).pathname.endsWith('/events')) {
            upstream.total++
            upstream.open++
            req.signal.addEventListener('abort', () => upstream.open--, { once: true })
          }
          return service.app.fetch(req, env)
        },
        port,
        hostname: '127.0.0.1',
      },
      (info) => resolve(info.port),
    )
    s.once('error', reject)
    server = s
  })
}

async function stopListening() {
  const s = server
  server = undefined
  await new Promise<void>((resolve) => {
    s?.close(() => resolve())
    if (s && 'closeAllConnections' in s) s.closeAllConnections()
  })
}

before(async () => {
  swarm = await createLocalSwarm({ peers: 3, mode: 'tracker', dhtNodes: 1 })
  const config = loadCollectorConfig(
    localCollectorEnv({
      swarm,
      trackers: 'udp',
      dht: false,
      env: { SWARM_REFRESH_SECONDS: '3', TRACKER_MIN_INTERVAL_SECONDS: '1' },
    }),
  )
  service = createCollectorService(config, { log: createLogger('collector', 'warn') })
  await service.start()
  collectorPort = await listen(0)
  engine = await createEngineSimulator({ infohash: swarm.infohash })
  orch = await startTestOrchestrator({
    COLLECT_INTERVAL_S: '1',
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: `http://127.0.0.1:${collectorPort}`,
  })
  ;({ streamId } = await registerSimulatedStream({ orchestratorUrl: orch.url, engine }))
  // The engine reports the infohash on the first poll.
  const deadline = Date.now() + 10_000
  while (!orch.store.get(streamId)?.infohash) {
    if (Date.now() > deadline) throw new Error('infohash never reported')
    await orch.poller.pollOnce()
  }
})

after(async () => {
  await orch?.close()
  await engine?.close()
  await stopListening()
  await service?.close()
  await swarm?.close()
})

const peersEvents = () =>
  `${orch.url}/streams/${encodeURIComponent(streamId)}/peers/events?heartbeat=1`

type Peer = { ip: string; port: number }
const addedKey = (key: string) => (e: { event: string; data: { added?: Peer[] } }) =>
  e.event === 'diff' && Boolean(e.data.added?.some((p) => peerKey(p) === key))

test('a peer joining the swarm reaches an open peers event stream as an added diff within 7 s', async (t) => {
  const w = watchEvents(peersEvents())
  t.after(() => w.close())
  const snap = await w.waitFor((e) => e.event === 'snapshot', 15_000)
  assert.equal(snap.data.answer.stream_id, streamId)
  assert.equal(snap.data.answer.infohash, swarm.infohash)
  assert.ok(snap.data.churn, 'churn figures come with the snapshot')

  const from = w.events.length
  const joined = Date.now()
  const peer = await swarm.addPeer()
  const hit = await w.waitFor(addedKey(peerKey(peer)), 7000, from)
  console.log(`joining peer reached the orchestrator's event stream in ${hit.at - joined} ms`)
  assert.ok(hit.at - joined <= 7000)
  assert.match(hit.id!, /^[0-9a-z]+\.\d+$/)
  assert.equal(typeof hit.data.churn.joins_per_min, 'number')
})

test('a browser reconnecting with Last-Event-ID gets only the diffs it missed', async (t) => {
  // A second watcher keeps the feed (and its ring of diffs) while the first is away.
  const keeper = watchEvents(peersEvents())
  t.after(() => keeper.close())
  await keeper.waitFor((e) => e.event === 'snapshot', 15_000)
  const first = watchEvents(peersEvents())
  const snap = await first.waitFor((e) => e.event === 'snapshot', 15_000)
  const lastId = [...first.events].reverse().find((e) => e.id)!.id!
  first.close()
  const peer = await swarm.addPeer()
  await keeper.waitFor(addedKey(peerKey(peer)), 10_000)
  const back = watchEvents(peersEvents(), { 'last-event-id': lastId })
  t.after(() => back.close())
  const missed = await back.waitFor((e) => e.event !== 'heartbeat' && e.event !== 'status', 5000)
  assert.equal(missed.event, 'diff', 'no new snapshot')
  assert.equal(missed.id!.split('.')[0], snap.id!.split('.')[0])
  await back.waitFor(addedKey(peerKey(peer)), 5000)
})

test('50 browsers watching one stream make one upstream subscription, closed after the last leaves', async (t) => {
  // Let any earlier watcher's upstream linger out first.
  await eventually(() => upstream.open === 0, { timeoutMs: 15_000, intervalMs: 100 }).catch(
    () => {},
  )
  assert.equal(upstream.open, 0)
  const before = upstream.total
  const watchers: EventWatcher[] = []
  for (let i = 0; i < 50; i++) watchers.push(watchEvents(peersEvents()))
  t.after(() => watchers.forEach((w) => w.close()))
  await Promise.all(watchers.map((w) => w.waitFor((e) => e.event === 'snapshot', 15_000)))
  assert.equal(upstream.total - before, 1, 'one subscription at the collector')
  assert.equal(upstream.open, 1)

  // A change reaches every one of them.
  const peer = await swarm.addPeer()
  await Promise.all(watchers.map((w) => w.waitFor(addedKey(peerKey(peer)), 10_000)))

  for (const w of watchers) w.close()
  await eventually(() => upstream.open === 0, { timeoutMs: 15_000, intervalMs: 100 }).catch(
    () => {},
  )
  assert.equal(upstream.open, 0, 'the upstream closes once nobody watches')
})

test('the collector going down shows as stale, and coming back as live with peers flowing again', async (t) => {
  const w = watchEvents(peersEvents())
  t.after(() => w.close())
  await w.waitFor((e) => e.event === 'snapshot', 15_000)
  const from = w.events.length
  await stopListening()
  const stale = await w.waitFor(
    (e) => e.event === 'status' && e.data.state === 'stale',
    10_000,
    from,
  )
  assert.ok(Date.parse(stale.data.since))
  assert.match(stale.data.detail, /127\.0\.0\.1/)

  const peer = await swarm.addPeer()
  await listen(collectorPort)
  await w.waitFor((e) => e.event === 'status' && e.data.state === 'live', 20_000, from)
  await w.waitFor(addedKey(peerKey(peer)), 10_000, from)
})

test('GET /streams/events sends the streams page, then again each time a poll changed it', async (t) => {
  const w = watchEvents(`${orch.url}/streams/events?heartbeat=1`)
  t.after(() => w.close())
  const first = await w.waitFor((e) => e.event === 'page', 5000)
  const row = first.data.page.streams.find((s: { id: string }) => s.id === streamId)
  assert.ok(row, 'the stream is listed')
  assert.equal(row.stat_url, undefined, 'rows carry no engine URLs')
  assert.equal(first.data.page.summary.active, 1)
  assert.equal(first.data.settings.PEER_COLLECTOR_ENABLED, true)
  // The simulator's figures move every poll, so the next cycle sends the page again.
  const next = await w.waitFor((e) => e.event === 'page', 10_000, w.events.indexOf(first) + 1)
  assert.ok(Number(next.id) > Number(first.id))
  assert.equal(typeof next.data.page.streams[0].peers, 'number')
  // A view asks like GET /streams does; a text that matches nothing gives an empty page.
  const none = watchEvents(`${orch.url}/streams/events?q=no-such-stream&limit=10`)
  t.after(() => none.close())
  const empty = await none.waitFor((e) => e.event === 'page', 5000)
  assert.deepEqual(empty.data.page.streams, [])
  assert.equal(empty.data.page.total, 0)
})

test('live views answer JSON errors like the peers route: unknown stream 404, bad heartbeat 400', async () => {
  const unknown = await fetch(`${orch.url}/streams/nope/peers/events`)
  assert.equal(unknown.status, 404)
  assert.equal((await unknown.json()).error, 'stream not found')
  const bad = await fetch(`${orch.url}/streams/events?heartbeat=9999`)
  assert.equal(bad.status, 400)
  // A bad view is refused as GET /streams refuses it.
  const badView = await fetch(`${orch.url}/streams/events?limit=0`)
  const badList = await fetch(`${orch.url}/streams?limit=0`)
  assert.equal(badView.status, badList.status)
  assert.ok(badView.status >= 400 && badView.status < 500)
})

test('the privacy setting persists, masks addresses on the page, and leaves the JSON API alone', async (t) => {
  const patch = (on: boolean) =>
    fetch(`${orch.url}/config/runtime`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ MASK_PEER_ADDRESSES: on }),
    })
  t.after(() => patch(false))
  assert.equal((await patch(true)).status, 200)
  assert.equal((await (await fetch(`${orch.url}/config/runtime`)).json()).MASK_PEER_ADDRESSES, true)
  const page = await (
    await fetch(`${orch.url}/panel/streams?peers=${encodeURIComponent(streamId)}`)
  ).text()
  assert.match(page, /data-peer="127\.0\.0\.x:\d+"/)
  assert.doesNotMatch(page, /data-peer="127\.0\.0\.\d+:/)
  const api = await (
    await fetch(`${orch.url}/streams/${encodeURIComponent(streamId)}/peers`)
  ).json()
  assert.match(api.peers[0].ip, /^127\.0\.0\.\d+$/)
  const settings = await (await fetch(`${orch.url}/panel/settings`)).text()
  assert.match(settings, /name="MASK_PEER_ADDRESSES"[^>]*checked/)
})
