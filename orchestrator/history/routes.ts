/**
 * `GET /streams/{id}/swarm?range=hour|day|week`: the swarm samples the history keeps for a
 * stream (known peers, reachable ones, peers per discovery source and per country), oldest
 * first, sampled every SWARM_SAMPLE_INTERVAL_S while peer collection is on.
 *
 * @example
 * app.route('/', createSwarmHistoryRoutes({ history, streams }))
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { HttpError } from '../../lib/http-error.ts'
import { validate } from '../json-body.ts'
import type { StreamStore } from '../streams/store.ts'
import type { HistoryStore } from './history-store.ts'

const RANGE_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 }
const query = z.object({ range: z.enum(['hour', 'day', 'week']).default('day') })

export function createSwarmHistoryRoutes(deps: {
  history: Pick<HistoryStore, 'swarmSamples'>
  streams: Pick<StreamStore, 'get'>
}): Hono {
  const app = new Hono()
  app.get('/streams/:id/swarm', (c) => {
    const id = c.req.param('id')
    if (!deps.streams.get(id))
      throw new HttpError(404, 'stream not found', `no stream with id ${JSON.stringify(id)}`)
    const q = validate(query, c.req.query(), 'invalid query')
    const samples = deps.history.swarmSamples(id, new Date(Date.now() - RANGE_MS[q.range]))
    return c.json(
      samples.map((s) => ({
        at: new Date(s.ts).toISOString(),
        infohash: s.infohash,
        peers: s.peers,
        reachable: s.reachable,
        sources: s.sources,
        countries: s.countries,
      })),
    )
  })
  return app
}
