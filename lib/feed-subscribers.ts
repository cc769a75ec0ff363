/**
 * The watchers of one live feed, each with a bounded queue of messages waiting to be written.
 * A watcher whose queue would pass `maxQueuedBytes` (it stopped reading) is dropped at once,
 * so one slow browser costs at most that much memory and never holds the others back.
 *
 * @example
 * const subs = createSubscribers({ maxSubscribers: 100, maxQueuedBytes: 1 << 20 })
 * const sub = subs.add()            // throws FeedFullError past maxSubscribers
 * for (const s of subs.all()) s.offer({ event: 'diff', id: '1', data: '{}' })
 */

/** One SSE message, serialised once and shared by every subscriber. */
export interface FeedMessage {
  event: string
  id?: string
  data: string
}

export interface FeedSubscriber {
  /** The next message; 'idle' when `timeoutMs` passed with none (send a heartbeat); null: closed. */
  next(timeoutMs: number): Promise<FeedMessage | 'idle' | null>
  /** Leaves the feed; safe twice. */
  close(): void
  /** True when the feed dropped this subscriber for not reading. */
  readonly dropped: boolean
  /** Resolves once the subscriber is closed (left, dropped, or the feed closed). */
  readonly whenClosed: Promise<void>
}

export class FeedFullError extends Error {
  constructor(readonly max: number) {
    super(`at most ${max} watchers per feed`)
    this.name = 'FeedFullError'
  }
}

export interface QueuedSubscriber extends FeedSubscriber {
  /** Set by the feed once the watcher has its first full state. */
  primed: boolean
  offer(msg: FeedMessage): void
}

export interface Subscribers {
  add(): QueuedSubscriber
  all(): QueuedSubscriber[]
  readonly size: number
  /** Watchers dropped for not reading, since the start. */
  readonly dropped: number
  closeAll(): void
}

export function createSubscribers(opts: {
  maxSubscribers: number
  maxQueuedBytes: number
  onEmpty?: () => void
}): Subscribers {
  const subs = new Set<Sub>()
  let dropped = 0

  class Sub implements QueuedSubscriber {
    queue: FeedMessage[] = []
    bytes = 0
    closed = false
    dropped = false
    primed = false
    wake: (() => void) | null = null
    private ended!: () => void
    whenClosed = new Promise<void>((resolve) => (this.ended = resolve))

    offer(msg: FeedMessage) {
      if (this.closed) return
      // An empty queue takes any message: a snapshot may be larger than the bound.
      if (this.queue.length > 0 && this.bytes + msg.data.length > opts.maxQueuedBytes) {
        this.dropped = true
        dropped++
        this.close()
        return
      }
      this.queue.push(msg)
      this.bytes += msg.data.length
      this.wake?.()
    }

    async next(timeoutMs: number): Promise<FeedMessage | 'idle' | null> {
      if (!this.queue.length && !this.closed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, timeoutMs)
          function done() {
            clearTimeout(timer)
            resolve()
          }
          this.wake = done
        })
        this.wake = null
      }
      if (this.closed) return null
      const msg = this.queue.shift()
      if (!msg) return 'idle'
      this.bytes -= msg.data.length
      return msg
    }

    close() {
      if (this.closed) return
      this.closed = true
      this.queue = []
      this.bytes = 0
      this.wake?.()
      this.ended()
      if (subs.delete(this) && subs.size === 0) opts.onEmpty?.()
    }
  }

  return {
    add() {
      if (subs.size >= opts.maxSubscribers) throw new FeedFullError(opts.maxSubscribers)
      const sub = new Sub()
      subs.add(sub)
      return sub
    },
    all: () => [...subs],
    get size() {
      return subs.size
    },
    get dropped() {
      return dropped
    },
    closeAll() {
      for (const s of [...subs]) s.close()
    },
  }
}
