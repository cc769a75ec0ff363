// Guards PEER_COLLECTOR_URL naming several collectors (one per VPN): each is asked in parallel,
// their answers are merged by ip:port with every peer saying which collector(s) saw it, and the
// answer comes from whichever are up; only when none answers is it the single collector's 503.
// Real collectors (in process) on two local swarms of the same infohash, one on each tracker,
// with one peer on both; a third URL where nothing listens.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { startCollector } from '../helpers/collector-process.ts'
import { announceUdp, createLocalSwarm } from '../helpers/local-swarm.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually, freePort } from '../helpers/wait.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }

const addr = (p: { ip: string; port: number }) => `${p.ip}:${p.port}`

test('two collectors and a dead one: peers merged by ip:port, each naming its collectors; one left still answers; none left is a 503', async (t) => {
  const one = await createLocalSwarm({ peers: 3, mode: 'tracker' })
  t.after(() => one.close())
  const two = await createLocalSwarm({ peers: 2, mode: 'tracker', infohash: one.infohash })
  t.after(() => two.close())
  // One peer of the first swarm is on the second tracker too: both collectors see it.
  const shared = one.peers[0]!
  await announceUdp(Number(new URL(two.trackerUrls.udp.replace(/^udp:/, 'http:')).port), {
    ip: shared.ip,
    infohash: one.infohash,
    peerId: randomBytes(20).toString('hex'),
    port: shared.port,
    event: 'started',
    left: 0,
  })
  const a = await startCollector({ swarm: one, trackers: 'udp', dht: false })
  t.after(() => a.close())
  const b = await startCollector({ swarm: two, trackers: 'udp', dht: false })
  t.after(() => b.close())
  const dead = `http://127.0.0.1:${await freePort()}`

  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: `${a.url}, ${b.url}/,${dead}`,
    CACHE_TTL_SECONDS: '0',
    COLLECTOR_TIMEOUT_S: '10',
  })
  t.after(() => orch.close())

  const settings = (await (await orch.app.request('/config/runtime')).json()) as any
  assert.equal(settings.PEER_COLLECTOR_URL, `${a.url},${b.url},${dead}`, 'normalised list')

  const started = await orch.app.request('/events/stream_started', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({
      engine: { host: '127.0.0.1', port: 9 },
      stream: { key_type: 'content_id', key: 'f'.repeat(40) },
      session: {
        playback_session_id: 's1',
        stat_url: 'http://127.0.0.1:9/ace/stat/x/y',
        command_url: 'http://127.0.0.1:9/ace/cmd/x/y',
        is_live: 1,
        infohash: one.infohash,
      },
      labels: { stream_id: 'ch' },
    }),
  })
  assert.equal(started.status, 200)

  const all = new Set([...one.peers, ...two.peers].map(addr))
  const merged = await eventually(
    async () => {
      const res = await orch.app.request('/streams/ch/peers')
      const body = (await res.json()) as any
      assert.equal(res.status, 200, JSON.stringify(body))
      const seen = body.peers.filter((p: any) => p.collectors.length === 2).length
      return body.peer_count === all.size && seen === 1 ? body : undefined
    },
    { timeoutMs: 20_000, what: 'every peer of both swarms, merged' },
  )
  assert.equal(merged.stream_id, 'ch')
  assert.equal(merged.infohash, one.infohash)
  assert.deepEqual(new Set(merged.peers.map(addr)), all, 'each peer once')
  assert.equal(merged.sources.tracker, all.size, 'the shared peer counts once')
  const collectorsOf = (p: { ip: string; port: number }) =>
    merged.peers.find((x: any) => addr(x) === addr(p)).collectors
  assert.deepEqual(collectorsOf(shared), [a.url, b.url])
  assert.deepEqual(collectorsOf(one.peers[1]!), [a.url])
  assert.deepEqual(collectorsOf(two.peers[0]!), [b.url])
  assert.deepEqual(
    merged.collectors.map((c: any) => [c.url, c.ok, c.error]),
    [
      [a.url, true, undefined],
      [b.url, true, undefined],
      [dead, false, 'peer collector unavailable'],
    ],
  )

  // The second collector goes away: the first still answers, its view alone.
  await b.close()
  const left = await eventually(
    async () => {
      const res = await orch.app.request('/streams/ch/peers')
      const body = (await res.json()) as any
      return res.status === 200 && body.collectors[1].ok === false ? body : undefined
    },
    { timeoutMs: 20_000, what: 'an answer from the first collector alone' },
  )
  assert.deepEqual(new Set(left.peers.map(addr)), new Set(one.peers.map(addr)))
  assert.deepEqual(collectorsOf(shared), [a.url, b.url], '(the earlier answer, unchanged)')
  assert.deepEqual(
    left.peers.find((x: any) => addr(x) === addr(shared)).collectors,
    [a.url],
    'only the collector that answered',
  )

  // The Peers tab says which collector is missing from the list.
  const page = await (await orch.app.request('/panel/streams?peers=ch')).text()
  assert.match(page, /data-collectors-down="2"/)
  assert.match(page, /2 of 3 collectors did not answer/)
  assert.ok(page.includes(`${b.url}: peer collector unavailable`))

  // None left: the same 503 a single collector gives, with each collector's reason.
  await a.close()
  const res = await orch.app.request('/streams/ch/peers')
  const body = (await res.json()) as any
  assert.equal(res.status, 503)
  assert.equal(res.headers.get('retry-after'), '10')
  assert.equal(body.error, 'peer collector unavailable')
  assert.deepEqual(
    body.collectors.map((c: any) => c.ok),
    [false, false, false],
  )
  for (const url of [a.url, b.url, dead]) assert.ok(body.detail.includes(url), body.detail)
  const streams = await orch.app.request('/streams')
  assert.equal(streams.status, 200, 'the rest of the API keeps answering')
})

test('PATCH /config/runtime takes a comma-separated list or an array of collector URLs, each checked, at most 8', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const patch = async (body: unknown) => {
    const res = await orch.app.request('/config/runtime', {
      method: 'PATCH',
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as any }
  }

  const one = await patch({ PEER_COLLECTOR_URL: 'http://gluetun:8080/' })
  assert.equal(one.status, 200)
  assert.equal(one.body.PEER_COLLECTOR_URL, 'http://gluetun:8080', 'one URL reads as before')

  const list = await patch({ PEER_COLLECTOR_URL: ' http://gluetun:8080 ,http://gluetun-2:8080/' })
  assert.equal(list.status, 200)
  assert.equal(list.body.PEER_COLLECTOR_URL, 'http://gluetun:8080,http://gluetun-2:8080')

  const array = await patch({ PEER_COLLECTOR_URL: ['http://a:1', 'http://b:2', 'http://a:1/'] })
  assert.equal(array.status, 200)
  assert.equal(array.body.PEER_COLLECTOR_URL, 'http://a:1,http://b:2', 'duplicates dropped')

  // Empty items between commas are dropped, as in the environment's lists.
  const gaps = await patch({ PEER_COLLECTOR_URL: 'http://a:1, ,' })
  assert.equal(gaps.body.PEER_COLLECTOR_URL, 'http://a:1')

  const bad: Array<[unknown, RegExp]> = [
    ['http://a:1,http://u:hunter2@b:2', /URL 2 of 2: must not contain a user name or password/],
    ['http://a:1,ftp://b:2', /URL 2 of 2: expected an http or https URL/],
    [' , ', /at least one/],
    [Array.from({ length: 9 }, (_, i) => `http://c${i}:8080`).join(','), /at most 8/],
    [Array.from({ length: 9 }, (_, i) => `http://c${i}:8080`), /PEER_COLLECTOR_URL/],
  ]
  for (const [value, detail] of bad) {
    const r = await patch({ PEER_COLLECTOR_URL: value })
    assert.equal(r.status, 422, String(value))
    assert.match(r.body.detail, detail, String(value))
    assert.doesNotMatch(JSON.stringify(r.body), /hunter2/, 'the password is never echoed')
  }
  assert.equal(orch.runtime.get().PEER_COLLECTOR_URL, 'http://a:1', 'refused lists change nothing')
})

test('PEER_COLLECTOR_URL in the environment takes a list; a bad item stops the start, naming the variable', async () => {
  const { loadOrchestratorConfig } = await import('../../orchestrator/config.ts')
  assert.equal(
    loadOrchestratorConfig({ PEER_COLLECTOR_URL: 'http://gluetun:8080/, http://gluetun-2:8080' })
      .PEER_COLLECTOR_URL,
    'http://gluetun:8080,http://gluetun-2:8080',
  )
  assert.throws(
    () => loadOrchestratorConfig({ PEER_COLLECTOR_URL: 'http://g:1,http://u:hunter2@g:2' }),
    (err: Error) =>
      /^Invalid setting PEER_COLLECTOR_URL: URL 2 of 2/.test(err.message) &&
      !/hunter2/.test(err.message),
  )
})

test('a collector that hangs holds the merged answer only a few seconds past the first answer', async (t) => {
  const swarm = await createLocalSwarm({ peers: 2, mode: 'tracker' })
  t.after(() => swarm.close())
  const up = await startCollector({ swarm, trackers: 'udp', dht: false })
  t.after(() => up.close())
  // Accepts connections and never answers, like a collector whose VPN is half up.
  const held = new Set<import('node:net').Socket>()
  const hanging = createServer((s) => void held.add(s))
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()))
  t.after(() => {
    for (const s of held) s.destroy()
    hanging.close()
  })
  const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: `${hangingUrl},${up.url}`,
    COLLECTOR_TIMEOUT_S: '60',
  })
  t.after(() => orch.close())
  await orch.app.request('/events/stream_started', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({
      engine: { host: '127.0.0.1', port: 9 },
      stream: { key_type: 'infohash', key: swarm.infohash },
      session: {
        playback_session_id: 'p',
        stat_url: '/ace/stat/x/y',
        command_url: '/ace/cmd/x/y',
        is_live: 1,
      },
      labels: { stream_id: 'h' },
    }),
  })
  const t0 = Date.now()
  const res = await orch.app.request('/streams/h/peers')
  const elapsed = Date.now() - t0
  const body = (await res.json()) as any
  assert.equal(res.status, 200, JSON.stringify(body))
  assert.ok(elapsed < 15_000, `answered after ${elapsed} ms, not the 60 s timeout`)
  assert.deepEqual(
    body.collectors.map((c: any) => [c.url, c.ok, c.error]),
    [
      [hangingUrl, false, 'peer collector timed out'],
      [up.url, true, undefined],
    ],
  )
  assert.match(body.collectors[0].detail, /after another collector answered/)
  for (const p of body.peers) assert.deepEqual(p.collectors, [up.url])
})
