/**
 * Prometheus metrics both services share: a registry per service (never prom-client's global
 * one, so two services or two tests in one process keep their figures apart) with the default
 * process metrics, the optional `METRICS_TOKEN`, and the `GET /metrics` handler.
 *
 * @example
 * const metrics = createMetricsRegistry('collector_')
 * new Gauge({ name: 'collector_dht_nodes', help: '...', registers: [metrics], collect() { ... } })
 * app.get('/metrics', createMetricsHandler(metrics, config.METRICS_TOKEN))
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { HttpError } from './http-error.ts'
import { defineSettings, optional, text } from './settings.ts'

/** Settings every service with `/metrics` reads. */
export const METRICS_SETTINGS = defineSettings({
  METRICS_TOKEN: {
    default: undefined,
    doc: 'When set, GET /metrics needs Authorization: Bearer <token> (give Prometheus the same token)',
    parse: optional(text),
    secret: true,
  },
})

/** A registry with Node's process metrics (CPU, memory, event loop lag, GC) under `prefix`. */
export function createMetricsRegistry(prefix: string): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix })
  return registry
}

/** Buckets (seconds) for work that takes milliseconds to tens of seconds. */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * `GET /metrics` in the Prometheus text format. With a token, a request without the right
 * `Authorization: Bearer` gets 401 (compared as digests, so timing says nothing of the token).
 */
export function createMetricsHandler(registry: Registry, token: string | undefined) {
  const expected = token ? digest(token) : undefined
  return async function metricsHandler(c: Context): Promise<Response> {
    if (expected) {
      const m = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization')?.trim() ?? '')
      if (!m?.[1] || !timingSafeEqual(digest(m[1].trim()), expected)) {
        throw new HttpError(
          401,
          'metrics token required',
          'send Authorization: Bearer <METRICS_TOKEN>',
          {
            'WWW-Authenticate': 'Bearer',
          },
        )
      }
    }
    const body = await registry.metrics()
    return c.body(body, 200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' })
  }
}

/** A peer or collector URL may hold a password: labels keep only scheme, host and port. */
export function safeUrlLabel(raw: string): string {
  try {
    const u = new URL(raw)
    return `${u.protocol}//${u.host}`
  } catch {
    return 'invalid'
  }
}

/** Reads a number out of a loosely typed health object; anything else is undefined. */
export function figure(obj: unknown, ...path: string[]): number | undefined {
  let v: unknown = obj
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string, unknown>)[key]
  }
  if (typeof v === 'boolean') return v ? 1 : 0
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}
