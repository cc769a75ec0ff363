/**
 * The Peers tab's list and its country breakdown: flag, country, city, ISP, client, progress.
 * Unknown fields show a dash, never a guess.
 */
import type { PeerRow } from '../../orchestrator/panel/client/types.ts'
import { flagEmoji, formatPercent } from '../../orchestrator/panel/client/format.ts'

export function PeerTable({ peers, caption }: { peers: PeerRow[]; caption: string }) {
  return (
    <div class="table-wrap peer-table">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Country</th>
            <th scope="col" class="col-city">
              City
            </th>
            <th scope="col" class="col-isp">
              ISP
            </th>
            <th scope="col">Client</th>
            <th scope="col" class="num">
              Progress
            </th>
            <th scope="col" class="col-ip">
              Address
            </th>
          </tr>
        </thead>
        <tbody>
          {peers.map((p) => (
            <tr key={`${p.ip}:${p.port}`} data-peer={`${p.ip}:${p.port}`}>
              <td class="nowrap">
                <Flag code={p.country_code} />
                {countryName(p)}
                {/* City and ISP under the country where the screen has no room for columns. */}
                <span class="peer-sub">{[p.city, p.isp].filter(Boolean).join(' · ')}</span>
              </td>
              <td class="col-city">{p.city ?? '—'}</td>
              <td class="col-isp">{p.isp ?? '—'}</td>
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
              <td class="mono col-ip">
                {p.ip.includes(':') ? `[${p.ip}]:${p.port}` : `${p.ip}:${p.port}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Peers per country, most first; the rest folded into "other". */
export function CountryBreakdown({ peers, top = 6 }: { peers: PeerRow[]; top?: number }) {
  const counts = new Map<string, { code: string | undefined; n: number }>()
  for (const p of peers) {
    const name = countryName(p)
    const c = counts.get(name) ?? { code: p.country_code, n: 0 }
    c.n++
    counts.set(name, c)
  }
  const sorted = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))
  const shown = sorted.slice(0, top)
  const other = sorted.slice(top).reduce((s, [, c]) => s + c.n, 0)
  return (
    <ul class="breakdown" aria-label="Peers by country">
      {shown.map(([name, c]) => (
        <li key={name}>
          <Flag code={c.code} />
          {name}
          <span class="n">{c.n}</span>
        </li>
      ))}
      {other > 0 && (
        <li>
          Other <span class="n">{other}</span>
        </li>
      )}
    </ul>
  )
}

/** Country as shown: the name, "Local network" for private/loopback peers, else "Unknown". */
export function countryName(p: PeerRow): string {
  if (p.country) return p.country
  if (p.address_class && p.address_class !== 'public') return 'Local network'
  return 'Unknown'
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
