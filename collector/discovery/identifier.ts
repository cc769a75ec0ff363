/**
 * Turns the `/peers/{id}` path parameter into a swarm infohash. Accepts a 40-hex infohash, a
 * 32-char base32 infohash or a (URL-encoded) magnet URI, parsed with parse-torrent; anything else
 * is a 400 that says what was wrong.
 *
 * @example
 * await parseSwarmIdentifier('magnet%3A%3Fxt%3Durn%3Abtih%3A...') // { infohash: '...' }
 */
import parseTorrent from 'parse-torrent'
import { INFOHASH_HEX_RE } from '../../lib/contract/peers.ts'
import { HttpError } from '../../lib/http-error.ts'

export interface SwarmIdentifier {
  /** Lowercase 40-hex v1 infohash. */
  infohash: string
  /** How the caller gave it. */
  kind: 'hex' | 'base32' | 'magnet'
  /** A magnet's `tr=` announce URLs as given (unchecked; see stream-trackers.ts); else empty. */
  trackers: string[]
}

const BASE32 = /^[a-z2-7]{32}$/i
const MAX_IDENTIFIER_LENGTH = 4096

function invalid(detail: string): HttpError {
  return new HttpError(400, 'invalid identifier', detail)
}

/** Parses a swarm identifier; throws a 400 HttpError naming the problem. */
export async function parseSwarmIdentifier(raw: string): Promise<SwarmIdentifier> {
  if (raw.length > MAX_IDENTIFIER_LENGTH)
    throw invalid(`identifier is ${raw.length} characters long, at most ${MAX_IDENTIFIER_LENGTH}`)
  let id = raw.trim()
  // Hono decodes the path once; a magnet that was encoded twice still arrives encoded.
  if (/^magnet%3A/i.test(id)) {
    try {
      id = decodeURIComponent(id)
    } catch {
      throw invalid('magnet URI is not valid URL encoding')
    }
  }
  if (id === '') throw invalid('identifier is empty')

  const kind: SwarmIdentifier['kind'] | undefined = INFOHASH_HEX_RE.test(id)
    ? 'hex'
    : BASE32.test(id)
      ? 'base32'
      : /^magnet:/i.test(id)
        ? 'magnet'
        : undefined
  if (!kind)
    throw invalid(
      `expected a 40-hex infohash, a 32-char base32 infohash or a magnet URI, got "${preview(id)}"`,
    )
  if (kind === 'magnet') id = 'magnet:' + id.slice('magnet:'.length) // parse-torrent wants lowercase

  let infohash: string | undefined
  let trackers: string[] = []
  try {
    const parsed = await parseTorrent(id)
    infohash = parsed.infoHash
    if (kind === 'magnet' && Array.isArray(parsed.announce))
      trackers = parsed.announce.filter((u): u is string => typeof u === 'string')
  } catch {
    infohash = undefined
  }
  if (!infohash || !INFOHASH_HEX_RE.test(infohash)) {
    throw invalid(
      kind === 'magnet'
        ? 'magnet URI has no valid "xt=urn:btih:" infohash (40 hex or 32 base32 characters)'
        : `could not read an infohash from "${preview(id)}"`,
    )
  }
  return { infohash: infohash.toLowerCase(), kind, trackers }
}

function preview(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}
