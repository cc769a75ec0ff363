// Minimal declarations for ut_metadata 5 (ships none): the parts the collector uses.
// See https://github.com/webtorrent/ut_metadata#usage
declare module 'ut_metadata' {
  import type { EventEmitter } from 'node:events'
  import type Wire from 'bittorrent-protocol'

  export interface UtMetadata extends EventEmitter {
    /** 'ut_metadata', on the prototype: bittorrent-protocol reads the extension's name there. */
    readonly name: string
    /** The raw info dictionary once fetched and checked against the infohash. */
    metadata?: Uint8Array
    /** Ask the peer for the metadata (now, or once its extended handshake names the size). */
    fetch(): void
    cancel(): void
    onHandshake(infoHash: string, peerId: string, extensions: Record<string, boolean>): void
    onExtendedHandshake(handshake: Record<string, unknown>): void
    onMessage(buf: Uint8Array): void
    on(event: 'metadata', fn: (torrent: Uint8Array) => void): this
    on(event: 'warning', fn: (err: Error) => void): this
  }

  export interface UtMetadataClass {
    new (wire: Wire): UtMetadata
    prototype: UtMetadata
  }

  /** The extension class for `wire.use()`; `metadata` to serve, if this side has it. */
  export default function utMetadata(metadata?: Uint8Array): UtMetadataClass
}
