import { LRUCache } from 'lru-cache'
import type { Redis } from '@upstash/redis'
import type { Logger } from '../../lib/log.ts'
import { createRedisTier, isRedisTier, type RedisTier, type RedisTierStats } from './redis-tier.ts'

/** Turns what came back from Redis into a T, or undefined when it is not one. */
export type CacheValidator<T> = (value: unknown) => T | undefined

export interface TieredCacheOptions<T> {
  /** Namespace of this cache's Redis keys: `<keyPrefix><name>:<key>`. */
  name: string
  /** How long a computed value is served; 0 turns caching off (computes are still shared). */
  ttlMs: number
  /** Checks every value read from Redis; a value it rejects is a miss. */
  validate: CacheValidator<T>
  /** A computed value this rejects is returned but kept in neither tier (e.g. a partial answer). */
  cacheable?: (value: T) => boolean
  /** Memory bound by count (default 1000). */
  maxEntries?: number
  /** Memory bound by size, counted as JSON characters (default 32 MiB). */
  maxSizeBytes?: number
  /**
   * Redis behind the memory tier: an @upstash/redis client (this cache guards it itself) or a
   * shared {@link RedisTier}. None: memory only.
   */
  redis?: Redis | RedisTier | null
  /** Prefix of every Redis key, so several apps can share one Redis (default `peer-insight:v1:`). */
  keyPrefix?: string
  /** Used only when `redis` is a bare client: longest wait per Redis call, probe interval. */
  redisTimeoutMs?: number
  redisRetryMs?: number
  log?: Logger
}

export interface GetOptions {
  /** Accept a cached value no older than this (ms); capped by the TTL; 0 forces a compute. */
  maxAgeMs?: number
}

export interface CacheResult<T> {
  value: T
  from: 'memory' | 'redis' | 'computed'
}

export interface TieredCacheHealth extends Partial<RedisTierStats> {
  redis_available: boolean
  ttl_seconds: number
  entries: number
  size_bytes: number
  hits_memory: number
  hits_redis: number
  misses: number
  /** Requests that waited for a lookup another request had already started. */
  coalesced: number
  /** Values in Redis that failed validation (corrupted or written by something else). */
  invalid_redis_values: number
}

export interface TieredCache<T> {
  getOrCompute(key: string, compute: () => Promise<T>, opts?: GetOptions): Promise<CacheResult<T>>
  /** Empties the memory tier only (Redis keeps its copies). */
  clearMemory(): void
  health(): TieredCacheHealth
  close(): Promise<void>
}

interface Entry<T> {
  value: T
  /** Epoch ms when the value was computed (kept through Redis, so age is global). */
  at: number
  size: number
}

type Loaded<T> = { value: T; at: number; from: CacheResult<T>['from'] }

/**
 * A two-tier cache: `lru-cache` in memory (bounded by entries, size and TTL) in front of
 * Redis. Reads check memory, then Redis, then compute; concurrent misses for one key compute
 * once. Redis trouble never fails a read and costs at most one short timeout (see
 * {@link createRedisTier}); values from Redis are validated before use.
 *
 * @example
 * const cache = createTieredCache<Answer>({
 *   name: 'peers',
 *   ttlMs: 30_000,
 *   validate: (v) => AnswerSchema.safeParse(v).data,
 *   redis: new Redis(createRedisRequester({ url: 'redis://127.0.0.1:6379' })),
 * })
 * const { value, from } = await cache.getOrCompute(infohash, () => lookup(infohash), {
 *   maxAgeMs: 10_000,
 * })
 */
export function createTieredCache<T>(options: TieredCacheOptions<T>): TieredCache<T> {
  const { name, validate, log } = options
  if (!/^[\w.-]+$/.test(name)) throw new Error(`cache name must be a simple word, got "${name}"`)
  if (!(options.ttlMs >= 0)) throw new Error(`ttlMs must be >= 0, got ${options.ttlMs}`)
  const ttlMs = options.ttlMs
  const prefix = `${options.keyPrefix ?? 'peer-insight:v1:'}${name}:`
  const ownsTier = options.redis != null && !isRedisTier(options.redis)
  const tier: RedisTier | null =
    options.redis == null
      ? null
      : isRedisTier(options.redis)
        ? options.redis
        : createRedisTier({
            redis: options.redis,
            ...(options.redisTimeoutMs !== undefined ? { timeoutMs: options.redisTimeoutMs } : {}),
            ...(options.redisRetryMs !== undefined ? { retryMs: options.redisRetryMs } : {}),
            ...(log ? { log } : {}),
          })

  const memory = new LRUCache<string, Entry<T>>({
    max: options.maxEntries ?? 1000,
    maxSize: options.maxSizeBytes ?? 32 * 1024 * 1024,
    sizeCalculation: (entry) => entry.size,
    ttl: Math.max(ttlMs, 1),
  })
  const pending = new Map<string, Promise<Loaded<T>>>()
  const counts = { memory: 0, redis: 0, misses: 0, coalesced: 0, invalid: 0 }

  function remember(key: string, value: T, at: number) {
    const remaining = ttlMs - (Date.now() - at)
    if (ttlMs === 0 || remaining <= 0) return
    const size = Math.max(1, JSON.stringify(value)?.length ?? 1)
    memory.set(key, { value, at, size }, { ttl: remaining })
  }

  function decode(raw: unknown): { value: T; at: number } | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined
    const { at, value } = raw as { at?: unknown; value?: unknown }
    if (typeof at !== 'number' || !Number.isFinite(at)) return undefined
    const valid = validate(value)
    return valid === undefined ? undefined : { value: valid, at }
  }

  async function load(key: string, compute: () => Promise<T>, maxAge: number) {
    if (tier && ttlMs > 0 && maxAge > 0) {
      const raw = await tier.get(prefix + key)
      if (raw !== undefined) {
        const entry = decode(raw)
        if (!entry) {
          counts.invalid++
          log?.warn('ignoring invalid cached value from redis', { cache: name, key })
        } else if (Date.now() - entry.at <= maxAge) {
          counts.redis++
          remember(key, entry.value, entry.at)
          return { ...entry, from: 'redis' as const }
        }
      }
    }
    counts.misses++
    const value = await compute()
    const at = Date.now()
    if (options.cacheable && !options.cacheable(value))
      return { value, at, from: 'computed' as const }
    remember(key, value, at)
    if (tier && ttlMs > 0) void tier.set(prefix + key, { at, value }, ttlMs)
    return { value, at, from: 'computed' as const }
  }

  async function getOrCompute(
    key: string,
    compute: () => Promise<T>,
    opts: GetOptions = {},
  ): Promise<CacheResult<T>> {
    const maxAge = Math.max(0, Math.min(opts.maxAgeMs ?? ttlMs, ttlMs))
    const hit = memory.get(key)
    if (hit && maxAge > 0 && Date.now() - hit.at <= maxAge) {
      counts.memory++
      return { value: hit.value, from: 'memory' }
    }
    const shared = pending.get(key)
    if (shared) {
      const loaded = await shared
      // A Redis copy the first caller accepted may be too old for a stricter caller.
      if (loaded.from === 'computed' || Date.now() - loaded.at <= maxAge) {
        counts.coalesced++
        return { value: loaded.value, from: loaded.from }
      }
      const fresh = await load(key, compute, 0)
      return { value: fresh.value, from: fresh.from }
    }
    const started = load(key, compute, maxAge)
    pending.set(key, started)
    try {
      const { value, from } = await started
      return { value, from }
    } finally {
      if (pending.get(key) === started) pending.delete(key)
    }
  }

  return {
    getOrCompute,
    clearMemory() {
      memory.clear()
    },
    health() {
      return {
        redis_available: tier?.available ?? false,
        ...(tier ? tier.stats() : {}),
        ttl_seconds: ttlMs / 1000,
        entries: memory.size,
        size_bytes: memory.calculatedSize,
        hits_memory: counts.memory,
        hits_redis: counts.redis,
        misses: counts.misses,
        coalesced: counts.coalesced,
        invalid_redis_values: counts.invalid,
      }
    },
    async close() {
      if (ownsTier) tier?.close()
      memory.clear()
    },
  }
}

/**
 * Adapts a zod-like schema to a {@link CacheValidator}.
 *
 * @example
 * createTieredCache({ name: 'geo', ttlMs: 3_600_000, validate: fromSchema(GeoSchema) })
 */
export function fromSchema<T>(schema: {
  safeParse(value: unknown): { success: boolean; data?: T }
}): CacheValidator<T> {
  return (value) => {
    const r = schema.safeParse(value)
    return r.success ? r.data : undefined
  }
}
