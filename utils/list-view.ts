/**
 * Which part of the stream list the Streams page shows lives in the URL next to the open rows:
 * `?q=<filter>` and `?offset=<first row>`. The server renders that page, the "Show more" link
 * works without JavaScript, and the island asks `GET /streams` for the same view.
 *
 * @example
 * parseListView(new URLSearchParams('q=engine-2&offset=50')) // { q: 'engine-2', offset: 50 }
 * listViewQuery({ q: 'hd', offset: 0 }, new Map([['ch-7', 'stats']])) // '?q=hd&open=ch-7'
 */
import type { OpenRows } from './open-rows.ts'

export interface ListView {
  q: string
  offset: number
}

/** Mirrors the API's bounds, so a page never asks for what the API would refuse. */
const MAX_QUERY_CHARS = 200
const MAX_OFFSET = 1_000_000

/** A hand-edited URL never fails the page: an odd offset reads as the first page. */
export function parseListView(params: URLSearchParams): ListView {
  const q = (params.get('q') ?? '').trim().slice(0, MAX_QUERY_CHARS)
  const raw = Number(params.get('offset') ?? 0)
  const offset = Number.isInteger(raw) && raw > 0 ? Math.min(raw, MAX_OFFSET) : 0
  return { q, offset }
}

/** The page's query string for a view and its open rows; `''` for the plain first page. */
export function listViewQuery(view: ListView, open: OpenRows): string {
  const q = new URLSearchParams()
  if (view.q) q.set('q', view.q)
  if (view.offset > 0) q.set('offset', String(view.offset))
  for (const [id, tab] of open) q.append(tab === 'peers' ? 'peers' : 'open', id)
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** `GET /streams` for `limit` rows of a view starting at `offset`. */
export function streamsPagePath(q: string, offset: number, limit: number): string {
  const p = new URLSearchParams({ offset: String(offset), limit: String(limit) })
  if (q) p.set('q', q)
  return `/streams?${p.toString()}`
}
