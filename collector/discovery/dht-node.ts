/**
 * The collector's one long-lived mainline DHT node. Wraps bittorrent-dht's events once: a lookup
 * is a promise that settles when the get_peers walk has finished, the timeout passed or the
 * signal aborted, and streams the peers it finds to a callback. Nothing else sees DHT events.
 *
 * @example
 * const dht = createDhtNode({ host: '0.0.0.0', port: 6881, bootstrap, log })
 * await dht.start()
 * await dht.lookup(infohash, { timeoutMs: 10_000, onPeer: (p) => seen.add(p) })
 */
import DHT from 'bittorrent-dht'
import type { HostPort } from '../../lib/settings.ts'
import type { Logger } from '../../lib/log.ts'

export interface DhtNodeOptions {
  host: string
  port: number
  /** Empty: no bootstrap at all (never the library's public default routers). */
  bootstrap: HostPort[]
  log: Logger
}

export interface DhtPeer {
  ip: string
  port: number
}

export interface DhtLookupOptions {
  timeoutMs: number
  signal?: AbortSignal
  onPeer: (peer: DhtPeer) => void
}

export interface DhtLookupResult {
  /** 'done': the walk finished; 'timeout' / 'aborted': stopped listening before that. */
  outcome: 'done' | 'timeout' | 'aborted' | 'error'
  nodesVisited: number
}

export interface DhtNode {
  start(): Promise<void>
  lookup(infohash: string, opts: DhtLookupOptions): Promise<DhtLookupResult>
  /** Nodes in the routing table. */
  nodeCount(): number
  /** Bound UDP port (after start). */
  port(): number
  readonly lookupsStarted: number
  close(): Promise<void>
}

// The DHT lets a peer store hold at most this many addresses in total (its own default: 10000).
const MAX_STORED_PEERS = 5000

export function createDhtNode(opts: DhtNodeOptions): DhtNode {
  const dht = new DHT({
    bootstrap: opts.bootstrap.length ? opts.bootstrap : false,
    maxPeers: MAX_STORED_PEERS,
  })
  // One 'peer' listener fans out by infohash, so concurrent lookups never see each other's peers.
  const listeners = new Map<string, Set<(p: DhtPeer) => void>>()
  let lookupsStarted = 0
  let closing: Promise<void> | undefined

  dht.on('peer', (peer, infoHash) => {
    const set = listeners.get(Buffer.from(infoHash).toString('hex'))
    if (set) for (const fn of set) fn({ ip: peer.host, port: peer.port })
  })
  dht.on('warning', (err) => opts.log.debug('dht warning', { err }))
  dht.on('error', (err) => opts.log.warn('dht error', { err }))

  return {
    get lookupsStarted() {
      return lookupsStarted
    },

    start() {
      return new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err)
        dht.once('error', onError)
        dht.listen(opts.port, opts.host, () => {
          dht.off('error', onError)
          opts.log.info('dht listening', {
            port: dht.address().port,
            bootstrap: opts.bootstrap.length,
          })
          resolve()
        })
      })
    },

    lookup(infohash, { timeoutMs, signal, onPeer }) {
      if (dht.destroyed) return Promise.resolve({ outcome: 'aborted', nodesVisited: 0 })
      if (signal?.aborted) return Promise.resolve({ outcome: 'aborted', nodesVisited: 0 })
      lookupsStarted++
      let set = listeners.get(infohash)
      if (!set) listeners.set(infohash, (set = new Set()))
      const listener = (p: DhtPeer) => onPeer(p)
      set.add(listener)

      return new Promise<DhtLookupResult>((resolve) => {
        let timer: NodeJS.Timeout | undefined
        let stop: (() => void) | undefined
        let finished = false
        // Runs once, from whichever comes first: the walk's end, the timer or the abort.
        const finish = (result: DhtLookupResult) => {
          if (finished) return
          finished = true
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          set.delete(listener)
          if (set.size === 0) listeners.delete(infohash)
          if (result.outcome !== 'done') stop?.()
          resolve(result)
        }
        const onAbort = () => finish({ outcome: 'aborted', nodesVisited: 0 })
        timer = setTimeout(() => finish({ outcome: 'timeout', nodesVisited: 0 }), timeoutMs)
        timer.unref()
        signal?.addEventListener('abort', onAbort, { once: true })
        stop = dht.lookup(infohash, (err, n) =>
          finish(
            err ? { outcome: 'error', nodesVisited: 0 } : { outcome: 'done', nodesVisited: n ?? 0 },
          ),
        )
      })
    },

    nodeCount: () => dht.nodes.count(),
    port: () => (dht.listening ? dht.address().port : 0),

    close() {
      closing ??= new Promise<void>((resolve) => {
        listeners.clear()
        // destroy() waits for the socket to close; do not let a stuck close hold up shutdown.
        const force = setTimeout(resolve, 1000)
        force.unref()
        dht.destroy(() => {
          clearTimeout(force)
          resolve()
        })
      })
      return closing
    },
  }
}
