/**
 * Alerts: a condition that starts raises one `firing` event, its end one `resolved` event. Each
 * event goes to the persisted event log (`GET /events`, bounded), the metrics and the webhook;
 * what fires now is listed by `active()` for the Streams page. The conditions:
 *
 * - `starvation`: a stream's engine reports 0 peers and 0 download speed for longer than
 *   `ALERT_STARVATION_S`, measured between its own answers (see `checkStreams`);
 * - `looping`: Loop Detection flagged the stream;
 * - `collector_down`: a configured collector did not answer its health check;
 * - `swarm_collapse`: a swarm's known peers dropped by more than `ALERT_SWARM_COLLAPSE_PERCENT`
 *   within `ALERT_SWARM_COLLAPSE_WINDOW_S` (see `observeSwarm`).
 *
 * @example
 * const alerts = createAlertCenter({ history, settings, metrics, webhook, log })
 * alerts.checkStreams(store.list({ status: 'started' }))
 */
import type { ActiveAlert, AlertKind } from '../../lib/contract/operations.ts'
import type { Logger } from '../../lib/log.ts'
import type { HistoryStore, StoredEvent } from '../history/history-store.ts'
import type { StreamState } from '../streams/types.ts'

export type { ActiveAlert, AlertKind }

export interface AlertCenterOptions {
  history: Pick<HistoryStore, 'appendEvent' | 'events'>
  settings: {
    ALERT_STARVATION_S: number
    ALERT_SWARM_COLLAPSE_PERCENT: number
    ALERT_SWARM_COLLAPSE_WINDOW_S: number
    ALERT_EVENTS_MAX: number
  }
  log: Logger
  onEvent?: (event: StoredEvent) => void
  now?: () => number
}

export interface AlertCenter {
  raise(kind: AlertKind, subject: string, message: string, details?: Record<string, unknown>): void
  resolve(kind: AlertKind, subject: string, message: string): void
  /** Starvation over the active streams' latest snapshots; call after each poll cycle. */
  checkStreams(active: StreamState[]): void
  /** One swarm sample (known peers) for the collapse check. */
  observeSwarm(streamId: string, peers: number, at: number): void
  /** Streams no longer active: their stream alerts resolve, their swarm windows go. */
  forgetStreams(activeIds: Set<string>): void
  active(): ActiveAlert[]
  activeCounts(): Record<string, number>
}

/** Swarms smaller than this never count as collapsing: a 3 -> 1 drop is noise. */
const MIN_COLLAPSE_PEERS = 5
/** Samples kept per swarm for the window (bounded whatever the interval). */
const MAX_SAMPLES = 1000

const STREAM_KINDS: AlertKind[] = ['starvation', 'looping', 'swarm_collapse']

export function createAlertCenter(opts: AlertCenterOptions): AlertCenter {
  const now = opts.now ?? Date.now
  const firing = new Map<string, ActiveAlert>()
  const starving = new Map<string, number>() // stream id -> poll time (ms) of the first 0/0
  const swarms = new Map<string, Array<{ at: number; peers: number }>>()
  const key = (kind: string, subject: string) => `${kind}\u0000${subject}`

  function record(
    kind: AlertKind,
    subject: string,
    state: string,
    message: string,
    details: Record<string, unknown>,
  ) {
    try {
      const event = opts.history.appendEvent(
        { at: new Date(now()).toISOString(), kind, state, subject, message, details },
        opts.settings.ALERT_EVENTS_MAX,
      )
      opts.onEvent?.(event)
    } catch (err) {
      opts.log.error('could not record alert event', { err, kind })
    }
  }

  const center: AlertCenter = {
    raise(kind, subject, message, details = {}) {
      const k = key(kind, subject)
      if (firing.has(k)) return
      firing.set(k, { kind, subject, message, since: new Date(now()).toISOString(), details })
      opts.log.warn('alert', { kind, subject, message })
      record(kind, subject, 'firing', message, details)
    },

    resolve(kind, subject, message) {
      const k = key(kind, subject)
      const a = firing.get(k)
      if (!a) return
      firing.delete(k)
      opts.log.info('alert resolved', { kind, subject })
      record(kind, subject, 'resolved', message, { since: a.since })
    },

    checkStreams(active) {
      const limitMs = opts.settings.ALERT_STARVATION_S * 1000
      for (const s of active) {
        if (!s.last_polled_at || s.peers === null) continue
        const at = Date.parse(s.last_polled_at)
        const starved = s.peers === 0 && (s.speed_down ?? 0) === 0
        if (!starved) {
          starving.delete(s.id)
          center.resolve('starvation', s.id, `${s.id}: the engine has peers or data again`)
          continue
        }
        const since = starving.get(s.id) ?? at
        starving.set(s.id, since)
        if (at - since >= limitMs) {
          center.raise(
            'starvation',
            s.id,
            `${s.id}: the engine reports 0 peers and 0 download speed for ${Math.round((at - since) / 1000)} s`,
            { since: new Date(since).toISOString(), threshold_s: opts.settings.ALERT_STARVATION_S },
          )
        }
      }
      center.forgetStreams(new Set(active.map((s) => s.id)))
    },

    observeSwarm(streamId, peers, at) {
      const windowMs = opts.settings.ALERT_SWARM_COLLAPSE_WINDOW_S * 1000
      const list = (swarms.get(streamId) ?? []).filter((p) => p.at > at - windowMs)
      list.push({ at, peers })
      if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES)
      swarms.set(streamId, list)
      const max = Math.max(...list.map((p) => p.peers))
      const floor = max * (1 - opts.settings.ALERT_SWARM_COLLAPSE_PERCENT / 100)
      if (max >= MIN_COLLAPSE_PEERS && peers < floor) {
        center.raise(
          'swarm_collapse',
          streamId,
          `${streamId}: known swarm peers fell from ${max} to ${peers} within ${opts.settings.ALERT_SWARM_COLLAPSE_WINDOW_S} s`,
          { from: max, to: peers, window_s: opts.settings.ALERT_SWARM_COLLAPSE_WINDOW_S },
        )
      } else if (peers >= floor) {
        center.resolve(
          'swarm_collapse',
          streamId,
          `${streamId}: the swarm holds ${peers} peers again`,
        )
      }
    },

    forgetStreams(activeIds) {
      for (const id of [...starving.keys()]) if (!activeIds.has(id)) starving.delete(id)
      for (const id of [...swarms.keys()]) if (!activeIds.has(id)) swarms.delete(id)
      for (const a of [...firing.values()]) {
        if (STREAM_KINDS.includes(a.kind) && !activeIds.has(a.subject))
          center.resolve(a.kind, a.subject, `${a.subject}: the stream ended`)
      }
    },

    active: () =>
      [...firing.values()]
        .sort((a, b) => Date.parse(b.since) - Date.parse(a.since))
        .map((a) => ({ ...a, details: { ...a.details } })),

    activeCounts() {
      const out: Record<string, number> = {}
      for (const a of firing.values()) out[a.kind] = (out[a.kind] ?? 0) + 1
      return out
    },
  }
  return center
}
