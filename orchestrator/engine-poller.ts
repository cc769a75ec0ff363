import type { Logger } from '../lib/log.ts'
import type { EngineClient } from './engine/engine-client.ts'
import type { StreamStore } from './streams/store.ts'

export interface EnginePollerOptions {
  store: StreamStore
  engine: EngineClient
  intervalMs: number
  log: Logger
  /**
   * What to do when an engine says the session is unknown. It only says so once the session
   * was stopped or expired, and a stat URL is bound to one session, so by default the stream
   * ends (reason `engine_session_gone`) instead of being polled for ever.
   */
  endOnSessionGone?: boolean
  /**
   * Runs after every cycle, before `pollOnce()` resolves: history, metrics and alerts see each
   * cycle once. It must not throw (a throw is logged and the schedule goes on).
   */
  onCycle?: (cycle: PollCycle) => void
}

export interface PollCycle {
  /** ISO time the cycle started. */
  at: string
  streams: number
  ok: number
  failed: number
  ended: number
  duration_ms: number
}

export interface EnginePoller {
  start(): void
  /** One cycle now, polling every active stream concurrently; resolves when all answered. */
  pollOnce(): Promise<PollCycle>
  /** Stops the schedule and aborts requests in flight; safe to call twice. */
  stop(): Promise<void>
  /**
   * Calls `fn` after every cycle, once the store holds its results (live views push them);
   * returns the unsubscribe. `fn` must be cheap and must not throw.
   */
  watch(fn: (cycle: PollCycle) => void): () => void
  /** Last finished cycle and how many overran the interval, for /health and the bench. */
  status(): {
    interval_ms: number
    last_cycle: PollCycle | null
    overruns: number
    running: boolean
  }
}

/**
 * Polls every active stream's stat URL each `intervalMs`. Cycles never overlap: the next one
 * is scheduled when the current one ends (each request is bounded by the engine client's
 * timeout). A failing engine only records that stream's `last_error`.
 *
 * @example
 * const poller = createEnginePoller({ store, engine, intervalMs: 5000, log })
 * poller.start()
 */
export function createEnginePoller(opts: EnginePollerOptions): EnginePoller {
  const endOnSessionGone = opts.endOnSessionGone ?? true
  let timer: NodeJS.Timeout | undefined
  let running = false
  let inFlight: Promise<PollCycle> | undefined
  let abort = new AbortController()
  let lastCycle: PollCycle | null = null
  let overruns = 0
  const watchers = new Set<(cycle: PollCycle) => void>()

  async function pollStream(id: string, statUrl: string, signal: AbortSignal) {
    const outcome = await opts.engine.fetchStat(statUrl, signal)
    if (outcome.kind === 'ok') {
      opts.store.recordSnapshot(id, outcome.stat.snapshot, outcome.stat.infohash)
      return 'ok' as const
    }
    if (outcome.kind === 'session_gone') {
      if (endOnSessionGone && opts.store.end(id, 'engine_session_gone')) {
        opts.log.info('stream ended: engine no longer knows the session', { stream_id: id })
        return 'ended' as const
      }
      opts.store.recordError(id, 'engine: unknown playback session id')
      return 'failed' as const
    }
    // Warn when a stream starts failing, not on every tick of a long outage.
    const first = opts.store.recordError(id, outcome.message)
    opts.log[first ? 'warn' : 'debug']('stat poll failed', {
      stream_id: id,
      error: outcome.message,
    })
    return 'failed' as const
  }

  async function cycle(): Promise<PollCycle> {
    const started = performance.now()
    const at = new Date().toISOString()
    const targets = opts.store.activeTargets()
    const signal = abort.signal
    const results = await Promise.allSettled(
      targets.map((t) => pollStream(t.id, t.stat_url, signal)),
    )
    const count = (k: string) =>
      results.filter((r) => r.status === 'fulfilled' && r.value === k).length
    const rejected = results.filter((r) => r.status === 'rejected')
    // pollStream does not throw by design; if it ever does, say so once per cycle.
    if (rejected.length) opts.log.error('stat poll threw', { count: rejected.length })
    const c: PollCycle = {
      at,
      streams: targets.length,
      ok: count('ok'),
      failed: count('failed') + rejected.length,
      ended: count('ended'),
      duration_ms: Math.round(performance.now() - started),
    }
    lastCycle = c
    try {
      opts.onCycle?.(c)
    } catch (err) {
      opts.log.error('after-poll hook failed', { err })
    }
    for (const fn of watchers) {
      try {
        fn(c)
      } catch (err) {
        opts.log.error('poll watcher failed', { err })
      }
    }
    if (c.duration_ms > opts.intervalMs) {
      overruns++
      opts.log.warn('poll cycle overran its interval', { ...c, interval_ms: opts.intervalMs })
    }
    return c
  }

  function pollOnce(): Promise<PollCycle> {
    // A manual poll during a scheduled one joins it rather than doubling the load.
    inFlight ??= cycle().finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  function schedule(delayMs: number) {
    if (!running) return
    timer = setTimeout(() => {
      const t0 = performance.now()
      pollOnce()
        .catch((err) => opts.log.error('poll cycle failed', { err }))
        .finally(() => schedule(Math.max(0, opts.intervalMs - (performance.now() - t0))))
    }, delayMs)
    timer.unref()
  }

  return {
    start() {
      if (running) return
      running = true
      abort = new AbortController()
      schedule(opts.intervalMs)
    },
    pollOnce,
    watch(fn) {
      watchers.add(fn)
      return () => watchers.delete(fn)
    },
    async stop() {
      running = false
      clearTimeout(timer)
      abort.abort()
      await inFlight?.catch(() => undefined)
    },
    status() {
      return { interval_ms: opts.intervalMs, last_cycle: lastCycle, overruns, running }
    },
  }
}
