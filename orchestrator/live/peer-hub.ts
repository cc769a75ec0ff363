/**
 * Live peer views for the dashboard: one feed per stream, fed by one upstream event stream per
 * configured collector (`GET <collector>/peers/<swarm>/events`) and shared by every browser
 * watching that stream. Collector answers are kept current from their snapshots and diffs,
 * merged by ip:port as `GET /streams/{id}/peers` merges them, and diffed again for the browsers,
 * so ids and resume work the same whichever collectors are up. A collector that drops is
 * reconnected with backoff (resuming from its last event id); while none is up, watchers get a
 * `stale` status. The upstreams close shortly after the last browser leaves.
 *
 * @example
 * const hub = createPeerHub({ store, runtime, log })
 * const sub = hub.subscribe(streamId, lastEventId) // throws HttpError 404/409/503
 */
import type { EventSourceMessage } from 'eventsource-parser'
import {
  PEER_EVENT,
  PeerDiffEventSchema,
  type FeedStatusEvent,
  type PeerDiff,
} from '../../lib/contract/peer-events.ts'
import { parsePeer, parsePeersAnswer, type PeersAnswer } from '../../lib/contract/peers.ts'
import { sleep } from '../../lib/deadline.ts'
import { HttpError } from '../../lib/http-error.ts'
import type { Logger } from '../../lib/log.ts'
import { applyDiff } from '../../lib/peer-diff.ts'
import {
  createPeerFeed,
  FeedFullError,
  type FeedSubscriber,
  type PeerFeed,
} from '../../lib/peer-feed.ts'
import { readEventStream } from '../../lib/sse-client.ts'
import { collectorRequestUrl, redactUrl, splitCollectorUrls } from '../collector-url.ts'
import { mergePeersAnswers } from '../peers-merge.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'
import { swarmIdentifier } from '../streams/stream-trackers.ts'

export interface PeerHubOptions {
  store: Pick<StreamStore, 'get'>
  runtime: Pick<RuntimeSettingsStore, 'get'>
  log: Logger
  /** Browsers per stream (default 100), in all (default 500), streams watched (default 256). */
  maxPerStream?: number
  maxTotal?: number
  maxStreams?: number
  /** Bytes waiting for one browser before it is dropped (default 1 MiB). */
  maxQueuedBytes?: number
  /** Upstreams stay this long after the last browser left (default 5 s), for quick reconnects. */
  lingerMs?: number
  /** Reconnect delays: doubling from min to max (defaults 500 ms, 15 s). */
  backoffMinMs?: number
  backoffMaxMs?: number
  /** Heartbeat asked of the collectors (s); the upstream is dropped after 3 without a byte. */
  upstreamHeartbeatS?: number
}

export interface PeerHub {
  subscribe(streamId: string, lastEventId?: string): FeedSubscriber
  /** Upstream event streams open now (one per watched stream and collector). */
  upstreamCount(): number
  watcherCount(): number
  close(): void
}

interface Upstream {
  url: string
  label: string
  answer: PeersAnswer | null
  live: boolean
  error?: string
}

interface StreamFeed {
  feed: PeerFeed
  keep(): void
  stop(): void
}

export function createPeerHub(opts: PeerHubOptions): PeerHub {
  const feeds = new Map<string, StreamFeed>()
  const maxTotal = opts.maxTotal ?? 500
  const heartbeatS = opts.upstreamHeartbeatS ?? 15
  let openUpstreams = 0

  function watchers() {
    let n = 0
    for (const f of feeds.values()) n += f.feed.subscriberCount
    return n
  }

  function open(streamId: string, swarm: string, infohash: string, urls: string[]): StreamFeed {
    const abort = new AbortController()
    let linger: NodeJS.Timeout | undefined
    let stopped = false
    const feed = createPeerFeed({
      maxSubscribers: opts.maxPerStream ?? 100,
      maxQueuedBytes: opts.maxQueuedBytes,
      onEmpty: () => {
        clearTimeout(linger)
        linger = setTimeout(() => entry.stop(), opts.lingerMs ?? 5000)
        linger.unref()
      },
    })
    const ups: Upstream[] = urls.map((url) => ({
      url,
      label: redactUrl(url) ?? '',
      answer: null,
      live: false,
    }))
    let stale: FeedStatusEvent | null = null

    const publish = () => {
      const parts = ups.filter((u) => u.answer && u.live)
      if (!parts.length) return
      let answer: PeersAnswer & Record<string, unknown>
      if (ups.length === 1) answer = { ...parts[0]!.answer!, stream_id: streamId }
      else {
        const merged = mergePeersAnswers(parts.map((u) => ({ label: u.label, answer: u.answer! })))
        const collectors = ups.map((u) =>
          u.live
            ? { url: u.label, ok: true }
            : { url: u.label, ok: false, error: 'peer collector unavailable', detail: u.error },
        )
        answer = { ...merged, collectors, stream_id: streamId }
      }
      feed.publish(answer)
    }

    const updateStatus = () => {
      const anyLive = ups.some((u) => u.live)
      const since = new Date().toISOString()
      if (!anyLive && stale?.state !== 'stale') {
        const detail = ups.map((u) => `${u.label}: ${u.error ?? 'connecting'}`).join('; ')
        stale = { state: 'stale', since, detail }
        feed.setStatus(stale)
      } else if (anyLive && stale?.state === 'stale') {
        stale = { state: 'live', since }
        feed.setStatus(stale)
      } else if (anyLive && !stale) stale = { state: 'live', since }
    }

    const run = async (u: Upstream) => {
      let delay = opts.backoffMinMs ?? 500
      let lastId: string | undefined
      while (!abort.signal.aborted) {
        const url = collectorRequestUrl(u.url, ['peers', swarm, 'events'], {
          heartbeat: String(heartbeatS),
        }).href
        openUpstreams++
        try {
          await readEventStream(url, {
            signal: abort.signal,
            idleMs: heartbeatS * 3000,
            headers: lastId ? { 'last-event-id': lastId } : {},
            onEvent(m) {
              if (m.event === PEER_EVENT.heartbeat) return
              const next = apply(u.answer, m, infohash)
              if (next === 'resync') throw new Error('diff without a snapshot')
              if (next === undefined) return
              u.answer = next
              if (m.id) lastId = m.id
              if (!u.live) {
                u.live = true
                u.error = undefined
                delay = opts.backoffMinMs ?? 500
                updateStatus()
              }
              publish()
            },
          })
          u.error = 'the collector closed the event stream'
        } catch (err) {
          u.error = err instanceof Error ? err.message : String(err)
          // A bad event means our copy may be wrong: start over from a snapshot.
          if (u.error.startsWith('bad event')) lastId = undefined
        } finally {
          openUpstreams--
        }
        if (abort.signal.aborted) return
        if (u.live) {
          u.live = false
          publish()
        }
        updateStatus()
        opts.log.debug('collector event stream dropped', {
          stream_id: streamId,
          url: u.label,
          error: u.error,
        })
        await sleep(delay, abort.signal)
        delay = Math.min(delay * 2, opts.backoffMaxMs ?? 15_000)
      }
    }

    const entry: StreamFeed = {
      feed,
      keep: () => clearTimeout(linger),
      stop() {
        if (stopped) return
        stopped = true
        clearTimeout(linger)
        abort.abort()
        feed.close()
        if (feeds.get(streamId) === entry) feeds.delete(streamId)
      },
    }
    feeds.set(streamId, entry)
    for (const u of ups)
      void run(u).catch((err) => opts.log.error('collector event stream failed', { err }))
    return entry
  }

  return {
    subscribe(streamId, lastEventId) {
      const stream = opts.store.get(streamId)
      if (!stream)
        throw new HttpError(
          404,
          'stream not found',
          `no stream with id ${JSON.stringify(streamId)}`,
        )
      const settings = opts.runtime.get()
      if (!settings.PEER_COLLECTOR_ENABLED)
        throw new HttpError(
          409,
          'peer collection disabled',
          'enable it under Settings > Peer Collector (PATCH /config/runtime PEER_COLLECTOR_ENABLED)',
        )
      const urls = splitCollectorUrls(settings.PEER_COLLECTOR_URL)
      if (urls.length === 0)
        throw new HttpError(
          409,
          'peer collector URL not set',
          'set PEER_COLLECTOR_URL under Settings > Peer Collector',
        )
      if (!stream.infohash)
        throw new HttpError(
          409,
          'infohash unknown',
          "the engine has not reported this stream's infohash yet; retry after the next poll",
        )
      if (watchers() >= maxTotal)
        throw new HttpError(503, 'too many watchers', `at most ${maxTotal} live views at once`, {
          'Retry-After': '10',
        })
      const swarm = swarmIdentifier({ ...stream, infohash: stream.infohash })
      let entry = feeds.get(streamId)
      // Settings changed since the feed opened (other collectors): start over with the new ones.
      if (entry && (entry as StreamFeed & { key?: string }).key !== `${swarm} ${urls.join(',')}`) {
        entry.stop()
        entry = undefined
      }
      if (!entry) {
        if (feeds.size >= (opts.maxStreams ?? 256))
          throw new HttpError(503, 'too many live views', `${feeds.size} streams are watched`, {
            'Retry-After': '10',
          })
        entry = open(streamId, swarm, stream.infohash, urls)
        ;(entry as StreamFeed & { key?: string }).key = `${swarm} ${urls.join(',')}`
      }
      entry.keep()
      try {
        return entry.feed.subscribe(lastEventId)
      } catch (err) {
        if (err instanceof FeedFullError)
          throw new HttpError(503, 'too many watchers', err.message, { 'Retry-After': '10' })
        throw err
      }
    },
    upstreamCount: () => openUpstreams,
    watcherCount: watchers,
    close() {
      for (const f of [...feeds.values()]) f.stop()
    },
  }
}

/**
 * The collector's answer after one of its events: a snapshot replaces it, a diff is applied;
 * undefined for events to ignore, 'resync' for a diff with nothing to apply it to. Throws on
 * an event that does not fit the contract.
 */
function apply(
  current: PeersAnswer | null,
  m: EventSourceMessage,
  infohash: string,
): PeersAnswer | 'resync' | undefined {
  if (m.event === PEER_EVENT.snapshot) {
    const body = JSON.parse(m.data) as { answer?: unknown }
    const answer = parsePeersAnswer(body.answer)
    if (answer.infohash !== null && answer.infohash !== infohash)
      throw new Error('collector answered about another swarm')
    return answer
  }
  if (m.event !== PEER_EVENT.diff) return undefined
  if (!current) return 'resync'
  const raw = JSON.parse(m.data) as Record<string, unknown>
  // Added peers are checked one by one (a bad one is dropped alone), the rest by the schema.
  const added = Array.isArray(raw.added) ? raw.added.flatMap((p) => parsePeer(p) ?? []) : []
  const diff = PeerDiffEventSchema.parse({ ...raw, added: [] })
  const next = applyDiff(current, { ...diff, added } as PeerDiff)
  return { ...next, peer_count: next.peers.length }
}
