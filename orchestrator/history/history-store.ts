/**
 * Reads and writes of the history database. Writes come in batches: `recordCycle` writes every
 * changed stream and every new snapshot of one poll cycle in a single transaction, so a killed
 * orchestrator loses at most the cycle in flight. Reads serve the streams API for what memory no
 * longer holds (ended streams, history before a restart) and charts over an hour, a day or a
 * week, averaged into at most `maxPoints` buckets.
 *
 * @example
 * const history = createHistoryStore({ db: openHistoryDatabase(dir), maxAgeMs, maxRows })
 * poller.onCycle = () => history.recordCycle(store.list(), (id) => store.history(id, { limit: 1 })?.[0])
 */
import type { Statement } from 'better-sqlite3'
import { mergeTrackers } from '../streams/stream-trackers.ts'
import type { LivePos, StatSnapshot, StreamState } from '../streams/types.ts'
import type { HistoryDatabase } from './database.ts'

export interface HistoryStoreOptions {
  db: HistoryDatabase
  /** Snapshots, samples, events and ended streams older than this are deleted by `prune`. */
  maxAgeMs: number
  /** Most snapshot rows (and, apart, swarm sample rows) kept; the oldest go first. */
  maxRows: number
  now?: () => number
}

/** Peer counts the collector reported for a stream's swarm at one time. */
export interface SwarmSample {
  stream_id: string
  /** epoch ms */
  ts: number
  infohash: string
  peers: number
  reachable: number | null
  /** Peers per discovery source (dht, tracker, stream_tracker, pex). */
  sources: Record<string, number>
  /** Peers per country code, the biggest first, at most 20 (the rest under `other`). */
  countries: Record<string, number>
}

export interface StoredEvent {
  id: number
  at: string
  kind: string
  state: string
  subject: string
  message: string
  details: Record<string, unknown>
}

export interface SnapshotQuery {
  since?: Date
  /** Newest `limit` snapshots (raw). */
  limit?: number
  /** Average into at most this many time buckets when there are more snapshots. */
  maxPoints?: number
}

interface StreamRow {
  id: string
  playback_session_id: string
  key_type: string
  key: string
  container_id: string
  stat_url: string
  command_url: string
  is_live: number
  engine_host: string
  engine_port: number
  labels: string
  infohash: string | null
  infohash_source: string | null
  started_at: string
  ended_at: string | null
  end_reason: string | null
  last_polled_at: string | null
  downloaded: number | null
  uploaded: number | null
  engine_status: string | null
  /** JSON array of announce URLs; null when the stream named none (or before schema 2). */
  trackers: string | null
}

interface SnapshotRow {
  ts: number
  peers: number | null
  speed_down: number | null
  speed_up: number | null
  downloaded: number | null
  uploaded: number | null
  status: string | null
  livepos: string | null
}

export interface HistoryStore {
  /**
   * One poll cycle in one transaction: every stream whose row changed, and the latest snapshot
   * of every stream polled since the last call.
   */
  recordCycle(streams: StreamState[], latest: (id: string) => StatSnapshot | undefined): void
  /** Writes one stream's row now (a start or an end between two cycles). */
  recordStream(s: StreamState): void
  recordSwarmSamples(samples: SwarmSample[]): void
  swarmSamples(streamId: string, since: Date): SwarmSample[]
  /** Streams not ended when the orchestrator last stopped (to watch again after a restart). */
  unfinishedStreams(): StreamState[]
  markEnded(id: string, reason: string): void
  getStream(id: string): StreamState | undefined
  /** Newest first, at most `limit`, leaving out `exclude` (streams memory answers for). */
  listStreams(opts: {
    status?: 'started' | 'ended'
    container_id?: string
    exclude: Set<string>
    limit: number
  }): StreamState[]
  snapshots(streamId: string, q?: SnapshotQuery): StatSnapshot[]
  appendEvent(e: Omit<StoredEvent, 'id'>, maxEvents: number): StoredEvent
  events(opts: { limit: number; since?: Date; kind?: string }): StoredEvent[]
  saveLooping(entries: Array<{ stream_id: string }>): void
  loadLooping<T>(): T[]
  /** Deletes what is past the age or row limits; returns how many rows went. */
  prune(): { snapshots: number; swarm_samples: number; streams: number; events: number }
  close(): void
}

export function createHistoryStore(opts: HistoryStoreOptions): HistoryStore {
  const { db } = opts
  const now = opts.now ?? Date.now
  // What was last written per stream, so a cycle writes only what changed.
  const written = new Map<string, { row: string; polled: string | null }>()
  const st = (sql: string): Statement => db.prepare(sql)

  const upsertStream = st(`
    INSERT INTO streams (id, playback_session_id, key_type, key, container_id, stat_url,
      command_url, is_live, engine_host, engine_port, labels, infohash, infohash_source,
      started_at, ended_at, end_reason, last_polled_at, downloaded, uploaded, engine_status,
      trackers)
    VALUES (@id, @playback_session_id, @key_type, @key, @container_id, @stat_url, @command_url,
      @is_live, @engine_host, @engine_port, @labels, @infohash, @infohash_source, @started_at,
      @ended_at, @end_reason, @last_polled_at, @downloaded, @uploaded, @engine_status, @trackers)
    ON CONFLICT (id) DO UPDATE SET playback_session_id = excluded.playback_session_id,
      key_type = excluded.key_type, key = excluded.key, container_id = excluded.container_id,
      stat_url = excluded.stat_url, command_url = excluded.command_url,
      is_live = excluded.is_live, engine_host = excluded.engine_host,
      engine_port = excluded.engine_port, labels = excluded.labels,
      infohash = excluded.infohash, infohash_source = excluded.infohash_source,
      started_at = excluded.started_at, ended_at = excluded.ended_at,
      end_reason = excluded.end_reason, last_polled_at = excluded.last_polled_at,
      downloaded = excluded.downloaded, uploaded = excluded.uploaded,
      engine_status = excluded.engine_status, trackers = excluded.trackers`)
  const insertSnapshot = st(`
    INSERT OR REPLACE INTO snapshots (stream_id, ts, peers, speed_down, speed_up, downloaded,
      uploaded, status, livepos)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertSample = st(`
    INSERT OR REPLACE INTO swarm_samples (stream_id, ts, infohash, peers, reachable, sources,
      countries) VALUES (?, ?, ?, ?, ?, ?, ?)`)
  const selectStream = st('SELECT * FROM streams WHERE id = ?')
  const insertEvent = st(
    'INSERT INTO events (ts, kind, state, subject, message, details) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const trimEvents = st('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?')

  const recordCycle = db.transaction(
    (streams: StreamState[], latest: (id: string) => StatSnapshot | undefined) => {
      for (const s of streams) {
        const row = toRow(s)
        const key = JSON.stringify(row)
        const before = written.get(s.id)
        if (before?.row !== key) upsertStream.run(row)
        if (s.last_polled_at && s.last_polled_at !== before?.polled) {
          const snap = latest(s.id)
          if (snap) {
            insertSnapshot.run(
              s.id,
              Date.parse(snap.ts),
              snap.peers,
              snap.speed_down,
              snap.speed_up,
              snap.downloaded,
              snap.uploaded,
              snap.status,
              snap.livepos ? JSON.stringify(snap.livepos) : null,
            )
          }
        }
        written.set(s.id, { row: key, polled: s.last_polled_at })
      }
      // Streams memory forgot are final in the database; forget them here too.
      if (written.size > streams.length * 2 + 100) {
        const ids = new Set(streams.map((s) => s.id))
        for (const id of written.keys()) if (!ids.has(id)) written.delete(id)
      }
    },
  )

  const recordSwarmSamples = db.transaction((samples: SwarmSample[]) => {
    for (const s of samples) {
      insertSample.run(
        s.stream_id,
        s.ts,
        s.infohash,
        s.peers,
        s.reachable,
        JSON.stringify(s.sources),
        JSON.stringify(s.countries),
      )
    }
  })

  return {
    recordCycle: (streams, latest) => recordCycle(streams, latest),
    recordStream(s) {
      const row = toRow(s)
      upsertStream.run(row)
      const before = written.get(s.id)
      // The snapshot mark stays, so the next cycle still writes a snapshot not written yet.
      written.set(s.id, { row: JSON.stringify(row), polled: before?.polled ?? null })
    },
    recordSwarmSamples: (samples) => {
      if (samples.length) recordSwarmSamples(samples)
    },

    swarmSamples(streamId, since) {
      const rows = st(
        `SELECT * FROM swarm_samples WHERE stream_id = ? AND ts > ? ORDER BY ts LIMIT 10000`,
      ).all(streamId, since.getTime()) as Array<Record<string, unknown>>
      return rows.map((r) => ({
        stream_id: String(r.stream_id),
        ts: Number(r.ts),
        infohash: String(r.infohash),
        peers: Number(r.peers),
        reachable: r.reachable === null ? null : Number(r.reachable),
        sources: JSON.parse(String(r.sources)) as Record<string, number>,
        countries: JSON.parse(String(r.countries)) as Record<string, number>,
      }))
    },

    unfinishedStreams() {
      const rows = st(
        'SELECT * FROM streams WHERE ended_at IS NULL ORDER BY started_at LIMIT 100000',
      ).all() as StreamRow[]
      return rows.map(fromRow)
    },

    markEnded(id, reason) {
      st('UPDATE streams SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(
        new Date(now()).toISOString(),
        reason,
        id,
      )
      written.delete(id)
    },

    getStream(id) {
      const row = selectStream.get(id) as StreamRow | undefined
      return row && fromRow(row)
    },

    listStreams({ status, container_id, exclude, limit }) {
      const where: string[] = []
      const args: unknown[] = []
      if (status === 'started') where.push('ended_at IS NULL')
      if (status === 'ended') where.push('ended_at IS NOT NULL')
      if (container_id) {
        where.push('container_id = ?')
        args.push(container_id)
      }
      // Ids first, a few more than asked since the ones memory answers for are left out; whole
      // rows only for the rest: with thousands of streams in memory, reading their rows only to
      // drop them cost more than the rest of a list.
      const ids = st(
        `SELECT id FROM streams ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY started_at DESC LIMIT ?`,
      )
        .pluck()
        .all(...args, limit + exclude.size) as string[]
      const wanted = ids.filter((id) => !exclude.has(id)).slice(0, limit)
      if (wanted.length === 0) return []
      const rows = st(
        `SELECT * FROM streams WHERE id IN (SELECT value FROM json_each(?))
         ORDER BY started_at DESC`,
      ).all(JSON.stringify(wanted)) as StreamRow[]
      return rows.map(fromRow)
    },

    snapshots(streamId, q = {}) {
      const since = q.since?.getTime() ?? 0
      const count = (
        st('SELECT COUNT(*) AS n FROM snapshots WHERE stream_id = ? AND ts > ?').get(
          streamId,
          since,
        ) as { n: number }
      ).n
      if (q.maxPoints && count > q.maxPoints) {
        const first = st(
          'SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM snapshots WHERE stream_id = ? AND ts > ?',
        ).get(streamId, since) as { lo: number; hi: number }
        const bucket = Math.max(1, Math.ceil((first.hi - first.lo + 1) / q.maxPoints))
        const rows = st(
          `SELECT MAX(ts) AS ts, ROUND(AVG(peers)) AS peers, ROUND(AVG(speed_down)) AS speed_down,
             ROUND(AVG(speed_up)) AS speed_up, MAX(downloaded) AS downloaded,
             MAX(uploaded) AS uploaded, NULL AS status, NULL AS livepos
           FROM snapshots WHERE stream_id = ? AND ts > ?
           GROUP BY CAST((ts - ?) / ? AS INTEGER) ORDER BY ts`,
        ).all(streamId, since, first.lo, bucket) as SnapshotRow[]
        return rows.map(toSnapshot)
      }
      const limit = q.limit ?? 100_000
      const rows = st(
        `SELECT * FROM (SELECT * FROM snapshots WHERE stream_id = ? AND ts > ?
           ORDER BY ts DESC LIMIT ?) ORDER BY ts`,
      ).all(streamId, since, limit) as SnapshotRow[]
      return rows.map(toSnapshot)
    },

    appendEvent(e, maxEvents) {
      const info = insertEvent.run(
        Date.parse(e.at),
        e.kind,
        e.state,
        e.subject,
        e.message,
        JSON.stringify(e.details),
      )
      trimEvents.run(maxEvents)
      return { ...e, id: Number(info.lastInsertRowid) }
    },

    events({ limit, since, kind }) {
      const where = ['ts > ?']
      const args: unknown[] = [since?.getTime() ?? 0]
      if (kind) {
        where.push('kind = ?')
        args.push(kind)
      }
      const rows = st(
        `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
      ).all(...args, limit) as Array<Record<string, unknown>>
      return rows.map((r) => ({
        id: Number(r.id),
        at: new Date(Number(r.ts)).toISOString(),
        kind: String(r.kind),
        state: String(r.state),
        subject: String(r.subject),
        message: String(r.message),
        details: JSON.parse(String(r.details)) as Record<string, unknown>,
      }))
    },

    saveLooping: db.transaction((entries: Array<{ stream_id: string }>) => {
      db.prepare('DELETE FROM looping').run()
      const insert = db.prepare('INSERT INTO looping (stream_id, entry) VALUES (?, ?)')
      for (const e of entries) insert.run(e.stream_id, JSON.stringify(e))
    }),

    loadLooping<T>() {
      const rows = st('SELECT entry FROM looping').all() as Array<{ entry: string }>
      return rows.map((r) => JSON.parse(r.entry) as T)
    },

    prune() {
      const cutoff = now() - opts.maxAgeMs
      return db.transaction(() => {
        const snapshots =
          st('DELETE FROM snapshots WHERE ts < ?').run(cutoff).changes +
          overRows('snapshots', opts.maxRows)
        const swarm_samples =
          st('DELETE FROM swarm_samples WHERE ts < ?').run(cutoff).changes +
          overRows('swarm_samples', opts.maxRows)
        const ended = st('SELECT id FROM streams WHERE ended_at IS NOT NULL AND ended_at < ?').all(
          new Date(cutoff).toISOString(),
        ) as Array<{ id: string }>
        for (const { id } of ended) {
          st('DELETE FROM snapshots WHERE stream_id = ?').run(id)
          st('DELETE FROM swarm_samples WHERE stream_id = ?').run(id)
        }
        const streams = st('DELETE FROM streams WHERE ended_at IS NOT NULL AND ended_at < ?').run(
          new Date(cutoff).toISOString(),
        ).changes
        const events = st('DELETE FROM events WHERE ts < ?').run(cutoff).changes
        return { snapshots, swarm_samples, streams, events }
      })()
    },

    close() {
      if (db.open) db.close()
    },
  }

  /** Deletes the oldest rows of a (stream_id, ts) table beyond `max`. */
  function overRows(table: 'snapshots' | 'swarm_samples', max: number): number {
    const n = (st(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
    if (n <= max) return 0
    const edge = st(`SELECT ts FROM ${table} ORDER BY ts LIMIT 1 OFFSET ?`).get(n - max) as {
      ts: number
    }
    return st(`DELETE FROM ${table} WHERE ts < ?`).run(edge.ts).changes
  }
}

function toRow(s: StreamState) {
  return {
    id: s.id,
    playback_session_id: s.playback_session_id,
    key_type: s.key_type,
    key: s.key,
    container_id: s.container_id,
    stat_url: s.stat_url,
    command_url: s.command_url,
    is_live: s.is_live ? 1 : 0,
    engine_host: s.engine.host,
    engine_port: s.engine.port,
    labels: JSON.stringify(s.labels),
    infohash: s.infohash,
    infohash_source: s.infohash_source,
    started_at: s.started_at,
    ended_at: s.ended_at,
    end_reason: s.end_reason,
    last_polled_at: s.last_polled_at,
    downloaded: s.downloaded,
    uploaded: s.uploaded,
    engine_status: s.engine_status,
    trackers: s.trackers?.length ? JSON.stringify(s.trackers) : null,
  }
}

/** The stored trackers, checked again as an event's are: the file may have been edited. */
function trackersOf(json: string | null): string[] | undefined {
  if (!json) return undefined
  try {
    const list = JSON.parse(json) as unknown
    const usable = Array.isArray(list)
      ? mergeTrackers(list.filter((t): t is string => typeof t === 'string'))
      : []
    return usable.length ? usable : undefined
  } catch {
    return undefined
  }
}

function fromRow(r: StreamRow): StreamState {
  const trackers = trackersOf(r.trackers)
  return {
    id: r.id,
    key_type: r.key_type as StreamState['key_type'],
    key: r.key,
    container_id: r.container_id,
    playback_session_id: r.playback_session_id,
    stat_url: r.stat_url,
    command_url: r.command_url,
    is_live: r.is_live === 1,
    started_at: r.started_at,
    ended_at: r.ended_at,
    status: r.ended_at === null ? 'started' : 'ended',
    // Live figures belong to a stream being polled; a stored one keeps only its totals.
    peers: null,
    speed_down: null,
    speed_up: null,
    downloaded: r.downloaded,
    uploaded: r.uploaded,
    livepos: null,
    engine: { host: r.engine_host, port: r.engine_port },
    labels: JSON.parse(r.labels) as Record<string, string>,
    infohash: r.infohash,
    infohash_source: r.infohash_source as StreamState['infohash_source'],
    engine_status: r.engine_status,
    last_polled_at: r.last_polled_at,
    last_error: null,
    end_reason: r.end_reason,
    ...(trackers && { trackers }),
  }
}

function toSnapshot(r: SnapshotRow): StatSnapshot {
  return {
    ts: new Date(r.ts).toISOString(),
    peers: r.peers,
    speed_down: r.speed_down,
    speed_up: r.speed_up,
    downloaded: r.downloaded,
    uploaded: r.uploaded,
    status: r.status,
    livepos: r.livepos ? (JSON.parse(r.livepos) as LivePos) : null,
  }
}
