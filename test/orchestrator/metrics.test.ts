// Guards the orchestrator's GET /metrics: Prometheus text with at least eight families of our
// own (a histogram among them) besides the process metrics, figures that agree with /health and
// /streams and move with real polling of the engine simulator, per-stream series only for
// active streams, and METRICS_TOKEN.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StreamState } from '../../orchestrator/streams/types.ts'
import { createEngineSimulator, registerSimulatedStream } from '../helpers/engine-simulator.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { parsePrometheusText } from '../helpers/prometheus-text.ts'

type T = { after: (fn: () => Promise<void>) => void }

async function setup(t: T, env: Record<string, string> = {}) {
  const engine = await createEngineSimulator()
  const orch = await startTestOrchestrator(env)
  t.after(async () => {
    await orch.close()
    await engine.close()
  })
  return { engine, orch }
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/metrics`, { headers })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(await res.text())
}

test('orchestrator /metrics moves with polling and agrees with /health and /streams', async (t) => {
  const { engine, orch } = await setup(t)
  const empty = await scrape(orch.url)
  const own = [...empty.types.keys()].filter(
    (n) => n.startsWith('orchestrator_') && !/^orchestrator_(process|nodejs)_/.test(n),
  )
  assert.ok(own.length >= 8, `own families: ${own.join(', ')}`)
  assert.equal(empty.types.get('orchestrator_poll_duration_seconds'), 'histogram')
  assert.ok(empty.types.has('orchestrator_process_cpu_seconds_total'), 'default process metrics')

  const a = await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: 'a' })
  await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: 'b' })
  await orch.poller.pollOnce()
  await orch.poller.pollOnce()
  // One stream ends: it leaves the per-stream series and moves to the ended count.
  await fetch(`${orch.url}/events/stream_ended`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream_id: 'b' }),
  })
  engine.setFault(a.start.playback_session_id, 'http-500')
  await orch.poller.pollOnce()
  engine.setFault(a.start.playback_session_id, null)
  await orch.poller.pollOnce()

  const m = await scrape(orch.url)
  const health = (await (await fetch(`${orch.url}/health`)).json()) as {
    streams: { active: number; ended: number }
  }
  const streams = (await (await fetch(`${orch.url}/streams`)).json()) as StreamState[]
  assert.equal(m.value('orchestrator_streams', { status: 'started' }), health.streams.active)
  assert.equal(m.value('orchestrator_streams', { status: 'ended' }), health.streams.ended)
  assert.deepEqual(health.streams, { active: 1, ended: 1 })
  const live = streams.find((s) => s.id === 'a')!
  assert.equal(m.value('orchestrator_stream_peers', { stream_id: 'a' }), live.peers)
  assert.equal(
    m.value('orchestrator_stream_download_bytes_per_second', { stream_id: 'a' }),
    live.speed_down! * 1024,
  )
  assert.equal(
    m.value('orchestrator_stream_upload_bytes_per_second', { stream_id: 'a' }),
    live.speed_up! * 1024,
  )
  assert.equal(m.value('orchestrator_stream_peers', { stream_id: 'b' }), undefined)
  assert.equal(m.value('orchestrator_poll_duration_seconds_count'), 4)
  assert.equal(m.value('orchestrator_poll_failures_total'), 1)
  assert.equal(m.value('orchestrator_stat_polls_total', { outcome: 'ok' }), 5)
})

test('with METRICS_TOKEN, /metrics needs the bearer token; the API key is not enough', async (t) => {
  const { orch } = await setup(t, { METRICS_TOKEN: 'scrape-me', API_KEY: 'api' })
  assert.equal((await fetch(`${orch.url}/metrics`)).status, 401)
  const withApiKey = await fetch(`${orch.url}/metrics`, {
    headers: { authorization: 'Bearer api' },
  })
  assert.equal(withApiKey.status, 401)
  const m = await scrape(orch.url, { authorization: 'Bearer scrape-me' })
  assert.ok(m.types.has('orchestrator_streams'))
})
