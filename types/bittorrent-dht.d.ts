// Minimal declarations for bittorrent-dht 11 (untyped): only what the collector and the local
// test swarm use. See https://github.com/webtorrent/bittorrent-dht#api
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events'

  export interface DHTNodeAddress {
    host: string
    port: number
  }

  export interface DHTOptions {
    /** Nodes to bootstrap from (`host:port` or objects); false: do not bootstrap. */
    bootstrap?: Array<string | DHTNodeAddress> | false
    /** Own IP, used to record this node's own announces. */
    host?: string | false
    /** Max peers kept per infohash and overall. */
    maxPeers?: number
    maxTables?: number
    maxValues?: number
    /** k-rpc query timeout (ms, default 2000). */
    timeout?: number
    /** Queries in flight at once (default 16). */
    concurrency?: number
    k?: number
    nodeId?: string | Uint8Array
  }

  export interface DHTPeer {
    host: string
    port: number
  }

  export interface RoutingTable {
    count(): number
    toArray(): Array<{ id: Uint8Array; host: string; port: number }>
  }

  export default class DHT extends EventEmitter {
    constructor(opts?: DHTOptions)
    readonly nodeId: Uint8Array
    readonly nodes: RoutingTable
    listening: boolean
    destroyed: boolean
    ready?: boolean
    listen(port?: number, address?: string, onlistening?: () => void): void
    address(): { address: string; family: string; port: number }
    addNode(node: DHTNodeAddress & { id?: Uint8Array | string }): void
    /** get_peers walk; 'peer' events carry results; the callback fires when the walk settles. */
    lookup(
      infoHash: string | Uint8Array,
      cb?: (err: Error | null, nodesVisited?: number) => void,
    ): () => void
    announce(
      infoHash: string | Uint8Array,
      port: number,
      cb?: (err: Error | null, nodesReached?: number) => void,
    ): void
    destroy(cb?: () => void): void

    on(
      event: 'peer',
      fn: (peer: DHTPeer, infoHash: Buffer, from: DHTNodeAddress | null) => void,
    ): this
    on(event: 'ready' | 'listening' | 'close', fn: () => void): this
    on(event: 'error' | 'warning', fn: (err: Error) => void): this
    on(event: string, fn: (...args: any[]) => void): this
  }
}
