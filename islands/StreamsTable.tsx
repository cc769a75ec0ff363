/**
 * The streams table: one row per stream with the peer count always visible, rows that expand
 * into Stats and Peers tabs, and a refresh of the list (and of the peer-collection switch) every
 * `refreshMs` while the page is open. Which rows are open survives refreshes and reloads.
 */
import { useSignal } from '@preact/signals'
import { useEffect, useMemo } from 'preact/hooks'
import { apiGet, describeProblem, toProblem } from '../orchestrator/panel/client/api.ts'
import { domId } from '../orchestrator/panel/client/dom-id.ts'
import {
  formatAgo,
  formatCount,
  formatSpeed,
  formatUtc,
  shortKey,
} from '../orchestrator/panel/client/format.ts'
import {
  openRowsQuery,
  withRow,
  type DetailTab,
  type OpenRows,
} from '../orchestrator/panel/client/open-rows.ts'
import {
  toStreamRow,
  type PeersResult,
  type RuntimeSettings,
  type StatSnapshot,
  type StreamRow,
  type StreamView,
} from '../orchestrator/panel/client/types.ts'
import { usePoll } from '../orchestrator/panel/client/use-poll.ts'
import { StatusPill } from '../routes/(_components)/StatusPill.tsx'
import { StreamDetail } from '../routes/(_components)/StreamDetail.tsx'

export interface StreamsTableProps {
  streams: StreamRow[]
  collectorEnabled: boolean
  /**
   * Open rows, and the history or peer list the server loaded for them, as `[id, value]` pairs:
   * props travel as JSON, and ids are outside input, so they become Map keys on both sides
   * rather than object keys (an id `__proto__` or `constructor` is just another stream).
   */
  open: [string, DetailTab][]
  history: [string, StatSnapshot[]][]
  peers: [string, PeersResult][]
  /** Render time (epoch ms), so "3 min ago" reads the same on the server and after hydration. */
  now: number
  refreshMs: number
  peersRefreshMs: number
}

export default function StreamsTable(props: StreamsTableProps) {
  const streams = useSignal(props.streams)
  const enabled = useSignal(props.collectorEnabled)
  const open = useSignal<OpenRows>(new Map(props.open))
  const loaded = useMemo(
    () => ({ history: new Map(props.history), peers: new Map(props.peers) }),
    [props.history, props.peers],
  )
  const now = useSignal(props.now)
  const live = useSignal(false)
  const problem = useSignal<string | null>(null)

  useEffect(() => {
    live.value = true
  }, [])

  const refresh = async (signal?: AbortSignal) => {
    try {
      const [list, settings] = await Promise.all([
        apiGet<StreamView[]>('/streams', signal),
        apiGet<RuntimeSettings>('/config/runtime', signal),
      ])
      streams.value = list.map(toStreamRow)
      enabled.value = settings.PEER_COLLECTOR_ENABLED === true
      problem.value = null
    } catch (err) {
      if (!signal?.aborted) problem.value = describeProblem(toProblem(err))
    } finally {
      now.value = Date.now()
    }
  }
  usePoll(refresh, props.refreshMs, [])

  const setRow = (id: string, tab: DetailTab | null) => {
    open.value = withRow(open.value, id, tab)
    history.replaceState(null, '', location.pathname + openRowsQuery(open.value))
  }
  const rows = sortStreams(streams.value)
  const active = rows.filter((s) => s.status === 'started')
  const sum = (f: (s: StreamRow) => number | null) => active.reduce((n, s) => n + (f(s) ?? 0), 0)

  return (
    <div>
      <dl class="summary">
        <div class="stat-card">
          <dt>Active streams</dt>
          <dd>{active.length}</dd>
        </div>
        <div class="stat-card">
          <dt>Connected peers</dt>
          <dd>{sum((s) => s.peers)}</dd>
        </div>
        <div class="stat-card">
          <dt>Download</dt>
          <dd>{formatSpeed(sum((s) => s.speed_down))}</dd>
        </div>
        <div class="stat-card">
          <dt>Upload</dt>
          <dd>{formatSpeed(sum((s) => s.speed_up))}</dd>
        </div>
      </dl>
      <p class="live-note" aria-live="polite">
        <span class="live-dot" data-live={live.value && !problem.value ? 'true' : 'false'} />
        {problem.value
          ? `Refresh failed: ${problem.value}`
          : live.value
            ? `Updates every ${Math.round(props.refreshMs / 1000)} s`
            : 'Reload the page for fresh figures'}
      </p>
      <div class="card table-wrap">
        {rows.length === 0 ? (
          <div class="empty-state">
            <strong>No streams yet</strong>
            Streams appear here when an engine proxy posts <code>/events/stream_started</code>.
          </div>
        ) : (
          <table class="streams">
            <caption class="visually-hidden">Streams</caption>
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">Status</th>
                <th scope="col" class="col-engine">
                  Engine
                </th>
                <th scope="col" class="num">
                  Peers
                </th>
                <th scope="col" class="num">
                  Down
                </th>
                <th scope="col" class="num">
                  Up
                </th>
                <th scope="col" class="col-started">
                  Started
                </th>
              </tr>
            </thead>
            {rows.map((s) => (
              <StreamRows
                key={s.id}
                stream={s}
                tab={open.value.get(s.id) ?? null}
                collectorEnabled={enabled.value}
                history={loaded.history.get(s.id) ?? null}
                peers={loaded.peers.get(s.id) ?? null}
                now={now.value}
                refreshMs={props.refreshMs}
                peersRefreshMs={props.peersRefreshMs}
                open={open.value}
                setRow={setRow}
                onStopped={() => void refresh()}
              />
            ))}
          </table>
        )}
      </div>
    </div>
  )
}

function StreamRows(props: {
  stream: StreamRow
  tab: DetailTab | null
  collectorEnabled: boolean
  history: StatSnapshot[] | null
  peers: PeersResult | null
  now: number
  refreshMs: number
  peersRefreshMs: number
  open: OpenRows
  setRow: (id: string, tab: DetailTab | null) => void
  onStopped: () => void
}) {
  const { stream: s, tab, open, setRow } = props
  const detailId = domId('detail', s.id)
  const href = (t: DetailTab | null) => openRowsQuery(withRow(open, s.id, t)) || '?'
  const follow = (e: MouseEvent, t: DetailTab | null) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey) return
    e.preventDefault()
    setRow(s.id, t)
  }
  return (
    <tbody>
      <tr class="stream-row" data-stream={s.id} data-open={tab ? 'true' : 'false'}>
        <td class="col-key">
          <a
            class="expand"
            href={href(tab ? null : 'stats')}
            aria-expanded={tab ? 'true' : 'false'}
            aria-controls={tab ? detailId : undefined}
            onClick={(e) => follow(e, tab ? null : 'stats')}
          >
            <span class="chev" aria-hidden="true">
              ›
            </span>
            {/* A named stream leads with its name; the key (a hash) is then only a hint below. */}
            <span>
              {s.name ? (
                <span class="stream-name" title={s.name}>
                  {s.name}
                </span>
              ) : (
                <span class="key" title={s.key}>
                  {shortKey(s.key)}
                </span>
              )}
              <span class="key-type">
                {s.name && (
                  <>
                    <span class="key-inline" title={s.key}>
                      {shortKey(s.key)}
                    </span>
                    {' · '}
                  </>
                )}
                {s.key_type.replace('_', ' ')}
                {s.is_live ? ' · live' : ''}
              </span>
            </span>
          </a>
        </td>
        <td class="col-status" data-label="Status">
          <StatusPill stream={s} />
        </td>
        <td class="col-engine mono" data-label="Engine">
          {s.container_id}
        </td>
        <td class="num" data-label="Peers">
          <span class="peer-count" data-peer-count>
            {formatCount(s.peers)}
          </span>
        </td>
        <td class="num" data-label="Down">
          {formatSpeed(s.speed_down)}
        </td>
        <td class="num" data-label="Up">
          {formatSpeed(s.speed_up)}
        </td>
        <td class="col-started nowrap" data-label="Started">
          <time dateTime={s.started_at} title={formatUtc(s.started_at)}>
            {formatAgo(s.started_at, props.now)}
          </time>
        </td>
      </tr>
      {tab && (
        <tr class="detail-row" id={detailId}>
          <td colSpan={7}>
            <StreamDetail
              streamId={s.id}
              active={s.status === 'started'}
              tab={tab}
              collectorEnabled={props.collectorEnabled}
              history={props.history}
              peers={props.peers}
              refreshMs={props.refreshMs}
              peersRefreshMs={props.peersRefreshMs}
              now={props.now}
              hrefFor={(t) => href(t)}
              onTab={(t) => setRow(s.id, t)}
              onStopped={props.onStopped}
            />
          </td>
        </tr>
      )}
    </tbody>
  )
}

/** Active streams first, newest first within each group. */
export function sortStreams(list: StreamRow[]): StreamRow[] {
  return [...list].sort(
    (a, b) =>
      (a.status === 'started' ? 0 : 1) - (b.status === 'started' ? 0 : 1) ||
      Date.parse(b.started_at) - Date.parse(a.started_at),
  )
}
