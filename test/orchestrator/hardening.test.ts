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
