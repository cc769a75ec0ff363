/**
 * Which of a magnet's own trackers (`tr=`) the collector may contact. The magnet comes from
 * outside, so its tracker list is checked like peer addresses are: UDP and HTTP(S) only, at most
 * MAX_STREAM_TRACKERS, and a host on a private, loopback or link-local network only when
 * `allowPrivate` says so (otherwise a magnet could make the collector probe the VPN's internal
 * network). Everything not used is reported with the reason, never contacted.
 *
 * Host names are resolved once here (all addresses; any address outside the allowed classes
 * refuses the tracker). A UDP tracker is then contacted at the address checked, so a name that
 * resolves differently a moment later cannot slip past; an HTTP(S) tracker keeps its name (TLS
 * and virtual hosts need it), which leaves a short DNS-rebinding window, and the tracker library
 * follows HTTP redirects without asking us; both are accepted and documented in the README.
 *
 * @example
 * const { usable, rejected } = await admitStreamTrackers(id.trackers, { allowPrivate: false })
 * registry.query(infohash, { waitMs, streamTrackers: usable })
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { LRUCache } from 'lru-cache'
import { withDeadline } from '../../lib/deadline.ts'
import { classifyAddress } from '../ip.ts'
import type { TrackerState } from '../types.ts'

/** A stream tracker that passed: `url` as the magnet gave it, `connectUrl` what is contacted. */
export interface StreamTracker {
  url: string
  connectUrl: string
}

export interface AdmitOptions {
  allowPrivate: boolean
  /** Replaceable for tests; default: the system resolver, all addresses. */
  resolve?: (host: string) => Promise<string[]>
}

/** Trackers taken from one magnet; real AceStream magnets carry one to a few. */
export const MAX_STREAM_TRACKERS = 16
/** Unused magnet trackers listed in an answer at most. */
const MAX_REPORTED_REJECTS = 16
/** A resolver that has not answered by then counts as a failure; the request must not hang. */
const RESOLVE_TIMEOUT_MS = 2000
/** Resolved names are kept this long, so a magnet asked every few seconds is not resolved each time. */
const RESOLVE_CACHE_TTL_MS = 60_000
const SCHEMES = new Set(['udp:', 'http:', 'https:'])
const PRIVATE_CLASSES = new Set(['private', 'loopback', 'link-local'])

const resolved = new LRUCache<string, string[]>({ max: 1000, ttl: RESOLVE_CACHE_TTL_MS })

async function systemResolve(host: string): Promise<string[]> {
  const hit = resolved.get(host)
  if (hit) return hit
  const all = await withDeadline(
    dnsLookup(host, { all: true, verbatim: true }),
    RESOLVE_TIMEOUT_MS,
    {
      message: 'timed out',
    },
  )
  const addrs = all.map((a) => a.address)
  resolved.set(host, addrs)
  return addrs
}

/** Checks a magnet's trackers; `usable` keeps the magnet's order, `rejected` says why not. */
export async function admitStreamTrackers(
  urls: string[],
  opts: AdmitOptions,
): Promise<{ usable: StreamTracker[]; rejected: TrackerState[] }> {
  const usable: StreamTracker[] = []
  const rejected: TrackerState[] = []
  const resolve = opts.resolve ?? systemResolve
  const seen = new Set<string>()
  // A magnet may list hundreds; the answer reports the first few it did not use.
  const reject = (url: string, status: 'refused' | 'ignored', reason: string) => {
    if (rejected.length < MAX_REPORTED_REJECTS)
      rejected.push({ url: url.slice(0, 512), origin: 'stream', status, reason })
  }

  const checks: Array<Promise<void>> = []
  for (const raw of urls) {
    const url = raw.trim()
    if (!url || seen.has(url)) continue
    seen.add(url)
    let u: URL
    try {
      u = new URL(url)
    } catch {
      reject(url, 'ignored', 'not a valid announce URL')
      continue
    }
    if (u.protocol === 'ws:' || u.protocol === 'wss:') {
      reject(
        url,
        'ignored',
        'WebSocket trackers need WebRTC peers, which the collector cannot reach',
      )
      continue
    }
    if (!SCHEMES.has(u.protocol)) {
      reject(
        url,
        'ignored',
        `unsupported scheme ${u.protocol.slice(0, 16)} (udp, http, https only)`,
      )
      continue
    }
    if (!u.hostname || (u.protocol === 'udp:' && !u.port)) {
      reject(url, 'ignored', 'expected a host and port')
      continue
    }
    if (usable.length + checks.length >= MAX_STREAM_TRACKERS) {
      reject(url, 'ignored', `more than ${MAX_STREAM_TRACKERS} trackers in the magnet`)
      continue
    }
    const slot = usable.length + checks.length
    checks.push(
      admitHost(u, opts.allowPrivate, resolve).then((verdict) => {
        if ('reason' in verdict) reject(url, 'refused', verdict.reason)
        else usable[slot] = { url, connectUrl: verdict.connectUrl }
      }),
    )
  }
  await Promise.all(checks)
  return { usable: usable.filter(Boolean), rejected }
}

async function admitHost(
  u: URL,
  allowPrivate: boolean,
  resolve: (host: string) => Promise<string[]>,
): Promise<{ connectUrl: string } | { reason: string }> {
  const host = u.hostname.replace(/^\[|\]$/g, '')
  let addrs: string[]
  if (isIP(host)) addrs = [host]
  else if (host === 'localhost' || host.endsWith('.localhost'))
    addrs = ['127.0.0.1'] // reserved for loopback (RFC 6761); never asked of a resolver
  else {
    try {
      addrs = await resolve(host)
    } catch (err) {
      return { reason: `host did not resolve: ${err instanceof Error ? err.message : String(err)}` }
    }
    if (addrs.length === 0) return { reason: 'host did not resolve' }
  }
  for (const addr of addrs) {
    const cls = classifyAddress(addr)
    if (cls === 'public') continue
    if (PRIVATE_CLASSES.has(cls) && allowPrivate) continue
    return {
      reason: PRIVATE_CLASSES.has(cls)
        ? `${cls} address ${addr}; set ALLOW_PRIVATE_TRACKERS=true to use it`
        : `${cls} address ${addr}`,
    }
  }
  if (u.protocol !== 'udp:' || isIP(host)) return { connectUrl: u.href }
  const first = addrs[0] as string
  const pinned = new URL(u.href)
  pinned.hostname = first.includes(':') ? `[${first}]` : first
  return { connectUrl: pinned.href }
}
