/**
 * The small keys every process agrees on, apart from the zod schemas so a browser bundle can
 * take them without zod: the infohash patterns and the `ip:port` peer key.
 *
 * @example
 * INFOHASH_RE.test('0123456789abcdef0123456789abcdef01234567') // true
 * peerKey({ ip: '::1', port: 6881 }) // '[::1]:6881'
 */

/** Lowercase 40-hex infohash. */
export const INFOHASH_RE = /^[0-9a-f]{40}$/

/** A 40-hex infohash in either case, as engines, events and path parameters may write it. */
export const INFOHASH_HEX_RE = /^[0-9a-f]{40}$/i

/** The key peers are merged and diffed by: `ip:port`, with IPv6 addresses bracketed. */
export function peerKey(p: { ip: string; port: number }): string {
  return p.ip.includes(':') ? `[${p.ip}]:${p.port}` : `${p.ip}:${p.port}`
}
