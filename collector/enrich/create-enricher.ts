import { setMaxListeners } from 'node:events'
import type { ResolvedSettings } from '../../lib/settings.ts'
import type { Logger } from '../../lib/log.ts'
import { classifyAddress, normalizeAddress } from '../ip.ts'
import { withDeadline } from '../../lib/deadline.ts'
import type { PeerEnricher, PeerView } from '../types.ts'
import type { ENRICH_SETTINGS } from './settings.ts'
import { loadGeoIp, type GeoFields, type GeoIp } from './geoip.ts'
import { createWebGeoApi, type WebGeoApi } from './web-geo-api.ts'
import type { TieredCache } from '../cache/tiered-cache.ts'
import { peerKey } from '../../lib/contract/keys.ts'
import { createClientIdentifier, type ClientIdentifier } from './client-identifier.ts'
import { createMemoryTtlCache, type TtlCache } from './ttl-cache.ts'

export type EnrichSettings = ResolvedSettings<typeof ENRICH_SETTINGS>

export interface PeerEnricherOptions {
  settings: EnrichSettings
  log?: Logger
  /** An already loaded GeoIP (tests share one); default: loaded here when GEOIP_ENABLED. */
  geoIp?: GeoIp | null
  /**
   * The collector's two-tier geolocation cache (`cache.createGeoCache(validateGeoFields)`):
   * web geolocation answers are kept there (memory + Redis,
   * 1 h) so a restart does not spend the web API's budget again. Offline answers stay in the
   * in-process cache below: a microsecond lookup gains nothing from a Redis round trip.
   */
  webGeoCache?: TieredCache<GeoFields>
  /**
   * Handshake peers here to identify clients (default: CLIENT_ID_ENABLED). The collector turns
   * it off because discovery's peer wire already handshakes every peer it finds and puts the
   * client on the peer; doing it here too would knock twice.
   */
  identifyClients?: boolean
}

/** A cached geolocation; `source: 'none'` remembers that nobody knew the address. */
interface GeoEntry {
  source: 'offline' | 'web' | 'none'
  fields: GeoFields
}

/** How long "the web API did not know it either" is remembered, so it is not asked per answer. */
const WEB_MISS_TTL_MS = 5 * 60_000
/** Left of the deadline for building and sending the answer itself. */
const ANSWER_MARGIN_MS = 5

/**
 * The collector's PeerEnricher: offline geolocation for the first MAX_PEERS_TO_ENRICH peers
 * (private, loopback and reserved ones only get `address_class`), the opt-in web fallback for
 * public addresses the offline data misses, and client identification by handshake. Waits no
 * longer than `deadline`; peers past the limit are returned as they came.
 *
 * @example
 * const enricher = createPeerEnricher({ settings: config })
 * const peers = await enricher.enrich(found, { infohash, deadline: Date.now() + 1500 })
 */
export function createPeerEnricher(options: PeerEnricherOptions): PeerEnricher {
  const { settings, log } = options
  const started = Date.now()
  const geoIp =
    options.geoIp !== undefined
      ? options.geoIp
      : settings.GEOIP_ENABLED
        ? loadGeoIp({ ipv6: settings.GEOIP_IPV6 })
        : null
  if (geoIp) {
    for (const db of geoIp.databases())
      if (!db.available) log?.warn('GeoIP database unavailable', { name: db.name, error: db.error })
    log?.debug('GeoIP loaded', { ms: Date.now() - started })
  }
  // One-line switch point to the two-tier cache; memory is right for synchronous lookups.
  const geoCache: TtlCache<GeoEntry> = createMemoryTtlCache<GeoEntry>({
    max: 50_000,
    ttlMs: settings.GEOIP_CACHE_TTL_SECONDS * 1000,
  })
  const webApi: WebGeoApi | null = settings.GEO_WEB_API_URL
    ? createWebGeoApi({
        url: settings.GEO_WEB_API_URL,
        concurrency: settings.GEO_WEB_API_CONCURRENCY,
        timeoutMs: settings.GEO_WEB_API_TIMEOUT_MS,
        ratePerMinute: settings.GEO_WEB_API_RATE_PER_MINUTE,
      })
    : null
  const webCache = webApi ? options.webGeoCache : undefined
  /** One web answer: from the shared cache, else the API (a miss or failure is not stored). */
  const webLookup = (ip: string): Promise<GeoFields | undefined> => {
    if (!webApi) return Promise.resolve(undefined)
    if (!webCache) return webApi.lookup(ip, stop.signal)
    return webCache
      .getOrCompute(ip, async () => {
        const fields = await webApi.lookup(ip, stop.signal)
        if (!fields) throw new Error('no web geolocation')
        return fields
      })
      .then(
        (r) => r.value,
        () => undefined,
      )
  }
  const webInFlight = new Map<string, Promise<void>>()
  // Moves when a web answer lands: answers enriched before it lack that place.
  let version = 0
  const clients: ClientIdentifier | null =
    (options.identifyClients ?? settings.CLIENT_ID_ENABLED)
      ? createClientIdentifier({
          concurrency: settings.CLIENT_ID_CONCURRENCY,
          timeoutMs: settings.CLIENT_ID_TIMEOUT_MS,
          cacheTtlMs: settings.CLIENT_ID_CACHE_SECONDS * 1000,
          negativeTtlMs: settings.CLIENT_ID_NEGATIVE_CACHE_SECONDS * 1000,
          maxQueued: Math.max(64, settings.MAX_PEERS_TO_ENRICH * 4),
        })
      : null
  const stop = new AbortController()
  // Every web lookup listens on this one signal; the default cap of 10 would warn.
  setMaxListeners(0, stop.signal)
  const stats = { answers: 0, peers_enriched: 0, geo_cache_hits: 0, geo_offline_misses: 0 }

  /** Offline answer for a public address (cached); undefined when the data has no place. */
  const geolocate = (ip: string): GeoEntry => {
    const hit = geoCache.get(ip)
    if (hit) {
      stats.geo_cache_hits++
      return hit
    }
    const fields = geoIp?.lookup(ip)
    const entry: GeoEntry = fields?.country_code
      ? { source: 'offline', fields }
      : { source: 'none', fields: fields ?? {} }
    if (entry.source === 'none') stats.geo_offline_misses++
    // A miss is cached only when no web fallback could still fill it.
    if (entry.source === 'offline' || !webApi) geoCache.set(ip, entry)
    return entry
  }

  const askWeb = (ip: string, offline: GeoFields): Promise<void> => {
    let task = webInFlight.get(ip)
    if (!task && webApi) {
      task = webLookup(ip)
        .then((fields) => {
          // The offline ASN (if any) stays; the web answer fills the place.
          if (fields) {
            geoCache.set(ip, { source: 'web', fields: { ...fields, ...pickAsn(offline) } })
            version++
          } else geoCache.set(ip, { source: 'none', fields: offline }, WEB_MISS_TTL_MS)
        })
        .finally(() => webInFlight.delete(ip))
      webInFlight.set(ip, task)
    }
    return task ?? Promise.resolve()
  }

  const enrich: PeerEnricher['enrich'] = async function enrich(peers, { infohash, deadline }) {
    stats.answers++
    const limit = Math.min(peers.length, settings.MAX_PEERS_TO_ENRICH)
    const head = peers.slice(0, limit)
    const until = deadline - ANSWER_MARGIN_MS
    const addresses = head.map((p) => normalizeAddress(p.ip) ?? p.ip)
    const classes = addresses.map((ip) => classifyAddress(ip))

    const webWaits: Array<Promise<void>> = []
    if (webApi)
      addresses.forEach((ip, i) => {
        if (classes[i] !== 'public') return
        const entry = geolocate(ip)
        if (entry.source === 'none') webWaits.push(askWeb(ip, entry.fields))
      })
    const clientsKnown = clients
      ? clients.identify(
          head.map((p, i) => ({ ip: addresses[i] as string, port: p.port })),
          { infohash, deadline: until },
        )
      : Promise.resolve(new Map())
    if (webWaits.length) await raceDeadline(Promise.all(webWaits), until)
    const known = await clientsKnown

    const out: PeerView[] = head.map((peer, i) => {
      const ip = addresses[i] as string
      const cls = classes[i] as string
      const view: PeerView = { ...peer, address_class: cls }
      if (cls === 'public') Object.assign(view, geolocate(ip).fields)
      const c = known.get(peerKey({ ip, port: peer.port }))
      if (c?.ok) {
        if (c.client !== undefined) view.client = c.client
        if (c.client_version !== undefined) view.client_version = c.client_version
        if (c.progress !== undefined) view.progress = c.progress
      }
      return view
    })
    stats.peers_enriched += out.length
    return out.concat(peers.slice(limit).map((p): PeerView => ({ ...p })))
  }

  return {
    enrich,
    version: () => version,
    // /health spreads this: GeoIP availability at the top, the details under `enrichment`.
    health: () => {
      const databases = geoIp?.databases() ?? []
      return {
        geoip_available: databases.some((d) => d.available),
        enrichment: {
          max_peers_to_enrich: settings.MAX_PEERS_TO_ENRICH,
          geoip: {
            enabled: geoIp !== null,
            databases,
            cache_entries: geoCache.size,
            cache_ttl_seconds: settings.GEOIP_CACHE_TTL_SECONDS,
          },
          web_api: webApi
            ? { ...webApi.health(), shared_cache: Boolean(webCache) }
            : { enabled: false },
          client_id: clients ? clients.health() : { enabled: false },
          ...stats,
        },
      }
    },
    async close() {
      stop.abort()
      clients?.close()
      await Promise.allSettled([...webInFlight.values()])
    },
  }
}

function pickAsn(f: GeoFields): GeoFields {
  const out: GeoFields = {}
  if (f.asn !== undefined) out.asn = f.asn
  if (f.isp !== undefined) out.isp = f.isp
  return out
}

async function raceDeadline(work: Promise<unknown>, until: number): Promise<void> {
  const wait = until - Date.now()
  if (wait <= 0) return
  await withDeadline(work, wait, { onTimeout: () => undefined })
}
