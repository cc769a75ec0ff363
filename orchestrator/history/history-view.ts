/**
 * The stream store as the API reads it: memory answers for the streams it holds (every active
 * one and the recently ended), the history database for the rest, and snapshots always come
 * from the database, so a restart or an ended stream loses nothing the API showed before.
 * Starts and ends are written at once; snapshots follow after each poll cycle, in one batch.
 *
 * @example
 * const streams = createHistoryView(store, history, { listMax: 1000, historyMax: 720 })
 * createOrchestratorApp({ store: streams, ... })
 */
import type { HistoryFilter, StreamStore } from '../streams/store.ts'
import type { StreamState } from '../streams/types.ts'
import type { HistoryStore } from './history-store.ts'

export interface HistoryViewOptions {
  /** Most streams the database adds to a list (MAX_STREAMS). */
  listMax: number
  /** Snapshots answered when no range or limit is asked for (STATS_HISTORY_MAX). */
  historyMax: number
}

/** A history query may ask for a chart-sized answer: averaged into at most `maxPoints`. */
export type ChartFilter = HistoryFilter & { maxPoints?: number }

export function createHistoryView(
  store: StreamStore,
  history: HistoryStore,
  opts: HistoryViewOptions,
): StreamStore {
  const stored = (filter: Parameters<StreamStore['list']>[0], exclude: Set<string>) =>
    history.listStreams({
      status: filter?.status,
      container_id: filter?.container_id,
      exclude,
      limit: opts.listMax,
    })

  /** A start or end is written at once: memory may forget an ended stream before the next cycle. */
  const persist = (s: StreamState | null) => {
    if (s) history.recordStream(s)
    return s
  }

  return {
    ...store,
    start: (input, startOpts) => persist(store.start(input, startOpts))!,
    end: (id, reason) => persist(store.end(id, reason)),
    get: (id) => store.get(id) ?? history.getStream(id),

    list(filter = {}) {
      const memory = store.list(filter)
      const unfiltered = !filter.status && !filter.container_id
      const ids = new Set((unfiltered ? memory : store.list()).map((s) => s.id))
      const all: StreamState[] = [...memory, ...stored(filter, ids)]
      // Newest first; sort is stable, so memory's order holds among equal start times. Keys are
      // parsed once: thousands of streams make n log n Date.parse calls show.
      const keyed = all.map((s) => ({ s, t: Date.parse(s.started_at) }))
      return keyed.sort((a, b) => b.t - a.t).map((k) => k.s)
    },

    history(id, filter: ChartFilter = {}) {
      if (!store.get(id) && !history.getStream(id)) return undefined
      return history.snapshots(id, {
        since: filter.since,
        limit: filter.limit ?? (filter.maxPoints ? undefined : opts.historyMax),
        maxPoints: filter.maxPoints,
      })
    },

    counts() {
      const memory = store.counts()
      const ids = new Set(store.list().map((s) => s.id))
      return {
        active: memory.active,
        ended: memory.ended + stored({ status: 'ended' }, ids).length,
      }
    },
  }
}
