// Guards API_KEY: every state-changing endpoint answers 401 without the right key, accepts both
// Bearer and X-API-KEY (defect D12), and reads stay open.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const KEY = 's3cret-key'
const STATE_CHANGING: Array<[string, string, unknown]> = [
  ['POST', '/events/stream_started', {}],
  ['POST', '/events/stream_ended', { stream_id: 'x' }],
  ['DELETE', '/streams/x', undefined],
  ['PATCH', '/config/runtime', { CACHE_TTL_SECONDS: 10 }],
  ['POST', '/peer-collector/health', { collector_url: 'http://127.0.0.1:9' }],
]

test('wrong or missing API key gives 401 on every state-changing endpoint', async (t) => {
  const orch = await startTestOrchestrator({ API_KEY: KEY })
  t.after(() => orch.close())
  const variants: Array<[string, Record<string, string>]> = [
    ['no key', {}],
    ['wrong bearer', { authorization: 'Bearer nope' }],
    ['wrong x-api-key', { 'x-api-key': 'nope' }],
    ['key with another scheme', { authorization: `Basic ${KEY}` }],
    ['prefix of the key', { authorization: `Bearer ${KEY.slice(0, 4)}` }],
  ]
  for (const [method, path, body] of STATE_CHANGING) {
    for (const [label, headers] of variants) {
      const res = await fetch(`${orch.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      assert.equal(res.status, 401, `${method} ${path} with ${label}`)
      const b = (await res.json()) as { error: string }
      assert.match(b.error, /API key/)
    }
  }
  // Nothing changed behind the 401s.
  const cfg = (await (await fetch(`${orch.url}/config/runtime`)).json()) as any
  assert.equal(cfg.CACHE_TTL_SECONDS, 30)
})

test('the right key passes as Bearer or X-API-KEY, and reads need none', async (t) => {
  const orch = await startTestOrchestrator({ API_KEY: KEY })
  t.after(() => orch.close())
  for (const [method, path, body] of STATE_CHANGING) {
    const keyed: Array<Record<string, string>> = [
      { authorization: `Bearer ${KEY}` },
      { 'x-api-key': KEY },
    ]
    for (const headers of keyed) {
      const res = await fetch(`${orch.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      assert.notEqual(res.status, 401, `${method} ${path} with ${Object.keys(headers)[0]}`)
      await res.arrayBuffer()
    }
  }
  for (const path of ['/health', '/streams', '/config/runtime']) {
    assert.equal((await fetch(`${orch.url}${path}`)).status, 200, path)
  }
})

test('without API_KEY nothing needs a key', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const res = await fetch(`${orch.url}/config/runtime`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ CACHE_TTL_SECONDS: 10 }),
  })
  assert.equal(res.status, 200)
  const health = (await (await fetch(`${orch.url}/health`)).json()) as any
  assert.equal(health.auth, 'open')
})
