// Minimal declarations for bittorrent-peerid 2 (ships none).
declare module 'bittorrent-peerid' {
  /** Client name and version from a 20-byte peer id (Buffer, or hex/utf8 text); throws if invalid. */
  export default function peerid(peerId: Buffer | string): { client: string; version?: string }
}
