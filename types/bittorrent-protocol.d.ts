// Minimal declarations for bittorrent-protocol 5 (ships none): the parts the collector uses.
declare module 'bittorrent-protocol' {
  import type { Duplex } from 'node:stream'

  interface BitFieldLike {
    buffer: Uint8Array
    get(index: number): boolean
  }

  export interface WireExtension {
    onHandshake?(infoHash: string, peerId: string, extensions: Record<string, boolean>): void
    onExtendedHandshake?(handshake: Record<string, unknown>): void
    onMessage?(buf: Uint8Array): void
  }

  export interface WireExtensionClass {
    new (wire: Wire): WireExtension
    prototype: { name: string }
  }

  class Wire extends Duplex {
    constructor(type?: string, peEnabled?: number)
    peerId: string | null
    peerIdBuffer: Uint8Array | null
    peerExtensions: { extended?: boolean; dht?: boolean; fast?: boolean }
    peerExtendedHandshake: Record<string, unknown>
    peerExtendedMapping: Record<string, number>
    peerPieces: BitFieldLike
    extendedHandshake: Record<string, unknown>
    hasFast: boolean
    destroyed: boolean
    handshake(
      infoHash: string | Uint8Array,
      peerId: string | Uint8Array,
      extensions?: { dht?: boolean; fast?: boolean },
    ): void
    bitfield(bitfield: Uint8Array | BitFieldLike): void
    have(index: number): void
    haveAll(): void
    haveNone(): void
    extended(ext: number | string, obj: Uint8Array | Record<string, unknown>): void
    use(ext: WireExtensionClass): void
    setKeepAlive(enable: boolean): void
    override destroy(): this
    override end(data?: unknown): this
    override pipe<T extends NodeJS.WritableStream>(dest: T): T
  }

  export default Wire
}
