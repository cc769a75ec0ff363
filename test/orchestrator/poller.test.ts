// Guards stat polling against the engine simulator: snapshots carry the engine's figures,
// history stays bounded, a failing engine only marks its own stream, and a session the engine
// forgot ends the stream.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import {
  createEngineSimulator,
  registerSimulatedStream,
  type EngineSimulatorOptions,
} from '../helpers/engine-simulator.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually } from '../helpers/wait.ts'

const getJson = async (url: string) => (await (await fetch(url)).json()) as any
const enc = encodeURIComponent

/** An engine simulator and an in-process orchestrator, both stopped when the test ends. */
async function startEngineAndOrchestrator(
  t: TestContext,
  env: Record<string, string> = {},
  engineOptions: EngineSimulatorOptions = {},
) {
  const engine = await createEngineSimulator(engineOptions)
  const orch = await startTestOrchestrator(env)
  t.after(async () => {
    await orch.close()
    await engine.close()
  })
  return { engine, orch }
}

test('after a poll the stream shows the peers, speeds, totals and livepos the engine reported', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(t)
  const { streamId, start } = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
  const before = await getJson(`${orch.url}/streams/${enc(streamId)}`)
  assert.equal(before.infohash, null, 'a content id key gives no infohash before the engine speaks')

  await orch.poller.pollOnce()
  const s = await getJson(`${orch.url}/streams/${enc(streamId)}`)
  const sim = engine.sessions.get(start.playback_session_id)!.answered.at(-1)!
  assert.equal(s.peers, sim.peers)
  assert.equal(s.speed_down, sim.speed_down)
  assert.equal(s.speed_up, sim.speed_up)
  assert.equal(s.downloaded, sim.downloaded)
  assert.equal(s.uploaded, sim.uploaded)
  assert.equal(s.engine_status, 'prebuf')
  assert.equal(s.infohash, engine.infohash)
  assert.equal(s.infohash_source, 'engine')
  assert.equal(s.last_error, null)
  // livepos normalised as the original: strings, live_first from first_ts, live_last from last_ts.
  assert.equal(typeof s.livepos.pos, 'string')
  assert.equal(s.livepos.live_first, s.livepos.first_ts)
  assert.equal(s.livepos.live_last, s.livepos.last_ts)
  assert.match(s.livepos.buffer_pieces, /^\d+$/)

  const list = await getJson(`${orch.url}/streams`)
  assert.equal(list[0].peers, sim.peers)
})

test('stats history keeps the newest STATS_HISTORY_MAX snapshots, oldest first, and honours since/limit', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(t, { STATS_HISTORY_MAX: '3' })
  const { streamId, start } = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
  for (let i = 0; i < 5; i++) await orch.poller.pollOnce()
  const stats = await getJson(`${orch.url}/streams/${enc(streamId)}/stats`)
  const answered = engine.sessions.get(start.playback_session_id)!.answered
  assert.equal(stats.length, 3)
  assert.deepEqual(
    stats.map((x: any) => x.downloaded),
    answered.slice(-3).map((a) => a.downloaded),
  )
  const last = await getJson(`${orch.url}/streams/${enc(streamId)}/stats?limit=1`)
  assert.equal(last.length, 1)
  assert.equal(last[0].downloaded, answered.at(-1)!.downloaded)
  const since = await getJson(
    `${orch.url}/streams/${enc(streamId)}/stats?since=${enc(stats[2].ts)}`,
  )
  assert.equal(since.length, 0)
  const bad = await fetch(`${orch.url}/streams/${enc(streamId)}/stats?since=yesterday`)
  assert.equal(bad.status, 422)
})

test('camelCase speeds are accepted; without an infohash in the stats an infohash key is used', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(
    t,
    {},
    { camelCaseSpeeds: true, omitInfohashInStats: true },
  )
  const { streamId, start } = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    contentId: engine.infohash,
    keyType: 'infohash',
  })
  await orch.poller.pollOnce()
  const s = await getJson(`${orch.url}/streams/${enc(streamId)}`)
  const sim = engine.sessions.get(start.playback_session_id)!.answered.at(-1)!
  assert.equal(s.speed_down, sim.speed_down, 'speed_down from speedDown')
  assert.equal(s.speed_up, sim.speed_up, 'speed_up from speedUp')
  assert.equal(s.infohash, engine.infohash)
  assert.equal(s.infohash_source, 'key')
})

test('failing engines mark only their own stream and never stop the poller', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(t, { STAT_TIMEOUT_S: '1' })
  // A port with nothing listening: connection refused.
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const healthy = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
  const faults = ['hang', 'http-500', 'garbage', 'engine-error'] as const
  const broken: string[] = []
  const sessionOf: Record<string, string> = {}
  for (const f of faults) {
    const r = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
    engine.setFault(r.start.playback_session_id, f)
    broken.push(r.streamId)
    sessionOf[f] = r.start.playback_session_id
  }
  const refused = await fetch(`${orch.url}/events/stream_started`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      engine: { host: '127.0.0.1', port: closedPort },
      stream: { key_type: 'content_id', key: 'dead' },
      session: {
        playback_session_id: 'p',
        stat_url: `http://127.0.0.1:${closedPort}/ace/stat/x/y`,
        command_url: `http://127.0.0.1:${closedPort}/ace/cmd/x/y`,
        is_live: 1,
      },
      labels: { stream_id: 'refused' },
    }),
  })
  assert.equal(refused.status, 200)
  broken.push('refused')

  const cycle = await orch.poller.pollOnce()
  assert.equal(cycle.streams, 6)
  assert.equal(cycle.ok, 1)
  assert.equal(cycle.failed, 5)

  const h = await getJson(`${orch.url}/streams/${enc(healthy.streamId)}`)
  assert.equal(h.last_error, null)
  assert.ok(h.peers !== null)
  const errors: Record<string, string> = {}
  for (const id of broken) {
    const s = await getJson(`${orch.url}/streams/${enc(id)}`)
    assert.equal(s.status, 'started', `${id} stays started`)
    assert.ok(s.last_error, `${id} has a last_error`)
    errors[id] = s.last_error.message
  }
  assert.match(errors[broken[0]!]!, /timeout/)
  assert.match(errors[broken[1]!]!, /HTTP 500/)
  assert.match(errors[broken[2]!]!, /not JSON/)
  assert.match(errors[broken[3]!]!, /engine is busy/)
  assert.match(errors.refused!, /unreachable/)

  // Healed engine: the next poll clears the error.
  engine.setFault(sessionOf['http-500']!, null)
  const again = await orch.poller.pollOnce()
  assert.equal(again.ok, 2)
  const healed = await getJson(`${orch.url}/streams/${enc(broken[1]!)}`)
  assert.equal(healed.last_error, null)
})

test('a session the engine no longer knows ends its stream; the poller skips ended streams', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(t)
  const { streamId, start } = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
  await orch.poller.pollOnce()
  // The player went away and the engine expired the session on its own.
  engine.sessions.get(start.playback_session_id)!.stopped = true
  const cycle = await orch.poller.pollOnce()
  assert.equal(cycle.ended, 1)
  const s = await getJson(`${orch.url}/streams/${enc(streamId)}`)
  assert.equal(s.status, 'ended')
  assert.equal(s.end_reason, 'engine_session_gone')
  assert.equal(s.peers, null, 'an ended stream shows no live figures')
  assert.ok(s.downloaded > 0, 'but keeps its totals')
  const next = await orch.poller.pollOnce()
  assert.equal(next.streams, 0)
})

test('DELETE /streams/{id} stops the engine session through the command URL, then marks it ended', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(t)
  const { streamId, start } = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
  const res = await fetch(`${orch.url}/streams/${enc(streamId)}`, { method: 'DELETE' })
  assert.equal(res.status, 200)
  const body = (await res.json()) as any
  assert.equal(body.message, 'Stream stopped successfully')
  assert.equal(body.stream_id, streamId)
  assert.equal(body.engine_stop.ok, true)
  assert.equal(body.stream.status, 'ended')
  assert.equal(body.stream.end_reason, 'manual_stop_via_api')
  assert.equal(engine.sessions.get(start.playback_session_id)!.stopped, true)
  const stat = (await (await fetch(start.stat_url)).json()) as any
  assert.deepEqual(stat, { response: null, error: 'unknown playback session id' })

  const again = await fetch(`${orch.url}/streams/${enc(streamId)}`, { method: 'DELETE' })
  assert.equal(again.status, 409)
})

test('the poller runs by itself every COLLECT_INTERVAL_S', async (t) => {
  const { engine, orch } = await startEngineAndOrchestrator(t, { COLLECT_INTERVAL_S: '1' })
  const { streamId } = await registerSimulatedStream({ orchestratorUrl: orch.url, engine })
  let stats: any[] = []
  await eventually(
    async () => {
      stats = await getJson(`${orch.url}/streams/${enc(streamId)}/stats`)
      return stats.length >= 2
    },
    { timeoutMs: 15_000, intervalMs: 250 },
  ).catch(() => {}) // the assertion below says how many polls there were
  assert.ok(stats.length >= 2, `two scheduled polls happened (got ${stats.length})`)
  const health = await getJson(`${orch.url}/health`)
  assert.equal(health.status, 'ok')
  assert.equal(health.poller.running, true)
  assert.equal(health.poller.interval_ms, 1000)
  assert.equal(health.streams.active, 1)
})
