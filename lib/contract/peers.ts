/**
 * The collector's peers answer, once for every process: the collector answers with it, the
 * orchestrator validates what a collector sent with it, the browser types with it, and the cache
 * checks what it reads back from Redis with it. Browser-safe: zod only, no Node modules.
 *
 * @example
 * const answer = parsePeersAnswer(await res.json()) // throws ContractError naming the field
 */
import { z } from 'zod'
import { INFOHASH_RE } from './keys.ts'

/** How a peer was found: the DHT, a configured tracker, the stream's own tracker, or PEX. */
export const PeerSourceSchema = z.enum(['dht', 'tracker', 'stream_tracker', 'pex'])
export type PeerSource = z.infer<typeof PeerSourceSchema>
export const PEER_SOURCES = PeerSourceSchema.options

// Bounds keep a hostile collector from handing the page strings it cannot lay out or numbers it
// cannot format (1e300 seconds is not a date).
const text = (max: number) => z.string().max(max)
const count = z.number().int().min(0).max(1e9)
/** Epoch seconds between 2000 and 2200. */
const epochSeconds = z.number().min(946_684_800).max(7_258_118_400)

/** Fields enrichment may add; absent means unknown, never invented. */
export const PeerEnrichmentSchema = z.object({
  /** 'public' | 'private' | 'loopback' | ...; private addresses get no geolocation. */
  address_class: text(32).optional(),
  country: text(128).optional(),
  country_code: text(8).optional(),
  city: text(128).optional(),
  region: text(128).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  timezone: text(64).optional(),
  isp: text(256).optional(),
  asn: z.number().int().min(0).max(4_294_967_295).optional(),
  /** Human client name and version from the peer id, e.g. "qBittorrent 4.6.2". */
  client: text(128).optional(),
  /** Version string from the extension handshake (`v`), when offered. */
  client_version: text(128).optional(),
  /** Percent of pieces the peer has (0-100), only when a bitfield arrived. */
  progress: z.number().min(0).max(100).optional(),
})
export type PeerEnrichment = z.infer<typeof PeerEnrichmentSchema>

/** One peer as discovery knows it. Times are ISO 8601 (UTC). */
export const SwarmPeerSchema = z.object({
  ip: text(64),
  port: z.number().int().min(1).max(65535),
  sources: z.array(PeerSourceSchema).max(PEER_SOURCES.length),
  first_seen: text(40),
  last_seen: text(40),
  /** Announce URLs of the trackers that listed this peer. */
  trackers: z.array(text(512)).max(32).optional(),
  /** Whether a handshake with the peer succeeded; absent until one was tried. */
  reachable: z.boolean().optional(),
  /** True while the collector holds a wire connection to the peer. */
  connected: z.boolean().optional(),
})
export type SwarmPeer = z.infer<typeof SwarmPeerSchema>

export const PeerViewSchema = SwarmPeerSchema.extend(PeerEnrichmentSchema.shape).extend({
  /** Which collectors saw the peer, when the orchestrator merged several answers. */
  collectors: z.array(text(512)).max(16).optional(),
})
export type PeerView = z.infer<typeof PeerViewSchema>

export const SourceCountsSchema = z.object({
  dht: count,
  tracker: count,
  stream_tracker: count.optional(),
  pex: count.optional(),
})
export type SourceCounts = z.infer<typeof SourceCountsSchema>

/** A tracker the answer's swarm uses, or one the collector refused to contact, with why. */
export const TrackerStateSchema = z.object({
  url: text(512),
  /** `configured` (TRACKERS) or `stream` (the magnet's `tr=`). */
  origin: z.enum(['configured', 'stream']).optional(),
  status: z.enum(['ok', 'error', 'pending', 'refused', 'ignored']),
  reason: text(512).optional(),
  seeders: count.optional(),
  leechers: count.optional(),
})
export type TrackerState = z.infer<typeof TrackerStateSchema>

/** Body of the collector's `GET /peers/{id}`; field names stay as existing clients read them. */
export const PeersAnswerSchema = z.object({
  acestream_id: text(4096),
  infohash: z.string().regex(INFOHASH_RE).nullable(),
  peers: z.array(PeerViewSchema).max(10_000),
  peer_count: count,
  total_peers: count,
  /** Epoch seconds when this answer was computed. */
  cached_at: epochSeconds,
  error: text(1024).nullish(),
  seeders: count.nullish(),
  leechers: count.nullish(),
  sources: SourceCountsSchema,
  /** Peers a handshake reached. */
  reachable_count: count.optional(),
  trackers: z.array(TrackerStateSchema).max(64).optional(),
  /** True while discovery for this swarm is still running its first lookup. */
  discovering: z.boolean().optional(),
})
export type PeersAnswer = z.infer<typeof PeersAnswerSchema>

/** A problem found in data that crossed a process boundary, naming the field. */
export class ContractError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
    this.name = 'ContractError'
  }
}

export { INFOHASH_HEX_RE, INFOHASH_RE, peerKey } from './keys.ts'

/**
 * Reads a peers answer from another process. The answer's own fields must fit (else a
 * ContractError names the first bad one); a peer that does not fit is dropped alone, and an
 * optional peer field of the wrong type is dropped from that peer, so one bad row cannot take
 * the rest of the swarm with it. Unknown fields are stripped.
 *
 * @example
 * const answer = parsePeersAnswer(body)
 */
export function parsePeersAnswer(value: unknown): PeersAnswer {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ContractError('the answer is not a JSON object', '(root)')
  const raw = value as Record<string, unknown>
  const peersIn = raw.peers
  if (!Array.isArray(peersIn)) throw new ContractError('peers is not an array', 'peers')
  const shell = PeersAnswerSchema.safeParse({ ...raw, peers: [] })
  if (!shell.success) {
    const issue = shell.error.issues[0]
    const field = issue?.path.join('.') || '(root)'
    throw new ContractError(`${field}: ${issue?.message ?? 'invalid'}`, field)
  }
  const peers: PeerView[] = []
  for (const p of peersIn.slice(0, 10_000)) {
    const peer = parsePeer(p)
    if (peer) peers.push(peer)
  }
  return { ...shell.data, peers, peer_count: peers.length }
}

/** One peer, or undefined when its identity (ip, port, sources, times) does not fit. */
export function parsePeer(value: unknown): PeerView | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const whole = PeerViewSchema.safeParse(value)
  if (whole.success) return whole.data
  // Drop the optional fields that failed and try once more; a failing required field drops the peer.
  const bad = new Set(whole.error.issues.map((i) => String(i.path[0])))
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (!bad.has(k)) rest[k] = v
  const retry = PeerViewSchema.safeParse(rest)
  return retry.success ? retry.data : undefined
}
