import { setMaxListeners } from 'node:events'
import { LRUCache } from 'lru-cache'
import PQueue from 'p-queue'
import { INFOHASH_RE, peerKey } from '../../lib/contract/keys.ts'
import { withDeadline } from '../../lib/deadline.ts'
import { classifyAddress } from '../ip.ts'
import { handshakePeer, type HandshakeOptions, type HandshakeResult } from './peer-handshake.ts'
import { createMemoryTtlCache, type TtlCache } from './ttl-cache.ts'

export interface ClientInfo {
  ok: boolean
  client?: string
  client_version?: string
  progress?: number
}

export interface ClientIdentifierOptions {
  concurrency: number
  timeoutMs: number
  cacheTtlMs: number
  negativeTtlMs: number
  /** Handshakes waiting for a slot at most; more are skipped until the queue drains. */
  maxQueued?: number
  cache?: TtlCache<ClientInfo>
  /** Largest torrent metadata fetched to learn the piece count (default 1 MiB; 0 = never). */
  maxMetadataBytes?: number
  /** Replaceable for tests; the real one talks BitTorrent over TCP. */
  handshake?: (o: HandshakeOptions) => Promise<HandshakeResult>
}

export interface ClientIdentifier {
  /** Results known by `deadline`, keyed `ip:port`; peers still unknown are missing. */
  identify(
    peers: Array<{ ip: string; port: number }>,
    opts: { infohash: string; deadline: number },
  ): Promise<Map<string, ClientInfo>>
  health(): Record<string, unknown>
  close(): void
}

/** Classes a handshake may go to: a LAN peer is allowed only when discovery let it through. */
const DIALABLE = new Set(['public', 'private', 'loopback'])

/**
 * Client identification for many peers at once: handshakes run at most `concurrency` at a
 * time, each within `timeoutMs`, and a call returns what is known by its deadline. Handshakes
 * still running then finish in the background and land in the cache (per ip:port+infohash,
 * failures too but for a shorter time), so the next answer for the swarm has them at once.
 *
 * @example
 * const ids = createClientIdentifier({ concurrency: 16, timeoutMs: 2500, cacheTtlMs: 600_000,
 *   negativeTtlMs: 120_000 })
 * const known = await ids.identify(peers, { infohash, deadline: Date.now() + 1000 })
 * known.get('203.0.113.5:6881')?.client // "qBittorrent 4.6.2"
 */
export function createClientIdentifier(options: ClientIdentifierOptions): ClientIdentifier {
  const cache =
    options.cache ?? createMemoryTtlCache<ClientInfo>({ max: 20_000, ttlMs: options.cacheTtlMs })
  const handshake = options.handshake ?? handshakePeer
  const maxQueued = options.maxQueued ?? options.concurrency * 16
  const inFlight = new Map<string, Promise<ClientInfo>>()
  // Piece count per swarm, learnt once from a peer's verified metadata (needed for progress).
  const pieceCounts = new LRUCache<string, number>({ max: 1000 })
  const maxMetadataBytes = options.maxMetadataBytes ?? 1 << 20
  const queue = new PQueue({ concurrency: options.concurrency })
  const stop = new AbortController()
  // Each running handshake listens on this one signal; the default cap of 10 would warn.
  setMaxListeners(0, stop.signal)
  const stats = { handshakes: 0, identified: 0, failed: 0, skipped_queue_full: 0 }

  const start = (ip: string, port: number, infohash: string, key: string) => {
    const task = queue.add(async (): Promise<ClientInfo> => {
      try {
        if (stop.signal.aborted) return { ok: false }
        stats.handshakes++
        const r = await handshake({
          ip,
          port,
          infohash,
          timeoutMs: options.timeoutMs,
          signal: stop.signal,
          pieceCount: pieceCounts.get(infohash),
          fetchMetadataMaxBytes: maxMetadataBytes,
        })
        if (r.ok && r.piece_count) pieceCounts.set(infohash, r.piece_count)
        const info: ClientInfo = r.ok
          ? { ok: true, client: r.client, client_version: r.client_version, progress: r.progress }
          : { ok: false }
        for (const k of Object.keys(info) as Array<keyof ClientInfo>)
          if (info[k] === undefined) delete info[k]
        if (r.ok) stats.identified++
        else stats.failed++
        if (!stop.signal.aborted)
          cache.set(key, info, r.ok ? options.cacheTtlMs : options.negativeTtlMs)
        return info
      } catch {
        stats.failed++
        return { ok: false }
      } finally {
        inFlight.delete(key)
      }
    })
    inFlight.set(key, task)
    return task
  }

  return {
    async identify(peers, { infohash, deadline }) {
      const known = new Map<string, ClientInfo>()
      const pending: Array<Promise<void>> = []
      const ih = infohash.toLowerCase()
      // The handshake carries the raw 20-byte infohash; anything else cannot be asked about.
      if (!INFOHASH_RE.test(ih)) return known
      for (const { ip, port } of peers) {
        const pk = peerKey({ ip, port })
        const key = `${pk}/${ih}`
        const hit = cache.get(key)
        if (hit) {
          known.set(pk, hit)
          continue
        }
        if (stop.signal.aborted || !DIALABLE.has(classifyAddress(ip))) continue
        let task = inFlight.get(key)
        if (!task) {
          if (queue.size >= maxQueued) {
            stats.skipped_queue_full++
            continue
          }
          task = start(ip, port, ih, key)
        }
        pending.push(task.then((info) => void known.set(pk, info)))
      }
      const wait = deadline - Date.now()
      if (pending.length && wait > 0)
        await withDeadline(Promise.all(pending), wait, { onTimeout: () => undefined })
      // A snapshot: handshakes finishing later must not change an answer already sent.
      return new Map(known)
    },
    health: () => ({
      enabled: true,
      running: queue.pending,
      queued: queue.size,
      cached: cache.size,
      swarms_with_piece_count: pieceCounts.size,
      ...stats,
    }),
    close() {
      // Queued tasks see the abort and resolve at once; running ones are cut by the signal.
      stop.abort()
    },
  }
}
