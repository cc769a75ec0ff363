import { INFOHASH_HEX_RE } from '../../lib/contract/peers.ts'
import type { LivePos, StatSnapshot } from '../streams/types.ts'

/** What one stat request taught us: a snapshot, the swarm infohash if present. */
export interface ParsedStat {
  snapshot: StatSnapshot
  infohash: string | null
}

/** What the engine answers about a session after it was stopped or expired. */
export const UNKNOWN_SESSION_ERROR = 'unknown playback session id'

export type StatOutcome =
  { kind: 'ok'; stat: ParsedStat } | { kind: 'session_gone' } | { kind: 'error'; message: string }

/**
 * Turns the body of a stat URL answer (`{response, error}` envelope) into an outcome. Numbers
 * are coerced with Number() because engines are loose about types; anything not finite is null.
 *
 * @example
 * parseStatAnswer({ response: { peers: 7, speed_down: 410 }, error: null }, new Date())
 * // { kind: 'ok', stat: { snapshot: { peers: 7, speed_down: 410, ... }, infohash: null } }
 */
export function parseStatAnswer(body: unknown, at: Date): StatOutcome {
  if (!isRecord(body)) return { kind: 'error', message: 'stat answer is not a JSON object' }
  const { response, error } = body
  if (error !== null && error !== undefined && error !== '') {
    const message = typeof error === 'string' ? error : JSON.stringify(error)
    if (message.trim().toLowerCase() === UNKNOWN_SESSION_ERROR) return { kind: 'session_gone' }
    return { kind: 'error', message: `engine error: ${message.slice(0, 300)}` }
  }
  if (!isRecord(response)) return { kind: 'error', message: 'stat answer has no response object' }

  const snapshot: StatSnapshot = {
    ts: at.toISOString(),
    peers: num(response.peers),
    // Some engine versions send camelCase speeds; the original accepts them as fallbacks.
    speed_down: num(response.speed_down ?? response.speedDown),
    speed_up: num(response.speed_up ?? response.speedUp),
    downloaded: num(response.downloaded),
    uploaded: num(response.uploaded),
    status: typeof response.status === 'string' ? response.status.slice(0, 64) : null,
    livepos: parseLivePos(response.livepos),
  }
  const ih = response.infohash
  const infohash = typeof ih === 'string' && INFOHASH_HEX_RE.test(ih) ? ih.toLowerCase() : null
  return { kind: 'ok', stat: { snapshot, infohash } }
}

/**
 * The engine's `livepos` normalised, as engines of several versions name its fields: `live_first` from live_first, first_ts,
 * first; `live_last` from live_last, last_ts, last; `first_ts` from first_ts, first; `last_ts`
 * from last_ts, last. Values stay strings, as the engine sends them.
 */
export function parseLivePos(raw: unknown): LivePos | null {
  if (!isRecord(raw)) return null
  const pick = (...names: string[]): string | null => {
    for (const n of names) {
      const v = raw[n]
      if (typeof v === 'string' && v !== '') return v.slice(0, 32)
      if (typeof v === 'number' && Number.isFinite(v)) return String(v)
    }
    return null
  }
  return {
    pos: pick('pos'),
    live_first: pick('live_first', 'first_ts', 'first'),
    live_last: pick('live_last', 'last_ts', 'last'),
    first_ts: pick('first_ts', 'first'),
    last_ts: pick('last_ts', 'last'),
    buffer_pieces: pick('buffer_pieces'),
  }
}

/** True for a 40-hex BitTorrent v1 infohash (any case). */
export function isInfohash(s: string): boolean {
  return INFOHASH_HEX_RE.test(s)
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '' || typeof v === 'boolean') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
