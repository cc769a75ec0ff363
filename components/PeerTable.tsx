/**
 * The Peers tab's list: flag and country name, city, ISP and ASN, client, progress, how the
 * peer was found (source badges) and its state, first and last seen as relative times, and the
 * address (masked when the privacy setting says so). Column headers sort when clicked; badges
 * say what they mean on hover. Peers that just joined are highlighted; peers that just left fade
 * out. Unknown fields show a dash, never a guess.
 */
import { flagEmoji, formatAgo, formatPercent, formatUtc } from '../utils/format.ts'
import {
  countryName,
  peerAddress,
  peerState,
  SOURCE_INFO,
  STATE_INFO,
  type PeerSort,
  type SortKey,
} from '../utils/peer-view.ts'
import type { PeerRow } from '../utils/types.ts'

export { countryName }

export interface PeerTableProps {
  peers: PeerRow[]
  caption: string
  now: number
  mask?: boolean
  sort?: PeerSort | null
  onSort?: (key: SortKey) => void
  /** Keys (ip:port) of peers that joined while watching. */
  joined?: Map<string, number>
  /** Peers that just left, drawn fading under the rest. */
  gone?: PeerRow[]
}

const COLUMNS: { key: SortKey | null; label: string; cls?: string }[] = [
  { key: 'country', label: 'Country' },
  { key: 'city', label: 'City', cls: 'col-city' },
  { key: 'isp', label: 'ISP / ASN', cls: 'col-isp' },
  { key: 'client', label: 'Client' },
  { key: 'progress', label: 'Progress', cls: 'num' },
  { key: 'source', label: 'Source', cls: 'col-src' },
  { key: 'state', label: 'State' },
  { key: 'first_seen', label: 'First seen', cls: 'col-seen col-first' },
  { key: 'last_seen', label: 'Last seen', cls: 'col-seen' },
  { key: null, label: 'Address', cls: 'col-ip' },
]

const key = (p: PeerRow) => (p.ip.includes(':') ? `[${p.ip}]:${p.port}` : `${p.ip}:${p.port}`)

export function PeerTable(props: PeerTableProps) {
  const { peers, caption, now, mask = false, sort, onSort, joined, gone = [] } = props
  const row = (p: PeerRow, leaving: boolean) => {
    const k = key(p)
    const state = peerState(p)
    const isNew = !leaving && joined?.has(k)
    return (
      <tr
        key={leaving ? `gone-${k}` : k}
        data-peer={leaving ? undefined : peerAddress(p, mask)}
        class={leaving ? 'peer-gone' : isNew ? 'peer-new' : undefined}
      >
        <td class="nowrap">
          <Flag code={p.country_code} />
          {countryName(p)}
          {/* City and ISP under the country where the screen has no room for columns. */}
          <span class="peer-sub">{[p.city, p.isp].filter(Boolean).join(' · ')}</span>
        </td>
        <td class="col-city">{p.city ?? '—'}</td>
        <td class="col-isp">
          {p.isp ?? (p.asn == null ? '—' : '')}
          {p.asn != null && <span class="asn">AS{p.asn}</span>}
        </td>
        <td>{p.client ?? <span class="muted">Unknown</span>}</td>
        <td class="num">
          {p.progress == null ? (
            '—'
          ) : (
            <span class="progress">
              <span class="bar" aria-hidden="true">
                <span style={{ width: `${Math.min(100, Math.max(0, p.progress))}%` }} />
              </span>
              {formatPercent(p.progress)}
            </span>
          )}
        </td>
        <td class="col-src">
          {(p.sources ?? []).map((s) => (
            <span key={s} class={`pill src-${s}`} title={SOURCE_INFO[s]?.[1]}>
              {SOURCE_INFO[s]?.[0] ?? s}
            </span>
          ))}
        </td>
        <td>
          <span class={`pill state-${state}`} title={STATE_INFO[state][1]}>
            {STATE_INFO[state][0]}
          </span>
        </td>
        <td class="col-seen col-first nowrap">
          <time dateTime={p.first_seen} title={formatUtc(p.first_seen)}>
            {formatAgo(p.first_seen, now)}
          </time>
        </td>
        <td class="col-seen nowrap">
          <time dateTime={p.last_seen} title={formatUtc(p.last_seen)}>
            {formatAgo(p.last_seen, now)}
          </time>
        </td>
        <td class="mono col-ip">{peerAddress(p, mask)}</td>
      </tr>
    )
  }
  return (
    <div class="table-wrap peer-table">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const active = c.key && sort?.key === c.key
              return (
                <th
                  scope="col"
                  key={c.label}
                  class={c.cls}
                  aria-sort={active ? (sort!.desc ? 'descending' : 'ascending') : undefined}
                >
                  {c.key && onSort ? (
                    <button type="button" class="sort" onClick={() => onSort(c.key!)}>
                      {c.label}
                      <span aria-hidden="true">{active ? (sort!.desc ? ' ▾' : ' ▴') : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              )
            })}
          </tr>
        </thead>
        <tbody>
          {peers.map((p) => row(p, false))}
          {gone.map((p) => row(p, true))}
        </tbody>
      </table>
    </div>
  )
}

/** Horizontal bars: one breakdown (peers by country, network or client) of the rows shown. */
export function Breakdown(props: {
  label: string
  items: { name: string; n: number; code?: string }[]
  flags?: boolean
}) {
  const max = Math.max(1, ...props.items.map((i) => i.n))
  return (
    <div class="breakdown-box">
      <h3>{props.label}</h3>
      <ul class="breakdown" aria-label={props.label}>
        {props.items.map((i) => (
          <li key={i.name}>
            <span class="bk-name">
              {props.flags && i.name !== 'Other' && <Flag code={i.code} />}
              {i.name}
            </span>
            <span class="bk-bar" aria-hidden="true">
              <span style={{ width: `${(i.n / max) * 100}%` }} />
            </span>
            <span class="n">{i.n}</span>
          </li>
        ))}
      </ul>
    </div>
  )
}

/** The country's flag emoji; a neutral globe where the country is not known. */
function Flag({ code }: { code: string | undefined }) {
  const flag = flagEmoji(code)
  if (flag) {
    return (
      <span class="flag" aria-hidden="true">
        {flag}
      </span>
    )
  }
  return (
    <svg class="flag flag-none" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.3" />
      <path
        d="M1.5 8h13M8 1.5c2 2 2.8 4.2 2.8 6.5S10 12.5 8 14.5M8 1.5C6 3.5 5.2 5.7 5.2 8s.8 4.5 2.8 6.5"
        fill="none"
        stroke="currentColor"
        stroke-width="1.1"
      />
    </svg>
  )
}
