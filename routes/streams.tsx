/**
 * `/panel/streams`: one page of streams (active first, `?q=` filters, `?offset=` pages) with
 * their status, engine, peers and speeds, and totals over all of them. Rows named in the
 * URL (`?open=<id>`, `?peers=<id>`) are rendered open with their history or peer list, so the
 * page is complete without JavaScript; the island then keeps it fresh.
 */
import AlertsBanner from '../islands/AlertsBanner.tsx'
import StreamsTable, { type StreamsTableProps } from '../islands/StreamsTable.tsx'
import { toStreamRow, type PanelContext } from '../lib/contract/panel.ts'
import { withDeadline } from '../lib/deadline.ts'
import { Island } from '../lib/islands/island.tsx'
import type { Handler, PageProps } from '../lib/islands/route.ts'
import { parseListView } from '../utils/list-view.ts'
import { parseOpenRows } from '../utils/open-rows.ts'
import type { ActiveAlert, PeersResult, StatSnapshot } from '../utils/types.ts'

export const title = 'Streams'

/** `alerts` is null where the app has no alerting (then no banner island is shipped). */
export type StreamsPageData = StreamsTableProps & { alerts: ActiveAlert[] | null }

export const handler: Handler<StreamsPageData, PanelContext> = async ({
  url,
  data,
  options,
  now,
}) => {
  // One bounded page, whatever the stream count: the island fetches more rows on demand.
  const view = parseListView(url.searchParams)
  const [page, settings, alerts, flagged] = await Promise.all([
    data.streams({ offset: view.offset, q: view.q }),
    data.runtimeSettings(),
    data.alerts?.() ?? null,
    data.looping?.() ?? [],
  ])
  const known = new Set(page.streams.map((s) => s.id))
  const open = [...parseOpenRows(url.searchParams)].filter(([id]) => known.has(id))
  // Maps, not objects: ids are whatever the proxy posted, `__proto__` included.
  const history = new Map<string, StatSnapshot[]>()
  const peers = new Map<string, PeersResult>()
  await Promise.all(
    open.map(async ([id, tab]) => {
      if (tab === 'stats') history.set(id, await data.history(id))
      else if (settings.PEER_COLLECTOR_ENABLED) {
        // A cold swarm can take a while: past the wait the island shows "loading" and asks itself.
        const p = await withDeadline(data.peers(id), options.pagePeersWaitMs, {
          onTimeout: () => undefined,
        })
        if (p) peers.set(id, p)
      }
    }),
  )
  return {
    streams: page.streams.map(toStreamRow),
    list: { q: view.q, offset: page.offset, pageSize: page.limit, total: page.total },
    summary: page.summary,
    collectorEnabled: settings.PEER_COLLECTOR_ENABLED,
    maskAddresses: settings.MASK_PEER_ADDRESSES === true,
    open,
    history: [...history],
    peers: [...peers],
    now,
    refreshMs: options.refreshMs,
    peersRefreshMs: options.peersRefreshMs,
    // Only the rows on this page can show the badge.
    looping: flagged
      .filter((f) => f.state === 'looping' && known.has(f.stream_id))
      .map((f) => f.stream_id),
    alerts,
  }
}

export default function StreamsPage({ data }: PageProps<StreamsPageData>) {
  const { alerts, ...table } = data
  return (
    <>
      <div class="page-head">
        <div>
          <h1>Streams</h1>
          <p>
            What each engine is playing, its peers and speeds.
            {data.collectorEnabled
              ? ' Open a stream to see its swarm’s peers.'
              : ' Peer lists are off; turn them on under Settings → Peer Collector.'}
          </p>
        </div>
      </div>
      {alerts && (
        <Island
          component={AlertsBanner}
          props={{ alerts, now: table.now, refreshMs: table.refreshMs }}
        />
      )}
      <Island component={StreamsTable} props={table} />
    </>
  )
}
