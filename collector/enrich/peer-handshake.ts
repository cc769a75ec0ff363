import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import Wire, { type WireExtensionClass } from 'bittorrent-protocol'
import peerid from 'bittorrent-peerid'
import { createMetadataExtension } from './metadata-fetch.ts'

export interface HandshakeOptions {
  ip: string
  port: number
  /** 40-hex infohash of the swarm; a peer not in that swarm hangs up or answers another. */
  infohash: string
  timeoutMs: number
  signal?: AbortSignal
  /** Pieces in the torrent when known; needed to turn a bitfield into a percentage. */
  pieceCount?: number
  /** Without `pieceCount`, ask the peer for the metadata (BEP 9) up to this size to learn it. */
  fetchMetadataMaxBytes?: number
  /** More BEP 10 extensions to offer (e.g. ut_pex), installed before the handshake. */
  extensions?: WireExtensionClass[]
  /**
   * Keep the connection after a successful handshake and hand it over in the result (PEX needs
   * it open); the caller then owns it and must destroy it.
   */
  hold?: boolean
}

/** The connection a held handshake hands over. */
export interface HeldConnection {
  wire: Wire
  socket: Socket
}

export type HandshakeResult =
  | {
      ok: true
      /** Client name and version from the peer id; absent when bittorrent-peerid does not know it. */
      client?: string
      /** `v` from the extension handshake. */
      client_version?: string
      /** Percent of pieces, only when it can be known exactly (see piecesToProgress). */
      progress?: number
      /** Metadata size the peer announced (BEP 9), if any. */
      metadata_size?: number
      /** Pieces in the torrent, learnt from the peer's verified metadata. */
      piece_count?: number
      /** Only with `hold`: the open connection, unless the peer hung up already. */
      connection?: HeldConnection
    }
  | { ok: false; reason: 'refused' | 'timeout' | 'closed' | 'wrong-swarm' | 'aborted' }

/** After the handshake, how long to wait for the extension handshake and bitfield. */
const SETTLE_MS = 400

// Az-style id: '-' + two letters + four version digits + '-' + 12 random bytes.
// 'AP' is not assigned to a known client, so we do not pass for one.
const OUR_PEER_ID = Buffer.concat([Buffer.from('-AP0100-'), randomBytes(12)])

/** Human client text from a 20-byte peer id, or undefined if the library does not know it. */
function describePeerId(id: Uint8Array): string | undefined {
  try {
    const { client, version } = peerid(Buffer.from(id))
    if (!client || client.toLowerCase() === 'unknown') return undefined
    const v = typeof version === 'string' ? version.trim() : ''
    return v ? `${client} ${v}` : client
  } catch {
    return undefined
  }
}

const text = (v: unknown): string | undefined => {
  if (v instanceof Uint8Array) v = Buffer.from(v).toString('utf8')
  if (typeof v !== 'string') return undefined
  // The version string is peer-controlled: keep it printable and short.
  const clean = v
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, '')
    .trim()
    .slice(0, 64)
  return clean || undefined
}

/** Set bits among the first `count` bits of a BitTorrent bitfield (high bit first). */
function countPieces(bits: Uint8Array, count: number): number {
  let n = 0
  for (let i = 0; i < count; i++) {
    const byte = bits[i >> 3]
    if (byte !== undefined && byte & (0x80 >> (i & 7))) n++
  }
  return n
}

/**
 * Progress from what the peer said it has. have_all / have_none (BEP 6) are exact. A bitfield
 * is exact only with the piece count: its length is rounded up to whole bytes, so without the
 * count the denominator is unknown (an all-zero bitfield is 0 % whatever the count).
 */
export function piecesToProgress(
  seen: { haveAll?: boolean; haveNone?: boolean; bitfield?: Uint8Array },
  pieceCount: number | undefined,
): number | undefined {
  if (seen.haveAll) return 100
  if (seen.haveNone) return 0
  const bits = seen.bitfield
  if (!bits) return undefined
  if (bits.every((b) => b === 0)) return 0
  if (!pieceCount || bits.length !== Math.ceil(pieceCount / 8)) return undefined
  return Math.round((countPieces(bits, pieceCount) / pieceCount) * 1000) / 10
}

/**
 * One short BitTorrent conversation with a peer: TCP connect, handshake, and (where the peer
 * offers BEP 10) its extension handshake, then hang up. It reveals the peer id (mapped to a
 * client name by bittorrent-peerid), the `v` version string and, when the peer volunteers it,
 * what it has. We request nothing and send no pieces.
 *
 * @example
 * const r = await handshakePeer({ ip: '127.0.0.2', port: 6881, infohash, timeoutMs: 2000 })
 * if (r.ok) console.log(r.client) // "qBittorrent 4.6.2"
 */
export function handshakePeer(options: HandshakeOptions): Promise<HandshakeResult> {
  return new Promise<HandshakeResult>((resolve) => {
    let timer: NodeJS.Timeout | undefined
    let socket: Socket | undefined
    let wire: Wire | undefined
    let settled = false
    let handshook = false
    let settleTimer: NodeJS.Timeout | undefined
    let settleElapsed = false
    let metadataPending = false
    let pieceCount = options.pieceCount
    const seen: { haveAll?: boolean; haveNone?: boolean; bitfield?: Uint8Array } = {}
    let result: Extract<HandshakeResult, { ok: true }> | undefined

    const finish = (r: HandshakeResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(settleTimer)
      options.signal?.removeEventListener('abort', onAbort)
      if (r.ok && options.hold && wire && socket && !socket.destroyed && !wire.destroyed) {
        r.connection = { wire, socket }
      } else {
        wire?.destroy()
        socket?.destroy()
      }
      resolve(r)
    }

    const complete = () => {
      if (!result) return
      const progress = piecesToProgress(seen, pieceCount)
      if (progress !== undefined) result.progress = progress
      finish(result)
    }

    const onAbort = () => (handshook ? complete() : finish({ ok: false, reason: 'aborted' }))
    if (options.signal?.aborted) return finish({ ok: false, reason: 'aborted' })
    options.signal?.addEventListener('abort', onAbort, { once: true })
    // A peer that handshook but then dawdles still counts: we know its id.
    timer = setTimeout(
      () => (handshook ? complete() : finish({ ok: false, reason: 'timeout' })),
      options.timeoutMs,
    )
    timer.unref()

    // Done once everything the peer volunteers right after the handshake has arrived, or the
    // settle time is over; a metadata fetch under way may use the rest of the timeout.
    const maybeDone = () => {
      if (!handshook || metadataPending) return
      const extDone = !wire?.peerExtensions.extended || result?.client_version !== undefined
      const piecesDone = seen.haveAll || seen.haveNone || seen.bitfield
      if (settleElapsed || (extDone && piecesDone)) complete()
    }

    socket = connect({ host: options.ip, port: options.port })
    socket.setNoDelay(true)
    socket.on('error', (err: NodeJS.ErrnoException) =>
      handshook
        ? complete()
        : finish({ ok: false, reason: err.code === 'ECONNREFUSED' ? 'refused' : 'closed' }),
    )
    socket.on('close', () => (handshook ? complete() : finish({ ok: false, reason: 'closed' })))
    socket.on('connect', () => {
      if (settled || !socket) return
      const w = (wire = new Wire('tcpOutgoing'))
      w.on('error', () => (handshook ? complete() : finish({ ok: false, reason: 'closed' })))
      w.extendedHandshake = {}
      if (pieceCount === undefined && options.fetchMetadataMaxBytes)
        w.use(
          createMetadataExtension({
            infohash: options.infohash,
            maxBytes: options.fetchMetadataMaxBytes,
            onStart: () => (metadataPending = true),
            onDone: (n) => {
              metadataPending = false
              if (n !== undefined && result) result.piece_count = pieceCount = n
              maybeDone()
            },
          }),
        )
      for (const ext of options.extensions ?? []) w.use(ext)
      socket.pipe(w).pipe(socket)
      w.on('handshake', (infoHash: string) => {
        if (infoHash.toLowerCase() !== options.infohash.toLowerCase())
          return finish({ ok: false, reason: 'wrong-swarm' })
        handshook = true
        result = { ok: true }
        const client = w.peerIdBuffer ? describePeerId(w.peerIdBuffer) : undefined
        if (client) result.client = client
        settleTimer = setTimeout(() => {
          settleElapsed = true
          maybeDone()
        }, SETTLE_MS)
        settleTimer.unref()
        maybeDone()
      })
      w.on('extended', (ext: string, info: Record<string, unknown>) => {
        if (ext !== 'handshake' || !result) return
        result.client_version = text(info.v) ?? ''
        const size = info.metadata_size
        if (typeof size === 'number' && Number.isInteger(size) && size > 0)
          result.metadata_size = size
        maybeDone()
      })
      w.on('bitfield', () => {
        seen.bitfield = Uint8Array.from(w.peerPieces.buffer)
        maybeDone()
      })
      w.on('have-all', () => {
        seen.haveAll = true
        maybeDone()
      })
      w.on('have-none', () => {
        seen.haveNone = true
        maybeDone()
      })
      try {
        w.handshake(options.infohash, OUR_PEER_ID, { dht: false, fast: true })
      } catch {
        finish({ ok: false, reason: 'wrong-swarm' }) // not a 40-hex infohash
      }
    })
  }).then((r) => {
    // '' marked "extension handshake seen without v"; absent reads better in the API.
    if (r.ok && r.client_version === '') delete r.client_version
    return r
  })
}
