/**
 * The shapes the collector's parts agree on: discovery produces SwarmPeer, enrichment adds
 * PeerEnrichment, the app answers PeersAnswer, and the cache stores PeersAnswer.
 */

export type PeerSource = 'dht' | 'tracker'

/** One peer as discovery knows it. Times are ISO 8601 (UTC). */
export interface SwarmPeer {
  ip: string
  port: number
  sources: PeerSource[]
  first_seen: string
  last_seen: string
}

/** Fields enrichment may add; absent means unknown, never invented. */
export interface PeerEnrichment {
  /** 'public' | 'private' | 'loopback' | ... from lib/ip.ts; private ones get no geolocation. */
  address_class?: string
  country?: string
  country_code?: string
  city?: string
  region?: string
  latitude?: number
  longitude?: number
  timezone?: string
  isp?: string
  asn?: number
  /** Human client name and version from the peer id, e.g. "qBittorrent 4.6.2". */
  client?: string
  /** Version string from the extension handshake (`v`), when offered. */
  client_version?: string
  /** Percent of pieces the peer has (0-100), only when a bitfield arrived. */
  progress?: number
}

export type PeerView = SwarmPeer & PeerEnrichment

/** Body of `GET /peers/{id}`. Keeps the original's field names. */
export interface PeersAnswer {
  acestream_id: string
  infohash: string | null
  peers: PeerView[]
  peer_count: number
  total_peers: number
  /** Epoch seconds when this answer was computed. */
  cached_at: number
  error?: string | null
  seeders?: number | null
  leechers?: number | null
  sources: { dht: number; tracker: number }
  /** True while discovery for this swarm is still running its first lookup. */
  discovering?: boolean
}

/** Adds enrichment to peers; bounded in time by `deadline` (epoch ms). */
export interface PeerEnricher {
  enrich(peers: SwarmPeer[], opts: { infohash: string; deadline: number }): Promise<PeerView[]>
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
