/**
 * The `/peers` use case: the answer for one swarm identifier, from the last answer sent (while
 * nothing changed), the cache, or discovery, with what the wire knows laid over it and
 * enrichment added within its deadline. The HTTP handler only checks the query and calls
 * `answer`.
 *
 * @example
 * const peers = createPeersService({ registry, config, log, cache, enricher })
 * const body = await peers.answer('acestream://…', { maxAgeMs: 60_000, signal })
 * return c.body(body, 200, { 'Content-Type': 'application/json' })
 */
import { withDeadline } from '../lib/deadline.ts'
import type { Logger } from '../lib/log.ts'
import { createAnswerViews } from './answer-views.ts'
import { parseSwarmIdentifier } from './discovery/identifier.ts'
import { admitStreamTrackers, type StreamTracker } from './discovery/stream-trackers.ts'
import type { SwarmRegistry, SwarmSnapshot } from './discovery/swarm-registry.ts'
import type { PeerEnricher, PeersAnswer, PeersAnswerCache, PeerView } from './types.ts'

export interface PeersConfig {
  PEER_DISCOVERY_WAIT_MS: number
  MAX_DISCOVERY_WAIT_MS: number
  ENRICH_WAIT_MS: number
  ALLOW_PRIVATE_TRACKERS: boolean
}

export interface PeersServiceOptions {
  registry: SwarmRegistry
  config: PeersConfig
  log: Logger
  cache?: PeersAnswerCache
  enricher?: PeerEnricher
}

export interface PeersRequest {
  /** How long a cold swarm may be waited for (capped at MAX_DISCOVERY_WAIT_MS). */
  waitMs?: number
  /** How old an answer may be, from the cache or sent before. */
  maxAgeMs: number
  /** The caller went away: a cold wait ends early. */
  signal?: AbortSignal
}

export interface PeersService {
  /** The answer as JSON text (a `PeersAnswer`); throws HttpError 400 on a bad identifier. */
  answer(raw: string, request: PeersRequest): Promise<string>
}

/** Trackers listed in one answer at most (lib/contract/peers.ts allows 64). */
const MAX_ANSWER_TRACKERS = 64

export function createPeersService(opts: PeersServiceOptions): PeersService {
  const { registry, config, log, cache, enricher } = opts
  const views = createAnswerViews()
  // An enricher that cannot say when its output changes is asked for every answer.
  const reusable = !enricher || typeof enricher.version === 'function'
  const enrichVersion = () => enricher?.version?.() ?? 0

  /** What discovery found, and whether it is this moment's snapshot of a settled swarm. */
  async function discovered(
    infohash: string,
    answerOf: (snap: SwarmSnapshot) => PeersAnswer,
    q: { wait: number; maxAgeMs: number; signal?: AbortSignal; streamTrackers: StreamTracker[] },
  ): Promise<{ found: PeersAnswer; current: boolean }> {
    const { streamTrackers } = q
    const discover = async () =>
      answerOf(await registry.query(infohash, { waitMs: q.wait, signal: q.signal, streamTrackers }))
    // Discovery's own answer is this moment's while the swarm is settled, and also while it
    // waits in the lookup queue: until its round starts, every query answers the same at once.
    const isCurrent = (found: PeersAnswer) => !found.discovering || registry.isQueued(infohash)
    if (!cache) {
      const found = await discover()
      return { found, current: isCurrent(found) }
    }
    // A swarm still on its first round is not kept by the cache (answers with `discovering`
    // are not stored: a half-found answer would hide the fuller one for the whole TTL), but a
    // settled answer another collector stored in the shared Redis is served at once. Once this
    // collector has settled the swarm itself, its own snapshot (in memory, so as cheap as the
    // cache) wins: PEX and late tracker peers must not wait for the cached answer to expire.
    const got = await cache.getOrCompute(infohash, discover, { maxAgeMs: q.maxAgeMs })
    // Still tracked and asked about, with this caller's magnet trackers, even when the answer
    // was stored: keeps it from being dropped as least recently asked. A full lookup queue
    // only means the swarm is not tracked this time.
    try {
      registry.touch(infohash, { streamTrackers })
    } catch {
      return { found: got.value, current: false }
    }
    if (got.from === 'computed') return { found: got.value, current: isCurrent(got.value) }
    if (!registry.isSettled(infohash)) return { found: got.value, current: false }
    const live = await registry.query(infohash, { waitMs: 0, streamTrackers })
    return { found: answerOf(live), current: true }
  }

  async function enrich(
    peers: PeerView[],
    infohash: string,
    deadline: number,
  ): Promise<{ peers: PeerView[]; complete: boolean }> {
    if (!enricher || peers.length === 0) return { peers, complete: true }
    // The enricher is told the deadline; the race makes sure it cannot hold the answer past it.
    try {
      return await withDeadline(
        enricher
          .enrich(peers, { infohash, deadline })
          .then((enriched) => ({ peers: enriched, complete: true })),
        deadline - Date.now(),
        { onTimeout: () => ({ peers, complete: false }) },
      )
    } catch (err) {
      log.warn('enrichment failed', { err })
      return { peers, complete: false }
    }
  }

  return {
    async answer(raw, { waitMs, maxAgeMs, signal }) {
      // A settled swarm where nothing changed since the last answer: that answer again. Asking
      // (peek) still counts as asking, adds the magnet's trackers and starts a due refresh.
      const view = reusable ? views.get(raw) : undefined
      if (view) {
        const stamp = registry.peek(view.infohash, { streamTrackers: view.streamTrackers })
        if (views.fresh(view, { stamp, enrichVersion: enrichVersion(), maxAgeMs })) return view.body
      }
      const id = await parseSwarmIdentifier(raw)
      const { infohash } = id
      const wait = Math.min(waitMs ?? config.PEER_DISCOVERY_WAIT_MS, config.MAX_DISCOVERY_WAIT_MS)
      const started = Date.now()
      // The magnet's own trackers, checked before anything is sent to them.
      const stream = id.trackers.length
        ? await admitStreamTrackers(id.trackers, { allowPrivate: config.ALLOW_PRIVATE_TRACKERS })
        : { usable: [], rejected: [] }
      const streamTrackers = stream.usable

      const answerOf = (snap: SwarmSnapshot): PeersAnswer => ({
        acestream_id: raw,
        infohash,
        peers: snap.peers,
        peer_count: snap.peers.length,
        total_peers: snap.peers.length,
        cached_at: Math.floor(Date.now() / 1000),
        error: snap.error,
        seeders: snap.seeders,
        leechers: snap.leechers,
        sources: snap.sources,
        trackers: snap.trackers,
        discovering: snap.discovering,
      })
      const { found, current } = await discovered(infohash, answerOf, {
        wait,
        maxAgeMs,
        signal,
        streamTrackers,
      })
      // Read right after the snapshot, before anything awaits: a change while the answer is
      // decorated and enriched moves the stamp, so this answer is not kept as current.
      const stamp = current ? registry.peek(infohash, {}) : undefined
      const builtWith = enrichVersion()
      // What the wire knows now (reachable, connected, client) is laid over every answer, cached
      // or not, with live peers first; then enrichment, which never holds the answer by default:
      // what it does not know yet appears on later answers.
      const { peers: decorated, reachable_count } = registry.decorate(infohash, found.peers)
      const deadline = Math.min(started + wait, Date.now() + config.ENRICH_WAIT_MS)
      const { peers, complete } = await enrich(decorated, infohash, deadline)
      // A cached answer from an older collector may lack the newer counts.
      const sources = { stream_tracker: 0, pex: 0, ...found.sources }
      const trackers = [...(found.trackers ?? [])]
      for (const r of stream.rejected) if (!trackers.some((t) => t.url === r.url)) trackers.push(r)
      // The shared contract bounds the list; a long TRACKERS setting must not break an answer.
      trackers.splice(MAX_ANSWER_TRACKERS)
      const body = JSON.stringify({
        ...found,
        acestream_id: raw,
        peers,
        peer_count: peers.length,
        sources,
        trackers,
        reachable_count,
      })
      // Kept only when enrichment finished: one cut short must not be served again as it was.
      if (reusable && stamp !== undefined && complete && maxAgeMs > 0)
        views.set(raw, {
          infohash,
          streamTrackers,
          stamp,
          enrichVersion: builtWith,
          builtAt: Date.now(),
          body,
        })
      return body
    },
  }
}
