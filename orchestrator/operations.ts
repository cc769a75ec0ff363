/**
 * What an operator runs the orchestrator with besides the streams API: Prometheus metrics,
 * Loop Detection, the history database and alerts. Built once from the resolved config and the
 * core parts; the server mounts `routes` and calls `afterPoll` after every poll cycle.
 *
 * @example
 * const ops = await createOperations({ config, store, runtime, engine, collector, log })
 * const poller = createEnginePoller({ ..., onCycle: ops.afterPoll })
 * app.route('/', ops.routes)
 * ops.start()
 */
import { Hono } from 'hono'
import type { Logger } from '../lib/log.ts'
import type { OrchestratorConfig } from './config.ts'
import type { EngineClient } from './engine/engine-client.ts'
import type { PollCycle } from './engine-poller.ts'
import { openHistoryDatabase } from './history/database.ts'
import { createHistoryStore, type HistoryStore } from './history/history-store.ts'
import { createHistoryView } from './history/history-view.ts'
import { createLoopDetector, type LoopDetector } from './loop-detection/detector.ts'
import { createLoopingRoutes } from './loop-detection/routes.ts'
import { createOrchestratorMetrics, type OrchestratorMetrics } from './metrics.ts'
import type { RuntimeSettingsStore } from './runtime-settings.ts'
import { StreamStoreFullError, type NewStream, type StreamStore } from './streams/store.ts'

export interface OperationsDeps {
  config: OrchestratorConfig
  store: StreamStore
  runtime: RuntimeSettingsStore
  engine: EngineClient
  log: Logger
}

export interface Operations {
  metrics: OrchestratorMetrics
  loops: LoopDetector
  history: HistoryStore
  /** The stream store as the API reads it: memory, then the history database. */
  streams: StreamStore
  routes: Hono
  /** The poller's after-cycle hook. */
  afterPoll(cycle: PollCycle): void
  start(): void
  close(): Promise<void>
}

/** How often old history is deleted (and once at start). */
const PRUNE_INTERVAL_MS = 10 * 60_000

export async function createOperations(deps: OperationsDeps): Promise<Operations> {
  const { config, store, runtime, log } = deps
  const history = createHistoryStore({
    db: openHistoryDatabase(config.DATA_DIR),
    maxAgeMs: config.HISTORY_RETENTION_DAYS * 86_400_000,
    maxRows: config.HISTORY_MAX_SNAPSHOTS,
  })
  const streams = createHistoryView(store, history, {
    listMax: config.MAX_STREAMS,
    historyMax: config.STATS_HISTORY_MAX,
  })
  restoreUnfinished(store, history, log)
  let loops: LoopDetector | undefined
  // The same view /health and /streams answer from, so the figures agree.
  const metrics = createOrchestratorMetrics({
    store: streams,
    loopingCount: () => loops?.loopingCount() ?? 0,
  })
  loops = createLoopDetector({
    store: streams,
    engine: deps.engine,
    settings: () => runtime.get(),
    log: log.child('loop-detection'),
    maxEntries: config.MAX_STREAMS,
    onFlag: () => metrics.countLoopDetection(),
  })
  loops.restore(history.loadLooping())
  let savedLooping = JSON.stringify(loops.list())
  let pruneTimer: NodeJS.Timeout | undefined
  const prune = () => {
    try {
      const gone = history.prune()
      if (Object.values(gone).some((n) => n > 0)) log.info('history pruned', gone)
    } catch (err) {
      log.error('history prune failed', { err })
    }
  }

  const routes = new Hono()
  routes.get('/metrics', metrics.handler(config.METRICS_TOKEN))
  routes.route('/', createLoopingRoutes({ loops, settings: () => runtime.get() }))

  return {
    metrics,
    loops,
    history,
    streams,
    routes,
    afterPoll(cycle) {
      metrics.observePollCycle(cycle)
      const t0 = performance.now()
      try {
        history.recordCycle(store.list(), (id) => store.history(id, { limit: 1 })?.[0])
        const looping = JSON.stringify(loops.list())
        if (looping !== savedLooping) {
          history.saveLooping(loops.list())
          savedLooping = looping
        }
      } catch (err) {
        // A full disk must not stop polling; the next cycle writes what is still in memory.
        log.error('history write failed', { err })
      }
      metrics.observeHistoryWrite((performance.now() - t0) / 1000)
    },
    start() {
      loops.start()
      prune()
      pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS)
      pruneTimer.unref()
    },
    async close() {
      loops.stop()
      clearInterval(pruneTimer)
      history.close()
    },
  }
}

/**
 * Streams that were being watched when the orchestrator stopped are watched again: the engine
 * may still hold the session (if not, its first poll says so and the stream ends). Those that
 * no longer fit are marked ended.
 */
function restoreUnfinished(store: StreamStore, history: HistoryStore, log: Logger): void {
  const unfinished = history.unfinishedStreams()
  for (const s of unfinished) {
    try {
      const input: NewStream = {
        id: s.id,
        key_type: s.key_type,
        key: s.key,
        container_id: s.container_id,
        playback_session_id: s.playback_session_id,
        stat_url: s.stat_url,
        command_url: s.command_url,
        is_live: s.is_live,
        engine: s.engine,
        labels: s.labels,
        infohash: s.infohash,
        infohash_source: s.infohash_source,
      }
      store.start(input, { startedAt: s.started_at })
    } catch (err) {
      if (!(err instanceof StreamStoreFullError)) throw err
      history.markEnded(s.id, 'not_restored_store_full')
    }
  }
  if (unfinished.length)
    log.info('watching streams again after a restart', { count: unfinished.length })
}
