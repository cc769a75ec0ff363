/**
 * Merges the peers answers of several collectors (one per VPN) into one answer of the same
 * contract. Peers are merged by `ip:port`; each says which collectors saw it in `collectors`.
 *
 * How the figures combine (the README documents the same):
 * - `peers`: the union. A peer seen by several collectors takes the union of its `sources` and
 *   `trackers`, the earliest `first_seen`, the latest `last_seen`, `reachable: true` when any
 *   collector reached it (false only when every one that tried failed), `connected` when any
 *   holds a connection, and each enrichment field from the first collector that knows it.
 *   Unreachable peers sort after the rest, as in a single collector's answer.
 * - `peer_count`, `sources` and `reachable_count` are counted again over the merged peers, so a
 *   peer two collectors found counts once. `total_peers` is the largest of the merged count and
 *   each collector's own total.
 * - `seeders` and `leechers` (tracker scrapes of the same swarm) take the largest value reported,
 *   never the sum. `trackers` are merged by URL, keeping the best state (ok, pending, error,
 *   refused, ignored) and the largest scrape counts.
 * - `discovering` is true while any collector still discovers; `cached_at` is the oldest
 *   answer's time; `error` is set only when every answer carries one (the first is kept).
 *
 * @example
 * const answer = mergePeersAnswers([{ label: 'http://gluetun:8080', answer: a }, { label: 'http://gluetun-2:8080', answer: b }])
 */
import {
  PEER_SOURCES,
  peerKey,
  type PeersAnswer,
  type PeerView,
  type SourceCounts,
  type TrackerState,
} from '../lib/contract/peers.ts'

/** Bounds of the contract the merged answer must still fit. */
const MAX_PEERS = 10_000
const MAX_PEER_TRACKERS = 32
const MAX_PEER_COLLECTORS = 16
const MAX_TRACKERS = 64
const TRACKER_STATUS_RANK: Record<TrackerState['status'], number> = {
  ok: 0,
  pending: 1,
  error: 2,
  refused: 3,
  ignored: 4,
}

export interface LabelledAnswer {
  /** How the collector is named in `collectors` (its URL, secrets redacted). */
  label: string
  answer: PeersAnswer
}

/** One answer from several; `parts` must not be empty and is read in order. */
export function mergePeersAnswers(parts: LabelledAnswer[]): PeersAnswer {
  const first = parts[0]
  if (!first) throw new Error('mergePeersAnswers needs at least one answer')
  const byKey = new Map<string, PeerView>()
  for (const { label, answer } of parts) {
    for (const p of answer.peers) {
      const key = peerKey(p)
      const had = byKey.get(key)
      if (had) byKey.set(key, mergePeer(had, p, label))
      else if (byKey.size < MAX_PEERS) byKey.set(key, { ...p, collectors: [label] })
    }
  }
  // Stable: within each group the order is the collectors' own, first collector first.
  const peers = [...byKey.values()].sort(
    (a, b) => Number(a.reachable === false) - Number(b.reachable === false),
  )
  const answers = parts.map((p) => p.answer)
  const merged: PeersAnswer = {
    acestream_id: first.answer.acestream_id,
    infohash: first.answer.infohash,
    peers,
    peer_count: peers.length,
    total_peers: Math.max(peers.length, ...answers.map((a) => a.total_peers)),
    cached_at: Math.min(...answers.map((a) => a.cached_at)),
    error: answers.every((a) => a.error) ? first.answer.error : null,
    seeders: largest(answers.map((a) => a.seeders)),
    leechers: largest(answers.map((a) => a.leechers)),
    sources: countSources(peers),
  }
  if (answers.some((a) => a.reachable_count !== undefined))
    merged.reachable_count = peers.filter((p) => p.reachable === true).length
  if (answers.some((a) => a.trackers)) merged.trackers = mergeTrackerStates(answers)
  if (answers.some((a) => a.discovering !== undefined))
    merged.discovering = answers.some((a) => a.discovering === true)
  return merged
}

function mergePeer(a: PeerView, b: PeerView, label: string): PeerView {
  const out: Record<string, unknown> = { ...a }
  // Enrichment and the rest: the first collector that knows a field wins.
  for (const [k, v] of Object.entries(b)) if (out[k] === undefined) out[k] = v
  const merged = out as PeerView
  merged.sources = PEER_SOURCES.filter((s) => a.sources.includes(s) || b.sources.includes(s))
  merged.first_seen = earlier(a.first_seen, b.first_seen)
  merged.last_seen = later(a.last_seen, b.last_seen)
  const trackers = union(a.trackers, b.trackers, MAX_PEER_TRACKERS)
  if (trackers) merged.trackers = trackers
  if (a.reachable === true || b.reachable === true) merged.reachable = true
  else if (a.reachable === false || b.reachable === false) merged.reachable = false
  if (a.connected || b.connected) merged.connected = true
  merged.collectors = union(a.collectors, [label], MAX_PEER_COLLECTORS)
  return merged
}

/** The earlier of two ISO times (the first when either does not parse). */
function earlier(x: string, y: string): string {
  const tx = Date.parse(x)
  const ty = Date.parse(y)
  return Number.isNaN(tx) || Number.isNaN(ty) || tx <= ty ? x : y
}

/** The later of two ISO times (the first when either does not parse). */
function later(x: string, y: string): string {
  const tx = Date.parse(x)
  const ty = Date.parse(y)
  return Number.isNaN(tx) || Number.isNaN(ty) || tx >= ty ? x : y
}

function union(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
  max: number,
): string[] | undefined {
  if (!a && !b) return undefined
  return [...new Set([...(a ?? []), ...(b ?? [])])].slice(0, max)
}

function largest(values: Array<number | null | undefined>): number | null {
  const known = values.filter((v): v is number => typeof v === 'number')
  return known.length ? Math.max(...known) : null
}

function countSources(peers: PeerView[]): SourceCounts {
  const counts: SourceCounts = { dht: 0, tracker: 0, stream_tracker: 0, pex: 0 }
  for (const p of peers) for (const s of p.sources) counts[s] = (counts[s] ?? 0) + 1
  return counts
}

function mergeTrackerStates(answers: PeersAnswer[]): TrackerState[] {
  const byUrl = new Map<string, TrackerState>()
  for (const a of answers)
    for (const t of a.trackers ?? []) {
      const had = byUrl.get(t.url)
      if (!had) {
        if (byUrl.size < MAX_TRACKERS) byUrl.set(t.url, { ...t })
        continue
      }
      const better = TRACKER_STATUS_RANK[t.status] < TRACKER_STATUS_RANK[had.status] ? t : had
      const next: TrackerState = { ...had, status: better.status }
      if (better.reason !== undefined) next.reason = better.reason
      else delete next.reason
      const seeders = largest([had.seeders, t.seeders])
      const leechers = largest([had.leechers, t.leechers])
      if (seeders !== null) next.seeders = seeders
      if (leechers !== null) next.leechers = leechers
      byUrl.set(t.url, next)
    }
  return [...byUrl.values()]
}
