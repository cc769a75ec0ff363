// Guards the orchestrator against other web pages: a state-changing request must be JSON (415
// otherwise) and, when a browser sends it, come from the orchestrator's own origin and an
// allowed host name (403 otherwise), key or no key. Clients that are not browsers (the proxy,
// curl) keep working with JSON alone.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const EVENT = {
  engine: { host: '127.0.0.1', port: 9 },
  stream: { key_type: 'content_id', key: 'a'.repeat(40) },
  session: {
    playback_session_id: 's',
    stat_url: '/ace/stat/x/t',
    command_url: '/ace/cmd/x/t',
    is_live: 1,
  },
  labels: { stream_id: '__proto__' },
}

const WRITES: Array<[string, string, unknown]> = [
  ['POST', '/events/stream_started', EVENT],
  ['POST', '/events/stream_ended', { stream_id: 'x' }],
  ['POST', '/peer-collector/health', { collector_url: 'http://127.0.0.1:9' }],
  ['PATCH', '/config/runtime', { PEER_COLLECTOR_ENABLED: true }],
]

async function nothingChanged(app: { request(p: string): Response | Promise<Response> }) {
  assert.deepEqual(await (await app.request('/streams')).json(), [])
  const cfg = (await (await app.request('/config/runtime')).json()) as any
  assert.equal(cfg.PEER_COLLECTOR_ENABLED, false)
}

test('state-changing endpoints refuse text/plain, form and missing content types with 415', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  for (const [method, path, body] of WRITES) {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const res = await orch.app.request(path, {
        method,
        headers: type ? { 'content-type': type } : {},
        body: JSON.stringify(body),
      })
      assert.equal(res.status, 415, `${method} ${path} as ${type}`)
      const b = (await res.json()) as { error: string; detail: string }
      assert.equal(b.error, 'unsupported media type')
      assert.match(b.detail, /application\/json/)
    }
  }
  await nothingChanged(orch.app)
  // JSON with a charset is still JSON.
  const ok = await orch.app.request('/events/stream_ended', {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ stream_id: 'x' }),
  })
  assert.equal(ok.status, 200)
})

test('cross-site browser requests are refused with 403, with or without an API key', async (t) => {
  const envs: Record<string, string>[] = [{}, { API_KEY: 'k' }]
  for (const env of envs) {
    const orch = await startTestOrchestrator(env)
    t.after(() => orch.close())
    const host = new URL(orch.url).host
    const key: Record<string, string> = env.API_KEY ? { 'x-api-key': 'k' } : {}
    const hostile: Array<[string, Record<string, string>]> = [
      ['foreign Origin', { origin: 'http://evil.test' }],
      ['same host, other port', { origin: 'http://127.0.0.1:1' }],
      ['opaque Origin', { origin: 'null' }],
      ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
    ]
    for (const [method, path, body] of WRITES) {
      for (const [label, headers] of hostile) {
        const res = await fetch(`${orch.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...key, ...headers },
          body: JSON.stringify(body),
        })
        assert.equal(res.status, 403, `${method} ${path}: ${label}`)
        assert.equal(((await res.json()) as any).error, 'cross-site request refused')
      }
    }
    await nothingChanged(orch.app)
    // The dashboard's own requests: same origin, as a browser sends them.
    const own = await fetch(`${orch.url}/events/stream_ended`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: `http://${host}`,
        'sec-fetch-site': 'same-origin',
        ...key,
      },
      body: JSON.stringify({ stream_id: 'x' }),
    })
    assert.equal(own.status, 200)
    await own.arrayBuffer()
  }
})

test('a browser request through a host name (DNS rebinding) needs that name in ALLOWED_HOSTS or an API key', async (t) => {
  // The rebinding page's Origin matches its Host: only the name tells it apart.
  const rebound = {
    'content-type': 'application/json',
    host: 'attacker.test:8000',
    origin: 'http://attacker.test:8000',
    'sec-fetch-site': 'same-origin',
  }
  const open = await startTestOrchestrator()
  t.after(() => open.close())
  const refused = await open.app.request('/events/stream_started', {
    method: 'POST',
    headers: rebound,
    body: JSON.stringify(EVENT),
  })
  assert.equal(refused.status, 403)
  const b = (await refused.json()) as any
  assert.equal(b.error, 'host not allowed')
  assert.match(b.detail, /ALLOWED_HOSTS/)
  await nothingChanged(open.app)
  // Not a browser (no Origin, no Sec-Fetch-Site): the proxy's requests go through by any name.
  const proxy = await open.app.request('/events/stream_ended', {
    method: 'POST',
    headers: { 'content-type': 'application/json', host: 'orchestrator:8000' },
    body: JSON.stringify({ stream_id: 'x' }),
  })
  assert.equal(proxy.status, 200)

  const listed = await startTestOrchestrator({ ALLOWED_HOSTS: 'Dash.Example.com' })
  t.after(() => listed.close())
  const viaName = (name: string) =>
    listed.app.request('/events/stream_ended', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        host: `${name}:8000`,
        origin: `http://${name}:8000`,
      },
      body: JSON.stringify({ stream_id: 'x' }),
    })
  assert.equal((await viaName('dash.example.com')).status, 200)
  assert.equal((await viaName('attacker.test')).status, 403)
  assert.equal((await viaName('localhost')).status, 200)
  assert.equal((await viaName('[::1]')).status, 200)

  const keyed = await startTestOrchestrator({ API_KEY: 'k' })
  t.after(() => keyed.close())
  const withKey = await keyed.app.request('/events/stream_ended', {
    method: 'POST',
    headers: { ...rebound, 'x-api-key': 'k' },
    body: JSON.stringify({ stream_id: 'x' }),
  })
  assert.equal(withKey.status, 200, 'with a key set, the key is the gate for any name')
})

test('DELETE without a body needs no content type; reads need nothing', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const del = await orch.app.request('/streams/x', { method: 'DELETE' })
  assert.equal(del.status, 404)
  const delCross = await orch.app.request('/streams/x', {
    method: 'DELETE',
    headers: { origin: 'http://evil.test' },
  })
  assert.equal(delCross.status, 403)
  const read = await orch.app.request('/streams', { headers: { origin: 'http://evil.test' } })
  assert.equal(read.status, 200)
})
