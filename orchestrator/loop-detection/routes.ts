/**
 * `GET /looping-streams`, `DELETE /looping-streams/{id}` and `POST /looping-streams/clear`.
 * The two changes need the API key when one is set (the app's guard) and, like every change,
 * JSON or no body at all.
 *
 * @example
 * app.route('/', createLoopingRoutes({ loops, settings: () => runtime.get() }))
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { HttpError } from '../../lib/http-error.ts'
import { validate } from '../json-body.ts'
import type { LoopDetector } from './detector.ts'
import type { LoopDetectionSettings } from './settings.ts'

export interface LoopingRoutesDeps {
  loops: LoopDetector
  settings: () => LoopDetectionSettings
}

export function createLoopingRoutes(deps: LoopingRoutesDeps): Hono {
  const app = new Hono()

  app.get('/looping-streams', (c) => {
    const s = deps.settings()
    return c.json({
      enabled: s.LOOP_DETECTION_ENABLED,
      threshold_s: s.LOOP_DETECTION_THRESHOLD_S,
      interval_s: s.LOOP_DETECTION_INTERVAL_S,
      stop: s.LOOP_DETECTION_STOP,
      retention_s: s.LOOP_DETECTION_RETENTION_S,
      streams: deps.loops.list(),
    })
  })

  app.delete('/looping-streams/:id', (c) => {
    const id = c.req.param('id')
    if (!deps.loops.remove(id)) {
      throw new HttpError(
        404,
        'not a looping stream',
        `no flagged stream with id ${JSON.stringify(id)}`,
      )
    }
    return c.json({ removed: true, stream_id: id })
  })

  app.post('/looping-streams/clear', async (c) => {
    // No body, or an empty JSON object: nothing to choose, but never a form post.
    const text = await c.req.text()
    if (text.trim() !== '') {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (err) {
        throw new HttpError(400, 'malformed JSON in request body', (err as Error).message)
      }
      validate(z.strictObject({}), body, 'invalid request body')
    }
    return c.json({ cleared: deps.loops.clear() })
  })

  return app
}
