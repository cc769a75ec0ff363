// Guards the orchestrator against hostile input it met in a hardening review: stream ids that
// are object keys, malformed engine addresses, collector URLs that would make the health probe
// fetch other paths, and stream_ended events that must not end the wrong stream. Each test
// drives the real app in-process (`app.request()`) or over loopback HTTP.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Hono } from 'hono'
import { createErrorHandler } from '../../lib/http-error.ts'
import { createPanel } from '../../orchestrator/panel/index.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { createFixtureData, sampleStream } from '../ui/fixtures.ts'
import { assertNodeRejectionsAnswerJson } from '../helpers/raw-http.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }

function startedEvent(over: Record<string, unknown> = {}, session: Record<string, unknown> = {}) {
  return {
    container_id: 'engine-a',
    engine: { host: '127.0.0.1', port: 9 },
    stream: { key_type: 'content_id', key: 'a'.repeat(40) },
    session: {
      playback_session_id: 'sess1',
      stat_url: 'http://127.0.0.1:9/ace/stat/x/tok1',
      command_url: 'http://127.0.0.1:9/ace/cmd/x/tok1',
      is_live: 1,
      ...session,
    },
    ...over,
  }
}

type App = { request(path: string, init?: RequestInit): Response | Promise<Response> }

async function post(app: App, path: string, body: unknown) {
  const res = await app.request(path, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as any }
}

const OBJECT_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']

test('streams whose ids are object keys render as ordinary rows, closed unless asked', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  for (const id of OBJECT_KEYS) {
    const r = await post(
      orch.app,
      '/events/stream_started',
      startedEvent({ labels: { stream_id: id } }, { playback_session_id: id }),
    )
    assert.equal(r.status, 200, id)
    assert.equal(r.body.id, id)
  }
  const res = await orch.app.request('/panel/streams')
  assert.equal(res.status, 200)
  const html = await res.text()
  for (const id of OBJECT_KEYS) {
    assert.match(html, new RegExp(`data-stream="${id}" data-open="false"`), id)
  }
  assert.doesNotMatch(html, /data-open="true"/, 'no row opens by itself')

  // Asked for, they open like any other id, each on its own tab.
  const asked = await orch.app.request('/panel/streams?open=__proto__&open=constructor')
  assert.equal(asked.status, 200)
  const opened = await asked.text()
  assert.match(opened, /data-stream="__proto__" data-open="true"/)
  assert.match(opened, /data-stream="constructor" data-open="true"/)
  assert.match(opened, /data-stream="toString" data-open="false"/)
  for (const id of OBJECT_KEYS) {
    const one = await orch.app.request(`/streams/${encodeURIComponent(id)}/stats`)
    assert.equal(one.status, 200, id)
    assert.deepEqual(await one.json(), [])
  }
})

test('a page that fails to render answers the HTML error page, not JSON', async () => {
  // A stream without a key makes the table's formatter throw while rendering.
  const broken = sampleStream(1, { key: undefined as unknown as string })
  const app = new Hono()
  app.onError(createErrorHandler(() => {}))
  app.route('/', createPanel({ data: createFixtureData([broken]) }))
  const res = await app.request('/panel/streams')
  assert.equal(res.status, 500)
  assert.match(res.headers.get('content-type') ?? '', /text\/html/)
  const html = await res.text()
  assert.match(html, /Something went wrong/)
  assert.match(html, /Go to Streams/)
})

test('malformed engine addresses are 422s naming the field, never 500s', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const paths = { stat_url: '/ace/stat/x/t', command_url: '/ace/cmd/x/t' }
  for (const host of ['bad host', '[', '%zz', '#', 'a/b', 'user@h', 'h?x', '[not-v6]', '']) {
    const r = await post(
      orch.app,
      '/events/stream_started',
      startedEvent({ engine: { host, port: 6878 } }, paths),
    )
    assert.equal(r.status, 422, JSON.stringify(host))
    assert.match(r.body.detail, /engine\.host/, JSON.stringify(host))
  }
  const badUrls: Array<[string, string]> = [
    ['stat_url', '//evil.test/ace/stat'],
    ['stat_url', '/\\evil.test/x'],
    ['command_url', 'http://user:pw@127.0.0.1:9/ace/cmd'],
    ['command_url', 'http://[/x'],
    ['stat_url', 'ftp://127.0.0.1/x'],
  ]
  for (const [field, value] of badUrls) {
    const r = await post(orch.app, '/events/stream_started', startedEvent({}, { [field]: value }))
    assert.equal(r.status, 422, value)
    assert.match(r.body.detail, new RegExp(`session\\.${field}`), value)
  }
  // IPv6 engines work bare or bracketed, and path-only URLs land on them.
  for (const host of ['::1', '[::1]']) {
    const r = await post(
      orch.app,
      '/events/stream_started',
      startedEvent({ engine: { host, port: 6878 }, labels: { stream_id: host } }, paths),
    )
    assert.equal(r.status, 200, host)
    assert.equal(r.body.stat_url, 'http://[::1]:6878/ace/stat/x/t')
  }
  const list = (await (await orch.app.request('/streams')).json()) as any[]
  assert.equal(list.length, 2, 'only the two valid events registered a stream')
})

/** A loopback HTTP server that records every path asked and answers each with `answer(path)`. */
async function recordingServer(answer: (path: string) => unknown = () => ({ status: 'ok' })) {
  const { createServer } = await import('node:http')
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer(req.url ?? '')))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as import('node:net').AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}

test('the health probe asks exactly <base>/health and refuses URLs with userinfo, query or fragment', async (t) => {
  const target = await recordingServer((p) => ({ status: 'ok', asked: p }))
  const orch = await startTestOrchestrator()
  t.after(async () => {
    await orch.close()
    await target.close()
  })
  const probe = (collector_url: string) =>
    post(orch.app, '/peer-collector/health', { collector_url })

  for (const [url, reason] of [
    [`${target.url}/text-secret#`, /fragment/],
    [`${target.url}/text-secret?x=`, /query/],
    [`${target.url}/text-secret?`, /query/],
    [`http://user:pw@127.0.0.1:${new URL(target.url).port}`, /user name or password/],
    [`http://@127.0.0.1:${new URL(target.url).port}`, /user name or password/],
    [`http:\\\\127.0.0.1:${new URL(target.url).port}/x`, /http or https URL/],
  ] as const) {
    const r = await probe(url)
    assert.equal(r.status, 422, url)
    assert.match(r.body.detail, /collector_url/, url)
    assert.match(r.body.detail, reason, url)
    assert.doesNotMatch(JSON.stringify(r.body), /pw/, 'the password is never echoed')
  }
  assert.deepEqual(target.paths, [], 'a refused URL is never fetched')

  const withPath = await probe(`${target.url}/collector/`)
  assert.equal(withPath.status, 200)
  assert.deepEqual(target.paths, ['/collector/health'])

  // Saved settings follow the same rule, so GET /peers cannot be bent either.
  for (const url of [`${target.url}/x#`, `${target.url}/x?y=`, 'http://u:p@127.0.0.1:1']) {
    const res = await orch.app.request('/config/runtime', {
      method: 'PATCH',
      headers: JSON_HEADERS,
      body: JSON.stringify({ PEER_COLLECTOR_URL: url }),
    })
    assert.equal(res.status, 422, url)
    assert.match(((await res.json()) as any).detail, /PEER_COLLECTOR_URL/)
  }
  assert.equal(orch.runtime.get().PEER_COLLECTOR_URL, null)
})

test('PEER_COLLECTOR_URL with a password, a query or a fragment stops the start, naming the variable', async () => {
  const { loadOrchestratorConfig } = await import('../../orchestrator/config.ts')
  for (const url of ['http://u:hunter2@gluetun:8080', 'http://gluetun:8080/?a=', 'http://g:1#']) {
    assert.throws(
      () => loadOrchestratorConfig({ PEER_COLLECTOR_URL: url }),
      (err: Error) =>
        /^Invalid setting PEER_COLLECTOR_URL: /.test(err.message) && !/hunter2/.test(err.message),
      url,
    )
  }
  assert.equal(
    loadOrchestratorConfig({ PEER_COLLECTOR_URL: 'http://gluetun:8080/' }).PEER_COLLECTOR_URL,
    'http://gluetun:8080',
  )
})

test('a collector answering wrong types gives a 502 naming the field or drops the bad peers; the page still renders', async (t) => {
  const IH = 'ab'.repeat(20)
  const now = new Date().toISOString()
  const goodPeer = {
    ip: '127.0.0.2',
    port: 6881,
    sources: ['dht'],
    first_seen: now,
    last_seen: now,
  }
  const base = {
    acestream_id: IH,
    infohash: IH,
    peers: [goodPeer],
    peer_count: 1,
    total_peers: 1,
    cached_at: Math.floor(Date.now() / 1000),
    sources: { dht: 1, tracker: 0 },
  }
  // [what the collector sends, the field a 502 must name, or the peers a 200 must keep]
  const answers: Array<[string, unknown, string | number]> = [
    ['numeric ip', { ...base, peers: [{ ...goodPeer, ip: 12 }, goodPeer] }, 1],
    ['huge cached_at', { ...base, cached_at: 1e300 }, 'cached_at'],
    ['numeric isp', { ...base, peers: [{ ...goodPeer, isp: 7 }] }, 1],
    ['numeric country', { ...base, peers: [{ ...goodPeer, country: 42, city: ['x'] }] }, 1],
    ['null peer', { ...base, peers: [null, goodPeer] }, 1],
    ['peers as strings', { ...base, peers: ['a', 'b'] }, 0],
    ['peers a string', { ...base, peers: 'many' }, 'peers'],
    ['peer_count a string', { ...base, peer_count: '1' }, 'peer_count'],
    ['not an object', [1, 2], 'not a JSON object'],
  ]
  let current: unknown = base
  const collector = await recordingServer(() => current)
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
  })
  t.after(async () => {
    await orch.close()
    await collector.close()
  })
  await post(
    orch.app,
    '/events/stream_started',
    startedEvent({ labels: { stream_id: 's' } }, { infohash: IH }),
  )
  for (const [label, answer, expected] of answers) {
    current = answer
    const res = await orch.app.request('/streams/s/peers')
    const body = (await res.json()) as any
    if (typeof expected === 'number') {
      assert.equal(res.status, 200, label)
      assert.equal(body.peers.length, expected, label)
      for (const p of body.peers) {
        assert.equal(typeof p.ip, 'string', label)
        assert.ok(p.isp === undefined || typeof p.isp === 'string', label)
        assert.ok(p.country === undefined || typeof p.country === 'string', label)
      }
    } else {
      assert.equal(res.status, 502, label)
      assert.equal(body.error, 'peer collector answered badly', label)
      assert.ok(body.detail.includes(expected), `${label}: ${body.detail}`)
    }
    const page = await orch.app.request('/panel/streams?peers=s')
    assert.equal(page.status, 200, `${label}: page`)
    const html = await page.text()
    assert.match(html, typeof expected === 'number' ? /data-tab="peers"/ : /Peers unavailable/)
  }
})

test('a password in the collector URL is never shown: /health, /config/runtime and the settings page', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  // A value saved before URLs with userinfo were refused (the store itself does not check).
  await orch.runtime.update({ PEER_COLLECTOR_URL: 'http://user:hunter2@127.0.0.1:9' })
  for (const path of ['/health', '/config/runtime', '/panel/settings?tab=peer-collector']) {
    const res = await orch.app.request(path)
    assert.equal(res.status, 200, path)
    const text = await res.text()
    assert.doesNotMatch(text, /hunter2/, path)
    assert.match(text, /\*\*\*@127\.0\.0\.1:9/, path)
  }
  const patched = await orch.app.request('/config/runtime', {
    method: 'PATCH',
    headers: JSON_HEADERS,
    body: JSON.stringify({ CACHE_TTL_SECONDS: 5 }),
  })
  assert.doesNotMatch(await patched.text(), /hunter2/, 'nor in the PATCH answer')
})

test('with API_KEY set, engine command and stat URLs are shown only to callers with the key', async (t) => {
  const orch = await startTestOrchestrator({ API_KEY: 'k' })
  t.after(() => orch.close())
  const res = await orch.app.request('/events/stream_started', {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'x-api-key': 'k' },
    body: JSON.stringify(startedEvent({ labels: { stream_id: 'ch' } })),
  })
  assert.equal(res.status, 200)
  for (const path of ['/streams', '/streams/ch']) {
    const anon = JSON.stringify(await (await orch.app.request(path)).json())
    assert.doesNotMatch(anon, /command_url|stat_url|ace\/cmd/, path)
    const wrong = await orch.app.request(path, { headers: { authorization: 'Bearer nope' } })
    assert.doesNotMatch(JSON.stringify(await wrong.json()), /command_url/, `${path} wrong key`)
    const keyed = await orch.app.request(path, { headers: { authorization: 'Bearer k' } })
    assert.match(
      JSON.stringify(await keyed.json()),
      /"command_url":"http:\/\/127\.0\.0\.1:9\/ace\/cmd/,
    )
  }
  assert.doesNotMatch(await (await orch.app.request('/panel/streams')).text(), /ace\/cmd/)
})

test("stream_ended with an unknown stream_id ends nothing, even when acexy's shared container_id matches", async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  // acexy sends its own id as container_id, the same for every stream it serves.
  for (const id of ['older', 'newer']) {
    await post(
      orch.app,
      '/events/stream_started',
      startedEvent({ container_id: 'acexy', labels: { stream_id: id } }),
    )
  }
  const unknown = await post(orch.app, '/events/stream_ended', {
    container_id: 'acexy',
    stream_id: `${'a'.repeat(40)}|never-started`,
    reason: 'normal',
  })
  assert.deepEqual(unknown, { status: 200, body: { updated: false, stream: null } })
  const active = (await (await orch.app.request('/streams?status=started')).json()) as any[]
  assert.deepEqual(active.map((s) => s.id).sort(), ['newer', 'older'])

  // Without a stream_id the engine's latest stream is still the one ended.
  const byEngine = await post(orch.app, '/events/stream_ended', { container_id: 'acexy' })
  assert.equal(byEngine.body.stream.id, 'newer')
})

test('a repeated stream_started for an active stream keeps its history and started_at, refreshing the session', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const first = await post(
    orch.app,
    '/events/stream_started',
    startedEvent({ labels: { stream_id: 'ch' } }),
  )
  const snapshot = {
    ts: new Date().toISOString(),
    peers: 7,
    speed_down: 100,
    speed_up: 10,
    downloaded: 1,
    uploaded: 1,
    status: 'dl',
    livepos: null,
  }
  orch.store.recordSnapshot('ch', snapshot, 'c'.repeat(40))
  await new Promise((r) => setTimeout(r, 5)) // a new start would get a later started_at
  const again = await post(
    orch.app,
    '/events/stream_started',
    startedEvent(
      { labels: { stream_id: 'ch' } },
      { playback_session_id: 'sess2', stat_url: 'http://127.0.0.1:9/ace/stat/x/tok2' },
    ),
  )
  assert.equal(again.status, 200)
  assert.equal(again.body.started_at, first.body.started_at)
  assert.equal(again.body.playback_session_id, 'sess2')
  assert.equal(again.body.stat_url, 'http://127.0.0.1:9/ace/stat/x/tok2')
  assert.equal(again.body.peers, 7, 'the latest figures stay')
  assert.equal(again.body.infohash, 'c'.repeat(40), 'the engine-reported infohash stays')
  assert.equal(orch.store.history('ch')?.length, 1, 'history kept')
})

test('requests Node itself rejects (bad request line, oversized headers) are answered in JSON', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  await assertNodeRejectionsAnswerJson(orch.port)
})
