/**
 * The trackers a stream is known by, and the swarm identifier the collector is asked with. An
 * AceStream broadcast is found mainly through its own trackers (each source runs one), so when a
 * stream's magnet key or its `stream_started` event names trackers, the collector is asked with
 * a magnet carrying them rather than the bare infohash; the collector then announces to them too.
 *
 * @example
 * swarmIdentifier({ key_type: 'infohash', infohash: ih, trackers: [] }) // ih
 * swarmIdentifier({ key_type: 'infohash', infohash: ih, trackers: ['udp://t:6969/announce'] })
 * // 'magnet:?xt=urn:btih:<ih>&tr=udp%3A%2F%2Ft%3A6969%2Fannounce'
 */
import parseTorrent from 'parse-torrent'
import { INFOHASH_HEX_RE } from '../../lib/contract/peers.ts'
import {
  MAX_STREAM_TRACKERS,
  MAX_TRACKER_URL_LENGTH,
  trackerUrlProblem,
} from '../../lib/contract/stream-events.ts'
import type { KeyType, StreamState } from './types.ts'

// Which trackers an event may name is part of the events contract.
export { MAX_STREAM_TRACKERS, MAX_TRACKER_URL_LENGTH, trackerUrlProblem }

/**
 * Longest magnet sent to the collector: it travels percent-encoded in the request path (about
 * three times longer there), which must stay well inside Node's 16 KiB header limit and the
 * collector's 4096-character identifier limit. Trackers that would not fit are left off.
 */
export const MAX_MAGNET_LENGTH = 2048

/**
 * A magnet key's infohash and usable `tr=` trackers (see trackerUrlProblem; the rest are left
 * off, as the collector would ignore them). Anything that is not a readable magnet gives nulls.
 */
export async function readMagnetKey(
  key: string,
): Promise<{ infohash: string | null; trackers: string[] }> {
  if (!/^magnet:/i.test(key.trim())) return { infohash: null, trackers: [] }
  try {
    const parsed = await parseTorrent('magnet:' + key.trim().slice('magnet:'.length))
    const infohash =
      parsed.infoHash && INFOHASH_HEX_RE.test(parsed.infoHash) ? parsed.infoHash : null
    const announce = Array.isArray(parsed.announce) ? parsed.announce : []
    return {
      infohash: infohash?.toLowerCase() ?? null,
      trackers: mergeTrackers(announce.filter((t): t is string => typeof t === 'string')),
    }
  } catch {
    return { infohash: null, trackers: [] }
  }
}

/** Usable trackers from several lists, first occurrence kept, at most MAX_STREAM_TRACKERS. */
export function mergeTrackers(...lists: string[][]): string[] {
  const out: string[] = []
  for (const list of lists)
    for (const raw of list) {
      const t = raw.trim()
      if (out.length >= MAX_STREAM_TRACKERS) return out
      if (!out.includes(t) && trackerUrlProblem(t) === undefined) out.push(t)
    }
  return out
}

/**
 * What the collector is asked for: the bare infohash when no trackers are known and the key is
 * not a magnet, else `magnet:?xt=urn:btih:<infohash>&tr=...` with as many of the stream's
 * trackers as fit in MAX_MAGNET_LENGTH.
 */
export function swarmIdentifier(stream: {
  key_type: KeyType
  infohash: string
  trackers?: readonly string[]
}): string {
  const trackers = stream.trackers ?? []
  if (stream.key_type !== 'magnet' && trackers.length === 0) return stream.infohash
  let magnet = `magnet:?xt=urn:btih:${stream.infohash}`
  for (const t of trackers) {
    const next = `${magnet}&tr=${encodeURIComponent(t)}`
    if (next.length > MAX_MAGNET_LENGTH) break
    magnet = next
  }
  return magnet
}

/**
 * swarmIdentifier for a stream as the store holds it. A magnet-keyed stream with no trackers
 * recorded (one restored from the history database after a restart) has them read from its key
 * again, so the collector still hears the stream's own trackers.
 */
export async function streamSwarmIdentifier(
  stream: Pick<StreamState, 'key_type' | 'key' | 'trackers'> & { infohash: string },
): Promise<string> {
  const trackers =
    stream.trackers ??
    (stream.key_type === 'magnet' ? (await readMagnetKey(stream.key)).trackers : [])
  return swarmIdentifier({ key_type: stream.key_type, infohash: stream.infohash, trackers })
}
