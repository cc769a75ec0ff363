import { LRUCache } from 'lru-cache'

/**
 * The small cache surface enrichment needs (per-address geolocation, per-peer handshake
 * results). Kept this narrow so the two-tier cache of collector/cache/ can replace the plain
 * in-memory LRU below with a one-line change in create-enricher.ts.
 *
 * @example
 * const cache = createMemoryTtlCache<{ city?: string }>({ max: 10_000, ttlMs: 3_600_000 })
 * cache.set('8.8.8.8', { city: 'Mountain View' })
 */
export interface TtlCache<V extends object> {
  get(key: string): V | undefined
  /** `ttlMs` overrides the cache's default for this entry (negative results live shorter). */
  set(key: string, value: V, ttlMs?: number): void
  readonly size: number
  clear(): void
}

export interface MemoryTtlCacheOptions {
  max: number
  ttlMs: number
}

export function createMemoryTtlCache<V extends object>(
  options: MemoryTtlCacheOptions,
): TtlCache<V> {
  // ttl 0 means "do not cache": lru-cache treats 0 as "no expiry", so keep nothing instead.
  const disabled = options.ttlMs <= 0
  const lru = new LRUCache<string, V>({
    max: Math.max(1, options.max),
    ttl: disabled ? 1 : options.ttlMs,
  })
  return {
    get: (key) => (disabled ? undefined : lru.get(key)),
    set(key, value, ttlMs) {
      if (disabled || ttlMs === 0) return
      lru.set(key, value, ttlMs === undefined ? undefined : { ttl: ttlMs })
    },
    get size() {
      return lru.size
    },
    clear: () => lru.clear(),
  }
}
