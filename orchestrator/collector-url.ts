/**
 * Collector base URLs: checked by the shared contract (lib/contract/collector-url.ts, re-exported
 * here, which says what a base URL may hold), and request URLs built from them only here, with
 * `URL`, never by string concatenation.
 *
 * @example
 * const base = parseCollectorUrl('http://gluetun:8080/') // 'http://gluetun:8080'
 * collectorRequestUrl(base, ['health']).href // 'http://gluetun:8080/health'
 */

import {
  CollectorUrlError,
  MAX_COLLECTOR_URL_LENGTH,
  MAX_COLLECTORS,
  parseCollectorUrl,
  parseCollectorUrlList,
} from '../lib/contract/collector-url.ts'

export {
  CollectorUrlError,
  MAX_COLLECTOR_URL_LENGTH,
  MAX_COLLECTORS,
  parseCollectorUrl,
  parseCollectorUrlList,
}

/**
 * The collector URLs of a saved `PEER_COLLECTOR_URL` (already checked when it was saved), in
 * order; empty for null. Unlike parseCollectorUrlList it never throws.
 */
export function splitCollectorUrls(value: string | null): string[] {
  if (!value) return []
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, MAX_COLLECTORS)
}

/** Like redactUrl, for each URL of a comma-separated list. */
export function redactCollectorUrls(value: string | null): string | null {
  if (value === null) return null
  return splitCollectorUrls(value)
    .map((u) => redactUrl(u))
    .join(',')
}

/** Like parseCollectorUrl, but answers undefined instead of throwing. */
export function tryParseCollectorUrl(raw: string): string | undefined {
  try {
    return parseCollectorUrl(raw)
  } catch {
    return undefined
  }
}

/**
 * `<base>/<segment>/<segment>?<query>` with each segment percent-encoded, so an infohash (or
 * anything else) can never add path levels or a query of its own.
 */
export function collectorRequestUrl(
  base: string,
  segments: string[],
  query: Record<string, string> = {},
): URL {
  const u = new URL(parseCollectorUrl(base))
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${segments.map(encodeURIComponent).join('/')}`
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
  return u
}

/**
 * A URL as it may be shown to anyone: user name and password replaced by `***`, query hidden. Text that is
 * not a URL but holds an `@` is hidden whole, since it may be a mistyped secret.
 */
export function redactUrl(raw: string | null): string | null {
  if (raw === null) return null
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return raw.includes('@') ? '***' : raw
  }
  if (!u.username && !u.password && !u.search) return raw
  if (u.username || u.password) {
    u.username = '***'
    u.password = ''
  }
  if (u.search) u.search = '?***'
  return u.href
}
