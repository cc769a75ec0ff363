// Guards GET /streams in pages: a dashboard with thousands of streams asks for one page at a
// time (active first), walks the rest by offset, filters by text, and still sees totals over
// everything; bad paging input is a 422 naming the field, and the plain list keeps its shape.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

async function startStream(url: string, name: string, container = 'engine-a') {
  const res = await fetch(`${url}/events/stream_started`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      container_id: container,
      engine: { host: '127.0.0.1', port: 19001 },
      stream: { key_type: 'content_id', key: 'a'.repeat(40) },
      session: {
        playback_session_id: `session-${name}`,
        stat_url: `http://127.0.0.1:19001/ace/stat/x/${name}`,
        command_url: `http://127.0.0.1:19001/ace/cmd/x/${name}`,
        is_live: 1,
      },
      labels: { stream_id: name },
    }),
  })
  assert.equal(res.status, 200, await res.clone().text())
}

async function endStream(url: string, name: string) {
  const res = await fetch(`${url}/events/stream_ended`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream_id: name, reason: 'test' }),
  })
  assert.equal(res.status, 200)
}

const getJson = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as any }
}

test('pages list active streams first, walk every stream once by offset, and total them all', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const names = Array.from({ length: 7 }, (_, i) => `ch-${i}`)
  for (const name of names) await startStream(orch.url, name)
  // The newest stream ends: in a page it drops behind every active one.
  await endStream(orch.url, 'ch-6')

  const first = await getJson(`${orch.url}/streams?limit=3`)
  assert.equal(first.status, 200)
  assert.equal(first.body.total, 7)
  assert.equal(first.body.offset, 0)
  assert.equal(first.body.limit, 3)
  assert.equal(first.body.next_offset, 3)
  assert.deepEqual(first.body.summary, {
    active: 6,
    ended: 1,
    peers: 0,
    speed_down: 0,
    speed_up: 0,
  })
  assert.deepEqual(
    first.body.streams.map((s: any) => s.id),
    ['ch-5', 'ch-4', 'ch-3'],
  )

  const seen: string[] = []
  for (let offset: number | null = 0; offset !== null;) {
    const page = await getJson(`${orch.url}/streams?limit=3&offset=${offset}`)
    seen.push(...page.body.streams.map((s: any) => s.id))
    offset = page.body.next_offset
  }
  assert.deepEqual(seen, ['ch-5', 'ch-4', 'ch-3', 'ch-2', 'ch-1', 'ch-0', 'ch-6'])

  // Without paging parameters the answer is the plain array, newest first, as before.
  const plain = await getJson(`${orch.url}/streams`)
  assert.ok(Array.isArray(plain.body))
  assert.equal(plain.body.length, 7)
  assert.equal(plain.body[0].id, 'ch-6')
})

test('q filters by name or engine, case-insensitively, and the totals follow the filter', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  await startStream(orch.url, 'Football-HD', 'engine-a')
  await startStream(orch.url, 'news-24', 'engine-b')
  await startStream(orch.url, 'football-sd', 'engine-b')

  const football = await getJson(`${orch.url}/streams?q=FOOTBALL`)
  assert.equal(football.status, 200)
  assert.deepEqual(
    football.body.streams.map((s: any) => s.id),
    ['football-sd', 'Football-HD'],
  )
  assert.equal(football.body.total, 2)
  assert.equal(football.body.summary.active, 2)

  const byEngine = await getJson(`${orch.url}/streams?q=engine-b&limit=1`)
  assert.equal(byEngine.body.total, 2)
  assert.equal(byEngine.body.streams.length, 1)
  assert.equal(byEngine.body.next_offset, 1)

  const none = await getJson(`${orch.url}/streams?q=cricket`)
  assert.deepEqual(none.body.streams, [])
  assert.equal(none.body.total, 0)
  assert.equal(none.body.next_offset, null)
})

test('bad paging input is a 422 naming the parameter, never a 500', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  for (const query of [
    'limit=0',
    'limit=1001',
    'limit=ten',
    'limit=2.5',
    'offset=-1',
    'offset=x',
    `q=${'x'.repeat(201)}`,
  ]) {
    const res = await getJson(`${orch.url}/streams?${query}`)
    assert.equal(res.status, 422, query)
    assert.equal(res.body.error, 'invalid query', query)
    assert.match(res.body.detail, new RegExp(`^${query.split('=')[0]}:`), query)
  }
})
