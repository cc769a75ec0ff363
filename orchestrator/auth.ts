import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { HttpError } from '../lib/http-error.ts'

/** Methods that only read; everything else changes state and needs the key. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Guards every state-changing request when `apiKey` is set. Accepts both
 * `Authorization: Bearer <key>` and `X-API-KEY: <key>` (older dashboards send the latter, and
 * refusing it would lock them out). Keys are compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length leaks through timing.
 *
 * @example
 * app.use('*', createApiKeyGuard(config.API_KEY))
 */
export function createApiKeyGuard(apiKey: string | undefined): MiddlewareHandler {
  const expected = apiKey ? digest(apiKey) : undefined
  return async function apiKeyGuard(c, next) {
    if (!expected || SAFE_METHODS.has(c.req.method)) return next()
    const given = presentedKey(c.req.header('authorization'), c.req.header('x-api-key'))
    if (given === undefined) {
      throw new HttpError(
        401,
        'missing API key',
        'send Authorization: Bearer <API_KEY> or X-API-KEY: <API_KEY>',
        { 'WWW-Authenticate': 'Bearer' },
      )
    }
    if (!timingSafeEqual(digest(given), expected)) {
      throw new HttpError(401, 'invalid API key', undefined, { 'WWW-Authenticate': 'Bearer' })
    }
    return next()
  }
}

/**
 * Whether the request may see what only key holders see (engine command and stat URLs): always
 * when no key is set, else only with the right key.
 */
export function hasApiKey(apiKey: string | undefined, c: Context): boolean {
  if (!apiKey) return true
  return isValidApiKey(
    apiKey,
    presentedKey(c.req.header('authorization'), c.req.header('x-api-key')),
  )
}

/** True when `given` matches `apiKey` (constant time); for in-process callers such as the panel. */
export function isValidApiKey(apiKey: string | undefined, given: string | undefined): boolean {
  if (!apiKey) return true
  if (given === undefined) return false
  return timingSafeEqual(digest(given), digest(apiKey))
}

function presentedKey(authorization?: string, xApiKey?: string): string | undefined {
  const m = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null
  if (m?.[1]) return m[1].trim()
  if (xApiKey?.trim()) return xApiKey.trim()
  return undefined
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}
