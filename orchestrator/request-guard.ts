/**
 * Keeps other web pages from changing the orchestrator through the operator's browser. With no
 * API key (the default) nothing else stands between a page the operator visits and
 * `POST /events/...`, and even with a key the checks cost nothing. For every state-changing
 * request (anything but GET, HEAD and OPTIONS):
 *
 * - the body must be `Content-Type: application/json` (415 otherwise): a page can only send
 *   text/plain, form or multipart bodies without asking CORS first, and we never answer CORS;
 * - a browser request (one carrying `Origin` or `Sec-Fetch-Site`) must come from our own origin:
 *   `Sec-Fetch-Site` other than `same-origin` (or `none`, typed by the person) and an `Origin`
 *   whose host differs from `Host` are refused with 403;
 * - a browser request must name an allowed host. DNS rebinding makes an attacker's name point
 *   at this server, so the page's `Origin` then matches `Host`; only the host name tells them
 *   apart. IP addresses and `localhost` cannot be rebound and are always allowed; other names
 *   must be listed in ALLOWED_HOSTS, unless API_KEY is set (a rebound page has no key) and
 *   ALLOWED_HOSTS is empty. `*` allows any name.
 *
 * Clients that are not browsers (the proxy, curl) send neither header and pass the browser
 * checks; the API key stays the real gate for them.
 *
 * @example
 * app.use('*', createRequestGuard({ allowedHosts: ['dash.example.com'], apiKeySet: false }))
 */
import { isIP } from 'node:net'
import type { MiddlewareHandler } from 'hono'
import { HttpError } from '../lib/http-error.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const SAME_ORIGIN_FETCH_SITES = new Set(['same-origin', 'none'])

export interface RequestGuardOptions {
  /** Host names (lowercase, no port) browsers may use for changes; `*` allows any. */
  allowedHosts: readonly string[]
  /** Whether API_KEY is set: then any host name is allowed while allowedHosts is empty. */
  apiKeySet: boolean
}

export function createRequestGuard(opts: RequestGuardOptions): MiddlewareHandler {
  const listed = new Set(opts.allowedHosts.map((h) => h.toLowerCase()))
  const anyHost = listed.has('*') || (listed.size === 0 && opts.apiKeySet)
  return async function requestGuard(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next()
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase()
    const origin = c.req.header('origin')
    const fetchSite = c.req.header('sec-fetch-site')?.toLowerCase()

    if (fetchSite !== undefined && !SAME_ORIGIN_FETCH_SITES.has(fetchSite)) {
      throw crossSite(`Sec-Fetch-Site: ${fetchSite.slice(0, 40)}`)
    }
    if (origin !== undefined && originHost(origin) !== host) {
      throw crossSite('the Origin header is not this server')
    }
    if ((origin !== undefined || fetchSite !== undefined) && !anyHost) {
      const name = hostName(host)
      if (!isLoopbackOrIp(name) && !listed.has(name)) {
        throw new HttpError(
          403,
          'host not allowed',
          `browsers may change settings only through an IP address, localhost or a name in ALLOWED_HOSTS (got ${JSON.stringify(name.slice(0, 100))})`,
        )
      }
    }
    if (
      needsJsonBody(c.req.method, c.req.header('content-length'), c.req.header('transfer-encoding'))
    ) {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
      if (type !== 'application/json') {
        throw new HttpError(
          415,
          'unsupported media type',
          'send the body as JSON with Content-Type: application/json',
        )
      }
    }
    return next()
  }
}

function crossSite(detail: string): HttpError {
  return new HttpError(403, 'cross-site request refused', detail)
}

/** `host[:port]` of an Origin header, lowercase; undefined for `null` and anything unparsable. */
function originHost(origin: string): string | undefined {
  if (!URL.canParse(origin)) return undefined
  const u = new URL(origin)
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.host.toLowerCase() : undefined
}

/** The name part of a Host header: `[::1]:8000` -> `::1`, `a.b:8000` -> `a.b`. */
function hostName(host: string): string {
  if (host.startsWith('['))
    return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined)
  const colon = host.lastIndexOf(':')
  return colon >= 0 ? host.slice(0, colon) : host
}

function isLoopbackOrIp(name: string): boolean {
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')
}

/** POST, PUT and PATCH always carry a body here; a DELETE (or other verb) only when it sends one. */
function needsJsonBody(method: string, length?: string, transferEncoding?: string): boolean {
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') return true
  return (length !== undefined && length !== '0') || transferEncoding !== undefined
}
