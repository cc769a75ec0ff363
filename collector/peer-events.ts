/**
 * `GET /peers/{id}/events`: the swarm's peers as server-sent events, a `snapshot` (the same
 * answer `GET /peers/{id}` gives) then `diff` events as peers join, change and leave (see
 * lib/contract/peer-events.ts). One feed per swarm identifier, shared by every watcher; it
 * recomputes the answer from the registry's live state when the registry says something changed
 * (new peer or source, expiry, a round settled, a handshake) and on a short tick (enrichment that
 * finished late), and stops when the last watcher leaves. Watching keeps the swarm tracked.
 *
 * @example
 * app.get('/peers/:id/events', createPeerEventsHandler({ registry, config, log, enricher }))
 */
import type { Context } from 'hono'
import { HttpError } from '../lib/http-error.ts'
import { withDeadline } from '../lib/deadline.ts'
import type { Logger } from '../lib/log.ts'
import { createPeerFeed, FeedFullError, type FeedAnswer, type PeerFeed } from '../lib/peer-feed.ts'
import { heartbeatMs, lastEventId, serveFeed } from '../lib/sse.ts'
import { parseSwarmIdentifier } from './discovery/identifier.ts'
import { admitStreamTrackers, type StreamTracker } from './discovery/stream-trackers.ts'
import type { SwarmRegistry } from './discovery/swarm-registry.ts'
import type { PeerEnricher, TrackerState } from './types.ts'

export interface PeerEventsDeps {
  registry: SwarmRegistry
  config: {
    PEER_DISCOVERY_WAIT_MS: number
    ENRICH_WAIT_MS: number
    ALLOW_PRIVATE_TRACKERS: boolean
  }
  log: Logger
  enricher?: PeerEnricher
  /** Recompute at least this often while watched (default 2000 ms). */
  tickMs?: number
  /**
   * How long a swarm's feed outlives its last watcher (default 30 s), so a watcher that
   * reconnects (an EventSource retries after a few seconds) resumes instead of starting over.
   */
  lingerMs?: number
  /** Watchers per swarm (default 100) and swarms watched at once (default 256). */
  maxWatchersPerSwarm?: number
  maxFeeds?: number
}

/** Changes arriving within this span are sent as one diff. */
const COALESCE_MS = 150
const MAX_ANSWER_TRACKERS = 64

interface SwarmFeed {
  feed: PeerFeed
  ready: Promise<void>
  /** A watcher joined: the feed stays. */
  keep(): void
  stop(): void
}

export function createPeerEventsHandler(deps: PeerEventsDeps) {
  const feeds = new Map<string, SwarmFeed>()
  const tickMs = deps.tickMs ?? 2000
  const maxFeeds = deps.maxFeeds ?? 256

  function open(
    raw: string,
    infohash: string,
    trackers: StreamTracker[],
    rejected: TrackerState[],
  ) {
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    let running: Promise<void> | null = null
    let again = false
    let linger: NodeJS.Timeout | undefined
    const feed = createPeerFeed({
      maxSubscribers: deps.maxWatchersPerSwarm ?? 100,
      onEmpty: () => {
        clearTimeout(linger)
        linger = setTimeout(() => entry.stop(), deps.lingerMs ?? 30_000)
        linger.unref()
      },
    })

    const compute = async (waitMs: number) => {
      const snap = await deps.registry.query(infohash, { waitMs, streamTrackers: trackers })
      const { peers: decorated, reachable_count } = deps.registry.decorate(infohash, snap.peers)
      const peers = await enrich(decorated, infohash)
      const trackerStates = [...snap.trackers]
      for (const r of rejected)
        if (!trackerStates.some((t) => t.url === r.url)) trackerStates.push(r)
      trackerStates.splice(MAX_ANSWER_TRACKERS)
      const answer: FeedAnswer = {
        acestream_id: raw,
        infohash,
        peers,
        peer_count: peers.length,
        total_peers: peers.length,
        cached_at: Math.floor(Date.now() / 1000),
        error: snap.error,
        seeders: snap.seeders,
        leechers: snap.leechers,
        sources: snap.sources,
        trackers: trackerStates,
        discovering: snap.discovering,
        reachable_count,
      }
      if (!stopped) feed.publish(answer)
    }

    // One computation at a time; changes during one make exactly one more.
    const refresh = () => {
      if (stopped) return
      if (running) {
        again = true
        return
      }
      running = compute(0)
        .catch((err) => {
          // The registry closed: the service is stopping, and so does this feed.
          if (err instanceof HttpError && err.status === 503 && err.message === 'shutting down')
            return entry.stop()
          deps.log.warn('live peer view refresh failed', { infohash, err })
        })
        .finally(() => {
          running = null
          if (again && !stopped) {
            again = false
            schedule()
          }
        })
    }
    const schedule = () => {
      if (stopped || timer) return
      timer = setTimeout(() => {
        timer = undefined
        refresh()
      }, COALESCE_MS)
      timer.unref()
    }
    const tick = setInterval(refresh, tickMs)
    tick.unref()
    const unwatch = deps.registry.watch(infohash, schedule)

    const entry: SwarmFeed = {
      feed,
      ready: compute(deps.config.PEER_DISCOVERY_WAIT_MS),
      keep: () => clearTimeout(linger),
      stop() {
        if (stopped) return
        stopped = true
        clearTimeout(linger)
        clearInterval(tick)
        clearTimeout(timer)
        unwatch()
        feed.close()
        if (feeds.get(raw) === entry) feeds.delete(raw)
      },
    }
    feeds.set(raw, entry)
    return entry
  }

  async function enrich(peers: FeedAnswer['peers'], infohash: string) {
    if (!deps.enricher || peers.length === 0) return peers
    const deadline = Date.now() + deps.config.ENRICH_WAIT_MS
    try {
      return await withDeadline(
        deps.enricher.enrich(peers, { infohash, deadline }),
        deps.config.ENRICH_WAIT_MS,
        { onTimeout: () => peers },
      )
    } catch (err) {
      deps.log.warn('enrichment failed', { err })
      return peers
    }
  }

  return async function peerEvents(c: Context): Promise<Response> {
    const raw = c.req.param('id') ?? ''
    const heartbeat = heartbeatMs(c)
    const id = await parseSwarmIdentifier(raw)
    let entry = feeds.get(raw)
    if (!entry) {
      if (feeds.size >= maxFeeds)
        throw new HttpError(503, 'too many live views', `${feeds.size} swarms are watched`, {
          'Retry-After': '10',
        })
      const stream = id.trackers.length
        ? await admitStreamTrackers(id.trackers, {
            allowPrivate: deps.config.ALLOW_PRIVATE_TRACKERS,
          })
        : { usable: [], rejected: [] }
      entry = feeds.get(raw) ?? open(raw, id.infohash, stream.usable, stream.rejected)
    }
    const current = entry
    try {
      await current.ready
    } catch (err) {
      current.stop()
      throw err
    }
    let sub
    try {
      current.keep()
      sub = current.feed.subscribe(lastEventId(c))
    } catch (err) {
      if (err instanceof FeedFullError)
        throw new HttpError(503, 'too many watchers', err.message, { 'Retry-After': '10' })
      throw err
    }
    return serveFeed(c, sub, heartbeat)
  }
}
