// Minimal declarations for parse-torrent 11 (untyped): identifier parsing only.
// See https://github.com/webtorrent/parse-torrent#usage
declare module 'parse-torrent' {
  export interface ParsedTorrent {
    infoHash?: string
    infoHashV2?: string
    name?: string
    dn?: string
    announce?: string[]
    [key: string]: unknown
  }
  /** Magnet URI, 40-hex or 32-char base32 infohash, .torrent bytes; throws when invalid. */
  export default function parseTorrent(torrentId: string | Uint8Array): Promise<ParsedTorrent>
}
