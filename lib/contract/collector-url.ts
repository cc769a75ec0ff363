/**
 * Collector base URLs as every process checks them: the orchestrator's settings, its health
 * probe, and the settings form. A base URL is `http(s)://host[:port][/path]` and nothing else:
 * userinfo would be a secret to echo, and a query or fragment would turn `<base>/health` into a
 * request for another path (`http://x/secret?a=` + `/health` asks for `/secret`).
 * Browser-safe: no imports.
 *
 * @example
 * parseCollectorUrl('http://gluetun:8080/') // 'http://gluetun:8080'
 */

/** Longest collector URL accepted. */
export const MAX_COLLECTOR_URL_LENGTH = 2048

/** Collectors one setting may list (one per VPN; each is asked for every peers request). */
export const MAX_COLLECTORS = 8

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
