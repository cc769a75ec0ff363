/**
 * The dashboard's server-sent event streams: `GET /streams/events` (every stream's row as the
 * poller refreshes it) and `GET /streams/{id}/peers/events` (the stream's peers: a snapshot,
 * then diffs by ip:port; see lib/contract/peer-events.ts). Reads, so open like the other GET
 * endpoints. Registered before the stream routes: `/streams/events` is not a stream id.
 *
 * @example
 * app.route('/', createLiveRoutes({ store, runtime, poller, log }))
 */
import { Hono } from 'hono'
import type { Logger } from '../../lib/log.ts'
import { heartbeatMs, lastEventId, serveFeed } from '../../lib/sse.ts'
import type { EnginePoller } from '../engine-poller.ts'
import { createPeerHub, type PeerHub, type PeerHubOptions } from '../live/peer-hub.ts'
import { createStreamsHub, type StreamsHub } from '../live/streams-hub.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'

export interface LiveRoutesDeps {
  store: StreamStore
  runtime: RuntimeSettingsStore
  poller: EnginePoller
  log: Logger
  /** Limits and timings of the peer views (tests shorten them). */
  peerHub?: Partial<PeerHubOptions>
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
  const streams = createStreamsHub({ store: deps.store, poller: deps.poller })

  app.get('/streams/events', (c) => serveFeed(c, streams.subscribe(), heartbeatMs(c)))

  app.get('/streams/:id/peers/events', (c) => {
    const heartbeat = heartbeatMs(c)
    const sub = peers.subscribe(c.req.param('id'), lastEventId(c))
    return serveFeed(c, sub, heartbeat)
  })

  return Object.assign(app, { peers, streams })
}
