/**
 * The stream shapes the API answers with. Field names follow the original orchestrator's
 * StreamState / StreamStatSnapshot / LivePosData (reference B4); additions are marked.
 */

export type KeyType = 'content_id' | 'infohash' | 'url' | 'magnet'
export type StreamStatus = 'started' | 'ended'
/** Where the stream's infohash came from; `engine` (the stat answer) is the most trusted. */
export type InfohashSource = 'engine' | 'event' | 'key'

/** Live window positions; the engine sends them as strings holding integers, kept as strings. */
export interface LivePos {
  pos: string | null
  live_first: string | null
  live_last: string | null
  first_ts: string | null
  last_ts: string | null
  buffer_pieces: string | null
}

export interface StatSnapshot {
  /** ISO 8601 (UTC) time of the poll. */
  ts: string
  peers: number | null
  /** KB/s */
  speed_down: number | null
  /** KB/s */
  speed_up: number | null
  /** bytes */
  downloaded: number | null
  /** bytes */
  uploaded: number | null
  status: string | null
  livepos: LivePos | null
}

export interface StreamState {
  id: string
  key_type: KeyType
  key: string
  /** The engine key: the event's container_id, else "host:port". */
  container_id: string
  playback_session_id: string
  stat_url: string
  command_url: string
  is_live: boolean
  started_at: string
  ended_at: string | null
  status: StreamStatus
  peers: number | null
  speed_down: number | null
  speed_up: number | null
  downloaded: number | null
  uploaded: number | null
  livepos: LivePos | null
  // ---- additions over the original ----
  engine: { host: string; port: number }
  labels: Record<string, string>
  /** Swarm infohash (40 lowercase hex) once known; the collector needs it, not the content id. */
  infohash: string | null
  infohash_source: InfohashSource | null
  /**
   * Announce URLs known for the stream's swarm (the magnet key's `tr=`, then the event's
   * `session.trackers`); absent when none. The collector is asked with a magnet carrying them.
   */
  trackers?: string[]
  /** Engine status string of the latest snapshot. */
  engine_status: string | null
  last_polled_at: string | null
  /** Latest failed poll, cleared by the next successful one. */
  last_error: { message: string; at: string } | null
  end_reason: string | null
}

/** Totals over every stream a page query matched, not only the rows of the page. */
export interface StreamSummary {
  active: number
  ended: number
  /** Sum of the active streams' latest peer counts. */
  peers: number
  /** KB/s, summed over the active streams. */
  speed_down: number
  /** KB/s, summed over the active streams. */
  speed_up: number
}

/** `GET /streams` with `limit`, `offset` or `q`: one page, active streams first. */
export interface StreamPage<T = StreamState> {
  streams: T[]
  /** Streams that matched (all pages). */
  total: number
  offset: number
  limit: number
  /** Where the next page starts; null on the last page. */
  next_offset: number | null
  summary: StreamSummary
}
