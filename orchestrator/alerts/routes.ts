/**
 * `GET /events`: the alert event log, newest first (bounded by ALERT_EVENTS_MAX, persisted), and
 * `GET /alerts`: what fires now. (`POST /events/stream_started` and `stream_ended` are the
 * streams' events API, apart from this log.)
 *
 * @example
 * app.route('/', createAlertRoutes({ alerts, history }))
 */
import { Hono } from 'hono'
import { AlertEventsQuerySchema } from '../../lib/contract/operations.ts'
import { validate } from '../json-body.ts'
import type { HistoryStore } from '../history/history-store.ts'
import type { AlertCenter } from './alert-center.ts'

export function createAlertRoutes(deps: {
  alerts: Pick<AlertCenter, 'active'>
  history: Pick<HistoryStore, 'events'>
}): Hono {
  const app = new Hono()
  app.get('/events', (c) => {
    const q = validate(AlertEventsQuerySchema, c.req.query(), 'invalid query')
    return c.json(
      deps.history.events({
        limit: q.limit,
        since: q.since ? new Date(q.since) : undefined,
        kind: q.kind,
      }),
    )
  })
  app.get('/alerts', (c) => c.json(deps.alerts.active()))
  return app
}
