import {
  bool,
  defineSettings,
  int,
  list,
  loadSettings,
  oneOf,
  optional,
  port,
  text,
  type ResolvedSettings,
} from '../lib/settings.ts'
import { LOG_LEVELS } from '../lib/log.ts'
import { METRICS_SETTINGS } from '../lib/metrics.ts'
import { parseCollectorUrlList } from './collector-url.ts'
import { ALERT_SETTINGS } from './alerts/settings.ts'
import { HISTORY_SETTINGS } from './history/settings.ts'
import { LOOP_DETECTION_SETTINGS } from './loop-detection/settings.ts'

/**
 * Every environment variable the orchestrator reads, with its default and meaning. The
 * deployment work turns this list into `.env.example` and the README table.
 *
 * `PEER_COLLECTOR_ENABLED`, `PEER_COLLECTOR_URL` and `CACHE_TTL_SECONDS` are only the *first*
 * values: once changed through `PATCH /config/runtime` the copy persisted in `DATA_DIR` wins.
 */
export const ORCHESTRATOR_SETTINGS = defineSettings({
  APP_PORT: { default: '8000', doc: 'HTTP port of the API and UI', parse: port },
  APP_HOST: {
    default: '0.0.0.0',
    doc: 'Address the HTTP server binds to (127.0.0.1 keeps it local)',
    parse: text,
  },
  DATA_DIR: {
    default: './data',
    doc: 'Folder where runtime settings (runtime-settings.json) and history (history.sqlite3) persist',
    parse: text,
  },
  COLLECT_INTERVAL_S: {
    default: '5',
    doc: 'Seconds between two polls of every active stream’s engine stat URL',
    parse: int({ min: 1, max: 3600 }),
  },
  STAT_TIMEOUT_S: {
    default: '3',
    doc: 'Timeout of one stat request (capped at COLLECT_INTERVAL_S so cycles never overlap)',
    parse: int({ min: 1, max: 60 }),
  },
  STATS_HISTORY_MAX: {
    default: '720',
    doc: 'Snapshots kept per stream for GET /streams/{id}/stats (oldest dropped first)',
    parse: int({ min: 1, max: 100_000 }),
  },
  MAX_STREAMS: {
    default: '1000',
    doc: 'Streams kept in memory, active and ended; ended ones are dropped first',
    parse: int({ min: 1, max: 100_000 }),
  },
  ENDED_STREAM_RETENTION_S: {
    default: '3600',
    doc: 'How long an ended stream stays listed before it is forgotten',
    parse: int({ min: 0, max: 30 * 86400 }),
  },
  API_KEY: {
    default: undefined,
    doc: 'When set, state-changing endpoints need Authorization: Bearer <key> or X-API-KEY',
    parse: optional(text),
    secret: true,
  },
  ALLOWED_HOSTS: {
    default: undefined,
    doc: 'Host names a browser may use to change settings (comma-separated, * for any); IP addresses and localhost always work. Empty: any name when API_KEY is set, else none (DNS rebinding)',
    parse: list((s) => s.toLowerCase()),
  },
  PEER_COLLECTOR_ENABLED: {
    default: 'false',
    doc: 'First value of the runtime switch for peer lists through the collector',
    parse: bool,
  },
  PEER_COLLECTOR_URL: {
    default: undefined,
    doc: 'First value of the collector base URL, e.g. http://gluetun:8080 (no user, query or fragment); several collectors (one per VPN, at most 8) comma-separated, asked in parallel and merged',
    parse: optional((raw) => parseCollectorUrlList(raw).join(',')),
  },
  CACHE_TTL_SECONDS: {
    default: '30',
    doc: 'First value of the max age (s) of a collector answer, sent as ?max_age= per request',
    parse: int({ min: 0, max: 86400 }),
  },
  COLLECTOR_TIMEOUT_S: {
    default: '30',
    doc: 'Timeout of one GET /peers request to the collector',
    parse: int({ min: 1, max: 300 }),
  },
  COLLECTOR_HEALTH_TIMEOUT_S: {
    default: '10',
    doc: 'Timeout of POST /peer-collector/health when it calls the collector’s /health',
    parse: int({ min: 1, max: 120 }),
  },
  LOG_LEVEL: {
    default: 'info',
    doc: 'debug, info, warn, error or silent',
    parse: oneOf(LOG_LEVELS),
  },
  ...HISTORY_SETTINGS,
  ...ALERT_SETTINGS,
  ...LOOP_DETECTION_SETTINGS,
  ...METRICS_SETTINGS,
})

export type OrchestratorConfig = ResolvedSettings<typeof ORCHESTRATOR_SETTINGS>

/** Reads the orchestrator's settings; a bad value throws a ConfigError naming the variable. */
export function loadOrchestratorConfig(
  env: Record<string, string | undefined> = process.env,
): OrchestratorConfig {
  return loadSettings(ORCHESTRATOR_SETTINGS, env)
}
