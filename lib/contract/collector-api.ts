/**
 * The collector's HTTP API as a table, one entry per route it serves; its OpenAPI document
 * (`GET /openapi.json`) and docs page (`GET /docs`) are generated from it, and a test checks the
 * table against the routes the app registers. Browser-safe: zod only.
 *
 * @example
 * createOpenApiDocument({ title: 'Peer collector', version }, COLLECTOR_API)
 */
import { z } from 'zod'
import { ErrorBodySchema } from './errors.ts'
import { CollectorHealthSchema } from './health.ts'
import type { ApiInfo, ApiRoute } from './openapi.ts'
import {
  PeerDiffEventSchema,
  PeerSnapshotEventSchema,
  RESUME_HEADERS,
  ResumableEventsQuerySchema,
} from './peer-events.ts'
import { PeersAnswerSchema } from './peers.ts'

const error = (description: string) => ({ description, schema: ErrorBodySchema })

const digits = z.string().regex(/^\d+$/)

/** The identifier every peers route takes. */
const SWARM_ID = {
  id: 'A 40-hex infohash, a 32-character base32 infohash, or a URL-encoded magnet URI (its tr= trackers are announced to as well)',
}

/** A Prometheus scrape; shared by both services. */
export const METRICS_ROUTE: ApiRoute = {
  method: 'get',
  path: '/metrics',
  tag: 'Operations',
  summary: 'Prometheus metrics',
  description:
    'Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>` when that is set.',
  headers: { Authorization: 'Bearer <METRICS_TOKEN>, when METRICS_TOKEN is set' },
  responses: {
    200: {
      description: 'Metrics in the Prometheus text format',
      mediaType: 'text/plain; version=0.0.4',
    },
    401: error('METRICS_TOKEN is set and the request did not carry it'),
  },
}

/** The document itself and its docs page; both services serve them. */
export const API_DOCS_ROUTES: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Service',
    summary: 'This API as an OpenAPI 3.1 document',
    responses: {
      200: { description: 'The document', schema: z.record(z.string(), z.unknown()) },
    },
  },
  {
    method: 'get',
    path: '/docs',
    tag: 'Service',
    summary: 'This API as a page to read',
    responses: { 200: { description: 'HTML', mediaType: 'text/html' } },
  },
]

export const COLLECTOR_API_INFO: ApiInfo = {
  title: 'Peer collector',
  version: '1',
  description:
    "Finds the peers of a BitTorrent swarm (DHT, trackers, the stream's own trackers, PEX) from inside the VPN, with geolocation and client names.",
}

export const COLLECTOR_API: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'Service',
    summary: 'Health and figures',
    description:
      'Always 200 while the process answers; `status` is `degraded` (with `warnings`) when the collector has no way to find peers. Used by compose health checks.',
    responses: { 200: { description: 'Health', schema: CollectorHealthSchema } },
  },
  {
    method: 'get',
    path: '/peers/{id}',
    tag: 'Peers',
    summary: "A swarm's peers",
    description:
      'Answers as soon as first results are in (bounded by PEER_DISCOVERY_WAIT_MS), with `discovering: true` while lookups still run; what enrichment does not know yet is absent and appears on later answers.',
    params: SWARM_ID,
    query: z.object({
      wait: digits
        .optional()
        .describe('Milliseconds to wait for first results (capped by MAX_DISCOVERY_WAIT_MS)'),
      max_age: digits
        .optional()
        .describe('Oldest cached answer accepted, in seconds (default CACHE_TTL_SECONDS)'),
    }),
    responses: {
      200: { description: 'The peers answer', schema: PeersAnswerSchema },
      400: error('Not an infohash or magnet, or a bad query parameter'),
      503: {
        ...error('The lookup queue is full'),
        headers: { 'Retry-After': 'Seconds to wait before asking again' },
      },
    },
  },
  {
    method: 'get',
    path: '/peers/{id}/events',
    tag: 'Peers',
    summary: "A swarm's peers as server-sent events",
    description:
      'A `snapshot` event (the whole answer), then `diff` events keyed by `ip:port` (added, changed, removed, changed answer fields) and `heartbeat` events. Reconnecting with `Last-Event-ID` resumes from the missed diffs when the feed still holds them, else starts with a new snapshot.',
    params: SWARM_ID,
    query: ResumableEventsQuerySchema,
    headers: RESUME_HEADERS,
    responses: {
      200: {
        description: 'Event stream; each event carries one of these as its JSON data',
        mediaType: 'text/event-stream',
        schema: z.union([PeerSnapshotEventSchema, PeerDiffEventSchema]),
      },
      400: error('Not an infohash or magnet, or a bad heartbeat'),
      503: {
        ...error('Too many watchers'),
        headers: { 'Retry-After': 'Seconds to wait before asking again' },
      },
    },
  },
  METRICS_ROUTE,
  ...API_DOCS_ROUTES,
]
