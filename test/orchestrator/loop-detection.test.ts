// Guards Loop Detection against the engine simulator on loopback: a live stream whose engine
// stops advancing its live position is listed by GET /looping-streams within the threshold plus
// a couple of checks, one whose position advances never is, a recovered one says so, the stop
// option ends the engine session, the list can be edited only with the key, and a change of
// settings through PATCH /config/runtime applies without a restart.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LoopingStream } from '../../orchestrator/loop-detection/detector.ts'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulator,
} from '../helpers/engine-simulator.ts'
import { createTempDir, startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually } from '../helpers/wait.ts'

type T = { after: (fn: () => Promise<void>) => void }
type Looping = { enabled: boolean; threshold_s: number; streams: LoopingStream[] }

const FAST = {
  COLLECT_INTERVAL_S: '1',
  LOOP_DETECTION_ENABLED: 'true',
  LOOP_DETECTION_THRESHOLD_S: '5',
  LOOP_DETECTION_INTERVAL_S: '1',
}

async function setup(t: T, env: Record<string, string>) {
  const engine = await createEngineSimulator()
  const orch = await startTestOrchestrator(env)
  t.after(async () => {
    await orch.close()
    await engine.close()
  })
  return { engine, orch }
}

async function start(
  orch: { url: string },
  engine: EngineSimulator,
  streamId: string,
  apiKey?: string,
) {
  const r = await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId, apiKey })
  assert.equal(r.response.status, 200)
  return r.start.playback_session_id
}

async function looping(url: string): Promise<Looping> {
  const res = await fetch(`${url}/looping-streams`)
  assert.equal(res.status, 200)
  return (await res.json()) as Looping
}

/** Asks every 200 ms until `ok` holds or `ms` passed; returns the last answer. */
async function waitFor<V>(ask: () => Promise<V>, ok: (v: V) => boolean, ms: number): Promise<V> {
  let v: V | undefined
  const held = async () => ok((v = await ask()))
  await eventually(held, { timeoutMs: ms, intervalMs: 200 }).catch(() => {})
  return v as V
}

const listed = (l: Looping, id: string) => l.streams.find((s) => s.stream_id === id)

test('threshold 5 s: a frozen live position is listed within 10 s, an advancing one is not', async (t) => {
  const { engine, orch } = await setup(t, FAST)
  const frozenSession = await start(orch, engine, 'frozen')
  await start(orch, engine, 'advancing')
  engine.freezeLivePosition(frozenSession, true)
  const frozenAt = Date.now()

  const l = await waitFor(
    () => looping(orch.url),
    (v) => Boolean(listed(v, 'frozen')),
    10_000,
  )
  const entry = listed(l, 'frozen')
  assert.ok(entry, `not listed within 10 s: ${JSON.stringify(l)}`)
  assert.ok(Date.now() - frozenAt <= 10_000)
  assert.equal(entry.state, 'looping')
  assert.ok(entry.frozen_s >= 5)
  assert.equal(l.enabled, true)
  assert.equal(l.threshold_s, 5)
  // The advancing stream has been watched just as long and is not listed.
  assert.equal(listed(l, 'advancing'), undefined)
  const stream = (await (await fetch(`${orch.url}/streams/frozen`)).json()) as { status: string }
  assert.equal(stream.status, 'started', 'flagging alone does not stop a stream')

  // Once the broadcast moves again, the entry says it recovered.
  engine.freezeLivePosition(frozenSession, false)
  const after = await waitFor(
    () => looping(orch.url),
    (v) => listed(v, 'frozen')?.state === 'recovered',
    10_000,
  )
  assert.equal(listed(after, 'frozen')?.state, 'recovered')
  assert.ok(listed(after, 'frozen')?.resolved_at)
})

test('with LOOP_DETECTION_STOP the looping session is stopped through its command URL', async (t) => {
  const { engine, orch } = await setup(t, { ...FAST, LOOP_DETECTION_STOP: 'true' })
  const session = await start(orch, engine, 'stop-me')
  engine.freezeLivePosition(session, true)
  const l = await waitFor(
    () => looping(orch.url),
    (v) => listed(v, 'stop-me')?.state === 'ended',
    12_000,
  )
  const entry = listed(l, 'stop-me')
  assert.equal(entry?.state, 'ended')
  assert.deepEqual(entry?.stop, { ok: true, detail: 'engine confirmed stop' })
  assert.equal(engine.sessions.get(session)?.stopped, true)
  const stream = (await (await fetch(`${orch.url}/streams/stop-me`)).json()) as {
    status: string
    end_reason: string
  }
  assert.equal(stream.status, 'ended')
  assert.equal(stream.end_reason, 'loop_detected')
})

test('removing and clearing flagged streams needs the API key; unknown ids are 404', async (t) => {
  const key = 'loop-key'
  const { engine, orch } = await setup(t, { ...FAST, API_KEY: key })
  for (const id of ['a', 'b']) engine.freezeLivePosition(await start(orch, engine, id, key), true)
  await waitFor(
    () => looping(orch.url),
    (v) => v.streams.length === 2,
    12_000,
  )
  const auth = { authorization: `Bearer ${key}` }
  const json = { 'content-type': 'application/json' }

  assert.equal((await fetch(`${orch.url}/looping-streams/a`, { method: 'DELETE' })).status, 401)
  const clearNoKey = await fetch(`${orch.url}/looping-streams/clear`, {
    method: 'POST',
    headers: json,
    body: '{}',
  })
  assert.equal(clearNoKey.status, 401)
  assert.equal((await looping(orch.url)).streams.length, 2)

  const del = await fetch(`${orch.url}/looping-streams/a`, { method: 'DELETE', headers: auth })
  assert.equal(del.status, 200)
  assert.deepEqual(await del.json(), { removed: true, stream_id: 'a' })
  const missing = await fetch(`${orch.url}/looping-streams/nope`, {
    method: 'DELETE',
    headers: auth,
  })
  assert.equal(missing.status, 404)
  assert.equal(((await missing.json()) as { error: string }).error, 'not a looping stream')

  const bad = await fetch(`${orch.url}/looping-streams/clear`, {
    method: 'POST',
    headers: { ...auth, ...json },
    body: '{"all": true}',
  })
  assert.equal(bad.status, 422)
  const clear = await fetch(`${orch.url}/looping-streams/clear`, {
    method: 'POST',
    headers: { ...auth, ...json },
    body: '{}',
  })
  assert.equal(clear.status, 200)
  assert.deepEqual(await clear.json(), { cleared: 1 })
  // Removed, not forgotten: the still-frozen stream must stand still a full threshold again.
  assert.deepEqual((await looping(orch.url)).streams, [])
})

test('settings change through PATCH /config/runtime, validated, and apply without a restart', async (t) => {
  const { engine, orch } = await setup(t, { ...FAST, LOOP_DETECTION_ENABLED: 'false' })
  const patch = (body: unknown) =>
    fetch(`${orch.url}/config/runtime`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  for (const bad of [
    { LOOP_DETECTION_THRESHOLD_S: 1 },
    { LOOP_DETECTION_INTERVAL_S: 0 },
    { LOOP_DETECTION_ENABLED: 'yes' },
    { LOOP_DETECTION_RETENTION_S: -1 },
  ]) {
    const res = await patch(bad)
    assert.equal(res.status, 422, JSON.stringify(bad))
  }
  engine.freezeLivePosition(await start(orch, engine, 'later'), true)
  // Disabled: polled for longer than the threshold, and nothing is listed.
  const polled = await waitFor(
    async () => (await (await fetch(`${orch.url}/streams/later/stats`)).json()) as unknown[],
    (v) => v.length >= 7,
    15_000,
  )
  assert.ok(polled.length >= 7)
  assert.deepEqual((await looping(orch.url)).streams, [])
  const ok = await patch({ LOOP_DETECTION_ENABLED: true, LOOP_DETECTION_THRESHOLD_S: 5 })
  assert.equal(ok.status, 200)
  const settings = (await ok.json()) as Record<string, unknown>
  assert.equal(settings.LOOP_DETECTION_ENABLED, true)
  const l = await waitFor(
    () => looping(orch.url),
    (v) => Boolean(listed(v, 'later')),
    12_000,
  )
  assert.ok(listed(l, 'later'))
  // And they were persisted with the other runtime settings.
  const file = JSON.parse(
    await (await import('node:fs/promises')).readFile(orch.runtime.file, 'utf8'),
  ) as { settings: Record<string, unknown> }
  assert.equal(file.settings.LOOP_DETECTION_ENABLED, true)
  assert.equal(file.settings.LOOP_DETECTION_THRESHOLD_S, 5)
})

test('the flagged list is kept in the history database across a restart', async (t) => {
  const engine = await createEngineSimulator()
  t.after(() => engine.close())
  const data = await createTempDir()
  t.after(() => data.remove())
  const env = { ...FAST, DATA_DIR: data.dir }
  const first = await startTestOrchestrator(env)
  engine.freezeLivePosition(await start(first, engine, 'kept'), true)
  const flagged = await waitFor(
    () => looping(first.url),
    (v) => Boolean(listed(v, 'kept')),
    12_000,
  )
  // Saved with the next poll cycle's batch.
  await first.poller.pollOnce()
  await first.close()

  const second = await startTestOrchestrator(env)
  t.after(() => second.close())
  const after = await looping(second.url)
  assert.equal(listed(after, 'kept')?.detected_at, listed(flagged, 'kept')?.detected_at)
})
