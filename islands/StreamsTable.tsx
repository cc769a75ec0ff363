/**
 * The streams table: one page of rows (active streams first) with the peer count always visible,
 * rows that expand into Stats and Peers tabs, a filter, "Show more" that fetches the next rows
 * from `GET /streams` without a reload, and a refresh of the rows shown (and of the
 * peer-collection switch) every `refreshMs` while the page is open. Which rows are open, and the
 * filter, survive refreshes and reloads.
 */
import { useSignal } from '@preact/signals'
import { useEffect, useMemo, useRef } from 'preact/hooks'
import { toStreamRow } from '../lib/contract/panel.ts'
import { apiGet, describeProblem, toProblem } from '../utils/api.ts'
import { domId } from '../utils/dom-id.ts'
import { formatAgo, formatCount, formatSpeed, formatUtc, shortKey } from '../utils/format.ts'
import { listViewQuery, streamsPagePath, type ListView } from '../utils/list-view.ts'
import { withRow, type DetailTab, type OpenRows } from '../utils/open-rows.ts'
import type {
  PeersResult,
  LoopingStream,
  RuntimeSettings,
  StatSnapshot,
  StreamPageView,
  StreamRow,
  StreamSummary,
} from '../utils/types.ts'
import { useLiveStreams } from '../utils/live-streams.ts'
import { StatusPill } from '../components/StatusPill.tsx'
import { StreamDetail } from '../components/StreamDetail.tsx'

/** Rows one refresh asks for at most (the API's page limit); rows past it are not refreshed. */
const MAX_REFRESH_ROWS = 1000
/** Typing pause before the filter asks the server. */
const FILTER_DEBOUNCE_MS = 250

export interface StreamsTableProps {
  /** The rows of the current view, in the server's order (active first, newest first). */
  streams: StreamRow[]
  /** The view: filter, first row, rows per fetch, and how many streams matched in all. */
  list: { q: string; offset: number; pageSize: number; total: number }
  /** Totals over every matched stream, not only the rows shown. */
  summary: StreamSummary
  collectorEnabled: boolean
  /** Peer addresses shown masked (Settings → General). */
  maskAddresses?: boolean
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
  /** Ids Loop Detection flags as looping now (a badge on their rows). */
  looping?: string[]
}

export default function StreamsTable(props: StreamsTableProps) {
  const streams = useSignal(props.streams)
  const total = useSignal(props.list.total)
  const summary = useSignal(props.summary)
  const view = useSignal<ListView>({ q: props.list.q, offset: props.list.offset })
  const filterText = useSignal(props.list.q)
  const loadingMore = useSignal(false)
  const debounce = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const enabled = useSignal(props.collectorEnabled)
  const mask = useSignal(props.maskAddresses === true)
  const looping = useSignal(new Set(props.looping ?? []))
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

  /** Takes a page answer unless the filter changed while it was on its way. */
  const apply = (asked: ListView, page: StreamPageView, rows: StreamRow[]) => {
    if (asked !== view.value) return false
    streams.value = rows
    total.value = page.total
    summary.value = page.summary
    return true
  }

  const refresh = async (signal?: AbortSignal) => {
    const asked = view.value
    const limit = Math.min(Math.max(streams.value.length, props.list.pageSize), MAX_REFRESH_ROWS)
    try {
      const [page, settings, flagged] = await Promise.all([
        apiGet<StreamPageView>(streamsPagePath(asked.q, asked.offset, limit), signal),
        apiGet<RuntimeSettings>('/config/runtime', signal),
        // The badge is extra: without Loop Detection's answer the rows still refresh.
        apiGet<{ streams: LoopingStream[] }>('/looping-streams', signal).catch(() => null),
      ])
      apply(asked, page, page.streams.map(toStreamRow))
      enabled.value = settings.PEER_COLLECTOR_ENABLED === true
      mask.value = settings.MASK_PEER_ADDRESSES === true
      if (flagged)
        looping.value = new Set(
          flagged.streams.filter((f) => f.state === 'looping').map((f) => f.stream_id),
        )
      problem.value = null
    } catch (err) {
      if (!signal?.aborted) problem.value = describeProblem(toProblem(err))
    } finally {
      now.value = Date.now()
    }
  }
  // Pushed by the server as polls change the view; polling only where that is unavailable.
  const livePath = `/streams/events${streamsPagePath(
    view.value.q,
    view.value.offset,
    Math.min(Math.max(streams.value.length, props.list.pageSize), MAX_REFRESH_ROWS),
  ).slice('/streams'.length)}`
  const feed = useLiveStreams({
    path: livePath,
    refreshMs: props.refreshMs,
    poll: refresh,
    onPage(ev, path) {
      if (path !== livePath) return
      apply(view.value, { ...ev.page, next_offset: null, streams: [] }, ev.page.streams)
      enabled.value = ev.settings.PEER_COLLECTOR_ENABLED
      mask.value = ev.settings.MASK_PEER_ADDRESSES
      looping.value = new Set(ev.looping)
      problem.value = null
      now.value = Date.now()
    },
  })

  const showMore = async () => {
    const asked = view.value
    loadingMore.value = true
    try {
      const shown = streams.value
      const page = await apiGet<StreamPageView>(
        streamsPagePath(asked.q, asked.offset + shown.length, props.list.pageSize),
      )
      // The list may have moved since: a row already shown is not repeated.
      const ids = new Set(shown.map((s) => s.id))
      const added = page.streams.filter((s) => !ids.has(s.id)).map(toStreamRow)
      if (apply(asked, page, [...shown, ...added])) problem.value = null
    } catch (err) {
      problem.value = describeProblem(toProblem(err))
    } finally {
      loadingMore.value = false
    }
  }

  const filter = async (text: string) => {
    clearTimeout(debounce.current)
    const q = text.trim()
    if (q === view.value.q && view.value.offset === 0) return
    const asked: ListView = { q, offset: 0 }
    view.value = asked
    history.replaceState(null, '', location.pathname + listViewQuery(asked, open.value))
    try {
      const page = await apiGet<StreamPageView>(streamsPagePath(q, 0, props.list.pageSize))
      if (apply(asked, page, page.streams.map(toStreamRow))) problem.value = null
    } catch (err) {
      if (asked === view.value) problem.value = describeProblem(toProblem(err))
    }
  }

  const setRow = (id: string, tab: DetailTab | null) => {
    open.value = withRow(open.value, id, tab)
    history.replaceState(null, '', location.pathname + listViewQuery(view.value, open.value))
  }
  const rows = streams.value
  const totals = summary.value
  const nextOffset = view.value.offset + rows.length

  return (
    <div>
      <dl class="summary">
        <div class="stat-card">
          <dt>Active streams</dt>
          <dd>{totals.active}</dd>
        </div>
        <div class="stat-card">
          <dt>Connected peers</dt>
          <dd>{totals.peers}</dd>
        </div>
        <div class="stat-card">
          <dt>Download</dt>
          <dd>{formatSpeed(totals.speed_down)}</dd>
        </div>
        <div class="stat-card">
          <dt>Upload</dt>
          <dd>{formatSpeed(totals.speed_up)}</dd>
        </div>
      </dl>
      {/* A plain GET form, so the filter works before (and without) JavaScript too. */}
      <form
        class="list-filter"
        role="search"
        method="get"
        onSubmit={(e) => {
          e.preventDefault()
          void filter(filterText.value)
        }}
      >
        <label for="stream-filter">Filter</label>
        <input
          id="stream-filter"
          type="search"
          name="q"
          maxLength={200}
          placeholder="Name, key, engine or infohash"
          value={filterText.value}
          onInput={(e) => {
            filterText.value = (e.target as HTMLInputElement).value
            clearTimeout(debounce.current)
            debounce.current = setTimeout(() => void filter(filterText.value), FILTER_DEBOUNCE_MS)
          }}
        />
        <button type="submit" class="btn">
          Filter
        </button>
      </form>
      <p class="live-note" aria-live="polite">
        <span
          class="live-dot"
          data-live={live.value && !problem.value && feed.mode.value !== 'stale' ? 'true' : 'false'}
        />
        {problem.value
          ? `Refresh failed: ${problem.value}`
          : feed.mode.value === 'live'
            ? 'Live'
            : feed.mode.value === 'stale'
              ? `Stale since ${new Date(feed.staleSince.value).toISOString().slice(11, 19)} UTC`
              : live.value
                ? `Updates every ${Math.round(props.refreshMs / 1000)} s`
                : 'Reload the page for fresh figures'}
      </p>
      <div class="card table-wrap">
        {rows.length === 0 && view.value.q ? (
          <div class="empty-state">
            <strong>No streams match “{view.value.q}”</strong>
            The filter looks at names, keys, engines and infohashes.
          </div>
        ) : rows.length === 0 ? (
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
                looping={looping.value.has(s.id)}
                tab={open.value.get(s.id) ?? null}
                collectorEnabled={enabled.value}
                maskAddresses={mask.value}
                history={loaded.history.get(s.id) ?? null}
                peers={loaded.peers.get(s.id) ?? null}
                now={now.value}
                refreshMs={props.refreshMs}
                peersRefreshMs={props.peersRefreshMs}
                open={open.value}
                view={view.value}
                setRow={setRow}
                onStopped={() => void refresh()}
              />
            ))}
          </table>
        )}
      </div>
      <nav class="list-more" aria-label="More streams">
        <span data-rows-shown={rows.length} data-rows-total={total.value}>
          {rows.length < total.value || view.value.offset > 0
            ? `Showing ${formatCount(view.value.offset + 1)}–${formatCount(nextOffset)} of ${formatCount(total.value)} streams`
            : `${formatCount(total.value)} ${total.value === 1 ? 'stream' : 'streams'}`}
        </span>
        {view.value.offset > 0 && (
          <a class="btn" href={listViewQuery({ ...view.value, offset: 0 }, open.value) || '?'}>
            First page
          </a>
        )}
        {nextOffset < total.value && (
          <a
            class="btn show-more"
            href={listViewQuery({ ...view.value, offset: nextOffset }, open.value)}
            aria-disabled={loadingMore.value ? 'true' : undefined}
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey) return
              e.preventDefault()
              if (!loadingMore.value) void showMore()
            }}
          >
            {loadingMore.value
              ? 'Loading…'
              : `Show ${formatCount(Math.min(props.list.pageSize, total.value - nextOffset))} more`}
          </a>
        )}
      </nav>
    </div>
  )
}

function StreamRows(props: {
  stream: StreamRow
  looping: boolean
  tab: DetailTab | null
  collectorEnabled: boolean
  maskAddresses: boolean
  history: StatSnapshot[] | null
  peers: PeersResult | null
  now: number
  refreshMs: number
  peersRefreshMs: number
  open: OpenRows
  view: ListView
  setRow: (id: string, tab: DetailTab | null) => void
  onStopped: () => void
}) {
  const { stream: s, tab, open, setRow } = props
  const detailId = domId('detail', s.id)
  const href = (t: DetailTab | null) => listViewQuery(props.view, withRow(open, s.id, t)) || '?'
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
          {props.looping && (
            <span
              class="pill pill-bad pill-looping"
              data-looping-badge
              title="Loop Detection: the live position stopped advancing"
            >
              Looping
            </span>
          )}
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
              maskAddresses={props.maskAddresses}
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
