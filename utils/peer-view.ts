/**
 * What the Peers tab does with a list of peers, apart from rendering: sort by a column, mask
 * addresses for screenshots, count breakdowns, and export the rows shown as CSV or JSON.
 * Browser-safe and pure, so the server's HTML and the island agree.
 *
 * @example
 * const rows = sortPeers(peers, { key: 'last_seen', desc: true })
 * download('peers.csv', toCsv(rows, { mask: true }), 'text/csv')
 */
import type { PeerRow } from './types.ts'

export type SortKey =
  | 'country'
  | 'city'
  | 'isp'
  | 'client'
  | 'progress'
  | 'source'
  | 'state'
  | 'first_seen'
  | 'last_seen'
export interface PeerSort {
  key: SortKey
  desc: boolean
}

/** How each source is labelled, and the sentence on hover. */
export const SOURCE_INFO: Record<string, [string, string]> = {
  dht: ['DHT', 'Found through the mainline DHT (a get_peers lookup)'],
  tracker: ['Tracker', 'Listed by a tracker from the collector’s TRACKERS setting'],
  stream_tracker: ['Stream tracker', 'Listed by the stream’s own tracker (from its magnet)'],
  pex: ['PEX', 'Announced by another peer over peer exchange (PEX)'],
}

export type PeerState = 'connected' | 'reachable' | 'unreachable' | 'untried'
export const STATE_INFO: Record<PeerState, [string, string]> = {
  connected: ['Connected', 'The collector holds a connection to this peer and hears its PEX'],
  reachable: ['Reachable', 'A BitTorrent handshake with this peer succeeded'],
  unreachable: [
    'Unreachable',
    'The collector could not complete a handshake (refused or timed out)',
  ],
  untried: ['Not tried', 'The collector has not tried to reach this peer yet'],
}

export function peerState(p: PeerRow): PeerState {
  if (p.connected) return 'connected'
  if (p.reachable === true) return 'reachable'
  if (p.reachable === false) return 'unreachable'
  return 'untried'
}

const STATE_RANK: Record<PeerState, number> = {
  connected: 0,
  reachable: 1,
  untried: 2,
  unreachable: 3,
}

/** Country as shown: the name, "Local network" for private/loopback peers, else "Unknown". */
export function countryName(p: PeerRow): string {
  if (p.country) return p.country
  if (p.address_class && p.address_class !== 'public') return 'Local network'
  return 'Unknown'
}

/** "Deutsche Telekom AG · AS3320", or whichever half is known. */
export function networkName(p: PeerRow): string {
  const asn = p.asn != null ? `AS${p.asn}` : ''
  return [p.isp, asn].filter(Boolean).join(' · ') || 'Unknown'
}

export function peerAddress(p: PeerRow, mask: boolean): string {
  const ip = mask ? maskIp(p.ip) : p.ip
  return ip.includes(':') ? `[${ip}]:${p.port}` : `${ip}:${p.port}`
}

/**
 * The address with its host part hidden: IPv4 keeps its /24 (`203.0.113.x`), IPv6 its /48
 * (`2001:db8:1::/48`), enough to tell networks apart and not enough to name a household.
 */
export function maskIp(ip: string): string {
  if (!ip.includes(':')) {
    const parts = ip.split('.')
    return parts.length === 4 ? `${parts.slice(0, 3).join('.')}.x` : 'x.x.x.x'
  }
  const [head = ''] = ip.split('::')
  const groups = head.split(':').filter(Boolean)
  while (groups.length < 3) groups.push('0')
  return `${groups.slice(0, 3).join(':')}::/48`
}

function sortValue(p: PeerRow, key: SortKey): string | number {
  switch (key) {
    case 'country':
      return countryName(p)
    case 'city':
      return p.city ?? '\uffff'
    case 'isp':
      return networkName(p)
    case 'client':
      return p.client ?? '\uffff'
    case 'progress':
      return p.progress ?? -1
    case 'source':
      return (p.sources ?? []).map((s) => SOURCE_INFO[s]?.[0] ?? s).join(',')
    case 'state':
      return STATE_RANK[peerState(p)]
    case 'first_seen':
    case 'last_seen':
      return Date.parse(p[key] ?? '') || 0
  }
}

/** A sorted copy; ties keep the collector's order (live peers first, newest first). */
export function sortPeers(peers: PeerRow[], sort: PeerSort | null): PeerRow[] {
  if (!sort) return peers
  const dir = sort.desc ? -1 : 1
  return peers
    .map((p, i) => [p, i] as const)
    .sort(([a, i], [b, j]) => {
      const x = sortValue(a, sort.key)
      const y = sortValue(b, sort.key)
      const c = typeof x === 'number' ? x - (y as number) : x.localeCompare(y as string)
      return c * dir || i - j
    })
    .map(([p]) => p)
}

/** Values with their counts, most common first, the rest folded into "Other". */
export function breakdown(
  peers: PeerRow[],
  label: (p: PeerRow) => string,
  top = 6,
): { name: string; n: number; code?: string }[] {
  const m = new Map<string, { n: number; code?: string }>()
  for (const p of peers) {
    const name = label(p)
    const e = m.get(name) ?? { n: 0, code: p.country_code }
    e.n++
    m.set(name, e)
  }
  const sorted = [...m].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))
  const out = sorted.slice(0, top).map(([name, e]) => ({ name, ...e }))
  const other = sorted.slice(top).reduce((s, [, e]) => s + e.n, 0)
  if (other > 0) out.push({ name: 'Other', n: other })
  return out
}

const EXPORT_FIELDS = [
  'address',
  'country_code',
  'country',
  'city',
  'isp',
  'asn',
  'client',
  'progress',
  'sources',
  'state',
  'first_seen',
  'last_seen',
] as const

/** The rows as exported: the columns shown, addresses masked when the setting says so. */
export function exportRows(peers: PeerRow[], mask: boolean): Record<string, unknown>[] {
  return peers.map((p) => ({
    address: peerAddress(p, mask),
    country_code: p.country_code ?? null,
    country: p.country ?? null,
    city: p.city ?? null,
    isp: p.isp ?? null,
    asn: p.asn ?? null,
    client: p.client ?? null,
    progress: p.progress ?? null,
    sources: p.sources ?? [],
    state: peerState(p),
    first_seen: p.first_seen ?? null,
    last_seen: p.last_seen ?? null,
  }))
}

export function toCsv(peers: PeerRow[], mask: boolean): string {
  const cell = (v: unknown) => {
    const s = v == null ? '' : Array.isArray(v) ? v.join(' ') : String(v)
    // Quotes for separators, and a leading quote mark against spreadsheet formulas.
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
  }
  const lines = [EXPORT_FIELDS.join(',')]
  for (const r of exportRows(peers, mask))
    lines.push(EXPORT_FIELDS.map((f) => cell(r[f])).join(','))
  return lines.join('\r\n') + '\r\n'
}

/** Saves `text` as a file through a Blob link; nothing leaves the browser. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
