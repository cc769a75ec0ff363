import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createApiDocsRoutes } from '../lib/api-docs.tsx'
import { createOpenApiDocument } from '../lib/contract/openapi.ts'
import { ORCHESTRATOR_API, ORCHESTRATOR_API_INFO } from '../lib/contract/orchestrator-api.ts'
import { createErrorHandler, HttpError, notFoundJson } from '../lib/http-error.ts'
import type { Logger } from '../lib/log.ts'
import { createApiKeyGuard } from './auth.ts'
import type { CollectorClient } from './collector-client.ts'
import { redactCollectorUrls } from './collector-url.ts'
import type { EngineClient } from './engine/engine-client.ts'
import type { EnginePoller } from './engine-poller.ts'
import { createRequestGuard } from './request-guard.ts'
import { createPanel, createPanelData } from './panel/index.ts'
import type { PanelOperations } from './panel/data.ts'
import { createEventRoutes } from './api/events.ts'
import { createLiveRoutes } from './api/live.ts'
import { createRuntimeConfigRoutes } from './api/runtime-config.ts'
import { createStreamRoutes } from './api/streams.ts'
import type { RuntimeSettingsStore } from './runtime-settings.ts'
import type { StreamStore } from './streams/store.ts'
import { createStreamPeers } from './streams/stream-peers.ts'

/** Largest request body accepted; events and settings are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024

export interface OrchestratorDeps {
  store: StreamStore
  runtime: RuntimeSettingsStore
  engine: EngineClient
  collector: CollectorClient
  poller: EnginePoller
  log: Logger
  /** When set, state-changing requests need it (Bearer or X-API-KEY). */
  apiKey?: string
  /** Host names browsers may use for changes (see createRequestGuard); default none listed. */
  allowedHosts?: readonly string[]
  /** Loop Detection and alerts, where they run: the pages and the live streams table read them. */
  operations?: PanelOperations
}

/**
 * The orchestrator's HTTP API, built apart from listening so tests can call `app.request()`.
 *
 * @example
 * const app = createOrchestratorApp({ store, runtime, engine, collector, poller, log })
 * serve({ fetch: app.fetch, port: 8000 })
 */
export function createOrchestratorApp(deps: OrchestratorDeps): Hono {
  const app = new Hono()
  app.onError(createErrorHandler((err) => deps.log.error('unhandled error', { err })))
  app.notFound(notFoundJson)

  // Cross-site and non-JSON changes are refused before the key is even looked at.
  app.use(
    '*',
    createRequestGuard({ allowedHosts: deps.allowedHosts ?? [], apiKeySet: Boolean(deps.apiKey) }),
  )
  app.use('*', createApiKeyGuard(deps.apiKey))
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpError(413, 'request body too large', `at most ${MAX_BODY_BYTES} bytes`)
      },
    }),
  )

  app.get('/health', (c) => {
    const poll = deps.poller.status()
    const runtime = deps.runtime.get()
    return c.json({
      status: 'ok',
      streams: deps.store.counts(),
      poller: {
        running: poll.running,
        interval_ms: poll.interval_ms,
        overruns: poll.overruns,
        last_cycle: poll.last_cycle,
      },
      peer_collector: {
        enabled: runtime.PEER_COLLECTOR_ENABLED,
        url: redactCollectorUrls(runtime.PEER_COLLECTOR_URL),
      },
      auth: deps.apiKey ? 'api_key' : 'open',
    })
  })

  app.route('/', createEventRoutes(deps))
  // Before the stream routes, which would take `/streams/events` for a stream id.
  app.route(
    '/',
    createLiveRoutes({
      ...deps,
      owner: app,
      // Loop Detection does not run in every setup; without it nothing is looping.
      looping: async () =>
        (deps.operations?.loops.list() ?? [])
          .filter((f) => f.state === 'looping')
          .map((f) => f.stream_id),
    }),
  )
  // One peer list function for GET /streams/{id}/peers and the pages' Peers tabs.
  const streamPeers = createStreamPeers(deps)
  app.route('/', createStreamRoutes({ ...deps, streamPeers }))
  app.route('/', createRuntimeConfigRoutes(deps))
  // GET /openapi.json and GET /docs, generated from the contract's route table.
  app.route(
    '/',
    createApiDocsRoutes(createOpenApiDocument(ORCHESTRATOR_API_INFO, ORCHESTRATOR_API)),
  )
  // The dashboard (/, /panel/*): pages read the stores and the API's own functions.
  app.route(
    '/',
    createPanel({
      data: createPanelData({
        store: deps.store,
        runtime: deps.runtime,
        streamPeers,
        operations: deps.operations,
        log: deps.log,
      }),
      apiKeyRequired: Boolean(deps.apiKey),
      refreshMs: deps.poller.status().interval_ms,
      log: deps.log.child('panel'),
    }),
  )
  return app
}
