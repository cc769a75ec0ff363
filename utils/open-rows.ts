/**
 * Which stream rows are expanded, and on which tab, lives in the URL (`?open=<id>` for Stats,
 * `?peers=<id>` for Peers). The server renders those rows open, links work without JavaScript,
 * and a reload keeps what was open.
 *
 * Stream ids come from whoever posts events, so they are kept in a Map: an id such as
 * `__proto__` or `constructor` must be a key like any other, never an object's inherited member.
 *
 * @example
 * parseOpenRows(new URLSearchParams('open=a&peers=b')) // Map { 'a' => 'stats', 'b' => 'peers' }
 */
export type DetailTab = 'stats' | 'peers'
export type OpenRows = ReadonlyMap<string, DetailTab>

export function parseOpenRows(q: URLSearchParams): OpenRows {
  const open = new Map<string, DetailTab>()
  for (const id of q.getAll('open')) if (id) open.set(id, 'stats')
  for (const id of q.getAll('peers')) if (id) open.set(id, 'peers')
  return open
}

/** The query string for a set of open rows, in a stable order. */
export function openRowsQuery(open: OpenRows): string {
  const q = new URLSearchParams()
  for (const [id, tab] of open) q.append(tab === 'peers' ? 'peers' : 'open', id)
  const s = q.toString()
  return s ? `?${s}` : ''
}

export function withRow(open: OpenRows, id: string, tab: DetailTab | null): OpenRows {
  const next = new Map(open)
  if (tab) next.set(id, tab)
  else next.delete(id)
  return next
}
