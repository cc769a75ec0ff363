// Minimal declarations for ut_pex 5 (ships none): the parts the collector and the test peers use.
// See https://github.com/webtorrent/ut_pex#usage
declare module 'ut_pex' {
  import type { EventEmitter } from 'node:events'
  import type Wire from 'bittorrent-protocol'
  import type { WireExtensionClass } from 'bittorrent-protocol'

  export interface UtPex extends EventEmitter {
    /** Start sending PEX messages every 65 s. */
    start(): void
    stop(): void
    reset(): void
    /** `ip:port` to announce in the next message. */
    addPeer(peer: string, flags?: Record<string, boolean>): void
    dropPeer(peer: string): void
    on(event: 'peer', fn: (peer: string, flags: Record<string, boolean>) => void): this
    on(event: 'dropped', fn: (peer: string) => void): this
    on(event: 'warning', fn: (err: Error) => void): this
    /** Not public API: sends the pending added/dropped lists now (see bt-peer.ts). */
    _sendMessage(): void
  }

  export type UtPexWire = Wire & { ut_pex?: UtPex }

  export default function utPex(): WireExtensionClass
}
