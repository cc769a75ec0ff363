// Guards the stream registry: the original's events contract, field-naming validation errors,
// and stream_ended never ending a stream it does not name (defect D10).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const IH = 'c'.repeat(40)

function startedEvent(over: Record<string, unknown> = {}) {
  return {
    container_id: 'engine-a',
    engine: { host: '127.0.0.1', port: 19001 },
    stream: { key_type: 'content_id', key: 'a'.repeat(40) },
    session: {
      playback_session_id: 'sess1',
      stat_url: 'http://127.0.0.1:19001/ace/stat/x/tok1',
      command_url: 'http://127.0.0.1:19001/ace/cmd/x/tok1',
      is_live: 1,
    },
    ...over,
  }
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as any }
}

test('stream_started registers a stream under "<key>|<session>" and GET finds it by encoded id', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())

  const { status, body } = await post(`${orch.url}/events/stream_started`, startedEvent())
  assert.equal(status, 200)
  assert.equal(body.id, `${'a'.repeat(40)}|sess1`)
  assert.equal(body.status, 'started')
  assert.equal(body.is_live, true)
  assert.equal(body.container_id, 'engine-a')
  assert.equal(body.peers, null)
  assert.equal(body.infohash, null, 'a content id is never taken for an infohash')

  const one = await fetch(`${orch.url}/streams/${encodeURIComponent(body.id)}`)
  assert.equal(one.status, 200)
  assert.equal(((await one.json()) as any).key, 'a'.repeat(40))

  const list = (await (await fetch(`${orch.url}/streams?status=started`)).json()) as any[]
  assert.deepEqual(
    list.map((s) => s.id),
    [body.id],
  )
})

test('labels.stream_id names the stream, even one holding "/" and "|", and path-only URLs get the engine address', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const id = 'ch/7|hd'
  const { status, body } = await post(
    `${orch.url}/events/stream_started`,
    startedEvent({
      container_id: null,
      session: {
        playback_session_id: 's',
        stat_url: '/ace/stat/x/t',
        command_url: '/ace/cmd/x/t',
        is_live: 0,
      },
      labels: { stream_id: id },
    }),
  )
  assert.equal(status, 200)
  assert.equal(body.id, id)
  assert.equal(body.container_id, '127.0.0.1:19001', 'engine key falls back to host:port')
  assert.equal(body.stat_url, 'http://127.0.0.1:19001/ace/stat/x/t')
  assert.equal(body.is_live, false)
  const res = await fetch(`${orch.url}/streams/${encodeURIComponent(id)}`)
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as any).id, id)
})

test('the infohash comes from the event, else from an infohash key', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const fromEvent = await post(
    `${orch.url}/events/stream_started`,
    startedEvent({
      session: { ...startedEvent().session, infohash: IH.toUpperCase() },
      labels: { stream_id: 'e' },
    }),
  )
  assert.equal(fromEvent.body.infohash, IH)
  assert.equal(fromEvent.body.infohash_source, 'event')
  const fromKey = await post(
    `${orch.url}/events/stream_started`,
    startedEvent({ stream: { key_type: 'infohash', key: IH }, labels: { stream_id: 'k' } }),
  )
  assert.equal(fromKey.body.infohash, IH)
  assert.equal(fromKey.body.infohash_source, 'key')
})

test('a bad stream_started body is a 422 naming each bad field; broken JSON is a 400', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const bad = await post(
    `${orch.url}/events/stream_started`,
    startedEvent({
      engine: { host: '127.0.0.1', port: 'x' },
      stream: { key_type: 'sha1', key: 'k' },
      session: { ...startedEvent().session, stat_url: 'ftp://h/x' },
    }),
  )
  assert.equal(bad.status, 422)
  assert.equal(bad.body.error, 'invalid request body')
  for (const field of ['engine.port', 'stream.key_type', 'session.stat_url']) {
    assert.match(bad.body.detail, new RegExp(field.replace('.', '\\.')), field)
  }

  const missing = await post(`${orch.url}/events/stream_started`, { engine: {} })
  assert.equal(missing.status, 422)
  assert.match(missing.body.detail, /session/)

  const broken = await post(`${orch.url}/events/stream_started`, '{"engine": ')
  assert.equal(broken.status, 400)
  assert.match(broken.body.error, /malformed JSON/)

  const huge = await post(`${orch.url}/events/stream_started`, 'x'.repeat(200_000))
  assert.equal(huge.status, 413)

  const list = (await (await fetch(`${orch.url}/streams`)).json()) as any[]
  assert.equal(list.length, 0, 'nothing was registered')
})

test('stream_ended that matches nothing changes nothing; one naming nothing is a 422', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const { body: s } = await post(`${orch.url}/events/stream_started`, startedEvent())

  const noMatch = await post(`${orch.url}/events/stream_ended`, {
    stream_id: 'nope',
    container_id: 'other-engine',
  })
  assert.deepEqual(noMatch, { status: 200, body: { updated: false, stream: null } })

  const empty = await post(`${orch.url}/events/stream_ended`, { reason: 'normal' })
  assert.equal(empty.status, 422)
  assert.match(empty.body.detail, /stream_id or container_id/)

  const still = (await (await fetch(`${orch.url}/streams?status=started`)).json()) as any[]
  assert.equal(still.length, 1, 'the active stream survived both events')

  const byEngine = await post(`${orch.url}/events/stream_ended`, {
    container_id: 'engine-a',
    reason: 'player_stopped',
  })
  assert.equal(byEngine.body.updated, true)
  assert.equal(byEngine.body.stream.id, s.id)
  assert.equal(byEngine.body.stream.status, 'ended')
  assert.equal(byEngine.body.stream.end_reason, 'player_stopped')

  const again = await post(`${orch.url}/events/stream_ended`, { stream_id: s.id })
  assert.equal(again.body.updated, false, 'ending twice is not an update')

  const ended = (await (await fetch(`${orch.url}/streams?status=ended`)).json()) as any[]
  assert.deepEqual(
    ended.map((x) => x.id),
    [s.id],
  )
  assert.equal(
    ((await (await fetch(`${orch.url}/streams?status=started`)).json()) as any[]).length,
    0,
  )
})

test('unknown streams are 404 and a bad status filter is a 422', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  for (const path of ['/streams/x%7Cy', '/streams/x/stats', '/streams/x/peers']) {
    const res = await fetch(`${orch.url}${path}`)
    assert.equal(res.status, 404, path)
    assert.equal(((await res.json()) as any).error, 'stream not found')
  }
  const del = await fetch(`${orch.url}/streams/x`, { method: 'DELETE' })
  assert.equal(del.status, 404)
  const bad = await fetch(`${orch.url}/streams?status=running`)
  assert.equal(bad.status, 422)
  assert.match(((await bad.json()) as any).detail, /status/)
})

test('the registry is bounded: ended streams make room, all-active is a 503', async (t) => {
  const orch = await startTestOrchestrator({ MAX_STREAMS: '2' })
  t.after(() => orch.close())
  const start = (id: string) =>
    post(`${orch.url}/events/stream_started`, startedEvent({ labels: { stream_id: id } }))
  assert.equal((await start('a')).status, 200)
  assert.equal((await start('b')).status, 200)
  const full = await start('c')
  assert.equal(full.status, 503)
  assert.equal(full.body.error, 'too many streams')
  await post(`${orch.url}/events/stream_ended`, { stream_id: 'a' })
  assert.equal((await start('c')).status, 200)
  // Memory made room by dropping the ended stream; the history database still lists it.
  const list = (await (await fetch(`${orch.url}/streams`)).json()) as any[]
  assert.deepEqual(list.map((s) => `${s.id}:${s.status}`).sort(), [
    'a:ended',
    'b:started',
    'c:started',
  ])
  assert.equal(orch.store.get('a'), undefined)
})
