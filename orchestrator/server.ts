import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import type { Hono } from 'hono'
import type { Logger } from '../lib/log.ts'
import { listenHttp } from '../lib/http-server.ts'
import { createOrchestratorApp } from './app.ts'
import { closeLiveViews } from './api/live.ts'
import { createCollectorClient, type CollectorClient } from './collector-client.ts'
import type { OrchestratorConfig } from './config.ts'
import { createEngineClient, type EngineClient } from './engine/engine-client.ts'
import { createEnginePoller, type EnginePoller } from './engine-poller.ts'
import { loopDetectionDefaults } from './loop-detection/settings.ts'
import { createOperations, type Operations } from './operations.ts'
import { createRuntimeSettingsStore, type RuntimeSettingsStore } from './runtime-settings.ts'
import { createStreamStore, type StreamStore } from './streams/store.ts'

export interface RunningOrchestrator {
  app: Hono
  store: StreamStore
  runtime: RuntimeSettingsStore
  engine: EngineClient
  collector: CollectorClient
  poller: EnginePoller
  /** Metrics, Loop Detection, history and alerts. */
  ops: Operations
  /** e.g. http://127.0.0.1:8000 */
  url: string
  port: number
  /** Stops polling, then the listener; safe to call twice. */
  close(): Promise<void>
}

/**
 * Wires the orchestrator from its resolved config, starts the poller and listens. main.ts and
 * in-process tests both start it this way.
 *
 * @example
 * const orch = await startOrchestrator(loadOrchestratorConfig(), log)
 * await orch.close()
 */
export async function startOrchestrator(
  config: OrchestratorConfig,
  log: Logger,
): Promise<RunningOrchestrator> {
  const intervalMs = config.COLLECT_INTERVAL_S * 1000
  const store = createStreamStore({
    historyMax: config.STATS_HISTORY_MAX,
    maxStreams: config.MAX_STREAMS,
    endedRetentionMs: config.ENDED_STREAM_RETENTION_S * 1000,
  })
  const runtime = await createRuntimeSettingsStore({
    dataDir: config.DATA_DIR,
    initial: {
      PEER_COLLECTOR_ENABLED: config.PEER_COLLECTOR_ENABLED,
      PEER_COLLECTOR_URL: config.PEER_COLLECTOR_URL ?? null,
      CACHE_TTL_SECONDS: config.CACHE_TTL_SECONDS,
      MASK_PEER_ADDRESSES: false,
      ...loopDetectionDefaults(config),
    },
    log: log.child('runtime-settings'),
  })
  // The stat timeout never exceeds the interval, so one cycle always ends before the next.
  const engine = createEngineClient({
    statTimeoutMs: Math.min(config.STAT_TIMEOUT_S * 1000, intervalMs),
  })
  const collector = createCollectorClient({
    peersTimeoutMs: config.COLLECTOR_TIMEOUT_S * 1000,
    healthTimeoutMs: config.COLLECTOR_HEALTH_TIMEOUT_S * 1000,
  })
  const ops = await createOperations({ config, store, runtime, engine, collector, log })
  const poller = createEnginePoller({
    // Through the history view, so a stream the poller ends is written at once.
    store: ops.streams,
    engine,
    intervalMs,
    log: log.child('poller'),
    onCycle: ops.afterPoll,
  })
  const app = createOrchestratorApp({
    store: ops.streams,
    runtime,
    engine,
    collector,
    poller,
    log,
    apiKey: config.API_KEY,
    allowedHosts: config.ALLOWED_HOSTS,
    operations: { alerts: ops.alerts, loops: ops.loops },
  })
  // Mounted before the first request, behind the app's request and API key guards.
  app.route('/', ops.routes)

  const server = await listenHttp(app.fetch, { port: config.APP_PORT, host: config.APP_HOST })
  poller.start()
  ops.start()
  const { port } = server.address() as AddressInfo
  const host = config.APP_HOST === '0.0.0.0' ? '127.0.0.1' : config.APP_HOST
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  if (!config.API_KEY) log.warn('API_KEY is not set: state-changing endpoints are open')

  let closing: Promise<void> | undefined
  return {
    app,
    store,
    runtime,
    engine,
    collector,
    poller,
    ops,
    url,
    port,
    close() {
      closing ??= (async () => {
        // Open event streams would hold the listener open until it forces them.
        closeLiveViews(app)
        await poller.stop()
        await ops.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          // Keep-alive connections would hold close() open for their idle timeout.
          server.closeIdleConnections()
          setTimeout(() => server.closeAllConnections(), 2000).unref()
        })
      })()
      return closing
    },
  }
}
