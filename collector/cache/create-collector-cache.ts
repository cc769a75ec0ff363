import type { Logger } from '../../lib/log.ts'
import { ConfigError, type ResolvedSettings } from '../../lib/settings.ts'
import { createRedisTier, type RedisTier } from './redis-tier.ts'
import {
  createTieredCache,
  type CacheValidator,
  type TieredCache,
  type TieredCacheHealth,
} from './tiered-cache.ts'
import { createRedisConnection, type RedisConnection } from './redis-connection.ts'
import type { PeersAnswer, PeersAnswerCache } from '../types.ts'
import { startBundledRedis, type BundledRedis } from './bundled-redis.ts'
import { validatePeersAnswer } from './peers-answer-schema.ts'
import type { CACHE_SETTINGS } from './settings.ts'

export type CacheConfig = ResolvedSettings<typeof CACHE_SETTINGS>

export type RedisMode = 'rest' | 'redis' | 'bundled' | 'none'

/** Geolocation results are kept this long per address: an address rarely moves within an hour. */
const GEO_CACHE_TTL_MS = 60 * 60 * 1000

export interface CollectorCacheOptions {
  log: Logger
  /** How often an unavailable Redis is probed again (default 1000). */
  redisRetryMs?: number
}

export interface SharedCacheOptions<T> {
  /** Key namespace in Redis and the name under which `health()` shows its figures. */
  name: string
  ttlMs: number
  validate: CacheValidator<T>
  maxEntries?: number
  maxSizeBytes?: number
  cacheable?: (value: T) => boolean
}

export interface CollectorCache extends PeersAnswerCache {
  readonly redisMode: RedisMode
  /**
   * A cache sharing this Redis (and its availability), e.g. per-address geolocation for
   * enrichment. Its figures appear in `health()` under `cache.<name>`.
   */
  createCache<T>(options: SharedCacheOptions<T>): TieredCache<T>
  /** Per-address geolocation, 1 h, named `geolocation`. */
  createGeoCache<T>(validate: CacheValidator<T>): TieredCache<T>
  /** Empties the memory tiers (Redis keeps its copies). */
  clearMemory(): void
}

/**
 * The collector's caches, built from the resolved settings: Redis through the Upstash REST
 * API, a `redis://` URL, the bundled redis-server, or none (memory only), chosen in that
 * order. The returned object is the app's `PeersAnswerCache` (TTL `CACHE_TTL_SECONDS`), and
 * makes further caches on the same Redis (geolocation for enrichment).
 *
 * @example
 * const cache = await createCollectorCache(config, { log })
 * const app = createCollectorApp({ ..., cache })
 * const geo = cache.createGeoCache((v) => GeoSchema.safeParse(v).data)
 * await cache.close() // also stops the bundled redis-server
 */
export async function createCollectorCache(
  config: CacheConfig,
  options: CollectorCacheOptions,
): Promise<CollectorCache> {
  const log = options.log.child('cache')
  const timeoutMs = config.REDIS_TIMEOUT_MS
  let mode: RedisMode = 'none'
  let bundled: BundledRedis | null = null
  let connection: RedisConnection | null = null

  if (config.UPSTASH_REDIS_REST_URL) {
    if (!config.UPSTASH_REDIS_REST_TOKEN)
      throw new ConfigError('UPSTASH_REDIS_REST_TOKEN', 'required with UPSTASH_REDIS_REST_URL')
    if (config.REDIS_URL) log.warn('both Redis settings given; using UPSTASH_REDIS_REST_URL')
    mode = 'rest'
    connection = createRedisConnection(
      { kind: 'rest', url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN },
      { commandTimeoutMs: timeoutMs * 5, log },
    )
  } else if (config.REDIS_URL) {
    mode = 'redis'
    connection = createRedisConnection(
      { kind: 'tcp', url: config.REDIS_URL },
      { commandTimeoutMs: timeoutMs * 5, log },
    )
  } else if (config.BUNDLED_REDIS) {
    bundled = await startBundledRedis({
      bin: config.REDIS_SERVER_BIN,
      maxMemoryMb: config.BUNDLED_REDIS_MAX_MEMORY_MB,
      log,
    })
    if (bundled) {
      mode = 'bundled'
      connection = createRedisConnection(
        { kind: 'tcp', url: bundled.url },
        { commandTimeoutMs: timeoutMs * 5, log },
      )
    }
  } else {
    log.info('no Redis configured and BUNDLED_REDIS=false; the cache runs from memory only')
  }
  if (connection) log.info('cache uses redis', { mode, target: connection.label })

  const tier: RedisTier | null = connection
    ? createRedisTier({
        redis: connection.redis,
        timeoutMs,
        ...(options.redisRetryMs !== undefined ? { retryMs: options.redisRetryMs } : {}),
        log,
      })
    : null

  const caches = new Map<string, TieredCache<unknown>>()
  function createCache<T>(o: SharedCacheOptions<T>): TieredCache<T> {
    if (caches.has(o.name)) throw new Error(`a cache named "${o.name}" exists already`)
    const cache = createTieredCache<T>({ ...o, redis: tier, log })
    caches.set(o.name, cache as TieredCache<unknown>)
    return cache
  }

  const answers = createCache<PeersAnswer>({
    name: 'peers',
    ttlMs: config.CACHE_TTL_SECONDS * 1000,
    validate: validatePeersAnswer,
    // A swarm still on its first lookup has a partial list: serve it, but do not keep it for
    // the TTL (nor share it through Redis) when a fuller one is seconds away.
    cacheable: (answer) => answer.discovering !== true,
    maxEntries: 2000,
    maxSizeBytes: 64 * 1024 * 1024,
  })
  let closed = false

  return {
    redisMode: mode,
    getOrCompute: (key, compute, opts) => answers.getOrCompute(key, compute, opts),
    createCache,
    createGeoCache: <T>(validate: CacheValidator<T>) =>
      createCache<T>({
        name: 'geolocation',
        ttlMs: GEO_CACHE_TTL_MS,
        validate,
        maxEntries: 50_000,
        maxSizeBytes: 16 * 1024 * 1024,
      }),
    clearMemory() {
      for (const cache of caches.values()) cache.clearMemory()
    },
    health() {
      // /health spreads this: `redis_available` at the top, the details under `cache`.
      const redis = tier?.stats()
      const figures: Record<string, unknown> = {
        redis: {
          mode,
          target: connection?.label ?? null,
          ...(bundled ? { pid: bundled.pid, restarts: bundled.restarts } : {}),
          errors: redis?.redis_errors ?? 0,
          foreign_values: redis?.redis_foreign_values ?? 0,
          last_error: redis?.redis_last_error ?? null,
          unavailable_since: redis?.redis_unavailable_since ?? null,
        },
      }
      for (const [name, cache] of caches) figures[name] = tierFigures(cache.health())
      return { redis_available: tier?.available ?? false, cache: figures }
    },
    async close() {
      if (closed) return
      closed = true
      for (const cache of caches.values()) await cache.close()
      tier?.close()
      await connection?.close()
      await bundled?.stop()
    },
  }
}

/** One cache's own figures; Redis state is reported once for all caches. */
function tierFigures(h: TieredCacheHealth) {
  return {
    ttl_seconds: h.ttl_seconds,
    entries: h.entries,
    size_bytes: h.size_bytes,
    hits_memory: h.hits_memory,
    hits_redis: h.hits_redis,
    misses: h.misses,
    coalesced: h.coalesced,
    invalid_redis_values: h.invalid_redis_values,
  }
}
