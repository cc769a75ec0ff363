/**
 * The orchestrator's HTTP API as a table, one entry per JSON route it serves (the dashboard's
 * pages under /panel are not an API); its OpenAPI document (`GET /openapi.json`) and docs page
 * (`GET /docs`) are generated from it, and a test checks the table against the routes the app
 * registers and the README lists. Browser-safe: zod only.
 *
 * @example
 * createOpenApiDocument({ title: 'Orchestrator', version }, ORCHESTRATOR_API)
 */
import { z } from 'zod'
import { API_DOCS_ROUTES, METRICS_ROUTE } from './collector-api.ts'
import { ErrorBodySchema } from './errors.ts'
import { CollectorHealthSchema, OrchestratorHealthSchema } from './health.ts'
import type { ApiInfo, ApiRoute } from './openapi.ts'
import {
  ActiveAlertSchema,
  AlertEventSchema,
  AlertEventsQuerySchema,
  LoopingAnswerSchema,
} from './operations.ts'
import {
  FeedStatusEventSchema,
  HeartbeatQuerySchema,
  PeerDiffEventSchema,
  PeerSnapshotEventSchema,
  RESUME_HEADERS,
  ResumableEventsQuerySchema,
} from './peer-events.ts'
import { PeersAnswerSchema } from './peers.ts'
import {
  collectorHealthProbeSchema,
  runtimePatchSchema,
  RuntimeSettingsSchema,
} from './runtime-settings.ts'
import { streamEndedSchema, streamStartedSchema } from './stream-events.ts'
import {
  StatSnapshotSchema,
  StreamEndedAnswerSchema,
  StreamListQuerySchema,
  StreamPageSchema,
  StreamRowSchema,
  StreamSchema,
  StreamStateSchema,
  StreamStatsQuerySchema,
  StreamStopAnswerSchema,
} from './streams.ts'

const error = (description: string) => ({ description, schema: ErrorBodySchema })
const retryLater = (description: string) => ({
  ...error(description),
  headers: { 'Retry-After': 'Seconds to wait before asking again' },
})

/** Answers every state-changing route may give besides its own (request guard and API key). */
const CHANGE_ERRORS = {
  400: error('Malformed JSON'),
  401: error('API_KEY is set and the request did not carry it'),
  403: error('A cross-site browser request, or a host name not allowed to change things'),
  413: error('Body larger than 64 KiB'),
  415: error('Body not sent as application/json'),
}

const STREAM_ID = { id: 'Stream id (URL-encoded: ids may contain `|` and `/`)' }
const NOT_FOUND = { 404: error('No stream with that id') }

/** `GET /streams/{id}/peers`: the collector's answer plus the stream, and, merged, each collector. */
const StreamPeersAnswerSchema = PeersAnswerSchema.extend({
  stream_id: z.string(),
  /** How each collector fared, when several are configured. */
  collectors: z
    .array(
      z.object({
        url: z.string(),
        ok: z.boolean(),
        error: z.string().optional(),
        detail: z.string().optional(),
      }),
    )
    .optional(),
})

const PEERS_UNAVAILABLE = {
  409: error('Peer collection is off, no collector URL is set, or the infohash is not known yet'),
}

export const ORCHESTRATOR_API_INFO: ApiInfo = {
  title: 'Orchestrator',
  version: '1',
  description:
    'Registers AceStream streams, polls their engines, and shows their swarms through the peer collector.',
}

export const ORCHESTRATOR_API: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'Service',
    summary: 'Health',
    responses: { 200: { description: 'Health', schema: OrchestratorHealthSchema } },
  },
  {
    method: 'post',
    path: '/events/stream_started',
    tag: 'Events',
    summary: 'Register a stream',
    description:
      '`labels.stream_id` becomes the id, else `<key>|<playback_session_id>`. The same id again while the stream is active refreshes the session and keeps its history.',
    auth: true,
    body: streamStartedSchema,
    responses: {
      200: { description: 'The stream', schema: StreamStateSchema },
      ...CHANGE_ERRORS,
      422: error('A field is missing or wrong; the detail names it'),
      503: error('Too many streams are active'),
    },
  },
  {
    method: 'post',
    path: '/events/stream_ended',
    tag: 'Events',
    summary: 'End a stream',
    description:
      'A `stream_id` ends that stream only; without one, the latest active stream of `container_id` ends.',
    auth: true,
    body: streamEndedSchema,
    responses: {
      200: { description: 'Whether a stream ended, and which', schema: StreamEndedAnswerSchema },
      ...CHANGE_ERRORS,
      422: error('Neither stream_id nor container_id, or a wrong field'),
    },
  },
  {
    method: 'get',
    path: '/streams',
    tag: 'Streams',
    summary: 'List streams',
    description:
      'Newest first. With `limit`, `offset` or `q` the answer is one page (active streams first) with totals over every match; without them, an array. Without the API key (when one is set) streams carry no `stat_url` or `command_url`.',
    query: StreamListQuerySchema,
    responses: {
      200: {
        description: 'The streams, or one page of them',
        schema: z.union([z.array(StreamSchema), StreamPageSchema]),
      },
      422: error('A bad query parameter; the detail names it'),
    },
  },
  {
    method: 'get',
    path: '/streams/events',
    tag: 'Streams',
    summary: "The streams table's view as server-sent events",
    description:
      'A `page` event (the rows of the asked view as `GET /streams` pages them, without engine URLs, its totals, the settings the table follows and the looping ids) when a client connects and after every poll cycle that changed it; `heartbeat` events in between. Without a view, every stream.',
    query: StreamListQuerySchema.pick({ q: true, offset: true, limit: true }).extend(
      HeartbeatQuerySchema.shape,
    ),
    responses: {
      200: {
        description: 'Event stream; each `page` event carries this as its JSON data',
        mediaType: 'text/event-stream',
        schema: z.object({
          id: z.string(),
          as_of: z.string(),
          page: StreamPageSchema.extend({ streams: z.array(StreamRowSchema) }),
          settings: z.object({
            PEER_COLLECTOR_ENABLED: z.boolean(),
            MASK_PEER_ADDRESSES: z.boolean(),
          }),
          /** Ids of the streams Loop Detection flags now. */
          looping: z.array(z.string()),
        }),
      },
      400: error('A bad heartbeat'),
      422: error('A bad query parameter'),
      503: retryLater('Too many watchers'),
    },
  },
  {
    method: 'get',
    path: '/streams/{id}',
    tag: 'Streams',
    summary: 'One stream',
    params: STREAM_ID,
    responses: { 200: { description: 'The stream', schema: StreamSchema }, ...NOT_FOUND },
  },
  {
    method: 'get',
    path: '/streams/{id}/stats',
    tag: 'Streams',
    summary: "A stream's snapshot history",
    description:
      'Oldest first: the newest STATS_HISTORY_MAX by default; `range` averages the last hour, day or week into at most 720 points for a chart.',
    params: STREAM_ID,
    query: StreamStatsQuerySchema,
    responses: {
      200: { description: 'Snapshots', schema: z.array(StatSnapshotSchema) },
      ...NOT_FOUND,
      422: error('A bad query parameter'),
    },
  },
  {
    method: 'delete',
    path: '/streams/{id}',
    tag: 'Streams',
    summary: 'Stop a stream',
    description:
      'Sends the stop command to the engine and ends the stream; the answer says what the engine replied.',
    auth: true,
    params: STREAM_ID,
    responses: {
      200: { description: 'The stream ended', schema: StreamStopAnswerSchema },
      401: CHANGE_ERRORS[401],
      403: CHANGE_ERRORS[403],
      ...NOT_FOUND,
      409: error('The stream already ended'),
    },
  },
  {
    method: 'get',
    path: '/streams/{id}/peers',
    tag: 'Peers',
    summary: "A stream's swarm, from the collector(s)",
    description:
      "The collector is asked with the bare infohash, or a magnet carrying the stream's trackers when any are known. Several collectors: their answers merged by `ip:port`, plus how each fared in `collectors`.",
    params: STREAM_ID,
    responses: {
      200: {
        description: "The collector's answer plus stream_id",
        schema: StreamPeersAnswerSchema,
      },
      ...NOT_FOUND,
      ...PEERS_UNAVAILABLE,
      502: error('The collector answered badly'),
      503: retryLater('The collector cannot be reached'),
      504: error('The collector timed out'),
    },
  },
  {
    method: 'get',
    path: '/streams/{id}/peers/events',
    tag: 'Peers',
    summary: "A stream's swarm as server-sent events",
    description:
      'A `snapshot`, then `diff` events keyed by `ip:port`, `status` events (`live` or `stale` since when) and `heartbeat` events; `Last-Event-ID` resumes.',
    params: STREAM_ID,
    query: ResumableEventsQuerySchema,
    headers: RESUME_HEADERS,
    responses: {
      200: {
        description: 'Event stream; each event carries one of these as its JSON data',
        mediaType: 'text/event-stream',
        schema: z.union([PeerSnapshotEventSchema, PeerDiffEventSchema, FeedStatusEventSchema]),
      },
      400: error('A bad heartbeat'),
      ...NOT_FOUND,
      ...PEERS_UNAVAILABLE,
      503: retryLater('Too many watchers'),
    },
  },
  {
    method: 'get',
    path: '/streams/{id}/swarm',
    tag: 'Peers',
    summary: "A stream's swarm history",
    description:
      'Swarm samples kept in the history (every SWARM_SAMPLE_INTERVAL_S while peer collection is on), oldest first.',
    params: STREAM_ID,
    query: z.object({ range: z.enum(['hour', 'day', 'week']).default('day') }),
    responses: {
      200: {
        description: 'Samples',
        schema: z.array(
          z.object({
            at: z.string(),
            infohash: z.string(),
            peers: z.number().int(),
            reachable: z.number().int().nullable(),
            /** Peers per discovery source. */
            sources: z.record(z.string(), z.number().int()),
            /** Peers per country code, the biggest first, at most 20 (the rest under `other`). */
            countries: z.record(z.string(), z.number().int()),
          }),
        ),
      },
      ...NOT_FOUND,
      422: error('A bad range'),
    },
  },
  {
    method: 'get',
    path: '/config/runtime',
    tag: 'Settings',
    summary: 'Runtime settings',
    description: 'A password or query in a collector URL reads as `***`.',
    responses: { 200: { description: 'The settings in force', schema: RuntimeSettingsSchema } },
  },
  {
    method: 'patch',
    path: '/config/runtime',
    tag: 'Settings',
    summary: 'Change runtime settings',
    description:
      'Any subset; unknown keys are refused. `PEER_COLLECTOR_URL` may be one URL, a comma-separated list or an array of at most 8. Persisted in DATA_DIR.',
    auth: true,
    body: runtimePatchSchema,
    responses: {
      200: { description: 'The settings now in force', schema: RuntimeSettingsSchema },
      ...CHANGE_ERRORS,
      422: error('A field is unknown or wrong; the detail names it'),
      500: error('The data folder is not writable'),
    },
  },
  {
    method: 'post',
    path: '/peer-collector/health',
    tag: 'Settings',
    summary: 'Test a collector (its /health)',
    auth: true,
    body: collectorHealthProbeSchema,
    responses: {
      200: { description: "The collector's /health answer", schema: CollectorHealthSchema },
      ...CHANGE_ERRORS,
      422: error('Not an http(s) collector base URL'),
      502: error('The collector answered badly'),
      503: retryLater('The collector cannot be reached'),
      504: error('The collector timed out'),
    },
  },
  {
    method: 'get',
    path: '/looping-streams',
    tag: 'Operations',
    summary: 'Streams Loop Detection flagged',
    responses: {
      200: { description: 'Settings and flagged streams', schema: LoopingAnswerSchema },
    },
  },
  {
    method: 'delete',
    path: '/looping-streams/{id}',
    tag: 'Operations',
    summary: 'Take a stream off the looping list',
    auth: true,
    params: STREAM_ID,
    responses: {
      200: {
        description: 'Removed',
        schema: z.object({ removed: z.literal(true), stream_id: z.string() }),
      },
      401: CHANGE_ERRORS[401],
      403: CHANGE_ERRORS[403],
      404: error('The stream is not listed'),
    },
  },
  {
    method: 'post',
    path: '/looping-streams/clear',
    tag: 'Operations',
    summary: 'Empty the looping list',
    auth: true,
    body: z.strictObject({}),
    bodyOptional: true,
    responses: {
      200: {
        description: 'How many were removed',
        schema: z.object({ cleared: z.number().int() }),
      },
      ...CHANGE_ERRORS,
      422: error('A body other than {}'),
    },
  },
  {
    method: 'get',
    path: '/alerts',
    tag: 'Operations',
    summary: 'Alerts firing now',
    responses: { 200: { description: 'Active alerts', schema: z.array(ActiveAlertSchema) } },
  },
  {
    method: 'get',
    path: '/events',
    tag: 'Operations',
    summary: 'The alert event log',
    description: 'Newest first, persisted and bounded by ALERT_EVENTS_MAX.',
    query: AlertEventsQuerySchema,
    responses: {
      200: { description: 'Events', schema: z.array(AlertEventSchema) },
      422: error('A bad query parameter'),
    },
  },
  METRICS_ROUTE,
  ...API_DOCS_ROUTES,
]
