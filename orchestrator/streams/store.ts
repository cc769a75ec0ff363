import type { InfohashSource, StatSnapshot, StreamState, StreamStatus } from './types.ts'

/** What registering a stream needs; the route builds it from a validated event. */
export type NewStream = Pick<
  StreamState,
  | 'id'
  | 'key_type'
  | 'key'
  | 'container_id'
  | 'playback_session_id'
  | 'stat_url'
  | 'command_url'
  | 'is_live'
  | 'engine'
  | 'labels'
  | 'infohash'
  | 'infohash_source'
  | 'trackers'
>

export interface StreamStoreOptions {
  /** Snapshots kept per stream. */
  historyMax: number
  /** Streams kept, active and ended together. */
  maxStreams: number
  /** Ended streams older than this are forgotten. */
  endedRetentionMs: number
  now?: () => Date
}

export interface ListFilter {
  status?: StreamStatus
  container_id?: string
}

export interface HistoryFilter {
  /** Only snapshots taken after this time. */
  since?: Date
  /** Newest `limit` snapshots. */
  limit?: number
  /** Chart-sized answer: the history database averages into at most this many points. */
  maxPoints?: number
}

/** Thrown when every slot holds an active stream; the API answers 503. */
export class StreamStoreFullError extends Error {
  constructor(readonly max: number) {
    super(`already tracking ${max} active streams`)
    this.name = 'StreamStoreFullError'
  }
}

export interface StreamStore {
  /**
   * Registers a started stream. The same id again while it is active with the same key is the
   * same stream: its session fields are refreshed, its history and started_at kept. Otherwise
   * (ended, or another key under that id) it is replaced by a fresh stream.
   */
  start(input: NewStream, opts?: { startedAt?: string }): StreamState
  /** Ends an active stream; null when it is unknown or already ended (nothing changes). */
  end(id: string, reason: string | null): StreamState | null
  /** Latest-started active stream of an engine, for `stream_ended` with only container_id. */
  findActiveByContainer(containerId: string): StreamState | undefined
  get(id: string): StreamState | undefined
  /** Newest first. */
  list(filter?: ListFilter): StreamState[]
  /** Id and stat URL of every active stream (what the poller needs). */
  activeTargets(): Array<{ id: string; stat_url: string }>
  recordSnapshot(id: string, snapshot: StatSnapshot, infohash: string | null): void
  /** Marks a failed poll; true when it is the first failure since the last success. */
  recordError(id: string, message: string): boolean
  history(id: string, filter?: HistoryFilter): StatSnapshot[] | undefined
  counts(): { active: number; ended: number }
}

interface StreamRecord {
  base: NewStream
  started_at: string
  ended_at: string | null
  end_reason: string | null
  infohash: string | null
  infohash_source: InfohashSource | null
  latest: StatSnapshot | null
  last_error: { message: string; at: string } | null
  history: StatSnapshot[]
  /** Insertion counter: orders streams started in the same millisecond. */
  seq: number
}

/**
 * In-memory registry of streams and their stat history, bounded in streams and snapshots.
 * Memory holds the live view; orchestrator/history/ keeps everything across restarts.
 *
 * @example
 * const store = createStreamStore({ historyMax: 720, maxStreams: 1000, endedRetentionMs: 3_600_000 })
 * store.start({ id: 'ch-7', ... })
 * store.list({ status: 'started' })
 */
export function createStreamStore(opts: StreamStoreOptions): StreamStore {
  const now = opts.now ?? (() => new Date())
  const streams = new Map<string, StreamRecord>()
  let seq = 0

  const purgeExpired = () => {
    const cutoff = now().getTime() - opts.endedRetentionMs
    for (const [id, r] of streams) {
      if (r.ended_at !== null && Date.parse(r.ended_at) <= cutoff) streams.delete(id)
    }
  }

  const makeRoom = () => {
    purgeExpired()
    if (streams.size < opts.maxStreams) return
    // Drop the oldest ended streams first; active ones are never evicted silently.
    const ended = [...streams.entries()]
      .filter(([, r]) => r.ended_at !== null)
      .sort(([, a], [, b]) => a.seq - b.seq)
    for (const [id] of ended) {
      if (streams.size < opts.maxStreams) break
      streams.delete(id)
    }
    if (streams.size >= opts.maxStreams) throw new StreamStoreFullError(opts.maxStreams)
  }

  return {
    start(input, startOpts = {}) {
      const existing = streams.get(input.id)
      if (existing && existing.ended_at === null && existing.base.key === input.key) {
        existing.base = {
          ...existing.base,
          container_id: input.container_id,
          playback_session_id: input.playback_session_id,
          stat_url: input.stat_url,
          command_url: input.command_url,
          is_live: input.is_live,
          engine: { ...input.engine },
          trackers: input.trackers,
        }
        // What the engine itself reported stays; an event's infohash only fills a gap.
        if (input.infohash && existing.infohash_source !== 'engine') {
          existing.infohash = input.infohash
          existing.infohash_source = input.infohash_source
        }
        return toState(existing)
      }
      if (!existing) makeRoom()
      const record: StreamRecord = {
        base: { ...input, labels: { ...input.labels } },
        // A stream watched again after a restart keeps the start time it had.
        started_at: startOpts.startedAt ?? now().toISOString(),
        ended_at: null,
        end_reason: null,
        infohash: input.infohash,
        infohash_source: input.infohash_source,
        latest: null,
        last_error: null,
        history: [],
        seq: ++seq,
      }
      // Re-inserting moves the id to the end of the Map, like a fresh stream.
      streams.delete(input.id)
      streams.set(input.id, record)
      return toState(record)
    },

    end(id, reason) {
      const r = streams.get(id)
      if (!r || r.ended_at !== null) return null
      r.ended_at = now().toISOString()
      r.end_reason = reason
      return toState(r)
    },

    findActiveByContainer(containerId) {
      let best: StreamRecord | undefined
      for (const r of streams.values()) {
        if (r.ended_at === null && r.base.container_id === containerId) {
          if (!best || r.seq > best.seq) best = r
        }
      }
      return best && toState(best)
    },

    get(id) {
      const r = streams.get(id)
      return r && toState(r)
    },

    list(filter = {}) {
      purgeExpired()
      const out: StreamRecord[] = []
      for (const r of streams.values()) {
        const status: StreamStatus = r.ended_at === null ? 'started' : 'ended'
        if (filter.status && filter.status !== status) continue
        if (filter.container_id && filter.container_id !== r.base.container_id) continue
        out.push(r)
      }
      return out.sort((a, b) => b.seq - a.seq).map(toState)
    },

    activeTargets() {
      const out: Array<{ id: string; stat_url: string }> = []
      for (const r of streams.values()) {
        if (r.ended_at === null) out.push({ id: r.base.id, stat_url: r.base.stat_url })
      }
      return out
    },

    recordSnapshot(id, snapshot, infohash) {
      const r = streams.get(id)
      // A poll that finishes after the stream ended (or was replaced) must not write into it.
      if (!r || r.ended_at !== null) return
      r.latest = snapshot
      r.last_error = null
      r.history.push(snapshot)
      if (r.history.length > opts.historyMax)
        r.history.splice(0, r.history.length - opts.historyMax)
      if (infohash) {
        r.infohash = infohash
        r.infohash_source = 'engine'
      }
    },

    recordError(id, message) {
      const r = streams.get(id)
      if (!r || r.ended_at !== null) return false
      const first = r.last_error === null
      r.last_error = { message: message.slice(0, 500), at: now().toISOString() }
      return first
    },

    history(id, filter = {}) {
      const r = streams.get(id)
      if (!r) return undefined
      let items = r.history
      if (filter.since) {
        const t = filter.since.getTime()
        items = items.filter((s) => Date.parse(s.ts) > t)
      }
      if (filter.limit !== undefined && items.length > filter.limit) {
        items = items.slice(items.length - filter.limit)
      }
      return items.slice()
    },

    counts() {
      let active = 0
      for (const r of streams.values()) if (r.ended_at === null) active++
      return { active, ended: streams.size - active }
    },
  }
}

function toState(r: StreamRecord): StreamState {
  const active = r.ended_at === null
  const s = r.latest
  return {
    id: r.base.id,
    key_type: r.base.key_type,
    key: r.base.key,
    container_id: r.base.container_id,
    playback_session_id: r.base.playback_session_id,
    stat_url: r.base.stat_url,
    command_url: r.base.command_url,
    is_live: r.base.is_live,
    started_at: r.started_at,
    ended_at: r.ended_at,
    status: active ? 'started' : 'ended',
    // As in the original: an ended stream keeps its totals but not its live figures.
    peers: active ? (s?.peers ?? null) : null,
    speed_down: active ? (s?.speed_down ?? null) : null,
    speed_up: active ? (s?.speed_up ?? null) : null,
    downloaded: s?.downloaded ?? null,
    uploaded: s?.uploaded ?? null,
    livepos: active ? (s?.livepos ?? null) : null,
    engine: { ...r.base.engine },
    labels: { ...r.base.labels },
    infohash: r.infohash,
    infohash_source: r.infohash_source,
    ...(r.base.trackers?.length ? { trackers: [...r.base.trackers] } : {}),
    engine_status: s?.status ?? null,
    last_polled_at: s?.ts ?? null,
    last_error: r.last_error,
    end_reason: r.end_reason,
  }
}
