/**
 * The collector's settings: discovery settings here, cache and enrichment settings from their
 * own modules. The only collector module that reads the environment (through `loadSettings`).
 *
 * @example
 * const config = loadCollectorConfig(process.env) // throws ConfigError naming a bad variable
 */
import { isIP } from 'node:net'
import { LOG_LEVELS } from '../lib/log.ts'
import { METRICS_SETTINGS } from '../lib/metrics.ts'
import {
  bool,
  defineSettings,
  hostPort,
  int,
  list,
  loadSettings,
  oneOf,
  port,
  type ResolvedSettings,
} from '../lib/settings.ts'
import { CACHE_SETTINGS } from './cache/settings.ts'
import { ENRICH_SETTINGS } from './enrich/settings.ts'

/** Announce URLs we can use: UDP and HTTP(S). WebSocket trackers need WebRTC, which we do not ship. */
function trackerUrl(raw: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new Error('expected an announce URL')
  }
  if (!['udp:', 'http:', 'https:'].includes(u.protocol))
    throw new Error('expected a udp://, http:// or https:// announce URL')
  if (!u.hostname || (!u.port && u.protocol === 'udp:')) throw new Error('expected host and port')
  return raw
}

function ipAddress(raw: string | undefined): string {
  if (raw === undefined || isIP(raw) === 0) throw new Error(`expected an IP address, got "${raw}"`)
  return raw
}

export const DISCOVERY_SETTINGS = defineSettings({
  PORT: { default: '8080', doc: 'HTTP port of the collector API', parse: port },
  HOST: {
    default: '0.0.0.0',
    doc: 'Address the HTTP API listens on',
    parse: ipAddress,
  },
  DHT_PORT: { default: '6881', doc: 'UDP port of the DHT node (0 picks a free one)', parse: port },
  DHT_HOST: {
    default: '0.0.0.0',
    doc: 'Address the DHT node binds to',
    parse: ipAddress,
  },
  DHT_BOOTSTRAP: {
    default: 'router.bittorrent.com:6881,dht.transmissionbt.com:6881,router.utorrent.com:6881',
    doc: 'DHT bootstrap nodes, comma-separated host:port (none: no DHT bootstrap)',
    parse: list(hostPort),
  },
  TRACKERS: {
    default:
      'udp://tracker.opentrackr.org:1337/announce,udp://open.demonii.com:1337/announce,udp://tracker.torrent.eu.org:451/announce',
    doc: 'Tracker announce URLs (udp/http/https), comma-separated; "none" for no trackers',
    parse: list(trackerUrl),
  },
  ALLOW_PRIVATE_PEERS: {
    default: 'false',
    doc: 'List private, loopback and link-local peer addresses (LAN setups, local test swarms)',
    parse: bool,
  },
  ALLOW_PRIVATE_TRACKERS: {
    default: 'false',
    doc: "Contact a magnet's own trackers (tr=) on private, loopback and link-local addresses (host names are resolved and checked too); refused ones are listed in the answer",
    parse: bool,
  },
  PEER_DISCOVERY_WAIT_MS: {
    default: '3000',
    doc: 'Longest a cold /peers request waits for first results (it answers sooner: 100 ms after the last new peer, or when the lookup settled) (ms)',
    parse: int({ min: 0, max: 60_000 }),
  },
  MAX_DISCOVERY_WAIT_MS: {
    default: '15000',
    doc: 'Cap for the per-request ?wait= override (ms)',
    parse: int({ min: 0, max: 120_000 }),
  },
  MAX_TRACKED_SWARMS: {
    // Above a dashboard's usual stream count: a swarm dropped while still asked about is looked
    // up again from scratch, so fewer slots than streams means a lookup per request, not per swarm.
    default: '256',
    doc: 'Swarms kept tracked in the background; the least recently asked is dropped first',
    parse: int({ min: 1, max: 10_000 }),
  },
  MAX_PEERS_PER_SWARM: {
    default: '2000',
    doc: 'Peers remembered per swarm (oldest-seen dropped first)',
    parse: int({ min: 1, max: 100_000 }),
  },
  MAX_CONCURRENT_LOOKUPS: {
    default: '16',
    doc: 'Cold lookups running at once; more new swarms wait in the lookup queue',
    parse: int({ min: 1, max: 1000 }),
  },
  MAX_QUEUED_LOOKUPS: {
    default: '256',
    doc: 'New swarms waiting for a lookup (answered at once with discovering: true); beyond it /peers answers 503 with Retry-After',
    parse: int({ min: 0, max: 100_000 }),
  },
  PEER_TTL_SECONDS: {
    default: '1800',
    doc: 'A peer no source (tracker, DHT, PEX, a live connection) mentioned for this long is dropped from the swarm (seconds; never less than three refreshes)',
    parse: int({ min: 1, max: 604_800 }),
  },
  PEX_CONNECTIONS_PER_SWARM: {
    default: '8',
    doc: 'Wire connections kept open per tracked swarm to hear its peers over PEX (0: none; needs CLIENT_ID_ENABLED)',
    parse: int({ min: 0, max: 200 }),
  },
  PEX_MAX_CONNECTIONS: {
    default: '256',
    doc: 'Wire connections kept open for PEX in total',
    parse: int({ min: 0, max: 10_000 }),
  },
  SWARM_REFRESH_SECONDS: {
    default: '120',
    doc: 'How often a tracked swarm re-runs its DHT lookup and re-announces to due trackers (seconds)',
    parse: int({ min: 1, max: 86_400 }),
  },
  TRACKER_MIN_INTERVAL_SECONDS: {
    default: '300',
    doc: 'Shortest time between two announces to one tracker for one swarm (seconds)',
    parse: int({ min: 1, max: 86_400 }),
  },
  SWARM_IDLE_SECONDS: {
    default: '1800',
    doc: 'A swarm nobody asked about for this long stops being tracked (seconds)',
    parse: int({ min: 10, max: 604_800 }),
  },
  LOG_LEVEL: {
    default: 'info',
    doc: 'debug, info, warn, error or silent',
    parse: oneOf(LOG_LEVELS),
  },
})

export const COLLECTOR_SETTINGS = defineSettings({
  ...DISCOVERY_SETTINGS,
  ...CACHE_SETTINGS,
  ...ENRICH_SETTINGS,
  ...METRICS_SETTINGS,
})

export type CollectorConfig = ResolvedSettings<typeof COLLECTOR_SETTINGS>

/** Parses and validates every collector setting; throws ConfigError naming the first bad one. */
export function loadCollectorConfig(env: Record<string, string | undefined>): CollectorConfig {
  // An empty TRACKERS means no trackers (and an empty DHT_BOOTSTRAP no bootstrap), while
  // loadSettings treats empty as unset; say "none" explicitly so the public defaults never apply.
  const given = { ...env }
  for (const name of ['TRACKERS', 'DHT_BOOTSTRAP'])
    if (given[name] !== undefined && given[name]!.trim() === '') given[name] = 'none'
  return loadSettings(COLLECTOR_SETTINGS, given)
}
