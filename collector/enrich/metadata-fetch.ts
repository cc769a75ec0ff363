import { createHash } from 'node:crypto'
import bencode from 'bencode'
import utMetadata from 'ut_metadata'

export interface MetadataFetchOptions {
  infohash: string
  /** Metadata larger than this is not fetched (live streams' metadata is a few KB). */
  maxBytes: number
  /** Called once: the piece count, or undefined when the peer did not or could not tell. */
  onDone(pieceCount: number | undefined): void
  /** Called when the peer offers metadata and the requests went out. */
  onStart?(): void
}

/** Pieces in a v1 info dictionary (`pieces` holds 20 bytes per piece), else undefined. */
function pieceCountOf(infoBytes: Uint8Array): number | undefined {
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
 * BEP 9 metadata (webtorrent's ut_metadata), fetched just far enough to learn a torrent's piece
 * count: without it a peer's bitfield cannot be turned into a percentage, because a bitfield's
 * length is rounded up to whole bytes. Only metadata up to `maxBytes` is asked for, and the info
 * dictionary is checked against the infohash before it is believed.
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
  const Base = utMetadata()

  class BoundedMetadata extends Base {
    constructor(...args: ConstructorParameters<typeof Base>) {
      super(...args)
      this.on('warning', () => finish(undefined))
      this.on('metadata', () => {
        const info = this.metadata
        // ut_metadata checks the hash only when the peer's handshake reached it first.
        const verified =
          info && createHash('sha1').update(info).digest('hex') === options.infohash.toLowerCase()
        finish(verified ? pieceCountOf(info) : undefined)
      })
    }

    override onExtendedHandshake(handshake: Record<string, unknown>): void {
      const size = handshake.metadata_size
      if (
        typeof size !== 'number' ||
        !Number.isInteger(size) ||
        size <= 0 ||
        size > options.maxBytes
      )
        return finish(undefined)
      options.onStart?.()
      this.fetch()
      super.onExtendedHandshake(handshake)
    }
  }
  return BoundedMetadata
}
