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
import { createAlertCenter, type AlertCenter } from './alerts/alert-center.ts'
import { createAlertRoutes } from './alerts/routes.ts'
import { createSwarmSampler, type PeersLike, type SwarmSampler } from './alerts/swarm-sampler.ts'
import { createWebhookSender } from './alerts/webhook.ts'
import type { CollectorClient } from './collector-client.ts'
import type { OrchestratorConfig } from './config.ts'
import type { EngineClient } from './engine/engine-client.ts'
import type { PollCycle } from './engine-poller.ts'
import { openHistoryDatabase } from './history/database.ts'
import { createHistoryStore, type HistoryStore } from './history/history-store.ts'
import { createHistoryView } from './history/history-view.ts'
import { createSwarmHistoryRoutes } from './history/routes.ts'
import { createLoopDetector, type LoopDetector } from './loop-detection/detector.ts'
import { createLoopingRoutes } from './loop-detection/routes.ts'
import { createOrchestratorMetrics, type OrchestratorMetrics } from './metrics.ts'
import type { RuntimeSettingsStore } from './runtime-settings.ts'
import { StreamStoreFullError, type NewStream, type StreamStore } from './streams/store.ts'
import { createStreamPeers } from './streams/stream-peers.ts'

export interface OperationsDeps {
  config: OrchestratorConfig
  store: StreamStore
  runtime: RuntimeSettingsStore
  engine: EngineClient
  collector: Pick<CollectorClient, 'getHealth' | 'getPeers'>
  log: Logger
}

export interface Operations {
  metrics: OrchestratorMetrics
  loops: LoopDetector
  history: HistoryStore
  alerts: AlertCenter
  sampler: SwarmSampler
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
  let alerts: AlertCenter | undefined
  // The same view /health and /streams answer from, so the figures agree.
  const metrics = createOrchestratorMetrics({
    store: streams,
    loopingCount: () => loops?.loopingCount() ?? 0,
    activeAlerts: () => alerts?.activeCounts() ?? {},
  })
  const webhook = config.ALERT_WEBHOOK_URL
    ? createWebhookSender({
        url: config.ALERT_WEBHOOK_URL,
        log: log.child('webhook'),
        onOutcome: (o) => metrics.countWebhook(o),
      })
    : undefined
  alerts = createAlertCenter({
    history,
    settings: config,
    log: log.child('alerts'),
    onEvent(event) {
      if (event.state === 'firing') metrics.countAlert(event.kind)
      webhook?.send({ source: 'acestream-orchestrator', event })
    },
  })
  const alertCenter = alerts
  loops = createLoopDetector({
    store: streams,
    engine: deps.engine,
    settings: () => runtime.get(),
    log: log.child('loop-detection'),
    maxEntries: config.MAX_STREAMS,
    onFlag(e) {
      metrics.countLoopDetection()
      alertCenter.raise(
        'looping',
        e.stream_id,
        `${e.stream_id}: live position stuck at ${clock(e.live_last)} for ${e.frozen_s} s`,
        {
          live_last: e.live_last,
          frozen_since: e.frozen_since,
        },
      )
    },
    onResolve(e) {
      alertCenter.resolve(
        'looping',
        e.stream_id,
        `${e.stream_id}: ${e.state === 'ended' ? 'the stream ended' : 'no longer looping'}`,
      )
    },
  })
  // The sampler records what GET /streams/{id}/peers would answer, from the same function.
  const streamPeers = createStreamPeers({ store: streams, runtime, collector: deps.collector })
  const sampler = createSwarmSampler({
    intervalMs: config.SWARM_SAMPLE_INTERVAL_S * 1000,
    settings: () => runtime.get(),
    collector: deps.collector,
    activeStreams: () => store.list({ status: 'started' }),
    async peersOf(id) {
      const r = await streamPeers(id).catch(() => null)
      return r?.ok ? (r.answer as PeersLike) : null
    },
    history,
    alerts: alertCenter,
    metrics,
    log: log.child('swarm-sampler'),
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
  routes.route('/', createAlertRoutes({ alerts: alertCenter, history }))
  routes.route('/', createSwarmHistoryRoutes({ history, streams }))

  return {
    metrics,
    loops,
    history,
    alerts: alertCenter,
    sampler,
    streams,
    routes,
    afterPoll(cycle) {
      metrics.observePollCycle(cycle)
      alertCenter.checkStreams(store.list({ status: 'started' }))
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
      sampler.start()
      prune()
      pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS)
      pruneTimer.unref()
    },
    async close() {
      loops.stop()
      await sampler.stop()
      await webhook?.close()
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
        ...(s.trackers && { trackers: s.trackers }),
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

/** A livepos Unix-seconds string as a UTC clock time, for alert messages. */
function clock(unixSeconds: string): string {
  const ms = Number(unixSeconds) * 1000
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(11, 19)} UTC` : unixSeconds
}
