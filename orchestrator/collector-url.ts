/**
 * Collector base URLs: the one place they are checked and the one place request URLs are built
 * from them. A base URL is `http(s)://host[:port][/path]` and nothing else: userinfo would be a
 * secret to echo, and a query or fragment would turn `<base>/health` into a request for another
 * path (`http://x/secret?a=` + `/health` asks for `/secret`). Request URLs are built with `URL`,
 * never by string concatenation.
 *
 * @example
 * const base = parseCollectorUrl('http://gluetun:8080/') // 'http://gluetun:8080'
 * collectorRequestUrl(base, ['health']).href // 'http://gluetun:8080/health'
 */

/** Longest collector URL accepted. */
export const MAX_COLLECTOR_URL_LENGTH = 2048

export class CollectorUrlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CollectorUrlError'
  }
}

// Scheme, then an authority with no userinfo, then an optional path; no query, no fragment,
// no whitespace or backslash (which WHATWG URLs read as a slash).
const SHAPE = /^https?:\/\/[^\s/\\?#@]+(?:\/[^\s\\?#]*)?$/i

/**
 * Checks a collector base URL and returns it normalised (`origin` + path, no trailing slash).
 * Throws a CollectorUrlError whose message never repeats the URL, since it may hold a password.
 */
export function parseCollectorUrl(raw: string): string {
  const s = raw.trim()
  if (s.length > MAX_COLLECTOR_URL_LENGTH)
    throw new CollectorUrlError(`longer than ${MAX_COLLECTOR_URL_LENGTH} characters`)
  if (!/^https?:\/\//i.test(s)) throw new CollectorUrlError('expected an http or https URL')
  const authority = /^https?:\/\/([^/?#]*)/i.exec(s)?.[1] ?? ''
  if (authority.includes('@'))
    throw new CollectorUrlError('must not contain a user name or password')
  if (s.includes('?')) throw new CollectorUrlError('must not contain a query (?...)')
  if (s.includes('#')) throw new CollectorUrlError('must not contain a fragment (#...)')
  if (!SHAPE.test(s) || !URL.canParse(s))
    throw new CollectorUrlError('expected an http or https URL such as http://gluetun:8080')
  const u = new URL(s)
  if (!u.hostname) throw new CollectorUrlError('expected a host name')
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
}

/** Collectors one setting may list (one per VPN; each is asked for every peers request). */
export const MAX_COLLECTORS = 8

/**
 * Checks a comma-separated list of collector base URLs (`PEER_COLLECTOR_URL` may name one
 * collector per VPN) and returns them normalised, duplicates dropped, in the order given. A comma
 * always separates URLs; one inside a path must be written `%2C`. Errors name the item by its
 * position, never by its text.
 *
 * @example
 * parseCollectorUrlList('http://gluetun:8080, http://gluetun-2:8080/')
 * // ['http://gluetun:8080', 'http://gluetun-2:8080']
 */
export function parseCollectorUrlList(raw: string): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (items.length === 0) throw new CollectorUrlError('expected at least one http or https URL')
  if (items.length > MAX_COLLECTORS)
    throw new CollectorUrlError(`at most ${MAX_COLLECTORS} collector URLs, got ${items.length}`)
  const out: string[] = []
  items.forEach((item, i) => {
    let url: string
    try {
      url = parseCollectorUrl(item)
    } catch (err) {
      if (!(err instanceof CollectorUrlError) || items.length === 1) throw err
      throw new CollectorUrlError(`URL ${i + 1} of ${items.length}: ${err.message}`)
    }
    if (!out.includes(url)) out.push(url)
  })
  return out
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
