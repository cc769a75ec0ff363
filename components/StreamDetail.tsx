/**
 * An expanded stream row: a tab list (Stats, and Peers only while peer collection is enabled)
 * over the history chart or the peer list. Tabs are links, so they work without JavaScript;
 * hydrated, they switch in place, follow the ARIA tabs pattern and keep the URL in step.
 */
import { useSignal } from '@preact/signals'
import { apiGet, describeProblem, toProblem } from '../utils/api.ts'
import { domId } from '../utils/dom-id.ts'
import type { DetailTab } from '../utils/open-rows.ts'
import type { PeersResult, StatSnapshot } from '../utils/types.ts'
import { usePoll } from '../utils/use-poll.ts'
import { HistoryChart } from './HistoryChart.tsx'
import { PeersPanel } from './PeersPanel.tsx'
import { StateMessage } from './StateMessage.tsx'
import { StopStream } from './StopStream.tsx'

export interface StreamDetailProps {
  streamId: string
  /** Only an active stream can be stopped. */
  active: boolean
  tab: DetailTab
  collectorEnabled: boolean
  /** Peer addresses shown masked (the privacy setting). */
  maskAddresses?: boolean
  history: StatSnapshot[] | null
  peers: PeersResult | null
  refreshMs: number
  peersRefreshMs: number
  now: number
  /** href that opens this row on a given tab (no-JS navigation). */
  hrefFor: (tab: DetailTab) => string
  onTab?: (tab: DetailTab) => void
  /** Called after the stream was stopped, so the table refreshes at once. */
  onStopped?: () => void
}

export function StreamDetail(props: StreamDetailProps) {
  const { streamId, collectorEnabled, refreshMs, peersRefreshMs, now, hrefFor, onTab } = props
  const tab: DetailTab = props.tab === 'peers' && collectorEnabled ? 'peers' : 'stats'
  const peerCount = useSignal<number | null>(
    props.peers?.ok ? (props.peers.value.peer_count ?? props.peers.value.peers.length) : null,
  )
  const tabs: { id: DetailTab; label: string }[] = [{ id: 'stats', label: 'Stats' }]
  if (collectorEnabled) tabs.push({ id: 'peers', label: 'Peers' })
  const tabId = (t: DetailTab) => domId(`tab-${t}`, streamId)
  const panelId = domId('panel', streamId)

  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Home' && e.key !== 'End')
      return
    e.preventDefault()
    const i = tabs.findIndex((t) => t.id === tab)
    const n = tabs.length
    const next =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? n - 1
          : (i + (e.key === 'ArrowRight' ? 1 : -1) + n) % n
    const t = tabs[next]!
    onTab?.(t.id)
    requestAnimationFrame(() => document.getElementById(tabId(t.id))?.focus())
  }

  return (
    <div class="detail">
      <div class="detail-bar">
        <div class="tabs" role="tablist" aria-label="Stream details" onKeyDown={onKey}>
          {tabs.map((t) => (
            <a
              key={t.id}
              id={tabId(t.id)}
              class="tab"
              role="tab"
              href={hrefFor(t.id)}
              aria-selected={t.id === tab ? 'true' : 'false'}
              aria-controls={panelId}
              tabIndex={t.id === tab ? 0 : -1}
              onClick={(e) => {
                if (!onTab || e.metaKey || e.ctrlKey || e.shiftKey) return
                e.preventDefault()
                onTab(t.id)
              }}
            >
              {t.label}
              {t.id === 'peers' && peerCount.value != null && (
                <span class="badge">{peerCount.value}</span>
              )}
            </a>
          ))}
        </div>
        {props.active && <StopStream streamId={streamId} onStopped={props.onStopped} />}
      </div>
      <div role="tabpanel" id={panelId} aria-labelledby={tabId(tab)} data-tab={tab}>
        {tab === 'stats' ? (
          <StatsPanel streamId={streamId} initial={props.history} refreshMs={refreshMs} />
        ) : (
          <PeersPanel
            streamId={streamId}
            initial={props.peers}
            refreshMs={peersRefreshMs}
            now={now}
            maskAddresses={props.maskAddresses}
            onCount={(n) => (peerCount.value = n)}
          />
        )}
      </div>
    </div>
  )
}

/** Spans the Stats tab can show; the server averages day and week into chart-sized answers. */
const RANGES = [
  { id: 'hour', label: 'Last hour' },
  { id: 'day', label: 'Last day' },
  { id: 'week', label: 'Last week' },
] as const
type Range = (typeof RANGES)[number]['id']

function StatsPanel(props: {
  streamId: string
  initial: StatSnapshot[] | null
  refreshMs: number
}) {
  const history = useSignal<StatSnapshot[] | null>(props.initial)
  const problem = useSignal<string | null>(null)
  const range = useSignal<Range>('hour')
  const load = async (signal?: AbortSignal) => {
    try {
      history.value = await apiGet<StatSnapshot[]>(
        `/streams/${encodeURIComponent(props.streamId)}/stats?range=${range.value}`,
        signal,
      )
      problem.value = null
    } catch (err) {
      if (!signal?.aborted) problem.value = describeProblem(toProblem(err))
    }
  }
  usePoll(load, props.refreshMs, [props.streamId, range.value], {
    immediate: props.initial === null,
  })
  const rangeId = domId('range', props.streamId)
  return (
    <div>
      <div class="filter chart-range">
        <label for={rangeId}>Range</label>
        <select
          id={rangeId}
          value={range.value}
          onChange={(e) => {
            range.value = (e.currentTarget as HTMLSelectElement).value as Range
            history.value = null
            void load()
          }}
        >
          {RANGES.map((r) => (
            <option value={r.id} key={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      {history.value === null ? (
        problem.value ? (
          <StateMessage kind="error" title="History unavailable">
            {problem.value}
          </StateMessage>
        ) : (
          <StateMessage kind="loading" title="Loading history…" />
        )
      ) : (
        <HistoryChart history={history.value} />
      )}
    </div>
  )
}
