import PQueue from 'p-queue'
import { classifyAddress } from '../ip.ts'
import { countryName, type GeoFields } from './geoip.ts'

export interface WebGeoApiOptions {
  /** `{ip}` is replaced by the address; without it the address is appended as a path segment. */
  url: string
  concurrency: number
  timeoutMs: number
  ratePerMinute: number
}

export interface WebGeoApi {
  /** Resolves undefined when the address is not public, the budget is spent, or the call fails. */
  lookup(ip: string, signal?: AbortSignal): Promise<GeoFields | undefined>
  health(): Record<string, unknown>
}

type Json = Record<string, unknown>

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)
const num = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() && Number.isFinite(Number(v))
      ? Number(v)
      : undefined

/** "AS15169", "AS15169 Google LLC" or 15169 -> 15169. */
function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  const m = /^AS?(\d+)/i.exec(str(v) ?? '')
  return m ? Number(m[1]) : undefined
}

/**
 * Maps the common free services' shapes (ipwhois.app, ip-api.com, ipapi.co) onto our fields.
 * Exported for tests; anything missing stays absent.
 */
export function mapWebGeoAnswer(body: Json): GeoFields | undefined {
  if (body.success === false || body.status === 'fail' || body.error === true) return undefined
  const connection = (typeof body.connection === 'object' && body.connection) as Json | false
  const tz = body.timezone
  const code = str(body.country_code) ?? str(body.countryCode)
  const out: GeoFields = {
    country_code: code?.toUpperCase(),
    country: str(body.country_name) ?? str(body.country) ?? (code && countryName(code)),
    region: str(body.region) ?? str(body.regionName),
    city: str(body.city),
    latitude: num(body.latitude) ?? num(body.lat),
    longitude: num(body.longitude) ?? num(body.lon),
    timezone: str(tz) ?? (typeof tz === 'object' && tz ? str((tz as Json).id) : undefined),
    isp: str(body.isp) ?? (connection ? str(connection.isp) : undefined) ?? str(body.org),
    asn:
      asNumber(body.asn) ??
      (connection ? asNumber(connection.asn) : undefined) ??
      asNumber(body.as),
  }
  for (const k of Object.keys(out) as Array<keyof GeoFields>)
    if (out[k] === undefined) delete out[k]
  return Object.keys(out).length ? out : undefined
}

const GEO_STRINGS = ['country', 'country_code', 'city', 'region', 'timezone', 'isp'] as const
const GEO_NUMBERS = ['latitude', 'longitude', 'asn'] as const

/** Accepts a stored GeoFields (e.g. read back from Redis), keeping only well-typed fields. */
export function validateGeoFields(value: unknown): GeoFields | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  const out: Record<string, string | number> = {}
  for (const k of GEO_STRINGS) if (typeof v[k] === 'string') out[k] = v[k]
  for (const k of GEO_NUMBERS) if (typeof v[k] === 'number' && Number.isFinite(v[k])) out[k] = v[k]
  return Object.keys(out).length ? (out as GeoFields) : undefined
}

/**
 * Opt-in web geolocation fallback (off unless GEO_WEB_API_URL is set). Used only for public
 * addresses the offline data does not cover, because each call sends a peer's address to a
 * third party. Bounded three ways: requests in flight, a per-minute budget (the free services
 * ban callers that exceed theirs), and a timeout per request.
 *
 * @example
 * const api = createWebGeoApi({ url: 'https://ipwhois.app/json/{ip}', concurrency: 2,
 *   timeoutMs: 3000, ratePerMinute: 40 })
 * await api.lookup('8.8.8.8', AbortSignal.timeout(1000)) // { country: 'United States', ... }
 */
export function createWebGeoApi(options: WebGeoApiOptions): WebGeoApi {
  const stats = { requests: 0, failures: 0, rate_limited: 0, refused_non_public: 0 }
  const queue = new PQueue({ concurrency: options.concurrency })
  // Token bucket refilled continuously: ratePerMinute tokens per 60 s, burst of one minute's worth.
  let tokens = options.ratePerMinute
  let refilledAt = Date.now()

  const takeToken = (): boolean => {
    const now = Date.now()
    tokens = Math.min(
      options.ratePerMinute,
      tokens + ((now - refilledAt) * options.ratePerMinute) / 60_000,
    )
    refilledAt = now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }

  const urlFor = (ip: string) =>
    options.url.includes('{ip}')
      ? options.url.replaceAll('{ip}', encodeURIComponent(ip))
      : `${options.url}/${encodeURIComponent(ip)}`

  async function request(ip: string, signal?: AbortSignal): Promise<GeoFields | undefined> {
    try {
      if (!takeToken()) {
        stats.rate_limited++
        return undefined
      }
      stats.requests++
      const timeout = AbortSignal.timeout(options.timeoutMs)
      const res = await fetch(urlFor(ip), {
        headers: { accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
      if (!res.ok) throw new Error(`status ${res.status}`)
      const body = (await res.json()) as unknown
      if (!body || typeof body !== 'object') throw new Error('answer is not a JSON object')
      return mapWebGeoAnswer(body as Json)
    } catch {
      stats.failures++
      return undefined
    }
  }

  return {
    health: () => ({ enabled: true, in_flight: queue.pending, queued: queue.size, ...stats }),
    async lookup(ip, signal) {
      // The guard that keeps private, loopback and reserved addresses inside the process.
      if (classifyAddress(ip) !== 'public') {
        stats.refused_non_public++
        return undefined
      }
      if (signal?.aborted) return undefined
      // A lookup given up while it waits for a slot leaves the queue without a request.
      return queue.add(() => request(ip, signal), { signal }).catch(() => undefined)
    },
  }
}
