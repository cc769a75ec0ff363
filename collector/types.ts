/**
 * The shapes the collector's parts agree on: discovery produces SwarmPeer, enrichment adds
 * PeerEnrichment, the app answers PeersAnswer, and the cache stores PeersAnswer. The wire shapes
 * come from the shared contract (lib/contract/peers.ts), so the orchestrator and the browser
 * read exactly what the collector writes.
 */
import type { PeersAnswer, PeerView } from '../lib/contract/peers.ts'

export type {
  PeerEnrichment,
  PeersAnswer,
  PeerSource,
  PeerView,
  SourceCounts,
  SwarmPeer,
  TrackerState,
} from '../lib/contract/peers.ts'

/** Adds enrichment to peers; bounded in time by `deadline` (epoch ms). */
export interface PeerEnricher {
  enrich(peers: PeerView[], opts: { infohash: string; deadline: number }): Promise<PeerView[]>
  /**
   * Moves whenever `enrich` could answer differently for the same peers (a web geolocation
   * arrived), so an answer enriched before can be told out of date. Absent: answers are
   * enriched afresh every time.
   */
  version?(): number
  /** What /health shows about enrichment (databases, cache figures). */
  health(): Record<string, unknown>
  close(): Promise<void>
}

/**
 * Answer cache for `/peers`; `maxAgeMs` bounds how old a cached answer may be. An answer with
 * `discovering: true` (first lookup still running) is returned but not kept. It holds what
 * discovery found; enrichment is applied to each answer on its way out.
 */
export interface PeersAnswerCache {
  getOrCompute(
    key: string,
    compute: () => Promise<PeersAnswer>,
    opts: { maxAgeMs: number },
  ): Promise<{ value: PeersAnswer; from: 'memory' | 'redis' | 'computed' }>
  /** What /health shows: redis_available, hits/misses, sizes. */
  health(): Record<string, unknown>
  close(): Promise<void>
}
