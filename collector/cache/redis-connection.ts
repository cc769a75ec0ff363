import { Redis } from '@upstash/redis'
import type { Logger } from '../../lib/log.ts'
import { createRedisRequester } from './redis-requester.ts'

/** Where Redis is: an Upstash-compatible REST endpoint, or a Redis server over TCP. */
export type RedisTarget =
  { kind: 'rest'; url: string; token: string } | { kind: 'tcp'; url: string }

export interface RedisConnectionOptions {
  /** One command (or pipeline) that takes longer fails; the cache bounds its own waits too. */
  commandTimeoutMs?: number
  log?: Logger
}

export interface RedisConnection {
  /** The @upstash/redis client, whichever transport is underneath. */
  redis: Redis
  kind: RedisTarget['kind']
  /** The target without credentials, safe for logs and /health. */
  label: string
  close(): Promise<void>
}

/**
 * One `@upstash/redis` client for either transport: REST natively, `redis://` through
 * {@link createRedisRequester}. Neither retries inside a command: the cache decides what a
 * failure means (degrade to memory, probe, recover), so a dead Redis costs one short timeout.
 *
 * @example
 * const conn = createRedisConnection({ kind: 'tcp', url: 'redis://127.0.0.1:6379' })
 * await conn.redis.ping()
 * await conn.close()
 */
export function createRedisConnection(
  target: RedisTarget,
  options: RedisConnectionOptions = {},
): RedisConnection {
  const timeoutMs = options.commandTimeoutMs ?? 1000
  const label = redactUrl(target.url)
  if (target.kind === 'rest') {
    const redis = new Redis({
      url: target.url,
      token: target.token,
      // Defaults would retry 5 times with exponential backoff (seconds of waiting per read).
      retry: false,
      // A fresh signal per request: a hung endpoint is cut off after timeoutMs.
      signal: () => AbortSignal.timeout(timeoutMs),
      enableTelemetry: false,
      enableAutoPipelining: false,
    })
    return { redis, kind: 'rest', label, close: async () => {} }
  }
  const requester = createRedisRequester({
    url: target.url,
    commandTimeoutMs: timeoutMs,
    ...(options.log ? { log: options.log } : {}),
  })
  return {
    redis: new Redis(requester),
    kind: 'tcp',
    label,
    close: () => requester.close(),
  }
}

/** `redis://user:secret@host:6379/0` -> `redis://host:6379/0`. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return '(invalid url)'
  }
}
