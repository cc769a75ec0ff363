/**
 * One page of the stream list, as `GET /streams?limit=&offset=&q=` answers it and the Streams
 * page renders it: active streams first (newest first within each group), optionally only those
 * matching a text, with the totals of everything that matched so a page of 50 rows can still
 * say how many streams are active and how many peers they have. Pure: the API and the page
 * call it on the same list, so they always agree.
 *
 * @example
 * pageStreams(store.list(), { offset: 0, limit: 50, q: 'engine-2' })
 * // { streams: [...50], total: 312, offset: 0, limit: 50, next_offset: 50, summary: {...} }
 */
import { STREAM_PAGE_MAX, STREAM_QUERY_MAX_CHARS } from '../../lib/contract/streams.ts'
import type { StreamPage, StreamState, StreamSummary } from './types.ts'

/** Rows the Streams page renders at once, and the API's default page when only `q` is given. */
export const STREAM_PAGE_SIZE = 50
// The API's bounds are the contract's (its query schema uses them).
export { STREAM_PAGE_MAX, STREAM_QUERY_MAX_CHARS }

export interface StreamPageQuery {
  offset: number
  limit: number
  /** Case-insensitive text matched against id, key, name, engine and infohash. */
  q?: string
}

export function pageStreams(list: readonly StreamState[], query: StreamPageQuery): StreamPage {
  const needle = query.q?.trim().toLowerCase() ?? ''
  const matched = needle ? list.filter((s) => matches(s, needle)) : [...list]
  // Sort keys computed once: Date.parse inside the comparator would run n log n times.
  const keyed = matched.map((s) => ({
    s,
    active: s.status === 'started',
    t: Date.parse(s.started_at),
  }))
  keyed.sort((a, b) => Number(b.active) - Number(a.active) || b.t - a.t)
  const end = Math.min(query.offset + query.limit, keyed.length)
  return {
    streams: keyed.slice(query.offset, end).map((k) => k.s),
    total: keyed.length,
    offset: query.offset,
    limit: query.limit,
    next_offset: end < keyed.length ? end : null,
    summary: summarize(matched),
  }
}

function matches(s: StreamState, needle: string): boolean {
  return (
    s.id.toLowerCase().includes(needle) ||
    s.key.toLowerCase().includes(needle) ||
    s.container_id.toLowerCase().includes(needle) ||
    (s.infohash?.includes(needle) ?? false) ||
    (s.labels.stream_id?.toLowerCase().includes(needle) ?? false)
  )
}

function summarize(list: readonly StreamState[]): StreamSummary {
  const sum: StreamSummary = { active: 0, ended: 0, peers: 0, speed_down: 0, speed_up: 0 }
  for (const s of list) {
    if (s.status !== 'started') {
      sum.ended++
      continue
    }
    sum.active++
    sum.peers += s.peers ?? 0
    sum.speed_down += s.speed_down ?? 0
    sum.speed_up += s.speed_up ?? 0
  }
  return sum
}
