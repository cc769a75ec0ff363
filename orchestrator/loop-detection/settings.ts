/**
 * Loop Detection's settings: read from the environment at start (first values), then changed
 * at runtime through `PATCH /config/runtime` (Settings → Loop Detection) and persisted with the
 * other runtime settings. One list feeds both, so their names, bounds and defaults agree.
 *
 * @example
 * const first = loopDetectionDefaults(config) // from the env settings
 * runtimePatchSchema.extend(LOOP_DETECTION_PATCH)
 */
import { z } from 'zod'
import { bool, defineSettings, int, loadSettings } from '../../lib/settings.ts'

export interface LoopDetectionSettings {
  LOOP_DETECTION_ENABLED: boolean
  /** Seconds a live position may stand still before the stream counts as looping. */
  LOOP_DETECTION_THRESHOLD_S: number
  /** Seconds between two checks. */
  LOOP_DETECTION_INTERVAL_S: number
  /** Stop a looping stream's engine session through its command URL. */
  LOOP_DETECTION_STOP: boolean
  /** Seconds a flagged stream stays listed after it recovered or ended; 0 keeps it until cleared. */
  LOOP_DETECTION_RETENTION_S: number
}

const BOUNDS = {
  LOOP_DETECTION_THRESHOLD_S: { min: 5, max: 7 * 86400 },
  LOOP_DETECTION_INTERVAL_S: { min: 1, max: 3600 },
  LOOP_DETECTION_RETENTION_S: { min: 0, max: 30 * 86400 },
} as const

export const LOOP_DETECTION_SETTINGS = defineSettings({
  LOOP_DETECTION_ENABLED: {
    default: 'false',
    doc: 'First value: flag live streams whose live position (livepos.live_last) stops advancing',
    parse: bool,
  },
  LOOP_DETECTION_THRESHOLD_S: {
    default: '3600',
    doc: 'First value: seconds the live position may stand still before a stream is flagged',
    parse: int(BOUNDS.LOOP_DETECTION_THRESHOLD_S),
  },
  LOOP_DETECTION_INTERVAL_S: {
    default: '10',
    doc: 'First value: seconds between two loop checks',
    parse: int(BOUNDS.LOOP_DETECTION_INTERVAL_S),
  },
  LOOP_DETECTION_STOP: {
    default: 'false',
    doc: 'First value: also stop a flagged stream through its engine command URL',
    parse: bool,
  },
  LOOP_DETECTION_RETENTION_S: {
    default: '3600',
    doc: 'First value: seconds a flagged stream stays listed after it recovered or ended (0: until cleared)',
    parse: int(BOUNDS.LOOP_DETECTION_RETENTION_S),
  },
})

const seconds = (b: { min: number; max: number }) => z.number().int().min(b.min).max(b.max)

/** The runtime patch fields (`PATCH /config/runtime`), with the same bounds as the env. */
export const LOOP_DETECTION_PATCH = {
  LOOP_DETECTION_ENABLED: z.boolean().optional(),
  LOOP_DETECTION_THRESHOLD_S: seconds(BOUNDS.LOOP_DETECTION_THRESHOLD_S).optional(),
  LOOP_DETECTION_INTERVAL_S: seconds(BOUNDS.LOOP_DETECTION_INTERVAL_S).optional(),
  LOOP_DETECTION_STOP: z.boolean().optional(),
  LOOP_DETECTION_RETENTION_S: seconds(BOUNDS.LOOP_DETECTION_RETENTION_S).optional(),
}

export { BOUNDS as LOOP_DETECTION_BOUNDS }

/** The runtime settings' first values from the resolved environment settings. */
export function loopDetectionDefaults(env: LoopDetectionSettings): LoopDetectionSettings {
  return {
    LOOP_DETECTION_ENABLED: env.LOOP_DETECTION_ENABLED,
    LOOP_DETECTION_THRESHOLD_S: env.LOOP_DETECTION_THRESHOLD_S,
    LOOP_DETECTION_INTERVAL_S: env.LOOP_DETECTION_INTERVAL_S,
    LOOP_DETECTION_STOP: env.LOOP_DETECTION_STOP,
    LOOP_DETECTION_RETENTION_S: env.LOOP_DETECTION_RETENTION_S,
  }
}

/** The defaults, as the environment gives them when nothing is set. */
export const LOOP_DETECTION_DEFAULTS: LoopDetectionSettings = loopDetectionDefaults(
  loadSettings(LOOP_DETECTION_SETTINGS, {}),
)
