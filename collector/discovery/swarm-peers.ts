/**
 * The peers one tracked swarm knows, keyed by ip:port: which sources and trackers named each,
 * first and last seen. The map is kept in least-recently-seen order, so expiring old peers and
 * dropping the oldest over the bound are cheap. Addresses are admitted by the caller.
 *
 * @example
 * const book = createPeerBook({ maxPeers: 2000 })
 * const { news } = book.add('203.0.113.5', 6881, 'tracker', 'udp://t.example:1337/announce')
 * book.list() // most recently seen first, copies
 */
import { peerKey } from '../../lib/contract/keys.ts'
import type { PeerSource, SourceCounts, SwarmPeer } from '../types.ts'

export interface PeerBook {
  /**
   * Records that `source` named the peer now; `news` is true for a new peer or a new source of
   * a known one (what makes a first answer wait a little longer).
   */
  add(
    ip: string,
    port: number,
    source: PeerSource,
    tracker?: string,
  ): { peer: SwarmPeer; news: boolean }
  /** Marks a known peer seen now without a source naming it (e.g. a live connection). */
  touch(ip: string, port: number): void
  /** Forgets peers last seen before `seenSince` (ISO time). */
  expire(seenSince: string): void
  values(): IterableIterator<SwarmPeer>
  /** Copies, most recently seen first. */
  list(): SwarmPeer[]
  /** Peers per source. */
  counts(): Required<SourceCounts>
  readonly size: number
}

/** Announce URLs a peer lists at most (the contract's bound). */
const MAX_TRACKERS_PER_PEER = 32

export function createPeerBook(opts: { maxPeers: number }): PeerBook {
  const peers = new Map<string, SwarmPeer>()

  /** Re-inserts `peer` seen now at the end: the map stays in least-recently-seen order. */
  const seen = (key: string, peer: SwarmPeer) => {
    peers.delete(key)
    peer.last_seen = new Date().toISOString()
    peers.set(key, peer)
  }

  return {
    add(ip, port, source, tracker) {
      const key = peerKey({ ip, port })
      let peer = peers.get(key)
      let news = false
      if (peer) {
        if (!peer.sources.includes(source)) {
          peer.sources.push(source)
          news = true
        }
      } else {
        const now = new Date().toISOString()
        peer = { ip, port, sources: [source], first_seen: now, last_seen: now }
        news = true
      }
      if (tracker) {
        const list = (peer.trackers ??= [])
        if (!list.includes(tracker) && list.length < MAX_TRACKERS_PER_PEER) list.push(tracker)
      }
      seen(key, peer)
      if (peers.size > opts.maxPeers) {
        const oldest = peers.keys().next().value
        if (oldest !== undefined) peers.delete(oldest)
      }
      return { peer, news }
    },

    touch(ip, port) {
      const key = peerKey({ ip, port })
      const peer = peers.get(key)
      if (peer) seen(key, peer)
    },

    expire(seenSince) {
      // Least recently seen first, so expired peers sit at the front.
      for (const [key, peer] of peers) {
        if (peer.last_seen >= seenSince) break
        peers.delete(key)
      }
    },

    values: () => peers.values(),

    list: () =>
      [...peers.values()].reverse().map((p) => ({
        ...p,
        sources: [...p.sources],
        ...(p.trackers ? { trackers: [...p.trackers] } : {}),
      })),

    counts() {
      const out = { dht: 0, tracker: 0, stream_tracker: 0, pex: 0 }
      for (const p of peers.values()) for (const s of p.sources) out[s]++
      return out
    },

    get size() {
      return peers.size
    },
  }
}
