/**
 * Which stream rows are expanded, and on which tab, lives in the URL (`?open=<id>` for Stats,
 * `?peers=<id>` for Peers). The server renders those rows open, links work without JavaScript,
 * and a reload keeps what was open.
 *
 * @example
 * parseOpenRows(new URLSearchParams('open=a&peers=b')) // { a: 'stats', b: 'peers' }
 */
export type DetailTab = 'stats' | 'peers'
export type OpenRows = Record<string, DetailTab>

export function parseOpenRows(q: URLSearchParams): OpenRows {
  const open: OpenRows = {}
  for (const id of q.getAll('open')) if (id) open[id] = 'stats'
  for (const id of q.getAll('peers')) if (id) open[id] = 'peers'
  return open
}

/** The query string for a set of open rows, in a stable order. */
export function openRowsQuery(open: OpenRows): string {
  const q = new URLSearchParams()
  for (const [id, tab] of Object.entries(open)) q.append(tab === 'peers' ? 'peers' : 'open', id)
  const s = q.toString()
  return s ? `?${s}` : ''
}

export function withRow(open: OpenRows, id: string, tab: DetailTab | null): OpenRows {
  const next = { ...open }
  if (tab) next[id] = tab
  else delete next[id]
  return next
}
