/**
 * What the orchestrator's operations endpoints answer: alerts firing now (`GET /alerts`), the
 * alert event log (`GET /events`) and Loop Detection's list (`GET /looping-streams`).
 * Browser-safe: zod only.
 *
 * @example
 * const alerts = z.array(ActiveAlertSchema).parse(await res.json())
 */
import { z } from 'zod'

export const AlertKindSchema = z.enum(['starvation', 'looping', 'collector_down', 'swarm_collapse'])
export type AlertKind = z.infer<typeof AlertKindSchema>

/** One alert firing now. */
export const ActiveAlertSchema = z.object({
  kind: AlertKindSchema,
  /** The stream id, or the collector's origin for `collector_down`. */
  subject: z.string(),
  message: z.string(),
  since: z.string(),
  details: z.record(z.string(), z.unknown()),
})
export type ActiveAlert = z.infer<typeof ActiveAlertSchema>

/** One entry of the alert event log: an alert firing or resolved. */
export const AlertEventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  state: z.string().describe('firing | resolved'),
  subject: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
})

/** Query of `GET /events`. */
export const AlertEventsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  since: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 time' })
    .optional(),
  kind: AlertKindSchema.optional(),
})

/** A stream Loop Detection flagged. */
export const LoopingStreamSchema = z.object({
  stream_id: z.string(),
  key: z.string(),
  /** When the stream was flagged (ISO 8601). */
  detected_at: z.string(),
  /** The live position that stopped advancing (Unix seconds, as the engine sent it). */
  live_last: z.string(),
  /** Poll time of the first answer that showed this position. */
  frozen_since: z.string(),
  /** Seconds the position had stood still at the latest answer. */
  frozen_s: z.number(),
  /** `looping` while it stands still; `recovered` once it advanced again; `ended` with the stream. */
  state: z.enum(['looping', 'recovered', 'ended']),
  /** When it recovered or ended; null while looping. */
  resolved_at: z.string().nullable(),
  /** Whether a stop was sent (LOOP_DETECTION_STOP), and what the engine said. */
  stop: z.object({ ok: z.boolean(), detail: z.string() }).nullable(),
})
export type LoopingStream = z.infer<typeof LoopingStreamSchema>

/** `GET /looping-streams`: the settings in force and the flagged streams. */
export const LoopingAnswerSchema = z.object({
  enabled: z.boolean(),
  threshold_s: z.number().int(),
  interval_s: z.number().int(),
  stop: z.boolean(),
  retention_s: z.number().int(),
  streams: z.array(LoopingStreamSchema),
})
