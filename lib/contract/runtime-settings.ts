/**
 * The orchestrator's runtime settings: `GET /config/runtime` answers RuntimeSettings, `PATCH
 * /config/runtime` takes a RuntimePatch (validated here, so the settings forms and the server
 * agree on names and bounds). Browser-safe: zod only.
 *
 * @example
 * const patch = runtimePatchSchema.parse({ PEER_COLLECTOR_ENABLED: true })
 */
import { z } from 'zod'
import {
  MAX_COLLECTOR_URL_LENGTH,
  MAX_COLLECTORS,
  parseCollectorUrl,
  parseCollectorUrlList,
} from './collector-url.ts'

/** Bounds of Loop Detection's settings, shared by the environment and the runtime patch. */
export const LOOP_DETECTION_BOUNDS = {
  LOOP_DETECTION_THRESHOLD_S: { min: 5, max: 7 * 86400 },
  LOOP_DETECTION_INTERVAL_S: { min: 1, max: 3600 },
  LOOP_DETECTION_RETENTION_S: { min: 0, max: 30 * 86400 },
} as const

const seconds = (b: { min: number; max: number }) => z.number().int().min(b.min).max(b.max)
const B = LOOP_DETECTION_BOUNDS

/** The Loop Detection fields of the runtime patch, with the same bounds as the env. */
export const LOOP_DETECTION_PATCH = {
  LOOP_DETECTION_ENABLED: z.boolean().optional(),
  LOOP_DETECTION_THRESHOLD_S: seconds(B.LOOP_DETECTION_THRESHOLD_S).optional(),
  LOOP_DETECTION_INTERVAL_S: seconds(B.LOOP_DETECTION_INTERVAL_S).optional(),
  LOOP_DETECTION_STOP: z.boolean().optional(),
  LOOP_DETECTION_RETENTION_S: seconds(B.LOOP_DETECTION_RETENTION_S).optional(),
}

export const LoopDetectionSettingsSchema = z.object({
  LOOP_DETECTION_ENABLED: z.boolean(),
  /** Seconds a live position may stand still before the stream counts as looping. */
  LOOP_DETECTION_THRESHOLD_S: z.number().int(),
  /** Seconds between two checks. */
  LOOP_DETECTION_INTERVAL_S: z.number().int(),
  /** Stop a looping stream's engine session through its command URL. */
  LOOP_DETECTION_STOP: z.boolean(),
  /** Seconds a flagged stream stays listed after it recovered or ended; 0 keeps it until cleared. */
  LOOP_DETECTION_RETENTION_S: z.number().int(),
})
export type LoopDetectionSettings = z.infer<typeof LoopDetectionSettingsSchema>

/** Settings a person can change while the orchestrator runs (Settings > Peer Collector, Loop Detection). */
export const RuntimeSettingsSchema = LoopDetectionSettingsSchema.extend({
  PEER_COLLECTOR_ENABLED: z.boolean(),
  /**
   * Collector base URLs, http(s), no trailing slash, comma-separated when there are several
   * (one collector per VPN; at most MAX_COLLECTORS); null when not set.
   */
  PEER_COLLECTOR_URL: z.string().nullable(),
  /** Max age (s) of a collector answer; sent to the collector as `?max_age=` per request. */
  CACHE_TTL_SECONDS: z.number().int(),
  /**
   * Hide the host part of peer addresses in the dashboard and its exports (for screenshots and
   * sharing); the JSON API is unchanged. Off by default.
   */
  MASK_PEER_ADDRESSES: z.boolean(),
})
export type RuntimeSettings = z.infer<typeof RuntimeSettingsSchema>

/** A collector base URL as parseCollectorUrl accepts it, normalised; errors name the reason. */
export const collectorUrlSchema = z
  .string()
  .max(MAX_COLLECTOR_URL_LENGTH)
  .transform((s, ctx) => {
    try {
      return parseCollectorUrl(s)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message })
      return z.NEVER
    }
  })

/**
 * `PEER_COLLECTOR_URL` as a PATCH may give it: one URL, a comma-separated list, or an array of
 * URLs; each checked like collectorUrlSchema, and the whole normalised to one comma-separated
 * string (what GET answers), so a single URL reads back exactly as before.
 */
export const collectorUrlListSchema = z
  .union([
    z.string().max(MAX_COLLECTORS * (MAX_COLLECTOR_URL_LENGTH + 2)),
    z.array(z.string().max(MAX_COLLECTOR_URL_LENGTH)).max(MAX_COLLECTORS),
  ])
  .transform((v, ctx) => {
    try {
      return parseCollectorUrlList(Array.isArray(v) ? v.join(',') : v).join(',')
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message })
      return z.NEVER
    }
  })

/** Body of `PATCH /config/runtime`: any subset; unknown keys are an error so typos show. */
export const runtimePatchSchema = z.strictObject({
  PEER_COLLECTOR_ENABLED: z.boolean().optional(),
  PEER_COLLECTOR_URL: collectorUrlListSchema.nullable().optional(),
  CACHE_TTL_SECONDS: z.number().int().min(0).max(86400).optional(),
  MASK_PEER_ADDRESSES: z.boolean().optional(),
  ...LOOP_DETECTION_PATCH,
})
export type RuntimePatch = z.infer<typeof runtimePatchSchema>

/** Body of `POST /peer-collector/health`. */
export const collectorHealthProbeSchema = z.object({ collector_url: collectorUrlSchema })
