import { createHash } from 'node:crypto'
import bencode from 'bencode'
import type Wire from 'bittorrent-protocol'

export interface MetadataFetchOptions {
  infohash: string
  /** Metadata larger than this is not fetched (live streams' metadata is a few KB). */
  maxBytes: number
  /** Called once: the piece count, or undefined when the peer did not or could not tell. */
  onDone(pieceCount: number | undefined): void
  /** Called when the peer offers metadata and the requests went out. */
  onStart?(): void
}

const BLOCK = 16 * 1024

/** Pieces in a v1 info dictionary (`pieces` holds 20 bytes per piece), else undefined. */
export function pieceCountOf(infoBytes: Uint8Array): number | undefined {
  try {
    const info = bencode.decode(infoBytes) as Record<string, unknown> | null
    const pieces = info?.pieces
    if (!(pieces instanceof Uint8Array) || pieces.length === 0 || pieces.length % 20)
      return undefined
    return pieces.length / 20
  } catch {
    return undefined
  }
}

/**
 * BEP 9 (ut_metadata) just far enough to learn a torrent's piece count: without it a peer's
 * bitfield cannot be turned into a percentage, because a bitfield's length is rounded up to
 * whole bytes. The info dictionary is checked against the infohash before it is believed.
 *
 * @example
 * wire.use(createMetadataExtension({ infohash, maxBytes: 1 << 20, onDone: (n) => { ... } }))
 */
export function createMetadataExtension(options: MetadataFetchOptions) {
  let done = false
  const finish = (n: number | undefined) => {
    if (done) return
    done = true
    options.onDone(n)
  }

  class UtMetadata {
    private size = 0
    private blocks: Array<Uint8Array | undefined> = []
    private missing = 0

    constructor(private readonly wire: Wire) {}

    /** bittorrent-protocol reads the extension's name from the prototype. */
    get name(): string {
      return 'ut_metadata'
    }

    onExtendedHandshake(handshake: Record<string, unknown>): void {
      const size = handshake.metadata_size
      if (
        typeof size !== 'number' ||
        !Number.isInteger(size) ||
        size <= 0 ||
        size > options.maxBytes
      )
        return finish(undefined)
      this.size = size
      this.blocks = Array.from({ length: Math.ceil(size / BLOCK) }, () => undefined)
      this.missing = this.blocks.length
      options.onStart?.()
      for (let piece = 0; piece < this.blocks.length; piece++)
        this.wire.extended('ut_metadata', { msg_type: 0, piece })
    }

    onMessage(buf: Uint8Array): void {
      if (done) return
      let msg: Record<string, unknown> | null
      try {
        msg = bencode.decode(buf) as Record<string, unknown> | null
      } catch {
        return finish(undefined)
      }
      const piece = msg?.piece
      if (msg?.msg_type === 2) return finish(undefined) // reject: the peer has no metadata
      if (msg?.msg_type !== 1 || typeof piece !== 'number') return
      if (!Number.isInteger(piece) || piece < 0 || piece >= this.blocks.length) return
      if (this.blocks[piece]) return
      // bencode.decode leaves `position` at the end of the dictionary; the block follows it.
      this.blocks[piece] = buf.subarray(
        (bencode.decode as unknown as { position: number }).position,
      )
      if (--this.missing > 0) return
      const all = Buffer.concat(this.blocks as Uint8Array[])
      if (all.length !== this.size) return finish(undefined)
      const hash = createHash('sha1').update(all).digest('hex')
      finish(hash === options.infohash.toLowerCase() ? pieceCountOf(all) : undefined)
    }
  }
  return UtMetadata
}
