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
import { createLoopDetector, type LoopDetector } from './loop-detection/detector.ts'
import { createLoopingRoutes } from './loop-detection/routes.ts'
import { createOrchestratorMetrics, type OrchestratorMetrics } from './metrics.ts'
import type { RuntimeSettingsStore } from './runtime-settings.ts'
import type { StreamStore } from './streams/store.ts'

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
  routes: Hono
  /** The poller's after-cycle hook. */
  afterPoll(cycle: PollCycle): void
  start(): void
  close(): Promise<void>
}

export async function createOperations(deps: OperationsDeps): Promise<Operations> {
  const { config, store, runtime, log } = deps
  let loops: LoopDetector | undefined
  const metrics = createOrchestratorMetrics({
    store,
    loopingCount: () => loops?.loopingCount() ?? 0,
  })
  loops = createLoopDetector({
    store,
    engine: deps.engine,
    settings: () => runtime.get(),
    log: log.child('loop-detection'),
    maxEntries: config.MAX_STREAMS,
    onFlag: () => metrics.countLoopDetection(),
  })

  const routes = new Hono()
  routes.get('/metrics', metrics.handler(config.METRICS_TOKEN))
  routes.route('/', createLoopingRoutes({ loops, settings: () => runtime.get() }))

  return {
    metrics,
    loops,
    routes,
    afterPoll(cycle) {
      metrics.observePollCycle(cycle)
    },
    start() {
      loops.start()
    },
    async close() {
      loops.stop()
    },
  }
}
