/**
 * Loop Detection's settings: read from the environment at start (first values), then changed
 * at runtime through `PATCH /config/runtime` (Settings → Loop Detection) and persisted with the
 * other runtime settings. One list feeds both, so their names, bounds and defaults agree.
 *
 * @example
 * const first = loopDetectionDefaults(config) // from the env settings
 * runtimePatchSchema.extend(LOOP_DETECTION_PATCH)
 */
import {
  LOOP_DETECTION_BOUNDS as BOUNDS,
  LOOP_DETECTION_PATCH,
  type LoopDetectionSettings,
} from '../../lib/contract/runtime-settings.ts'
import { bool, defineSettings, int, loadSettings } from '../../lib/settings.ts'

// Names and bounds are the runtime settings contract's, so the env and PATCH agree.
export { LOOP_DETECTION_PATCH }
export type { LoopDetectionSettings }

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
