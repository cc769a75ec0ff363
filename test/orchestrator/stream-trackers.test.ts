// Guards that the orchestrator forwards what it knows about a stream's swarm: when the stream's
// key is a magnet, or its stream_started event names the stream's own trackers, the collector
// is asked with a magnet carrying them, so peers known only to the stream's tracker (as an
// AceStream broadcast's are) reach the API and the Peers tab. A real collector (in process)
// discovers a field-like loopback swarm whose second tracker only the stream names.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startCollector } from '../helpers/collector-process.ts'
import { createEngineSimulator, registerSimulatedStream } from '../helpers/engine-simulator.ts'
import { createFieldSwarm } from '../helpers/field-swarm.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually } from '../helpers/wait.ts'

const enc = encodeURIComponent
const JSON_HEADERS = { 'content-type': 'application/json' }

const addr = (p: { ip: string; port: number }) => `${p.ip}:${p.port}`

test("peers known only to the stream's own tracker show once the event or the magnet key names it", async (t) => {
  const field = await createFieldSwarm({
    core: 4,
    streamOnly: 3,
    pexOnly: 0,
    refusing: 0,
    silent: 0,
    dhtNodes: 2,
  })
  t.after(() => field.close())
  // The collector knows only the main tracker, as it knows only public ones in the field.
  const collector = await startCollector({
    swarm: { trackerUrls: field.trackers.main, dhtBootstrap: field.dhtBootstrap },
    trackers: 'udp',
    dht: false,
  })
  t.after(() => collector.close())
  const engine = await createEngineSimulator({ infohash: field.infohash })
  t.after(() => engine.close())
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
    CACHE_TTL_SECONDS: '0',
    COLLECT_INTERVAL_S: '1',
  })
  t.after(() => orch.close())

  const core = new Set(field.byKind('core').map(addr))
  const streamOnly = field.byKind('stream').map(addr)
  const peersOf = async (id: string) => {
    const res = await fetch(`${orch.url}/streams/${enc(id)}/peers`)
    const body = (await res.json()) as any
    assert.equal(res.status, 200, JSON.stringify(body))
    return body
  }
  const listsAll = (body: any, want: Iterable<string>) => {
    const got = new Set(body.peers.map(addr))
    return [...want].every((a) => got.has(a))
  }

  // No trackers known: the collector is asked with the bare infohash and, once settled, lists
  // the main tracker's peers only.
  const plain = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    streamId: 'plain',
    withInfohash: true,
  })
  assert.equal(plain.response.status, 200)
  const bare = await eventually(
    async () => {
      const body = await peersOf('plain')
      return listsAll(body, core) && body.discovering !== true ? body : undefined
    },
    { timeoutMs: 20_000, what: 'the main tracker peers, settled' },
  )
  assert.equal(bare.acestream_id, field.infohash, 'asked with the bare infohash')
  for (const a of streamOnly) assert.ok(!bare.peers.some((p: any) => addr(p) === a), a)

  // The event names the stream's tracker: asked with a magnet carrying it, the stream-only
  // peers appear, found by the stream's tracker.
  const withTrackers = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    streamId: 'with-trackers',
    withInfohash: true,
    trackers: [field.trackers.stream.udp],
  })
  assert.deepEqual((withTrackers.body as any).trackers, [field.trackers.stream.udp])
  const viaEvent = await eventually(
    async () => {
      const body = await peersOf('with-trackers')
      return listsAll(body, streamOnly) ? body : undefined
    },
    { timeoutMs: 20_000, what: "the stream tracker's peers" },
  )
  assert.equal(
    viaEvent.acestream_id,
    `magnet:?xt=urn:btih:${field.infohash}&tr=${enc(field.trackers.stream.udp)}`,
  )
  for (const a of streamOnly) {
    const p = viaEvent.peers.find((x: any) => addr(x) === a)
    assert.ok(p.sources.includes('stream_tracker'), `${a}: ${JSON.stringify(p)}`)
  }
  assert.ok(
    viaEvent.trackers.some(
      (tr: any) => tr.url === field.trackers.stream.udp && tr.origin === 'stream',
    ),
    JSON.stringify(viaEvent.trackers),
  )
  // The Peers tab, as the page renders it, lists them too.
  const page = await (await fetch(`${orch.url}/panel/streams?peers=with-trackers`)).text()
  for (const a of streamOnly)
    assert.match(page, new RegExp(`data-peer="${a.replace(/\./g, '\\.')}"`))

  // A magnet key names the swarm and its tracker itself; no infohash in the event needed.
  const byMagnet = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    streamId: 'magnet',
    keyType: 'magnet',
    contentId: field.magnet,
  })
  const registered = byMagnet.body as any
  assert.equal(registered.infohash, field.infohash)
  assert.equal(registered.infohash_source, 'key')
  assert.deepEqual(registered.trackers, [field.trackers.stream.udp])
  const viaMagnet = await peersOf('magnet')
  assert.match(viaMagnet.acestream_id, /^magnet:\?xt=urn:btih:[0-9a-f]{40}&tr=udp/)
  assert.ok(listsAll(viaMagnet, streamOnly), JSON.stringify(viaMagnet.peers.map(addr)))

  // A magnet stream registered without its trackers (as one restored after a restart is) still
  // asks with the magnet key's own trackers.
  const { trackers: _dropped, ...rest } = orch.store.get('magnet')!
  orch.store.start({ ...rest, id: 'restored' })
  assert.equal(orch.store.get('restored')!.trackers, undefined)
  const restored = await peersOf('restored')
  assert.equal(restored.acestream_id, viaMagnet.acestream_id)
})

test('session.trackers is checked: udp, http or https announce URLs without a password, at most 16', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const start = async (trackers: unknown) => {
    const res = await orch.app.request('/events/stream_started', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        engine: { host: '127.0.0.1', port: 9 },
        stream: { key_type: 'content_id', key: 'a'.repeat(40) },
        session: {
          playback_session_id: 'p',
          stat_url: '/ace/stat/x/y',
          command_url: '/ace/cmd/x/y',
          is_live: 1,
          trackers,
        },
        labels: { stream_id: 's' },
      }),
    })
    return { status: res.status, body: (await res.json()) as any }
  }
  const cases: Array<[unknown, RegExp]> = [
    [['ws://tracker.test/announce'], /session\.trackers\.0: expected a udp:\/\//],
    [['udp://t:1/announce', 'file:///etc/passwd'], /session\.trackers\.1/],
    [['http://user:hunter2@t:80/announce'], /user name or password/],
    [['udp://t:1/a b'], /whitespace/],
    [[`http://t/${'a'.repeat(600)}`], /session\.trackers\.0/],
    [Array.from({ length: 17 }, (_, i) => `udp://t${i}:1/announce`), /session\.trackers/],
    ['udp://t:1/announce', /session\.trackers/],
  ]
  for (const [trackers, detail] of cases) {
    const r = await start(trackers)
    assert.equal(r.status, 422, JSON.stringify(trackers).slice(0, 80))
    assert.match(r.body.detail, detail)
    assert.doesNotMatch(JSON.stringify(r.body), /hunter2/)
  }
  const ok = await start(['udp://t:1/announce', 'https://t/announce?k=1', 'udp://t:1/announce'])
  assert.equal(ok.status, 200)
  assert.deepEqual(ok.body.trackers, ['udp://t:1/announce', 'https://t/announce?k=1'])
  const none = await start(null)
  assert.equal(none.status, 200)
  assert.equal('trackers' in none.body, false, 'no trackers, no field')
})
