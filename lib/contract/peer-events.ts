/**
 * The peer event streams (`GET /peers/{id}/events` at the collector, `GET
 * /streams/{id}/peers/events` at the orchestrator), as server-sent events. Every stream opens
 * with a `snapshot` (the whole peers answer), then sends `diff` events (peers `added`, `changed`
 * with only the fields that changed, `removed` by `ip:port`, plus answer-level `fields` that
 * changed) and `heartbeat` events. Snapshot and diff carry the SSE `id` (`<feed>.<seq>`, so a
 * client reconnecting with `Last-Event-ID` is resumed from the diffs it missed when the feed
 * still holds them, else sent a fresh snapshot). The orchestrator adds `status` events saying
 * whether its collectors are live. Browser-safe: zod only.
 *
 * @example
 * const diff = PeerDiffEventSchema.parse(JSON.parse(event.data))
 */
import { z } from 'zod'
import { PeerViewSchema, type PeersAnswer, type PeerView } from './peers.ts'

/** `ip:port`, IPv6 bracketed (see peerKey). */
export const PeerKeySchema = z.string().min(3).max(80)

/** Churn over the recent window, counted by whoever computes the diffs. */
export const ChurnSchema = z.object({
  /** Minutes the figures cover (the feed's age, up to the window). */
  window_min: z.number().min(0).max(1e6),
  joins_per_min: z.number().min(0).max(1e9),
  leaves_per_min: z.number().min(0).max(1e9),
  /** Median seconds a peer that left had been listed; null until one left. */
  median_stay_s: z.number().min(0).max(1e9).nullable(),
})
export type Churn = z.infer<typeof ChurnSchema>

// Each peer field may be set to a new value or to null (the field is no longer known).
const nullablePeerFields = Object.fromEntries(
  Object.entries(PeerViewSchema.shape).map(([k, v]) => [k, v.nullable().optional()]),
) as {
  [K in keyof typeof PeerViewSchema.shape]: z.ZodOptional<
    z.ZodNullable<(typeof PeerViewSchema.shape)[K]>
  >
}

/** One changed peer: its key and only the fields that changed (null: no longer known). */
export const PeerChangeSchema = z.object({ key: PeerKeySchema, ...nullablePeerFields })
export type PeerChange = { key: string } & { [K in keyof PeerView]?: PeerView[K] | null }

/** Answer-level fields (not `peers`) as they change; null means no longer known. */
export type AnswerFields = Partial<Record<Exclude<keyof PeersAnswer, 'peers'>, unknown>> &
  Record<string, unknown>

const eventBase = {
  /** Same text as the SSE `id`: `<feed>.<seq>`, seq counting up per swarm. */
  id: z.string().max(64),
  /** ISO 8601 time the state was read. */
  as_of: z.string().max(40),
}

export const PeerSnapshotEventSchema = z.object({
  ...eventBase,
  /** The whole answer, as `GET /peers/{id}` (or `/streams/{id}/peers`) would give it. */
  answer: z.record(z.string(), z.unknown()),
  churn: ChurnSchema.optional(),
})
export type PeerSnapshotEvent = {
  id: string
  as_of: string
  answer: PeersAnswer & Record<string, unknown>
  churn?: Churn
}

export const PeerDiffEventSchema = z.object({
  ...eventBase,
  added: z.array(PeerViewSchema).max(10_000),
  changed: z.array(PeerChangeSchema).max(10_000),
  removed: z.array(PeerKeySchema).max(10_000),
  /** Answer fields that changed (peer_count, sources, discovering, ...). */
  fields: z.record(z.string(), z.unknown()).optional(),
  churn: ChurnSchema.optional(),
})
export type PeerDiff = {
  added: PeerView[]
  changed: PeerChange[]
  removed: string[]
  fields?: AnswerFields
}
export type PeerDiffEvent = PeerDiff & { id: string; as_of: string; churn?: Churn }

export const HeartbeatEventSchema = z.object({ as_of: z.string().max(40) })

/** The orchestrator's word on its upstream: `live`, or `stale` since a time, with why. */
export const FeedStatusEventSchema = z.object({
  state: z.enum(['live', 'stale']),
  since: z.string().max(40),
  detail: z.string().max(1024).optional(),
})
export type FeedStatusEvent = z.infer<typeof FeedStatusEventSchema>

/** SSE event names, the same on both services. */
export const PEER_EVENT = {
  snapshot: 'snapshot',
  diff: 'diff',
  heartbeat: 'heartbeat',
  status: 'status',
} as const

/** Heartbeat period by default, and the bounds of the `?heartbeat=` override (seconds). */
export const HEARTBEAT_DEFAULT_S = 15
export const HEARTBEAT_MIN_S = 1
export const HEARTBEAT_MAX_S = 60

/** `?heartbeat=` of every event stream, as text: the route checks it against the bounds. */
export const HeartbeatQuerySchema = z.object({
  heartbeat: z
    .string()
    .optional()
    .describe(
      `Seconds between heartbeats when nothing else is sent (${HEARTBEAT_MIN_S}-${HEARTBEAT_MAX_S})`,
    ),
})

/** The query of an event stream that resumes after `Last-Event-ID`. */
export const ResumableEventsQuerySchema = HeartbeatQuerySchema.extend({
  last_event_id: z
    .string()
    .max(64)
    .optional()
    .describe('Like the Last-Event-ID header, for clients that cannot set it'),
})

/** The request header of an event stream that resumes, as the API docs list it. */
export const RESUME_HEADERS = { 'Last-Event-ID': 'The id of the last event received, to resume' }
