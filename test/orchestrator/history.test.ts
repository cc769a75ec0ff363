// Guards the history database in DATA_DIR: a polled stream keeps every snapshot across a clean
// restart and across SIGKILL of a real orchestrator process (the file stays intact and at most
// the cycle in flight is lost), is watched again after the restart, ended streams stay listed
// once memory forgot them, charts over a day come back averaged, retention deletes old rows,
// and a database from a newer version is refused with a message instead of being damaged.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import {
  HISTORY_FILE,
  openHistoryDatabase,
  SCHEMA_VERSION,
} from '../../orchestrator/history/database.ts'
import { createHistoryStore } from '../../orchestrator/history/history-store.ts'
import type { StatSnapshot, StreamState } from '../../orchestrator/streams/types.ts'
import { startCollector } from '../helpers/collector-process.ts'
import { createEngineSimulator, registerSimulatedStream } from '../helpers/engine-simulator.ts'
import { createLocalSwarm } from '../helpers/local-swarm.ts'
import { eventually } from '../helpers/wait.ts'
import {
  createTempDir,
  spawnOrchestrator,
  startTestOrchestrator,
} from '../helpers/orchestrator-process.ts'

type T = { after: (fn: () => Promise<void>) => void }
const getJson = async <V>(url: string) => (await (await fetch(url)).json()) as V

async function engineFor(t: T) {
  const engine = await createEngineSimulator()
  t.after(() => engine.close())
  return engine
}

async function dataDir(t: T) {
  const d = await createTempDir('history-test-')
  t.after(() => d.remove())
  return d.dir
}

test('a polled stream keeps all its snapshots across a restart and is watched again', async (t) => {
  const engine = await engineFor(t)
  const dir = await dataDir(t)
  const first = await startTestOrchestrator({ DATA_DIR: dir })
  const trackers = ['udp://127.0.0.1:6969/announce', 'http://127.0.0.2:8080/announce']
  await registerSimulatedStream({ orchestratorUrl: first.url, engine, streamId: 'ch-1', trackers })
  for (let i = 0; i < 5; i++) await first.poller.pollOnce()
  const before = await getJson<StatSnapshot[]>(`${first.url}/streams/ch-1/stats`)
  const stream = await getJson<StreamState>(`${first.url}/streams/ch-1`)
  assert.equal(before.length, 5)
  await first.close()

  const second = await startTestOrchestrator({ DATA_DIR: dir })
  t.after(() => second.close())
  assert.deepEqual(await getJson(`${second.url}/streams/ch-1/stats`), before)
  const again = await getJson<StreamState>(`${second.url}/streams/ch-1`)
  assert.equal(again.status, 'started')
  assert.equal(again.started_at, stream.started_at, 'the start time survives')
  // The stream's own trackers too: the collector is still asked with a magnet naming them.
  assert.deepEqual(again.trackers, trackers)
  // Polling goes on after the restart, adding to the same history.
  await second.poller.pollOnce()
  const after = await getJson<StatSnapshot[]>(`${second.url}/streams/ch-1/stats`)
  assert.equal(after.length, 6)
  assert.deepEqual(after.slice(0, 5), before)
})

test('SIGKILL loses at most the poll cycle in flight and never corrupts the file', async (t) => {
  const engine = await engineFor(t)
  const dir = await dataDir(t)
  const env = { DATA_DIR: dir, COLLECT_INTERVAL_S: '1', LOG_LEVEL: 'info' }
  const first = await spawnOrchestrator(env)
  t.after(() => first.stop())
  await registerSimulatedStream({ orchestratorUrl: first.url, engine, streamId: 'killed' })
  const seen = await eventually(
    async () => {
      const s = await getJson<StatSnapshot[]>(`${first.url}/streams/killed/stats`)
      return s.length >= 6 ? s : undefined
    },
    { what: 'six snapshots', timeoutMs: 20_000 },
  )
  const killedAt = Date.now()
  first.child.kill('SIGKILL')
  await first.stop()

  const db = new Database(join(dir, HISTORY_FILE), { readonly: true })
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  const newest = (
    db.prepare("SELECT MAX(ts) AS ts FROM snapshots WHERE stream_id = 'killed'").get() as {
      ts: number
    }
  ).ts
  db.close()
  // The engine was polled every second right up to the kill: at most one cycle is missing.
  assert.ok(killedAt - newest <= 2000, `newest snapshot ${killedAt - newest} ms before the kill`)

  const second = await spawnOrchestrator(env)
  t.after(() => second.stop())
  const after = await getJson<StatSnapshot[]>(`${second.url}/streams/killed/stats`)
  const ts = new Set(after.map((s) => s.ts))
  for (const s of seen) assert.ok(ts.has(s.ts), `snapshot ${s.ts} survived`)
})

test('an ended stream stays listed with its history after memory forgot it', async (t) => {
  const engine = await engineFor(t)
  const orch = await startTestOrchestrator({ ENDED_STREAM_RETENTION_S: '0' })
  t.after(() => orch.close())
  await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: 'gone' })
  await orch.poller.pollOnce()
  await orch.poller.pollOnce()
  const res = await fetch(`${orch.url}/events/stream_ended`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream_id: 'gone', reason: 'player_stopped' }),
  })
  assert.equal(((await res.json()) as { updated: boolean }).updated, true)
  await orch.poller.pollOnce() // the cycle writes the end
  assert.equal(orch.store.get('gone'), undefined, 'memory forgot it (retention 0)')

  const ended = await getJson<StreamState[]>(`${orch.url}/streams?status=ended`)
  assert.deepEqual(
    ended.map((s) => [s.id, s.status, s.end_reason]),
    [['gone', 'ended', 'player_stopped']],
  )
  const one = await getJson<StreamState>(`${orch.url}/streams/gone`)
  assert.equal(one.peers, null, 'an ended stream has no live figures')
  assert.ok(one.downloaded! > 0, 'but keeps its totals')
  assert.equal((await getJson<unknown[]>(`${orch.url}/streams/gone/stats`)).length, 2)
  const health = await getJson<{ streams: { ended: number } }>(`${orch.url}/health`)
  assert.equal(health.streams.ended, 1, '/health counts what /streams lists')
})

test('stats over a day or a week come back averaged into at most 720 points', async (t) => {
  const dir = await dataDir(t)
  const db = openHistoryDatabase(dir)
  const history = createHistoryStore({ db, maxAgeMs: 30 * 86_400_000, maxRows: 1_000_000 })
  t.after(async () => history.close())
  const now = Date.now()
  const insert = db.prepare(
    'INSERT INTO snapshots (stream_id, ts, peers, speed_down) VALUES (?, ?, ?, ?)',
  )
  // Two days of snapshots every 30 s.
  db.transaction(() => {
    for (let ts = now - 2 * 86_400_000; ts <= now; ts += 30_000) insert.run('s', ts, 10, 100)
  })()
  const day = history.snapshots('s', { since: new Date(now - 86_400_000), maxPoints: 720 })
  assert.ok(day.length <= 720 && day.length >= 700, `${day.length} points`)
  assert.ok(Date.parse(day[0]!.ts) >= now - 86_400_000)
  assert.ok(day.every((p) => p.peers === 10 && p.speed_down === 100))
  const raw = history.snapshots('s', { since: new Date(now - 3_600_000) })
  assert.equal(raw.length, 120)
})

test('retention deletes snapshots past the age and row limits, oldest first', async (t) => {
  const dir = await dataDir(t)
  const db = openHistoryDatabase(dir)
  const now = Date.now()
  const history = createHistoryStore({ db, maxAgeMs: 86_400_000, maxRows: 100, now: () => now })
  t.after(async () => history.close())
  const insert = db.prepare('INSERT INTO snapshots (stream_id, ts) VALUES (?, ?)')
  db.transaction(() => {
    for (let i = 0; i < 50; i++) insert.run('old', now - 2 * 86_400_000 + i)
    for (let i = 0; i < 150; i++) insert.run('new', now - 1000 + i)
  })()
  const gone = history.prune()
  assert.equal(gone.snapshots, 100)
  const left = db.prepare('SELECT stream_id, MIN(ts) AS lo FROM snapshots GROUP BY stream_id').all()
  assert.deepEqual(left, [{ stream_id: 'new', lo: now - 1000 + 50 }])
})

test('a database from before stream trackers were kept is upgraded in place, its streams intact', async (t) => {
  const dir = await dataDir(t)
  // Schema 1: the streams table without its trackers column, holding one active stream.
  const v1 = openHistoryDatabase(dir)
  v1.exec('ALTER TABLE streams DROP COLUMN trackers')
  v1.pragma('user_version = 1')
  v1.prepare(
    `INSERT INTO streams (id, playback_session_id, key_type, key, container_id, stat_url,
       command_url, is_live, engine_host, engine_port, labels, started_at)
     VALUES ('old', 'pb', 'content_id', 'abc', 'c1', 'http://127.0.0.1:1/stat', '', 1,
       '127.0.0.1', 6878, '{}', '2026-11-30T00:00:00.000Z')`,
  ).run()
  v1.close()

  const db = openHistoryDatabase(dir)
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
  const history = createHistoryStore({ db, maxAgeMs: 86_400_000, maxRows: 1000 })
  t.after(async () => history.close())
  const [old] = history.unfinishedStreams()
  assert.equal(old?.id, 'old')
  assert.equal(old?.key, 'abc')
  assert.equal(old?.trackers, undefined)
  // Trackers given now are kept; a hand-edited unusable one is dropped when read back.
  history.recordStream({ ...old!, trackers: ['udp://127.0.0.1:6969/announce'] })
  assert.deepEqual(history.getStream('old')?.trackers, ['udp://127.0.0.1:6969/announce'])
  db.prepare(`UPDATE streams SET trackers = '["ftp://x/y", 7]' WHERE id = 'old'`).run()
  assert.equal(history.getStream('old')?.trackers, undefined)
})

test('the schema is versioned, and a newer database is refused, not touched', async (t) => {
  const dir = await dataDir(t)
  const db = openHistoryDatabase(dir)
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
  db.close()
  assert.throws(() => openHistoryDatabase(dir), /newer than this orchestrator/)
  const p = await spawnOrchestrator({ DATA_DIR: dir }).catch((err: Error) => err)
  assert.ok(p instanceof Error, 'the orchestrator does not start on it')
  assert.match(p.message, /newer than this orchestrator/)
})

test('with peer collection on, each active swarm is sampled into the history by source and country', async (t) => {
  const swarm = await createLocalSwarm({ peers: 4, mode: 'tracker' })
  t.after(() => swarm.close())
  const collector = await startCollector({ swarm, trackers: 'udp', dht: false })
  t.after(() => collector.close())
  const engine = await createEngineSimulator({ infohash: swarm.infohash })
  t.after(() => engine.close())
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: collector.url,
  })
  t.after(() => orch.close())
  await registerSimulatedStream({ orchestratorUrl: orch.url, engine, streamId: 'sw' })
  await orch.poller.pollOnce() // the engine tells the infohash
  type Sample = {
    peers: number
    sources: Record<string, number>
    countries: Record<string, number>
  }
  // The first ask may find the swarm still being discovered; later rounds see all of it.
  const samples = await eventually(
    async () => {
      await orch.ops.sampler.sampleOnce()
      const s = await getJson<Sample[]>(`${orch.url}/streams/sw/swarm?range=hour`)
      return (s.at(-1)?.peers ?? 0) >= 4 ? s : undefined
    },
    { what: 'a sample with all four peers', timeoutMs: 20_000 },
  )
  const last = samples.at(-1)!
  assert.equal(last.peers, 4)
  assert.equal(last.sources.tracker, 4)
  // Loopback peers have no country: counted under `unknown`, never dropped.
  assert.deepEqual(last.countries, { unknown: 4 })
  const m = await (await fetch(`${orch.url}/metrics`)).text()
  assert.match(m, new RegExp(`orchestrator_collector_up\\{collector="${collector.url}"\\} 1`))
  assert.equal((await fetch(`${orch.url}/streams/nope/swarm`)).status, 404)
  assert.equal((await fetch(`${orch.url}/streams/sw/swarm?range=year`)).status, 422)
})
