import { Hono, type Context } from 'hono'
import { StreamListQuerySchema, StreamStatsQuerySchema } from '../../lib/contract/streams.ts'
import { HttpError } from '../../lib/http-error.ts'
import type { Logger } from '../../lib/log.ts'
import type { CollectorClient } from '../collector-client.ts'
import type { EngineClient } from '../engine/engine-client.ts'
import { validate } from '../json-body.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'
import { pageStreams, STREAM_PAGE_SIZE } from '../streams/stream-page.ts'
import { createStreamPeers, type StreamPeers } from '../streams/stream-peers.ts'
import type { StreamState } from '../streams/types.ts'
import { hasApiKey } from '../auth.ts'

export interface StreamRoutesDeps {
  store: StreamStore
  engine: EngineClient
  runtime: RuntimeSettingsStore
  collector: CollectorClient
  log: Logger
  /** When set, engine URLs are shown only to callers presenting it. */
  apiKey?: string
  /** The peer list function, when the app shares it with its pages; else one is made. */
  streamPeers?: StreamPeers
}

const RANGE_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 }
/** Points in a ranged answer: about one per pixel of the chart. */
export const CHART_POINTS = 720

/**
 * Stream read endpoints, the stop command and the peer list through the collector.
 * Ids may contain `|` (and, encoded, `/`); Hono hands them over URL-decoded.
 */
export function createStreamRoutes(deps: StreamRoutesDeps): Hono {
  const app = new Hono()
  const streamPeers = deps.streamPeers ?? createStreamPeers(deps)

  const mustGet = (id: string) => {
    const s = deps.store.get(id)
    if (!s) throw new HttpError(404, 'stream not found', `no stream with id ${JSON.stringify(id)}`)
    return s
  }

  // A command URL stops the session when fetched, so with a key set only key holders see it.
  const shown = (c: Context, s: StreamState) =>
    hasApiKey(deps.apiKey, c) ? s : withoutEngineUrls(s)

  app.get('/streams', (c) => {
    const { limit, offset, q, ...filter } = validate(
      StreamListQuerySchema,
      c.req.query(),
      'invalid query',
    )
    const list = deps.store.list(filter)
    if (limit === undefined && offset === undefined && q === undefined) {
      return c.json(list.map((s) => shown(c, s)))
    }
    const page = pageStreams(list, { limit: limit ?? STREAM_PAGE_SIZE, offset: offset ?? 0, q })
    return c.json({ ...page, streams: page.streams.map((s) => shown(c, s)) })
  })

  app.get('/streams/:id', (c) => c.json(shown(c, mustGet(c.req.param('id')))))

  app.get('/streams/:id/stats', (c) => {
    const id = c.req.param('id')
    mustGet(id)
    const q = validate(StreamStatsQuerySchema, c.req.query(), 'invalid query')
    let since = q.since ? new Date(q.since) : undefined
    if (q.range) {
      const from = new Date(Date.now() - RANGE_MS[q.range])
      if (!since || since < from) since = from
    }
    const maxPoints = q.range ? CHART_POINTS : undefined
    return c.json(deps.store.history(id, { since, limit: q.limit, maxPoints }) ?? [])
  })

  app.delete('/streams/:id', async (c) => {
    const stream = mustGet(c.req.param('id'))
    if (stream.status !== 'started') {
      throw new HttpError(409, 'stream already ended', `ended at ${stream.ended_at}`)
    }
    // As in the original, a failed stop does not keep the stream alive here: the engine drops
    // the session by itself once nobody reads it. The answer says what the engine replied.
    const engineStop = await deps.engine.stop(stream.command_url)
    if (!engineStop.ok) {
      deps.log.warn('engine stop failed', { stream_id: stream.id, detail: engineStop.detail })
    }
    const ended = deps.store.end(stream.id, 'manual_stop_via_api') ?? deps.store.get(stream.id)
    return c.json({
      message: 'Stream stopped successfully',
      stream_id: stream.id,
      engine_stop: engineStop,
      stream: ended,
    })
  })

  app.get('/streams/:id/peers', async (c) => {
    const r = await streamPeers(c.req.param('id'))
    return r.ok ? c.json(r.answer) : c.json(r.body, r.status, r.headers)
  })

  return app
}

/** A stream as shown to callers without the key: no `stat_url`, no `command_url`. */
export function withoutEngineUrls(s: StreamState): Omit<StreamState, 'stat_url' | 'command_url'> {
  const { stat_url: _stat, command_url: _command, ...rest } = s
  return rest
}
