/**
 * The streams table's live feed (`GET /streams/events?q=&offset=&limit=`): a `page` event with
 * the rows of the asked view (the same page `GET /streams?limit=&offset=&q=` answers, as table
 * rows without engine URLs), its totals, and the settings the table follows (peer collection on,
 * addresses masked), sent when a browser connects and after every poll cycle that changed it.
 * Watchers of the same view share one computation and one serialised event. Computed only while
 * someone watches.
 *
 * @example
 * const hub = createStreamsHub({ store, runtime, poller })
 * const sub = hub.subscribe({ q: '', offset: 0, limit: 50 }) // 503 past maxSubscribers
 */
import {
  createSubscribers,
  FeedFullError,
  type FeedMessage,
  type FeedSubscriber,
  type QueuedSubscriber,
} from '../../lib/feed-subscribers.ts'
import { HttpError } from '../../lib/http-error.ts'
import type { EnginePoller } from '../engine-poller.ts'
import { toStreamRow } from '../../lib/contract/panel.ts'
import type { StreamRow } from '../../lib/contract/streams.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'
import { pageStreams } from '../streams/stream-page.ts'
import type { StreamPage } from '../streams/types.ts'

export interface StreamsHubOptions {
  store: Pick<StreamStore, 'list'>
  runtime: Pick<RuntimeSettingsStore, 'get'>
  poller: Pick<EnginePoller, 'watch'>
  /** Ids Loop Detection flags as looping now (a badge on their rows); none when absent. */
  looping?: () => Promise<string[]>
  /** Browsers at once (default 200). */
  maxSubscribers?: number
  /** Bytes waiting for one browser before it is dropped (default 1 MiB). */
  maxQueuedBytes?: number
}

export interface StreamsView {
  q: string
  offset: number
  limit: number
}

/** Body of a `page` event. */
export interface StreamsPageEvent {
  id: string
  as_of: string
  page: StreamPage<StreamRow>
  settings: { PEER_COLLECTOR_ENABLED: boolean; MASK_PEER_ADDRESSES: boolean }
  looping: string[]
}

export interface StreamsHub {
  subscribe(view: StreamsView): FeedSubscriber
  readonly watcherCount: number
  close(): void
}

interface ViewGroup {
  view: StreamsView
  subs: Set<QueuedSubscriber>
  /** The page as last sent (without id and time), to send only what changed. */
  last: string
  msg: FeedMessage | null
}

export function createStreamsHub(opts: StreamsHubOptions): StreamsHub {
  let unwatch: (() => void) | null = null
  let seq = 0
  const groups = new Map<string, ViewGroup>()
  const subs = createSubscribers({
    maxSubscribers: opts.maxSubscribers ?? 200,
    maxQueuedBytes: opts.maxQueuedBytes ?? 1024 * 1024,
    onEmpty: () => {
      unwatch?.()
      unwatch = null
    },
  })

  /** Recomputes one view; returns the event when it differs from what was sent. */
  function render(g: ViewGroup, looping: string[]): FeedMessage | null {
    const page = pageStreams(opts.store.list(), g.view)
    const settings = opts.runtime.get()
    const body = {
      page: { ...page, streams: page.streams.map(toStreamRow) },
      settings: {
        PEER_COLLECTOR_ENABLED: settings.PEER_COLLECTOR_ENABLED,
        MASK_PEER_ADDRESSES: settings.MASK_PEER_ADDRESSES === true,
      },
      looping: looping.filter((id) => page.streams.some((s) => s.id === id)),
    }
    const text = JSON.stringify(body)
    if (text === g.last && g.msg) return null
    g.last = text
    const ev: StreamsPageEvent = { id: String(++seq), as_of: new Date().toISOString(), ...body }
    g.msg = { event: 'page', id: ev.id, data: JSON.stringify(ev) }
    return g.msg
  }

  const looping = () => opts.looping?.().catch(() => []) ?? Promise.resolve([])

  async function onCycle() {
    const flagged = await looping()
    for (const [key, g] of groups) {
      if (!g.subs.size) {
        groups.delete(key)
        continue
      }
      const msg = render(g, flagged)
      if (msg) for (const s of g.subs) s.offer(msg)
    }
  }

  return {
    subscribe(view) {
      let sub: QueuedSubscriber
      try {
        sub = subs.add()
      } catch (err) {
        if (err instanceof FeedFullError)
          throw new HttpError(503, 'too many watchers', err.message, { 'Retry-After': '10' })
        throw err
      }
      const key = JSON.stringify([view.q, view.offset, view.limit])
      let g = groups.get(key)
      if (!g) groups.set(key, (g = { view, subs: new Set(), last: '', msg: null }))
      g.subs.add(sub)
      const group = g
      void sub.whenClosed.then(() => {
        group.subs.delete(sub)
        if (!group.subs.size && groups.get(key) === group) groups.delete(key)
      })
      unwatch ??= opts.poller.watch(() => void onCycle())
      void looping().then((flagged) => {
        const msg = render(group, flagged)
        if (msg) for (const s of group.subs) s.offer(msg)
        else sub.offer(group.msg!)
      })
      return sub
    },
    get watcherCount() {
      return subs.size
    },
    close: () => subs.closeAll(),
  }
}
