/**
 * The Peers tab of one stream: asks `GET /streams/{id}/peers` every `refreshMs` while it is
 * shown, keeps the last good list through a failed round, and offers filters by country, ISP
 * and client plus a per-country breakdown. Rendered inside the StreamsTable island (and by the
 * server when a page is opened with `?peers=<id>`).
 */
import { useSignal } from '@preact/signals'
import { apiGet, describeProblem, toProblem } from '../../orchestrator/panel/client/api.ts'
import { domId } from '../../orchestrator/panel/client/dom-id.ts'
import { formatAgo } from '../../orchestrator/panel/client/format.ts'
import type { PeerRow, PeersResult, StreamPeers } from '../../orchestrator/panel/client/types.ts'
import { usePoll } from '../../orchestrator/panel/client/use-poll.ts'
import { CountryBreakdown, countryName, PeerTable } from './PeerTable.tsx'
import { StateMessage } from './StateMessage.tsx'

export interface PeersPanelProps {
  streamId: string
  initial: PeersResult | null
  refreshMs: number
  now: number
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

export function PeersPanel({ streamId, initial, refreshMs, now, onCount }: PeersPanelProps) {
  const result = useSignal<PeersResult | null>(initial)
  const loading = useSignal(initial === null)
  const filters = useSignal<Record<FilterKey, string>>({ country: ALL, isp: ALL, client: ALL })
  const clock = useSignal(now)

  const load = async (signal: AbortSignal) => {
    try {
      const value = await apiGet<StreamPeers>(
        `/streams/${encodeURIComponent(streamId)}/peers`,
        signal,
      )
      result.value = { ok: true, value }
      onCount?.(value.peer_count ?? value.peers.length)
    } catch (err) {
      if (signal.aborted) return
      result.value = { ok: false, problem: toProblem(err) }
      onCount?.(null)
    } finally {
      loading.value = false
      clock.value = Date.now()
    }
  }
  usePoll(load, refreshMs, [streamId], { immediate: initial === null })

  const r = result.value
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
  if (answer.peers.length === 0) {
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
  const shown = answer.peers.filter((p) =>
    FILTERS.every(({ key }) => f[key] === ALL || valueOf(p, key) === f[key]),
  )
  const setFilter = (key: FilterKey, v: string) => (filters.value = { ...f, [key]: v })
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
        <p class="hint" aria-live="polite">
          Showing {shown.length} of {answer.peers.length} peers
          {answer.total_peers != null && answer.total_peers > answer.peers.length
            ? ` (${answer.total_peers} in the swarm)`
            : ''}
          {answer.cached_at
            ? ` · found ${formatAgo(new Date(answer.cached_at * 1000).toISOString(), clock.value)}`
            : ''}
          {loading.value ? ' · refreshing…' : ''}
        </p>
      </div>
      <CollectorsDown collectors={(answer as { collectors?: CollectorStatus[] }).collectors} />
      <CountryBreakdown peers={answer.peers} />
      {shown.length > 0 ? (
        <PeerTable peers={shown} caption={`Peers of stream ${streamId}`} />
      ) : (
        <StateMessage kind="empty" title="No peer matches these filters" />
      )}
      <GeoAttribution />
    </div>
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
