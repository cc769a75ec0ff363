/**
 * The orchestrator's `GET /metrics`. Stream figures are read from the stream store when
 * Prometheus scrapes, so they are the ones `/streams` and `/health` answer; durations and
 * counts are recorded where they happen (poll cycles, loop detections, alerts, webhook
 * deliveries, history writes). Per-stream series are labelled by stream id only, and only for
 * active streams, which the store bounds by `MAX_STREAMS`; no peer address is ever a label.
 *
 * @example
 * const metrics = createOrchestratorMetrics({ store })
 * poller.onCycle = (c) => metrics.observePollCycle(c)
 * app.get('/metrics', metrics.handler(config.METRICS_TOKEN))
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import {
  createMetricsHandler,
  createMetricsRegistry,
  DURATION_BUCKETS_S,
  safeUrlLabel,
} from '../lib/metrics.ts'
import type { PollCycle } from './engine-poller.ts'
import type { StreamStore } from './streams/store.ts'

export interface OrchestratorMetricsDeps {
  store: Pick<StreamStore, 'counts' | 'list'>
  /** Streams flagged as looping now. */
  loopingCount?: () => number
  /** Alerts firing now, by kind. */
  activeAlerts?: () => Record<string, number>
}

export interface OrchestratorMetrics {
  observePollCycle(cycle: PollCycle): void
  setCollectorUp(url: string, up: boolean): void
  /** Forget collectors that are no longer configured, so their series stop. */
  keepCollectors(urls: string[]): void
  countLoopDetection(): void
  countAlert(kind: string): void
  countWebhook(outcome: 'delivered' | 'failed' | 'dropped'): void
  observeHistoryWrite(seconds: number): void
  handler(token: string | undefined): ReturnType<typeof createMetricsHandler>
}

/** KB/s as the engine reports speeds -> bytes per second, the base unit. */
const KIB = 1024

export function createOrchestratorMetrics(deps: OrchestratorMetricsDeps): OrchestratorMetrics {
  const registry = createMetricsRegistry('orchestrator_')
  const registers = [registry]
  const active = () => deps.store.list({ status: 'started' })

  new Gauge({
    name: 'orchestrator_streams',
    help: 'Streams the orchestrator knows, by status (as GET /streams lists them)',
    labelNames: ['status'],
    registers,
    collect() {
      const c = deps.store.counts()
      this.set({ status: 'started' }, c.active)
      this.set({ status: 'ended' }, c.ended)
    },
  })
  new Gauge({
    name: 'orchestrator_stream_peers',
    help: 'Peers the engine reports being connected to, per active stream',
    labelNames: ['stream_id'],
    registers,
    collect() {
      this.reset()
      for (const s of active()) if (s.peers !== null) this.set({ stream_id: s.id }, s.peers)
    },
  })
  new Gauge({
    name: 'orchestrator_stream_download_bytes_per_second',
    help: 'Download speed the engine reports, per active stream',
    labelNames: ['stream_id'],
    registers,
    collect() {
      this.reset()
      for (const s of active())
        if (s.speed_down !== null) this.set({ stream_id: s.id }, s.speed_down * KIB)
    },
  })
  new Gauge({
    name: 'orchestrator_stream_upload_bytes_per_second',
    help: 'Upload speed the engine reports, per active stream',
    labelNames: ['stream_id'],
    registers,
    collect() {
      this.reset()
      for (const s of active())
        if (s.speed_up !== null) this.set({ stream_id: s.id }, s.speed_up * KIB)
    },
  })
  const pollDuration = new Histogram({
    name: 'orchestrator_poll_duration_seconds',
    help: 'Duration of one poll cycle over every active stream',
    buckets: DURATION_BUCKETS_S,
    registers,
  })
  const polls = new Counter({
    name: 'orchestrator_stat_polls_total',
    help: 'Engine stat requests, by outcome (ok, failed, ended)',
    labelNames: ['outcome'],
    registers,
  })
  const pollFailures = new Counter({
    name: 'orchestrator_poll_failures_total',
    help: 'Engine stat requests that failed (unreachable, timeout, bad answer, engine error)',
    registers,
  })
  const collectorUp = new Gauge({
    name: 'orchestrator_collector_up',
    help: '1 when the peer collector answered its last health check, 0 when it did not',
    labelNames: ['collector'],
    registers,
  })
  new Gauge({
    name: 'orchestrator_looping_streams',
    help: 'Streams flagged as looping now (live position not advancing)',
    registers,
    collect() {
      this.set(deps.loopingCount?.() ?? 0)
    },
  })
  const loops = new Counter({
    name: 'orchestrator_loop_detections_total',
    help: 'Times a stream was flagged as looping',
    registers,
  })
  new Gauge({
    name: 'orchestrator_alerts_active',
    help: 'Alerts firing now, by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset()
      for (const [kind, n] of Object.entries(deps.activeAlerts?.() ?? {})) this.set({ kind }, n)
    },
  })
  const alerts = new Counter({
    name: 'orchestrator_alerts_total',
    help: 'Alerts raised, by kind (starvation, looping, collector_down, swarm_collapse)',
    labelNames: ['kind'],
    registers,
  })
  const webhook = new Counter({
    name: 'orchestrator_alert_webhook_deliveries_total',
    help: 'Alert webhook posts, by outcome (delivered, failed after retries, dropped when full)',
    labelNames: ['outcome'],
    registers,
  })
  const historyWrites = new Histogram({
    name: 'orchestrator_history_write_duration_seconds',
    help: 'Duration of one history transaction (one per poll cycle)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  })
  const collectorLabels = new Set<string>()

  return {
    observePollCycle(c) {
      pollDuration.observe(c.duration_ms / 1000)
      polls.inc({ outcome: 'ok' }, c.ok)
      polls.inc({ outcome: 'failed' }, c.failed)
      polls.inc({ outcome: 'ended' }, c.ended)
      pollFailures.inc(c.failed)
    },
    setCollectorUp(url, up) {
      const collector = safeUrlLabel(url)
      collectorLabels.add(collector)
      collectorUp.set({ collector }, up ? 1 : 0)
    },
    keepCollectors(urls) {
      const keep = new Set(urls.map(safeUrlLabel))
      for (const l of collectorLabels) {
        if (keep.has(l)) continue
        collectorUp.remove({ collector: l })
        collectorLabels.delete(l)
      }
    },
    countLoopDetection: () => loops.inc(),
    countAlert: (kind) => alerts.inc({ kind }),
    countWebhook: (outcome) => webhook.inc({ outcome }),
    observeHistoryWrite: (s) => historyWrites.observe(s),
    handler: (token) => createMetricsHandler(registry, token),
  }
}
