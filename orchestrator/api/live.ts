/**
 * The dashboard's server-sent event streams: `GET /streams/events` (a page of stream rows,
 * every stream by default, as the poller refreshes them; `?q=&offset=&limit=` as GET /streams) and `GET /streams/{id}/peers/events` (the stream's peers: a snapshot,
 * then diffs by ip:port; see lib/contract/peer-events.ts). Reads, so open like the other GET
 * endpoints. Registered before the stream routes: `/streams/events` is not a stream id.
 *
 * @example
 * app.route('/', createLiveRoutes({ store, runtime, poller, log }))
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { Logger } from '../../lib/log.ts'
import { heartbeatMs, lastEventId, serveFeed } from '../../lib/sse.ts'
import type { EnginePoller } from '../engine-poller.ts'
import { validate } from '../json-body.ts'
import { createPeerHub, type PeerHub, type PeerHubOptions } from '../live/peer-hub.ts'
import { createStreamsHub, type StreamsHub } from '../live/streams-hub.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'
import { STREAM_PAGE_MAX, STREAM_QUERY_MAX_CHARS } from '../streams/stream-page.ts'

/** The view a streams table shows, as `GET /streams` takes it; without it, every stream. */
const viewQuery = z.object({
  q: z.string().max(STREAM_QUERY_MAX_CHARS).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(STREAM_PAGE_MAX).optional(),
  heartbeat: z.string().optional(),
})

export interface LiveRoutesDeps {
  store: StreamStore
  runtime: RuntimeSettingsStore
  poller: EnginePoller
  log: Logger
  /** Ids Loop Detection flags now, for the table's badge (absent: none). */
  looping?: () => Promise<string[]>
  /** The app these routes are mounted on, for closeLiveViews. */
  owner?: object
  /** Limits and timings of the peer views (tests shorten them). */
  peerHub?: Partial<PeerHubOptions>
}

/** Each app's live views, so its shutdown can end them (see closeLiveViews). */
const liveViews = new WeakMap<object, () => void>()

/**
 * Ends every live view of `app` (watchers' streams end, upstreams close), so a shutdown does not
 * wait on open event streams.
 */
export function closeLiveViews(app: object): void {
  liveViews.get(app)?.()
}

export function createLiveRoutes(
  deps: LiveRoutesDeps,
): Hono & { peers: PeerHub; streams: StreamsHub } {
  const app = new Hono()
  const peers = createPeerHub({
    store: deps.store,
    runtime: deps.runtime,
    log: deps.log.child('live'),
    ...deps.peerHub,
  })
  const streams = createStreamsHub({
    store: deps.store,
    runtime: deps.runtime,
    poller: deps.poller,
    looping: deps.looping,
  })

  app.get('/streams/events', (c) => {
    const heartbeat = heartbeatMs(c)
    const q = validate(viewQuery, c.req.query(), 'invalid query')
    const view = { q: q.q ?? '', offset: q.offset ?? 0, limit: q.limit ?? STREAM_PAGE_MAX }
    return serveFeed(c, streams.subscribe(view), heartbeat)
  })

  app.get('/streams/:id/peers/events', (c) => {
    const heartbeat = heartbeatMs(c)
    const sub = peers.subscribe(c.req.param('id'), lastEventId(c))
    return serveFeed(c, sub, heartbeat)
  })

  const close = () => {
    peers.close()
    streams.close()
  }
  if (deps.owner) liveViews.set(deps.owner, close)
  return Object.assign(app, { peers, streams })
}
