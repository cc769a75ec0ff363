import { bool, defineSettings, int, optional, text, url } from '../../lib/settings.ts'

/** Cache settings of the collector; composed into collector/config.ts. */
export const CACHE_SETTINGS = defineSettings({
  CACHE_TTL_SECONDS: {
    default: '30',
    doc: 'How long a peer answer is served from cache (seconds); 0 disables answer caching',
    parse: int({ min: 0, max: 86400 }),
  },
  REDIS_URL: {
    default: undefined,
    doc: 'External Redis as redis://[user:pass@]host:port[/db]; unset uses the bundled one',
    parse: optional(url(['redis:', 'rediss:'])),
  },
  UPSTASH_REDIS_REST_URL: {
    default: undefined,
    doc: 'Upstash-compatible REST endpoint (with UPSTASH_REDIS_REST_TOKEN) instead of REDIS_URL',
    parse: optional(url()),
  },
  UPSTASH_REDIS_REST_TOKEN: {
    default: undefined,
    doc: 'Token for UPSTASH_REDIS_REST_URL',
    parse: optional(text),
    secret: true,
  },
  BUNDLED_REDIS: {
    default: 'true',
    doc: 'With no Redis configured, start a private redis-server on loopback (if the binary exists)',
    parse: bool,
  },
  REDIS_TIMEOUT_MS: {
    default: '150',
    doc: 'Longest a request waits for Redis before answering from memory and marking Redis unavailable (ms); raise it for a remote REST endpoint',
    parse: int({ min: 10, max: 10_000 }),
  },
  REDIS_SERVER_BIN: {
    default: 'redis-server',
    doc: 'The redis-server executable for BUNDLED_REDIS (a bare name is looked up on PATH)',
    parse: text,
  },
  BUNDLED_REDIS_MAX_MEMORY_MB: {
    default: '64',
    doc: 'Memory cap of the bundled redis-server (MB); least recently used keys are evicted',
    parse: int({ min: 1, max: 65536 }),
  },
})
