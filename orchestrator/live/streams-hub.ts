/**
 * The streams table's live feed (`GET /streams/events`): a `snapshot` of every stream's row
 * when a browser connects, then after each poll cycle an `update` with the rows that changed
 * (stats, status) and the ids no longer listed. Rows are the table's projection (no engine
 * URLs), so every watcher gets the same bytes. Computed only while someone watches.
 *
 * @example
 * const hub = createStreamsHub({ store, poller })
 * const sub = hub.subscribe() // throws HttpError 503 past maxSubscribers
 */
import { HttpError } from '../../lib/http-error.ts'
import {
  createSubscribers,
  FeedFullError,
  type FeedSubscriber,
} from '../../lib/feed-subscribers.ts'
import type { EnginePoller } from '../engine-poller.ts'
import { toStreamRow, type StreamRow } from '../panel/client/types.ts'
import type { StreamStore } from '../streams/store.ts'

export interface StreamsHubOptions {
  store: Pick<StreamStore, 'list'>
  poller: Pick<EnginePoller, 'watch'>
  /** Browsers at once (default 200). */
  maxSubscribers?: number
  /** Bytes waiting for one browser before it is dropped (default 1 MiB). */
  maxQueuedBytes?: number
}

export interface StreamsUpdateEvent {
  id: string
  as_of: string
  changed: StreamRow[]
  removed: string[]
}

export interface StreamsHub {
  subscribe(): FeedSubscriber
  readonly watcherCount: number
  close(): void
}

export function createStreamsHub(opts: StreamsHubOptions): StreamsHub {
  let unwatch: (() => void) | null = null
  // id -> the row as last sent, serialised (what "changed" compares against).
  let sent = new Map<string, string>()
  let seq = 0
  const subs = createSubscribers({
    maxSubscribers: opts.maxSubscribers ?? 200,
    maxQueuedBytes: opts.maxQueuedBytes ?? 1024 * 1024,
    onEmpty: () => {
      unwatch?.()
      unwatch = null
    },
  })

  const rows = () => opts.store.list().map(toStreamRow)

  function onCycle() {
    const now = new Map<string, string>()
    const changed: StreamRow[] = []
    for (const row of rows()) {
      const text = JSON.stringify(row)
      now.set(row.id, text)
      if (sent.get(row.id) !== text) changed.push(row)
    }
    const removed = [...sent.keys()].filter((id) => !now.has(id))
    sent = now
    if (!changed.length && !removed.length) return
    const ev: StreamsUpdateEvent = {
      id: String(++seq),
      as_of: new Date().toISOString(),
      changed,
      removed,
    }
    const msg = { event: 'update', id: ev.id, data: JSON.stringify(ev) }
    for (const s of subs.all()) s.offer(msg)
  }

  return {
    subscribe() {
      let sub
      try {
        sub = subs.add()
      } catch (err) {
        if (err instanceof FeedFullError)
          throw new HttpError(503, 'too many watchers', err.message, { 'Retry-After': '10' })
        throw err
      }
      const list = rows()
      if (!unwatch) {
        sent = new Map(list.map((r) => [r.id, JSON.stringify(r)]))
        unwatch = opts.poller.watch(onCycle)
      }
      const data = JSON.stringify({
        id: String(seq),
        as_of: new Date().toISOString(),
        streams: list,
      })
      sub.offer({ event: 'snapshot', id: String(seq), data })
      return sub
    },
    get watcherCount() {
      return subs.size
    },
    close: () => subs.closeAll(),
  }
}
