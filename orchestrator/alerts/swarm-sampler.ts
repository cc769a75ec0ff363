/**
 * Every `SWARM_SAMPLE_INTERVAL_S`, while peer collection is on: checks each configured
 * collector's `/health` (metrics `collector_up`, alert `collector_down`) and asks for each
 * active stream's swarm the way `GET /streams/{id}/peers` does (same magnet, same merge of
 * collectors), keeping its peer counts by source and country in the history and feeding the
 * swarm collapse check. At most `MAX_STREAMS_PER_ROUND` streams, `CONCURRENCY` at a time.
 *
 * @example
 * const streamPeers = createStreamPeers({ store, runtime, collector })
 * const sampler = createSwarmSampler({
 *   ...,
 *   peersOf: async (id) => {
 *     const r = await streamPeers(id)
 *     return r.ok ? r.answer : null
 *   },
 * })
 * sampler.start()
 */
import type { Logger } from '../../lib/log.ts'
import { safeUrlLabel } from '../../lib/metrics.ts'
import type { CollectorClient } from '../collector-client.ts'
import { splitCollectorUrls } from '../collector-url.ts'
import type { HistoryStore, SwarmSample } from '../history/history-store.ts'
import type { RuntimeSettings } from '../runtime-settings.ts'
import type { StreamState } from '../streams/types.ts'
import type { AlertCenter } from './alert-center.ts'

export interface SwarmSamplerOptions {
  intervalMs: number
  settings: () => RuntimeSettings
  collector: Pick<CollectorClient, 'getHealth'>
  /** Active streams with their infohash. */
  activeStreams: () => StreamState[]
  /** The stream's peers answer as the API gives it, or null when there is none. */
  peersOf: (streamId: string, signal: AbortSignal) => Promise<PeersLike | null>
  history: Pick<HistoryStore, 'recordSwarmSamples'>
  alerts: Pick<AlertCenter, 'raise' | 'resolve' | 'observeSwarm'>
  metrics: { setCollectorUp(url: string, up: boolean): void; keepCollectors(urls: string[]): void }
  log: Logger
}

/** The part of a peers answer a sample needs. */
export interface PeersLike {
  infohash?: string | null
  peers: Array<{ sources?: string[]; reachable?: boolean; country_code?: string }>
  peer_count: number
  total_peers?: number
  reachable_count?: number
  sources?: Record<string, number>
}

export interface SwarmSampler {
  start(): void
  /** One round now (tests, and the schedule). */
  sampleOnce(): Promise<void>
  stop(): Promise<void>
}

const MAX_STREAMS_PER_ROUND = 200
const CONCURRENCY = 4
const MAX_COUNTRIES = 20

export function createSwarmSampler(opts: SwarmSamplerOptions): SwarmSampler {
  let timer: NodeJS.Timeout | undefined
  let running = false
  let inFlight: Promise<void> | undefined
  const stop = new AbortController()
  let knownCollectors: string[] = []

  async function checkCollectors(urls: string[]) {
    for (const gone of knownCollectors.filter((u) => !urls.includes(u))) {
      opts.alerts.resolve(
        'collector_down',
        safeUrlLabel(gone),
        `${safeUrlLabel(gone)} is no longer configured`,
      )
    }
    knownCollectors = urls
    opts.metrics.keepCollectors(urls)
    await Promise.all(
      urls.map(async (url) => {
        const label = safeUrlLabel(url)
        try {
          await opts.collector.getHealth(url)
          opts.metrics.setCollectorUp(url, true)
          opts.alerts.resolve('collector_down', label, `${label} answers again`)
        } catch (err) {
          opts.metrics.setCollectorUp(url, false)
          opts.alerts.raise(
            'collector_down',
            label,
            `${label} does not answer: ${(err as Error).message}`,
          )
        }
      }),
    )
  }

  async function sampleStreams() {
    const streams = opts
      .activeStreams()
      .filter((s) => s.infohash)
      .slice(0, MAX_STREAMS_PER_ROUND)
    const samples: SwarmSample[] = []
    let next = 0
    const worker = async () => {
      while (next < streams.length && !stop.signal.aborted) {
        const s = streams[next++]!
        try {
          const answer = await opts.peersOf(s.id, stop.signal)
          if (!answer) continue
          const sample = toSample(s.id, s.infohash!, answer)
          samples.push(sample)
          opts.alerts.observeSwarm(s.id, sample.peers, sample.ts)
        } catch (err) {
          opts.log.debug('swarm sample failed', { stream_id: s.id, err })
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    opts.history.recordSwarmSamples(samples)
  }

  async function round(): Promise<void> {
    const settings = opts.settings()
    const urls = settings.PEER_COLLECTOR_ENABLED
      ? splitCollectorUrls(settings.PEER_COLLECTOR_URL)
      : []
    await checkCollectors(urls)
    if (urls.length) await sampleStreams()
  }

  function sampleOnce(): Promise<void> {
    inFlight ??= round()
      .catch((err: unknown) => opts.log.error('swarm sampling failed', { err }))
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }

  function schedule() {
    if (!running) return
    timer = setTimeout(() => void sampleOnce().finally(schedule), opts.intervalMs)
    timer.unref()
  }

  return {
    start() {
      if (running) return
      running = true
      schedule()
    },
    sampleOnce,
    async stop() {
      running = false
      clearTimeout(timer)
      stop.abort()
      await inFlight
    },
  }
}

function toSample(streamId: string, infohash: string, a: PeersLike): SwarmSample {
  const sources: Record<string, number> = { ...(a.sources ?? {}) }
  if (!a.sources)
    for (const p of a.peers) for (const s of p.sources ?? []) sources[s] = (sources[s] ?? 0) + 1
  const byCountry = new Map<string, number>()
  for (const p of a.peers) {
    const c = p.country_code ?? 'unknown'
    byCountry.set(c, (byCountry.get(c) ?? 0) + 1)
  }
  const sorted = [...byCountry.entries()].sort((x, y) => y[1] - x[1])
  const countries = Object.fromEntries(sorted.slice(0, MAX_COUNTRIES))
  const rest = sorted.slice(MAX_COUNTRIES).reduce((n, [, v]) => n + v, 0)
  if (rest) countries.other = (countries.other ?? 0) + rest
  const reachable =
    a.reachable_count ??
    (a.peers.some((p) => p.reachable !== undefined)
      ? a.peers.filter((p) => p.reachable).length
      : null)
  return {
    stream_id: streamId,
    ts: Date.now(),
    infohash: (a.infohash ?? infohash).toLowerCase(),
    peers: a.total_peers ?? a.peer_count,
    reachable,
    sources,
    countries,
  }
}
