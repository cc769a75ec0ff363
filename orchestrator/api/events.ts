import { Hono } from 'hono'
import { INFOHASH_HEX_RE } from '../../lib/contract/peers.ts'
import { HttpError } from '../../lib/http-error.ts'
import type { Logger } from '../../lib/log.ts'
import { readJsonBody } from '../json-body.ts'
import {
  absoluteEngineUrl,
  streamEndedSchema,
  streamIdOf,
  streamStartedSchema,
} from '../streams/events.ts'
import { StreamStoreFullError, type StreamStore } from '../streams/store.ts'
import { mergeTrackers, readMagnetKey } from '../streams/stream-trackers.ts'

export interface EventRoutesDeps {
  store: StreamStore
  log: Logger
}

/**
 * `POST /events/stream_started` and `POST /events/stream_ended`, the events proxies send when a
 * stream starts and ends. The infohash is taken from the event when it carries one, else from the
 * key when it is an infohash or a magnet; the poller replaces both with the engine's own answer.
 */
export function createEventRoutes(deps: EventRoutesDeps): Hono {
  const app = new Hono()

  app.post('/events/stream_started', async (c) => {
    const e = await readJsonBody(c, streamStartedSchema)
    const keyIsInfohash = e.stream.key_type === 'infohash' && INFOHASH_HEX_RE.test(e.stream.key)
    // A magnet key names the swarm (and often its trackers) itself.
    const magnet =
      e.stream.key_type === 'magnet'
        ? await readMagnetKey(e.stream.key)
        : { infohash: null, trackers: [] }
    const fromKey = keyIsInfohash ? e.stream.key : magnet.infohash
    const infohash = e.session.infohash ?? fromKey
    const trackers = mergeTrackers(magnet.trackers, e.session.trackers ?? [])
    try {
      const stream = deps.store.start({
        id: streamIdOf(e),
        key_type: e.stream.key_type,
        key: e.stream.key,
        container_id: e.container_id || `${e.engine.host}:${e.engine.port}`,
        playback_session_id: e.session.playback_session_id,
        stat_url: absoluteEngineUrl(e.session.stat_url, e.engine),
        command_url: absoluteEngineUrl(e.session.command_url, e.engine),
        is_live: e.session.is_live === 1 || e.session.is_live === true,
        engine: e.engine,
        labels: e.labels,
        infohash: infohash ? infohash.toLowerCase() : null,
        infohash_source: e.session.infohash ? 'event' : fromKey ? 'key' : null,
        ...(trackers.length ? { trackers } : {}),
      })
      deps.log.info('stream started', { stream_id: stream.id, engine: stream.container_id })
      return c.json(stream)
    } catch (err) {
      if (err instanceof StreamStoreFullError) {
        throw new HttpError(503, 'too many streams', err.message)
      }
      throw err
    }
  })

  app.post('/events/stream_ended', async (c) => {
    const e = await readJsonBody(c, streamEndedSchema)
    // A stream_id names the stream, and only that one: acexy sends its own container_id, shared
    // by every stream it serves, so falling back to it for an unknown id (a start that never
    // arrived, a restart in between) would end someone else's stream. The engine's latest
    // active stream is ended only for events that carry no stream_id at all.
    let id: string | undefined
    if (e.stream_id) id = deps.store.get(e.stream_id) ? e.stream_id : undefined
    else if (e.container_id) id = deps.store.findActiveByContainer(e.container_id)?.id
    const stream = id ? deps.store.end(id, e.reason ?? null) : null
    if (stream) deps.log.info('stream ended', { stream_id: stream.id, reason: e.reason ?? null })
    return c.json({ updated: stream !== null, stream })
  })

  return app
}
