/**
 * The Peers tab of one stream: kept live from the orchestrator's peer event stream (polling only
 * where event streams are unavailable), with a "live" or "stale since …" line, filters by
 * country, ISP and client, churn, breakdown bars by country, network and client that follow the
 * filters, a sortable table and an export of the rows shown as CSV or JSON. Rendered inside the
 * StreamsTable island (and by the server when a page is opened with `?peers=<id>`).
 */
import { useSignal } from '@preact/signals'
import { describeProblem } from '../utils/api.ts'
import { domId } from '../utils/dom-id.ts'
import { formatAgo, formatUtc } from '../utils/format.ts'
import { useLivePeers, type LivePeers } from '../utils/live-peers.ts'
import {
  breakdown,
  countryName,
  download,
  exportRows,
  networkName,
  sortPeers,
  toCsv,
  type PeerSort,
  type SortKey,
} from '../utils/peer-view.ts'
import type { PeerRow, PeersResult } from '../utils/types.ts'
import { Breakdown, PeerTable } from './PeerTable.tsx'
import { StateMessage } from './StateMessage.tsx'

export interface PeersPanelProps {
  streamId: string
  initial: PeersResult | null
  refreshMs: number
  now: number
  /** Hide the host part of peer addresses (the privacy setting). */
  maskAddresses?: boolean
  /** Tells the row how many peers the collector listed, for the tab's badge. */
  onCount?: (n: number | null) => void
}

/** How each collector fared, in answers merged from several (one per VPN). */
type CollectorStatus = { url: string; ok: boolean; error?: string }

type FilterKey = 'country' | 'isp' | 'client'
const FILTERS: { key: FilterKey; label: string }[] = [
  { key: 'country', label: 'Country' },
  { key: 'isp', label: 'ISP' },
  { key: 'client', label: 'Client' },
]
const ALL = ''
/** Columns that read best newest or largest first on the first click. */
const DESC_FIRST = new Set<SortKey>(['progress', 'first_seen', 'last_seen'])

export function PeersPanel(props: PeersPanelProps) {
  const { streamId, initial, refreshMs, now, maskAddresses = false, onCount } = props
  const filters = useSignal<Record<FilterKey, string>>({ country: ALL, isp: ALL, client: ALL })
  const sort = useSignal<PeerSort | null>(null)
  const live = useLivePeers(streamId, initial, refreshMs, onCount)
  const clock = Math.max(now, live.clock.value)

  const r = live.result.value
  if (!r) {
    return (
      <StateMessage kind="loading" title="Looking for peers…">
        The collector is searching this stream's swarm; a cold swarm can take a few seconds.
      </StateMessage>
    )
  }
  if (!r.ok) {
    return (
      <StateMessage kind="error" title="Peers unavailable">
        {describeProblem(r.problem)} Retrying every {Math.round(refreshMs / 1000)} s.
      </StateMessage>
    )
  }
  const answer = r.value
  if (answer.peers.length === 0 && live.gone.value.length === 0) {
    if (answer.error) {
      return (
        <StateMessage kind="error" title="The collector could not list peers">
          {answer.error}
        </StateMessage>
      )
    }
    return (
      <StateMessage kind={answer.discovering ? 'loading' : 'empty'} title="No peers found yet">
        {answer.discovering
          ? 'The collector is still running its first lookup for this swarm.'
          : 'The collector keeps tracking this swarm, so peers that join later show up here.'}
      </StateMessage>
    )
  }

  const f = filters.value
  const match = (p: PeerRow) =>
    FILTERS.every(({ key }) => f[key] === ALL || valueOf(p, key) === f[key])
  const shown = sortPeers(answer.peers.filter(match), sort.value)
  const setFilter = (key: FilterKey, v: string) => (filters.value = { ...f, [key]: v })
  const onSort = (key: SortKey) => {
    const s = sort.value
    sort.value = s?.key === key ? { key, desc: !s.desc } : { key, desc: DESC_FIRST.has(key) }
  }
  const save = (kind: 'csv' | 'json') => {
    const name = `peers-${streamId.replace(/[^\w.-]+/g, '_').slice(0, 60)}.${kind}`
    if (kind === 'csv') download(name, toCsv(shown, maskAddresses), 'text/csv')
    else
      download(name, JSON.stringify(exportRows(shown, maskAddresses), null, 2), 'application/json')
  }
  return (
    <div>
      <div class="peers-head">
        <div class="filters">
          {FILTERS.map(({ key, label }) => {
            const id = domId(`filter-${key}`, streamId)
            return (
              <div class="filter" key={key}>
                <label for={id}>{label}</label>
                <select
                  id={id}
                  value={f[key]}
                  onChange={(e) => setFilter(key, (e.currentTarget as HTMLSelectElement).value)}
                >
                  <option value={ALL}>All</option>
                  {options(answer.peers, key).map(([v, n]) => (
                    <option value={v} key={v}>
                      {v} ({n})
                    </option>
                  ))}
                </select>
              </div>
            )
          })}
        </div>
        <div class="export">
          <button type="button" class="btn" onClick={() => save('csv')}>
            Export CSV
          </button>
          <button type="button" class="btn" onClick={() => save('json')}>
            Export JSON
          </button>
        </div>
      </div>
      <p class="hint" aria-live="polite">
        <LiveBadge live={live} now={clock} />
        Showing {shown.length} of {answer.peers.length} peers
        {answer.total_peers != null && answer.total_peers > answer.peers.length
          ? ` (${answer.total_peers} in the swarm)`
          : ''}
        <Churn live={live} />
      </p>
      <CollectorsDown collectors={(answer as { collectors?: CollectorStatus[] }).collectors} />
      <div class="breakdowns">
        <Breakdown label="Peers by country" items={breakdown(shown, countryName)} flags />
        <Breakdown label="Peers by network" items={breakdown(shown, networkName)} />
        <Breakdown label="Peers by client" items={breakdown(shown, (p) => valueOf(p, 'client'))} />
      </div>
      {shown.length > 0 || live.gone.value.length > 0 ? (
        <PeerTable
          peers={shown}
          caption={`Peers of stream ${streamId}`}
          now={clock}
          mask={maskAddresses}
          sort={sort.value}
          onSort={onSort}
          joined={live.joined.value}
          gone={live.gone.value.filter(match)}
        />
      ) : (
        <StateMessage kind="empty" title="No peer matches these filters" />
      )}
      <GeoAttribution />
    </div>
  )
}

/** "Live", "Stale since 12:04:05 (2 min ago)", or "Refreshing every 2 s" when polling. */
function LiveBadge({ live, now }: { live: LivePeers; now: number }) {
  const mode = live.mode.value
  if (mode === 'stale') {
    const since = new Date(live.staleSince.value).toISOString()
    return (
      <span class="live live-stale" data-live="stale" title={formatUtc(since)}>
        Stale since {since.slice(11, 19)} UTC ({formatAgo(since, now)}) ·{' '}
      </span>
    )
  }
  if (mode === 'live')
    return (
      <span class="live live-on" data-live="live" title="Updates arrive as the collector sees them">
        Live ·{' '}
      </span>
    )
  return <span class="live" data-live={mode} />
}

function Churn({ live }: { live: LivePeers }) {
  const c = live.churn.value
  if (!c) return null
  const stay =
    c.median_stay_s == null
      ? ''
      : ` · median stay ${c.median_stay_s < 90 ? `${c.median_stay_s} s` : `${Math.round(c.median_stay_s / 60)} min`}`
  return (
    <span class="churn" title={`Over the last ${Math.round(c.window_min)} min`}>
      {` · churn ${c.joins_per_min}/min in, ${c.leaves_per_min}/min out${stay}`}
    </span>
  )
}

/** With several collectors, which did not answer: the list is the others' view only. */
function CollectorsDown({ collectors }: { collectors: CollectorStatus[] | undefined }) {
  const down = collectors?.filter((c) => !c.ok) ?? []
  if (!collectors || down.length === 0) return null
  return (
    <p class="hint" data-collectors-down={down.length}>
      {down.length} of {collectors.length} collectors did not answer (
      {down.map((c) => `${c.url}: ${c.error ?? 'failed'}`).join('; ')}); these are the peers the
      others found.
    </p>
  )
}

/** DB-IP City Lite is CC BY 4.0, which asks for this credit wherever its data is shown. */
function GeoAttribution() {
  return (
    <p class="attribution">
      <a href="https://db-ip.com" rel="noopener">
        IP geolocation by DB-IP
      </a>
    </p>
  )
}

function valueOf(p: PeerRow, key: FilterKey): string {
  if (key === 'country') return countryName(p)
  return (key === 'isp' ? p.isp : p.client) ?? 'Unknown'
}

/** Distinct values of one field with their counts, most common first. */
function options(peers: PeerRow[], key: FilterKey): [string, number][] {
  const m = new Map<string, number>()
  for (const p of peers) m.set(valueOf(p, key), (m.get(valueOf(p, key)) ?? 0) + 1)
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
}
