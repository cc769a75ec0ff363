import type { Redis } from '@upstash/redis'
import type { Logger } from '../../lib/log.ts'
import { withDeadline } from '../../lib/deadline.ts'

export interface RedisTierOptions {
  redis: Redis
  /** Longest a read or write may wait for Redis before the caller moves on. */
  timeoutMs?: number
  /** How often an unavailable Redis is probed with PING. */
  retryMs?: number
  /**
   * How often an available Redis is pinged, so /health notices a dead Redis even while every
   * read is a memory hit.
   */
  heartbeatMs?: number
  log?: Logger
}

export interface RedisTierStats {
  redis_available: boolean
  /** Calls that failed or timed out (each one made Redis unavailable). */
  redis_errors: number
  /** Keys holding a value of another Redis type (WRONGTYPE): a miss, Redis still fine. */
  redis_foreign_values: number
  redis_last_error: string | null
  redis_unavailable_since: string | null
}

export interface RedisTier {
  readonly available: boolean
  /** The stored value (JSON-decoded where it was JSON), or undefined on a miss or failure. */
  get(key: string): Promise<unknown>
  /** Stores with a TTL; failures only mark Redis unavailable. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  stats(): RedisTierStats
  /** Stops the probe timer; the Redis connection belongs to whoever created it. */
  close(): void
}

const TIER = Symbol('redis-tier')

export function isRedisTier(x: unknown): x is RedisTier {
  return typeof x === 'object' && x !== null && TIER in x
}

/**
 * Redis as a cache tier that never fails its caller: every call is raced against a short
 * timer, any transport trouble marks Redis unavailable (later calls skip it at no cost), and a
 * background PING brings it back when it answers again. One tier can serve several caches.
 *
 * @example
 * const tier = createRedisTier({ redis, timeoutMs: 100 })
 * await tier.set('k', { a: 1 }, 30_000)
 * await tier.get('k') // { a: 1 }, or undefined on a miss or while Redis is away
 * tier.available // false after a timeout or refused connection, true once PING answers
 */
export function createRedisTier(options: RedisTierOptions): RedisTier {
  const { redis, log } = options
  const timeoutMs = options.timeoutMs ?? 100
  const retryMs = options.retryMs ?? 1000
  const heartbeatMs = options.heartbeatMs ?? 2000
  // 'unknown' until the first call settles: reads still try Redis so a fresh process shares
  // what another one stored, but /health does not claim Redis before it has answered.
  let state: 'unknown' | 'up' | 'down' = 'unknown'
  let errors = 0
  let foreign = 0
  let lastError: string | null = null
  let downSince: Date | null = null
  let probeTimer: NodeJS.Timeout | undefined
  let closed = false

  function markUp() {
    if (state === 'down') log?.info('redis available again', { after_ms: since(downSince) })
    state = 'up'
    downSince = null
  }

  function markDown(err: unknown) {
    errors++
    lastError = err instanceof Error ? err.message : String(err)
    if (state !== 'down') {
      log?.warn('redis unavailable, serving from memory', { err: lastError })
      state = 'down'
      downSince = new Date()
      // A heartbeat may be due later than a retry; probe on the retry schedule from now on.
      clearTimeout(probeTimer)
      probeTimer = undefined
    }
    scheduleProbe()
  }

  function scheduleProbe() {
    if (probeTimer || closed) return
    probeTimer = setTimeout(
      () => {
        probeTimer = undefined
        void probe()
      },
      state === 'up' ? heartbeatMs : retryMs,
    )
    probeTimer.unref()
  }

  async function probe() {
    try {
      await bounded(redis.ping(), timeoutMs * 5)
      if (closed) return
      markUp()
      scheduleProbe()
    } catch (err) {
      if (closed) return
      if (state !== 'down') markDown(err)
      else {
        lastError = err instanceof Error ? err.message : String(err)
        scheduleProbe()
      }
    }
  }

  // A stalled process (a synchronous file load, a long GC) is not a slow Redis.
  const bounded = <T>(op: Promise<T>, ms: number): Promise<T> =>
    withDeadline(op, ms, { message: `redis did not answer within ${ms} ms`, extendOnStall: true })

  const isForeign = (err: unknown) => err instanceof Error && /^WRONGTYPE\b/.test(err.message)

  // First contact right away, so /health is truthful before the first request.
  void probe()

  return {
    [TIER]: true,
    get available() {
      return state === 'up'
    },
    async get(key) {
      if (state === 'down' || closed) return undefined
      try {
        const value = await bounded(redis.get<unknown>(key), timeoutMs)
        markUp()
        return value ?? undefined
      } catch (err) {
        if (isForeign(err)) {
          foreign++
          return undefined
        }
        markDown(err)
        return undefined
      }
    },
    async set(key, value, ttlMs) {
      if (state === 'down' || closed || ttlMs <= 0) return
      try {
        await bounded(redis.set(key, value, { px: Math.ceil(ttlMs) }), timeoutMs)
        markUp()
      } catch (err) {
        markDown(err)
      }
    },
    stats() {
      return {
        redis_available: state === 'up',
        redis_errors: errors,
        redis_foreign_values: foreign,
        redis_last_error: lastError,
        redis_unavailable_since: downSince?.toISOString() ?? null,
      }
    },
    close() {
      closed = true
      clearTimeout(probeTimer)
      probeTimer = undefined
    },
  } as RedisTier
}

function since(d: Date | null): number | null {
  return d ? Date.now() - d.getTime() : null
}
