/**
 * The orchestrator's stream shapes as its API serves them (`GET /streams`, `GET /streams/{id}`,
 * `GET /streams/{id}/stats`). Field names follow the original orchestrator's StreamState /
 * StreamStatSnapshot / LivePos; additions are marked. Browser-safe: zod only.
 *
 * @example
 * const page = StreamPageSchema.parse(await res.json())
 */
import { z } from 'zod'

export const KeyTypeSchema = z.enum(['content_id', 'infohash', 'url', 'magnet'])
export type KeyType = z.infer<typeof KeyTypeSchema>
export const StreamStatusSchema = z.enum(['started', 'ended'])
export type StreamStatus = z.infer<typeof StreamStatusSchema>
/** Where the stream's infohash came from; `engine` (the stat answer) is the most trusted. */
export const InfohashSourceSchema = z.enum(['engine', 'event', 'key'])
export type InfohashSource = z.infer<typeof InfohashSourceSchema>

const str = z.string().nullable()
const num = z.number().nullable()

/** Live window positions; the engine sends them as strings holding integers, kept as strings. */
export const LivePosSchema = z.object({
  pos: str,
  live_first: str,
  live_last: str,
  first_ts: str,
  last_ts: str,
  buffer_pieces: str,
})
export type LivePos = z.infer<typeof LivePosSchema>

/** One engine poll. */
export const StatSnapshotSchema = z.object({
  /** ISO 8601 (UTC) time of the poll. */
  ts: z.string(),
  peers: num,
  /** KB/s */
  speed_down: num.describe('KB/s'),
  /** KB/s */
  speed_up: num.describe('KB/s'),
  /** bytes */
  downloaded: num.describe('bytes'),
  /** bytes */
  uploaded: num.describe('bytes'),
  status: str,
  livepos: LivePosSchema.nullable(),
})
export type StatSnapshot = z.infer<typeof StatSnapshotSchema>

export const StreamStateSchema = z.object({
  id: z.string(),
  key_type: KeyTypeSchema,
  key: z.string(),
  /** The engine key: the event's container_id, else "host:port". */
  container_id: z.string(),
  playback_session_id: z.string(),
  stat_url: z.string(),
  command_url: z.string(),
  is_live: z.boolean(),
  started_at: z.string(),
  ended_at: str,
  status: StreamStatusSchema,
  peers: num,
  speed_down: num,
  speed_up: num,
  downloaded: num,
  uploaded: num,
  livepos: LivePosSchema.nullable(),
  // ---- additions over the original ----
  engine: z.object({ host: z.string(), port: z.number().int() }),
  labels: z.record(z.string(), z.string()),
  /** Swarm infohash (40 lowercase hex) once known; the collector needs it, not the content id. */
  infohash: str,
  infohash_source: InfohashSourceSchema.nullable(),
  /**
   * Announce URLs known for the stream's swarm (the magnet key's `tr=`, then the event's
   * `session.trackers`); absent when none. The collector is asked with a magnet carrying them.
   */
  trackers: z.array(z.string()).optional(),
  /** Engine status string of the latest snapshot. */
  engine_status: str,
  last_polled_at: str,
  /** Latest failed poll, cleared by the next successful one. */
  last_error: z.object({ message: z.string(), at: z.string() }).nullable(),
  end_reason: str,
})
export type StreamState = z.infer<typeof StreamStateSchema>

/**
 * A stream as the API serves it: callers without the API key (when one is set) get no
 * `stat_url` and `command_url`, since a command URL stops the session when fetched.
 */
export const StreamSchema = StreamStateSchema.extend({
  stat_url: z.string().optional(),
  command_url: z.string().optional(),
})

/** Totals over every stream a page query matched, not only the rows of the page. */
export const StreamSummarySchema = z.object({
  active: z.number().int(),
  ended: z.number().int(),
  /** Sum of the active streams' latest peer counts. */
  peers: z.number(),
  /** KB/s, summed over the active streams. */
  speed_down: z.number(),
  /** KB/s, summed over the active streams. */
  speed_up: z.number(),
})
export type StreamSummary = z.infer<typeof StreamSummarySchema>

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

export const StreamPageSchema = z.object({
  streams: z.array(StreamSchema),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  next_offset: z.number().int().nullable(),
  summary: StreamSummarySchema,
})

/** `POST /events/stream_ended`: whether a stream ended, and which. */
export const StreamEndedAnswerSchema = z.object({
  updated: z.boolean(),
  stream: StreamStateSchema.nullable(),
})

/** `DELETE /streams/{id}`: the stream ended, with what the engine said to the stop command. */
export const StreamStopAnswerSchema = z.object({
  message: z.string(),
  stream_id: z.string(),
  engine_stop: z.object({ ok: z.boolean(), detail: z.string() }).loose(),
  stream: StreamStateSchema.nullable(),
})

/**
 * The fields the streams table shows (`GET /streams/events` rows, the page's island props): no
 * URLs, labels or live positions, which keeps them a third of a whole StreamState.
 */
export const StreamRowSchema = StreamStateSchema.pick({
  id: true,
  key_type: true,
  key: true,
  container_id: true,
  is_live: true,
  started_at: true,
  ended_at: true,
  status: true,
  peers: true,
  speed_down: true,
  speed_up: true,
}).extend({
  last_error: z.string().nullable(),
  /** The stream's own name (a `labels.stream_id` the proxy gave); null for `<key>|<session>` ids. */
  name: z.string().nullable(),
})
export type StreamRow = z.infer<typeof StreamRowSchema>

/** Largest page `GET /streams` answers; the island asks for at most this many rows per refresh. */
export const STREAM_PAGE_MAX = 1000
/** Longest filter text: ids, keys and engine names are all shorter. */
export const STREAM_QUERY_MAX_CHARS = 200

const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 time' })

/** Query of `GET /streams`. */
export const StreamListQuerySchema = z.object({
  status: StreamStatusSchema.optional(),
  container_id: z.string().max(256).optional(),
  // Any of these asks for one page (active streams first) with totals, instead of the array.
  limit: z.coerce.number().int().min(1).max(STREAM_PAGE_MAX).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  q: z.string().max(STREAM_QUERY_MAX_CHARS).optional(),
})

/** Query of `GET /streams/{id}/stats`. */
export const StreamStatsQuerySchema = z.object({
  since: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
  /** A chart's time span: the last hour, day or week, averaged into at most 720 points. */
  range: z.enum(['hour', 'day', 'week']).optional(),
})
