import { bool, defineSettings, int, optional, url } from '../../lib/settings.ts'

/** Enrichment settings of the collector; composed into collector/config.ts. */
export const ENRICH_SETTINGS = defineSettings({
  MAX_PEERS_TO_ENRICH: {
    default: '50',
    doc: 'Peers per answer that get geolocation and client identification',
    parse: int({ min: 0, max: 1000 }),
  },
  ENRICH_WAIT_MS: {
    default: '0',
    doc: 'How long enrichment may hold an answer (ms; never past the discovery wait); 0: never, what is not known yet (web geolocation, handshakes) appears on later answers',
    parse: int({ min: 0, max: 30000 }),
  },
  GEOIP_ENABLED: {
    default: 'true',
    doc: 'Geolocate peers offline (DB-IP city lite, ASN): the databases are read from disk, at most 10 MB of them held in memory',
    parse: bool,
  },
  GEOIP_IPV6: {
    default: 'true',
    doc: 'Also use the IPv6 city database (opened on the first IPv6 peer); without it IPv6 peers get only asn/isp',
    parse: bool,
  },
  GEOIP_CACHE_TTL_SECONDS: {
    default: '3600',
    doc: "How long one address's geolocation is kept in the cache (seconds)",
    parse: int({ min: 0, max: 604800 }),
  },
  GEO_WEB_API_URL: {
    default: undefined,
    doc: 'Opt-in web geolocation fallback for public addresses the offline data lacks, e.g. https://ipwhois.app/json/{ip} (sends those addresses to that service); unset = off',
    parse: optional(url()),
  },
  GEO_WEB_API_CONCURRENCY: {
    default: '2',
    doc: 'Web geolocation requests in flight at once',
    parse: int({ min: 1, max: 32 }),
  },
  GEO_WEB_API_TIMEOUT_MS: {
    default: '3000',
    doc: 'Timeout of one web geolocation request (ms)',
    parse: int({ min: 100, max: 60000 }),
  },
  GEO_WEB_API_RATE_PER_MINUTE: {
    default: '40',
    doc: 'At most this many web geolocation requests per minute (the free services limit callers)',
    parse: int({ min: 1, max: 10000 }),
  },
  CLIENT_ID_ENABLED: {
    default: 'true',
    doc: 'Try every discovered peer with a BitTorrent handshake in the background: reachable or not, client (peer id, extension handshake), progress, and the PEX connections',
    parse: bool,
  },
  CLIENT_ID_CONCURRENCY: {
    default: '16',
    doc: 'Handshakes in flight at once',
    parse: int({ min: 1, max: 256 }),
  },
  CLIENT_ID_TIMEOUT_MS: {
    default: '2500',
    doc: 'Time one handshake may take, connect included (ms)',
    parse: int({ min: 100, max: 30000 }),
  },
  CLIENT_ID_CACHE_SECONDS: {
    default: '600',
    doc: 'How long an identified client (per peer address, port and infohash) is remembered',
    parse: int({ min: 0, max: 86400 }),
  },
  CLIENT_ID_NEGATIVE_CACHE_SECONDS: {
    default: '120',
    doc: 'How long a peer that refused or timed out is left alone (listed reachable: false) before trying again (seconds)',
    parse: int({ min: 0, max: 86400 }),
  },
})
