/**
 * Background discovery yields to callers. Lookups from the queue and peer handshakes are work
 * nobody waits on (their callers were already answered `discovering: true`), yet each costs the
 * process as much as dozens of answers: announces, DHT queries, TCP connects, metadata. When
 * callers pile up faster than the process answers them, typically a dashboard opening a thousand
 * requests at once, starting more of it only pushes every answer later, and so does holding a
 * cold request open for first results that arrive late for the same reason. So the collector
 * watches itself, sampling every `sampleMs`:
 *
 * - the loop is busy in a sample when it ran callbacks at least `busyAbove` of the time (Node's
 *   event-loop utilization) or ran its timer `maxLagMs` late (long turns, or the CPU taken by
 *   other processes on a small box);
 * - saturation starts after `samples` busy samples in a row (one by default: the crowd makes it
 *   more than a slow turn) that each saw at least `minCallers` callers in flight (arrived, not
 *   answered yet), and lasts until a sample finds the loop not busy, so the requests still
 *   trickling in and the answers still being written after the crowd passed are served before
 *   the held-back work starts; it outlasts the last crowd by `lingerMs` at most, so a loop kept
 *   busy by discovery itself on a small box does not keep it going;
 * - while saturated, `whenIdle()` holds background work back (each caller at most `maxWaitMs`,
 *   so under sustained load discovery still advances, only slower), `saturated()` tells a cold
 *   request not to wait, and `onSaturated()` cuts short the waits already running.
 *
 * Without a crowd of callers a busy loop holds nothing back: a slow start, one large answer or a
 * test building its swarm is not saturation.
 *
 * @example
 * const pressure = createLoopPressure()
 * app.use('*', async (_c, next) => {
 *   const answered = pressure.caller()
 *   try { await next() } finally { answered() }
 * })
 * await pressure.whenIdle(signal) // then start the lookup
 * pressure.close()
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks'

export interface LoopPressureOptions {
  /** How often the loop is sampled (ms). */
  sampleMs?: number
  /** Utilization (0-1) at and above which a sample finds the loop busy. */
  busyAbove?: number
  /** Timer lateness (ms) at and above which a sample finds the loop busy. */
  maxLagMs?: number
  /** Callers in flight at once, since the last sample, that make a crowd. */
  minCallers?: number
  /** Busy samples with a crowd in a row that start saturation. */
  samples?: number
  /** Longest one caller of whenIdle() is held back (ms). */
  maxWaitMs?: number
  /** Longest saturation lasts after the last sample that saw a crowd (ms). */
  lingerMs?: number
}

export interface LoopPressure {
  /** A caller (a request) arrived; call the returned function once it is answered. */
  caller(): () => void
  /** At once unless saturated; else when saturation ends, `signal` aborts or maxWaitMs passed. */
  whenIdle(signal?: AbortSignal): Promise<void>
  saturated(): boolean
  /** Calls `fn` at each sample while saturated, until the returned unsubscribe is called. */
  onSaturated(fn: () => void): () => void
  /** Samples taken, callers held back so far, and how many wait now. */
  stats(): { samples: number; deferred: number; waiting: number }
  /** Stops sampling and lets every waiting caller go. */
  close(): void
}

const DEFAULTS: Required<LoopPressureOptions> = {
  sampleMs: 50,
  busyAbove: 0.9,
  maxLagMs: 10,
  minCallers: 32,
  samples: 1,
  maxWaitMs: 2000,
  lingerMs: 3000,
}

export function createLoopPressure(opts: LoopPressureOptions = {}): LoopPressure {
  const { sampleMs, busyAbove, maxLagMs, minCallers, samples, maxWaitMs, lingerMs } = {
    ...DEFAULTS,
    ...opts,
  }
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization()
  let lastTick = performance.now()
  let streak = 0
  let saturated = false
  let lastCrowd = -Infinity
  // Callers in flight now, and the most at once since the last sample.
  let inFlight = 0
  let peak = 0
  let sampled = 0
  let deferred = 0
  // Held-back callers: each is a running lookup or handshake slot, so the set is no larger than
  // those queues' concurrency.
  const waiting = new Set<() => void>()
  // Cold requests waiting for first results, one entry per request while it waits.
  const listeners = new Set<() => void>()

  const timer = setInterval(() => {
    const elu = performance.eventLoopUtilization()
    const now = performance.now()
    const busy =
      performance.eventLoopUtilization(elu, lastElu).utilization >= busyAbove ||
      now - lastTick - sampleMs >= maxLagMs
    lastElu = elu
    lastTick = now
    sampled++
    if (peak >= minCallers) lastCrowd = now
    streak = busy && peak >= minCallers ? streak + 1 : 0
    peak = inFlight
    if (streak >= samples) saturated = true
    else if (!busy || now - lastCrowd > lingerMs) saturated = false
    if (saturated) for (const fn of [...listeners]) fn()
    else for (const release of [...waiting]) release()
  }, sampleMs)
  timer.unref()

  return {
    caller() {
      peak = Math.max(peak, ++inFlight)
      // A crowd arriving within one overlong turn (the sampling timer already overdue) is
      // saturation now: the first sample would only see it after that turn ends.
      if (
        !saturated &&
        inFlight >= minCallers &&
        streak + 1 >= samples &&
        performance.now() - lastTick - sampleMs >= maxLagMs
      ) {
        saturated = true
        lastCrowd = performance.now()
      }
      let answered = false
      return () => {
        if (answered) return
        answered = true
        inFlight--
      }
    },
    whenIdle(signal) {
      if (!saturated || signal?.aborted) return Promise.resolve()
      deferred++
      return new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(cap)
          signal?.removeEventListener('abort', release)
          waiting.delete(release)
          resolve()
        }
        const cap = setTimeout(release, maxWaitMs)
        signal?.addEventListener('abort', release, { once: true })
        waiting.add(release)
      })
    },
    saturated: () => saturated,
    onSaturated(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    stats: () => ({ samples: sampled, deferred, waiting: waiting.size }),
    close() {
      clearInterval(timer)
      listeners.clear()
      saturated = false
      for (const release of [...waiting]) release()
    },
  }
}
