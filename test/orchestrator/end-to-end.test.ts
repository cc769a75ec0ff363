// The end-to-end scenario over real HTTP: the orchestrator polls the engine simulator,
// and asks a real collector (child process) that discovers a real local BitTorrent swarm on
// loopback. Stopping the collector gives a 503 (not a 500) while /streams keeps answering;
// bringing it back gives peers again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCollectorProcess } from '../helpers/collector-process.ts'
import { createEngineSimulator, registerSimulatedStream } from '../helpers/engine-simulator.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { eventually, freePort } from '../helpers/wait.ts'

const API_KEY = 'e2e-key'
const enc = encodeURIComponent

test('stream by event -> engine figures in /streams and swarm peers through the real collector, which may go away and come back', async (t) => {
  const swarm = await createLocalSwarm({ peers: 4, mode: 'tracker' })
  t.after(() => swarm.close())
  const collectorPort = await freePort()
  const collectorOpts = {
    swarm,
    trackers: 'udp' as const,
    dht: false,
    env: { PORT: String(collectorPort) },
  }
  let collector = await startCollectorProcess(collectorOpts)
  t.after(() => collector.close())
  const engine = await createEngineSimulator({ infohash: swarm.infohash })
  t.after(() => engine.close())
  const orch = await startTestOrchestrator({
    API_KEY,
    COLLECT_INTERVAL_S: '1',
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
    CACHE_TTL_SECONDS: '1',
    COLLECTOR_TIMEOUT_S: '20',
  })
  t.after(() => orch.close())

  // The proxy's path: start on the engine by content id, report it; the event has no infohash.
  const { streamId, start, response } = await registerSimulatedStream({
    orchestratorUrl: orch.url,
    engine,
    apiKey: API_KEY,
  })
  assert.equal(response.status, 200)

  // After a poll interval, /streams shows the simulator's figures and the swarm's infohash.
  const listed = await eventually(
    async () => {
      const list = (await (await fetch(`${orch.url}/streams?status=started`)).json()) as any[]
      const s = list.find((x) => x.id === streamId)
      return s && s.peers !== null ? s : undefined
    },
    { timeoutMs: 30_000, what: 'a polled stream in /streams' },
  )
  const answered = engine.sessions.get(start.playback_session_id)!.answered
  assert.ok(
    answered.some((a) => a.peers === listed.peers && a.speed_down === listed.speed_down),
    'peers and speed_down are ones the engine reported',
  )
  assert.ok(answered.some((a) => a.speed_up === listed.speed_up))
  assert.equal(listed.infohash, swarm.infohash)
  assert.equal(listed.infohash_source, 'engine')

  // The peer list: the local swarm's peers, through the real collector.
  const peersUrl = `${orch.url}/streams/${enc(streamId)}/peers`
  const swarmAddrs = new Set(swarm.peers.map((p) => `${p.ip}:${p.port}`))
  const answer = await eventually(
    async () => {
      const res = await fetch(peersUrl)
      const body = (await res.json()) as any
      assert.equal(res.status, 200, JSON.stringify(body))
      return body.peer_count >= swarm.peers.length ? body : undefined
    },
    { timeoutMs: 30_000, what: 'the swarm peers through the collector' },
  )
  assert.equal(answer.stream_id, streamId)
  assert.equal(answer.infohash, swarm.infohash)
  for (const p of answer.peers) assert.ok(swarmAddrs.has(`${p.ip}:${p.port}`), `${p.ip}:${p.port}`)

  // Collector stopped: a clear 503, and the rest of the API keeps answering.
  await collector.close()
  const down = await fetch(peersUrl)
  assert.equal(down.status, 503)
  assert.equal(((await down.json()) as any).error, 'peer collector unavailable')
  const streams = await fetch(`${orch.url}/streams`)
  assert.equal(streams.status, 200)
  assert.equal(((await streams.json()) as any[]).length, 1)

  // Collector back on the same address: peers again.
  collector = await startCollectorProcess(collectorOpts)
  const again = await eventually(
    async () => {
      const res = await fetch(peersUrl)
      const body = (await res.json()) as any
      return res.status === 200 && body.peer_count >= 1 ? body : undefined
    },
    { timeoutMs: 30_000, what: 'peers after the collector came back' },
  )
  assert.equal(again.stream_id, streamId)

  // Stopping the stream through the API reaches the engine.
  const del = await fetch(`${orch.url}/streams/${enc(streamId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${API_KEY}` },
  })
  assert.equal(del.status, 200)
  assert.equal(engine.sessions.get(start.playback_session_id)!.stopped, true)
})
