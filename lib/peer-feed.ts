/**
 * One swarm's live peer view for any number of watchers: `publish()` the latest answer and every
 * subscriber gets a `diff` against the previous one (a new subscriber gets a `snapshot` first).
 * Diffs are numbered `<feed>.<seq>` and the last `ringSize` are kept, so a watcher reconnecting
 * with `Last-Event-ID` gets only what it missed; older ids (or another feed's) get a snapshot.
 * Everything is bounded: subscribers per feed, and bytes queued per subscriber (a watcher that
 * does not read is dropped, never buffered without end). Counts churn (joins and leaves per
 * minute, median stay) over a recent window. Used by the collector and the orchestrator.
 *
 * @example
 * const feed = createPeerFeed({ onEmpty: () => stopUpstream() })
 * feed.publish(answer)                    // first: the snapshot; later: diffs
 * const sub = feed.subscribe(lastEventId) // throws FeedFullError past maxSubscribers
 * const ev = await sub.next(15_000)       // an event, 'idle' (send a heartbeat) or null (closed)
 */
import type {
  Churn,
  FeedStatusEvent,
  PeerDiffEvent,
  PeerSnapshotEvent,
} from './contract/peer-events.ts'
import { PEER_EVENT } from './contract/peer-events.ts'
import { peerKey, type PeersAnswer } from './contract/peers.ts'
import { createSubscribers, type FeedMessage, type FeedSubscriber } from './feed-subscribers.ts'
import { diffAnswers } from './peer-diff.ts'

export { FeedFullError, type FeedMessage, type FeedSubscriber } from './feed-subscribers.ts'

export type FeedAnswer = PeersAnswer & Record<string, unknown>

export interface PeerFeedOptions {
  /** Diffs kept for resuming (default 64). */
  ringSize?: number
  /** Subscribers at once (default 100); one more gets FeedFullError. */
  maxSubscribers?: number
  /** Bytes a subscriber may have waiting; past it the subscriber is dropped (default 1 MiB). */
  maxQueuedBytes?: number
  /** Span the churn figures cover (default 10 min). */
  churnWindowMs?: number
  /** Called when the last subscriber left (e.g. to close the upstream). */
  onEmpty?: () => void
  now?: () => number
}

export interface PeerFeed {
  /** This feed's token, the part of event ids before the dot. */
  readonly token: string
  /** The latest answer, or null before the first publish. */
  readonly answer: FeedAnswer | null
  readonly subscriberCount: number
  /** Subscribers dropped for not reading, since the feed started. */
  readonly droppedCount: number
  /** Sends the new state: a diff to everyone (none when nothing changed); returns it. */
  publish(answer: FeedAnswer): PeerDiffEvent | null
  /** Sends a `status` event now and to every later subscriber. */
  setStatus(status: FeedStatusEvent): void
  subscribe(lastEventId?: string | null): FeedSubscriber
  /** Closes every subscriber. */
  close(): void
}

const MAX_CHURN_EVENTS = 10_000
const MAX_STAYS = 500

let feeds = 0

export function createPeerFeed(opts: PeerFeedOptions = {}): PeerFeed {
  const ringSize = opts.ringSize ?? 64
  const churnWindowMs = opts.churnWindowMs ?? 10 * 60_000
  const now = opts.now ?? Date.now
  // Unique per feed and per process start, so an id from an earlier feed never resumes here.
  const token = `${now().toString(36)}${(feeds++).toString(36)}`
  const started = now()
  let answer: FeedAnswer | null = null
  let seq = 0
  let asOf = new Date(started).toISOString()
  let status: FeedStatusEvent | null = null
  let snapshotMsg: FeedMessage | null = null
  const ring: { seq: number; msg: FeedMessage }[] = []
  const subs = createSubscribers({
    maxSubscribers: opts.maxSubscribers ?? 100,
    maxQueuedBytes: opts.maxQueuedBytes ?? 1024 * 1024,
    onEmpty: opts.onEmpty,
  })
  const joins: number[] = []
  const leaves: number[] = []
  const stays: number[] = []

  const idOf = (n: number) => `${token}.${n}`

  function churn(): Churn {
    const t = now()
    const from = t - churnWindowMs
    while (joins.length && joins[0]! < from) joins.shift()
    while (leaves.length && leaves[0]! < from) leaves.shift()
    // At least a minute, so one join seconds after the start does not read as dozens a minute.
    const minutes = Math.max(1, Math.min(churnWindowMs, t - started) / 60_000)
    const sorted = [...stays].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    const median = !sorted.length
      ? null
      : sorted.length % 2
        ? sorted[mid]!
        : (sorted[mid - 1]! + sorted[mid]!) / 2
    const round = (n: number) => Math.round(n * 100) / 100
    return {
      window_min: round(minutes),
      joins_per_min: round(joins.length / minutes),
      leaves_per_min: round(leaves.length / minutes),
      median_stay_s: median === null ? null : Math.round(median),
    }
  }

  function snapshot(): FeedMessage {
    if (snapshotMsg) return snapshotMsg
    const ev: PeerSnapshotEvent = { id: idOf(seq), as_of: asOf, answer: answer!, churn: churn() }
    snapshotMsg = { event: PEER_EVENT.snapshot, id: ev.id, data: JSON.stringify(ev) }
    return snapshotMsg
  }

  function countChurn(prev: FeedAnswer, removed: string[], added: number) {
    const t = now()
    for (let i = 0; i < added; i++) joins.push(t)
    if (removed.length) {
      const gone = new Set(removed)
      for (const p of prev.peers) {
        if (!gone.has(peerKey(p))) continue
        leaves.push(t)
        const first = Date.parse(p.first_seen)
        if (Number.isFinite(first)) stays.push(Math.max(0, (t - first) / 1000))
      }
    }
    joins.splice(0, Math.max(0, joins.length - MAX_CHURN_EVENTS))
    leaves.splice(0, Math.max(0, leaves.length - MAX_CHURN_EVENTS))
    stays.splice(0, Math.max(0, stays.length - MAX_STAYS))
  }

  return {
    token,
    get answer() {
      return answer
    },
    get subscriberCount() {
      return subs.size
    },
    get droppedCount() {
      return subs.dropped
    },

    publish(next) {
      const prev = answer
      asOf = new Date(now()).toISOString()
      if (!prev) {
        answer = next
        seq++
        snapshotMsg = null
        for (const s of subs.all()) {
          s.primed = true
          s.offer(snapshot())
        }
        return null
      }
      const diff = diffAnswers(prev, next)
      answer = next
      if (!diff) return null
      countChurn(prev, diff.removed, diff.added.length)
      seq++
      snapshotMsg = null
      const ev: PeerDiffEvent = { id: idOf(seq), as_of: asOf, ...diff, churn: churn() }
      const msg = { event: PEER_EVENT.diff, id: ev.id, data: JSON.stringify(ev) }
      ring.push({ seq, msg })
      if (ring.length > ringSize) ring.shift()
      for (const s of subs.all()) if (s.primed) s.offer(msg)
      return ev
    },

    setStatus(next) {
      status = next
      const msg = { event: PEER_EVENT.status, data: JSON.stringify(next) }
      for (const s of subs.all()) s.offer(msg)
    },

    subscribe(lastEventId) {
      const sub = subs.add()
      if (status) sub.offer({ event: PEER_EVENT.status, data: JSON.stringify(status) })
      if (!answer) return sub
      sub.primed = true
      const missed = resumeFrom(lastEventId)
      if (missed) for (const m of missed) sub.offer(m)
      else sub.offer(snapshot())
      return sub
    },

    close: () => subs.closeAll(),
  }

  /** The diffs after `lastEventId` when the ring still holds them all; else undefined. */
  function resumeFrom(lastEventId: string | null | undefined): FeedMessage[] | undefined {
    if (!lastEventId) return undefined
    const dot = lastEventId.lastIndexOf('.')
    if (dot < 0 || lastEventId.slice(0, dot) !== token) return undefined
    const n = Number(lastEventId.slice(dot + 1))
    if (!Number.isInteger(n) || n > seq) return undefined
    if (n === seq) return []
    const oldest = ring[0]?.seq
    if (oldest === undefined || n < oldest - 1) return undefined
    return ring.filter((r) => r.seq > n).map((r) => r.msg)
  }
}
